//! Bad input gets a clear sentence naming the problem, and nothing else is lost.
//!
//! Each case is generated here (no fixtures): a binary file, an empty file, a truncated gzip, a
//! 300 MB single line (streamed in 1 MiB pushes, never held whole), a CSV with an unbalanced quote, a
//! file that mixes formats, and text in UTF-16, Latin-1 and broken UTF-8. The last test runs the real
//! `casefile summary --json` over all of them at once, next to a good file, and checks that the good
//! file reads exactly as it does alone.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use casefile::engine::decode::{ingest_file_bytes, FileIngest};
use casefile::engine::ingest::{IngestOptions, MAX_EVENT_BYTES};
use casefile::engine::store::SourceData;
use flate2::write::GzEncoder;
use flate2::Compression;

fn one(name: &str, bytes: &[u8]) -> SourceData {
    let mut s = ingest_file_bytes(name, bytes, IngestOptions::default());
    assert_eq!(s.len(), 1, "{name}: one source");
    s.remove(0)
}

fn error(s: &SourceData) -> &str {
    s.info.error.as_deref().unwrap_or("")
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn good_log(lines: usize) -> Vec<u8> {
    (0..lines)
        .flat_map(|i| {
            format!(
                "2026-07-03T09:{:02}:{:02}Z INFO request {i} done\n",
                (i / 60) % 60,
                i % 60
            )
            .into_bytes()
        })
        .collect()
}

fn binary_blob() -> Vec<u8> {
    let mut b = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    b.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    b
}

#[test]
fn a_binary_file_is_not_a_text_log() {
    let s = one("core.dump", &binary_blob());
    assert_eq!(s.len(), 0);
    assert_eq!(
        error(&s),
        "this is not a text log (it holds binary data), so it was skipped"
    );
}

#[test]
fn an_empty_file_says_so() {
    let s = one("empty.log", b"");
    assert_eq!(s.len(), 0);
    assert_eq!(error(&s), "the file is empty");
}

#[test]
fn a_truncated_gzip_keeps_the_events_before_the_cut() {
    let text = good_log(40_000);
    let whole = gz(&text);
    let cut = &whole[..whole.len() * 3 / 4];
    let s = one("app.log.gz", cut);
    let e = error(&s);
    assert!(e.starts_with("the gzip stream ends early after "), "{e}");
    assert!(e.contains(" MB; the events before that were read"), "{e}");
    assert!(s.len() > 20_000 && s.len() < 40_000, "{} events", s.len());
    // Every event read is whole and in order.
    assert_eq!(s.text(0), b"2026-07-03T09:00:00Z INFO request 0 done");
    assert!(s.info.bytes == cut.len() as u64);
}

#[test]
fn a_300_mb_single_line_is_cut_to_1_mib_and_counted_once() {
    let mut f = FileIngest::open("one-line.log", IngestOptions::default());
    let head = b"2026-07-03T09:00:00Z INFO ";
    let tail = b"\n2026-07-03T09:00:01Z INFO after the long line\n";
    f.push(head);
    let filler = vec![b'x'; 1 << 20];
    for _ in 0..300 {
        f.push(&filler);
    }
    f.push(tail);
    let s = f.finish().remove(0);
    assert_eq!(s.len(), 2);
    assert!(s.text(0).len() <= MAX_EVENT_BYTES);
    assert!(s.text(0).starts_with(b"2026-07-03T09:00:00Z INFO xxx"));
    assert_eq!(s.text(1), b"2026-07-03T09:00:01Z INFO after the long line");
    assert!(
        s.text_bytes() < 3 * MAX_EVENT_BYTES,
        "{} bytes kept",
        s.text_bytes()
    );
    assert_eq!(
        error(&s),
        "1 event longer than 1 MiB was cut to the first 1 MiB (each still counts as one event)"
    );
    assert_eq!(
        s.info.bytes,
        (head.len() + 300 * filler.len() + tail.len()) as u64
    );
}

#[test]
fn a_csv_with_an_unbalanced_quote_is_flagged_and_read_on() {
    let mut text = String::from("time,user,comment\n");
    for i in 0..30 {
        text.push_str(&format!("2026-07-03T09:00:{i:02}Z,u{i},\"fine, thanks\"\n"));
        if i == 10 {
            text.push_str("2026-07-03T09:00:10Z,u10,\"this quote never closes\n");
        }
    }
    let s = one("export.csv", text.as_bytes());
    assert_eq!(
        s.len(),
        31,
        "the broken record is one event, the rest unharmed"
    );
    assert!(
        error(&s).starts_with("line 13: a quoted field is never closed"),
        "{}",
        error(&s)
    );
    assert!(s.ts(30).is_some());
}

#[test]
fn a_file_mixing_formats_keeps_every_line_and_says_which_were_not_read() {
    let mut text = String::new();
    for i in 0..20 {
        text.push_str(&format!(
            "{{\"ts\":\"2026-07-03T09:00:{i:02}Z\",\"level\":\"info\",\"msg\":\"m{i}\"}}\n"
        ));
        if i % 5 == 4 {
            text.push_str(&format!("plain text line {i} from another writer\n"));
        }
    }
    let s = one("mixed.jsonl", text.as_bytes());
    assert!(s.len() >= 20);
    let kept: Vec<u8> = (0..s.len())
        .flat_map(|i| s.text(i).iter().copied().chain([b'\n']))
        .collect();
    assert_eq!(String::from_utf8(kept).unwrap(), text, "no line lost");
    let e = error(&s);
    assert!(
        s.info.unparsed_lines == 0 || e.contains("not read as json_lines (first: line 6)"),
        "{e}"
    );
}

#[test]
fn utf16_latin1_and_broken_utf8_are_read() {
    let text = "2026-07-03T09:00:00Z INFO héllo\n2026-07-03T09:00:01Z WARN ünïcode\n";
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let s = one("win.log", &le);
    assert_eq!(s.len(), 2);
    assert_eq!(s.text(0), "2026-07-03T09:00:00Z INFO héllo".as_bytes());
    assert_eq!(s.info.bytes, le.len() as u64, "bytes is the file's size");

    let latin1: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    let s = one("legacy.log", &latin1);
    assert_eq!(s.text(1), "2026-07-03T09:00:01Z WARN ünïcode".as_bytes());

    let mut broken = text.as_bytes().to_vec();
    broken.extend(b"2026-07-03T09:00:02Z ERROR bad \xff\xfe bytes\n");
    let s = one("broken.log", &broken);
    assert_eq!(s.len(), 3);
    assert_eq!(
        String::from_utf8_lossy(s.text(2)),
        "2026-07-03T09:00:02Z ERROR bad \u{FFFD}\u{FFFD} bytes"
    );
    assert_eq!(error(&s), "");
}

/// A fresh directory under the system temp dir for one test.
fn scratch_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("casefile-bad-input-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn summary(files: &[PathBuf]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_casefile"))
        .arg("summary")
        .arg("--json")
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn one_summary_run_names_each_problem_and_the_good_file_is_unaffected() {
    let dir = scratch_dir("summary");
    let good = write(&dir, "good.log", &good_log(500));
    let alone = summary(std::slice::from_ref(&good));
    let long_line: Vec<u8> = b"2026-07-03T09:00:00Z INFO "
        .iter()
        .copied()
        .chain(std::iter::repeat_n(b'y', 3 << 20))
        .chain(*b"\n")
        .collect();
    let whole_gz = gz(&good_log(20_000));
    let files = vec![
        write(&dir, "blob.bin", &binary_blob()),
        write(&dir, "empty.log", b""),
        write(&dir, "cut.log.gz", &whole_gz[..whole_gz.len() / 2]),
        good.clone(),
        write(&dir, "long.log", &long_line),
        write(&dir, "quotes.csv", b"a,b,c\n1,\"2,3\n4,5,6\n"),
        dir.join("does-not-exist.log"),
    ];
    let all = summary(&files);
    let by_path = |name: &str| -> serde_json::Value {
        all["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} missing"))
            .clone()
    };
    assert_eq!(all["files"].as_array().unwrap().len(), files.len());
    assert_eq!(
        by_path("/good.log"),
        alone["files"][0],
        "good file unaffected"
    );
    let err = |name: &str| by_path(name)["error"].as_str().unwrap_or("").to_string();
    assert!(err("blob.bin").contains("not a text log"));
    assert_eq!(err("empty.log"), "the file is empty");
    assert!(err("cut.log.gz").starts_with("the gzip stream ends early after"));
    assert!(err("long.log").contains("cut to the first 1 MiB"));
    assert_eq!(by_path("long.log")["events"], 1);
    assert!(
        err("quotes.csv").starts_with("line 2: a quoted field is never closed"),
        "{}",
        err("quotes.csv")
    );
    assert!(err("does-not-exist.log").starts_with("the file could not be read"));
    std::fs::remove_dir_all(&dir).unwrap();
}

const FLUENT_BIT_TAIL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/corpus/multiline/fluent-bit/tail"
);

/// fluent-bit's UTF-16 samples (LE and BE, with BOM) read as the same text std's UTF-16 decoder gives,
/// and its Windows-1252 sample as the lines its expected output lists. (Its other legacy samples,
/// GBK, Big5, Shift-JIS, Windows-125x, need the encoding named; they are read without loss, as
/// Latin-1.)
#[test]
fn fluent_bit_encoding_samples_decode() {
    for name in [
        "unicode_c.log",
        "unicode_be_c.log",
        "unicode_j.log",
        "unicode_be_j.log",
        "unicode_subdivision_flags.log",
        "unicode_subdivision_flags_be.log",
    ] {
        let bytes = std::fs::read(format!("{FLUENT_BIT_TAIL}/log/{name}")).unwrap();
        let big_endian = bytes.starts_with(&[0xFE, 0xFF]);
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|p| {
                if big_endian {
                    u16::from_be_bytes([p[0], p[1]])
                } else {
                    u16::from_le_bytes([p[0], p[1]])
                }
            })
            .collect();
        let want = String::from_utf16(&units).unwrap();
        let s = one(name, &bytes);
        let got: Vec<String> = (0..s.len())
            .map(|i| String::from_utf8(s.text(i).to_vec()).unwrap())
            .collect();
        assert_eq!(got, want.lines().collect::<Vec<_>>(), "{name}");
        assert_eq!(s.info.bytes, bytes.len() as u64);
    }
    let bytes = std::fs::read(format!("{FLUENT_BIT_TAIL}/log/generic_enc_win1252.log")).unwrap();
    let expected: Vec<String> =
        std::fs::read_to_string(format!("{FLUENT_BIT_TAIL}/out/generic_enc_win1252.out"))
            .unwrap()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["log"].as_str().unwrap().to_string()
            })
            .collect();
    let s = one("generic_enc_win1252.log", &bytes);
    let got: Vec<String> = (0..s.len())
        .map(|i| String::from_utf8(s.text(i).to_vec()).unwrap())
        .collect();
    // fluent-bit's expected output stops one line early: the file's 15th line, "Fjord", ends with a
    // line end like the others and is an event here.
    assert_eq!(got[..expected.len()], expected[..]);
    assert_eq!(got[expected.len()..], ["Fjord"]);
    assert_eq!(
        bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count(),
        15
    );
}
