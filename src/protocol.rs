//! The typed messages between the UI thread and the workers.
//!
//! Every request carries a [`RequestId`]; replies echo it so the UI can drop stale ones (a newer request
//! for the same view supersedes an older). Long work streams [`Reply::Progress`] before its final reply.
//! Bulk bytes never travel here: the worker reads each `File` itself (File objects are posted alongside
//! the message), and replies carry only the rows on screen.
//!
//! Messages are serde types so they round-trip natively in tests and through `serde-wasm-bindgen` in the
//! browser.

pub mod investigate;
pub mod query;
pub mod shard;

use serde::{Deserialize, Serialize};

use self::query::{EventDetails, FilterSpec, MarkedRow, QueryPart};
use crate::engine::level::Level;
use crate::engine::summary::FileSummary;

/// Identifies a request; replies carry the id of the request they answer.
pub type RequestId = u32;

/// What the UI asks a worker to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Request {
    /// Read the files posted alongside this message (in order), adding them to the case.
    OpenFiles { id: RequestId, zone: String },
    /// Read pasted text as a source.
    OpenText {
        id: RequestId,
        name: String,
        text: String,
        zone: String,
    },
    /// Generate and load the built-in demo incident.
    OpenDemo { id: RequestId },
    /// Read the sources named `source` again from the bytes the worker keeps, their timestamps written
    /// without a zone read in `zone` (an IANA name, `UTC` or an offset), and re-merge the timeline;
    /// clock offsets and the other sources stay as they are. Answered like a load (progress, then
    /// [`Reply::Loaded`]), or by [`Reply::Failed`] naming the file when the zone or the file is unknown.
    /// Addressed by source name, so a UI with several workers sends it to the one holding the source.
    SetZone {
        id: RequestId,
        source: String,
        zone: String,
    },
    /// Stop the load in progress and drop the loads queued behind it. Files read completely before the
    /// cancel stay in the case; the file being read when it came is dropped.
    Cancel { id: RequestId },
    /// The rows `start..start+count` of the merged timeline.
    Rows {
        id: RequestId,
        start: u32,
        count: u32,
        newest_first: bool,
    },
    /// Filter the case ([`query`]): answered by several [`Reply::Query`] parts.
    Query {
        id: RequestId,
        filter: FilterSpec,
        /// Rows in the first page.
        first_page: u32,
    },
    /// The rows `start..start+count` of the filtered list.
    FilteredRows {
        id: RequestId,
        filter: FilterSpec,
        start: u32,
        count: u32,
    },
    /// Every field and the raw text of the list's row `index` (of the filtered list when the filter
    /// is not empty, else of the timeline).
    Details {
        id: RequestId,
        filter: FilterSpec,
        index: u32,
    },
    /// Work out something about the case: patterns, an id's story, context, skew, changes, spikes
    /// ([`investigate`]); answered by one [`Reply::Investigation`].
    Investigate {
        id: RequestId,
        #[serde(with = "investigate::as_json")]
        ask: investigate::Ask,
    },
}

impl Request {
    pub fn id(&self) -> RequestId {
        match self {
            Request::OpenFiles { id, .. }
            | Request::OpenText { id, .. }
            | Request::OpenDemo { id }
            | Request::SetZone { id, .. }
            | Request::Cancel { id }
            | Request::Rows { id, .. }
            | Request::Query { id, .. }
            | Request::FilteredRows { id, .. }
            | Request::Details { id, .. }
            | Request::Investigate { id, .. } => *id,
        }
    }
}

/// Progress of a load.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadProgress {
    /// Bytes of this load's files read so far, and their total size.
    pub bytes_read: u64,
    pub bytes_total: u64,
    /// Events indexed so far by this load.
    pub events: u64,
    pub elapsed_ms: u64,
    /// The file being read now.
    pub current: String,
    /// Files of this load finished, and how many it has.
    pub files_done: u32,
    pub files_total: u32,
}

/// One row of the merged timeline, ready to render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Position in the merged timeline.
    pub position: u32,
    pub source: String,
    /// RFC 3339 UTC, or null when the event has no time.
    pub ts: Option<String>,
    pub level: Level,
    /// The event's text (lossy UTF-8), possibly several lines, cut at [`ROW_TEXT_MAX_BYTES`].
    pub text: String,
}

/// The zone a source's timestamps written without one were read in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceZone {
    /// The source's name (as in the file list).
    pub source: String,
    /// An IANA name, `UTC` or an offset such as `+02:00`.
    pub zone: String,
}

/// Longest event text sent in a [`Row`]; longer events end in `…`.
pub const ROW_TEXT_MAX_BYTES: usize = 4096;

/// What a worker answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reply {
    /// The worker is ready to take requests.
    Ready,
    Progress {
        id: RequestId,
        progress: LoadProgress,
    },
    /// A load finished (or was cancelled). `files` lists every file the case has been given, in the
    /// order given, including those that failed (their `error` says why); `sources` counts the files
    /// whose events the case holds, and `total_events` is the length of the merged timeline.
    Loaded {
        id: RequestId,
        files: Vec<FileSummary>,
        sources: u32,
        total_events: u64,
        cancelled: bool,
        elapsed_ms: u64,
        /// The zone each source's zone-less timestamps were read in.
        #[serde(default)]
        zones: Vec<SourceZone>,
        /// Workers holding a part of the case each (1 without sharding).
        #[serde(default)]
        shards: u32,
    },
    Rows {
        id: RequestId,
        start: u32,
        total: u32,
        rows: Vec<Row>,
    },
    /// One part of the answer to a [`Request::Query`].
    Query { id: RequestId, part: QueryPart },
    FilteredRows {
        id: RequestId,
        start: u32,
        /// Rows of the filtered list.
        total: u32,
        rows: Vec<MarkedRow>,
    },
    Details {
        id: RequestId,
        details: EventDetails,
    },
    /// The answer to a [`Request::Investigate`].
    Investigation {
        id: RequestId,
        #[serde(with = "investigate::as_json")]
        answer: investigate::Answer,
    },
    /// A request failed as a whole; the sentence says why. Loaded data is untouched.
    Failed { id: RequestId, message: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_through_json() {
        let requests = vec![
            Request::OpenFiles {
                id: 1,
                zone: "UTC".into(),
            },
            Request::Rows {
                id: 2,
                start: 10,
                count: 50,
                newest_first: true,
            },
            Request::Cancel { id: 3 },
            Request::SetZone {
                id: 4,
                source: "SET.tar.gz!/syslog".into(),
                zone: "America/New_York".into(),
            },
        ];
        for r in requests {
            let back: Request = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
            assert_eq!(back, r);
        }
        let reply = Reply::Rows {
            id: 2,
            start: 0,
            total: 1,
            rows: vec![Row {
                position: 0,
                source: "a".into(),
                ts: None,
                level: Level::Warn,
                text: "x".into(),
            }],
        };
        let json = serde_json::to_string(&reply).unwrap();
        assert!(json.contains("\"kind\":\"rows\""));
        assert_eq!(serde_json::from_str::<Reply>(&json).unwrap(), reply);
    }
}
