//! Timestamps: reading every common shape into a UTC instant, zones, and year inference.
//!
//! Instants are `i64` nanoseconds since the Unix epoch, UTC. A timestamp as written may lack a zone
//! (then it is read in the zone of its [`TimeContext`]) or a year (syslog: then the year comes from the
//! file's modification time, with the December → January rollover handled) or a date (`09:00:08.563`:
//! then the date comes from the event before it in the same file, rolling over midnight, or from the
//! file's modification time).
//!
//! Shapes read anywhere a timestamp is expected ([`parse_any`]): ISO 8601 / RFC 3339 with any fraction
//! and its relatives (`2026/07/03 09:00:00`, `2005-06-03-15.42.50.675872`, `2022-06-08  8:52:40`), RFC
//! 2822, ctime, Apache `10/Oct/2000:13:55:36 -0700`, syslog `Jul  3 09:00:53`, java.util.logging `Jul 09,
//! 2015 3:23:29 PM`, `17/06/09 20:10:40`, `07/03/2026 09:00:00`, `20171223-22:15:29:606`, and epoch
//! seconds/ms/µs/ns. At the start of a line ([`parse_leading`]) also HDFS `081109 203615`, logcat and
//! Proxifier month-day stamps, glog/klog `I0703 09:00:00.123456`, a date alone and a time alone. Zones:
//! `Z`, numeric offsets, `UTC+2`, common abbreviations (`PST`, `CEST`, ...) and IANA zone names
//! (`2024-03-10 02:30:00 America/New_York`, read with that zone's rules at that date).
//!
//! The parsers here are hand-written byte scanners: they run on every line at ingest, so they avoid
//! allocation and regexes. Calendar arithmetic for zone-less stamps in named zones goes through `jiff`.

use serde::{Deserialize, Serialize};

pub const NANOS_PER_SEC: i64 = 1_000_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// A zone to read zone-less timestamps in.
#[derive(Clone, Debug, Default)]
pub enum Zone {
    #[default]
    Utc,
    /// A fixed offset east of UTC, in seconds.
    Fixed(i32),
    /// An IANA zone such as `Europe/Berlin`.
    Named(jiff::tz::TimeZone),
}

/// The zone name was not an IANA zone, `UTC`, or an offset like `+02:00`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone \"{0}\": use an IANA name such as Europe/Berlin, UTC, or an offset such as +02:00")]
pub struct UnknownZone(pub String);

impl Zone {
    /// Parses `UTC`, `Z`, `+02:00`, `-0700` or an IANA name.
    pub fn parse(name: &str) -> Result<Zone, UnknownZone> {
        let trimmed = name.trim();
        if trimmed.eq_ignore_ascii_case("utc")
            || trimmed == "Z"
            || trimmed.eq_ignore_ascii_case("gmt")
        {
            return Ok(Zone::Utc);
        }
        if let Some((off, used)) = parse_offset(trimmed.as_bytes()) {
            if used == trimmed.len() {
                return Ok(Zone::Fixed(off));
            }
        }
        jiff::tz::TimeZone::get(trimmed)
            .map(Zone::Named)
            .map_err(|_| UnknownZone(trimmed.to_string()))
    }

    /// The offset east of UTC, in seconds, of this zone at the instant `ns`.
    pub fn offset_at(&self, ns: i64) -> i64 {
        match self {
            Zone::Utc => 0,
            Zone::Fixed(off) => *off as i64,
            Zone::Named(tz) => jiff::Timestamp::from_nanosecond(ns as i128)
                .map(|ts| tz.to_offset(ts).seconds() as i64)
                .unwrap_or(0),
        }
    }

    /// The instant of a wall-clock time in this zone (earlier of two readings in a DST overlap).
    pub fn civil_to_utc(&self, c: &Civil) -> Option<i64> {
        match self {
            Zone::Utc => Some(c.as_utc_nanos()),
            Zone::Fixed(off) => Some(c.as_utc_nanos() - *off as i64 * NANOS_PER_SEC),
            Zone::Named(tz) => {
                let dt = jiff::civil::DateTime::new(
                    i16::try_from(c.year).ok()?,
                    c.month as i8,
                    c.day as i8,
                    c.hour as i8,
                    c.minute as i8,
                    c.second.min(59) as i8,
                    c.nanos as i32,
                )
                .ok()?;
                let ts = tz.to_ambiguous_timestamp(dt).compatible().ok()?;
                Some(ts.as_nanosecond() as i64 + if c.second == 60 { NANOS_PER_SEC } else { 0 })
            }
        }
    }
}

/// What a parser needs to turn a timestamp as written into an instant.
#[derive(Clone, Debug, Default)]
pub struct TimeContext {
    /// Zone for timestamps written without one.
    pub zone: Zone,
    /// The file's modification time (ns since the epoch), for timestamps written without a year.
    pub modified_ns: Option<i64>,
    /// The last stamps read through [`TimeContext::instant_of`] and [`TimeContext::clf_instant`].
    memo: std::cell::RefCell<StampMemo>,
}

/// The stamps a file's lines repeat, remembered so the next line costs a few byte compares instead
/// of a parse (a parse costs about a third of reading an access-log line): the minute of the last
/// ISO 8601 stamp with an explicit zone (`2026-07-03T09:00:` … `Z`; JSON logs write milliseconds,
/// so whole stamps seldom repeat but minutes do), and the last access-log stamp whole (a busy server
/// writes many lines a second). Only stamps whose instant is a plain function of the remembered
/// text are kept, so a remembered answer is always the parse's.
#[derive(Clone, Copy, Debug, Default)]
struct StampMemo {
    /// `YYYY-MM-DDTHH:MM:` of the last ISO stamp, its zone as written (after the seconds and the
    /// fraction, to the end of the text), and the instant of second 0 of that minute.
    iso_prefix: [u8; ISO_PREFIX],
    iso_zone: [u8; ISO_ZONE_MAX],
    iso_zone_len: u8,
    iso_minute_ns: Option<i64>,
    /// The last access-log stamp through its closing `]`, and its instant.
    clf: [u8; CLF_STAMP + 1],
    clf_ns: Option<Option<i64>>,
}

/// `YYYY-MM-DDTHH:MM:`
const ISO_PREFIX: usize = 17;
/// `+hh:mm` (the longest zone designator remembered).
const ISO_ZONE_MAX: usize = 6;
/// `10/Oct/2000:13:55:36 -0700`
const CLF_STAMP: usize = 26;

impl StampMemo {
    /// Seconds and nanoseconds of `rest` (`SS`, `SS.f` to `SS.fffffffff`) and where they end.
    fn seconds(rest: &[u8]) -> Option<(i64, usize)> {
        let second = digits(rest, 0, 2)? as i64;
        if second >= 60 {
            return None;
        }
        let mut nanos = 0i64;
        let mut end = 2;
        if rest.get(2) == Some(&b'.') {
            let n = rest[3..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 || n > 9 {
                return None;
            }
            for &c in &rest[3..3 + n] {
                nanos = nanos * 10 + (c - b'0') as i64;
            }
            nanos *= 10i64.pow((9 - n) as u32);
            end = 3 + n;
        }
        Some((second * NANOS_PER_SEC + nanos, end))
    }

    /// The instant of `text` when it is the remembered minute and zone.
    fn iso(&self, text: &[u8]) -> Option<i64> {
        let minute_ns = self.iso_minute_ns?;
        if text.get(..ISO_PREFIX)? != self.iso_prefix {
            return None;
        }
        let (within, end) = Self::seconds(&text[ISO_PREFIX..])?;
        (text[ISO_PREFIX + end..] == self.iso_zone[..self.iso_zone_len as usize])
            .then_some(minute_ns + within)
    }

    /// Remembers the minute of `text`, parsed as `stamp` (all of it) to the instant `ns`, when it is
    /// an ISO stamp with its zone written as `Z` or an offset.
    fn learn_iso(&mut self, text: &[u8], stamp: &Stamp, ns: i64) {
        let Stamp::Civil {
            offset_secs: Some(_),
            ..
        } = stamp
        else {
            return;
        };
        let shaped = text.len() > ISO_PREFIX
            && text[4] == b'-'
            && text[7] == b'-'
            && matches!(text[10], b'T' | b' ')
            && text[13] == b':'
            && text[16] == b':';
        if !shaped {
            return;
        }
        let Some((within, end)) = Self::seconds(&text[ISO_PREFIX..]) else {
            return;
        };
        let zone = &text[ISO_PREFIX + end..];
        let designator = zone == b"Z"
            || (matches!(zone.len(), 5 | 6)
                && matches!(zone[0], b'+' | b'-')
                && zone[1..].iter().all(|c| c.is_ascii_digit() || *c == b':'));
        if !designator {
            return;
        }
        self.iso_prefix.copy_from_slice(&text[..ISO_PREFIX]);
        self.iso_zone[..zone.len()].copy_from_slice(zone);
        self.iso_zone_len = zone.len() as u8;
        self.iso_minute_ns = Some(ns - within);
    }
}

impl TimeContext {
    /// A context reading zone-less stamps in `zone`, with the file's modification time.
    pub fn new(zone: Zone, modified_ns: Option<i64>) -> Self {
        TimeContext {
            zone,
            modified_ns,
            memo: Default::default(),
        }
    }

    /// The instant of a text that is a timestamp (a JSON or CSV value), as [`parse_any`] and
    /// [`TimeContext::resolve`] give it; a stamp of the same minute and zone as the one before
    /// costs a few compares (see [`StampMemo`]).
    pub fn instant_of(&self, text: &[u8]) -> Option<i64> {
        if let Some(ns) = self.memo.borrow().iso(text) {
            return Some(ns);
        }
        let (stamp, used) = parse_any(text)?;
        let ns = self.resolve(&stamp)?;
        if used == text.len() {
            self.memo.borrow_mut().learn_iso(text, &stamp, ns);
        }
        Some(ns)
    }

    /// An access-log stamp at the start of `b` (`10/Oct/2000:13:55:36 -0700`, as [`parse_clf`]
    /// reads it): its instant (`None` when it does not resolve) and the bytes it used. The stamp of
    /// the line before, followed by the same `]`, is not parsed again.
    pub fn clf_instant(&self, b: &[u8]) -> Option<(Option<i64>, usize)> {
        {
            let memo = self.memo.borrow();
            if let Some(ns) = memo.clf_ns {
                if b.get(..=CLF_STAMP) == Some(&memo.clf[..]) {
                    return Some((ns, CLF_STAMP));
                }
            }
        }
        let (stamp, used) = parse_clf(b)?;
        let ns = self.resolve(&stamp);
        if used == CLF_STAMP && b.get(CLF_STAMP) == Some(&b']') {
            let mut memo = self.memo.borrow_mut();
            memo.clf.copy_from_slice(&b[..=CLF_STAMP]);
            memo.clf_ns = Some(ns);
        }
        Some((ns, used))
    }

    /// Resolves a parsed stamp into an instant.
    pub fn resolve(&self, stamp: &Stamp) -> Option<i64> {
        self.resolve_near(stamp, None)
    }

    /// Resolves a stamp, taking the date of a time-only stamp from `previous` (the instant of the event
    /// before it in the same file) or, without one, from the file's modification time.
    pub fn resolve_near(&self, stamp: &Stamp, previous: Option<i64>) -> Option<i64> {
        match stamp {
            Stamp::Instant(ns) => Some(*ns),
            Stamp::Civil { civil, offset_secs } => match offset_secs {
                Some(off) => Some(civil.as_utc_nanos() - *off as i64 * NANOS_PER_SEC),
                None => self.zone.civil_to_utc(civil),
            },
            Stamp::NoYear { civil, offset_secs } => {
                let reference = self
                    .modified_ns
                    .unwrap_or_else(|| civil_year_now_fallback(civil));
                let ref_year = year_of(reference);
                let mut c = *civil;
                c.year = ref_year;
                if !c.valid() {
                    // 29 February in a year that has none: the year before was a leap year.
                    c.year -= 1;
                }
                let mut ns = self.resolve(&Stamp::Civil {
                    civil: c,
                    offset_secs: *offset_secs,
                })?;
                // A line cannot be written after the file was last modified: a December line in a file
                // modified in January belongs to the year before.
                if self.modified_ns.is_some() && ns > reference + SECS_PER_DAY * NANOS_PER_SEC {
                    c.year -= 1;
                    ns = self.resolve(&Stamp::Civil {
                        civil: c,
                        offset_secs: *offset_secs,
                    })?;
                }
                Some(ns)
            }
            Stamp::TimeOnly { civil, offset_secs } => {
                let (reference, forward) = match (previous, self.modified_ns) {
                    (Some(p), _) => (p, true),
                    (None, Some(m)) => (m, false),
                    (None, None) => (civil_year_now_fallback(civil), true),
                };
                // The wall-clock date of the reference instant, in the zone the stamp is read in.
                let local_offset = match offset_secs {
                    Some(off) => *off as i64,
                    None => self.zone.offset_at(reference),
                };
                let local_days = (reference + local_offset * NANOS_PER_SEC)
                    .div_euclid(SECS_PER_DAY * NANOS_PER_SEC);
                let read = |days: i64| {
                    let (year, month, day) = civil_from_days(days);
                    let c = Civil {
                        year,
                        month: month as u8,
                        day: day as u8,
                        ..*civil
                    };
                    self.resolve(&Stamp::Civil {
                        civil: c,
                        offset_secs: *offset_secs,
                    })
                };
                let ns = read(local_days)?;
                const HALF_DAY: i64 = SECS_PER_DAY * NANOS_PER_SEC / 2;
                if forward && ns < reference - HALF_DAY {
                    // The clock went past midnight since the event before.
                    read(local_days + 1)
                } else if !forward && ns > reference + HALF_DAY / 6 {
                    read(local_days - 1)
                } else {
                    Some(ns)
                }
            }
        }
    }
}

fn civil_year_now_fallback(_c: &Civil) -> i64 {
    // Without a modification time we cannot know the year; 1970 would be misleading, so use a fixed,
    // documented default: the year 2000 is never right, but stays clearly recognisable. Callers that
    // can, pass the modification time.
    Civil {
        year: 2000,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
    }
    .as_utc_nanos()
}

/// A calendar date and wall-clock time, as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub nanos: u32,
}

impl Civil {
    /// This wall-clock time read as UTC.
    pub fn as_utc_nanos(&self) -> i64 {
        let days = days_from_civil(self.year, self.month as u32, self.day as u32);
        let secs = days * SECS_PER_DAY
            + self.hour as i64 * 3600
            + self.minute as i64 * 60
            + self.second as i64;
        secs * NANOS_PER_SEC + self.nanos as i64
    }

    fn valid(&self) -> bool {
        (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day as u32 <= days_in_month(self.year, self.month as u32)
            && self.hour < 24
            && self.minute < 60
            && self.second <= 60
    }
}

/// A timestamp as read from text, before the zone and year are applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stamp {
    /// Already an instant (epoch numbers).
    Instant(i64),
    /// Full date; `offset_secs` when the text carried a zone.
    Civil {
        civil: Civil,
        offset_secs: Option<i32>,
    },
    /// Month, day and time without a year (syslog).
    NoYear {
        civil: Civil,
        offset_secs: Option<i32>,
    },
    /// A time of day without a date (`09:00:08.563`): the date comes from the event before or the file.
    TimeOnly {
        civil: Civil,
        offset_secs: Option<i32>,
    },
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y as i64 - 1 } else { y as i64 };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

fn year_of(ns: i64) -> i32 {
    civil_from_days(ns.div_euclid(NANOS_PER_SEC * SECS_PER_DAY)).0
}

/// Formats an instant as RFC 3339 in UTC ending in `Z`, with as many fraction digits as needed (0, 3, 6
/// or 9).
pub fn format_rfc3339(ns: i64) -> String {
    let secs = ns.div_euclid(NANOS_PER_SEC);
    let frac = ns.rem_euclid(NANOS_PER_SEC);
    let (y, m, d) = civil_from_days(secs.div_euclid(SECS_PER_DAY));
    let sod = secs.rem_euclid(SECS_PER_DAY);
    let mut out = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    );
    if frac != 0 {
        if frac % 1_000_000 == 0 {
            out.push_str(&format!(".{:03}", frac / 1_000_000));
        } else if frac % 1000 == 0 {
            out.push_str(&format!(".{:06}", frac / 1000));
        } else {
            out.push_str(&format!(".{frac:09}"));
        }
    }
    out.push('Z');
    out
}

#[inline]
fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at + n)?;
    let mut v = 0u32;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

/// Reads `.123456789` or `,123` at `at`; returns nanos and bytes used (0 when there is no fraction).
fn fraction(b: &[u8], at: usize) -> (u32, usize) {
    match b.get(at) {
        Some(b'.') | Some(b',') => {}
        // `02:49:59:447` (milliseconds after a colon)
        Some(b':')
            if b.get(at + 1..at + 4)
                .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
                && !b.get(at + 4).is_some_and(u8::is_ascii_digit) => {}
        _ => return (0, 0),
    }
    let mut nanos = 0u32;
    let mut n = 0usize;
    while let Some(&c) = b.get(at + 1 + n) {
        if !c.is_ascii_digit() {
            break;
        }
        if n < 9 {
            nanos = nanos * 10 + (c - b'0') as u32;
        }
        n += 1;
    }
    if n == 0 {
        return (0, 0);
    }
    for _ in n..9 {
        nanos *= 10;
    }
    (nanos, n + 1)
}

/// Zone abbreviations read after a timestamp (`12:00:00 PST`), with their offsets east of UTC in
/// seconds: a fixed table of the common ones. An abbreviation names one offset, so `PST` in July is
/// still UTC-8 (the writer said so). Ambiguous abbreviations take their most common meaning in logs:
/// `IST` India (+5:30; also Irish Standard Time +1 and Israel +2), `CST` US Central (-6; also China +8
/// and Cuba -5), `BST` British Summer Time (+1; also Bangladesh +6), `AST` Atlantic (-4; also Arabia
/// +3). Abbreviations with no dominant meaning are left out (`ECT`, `CDT` of Cuba aside).
const ZONE_ABBREVIATIONS: &[(&[u8], i32)] = &[
    (b"UTC", 0),
    (b"GMT", 0),
    (b"UT", 0),
    (b"WET", 0),
    (b"WEST", 3600),
    (b"BST", 3600),
    (b"CET", 3600),
    (b"CEST", 7200),
    (b"MET", 3600),
    (b"MEST", 7200),
    (b"EET", 7200),
    (b"EEST", 10800),
    (b"MSK", 10800),
    (b"IST", 19800),
    (b"SGT", 28800),
    (b"HKT", 28800),
    (b"AWST", 28800),
    (b"JST", 32400),
    (b"KST", 32400),
    (b"ACST", 34200),
    (b"ACDT", 37800),
    (b"AEST", 36000),
    (b"AEDT", 39600),
    (b"NZST", 43200),
    (b"NZDT", 46800),
    (b"AST", -14400),
    (b"ADT", -10800),
    (b"EST", -18000),
    (b"EDT", -14400),
    (b"CST", -21600),
    (b"CDT", -18000),
    (b"MST", -25200),
    (b"MDT", -21600),
    (b"PST", -28800),
    (b"PDT", -25200),
    (b"AKST", -32400),
    (b"AKDT", -28800),
    (b"HST", -36000),
];

/// Reads `Z`, `+07:00`, `-0700`, `+07`, `UTC`, `GMT+2` or a zone abbreviation such as `CEST`; returns the
/// offset east of UTC in seconds and bytes used.
pub fn parse_offset(b: &[u8]) -> Option<(i32, usize)> {
    match b.first()? {
        b'Z' | b'z' if !b.get(1).is_some_and(|c| c.is_ascii_alphanumeric()) => Some((0, 1)),
        sign @ (b'+' | b'-') => {
            let hh = digits(b, 1, 2)? as i32;
            let (mm, used) = if b.get(3) == Some(&b':') {
                (digits(b, 4, 2)? as i32, 6)
            } else if let Some(mm) = digits(b, 3, 2) {
                (mm as i32, 5)
            } else {
                (0, 3)
            };
            if hh > 18 || mm > 59 || b.get(used).is_some_and(|c| c.is_ascii_digit()) {
                return None;
            }
            let off = (hh * 3600 + mm * 60) * if *sign == b'-' { -1 } else { 1 };
            Some((off, used))
        }
        c if c.is_ascii_uppercase() => {
            let n = b
                .iter()
                .take(6)
                .take_while(|c| c.is_ascii_uppercase())
                .count();
            if !(2..=4).contains(&n) || b.get(n).is_some_and(|c| c.is_ascii_alphanumeric()) {
                return None;
            }
            let (_, off) = ZONE_ABBREVIATIONS
                .iter()
                .find(|(name, _)| *name == &b[..n])?;
            // `UTC+2`, `GMT-07:00`
            if *off == 0 && matches!(b.get(n), Some(b'+' | b'-')) {
                if let Some((extra, used)) = parse_offset(&b[n..]) {
                    return Some((extra, n + used));
                }
                // `UTC+2`: a one-digit hour
                if let Some(h) = digits(b, n + 1, 1) {
                    if !b.get(n + 2).is_some_and(|c| c.is_ascii_alphanumeric()) {
                        let sign = if b[n] == b'-' { -1 } else { 1 };
                        return Some((sign * h as i32 * 3600, n + 2));
                    }
                }
            }
            Some((*off, n))
        }
        _ => None,
    }
}

/// Reads a zone after a stamp at `at`: directly attached (`Z`, `+02:00`) or after one space (`+0200`,
/// `UTC`, `CEST`; never a bare `-`, which is text). Returns the offset and the new end.
fn trailing_zone(b: &[u8], at: usize) -> (Option<i32>, usize) {
    match b.get(at) {
        Some(b'Z' | b'z' | b'+' | b'-') => {
            if let Some((off, used)) = parse_offset(&b[at..]) {
                return (Some(off), at + used);
            }
        }
        Some(b' ') => {
            if let Some((off, used)) = b.get(at + 1..).and_then(parse_offset) {
                if used >= 2 {
                    return (Some(off), at + 1 + used);
                }
            }
        }
        _ => {}
    }
    (None, at)
}

/// Reads a time of day `H:MM:SS` / `HH:MM:SS.fff` / `HH.MM.SS` (when `sep` is `.`) at `at`, with a one- or
/// two-digit hour. Returns hour, minute, second, nanos and the end.
fn time_of_day(b: &[u8], at: usize, sep: u8) -> Option<(u8, u8, u8, u32, usize)> {
    let (hour, at) = if b.get(at + 1) == Some(&sep) {
        (digits(b, at, 1)? as u8, at + 1)
    } else {
        (digits(b, at, 2)? as u8, at + 2)
    };
    if *b.get(at)? != sep {
        return None;
    }
    let minute = digits(b, at + 1, 2)? as u8;
    let (second, mut end) = if b.get(at + 3) == Some(&sep) {
        (digits(b, at + 4, 2)? as u8, at + 6)
    } else {
        (0, at + 3)
    };
    if b.get(end).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let (nanos, used) = fraction(b, end);
    end += used;
    Some((hour, minute, second, nanos, end))
}

/// `AM`/`PM` after a time: adjusts the hour.
fn meridiem(b: &[u8], at: usize, hour: u8) -> (u8, usize) {
    if b.get(at) == Some(&b' ') {
        if let Some(m) = b.get(at + 1..at + 3) {
            let after_ok = !b.get(at + 3).is_some_and(|c| c.is_ascii_alphanumeric());
            if after_ok && m.eq_ignore_ascii_case(b"PM") && (1..=12).contains(&hour) {
                return (if hour == 12 { 12 } else { hour + 12 }, at + 3);
            }
            if after_ok && m.eq_ignore_ascii_case(b"AM") && (1..=12).contains(&hour) {
                return (if hour == 12 { 0 } else { hour }, at + 3);
            }
        }
    }
    (hour, at)
}

fn civil_stamp(
    b: &[u8],
    (year, month, day): (i32, u8, u8),
    time_at: usize,
    sep: u8,
) -> Option<(Stamp, usize)> {
    let (hour, minute, second, nanos, end) = time_of_day(b, time_at, sep)?;
    let (hour, end) = meridiem(b, end, hour);
    let civil = Civil {
        year,
        month,
        day,
        hour,
        minute,
        second,
        nanos,
    };
    if !civil.valid() {
        return None;
    }
    let (offset_secs, end) = match trailing_zone(b, end) {
        (None, end) => {
            trailing_iana_zone(b, end, &civil).map_or((None, end), |(off, e)| (Some(off), e))
        }
        found => found,
    };
    Some((Stamp::Civil { civil, offset_secs }, end))
}

/// The longest IANA zone name read after a stamp (`America/Argentina/ComodRivadavia` is 32).
const MAX_ZONE_NAME: usize = 40;

/// A zone name as written, and the zone it names (`None`: not a zone).
type NamedZone = (Box<[u8]>, Option<jiff::tz::TimeZone>);

thread_local! {
    /// The zones last named after a stamp: a file names the same one or two on every line, and a
    /// lookup in the bundled database costs more than reading the line.
    static NAMED_ZONES: std::cell::RefCell<Vec<NamedZone>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Reads an IANA zone name written after a stamp at `at` (` America/New_York`, ` Europe/Berlin`,
/// ` Etc/GMT+5`: one space, then `Area/Location`) and returns the offset that zone had at the
/// wall-clock time `civil`, with the end of the name. A time in a DST gap (a clock that skipped it)
/// reads as if the clock had not moved yet, which lands after the gap (`02:30` on a spring-forward
/// night is `03:30` daylight time); a time in an overlap reads as the earlier of its two instants, as
/// [`Zone::civil_to_utc`] does.
fn trailing_iana_zone(b: &[u8], at: usize, civil: &Civil) -> Option<(i32, usize)> {
    if b.get(at) != Some(&b' ') || !b.get(at + 1)?.is_ascii_uppercase() {
        return None;
    }
    let start = at + 1;
    let len = b[start..]
        .iter()
        .take(MAX_ZONE_NAME + 1)
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'_' | b'-' | b'+'))
        .count();
    let name = b[start..start + len]
        .strip_suffix(b"-")
        .unwrap_or(&b[start..start + len]);
    if name.len() > MAX_ZONE_NAME || name.len() < 5 || memchr::memchr(b'/', name).is_none() {
        return None;
    }
    let tz = NAMED_ZONES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((_, tz)) = cache.iter().find(|(n, _)| &**n == name) {
            return tz.clone();
        }
        let tz = std::str::from_utf8(name)
            .ok()
            .and_then(|n| jiff::tz::TimeZone::get(n).ok());
        if cache.len() >= 8 {
            cache.remove(0);
        }
        cache.push((name.into(), tz.clone()));
        tz
    })?;
    let local = Zone::Named(tz).civil_to_utc(civil)?;
    let offset = (civil.as_utc_nanos() - local) / NANOS_PER_SEC;
    Some((offset as i32, start + name.len()))
}

/// ISO 8601 / RFC 3339 and its common relatives: `2026-07-03T09:00:00.123Z`, `2026-07-03 09:00:00,123
/// +0200`, `2026/07/03 09:00:00`, `2022-06-08  8:52:40`, `2005-06-03-15.42.50.675872` (BGL).
/// Returns the stamp and the bytes it used.
pub fn parse_iso(b: &[u8]) -> Option<(Stamp, usize)> {
    let year = digits(b, 0, 4)? as i32;
    let sep = *b.get(4)?;
    if sep != b'-' && sep != b'/' && sep != b'.' {
        return None;
    }
    let month = digits(b, 5, 2)? as u8;
    if *b.get(7)? != sep {
        return None;
    }
    let day = digits(b, 8, 2)? as u8;
    let mut at = 11;
    let time_sep = match *b.get(10)? {
        b'T' | b't' | b'_' => b':',
        b' ' => {
            if b.get(11) == Some(&b' ') {
                at = 12;
            }
            b':'
        }
        b'-' if sep == b'-' => b'.',
        _ => return None,
    };
    civil_stamp(b, (year, month, day), at, time_sep)
        .or_else(|| (time_sep == b'.').then(|| civil_stamp(b, (year, month, day), at, b':'))?)
}

const MONTHS: [&[u8; 3]; 12] = [
    b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec",
];

/// `Jul` → 7 (case-insensitive).
pub fn month_abbrev(b: &[u8]) -> Option<u8> {
    let m = b.get(..3)?;
    MONTHS
        .iter()
        .position(|name| m.eq_ignore_ascii_case(&name[..]))
        .map(|i| i as u8 + 1)
}

/// A month name at the start of `b`: `Jul`, `July`; returns the month and bytes used.
fn month_name(b: &[u8]) -> Option<(u8, usize)> {
    let m = month_abbrev(b)?;
    let n = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    (n == 3 || (4..=9).contains(&n)).then_some((m, n))
}

/// Apache/nginx: `10/Oct/2000:13:55:36 -0700`.
pub fn parse_clf(b: &[u8]) -> Option<(Stamp, usize)> {
    let day = digits(b, 0, 2)? as u8;
    if *b.get(2)? != b'/' || *b.get(6)? != b'/' {
        return None;
    }
    let month = month_abbrev(b.get(3..6)?)?;
    let year = digits(b, 7, 4)? as i32;
    if *b.get(11)? != b':' {
        return None;
    }
    civil_stamp(b, (year, month, day), 12, b':')
}

/// Syslog RFC 3164: `Jul  3 09:00:53` (no year, no zone), also with a fraction, and with a year after
/// the time (`Jul  3 09:00:53 2026`, as in ctime).
pub fn parse_syslog(b: &[u8]) -> Option<(Stamp, usize)> {
    let month = month_abbrev(b)?;
    if *b.get(3)? != b' ' {
        return None;
    }
    let (day, at) = match (b.get(4)?, b.get(5)?) {
        (b' ', d) if d.is_ascii_digit() => ((d - b'0') as u32, 6),
        (d, b' ') if d.is_ascii_digit() => ((d - b'0') as u32, 5),
        _ => (digits(b, 4, 2)?, 6),
    };
    let at = if b.get(at) == Some(&b' ') { at + 1 } else { at };
    let (hour, minute, second, nanos, mut end) = time_of_day(b, at, b':')?;
    let year_after = |end: usize| -> Option<i32> {
        if b.get(end) != Some(&b' ') || b.get(end + 5).is_some_and(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        digits(b, end + 1, 4).map(|y| y as i32)
    };
    let mut year = year_after(end);
    if year.is_some() {
        end += 5;
    }
    // ctime with a zone before the year: `Sat Apr 27 03:33:07 PDT 2013`.
    let (offset_secs, mut end) = trailing_zone(b, end);
    if year.is_none() && offset_secs.is_some() {
        year = year_after(end);
        if year.is_some() {
            end += 5;
        }
    }
    let civil = Civil {
        year: year.unwrap_or(2000),
        month,
        day: day as u8,
        hour,
        minute,
        second,
        nanos,
    };
    if !(civil.valid() || year.is_none() && month == 2 && day == 29) {
        return None;
    }
    Some((
        match year {
            Some(_) => Stamp::Civil { civil, offset_secs },
            None => Stamp::NoYear { civil, offset_secs },
        },
        end,
    ))
}

/// A weekday name (`Tue`, `Tuesday`) followed by `, ` or ` `; returns the bytes to skip.
fn weekday_prefix(b: &[u8]) -> Option<usize> {
    const DAYS: [&[u8; 3]; 7] = [b"mon", b"tue", b"wed", b"thu", b"fri", b"sat", b"sun"];
    let d = b.get(..3)?;
    if !DAYS.iter().any(|name| d.eq_ignore_ascii_case(&name[..])) {
        return None;
    }
    let n = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if n != 3 && !(6..=9).contains(&n) {
        return None;
    }
    match (b.get(n)?, b.get(n + 1)) {
        (b',', Some(b' ')) => Some(n + 2),
        (b' ', _) => Some(n + 1),
        _ => None,
    }
}

/// Day-first dates with a month name: `03 Jul 2026 09:00:00 +0000` (RFC 2822 without its weekday),
/// `03-Jul-2026 09:00:00.123` (Tomcat), `3 July 2026 09:00:00`.
fn parse_day_month_name(b: &[u8]) -> Option<(Stamp, usize)> {
    let dn = b.iter().take(3).take_while(|c| c.is_ascii_digit()).count();
    if !(1..=2).contains(&dn) {
        return None;
    }
    let day = digits(b, 0, dn)? as u8;
    let sep = *b.get(dn)?;
    if sep != b' ' && sep != b'-' {
        return None;
    }
    let (month, used) = month_name(b.get(dn + 1..)?)?;
    let at = dn + 1 + used;
    if *b.get(at)? != sep {
        return None;
    }
    let year = digits(b, at + 1, 4)? as i32;
    if !matches!(b.get(at + 5), Some(b' ' | b':')) {
        return None;
    }
    civil_stamp(b, (year, month, day), at + 6, b':')
}

/// Month-first with a year: `Jul 09, 2015 3:23:29 PM` (java.util.logging), `July 3, 2026 09:00:00`.
fn parse_month_day_year(b: &[u8]) -> Option<(Stamp, usize)> {
    let (month, used) = month_name(b)?;
    if *b.get(used)? != b' ' {
        return None;
    }
    let dn = b[used + 1..]
        .iter()
        .take(3)
        .take_while(|c| c.is_ascii_digit())
        .count();
    if !(1..=2).contains(&dn) || b.get(used + 1 + dn..used + 3 + dn)? != b", " {
        return None;
    }
    let day = digits(b, used + 1, dn)? as u8;
    let at = used + 3 + dn;
    let year = digits(b, at, 4)? as i32;
    if *b.get(at + 4)? != b' ' {
        return None;
    }
    civil_stamp(b, (year, month, day), at + 5, b':')
}

/// Two-digit years and slashes: `17/06/09 20:10:40` (Spark, read as yy/mm/dd) and `07/03/2026 09:00:00`
/// (read as mm/dd/yyyy, or dd/mm/yyyy when the first number cannot be a month).
fn parse_slashed(b: &[u8]) -> Option<(Stamp, usize)> {
    let a = digits(b, 0, 2)?;
    if *b.get(2)? != b'/' {
        return None;
    }
    let m = digits(b, 3, 2)?;
    if *b.get(5)? != b'/' {
        return None;
    }
    if let Some(y) = digits(b, 6, 4) {
        if *b.get(10)? != b' ' && b[10] != b':' {
            return None;
        }
        let (month, day) = if (1..=12).contains(&a) {
            (a, m)
        } else {
            (m, a)
        };
        return civil_stamp(b, (y as i32, month as u8, day as u8), 11, b':');
    }
    let d = digits(b, 6, 2)?;
    if *b.get(8)? != b' ' {
        return None;
    }
    civil_stamp(b, (2000 + a as i32, m as u8, d as u8), 9, b':')
}

/// Compact dates: `20171223-22:15:29:606` (HealthApp: milliseconds after a colon, fields not padded),
/// `20200308 23:47:32.089828` (glog with a full date).
fn parse_compact(b: &[u8]) -> Option<(Stamp, usize)> {
    let year = digits(b, 0, 4)? as i32;
    let month = digits(b, 4, 2)? as u8;
    let day = digits(b, 6, 2)? as u8;
    match *b.get(8)? {
        b' ' | b'T' => civil_stamp(b, (year, month, day), 9, b':'),
        b'-' => {
            // H:M:S:ms with one- or two-digit fields.
            let mut at = 9;
            let mut fields = [0u32; 4];
            let mut n = 0;
            while n < 4 {
                let len = b[at.min(b.len())..]
                    .iter()
                    .take(4)
                    .take_while(|c| c.is_ascii_digit())
                    .count();
                if len == 0 || len > if n == 3 { 3 } else { 2 } {
                    return None;
                }
                fields[n] = digits(b, at, len)?;
                at += len;
                n += 1;
                if n < 4 {
                    if b.get(at) != Some(&b':') {
                        if n == 3 {
                            fields[3] = 0;
                            break;
                        }
                        return None;
                    }
                    at += 1;
                }
            }
            let civil = Civil {
                year,
                month,
                day,
                hour: u8::try_from(fields[0]).ok()?,
                minute: u8::try_from(fields[1]).ok()?,
                second: u8::try_from(fields[2]).ok()?,
                nanos: fields[3] * 1_000_000,
            };
            civil.valid().then_some((
                Stamp::Civil {
                    civil,
                    offset_secs: None,
                },
                at,
            ))
        }
        _ => None,
    }
}

/// Epoch numbers: 10 digits are seconds (with an optional fraction), 13 milliseconds, 16 microseconds,
/// 19 nanoseconds. Only instants between 1990 and 2100 are accepted, so ordinary numbers are not taken
/// for times.
pub fn parse_epoch(b: &[u8]) -> Option<(Stamp, usize)> {
    let n = b.iter().take(20).take_while(|c| c.is_ascii_digit()).count();
    if !matches!(n, 10 | 13 | 16 | 19) {
        return None;
    }
    let int = digits_i64(&b[..n])?;
    let (ns, used) = match n {
        10 => {
            let (frac, used) = if b.get(10) == Some(&b'.') {
                fraction(b, 10)
            } else {
                (0, 0)
            };
            (int.checked_mul(NANOS_PER_SEC)? + frac as i64, 10 + used)
        }
        13 => {
            let (frac, used) = if b.get(13) == Some(&b'.') {
                fraction(b, 13)
            } else {
                (0, 0)
            };
            (int.checked_mul(1_000_000)? + frac as i64 / 1000, 13 + used)
        }
        16 => (int.checked_mul(1000)?, 16),
        _ => (int, 19),
    };
    if b.get(used).is_some_and(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    const Y1990: i64 = 631_152_000 * NANOS_PER_SEC;
    const Y2100: i64 = 4_102_444_800 * NANOS_PER_SEC;
    (Y1990..Y2100)
        .contains(&ns)
        .then_some((Stamp::Instant(ns), used))
}

fn digits_i64(b: &[u8]) -> Option<i64> {
    let mut v = 0i64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as i64)?;
    }
    Some(v)
}

/// Any full timestamp shape (with a date) at the very start of `b`.
pub fn parse_any(b: &[u8]) -> Option<(Stamp, usize)> {
    let first = *b.first()?;
    if first.is_ascii_digit() {
        if b.get(4).is_some_and(|c| !c.is_ascii_digit()) {
            parse_iso(b)
        } else {
            None
        }
        .or_else(|| parse_clf(b))
        .or_else(|| parse_slashed(b))
        .or_else(|| parse_day_month_name(b))
        .or_else(|| parse_compact(b))
        .or_else(|| parse_epoch(b))
    } else if first.is_ascii_alphabetic() {
        parse_syslog(b)
            .or_else(|| parse_month_day_year(b))
            .or_else(|| {
                // RFC 2822 `Tue, 03 Jul 2026 09:00:00 +0000` and ctime `Tue Apr 04 06:18:29.712806 2017`.
                let skip = weekday_prefix(b)?;
                let rest = &b[skip..];
                let (stamp, used) = parse_day_month_name(rest).or_else(|| parse_syslog(rest))?;
                Some((stamp, skip + used))
            })
    } else {
        None
    }
}

/// Shapes that are only timestamps at the start of a line (elsewhere they are too easily ordinary
/// numbers): `081109 203615` (HDFS), `05-26 11:18:41.509` (logcat), `10.30 16:49:06` (Proxifier),
/// `I0703 09:00:00.123456` (glog, with its level letter), and time-only `09:00:08.563`.
pub fn parse_leading(b: &[u8]) -> Option<(Stamp, usize)> {
    let first = *b.first()?;
    if first.is_ascii_digit() {
        if let Some(found) = parse_any(b) {
            return Some(found);
        }
        // A date alone, `2020-03-24 message`: midnight of that day.
        if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' && matches!(b.get(10), None | Some(b' ')) {
            if let (Some(year), Some(month), Some(day)) =
                (digits(b, 0, 4), digits(b, 5, 2), digits(b, 8, 2))
            {
                let civil = Civil {
                    year: year as i32,
                    month: month as u8,
                    day: day as u8,
                    hour: 0,
                    minute: 0,
                    second: 0,
                    nanos: 0,
                };
                if civil.valid() {
                    return Some((
                        Stamp::Civil {
                            civil,
                            offset_secs: None,
                        },
                        10,
                    ));
                }
            }
        }
        // yymmdd hhmmss
        if b.get(6) == Some(&b' ') && b.get(13).is_none_or(|c| !c.is_ascii_digit()) {
            if let (Some(ymd), Some(hms)) = (digits(b, 0, 6), digits(b, 7, 6)) {
                let civil = Civil {
                    year: 2000 + (ymd / 10000) as i32,
                    month: (ymd / 100 % 100) as u8,
                    day: (ymd % 100) as u8,
                    hour: (hms / 10000) as u8,
                    minute: (hms / 100 % 100) as u8,
                    second: (hms % 100) as u8,
                    nanos: 0,
                };
                if civil.valid() {
                    return Some((
                        Stamp::Civil {
                            civil,
                            offset_secs: None,
                        },
                        13,
                    ));
                }
            }
        }
        // mm-dd hh:mm:ss / mm.dd hh:mm:ss (no year)
        if matches!(b.get(2), Some(b'-' | b'.')) && b.get(5) == Some(&b' ') {
            let month = digits(b, 0, 2)? as u8;
            let day = digits(b, 3, 2)? as u8;
            let at = if b.get(6) == Some(&b' ') { 7 } else { 6 };
            let (hour, minute, second, nanos, end) = time_of_day(b, at, b':')?;
            let civil = Civil {
                year: 2000,
                month,
                day,
                hour,
                minute,
                second,
                nanos,
            };
            if !civil.valid() {
                return None;
            }
            let (offset_secs, end) = trailing_zone(b, end);
            return Some((Stamp::NoYear { civil, offset_secs }, end));
        }
        // Time only. Requires seconds, so `10:30` in text is not taken for a time.
        let (hour, minute, second, nanos, end) = time_of_day(b, 0, b':')?;
        if end < 7
            || b.get(end)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b':')
        {
            return None;
        }
        let (hour, end) = meridiem(b, end, hour);
        let civil = Civil {
            year: 1970,
            month: 1,
            day: 1,
            hour,
            minute,
            second,
            nanos,
        };
        if !civil.valid() {
            return None;
        }
        let (offset_secs, end) = trailing_zone(b, end);
        Some((Stamp::TimeOnly { civil, offset_secs }, end))
    } else if matches!(first, b'I' | b'W' | b'E' | b'F' | b'D' | b'V')
        && b.get(1).is_some_and(|c| c.is_ascii_digit())
    {
        // glog / klog: `I0703 09:00:00.123456` or `I20200308 23:47:32.089828`.
        let rest = &b[1..];
        if let Some((stamp, used)) = parse_compact(rest) {
            return Some((stamp, used + 1));
        }
        let month = digits(rest, 0, 2)? as u8;
        let day = digits(rest, 2, 2)? as u8;
        if rest.get(4) != Some(&b' ') {
            return None;
        }
        let (hour, minute, second, nanos, end) = time_of_day(rest, 5, b':')?;
        let civil = Civil {
            year: 2000,
            month,
            day,
            hour,
            minute,
            second,
            nanos,
        };
        civil.valid().then_some((
            Stamp::NoYear {
                civil,
                offset_secs: None,
            },
            end + 1,
        ))
    } else {
        parse_any(b)
    }
}

/// Looks for a timestamp at the start of a line, allowing a leading `[` or `<` and a few bytes of prefix
/// (a level or a host before the time). Returns the stamp and the byte range it occupies.
pub fn find_leading(line: &[u8]) -> Option<(Stamp, std::ops::Range<usize>)> {
    // tcsh history: `#+1375138067`
    if let Some(epoch) = line.strip_prefix(b"#+") {
        let (stamp, used) = parse_epoch(epoch)?;
        return Some((stamp, 2..2 + used));
    }
    let window = &line[..line.len().min(48)];
    let mut at = 0;
    while at < window.len() {
        let c = window[at];
        let word_start = at == 0
            || matches!(
                window[at - 1],
                b' ' | b'[' | b'(' | b'<' | b'|' | b',' | b'"' | b'=' | b'\t' | b'{' | b'>' | b':'
            );
        if word_start && c.is_ascii_alphanumeric() {
            let found = if at == 0 || (at == 1 && window[0] == b'[') {
                parse_leading(&line[at..])
            } else {
                parse_any(&line[at..])
            };
            if let Some((stamp, used)) = found {
                if !matches!(stamp, Stamp::Instant(_)) || at == 0 {
                    return Some((stamp, at..at + used));
                }
            }
        }
        at += 1;
    }
    None
}

/// Serialisable description of a zone setting, as sent between UI and worker.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneName(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> String {
        let (stamp, _) = parse_any(s.as_bytes()).expect(s);
        format_rfc3339(TimeContext::default().resolve(&stamp).unwrap())
    }

    #[test]
    fn iso_shapes() {
        assert_eq!(utc("2026-07-03T09:00:00Z"), "2026-07-03T09:00:00Z");
        assert_eq!(utc("2026-07-03T09:00:00.705Z"), "2026-07-03T09:00:00.705Z");
        assert_eq!(
            utc("2026-07-03 09:00:00,123 +0200"),
            "2026-07-03T07:00:00.123Z"
        );
        assert_eq!(
            utc("2026-07-03T09:00:00.563163000Z"),
            "2026-07-03T09:00:00.563163Z"
        );
        assert_eq!(utc("2026/07/03 09:00:00"), "2026-07-03T09:00:00Z");
        assert!(parse_iso(b"2026-13-03T09:00:00Z").is_none());
    }

    #[test]
    fn apache_shape_with_offset() {
        assert_eq!(utc("03/Jul/2026:02:00:03 -0700"), "2026-07-03T09:00:03Z");
    }

    #[test]
    fn epoch_units() {
        assert_eq!(utc("1783069201181"), "2026-07-03T09:00:01.181Z");
        assert_eq!(utc("1783069201"), "2026-07-03T09:00:01Z");
        assert!(parse_epoch(b"12345").is_none());
    }

    #[test]
    fn syslog_takes_year_from_mtime_with_rollover() {
        let (stamp, _) = parse_syslog(b"Dec 31 23:59:58 host x").unwrap();
        let jan = Civil {
            year: 2027,
            month: 1,
            day: 1,
            hour: 1,
            minute: 0,
            second: 0,
            nanos: 0,
        };
        let cx = TimeContext::new(Zone::Utc, Some(jan.as_utc_nanos()));
        assert_eq!(
            format_rfc3339(cx.resolve(&stamp).unwrap()),
            "2026-12-31T23:59:58Z"
        );
        let (stamp, _) = parse_syslog(b"Jan  1 00:00:01 host x").unwrap();
        assert_eq!(
            format_rfc3339(cx.resolve(&stamp).unwrap()),
            "2027-01-01T00:00:01Z"
        );
    }

    #[test]
    fn named_zone() {
        let zone = Zone::parse("Europe/Berlin").unwrap();
        let cx = TimeContext::new(zone, None);
        let (stamp, _) = parse_iso(b"2026-07-03 11:00:00").unwrap();
        assert_eq!(
            format_rfc3339(cx.resolve(&stamp).unwrap()),
            "2026-07-03T09:00:00Z"
        );
        assert!(Zone::parse("Mars/Olympus").is_err());
        assert!(matches!(Zone::parse("-07:00"), Ok(Zone::Fixed(-25200))));
    }

    #[test]
    fn leading_search_skips_brackets() {
        let (_, r) = find_leading(b"[2026-07-03 09:00:00] INFO x").unwrap();
        assert_eq!(r, 1..20);
        assert!(find_leading(b"no time here").is_none());
    }

    fn leading_utc(s: &str) -> String {
        let (stamp, _) = find_leading(s.as_bytes()).expect(s);
        let cx = TimeContext::new(Zone::Utc, Some(parse_instant("2026-11-28T00:00:00Z")));
        format_rfc3339(cx.resolve(&stamp).expect(s))
    }

    fn parse_instant(s: &str) -> i64 {
        let (stamp, _) = parse_any(s.as_bytes()).unwrap();
        TimeContext::default().resolve(&stamp).unwrap()
    }

    #[test]
    fn more_full_date_shapes() {
        let cases = [
            ("Tue, 03 Jul 2026 09:00:00 +0200", "2026-07-03T07:00:00Z"),
            ("03 Jul 2026 09:00:00 GMT", "2026-07-03T09:00:00Z"),
            (
                "Tue Apr 04 06:18:29.712806 2017",
                "2017-04-04T06:18:29.712806Z",
            ),
            ("Sat Apr 27 03:33:07 PDT 2013", "2013-04-27T10:33:07Z"),
            ("Jul 09, 2015 3:23:29 PM", "2015-07-09T15:23:29Z"),
            ("03-Jul-2026 09:00:00.123", "2026-07-03T09:00:00.123Z"),
            ("2026-07-03 09:00:00 CEST", "2026-07-03T07:00:00Z"),
            ("2026-07-03T09:00:00.5-07:00", "2026-07-03T16:00:00.500Z"),
            ("2026-07-03 09:00:00 UTC+2", "2026-07-03T07:00:00Z"),
            ("2005-06-03-15.42.50.675872", "2005-06-03T15:42:50.675872Z"),
            ("2022-06-08  8:52:40", "2022-06-08T08:52:40Z"),
            ("17/06/09 20:10:40", "2017-06-09T20:10:40Z"),
            ("07/03/2026 09:00:00", "2026-07-03T09:00:00Z"),
            ("20171223-22:15:29:606", "2017-12-23T22:15:29.606Z"),
            ("20171223-22:16:0:119", "2017-12-23T22:16:00.119Z"),
            ("1783069201.5", "2026-07-03T09:00:01.500Z"),
            ("1783069201181000", "2026-07-03T09:00:01.181Z"),
            ("1783069201181000000", "2026-07-03T09:00:01.181Z"),
        ];
        for (text, want) in cases {
            assert_eq!(utc(text), want, "{text}");
        }
    }

    #[test]
    fn line_start_shapes() {
        let cases = [
            ("081109 203615 148 INFO dfs", "2008-11-09T20:36:15Z"),
            ("[10.30 16:49:06] chrome.exe", "2026-10-30T16:49:06Z"),
            (
                "05-26 11:18:41.509  1000 23402 V x",
                "2026-05-26T11:18:41.509Z",
            ),
            (
                "I0703 09:00:00.123456 1234 file.go:12] msg",
                "2026-07-03T09:00:00.123456Z",
            ),
            (
                "I20200308 23:47:32.089828 400441 config.cc:27] x",
                "2020-03-08T23:47:32.089828Z",
            ),
            ("#+1375138067", "2013-07-29T22:47:47Z"),
            ("2020-03-24 Multiple lines:", "2020-03-24T00:00:00Z"),
            (
                "amLog:06/09/2014 04:08:22:515 PM UTC: x",
                "2014-06-09T16:08:22.515Z",
            ),
            ("Dec 31 23:59:59 host x", "2025-12-31T23:59:59Z"),
        ];
        for (text, want) in cases {
            assert_eq!(leading_utc(text), want, "{text}");
        }
        // Numbers in text are not times.
        assert!(find_leading(b"user 12345 logged in from 10.0.0.1").is_none());
        assert!(find_leading(b"took 10:30 minutes").is_none());
    }

    #[test]
    fn time_only_takes_the_date_before_it_and_rolls_over_midnight() {
        let (stamp, _) = parse_leading(b"00:00:01.250 INFO x").unwrap();
        let cx = TimeContext::default();
        let before = parse_instant("2026-07-03T23:59:58Z");
        assert_eq!(
            format_rfc3339(cx.resolve_near(&stamp, Some(before)).unwrap()),
            "2026-07-04T00:00:01.250Z"
        );
        let (stamp, _) = parse_leading(b"09:00:08.563 INFO x").unwrap();
        let cx = TimeContext::new(Zone::Utc, Some(parse_instant("2026-07-03T14:00:00Z")));
        assert_eq!(
            format_rfc3339(cx.resolve(&stamp).unwrap()),
            "2026-07-03T09:00:08.563Z"
        );
    }

    #[test]
    fn days_round_trip() {
        for z in [-800_000i64, -1, 0, 1, 20_000, 400_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn zone_names_and_abbreviations_after_a_stamp() {
        let cases = [
            (
                "2024-07-10 12:00:00 America/New_York",
                "2024-07-10T16:00:00Z",
            ),
            (
                "2024-01-10 12:00:00 America/New_York",
                "2024-01-10T17:00:00Z",
            ),
            ("2024-07-10T12:00:00 Europe/Berlin", "2024-07-10T10:00:00Z"),
            (
                "2024-01-10 12:00:00.250 Asia/Kolkata x",
                "2024-01-10T06:30:00.250Z",
            ),
            ("2024-01-10 12:00:00 Etc/GMT+5", "2024-01-10T17:00:00Z"),
            (
                "2024-01-10 12:00:00 America/Argentina/Buenos_Aires",
                "2024-01-10T15:00:00Z",
            ),
            // DST gap: 02:30 did not exist in New York on 2024-03-10; read as 03:30 EDT.
            (
                "2024-03-10 02:30:00 America/New_York",
                "2024-03-10T07:30:00Z",
            ),
            // DST overlap: 01:30 happened twice on 2024-11-03; the first (EDT) is taken.
            (
                "2024-11-03 01:30:00 America/New_York",
                "2024-11-03T05:30:00Z",
            ),
            // Abbreviations: one fixed offset each.
            ("2024-01-10 12:00:00 PST", "2024-01-10T20:00:00Z"),
            ("2024-07-10 12:00:00 CEST", "2024-07-10T10:00:00Z"),
            ("2024-07-10 12:00:00 PDT", "2024-07-10T19:00:00Z"),
            ("2024-07-10 12:00:00 IST", "2024-07-10T06:30:00Z"),
            ("2024-07-10 12:00:00 CST", "2024-07-10T18:00:00Z"),
        ];
        for (text, want) in cases {
            assert_eq!(utc(text), want, "{text}");
        }
        // The name is part of the stamp; an unknown name or a plain word after it is not.
        let (_, used) = parse_any(b"2024-07-10 12:00:00 Europe/Berlin rest").unwrap();
        assert_eq!(used, "2024-07-10 12:00:00 Europe/Berlin".len());
        let (stamp, used) = parse_any(b"2024-07-10 12:00:00 Mars/Olympus rest").unwrap();
        assert_eq!(used, "2024-07-10 12:00:00".len());
        assert!(matches!(
            stamp,
            Stamp::Civil {
                offset_secs: None,
                ..
            }
        ));
        let (_, used) = parse_any(b"2024-07-10 12:00:00 Started/stopped").unwrap();
        assert_eq!(used, "2024-07-10 12:00:00".len());
        assert_eq!(
            leading_utc("2024-03-10 02:30:00 America/New_York INFO started"),
            "2024-03-10T07:30:00Z"
        );
        // A file's zone does not override the zone the line names.
        let cx = TimeContext::new(Zone::parse("Asia/Tokyo").unwrap(), None);
        let (stamp, _) = parse_any(b"2024-03-31 02:30:00 Europe/Berlin").unwrap();
        assert_eq!(
            format_rfc3339(cx.resolve(&stamp).unwrap()),
            "2024-03-31T01:30:00Z"
        );
    }

    /// A small deterministic generator for the memo tests.
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    /// What a context that remembers nothing gives for `text`.
    fn plain_instant(cx: &TimeContext, text: &[u8]) -> Option<i64> {
        parse_any(text).and_then(|(stamp, _)| cx.resolve(&stamp))
    }

    #[test]
    fn remembered_iso_minutes_give_what_a_parse_gives() {
        let mut rng = Lcg(7);
        let zones = [
            "Z", "+02:00", "-0700", "+0530", "", " UTC", "z", "+02", "Zjunk",
        ];
        let fractions = [
            "",
            ".5",
            ".006",
            ".123456",
            ".123456789",
            ".1234567891",
            ",250",
            ".",
        ];
        for zone_name in ["UTC", "Europe/Berlin"] {
            let cx = TimeContext::new(Zone::parse(zone_name).unwrap(), None);
            let fresh = TimeContext::new(Zone::parse(zone_name).unwrap(), None);
            let mut remembered = 0;
            let (mut minute, mut sep, mut zone) = (0, 0, 0);
            for _ in 0..20_000 {
                // Runs of stamps of one minute, separator and zone, as a log writes them.
                if rng.below(40) == 0 {
                    minute = rng.below(4);
                }
                if rng.below(200) == 0 {
                    sep = rng.below(2) as usize;
                }
                if rng.below(100) == 0 {
                    zone = rng.below(zones.len() as u64) as usize;
                }
                let text = format!(
                    "2026-03-29{}0{}:{:02}:{:02}{}{}",
                    ["T", " "][sep],
                    1 + minute / 2,
                    58 + minute % 2,
                    rng.below(61),
                    fractions[rng.below(fractions.len() as u64) as usize],
                    zones[zone],
                );
                let text = text.as_bytes();
                let remembers = cx.memo.borrow().iso(text).is_some();
                remembered += remembers as usize;
                assert_eq!(
                    cx.instant_of(text),
                    plain_instant(&fresh, text),
                    "{} in {zone_name}",
                    String::from_utf8_lossy(text)
                );
            }
            // The memo was used, not merely consistent.
            assert!(remembered > 2_000, "{remembered} stamps remembered");
        }
    }

    #[test]
    fn a_remembered_access_log_stamp_gives_what_a_parse_gives() {
        let cx = TimeContext::new(Zone::parse("Europe/Berlin").unwrap(), None);
        let fresh = TimeContext::new(Zone::parse("Europe/Berlin").unwrap(), None);
        let stamps: [&[u8]; 8] = [
            b"03/Jul/2026:02:00:03 -0700] \"GET",
            b"03/Jul/2026:02:00:03 -0700] \"GET",
            b"03/Jul/2026:02:00:03 +0200] \"GET",
            b"03/Jul/2026:02:00:03 -0700 \"GET",
            b"03/Jul/2026:02:00:03.12345] x",
            b"03/Jul/2026:02:00:03.12345] x",
            b"03/Jul/2026:02:00:04 -0700]",
            b"03/Jul/2026:02:00:03 -0700]",
        ];
        let mut remembered = 0;
        for b in stamps {
            let memo = cx.memo.borrow().clf;
            remembered += (b.get(..=CLF_STAMP) == Some(&memo[..])) as usize;
            let plain = parse_clf(b).map(|(stamp, used)| (fresh.resolve(&stamp), used));
            assert_eq!(cx.clf_instant(b), plain, "{}", String::from_utf8_lossy(b));
        }
        assert_eq!(remembered, 2);
    }
}
