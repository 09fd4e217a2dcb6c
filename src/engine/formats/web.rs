//! Structured line formats with their own layout: AWS load balancer access logs, the W3C extended log
//! format (IIS), logfmt, and the systemd journal export format.

use super::{FormatName, LineClass, LineParser};
use crate::engine::level::Level;
use crate::engine::time::{self, Stamp, TimeContext};

/// AWS Application Load Balancer (`http 2016-08-10T22:08:42.945958Z app/lb/50dc6c495c0c9188 ...`) and
/// Classic Load Balancer (`2015-05-13T23:39:43.945958Z my-lb 192.168.131.39:2817 ...`) access logs. The
/// level follows the load balancer's status code, as for access logs.
#[derive(Debug, Default)]
pub struct AwsAlbParser;

impl AwsAlbParser {
    pub fn head(line: &[u8], cx: &TimeContext) -> Option<(Option<i64>, Level)> {
        let mut fields = line.split(|c| *c == b' ');
        let mut first = fields.next()?;
        let alb = matches!(
            first,
            b"http" | b"https" | b"h2" | b"grpcs" | b"ws" | b"wss"
        );
        if alb {
            first = fields.next()?;
        }
        let (stamp, used) = time::parse_iso(first)?;
        if used != first.len() {
            return None;
        }
        let _name = fields.next()?;
        let client = fields.next()?;
        if !client.contains(&b':') {
            return None;
        }
        let _target = fields.next()?;
        let mut durations = 0;
        for f in fields.by_ref().take(3) {
            if f == b"-1" || f.iter().all(|c| c.is_ascii_digit() || *c == b'.') {
                durations += 1;
            }
        }
        if durations != 3 {
            return None;
        }
        let status = fields.next()?;
        let level = std::str::from_utf8(status)
            .ok()
            .and_then(|s| s.parse::<u16>().ok())
            .map_or(Level::None, Level::from_http_status);
        Some((cx.resolve(&stamp), level))
    }
}

impl LineParser for AwsAlbParser {
    fn name(&self) -> FormatName {
        FormatName::AwsAlb
    }

    fn classify(&mut self, line: &[u8], cx: &TimeContext) -> LineClass {
        match Self::head(line, cx) {
            Some((ts, level)) => LineClass::Start { ts, level },
            None => LineClass::Unparsed,
        }
    }
}

/// W3C extended log format: `#Fields: date time s-ip cs-method ...` names the space-separated columns
/// of the lines below it (and may change midway); other `#` directives are skipped. The level follows
/// `sc-status`.
#[derive(Debug, Default)]
pub struct W3cParser {
    date: Option<usize>,
    time: Option<usize>,
    status: Option<usize>,
    /// The date from a `#Date:` directive, for files whose lines carry the time only.
    directive_date: Option<i64>,
}

impl LineParser for W3cParser {
    fn name(&self) -> FormatName {
        FormatName::W3c
    }

    fn classify(&mut self, line: &[u8], cx: &TimeContext) -> LineClass {
        if let Some(fields) = line.strip_prefix(b"#Fields:") {
            self.date = None;
            self.time = None;
            self.status = None;
            for (i, name) in fields
                .split(|c| *c == b' ')
                .filter(|t| !t.is_empty())
                .enumerate()
            {
                match name {
                    b"date" => self.date = Some(i),
                    b"time" => self.time = Some(i),
                    b"datetime" | b"date-time" => {
                        self.date = Some(i);
                        self.time = None;
                    }
                    b"sc-status" => self.status = Some(i),
                    _ => {}
                }
            }
            return LineClass::Skip;
        }
        if let Some(date) = line.strip_prefix(b"#Date:") {
            let date = date.strip_prefix(b" ").unwrap_or(date);
            self.directive_date = time::parse_iso(date).and_then(|(s, _)| cx.resolve(&s));
            return LineClass::Skip;
        }
        if line.starts_with(b"#") {
            return LineClass::Skip;
        }
        if self.date.is_none() && self.time.is_none() {
            return LineClass::Unparsed;
        }
        let mut date_field: &[u8] = b"";
        let mut time_field: &[u8] = b"";
        let mut status_field: &[u8] = b"";
        for (i, f) in line.split(|c| *c == b' ').enumerate() {
            if Some(i) == self.date {
                date_field = f;
            }
            if Some(i) == self.time {
                time_field = f;
            }
            if Some(i) == self.status {
                status_field = f;
            }
        }
        let ts = match (self.date, self.time) {
            (Some(_), Some(_)) => {
                // `2026-07-03` and `09:00:00.123` as separate columns: join them without allocating.
                let mut joined = [0u8; 48];
                let n = date_field.len() + 1 + time_field.len();
                if date_field.is_empty() || time_field.is_empty() || n > joined.len() {
                    return LineClass::Unparsed;
                }
                joined[..date_field.len()].copy_from_slice(date_field);
                joined[date_field.len()] = b' ';
                joined[date_field.len() + 1..n].copy_from_slice(time_field);
                time::parse_iso(&joined[..n]).and_then(|(s, _)| cx.resolve(&s))
            }
            (Some(_), None) => time::parse_any(date_field).and_then(|(s, _)| cx.resolve(&s)),
            (None, Some(_)) => time::parse_leading(time_field)
                .and_then(|(s, _)| cx.resolve_near(&s, self.directive_date)),
            (None, None) => None,
        };
        if ts.is_none() {
            return LineClass::Unparsed;
        }
        let level = std::str::from_utf8(status_field)
            .ok()
            .and_then(|s| s.parse::<u16>().ok())
            .map_or(Level::None, Level::from_http_status);
        LineClass::Start { ts, level }
    }
}

const LOGFMT_TIME_KEYS: &[&[u8]] = &[b"ts", b"time", b"timestamp", b"t", b"@timestamp", b"date"];
const LOGFMT_LEVEL_KEYS: &[&[u8]] = &[b"level", b"lvl", b"severity", b"loglevel", b"log.level"];

/// logfmt: `ts=2026-07-03T09:00:00Z level=info msg="hello world" user=42`. A line is logfmt when it is
/// made of at least two `key=value` pairs from its first byte on.
#[derive(Debug, Default)]
pub struct LogfmtParser;

impl LogfmtParser {
    pub fn head(line: &[u8], cx: &TimeContext) -> Option<(Option<i64>, Level)> {
        let mut at = 0;
        let mut pairs = 0;
        let mut ts = None;
        let mut level = Level::None;
        while at < line.len() {
            let key_len = line[at..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || b"_.@-/".contains(c))
                .count();
            if key_len == 0 || line.get(at + key_len) != Some(&b'=') {
                return None;
            }
            let key = &line[at..at + key_len];
            at += key_len + 1;
            let value = if line.get(at) == Some(&b'"') {
                let start = at + 1;
                let mut i = start;
                loop {
                    let rel = memchr::memchr2(b'"', b'\\', line.get(i..)?)?;
                    i += rel;
                    if line[i] == b'\\' {
                        i += 2;
                    } else {
                        break;
                    }
                }
                at = i + 1;
                &line[start..i]
            } else {
                let end = memchr::memchr(b' ', &line[at..]).map_or(line.len(), |r| at + r);
                let v = &line[at..end];
                at = end;
                v
            };
            pairs += 1;
            if ts.is_none() && LOGFMT_TIME_KEYS.contains(&key) {
                ts = time::parse_any(value).and_then(|(s, _)| cx.resolve(&s));
            } else if level == Level::None && LOGFMT_LEVEL_KEYS.contains(&key) {
                level = Level::from_word(value).unwrap_or(Level::None);
            }
            while line.get(at) == Some(&b' ') {
                at += 1;
            }
        }
        (pairs >= 2).then_some((ts, level))
    }
}

impl LineParser for LogfmtParser {
    fn name(&self) -> FormatName {
        FormatName::Logfmt
    }

    fn classify(&mut self, line: &[u8], cx: &TimeContext) -> LineClass {
        match Self::head(line, cx) {
            Some((ts, level)) => LineClass::Start { ts, level },
            None if line.is_empty() => LineClass::Skip,
            None if line.first().is_some_and(|c| *c == b' ' || *c == b'\t') => LineClass::Continue,
            None => LineClass::Unparsed,
        }
    }
}

/// The journal export format (`journalctl -o export`): one `FIELD=value` per line, records separated by
/// a blank line. A binary-safe field is its name alone on a line, then a 64-bit little-endian length
/// and that many bytes (which may contain line ends), then a newline. The record's first line starts the
/// event; `__REALTIME_TIMESTAMP` (µs since the epoch) and `PRIORITY` (syslog severity) amend it.
#[derive(Debug, Default)]
pub struct JournaldExportParser {
    in_record: bool,
    /// A binary field's name was the line above: this line opens with its length.
    expect_length: bool,
    /// Bytes of a binary field's data still to come after the current line (line ends inside count).
    binary_left: Option<u64>,
}

impl JournaldExportParser {
    fn field(line: &[u8]) -> (Option<i64>, Level) {
        if let Some(us) = line.strip_prefix(b"__REALTIME_TIMESTAMP=") {
            if let Some((Stamp::Instant(ns), _)) = time::parse_epoch(us) {
                return (Some(ns), Level::None);
            }
        } else if let Some([d @ b'0'..=b'7']) = line.strip_prefix(b"PRIORITY=") {
            return (None, Level::from_syslog_severity(d - b'0'));
        }
        (None, Level::None)
    }
}

impl LineParser for JournaldExportParser {
    fn name(&self) -> FormatName {
        FormatName::JournaldExport
    }

    fn classify(&mut self, line: &[u8], _cx: &TimeContext) -> LineClass {
        if self.expect_length {
            self.expect_length = false;
            let len = line
                .get(..8)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map_or(0, u64::from_le_bytes);
            let here = line.len().saturating_sub(8) as u64;
            // When the data goes on, the line end after this piece is one of its bytes.
            self.binary_left = (len > here).then(|| len - here - 1);
            return LineClass::Continue;
        }
        if let Some(left) = self.binary_left {
            let here = line.len() as u64;
            self.binary_left = (here < left).then(|| left - here - 1);
            return LineClass::Continue;
        }
        if line.is_empty() {
            self.in_record = false;
            return LineClass::Skip;
        }
        let (ts, level) = Self::field(line);
        if !self.in_record {
            self.in_record = true;
            return LineClass::Start { ts, level };
        }
        if !line.contains(&b'=') {
            self.expect_length = true;
            return LineClass::Continue;
        }
        if ts.is_some() || level != Level::None {
            LineClass::Amend { ts, level }
        } else {
            LineClass::Continue
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::format_rfc3339;

    #[test]
    fn alb_and_elb() {
        let cx = TimeContext::default();
        let (ts, level) = AwsAlbParser::head(b"http 2016-08-10T22:08:42.945958Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 502 200 34 366 \"GET http://www.example.com:80/ HTTP/1.1\" \"curl/7.46.0\" - -", &cx).unwrap();
        assert_eq!(format_rfc3339(ts.unwrap()), "2016-08-10T22:08:42.945958Z");
        assert_eq!(level, Level::Error);
        assert!(AwsAlbParser::head(b"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 \"- - - \" \"-\" - -", &cx).is_some());
    }

    #[test]
    fn w3c_columns_come_from_the_fields_header() {
        let cx = TimeContext::default();
        let mut p = W3cParser::default();
        assert_eq!(
            p.classify(
                b"#Software: Microsoft Internet Information Services 10.0",
                &cx
            ),
            LineClass::Skip
        );
        assert_eq!(
            p.classify(
                b"#Fields: date time s-ip cs-method cs-uri-stem sc-status",
                &cx
            ),
            LineClass::Skip
        );
        let LineClass::Start {
            ts: Some(ts),
            level,
        } = p.classify(b"2026-07-03 09:00:01 10.0.0.1 GET /x 404", &cx)
        else {
            panic!("not a start");
        };
        assert_eq!(format_rfc3339(ts), "2026-07-03T09:00:01Z");
        assert_eq!(level, Level::Warn);
    }

    #[test]
    fn logfmt_pairs() {
        let cx = TimeContext::default();
        let (ts, level) = LogfmtParser::head(
            br#"ts=2026-07-03T09:00:00Z level=warn msg="a \"b\" c" n=1"#,
            &cx,
        )
        .unwrap();
        assert_eq!(format_rfc3339(ts.unwrap()), "2026-07-03T09:00:00Z");
        assert_eq!(level, Level::Warn);
        assert!(LogfmtParser::head(b"2026-07-03 INFO a=b c=d", &cx).is_none());
    }

    #[test]
    fn journal_export_records_with_a_binary_field() {
        let cx = TimeContext::default();
        let mut p = JournaldExportParser::default();
        let mut classes = Vec::new();
        let mut text =
            b"__CURSOR=s=1\n__REALTIME_TIMESTAMP=1423944916375353\nPRIORITY=3\nMESSAGE\n".to_vec();
        text.extend_from_slice(&7u64.to_le_bytes());
        text.extend_from_slice(b"foo\nbar\n_PID=1\n\n__CURSOR=s=2\n");
        for line in text.split(|c| *c == b'\n') {
            classes.push(p.classify(line, &cx));
        }
        assert!(matches!(classes[0], LineClass::Start { ts: None, .. }));
        assert!(matches!(classes[1], LineClass::Amend { ts: Some(_), .. }));
        assert_eq!(
            classes[2],
            LineClass::Amend {
                ts: None,
                level: Level::Error
            }
        );
        assert_eq!(&classes[3..7], &[LineClass::Continue; 4]);
        assert_eq!(classes[7], LineClass::Skip);
        assert!(matches!(classes[8], LineClass::Start { .. }));
    }
}
