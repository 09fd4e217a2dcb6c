//! The trigram sketch: per run of a few thousand events, a one-hash Bloom filter of every three-byte
//! sequence (ASCII letters lowercased) their text holds.
//!
//! The token filters ([`super::SourceIndex`]) vouch for whole words only, so a `/regex/` or a needle
//! that may sit inside a longer word (`refused` in `unrefused`) had to scan the whole text: the
//! timeout regexes of the generated incident, whose first match is 45% into the case, cost a scan of
//! the whole case for their first page. Every occurrence of a needle brings all of its trigrams
//! with it, so a run of events whose sketch lacks one trigram of every needle holds no match and is
//! skipped. Measured on the generated set: `timed out` or `refused` appear in 31 of 305 runs of the
//! app log and in none of the access log's.
//!
//! Design choices:
//! - Runs of [`SKETCH_EVENTS`] events (aligned to multiples of it, so the warm-up's steps fill
//!   whole runs): distinct trigrams grow far slower than text (about 5,500 in 1.5 MB of the
//!   generated app log, 2,500–10,000 in 300 KB of the loghub samples), so long runs need few bits
//!   per byte; short ones would be saturated.
//! - A run's filter is built large ([`BUILD_BYTES_PER_BIT`]), then folded in halves while no more
//!   than [`MAX_FILL_PERCENT`] of its bits would be set, so its size follows how varied the text is,
//!   not how long: repetitive logs get small filters, varied ones keep few false positives.
//! - One hash per trigram: a needle of `n` bytes tests `n - 2` bits, so a false positive needs every
//!   one of them set by other trigrams.
//! - Built from the text once, with the token filters, in the same bounded steps; queries never
//!   need the text to rule a run out.

use std::ops::Range;

use crate::engine::query::eval::EventSet;
use crate::engine::store::SourceData;

/// Events per run (a multiple of the token filters' group, so runs cover whole groups).
pub const SKETCH_EVENTS: usize = 64 * super::GROUP_EVENTS;
/// Text bytes per filter bit while a run is built: the next power of two of bits above its text
/// length divided by this. Then the filter is folded in halves while it stays sparse enough.
const BUILD_BYTES_PER_BIT: usize = 16;
/// A filter is folded (its upper half OR-ed onto its lower half) as long as at most this share of
/// the folded filter's bits is set, in per cent.
const MAX_FILL_PERCENT: usize = 30;
/// Smallest filter, in 64-bit words.
const MIN_WORDS: usize = 64;
/// Largest filter, in 64-bit words.
const MAX_WORDS: usize = (1 << 20) / 64;

/// Bytes are folded with `| 0x20` before they make trigrams: that lowercases ASCII letters (so one
/// sketch serves case-insensitive needles too) and merges a few other pairs of bytes (`[` and `{`,
/// control bytes with punctuation), which only adds false positives. Eight bytes fold at once.
const FOLD: u64 = 0x2020_2020_2020_2020;

/// The trigram starting at the low byte of `bytes` (folded), as 24 bits: the first byte lowest.
#[inline]
fn gram_at(bytes: u64) -> u32 {
    (bytes | FOLD) as u32 & 0xFF_FFFF
}

/// The hash of a trigram; its low bits pick the filter bit, so folding a filter in halves keeps
/// every trigram's bit.
#[inline]
fn hash(gram: u32) -> u32 {
    let h = gram.wrapping_mul(0x9E37_79B1);
    h ^ (h >> 16)
}

/// The trigram sketch of one source (or of one range of its events).
#[derive(Debug, Clone, Default)]
pub struct GramSketch {
    /// First event of each run, plus one past the last run's end.
    starts: Vec<u32>,
    /// Offset into `bits` of each run's filter (in 64-bit words), plus one past the end.
    offsets: Vec<u32>,
    bits: Vec<u64>,
}

/// What a text query asks of the sketch: every match contains one of the needles, so a run can
/// hold a match only if its filter has every trigram of some needle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GramQuery {
    /// Per needle, the hashes of its distinct trigrams.
    needles: Vec<Vec<u32>>,
}

impl GramQuery {
    /// The query for `needles` (bytes as a match holds them, in either case when the needle is
    /// case-insensitive). `None` when a needle is shorter than a trigram: then any run may match.
    pub fn new(needles: impl IntoIterator<Item = impl AsRef<[u8]>>) -> Option<Self> {
        let mut out = Vec::new();
        for needle in needles {
            let needle = needle.as_ref();
            if needle.len() < 3 {
                return None;
            }
            let mut hashes: Vec<u32> = needle
                .windows(3)
                .map(|w| {
                    hash(gram_at(u64::from_le_bytes([
                        w[0], w[1], w[2], 0, 0, 0, 0, 0,
                    ])))
                })
                .collect();
            hashes.sort_unstable();
            hashes.dedup();
            out.push(hashes);
        }
        (!out.is_empty()).then_some(GramQuery { needles: out })
    }
}

impl GramSketch {
    /// The sketch of the events `range` of `source`.
    pub fn build(source: &SourceData, range: Range<usize>) -> Self {
        let mut sketch = GramSketch::default();
        sketch.extend(source, range);
        sketch
    }

    /// One past the last event covered (0 when empty).
    pub fn end(&self) -> usize {
        self.starts.last().map_or(0, |e| *e as usize)
    }

    fn first(&self) -> usize {
        self.starts.first().map_or(0, |e| *e as usize)
    }

    /// Adds the events `range` of `source`, which must start where the sketch ends (or anywhere
    /// when it is empty). A run left short by the previous call is not reopened: the new events
    /// start a run of their own up to the next multiple of [`SKETCH_EVENTS`].
    pub fn extend(&mut self, source: &SourceData, range: Range<usize>) {
        let end = range.end.min(source.len());
        if range.start >= end {
            return;
        }
        debug_assert!(self.starts.is_empty() || range.start == self.end());
        if self.starts.is_empty() {
            self.starts.push(range.start as u32);
            self.offsets.push(0);
        }
        let lens = source.len_column();
        let mut run_start = range.start;
        while run_start < end {
            let run_end = ((run_start / SKETCH_EVENTS + 1) * SKETCH_EVENTS).min(end);
            let bytes: usize = lens[run_start..run_end].iter().map(|l| *l as usize).sum();
            let words = (bytes / BUILD_BYTES_PER_BIT)
                .div_ceil(64)
                .next_power_of_two()
                .clamp(MIN_WORDS, MAX_WORDS);
            let base = self.bits.len();
            self.bits.resize(base + words, 0);
            let filter = &mut self.bits[base..];
            for text in source.texts(run_start..run_end) {
                add_text(filter, text);
            }
            let kept = fold(filter);
            self.bits.truncate(base + kept);
            self.starts.push(run_end as u32);
            self.offsets.push(self.bits.len() as u32);
            run_start = run_end;
        }
        self.bits.shrink_to_fit();
    }

    /// Appends the sketch of the events right after these (built by another thread or worker).
    pub fn append(&mut self, next: GramSketch) {
        if next.starts.is_empty() {
            return;
        }
        if self.starts.is_empty() {
            *self = next;
            return;
        }
        debug_assert_eq!(next.first(), self.end());
        let base = self.bits.len() as u32;
        self.starts.extend(next.starts.iter().skip(1));
        self.offsets
            .extend(next.offsets.iter().skip(1).map(|o| o + base));
        self.bits.extend(next.bits);
    }

    /// Removes from `mask` the events of runs that hold no needle of `query`.
    pub fn rule_out(&self, query: &GramQuery, mask: &mut EventSet) {
        let range = mask.range();
        let runs = self.starts.len().saturating_sub(1);
        // The first run ending after the mask's start.
        let mut r = self.starts[..runs]
            .partition_point(|s| (*s as usize) <= range.start)
            .saturating_sub(1);
        while r < runs {
            let (lo, hi) = (self.starts[r] as usize, self.starts[r + 1] as usize);
            if lo >= range.end {
                break;
            }
            let events = lo.max(range.start)..hi.min(range.end);
            if mask.next_from(events.start).is_some_and(|n| n < events.end) {
                let filter = &self.bits[self.offsets[r] as usize..self.offsets[r + 1] as usize];
                let bit_mask = filter.len() * 64 - 1;
                let may_hold = query.needles.iter().any(|hashes| {
                    hashes.iter().all(|&h| {
                        let b = h as usize & bit_mask;
                        filter[b / 64] >> (b % 64) & 1 == 1
                    })
                });
                if !may_hold {
                    mask.remove_range(events);
                }
            }
            r += 1;
        }
    }

    /// Bytes used, for memory reports.
    pub fn overhead_bytes(&self) -> usize {
        self.bits.capacity() * 8 + (self.starts.capacity() + self.offsets.capacity()) * 4
    }
}

/// Folds `filter` (a power of two of words) in halves while the result keeps at most
/// [`MAX_FILL_PERCENT`] of its bits set; returns how many words are left at its start.
fn fold(filter: &mut [u64]) -> usize {
    let mut words = filter.len();
    while words / 2 >= MIN_WORDS {
        let half = words / 2;
        let (lo, hi) = filter[..words].split_at_mut(half);
        let set: usize = lo
            .iter()
            .zip(hi.iter())
            .map(|(a, b)| (a | b).count_ones() as usize)
            .sum();
        if set * 100 > half * 64 * MAX_FILL_PERCENT {
            break;
        }
        for (a, b) in lo.iter_mut().zip(hi.iter()) {
            *a |= b;
        }
        words = half;
    }
    words
}

/// Sets the bit of every trigram of `text` in `filter` (a power of two of words): eight bytes are
/// read at once and give the six trigrams starting in their first six bytes.
#[inline]
fn add_text(filter: &mut [u64], text: &[u8]) {
    debug_assert!(filter.len().is_power_of_two());
    let bit_mask = filter.len() * 64 - 1;
    let last_word = filter.len() - 1;
    let mut set = |gram: u32| {
        let b = hash(gram) as usize & bit_mask;
        // `b >> 6` is at most `last_word` already; the mask lets the compiler drop the bounds check.
        filter[(b >> 6) & last_word] |= 1 << (b & 63);
    };
    let mut at = 0;
    while at + 8 <= text.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&text[at..at + 8]);
        let bytes = u64::from_le_bytes(w);
        for k in 0..6 {
            set(gram_at(bytes >> (8 * k)));
        }
        at += 6;
    }
    while at + 3 <= text.len() {
        set(gram_at(u64::from_le_bytes([
            text[at],
            text[at + 1],
            text[at + 2],
            0,
            0,
            0,
            0,
            0,
        ])));
        at += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};

    fn source(lines: usize, line: impl Fn(usize) -> String) -> SourceData {
        let mut text = String::new();
        for i in 0..lines {
            text.push_str(&line(i));
            text.push('\n');
        }
        ingest_bytes("a.log", text.as_bytes(), IngestOptions::default())
    }

    fn query(needles: &[&str]) -> GramQuery {
        GramQuery::new(needles.iter().map(|n| n.as_bytes())).expect("needles of 3 bytes or more")
    }

    /// Runs whose events hold `needle` (folded), by reading the text.
    fn events_holding(source: &SourceData, needle: &str) -> Vec<usize> {
        let needle = needle.to_ascii_lowercase();
        (0..source.len())
            .filter(|e| {
                String::from_utf8_lossy(source.text(*e))
                    .to_ascii_lowercase()
                    .contains(&needle)
            })
            .collect()
    }

    #[test]
    fn runs_without_a_needle_are_ruled_out_and_runs_with_it_kept() {
        // Three runs' worth of ordinary lines; a few lines of the second run time out.
        let n = 3 * SKETCH_EVENTS;
        let s = source(n, |i| {
            if i == SKETCH_EVENTS + 77 || i == SKETCH_EVENTS + 4000 {
                format!("2026-07-03 09:00:00 ERROR upstream: Connection Timed Out req={i:06}")
            } else {
                format!(
                    "2026-07-03 09:00:00 INFO request req={i:06} done in {}ms",
                    i % 97
                )
            }
        });
        let sketch = GramSketch::build(&s, 0..s.len());
        let mut mask = EventSet::full(0..s.len());
        sketch.rule_out(&query(&["timed out", "refused"]), &mut mask);
        for e in events_holding(&s, "timed out") {
            assert!(mask.contains(e), "a run never loses its own trigrams ({e})");
        }
        assert_eq!(
            mask.count(),
            SKETCH_EVENTS,
            "only the second run may hold the needle"
        );
        // A needle inside a longer word is found (the token filters could not vouch for it).
        let mut mask = EventSet::full(0..s.len());
        sketch.rule_out(&query(&["imed ou"]), &mut mask);
        assert_eq!(mask.count(), SKETCH_EVENTS);
        // A needle every run holds keeps everything, and the ruled-out set is a subset of the mask.
        let mut mask = EventSet::full(100..s.len() - 5);
        sketch.rule_out(&query(&["request req"]), &mut mask);
        assert_eq!(mask.count(), s.len() - 105);
        assert!(GramQuery::new(["ab".as_bytes(), "refused".as_bytes()]).is_none());
        // Under a byte per event on lines like these, far below the 48-byte budget.
        assert!(
            sketch.overhead_bytes() < s.len(),
            "{}",
            sketch.overhead_bytes()
        );
    }

    #[test]
    fn a_sketch_built_in_steps_or_pieces_answers_as_one() {
        let n = 2 * SKETCH_EVENTS + 999;
        let s = source(n, |i| match i % 5000 {
            17 => format!("line {i} connection refused by peer"),
            _ => format!("line {i} ok status=200 user=u{}", i % 313),
        });
        let whole = GramSketch::build(&s, 0..s.len());
        let mut stepped = GramSketch::default();
        while stepped.end() < s.len() {
            let from = stepped.end();
            stepped.extend(&s, from..from + SKETCH_EVENTS);
        }
        let mut pieces = GramSketch::build(&s, 0..3 * 128);
        pieces.append(GramSketch::build(&s, 3 * 128..SKETCH_EVENTS + 640));
        pieces.append(GramSketch::build(&s, SKETCH_EVENTS + 640..s.len()));
        let holding = events_holding(&s, "refused");
        assert_eq!(holding.len(), 4);
        for q in [query(&["refused"]), query(&["REFUSED", "zqxjkv"])] {
            let rule = |sketch: &GramSketch| {
                let mut mask = EventSet::full(0..s.len());
                sketch.rule_out(&q, &mut mask);
                mask
            };
            let expected = rule(&whole);
            for e in &holding {
                assert!(expected.contains(*e));
            }
            assert!(expected.count() < s.len(), "some run is ruled out");
            assert_eq!(rule(&stepped), expected, "built in steps");
            // Pieces cut runs at other places: they rule out at least what holds no needle.
            let by_pieces = rule(&pieces);
            for e in &holding {
                assert!(by_pieces.contains(*e));
            }
        }
        assert_eq!(stepped.end(), s.len());
        assert_eq!(pieces.end(), s.len());
    }
}
