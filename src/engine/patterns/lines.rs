//! Templates per physical line of a file, for `casefile templates --per-line` and the GA benchmark.
//!
//! Ingest folds continuation lines into events and leaves out lines that belong to no event (a CSV
//! header, blank lines before the first event). Here every physical line of the source's bytes gets a
//! template id: the lines of an event share the event's id, and a line outside every event is mined as
//! a message of its own, so the output always has exactly one id per input line.

use super::{PatternMiner, SourcePatterns};
use crate::engine::level::Level;
use crate::engine::store::{SourceData, NO_TIME};

/// Mines `source` and returns its patterns (including lines outside every event, mined after the
/// events) and the template id of each physical line, in order.
pub fn mine_lines(source: &SourceData) -> (SourcePatterns, Vec<u32>) {
    let mut miner = PatternMiner::new();
    miner.add_source(source);
    // Each physical line as the index of its event in the miner (orphans come after the events).
    let mut lines: Vec<usize> = Vec::new();
    let mut orphans = 0usize;
    let blocks = source.blocks();
    for (b, block) in blocks.iter().enumerate() {
        let bytes = &block.bytes[..];
        let base = bytes.as_ptr() as usize;
        let first = block.first_event as usize;
        let end = blocks
            .get(b + 1)
            .map_or(source.len(), |n| n.first_event as usize);
        // Event byte ranges in this block, in order.
        let ranges: Vec<(usize, usize)> = (first..end)
            .map(|e| {
                let t = source.text(e);
                let s = (t.as_ptr() as usize).saturating_sub(base);
                (s, s + t.len())
            })
            .collect();
        let mut next_event = 0;
        let mut at = 0;
        while at < bytes.len() {
            let line_end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |r| at + r);
            while next_event < ranges.len() && ranges[next_event].1 < at {
                next_event += 1;
            }
            match ranges.get(next_event) {
                Some(&(s, e)) if s <= at && at <= e => lines.push(first + next_event),
                _ => {
                    miner.add(&bytes[at..line_end], Level::None);
                    lines.push(source.len() + orphans);
                    orphans += 1;
                }
            }
            at = line_end + 1;
        }
    }
    let mut ts = source.ts_column().to_vec();
    ts.resize(source.len() + orphans, NO_TIME);
    let patterns = miner.finish(&ts);
    let ids = lines
        .into_iter()
        .map(|e| patterns.event_template[e])
        .collect();
    (patterns, ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};

    #[test]
    fn one_id_per_physical_line_with_multi_line_events_repeated() {
        let text = "\n2026-07-03 09:00:00 ERROR boom 1\n\tat a.b(C.java:1)\r\n2026-07-03 09:00:01 INFO ok 2\n\n2026-07-03 09:00:02 ERROR boom 3";
        let source = ingest_bytes("app.log", text.as_bytes(), IngestOptions::default());
        let (patterns, ids) = mine_lines(&source);
        assert_eq!(ids.len(), text.split('\n').count());
        // The stack frame line carries its event's id; the two "boom" events share a template.
        assert_eq!(ids[1], ids[2]);
        assert_eq!(ids[1], ids[5]);
        assert_ne!(ids[1], ids[3]);
        let boom = &patterns.templates[ids[1] as usize];
        assert_eq!(boom.text, "boom <NUM>");
        assert_eq!(boom.count, 2);
    }
}
