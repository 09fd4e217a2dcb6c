//! Throughput of template mining over a generated incident set, in bytes per second of log text, split
//! by stage: cutting the header off each event (`message`), masking the message (`mask`, and
//! `mask_memo` through the word memo as the miner masks), and the whole per-event mining step (`add`:
//! all of it, plus the memos and the signature lookup), per file, and ingest alone for comparison
//! (mining should cost well under half of it).
//!
//! The data is `../shared/bench/genlogs.py --mb $CASEFILE_BENCH_MB` (default 16), generated once into
//! `target/bench-data/` (shared with the other benches), or an existing set named by
//! `$CASEFILE_BENCH_DIR`. Everything runs on one thread, as one worker does.
//!
//! Run: `cargo bench --bench patterns` (add `-- nginx` to run only one file's benchmarks).

use std::hint::black_box;

use casefile::engine::ingest::{ingest_bytes, IngestOptions};
use casefile::engine::patterns::mask::{mask, mask_memo, Masked, WordMemo};
use casefile::engine::patterns::message::message_of;
use casefile::engine::patterns::PatternMiner;
use casefile::engine::store::SourceData;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

mod common;
use common::{data_dir, FILES};

fn bench(c: &mut Criterion) {
    let dir = data_dir();
    for file in FILES {
        let bytes = std::fs::read(dir.join(file)).expect("benchmark data file");
        let source: SourceData = ingest_bytes(file, &bytes, IngestOptions::default());
        let short = file.split(['-', '.']).next().unwrap_or(file);
        let mut group = c.benchmark_group(short);
        group.sample_size(10);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function("ingest", |b| {
            b.iter(|| black_box(ingest_bytes(file, &bytes, IngestOptions::default()).len()))
        });
        group.bench_function("message", |b| {
            b.iter(|| {
                let mut n = 0usize;
                for e in 0..source.len() {
                    n += message_of(source.text(e)).len();
                }
                black_box(n)
            })
        });
        let messages: Vec<Vec<u8>> = (0..source.len())
            .map(|e| message_of(source.text(e)).into_owned())
            .collect();
        group.bench_function("mask", |b| {
            let mut out = Masked::default();
            b.iter(|| {
                let mut n = 0usize;
                for m in &messages {
                    mask(m, &mut out);
                    n += out.key.len();
                }
                black_box(n)
            })
        });
        group.bench_function("mask_memo", |b| {
            let mut out = Masked::default();
            b.iter(|| {
                let mut memo = WordMemo::new();
                let mut n = 0usize;
                for m in &messages {
                    mask_memo(m, &mut out, &mut memo);
                    n += out.key.len();
                }
                black_box(n)
            })
        });
        group.bench_function("add", |b| {
            b.iter(|| {
                let mut miner = PatternMiner::new();
                miner.add_source(&source);
                black_box(miner.signatures())
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
