//! The per-file report behind `casefile summary --json`. Its JSON shape is a contract (see README).

use serde::{Deserialize, Serialize};

use super::store::SourceData;
use super::time::format_rfc3339;

/// One file's line in the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSummary {
    /// The path exactly as given.
    pub path: String,
    /// One of the documented format names.
    pub format: String,
    /// Logical events (a stack trace is one event; a CSV header is none).
    pub events: u64,
    /// Earliest and latest event instants as written, RFC 3339 UTC ending in `Z`.
    pub first_ts: Option<String>,
    pub last_ts: Option<String>,
    /// Lines that neither start nor continue an event.
    pub unparsed_lines: u64,
    /// The file's size in bytes.
    pub bytes: u64,
    /// A sentence naming what is wrong with the file, or null.
    pub error: Option<String>,
}

/// The whole summary object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub files: Vec<FileSummary>,
    pub events: u64,
    pub elapsed_ms: u64,
}

impl FileSummary {
    pub fn of(source: &SourceData) -> Self {
        let info = &source.info;
        FileSummary {
            path: info.name.clone(),
            format: info.format.as_str().to_string(),
            events: source.len() as u64,
            first_ts: info.first_ts.map(format_rfc3339),
            last_ts: info.last_ts.map(format_rfc3339),
            unparsed_lines: info.unparsed_lines,
            bytes: info.bytes,
            error: info.error.clone(),
        }
    }
}

impl Summary {
    pub fn new(files: Vec<FileSummary>, elapsed_ms: u64) -> Self {
        let events = files.iter().map(|f| f.events).sum();
        Summary {
            files,
            events,
            elapsed_ms,
        }
    }
}
