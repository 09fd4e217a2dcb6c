//! Syslog: RFC 3164 (`<34>Jul  3 09:00:53 host tag[pid]: message`, the priority optional, no year and no
//! zone) and RFC 5424 (`<165>1 2026-07-03T09:00:53.003Z host app procid msgid [sd] message`), plus the
//! RFC 3339 stamps rsyslog writes in the 3164 layout.
//!
//! The level comes from the priority's severity (`PRI % 8`) when there is one, otherwise from a level
//! word near the start of the message. The year of a 3164 stamp comes from the file's modification time
//! (see [`TimeContext`]). Lines that are not syslog lines continue the message above.

use super::text::{level_near, stamped_start};
use super::{FormatName, LineClass, LineParser};
use crate::engine::level::Level;
use crate::engine::time::{self, Stamp, TimeContext};

#[derive(Debug)]
pub struct SyslogParser {
    name: FormatName,
}

/// A syslog line's time and level, and whether it is RFC 5424.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyslogHead {
    pub ts: Option<i64>,
    pub level: Level,
    pub rfc5424: bool,
}

impl SyslogParser {
    pub fn new(name: FormatName) -> Self {
        SyslogParser { name }
    }

    pub fn head(line: &[u8], cx: &TimeContext) -> Option<SyslogHead> {
        let (pri, rest) = match line.first() {
            Some(b'<') => {
                let close = memchr::memchr(b'>', line.get(..6)?)?;
                let pri: u16 = std::str::from_utf8(&line[1..close]).ok()?.parse().ok()?;
                if pri > 191 {
                    return None;
                }
                (Some(pri), &line[close + 1..])
            }
            _ => (None, line),
        };
        let pri_level = pri.map(|p| Level::from_syslog_severity((p % 8) as u8));
        if pri.is_some() && rest.starts_with(b"1 ") {
            let body = &rest[2..];
            let (ts, used) = if body.starts_with(b"- ") {
                (None, 1)
            } else {
                let (stamp, used) = time::parse_iso(body)?;
                (cx.resolve(&stamp), used)
            };
            if body.get(used) != Some(&b' ') {
                return None;
            }
            return Some(SyslogHead {
                ts,
                level: pri_level.unwrap_or(Level::None),
                rfc5424: true,
            });
        }
        let (stamp, used) = if rest.first().is_some_and(|c| c.is_ascii_digit()) {
            let (stamp, used) = time::parse_iso(rest)?;
            // An RFC 3339 stamp is syslog only in the syslog layout: `host tag: message`.
            let Stamp::Civil {
                offset_secs: Some(_),
                ..
            } = stamp
            else {
                return None;
            };
            let after = rest.get(used + 1..)?;
            let mut tokens = after.splitn(3, |c| *c == b' ');
            let _host = tokens.next().filter(|h| !h.is_empty())?;
            let tag = tokens.next()?;
            if !(tag.ends_with(b":") || tag.ends_with(b"]:")) {
                return None;
            }
            (stamp, used)
        } else {
            time::parse_syslog(rest)?
        };
        let after = rest.get(used..)?;
        // A host must follow.
        if !(after.first() == Some(&b' ') && after.get(1).is_some_and(|c| !c.is_ascii_whitespace()))
        {
            return None;
        }
        let level = pri_level.unwrap_or_else(|| {
            let stamp_at = line.len() - rest.len();
            level_near(line, stamp_at..stamp_at + used)
        });
        Some(SyslogHead {
            ts: cx.resolve(&stamp),
            level,
            rfc5424: false,
        })
    }
}

impl LineParser for SyslogParser {
    fn name(&self) -> FormatName {
        self.name
    }

    fn recognises(&mut self, line: &[u8], cx: &TimeContext) -> bool {
        Self::head(line, cx).is_some()
    }

    fn classify(&mut self, line: &[u8], cx: &TimeContext) -> LineClass {
        match Self::head(line, cx) {
            Some(h) => LineClass::Start {
                ts: h.ts,
                level: h.level,
            },
            None if line.is_empty() => LineClass::Skip,
            None => stamped_start(line, cx).unwrap_or(LineClass::Continue),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::format_rfc3339;

    #[test]
    fn reads_both_rfcs() {
        let cx = TimeContext::default();
        let h = SyslogParser::head(
            b"<78>1 2017-04-27T08:09:01+02:00 nextcloud CRON 1472 - -  (root) CMD",
            &cx,
        )
        .unwrap();
        assert!(h.rfc5424);
        assert_eq!(format_rfc3339(h.ts.unwrap()), "2017-04-27T06:09:01Z");
        assert_eq!(h.level, Level::Info);
        let h = SyslogParser::head(b"<11>Jul  3 09:00:53 gw-01 sshd[1]: x", &cx).unwrap();
        assert_eq!(h.level, Level::Error);
        assert!(!h.rfc5424);
        assert!(SyslogParser::head(
            b"2025-08-31T09:36:55.418891-07:00 stack-pc2 rsyslogd: [origin] x",
            &cx
        )
        .is_some());
        assert!(SyslogParser::head(b"2026-07-03 09:00:00,123 INFO [main] x", &cx).is_none());
    }
}
