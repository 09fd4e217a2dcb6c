//! Streaming ingest of one source: byte chunks in, a [`SourceData`] out.
//!
//! The caller pushes the file's bytes in chunks of any size (the worker reads File slices of a few MiB;
//! the CLI reads the file in pieces) and never holds the whole file as one string. [`SourceIngest`]
//! buffers the first bytes to detect the format, then splits whole lines, asks the parser what each line
//! is, and folds continuation lines into the event above. Bytes are stored in blocks cut at event
//! boundaries, so every event is one range inside one block.
//!
//! In front of line splitting sits the encoding stage ([`crate::engine::decode::encoding`]): UTF-16 and
//! Latin-1 are transcoded to UTF-8 as they stream in (UTF-8 passes through without a copy); `bytes` in
//! the summary stays the size of the file as given.
//!
//! Memory stays bounded whatever the input: an event keeps at most [`MAX_EVENT_BYTES`] of text (a 300 MB
//! line, or a CSV record left open by a stray quote, is cut there and still counted as one event), and
//! the cut is said in the source's error sentence. Compressed files and archives are opened one level
//! up, in [`crate::engine::decode`], which hands every text member to a `SourceIngest` of its own.

use std::mem::MaybeUninit;
use std::sync::Arc;

use super::decode::encoding::TextDecoder;
use super::error::SourceError;
use super::formats::{self, FormatName, LineClass, LineParser};
use super::level::Level;
use super::store::{SourceData, SourceInfo};
use super::time::{TimeContext, Zone};

/// Bytes buffered before the format is chosen.
const SNIFF_BYTES: usize = 64 * 1024;
/// Buffered bytes after which complete events are moved into a block.
const BLOCK_BYTES: usize = 1 << 20;
/// The most text one event keeps; the rest of a longer line or event is dropped (the event still
/// counts once).
pub const MAX_EVENT_BYTES: usize = 1 << 20;

/// How to read one source.
#[derive(Clone, Debug, Default)]
pub struct IngestOptions {
    /// Zone for timestamps written without one.
    pub zone: Zone,
    /// The file's modification time, ns since the epoch (year inference for syslog-style stamps).
    pub modified_ns: Option<i64>,
    /// The file's size when known up front (reported as `bytes`); otherwise the bytes pushed.
    pub size: Option<u64>,
}

/// An event whose last line may still be followed by continuation lines.
#[derive(Clone, Copy, Debug)]
struct Pending {
    start: usize,
    end: usize,
    ts: Option<i64>,
    level: Level,
    /// Text was dropped from this event (it reached [`MAX_EVENT_BYTES`]).
    cut: bool,
}

/// Reads one source incrementally. See the module docs.
pub struct SourceIngest {
    cx: TimeContext,
    parser: Option<Box<dyn LineParser>>,
    /// Bytes received but not yet stored in a block: the open event, unclassified lines, a partial line.
    buf: Vec<u8>,
    /// Offset in the file of `buf[0]`.
    buf_file_offset: u64,
    /// Lines in `buf` before this offset have been classified.
    scanned: usize,
    pending: Option<Pending>,
    /// Events complete but not yet stored (their block is still `buf`).
    complete: Vec<Pending>,
    data: SourceData,
    bytes_in: u64,
    size: Option<u64>,
    /// A problem that stopped reading (binary data).
    error: Option<SourceError>,
    /// Problems that did not stop reading, in the order found.
    notes: Vec<SourceError>,
    /// Name used for format detection (the name without `.gz` and the like), when it differs.
    detect_name: Option<String>,
    decoder: TextDecoder,
    /// Reused buffer for transcoded text.
    decoded: Vec<u8>,
    /// Dropping the rest of an over-long line until its line end.
    overflow: bool,
    /// Events whose text was cut at [`MAX_EVENT_BYTES`].
    events_cut: u64,
    /// Bytes dropped from `buf` and not yet added to `buf_file_offset`.
    dropped: u64,
    /// Physical lines classified so far, and the first line that was not understood.
    lines: u64,
    first_unparsed_line: Option<u64>,
}

impl SourceIngest {
    pub fn new(name: &str, options: IngestOptions) -> Self {
        SourceIngest {
            cx: TimeContext::new(options.zone, options.modified_ns),
            parser: None,
            buf: Vec::new(),
            buf_file_offset: 0,
            scanned: 0,
            pending: None,
            complete: Vec::new(),
            data: SourceData::new(SourceInfo {
                name: name.to_string(),
                modified_ns: options.modified_ns,
                ..Default::default()
            }),
            bytes_in: 0,
            size: options.size,
            error: None,
            notes: Vec::new(),
            detect_name: None,
            decoder: TextDecoder::default(),
            decoded: Vec::new(),
            overflow: false,
            events_cut: 0,
            dropped: 0,
            lines: 0,
            first_unparsed_line: None,
        }
    }

    /// Detects the format from `name` instead of the source's own name (e.g. `app.csv` for
    /// `app.csv.gz`, whose bytes arrive decompressed).
    pub fn set_detect_name(&mut self, name: &str) {
        self.detect_name = Some(name.to_string());
    }

    /// Records a problem found outside ingest (a truncated archive); it joins the error sentence.
    pub fn add_note(&mut self, note: SourceError) {
        self.notes.push(note);
    }

    /// Bytes pushed so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_in
    }

    /// Events recognised so far (stored, complete or open).
    pub fn events_so_far(&self) -> usize {
        self.data.len() + self.complete.len() + usize::from(self.pending.is_some())
    }

    /// The events stored so far (their blocks complete): their ids and text are final, so they can
    /// be worked on (mined) while the rest of the file is read.
    pub fn stored(&self) -> &SourceData {
        &self.data
    }

    /// The detected format, once enough bytes have arrived.
    pub fn format(&self) -> Option<FormatName> {
        self.parser.as_ref().map(|p| p.name())
    }

    /// Feeds the next bytes of the file.
    pub fn push(&mut self, chunk: &[u8]) {
        self.bytes_in += chunk.len() as u64;
        if self.error.is_some() {
            return;
        }
        if self.decoder.passes_through() {
            return self.push_text(chunk);
        }
        let mut out = std::mem::take(&mut self.decoded);
        out.clear();
        let used = self.decoder.decode_head(chunk, false, &mut out);
        let rest = &chunk[used..];
        if self.decoder.passes_through() {
            // Decided as UTF-8 just now: the first bytes come back in `out`, the rest needs no copy.
            if !out.is_empty() {
                self.push_text(&out);
            }
            if !rest.is_empty() {
                self.push_text(rest);
            }
        } else {
            if !rest.is_empty() && self.decoder.encoding().is_some() {
                self.decoder.decode(rest, false, &mut out);
            }
            if !out.is_empty() {
                self.push_text(&out);
            }
        }
        if out.capacity() > 1 << 20 {
            out = Vec::new();
        }
        self.decoded = out;
    }

    /// Feeds the next `len` bytes of the file, written by `fill` (which returns the slice it was given,
    /// now initialised, as `Uint8Array::copy_to_uninit` does). When the text needs no transcoding,
    /// `fill` writes straight behind the bytes already buffered, saving the copy [`SourceIngest::push`]
    /// makes (the browser worker reads a gigabyte this way); otherwise it writes into `scratch`, which
    /// is then pushed. Either way the result is exactly that of `push` with the same bytes.
    pub fn push_filled(&mut self, len: usize, scratch: &mut Vec<u8>, fill: Fill<'_>) {
        if !self.takes_direct_text() {
            return self.push(fill_vec(scratch, len, fill));
        }
        self.bytes_in += len as u64;
        fill_behind(&mut self.buf, len, fill);
        self.after_text_added();
    }

    /// Whether text can be written straight into `buf`: UTF-8 decided, nothing being dropped.
    fn takes_direct_text(&self) -> bool {
        self.error.is_none() && self.decoder.passes_through() && !self.overflow
    }

    /// Feeds decoded (UTF-8) text.
    fn push_text(&mut self, mut chunk: &[u8]) {
        if self.error.is_some() {
            return;
        }
        if self.overflow {
            match memchr::memchr(b'\n', chunk) {
                None => {
                    self.dropped += chunk.len() as u64;
                    return;
                }
                Some(nl) => {
                    self.dropped += nl as u64;
                    chunk = &chunk[nl..];
                    self.overflow = false;
                }
            }
        }
        self.buf.reserve_exact(chunk.len());
        self.buf.extend_from_slice(chunk);
        self.after_text_added();
    }

    /// Detects the format once enough text is buffered, classifies the new whole lines and stores
    /// the complete events.
    fn after_text_added(&mut self) {
        if self.parser.is_none() {
            if self.buf.len() < SNIFF_BYTES {
                return;
            }
            self.choose_parser();
            if self.error.is_some() {
                return;
            }
        }
        self.scan_lines(false);
        self.cap_partial_line();
        if self.buf.len() >= BLOCK_BYTES {
            self.store_complete();
        }
    }

    /// Cuts a line that has grown past [`MAX_EVENT_BYTES`] without a line end; the rest of it is
    /// dropped as it arrives.
    fn cap_partial_line(&mut self) {
        let partial = self.buf.len() - self.scanned;
        if partial > MAX_EVENT_BYTES {
            let keep =
                self.scanned + floor_char_boundary(&self.buf[self.scanned..], MAX_EVENT_BYTES);
            self.dropped += (self.buf.len() - keep) as u64;
            self.buf.truncate(keep);
            self.overflow = true;
            self.events_cut += 1;
        }
    }

    /// Ends the stream: classifies the last line, stores everything and returns the source.
    pub fn finish(mut self) -> SourceData {
        if self.error.is_none() && !self.decoder.passes_through() {
            let mut out = std::mem::take(&mut self.decoded);
            out.clear();
            self.decoder.decode(&[], true, &mut out);
            if !out.is_empty() {
                self.push_text(&out);
            }
        }
        if self.error.is_none() {
            if self.parser.is_none() {
                self.choose_parser();
            }
            if self.error.is_none() {
                self.scan_lines(true);
                if let Some(p) = self.pending.take() {
                    self.complete.push(p);
                }
                self.store_complete();
            }
        }
        if self.bytes_in == 0 && self.error.is_none() {
            self.error = Some(SourceError::Empty);
        }
        let mut problems: Vec<SourceError> = Vec::new();
        if let Some(e) = self.error.take() {
            problems.push(e);
        }
        if let Some(sentence) = self.parser.as_mut().and_then(|p| p.finish()) {
            problems.push(SourceError::Structure(sentence));
        }
        let structured = self
            .format()
            .filter(|f| !matches!(f, FormatName::Text | FormatName::Unknown));
        if let (Some(line), Some(format)) = (self.first_unparsed_line, structured) {
            problems.push(SourceError::LinesNotUnderstood {
                first_line: line,
                lines: self.data.info.unparsed_lines,
                format: format.as_str(),
            });
        }
        if self.events_cut > 0 {
            problems.push(SourceError::EventsCut {
                events: self.events_cut,
                limit_mib: (MAX_EVENT_BYTES >> 20) as u64,
            });
        }
        problems.append(&mut self.notes);
        let mut data = self.data;
        data.shrink_to_fit();
        data.info.bytes = self.size.unwrap_or(self.bytes_in);
        data.info.format = self
            .parser
            .as_ref()
            .map_or(FormatName::Unknown, |p| p.name());
        data.info.error = (!problems.is_empty()).then(|| {
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        });
        data
    }

    fn choose_parser(&mut self) {
        let sample_end = match memchr::memrchr(b'\n', &self.buf) {
            Some(nl) if self.buf.len() >= SNIFF_BYTES => nl + 1,
            _ => self.buf.len(),
        };
        let sample = &self.buf[..sample_end];
        // The journal export format carries binary fields by design; it is text otherwise.
        if looks_binary(sample) && !formats::is_journal_export(sample) {
            self.error = Some(SourceError::NotText);
            self.buf = Vec::new();
            return;
        }
        let name = self.detect_name.as_deref().unwrap_or(&self.data.info.name);
        self.parser = Some(formats::detect(sample, name, &self.cx));
    }

    /// Classifies every whole line after `scanned` (and the last partial line when `at_end`).
    ///
    /// Lines that would grow an event past [`MAX_EVENT_BYTES`] are dropped from `buf` as they are
    /// scanned: `at` reads, `w` writes, and the two differ only once something was dropped.
    fn scan_lines(&mut self, at_end: bool) {
        let Some(parser) = self.parser.as_mut() else {
            return;
        };
        let mut at = self.scanned;
        let mut w = at;
        while at < self.buf.len() {
            let (line_end, next) = match memchr::memchr(b'\n', &self.buf[at..]) {
                Some(rel) => (at + rel, at + rel + 1),
                None if at_end => (self.buf.len(), self.buf.len()),
                None => break,
            };
            let mut content_end = if line_end > at && self.buf[line_end - 1] == b'\r' {
                line_end - 1
            } else {
                line_end
            };
            // A line longer than an event may be keeps its first MAX_EVENT_BYTES (whole characters).
            let line_cut = content_end - at > MAX_EVENT_BYTES;
            if line_cut {
                content_end = at + floor_char_boundary(&self.buf[at..content_end], MAX_EVENT_BYTES);
                self.events_cut += 1;
            }
            self.lines += 1;
            let class = parser.classify(&self.buf[at..content_end], &self.cx);
            // Where this line's content ends once moved to `w`.
            let end_w = content_end - (at - w);
            let mut keep = true;
            match class {
                LineClass::Start { ts, level } => {
                    if let Some(p) = self.pending.take() {
                        self.complete.push(p);
                    }
                    self.pending = Some(Pending {
                        start: w,
                        end: end_w,
                        ts,
                        level,
                        cut: line_cut,
                    });
                }
                LineClass::Continue | LineClass::Unparsed | LineClass::Amend { .. } => {
                    if class == LineClass::Unparsed {
                        self.data.info.unparsed_lines += 1;
                        self.first_unparsed_line.get_or_insert(self.lines);
                    }
                    match self.pending.as_mut() {
                        // Keep the text visible: it stays with the event above.
                        Some(p) if end_w - p.start <= MAX_EVENT_BYTES => p.end = end_w,
                        Some(p) => {
                            keep = false;
                            if !p.cut && !line_cut {
                                self.events_cut += 1;
                            }
                            p.cut = true;
                        }
                        None if class != LineClass::Unparsed => {
                            self.data.info.unparsed_lines += 1;
                            self.first_unparsed_line.get_or_insert(self.lines);
                        }
                        None => {}
                    }
                    if let (LineClass::Amend { ts, level }, Some(p)) =
                        (class, self.pending.as_mut())
                    {
                        p.ts = ts.or(p.ts);
                        if level != Level::None {
                            p.level = level;
                        }
                    }
                }
                LineClass::Skip => {}
            }
            if keep && line_cut {
                // Keep the cut line and its line end; drop the rest of it.
                let kept = content_end - at;
                self.buf.copy_within(at..content_end, w);
                let mut n = kept;
                if next > line_end {
                    self.buf[w + n] = b'\n';
                    n += 1;
                }
                self.dropped += (next - at - n) as u64;
                w += n;
            } else if keep {
                if w != at {
                    self.buf.copy_within(at..next, w);
                }
                w += next - at;
            } else {
                self.dropped += (next - at) as u64;
            }
            at = next;
        }
        if w != at {
            let len = self.buf.len();
            self.buf.copy_within(at..len, w);
            self.buf.truncate(w + (len - at));
        }
        self.scanned = w;
    }

    /// Moves the complete events and their bytes into a block; keeps the open event and unscanned bytes.
    fn store_complete(&mut self) {
        let cut = match self.pending {
            Some(p) => p.start,
            None => self.scanned,
        };
        if cut == 0 {
            return;
        }
        let tail = self.buf[cut..].to_vec();
        self.buf.truncate(cut);
        let block = std::mem::replace(&mut self.buf, tail);
        if self.data.blocks().is_empty() {
            self.reserve_columns(cut);
        }
        self.data.push_block(Arc::new(block), self.buf_file_offset);
        for e in self.complete.drain(..) {
            self.data
                .push_event(e.ts, e.level, e.start as u32, (e.end - e.start) as u32);
        }
        self.buf_file_offset += cut as u64 + std::mem::take(&mut self.dropped);
        self.scanned -= cut;
        if let Some(p) = self.pending.as_mut() {
            p.start -= cut;
            p.end -= cut;
        }
    }
}

impl SourceIngest {
    /// Sizes the event columns for the whole file from its first block (`bytes` of it holding the
    /// complete events), when the file's size is known and its text is not transcoded: the events of
    /// the first block, scaled to the file, plus an eighth. `finish` gives back what is not used.
    fn reserve_columns(&mut self, bytes: usize) {
        let (Some(size), true) = (self.size, self.decoder.passes_through()) else {
            return;
        };
        if bytes == 0 || self.complete.is_empty() || size <= bytes as u64 {
            return;
        }
        let estimate = (self.complete.len() as u64).saturating_mul(size) / bytes as u64;
        let estimate = estimate.saturating_add(estimate / 8).min(u32::MAX as u64) as usize;
        self.data
            .reserve(estimate.saturating_sub(self.complete.len()));
    }
}

/// What writes the next bytes of a file into the space it is given, returning that space initialised
/// (see [`SourceIngest::push_filled`]).
pub type Fill<'f> = &'f mut dyn for<'a> FnMut(&'a mut [MaybeUninit<u8>]) -> &'a mut [u8];

/// Appends `len` bytes written by `fill` to `buf`, without initialising them first.
///
/// Panics when `fill` returns a slice other than the one it was given: the returned `&mut [u8]` of
/// the same place and length is what proves every byte was written.
pub fn fill_behind(buf: &mut Vec<u8>, len: usize, fill: Fill<'_>) {
    buf.reserve_exact(len);
    let spare = &mut buf.spare_capacity_mut()[..len];
    let start = spare.as_ptr() as *const u8;
    let written = fill(spare);
    assert!(
        written.as_ptr() == start && written.len() == len,
        "a Fill must return the whole slice it was given"
    );
    // SAFETY: `written` is a `&mut [u8]` over exactly the `len` spare bytes behind `buf.len()`, so
    // they are initialised, and `reserve_exact` made room for them.
    unsafe { buf.set_len(buf.len() + len) };
}

/// `scratch` holding exactly the `len` bytes `fill` writes.
pub fn fill_vec<'s>(scratch: &'s mut Vec<u8>, len: usize, fill: Fill<'_>) -> &'s [u8] {
    scratch.clear();
    fill_behind(scratch, len, fill);
    scratch
}

/// The largest length `<= max` that does not split a UTF-8 character of `text`.
fn floor_char_boundary(text: &[u8], max: usize) -> usize {
    let mut n = max.min(text.len());
    while n > 0 && n < text.len() && (text[n] & 0xC0) == 0x80 {
        n -= 1;
    }
    n
}

/// A sample is binary when it holds NUL bytes or mostly control bytes.
fn looks_binary(sample: &[u8]) -> bool {
    let head = &sample[..sample.len().min(8192)];
    if head.is_empty() {
        return false;
    }
    if memchr::memchr(0, head).is_some() {
        return true;
    }
    let control = head
        .iter()
        .filter(|&&c| c < 0x09 || (c > 0x0d && c < 0x20 && c != 0x1b))
        .count();
    control * 10 > head.len()
}

/// Reads a whole in-memory text (pasted text, tests, the demo) as one source.
pub fn ingest_bytes(name: &str, bytes: &[u8], options: IngestOptions) -> SourceData {
    let mut ingest = SourceIngest::new(name, options);
    for chunk in bytes.chunks(4 << 20) {
        ingest.push(chunk);
    }
    ingest.finish()
}

/// Starts reading a loaded source again from the bytes it keeps, its zone-less timestamps read in
/// `zone` (the user set another zone for it); push every block of `source` into it, then finish it
/// with [`finish_reread`].
///
/// The blocks hold the source's text as it was decoded (archive and compression layers, UTF-16 and
/// Latin-1 already undone), every line of it, so the same format is detected and the same events come
/// out; only the instants of zone-less stamps move. The year of year-less stamps comes from the same
/// modification time as before.
pub fn start_reread(source: &SourceData, zone: Zone) -> SourceIngest {
    let info = &source.info;
    let mut ingest = SourceIngest::new(
        &info.name,
        IngestOptions {
            zone,
            modified_ns: info.modified_ns,
            size: Some(info.bytes),
        },
    );
    let detect_name = crate::engine::decode::strip_compression_suffix(&info.name);
    if detect_name != info.name {
        ingest.set_detect_name(&detect_name);
    }
    ingest
}

/// Ends a read begun with [`start_reread`]: the new source keeps what was said about the original
/// (a problem found while reading does not depend on the zone, and a problem of an outer layer, such as
/// a truncated gzip, is not seen again from the kept text).
pub fn finish_reread(ingest: SourceIngest, original: &SourceData) -> SourceData {
    let mut data = ingest.finish();
    data.info.error = original.info.error.clone();
    data.info.unparsed_lines = original.info.unparsed_lines;
    data
}

/// Reads a loaded source again in another zone, at once (see [`start_reread`]).
pub fn reread(source: &SourceData, zone: Zone) -> SourceData {
    let mut ingest = start_reread(source, zone);
    for block in source.blocks() {
        ingest.push(&block.bytes);
    }
    finish_reread(ingest, source)
}

/// The files of a generated incident set (`../shared/bench/genlogs.py`), for the tests over one.
#[cfg(test)]
pub(crate) const GENERATED_SET: [&str; 5] = [
    "app-payments.jsonl",
    "containers.log",
    "nginx-access.log",
    "syslog",
    "transactions.csv",
];

/// Reads the files `names` (paths under `dir`, also the sources' names) whole into sources with the
/// default options: the tests over real files share it.
#[cfg(test)]
pub(crate) fn read_files(dir: &std::path::Path, names: &[&str]) -> Vec<SourceData> {
    names
        .iter()
        .map(|n| {
            let bytes = std::fs::read(dir.join(n)).unwrap_or_else(|e| panic!("{n}: {e}"));
            ingest_bytes(n, &bytes, IngestOptions::default())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(name: &str, text: &str, chunk: usize) -> SourceData {
        let mut ingest = SourceIngest::new(name, IngestOptions::default());
        for c in text.as_bytes().chunks(chunk) {
            ingest.push(c);
        }
        ingest.finish()
    }

    #[test]
    fn continuation_lines_fold_into_one_event_whatever_the_chunking() {
        let text = "2026-07-03 09:00:00 ERROR boom\n\tat a.b(C.java:1)\n\tat d.e(F.java:2)\n2026-07-03 09:00:01 INFO ok\r\n";
        for chunk in [1, 3, 7, 1000] {
            let s = read("app.log", text, chunk);
            assert_eq!(s.len(), 2, "chunk {chunk}");
            assert_eq!(
                s.text(0),
                b"2026-07-03 09:00:00 ERROR boom\n\tat a.b(C.java:1)\n\tat d.e(F.java:2)"
            );
            assert_eq!(s.text(1), b"2026-07-03 09:00:01 INFO ok");
            assert_eq!(s.level(0), Level::Error);
        }
    }

    #[test]
    fn blocks_are_cut_at_event_boundaries_in_big_inputs() {
        let mut text = String::new();
        for i in 0..60_000 {
            text.push_str(&format!(
                "{{\"ts\":\"2026-07-03T09:00:00Z\",\"level\":\"info\",\"n\":{i}}}\n"
            ));
        }
        let s = read("big.jsonl", &text, 1 << 16);
        assert_eq!(s.len(), 60_000);
        assert!(s.blocks().len() > 1);
        assert_eq!(
            s.text(59_999),
            br#"{"ts":"2026-07-03T09:00:00Z","level":"info","n":59999}"#
        );
        assert_eq!(s.info.format, FormatName::JsonLines);
    }

    #[test]
    fn empty_and_binary_files_get_a_sentence() {
        let s = read("empty.log", "", 10);
        assert_eq!(s.info.error.as_deref(), Some("the file is empty"));
        let s = read("blob.bin", "\0\u{1}\u{2}ELF\0\0", 10);
        assert!(s.info.error.as_deref().unwrap().contains("not a text log"));
        assert_eq!(s.len(), 0);
    }

    #[test]
    fn unparsed_lines_are_counted_and_kept_with_the_event_above() {
        let s = read(
            "a.jsonl",
            "{\"ts\":\"2026-07-03T09:00:00Z\"}\n{\"ts\":\"2026-07-03T09:00:01Z\"}\ngarbage\n",
            5,
        );
        assert_eq!(s.len(), 2);
        assert_eq!(s.info.unparsed_lines, 1);
        assert!(s.text(1).ends_with(b"garbage"));
    }

    #[test]
    fn a_reread_in_another_zone_moves_only_zone_less_times() {
        let syslog = "Jul  3 09:00:53 host sshd[1]: Accepted key\nJul  3 09:00:54 host cron[2]: job ran\n   continued\n";
        let modified_ns = Some(1_783_069_200_000_000_000); // 2026-07-03T09:00:00Z
        let first = ingest_bytes(
            "syslog",
            syslog.as_bytes(),
            IngestOptions {
                modified_ns,
                ..Default::default()
            },
        );
        let paris = Zone::parse("Europe/Paris").unwrap();
        let again = reread(&first, paris.clone());
        assert_eq!(again.len(), 2);
        assert_eq!(again.info.name, "syslog");
        assert_eq!(again.info.format, first.info.format);
        assert_eq!(again.info.bytes, first.info.bytes);
        assert_eq!(again.info.modified_ns, modified_ns);
        for e in 0..2 {
            assert_eq!(again.text(e), first.text(e));
            // Paris is two hours ahead of UTC in July: the same wall clock is two hours earlier.
            assert_eq!(
                again.ts(e).unwrap(),
                first.ts(e).unwrap() - 2 * 3600 * crate::engine::time::NANOS_PER_SEC
            );
        }
        // Back to UTC gives the first reading exactly.
        let back = reread(&again, Zone::Utc);
        assert_eq!(back.ts_column(), first.ts_column());

        let apache = "127.0.0.1 - - [03/Jul/2026:02:00:03 -0700] \"GET / HTTP/1.1\" 200 5\n";
        let web = ingest_bytes("access.log", apache.as_bytes(), IngestOptions::default());
        assert_eq!(reread(&web, paris).ts_column(), web.ts_column());
    }

    #[test]
    fn a_reread_of_a_compressed_csv_finds_the_same_records() {
        use flate2::write::GzEncoder;
        use std::io::Write;
        let csv = "id,when,what\n1,2026-07-03 09:00:00,\"two\nlines\"\n2,2026-07-03 09:00:01,b\n";
        let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(csv.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let first =
            crate::engine::decode::ingest_file_bytes("t.csv.gz", &gz, IngestOptions::default())
                .remove(0);
        assert_eq!(first.len(), 2);
        let tokyo = reread(&first, Zone::parse("Asia/Tokyo").unwrap());
        assert_eq!(tokyo.info.format, FormatName::Csv);
        assert_eq!(tokyo.info.bytes, gz.len() as u64);
        assert_eq!(tokyo.len(), 2);
        assert_eq!(tokyo.text(0), first.text(0));
        assert_eq!(
            first.ts(1).unwrap() - tokyo.ts(1).unwrap(),
            9 * 3600 * crate::engine::time::NANOS_PER_SEC
        );
    }
}
