//! Layouts from the loghub collection that the text reader cannot take on its own.
//!
//! Blue Gene/L RAS logs open with an alert label and an epoch: `- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11
//! 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO message`. The epoch is the instant; the
//! wall-clock field (written in the machine's local time) gives the fraction of the second. The level is
//! the ninth field. HPC logs put the epoch in the fifth field: `134681 node-246 unix.hw
//! state_change.unavailable 1077804742 1 Component State Change: ...`. (HDFS, Spark, HealthApp and
//! Proxifier are read by the text reader; see `text`.)

use super::text::find_level_word;
use super::{FormatName, LineClass, LineParser};
use crate::engine::level::Level;
use crate::engine::time::{self, Stamp, TimeContext, NANOS_PER_SEC};

#[derive(Debug, Default)]
pub struct BglParser;

impl BglParser {
    /// Time and level of a BGL line.
    pub fn head(line: &[u8]) -> Option<(i64, Level)> {
        let mut fields = line.split(|c| *c == b' ');
        let label = fields.next()?;
        if label.is_empty() || label.len() > 16 {
            return None;
        }
        let (Stamp::Instant(secs_ns), 10) = time::parse_epoch(fields.next()?)? else {
            return None;
        };
        let date = fields.next()?;
        if date.len() != 10 || date[4] != b'.' || date[7] != b'.' {
            return None;
        }
        let _node = fields.next()?;
        let wall = fields.next()?;
        let (Stamp::Civil { civil, .. }, used) = time::parse_iso(wall)? else {
            return None;
        };
        if used != wall.len() {
            return None;
        }
        let ns = secs_ns - secs_ns.rem_euclid(NANOS_PER_SEC) + civil.nanos as i64;
        let level = fields
            .nth(3)
            .and_then(Level::from_word)
            .unwrap_or(Level::None);
        Some((ns, level))
    }
}

impl LineParser for BglParser {
    fn name(&self) -> FormatName {
        FormatName::Bgl
    }

    fn classify(&mut self, line: &[u8], _cx: &TimeContext) -> LineClass {
        match Self::head(line) {
            Some((ts, level)) => LineClass::Start {
                ts: Some(ts),
                level,
            },
            None if line.is_empty() => LineClass::Skip,
            None => LineClass::Continue,
        }
    }
}

/// HPC (loghub): `LogId Node Component State Time Flag Content`, the time an epoch in seconds.
#[derive(Debug, Default)]
pub struct HpcParser;

impl HpcParser {
    pub fn head(line: &[u8]) -> Option<(i64, Level)> {
        let mut fields = line.split(|c| *c == b' ');
        let id = fields.next()?;
        if id.is_empty() || !id.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let _node = fields.next()?;
        let _component = fields.next()?;
        let _state = fields.next()?;
        let (Stamp::Instant(ns), 10) = time::parse_epoch(fields.next()?)? else {
            return None;
        };
        let flag = fields.next()?;
        if flag.len() != 1 || !flag[0].is_ascii_digit() {
            return None;
        }
        Some((ns, find_level_word(line)))
    }
}

impl LineParser for HpcParser {
    fn name(&self) -> FormatName {
        FormatName::Hpc
    }

    fn classify(&mut self, line: &[u8], _cx: &TimeContext) -> LineClass {
        match Self::head(line) {
            Some((ts, level)) => LineClass::Start {
                ts: Some(ts),
                level,
            },
            None if line.is_empty() => LineClass::Skip,
            None => LineClass::Continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::format_rfc3339;

    #[test]
    fn epoch_with_the_fraction_of_the_wall_clock() {
        let (ts, level) = BglParser::head(b"- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL FATAL data TLB error interrupt").unwrap();
        assert_eq!(format_rfc3339(ts), "2005-06-03T22:42:50.675872Z");
        assert_eq!(level, Level::Critical);
        assert!(BglParser::head(b"2005-06-03 15:42:50 INFO x").is_none());
    }

    #[test]
    fn hpc_epoch_in_the_fifth_field() {
        let (ts, _) = HpcParser::head(b"134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change: Component \\042alt0\\042 is in the unavailable state (HWID=1973)").unwrap();
        assert_eq!(format_rfc3339(ts), "2004-02-26T14:12:22Z");
        assert!(HpcParser::head(b"- 1117838570 2005.06.03 R02 x").is_none());
    }
}
