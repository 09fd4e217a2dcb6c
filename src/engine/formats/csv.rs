//! CSV and TSV: dialect sniffing, one record per event, a timestamp column, and the record's fields.
//!
//! **Dialect.** [`sniff_dialect`] tries every plausible dialect (delimiter among `, ; TAB | :` space and
//! other punctuation seen in the sample, quote `"`/`'`/none, escape `\`/none) and keeps the one with the
//! highest *consistency*, as CleverCSV does (van den Burg et al., 2019): the pattern score
//! `P = (1/K) Σ_k N_k · max(ε, L_k − 1) / L_k` (K distinct row lengths, N_k rows of length L_k) times the
//! type score `T` (the share of cells that read as a known type: number, date/time, URL, e-mail, plain
//! words, empty). Ties go to the more common choice (`,` before `;` before TAB ..., `"` before `'`, no
//! escape). Leading preamble rows (a different field count, or nearly empty) and one to three header rows
//! (cells of another type than their column below them, as Python's `csv.Sniffer` votes) come next.
//!
//! **Records.** The record layer is `csv-core`'s incremental reader: ingest hands us one physical line at
//! a time and the reader carries its state across lines, so a record whose quoted field holds newlines
//! is one event (its first line starts it, the others continue it). When the time column only completes
//! on a later line, that line is a [`LineClass::Amend`] carrying the record's time and level.
//!
//! **RFC 4180 problems** (a quote never closed, a stray quote inside a field, rows with another field
//! count than the header) never stop reading: the first is reported with its line number through
//! [`LineParser::finish`], with a count of the rest. A quoted field that stays open is given up when a
//! later line is a whole, well-formed record with a readable time, so one stray quote does not swallow
//! the rest of a timed file; and a field that starts with a quote closing in the middle of a later
//! field (`1,"abc,def,"x",2`) is read with that quote as a literal character when the line then has
//! the header's width. A lone-CR file (old Mac) arrives with LF line ends from the decode stage.
//!
//! **Fields.** [`record_fields`] (or [`record_values`]) turns an event's raw text back into
//! `(column name, value)` pairs, given the [`CsvLayout`] (dialect and header) the parser used;
//! [`CsvLayout::of_source`] rebuilds that layout from a loaded source (its first block holds the header
//! rows), [`CsvLayout::sniff`] from any first bytes.

use serde::{Deserialize, Serialize};

use super::{FormatName, LineClass, LineParser};
use crate::engine::level::Level;
use crate::engine::time::{self, TimeContext};

/// Column names that mark the time column, best first (compared lower-cased).
const TIME_NAMES: &[&str] = &[
    "timestamp",
    "@timestamp",
    "time",
    "ts",
    "datetime",
    "date_time",
    "event_time",
    "eventtime",
    "created_at",
    "timestamp_ms",
    "time_ms",
    "epoch",
    "date",
];
/// Column names that mark the level column (compared lower-cased).
const LEVEL_NAMES: &[&str] = &[
    "level",
    "severity",
    "lvl",
    "loglevel",
    "log_level",
    "levelname",
    "priority",
];

/// Rows looked at when sniffing.
const SNIFF_ROWS: usize = 200;
/// Bytes of the sample looked at when sniffing.
const SNIFF_BYTES: usize = 32 * 1024;
/// CleverCSV's ε for the pattern score.
const EPS_PATTERN: f64 = 1e-3;
/// CleverCSV's ε for the type score.
const EPS_TYPE: f64 = 1e-10;
/// The byte used as "delimiter" for one-column files (never a real delimiter).
const NO_DELIMITER: u8 = 0x1f;

/// How a CSV file is written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dialect {
    /// Field separator; `None` for a file of one column.
    pub delimiter: Option<u8>,
    /// Quote character; `None` when fields are never quoted.
    pub quote: Option<u8>,
    /// Escape character inside quoted fields (`\`), besides or instead of doubling the quote.
    pub escape: Option<u8>,
    /// A doubled quote inside a quoted field stands for one quote (RFC 4180).
    pub double_quote: bool,
    /// Spaces right after a delimiter are not part of the field (`a, b, "c"`).
    pub skip_initial_space: bool,
    /// Rows before the header (titles, notes, blank-ish rows).
    pub preamble_rows: usize,
    /// Header rows (0 when the first row is data; several are joined with a space per column).
    pub header_rows: usize,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect {
            delimiter: Some(b','),
            quote: Some(b'"'),
            escape: None,
            double_quote: true,
            skip_initial_space: false,
            preamble_rows: 0,
            header_rows: 1,
        }
    }
}

impl Dialect {
    fn reader(&self) -> csv_core::Reader {
        let mut b = csv_core::ReaderBuilder::new();
        b.delimiter(self.delimiter.unwrap_or(NO_DELIMITER))
            .terminator(csv_core::Terminator::Any(b'\n'))
            .escape(self.escape)
            .double_quote(self.double_quote);
        match self.quote {
            Some(q) => b.quote(q),
            None => b.quoting(false),
        };
        b.build()
    }

    /// The format name this dialect reads as.
    pub fn format(&self) -> FormatName {
        if self.delimiter == Some(b'\t') {
            FormatName::Tsv
        } else {
            FormatName::Csv
        }
    }
}

/// What the parser knows about a file's columns: enough to turn an event's raw text into fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvLayout {
    pub dialect: Dialect,
    /// Column names (from the header rows, or `column_1`, `column_2`, ... without a header).
    pub header: Vec<String>,
}

impl CsvLayout {
    /// Rebuilds the layout the parser chose, from the first bytes of a source (whole lines), the way
    /// ingest sniffed it. `file_name` decides whether a CSV/TSV name lets a one-column or headerless
    /// reading count.
    pub fn sniff(sample: &[u8], file_name: &str) -> Option<CsvLayout> {
        let named = named_delimiter(file_name);
        let s = match named {
            Some(d) => sniff_dialect(sample, SniffMode::Named(d))?,
            None => sniff_dialect(sample, SniffMode::Unnamed)?,
        };
        Some(CsvLayout {
            dialect: s.dialect,
            header: s.header,
        })
    }
}

impl CsvLayout {
    /// The layout ingest used for a CSV/TSV source, rebuilt from its first block (which starts at the
    /// beginning of the decoded file, header rows included); `None` for other formats.
    pub fn of_source(source: &crate::engine::store::SourceData) -> Option<CsvLayout> {
        if !matches!(source.info.format, FormatName::Csv | FormatName::Tsv) {
            return None;
        }
        let first = source.blocks().first()?;
        CsvLayout::sniff(&first.bytes, &source.info.name)
    }

    /// Compares the header with the columns a caller expects (e.g. an import schema): a sentence
    /// naming the first difference, or `None` when they agree.
    pub fn check_header(&self, expected: &[&str]) -> Option<String> {
        if self.layout_has_no_header() {
            return Some(format!(
                "the file has no header row; expected {}",
                expected.join(",")
            ));
        }
        if self.header.len() != expected.len() {
            return Some(format!(
                "the header has {} columns where {} were expected",
                self.header.len(),
                expected.len()
            ));
        }
        self.header
            .iter()
            .zip(expected)
            .position(|(got, want)| got != want)
            .map(|i| {
                format!(
                    "column {} is named \"{}\" where \"{}\" was expected",
                    i + 1,
                    self.header[i],
                    expected[i]
                )
            })
    }

    fn layout_has_no_header(&self) -> bool {
        self.dialect.header_rows == 0
    }
}

/// The delimiter a file name suggests (`.csv` → `,`, `.tsv`/`.tab` → TAB), if it names a CSV at all.
pub fn named_delimiter(file_name: &str) -> Option<u8> {
    let lower = file_name.to_ascii_lowercase();
    let lower = strip_compression_suffix(&lower);
    if lower.ends_with(".csv") {
        Some(b',')
    } else if lower.ends_with(".tsv") || lower.ends_with(".tab") {
        Some(b'\t')
    } else {
        None
    }
}

fn strip_compression_suffix(name: &str) -> &str {
    for suffix in [".gz", ".zst", ".bz2"] {
        if let Some(s) = name.strip_suffix(suffix) {
            return s;
        }
    }
    name
}

/// How sure the caller is that the sample is CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SniffMode {
    /// The file is named as CSV/TSV; the byte is the delimiter its name suggests (wins ties). Any
    /// dialect is accepted, also one column and no header.
    Named(u8),
    /// Nothing says CSV: only `, ; TAB |` with at least two columns, a header row and consistent rows.
    Unnamed,
}

/// The result of sniffing: the dialect, the column names and where time and level are.
#[derive(Clone, Debug, PartialEq)]
pub struct Sniffed {
    pub dialect: Dialect,
    pub header: Vec<String>,
    pub time: TimeColumn,
    pub level_column: Option<usize>,
    /// The consistency score the dialect won with (pattern × type).
    pub score: f64,
}

/// Where a record's time is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimeColumn {
    None,
    /// One column holds the whole timestamp (ISO, epoch seconds/ms/µs/ns, ...).
    One(usize),
    /// A date column and a time column, read together as `date time`.
    DateAndTime(usize, usize),
}

// ---------------------------------------------------------------------------------------------------
// The record layer.

/// `csv-core`'s reader with owned output buffers, fed any slices until a record completes.
struct RecordReader {
    reader: csv_core::Reader,
    out: Vec<u8>,
    out_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
}

impl RecordReader {
    fn new(dialect: &Dialect) -> Self {
        RecordReader {
            reader: dialect.reader(),
            out: vec![0; 4096],
            out_len: 0,
            ends: vec![0; 64],
            ends_len: 0,
        }
    }

    /// Feeds `input` (all of it, unless a record ends first). Returns the bytes used and whether a
    /// record ended. An empty `input` means the end of the data.
    fn feed(&mut self, mut input: &[u8]) -> (usize, bool) {
        let mut used = 0;
        loop {
            let (res, nin, nout, nend) = self.reader.read_record(
                input,
                &mut self.out[self.out_len..],
                &mut self.ends[self.ends_len..],
            );
            input = &input[nin..];
            used += nin;
            self.out_len += nout;
            self.ends_len += nend;
            match res {
                csv_core::ReadRecordResult::InputEmpty => return (used, false),
                csv_core::ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                csv_core::ReadRecordResult::Record => return (used, true),
                csv_core::ReadRecordResult::End => return (used, false),
            }
        }
    }

    fn field_count(&self) -> usize {
        self.ends_len
    }

    fn field(&self, i: usize) -> Option<&[u8]> {
        if i >= self.ends_len {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.out.get(start..self.ends[i])
    }

    fn fields(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.ends_len).filter_map(|i| self.field(i))
    }

    /// Forgets the current record (after it was used).
    fn clear(&mut self) {
        self.out_len = 0;
        self.ends_len = 0;
    }

    /// Drops any partial record and starts afresh.
    fn reset(&mut self) {
        self.reader.reset();
        self.clear();
    }
}

/// Rewrites `line` into `out` without the spaces that follow a delimiter outside quotes.
fn drop_initial_spaces(dialect: &Dialect, line: &[u8], mut in_quotes: bool, out: &mut Vec<u8>) {
    out.clear();
    let delim = dialect.delimiter.unwrap_or(NO_DELIMITER);
    let mut after_delim = false;
    let mut i = 0;
    while i < line.len() {
        let c = line[i];
        if !in_quotes && after_delim && c == b' ' {
            i += 1;
            continue;
        }
        after_delim = false;
        if in_quotes && Some(c) == dialect.escape && i + 1 < line.len() {
            out.extend_from_slice(&line[i..i + 2]);
            i += 2;
            continue;
        }
        if Some(c) == dialect.quote {
            in_quotes = !in_quotes;
        } else if c == delim && !in_quotes {
            after_delim = true;
        }
        out.push(c);
        i += 1;
    }
}

/// One record's fields, as read while sniffing.
type Row = Vec<Vec<u8>>;

/// Splits a whole text into records (for sniffing and for [`record_fields`]).
fn parse_records(dialect: &Dialect, text: &[u8], max_rows: usize) -> Vec<Vec<Vec<u8>>> {
    let mut rows = Vec::new();
    let mut rr = RecordReader::new(dialect);
    let mut scratch = Vec::new();
    let owned;
    let mut input = if dialect.skip_initial_space {
        drop_initial_spaces(dialect, text, false, &mut scratch);
        owned = std::mem::take(&mut scratch);
        &owned[..]
    } else {
        text
    };
    while rows.len() < max_rows {
        let (used, ended) = rr.feed(input);
        input = &input[used..];
        if ended {
            if !(rr.field_count() == 1 && rr.field(0) == Some(b"")) || dialect.delimiter.is_none() {
                rows.push(rr.fields().map(<[u8]>::to_vec).collect());
            }
            rr.clear();
        }
        if input.is_empty() {
            // Flush a last record that has no line end.
            let (_, ended) = rr.feed(&[]);
            if ended && rr.field_count() > 0 && rows.len() < max_rows {
                rows.push(rr.fields().map(<[u8]>::to_vec).collect());
            }
            break;
        }
    }
    rows
}

/// All records of a whole text, fields unquoted and unescaped (blank lines skipped unless the file has
/// one column). For tools and tests; ingest reads line by line instead.
pub fn read_records(dialect: &Dialect, text: &[u8]) -> Vec<Vec<String>> {
    parse_records(dialect, text, usize::MAX)
        .into_iter()
        .map(|r| {
            r.iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect()
        })
        .collect()
}

/// The fields of one record (an event's raw text as stored), unquoted and unescaped.
pub fn parse_record(dialect: &Dialect, raw: &[u8]) -> Vec<String> {
    if raw.is_empty() {
        // A blank line: one empty field (only one-column files have such records).
        return vec![String::new()];
    }
    let mut rr = RecordReader::new(dialect);
    let mut scratch = Vec::new();
    let input = if dialect.skip_initial_space {
        drop_initial_spaces(dialect, raw, false, &mut scratch);
        &scratch[..]
    } else {
        raw
    };
    let (used, ended) = rr.feed(input);
    if !ended || used < input.len() {
        // The record did not end inside `raw` (an unclosed quote): take what was read.
        rr.feed(&[]);
    }
    rr.fields()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}

/// The values of one event as ingest read them: like [`parse_record`], and a one-line record whose
/// field starts with a stray quote is repaired the same way ingest repaired it.
pub fn record_values(layout: &CsvLayout, raw: &[u8]) -> Vec<String> {
    if layout.header.len() >= 2 && memchr::memchr(b'\n', raw).is_none() {
        if let Some(fixed) = repair_stray_quotes(&layout.dialect, raw, layout.header.len()) {
            return parse_record(&layout.dialect, &fixed);
        }
    }
    parse_record(&layout.dialect, raw)
}

/// The fields of one event as `(column name, value)` pairs. Columns beyond the header are named
/// `column_N` (1-based).
pub fn record_fields(layout: &CsvLayout, raw: &[u8]) -> Vec<(String, String)> {
    record_values(layout, raw)
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let name = layout
                .header
                .get(i)
                .filter(|n| !n.is_empty())
                .cloned()
                .unwrap_or_else(|| format!("column_{}", i + 1));
            (name, v)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------
// Cell types (CleverCSV's type score, and header votes).

/// The kind of a cell, for header votes and time-column search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Empty,
    Number,
    DateTime,
    Text,
}

fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

fn is_number(b: &[u8]) -> bool {
    let mut s = trim(b);
    for prefix in [&b"$"[..], "€".as_bytes(), "£".as_bytes(), "¥".as_bytes()] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
        }
    }
    if let Some(rest) = s.strip_prefix(b"-").or_else(|| s.strip_prefix(b"+")) {
        s = rest;
    }
    if let Some(rest) = s.strip_suffix(b"%") {
        s = rest;
    }
    let (mantissa, exponent) = match s.iter().position(|c| *c == b'e' || *c == b'E') {
        Some(p) => (&s[..p], Some(&s[p + 1..])),
        None => (s, None),
    };
    if let Some(e) = exponent {
        let e = e
            .strip_prefix(b"-")
            .or_else(|| e.strip_prefix(b"+"))
            .unwrap_or(e);
        if e.is_empty() || !e.iter().all(u8::is_ascii_digit) {
            return false;
        }
    }
    let digits = mantissa.iter().filter(|c| c.is_ascii_digit()).count();
    digits > 0
        && mantissa
            .iter()
            .all(|c| c.is_ascii_digit() || *c == b'.' || *c == b',' || *c == b'_')
        && !mantissa.starts_with(b",")
        && !mantissa.ends_with(b",")
        && !mantissa
            .windows(2)
            .any(|w| !w[0].is_ascii_digit() && !w[1].is_ascii_digit())
}

/// Dates and times: `2018-01-28`, `28/01/2018`, `00:15`, `2026-07-03T09:00:00Z`, `Jul  3 09:00:53`.
fn is_date_or_time(b: &[u8]) -> bool {
    let s = trim(b);
    if s.len() < 4 || s.len() > 40 {
        return false;
    }
    if let Some((_, used)) = time::parse_any(s) {
        if used == s.len() {
            return true;
        }
    }
    // Digit groups joined by date/time separators, with at least one separator.
    let mut groups = 0;
    let mut in_digits = false;
    let mut seps = 0;
    for &c in s {
        if c.is_ascii_digit() {
            if !in_digits {
                groups += 1;
            }
            in_digits = true;
        } else if matches!(c, b'-' | b'/' | b'.' | b':' | b' ' | b'T' | b'Z' | b'+') {
            in_digits = false;
            seps += 1;
        } else {
            return false;
        }
    }
    (2..=8).contains(&groups) && seps >= 1 && !is_number(s)
}

fn is_url(s: &[u8]) -> bool {
    let s = trim(s);
    (s.starts_with(b"http://") || s.starts_with(b"https://") || s.starts_with(b"www."))
        && !s.contains(&b' ')
}

fn is_email(s: &[u8]) -> bool {
    let s = trim(s);
    match s.iter().position(|c| *c == b'@') {
        Some(at) => {
            at > 0
                && s[at + 1..].contains(&b'.')
                && !s.contains(&b' ')
                && s.iter().filter(|c| **c == b'@').count() == 1
        }
        None => false,
    }
}

/// Words: letters, digits, spaces and the punctuation ordinary text uses (CleverCSV's fallback type).
fn is_words(s: &[u8]) -> bool {
    let text = String::from_utf8_lossy(s);
    !text.is_empty()
        && text.chars().all(|c| {
            c.is_alphanumeric()
                || c == ' '
                || matches!(
                    c,
                    '-' | '_'
                        | '.'
                        | ','
                        | '\''
                        | '&'
                        | '('
                        | ')'
                        | '!'
                        | '?'
                        | '/'
                        | ':'
                        | ';'
                        | '#'
                        | '$'
                        | '%'
                        | '+'
                        | '@'
                )
        })
}

fn kind(cell: &[u8]) -> Kind {
    let s = trim(cell);
    if s.is_empty() {
        Kind::Empty
    } else if is_number(s) {
        Kind::Number
    } else if is_date_or_time(s) {
        Kind::DateTime
    } else {
        Kind::Text
    }
}

fn known_type(cell: &[u8]) -> bool {
    let s = trim(cell);
    s.is_empty()
        || is_number(s)
        || is_date_or_time(s)
        || is_url(s)
        || is_email(s)
        || matches!(
            s.to_ascii_lowercase().as_slice(),
            b"n/a" | b"na" | b"nan" | b"null" | b"none" | b"-"
        )
        || (s.len() < 200 && is_words(s))
}

// ---------------------------------------------------------------------------------------------------
// Sniffing.

/// Delimiters tried for files named as CSV, in tie-break order.
const NAMED_DELIMITERS: &[u8] = b",;\t|: ^~#!&*+=";
/// Delimiters tried when nothing says CSV.
const UNNAMED_DELIMITERS: &[u8] = b",;\t|";

fn consistency(rows: &[Vec<Vec<u8>>], best_so_far: f64) -> f64 {
    if rows.is_empty() {
        return 0.0;
    }
    let mut lengths: Vec<(usize, usize)> = Vec::new();
    for r in rows {
        match lengths.iter_mut().find(|(l, _)| *l == r.len()) {
            Some((_, n)) => *n += 1,
            None => lengths.push((r.len(), 1)),
        }
    }
    let pattern: f64 = lengths
        .iter()
        .map(|&(l, n)| n as f64 * ((l as f64 - 1.0).max(EPS_PATTERN) / l as f64))
        .sum::<f64>()
        / lengths.len() as f64;
    if pattern <= best_so_far {
        return pattern;
    }
    let (mut known, mut total) = (0usize, 0usize);
    for r in rows {
        for c in r {
            total += 1;
            known += usize::from(known_type(c));
        }
    }
    let types = if total == 0 {
        EPS_TYPE
    } else {
        (known as f64 / total as f64).max(EPS_TYPE)
    };
    pattern * types
}

/// The candidate dialects for a sample, in tie-break order (earlier wins a tie).
fn candidates(sample: &[u8], mode: SniffMode) -> Vec<Dialect> {
    let mut counts = [0usize; 256];
    for &b in sample {
        counts[b as usize] += 1;
    }
    let mut delims: Vec<u8> = Vec::new();
    let (pool, first): (&[u8], Option<u8>) = match mode {
        SniffMode::Named(d) => (NAMED_DELIMITERS, Some(d)),
        SniffMode::Unnamed => (UNNAMED_DELIMITERS, None),
    };
    if let Some(d) = first {
        if counts[d as usize] > 0 {
            delims.push(d);
        }
    }
    for &d in pool {
        if counts[d as usize] > 0 && !delims.contains(&d) {
            delims.push(d);
        }
    }
    let mut quotes: Vec<Option<u8>> = Vec::new();
    for q in [b'"', b'\''] {
        if counts[q as usize] > 0 {
            quotes.push(Some(q));
        }
    }
    quotes.push(None);
    let mut out = Vec::new();
    let mut delim_options: Vec<Option<u8>> = delims.into_iter().map(Some).collect();
    if matches!(mode, SniffMode::Named(_)) {
        delim_options.push(None);
    }
    for d in delim_options {
        let skip_space = d.is_some_and(|d| d != b' ' && mostly_followed_by_space(sample, d));
        for &q in &quotes {
            let mut escapes = vec![None];
            if let Some(q) = q {
                if sample
                    .windows(2)
                    .any(|w| w[0] == b'\\' && (w[1] == q || Some(w[1]) == d))
                {
                    escapes.push(Some(b'\\'));
                }
            }
            // Quotes inside quoted fields doubled (RFC 4180), escaped, or (when doubled quotes are
            // seen but may be field ends) neither.
            let mut variants: Vec<(Option<u8>, bool)> =
                escapes.into_iter().map(|e| (e, true)).collect();
            if let Some(q) = q {
                if sample.windows(2).any(|w| w == [q, q]) {
                    variants.push((None, false));
                }
            }
            for (e, double_quote) in variants {
                out.push(Dialect {
                    delimiter: d,
                    quote: q,
                    escape: e,
                    double_quote,
                    skip_initial_space: skip_space,
                    preamble_rows: 0,
                    header_rows: 0,
                });
            }
        }
    }
    out
}

/// Whether most occurrences of `d` are followed by a space (`a, b, c`).
fn mostly_followed_by_space(sample: &[u8], d: u8) -> bool {
    let (mut with, mut all) = (0usize, 0usize);
    for w in sample.windows(2) {
        if w[0] == d {
            all += 1;
            with += usize::from(w[1] == b' ');
        }
    }
    all >= 4 && with * 10 >= all * 8
}

/// Chooses the dialect, preamble, header, time and level columns of a sample (whole lines).
pub fn sniff_dialect(sample: &[u8], mode: SniffMode) -> Option<Sniffed> {
    let sample = cut_at_line_end(sample, SNIFF_BYTES);
    if sample.iter().all(|c| c.is_ascii_whitespace()) && !matches!(mode, SniffMode::Named(_)) {
        return None;
    }
    let mut best: Option<(f64, Dialect, Vec<Row>)> = None;
    for d in candidates(sample, mode) {
        let rows = parse_records(&d, sample, SNIFF_ROWS);
        let floor = best.as_ref().map_or(-1.0, |b| b.0);
        let score = consistency(&rows, floor);
        if score > floor + 1e-12 {
            best = Some((score, d, rows));
        }
    }
    let (score, mut dialect, rows) = best?;
    if rows.is_empty() {
        return match mode {
            SniffMode::Named(_) => Some(Sniffed {
                dialect,
                header: Vec::new(),
                time: TimeColumn::None,
                level_column: None,
                score,
            }),
            SniffMode::Unnamed => None,
        };
    }
    // Stray quotes mangle a row when the whole sample is parsed at once; read it the way ingest
    // will (line by line, stray quotes repaired) for everything that follows.
    let rows = match (dialect.quote, dominant_length(&rows)) {
        (Some(q), Some(width)) if width >= 2 && memchr::memchr(q, sample).is_some() => {
            rows_as_ingest_reads(&dialect, sample, width)
        }
        _ => rows,
    };
    dialect.preamble_rows = preamble_rows(&rows);
    let body = &rows[dialect.preamble_rows..];
    dialect.header_rows = header_rows(body);
    let width = match (dialect.header_rows, body.first()) {
        (1.., Some(first)) => first.len(),
        _ => dominant_length(body).unwrap_or(0),
    };
    if let SniffMode::Unnamed = mode {
        let dominant = dominant_length(body).unwrap_or(0);
        let consistent = body.iter().filter(|r| r.len() == dominant).count();
        if dominant < 2
            || dialect.header_rows == 0
            || consistent * 10 < body.len() * 9
            || body.len() < 2
        {
            return None;
        }
        // One delimiter per row is common in free text (`Loaded modules, 12`): two columns need
        // more evidence than a vote.
        if dominant == 2 && !two_columns_convincing(&body[0], &body[dialect.header_rows..]) {
            return None;
        }
    }
    let header = header_names(body, dialect.header_rows, width);
    let data = &body[dialect.header_rows.min(body.len())..];
    let time = find_time_column(&header, data);
    let level_column = find_level_column(&header, data);
    Some(Sniffed {
        dialect,
        header,
        time,
        level_column,
        score,
    })
}

fn cut_at_line_end(sample: &[u8], max: usize) -> &[u8] {
    if sample.len() <= max {
        return sample;
    }
    match memchr::memrchr(b'\n', &sample[..max]) {
        Some(nl) => &sample[..nl + 1],
        None => &sample[..max],
    }
}

/// The most common row length (the larger on a tie).
fn dominant_length(rows: &[Vec<Vec<u8>>]) -> Option<usize> {
    let mut lengths: Vec<(usize, usize)> = Vec::new();
    for r in rows {
        match lengths.iter_mut().find(|(l, _)| *l == r.len()) {
            Some((_, n)) => *n += 1,
            None => lengths.push((r.len(), 1)),
        }
    }
    lengths
        .into_iter()
        .max_by_key(|&(l, n)| (n, l))
        .map(|(l, _)| l)
}

fn non_empty_cells(row: &[Vec<u8>]) -> usize {
    row.iter().filter(|c| !trim(c).is_empty()).count()
}

/// Leading rows that are not part of the table: nearly empty rows, or rows of another field count
/// that are at most half filled. Only looked for when the table is clear.
fn preamble_rows(rows: &[Vec<Vec<u8>>]) -> usize {
    if rows.len() < 4 {
        return 0;
    }
    let Some(dominant) = dominant_length(rows) else {
        return 0;
    };
    let share = rows.iter().filter(|r| r.len() == dominant).count();
    if share * 10 < rows.len() * 6 {
        return 0;
    }
    let mut n = 0;
    for r in rows.iter().take(rows.len() / 2) {
        let filled = non_empty_cells(r);
        // A title or a note: at most one cell of a wide table, or another width and at most half
        // filled (a fuller row of another width is a ragged header, not a preamble).
        let sparse = dominant >= 3 && filled <= 1;
        if sparse || (r.len() != dominant && filled * 2 <= dominant) {
            n += 1;
        } else {
            break;
        }
    }
    n
}

/// Votes whether `candidate` is a header over `data`, as Python's `csv.Sniffer.has_header` does:
/// for each column whose data cells are of one kind (numbers, or dates and times), a header cell of
/// another kind votes for, the same kind against. Unlike the Sniffer, a column's kind is that of 80% of
/// its cells, and rows of another length take part with the columns they have, so a ragged row or a
/// second header row does not hide the header.
fn header_votes(candidate: &[Vec<u8>], data: &[Vec<Vec<u8>>]) -> i32 {
    let mut votes = 0;
    for (col, cell) in candidate.iter().enumerate() {
        // The column's kind: the kind of at least 80% of its non-empty cells below.
        let (mut numbers, mut times, mut seen) = (0usize, 0usize, 0usize);
        for row in data.iter().take(50) {
            let Some(cell) = row.get(col) else { continue };
            match kind(cell) {
                Kind::Empty => continue,
                Kind::Number => numbers += 1,
                Kind::DateTime => times += 1,
                Kind::Text => {}
            }
            seen += 1;
        }
        let column_kind = if seen > 0 && numbers * 10 >= seen * 8 {
            Kind::Number
        } else if seen > 0 && times * 10 >= seen * 8 {
            Kind::DateTime
        } else {
            continue;
        };
        let header_kind = kind(cell);
        if header_kind == column_kind {
            votes -= 1;
        } else if header_kind == Kind::Text {
            votes += 1;
        }
    }
    votes
}

fn looks_like_names(row: &[Vec<u8>]) -> bool {
    !row.is_empty()
        && row
            .iter()
            .all(|c| kind(c) == Kind::Text && trim(c).len() <= 64)
        && {
            let mut names: Vec<&[u8]> = row.iter().map(|c| trim(c)).collect();
            names.sort_unstable();
            names.windows(2).all(|w| w[0] != w[1])
        }
}

/// Whether a header cell reads as a column name rather than a piece of a sentence: one token
/// (`status`, `user_id`, `Content-Length`), Title Case words (`Product Name`), or capitals, and short.
fn name_like(cell: &[u8]) -> bool {
    let s = trim(cell);
    if s.is_empty() || s.len() > 40 || kind(s) != Kind::Text {
        return false;
    }
    let words: Vec<&[u8]> = s.split(|c| *c == b' ').filter(|w| !w.is_empty()).collect();
    words.len() == 1
        || (words.len() <= 4
            && words
                .iter()
                .all(|w| w[0].is_ascii_uppercase() || w[0].is_ascii_digit() || w[0] == b'('))
}

/// Whether a cell is prose: three words or more.
fn is_prose(cell: &[u8]) -> bool {
    trim(cell)
        .split(|c| *c == b' ')
        .filter(|w| !w.is_empty())
        .nth(2)
        .is_some()
}

/// A two-column table read without a name saying CSV is taken only when its header is made of
/// column names and its data looks like a table: one column typed (numbers or timestamps in 80% of
/// its cells), or short values in both (not prose). Free-text lines holding one comma each fail this
/// (`Booting, please wait` is no header; `Request served, took 12 ms` is prose).
fn two_columns_convincing(header: &[Vec<u8>], data: &[Vec<Vec<u8>>]) -> bool {
    if !header.iter().all(|c| name_like(c)) {
        return false;
    }
    let rows: Vec<&Vec<Vec<u8>>> = data.iter().filter(|r| r.len() == 2).take(50).collect();
    if rows.is_empty() {
        return false;
    }
    let typed = (0..2).any(|col| {
        let (mut typed, mut seen) = (0usize, 0usize);
        for r in &rows {
            match kind(&r[col]) {
                Kind::Empty => continue,
                Kind::Number | Kind::DateTime => typed += 1,
                Kind::Text => {}
            }
            seen += 1;
        }
        seen > 0 && typed * 10 >= seen * 8
    });
    let prose = rows
        .iter()
        .filter(|r| r.iter().any(|c| is_prose(c)))
        .count();
    typed || prose * 5 < rows.len()
}

/// How many header rows start `body` (0 to 3).
fn header_rows(body: &[Vec<Vec<u8>>]) -> usize {
    let Some(first) = body.first() else {
        return 0;
    };
    if body.len() == 1 {
        return usize::from(looks_like_names(first) && first.len() > 1);
    }
    let votes = header_votes(first, &body[1..]);
    let is_header = votes > 0 || (votes == 0 && looks_like_names(first) && text_only(&body[1..]));
    if !is_header {
        return 0;
    }
    let mut n = 1;
    while n < 3 && n + 1 < body.len() {
        let next = &body[n];
        if next.len() == first.len() && header_votes(next, &body[n + 1..]) > 0 {
            n += 1;
        } else {
            break;
        }
    }
    n
}

/// Whether no column below has a typed (number or time) kind: then names above all-text columns are
/// taken for a header when they look like names and the rows below do not (e.g. they repeat values).
fn text_only(data: &[Vec<Vec<u8>>]) -> bool {
    let rows: Vec<&Vec<Vec<u8>>> = data.iter().take(50).collect();
    !rows.is_empty()
        && rows.iter().all(|r| {
            r.iter()
                .all(|c| matches!(kind(c), Kind::Text | Kind::Empty))
        })
        && rows.iter().any(|r| !looks_like_names(r))
}

fn header_names(body: &[Vec<Vec<u8>>], header_rows: usize, width: usize) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for col in 0..width {
        let parts: Vec<String> = body
            .iter()
            .take(header_rows)
            .filter_map(|r| r.get(col))
            .map(|c| String::from_utf8_lossy(trim(c)).into_owned())
            .filter(|c| !c.is_empty())
            .collect();
        names.push(if parts.is_empty() {
            format!("column_{}", col + 1)
        } else {
            parts.join(" ")
        });
    }
    names
}

fn time_name_rank(name: &str) -> Option<usize> {
    let lower = name.trim().to_ascii_lowercase();
    TIME_NAMES.iter().position(|n| *n == lower).or_else(|| {
        (lower.contains("time")
            || lower.contains("date")
            || lower.ends_with("_at")
            || lower.ends_with("_ts")
            || lower.ends_with("_ms")
            || lower.contains("epoch"))
        .then_some(TIME_NAMES.len())
    })
}

/// Reads a cell as a whole timestamp (surrounding spaces allowed).
fn cell_stamp(cell: &[u8]) -> Option<time::Stamp> {
    let s = trim(cell);
    let (stamp, used) = time::parse_any(s)?;
    (used == s.len()).then_some(stamp)
}

/// A column is a time column when most non-empty sampled cells read as timestamps. Epoch numbers count
/// only under a time-like name (ids and phone numbers are numbers too).
fn find_time_column(header: &[String], data: &[Vec<Vec<u8>>]) -> TimeColumn {
    let rows: Vec<&Vec<Vec<u8>>> = data.iter().take(100).collect();
    if rows.is_empty() {
        return TimeColumn::None;
    }
    let width = header.len();
    let mut found: Vec<(usize, usize)> = Vec::new(); // (rank, column)
    for (col, name) in header.iter().enumerate().take(width) {
        let rank = time_name_rank(name);
        let (mut ok, mut seen) = (0, 0);
        for r in &rows {
            let Some(cell) = r.get(col) else { continue };
            if trim(cell).is_empty() {
                continue;
            }
            seen += 1;
            match cell_stamp(cell) {
                Some(time::Stamp::Instant(_)) if rank.is_none() => {}
                Some(_) => ok += 1,
                None => {}
            }
        }
        if seen > 0 && ok * 10 >= seen * 8 {
            found.push((rank.unwrap_or(usize::MAX), col));
        }
    }
    if let Some(&(_, col)) = found.iter().min() {
        return TimeColumn::One(col);
    }
    // A date column next to a time-of-day column.
    for d in 0..width {
        for t in 0..width {
            if d == t {
                continue;
            }
            let (mut ok, mut seen) = (0, 0);
            for r in &rows {
                let (Some(dc), Some(tc)) = (r.get(d), r.get(t)) else {
                    continue;
                };
                if trim(dc).is_empty() {
                    continue;
                }
                seen += 1;
                if !looks_like_time_of_day(tc) {
                    continue;
                }
                let joined = join_date_time(dc, tc);
                if cell_stamp(&joined).is_some() {
                    ok += 1;
                }
            }
            if seen > 0 && ok * 10 >= seen * 8 {
                return TimeColumn::DateAndTime(d, t);
            }
        }
    }
    TimeColumn::None
}

fn looks_like_time_of_day(cell: &[u8]) -> bool {
    let s = trim(cell);
    s.len() >= 4 && s.len() <= 18 && s.get(1..3).is_some_and(|w| w.contains(&b':'))
}

fn join_date_time(date: &[u8], time_of_day: &[u8]) -> Vec<u8> {
    let mut joined = Vec::with_capacity(date.len() + time_of_day.len() + 1);
    joined.extend_from_slice(trim(date));
    joined.push(b' ');
    joined.extend_from_slice(trim(time_of_day));
    joined
}

fn find_level_column(header: &[String], data: &[Vec<Vec<u8>>]) -> Option<usize> {
    let lower: Vec<String> = header
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    LEVEL_NAMES
        .iter()
        .find_map(|want| lower.iter().position(|n| n == want))
        .filter(|&col| {
            data.iter()
                .take(50)
                .filter_map(|r| r.get(col))
                .any(|c| Level::from_word(trim(c)).is_some())
        })
}

// ---------------------------------------------------------------------------------------------------
// The line parser.

const NOT_DOUBLED: &str = "a quote inside a quoted field is not doubled";
const STRAY_QUOTE: &str = "a field starts with a quote that closes inside it, not at its end";

/// Scans one physical line for quote misuse (RFC 4180), starting inside a quoted field or not.
/// Returns the first problem and whether the line ends inside a quoted field.
fn quote_check(d: &Dialect, line: &[u8], in_quoted: bool) -> (Option<&'static str>, bool) {
    let (problem, open, _) = quote_scan(d, line, in_quoted);
    (problem, open)
}

/// [`quote_check`], also returning where the quote opened that the first "not doubled" problem closes.
fn quote_scan(
    d: &Dialect,
    line: &[u8],
    in_quoted: bool,
) -> (Option<&'static str>, bool, Option<usize>) {
    let Some(q) = d.quote else {
        return (None, false, None);
    };
    if memchr::memchr(q, line).is_none() {
        return (None, in_quoted, None);
    }
    #[derive(PartialEq)]
    enum S {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let delim = d.delimiter.unwrap_or(NO_DELIMITER);
    let mut s = if in_quoted { S::Quoted } else { S::FieldStart };
    let mut i = 0;
    let mut problem = None;
    let mut opened_at = None;
    let mut stray = None;
    while i < line.len() {
        let c = line[i];
        s = match s {
            S::FieldStart if c == q => {
                opened_at = Some(i);
                S::Quoted
            }
            S::FieldStart if c == delim => S::FieldStart,
            S::FieldStart if c == b' ' && d.skip_initial_space => S::FieldStart,
            S::FieldStart => S::Unquoted,
            S::Unquoted if c == delim => S::FieldStart,
            S::Unquoted if c == q => {
                problem.get_or_insert("a quote appears inside a field that is not quoted");
                S::Unquoted
            }
            S::Unquoted => S::Unquoted,
            S::Quoted if Some(c) == d.escape => {
                i += 1;
                S::Quoted
            }
            S::Quoted if c == q => S::QuoteInQuoted,
            S::Quoted => S::Quoted,
            S::QuoteInQuoted if c == q && d.double_quote => S::Quoted,
            S::QuoteInQuoted if c == delim => S::FieldStart,
            S::QuoteInQuoted => {
                if problem.is_none() {
                    stray = opened_at;
                }
                problem.get_or_insert(NOT_DOUBLED);
                S::Unquoted
            }
        };
        i += 1;
    }
    (problem, s == S::Quoted, stray)
}

/// Fields of one line read on its own (`None` when a quoted field stays open).
fn count_fields(d: &Dialect, line: &[u8]) -> Option<usize> {
    let mut rr = RecordReader::new(d);
    let mut scratch = Vec::new();
    let input = if d.skip_initial_space {
        drop_initial_spaces(d, line, false, &mut scratch);
        &scratch[..]
    } else {
        line
    };
    if !input.is_empty() {
        rr.feed(input);
    }
    rr.feed(b"\n").1.then(|| rr.field_count())
}

/// Repairs a line in which a field starts with a stray quote that closes in the middle of a later
/// field (`1,"abc,def,"quoted",x`): the stray quote is taken as a literal character of its field
/// (`"abc`), as a person reading the line would. Returns the repaired line, written the RFC 4180 way,
/// only when it then has `expected` fields and no other quote problem; otherwise `None`.
///
/// A line that merely ends inside a quoted field is never repaired: that is how a legitimate
/// multi-line field starts.
fn repair_stray_quotes(d: &Dialect, line: &[u8], expected: usize) -> Option<Vec<u8>> {
    let q = d.quote?;
    let delim = d.delimiter.unwrap_or(NO_DELIMITER);
    let mut text: Option<Vec<u8>> = None;
    for _ in 0..4 {
        let current = text.as_deref().unwrap_or(line);
        let (problem, open, stray) = quote_scan(d, current, false);
        match (problem, open, stray) {
            (None, false, _) if text.is_some() => {
                return (count_fields(d, current) == Some(expected)).then(|| current.to_vec());
            }
            (Some(p), _, Some(at)) if p == NOT_DOUBLED => {
                let end = current[at + 1..]
                    .iter()
                    .position(|&c| c == delim)
                    .map_or(current.len(), |i| at + 1 + i);
                let mut fixed = Vec::with_capacity(current.len() + 4);
                fixed.extend_from_slice(&current[..at]);
                fixed.push(q);
                for &c in &current[at..end] {
                    if c == q {
                        fixed.push(q);
                    }
                    fixed.push(c);
                }
                fixed.push(q);
                fixed.extend_from_slice(&current[end..]);
                text = Some(fixed);
            }
            _ => return None,
        }
    }
    None
}

/// Records of a sample read line by line as [`CsvParser`] reads them (stray quotes repaired against
/// `expected` fields), for the header and time-column search.
fn rows_as_ingest_reads(d: &Dialect, sample: &[u8], expected: usize) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut rr = RecordReader::new(d);
    let mut scratch = Vec::new();
    let mut in_record = false;
    for line in sample.split(|c| *c == b'\n').take(SNIFF_ROWS * 4) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if rows.len() >= SNIFF_ROWS {
            break;
        }
        if !in_record && line.is_empty() {
            continue;
        }
        let repaired = if in_record {
            None
        } else {
            repair_stray_quotes(d, line, expected)
        };
        let mut text = repaired.as_deref().unwrap_or(line);
        if d.skip_initial_space {
            drop_initial_spaces(d, text, in_record, &mut scratch);
            text = &scratch;
        }
        if !text.is_empty() {
            rr.feed(text);
        }
        if rr.feed(b"\n").1 {
            rows.push(rr.fields().map(<[u8]>::to_vec).collect());
            rr.clear();
            in_record = false;
        } else {
            in_record = true;
        }
    }
    if in_record && rr.feed(&[]).1 {
        rows.push(rr.fields().map(<[u8]>::to_vec).collect());
    }
    rows
}

/// Reads CSV/TSV records line by line. See the module docs.
pub struct CsvParser {
    layout: CsvLayout,
    time: TimeColumn,
    level_column: Option<usize>,
    records: RecordReader,
    /// Reads a line on its own, to tell a stray quote from a multi-line field.
    probe: RecordReader,
    scratch: Vec<u8>,
    /// Physical lines seen (the current one's number, 1-based).
    line_no: u64,
    /// A record has started and not ended (inside a quoted field across lines).
    in_record: bool,
    /// Line on which the open record started.
    record_line: u64,
    /// Whether the open record is a preamble or header row (its lines are skipped).
    record_skipped: bool,
    /// Records ended so far (preamble and header rows included).
    rows: usize,
    first_problem: Option<String>,
    problems: u64,
}

impl std::fmt::Debug for CsvParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvParser")
            .field("layout", &self.layout)
            .field("time", &self.time)
            .field("level_column", &self.level_column)
            .finish()
    }
}

impl CsvParser {
    /// Reads the sample as CSV. `delimiter` is the one the file's name suggests (`,` for `.csv`, TAB
    /// for `.tsv`): it wins ties, and any dialect is accepted since the name says CSV. For files whose
    /// name says nothing, use [`CsvParser::sniff_unnamed`].
    pub fn sniff(sample: &[u8], delimiter: u8) -> Option<CsvParser> {
        sniff_dialect(sample, SniffMode::Named(delimiter)).map(CsvParser::from_sniffed)
    }

    /// Reads the sample as CSV only when it clearly is: `, ; TAB |`, two or more columns, a header
    /// row, and at least 90% of rows with the same field count.
    pub fn sniff_unnamed(sample: &[u8]) -> Option<CsvParser> {
        sniff_dialect(sample, SniffMode::Unnamed).map(CsvParser::from_sniffed)
    }

    pub fn from_sniffed(s: Sniffed) -> CsvParser {
        CsvParser {
            records: RecordReader::new(&s.dialect),
            probe: RecordReader::new(&s.dialect),
            layout: CsvLayout {
                dialect: s.dialect,
                header: s.header,
            },
            time: s.time,
            level_column: s.level_column,
            scratch: Vec::new(),
            line_no: 0,
            in_record: false,
            record_line: 0,
            record_skipped: false,
            rows: 0,
            first_problem: None,
            problems: 0,
        }
    }

    /// The dialect and column names in use.
    pub fn layout(&self) -> &CsvLayout {
        &self.layout
    }

    /// Where the time is read from.
    pub fn time_column(&self) -> TimeColumn {
        self.time
    }

    fn problem(&mut self, line: u64, what: &str) {
        self.problems += 1;
        if self.first_problem.is_none() {
            self.first_problem = Some(format!("line {line}: {what}"));
        }
    }

    fn skip_rows(&self) -> usize {
        self.layout.dialect.preamble_rows + self.layout.dialect.header_rows
    }

    /// Looks for quote misuse on one physical line, starting inside a quoted field or not.
    ///
    /// A dialect without quoting is still checked the RFC 4180 way (with `"`): the file reads better
    /// without quotes, but a `"` opening a field that never closes, or one inside a field, breaks the RFC.
    fn check_quotes(&mut self, line: &[u8], in_quoted: bool) {
        if self.layout.dialect.quote.is_some() {
            if let (Some(p), _) = quote_check(&self.layout.dialect, line, in_quoted) {
                self.problem(self.line_no, p);
            }
            return;
        }
        let rfc = Dialect {
            quote: Some(b'"'),
            ..self.layout.dialect.clone()
        };
        match quote_check(&rfc, line, false) {
            (Some(p), _) => self.problem(self.line_no, p),
            (None, true) => self.problem(self.line_no, "a quoted field is never closed"),
            (None, false) => {}
        }
    }

    fn feed_line(&mut self, line: &[u8]) -> bool {
        // (An empty slice would tell csv-core the data has ended.)
        let (_, ended) = if line.is_empty() {
            self.records.feed(b"\n")
        } else if self.layout.dialect.skip_initial_space {
            let mut scratch = std::mem::take(&mut self.scratch);
            drop_initial_spaces(&self.layout.dialect, line, self.in_record, &mut scratch);
            self.records.feed(&scratch);
            self.scratch = scratch;
            self.records.feed(b"\n")
        } else {
            self.records.feed(line);
            self.records.feed(b"\n")
        };
        ended
    }

    fn record_time_and_level(&self, cx: &TimeContext) -> (Option<i64>, Level) {
        self.time_and_level_of(&self.records, cx)
    }

    fn time_and_level_of(&self, r: &RecordReader, cx: &TimeContext) -> (Option<i64>, Level) {
        let ts = match self.time {
            TimeColumn::None => None,
            TimeColumn::One(c) => r.field(c).and_then(cell_stamp),
            TimeColumn::DateAndTime(d, t) => match (r.field(d), r.field(t)) {
                (Some(dc), Some(tc)) => cell_stamp(&join_date_time(dc, tc)),
                _ => None,
            },
        }
        .and_then(|stamp| cx.resolve(&stamp));
        let level = self
            .level_column
            .and_then(|c| r.field(c))
            .and_then(|f| Level::from_word(trim(f)))
            .unwrap_or_default();
        (ts, level)
    }

    /// Whether `line`, read on its own, is a whole record of the expected width with a readable time:
    /// then an open quoted field above it is given up (it was a stray quote).
    fn is_fresh_timed_record(&mut self, line: &[u8], cx: &TimeContext) -> bool {
        if self.time == TimeColumn::None || self.layout.header.is_empty() || line.is_empty() {
            return false;
        }
        // A line that closes the open field has a quote that is out of place when read on its own.
        if let (Some(_), _) | (None, true) = quote_check(&self.layout.dialect, line, false) {
            return false;
        }
        self.probe.reset();
        let input = if self.layout.dialect.skip_initial_space {
            drop_initial_spaces(&self.layout.dialect, line, false, &mut self.scratch);
            &self.scratch[..]
        } else {
            line
        };
        self.probe.feed(input);
        self.probe.feed(b"\n").1
            && self.probe.field_count() == self.layout.header.len()
            && self.time_and_level_of(&self.probe, cx).0.is_some()
    }

    fn end_record(&mut self, cx: &TimeContext) -> Option<(Option<i64>, Level)> {
        self.in_record = false;
        let row = self.rows;
        self.rows += 1;
        let result = if self.record_skipped {
            None
        } else {
            let expected = self.layout.header.len();
            let got = self.records.field_count();
            if expected > 0 && got != expected && row >= self.skip_rows() {
                self.problem(
                    self.record_line,
                    &format!("{got} fields where the header has {expected}"),
                );
            }
            Some(self.record_time_and_level(cx))
        };
        self.records.clear();
        result
    }
}

impl LineParser for CsvParser {
    fn name(&self) -> FormatName {
        self.layout.dialect.format()
    }

    fn classify(&mut self, line: &[u8], cx: &TimeContext) -> LineClass {
        self.line_no += 1;
        let one_column = self.layout.dialect.delimiter.is_none();
        if self.in_record && self.is_fresh_timed_record(line, cx) {
            self.problem(self.record_line, "a quoted field is never closed");
            self.records.reset();
            self.in_record = false;
            if !self.record_skipped {
                // The open record ends above; this line starts the next one.
                self.rows += 1;
            }
        }
        if !self.in_record {
            if line.is_empty() {
                // A blank line is a record of one empty field in a one-column file (RFC 4180), and
                // nothing in a wider one.
                if !one_column {
                    return LineClass::Skip;
                }
                self.rows += 1;
                if self.rows <= self.skip_rows() {
                    return LineClass::Skip;
                }
                return LineClass::Start {
                    ts: None,
                    level: Level::None,
                };
            }
            self.in_record = true;
            self.record_line = self.line_no;
            self.record_skipped = self.rows < self.skip_rows();
            // Only a line whose quote closes inside a field can hold a stray quote worth repairing.
            let repaired = match (self.layout.header.len(), self.layout.dialect.quote) {
                (0 | 1, _) | (_, None) => None,
                (width, Some(q)) => match memchr::memchr(q, line) {
                    None => None,
                    Some(_) => repair_stray_quotes(&self.layout.dialect, line, width),
                },
            };
            let ended = match repaired {
                Some(fixed) => {
                    self.problem(self.line_no, STRAY_QUOTE);
                    self.feed_line(&fixed)
                }
                None => {
                    self.check_quotes(line, false);
                    self.feed_line(line)
                }
            };
            if ended {
                return match self.end_record(cx) {
                    Some((ts, level)) => LineClass::Start { ts, level },
                    None => LineClass::Skip,
                };
            }
            return if self.record_skipped {
                LineClass::Skip
            } else {
                LineClass::Start {
                    ts: None,
                    level: Level::None,
                }
            };
        }
        // A line inside a quoted field that started above.
        self.check_quotes(line, true);
        if self.feed_line(line) {
            if let Some((ts, level)) = self.end_record(cx) {
                return LineClass::Amend { ts, level };
            }
        }
        if self.record_skipped {
            LineClass::Skip
        } else {
            LineClass::Continue
        }
    }

    fn finish(&mut self) -> Option<String> {
        if self.in_record {
            self.problem(self.record_line, "a quoted field is never closed");
            self.in_record = false;
        }
        let first = self.first_problem.take()?;
        Some(match self.problems {
            0 | 1 => format!("{first} (this breaks RFC 4180; the rest was read)"),
            n => format!(
                "{first}, and {} more rows break RFC 4180; the rest was read",
                n - 1
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::format_rfc3339;

    fn classify_all(p: &mut CsvParser, text: &str) -> Vec<LineClass> {
        let cx = TimeContext::default();
        text.split('\n')
            .map(|l| p.classify(l.as_bytes(), &cx))
            .collect()
    }

    #[test]
    fn header_is_skipped_and_epoch_ms_column_found() {
        let sample = b"txn_id,timestamp_ms,merchant\nT1,1783069201181,\"Bob's \"\"Best\"\" Bikes\"\nT2,1783069201477,\"Acme, Inc.\"\n";
        let mut p = CsvParser::sniff(sample, b',').unwrap();
        assert_eq!(p.time_column(), TimeColumn::One(1));
        let cx = TimeContext::default();
        assert_eq!(
            p.classify(b"txn_id,timestamp_ms,merchant", &cx),
            LineClass::Skip
        );
        match p.classify(b"T1,1783069201181,\"Acme, Inc.\"", &cx) {
            LineClass::Start { ts: Some(ts), .. } => {
                assert_eq!(format_rfc3339(ts), "2026-07-03T09:00:01.181Z")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn quoted_newlines_continue_the_record_and_late_time_is_amended() {
        let text = "msg,time\n\"two\nlines\",2026-07-03T09:00:00Z\nx,2026-07-03T09:00:01Z";
        let mut p = CsvParser::sniff(text.as_bytes(), b',').unwrap();
        assert_eq!(p.time_column(), TimeColumn::One(1));
        let classes = classify_all(&mut p, text);
        assert_eq!(classes[0], LineClass::Skip);
        assert_eq!(
            classes[1],
            LineClass::Start {
                ts: None,
                level: Level::None
            }
        );
        match classes[2] {
            LineClass::Amend { ts: Some(ts), .. } => {
                assert_eq!(format_rfc3339(ts), "2026-07-03T09:00:00Z")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(classes[3], LineClass::Start { ts: Some(_), .. }));
        assert_eq!(p.finish(), None);
    }

    #[test]
    fn sniffs_semicolons_tabs_pipes_and_single_quotes() {
        let semi = b"a;b;c\n1;2,5;3\n4;5,5;6\n7;8,1;9\n";
        let s = sniff_dialect(semi, SniffMode::Named(b',')).unwrap();
        assert_eq!(s.dialect.delimiter, Some(b';'));
        let tab = b"name\tvalue\nx\t1\ny\t2\n";
        assert_eq!(
            sniff_dialect(tab, SniffMode::Unnamed)
                .unwrap()
                .dialect
                .delimiter,
            Some(b'\t')
        );
        let pipe = b"id|when|what\n1|2026-07-03 09:00:00|a, b\n2|2026-07-03 09:00:01|c, d\n";
        let s = sniff_dialect(pipe, SniffMode::Unnamed).unwrap();
        assert_eq!(s.dialect.delimiter, Some(b'|'));
        assert_eq!(s.time, TimeColumn::One(1));
        let single = b"id,text\n1,'a, b'\n2,'c, d'\n3,'e, f'\n";
        let s = sniff_dialect(single, SniffMode::Named(b',')).unwrap();
        assert_eq!(s.dialect.quote, Some(b'\''));
    }

    #[test]
    fn preamble_and_header_rows_are_found() {
        let text = b"Report,,\n,,\nwhen,qty,price\n2026-07-03 09:00:00,1,2.5\n2026-07-03 09:00:01,2,3.5\n2026-07-03 09:00:02,3,4.5\n";
        let s = sniff_dialect(text, SniffMode::Named(b',')).unwrap();
        assert_eq!(s.dialect.preamble_rows, 2);
        assert_eq!(s.dialect.header_rows, 1);
        assert_eq!(s.header, vec!["when", "qty", "price"]);
    }

    #[test]
    fn headerless_files_get_numbered_columns() {
        let text = b"1,2,3\n4,5,6\n";
        let s = sniff_dialect(text, SniffMode::Named(b',')).unwrap();
        assert_eq!(s.dialect.header_rows, 0);
        assert_eq!(s.header, vec!["column_1", "column_2", "column_3"]);
        assert!(sniff_dialect(text, SniffMode::Unnamed).is_none());
    }

    #[test]
    fn date_and_time_columns_are_read_together() {
        let text = b"day,at,n\n2026-07-03,09:00:00,1\n2026-07-03,09:00:05,2\n";
        let s = sniff_dialect(text, SniffMode::Named(b',')).unwrap();
        assert_eq!(s.time, TimeColumn::DateAndTime(0, 1));
    }

    #[test]
    fn ids_are_not_times_but_named_epochs_are() {
        let text = b"phone,city\n2095257564,Modesto\n2095257565,Fresno\n";
        let s = sniff_dialect(text, SniffMode::Named(b',')).unwrap();
        assert_eq!(s.time, TimeColumn::None);
    }

    #[test]
    fn rfc4180_problems_are_named_with_their_line() {
        let text = "a,b,c\n1,\"2, 3\",3\n4,5\n6,\"open,7\n";
        let mut p = CsvParser::sniff(text.as_bytes(), b',').unwrap();
        classify_all(&mut p, text);
        let msg = p.finish().unwrap();
        assert!(
            msg.starts_with("line 3: 2 fields where the header has 3"),
            "{msg}"
        );
        assert!(msg.contains("1 more rows"), "{msg}");

        let text = "a,b,c\n1,This \"quoted\" word,3\n";
        let mut p = CsvParser::sniff(text.as_bytes(), b',').unwrap();
        classify_all(&mut p, text);
        assert!(p
            .finish()
            .unwrap()
            .starts_with("line 2: a quote appears inside a field that is not quoted"));
    }

    #[test]
    fn a_stray_quote_does_not_swallow_a_timed_file() {
        let mut text = "time,msg\n2026-07-03T09:00:00Z,\"oops\n".to_string();
        for i in 1..8 {
            text.push_str(&format!("2026-07-03T09:00:0{i}Z,\"fine, ok\"\n"));
        }
        let text = text.trim_end();
        let mut p = CsvParser::sniff(text.as_bytes(), b',').unwrap();
        assert_eq!(p.layout().dialect.quote, Some(b'"'));
        let classes = classify_all(&mut p, text);
        assert!(classes[2..]
            .iter()
            .all(|c| matches!(c, LineClass::Start { ts: Some(_), .. })));
        let msg = p.finish().unwrap();
        assert!(
            msg.starts_with("line 2: a quoted field is never closed"),
            "{msg}"
        );
    }

    #[test]
    fn fields_come_back_with_their_names() {
        let layout = CsvLayout::sniff(b"a,b\n1,\"x\"\"y\"\n", "t.csv").unwrap();
        assert_eq!(
            record_fields(&layout, b"1,\"x\"\"y\nz\",extra"),
            vec![
                ("a".to_string(), "1".to_string()),
                ("b".to_string(), "x\"y\nz".to_string()),
                ("column_3".to_string(), "extra".to_string()),
            ]
        );
    }

    #[test]
    fn comma_space_and_backslash_escapes() {
        let text = b"a, b, c\n1, \"x, y\", 2\n3, \"u, v\", 4\n5, \"p, q\", 6\n";
        let s = sniff_dialect(text, SniffMode::Named(b',')).unwrap();
        assert!(s.dialect.skip_initial_space);
        assert_eq!(
            parse_record(&s.dialect, b"1, \"x, y\", 2"),
            vec!["1", "x, y", "2"]
        );
        let text = b"a,b\n1,\"say \\\"hi\\\", ok\"\n2,\"x\"\n3,\"y \\\"z\\\"\"\n";
        let s = sniff_dialect(text, SniffMode::Named(b',')).unwrap();
        assert_eq!(s.dialect.escape, Some(b'\\'));
    }

    #[test]
    fn a_stray_quote_at_a_field_start_is_read_literally() {
        let d = Dialect::default();
        let fixed = repair_stray_quotes(&d, b"a,\"b,c,\"d\",e", 5).unwrap();
        assert_eq!(parse_record(&d, &fixed), vec!["a", "\"b", "c", "d", "e"]);
        assert_eq!(repair_stray_quotes(&d, b"a,\"b,c,\"d\",e", 4), None);
        // A line ending inside a quoted field is a multi-line field, not a stray quote.
        assert_eq!(repair_stray_quotes(&d, b"1,2,\"multi", 3), None);
        let text = "h1,h2,h3,h4\n\"x,1,\"y\",2\n";
        let layout = CsvLayout::sniff(b"h1,h2,h3,h4\nw,1,\"y\",2\nv,3,\"z\",4\n", "t.csv").unwrap();
        assert_eq!(
            record_values(&layout, text.lines().nth(1).unwrap().as_bytes()),
            vec!["\"x", "1", "y", "2"]
        );
    }

    #[test]
    fn prose_is_not_csv() {
        assert!(CsvParser::sniff_unnamed(b"hello world\nthis is, text\n").is_none());
        assert!(CsvParser::sniff_unnamed(
            b"2026-07-03 09:00:00,123 INFO a\n2026-07-03 09:00:01,456 INFO b\n"
        )
        .is_none());
    }
}
