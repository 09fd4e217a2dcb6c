//! The token index: per group of events, a Bloom filter of the words they contain.
//!
//! Queries for words and phrases (an id, an error message) usually match few events. The index lets
//! evaluation skip every group of [`GROUP_EVENTS`] events whose filter lacks one of the query's
//! tokens, so a search for a request id touches a few kilobytes of text instead of the whole case.
//! The time, level and source of events are already columns in the store and need no index.
//!
//! Design choices (measured on the generated incident set, see the benchmark notes in the README):
//! - Per-group Bloom filters rather than an inverted index: postings for every token of every event
//!   cost more than the 48-byte budget per event (ids alone are ~5 unique tokens per event), while a
//!   filter sized at [`BITS_PER_TOKEN`] bits per distinct token of the group costs a few bytes per event
//!   and answers "can this group hold the token?" with ~2 % false positives.
//! - Tokens are runs of ASCII letters, digits and `_`, lowercased, exactly the word boundaries the
//!   query's word and phrase matching uses, so every token a match must contain is in the filter.
//! - The index is built from the text once, after ingest, and never needs the text again: a query
//!   confirms candidates against the text (which may by then be re-read from the file by slices).
//! - It is per source and per event range, so shards (workers owning some sources or a byte range)
//!   each build and query their own part.

use crate::engine::query::eval::EventSet;
use crate::engine::store::SourceData;

/// Events per filter. A multiple of 64 so a group covers whole words of an [`EventSet`].
pub const GROUP_EVENTS: usize = 128;
/// Filter bits per distinct token (rounded up to a power of two per group).
pub const BITS_PER_TOKEN: usize = 8;
/// Probes per token.
const PROBES: u32 = 3;

/// The token filters of one source (or of one range of its events).
#[derive(Debug, Clone, Default)]
pub struct SourceIndex {
    /// First event covered (a multiple of [`GROUP_EVENTS`]).
    first_event: usize,
    events: usize,
    /// Offset into `bits` of each group's filter (in 64-bit words), plus one past the end.
    offsets: Vec<u32>,
    bits: Vec<u64>,
}

/// The hash of a token as the index stores it (lowercase ASCII).
#[inline]
fn hash_token(token: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &c in token {
        h = (h ^ c.to_ascii_lowercase() as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    // Final mix so the low and high halves both spread.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
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

/// Calls `f` with the hash of every token of `text`.
#[inline]
fn for_each_token_hash(text: &[u8], mut f: impl FnMut(u64)) {
    let mut i = 0;
    let n = text.len();
    while i < n {
        while i < n && !TOKEN_BYTE[text[i] as usize] {
            i += 1;
        }
        let start = i;
        while i < n && TOKEN_BYTE[text[i] as usize] {
            i += 1;
        }
        if i > start {
            f(hash_token(&text[start..i]));
        }
    }
}

#[inline]
fn probe_positions(hash: u64, mask: u64) -> impl Iterator<Item = u64> {
    let h1 = hash;
    let h2 = hash.rotate_left(32) | 1;
    (0..PROBES as u64).map(move |i| h1.wrapping_add(i.wrapping_mul(h2)) & mask)
}

impl SourceIndex {
    /// Builds the filters for the events `range` of `source` (`range.start` rounded down to a group).
    pub fn build(source: &SourceData, range: std::ops::Range<usize>) -> Self {
        let first_event = range.start - range.start % GROUP_EVENTS;
        let end = range.end.min(source.len());
        let mut offsets = vec![0u32];
        let mut bits = Vec::new();
        let mut hashes: Vec<u64> = Vec::with_capacity(GROUP_EVENTS * 32);
        let mut group_start = first_event;
        while group_start < end {
            let group_end = (group_start + GROUP_EVENTS).min(end);
            hashes.clear();
            for e in group_start..group_end {
                for_each_token_hash(source.text(e), |h| hashes.push(h));
            }
            hashes.sort_unstable();
            hashes.dedup();
            let want_bits = (hashes.len() * BITS_PER_TOKEN).max(64).next_power_of_two();
            let words = want_bits / 64;
            let base = bits.len();
            bits.resize(base + words, 0u64);
            let mask = want_bits as u64 - 1;
            for &h in &hashes {
                for p in probe_positions(h, mask) {
                    bits[base + (p / 64) as usize] |= 1 << (p % 64);
                }
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
        }
    }

    /// Whether group `g` may contain every token hash in `hashes`.
    fn group_may_hold(&self, g: usize, hashes: &[u64]) -> bool {
        let (Some(&lo), Some(&hi)) = (self.offsets.get(g), self.offsets.get(g + 1)) else {
            return true;
        };
        let filter = &self.bits[lo as usize..hi as usize];
        let mask = (filter.len() * 64) as u64 - 1;
        hashes.iter().all(|&h| {
            probe_positions(h, mask).all(|p| filter[(p / 64) as usize] >> (p % 64) & 1 == 1)
        })
    }

    /// Removes from `mask` the events of groups that cannot hold all `tokens` (lowercase words).
    pub fn candidates(&self, tokens: &[String], mut mask: EventSet) -> EventSet {
        if tokens.is_empty() {
            return mask;
        }
        let hashes: Vec<u64> = tokens.iter().map(|t| hash_token(t.as_bytes())).collect();
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
            if has_candidates && !self.group_may_hold(g, &hashes) {
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

    /// Bytes used, for memory reports.
    pub fn overhead_bytes(&self) -> usize {
        self.bits.capacity() * 8 + self.offsets.capacity() * 4
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
        let common = index.candidates(&["request".into(), "done".into()], all.clone());
        assert_eq!(common.count(), 1000);
        assert!(index.overhead_bytes() < 16 * source.len());
        for c in 0..=255u8 {
            assert_eq!(
                TOKEN_BYTE[c as usize],
                crate::engine::query::plan::is_word_byte(c)
            );
        }
    }
}
