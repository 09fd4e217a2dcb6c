//! Container logs: Docker's json-file driver (`{"log":"...\n","stream":"stdout","time":"..."}`) and the
//! CRI format of Kubernetes (`2016-10-06T00:17:09.669794202Z stdout F message`).
//!
//! The runtime wraps each line the application wrote; the event time is the runtime's `time`. The inner
//! line is read again by the same text detection ([`TextParser`]), so a Java or JSON log inside gets its
//! own level, and a stack trace written as several container lines folds into the one event that
//! starts it. Partial lines (Docker: a `log` without a final newline; CRI: the `P` tag) join the next
//! line of the same stream when it follows directly. Lines that are not container lines (a file that
//! mixes formats) are read by the inner detection on their own.

use super::json::{unescape_json, JsonScan, RawValue};
use super::text::TextParser;
use super::{FormatName, LineClass, LineParser};
use crate::engine::time::{self, TimeContext};

/// Which output stream a container line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stream {
    Stdout,
    Stderr,
    Other,
}

impl Stream {
    fn of(b: &[u8]) -> Stream {
        match b {
            b"stdout" => Stream::Stdout,
            b"stderr" => Stream::Stderr,
            _ => Stream::Other,
        }
    }
}

/// One container line, unwrapped.
struct Wrapped<'a> {
    ts: Option<i64>,
    stream: Stream,
    /// The application's line (for Docker, still JSON-escaped).
    text: &'a [u8],
    /// The line is complete (not a partial line to be continued).
    complete: bool,
}

pub struct ContainerParser {
    name: FormatName,
    /// Reads the application's lines inside the container lines.
    inner: TextParser,
    /// Reads lines that are not container lines (a file that mixes formats).
    outer: TextParser,
    /// The stream of the line above when that line was partial.
    partial: Option<Stream>,
    /// The unescaped `log` value of the current Docker line (reused; no allocation per line).
    unescaped: Vec<u8>,
}

impl ContainerParser {
    pub fn new(name: FormatName) -> Self {
        ContainerParser {
            name,
            inner: TextParser::without_times(),
            outer: TextParser::default(),
            partial: None,
            unescaped: Vec::new(),
        }
    }

    /// Reads a Docker json-file line: an object with a string `log` (and `time`, `stream`).
    fn docker<'a>(line: &'a [u8], cx: &TimeContext) -> Option<Wrapped<'a>> {
        if !line.starts_with(b"{") {
            return None;
        }
        let mut scan = JsonScan::new(line)?;
        let (mut log, mut ts, mut stream) = (None, None, Stream::Other);
        while let Some((key, value)) = scan.next_pair() {
            match (key, value) {
                (b"log", RawValue::Str(s)) => log = Some(s),
                (b"time", RawValue::Str(s)) => ts = cx.instant_of(s),
                (b"stream", RawValue::Str(s)) => stream = Stream::of(s),
                _ => {}
            }
        }
        let text = log?;
        if !scan.at_end() {
            return None;
        }
        Some(Wrapped {
            ts,
            stream,
            complete: text.ends_with(b"\\n"),
            text,
        })
    }

    /// Reads a CRI line: `TIME STREAM TAG MESSAGE` with TAG `F` (full) or `P` (partial).
    fn cri<'a>(line: &'a [u8], cx: &TimeContext) -> Option<Wrapped<'a>> {
        if !line.first().is_some_and(|c| c.is_ascii_digit()) {
            return None;
        }
        let (stamp, used) = time::parse_iso(line)?;
        let rest = line.get(used..)?.strip_prefix(b" ")?;
        let sp = memchr::memchr(b' ', rest)?;
        let stream = &rest[..sp];
        if stream != b"stdout" && stream != b"stderr" {
            return None;
        }
        let rest = &rest[sp + 1..];
        let tag_end = memchr::memchr(b' ', rest).unwrap_or(rest.len());
        let tag = &rest[..tag_end];
        let complete = match tag.first() {
            Some(b'F') => true,
            Some(b'P') => false,
            _ => return None,
        };
        Some(Wrapped {
            ts: cx.resolve(&stamp),
            stream: Stream::of(stream),
            text: rest.get(tag_end + 1..).unwrap_or(b""),
            complete,
        })
    }

    /// Whether a line is a container line of either kind, and which.
    pub fn kind_of(line: &[u8], cx: &TimeContext) -> Option<FormatName> {
        if Self::docker(line, cx).is_some() {
            Some(FormatName::DockerJson)
        } else if Self::cri(line, cx).is_some() {
            Some(FormatName::Cri)
        } else {
            None
        }
    }
}

impl LineParser for ContainerParser {
    fn name(&self) -> FormatName {
        self.name
    }

    fn classify(&mut self, line: &[u8], cx: &TimeContext) -> LineClass {
        let wrapped = match Self::docker(line, cx) {
            Some(w) => {
                unescape_json(w.text, &mut self.unescaped);
                Some(w)
            }
            None => Self::cri(line, cx).inspect(|w| {
                self.unescaped.clear();
                self.unescaped.extend_from_slice(w.text);
            }),
        };
        let Some(w) = wrapped else {
            self.partial = None;
            return self.outer.classify(line, cx);
        };
        let joins_partial = self.partial == Some(w.stream);
        self.partial = (!w.complete).then_some(w.stream);
        if joins_partial {
            return LineClass::Continue;
        }
        let mut text = self.unescaped.as_slice();
        while let Some(t) = text
            .strip_suffix(b"\n")
            .or_else(|| text.strip_suffix(b"\r"))
        {
            text = t;
        }
        match self.inner.classify(text, cx) {
            LineClass::Start { level, .. } => LineClass::Start { ts: w.ts, level },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::level::Level;

    #[test]
    fn a_java_trace_over_docker_lines_is_one_event_at_the_docker_time() {
        let cx = TimeContext::default();
        let mut p = ContainerParser::new(FormatName::DockerJson);
        let head = br#"{"log": "10:48:06.053 ERROR [x] c.a.Gateway - failed\n", "stream": "stderr", "time": "2026-07-03T10:48:06.053659000Z"}"#;
        let LineClass::Start {
            ts: Some(ts),
            level,
        } = p.classify(head, &cx)
        else {
            panic!("not a start");
        };
        assert_eq!(time::format_rfc3339(ts), "2026-07-03T10:48:06.053659Z");
        assert_eq!(level, Level::Error);
        for line in [
            br#"{"log": "java.net.SocketTimeoutException: timed out\n", "stream": "stderr", "time": "2026-07-03T10:48:06.053659000Z"}"#.as_slice(),
            br#"{"log": "\tat a.b.C.d(C.java:1)\n", "stream": "stderr", "time": "2026-07-03T10:48:06.053659000Z"}"#,
        ] {
            assert_eq!(p.classify(line, &cx), LineClass::Continue);
        }
    }

    #[test]
    fn cri_partial_lines_join() {
        let cx = TimeContext::default();
        let mut p = ContainerParser::new(FormatName::Cri);
        assert!(matches!(
            p.classify(
                b"2019-05-07T18:57:50.904275087+00:00 stdout P 1a. some ",
                &cx
            ),
            LineClass::Start { ts: Some(_), .. }
        ));
        assert_eq!(
            p.classify(b"2019-05-07T18:57:52.904275089+00:00 stdout F log", &cx),
            LineClass::Continue
        );
        assert!(matches!(
            p.classify(b"2019-05-07T18:57:53.904275089+00:00 stdout F next", &cx),
            LineClass::Start { .. }
        ));
    }
}
