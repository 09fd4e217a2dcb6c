//! The query part of the worker protocol: filtering the case, the rows of the filtered list, one
//! event's details, and the parts of a query's answer (first page, count, histogram, facets).
//!
//! A query's answer comes in parts, each a [`Reply::Query`](super::Reply::Query) carrying the id of
//! the [`Request::Query`](super::Request::Query) it answers, so the first rows show before the full
//! count and the statistics are done; a newer query makes the worker abandon an older one between two
//! parts, and the UI drops parts of any query but the latest.

use serde::{Deserialize, Serialize};

use super::Row;
use crate::engine::level::Level;
use crate::engine::query::{Facets, Histogram, QueryError, StackBy};

/// A time range `from_ms..to_ms` (ms since the epoch, `to` exclusive), set by dragging the histogram.
/// Milliseconds, not the engine's nanoseconds: messages cross into JavaScript, whose numbers hold
/// integers exactly only up to 2^53.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    pub from_ms: i64,
    pub to_ms: i64,
}

const NS_PER_MS: i64 = 1_000_000;

impl TimeRange {
    pub fn from_ns(&self) -> i64 {
        self.from_ms.saturating_mul(NS_PER_MS)
    }
    pub fn to_ns(&self) -> i64 {
        self.to_ms.saturating_mul(NS_PER_MS)
    }
}

/// A histogram as sent to the UI: the engine's [`Histogram`] with times in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistogramData {
    /// Start of the first bucket, ms since the epoch.
    pub start_ms: i64,
    /// Width of every bucket in ms (at least 1).
    pub bucket_ms: i64,
    pub stack_by: StackBy,
    pub keys: Vec<String>,
    /// `counts[bucket][key]`.
    pub counts: Vec<Vec<u64>>,
    /// Matches outside the buckets or without a time.
    pub outside: u64,
}

impl From<Histogram> for HistogramData {
    fn from(h: Histogram) -> Self {
        HistogramData {
            start_ms: h.start_ns.div_euclid(NS_PER_MS),
            bucket_ms: (h.bucket_ns / NS_PER_MS).max(1),
            stack_by: h.stack_by,
            keys: h.keys,
            counts: h.counts,
            outside: h.outside,
        }
    }
}

/// What a filter asks: the query text, the time range, the order of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterSpec {
    pub text: String,
    pub range: Option<TimeRange>,
    pub newest_first: bool,
    /// How the histogram's bars are split.
    pub stack_by: StackBy,
    /// The zone times typed in the query without a zone are read in (the display zone: an IANA
    /// name, `UTC` or an offset); empty or unknown means UTC.
    #[serde(default)]
    pub zone: String,
}

impl FilterSpec {
    /// Whether the filter keeps every event (then the list shows the whole timeline).
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty() && self.range.is_none()
    }
}

/// A row of the filtered list with the byte ranges of its text that matched the query's words,
/// phrases and regexes (ranges into `row.text`, on character boundaries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkedRow {
    pub row: Row,
    pub marks: Vec<(u32, u32)>,
}

/// One event in full: every extracted field and the raw text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDetails {
    /// Position in the merged timeline (oldest first).
    pub position: u32,
    pub source: String,
    pub format: String,
    pub ts: Option<String>,
    pub level: Level,
    /// Fields in the order they appear in the text (a repeated name keeps its first value).
    pub fields: Vec<(String, String)>,
    /// The raw text (lossy UTF-8), cut at [`DETAILS_TEXT_MAX_BYTES`].
    pub text: String,
    pub marks: Vec<(u32, u32)>,
}

/// Longest raw text sent in [`EventDetails`].
pub const DETAILS_TEXT_MAX_BYTES: usize = 256 * 1024;

/// One part of a query's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "part", rename_all = "snake_case")]
pub enum QueryPart {
    /// Parsed: the mistakes to underline and the first rows of the list (found without counting
    /// every match). `complete` says the first rows are all the matches there are.
    FirstPage {
        errors: Vec<QueryError>,
        rows: Vec<MarkedRow>,
        complete: bool,
    },
    /// Every match counted: `matched` of `total` events.
    Count {
        matched: u64,
        total: u64,
    },
    Histogram {
        histogram: HistogramData,
    },
    Facets {
        facets: Facets,
    },
}
