//! The worker's investigations: the message patterns of every loaded source and the id index (both
//! built after each load, in the background: [`mine_in_background`]), clock offsets, and the answers
//! to the UI's [`Ask`]s, all computed here so the UI thread only renders.
//!
//! The patterns are kept parallel to the case's sources (`patterns[i]` belongs to source `i`); the id
//! index takes in every source that joins or is read again, and the skew estimate is dropped then and
//! worked out again on the next ask. An ask about templates ([`needs_templates`]) waits until every
//! source is mined, an ask about ids ([`needs_ids`]) until the id index is complete; answered before
//! (when a later request needs every ask answered at once), it builds what is left first.

use crate::engine::correlate::changes::{compare_in, default_window, Window};
use crate::engine::correlate::context::{around_event, DEFAULT_LIMIT};
use crate::engine::correlate::follow::{follow, related_by};
use crate::engine::correlate::id_backlog::IdBacklog;
use crate::engine::correlate::ids::IdIndex;
use crate::engine::correlate::shape::{template_group, template_key};
use crate::engine::correlate::skew::{estimate, SkewReport};
use crate::engine::correlate::spikes::{find_spikes_with, SpikeOptions};
use crate::engine::correlate::{adjusted_span, EventRef, Offsets};
use crate::engine::patterns::backlog::MiningBacklog;
use crate::engine::patterns::overview::overview;
use crate::engine::patterns::SourcePatterns;
use crate::engine::store::SourceData;
use crate::engine::time::NANOS_PER_SEC;
use crate::engine::timeline::EventId;
use crate::protocol::investigate::{
    headline_zone, Answer, Ask, SkewState, TimelinePosition, MAX_TEMPLATES_SHOWN, SPARKLINE_BUCKETS,
};

use super::case::Case;
use super::read::{now_ms, sleep_ms, stats, yield_to_event_loop, QUERY_QUIET_MS, YIELD_EVERY_MS};

/// Events mined between two looks at the clock.
const MINE_STEP: usize = 4096;
/// Events scanned for ids (or id occurrences sorted) between two looks at the clock.
const ID_STEP: usize = 4096;
/// Widest context window asked for, in seconds either side.
const MAX_CONTEXT_SECONDS: f64 = 3600.0;

/// What the worker knows about the case beyond its events.
#[derive(Default)]
pub struct Investigation {
    /// Patterns of each source of the case, in source order, and the sources still to mine.
    mining: MiningBacklog,
    /// The id index of the case's sources, and the sources still to take in.
    ids: IdBacklog,
    skew: Option<SkewReport>,
    /// Time spent mining and reading (ingest alone) over all loads, in ms.
    mining_ms: f64,
    reading_ms: f64,
}

/// Asks whose answers are about templates: they wait until every source is mined.
pub fn needs_templates(ask: &Ask) -> bool {
    matches!(ask, Ask::Patterns | Ask::Changes { .. } | Ask::Spikes)
}

/// Asks whose answers need the id index: they wait until it is complete.
pub fn needs_ids(ask: &Ask) -> bool {
    matches!(
        ask,
        Ask::Related { .. } | Ask::Follow { .. } | Ask::Skew | Ask::SetOffsets { .. }
    )
}

/// Whether a filter's text may name a template placeholder field (`tpl.num1`): its evaluation then
/// needs every source mined. (A word that merely contains `tpl.` makes this say yes too, which only
/// costs the wait.)
pub fn filter_needs_templates(text: &str) -> bool {
    text.to_ascii_lowercase().contains("tpl.")
}

/// Runs `step` until it says the work is complete or about `budget_ms` passed (looking at the clock
/// after each step). Returns whether the work is complete, and the milliseconds spent.
fn work_for(budget_ms: f64, mut step: impl FnMut() -> bool) -> (bool, f64) {
    let started = now_ms();
    loop {
        let complete = step();
        let spent = now_ms() - started;
        if complete || spent >= budget_ms {
            return (complete, spent);
        }
    }
}

/// Mines `backlog` over `sources` for about `budget_ms` (in steps of [`MINE_STEP`] events). Returns
/// whether every source is mined, and the milliseconds spent.
pub fn mine_for(
    backlog: &mut MiningBacklog,
    sources: &[SourceData],
    budget_ms: f64,
) -> (bool, f64) {
    work_for(budget_ms, || backlog.step(sources, MINE_STEP))
}

/// Builds the id index of `backlog` over `sources` for about `budget_ms` (in steps of [`ID_STEP`]).
/// Returns whether it is complete.
pub fn build_ids_for(backlog: &mut IdBacklog, sources: &[SourceData], budget_ms: f64) -> bool {
    work_for(budget_ms, || backlog.step(sources, ID_STEP)).0
}

/// What a step of [`mine_in_background`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BackgroundStep {
    Mining,
    IdIndex,
}

impl BackgroundStep {
    /// The step's name in the worker's trace (see [`stats::trace`]).
    fn label(self) -> &'static str {
        match self {
            BackgroundStep::Mining => "mining step",
            BackgroundStep::IdIndex => "id index step",
        }
    }
}

/// A worker whose case is mined, and its id index built, in the background: the one worker, or a
/// shard.
pub(super) trait MinesInBackground {
    /// Mines for about `budget_ms`, or once every source is mined builds the id index; whether both
    /// are complete now, and which of the two the step did. `None` when the case is busy (borrowed)
    /// at the moment.
    fn mine_step(&self, budget_ms: f64) -> Option<(bool, BackgroundStep)>;
    /// When the last query request came (ms since the epoch): mining waits for a quiet moment.
    fn last_query_ms(&self) -> f64;
    /// Whether a load is reading: mining waits for it to end (reading goes first).
    fn loading(&self) -> bool;
    /// Set while a task mines (so only one does).
    fn mining_task(&self) -> &std::cell::Cell<bool>;
}

/// Mines what the worker's case has not mined yet, then builds its id index, a step of
/// [`YIELD_EVERY_MS`] at a time with a return to the event loop between two, once
/// [`QUERY_QUIET_MS`] passed without a query and while no load is reading; started after every load
/// (and zone re-read). Does nothing when a task already mines.
pub(super) fn mine_in_background(worker: std::rc::Rc<impl MinesInBackground + 'static>) {
    if worker.mining_task().replace(true) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            yield_to_event_loop().await;
            if worker.loading() {
                sleep_ms(QUERY_QUIET_MS).await;
                continue;
            }
            let quiet = now_ms() - worker.last_query_ms();
            if quiet < QUERY_QUIET_MS {
                sleep_ms(QUERY_QUIET_MS - quiet).await;
                continue;
            }
            let started = super::read::fine_ms();
            let Some((done, step)) = worker.mine_step(YIELD_EVERY_MS) else {
                continue;
            };
            stats::trace(step.label(), started);
            if done {
                break;
            }
        }
        worker.mining_task().set(false);
    });
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
    /// Records the source just added to the case (as source `index`, to be mined), and what
    /// reading it took.
    pub fn source_added(&mut self, index: usize, reading_ms: f64) {
        self.mining.added(index);
        self.ids.added(index);
        self.reading_ms += reading_ms;
        self.skew = None;
    }

    /// The patterns of the case's sources, in source order (a source not yet mined has none).
    pub fn patterns(&self) -> &[SourcePatterns] {
        self.mining.patterns()
    }

    /// Whether every source is mined.
    pub fn mined(&self) -> bool {
        self.mining.is_complete()
    }

    /// Mines for about `budget_ms` (see [`mine_for`]); whether every source is mined now.
    pub fn mine_for(&mut self, sources: &[SourceData], budget_ms: f64) -> bool {
        let (complete, spent) = mine_for(&mut self.mining, sources, budget_ms);
        self.mining_ms += spent;
        complete
    }

    /// Mines every source not mined yet, at once.
    pub fn mine_now(&mut self, sources: &[SourceData]) {
        self.mine_for(sources, f64::INFINITY);
    }

    /// Whether the id index is complete.
    pub fn ids_complete(&self) -> bool {
        self.ids.is_complete()
    }

    /// Builds the id index for about `budget_ms` (see [`build_ids_for`]); whether it is complete.
    pub fn build_ids_for(&mut self, sources: &[SourceData], budget_ms: f64) -> bool {
        build_ids_for(&mut self.ids, sources, budget_ms)
    }

    /// Source `index` was read again (in another zone): it is mined and its ids taken in again, and
    /// the skew estimate is worked out again on the next ask.
    pub fn source_replaced(&mut self, index: usize) {
        self.mining.replaced(index);
        self.ids.replaced(index);
        self.skew = None;
    }

    /// The id index, built first if it is not complete.
    fn ids(&mut self, sources: &[SourceData]) -> &IdIndex {
        self.ids.finish_now(sources)
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
        if needs_templates(&ask) {
            self.mine_now(case.sources());
        }
        Ok(match ask {
            Ask::Patterns => {
                let mut patterns = overview(
                    case.sources(),
                    self.mining.patterns(),
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
                let group = template_group(self.mining.patterns());
                let after = match window {
                    Some((from, to)) if to > from => Some(Window::new(from, to)),
                    _ => {
                        let spikes = find_spikes_with(
                            case.sources(),
                            case.offsets(),
                            &SpikeOptions::default(),
                            &template_key(self.mining.patterns()),
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
                    &template_key(self.mining.patterns()),
                ),
            },
        })
    }
}
