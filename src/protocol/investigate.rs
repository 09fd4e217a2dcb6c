//! The investigation part of the worker protocol: message patterns, following an id, what relates an
//! event to others, the context around an event, clock skew, what changed, and spikes.
//!
//! The UI asks with an [`Ask`] inside [`Request::Investigate`](super::Request::Investigate); the worker
//! answers with an [`Answer`] inside [`Reply::Investigation`](super::Reply::Investigation), echoing the
//! request id. Both travel as JSON text inside the message (see [`as_json`]): the answers hold 64-bit
//! nanosecond times, which JavaScript numbers cannot carry exactly, and the engine's result types
//! flatten nested structs, which `serde-wasm-bindgen` would turn into JS `Map`s. The results are small
//! (a page of templates, one story, one window of context), so the text costs little.

use serde::{Deserialize, Serialize};

use crate::engine::correlate::changes::{Changes, ChangesPart, Window};
use crate::engine::correlate::context::{Context, ContextPart, OrderKey};
use crate::engine::correlate::follow::{EventIdOf, FollowPart, Relation, SourceCount, Story};
use crate::engine::correlate::skew::{SkewMoreAsk, SkewPart, SkewReport};
use crate::engine::correlate::spikes::{SpikeCounts, SpikeGrid, SpikeReport};
use crate::engine::correlate::EventRef;
use crate::engine::patterns::overview::{PatternsOverview, PatternsPart, TemplateCounts};
use crate::engine::time::Zone;

/// Bars of each template's sparkline (over the whole case's time range, so sparklines line up).
pub const SPARKLINE_BUCKETS: usize = 48;
/// Templates listed at most (overall, and per source).
pub const MAX_TEMPLATES_SHOWN: usize = 200;

/// Which event an ask is about: a position in the merged timeline (oldest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelinePosition {
    pub position: u32,
    pub newest_first: bool,
}

/// What the UI asks the worker to work out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "ask", rename_all = "snake_case")]
pub enum Ask {
    /// The templates of the case, overall and per source, with what mining cost.
    Patterns,
    /// The ids of one event and how many events in which sources share each ("Related by").
    Related { at: TimelinePosition },
    /// Every event carrying an id, as one story.
    Follow { value: String },
    /// What every source logged within ±`seconds` of an event.
    Context { at: TimelinePosition, seconds: f64 },
    /// The estimated clock offsets of the sources and the offsets applied now.
    Skew,
    /// Applies one offset per source (seconds its clock runs ahead; index = source), re-merging the
    /// timeline. Answered by [`Answer::Skew`].
    SetOffsets { offsets_s: Vec<f64> },
    /// Compares the window `from_ns..to_ns` with the same length just before it; without a window,
    /// the strongest spike the spike finder marks (else the last tenth of the data). Headlines tell
    /// clock times in `zone` (the display zone; UTC when absent or unknown).
    Changes {
        window: Option<(i64, i64)>,
        #[serde(default)]
        zone: Option<String>,
    },
    /// The windows where errors or a message shape leave their baseline.
    Spikes,
}

/// The answer to a [`Ask::Skew`] or [`Ask::SetOffsets`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkewState {
    pub report: SkewReport,
    /// The offsets applied now, in seconds, per source (index = source).
    pub applied_s: Vec<f64>,
    /// The source names, index = source.
    pub sources: Vec<String>,
}

/// What the worker answers to an [`Ask`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum Answer {
    Patterns {
        patterns: PatternsOverview,
    },
    Related {
        event: EventRef,
        relations: Vec<Relation>,
    },
    Follow {
        story: Story,
    },
    Context {
        context: Context,
    },
    Skew {
        skew: SkewState,
    },
    Changes {
        changes: Changes,
    },
    Spikes {
        spikes: SpikeReport,
    },
}

/// The part of an investigation one shard works out over its own sources (see
/// [`crate::engine::correlate`]: every answer is parts and a merge). Positions are ranks in the
/// shard's own timeline, sources are named case-wide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum PartAsk {
    /// Every template of the shard's sources, counted.
    TemplateCounts,
    /// The shard's share of the templates listed overall (`listed`) and its sources' own lists.
    Patterns {
        span: Option<(i64, i64)>,
        listed: Vec<String>,
    },
    /// The event of rank `rank`: as shown, its ids, and the key it sorts by.
    Event { rank: u32 },
    /// Events per source carrying each of `ids`.
    IdCounts { ids: Vec<String> },
    /// The shard's steps of an id's story.
    Follow { value: String },
    /// The shard's events within ±`seconds` of `at_ns`, at most `limit` either side of `pivot`.
    Context {
        at_ns: i64,
        seconds: f64,
        pivot: OrderKey,
        limit: u32,
    },
    /// The shard's ids for the skew estimate (the samples of its sources).
    Skew,
    /// The second round of the skew estimate: what the shard's truncated sources saw of the ids
    /// other shards sampled (see [`crate::engine::correlate::skew`]).
    SkewMore { ask: SkewMoreAsk },
    /// The shard's spike series on `grid`.
    Spikes { grid: SpikeGrid },
    /// The shard's changed items between `before` and `after`, headlines in `zone`.
    Changes {
        after: Window,
        before: Window,
        zone: Option<String>,
    },
}

/// What a shard answers to a [`PartAsk`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum PartAnswer {
    TemplateCounts {
        counts: TemplateCounts,
        /// Time the shard spent mining and reading, over its loads, in ms.
        mining_ms: f64,
        reading_ms: f64,
    },
    Patterns {
        part: PatternsPart,
    },
    Event {
        event: EventRef,
        ids: Vec<EventIdOf>,
        key: OrderKey,
    },
    IdCounts {
        counts: Vec<Vec<SourceCount>>,
    },
    Follow {
        part: FollowPart,
    },
    Context {
        part: ContextPart,
    },
    Skew {
        part: SkewPart,
    },
    /// Its records travel as bytes beside the reply ([`crate::engine::correlate::skew::seen_to_bytes`]).
    SkewMore {},
    Spikes {
        counts: SpikeCounts,
    },
    Changes {
        part: ChangesPart,
    },
}

/// The zone headlines are written in: `name` when it is a zone, else UTC.
pub fn headline_zone(name: Option<&str>) -> Zone {
    name.and_then(|n| Zone::parse(n).ok()).unwrap_or_default()
}

/// Serialises a value as JSON text inside a message (see the module docs).
pub mod as_json {
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(value).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
        d: D,
    ) -> Result<T, D::Error> {
        let text = String::deserialize(d)?;
        serde_json::from_str(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Reply, Request};
    use super::*;

    #[test]
    fn asks_and_answers_round_trip_with_large_times() {
        let request = Request::Investigate {
            id: 7,
            ask: Ask::Changes {
                window: Some((1_783_069_200_000_000_001, 1_783_069_260_000_000_000)),
                zone: Some("Europe/Berlin".into()),
            },
        };
        let json = serde_json::to_string(&request).unwrap();
        assert!(json.contains("\"kind\":\"investigate\""));
        assert_eq!(serde_json::from_str::<Request>(&json).unwrap(), request);
        assert_eq!(request.id(), 7);

        let reply = Reply::Investigation {
            id: 7,
            answer: Answer::Spikes {
                spikes: SpikeReport {
                    bucket_s: 60.0,
                    start: Some("2026-07-03T09:00:00Z".into()),
                    spikes: Vec::new(),
                },
            },
        };
        let json = serde_json::to_string(&reply).unwrap();
        assert_eq!(serde_json::from_str::<Reply>(&json).unwrap(), reply);
    }
}
