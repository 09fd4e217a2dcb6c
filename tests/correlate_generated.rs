//! Correlation on the generated incident (../shared/bench/genlogs.py, 5 MB, written into a temporary
//! directory once per test run): following ids from truth.json across files, the clock skew of
//! nginx-access.log, the CLI's JSON shapes, and (below) what changed and spikes around the incident.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::UNIX_EPOCH;

use casefile::engine::correlate::changes::{
    compare, compare_with, Changes, Direction, ItemKind, Window,
};
use casefile::engine::correlate::follow::{follow, related_by};
use casefile::engine::correlate::ids::IdIndex;
use casefile::engine::correlate::shape::template_group;
use casefile::engine::correlate::skew::estimate;
use casefile::engine::correlate::spikes::{find_spikes, strongest, SeriesKind, SpikeOptions};
use casefile::engine::correlate::Offsets;
use casefile::engine::ingest::{ingest_bytes, IngestOptions};
use casefile::engine::patterns::{mine_source, SourcePatterns};
use casefile::engine::store::SourceData;
use casefile::engine::time::{parse_iso, TimeContext};
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
        let dir = generated_dir();
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

/// The 5 MB incident, generated once into a shared temporary directory and reused by later runs
/// (generated into a private directory first and renamed, so concurrent runs never see half a set).
fn generated_dir() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/genlogs.py");
    // Keyed by the script's content, so a changed generator makes a fresh set.
    let version = std::fs::read(&script)
        .expect("genlogs.py reads")
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ *b as u64).wrapping_mul(0x0000_0100_0000_01b3)
        });
    let dir = std::env::temp_dir().join(format!("casefile-correlate-genlogs-5mb-{version:016x}"));
    if dir.join("truth.json").is_file() {
        return dir;
    }
    let fresh =
        std::env::temp_dir().join(format!("casefile-correlate-genlogs-{}", std::process::id()));
    let status = Command::new("python3")
        .arg(&script)
        .arg(&fresh)
        .args(["--mb", "5", "--seed", "7"])
        .status()
        .expect("python3 runs genlogs.py");
    assert!(status.success(), "genlogs.py failed");
    if std::fs::rename(&fresh, &dir).is_err() {
        // Another run renamed its copy first: use that one.
        let _ = std::fs::remove_dir_all(&fresh);
    }
    dir
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

/// An instant from truth.json.
fn instant(v: &Value) -> i64 {
    let text = v.as_str().expect("a time in truth.json");
    let (stamp, _) = parse_iso(text.as_bytes()).expect("RFC 3339");
    TimeContext::default().resolve(&stamp).expect("resolves")
}

#[test]
fn what_changed_in_the_incident_puts_timeouts_5xx_and_the_oom_kill_in_the_top_ten() {
    let inc = incident();
    let window = Window::new(
        instant(&inc.truth["incident_utc"][0]),
        instant(&inc.truth["incident_utc"][1]),
    );
    // Grouped by message shape, and by the pattern miner's templates.
    check_incident_changes(compare(&inc.sources, &Offsets::zero(5), window, None));
    let mined: Vec<SourcePatterns> = inc.sources.iter().map(mine_source).collect();
    let group = template_group(&mined);
    check_incident_changes(compare_with(
        &inc.sources,
        &Offsets::zero(5),
        window,
        None,
        &group,
    ));
}

fn check_incident_changes(changes: Changes) {
    let inc = incident();
    let top = &changes.items[..10.min(changes.items.len())];
    let listing: Vec<&str> = top.iter().map(|i| i.headline.as_str()).collect();
    let timeout = top
        .iter()
        .find(|i| {
            i.kind == ItemKind::Template
                && i.path == "app-payments.jsonl"
                && i.example.as_deref() == Some("Connection timed out after 30 seconds")
        })
        .unwrap_or_else(|| panic!("timeout message in the top ten: {listing:#?}"));
    assert_eq!(timeout.change, Direction::New);
    assert!(
        timeout
            .headline
            .starts_with("'Connection timed out after 30 seconds' went from 0 to "),
        "{}",
        timeout.headline
    );
    // It began when truth says timeouts began (to the minute: the onset is the first occurrence).
    let began = instant(&inc.truth["onsets_utc"]["timeouts_and_5xx"]);
    let onset = instant(&Value::String(timeout.onset.clone().expect("onset")));
    assert!(
        (onset - began).abs() < 120 * 1_000_000_000,
        "{onset} vs {began}"
    );
    for status in ["502", "504"] {
        let item = top
            .iter()
            .find(|i| {
                i.kind == ItemKind::Field
                    && i.path == "nginx-access.log"
                    && i.name.as_deref() == Some("status")
                    && i.value == status
            })
            .unwrap_or_else(|| panic!("nginx status {status} in the top ten: {listing:#?}"));
        assert_eq!(item.change, Direction::New);
    }
    let oom = top
        .iter()
        .find(|i| {
            i.path == "syslog"
                && i.example
                    .as_deref()
                    .is_some_and(|m| m.contains("Out of memory: Killed process"))
        })
        .unwrap_or_else(|| panic!("OOM kill line in the top ten: {listing:#?}"));
    assert_eq!(oom.after_count, 1);
    // New first, then increases.
    let first_not_new = changes
        .items
        .iter()
        .position(|i| i.change != Direction::New)
        .unwrap_or(changes.items.len());
    assert!(changes.items[first_not_new..]
        .iter()
        .all(|i| i.change != Direction::New));
    assert!(changes
        .items
        .iter()
        .all(|i| !i.headline.is_empty() && i.headline.contains(&i.path)));
}

#[test]
fn spike_finder_marks_the_incident() {
    let inc = incident();
    let (from, to) = (
        instant(&inc.truth["incident_utc"][0]),
        instant(&inc.truth["incident_utc"][1]),
    );
    let report = find_spikes(&inc.sources, &Offsets::zero(5), &SpikeOptions::default());
    let top = strongest(&report).expect("a spike");
    assert_eq!(top.kind, SeriesKind::Errors);
    assert!(top.path.is_none(), "errors over all sources");
    assert!(
        top.from_ns < to && top.to_ns > from,
        "{top:?} overlaps the incident"
    );
    // Nothing is marked well before the incident began (the first 40% of the span is calm).
    let start = instant(&inc.truth["start_utc"]);
    let calm_until = start + (from - start) * 9 / 10;
    assert!(
        report.spikes.iter().all(|s| s.to_ns > calm_until),
        "{:#?}",
        report
            .spikes
            .iter()
            .filter(|s| s.to_ns <= calm_until)
            .collect::<Vec<_>>()
    );
}

#[test]
fn cli_changes_and_spikes_print_the_documented_json() {
    let inc = incident();
    let files = paths(&inc.dir);
    let from = inc.truth["incident_utc"][0].as_str().expect("from");
    let to = inc.truth["incident_utc"][1].as_str().expect("to");
    let mut args = vec!["changes", "--json", "--from", from, "--to", to];
    args.extend(files.iter().map(String::as_str));
    let (code, changes) = casefile(&args);
    assert_eq!(code, 0);
    assert_eq!(changes["after"]["from"], from);
    let items = changes["items"].as_array().expect("items");
    assert!(items.len() >= 10);
    for field in [
        "kind",
        "name",
        "value",
        "path",
        "change",
        "before_count",
        "after_count",
        "before_per_min",
        "after_per_min",
        "score",
        "onset",
        "headline",
    ] {
        assert!(items[0].get(field).is_some(), "{field} in {}", items[0]);
    }
    assert!(items[..10].iter().any(|i| i["headline"]
        .as_str()
        .is_some_and(|h| h.contains("status=504"))));

    // An explicit "before" window and the default window (the strongest error spike) both work.
    let mut args = vec![
        "changes",
        "--json",
        "--from",
        from,
        "--to",
        to,
        "--before-from",
        "2026-07-03T09:00:00Z",
        "--before-to",
        "2026-07-03T10:00:00Z",
    ];
    args.extend(files.iter().map(String::as_str));
    let (code, explicit) = casefile(&args);
    assert_eq!(code, 0);
    assert_eq!(explicit["before"]["minutes"], 60.0);
    let mut args = vec!["changes", "--json"];
    args.extend(files.iter().map(String::as_str));
    let (code, default) = casefile(&args);
    assert_eq!(code, 0);
    let (a, b) = (
        default["after"]["from_ns"].as_i64().expect("from_ns"),
        default["after"]["to_ns"].as_i64().expect("to_ns"),
    );
    let (f, t) = (
        instant(&inc.truth["incident_utc"][0]),
        instant(&inc.truth["incident_utc"][1]),
    );
    assert!(a < t && b > f, "default window overlaps the incident");

    let mut args = vec!["spikes", "--json"];
    args.extend(files.iter().map(String::as_str));
    let (code, spikes) = casefile(&args);
    assert_eq!(code, 0);
    assert!(spikes["bucket_s"].as_f64().is_some_and(|b| b > 0.0));
    assert!(!spikes["spikes"].as_array().expect("spikes").is_empty());

    let (code, _) = casefile(&["changes", "--json", "--from", from, &files[0]]);
    assert_eq!(code, 2);
}
