//! Finding the message inside an event's raw text: the part a template is mined from.
//!
//! Users drop raw log files, so the text of an event still carries its header: a timestamp, a level,
//! a pid or thread in brackets, a host, a `component:` or `program[pid]:` prefix. Those parts vary from
//! line to line (time, pid, host) and would split every template, so they are cut off here.
//!
//! The rules are general, never tuned to one data set: the header is read as a short run of header-like
//! tokens (timestamps and dates, month and weekday names, level words, bracketed groups, numbers) with at
//! most a few plain words among them (a host, a program name, a log category), ended by one of
//! - a `name:` or `program[pid]:` token (syslog, most application logs);
//! - a level word, optionally followed by a `[thread]` and a qualified logger name `a.b.C:` (log4j and
//!   friends: `2015-10-18 18:01:47,978 INFO [main] org.apache.X: message`);
//! - a lone `-` after a program or logger name (`chrome.exe - message`, `c.a.Pool - message`);
//! - `|`-separated fields after a leading timestamp (`20171223-22:15:29:606|Step_LSC|300|message`).
//!
//! When none ends the header, only the leading run of header-like tokens is cut. JSON events use their
//! message field (`msg`, `message`, `log`, ...), whose text is read by the same rules (a container's
//! `log` field holds a whole text line). Only the first line of an event is used: continuation lines
//! (stack frames) do not define the kind of event.

use std::borrow::Cow;

use super::mask::class;
use crate::engine::formats::{unescape_json, JsonScan, RawValue};
use crate::engine::level::Level;

/// Keys whose string value is an event's message in JSON lines, in order of preference.
const MESSAGE_KEYS: &[&[u8]] = &[
    b"msg", b"message", b"log", b"MESSAGE", b"Message", b"text", b"event", b"body",
];

/// Header tokens looked at before giving up on finding the end of a header.
const MAX_HEADER_TOKENS: usize = 10;
/// Plain words allowed between header tokens (host, program, category...).
const MAX_HEADER_WORDS: usize = 3;

/// The message of an event: the first line of its text without the header.
pub fn message_of(text: &[u8]) -> Cow<'_, [u8]> {
    match cut(text) {
        Cut::Field(Cow::Borrowed(b)) => Cow::Borrowed(strip_header(b)),
        Cut::Field(Cow::Owned(v)) => Cow::Owned(strip_header(&v).to_vec()),
        Cut::Message(m) => Cow::Borrowed(m),
    }
}

/// Where an event's message is, before or after cutting its header (see [`cut`]).
#[derive(Debug, PartialEq, Eq)]
pub enum Cut<'a> {
    /// The first line of a JSON event's message field; its message is [`strip_header`] of it.
    /// JSON events often repeat their message field whole (`handled /healthz`) where a text line
    /// differs by its header, so the miner remembers fields before cutting their header.
    Field(Cow<'a, [u8]>),
    /// The message itself.
    Message(&'a [u8]),
}

/// The message of an event, or the JSON field it is cut from: [`message_of`] in two steps.
pub fn cut(text: &[u8]) -> Cut<'_> {
    let first = first_line(text);
    let trimmed = trim_start(first);
    if trimmed.first() == Some(&b'{') {
        return match json_message(trimmed) {
            Some(Cow::Borrowed(b)) => Cut::Field(Cow::Borrowed(first_line(b))),
            Some(Cow::Owned(mut v)) => {
                let len = first_line(&v).len();
                v.truncate(len);
                Cut::Field(Cow::Owned(v))
            }
            None => Cut::Message(trimmed),
        };
    }
    Cut::Message(strip_header(first))
}

fn first_line(text: &[u8]) -> &[u8] {
    let end = memchr::memchr(b'\n', text).unwrap_or(text.len());
    let line = &text[..end];
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

fn trim_end(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_whitespace())
        .count();
    &b[..b.len() - n]
}

/// The message field of a JSON object line, unescaped when it holds escapes.
fn json_message(line: &[u8]) -> Option<Cow<'_, [u8]>> {
    let mut scan = JsonScan::new(line)?;
    let mut best: Option<(usize, &[u8])> = None;
    while let Some((key, value)) = scan.next_pair() {
        if let RawValue::Str(s) = value {
            if let Some(rank) = MESSAGE_KEYS.iter().position(|k| *k == key) {
                if best.is_none_or(|(r, _)| rank < r) {
                    best = Some((rank, s));
                    if rank == 0 {
                        break;
                    }
                }
            }
        }
    }
    let (_, raw) = best?;
    if memchr::memchr(b'\\', raw).is_none() {
        return Some(Cow::Borrowed(raw));
    }
    let mut out = Vec::with_capacity(raw.len());
    unescape_json(raw, &mut out);
    Some(Cow::Owned(out))
}

/// What a header token looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HeaderToken {
    /// A timestamp piece, date, number, or month/weekday name.
    Time,
    /// A level word (`INFO`, `[error]`, `W`).
    Level,
    /// A bracketed group: `[main]`, `[IPC Server handler 5 on 8020]`, `<34>`.
    Bracket,
    /// A lone `-`.
    Dash,
    /// A `name:` or `program[pid]:` token.
    Component,
    /// Anything else: a host, a program or category name, or the first word of the message.
    Word,
}

/// The message part of one line: the line without its header.
pub fn strip_header(line: &[u8]) -> &[u8] {
    let start = header_end(line);
    trim_end(trim_start(&line[start..]))
}

/// Byte offset where the message of `line` starts.
pub fn header_end(line: &[u8]) -> usize {
    if let Some(end) = pipe_header_end(line) {
        return end;
    }
    let mut at = 0;
    // End of the leading run of header-like tokens (used when no header terminator is found).
    let mut leading_end = 0;
    let mut leading = true;
    let mut seen_header = false;
    let mut words = 0;
    let mut prev_word = false;
    for _ in 0..MAX_HEADER_TOKENS {
        let (start, end) = match next_token(line, at) {
            Some(t) => t,
            None => break,
        };
        let token = &line[start..end];
        if token[0] == b'"' {
            // A quoted string is message text (`"GET / HTTP/1.1"` after an access log's header).
            break;
        }
        let kind = classify_header_token(token);
        at = end;
        match kind {
            HeaderToken::Time | HeaderToken::Bracket => {
                seen_header = true;
                words = 0;
                prev_word = false;
                if leading {
                    leading_end = end;
                }
            }
            HeaderToken::Level => {
                if words <= MAX_HEADER_WORDS && (seen_header || is_upper_level(token)) {
                    return after_level(line, end);
                }
                leading = false;
                words += 1;
                prev_word = true;
            }
            HeaderToken::Component => {
                if words <= MAX_HEADER_WORDS && (seen_header || is_program_pid(token)) {
                    return end;
                }
                return leading_end;
            }
            HeaderToken::Dash => {
                if prev_word && seen_header && words <= 2 {
                    return end;
                }
                // A `-` in a header slot (an empty field) is header-like; a BGL "-" label too.
                if leading {
                    leading_end = end;
                }
                prev_word = false;
            }
            HeaderToken::Word => {
                leading = false;
                words += 1;
                prev_word = true;
                if words > MAX_HEADER_WORDS + 1 {
                    break;
                }
            }
        }
    }
    leading_end
}

/// After a level word: skips an optional `[thread]` and an optional qualified logger name.
fn after_level(line: &[u8], level_end: usize) -> usize {
    let mut end = level_end;
    let Some((s, e)) = next_token(line, end) else {
        return end;
    };
    let mut next = (s, e);
    if matches!(line[s], b'[' | b'(') {
        end = e;
        match next_token(line, end) {
            Some(t) => next = t,
            None => return end,
        }
    }
    let (s, e) = next;
    let token = &line[s..e];
    if let Some(name) = token.strip_suffix(b":") {
        if is_logger_name(name) {
            return e;
        }
    } else if is_logger_name(token) {
        // `c.a.pay.Pool - message`
        if let Some((ds, de)) = next_token(line, e) {
            if &line[ds..de] == b"-" {
                return de;
            }
        }
    }
    end
}

/// A dotted name such as `org.apache.hadoop.ipc.Server` or `dfs.DataNode$PacketResponder`.
fn is_logger_name(b: &[u8]) -> bool {
    b.len() >= 3
        && b.iter().any(|c| matches!(c, b'.' | b'$'))
        && b.first().is_some_and(|c| c.is_ascii_alphabetic())
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'$' | b'_' | b'-'))
}

fn is_upper_level(token: &[u8]) -> bool {
    let core = strip_brackets(token);
    core.len() >= 4 && core.iter().all(|c| c.is_ascii_uppercase())
}

/// `sshd[24200]:` and the like: a name with a bracketed pid, ending with a colon.
fn is_program_pid(token: &[u8]) -> bool {
    let t = token.strip_suffix(b":").unwrap_or(token);
    t.ends_with(b"]") && t.contains(&b'[')
}

/// `20171223-22:15:29:606|Step_LSC|30002312|message`: fields split by `|` after a leading timestamp.
fn pipe_header_end(line: &[u8]) -> Option<usize> {
    let window = &line[..line.len().min(160)];
    let first = memchr::memchr(b'|', window)?;
    let head = &line[..first];
    if head.is_empty() || head.contains(&b' ') && !is_time_like(trim_end(head)) {
        return None;
    }
    if !is_time_like(trim_end(trim_start(head))) {
        return None;
    }
    let mut end = first + 1;
    for _ in 0..6 {
        let rest = &line[end..];
        let Some(bar) = memchr::memchr(b'|', &rest[..rest.len().min(80)]) else {
            break;
        };
        let field = &rest[..bar];
        if field.contains(&b' ') || field.is_empty() && bar > 0 {
            break;
        }
        end += bar + 1;
    }
    Some(end)
}

/// The next token from `at`: a bracketed group (which may hold spaces) or a whitespace-separated word.
fn next_token(line: &[u8], mut at: usize) -> Option<(usize, usize)> {
    while at < line.len() && line[at].is_ascii_whitespace() {
        at += 1;
    }
    if at >= line.len() {
        return None;
    }
    let start = at;
    let close = match line[at] {
        b'[' => Some(b']'),
        b'<' => Some(b'>'),
        b'(' => Some(b')'),
        _ => None,
    };
    if let Some(close) = close {
        let window = &line[at..line.len().min(at + 256)];
        if let Some(rel) = memchr::memchr(close, window) {
            let mut end = at + rel + 1;
            // Keep what is glued to the bracket (`[main]:`, `([31211]):`).
            while end < line.len() && !line[end].is_ascii_whitespace() {
                end += 1;
            }
            return Some((start, end));
        }
    }
    while at < line.len() && !line[at].is_ascii_whitespace() {
        at += 1;
    }
    Some((start, at))
}

fn strip_brackets(token: &[u8]) -> &[u8] {
    let t = token.strip_suffix(b":").unwrap_or(token);
    match (t.first(), t.last()) {
        (Some(b'['), Some(b']')) | (Some(b'<'), Some(b'>')) | (Some(b'('), Some(b')'))
            if t.len() >= 2 =>
        {
            &t[1..t.len() - 1]
        }
        _ => t,
    }
}

fn classify_header_token(token: &[u8]) -> HeaderToken {
    if token == b"-" {
        return HeaderToken::Dash;
    }
    let core = strip_brackets(token);
    let m = class::of_all(core);
    if is_time_like_classes(core, m) || core.len() == 3 && is_month_or_day(core) || is_ipv6(core, m)
    {
        return HeaderToken::Time;
    }
    if class::only(m, class::LETTER) && core.len() <= 11 && is_level_word(core) {
        return HeaderToken::Level;
    }
    if matches!(token.first(), Some(b'[' | b'<' | b'(')) {
        return if token.ends_with(b":") {
            HeaderToken::Component
        } else {
            HeaderToken::Bracket
        };
    }
    if token.len() >= 2 && token.ends_with(b":") && is_name(&token[..token.len() - 1]) {
        return HeaderToken::Component;
    }
    HeaderToken::Word
}

fn is_level_word(core: &[u8]) -> bool {
    if core.len() == 1 && !core[0].is_ascii_uppercase() {
        return false;
    }
    // Lower-case single words such as "note" or "error" start messages too; only forms that are
    // usually levels count: upper case, or bracketed/capitalised full names.
    if core.len() < 4 && core.len() > 1 && !core.iter().all(|c| c.is_ascii_uppercase()) {
        return false;
    }
    Level::from_word(core).is_some()
}

/// A name as used before a colon in a header: `sshd[24200]`, `kernel[0]`, `com.apple.Foo[43]`, `ciod`.
fn is_name(b: &[u8]) -> bool {
    !b.is_empty()
        && b.iter().any(|c| c.is_ascii_alphabetic())
        && b.iter().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    b'.' | b'_' | b'-' | b'$' | b'[' | b']' | b'(' | b')' | b'/' | b'@' | b'#'
                )
        })
}

/// Digits with date/time separators (`2015-10-18`, `18:01:47,978`, `17/06/09`, `1117838570`,
/// `2005-06-03-15.42.50.675872`, `10.30`), at least one digit.
pub fn is_time_like(b: &[u8]) -> bool {
    is_time_like_classes(b, class::of_all(b))
}

/// [`is_time_like`] given the byte classes `m` of `b`.
fn is_time_like_classes(b: &[u8], m: u32) -> bool {
    use class::*;
    b.first().is_some_and(u8::is_ascii_digit)
        && only(m, DIGIT | DASH | COLON | SLASH | DOT | COMMA | TZ | PLUS)
}

/// An IPv6 address (a client address heading an access log line).
fn is_ipv6(b: &[u8], m: u32) -> bool {
    use class::*;
    m & COLON != 0
        && only(m, DIGIT | HEX_LETTER | LOWER | UPPER | COLON | DOT)
        && b.iter().filter(|c| **c == b':').count() >= 2
}

fn is_month_or_day(b: &[u8]) -> bool {
    const NAMES: &[&[u8]] = &[
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec", b"mon", b"tue", b"wed", b"thu", b"fri", b"sat", b"sun",
    ];
    if b.len() != 3 || !b[0].is_ascii_uppercase() {
        return false;
    }
    let lower = [
        b[0].to_ascii_lowercase(),
        b[1].to_ascii_lowercase(),
        b[2].to_ascii_lowercase(),
    ];
    NAMES.contains(&&lower[..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(line: &str) -> String {
        String::from_utf8(message_of(line.as_bytes()).into_owned()).unwrap()
    }

    #[test]
    fn log4j_style_headers_are_cut_at_the_logger_name() {
        assert_eq!(
            msg("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_3 terminating"),
            "PacketResponder 1 for block blk_3 terminating"
        );
        assert_eq!(
            msg("2015-10-18 18:01:51,806 INFO [IPC Server listener on 62260] org.apache.hadoop.ipc.Server: IPC Server listener on 62260: starting"),
            "IPC Server listener on 62260: starting"
        );
        assert_eq!(
            msg("17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls to: yarn,curi"),
            "Changing view acls to: yarn,curi"
        );
    }

    #[test]
    fn syslog_headers_are_cut_at_the_program() {
        assert_eq!(
            msg("Dec 10 06:55:46 LabSZ sshd[24200]: input_userauth_request: invalid user webmaster [preauth]"),
            "input_userauth_request: invalid user webmaster [preauth]"
        );
        assert_eq!(
            msg("Jul  5 00:21:07 authorMacBook-Pro Google Chrome[35628]: -_continuousScroll is deprecated"),
            "-_continuousScroll is deprecated"
        );
        assert_eq!(
            msg("Jul  1 09:29:02 calvisitor-10-105-160-95 sandboxd[129] ([31211]): com.apple.Addres(31211) deny"),
            "com.apple.Addres(31211) deny"
        );
    }

    #[test]
    fn level_after_category_words_ends_the_header() {
        assert_eq!(
            msg("- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected"),
            "instruction cache parity error corrected"
        );
        assert_eq!(
            msg("- 1117838570 2005.06.03 R02 2005-06-03-15.42.50.675872 R02 RAS APP FATAL ciod: failed to read"),
            "ciod: failed to read"
        );
    }

    #[test]
    fn dash_pipes_and_plain_lines() {
        assert_eq!(
            msg("[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy"),
            "proxy.cse.cuhk.edu.hk:5070 open through proxy"
        );
        assert_eq!(
            msg("20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579"),
            "onStandStepChanged 3579"
        );
        assert_eq!(
            msg("Invalid user webmaster from 173.234.31.186"),
            "Invalid user webmaster from 173.234.31.186"
        );
        assert_eq!(msg("2026-07-03 09:00:00 ERROR boom\n\tat x"), "boom");
        assert_eq!(
            msg("2001:db8::1 - - [03/Jul/2026:02:00:03 -0700] \"GET / HTTP/1.1\" 200 1"),
            "\"GET / HTTP/1.1\" 200 1"
        );
    }

    #[test]
    fn json_uses_the_message_field_and_reads_its_header() {
        assert_eq!(
            msg(
                r#"{"ts": "2026-07-03T09:00:00Z", "level": "debug", "msg": "handled /healthz", "n": 1}"#
            ),
            "handled /healthz"
        );
        assert_eq!(
            msg(
                r#"{"log": "09:00:08.563 INFO  [main] c.a.pay.Pool - pool stats active=31\n", "stream": "stdout"}"#
            ),
            "pool stats active=31"
        );
        assert_eq!(msg(r#"{"a": 1}"#), r#"{"a": 1}"#);
    }

    #[test]
    fn cut_gives_the_json_field_before_its_header_is_cut() {
        let line = br#"{"log": "09:00:08.563 INFO  [main] c.a.pay.Pool - pool stats active=31\nat x", "stream": "stdout"}"#;
        match cut(line) {
            Cut::Field(field) => {
                assert_eq!(
                    &field[..],
                    b"09:00:08.563 INFO  [main] c.a.pay.Pool - pool stats active=31"
                );
                assert_eq!(strip_header(&field), b"pool stats active=31");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            cut(b"Jul  3 09:00:00 gw-01 systemd[1]: Started Session 5"),
            Cut::Message(b"Started Session 5")
        );
        assert_eq!(cut(br#"{"a": 1}"#), Cut::Message(br#"{"a": 1}"#));
    }
}
