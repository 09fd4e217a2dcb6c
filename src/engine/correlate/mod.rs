//! Correlation: the links between events of different files, what else happened at a moment, clock
//! differences between hosts, and what changed between two stretches of time.
//!
//! Everything here works over the loaded sources (`&[SourceData]`) and the merged
//! [`Timeline`](crate::engine::timeline::Timeline), needs no configuration, and returns plain
//! serialisable results (for the CLI and the worker protocol).
//!
//! - [`ids`] recognises id-like values in raw event text and builds the id → events [`ids::IdIndex`];
//!   [`id_backlog`] builds it in steps, between a worker's queries.
//! - [`follow`] tells one id's story across files, and lists what links an event to others.
//! - [`context`] shows what every source logged within ±N seconds of a moment or an event.
//! - [`skew`] estimates each source's clock offset from the ids it shares with others, and applies
//!   offsets (estimated or set by hand) to times and to the merged timeline.
//! - [`changes`] compares two time windows: message shapes, field values, levels and sources ranked by
//!   how much their rate changed, with a plain-words headline each.
//! - [`spikes`] marks stretches of a histogram where errors or a message shape leave their baseline.
//!
//! Times shown by this module are as-written instants minus the source's [`Offsets`] (zero unless the
//! user applied an estimate or set one).
//!
//! Split in parts: a case may be held by several workers, each with some of its sources. Every answer is
//! therefore computed as PARTS, one per group of sources ([`Part`]: the sources, their case-wide ids
//! and offsets), and a MERGE of the parts (each module's `merge_…`); the one-worker answer is one part
//! over every source and the same merge, so there is one copy of each algorithm. Parts are serialisable
//! so shard workers can send them to the worker that merges.

pub mod changes;
pub mod context;
pub mod follow;
pub mod id_backlog;
pub mod ids;
pub mod shape;
pub mod skew;
pub mod spikes;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::level::Level;
use super::store::{SourceData, SourceId};
use super::time::format_rfc3339;
use super::timeline::EventId;

/// Per-source clock offsets in nanoseconds: how far each source's clock runs ahead of the reference.
/// An event's adjusted time is its written time minus its source's offset.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offsets {
    ns: Vec<i64>,
}

impl Offsets {
    /// No offsets for `sources` sources.
    pub fn zero(sources: usize) -> Self {
        Offsets {
            ns: vec![0; sources],
        }
    }

    /// From one offset per source, in nanoseconds.
    pub fn from_ns(ns: Vec<i64>) -> Self {
        Offsets { ns }
    }

    /// The offset of `source` (zero for sources not covered).
    pub fn get(&self, source: SourceId) -> i64 {
        self.ns.get(source as usize).copied().unwrap_or(0)
    }

    /// Sets one source's offset (by hand or from an estimate), growing the table when needed.
    pub fn set(&mut self, source: SourceId, offset_ns: i64) {
        let i = source as usize;
        if self.ns.len() <= i {
            self.ns.resize(i + 1, 0);
        }
        self.ns[i] = offset_ns;
    }

    pub fn as_ns(&self) -> &[i64] {
        &self.ns
    }

    pub fn is_zero(&self) -> bool {
        self.ns.iter().all(|o| *o == 0)
    }
}

/// The sources one part of an answer is computed over: some of the case's sources (all of them for the
/// one-worker case), their case-wide ids and their clock offsets (both indexed like `sources`).
///
/// Event ids given to and returned by part functions name sources by their index in `sources`; results
/// (event references, counts, series) name them by their case-wide id.
#[derive(Clone, Debug)]
pub struct Part<'a> {
    pub sources: &'a [SourceData],
    /// Case-wide id of each source.
    pub ids: Cow<'a, [SourceId]>,
    /// Offsets of each source (index = position in `sources`).
    pub offsets: &'a Offsets,
}

impl<'a> Part<'a> {
    /// A part holding every source of a case (case-wide id = index).
    pub fn whole(sources: &'a [SourceData], offsets: &'a Offsets) -> Self {
        Part {
            sources,
            ids: Cow::Owned((0..sources.len()).map(|s| s as SourceId).collect()),
            offsets,
        }
    }

    /// The case-wide id of the part's source `local`.
    pub fn id(&self, local: SourceId) -> SourceId {
        self.ids.get(local as usize).copied().unwrap_or(local)
    }

    /// The offset of the part's source `local`, in ns.
    pub fn offset(&self, local: SourceId) -> i64 {
        self.offsets.get(local)
    }

    /// The name of the part's source `local`.
    pub fn name(&self, local: SourceId) -> String {
        self.sources
            .get(local as usize)
            .map(|s| s.info.name.clone())
            .unwrap_or_default()
    }

    /// An event of the part as shown in results, naming its source case-wide.
    pub fn event_ref(&self, local: EventId) -> EventRef {
        EventRef {
            source: self.id(local.source),
            ..EventRef::new(self.sources, self.offsets, local)
        }
    }
}

/// The case's time range with offsets applied, `[first, last]`, from each source's first and last
/// written instants and its offset.
pub fn adjusted_span(
    sources: impl IntoIterator<Item = (Option<i64>, Option<i64>, i64)>,
) -> Option<(i64, i64)> {
    let (mut from, mut to): (Option<i64>, Option<i64>) = (None, None);
    for (first, last, offset) in sources {
        if let Some(f) = first.map(|t| t.saturating_sub(offset)) {
            from = Some(from.map_or(f, |x| x.min(f)));
        }
        if let Some(l) = last.map(|t| t.saturating_sub(offset)) {
            to = Some(to.map_or(l, |x| x.max(l)));
        }
    }
    Some((from?, to?))
}

/// [`adjusted_span`] of loaded sources.
pub fn sources_span(sources: &[SourceData], offsets: &Offsets) -> Option<(i64, i64)> {
    adjusted_span(
        sources
            .iter()
            .enumerate()
            .map(|(s, d)| (d.info.first_ts, d.info.last_ts, offsets.get(s as SourceId))),
    )
}

/// The adjusted time of an event, or `None` when it has no time of its own.
pub fn event_time(sources: &[SourceData], offsets: &Offsets, id: EventId) -> Option<i64> {
    let source = sources.get(id.source as usize)?;
    source
        .ts(id.event as usize)
        .map(|t| t.saturating_sub(offsets.get(id.source)))
}

/// The time an event sorts by: its own, else the nearest earlier one in its source, else the source's
/// first (as in the merged timeline).
pub fn sort_time(sources: &[SourceData], offsets: &Offsets, id: EventId) -> Option<i64> {
    let source = sources.get(id.source as usize)?;
    let own = (0..=id.event as usize)
        .rev()
        .take(10_000)
        .find_map(|e| source.ts(e));
    own.or_else(|| (0..source.len()).find_map(|e| source.ts(e)))
        .map(|t| t.saturating_sub(offsets.get(id.source)))
}

/// One event as shown in results: where it is, when, how severe, and its text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventRef {
    /// Index of the source among the loaded sources.
    pub source: SourceId,
    /// The source's name (the path as given).
    pub path: String,
    /// The event's number within its source, from 0.
    pub event: u32,
    /// Adjusted time, RFC 3339 UTC, or null.
    pub ts: Option<String>,
    /// Adjusted time in ns since the epoch, or null.
    pub ts_ns: Option<i64>,
    pub level: Level,
    /// The event's text (all its lines), invalid UTF-8 replaced.
    pub text: String,
}

impl EventRef {
    pub fn new(sources: &[SourceData], offsets: &Offsets, id: EventId) -> Self {
        let source = sources.get(id.source as usize);
        let ts_ns = event_time(sources, offsets, id);
        EventRef {
            source: id.source,
            path: source.map(|s| s.info.name.clone()).unwrap_or_default(),
            event: id.event,
            ts: ts_ns.map(format_rfc3339),
            ts_ns,
            level: source.map_or(Level::None, |s| s.level(id.event as usize)),
            text: source
                .map(|s| String::from_utf8_lossy(s.text(id.event as usize)).into_owned())
                .unwrap_or_default(),
        }
    }

    pub fn id(&self) -> EventId {
        EventId {
            source: self.source,
            event: self.event,
        }
    }
}

/// Seconds between two instants in ns, as a float.
pub(crate) fn secs(ns: i64) -> f64 {
    ns as f64 / 1e9
}

#[cfg(test)]
mod split_tests;
