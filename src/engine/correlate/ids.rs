//! Id recognition: which values in an event's text are identifiers that may link it to other events.
//!
//! No configuration: one pass over the raw bytes finds
//! - values of keys whose names say id (`request_id`, `req_id=`, `"traceId":`, `x-request-id: `),
//!   written as JSON (`"key": "value"`), `key=value`, `key="value"` or `key: value`;
//! - bare tokens shaped like ids: UUIDs, W3C `traceparent` values (their trace and span ids), hex ids of
//!   at least 8 hex digits mixing digits and letters, prefixed ids with a long number or hex part
//!   (`blk_-6952295868487656571`, `application_1445144423722_0020`, `req-8f3a9b2c1d`,
//!   `T000000004`), and process tags `sshd[24200]:` (an OpenSSH session's lines share them).
//!
//! Timestamps, plain small numbers, IP addresses and words are not ids. The scanner does not allocate and
//! touches every byte once, so it can run over every event to build the [`IdIndex`] (id → events).
//! The index keeps a 64-bit hash of each id (lowercased) and the event; values are re-read from the event
//! text when shown, and lookups confirm the text, so a hash collision can never link unrelated events.

use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use crate::engine::store::{SourceData, SourceId};
use crate::engine::time;
use crate::engine::timeline::EventId;

/// What kind of id a value is, from its key's name or its shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    Request,
    Trace,
    Span,
    Transaction,
    Session,
    User,
    /// Another key whose name says id (`order_id`, `blockId`).
    Keyed,
    Uuid,
    Hex,
    /// A word prefix and a long number or hex part: `blk_-695…`, `job_2015…`.
    Prefixed,
    /// `program[pid]` at the head of a syslog-style line.
    Process,
}

/// One id found in a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdHit<'a> {
    pub value: &'a [u8],
    pub kind: IdKind,
    /// The key it was the value of, when it had one.
    pub key: Option<&'a [u8]>,
}

/// Bytes that make up tokens: ASCII letters, digits, `_` and `-`.
static TOKEN_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        c += 1;
    }
    t
};

#[inline]
fn is_token_byte(c: u8) -> bool {
    TOKEN_BYTE[c as usize]
}

/// Bytes that end a keyed value.
#[inline]
fn ends_value(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t'
            | b'\r'
            | b'\n'
            | b'"'
            | b'\''
            | b','
            | b';'
            | b'&'
            | b'}'
            | b']'
            | b')'
            | b'\\'
    )
}

/// The separator between a key token and its value: `=`, `:`, `="`, `": "`, `: ` and the like.
fn is_key_separator(sep: &[u8]) -> bool {
    if sep.is_empty() || sep.len() > 4 {
        return false;
    }
    let mut marks = 0;
    for &c in sep {
        match c {
            b'=' | b':' => marks += 1,
            b' ' | b'"' | b'\'' => {}
            _ => return false,
        }
    }
    marks == 1
}

/// The kind a key's name says, or `None` when the name does not say id.
pub fn key_kind(key: &[u8]) -> Option<IdKind> {
    let n = key.len();
    if n == 0 || n > 40 {
        return None;
    }
    // Every name below ends in d, t or n (id, uuid, traceparent, correlation): a cheap first test.
    if !matches!(key[n - 1].to_ascii_lowercase(), b'd' | b't' | b'n') {
        return None;
    }
    let camel_id =
        n >= 3 && key[n - 2] == b'I' && key[n - 1] == b'd' && key[n - 3].is_ascii_lowercase();
    let sep_id = n >= 3
        && matches!(key[n - 3], b'_' | b'-' | b'.')
        && key[n - 2].eq_ignore_ascii_case(&b'i')
        && key[n - 1].eq_ignore_ascii_case(&b'd');
    // Normalised: lowercase letters and digits only, at most 40 bytes.
    let mut norm = [0u8; 40];
    let mut len = 0;
    for &c in key {
        if c.is_ascii_alphanumeric() {
            norm[len] = c.to_ascii_lowercase();
            len += 1;
        }
    }
    let norm = &norm[..len];
    const WHOLE: &[(&[u8], IdKind)] = &[
        (b"id", IdKind::Keyed),
        (b"uuid", IdKind::Uuid),
        (b"guid", IdKind::Uuid),
        (b"rid", IdKind::Request),
        (b"traceparent", IdKind::Trace),
        (b"correlation", IdKind::Request),
        (b"sid", IdKind::Session),
        (b"xid", IdKind::Transaction),
    ];
    if let Some((_, kind)) = WHOLE.iter().find(|(w, _)| *w == norm) {
        return Some(*kind);
    }
    let says_id = camel_id || sep_id || norm.ends_with(b"id") && norm.len() >= 4;
    if !says_id {
        return None;
    }
    // Only names that end in a known stem or an explicit `_id`/`Id` count: "paid", "valid" do not.
    let stem = norm.strip_suffix(b"id").unwrap_or(norm);
    const STEMS: &[(&[u8], IdKind)] = &[
        (b"xrequest", IdKind::Request),
        (b"request", IdKind::Request),
        (b"req", IdKind::Request),
        (b"correlation", IdKind::Request),
        (b"trace", IdKind::Trace),
        (b"span", IdKind::Span),
        (b"parentspan", IdKind::Span),
        (b"transaction", IdKind::Transaction),
        (b"txn", IdKind::Transaction),
        (b"tx", IdKind::Transaction),
        (b"session", IdKind::Session),
        (b"user", IdKind::User),
    ];
    if let Some((_, kind)) = STEMS.iter().find(|(s, _)| stem.ends_with(s)) {
        return Some(*kind);
    }
    (camel_id || sep_id).then_some(IdKind::Keyed)
}

#[inline]
fn all_hex(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_hexdigit)
}

/// At least 8 hex digits, with both digits and letters (so neither a number nor a word).
fn is_hex_id(b: &[u8]) -> bool {
    b.len() >= 8
        && all_hex(b)
        && b.iter().any(u8::is_ascii_digit)
        && b.iter().any(u8::is_ascii_alphabetic)
}

fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`: returns the trace and span ids.
fn traceparent(b: &[u8]) -> Option<(&[u8], &[u8])> {
    if b.len() != 55 || b[2] != b'-' || b[35] != b'-' || b[52] != b'-' {
        return None;
    }
    let (version, trace, span, flags) = (&b[..2], &b[3..35], &b[36..52], &b[53..]);
    (all_hex(version) && all_hex(trace) && all_hex(span) && all_hex(flags)).then_some((trace, span))
}

/// The longest run of consecutive ASCII digits.
fn longest_digit_run(b: &[u8]) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in b {
        if c.is_ascii_digit() {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// A word prefix followed by a long number or a hex id: `blk_-695…`, `attempt_1445…_m_000000_0`,
/// `req-8f3a9b2c1d`, `T000000004`.
fn is_prefixed_id(b: &[u8]) -> bool {
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if letters == 0 || b.len() < 6 {
        return false;
    }
    let rest = &b[letters..];
    match rest.first() {
        // Letters glued to a long number: T000000004, but not a word with a year.
        Some(c) if c.is_ascii_digit() => {
            letters <= 4 && rest.len() >= 8 && rest.iter().all(u8::is_ascii_digit)
        }
        Some(b'_') | Some(b'-') if letters >= 2 => rest
            .split(|c| *c == b'_' || *c == b'-')
            .any(|seg| longest_digit_run(seg) >= 6 || is_hex_id(seg)),
        _ => false,
    }
}

/// Whether a keyed value is an id: not empty words, not small numbers, not a timestamp or an address.
fn is_keyed_value(v: &[u8]) -> bool {
    if v.len() < 4 || v.len() > 128 {
        return false;
    }
    let digits = v.iter().filter(|c| c.is_ascii_digit()).count();
    if digits == v.len() && v.len() < 6 {
        return false;
    }
    const EMPTY: [&[u8]; 7] = [
        b"null",
        b"none",
        b"true",
        b"false",
        b"unknown",
        b"undefined",
        b"nil",
    ];
    if EMPTY.iter().any(|w| w.eq_ignore_ascii_case(v)) {
        return false;
    }
    // Dates, times, IP addresses and versions: digits and separators only (with T/Z of ISO 8601).
    let numeric_punct = v
        .iter()
        .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b':' | b'.' | b'/' | b'+' | b'T' | b'Z'));
    if numeric_punct && digits < v.len() {
        return false;
    }
    // Anything else that reads as a timestamp (`Jul  3 09:00:06`) is not an id either.
    if digits < v.len() && v[0].is_ascii_digit() {
        if let Some((_, used)) = time::parse_any(v) {
            if used >= 8 {
                return false;
            }
        }
    }
    true
}

/// Calls `found` for every id in `text`, in order of appearance.
pub fn scan_ids<'a>(text: &'a [u8], mut found: impl FnMut(IdHit<'a>)) {
    let n = text.len();
    let mut i = 0;
    // The previous token, as a possible key.
    let mut prev: Option<(usize, usize)> = None;
    while i < n {
        // Skip to the next token byte.
        while i < n && !is_token_byte(text[i]) {
            i += 1;
        }
        if i >= n {
            break;
        }
        let s = i;
        let mut digit = false;
        while i < n && is_token_byte(text[i]) {
            digit |= text[i].is_ascii_digit();
            i += 1;
        }
        let e = i;
        let key = prev.and_then(|(ks, ke)| {
            let k = &text[ks..ke];
            (is_key_separator(&text[ke..s]) && !k[0].is_ascii_digit())
                .then(|| key_kind(k).map(|kind| (k, kind)))
                .flatten()
        });
        if let Some((k, kind)) = key {
            // A keyed value runs to the next delimiter, so `abc.def:1` stays whole.
            let mut ve = e;
            while ve < n && !ends_value(text[ve]) {
                ve += 1;
            }
            let v = &text[s..ve];
            if let Some((trace, span)) = traceparent(v) {
                found(IdHit {
                    value: trace,
                    kind: IdKind::Trace,
                    key: Some(k),
                });
                found(IdHit {
                    value: span,
                    kind: IdKind::Span,
                    key: Some(k),
                });
            } else if is_keyed_value(v) {
                found(IdHit {
                    value: v,
                    kind,
                    key: Some(k),
                });
            }
            i = ve;
            prev = None;
            continue;
        }
        let tok = &text[s..e];
        if (tok.len() < 6 || !digit) && text.get(e) != Some(&b'[') {
            // Every bare id shape is 6 bytes or more and holds a digit; this is not a process tag
            // (`sshd[24200]:`) either.
        } else if let Some((trace, span)) = traceparent(tok) {
            found(IdHit {
                value: trace,
                kind: IdKind::Trace,
                key: None,
            });
            found(IdHit {
                value: span,
                kind: IdKind::Span,
                key: None,
            });
        } else if is_uuid(tok) {
            found(IdHit {
                value: tok,
                kind: IdKind::Uuid,
                key: None,
            });
        } else if is_hex_id(tok) {
            found(IdHit {
                value: tok,
                kind: IdKind::Hex,
                key: None,
            });
        } else if is_prefixed_id(tok) {
            found(IdHit {
                value: tok,
                kind: IdKind::Prefixed,
                key: None,
            });
        } else if text.get(e) == Some(&b'[') && tok[0].is_ascii_alphabetic() {
            // `sshd[24200]:` – a process tag; pids below 100 are system daemons, not sessions.
            let digits = text[e + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            let close = e + 1 + digits;
            if (3..=10).contains(&digits)
                && text.get(close) == Some(&b']')
                && text.get(close + 1) == Some(&b':')
            {
                found(IdHit {
                    value: &text[s..=close],
                    kind: IdKind::Process,
                    key: None,
                });
                i = close + 1;
                prev = None;
                continue;
            }
        }
        prev = Some((s, e));
    }
}

/// All ids of a text, in order, each value once (first occurrence wins).
pub fn ids_of(text: &[u8]) -> Vec<IdHit<'_>> {
    let mut out: Vec<IdHit<'_>> = Vec::new();
    scan_ids(text, |hit| {
        if !out.iter().any(|h| h.value.eq_ignore_ascii_case(hit.value)) {
            out.push(hit);
        }
    });
    out
}

/// The 64-bit hash of an id, case-insensitive (FNV-1a over the lowercased bytes, then mixed).
pub fn id_hash(value: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &c in value {
        h ^= c.to_ascii_lowercase() as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // Final avalanche so nearby ids spread over the sorted index.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// Bits of an id hash that pick its partition of the [`IdIndex`].
const PARTITION_BITS: u32 = 8;
/// Partitions of an [`IdIndex`]: the ids whose hashes share their top [`PARTITION_BITS`] bits.
pub(super) const PARTITIONS: usize = 1 << PARTITION_BITS;

/// The partition an id hash belongs to (partitions in hash order).
#[inline]
fn partition(hash: u64) -> usize {
    (hash >> (64 - PARTITION_BITS)) as usize
}

/// Every id occurrence of every loaded event: (id hash, event) pairs sorted by hash, then event.
///
/// 16 bytes per distinct id per event, kept in [`PARTITIONS`] partitions by the top bits of the hash
/// (each sorted), so the whole is in hash order and is sorted a partition at a time: building the
/// index in steps ([`super::id_backlog::IdBacklog`]) never sorts everything in one piece, and small
/// sorts stay in cache. Built in one pass over all event text ([`IdIndex::build`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdIndex {
    /// Per partition, its entries sorted by (hash, packed event) once complete; none at all while
    /// the index is empty.
    parts: Vec<Vec<(u64, u64)>>,
}

fn pack(id: EventId) -> u64 {
    (id.source as u64) << 32 | id.event as u64
}

fn unpack(v: u64) -> EventId {
    EventId {
        source: (v >> 32) as SourceId,
        event: v as u32,
    }
}

/// The distinct id hashes of one event's text, into `seen` (cleared first), in order of appearance.
pub(super) fn event_hashes(text: &[u8], seen: &mut Vec<u64>) {
    seen.clear();
    scan_ids(text, |hit| {
        let h = id_hash(hit.value);
        if !seen.contains(&h) {
            seen.push(h);
        }
    });
}

impl IdIndex {
    /// Scans every event of every source.
    pub fn build(sources: &[SourceData]) -> Self {
        let mut index = IdIndex::default();
        let mut seen: Vec<u64> = Vec::with_capacity(8);
        for (s, source) in sources.iter().enumerate() {
            for e in 0..source.len() {
                event_hashes(source.text(e), &mut seen);
                index.push(s, e, &seen);
            }
        }
        for p in 0..PARTITIONS {
            index.sort_partition(p);
        }
        index
    }

    /// Adds event `event` of source `source` with its id hashes, at the end of their partitions
    /// (which are unsorted until [`IdIndex::sort_partition`]).
    pub(super) fn push(&mut self, source: usize, event: usize, hashes: &[u64]) {
        if hashes.is_empty() {
            return;
        }
        if self.parts.is_empty() {
            self.parts.resize_with(PARTITIONS, Vec::new);
        }
        let ev = pack(EventId {
            source: source as SourceId,
            event: event as u32,
        });
        for &h in hashes {
            self.parts[partition(h)].push((h, ev));
        }
    }

    /// Sorts partition `p` (and gives back the memory it does not use); returns its entries.
    pub(super) fn sort_partition(&mut self, p: usize) -> usize {
        let Some(part) = self.parts.get_mut(p) else {
            return 0;
        };
        part.sort_unstable();
        part.shrink_to_fit();
        part.len()
    }

    /// Drops every entry of source `source` (the order of the rest is kept).
    pub(super) fn remove_source(&mut self, source: usize) {
        let source = source as u64;
        for part in &mut self.parts {
            part.retain(|(_, ev)| ev >> 32 != source);
        }
    }

    /// Id occurrences held.
    pub fn len(&self) -> usize {
        self.parts.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(Vec::is_empty)
    }

    /// Bytes used, for memory reports.
    pub fn overhead_bytes(&self) -> usize {
        self.parts
            .iter()
            .map(|p| p.capacity() * std::mem::size_of::<(u64, u64)>())
            .sum::<usize>()
            + self.parts.capacity() * std::mem::size_of::<Vec<(u64, u64)>>()
    }

    fn range(&self, hash: u64) -> &[(u64, u64)] {
        let Some(part) = self.parts.get(partition(hash)) else {
            return &[];
        };
        let lo = part.partition_point(|(h, _)| *h < hash);
        let hi = part.partition_point(|(h, _)| *h <= hash);
        &part[lo..hi]
    }

    /// The entries of one id hash (events in source then event order), as [`IdIndex::for_each_id`]
    /// gives them; empty when no event carries it.
    pub fn group(&self, hash: u64) -> &[(u64, u64)] {
        self.range(hash)
    }

    /// Events whose hash matches `value` (unconfirmed: see [`IdIndex::events_with`]).
    pub fn candidates(&self, value: &[u8]) -> impl Iterator<Item = EventId> + '_ {
        self.range(id_hash(value)).iter().map(|(_, e)| unpack(*e))
    }

    /// Events that carry `value` as an id, in source then event order (confirmed against their text).
    pub fn events_with(&self, sources: &[SourceData], value: &[u8]) -> Vec<EventId> {
        self.candidates(value)
            .filter(|id| {
                let Some(source) = sources.get(id.source as usize) else {
                    return false;
                };
                let mut found = false;
                scan_ids(source.text(id.event as usize), |hit| {
                    found |= hit.value.eq_ignore_ascii_case(value);
                });
                found
            })
            .collect()
    }

    /// Number of events carrying the id with this hash, per source (unconfirmed, cheap).
    pub fn count_by_source(&self, value: &[u8]) -> Vec<(SourceId, usize)> {
        let mut out: Vec<(SourceId, usize)> = Vec::new();
        for id in self.candidates(value) {
            match out.last_mut() {
                Some((s, n)) if *s == id.source => *n += 1,
                _ => out.push((id.source, 1)),
            }
        }
        out
    }

    /// Groups of events sharing one id hash, for whole-index analyses (skew): calls `group` with the
    /// events of each id that occurs more than once, in hash order.
    pub fn for_each_shared(&self, mut group: impl FnMut(&[(u64, u64)])) {
        self.for_each_id(|g| {
            if g.len() > 1 {
                group(g)
            }
            ControlFlow::Continue(())
        });
    }

    /// Calls `group` with the events of every id hash (in hash order; events in source then event
    /// order), for analyses whose ids may be shared with sources indexed elsewhere, until `group`
    /// says to stop (a sample that is full).
    pub fn for_each_id(&self, mut group: impl FnMut(&[(u64, u64)]) -> ControlFlow<()>) {
        // An id's entries are all in its hash's partition, and the partitions are in hash order.
        for part in &self.parts {
            let mut start = 0;
            while start < part.len() {
                let h = part[start].0;
                let end = start + part[start..].iter().take_while(|(x, _)| *x == h).count();
                if group(&part[start..end]).is_break() {
                    return;
                }
                start = end;
            }
        }
    }

    /// Unpacks an event as stored in a group from [`IdIndex::for_each_shared`].
    pub fn event_of(entry: &(u64, u64)) -> EventId {
        unpack(entry.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<(String, IdKind)> {
        ids_of(text.as_bytes())
            .into_iter()
            .map(|h| (String::from_utf8_lossy(h.value).into_owned(), h.kind))
            .collect()
    }

    #[test]
    fn json_keys_that_say_id_give_their_values() {
        let got = ids(
            r#"{"ts": "2026-07-03T09:00:00.000Z", "msg": "handled /api", "request_id": "269e0d37f2a74de4", "trace_id": "a6a3a4506513270e128b2f330c5c7fd0", "latency_ms": 17.8, "user_id": "u56838", "pid": 4242}"#,
        );
        assert_eq!(
            got,
            vec![
                ("269e0d37f2a74de4".into(), IdKind::Request),
                ("a6a3a4506513270e128b2f330c5c7fd0".into(), IdKind::Trace),
                ("u56838".into(), IdKind::User),
            ]
        );
    }

    #[test]
    fn key_value_pairs_headers_and_camel_case() {
        assert_eq!(
            ids("GET /x 200 0.018 req_id=269e0d37f2a74de4"),
            vec![("269e0d37f2a74de4".into(), IdKind::Request)]
        );
        assert_eq!(
            ids("x-request-id: abc.def-42 traceId=Q7 spanId=\"zz-top-9\""),
            vec![
                ("abc.def-42".into(), IdKind::Request),
                ("zz-top-9".into(), IdKind::Span)
            ]
        );
        // Names that merely end in "id" are not id keys.
        assert!(ids("paid=yes-sir valid=something").is_empty());
        assert_eq!(key_kind(b"orderId"), Some(IdKind::Keyed));
        // Long plain numbers under an id key are ids (snowflake ids).
        assert_eq!(
            ids("request_id=1234567890123456"),
            vec![("1234567890123456".into(), IdKind::Request)]
        );
        assert_eq!(key_kind(b"TXN_ID"), Some(IdKind::Transaction));
        assert_eq!(key_kind(b"android"), None);
    }

    #[test]
    fn bare_shapes_uuid_traceparent_hex_prefixed_process() {
        assert_eq!(
            ids("user 550e8400-E29B-41d4-a716-446655440000 logged in"),
            vec![("550e8400-E29B-41d4-a716-446655440000".into(), IdKind::Uuid)]
        );
        assert_eq!(
            ids("traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            vec![
                ("4bf92f3577b34da6a3ce929d0e0e4736".into(), IdKind::Trace),
                ("00f067aa0ba902b7".into(), IdKind::Span)
            ]
        );
        assert_eq!(
            ids("request f6eac1aef42bb276 failed"),
            vec![("f6eac1aef42bb276".into(), IdKind::Hex)]
        );
        assert_eq!(
            ids("Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106"),
            vec![("blk_-1608999687919862906".into(), IdKind::Prefixed)]
        );
        assert_eq!(
            ids("Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster"),
            vec![("sshd[24200]".into(), IdKind::Process)]
        );
    }

    #[test]
    fn timestamps_numbers_ips_and_words_are_not_ids() {
        for text in [
            "2026-07-03T09:00:00.000Z 1783069201181 10.123.46.142 deadbeef",
            "[03/Jul/2026:02:00:03 -0700] \"GET /healthz HTTP/1.1\" 200 4879",
            "systemd[1]: Started Session 5967 of user deploy.",
            "[http-nio-8080-exec-144] c.a.pay.Gateway pool stats active=31 idle=43",
            "request_id=null session_id=42 trace_id=2026-07-03T09:00:00Z uid=1000",
            "request_id=2026-07-03 span_id=09:00:00.123",
            "host_id=10.0.0.1",
        ] {
            assert!(ids(text).is_empty(), "{text}: {:?}", ids(text));
        }
    }

    #[test]
    fn index_finds_every_event_carrying_an_id_case_insensitively() {
        use crate::engine::ingest::{ingest_bytes, IngestOptions};
        let a = ingest_bytes(
            "a.log",
            b"2026-07-03 09:00:00 INFO start request_id=ABCDEF0123\n2026-07-03 09:00:01 INFO other\n2026-07-03 09:00:02 INFO done abcdef0123\n",
            IngestOptions::default(),
        );
        let b = ingest_bytes(
            "b.log",
            b"2026-07-03 09:00:01 INFO seen abcdef0123 twice abcdef0123\n",
            IngestOptions::default(),
        );
        let sources = vec![a, b];
        let index = IdIndex::build(&sources);
        let got = index.events_with(&sources, b"abcdef0123");
        assert_eq!(
            got,
            vec![
                EventId {
                    source: 0,
                    event: 0
                },
                EventId {
                    source: 0,
                    event: 2
                },
                EventId {
                    source: 1,
                    event: 0
                }
            ]
        );
        assert_eq!(index.count_by_source(b"ABCDEF0123"), vec![(0, 2), (1, 1)]);
        assert!(index.events_with(&sources, b"0123abcdef").is_empty());
    }

    #[test]
    fn the_partitions_hold_every_occurrence_in_hash_then_event_order() {
        let loghub =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/loghub");
        let sources = crate::engine::ingest::read_files(
            &loghub,
            &["HDFS/HDFS_2k.log", "OpenSSH/OpenSSH_2k.log"],
        );
        // Every (hash, event) pair, sorted as one list.
        let mut flat = Vec::new();
        let mut seen = Vec::new();
        for (s, source) in sources.iter().enumerate() {
            for e in 0..source.len() {
                event_hashes(source.text(e), &mut seen);
                let ev = pack(EventId {
                    source: s as SourceId,
                    event: e as u32,
                });
                flat.extend(seen.iter().map(|h| (*h, ev)));
            }
        }
        flat.sort_unstable();
        let index = IdIndex::build(&sources);
        let mut walked = Vec::new();
        index.for_each_id(|group| {
            walked.extend_from_slice(group);
            ControlFlow::Continue(())
        });
        assert!(flat.len() > 4000, "the corpus has ids");
        assert_eq!(walked, flat);
        assert_eq!(index.len(), flat.len());
        let (h, _) = flat[flat.len() / 2];
        let want: Vec<_> = flat.iter().filter(|(x, _)| *x == h).copied().collect();
        assert_eq!(index.group(h), &want[..]);
    }
}
