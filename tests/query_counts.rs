//! Acceptance test of issue 4: query counts agree with an independent, event-by-event reading of a
//! generated incident set.
//!
//! The set comes from `../shared/bench/genlogs.py` (3 MB, into a temporary directory). The expected
//! counts are computed here from the files with deliberately simple code that shares nothing with the
//! engine: plain string searches and hand-rolled timestamp reading, following truth.json's folding rule
//! (a Java stack trace over 5 docker lines of containers.log is one event; the CSV header is no event;
//! nginx 5xx is error and 4xx warn by convention).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::UNIX_EPOCH;

use casefile::engine::fields::FieldReader;
use casefile::engine::index::SourceIndex;
use casefile::engine::ingest::{ingest_bytes, IngestOptions};
use casefile::engine::query::columns::common_fields;
use casefile::engine::query::{Query, QueryContext, SourceView};
use casefile::engine::store::SourceData;
use casefile::engine::time::Zone;

const GENLOGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/bench/genlogs.py");
const FILES: [&str; 5] = [
    "app-payments.jsonl",
    "nginx-access.log",
    "syslog",
    "containers.log",
    "transactions.csv",
];

/// One logical event as the independent reader sees it.
struct Event {
    text: String,
    /// Seconds since 2026-07-03T00:00:00Z (every generated event is on that day, checked).
    secs_of_day: f64,
    error: bool,
    status: Option<u32>,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn generate(test: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("casefile-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let status = Command::new("python3")
        .arg(GENLOGS)
        .arg(&dir)
        .args(["--mb", "3"])
        .status()
        .expect("python3 runs genlogs.py");
    assert!(status.success(), "genlogs.py failed");
    TempDir(dir)
}

/// `hh:mm:ss[.fff]` at the start of `s`, as seconds.
fn clock(s: &str) -> f64 {
    let h: f64 = s[0..2].parse().unwrap();
    let m: f64 = s[3..5].parse().unwrap();
    let rest = s[6..]
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .next()
        .unwrap();
    h * 3600.0 + m * 60.0 + rest.parse::<f64>().unwrap()
}

/// The string value of `"key": "..."` in a JSON line (the generator never escapes inside these).
fn json_str<'a>(line: &'a str, key: &str) -> &'a str {
    let pat = format!("\"{key}\": \"");
    let at = line.find(&pat).unwrap_or_else(|| panic!("{key} in {line}")) + pat.len();
    let end = line[at..].find('"').unwrap() + at;
    &line[at..end]
}

/// ISO `2026-07-03T10:00:00.123Z` → seconds of day, checking the date.
fn iso_secs(ts: &str) -> f64 {
    assert!(ts.starts_with("2026-07-03T"), "{ts}");
    clock(&ts[11..])
}

fn read_events(dir: &Path, name: &str) -> Vec<Event> {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    let lines = text.lines();
    let mut out = Vec::new();
    match name {
        "app-payments.jsonl" => {
            for line in lines {
                out.push(Event {
                    text: line.to_string(),
                    secs_of_day: iso_secs(json_str(line, "ts")),
                    error: json_str(line, "level") == "error",
                    status: None,
                });
            }
        }
        "nginx-access.log" => {
            for line in lines {
                // `[03/Jul/2026:02:00:03 -0700]`, then `"request" status bytes`.
                let open = line.find('[').unwrap();
                let stamp = &line[open + 1..line.find(']').unwrap()];
                assert!(
                    stamp.starts_with("03/Jul/2026:") && stamp.ends_with(" -0700"),
                    "{stamp}"
                );
                let secs = clock(&stamp[12..20]) + 7.0 * 3600.0;
                let after_request = line.splitn(3, '"').nth(2).unwrap();
                let status: u32 = after_request
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                out.push(Event {
                    text: line.to_string(),
                    secs_of_day: secs,
                    error: status >= 500,
                    status: Some(status),
                });
            }
        }
        "syslog" => {
            for line in lines {
                assert!(line.starts_with("Jul  3 "), "{line}");
                out.push(Event {
                    text: line.to_string(),
                    secs_of_day: clock(&line[7..15]),
                    error: false,
                    status: None,
                });
            }
        }
        "containers.log" => {
            // A docker line whose log starts with a clock time starts an event; the others (the
            // exception, `\tat ...` frames, `... 42 more`) continue the event above.
            for line in lines {
                let log = json_str(line, "log");
                let starts = log.len() > 12
                    && log.as_bytes()[2] == b':'
                    && log.as_bytes()[5] == b':'
                    && log[..8].bytes().all(|c| c.is_ascii_digit() || c == b':');
                if starts || out.is_empty() {
                    out.push(Event {
                        text: line.to_string(),
                        secs_of_day: iso_secs(json_str(line, "time")),
                        error: log.contains(" ERROR "),
                        status: None,
                    });
                } else if let Some(last) = out.last_mut() {
                    last.text.push('\n');
                    last.text.push_str(line);
                }
            }
        }
        "transactions.csv" => {
            for line in lines.skip(1) {
                let ms: i64 = line.split(',').nth(1).unwrap().parse().unwrap();
                let day_start_ms = 1_783_036_800_000; // 2026-07-03T00:00:00Z
                assert!((0..86_400_000).contains(&(ms - day_start_ms)), "{line}");
                out.push(Event {
                    text: line.to_string(),
                    secs_of_day: (ms - day_start_ms) as f64 / 1000.0,
                    error: false,
                    status: None,
                });
            }
        }
        other => panic!("unexpected file {other}"),
    }
    out
}

fn read_source(dir: &Path, name: &str) -> SourceData {
    let path = dir.join(name);
    let bytes = std::fs::read(&path).unwrap();
    let modified_ns = std::fs::metadata(&path)
        .unwrap()
        .modified()
        .unwrap()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64;
    let options = IngestOptions {
        zone: Zone::Utc,
        modified_ns: Some(modified_ns),
        size: None,
    };
    ingest_bytes(name, &bytes, options)
}

#[test]
fn counts_match_an_independent_reading_of_the_generated_set() {
    let dir = generate("query-counts");
    let expected_events: BTreeMap<&str, Vec<Event>> =
        FILES.iter().map(|f| (*f, read_events(&dir.0, f))).collect();
    let sources: Vec<SourceData> = FILES.iter().map(|f| read_source(&dir.0, f)).collect();
    let cx = QueryContext::for_sources(&sources, Zone::Utc);

    // The folding rule itself: the engine's events are the independent reader's events.
    for (source, file) in sources.iter().zip(FILES) {
        assert_eq!(
            source.len(),
            expected_events[file].len(),
            "events of {file}"
        );
    }

    type Rule = fn(&Event) -> bool;
    let checks: Vec<(&str, Rule)> = vec![
        ("level:error", |e| e.error),
        ("status>=500", |e| e.status.is_some_and(|s| s >= 500)),
        ("status:502", |e| e.status == Some(502)),
        ("\"Connection timed out after 30 seconds\"", |e| {
            e.text
                .to_ascii_lowercase()
                .contains("connection timed out after 30 seconds")
        }),
        ("/timed out|refused/", |e| {
            e.text.contains("timed out") || e.text.contains("refused")
        }),
        // Regexes whose needles the token filters cannot vouch for: the index's trigram sketch
        // rules out runs of events without them (they must not lose a match).
        ("/exception|failed/i", |e| {
            let text = e.text.to_ascii_lowercase();
            text.contains("exception") || text.contains("failed")
        }),
        ("/\" 50[234] /", |e| {
            ["\" 502 ", "\" 503 ", "\" 504 "]
                .iter()
                .any(|n| e.text.contains(n))
        }),
        ("/upstream returned 5\\d\\d/", |e| {
            e.text.match_indices("upstream returned 5").any(|(at, n)| {
                let rest = &e.text.as_bytes()[at + n.len()..];
                rest.len() >= 2 && rest[..2].iter().all(u8::is_ascii_digit)
            })
        }),
        ("after:2026-07-03T10:00 before:2026-07-03T10:30", |e| {
            e.secs_of_day >= 10.0 * 3600.0 && e.secs_of_day < 10.5 * 3600.0
        }),
    ];

    // With the token index and its field columns (built by the first query that reads a field, read
    // by the next): the same counts as without.
    let indexes: Vec<SourceIndex> = sources
        .iter()
        .map(|s| SourceIndex::build(s, 0..s.len()))
        .collect();
    let views: Vec<SourceView<'_>> = sources
        .iter()
        .zip(&indexes)
        .map(|(s, i)| SourceView::new(s, Some(i)))
        .collect();
    // And with the columns of each source's common fields built ahead of any query, in steps.
    let prebuilt: Vec<SourceIndex> = sources
        .iter()
        .map(|s| {
            let mut index = SourceIndex::default();
            while index.end() < s.len() {
                index.extend_to(s, index.end() + 4096);
            }
            let reader = FieldReader::for_source(s);
            let columns = index.columns();
            for name in common_fields(s, &reader, 0..s.len(), 2000, 8) {
                columns.prebuild(&name, 0..columns.chunk_count(), s, &reader);
            }
            index
        })
        .collect();
    assert!(
        prebuilt.iter().any(|i| !i.columns().fields().is_empty()),
        "common fields were pre-built"
    );
    let prebuilt_views: Vec<SourceView<'_>> = sources
        .iter()
        .zip(&prebuilt)
        .map(|(s, i)| SourceView::new(s, Some(i)))
        .collect();

    for (query_text, rule) in &checks {
        let query = Query::new(query_text, &cx);
        assert!(
            query.errors().is_empty(),
            "{query_text}: {:?}",
            query.errors()
        );
        let got = query.run_all(&sources).count_by_source();
        let indexed = [
            query.run(&views).count_by_source(),
            query.run(&views).count_by_source(),
            query.run(&prebuilt_views).count_by_source(),
        ];
        let mut nonzero = 0;
        for (i, file) in FILES.iter().enumerate() {
            let want = expected_events[file].iter().filter(|e| rule(e)).count() as u64;
            assert_eq!(got[i], want, "{query_text} in {file}");
            for (pass, counts) in ["building", "reading", "pre-built"].iter().zip(&indexed) {
                assert_eq!(
                    counts[i], want,
                    "{query_text} in {file}, index {pass} columns"
                );
            }
            nonzero += usize::from(want > 0);
        }
        assert!(
            nonzero > 0,
            "{query_text} should match something in the set"
        );
    }
}

#[test]
fn the_cli_prints_counts_and_events_in_timeline_order() {
    let dir = generate("query-cli");
    let files: Vec<PathBuf> = FILES.iter().map(|f| dir.0.join(f)).collect();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_casefile"))
            .arg("query")
            .args(args)
            .args(&files)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let nginx = read_events(&dir.0, "nginx-access.log");
    let want = nginx.iter().filter(|e| e.status == Some(504)).count() as u64;

    let count: serde_json::Value =
        serde_json::from_str(run(&["--json", "--count", "status:504"]).trim()).unwrap();
    assert_eq!(count["count"], want);
    assert!(count["elapsed_ms"].is_u64());

    let lines = run(&["--json", "source:nginx* status:504"]);
    let events: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len() as u64, want);
    let mut last_ts = String::new();
    for e in &events {
        assert!(e["source"].as_str().unwrap().ends_with("nginx-access.log"));
        assert_eq!(e["level"], "error");
        assert_eq!(e["fields"]["status"], "504");
        assert!(e["text"].as_str().unwrap().contains("\" 504 "));
        let ts = e["ts"].as_str().unwrap().to_string();
        assert!(ts.ends_with('Z') && ts.len() == 20, "{ts}");
        assert!(ts >= last_ts, "timeline order: {ts} after {last_ts}");
        last_ts = ts;
    }
    // The first line's keys are in the documented order.
    let first = lines.lines().next().unwrap();
    let order: Vec<usize> = [
        "\"source\"",
        "\"ts\"",
        "\"level\"",
        "\"text\"",
        "\"fields\"",
    ]
    .iter()
    .map(|k| first.find(k).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{first}");
}
