//! The filter's part of the UI state: the committed filter, the answer parts of the latest query,
//! the selected row and its details, the help overlay.
//!
//! Only the latest query's parts are kept (older ones are stale and dropped by request id). While a
//! filter is applied the list shows its matches: its length is the first page's until the count
//! arrives, then the count.

use std::rc::Rc;

use super::state::{AppState, RowsPage};
use super::text;
use crate::engine::query::{Facets, QueryError, StackBy};
use crate::protocol::query::{EventDetails, FilterSpec, HistogramData, QueryPart, TimeRange};
use crate::protocol::{Reply, RequestId};

/// What the filter shows and what the worker answered for it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryView {
    /// The committed filter text (what the worker was asked).
    pub text: String,
    pub range: Option<TimeRange>,
    pub stack_by: StackBy,
    /// The newest query request, and the view generation it was made for.
    pub request: Option<(RequestId, u32)>,
    /// Mistakes in the committed text, with the byte ranges to underline.
    pub errors: Vec<QueryError>,
    /// Rows in the filtered list as far as known (the first page until the count arrives).
    pub shown: u64,
    /// Matches counted (None while counting).
    pub matched: Option<u64>,
    pub histogram: Option<Rc<HistogramData>>,
    pub facets: Option<Rc<Facets>>,
    /// The selected row of the list (its index in the list).
    pub selected: Option<u32>,
    pub details_request: Option<RequestId>,
    pub details: Option<Rc<EventDetails>>,
    pub help_open: bool,
    /// The fragment state waiting for files to be loaded, from the page's URL.
    pub pending_selection: Option<u32>,
}

impl Default for QueryView {
    fn default() -> Self {
        QueryView {
            text: String::new(),
            range: None,
            stack_by: StackBy::Level,
            request: None,
            errors: Vec::new(),
            shown: 0,
            matched: None,
            histogram: None,
            facets: None,
            selected: None,
            details_request: None,
            details: None,
            help_open: false,
            pending_selection: None,
        }
    }
}

/// Changes to the filter's state.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryAction {
    /// Commit a filter text (typed and settled, or edited by a facet click).
    SetText(String),
    SetRange(Option<TimeRange>),
    SetStackBy(StackBy),
    /// A query request was sent.
    Requested(RequestId),
    DetailsRequested(RequestId),
    FilteredRowsRequested(RequestId),
    Select(Option<u32>),
    ShowHelp(bool),
    /// The state read from the URL fragment.
    Restore {
        text: String,
        range: Option<TimeRange>,
        newest_first: bool,
        selected: Option<u32>,
    },
}

impl QueryView {
    pub fn is_filtered(&self) -> bool {
        !self.text.trim().is_empty() || self.range.is_some()
    }

    /// The status line with a filter applied: "M of N events match".
    pub fn status(&self, total_events: u64) -> Option<String> {
        if !self.is_filtered() {
            return None;
        }
        Some(match self.matched {
            Some(m) => text::matching(m, total_events),
            None => "Counting matches…".to_string(),
        })
    }
}

impl AppState {
    /// The filter as the worker needs it.
    pub fn filter_spec(&self) -> FilterSpec {
        FilterSpec {
            text: self.query.text.clone(),
            range: self.query.range,
            newest_first: self.newest_first,
            stack_by: self.query.stack_by,
            zone: self.display.name().to_string(),
        }
    }

    /// Rows in the list: the filter's matches, or the whole timeline.
    pub fn list_len(&self) -> u64 {
        if self.query.is_filtered() {
            self.query.shown
        } else {
            self.total_events
        }
    }

    /// A new filter: the list starts again from its first page.
    fn filter_changed(&mut self) {
        self.view_generation += 1;
        self.query.matched = None;
        self.query.shown = 0;
        self.query.errors.clear();
        self.query.selected = None;
        self.query.details = None;
    }

    pub(super) fn apply_query_action(&mut self, action: QueryAction) {
        match action {
            QueryAction::SetText(text) => {
                if text != self.query.text {
                    self.query.text = text;
                    self.filter_changed();
                }
            }
            QueryAction::SetRange(range) => {
                if range != self.query.range {
                    self.query.range = range;
                    self.filter_changed();
                }
            }
            QueryAction::SetStackBy(by) => self.query.stack_by = by,
            QueryAction::Requested(id) => {
                self.query.request = Some((id, self.view_generation));
            }
            QueryAction::DetailsRequested(id) => self.query.details_request = Some(id),
            QueryAction::FilteredRowsRequested(id) => {
                self.rows_request = Some((id, self.view_generation));
            }
            QueryAction::Select(index) => {
                let index = index.filter(|i| (*i as u64) < self.list_len());
                if index != self.query.selected {
                    self.query.selected = index;
                    if index.is_none() {
                        self.query.details = None;
                        self.query.details_request = None;
                    }
                }
            }
            QueryAction::ShowHelp(open) => self.query.help_open = open,
            QueryAction::Restore {
                text,
                range,
                newest_first,
                selected,
            } => {
                let changed = text != self.query.text
                    || range != self.query.range
                    || newest_first != self.newest_first;
                self.query.text = text;
                self.query.range = range;
                self.newest_first = newest_first;
                if changed {
                    self.filter_changed();
                }
                self.query.pending_selection = selected;
                if self.list_len() > 0 {
                    self.take_pending_selection();
                }
            }
        }
    }

    /// Applies a selection read from the URL once the list has rows.
    fn take_pending_selection(&mut self) {
        if let Some(s) = self.query.pending_selection {
            if (s as u64) < self.list_len() {
                self.query.pending_selection = None;
                self.query.selected = Some(s);
            }
        }
    }

    pub(super) fn apply_query_reply(&mut self, reply: Reply) {
        match reply {
            Reply::Query { id, part } => {
                let Some((awaited, generation)) = self.query.request else {
                    return;
                };
                if awaited != id {
                    return;
                }
                let current = generation == self.view_generation;
                match part {
                    QueryPart::FirstPage {
                        errors,
                        rows,
                        complete,
                    } => {
                        self.query.errors = errors;
                        if current && self.query.is_filtered() {
                            self.query.shown = rows.len() as u64;
                            if complete {
                                self.query.matched = Some(rows.len() as u64);
                            }
                            let (rows, marks) = rows.into_iter().map(|r| (r.row, r.marks)).unzip();
                            self.page = Rc::new(RowsPage {
                                start: 0,
                                rows,
                                marks,
                                generation,
                            });
                        }
                    }
                    // A count for a filter the person has since changed would be shown under the
                    // new filter's text ("N of N events match" for a phrase that matches less).
                    QueryPart::Count { matched, total: _ } if current => {
                        self.query.matched = Some(matched);
                        if self.query.is_filtered() {
                            self.query.shown = matched;
                        }
                    }
                    QueryPart::Count { .. } => {}
                    QueryPart::Histogram { histogram } => {
                        self.query.histogram = Some(Rc::new(histogram));
                    }
                    QueryPart::Facets { facets } => {
                        self.query.facets = Some(Rc::new(facets));
                    }
                }
                self.take_pending_selection();
            }
            Reply::FilteredRows {
                id,
                start,
                total: _,
                rows,
            } => {
                if let Some((awaited, generation)) = self.rows_request {
                    if awaited == id {
                        self.rows_request = None;
                        let (rows, marks) = rows.into_iter().map(|r| (r.row, r.marks)).unzip();
                        self.page = Rc::new(RowsPage {
                            start,
                            rows,
                            marks,
                            generation,
                        });
                    }
                }
            }
            Reply::Details { id, details } if self.query.details_request == Some(id) => {
                self.query.details_request = None;
                self.query.details = Some(Rc::new(details));
            }
            _ => {}
        }
    }

    /// Called after a load finished: a URL selection may now apply.
    pub(super) fn after_load_for_query(&mut self) {
        if !self.query.is_filtered() {
            self.take_pending_selection();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(id: RequestId, matched: u64) -> Reply {
        Reply::Query {
            id,
            part: QueryPart::Count {
                matched,
                total: 100,
            },
        }
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn a_count_for_a_filter_since_changed_is_not_shown_under_the_new_text() {
        let mut state = AppState::default();
        state.apply_query_action(QueryAction::SetText("timeout".into()));
        state.apply_query_action(QueryAction::Requested(7));
        // The person types on before the count of "timeout" arrives.
        state.apply_query_action(QueryAction::SetText("timeout refused".into()));
        state.apply_query_reply(count(7, 100));
        assert_eq!(state.query.matched, None);
        assert_eq!(
            state.query.status(100),
            Some("Counting matches…".to_string())
        );
        // The new filter's own count is shown.
        state.apply_query_action(QueryAction::Requested(8));
        state.apply_query_reply(count(8, 12));
        assert_eq!(state.query.matched, Some(12));
        assert_eq!(state.query.shown, 12);
    }
}
