//! The event store of one source: events as ranges into shared byte blocks plus compact columns.
//!
//! The bytes of a file are kept in blocks (one per chunk read, a few MiB each, cut at line ends so that
//! no event spans two blocks). An event is a range inside one block; its timestamp and level live in
//! columns indexed by a dense event id `0..len()`. Beyond the raw text an event costs 8 (time) + 1
//! (level) + 4 (start) + 4 (length) bytes here, plus 8 bytes in the merged [`crate::engine::timeline`].

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::formats::FormatName;
use super::level::Level;

/// Shared, immutable bytes of one block.
pub type Bytes = Arc<Vec<u8>>;

/// Marks "no timestamp" in the time column.
pub const NO_TIME: i64 = i64::MIN;

/// Dense index of a source among all loaded sources.
pub type SourceId = u16;

/// A run of a file's bytes, cut at a line end, and the id of the first event that starts in it.
#[derive(Debug, Clone)]
pub struct Block {
    pub bytes: Bytes,
    pub first_event: u32,
    /// Offset of this block's first byte in the (decoded) file, so text can be re-read later.
    pub file_offset: u64,
}

/// What is known about a source besides its events.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SourceInfo {
    /// The name as given: a path, a dropped file's name, or `ARCHIVE!/member`.
    pub name: String,
    pub format: FormatName,
    /// Size of the file in bytes, as read.
    pub bytes: u64,
    pub unparsed_lines: u64,
    /// Earliest and latest event instants as written (ns since the epoch, UTC).
    pub first_ts: Option<i64>,
    pub last_ts: Option<i64>,
    /// A sentence naming what is wrong with this file, if anything.
    pub error: Option<String>,
    /// The modification time it was read with (ns since the epoch), kept so the source can be read
    /// again from its blocks with other time settings ([`crate::engine::ingest::reread`]).
    #[serde(skip)]
    pub modified_ns: Option<i64>,
}

/// The events of one source.
#[derive(Debug, Clone, Default)]
pub struct SourceData {
    pub info: SourceInfo,
    blocks: Vec<Block>,
    ts: Vec<i64>,
    level: Vec<u8>,
    start: Vec<u32>,
    len: Vec<u32>,
}

/// One event, borrowed from the store.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventView<'a> {
    pub ts: Option<i64>,
    pub level: Level,
    pub text: &'a [u8],
}

impl SourceData {
    pub fn new(info: SourceInfo) -> Self {
        SourceData {
            info,
            ..Default::default()
        }
    }

    pub fn len(&self) -> usize {
        self.ts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// Makes room for `additional` more events in the columns at once (growing them by doubling
    /// copies each column about twice over a big file).
    pub fn reserve(&mut self, additional: usize) {
        self.ts.reserve(additional);
        self.level.reserve(additional);
        self.start.reserve(additional);
        self.len.reserve(additional);
    }

    /// Adds a block; events pushed afterwards are ranges into it.
    pub fn push_block(&mut self, bytes: Bytes, file_offset: u64) {
        self.blocks.push(Block {
            bytes,
            first_event: self.ts.len() as u32,
            file_offset,
        });
    }

    /// Adds an event covering `start..start+len` of the last pushed block.
    pub fn push_event(&mut self, ts: Option<i64>, level: Level, start: u32, len: u32) {
        debug_assert!(!self.blocks.is_empty(), "push_block before push_event");
        if let Some(t) = ts {
            self.info.first_ts = Some(self.info.first_ts.map_or(t, |f| f.min(t)));
            self.info.last_ts = Some(self.info.last_ts.map_or(t, |l| l.max(t)));
        }
        self.ts.push(ts.unwrap_or(NO_TIME));
        self.level.push(level as u8);
        self.start.push(start);
        self.len.push(len);
    }

    pub fn ts(&self, event: usize) -> Option<i64> {
        self.ts.get(event).copied().filter(|t| *t != NO_TIME)
    }

    /// The raw time column (`NO_TIME` where an event has none).
    pub fn ts_column(&self) -> &[i64] {
        &self.ts
    }

    pub fn level(&self, event: usize) -> Level {
        self.level
            .get(event)
            .map_or(Level::None, |l| Level::from_u8(*l))
    }

    pub fn level_column(&self) -> &[u8] {
        &self.level
    }

    /// Where each event starts inside its block (see [`SourceData::block_of`]).
    pub fn start_column(&self) -> &[u32] {
        &self.start
    }

    /// Each event's length in bytes.
    pub fn len_column(&self) -> &[u32] {
        &self.len
    }

    /// The index of the block holding `event`.
    pub fn block_of(&self, event: usize) -> usize {
        self.blocks
            .partition_point(|b| b.first_event as usize <= event)
            .saturating_sub(1)
    }

    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// The raw bytes of an event (all its lines, without the final line end).
    pub fn text(&self, event: usize) -> &[u8] {
        let Some(&start) = self.start.get(event) else {
            return &[];
        };
        let len = self.len[event];
        let block = self
            .blocks
            .partition_point(|b| b.first_event as usize <= event)
            .saturating_sub(1);
        let Some(block) = self.blocks.get(block) else {
            return &[];
        };
        block
            .bytes
            .get(start as usize..(start + len) as usize)
            .unwrap_or(&[])
    }

    /// The raw bytes of the events `range` in order, as [`SourceData::text`] gives each, walking the
    /// blocks along instead of looking each event's block up.
    pub fn texts(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = &[u8]> + '_ {
        let range = range.start.min(self.len())..range.end.min(self.len());
        let mut block = self.block_of(range.start);
        range.map(move |e| {
            while self
                .blocks
                .get(block + 1)
                .is_some_and(|b| b.first_event as usize <= e)
            {
                block += 1;
            }
            let (start, len) = (self.start[e] as usize, self.len[e] as usize);
            self.blocks
                .get(block)
                .and_then(|b| b.bytes.get(start..start + len))
                .unwrap_or(&[])
        })
    }

    pub fn event(&self, event: usize) -> Option<EventView<'_>> {
        (event < self.len()).then(|| EventView {
            ts: self.ts(event),
            level: self.level(event),
            text: self.text(event),
        })
    }

    /// Gives back the columns' spare capacity (growth by doubling leaves up to half of it unused):
    /// called once a source is complete, so the store costs its exact 17 bytes per event.
    pub fn shrink_to_fit(&mut self) {
        self.ts.shrink_to_fit();
        self.level.shrink_to_fit();
        self.start.shrink_to_fit();
        self.len.shrink_to_fit();
        self.blocks.shrink_to_fit();
    }

    /// Bytes used beyond the raw text (columns and block headers), for memory reports.
    pub fn overhead_bytes(&self) -> usize {
        self.ts.capacity() * 8
            + self.level.capacity()
            + self.start.capacity() * 4
            + self.len.capacity() * 4
            + self.blocks.capacity() * std::mem::size_of::<Block>()
    }

    /// Bytes of raw text held.
    pub fn text_bytes(&self) -> usize {
        self.blocks.iter().map(|b| b.bytes.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_ranges_into_blocks() {
        let mut s = SourceData::new(SourceInfo::default());
        s.push_block(Arc::new(b"one\ntwo\n".to_vec()), 0);
        s.push_event(Some(5), Level::Info, 0, 3);
        s.push_event(None, Level::Error, 4, 3);
        s.push_block(Arc::new(b"three\n".to_vec()), 8);
        s.push_event(Some(2), Level::Warn, 0, 5);
        assert_eq!(s.text(0), b"one");
        assert_eq!(s.text(1), b"two");
        assert_eq!(s.text(2), b"three");
        assert_eq!(s.ts(1), None);
        assert_eq!(s.info.first_ts, Some(2));
        assert_eq!(s.info.last_ts, Some(5));
        assert_eq!(s.level(2), Level::Warn);
        assert!(s.event(3).is_none());
        s.shrink_to_fit();
        assert_eq!(
            s.overhead_bytes(),
            3 * 17 + 2 * std::mem::size_of::<Block>(),
            "no spare capacity once shrunk"
        );
        assert_eq!(s.text(2), b"three");
    }

    #[test]
    fn texts_walk_the_blocks_as_text_finds_them() {
        let mut s = SourceData::new(SourceInfo::default());
        s.push_block(Arc::new(b"a\nbb\n".to_vec()), 0);
        s.push_event(None, Level::Info, 0, 1);
        s.push_event(None, Level::Info, 2, 2);
        // An empty block, then one holding the rest.
        s.push_block(Arc::new(Vec::new()), 5);
        s.push_block(Arc::new(b"ccc\ndddd\n".to_vec()), 5);
        s.push_event(None, Level::Info, 0, 3);
        s.push_event(None, Level::Info, 4, 4);
        for from in 0..=s.len() {
            for to in from..=s.len() + 1 {
                let each: Vec<&[u8]> = (from..to.min(s.len())).map(|e| s.text(e)).collect();
                let walked: Vec<&[u8]> = s.texts(from..to).collect();
                assert_eq!(walked, each, "{from}..{to}");
            }
        }
        assert_eq!(s.texts(1..3).collect::<Vec<_>>(), [&b"bb"[..], b"ccc"]);
    }
}
