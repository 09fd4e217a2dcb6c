//! The coordinator worker: the one worker the UI talks to. It starts the shard workers (one per core,
//! see [`crate::engine::shard::shard_count`]) ahead of time, gives each load's files to them by size,
//! fans every request out and merges the replies, so the UI sees one case exactly as before.
//!
//! Why a coordinator worker with nested shard workers rather than merging on the UI thread: rows at
//! any position of the merged list need the merged order of millions of events (one byte per event,
//! [`MergedOrder`]), and building it is a k-way merge of every shard's keys; both would freeze the UI
//! thread and make it hold case-sized data. Here the UI thread keeps its one worker and its protocol
//! ([`crate::protocol`]); only this worker knows there are shards ([`crate::protocol::shard`]).
//!
//! This is the page's default worker (see [`crate::ui::bridge`]): it holds nothing the one worker
//! ([`super::WorkerCore`]) does not, and answers every request as it does. Each shard mines its
//! sources after reading them, so template placeholder fields (`tpl.*`) match on shards, and their
//! facets are found in two steps across the shards ([`crate::engine::shard_facets`]; a query answered
//! before a shard finished mining gets its facets again, with the placeholders, once it has); a
//! zone change ([`Request::SetZone`]) goes to the shards holding the file, which read it again from
//! the bytes they keep; the file list's per-source zones are the shards' (reported with each source).
//!
//! Consistency: sources a load reads wait on their shard until the coordinator commits them under
//! case-wide ids (file order), and the merged timeline is swapped in when every shard has answered the
//! commit; while a commit is under way new requests wait ([`Gate`]). Sources read again in another
//! zone wait the same way and replace the old ones at the commit. Loads, zone changes and offset
//! changes run one at a time, in arrival order.
//!
//! Investigations (patterns, ids, context, skew, changes, spikes) are answered from the shards too:
//! each shard works out its part over its own sources and the parts are merged here
//! ([`investigate`]).

mod investigate;

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, ErrorEvent, File, MessageEvent, Worker, WorkerOptions};

use super::case::MAX_ROWS_PER_REQUEST;
use super::filter::{top_facets, FACET_SAMPLE, FACET_VALUES};
use super::read::now_ms;
use crate::engine::demo::{self, DEMO_SEED};
use crate::engine::query::{Facets, Histogram, MatchKey};
use crate::engine::shard::{assign, merge_facets, merge_keyed, shard_count, MergedOrder};
use crate::engine::shard_facets::{candidates, dominant_facets};
use crate::engine::summary::FileSummary;
use crate::protocol::query::{FilterSpec, MarkedRow, QueryPart};
use crate::protocol::shard::{
    LoadedInput, ShardInput, ShardInputKind, ShardReply, ShardRequest, ShardRequestId, SourceFacts,
};
use crate::protocol::{LoadProgress, Reply, Request, RequestId, Row, SourceZone};

/// The worker script every worker starts from (its name says which role it plays).
const WORKER_SCRIPT: &str = "./worker_loader.js";
/// Shortest time between two progress messages to the UI.
const PROGRESS_EVERY_MS: f64 = 100.0;
/// Values each shard reports per facet field, so the merged top values are right.
const SHARD_FACET_VALUES: u32 = 64;

/// A one-shot slot a reply is put into.
struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot {
            value: None,
            waker: None,
        }
    }
}

struct Receive<T>(Rc<RefCell<Slot<T>>>);

impl<T> Future for Receive<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.0.borrow_mut();
        match slot.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

fn fill<T>(slot: &Rc<RefCell<Slot<T>>>, value: T) {
    let waker = {
        let mut s = slot.borrow_mut();
        s.value = Some(value);
        s.waker.take()
    };
    if let Some(w) = waker {
        w.wake();
    }
}

/// Holds requests back while a commit swaps the merged order.
#[derive(Default)]
struct Gate {
    closed: Cell<bool>,
    waiting: RefCell<Vec<Rc<RefCell<Slot<()>>>>>,
}

impl Gate {
    async fn pass(&self) {
        while self.closed.get() {
            let slot = Rc::new(RefCell::new(Slot::default()));
            self.waiting.borrow_mut().push(slot.clone());
            Receive(slot).await;
        }
    }

    fn open(&self) {
        self.closed.set(false);
        for slot in self.waiting.borrow_mut().drain(..) {
            fill(&slot, ());
        }
    }
}

type Answered = (ShardReply, Option<Vec<u8>>);
type ReplySlot = Rc<RefCell<Slot<Answered>>>;
type Waiters = Vec<Rc<RefCell<Slot<()>>>>;

/// A shard worker and the requests waiting for it to start.
struct ShardPort {
    worker: Worker,
    ready: Cell<bool>,
    waiting: RefCell<Vec<Object>>,
}

/// A source of the case as the coordinator knows it.
struct SourceMeta {
    name: String,
    first_ts: Option<i64>,
    last_ts: Option<i64>,
    bytes: u64,
    /// The zone its zone-less timestamps were read in, as the user named it.
    zone: String,
    /// The index of its report in the case's file list.
    file: usize,
}

impl SourceMeta {
    fn new(facts: SourceFacts, file: usize) -> Self {
        SourceMeta {
            name: facts.name,
            first_ts: facts.first_ts,
            last_ts: facts.last_ts,
            bytes: facts.bytes,
            zone: facts.zone,
            file,
        }
    }
}

enum Job {
    Load {
        id: RequestId,
        zone: String,
        inputs: Vec<(ShardInputKind, Option<File>, u64)>,
    },
    Offsets {
        offsets_ns: Vec<i64>,
        /// The SetOffsets ask answered once the shards have re-merged.
        answer: RequestId,
    },
    /// The sources called `source` read again in `zone`, answered as a load.
    Rezone {
        id: RequestId,
        source: String,
        zone: String,
    },
}

#[derive(Default)]
struct CaseState {
    files: Vec<FileSummary>,
    sources: Vec<SourceMeta>,
    /// Per shard, the case-wide ids of its sources in its own order.
    shard_sources: Vec<Vec<u16>>,
    offsets_ns: Vec<i64>,
    /// Bytes given to each shard so far.
    held: Vec<u64>,
    timeline: Rc<MergedOrder>,
    /// The merged order of the latest filter's matches, with its filter key and the generation.
    filtered: Option<(FilterKey, u32, Rc<MergedOrder>)>,
    /// Inputs numbered so far.
    inputs: u32,
    /// The latest skew estimate and the sources it was made from (see `investigate`).
    skew: Option<investigate::SkewCache>,
}

type FilterKey = (String, Option<crate::protocol::query::TimeRange>);

fn filter_key(f: &FilterSpec) -> FilterKey {
    (f.text.trim().to_string(), f.range)
}

/// Progress of one load on each shard.
struct LoadTrack {
    id: RequestId,
    started_ms: f64,
    last_post_ms: f64,
    bytes_total: u64,
    files_total: u32,
    per_shard: Vec<(u64, u64, u32, String)>,
}

struct Coordinator {
    scope: DedicatedWorkerGlobalScope,
    shards: Vec<ShardPort>,
    next_sub: Cell<ShardRequestId>,
    /// Requests sent and not answered: sub id → (shard, slot).
    awaiting: RefCell<HashMap<ShardRequestId, (usize, ReplySlot)>>,
    state: RefCell<CaseState>,
    gate: Gate,
    generation: Cell<u32>,
    jobs: RefCell<VecDeque<Job>>,
    running: Cell<bool>,
    track: RefCell<Option<LoadTrack>>,
    latest_query: Cell<RequestId>,
    /// Queries whose parts are being gathered now, and when the last one ended (ms since the
    /// epoch): investigation asks are sent to the shards only between queries (see
    /// `investigate::Coordinator::parts`).
    queries_running: Cell<u32>,
    last_query_ms: Cell<f64>,
    /// Builds of a filtered order in flight, by filter.
    building: RefCell<Vec<(FilterKey, Waiters)>>,
}

/// Starts the coordinator with `shards` shard workers (default: one per core, at least two).
pub fn start(scope: DedicatedWorkerGlobalScope, shards: Option<usize>) {
    let n = shards
        .unwrap_or_else(|| shard_count(hardware_concurrency()))
        .clamp(1, crate::engine::shard::MAX_SHARDS);
    let ports: Vec<ShardPort> = (0..n)
        .filter_map(|i| {
            let options = WorkerOptions::new();
            options.set_name(&format!("casefile-shard-{i}"));
            Worker::new_with_options(WORKER_SCRIPT, &options)
                .ok()
                .map(|worker| ShardPort {
                    worker,
                    ready: Cell::new(false),
                    waiting: RefCell::new(Vec::new()),
                })
        })
        .collect();
    let n = ports.len();
    let coordinator = Rc::new(Coordinator {
        scope: scope.clone(),
        shards: ports,
        next_sub: Cell::new(1),
        awaiting: RefCell::new(HashMap::new()),
        state: RefCell::new(CaseState {
            shard_sources: vec![Vec::new(); n],
            held: vec![0; n],
            ..Default::default()
        }),
        gate: Gate::default(),
        generation: Cell::new(0),
        jobs: RefCell::new(VecDeque::new()),
        running: Cell::new(false),
        track: RefCell::new(None),
        latest_query: Cell::new(0),
        queries_running: Cell::new(0),
        last_query_ms: Cell::new(f64::NEG_INFINITY),
        building: RefCell::new(Vec::new()),
    });
    for (i, port) in coordinator.shards.iter().enumerate() {
        let c = coordinator.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            c.clone().on_shard_message(i, event.data());
        });
        port.worker
            .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let c = coordinator.clone();
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            c.on_shard_error(i, event.message());
        });
        port.worker
            .set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // The handlers live as long as the worker.
        on_message.forget();
        on_error.forget();
    }
    let c = coordinator.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        c.clone().on_message(event.data());
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    coordinator.post(&Reply::Ready);
}

fn hardware_concurrency() -> u32 {
    Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|n| Reflect::get(&n, &"hardwareConcurrency".into()))
        .ok()
        .and_then(|v| v.as_f64())
        .map_or(2, |v| v as u32)
}

fn envelope(msg: &JsValue, files: &[File]) -> Object {
    let envelope = Object::new();
    let _ = Reflect::set(&envelope, &"msg".into(), msg);
    let list: Array = files.iter().collect();
    let _ = Reflect::set(&envelope, &"files".into(), &list);
    envelope
}

/// The position range `a..b` (oldest first) shown as the list's rows `start..start+count`.
fn oldest_range(total: usize, start: u32, count: u32, newest_first: bool) -> (usize, usize) {
    let count = count.min(MAX_ROWS_PER_REQUEST) as usize;
    let start = (start as usize).min(total);
    let end = (start + count).min(total);
    if newest_first {
        (total - end, total - start)
    } else {
        (start, end)
    }
}

impl Coordinator {
    fn post(&self, reply: &Reply) {
        match serde_wasm_bindgen::to_value(reply) {
            Ok(value) => {
                if let Err(e) = self.scope.post_message(&value) {
                    web_sys::console::error_2(&"casefile: could not post a reply".into(), &e);
                }
            }
            Err(e) => web_sys::console::error_1(
                &format!("casefile: could not encode a reply: {e}").into(),
            ),
        }
    }

    fn sub_id(&self) -> ShardRequestId {
        let id = self.next_sub.get();
        self.next_sub.set(id.wrapping_add(1).max(1));
        id
    }

    /// Posts `request` to shard `s` (with `files` alongside) and returns the slot its reply fills.
    fn send(
        &self,
        s: usize,
        request: &ShardRequest,
        files: &[File],
    ) -> Rc<RefCell<Slot<Answered>>> {
        let slot = Rc::new(RefCell::new(Slot::default()));
        let id = request_id(request);
        self.awaiting.borrow_mut().insert(id, (s, slot.clone()));
        let text = serde_json::to_string(request).unwrap_or_default();
        let env = envelope(&JsValue::from_str(&text), files);
        let port = &self.shards[s];
        if port.ready.get() {
            if port.worker.post_message(&env).is_err() {
                self.awaiting.borrow_mut().remove(&id);
                fill(
                    &slot,
                    (
                        ShardReply::Failed {
                            id,
                            message: "A worker did not take a request.".into(),
                        },
                        None,
                    ),
                );
            }
        } else {
            port.waiting.borrow_mut().push(env);
        }
        slot
    }

    /// Posts `request` to every shard, expecting no reply.
    fn tell_all(&self, request: &ShardRequest) {
        let text = serde_json::to_string(request).unwrap_or_default();
        for port in &self.shards {
            let env = envelope(&JsValue::from_str(&text), &[]);
            if port.ready.get() {
                let _ = port.worker.post_message(&env);
            } else {
                port.waiting.borrow_mut().push(env);
            }
        }
    }

    /// Asks every shard (`make` builds each one's request from a fresh id) and waits for all replies.
    async fn ask_all(&self, make: impl Fn(ShardRequestId) -> ShardRequest) -> Vec<Answered> {
        let slots: Vec<_> = (0..self.shards.len())
            .map(|s| self.send(s, &make(self.sub_id()), &[]))
            .collect();
        let mut out = Vec::with_capacity(slots.len());
        for slot in slots {
            out.push(Receive(slot).await);
        }
        out
    }

    fn on_shard_message(self: Rc<Self>, s: usize, data: JsValue) {
        let text = Reflect::get(&data, &"msg".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_default();
        let reply: ShardReply = match serde_json::from_str(&text) {
            Ok(r) => r,
            Err(e) => {
                web_sys::console::error_1(&format!("casefile: a shard's reply: {e}").into());
                return;
            }
        };
        match reply {
            ShardReply::Ready => {
                let port = &self.shards[s];
                port.ready.set(true);
                for env in port.waiting.borrow_mut().drain(..) {
                    let _ = port.worker.post_message(&env);
                }
            }
            ShardReply::Progress {
                bytes_read,
                events,
                current,
                files_done,
                ..
            } => self.on_progress(s, bytes_read, events, current, files_done),
            reply => {
                let keys = Reflect::get(&data, &"keys".into())
                    .ok()
                    .filter(|k| k.is_object())
                    .map(|k| k.unchecked_into::<Uint8Array>().to_vec());
                let slot = self.awaiting.borrow_mut().remove(&reply.id());
                if let Some((_, slot)) = slot {
                    fill(&slot, (reply, keys));
                }
            }
        }
    }

    /// A shard stopped (out of memory, a bug): what waited for it is answered with a failure, so no
    /// request hangs; its part of the case is gone until the page is reloaded.
    fn on_shard_error(&self, s: usize, message: String) {
        let message = format!(
            "A background worker stopped: {message}. Some of the loaded files are no longer searched; reload the page to start again."
        );
        web_sys::console::error_1(&message.clone().into());
        let failed: Vec<(ShardRequestId, ReplySlot)> = {
            let mut awaiting = self.awaiting.borrow_mut();
            let ids: Vec<ShardRequestId> = awaiting
                .iter()
                .filter(|(_, (shard, _))| *shard == s)
                .map(|(id, _)| *id)
                .collect();
            ids.into_iter()
                .filter_map(|id| awaiting.remove(&id).map(|(_, slot)| (id, slot)))
                .collect()
        };
        for (id, slot) in failed {
            let reply = ShardReply::Failed {
                id,
                message: message.clone(),
            };
            fill(&slot, (reply, None));
        }
        self.post(&Reply::Failed { id: 0, message });
    }

    fn on_progress(&self, s: usize, bytes: u64, events: u64, current: String, files_done: u32) {
        let mut track = self.track.borrow_mut();
        let Some(t) = track.as_mut() else { return };
        if let Some(p) = t.per_shard.get_mut(s) {
            *p = (bytes, events, files_done, current);
        }
        let now = now_ms();
        if now - t.last_post_ms < PROGRESS_EVERY_MS {
            return;
        }
        t.last_post_ms = now;
        let progress = LoadProgress {
            bytes_read: t.per_shard.iter().map(|p| p.0).sum(),
            bytes_total: t.bytes_total,
            events: t.per_shard.iter().map(|p| p.1).sum(),
            elapsed_ms: (now - t.started_ms).max(0.0) as u64,
            current: t
                .per_shard
                .iter()
                .map(|p| p.3.clone())
                .find(|c| !c.is_empty())
                .unwrap_or_default(),
            files_done: t.per_shard.iter().map(|p| p.2).sum(),
            files_total: t.files_total,
        };
        let id = t.id;
        drop(track);
        self.post(&Reply::Progress { id, progress });
    }

    fn on_message(self: Rc<Self>, data: JsValue) {
        let msg = Reflect::get(&data, &"msg".into()).unwrap_or(JsValue::UNDEFINED);
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
            Request::OpenFiles { id, zone } => {
                let files: Vec<File> = Reflect::get(&data, &"files".into())
                    .ok()
                    .filter(|f| f.is_object())
                    .map(|f| Array::from(&f))
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|f| f.dyn_into::<File>().ok())
                    .collect();
                let inputs = files
                    .into_iter()
                    .map(|f| {
                        let size = f.size() as u64;
                        (ShardInputKind::File, Some(f), size)
                    })
                    .collect();
                self.enqueue(Job::Load { id, zone, inputs });
            }
            Request::OpenText {
                id,
                name,
                text,
                zone,
            } => {
                let size = text.len() as u64;
                self.enqueue(Job::Load {
                    id,
                    zone,
                    inputs: vec![(ShardInputKind::Text { name, text }, None, size)],
                });
            }
            Request::OpenDemo { id } => {
                let inputs = demo::generate(DEMO_SEED)
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        (
                            ShardInputKind::Demo { index: i as u32 },
                            None,
                            f.bytes.len() as u64,
                        )
                    })
                    .collect();
                self.enqueue(Job::Load {
                    id,
                    zone: "UTC".into(),
                    inputs,
                });
            }
            Request::SetZone { id, source, zone } => {
                // Checked and answered as the one worker does.
                let known = self.state.borrow().sources.iter().any(|s| s.name == source);
                match super::zone_change(&source, &zone, known) {
                    Err(message) => self.post(&Reply::Failed { id, message }),
                    Ok(_) => self.enqueue(Job::Rezone { id, source, zone }),
                }
            }
            Request::Cancel { .. } => {
                self.tell_all(&ShardRequest::Cancel);
                let mut jobs = self.jobs.borrow_mut();
                let mut kept = VecDeque::new();
                let mut dropped = Vec::new();
                for job in jobs.drain(..) {
                    match job {
                        Job::Load { id, .. } | Job::Rezone { id, .. } => dropped.push(id),
                        other => kept.push_back(other),
                    }
                }
                *jobs = kept;
                drop(jobs);
                for id in dropped {
                    self.post_loaded(id, true, 0.0);
                }
            }
            Request::Rows {
                id,
                start,
                count,
                newest_first,
            } => wasm_bindgen_futures::spawn_local(self.rows(id, start, count, newest_first)),
            Request::Query {
                id,
                filter,
                first_page,
            } => {
                self.latest_query.set(id);
                wasm_bindgen_futures::spawn_local(self.query(id, filter, first_page));
            }
            Request::FilteredRows {
                id,
                filter,
                start,
                count,
            } => wasm_bindgen_futures::spawn_local(self.filtered_rows(id, filter, start, count)),
            Request::Details { id, filter, index } => {
                wasm_bindgen_futures::spawn_local(self.details(id, filter, index))
            }
            Request::Investigate { id, ask } => {
                wasm_bindgen_futures::spawn_local(self.investigate(id, ask))
            }
        }
    }

    fn enqueue(self: &Rc<Self>, job: Job) {
        self.jobs.borrow_mut().push_back(job);
        if !self.running.get() {
            self.running.set(true);
            wasm_bindgen_futures::spawn_local(self.clone().run_jobs());
        }
    }
}

/// Counts a query as running while it lives (see `Coordinator::queries_running`); when the last
/// one ends, the shards are told ([`ShardRequest::QueriesEnded`]).
struct QueryRunning<'a> {
    coordinator: &'a Coordinator,
}

impl<'a> QueryRunning<'a> {
    fn start(coordinator: &'a Coordinator) -> Self {
        let running = &coordinator.queries_running;
        running.set(running.get() + 1);
        QueryRunning { coordinator }
    }
}

impl Drop for QueryRunning<'_> {
    fn drop(&mut self) {
        let running = &self.coordinator.queries_running;
        running.set(running.get().saturating_sub(1));
        self.coordinator.last_query_ms.set(now_ms());
        if running.get() == 0 {
            self.coordinator.tell_all(&ShardRequest::QueriesEnded);
        }
    }
}

fn request_id(r: &ShardRequest) -> ShardRequestId {
    match r {
        ShardRequest::Load { id, .. }
        | ShardRequest::Commit { id, .. }
        | ShardRequest::SetZone { id, .. }
        | ShardRequest::Rows { id, .. }
        | ShardRequest::FirstPage { id, .. }
        | ShardRequest::Count { id, .. }
        | ShardRequest::Histogram { id, .. }
        | ShardRequest::Facets { id, .. }
        | ShardRequest::Placeholders { id, .. }
        | ShardRequest::WhenMined { id }
        | ShardRequest::MatchKeys { id, .. }
        | ShardRequest::FilteredRows { id, .. }
        | ShardRequest::Details { id, .. }
        | ShardRequest::Investigate { id, .. } => *id,
        ShardRequest::Cancel | ShardRequest::QueriesEnded => 0,
    }
}

impl Coordinator {
    async fn run_jobs(self: Rc<Self>) {
        loop {
            let next = self.jobs.borrow_mut().pop_front();
            let Some(job) = next else { break };
            match job {
                Job::Load { id, zone, inputs } => self.clone().run_load(id, zone, inputs).await,
                Job::Rezone { id, source, zone } => self.clone().run_rezone(id, source, zone).await,
                Job::Offsets { offsets_ns, answer } => {
                    self.state.borrow_mut().offsets_ns = offsets_ns;
                    self.commit().await;
                    let reply = match self.skew_state().await {
                        Ok(skew) => Reply::Investigation {
                            id: answer,
                            answer: crate::protocol::investigate::Answer::Skew { skew },
                        },
                        Err(message) => Reply::Failed {
                            id: answer,
                            message,
                        },
                    };
                    self.post(&reply);
                }
            }
        }
        self.running.set(false);
    }

    async fn run_load(
        self: Rc<Self>,
        id: RequestId,
        zone: String,
        inputs: Vec<(ShardInputKind, Option<File>, u64)>,
    ) {
        let started_ms = now_ms();
        let n = self.shards.len();
        let (first_number, shard_of) = {
            let mut state = self.state.borrow_mut();
            let first = state.inputs;
            state.inputs += inputs.len() as u32;
            let sizes: Vec<u64> = inputs.iter().map(|i| i.2).collect();
            (first, assign(&sizes, &mut state.held))
        };
        *self.track.borrow_mut() = Some(LoadTrack {
            id,
            started_ms,
            last_post_ms: f64::NEG_INFINITY,
            bytes_total: inputs.iter().map(|i| i.2).sum(),
            files_total: inputs.len() as u32,
            per_shard: vec![(0, 0, 0, String::new()); n],
        });
        let mut per_shard: Vec<(Vec<ShardInput>, Vec<File>)> =
            (0..n).map(|_| Default::default()).collect();
        for (i, (kind, file, _)) in inputs.into_iter().enumerate() {
            let number = first_number + i as u32;
            let target = &mut per_shard[shard_of[i]];
            target.0.push(ShardInput { file: number, kind });
            if let Some(f) = file {
                target.1.push(f);
            }
        }
        let slots: Vec<_> = per_shard
            .into_iter()
            .enumerate()
            .filter(|(_, (inputs, _))| !inputs.is_empty())
            .map(|(s, (inputs, files))| {
                let request = ShardRequest::Load {
                    id: self.sub_id(),
                    zone: zone.clone(),
                    inputs,
                };
                (s, self.send(s, &request, &files))
            })
            .collect();
        let mut loaded: Vec<(usize, LoadedInput)> = Vec::new();
        let mut cancelled = false;
        for (s, slot) in slots {
            if let (
                ShardReply::LoadDone {
                    inputs,
                    cancelled: c,
                    ..
                },
                _,
            ) = Receive(slot).await
            {
                cancelled |= c;
                loaded.extend(inputs.into_iter().map(|i| (s, i)));
            }
        }
        *self.track.borrow_mut() = None;
        loaded.sort_by_key(|(_, i)| i.file);
        {
            let mut state = self.state.borrow_mut();
            for (s, input) in loaded {
                let first_file = state.files.len();
                state.files.extend(input.summaries);
                for facts in input.sources {
                    let gid = state.sources.len() as u16;
                    let file = first_file + facts.summary as usize;
                    state.sources.push(SourceMeta::new(facts, file));
                    state.shard_sources[s].push(gid);
                }
            }
        }
        self.commit().await;
        self.post_loaded(id, cancelled, started_ms);
    }

    /// Has the shards holding sources called `source` read them again in `zone` (see
    /// [`ShardRequest::SetZone`]), then commits and answers as a load does, like the one worker.
    async fn run_rezone(self: Rc<Self>, id: RequestId, source: String, zone: String) {
        let started_ms = now_ms();
        let (owners, bytes_total, files_total) = {
            let state = self.state.borrow();
            let named: Vec<u16> = (0..state.sources.len() as u16)
                .filter(|g| state.sources[*g as usize].name == source)
                .collect();
            let owners: Vec<usize> = (0..self.shards.len())
                .filter(|s| state.shard_sources[*s].iter().any(|g| named.contains(g)))
                .collect();
            let bytes: u64 = named.iter().map(|g| state.sources[*g as usize].bytes).sum();
            (owners, bytes, named.len() as u32)
        };
        *self.track.borrow_mut() = Some(LoadTrack {
            id,
            started_ms,
            last_post_ms: f64::NEG_INFINITY,
            bytes_total,
            files_total,
            per_shard: vec![(0, 0, 0, String::new()); self.shards.len()],
        });
        self.post(&Reply::Progress {
            id,
            progress: LoadProgress {
                bytes_total,
                files_total,
                current: source.clone(),
                ..Default::default()
            },
        });
        let slots: Vec<_> = owners
            .iter()
            .map(|&s| {
                let request = ShardRequest::SetZone {
                    id: self.sub_id(),
                    source: source.clone(),
                    zone: zone.clone(),
                };
                self.send(s, &request, &[])
            })
            .collect();
        let mut cancelled = false;
        for slot in slots {
            if let (
                ShardReply::Rezoned {
                    sources,
                    cancelled: c,
                    ..
                },
                _,
            ) = Receive(slot).await
            {
                cancelled |= c;
                let mut state = self.state.borrow_mut();
                for r in sources {
                    let Some(meta) = state.sources.get(r.id as usize) else {
                        continue;
                    };
                    let file = meta.file;
                    if let Some(report) = state.files.get_mut(file) {
                        *report = r.report;
                    }
                    state.sources[r.id as usize] = SourceMeta::new(r.facts, file);
                }
            }
        }
        *self.track.borrow_mut() = None;
        // The shards that finished swap their sources in even when another was cancelled, as the
        // one worker keeps the sources it had read again before a cancel.
        self.commit().await;
        self.post_loaded(id, cancelled, started_ms);
    }

    /// Commits every shard's sources under their case-wide ids and offsets, and swaps in the merged
    /// timeline; requests wait meanwhile.
    async fn commit(&self) {
        self.gate.closed.set(true);
        let requests: Vec<ShardRequest> = {
            let state = self.state.borrow();
            let span = (
                state.sources.iter().filter_map(|s| s.first_ts).min(),
                state.sources.iter().filter_map(|s| s.last_ts).max(),
            );
            state
                .shard_sources
                .iter()
                .map(|ids| ShardRequest::Commit {
                    id: self.sub_id(),
                    ids: ids.clone(),
                    offsets_ns: ids
                        .iter()
                        .map(|g| state.offsets_ns.get(*g as usize).copied().unwrap_or(0))
                        .collect(),
                    case_span: span,
                })
                .collect()
        };
        let slots: Vec<_> = requests
            .iter()
            .enumerate()
            .map(|(s, r)| self.send(s, r, &[]))
            .collect();
        let mut lists = Vec::with_capacity(slots.len());
        for slot in slots {
            let (_, keys) = Receive(slot).await;
            lists.push(keys.unwrap_or_default());
        }
        let refs: Vec<&[u8]> = lists.iter().map(|l| l.as_slice()).collect();
        let order = super::read::stats::time("merge_ms", || MergedOrder::merge(&refs));
        super::read::stats::publish();
        {
            let mut state = self.state.borrow_mut();
            state.timeline = Rc::new(order);
            state.filtered = None;
        }
        self.generation.set(self.generation.get().wrapping_add(1));
        self.gate.open();
    }

    fn post_loaded(&self, id: RequestId, cancelled: bool, started_ms: f64) {
        let reply = {
            let state = self.state.borrow();
            Reply::Loaded {
                id,
                files: state.files.clone(),
                sources: state.sources.len() as u32,
                total_events: state.timeline.len() as u64,
                cancelled,
                elapsed_ms: if started_ms > 0.0 {
                    (now_ms() - started_ms).max(0.0) as u64
                } else {
                    0
                },
                zones: state
                    .sources
                    .iter()
                    .map(|s| SourceZone {
                        source: s.name.clone(),
                        zone: s.zone.clone(),
                    })
                    .collect(),
                shards: self.shards.len() as u32,
            }
        };
        self.post(&reply);
    }

    /// Items `a..b` of `order` (oldest first), fetched from their shards with `fetch(shard, first
    /// rank, count)` and interleaved in merged order.
    async fn gather<T>(
        &self,
        order: &MergedOrder,
        a: usize,
        b: usize,
        fetch: impl Fn(ShardRequestId, u32, u32) -> ShardRequest,
        unpack: impl Fn(ShardReply) -> Vec<T>,
    ) -> Vec<T> {
        let (ranks, seq) = order.span(a, b);
        let seq = seq.to_vec();
        let slots: Vec<_> = ranks
            .iter()
            .enumerate()
            .map(|(s, (first, count))| {
                (*count > 0).then(|| self.send(s, &fetch(self.sub_id(), *first, *count), &[]))
            })
            .collect();
        let mut parts: Vec<std::vec::IntoIter<T>> = Vec::with_capacity(slots.len());
        for slot in slots {
            parts.push(match slot {
                Some(slot) => unpack(Receive(slot).await.0).into_iter(),
                None => Vec::new().into_iter(),
            });
        }
        seq.iter()
            .filter_map(|s| parts.get_mut(*s as usize).and_then(|p| p.next()))
            .collect()
    }

    async fn rows(self: Rc<Self>, id: RequestId, start: u32, count: u32, newest_first: bool) {
        self.gate.pass().await;
        let order = self.state.borrow().timeline.clone();
        let total = order.len();
        let (a, b) = oldest_range(total, start, count, newest_first);
        let mut rows: Vec<Row> = self
            .gather(
                &order,
                a,
                b,
                |id, start, count| ShardRequest::Rows { id, start, count },
                |r| match r {
                    ShardReply::Rows { rows, .. } => rows,
                    _ => Vec::new(),
                },
            )
            .await;
        if newest_first {
            rows.reverse();
        }
        for (i, row) in rows.iter_mut().enumerate() {
            row.position = start + i as u32;
        }
        self.post(&Reply::Rows {
            id,
            start,
            total: total as u32,
            rows,
        });
    }

    /// The merged order of `filter`'s matches (the timeline's when the filter is empty).
    async fn filtered_order(&self, filter: &FilterSpec) -> Rc<MergedOrder> {
        loop {
            self.gate.pass().await;
            if filter.is_empty() {
                return self.state.borrow().timeline.clone();
            }
            let key = filter_key(filter);
            let generation = self.generation.get();
            if let Some((k, g, order)) = &self.state.borrow().filtered {
                if *k == key && *g == generation {
                    return order.clone();
                }
            }
            let building = self.building.borrow().iter().any(|(k, _)| *k == key);
            if building {
                let slot = Rc::new(RefCell::new(Slot::default()));
                if let Some((_, w)) = self
                    .building
                    .borrow_mut()
                    .iter_mut()
                    .find(|(k, _)| *k == key)
                {
                    w.push(slot.clone());
                }
                Receive(slot).await;
                continue;
            }
            self.building.borrow_mut().push((key.clone(), Vec::new()));
            let replies = self
                .ask_all(|id| ShardRequest::MatchKeys {
                    id,
                    filter: filter.clone(),
                })
                .await;
            let lists: Vec<Vec<u8>> = replies
                .into_iter()
                .map(|r| r.1.unwrap_or_default())
                .collect();
            let refs: Vec<&[u8]> = lists.iter().map(|l| l.as_slice()).collect();
            let order = Rc::new(MergedOrder::merge(&refs));
            if self.generation.get() == generation {
                self.state.borrow_mut().filtered = Some((key.clone(), generation, order.clone()));
            }
            let waiters = {
                let mut building = self.building.borrow_mut();
                match building.iter().position(|(k, _)| *k == key) {
                    Some(i) => building.remove(i).1,
                    None => Vec::new(),
                }
            };
            for w in waiters {
                fill(&w, ());
            }
            if self.generation.get() == generation {
                return order;
            }
        }
    }

    async fn filtered_rows(
        self: Rc<Self>,
        id: RequestId,
        filter: FilterSpec,
        start: u32,
        count: u32,
    ) {
        let order = self.filtered_order(&filter).await;
        let total = order.len();
        let (a, b) = oldest_range(total, start, count, filter.newest_first);
        let mut rows: Vec<MarkedRow> = self
            .gather(
                &order,
                a,
                b,
                |id, start, count| ShardRequest::FilteredRows {
                    id,
                    filter: filter.clone(),
                    start,
                    count,
                },
                |r| match r {
                    ShardReply::FilteredRows { rows, .. } => rows,
                    _ => Vec::new(),
                },
            )
            .await;
        if filter.newest_first {
            rows.reverse();
        }
        for (i, row) in rows.iter_mut().enumerate() {
            row.row.position = start + i as u32;
        }
        self.post(&Reply::FilteredRows {
            id,
            start,
            total: total as u32,
            rows,
        });
    }

    async fn details(self: Rc<Self>, id: RequestId, filter: FilterSpec, index: u32) {
        let filtered = !filter.is_empty();
        let order = self.filtered_order(&filter).await;
        let timeline = self.state.borrow().timeline.clone();
        let total = order.len();
        let missing = || Reply::Failed {
            id,
            message: format!("There is no row {} in the list.", index + 1),
        };
        let at = if filter.newest_first {
            total.checked_sub(index as usize + 1)
        } else {
            Some(index as usize).filter(|i| *i < total)
        };
        let Some((s, rank)) = at.and_then(|p| order.locate(p)) else {
            self.post(&missing());
            return;
        };
        let request = ShardRequest::Details {
            id: self.sub_id(),
            filter: FilterSpec {
                newest_first: false,
                ..filter
            },
            index: rank,
            filtered,
        };
        let reply = Receive(self.send(s, &request, &[])).await.0;
        match reply {
            ShardReply::Details {
                details: Some(mut details),
                ..
            } => match timeline.position_of(s, details.position) {
                Some(p) => {
                    details.position = p as u32;
                    self.post(&Reply::Details { id, details });
                }
                None => self.post(&missing()),
            },
            _ => self.post(&missing()),
        }
    }

    fn is_latest(&self, id: RequestId, generation: u32) -> bool {
        self.latest_query.get() == id && self.generation.get() == generation
    }

    async fn query(self: Rc<Self>, id: RequestId, filter: FilterSpec, first_page: u32) {
        let _running = QueryRunning::start(&self);
        self.gate.pass().await;
        let generation = self.generation.get();
        // Part 1: the errors and the first rows, merged by key.
        let replies = self
            .ask_all(|sub| ShardRequest::FirstPage {
                id: sub,
                filter: filter.clone(),
                take: first_page,
            })
            .await;
        let mut errors = Vec::new();
        let mut complete = true;
        let mut pages: Vec<Vec<(MatchKey, MarkedRow)>> = Vec::new();
        for (i, (reply, _)) in replies.into_iter().enumerate() {
            if let ShardReply::FirstPage {
                errors: e,
                rows,
                complete: c,
                ..
            } = reply
            {
                if i == 0 {
                    errors = e;
                }
                complete &= c;
                pages.push(rows);
            }
        }
        let found: usize = pages.iter().map(|p| p.len()).sum();
        let mut rows = merge_keyed(pages, first_page as usize, filter.newest_first);
        for (i, r) in rows.iter_mut().enumerate() {
            r.row.position = i as u32;
        }
        let complete = !filter.is_empty() && complete && found <= first_page as usize;
        if !self.is_latest(id, generation) {
            return;
        }
        self.post(&Reply::Query {
            id,
            part: QueryPart::FirstPage {
                errors,
                rows,
                complete,
            },
        });
        // Part 2: the count, with the span of the matches for the histogram's grid.
        let replies = self
            .ask_all(|sub| ShardRequest::Count {
                id: sub,
                filter: filter.clone(),
            })
            .await;
        let mut counts = Vec::new();
        let mut span: Option<(i64, i64)> = None;
        for (reply, _) in replies {
            if let ShardReply::Count {
                matched, span: s, ..
            } = reply
            {
                counts.push(matched);
                if let Some((lo, hi)) = s {
                    span = Some(span.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
                }
            }
        }
        let matched: u64 = counts.iter().sum();
        if !self.is_latest(id, generation) {
            return;
        }
        let total = self.state.borrow().timeline.len() as u64;
        self.post(&Reply::Query {
            id,
            part: QueryPart::Count { matched, total },
        });
        // Part 3: the histogram on one grid for every shard.
        let (from_ns, to_ns) = match filter.range {
            Some(r) => (r.from_ns(), r.to_ns().saturating_sub(1).max(r.from_ns())),
            None => span.unwrap_or((0, 0)),
        };
        let names: Vec<String> = self
            .state
            .borrow()
            .sources
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let replies = self
            .ask_all(|sub| ShardRequest::Histogram {
                id: sub,
                filter: filter.clone(),
                from_ns,
                to_ns,
                stack_by: filter.stack_by,
                names: names.clone(),
            })
            .await;
        let mut histogram: Option<Histogram> = None;
        for (reply, _) in replies {
            if let ShardReply::Histogram { histogram: h, .. } = reply {
                match histogram.as_mut() {
                    Some(sum) => sum.merge(&h),
                    None => histogram = Some(h),
                }
            }
        }
        if !self.is_latest(id, generation) {
            return;
        }
        if let Some(h) = histogram {
            self.post(&Reply::Query {
                id,
                part: QueryPart::Histogram {
                    histogram: h.into(),
                },
            });
        }
        // Part 4: facets, each shard sampling its share of the matches.
        let samples: Vec<u32> = counts
            .iter()
            .map(|c| {
                if matched == 0 {
                    0
                } else {
                    (FACET_SAMPLE as u64 * c)
                        .div_ceil(matched)
                        .min(u32::MAX as u64) as u32
                }
            })
            .collect();
        let Some((facets, mining)) = self.facets(&filter, &samples, id, generation).await else {
            return;
        };
        self.post(&Reply::Query {
            id,
            part: QueryPart::Facets { facets },
        });
        if !mining.is_empty() {
            wasm_bindgen_futures::spawn_local(self.clone().facets_when_mined(
                id,
                generation,
                filter.clone(),
                samples,
                mining,
            ));
        }
        // Then the merged order of the matches, for pages past the first.
        if !filter.is_empty() {
            self.filtered_order(&filter).await;
        }
    }
    /// The facets of `filter` (each shard sampling `samples[s]` of its matches), with the
    /// placeholder fields of the template nearly all examined matches share, and the shards that
    /// had sources not mined yet (their matches had no template). `None` when query `id` was
    /// replaced meanwhile.
    async fn facets(
        &self,
        filter: &FilterSpec,
        samples: &[u32],
        id: RequestId,
        generation: u32,
    ) -> Option<(Facets, Vec<usize>)> {
        let slots: Vec<_> = (0..self.shards.len())
            .map(|s| {
                let request = ShardRequest::Facets {
                    id: self.sub_id(),
                    filter: filter.clone(),
                    top: SHARD_FACET_VALUES,
                    sample: samples.get(s).copied().unwrap_or(1).max(1),
                };
                self.send(s, &request, &[])
            })
            .collect();
        let mut parts = Vec::new();
        let mut templates = Vec::new();
        let mut mining = Vec::new();
        for (s, slot) in slots.into_iter().enumerate() {
            if let ShardReply::Facets {
                facets,
                templates: t,
                mining: m,
                ..
            } = Receive(slot).await.0
            {
                parts.push(facets);
                templates.push(t);
                if m {
                    mining.push(s);
                }
            }
        }
        if !self.is_latest(id, generation) {
            return None;
        }
        let mut facets = top_facets(merge_facets(parts, FACET_VALUES));
        // Template placeholder fields, when nearly all examined matches are of one template.
        let wanted = candidates(&templates);
        if !wanted.is_empty() {
            let slots: Vec<_> = (0..self.shards.len())
                .map(|s| {
                    let request = ShardRequest::Placeholders {
                        id: self.sub_id(),
                        filter: filter.clone(),
                        sample: samples.get(s).copied().unwrap_or(1).max(1),
                        templates: wanted.clone(),
                    };
                    self.send(s, &request, &[])
                })
                .collect();
            let mut values = Vec::new();
            for slot in slots {
                if let ShardReply::Placeholders { values: v, .. } = Receive(slot).await.0 {
                    values.push(v);
                }
            }
            if !self.is_latest(id, generation) {
                return None;
            }
            let examined = templates.iter().map(|t| t.examined).sum();
            let placeholders = dominant_facets(examined, values, FACET_VALUES);
            // Right after level and source, as one worker lists them.
            let at = facets.facets.len().min(2);
            facets.facets.splice(at..at, placeholders);
        }
        Some((facets, mining))
    }

    /// Once the shards in `mining` have mined every source, the facets of query `id` again, now
    /// with the placeholder fields of its template (posted as a second facets part, which the UI
    /// shows in place of the first), unless another query came meanwhile. The wait holds no query
    /// open, so the shards mine (they do while no query runs).
    async fn facets_when_mined(
        self: Rc<Self>,
        id: RequestId,
        generation: u32,
        filter: FilterSpec,
        samples: Vec<u32>,
        mining: Vec<usize>,
    ) {
        let slots: Vec<_> = mining
            .into_iter()
            .map(|s| self.send(s, &ShardRequest::WhenMined { id: self.sub_id() }, &[]))
            .collect();
        for slot in slots {
            Receive(slot).await;
        }
        if !self.is_latest(id, generation) {
            return;
        }
        let _running = QueryRunning::start(&self);
        if let Some((facets, _)) = self.facets(&filter, &samples, id, generation).await {
            self.post(&Reply::Query {
                id,
                part: QueryPart::Facets { facets },
            });
        }
    }
}
