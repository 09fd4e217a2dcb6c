//! Browser tests of the worker and bridge code, run inside a dedicated Web Worker of headless Chromium:
//!
//! ```sh
//! cargo test --target wasm32-unknown-unknown --features web --lib
//! ```
//!
//! (`.cargo/config.toml` makes `wasm-bindgen-test-runner` the runner; it finds `chromedriver` on PATH.)
//! They check what native tests cannot: protocol values through `serde-wasm-bindgen` as they cross
//! `postMessage`, and files read from real `Blob`s, slice by slice, into the ingest.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Blob;

use super::case::Case;
use super::read::{
    read_blob, read_blob_with, ChunkSink, ReadEnd, ReadMethod, ReadOptions, ReadPacer,
    BUFFER_BYTES, SLICE_BYTES,
};
use crate::engine::decode::FileIngest;
use crate::engine::formats::FormatName;
use crate::engine::ingest::{ingest_bytes, IngestOptions, SourceIngest};
use crate::engine::level::Level;
use crate::engine::store::SourceData;
use crate::engine::summary::FileSummary;
use crate::protocol::{LoadProgress, Reply, Request, Row, SourceZone};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// A Blob made of `bytes`, split into several parts as a browser may hold a file.
fn blob_of(bytes: &[u8]) -> Blob {
    let parts = Array::new();
    for part in bytes.chunks(700_001) {
        parts.push(&Uint8Array::from(part));
    }
    Blob::new_with_u8_array_sequence(&parts).expect("a Blob from bytes")
}

/// Lines of JSON with a counter, `n` of them.
fn json_lines(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        let level = if i % 97 == 0 { "error" } else { "info" };
        out.extend_from_slice(
            format!(
                "{{\"ts\":\"2026-07-03T09:{:02}:{:02}.{:03}Z\",\"level\":\"{level}\",\"msg\":\"request {i} served\"}}\n",
                i / 60_000 % 60,
                i / 1000 % 60,
                i % 1000
            )
            .as_bytes(),
        );
    }
    out
}

/// Counts ticks; cancels after `cancel_after` ticks when set.
struct TestPacer {
    ticks: usize,
    cancel_after: Option<usize>,
}

impl ReadPacer for TestPacer {
    fn tick(&mut self, _ingest: &dyn ChunkSink) {
        self.ticks += 1;
    }
    fn cancelled(&self) -> bool {
        self.cancel_after.is_some_and(|n| self.ticks >= n)
    }
}

/// Reads `bytes` as a dropped file called `name`: every source found.
async fn read_file_as(name: &str, bytes: &[u8]) -> (ReadEnd, Vec<SourceData>) {
    let mut ingest = FileIngest::open(
        name,
        IngestOptions {
            size: Some(bytes.len() as u64),
            ..Default::default()
        },
    );
    let mut pacer = TestPacer {
        ticks: 0,
        cancel_after: None,
    };
    let end = read_blob(&blob_of(bytes), &mut ingest, &mut pacer)
        .await
        .expect("the blob is readable");
    (end, ingest.finish())
}

/// Reads `bytes` as a dropped plain file: its one source.
async fn read_as(name: &str, bytes: &[u8]) -> (ReadEnd, SourceData) {
    let (end, mut sources) = read_file_as(name, bytes).await;
    assert_eq!(sources.len(), 1, "{name} is one source");
    (end, sources.remove(0))
}

#[wasm_bindgen_test]
fn requests_and_replies_cross_serde_wasm_bindgen_unchanged() {
    let requests = vec![
        Request::OpenFiles {
            id: 1,
            zone: "Europe/Berlin".into(),
        },
        Request::OpenText {
            id: 2,
            name: "pasted text 1".into(),
            text: "line one\nline two ünïcode\n".into(),
            zone: "UTC".into(),
        },
        Request::OpenDemo { id: 3 },
        Request::Cancel { id: 4 },
        Request::SetZone {
            id: 6,
            source: "syslog".into(),
            zone: "America/New_York".into(),
        },
        Request::Rows {
            id: 5,
            start: 1_000_000,
            count: 60,
            newest_first: true,
        },
    ];
    for request in requests {
        let value: JsValue = serde_wasm_bindgen::to_value(&request).expect("encodes");
        let back: Request = serde_wasm_bindgen::from_value(value).expect("decodes");
        assert_eq!(back, request);
    }
    let replies = vec![
        Reply::Ready,
        Reply::Progress {
            id: 7,
            progress: LoadProgress {
                bytes_read: 3 << 30,
                bytes_total: 4 << 30,
                events: 12_345_678,
                elapsed_ms: 2_500,
                current: "big.log".into(),
                files_done: 0,
                files_total: 2,
            },
        },
        Reply::Loaded {
            id: 7,
            files: vec![FileSummary {
                path: "empty.log".into(),
                format: "unknown".into(),
                events: 0,
                first_ts: None,
                last_ts: None,
                unparsed_lines: 0,
                bytes: 0,
                error: Some("the file is empty".into()),
            }],
            sources: 0,
            total_events: 0,
            cancelled: false,
            elapsed_ms: 3,
            zones: vec![SourceZone {
                source: "bundle.zip!/logs/app.log".into(),
                zone: "Europe/Berlin".into(),
            }],
            shards: 2,
        },
        Reply::Rows {
            id: 8,
            start: 10,
            total: 11,
            rows: vec![Row {
                position: 10,
                source: "a.log".into(),
                ts: Some("2026-07-03T09:00:00Z".into()),
                level: Level::Error,
                text: "boom\n\tat x".into(),
            }],
        },
    ];
    for reply in replies {
        let value = serde_wasm_bindgen::to_value(&reply).expect("encodes");
        let back: Reply = serde_wasm_bindgen::from_value(value).expect("decodes");
        assert_eq!(back, reply);
    }
}

/// Small buffers (slices) and a yield after each, so a few MB exercise what a big file does.
const SMALL_SLICES: ReadOptions = ReadOptions {
    buffer_bytes: 100_003,
    slice_bytes: 100_003,
    yield_every_ms: 0.0,
    method: ReadMethod::Stream,
};

/// [`SMALL_SLICES`] read with `Blob.slice()` (what a browser without BYOB stream readers gets).
const SMALL_SLICES_BY_SLICES: ReadOptions = ReadOptions {
    method: ReadMethod::Slices,
    ..SMALL_SLICES
};

#[wasm_bindgen_test]
fn chromium_offers_a_byob_reader_of_a_blob_stream() {
    // Else read_blob falls back to slices without a word.
    assert!(web_sys::ReadableStreamByobReader::new(&blob_of(b"a\n").stream()).is_ok());
}

#[wasm_bindgen_test]
async fn a_blob_read_in_slices_gives_the_same_events_as_the_bytes() {
    for options in [SMALL_SLICES, SMALL_SLICES_BY_SLICES] {
        a_blob_read_with_gives_the_same_events_as_the_bytes(options).await;
    }
}

async fn a_blob_read_with_gives_the_same_events_as_the_bytes(options: ReadOptions) {
    let bytes = json_lines(40_000);
    let mut ingest = SourceIngest::new("app.jsonl", IngestOptions::default());
    let mut pacer = TestPacer {
        ticks: 0,
        cancel_after: None,
    };
    let end = read_blob_with(&blob_of(&bytes), &mut ingest, &mut pacer, options)
        .await
        .expect("the blob is readable");
    assert_eq!(end, ReadEnd::Complete);
    // Every slice but the last was followed by a yield and a progress tick.
    assert!(pacer.ticks >= bytes.len() / options.slice_bytes);
    let from_blob = ingest.finish();
    let from_bytes = ingest_bytes("app.jsonl", &bytes, IngestOptions::default());
    assert_eq!(from_blob.len(), 40_000);
    assert_eq!(from_blob.len(), from_bytes.len());
    assert_eq!(from_blob.info.format, FormatName::JsonLines);
    for event in 0..from_blob.len() {
        assert_eq!(
            from_blob.text(event),
            from_bytes.text(event),
            "event {event}"
        );
        assert_eq!(from_blob.ts(event), from_bytes.ts(event), "event {event}");
    }
    let errors = (0..from_blob.len())
        .filter(|&e| from_blob.level(e) == Level::Error)
        .count();
    assert_eq!(errors, 40_000usize.div_ceil(97));
}

#[wasm_bindgen_test]
async fn the_default_reader_reads_a_blob_larger_than_one_slice() {
    let bytes = json_lines(240_000);
    assert!(bytes.len() > SLICE_BYTES.max(BUFFER_BYTES));
    let (end, data) = read_as("big.jsonl", &bytes).await;
    assert_eq!(end, ReadEnd::Complete);
    assert_eq!(data.len(), 240_000);
    assert_eq!(data.info.bytes, bytes.len() as u64);
}

#[wasm_bindgen_test]
async fn a_cancelled_read_stops_early() {
    for options in [SMALL_SLICES, SMALL_SLICES_BY_SLICES] {
        let bytes = json_lines(40_000);
        let mut ingest = SourceIngest::new("big.jsonl", IngestOptions::default());
        let mut pacer = TestPacer {
            ticks: 0,
            cancel_after: Some(2),
        };
        let end = read_blob_with(&blob_of(&bytes), &mut ingest, &mut pacer, options)
            .await
            .expect("readable");
        assert_eq!(end, ReadEnd::Cancelled, "{:?}", options.method);
        assert_eq!(ingest.bytes_read(), 2 * options.slice_bytes as u64);
    }
}

#[wasm_bindgen_test]
async fn empty_and_binary_blobs_get_their_sentence_and_the_case_keeps_the_rest() {
    let (_, empty) = read_as("empty.log", b"").await;
    let (_, binary) = read_as("image.bin", &[0x7f, b'E', b'L', b'F', 0, 0, 1, 2, 0, 0xff]).await;
    let (_, good) = read_as(
        "good.log",
        b"2026-07-03 09:00:01 WARN b\n2026-07-03 09:00:00 INFO a\n",
    )
    .await;
    assert_eq!(empty.info.error.as_deref(), Some("the file is empty"));
    assert!(binary
        .info
        .error
        .as_deref()
        .is_some_and(|e| e.contains("not a text log")));
    let mut case = Case::default();
    case.add(empty);
    case.add(binary);
    case.add(good);
    case.rebuild_timeline();
    assert_eq!(case.files().len(), 3);
    assert_eq!(case.source_count(), 1);
    assert_eq!(case.total_events(), 2);
    let rows = case.rows(0, 10, false);
    assert_eq!(rows[0].text, "2026-07-03 09:00:00 INFO a");
    assert_eq!(rows[1].level, Level::Warn);
}

#[wasm_bindgen_test]
async fn a_gzipped_blob_read_in_slices_is_the_file_inside_under_its_own_name() {
    use flate2::write::GzEncoder;
    use std::io::Write;
    let bytes = json_lines(30_000);
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&bytes).expect("gzip in memory");
    let gz = encoder.finish().expect("gzip in memory");
    let mut ingest = FileIngest::open("app.jsonl.gz", IngestOptions::default());
    let mut pacer = TestPacer {
        ticks: 0,
        cancel_after: None,
    };
    let end = read_blob_with(&blob_of(&gz), &mut ingest, &mut pacer, SMALL_SLICES)
        .await
        .expect("the blob is readable");
    assert_eq!(end, ReadEnd::Complete);
    let sources = ingest.finish();
    assert_eq!(sources.len(), 1);
    let plain = ingest_bytes("app.jsonl", &bytes, IngestOptions::default());
    assert_eq!(sources[0].info.name, "app.jsonl.gz");
    assert_eq!(sources[0].info.format, FormatName::JsonLines);
    assert_eq!(sources[0].info.error, None);
    assert_eq!(sources[0].len(), plain.len());
    assert_eq!(sources[0].ts_column(), plain.ts_column());
}

/// Records progress calls; never cancels.
#[derive(Default)]
struct CountingReport {
    calls: usize,
}

impl super::load::LoadReport for CountingReport {
    fn progress(&mut self, _ingest: Option<&dyn ChunkSink>, _force: bool) {
        self.calls += 1;
    }
    fn cancelled(&self) -> bool {
        false
    }
}

#[wasm_bindgen_test]
async fn the_shared_load_reads_a_file_and_its_templates_are_mined_after_it_in_steps() {
    use super::correlate::Investigation;
    use super::load::{read_input, reread_source, Input};
    use crate::engine::patterns::mine_source;
    use crate::engine::time::Zone;
    use crate::protocol::investigate::{Answer, Ask};
    use std::cell::RefCell;
    let text = "Jul  3 09:00:00 h app: user 17 logged in from 10.0.0.1\n\
                Jul  3 09:00:01 h app: user 23 logged in from 10.0.0.9\n\
                Jul  3 09:00:02 h app: disk sda1 at 91% full\n";
    let bytes = text.repeat(20_000).into_bytes();
    let parts = Array::of1(&Uint8Array::from(&bytes[..]));
    let file = web_sys::File::new_with_u8_array_sequence(&parts, "syslog").expect("a File");
    let mut report = CountingReport::default();
    let read = read_input(Input::File(file), &Zone::Utc, &mut report)
        .await
        .expect("not cancelled");
    assert_eq!(read.len(), 1);
    assert!(report.calls > 0);
    let whole = mine_source(&read[0].data);
    assert_eq!(read[0].data.len(), 60_000);
    assert!(whole.templates.len() >= 2);

    // Added to a case, the source has no templates until it is mined; a short step mines part.
    let mut case = Case::default();
    case.add(read.into_iter().next().expect("one source").data);
    case.rebuild_timeline();
    let mut investigation = Investigation::default();
    investigation.source_added(0, 1.0);
    assert!(!investigation.mined());
    assert!(investigation.patterns()[0].templates.is_empty());
    assert!(!investigation.mine_for(case.sources(), 0.0));
    assert!(!investigation.mined());
    // An ask about templates mines the rest first, and gets the templates of the whole source.
    let Ok(Answer::Patterns { patterns }) = investigation.answer(&mut case, Ask::Patterns) else {
        panic!("the patterns overview");
    };
    assert!(investigation.mined());
    assert_eq!(patterns.overall_total as usize, whole.templates.len());
    assert_eq!(investigation.patterns()[0].templates, whole.templates);
    assert_eq!(
        investigation.patterns()[0].event_template,
        whole.event_template
    );

    // Read again in another zone: the times move by the zone's offset, and once mined again the
    // templates are the same.
    let case = RefCell::new(case);
    let paris = Zone::parse("Europe/Paris").expect("a known zone");
    let again = reread_source(&case, 0, &paris, &mut report)
        .await
        .expect("not cancelled");
    let before = case.borrow().sources()[0].info.first_ts.expect("timed");
    let after = again.data.info.first_ts.expect("timed");
    assert_eq!(before - after, 2 * 3600 * 1_000_000_000);
    case.borrow_mut()
        .replace_source(0, again.data, "Europe/Paris");
    investigation.source_replaced(0);
    assert!(investigation.patterns()[0].templates.is_empty());
    while !investigation.mine_for(case.borrow().sources(), 5.0) {}
    assert_eq!(
        investigation.patterns()[0].templates.len(),
        whole.templates.len()
    );
    assert_eq!(
        investigation.patterns()[0].event_template,
        whole.event_template
    );
}
