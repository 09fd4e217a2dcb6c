//! Plain text logs and the generic fallback: a line that starts with a timestamp (or, in text without
//! timestamps, with a level word such as `[DEBUG]`) starts an event; other lines join the event above,
//! or stand alone when the file has no timestamps at all, unless they are part of a stack trace (see
//! [`super::multiline`]).
//!
//! The application frameworks (log4j/logback, Python logging, Go log, klog/glog, Rails, nginx and
//! Apache error logs, the loghub families HDFS, Spark, HealthApp, Proxifier) are this one reader: they
//! differ in the timestamp shape, which [`time::find_leading`] reads, and in where the level word sits,
//! which [`level_near`] finds. [`text_family`] names the family from a sample for the summary.

use super::json::JsonLinesParser;
use super::multiline::TraceJoiner;
use super::{FormatName, LineClass, LineParser};
use crate::engine::level::Level;
use crate::engine::time::{self, TimeContext};

#[derive(Debug, Clone)]
pub struct TextParser {
    name: FormatName,
    /// A line with a timestamp or a leading level has been seen: lines without one continue.
    seen_head: bool,
    /// A line with a timestamp has been seen: from then on only timestamps start events.
    seen_ts: bool,
    /// Some event has started (a continuation needs an event above it).
    started: bool,
    /// The instant of the last timestamp, for time-only stamps.
    last_ts: Option<i64>,
    /// Whether timestamps are turned into instants (not for lines inside a container log, whose
    /// time is the runtime's).
    resolve_times: bool,
    trace: TraceJoiner,
}

impl Default for TextParser {
    fn default() -> Self {
        TextParser::named(FormatName::Text)
    }
}

/// Bytes that end a token when looking for a level word.
const LEVEL_SEPARATORS: [bool; 256] = {
    let mut t = [false; 256];
    let seps = b" \t[]:|<>(),=\"/";
    let mut i = 0;
    while i < seps.len() {
        t[seps[i] as usize] = true;
        i += 1;
    }
    t
};

/// Finds the first level word (`INFO`, `[error]`, `W`, ...) among the first few tokens of `b`.
///
/// This runs on every event line, so it is one pass over at most 96 bytes with a table lookup per
/// byte, and only tokens that could be a level word reach [`Level::from_word`].
pub fn find_level_word(b: &[u8]) -> Level {
    let window = &b[..b.len().min(96)];
    let mut tokens = 0;
    let mut start = 0;
    for i in 0..=window.len() {
        if i < window.len() && !LEVEL_SEPARATORS[window[i] as usize] {
            continue;
        }
        if i > start {
            let token = &window[start..i];
            tokens += 1;
            // Single letters are levels only in upper case (glog `E`, `W`), not ordinary words.
            let candidate = token[0].is_ascii_alphabetic()
                && token.len() <= 11
                && (token.len() > 1 || token[0].is_ascii_uppercase());
            if candidate {
                if let Some(level) = Level::from_word(token) {
                    return level;
                }
            }
            if tokens == 8 {
                break;
            }
        }
        start = i + 1;
    }
    Level::None
}

/// In a line without any structure, only an upper-case level word (`ERROR`, `WARN`) among its first
/// tokens counts: prose says "error" and "trace" without meaning a level.
fn shouted_level_word(b: &[u8]) -> Level {
    let window = &b[..b.len().min(64)];
    window
        .split(|c| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(6)
        .filter(|t| t.len() >= 3 && t.iter().all(u8::is_ascii_uppercase))
        .find_map(Level::from_word)
        .unwrap_or(Level::None)
}

/// The level of a line whose timestamp occupies `stamp`: a glog letter that is part of the stamp, the
/// first level word after the stamp, or one before it (`[ERROR 2015-05-20 ...`, `E [08/Jun/2013...`).
pub fn level_near(line: &[u8], stamp: std::ops::Range<usize>) -> Level {
    if stamp.start == 0 && line.get(1).is_some_and(|c| c.is_ascii_digit()) {
        if let Some(level) = line.first().and_then(|c| Level::from_glog_letter(*c)) {
            return level;
        }
    }
    let after = &line[stamp.end..];
    if let Some(level) = vmware_level(after) {
        return level;
    }
    // SSSD writes `(2022-06-08  8:52:40): [be[x]] [fn] (0x0040): message`.
    if stamp.start > 0 && line[stamp.start - 1] == b'(' {
        if let Some(level) = sssd_level(after) {
            return level;
        }
    }
    match find_level_word(after) {
        Level::None => find_level_word(&line[..stamp.start]),
        level => level,
    }
}

/// VMware's `Db(167)`, `In(166)`, `Wa(164)`, `Er(163)` right after the time.
fn vmware_level(after: &[u8]) -> Option<Level> {
    let t = after.strip_prefix(b" ")?;
    if t.get(2..4)? != b"(1" || t.get(6) != Some(&b')') {
        return None;
    }
    match t.get(..2)? {
        b"Db" | b"Vb" => Some(Level::Debug),
        b"In" => Some(Level::Info),
        b"Wa" => Some(Level::Warn),
        b"Er" => Some(Level::Error),
        b"Cr" | b"Al" | b"Em" => Some(Level::Critical),
        _ => None,
    }
}

/// SSSD's debug-level masks, `(0x0040)`, among the first fields after the time.
fn sssd_level(after: &[u8]) -> Option<Level> {
    let window = &after[..after.len().min(120)];
    let mut at = memchr::memchr(b'(', window)?;
    while window.get(at + 1..at + 3) != Some(b"0x") {
        at += 1 + memchr::memchr(b'(', &window[at + 1..])?;
    }
    let mask = window.get(at + 3..at + 7)?;
    if window.get(at + 7) != Some(&b')') {
        return None;
    }
    Some(match mask {
        b"0010" | b"0020" => Level::Critical,
        b"0040" => Level::Error,
        b"0080" => Level::Warn,
        b"0100" | b"0200" => Level::Info,
        b"0400" | b"1000" | b"2000" => Level::Debug,
        b"4000" => Level::Trace,
        _ => return None,
    })
}

/// A line of another format inside a structured file (a plain log line among JSON lines, an nginx
/// error line among access lines): it starts an event of its own when it opens with a timestamp.
pub fn stamped_start(line: &[u8], cx: &TimeContext) -> Option<LineClass> {
    let (stamp, range) = time::find_leading(line)?;
    if range.start > 1 {
        return None;
    }
    Some(LineClass::Start {
        ts: cx.resolve(&stamp),
        level: level_near(line, range),
    })
}

/// A level word that opens the line: `[DEBUG] x`, `INFO: x`, `WARNING:root:x`, `ERROR x`. Only whole,
/// upper-case words of four letters or more count, so ordinary sentences do not.
pub fn leading_level(line: &[u8]) -> Option<Level> {
    let rest = line.strip_prefix(b"[").unwrap_or(line);
    let n = rest
        .iter()
        .take(9)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    if n < 4 || !matches!(rest.get(n), Some(b']' | b':' | b' ' | b'|')) {
        return None;
    }
    Level::from_word(&rest[..n])
}

/// Names the family of a text log from one of its event lines.
pub fn text_family(line: &[u8]) -> FormatName {
    let Some((stamp, range)) = time::find_leading(line) else {
        return FormatName::Text;
    };
    let head = &line[..range.start];
    let rest = &line[range.end..];
    let first = line.first().copied().unwrap_or(0);
    if range.start == 0 && matches!(first, b'I' | b'W' | b'E' | b'F') && line[1].is_ascii_digit() {
        return FormatName::Glog;
    }
    if head.len() == 4 && head.ends_with(b", [") && rest.starts_with(b" #") {
        return FormatName::Rails;
    }
    if range.start == 1 && first == b'[' && line.get(3) == Some(&b'.') {
        return FormatName::Proxifier;
    }
    if range.start == 0 && first.is_ascii_digit() {
        match (line.get(2), line.get(4), line.get(6), line.get(8)) {
            (_, _, Some(b' '), _) if range.end == 13 => return FormatName::Hdfs,
            (Some(b'/'), _, _, Some(b' ')) => return FormatName::Spark,
            (_, _, _, Some(b'-')) => return FormatName::HealthApp,
            (_, Some(b'/'), _, _) => {
                return if rest.starts_with(b" [") && find_level_word(rest) != Level::None {
                    FormatName::NginxError
                } else {
                    FormatName::GoLog
                };
            }
            _ => {}
        }
        if rest.starts_with(b" - ") && memchr::memmem::find(&rest[3..], b" - ").is_some() {
            let level_after = rest[3..]
                .split(|c| *c == b' ')
                .filter(|t| !t.is_empty() && *t != b"-")
                .take(3)
                .any(|t| Level::from_word(t).is_some());
            if level_after {
                return FormatName::Python;
            }
        }
        if find_level_word(&rest[..rest.len().min(48)]) != Level::None {
            return FormatName::Log4j;
        }
    }
    if range.start == 1 && first == b'[' && !matches!(stamp, time::Stamp::Instant(_)) {
        let weekday = line.get(1).is_some_and(|c| c.is_ascii_alphabetic());
        if weekday && rest.starts_with(b"] [") {
            return FormatName::ApacheError;
        }
    }
    FormatName::Text
}

impl TextParser {
    /// A text reader reported under `name` (a framework family or plain `text`).
    pub fn named(name: FormatName) -> Self {
        TextParser {
            name,
            seen_head: false,
            seen_ts: false,
            started: false,
            last_ts: None,
            resolve_times: true,
            trace: TraceJoiner::default(),
        }
    }

    /// A reader for the lines inside a wrapper that carries the time (container logs): event starts
    /// and levels only, timestamps are recognised but not resolved.
    pub fn without_times() -> Self {
        TextParser {
            resolve_times: false,
            ..TextParser::default()
        }
    }

    /// The instant of the last timestamp read (the date for time-only stamps).
    pub fn last_ts(&self) -> Option<i64> {
        self.last_ts
    }
}

impl LineParser for TextParser {
    fn name(&self) -> FormatName {
        self.name
    }

    fn classify(&mut self, line: &[u8], cx: &TimeContext) -> LineClass {
        if line.iter().all(|c| c.is_ascii_whitespace()) {
            return if self.started && (self.seen_head || self.trace.blank_continues()) {
                LineClass::Continue
            } else {
                LineClass::Skip
            };
        }
        if line.first() == Some(&b'{') {
            if let Some((ts, level)) = JsonLinesParser::head(line, cx) {
                self.seen_head = true;
                self.started = true;
                self.trace.started(b"");
                return LineClass::Start { ts, level };
            }
        }
        if let Some((stamp, range)) = time::find_leading(line) {
            let ts = if self.resolve_times {
                cx.resolve_near(&stamp, self.last_ts)
            } else {
                None
            };
            if ts.is_some() {
                self.last_ts = ts;
            }
            self.seen_head = true;
            self.seen_ts = true;
            self.started = true;
            self.trace.started(&line[range.end..]);
            return LineClass::Start {
                ts,
                level: level_near(line, range),
            };
        }
        if let Some(level) = leading_level(line).filter(|_| !self.seen_ts) {
            self.seen_head = true;
            self.started = true;
            self.trace.started(line);
            return LineClass::Start { ts: None, level };
        }
        if self.started && (self.trace.continues(line) || self.seen_head) {
            return LineClass::Continue;
        }
        self.started = true;
        self.trace.started(line);
        LineClass::Start {
            ts: None,
            level: shouted_level_word(line),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_without_time_join_the_event_above() {
        let cx = TimeContext::default();
        let mut p = TextParser::default();
        assert!(matches!(
            p.classify(b"2026-07-03 09:00:00,123 ERROR [main] boom", &cx),
            LineClass::Start {
                ts: Some(_),
                level: Level::Error
            }
        ));
        assert_eq!(p.classify(b"\tat x.y(Z.java:1)", &cx), LineClass::Continue);
        assert_eq!(p.classify(b"java.lang.X: y", &cx), LineClass::Continue);
    }

    #[test]
    fn files_without_time_are_one_event_per_line_except_traces() {
        let cx = TimeContext::default();
        let mut p = TextParser::default();
        assert_eq!(
            p.classify(b"just words", &cx),
            LineClass::Start {
                ts: None,
                level: Level::None
            }
        );
        assert!(matches!(
            p.classify(b"more words", &cx),
            LineClass::Start { .. }
        ));
        assert_eq!(
            p.classify(b"    at a.b(C.java:1)", &cx),
            LineClass::Continue
        );
    }

    #[test]
    fn time_only_lines_take_the_date_of_the_event_before() {
        let cx = TimeContext::default();
        let mut p = TextParser::default();
        p.classify(b"2026-07-03 23:59:59 INFO a", &cx);
        let LineClass::Start { ts: Some(ts), .. } = p.classify(b"00:00:01.5 INFO b", &cx) else {
            panic!("not a start");
        };
        assert_eq!(time::format_rfc3339(ts), "2026-07-04T00:00:01.500Z");
    }

    #[test]
    fn families_are_named_from_their_lines() {
        let cases: &[(&str, FormatName)] = &[
            (
                "081109 203615 148 INFO dfs.DataNode$PacketResponder: x",
                FormatName::Hdfs,
            ),
            (
                "17/06/09 20:10:40 INFO spark.SecurityManager: x",
                FormatName::Spark,
            ),
            (
                "20171223-22:15:29:606|Step_LSC|30002312|x",
                FormatName::HealthApp,
            ),
            ("[10.30 16:49:06] chrome.exe - x", FormatName::Proxifier),
            (
                "I0703 09:00:00.123456 1234 file.go:12] msg",
                FormatName::Glog,
            ),
            (
                "2015-10-18 18:01:47,978 INFO [main] org.a.B: x",
                FormatName::Log4j,
            ),
            (
                "2026-07-03 09:00:00,123 - app.db - WARNING - slow",
                FormatName::Python,
            ),
            (
                "2026/07/03 09:00:00 [error] 12#0: *1 x",
                FormatName::NginxError,
            ),
            ("2026/07/03 09:00:00 listening on :8080", FormatName::GoLog),
            (
                "I, [2024-06-26T17:00:04.497736 #126554]  INFO -- : x",
                FormatName::Rails,
            ),
            (
                "[Tue Apr 04 06:18:29.712806 2017] [core:error] [pid 1] x",
                FormatName::ApacheError,
            ),
        ];
        for (line, name) in cases {
            assert_eq!(text_family(line.as_bytes()), *name, "{line}");
        }
    }
}
