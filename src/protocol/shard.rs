//! The messages between the coordinator worker and its shard workers (the UI never sees them).
//!
//! The coordinator posts `{msg, files}`: `msg` is a [`ShardRequest`] as JSON text (times are 64-bit
//! nanoseconds, which JavaScript numbers cannot carry exactly), `files` the `File` objects of a
//! [`ShardRequest::Load`]. A shard answers every request with exactly one [`ShardReply`] carrying the
//! request's id, except a load, which also streams [`ShardReply::Progress`]. A [`ShardReply::Keys`]
//! reply carries its keys as bytes alongside (`{msg, keys}`, a transferred `ArrayBuffer`; see
//! [`crate::engine::shard::OrderKey::encode`]).
//!
//! A shard speaks of its sources by their case-wide ids, given in [`ShardRequest::Commit`]; ranks and
//! indexes in requests are positions in the shard's own lists (its timeline, or its matches of a
//! filter), oldest first.

use serde::{Deserialize, Serialize};

use super::investigate::{PartAnswer, PartAsk};
use super::query::{EventDetails, FilterSpec, MarkedRow};
use super::Row;
use crate::engine::query::{Facets, Histogram, MatchKey, QueryError, StackBy};
use crate::engine::shard_facets::{TemplateSample, TemplateValues};
use crate::engine::summary::FileSummary;

pub type ShardRequestId = u32;

/// One input of a load: a `File` posted alongside (the next one in order), pasted text, or a demo file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardInput {
    /// The input's number in the case (all inputs ever given, in order).
    pub file: u32,
    pub kind: ShardInputKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ShardInputKind {
    /// The next `File` posted alongside the request.
    File,
    /// Pasted text.
    Text { name: String, text: String },
    /// File `index` of the built-in demo incident (each shard generates it; it is small).
    Demo { index: u32 },
}

/// What the coordinator asks a shard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ShardRequest {
    /// Read the inputs (loads run one at a time, in order); the sources read wait for a commit.
    Load {
        id: ShardRequestId,
        zone: String,
        inputs: Vec<ShardInput>,
    },
    /// Stop the load or zone change in progress and drop queued ones (each still answers
    /// `LoadDone` or `Rezoned`).
    Cancel,
    /// Every query the coordinator was gathering parts of has ended (sent when the last one ends):
    /// between two parts of a query a shard that answered first is not idle, since the next part
    /// follows once every shard answered, so a shard takes up background work (the overview asks,
    /// mining) only after this, or after a long silence.
    QueriesEnded,
    /// Read the committed sources called `source` again from the bytes they keep, their zone-less
    /// timestamps in `zone`, and mine them again (queued with loads, in order). The new sources wait
    /// for the next commit, which puts them in place of the old ones; answered by
    /// [`ShardReply::Rezoned`].
    SetZone {
        id: ShardRequestId,
        source: String,
        zone: String,
    },
    /// Take the sources read so far into the shard's case. `ids` names every source of the shard
    /// (held ones first, then the new ones in reading order) case-wide, `offsets_ns` is each one's
    /// clock offset, `case_span` the whole case's first and last instants (for `last 15m`).
    /// Answered by [`ShardReply::Keys`] with the shard's timeline keys.
    Commit {
        id: ShardRequestId,
        ids: Vec<u16>,
        offsets_ns: Vec<i64>,
        case_span: (Option<i64>, Option<i64>),
    },
    /// Rows of the shard's timeline, ranks `start..start+count`.
    Rows {
        id: ShardRequestId,
        start: u32,
        count: u32,
    },
    /// The first `take` matches in list order, keyed for merging, and the parse errors.
    FirstPage {
        id: ShardRequestId,
        filter: FilterSpec,
        take: u32,
    },
    /// Every match counted, with the earliest and latest match time.
    Count {
        id: ShardRequestId,
        filter: FilterSpec,
    },
    /// Matches on the shared grid over `from_ns..=to_ns`, stacked by level or by case-wide source
    /// (`names` lists every source of the case).
    Histogram {
        id: ShardRequestId,
        filter: FilterSpec,
        from_ns: i64,
        to_ns: i64,
        stack_by: StackBy,
        names: Vec<String>,
    },
    /// Facets with `top` values per field, extracted fields from at most `sample` matches.
    Facets {
        id: ShardRequestId,
        filter: FilterSpec,
        top: u32,
        sample: u32,
    },
    /// The examined matches (at most `sample`, as for [`ShardRequest::Facets`]) of each of
    /// `templates`, with their placeholder values (see [`crate::engine::shard_facets`]).
    Placeholders {
        id: ShardRequestId,
        filter: FilterSpec,
        sample: u32,
        templates: Vec<String>,
    },
    /// The keys of every match, in order (answered by [`ShardReply::Keys`]).
    MatchKeys {
        id: ShardRequestId,
        filter: FilterSpec,
    },
    /// Rows of the shard's matches, ranks `start..start+count`.
    FilteredRows {
        id: ShardRequestId,
        filter: FilterSpec,
        start: u32,
        count: u32,
    },
    /// Details of the shard's match of rank `index` (of its timeline when not `filtered`); the
    /// details' position is the event's rank in the shard's timeline.
    Details {
        id: ShardRequestId,
        filter: FilterSpec,
        index: u32,
        filtered: bool,
    },
    /// The shard's part of an investigation (answered by [`ShardReply::Investigated`]).
    Investigate { id: ShardRequestId, ask: PartAsk },
    /// Answer [`ShardReply::Mined`] once every committed source is mined (at once if it is): the
    /// facets of a query answered meanwhile lack the placeholder fields of the sources not mined.
    WhenMined { id: ShardRequestId },
}

impl ShardRequest {
    /// The filter a query request is about.
    pub fn filter(&self) -> Option<&FilterSpec> {
        match self {
            ShardRequest::FirstPage { filter, .. }
            | ShardRequest::Count { filter, .. }
            | ShardRequest::Histogram { filter, .. }
            | ShardRequest::Facets { filter, .. }
            | ShardRequest::Placeholders { filter, .. }
            | ShardRequest::MatchKeys { filter, .. }
            | ShardRequest::FilteredRows { filter, .. }
            | ShardRequest::Details { filter, .. } => Some(filter),
            _ => None,
        }
    }
}

/// A source a load produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceFacts {
    pub name: String,
    pub first_ts: Option<i64>,
    pub last_ts: Option<i64>,
    pub events: u64,
    /// Bytes of its text (for the progress of a zone change).
    pub bytes: u64,
    /// The zone its zone-less timestamps were read in, as the user named it.
    pub zone: String,
    /// The index of its report among its input's summaries.
    pub summary: u32,
}

/// A source read again in another zone: its case-wide id, its facts and its new report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RezonedSource {
    pub id: u16,
    pub facts: SourceFacts,
    pub report: FileSummary,
}

/// What one input produced on a shard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadedInput {
    pub file: u32,
    pub summaries: Vec<FileSummary>,
    /// The sources it added (none for a failed or empty file), in order.
    pub sources: Vec<SourceFacts>,
}

/// What a shard answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ShardReply {
    Ready,
    /// The load's progress on this shard so far.
    Progress {
        id: ShardRequestId,
        bytes_read: u64,
        events: u64,
        current: String,
        files_done: u32,
    },
    /// A load ended: the inputs read completely, in order (a cancelled input is left out).
    LoadDone {
        id: ShardRequestId,
        inputs: Vec<LoadedInput>,
        cancelled: bool,
    },
    /// A zone change ended: the sources read again (waiting for the next commit). When `cancelled`,
    /// none is kept and the old ones stay.
    Rezoned {
        id: ShardRequestId,
        sources: Vec<RezonedSource>,
        cancelled: bool,
    },
    /// `count` keys, as bytes alongside the message.
    Keys {
        id: ShardRequestId,
        count: u32,
    },
    Rows {
        id: ShardRequestId,
        rows: Vec<Row>,
    },
    FirstPage {
        id: ShardRequestId,
        errors: Vec<QueryError>,
        rows: Vec<(MatchKey, MarkedRow)>,
        complete: bool,
    },
    Count {
        id: ShardRequestId,
        matched: u64,
        span: Option<(i64, i64)>,
    },
    Histogram {
        id: ShardRequestId,
        histogram: Histogram,
    },
    /// The facets, and the most common template of the examined matches (for placeholder facets);
    /// `mining` when some committed source was not mined yet (its matches have no template).
    Facets {
        id: ShardRequestId,
        facets: Facets,
        #[serde(default)]
        templates: TemplateSample,
        #[serde(default)]
        mining: bool,
    },
    Placeholders {
        id: ShardRequestId,
        values: Vec<TemplateValues>,
    },
    /// Every committed source is mined (see [`ShardRequest::WhenMined`]).
    Mined {
        id: ShardRequestId,
    },
    FilteredRows {
        id: ShardRequestId,
        rows: Vec<MarkedRow>,
    },
    Details {
        id: ShardRequestId,
        details: Option<EventDetails>,
    },
    Investigated {
        id: ShardRequestId,
        answer: PartAnswer,
    },
    Failed {
        id: ShardRequestId,
        message: String,
    },
}

impl ShardReply {
    /// The request this answers (0 for `Ready`).
    pub fn id(&self) -> ShardRequestId {
        match self {
            ShardReply::Ready => 0,
            ShardReply::Progress { id, .. }
            | ShardReply::LoadDone { id, .. }
            | ShardReply::Rezoned { id, .. }
            | ShardReply::Keys { id, .. }
            | ShardReply::Rows { id, .. }
            | ShardReply::FirstPage { id, .. }
            | ShardReply::Count { id, .. }
            | ShardReply::Histogram { id, .. }
            | ShardReply::Facets { id, .. }
            | ShardReply::Placeholders { id, .. }
            | ShardReply::Mined { id }
            | ShardReply::FilteredRows { id, .. }
            | ShardReply::Details { id, .. }
            | ShardReply::Investigated { id, .. }
            | ShardReply::Failed { id, .. } => *id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_messages_round_trip_with_large_times() {
        let request = ShardRequest::Commit {
            id: 3,
            ids: vec![0, 2],
            offsets_ns: vec![0, -1_500_000_000],
            case_span: (Some(1_783_069_200_000_000_001), None),
        };
        let json = serde_json::to_string(&request).unwrap();
        assert_eq!(
            serde_json::from_str::<ShardRequest>(&json).unwrap(),
            request
        );
        let reply = ShardReply::Count {
            id: 9,
            matched: 12,
            span: Some((1_783_069_200_000_000_001, 1_783_069_260_000_000_000)),
        };
        let json = serde_json::to_string(&reply).unwrap();
        let back: ShardReply = serde_json::from_str(&json).unwrap();
        assert_eq!(back.id(), 9);
        assert_eq!(back, reply);
    }

    #[test]
    fn a_zone_change_and_its_answer_round_trip_with_the_new_report() {
        let request = ShardRequest::SetZone {
            id: 4,
            source: "bundle.zip!/logs/syslog".into(),
            zone: "Asia/Tokyo".into(),
        };
        let json = serde_json::to_string(&request).unwrap();
        assert_eq!(
            serde_json::from_str::<ShardRequest>(&json).unwrap(),
            request
        );
        let reply = ShardReply::Rezoned {
            id: 4,
            sources: vec![RezonedSource {
                id: 3,
                facts: SourceFacts {
                    name: "bundle.zip!/logs/syslog".into(),
                    first_ts: Some(1_783_036_806_000_000_001),
                    last_ts: Some(1_783_051_187_000_000_000),
                    events: 955,
                    bytes: 68_000,
                    zone: "Asia/Tokyo".into(),
                    summary: 0,
                },
                report: FileSummary {
                    path: "bundle.zip!/logs/syslog".into(),
                    format: "syslog".into(),
                    events: 955,
                    first_ts: Some("2026-07-03T00:00:06Z".into()),
                    last_ts: Some("2026-07-03T03:59:47Z".into()),
                    unparsed_lines: 0,
                    bytes: 68_000,
                    error: None,
                },
            }],
            cancelled: false,
        };
        let json = serde_json::to_string(&reply).unwrap();
        let back: ShardReply = serde_json::from_str(&json).unwrap();
        assert_eq!(back.id(), 4);
        assert_eq!(back, reply);
    }
}
