//! Reading the log files of `../shared/corpus` and a generated incident set: event counts, instants,
//! levels and multi-line joins against the expectations that come with the files, plus checked-in
//! readings of every log file (`tests/snapshots/logs/corpus.json`; rewrite with `UPDATE_SNAPSHOTS=1`).

use std::collections::BTreeMap;
use std::path::Path;

use casefile::engine::ingest::{ingest_bytes, IngestOptions};
use casefile::engine::level::Level;
use casefile::engine::store::SourceData;
use casefile::engine::time::{self, format_rfc3339, Zone, NANOS_PER_SEC};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus");
const GENLOGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/bench/genlogs.py");

/// A fixed "file modified" instant for timestamps without a year, so readings do not depend on when the
/// corpus was checked out: 2026-11-28T00:00:00Z.
const MODIFIED_NS: i64 = 1_795_824_000 * NANOS_PER_SEC;

fn utc(ns: i64) -> String {
    format_rfc3339(ns)
}

fn read_with(name: &str, bytes: &[u8], modified_ns: Option<i64>) -> SourceData {
    ingest_bytes(
        name,
        bytes,
        IngestOptions {
            zone: Zone::Utc,
            modified_ns,
            size: None,
        },
    )
}

fn read(path: &Path) -> SourceData {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    read_with(&name, &bytes, Some(MODIFIED_NS))
}

fn parse_instant(s: &str) -> i64 {
    let (stamp, _) = time::parse_any(s.as_bytes()).unwrap_or_else(|| panic!("not a time: {s}"));
    time::TimeContext::default().resolve(&stamp).unwrap()
}

// ---------------------------------------------------------------------------------------------------
// The generated incident set: counts and first/last against its truth.json.

#[test]
fn a_generated_set_reads_as_its_truth_says() {
    let dir = std::env::temp_dir().join(format!("casefile-corpus-logs-{}", std::process::id()));
    let status = std::process::Command::new("python3")
        .arg(GENLOGS)
        .arg(&dir)
        .args(["--mb", "2", "--seed", "7"])
        .status()
        .expect("python3 runs genlogs.py");
    assert!(status.success(), "genlogs.py failed");
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap();
    let files = truth["files"].as_object().expect("truth has files");
    assert_eq!(files.len(), 5);
    for (name, expected) in files {
        let path = dir.join(name);
        let modified_ns = std::fs::metadata(&path)
            .unwrap()
            .modified()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as i64;
        let source = read_with(name, &std::fs::read(&path).unwrap(), Some(modified_ns));
        assert_eq!(
            source.len() as u64,
            expected["events"].as_u64().unwrap(),
            "{name}: events"
        );
        let first = parse_instant(expected["first_utc"].as_str().unwrap());
        let last = parse_instant(expected["last_utc"].as_str().unwrap());
        assert_eq!(
            source.info.first_ts.map(utc),
            Some(utc(first)),
            "{name}: first"
        );
        assert_eq!(
            source.info.last_ts.map(utc),
            Some(utc(last)),
            "{name}: last"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------------------------------------------
// loghub: 2,000 events per sample, each at the instant its structured CSV's header fields give.

/// Minimal RFC 4180 record reader for the structured CSVs (quoted fields with commas and quotes).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

fn civil_ns(y: i32, mo: i32, d: i32, h: i32, mi: i32, s: i32, nanos: i64) -> i64 {
    let dt = jiff::civil::DateTime::new(y as i16, mo as i8, d as i8, h as i8, mi as i8, s as i8, 0)
        .unwrap_or_else(|e| panic!("{y}-{mo}-{d} {h}:{mi}:{s}: {e}"));
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_nanosecond() as i64
        + nanos
}

fn num(s: &str) -> i32 {
    s.trim()
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

/// `18:01:47,978` / `20:10:40` → (h, m, s, nanos)
fn hms(s: &str) -> (i32, i32, i32, i64) {
    let (main, frac) = s.split_once([',', '.']).unwrap_or((s, ""));
    let p: Vec<i32> = main.split(':').map(num).collect();
    let nanos = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}")[..9].parse::<i64>().unwrap()
    };
    (p[0], p[1], p[2], nanos)
}

fn month_number(name: &str) -> i32 {
    [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == name)
    .unwrap_or_else(|| panic!("not a month: {name}")) as i32
        + 1
}

/// A date without a year belongs to the year of the file's modification, or the year before when it
/// would fall after it.
fn without_year(mo: i32, d: i32, h: i32, mi: i32, s: i32, nanos: i64) -> i64 {
    let year = jiff::Timestamp::from_nanosecond(MODIFIED_NS as i128)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .year() as i32;
    let ns = civil_ns(year, mo, d, h, mi, s, nanos);
    if ns > MODIFIED_NS + 86_400 * NANOS_PER_SEC {
        civil_ns(year - 1, mo, d, h, mi, s, nanos)
    } else {
        ns
    }
}

/// The instant a structured CSV row's header fields give, per loghub system.
fn loghub_instant(system: &str, row: &BTreeMap<&str, &str>) -> i64 {
    let f = |k: &str| *row.get(k).unwrap_or_else(|| panic!("{system}: no {k}"));
    match system {
        "BGL" => {
            // The epoch is the instant; the local wall-clock field carries the microseconds.
            let (_, frac) = f("Time").rsplit_once('.').unwrap();
            num(f("Timestamp")) as i64 * NANOS_PER_SEC + frac.parse::<i64>().unwrap() * 1000
        }
        "HDFS" => {
            let date = format!("{:06}", num(f("Date")));
            let t = format!("{:06}", num(f("Time")));
            civil_ns(
                2000 + num(&date[..2]),
                num(&date[2..4]),
                num(&date[4..]),
                num(&t[..2]),
                num(&t[2..4]),
                num(&t[4..]),
                0,
            )
        }
        "Hadoop" => {
            let d: Vec<i32> = f("Date").split('-').map(num).collect();
            let (h, mi, s, n) = hms(f("Time"));
            civil_ns(d[0], d[1], d[2], h, mi, s, n)
        }
        "Spark" => {
            let d: Vec<i32> = f("Date").split('/').map(num).collect();
            let (h, mi, s, n) = hms(f("Time"));
            civil_ns(2000 + d[0], d[1], d[2], h, mi, s, n)
        }
        "HealthApp" => {
            let (date, clock) = f("Time").split_once('-').unwrap();
            let p: Vec<i32> = clock.split(':').map(num).collect();
            civil_ns(
                num(&date[..4]),
                num(&date[4..6]),
                num(&date[6..]),
                p[0],
                p[1],
                p[2],
                p[3] as i64 * 1_000_000,
            )
        }
        "Mac" => {
            let (h, mi, s, n) = hms(f("Time"));
            without_year(month_number(f("Month")), num(f("Date")), h, mi, s, n)
        }
        "OpenSSH" => {
            let (h, mi, s, n) = hms(f("Time"));
            without_year(month_number(f("Date")), num(f("Day")), h, mi, s, n)
        }
        "Proxifier" => {
            let (date, clock) = f("Time").split_once(' ').unwrap();
            let (mo, d) = date.split_once('.').unwrap();
            let (h, mi, s, n) = hms(clock);
            without_year(num(mo), num(d), h, mi, s, n)
        }
        other => panic!("no rule for {other}"),
    }
}

#[test]
fn every_loghub_sample_is_2000_events_at_the_structured_times() {
    let systems = [
        "BGL",
        "HDFS",
        "Hadoop",
        "HealthApp",
        "Mac",
        "OpenSSH",
        "Proxifier",
        "Spark",
    ];
    for system in systems {
        let dir = Path::new(CORPUS).join("loghub").join(system);
        let log = dir.join(format!("{system}_2k.log"));
        let source = read(&log);
        assert_eq!(source.len(), 2000, "{system}: events");
        let structured =
            std::fs::read_to_string(dir.join(format!("{system}_2k.log_structured_corrected.csv")))
                .unwrap();
        let records = csv_records(&structured);
        let header = &records[0];
        let rows = &records[1..];
        assert_eq!(rows.len(), 2000, "{system}: structured rows");
        let mut wrong = Vec::new();
        for (i, record) in rows.iter().enumerate() {
            let row: BTreeMap<&str, &str> = header
                .iter()
                .map(String::as_str)
                .zip(record.iter().map(String::as_str))
                .collect();
            let expected = loghub_instant(system, &row);
            let got = source.ts(i);
            if got != Some(expected) {
                wrong.push(format!(
                    "line {}: {:?} != {}",
                    i + 1,
                    got.map(utc),
                    utc(expected)
                ));
            }
        }
        assert!(
            wrong.is_empty(),
            "{system}: {} of 2000 instants differ, e.g. {:?}",
            wrong.len(),
            &wrong[..wrong.len().min(5)]
        );
    }
}

// ---------------------------------------------------------------------------------------------------
// lnav's format samples: every sample line is one event with the sample's level.

/// Samples where Casefile's documented convention differs from lnav's: an access-log 4xx is a warning
/// here (lnav says error).
fn level_convention_differs(format: &str, line: &str) -> bool {
    format == "access_log" && line.contains("\" 404 ")
}

fn lnav_level(name: &str) -> Level {
    match name {
        "warning" => Level::Warn,
        "fatal" => Level::Critical,
        other => Level::from_word(other.as_bytes()).unwrap_or_else(|| panic!("level {other}")),
    }
}

#[test]
fn every_lnav_sample_is_one_event_with_its_level() {
    let text =
        std::fs::read_to_string(Path::new(CORPUS).join("lnav/format_samples.jsonl")).unwrap();
    let (mut lines, mut one_event, mut with_level, mut level_right) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for row in text.lines() {
        let sample: serde_json::Value = serde_json::from_str(row).unwrap();
        let format = sample["format"].as_str().unwrap();
        let line = sample["line"].as_str().unwrap();
        let source = read_with(format, line.as_bytes(), Some(MODIFIED_NS));
        lines += 1;
        // One sample (vmw_log) holds several log lines, each with its own ISO timestamp: one event each.
        let stamped_lines = line
            .lines()
            .filter(|l| l.len() > 11 && l.as_bytes()[10] == b'T' && l.as_bytes()[4] == b'-')
            .count();
        if source.len() == stamped_lines.max(1) {
            one_event += 1;
        } else {
            failures.push(format!("{format}: {} events: {line}", source.len()));
        }
        if let Some(expected) = sample["level"].as_str() {
            with_level += 1;
            let expected = lnav_level(expected);
            let got = source.level(0);
            if got == expected || (level_convention_differs(format, line) && got == Level::Warn) {
                level_right += 1;
            } else {
                failures.push(format!("{format}: level {got:?} != {expected:?}: {line}"));
            }
        }
    }
    println!(
        "lnav samples: {one_event}/{lines} one event, {level_right}/{with_level} levels right"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------------
// Multi-line joins: fluent-bit's built-in multiline cases and fluent-plugin-detect-exceptions' traces.

/// The record a joined event stands for: container lines give their inner text (Docker's `log` as is,
/// a CRI `F` piece ends a line, a `P` piece does not); other lines are lines.
fn record_of(event: &[u8]) -> String {
    let mut record = String::new();
    for line in String::from_utf8_lossy(event).split('\n') {
        if let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(line) {
            if let Some(log) = o.get("log").and_then(|l| l.as_str()) {
                record.push_str(log);
                continue;
            }
        }
        let parts: Vec<&str> = line.splitn(4, ' ').collect();
        let cri = parts.len() >= 3
            && matches!(parts[1], "stdout" | "stderr")
            && matches!(parts[2], "F" | "P")
            && time::parse_iso(parts[0].as_bytes()).is_some();
        if cri {
            record.push_str(parts.get(3).copied().unwrap_or(""));
            if parts[2] == "F" {
                record.push('\n');
            }
        } else {
            record.push_str(line);
            record.push('\n');
        }
    }
    record.trim_end_matches('\n').to_string()
}

/// fluent-bit cases Casefile reads differently, and why. `container_mix` interleaves the partial lines
/// of two streams: stdout's `bb` and `cc` are completed by `dd-out` ten lines and five other events
/// later, and fluent-bit emits `bbccdd-out` then. Casefile keeps every event one contiguous range of
/// the file (the store's events are ranges into byte blocks, the row shows the text as written), so a
/// partial line joins the next line only when that line directly follows and is of the same stream;
/// `bbcc` and `dd-out` stay two events.
const FLUENT_BIT_DIFFERENT: &[&str] = &["container_mix"];

#[test]
fn fluent_bit_multiline_cases_join_as_expected() {
    let cases: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(CORPUS).join("multiline/fluent-bit/builtin_multiline_parser_cases.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut different = Vec::new();
    let mut total = 0;
    for (name, case) in cases["cases"].as_object().unwrap() {
        total += 1;
        // fluent-bit feeds each input string as one record; in a file a raw newline inside a JSON
        // string would split it, so it is written as the `\n` escape Docker itself writes.
        let text: Vec<String> = case["input"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                let l = l.as_str().unwrap();
                let l = l.strip_suffix('\n').unwrap_or(l);
                if l.starts_with('{') {
                    l.replace('\n', "\\n")
                } else {
                    l.to_string()
                }
            })
            .collect();
        let source = read_with(&format!("{name}.log"), text.join("\n").as_bytes(), None);
        let got: Vec<String> = (0..source.len())
            .map(|i| record_of(source.text(i)))
            .collect();
        let expected: Vec<String> = case["output"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap().trim_end_matches('\n').to_string())
            .collect();
        if got != expected {
            different.push(name.clone());
            println!("{name}: got {got:#?}\nexpected {expected:#?}");
        }
    }
    println!(
        "fluent-bit multiline: {}/{total} cases joined as expected",
        total - different.len()
    );
    assert_eq!(different, FLUENT_BIT_DIFFERENT);
}

#[test]
fn detect_exceptions_traces_are_one_event_and_arbitrary_text_is_not_joined() {
    let dir = Path::new(CORPUS).join("multiline/fluent-plugin-detect-exceptions");
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("INDEX.json")).unwrap()).unwrap();
    let arbitrary = std::fs::read_to_string(dir.join("arbitrary_text.txt")).unwrap();
    let arbitrary_lines = arbitrary.lines().filter(|l| !l.trim().is_empty()).count();
    let mut combined = String::new();
    let mut traces = 0;
    let mut right = 0;
    let mut wrong = Vec::new();
    let cases = index["cases"].as_array().unwrap();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let text = std::fs::read_to_string(dir.join(case["file"].as_str().unwrap())).unwrap();
        let source = read_with(name, text.as_bytes(), Some(MODIFIED_NS));
        let expected = if name == "ARBITRARY_TEXT" {
            arbitrary_lines
        } else {
            1
        };
        if source.len() == expected {
            right += 1;
        } else {
            wrong.push(format!(
                "{name}: {} events, expected {expected}",
                source.len()
            ));
        }
        // JAVA_EXC is PART1 + PART2, which are also listed: put each whole trace in the mix once.
        // Traces whose first line carries a timestamp (JAVA_EXC, GO_HTTP) stay out of the mix: in a
        // file with timestamps every line without one joins the event above, by design.
        let stamped = time::find_leading(text.lines().next().unwrap_or("").as_bytes()).is_some();
        if name != "ARBITRARY_TEXT" && !name.starts_with("JAVA_EXC_PART") && !stamped {
            combined.push_str(&text);
            if !text.ends_with('\n') {
                combined.push('\n');
            }
            combined.push_str(&arbitrary);
            traces += 1;
        }
    }
    println!(
        "detect-exceptions: {right}/{} files read as expected",
        cases.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // All traces in one stream, each followed by the arbitrary text: traces stay whole and apart.
    let source = read_with("combined", combined.as_bytes(), Some(MODIFIED_NS));
    assert_eq!(source.len(), traces * (1 + arbitrary_lines));
}

// ---------------------------------------------------------------------------------------------------
// Checked-in readings of every log file of the corpus: a change in reading shows up in review.

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/snapshots/logs/corpus.json"
);

/// The log files of the corpus (loghub, multiline), relative to it, sorted. CSV files have their own
/// tests; `.json` files are expectations, `.out` files fluent-bit's outputs.
fn corpus_log_files() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for top in ["loghub", "multiline"] {
        walk(&Path::new(CORPUS).join(top), &mut files);
    }
    let mut names: Vec<String> = files
        .iter()
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("log" | "txt" | "export")
            )
        })
        .map(|p| {
            p.strip_prefix(CORPUS)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    names.sort();
    names
}

fn reading(source: &SourceData) -> serde_json::Value {
    let mut levels = BTreeMap::new();
    for i in 0..source.len() {
        *levels.entry(source.level(i).as_str()).or_insert(0u64) += 1;
    }
    serde_json::json!({
        "format": source.info.format.as_str(),
        "events": source.len(),
        "first_ts": source.info.first_ts.map(utc),
        "last_ts": source.info.last_ts.map(utc),
        "unparsed_lines": source.info.unparsed_lines,
        "error": source.info.error,
        "levels": levels,
    })
}

#[test]
fn every_corpus_log_file_reads_as_its_snapshot_says() {
    let mut now = BTreeMap::new();
    for name in corpus_log_files() {
        let source = read(&Path::new(CORPUS).join(&name));
        now.insert(name, reading(&source));
    }
    assert!(now.len() > 100, "the corpus is missing files");
    let rendered = serde_json::to_string_pretty(&now).unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(Path::new(SNAPSHOT).parent().unwrap()).unwrap();
        std::fs::write(SNAPSHOT, &rendered).unwrap();
        return;
    }
    let saved: BTreeMap<String, serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(SNAPSHOT)
            .expect("no snapshot yet: run with UPDATE_SNAPSHOTS=1 and review the file"),
    )
    .unwrap();
    let mut changes = Vec::new();
    for (name, value) in &now {
        match saved.get(name) {
            Some(old) if old == value => {}
            Some(old) => changes.push(format!("{name}:\n  was {old}\n  now {value}")),
            None => changes.push(format!("{name}: new file, reads as {value}")),
        }
    }
    for name in saved.keys().filter(|n| !now.contains_key(*n)) {
        changes.push(format!("{name}: no longer in the corpus"));
    }
    assert!(
        changes.is_empty(),
        "readings changed (if intended, rerun with UPDATE_SNAPSHOTS=1 and review the diff):\n{}",
        changes.join("\n")
    );
}

/// fluent-bit's tail tests: its expected output (`out/X.out`, one record per line) for the Docker-mode
/// and multi-line inputs. The encoding cases belong to the encoding tests; `3943.out` has a record for
/// an empty line, which Casefile does not make an event.
#[test]
fn fluent_bit_tail_inputs_give_as_many_events_as_its_records() {
    let tail = Path::new(CORPUS).join("multiline/fluent-bit/tail");
    let cases = [
        "dockermode",
        "dockermode_firstline_detection",
        "dockermode_multiple_lines",
        "dockermode_splitted_line",
        "dockermode_splitted_multiple_lines",
        "multiline_001",
    ];
    for case in cases {
        let source = read(&tail.join(format!("log/{case}.log")));
        let records = std::fs::read_to_string(tail.join(format!("out/{case}.out"))).unwrap();
        assert_eq!(source.len(), records.lines().count(), "{case}");
    }
}
