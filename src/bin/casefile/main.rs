//! `casefile`: the native command-line tool over the engine, for scripted checks and benchmarks.
//!
//! Commands (their JSON output is a contract, documented in README.md), one module each:
//! - `casefile summary --json [--zone ZONE] FILE...` ([`summary`])
//! - `casefile query --json [--count] [--zone ZONE] [--threads N] QUERY FILE...` ([`query`])
//! - `casefile follow|skew|context|changes|spikes --json ... FILE...` ([`correlate`])
//! - `casefile templates --json FILE...` / `casefile templates --per-line FILE` ([`templates`])
//!
//! Shared here: argument parsing for commands that read files, and reading files from disk through the
//! same streaming ingest the browser worker uses. A compressed file or an archive is opened as it
//! streams in ([`casefile::engine::decode`]); an archive yields one source per member, named
//! `ARCHIVE!/member`.

mod correlate;
mod query;
mod summary;
mod templates;

use std::fs::File;
use std::io::Read;
use std::process::ExitCode;
use std::time::UNIX_EPOCH;

use casefile::engine::decode::FileIngest;
use casefile::engine::error::SourceError;
use casefile::engine::ingest::IngestOptions;
use casefile::engine::store::{SourceData, SourceInfo};
use casefile::engine::time::Zone;

const USAGE: &str = "usage: casefile summary --json [--zone ZONE] FILE...
       casefile query --json [--count] [--zone ZONE] [--threads N] QUERY FILE...
       casefile follow --json ID FILE...
       casefile skew --json FILE...
       casefile context --json --at TIME [--seconds N] FILE...
       casefile templates (--json FILE... | --per-line FILE)
       casefile changes --json [--from A --to B] [--before-from C --before-to D] FILE...
       casefile spikes --json FILE...";

/// Bytes handed to the engine per push, as the browser worker reads File slices.
const CHUNK_BYTES: usize = 8 << 20;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("summary") => summary::run(&args[1..]),
        Some("query") => query::run(&args[1..]),
        Some("follow") => correlate::run_follow(&args[1..]),
        Some("skew") => correlate::run_skew(&args[1..]),
        Some("context") => correlate::run_context(&args[1..]),
        Some("templates") => templates::run(&args[1..]),
        Some("changes") => correlate::run_changes(&args[1..]),
        Some("spikes") => correlate::run_spikes(&args[1..]),
        Some("-h") | Some("--help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => usage_error("expected a command"),
    }
}

pub(crate) fn usage_error(why: &str) -> ExitCode {
    eprintln!("casefile: {why}\n{USAGE}");
    ExitCode::from(2)
}

/// Options shared by commands that read files.
pub(crate) struct ReadArgs {
    pub zone: Zone,
    pub json: bool,
    pub files: Vec<String>,
}

pub(crate) fn parse_read_args(args: &[String]) -> Result<ReadArgs, String> {
    let mut out = ReadArgs {
        zone: Zone::Utc,
        json: false,
        files: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => out.json = true,
            "--zone" => {
                let name = it.next().ok_or("--zone needs a zone name")?;
                out.zone = Zone::parse(name).map_err(|e| e.to_string())?;
            }
            z if z.starts_with("--zone=") => {
                out.zone = Zone::parse(&z["--zone=".len()..]).map_err(|e| e.to_string())?;
            }
            "--" => out.files.extend(it.by_ref().cloned()),
            f if f.starts_with('-') && f != "-" => return Err(format!("unknown option {f}")),
            f => out.files.push(f.to_string()),
        }
    }
    if out.files.is_empty() {
        return Err("no files given".into());
    }
    Ok(out)
}

/// Reads one file from disk through the same streaming path the browser uses: one source for a plain
/// or compressed file, one per member for an archive.
pub(crate) fn read_file(path: &str, zone: &Zone) -> Vec<SourceData> {
    let open = File::open(path).and_then(|f| f.metadata().map(|m| (f, m)));
    let (mut file, meta) = match open {
        Ok(v) => v,
        Err(e) => {
            return vec![SourceData::new(SourceInfo {
                name: path.to_string(),
                error: Some(SourceError::Unreadable(e.to_string()).to_string()),
                ..Default::default()
            })]
        }
    };
    let modified_ns = meta
        .modified()
        .ok()
        .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i64);
    let options = IngestOptions {
        zone: zone.clone(),
        modified_ns,
        size: Some(meta.len()),
    };
    let mut ingest = FileIngest::open(path, options);
    let mut chunk = vec![0u8; CHUNK_BYTES];
    loop {
        match file.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => ingest.push(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let mut sources = ingest.finish();
                if let Some(last) = sources.last_mut() {
                    let note = format!("reading stopped part-way: {e}");
                    last.info.error = Some(match last.info.error.take() {
                        Some(prev) => format!("{prev}; {note}"),
                        None => note,
                    });
                }
                return sources;
            }
        }
    }
    ingest.finish()
}

/// Reads all files, in parallel, keeping argument order (an archive's members in archive order).
pub(crate) fn read_all(files: &[String], zone: &Zone) -> Vec<SourceData> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .iter()
            .map(|f| scope.spawn(move || read_file(f, zone)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("reader thread panicked"))
            .collect()
    })
}
