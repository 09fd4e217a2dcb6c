//! Field columns: a cache of extracted field values, built on the first query that reads a field,
//! so every later test of that field is a scan of small integers instead of a parse of the text.
//!
//! Fields are read from the text on demand ([`crate::engine::fields`]), which costs a parse of every
//! candidate event for each query (`status>=500` reads the status of every access-log line, then
//! again for the next query). A [`FieldColumn`] keeps what that reading found, per chunk of
//! [`CHUNK_EVENTS`] events:
//! - a dictionary of the chunk's distinct values (one string, cut by offsets) and one code per
//!   event (`u8` when the chunk has fewer than 256 distinct values, else `u16`; 0 = no such field);
//! - a query tests each distinct value once and then keeps the events whose code passed, so a chunk
//!   where no value passes (a per-chunk summary of the values) costs a table of a few entries.
//!
//! Design choices (see `benches/query.rs` and scripts/bench-query.sh for the figures):
//! - Lazy and per chunk: ingest stays as fast as before; a chunk is built the first time a query
//!   reads the field over many of its events (a query left with few candidates reads them from the
//!   text instead), and threads evaluating different ranges build different chunks at once.
//! - Bounded memory: a chunk whose dictionary would cost more than [`MAX_CHUNK_BYTES_PER_EVENT`]
//!   (ids, free text, amounts with cents) is not kept, and its events are read from the text as
//!   before (the token index serves id lookups); when the first chunk tried is such, the field is
//!   marked too varied and no more chunks are tried (a field of a few values keeps its other chunks
//!   when one stretch, such as an incident's latencies, has too many). All columns of a source share
//!   a budget of [`CACHE_BYTES_PER_EVENT`]; the least recently used column is dropped beyond it.
//!   [`FieldColumns::overhead_bytes`] is reported with the other memory figures.
//! - Exact: a chunk holds exactly what [`FieldReader::get`] returns for each event (JSON keys are
//!   found with a substring search and read in place when that is safe, as the text path does), so
//!   results never depend on whether a column was built.
//! - A field whose name is written in the text of every event having it (JSON keys, `key=value`
//!   pairs) is only read from the events of the index groups whose token filter holds the name's
//!   words ([`FieldColumns::chunk_using`]): `status` in a JSON log without it, or `latency_ms` in
//!   an access log, costs a filter lookup per 128 events instead of a text search per event.
//! - The cache lives in the source's [`crate::engine::index::SourceIndex`] (built once per case and
//!   kept by the worker) and covers the source's events from that index's first one to the end,
//!   however far its token filters reach yet: the background warm-up extends the filters step by
//!   step after a load, and a column a query built meanwhile stays built.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use memchr::memmem::Finder;
use rustc_hash::FxHashMap;

use crate::engine::fields::{json_value_at_key, FieldReader};
use crate::engine::index::SourceIndex;
use crate::engine::query::eval::EventSet;
use crate::engine::query::plan::tokens_of;
use crate::engine::store::SourceData;

/// Events per chunk of a column (a multiple of 128, so chunks hold whole index groups).
pub const CHUNK_EVENTS: usize = 1 << 16;
/// Most bytes a chunk may cost per event (codes and dictionary); a more varied field is not cached.
pub const MAX_CHUNK_BYTES_PER_EVENT: usize = 6;
/// Bytes per event all columns of one source may use together.
pub const CACHE_BYTES_PER_EVENT: usize = 8;

/// The codes of a chunk, one per event.
#[derive(Debug)]
enum Codes {
    U8(Box<[u8]>),
    U16(Box<[u16]>),
}

/// The values of one field over one chunk of events.
#[derive(Debug)]
pub struct Chunk {
    /// The distinct values, concatenated; value `c` (codes start at 1) is `text[ends[c-1]..ends[c]]`.
    text: String,
    ends: Box<[u32]>,
    codes: Codes,
}

impl Chunk {
    /// Number of distinct values.
    pub fn distinct(&self) -> usize {
        self.ends.len() - 1
    }

    /// Distinct value `code` (1-based).
    pub fn value(&self, code: usize) -> &str {
        &self.text[self.ends[code - 1] as usize..self.ends[code] as usize]
    }

    /// The code of the chunk's `i`-th event (0 when it lacks the field).
    #[inline]
    pub fn code(&self, i: usize) -> usize {
        match &self.codes {
            Codes::U8(c) => c[i] as usize,
            Codes::U16(c) => c[i] as usize,
        }
    }

    /// Which codes pass `test`, indexed by code (code 0, no field, never passes).
    pub fn passing(&self, test: &dyn Fn(&str) -> bool) -> Vec<bool> {
        let mut out = Vec::with_capacity(self.ends.len());
        out.push(false);
        out.extend((1..=self.distinct()).map(|c| test(self.value(c))));
        out
    }

    fn bytes(&self) -> usize {
        let codes = match &self.codes {
            Codes::U8(c) => c.len(),
            Codes::U16(c) => c.len() * 2,
        };
        self.text.len() + self.ends.len() * 4 + codes + std::mem::size_of::<Chunk>()
    }
}

/// Substring searches that find a field's name in raw text.
struct NameFinders {
    /// `"name"`: the JSON key.
    json_key: Finder<'static>,
    /// `name=`: a `key=value` pair (in a JSON message string, or anywhere in text formats).
    pair: Finder<'static>,
    /// The name's last part (after the last dot), which every event with the field contains in
    /// formats whose names are in the text.
    last: Option<Finder<'static>>,
}

impl NameFinders {
    fn new(name: &str) -> Self {
        let last = name.rsplit('.').next().filter(|l| !l.is_empty());
        NameFinders {
            json_key: Finder::new(format!("\"{name}\"").as_bytes()).into_owned(),
            pair: Finder::new(format!("{name}=").as_bytes()).into_owned(),
            last: last.map(|l| Finder::new(l.as_bytes()).into_owned()),
        }
    }
}

/// The cached values of one field over the events of a [`FieldColumns`].
pub struct FieldColumn {
    name: String,
    finders: NameFinders,
    /// The words of the name (lowercase), which the text of an event having the field holds as
    /// whole tokens where [`FieldReader::name_in_text`] (a JSON key is quoted, a pair's key starts
    /// after a separator and ends at `=`).
    tokens: Vec<String>,
    chunks: Vec<OnceLock<Option<Chunk>>>,
    /// The first chunk tried had too many distinct values: no more chunks are built.
    too_varied: AtomicBool,
    /// Chunks kept so far.
    kept: AtomicUsize,
    bytes: AtomicUsize,
}

impl FieldColumn {
    fn new(name: &str, chunks: usize) -> Self {
        FieldColumn {
            name: name.to_string(),
            finders: NameFinders::new(name),
            tokens: tokens_of(name),
            chunks: (0..chunks).map(|_| OnceLock::new()).collect(),
            too_varied: AtomicBool::new(false),
            kept: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value of the field in one event's text, exactly as [`FieldReader::get`] reads it, with
    /// substring searches ruling out events that cannot have it before any parsing.
    pub fn extract<'t>(&self, reader: &FieldReader, text: &'t [u8]) -> Option<Cow<'t, str>> {
        let f = &self.finders;
        if reader.is_json() && !self.name.contains('.') {
            // A top-level key is `"name"` in the text; a pair in a message string is `name=`.
            // Both hold the name: one search rules out the events that have neither (most, for a
            // field the source lacks), and the others are searched from the name's first place on.
            let from = match &f.last {
                Some(name) => name.find(text)?.saturating_sub(1),
                None => 0,
            };
            let rest = &text[from..];
            match f.json_key.find(rest) {
                Some(at) => {
                    let key = from + at..from + at + f.json_key.needle().len();
                    if let Some(v) = json_value_at_key(text, key) {
                        return Some(v);
                    }
                }
                None if f.pair.find(rest).is_none() => return None,
                None => {}
            }
        } else if reader.name_in_text(&self.name) {
            if let Some(last) = &f.last {
                last.find(text)?;
            }
        }
        reader.get(text, &self.name)
    }

    fn build_chunk(
        &self,
        source: &SourceData,
        reader: &FieldReader,
        events: Range<usize>,
        index: Option<&SourceIndex>,
    ) -> Option<Chunk> {
        let n = events.len();
        let limit = MAX_CHUNK_BYTES_PER_EVENT * n;
        let mut codes: Vec<u16> = Vec::with_capacity(n);
        let mut text = String::new();
        let mut ends: Vec<u32> = vec![0];
        let mut seen = Dictionary::default();
        // The events that may have the field: those of groups whose filter holds the name's words.
        let candidates = index
            .filter(|_| !self.tokens.is_empty() && reader.name_in_text(&self.name))
            .map(|index| index.candidates(&self.tokens, EventSet::full(events.clone())));
        for (e, event) in events.clone().zip(source.texts(events)) {
            if candidates.as_ref().is_some_and(|c| !c.contains(e)) {
                codes.push(0);
                continue;
            }
            let code = match self.extract(reader, event) {
                None => 0,
                Some(v) => match seen.get(&v) {
                    Some(c) => c,
                    None => {
                        let too_many = ends.len() > u16::MAX as usize;
                        let cost = text.len() + v.len() + (ends.len() + 1) * 4 + 2 * n;
                        if too_many || cost > limit {
                            return None;
                        }
                        text.push_str(&v);
                        ends.push(text.len() as u32);
                        let c = (ends.len() - 1) as u16;
                        seen.insert(v, c);
                        c
                    }
                },
            };
            codes.push(code);
        }
        let codes = if ends.len() <= 256 {
            Codes::U8(codes.into_iter().map(|c| c as u8).collect())
        } else {
            Codes::U16(codes.into_boxed_slice())
        };
        text.shrink_to_fit();
        Some(Chunk {
            text,
            ends: ends.into_boxed_slice(),
            codes,
        })
    }
}

/// The codes given to a chunk's distinct values while it is built. Values of up to 7 bytes (a
/// status, a latency, a level: what columns mostly hold) are keyed by one integer, so finding them
/// hashes and compares a word instead of a string.
#[derive(Default)]
struct Dictionary<'t> {
    short: FxHashMap<u64, u16>,
    long: FxHashMap<Cow<'t, str>, u16>,
}

impl<'t> Dictionary<'t> {
    /// `value`'s bytes and length in one word, when it has at most 7 bytes.
    #[inline]
    fn short_key(value: &str) -> Option<u64> {
        let bytes = value.as_bytes();
        // Built in a register: bytes copied into a stack word and read back as one would wait
        // for the copy to land (a store-forwarding stall costing more than the lookup).
        (bytes.len() < 8).then(|| {
            let len = (bytes.len() as u64) << 56;
            bytes
                .iter()
                .enumerate()
                .fold(len, |word, (i, b)| word | (*b as u64) << (8 * i))
        })
    }

    #[inline]
    fn get(&self, value: &str) -> Option<u16> {
        match Self::short_key(value) {
            Some(key) => self.short.get(&key).copied(),
            None => self.long.get(value).copied(),
        }
    }

    fn insert(&mut self, value: Cow<'t, str>, code: u16) {
        match Self::short_key(&value) {
            Some(key) => self.short.insert(key, code),
            None => self.long.insert(value, code),
        };
    }
}

/// The field columns of one source's events `range` (the range of its token index).
pub struct FieldColumns {
    range: Range<usize>,
    /// Columns in order of use, the most recent last.
    columns: Mutex<Vec<Arc<FieldColumn>>>,
    budget: usize,
    /// Events per chunk ([`CHUNK_EVENTS`]; smaller in tests).
    chunk_events: usize,
}

impl Default for FieldColumns {
    fn default() -> Self {
        FieldColumns::new(0..0)
    }
}

impl Clone for FieldColumns {
    /// An empty cache over the same events (columns are rebuilt on demand).
    fn clone(&self) -> Self {
        FieldColumns::new(self.range.clone())
    }
}

impl std::fmt::Debug for FieldColumns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldColumns")
            .field("range", &self.range)
            .field("fields", &self.fields())
            .field("bytes", &self.overhead_bytes())
            .finish()
    }
}

impl FieldColumns {
    /// An empty cache for the events `range` of a source.
    pub fn new(range: Range<usize>) -> Self {
        FieldColumns {
            budget: CACHE_BYTES_PER_EVENT * range.len(),
            range,
            columns: Mutex::new(Vec::new()),
            chunk_events: CHUNK_EVENTS,
        }
    }

    /// The events covered.
    pub fn range(&self) -> Range<usize> {
        self.range.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Arc<FieldColumn>>> {
        // A panic while holding the lock leaves a list that is still whole: keep using it.
        self.columns.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The column of field `name` (empty until chunks are built), marked as the most recently used.
    pub fn column(&self, name: &str) -> Arc<FieldColumn> {
        let mut columns = self.lock();
        let column = match columns.iter().position(|c| c.name == name) {
            Some(i) => columns.remove(i),
            None => Arc::new(FieldColumn::new(
                name,
                self.range.len().div_ceil(self.chunk_events),
            )),
        };
        columns.push(column.clone());
        column
    }

    /// Whether field `name` is cached (or known too varied) over every chunk overlapping `events`.
    pub fn ready(&self, name: &str, events: Range<usize>) -> bool {
        let columns = self.lock();
        let Some(column) = columns.iter().find(|c| c.name == name) else {
            return false;
        };
        column.too_varied.load(Ordering::Relaxed)
            || self
                .chunks_over(events)
                .all(|(k, _)| column.chunks.get(k).is_some_and(|c| c.get().is_some()))
    }

    /// The chunks overlapping `events`, as `(chunk number, its events)`.
    pub fn chunks_over(&self, events: Range<usize>) -> impl Iterator<Item = (usize, Range<usize>)> {
        let lo = events.start.max(self.range.start);
        let hi = events.end.min(self.range.end);
        let base = self.range.start;
        let end = self.range.end;
        let size = self.chunk_events;
        let first = lo.saturating_sub(base) / size;
        let last = if hi > lo {
            (hi - base).div_ceil(size)
        } else {
            first
        };
        (first..last).map(move |k| {
            let s = base + k * size;
            (k, s..(s + size).min(end))
        })
    }

    /// Chunk `k` of `column`: the one built before, or (when `build`) built now from the text.
    /// `None` when it is not built, or the field is too varied to cache.
    pub fn chunk<'c>(
        &self,
        column: &'c FieldColumn,
        k: usize,
        source: &SourceData,
        reader: &FieldReader,
        build: bool,
    ) -> Option<&'c Chunk> {
        self.build_or_get(column, k, source, reader, None, build)
    }

    /// [`FieldColumns::chunk`], built (when it must be) reading only the events of the groups of
    /// `index` (the source's token index, as far as it is built) whose filter holds the words of
    /// the field's name, when every event having the field has them: the others lack the field.
    pub fn chunk_using<'c>(
        &self,
        column: &'c FieldColumn,
        k: usize,
        source: &SourceData,
        reader: &FieldReader,
        index: &SourceIndex,
        build: bool,
    ) -> Option<&'c Chunk> {
        self.build_or_get(column, k, source, reader, Some(index), build)
    }

    fn build_or_get<'c>(
        &self,
        column: &'c FieldColumn,
        k: usize,
        source: &SourceData,
        reader: &FieldReader,
        index: Option<&SourceIndex>,
        build: bool,
    ) -> Option<&'c Chunk> {
        let cell = column.chunks.get(k)?;
        if let Some(built) = cell.get() {
            return built.as_ref();
        }
        if !build || column.too_varied.load(Ordering::Relaxed) {
            return None;
        }
        let s = self.range.start + k * self.chunk_events;
        let events = s..(s + self.chunk_events).min(self.range.end);
        let mut built_here = false;
        let chunk = cell
            .get_or_init(|| {
                built_here = true;
                let chunk = column.build_chunk(source, reader, events, index);
                match &chunk {
                    Some(c) => {
                        column.kept.fetch_add(1, Ordering::Relaxed);
                        column.bytes.fetch_add(c.bytes(), Ordering::Relaxed);
                    }
                    None if column.kept.load(Ordering::Relaxed) == 0 => {
                        column.too_varied.store(true, Ordering::Relaxed)
                    }
                    None => {}
                }
                chunk
            })
            .as_ref();
        if built_here {
            self.keep_within_budget(&column.name);
        }
        chunk
    }

    /// Number of chunks a column of these events has.
    pub fn chunk_count(&self) -> usize {
        self.range.len().div_ceil(self.chunk_events)
    }

    /// Builds the chunks `chunks` of field `name` ahead of any query that reads it (chunks built
    /// before are kept), so the first such query reads codes instead of the text. Results are the
    /// same either way ([`FieldColumns::chunk`] builds the same chunk lazily).
    ///
    /// Returns `false` when it stopped because the cache has no room left for another chunk of
    /// this field (its bytes per event so far, at least one, times the chunk's events): later
    /// fields should not be tried, since building them would only push out columns built before.
    /// A field found too varied to cache returns `true` (nothing more to do for it).
    pub fn prebuild(
        &self,
        name: &str,
        chunks: Range<usize>,
        source: &SourceData,
        reader: &FieldReader,
    ) -> bool {
        let column = self.column(name);
        for k in chunks {
            if column.too_varied.load(Ordering::Relaxed) {
                return true;
            }
            let Some(cell) = column.chunks.get(k) else {
                return true;
            };
            if cell.get().is_some() {
                continue;
            }
            let kept = column.kept.load(Ordering::Relaxed);
            let per_event = if kept == 0 {
                1
            } else {
                (column.bytes.load(Ordering::Relaxed) / (kept * self.chunk_events)).max(1)
            };
            if self.used_bytes() + per_event * self.chunk_events > self.budget {
                return false;
            }
            self.chunk(&column, k, source, reader, true);
        }
        true
    }

    fn used_bytes(&self) -> usize {
        self.lock()
            .iter()
            .map(|c| c.bytes.load(Ordering::Relaxed))
            .sum()
    }

    /// Drops the least recently used columns (never `keep`) while the cache is over its budget.
    fn keep_within_budget(&self, keep: &str) {
        let mut columns = self.lock();
        let mut total: usize = columns
            .iter()
            .map(|c| c.bytes.load(Ordering::Relaxed))
            .sum();
        let mut i = 0;
        while total > self.budget && i < columns.len() {
            if columns[i].name == keep {
                i += 1;
                continue;
            }
            total -= columns.remove(i).bytes.load(Ordering::Relaxed);
        }
    }

    /// Forgets every column (the next query builds again).
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Names of the fields with a column, least recently used first.
    pub fn fields(&self) -> Vec<String> {
        self.lock().iter().map(|c| c.name.clone()).collect()
    }

    /// Bytes used by the built chunks, for memory reports.
    pub fn overhead_bytes(&self) -> usize {
        self.lock()
            .iter()
            .map(|c| c.bytes.load(Ordering::Relaxed) + std::mem::size_of::<FieldColumn>())
            .sum()
    }
}

/// The fields worth building columns for ahead of queries: those present in more than half of
/// about `sample` events spread over `events` of `source`, at most `max`, the cheapest to keep
/// first (fewest distinct values in the sample, then the most common, then by name). Fields whose
/// sampled values are mostly distinct (ids, messages, timestamps) are left out: their columns
/// would not be kept. Columns share the cache's budget, so a few fields of few values that nearly
/// every event has (an access log's status, a JSON log's service) are what pays off.
pub fn common_fields(
    source: &SourceData,
    reader: &FieldReader,
    events: Range<usize>,
    sample: usize,
    max: usize,
) -> Vec<String> {
    let events = events.start.min(source.len())..events.end.min(source.len());
    if events.is_empty() || sample == 0 {
        return Vec::new();
    }
    let step = events.len().div_ceil(sample).max(1);
    // Per field: events having it, and its distinct values.
    let mut counts: FxHashMap<String, (usize, rustc_hash::FxHashSet<String>)> =
        FxHashMap::default();
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut sampled = 0usize;
    for e in events.step_by(step) {
        sampled += 1;
        seen.clear();
        reader.for_each(source.text(e), &mut |key, value| {
            if !seen.iter().any(|(k, _)| k == key) {
                seen.push((key.to_string(), value.into_owned()));
            }
            true
        });
        for (key, value) in seen.drain(..) {
            let entry = counts.entry(key).or_default();
            entry.0 += 1;
            entry.1.insert(value);
        }
    }
    let mut common: Vec<(String, usize, usize)> = counts
        .into_iter()
        .map(|(name, (n, values))| (name, n, values.len()))
        .filter(|(_, n, distinct)| 2 * n > sampled && 2 * distinct <= *n)
        .collect();
    common.sort_by(|a, b| (a.2, b.1, &a.0).cmp(&(b.2, a.1, &b.0)));
    common.truncate(max);
    common.into_iter().map(|(name, _, _)| name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};

    fn json_source(events: usize) -> SourceData {
        let mut text = String::new();
        for i in 0..events {
            let status = [200, 200, 502, 404][i % 4];
            text.push_str(&format!(
                "{{\"ts\":\"2026-07-03T09:00:00Z\",\"status\":{status},\"id\":\"req{i:06}\",\"msg\":\"done took={}\"}}\n",
                i % 7
            ));
        }
        ingest_bytes("app.jsonl", text.as_bytes(), IngestOptions::default())
    }

    #[test]
    fn chunks_hold_what_the_reader_reads() {
        let source = json_source(CHUNK_EVENTS + 100);
        let reader = FieldReader::for_source(&source);
        let columns = FieldColumns::new(0..source.len());
        assert_eq!(columns.chunks_over(0..source.len()).count(), 2);
        for name in ["status", "took", "missing"] {
            let column = columns.column(name);
            for (k, events) in columns.chunks_over(0..source.len()) {
                let chunk = columns
                    .chunk(&column, k, &source, &reader, true)
                    .expect("few distinct values: cached");
                for (i, e) in events.clone().enumerate() {
                    let want = reader.get(source.text(e), name);
                    let code = chunk.code(i);
                    let got = (code > 0).then(|| chunk.value(code));
                    assert_eq!(got, want.as_deref(), "{name} of event {e}");
                }
            }
        }
        let status = columns.column("status");
        let chunk = columns.chunk(&status, 0, &source, &reader, false).unwrap();
        assert_eq!(chunk.distinct(), 3);
        let passing = chunk.passing(&|v| v == "502");
        assert_eq!(passing.iter().filter(|p| **p).count(), 1);
        // Three fields of few values (one of them never present): a byte per event each.
        assert!(columns.overhead_bytes() <= 3 * source.len() + 4096);
    }

    #[test]
    fn chunks_built_using_the_index_equal_those_read_from_every_event() {
        // `took` and a pair inside the message in the first 200 of 2000 events only.
        let mut text = String::new();
        for i in 0..2000 {
            let (took, pair) = if i < 200 {
                (format!(",\"took\":{}", i % 5), " user=bob")
            } else {
                (String::new(), "")
            };
            text.push_str(&format!(
                "{{\"ts\":\"2026-07-03T09:00:00Z\",\"stat\":{}{took},\"msg\":\"done{pair}\"}}\n",
                i % 3
            ));
        }
        let source = ingest_bytes("app.jsonl", text.as_bytes(), IngestOptions::default());
        let reader = FieldReader::for_source(&source);
        let index = SourceIndex::build(&source, 0..source.len());
        let plain = FieldColumns::new(0..source.len());
        for name in ["took", "user", "stat", "status", "missing"] {
            let (a, b) = (index.columns().column(name), plain.column(name));
            let using = index
                .columns()
                .chunk_using(&a, 0, &source, &reader, &index, true)
                .expect("few values");
            let read_all = plain
                .chunk(&b, 0, &source, &reader, true)
                .expect("few values");
            let values = |c: &Chunk| -> Vec<Option<String>> {
                (0..source.len())
                    .map(|i| (c.code(i) > 0).then(|| c.value(c.code(i)).to_string()))
                    .collect()
            };
            assert_eq!(values(using), values(read_all), "{name}");
            let present = values(using).iter().filter(|v| v.is_some()).count();
            let expected = match name {
                "took" | "user" => 200,
                "stat" => 2000,
                _ => 0,
            };
            assert_eq!(present, expected, "{name}");
        }
    }

    #[test]
    fn varied_fields_are_not_cached_and_the_budget_holds() {
        let source = json_source(4000);
        let reader = FieldReader::for_source(&source);
        let columns = FieldColumns::new(0..source.len());
        let ids = columns.column("id");
        assert!(columns.chunk(&ids, 0, &source, &reader, true).is_none());
        assert!(ids.too_varied.load(Ordering::Relaxed));
        assert_eq!(ids.bytes.load(Ordering::Relaxed), 0);
        // A budget that holds one column: using another drops the older one.
        let tight = FieldColumns {
            budget: 1500,
            ..FieldColumns::new(0..source.len())
        };
        let status = tight.column("status");
        assert!(tight.chunk(&status, 0, &source, &reader, true).is_some());
        let took = tight.column("took");
        assert!(tight.chunk(&took, 0, &source, &reader, true).is_some());
        assert_eq!(tight.fields(), vec!["took".to_string()]);
        assert!(tight.chunk(&took, 0, &source, &reader, false).is_some());
    }

    #[test]
    fn prebuilt_chunks_equal_lazily_built_ones_for_the_common_fields() {
        let source = json_source(2 * CHUNK_EVENTS + 10);
        let reader = FieldReader::for_source(&source);
        let fields = common_fields(&source, &reader, 0..source.len(), 1000, 8);
        // Every event has these, the fewest values first; `missing` none; `id` is all distinct.
        let mut names = fields.clone();
        names.sort();
        assert_eq!(names, vec!["msg", "status", "took", "ts"]);
        assert_eq!(
            fields[2..],
            ["msg", "took"],
            "seven values each, after fewer"
        );
        assert_eq!(
            common_fields(&source, &reader, 0..source.len(), 1000, 2).len(),
            2
        );
        let prebuilt = FieldColumns::new(0..source.len());
        for name in &fields {
            assert!(prebuilt.prebuild(name, 0..prebuilt.chunk_count(), &source, &reader));
        }
        assert!(prebuilt.ready("status", 0..source.len()));
        assert!(prebuilt.prebuild("id", 0..prebuilt.chunk_count(), &source, &reader));
        assert!(prebuilt.ready("id", 0..source.len()), "known too varied");
        let lazy = FieldColumns::new(0..source.len());
        for name in ["status", "took"] {
            let (p, l) = (prebuilt.column(name), lazy.column(name));
            for (k, events) in lazy.chunks_over(0..source.len()) {
                let a = prebuilt
                    .chunk(&p, k, &source, &reader, false)
                    .expect("pre-built");
                let b = lazy.chunk(&l, k, &source, &reader, true).expect("built");
                for i in 0..events.len() {
                    let value = |c: &Chunk| (c.code(i) > 0).then(|| c.value(c.code(i)).to_string());
                    assert_eq!(value(a), value(b), "{name} of event {}", events.start + i);
                }
            }
        }
        // A cache with room for one chunk stops pre-building at the next.
        let tight = FieldColumns {
            budget: CHUNK_EVENTS + 1000,
            ..FieldColumns::new(0..source.len())
        };
        assert!(!tight.prebuild("status", 0..tight.chunk_count(), &source, &reader));
        assert!(tight.overhead_bytes() <= tight.budget + 4096);
    }

    #[test]
    fn one_varied_stretch_leaves_the_other_chunks_cached() {
        // Chunks of 1000 events: the second one's `took` values are all different.
        let mut text = String::new();
        for i in 0..3000 {
            let took = if (1000..2000).contains(&i) { i } else { i % 3 };
            text.push_str(&format!("2026-07-03 09:00:00 INFO done took={took}\n"));
        }
        let source = ingest_bytes("a.log", text.as_bytes(), IngestOptions::default());
        let reader = FieldReader::for_source(&source);
        let columns = FieldColumns {
            chunk_events: 1000,
            ..FieldColumns::new(0..source.len())
        };
        let took = columns.column("took");
        let kept: Vec<bool> = (0..3)
            .map(|k| columns.chunk(&took, k, &source, &reader, true).is_some())
            .collect();
        assert_eq!(kept, vec![true, false, true]);
        assert!(columns.ready("took", 0..source.len()));
    }
}
