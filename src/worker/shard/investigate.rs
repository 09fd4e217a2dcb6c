//! A shard's parts of the investigations: each [`PartAsk`] worked out over the shard's own sources
//! (named case-wide) with the engine's part functions ([`crate::engine::correlate`]); the coordinator
//! merges the parts of every shard (`super::super::coordinator::investigate`).
//!
//! The id index takes in the shard's sources as they are committed (or read again), built in the
//! background after each commit (`Shard::mine_step`): the asks about ids ([`needs_ids`]) wait for it
//! to be complete, and one answered before builds what is left first. Templates are the shard's,
//! mined after its sources were committed (`Shard::patterns`): the asks about them
//! ([`needs_templates`]) wait for that.

use crate::engine::correlate::changes::changes_part;
use crate::engine::correlate::context::{context_part, event_key};
use crate::engine::correlate::follow::{event_ids, follow_part, id_counts};
use crate::engine::correlate::id_backlog::IdBacklog;
use crate::engine::correlate::ids::IdIndex;
use crate::engine::correlate::shape::{template_group, template_key};
use crate::engine::correlate::skew::{seen_to_bytes, skew_more, skew_part};
use crate::engine::correlate::spikes::spike_counts;
use crate::engine::correlate::Part;
use crate::engine::patterns::overview::{patterns_part, template_counts};
use crate::engine::patterns::SourcePatterns;
use crate::engine::store::SourceData;
use crate::protocol::investigate::{
    headline_zone, PartAnswer, PartAsk, MAX_TEMPLATES_SHOWN, SPARKLINE_BUCKETS,
};

use super::super::correlate::build_ids_for;
use super::Case;

/// Whether the answer to `ask` is about templates (so every source must be mined first).
pub fn needs_templates(ask: &PartAsk) -> bool {
    matches!(
        ask,
        PartAsk::TemplateCounts
            | PartAsk::Patterns { .. }
            | PartAsk::Spikes { .. }
            | PartAsk::Changes { .. }
    )
}

/// Whether the answer to `ask` needs the id index (so it must be complete first).
pub fn needs_ids(ask: &PartAsk) -> bool {
    matches!(
        ask,
        PartAsk::IdCounts { .. }
            | PartAsk::Follow { .. }
            | PartAsk::Skew
            | PartAsk::SkewMore { .. }
    )
}

/// What a shard keeps for its investigations.
#[derive(Default)]
pub struct ShardInvestigation {
    /// The id index of the committed sources, and the sources still to take in.
    ids: IdBacklog,
    /// Time spent reading and mining the shard's sources, over its loads, in ms.
    reading_ms: f64,
    mining_ms: f64,
}

impl ShardInvestigation {
    /// Committed source `index` joined the shard's case: its ids are to be taken in.
    pub fn source_added(&mut self, index: usize) {
        self.ids.added(index);
    }

    /// Committed source `index` was read again: its ids are taken in again.
    pub fn source_replaced(&mut self, index: usize) {
        self.ids.replaced(index);
    }

    /// Whether the id index covers every committed source.
    pub fn ids_complete(&self) -> bool {
        self.ids.is_complete()
    }

    /// Builds the id index for about `budget_ms`; whether it is complete.
    pub fn build_ids_for(&mut self, sources: &[SourceData], budget_ms: f64) -> bool {
        build_ids_for(&mut self.ids, sources, budget_ms)
    }

    /// Counts what reading and mining one source took (read again in another zone: reading 0).
    pub fn loaded(&mut self, reading_ms: f64, mining_ms: f64) {
        self.reading_ms += reading_ms;
        self.mining_ms += mining_ms;
    }

    /// Works out the shard's part of an ask; `ids` are the case-wide ids of the shard's sources and
    /// `patterns` their mined templates (in the shard's order).
    pub fn answer(
        &mut self,
        case: &Case,
        ids: &[u16],
        patterns: &[SourcePatterns],
        ask: PartAsk,
    ) -> Result<(PartAnswer, Option<Vec<u8>>), String> {
        let part = Part {
            sources: case.sources(),
            ids: ids.into(),
            offsets: case.offsets(),
        };
        // Asks that do not need the id index do not wait for it.
        let empty = IdIndex::default();
        let index = if needs_ids(&ask) {
            self.ids.finish_now(case.sources())
        } else {
            &empty
        };
        let group = template_group(patterns);
        let answer = match ask {
            PartAsk::TemplateCounts => PartAnswer::TemplateCounts {
                counts: template_counts(&part, patterns),
                mining_ms: self.mining_ms,
                reading_ms: self.reading_ms,
            },
            PartAsk::Patterns { span, listed } => PartAnswer::Patterns {
                part: patterns_part(
                    &part,
                    patterns,
                    span,
                    &listed,
                    MAX_TEMPLATES_SHOWN,
                    SPARKLINE_BUCKETS,
                ),
            },
            PartAsk::Event { rank } => {
                let event = case
                    .timeline()
                    .get(rank as usize, false)
                    .ok_or_else(|| format!("A shard has no event of rank {rank}."))?;
                PartAnswer::Event {
                    event: part.event_ref(event),
                    ids: event_ids(&part, event),
                    key: event_key(&part, event),
                }
            }
            PartAsk::IdCounts { ids } => PartAnswer::IdCounts {
                counts: id_counts(&part, index, &ids),
            },
            PartAsk::Follow { value } => PartAnswer::Follow {
                part: follow_part(&part, index, &value),
            },
            PartAsk::Context {
                at_ns,
                seconds,
                pivot,
                limit,
            } => PartAnswer::Context {
                part: context_part(
                    &part,
                    case.timeline(),
                    at_ns,
                    seconds,
                    pivot,
                    limit as usize,
                ),
            },
            PartAsk::Skew => {
                // The ids travel as bytes beside the reply (see `SkewPart::take_seen_bytes`).
                let mut part = skew_part(&part, index);
                let bytes = part.take_seen_bytes();
                return Ok((PartAnswer::Skew { part }, Some(bytes)));
            }
            PartAsk::SkewMore { ask } => {
                // Beside the reply as bytes, like the first round's ids.
                let seen = skew_more(&part, index, &ask);
                let bytes = seen_to_bytes(&seen);
                return Ok((PartAnswer::SkewMore {}, Some(bytes)));
            }
            PartAsk::Spikes { grid } => PartAnswer::Spikes {
                counts: spike_counts(&part, &grid, &template_key(patterns)),
            },
            PartAsk::Changes {
                after,
                before,
                zone,
            } => PartAnswer::Changes {
                part: changes_part(
                    &part,
                    after,
                    before,
                    &group,
                    &headline_zone(zone.as_deref()),
                ),
            },
        };
        Ok((answer, None))
    }
}
