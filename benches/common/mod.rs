//! The generated incident set the engine benchmarks share (`benches/query.rs`, `benches/correlate.rs`,
//! `benches/patterns.rs`): where it lives, generating it once, and reading its files as sources.
//!
//! The data is `../shared/bench/genlogs.py --mb $CASEFILE_BENCH_MB` (default 16), generated once into
//! `target/bench-data/mbN`, or an existing set named by `$CASEFILE_BENCH_DIR`.

// Each benchmark is its own crate and uses part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::UNIX_EPOCH;

use casefile::engine::ingest::{ingest_bytes, IngestOptions};
use casefile::engine::store::SourceData;
use casefile::engine::time::Zone;

/// The files of a genlogs.py set, in the order the benchmarks load them.
pub const FILES: [&str; 5] = [
    "app-payments.jsonl",
    "nginx-access.log",
    "syslog",
    "containers.log",
    "transactions.csv",
];

/// The directory of the set, generated first when it is missing.
pub fn data_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CASEFILE_BENCH_DIR") {
        return PathBuf::from(dir);
    }
    let mb = std::env::var("CASEFILE_BENCH_MB").unwrap_or_else(|_| "16".into());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-data/mb{mb}"));
    if !dir.join("truth.json").exists() {
        let genlogs = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/bench/genlogs.py");
        let ok = Command::new("python3")
            .args([genlogs, &dir.to_string_lossy(), "--mb", &mb])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "genlogs.py could not generate the benchmark data");
    }
    dir
}

/// How a file of the set is read: UTC, with the file's modification time (for syslog's year).
pub fn options(path: &Path) -> IngestOptions {
    let modified_ns = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i64);
    IngestOptions {
        zone: Zone::Utc,
        modified_ns,
        size: None,
    }
}

/// Every file of the set as `(name, bytes, options)`, read into memory.
pub fn read_files(dir: &Path) -> Vec<(String, Vec<u8>, IngestOptions)> {
    FILES
        .iter()
        .map(|f| {
            let path = dir.join(f);
            let bytes = std::fs::read(&path).expect("benchmark data file");
            (f.to_string(), bytes, options(&path))
        })
        .collect()
}

/// Every file of the set, ingested.
pub fn load_sources(dir: &Path) -> Vec<SourceData> {
    read_files(dir)
        .into_iter()
        .map(|(name, bytes, opts)| ingest_bytes(&name, &bytes, opts))
        .collect()
}
