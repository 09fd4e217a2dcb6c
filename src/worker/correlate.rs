//! The worker's investigations: the message patterns of every loaded source (mined while each file
//! loads, [`StreamingMiner`]), the id index (built when first needed), clock offsets, and the answers to the
//! UI's [`Ask`]s, all computed here so the UI thread only renders.
//!
//! The patterns are kept parallel to the case's sources (`patterns[i]` belongs to source `i`); the id
//! index and the skew estimate are dropped whenever a source joins and rebuilt on the next ask.

use crate::engine::correlate::changes::{compare_in, default_window, Window};
use crate::engine::correlate::context::{around_event, DEFAULT_LIMIT};
use crate::engine::correlate::follow::{follow, related_by};
use crate::engine::correlate::ids::IdIndex;
use crate::engine::correlate::shape::template_group;
use crate::engine::correlate::skew::{estimate, SkewReport};
use crate::engine::correlate::spikes::{find_spikes_with, SpikeOptions};
use crate::engine::correlate::{adjusted_span, EventRef, Offsets};
use crate::engine::patterns::overview::overview;
use crate::engine::patterns::{PatternMiner, SourcePatterns};
use crate::engine::store::SourceData;
use crate::engine::time::NANOS_PER_SEC;
use crate::engine::timeline::EventId;
use crate::protocol::investigate::{
    headline_zone, Answer, Ask, SkewState, TimelinePosition, MAX_TEMPLATES_SHOWN, SPARKLINE_BUCKETS,
};

use super::case::Case;
use super::read::{now_ms, yield_to_event_loop, YIELD_EVERY_MS};

/// Events mined between two looks at the clock.
const MINE_STEP: usize = 4096;
/// Widest context window asked for, in seconds either side.
const MAX_CONTEXT_SECONDS: f64 = 3600.0;

/// What the worker knows about the case beyond its events.
#[derive(Default)]
pub struct Investigation {
    /// Patterns of each source of the case, in source order.
    patterns: Vec<SourcePatterns>,
    ids: Option<IdIndex>,
    skew: Option<SkewReport>,
    /// Time spent mining and reading (ingest alone) over all loads, in ms.
    mining_ms: f64,
    reading_ms: f64,
}

/// Mines one source as it loads: the events stored so far are mined between two reads (a bounded
/// amount each time, so reading still yields often), the rest once the file is read.
#[derive(Default)]
pub struct StreamingMiner {
    miner: PatternMiner,
    /// Events of the source mined so far.
    mined: usize,
    /// Time spent mining, in ms.
    pub mining_ms: f64,
}

impl StreamingMiner {
    /// Mines events of `stored` (the source so far) not yet mined, for at most `budget_ms`.
    pub fn catch_up(&mut self, stored: &SourceData, budget_ms: f64) {
        let started = now_ms();
        while self.mined < stored.len() {
            let end = (self.mined + MINE_STEP).min(stored.len());
            for e in self.mined..end {
                self.miner.add(stored.text(e), stored.level(e));
            }
            self.mined = end;
            if now_ms() - started >= budget_ms {
                break;
            }
        }
        self.mining_ms += now_ms() - started;
    }

    /// Mines the rest of the loaded `source` in steps, yielding to the event loop every
    /// [`YIELD_EVERY_MS`] so requests are still answered; `None` when `cancelled` says stop.
    pub async fn finish(
        mut self,
        source: &SourceData,
        cancelled: &dyn Fn() -> bool,
    ) -> Option<(SourcePatterns, f64)> {
        while self.mined < source.len() {
            self.catch_up(source, YIELD_EVERY_MS);
            if self.mined < source.len() {
                yield_to_event_loop().await;
                if cancelled() {
                    return None;
                }
            }
        }
        let started = now_ms();
        let patterns = self.miner.finish(source.ts_column());
        Some((patterns, self.mining_ms + now_ms() - started))
    }
}

/// Mines a whole loaded `source` in yielding steps (see [`StreamingMiner::finish`]).
pub async fn mine(source: &SourceData, cancelled: &dyn Fn() -> bool) -> Option<SourcePatterns> {
    StreamingMiner::default()
        .finish(source, cancelled)
        .await
        .map(|(patterns, _)| patterns)
}

/// The offsets of `count` sources in ns from the UI's seconds (a missing or non-finite one is 0).
pub(crate) fn offsets_ns(offsets_s: &[f64], count: usize) -> Vec<i64> {
    (0..count)
        .map(|s| {
            let secs = offsets_s.get(s).copied().unwrap_or(0.0);
            if secs.is_finite() {
                (secs * NANOS_PER_SEC as f64).round() as i64
            } else {
                0
            }
        })
        .collect()
}

fn seconds(offset_ns: i64) -> f64 {
    offset_ns as f64 / NANOS_PER_SEC as f64
}

impl Investigation {
    /// Records the patterns of the source just added to the case (as source `index`), and what
    /// reading and mining it took.
    pub fn source_added(
        &mut self,
        index: usize,
        patterns: SourcePatterns,
        reading_ms: f64,
        mining_ms: f64,
    ) {
        if self.patterns.len() <= index {
            self.patterns
                .resize_with(index + 1, SourcePatterns::default);
        }
        self.patterns[index] = patterns;
        self.reading_ms += reading_ms;
        self.mining_ms += mining_ms;
        self.ids = None;
        self.skew = None;
    }

    /// The patterns of the case's sources, in source order (a source still being mined has none).
    pub fn patterns(&self) -> &[SourcePatterns] {
        &self.patterns
    }

    /// Records the patterns of source `index` mined again after it was read again (in another zone);
    /// the id index and the skew estimate are rebuilt on the next ask.
    pub fn source_replaced(&mut self, index: usize, patterns: SourcePatterns, mining_ms: f64) {
        if let Some(slot) = self.patterns.get_mut(index) {
            *slot = patterns;
        }
        self.mining_ms += mining_ms;
        self.ids = None;
        self.skew = None;
    }

    fn ids(&mut self, sources: &[SourceData]) -> &IdIndex {
        self.ids.get_or_insert_with(|| IdIndex::build(sources))
    }

    fn skew(&mut self, sources: &[SourceData]) -> SkewReport {
        if self.skew.is_none() {
            let report = estimate(sources, self.ids(sources));
            self.skew = Some(report);
        }
        self.skew.clone().unwrap_or_default()
    }

    fn skew_state(&mut self, case: &Case) -> SkewState {
        let sources = case.sources();
        SkewState {
            report: self.skew(sources),
            applied_s: (0..sources.len())
                .map(|s| seconds(case.offsets().get(s as u16)))
                .collect(),
            sources: sources.iter().map(|s| s.info.name.clone()).collect(),
        }
    }

    /// Works out the answer to `ask` over the case (applying offsets changes the case's timeline).
    pub fn answer(&mut self, case: &mut Case, ask: Ask) -> Result<Answer, String> {
        let event_at = |case: &Case, at: TimelinePosition| -> Result<EventId, String> {
            case.timeline()
                .get(at.position as usize, at.newest_first)
                .ok_or_else(|| {
                    format!(
                        "There is no event at position {} of the timeline.",
                        at.position
                    )
                })
        };
        Ok(match ask {
            Ask::Patterns => {
                let mut patterns = overview(
                    case.sources(),
                    &self.patterns,
                    case.offsets(),
                    MAX_TEMPLATES_SHOWN,
                    SPARKLINE_BUCKETS,
                );
                patterns.mining_ms = self.mining_ms;
                patterns.reading_ms = self.reading_ms;
                Answer::Patterns { patterns }
            }
            Ask::Related { at } => {
                let id = event_at(case, at)?;
                let sources = case.sources();
                let relations = related_by(sources, self.ids(sources), id);
                Answer::Related {
                    event: EventRef::new(sources, case.offsets(), id),
                    relations,
                }
            }
            Ask::Follow { value } => {
                let sources = case.sources();
                let offsets = case.offsets().clone();
                Answer::Follow {
                    story: follow(sources, self.ids(sources), &offsets, &value),
                }
            }
            Ask::Context { at, seconds } => {
                let id = event_at(case, at)?;
                let seconds = if seconds.is_finite() {
                    seconds.abs().min(MAX_CONTEXT_SECONDS)
                } else {
                    5.0
                };
                Answer::Context {
                    context: around_event(
                        case.sources(),
                        case.timeline(),
                        case.offsets(),
                        id,
                        seconds,
                        DEFAULT_LIMIT,
                    ),
                }
            }
            Ask::Skew => Answer::Skew {
                skew: self.skew_state(case),
            },
            Ask::SetOffsets { offsets_s } => {
                let ns = offsets_ns(&offsets_s, case.sources().len());
                case.set_offsets(Offsets::from_ns(ns));
                Answer::Skew {
                    skew: self.skew_state(case),
                }
            }
            Ask::Changes { window, zone } => {
                let group = template_group(&self.patterns);
                let after = match window {
                    Some((from, to)) if to > from => Some(Window::new(from, to)),
                    _ => {
                        let spikes = find_spikes_with(
                            case.sources(),
                            case.offsets(),
                            &SpikeOptions::default(),
                            &group,
                        );
                        let written = adjusted_span(
                            case.sources()
                                .iter()
                                .map(|s| (s.info.first_ts, s.info.last_ts, 0)),
                        );
                        default_window(&spikes, written)
                    }
                }
                .ok_or_else(|| "The files hold no timed events to compare.".to_string())?;
                Answer::Changes {
                    changes: compare_in(
                        case.sources(),
                        case.offsets(),
                        after,
                        None,
                        &group,
                        &headline_zone(zone.as_deref()),
                    ),
                }
            }
            Ask::Spikes => Answer::Spikes {
                spikes: find_spikes_with(
                    case.sources(),
                    case.offsets(),
                    &SpikeOptions::default(),
                    &template_group(&self.patterns),
                ),
            },
        })
    }
}
