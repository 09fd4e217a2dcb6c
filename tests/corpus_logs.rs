//! Reading the log files of `../shared/corpus` and a generated incident set: event counts, instants,
//! levels and multi-line joins against the expectations that come with the files, plus checked-in
//! readings of every log file (`tests/snapshots/logs/corpus.json`; rewrite with `UPDATE_SNAPSHOTS=1`).

use std::collections::BTreeMap;
use std::path::Path;

use casefile::engine::ingest::{ingest_bytes, IngestOptions};
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
