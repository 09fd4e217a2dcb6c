//! Parse throughput (MB/s) of ingest per format family: detection, line classification, multi-line
//! folding and storing, over a few MB of each family in memory.
//!
//! `cargo bench --bench formats` (criterion prints the throughput per family). Inputs are the loghub
//! samples of ../shared/corpus repeated, and generated lines for the families the corpus has only a
//! few lines of. Files go through [`ingest_file_bytes`], the path the CLI takes (a CloudTrail document
//! is reframed there, one record per line).

use std::hint::black_box;
use std::path::Path;

use casefile::engine::decode::ingest_file_bytes;
use casefile::engine::ingest::IngestOptions;
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
        (
            "csv",
            "export.csv",
            [
                b"time,level,service,message,latency_ms\n".to_vec(),
                generated(|i| {
                    format!(
                        r#"2026-07-03T{}Z,{},pay-{},"request done, path /api/{}",{}"#,
                        clock(i),
                        ["info", "warn", "error"][i % 3],
                        i % 7,
                        i,
                        i % 900
                    )
                }),
            ]
            .concat(),
        ),
        ("cloudtrail", "trail.json", cloudtrail_document()),
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

/// A CloudTrail document as AWS delivers it: `{"Records":[...]}` on one line.
fn cloudtrail_document() -> Vec<u8> {
    let mut out = br#"{"Records":["#.to_vec();
    let mut i = 0;
    while out.len() < TARGET_BYTES {
        if i > 0 {
            out.push(b',');
        }
        let error = if i % 13 == 0 {
            r#","errorCode":"AccessDenied","errorMessage":"not authorized""#
        } else {
            ""
        };
        out.extend_from_slice(
            format!(
                r#"{{"eventVersion":"1.08","userIdentity":{{"type":"AssumedRole","principalId":"AROA{:012}:s","arn":"arn:aws:sts::123456789012:assumed-role/app/s"}},"eventTime":"2026-07-03T{}Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","sourceIPAddress":"10.0.{}.{}","userAgent":"aws-sdk-go/1.44","requestParameters":{{"bucketName":"logs","key":"k/{}"}},"responseElements":null,"requestID":"{:016X}","eventID":"{:032x}","readOnly":true,"eventType":"AwsApiCall"{error}}}"#,
                i,
                &clock(i)[..8],
                i % 250,
                i % 200,
                i,
                i * 7919,
                i * 104_729
            )
            .as_bytes(),
        );
        i += 1;
    }
    out.extend_from_slice(b"]}");
    out
}

fn formats(c: &mut Criterion) {
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    for (family, name, bytes) in inputs() {
        let check = ingest_file_bytes(name, &bytes, IngestOptions::default());
        assert_eq!(
            check[0].info.format.as_str(),
            family,
            "{name} is read as {family}"
        );
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format!("{family} ({name})"), |b| {
            b.iter(|| {
                black_box(ingest_file_bytes(
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
