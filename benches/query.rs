//! Throughput of the engine over a generated incident set, in bytes per second of log text:
//! ingest (bytes → events), the token index build, and every query of `benches/queries.txt`
//! (evaluation over the whole case with the index: cold, as the first query reading its fields,
//! which builds their columns, and warm, as later queries; the first page in timeline order,
//! histogram and facets of the matches).
//!
//! The data is `../shared/bench/genlogs.py --mb $CASEFILE_BENCH_MB` (default 16), generated once into
//! `target/bench-data/` (see `benches/common`), or an existing set named by `$CASEFILE_BENCH_DIR`.
//! Everything runs on one thread, as one worker does; scripts/bench-query.sh measures the CLI end to
//! end on all cores.
//!
//! The `columns` group fills one field column over a whole source (what the first query reading that
//! field after a load spends most of its time on): the access log's `status`, the JSON log's
//! `latency_ms`, and each of them over the other source, which lacks it.
//!
//! Run: `cargo bench --bench query` (add `-- regex` to run the benchmarks whose name contains it).

mod common;

use std::hint::black_box;

use casefile::engine::fields::FieldReader;
use casefile::engine::index::{GramSketch, SourceIndex};
use casefile::engine::ingest::ingest_bytes;
use casefile::engine::query::{facets, histogram, Query, QueryContext, SourceView, StackBy};
use casefile::engine::store::SourceData;
use casefile::engine::time::Zone;
use casefile::engine::timeline::Timeline;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

const QUERIES: &str = include_str!("queries.txt");

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
    let dir = common::data_dir();
    let files = common::read_files(&dir);
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
    // The trigram sketch's share of the build.
    group.bench_function("gram_sketch", |b| {
        b.iter(|| {
            sources
                .iter()
                .map(|s| GramSketch::build(s, 0..s.len()))
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

    let mut group = c.benchmark_group("columns");
    group.sample_size(10);
    let fields = [
        ("nginx-access.log", "status"),
        ("app-payments.jsonl", "latency_ms"),
        // Fields the source lacks, read by the same queries.
        ("app-payments.jsonl", "status"),
        ("nginx-access.log", "latency_ms"),
    ];
    for (file, field) in fields {
        let Some(s) = common::FILES.iter().position(|f| *f == file) else {
            continue;
        };
        let (source, index) = (&sources[s], &indexes[s]);
        let columns = index.columns();
        let reader = FieldReader::for_source(source);
        group.throughput(Throughput::Bytes(source.text_bytes() as u64));
        group.bench_function(format!("{file}/{field}"), |b| {
            b.iter_batched(
                || columns.clear(),
                |()| {
                    let column = columns.column(field);
                    for k in 0..columns.chunk_count() {
                        black_box(columns.chunk_using(&column, k, source, &reader, index, true));
                    }
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();

    let timeline = Timeline::build(&sources);
    let cx = QueryContext::for_sources(&sources, Zone::Utc);

    let mut group = c.benchmark_group("query");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(total_bytes));
    for (name, text) in queries() {
        let query = Query::new(text, &cx);
        assert!(query.errors().is_empty(), "{text}: {:?}", query.errors());
        // Cold: as the first query reading a field after loading (field columns built in the run).
        group.bench_function(format!("{name}/count_cold"), |b| {
            b.iter_batched(
                || indexes.iter().for_each(|i| i.columns().clear()),
                |()| black_box(query.run(&views).count()),
                BatchSize::PerIteration,
            )
        });
        // Warm: as every later query (the columns the previous runs built are read).
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
