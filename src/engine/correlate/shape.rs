//! What "what changed" and the spike finder count per event besides level and source: a message
//! shape and the categorical field values.
//!
//! - The message is the JSON `msg`/`message`/`log` value, the inner line of a container log, the
//!   request (method and path) of an access log line, or the text after the leading timestamp; its
//!   shape is its first line with every word holding a digit, every hex id and every path masked as
//!   `<*>` (so `Connection timed out after 30 seconds` and `… after 60 seconds` are one shape). CSV
//!   rows have no message. The pattern miner's templates replace shapes where the caller has them
//!   ([`template_group`], [`super::changes::compare_with`]).
//! - Fields come from [`crate::engine::fields`] (for Docker lines: the wrapper's JSON keys such as
//!   `stream`, and `key=value` pairs in the inner line); time, level, message and id keys are left out
//!   (levels come from the level column, ids are for following, not for counting), as are fractional
//!   numbers and id-like values.

use std::borrow::Cow;

use crate::engine::fields::{json_unescape, FieldReader as EventFields};
use crate::engine::formats::{FormatName, JsonScan, RawValue};
use crate::engine::patterns::SourcePatterns;
use crate::engine::store::{SourceData, SourceId};
use crate::engine::time;

use super::ids::key_kind;

/// Placeholder for a masked part of a message.
pub const PLACEHOLDER: &str = "<*>";
/// Shapes and values are cut to this many bytes.
const MAX_LEN: usize = 160;

const MESSAGE_KEYS: [&[u8]; 6] = [b"msg", b"message", b"log", b"text", b"event", b"@m"];
const SKIP_KEYS: [&[u8]; 16] = [
    b"ts",
    b"time",
    b"timestamp",
    b"@timestamp",
    b"@t",
    b"date",
    b"datetime",
    b"timestamp_ms",
    b"level",
    b"severity",
    b"lvl",
    b"loglevel",
    b"log_level",
    b"levelname",
    b"@l",
    b"stack",
];

/// The string value of the first message key of a JSON object line.
fn json_message(line: &[u8]) -> Option<String> {
    let mut scan = JsonScan::new(line)?;
    while let Some((key, value)) = scan.next_pair() {
        if let (true, RawValue::Str(s)) = (MESSAGE_KEYS.contains(&key), value) {
            return Some(json_unescape(s).into_owned());
        }
    }
    None
}

/// A line without its leading timestamp (and the bracket or separator that closed it).
fn after_timestamp(line: &[u8]) -> &[u8] {
    match time::find_leading(line) {
        Some((_, range)) => {
            let rest = line.get(range.end..).unwrap_or_default();
            let skip = rest
                .iter()
                .take_while(|c| matches!(c, b']' | b')' | b' ' | b'\t' | b',' | b'|' | b'-'))
                .count();
            &rest[skip..]
        }
        None => line,
    }
}

/// The first line of a text, trimmed.
fn first_line_of(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

/// The message part of an event, as written (first line only for multi-line events).
pub fn message(source: &SourceData, event: usize) -> Option<String> {
    let text = source.text(event);
    let first_line = text.split(|c| *c == b'\n').next().unwrap_or(text);
    match source.info.format {
        FormatName::Csv | FormatName::Tsv => None,
        FormatName::JsonLines | FormatName::Cloudtrail | FormatName::JournaldJson => {
            json_message(first_line).map(|m| first_line_of(&m))
        }
        FormatName::DockerJson => {
            // The application's line inside the wrapper, without its own timestamp.
            let inner = json_message(first_line)?;
            let line = first_line_of(&inner);
            Some(
                String::from_utf8_lossy(after_timestamp(line.as_bytes()))
                    .trim()
                    .to_string(),
            )
        }
        FormatName::Cri => {
            // `TIME STREAM TAG message`
            let line = String::from_utf8_lossy(first_line);
            let rest = line.splitn(4, ' ').nth(3).unwrap_or("");
            Some(
                String::from_utf8_lossy(after_timestamp(rest.as_bytes()))
                    .trim()
                    .to_string(),
            )
        }
        FormatName::AccessLog => {
            let open = memchr::memchr(b'"', first_line)?;
            let rest = &first_line[open + 1..];
            let close = memchr::memchr(b'"', rest)?;
            let request = &rest[..close];
            // Method and path, without the query string or protocol.
            let mut parts = request.split(|c| *c == b' ');
            let method = parts.next().unwrap_or_default();
            let path = parts.next().unwrap_or_default();
            let path = path.split(|c| *c == b'?').next().unwrap_or_default();
            Some(format!(
                "{} {}",
                String::from_utf8_lossy(method),
                String::from_utf8_lossy(path)
            ))
        }
        _ => Some(
            String::from_utf8_lossy(after_timestamp(first_line))
                .trim()
                .to_string(),
        ),
    }
}

/// The message group of an event: `(group name, the message as written)`, or `None` without one.
/// [`shape_group`] is the default; the pattern miner's templates can stand in for it.
pub type MessageGroup<'a> = dyn Fn(SourceId, &SourceData, usize) -> Option<(String, String)> + 'a;

/// The default message group: the message's shape.
pub fn shape_group(
    _source_id: SourceId,
    source: &SourceData,
    event: usize,
) -> Option<(String, String)> {
    message(source, event).map(|m| (shape_of(&m), m))
}

/// The name of an event's message group without the example (what counting needs, once per event):
/// borrowed from the mined templates ([`template_key`]) or the message's shape ([`shape_key`]).
pub type GroupKey<'a> = dyn Fn(SourceId, &SourceData, usize) -> Option<Cow<'a, str>> + 'a;

/// [`shape_group`]'s name alone.
pub fn shape_key<'a>(
    _source_id: SourceId,
    source: &SourceData,
    event: usize,
) -> Option<Cow<'a, str>> {
    message(source, event).map(|m| Cow::Owned(shape_of(&m)))
}

/// [`template_group`]'s name alone, borrowed from the templates: no copy and no message read per
/// event.
pub fn template_key<'p>(
    patterns: &'p [SourcePatterns],
) -> impl Fn(SourceId, &SourceData, usize) -> Option<Cow<'p, str>> + 'p {
    move |sid, source, event| {
        if matches!(source.info.format, FormatName::Csv | FormatName::Tsv) {
            return None;
        }
        let mined = patterns.get(sid as usize)?;
        let template = mined
            .templates
            .get(*mined.event_template.get(event)? as usize)?;
        Some(Cow::Borrowed(template.text.as_str()))
    }
}

/// Message groups from the pattern miner: each event's template (`patterns[source]`), with its
/// message as the example. CSV/TSV rows have none (their columns are fields), nor do sources without
/// mined patterns.
pub fn template_group(
    patterns: &[SourcePatterns],
) -> impl Fn(SourceId, &SourceData, usize) -> Option<(String, String)> + '_ {
    let key = template_key(patterns);
    move |sid, source, event| {
        let template = key(sid, source, event)?;
        let example = message(source, event).unwrap_or_default();
        Some((template.into_owned(), example))
    }
}

/// The shape of a message: words holding a digit, hex ids and paths masked.
pub fn shape_of(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_LEN));
    for (i, word) in message.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if out.len() >= MAX_LEN {
            out.push('…');
            break;
        }
        // A path: masked whole.
        if word.len() > 1
            && word.starts_with('/')
            && word[1..].contains(|c: char| c.is_alphanumeric())
        {
            out.push_str(PLACEHOLDER);
            continue;
        }
        // An id (`blk_-6952…`, a UUID): masked whole, keeping the punctuation around it.
        let core = word.trim_matches(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'));
        if core.len() >= 6 && is_whole_id(core) {
            let at = word.find(core).unwrap_or(0);
            out.push_str(&word[..at]);
            out.push_str(PLACEHOLDER);
            out.push_str(&word[at + core.len()..]);
            continue;
        }
        mask_word(word, &mut out);
    }
    out
}

/// Whether all of `core` is one id.
fn is_whole_id(core: &str) -> bool {
    let mut whole = false;
    super::ids::scan_ids(core.as_bytes(), |hit| {
        whole |= hit.value.len() == core.len()
    });
    whole
}

/// Masks the alphanumeric runs of one space-free word that hold a digit or are long hex; masked runs
/// joined by `.`, `:` or `-` become one placeholder (`10.0.0.1` and `10:48:06.053` are one `<*>`).
fn mask_word(word: &str, out: &mut String) {
    let mut run_start: Option<usize> = None;
    let flush = |run: &str, out: &mut String| {
        let has_digit = run.bytes().any(|c| c.is_ascii_digit());
        let hex = run.len() >= 8 && run.bytes().all(|c| c.is_ascii_hexdigit());
        if has_digit || hex {
            let joined = [".", ":", "-"]
                .iter()
                .any(|sep| out.ends_with(&format!("{PLACEHOLDER}{sep}")));
            if joined {
                out.pop();
            } else if !out.ends_with(PLACEHOLDER) {
                out.push_str(PLACEHOLDER);
            }
        } else {
            out.push_str(run);
        }
    };
    for (i, c) in word.char_indices() {
        let inside = c.is_alphanumeric() || c == '_';
        match (inside, run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(s)) => {
                flush(&word[s..i], out);
                run_start = None;
                out.push(c);
            }
            (false, None) => out.push(c),
            (true, Some(_)) => {}
        }
    }
    if let Some(s) = run_start {
        flush(&word[s..], out);
    }
}

/// Whether a value is categorical enough to count: short, not an id, not a fractional number.
fn countable_value(v: &[u8]) -> bool {
    if v.is_empty() || v.len() > 48 || v == b"-" {
        return false;
    }
    // IP addresses (v4 and v6) are hosts, not categories.
    let ip_like = v
        .iter()
        .all(|c| c.is_ascii_hexdigit() || *c == b'.' || *c == b':')
        && (v.iter().filter(|c| **c == b':').count() >= 2
            || v.iter().filter(|c| **c == b'.').count() == 3);
    if ip_like {
        return false;
    }
    let digits_dot = v
        .iter()
        .all(|c| c.is_ascii_digit() || *c == b'.' || *c == b'-');
    if digits_dot && v.contains(&b'.') {
        return false;
    }
    let mut is_id = false;
    super::ids::scan_ids(v, |_| is_id = true);
    !is_id
}

fn countable_key(k: &[u8]) -> bool {
    !k.is_empty()
        && k.len() <= 40
        && !SKIP_KEYS.iter().any(|s| s.eq_ignore_ascii_case(k))
        && !MESSAGE_KEYS.contains(&k)
        && key_kind(k).is_none()
}

/// Reads the countable fields of one source's events.
#[derive(Clone, Debug)]
pub struct FieldReader {
    fields: EventFields,
    /// Docker lines: the wrapper is read as JSON (its `stream`), the inner line for `key=value`.
    wrapped_json: bool,
}

impl FieldReader {
    pub fn new(source: &SourceData) -> Self {
        let wrapped_json = source.info.format == FormatName::DockerJson;
        FieldReader {
            fields: if wrapped_json {
                EventFields::for_format(FormatName::JsonLines)
            } else {
                EventFields::for_source(source)
            },
            wrapped_json,
        }
    }

    /// The countable fields of one event, appended to `out` as (key, value).
    pub fn fields(&self, source: &SourceData, event: usize, out: &mut Vec<(String, String)>) {
        let text = source.text(event);
        let text = if self.wrapped_json {
            text.split(|c| *c == b'\n').next().unwrap_or(text)
        } else {
            text
        };
        self.fields.for_each(text, &mut |key, value| {
            if countable_key(key.as_bytes()) && countable_value(value.as_bytes()) {
                out.push((key.to_string(), value.into_owned()));
            }
            true
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};

    #[test]
    fn shapes_mask_numbers_ids_and_paths() {
        assert_eq!(
            shape_of("Connection timed out after 30 seconds"),
            "Connection timed out after <*> seconds"
        );
        assert_eq!(
            shape_of("upstream returned 502 for /api/v1/pay"),
            "upstream returned <*> for <*>"
        );
        assert_eq!(
            shape_of("10:48:06.053 ERROR [http-nio-8080-exec-144] c.a.pay.Gateway - request f6eac1aef42bb276 failed"),
            "<*> ERROR [http-nio-<*>-exec-<*>] c.a.pay.Gateway - request <*> failed"
        );
        assert_eq!(
            shape_of("kernel: [ 4.2] Out of memory: Killed process 4242 (java) total-vm:8123456kB"),
            "kernel: [ <*>] Out of memory: Killed process <*> (java) total-vm:<*>"
        );
        assert_eq!(
            shape_of(
                "Deleting block blk_-1608999687919862906 file /mnt/hadoop/dfs/data/current/subdir9"
            ),
            "Deleting block <*> file <*>"
        );
        assert_eq!(
            shape_of("Failed password for root from 173.234.31.186 port 38926 ssh2"),
            "Failed password for root from <*> port <*> <*>"
        );
    }

    #[test]
    fn messages_and_fields_by_format() {
        let app = ingest_bytes(
            "app.jsonl",
            br#"{"ts":"2026-07-03T09:00:00Z","level":"error","service":"gw","msg":"pool active=3","request_id":"ab12cd34ef56","latency_ms":17.5,"code":504}
"#,
            IngestOptions::default(),
        );
        assert_eq!(message(&app, 0).as_deref(), Some("pool active=3"));
        let mut f = Vec::new();
        FieldReader::new(&app).fields(&app, 0, &mut f);
        // Which fields, not their order: extraction order follows fields.rs and may change.
        f.sort();
        assert_eq!(
            f,
            vec![
                ("active".to_string(), "3".to_string()),
                ("code".into(), "504".into()),
                ("service".into(), "gw".into()),
            ]
        );

        let nginx = ingest_bytes(
            "access.log",
            b"2001:db8:85a3::8a2e:370:7334 - - [03/Jul/2026:02:00:03 -0700] \"GET /api/v1/pay?x=1 HTTP/1.1\" 504 2549 \"-\" \"curl/8.5.0\" 30.000 req_id=f6eac1aef42bb276\n",
            IngestOptions::default(),
        );
        assert_eq!(message(&nginx, 0).as_deref(), Some("GET /api/v1/pay"));
        let mut f = Vec::new();
        FieldReader::new(&nginx).fields(&nginx, 0, &mut f);
        assert_eq!(
            f,
            vec![
                ("method".to_string(), "GET".to_string()),
                ("path".into(), "/api/v1/pay?x=1".into()),
                ("protocol".into(), "HTTP/1.1".into()),
                ("status".into(), "504".into()),
                ("bytes".into(), "2549".into()),
                ("user_agent".into(), "curl/8.5.0".into())
            ]
        );

        let csv = ingest_bytes(
            "t.csv",
            b"txn_id,timestamp_ms,status,merchant,error_code,request_id\nT1,1783069201181,failed,\"Acme, Inc.\",GW_TIMEOUT,ab12cd34ef56\n",
            IngestOptions::default(),
        );
        assert_eq!(message(&csv, 0), None);
        let mut f = Vec::new();
        FieldReader::new(&csv).fields(&csv, 0, &mut f);
        assert_eq!(
            f,
            vec![
                ("status".to_string(), "failed".to_string()),
                ("merchant".into(), "Acme, Inc.".into()),
                ("error_code".into(), "GW_TIMEOUT".into())
            ]
        );

        let syslog = ingest_bytes(
            "syslog",
            b"Jul  3 09:00:06 gw-01 systemd[1]: payment-gateway.service: Main process exited, code=killed, status=9/KILL\n",
            IngestOptions::default(),
        );
        assert_eq!(
            message(&syslog, 0).as_deref(),
            Some("gw-01 systemd[1]: payment-gateway.service: Main process exited, code=killed, status=9/KILL")
        );
        let mut f = Vec::new();
        FieldReader::new(&syslog).fields(&syslog, 0, &mut f);
        assert_eq!(
            f,
            vec![
                ("code".to_string(), "killed".to_string()),
                ("status".into(), "9/KILL".into())
            ]
        );

        let docker = ingest_bytes(
            "containers.log",
            br#"{"log": "10:48:06.053 ERROR [exec-1] c.a.pay.Gateway - request f6eac1aef42bb276 failed\n", "stream": "stderr", "time": "2026-07-03T10:48:06.053659000Z"}
{"log": "java.net.SocketTimeoutException: Connection timed out after 30 seconds\n", "stream": "stderr", "time": "2026-07-03T10:48:06.053659000Z"}
{"log": "\tat com.acme.pay.Gateway.charge(Gateway.java:42)\n", "stream": "stderr", "time": "2026-07-03T10:48:06.053659000Z"}
"#,
            IngestOptions::default(),
        );
        assert_eq!(docker.info.format, FormatName::DockerJson);
        assert_eq!(docker.len(), 1, "the stack trace is one event");
        assert_eq!(
            message(&docker, 0).as_deref(),
            Some("ERROR [exec-1] c.a.pay.Gateway - request f6eac1aef42bb276 failed")
        );
        let mut f = Vec::new();
        FieldReader::new(&docker).fields(&docker, 0, &mut f);
        assert_eq!(f, vec![("stream".to_string(), "stderr".to_string())]);
    }
}
