//! Apache/nginx access logs, common and combined, with trailing extra fields (request time, ids).
//!
//! `client ident user [10/Oct/2000:13:55:36 -0700] "GET /x HTTP/1.1" status bytes "referer" "agent" ...`
//! The level follows lnav's convention: 5xx is an error, 4xx a warning, the rest info.

use super::{FormatName, LineClass, LineParser};
use crate::engine::level::Level;
use crate::engine::time::{self, TimeContext};

#[derive(Debug, Default)]
pub struct AccessLogParser;

/// The parts of an access-log line that ingest needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessHead {
    pub ts: Option<i64>,
    pub status: u16,
}

impl AccessLogParser {
    pub fn head(line: &[u8], cx: &TimeContext) -> Option<AccessHead> {
        if line.first().is_some_and(|c| c.is_ascii_digit()) {
            if let Some(head) = Self::head_time_first(line, cx) {
                return Some(head);
            }
        }
        // client, ident and user are single tokens before the bracketed time.
        let open = memchr::memchr(b'[', line.get(..line.len().min(300))?)?;
        let pre = &line[..open];
        // client ident user, possibly after a virtual host or an X-Forwarded-For chain
        // (`10.0.0.2, 10.0.0.1, 127.0.0.1 - - [`, `"10.5.1.2, 10.5.1.3" 10.2.1.185 - - [`).
        if pre.last() != Some(&b' ')
            || pre.split(|c| *c == b' ').filter(|t| !t.is_empty()).count() < 3
        {
            return None;
        }
        let (ts, used) = cx.clf_instant(&line[open + 1..])?;
        let after = open + 1 + used;
        if line.get(after) != Some(&b']') {
            return None;
        }
        let rest = line.get(after + 1..)?;
        let rest = rest.strip_prefix(b" \"")?;
        // The request may contain escaped quotes; find the closing quote followed by a space and a status.
        let mut i = 0;
        let close = loop {
            let q = memchr::memchr(b'"', rest.get(i..)?)? + i;
            if q > 0 && rest[q - 1] == b'\\' {
                i = q + 1;
                continue;
            }
            break q;
        };
        let after_req = rest.get(close + 1..)?.strip_prefix(b" ")?;
        let status_len = after_req.iter().take_while(|c| c.is_ascii_digit()).count();
        if status_len != 3 {
            return None;
        }
        let status = std::str::from_utf8(&after_req[..3]).ok()?.parse().ok()?;
        Some(AccessHead { ts, status })
    }
}

impl AccessLogParser {
    /// The time-first layout: `2013-02-11T06:43:36 10.112.72.172 - GET "/client/" -1 200 5778 "-" "agent"`.
    fn head_time_first(line: &[u8], cx: &TimeContext) -> Option<AccessHead> {
        let (stamp, used) = time::parse_iso(line)?;
        let mut fields = line.get(used..)?.strip_prefix(b" ")?.split(|c| *c == b' ');
        let _client = fields
            .next()
            .filter(|c| c.contains(&b'.') || c.contains(&b':'))?;
        let _user = fields.next()?;
        let method = fields.next()?;
        if method.len() < 3 || !method.iter().all(u8::is_ascii_uppercase) {
            return None;
        }
        let _path = fields.next()?;
        let status = fields
            .take(2)
            .find(|f| f.len() == 3 && f.iter().all(u8::is_ascii_digit))?;
        let status: u16 = std::str::from_utf8(status).ok()?.parse().ok()?;
        (100..600).contains(&status).then(|| AccessHead {
            ts: cx.resolve(&stamp),
            status,
        })
    }
}

impl LineParser for AccessLogParser {
    fn name(&self) -> FormatName {
        FormatName::AccessLog
    }

    fn recognises(&mut self, line: &[u8], cx: &TimeContext) -> bool {
        Self::head(line, cx).is_some()
    }

    fn classify(&mut self, line: &[u8], cx: &TimeContext) -> LineClass {
        match Self::head(line, cx) {
            Some(head) => LineClass::Start {
                ts: head.ts,
                level: Level::from_http_status(head.status),
            },
            // An error-log line among the access lines (both go to one container's output).
            None => super::text::stamped_start(line, cx).unwrap_or(LineClass::Unparsed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::format_rfc3339;

    #[test]
    fn reads_combined_with_extras() {
        let line = br#"10.123.46.142 - - [03/Jul/2026:02:00:03 -0700] "GET /api/v1/login HTTP/1.1" 504 3677 "-" "Mozilla/5.0 (X11; Linux x86_64)" 0.018 req_id=269e0d37f2a74de4"#;
        let head = AccessLogParser::head(line, &TimeContext::default()).unwrap();
        assert_eq!(format_rfc3339(head.ts.unwrap()), "2026-07-03T09:00:03Z");
        assert_eq!(head.status, 504);
    }

    #[test]
    fn reads_an_empty_request() {
        let line = br#"::1 - - [03/Jul/2026:02:00:03 +0000] "-" 400 0 "-" "-""#;
        assert_eq!(
            AccessLogParser::head(line, &TimeContext::default())
                .unwrap()
                .status,
            400
        );
    }

    #[test]
    fn rejects_other_text() {
        assert!(
            AccessLogParser::head(b"2026-07-03 INFO [main] x", &TimeContext::default()).is_none()
        );
    }
}
