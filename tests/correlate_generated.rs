//! Correlation on the generated incident (../shared/bench/genlogs.py, 5 MB, written into a temporary
//! directory once per test run): following ids from truth.json across files, the clock skew of
//! nginx-access.log, the CLI's JSON shapes, and (below) what changed and spikes around the incident.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::UNIX_EPOCH;

use casefile::engine::correlate::follow::{follow, related_by};
use casefile::engine::correlate::ids::IdIndex;
use casefile::engine::correlate::skew::estimate;
use casefile::engine::correlate::Offsets;
use casefile::engine::ingest::{ingest_bytes, IngestOptions};
use casefile::engine::store::SourceData;
use casefile::engine::timeline::EventId;
use serde_json::Value;

const FILES: [&str; 5] = [
    "app-payments.jsonl",
    "nginx-access.log",
    "syslog",
    "containers.log",
    "transactions.csv",
];

struct Incident {
    dir: PathBuf,
    truth: Value,
    sources: Vec<SourceData>,
    index: IdIndex,
}

fn incident() -> &'static Incident {
    static CELL: OnceLock<Incident> = OnceLock::new();
    CELL.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("casefile-correlate-gen-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/genlogs.py");
        let status = Command::new("python3")
            .arg(&script)
            .arg(&dir)
            .args(["--mb", "5"])
            .status()
            .expect("python3 runs genlogs.py");
        assert!(status.success(), "genlogs.py failed");
        let truth: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("truth.json")).expect("truth.json"),
        )
        .expect("truth.json parses");
        let sources: Vec<SourceData> = FILES.iter().map(|f| load(&dir.join(f))).collect();
        let index = IdIndex::build(&sources);
        Incident {
            dir,
            truth,
            sources,
            index,
        }
    })
}

/// Reads a file as the CLI does (its modification time lets syslog's year be inferred).
fn load(path: &Path) -> SourceData {
    let bytes = std::fs::read(path).expect("file reads");
    let modified_ns = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i64);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ingest_bytes(
        &name,
        &bytes,
        IngestOptions {
            modified_ns,
            ..Default::default()
        },
    )
}

/// The files whose text contains `needle`, found by a plain substring search.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    FILES
        .iter()
        .filter(|f| {
            std::fs::read_to_string(dir.join(f))
                .expect("file reads")
                .contains(needle)
        })
        .map(|f| f.to_string())
        .collect()
}

#[test]
fn following_truth_ids_finds_them_in_every_file_that_holds_them() {
    let inc = incident();
    let ids = inc.truth["ids_across_files"]
        .as_array()
        .expect("ids_across_files");
    assert!(!ids.is_empty());
    let mut widest = 0;
    for entry in ids {
        let id = entry["id"].as_str().expect("id");
        let story = follow(&inc.sources, &inc.index, &Offsets::zero(5), id);
        let mut found: Vec<String> = story.sources.iter().map(|s| s.path.clone()).collect();
        found.sort();
        let mut expected = files_containing(&inc.dir, id);
        expected.sort();
        assert_eq!(found, expected, "{id}");
        for step in &story.steps {
            assert!(step.event.text.contains(id), "{id}: {}", step.event.text);
        }
        // One story in timeline order, with the time between steps.
        let times: Vec<i64> = story.steps.iter().filter_map(|s| s.event.ts_ns).collect();
        assert_eq!(times.len(), story.steps.len());
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{id}");
        assert!(story
            .steps
            .iter()
            .skip(1)
            .all(|s| s.since_previous_s.is_some_and(|g| g >= 0.0)));
        widest = widest.max(found.len());
    }
    assert!(
        widest >= 4,
        "some truth id is followed into at least 4 files"
    );
}

#[test]
fn applied_skew_brings_nginx_steps_within_a_second_of_the_app() {
    let inc = incident();
    let offsets = estimate(&inc.sources, &inc.index).offsets();
    let id = inc.truth["ids_across_files"][0]["id"].as_str().expect("id");
    let story = follow(&inc.sources, &inc.index, &offsets, id);
    let time_in = |path: &str| {
        story
            .steps
            .iter()
            .find(|s| s.event.path == path)
            .and_then(|s| s.event.ts_ns)
    };
    let app = time_in("app-payments.jsonl").expect("app step");
    let nginx = time_in("nginx-access.log").expect("nginx step");
    assert!((nginx - app).abs() < 1_000_000_000, "{}", nginx - app);
}

#[test]
fn skew_of_nginx_matches_truth_within_half_a_second() {
    let inc = incident();
    let report = estimate(&inc.sources, &inc.index);
    let truth_skew = inc.truth["clock_skew_s"]["nginx-access.log"]
        .as_f64()
        .expect("clock_skew_s");
    let nginx = report
        .sources
        .iter()
        .find(|s| s.path == "nginx-access.log")
        .expect("nginx in report");
    assert!(
        (nginx.offset_s - truth_skew).abs() <= 0.5,
        "estimated {} vs truth {truth_skew}",
        nginx.offset_s
    );
    assert!(
        nginx.confidence > 0.9 && nginx.shared_ids > 1000,
        "{nginx:?}"
    );
    assert_eq!(nginx.resolution_s, 1.0);
    // The other files that share ids keep their clocks: about 0 s.
    for s in report
        .sources
        .iter()
        .filter(|s| s.linked && s.path != "nginx-access.log")
    {
        assert!(s.offset_s.abs() <= 0.5, "{s:?}");
    }
    // Syslog shares no ids.
    let syslog = report
        .sources
        .iter()
        .find(|s| s.path == "syslog")
        .expect("syslog in report");
    assert!(!syslog.linked && syslog.confidence == 0.0);
}

#[test]
fn related_by_of_a_gateway_error_names_its_request_in_every_file_holding_it() {
    let inc = incident();
    let app = &inc.sources[0];
    let id = inc.truth["ids_across_files"][0]["id"].as_str().expect("id");
    let event = (0..app.len())
        .find(|e| String::from_utf8_lossy(app.text(*e)).contains(id))
        .expect("the app logs the id");
    let related = related_by(
        &inc.sources,
        &inc.index,
        EventId {
            source: 0,
            event: event as u32,
        },
    );
    let request = related
        .iter()
        .find(|r| r.id == id)
        .expect("the request id is listed");
    assert_eq!(request.key.as_deref(), Some("request_id"));
    assert_eq!(
        request.sources.len(),
        files_containing(&inc.dir, id).len(),
        "{request:?}"
    );
    // Shared ids come before the event's own unshared ids (its trace id).
    assert_eq!(related[0].id, id);
    assert!(related.iter().any(|r| r.events == 1));
}

fn casefile(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_casefile"))
        .args(args)
        .output()
        .expect("casefile runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_str(stdout.trim()).unwrap_or(Value::Null),
    )
}

fn paths(dir: &Path) -> Vec<String> {
    FILES
        .iter()
        .map(|f| dir.join(f).to_string_lossy().into_owned())
        .collect()
}

#[test]
fn cli_follow_skew_and_context_print_the_documented_json() {
    let inc = incident();
    let files = paths(&inc.dir);
    let id = inc.truth["ids_across_files"][0]["id"].as_str().expect("id");

    let mut args = vec!["skew", "--json"];
    args.extend(files.iter().map(String::as_str));
    let (code, skew) = casefile(&args);
    assert_eq!(code, 0);
    let rows = skew["sources"].as_array().expect("sources");
    assert_eq!(rows.len(), FILES.len());
    for row in rows {
        for field in ["path", "offset_s", "confidence", "shared_ids"] {
            assert!(row.get(field).is_some(), "{field} in {row}");
        }
    }
    let nginx = rows
        .iter()
        .find(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("nginx-access.log"))
        })
        .expect("nginx row");
    assert!((nginx["offset_s"].as_f64().unwrap_or(0.0) - 3.0).abs() <= 0.5);

    let mut args = vec!["follow", "--json", id];
    args.extend(files.iter().map(String::as_str));
    let (code, story) = casefile(&args);
    assert_eq!(code, 0);
    assert_eq!(story["id"], id);
    let steps = story["steps"].as_array().expect("steps");
    assert_eq!(
        steps.len() as u64,
        story["total_events"].as_u64().expect("total_events")
    );
    assert!(steps
        .iter()
        .all(|s| s["text"].as_str().is_some_and(|t| t.contains(id))));

    let at = steps[0]["ts"].as_str().expect("ts").to_string();
    let mut args = vec!["context", "--json", "--at", &at, "--seconds", "3"];
    args.extend(files.iter().map(String::as_str));
    let (code, cx) = casefile(&args);
    assert_eq!(code, 0);
    let events = cx["events"].as_array().expect("events");
    assert_eq!(events.iter().filter(|e| e["marked"] == true).count(), 1);
    assert!(events
        .iter()
        .all(|e| e["from_centre_s"].as_f64().is_some_and(|d| d.abs() <= 3.0)));
    assert!(cx["sources"].as_array().expect("sources").len() >= 2);

    let (code, _) = casefile(&["context", "--json", "--at", "yesterday", &files[0]]);
    assert_eq!(code, 2);
    let (code, _) = casefile(&["follow", "--json", id]);
    assert_eq!(code, 2);
}
