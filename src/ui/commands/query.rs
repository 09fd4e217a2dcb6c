//! The filter's commands: run a query, fetch a page of the filtered list, fetch a row's details.

use super::Commands;
use crate::protocol::query::FilterSpec;
use crate::protocol::Request;
use crate::ui::query_state::QueryAction;
use crate::ui::state::Action;

/// Rows sent with a query's first part: more than a screen, so the list shows at once.
pub const FIRST_PAGE_ROWS: u32 = 100;

impl Commands {
    /// Posts a request made from a fresh id, after recording the id with `record`.
    fn send_query_request(
        &self,
        record: impl FnOnce(u32) -> QueryAction,
        make: impl FnOnce(u32) -> Request,
    ) {
        let bridge = match self.bridge.as_ref() {
            Ok(b) => b,
            Err(e) => {
                self.dispatch.dispatch(Action::WorkerFailed(e.clone()));
                return;
            }
        };
        let id = bridge.next_id();
        self.dispatch.dispatch(Action::Query(record(id)));
        if let Err(e) = bridge.send(&make(id), &[]) {
            self.dispatch.dispatch(Action::WorkerFailed(e));
        }
    }

    /// Filters the case: the answer comes in parts (first page, count, histogram, facets).
    pub fn run_query(&self, filter: FilterSpec) {
        self.send_query_request(QueryAction::Requested, |id| Request::Query {
            id,
            filter,
            first_page: FIRST_PAGE_ROWS,
        });
    }

    pub fn request_filtered_rows(&self, filter: FilterSpec, start: u32, count: u32) {
        self.send_query_request(QueryAction::FilteredRowsRequested, |id| {
            Request::FilteredRows {
                id,
                filter,
                start,
                count,
            }
        });
    }

    pub fn request_details(&self, filter: FilterSpec, index: u32) {
        self.send_query_request(QueryAction::DetailsRequested, |id| Request::Details {
            id,
            filter,
            index,
        });
    }
}
