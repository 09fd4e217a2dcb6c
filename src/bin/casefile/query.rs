//! `casefile query --json [--count] [--zone ZONE] [--threads N] [--index [--lazy-columns]] [--timings] QUERY FILE...`: the events matching a
//! query, in timeline order.
//!
//! Output (a contract, see README):
//! - without `--count`, one JSON object per matching event, oldest first (the merged timeline order):
//!   `{"source": path as given, "ts": RFC 3339 UTC ending in Z or null, "level": "none".."critical",
//!   "text": the raw event text (all its lines), "fields": {name: value, ...}}` where `fields` holds
//!   the extracted fields (see `engine::fields`), values as strings, names sorted, first value kept
//!   when a name repeats;
//! - with `--count`, one object `{"count": N, "elapsed_ms": T}`, `T` covering reading and querying.
//!
//! Mistakes in the query are reported on standard error with their byte positions, and the rest of
//! the query still runs (as in the browser). Files that cannot be read are reported on standard error.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Range;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use casefile::engine::fields::FieldReader;
use casefile::engine::index::SourceIndex;
use casefile::engine::query::columns::common_fields;
use casefile::engine::query::{
    facets, histogram, split_range, EventSet, Matches, Query, QueryContext, SourceView, StackBy,
};
use casefile::engine::store::SourceData;
use casefile::engine::time::{format_rfc3339, Zone};
use casefile::engine::timeline::Timeline;
use serde::Serialize;

use crate::{read_all, usage_error};

struct QueryArgs {
    count: bool,
    /// Build the token index, and the columns of common fields, before evaluating (as the browser
    /// does after loading).
    index: bool,
    /// With `--index`, leave the field columns to the queries that read them (for comparisons).
    lazy_columns: bool,
    /// Print phase timings as one JSON object on standard error (for scripts/bench-query.sh).
    timings: bool,
    zone: Zone,
    threads: usize,
    query: String,
    files: Vec<String>,
}

fn parse_args(args: &[String]) -> Result<QueryArgs, String> {
    let mut json = false;
    let mut out = QueryArgs {
        count: false,
        index: false,
        lazy_columns: false,
        timings: false,
        zone: Zone::Utc,
        threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        query: String::new(),
        files: Vec::new(),
    };
    let mut positional: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => json = true,
            "--count" => out.count = true,
            "--index" => out.index = true,
            "--lazy-columns" => out.lazy_columns = true,
            "--timings" => out.timings = true,
            "--zone" => {
                let name = it.next().ok_or("--zone needs a zone name")?;
                out.zone = Zone::parse(name).map_err(|e| e.to_string())?;
            }
            z if z.starts_with("--zone=") => {
                out.zone = Zone::parse(&z["--zone=".len()..]).map_err(|e| e.to_string())?;
            }
            "--threads" => {
                let n = it.next().ok_or("--threads needs a number")?;
                out.threads = n
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or("--threads needs a number above 0")?;
            }
            "--" => positional.extend(it.by_ref().cloned()),
            // A single dash starts a query term (`-level:debug`), never an option.
            f if f.starts_with("--") => return Err(format!("unknown option {f}")),
            f => positional.push(f.to_string()),
        }
    }
    if !json {
        return Err("query prints JSON only: add --json".into());
    }
    let mut positional = positional.into_iter();
    out.query = positional.next().ok_or("no query given")?;
    out.files = positional.collect();
    if out.files.is_empty() {
        return Err("no files given".into());
    }
    Ok(out)
}

/// Runs `work` on every range of every source (ranges of about a sixteenth of a thread's share, so
/// threads finish together) on `threads` threads; results come back per source, in range order.
fn par_ranges<T: Send>(
    sources: &[SourceData],
    threads: usize,
    work: impl Fn(usize, Range<usize>) -> T + Sync,
) -> Vec<Vec<T>> {
    let mut jobs: Vec<(usize, Range<usize>)> = Vec::new();
    let total: usize = sources.iter().map(|s| s.len()).sum();
    let per_range = (total / (threads * 16)).max(1 << 14);
    for (s, source) in sources.iter().enumerate() {
        let parts = source.len().div_ceil(per_range);
        jobs.extend(split_range(source.len(), parts).into_iter().map(|r| (s, r)));
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.min(jobs.len()).max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((s, range)) = jobs.get(i) else {
                    break;
                };
                let out = work(*s, range.clone());
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(out);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_default();
    let mut per_source: Vec<Vec<T>> = sources.iter().map(|_| Vec::new()).collect();
    for ((s, _), out) in jobs.iter().zip(results) {
        if let Some(out) = out {
            per_source[*s].push(out);
        }
    }
    per_source
}

/// Evaluates the query over all sources on `threads` threads.
fn evaluate(
    query: &Query,
    views: &[SourceView<'_>],
    sources: &[SourceData],
    threads: usize,
) -> Matches {
    let pieces = par_ranges(sources, threads, |s, range| {
        query.eval_range(&views[s], range)
    });
    Matches {
        sets: pieces
            .into_iter()
            .zip(sources)
            .map(|(sets, source)| {
                let mut sets = sets.into_iter();
                let mut acc = sets
                    .next()
                    .unwrap_or_else(|| EventSet::empty(0..source.len()));
                for set in sets {
                    acc.append(set);
                }
                acc
            })
            .collect(),
    }
}

/// Builds the token index of every source on `threads` threads.
fn build_indexes(sources: &[SourceData], threads: usize) -> Vec<SourceIndex> {
    par_ranges(sources, threads, |s, range| {
        SourceIndex::build(&sources[s], range)
    })
    .into_iter()
    .map(|pieces| {
        let mut pieces = pieces.into_iter();
        let mut acc = pieces.next().unwrap_or_default();
        for p in pieces {
            acc.append(p);
        }
        acc
    })
    .collect()
}

/// Events sampled per source to choose the fields whose columns `--index` builds.
const COMMON_FIELDS_SAMPLE: usize = 2_000;
/// Most fields whose columns `--index` builds per source.
const COMMON_FIELDS_MAX: usize = 8;

/// Builds the field columns of every source's common fields (as the browser does after loading)
/// on `threads` threads, a chunk per job, the most common fields first.
fn prebuild_columns(sources: &[SourceData], indexes: &[SourceIndex], threads: usize) {
    let readers: Vec<FieldReader> = sources.iter().map(FieldReader::for_source).collect();
    let mut jobs: Vec<(usize, String, usize)> = Vec::new();
    for (s, (source, index)) in sources.iter().zip(indexes).enumerate() {
        let fields = common_fields(
            source,
            &readers[s],
            0..source.len(),
            COMMON_FIELDS_SAMPLE,
            COMMON_FIELDS_MAX,
        );
        for field in fields {
            let chunks = index.columns().chunk_count();
            jobs.extend((0..chunks).map(|k| (s, field.clone(), k)));
        }
    }
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.min(jobs.len()).max(1) {
            scope.spawn(|| {
                while let Some((s, field, k)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let columns = indexes[*s].columns();
                    columns.prebuild(field, *k..*k + 1, &sources[*s], &readers[*s]);
                }
            });
        }
    });
}

fn ms(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1e4).round() / 10.0
}

/// One matching event as printed (field order as documented).
#[derive(Serialize)]
struct EventLine<'a> {
    source: &'a str,
    ts: Option<String>,
    level: &'static str,
    text: Cow<'a, str>,
    fields: BTreeMap<String, String>,
}

fn event_line<'a>(source: &'a SourceData, reader: &FieldReader, event: usize) -> EventLine<'a> {
    let text = source.text(event);
    let mut fields = BTreeMap::new();
    reader.for_each(text, &mut |key, value| {
        if !fields.contains_key(key) {
            fields.insert(key.to_string(), value.into_owned());
        }
        true
    });
    EventLine {
        source: &source.info.name,
        ts: source.ts(event).map(format_rfc3339),
        level: source.level(event).as_str(),
        text: String::from_utf8_lossy(text),
        fields,
    }
}

/// Phase timings and memory figures on standard error: what the browser would do after loading
/// (the index, a first page, a histogram and facets), measured natively.
#[allow(clippy::too_many_arguments)]
fn print_timings(
    sources: &[SourceData],
    indexes: &[SourceIndex],
    query: &Query,
    views: &[SourceView<'_>],
    matches: &Matches,
    read_ms: f64,
    [index_ms, columns_build_ms, eval_ms, eval_again_ms]: [f64; 4],
) {
    let started = Instant::now();
    let timeline = Timeline::build(sources);
    let timeline_ms = ms(started);
    let started = Instant::now();
    let first_page = query.first_page(views, &timeline, FIRST_PAGE, false);
    let first_page_ms = ms(started);
    let started = Instant::now();
    let histogram = histogram(sources, matches, 200, StackBy::Level);
    let histogram_ms = ms(started);
    let started = Instant::now();
    let facets = facets(sources, matches, 10, FACET_SAMPLE);
    let facets_ms = ms(started);
    let events: usize = sources.iter().map(|s| s.len()).sum();
    let text_bytes: usize = sources.iter().map(|s| s.text_bytes()).sum();
    let store_bytes: usize = sources.iter().map(|s| s.overhead_bytes()).sum();
    let index_bytes: usize = indexes.iter().map(|i| i.overhead_bytes()).sum();
    let columns_bytes: usize = indexes.iter().map(|i| i.columns().overhead_bytes()).sum();
    let per_event = |b: usize| (b as f64 / events.max(1) as f64 * 100.0).round() / 100.0;
    let out = serde_json::json!({
        "events": events,
        "text_bytes": text_bytes,
        "read_ms": read_ms,
        "index_ms": index_ms,
        "columns_build_ms": columns_build_ms,
        "timeline_ms": timeline_ms,
        "eval_ms": eval_ms,
        "eval_again_ms": eval_again_ms,
        "count": matches.count(),
        "first_page_ms": first_page_ms,
        "first_page_rows": first_page.len(),
        "histogram_ms": histogram_ms,
        "histogram_buckets": histogram.counts.len(),
        "facets_ms": facets_ms,
        "facets_examined": facets.examined,
        "store_bytes_per_event": per_event(store_bytes),
        "timeline_bytes_per_event": per_event(timeline.overhead_bytes()),
        "index_bytes_per_event": per_event(index_bytes),
        "field_columns_bytes_per_event": per_event(columns_bytes),
    });
    eprintln!("{out}");
}

/// Rows in a first page (as the browser's result list shows).
const FIRST_PAGE: usize = 100;
/// Events examined for facets of extracted fields.
const FACET_SAMPLE: usize = 20_000;

pub(crate) fn run(args: &[String]) -> ExitCode {
    let args = match parse_args(args) {
        Ok(a) => a,
        Err(e) => return usage_error(&e),
    };
    let started = Instant::now();
    let sources = read_all(&args.files, &args.zone);
    for s in &sources {
        if let Some(e) = &s.info.error {
            eprintln!("casefile: {}: {e}", s.info.name);
        }
    }
    let cx = QueryContext::for_sources(&sources, args.zone.clone());
    let query = Query::new(&args.query, &cx);
    for e in query.errors() {
        eprintln!(
            "casefile: in the query at bytes {}..{}: {}",
            e.span.start, e.span.end, e.message
        );
    }
    let read_ms = ms(started);
    let index_started = Instant::now();
    let indexes = if args.index {
        build_indexes(&sources, args.threads)
    } else {
        Vec::new()
    };
    let index_ms = ms(index_started);
    let columns_started = Instant::now();
    if args.index && !args.lazy_columns {
        prebuild_columns(&sources, &indexes, args.threads);
    }
    let columns_build_ms = ms(columns_started);
    let views: Vec<SourceView<'_>> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| SourceView::new(s, indexes.get(i)))
        .collect();
    let eval_started = Instant::now();
    let matches = evaluate(&query, &views, &sources, args.threads);
    let eval_ms = ms(eval_started);
    if args.timings {
        // The same query again, as the next filter over the loaded case runs: the field columns
        // the first evaluation built are read now.
        let again_started = Instant::now();
        let again = evaluate(&query, &views, &sources, args.threads);
        let eval_again_ms = ms(again_started);
        debug_assert_eq!(again, matches);
        print_timings(
            &sources,
            &indexes,
            &query,
            &views,
            &matches,
            read_ms,
            [index_ms, columns_build_ms, eval_ms, eval_again_ms],
        );
    }
    if args.count {
        let out = serde_json::json!({
            "count": matches.count(),
            "elapsed_ms": started.elapsed().as_millis() as u64,
        });
        println!("{out}");
        return ExitCode::SUCCESS;
    }
    let timeline = Timeline::build(&sources);
    let readers: Vec<FieldReader> = sources.iter().map(FieldReader::for_source).collect();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    for position in 0..timeline.len() {
        let Some(id) = timeline.get(position, false) else {
            continue;
        };
        if !matches.contains(id) {
            continue;
        }
        let s = id.source as usize;
        let line = event_line(&sources[s], &readers[s], id.event as usize);
        let written = serde_json::to_writer(&mut out, &line)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"));
        if written.is_err() {
            // The reader went away (`| head`): stop quietly.
            return ExitCode::SUCCESS;
        }
    }
    if out.flush().is_err() {
        return ExitCode::SUCCESS;
    }
    ExitCode::SUCCESS
}
