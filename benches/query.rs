//! Throughput of the engine over a generated incident set, in bytes per second of log text:
//! ingest (bytes → events), the token index build, and every query of `benches/queries.txt`
//! (evaluation over the whole case with the index, the first page in timeline order, histogram and
//! facets of the matches).
//!
//! The data is `../shared/bench/genlogs.py --mb $CASEFILE_BENCH_MB` (default 16), generated once into
//! `target/bench-data/`, or an existing set named by `$CASEFILE_BENCH_DIR`. Everything runs on one
//! thread, as one worker does; scripts/bench-query.sh measures the CLI end to end on all cores.
//!
//! Run: `cargo bench --bench query` (add `-- regex` to run the benchmarks whose name contains it).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::UNIX_EPOCH;

use casefile::engine::index::SourceIndex;
use casefile::engine::ingest::{ingest_bytes, IngestOptions};
use casefile::engine::query::{facets, histogram, Query, QueryContext, SourceView, StackBy};
use casefile::engine::store::SourceData;
use casefile::engine::time::Zone;
use casefile::engine::timeline::Timeline;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const FILES: [&str; 5] = [
    "app-payments.jsonl",
    "nginx-access.log",
    "syslog",
    "containers.log",
    "transactions.csv",
];
const QUERIES: &str = include_str!("queries.txt");

fn data_dir() -> PathBuf {
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

fn options(path: &Path) -> IngestOptions {
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

/// `(name, query)` pairs of the committed list.
fn queries() -> Vec<(&'static str, &'static str)> {
    QUERIES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut parts = l.split('\t');
            Some((parts.next()?, parts.next()?))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let dir = data_dir();
    let files: Vec<(String, Vec<u8>, IngestOptions)> = FILES
        .iter()
        .map(|f| {
            let path = dir.join(f);
            let bytes = std::fs::read(&path).expect("benchmark data file");
            (f.to_string(), bytes, options(&path))
        })
        .collect();
    let total_bytes: u64 = files.iter().map(|(_, b, _)| b.len() as u64).sum();

    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    for (name, bytes, opts) in &files {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name.as_str(), |b| {
            b.iter(|| black_box(ingest_bytes(name, bytes, opts.clone())))
        });
    }
    group.finish();

    let sources: Vec<SourceData> = files
        .iter()
        .map(|(name, bytes, opts)| ingest_bytes(name, bytes, opts.clone()))
        .collect();
    drop(files);

    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(total_bytes));
    group.bench_function("build", |b| {
        b.iter(|| {
            sources
                .iter()
                .map(|s| SourceIndex::build(s, 0..s.len()))
                .collect::<Vec<_>>()
        })
    });
    group.finish();

    let indexes: Vec<SourceIndex> = sources
        .iter()
        .map(|s| SourceIndex::build(s, 0..s.len()))
        .collect();
    let views: Vec<SourceView<'_>> = sources
        .iter()
        .zip(&indexes)
        .map(|(s, i)| SourceView::new(s, Some(i)))
        .collect();
    let timeline = Timeline::build(&sources);
    let cx = QueryContext::for_sources(&sources, Zone::Utc);

    let mut group = c.benchmark_group("query");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(total_bytes));
    for (name, text) in queries() {
        let query = Query::new(text, &cx);
        assert!(query.errors().is_empty(), "{text}: {:?}", query.errors());
        group.bench_function(format!("{name}/count"), |b| {
            b.iter(|| black_box(query.run(&views).count()))
        });
        group.bench_function(format!("{name}/first_page"), |b| {
            b.iter(|| black_box(query.first_page(&views, &timeline, 100, false)))
        });
        let matches = query.run(&views);
        group.bench_function(format!("{name}/histogram"), |b| {
            b.iter(|| black_box(histogram(&sources, &matches, 200, StackBy::Level)))
        });
        group.bench_function(format!("{name}/facets"), |b| {
            b.iter(|| black_box(facets(&sources, &matches, 10, 20_000)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
