//! The CSV corpora of `../shared/corpus/csv`, read through the same path as `casefile summary`
//! (`decode::ingest_file_bytes` → `SourceIngest` → the sniffed `CsvParser`), records rebuilt from the
//! stored events with `record_fields`' parser.
//!
//! - csv-spectrum and sineemore: every record equals the case's JSON.
//! - sineemore's `bad-*` files are flagged.
//! - Pollock's polluted files: dialects sniffed right (vs `parameters/`) and files whose records equal
//!   `clean/`, as rates with a floor at what was measured.
//! - Every CSV file of the corpus has a checked-in reading under `tests/snapshots/csv/`; run with
//!   `UPDATE_SNAPSHOTS=1` to rewrite them after a deliberate change, and review the diff.
//!
//! **Where the two corpora disagree.** The same bytes `foo,bar,baz\n1,2,3` are a header and one record
//! in csv-spectrum (its JSON is a list of objects) and two records in sineemore (a list of lists; its
//! README says only `header-*` files have a header). A reader cannot satisfy both by itself, so records
//! are compared header-agnostically: for list-of-lists cases the header row, when the sniffer found one,
//! is put back in front of the records. Also, sineemore reads blank lines of a one-column file as
//! records holding one empty field (`all-empty.csv` is `[[""],[""]]`), while Python's `csv` and
//! CleverCSV skip blank lines; we follow sineemore (RFC 4180) for one-column files and skip blank lines
//! in wider ones.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use casefile::engine::decode::ingest_file_bytes;
use casefile::engine::formats::csv::{read_records, record_values, CsvLayout, Dialect};
use casefile::engine::ingest::IngestOptions;
use casefile::engine::store::SourceData;
use casefile::engine::time::format_rfc3339;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/csv");
const SNAPSHOTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/csv");

/// One file as `casefile summary` reads it, with the CSV layout its parser used.
struct Reading {
    source: SourceData,
    layout: Option<CsvLayout>,
}

impl Reading {
    fn of(path: &Path) -> Reading {
        let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut sources = ingest_file_bytes(&name, &bytes, IngestOptions::default());
        assert_eq!(sources.len(), 1, "{name}: one source");
        let source = sources.remove(0);
        let layout = CsvLayout::of_source(&source);
        Reading { source, layout }
    }

    /// The records of the events (header rows are not events).
    fn data_records(&self) -> Vec<Vec<String>> {
        let Some(layout) = &self.layout else {
            return Vec::new();
        };
        (0..self.source.len())
            .map(|i| record_values(layout, self.source.text(i)))
            .collect()
    }

    /// The header row as written (one row; several header rows are joined per column).
    fn header_row(&self) -> Option<Vec<String>> {
        let layout = self.layout.as_ref()?;
        (layout.dialect.header_rows > 0).then(|| layout.header.clone())
    }

    /// Header row (when found) followed by the data records.
    fn all_rows(&self) -> Vec<Vec<String>> {
        self.header_row()
            .into_iter()
            .chain(self.data_records())
            .collect()
    }

    fn objects(&self) -> Vec<BTreeMap<String, String>> {
        let header = self.header_row().unwrap_or_default();
        self.data_records()
            .into_iter()
            .map(|r| header.iter().cloned().zip(r).collect())
            .collect()
    }
}

fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(Path::new(CORPUS).join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    v.sort();
    v
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

fn as_rows(v: &serde_json::Value) -> Vec<Vec<String>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

fn as_objects(v: &serde_json::Value) -> Vec<BTreeMap<String, String>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|o| {
            o.as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn csv_spectrum_records_equal_their_json() {
    let mut failed = Vec::new();
    let mut checked = 0;
    for csv in files("csv-spectrum/csvs", "csv") {
        let stem = csv.file_stem().unwrap().to_string_lossy().into_owned();
        // Upstream's location_coordinates.json does not describe its CSV (another phone number, and
        // U+FFFD where the CSV has them as bytes but in other places), so it cannot be a reference.
        if stem == "location_coordinates" {
            continue;
        }
        let expected = as_objects(&json(
            &Path::new(CORPUS).join(format!("csv-spectrum/json/{stem}.json")),
        ));
        let r = Reading::of(&csv);
        checked += 1;
        if r.objects() != expected {
            failed.push(format!("{stem}: got {:?}, want {expected:?}", r.objects()));
        }
        assert_eq!(r.source.info.error, None, "{stem}");
    }
    assert_eq!(checked, 11);
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn sineemore_records_equal_their_json() {
    let mut failed = Vec::new();
    let mut checked = 0;
    for expected_path in files("sineemore-csv-test-data/json", "json") {
        let stem = expected_path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let r =
            Reading::of(&Path::new(CORPUS).join(format!("sineemore-csv-test-data/csv/{stem}.csv")));
        let expected = json(&expected_path);
        checked += 1;
        let ok = if stem.starts_with("header-") {
            r.objects() == as_objects(&expected)
                && r.header_row() == Some(vec!["foo".into(), "bar".into(), "baz".into()])
        } else {
            r.all_rows() == as_rows(&expected)
        };
        if !ok {
            failed.push(format!("{stem}: got {:?}", r.all_rows()));
        }
        assert_eq!(r.source.info.error, None, "{stem}");
    }
    assert_eq!(checked, 18);
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn sineemore_bad_files_are_flagged() {
    let expected_header = ["foo", "bar", "baz"];
    let mut flagged_by_reading = 0;
    let bad = files("sineemore-csv-test-data/csv", "csv")
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("bad-"))
        .collect::<Vec<_>>();
    assert_eq!(bad.len(), 7);
    for path in &bad {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let r = Reading::of(path);
        let error = r.source.info.error.clone();
        if let Some(e) = &error {
            flagged_by_reading += 1;
            if name != "bad-header-no-header.csv" {
                assert!(e.starts_with("line 2: "), "{name}: {e}");
            }
        }
        if name.starts_with("bad-header-") {
            // Against the header the README promises, every bad-header file is flagged (this is the
            // only way to flag bad-header-wrong-header.csv: it is a valid CSV with another header).
            let header_problem = match &r.layout {
                Some(layout) => layout.check_header(&expected_header),
                None => Some("no CSV read".to_string()),
            };
            assert!(
                header_problem.is_some() || error.is_some(),
                "{name}: not flagged"
            );
        } else {
            assert!(error.is_some(), "{name}: not flagged");
        }
    }
    // All but bad-header-wrong-header.csv are flagged by reading alone.
    assert_eq!(flagged_by_reading, 6);
}

/// What Pollock's parameters say about a file's dialect, in our terms.
#[derive(Debug, PartialEq)]
struct PollockDialect {
    delimiter: u8,
    skip_initial_space: bool,
    quote: Option<u8>,
    escape: Option<u8>,
    header_rows: usize,
    preamble_rows: usize,
}

fn pollock_expected(name: &str) -> PollockDialect {
    let p = json(&Path::new(CORPUS).join(format!(
        "pollock/polluted_files/parameters/{name}_parameters.json"
    )));
    let delimiter = p["delimiter"].as_str().unwrap();
    let quote = p["quotechar"].as_str().unwrap().bytes().next();
    let escape = p["escapechar"].as_str().unwrap().bytes().next();
    PollockDialect {
        delimiter: delimiter.bytes().next().unwrap_or(0),
        skip_initial_space: delimiter.len() > 1 && delimiter.ends_with(' '),
        quote,
        // A doubled quote (escapechar = quotechar) or none is our "no escape character".
        escape: escape.filter(|e| Some(*e) != quote),
        header_rows: p["header_lines"].as_u64().unwrap() as usize,
        preamble_rows: p["preamble_lines"].as_u64().unwrap() as usize,
    }
}

fn ours(d: &Dialect) -> PollockDialect {
    PollockDialect {
        delimiter: d.delimiter.unwrap_or(0),
        skip_initial_space: d.skip_initial_space,
        quote: d.quote,
        escape: d.escape,
        header_rows: d.header_rows,
        preamble_rows: d.preamble_rows,
    }
}

#[test]
fn pollock_polluted_files_dialects_and_records() {
    let clean_dialect = Dialect::default();
    let (mut files_n, mut dialect_ok, mut records_ok, mut dqe_ok) = (0, 0, 0, 0);
    let (mut rows_total, mut rows_ok) = (0usize, 0usize);
    let mut report = Vec::new();
    for csv in files("pollock/polluted_files/csv", "csv") {
        let name = csv.file_name().unwrap().to_string_lossy().into_owned();
        files_n += 1;
        let r = Reading::of(&csv);
        let want = pollock_expected(&name);
        let got = r.layout.as_ref().map(|l| ours(&l.dialect));
        // An empty file has no dialect to find (its parameters name none either).
        let d_ok = got.as_ref() == Some(&want) || (got.is_none() && want.delimiter == 0);
        dialect_ok += usize::from(d_ok);
        // Delimiter, quote and escape alone (what CleverCSV detects; see scripts/pollock_clevercsv.py).
        dqe_ok += usize::from(
            got.as_ref().map(|g| (g.delimiter, g.quote, g.escape))
                == Some((want.delimiter, want.quote, want.escape))
                || (got.is_none() && want.delimiter == 0),
        );
        let clean_bytes =
            fs::read(Path::new(CORPUS).join(format!("pollock/polluted_files/clean/{name}")))
                .unwrap();
        let clean = read_records(&clean_dialect, &clean_bytes);
        let rows = r.all_rows();
        rows_total += clean.len();
        rows_ok += clean.iter().zip(&rows).filter(|(a, b)| a == b).count();
        let r_ok = rows == clean;
        records_ok += usize::from(r_ok);
        report.push(format!(
            "{name}: dialect {} records {} ({} of {} rows){}",
            if d_ok { "ok" } else { "WRONG" },
            if r_ok { "ok" } else { "differ" },
            clean.iter().zip(&rows).filter(|(a, b)| a == b).count(),
            clean.len(),
            if d_ok {
                String::new()
            } else {
                format!(" got {got:?} want {want:?}")
            }
        ));
    }
    eprintln!("{}", report.join("\n"));
    eprintln!(
        "pollock: {dialect_ok}/{files_n} dialects right (delimiter, quote, escape, header and preamble \
         rows; {dqe_ok}/{files_n} on delimiter, quote and escape alone), {records_ok}/{files_n} files' \
         records equal clean/, {rows_ok}/{rows_total} rows equal"
    );
    // Floors at what was measured when this test was written (raise them when reading improves).
    assert_eq!(files_n, 34);
    assert!(dialect_ok >= 33, "dialects right: {dialect_ok}");
    assert!(records_ok >= 21, "files with equal records: {records_ok}");
}

// ---------------------------------------------------------------------------------------------------
// Snapshots.

/// A short stable digest (FNV-1a, 64 bit) of all records, so big files show any change compactly.
fn digest(rows: &[Vec<String>]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for r in rows {
        for f in r {
            for b in f.bytes().chain([0x1f]) {
                h ^= b as u64;
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        h ^= 0x1e;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn render(r: &Reading) -> String {
    let info = &r.source.info;
    let mut out = String::new();
    out.push_str(&format!("format: {}\n", info.format.as_str()));
    out.push_str(&format!("events: {}\n", r.source.len()));
    out.push_str(&format!(
        "first_ts: {}\nlast_ts: {}\n",
        info.first_ts.map_or("-".into(), format_rfc3339),
        info.last_ts.map_or("-".into(), format_rfc3339)
    ));
    out.push_str(&format!("unparsed_lines: {}\n", info.unparsed_lines));
    out.push_str(&format!(
        "error: {}\n",
        info.error.as_deref().unwrap_or("-")
    ));
    let Some(layout) = &r.layout else {
        return out;
    };
    let d = &layout.dialect;
    let ch = |c: Option<u8>| c.map_or("none".to_string(), |c| format!("{:?}", c as char));
    out.push_str(&format!(
        "dialect: delimiter {} quote {} escape {} skip_initial_space {} preamble_rows {} header_rows {}\n",
        ch(d.delimiter),
        ch(d.quote),
        ch(d.escape),
        d.skip_initial_space,
        d.preamble_rows,
        d.header_rows
    ));
    out.push_str(&format!("header: {:?}\n", layout.header));
    let records = r.data_records();
    out.push_str(&format!("records digest: {}\n", digest(&records)));
    let times: Vec<String> = (0..r.source.len())
        .map(|i| r.source.ts(i).map_or("-".into(), format_rfc3339))
        .collect();
    let show = |i: usize, out: &mut String| {
        out.push_str(&format!("{} {} {:?}\n", i, times[i], records[i]));
    };
    if records.len() <= 12 {
        for i in 0..records.len() {
            show(i, &mut out);
        }
    } else {
        for i in 0..5 {
            show(i, &mut out);
        }
        out.push_str(&format!("... {} more ...\n", records.len() - 10));
        for i in records.len() - 5..records.len() {
            show(i, &mut out);
        }
    }
    out
}

fn all_corpus_csv_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![PathBuf::from(CORPUS)];
    while let Some(d) = dirs.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "csv" || x == "tsv") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_corpus_csv_file_reads_as_its_snapshot() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1");
    let mut differ = Vec::new();
    let files = all_corpus_csv_files();
    assert!(files.len() >= 100, "corpus has {} CSV files", files.len());
    for path in &files {
        let rel = path.strip_prefix(CORPUS).unwrap();
        let snap = Path::new(SNAPSHOTS).join(rel).with_extension("snap");
        let got = render(&Reading::of(path));
        if update {
            fs::create_dir_all(snap.parent().unwrap()).unwrap();
            fs::write(&snap, &got).unwrap();
            continue;
        }
        match fs::read_to_string(&snap) {
            Ok(want) if want == got => {}
            Ok(want) => differ.push(format!(
                "{}:\n--- snapshot\n{want}+++ now\n{got}",
                rel.display()
            )),
            Err(_) => differ.push(format!(
                "{}: no snapshot (run with UPDATE_SNAPSHOTS=1)",
                rel.display()
            )),
        }
    }
    assert!(
        differ.is_empty(),
        "{} readings differ from their snapshots:\n{}",
        differ.len(),
        differ.join("\n")
    );
}
