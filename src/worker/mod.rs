//! The Web Worker that owns all loaded data and does all reading, indexing and querying.
//!
//! The UI thread posts `{msg, files}` objects: `msg` is a [`Request`] (through `serde-wasm-bindgen`),
//! `files` the `File` objects of an `OpenFiles` request (posting a File hands over a reference, not its
//! bytes). The worker reads each file itself, streaming ([`read`]), into the [`case::Case`], and posts
//! [`Reply`] values back. Loads run one at a time in arrival order; while one runs, row requests are
//! still answered from the data loaded before it, and a `Cancel` stops it between two chunks.
//!
//! The entry point is [`start`], called by the `worker` binary.

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;
pub mod case;
pub mod coordinator;
pub mod correlate;
pub mod filter;
mod query;
pub mod read;
pub mod shard;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

use self::case::Case;
use self::correlate::Investigation;
use self::read::{now_ms, read_blob, read_bytes, ReadEnd, ReadPacer};
use crate::engine::demo::{self, DEMO_SEED};
use crate::engine::error::SourceError;
use crate::engine::ingest::{IngestOptions, SourceIngest};
use crate::engine::time::Zone;
use crate::protocol::{LoadProgress, Reply, Request, RequestId};

/// Shortest time between two progress messages of one load.
const PROGRESS_EVERY_MS: f64 = 100.0;

/// One thing to read into the case.
enum Input {
    File(File),
    Bytes {
        name: String,
        bytes: Vec<u8>,
        modified_ns: Option<i64>,
    },
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::File(f) => f.name(),
            Input::Bytes { name, .. } => name.clone(),
        }
    }

    fn size(&self) -> u64 {
        match self {
            Input::File(f) => f.size() as u64,
            Input::Bytes { bytes, .. } => bytes.len() as u64,
        }
    }
}

/// A queued load.
struct Load {
    id: RequestId,
    zone: Zone,
    inputs: LoadInputs,
}

enum LoadInputs {
    Ready(Vec<Input>),
    /// Generated when the load starts, so queuing it costs nothing.
    Demo,
}

/// The worker's state, shared by the message handler and the running load.
struct WorkerCore {
    scope: DedicatedWorkerGlobalScope,
    case: RefCell<Case>,
    /// Patterns, ids, skew: see [`correlate`].
    investigation: RefCell<Investigation>,
    queue: RefCell<VecDeque<Load>>,
    running: Cell<bool>,
    cancel: Cell<bool>,
}

/// Name prefixes of the workers' roles (the `name` given to `new Worker`): the coordinator the UI
/// talks to (`casefile-coordinator`, or `casefile-coordinator:N` for N shards), and its shards.
/// Any other name (the coordinator's investigation replica, tests) runs the one-worker case.
pub const COORDINATOR_NAME: &str = "casefile-coordinator";
pub const SHARD_NAME: &str = "casefile-shard";

/// Starts the worker in the role its name gives it (see [`COORDINATOR_NAME`]).
pub fn start() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let name = scope.name();
    if name.starts_with(SHARD_NAME) {
        return shard::start(scope);
    }
    if let Some(rest) = name.strip_prefix(COORDINATOR_NAME) {
        let shards = rest.strip_prefix(':').and_then(|n| n.parse().ok());
        return coordinator::start(scope, shards);
    }
    start_single(scope);
}

/// Starts the one-worker case: installs the message handler and tells the UI it is ready.
fn start_single(scope: DedicatedWorkerGlobalScope) {
    let core = Rc::new(WorkerCore {
        scope: scope.clone(),
        case: RefCell::new(Case::default()),
        investigation: RefCell::new(Investigation::default()),
        queue: RefCell::new(VecDeque::new()),
        running: Cell::new(false),
        cancel: Cell::new(false),
    });
    let handler_core = core.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        handler_core.clone().on_message(event.data());
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    core.post(&Reply::Ready);
}

/// The zone named by the UI, or UTC when the name is unknown.
fn zone_named(name: &str) -> Zone {
    Zone::parse(name).unwrap_or_default()
}

impl WorkerCore {
    fn post(&self, reply: &Reply) {
        match serde_wasm_bindgen::to_value(reply) {
            Ok(value) => {
                if let Err(e) = self.scope.post_message(&value) {
                    web_sys::console::error_2(
                        &"casefile worker: could not post a reply".into(),
                        &e,
                    );
                }
            }
            Err(e) => web_sys::console::error_1(
                &format!("casefile worker: could not encode a reply: {e}").into(),
            ),
        }
    }

    fn on_message(self: Rc<Self>, data: JsValue) {
        let msg = Reflect::get(&data, &JsValue::from_str("msg")).unwrap_or(JsValue::UNDEFINED);
        let request: Request = match serde_wasm_bindgen::from_value(msg) {
            Ok(r) => r,
            Err(e) => {
                self.post(&Reply::Failed {
                    id: 0,
                    message: format!("The worker did not understand a request: {e}."),
                });
                return;
            }
        };
        match request {
            Request::Query { .. } | Request::FilteredRows { .. } | Request::Details { .. } => {
                query::handle(self, request)
            }
            Request::Rows {
                id,
                start,
                count,
                newest_first,
            } => {
                let (total, rows) = {
                    let case = self.case.borrow();
                    (
                        case.total_events() as u32,
                        case.rows(start, count, newest_first),
                    )
                };
                self.post(&Reply::Rows {
                    id,
                    start,
                    total,
                    rows,
                });
            }
            Request::Cancel { .. } => {
                if self.running.get() {
                    self.cancel.set(true);
                }
                let dropped: Vec<Load> = self.queue.borrow_mut().drain(..).collect();
                for load in dropped {
                    self.post_loaded(load.id, true, 0.0);
                }
            }
            Request::OpenFiles { id, zone } => {
                let files = Reflect::get(&data, &JsValue::from_str("files"))
                    .ok()
                    .filter(|f| f.is_object())
                    .map(|f| Array::from(&f))
                    .unwrap_or_default();
                let inputs = files
                    .iter()
                    .filter_map(|f| f.dyn_into::<File>().ok())
                    .map(Input::File)
                    .collect();
                self.enqueue(Load {
                    id,
                    zone: zone_named(&zone),
                    inputs: LoadInputs::Ready(inputs),
                });
            }
            Request::OpenText {
                id,
                name,
                text,
                zone,
            } => self.enqueue(Load {
                id,
                zone: zone_named(&zone),
                inputs: LoadInputs::Ready(vec![Input::Bytes {
                    name,
                    bytes: text.into_bytes(),
                    modified_ns: None,
                }]),
            }),
            Request::OpenDemo { id } => self.enqueue(Load {
                id,
                zone: Zone::Utc,
                inputs: LoadInputs::Demo,
            }),
            Request::Investigate { id, ask } => {
                let answer = self
                    .investigation
                    .borrow_mut()
                    .answer(&mut self.case.borrow_mut(), ask);
                self.post(&match answer {
                    Ok(answer) => Reply::Investigation { id, answer },
                    Err(message) => Reply::Failed { id, message },
                });
            }
        }
    }

    fn enqueue(self: Rc<Self>, load: Load) {
        self.queue.borrow_mut().push_back(load);
        if !self.running.get() {
            self.running.set(true);
            wasm_bindgen_futures::spawn_local(self.run_queue());
        }
    }

    async fn run_queue(self: Rc<Self>) {
        loop {
            let next = self.queue.borrow_mut().pop_front();
            let Some(load) = next else { break };
            self.cancel.set(false);
            self.clone().run(load).await;
        }
        self.cancel.set(false);
        self.running.set(false);
    }

    fn post_loaded(&self, id: RequestId, cancelled: bool, started_ms: f64) {
        let reply = {
            let case = self.case.borrow();
            Reply::Loaded {
                id,
                files: case.files().to_vec(),
                sources: case.source_count() as u32,
                total_events: case.total_events() as u64,
                cancelled,
                elapsed_ms: if started_ms > 0.0 {
                    (now_ms() - started_ms).max(0.0) as u64
                } else {
                    0
                },
                shards: 1,
            }
        };
        self.post(&reply);
    }

    async fn run(self: Rc<Self>, load: Load) {
        let started_ms = now_ms();
        let inputs = match load.inputs {
            LoadInputs::Ready(inputs) => inputs,
            LoadInputs::Demo => demo::generate(DEMO_SEED)
                .into_iter()
                .map(|f| Input::Bytes {
                    name: f.name.to_string(),
                    bytes: f.bytes,
                    modified_ns: Some(f.modified_ns),
                })
                .collect(),
        };
        let mut pacer = LoadPacer {
            core: self.clone(),
            id: load.id,
            started_ms,
            last_post_ms: f64::NEG_INFINITY,
            bytes_before: 0,
            events_before: 0,
            progress: LoadProgress {
                bytes_total: inputs.iter().map(Input::size).sum(),
                files_total: inputs.len() as u32,
                ..Default::default()
            },
        };
        let mut cancelled = false;
        for input in inputs {
            let size = input.size();
            let read_started_ms = now_ms();
            pacer.progress.current = input.name();
            pacer.post_progress(None, true);
            let (end, data) = match input {
                Input::File(file) => {
                    let mut ingest = SourceIngest::new(
                        &file.name(),
                        IngestOptions {
                            zone: load.zone.clone(),
                            modified_ns: Some((file.last_modified() * 1e6) as i64),
                            size: Some(size),
                        },
                    );
                    match read_blob(&file, &mut ingest, &mut pacer).await {
                        Ok(end) => (end, ingest.finish()),
                        Err(failed) => {
                            let mut data = ingest.finish();
                            data.info.error = Some(SourceError::Unreadable(failed.0).to_string());
                            (ReadEnd::Complete, data)
                        }
                    }
                }
                Input::Bytes {
                    name,
                    bytes,
                    modified_ns,
                } => {
                    let mut ingest = SourceIngest::new(
                        &name,
                        IngestOptions {
                            zone: load.zone.clone(),
                            modified_ns,
                            size: Some(size),
                        },
                    );
                    let end = read_bytes(&bytes, &mut ingest, &mut pacer).await;
                    (end, ingest.finish())
                }
            };
            if end == ReadEnd::Cancelled {
                cancelled = true;
                break;
            }
            // Mining runs as each file finishes (while the next one is not yet read); its share of the
            // load time is reported with the patterns.
            let reading_ms = now_ms() - read_started_ms;
            let mine_started_ms = now_ms();
            let cancel = || self.cancel.get();
            let Some(patterns) = correlate::mine(&data, &cancel).await else {
                cancelled = true;
                break;
            };
            let mining_ms = now_ms() - mine_started_ms;
            pacer.bytes_before += size;
            pacer.events_before += data.len() as u64;
            pacer.progress.files_done += 1;
            let mut case = self.case.borrow_mut();
            let before = case.source_count();
            case.add(data);
            if case.source_count() > before {
                self.investigation
                    .borrow_mut()
                    .source_added(before, patterns, reading_ms, mining_ms);
            }
        }
        self.case.borrow_mut().rebuild_timeline();
        self.post_loaded(load.id, cancelled, started_ms);
    }
}

/// Tracks one load's progress, posts it at most every [`PROGRESS_EVERY_MS`], and relays cancel.
struct LoadPacer {
    core: Rc<WorkerCore>,
    id: RequestId,
    started_ms: f64,
    last_post_ms: f64,
    /// Bytes and events of this load's files already finished.
    bytes_before: u64,
    events_before: u64,
    progress: LoadProgress,
}

impl LoadPacer {
    fn post_progress(&mut self, ingest: Option<&SourceIngest>, force: bool) {
        let now = now_ms();
        if !force && now - self.last_post_ms < PROGRESS_EVERY_MS {
            return;
        }
        self.last_post_ms = now;
        let (bytes, events) = ingest.map_or((0, 0), |i| (i.bytes_read(), i.events_so_far() as u64));
        self.progress.bytes_read = self.bytes_before + bytes;
        self.progress.events = self.events_before + events;
        self.progress.elapsed_ms = (now - self.started_ms).max(0.0) as u64;
        self.core.post(&Reply::Progress {
            id: self.id,
            progress: self.progress.clone(),
        });
    }
}

impl ReadPacer for LoadPacer {
    fn tick(&mut self, ingest: &SourceIngest) {
        self.post_progress(Some(ingest), false);
    }

    fn cancelled(&self) -> bool {
        self.core.cancel.get()
    }
}
