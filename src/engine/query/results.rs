//! What a query answers: the matching events in timeline order, counts, a histogram and facets.
//!
//! Everything here is computed from [`Matches`] (one bitset per source) plus the store's columns, and
//! is a serde type so a worker can send it to the UI as is. Results of several shards merge: match
//! positions by the timeline, counts and histogram buckets by adding (shards share the bucket grid, as
//! it comes from the case's span, not from the shard's), facet counts by adding per value.

use rustc_hash::FxHashMap;

use serde::{Deserialize, Serialize};

use super::eval::EventSet;
use crate::engine::fields::FieldReader;
use crate::engine::level::Level;
use crate::engine::store::{SourceData, SourceId, NO_TIME};
use crate::engine::timeline::{EventId, Timeline};

/// The events a query matched: one set per source, in the order of the sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matches {
    pub sets: Vec<EventSet>,
}

impl Matches {
    /// Matches over every event of every source (the empty query).
    pub fn all(sources: &[SourceData]) -> Self {
        Matches {
            sets: sources.iter().map(|s| EventSet::full(0..s.len())).collect(),
        }
    }

    pub fn count(&self) -> u64 {
        self.sets.iter().map(|s| s.count() as u64).sum()
    }

    /// Matches per source, in the order of the sources.
    pub fn count_by_source(&self) -> Vec<u64> {
        self.sets.iter().map(|s| s.count() as u64).collect()
    }

    pub fn contains(&self, id: EventId) -> bool {
        self.sets
            .get(id.source as usize)
            .is_some_and(|s| s.contains(id.event as usize))
    }

    /// Timeline positions of all matches, oldest first. No match, or every event (the empty
    /// filter), needs no walk over the timeline (a few hundred ms per shard of the 1 GB set in wasm).
    pub fn positions(&self, timeline: &Timeline) -> Vec<u32> {
        let count = self.count();
        if count == 0 {
            return Vec::new();
        }
        // Each event is once in the timeline and matches are events, so as many matches as
        // timeline positions are all of them.
        if count == timeline.len() as u64 {
            return (0..timeline.len() as u32).collect();
        }
        (0..timeline.len())
            .filter(|&p| timeline.get(p, false).is_some_and(|id| self.contains(id)))
            .map(|p| p as u32)
            .collect()
    }

    /// Up to `take` timeline positions of matches, skipping the first `skip` matches, from the oldest
    /// (or from the newest when `newest_first`; positions are then in descending order).
    pub fn page(
        &self,
        timeline: &Timeline,
        skip: usize,
        take: usize,
        newest_first: bool,
    ) -> Vec<u32> {
        // No match needs no walk over the timeline (a rare word's first page right after a load).
        if take == 0 || self.count() as usize <= skip {
            return Vec::new();
        }
        let ordered: Box<dyn Iterator<Item = usize>> = if newest_first {
            Box::new((0..timeline.len()).rev())
        } else {
            Box::new(0..timeline.len())
        };
        ordered
            .filter(|&p| timeline.get(p, false).is_some_and(|id| self.contains(id)))
            .skip(skip)
            .take(take)
            .map(|p| p as u32)
            .collect()
    }
}

/// One match as a shard reports it. Ordering keys compare exactly as the merged timeline orders
/// events (time, with an untimed event taking the time of the timed event before it in its source;
/// then source; then position in the source), so pages from several shards merge by sorting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MatchKey {
    /// The event's sort time, ns since the epoch (`i64::MIN` when its source has no times at all).
    pub time: i64,
    /// The source's id in the whole case (a shard adds its first source's id).
    pub source: SourceId,
    pub event: u32,
}

/// The sort time of `event` in `source`, as the timeline sorts it.
pub fn sort_time(source: &SourceData, event: usize) -> i64 {
    let ts = source.ts_column();
    ts[..=event.min(ts.len().saturating_sub(1))]
        .iter()
        .rev()
        .chain(ts.iter())
        .copied()
        .find(|t| *t != NO_TIME)
        .unwrap_or(NO_TIME)
}

impl Matches {
    /// A page of matches as keys: `skip` and `take` as in [`Matches::page`], over this shard's own
    /// `timeline` of `sources`, whose ids in the case start at `first_source`.
    pub fn page_keys(
        &self,
        sources: &[SourceData],
        timeline: &Timeline,
        first_source: SourceId,
        skip: usize,
        take: usize,
        newest_first: bool,
    ) -> Vec<MatchKey> {
        self.page(timeline, skip, take, newest_first)
            .into_iter()
            .filter_map(|p| timeline.get(p as usize, false))
            .map(|id| MatchKey {
                time: sort_time(&sources[id.source as usize], id.event as usize),
                source: first_source + id.source,
                event: id.event,
            })
            .collect()
    }
}

/// Merges the first pages of several shards into the first `take` matches of the whole case.
pub fn merge_pages(pages: Vec<Vec<MatchKey>>, take: usize, newest_first: bool) -> Vec<MatchKey> {
    let mut all: Vec<MatchKey> = pages.into_iter().flatten().collect();
    all.sort_unstable();
    if newest_first {
        all.reverse();
    }
    all.truncate(take);
    all
}

/// What the bars of a histogram are split by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StackBy {
    Level,
    Source,
}

/// Matching events per time bucket, each bucket split by level or by source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// Start of the first bucket, ns since the epoch (a multiple of `bucket_ns`).
    pub start_ns: i64,
    /// Width of every bucket, a round duration (1 s, 5 s, 1 min, 15 min, 1 h, ...).
    pub bucket_ns: i64,
    pub stack_by: StackBy,
    /// Names of the stacked series: level names (`none` .. `critical`) or source names.
    pub keys: Vec<String>,
    /// `counts[bucket][key]`.
    pub counts: Vec<Vec<u64>>,
    /// Matches outside the buckets' span or without any time.
    pub outside: u64,
}

const DAY_NS: i64 = 86_400_000_000_000;

const NICE_STEPS_NS: &[i64] = &[
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    2_000_000_000,
    5_000_000_000,
    10_000_000_000,
    15_000_000_000,
    30_000_000_000,
    60_000_000_000,
    120_000_000_000,
    300_000_000_000,
    600_000_000_000,
    900_000_000_000,
    1_800_000_000_000,
    3_600_000_000_000,
    7_200_000_000_000,
    10_800_000_000_000,
    21_600_000_000_000,
    43_200_000_000_000,
    86_400_000_000_000,
];

/// The smallest round width that covers `from..to` in at most `buckets` buckets.
pub fn bucket_width(from: i64, to: i64, buckets: usize) -> i64 {
    let span = (to - from).max(1);
    let n = buckets.max(1) as i64;
    let want = (span + n - 1) / n;
    NICE_STEPS_NS
        .iter()
        .copied()
        .find(|s| *s >= want)
        .unwrap_or_else(|| (want + DAY_NS - 1) / DAY_NS * DAY_NS)
}

impl Histogram {
    /// An empty grid of at most `buckets` round buckets covering `from..=to`.
    pub fn grid(from: i64, to: i64, buckets: usize, stack_by: StackBy, keys: Vec<String>) -> Self {
        let bucket_ns = bucket_width(from, to.saturating_add(1), buckets);
        let start_ns = from.div_euclid(bucket_ns) * bucket_ns;
        let n = ((to - start_ns).div_euclid(bucket_ns) + 1).max(1) as usize;
        Histogram {
            start_ns,
            bucket_ns,
            stack_by,
            counts: vec![vec![0; keys.len()]; n],
            keys,
            outside: 0,
        }
    }

    /// Counts the matches of `sources` (whose ids are `first_source..`) into the grid.
    pub fn add(&mut self, sources: &[SourceData], first_source: SourceId, matches: &Matches) {
        for (i, (source, set)) in sources.iter().zip(&matches.sets).enumerate() {
            let ts = source.ts_column();
            let levels = source.level_column();
            let key_of_source = first_source as usize + i;
            for e in set.iter() {
                let t = ts[e];
                let key = match self.stack_by {
                    StackBy::Level => levels[e] as usize,
                    StackBy::Source => key_of_source,
                };
                let bucket = if t == NO_TIME || t < self.start_ns {
                    None
                } else {
                    Some(((t - self.start_ns) / self.bucket_ns) as usize)
                };
                match bucket
                    .and_then(|b| self.counts.get_mut(b))
                    .and_then(|row| row.get_mut(key))
                {
                    Some(c) => *c += 1,
                    None => self.outside += 1,
                }
            }
        }
    }

    /// Adds another shard's counts over the same grid.
    pub fn merge(&mut self, other: &Histogram) {
        for (row, other_row) in self.counts.iter_mut().zip(&other.counts) {
            for (c, o) in row.iter_mut().zip(other_row) {
                *c += o;
            }
        }
        self.outside += other.outside;
    }
}

/// The histogram of `matches` over the case's span in at most `buckets` buckets.
pub fn histogram(
    sources: &[SourceData],
    matches: &Matches,
    buckets: usize,
    stack_by: StackBy,
) -> Histogram {
    let from = sources
        .iter()
        .filter_map(|s| s.info.first_ts)
        .min()
        .unwrap_or(0);
    let to = sources
        .iter()
        .filter_map(|s| s.info.last_ts)
        .max()
        .unwrap_or(from);
    let keys = match stack_by {
        StackBy::Level => Level::ALL.iter().map(|l| l.as_str().to_string()).collect(),
        StackBy::Source => sources.iter().map(|s| s.info.name.clone()).collect(),
    };
    let mut h = Histogram::grid(from, to, buckets, stack_by, keys);
    h.add(sources, 0, matches);
    h
}

/// One value of a field and how many matching events have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

/// The spread of a numeric field's values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    pub count: u64,
    pub min: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

/// A field's top values among the matches (and its distribution when its values are numbers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facet {
    pub field: String,
    /// Examined events that have the field.
    pub events: u64,
    /// Distinct values seen (at most [`MAX_DISTINCT`]; `distinct_capped` says when more were seen).
    pub distinct: u64,
    pub distinct_capped: bool,
    /// Most frequent values first (ties by value).
    pub top: Vec<FacetValue>,
    pub numeric: Option<Distribution>,
}

/// Facets of a query's matches. `level` and `source` are counted over every match; extracted fields
/// over an evenly spread sample of at most `examined` matches (all of them when there are few).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facets {
    pub matched: u64,
    pub examined: u64,
    pub facets: Vec<Facet>,
}

/// Distinct values kept per field while counting.
pub const MAX_DISTINCT: usize = 10_000;

#[derive(Default)]
struct FieldTally {
    events: u64,
    values: FxHashMap<String, u64>,
    capped: bool,
    numbers: Vec<f64>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

impl FieldTally {
    fn add(&mut self, value: &str) {
        self.events += 1;
        let number_like = value
            .trim_start()
            .bytes()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.'));
        if number_like {
            if let Ok(n) = value.trim().parse::<f64>() {
                if n.is_finite() {
                    self.numbers.push(n);
                }
            }
        }
        if let Some(c) = self.values.get_mut(value) {
            *c += 1;
        } else if self.values.len() < MAX_DISTINCT {
            self.values.insert(value.to_string(), 1);
        } else {
            self.capped = true;
        }
    }

    fn into_facet(self, field: String, top: usize) -> Facet {
        let distinct = self.values.len() as u64;
        let mut values: Vec<FacetValue> = self
            .values
            .into_iter()
            .map(|(value, count)| FacetValue { value, count })
            .collect();
        values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        values.truncate(top);
        let mut numbers = self.numbers;
        // Numeric when nearly every value reads as a number.
        let numeric =
            (numbers.len() as u64 * 10 >= self.events * 9 && !numbers.is_empty()).then(|| {
                numbers.sort_by(|a, b| a.total_cmp(b));
                Distribution {
                    count: numbers.len() as u64,
                    min: numbers[0],
                    p50: percentile(&numbers, 0.5),
                    p90: percentile(&numbers, 0.9),
                    p99: percentile(&numbers, 0.99),
                    max: numbers[numbers.len() - 1],
                }
            });
        Facet {
            field,
            events: self.events,
            distinct,
            distinct_capped: self.capped,
            top: values,
            numeric,
        }
    }
}

/// Names a query reads as the event's level or file rather than as an extracted field.
fn is_pseudo_field(name: &str) -> bool {
    ["level", "source", "file"]
        .iter()
        .any(|p| name.eq_ignore_ascii_case(p))
}

/// Facets of `matches`: `level`, `source`, then every extracted field (by name), each with its `top`
/// values, extracted fields from at most `sample` matches.
pub fn facets(sources: &[SourceData], matches: &Matches, top: usize, sample: usize) -> Facets {
    let mut tally = FacetTally::new(matches, sample);
    while !tally.step(sources, matches, usize::MAX) {}
    tally.finish(top)
}

/// The work of reading one match's fields for [`FacetTally::step`], in units of counting a match.
pub const EXAMINED_WORK: usize = 32;

/// [`facets`] worked out in steps (a worker answering other requests between two): the same
/// counts and the same sampled matches, whatever the steps.
pub struct FacetTally {
    matched: u64,
    step: usize,
    level: FieldTally,
    source: FieldTally,
    fields: FxHashMap<String, FieldTally>,
    examined: u64,
    seen: usize,
    /// The source being tallied and its first event not tallied yet.
    at: (usize, usize),
    by_level: [u64; 8],
}

impl FacetTally {
    /// Nothing tallied yet of `matches`, whose fields are read from at most `sample` of them.
    pub fn new(matches: &Matches, sample: usize) -> Self {
        let matched = matches.count();
        FacetTally {
            matched,
            step: (matched as usize).div_ceil(sample.max(1)).max(1),
            level: FieldTally::default(),
            source: FieldTally::default(),
            fields: FxHashMap::default(),
            examined: 0,
            seen: 0,
            at: (0, 0),
            by_level: [0; 8],
        }
    }

    /// Tallies more matches, about `work` units of work (a match counts one, and one whose fields
    /// are read [`EXAMINED_WORK`] more); returns whether every match is tallied.
    pub fn step(&mut self, sources: &[SourceData], matches: &Matches, work: usize) -> bool {
        let mut budget = work.max(1);
        while let (Some(s), Some(set)) = (sources.get(self.at.0), matches.sets.get(self.at.0)) {
            let reader = FieldReader::for_source(s);
            let levels = s.level_column();
            let mut next = set.next_from(self.at.1);
            while let Some(e) = next {
                if budget == 0 {
                    self.at.1 = e;
                    return false;
                }
                budget -= 1;
                self.by_level[levels[e] as usize & 7] += 1;
                if self.seen.is_multiple_of(self.step) {
                    budget = budget.saturating_sub(EXAMINED_WORK);
                    self.examined += 1;
                    let fields = &mut self.fields;
                    reader.for_each(s.text(e), &mut |key, value| {
                        // `level` and `source` in a query mean the event's level and file, whatever
                        // the text calls so: an extracted field of that name is no facet of its own.
                        if let Some(tally) = fields.get_mut(key) {
                            tally.add(&value);
                        } else if !is_pseudo_field(key) {
                            fields.entry(key.to_string()).or_default().add(&value);
                        }
                        true
                    });
                }
                self.seen += 1;
                next = set.next_from(e + 1);
            }
            for (l, c) in self.by_level.iter().enumerate().filter(|(_, c)| **c > 0) {
                self.level.events += c;
                // Summed over sources (each source adds its own counts of a level).
                *self
                    .level
                    .values
                    .entry(Level::from_u8(l as u8).as_str().to_string())
                    .or_default() += c;
            }
            self.by_level = [0; 8];
            let n = set.count() as u64;
            if n > 0 {
                self.source.events += n;
                *self.source.values.entry(s.info.name.clone()).or_default() += n;
            }
            self.at = (self.at.0 + 1, 0);
        }
        true
    }

    /// The facets, with `top` values per field.
    pub fn finish(mut self, top: usize) -> Facets {
        let mut out = vec![
            self.level.into_facet("level".into(), top),
            self.source.into_facet("source".into(), top),
        ];
        for f in &mut out {
            f.numeric = None;
        }
        let mut names: Vec<String> = self.fields.keys().cloned().collect();
        names.sort();
        for name in names {
            if let Some(t) = self.fields.remove(&name) {
                out.push(t.into_facet(name, top));
            }
        }
        Facets {
            matched: self.matched,
            examined: self.examined,
            facets: out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_pages_merge_into_the_timeline_order() {
        use crate::engine::ingest::{ingest_bytes, IngestOptions};
        let a = ingest_bytes(
            "a.log",
            b"2026-07-03 09:00:00 INFO a1\n2026-07-03 09:00:02 ERROR a2\nuntimed tail\n2026-07-03 09:00:04 ERROR a3\n",
            IngestOptions::default(),
        );
        let b = ingest_bytes(
            "b.log",
            b"2026-07-03 09:00:02 ERROR b1\n2026-07-03 09:00:03 ERROR b2\n",
            IngestOptions::default(),
        );
        let whole = vec![a.clone(), b.clone()];
        let timeline = Timeline::build(&whole);
        let everything = Matches::all(&whole);
        let expected: Vec<MatchKey> = everything
            .page(&timeline, 0, 10, false)
            .into_iter()
            .map(|p| {
                let id = timeline.get(p as usize, false).unwrap();
                MatchKey {
                    time: sort_time(&whole[id.source as usize], id.event as usize),
                    source: id.source,
                    event: id.event,
                }
            })
            .collect();
        let shard_a = vec![a];
        let shard_b = vec![b];
        let pages = vec![
            Matches::all(&shard_a).page_keys(&shard_a, &Timeline::build(&shard_a), 0, 0, 3, false),
            Matches::all(&shard_b).page_keys(&shard_b, &Timeline::build(&shard_b), 1, 0, 3, false),
        ];
        let merged = merge_pages(pages, 3, false);
        assert_eq!(merged, expected[..3]);
        assert_eq!(
            merged[1],
            MatchKey {
                time: merged[1].time,
                source: 0,
                event: 1
            }
        );
        assert_eq!(merged[2].source, 1, "ties go to the lower source id");
    }

    #[test]
    fn level_facet_counts_equal_level_query_counts_on_the_demo() {
        use crate::engine::demo::{generate, DEMO_SEED};
        use crate::engine::ingest::{ingest_bytes, IngestOptions};
        use crate::engine::query::{Query, QueryContext};
        use crate::engine::time::Zone;
        let sources: Vec<SourceData> = generate(DEMO_SEED)
            .into_iter()
            .map(|f| {
                let options = IngestOptions {
                    modified_ns: Some(f.modified_ns),
                    ..Default::default()
                };
                ingest_bytes(f.name, &f.bytes, options)
            })
            .collect();
        let cx = QueryContext::for_sources(&sources, Zone::Utc);
        let all = Matches::all(&sources);
        let found = facets(&sources, &all, Level::ALL.len(), 20_000);
        let level_facets: Vec<&Facet> =
            found.facets.iter().filter(|f| f.field == "level").collect();
        assert_eq!(level_facets.len(), 1, "one level facet: {level_facets:?}");
        assert_eq!(level_facets[0].events, all.count());
        let mut checked = 0;
        for level in Level::ALL {
            let query = Query::new(&format!("level={}", level.as_str()), &cx);
            let count = query.run_all(&sources).count();
            let in_facet = level_facets[0]
                .top
                .iter()
                .find(|v| v.value == level.as_str())
                .map_or(0, |v| v.count);
            assert_eq!(in_facet, count, "level {}", level.as_str());
            checked += u64::from(count > 0);
        }
        assert!(checked >= 3, "the demo has several levels");
    }

    #[test]
    fn bucket_widths_are_round() {
        assert_eq!(bucket_width(0, 4 * 3_600_000_000_000, 100), 300_000_000_000);
        assert_eq!(bucket_width(0, 10_000_000_000, 10), 1_000_000_000);
        let h = Histogram::grid(
            1_500_000_000,
            9_500_000_000,
            10,
            StackBy::Level,
            vec!["a".into()],
        );
        assert_eq!(h.start_ns, 1_000_000_000);
        assert_eq!(h.counts.len(), 9);
    }

    #[test]
    fn facets_tallied_in_steps_equal_facets_tallied_at_once() {
        use crate::engine::ingest::{ingest_bytes, IngestOptions};
        let mut json = String::new();
        let mut text = String::new();
        for i in 0..500 {
            let level = ["info", "warn", "error"][i % 3];
            json.push_str(&format!(
                "{{\"ts\":\"2026-07-03T09:00:{:02}Z\",\"level\":\"{level}\",\"status\":{},\"id\":\"r{i}\"}}\n",
                i % 60,
                [200, 502, 404][i % 3]
            ));
            text.push_str(&format!(
                "2026-07-03 09:00:{:02} INFO took={}\n",
                i % 60,
                i % 7
            ));
        }
        let sources = vec![
            ingest_bytes("a.jsonl", json.as_bytes(), IngestOptions::default()),
            ingest_bytes("b.log", text.as_bytes(), IngestOptions::default()),
        ];
        let mut matches = Matches::all(&sources);
        // Every third event of the first source does not match.
        for e in (0..sources[0].len()).step_by(3) {
            matches.sets[0].remove(e);
        }
        for sample in [10, 1000] {
            let whole = facets(&sources, &matches, 5, sample);
            assert!(whole.examined > 0);
            for work in [1, 7, 333] {
                let mut tally = FacetTally::new(&matches, sample);
                let mut steps = 0;
                while !tally.step(&sources, &matches, work) {
                    steps += 1;
                }
                assert!(steps > 1);
                assert_eq!(tally.finish(5), whole, "sample {sample}, steps of {work}");
            }
        }
    }
}
