//! Grouping accuracy (GA) of the pattern miner on the eight loghub samples of the shared corpus.
//!
//! Each raw `*_2k.log` is read as a user drops it (the same ingest and per-line mining behind
//! `casefile templates --per-line`) and scored against `*_structured_corrected.csv` with GA as
//! `../shared/bench/ga.py` computes it: a line is right when the set of lines sharing its predicted
//! template is exactly the set sharing its true template. The floors are the figures measured with
//! `scripts/ga.sh` less a small margin, so a change that costs accuracy fails here.

use std::collections::HashMap;
use std::path::PathBuf;

use casefile::engine::ingest::{ingest_bytes, IngestOptions};
use casefile::engine::patterns::lines::mine_lines;
use casefile::engine::patterns::message::message_of;

fn corpus() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/loghub"
    ))
}

/// (system, GA floor): GA measured with scripts/ga.sh less 0.01.
const FLOORS: &[(&str, f64)] = &[
    ("BGL", 0.987),
    ("HDFS", 0.99),
    ("Hadoop", 0.983),
    ("HealthApp", 0.99),
    ("Mac", 0.972),
    ("OpenSSH", 0.988),
    ("Proxifier", 0.99),
    ("Spark", 0.987),
];
/// Measured average 0.9962, less a margin.
const AVERAGE_FLOOR: f64 = 0.99;

/// Rows of a CSV file (RFC 4180 quoting, quoted line breaks allowed).
fn read_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

struct Truth {
    /// (LineId, EventId) of rows with a group.
    groups: Vec<(usize, String)>,
    /// LineId → Content.
    content: HashMap<usize, String>,
}

fn truth(system: &str) -> Truth {
    let path = corpus().join(format!("{system}/{system}_2k.log_structured_corrected.csv"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rows = read_csv(&text);
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (id, event, content) = (col("LineId"), col("EventId"), col("Content"));
    let mut t = Truth {
        groups: Vec::new(),
        content: HashMap::new(),
    };
    for r in &rows[1..] {
        let line: usize = r[id].trim().parse().expect("LineId");
        t.content.insert(line, r[content].clone());
        if !r[event].trim().is_empty() {
            t.groups.push((line, r[event].clone()));
        }
    }
    t
}

/// GA as ga.py computes it.
fn grouping_accuracy(truth: &[(usize, String)], predicted: &[u32]) -> f64 {
    let mut true_size: HashMap<&str, usize> = HashMap::new();
    for (_, g) in truth {
        *true_size.entry(g).or_default() += 1;
    }
    let mut pred_groups: HashMap<u32, Vec<&str>> = HashMap::new();
    for (line, g) in truth {
        let p = predicted[line - 1];
        pred_groups.entry(p).or_default().push(g);
    }
    let correct: usize = pred_groups
        .values()
        .filter(|members| {
            members.iter().all(|g| *g == members[0]) && true_size[members[0]] == members.len()
        })
        .map(Vec::len)
        .sum();
    correct as f64 / truth.len() as f64
}

fn raw_log(system: &str) -> Vec<u8> {
    let path = corpus().join(format!("{system}/{system}_2k.log"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn loghub_grouping_accuracy_stays_above_the_measured_floors() {
    let mut sum = 0.0;
    let mut report = Vec::new();
    for &(system, floor) in FLOORS {
        let bytes = raw_log(system);
        let source = ingest_bytes(
            &format!("{system}_2k.log"),
            &bytes,
            IngestOptions::default(),
        );
        let (_, ids) = mine_lines(&source);
        let lines = bytes.split(|b| *b == b'\n').count() - usize::from(bytes.ends_with(b"\n"));
        assert_eq!(ids.len(), lines, "{system}: one id per physical line");
        let t = truth(system);
        let ga = grouping_accuracy(&t.groups, &ids);
        report.push(format!("{system} {ga:.4}"));
        assert!(
            ga >= floor.max(0.85),
            "{system}: GA {ga:.4} below {floor}; all: {report:?}"
        );
        sum += ga;
    }
    let average = sum / FLOORS.len() as f64;
    assert!(
        average >= AVERAGE_FLOOR,
        "average GA {average:.4}: {report:?}"
    );
}

/// The header is cut off the raw lines as loghub's structured files do (their Content column).
#[test]
fn messages_found_in_raw_lines_match_the_content_column() {
    for &(system, _) in FLOORS {
        let bytes = raw_log(system);
        let t = truth(system);
        let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        let mut same = 0;
        for (i, content) in &t.content {
            let msg = message_of(lines[i - 1]);
            if norm(&String::from_utf8_lossy(&msg)) == norm(content) {
                same += 1;
            }
        }
        let share = same as f64 / t.content.len() as f64;
        assert!(
            share >= 0.95,
            "{system}: {share:.3} of messages match Content"
        );
    }
}
