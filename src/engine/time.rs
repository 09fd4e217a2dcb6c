//! Timestamps: reading every common shape into a UTC instant, zones, and year inference.
//!
//! Instants are `i64` nanoseconds since the Unix epoch, UTC. A timestamp as written may lack a zone
//! (then it is read in the zone of its [`TimeContext`]) or a year (syslog: then the year comes from the
//! file's modification time, with the December → January rollover handled).
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
}

impl TimeContext {
    /// Resolves a parsed stamp into an instant.
    pub fn resolve(&self, stamp: &Stamp) -> Option<i64> {
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

/// Reads `Z`, `+07:00`, `-0700`, `+07` or ` UTC`; returns the offset east of UTC in seconds and bytes used.
pub fn parse_offset(b: &[u8]) -> Option<(i32, usize)> {
    match b.first()? {
        b'Z' | b'z' => Some((0, 1)),
        sign @ (b'+' | b'-') => {
            let hh = digits(b, 1, 2)? as i32;
            let (mm, used) = if b.get(3) == Some(&b':') {
                (digits(b, 4, 2)? as i32, 6)
            } else if let Some(mm) = digits(b, 3, 2) {
                (mm as i32, 5)
            } else {
                (0, 3)
            };
            if hh > 18 || mm > 59 {
                return None;
            }
            let off = (hh * 3600 + mm * 60) * if *sign == b'-' { -1 } else { 1 };
            Some((off, used))
        }
        _ => {
            let named = b.len() >= 3
                && (b[..3].eq_ignore_ascii_case(b"UTC") || b[..3].eq_ignore_ascii_case(b"GMT"));
            if named && (b.len() == 3 || !b[3].is_ascii_alphabetic()) {
                return Some((0, 3));
            }
            None
        }
    }
}

/// ISO 8601 / RFC 3339: `2026-07-03T09:00:00.123Z`, `2026-07-03 09:00:00,123 +0200`, `2026/07/03 09:00:00`.
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
    let t = *b.get(10)?;
    if t != b'T' && t != b' ' && t != b't' && t != b'_' {
        return None;
    }
    let hour = digits(b, 11, 2)? as u8;
    if *b.get(13)? != b':' {
        return None;
    }
    let minute = digits(b, 14, 2)? as u8;
    let (second, mut at) = if b.get(16) == Some(&b':') {
        (digits(b, 17, 2)? as u8, 19)
    } else {
        (0, 16)
    };
    let (nanos, used) = fraction(b, at);
    at += used;
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
    let mut offset_secs = None;
    if let Some((off, used)) = parse_offset(&b[at..]) {
        offset_secs = Some(off);
        at += used;
    } else if b.get(at) == Some(&b' ') {
        if let Some((off, used)) = parse_offset(&b[at + 1..]) {
            // A space-separated zone: only `+hhmm`/`-hh:mm`/`UTC`, never a bare `-` (that is text).
            if used >= 3 {
                offset_secs = Some(off);
                at += used + 1;
            }
        }
    }
    Some((Stamp::Civil { civil, offset_secs }, at))
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
    let hour = digits(b, 12, 2)? as u8;
    let minute = digits(b, 15, 2)? as u8;
    let second = digits(b, 18, 2)? as u8;
    let mut at = 20;
    let (nanos, used) = fraction(b, at);
    at += used;
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
    let mut offset_secs = None;
    if b.get(at) == Some(&b' ') {
        if let Some((off, used)) = parse_offset(&b[at + 1..]) {
            offset_secs = Some(off);
            at += used + 1;
        }
    }
    Some((Stamp::Civil { civil, offset_secs }, at))
}

/// Syslog RFC 3164: `Jul  3 09:00:53` (no year, no zone), also with a fraction.
pub fn parse_syslog(b: &[u8]) -> Option<(Stamp, usize)> {
    let month = month_abbrev(b)?;
    if *b.get(3)? != b' ' {
        return None;
    }
    let (day, at) = match (b.get(4)?, b.get(5)?) {
        (b' ', d) if d.is_ascii_digit() => ((d - b'0') as u32, 6),
        (d, b' ') if d.is_ascii_digit() => ((d - b'0') as u32, 6),
        _ => (digits(b, 4, 2)?, 6),
    };
    let at = if b.get(at) == Some(&b' ') { at + 1 } else { at };
    let hour = digits(b, at, 2)? as u8;
    if *b.get(at + 2)? != b':' || *b.get(at + 5)? != b':' {
        return None;
    }
    let minute = digits(b, at + 3, 2)? as u8;
    let second = digits(b, at + 6, 2)? as u8;
    let mut end = at + 8;
    let (nanos, used) = fraction(b, end);
    end += used;
    let civil = Civil {
        year: 2000,
        month,
        day: day as u8,
        hour,
        minute,
        second,
        nanos,
    };
    if !civil.valid() {
        return None;
    }
    Some((
        Stamp::NoYear {
            civil,
            offset_secs: None,
        },
        end,
    ))
}

/// Epoch numbers: 10 digits are seconds (with an optional fraction), 13 milliseconds, 16 microseconds,
/// 19 nanoseconds. Only instants between 1990 and 2100 are accepted, so ordinary numbers are not taken
/// for times.
pub fn parse_epoch(b: &[u8]) -> Option<(Stamp, usize)> {
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let int: i64 = std::str::from_utf8(&b[..n]).ok()?.parse().ok()?;
    let (ns, used) = match n {
        10 => {
            let (frac, used) = if b.get(10) == Some(&b'.') {
                fraction(b, 10)
            } else {
                (0, 0)
            };
            (int.checked_mul(NANOS_PER_SEC)? + frac as i64, 10 + used)
        }
        13 => (int.checked_mul(1_000_000)?, 13),
        16 => (int.checked_mul(1000)?, 16),
        19 => (int, 19),
        _ => return None,
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

/// Any of the shapes above, at the very start of `b`.
pub fn parse_any(b: &[u8]) -> Option<(Stamp, usize)> {
    let first = *b.first()?;
    if first.is_ascii_digit() {
        parse_iso(b)
            .or_else(|| parse_clf(b))
            .or_else(|| parse_epoch(b))
    } else if first.is_ascii_alphabetic() {
        parse_syslog(b)
    } else {
        None
    }
}

/// Looks for a timestamp at the start of a line, allowing a leading `[` or `<` and a few bytes of prefix
/// (a level or a host before the time). Returns the stamp and the byte range it occupies.
pub fn find_leading(line: &[u8]) -> Option<(Stamp, std::ops::Range<usize>)> {
    let window = &line[..line.len().min(48)];
    let mut at = 0;
    while at < window.len() {
        let c = window[at];
        let word_start = at == 0 || !window[at - 1].is_ascii_alphanumeric();
        if word_start && (c.is_ascii_digit() || c.is_ascii_alphabetic()) {
            if let Some((stamp, used)) = parse_any(&line[at..]) {
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
        let cx = TimeContext {
            zone: Zone::Utc,
            modified_ns: Some(jan.as_utc_nanos()),
        };
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
        let cx = TimeContext {
            zone,
            modified_ns: None,
        };
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

    #[test]
    fn days_round_trip() {
        for z in [-800_000i64, -1, 0, 1, 20_000, 400_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
