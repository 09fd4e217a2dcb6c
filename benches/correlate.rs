//! Throughput of correlation over a generated incident set, in bytes per second of log text: the id
//! scan alone, the id index build (scan, hash, sort), clock-skew estimation from the index, what
//! changed between the incident window and the time before it, and the spike finder.
//!
//! The data is `../shared/bench/genlogs.py --mb $CASEFILE_BENCH_MB` (default 16), generated once into
//! `target/bench-data/` (see `benches/common`), or an existing set named by
//! `$CASEFILE_BENCH_DIR`. Everything runs on one thread, as one worker does. The id index's memory
//! is printed once (bytes per event).
//!
//! Run: `cargo bench --bench correlate` (add `-- ids` to run only the id benchmarks).

mod common;

use std::hint::black_box;
use std::path::Path;

use casefile::engine::correlate::changes::{compare, Window};
use casefile::engine::correlate::ids::{scan_ids, IdIndex};
use casefile::engine::correlate::skew::estimate;
use casefile::engine::correlate::spikes::{find_spikes, SpikeOptions};
use casefile::engine::correlate::Offsets;
use casefile::engine::store::SourceData;
use casefile::engine::time::{parse_iso, TimeContext};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

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
    let dir = common::data_dir();
    let sources: Vec<SourceData> = common::load_sources(&dir);
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
