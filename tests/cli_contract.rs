//! The `casefile` command line is a contract that scripts outside this repository rely on: its JSON
//! fields, argument order, paths as given, and exit codes. These tests run the real binary on real
//! files (a generated incident from ../shared/bench/genlogs.py and temporary files).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn casefile(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_casefile"))
        .args(args)
        .output()
        .expect("casefile runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("casefile-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Writes the generated incident (3 MB) into a fresh directory and returns it with its truth.json.
fn generated_incident() -> (PathBuf, Value) {
    let dir = temp_dir("genlogs");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/genlogs.py");
    let status = Command::new("python3")
        .arg(&script)
        .arg(&dir)
        .args(["--mb", "3"])
        .status()
        .expect("python3 runs genlogs.py");
    assert!(status.success(), "genlogs.py failed");
    let truth = std::fs::read_to_string(dir.join("truth.json")).expect("truth.json");
    (
        dir,
        serde_json::from_str(&truth).expect("truth.json parses"),
    )
}

const FIELDS: [&str; 8] = [
    "path",
    "format",
    "events",
    "first_ts",
    "last_ts",
    "unparsed_lines",
    "bytes",
    "error",
];

#[test]
fn summary_json_has_the_documented_shape_and_keeps_argument_order() {
    let (dir, truth) = generated_incident();
    let names = ["transactions.csv", "app-payments.jsonl", "nginx-access.log"];
    let paths: Vec<String> = names
        .iter()
        .map(|n| dir.join(n).to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["summary", "--json"];
    args.extend(paths.iter().map(String::as_str));
    let (code, stdout, stderr) = casefile(&args);
    assert_eq!(code, 0, "{stderr}");
    let summary: Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    let files = summary["files"].as_array().expect("files array");
    assert_eq!(files.len(), names.len());
    let mut total = 0;
    for ((file, path), name) in files.iter().zip(&paths).zip(names) {
        for field in FIELDS {
            assert!(file.get(field).is_some(), "{name}: field {field} missing");
        }
        assert_eq!(
            file["path"].as_str(),
            Some(path.as_str()),
            "path exactly as given"
        );
        assert_eq!(file["events"], truth["events"][name], "{name}: events");
        assert_eq!(file["error"], Value::Null, "{name}: error");
        let first = file["first_ts"].as_str().expect("first_ts");
        assert!(first.ends_with('Z'), "{first} is UTC with Z");
        let bytes = std::fs::metadata(path).expect("file exists").len();
        assert_eq!(
            file["bytes"].as_u64(),
            Some(bytes),
            "{name}: bytes is the file size"
        );
        total += file["events"].as_u64().expect("events is a number");
    }
    assert_eq!(summary["events"].as_u64(), Some(total));
    assert!(summary["elapsed_ms"].is_u64());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_missing_or_empty_file_gets_a_sentence_and_the_others_are_still_read() {
    let dir = temp_dir("bad");
    let good = dir.join("good.log");
    std::fs::write(
        &good,
        "2026-07-03 09:00:00 INFO one\n2026-07-03 09:00:01 WARN two\n",
    )
    .unwrap();
    let empty = dir.join("empty.log");
    std::fs::write(&empty, "").unwrap();
    let missing = dir.join("missing.log");
    let (code, stdout, _) = casefile(&[
        "summary",
        "--json",
        missing.to_str().unwrap(),
        empty.to_str().unwrap(),
        good.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let summary: Value = serde_json::from_str(stdout.trim()).unwrap();
    let files = summary["files"].as_array().unwrap();
    assert!(files[0]["error"]
        .as_str()
        .unwrap()
        .contains("could not be read"));
    assert_eq!(files[1]["error"].as_str(), Some("the file is empty"));
    assert_eq!(files[2]["events"].as_u64(), Some(2));
    assert_eq!(files[2]["first_ts"].as_str(), Some("2026-07-03T09:00:00Z"));
    assert_eq!(files[2]["error"], Value::Null);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn zone_applies_to_timestamps_without_one() {
    let dir = temp_dir("zone");
    let f = dir.join("local.log");
    std::fs::write(&f, "2026-07-03 11:00:00 INFO local time\n").unwrap();
    let (code, stdout, _) = casefile(&[
        "summary",
        "--json",
        "--zone",
        "Europe/Berlin",
        f.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let summary: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        summary["files"][0]["first_ts"].as_str(),
        Some("2026-07-03T09:00:00Z")
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn bad_usage_exits_2_with_a_message() {
    for args in [
        &["summary", "--json"][..],
        &["summary", "--json", "--zone", "Mars/Base", "x"],
        &["frobnicate"],
        &[],
    ] {
        let (code, _, stderr) = casefile(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(stderr.contains("usage"), "{args:?}: {stderr}");
    }
}
