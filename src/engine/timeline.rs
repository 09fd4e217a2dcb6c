//! The merged timeline: every event of every source in one time order.
//!
//! Events without a time of their own sort right after the event before them in their source (a
//! multi-line fragment, a line of a file without timestamps), so each file's own order is kept. Ties
//! are broken by source and then by position, which keeps the order stable and deterministic.

use std::borrow::Borrow;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::store::{SourceData, SourceId, NO_TIME};

/// A position in the merged timeline: which source, which event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId {
    pub source: SourceId,
    pub event: u32,
}

impl EventId {
    fn unpack(v: u64) -> Self {
        EventId {
            source: (v >> 32) as SourceId,
            event: v as u32,
        }
    }
}

/// All events in time order (oldest first), 8 bytes per event.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    order: Vec<u64>,
}

/// Sort keys of one source: its time column with gaps filled from the event before.
fn sort_keys(source: &SourceData) -> Vec<i64> {
    let mut last = NO_TIME;
    let first_known = source
        .ts_column()
        .iter()
        .copied()
        .find(|t| *t != NO_TIME)
        .unwrap_or(NO_TIME);
    source
        .ts_column()
        .iter()
        .map(|&t| {
            if t != NO_TIME {
                last = t;
                t
            } else if last != NO_TIME {
                last
            } else {
                first_known
            }
        })
        .collect()
}

/// One source's events in sort order: their keys ascending and, when the source is not in order by
/// itself, the event of each key (ties keep the source's order).
struct Run {
    keys: Vec<i64>,
    events: Option<Vec<u32>>,
}

impl Run {
    fn of(source: &SourceData, offset_ns: i64) -> Run {
        let mut keys = sort_keys(source);
        if offset_ns != 0 {
            for k in keys.iter_mut().filter(|k| **k != NO_TIME) {
                *k = k.saturating_sub(offset_ns);
            }
        }
        if keys.windows(2).all(|w| w[0] <= w[1]) {
            return Run { keys, events: None };
        }
        // (key, event) pairs sort in one contiguous array (an index sorted by key would read the
        // keys at random); the event breaks ties, so the order is the stable one.
        let mut pairs: Vec<(i64, u32)> = keys.iter().zip(0u32..).map(|(k, e)| (*k, e)).collect();
        drop(keys);
        pairs.sort_unstable();
        let keys = pairs.iter().map(|p| p.0).collect();
        let events = pairs.iter().map(|p| p.1).collect();
        Run {
            keys,
            events: Some(events),
        }
    }
}

/// Where the run of source `s` taken from `from` ends: its first key that sorts after `limit` (the
/// smallest head of the other sources), or its end.
fn run_end(keys: &[i64], from: usize, s: usize, limit: Option<(i64, usize)>) -> usize {
    let Some((lk, ls)) = limit else {
        return keys.len();
    };
    // Keys up to `lk` sort first when this source's id is the smaller one, else strictly below it.
    let inclusive = s < ls;
    let rest = &keys[from..];
    // Runs are usually short: look at the next few keys before searching.
    let goes_first = |k: &i64| if inclusive { *k <= lk } else { *k < lk };
    for (i, k) in rest.iter().take(8).enumerate() {
        if !goes_first(k) {
            return from + i.max(1);
        }
    }
    from + rest.partition_point(goes_first).max(1)
}

/// Sources merged by scanning every head (cheaper than a heap for this many).
const LINEAR_MERGE_MAX: usize = 8;

impl Timeline {
    /// Merges the sources: each is ordered by itself (stable), then all are merged k-way.
    pub fn build(sources: &[SourceData]) -> Self {
        Self::build_with_offsets(sources, &[])
    }

    /// Like [`Timeline::build`], with `offsets_ns[i]` subtracted from source `i`'s times (clock skew
    /// corrections; missing entries are 0).
    ///
    /// The sources may be given by reference (`&[&SourceData]`): a shard merges the sources it holds
    /// with those a load has just read, before they join its case.
    pub fn build_with_offsets<S: Borrow<SourceData>>(sources: &[S], offsets_ns: &[i64]) -> Self {
        Self::build_keyed(sources, offsets_ns, false).0
    }

    /// [`Timeline::build_with_offsets`], also returning the sort key of every position when `keys`
    /// is set (the time the event sorts by, its source's offset subtracted; `NO_TIME` for a source
    /// without any time): what a shard sends to merge its timeline with the others'.
    ///
    /// Events sort by `(key, source, event)`. Each source is sorted by itself once, then the sources
    /// are merged taking runs: the source with the smallest head gives events until its next key
    /// passes the smallest head of the others.
    pub fn build_keyed<S: Borrow<SourceData>>(
        sources: &[S],
        offsets_ns: &[i64],
        keys: bool,
    ) -> (Self, Vec<i64>) {
        let total: usize = sources.iter().map(|s| s.borrow().len()).sum();
        let runs: Vec<Run> = sources
            .iter()
            .enumerate()
            .map(|(i, s)| Run::of(s.borrow(), offsets_ns.get(i).copied().unwrap_or(0)))
            .collect();
        let mut order = Vec::with_capacity(total);
        let mut out_keys = Vec::with_capacity(if keys { total } else { 0 });
        // Positions are packed as `source << 32 | event` (see `EventId::unpack`).
        let mut emit = |s: usize, run: &Run, from: usize, to: usize| {
            let source = (s as u64) << 32;
            match &run.events {
                None => order.extend((from as u64..to as u64).map(|e| source | e)),
                Some(events) => order.extend(events[from..to].iter().map(|e| source | *e as u64)),
            }
            if keys {
                out_keys.extend_from_slice(&run.keys[from..to]);
            }
        };
        let mut at = vec![0usize; runs.len()];
        if runs.len() <= LINEAR_MERGE_MAX {
            loop {
                // The smallest head and the smallest of the other heads, as (key, source).
                let mut best: Option<(i64, usize)> = None;
                let mut second: Option<(i64, usize)> = None;
                for (s, run) in runs.iter().enumerate() {
                    let Some(&k) = run.keys.get(at[s]) else {
                        continue;
                    };
                    if best.is_none_or(|b| (k, s) < b) {
                        second = best;
                        best = Some((k, s));
                    } else if second.is_none_or(|x| (k, s) < x) {
                        second = Some((k, s));
                    }
                }
                let Some((_, s)) = best else { break };
                let run = &runs[s];
                let end = run_end(&run.keys, at[s], s, second);
                emit(s, run, at[s], end);
                at[s] = end;
            }
        } else {
            let mut heap = BinaryHeap::with_capacity(runs.len());
            for (s, run) in runs.iter().enumerate() {
                if let Some(&k) = run.keys.first() {
                    heap.push(Reverse((k, s)));
                }
            }
            while let Some(Reverse((_, s))) = heap.pop() {
                let second = heap.peek().map(|Reverse(x)| *x);
                let run = &runs[s];
                let end = run_end(&run.keys, at[s], s, second);
                emit(s, run, at[s], end);
                at[s] = end;
                if let Some(&k) = run.keys.get(end) {
                    heap.push(Reverse((k, s)));
                }
            }
        }
        debug_assert!(runs.iter().zip(&at).all(|(r, a)| *a == r.keys.len()));
        (Timeline { order }, out_keys)
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The event at `position`, counting from the oldest (or from the newest when `newest_first`).
    pub fn get(&self, position: usize, newest_first: bool) -> Option<EventId> {
        let i = if newest_first {
            self.order.len().checked_sub(position + 1)?
        } else {
            position
        };
        self.order.get(i).copied().map(EventId::unpack)
    }

    /// Bytes used, for memory reports.
    pub fn overhead_bytes(&self) -> usize {
        self.order.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};

    #[test]
    fn merges_sources_by_time_and_keeps_untimed_lines_in_place() {
        let a = ingest_bytes(
            "a.log",
            b"2026-07-03 09:00:00 INFO a1\n2026-07-03 09:00:02 INFO a2\n",
            IngestOptions::default(),
        );
        let b = ingest_bytes(
            "b.log",
            b"2026-07-03 09:00:01 INFO b1\n2026-07-03 09:00:03 INFO b2\n",
            IngestOptions::default(),
        );
        let sources = vec![a, b];
        let t = Timeline::build(&sources);
        let texts: Vec<&[u8]> = (0..t.len())
            .map(|i| t.get(i, false).unwrap())
            .map(|id| sources[id.source as usize].text(id.event as usize))
            .collect();
        assert_eq!(
            texts,
            vec![
                &b"2026-07-03 09:00:00 INFO a1"[..],
                b"2026-07-03 09:00:01 INFO b1",
                b"2026-07-03 09:00:02 INFO a2",
                b"2026-07-03 09:00:03 INFO b2"
            ]
        );
        assert_eq!(
            t.get(0, true),
            Some(EventId {
                source: 1,
                event: 1
            })
        );
        assert_eq!(t.get(4, false), None);
    }

    /// The order by definition: every event's `(key, source, event)`, sorted.
    fn reference(sources: &[SourceData], offsets: &[i64]) -> Vec<(i64, u16, u32)> {
        let mut all = Vec::new();
        for (s, source) in sources.iter().enumerate() {
            let offset = offsets.get(s).copied().unwrap_or(0);
            for (e, k) in sort_keys(source).into_iter().enumerate() {
                let k = if k == NO_TIME { k } else { k - offset };
                all.push((k, s as u16, e as u32));
            }
        }
        all.sort();
        all
    }

    /// Sources of out-of-order, repeated and missing times, from a seeded generator.
    fn scrambled_sources(n: usize) -> Vec<SourceData> {
        let mut seed = 0x9e37_79b9_u32;
        let mut next = move |m: u32| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed % m
        };
        (0..n)
            .map(|i| {
                let mut text = String::new();
                if i % 3 == 0 {
                    text.push_str("no time at first\n");
                }
                for _ in 0..200 + next(300) {
                    match next(10) {
                        0 => text.push_str("  untimed continuation-free line\n"),
                        _ => text.push_str(&format!(
                            "2026-07-03 09:{:02}:{:02} INFO e\n",
                            next(3),
                            next(60)
                        )),
                    }
                }
                ingest_bytes(
                    &format!("s{i}.log"),
                    text.as_bytes(),
                    IngestOptions::default(),
                )
            })
            .collect()
    }

    #[test]
    fn the_run_merge_orders_like_sorting_every_event() {
        // Up to LINEAR_MERGE_MAX sources are merged by scanning the heads, more through a heap.
        for n in [1, 2, 3, LINEAR_MERGE_MAX, LINEAR_MERGE_MAX + 3] {
            let sources = scrambled_sources(n);
            let offsets: Vec<i64> = (0..n as i64).map(|i| (i % 3 - 1) * 7_000_000_000).collect();
            let expected = reference(&sources, &offsets);
            let (t, keys) = Timeline::build_keyed(&sources, &offsets, true);
            assert_eq!(t.len(), expected.len(), "{n} sources");
            assert_eq!(keys.len(), expected.len());
            for (p, (k, s, e)) in expected.iter().enumerate() {
                let id = t.get(p, false).unwrap();
                assert_eq!(
                    (keys[p], id.source, id.event),
                    (*k, *s, *e),
                    "{n} sources, {p}"
                );
            }
            let (plain, none) = Timeline::build_keyed(&sources, &offsets, false);
            assert!(none.is_empty());
            assert_eq!(plain.order, t.order);
        }
    }

    #[test]
    fn out_of_order_sources_are_sorted() {
        let a = ingest_bytes(
            "a.log",
            b"2026-07-03 09:00:05 x\n2026-07-03 09:00:01 y\n",
            IngestOptions::default(),
        );
        let t = Timeline::build(std::slice::from_ref(&a));
        assert_eq!(
            t.get(0, false),
            Some(EventId {
                source: 0,
                event: 1
            })
        );
    }
}
