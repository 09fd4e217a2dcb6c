//! The merged timeline as a virtualized list: fixed-height rows, only the visible ones (plus a small
//! overscan) in the DOM, fetched from the worker for the visible window.
//!
//! A spacer as tall as all rows gives the scroll bar its range; the rendered window is moved to the
//! scroll position with a CSS transform. Both are set through the CSSOM (`style.setProperty`), which
//! the Content-Security-Policy allows, unlike `style` attributes. Browsers cap an element's height
//! (~33 million px in Chromium), so past [`MAX_SPACER_PX`] the scroll position maps proportionally onto
//! row positions and the list moves in whole rows.

use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

use super::marked::marked_text;
use crate::protocol::query::FilterSpec;
use crate::protocol::Row;
use crate::ui::commands::Commands;
use crate::ui::state::{Action, RowsPage};
use crate::ui::zones::DisplayZone;

/// Height of one row; the CSS reads it from `--row-height`, set from here.
pub const ROW_HEIGHT_PX: f64 = 24.0;
/// Tallest spacer used; longer timelines scroll proportionally.
pub const MAX_SPACER_PX: f64 = 8_000_000.0;
/// Rows rendered above and below the visible ones.
pub const OVERSCAN_ROWS: u32 = 4;
/// Extra rows fetched on each side, so small scrolls need no new request.
pub const PREFETCH_ROWS: u32 = 40;

/// Where the list is: which rows to render and where to put them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    /// Rows to render: `first..end`.
    pub first: u32,
    pub end: u32,
    /// Height of the spacer.
    pub spacer_px: f64,
    /// Offset of the first rendered row from the top of the spacer.
    pub window_top_px: f64,
}

impl Geometry {
    pub fn new(total: u32, scroll_top_px: f64, viewport_px: f64) -> Geometry {
        let visible = (viewport_px / ROW_HEIGHT_PX).ceil().max(1.0) as u32 + 1;
        let full_px = total as f64 * ROW_HEIGHT_PX;
        let scroll_top_px = scroll_top_px.max(0.0);
        let (top_row, spacer_px, top_row_px) = if full_px <= MAX_SPACER_PX {
            let row = ((scroll_top_px / ROW_HEIGHT_PX).floor() as u32).min(total.saturating_sub(1));
            (row, full_px, row as f64 * ROW_HEIGHT_PX)
        } else {
            let max_scroll = (MAX_SPACER_PX - viewport_px).max(1.0);
            let max_row = total.saturating_sub(visible.saturating_sub(1));
            let row = ((scroll_top_px / max_scroll).min(1.0) * max_row as f64).round() as u32;
            (row, MAX_SPACER_PX, scroll_top_px)
        };
        let first = top_row.saturating_sub(OVERSCAN_ROWS);
        let end = top_row.saturating_add(visible + OVERSCAN_ROWS).min(total);
        Geometry {
            first,
            end,
            spacer_px,
            window_top_px: (top_row_px - (top_row - first) as f64 * ROW_HEIGHT_PX).max(0.0),
        }
    }

    /// The rows to ask the worker for: the rendered ones plus a margin.
    pub fn fetch_range(&self, total: u32) -> (u32, u32) {
        let start = self.first.saturating_sub(PREFETCH_ROWS);
        let end = self.end.saturating_add(PREFETCH_ROWS).min(total);
        (start, end.saturating_sub(start))
    }
}

/// The scroll position that brings row `row` into a viewport at `top` (None when it is in view).
pub fn scroll_to_show(total: u32, row: u32, top: f64, viewport: f64) -> Option<f64> {
    let full_px = total as f64 * ROW_HEIGHT_PX;
    if full_px > MAX_SPACER_PX {
        // Proportional scrolling: the row is at the top of the window when the scroll position is
        // its share of the scroll range.
        let g = Geometry::new(total, top, viewport);
        let visible_first = g.first + OVERSCAN_ROWS.min(g.first);
        let visible_end = g.end.saturating_sub(OVERSCAN_ROWS + 1);
        if row >= visible_first && row < visible_end {
            return None;
        }
        let rows_shown = (viewport / ROW_HEIGHT_PX).ceil().max(1.0) as u32;
        let max_row = total.saturating_sub(rows_shown).max(1);
        let max_scroll = (MAX_SPACER_PX - viewport).max(1.0);
        let wanted = row.saturating_sub(rows_shown / 2).min(max_row);
        return Some(wanted as f64 / max_row as f64 * max_scroll);
    }
    let row_top = row as f64 * ROW_HEIGHT_PX;
    if row_top < top {
        Some(row_top)
    } else if row_top + ROW_HEIGHT_PX > top + viewport {
        Some(row_top + ROW_HEIGHT_PX - viewport)
    } else {
        None
    }
}

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub commands: Commands,
    pub total: u64,
    pub newest_first: bool,
    pub generation: u32,
    pub page: Rc<RowsPage>,
    /// The filter whose matches the list shows (None: the whole timeline).
    #[prop_or_default]
    pub filter: Option<FilterSpec>,
    /// The selected row (its index in the list), kept in view.
    #[prop_or_default]
    pub selected: Option<u32>,
    /// A row was clicked.
    #[prop_or_default]
    pub on_select: Callback<u32>,
}

fn set_style(node: &NodeRef, property: &str, value: &str) {
    if let Some(element) = node.cast::<HtmlElement>() {
        // Only fails for read-only declarations, which these are not.
        let _ = element.style().set_property(property, value);
    }
}

/// One line of an event for the list: its first line (with the filter's marks in it) and how many
/// lines follow.
fn one_line(text: &str, marks: &[(u32, u32)]) -> Html {
    let first = text.split('\n').next().unwrap_or_default();
    let first = first.strip_suffix('\r').unwrap_or(first);
    let more = text.lines().count().saturating_sub(1);
    html! {
        <>
            { marked_text(first, marks) }
            if more > 0 {
                { format!("  (+{more} lines)") }
            }
        </>
    }
}

fn render_row(
    display: &DisplayZone,
    position: u32,
    row: Option<&Row>,
    marks: &[(u32, u32)],
    selected: bool,
    on_select: &Callback<u32>,
) -> Html {
    match row {
        Some(row) => {
            let level = row.level.as_str();
            let onclick = {
                let on_select = on_select.clone();
                Callback::from(move |_: MouseEvent| on_select.emit(position))
            };
            html! {
                <div
                    class={classes!("row", format!("row--{level}"), selected.then_some("row--selected"))}
                    role="row"
                    key={position}
                    aria-selected={selected.to_string()}
                    aria-rowindex={(position + 1).to_string()}
                    {onclick}
                >
                    <span class="row__time" role="cell">{ display.show_opt(row.ts.as_deref()) }</span>
                    <span class="row__level" role="cell">{ level }</span>
                    <span class="row__source" role="cell">{ row.source.clone() }</span>
                    <span class="row__text" role="cell" title={row.text.clone()}>{ one_line(&row.text, marks) }</span>
                </div>
            }
        }
        None => html! {
            // A row still on its way can be selected already (its details follow when it comes).
            <div class="row row--pending" role="row" key={position} onclick={{
                let on_select = on_select.clone();
                Callback::from(move |_: MouseEvent| on_select.emit(position))
            }}>
                <span class="row__text" role="cell">{ "…" }</span>
            </div>
        },
    }
}

#[function_component(Timeline)]
pub fn timeline(props: &TimelineProps) -> Html {
    crate::ui::timing::use_render_timing("timeline");
    let display = use_context::<DisplayZone>().unwrap_or_default();
    let scroller = use_node_ref();
    let spacer = use_node_ref();
    let window = use_node_ref();
    let scroll = use_state(|| (0.0f64, 600.0f64));
    let last_fetch = use_mut_ref(|| None::<(u32, u32, bool, u32)>);

    let total = props.total.min(u32::MAX as u64) as u32;
    let (scroll_top, viewport) = *scroll;
    let geometry = Geometry::new(total, scroll_top, viewport);

    let on_scroll = {
        let scroller = scroller.clone();
        let scroll = scroll.clone();
        Callback::from(move |_: Event| {
            if let Some(el) = scroller.cast::<HtmlElement>() {
                scroll.set((el.scroll_top() as f64, el.client_height() as f64));
            }
        })
    };

    // Measure the viewport once mounted and whenever the list's own box changes size: panels opening
    // beside or above it shrink it without any window resize, so a ResizeObserver watches the element.
    {
        let scroller = scroller.clone();
        let scroll = scroll.clone();
        use_effect_with((), move |_| {
            let measure = {
                let scroller = scroller.clone();
                move || {
                    if let Some(el) = scroller.cast::<HtmlElement>() {
                        let _ = el
                            .style()
                            .set_property("--row-height", &format!("{ROW_HEIGHT_PX}px"));
                        scroll.set((el.scroll_top() as f64, el.client_height() as f64));
                    }
                }
            };
            measure();
            let on_resize = {
                let measure = measure.clone();
                Closure::<dyn FnMut(js_sys::Array)>::new(move |_entries: js_sys::Array| measure())
            };
            let observer = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok();
            if let (Some(observer), Some(el)) = (&observer, scroller.cast::<web_sys::Element>()) {
                observer.observe(&el);
            }
            let listener =
                gloo::events::EventListener::new(&gloo::utils::window(), "resize", move |_| {
                    measure()
                });
            move || {
                if let Some(observer) = observer {
                    observer.disconnect();
                }
                drop(on_resize);
                drop(listener);
            }
        });
    }

    // Size the spacer and place the window (CSSOM, allowed by the CSP).
    {
        let spacer = spacer.clone();
        let window = window.clone();
        use_effect_with(geometry, move |g| {
            set_style(&spacer, "height", &format!("{}px", g.spacer_px));
            set_style(
                &window,
                "transform",
                &format!("translateY({}px)", g.window_top_px),
            );
        });
    }

    // Ask for the rows on screen when the page does not hold them.
    {
        let commands = props.commands.clone();
        let page = props.page.clone();
        let filter = props.filter.clone();
        let newest_first = props.newest_first;
        let generation = props.generation;
        use_effect_with(
            (geometry, newest_first, generation, page),
            move |(g, newest_first, generation, page)| {
                if total == 0 || page.covers(g.first..g.end, *generation) {
                    return;
                }
                let (start, count) = g.fetch_range(total);
                let key = (start, count, *newest_first, *generation);
                let mut last = last_fetch.borrow_mut();
                if *last != Some(key) {
                    *last = Some(key);
                    match &filter {
                        Some(filter) => {
                            commands.request_filtered_rows(filter.clone(), start, count)
                        }
                        None => commands.request_rows(start, count, *newest_first),
                    }
                }
            },
        );
    }

    // Keep the selected row in view (keyboard navigation moves it off screen).
    {
        let scroller = scroller.clone();
        use_effect_with((props.selected, total), move |(selected, total)| {
            if let (Some(row), Some(el)) = (*selected, scroller.cast::<HtmlElement>()) {
                let viewport = el.client_height() as f64;
                let top = el.scroll_top() as f64;
                if let Some(target) = scroll_to_show(*total, row, top, viewport) {
                    el.set_scroll_top(target.round() as i32);
                }
            }
        });
    }

    let on_toggle = {
        let commands = props.commands.clone();
        Callback::from(move |_: MouseEvent| commands.dispatch(Action::ToggleOrder))
    };

    html! {
        <section class="timeline" aria-label="Timeline">
            <div class="timeline__toolbar">
                <h2 class="timeline__title">{ "Timeline" }</h2>
                <button
                    type="button"
                    class="button button--toggle"
                    aria-pressed={props.newest_first.to_string()}
                    onclick={on_toggle}
                >
                    { "Newest first" }
                </button>
            </div>
            <div class="timeline__header" aria-hidden="true">
                <span class="row__time">{ format!("Time ({})", display.label()) }</span>
                <span class="row__level">{ "Level" }</span>
                <span class="row__source">{ "Source" }</span>
                <span class="row__text">{ "Event" }</span>
            </div>
            <div class="timeline__scroller" ref={scroller} onscroll={on_scroll} tabindex="0" role="table" aria-label="Events" aria-rowcount={total.to_string()}>
                <div class="timeline__spacer" ref={spacer}></div>
                <div class="timeline__window" ref={window} role="rowgroup">
                    { for (geometry.first..geometry.end).map(|p| render_row(&display, p, props.page.row(p), props.page.marks(p), props.selected == Some(p), &props.on_select)) }
                </div>
                if total == 0 && props.filter.is_some() {
                    <p class="timeline__empty">{ "No events match the filter." }</p>
                } else if total == 0 {
                    <p class="timeline__empty">{ "Events will appear here, oldest first, merged from every file." }</p>
                }
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_list_renders_the_visible_rows_and_a_small_overscan() {
        let g = Geometry::new(1000, 0.0, 240.0);
        assert_eq!(g.first, 0);
        assert_eq!(g.end, 11 + OVERSCAN_ROWS);
        assert_eq!(g.spacer_px, 1000.0 * ROW_HEIGHT_PX);
        let g = Geometry::new(1000, 100.0 * ROW_HEIGHT_PX + 5.0, 240.0);
        assert_eq!(g.first, 100 - OVERSCAN_ROWS);
        assert_eq!(
            g.window_top_px,
            (100 - OVERSCAN_ROWS) as f64 * ROW_HEIGHT_PX
        );
        let g = Geometry::new(3, 0.0, 240.0);
        assert_eq!((g.first, g.end), (0, 3));
    }

    #[test]
    fn the_selected_row_is_scrolled_into_view() {
        assert_eq!(scroll_to_show(1000, 5, 0.0, 240.0), None);
        assert_eq!(
            scroll_to_show(1000, 20, 0.0, 240.0),
            Some(21.0 * ROW_HEIGHT_PX - 240.0)
        );
        assert_eq!(
            scroll_to_show(1000, 2, 240.0, 240.0),
            Some(2.0 * ROW_HEIGHT_PX)
        );
        let far = scroll_to_show(50_000_000, 25_000_000, 0.0, 600.0).unwrap();
        let g = Geometry::new(50_000_000, far, 600.0);
        assert!(g.first <= 25_000_000 && 25_000_000 < g.end);
    }

    #[test]
    fn millions_of_rows_scroll_proportionally_and_reach_the_end() {
        let total = 50_000_000;
        let top = Geometry::new(total, 0.0, 600.0);
        assert_eq!(top.spacer_px, MAX_SPACER_PX);
        assert_eq!(top.first, 0);
        let bottom = Geometry::new(total, MAX_SPACER_PX - 600.0, 600.0);
        assert_eq!(bottom.end, total);
        assert!(bottom.end - bottom.first < 40);
        let middle = Geometry::new(total, (MAX_SPACER_PX - 600.0) / 2.0, 600.0);
        assert!((middle.first as i64 - total as i64 / 2).abs() < 100);
    }
}
