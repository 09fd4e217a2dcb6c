//! What changed between two time windows: message shapes (templates), field values, levels and sources
//! ranked by how much their rate changed, with a plain-words headline each.
//!
//! Every event of every source whose (offset-adjusted) time falls in the window "after" or the window
//! "before" (by default the same length just before "after") is counted under: its source, its level,
//! its message group (the pattern miner's template once merged; until then [`super::shape`]) and its
//! categorical field values. Fields with more than [`MAX_VALUES_PER_FIELD`] values in a source are not
//! categories (amounts, counters) and are left out.
//!
//! Each item gets a score, the Poisson z-score of its change: `(a − b·L) / √(a + b·L² + 1)` for `a`
//! events after, `b` before and window length ratio `L`. The list is: new items first (none before),
//! taking turns between sources so that one chatty file's many new messages cannot hide a quiet file's
//! single critical line, each source's new items by severity (the most severe level among their
//! events), then count; then increases by score; then vanished
//! items; then decreases. Items whose change is not significant (|z| < 3; vanished with fewer than 3
//! expected) are left out.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::shape::{shape_group, FieldReader, MessageGroup};
use super::spikes::{strongest, SpikeReport};
use super::{secs, Offsets, Part};
use crate::engine::level::Level;
use crate::engine::redact::{is_secret_name, redact, REDACTED};
use crate::engine::store::{SourceData, SourceId};
use crate::engine::time::{format_rfc3339, Zone, NANOS_PER_SEC};

/// Distinct values above which a field is not a category.
pub const MAX_VALUES_PER_FIELD: usize = 40;
/// Distinct message groups counted per source (more are not counted).
const MAX_GROUPS_PER_SOURCE: usize = 20_000;
/// |z| below which a change is not reported.
const MIN_SCORE: f64 = 3.0;
/// Buckets of the "after" window used to find when an increase began.
const ONSET_BUCKETS: usize = 60;

/// A half-open time window `[from_ns, to_ns)` of adjusted instants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub from_ns: i64,
    pub to_ns: i64,
}

impl Window {
    pub fn new(from_ns: i64, to_ns: i64) -> Self {
        Window {
            from_ns: from_ns.min(to_ns),
            to_ns: from_ns.max(to_ns),
        }
    }

    /// The window of the same length just before this one.
    pub fn just_before(&self) -> Window {
        let len = self.to_ns - self.from_ns;
        Window::new(self.from_ns - len, self.from_ns)
    }

    pub fn contains(&self, t: i64) -> bool {
        self.from_ns <= t && t < self.to_ns
    }

    pub fn minutes(&self) -> f64 {
        secs(self.to_ns - self.from_ns) / 60.0
    }
}

/// A window as reported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowOut {
    pub from: String,
    pub to: String,
    pub from_ns: i64,
    pub to_ns: i64,
    pub minutes: f64,
}

impl From<Window> for WindowOut {
    fn from(w: Window) -> Self {
        WindowOut {
            from: format_rfc3339(w.from_ns),
            to: format_rfc3339(w.to_ns),
            from_ns: w.from_ns,
            to_ns: w.to_ns,
            minutes: round(w.minutes(), 3),
        }
    }
}

/// What an item counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A message group (template or shape).
    Template,
    /// One value of a field.
    Field,
    /// Events of one level.
    Level,
    /// All events of a source.
    Source,
}

/// How an item changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    New,
    Up,
    Vanished,
    Down,
}

/// One ranked change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeItem {
    pub kind: ItemKind,
    /// The field name for fields, `level` for levels, null otherwise.
    pub name: Option<String>,
    /// The template or shape, the field value, the level, or the source's name.
    pub value: String,
    /// One message of the group, as written (templates only).
    pub example: Option<String>,
    pub source: SourceId,
    pub path: String,
    pub change: Direction,
    /// The most severe level among its events.
    pub level: Level,
    pub before_count: u64,
    pub after_count: u64,
    pub before_per_min: f64,
    pub after_per_min: f64,
    pub score: f64,
    /// When it began: the first occurrence (new) or the first stretch clearly above the old rate.
    pub onset: Option<String>,
    pub headline: String,
}

/// The comparison of two windows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    pub after: WindowOut,
    pub before: WindowOut,
    pub items: Vec<ChangeItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    source: SourceId,
    kind: ItemKind,
    name: Option<String>,
    value: String,
}

#[derive(Debug, Default)]
struct Tally {
    before: u64,
    after: u64,
    /// First occurrence in "after": (time, event) for ordering, and its message.
    first_after: Option<(i64, u32)>,
    example: Option<String>,
    /// Whether every message of the group was the same text.
    uniform: bool,
    /// Counts per bucket of "after".
    buckets: Vec<u32>,
    /// The most severe level of its events.
    level: Level,
}

/// Counts one event under `key`: in "after" (with its bucket) or in "before".
fn bump(
    tallies: &mut HashMap<Key, Tally>,
    key: Key,
    msg: Option<&str>,
    bucket: Option<usize>,
    at: (i64, u32),
    level: Level,
) {
    let tally = tallies.entry(key).or_insert_with(|| Tally {
        uniform: true,
        ..Default::default()
    });
    tally.level = tally.level.max(level);
    if let Some(m) = msg {
        match &tally.example {
            None => tally.example = Some(m.to_string()),
            Some(x) if x != m => tally.uniform = false,
            Some(_) => {}
        }
    }
    match bucket {
        Some(b) => {
            tally.after += 1;
            if tally.first_after.is_none_or(|f| at < f) {
                tally.first_after = Some(at);
            }
            if tally.buckets.is_empty() {
                tally.buckets = vec![0; ONSET_BUCKETS];
            }
            if let Some(c) = tally.buckets.get_mut(b) {
                *c += 1;
            }
        }
        None => tally.before += 1,
    }
}

/// Compares `after` with `before` (default: the same length just before), grouping messages by shape.
pub fn compare(
    sources: &[SourceData],
    offsets: &Offsets,
    after: Window,
    before: Option<Window>,
) -> Changes {
    compare_with(sources, offsets, after, before, &shape_group)
}

/// Like [`compare`], with the message group of each event given by `group` (the pattern miner's
/// templates, say).
pub fn compare_with(
    sources: &[SourceData],
    offsets: &Offsets,
    after: Window,
    before: Option<Window>,
    group: &MessageGroup<'_>,
) -> Changes {
    compare_in(sources, offsets, after, before, group, &Zone::Utc)
}

/// Like [`compare_with`], with the headlines' clock times in `zone` (UTC by default, so the CLI's
/// output does not depend on where it runs).
pub fn compare_in(
    sources: &[SourceData],
    offsets: &Offsets,
    after: Window,
    before: Option<Window>,
    group: &MessageGroup<'_>,
    zone: &Zone,
) -> Changes {
    let before = before.unwrap_or_else(|| after.just_before());
    let part = changes_part(&Part::whole(sources, offsets), after, before, group, zone);
    merge_changes(after, before, vec![part])
}

/// The changed items of one part's sources, not ranked yet, each with its first occurrence in
/// "after" (for a stable order). Every item counts events of one source, so a part's items are
/// final; only the ranking needs all of them ([`merge_changes`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangesPart {
    pub items: Vec<(ChangeItem, (i64, u32))>,
}

/// The changes of one part between `before` and `after`; `group` is called with the part's own
/// source index; headlines tell clock times in `zone`.
pub fn changes_part(
    part: &Part<'_>,
    after: Window,
    before: Window,
    group: &MessageGroup<'_>,
    zone: &Zone,
) -> ChangesPart {
    let (sources, offsets) = (part.sources, part.offsets);
    let bucket_ns = ((after.to_ns - after.from_ns) / ONSET_BUCKETS as i64).max(1);
    let mut tallies: HashMap<Key, Tally> = HashMap::new();
    let mut field_values: HashMap<(SourceId, String), usize> = HashMap::new();
    let mut fields: Vec<(String, String)> = Vec::new();
    for (s, source) in sources.iter().enumerate() {
        let local = s as SourceId;
        let sid = part.id(local);
        let offset = offsets.get(local);
        let reader = FieldReader::new(source);
        let mut groups = 0usize;
        for (e, &raw) in source.ts_column().iter().enumerate() {
            if raw == crate::engine::store::NO_TIME {
                continue;
            }
            let t = raw.saturating_sub(offset);
            let in_after = after.contains(t);
            if !in_after && !before.contains(t) {
                continue;
            }
            let bucket = in_after.then(|| ((t - after.from_ns) / bucket_ns) as usize);
            let level = source.level(e);
            let count = |tallies: &mut HashMap<Key, Tally>, key: Key, msg: Option<&str>| {
                bump(tallies, key, msg, bucket, (t, e as u32), level);
            };
            count(
                &mut tallies,
                Key {
                    source: sid,
                    kind: ItemKind::Source,
                    name: None,
                    value: source.info.name.clone(),
                },
                None,
            );
            if level != Level::None {
                count(
                    &mut tallies,
                    Key {
                        source: sid,
                        kind: ItemKind::Level,
                        name: Some("level".into()),
                        value: level.as_str().into(),
                    },
                    None,
                );
            }
            if let Some((name, msg)) = group(local, source, e) {
                if groups < MAX_GROUPS_PER_SOURCE || msg.is_empty() {
                    let key = Key {
                        source: sid,
                        kind: ItemKind::Template,
                        name: None,
                        value: name,
                    };
                    if !tallies.contains_key(&key) {
                        groups += 1;
                    }
                    count(&mut tallies, key, Some(&msg));
                }
            }
            fields.clear();
            reader.fields(source, e, &mut fields);
            for (name, value) in fields.drain(..) {
                let distinct = field_values.entry((sid, name.clone())).or_insert(0);
                let key = Key {
                    source: sid,
                    kind: ItemKind::Field,
                    name: Some(name),
                    value,
                };
                if !tallies.contains_key(&key) {
                    // Past twice the limit the field is dropped anyway: stop growing the table.
                    if *distinct > 2 * MAX_VALUES_PER_FIELD {
                        continue;
                    }
                    *distinct += 1;
                }
                count(&mut tallies, key, None);
            }
        }
    }
    let len_ratio =
        (after.to_ns - after.from_ns) as f64 / (before.to_ns - before.from_ns).max(1) as f64;
    let (after_min, before_min) = (after.minutes().max(1e-9), before.minutes().max(1e-9));
    let bucket_min = secs(bucket_ns) / 60.0;
    let mut items: Vec<(ChangeItem, (i64, u32))> = Vec::new();
    for (key, tally) in tallies {
        if key.kind == ItemKind::Field
            && field_values
                .get(&(key.source, key.name.clone().unwrap_or_default()))
                .is_some_and(|n| *n > MAX_VALUES_PER_FIELD)
        {
            continue;
        }
        let (a, b) = (tally.after as f64, tally.before as f64);
        let z = (a - b * len_ratio) / (a + b * len_ratio * len_ratio + 1.0).sqrt();
        let change = if b == 0.0 && a > 0.0 {
            Direction::New
        } else if a == 0.0 && b * len_ratio >= 3.0 {
            Direction::Vanished
        } else if z >= MIN_SCORE {
            Direction::Up
        } else if z <= -MIN_SCORE {
            Direction::Down
        } else {
            continue;
        };
        let before_per_min = b / before_min;
        let after_per_min = a / after_min;
        let onset_ns = match change {
            Direction::New => tally.first_after.map(|f| f.0),
            Direction::Up => {
                let expected = before_per_min * bucket_min;
                let threshold = expected + 2.0 * expected.sqrt() + 1.0;
                // The first bucket that, with the next one, is clearly above the old rate.
                let above = |i: usize| tally.buckets.get(i).is_none_or(|c| *c as f64 > threshold);
                (0..tally.buckets.len())
                    .find(|i| above(*i) && above(i + 1))
                    .map(|i| after.from_ns + i as i64 * bucket_ns)
            }
            _ => None,
        };
        let path = part
            .ids
            .iter()
            .position(|id| *id == key.source)
            .map(|s| part.name(s as SourceId))
            .unwrap_or_default();
        // Sentences and examples are shown: obvious secrets in them are hidden.
        let example = (key.kind == ItemKind::Template)
            .then(|| tally.example.as_deref().map(redact))
            .flatten();
        let label = match key.kind {
            ItemKind::Template => match (&example, tally.uniform) {
                (Some(x), true) => format!("'{x}'"),
                _ => format!("'{}'", key.value),
            },
            ItemKind::Field => format!("{}={}", key.name.as_deref().unwrap_or(""), key.value),
            ItemKind::Level => format!("{} events", key.value),
            ItemKind::Source => "All events".into(),
        };
        let headline = redact(&headline(
            &label,
            change,
            (tally.before, tally.after),
            (before_per_min, after_per_min),
            onset_ns,
            &path,
            zone,
        ));
        // Values are shown too: message texts and field values are redacted like the sentences.
        let value = match (&key.kind, &key.name) {
            (ItemKind::Field, Some(name)) if is_secret_name(name) => REDACTED.to_string(),
            (ItemKind::Field | ItemKind::Template, _) => redact(&key.value),
            _ => key.value,
        };
        items.push((
            ChangeItem {
                kind: key.kind,
                name: key.name,
                value,
                example,
                source: key.source,
                path,
                change,
                level: tally.level,
                before_count: tally.before,
                after_count: tally.after,
                before_per_min: round(before_per_min, 3),
                after_per_min: round(after_per_min, 3),
                score: round(z, 2),
                onset: onset_ns.map(format_rfc3339),
                headline,
            },
            tally.first_after.unwrap_or((i64::MAX, u32::MAX)),
        ));
    }
    ChangesPart { items }
}

/// The comparison from every part's items, ranked.
pub fn merge_changes(after: Window, before: Window, parts: Vec<ChangesPart>) -> Changes {
    Changes {
        after: after.into(),
        before: before.into(),
        items: rank(parts.into_iter().flat_map(|p| p.items).collect()),
    }
}

/// The window "what changed" looks at when none is given: the strongest spike ([`strongest`]), else
/// the last tenth of `written`, the first and last written instants of the case.
pub fn default_window(spikes: &SpikeReport, written: Option<(i64, i64)>) -> Option<Window> {
    if let Some(spike) = strongest(spikes) {
        return Some(Window::new(spike.from_ns, spike.to_ns));
    }
    let (first, last) = written?;
    let len = ((last - first) / 10).max(1);
    Some(Window::new(last + 1 - len, last + 1))
}

/// New first (sources taking turns), then increases, vanished, decreases.
fn rank(mut items: Vec<(ChangeItem, (i64, u32))>) -> Vec<ChangeItem> {
    // A stable, total order first, so that equal scores come out the same on every run.
    items.sort_by(|(a, fa), (b, fb)| {
        b.level
            .cmp(&a.level)
            .then(b.after_count.cmp(&a.after_count))
            .then(fa.cmp(fb))
            .then(a.kind.cmp(&b.kind))
            .then(a.source.cmp(&b.source))
            .then(a.name.cmp(&b.name))
            .then(a.value.cmp(&b.value))
    });
    let mut by_source: Vec<Vec<ChangeItem>> = Vec::new();
    let mut rest: Vec<ChangeItem> = Vec::new();
    for (item, _) in items {
        if item.change == Direction::New {
            let s = item.source as usize;
            if by_source.len() <= s {
                by_source.resize_with(s + 1, Vec::new);
            }
            by_source[s].push(item);
        } else {
            rest.push(item);
        }
    }
    // Sources take turns, the source whose first new item is most severe, then strongest, first.
    let mut order: Vec<usize> = (0..by_source.len())
        .filter(|s| !by_source[*s].is_empty())
        .collect();
    order.sort_by(|a, b| {
        let (x, y) = (&by_source[*a][0], &by_source[*b][0]);
        y.level
            .cmp(&x.level)
            .then(y.score.total_cmp(&x.score))
            .then(a.cmp(b))
    });
    let mut out = Vec::new();
    let mut queues: Vec<std::vec::IntoIter<ChangeItem>> =
        by_source.into_iter().map(Vec::into_iter).collect();
    loop {
        let mut any = false;
        for s in &order {
            if let Some(item) = queues[*s].next() {
                out.push(item);
                any = true;
            }
        }
        if !any {
            break;
        }
    }
    let class = |d: Direction| match d {
        Direction::New => 0,
        Direction::Up => 1,
        Direction::Vanished => 2,
        Direction::Down => 3,
    };
    rest.sort_by(|a, b| {
        class(a.change)
            .cmp(&class(b.change))
            .then_with(|| match a.change {
                Direction::Up => b.score.total_cmp(&a.score),
                Direction::Vanished => b.before_count.cmp(&a.before_count),
                _ => a.score.total_cmp(&b.score),
            })
    });
    out.extend(rest);
    out
}

fn round(x: f64, places: i32) -> f64 {
    let p = 10f64.powi(places);
    (x * p).round() / p
}

/// A rate per minute in words: whole numbers from 10 up, else one or two decimals.
fn rate(r: f64) -> String {
    if r >= 10.0 {
        format!("{}", r.round() as u64)
    } else if r >= 1.0 || r == 0.0 {
        format!("{}", round(r, 1))
    } else {
        format!("{}", round(r, 2))
    }
}

/// `HH:MM` in `zone`.
fn clock(ns: i64, zone: &Zone) -> String {
    let secs = ns.div_euclid(NANOS_PER_SEC) + zone.offset_at(ns);
    let sod = secs.rem_euclid(86_400);
    format!("{:02}:{:02}", sod / 3600, (sod / 60) % 60)
}

fn times(n: u64) -> String {
    if n == 1 {
        "once".into()
    } else {
        format!("{n} times")
    }
}

fn headline(
    label: &str,
    change: Direction,
    (before, after): (u64, u64),
    (before_rate, after_rate): (f64, f64),
    onset: Option<i64>,
    path: &str,
    zone: &Zone,
) -> String {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let at = onset
        .map(|t| format!(" at {}", clock(t, zone)))
        .unwrap_or_default();
    match change {
        // A rate says more than a count only for several events over at least a minute.
        Direction::New if after >= 5 && after_rate >= 1.0 && after as f64 / after_rate >= 1.0 => {
            format!(
                "{label} went from 0 to {} per minute{at} in {file}",
                rate(after_rate)
            )
        }
        Direction::New => format!("{label} appeared ({}){at} in {file}", times(after)),
        Direction::Up => format!(
            "{label} went from {} to {} per minute{at} in {file}",
            rate(before_rate),
            rate(after_rate)
        ),
        Direction::Vanished => format!(
            "{label} stopped in {file} (was {} per minute, {} before)",
            rate(before_rate),
            times(before)
        ),
        Direction::Down => format!(
            "{label} fell from {} to {} per minute in {file}",
            rate(before_rate),
            rate(after_rate)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::{ingest_bytes, IngestOptions};

    /// An app that logs "handled" every 2 s for an hour; from minute 30 a timeout every 5 s and more
    /// errors; a quiet system log with one kill line at minute 40.
    fn incident() -> Vec<SourceData> {
        let mut app = String::new();
        for s in 0..3600 {
            let (m, sec) = (s / 60, s % 60);
            if s % 2 == 0 {
                let status = if s >= 1800 && s % 10 == 0 { 504 } else { 200 };
                app.push_str(&format!(
                    "{{\"ts\":\"2026-07-03T10:{m:02}:{sec:02}Z\",\"level\":\"info\",\"msg\":\"handled /api/v1/pay\",\"status\":{status}}}\n"
                ));
            }
            if s >= 1800 && s % 5 == 0 {
                app.push_str(&format!(
                    "{{\"ts\":\"2026-07-03T10:{m:02}:{sec:02}.5Z\",\"level\":\"error\",\"msg\":\"Connection timed out after 30 seconds\"}}\n"
                ));
            }
        }
        let mut sys = String::new();
        for m in (0..60).step_by(3) {
            sys.push_str(&format!(
                "Jul  3 10:{m:02}:07 gw-01 systemd[1]: Started Session {} of user deploy.\n",
                m * 37
            ));
        }
        sys.push_str(
            "Jul  3 10:40:09 gw-01 kernel: [ 42.0] Out of memory: Killed process 4242 (java)\n",
        );
        let opts = IngestOptions {
            modified_ns: Some(1_783_080_000 * NANOS_PER_SEC),
            ..Default::default()
        };
        vec![
            ingest_bytes("logs/app.jsonl", app.as_bytes(), opts.clone()),
            ingest_bytes("syslog", sys.as_bytes(), opts),
        ]
    }

    fn at(hh_mm: &str) -> i64 {
        let (h, m) = hh_mm.split_once(':').unwrap_or(("0", "0"));
        let (h, m): (i64, i64) = (h.parse().unwrap_or(0), m.parse().unwrap_or(0));
        1_783_036_800 * NANOS_PER_SEC + (h * 3600 + m * 60) * NANOS_PER_SEC
    }

    #[test]
    fn new_messages_and_values_come_first_with_headlines() {
        let sources = incident();
        let changes = compare(
            &sources,
            &Offsets::zero(2),
            Window::new(at("10:30"), at("11:00")),
            None,
        );
        assert_eq!(changes.before.from, "2026-07-03T10:00:00Z");
        let heads: Vec<&str> = changes.items.iter().map(|i| i.headline.as_str()).collect();
        // New items, the sources taking turns, then the error level's increase.
        assert_eq!(
            heads[..4],
            [
                "'Connection timed out after 30 seconds' went from 0 to 12 per minute at 10:30 in app.jsonl",
                "'gw-01 kernel: [ 42.0] Out of memory: Killed process 4242 (java)' appeared (once) at 10:40 in syslog",
                "error events went from 0 to 12 per minute at 10:30 in app.jsonl",
                "status=504 went from 0 to 6 per minute at 10:30 in app.jsonl",
            ]
        );
        assert!(changes.items[..4]
            .iter()
            .all(|i| i.change == Direction::New));
        let all = changes
            .items
            .iter()
            .find(|i| i.kind == ItemKind::Source && i.source == 0)
            .expect("the app's rate rose");
        assert_eq!(all.change, Direction::Up);
        assert_eq!(all.before_per_min, 30.0);
        assert_eq!(all.after_per_min, 42.0);
        assert_eq!(
            all.headline,
            "All events went from 30 to 42 per minute in app.jsonl"
        );
        // Successes fell from 30 to 24 per minute: significant over 30 minutes.
        let ok = changes
            .items
            .iter()
            .find(|i| i.value == "200")
            .expect("status=200 fell");
        assert_eq!(ok.change, Direction::Down);
        assert!(ok
            .headline
            .starts_with("status=200 fell from 30 to 24 per minute"));
    }

    #[test]
    fn headlines_tell_clock_times_in_the_zone_asked_for() {
        let sources = incident();
        let after = Window::new(
            1_783_072_800 * NANOS_PER_SEC, // 10:00
            1_783_076_400 * NANOS_PER_SEC, // 11:00
        );
        let before = Some(Window::new(
            after.from_ns - 3_600 * NANOS_PER_SEC,
            after.from_ns,
        ));
        let utc = compare(&sources, &Offsets::zero(2), after, before);
        let berlin = compare_in(
            &sources,
            &Offsets::zero(2),
            after,
            before,
            &shape_group,
            &Zone::parse("Europe/Berlin").unwrap(),
        );
        let line = |c: &Changes| {
            c.items
                .iter()
                .find(|i| i.headline.contains("timed out"))
                .map(|i| i.headline.clone())
                .unwrap()
        };
        // The timeouts begin at 10:30 UTC, 12:30 in Berlin in July; nothing else differs.
        assert!(line(&utc).contains(" at 10:30 "), "{}", line(&utc));
        assert_eq!(
            line(&berlin),
            line(&utc).replace(" at 10:30 ", " at 12:30 ")
        );
        assert_eq!(berlin.items.len(), utc.items.len());
    }

    #[test]
    fn secrets_in_headlines_and_examples_are_hidden() {
        let mut app = String::new();
        for s in 0..3600 {
            let (m, sec) = (s / 60, s % 60);
            app.push_str(&format!(
                "2026-07-03T10:{m:02}:{sec:02}Z INFO handled request token=t0k{s}\n"
            ));
            if s >= 1800 && s % 5 == 0 {
                app.push_str(&format!(
                    "2026-07-03T10:{m:02}:{sec:02}Z ERROR login failed for bob password=hunter2 api_key=AKIAIOSFODNN7EXAMPLE\n"
                ));
            }
        }
        let opts = IngestOptions {
            modified_ns: Some(1_783_080_000 * NANOS_PER_SEC),
            ..Default::default()
        };
        let sources = vec![ingest_bytes("app.log", app.as_bytes(), opts)];
        let changes = compare(
            &sources,
            &Offsets::zero(1),
            Window::new(at("10:30"), at("11:00")),
            None,
        );
        let login = changes
            .items
            .iter()
            .find(|i| i.kind == ItemKind::Template && i.headline.contains("login failed"))
            .expect("the failed logins are new");
        assert_eq!(
            login.headline,
            "'ERROR login failed for bob password=[redacted] api_key=[redacted]' went from 0 to 12 per minute at 10:30 in app.log"
        );
        assert!(login
            .example
            .as_deref()
            .is_some_and(|x| !x.contains("hunter2")));
        for item in &changes.items {
            assert!(!item.headline.contains("hunter2"), "{}", item.headline);
            assert!(!item.headline.contains("AKIA"), "{}", item.headline);
            assert!(!item.value.contains("hunter2"), "{}", item.value);
            assert!(!item.value.contains("AKIA"), "{}", item.value);
            if item.name.as_deref() == Some("password") {
                assert_eq!(item.value, REDACTED);
            }
        }
    }

    #[test]
    fn reversed_windows_report_vanished_items() {
        let sources = incident();
        let changes = compare(
            &sources,
            &Offsets::zero(2),
            Window::new(at("10:00"), at("10:30")),
            Some(Window::new(at("10:30"), at("11:00"))),
        );
        let gone: Vec<&str> = changes
            .items
            .iter()
            .filter(|i| i.change == Direction::Vanished)
            .map(|i| i.headline.as_str())
            .collect();
        assert!(gone.contains(
            &"'Connection timed out after 30 seconds' stopped in app.jsonl (was 12 per minute, 360 times before)"
        ), "{gone:?}");
        // A single line is no evidence that something stopped.
        assert!(!gone.iter().any(|h| h.contains("Out of memory")));
    }

    #[test]
    fn another_grouping_can_stand_in_for_shapes() {
        let sources = incident();
        // Group every app message under its first word, as a template miner might group them.
        let first_word = |sid: SourceId, source: &SourceData, e: usize| {
            (sid == 0)
                .then(|| shape_group(sid, source, e))
                .flatten()
                .map(|(_, m)| (m.split(' ').next().unwrap_or("").to_string(), m))
        };
        let changes = compare_with(
            &sources,
            &Offsets::zero(2),
            Window::new(at("10:30"), at("11:00")),
            None,
            &first_word,
        );
        let templates: Vec<&str> = changes
            .items
            .iter()
            .filter(|i| i.kind == ItemKind::Template)
            .map(|i| i.value.as_str())
            .collect();
        assert_eq!(templates, vec!["Connection"]);
    }
}
