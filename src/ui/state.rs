//! The UI's state: what it shows, changed only by [`Action`]s through [`AppState::reduce`].
//!
//! The UI holds the case's summary (file reports, counts), the load in progress, and the one page of
//! rows on screen; the worker holds everything else. Replies are matched to the request ids the UI is
//! waiting for, so a stale reply (an older rows page, a load already given up) is dropped.

use std::rc::Rc;

use yew::Reducible;

use super::investigate_state::{InvestigateAction, InvestigateView};
use super::query_state::{QueryAction, QueryView};
use super::text;
use super::zones::DisplayZone;
use crate::engine::summary::FileSummary;
use crate::protocol::{LoadProgress, Reply, RequestId, Row, SourceZone};

/// The rows the worker sent for one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowsPage {
    /// Timeline position of `rows[0]`.
    pub start: u32,
    pub rows: Vec<Row>,
    /// Per row, the byte ranges of its text the filter matched (empty without a filter).
    pub marks: Vec<Vec<(u32, u32)>>,
    /// The [`AppState::view_generation`] the page was asked for.
    pub generation: u32,
}

impl RowsPage {
    /// Whether this page holds every row of `range` for the view `generation`.
    pub fn covers(&self, range: std::ops::Range<u32>, generation: u32) -> bool {
        self.generation == generation
            && range.start >= self.start
            && range.end <= self.start + self.rows.len() as u32
    }

    pub fn row(&self, position: u32) -> Option<&Row> {
        self.rows.get(position.checked_sub(self.start)? as usize)
    }

    /// The filter's matches in the text of the row at `position`.
    pub fn marks(&self, position: u32) -> &[(u32, u32)] {
        position
            .checked_sub(self.start)
            .and_then(|i| self.marks.get(i as usize))
            .map_or(&[], |m| m.as_slice())
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppState {
    /// Loads sent to the worker and not yet answered, oldest first.
    pub loads: Vec<RequestId>,
    /// Progress of the load being read now.
    pub progress: Option<LoadProgress>,
    /// Every file given to the case, failed ones included.
    pub files: Vec<FileSummary>,
    /// Files whose events the case holds.
    pub sources: u32,
    /// Events on the merged timeline.
    pub total_events: u64,
    /// Workers holding a part of the case each (known after the first load).
    pub shards: u32,
    /// Whether any load has finished.
    pub loaded_once: bool,
    /// Whether the last finished load was cancelled.
    pub last_cancelled: bool,
    pub newest_first: bool,
    /// Bumped whenever the rows on screen may no longer match the timeline (new data, new order).
    pub view_generation: u32,
    /// The rows request whose reply is awaited, and the generation it was made for.
    pub rows_request: Option<(RequestId, u32)>,
    pub page: Rc<RowsPage>,
    /// A drag with files is over the page.
    pub dragging: bool,
    /// The worker could not start or stopped.
    pub worker_error: Option<String>,
    /// The filter, its results and the selected row (see [`super::query_state`]).
    pub query: QueryView,
    /// Patterns, ids, context, skew, changes (see [`super::investigate_state`]).
    pub investigate: InvestigateView,
    /// The zone each source's zone-less timestamps were read in (as the worker last said).
    pub zones: Vec<SourceZone>,
    /// Bumped whenever a load changed the case (new files, or a file read again in another zone).
    pub data_generation: u32,
    /// A sentence about a request that changed nothing (an unknown zone typed for a file).
    pub load_error: Option<String>,
    /// The zone every shown time is rendered in.
    pub display: DisplayZone,
    /// A display zone typed that is no zone: the sentence saying so.
    pub display_error: Option<String>,
}

pub enum Action {
    /// A load request was sent.
    LoadStarted(RequestId),
    /// A rows request was sent.
    RowsRequested(RequestId),
    Reply(Reply),
    ToggleOrder,
    Dragging(bool),
    WorkerFailed(String),
    Query(QueryAction),
    Investigate(InvestigateAction),
    /// A zone request was refused before it was sent, with the sentence why.
    LoadRefused(String),
    /// The display zone was chosen (`UTC`, `Local` or a zone name).
    SetDisplayZone(String),
}

impl AppState {
    pub fn is_loading(&self) -> bool {
        !self.loads.is_empty()
    }

    /// The text of the page's one status region.
    pub fn status_text(&self) -> String {
        if let Some(error) = &self.worker_error {
            return error.clone();
        }
        if self.is_loading() {
            return match &self.progress {
                Some(p) => text::reading(p.bytes_read, p.bytes_total),
                None => "Getting ready to read…".to_string(),
            };
        }
        if !self.loaded_once {
            return "No files loaded yet.".to_string();
        }
        if let Some(filtered) = self.query.status(self.total_events) {
            return filtered;
        }
        let done = text::indexed(self.total_events, self.sources as u64);
        if self.last_cancelled {
            format!("Loading cancelled. {done}")
        } else {
            done
        }
    }

    /// Files whose report carries an error sentence.
    pub fn failed_files(&self) -> impl Iterator<Item = &FileSummary> {
        self.files.iter().filter(|f| f.error.is_some())
    }

    fn apply(&mut self, action: Action) {
        match action {
            Action::LoadStarted(id) => {
                self.loads.push(id);
            }
            Action::RowsRequested(id) => {
                self.rows_request = Some((id, self.view_generation));
            }
            Action::ToggleOrder => {
                self.newest_first = !self.newest_first;
                self.view_generation += 1;
            }
            Action::Dragging(on) => self.dragging = on,
            Action::WorkerFailed(message) => {
                self.worker_error = Some(message);
                self.loads.clear();
                self.progress = None;
            }
            Action::Reply(reply) => self.apply_reply(reply),
            Action::LoadRefused(message) => self.load_error = Some(message),
            Action::SetDisplayZone(choice) => {
                match DisplayZone::choose(&choice, &self.display.local) {
                    Ok(display) => {
                        self.display_error = None;
                        if display != self.display {
                            self.display = display;
                            // Typed times in the filter are read in the display zone.
                            self.view_generation += 1;
                        }
                    }
                    Err(e) => {
                        self.display_error =
                            Some(format!("The display time zone was not changed: {e}."))
                    }
                }
            }
            Action::Query(action) => self.apply_query_action(action),
            Action::Investigate(action) => {
                let generation = self.investigate.data_generation;
                self.investigate.apply(action);
                if self.investigate.data_generation != generation {
                    self.view_generation += 1;
                }
            }
        }
    }

    fn apply_reply(&mut self, reply: Reply) {
        match reply {
            Reply::Ready => {}
            Reply::Progress { id, progress } => {
                if self.loads.first() == Some(&id) {
                    self.progress = Some(progress);
                }
            }
            Reply::Loaded {
                id,
                files,
                sources,
                total_events,
                cancelled,
                elapsed_ms: _,
                zones,
                shards,
            } => {
                self.shards = shards;
                let Some(at) = self.loads.iter().position(|l| *l == id) else {
                    return;
                };
                self.loads.remove(at);
                self.progress = None;
                self.load_error = None;
                // A file read again in another zone keeps the count but moves on the timeline.
                if total_events != self.total_events || files != self.files || zones != self.zones {
                    self.view_generation += 1;
                    self.data_generation += 1;
                }
                self.files = files;
                self.sources = sources;
                self.zones = zones;
                self.total_events = total_events;
                self.loaded_once = true;
                self.last_cancelled = cancelled;
                self.after_load_for_query();
                self.investigate.apply(InvestigateAction::DataChanged);
            }
            Reply::Rows {
                id,
                start,
                total: _,
                rows,
            } => {
                if let Some((awaited, generation)) = self.rows_request {
                    if awaited == id {
                        self.rows_request = None;
                        self.page = Rc::new(RowsPage {
                            start,
                            rows,
                            marks: Vec::new(),
                            generation,
                        });
                    }
                }
            }
            reply @ (Reply::Query { .. } | Reply::FilteredRows { .. } | Reply::Details { .. }) => {
                self.apply_query_reply(reply)
            }
            Reply::Investigation { id, answer } => {
                let generation = self.investigate.data_generation;
                self.investigate.answered(id, answer);
                if self.investigate.data_generation != generation {
                    self.view_generation += 1;
                }
            }
            Reply::Failed { id, message } => {
                if let Some(at) = self.loads.iter().position(|l| *l == id) {
                    // A zone change the worker refused: nothing was read.
                    self.loads.remove(at);
                    self.progress = None;
                    self.load_error = Some(message);
                } else if self.investigate.awaits(id) {
                    self.investigate.failed(id, message);
                } else {
                    web_sys::console::warn_1(&message.into());
                }
            }
        }
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        // Drag events fire continuously; only a change is worth a render.
        if let Action::Dragging(on) = action {
            if on == self.dragging {
                return self;
            }
        }
        let mut next = (*self).clone();
        next.apply(action);
        Rc::new(next)
    }
}
