//! The spike finder: stretches of a histogram where errors or a message shape leave their baseline.
//!
//! Events are counted per time bucket (a round size giving about [`TARGET_BUCKETS`] buckets over the
//! loaded span) into series: error-or-worse events over all sources and per source, and the most common
//! message shapes of each source. In each series a bucket is a spike when its count exceeds the
//! baseline, the median of the previous [`SpikeOptions::baseline_buckets`] normal buckets, by at least
//! `min_excess` events and `min_score` robust deviations, where a deviation is the larger of 1.4826 × MAD
//! and the Poisson spread √max(median, 1), and the count must be improbable under a Poisson baseline
//! (P(X ≥ count) ≤ 10^`max_log10_p`, 10⁻⁶ by default: hundreds of buckets in dozens of series are
//! tested, so a looser bar would mark noise). Spiking buckets do not enter the baseline (so a long incident
//! stays marked), unless a spike lasts over twice the baseline length (then it is the new normal).
//! Neighbouring spike buckets (one quiet bucket between them allowed) form one range, scored by its peak.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::shape::{shape_key, GroupKey};
use super::{sources_span, Offsets, Part};
use crate::engine::level::Level;
use crate::engine::store::{SourceData, SourceId, NO_TIME};
use crate::engine::time::{format_rfc3339, NANOS_PER_SEC};

/// About this many buckets over the loaded span.
pub const TARGET_BUCKETS: i64 = 240;
/// Message shapes per source followed as series.
const SHAPES_PER_SOURCE: usize = 30;
/// Most buckets a series may have.
const MAX_BUCKETS: i64 = 100_000;
/// The baseline rate assumed where a series was empty, for the Poisson tail.
const MIN_RATE: f64 = 0.25;
/// Distinct shapes counted per source.
const MAX_SHAPES_PER_SOURCE: usize = 5_000;

/// How spikes are found.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpikeOptions {
    /// Bucket width; `None` picks a round width giving about [`TARGET_BUCKETS`] buckets.
    pub bucket_ns: Option<i64>,
    /// Normal buckets the baseline looks back over.
    pub baseline_buckets: usize,
    /// Buckets of history needed before anything can be a spike.
    pub min_history: usize,
    /// Robust deviations above the baseline.
    pub min_score: f64,
    /// Events above the baseline.
    pub min_excess: f64,
    /// log10 of the largest Poisson tail probability P(X ≥ count | baseline) still called a spike.
    pub max_log10_p: f64,
}

impl Default for SpikeOptions {
    fn default() -> Self {
        SpikeOptions {
            bucket_ns: None,
            baseline_buckets: 30,
            min_history: 5,
            min_score: 4.0,
            min_excess: 3.0,
            max_log10_p: -6.0,
        }
    }
}

/// A marked stretch of one series, in bucket indices (`last` included).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpikeRange {
    pub first: usize,
    pub last: usize,
    pub score: f64,
    pub peak: u64,
    /// The baseline (counts per bucket) when the range began.
    pub baseline: f64,
}

/// ln(k!), exactly for small k and by Stirling's series above.
fn ln_factorial(k: u64) -> f64 {
    if k < 32 {
        (2..=k).map(|i| (i as f64).ln()).sum()
    } else {
        let x = k as f64;
        x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + 1.0 / (12.0 * x)
    }
}

/// log10 of P(X ≥ k) for X ~ Poisson(λ), summed in log space so tiny tails stay exact.
pub fn poisson_tail_log10(k: u64, lambda: f64) -> f64 {
    if k == 0 {
        return 0.0;
    }
    let lambda = lambda.max(1e-9);
    if (k as f64) <= lambda {
        return 0.0; // not in the tail
    }
    // ln P(X = k), then the ratio of consecutive terms is λ / (i + 1).
    let mut term = -lambda + k as f64 * lambda.ln() - ln_factorial(k);
    let first = term;
    let mut sum = 1.0f64; // in units of exp(first)
    let mut i = k;
    while i < k + 10_000 {
        term += (lambda / (i + 1) as f64).ln();
        let rel = (term - first).exp();
        sum += rel;
        if rel < 1e-12 {
            break;
        }
        i += 1;
    }
    (first + sum.ln()) / std::f64::consts::LN_10
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// Marks the spikes of one series of counts per bucket.
pub fn find_in_counts(counts: &[u64], opts: &SpikeOptions) -> Vec<SpikeRange> {
    let mut history: VecDeque<f64> = VecDeque::with_capacity(opts.baseline_buckets + 1);
    let mut out: Vec<SpikeRange> = Vec::new();
    let mut run = 0usize;
    let mut scratch: Vec<f64> = Vec::with_capacity(opts.baseline_buckets);
    for (i, &c) in counts.iter().enumerate() {
        let x = c as f64;
        let mut flagged = None;
        if history.len() >= opts.min_history {
            scratch.clear();
            scratch.extend(history.iter().copied());
            scratch.sort_by(f64::total_cmp);
            let m = median(&scratch);
            for v in scratch.iter_mut() {
                *v = (*v - m).abs();
            }
            scratch.sort_by(f64::total_cmp);
            let mad = median(&scratch);
            let sigma = (1.4826 * mad).max(m.max(1.0).sqrt());
            let score = (x - m) / sigma;
            if x - m >= opts.min_excess
                && score >= opts.min_score
                && poisson_tail_log10(c, m.max(MIN_RATE)) <= opts.max_log10_p
            {
                flagged = Some((score, m));
            }
        }
        match flagged {
            Some((score, m)) => {
                run += 1;
                match out.last_mut() {
                    Some(r) if r.last + 2 >= i => {
                        r.last = i;
                        r.score = r.score.max(score);
                        r.peak = r.peak.max(c);
                    }
                    _ => out.push(SpikeRange {
                        first: i,
                        last: i,
                        score,
                        peak: c,
                        baseline: m,
                    }),
                }
            }
            None => run = 0,
        }
        if flagged.is_none() || run > 2 * opts.baseline_buckets {
            history.push_back(x);
            if history.len() > opts.baseline_buckets {
                history.pop_front();
            }
        }
    }
    out
}

/// What a series counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesKind {
    /// Events at error level or worse.
    Errors,
    /// One message shape of one source.
    Template,
}

/// One spike, in time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spike {
    pub kind: SeriesKind,
    /// `errors`, or the message shape.
    pub series: String,
    /// The source, or null for all sources together.
    pub path: Option<String>,
    pub source: Option<SourceId>,
    pub from: String,
    pub to: String,
    pub from_ns: i64,
    pub to_ns: i64,
    pub score: f64,
    /// Most events in one bucket of the range.
    pub peak_count: u64,
    /// Events per bucket before the range.
    pub baseline_per_bucket: f64,
}

/// All spikes found, strongest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpikeReport {
    pub bucket_s: f64,
    pub start: Option<String>,
    pub spikes: Vec<Spike>,
}

/// A round bucket width giving about [`TARGET_BUCKETS`] buckets over `span_ns`.
pub fn bucket_width(span_ns: i64) -> i64 {
    const STEPS_S: [i64; 18] = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400, 604800,
    ];
    let want = span_ns / TARGET_BUCKETS;
    STEPS_S
        .iter()
        .map(|s| s * NANOS_PER_SEC)
        .find(|w| *w >= want)
        .unwrap_or(604800 * NANOS_PER_SEC)
}

/// A series: what it counts, the source (none: all sources), and its name.
pub type Series = (SeriesKind, Option<SourceId>, String);

/// Finds spikes in the error series (all sources and each source) and in each source's most common
/// message shapes.
pub fn find_spikes(sources: &[SourceData], offsets: &Offsets, opts: &SpikeOptions) -> SpikeReport {
    find_spikes_with(sources, offsets, opts, &shape_key)
}

/// Like [`find_spikes`], with the message group of each event named by `group` (the pattern miner's
/// templates, say: [`super::shape::template_key`]).
pub fn find_spikes_with(
    sources: &[SourceData],
    offsets: &Offsets,
    opts: &SpikeOptions,
    group: &GroupKey<'_>,
) -> SpikeReport {
    let Some(grid) = SpikeGrid::over(sources_span(sources, offsets), opts) else {
        return SpikeReport::empty();
    };
    let names: Vec<String> = sources.iter().map(|s| s.info.name.clone()).collect();
    let counts = spike_counts(&Part::whole(sources, offsets), &grid, group);
    merge_spikes(&grid, &names, vec![counts], opts)
}

/// The buckets every series is counted in: `buckets` of `bucket_ns` from `start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpikeGrid {
    pub start: i64,
    pub bucket_ns: i64,
    pub buckets: usize,
}

impl SpikeGrid {
    /// The grid over the case's adjusted span `[first, last]` (see [`super::adjusted_span`]).
    pub fn over(span: Option<(i64, i64)>, opts: &SpikeOptions) -> Option<SpikeGrid> {
        let (first, last) = span?;
        // A width asked for is widened when it would make more than MAX_BUCKETS buckets.
        let bucket_ns = opts
            .bucket_ns
            .filter(|b| *b > 0)
            .unwrap_or_else(|| bucket_width(last - first))
            .max((last - first) / MAX_BUCKETS + 1);
        let start = first.div_euclid(bucket_ns) * bucket_ns;
        let buckets = ((last - start) / bucket_ns + 1) as usize;
        Some(SpikeGrid {
            start,
            bucket_ns,
            buckets,
        })
    }
}

impl SpikeReport {
    /// The report of a case without timed events.
    pub fn empty() -> Self {
        SpikeReport {
            bucket_s: 0.0,
            start: None,
            spikes: Vec::new(),
        }
    }
}

/// One part's series on the grid: errors over its sources together (summed over parts), and per
/// source (case-wide) its errors and its most common message groups.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SpikeCounts {
    pub errors: Vec<u64>,
    pub series: Vec<(Series, Vec<u64>)>,
}

/// Counts one part's events on `grid`; `group` is called with the part's own source index.
pub fn spike_counts(part: &Part<'_>, grid: &SpikeGrid, group: &GroupKey<'_>) -> SpikeCounts {
    let SpikeGrid {
        start,
        bucket_ns,
        buckets,
    } = *grid;
    let mut errors = vec![0u64; buckets];
    let mut series: HashMap<Series, Vec<u64>> = HashMap::new();
    for (s, source) in part.sources.iter().enumerate() {
        let local = s as SourceId;
        let sid = part.id(local);
        let offset = part.offset(local);
        let mut shapes: HashMap<Cow<'_, str>, Vec<u64>> = HashMap::new();
        for (e, &raw) in source.ts_column().iter().enumerate() {
            if raw == NO_TIME {
                continue;
            }
            let b = ((raw.saturating_sub(offset) - start) / bucket_ns) as usize;
            if source.level(e) >= Level::Error {
                if let Some(c) = errors.get_mut(b) {
                    *c += 1;
                }
                let v = series
                    .entry((SeriesKind::Errors, Some(sid), "errors".into()))
                    .or_insert_with(|| vec![0; buckets]);
                if let Some(c) = v.get_mut(b) {
                    *c += 1;
                }
            }
            if let Some(shape) = group(local, source, e) {
                if shapes.len() < MAX_SHAPES_PER_SOURCE || shapes.contains_key(&shape) {
                    if let Some(c) = shapes
                        .entry(shape)
                        .or_insert_with(|| vec![0; buckets])
                        .get_mut(b)
                    {
                        *c += 1;
                    }
                }
            }
        }
        let mut common: Vec<(u64, Cow<'_, str>, Vec<u64>)> = shapes
            .into_iter()
            .map(|(k, v)| (v.iter().sum(), k, v))
            .collect();
        common.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        for (_, shape, counts) in common.into_iter().take(SHAPES_PER_SOURCE) {
            series.insert(
                (SeriesKind::Template, Some(sid), shape.into_owned()),
                counts,
            );
        }
    }
    let mut series: Vec<(Series, Vec<u64>)> = series.into_iter().collect();
    series.sort_by(|a, b| a.0.cmp(&b.0));
    SpikeCounts { errors, series }
}

/// The spikes of every part's series (`names`: the case's sources, index = case-wide id).
pub fn merge_spikes(
    grid: &SpikeGrid,
    names: &[String],
    parts: Vec<SpikeCounts>,
    opts: &SpikeOptions,
) -> SpikeReport {
    let SpikeGrid {
        start, bucket_ns, ..
    } = *grid;
    let mut overall: Option<Vec<u64>> = None;
    let mut series: HashMap<Series, Vec<u64>> = HashMap::new();
    for part in parts {
        if part.errors.iter().any(|c| *c > 0) {
            match overall.as_mut() {
                Some(sum) => {
                    for (t, c) in sum.iter_mut().zip(&part.errors) {
                        *t += c;
                    }
                }
                None => overall = Some(part.errors),
            }
        }
        series.extend(part.series);
    }
    // A source's error series that is the whole error series (one source logs all errors) adds
    // nothing: keep only the overall one.
    series.retain(|(kind, source, _), counts| {
        !(*kind == SeriesKind::Errors && source.is_some() && Some(&*counts) == overall.as_ref())
    });
    if let Some(o) = overall {
        series.insert((SeriesKind::Errors, None, "errors".into()), o);
    }
    let mut keys: Vec<&Series> = series.keys().collect();
    keys.sort();
    let mut spikes = Vec::new();
    for key in keys {
        let (kind, source, name) = key;
        for r in find_in_counts(&series[key], opts) {
            let from_ns = start + r.first as i64 * bucket_ns;
            let to_ns = start + (r.last as i64 + 1) * bucket_ns;
            spikes.push(Spike {
                kind: *kind,
                series: name.clone(),
                path: source.map(|s| names.get(s as usize).cloned().unwrap_or_default()),
                source: *source,
                from: format_rfc3339(from_ns),
                to: format_rfc3339(to_ns),
                from_ns,
                to_ns,
                score: (r.score * 100.0).round() / 100.0,
                peak_count: r.peak,
                baseline_per_bucket: r.baseline,
            });
        }
    }
    spikes.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.from_ns.cmp(&b.from_ns))
            .then(a.kind.cmp(&b.kind))
            .then(a.source.cmp(&b.source))
    });
    SpikeReport {
        bucket_s: bucket_ns as f64 / NANOS_PER_SEC as f64,
        start: Some(format_rfc3339(start)),
        spikes,
    }
}

/// The strongest spike of errors over all sources, else the strongest spike of any series.
pub fn strongest(report: &SpikeReport) -> Option<&Spike> {
    report
        .spikes
        .iter()
        .find(|s| s.kind == SeriesKind::Errors && s.source.is_none())
        .or_else(|| report.spikes.first())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};

    #[test]
    fn a_burst_over_a_noisy_baseline_is_one_range_and_noise_is_not() {
        // Baseline 5 ± 2, a burst of 40s from bucket 50 to 59 (one dip inside), then normal again.
        let mut counts: Vec<u64> = (0..100).map(|i| 5 + (i * 7 % 5) as u64 - 2).collect();
        for c in counts.iter_mut().take(60).skip(50) {
            *c = 40;
        }
        counts[55] = 6;
        let found = find_in_counts(&counts, &SpikeOptions::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].first, found[0].last), (50, 59));
        assert_eq!(found[0].peak, 40);
        assert!(found[0].baseline >= 3.0 && found[0].baseline <= 7.0);
        // A lone event or three where there were none are not a spike; eight are.
        let mut quiet = vec![0u64; 40];
        quiet[20] = 1;
        quiet[25] = 3;
        assert!(find_in_counts(&quiet, &SpikeOptions::default()).is_empty());
        quiet[30] = 8;
        let found = find_in_counts(&quiet, &SpikeOptions::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].first, 30);
    }

    #[test]
    fn poisson_tails_match_known_values() {
        // log10 P(X ≥ k | λ): (8, 2) → −2.960; (40, 5) → −22.068; (100, 50) → −9.495;
        // (6, 0.25) → −6.563.
        assert!((poisson_tail_log10(8, 2.0) + 2.960).abs() < 0.01);
        assert!((poisson_tail_log10(40, 5.0) + 22.068).abs() < 0.01);
        assert!((poisson_tail_log10(100, 50.0) + 9.495).abs() < 0.01);
        assert!((poisson_tail_log10(6, 0.25) + 6.563).abs() < 0.01);
        assert_eq!(poisson_tail_log10(1, 1.0), 0.0);
    }

    #[test]
    fn a_long_incident_stays_marked() {
        let mut counts = vec![2u64; 200];
        for c in counts.iter_mut().take(120).skip(80) {
            *c = 30;
        }
        let found = find_in_counts(&counts, &SpikeOptions::default());
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].first, found[0].last), (80, 119));
    }

    #[test]
    fn error_spike_found_in_sources() {
        let mut text = String::new();
        for m in 0..120 {
            for s in (0..60).step_by(5) {
                let level = if (60..70).contains(&m) {
                    "ERROR"
                } else {
                    "INFO"
                };
                text.push_str(&format!(
                    "2026-07-03T{:02}:{:02}:{s:02}Z {level} request done\n",
                    9 + m / 60,
                    m % 60
                ));
            }
        }
        let sources = vec![ingest_bytes(
            "a.log",
            text.as_bytes(),
            IngestOptions::default(),
        )];
        let report = find_spikes(&sources, &Offsets::zero(1), &SpikeOptions::default());
        assert_eq!(report.bucket_s, 30.0);
        let top = strongest(&report).expect("a spike");
        assert_eq!(top.kind, SeriesKind::Errors);
        assert_eq!(top.path, None);
        // With one source, its own error series is the overall one and is not repeated.
        assert_eq!(
            report
                .spikes
                .iter()
                .filter(|s| s.kind == SeriesKind::Errors)
                .count(),
            1
        );
        assert_eq!(top.from, "2026-07-03T10:00:00Z");
        assert_eq!(top.to, "2026-07-03T10:10:00Z");
    }
}
