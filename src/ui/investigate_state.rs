//! The investigation part of the UI state: which panel shows, the worker's latest answers (patterns,
//! related ids, an id's story, context, skew, changes, spikes) and the requests they answer.
//!
//! Every ask records its request id under its [`AskKind`]; an answer is kept only when it answers the
//! latest ask of its kind, so a slow older answer never replaces a newer one.

use std::rc::Rc;

use crate::engine::correlate::changes::Changes;
use crate::engine::correlate::context::Context;
use crate::engine::correlate::follow::{Relation, Story};
use crate::engine::correlate::spikes::SpikeReport;
use crate::engine::correlate::EventRef;
use crate::engine::patterns::overview::PatternsOverview;
use crate::protocol::investigate::{Answer, Ask, SkewState, TimelinePosition};
use crate::protocol::RequestId;

/// The panels of the investigation area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Panel {
    #[default]
    Patterns,
    Follow,
    Context,
    Changes,
}

impl Panel {
    pub const ALL: [Panel; 4] = [
        Panel::Patterns,
        Panel::Follow,
        Panel::Context,
        Panel::Changes,
    ];

    /// The panel's heading and accessible name.
    pub fn title(self) -> &'static str {
        match self {
            Panel::Patterns => "Patterns",
            Panel::Follow => "Follow id",
            Panel::Context => "Context",
            Panel::Changes => "What changed",
        }
    }
}

/// Kinds of asks, each with its own latest request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskKind {
    Patterns = 0,
    Related,
    Follow,
    Context,
    Skew,
    Changes,
    Spikes,
}

impl AskKind {
    pub fn of(ask: &Ask) -> AskKind {
        match ask {
            Ask::Patterns => AskKind::Patterns,
            Ask::Related { .. } => AskKind::Related,
            Ask::Follow { .. } => AskKind::Follow,
            Ask::Context { .. } => AskKind::Context,
            Ask::Skew | Ask::SetOffsets { .. } => AskKind::Skew,
            Ask::Changes { .. } => AskKind::Changes,
            Ask::Spikes => AskKind::Spikes,
        }
    }

    fn of_answer(answer: &Answer) -> AskKind {
        match answer {
            Answer::Patterns { .. } => AskKind::Patterns,
            Answer::Related { .. } => AskKind::Related,
            Answer::Follow { .. } => AskKind::Follow,
            Answer::Context { .. } => AskKind::Context,
            Answer::Skew { .. } => AskKind::Skew,
            Answer::Changes { .. } => AskKind::Changes,
            Answer::Spikes { .. } => AskKind::Spikes,
        }
    }
}

/// The ids of one event and who shares them.
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    pub event: EventRef,
    pub relations: Vec<Relation>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InvestigateView {
    pub panel: Panel,
    /// Show the templates of this source only (else all sources together).
    pub patterns_source: Option<String>,
    pub patterns: Option<Rc<PatternsOverview>>,
    /// The event the Related-by list and the context are about.
    pub selected: Option<TimelinePosition>,
    pub related: Option<Rc<Related>>,
    pub story: Option<Rc<Story>>,
    pub context: Option<Rc<Context>>,
    /// Half-width of the context window, in seconds.
    pub context_seconds: f64,
    /// Whether the list shows the context window instead of the filtered list.
    pub context_shown: bool,
    pub skew: Option<Rc<SkewState>>,
    /// Whether the user dismissed the skew offer.
    pub skew_dismissed: bool,
    pub changes: Option<Rc<Changes>>,
    /// The window What changed compares (`from_ns`, `to_ns`); `None`: the incident the spike finder
    /// marks.
    pub changes_window: Option<(i64, i64)>,
    pub spikes: Option<Rc<SpikeReport>>,
    /// The latest request of each [`AskKind`].
    pub awaited: [Option<RequestId>; 7],
    /// Bumped when the case changed (a load finished, offsets applied): overviews are asked again.
    pub data_generation: u32,
    /// The last ask that failed, as a sentence.
    pub error: Option<String>,
}

impl Default for InvestigateView {
    fn default() -> Self {
        InvestigateView {
            panel: Panel::default(),
            patterns_source: None,
            patterns: None,
            selected: None,
            related: None,
            story: None,
            context: None,
            context_seconds: 5.0,
            context_shown: false,
            skew: None,
            skew_dismissed: false,
            changes: None,
            changes_window: None,
            spikes: None,
            awaited: [None; 7],
            data_generation: 0,
            error: None,
        }
    }
}

pub enum InvestigateAction {
    Show(Panel),
    PatternsSource(Option<String>),
    /// An ask was sent.
    Asked(AskKind, RequestId),
    /// An event was chosen (its ids and context are asked for).
    Select(Option<TimelinePosition>),
    ContextSeconds(f64),
    ShowContext(bool),
    DismissSkew,
    /// Compare this window (and show What changed).
    CompareWindow(Option<(i64, i64)>),
    /// A load finished or offsets changed.
    DataChanged,
}

impl InvestigateView {
    pub fn apply(&mut self, action: InvestigateAction) {
        match action {
            InvestigateAction::Show(panel) => self.panel = panel,
            InvestigateAction::PatternsSource(source) => self.patterns_source = source,
            InvestigateAction::Asked(kind, id) => self.awaited[kind as usize] = Some(id),
            InvestigateAction::Select(at) => {
                if at != self.selected {
                    self.selected = at;
                    self.related = None;
                    self.context = None;
                }
            }
            InvestigateAction::ContextSeconds(s) => {
                if s.is_finite() && s > 0.0 {
                    self.context_seconds = s;
                }
            }
            InvestigateAction::ShowContext(on) => self.context_shown = on,
            InvestigateAction::DismissSkew => self.skew_dismissed = true,
            InvestigateAction::CompareWindow(window) => {
                self.changes_window = window;
                self.panel = Panel::Changes;
            }
            InvestigateAction::DataChanged => {
                self.data_generation += 1;
                // Positions point elsewhere in a re-merged timeline.
                self.selected = None;
                self.related = None;
                self.context = None;
                self.context_shown = false;
            }
        }
    }

    /// Whether `id` is the latest request of some kind (its failure then belongs here).
    pub fn awaits(&self, id: RequestId) -> bool {
        self.awaited.contains(&Some(id))
    }

    pub fn failed(&mut self, id: RequestId, message: String) {
        if let Some(slot) = self.awaited.iter_mut().find(|a| **a == Some(id)) {
            *slot = None;
            self.error = Some(message);
        }
    }

    /// Keeps `answer` when it answers the latest ask of its kind.
    pub fn answered(&mut self, id: RequestId, answer: Answer) {
        let kind = AskKind::of_answer(&answer);
        if self.awaited[kind as usize] != Some(id) {
            return;
        }
        self.awaited[kind as usize] = None;
        self.error = None;
        match answer {
            Answer::Patterns { patterns } => self.patterns = Some(Rc::new(patterns)),
            Answer::Related { event, relations } => {
                self.related = Some(Rc::new(Related { event, relations }))
            }
            Answer::Follow { story } => {
                self.story = Some(Rc::new(story));
                self.panel = Panel::Follow;
            }
            Answer::Context { context } => self.context = Some(Rc::new(context)),
            Answer::Skew { skew } => {
                let changed = self
                    .skew
                    .as_ref()
                    .is_some_and(|old| old.applied_s != skew.applied_s);
                self.skew = Some(Rc::new(skew));
                if changed {
                    self.apply(InvestigateAction::DataChanged);
                }
            }
            Answer::Changes { changes } => self.changes = Some(Rc::new(changes)),
            Answer::Spikes { spikes } => self.spikes = Some(Rc::new(spikes)),
        }
    }
}
