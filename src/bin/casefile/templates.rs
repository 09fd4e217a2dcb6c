//! `casefile templates`: the message templates of log files.
//!
//! - `casefile templates --json [--zone ZONE] [--stats] FILE...` prints
//!   `{"templates":[{"id":0,"template":"Invalid user <*> from <IP>","count":12}, ...]}`: the templates of
//!   all files together (the same template text in several files is one template), most frequent
//!   first. Placeholders: `<NUM>` `<HEX>` `<IP>` `<UUID>` `<TIME>` `<DURATION>` `<SIZE>` `<PATH>` `<URL>`
//!   `<EMAIL>` `<ID>` and `<*>`; see [`casefile::engine::patterns`].
//! - `casefile templates --per-line FILE` prints one template id per physical line of FILE, in input
//!   order: exactly as many output lines as the file has lines. All lines of a multi-line event carry
//!   the event's id; a line that belongs to no event (a CSV header, a blank line before the first
//!   event) is mined as a message of its own.
//!
//! `--stats` writes the time spent reading and mining to stderr (for benchmarks).

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use casefile::engine::patterns::{self, PatternMiner, SourcePatterns};
use casefile::engine::store::SourceData;
use casefile::engine::time::Zone;
use serde::Serialize;

use crate::{read_file, usage_error};

#[derive(Serialize)]
struct TemplateOut<'a> {
    id: usize,
    template: &'a str,
    count: u64,
}

#[derive(Serialize)]
struct Output<'a> {
    templates: Vec<TemplateOut<'a>>,
}

pub(crate) fn run(args: &[String]) -> ExitCode {
    let mut json = false;
    let mut per_line = false;
    let mut stats = false;
    let mut zone = Zone::Utc;
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => json = true,
            "--per-line" => per_line = true,
            "--stats" => stats = true,
            "--zone" => {
                let Some(name) = it.next() else {
                    return usage_error("--zone needs a zone name");
                };
                match Zone::parse(name) {
                    Ok(z) => zone = z,
                    Err(e) => return usage_error(&e.to_string()),
                }
            }
            "--" => files.extend(it.by_ref().cloned()),
            f if f.starts_with('-') && f != "-" => {
                return usage_error(&format!("unknown option {f}"))
            }
            f => files.push(f.to_string()),
        }
    }
    if files.is_empty() {
        return usage_error("no files given");
    }
    match (json, per_line) {
        (true, false) => run_json(&files, &zone, stats),
        (false, true) if files.len() == 1 => run_per_line(&files[0], &zone, stats),
        (false, true) => usage_error("--per-line reads exactly one file"),
        _ => usage_error("templates needs either --json or --per-line"),
    }
}

/// Reads one file (one source, or one per archive member) and mines each source, reporting the time
/// of each step when asked.
fn read_and_mine(path: &str, zone: &Zone, stats: bool) -> Vec<(SourceData, PatternMiner)> {
    let started = Instant::now();
    let sources = read_file(path, zone);
    let read = started.elapsed();
    let started = Instant::now();
    let mined: Vec<(SourceData, PatternMiner)> = sources
        .into_iter()
        .map(|source| {
            let mut miner = PatternMiner::new();
            miner.add_source(&source);
            (source, miner)
        })
        .collect();
    if stats {
        let mining = started.elapsed();
        eprintln!(
            "{path}: {} events, {} signatures; read {:.1} ms, mined {:.1} ms ({:.0}% of reading)",
            mined.iter().map(|(s, _)| s.len()).sum::<usize>(),
            mined.iter().map(|(_, m)| m.signatures()).sum::<usize>(),
            read.as_secs_f64() * 1e3,
            mining.as_secs_f64() * 1e3,
            100.0 * mining.as_secs_f64() / read.as_secs_f64().max(1e-9),
        );
    }
    mined
}

fn run_json(files: &[String], zone: &Zone, stats: bool) -> ExitCode {
    let mut all: Vec<SourcePatterns> = Vec::new();
    for path in files {
        for (source, miner) in read_and_mine(path, zone, stats) {
            if let Some(err) = &source.info.error {
                eprintln!("casefile: {}: {err}", source.info.name);
            }
            let started = Instant::now();
            all.push(miner.finish(source.ts_column()));
            if stats {
                eprintln!(
                    "{}: grouped in {:.1} ms",
                    source.info.name,
                    started.elapsed().as_secs_f64() * 1e3
                );
            }
        }
    }
    let refs: Vec<&SourcePatterns> = all.iter().collect();
    let merged = patterns::overall(&refs);
    let out = Output {
        templates: merged
            .iter()
            .enumerate()
            .map(|(id, t)| TemplateOut {
                id,
                template: &t.text,
                count: t.count,
            })
            .collect(),
    };
    println!(
        "{}",
        serde_json::to_string(&out).expect("templates serialise")
    );
    ExitCode::SUCCESS
}

/// One id per physical line; the members of an archive follow each other, their ids kept apart.
fn run_per_line(path: &str, zone: &Zone, stats: bool) -> ExitCode {
    let started = Instant::now();
    let sources = read_file(path, zone);
    let read = started.elapsed();
    let started = Instant::now();
    let mut ids: Vec<u32> = Vec::new();
    let mut offset = 0u32;
    for source in &sources {
        if let Some(err) = &source.info.error {
            eprintln!("casefile: {}: {err}", source.info.name);
        }
        let (patterns, lines) = patterns::lines::mine_lines(source);
        ids.extend(lines.into_iter().map(|id| id + offset));
        offset += patterns.templates.len() as u32;
    }
    if sources.iter().all(SourceData::is_empty) && sources.iter().any(|s| s.info.error.is_some()) {
        return ExitCode::FAILURE;
    }
    if stats {
        eprintln!(
            "{path}: {} lines; read {:.1} ms, mined and grouped {:.1} ms",
            ids.len(),
            read.as_secs_f64() * 1e3,
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for id in ids {
        if writeln!(out, "{id}").is_err() {
            return ExitCode::FAILURE;
        }
    }
    if out.flush().is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
