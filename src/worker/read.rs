//! Reading a `File` (any `Blob`) into a [`FileIngest`] (which opens archives and compressed files and
//! hands every text member to a `SourceIngest`), streaming, inside the worker.
//!
//! The bytes come through a BYOB reader of `Blob.stream()` into one reused `ArrayBuffer` of
//! [`BUFFER_BYTES`]: each read fills what the browser has ready, the buffer goes back to the stream
//! with the next read, and each full buffer is pushed at once. Compared on the 1 GB set against
//! `Blob.slice().arrayBuffer()` in 16 MB slices with three in flight (a fresh 16 MB buffer each),
//! alternated in five sittings on a busy machine: the worker threads spent 0.1-0.5 s less CPU per
//! load in each, "Indexed" came ~0.5 s sooner in two, alike in two, later in one (README, session
//! 7); the gain is small next to that machine's noise. 1 MB and 4 MB buffers did alike, a 16 MB one
//! saved the CPU but less time; `FileReaderSync` reads nothing ahead and was slower still. The
//! browser's own threads copying the file into the stream cost about the same (1.5-2.6 s per GB)
//! whatever the API. The wasm memory itself cannot take a BYOB read: the stream transfers the
//! buffer it reads into, and a `WebAssembly.Memory` buffer cannot be transferred (Chromium rejects
//! the read with a `TypeError`). Where a browser's stream offers no BYOB reader, slices of
//! [`SLICE_BYTES`] are read with [`READS_IN_FLIGHT`] outstanding (a default reader's small chunks
//! left the parser waiting on reads a third of the time).
//!
//! Each piece is copied once, from the browser's buffer straight behind the text the ingest holds
//! (a compressed file or an archive goes through a reused scratch buffer). The file is never read
//! whole and never becomes one string. Every [`YIELD_EVERY_MS`] the read yields to the event loop
//! (so a `Cancel` message is handled) and may report progress.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, MessageChannel, ReadableStreamByobReader, ReadableStreamReadResult};

use crate::engine::decode::FileIngest;
use crate::engine::ingest::{fill_vec, Fill, SourceIngest};
use crate::engine::store::SourceData;

/// Bytes of the reused buffer a stream read fills: one push, and one block of the store, each.
pub const BUFFER_BYTES: usize = 2 << 20;
/// Bytes per slice read where the browser's stream offers no BYOB reader (each slice read costs
/// ~2 ms fixed, so slices are big).
pub const SLICE_BYTES: usize = 16 << 20;
/// Slice reads outstanding at once.
pub const READS_IN_FLIGHT: usize = 3;
/// Longest stretch of work between two yields to the event loop.
pub const YIELD_EVERY_MS: f64 = 50.0;

/// Milliseconds since the epoch, from the JS clock (`std::time` does not work in wasm).
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

thread_local! {
    static PERFORMANCE: Option<web_sys::Performance> =
        js_sys::Reflect::get(&js_sys::global(), &"performance".into())
            .ok()
            .and_then(|p| p.dyn_into::<web_sys::Performance>().ok());
    static STATS: RefCell<Vec<(&'static str, f64)>> = const { RefCell::new(Vec::new()) };
}

/// A fine clock in milliseconds (`performance.now()`), for the load statistics.
pub fn fine_ms() -> f64 {
    PERFORMANCE.with(|p| p.as_ref().map_or_else(now_ms, |p| p.now()))
}

/// Load statistics of this worker: named sums (milliseconds, bytes, counts) kept in the worker and
/// published on its global object as `casefileLoadStats`, where a benchmark or a developer reads
/// them (`scripts/bench-load.mjs` does, through the DevTools protocol). Costs a few clock reads per
/// slice; nothing is posted or printed.
pub mod stats {
    use super::*;

    /// Adds `value` to the sum called `name`.
    pub fn add(name: &'static str, value: f64) {
        STATS.with(|s| {
            let mut s = s.borrow_mut();
            match s.iter_mut().find(|(n, _)| *n == name) {
                Some((_, v)) => *v += value,
                None => s.push((name, value)),
            }
        });
    }

    /// Sets the value called `name`.
    pub fn set(name: &'static str, value: f64) {
        STATS.with(|s| {
            let mut s = s.borrow_mut();
            match s.iter_mut().find(|(n, _)| *n == name) {
                Some((_, v)) => *v = value,
                None => s.push((name, value)),
            }
        });
    }

    /// Runs `f`, adding the milliseconds it took to `name`.
    pub fn time<T>(name: &'static str, f: impl FnOnce() -> T) -> T {
        let t = fine_ms();
        let out = f();
        add(name, fine_ms() - t);
        out
    }

    /// Appends `label` with the time it started (ms on this worker's fine clock) and lasted to the
    /// array `globalThis.casefileTrace`, where a benchmark reads what a worker did and when
    /// (`scripts/bench-query-browser.mjs --stats`). Kept to the last [`TRACE_KEEP`] entries.
    pub fn trace(label: &str, started_ms: f64) {
        let took = fine_ms() - started_ms;
        let global = js_sys::global();
        let array = match js_sys::Reflect::get(&global, &"casefileTrace".into()) {
            Ok(a) if a.is_object() => a.unchecked_into::<js_sys::Array>(),
            _ => {
                let a = js_sys::Array::new();
                let _ = js_sys::Reflect::set(&global, &"casefileTrace".into(), &a);
                a
            }
        };
        if array.length() >= TRACE_KEEP {
            array.shift();
        }
        array.push(&js_sys::Array::of3(
            &label.into(),
            &started_ms.into(),
            &took.into(),
        ));
    }

    /// Entries [`trace`] keeps.
    pub const TRACE_KEEP: u32 = 20_000;

    /// Writes the sums to `globalThis.casefileLoadStats` (with the wasm memory's size now).
    pub fn publish() {
        let memory = wasm_bindgen::memory()
            .dyn_into::<js_sys::WebAssembly::Memory>()
            .map(|m| {
                m.buffer()
                    .unchecked_into::<js_sys::ArrayBuffer>()
                    .byte_length() as f64
            })
            .unwrap_or(0.0);
        set("wasm_memory_bytes", memory);
        let object = js_sys::Object::new();
        STATS.with(|s| {
            for (name, value) in s.borrow().iter() {
                let _ = js_sys::Reflect::set(&object, &(*name).into(), &(*value).into());
            }
        });
        let _ = js_sys::Reflect::set(&js_sys::global(), &"casefileLoadStats".into(), &object);
    }
}

/// Lets the event loop run (pending messages such as `Cancel`) before continuing.
///
/// A message to ourselves through a `MessageChannel` is a task queued at once; `setTimeout(0)` would be
/// clamped to 4 ms after a few nested calls.
pub async fn yield_to_event_loop() {
    let Ok(channel) = MessageChannel::new() else {
        return;
    };
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        channel.port1().set_onmessage(Some(&resolve));
    });
    if channel.port2().post_message(&JsValue::NULL).is_ok() {
        // This promise cannot reject.
        let _ = JsFuture::from(promise).await;
    }
    channel.port1().set_onmessage(None);
}

/// Waits `ms` milliseconds; other messages are handled meanwhile.
pub async fn sleep_ms(ms: f64) {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let _ =
            scope.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms.ceil() as i32);
    });
    // This promise cannot reject.
    let _ = JsFuture::from(promise).await;
}

/// How long investigation asks wait after the last query request or part, in ms: long enough for
/// a query's next part to be asked (on shards: once every shard answered the one before), so the
/// overviews asked after a load do not hold up the query typed meanwhile.
pub const QUERY_QUIET_MS: f64 = 300.0;

/// Investigation asks waiting for a quiet moment between queries: the one worker's and a shard's.
/// The overviews asked after every load (patterns, skew, spikes) take seconds each over a large
/// case, and a query's parts must not wait behind all of them: [`QuietQueue::serve`] works the asks
/// out one at a time, oldest first, with a return to the event loop before each, and not until
/// [`QUERY_QUIET_MS`] after the last query request, so the query requests that arrived meanwhile are
/// answered first and a query typed while an ask runs waits for that one ask at most.
pub struct QuietQueue<T> {
    items: RefCell<VecDeque<T>>,
    /// Whether a task serving the queue is running.
    serving: Cell<bool>,
}

impl<T> Default for QuietQueue<T> {
    fn default() -> Self {
        QuietQueue {
            items: RefCell::new(VecDeque::new()),
            serving: Cell::new(false),
        }
    }
}

impl<T> QuietQueue<T> {
    /// Queues `item`; true when no task serves the queue yet, so the caller must start
    /// [`QuietQueue::serve`].
    pub fn push(&self, item: T) -> bool {
        self.items.borrow_mut().push_back(item);
        !self.serving.replace(true)
    }

    /// Answers the queued items with `answer` as described on [`QuietQueue`], until none is left;
    /// `last_query_ms` says when the last query request came, and `ready` whether the oldest item
    /// can be answered yet (an ask about templates waits for the mining after a load: until then
    /// the queue waits, looking again every [`YIELD_EVERY_MS`], and keeps the order of the asks).
    pub async fn serve(
        &self,
        last_query_ms: impl Fn() -> f64,
        ready: impl Fn(&T) -> bool,
        answer: impl Fn(T),
    ) {
        loop {
            yield_to_event_loop().await;
            let quiet = now_ms() - last_query_ms();
            if quiet < QUERY_QUIET_MS {
                sleep_ms(QUERY_QUIET_MS - quiet).await;
                continue;
            }
            if !self.items.borrow().front().is_none_or(&ready) {
                sleep_ms(YIELD_EVERY_MS).await;
                continue;
            }
            let next = self.items.borrow_mut().pop_front();
            let Some(item) = next else { break };
            answer(item);
        }
        self.serving.set(false);
    }

    /// Answers every queued item at once (before a commit or a load changes what they are about).
    pub fn answer_all_now(&self, answer: impl Fn(T)) {
        loop {
            let next = self.items.borrow_mut().pop_front();
            let Some(item) = next else { break };
            answer(item);
        }
    }
}

/// Where the bytes read go: a [`FileIngest`] for files, a [`SourceIngest`] for text already known
/// to be one source.
pub trait ChunkSink {
    fn push(&mut self, chunk: &[u8]);
    /// Pushes `len` bytes written by `fill`, straight into the ingest's buffer where it can
    /// ([`FileIngest::push_filled`]); `scratch` is used otherwise.
    fn push_filled(&mut self, len: usize, scratch: &mut Vec<u8>, fill: Fill<'_>) {
        self.push(fill_vec(scratch, len, fill))
    }
    /// Bytes pushed so far.
    fn bytes_read(&self) -> u64;
    /// Events recognised so far (for progress reports).
    fn events_so_far(&self) -> usize;
    /// The events of the file's one text source stored so far, when it has one (to mine them while
    /// the rest is read).
    fn stored(&self) -> Option<&SourceData> {
        None
    }
}

impl ChunkSink for FileIngest {
    fn push(&mut self, chunk: &[u8]) {
        FileIngest::push(self, chunk)
    }
    fn push_filled(&mut self, len: usize, scratch: &mut Vec<u8>, fill: Fill<'_>) {
        FileIngest::push_filled(self, len, scratch, fill)
    }
    fn stored(&self) -> Option<&SourceData> {
        FileIngest::stored(self)
    }
    fn bytes_read(&self) -> u64 {
        FileIngest::bytes_read(self)
    }
    fn events_so_far(&self) -> usize {
        FileIngest::events_so_far(self)
    }
}

impl ChunkSink for SourceIngest {
    fn push(&mut self, chunk: &[u8]) {
        SourceIngest::push(self, chunk)
    }
    fn push_filled(&mut self, len: usize, scratch: &mut Vec<u8>, fill: Fill<'_>) {
        SourceIngest::push_filled(self, len, scratch, fill)
    }
    fn stored(&self) -> Option<&SourceData> {
        Some(SourceIngest::stored(self))
    }
    fn bytes_read(&self) -> u64 {
        SourceIngest::bytes_read(self)
    }
    fn events_so_far(&self) -> usize {
        SourceIngest::events_so_far(self)
    }
}

/// What the reader asks of its caller while reading.
pub trait ReadPacer {
    /// Called after each yield to the event loop, with the ingest as it is now.
    fn tick(&mut self, ingest: &dyn ChunkSink);
    /// Whether the read should stop (checked after each yield).
    fn cancelled(&self) -> bool;
}

/// How a read ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadEnd {
    /// Every byte was pushed.
    Complete,
    /// The pacer asked to stop; some bytes were not read.
    Cancelled,
}

/// Why a read failed: a sentence from the browser's error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ReadFailed(pub String);

fn js_error_text(err: &JsValue) -> String {
    if let Some(e) = err.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    err.as_string()
        .unwrap_or_else(|| "the browser refused to read it".to_string())
}

/// How [`read_blob_with`] reads the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMethod {
    /// A BYOB reader of `Blob.stream()` filling one reused buffer (slices where the browser's stream
    /// offers no such reader).
    Stream,
    /// `Blob.slice().arrayBuffer()`, [`READS_IN_FLIGHT`] at once.
    Slices,
}

/// How [`read_blob_with`] reads; [`read_blob`] uses the defaults.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Bytes of the buffer a stream read fills ([`ReadMethod::Stream`]).
    pub buffer_bytes: usize,
    /// Bytes per slice ([`ReadMethod::Slices`], and where the stream offers no BYOB reader).
    pub slice_bytes: usize,
    pub yield_every_ms: f64,
    pub method: ReadMethod,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            buffer_bytes: BUFFER_BYTES,
            slice_bytes: SLICE_BYTES,
            yield_every_ms: YIELD_EVERY_MS,
            method: ReadMethod::Stream,
        }
    }
}

/// Reads `blob` into `ingest` (which the caller then finishes), slice by slice.
pub async fn read_blob(
    blob: &Blob,
    ingest: &mut dyn ChunkSink,
    pacer: &mut dyn ReadPacer,
) -> Result<ReadEnd, ReadFailed> {
    read_blob_with(blob, ingest, pacer, ReadOptions::default()).await
}

/// [`read_blob`] with other slice sizes, yield intervals or methods (tests use small slices).
pub async fn read_blob_with(
    blob: &Blob,
    ingest: &mut dyn ChunkSink,
    pacer: &mut dyn ReadPacer,
    options: ReadOptions,
) -> Result<ReadEnd, ReadFailed> {
    let mut pace = Pace {
        options,
        scratch: Vec::new(),
        last_yield: now_ms(),
    };
    let byob = match options.method {
        ReadMethod::Stream => ReadableStreamByobReader::new(&blob.stream()).ok(),
        ReadMethod::Slices => None,
    };
    let end = match byob {
        Some(reader) => read_stream(&reader, ingest, pacer, &mut pace).await,
        None => read_slices(blob, ingest, pacer, &mut pace).await,
    }?;
    stats::publish();
    Ok(end)
}

/// Fills one buffer of `buffer_bytes` after another from a BYOB reader of the blob's stream, each
/// pushed at once. The buffer goes to the stream with each read and comes back with its bytes (a
/// read fills what the browser has ready, so a buffer takes many reads).
async fn read_stream(
    reader: &ReadableStreamByobReader,
    ingest: &mut dyn ChunkSink,
    pacer: &mut dyn ReadPacer,
    pace: &mut Pace,
) -> Result<ReadEnd, ReadFailed> {
    let capacity = pace.options.buffer_bytes.clamp(1, u32::MAX as usize) as u32;
    let mut buffer = js_sys::ArrayBuffer::new(capacity);
    loop {
        let t0 = fine_ms();
        let mut filled = 0u32;
        let mut done = false;
        while filled < capacity {
            let view =
                Uint8Array::new_with_byte_offset_and_length(&buffer, filled, capacity - filled);
            let result = JsFuture::from(reader.read_with_array_buffer_view(&view))
                .await
                .map_err(|e| ReadFailed(js_error_text(&e)))?;
            stats::add("reads", 1.0);
            let result: ReadableStreamReadResult = result.unchecked_into();
            if let Some(value) = result.get_value().dyn_ref::<Uint8Array>() {
                buffer = value.buffer();
                filled += value.byte_length();
            }
            if result.get_done().unwrap_or(true) {
                done = true;
                break;
            }
        }
        let waited = fine_ms() - t0;
        if filled > 0 {
            let piece = Uint8Array::new_with_byte_offset_and_length(&buffer, 0, filled);
            if pace.push(ingest, pacer, &piece, waited).await {
                // Tells the browser to stop reading; nothing waits for it.
                let _ = reader.cancel();
                return Ok(ReadEnd::Cancelled);
            }
        }
        if done {
            return Ok(ReadEnd::Complete);
        }
    }
}

/// Reads `Blob.slice().arrayBuffer()` after another, [`READS_IN_FLIGHT`] outstanding so the
/// browser reads ahead while the worker parses.
async fn read_slices(
    blob: &Blob,
    ingest: &mut dyn ChunkSink,
    pacer: &mut dyn ReadPacer,
    pace: &mut Pace,
) -> Result<ReadEnd, ReadFailed> {
    let size = blob.size();
    let mut in_flight: VecDeque<JsFuture> = VecDeque::with_capacity(READS_IN_FLIGHT);
    let mut next_start = 0.0f64;
    loop {
        // Keep the browser reading ahead while this slice is parsed.
        while in_flight.len() < READS_IN_FLIGHT && next_start < size {
            let end = (next_start + pace.options.slice_bytes.max(1) as f64).min(size);
            let slice = blob
                .slice_with_f64_and_f64(next_start, end)
                .map_err(|e| ReadFailed(js_error_text(&e)))?;
            in_flight.push_back(JsFuture::from(slice.array_buffer()));
            next_start = end;
        }
        let Some(read) = in_flight.pop_front() else {
            return Ok(ReadEnd::Complete);
        };
        let t0 = fine_ms();
        let buffer = read.await.map_err(|e| ReadFailed(js_error_text(&e)))?;
        let waited = fine_ms() - t0;
        if pace
            .push(ingest, pacer, &Uint8Array::new(&buffer), waited)
            .await
        {
            return Ok(ReadEnd::Cancelled);
        }
    }
}

/// What both read methods do with each piece read: push it, count it, and yield to the event loop
/// every [`ReadOptions::yield_every_ms`].
struct Pace {
    options: ReadOptions,
    scratch: Vec<u8>,
    last_yield: f64,
}

impl Pace {
    /// Pushes `piece` (read after waiting `waited_ms`); true when the pacer asked to stop.
    async fn push(
        &mut self,
        ingest: &mut dyn ChunkSink,
        pacer: &mut dyn ReadPacer,
        piece: &Uint8Array,
        waited_ms: f64,
    ) -> bool {
        let t1 = fine_ms();
        let len = piece.length() as usize;
        // The piece is copied once, from the browser's buffer into the ingest's (see push_filled);
        // the copy is timed inside the push.
        let mut copy_ms = 0.0;
        ingest.push_filled(len, &mut self.scratch, &mut |space| {
            let t = fine_ms();
            let written = piece.copy_to_uninit(space);
            copy_ms = fine_ms() - t;
            written
        });
        let t3 = fine_ms();
        stats::add("read_wait_ms", waited_ms);
        stats::add("read_copy_ms", copy_ms);
        stats::add("push_ms", t3 - t1 - copy_ms);
        stats::add("slices", 1.0);
        stats::add("bytes", len as f64);
        if now_ms() - self.last_yield >= self.options.yield_every_ms {
            yield_to_event_loop().await;
            self.last_yield = now_ms();
            pacer.tick(&*ingest);
            if pacer.cancelled() {
                return true;
            }
            stats::add("yield_tick_ms", fine_ms() - t3);
        }
        false
    }
}

/// Pushes bytes already in memory (pasted text, the demo) in slices, pacing like [`read_blob`].
pub async fn read_bytes(
    bytes: &[u8],
    ingest: &mut dyn ChunkSink,
    pacer: &mut dyn ReadPacer,
) -> ReadEnd {
    let mut last_yield = now_ms();
    for piece in bytes.chunks(1 << 20) {
        ingest.push(piece);
        if now_ms() - last_yield >= YIELD_EVERY_MS {
            yield_to_event_loop().await;
            last_yield = now_ms();
            pacer.tick(&*ingest);
            if pacer.cancelled() {
                return ReadEnd::Cancelled;
            }
        }
    }
    ReadEnd::Complete
}
