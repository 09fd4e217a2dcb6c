//! Sharding a case across workers: which worker reads which file, and merging what the workers answer
//! into what one worker holding every source would have answered.
//!
//! A shard owns whole files (an archive stays on one shard). Sources keep one numbering across the
//! case (the order files were given in), so a shard speaks of its sources by their case-wide id; the
//! merged timeline orders events by `(time, source, event)` exactly as [`crate::engine::timeline`]
//! does, and each shard's own timeline is that order restricted to its sources. Merging is therefore
//! a k-way merge of per-shard lists by [`OrderKey`]:
//! - [`MergedOrder`] records, for every position of a merged list (the timeline, or the matches of a
//!   filter), which shard holds it (1 byte per position) with per-shard counts every [`BLOCK`]
//!   positions, so any page of the merged list maps to one contiguous run of ranks per shard, and a
//!   shard's rank maps back to a position;
//! - first pages merge by [`MatchKey`] ([`merge_keyed`]); counts and histograms add up
//!   ([`Histogram::merge`](crate::engine::query::Histogram::merge)); facets add their values' counts
//!   ([`merge_facets`]).
//!
//! Nothing here touches the browser: the workers (`crate::worker`) move the data, this decides.

use std::borrow::Borrow;
use std::collections::HashMap;

use crate::engine::query::results::{Distribution, FacetValue};
use crate::engine::query::{Facet, Facets, MatchKey};
use crate::engine::store::{SourceData, NO_TIME};
use crate::engine::timeline::Timeline;

/// Most shards a case is split into (one byte per position names the shard).
pub const MAX_SHARDS: usize = 8;

/// Positions between two per-shard count checkpoints of a [`MergedOrder`].
pub const BLOCK: usize = 1024;

/// How many shard workers to start for `hardware_concurrency` logical cores: one per core, at least
/// two (so the merged paths are always the ones in use) and at most [`MAX_SHARDS`].
pub fn shard_count(hardware_concurrency: u32) -> usize {
    (hardware_concurrency as usize).clamp(2, MAX_SHARDS)
}

/// Assigns inputs of the given sizes to shards: the largest first, each to the shard holding the
/// fewest bytes so far (ties: the lower shard). `held` is the bytes each shard holds already, and is
/// updated. Returns the shard of each input, in input order.
pub fn assign(sizes: &[u64], held: &mut [u64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by(|a, b| sizes[*b].cmp(&sizes[*a]).then(a.cmp(b)));
    let mut out = vec![0; sizes.len()];
    if held.is_empty() {
        return out;
    }
    for i in order {
        let shard = (0..held.len()).min_by_key(|s| (held[*s], *s)).unwrap_or(0);
        held[shard] += sizes[i];
        out[i] = shard;
    }
    out
}

/// Where an event sorts in the merged timeline: its sort time (adjusted by its source's clock
/// offset), then its source's case-wide id. Events of one source keep their shard's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderKey {
    pub time: i64,
    pub source: u16,
}

/// Bytes of one encoded [`OrderKey`].
pub const KEY_BYTES: usize = 10;

impl OrderKey {
    /// Appends the key to `out` (little-endian time, then source).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.time.to_le_bytes());
        out.extend_from_slice(&self.source.to_le_bytes());
    }

    /// The `i`-th key of an encoded list.
    pub fn decode_at(bytes: &[u8], i: usize) -> OrderKey {
        let at = i * KEY_BYTES;
        let mut t = [0u8; 8];
        t.copy_from_slice(&bytes[at..at + 8]);
        OrderKey {
            time: i64::from_le_bytes(t),
            source: u16::from_le_bytes([bytes[at + 8], bytes[at + 9]]),
        }
    }
}

/// Renames the sources of encoded keys: a key naming source `s` names `ids[s]` afterwards (keys
/// encoded before a shard's sources had their case-wide ids, see [`timeline_keys`]). Keys naming a
/// source `ids` does not cover keep their source.
pub fn rename_key_sources(keys: &mut [u8], ids: &[u16]) {
    if ids.iter().enumerate().all(|(s, id)| s == *id as usize) {
        return;
    }
    for key in keys.chunks_exact_mut(KEY_BYTES) {
        let s = u16::from_le_bytes([key[8], key[9]]);
        if let Some(id) = ids.get(s as usize) {
            key[8..].copy_from_slice(&id.to_le_bytes());
        }
    }
}

/// The sort times of one source's events as the timeline sorts them (an untimed event takes the
/// time of the timed event before it, or the source's first time), minus the source's clock offset.
pub fn sort_times(source: &SourceData, offset_ns: i64) -> Vec<i64> {
    let ts = source.ts_column();
    let first_known = ts
        .iter()
        .copied()
        .find(|t| *t != NO_TIME)
        .unwrap_or(NO_TIME);
    let mut last = NO_TIME;
    ts.iter()
        .map(|&t| {
            let k = if t != NO_TIME {
                last = t;
                t
            } else if last != NO_TIME {
                last
            } else {
                first_known
            };
            if k == NO_TIME {
                k
            } else {
                k.saturating_sub(offset_ns)
            }
        })
        .collect()
}

/// The encoded [`OrderKey`]s of a shard's `timeline` over `sources` (each with its clock offset in
/// `offsets_ns`), their sources named by the case-wide `ids`: what the shard sends the coordinator
/// to merge. Written into one buffer of the exact size.
pub fn timeline_keys<S: Borrow<SourceData>>(
    sources: &[S],
    offsets_ns: &[i64],
    timeline: &Timeline,
    ids: &[u16],
) -> Vec<u8> {
    let mut times: Vec<SortTimes> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| SortTimes::of(s.borrow(), offsets_ns.get(i).copied().unwrap_or(0)))
        .collect();
    let mut out = vec![0u8; timeline.len() * KEY_BYTES];
    for (p, key) in out.chunks_exact_mut(KEY_BYTES).enumerate() {
        let Some(id) = timeline.get(p, false) else {
            break;
        };
        let time = times[id.source as usize].at(id.event as usize);
        let source = ids.get(id.source as usize).copied().unwrap_or(id.source);
        key[..8].copy_from_slice(&time.to_le_bytes());
        key[8..].copy_from_slice(&source.to_le_bytes());
    }
    out
}

/// One source's sort times (as [`sort_times`] gives them) for [`timeline_keys`]. A source in time
/// order by itself meets the timeline in event order, so its times are read off the time column as
/// they come, without a table of 8 bytes per event; another source gets the table.
enum SortTimes<'a> {
    Streamed {
        ts: &'a [i64],
        first_known: i64,
        offset: i64,
        /// The event expected next, and the time of the last timed event before it.
        next: usize,
        last: i64,
    },
    Table(Vec<i64>),
}

impl<'a> SortTimes<'a> {
    fn of(source: &'a SourceData, offset: i64) -> Self {
        let ts = source.ts_column();
        let mut timed = ts.iter().copied().filter(|t| *t != NO_TIME);
        let first_known = timed.next().unwrap_or(NO_TIME);
        let mut last = first_known;
        let in_order = timed.all(|t| {
            let ok = t >= last;
            last = t;
            ok
        });
        if in_order {
            SortTimes::Streamed {
                ts,
                first_known,
                offset,
                next: 0,
                last: NO_TIME,
            }
        } else {
            SortTimes::Table(sort_times(source, offset))
        }
    }

    /// The sort time of `event`.
    fn at(&mut self, event: usize) -> i64 {
        match self {
            SortTimes::Table(times) => times[event],
            SortTimes::Streamed {
                ts,
                first_known,
                offset,
                next,
                last,
            } => {
                if event != *next {
                    // Not met in order (not a timeline of this source): the last time before it.
                    *last = ts[..event]
                        .iter()
                        .rev()
                        .copied()
                        .find(|t| *t != NO_TIME)
                        .unwrap_or(NO_TIME);
                }
                *next = event + 1;
                let t = ts[event];
                let k = if t != NO_TIME {
                    *last = t;
                    t
                } else if *last != NO_TIME {
                    *last
                } else {
                    *first_known
                };
                if k == NO_TIME {
                    k
                } else {
                    k.saturating_sub(*offset)
                }
            }
        }
    }
}

/// The merged order of sorted lists held by several shards (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergedOrder {
    shards: usize,
    /// The shard of each position.
    shard_of: Vec<u8>,
    /// `checkpoints[b * shards + s]`: positions of shard `s` before position `b * BLOCK`.
    checkpoints: Vec<u32>,
    /// Items per shard.
    lens: Vec<u32>,
}

impl MergedOrder {
    /// Merges `lists` (each a shard's encoded [`OrderKey`]s in ascending order; see
    /// [`OrderKey::encode`]). Keys of different shards never tie (their sources differ).
    pub fn merge(lists: &[&[u8]]) -> Self {
        let shards = lists.len().min(MAX_SHARDS);
        let lens: Vec<usize> = lists[..shards]
            .iter()
            .map(|l| l.len() / KEY_BYTES)
            .collect();
        let total: usize = lens.iter().sum();
        let mut shard_of = Vec::with_capacity(total);
        let mut at = vec![0usize; shards];
        // Each list's head, decoded once per item.
        let mut heads: Vec<Option<OrderKey>> = (0..shards)
            .map(|s| (lens[s] > 0).then(|| OrderKey::decode_at(lists[s], 0)))
            .collect();
        loop {
            // The smallest head, and the smallest of the others (the run of the first ends there).
            let mut best: Option<(OrderKey, usize)> = None;
            let mut second: Option<OrderKey> = None;
            for (s, head) in heads.iter().enumerate() {
                let Some(k) = *head else { continue };
                match best {
                    Some((b, _)) if k >= b => second = Some(second.map_or(k, |x| x.min(k))),
                    _ => {
                        if let Some((b, _)) = best {
                            second = Some(second.map_or(b, |x| x.min(b)));
                        }
                        best = Some((k, s));
                    }
                }
            }
            let Some((_, s)) = best else { break };
            let list = lists[s];
            let mut i = at[s];
            heads[s] = loop {
                shard_of.push(s as u8);
                i += 1;
                if i >= lens[s] {
                    break None;
                }
                let k = OrderKey::decode_at(list, i);
                if second.is_some_and(|limit| k >= limit) {
                    break Some(k);
                }
            };
            at[s] = i;
        }
        Self::from_sequence(shards, shard_of)
    }

    /// The order whose position `p` is held by shard `shard_of[p]`.
    pub fn from_sequence(shards: usize, shard_of: Vec<u8>) -> Self {
        let mut counts = vec![0u32; shards];
        let mut checkpoints = Vec::with_capacity((shard_of.len() / BLOCK + 1) * shards);
        for (p, s) in shard_of.iter().enumerate() {
            if p % BLOCK == 0 {
                checkpoints.extend_from_slice(&counts);
            }
            counts[*s as usize] += 1;
        }
        MergedOrder {
            shards,
            shard_of,
            checkpoints,
            lens: counts,
        }
    }

    pub fn len(&self) -> usize {
        self.shard_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shard_of.is_empty()
    }

    pub fn shards(&self) -> usize {
        self.shards
    }

    /// Items held by shard `s`.
    pub fn shard_len(&self, s: usize) -> u32 {
        self.lens.get(s).copied().unwrap_or(0)
    }

    /// Per shard, how many of its items come before position `p` (`p <= len`).
    fn ranks_before(&self, p: usize) -> Vec<u32> {
        let p = p.min(self.len());
        let block = p / BLOCK;
        let mut ranks = if block * self.shards < self.checkpoints.len() {
            self.checkpoints[block * self.shards..(block + 1) * self.shards].to_vec()
        } else {
            self.lens.clone()
        };
        if block * BLOCK < self.len() {
            for s in &self.shard_of[block * BLOCK..p] {
                ranks[*s as usize] += 1;
            }
        }
        ranks
    }

    /// The shard holding position `p` and the item's rank among that shard's items.
    pub fn locate(&self, p: usize) -> Option<(usize, u32)> {
        let s = *self.shard_of.get(p)? as usize;
        Some((s, self.ranks_before(p)[s]))
    }

    /// The positions `start..end` (clamped to the list): per shard, the first rank and how many of its
    /// items fall there; and the shard of each position, in order.
    pub fn span(&self, start: usize, end: usize) -> (Vec<(u32, u32)>, &[u8]) {
        let end = end.min(self.len());
        let start = start.min(end);
        let first = self.ranks_before(start);
        let mut counts = vec![0u32; self.shards];
        let seq = &self.shard_of[start..end];
        for s in seq {
            counts[*s as usize] += 1;
        }
        (first.into_iter().zip(counts).collect(), seq)
    }

    /// The position of shard `s`'s item of rank `rank`.
    pub fn position_of(&self, s: usize, rank: u32) -> Option<usize> {
        if rank >= self.shard_len(s) {
            return None;
        }
        // The last block starting with at most `rank` items of `s` before it.
        let blocks = self.checkpoints.len() / self.shards.max(1);
        let (mut lo, mut hi) = (0usize, blocks);
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if self.checkpoints[mid * self.shards + s] <= rank {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let mut seen = self.checkpoints[lo * self.shards + s];
        for (i, x) in self.shard_of[lo * BLOCK..].iter().enumerate() {
            if *x as usize == s {
                if seen == rank {
                    return Some(lo * BLOCK + i);
                }
                seen += 1;
            }
        }
        None
    }
}

/// Merges per-shard pages of keyed items (each in list order: ascending keys, or descending when
/// `newest_first`) into the first `take` items of the merged list.
pub fn merge_keyed<T>(pages: Vec<Vec<(MatchKey, T)>>, take: usize, newest_first: bool) -> Vec<T> {
    let mut all: Vec<(MatchKey, T)> = pages.into_iter().flatten().collect();
    if newest_first {
        all.sort_by_key(|x| std::cmp::Reverse(x.0));
    } else {
        all.sort_by_key(|x| x.0);
    }
    all.into_iter().take(take).map(|(_, t)| t).collect()
}

/// Adds the facets of several shards: event counts and value counts add up per field (the fields in
/// the order first seen, `level` and `source` first as every shard lists them), each field keeps its
/// `top` most frequent values. A numeric distribution merges exactly in count, minimum and maximum;
/// its percentiles are the shards' percentiles weighted by their counts (an estimate). `distinct` is
/// the largest shard's (a lower bound) and `distinct_capped` is set when it may be more.
pub fn merge_facets(parts: Vec<Facets>, top: usize) -> Facets {
    struct Acc {
        events: u64,
        distinct: u64,
        capped: bool,
        values: HashMap<String, u64>,
        numeric: Vec<Distribution>,
        non_numeric: bool,
    }
    // A field is known by its name and which occurrence of the name it is in a shard's list: the
    // fixed `level` facet and a `level` key extracted from JSON are two facets.
    let mut names: Vec<(String, usize)> = Vec::new();
    let mut acc: HashMap<(String, usize), Acc> = HashMap::new();
    let mut matched = 0;
    let mut examined = 0;
    let shards = parts.len();
    for part in parts {
        matched += part.matched;
        examined += part.examined;
        let mut seen: HashMap<String, usize> = HashMap::new();
        for f in part.facets {
            let nth = seen.entry(f.field.clone()).or_default();
            let key = (f.field.clone(), *nth);
            *nth += 1;
            let a = acc.entry(key.clone()).or_insert_with(|| {
                names.push(key);
                Acc {
                    events: 0,
                    distinct: 0,
                    capped: false,
                    values: HashMap::new(),
                    numeric: Vec::new(),
                    non_numeric: false,
                }
            });
            a.events += f.events;
            a.distinct = a.distinct.max(f.distinct);
            // Values beyond a shard's top list are unknown here: more distinct values may exist.
            a.capped |= f.distinct_capped || (shards > 1 && f.distinct > f.top.len() as u64);
            for v in f.top {
                *a.values.entry(v.value).or_default() += v.count;
            }
            match f.numeric {
                Some(d) => a.numeric.push(d),
                None => a.non_numeric |= f.events > 0,
            }
        }
    }
    let facets = names
        .into_iter()
        .filter_map(|key| {
            let a = acc.remove(&key)?;
            let name = key.0;
            let mut values: Vec<FacetValue> = a
                .values
                .into_iter()
                .map(|(value, count)| FacetValue { value, count })
                .collect();
            values.sort_by(|x, y| y.count.cmp(&x.count).then_with(|| x.value.cmp(&y.value)));
            let distinct = a.distinct.max(values.len() as u64);
            values.truncate(top);
            let numeric =
                (!a.non_numeric && !a.numeric.is_empty()).then(|| merge_distributions(&a.numeric));
            Some(Facet {
                field: name,
                events: a.events,
                distinct,
                distinct_capped: a.capped,
                top: values,
                numeric,
            })
        })
        .collect();
    Facets {
        matched,
        examined,
        facets,
    }
}

fn merge_distributions(parts: &[Distribution]) -> Distribution {
    let count: u64 = parts.iter().map(|d| d.count).sum();
    let weighted = |f: fn(&Distribution) -> f64| {
        if count == 0 {
            return 0.0;
        }
        parts.iter().map(|d| f(d) * d.count as f64).sum::<f64>() / count as f64
    };
    Distribution {
        count,
        min: parts.iter().map(|d| d.min).fold(f64::INFINITY, f64::min),
        p50: weighted(|d| d.p50),
        p90: weighted(|d| d.p90),
        p99: weighted(|d| d.p99),
        max: parts
            .iter()
            .map(|d| d.max)
            .fold(f64::NEG_INFINITY, f64::max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};
    use crate::engine::query::{facets, Matches};

    #[test]
    fn files_go_largest_first_to_the_least_loaded_shard() {
        let mut held = vec![0, 0];
        assert_eq!(
            assign(&[10, 600, 350, 30, 4], &mut held),
            vec![1, 0, 1, 1, 1]
        );
        assert_eq!(held, vec![600, 394]);
        // A later load continues from what the shards hold.
        assert_eq!(assign(&[100], &mut held), vec![1]);
        assert_eq!(shard_count(1), 2);
        assert_eq!(shard_count(4), 4);
        assert_eq!(shard_count(64), MAX_SHARDS);
    }

    fn encode(keys: &[OrderKey]) -> Vec<u8> {
        let mut out = Vec::new();
        for k in keys {
            k.encode(&mut out);
        }
        out
    }

    /// A case of three sources split over two shards (sources 0 and 2 on shard 0, 1 on shard 1):
    /// the merged order equals the one-process timeline.
    fn sources() -> Vec<SourceData> {
        vec![
            ingest_bytes(
                "a.log",
                b"2026-07-03 09:00:00 INFO a1\n2026-07-03 09:00:02 ERROR a2\nuntimed\n2026-07-03 09:00:05 WARN a3\n",
                IngestOptions::default(),
            ),
            ingest_bytes(
                "b.log",
                b"2026-07-03 09:00:02 ERROR b1\n2026-07-03 09:00:01 INFO b0\n2026-07-03 09:00:04 ERROR b2\n",
                IngestOptions::default(),
            ),
            ingest_bytes(
                "c.jsonl",
                b"{\"ts\":\"2026-07-03T09:00:02Z\",\"level\":\"info\",\"msg\":\"c1\"}\n{\"ts\":\"2026-07-03T09:00:09Z\",\"level\":\"error\",\"msg\":\"c2\"}\n",
                IngestOptions::default(),
            ),
        ]
    }

    /// A shard's timeline keys, its sources named by case-wide id.
    fn shard_keys(sources: &[SourceData], ids: &[u16], offsets: &[i64]) -> Vec<OrderKey> {
        let timeline = Timeline::build_with_offsets(sources, offsets);
        let times: Vec<Vec<i64>> = sources
            .iter()
            .zip(offsets)
            .map(|(s, o)| sort_times(s, *o))
            .collect();
        (0..timeline.len())
            .map(|p| {
                let id = timeline.get(p, false).unwrap();
                OrderKey {
                    time: times[id.source as usize][id.event as usize],
                    source: ids[id.source as usize],
                }
            })
            .collect()
    }

    #[test]
    fn the_merged_order_is_the_whole_timeline() {
        for offsets in [[0i64, 0, 0], [0, 3_000_000_000, -1_000_000_000]] {
            let all = sources();
            let whole = Timeline::build_with_offsets(&all, &offsets);
            let shard0 = vec![all[0].clone(), all[2].clone()];
            let shard1 = vec![all[1].clone()];
            let k0 = encode(&shard_keys(&shard0, &[0, 2], &[offsets[0], offsets[2]]));
            let k1 = encode(&shard_keys(&shard1, &[1], &[offsets[1]]));
            let order = MergedOrder::merge(&[&k0, &k1]);
            assert_eq!(order.len(), whole.len());
            let t0 = Timeline::build_with_offsets(&shard0, &[offsets[0], offsets[2]]);
            let t1 = Timeline::build_with_offsets(&shard1, &[offsets[1]]);
            for p in 0..whole.len() {
                let (s, rank) = order.locate(p).unwrap();
                let local = if s == 0 { &t0 } else { &t1 }
                    .get(rank as usize, false)
                    .unwrap();
                let global = if s == 0 {
                    [0u16, 2][local.source as usize]
                } else {
                    1
                };
                let expected = whole.get(p, false).unwrap();
                assert_eq!(
                    (global, local.event),
                    (expected.source, expected.event),
                    "{p}"
                );
                assert_eq!(order.position_of(s, rank), Some(p));
            }
            assert_eq!(order.position_of(1, order.shard_len(1)), None);
        }
    }

    #[test]
    fn keys_encoded_before_the_ids_are_known_rename_to_the_same_keys() {
        let all = sources();
        let offsets = [0i64, 3_000_000_000, -1_000_000_000];
        let by_ref: Vec<&SourceData> = all.iter().collect();
        let timeline = Timeline::build_with_offsets(&by_ref, &offsets);
        let ids = [4u16, 9, 2];
        let mut early = timeline_keys(&by_ref, &offsets, &timeline, &[0, 1, 2]);
        rename_key_sources(&mut early, &ids);
        let whole = Timeline::build_with_offsets(&all, &offsets);
        assert_eq!(early, timeline_keys(&all, &offsets, &whole, &ids));
        let decoded: Vec<u16> = (0..timeline.len())
            .map(|p| OrderKey::decode_at(&early, p).source)
            .collect();
        assert!(ids.iter().all(|id| decoded.contains(id)));
    }

    #[test]
    fn timeline_keys_encode_each_position_with_its_case_wide_source() {
        let all = sources();
        let offsets = [0i64, 3_000_000_000, -1_000_000_000];
        let timeline = Timeline::build_with_offsets(&all, &offsets);
        let ids = [4u16, 9, 2];
        let keys = timeline_keys(&all, &offsets, &timeline, &ids);
        assert_eq!(encode(&shard_keys(&all, &ids, &offsets)), keys);
        assert_eq!(keys.len(), timeline.len() * KEY_BYTES);
        // Source 1 is out of order (its times come from a table); a source met out of event order
        // (not its timeline) still gets each event's own sort time.
        assert!(matches!(SortTimes::of(&all[1], 0), SortTimes::Table(_)));
        let gaps = ingest_bytes(
            "gaps.jsonl",
            b"{\"msg\":\"first, untimed\"}\n{\"ts\":\"2026-07-03T09:00:01Z\",\"msg\":\"a\"}\n{\"msg\":\"b\"}\n{\"ts\":\"2026-07-03T09:00:03Z\",\"msg\":\"c\"}\n{\"msg\":\"d\"}\n",
            IngestOptions::default(),
        );
        assert_eq!(gaps.len(), 5);
        let mut streamed = SortTimes::of(&gaps, 5);
        assert!(matches!(streamed, SortTimes::Streamed { .. }));
        let expected = sort_times(&gaps, 5);
        assert_eq!(expected[0], expected[1]);
        assert_eq!(expected[2], expected[1]);
        for e in [0, 1, 2, 3, 4, 2, 0, 4, 3, 1] {
            assert_eq!(streamed.at(e), expected[e], "event {e}");
        }
    }

    #[test]
    fn spans_map_pages_to_runs_of_ranks_across_blocks() {
        // Shard 0 holds every third position, shard 1 the rest, over several blocks.
        let seq: Vec<u8> = (0..3 * BLOCK + 17).map(|p| u8::from(p % 3 != 0)).collect();
        let order = MergedOrder::from_sequence(2, seq.clone());
        for (start, end) in [(0, 10), (BLOCK - 3, BLOCK + 5), (2 * BLOCK + 1, 9 * BLOCK)] {
            let (ranks, shards) = order.span(start, end);
            let end = end.min(seq.len());
            assert_eq!(shards, &seq[start..end]);
            for s in 0..2u8 {
                let before = seq[..start].iter().filter(|x| **x == s).count() as u32;
                let within = seq[start..end].iter().filter(|x| **x == s).count() as u32;
                assert_eq!(ranks[s as usize], (before, within));
            }
        }
        let p = 2 * BLOCK + 7;
        let (s, rank) = order.locate(p).unwrap();
        assert_eq!(order.position_of(s, rank), Some(p));
        assert_eq!(order.locate(seq.len()), None);
    }

    #[test]
    fn first_pages_merge_in_either_order() {
        let key = |time, source, event| MatchKey {
            time,
            source,
            event,
        };
        let a = vec![(key(1, 0, 0), "a0"), (key(3, 0, 1), "a1")];
        let b = vec![(key(1, 1, 0), "b0"), (key(2, 1, 1), "b1")];
        assert_eq!(
            merge_keyed(vec![a.clone(), b.clone()], 3, false),
            vec!["a0", "b0", "b1"]
        );
        let rev = |v: Vec<(MatchKey, &'static str)>| v.into_iter().rev().collect::<Vec<_>>();
        assert_eq!(merge_keyed(vec![rev(a), rev(b)], 2, true), vec!["a1", "b1"]);
    }

    #[test]
    fn shard_facets_add_up_to_the_whole_cases() {
        let all = sources();
        let whole = facets(&all, &Matches::all(&all), 8, 10_000);
        let shard0 = vec![all[0].clone(), all[2].clone()];
        let shard1 = vec![all[1].clone()];
        let merged = merge_facets(
            vec![
                facets(&shard0, &Matches::all(&shard0), 50, 10_000),
                facets(&shard1, &Matches::all(&shard1), 50, 10_000),
            ],
            8,
        );
        assert_eq!(merged.matched, whole.matched);
        let levels = merged.facets.iter().filter(|f| f.field == "level").count();
        assert_eq!(
            levels,
            whole.facets.iter().filter(|f| f.field == "level").count()
        );
        for field in ["level", "source"] {
            let get = |f: &Facets| f.facets.iter().find(|x| x.field == field).cloned().unwrap();
            assert_eq!(get(&merged).top, get(&whole).top, "{field}");
            assert_eq!(get(&merged).events, get(&whole).events, "{field}");
        }
    }
}
