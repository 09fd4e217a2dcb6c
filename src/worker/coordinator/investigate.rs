//! The coordinator's investigations: every [`Ask`] is answered from the shards, each working out its
//! part over its own sources ([`PartAsk`], see `super::super::shard::investigate`) and the parts merged
//! here with the engine's merges ([`crate::engine::correlate`]), so the answer is the one-worker one.
//!
//! An ask about one event ("related by", context) first asks the shard holding it (found through the
//! merged timeline, [`MergedOrder::locate`]) for the event, its ids and its sort key, then every shard
//! for its part. "What changed" without a window first finds the spikes. Clock offsets are applied by
//! re-committing every shard ([`Job::Offsets`]); the answer is sent once they have re-merged.
//!
//! The skew estimate takes two rounds (each shard's samples, then what its sources saw of the ids the
//! others sampled) and is the one answer kept: it depends only on the sources, and applying an offset
//! asks for it again.

use std::rc::Rc;

use super::super::read::QUERY_QUIET_MS;
use super::{Coordinator, Job, Receive};
use crate::engine::correlate::adjusted_span;
use crate::engine::correlate::changes::{default_window, merge_changes, Window};
use crate::engine::correlate::context::{merge_context, DEFAULT_LIMIT};
use crate::engine::correlate::follow::merge_follow;
use crate::engine::correlate::follow::merge_related;
use crate::engine::correlate::skew::{merge_skew, seen_from_bytes, skew_more_asks, SkewReport};
use crate::engine::correlate::spikes::{merge_spikes, SpikeGrid, SpikeOptions, SpikeReport};
use crate::engine::patterns::overview::{list_templates, merge_patterns};
use crate::engine::shard::MergedOrder;
use crate::engine::time::NANOS_PER_SEC;
use crate::engine::timeline::EventId;
use crate::protocol::investigate::{
    Answer, Ask, PartAnswer, PartAsk, SkewState, TimelinePosition, MAX_TEMPLATES_SHOWN,
    SPARKLINE_BUCKETS,
};
use crate::protocol::shard::{ShardReply, ShardRequest};
use crate::protocol::{Reply, RequestId};

/// Widest context window asked for, in seconds either side (as in the one-worker case).
const MAX_CONTEXT_SECONDS: f64 = 3600.0;

/// A time range `[first, last]` in ns.
type Span = (i64, i64);

/// The one failure of a shard's part, or the parts.
type Parts = Result<Vec<PartAnswer>, String>;

/// Per source: its shard, case-wide id, and name, zone, first and last times and bytes.
type SkewKey = Vec<(
    usize,
    u16,
    Option<(String, String, Option<i64>, Option<i64>, u64)>,
)>;

/// A skew estimate and what it was made from ([`Coordinator::skew_key`]).
pub(super) type SkewCache = (SkewKey, SkewReport);

impl Coordinator {
    /// Answers `ask` (the request `id`) from the shards' parts.
    pub(super) async fn investigate(self: Rc<Self>, id: RequestId, ask: Ask) {
        if let Ask::SetOffsets { offsets_s } = ask {
            let count = self.state.borrow().sources.len();
            let offsets_ns = super::super::correlate::offsets_ns(&offsets_s, count);
            // Answered with the skew state once the shards have re-merged.
            self.enqueue(Job::Offsets {
                offsets_ns,
                answer: id,
            });
            return;
        }
        self.gate.pass().await;
        let reply = match self.answer(ask).await {
            Ok(answer) => Reply::Investigation { id, answer },
            Err(message) => Reply::Failed { id, message },
        };
        self.post(&reply);
    }

    /// Asks every shard for its part (`make` builds each one's ask).
    async fn parts(&self, ask: PartAsk) -> Parts {
        // The shards work an ask out in one go (seconds over a large case): it is sent only while
        // no query is gathering its parts, so the query typed after a load is not held up by the
        // overviews asked with it.
        loop {
            let quiet = super::super::read::now_ms() - self.last_query_ms.get();
            if self.queries_running.get() == 0 && quiet >= QUERY_QUIET_MS {
                break;
            }
            super::super::read::sleep_ms((QUERY_QUIET_MS - quiet).max(50.0)).await;
        }
        let replies = self
            .ask_all(|id| ShardRequest::Investigate {
                id,
                ask: ask.clone(),
            })
            .await;
        replies
            .into_iter()
            .map(|(reply, bytes)| match reply {
                ShardReply::Investigated {
                    answer: PartAnswer::Skew { mut part },
                    ..
                } => {
                    part.put_seen_bytes(&bytes.unwrap_or_default());
                    Ok(PartAnswer::Skew { part })
                }
                ShardReply::Investigated { answer, .. } => Ok(answer),
                ShardReply::Failed { message, .. } => Err(message),
                _ => Err("A worker gave an unexpected answer.".into()),
            })
            .collect()
    }

    /// Asks the shard holding the merged timeline's position `at` about its event.
    async fn event_part(&self, at: TimelinePosition) -> Result<(EventId, PartAnswer), String> {
        let order: Rc<MergedOrder> = self.state.borrow().timeline.clone();
        let total = order.len();
        let missing = || {
            format!(
                "There is no event at position {} of the timeline.",
                at.position
            )
        };
        let p = if at.newest_first {
            total.checked_sub(at.position as usize + 1)
        } else {
            Some(at.position as usize).filter(|p| *p < total)
        };
        let (s, rank) = p.and_then(|p| order.locate(p)).ok_or_else(missing)?;
        let request = ShardRequest::Investigate {
            id: self.sub_id(),
            ask: PartAsk::Event { rank },
        };
        match Receive(self.send(s, &request, &[])).await.0 {
            ShardReply::Investigated {
                answer: answer @ PartAnswer::Event { .. },
                ..
            } => {
                let PartAnswer::Event { event, .. } = &answer else {
                    return Err(missing());
                };
                Ok((event.id(), answer))
            }
            ShardReply::Failed { message, .. } => Err(message),
            _ => Err(missing()),
        }
    }

    fn names(&self) -> Vec<String> {
        self.state
            .borrow()
            .sources
            .iter()
            .map(|s| s.name.clone())
            .collect()
    }

    /// The case's span with offsets applied, and the span of its written times.
    fn spans(&self) -> (Option<Span>, Option<Span>) {
        let state = self.state.borrow();
        let adjusted = adjusted_span(state.sources.iter().enumerate().map(|(i, s)| {
            (
                s.first_ts,
                s.last_ts,
                state.offsets_ns.get(i).copied().unwrap_or(0),
            )
        }));
        let written = adjusted_span(state.sources.iter().map(|s| (s.first_ts, s.last_ts, 0)));
        (adjusted, written)
    }

    /// What the skew estimate was made from: per source, its shard and what a load or a zone change
    /// alters (offsets do not matter: the estimate is from written times).
    fn skew_key(&self) -> SkewKey {
        let state = self.state.borrow();
        let mut key: SkewKey = state
            .shard_sources
            .iter()
            .enumerate()
            .flat_map(|(shard, ids)| {
                let state = &state;
                ids.iter().map(move |id| {
                    let s = state.sources.get(*id as usize);
                    (
                        shard,
                        *id,
                        s.map(|s| {
                            (
                                s.name.clone(),
                                s.zone.clone(),
                                s.first_ts,
                                s.last_ts,
                                s.bytes,
                            )
                        }),
                    )
                })
            })
            .collect();
        key.sort_unstable();
        key
    }

    /// The skew estimate: every shard's samples, then a second round for the ids other shards sampled
    /// beyond a shard's cuts (see [`crate::engine::correlate::skew`]), merged. Kept until the case's
    /// sources change.
    async fn skew_report(&self) -> Result<SkewReport, String> {
        let key = self.skew_key();
        if let Some((k, report)) = &self.state.borrow().skew {
            if *k == key {
                return Ok(report.clone());
            }
        }
        let names = self.names();
        let mut parts = self
            .parts(PartAsk::Skew)
            .await?
            .into_iter()
            .map(|p| match p {
                PartAnswer::Skew { part } => Ok(part),
                _ => Err("A worker gave an unexpected answer.".to_string()),
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Parts are in shard order, as asked.
        let slots: Vec<_> = skew_more_asks(&parts)
            .into_iter()
            .enumerate()
            .filter_map(|(s, ask)| {
                let request = ShardRequest::Investigate {
                    id: self.sub_id(),
                    ask: PartAsk::SkewMore { ask: ask? },
                };
                Some((s, self.send(s, &request, &[])))
            })
            .collect();
        for (s, slot) in slots {
            match Receive(slot).await {
                (
                    ShardReply::Investigated {
                        answer: PartAnswer::SkewMore {},
                        ..
                    },
                    bytes,
                ) => {
                    parts[s]
                        .seen
                        .extend(seen_from_bytes(&bytes.unwrap_or_default()));
                }
                (ShardReply::Failed { message, .. }, _) => return Err(message),
                _ => return Err("A worker gave an unexpected answer.".into()),
            }
        }
        let started = super::super::read::fine_ms();
        let report = merge_skew(&names, parts);
        super::super::read::stats::trace("merge skew", started);
        // Not kept when the case changed meanwhile.
        if self.skew_key() == key {
            self.state.borrow_mut().skew = Some((key, report.clone()));
        }
        Ok(report)
    }

    /// The skew estimate (from every shard's ids) and the offsets applied now.
    pub(super) async fn skew_state(&self) -> Result<SkewState, String> {
        let names = self.names();
        let report = self.skew_report().await?;
        let applied_s = {
            let state = self.state.borrow();
            (0..names.len())
                .map(|s| {
                    state.offsets_ns.get(s).copied().unwrap_or(0) as f64 / NANOS_PER_SEC as f64
                })
                .collect()
        };
        Ok(SkewState {
            report,
            applied_s,
            sources: names,
        })
    }

    async fn spikes(&self) -> Result<SpikeReport, String> {
        let opts = SpikeOptions::default();
        let Some(grid) = SpikeGrid::over(self.spans().0, &opts) else {
            return Ok(SpikeReport::empty());
        };
        let parts = self
            .parts(PartAsk::Spikes { grid })
            .await?
            .into_iter()
            .filter_map(|p| match p {
                PartAnswer::Spikes { counts } => Some(counts),
                _ => None,
            })
            .collect();
        let started = super::super::read::fine_ms();
        let report = merge_spikes(&grid, &self.names(), parts, &opts);
        super::super::read::stats::trace("merge spikes", started);
        Ok(report)
    }

    async fn answer(&self, ask: Ask) -> Result<Answer, String> {
        Ok(match ask {
            Ask::Patterns => {
                let (mut mining_ms, mut reading_ms) = (0.0, 0.0);
                let counts = self
                    .parts(PartAsk::TemplateCounts)
                    .await?
                    .into_iter()
                    .filter_map(|p| match p {
                        PartAnswer::TemplateCounts {
                            counts,
                            mining_ms: m,
                            reading_ms: r,
                        } => {
                            mining_ms += m;
                            reading_ms += r;
                            Some(counts)
                        }
                        _ => None,
                    })
                    .collect();
                let listed = list_templates(counts, MAX_TEMPLATES_SHOWN);
                let span = self.spans().0.map(|(a, b)| (a, b.max(a)));
                let texts = listed.listed.iter().map(|o| o.text.clone()).collect();
                let parts = self
                    .parts(PartAsk::Patterns {
                        span,
                        listed: texts,
                    })
                    .await?
                    .into_iter()
                    .filter_map(|p| match p {
                        PartAnswer::Patterns { part } => Some(part),
                        _ => None,
                    })
                    .collect();
                let mut patterns =
                    merge_patterns(listed, parts, &self.names(), span, SPARKLINE_BUCKETS);
                patterns.mining_ms = mining_ms;
                patterns.reading_ms = reading_ms;
                Answer::Patterns { patterns }
            }
            Ask::Related { at } => {
                let (_, part) = self.event_part(at).await?;
                let PartAnswer::Event { event, ids, .. } = part else {
                    return Err("A worker gave an unexpected answer.".into());
                };
                let values = ids.iter().map(|i| i.id.clone()).collect();
                let counts = self
                    .parts(PartAsk::IdCounts { ids: values })
                    .await?
                    .into_iter()
                    .filter_map(|p| match p {
                        PartAnswer::IdCounts { counts } => Some(counts),
                        _ => None,
                    })
                    .collect();
                Answer::Related {
                    event,
                    relations: merge_related(ids, counts),
                }
            }
            Ask::Follow { value } => {
                let parts = self
                    .parts(PartAsk::Follow {
                        value: value.clone(),
                    })
                    .await?
                    .into_iter()
                    .filter_map(|p| match p {
                        PartAnswer::Follow { part } => Some(part),
                        _ => None,
                    })
                    .collect();
                Answer::Follow {
                    story: merge_follow(&value, parts),
                }
            }
            Ask::Context { at, seconds } => {
                let seconds = if seconds.is_finite() {
                    seconds.abs().min(MAX_CONTEXT_SECONDS)
                } else {
                    5.0
                };
                let (chosen, part) = self.event_part(at).await?;
                let PartAnswer::Event { key, .. } = part else {
                    return Err("A worker gave an unexpected answer.".into());
                };
                let parts = self
                    .parts(PartAsk::Context {
                        at_ns: key.0,
                        seconds,
                        pivot: key,
                        limit: DEFAULT_LIMIT as u32,
                    })
                    .await?
                    .into_iter()
                    .filter_map(|p| match p {
                        PartAnswer::Context { part } => Some(part),
                        _ => None,
                    })
                    .collect();
                Answer::Context {
                    context: merge_context(key.0, seconds, Some(chosen), DEFAULT_LIMIT, parts),
                }
            }
            Ask::Skew | Ask::SetOffsets { .. } => Answer::Skew {
                skew: self.skew_state().await?,
            },
            Ask::Changes { window, zone } => {
                let after = match window {
                    Some((from, to)) if to > from => Some(Window::new(from, to)),
                    _ => default_window(&self.spikes().await?, self.spans().1),
                }
                .ok_or_else(|| "The files hold no timed events to compare.".to_string())?;
                let before = after.just_before();
                let parts = self
                    .parts(PartAsk::Changes {
                        after,
                        before,
                        zone,
                    })
                    .await?
                    .into_iter()
                    .filter_map(|p| match p {
                        PartAnswer::Changes { part } => Some(part),
                        _ => None,
                    })
                    .collect();
                Answer::Changes {
                    changes: merge_changes(after, before, parts),
                }
            }
            Ask::Spikes => Answer::Spikes {
                spikes: self.spikes().await?,
            },
        })
    }
}
