//! Context: what every source logged within ±N seconds of a moment or of a chosen event, in timeline
//! order, with the chosen event marked.
//!
//! The window is found by binary search on the merged timeline, so it costs O(log n + window). The
//! timeline must have been built with the same [`Offsets`] that are passed here (see
//! [`super::skew::adjusted_timeline`]), so that its order and the adjusted times agree.

use serde::{Deserialize, Serialize};

use super::follow::SourceCount;
use super::{secs, sort_time, EventRef, Offsets, Part};
use crate::engine::store::{SourceData, SourceId};
use crate::engine::time::{format_rfc3339, NANOS_PER_SEC};
use crate::engine::timeline::{EventId, Timeline};

/// Events returned at most; a busier window is cut around the marked event (`truncated`).
pub const DEFAULT_LIMIT: usize = 2_000;

/// One event in a context window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContextEvent {
    #[serde(flatten)]
    pub event: EventRef,
    /// Seconds from the centre of the window (negative: before).
    pub from_centre_s: Option<f64>,
    /// The chosen event (or, for a moment, the event nearest to it).
    pub marked: bool,
}

/// Everything logged around one moment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// The centre, RFC 3339 UTC.
    pub at: String,
    pub at_ns: i64,
    /// Half-width of the window in seconds.
    pub seconds: f64,
    /// Events in timeline order (at most the limit).
    pub events: Vec<ContextEvent>,
    /// Events in the whole window, per source (all sources that logged in it, in source order).
    pub sources: Vec<SourceCount>,
    /// Events in the whole window.
    pub total_events: u64,
    /// Whether `events` was cut to the limit.
    pub truncated: bool,
}

fn key(sources: &[SourceData], timeline: &Timeline, offsets: &Offsets, pos: usize) -> i64 {
    timeline
        .get(pos, false)
        .and_then(|id| sort_time(sources, offsets, id))
        .unwrap_or(i64::MIN)
}

/// First timeline position whose time is at least `t`.
fn lower_bound(sources: &[SourceData], timeline: &Timeline, offsets: &Offsets, t: i64) -> usize {
    let (mut lo, mut hi) = (0, timeline.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if key(sources, timeline, offsets, mid) < t {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Where an event sits in the merged timeline: its sort time, case-wide source and number. The merged
/// timeline is ordered by exactly this (a source's events with equal times keep their order).
pub type OrderKey = (i64, SourceId, u32);

/// What one part of the case logged in a window: the events of the window nearest the pivot (at
/// most `limit` before it and `limit` from it on, in timeline order with their [`OrderKey`]s), how
/// many earlier events of the window were left out, and the counts of the whole window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContextPart {
    pub events: Vec<(OrderKey, EventRef)>,
    /// Events of the window before `events[0]` that were left out.
    pub skipped_before: u64,
    /// Events in the whole window, per source (case-wide, in source order).
    pub sources: Vec<SourceCount>,
}

/// The half-width of a window in ns.
fn half_ns(seconds: f64) -> i64 {
    (seconds.max(0.0) * NANOS_PER_SEC as f64) as i64
}

/// The events of one part within ±`seconds` of `at_ns`, at most `limit` either side of `pivot` (the
/// marked event's key, or the moment's). `timeline` is the part's merged timeline.
pub fn context_part(
    part: &Part<'_>,
    timeline: &Timeline,
    at_ns: i64,
    seconds: f64,
    pivot: OrderKey,
    limit: usize,
) -> ContextPart {
    let (sources, offsets) = (part.sources, part.offsets);
    let half = half_ns(seconds);
    let lo = lower_bound(sources, timeline, offsets, at_ns.saturating_sub(half));
    let hi = lower_bound(
        sources,
        timeline,
        offsets,
        at_ns.saturating_add(half).saturating_add(1),
    );
    let keyed: Vec<(OrderKey, EventId)> = (lo..hi)
        .filter_map(|p| timeline.get(p, false))
        .map(|id| {
            let t = sort_time(sources, offsets, id).unwrap_or(i64::MIN);
            ((t, part.id(id.source), id.event), id)
        })
        .collect();
    let mut counts: Vec<u64> = vec![0; sources.len()];
    for (_, id) in &keyed {
        if let Some(c) = counts.get_mut(id.source as usize) {
            *c += 1;
        }
    }
    let split = keyed.partition_point(|(k, _)| *k < pivot);
    let from = split.saturating_sub(limit);
    let to = split.saturating_add(limit).min(keyed.len());
    ContextPart {
        events: keyed[from..to]
            .iter()
            .map(|(k, id)| (*k, part.event_ref(*id)))
            .collect(),
        skipped_before: from as u64,
        sources: counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(s, n)| SourceCount {
                source: part.id(s as SourceId),
                path: part.name(s as SourceId),
                events: *n,
            })
            .collect(),
    }
}

/// The context from every part's: `chosen` (case-wide) is marked, else the event nearest `at_ns`.
pub fn merge_context(
    at_ns: i64,
    seconds: f64,
    chosen: Option<EventId>,
    limit: usize,
    parts: Vec<ContextPart>,
) -> Context {
    let mut near: Vec<(OrderKey, EventRef)> = Vec::new();
    let mut counts: Vec<SourceCount> = Vec::new();
    let mut skipped = 0u64;
    for part in parts {
        near.extend(part.events);
        counts.extend(part.sources);
        skipped += part.skipped_before;
    }
    near.sort_by_key(|(k, _)| *k);
    counts.sort_by_key(|c| c.source);
    let total = counts.iter().map(|c| c.events).sum::<u64>() as usize;
    let skipped = skipped as usize;
    let marked = match chosen {
        Some(c) => near
            .iter()
            .position(|(_, e)| e.source == c.source && e.event == c.event),
        None => near
            .iter()
            .enumerate()
            .min_by_key(|(_, (k, _))| {
                if k.0 == i64::MIN {
                    i64::MAX
                } else {
                    (k.0 - at_ns).abs()
                }
            })
            .map(|(i, _)| i),
    }
    .map(|i| i + skipped);
    let truncated = total > limit;
    let (from, to) = if truncated {
        let centre = marked.unwrap_or(total / 2);
        let from = centre.saturating_sub(limit / 2).min(total - limit);
        (from, from + limit)
    } else {
        (0, total)
    };
    // Positions in the whole window, shifted to the events the parts sent (which cover `from..to`).
    let (a, b) = (
        from.saturating_sub(skipped).min(near.len()),
        to.saturating_sub(skipped).min(near.len()),
    );
    let events = near
        .drain(a..b)
        .enumerate()
        .map(|(i, (_, event))| ContextEvent {
            from_centre_s: event.ts_ns.map(|t| secs(t - at_ns)),
            marked: Some(skipped + a + i) == marked,
            event,
        })
        .collect();
    Context {
        at: format_rfc3339(at_ns),
        at_ns,
        seconds,
        events,
        sources: counts,
        total_events: total as u64,
        truncated,
    }
}

/// What every source logged within ±`seconds` of the instant `at_ns` (adjusted time); the event
/// nearest to it is marked.
pub fn around_time(
    sources: &[SourceData],
    timeline: &Timeline,
    offsets: &Offsets,
    at_ns: i64,
    seconds: f64,
    limit: usize,
) -> Context {
    let part = Part::whole(sources, offsets);
    let pivot = (at_ns, 0, 0);
    let near = context_part(&part, timeline, at_ns, seconds, pivot, limit);
    merge_context(at_ns, seconds, None, limit, vec![near])
}

/// The key `event` (of the part) sorts by, its moment being the centre of its context.
pub fn event_key(part: &Part<'_>, event: EventId) -> OrderKey {
    let t = sort_time(part.sources, part.offsets, event).unwrap_or(0);
    (t, part.id(event.source), event.event)
}

/// What every source logged within ±`seconds` of `event`, which is marked.
pub fn around_event(
    sources: &[SourceData],
    timeline: &Timeline,
    offsets: &Offsets,
    event: EventId,
    seconds: f64,
    limit: usize,
) -> Context {
    let part = Part::whole(sources, offsets);
    let pivot = event_key(&part, event);
    let near = context_part(&part, timeline, pivot.0, seconds, pivot, limit);
    merge_context(pivot.0, seconds, Some(event), limit, vec![near])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};

    fn sources() -> Vec<SourceData> {
        let mut a = String::new();
        let mut b = String::new();
        for s in 0..60 {
            a.push_str(&format!("2026-07-03T09:00:{s:02}Z INFO a{s}\n"));
            if s % 3 == 0 {
                b.push_str(&format!("2026-07-03T09:00:{s:02}.500Z WARN b{s}\n"));
            }
        }
        vec![
            ingest_bytes("a.log", a.as_bytes(), IngestOptions::default()),
            ingest_bytes("b.log", b.as_bytes(), IngestOptions::default()),
        ]
    }

    #[test]
    fn window_holds_every_source_in_time_order_with_the_event_marked() {
        let sources = sources();
        let timeline = Timeline::build(&sources);
        let offsets = Offsets::zero(2);
        let chosen = EventId {
            source: 1,
            event: 10,
        }; // b30 at 09:00:30.5
        let cx = around_event(&sources, &timeline, &offsets, chosen, 2.0, DEFAULT_LIMIT);
        let texts: Vec<&str> = cx.events.iter().map(|e| e.event.text.as_str()).collect();
        assert_eq!(
            texts.iter().map(|t| &t[t.len() - 3..]).collect::<Vec<_>>(),
            vec!["a29", "a30", "b30", "a31", "a32"]
        );
        assert_eq!(cx.events.iter().filter(|e| e.marked).count(), 1);
        assert!(cx.events[2].marked);
        assert_eq!(cx.sources.len(), 2);
        let times: Vec<i64> = cx.events.iter().filter_map(|e| e.event.ts_ns).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        // Cut to a limit, the window stays centred on the marked event.
        let cut = around_event(&sources, &timeline, &offsets, chosen, 20.0, 5);
        assert!(cut.truncated && cut.events.len() == 5 && cut.events[2].marked);
        assert!(cut.total_events > 5);
    }

    #[test]
    fn a_moment_marks_the_nearest_event_and_respects_offsets() {
        let sources = sources();
        let mut offsets = Offsets::zero(2);
        offsets.set(1, 10 * NANOS_PER_SEC);
        let timeline = crate::engine::correlate::skew::adjusted_timeline(&sources, &offsets);
        let at = sources[0].ts(11).unwrap_or(0) + 400_000_000; // 09:00:11.4
        let cx = around_time(&sources, &timeline, &offsets, at, 1.0, DEFAULT_LIMIT);
        let texts: Vec<(&str, bool)> = cx
            .events
            .iter()
            .map(|e| (e.event.text.as_str(), e.marked))
            .collect();
        // b21, written at 09:00:21.5, is at 09:00:11.5 once its 10 s offset is taken off.
        assert_eq!(
            texts,
            vec![
                ("2026-07-03T09:00:11Z INFO a11", false),
                ("2026-07-03T09:00:21.500Z WARN b21", true),
                ("2026-07-03T09:00:12Z INFO a12", false)
            ]
        );
    }
}
