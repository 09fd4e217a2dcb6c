//! Clock skew between sources, estimated from the ids they share, and applying offsets.
//!
//! When two files log the same request id, the difference of their written times is (their clock
//! difference) + (noise). For every pair of sources, each id that occurs exactly once in both gives one
//! difference; the pair's offset is the median difference, corrected for truncation: a source that
//! writes times to a resolution `r` (nginx: whole seconds) truncates, so its times are on average `r/2`
//! early; the correction adds `(r_b − r_a)/2`. The spread is the median absolute deviation (MAD).
//!
//! The reference source is the one sharing the most ids with the others (ties: the finest timestamps).
//! Every other source is linked to it through the strongest chain of pairs (a maximum spanning tree by
//! shared ids), and its offset is the sum along the chain. Offsets say how far a source's clock runs
//! ahead of the reference; an adjusted time is the written time minus the offset.
//!
//! Samples, so no more than a bounded number of ids travel between the workers holding parts of a
//! case: each source keeps the [`SAMPLE_PER_SOURCE`] smallest hashes of the ids it saw exactly once
//! with a time; its CUT is the largest of them (none when it saw no more than that, so all are kept).
//! A pair's sample is the ids both saw once whose hash is at or below the HIGHER of the two cuts: a
//! hash-chosen, hence uniform, sample of the ids they share, all of them when one source keeps all its
//! ids, and never more than [`SAMPLE_PER_SOURCE`] (it lies within one source's sample). The higher cut
//! matters: a small file whose ids all appear in a big one still gets every shared id, where the lower
//! cut (simply intersecting the two samples) would keep only the fraction the big file's sample covers.
//! Beyond its cut a source must therefore still tell its time for ids another source sampled: a part
//! adds those for its own sources ([`skew_part`]), and when the case is split, a second round asks
//! each part for the ids the other parts sampled above its cuts ([`skew_more_asks`], [`skew_more`]).
//! The one-worker estimate is the same merge over one part, so both give the same answer.
//!
//! Confidence, from 0 to 1: `n / (n + 10) · exp(−excess)`, where `n` is the number of shared ids used
//! and `excess` is the MAD in seconds beyond what truncation alone explains (`(r_a + r_b) / 4`); the
//! weakest link of a chain counts.

use std::collections::HashMap;
use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use super::ids::IdIndex;
use super::{Offsets, Part};
use crate::engine::store::{SourceData, SourceId};
use crate::engine::time::NANOS_PER_SEC;
use crate::engine::timeline::Timeline;

/// Ids each source brings to the estimate at most: the smallest hashes of those it saw once.
pub const SAMPLE_PER_SOURCE: usize = 20_000;
/// Fewer shared ids than this do not link two sources.
pub const MIN_SHARED_IDS: usize = 3;

/// One source's estimated offset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceSkew {
    pub path: String,
    pub source: SourceId,
    /// How far this source's clock runs ahead of the reference, in seconds (0 when not linked).
    pub offset_s: f64,
    /// 0 (no evidence) to 1; see the module documentation.
    pub confidence: f64,
    /// Shared ids used on the link that placed this source (with the reference or with `via`): the
    /// pair's sample, at most [`SAMPLE_PER_SOURCE`].
    pub shared_ids: u64,
    /// Median absolute deviation of the differences on that link, in seconds.
    pub mad_s: Option<f64>,
    /// The resolution the source writes times to, in seconds (1 for whole seconds).
    pub resolution_s: f64,
    pub reference: bool,
    /// Whether the source shares ids (directly or through others) with the reference.
    pub linked: bool,
    /// The source it was linked through, when not directly to the reference.
    pub via: Option<String>,
}

/// Offsets of all sources relative to one reference.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SkewReport {
    pub reference: Option<String>,
    /// One entry per loaded source, in source order.
    pub sources: Vec<SourceSkew>,
}

impl SkewReport {
    /// The estimated offsets, ready to apply (zero for sources that are not linked).
    pub fn offsets(&self) -> Offsets {
        let mut out = Offsets::zero(self.sources.len());
        for s in &self.sources {
            out.set(s.source, (s.offset_s * NANOS_PER_SEC as f64).round() as i64);
        }
        out
    }
}

/// The resolution a source writes its times to, in ns: the coarsest of 1 s, 1 ms, 1 µs, 1 ns that
/// divides at least 98% of a sample of its times.
pub fn resolution_ns(source: &SourceData) -> i64 {
    let ts: Vec<i64> = source
        .ts_column()
        .iter()
        .copied()
        .filter(|t| *t != crate::engine::store::NO_TIME)
        .collect();
    if ts.is_empty() {
        return 1;
    }
    let step = (ts.len() / 5000).max(1);
    let sample: Vec<i64> = ts.iter().step_by(step).copied().collect();
    for r in [NANOS_PER_SEC, 1_000_000, 1_000] {
        let divisible = sample.iter().filter(|t| t.rem_euclid(r) == 0).count();
        if divisible * 100 >= sample.len() * 98 {
            return r;
        }
    }
    1
}

/// The estimate for one ordered pair: how far `b` runs ahead of `a`.
#[derive(Clone, Debug, PartialEq)]
struct PairEstimate {
    a: usize,
    b: usize,
    offset_ns: i64,
    mad_ns: i64,
    shared: usize,
    confidence: f64,
}

fn median(sorted: &[i64]) -> i64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}

fn estimate_pair(a: usize, b: usize, diffs: &mut [i64], res: &[i64]) -> PairEstimate {
    diffs.sort_unstable();
    let m = median(diffs);
    let mut dev: Vec<i64> = diffs.iter().map(|d| (d - m).abs()).collect();
    dev.sort_unstable();
    let mad_ns = median(&dev);
    let offset_ns = m + (res[b] - res[a]) / 2;
    let explained = (res[a] + res[b]) as f64 / 4.0;
    let excess_s = ((mad_ns as f64 - explained) / NANOS_PER_SEC as f64).max(0.0);
    let n = diffs.len() as f64;
    PairEstimate {
        a,
        b,
        offset_ns,
        mad_ns,
        shared: diffs.len(),
        confidence: n / (n + 10.0) * (-excess_s).exp(),
    }
}

/// One observation: `(id hash, case-wide source, written time)`.
pub type Seen = (u64, SourceId, i64);

/// One source of a part: its resolution and where its sample of ids stops.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkewSource {
    /// Case-wide id.
    pub source: SourceId,
    pub resolution_ns: i64,
    /// The largest hash of its sample when it saw more ids once than [`SAMPLE_PER_SOURCE`] (the rest
    /// stay home); `None` when every such id is in the sample.
    pub cut: Option<u64>,
}

/// What one part of the case brings to the estimate: its sources, and as `seen` (sorted) each
/// source's sample (the ids at or below its cut) plus what its truncated sources saw of the ids in the
/// samples of the part's other sources above their own cut (see the module documentation).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SkewPart {
    pub sources: Vec<SkewSource>,
    /// Left out of the JSON when sent as bytes ([`SkewPart::take_seen_bytes`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seen: Vec<Seen>,
}

/// Bytes of one `seen` record: hash, source, time (little-endian).
const SEEN_BYTES: usize = 18;

/// `seen` records as bytes, 18 each (a shard sends them beside its JSON reply: JSON text of numbers
/// would be three times the size).
pub fn seen_to_bytes(seen: &[Seen]) -> Vec<u8> {
    let mut out = Vec::with_capacity(seen.len() * SEEN_BYTES);
    for (h, s, t) in seen {
        out.extend_from_slice(&h.to_le_bytes());
        out.extend_from_slice(&s.to_le_bytes());
        out.extend_from_slice(&t.to_le_bytes());
    }
    out
}

/// The records of [`seen_to_bytes`] (a trailing partial record is ignored).
pub fn seen_from_bytes(bytes: &[u8]) -> Vec<Seen> {
    bytes
        .chunks_exact(SEEN_BYTES)
        .map(|r| {
            let mut h = [0u8; 8];
            let mut s = [0u8; 2];
            let mut t = [0u8; 8];
            h.copy_from_slice(&r[..8]);
            s.copy_from_slice(&r[8..10]);
            t.copy_from_slice(&r[10..]);
            (
                u64::from_le_bytes(h),
                SourceId::from_le_bytes(s),
                i64::from_le_bytes(t),
            )
        })
        .collect()
}

impl SkewPart {
    /// Moves `seen` out as bytes ([`seen_to_bytes`]).
    pub fn take_seen_bytes(&mut self) -> Vec<u8> {
        let out = seen_to_bytes(&self.seen);
        self.seen = Vec::new();
        out
    }

    /// Puts back `seen` from the bytes of [`SkewPart::take_seen_bytes`].
    pub fn put_seen_bytes(&mut self, bytes: &[u8]) {
        self.seen.extend(seen_from_bytes(bytes));
    }

    /// Whether `(hash, source)` is in its source's sample (rather than seen beyond its cut).
    fn sampled(&self, hash: u64, source: SourceId) -> bool {
        self.sources
            .iter()
            .find(|s| s.source == source)
            .is_some_and(|s| s.cut.is_none_or(|c| hash <= c))
    }
}

/// The sources of a group of the index that saw its id exactly once, with a time: `(local source,
/// time)` in source order. (An id seen twice in a source gives that source no difference.)
fn seen_once(group: &[(u64, u64)], sources: &[SourceData], out: &mut Vec<(usize, i64)>) {
    out.clear();
    let mut run: Option<(usize, u32, usize)> = None;
    let flush = |run: Option<(usize, u32, usize)>, out: &mut Vec<(usize, i64)>| {
        if let Some((s, e, 1)) = run {
            if let Some(t) = sources.get(s).and_then(|d| d.ts(e as usize)) {
                out.push((s, t));
            }
        }
    };
    for entry in group {
        let e = IdIndex::event_of(entry);
        match run.as_mut() {
            Some((s, _, n)) if *s == e.source as usize => *n += 1,
            _ => {
                flush(run, out);
                run = Some((e.source as usize, e.event, 1));
            }
        }
    }
    flush(run, out);
}

/// The ids of one part's sources for the estimate (`index` covers the part's sources).
pub fn skew_part(part: &Part<'_>, index: &IdIndex) -> SkewPart {
    skew_part_sampled(part, index, SAMPLE_PER_SOURCE)
}

/// [`skew_part`] keeping at most `per_source` ids of each source in its sample (tests use small ones).
pub(crate) fn skew_part_sampled(part: &Part<'_>, index: &IdIndex, per_source: usize) -> SkewPart {
    let sources = part.sources;
    let mut taken = vec![0usize; sources.len()];
    let mut last = vec![0u64; sources.len()];
    let mut cut: Vec<Option<u64>> = vec![None; sources.len()];
    let mut seen = Vec::new();
    let mut once = Vec::new();
    let mut beyond: Vec<(usize, i64)> = Vec::new();
    // The index is in hash order, so each source's first `per_source` ids are its smallest hashes.
    // Once every source is cut, no later id is sampled or reported: the walk stops there.
    let mut uncut = sources.len();
    index.for_each_id(|group| {
        let h = group[0].0;
        seen_once(group, sources, &mut once);
        beyond.clear();
        let mut sampled = false;
        for &(s, t) in &once {
            if taken[s] < per_source {
                taken[s] += 1;
                last[s] = h;
                sampled = true;
                seen.push((h, part.id(s as SourceId), t));
            } else {
                if cut[s].is_none() {
                    uncut -= 1;
                }
                cut[s] = Some(last[s]);
                beyond.push((s, t));
            }
        }
        // Beyond its cut a source still tells what it saw of ids another source sampled.
        if sampled {
            seen.extend(beyond.iter().map(|&(s, t)| (h, part.id(s as SourceId), t)));
        }
        if uncut == 0 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    seen.sort_unstable();
    SkewPart {
        sources: (0..sources.len())
            .map(|s| SkewSource {
                source: part.id(s as SourceId),
                resolution_ns: resolution_ns(&sources[s]),
                cut: cut[s],
            })
            .collect(),
        seen,
    }
}

/// The second round of a split estimate, for one part: the cuts of its truncated sources and the ids
/// sampled by the other parts' sources above the lowest of those cuts, sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkewMoreAsk {
    /// `(case-wide source, cut)`.
    pub cuts: Vec<(SourceId, u64)>,
    pub hashes: Vec<u64>,
}

/// What each part (in order) must still be asked once every part has sent its [`SkewPart`]: `None`
/// when it has no truncated source or nothing to look up.
pub fn skew_more_asks(parts: &[SkewPart]) -> Vec<Option<SkewMoreAsk>> {
    (0..parts.len())
        .map(|p| {
            let cuts: Vec<(SourceId, u64)> = parts[p]
                .sources
                .iter()
                .filter_map(|s| s.cut.map(|c| (s.source, c)))
                .collect();
            let lowest = cuts.iter().map(|c| c.1).min()?;
            let mut hashes: Vec<u64> = parts
                .iter()
                .enumerate()
                .filter(|(q, _)| *q != p)
                .flat_map(|(_, other)| {
                    other
                        .seen
                        .iter()
                        .filter(|(h, s, _)| *h > lowest && other.sampled(*h, *s))
                        .map(|x| x.0)
                })
                .collect();
            hashes.sort_unstable();
            hashes.dedup();
            (!hashes.is_empty()).then_some(SkewMoreAsk { cuts, hashes })
        })
        .collect()
}

/// A part's answer to a [`SkewMoreAsk`]: what each of its truncated sources saw once, with a time, of
/// the asked ids above its cut (sorted).
pub fn skew_more(part: &Part<'_>, index: &IdIndex, ask: &SkewMoreAsk) -> Vec<Seen> {
    let cut: Vec<Option<u64>> = (0..part.sources.len())
        .map(|s| {
            let id = part.id(s as SourceId);
            ask.cuts.iter().find(|c| c.0 == id).map(|c| c.1)
        })
        .collect();
    let mut out = Vec::new();
    let mut once = Vec::new();
    for &h in &ask.hashes {
        seen_once(index.group(h), part.sources, &mut once);
        for &(s, t) in &once {
            if cut[s].is_some_and(|c| h > c) {
                out.push((h, part.id(s as SourceId), t));
            }
        }
    }
    out.sort_unstable();
    out
}

/// Estimates every source's clock offset relative to a reference from the ids they share.
pub fn estimate(sources: &[SourceData], index: &IdIndex) -> SkewReport {
    estimate_sampled(sources, index, SAMPLE_PER_SOURCE)
}

/// [`estimate`] with samples of at most `per_source` ids (tests use small ones).
pub(crate) fn estimate_sampled(
    sources: &[SourceData],
    index: &IdIndex,
    per_source: usize,
) -> SkewReport {
    let offsets = Offsets::default();
    let names: Vec<String> = sources.iter().map(|s| s.info.name.clone()).collect();
    merge_skew(
        &names,
        vec![skew_part_sampled(
            &Part::whole(sources, &offsets),
            index,
            per_source,
        )],
    )
}

/// The estimate from every part's ids (after the second round, [`skew_more`], when there are several
/// parts): `names` are the case's sources, index = case-wide id.
pub fn merge_skew(names: &[String], parts: Vec<SkewPart>) -> SkewReport {
    let mut res: Vec<i64> = vec![1; names.len()];
    let mut cut: Vec<Option<u64>> = vec![None; names.len()];
    let mut seen: Vec<Seen> = Vec::new();
    for part in parts {
        for s in part.sources {
            if let Some(slot) = res.get_mut(s.source as usize) {
                *slot = s.resolution_ns;
            }
            if let Some(slot) = cut.get_mut(s.source as usize) {
                *slot = s.cut;
            }
        }
        seen.extend(part.seen);
    }
    seen.sort_unstable();
    // A source's observation of an id may come from its own part and from the second round.
    seen.dedup();
    let cut_of = |s: SourceId| cut.get(s as usize).copied().flatten();
    // Differences per unordered pair (a < b): t_b − t_a for ids seen exactly once in each, up to the
    // higher of the two cuts (the pair's sample; see the module documentation).
    let mut diffs: HashMap<(usize, usize), Vec<i64>> = HashMap::new();
    let mut start = 0;
    while start < seen.len() {
        let h = seen[start].0;
        let end = start + seen[start..].iter().take_while(|x| x.0 == h).count();
        let group = &seen[start..end];
        for (i, &(_, a, ta)) in group.iter().enumerate() {
            for &(_, b, tb) in &group[i + 1..] {
                let within = match (cut_of(a), cut_of(b)) {
                    (Some(x), Some(y)) => h <= x.max(y),
                    _ => true,
                };
                if within {
                    diffs
                        .entry((a as usize, b as usize))
                        .or_default()
                        .push(tb - ta);
                }
            }
        }
        start = end;
    }
    // Pairs only name loaded sources (an index built from other sources contributes nothing).
    let mut pairs: Vec<PairEstimate> = diffs
        .into_iter()
        .filter(|((a, b), d)| d.len() >= MIN_SHARED_IDS && *a < names.len() && *b < names.len())
        .map(|((a, b), mut d)| estimate_pair(a, b, &mut d, &res))
        .collect();
    pairs.sort_by_key(|p| (p.a, p.b));

    let mut shared_total = vec![0usize; names.len()];
    for p in &pairs {
        shared_total[p.a] += p.shared;
        shared_total[p.b] += p.shared;
    }
    let reference = (0..names.len())
        .filter(|s| shared_total[*s] > 0)
        .max_by_key(|s| {
            (
                shared_total[*s],
                std::cmp::Reverse(res[*s]),
                std::cmp::Reverse(*s),
            )
        });

    // Offsets along a maximum spanning tree (by shared ids) grown from the reference (Prim).
    struct Placed {
        offset_ns: i64,
        confidence: f64,
        shared: usize,
        mad_ns: Option<i64>,
        via: Option<usize>,
    }
    let mut placed: Vec<Option<Placed>> = (0..names.len()).map(|_| None).collect();
    if let Some(r) = reference {
        placed[r] = Some(Placed {
            offset_ns: 0,
            confidence: 1.0,
            shared: shared_total[r],
            mad_ns: None,
            via: None,
        });
        loop {
            // The strongest pair with exactly one end placed.
            let next = pairs
                .iter()
                .filter(|p| placed[p.a].is_some() != placed[p.b].is_some())
                .max_by_key(|p| (p.shared, std::cmp::Reverse((p.a, p.b))));
            let Some(p) = next else { break };
            let (from, to, ahead) = if placed[p.a].is_some() {
                (p.a, p.b, p.offset_ns)
            } else {
                (p.b, p.a, -p.offset_ns)
            };
            let Some(base) = placed[from].as_ref() else {
                break;
            };
            let confidence = if from == r {
                p.confidence
            } else {
                p.confidence.min(base.confidence)
            };
            placed[to] = Some(Placed {
                offset_ns: base.offset_ns + ahead,
                confidence,
                shared: p.shared,
                mad_ns: Some(p.mad_ns),
                via: (from != r).then_some(from),
            });
        }
    }
    let round3 = |x: f64| (x * 1000.0).round() / 1000.0;
    let out = names
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let p = placed[i].as_ref();
            SourceSkew {
                path: s.clone(),
                source: i as SourceId,
                offset_s: p.map_or(0.0, |p| round3(p.offset_ns as f64 / NANOS_PER_SEC as f64)),
                confidence: p.map_or(0.0, |p| round3(p.confidence)),
                shared_ids: p.map_or(0, |p| p.shared as u64),
                mad_s: p
                    .and_then(|p| p.mad_ns)
                    .map(|m| round3(m as f64 / NANOS_PER_SEC as f64)),
                resolution_s: res[i] as f64 / NANOS_PER_SEC as f64,
                reference: Some(i) == reference,
                linked: p.is_some(),
                via: p.and_then(|p| p.via).map(|v| names[v].clone()),
            }
        })
        .collect();
    SkewReport {
        reference: reference.map(|r| names[r].clone()),
        sources: out,
    }
}

/// The merged timeline with each source's times shifted back by its offset.
pub fn adjusted_timeline(sources: &[SourceData], offsets: &Offsets) -> Timeline {
    Timeline::build_with_offsets(sources, offsets.as_ns())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};
    use crate::engine::time::format_rfc3339;

    /// An app writing milliseconds and a balancer whose clock runs `skew_ms` ahead, writing whole
    /// seconds (truncated), sharing `n` request ids; a third file shares nothing.
    fn pair(n: usize, skew_ms: i64) -> Vec<SourceData> {
        let base = 1_783_069_200_000i64; // 2026-07-03T09:00:00Z in ms
        let (mut app, mut lb) = (String::new(), String::new());
        for i in 0..n as i64 {
            let t_ms = base + i * 1_337 + (i * 7919) % 1000;
            let id = format!("{:016x}", 0xa5a5_0000_0000u64 + i as u64 * 7_777);
            app.push_str(&format!(
                "{{\"ts\":\"{}\",\"msg\":\"handled\",\"request_id\":\"{id}\"}}\n",
                format_rfc3339(t_ms * 1_000_000)
            ));
            let lb_secs = (t_ms + skew_ms).div_euclid(1000);
            lb.push_str(&format!(
                "{} INFO GET /x req_id={id}\n",
                format_rfc3339(lb_secs * NANOS_PER_SEC)
            ));
        }
        vec![
            ingest_bytes("app.jsonl", app.as_bytes(), IngestOptions::default()),
            ingest_bytes("lb.log", lb.as_bytes(), IngestOptions::default()),
            ingest_bytes(
                "other.log",
                b"2026-07-03T09:00:00Z INFO nothing shared\n",
                IngestOptions::default(),
            ),
        ]
    }

    #[test]
    fn finds_a_whole_second_source_running_ahead_despite_truncation() {
        for skew_ms in [3_000, -1_250, 400] {
            let sources = pair(400, skew_ms);
            let index = IdIndex::build(&sources);
            let report = estimate(&sources, &index);
            let lb = &report.sources[1];
            assert!(
                (lb.offset_s - skew_ms as f64 / 1000.0).abs() < 0.1,
                "skew {skew_ms}: {lb:?}"
            );
            assert_eq!(lb.shared_ids, 400);
            assert_eq!(lb.resolution_s, 1.0);
            assert!(lb.confidence > 0.9, "{lb:?}");
            assert!(report.sources[0].reference);
            assert!(!report.sources[2].linked);
            assert_eq!(report.sources[2].confidence, 0.0);
        }
    }

    #[test]
    fn ids_sent_as_bytes_come_back_the_same() {
        let sources = pair(30, 1_500);
        let index = IdIndex::build(&sources);
        let offsets = Offsets::zero(3);
        let part = skew_part(&Part::whole(&sources, &offsets), &index);
        assert_eq!(part.seen.len(), 60);
        let mut sent = part.clone();
        let bytes = sent.take_seen_bytes();
        assert!(sent.seen.is_empty() && bytes.len() == 60 * SEEN_BYTES);
        let json = serde_json::to_string(&sent).unwrap();
        let mut back: SkewPart = serde_json::from_str(&json).unwrap();
        back.put_seen_bytes(&bytes);
        assert_eq!(back, part);
    }

    /// The estimate from the sources split in groups (case-wide ids given per group), both rounds.
    fn split_estimate(sources: &[SourceData], groups: &[&[SourceId]], k: usize) -> SkewReport {
        let names: Vec<String> = sources.iter().map(|s| s.info.name.clone()).collect();
        let held: Vec<(Vec<SourceData>, Vec<SourceId>, IdIndex)> = groups
            .iter()
            .map(|ids| {
                let own: Vec<SourceData> =
                    ids.iter().map(|s| sources[*s as usize].clone()).collect();
                let index = IdIndex::build(&own);
                (own, ids.to_vec(), index)
            })
            .collect();
        let offsets = Offsets::default();
        fn part<'a>(
            g: &'a (Vec<SourceData>, Vec<SourceId>, IdIndex),
            offsets: &'a Offsets,
        ) -> Part<'a> {
            Part {
                sources: &g.0,
                ids: g.1.as_slice().into(),
                offsets,
            }
        }
        let mut parts: Vec<SkewPart> = held
            .iter()
            .map(|g| skew_part_sampled(&part(g, &offsets), &g.2, k))
            .collect();
        for (p, ask) in skew_more_asks(&parts).into_iter().enumerate() {
            if let Some(ask) = ask {
                assert!(
                    ask.hashes.len() <= k * sources.len(),
                    "{}",
                    ask.hashes.len()
                );
                let more = skew_more(&part(&held[p], &offsets), &held[p].2, &ask);
                assert!(more.len() <= ask.hashes.len() * groups[p].len());
                parts[p].seen.extend(more);
            }
        }
        merge_skew(&names, parts)
    }

    #[test]
    fn a_split_case_sampled_small_answers_as_one_part() {
        let mut sources = pair(400, 3_000);
        // A fourth file sharing a few of the ids, with a clock 2 s behind.
        let mut few = String::new();
        for i in (0..400i64).step_by(9) {
            let t_ms = 1_783_069_200_000i64 + i * 1_337 + (i * 7919) % 1000 - 2_000;
            let id = format!("{:016x}", 0xa5a5_0000_0000u64 + i as u64 * 7_777);
            few.push_str(&format!(
                "{} INFO done req_id={id}\n",
                format_rfc3339(t_ms * 1_000_000)
            ));
        }
        sources.push(ingest_bytes(
            "few.log",
            few.as_bytes(),
            IngestOptions::default(),
        ));
        let index = IdIndex::build(&sources);
        for k in [SAMPLE_PER_SOURCE, 100, 30, 7] {
            let one = estimate_sampled(&sources, &index, k);
            let offsets = Offsets::zero(sources.len());
            let part = skew_part_sampled(&Part::whole(&sources, &offsets), &index, k);
            for s in &part.sources {
                let sampled = part
                    .seen
                    .iter()
                    .filter(|x| x.1 == s.source && part.sampled(x.0, x.1));
                assert!(sampled.count() <= k);
            }
            for groups in [
                &[&[0, 2][..], &[1, 3]][..],
                &[&[1], &[0], &[2, 3]],
                &[&[3, 0, 1, 2]],
            ] {
                assert_eq!(
                    split_estimate(&sources, groups, k),
                    one,
                    "k {k}, {groups:?}"
                );
            }
            if k < 30 {
                continue;
            }
            let lb = &one.sources[1];
            assert!((lb.offset_s - 3.0).abs() < 0.3, "k {k}: {lb:?}");
            assert_eq!(lb.shared_ids as usize, 400.min(k));
            // The small file keeps every id it shares (45), however small the big files' samples.
            let few = &one.sources[3];
            assert!((few.offset_s + 2.0).abs() < 0.2, "k {k}: {few:?}");
            if k >= 45 {
                assert_eq!(few.shared_ids, 45, "k {k}: {few:?}");
            }
        }
    }

    #[test]
    fn an_index_of_other_sources_links_nothing() {
        let sources = pair(50, 3_000);
        let index = IdIndex::build(&sources);
        let report = estimate(&sources[..1], &index);
        assert_eq!(report.sources.len(), 1);
        assert!(report.reference.is_none() && !report.sources[0].linked);
    }

    #[test]
    fn applying_offsets_reorders_the_timeline() {
        let sources = pair(20, 3_000);
        let index = IdIndex::build(&sources);
        let offsets = estimate(&sources, &index).offsets();
        let plain = Timeline::build(&sources);
        let adjusted = adjusted_timeline(&sources, &offsets);
        // Written times put the balancer's first line after the app's second; adjusted, each balancer
        // line sits within a second of its app line.
        let pos = |t: &Timeline, s: u16, e: u32| {
            (0..t.len())
                .position(|i| {
                    t.get(i, false)
                        .is_some_and(|id| id.source == s && id.event == e)
                })
                .unwrap_or(usize::MAX)
        };
        assert!(pos(&plain, 1, 0) > pos(&plain, 0, 1));
        assert!(pos(&adjusted, 1, 0) < pos(&adjusted, 0, 1));
        assert_eq!(resolution_ns(&sources[0]), 1_000_000);
    }
}
