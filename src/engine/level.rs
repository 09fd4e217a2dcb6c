//! The one severity scale every format is normalised to.

use serde::{Deserialize, Serialize};

/// Severity of an event, ordered from least to most severe. `None` means the format gave no level.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum Level {
    #[default]
    None = 0,
    Trace = 1,
    Debug = 2,
    Info = 3,
    Notice = 4,
    Warn = 5,
    Error = 6,
    Critical = 7,
}

impl Level {
    pub const ALL: [Level; 8] = [
        Level::None,
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Notice,
        Level::Warn,
        Level::Error,
        Level::Critical,
    ];

    pub fn from_u8(v: u8) -> Level {
        Level::ALL.get(v as usize).copied().unwrap_or(Level::None)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Notice => "notice",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Critical => "critical",
        }
    }

    /// Reads a level word as written in logs (`WARNING`, `err`, `E`, `fatal`, ...), case-insensitively.
    pub fn from_word(word: &[u8]) -> Option<Level> {
        if word.is_empty() || word.len() > 11 {
            return None;
        }
        // Every level word starts with one of these letters: most tokens are rejected here.
        if !matches!(
            word[0] | 0x20,
            b't' | b'f' | b'v' | b'd' | b'i' | b'c' | b'n' | b'w' | b'e' | b's' | b'a' | b'p'
        ) {
            return None;
        }
        let mut buf = [0u8; 11];
        for (dst, src) in buf.iter_mut().zip(word) {
            *dst = src.to_ascii_lowercase();
        }
        let w = &buf[..word.len()];
        Some(match w {
            b"trace" | b"trc" | b"t" | b"finest" | b"finer" | b"verbose" | b"v" => Level::Trace,
            b"debug" | b"dbg" | b"d" | b"fine" | b"debug1" | b"debug2" | b"debug3" => Level::Debug,
            b"info" | b"inf" | b"i" | b"information" | b"informational" | b"config" => Level::Info,
            b"notice" | b"note" | b"n" => Level::Notice,
            b"warn" | b"warning" | b"wrn" | b"w" => Level::Warn,
            b"error" | b"err" | b"e" | b"severe" | b"failure" => Level::Error,
            b"critical" | b"crit" | b"fatal" | b"f" | b"c" | b"alert" | b"emerg" | b"emergency"
            | b"panic" => Level::Critical,
            _ => return None,
        })
    }

    /// The level letter that opens a glog/klog line (`I0703 ...`).
    pub fn from_glog_letter(c: u8) -> Option<Level> {
        match c {
            b'I' => Some(Level::Info),
            b'W' => Some(Level::Warn),
            b'E' => Some(Level::Error),
            b'F' => Some(Level::Critical),
            _ => None,
        }
    }

    /// Maps a syslog severity (0 emergency .. 7 debug) onto the scale.
    pub fn from_syslog_severity(sev: u8) -> Level {
        match sev {
            0..=2 => Level::Critical,
            3 => Level::Error,
            4 => Level::Warn,
            5 => Level::Notice,
            6 => Level::Info,
            _ => Level::Debug,
        }
    }

    /// Maps bunyan/pino numeric levels (10 trace .. 60 fatal).
    pub fn from_bunyan(n: i64) -> Level {
        match n {
            i64::MIN..=10 => Level::Trace,
            11..=20 => Level::Debug,
            21..=30 => Level::Info,
            31..=40 => Level::Warn,
            41..=50 => Level::Error,
            _ => Level::Critical,
        }
    }

    /// By convention (as lnav does): an HTTP 5xx is an error, a 4xx a warning, the rest info.
    pub fn from_http_status(status: u16) -> Level {
        match status {
            500..=599 => Level::Error,
            400..=499 => Level::Warn,
            _ => Level::Info,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_map_onto_the_scale() {
        assert_eq!(Level::from_word(b"WARNING"), Some(Level::Warn));
        assert_eq!(Level::from_word(b"ERR"), Some(Level::Error));
        assert_eq!(Level::from_word(b"E"), Some(Level::Error));
        assert_eq!(Level::from_word(b"F"), Some(Level::Critical));
        assert_eq!(Level::from_word(b"Info"), Some(Level::Info));
        assert_eq!(Level::from_word(b"hello"), None);
    }

    #[test]
    fn order_is_severity() {
        assert!(Level::Error > Level::Warn);
        assert!(Level::Critical > Level::Error);
        assert_eq!(Level::from_u8(Level::Notice as u8), Level::Notice);
    }

    #[test]
    fn numeric_scales() {
        assert_eq!(Level::from_syslog_severity(3), Level::Error);
        assert_eq!(Level::from_bunyan(30), Level::Info);
        assert_eq!(Level::from_bunyan(60), Level::Critical);
        assert_eq!(Level::from_http_status(502), Level::Error);
        assert_eq!(Level::from_http_status(404), Level::Warn);
    }
}
