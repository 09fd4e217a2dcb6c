//! `casefile query --json [--count] [--zone ZONE] [--threads N] QUERY FILE...`: the events matching a
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
use casefile::engine::query::{split_range, EventSet, Matches, Query, QueryContext, SourceView};
use casefile::engine::store::SourceData;
use casefile::engine::time::{format_rfc3339, Zone};
use casefile::engine::timeline::Timeline;
use serde::Serialize;

use crate::{read_all, usage_error};

struct QueryArgs {
    count: bool,
    zone: Zone,
    threads: usize,
    query: String,
    files: Vec<String>,
}

fn parse_args(args: &[String]) -> Result<QueryArgs, String> {
    let mut json = false;
    let mut out = QueryArgs {
        count: false,
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

/// Evaluates the query over all sources on `threads` threads, each taking the next range of events.
fn evaluate(query: &Query, views: &[SourceView<'_>], threads: usize) -> Matches {
    let mut work: Vec<(usize, Range<usize>)> = Vec::new();
    let total: usize = views.iter().map(|v| v.source.len()).sum();
    // Ranges of about a sixteenth of a thread's share, so threads finish together.
    let per_range = (total / (threads * 16)).max(1 << 14);
    for (s, v) in views.iter().enumerate() {
        let parts = v.source.len().div_ceil(per_range);
        work.extend(
            split_range(v.source.len(), parts)
                .into_iter()
                .map(|r| (s, r)),
        );
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<EventSet>>> = Mutex::new(vec![None; work.len()]);
    std::thread::scope(|scope| {
        for _ in 0..threads.min(work.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((s, range)) = work.get(i) else {
                    break;
                };
                let set = query.eval_range(&views[*s], range.clone());
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(set);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_default();
    let mut sets: Vec<Option<EventSet>> = vec![None; views.len()];
    for ((s, _), set) in work.iter().zip(results) {
        let Some(set) = set else { continue };
        match sets[*s].as_mut() {
            Some(acc) => acc.append(set),
            None => sets[*s] = Some(set),
        }
    }
    Matches {
        sets: sets
            .into_iter()
            .zip(views)
            .map(|(s, v)| s.unwrap_or_else(|| EventSet::full(0..v.source.len())))
            .collect(),
    }
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
    let views: Vec<SourceView<'_>> = sources.iter().map(|s| SourceView::new(s, None)).collect();
    let matches = evaluate(&query, &views, args.threads);
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
