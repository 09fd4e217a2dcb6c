//! The correlation commands: following an id, clock skew, and context around a moment.
//!
//! All read files like `casefile summary` (same `--zone`, same streaming ingest) and print one JSON
//! object on stdout; their shapes are a contract:
//!
//! - `casefile follow --json ID FILE...`: every event carrying the id, in timeline order:
//!   `{"id","steps":[{"source","path","event","ts","ts_ns","level","text","since_previous_s",
//!   "since_first_s"}],"sources":[{"source","path","events"}],"total_events","span_s"}`.
//! - `casefile skew --json FILE...`: each file's clock offset relative to a reference file, estimated
//!   from shared ids: `{"reference","sources":[{"path","source","offset_s","confidence","shared_ids",
//!   "mad_s","resolution_s","reference","linked","via"}]}` (`offset_s` > 0: the file's clock runs ahead).
//! - `casefile context --json --at TS [--seconds N] FILE...`: what every file logged within ±N seconds
//!   (default 5) of TS (RFC 3339; zone-less times are read in `--zone`): `{"at","at_ns","seconds",
//!   "events":[{…event fields…,"from_centre_s","marked"}],"sources","total_events","truncated"}`.
//!
//! Options for `follow` and `context`: `--offset FILE=SECONDS` (repeatable) sets a file's clock offset
//! by hand; `--apply-skew` applies the estimated offsets first.

use std::process::ExitCode;

use casefile::engine::correlate::context::{around_time, DEFAULT_LIMIT};
use casefile::engine::correlate::follow::follow;
use casefile::engine::correlate::ids::IdIndex;
use casefile::engine::correlate::skew::{adjusted_timeline, estimate};
use casefile::engine::correlate::Offsets;
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
    let cx = TimeContext {
        zone: zone.clone(),
        modified_ns: None,
    };
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
    let index = IdIndex::build(&sources);
    print_json(&estimate(&sources, &index))
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
