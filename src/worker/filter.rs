//! The filter over a case: evaluates a [`FilterSpec`] once, keeps its matches in list order, and answers
//! what the UI asks about them (pages of marked rows, one event's details, the histogram, the facets).
//!
//! The evaluation is cached by the filter's text and time range and by the case's size, so paging
//! through results, flipping the order or opening details costs no second evaluation. Nothing here
//! touches the browser: the worker's message handling lives in [`super::query`].

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use super::case::Case;
use crate::engine::fields::FieldReader;
use crate::engine::index::SourceIndex;
use crate::engine::level::Level;
use crate::engine::patterns::fields::placeholder_facets;
use crate::engine::patterns::SourcePatterns;
use crate::engine::query::{
    facets, Facets, Histogram, Matches, Plan, Query, QueryContext, SourceView, StackBy,
};
use crate::engine::store::{SourceData, NO_TIME};
use crate::engine::time::{format_rfc3339, Zone};
use crate::engine::timeline::Timeline;
use crate::protocol::query::{
    EventDetails, FilterSpec, MarkedRow, TimeRange, DETAILS_TEXT_MAX_BYTES,
};
use crate::protocol::{Row, ROW_TEXT_MAX_BYTES};

/// Bars of the histogram at most (buckets are round durations, so usually 100-200).
pub const HISTOGRAM_BARS: usize = 200;
/// Extracted fields shown as facets (besides level and source), the most common first.
pub const FACET_FIELDS: usize = 10;
/// Values shown per facet.
pub const FACET_VALUES: usize = 8;
/// Matches examined for the facets of extracted fields.
pub const FACET_SAMPLE: usize = 20_000;

/// A case as the filter sees it: its sources, their indexes and the merged timeline.
pub struct CaseView<'a> {
    pub sources: &'a [SourceData],
    pub indexes: &'a [SourceIndex],
    pub timeline: &'a Timeline,
    /// Clock offsets applied to the timeline (ns per source): they change its order.
    pub offsets: &'a [i64],
    pub zone: Zone,
    /// The mined patterns of the sources (parallel to `sources`; fewer while mining): their
    /// placeholders are fields (`tpl.num1`) of the query language and the facets.
    pub patterns: &'a [SourcePatterns],
    /// The whole case's first and last instants when the view is one shard of it (else they are
    /// read from `sources`), so relative times such as `last 15m` mean the same on every shard.
    pub case_span: Option<(Option<i64>, Option<i64>)>,
}

/// What identifies a case's content: more sources or events, or other clock offsets, mean a new
/// evaluation.
pub type CaseKey = (usize, usize, Vec<i64>);

impl<'a> CaseView<'a> {
    /// What a filter typed in the display zone named `zone` sees of `case`, whose sources `indexes`
    /// and `patterns` belong to.
    pub fn of_case(
        case: &'a Case,
        indexes: &'a [SourceIndex],
        patterns: &'a [SourcePatterns],
        zone: &str,
    ) -> Self {
        CaseView {
            sources: case.sources(),
            indexes,
            timeline: case.timeline(),
            offsets: case.offsets().as_ns(),
            zone: super::zone_named(zone),
            patterns,
            case_span: None,
        }
    }
}

impl CaseView<'_> {
    pub fn key(&self) -> CaseKey {
        (
            self.sources.len(),
            self.timeline.len(),
            self.offsets.to_vec(),
        )
    }

    pub fn views(&self) -> Vec<SourceView<'_>> {
        self.sources
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let view = SourceView::new(s, self.indexes.get(i));
                match self.patterns.get(i) {
                    Some(p) => view.with_derived(p),
                    None => view,
                }
            })
            .collect()
    }

    fn context(&self) -> QueryContext {
        match self.case_span {
            Some((data_first, data_last)) => QueryContext {
                zone: self.zone.clone(),
                data_first,
                data_last,
            },
            None => QueryContext::for_sources(self.sources, self.zone.clone()),
        }
    }
}

/// Builds the token index of every source.
pub fn build_indexes(sources: &[SourceData]) -> Vec<SourceIndex> {
    sources
        .iter()
        .map(|s| SourceIndex::build(s, 0..s.len()))
        .collect()
}

/// A compiled filter: the query with the time range folded in.
pub struct CompiledFilter {
    pub query: Rc<Query>,
}

/// What a compiled filter is for: the filter, the case it was compiled on and its count of
/// sources with patterns (placeholder fields).
type CompiledKey = ((String, Option<TimeRange>, String), CaseKey, usize);

thread_local! {
    /// The last filter compiled, so the count's evaluation finds the whole-case matches its first
    /// page evaluated already ([`Query::run_kept`]): the first page and the count of one query are
    /// asked for separately, each compiling the filter.
    static LAST_COMPILED: RefCell<Option<(CompiledKey, Rc<Query>)>> = const { RefCell::new(None) };
}

/// Forgets the last compiled filter (the case changed in a way its key does not show: sources read
/// again in another zone, another case span).
pub fn forget_compiled() {
    LAST_COMPILED.with(|c| c.borrow_mut().take());
}

impl CompiledFilter {
    pub fn new(spec: &FilterSpec, case: &CaseView<'_>) -> Self {
        let key = (spec_key(spec), case.key(), case.patterns.len());
        let cached = LAST_COMPILED.with(|c| {
            c.borrow()
                .as_ref()
                .filter(|(k, _)| *k == key)
                .map(|(_, q)| q.clone())
        });
        let query = cached.unwrap_or_else(|| {
            let query = Rc::new(Self::compile(spec, case));
            LAST_COMPILED.with(|c| *c.borrow_mut() = Some((key, query.clone())));
            query
        });
        CompiledFilter { query }
    }

    fn compile(spec: &FilterSpec, case: &CaseView<'_>) -> Query {
        let mut query = Query::new(&spec.text, &case.context());
        if let Some(range) = spec.range {
            let time = Plan::Time {
                from: range.from_ns(),
                to: range.to_ns(),
            };
            let plan = std::mem::replace(&mut query.compiled.plan, Plan::All);
            query.compiled.plan = match plan {
                Plan::All => time,
                other => Plan::And(vec![other, time]),
            };
        }
        query
    }

    /// The first `take` rows of the filtered list, found without evaluating the whole case; `true`
    /// when they are every match.
    pub fn first_page(
        &self,
        case: &CaseView<'_>,
        take: usize,
        newest_first: bool,
    ) -> (Vec<MarkedRow>, bool) {
        let views = case.views();
        let positions = self
            .query
            .first_page(&views, case.timeline, take + 1, newest_first);
        let complete = positions.len() <= take;
        let rows = positions
            .iter()
            .take(take)
            .enumerate()
            .filter_map(|(i, p)| self.marked_row(case, *p, i as u32))
            .collect();
        (rows, complete)
    }

    /// The row at timeline position `position` (oldest first), shown at `list_index`.
    pub fn marked_row(
        &self,
        case: &CaseView<'_>,
        position: u32,
        list_index: u32,
    ) -> Option<MarkedRow> {
        let id = case.timeline.get(position as usize, false)?;
        let source = case.sources.get(id.source as usize)?;
        let event = id.event as usize;
        let text = cut_text(source.text(event), ROW_TEXT_MAX_BYTES);
        let marks = marks(&self.query.compiled.plan, &text);
        Some(MarkedRow {
            row: Row {
                position: list_index,
                source: source.info.name.clone(),
                ts: source.ts(event).map(format_rfc3339),
                level: source.level(event),
                text,
            },
            marks,
        })
    }
}

/// A filter evaluated over the whole case.
pub struct Evaluated {
    pub spec_key: (String, Option<TimeRange>, String),
    pub case_key: CaseKey,
    pub filter: CompiledFilter,
    pub matches: Matches,
    /// Timeline positions (oldest first) of the matches, in ascending order.
    pub positions: Vec<u32>,
}

impl Evaluated {
    pub fn new(spec: &FilterSpec, case: &CaseView<'_>) -> Self {
        let filter = CompiledFilter::new(spec, case);
        let views = case.views();
        let matches = filter.query.run_kept(&views);
        let positions = matches.positions(case.timeline);
        Evaluated {
            spec_key: spec_key(spec),
            case_key: case.key(),
            filter,
            matches,
            positions,
        }
    }

    /// Whether this evaluation answers `spec` on `case` as it is now.
    pub fn answers(&self, spec: &FilterSpec, case: &CaseView<'_>) -> bool {
        self.case_key == case.key() && self.spec_key == spec_key(spec)
    }

    pub fn count(&self) -> u64 {
        self.positions.len() as u64
    }

    /// The timeline position (oldest first) of the list's row `index`.
    fn position_at(&self, index: u32, newest_first: bool) -> Option<u32> {
        let n = self.positions.len();
        let i = index as usize;
        if i >= n {
            return None;
        }
        Some(self.positions[if newest_first { n - 1 - i } else { i }])
    }

    /// Rows `start..start+count` of the filtered list.
    pub fn rows(
        &self,
        case: &CaseView<'_>,
        start: u32,
        count: u32,
        newest_first: bool,
    ) -> Vec<MarkedRow> {
        let end = start
            .saturating_add(count.min(crate::worker::case::MAX_ROWS_PER_REQUEST))
            .min(self.positions.len() as u32);
        (start..end)
            .filter_map(|i| {
                let p = self.position_at(i, newest_first)?;
                self.filter.marked_row(case, p, i)
            })
            .collect()
    }

    /// The details of the list's row `index` (the whole timeline's row when the filter is empty).
    pub fn details(
        &self,
        case: &CaseView<'_>,
        index: u32,
        newest_first: bool,
        filtered: bool,
    ) -> Option<EventDetails> {
        let position = if filtered {
            self.position_at(index, newest_first)?
        } else if newest_first {
            (case.timeline.len() as u32).checked_sub(index + 1)?
        } else {
            index
        };
        let id = case.timeline.get(position as usize, false)?;
        let source = case.sources.get(id.source as usize)?;
        let event = id.event as usize;
        let raw = source.text(event);
        let text = cut_text(raw, DETAILS_TEXT_MAX_BYTES);
        let mut fields: Vec<(String, String)> = Vec::new();
        for (k, v) in FieldReader::for_source(source).all(raw) {
            if !fields.iter().any(|(seen, _)| *seen == k) {
                fields.push((k, v));
            }
        }
        Some(EventDetails {
            position,
            source: source.info.name.clone(),
            format: source.info.format.as_str().to_string(),
            ts: source.ts(event).map(format_rfc3339),
            level: source.level(event),
            fields,
            marks: marks(&self.filter.query.compiled.plan, &text),
            text,
        })
    }

    /// Matches per time bucket over the span of the matches (or of the time range), in about
    /// [`HISTOGRAM_BARS`] round buckets.
    pub fn histogram(
        &self,
        case: &CaseView<'_>,
        range: Option<TimeRange>,
        stack_by: StackBy,
    ) -> Histogram {
        let (from, to) = match range {
            Some(r) => (r.from_ns(), r.to_ns().saturating_sub(1).max(r.from_ns())),
            None => match_span(case.sources, &self.matches).unwrap_or((0, 0)),
        };
        let keys = match stack_by {
            StackBy::Level => Level::ALL.iter().map(|l| l.as_str().to_string()).collect(),
            StackBy::Source => case.sources.iter().map(|s| s.info.name.clone()).collect(),
        };
        let mut h = Histogram::grid(from, to, HISTOGRAM_BARS, stack_by, keys);
        h.add(case.sources, 0, &self.matches);
        h
    }

    /// Level, source, then the [`FACET_FIELDS`] extracted fields most matches have.
    /// When the matches are (nearly) all of one template, its placeholder fields come right after
    /// level and source.
    pub fn facets(&self, case: &CaseView<'_>) -> Facets {
        let mut out = top_facets(facets(
            case.sources,
            &self.matches,
            FACET_VALUES,
            FACET_SAMPLE,
        ));
        let placeholders = placeholder_facets(
            case.sources,
            case.patterns,
            &self.matches,
            FACET_VALUES,
            FACET_SAMPLE,
        );
        let at = out.facets.len().min(2);
        out.facets.splice(at..at, placeholders);
        out
    }
}

fn spec_key(spec: &FilterSpec) -> (String, Option<TimeRange>, String) {
    (spec.text.trim().to_string(), spec.range, spec.zone.clone())
}

/// Keeps `level`, `source` and the extracted fields with the most events (ties by name).
pub fn top_facets(mut all: Facets) -> Facets {
    let mut fixed: Vec<_> = Vec::new();
    let mut fields: Vec<_> = Vec::new();
    for f in all.facets.drain(..) {
        if f.field == "level" || f.field == "source" {
            // A field extracted under one of these names (a JSON key) would repeat the column's facet.
            if !fixed
                .iter()
                .any(|x: &crate::engine::query::Facet| x.field == f.field)
            {
                fixed.push(f);
            }
        } else {
            fields.push(f);
        }
    }
    fields.sort_by(|a, b| b.events.cmp(&a.events).then_with(|| a.field.cmp(&b.field)));
    fields.truncate(FACET_FIELDS);
    fixed.extend(fields);
    all.facets = fixed;
    all
}

/// Earliest and latest time among the matches.
pub fn match_span(sources: &[SourceData], matches: &Matches) -> Option<(i64, i64)> {
    let mut span: Option<(i64, i64)> = None;
    for (source, set) in sources.iter().zip(&matches.sets) {
        let ts = source.ts_column();
        // Times rise within a source nearly always: the first and last matches bound it cheaply,
        // and a scan of the matches is only needed for sources whose times go back.
        let mut lo = i64::MAX;
        let mut hi = i64::MIN;
        for e in set.iter() {
            let t = ts[e];
            if t != NO_TIME {
                lo = lo.min(t);
                hi = hi.max(t);
            }
        }
        if lo <= hi {
            span = Some(match span {
                Some((a, b)) => (a.min(lo), b.max(hi)),
                None => (lo, hi),
            });
        }
    }
    span
}

/// The text of an event for display: lossy UTF-8 cut at a character boundary, `…` when cut.
fn cut_text(bytes: &[u8], max: usize) -> String {
    if bytes.len() <= max {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let mut text = String::from_utf8_lossy(&bytes[..max]).into_owned();
    if text.ends_with('\u{FFFD}') {
        text.pop();
    }
    text.push('…');
    text
}

/// Most marks per text (a row with thousands of hits needs no more).
const MAX_MARKS: usize = 64;

/// The byte ranges of `text` that the query's positive words, phrases, regexes and field values
/// match, sorted and merged, on character boundaries.
pub fn marks(plan: &Plan, text: &str) -> Vec<(u32, u32)> {
    let mut regexes = Vec::new();
    collect_highlighters(plan, &mut regexes);
    let mut out: Vec<Range<usize>> = Vec::new();
    for re in regexes {
        for m in re.find_iter(text.as_bytes()).take(MAX_MARKS) {
            if m.start() < m.end() {
                out.push(m.start()..m.end());
            }
        }
    }
    out.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in out {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
        .into_iter()
        .take(MAX_MARKS)
        .filter_map(|r| {
            let start = floor_char_boundary(text, r.start);
            let end = ceil_char_boundary(text, r.end);
            (start < end).then_some((start as u32, end as u32))
        })
        .collect()
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i.min(text.len())
}

fn collect_highlighters<'p>(plan: &'p Plan, out: &mut Vec<&'p regex::bytes::Regex>) {
    match plan {
        Plan::Text(t) => out.push(&t.regex),
        Plan::Field(f) => {
            if let Some(hint) = &f.value_hint {
                out.push(hint);
            }
        }
        Plan::And(items) | Plan::Or(items) => {
            for p in items {
                collect_highlighters(p, out);
            }
        }
        // What a match must not contain is not in it.
        Plan::Not(_) => {}
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};

    fn case() -> (Vec<SourceData>, Timeline) {
        let a = "2026-07-03 09:00:00 INFO start\n2026-07-03 09:00:02 ERROR Connection timed out after 30 seconds status=504\n2026-07-03 09:00:04 WARN slow status=200\n";
        let b = "2026-07-03 09:00:01 ERROR refused status=502\n2026-07-03 09:00:03 INFO ok status=200\n";
        let sources = vec![
            ingest_bytes("a.log", a.as_bytes(), IngestOptions::default()),
            ingest_bytes("b.log", b.as_bytes(), IngestOptions::default()),
        ];
        let timeline = Timeline::build(&sources);
        (sources, timeline)
    }

    /// The view of `sources` a filter typed in UTC sees, without templates.
    fn utc_view<'a>(
        sources: &'a [SourceData],
        indexes: &'a [SourceIndex],
        timeline: &'a Timeline,
    ) -> CaseView<'a> {
        CaseView {
            sources,
            indexes,
            timeline,
            offsets: &[],
            zone: Zone::Utc,
            patterns: &[],
            case_span: None,
        }
    }

    fn spec(text: &str) -> FilterSpec {
        FilterSpec {
            text: text.into(),
            range: None,
            newest_first: false,
            stack_by: StackBy::Level,
            zone: String::new(),
        }
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn a_template_filter_facets_its_placeholders_and_they_filter() {
        let mut text = String::new();
        for i in 0..40 {
            text.push_str(&format!(
                "2026-07-03 09:00:{:02} ERROR upstream 10.0.0.{} timed out after {} ms\n2026-07-03 09:00:{:02} INFO handled job {}\n",
                i,
                i % 4,
                100 * (i % 3),
                i,
                i
            ));
        }
        let sources = vec![ingest_bytes(
            "a.log",
            text.as_bytes(),
            IngestOptions::default(),
        )];
        let patterns: Vec<SourcePatterns> = sources
            .iter()
            .map(crate::engine::patterns::mine_source)
            .collect();
        let timeline = Timeline::build(&sources);
        let indexes = build_indexes(&sources);
        let cv = CaseView {
            sources: &sources,
            indexes: &indexes,
            timeline: &timeline,
            offsets: &[],
            zone: Zone::Utc,
            patterns: &patterns,
            case_span: None,
        };
        let facets = Evaluated::new(&spec("upstream"), &cv).facets(&cv);
        let names: Vec<&str> = facets.facets.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names[..4], ["level", "source", "tpl.ip1", "tpl.duration1"]);
        assert_eq!(facets.facets[2].top.len(), 4);
        assert_eq!(facets.facets[2].top[0].count, 10);
        // Clicking a value adds it to the filter: the list narrows to it.
        let narrowed = Evaluated::new(&spec("upstream tpl.ip1:10.0.0.3"), &cv);
        assert_eq!(narrowed.count(), 10);
        // Over both templates, no placeholder facets.
        let all = Evaluated::new(&spec(""), &cv).facets(&cv);
        assert!(all.facets.iter().all(|f| !f.field.starts_with("tpl.")));
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn typed_times_without_a_zone_are_read_in_the_filter_zone() {
        let (sources, timeline) = case();
        let indexes = build_indexes(&sources);
        let in_zone = |zone: &str| CaseView {
            sources: &sources,
            indexes: &indexes,
            timeline: &timeline,
            offsets: &[],
            zone: crate::worker::zone_named(zone),
            patterns: &[],
            case_span: None,
        };
        let mut tokyo = spec("after:2026-07-03T18:00:02");
        tokyo.zone = "Asia/Tokyo".into();
        // 18:00:02 in Tokyo is 09:00:02Z: three events at or after it.
        let ev = Evaluated::new(&tokyo, &in_zone("Asia/Tokyo"));
        assert_eq!(ev.count(), 3);
        // The same words in UTC are after every event; the evaluation is not reused across zones.
        let utc = spec("after:2026-07-03T18:00:02");
        assert!(!ev.answers(&utc, &in_zone("")));
        assert_eq!(Evaluated::new(&utc, &in_zone("")).count(), 0);
        assert!(ev.answers(&tokyo, &in_zone("Asia/Tokyo")));
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn rows_follow_the_timeline_in_both_orders_with_marks() {
        let (sources, timeline) = case();
        let indexes = build_indexes(&sources);
        let cv = utc_view(&sources, &indexes, &timeline);
        let ev = Evaluated::new(&spec("level:error OR slow"), &cv);
        assert_eq!(ev.count(), 3);
        let texts: Vec<String> = ev
            .rows(&cv, 0, 10, false)
            .into_iter()
            .map(|r| r.row.text)
            .collect();
        assert!(texts[0].contains("refused"));
        assert!(texts[1].contains("timed out"));
        assert!(texts[2].contains("slow"));
        let newest = ev.rows(&cv, 0, 1, true);
        assert!(newest[0].row.text.contains("slow"));
        assert_eq!(newest[0].row.position, 0);
        let slow = &newest[0];
        let (s, e) = slow.marks[0];
        assert_eq!(&slow.row.text[s as usize..e as usize], "slow");

        let first = CompiledFilter::new(&spec("level:error OR slow"), &cv);
        let (page, complete) = first.first_page(&cv, 2, false);
        assert!(!complete);
        assert_eq!(
            page.iter().map(|r| r.row.text.clone()).collect::<Vec<_>>(),
            texts[..2]
        );
        let (page, complete) = first.first_page(&cv, 3, false);
        assert!(complete);
        assert_eq!(page.len(), 3);
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn a_filter_compiled_again_on_the_same_case_is_the_one_kept_until_forgotten() {
        let (sources, timeline) = case();
        let indexes = build_indexes(&sources);
        let cv = utc_view(&sources, &indexes, &timeline);
        let a = CompiledFilter::new(&spec("refused"), &cv);
        let again = CompiledFilter::new(&spec("refused"), &cv);
        assert!(Rc::ptr_eq(&a.query, &again.query));
        let other = CompiledFilter::new(&spec("slow"), &cv);
        assert!(!Rc::ptr_eq(&a.query, &other.query));
        let shorter = Timeline::build(&sources[..1]);
        let one = CaseView {
            sources: &sources[..1],
            indexes: &indexes[..1],
            timeline: &shorter,
            ..cv
        };
        let on_one = CompiledFilter::new(&spec("slow"), &one);
        assert!(!Rc::ptr_eq(&other.query, &on_one.query), "another case");
        let cv = utc_view(&sources, &indexes, &timeline);
        let kept = CompiledFilter::new(&spec("slow"), &cv);
        forget_compiled();
        let fresh = CompiledFilter::new(&spec("slow"), &cv);
        assert!(!Rc::ptr_eq(&kept.query, &fresh.query), "forgotten");
        assert_eq!(Evaluated::new(&spec("slow"), &cv).count(), 1);
        assert_eq!(Evaluated::new(&spec("refused"), &cv).count(), 1);
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn a_time_range_narrows_the_filter_and_the_histogram_span() {
        let (sources, timeline) = case();
        let cv = CaseView {
            sources: &sources,
            indexes: &[],
            timeline: &timeline,
            offsets: &[],
            zone: Zone::Utc,
            patterns: &[],
            case_span: None,
        };
        let t0 = sources[0].ts(0).unwrap();
        let mut s = spec("");
        s.range = Some(TimeRange {
            from_ms: t0 / 1_000_000 + 1000,
            to_ms: t0 / 1_000_000 + 3000,
        });
        let ev = Evaluated::new(&s, &cv);
        assert_eq!(ev.count(), 2);
        let h = ev.histogram(&cv, s.range, StackBy::Level);
        assert_eq!(h.counts.iter().flatten().sum::<u64>(), 2);
        assert_eq!(h.outside, 0);
        assert_eq!(h.start_ns, t0 + 1_000_000_000);
        let whole = Evaluated::new(&spec(""), &cv);
        let h = whole.histogram(&cv, None, StackBy::Source);
        assert_eq!(h.keys, vec!["a.log", "b.log"]);
        assert_eq!(h.counts.iter().map(|c| c[1]).sum::<u64>(), 2);
    }

    /// Times in ns since the epoch exceed JavaScript's exact integers: every query part must cross
    /// `postMessage` through serde-wasm-bindgen.
    #[cfg(target_arch = "wasm32")]
    #[wasm_bindgen_test::wasm_bindgen_test]
    fn query_parts_cross_into_javascript() {
        use crate::protocol::query::QueryPart;
        use crate::protocol::Reply;
        let (sources, timeline) = case();
        let cv = CaseView {
            sources: &sources,
            indexes: &[],
            timeline: &timeline,
            offsets: &[],
            zone: Zone::Utc,
            patterns: &[],
            case_span: None,
        };
        let ev = Evaluated::new(&spec("level:error"), &cv);
        let parts = vec![
            QueryPart::Histogram {
                histogram: ev.histogram(&cv, None, StackBy::Level).into(),
            },
            QueryPart::Facets {
                facets: ev.facets(&cv),
            },
            QueryPart::FirstPage {
                errors: Vec::new(),
                rows: ev.rows(&cv, 0, 5, false),
                complete: true,
            },
        ];
        for part in parts {
            let reply = Reply::Query { id: 7, part };
            let value = serde_wasm_bindgen::to_value(&reply).expect("encodes");
            let back: Reply = serde_wasm_bindgen::from_value(value).expect("decodes");
            assert_eq!(back, reply);
        }
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn details_list_every_field_once_and_the_raw_text() {
        let (sources, timeline) = case();
        let cv = CaseView {
            sources: &sources,
            indexes: &[],
            timeline: &timeline,
            offsets: &[],
            zone: Zone::Utc,
            patterns: &[],
            case_span: None,
        };
        let ev = Evaluated::new(&spec("\"timed out\""), &cv);
        let d = ev.details(&cv, 0, false, true).unwrap();
        assert_eq!(d.source, "a.log");
        assert!(d
            .fields
            .contains(&("status".to_string(), "504".to_string())));
        assert_eq!(
            &d.text[d.marks[0].0 as usize..d.marks[0].1 as usize],
            "timed out"
        );
        // Without a filter the index is the timeline's row (newest first here).
        let d = ev.details(&cv, 0, true, false).unwrap();
        assert!(d.text.contains("slow"));
        let f = ev.facets(&cv);
        assert_eq!(f.facets[0].field, "level");
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn marks_skip_negated_terms_and_stay_on_character_boundaries() {
        let cx = QueryContext::default();
        let q = Query::new("café -slow /é/", &cx);
        let text = "un café slow é";
        let m = marks(&q.compiled.plan, text);
        let shown: Vec<&str> = m
            .iter()
            .map(|(s, e)| &text[*s as usize..*e as usize])
            .collect();
        assert!(shown.contains(&"é"));
        assert!(!shown.contains(&"slow"));
    }
}
