//! Following an id: every event in every file that carries it, as one story in timeline order with the
//! time between steps; and, for any one event, the ids that relate it to others ("related by").

use serde::{Deserialize, Serialize};

use super::ids::{ids_of, IdIndex, IdKind};
use super::{secs, sort_time, EventRef, Offsets, Part};
use crate::engine::store::{SourceData, SourceId};
use crate::engine::timeline::EventId;

/// Upper bound on steps returned for one id (an id on every line of a big file is not a story).
pub const MAX_STEPS: usize = 10_000;

/// One step of a story.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    #[serde(flatten)]
    pub event: EventRef,
    /// Seconds since the previous step that had a time (null for the first, or without times).
    pub since_previous_s: Option<f64>,
    /// Seconds since the first step that had a time.
    pub since_first_s: Option<f64>,
}

/// How many events of one source carry an id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCount {
    pub source: SourceId,
    pub path: String,
    pub events: u64,
}

/// An id's story across files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Story {
    pub id: String,
    /// All events carrying the id, in timeline order (at most [`MAX_STEPS`]).
    pub steps: Vec<Step>,
    /// Events per source, in source order.
    pub sources: Vec<SourceCount>,
    /// Events carrying the id in all (may exceed `steps.len()`).
    pub total_events: u64,
    /// Seconds from the first to the last timed step.
    pub span_s: Option<f64>,
}

/// What one part of the case knows of an id's story: its steps (at most [`MAX_STEPS`], each with the
/// time it sorts by), its events per source and how many there are.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FollowPart {
    pub steps: Vec<(Option<i64>, EventRef)>,
    pub sources: Vec<SourceCount>,
    pub total_events: u64,
}

/// Counts of `events` (in source then event order) per source, sources named case-wide.
fn per_source(part: &Part<'_>, events: &[EventId]) -> Vec<SourceCount> {
    let mut out: Vec<SourceCount> = Vec::new();
    let mut last: Option<SourceId> = None;
    for id in events {
        match out.last_mut() {
            Some(c) if last == Some(id.source) => c.events += 1,
            _ => out.push(SourceCount {
                source: part.id(id.source),
                path: part.name(id.source),
                events: 1,
            }),
        }
        last = Some(id.source);
    }
    out
}

/// The order of steps: time, then source, then position (untimed sources keep their own order).
fn step_order(t: Option<i64>, e: &EventRef) -> (i64, SourceId, u32) {
    (t.unwrap_or(i64::MIN), e.source, e.event)
}

/// The events of one part carrying `id` (`index` covers the part's sources).
pub fn follow_part(part: &Part<'_>, index: &IdIndex, id: &str) -> FollowPart {
    let events = index.events_with(part.sources, id.trim().as_bytes());
    let mut keyed: Vec<(Option<i64>, EventId)> = events
        .iter()
        .map(|e| (sort_time(part.sources, part.offsets, *e), *e))
        .collect();
    keyed.sort_by_key(|(t, e)| (t.unwrap_or(i64::MIN), part.id(e.source), e.event));
    FollowPart {
        steps: keyed
            .iter()
            .take(MAX_STEPS)
            .map(|(t, e)| (*t, part.event_ref(*e)))
            .collect(),
        sources: per_source(part, &events),
        total_events: events.len() as u64,
    }
}

/// One story from the parts of every group of sources: steps in timeline order with their gaps.
pub fn merge_follow(id: &str, parts: Vec<FollowPart>) -> Story {
    let mut keyed: Vec<(Option<i64>, EventRef)> = Vec::new();
    let mut counts: Vec<SourceCount> = Vec::new();
    let mut total_events = 0;
    for part in parts {
        keyed.extend(part.steps);
        counts.extend(part.sources);
        total_events += part.total_events;
    }
    keyed.sort_by_key(|(t, e)| step_order(*t, e));
    counts.sort_by_key(|c| c.source);
    let mut steps = Vec::with_capacity(keyed.len().min(MAX_STEPS));
    let (mut first, mut prev): (Option<i64>, Option<i64>) = (None, None);
    for (_, event) in keyed.into_iter().take(MAX_STEPS) {
        let t = event.ts_ns;
        let since_previous_s = t.zip(prev).map(|(t, p)| secs(t - p));
        let since_first_s = t.zip(first).map(|(t, f)| secs(t - f));
        if t.is_some() {
            prev = t;
            first = first.or(t);
        }
        steps.push(Step {
            event,
            since_previous_s,
            since_first_s,
        });
    }
    let span_s = first.zip(prev).map(|(f, l)| secs(l - f));
    Story {
        id: id.trim().to_string(),
        steps,
        sources: counts,
        total_events,
        span_s,
    }
}

/// Every event carrying `id`, ordered as on the (offset-adjusted) timeline.
pub fn follow(sources: &[SourceData], index: &IdIndex, offsets: &Offsets, id: &str) -> Story {
    merge_follow(
        id,
        vec![follow_part(&Part::whole(sources, offsets), index, id)],
    )
}

/// One id of an event and who else carries it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    pub id: String,
    pub kind: IdKind,
    /// The key it was the value of (`request_id`), when it had one.
    pub key: Option<String>,
    /// Events carrying it, this one included.
    pub events: u64,
    /// Those events per source, in source order.
    pub sources: Vec<SourceCount>,
}

/// One id of an event, before counting who else carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventIdOf {
    pub id: String,
    pub kind: IdKind,
    pub key: Option<String>,
}

/// The ids of one event of a part (`event` names the source within the part).
pub fn event_ids(part: &Part<'_>, event: EventId) -> Vec<EventIdOf> {
    let Some(source) = part.sources.get(event.source as usize) else {
        return Vec::new();
    };
    ids_of(source.text(event.event as usize))
        .into_iter()
        .map(|hit| EventIdOf {
            id: String::from_utf8_lossy(hit.value).into_owned(),
            kind: hit.kind,
            key: hit.key.map(|k| String::from_utf8_lossy(k).into_owned()),
        })
        .collect()
}

/// For each of `ids`, how many events of each source of the part carry it (by hash, unconfirmed).
pub fn id_counts(part: &Part<'_>, index: &IdIndex, ids: &[String]) -> Vec<Vec<SourceCount>> {
    ids.iter()
        .map(|id| {
            index
                .count_by_source(id.as_bytes())
                .into_iter()
                .map(|(s, n)| SourceCount {
                    source: part.id(s),
                    path: part.name(s),
                    events: n as u64,
                })
                .collect()
        })
        .collect()
}

/// The relations of an event from its ids and every part's counts of them (`counts[part][id]`): ids
/// shared with other events first (most sources, then most events), then the event's unshared ids.
pub fn merge_related(ids: Vec<EventIdOf>, counts: Vec<Vec<Vec<SourceCount>>>) -> Vec<Relation> {
    let mut out: Vec<Relation> = ids
        .into_iter()
        .enumerate()
        .map(|(i, of)| {
            let mut sources: Vec<SourceCount> = counts
                .iter()
                .filter_map(|part| part.get(i))
                .flatten()
                .cloned()
                .collect();
            sources.sort_by_key(|c| c.source);
            Relation {
                id: of.id,
                kind: of.kind,
                key: of.key,
                events: sources.iter().map(|c| c.events).sum(),
                sources,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (b.sources.len(), b.events)
            .cmp(&(a.sources.len(), a.events))
            .then_with(|| a.id.cmp(&b.id))
    });
    out
}

/// The ids of one event and, for each, how many events in which sources share it (see
/// [`merge_related`]).
pub fn related_by(sources: &[SourceData], index: &IdIndex, event: EventId) -> Vec<Relation> {
    let offsets = Offsets::default();
    let part = Part::whole(sources, &offsets);
    let ids = event_ids(&part, event);
    let values: Vec<String> = ids.iter().map(|i| i.id.clone()).collect();
    let counts = id_counts(&part, index, &values);
    merge_related(ids, vec![counts])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};

    fn sources() -> Vec<SourceData> {
        vec![
            ingest_bytes(
                "app.jsonl",
                br#"{"ts":"2026-07-03T09:00:00.500Z","level":"info","msg":"start","request_id":"aa11bb22cc33"}
{"ts":"2026-07-03T09:00:01.000Z","level":"info","msg":"other","request_id":"ffff0000eeee"}
{"ts":"2026-07-03T09:00:02.250Z","level":"error","msg":"failed","request_id":"aa11bb22cc33"}
"#,
                IngestOptions::default(),
            ),
            ingest_bytes(
                "lb.log",
                b"2026-07-03T09:00:01Z INFO GET /pay req_id=aa11bb22cc33 status=200\n",
                IngestOptions::default(),
            ),
        ]
    }

    #[test]
    fn a_story_crosses_files_in_time_order_with_gaps() {
        let sources = sources();
        let index = IdIndex::build(&sources);
        let story = follow(&sources, &index, &Offsets::zero(2), "AA11BB22CC33");
        let order: Vec<(u16, u32)> = story
            .steps
            .iter()
            .map(|s| (s.event.source, s.event.event))
            .collect();
        assert_eq!(order, vec![(0, 0), (1, 0), (0, 2)]);
        let gaps: Vec<Option<f64>> = story.steps.iter().map(|s| s.since_previous_s).collect();
        assert_eq!(gaps, vec![None, Some(0.5), Some(1.25)]);
        assert_eq!(story.span_s, Some(1.75));
        assert_eq!(story.total_events, 3);
        assert_eq!(
            story
                .sources
                .iter()
                .map(|c| (c.path.as_str(), c.events))
                .collect::<Vec<_>>(),
            vec![("app.jsonl", 2), ("lb.log", 1)]
        );
        // With the balancer's clock set 2 s ahead, its step moves before the app's first.
        let mut offsets = Offsets::zero(2);
        offsets.set(1, 2_000_000_000);
        let story = follow(&sources, &index, &offsets, "aa11bb22cc33");
        assert_eq!(story.steps[0].event.path, "lb.log");
        assert_eq!(
            story.steps[0].event.ts.as_deref(),
            Some("2026-07-03T08:59:59Z")
        );
    }

    #[test]
    fn related_by_lists_shared_ids_first() {
        let sources = sources();
        let index = IdIndex::build(&sources);
        let rel = related_by(
            &sources,
            &index,
            EventId {
                source: 1,
                event: 0,
            },
        );
        assert_eq!(rel.len(), 1);
        assert_eq!(rel[0].id, "aa11bb22cc33");
        assert_eq!(rel[0].key.as_deref(), Some("req_id"));
        assert_eq!(rel[0].events, 3);
        assert_eq!(rel[0].sources.len(), 2);
        let unknown = follow(&sources, &index, &Offsets::zero(2), "nothing-here-123456");
        assert!(unknown.steps.is_empty() && unknown.sources.is_empty());
    }
}
