//! Streaming ingest of one source: byte chunks in, a [`SourceData`] out.
//!
//! The caller pushes the file's bytes in chunks of any size (the worker reads File slices of a few MiB;
//! the CLI reads the file in pieces) and never holds the whole file as one string. [`SourceIngest`]
//! buffers the first bytes to detect the format, then splits whole lines, asks the parser what each line
//! is, and folds continuation lines into the event above. Bytes are stored in blocks cut at event
//! boundaries, so every event is one range inside one block.

use std::sync::Arc;

use super::error::SourceError;
use super::formats::{self, FormatName, LineClass, LineParser};
use super::level::Level;
use super::store::{SourceData, SourceInfo};
use super::time::{TimeContext, Zone};

/// Bytes buffered before the format is chosen.
const SNIFF_BYTES: usize = 64 * 1024;
/// Buffered bytes after which complete events are moved into a block.
const BLOCK_BYTES: usize = 1 << 20;

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
    error: Option<SourceError>,
}

impl SourceIngest {
    pub fn new(name: &str, options: IngestOptions) -> Self {
        SourceIngest {
            cx: TimeContext {
                zone: options.zone,
                modified_ns: options.modified_ns,
            },
            parser: None,
            buf: Vec::new(),
            buf_file_offset: 0,
            scanned: 0,
            pending: None,
            complete: Vec::new(),
            data: SourceData::new(SourceInfo {
                name: name.to_string(),
                ..Default::default()
            }),
            bytes_in: 0,
            size: options.size,
            error: None,
        }
    }

    /// Bytes pushed so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_in
    }

    /// Events recognised so far (stored, complete or open).
    pub fn events_so_far(&self) -> usize {
        self.data.len() + self.complete.len() + usize::from(self.pending.is_some())
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
        self.buf.reserve_exact(chunk.len());
        self.buf.extend_from_slice(chunk);
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
        if self.buf.len() >= BLOCK_BYTES {
            self.store_complete();
        }
    }

    /// Ends the stream: classifies the last line, stores everything and returns the source.
    pub fn finish(mut self) -> SourceData {
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
        let mut data = self.data;
        data.info.bytes = self.size.unwrap_or(self.bytes_in);
        data.info.format = self
            .parser
            .as_ref()
            .map_or(FormatName::Unknown, |p| p.name());
        data.info.error = self.error.map(|e| e.to_string());
        data
    }

    fn choose_parser(&mut self) {
        let sample_end = match memchr::memrchr(b'\n', &self.buf) {
            Some(nl) if self.buf.len() >= SNIFF_BYTES => nl + 1,
            _ => self.buf.len(),
        };
        let sample = &self.buf[..sample_end];
        if looks_binary(sample) {
            self.error = Some(SourceError::NotText);
            self.buf = Vec::new();
            return;
        }
        self.parser = Some(formats::detect(sample, &self.data.info.name, &self.cx));
    }

    /// Classifies every whole line after `scanned` (and the last partial line when `at_end`).
    fn scan_lines(&mut self, at_end: bool) {
        let Some(parser) = self.parser.as_mut() else {
            return;
        };
        let mut at = self.scanned;
        while at < self.buf.len() {
            let (line_end, next) = match memchr::memchr(b'\n', &self.buf[at..]) {
                Some(rel) => (at + rel, at + rel + 1),
                None if at_end => (self.buf.len(), self.buf.len()),
                None => break,
            };
            let content_end = if line_end > at && self.buf[line_end - 1] == b'\r' {
                line_end - 1
            } else {
                line_end
            };
            let line = &self.buf[at..content_end];
            match parser.classify(line, &self.cx) {
                LineClass::Start { ts, level } => {
                    if let Some(p) = self.pending.take() {
                        self.complete.push(p);
                    }
                    self.pending = Some(Pending {
                        start: at,
                        end: content_end,
                        ts,
                        level,
                    });
                }
                LineClass::Continue => match self.pending.as_mut() {
                    Some(p) => p.end = content_end,
                    None => self.data.info.unparsed_lines += 1,
                },
                LineClass::Amend { ts, level } => match self.pending.as_mut() {
                    Some(p) => {
                        p.end = content_end;
                        p.ts = ts.or(p.ts);
                        if level != Level::None {
                            p.level = level;
                        }
                    }
                    None => self.data.info.unparsed_lines += 1,
                },
                LineClass::Unparsed => {
                    self.data.info.unparsed_lines += 1;
                    // Keep the text visible: it stays with the event above.
                    if let Some(p) = self.pending.as_mut() {
                        p.end = content_end;
                    }
                }
                LineClass::Skip => {}
            }
            at = next;
        }
        self.scanned = at;
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
        self.data.push_block(Arc::new(block), self.buf_file_offset);
        for e in self.complete.drain(..) {
            self.data
                .push_event(e.ts, e.level, e.start as u32, (e.end - e.start) as u32);
        }
        self.buf_file_offset += cut as u64;
        self.scanned -= cut;
        if let Some(p) = self.pending.as_mut() {
            p.start -= cut;
            p.end -= cut;
        }
    }
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
}
