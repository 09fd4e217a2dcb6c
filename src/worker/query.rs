//! The worker's handling of query requests: filtering, pages of the filtered list, row details.
//!
//! A [`Request::Query`] is answered in parts, cheapest first: the parse errors with the first page of
//! rows (found without evaluating the whole case), then the full count, the histogram and the facets.
//! Between two parts the worker returns to its event loop; if a newer query has arrived by then the
//! older one is abandoned, so typing never queues up work. The evaluation is kept (see
//! [`super::filter::Evaluated`]) for the page and detail requests that follow.

use std::cell::RefCell;
use std::rc::Rc;

use super::case::Case;
use super::filter::{build_indexes, CaseView, CompiledFilter, Evaluated};
use super::read::yield_to_event_loop;
use super::WorkerCore;
use crate::engine::index::SourceIndex;
use crate::protocol::query::{FilterSpec, QueryPart};
use crate::protocol::{Reply, Request, RequestId};

/// The query state of one worker.
#[derive(Default)]
struct QueryState {
    /// Token indexes of the case's sources, and the case size (and content generation: a source read
    /// again in another zone) they were built for.
    indexes: Vec<SourceIndex>,
    indexed: (usize, usize, u64),
    /// The latest filter evaluated over the whole case.
    evaluated: Option<Rc<Evaluated>>,
    /// The id of the newest query request; older ones stop at their next part.
    latest: RequestId,
}

impl QueryState {
    /// Builds the indexes again (and forgets the evaluation) when the case has changed.
    fn refresh(&mut self, case: &Case) {
        let key = (
            case.source_count(),
            case.total_events(),
            case.content_generation(),
        );
        if self.indexed != key {
            self.indexes = build_indexes(case.sources());
            self.indexed = key;
            self.evaluated = None;
        }
    }
}

thread_local! {
    static STATE: RefCell<QueryState> = RefCell::new(QueryState::default());
}

/// Handles a query request; other requests are not touched.
pub(super) fn handle(core: Rc<WorkerCore>, request: Request) {
    match request {
        Request::Query {
            id,
            filter,
            first_page,
        } => {
            STATE.with(|s| s.borrow_mut().latest = id);
            wasm_bindgen_futures::spawn_local(run_query(core, id, filter, first_page));
        }
        Request::FilteredRows {
            id,
            filter,
            start,
            count,
        } => {
            let (total, rows) = with_evaluated(&core, &filter, |case, ev| {
                (
                    ev.count() as u32,
                    ev.rows(case, start, count, filter.newest_first),
                )
            });
            core.post(&Reply::FilteredRows {
                id,
                start,
                total,
                rows,
            });
        }
        Request::Details { id, filter, index } => {
            let filtered = !filter.is_empty();
            let details = with_evaluated(&core, &filter, |case, ev| {
                ev.details(case, index, filter.newest_first, filtered)
            });
            match details {
                Some(details) => core.post(&Reply::Details { id, details }),
                None => core.post(&Reply::Failed {
                    id,
                    message: format!("There is no row {} in the list.", index + 1),
                }),
            }
        }
        _ => {}
    }
}

/// Runs `f` on the evaluation of `filter` over the case as it is now (evaluating it if needed).
fn with_evaluated<T>(
    core: &WorkerCore,
    filter: &FilterSpec,
    f: impl FnOnce(&CaseView<'_>, &Evaluated) -> T,
) -> T {
    let case = core.case.borrow();
    let investigation = core.investigation.borrow();
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        state.refresh(&case);
        let view = CaseView {
            sources: case.sources(),
            indexes: &state.indexes,
            timeline: case.timeline(),
            offsets: case.offsets().as_ns(),
            zone: super::zone_named(&filter.zone),
            patterns: investigation.patterns(),
        };
        let evaluated = match &state.evaluated {
            Some(ev) if ev.answers(filter, &view) => ev.clone(),
            _ => Rc::new(Evaluated::new(filter, &view)),
        };
        let out = f(&view, &evaluated);
        state.evaluated = Some(evaluated);
        out
    })
}

fn is_latest(id: RequestId) -> bool {
    STATE.with(|s| s.borrow().latest == id)
}

async fn run_query(core: Rc<WorkerCore>, id: RequestId, filter: FilterSpec, first_page: u32) {
    // Part 1: errors and the first rows.
    let first = {
        let case = core.case.borrow();
        let investigation = core.investigation.borrow();
        STATE.with(|state| {
            let mut state = state.borrow_mut();
            state.refresh(&case);
            let view = CaseView {
                sources: case.sources(),
                indexes: &state.indexes,
                timeline: case.timeline(),
                offsets: case.offsets().as_ns(),
                zone: super::zone_named(&filter.zone),
                patterns: investigation.patterns(),
            };
            let compiled = CompiledFilter::new(&filter, &view);
            let errors = compiled.query.errors().to_vec();
            let (rows, complete) = if filter.is_empty() {
                (Vec::new(), false)
            } else {
                compiled.first_page(&view, first_page as usize, filter.newest_first)
            };
            QueryPart::FirstPage {
                errors,
                rows,
                complete,
            }
        })
    };
    core.post(&Reply::Query { id, part: first });
    yield_to_event_loop().await;
    if !is_latest(id) {
        return;
    }
    // Part 2: the full count (and the evaluation the later parts and pages use).
    let count = with_evaluated(&core, &filter, |case, ev| QueryPart::Count {
        matched: ev.count(),
        total: case.timeline.len() as u64,
    });
    core.post(&Reply::Query { id, part: count });
    yield_to_event_loop().await;
    if !is_latest(id) {
        return;
    }
    let histogram = with_evaluated(&core, &filter, |case, ev| QueryPart::Histogram {
        histogram: ev.histogram(case, filter.range, filter.stack_by).into(),
    });
    core.post(&Reply::Query {
        id,
        part: histogram,
    });
    yield_to_event_loop().await;
    if !is_latest(id) {
        return;
    }
    let facets = with_evaluated(&core, &filter, |case, ev| QueryPart::Facets {
        facets: ev.facets(case),
    });
    core.post(&Reply::Query { id, part: facets });
}
