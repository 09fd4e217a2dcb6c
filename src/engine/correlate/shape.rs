//! What "what changed" and the spike finder count per event, until the pattern miner and on-demand
//! field extraction are merged: a message shape and a few categorical field values.
//!
//! - The message is the JSON `msg`/`message`/`log` value, the request (method and path) of an access
//!   log line, or the text after the leading timestamp; its shape is its first line with every word
//!   holding a digit, every hex id and every path masked as `<*>` (so `Connection timed out after 30
//!   seconds` and `… after 60 seconds` are one shape). CSV rows have no message.
//! - Fields are the string or integer values of JSON keys, `key=value` pairs in text, the status and
//!   method of access logs, and CSV columns by header name; time, level, message and id keys are left
//!   out (levels come from the level column, ids are for following, not for counting).

use crate::engine::formats::{AccessLogParser, FormatName, JsonScan, RawValue};
use crate::engine::store::SourceData;
use crate::engine::time::{self, TimeContext};

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

/// Undoes the common JSON escapes (`\n`, `\t`, `\"`, `\\`, `\/`); others stay as written.
fn json_unescape(b: &[u8]) -> String {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let c = match b[i + 1] {
                b'n' => b'\n',
                b't' => b'\t',
                b'r' => b'\r',
                b'"' => b'"',
                b'\\' => b'\\',
                b'/' => b'/',
                _ => {
                    out.push(b[i]);
                    i += 1;
                    continue;
                }
            };
            out.push(c);
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The message part of an event, as written (first line only for multi-line events).
pub fn message(source: &SourceData, event: usize) -> Option<String> {
    let text = source.text(event);
    let first_line = text.split(|c| *c == b'\n').next().unwrap_or(text);
    match source.info.format {
        FormatName::Csv | FormatName::Tsv => None,
        FormatName::JsonLines => {
            let mut scan = JsonScan::new(first_line)?;
            while let Some((key, value)) = scan.next_pair() {
                if let (true, RawValue::Str(s)) = (MESSAGE_KEYS.contains(&key), value) {
                    let m = json_unescape(s);
                    return Some(m.lines().next().unwrap_or("").trim().to_string());
                }
            }
            None
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
        _ => {
            let body = match time::find_leading(first_line) {
                Some((_, range)) => first_line.get(range.end..).unwrap_or_default(),
                None => first_line,
            };
            Some(String::from_utf8_lossy(body).trim().to_string())
        }
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
        mask_word(word, &mut out);
    }
    out
}

/// Masks the alphanumeric runs of one space-free word that hold a digit or are long hex.
fn mask_word(word: &str, out: &mut String) {
    let mut run_start: Option<usize> = None;
    let flush = |run: &str, out: &mut String| {
        let has_digit = run.bytes().any(|c| c.is_ascii_digit());
        let hex = run.len() >= 8 && run.bytes().all(|c| c.is_ascii_hexdigit());
        if has_digit || hex {
            if !out.ends_with(PLACEHOLDER) {
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
    if v.is_empty() || v.len() > 48 {
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

/// `key=value` pairs in free text.
fn key_values(text: &[u8], out: &mut Vec<(String, String)>) {
    let mut i = 0;
    while let Some(rel) = memchr::memchr(b'=', &text[i..]) {
        let eq = i + rel;
        let ks = text[..eq]
            .iter()
            .rposition(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')))
            .map_or(0, |p| p + 1);
        let mut vs = eq + 1;
        let quoted = text.get(vs) == Some(&b'"');
        if quoted {
            vs += 1;
        }
        let ve = text[vs..]
            .iter()
            .position(|c| {
                if quoted {
                    *c == b'"'
                } else {
                    c.is_ascii_whitespace() || matches!(c, b',' | b';' | b'&' | b'"' | b')' | b']')
                }
            })
            .map_or(text.len(), |p| vs + p);
        let (k, v) = (&text[ks..eq], &text[vs..ve]);
        if ks < eq && countable_key(k) && countable_value(v) && !k[0].is_ascii_digit() {
            out.push((
                String::from_utf8_lossy(k).into_owned(),
                String::from_utf8_lossy(v).into_owned(),
            ));
        }
        i = ve.max(eq + 1);
        if i >= text.len() {
            break;
        }
    }
}

/// Splits one CSV record (first line) into fields, honouring quotes.
fn csv_fields(line: &[u8], delimiter: u8) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = Vec::new();
    let mut quoted = false;
    let mut i = 0;
    while i < line.len() {
        let c = line[i];
        if quoted {
            if c == b'"' && line.get(i + 1) == Some(&b'"') {
                cur.push(b'"');
                i += 1;
            } else if c == b'"' {
                quoted = false;
            } else {
                cur.push(c);
            }
        } else if c == b'"' {
            quoted = true;
        } else if c == delimiter {
            fields.push(String::from_utf8_lossy(&cur).into_owned());
            cur.clear();
        } else {
            cur.push(c);
        }
        i += 1;
    }
    fields.push(String::from_utf8_lossy(&cur).into_owned());
    fields
}

/// Per-source state for field extraction: the CSV header, when there is one.
#[derive(Clone, Debug, Default)]
pub struct FieldReader {
    header: Vec<String>,
    delimiter: u8,
}

impl FieldReader {
    pub fn new(source: &SourceData) -> Self {
        let delimiter = match source.info.format {
            FormatName::Csv => b',',
            FormatName::Tsv => b'\t',
            _ => return FieldReader::default(),
        };
        // The header is the first line of the first block, before the first event.
        let header = source
            .blocks()
            .first()
            .filter(|b| b.file_offset == 0)
            .and_then(|b| {
                let line_end = memchr::memchr(b'\n', &b.bytes).unwrap_or(b.bytes.len());
                let line = &b.bytes[..line_end];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line);
                (!line.is_empty()).then(|| csv_fields(line, delimiter))
            })
            .unwrap_or_default();
        FieldReader { header, delimiter }
    }

    /// The countable fields of one event, appended to `out` as (key, value).
    pub fn fields(&self, source: &SourceData, event: usize, out: &mut Vec<(String, String)>) {
        let text = source.text(event);
        let first_line = text.split(|c| *c == b'\n').next().unwrap_or(text);
        match source.info.format {
            FormatName::Csv | FormatName::Tsv => {
                for (k, v) in self
                    .header
                    .iter()
                    .zip(csv_fields(first_line, self.delimiter))
                {
                    if countable_key(k.as_bytes()) && countable_value(v.as_bytes()) {
                        out.push((k.clone(), v));
                    }
                }
            }
            FormatName::JsonLines => {
                let Some(mut scan) = JsonScan::new(first_line) else {
                    return;
                };
                while let Some((key, value)) = scan.next_pair() {
                    if MESSAGE_KEYS.contains(&key) {
                        if let RawValue::Str(s) = value {
                            key_values(s, out);
                        }
                        continue;
                    }
                    let v = match value {
                        RawValue::Str(s) => s,
                        RawValue::Other(o) if o.iter().all(u8::is_ascii_digit) => o,
                        RawValue::Other(_) => continue,
                    };
                    if countable_key(key) && countable_value(v) {
                        out.push((json_unescape(key), json_unescape(v)));
                    }
                }
            }
            FormatName::AccessLog => {
                if let Some(head) = AccessLogParser::head(first_line, &TimeContext::default()) {
                    out.push(("status".into(), head.status.to_string()));
                }
                if let Some(open) = memchr::memchr(b'"', first_line) {
                    let method: Vec<u8> = first_line[open + 1..]
                        .iter()
                        .take_while(|c| c.is_ascii_uppercase())
                        .copied()
                        .collect();
                    if !method.is_empty() {
                        out.push(("method".into(), String::from_utf8_lossy(&method).into()));
                    }
                }
                key_values(first_line, out);
            }
            _ => key_values(first_line, out),
        }
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
            "<*>:<*>:<*>.<*> ERROR [http-nio-<*>-exec-<*>] c.a.pay.Gateway - request <*> failed"
        );
        assert_eq!(
            shape_of("kernel: [ 4.2] Out of memory: Killed process 4242 (java) total-vm:8123456kB"),
            "kernel: [ <*>.<*>] Out of memory: Killed process <*> (java) total-vm:<*>"
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
        assert_eq!(
            f,
            vec![
                ("service".to_string(), "gw".to_string()),
                ("active".into(), "3".into()),
                ("code".into(), "504".into())
            ]
        );

        let nginx = ingest_bytes(
            "access.log",
            b"10.0.0.1 - - [03/Jul/2026:02:00:03 -0700] \"GET /api/v1/pay?x=1 HTTP/1.1\" 504 2549 \"-\" \"curl/8.5.0\" 30.000 req_id=f6eac1aef42bb276\n",
            IngestOptions::default(),
        );
        assert_eq!(message(&nginx, 0).as_deref(), Some("GET /api/v1/pay"));
        let mut f = Vec::new();
        FieldReader::new(&nginx).fields(&nginx, 0, &mut f);
        assert_eq!(
            f,
            vec![
                ("status".to_string(), "504".to_string()),
                ("method".into(), "GET".into()),
                ("x".into(), "1".into())
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
    }
}
