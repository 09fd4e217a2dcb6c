//! Field columns hold exactly what reading an event's fields from its text finds, whatever way the
//! column reads them (an access-log part found by position, a JSON key's value read in place, a
//! short value's code looked up by one word, events skipped by the token index): every file of
//! `../shared/corpus` and a generated incident set (`../shared/bench/genlogs.py`, 2 MB), every
//! field their events have.

use std::path::{Path, PathBuf};

use casefile::engine::fields::FieldReader;
use casefile::engine::formats::FormatName;
use casefile::engine::index::SourceIndex;
use casefile::engine::ingest::{ingest_bytes, IngestOptions};
use casefile::engine::store::SourceData;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus");
const GENLOGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/bench/genlogs.py");

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The value of field `name` as visiting the event's fields in order finds it first (the reading
/// that rows' details show), or, for CSV, the column read by name.
fn visited(reader: &FieldReader, text: &[u8], name: &str) -> Option<String> {
    if matches!(reader.format(), FormatName::Csv | FormatName::Tsv) {
        return reader.get(text, name).map(|v| v.into_owned());
    }
    let mut found = None;
    reader.for_each(text, &mut |key, value| {
        if key == name {
            found = Some(value.into_owned());
        }
        found.is_none()
    });
    found
}

/// Checks every field of `source` (the names its events have, and two they lack); returns how many
/// values were compared.
fn check(source: &SourceData) -> usize {
    let reader = FieldReader::for_source(source);
    let mut names: Vec<String> = vec!["missing".into(), "status".into()];
    for e in 0..source.len() {
        reader.for_each(source.text(e), &mut |key, _| {
            if !names.iter().any(|n| n == key) {
                names.push(key.to_string());
            }
            names.len() < 200
        });
    }
    // Built with the token index, as queries build them: events of groups whose filter lacks the
    // name's words are not read.
    let index = SourceIndex::build(source, 0..source.len());
    let columns = index.columns();
    let mut compared = 0;
    for name in &names {
        let column = columns.column(name);
        let want: Vec<Option<String>> = (0..source.len())
            .map(|e| visited(&reader, source.text(e), name))
            .collect();
        for (e, want) in want.iter().enumerate() {
            let got = column.extract(&reader, source.text(e));
            assert_eq!(
                got.as_deref(),
                want.as_deref(),
                "{}: {name} of event {e}",
                source.info.name
            );
        }
        for (k, events) in columns.chunks_over(0..source.len()) {
            // A field too varied to cache has no chunk: its values were compared above.
            let Some(chunk) = columns.chunk_using(&column, k, source, &reader, &index, true) else {
                continue;
            };
            for (i, e) in events.enumerate() {
                let code = chunk.code(i);
                let got = (code > 0).then(|| chunk.value(code));
                assert_eq!(
                    got,
                    want[e].as_deref(),
                    "{}: {name} of event {e}",
                    source.info.name
                );
                compared += 1;
            }
        }
        columns.clear();
    }
    compared
}

#[test]
fn columns_of_the_corpus_files_hold_what_their_text_says() {
    let mut files = Vec::new();
    files_under(Path::new(CORPUS), &mut files);
    let mut compared = 0;
    let mut formats = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let source = ingest_bytes(&name, &bytes, IngestOptions::default());
        formats.push(source.info.format);
        compared += check(&source);
    }
    for format in [
        FormatName::AccessLog,
        FormatName::JsonLines,
        FormatName::Csv,
    ] {
        assert!(formats.contains(&format), "the corpus has {format:?} files");
    }
    assert!(compared > 100_000, "{compared} values compared");
}

#[test]
fn columns_of_a_generated_set_hold_what_its_text_says() {
    let dir = std::env::temp_dir().join(format!("casefile-columns-exact-{}", std::process::id()));
    let status = std::process::Command::new("python3")
        .arg(GENLOGS)
        .arg(&dir)
        .args(["--mb", "2", "--seed", "11"])
        .status()
        .expect("python3 runs genlogs.py");
    assert!(status.success(), "genlogs.py failed");
    for file in [
        "nginx-access.log",
        "app-payments.jsonl",
        "syslog",
        "containers.log",
        "transactions.csv",
    ] {
        let bytes = std::fs::read(dir.join(file)).expect("generated file");
        let source = ingest_bytes(file, &bytes, IngestOptions::default());
        assert!(check(&source) > 0, "{file}: some column was built");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
