//! A shard worker: owns the sources of the files the coordinator assigned to it, with their token
//! indexes and their own merged timeline, and answers the coordinator's [`ShardRequest`]s about them.
//!
//! Sources read by a load wait in `pending` until the coordinator's commit names them case-wide
//! (see [`crate::protocol::shard`]); until then every answer comes from the sources committed before,
//! so the coordinator's merged view and the shards always agree. Nothing is merged here: the shard
//! answers about its own part, keyed so the coordinator can merge ([`crate::engine::shard`]).
//!
//! A shard reads and mines exactly as the one worker does ([`super::load`]): it keeps each committed
//! source's patterns ([`Shard::patterns`], parallel to its case's sources), so template placeholder
//! fields match here, and the bytes of each source, so a zone change reads it again (the new sources
//! wait for the next commit too). After a commit it builds its token indexes and common field columns
//! ([`super::query::warm_up`]), mines the new sources' templates and takes their ids into its id index
//! ([`super::correlate::mine_in_background`]) in the background; the asks about templates wait for
//! the mining and the asks about ids for the index, and a query naming a placeholder field mines the
//! rest at once. Facets answered before the mining ended say so, and [`ShardRequest::WhenMined`]
//! tells the coordinator when it has, so it asks for the facets again with their placeholder fields.
//!
//! Facets are worked out in steps with a return to the event loop between two
//! ([`Shard::facets_in_steps`]): those of every event, which the page asks for when a load ends,
//! take a few hundred ms per shard, and a query typed meanwhile begins after one step.

mod investigate;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

use super::case::Case;
use super::correlate::{
    filter_needs_templates, mine_for, mine_in_background, BackgroundStep, MinesInBackground,
};
use super::filter::{match_span, CaseView, CompiledFilter, Evaluated, HISTOGRAM_BARS};
use super::load::{self, Input, LoadReport};
use super::read::{fine_ms, now_ms, stats, yield_to_event_loop, ChunkSink, QuietQueue};
use super::{query, zone_and_name};
use crate::engine::correlate::Offsets;
use crate::engine::demo::{self, DEMO_SEED};
use crate::engine::level::Level;
use crate::engine::patterns::backlog::MiningBacklog;
use crate::engine::patterns::SourcePatterns;
use crate::engine::query::results::sort_time;
use crate::engine::query::{FacetTally, Histogram, MatchKey, Matches, StackBy};
use crate::engine::shard::{rename_key_sources, sort_times, timeline_keys, OrderKey, KEY_BYTES};
use crate::engine::shard_facets::{template_values, top_template};
use crate::engine::store::{SourceData, NO_TIME};
use crate::engine::summary::FileSummary;
use crate::engine::time::Zone;
use crate::engine::timeline::Timeline;
use crate::protocol::investigate::PartAsk;
use crate::protocol::query::FilterSpec;
use crate::protocol::shard::{
    LoadedInput, RezonedSource, ShardInput, ShardInputKind, ShardReply, ShardRequest,
    ShardRequestId, SourceFacts,
};

/// Shortest time between two progress messages of one load.
const PROGRESS_EVERY_MS: f64 = 100.0;

struct Load {
    id: ShardRequestId,
    zone: Zone,
    /// The zone's name as the user gave it (reported back with each source).
    zone_name: String,
    inputs: Vec<(ShardInput, Option<File>)>,
}

/// Work that reads: loads and zone changes run one at a time, in arrival order.
enum Job {
    Load(Load),
    Rezone {
        id: ShardRequestId,
        source: String,
        zone: Zone,
        zone_name: String,
    },
}

impl Job {
    /// The answer a job gives when it is dropped before it ran.
    fn dropped(&self) -> ShardReply {
        match self {
            Job::Load(load) => ShardReply::LoadDone {
                id: load.id,
                inputs: Vec::new(),
                cancelled: true,
            },
            Job::Rezone { id, .. } => ShardReply::Rezoned {
                id: *id,
                sources: Vec::new(),
                cancelled: true,
            },
        }
    }
}

/// A source read again in another zone, waiting for the commit that puts it in place of source
/// `index`.
struct Replacement {
    index: usize,
    data: SourceData,
    zone_name: String,
}

/// A shard's timeline over its committed and pending sources, merged as soon as a load has read
/// everything, with the offsets the commit is expected to bring (the committed sources' own, zero for
/// the new ones), so a shard that finishes reading before the others spends that wait merging
/// instead of merging after every shard is done. The commit uses it when its sources and offsets are
/// these; the keys then only get their case-wide source ids.
struct PreparedCommit {
    sources: usize,
    offsets_ns: Vec<i64>,
    timeline: Timeline,
    /// The encoded keys, naming sources by the shard's own numbers.
    keys: Vec<u8>,
}

struct Shard {
    scope: DedicatedWorkerGlobalScope,
    case: RefCell<Case>,
    /// Sources read and not yet committed, in reading order, with their zone names.
    pending: RefCell<Vec<(SourceData, String)>>,
    /// Committed sources read again in another zone, waiting for the next commit.
    replacements: RefCell<Vec<Replacement>>,
    /// The timeline and keys the next commit will most likely need, merged when a load ended.
    prepared: RefCell<Option<PreparedCommit>>,
    /// The patterns of the committed sources, parallel to the case's sources, and the sources
    /// still to mine.
    mining: RefCell<MiningBacklog>,
    /// Whether a task mines in the background.
    mining_task: Cell<bool>,
    /// [`ShardRequest::WhenMined`] requests to answer once every committed source is mined.
    when_mined: RefCell<Vec<ShardRequestId>>,
    /// Case-wide ids of the committed sources.
    ids: RefCell<Vec<u16>>,
    case_span: Cell<(Option<i64>, Option<i64>)>,
    queue: RefCell<VecDeque<Job>>,
    running: Cell<bool>,
    cancel: Cell<bool>,
    investigation: RefCell<investigate::ShardInvestigation>,
    /// Investigation asks not yet worked out (see [`Shard::ask_later`]).
    asks: QuietQueue<(ShardRequestId, PartAsk)>,
    /// When the last request about a query (its parts, its pages, a row's details) was answered.
    last_query_ms: Cell<f64>,
    /// Whether the coordinator is gathering a query's parts (from the first query request until
    /// [`ShardRequest::QueriesEnded`]): the shard is not idle between two parts.
    query_open: Cell<bool>,
    /// Queries begun (first pages asked for): facets worked out in steps stop when another begins.
    queries_begun: Cell<u64>,
}

/// Work per step of the facets (see [`FacetTally::step`]): about 10-30 ms in a browser.
const FACETS_STEP_WORK: usize = 1 << 16;

/// Longest time a query counts as open without a request about it (a lost `QueriesEnded` must not
/// hold the background work back for ever).
const QUERY_OPEN_MAX_MS: f64 = 10_000.0;

/// Starts a shard worker: installs the message handler and tells the coordinator it is ready.
pub fn start(scope: DedicatedWorkerGlobalScope) {
    let shard = Rc::new(Shard {
        scope: scope.clone(),
        case: RefCell::new(Case::default()),
        pending: RefCell::new(Vec::new()),
        prepared: RefCell::new(None),
        replacements: RefCell::new(Vec::new()),
        mining: RefCell::new(MiningBacklog::default()),
        mining_task: Cell::new(false),
        when_mined: RefCell::new(Vec::new()),
        ids: RefCell::new(Vec::new()),
        case_span: Cell::new((None, None)),
        queue: RefCell::new(VecDeque::new()),
        running: Cell::new(false),
        cancel: Cell::new(false),
        investigation: RefCell::new(investigate::ShardInvestigation::default()),
        asks: QuietQueue::default(),
        last_query_ms: Cell::new(f64::NEG_INFINITY),
        query_open: Cell::new(false),
        queries_begun: Cell::new(0),
    });
    let handler = shard.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        handler.clone().on_message(event.data());
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    shard.post(&ShardReply::Ready, None);
}

impl query::HoldsCase for Shard {
    fn case(&self) -> &RefCell<Case> {
        &self.case
    }
    fn loading(&self) -> bool {
        self.running.get()
    }
}

impl Shard {
    /// Runs `f` on the shard's case as a filter sees it: its sources with their patterns (so
    /// placeholder fields such as `tpl.num1` match as in one worker), and the whole case's span. The
    /// indexes and columns are the worker's query state ([`query`]), warmed up after each commit.
    fn with_view<T>(&self, filter: &FilterSpec, f: impl FnOnce(&CaseView<'_>) -> T) -> T {
        let case = self.case.borrow();
        let patterns = self.patterns();
        query::with_view(
            &case,
            &patterns,
            Some(self.case_span.get()),
            &filter.zone,
            f,
        )
    }

    /// Since when the shard has been idle as far as queries go (ms since the epoch): now while the
    /// coordinator gathers a query's parts (up to [`QUERY_OPEN_MAX_MS`] after the last request),
    /// else when the last query request was answered or the queries ended.
    fn quiet_since(&self) -> f64 {
        let last = self.last_query_ms.get();
        let now = now_ms();
        if self.query_open.get() && now - last < QUERY_OPEN_MAX_MS {
            now
        } else {
            last
        }
    }

    /// The patterns of the committed sources, parallel to the case's sources (as the one worker's
    /// `Investigation::patterns`), for answers about them; a source not yet mined has none.
    pub fn patterns(&self) -> std::cell::Ref<'_, [SourcePatterns]> {
        std::cell::Ref::map(self.mining.borrow(), MiningBacklog::patterns)
    }

    /// Mines every committed source not mined yet, at once (for an answer about templates).
    fn mine_now(&self) {
        if self.mining.borrow().is_complete() {
            return;
        }
        let case = self.case.borrow();
        let (_, spent) = mine_for(&mut self.mining.borrow_mut(), case.sources(), f64::INFINITY);
        self.investigation.borrow_mut().loaded(0.0, spent);
        self.tell_mined();
    }

    /// Answers the [`ShardRequest::WhenMined`] requests waiting, if every source is mined now.
    fn tell_mined(&self) {
        if !self.mining.borrow().is_complete() {
            return;
        }
        let waiting: Vec<ShardRequestId> = self.when_mined.borrow_mut().drain(..).collect();
        for id in waiting {
            self.post(&ShardReply::Mined { id }, None);
        }
    }

    fn post(&self, reply: &ShardReply, keys: Option<Vec<u8>>) {
        let Ok(text) = serde_json::to_string(reply) else {
            web_sys::console::error_1(&"casefile shard: could not encode a reply".into());
            return;
        };
        let envelope = Object::new();
        let _ = Reflect::set(&envelope, &"msg".into(), &JsValue::from_str(&text));
        let posted = match keys {
            Some(bytes) => {
                let array = Uint8Array::from(&bytes[..]);
                let _ = Reflect::set(&envelope, &"keys".into(), &array);
                self.scope
                    .post_message_with_transfer(&envelope, &Array::of1(&array.buffer()))
            }
            None => self.scope.post_message(&envelope),
        };
        if let Err(e) = posted {
            web_sys::console::error_2(&"casefile shard: could not post a reply".into(), &e);
        }
    }

    fn on_message(self: Rc<Self>, data: JsValue) {
        let text = Reflect::get(&data, &"msg".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_default();
        let request: ShardRequest = match serde_json::from_str(&text) {
            Ok(r) => r,
            Err(e) => {
                self.post(
                    &ShardReply::Failed {
                        id: 0,
                        message: format!("A shard did not understand a request: {e}."),
                    },
                    None,
                );
                return;
            }
        };
        let started = fine_ms();
        let label = label(&request);
        self.handle(request, &data);
        stats::trace(&label, started);
    }

    fn handle(self: Rc<Self>, request: ShardRequest, data: &JsValue) {
        match request {
            ShardRequest::Load { id, zone, inputs } => {
                let files: Vec<File> = Reflect::get(data, &"files".into())
                    .ok()
                    .filter(|f| f.is_object())
                    .map(|f| Array::from(&f))
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|f| f.dyn_into::<File>().ok())
                    .collect();
                let mut files = files.into_iter();
                let inputs = inputs
                    .into_iter()
                    .map(|input| {
                        let file = match input.kind {
                            ShardInputKind::File => files.next(),
                            _ => None,
                        };
                        (input, file)
                    })
                    .collect();
                let (zone, zone_name) = zone_and_name(&zone);
                self.enqueue(Job::Load(Load {
                    id,
                    zone,
                    zone_name,
                    inputs,
                }));
            }
            ShardRequest::SetZone { id, source, zone } => {
                let (zone, zone_name) = zone_and_name(&zone);
                self.enqueue(Job::Rezone {
                    id,
                    source,
                    zone,
                    zone_name,
                });
            }
            ShardRequest::Cancel => {
                if self.running.get() {
                    self.cancel.set(true);
                }
                let dropped: Vec<Job> = self.queue.borrow_mut().drain(..).collect();
                for job in dropped {
                    self.post(&job.dropped(), None);
                }
            }
            ShardRequest::Commit {
                id,
                ids,
                offsets_ns,
                case_span,
            } => {
                // Asks sent before the commit are answered about the sources they were sent about.
                self.answer_asks_now();
                let keys = stats::time("commit_ms", || self.commit(ids, offsets_ns, case_span));
                let count = (keys.len() / KEY_BYTES) as u32;
                stats::time("post_keys_ms", || {
                    self.post(&ShardReply::Keys { id, count }, Some(keys))
                });
                stats::publish();
                // Indexes and common columns are built while the shard is idle, so the first query
                // after a load finds them ready (as in the one worker), and the new sources mined.
                query::warm_up(self.clone());
                mine_in_background(self);
            }
            ShardRequest::Investigate { id, ask } => self.ask_later(id, ask),
            ShardRequest::WhenMined { id } => {
                self.when_mined.borrow_mut().push(id);
                self.tell_mined();
            }
            ShardRequest::QueriesEnded => {
                self.query_open.set(false);
                self.last_query_ms.set(now_ms());
            }
            ShardRequest::Facets {
                id,
                filter,
                top,
                sample,
            } => {
                self.query_open.set(true);
                wasm_bindgen_futures::spawn_local(self.facets_in_steps(id, filter, top, sample));
            }
            other => {
                if matches!(other, ShardRequest::FirstPage { .. }) {
                    self.queries_begun.set(self.queries_begun.get() + 1);
                }
                if other
                    .filter()
                    .is_some_and(|f| filter_needs_templates(&f.text))
                {
                    self.mine_now();
                }
                let query = !matches!(other, ShardRequest::Rows { .. });
                // The parts the coordinator gathers while a query runs (it says when they end);
                // pages and details asked while scrolling are not.
                let part_of_query = matches!(
                    other,
                    ShardRequest::FirstPage { .. }
                        | ShardRequest::Count { .. }
                        | ShardRequest::Histogram { .. }
                        | ShardRequest::Facets { .. }
                        | ShardRequest::Placeholders { .. }
                );
                let (reply, keys) = self.answer(other);
                if query {
                    self.last_query_ms.set(now_ms());
                }
                if part_of_query {
                    self.query_open.set(true);
                }
                self.post(&reply, keys);
            }
        }
    }

    /// Answers a [`ShardRequest::Facets`] in steps of [`FACETS_STEP_WORK`], returning to the event
    /// loop between two: the facets of every event (the empty filter the page runs when a load
    /// ends) take a few hundred ms, and a query typed meanwhile begins after one step, not after
    /// all of them. When it begins, these facets are dropped (answered with a failure, which the
    /// coordinator ignores for a query it no longer gathers).
    async fn facets_in_steps(
        self: Rc<Self>,
        id: ShardRequestId,
        filter: FilterSpec,
        top: u32,
        sample: u32,
    ) {
        if filter_needs_templates(&filter.text) {
            self.mine_now();
        }
        let begun = self.queries_begun.get();
        let mining = !self.mining.borrow().is_complete();
        let started = fine_ms();
        let mut tally = self.with_evaluated(&filter, |_, ev| {
            FacetTally::new(&ev.matches, sample as usize)
        });
        stats::trace("facets step", started);
        query::hold_warm_up(true);
        let reply = loop {
            let started = fine_ms();
            let done = self.with_evaluated(&filter, |view, ev| {
                tally.step(view.sources, &ev.matches, FACETS_STEP_WORK)
            });
            stats::trace("facets step", started);
            if done {
                let started = fine_ms();
                let templates = self.with_evaluated(&filter, |view, ev| {
                    top_template(view.sources, view.patterns, &ev.matches, sample as usize)
                });
                stats::trace("facets step", started);
                break ShardReply::Facets {
                    id,
                    facets: tally.finish(top as usize),
                    templates,
                    mining,
                };
            }
            yield_to_event_loop().await;
            if self.queries_begun.get() != begun {
                break ShardReply::Failed {
                    id,
                    message: "Another query began.".into(),
                };
            }
        };
        query::hold_warm_up(false);
        self.last_query_ms.set(now_ms());
        self.post(&reply, None);
    }

    /// Queues an investigation ask, answered when queries leave room (see [`QuietQueue`]). A
    /// query's parts come one after another, each asked when every shard answered the one before:
    /// while they come, the asks wait. Replies carry their ids, so the coordinator takes them in
    /// any order.
    fn ask_later(self: Rc<Self>, id: ShardRequestId, ask: PartAsk) {
        if self.asks.push((id, ask)) {
            wasm_bindgen_futures::spawn_local(async move {
                let answer = |(id, ask)| self.answer_ask(id, ask);
                let ready = |(_, ask): &(ShardRequestId, PartAsk)| {
                    (!investigate::needs_templates(ask) || self.mining.borrow().is_complete())
                        && (!investigate::needs_ids(ask)
                            || self.investigation.borrow().ids_complete())
                };
                self.asks.serve(|| self.quiet_since(), ready, answer).await;
            });
        }
    }

    /// Answers every queued ask at once (before a commit changes the sources they are about).
    fn answer_asks_now(&self) {
        self.asks
            .answer_all_now(|(id, ask)| self.answer_ask(id, ask));
    }

    fn answer_ask(&self, id: ShardRequestId, ask: PartAsk) {
        let started = fine_ms();
        let label = format!("ask {}", ask_name(&ask));
        let (reply, keys) = self.answer(ShardRequest::Investigate { id, ask });
        self.post(&reply, keys);
        stats::trace(&label, started);
    }

    fn enqueue(self: Rc<Self>, job: Job) {
        self.queue.borrow_mut().push_back(job);
        if !self.running.get() {
            self.running.set(true);
            wasm_bindgen_futures::spawn_local(self.run_queue());
        }
    }

    async fn run_queue(self: Rc<Self>) {
        loop {
            let next = self.queue.borrow_mut().pop_front();
            let Some(job) = next else { break };
            self.cancel.set(false);
            match job {
                Job::Load(load) => self.clone().run(load).await,
                Job::Rezone {
                    id,
                    source,
                    zone,
                    zone_name,
                } => self.clone().rezone(id, &source, zone, zone_name).await,
            }
        }
        self.cancel.set(false);
        self.running.set(false);
    }

    async fn run(self: Rc<Self>, load: Load) {
        let mut pacer = ShardPacer {
            shard: self.clone(),
            id: load.id,
            last_post_ms: f64::NEG_INFINITY,
            bytes_before: 0,
            events_before: 0,
            files_done: 0,
            current: String::new(),
        };
        let mut done = Vec::new();
        let mut cancelled = false;
        let demo_files = load
            .inputs
            .iter()
            .any(|(i, _)| matches!(i.kind, ShardInputKind::Demo { .. }))
            .then(|| demo::generate(DEMO_SEED));
        for (input, file) in load.inputs {
            let read = match (&input.kind, file) {
                (ShardInputKind::File, Some(f)) => Input::File(f),
                (ShardInputKind::Text { name, text }, _) => Input::Bytes {
                    name: name.clone(),
                    bytes: text.as_bytes().to_vec(),
                    modified_ns: None,
                },
                (ShardInputKind::Demo { index }, _) => {
                    let Some(f) = demo_files.as_ref().and_then(|d| d.get(*index as usize)) else {
                        continue;
                    };
                    Input::Bytes {
                        name: f.name.to_string(),
                        bytes: f.bytes.clone(),
                        modified_ns: Some(f.modified_ns),
                    }
                }
                (ShardInputKind::File, None) => continue,
            };
            let size = read.size();
            pacer.current = read.name();
            pacer.progress(None, true);
            // Every input goes through the decoder (an archive becomes several sources), mined as
            // it is read, exactly as in the one-worker case.
            let Some(mined) = load::read_input(read, &load.zone, &mut pacer).await else {
                cancelled = true;
                break;
            };
            pacer.bytes_before += size;
            pacer.files_done += 1;
            let mut loaded = LoadedInput {
                file: input.file,
                summaries: Vec::new(),
                sources: Vec::new(),
            };
            for m in mined {
                pacer.events_before += m.data.len() as u64;
                loaded.summaries.push(FileSummary::of(&m.data));
                // The sources a case keeps (see `Case::add_in_zone`).
                if !m.data.is_empty() || m.data.info.error.is_none() {
                    loaded.sources.push(SourceFacts {
                        summary: (loaded.summaries.len() - 1) as u32,
                        ..facts(&m.data, &load.zone_name)
                    });
                    self.investigation.borrow_mut().loaded(m.reading_ms, 0.0);
                    self.pending
                        .borrow_mut()
                        .push((m.data, load.zone_name.clone()));
                }
            }
            done.push(loaded);
        }
        pacer.progress(None, true);
        if !cancelled {
            stats::time("prepare_ms", || self.prepare_commit());
        }
        self.post(
            &ShardReply::LoadDone {
                id: load.id,
                inputs: done,
                cancelled,
            },
            None,
        );
    }

    /// Reads the committed sources called `source` again in `zone`; they wait for the next commit
    /// (see [`Shard::commit`]), which has them mined again. A cancel keeps none of them.
    async fn rezone(
        self: Rc<Self>,
        id: ShardRequestId,
        source: &str,
        zone: Zone,
        zone_name: String,
    ) {
        let indexes = self.case.borrow().sources_named(source);
        let mut pacer = ShardPacer {
            shard: self.clone(),
            id,
            last_post_ms: f64::NEG_INFINITY,
            bytes_before: 0,
            events_before: 0,
            files_done: 0,
            current: source.to_string(),
        };
        pacer.progress(None, true);
        let mut read = Vec::new();
        let mut cancelled = false;
        for index in indexes {
            let Some(m) = load::reread_source(&self.case, index, &zone, &mut pacer).await else {
                cancelled = true;
                break;
            };
            pacer.bytes_before += m.data.info.bytes;
            pacer.events_before += m.data.len() as u64;
            pacer.files_done += 1;
            read.push(Replacement {
                index,
                data: m.data,
                zone_name: zone_name.clone(),
            });
        }
        pacer.progress(None, true);
        let sources = if cancelled {
            Vec::new()
        } else {
            let ids = self.ids.borrow();
            read.iter()
                .map(|r| RezonedSource {
                    id: ids.get(r.index).copied().unwrap_or(r.index as u16),
                    facts: facts(&r.data, &r.zone_name),
                    report: FileSummary::of(&r.data),
                })
                .collect()
        };
        if !cancelled {
            self.replacements.borrow_mut().extend(read);
        }
        self.post(
            &ShardReply::Rezoned {
                id,
                sources,
                cancelled,
            },
            None,
        );
    }

    /// Merges the timeline the next commit will most likely need (see [`PreparedCommit`]).
    fn prepare_commit(&self) {
        let case = self.case.borrow();
        let pending = self.pending.borrow();
        let prepared = self.replacements.borrow().is_empty().then(|| {
            let sources: Vec<&SourceData> = case
                .sources()
                .iter()
                .chain(pending.iter().map(|(s, _)| s))
                .collect();
            let offsets_ns: Vec<i64> = (0..sources.len())
                .map(|s| case.offsets().get(s as u16))
                .collect();
            let timeline = Timeline::build_with_offsets(&sources, &offsets_ns);
            let own: Vec<u16> = (0..sources.len() as u16).collect();
            let keys = timeline_keys(&sources, &offsets_ns, &timeline, &own);
            PreparedCommit {
                sources: sources.len(),
                offsets_ns,
                timeline,
                keys,
            }
        });
        *self.prepared.borrow_mut() = prepared;
    }

    /// Takes the pending sources into the case under their case-wide ids (and puts sources read
    /// again in another zone in place of the old ones) and re-merges the shard's timeline; returns
    /// its keys, encoded.
    fn commit(
        &self,
        ids: Vec<u16>,
        offsets_ns: Vec<i64>,
        case_span: (Option<i64>, Option<i64>),
    ) -> Vec<u8> {
        let mut case = self.case.borrow_mut();
        let mut mining = self.mining.borrow_mut();
        let prepared = self
            .prepared
            .borrow_mut()
            .take()
            .filter(|_| self.replacements.borrow().is_empty());
        let mut investigation = self.investigation.borrow_mut();
        for r in self.replacements.borrow_mut().drain(..) {
            case.replace_source(r.index, r.data, &r.zone_name);
            mining.replaced(r.index);
            investigation.source_replaced(r.index);
        }
        for (source, zone_name) in self.pending.borrow_mut().drain(..) {
            let index = case.source_count();
            case.add_in_zone(source, &zone_name);
            if case.source_count() > index {
                mining.added(index);
                investigation.source_added(index);
            }
        }
        let n = case.source_count();
        let expected: Vec<i64> = (0..n)
            .map(|s| offsets_ns.get(s).copied().unwrap_or(0))
            .collect();
        let prepared = prepared.filter(|p| p.sources == n && p.offsets_ns == expected);
        let early_keys = match prepared {
            Some(p) => {
                case.set_offsets_merged(Offsets::from_ns(offsets_ns), p.timeline);
                stats::add("commits_prepared", 1.0);
                Some(p.keys)
            }
            None => {
                stats::time("timeline_ms", || {
                    case.set_offsets(Offsets::from_ns(offsets_ns))
                });
                None
            }
        };
        *self.ids.borrow_mut() = ids;
        self.case_span.set(case_span);
        // The case span may have changed, which the kept evaluation's key does not show.
        query::forget_evaluation();
        let ids = self.ids.borrow();
        match early_keys {
            Some(mut keys) => {
                rename_key_sources(&mut keys, &ids);
                keys
            }
            None => stats::time("keys_ms", || {
                timeline_keys(
                    case.sources(),
                    case.offsets().as_ns(),
                    case.timeline(),
                    &ids,
                )
            }),
        }
    }

    fn sort_times(&self, case: &Case) -> Vec<Vec<i64>> {
        case.sources()
            .iter()
            .enumerate()
            .map(|(i, s)| sort_times(s, case.offsets().get(i as u16)))
            .collect()
    }

    /// Runs `f` on the evaluation of `filter` over the committed sources.
    fn with_evaluated<T>(
        &self,
        filter: &FilterSpec,
        f: impl FnOnce(&CaseView<'_>, &Evaluated) -> T,
    ) -> T {
        let case = self.case.borrow();
        let patterns = self.patterns();
        query::evaluate(&case, &patterns, Some(self.case_span.get()), filter, f)
    }

    /// The key of the shard's timeline position `p` (oldest first).
    fn key_at(&self, view: &CaseView<'_>, p: u32) -> Option<MatchKey> {
        let id = view.timeline.get(p as usize, false)?;
        let source = view.sources.get(id.source as usize)?;
        let t = sort_time(source, id.event as usize);
        let offset = view.offsets.get(id.source as usize).copied().unwrap_or(0);
        Some(MatchKey {
            time: if t == NO_TIME {
                t
            } else {
                t.saturating_sub(offset)
            },
            source: self
                .ids
                .borrow()
                .get(id.source as usize)
                .copied()
                .unwrap_or(id.source),
            event: id.event,
        })
    }

    fn answer(&self, request: ShardRequest) -> (ShardReply, Option<Vec<u8>>) {
        let reply = match request {
            ShardRequest::Rows { id, start, count } => ShardReply::Rows {
                id,
                rows: self.case.borrow().rows(start, count, false),
            },
            ShardRequest::FirstPage { id, filter, take } => {
                self.with_evaluated_first_page(id, &filter, take)
            }
            ShardRequest::Count { id, filter } => {
                self.with_evaluated(&filter, |view, ev| ShardReply::Count {
                    id,
                    matched: ev.count(),
                    span: match_span(view.sources, &ev.matches),
                })
            }
            ShardRequest::Histogram {
                id,
                filter,
                from_ns,
                to_ns,
                stack_by,
                names,
            } => {
                let ids = self.ids.borrow().clone();
                self.with_evaluated(&filter, |view, ev| {
                    let keys = match stack_by {
                        StackBy::Level => {
                            Level::ALL.iter().map(|l| l.as_str().to_string()).collect()
                        }
                        StackBy::Source => names,
                    };
                    let mut h = Histogram::grid(from_ns, to_ns, HISTOGRAM_BARS, stack_by, keys);
                    for (i, set) in ev.matches.sets.iter().enumerate() {
                        let one = Matches {
                            sets: vec![set.clone()],
                        };
                        let global = ids.get(i).copied().unwrap_or(i as u16);
                        h.add(&view.sources[i..i + 1], global, &one);
                    }
                    ShardReply::Histogram { id, histogram: h }
                })
            }
            ShardRequest::Placeholders {
                id,
                filter,
                sample,
                templates,
            } => self.with_evaluated(&filter, |view, ev| ShardReply::Placeholders {
                id,
                values: template_values(
                    view.sources,
                    view.patterns,
                    &ev.matches,
                    sample as usize,
                    &templates,
                ),
            }),
            ShardRequest::MatchKeys { id, filter } => {
                let case = self.case.borrow();
                let times = self.sort_times(&case);
                drop(case);
                let ids = self.ids.borrow().clone();
                let keys = self.with_evaluated(&filter, |view, ev| {
                    let mut out = Vec::with_capacity(ev.positions.len() * KEY_BYTES);
                    for p in &ev.positions {
                        if let Some(e) = view.timeline.get(*p as usize, false) {
                            OrderKey {
                                time: times[e.source as usize][e.event as usize],
                                source: ids.get(e.source as usize).copied().unwrap_or(e.source),
                            }
                            .encode(&mut out);
                        }
                    }
                    out
                });
                let count = (keys.len() / KEY_BYTES) as u32;
                return (ShardReply::Keys { id, count }, Some(keys));
            }
            ShardRequest::FilteredRows {
                id,
                filter,
                start,
                count,
            } => self.with_evaluated(&filter, |view, ev| ShardReply::FilteredRows {
                id,
                rows: ev.rows(view, start, count, false),
            }),
            ShardRequest::Details {
                id,
                filter,
                index,
                filtered,
            } => self.with_evaluated(&filter, |view, ev| ShardReply::Details {
                id,
                details: ev.details(view, index, false, filtered),
            }),
            ShardRequest::Investigate { id, ask } => {
                if investigate::needs_templates(&ask) {
                    self.mine_now();
                }
                let case = self.case.borrow();
                let ids = self.ids.borrow();
                let patterns = self.patterns();
                let answered = self
                    .investigation
                    .borrow_mut()
                    .answer(&case, &ids, &patterns, ask);
                match answered {
                    Ok((answer, bytes)) => return (ShardReply::Investigated { id, answer }, bytes),
                    Err(message) => ShardReply::Failed { id, message },
                }
            }
            // Handled in `handle` (facets in steps: `facets_in_steps`).
            ShardRequest::Load { id, .. }
            | ShardRequest::Commit { id, .. }
            | ShardRequest::SetZone { id, .. }
            | ShardRequest::Facets { id, .. } => ShardReply::Failed {
                id,
                message: "misrouted request".into(),
            },
            ShardRequest::Cancel | ShardRequest::QueriesEnded | ShardRequest::WhenMined { .. } => {
                ShardReply::Failed {
                    id: 0,
                    message: "misrouted notice".into(),
                }
            }
        };
        (reply, None)
    }

    fn with_evaluated_first_page(
        &self,
        id: ShardRequestId,
        filter: &FilterSpec,
        take: u32,
    ) -> ShardReply {
        self.with_view(filter, |view| self.first_page(id, view, filter, take))
    }

    fn first_page(
        &self,
        id: ShardRequestId,
        view: &CaseView<'_>,
        filter: &FilterSpec,
        take: u32,
    ) -> ShardReply {
        let compiled = CompiledFilter::new(filter, view);
        let errors = compiled.query.errors().to_vec();
        if filter.is_empty() {
            return ShardReply::FirstPage {
                id,
                errors,
                rows: Vec::new(),
                complete: false,
            };
        }
        let positions = compiled.query.first_page(
            &view.views(),
            view.timeline,
            take as usize + 1,
            filter.newest_first,
        );
        let complete = positions.len() <= take as usize;
        let rows = positions
            .iter()
            .take(take as usize)
            .filter_map(|p| Some((self.key_at(view, *p)?, compiled.marked_row(view, *p, 0)?)))
            .collect();
        ShardReply::FirstPage {
            id,
            errors,
            rows,
            complete,
        }
    }
}

impl MinesInBackground for Shard {
    fn mine_step(&self, budget_ms: f64) -> Option<(bool, BackgroundStep)> {
        let case = self.case.try_borrow().ok()?;
        let mut mining = self.mining.try_borrow_mut().ok()?;
        let mut investigation = self.investigation.try_borrow_mut().ok()?;
        if mining.is_complete() {
            let done = investigation.build_ids_for(case.sources(), budget_ms);
            return Some((done, BackgroundStep::IdIndex));
        }
        let (complete, spent) = mine_for(&mut mining, case.sources(), budget_ms);
        investigation.loaded(0.0, spent);
        drop(mining);
        self.tell_mined();
        Some((
            complete && investigation.ids_complete(),
            BackgroundStep::Mining,
        ))
    }
    fn last_query_ms(&self) -> f64 {
        self.quiet_since()
    }
    fn loading(&self) -> bool {
        self.running.get()
    }
    fn mining_task(&self) -> &Cell<bool> {
        &self.mining_task
    }
}

/// A request's name in the worker's trace (see [`stats::trace`]).
fn label(request: &ShardRequest) -> String {
    let name = match request {
        ShardRequest::Load { .. } => "load",
        ShardRequest::Commit { .. } => "commit",
        ShardRequest::SetZone { .. } => "set-zone",
        ShardRequest::Cancel => "cancel",
        ShardRequest::QueriesEnded => "queries-ended",
        ShardRequest::Rows { .. } => "rows",
        ShardRequest::FirstPage { .. } => "first-page",
        ShardRequest::Count { .. } => "count",
        ShardRequest::Histogram { .. } => "histogram",
        ShardRequest::Facets { .. } => "facets",
        ShardRequest::Placeholders { .. } => "placeholders",
        ShardRequest::WhenMined { .. } => "when-mined",
        ShardRequest::MatchKeys { .. } => "match-keys",
        ShardRequest::FilteredRows { .. } => "filtered-rows",
        ShardRequest::Details { .. } => "details",
        ShardRequest::Investigate { ask, .. } => {
            return format!("investigate {} (queued)", ask_name(ask))
        }
    };
    name.to_string()
}

/// An ask's name in the worker's trace: its `step` tag.
fn ask_name(ask: &PartAsk) -> String {
    serde_json::to_value(ask)
        .ok()
        .and_then(|v| v.get("step").and_then(|s| s.as_str()).map(str::to_string))
        .unwrap_or_default()
}

/// What the coordinator is told of a source (its report's index is set by the caller).
fn facts(data: &SourceData, zone_name: &str) -> SourceFacts {
    SourceFacts {
        name: data.info.name.clone(),
        first_ts: data.info.first_ts,
        last_ts: data.info.last_ts,
        events: data.len() as u64,
        bytes: data.info.bytes,
        zone: zone_name.to_string(),
        summary: 0,
    }
}

/// Posts a load's progress at most every [`PROGRESS_EVERY_MS`] and relays cancel.
struct ShardPacer {
    shard: Rc<Shard>,
    id: ShardRequestId,
    last_post_ms: f64,
    bytes_before: u64,
    events_before: u64,
    files_done: u32,
    current: String,
}

impl LoadReport for ShardPacer {
    fn progress(&mut self, ingest: Option<&dyn ChunkSink>, force: bool) {
        let now = now_ms();
        if !force && now - self.last_post_ms < PROGRESS_EVERY_MS {
            return;
        }
        self.last_post_ms = now;
        let (bytes, events) = ingest.map_or((0, 0), |i| (i.bytes_read(), i.events_so_far() as u64));
        self.shard.post(
            &ShardReply::Progress {
                id: self.id,
                bytes_read: self.bytes_before + bytes,
                events: self.events_before + events,
                current: self.current.clone(),
                files_done: self.files_done,
            },
            None,
        );
    }

    fn cancelled(&self) -> bool {
        self.shard.cancel.get()
    }
}
