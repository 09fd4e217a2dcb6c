//! Parse throughput (MB/s) of ingest per format family: detection, line classification, multi-line
//! folding and storing, over a few MB of each family in memory.
//!
//! `cargo bench --bench formats` (criterion prints the throughput per family). Inputs are the loghub
//! samples of ../shared/corpus repeated, and generated lines for the families the corpus has only a
//! few lines of.

use std::hint::black_box;
use std::path::Path;

use casefile::engine::ingest::{ingest_bytes, IngestOptions};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus");
const TARGET_BYTES: usize = 4 << 20;

fn repeated(sample: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(TARGET_BYTES + sample.len());
    while out.len() < TARGET_BYTES {
        out.extend_from_slice(sample);
        if !sample.ends_with(b"\n") {
            out.push(b'\n');
        }
    }
    out
}

fn generated(line: impl Fn(usize) -> String) -> Vec<u8> {
    let mut out = String::with_capacity(TARGET_BYTES + 512);
    let mut i = 0;
    while out.len() < TARGET_BYTES {
        out.push_str(&line(i));
        out.push('\n');
        i += 1;
    }
    out.into_bytes()
}

fn clock(i: usize) -> String {
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        9 + i / 3_600_000 % 10,
        i / 60_000 % 60,
        i / 1000 % 60,
        i % 1000
    )
}

fn inputs() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let loghub = |system: &str| {
        std::fs::read(Path::new(CORPUS).join(format!("loghub/{system}/{system}_2k.log")))
            .unwrap_or_else(|e| panic!("{system}: {e}"))
    };
    vec![
        (
            "json_lines",
            "app.jsonl",
            generated(|i| {
                format!(
                    r#"{{"ts":"2026-07-03T{}Z","level":"{}","logger":"pay.api","msg":"request done","request_id":"{:016x}","latency_ms":{},"user":{{"id":{},"plan":"pro"}}}}"#,
                    clock(i),
                    ["info", "debug", "warn", "error"][i % 4],
                    i * 7919,
                    i % 900,
                    i % 5000
                )
            }),
        ),
        (
            "access_log",
            "access.log",
            generated(|i| {
                format!(
                    r#"10.1.{}.{} - - [03/Jul/2026:{} -0700] "GET /api/v1/items/{} HTTP/1.1" {} {} "-" "Mozilla/5.0 (X11; Linux x86_64)" 0.{:03} req_id={:016x}"#,
                    i % 250,
                    i % 200,
                    &clock(i)[..8],
                    i,
                    [200, 200, 304, 404, 502][i % 5],
                    i % 9000,
                    i % 1000,
                    i * 31
                )
            }),
        ),
        (
            "docker_json",
            "containers.log",
            generated(|i| {
                let time = format!("2026-07-03T{}163000Z", clock(i));
                if i % 20 == 5 {
                    format!(
                        r#"{{"log":"\tat com.acme.pay.Gateway.charge(Gateway.java:{})\n","stream":"stderr","time":"{time}"}}"#,
                        i % 300
                    )
                } else {
                    format!(
                        r#"{{"log":"{} INFO  [main] c.a.pay.Pool - pool stats active={} idle={}\n","stream":"stdout","time":"{time}"}}"#,
                        clock(i),
                        i % 50,
                        i % 40
                    )
                }
            }),
        ),
        (
            "cri",
            "pod.log",
            generated(|i| {
                format!(
                    "2026-07-03T{}669794202Z stdout F {} INFO handled request {}",
                    clock(i),
                    clock(i),
                    i
                )
            }),
        ),
        (
            "logfmt",
            "svc.log",
            generated(|i| {
                format!(
                    r#"ts=2026-07-03T{}Z level=info caller=main.go:{} msg="handled request" path=/api/{} status=200"#,
                    clock(i),
                    i % 400,
                    i
                )
            }),
        ),
        ("log4j", "Hadoop.log", repeated(&loghub("Hadoop"))),
        ("syslog", "Mac.log", repeated(&loghub("Mac"))),
        ("hdfs", "HDFS.log", repeated(&loghub("HDFS"))),
        ("spark", "Spark.log", repeated(&loghub("Spark"))),
        ("bgl", "BGL.log", repeated(&loghub("BGL"))),
        (
            "health_app",
            "HealthApp.log",
            repeated(&loghub("HealthApp")),
        ),
        ("proxifier", "Proxifier.log", repeated(&loghub("Proxifier"))),
        (
            "log4j",
            "java-traces.log",
            generated(|i| {
                if i % 10 < 3 {
                    format!(
                        "\tat com.acme.pay.Service{}.run(Service.java:{})",
                        i % 7,
                        i % 300
                    )
                } else {
                    format!(
                        "2026-07-03 {} ERROR [worker-{}] c.a.pay.Service - failed {}",
                        clock(i),
                        i % 8,
                        i
                    )
                }
            }),
        ),
    ]
}

fn formats(c: &mut Criterion) {
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    for (family, name, bytes) in inputs() {
        let check = ingest_bytes(name, &bytes, IngestOptions::default());
        assert_eq!(
            check.info.format.as_str(),
            family,
            "{name} is read as {family}"
        );
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format!("{family} ({name})"), |b| {
            b.iter(|| {
                black_box(ingest_bytes(
                    name,
                    black_box(&bytes),
                    IngestOptions::default(),
                ))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, formats);
criterion_main!(benches);
