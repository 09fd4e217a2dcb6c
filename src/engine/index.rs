//! The token index: per group of events, a Bloom filter of the words they contain.
//!
//! Queries for words and phrases (an id, an error message) usually match few events. The index lets
//! evaluation skip every group of [`GROUP_EVENTS`] events whose filter lacks one of the query's
//! tokens, so a search for a request id touches a few kilobytes of text instead of the whole case.
//! The time, level and source of events are already columns in the store and need no index.
//!
//! Design choices (measured on the generated incident set: 8.3 bytes per event, ~4 % of the text;
//! building costs about as much CPU as ingest, so it runs after loading and queries scan without it
//! until it is ready):
//! - Per-group Bloom filters rather than an inverted index: postings for every token of every event
//!   cost more than the 48-byte budget per event (ids alone are ~5 unique tokens per event), while a
//!   filter costs a few bytes per event and answers "can this group hold the token?" with a few per
//!   cent of false positives.
//! - A filter's size follows the group's text length ([`TEXT_BYTES_PER_BIT`]), not its count of
//!   distinct tokens: that needs no sorting or deduplication while building (the build runs at
//!   tokenising speed), and distinct tokens grow with text length anyway.
//! - Blocked filters: the probes of one token fall in one 64-bit word, one cache line per lookup.
//! - Tokens are runs of ASCII letters, digits and `_`, lowercased, exactly the word boundaries the
//!   query's word and phrase matching uses, so every token a match must contain is in the filter.
//! - The index is built from the text once, after ingest, and never needs the text again: a query
//!   confirms candidates against the text (which may by then be re-read from the file by slices).
//! - Words the filters cannot vouch for (a `/regex/`'s needles, which may sit inside a longer word)
//!   are looked up in a coarser [`GramSketch`] of the same events: per run of 8,192 events, the
//!   trigrams their text holds (see [`grams`]).
//! - It is per source and per event range, so shards (workers owning some sources or a byte range)
//!   each build and query their own part; [`SourceIndex::append`] joins consecutive parts.

mod grams;

pub use grams::{GramQuery, GramSketch, SKETCH_EVENTS};

use crate::engine::query::columns::FieldColumns;
use crate::engine::query::eval::EventSet;
use crate::engine::store::SourceData;

/// Events per filter. A multiple of 64 so a group covers whole words of an [`EventSet`].
pub const GROUP_EVENTS: usize = 128;
/// Text bytes per filter bit (about 10 bits per distinct token on typical log text).
pub const TEXT_BYTES_PER_BIT: usize = 3;
/// Smallest filter, in 64-bit words.
const MIN_WORDS: usize = 4;

/// The token filters of one source (or of one range of its events).
#[derive(Debug, Clone, Default)]
pub struct SourceIndex {
    /// First event covered (a multiple of [`GROUP_EVENTS`]).
    first_event: usize,
    events: usize,
    /// Offset into `bits` of each group's filter (in 64-bit words), plus one past the end.
    offsets: Vec<u32>,
    bits: Vec<u64>,
    /// The trigram sketch of the same events, for needles the token filters cannot vouch for.
    grams: GramSketch,
    /// Values of fields read by queries so far (built lazily), over the events from `first_event`
    /// to the end of the source: they do not depend on the token filters, so extending the index
    /// keeps them.
    columns: FieldColumns,
}

/// Which bytes make up tokens: [`crate::engine::query::plan::is_word_byte`] as a table for the hot loop.
const TOKEN_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || c == b'_';
        i += 1;
    }
    t
};

const K1: u64 = 0x9E37_79B9_7F4A_7C15;
const K2: u64 = 0xff51_afd7_ed55_8ccd;

#[inline]
fn finish(h: u64, word: u64, len: usize) -> u64 {
    let mut h = (h ^ word ^ ((len as u64) << 58)).wrapping_mul(K1);
    h ^= h >> 29;
    h = h.wrapping_mul(K2);
    h ^ (h >> 32)
}

/// Calls `f` with the hash of every token of `text`. Bytes are lowercased with `| 0x20`, which is
/// one-to-one on the token alphabet (it maps `_` to DEL, which is no token byte), eight at a time.
#[inline]
fn for_each_token_hash(text: &[u8], mut f: impl FnMut(u64)) {
    let mut rest = text;
    loop {
        let Some(start) = rest.iter().position(|c| TOKEN_BYTE[*c as usize]) else {
            return;
        };
        rest = &rest[start..];
        let len = rest
            .iter()
            .position(|c| !TOKEN_BYTE[*c as usize])
            .unwrap_or(rest.len());
        let (token, after) = rest.split_at(len);
        let mut h = 0u64;
        let mut chunks = token.chunks_exact(8);
        for chunk in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(chunk);
            h = (h ^ (u64::from_le_bytes(w) | 0x2020_2020_2020_2020))
                .wrapping_mul(K1)
                .rotate_left(31);
        }
        let mut word = 0u64;
        for (k, &c) in chunks.remainder().iter().enumerate() {
            word |= ((c | 0x20) as u64) << (8 * k);
        }
        f(finish(h, word, len));
        rest = after;
    }
}

/// The hash of one token, as [`for_each_token_hash`] computes it.
fn hash_token(token: &[u8]) -> Option<u64> {
    let mut out = None;
    for_each_token_hash(token, |h| {
        out = Some(h);
    });
    out
}

/// The word of a filter of `words` words a hash falls in, and the bits it sets there.
#[inline]
fn slot(hash: u64, words: usize) -> (usize, u64) {
    let word = ((hash as u128 * words as u128) >> 64) as usize;
    let bits = 1u64 << (hash & 63) | 1u64 << ((hash >> 6) & 63) | 1u64 << ((hash >> 12) & 63);
    (word, bits)
}

impl SourceIndex {
    /// Builds the filters for the events `range` of `source` (`range.start` rounded down to a group).
    pub fn build(source: &SourceData, range: std::ops::Range<usize>) -> Self {
        let first_event = range.start - range.start % GROUP_EVENTS;
        let end = range.end.min(source.len());
        let groups = end.saturating_sub(first_event).div_ceil(GROUP_EVENTS);
        let mut offsets = Vec::with_capacity(groups + 1);
        offsets.push(0u32);
        let mut bits = Vec::new();
        let lens = source.len_column();
        let mut group_start = first_event;
        while group_start < end {
            let group_end = (group_start + GROUP_EVENTS).min(end);
            let bytes: usize = lens[group_start..group_end]
                .iter()
                .map(|l| *l as usize)
                .sum();
            let words = (bytes / TEXT_BYTES_PER_BIT).div_ceil(64).max(MIN_WORDS);
            let base = bits.len();
            bits.resize(base + words, 0u64);
            let filter = &mut bits[base..];
            for text in source.texts(group_start..group_end) {
                for_each_token_hash(text, |h| {
                    let (w, b) = slot(h, words);
                    filter[w] |= b;
                });
            }
            offsets.push(bits.len() as u32);
            group_start = group_end;
        }
        bits.shrink_to_fit();
        SourceIndex {
            first_event,
            events: end.saturating_sub(first_event),
            offsets,
            bits,
            grams: GramSketch::build(source, first_event..end),
            columns: FieldColumns::new(first_event..source.len().max(first_event)),
        }
    }

    /// Whether group `g` may contain every token hash in `hashes`.
    fn group_may_hold(&self, g: usize, hashes: &[u64]) -> bool {
        let (Some(&lo), Some(&hi)) = (self.offsets.get(g), self.offsets.get(g + 1)) else {
            return true;
        };
        let filter = &self.bits[lo as usize..hi as usize];
        hashes.iter().all(|&h| {
            let (w, b) = slot(h, filter.len());
            filter[w] & b == b
        })
    }

    /// Removes from `mask` the events of groups that cannot hold all `tokens` (lowercase words).
    pub fn candidates(&self, tokens: &[String], mask: EventSet) -> EventSet {
        if tokens.is_empty() {
            return mask;
        }
        let hashes: Vec<u64> = tokens
            .iter()
            .filter_map(|t| hash_token(t.as_bytes()))
            .collect();
        self.rule_out_groups(mask, |g| self.group_may_hold(g, &hashes))
    }

    /// Removes from `mask` the events of groups that cannot hold all tokens of any one of
    /// `alternatives` (lowercase words; a regex whose needles each hold a few whole words).
    pub fn candidates_any(&self, alternatives: &[Vec<String>], mask: EventSet) -> EventSet {
        if alternatives.is_empty() || alternatives.iter().any(|a| a.is_empty()) {
            return mask;
        }
        let hashes: Vec<Vec<u64>> = alternatives
            .iter()
            .map(|a| a.iter().filter_map(|t| hash_token(t.as_bytes())).collect())
            .collect();
        self.rule_out_groups(mask, |g| hashes.iter().any(|h| self.group_may_hold(g, h)))
    }

    /// Removes from `mask` the events of the groups (with candidates) `may_hold` rejects.
    fn rule_out_groups(&self, mut mask: EventSet, may_hold: impl Fn(usize) -> bool) -> EventSet {
        let range = mask.range();
        let lo = range.start.max(self.first_event);
        let hi = range.end.min(self.first_event + self.events);
        let mut e = lo;
        let mut ruled_out = EventSet::empty(range.clone());
        let mut any = false;
        while e < hi {
            let g = (e - self.first_event) / GROUP_EVENTS;
            let group_end = (self.first_event + (g + 1) * GROUP_EVENTS).min(hi);
            let has_candidates = mask.next_from(e).is_some_and(|n| n < group_end);
            if has_candidates && !may_hold(g) {
                for x in e..group_end {
                    ruled_out.insert(x);
                }
                any = true;
            }
            e = group_end;
        }
        if any {
            mask.remove_all(&ruled_out);
        }
        mask
    }

    /// Removes from `mask` the events of runs whose trigram sketch holds none of the needles of
    /// `query` (see [`grams`]); events the sketch does not cover yet stay.
    pub fn rule_out_grams(&self, query: &GramQuery, mut mask: EventSet) -> EventSet {
        self.grams.rule_out(query, &mut mask);
        mask
    }

    /// One past the last event covered.
    pub fn end(&self) -> usize {
        self.first_event + self.events
    }

    /// Extends the index over the events up to `end` of `source` (as far as it has), so an index
    /// can be built in bounded steps (start from [`SourceIndex::default`]; steps should end on a
    /// multiple of [`GROUP_EVENTS`]). The field columns are kept: they cover the whole rest of the
    /// source from the start, so what a query built while the index was partial stays built.
    pub fn extend_to(&mut self, source: &SourceData, end: usize) {
        let end = end.min(source.len());
        if end <= self.end() {
            return;
        }
        let next = SourceIndex::build(source, self.end()..end);
        if self.offsets.is_empty() {
            // The default index has no offsets at all (not even the first one): start from `next`.
            *self = next;
        } else {
            self.append(next);
        }
    }

    /// Appends the index of the events right after these (built by another thread or worker).
    pub fn append(&mut self, next: SourceIndex) {
        debug_assert_eq!(next.first_event, self.first_event + self.events);
        debug_assert_eq!(self.events % GROUP_EVENTS, 0);
        let base = self.bits.len() as u32;
        self.offsets
            .extend(next.offsets.iter().skip(1).map(|o| o + base));
        self.bits.extend(next.bits);
        self.grams.append(next.grams);
        self.events += next.events;
        if self.columns.range().end < self.end() {
            // Columns over fewer events than the index now covers (a source that grew): start over.
            self.columns = FieldColumns::new(self.first_event..self.end());
        }
    }

    /// The field-value cache over the source's events from this index's first one to the end (see
    /// [`crate::engine::query::columns`]), however far the token filters reach.
    pub fn columns(&self) -> &FieldColumns {
        &self.columns
    }

    /// Bytes used by the token filters and the trigram sketch, for memory reports (the field
    /// columns report their own: [`FieldColumns::overhead_bytes`]).
    pub fn overhead_bytes(&self) -> usize {
        self.bits.capacity() * 8 + self.offsets.capacity() * 4 + self.grams.overhead_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};

    #[test]
    fn groups_without_a_token_are_ruled_out_and_groups_with_it_kept() {
        let mut text = String::new();
        for i in 0..1000 {
            text.push_str(&format!(
                "2026-07-03 09:00:00 INFO request req{i:04} done\n"
            ));
        }
        let source = ingest_bytes("a.log", text.as_bytes(), IngestOptions::default());
        let index = SourceIndex::build(&source, 0..source.len());
        let all = EventSet::full(0..source.len());
        let hit = index.candidates(&["req0777".into()], all.clone());
        assert!(hit.contains(777), "a filter never loses its own tokens");
        assert!(hit.count() < 3 * GROUP_EVENTS, "{}", hit.count());
        let either = index.candidates_any(
            &[
                vec!["req0777".into()],
                vec!["req0100".into(), "done".into()],
            ],
            all.clone(),
        );
        assert!(either.contains(777) && either.contains(100));
        assert!(either.count() < 5 * GROUP_EVENTS, "{}", either.count());
        let common = index.candidates(&["request".into(), "done".into()], all.clone());
        assert_eq!(common.count(), 1000);
        assert!(index.overhead_bytes() < 16 * source.len());
        let mut joined = SourceIndex::build(&source, 0..256);
        joined.append(SourceIndex::build(&source, 256..source.len()));
        assert_eq!(
            joined.candidates(&["req0777".into()], all.clone()),
            hit,
            "an index built in pieces answers as one"
        );
        let mut stepped = SourceIndex::default();
        while stepped.end() < source.len() {
            stepped.extend_to(&source, stepped.end() + 3 * GROUP_EVENTS);
        }
        assert_eq!(stepped.end(), source.len());
        assert_eq!(
            stepped.candidates(&["req0777".into()], all.clone()),
            hit,
            "an index built in steps answers as one"
        );
        for c in 0..=255u8 {
            assert_eq!(
                TOKEN_BYTE[c as usize],
                crate::engine::query::plan::is_word_byte(c)
            );
        }
    }

    #[test]
    fn field_columns_cover_the_whole_source_and_outlive_extending_the_index() {
        let mut text = String::new();
        for i in 0..3000 {
            let status = [200, 502, 404][i % 3];
            text.push_str(&format!("2026-07-03 09:00:00 INFO done status={status}\n"));
        }
        let source = ingest_bytes("a.log", text.as_bytes(), IngestOptions::default());
        let reader = crate::engine::fields::FieldReader::for_source(&source);
        let mut index = SourceIndex::default();
        index.extend_to(&source, 4 * GROUP_EVENTS);
        assert_eq!(index.end(), 4 * GROUP_EVENTS);
        // A query reading `status` now (the warm-up has indexed a few groups) builds its column
        // over every event, not only the indexed ones.
        assert_eq!(index.columns().range(), 0..source.len());
        let columns = index.columns();
        let status = columns.column("status");
        assert!(columns.chunk(&status, 0, &source, &reader, true).is_some());
        assert!(index.columns().ready("status", 0..source.len()));
        let built = index.columns().overhead_bytes();
        while index.end() < source.len() {
            index.extend_to(&source, index.end() + 3 * GROUP_EVENTS);
        }
        assert!(
            index.columns().ready("status", 0..source.len()),
            "extending the token filters keeps the column"
        );
        assert_eq!(index.columns().overhead_bytes(), built);
        let mut joined = SourceIndex::build(&source, 0..256);
        joined.append(SourceIndex::build(&source, 256..source.len()));
        assert_eq!(joined.columns().range(), 0..source.len());
    }
}
