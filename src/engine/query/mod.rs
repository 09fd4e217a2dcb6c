//! The filter language: parse a query, evaluate it over the store, answer with matches in timeline
//! order, counts, a histogram and facets.
//!
//! # Query language
//!
//! A query is a list of terms; terms side by side must all match (implicit AND). Parsing is lenient:
//! a mistake is reported with the byte range to underline and the rest of the query still filters.
//!
//! | Term | Matches events that |
//! |---|---|
//! | `timeout` | contain the word, ignoring case; whole words only (`time` does not match `timed`) |
//! | `time*`, `*Exception` | contain a word with that start / end (`*` stands for word characters) |
//! | `"Connection timed out"` | contain the phrase (whole words, any run of spaces between them) |
//! | `/timed out\|refused/` | match the regular expression (case-sensitive; flags after the slash: `i` ignore case, `s` `.` matches newlines, `x` verbose, `U` lazy). `^` and `$` match at every line of an event |
//! | `-word`, `NOT word` | do not match the term |
//! | `a OR b`, `a AND b`, `( … )` | either / both; AND binds tighter than OR: `a b OR c` is `(a b) OR c` |
//! | `status:502`, `method=GET` | have the field with that value (ignoring case; numbers compare as numbers, `502` equals `502.0`) |
//! | `service:payment-*` | have a field value matching the wildcards (`*` any text, `?` one character) |
//! | `path:/^\/api/` | have a field value matching the regular expression |
//! | `status>=500`, `latency_ms>1000`, `status!=200` | compare the field: as numbers when the value is a number (events whose field is not a number never match), otherwise as text. `!=` also matches events without the field |
//! | `level:warn`, `level:warn+`, `level>=warn` | have that level or a more severe one (`level:error` includes critical) |
//! | `level=info`, `level<warn` | have exactly that level / a less severe one |
//! | `source:nginx*` | come from a file whose name or path matches the wildcards (`source:/regex/` too) |
//! | `has:trace_id` | have the field at all |
//! | `after:2026-07-03T10:00` | happened at or after that instant |
//! | `before:2026-07-03T10:30:00Z` | happened strictly before it |
//! | `around:2026-07-03T10:48:00/5m` | happened within 5 minutes either side (one minute when no window is given) |
//! | `last 15m` (or `last:15m`) | happened in the last 15 minutes of the data (ending at its latest event); units `ms` `s` `m` `h` `d` |
//!
//! Keywords `AND`, `OR`, `NOT` are upper case (`and`, `or` are ordinary words). Quote a value with
//! spaces: `msg:"payment declined"`. Times are ISO 8601 / RFC 3339 (`2026-07-03`, `2026-07-03T10:00`,
//! `2026-07-03T10:00:00.5+02:00`) or epoch numbers; without a zone they are read in the query's zone
//! (`--zone`, default UTC). An event without a time of its own takes the time of the event before it.
//!
//! Fields are read from the text on demand (see [`crate::engine::fields`]): JSON keys (nested keys
//! with dots: `http.status`), `key=value` pairs in text, access-log parts (`client`, `method`, `path`,
//! `status`, `bytes`, `duration`, `user_agent`, `req_id`, ...) and CSV columns by header name. Field
//! names are case-sensitive as written in the logs (`latency_ms`, not `Latency_MS`); CSV column and
//! access-log part names also match in any case. Values compare ignoring case. `level` and `source`
//! are the event's normalised level and its file. Access-log levels follow lnav's
//! convention: 5xx is error, 4xx warn, the rest info.
//!
//! Examples:
//! - `level:error "timed out"` — errors mentioning the timeout
//! - `source:nginx* status>=500 -path:/healthz` — server errors outside health checks
//! - `(latency_ms>1000 OR status:504) after:2026-07-03T10:40 before:2026-07-03T11:15`
//! - `f6eac1aef42bb276` — everything about one request id, in every file
//!
//! # Evaluation
//!
//! [`Query::new`] parses and compiles once ([`mod@parse`], [`plan`]); [`Query::eval_range`] evaluates over
//! a range of one source's events ([`eval`]), which is the unit a shard (a worker holding some sources,
//! or a byte range of a big one) runs; [`Query::run`] does every source in one thread.
//! [`results`] turns the bitsets into timeline positions, counts, a [`results::Histogram`] and
//! [`results::Facets`], all serde types for the worker protocol.
//!
//! Evaluation narrows a bitset of candidates: columns first (level, time, source), then the token
//! index ([`crate::engine::index`]) for words and phrases, then text (regexes over whole blocks, as
//! ripgrep does, or event by event when few candidates remain), then field extraction. Nothing but
//! the final confirmation reads the text, so the text can live outside memory and be re-read by
//! slices.
//!
//! # Sharding
//!
//! Each worker owns some sources (or a range of a big source's events, split with [`split_range`])
//! with their token index, and answers the same compiled query:
//! - the [`QueryContext`] (zone, the whole case's first and last instants) comes from the coordinator,
//!   so `last 15m` means the same on every shard;
//! - counts add up; [`Histogram::grid`] over the case's span gives every shard the same buckets, and
//!   [`Histogram::merge`] adds them;
//! - a page in timeline order: each shard returns its first `n` matches as [`MatchKey`]s
//!   ([`Matches::page_keys`]), and [`merge_pages`] merges them — keys sort exactly as the merged
//!   timeline does;
//! - facets: `level` and `source` counts add up exactly; extracted-field counts are added per value.
//!
//! ```
//! use casefile::engine::ingest::{ingest_bytes, IngestOptions};
//! use casefile::engine::query::{Query, QueryContext};
//! use casefile::engine::time::Zone;
//!
//! let text = b"2026-07-03 09:00:00 INFO ok latency_ms=12\n2026-07-03 09:00:01 ERROR Connection timed out latency_ms=30000\n";
//! let sources = vec![ingest_bytes("app.log", text, IngestOptions::default())];
//! let cx = QueryContext::for_sources(&sources, Zone::Utc);
//! let query = Query::new(r#"level:error "timed out" latency_ms>1000"#, &cx);
//! assert!(query.errors().is_empty());
//! assert_eq!(query.run_all(&sources).count(), 1);
//! ```

pub mod columns;
pub mod eval;
pub mod literals;
mod packed;
pub mod parse;
pub mod plan;
pub mod results;

use std::ops::Range;
use std::sync::Mutex;

pub use self::eval::{DerivedFields, EventSet, SourceView};
pub use self::parse::{parse, CompareOp, Expr, ParsedQuery, QueryError, Span, TimeFilter};
pub use self::plan::{compile, CompiledQuery, Plan, QueryContext};
pub use self::results::{
    facets, histogram, merge_pages, Facet, FacetTally, Facets, Histogram, MatchKey, Matches,
    StackBy,
};

use crate::engine::store::SourceData;
use crate::engine::timeline::Timeline;

/// A parsed and compiled query, ready to evaluate on any number of sources or shards.
#[derive(Debug)]
pub struct Query {
    pub text: String,
    pub parsed: ParsedQuery,
    pub compiled: CompiledQuery,
    /// The matches over every event that [`Query::first_page`] evaluated when the first step of the
    /// timeline did not fill the page (rare matches), until [`Query::run_kept`] takes them: the
    /// count that follows a first page then costs no second pass over the text.
    kept: Mutex<Option<Matches>>,
}

impl Clone for Query {
    /// The same query, without matches kept (they belong to the views of one first page).
    fn clone(&self) -> Self {
        Query {
            text: self.text.clone(),
            parsed: self.parsed.clone(),
            compiled: self.compiled.clone(),
            kept: Mutex::new(None),
        }
    }
}

/// Timeline positions examined in the first step while looking for the first page of matches.
const FIRST_PAGE_STEP: usize = 1 << 16;
/// The longest step (its positions are listed, 16 bytes each, while it is evaluated).
const MAX_FIRST_PAGE_STEP: usize = 1 << 20;
/// Once the steps have covered this share (1/N) of the timeline without filling the page, the rest
/// is evaluated whole, and kept for the count.
const WHOLE_AFTER: usize = 8;

impl Query {
    pub fn new(text: &str, cx: &QueryContext) -> Self {
        let parsed = parse(text);
        let compiled = compile(&parsed, cx);
        Query {
            text: text.to_string(),
            parsed,
            compiled,
            kept: Mutex::new(None),
        }
    }

    /// Every mistake found, in text order, with the byte range to underline.
    pub fn errors(&self) -> &[QueryError] {
        &self.compiled.errors
    }

    /// Whether the query keeps every event (empty, or only broken terms).
    pub fn matches_everything(&self) -> bool {
        matches!(self.compiled.plan, Plan::All)
    }

    /// Evaluates over the events `range` of one source. Ranges of one source evaluated separately
    /// (by several threads or workers) give the same events as one range over all of them.
    pub fn eval_range(&self, view: &SourceView<'_>, range: Range<usize>) -> EventSet {
        eval::eval(&self.compiled.plan, view, EventSet::full(range))
    }

    /// Evaluates over every event of every source, in this thread.
    pub fn run(&self, views: &[SourceView<'_>]) -> Matches {
        Matches {
            sets: views
                .iter()
                .map(|v| self.eval_range(v, 0..v.source.len()))
                .collect(),
        }
    }

    /// [`Query::run`], or the matches the last [`Query::first_page`] of this query evaluated over
    /// every event, taken (so they serve once). The caller vouches that `views` show the same case
    /// as that first page's views did (the index may have grown since: results never depend on it).
    pub fn run_kept(&self, views: &[SourceView<'_>]) -> Matches {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner()).take();
        kept.unwrap_or_else(|| self.run(views))
    }

    /// [`Query::run`] without an index.
    pub fn run_all(&self, sources: &[SourceData]) -> Matches {
        let views: Vec<SourceView<'_>> = sources.iter().map(|s| SourceView::new(s, None)).collect();
        self.run(&views)
    }

    /// The first `take` matches in timeline order (newest first when asked), without evaluating the
    /// whole case when matches are common: the timeline is evaluated in steps, each twice as long as
    /// the one before, until the page is full; the long steps still let the index and whole-block
    /// scans skip what an event-by-event walk would visit. When the steps have covered an eighth of
    /// the timeline without filling the page (rare matches), the whole case is evaluated once and
    /// kept for the count that follows ([`Query::run_kept`]), so a rare match costs one pass over
    /// the text, not two.
    pub fn first_page(
        &self,
        views: &[SourceView<'_>],
        timeline: &Timeline,
        take: usize,
        newest_first: bool,
    ) -> Vec<u32> {
        self.first_page_by_steps(views, timeline, take, newest_first, FIRST_PAGE_STEP)
    }

    fn first_page_by_steps(
        &self,
        views: &[SourceView<'_>],
        timeline: &Timeline,
        take: usize,
        newest_first: bool,
        first_step: usize,
    ) -> Vec<u32> {
        let mut out = Vec::with_capacity(take);
        let mut done = 0usize;
        let mut next_step = first_step.clamp(1, MAX_FIRST_PAGE_STEP);
        while done < timeline.len() && out.len() < take {
            let step = next_step.min(timeline.len() - done);
            next_step = (next_step * 2).min(MAX_FIRST_PAGE_STEP);
            let ids: Vec<_> = (done..done + step)
                .filter_map(|i| timeline.get(i, newest_first).map(|id| (i, id)))
                .collect();
            // Per source: the range of events this step touches and which of them it holds.
            let mut ranges: Vec<Option<Range<usize>>> = vec![None; views.len()];
            for (_, id) in &ids {
                let e = id.event as usize;
                let r = &mut ranges[id.source as usize];
                *r = Some(match r.take() {
                    Some(r) => r.start.min(e)..r.end.max(e + 1),
                    None => e..e + 1,
                });
            }
            let mut masks: Vec<Option<EventSet>> = ranges
                .iter()
                .map(|r| r.clone().map(EventSet::empty))
                .collect();
            for (_, id) in &ids {
                if let Some(m) = masks[id.source as usize].as_mut() {
                    m.insert(id.event as usize);
                }
            }
            let hits: Vec<Option<EventSet>> = masks
                .into_iter()
                .zip(views)
                .map(|(m, v)| m.map(|m| eval::eval(&self.compiled.plan, v, m)))
                .collect();
            for (i, id) in ids {
                if hits[id.source as usize]
                    .as_ref()
                    .is_some_and(|h| h.contains(id.event as usize))
                {
                    let position = if newest_first {
                        timeline.len() - 1 - i
                    } else {
                        i
                    };
                    out.push(position as u32);
                    if out.len() == take {
                        break;
                    }
                }
            }
            done += step;
            if out.len() < take && done < timeline.len() && done >= timeline.len() / WHOLE_AFTER {
                // Rare matches: the rest of the page follows the matches found so far. The whole
                // evaluation is kept for the count that follows (no second pass over the text).
                let whole = self.run(views);
                out.extend(whole.page(timeline, out.len(), take - out.len(), newest_first));
                *self.kept.lock().unwrap_or_else(|e| e.into_inner()) = Some(whole);
                break;
            }
        }
        out
    }
}

/// Splits `0..len` into about `parts` ranges whose starts are multiples of 128 (whole index groups
/// and whole words of an [`EventSet`]), for evaluating one source on several threads or workers.
pub fn split_range(len: usize, parts: usize) -> Vec<Range<usize>> {
    let parts = parts.max(1);
    let step = len.div_ceil(parts).div_ceil(128).max(1) * 128;
    (0..len)
        .step_by(step)
        .map(|s| s..(s + step).min(len))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};
    use crate::engine::time::Zone;

    fn case() -> Vec<SourceData> {
        let app = "{\"ts\":\"2026-07-03T09:00:00Z\",\"level\":\"info\",\"service\":\"payment-gateway\",\"msg\":\"handled /api/v1/pay\",\"latency_ms\":17.8,\"http\":{\"status\":200}}\n\
{\"ts\":\"2026-07-03T09:00:02Z\",\"level\":\"error\",\"service\":\"payment-gateway\",\"msg\":\"Connection timed out after 30 seconds\",\"latency_ms\":30000.0,\"trace_id\":\"abc\"}\n\
{\"ts\":\"2026-07-03T09:00:04Z\",\"level\":\"warn\",\"service\":\"auth\",\"msg\":\"slow request took 900 ms\",\"latency_ms\":900.5}\n";
        let ngx = "10.0.0.1 - - [03/Jul/2026:02:00:01 -0700] \"GET /healthz HTTP/1.1\" 200 12 \"-\" \"curl/8.5.0\" 0.010 req_id=aa\n\
10.0.0.2 - - [03/Jul/2026:02:00:03 -0700] \"POST /api/v1/pay HTTP/1.1\" 504 12 \"-\" \"curl/8.5.0\" 30.000 req_id=bb\n\
10.0.0.3 - - [03/Jul/2026:02:00:05 -0700] \"GET /api/v1/status HTTP/1.1\" 502 12 \"-\" \"curl/8.5.0\" 0.020 req_id=cc\n";
        let text = "2026-07-03 09:00:01 ERROR boom refused\n\tat a.b(C.java:1)\n2026-07-03 09:00:06 INFO pool stats active=3 idle=4\n";
        vec![
            ingest_bytes(
                "app-payments.jsonl",
                app.as_bytes(),
                IngestOptions::default(),
            ),
            ingest_bytes(
                "/var/log/nginx-access.log",
                ngx.as_bytes(),
                IngestOptions::default(),
            ),
            ingest_bytes("gateway.log", text.as_bytes(), IngestOptions::default()),
        ]
    }

    fn count(sources: &[SourceData], q: &str) -> u64 {
        let cx = QueryContext::for_sources(sources, Zone::Utc);
        let query = Query::new(q, &cx);
        assert!(query.errors().is_empty(), "{q}: {:?}", query.errors());
        query.run_all(sources).count()
    }

    #[test]
    fn each_kind_of_term() {
        let s = case();
        assert_eq!(count(&s, ""), 8);
        assert_eq!(count(&s, "level:error"), 4);
        assert_eq!(count(&s, "level:warn+"), 5);
        assert_eq!(count(&s, "level=info"), 3);
        assert_eq!(count(&s, "status>=500"), 2);
        assert_eq!(count(&s, "http.status:200"), 1);
        assert_eq!(count(&s, "latency_ms>1000"), 1);
        assert_eq!(count(&s, "service:payment-*"), 2);
        assert_eq!(count(&s, "source:nginx*"), 3);
        assert_eq!(count(&s, "has:trace_id"), 1);
        assert_eq!(count(&s, "has:req_id -req_id:aa"), 2);
        assert_eq!(count(&s, "\"connection  TIMED out\""), 1);
        assert_eq!(count(&s, "/timed out|refused/"), 2);
        assert_eq!(count(&s, "/TIMED/"), 0);
        assert_eq!(count(&s, "/TIMED/i"), 1);
        assert_eq!(count(&s, "timed OR active"), 2);
        assert_eq!(count(&s, "NOT (level:error OR source:nginx*)"), 3);
        assert_eq!(
            count(&s, "C.java"),
            1,
            "continuation lines are part of the event"
        );
        assert_eq!(count(&s, "time"), 0, "whole words only");
        assert_eq!(count(&s, "time*"), 1);
        assert_eq!(count(&s, "active>=3 idle:4"), 1);
        assert_eq!(
            count(&s, "after:2026-07-03T09:00:02 before:2026-07-03T09:00:05"),
            3
        );
        assert_eq!(count(&s, "last 2s"), 3);
        assert_eq!(count(&s, "around:2026-07-03T09:00:03/1s"), 3);
        assert_eq!(count(&s, "method:post path:/api/v1/pay duration>10"), 1);
    }

    #[test]
    fn first_page_follows_the_timeline_both_ways() {
        let s = case();
        let timeline = Timeline::build(&s);
        let cx = QueryContext::for_sources(&s, Zone::Utc);
        let query = Query::new("level:error", &cx);
        let views: Vec<SourceView<'_>> = s.iter().map(|x| SourceView::new(x, None)).collect();
        let all = query.run(&views).positions(&timeline);
        assert_eq!(all.len(), 4);
        assert_eq!(query.first_page(&views, &timeline, 3, false), all[..3]);
        let newest: Vec<u32> = all.iter().rev().take(2).copied().collect();
        assert_eq!(query.first_page(&views, &timeline, 2, true), newest);
        assert_eq!(query.run(&views).page(&timeline, 1, 2, false), all[1..3]);
        for step in [1, 2, 3] {
            for newest_first in [false, true] {
                let mut want = all.clone();
                if newest_first {
                    want.reverse();
                }
                want.truncate(3);
                let got = query.first_page_by_steps(&views, &timeline, 3, newest_first, step);
                assert_eq!(got, want, "step {step}, newest first {newest_first}");
            }
        }
    }

    #[test]
    fn ranges_evaluated_apart_agree_with_one_pass() {
        let mut text = String::new();
        for i in 0..5000 {
            let level = if i % 7 == 0 { "ERROR" } else { "INFO" };
            text.push_str(&format!(
                "2026-07-03 09:00:00 {level} item {i} refused={}\n",
                i % 3
            ));
        }
        let s = vec![ingest_bytes(
            "a.log",
            text.as_bytes(),
            IngestOptions::default(),
        )];
        let cx = QueryContext::for_sources(&s, Zone::Utc);
        let index = crate::engine::index::SourceIndex::build(&s[0], 0..s[0].len());
        for q in [
            "level:error refused:1",
            "/item 4\\d*7 /",
            "item 4242",
            "NOT refused>=1",
        ] {
            let query = Query::new(q, &cx);
            let view = SourceView::new(&s[0], Some(&index));
            let whole = query.eval_range(&view, 0..5000);
            let mut pieces = split_range(5000, 7).into_iter();
            let mut joined = query.eval_range(&view, pieces.next().unwrap());
            for r in pieces {
                joined.append(query.eval_range(&view, r));
            }
            assert_eq!(joined, whole, "{q}");
            let plain = Query::new(q, &cx).run_all(&s);
            assert_eq!(plain.sets[0], whole, "{q} with and without the index");
        }
    }

    /// A case of two formats with words in mixed case, phrases with varying spaces, ids and
    /// fields, long enough for many index groups and an index built over part of it.
    fn partial_index_case() -> Vec<SourceData> {
        let mut app = String::new();
        let mut text = String::new();
        for i in 0..3000usize {
            let level = ["info", "warn", "error"][i % 3];
            let msg = match i % 11 {
                0 => "Connection  TIMED out after 30 seconds".to_string(),
                1 => format!("connection timed out after {} seconds", i % 60),
                2 => "upstream REFUSED the request".to_string(),
                3 => format!("payment {:016x} settled", i.wrapping_mul(0x9e37_79b9)),
                _ => format!("handled request {i}"),
            };
            app.push_str(&format!(
                "{{\"ts\":\"2026-07-03T09:{:02}:{:02}Z\",\"level\":\"{level}\",\"service\":\"payment-{}\",\"msg\":\"{msg}\",\"status\":{}}}\n",
                (i / 60) % 60,
                i % 60,
                ["gateway", "ledger", "auth"][i % 5 % 3],
                [200, 200, 404, 502, 504][i % 7 % 5],
            ));
            let level = level.to_uppercase();
            text.push_str(&format!(
                "2026-07-03 09:{:02}:{:02} {level} worker-{} {msg} status={} latency_ms={}\n",
                (i / 60) % 60,
                i % 60,
                i % 4,
                [200, 500, 503][i % 13 % 3],
                (i * 37) % 2000,
            ));
        }
        vec![
            ingest_bytes("app.jsonl", app.as_bytes(), IngestOptions::default()),
            ingest_bytes("worker.log", text.as_bytes(), IngestOptions::default()),
        ]
    }

    #[test]
    fn a_half_built_index_gives_the_matches_counts_and_facets_of_a_whole_one() {
        use crate::engine::index::{SourceIndex, GROUP_EVENTS};
        let s = partial_index_case();
        let cx = QueryContext::for_sources(&s, Zone::Utc);
        let whole: Vec<SourceIndex> = s
            .iter()
            .map(|x| SourceIndex::build(x, 0..x.len()))
            .collect();
        // Half built, as the warm-up leaves it (steps end on whole groups), with columns built
        // over the indexed half of the fields queries read, as a query or the warm-up builds them.
        let half = |build_columns: bool| -> Vec<SourceIndex> {
            s.iter()
                .map(|x| {
                    let mut index = SourceIndex::default();
                    index.extend_to(x, x.len() / 2 / GROUP_EVENTS * GROUP_EVENTS);
                    assert!(index.end() > 0 && index.end() < x.len());
                    if build_columns {
                        let reader = crate::engine::fields::FieldReader::for_source(x);
                        for field in ["status", "service", "latency_ms", "level"] {
                            let columns = index.columns();
                            columns.prebuild(field, 0..columns.chunk_count(), x, &reader);
                        }
                    }
                    index
                })
                .collect()
        };
        let (half_bare, half_columns) = (half(false), half(true));
        fn views<'a>(
            s: &'a [SourceData],
            indexes: Option<&'a [SourceIndex]>,
        ) -> Vec<SourceView<'a>> {
            s.iter()
                .enumerate()
                .map(|(i, x)| SourceView::new(x, indexes.map(|ix| &ix[i])))
                .collect()
        }
        let timeline = Timeline::build(&s);
        for q in [
            "timed",
            "TIMED",
            "refused",
            "settled",
            "\"connection timed out after 30 seconds\"",
            "\"Upstream refused\"",
            "connection timed out",
            "pay*",
            "/timed out|refused/",
            "/TIMED\\s+OUT/i",
            "status>=500",
            "status:502",
            "service:payment-l*",
            "latency_ms>1500",
            "level:error timed",
            "-refused level:warn+",
            "has:latency_ms handled",
        ] {
            let query = Query::new(q, &cx);
            assert!(query.errors().is_empty(), "{q}: {:?}", query.errors());
            let want = query.run(&views(&s, Some(&whole)));
            assert!(want.count() > 0, "{q} matches something");
            for (name, indexes) in [("half", &half_bare), ("half with columns", &half_columns)] {
                let got = query.run(&views(&s, Some(indexes)));
                assert_eq!(got.sets, want.sets, "{q}: {name} index");
                assert_eq!(got.count(), want.count(), "{q}: {name} index");
                assert_eq!(
                    facets(&s, &got, 5, 1000),
                    facets(&s, &want, 5, 1000),
                    "{q}: {name} index"
                );
                assert_eq!(
                    histogram(&s, &got, 20, StackBy::Level),
                    histogram(&s, &want, 20, StackBy::Level),
                    "{q}: {name} index"
                );
                assert_eq!(
                    query.first_page(&views(&s, Some(indexes)), &timeline, 50, true),
                    query.first_page(&views(&s, Some(&whole)), &timeline, 50, true),
                    "{q}: {name} index"
                );
            }
            assert_eq!(query.run_all(&s).sets, want.sets, "{q}: no index");
        }
        // The words and phrases (searched with needles now) match what their regex alone matches.
        for (text, phrase) in [
            ("timed", false),
            ("TIMED", false),
            ("pay*", false),
            ("connection timed out after 30 seconds", true),
        ] {
            let re = regex::bytes::Regex::new(&plan::text_regex(text, phrase)).unwrap();
            let q = if phrase {
                format!("\"{text}\"")
            } else {
                text.to_string()
            };
            let query = Query::new(&q, &cx);
            let Plan::Text(m) = &query.compiled.plan else {
                panic!("{q} is one text term");
            };
            assert!(m.needles.is_some(), "{q} is searched with needles");
            let got = query.run(&views(&s, Some(&half_bare)));
            for (i, x) in s.iter().enumerate() {
                let want: Vec<usize> = (0..x.len()).filter(|e| re.is_match(x.text(*e))).collect();
                assert_eq!(got.sets[i].iter().collect::<Vec<_>>(), want, "{q} in {i}");
            }
        }
    }

    #[test]
    fn a_first_page_keeps_its_whole_run_for_the_count_once() {
        let s = partial_index_case();
        let cx = QueryContext::for_sources(&s, Zone::Utc);
        let timeline = Timeline::build(&s);
        let views: Vec<SourceView<'_>> = s.iter().map(|x| SourceView::new(x, None)).collect();
        // Rare matches (steps over an eighth of the timeline cannot fill a page of 200) are
        // evaluated whole and kept; common ones fill the page in the steps and keep nothing.
        for (q, kept) in [
            ("settled", true),
            ("\"upstream refused\"", true),
            ("handled", false),
        ] {
            let query = Query::new(q, &cx);
            let want = query.run(&views);
            let page = query.first_page_by_steps(&views, &timeline, 200, false, 64);
            assert_eq!(page, want.page(&timeline, 0, 200, false), "{q}");
            assert_eq!(query.kept.lock().unwrap().is_some(), kept, "{q}");
            assert_eq!(query.run_kept(&views).sets, want.sets, "{q}");
            assert!(query.kept.lock().unwrap().is_none(), "{q}: taken once");
            assert_eq!(query.run_kept(&views).sets, want.sets, "{q}: run again");
            assert!(query.clone().kept.lock().unwrap().is_none());
        }
    }

    #[test]
    fn positions_and_pages_of_no_match_or_every_event_need_no_walk_and_agree_with_one() {
        let s = partial_index_case();
        let cx = QueryContext::for_sources(&s, Zone::Utc);
        let timeline = Timeline::build(&s);
        let walk = |m: &Matches| -> Vec<u32> {
            (0..timeline.len())
                .filter(|&p| timeline.get(p, false).is_some_and(|id| m.contains(id)))
                .map(|p| p as u32)
                .collect()
        };
        for q in ["", "nowhere_at_all", "settled", "level:error"] {
            let m = Query::new(q, &cx).run_all(&s);
            let all = walk(&m);
            assert_eq!(m.positions(&timeline), all, "{q:?}");
            for (skip, take) in [(0, 0), (0, 5), (3, 5), (all.len(), 5), (all.len() + 1, 5)] {
                let want: Vec<u32> = all.iter().skip(skip).take(take).copied().collect();
                assert_eq!(
                    m.page(&timeline, skip, take, false),
                    want,
                    "{q:?} {skip} {take}"
                );
            }
        }
        assert_eq!(Matches::all(&s).positions(&timeline).len(), timeline.len());
    }

    #[test]
    fn results_serialise_for_the_worker() {
        let s = case();
        let cx = QueryContext::for_sources(&s, Zone::Utc);
        let m = Query::new("level:warn+", &cx).run_all(&s);
        let h = histogram(&s, &m, 10, StackBy::Level);
        assert_eq!(h.counts.iter().flatten().sum::<u64>() + h.outside, 5);
        let f = facets(&s, &m, 5, 1000);
        assert_eq!(f.matched, 5);
        let level = &f.facets[0];
        assert_eq!(level.field, "level");
        assert_eq!(level.top[0].value, "error");
        let latency = f.facets.iter().find(|f| f.field == "latency_ms").unwrap();
        assert_eq!(latency.numeric.as_ref().unwrap().max, 30000.0);
        for json in [
            serde_json::to_string(&h).unwrap(),
            serde_json::to_string(&f).unwrap(),
        ] {
            assert!(json.starts_with('{'));
        }
        let back: Histogram = serde_json::from_str(&serde_json::to_string(&h).unwrap()).unwrap();
        assert_eq!(back, h);
    }
}
