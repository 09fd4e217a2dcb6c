//! Field extraction on demand: the named values inside one event's raw text.
//!
//! Ingest keeps only what every query needs (time, level, source); everything else is read from the
//! text when a query, a facet or a row's details asks for it, so loading stays fast and the store small.
//! What an event's fields are depends on its source's format:
//!
//! - JSON lines: every key, nested objects flattened with dots (`http.status`); arrays are kept as
//!   their JSON text. `key=value` pairs inside the message (`msg`, `message`, `log`) come after the
//!   keys (a real key wins over a pair of the same name).
//! - Access logs: `client`, `ident`, `user`, `method`, `path`, `protocol`, `status`, `bytes`,
//!   `referer`, `user_agent`, `duration` (the request time after the user agent, when present) and
//!   trailing `key=value` pairs such as `req_id`.
//! - CSV/TSV: one field per column, named by the header row.
//! - Text: `key=value` and `key="quoted value"` pairs anywhere in the event (logfmt).
//!
//! Values are strings as written (JSON strings unescaped). The pseudo-fields `level` and `source` come
//! from the store, not from here; see [`crate::engine::query`].

use std::borrow::Cow;

use super::formats::{FormatName, JsonScan, RawValue};
use super::store::SourceData;

/// JSON keys whose string value is the event's message (scanned for `key=value` pairs).
const JSON_MESSAGE_KEYS: &[&str] = &["msg", "message", "log", "@m", "@mt"];

/// The fixed parts of an access-log line, in order.
const ACCESS_PARTS: [&str; 11] = [
    "client",
    "ident",
    "user",
    "method",
    "path",
    "protocol",
    "status",
    "bytes",
    "referer",
    "user_agent",
    "duration",
];

/// Deepest nesting of JSON objects that is flattened.
const MAX_DEPTH: usize = 8;

/// Knows how to read the fields of one source's events (its format and, for CSV, its header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldReader {
    format: FormatName,
    /// CSV/TSV column names from the header row.
    columns: Vec<String>,
    delimiter: u8,
}

impl FieldReader {
    /// A reader for the events of `source`.
    pub fn for_source(source: &SourceData) -> Self {
        let format = source.info.format;
        let delimiter = if format == FormatName::Tsv {
            b'\t'
        } else {
            b','
        };
        let columns = match format {
            FormatName::Csv | FormatName::Tsv => source
                .blocks()
                .first()
                .filter(|b| b.file_offset == 0)
                .map(|b| {
                    let end = memchr::memchr(b'\n', &b.bytes).unwrap_or(b.bytes.len());
                    let header = b.bytes[..end]
                        .strip_suffix(b"\r")
                        .unwrap_or(&b.bytes[..end]);
                    split_csv(header, delimiter)
                        .into_iter()
                        .map(|c| String::from_utf8_lossy(&c).trim().to_string())
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        FieldReader {
            format,
            columns,
            delimiter,
        }
    }

    /// A reader for text in `format` (CSV needs [`FieldReader::for_source`] to know its columns).
    pub fn for_format(format: FormatName) -> Self {
        FieldReader {
            format,
            columns: Vec::new(),
            delimiter: if format == FormatName::Tsv {
                b'\t'
            } else {
                b','
            },
        }
    }

    pub fn format(&self) -> FormatName {
        self.format
    }

    /// Whether field `name` appears literally in the text of every event that has it (JSON keys,
    /// `key=value` pairs; not CSV columns or access-log parts), so a text search for the name can
    /// rule events out before extraction.
    pub fn name_in_text(&self, name: &str) -> bool {
        match self.format {
            FormatName::Csv | FormatName::Tsv => false,
            FormatName::AccessLog => !ACCESS_PARTS.iter().any(|p| p.eq_ignore_ascii_case(name)),
            _ => true,
        }
    }

    /// Formats whose events are one JSON object (the first line of the event).
    pub fn is_json(&self) -> bool {
        matches!(
            self.format,
            FormatName::JsonLines
                | FormatName::Cloudtrail
                | FormatName::JournaldJson
                | FormatName::DockerJson
        )
    }

    /// Calls `visit(name, value)` for every field of the event, in text order, until it returns false.
    pub fn for_each<'t>(&self, text: &'t [u8], visit: &mut dyn FnMut(&str, Cow<'t, str>) -> bool) {
        match self.format {
            _ if self.is_json() => {
                // Only the first line is the object; unparsed tails are not fields.
                json_fields(text, &mut String::new(), 0, visit);
            }
            FormatName::AccessLog => access_fields(text, visit),
            FormatName::Csv | FormatName::Tsv => {
                for (i, value) in split_csv(text, self.delimiter).into_iter().enumerate() {
                    let Some(name) = self.columns.get(i) else {
                        break;
                    };
                    if !visit(name, bytes_to_cow(value)) {
                        return;
                    }
                }
            }
            // Every other format: `key=value` pairs in the text (logfmt, free text, syslog bodies).
            _ => {
                logfmt_pairs(text, visit);
            }
        }
    }

    /// The value of field `name`, if the event has it. Names are case-sensitive, as written in the
    /// text (JSON keys, `key=value` pairs); CSV column names and access-log parts ignore case.
    pub fn get<'t>(&self, text: &'t [u8], name: &str) -> Option<Cow<'t, str>> {
        if self.is_json() {
            return json_get(text, name.as_bytes(), 0);
        }
        if self.format == FormatName::AccessLog {
            return access_get(text, name);
        }
        if matches!(self.format, FormatName::Csv | FormatName::Tsv) {
            let column = self
                .columns
                .iter()
                .position(|c| c.eq_ignore_ascii_case(name))?;
            return csv_field(text, self.delimiter, column).map(bytes_to_cow);
        }
        let mut found = None;
        self.for_each(text, &mut |key, value| {
            if key == name {
                found = Some(value);
                false
            } else {
                true
            }
        });
        found
    }

    /// Every field of the event as owned pairs, in text order (for row details and `casefile query`).
    pub fn all(&self, text: &[u8]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        self.for_each(text, &mut |key, value| {
            out.push((key.to_string(), value.into_owned()));
            true
        });
        out
    }
}

/// `bytes` as text, invalid UTF-8 replaced (`String::from_utf8_lossy`), checked by the standard
/// library's faster validation first: values are short and nearly always valid.
#[inline]
fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

fn bytes_to_cow(b: Cow<'_, [u8]>) -> Cow<'_, str> {
    match b {
        Cow::Borrowed(b) => String::from_utf8_lossy(b),
        Cow::Owned(v) => Cow::Owned(String::from_utf8_lossy(&v).into_owned()),
    }
}

/// Field `column` of one CSV record, read without splitting the others out.
fn csv_field(record: &[u8], delimiter: u8, column: usize) -> Option<Cow<'_, [u8]>> {
    let mut start = 0;
    let mut in_quotes = false;
    let mut index = 0;
    let mut i = 0;
    while i <= record.len() {
        let c = record.get(i).copied();
        match c {
            Some(b'"') => in_quotes = !in_quotes,
            Some(d) if d == delimiter && !in_quotes => {}
            Some(_) => {
                i += 1;
                continue;
            }
            None => {}
        }
        if c == Some(b'"') {
            i += 1;
            continue;
        }
        // A delimiter outside quotes, or the end: field `index` is `start..i`.
        if index == column {
            let raw = &record[start..i];
            return split_csv(raw, delimiter).into_iter().next();
        }
        index += 1;
        start = i + 1;
        i += 1;
    }
    None
}

/// Splits one CSV record into fields: quotes removed, doubled quotes undone. A record continued over
/// several lines (quoted newlines) is read as one.
fn split_csv(record: &[u8], delimiter: u8) -> Vec<Cow<'_, [u8]>> {
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        if record.get(i) == Some(&b'"') {
            let mut value = Vec::new();
            i += 1;
            while i < record.len() {
                if record[i] == b'"' {
                    if record.get(i + 1) == Some(&b'"') {
                        value.push(b'"');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                value.push(record[i]);
                i += 1;
            }
            // Anything between the closing quote and the delimiter is kept as written.
            let rest_end = memchr::memchr(delimiter, &record[i.min(record.len())..])
                .map_or(record.len(), |r| i + r);
            value.extend_from_slice(&record[i.min(rest_end)..rest_end]);
            fields.push(Cow::Owned(value));
            i = rest_end;
        } else {
            let end = memchr::memchr(delimiter, &record[i.min(record.len())..])
                .map_or(record.len(), |r| i + r);
            fields.push(Cow::Borrowed(&record[i.min(end)..end]));
            i = end;
        }
        if i >= record.len() {
            break;
        }
        i += 1; // the delimiter
        if i == record.len() {
            fields.push(Cow::Borrowed(&record[i..]));
            break;
        }
    }
    fields
}

pub use super::formats::json_unescape;

/// The value of a top-level JSON key found by a text search, read right there without parsing the
/// object: `key` is the range of the first `"name"` in `text`. `None` when this cannot be told
/// safely, and the caller parses the object ([`FieldReader::get`]): the match must be the key form
/// (followed by `:`) on the object's line, and that line must hold no nested object (so the match is
/// a top-level key, the first one, which is what a full parse finds; the first line of a JSON event
/// is a well-formed object, or ingest would not have started an event there).
pub fn json_value_at_key(text: &[u8], key: std::ops::Range<usize>) -> Option<Cow<'_, str>> {
    // One pass finds the line end and any `{` after the line's first byte (a nested object).
    let mut line_end = text.len();
    let mut from = 0;
    while let Some(r) = memchr::memchr2(b'{', b'\n', &text[from..]) {
        let at = from + r;
        if text[at] == b'\n' {
            line_end = at;
            break;
        }
        if at > 0 {
            return None;
        }
        from = at + 1;
    }
    let line = &text[..line_end];
    if key.end > line.len() || line.get(key.start) != Some(&b'"') || line.last() != Some(&b'}') {
        return None;
    }
    let rest = &line[key.end..];
    let colon = rest.iter().position(|c| !c.is_ascii_whitespace())?;
    if rest[colon] != b':' {
        return None;
    }
    let rest = &rest[colon + 1..];
    let value_at = rest.iter().position(|c| !c.is_ascii_whitespace())?;
    json_value_after(&rest[value_at..])
}

/// A JSON value at the start of `rest`: a string (unescaped) or the raw text of a scalar.
fn json_value_after(rest: &[u8]) -> Option<Cow<'_, str>> {
    if rest.first() == Some(&b'"') {
        let mut i = 1;
        loop {
            let r = memchr::memchr2(b'"', b'\\', rest.get(i..)?)?;
            if rest[i + r] == b'\\' {
                i += r + 2;
            } else {
                return Some(json_unescape(&rest[1..i + r]));
            }
        }
    }
    let end = rest
        .iter()
        .position(|c| matches!(c, b',' | b'}' | b']') || c.is_ascii_whitespace())
        .unwrap_or(rest.len());
    Some(lossy(&rest[..end]))
}

/// Visits the keys of the JSON object in `text` (flattened under `prefix`), then, at the top level,
/// the `key=value` pairs inside its message strings; false when stopped.
fn json_fields<'t>(
    text: &'t [u8],
    prefix: &mut String,
    depth: usize,
    visit: &mut dyn FnMut(&str, Cow<'t, str>) -> bool,
) -> bool {
    let Some(mut scan) = JsonScan::new(text) else {
        return true;
    };
    let mut messages: Vec<&'t [u8]> = Vec::new();
    while let Some((key, value)) = scan.next_pair() {
        let key = json_unescape(key);
        let mark = prefix.len();
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(&key);
        let go_on = match value {
            RawValue::Str(s) => {
                if depth == 0 && JSON_MESSAGE_KEYS.contains(&key.as_ref()) {
                    messages.push(s);
                }
                visit(prefix, json_unescape(s))
            }
            RawValue::Other(raw) if raw.first() == Some(&b'{') => {
                if depth + 1 < MAX_DEPTH {
                    json_fields(raw, prefix, depth + 1, visit)
                } else {
                    visit(prefix, String::from_utf8_lossy(raw))
                }
            }
            RawValue::Other(raw) => visit(prefix, String::from_utf8_lossy(raw)),
        };
        prefix.truncate(mark);
        if !go_on {
            return false;
        }
    }
    for m in messages {
        let mut keep = true;
        logfmt_pairs(m, &mut |k, v| {
            keep = visit(k, v);
            keep
        });
        if !keep {
            return false;
        }
    }
    true
}

fn is_message_key(key: &[u8]) -> bool {
    JSON_MESSAGE_KEYS.iter().any(|k| k.as_bytes() == key)
}

/// [`FieldReader::get`] for JSON without visiting every field: compares raw keys, decodes only the
/// value asked for. Finds the same value as the first match of `json_fields`.
fn json_get<'t>(text: &'t [u8], name: &[u8], depth: usize) -> Option<Cow<'t, str>> {
    let mut scan = JsonScan::new(text)?;
    let mut messages: [Option<&'t [u8]>; 2] = [None; 2];
    let mut more_messages: Vec<&'t [u8]> = Vec::new();
    while let Some((raw_key, value)) = scan.next_pair() {
        let key: Cow<'_, [u8]> = if memchr::memchr(b'\\', raw_key).is_some() {
            Cow::Owned(json_unescape(raw_key).into_owned().into_bytes())
        } else {
            Cow::Borrowed(raw_key)
        };
        let is_object = matches!(value, RawValue::Other(raw) if raw.first() == Some(&b'{'));
        if *key == *name && !(is_object && depth + 1 < MAX_DEPTH) {
            return Some(match value {
                RawValue::Str(s) => json_unescape(s),
                RawValue::Other(raw) => String::from_utf8_lossy(raw),
            });
        }
        match value {
            RawValue::Other(raw)
                if is_object
                    && depth + 1 < MAX_DEPTH
                    && name.len() > key.len()
                    && name[key.len()] == b'.'
                    && name[..key.len()] == *key =>
            {
                if let Some(v) = json_get(raw, &name[key.len() + 1..], depth + 1) {
                    return Some(v);
                }
            }
            RawValue::Str(s) if depth == 0 && is_message_key(&key) => {
                match messages.iter_mut().find(|m| m.is_none()) {
                    Some(free) => *free = Some(s),
                    None => more_messages.push(s),
                }
            }
            _ => {}
        }
    }
    for m in messages.into_iter().flatten().chain(more_messages) {
        let mut found = None;
        logfmt_pairs(m, &mut |k, v| {
            if k.as_bytes() == name {
                found = Some(v);
                false
            } else {
                true
            }
        });
        if found.is_some() {
            return found;
        }
    }
    None
}

fn is_key_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'@'
}

fn is_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'@' | b'/')
}

/// Visits `key=value` and `key="quoted value"` pairs in free text (logfmt), in order.
fn logfmt_pairs<'t>(text: &'t [u8], visit: &mut dyn FnMut(&str, Cow<'t, str>) -> bool) {
    let mut at = 0;
    while let Some(rel) = memchr::memchr(b'=', &text[at..]) {
        let eq = at + rel;
        at = eq + 1;
        // The key: key bytes right before `=`, starting after a separator.
        let mut ks = eq;
        while ks > 0 && is_key_byte(text[ks - 1]) {
            ks -= 1;
        }
        while ks < eq && !is_key_start(text[ks]) {
            ks += 1;
        }
        if ks == eq
            || (ks > 0
                && !matches!(
                    text[ks - 1],
                    b' ' | b'\t' | b'\n' | b',' | b'[' | b'(' | b'{' | b';' | b'"' | b'|'
                ))
        {
            continue;
        }
        let Ok(key) = std::str::from_utf8(&text[ks..eq]) else {
            continue;
        };
        let value: Cow<'t, str>;
        if text.get(eq + 1) == Some(&b'"') {
            // Quoted: up to the next unescaped quote (JSON-style escapes).
            let mut i = eq + 2;
            loop {
                match memchr::memchr2(b'"', b'\\', &text[i.min(text.len())..]) {
                    Some(r) if text[i + r] == b'\\' => i += r + 2,
                    Some(r) => {
                        i += r;
                        break;
                    }
                    None => {
                        i = text.len();
                        break;
                    }
                }
            }
            let end = i.min(text.len());
            value = json_unescape(&text[eq + 2..end.max(eq + 2)]);
            at = (end + 1).min(text.len());
        } else {
            let end = text[eq + 1..]
                .iter()
                .position(|c| {
                    c.is_ascii_whitespace() || matches!(c, b',' | b';' | b')' | b']' | b'}' | b'"')
                })
                .map_or(text.len(), |p| eq + 1 + p);
            value = String::from_utf8_lossy(&text[eq + 1..end]);
            at = end;
        }
        if !visit(key, value) {
            return;
        }
    }
}

/// Visits the parts of a combined access-log line, then its trailing `key=value` pairs.
fn access_fields<'t>(text: &'t [u8], visit: &mut dyn FnMut(&str, Cow<'t, str>) -> bool) {
    let mut go_on = true;
    let rest = access_parts(text, &mut |name, raw| {
        go_on = visit(name, String::from_utf8_lossy(raw));
        go_on
    });
    if let (true, Some(rest)) = (go_on, rest) {
        logfmt_pairs(rest, visit);
    }
}

/// [`FieldReader::get`] for access logs: decodes only the value asked for.
fn access_get<'t>(text: &'t [u8], name: &str) -> Option<Cow<'t, str>> {
    if let Some(part) = ACCESS_PARTS
        .iter()
        .position(|p| p.eq_ignore_ascii_case(name))
        .filter(|p| ACCESS_PARTS_ALWAYS_READ.contains(p))
    {
        return access_part(text, part).map(lossy);
    }
    let mut found = None;
    let rest = access_parts(text, &mut |part, raw| {
        if part.eq_ignore_ascii_case(name) {
            found = Some(String::from_utf8_lossy(raw));
            false
        } else {
            true
        }
    });
    if found.is_some() {
        return found;
    }
    logfmt_pairs(rest?, &mut |k, v| {
        if k == name {
            found = Some(v);
            false
        } else {
            true
        }
    });
    found
}

/// The parts of [`ACCESS_PARTS`] (by position) that an access-log line has exactly when its parts
/// up to them can be read: the others (`method`, `path`, `protocol`: not when `-`; `duration`: not
/// when not a number) may instead be found among the trailing `key=value` pairs.
const ACCESS_PARTS_ALWAYS_READ: [usize; 7] = [0, 1, 2, 6, 7, 8, 9];

/// A reader of an access-log line's parts, in order, from the start of an event's text up to its
/// first line end (found as the parts are read, not before).
struct AccessLine<'t> {
    text: &'t [u8],
    at: usize,
}

impl<'t> AccessLine<'t> {
    /// The byte at `i`, if it is on the first line.
    #[inline]
    fn byte(&self, i: usize) -> Option<u8> {
        self.text.get(i).copied().filter(|c| *c != b'\n')
    }

    #[inline]
    fn skip_spaces(&mut self) {
        while self.byte(self.at) == Some(b' ') {
            self.at += 1;
        }
    }

    /// The next run of non-space bytes (parts are short: a byte loop beats a search).
    #[inline]
    fn token(&mut self) -> Option<&'t [u8]> {
        self.skip_spaces();
        let start = self.at;
        while self.byte(self.at).is_some_and(|c| c != b' ') {
            self.at += 1;
        }
        (self.at > start).then(|| &self.text[start..self.at])
    }

    /// Skips past the next `]` (the end of the bracketed time, which is not a field).
    fn skip_time(&mut self) -> Option<()> {
        let r = memchr::memchr2(b']', b'\n', self.text.get(self.at..)?)?;
        (self.text[self.at + r] == b']').then(|| self.at += r + 1)
    }

    /// The next double-quoted part, without its quotes (a quote after a backslash does not end it).
    fn quoted(&mut self) -> Option<&'t [u8]> {
        self.skip_spaces();
        if self.byte(self.at) != Some(b'"') {
            return None;
        }
        let start = self.at + 1;
        let mut i = start;
        loop {
            let r = memchr::memchr2(b'"', b'\n', self.text.get(i..)?)?;
            let end = i + r;
            if self.text[end] == b'\n' {
                return None;
            }
            if end > start && self.text[end - 1] == b'\\' {
                i = end + 1;
                continue;
            }
            self.at = end + 1;
            return Some(&self.text[start..end]);
        }
    }

    /// The rest of the first line.
    fn rest(&self) -> &'t [u8] {
        let rest = self.text.get(self.at..).unwrap_or(&[]);
        &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())]
    }
}

/// Part `part` of [`ACCESS_PARTS_ALWAYS_READ`] of an access-log line, found by position (the parts
/// before it skipped, not visited): what [`access_parts`] visits under that name.
fn access_part(text: &[u8], part: usize) -> Option<&[u8]> {
    debug_assert!(ACCESS_PARTS_ALWAYS_READ.contains(&part));
    let mut line = AccessLine { text, at: 0 };
    // client, ident, user; the time; the request; status, bytes; referer, user agent.
    for _ in 0..part.min(3) {
        line.token()?;
    }
    if part < 3 {
        return line.token();
    }
    line.skip_time()?;
    line.quoted()?;
    for _ in 6..part.min(8) {
        line.token()?;
    }
    if part < 8 {
        return line.token();
    }
    for _ in 8..part {
        line.quoted()?;
    }
    line.quoted()
}

/// Visits the fixed parts of an access-log line as raw bytes; returns the text after them (where
/// `key=value` pairs may follow) when every part was read and visited.
fn access_parts<'t>(
    text: &'t [u8],
    visit: &mut dyn FnMut(&'static str, &'t [u8]) -> bool,
) -> Option<&'t [u8]> {
    let mut line = AccessLine { text, at: 0 };
    let [client, ident, user, method, path, protocol, status, bytes, referer, user_agent, duration] =
        ACCESS_PARTS;
    for name in [client, ident, user] {
        if !visit(name, line.token()?) {
            return None;
        }
    }
    line.skip_time()?;
    let request = line.quoted()?;
    let mut parts = request.splitn(3, |c| *c == b' ');
    for name in [method, path, protocol] {
        if let Some(p) = parts.next().filter(|p| !p.is_empty() && *p != b"-") {
            if !visit(name, p) {
                return None;
            }
        }
    }
    for name in [status, bytes] {
        if !visit(name, line.token()?) {
            return None;
        }
    }
    for name in [referer, user_agent] {
        if !visit(name, line.quoted()?) {
            return None;
        }
    }
    let rest = line.rest();
    let first = rest.iter().position(|c| *c != b' ').unwrap_or(rest.len());
    let end = memchr::memchr(b' ', &rest[first..]).map_or(rest.len(), |r| first + r);
    let duration_name = duration;
    let duration = &rest[first..end];
    let is_number = std::str::from_utf8(duration).is_ok_and(|d| d.parse::<f64>().is_ok());
    if is_number && !visit(duration_name, duration) {
        return None;
    }
    Some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(format: FormatName, text: &str) -> Vec<(String, String)> {
        FieldReader::for_format(format).all(text.as_bytes())
    }

    fn p(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn json_keys_are_flattened_and_unescaped() {
        let got = pairs(
            FormatName::JsonLines,
            r#"{"ts":"x","http":{"status":502,"req":{"path":"/a"}},"msg":"say \"hi\" user=bob","tags":[1,2]}"#,
        );
        assert_eq!(
            got,
            vec![
                p("ts", "x"),
                p("http.status", "502"),
                p("http.req.path", "/a"),
                p("msg", "say \"hi\" user=bob"),
                p("tags", "[1,2]"),
                p("user", "bob"),
            ]
        );
    }

    #[test]
    fn access_log_parts_and_trailing_pairs() {
        let line = r#"10.1.2.3 - frank [03/Jul/2026:02:00:03 -0700] "GET /api/v1/login HTTP/1.1" 504 3677 "-" "Mozilla/5.0 (X11; Linux x86_64)" 0.018 req_id=269e0d37f2a74de4"#;
        let got = pairs(FormatName::AccessLog, line);
        assert_eq!(
            got,
            vec![
                p("client", "10.1.2.3"),
                p("ident", "-"),
                p("user", "frank"),
                p("method", "GET"),
                p("path", "/api/v1/login"),
                p("protocol", "HTTP/1.1"),
                p("status", "504"),
                p("bytes", "3677"),
                p("referer", "-"),
                p("user_agent", "Mozilla/5.0 (X11; Linux x86_64)"),
                p("duration", "0.018"),
                p("req_id", "269e0d37f2a74de4"),
            ]
        );
        let reader = FieldReader::for_format(FormatName::AccessLog);
        for (name, value) in &got {
            assert_eq!(
                reader.get(line.as_bytes(), name).as_deref(),
                Some(value.as_str())
            );
        }
        assert_eq!(reader.get(line.as_bytes(), "missing"), None);
    }

    /// Access-log lines with parts missing, cut short, quoted quotes and continuation lines.
    fn odd_access_lines() -> Vec<String> {
        let base = r#"10.1.2.3 - frank [03/Jul/2026:02:00:03 -0700] "GET /a HTTP/1.1" 504 3677 "-" "curl/8 \"x\"" 0.018 req_id=9e77 status=1"#;
        let mut lines: Vec<String> = (0..=base.len()).map(|i| base[..i].to_string()).collect();
        lines.extend(
            [
                r#"10.1.2.3 - - [03/Jul/2026:02:00:03 -0700] "-" 400 0 "-" "-" method=POST"#,
                r#"10.1.2.3 - - [03/Jul/2026:02:00:03 -0700] "GET /q?a=\"b\" HTTP/1.1" 200 1 "r" "ua""#,
                r#"10.1.2.3  -  -  [03/Jul/2026:02:00:03 -0700]   "GET / HTTP/1.0"   301   -   "" """#,
                r#"10.1.2.3 - - [03/Jul/2026:02:00:03 -0700] "GET /x HTTP/1.1" 200 5 "-" "ua" slow duration=9"#,
                "10.1.2.3 - - [03/Jul/2026:02:00:03 -0700] \"GET /x HTTP/1.1\"\n 200 5 \"-\" \"ua\"",
                "10.1.2.3 - - [03/Jul/2026:02:00:03 -0700] \"GET /x\nHTTP/1.1\" 200 5 \"-\" \"ua\"",
                "10.1.2.3 - -\n[03/Jul/2026:02:00:03 -0700] \"GET /x HTTP/1.1\" 200 5 \"-\" \"ua\"",
                "10.1.2.3 - - [03/Jul/2026:02:00:03 -0700] \"GET / HTTP/1.1\" 502 9 \"-\" \"ua\" 0.5\n  at x",
                "10.0.0.2, 10.0.0.1, 127.0.0.1 - - [07/Dec/2016:11:05:07 +0100] \"GET /o HTTP/1.1\" 200 571 \"-\" \"ua\"",
                "\n10.1.2.3 - - [03/Jul/2026:02:00:03 -0700] \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\"",
                "",
            ]
            .map(String::from),
        );
        lines
    }

    #[test]
    fn access_parts_found_by_position_are_the_parts_visited() {
        let reader = FieldReader::for_format(FormatName::AccessLog);
        for line in odd_access_lines() {
            let all = reader.all(line.as_bytes());
            for name in ACCESS_PARTS.iter().chain(&["req_id", "missing"]) {
                let visited = all.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
                let got = reader.get(line.as_bytes(), name);
                assert_eq!(got.as_deref(), visited, "{name} of {line:?}");
                let upper = reader.get(line.as_bytes(), &name.to_ascii_uppercase());
                let part = ACCESS_PARTS.iter().position(|p| p == name);
                if part.is_some_and(|p| ACCESS_PARTS_ALWAYS_READ.contains(&p)) {
                    assert_eq!(upper, got, "{name} ignores case");
                }
            }
        }
        // What the parts are, read by hand.
        let get =
            |line: &str, name: &str| reader.get(line.as_bytes(), name).map(|v| v.into_owned());
        let lines = odd_access_lines();
        let full = &lines[lines.len() - 12];
        assert_eq!(get(full, "user_agent").as_deref(), Some(r#"curl/8 \"x\""#));
        assert_eq!(get(full, "status").as_deref(), Some("504"));
        assert_eq!(get(full, "req_id").as_deref(), Some("9e77"));
        let dash = &lines[lines.len() - 11];
        assert_eq!(get(dash, "status").as_deref(), Some("400"));
        assert_eq!(
            get(dash, "method").as_deref(),
            Some("POST"),
            "a trailing pair"
        );
        assert_eq!(get(&lines[lines.len() - 9], "bytes").as_deref(), Some("-"));
        assert_eq!(get(&lines[lines.len() - 9], "referer").as_deref(), Some(""));
        assert_eq!(
            get(&lines[lines.len() - 8], "duration").as_deref(),
            Some("9")
        );
        for cut in [7, 6, 5] {
            assert_eq!(get(&lines[lines.len() - cut], "status"), None, "{cut}");
        }
        assert_eq!(
            get(&lines[lines.len() - 4], "status").as_deref(),
            Some("502")
        );
        assert_eq!(
            get(&lines[lines.len() - 4], "duration").as_deref(),
            Some("0.5")
        );
        assert_eq!(
            get(&lines[lines.len() - 3], "status").as_deref(),
            Some("200")
        );
        assert_eq!(get(&lines[lines.len() - 2], "status"), None);
    }

    #[test]
    fn json_values_read_at_their_key_are_what_parsing_finds() {
        let lines = [
            r#"{"a":1,"latency_ms": 17.8 ,"s":"x"}"#,
            r#"{"s":"say \"latency_ms\": 3","latency_ms":4}"#,
            r#"{"n":{"latency_ms":1},"latency_ms":2}"#,
            r#"{"latency_ms":"a\"b"}"#,
            "{\"latency_ms\":5}\n{\"latency_ms\":6}",
            "{\"a\":1,\n\"latency_ms\":7}",
            "\n{\"latency_ms\":8}",
            r#"{"latency_ms":9} trailing"#,
            r#"{"latency_ms" : 10}"#,
            r#"{"msg":"latency_ms=11"}"#,
        ];
        let reader = FieldReader::for_format(FormatName::JsonLines);
        let key = br#""latency_ms""#;
        let mut read_in_place = 0;
        for line in lines {
            let text = line.as_bytes();
            let parsed = reader.get(text, "latency_ms");
            let Some(at) = memchr::memmem::find(text, key) else {
                continue;
            };
            if let Some(v) = json_value_at_key(text, at..at + key.len()) {
                read_in_place += 1;
                assert_eq!(Some(v), parsed, "{line}");
            }
        }
        // The first, second (its first `"latency_ms"` is the key: the one in the string is escaped),
        // fourth, fifth and ninth.
        assert_eq!(
            read_in_place, 5,
            "the lines with one object and the key on its line"
        );
    }

    #[test]
    fn logfmt_pairs_in_free_text() {
        let got = pairs(
            FormatName::Text,
            r#"2026-07-03 09:00:00 INFO pool stats active=31 idle=43 msg="a b \"c\"" x=1,y=2 a==b"#,
        );
        assert_eq!(
            got,
            vec![
                p("active", "31"),
                p("idle", "43"),
                p("msg", "a b \"c\""),
                p("x", "1"),
                p("y", "2"),
                p("a", "=b"),
            ]
        );
    }

    #[test]
    fn csv_columns_by_header() {
        let mut reader = FieldReader::for_format(FormatName::Csv);
        reader.columns = vec!["id".into(), "merchant".into(), "note".into()];
        let got = reader.all(br#"T1,"Bob's ""Best"" Bikes","a,b""#);
        assert_eq!(
            got,
            vec![
                p("id", "T1"),
                p("merchant", "Bob's \"Best\" Bikes"),
                p("note", "a,b")
            ]
        );
        assert_eq!(reader.get(b"T2,,", "NOTE").as_deref(), Some(""));
        let record = br#"T1,"Bob's ""Best"", Bikes","a,b""#;
        for (name, value) in reader.all(record) {
            assert_eq!(
                reader.get(record, &name).as_deref(),
                Some(value.as_str()),
                "{name}"
            );
        }
        assert_eq!(reader.get(b"T3", "note"), None);
    }

    #[test]
    fn json_get_finds_what_visiting_finds() {
        let reader = FieldReader::for_format(FormatName::JsonLines);
        let line =
            br#"{"a":{"b":{"c":"deep"},"n":5},"msg":"x user=bob","k\u0065y":"esc","user":"later"}"#;
        for name in [
            "a.b.c", "A.N", "msg", "user", "key", "a", "a.b", "missing", "a.b.c.d",
        ] {
            let visited = reader.all(line).into_iter().find(|(k, _)| k == name);
            assert_eq!(
                reader.get(line, name).map(|v| v.into_owned()),
                visited.map(|(_, v)| v),
                "{name}"
            );
        }
    }

    #[test]
    fn json_unicode_escapes() {
        assert_eq!(json_unescape(br"caf\u00e9 \ud83d\ude00"), "café 😀");
        assert_eq!(json_unescape(br"bad \u12"), "bad \\u12");
    }
}
