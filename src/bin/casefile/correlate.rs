//! The correlation commands: following an id, clock skew, context around a moment, what changed, and
//! spikes.
//!
//! All read files like `casefile summary` (same `--zone`, same streaming ingest) and print one JSON
//! object on stdout; their shapes are a contract:
//!
//! - `casefile follow --json ID FILE...`: every event carrying the id, in timeline order:
//!   `{"id","steps":[{"source","path","event","ts","ts_ns","level","text","since_previous_s",
//!   "since_first_s"}],"sources":[{"source","path","events"}],"total_events","span_s"}`.
//! - `casefile skew --json FILE...`: each file's clock offset relative to a reference file, estimated
//!   from shared ids: `{"reference","sources":[{"path","source","offset_s","confidence","shared_ids",
//!   "mad_s","resolution_s","reference","linked","via"}],"index":{"events","text_bytes","id_occurrences",
//!   "index_bytes","index_ms"}}` (`offset_s` > 0: the file's clock runs ahead; `index` tells what
//!   building the id index over all events took).
//! - `casefile context --json --at TS [--seconds N] FILE...`: what every file logged within ±N seconds
//!   (default 5) of TS (RFC 3339; zone-less times are read in `--zone`): `{"at","at_ns","seconds",
//!   "events":[{…event fields…,"from_centre_s","marked"}],"sources","total_events","truncated"}`.
//!
//! - `casefile changes --json [--from A --to B] [--before-from C --before-to D] FILE...`: message
//!   templates (from the pattern miner), field values, levels and files ranked by how much their rate changed between the window
//!   `A..B` and the window `C..D` (default: the same length just before `A`). Without `--from`/`--to`
//!   the window is the strongest error spike the spike finder marks. `{"after":{"from","to","from_ns",
//!   "to_ns","minutes"},"before":{…},"items":[{"kind","name","value","example","source","path","change",
//!   "before_count","after_count","before_per_min","after_per_min","score","onset","headline"}]}`;
//!   `kind` is template, field, level or source; `change` is new, up, vanished or down.
//! - `casefile spikes --json FILE...`: stretches where errors or a message template leave their baseline,
//!   strongest first: `{"bucket_s","start","spikes":[{"kind","series","path","source","from","to",
//!   "from_ns","to_ns","score","peak_count","baseline_per_bucket"}]}`.
//!
//! Options for `follow`, `context`, `changes` and `spikes`: `--offset FILE=SECONDS` (repeatable) sets a file's clock offset
//! by hand; `--apply-skew` applies the estimated offsets first.

use std::process::ExitCode;
use std::time::Instant;

use casefile::engine::correlate::changes::{compare_with, Window};
use casefile::engine::correlate::context::{around_time, DEFAULT_LIMIT};
use casefile::engine::correlate::follow::follow;
use casefile::engine::correlate::ids::IdIndex;
use casefile::engine::correlate::shape::{template_group, template_key, GroupKey};
use casefile::engine::correlate::skew::{adjusted_timeline, estimate};
use casefile::engine::correlate::spikes::{find_spikes_with, strongest, SpikeOptions};
use casefile::engine::correlate::Offsets;
use casefile::engine::patterns::{mine_source, SourcePatterns};
use casefile::engine::store::SourceData;
use casefile::engine::time::{self, TimeContext, Zone, NANOS_PER_SEC};
use serde::Serialize;

use crate::{parse_read_args, read_all, usage_error, ReadArgs};

/// Removes `--name VALUE` / `--name=VALUE` occurrences from `args`, returning the values in order.
fn take_values(args: &mut Vec<String>, name: &str) -> Result<Vec<String>, String> {
    let mut values = Vec::new();
    let mut i = 0;
    let prefix = format!("{name}=");
    while i < args.len() {
        if args[i] == name {
            if i + 1 >= args.len() {
                return Err(format!("{name} needs a value"));
            }
            values.push(args.remove(i + 1));
            args.remove(i);
        } else if let Some(v) = args[i].strip_prefix(&prefix) {
            values.push(v.to_string());
            args.remove(i);
        } else {
            i += 1;
        }
    }
    Ok(values)
}

fn take_value(args: &mut Vec<String>, name: &str) -> Result<Option<String>, String> {
    let mut v = take_values(args, name)?;
    if v.len() > 1 {
        return Err(format!("{name} given more than once"));
    }
    Ok(v.pop())
}

fn take_flag(args: &mut Vec<String>, name: &str) -> bool {
    let before = args.len();
    args.retain(|a| a != name);
    args.len() != before
}

/// Reads a time given on the command line (RFC 3339, ISO 8601 with or without zone, or epoch).
pub(crate) fn parse_time(text: &str, zone: &Zone) -> Result<i64, String> {
    let t = text.trim();
    let cx = TimeContext::new(zone.clone(), None);
    match time::parse_any(t.as_bytes()) {
        Some((stamp, used)) if used == t.len() => cx
            .resolve(&stamp)
            .ok_or_else(|| format!("the time \"{t}\" does not exist in the zone given")),
        _ => Err(format!(
            "\"{t}\" is not a time: use RFC 3339 such as 2026-07-03T10:48:00Z"
        )),
    }
}

fn parse_seconds(text: &str, name: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite())
        .ok_or_else(|| format!("{name} needs a number of seconds, not \"{text}\""))
}

/// Offsets from `--offset FILE=SECONDS` and `--apply-skew`.
fn offsets(
    sources: &[SourceData],
    hand: &[String],
    apply_skew: bool,
    index: Option<&IdIndex>,
) -> Result<Offsets, String> {
    let mut out = match (apply_skew, index) {
        (true, Some(index)) => estimate(sources, index).offsets(),
        (true, None) => estimate(sources, &IdIndex::build(sources)).offsets(),
        _ => Offsets::zero(sources.len()),
    };
    for spec in hand {
        let (file, secs) = spec
            .rsplit_once('=')
            .ok_or_else(|| format!("--offset needs FILE=SECONDS, not \"{spec}\""))?;
        let secs = parse_seconds(secs, "--offset")?;
        let source = sources
            .iter()
            .position(|s| s.info.name == file)
            .ok_or_else(|| format!("--offset names \"{file}\", which is not one of the files"))?;
        out.set(source as u16, (secs * NANOS_PER_SEC as f64).round() as i64);
    }
    Ok(out)
}

fn print_json(value: &impl Serialize) -> ExitCode {
    match serde_json::to_string(value) {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("casefile: the result could not be written as JSON: {e}");
            ExitCode::FAILURE
        }
    }
}

fn read_args(args: &[String], command: &str) -> Result<ReadArgs, String> {
    let a = parse_read_args(args)?;
    if !a.json {
        return Err(format!("{command} prints JSON only: add --json"));
    }
    Ok(a)
}

/// `casefile follow --json ID FILE...`
pub(crate) fn run_follow(args: &[String]) -> ExitCode {
    let mut args = args.to_vec();
    let result = (|| {
        let hand = take_values(&mut args, "--offset")?;
        let apply = take_flag(&mut args, "--apply-skew");
        let mut a = read_args(&args, "follow")?;
        if a.files.len() < 2 {
            return Err("follow needs an ID and at least one file".to_string());
        }
        let id = a.files.remove(0);
        Ok((id, a, hand, apply))
    })();
    let (id, a, hand, apply) = match result {
        Ok(v) => v,
        Err(e) => return usage_error(&e),
    };
    let sources = read_all(&a.files, &a.zone);
    let index = IdIndex::build(&sources);
    let offsets = match offsets(&sources, &hand, apply, Some(&index)) {
        Ok(o) => o,
        Err(e) => return usage_error(&e),
    };
    print_json(&follow(&sources, &index, &offsets, &id))
}

/// `casefile skew --json FILE...`
pub(crate) fn run_skew(args: &[String]) -> ExitCode {
    let a = match read_args(args, "skew") {
        Ok(a) => a,
        Err(e) => return usage_error(&e),
    };
    let sources = read_all(&a.files, &a.zone);
    let started = Instant::now();
    let index = IdIndex::build(&sources);
    let index_ms = started.elapsed().as_secs_f64() * 1000.0;
    let report = estimate(&sources, &index);
    let events: usize = sources.iter().map(SourceData::len).sum();
    print_json(&SkewOutput {
        report,
        index: IndexStats {
            events: events as u64,
            text_bytes: sources.iter().map(|s| s.text_bytes() as u64).sum(),
            id_occurrences: index.len() as u64,
            index_bytes: index.overhead_bytes() as u64,
            index_ms: (index_ms * 10.0).round() / 10.0,
        },
    })
}

/// `casefile skew` output: the report plus what building the id index cost.
#[derive(Serialize)]
struct SkewOutput {
    #[serde(flatten)]
    report: casefile::engine::correlate::skew::SkewReport,
    index: IndexStats,
}

#[derive(Serialize)]
struct IndexStats {
    events: u64,
    text_bytes: u64,
    id_occurrences: u64,
    index_bytes: u64,
    index_ms: f64,
}

/// `casefile context --json --at TS [--seconds N] FILE...`
pub(crate) fn run_context(args: &[String]) -> ExitCode {
    let mut args = args.to_vec();
    let parsed = (|| {
        let at = take_value(&mut args, "--at")?.ok_or("context needs --at TIME")?;
        let seconds = take_value(&mut args, "--seconds")?
            .map(|s| parse_seconds(&s, "--seconds"))
            .transpose()?
            .unwrap_or(5.0);
        let hand = take_values(&mut args, "--offset")?;
        let apply = take_flag(&mut args, "--apply-skew");
        let a = read_args(&args, "context")?;
        let at_ns = parse_time(&at, &a.zone)?;
        Ok::<_, String>((at_ns, seconds.abs(), hand, apply, a))
    })();
    let (at_ns, seconds, hand, apply, a) = match parsed {
        Ok(v) => v,
        Err(e) => return usage_error(&e),
    };
    let sources = read_all(&a.files, &a.zone);
    let offsets = match offsets(&sources, &hand, apply, None) {
        Ok(o) => o,
        Err(e) => return usage_error(&e),
    };
    let timeline = adjusted_timeline(&sources, &offsets);
    print_json(&around_time(
        &sources,
        &timeline,
        &offsets,
        at_ns,
        seconds,
        DEFAULT_LIMIT,
    ))
}

/// `casefile changes --json [--from A --to B] [--before-from C --before-to D] FILE...`
pub(crate) fn run_changes(args: &[String]) -> ExitCode {
    let mut args = args.to_vec();
    let parsed = (|| {
        let from = take_value(&mut args, "--from")?;
        let to = take_value(&mut args, "--to")?;
        let before_from = take_value(&mut args, "--before-from")?;
        let before_to = take_value(&mut args, "--before-to")?;
        let hand = take_values(&mut args, "--offset")?;
        let apply = take_flag(&mut args, "--apply-skew");
        let a = read_args(&args, "changes")?;
        let t = |v: Option<String>| v.map(|v| parse_time(&v, &a.zone)).transpose();
        let after = match (t(from)?, t(to)?) {
            (Some(f), Some(t)) => Some(Window::new(f, t)),
            (None, None) => None,
            _ => return Err("give both --from and --to, or neither".to_string()),
        };
        let before = match (t(before_from)?, t(before_to)?) {
            (Some(f), Some(t)) => Some(Window::new(f, t)),
            (None, None) => None,
            _ => return Err("give both --before-from and --before-to, or neither".to_string()),
        };
        Ok::<_, String>((after, before, hand, apply, a))
    })();
    let (after, before, hand, apply, a) = match parsed {
        Ok(v) => v,
        Err(e) => return usage_error(&e),
    };
    let sources = read_all(&a.files, &a.zone);
    let offsets = match offsets(&sources, &hand, apply, None) {
        Ok(o) => o,
        Err(e) => return usage_error(&e),
    };
    let patterns = mine_all(&sources);
    let group = template_group(&patterns);
    let Some(after) =
        after.or_else(|| default_window(&sources, &offsets, &template_key(&patterns)))
    else {
        eprintln!("casefile: the files hold no timed events to compare");
        return ExitCode::FAILURE;
    };
    print_json(&compare_with(&sources, &offsets, after, before, &group))
}

/// Mines the templates of every source, in parallel (one thread per source, as files are read).
fn mine_all(sources: &[SourceData]) -> Vec<SourcePatterns> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = sources
            .iter()
            .map(|s| scope.spawn(move || mine_source(s)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// Without `--from`/`--to`: the strongest spike of errors (else of any series), else the last tenth
/// of the loaded span.
fn default_window(
    sources: &[SourceData],
    offsets: &Offsets,
    group: &GroupKey<'_>,
) -> Option<Window> {
    let report = find_spikes_with(sources, offsets, &SpikeOptions::default(), group);
    if let Some(spike) = strongest(&report) {
        return Some(Window::new(spike.from_ns, spike.to_ns));
    }
    let first = sources.iter().filter_map(|s| s.info.first_ts).min()?;
    let last = sources.iter().filter_map(|s| s.info.last_ts).max()?;
    let len = ((last - first) / 10).max(1);
    Some(Window::new(last + 1 - len, last + 1))
}

/// `casefile spikes --json FILE...`
pub(crate) fn run_spikes(args: &[String]) -> ExitCode {
    let mut args = args.to_vec();
    let parsed = (|| {
        let hand = take_values(&mut args, "--offset")?;
        let apply = take_flag(&mut args, "--apply-skew");
        let a = read_args(&args, "spikes")?;
        Ok::<_, String>((hand, apply, a))
    })();
    let (hand, apply, a) = match parsed {
        Ok(v) => v,
        Err(e) => return usage_error(&e),
    };
    let sources = read_all(&a.files, &a.zone);
    let offsets = match offsets(&sources, &hand, apply, None) {
        Ok(o) => o,
        Err(e) => return usage_error(&e),
    };
    let patterns = mine_all(&sources);
    let spikes = find_spikes_with(
        &sources,
        &offsets,
        &SpikeOptions::default(),
        &template_key(&patterns),
    );
    print_json(&spikes)
}
