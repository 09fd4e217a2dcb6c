//! JSON lines: one object per line, with the time, level and message under any common key.
//!
//! Ingest only needs the time and the level, so [`JsonScan`] walks the top-level object once, skipping
//! values it does not need, instead of building a tree for every line.

use std::borrow::Cow;

use super::text::stamped_start;
use super::{LineClass, LineParser};
use crate::engine::formats::FormatName;
use crate::engine::level::Level;
use crate::engine::time::{self, TimeContext};

const TIME_KEYS: &[&[u8]] = &[
    b"ts",
    b"time",
    b"timestamp",
    b"@timestamp",
    b"t",
    b"@t",
    b"date",
    b"datetime",
    b"eventTime",
    b"asctime",
    b"__REALTIME_TIMESTAMP",
    b"timeMillis",
    b"time_local",
];
const LEVEL_KEYS: &[&[u8]] = &[
    b"level",
    b"lvl",
    b"severity",
    b"loglevel",
    b"log.level",
    b"log_level",
    b"levelname",
    b"@l",
    b"level_name",
    b"severity_text",
    b"PRIORITY",
];
/// Objects whose keys are searched when the top level has no time or level (`{"log":{"level":..}}`).
const NESTED_KEYS: &[&[u8]] = &[b"log", b"fields", b"event", b"record", b"attributes"];

/// Reads top-level keys of a JSON object without allocating.
#[derive(Clone)]
pub struct JsonScan<'a> {
    b: &'a [u8],
    at: usize,
}

/// A top-level value as raw bytes: strings without their quotes (escapes left in place).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawValue<'a> {
    Str(&'a [u8]),
    Other(&'a [u8]),
}

impl<'a> JsonScan<'a> {
    /// Starts a scan when `line` looks like an object.
    pub fn new(line: &'a [u8]) -> Option<Self> {
        let start = line.iter().position(|c| !c.is_ascii_whitespace())?;
        (line[start] == b'{').then_some(JsonScan {
            b: line,
            at: start + 1,
        })
    }

    fn skip_ws(&mut self) {
        while self.b.get(self.at).is_some_and(|c| c.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    /// Scans a string starting at the opening quote; returns its content range.
    fn string(&mut self) -> Option<(usize, usize)> {
        debug_assert_eq!(self.b.get(self.at), Some(&b'"'));
        let start = self.at + 1;
        let mut i = start;
        loop {
            let rel = memchr::memchr2(b'"', b'\\', self.b.get(i..)?)?;
            i += rel;
            if self.b[i] == b'\\' {
                i += 2;
            } else {
                self.at = i + 1;
                return Some((start, i));
            }
        }
    }

    fn skip_value(&mut self) -> Option<RawValue<'a>> {
        self.skip_ws();
        match *self.b.get(self.at)? {
            b'"' => {
                let (s, e) = self.string()?;
                Some(RawValue::Str(&self.b[s..e]))
            }
            b'{' | b'[' => {
                let start = self.at;
                let mut depth = 0usize;
                loop {
                    match *self.b.get(self.at)? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.at += 1;
                                return Some(RawValue::Other(&self.b[start..self.at]));
                            }
                        }
                        _ => {}
                    }
                    self.at += 1;
                }
            }
            _ => {
                let start = self.at;
                while self
                    .b
                    .get(self.at)
                    .is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace())
                {
                    self.at += 1;
                }
                (self.at > start).then(|| RawValue::Other(&self.b[start..self.at]))
            }
        }
    }

    /// The next key and its value, or `None` at the end of the object or on malformed input.
    pub fn next_pair(&mut self) -> Option<(&'a [u8], RawValue<'a>)> {
        self.skip_ws();
        if self.b.get(self.at) == Some(&b',') {
            self.at += 1;
            self.skip_ws();
        }
        if self.b.get(self.at) != Some(&b'"') {
            return None;
        }
        let (ks, ke) = self.string()?;
        self.skip_ws();
        if self.b.get(self.at) != Some(&b':') {
            return None;
        }
        self.at += 1;
        let v = self.skip_value()?;
        Some((&self.b[ks..ke], v))
    }

    /// Whether the scan reached the closing brace of a well-formed object.
    pub fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.b.get(self.at) == Some(&b'}')
    }
}

/// Whether the line's last non-blank byte is a closing brace.
fn closes_object(line: &[u8]) -> bool {
    line.iter().rev().find(|c| !c.is_ascii_whitespace()) == Some(&b'}')
}

/// JSON lines: every line an object. The name says which kind of JSON log it is (plain, journal export
/// as JSON, CloudTrail records), chosen from the sample.
#[derive(Debug)]
pub struct JsonLinesParser {
    name: FormatName,
    /// The sample has records whose message is a stack frame (`" at a.b(C.java:1)"`): such records
    /// join the record above. Checked only in such files, so other files pay nothing for it.
    join_trace_records: bool,
    /// The file is a reframed records document (its `{"Records":` line was seen).
    records_document: bool,
}

impl Default for JsonLinesParser {
    fn default() -> Self {
        JsonLinesParser {
            name: FormatName::JsonLines,
            join_trace_records: false,
            records_document: false,
        }
    }
}

/// Keys whose string value is the record's message.
const MESSAGE_KEYS: &[&[u8]] = &[b"msg", b"message", b"log", b"text", b"MESSAGE"];

/// The raw (still escaped) message of an object line.
fn message_of(line: &[u8]) -> Option<&[u8]> {
    let mut scan = JsonScan::new(line)?;
    while let Some((key, value)) = scan.next_pair() {
        if let RawValue::Str(s) = value {
            if MESSAGE_KEYS.contains(&key) {
                return Some(s);
            }
        }
    }
    None
}

/// Whether a raw message is one line of a stack trace that continues the record above: an indented
/// `at ...` frame, `... N more`, or `Caused by:`.
fn message_continues(raw: &[u8]) -> bool {
    let mut rest = raw;
    let mut indented = false;
    loop {
        if let Some(r) = rest.strip_prefix(b" ") {
            rest = r;
        } else if let Some(r) = rest.strip_prefix(b"\\t") {
            rest = r;
        } else {
            break;
        }
        indented = true;
    }
    (indented && (rest.starts_with(b"at ") || rest.starts_with(b"... ")))
        || rest.starts_with(b"Caused by: ")
}

/// A CloudTrail record's level: error when it carries an `errorCode` (a denied or failed call),
/// info otherwise (every record is an API call that was made).
fn cloudtrail_level(line: &[u8]) -> Level {
    let Some(mut scan) = JsonScan::new(line) else {
        return Level::Info;
    };
    while let Some((key, value)) = scan.next_pair() {
        if key == b"errorCode" {
            return match value {
                RawValue::Str(s) if !s.is_empty() => Level::Error,
                _ => Level::Info,
            };
        }
    }
    Level::Info
}

/// The header line of a reframed records document, `{"Records":` (see
/// [`crate::engine::decode::records`]).
fn is_records_header(line: &[u8]) -> bool {
    line.trim_ascii()
        .strip_prefix(b"{")
        .map(|r| r.trim_ascii_start())
        .and_then(|r| r.strip_prefix(b"\"Records\""))
        .map(|r| r.trim_ascii())
        == Some(b":".as_slice())
}

/// What the keys of an object said, best key first.
#[derive(Default)]
struct Found {
    ts: Option<i64>,
    time_rank: usize,
    level: Level,
    level_rank: usize,
}

impl JsonLinesParser {
    /// Names the kind of JSON log from the keys of its first object line.
    pub fn for_sample(lines: &[&[u8]]) -> Self {
        let mut name = FormatName::JsonLines;
        // The first object line with a key (not the `{"Records":` line of a reframed document).
        let first = lines
            .iter()
            .find_map(|l| JsonScan::new(l).filter(|s| s.clone().next_pair().is_some()));
        if let Some(mut scan) = first {
            let (mut journal, mut event_time, mut event_source) = (false, false, false);
            while let Some((key, _)) = scan.next_pair() {
                match key {
                    b"__REALTIME_TIMESTAMP" | b"__CURSOR" => journal = true,
                    b"eventTime" => event_time = true,
                    b"eventSource" => event_source = true,
                    b"Records" => {
                        event_time = true;
                        event_source = true;
                    }
                    _ => {}
                }
            }
            if journal {
                name = FormatName::JournaldJson;
            } else if event_time && event_source {
                name = FormatName::Cloudtrail;
            }
        }
        let join_trace_records = lines
            .iter()
            .filter_map(|l| message_of(l))
            .any(message_continues);
        JsonLinesParser {
            name,
            join_trace_records,
            records_document: false,
        }
    }

    fn take_pair(
        found: &mut Found,
        key: &[u8],
        value: RawValue<'_>,
        cx: &TimeContext,
        rank_base: usize,
    ) {
        // Most keys are neither: rule them out by length before comparing against the lists.
        if key.is_empty() || key.len() > 20 {
            return;
        }
        if let Some(rank) = TIME_KEYS.iter().position(|k| *k == key) {
            let rank = rank + rank_base;
            if rank < found.time_rank {
                let parsed = match value {
                    RawValue::Str(s) => cx.instant_of(s),
                    RawValue::Other(n) => time::parse_epoch(n).and_then(|(st, _)| cx.resolve(&st)),
                };
                if parsed.is_some() {
                    found.ts = parsed;
                    found.time_rank = rank;
                }
            }
        } else if let Some(rank) = LEVEL_KEYS
            .iter()
            .position(|k| k.len() == key.len() && key.eq_ignore_ascii_case(k))
        {
            let rank = rank + rank_base;
            if rank < found.level_rank {
                let syslog = key == b"PRIORITY";
                let number = |n: &[u8]| {
                    std::str::from_utf8(n)
                        .ok()
                        .and_then(|n| n.parse::<i64>().ok())
                };
                let parsed = match value {
                    RawValue::Str(s) if syslog => number(s)
                        .filter(|n| (0..8).contains(n))
                        .map(|n| Level::from_syslog_severity(n as u8)),
                    RawValue::Str(s) => Level::from_word(s),
                    RawValue::Other(n) if syslog => number(n)
                        .filter(|n| (0..8).contains(n))
                        .map(|n| Level::from_syslog_severity(n as u8)),
                    RawValue::Other(n) => number(n).map(Level::from_bunyan),
                };
                if let Some(l) = parsed {
                    found.level = l;
                    found.level_rank = rank;
                }
            }
        }
    }

    /// Time and level of one object line, or `None` when the line is not a JSON object.
    pub fn head(line: &[u8], cx: &TimeContext) -> Option<(Option<i64>, Level)> {
        let mut scan = JsonScan::new(line)?;
        let mut found = Found {
            time_rank: usize::MAX,
            level_rank: usize::MAX,
            ..Found::default()
        };
        let mut nested: [Option<&[u8]>; 2] = [None; 2];
        while let Some((key, value)) = scan.next_pair() {
            match value {
                // A whole CloudTrail file, `{"Records":[{...},...]}`: the time of its first record.
                RawValue::Other(records) if key == b"Records" && records.first() == Some(&b'[') => {
                    if let Some(open) = memchr::memchr(b'{', records) {
                        if let Some(mut first) = JsonScan::new(&records[open..]) {
                            while let Some((key, value)) = first.next_pair() {
                                Self::take_pair(&mut found, key, value, cx, 200);
                            }
                        }
                    }
                }
                RawValue::Other(obj) if obj.first() == Some(&b'{') => {
                    if NESTED_KEYS.contains(&key) {
                        if let Some(slot) = nested.iter_mut().find(|s| s.is_none()) {
                            *slot = Some(obj);
                        }
                    }
                }
                _ => Self::take_pair(&mut found, key, value, cx, 0),
            }
            // Time and level found: the rest of a line that closes its object is not needed.
            if found.ts.is_some() && found.level != Level::None && closes_object(line) {
                return Some((found.ts, found.level));
            }
        }
        if !scan.at_end() {
            return None;
        }
        if found.ts.is_none() || found.level == Level::None {
            for obj in nested.into_iter().flatten() {
                if let Some(mut inner) = JsonScan::new(obj) {
                    while let Some((key, value)) = inner.next_pair() {
                        Self::take_pair(&mut found, key, value, cx, 100);
                    }
                }
            }
        }
        Some((found.ts, found.level))
    }
}

impl LineParser for JsonLinesParser {
    fn name(&self) -> FormatName {
        self.name
    }

    fn recognises(&mut self, line: &[u8], cx: &TimeContext) -> bool {
        Self::head(line, cx).is_some()
    }

    fn classify(&mut self, line: &[u8], cx: &TimeContext) -> LineClass {
        match Self::head(line, cx) {
            Some(_)
                if self.join_trace_records && message_of(line).is_some_and(message_continues) =>
            {
                LineClass::Continue
            }
            Some((ts, Level::None)) if self.name == FormatName::Cloudtrail => LineClass::Start {
                ts,
                level: cloudtrail_level(line),
            },
            Some((ts, level)) => LineClass::Start { ts, level },
            None if is_records_header(line) => {
                self.records_document = true;
                LineClass::Skip
            }
            // The document's closing brace (elsewhere a lone `}` stays with the object above).
            None if self.records_document && line.trim_ascii() == b"}" => LineClass::Skip,
            None if line.first().is_some_and(|c| *c == b' ' || *c == b'\t') => LineClass::Continue,
            // A broken object is unparsed; a plain log line among the objects is an event.
            None if line.first() == Some(&b'{') => LineClass::Unparsed,
            None => stamped_start(line, cx).unwrap_or(LineClass::Unparsed),
        }
    }
}

/// Decodes JSON string escapes of `s` into `out` (cleared first): `\"`, `\n`, `\u00e9`, surrogate
/// pairs; a malformed `\u` escape is kept as written.
pub fn unescape_json(s: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while i < s.len() {
        let Some(rel) = memchr::memchr(b'\\', &s[i..]) else {
            out.extend_from_slice(&s[i..]);
            break;
        };
        out.extend_from_slice(&s[i..i + rel]);
        i += rel;
        let Some(&esc) = s.get(i + 1) else {
            break;
        };
        i += 2;
        match esc {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'u' => {
                let hex = |at: usize| {
                    s.get(at..at + 4)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                };
                let Some(mut code) = hex(i) else {
                    // A malformed escape stays as written.
                    out.extend_from_slice(b"\\u");
                    continue;
                };
                i += 4;
                if (0xD800..0xDC00).contains(&code) && s.get(i..i + 2) == Some(b"\\u") {
                    if let Some(low) = hex(i + 2).filter(|l| (0xDC00..0xE000).contains(l)) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                        i += 6;
                    }
                }
                let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
                let mut utf8 = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
            other => out.push(other),
        }
    }
}

/// Undoes JSON string escapes like [`unescape_json`]; borrowed when there are none.
pub fn json_unescape(raw: &[u8]) -> Cow<'_, str> {
    if memchr::memchr(b'\\', raw).is_none() {
        return String::from_utf8_lossy(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    unescape_json(raw, &mut out);
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::format_rfc3339;

    #[test]
    fn reads_time_and_level_under_common_keys() {
        let cx = TimeContext::default();
        let (ts, level) = JsonLinesParser::head(
            br#"{"ts": "2026-07-03T09:00:00.295Z", "level": "debug", "msg": "a \"q\" {"}"#,
            &cx,
        )
        .unwrap();
        assert_eq!(format_rfc3339(ts.unwrap()), "2026-07-03T09:00:00.295Z");
        assert_eq!(level, Level::Debug);
        let (ts, level) = JsonLinesParser::head(
            br#"{"time":1783069201181,"level":50,"x":{"a":[1,"}"]}}"#,
            &cx,
        )
        .unwrap();
        assert_eq!(format_rfc3339(ts.unwrap()), "2026-07-03T09:00:01.181Z");
        assert_eq!(level, Level::Error);
        let (ts, level) = JsonLinesParser::head(
            br#"{"@timestamp":"2026-07-03T09:00:00Z","log":{"level":"warn","logger":"x"},"message":"m"}"#,
            &cx,
        )
        .unwrap();
        assert!(ts.is_some());
        assert_eq!(level, Level::Warn);
        let (ts, level) = JsonLinesParser::head(
            br#"{"__REALTIME_TIMESTAMP":"1342540861416409","PRIORITY":"4","MESSAGE":"m"}"#,
            &cx,
        )
        .unwrap();
        assert_eq!(format_rfc3339(ts.unwrap()), "2012-07-17T16:01:01.416409Z");
        assert_eq!(level, Level::Warn);
    }

    #[test]
    fn records_holding_stack_frames_join_the_record_above() {
        let lines: Vec<&[u8]> = vec![
            br#"{"time":"2006-07-28T13:22:04Z","message":"Exception in thread main java.lang.RuntimeException: x"}"#,
            br#"{"time":"2006-07-28T13:22:04Z","message":" at com.a.B.c(B.java:22)"}"#,
            br#"{"time":"2006-07-28T13:22:05Z","message":"\tat com.a.B.d(B.java:23)"}"#,
            br#"{"time":"2006-07-28T13:22:06Z","message":"next"}"#,
        ];
        let cx = TimeContext::default();
        let mut p = JsonLinesParser::for_sample(&lines);
        let classes: Vec<LineClass> = lines.iter().map(|l| p.classify(l, &cx)).collect();
        assert!(matches!(classes[0], LineClass::Start { .. }));
        assert_eq!(classes[1], LineClass::Continue);
        assert_eq!(classes[2], LineClass::Continue);
        assert!(matches!(classes[3], LineClass::Start { .. }));
    }

    #[test]
    fn rejects_broken_objects() {
        let cx = TimeContext::default();
        assert!(
            JsonLinesParser::head(br#"{"ts": "2026-07-03T09:00:00Z", "msg": "cut"#, &cx).is_none()
        );
        assert!(JsonLinesParser::head(b"plain text", &cx).is_none());
    }

    #[test]
    fn unescapes_json_strings() {
        let mut out = Vec::new();
        unescape_json(br#"a\tb\n\"q\" \u00e9\ud83d\ude00"#, &mut out);
        assert_eq!(out, "a\tb\n\"q\" é😀".as_bytes());
        assert_eq!(json_unescape(br"caf\u00e9 \ud83d\ude00"), "café 😀");
        assert_eq!(json_unescape(br"bad \u12"), "bad \\u12");
        assert!(matches!(json_unescape(b"plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn a_lone_closing_brace_is_skipped_only_in_a_records_document() {
        let cx = TimeContext::default();
        let mut p = JsonLinesParser::default();
        assert_eq!(p.classify(b"}", &cx), LineClass::Unparsed);
        assert_eq!(p.classify(br#"{"Records": "#, &cx), LineClass::Skip);
        assert!(matches!(
            p.classify(br#"{"eventTime":"2026-07-03T09:00:00Z","x":1}"#, &cx),
            LineClass::Start { ts: Some(_), .. }
        ));
        assert_eq!(p.classify(b"}", &cx), LineClass::Skip);
    }
}
