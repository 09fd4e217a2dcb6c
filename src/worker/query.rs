//! The worker's handling of query requests: filtering, pages of the filtered list, row details.
//!
//! A [`Request::Query`] is answered in parts, cheapest first: the parse errors with the first page of
//! rows (found without evaluating the whole case), then the full count, the histogram and the facets.
//! Between two parts the worker returns to its event loop; if a newer query has arrived by then the
//! older one is abandoned, so typing never queues up work. The evaluation is kept (see
//! [`super::filter::Evaluated`]) for the page and detail requests that follow.
//!
//! After a load (or a zone re-read) completes, [`warm_up`] builds the token indexes and then the
//! field columns of each source's common fields in the background, in steps of a few milliseconds
//! with a return to the event loop between two, so the first query finds them ready. The work
//! stops when another load starts or another warm-up replaces it, and starts over when the case
//! changed under it. A query arriving meanwhile uses the indexes as far as they are built and scans
//! the events they do not cover yet (see [`crate::engine::index::SourceIndex::candidates`]: events
//! outside an index's range are never ruled out), and reads whatever columns exist (the others are
//! built by its evaluation, as without the warm-up); the warm-up goes on after it. Its results never
//! depend on how far the warm-up got. Why not finish the indexes first: on the 1 GB set that took
//! about 2.5–4.7 s per shard right after a load, while scanning the text the index does not cover
//! yet takes a fraction of that (tokenising every event costs more than searching for one word).
//! Only when no warm-up is under way (it was stopped by a load, or none was started for the case as
//! it is now) does a query complete the indexes itself, as nothing else would. The field columns a
//! query builds meanwhile cover the whole source and outlive the warm-up's steps (see
//! [`crate::engine::query::columns`]), so the first field query after a load pays for them once.
//!
//! Template placeholder facets need the templates mined in the background after a load
//! ([`super::correlate::mine_in_background`]): the facets of a query answered before the mining
//! ended lack them, and are posted again, complete, once it ends (unless a newer query came).

use std::cell::RefCell;
use std::rc::Rc;

use crate::engine::patterns::SourcePatterns;

use super::case::Case;
use super::filter::{CaseView, CompiledFilter, Evaluated};
use super::read::{fine_ms, now_ms, sleep_ms, stats, yield_to_event_loop, YIELD_EVERY_MS};
use super::WorkerCore;
use crate::engine::fields::FieldReader;
use crate::engine::index::{SourceIndex, GROUP_EVENTS};
use crate::engine::query::columns::common_fields;
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
    /// The number of the current warm-up; older ones stop at their next step.
    warm_task: u64,
    /// Whether the current warm-up is still running (it goes on building what queries need).
    warming: bool,
    /// Query parts worked out in steps right now (see [`hold_warm_up`]): the warm-up waits.
    held: u32,
    /// The columns the warm-up still has to build: (source, field) pairs, the next one last, and
    /// the next chunk of the last one. `None` until planned for the current indexes.
    prebuild: Option<(Vec<(usize, String)>, usize)>,
}

/// Events indexed per warm-up step (about 10 ms of work in a browser).
const INDEX_STEP_EVENTS: usize = 64 * GROUP_EVENTS;
/// How often a query whose facets lack placeholder fields looks whether the mining has ended.
const MINED_POLL_MS: f64 = 2.0 * YIELD_EVERY_MS;
/// Events sampled per source to choose the fields to pre-build.
const COMMON_FIELDS_SAMPLE: usize = 2_000;
/// Most fields pre-built per source.
const COMMON_FIELDS_MAX: usize = 8;

impl QueryState {
    /// Starts over with empty indexes (and forgets the evaluation) when the case has changed.
    fn follow_case(&mut self, case: &Case) {
        let key = (
            case.source_count(),
            case.total_events(),
            case.content_generation(),
        );
        if self.indexed != key {
            self.indexes = case
                .sources()
                .iter()
                .map(|_| SourceIndex::default())
                .collect();
            self.indexed = key;
            self.evaluated = None;
            self.prebuild = None;
            super::filter::forget_compiled();
        }
    }

    /// Makes the indexes ready for a query over the case as it is now: as far as they are built
    /// while the warm-up is running (the query scans the rest), whole otherwise.
    fn refresh(&mut self, case: &Case) {
        self.follow_case(case);
        if self.warming {
            return;
        }
        for (index, source) in self.indexes.iter_mut().zip(case.sources()) {
            index.extend_to(source, source.len());
        }
    }

    /// One bounded step of the warm-up: a stretch of an index, else one chunk of a common field's
    /// column. Returns whether there is more to do.
    fn warm_step(&mut self, case: &Case) -> bool {
        self.follow_case(case);
        let sources = case.sources();
        for (index, source) in self.indexes.iter_mut().zip(sources) {
            if index.end() < source.len() {
                index.extend_to(source, index.end() + INDEX_STEP_EVENTS);
                return true;
            }
        }
        let (pending, chunk) = self.prebuild.get_or_insert_with(|| {
            let mut pending: Vec<(usize, String)> = Vec::new();
            for (s, source) in sources.iter().enumerate() {
                let reader = FieldReader::for_source(source);
                let fields = common_fields(
                    source,
                    &reader,
                    0..source.len(),
                    COMMON_FIELDS_SAMPLE,
                    COMMON_FIELDS_MAX,
                );
                pending.extend(fields.into_iter().map(|f| (s, f)));
            }
            pending.reverse();
            (pending, 0)
        });
        let Some((s, field)) = pending.last() else {
            return false;
        };
        let (source, columns) = (&sources[*s], self.indexes[*s].columns());
        let reader = FieldReader::for_source(source);
        let room = columns.prebuild(field, *chunk..*chunk + 1, source, &reader);
        *chunk += 1;
        if !room {
            // This source's columns are full: none of its other fields either.
            let full = *s;
            pending.retain(|(other, _)| *other != full);
            *chunk = 0;
        } else if *chunk >= columns.chunk_count() || columns.ready(field, 0..source.len()) {
            pending.pop();
            *chunk = 0;
        }
        !pending.is_empty()
    }
}

/// A worker holding a case: the one worker, or a shard.
pub(super) trait HoldsCase {
    fn case(&self) -> &RefCell<Case>;
    /// Whether a load (or zone change) is running, which stops the warm-up.
    fn loading(&self) -> bool;
}

impl HoldsCase for WorkerCore {
    fn case(&self) -> &RefCell<Case> {
        &self.case
    }
    fn loading(&self) -> bool {
        self.running.get()
    }
}

/// Builds the indexes and the common fields' columns of the case in the background (see the
/// module documentation); called when loading has completed (on a shard: after a commit).
pub(super) fn warm_up(core: Rc<impl HoldsCase + 'static>) {
    let task = STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.warm_task += 1;
        s.warming = true;
        s.warm_task
    });
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            yield_to_event_loop().await;
            let replaced = STATE.with(|s| s.borrow().warm_task != task);
            if replaced {
                return;
            }
            if core.loading() {
                break;
            }
            if STATE.with(|s| s.borrow().held > 0) {
                continue;
            }
            let Ok(case) = core.case().try_borrow() else {
                continue;
            };
            let started = fine_ms();
            let more = STATE.with(|s| s.borrow_mut().warm_step(&case));
            stats::trace("warm-up step", started);
            if !more {
                break;
            }
        }
        // Queries complete the indexes themselves from now on (nothing else would).
        STATE.with(|s| s.borrow_mut().warming = false);
    });
}

/// Holds the warm-up back while a query part is worked out in steps (a shard's facets), so the
/// part does not share its returns to the event loop with warm-up steps; `false` lets it go on.
pub(super) fn hold_warm_up(hold: bool) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.held = if hold {
            s.held + 1
        } else {
            s.held.saturating_sub(1)
        };
    });
}

thread_local! {
    static STATE: RefCell<QueryState> = RefCell::new(QueryState::default());
    /// When the last query request arrived or the last part of one was posted (ms since the epoch).
    static LAST_QUERY_MS: std::cell::Cell<f64> = const { std::cell::Cell::new(f64::NEG_INFINITY) };
}

/// When this worker last received a query request or posted a part of one, in ms since the epoch
/// (the one worker's investigation asks wait for a quiet moment, see [`super::read::QUERY_QUIET_MS`]).
pub(super) fn last_query_ms() -> f64 {
    LAST_QUERY_MS.with(|t| t.get())
}

fn query_active() {
    LAST_QUERY_MS.with(|t| t.set(now_ms()));
}

/// Handles a query request; other requests are not touched.
pub(super) fn handle(core: Rc<WorkerCore>, request: Request) {
    query_active();
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
    evaluate(&case, investigation.patterns(), None, filter, f)
}

/// Runs `f` on the view of `case` (whose sources `patterns` belong to) a filter typed in the display
/// zone `zone` sees, with the indexes as [`QueryState::refresh`] leaves them; `case_span` is the whole case's span when `case` is
/// one shard of it. The worker's indexes and columns are kept for the next call.
pub(super) fn with_view<T>(
    case: &Case,
    patterns: &[SourcePatterns],
    case_span: Option<(Option<i64>, Option<i64>)>,
    zone: &str,
    f: impl FnOnce(&CaseView<'_>) -> T,
) -> T {
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        state.refresh(case);
        let view = CaseView {
            case_span,
            ..CaseView::of_case(case, &state.indexes, patterns, zone)
        };
        f(&view)
    })
}

/// Runs `f` on the evaluation of `filter` over the view [`with_view`] gives (evaluating it unless
/// the kept evaluation answers it).
pub(super) fn evaluate<T>(
    case: &Case,
    patterns: &[SourcePatterns],
    case_span: Option<(Option<i64>, Option<i64>)>,
    filter: &FilterSpec,
    f: impl FnOnce(&CaseView<'_>, &Evaluated) -> T,
) -> T {
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        state.refresh(case);
        let view = CaseView {
            case_span,
            ..CaseView::of_case(case, &state.indexes, patterns, &filter.zone)
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

/// Forgets the kept evaluation (a shard's case span changed, which its key does not show).
pub(super) fn forget_evaluation() {
    STATE.with(|s| s.borrow_mut().evaluated = None);
    super::filter::forget_compiled();
}

fn is_latest(id: RequestId) -> bool {
    STATE.with(|s| s.borrow().latest == id)
}

async fn run_query(core: Rc<WorkerCore>, id: RequestId, filter: FilterSpec, first_page: u32) {
    // Part 1: errors and the first rows.
    let first = {
        let case = core.case.borrow();
        let investigation = core.investigation.borrow();
        with_view(
            &case,
            investigation.patterns(),
            None,
            &filter.zone,
            |view| {
                let compiled = CompiledFilter::new(&filter, view);
                let errors = compiled.query.errors().to_vec();
                let (rows, complete) = if filter.is_empty() {
                    (Vec::new(), false)
                } else {
                    compiled.first_page(view, first_page as usize, filter.newest_first)
                };
                QueryPart::FirstPage {
                    errors,
                    rows,
                    complete,
                }
            },
        )
    };
    core.post(&Reply::Query { id, part: first });
    query_active();
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
    query_active();
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
    query_active();
    yield_to_event_loop().await;
    if !is_latest(id) {
        return;
    }
    let mining = !core.investigation.borrow().mined();
    let facets = with_evaluated(&core, &filter, |case, ev| QueryPart::Facets {
        facets: ev.facets(case),
    });
    core.post(&Reply::Query { id, part: facets });
    if mining {
        facets_when_mined(core, id, filter).await;
    }
}

/// Once every source is mined, the facets of query `id` again, now with the placeholder fields of
/// the template its matches share (the sources not mined had no templates when the facets were
/// found), unless a newer query came meanwhile. The UI shows the second facets part in place of the
/// first. Waiting does not count as query activity, so the mining goes on meanwhile.
async fn facets_when_mined(core: Rc<WorkerCore>, id: RequestId, filter: FilterSpec) {
    loop {
        sleep_ms(MINED_POLL_MS).await;
        if !is_latest(id) {
            return;
        }
        if core.investigation.try_borrow().is_ok_and(|i| i.mined()) {
            break;
        }
    }
    let facets = with_evaluated(&core, &filter, |case, ev| QueryPart::Facets {
        facets: ev.facets(case),
    });
    core.post(&Reply::Query { id, part: facets });
}
