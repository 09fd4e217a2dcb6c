//! A shard worker: owns the sources of the files the coordinator assigned to it, with their token
//! indexes and their own merged timeline, and answers the coordinator's [`ShardRequest`]s about them.
//!
//! Sources read by a load wait in `pending` until the coordinator's commit names them case-wide
//! (see [`crate::protocol::shard`]); until then every answer comes from the sources committed before,
//! so the coordinator's merged view and the shards always agree. Nothing is merged here: the shard
//! answers about its own part, keyed so the coordinator can merge ([`crate::engine::shard`]).

mod investigate;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

use super::case::Case;
use super::filter::{
    build_indexes, match_span, CaseView, CompiledFilter, Evaluated, HISTOGRAM_BARS,
};
use super::read::{now_ms, read_blob, read_bytes, ChunkSink, ReadEnd, ReadPacer};
use crate::engine::correlate::Offsets;
use crate::engine::decode::FileIngest;
use crate::engine::demo::{self, DEMO_SEED};
use crate::engine::error::SourceError;
use crate::engine::index::SourceIndex;
use crate::engine::ingest::IngestOptions;
use crate::engine::level::Level;
use crate::engine::query::results::sort_time;
use crate::engine::query::{facets, Histogram, MatchKey, Matches, StackBy};
use crate::engine::shard::{sort_times, OrderKey, KEY_BYTES};
use crate::engine::store::{SourceData, NO_TIME};
use crate::engine::summary::FileSummary;
use crate::engine::time::Zone;
use crate::protocol::query::FilterSpec;
use crate::protocol::shard::{
    LoadedInput, ShardInput, ShardInputKind, ShardReply, ShardRequest, ShardRequestId, SourceFacts,
};

/// Shortest time between two progress messages of one load.
const PROGRESS_EVERY_MS: f64 = 100.0;

struct Load {
    id: ShardRequestId,
    zone: Zone,
    inputs: Vec<(ShardInput, Option<File>)>,
}

/// The evaluation cache of the shard's queries.
#[derive(Default)]
struct QueryCache {
    indexes: Vec<SourceIndex>,
    indexed: (usize, usize),
    evaluated: Option<Rc<Evaluated>>,
}

impl QueryCache {
    /// Builds the indexes again (and forgets the evaluation) when the case has changed.
    fn refresh(&mut self, case: &Case) {
        let key = (case.source_count(), case.total_events());
        if self.indexed != key {
            self.indexes = build_indexes(case.sources());
            self.indexed = key;
            self.evaluated = None;
        }
    }
}

struct Shard {
    scope: DedicatedWorkerGlobalScope,
    case: RefCell<Case>,
    /// Sources read and not yet committed, in reading order.
    pending: RefCell<Vec<SourceData>>,
    /// Case-wide ids of the committed sources.
    ids: RefCell<Vec<u16>>,
    case_span: Cell<(Option<i64>, Option<i64>)>,
    queue: RefCell<VecDeque<Load>>,
    running: Cell<bool>,
    cancel: Cell<bool>,
    cache: RefCell<QueryCache>,
    investigation: RefCell<investigate::ShardInvestigation>,
}

/// Starts a shard worker: installs the message handler and tells the coordinator it is ready.
pub fn start(scope: DedicatedWorkerGlobalScope) {
    let shard = Rc::new(Shard {
        scope: scope.clone(),
        case: RefCell::new(Case::default()),
        pending: RefCell::new(Vec::new()),
        ids: RefCell::new(Vec::new()),
        case_span: Cell::new((None, None)),
        queue: RefCell::new(VecDeque::new()),
        running: Cell::new(false),
        cancel: Cell::new(false),
        cache: RefCell::new(QueryCache::default()),
        investigation: RefCell::new(investigate::ShardInvestigation::default()),
    });
    let handler = shard.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        handler.clone().on_message(event.data());
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    shard.post(&ShardReply::Ready, None);
}

impl Shard {
    /// The shard's case as a filter sees it.
    fn view<'a>(
        &self,
        case: &'a Case,
        indexes: &'a [SourceIndex],
        filter: &FilterSpec,
    ) -> CaseView<'a> {
        CaseView {
            case_span: Some(self.case_span.get()),
            // Not mined on shards yet: placeholder fields (`tpl.num1`) match nothing here.
            ..CaseView::of_case(case, indexes, &[], &filter.zone)
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
        match request {
            ShardRequest::Load { id, zone, inputs } => {
                let files: Vec<File> = Reflect::get(&data, &"files".into())
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
                self.queue.borrow_mut().push_back(Load {
                    id,
                    zone: Zone::parse(&zone).unwrap_or_default(),
                    inputs,
                });
                if !self.running.get() {
                    self.running.set(true);
                    wasm_bindgen_futures::spawn_local(self.run_queue());
                }
            }
            ShardRequest::Cancel => {
                if self.running.get() {
                    self.cancel.set(true);
                }
                let dropped: Vec<Load> = self.queue.borrow_mut().drain(..).collect();
                for load in dropped {
                    self.post(
                        &ShardReply::LoadDone {
                            id: load.id,
                            inputs: Vec::new(),
                            cancelled: true,
                        },
                        None,
                    );
                }
            }
            ShardRequest::Commit {
                id,
                ids,
                offsets_ns,
                case_span,
            } => {
                let keys = self.commit(ids, offsets_ns, case_span);
                let count = (keys.len() / KEY_BYTES) as u32;
                self.post(&ShardReply::Keys { id, count }, Some(keys));
            }
            other => {
                let (reply, keys) = self.answer(other);
                self.post(&reply, keys);
            }
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
            // Every input goes through the decoder: an archive becomes several sources.
            let (name, modified_ns, size, bytes): (String, Option<i64>, u64, Option<Vec<u8>>) =
                match (&input.kind, &file) {
                    (ShardInputKind::File, Some(f)) => (
                        f.name(),
                        Some((f.last_modified() * 1e6) as i64),
                        f.size() as u64,
                        None,
                    ),
                    (ShardInputKind::Text { name, text }, _) => (
                        name.clone(),
                        None,
                        text.len() as u64,
                        Some(text.as_bytes().to_vec()),
                    ),
                    (ShardInputKind::Demo { index }, _) => {
                        let Some(f) = demo_files.as_ref().and_then(|d| d.get(*index as usize))
                        else {
                            continue;
                        };
                        (
                            f.name.to_string(),
                            Some(f.modified_ns),
                            f.bytes.len() as u64,
                            Some(f.bytes.clone()),
                        )
                    }
                    (ShardInputKind::File, None) => continue,
                };
            pacer.current = name.clone();
            pacer.post(None, true);
            let mut ingest = FileIngest::open(
                &name,
                IngestOptions {
                    zone: load.zone.clone(),
                    modified_ns,
                    size: Some(size),
                },
            );
            let (end, sources) = match (bytes, file) {
                (Some(bytes), _) => (
                    read_bytes(&bytes, &mut ingest, &mut pacer).await,
                    ingest.finish(),
                ),
                (None, Some(file)) => match read_blob(&file, &mut ingest, &mut pacer).await {
                    Ok(end) => (end, ingest.finish()),
                    Err(failed) => {
                        let mut sources = ingest.finish();
                        if let Some(last) = sources.last_mut() {
                            let unreadable = SourceError::Unreadable(failed.0).to_string();
                            last.info.error = Some(match last.info.error.take() {
                                Some(e) => format!("{e}; {unreadable}"),
                                None => unreadable,
                            });
                        }
                        (ReadEnd::Complete, sources)
                    }
                },
                (None, None) => continue,
            };
            if end == ReadEnd::Cancelled {
                cancelled = true;
                break;
            }
            pacer.bytes_before += size;
            pacer.files_done += 1;
            let mut loaded = LoadedInput {
                file: input.file,
                summaries: Vec::new(),
                sources: Vec::new(),
            };
            for data in sources {
                pacer.events_before += data.len() as u64;
                loaded.summaries.push(FileSummary::of(&data));
                if !data.is_empty() || data.info.error.is_none() {
                    loaded.sources.push(SourceFacts {
                        name: data.info.name.clone(),
                        first_ts: data.info.first_ts,
                        last_ts: data.info.last_ts,
                        events: data.len() as u64,
                    });
                    self.pending.borrow_mut().push(data);
                }
            }
            done.push(loaded);
        }
        pacer.post(None, true);
        self.post(
            &ShardReply::LoadDone {
                id: load.id,
                inputs: done,
                cancelled,
            },
            None,
        );
    }

    /// Takes the pending sources into the case under their case-wide ids and re-merges the shard's
    /// timeline; returns its keys, encoded.
    fn commit(
        &self,
        ids: Vec<u16>,
        offsets_ns: Vec<i64>,
        case_span: (Option<i64>, Option<i64>),
    ) -> Vec<u8> {
        let mut case = self.case.borrow_mut();
        for source in self.pending.borrow_mut().drain(..) {
            case.add(source);
        }
        case.set_offsets(Offsets::from_ns(offsets_ns));
        *self.ids.borrow_mut() = ids;
        self.case_span.set(case_span);
        self.cache.borrow_mut().evaluated = None;
        let ids = self.ids.borrow();
        let times = self.sort_times(&case);
        let timeline = case.timeline();
        let mut out = Vec::with_capacity(timeline.len() * KEY_BYTES);
        for p in 0..timeline.len() {
            if let Some(id) = timeline.get(p, false) {
                OrderKey {
                    time: times[id.source as usize][id.event as usize],
                    source: ids.get(id.source as usize).copied().unwrap_or(id.source),
                }
                .encode(&mut out);
            }
        }
        out
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
        let mut cache = self.cache.borrow_mut();
        cache.refresh(&case);
        let view = self.view(&case, &cache.indexes, filter);
        let evaluated = match &cache.evaluated {
            Some(ev) if ev.answers(filter, &view) => ev.clone(),
            _ => Rc::new(Evaluated::new(filter, &view)),
        };
        let out = f(&view, &evaluated);
        cache.evaluated = Some(evaluated);
        out
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
            ShardRequest::Facets {
                id,
                filter,
                top,
                sample,
            } => self.with_evaluated(&filter, |view, ev| ShardReply::Facets {
                id,
                facets: facets(view.sources, &ev.matches, top as usize, sample as usize),
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
                let case = self.case.borrow();
                let ids = self.ids.borrow();
                let answered =
                    self.investigation
                        .borrow_mut()
                        .answer(&case, &ids, &[], (0.0, 0.0), ask);
                match answered {
                    Ok(answer) => ShardReply::Investigated { id, answer },
                    Err(message) => ShardReply::Failed { id, message },
                }
            }
            ShardRequest::Load { id, .. } | ShardRequest::Commit { id, .. } => ShardReply::Failed {
                id,
                message: "misrouted request".into(),
            },
            ShardRequest::Cancel => ShardReply::Failed {
                id: 0,
                message: "misrouted cancel".into(),
            },
        };
        (reply, None)
    }

    fn with_evaluated_first_page(
        &self,
        id: ShardRequestId,
        filter: &FilterSpec,
        take: u32,
    ) -> ShardReply {
        let case = self.case.borrow();
        let mut cache = self.cache.borrow_mut();
        cache.refresh(&case);
        let view = self.view(&case, &cache.indexes, filter);
        let compiled = CompiledFilter::new(filter, &view);
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
            .filter_map(|p| Some((self.key_at(&view, *p)?, compiled.marked_row(&view, *p, 0)?)))
            .collect();
        ShardReply::FirstPage {
            id,
            errors,
            rows,
            complete,
        }
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

impl ShardPacer {
    fn post(&mut self, ingest: Option<&dyn ChunkSink>, force: bool) {
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
}

impl ReadPacer for ShardPacer {
    fn tick(&mut self, ingest: &dyn ChunkSink) {
        self.post(Some(ingest), false);
    }

    fn cancelled(&self) -> bool {
        self.shard.cancel.get()
    }
}
