//! The Web Worker that owns all loaded data and does all reading, indexing and querying.
//!
//! The UI thread posts `{msg, files}` objects: `msg` is a [`Request`] (through `serde-wasm-bindgen`),
//! `files` the `File` objects of an `OpenFiles` request (posting a File hands over a reference, not its
//! bytes). The worker reads each file itself, streaming ([`read`]) through
//! [`FileIngest`](crate::engine::decode::FileIngest), so a `.gz`, `.zip`, `.tar(.gz)` or `.zst` opens in
//! the tab with every text member a source of its own, into the [`case::Case`], and posts
//! [`Reply`] values back. Loads run one at a time in arrival order; while one runs, row requests are
//! still answered from the data loaded before it, and a `Cancel` stops it between two chunks.
//!
//! Reading a load's inputs is [`load`]'s, shared with the shard workers; once a load ends, its
//! sources are indexed ([`query::warm_up`]), then mined and their id index built
//! ([`correlate::mine_in_background`]), in the background.
//!
//! The entry point is [`start`], called by the `worker` binary. The same binary also runs the
//! coordinator of shard workers ([`coordinator`], the page's default) and the shards ([`shard`]); this
//! module's one-worker case is what `?shards=1` starts.

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;
pub mod case;
pub mod coordinator;
pub mod correlate;
pub mod filter;
pub mod load;
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
use self::correlate::{
    filter_needs_templates, mine_in_background, needs_ids, needs_templates, BackgroundStep,
    Investigation, MinesInBackground,
};
use self::load::{Input, LoadReport};
use self::read::{now_ms, ChunkSink, QuietQueue};
use crate::engine::demo::{self, DEMO_SEED};
use crate::engine::time::Zone;
use crate::protocol::investigate::Ask;
use crate::protocol::{LoadProgress, Reply, Request, RequestId};

/// Shortest time between two progress messages of one load.
const PROGRESS_EVERY_MS: f64 = 100.0;

/// A queued load.
struct Load {
    id: RequestId,
    zone: Zone,
    /// The zone's name as the user gave it (reported back with each source).
    zone_name: String,
    inputs: LoadInputs,
}

enum LoadInputs {
    Ready(Vec<Input>),
    /// Generated when the load starts, so queuing it costs nothing.
    Demo,
    /// The sources of this name, read again from their kept bytes in the load's zone.
    Retime {
        source: String,
    },
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
    /// Investigation asks not yet worked out (see [`WorkerCore::ask_later`]).
    asks: QuietQueue<(RequestId, Ask)>,
    /// Whether a task mines in the background.
    mining_task: Cell<bool>,
}

/// Name prefixes of the workers' roles (the `name` given to `new Worker`): the coordinator of shard
/// workers (`casefile-coordinator`, or `casefile-coordinator:N` for N shards), and its shards. Any
/// other name (the page's one worker, tests) runs the one-worker case.
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
        asks: QuietQueue::default(),
        mining_task: Cell::new(false),
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

/// Checks a request to read `source` again in `zone` (`known`: the case has a file of that name):
/// the parsed zone, or the sentence the UI shows. Shared by the one worker and the coordinator.
pub(crate) fn zone_change(source: &str, zone: &str, known: bool) -> Result<Zone, String> {
    match Zone::parse(zone) {
        Err(e) => Err(format!("The time zone of {source} was not changed: {e}.")),
        Ok(_) if !known => Err(format!("There is no file named {source} in this case.")),
        Ok(parsed) => Ok(parsed),
    }
}

/// The zone named by the UI, or UTC when the name is unknown or empty.
pub(crate) fn zone_named(name: &str) -> Zone {
    Zone::parse(name).unwrap_or_default()
}

/// The zone named by the UI and the name to report it by (`UTC` when the name is unknown).
pub(crate) fn zone_and_name(name: &str) -> (Zone, String) {
    match Zone::parse(name) {
        Ok(zone) => (zone, name.trim().to_string()),
        Err(_) => (Zone::Utc, "UTC".to_string()),
    }
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
            Request::Query { ref filter, .. }
            | Request::FilteredRows { ref filter, .. }
            | Request::Details { ref filter, .. } => {
                if filter_needs_templates(&filter.text) {
                    // A placeholder field (`tpl.num1`) needs every source's templates.
                    self.investigation
                        .borrow_mut()
                        .mine_now(self.case.borrow().sources());
                }
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
                let (zone, zone_name) = zone_and_name(&zone);
                self.enqueue(Load {
                    id,
                    zone,
                    zone_name,
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
                zone: zone_and_name(&zone).0,
                zone_name: zone_and_name(&zone).1,
                inputs: LoadInputs::Ready(vec![Input::Bytes {
                    name,
                    bytes: text.into_bytes(),
                    modified_ns: None,
                }]),
            }),
            Request::OpenDemo { id } => self.enqueue(Load {
                id,
                zone: Zone::Utc,
                zone_name: "UTC".to_string(),
                inputs: LoadInputs::Demo,
            }),
            Request::SetZone { id, source, zone } => {
                let known = !self.case.borrow().sources_named(&source).is_empty();
                match zone_change(&source, &zone, known) {
                    Err(message) => self.post(&Reply::Failed { id, message }),
                    Ok(parsed) => self.enqueue(Load {
                        id,
                        zone: parsed,
                        zone_name: zone.trim().to_string(),
                        inputs: LoadInputs::Retime { source },
                    }),
                }
            }
            // Offsets change the timeline the queries that follow see: applied at once, after the
            // asks sent before them.
            Request::Investigate {
                id,
                ask: ask @ Ask::SetOffsets { .. },
            } => {
                self.answer_asks_now();
                self.answer_ask(id, ask);
            }
            Request::Investigate { id, ask } => self.ask_later(id, ask),
        }
    }

    /// Queues an investigation ask, answered when queries leave room (see [`QuietQueue`]).
    fn ask_later(self: Rc<Self>, id: RequestId, ask: Ask) {
        if self.asks.push((id, ask)) {
            wasm_bindgen_futures::spawn_local(async move {
                let answer = |(id, ask)| self.answer_ask(id, ask);
                let ready = |(_, ask): &(RequestId, Ask)| {
                    let investigation = self.investigation.borrow();
                    (!needs_templates(ask) || investigation.mined())
                        && (!needs_ids(ask) || investigation.ids_complete())
                };
                self.asks.serve(query::last_query_ms, ready, answer).await;
            });
        }
    }

    /// Answers every queued ask at once.
    fn answer_asks_now(&self) {
        self.asks
            .answer_all_now(|(id, ask)| self.answer_ask(id, ask));
    }

    fn answer_ask(&self, id: RequestId, ask: Ask) {
        let answer = self
            .investigation
            .borrow_mut()
            .answer(&mut self.case.borrow_mut(), ask);
        self.post(&match answer {
            Ok(answer) => Reply::Investigation { id, answer },
            Err(message) => Reply::Failed { id, message },
        });
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
        query::warm_up(self.clone());
        mine_in_background(self);
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
                zones: case.zones(),
                shards: 1,
            }
        };
        self.post(&reply);
    }

    async fn run(self: Rc<Self>, load: Load) {
        let started_ms = now_ms();
        let inputs = match load.inputs {
            LoadInputs::Retime { source } => {
                let cancelled = self
                    .clone()
                    .retime(load.id, &source, load.zone, &load.zone_name)
                    .await;
                self.case.borrow_mut().rebuild_timeline();
                self.post_loaded(load.id, cancelled, started_ms);
                return;
            }
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
            pacer.progress.current = input.name();
            pacer.progress(None, true);
            // Every text file inside an archive is a source of its own.
            let Some(read) = load::read_input(input, &load.zone, &mut pacer).await else {
                // The file being read when the cancel came is dropped whole, archive members too.
                cancelled = true;
                break;
            };
            for m in read {
                pacer.events_before += m.data.len() as u64;
                let mut case = self.case.borrow_mut();
                let before = case.source_count();
                case.add_in_zone(m.data, &load.zone_name);
                if case.source_count() > before {
                    self.investigation
                        .borrow_mut()
                        .source_added(before, m.reading_ms);
                }
            }
            pacer.bytes_before += size;
            pacer.progress.files_done += 1;
        }
        self.case.borrow_mut().rebuild_timeline();
        self.post_loaded(load.id, cancelled, started_ms);
    }
}

impl WorkerCore {
    /// Reads the sources named `source` again from the bytes the case keeps, their zone-less
    /// timestamps in `zone`, and puts them in place of the old ones, to be mined again (the caller
    /// re-merges the timeline). Returns whether it was cancelled (then the old sources stay).
    async fn retime(
        self: Rc<Self>,
        id: RequestId,
        source: &str,
        zone: Zone,
        zone_name: &str,
    ) -> bool {
        let started_ms = now_ms();
        let indexes = self.case.borrow().sources_named(source);
        let bytes_total = {
            let case = self.case.borrow();
            indexes.iter().map(|&i| case.sources()[i].info.bytes).sum()
        };
        let mut pacer = LoadPacer {
            core: self.clone(),
            id,
            started_ms,
            last_post_ms: f64::NEG_INFINITY,
            bytes_before: 0,
            events_before: 0,
            progress: LoadProgress {
                bytes_total,
                files_total: indexes.len() as u32,
                current: source.to_string(),
                ..Default::default()
            },
        };
        pacer.progress(None, true);
        for index in indexes {
            let Some(m) = load::reread_source(&self.case, index, &zone, &mut pacer).await else {
                return true;
            };
            pacer.bytes_before += m.data.info.bytes;
            pacer.events_before += m.data.len() as u64;
            pacer.progress.files_done += 1;
            self.case
                .borrow_mut()
                .replace_source(index, m.data, zone_name);
            self.investigation.borrow_mut().source_replaced(index);
        }
        false
    }
}

impl MinesInBackground for WorkerCore {
    fn mine_step(&self, budget_ms: f64) -> Option<(bool, BackgroundStep)> {
        let case = self.case.try_borrow().ok()?;
        let mut investigation = self.investigation.try_borrow_mut().ok()?;
        Some(if investigation.mined() {
            let done = investigation.build_ids_for(case.sources(), budget_ms);
            (done, BackgroundStep::IdIndex)
        } else {
            let mined = investigation.mine_for(case.sources(), budget_ms);
            (
                mined && investigation.ids_complete(),
                BackgroundStep::Mining,
            )
        })
    }
    fn last_query_ms(&self) -> f64 {
        query::last_query_ms()
    }
    fn loading(&self) -> bool {
        self.running.get()
    }
    fn mining_task(&self) -> &Cell<bool> {
        &self.mining_task
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

impl LoadReport for LoadPacer {
    fn progress(&mut self, ingest: Option<&dyn ChunkSink>, force: bool) {
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

    fn cancelled(&self) -> bool {
        self.core.cancel.get()
    }
}
