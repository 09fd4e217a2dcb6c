//! The merged timeline: every event of every source in one time order.
//!
//! Events without a time of their own sort right after the event before them in their source (a
//! multi-line fragment, a line of a file without timestamps), so each file's own order is kept. Ties
//! are broken by source and then by position, which keeps the order stable and deterministic.

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
    fn pack(self) -> u64 {
        (self.source as u64) << 32 | self.event as u64
    }
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

impl Timeline {
    /// Merges the sources: each is ordered by itself (stable), then all are merged k-way.
    pub fn build(sources: &[SourceData]) -> Self {
        Self::build_with_offsets(sources, &[])
    }

    /// Like [`Timeline::build`], with `offsets_ns[i]` subtracted from source `i`'s times (clock skew
    /// corrections; missing entries are 0).
    pub fn build_with_offsets(sources: &[SourceData], offsets_ns: &[i64]) -> Self {
        let total: usize = sources.iter().map(|s| s.len()).sum();
        let mut runs: Vec<(Vec<i64>, Vec<u32>)> = Vec::with_capacity(sources.len());
        for (i, source) in sources.iter().enumerate() {
            let mut keys = sort_keys(source);
            let offset = offsets_ns.get(i).copied().unwrap_or(0);
            if offset != 0 {
                for k in keys.iter_mut().filter(|k| **k != NO_TIME) {
                    *k = k.saturating_sub(offset);
                }
            }
            let mut idx: Vec<u32> = (0..keys.len() as u32).collect();
            if !keys.windows(2).all(|w| w[0] <= w[1]) {
                idx.sort_by_key(|&i| keys[i as usize]);
            }
            runs.push((keys, idx));
        }
        let mut order = Vec::with_capacity(total);
        let mut heap = BinaryHeap::with_capacity(runs.len());
        let mut pos = vec![0usize; runs.len()];
        for (s, (keys, idx)) in runs.iter().enumerate() {
            if let Some(&first) = idx.first() {
                heap.push(Reverse((keys[first as usize], s, first)));
            }
        }
        while let Some(Reverse((_, s, event))) = heap.pop() {
            order.push(
                EventId {
                    source: s as SourceId,
                    event,
                }
                .pack(),
            );
            pos[s] += 1;
            let (keys, idx) = &runs[s];
            if let Some(&next) = idx.get(pos[s]) {
                heap.push(Reverse((keys[next as usize], s, next)));
            }
        }
        Timeline { order }
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
