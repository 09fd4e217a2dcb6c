//! Throughput of correlation over a generated incident set, in bytes per second of log text: the id
//! scan alone, the id index build (scan, hash, sort), clock-skew estimation from the index, what
//! changed between the incident window and the time before it, and the spike finder.
//!
//! The data is `../shared/bench/genlogs.py --mb $CASEFILE_BENCH_MB` (default 16), generated once into
//! `target/bench-data/` (shared with `benches/query.rs`), or an existing set named by
//! `$CASEFILE_BENCH_DIR`. Everything runs on one thread, as one worker does. The id index's memory
//! is printed once (bytes per event).
//!
//! Run: `cargo bench --bench correlate` (add `-- ids` to run only the id benchmarks).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::UNIX_EPOCH;

use casefile::engine::correlate::changes::{compare, Window};
use casefile::engine::correlate::ids::{scan_ids, IdIndex};
use casefile::engine::correlate::skew::estimate;
use casefile::engine::correlate::spikes::{find_spikes, SpikeOptions};
use casefile::engine::correlate::Offsets;
use casefile::engine::ingest::{ingest_bytes, IngestOptions};
use casefile::engine::store::SourceData;
use casefile::engine::time::{parse_iso, TimeContext};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const FILES: [&str; 5] = [
    "app-payments.jsonl",
    "nginx-access.log",
    "syslog",
    "containers.log",
    "transactions.csv",
];

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

fn load(path: &Path) -> SourceData {
    let bytes = std::fs::read(path).expect("benchmark data file");
    let modified_ns = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i64);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    ingest_bytes(
        &name.unwrap_or_default(),
        &bytes,
        IngestOptions {
            modified_ns,
            ..Default::default()
        },
    )
}

/// The incident window from truth.json.
fn incident(dir: &Path) -> Window {
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).expect("truth.json"))
            .expect("truth.json parses");
    let at = |i: usize| {
        let text = truth["incident_utc"][i].as_str().expect("incident_utc");
        let (stamp, _) = parse_iso(text.as_bytes()).expect("RFC 3339");
        TimeContext::default().resolve(&stamp).expect("resolves")
    };
    Window::new(at(0), at(1))
}

fn bench(c: &mut Criterion) {
    let dir = data_dir();
    let sources: Vec<SourceData> = FILES.iter().map(|f| load(&dir.join(f))).collect();
    let total_bytes: u64 = sources.iter().map(|s| s.text_bytes() as u64).sum();
    let events: usize = sources.iter().map(SourceData::len).sum();
    let index = IdIndex::build(&sources);
    println!(
        "id index: {} occurrences over {events} events, {:.1} bytes per event",
        index.len(),
        index.overhead_bytes() as f64 / events.max(1) as f64
    );

    let mut group = c.benchmark_group("ids");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(total_bytes));
    group.bench_function("scan", |b| {
        b.iter(|| {
            let mut found = 0usize;
            for s in &sources {
                for e in 0..s.len() {
                    scan_ids(s.text(e), |_| found += 1);
                }
            }
            black_box(found)
        })
    });
    group.bench_function("index_build", |b| {
        b.iter(|| black_box(IdIndex::build(&sources)))
    });
    group.bench_function("skew_estimate", |b| {
        b.iter(|| black_box(estimate(&sources, &index)))
    });
    group.finish();

    let offsets = Offsets::zero(sources.len());
    let window = incident(&dir);
    let mut group = c.benchmark_group("changes");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(total_bytes));
    group.bench_function("incident_vs_before", |b| {
        b.iter(|| black_box(compare(&sources, &offsets, window, None)))
    });
    group.bench_function("spikes", |b| {
        b.iter(|| black_box(find_spikes(&sources, &offsets, &SpikeOptions::default())))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
