//! Matching events over time: one SVG bar per bucket, stacked by level (or by source), recomputed
//! by the worker for the current filter over the span on screen. Dragging across it sets the time
//! range; hovering names the bucket and its counts per series.
//!
//! Sizes and positions are SVG attributes (the Content-Security-Policy forbids style attributes);
//! colours come from CSS classes.

use std::rc::Rc;

use web_sys::Element;
use yew::prelude::*;

use crate::engine::query::StackBy;
use crate::protocol::query::{HistogramData, TimeRange};
use crate::ui::commands::Commands;
use crate::ui::query_state::QueryAction;
use crate::ui::state::Action;
use crate::ui::text::thousands;
use crate::ui::zones::{self, DisplayZone};

/// The drawing's own units: every bar is this wide, the chart this tall (scaled to the box by CSS).
const BAR_W: f64 = 10.0;
const CHART_H: f64 = 100.0;
/// A press that moves less than this share of the width is a click, not a drag.
const MIN_DRAG: f64 = 0.004;

#[derive(Properties, PartialEq)]
pub struct HistogramProps {
    pub commands: Commands,
    pub histogram: Option<Rc<HistogramData>>,
    pub range: Option<TimeRange>,
}

/// A time in ms as shown: RFC 3339 in the display zone.
fn when(ms: i64) -> String {
    zones::current().format(ms.saturating_mul(1_000_000))
}

/// The share of the chart's width at the pointer, 0..=1.
fn fraction_at(svg: &NodeRef, client_x: i32) -> Option<f64> {
    let el = svg.cast::<Element>()?;
    let rect = el.get_bounding_client_rect();
    if rect.width() <= 0.0 {
        return None;
    }
    Some(((client_x as f64 - rect.left()) / rect.width()).clamp(0.0, 1.0))
}

/// The time range between two shares of the width of `h`, in whole ms, earliest first.
pub fn range_between(h: &HistogramData, a: f64, b: f64) -> TimeRange {
    let span = h.bucket_ms as f64 * h.counts.len() as f64;
    let at = |f: f64| h.start_ms + (f * span).round() as i64;
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    TimeRange {
        from_ms: at(lo),
        to_ms: at(hi).max(at(lo) + 1),
    }
}

/// What hovering bucket `i` says: its time span and its counts per series, largest first.
pub fn describe_bucket(h: &HistogramData, i: usize) -> String {
    let Some(row) = h.counts.get(i) else {
        return String::new();
    };
    let from = h.start_ms + i as i64 * h.bucket_ms;
    let mut parts: Vec<(u64, &str)> = row
        .iter()
        .zip(&h.keys)
        .filter(|(c, _)| **c > 0)
        .map(|(c, k)| (*c, k.as_str()))
        .collect();
    parts.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let counts = if parts.is_empty() {
        "no events".to_string()
    } else {
        parts
            .iter()
            .map(|(c, k)| format!("{k} {}", thousands(*c)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("{} – {}: {counts}", when(from), when(from + h.bucket_ms))
}

fn series_class(stack_by: StackBy, key: &str, index: usize) -> String {
    match stack_by {
        StackBy::Level => format!("hist__bar hist__bar--{key}"),
        StackBy::Source => format!("hist__bar hist__bar--s{}", index % 8),
    }
}

#[derive(Properties, PartialEq)]
struct BarsProps {
    histogram: Rc<HistogramData>,
}

/// The SVG paths of the stacked bars, one per series (`keys[k]`): each bucket's counts stack from the
/// baseline in series order, scaled so the fullest bucket fills the chart. A path per series instead
/// of a rectangle per bar and series keeps the chart a handful of elements (it was ~900 on a day of
/// logs, each created and diffed again for every query).
pub fn series_paths(h: &HistogramData) -> Vec<String> {
    let max = h
        .counts
        .iter()
        .map(|r| r.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut paths = vec![String::new(); h.keys.len()];
    for (i, row) in h.counts.iter().enumerate() {
        let x = i as f64 * BAR_W + 1.0;
        let mut y = CHART_H;
        for (k, c) in row.iter().enumerate() {
            let Some(d) = paths.get_mut(k).filter(|_| *c > 0) else {
                continue;
            };
            let height = *c as f64 / max * CHART_H;
            y -= height;
            d.push_str(&format!(
                "M{x:.2} {y:.3}h{w:.2}v{height:.3}h-{w:.2}z",
                w = BAR_W - 2.0
            ));
        }
    }
    paths
}

/// The bars, a component of their own so that hovering and dragging (the panel's state) do not
/// rebuild them on every mouse move.
#[function_component(Bars)]
fn bars(props: &BarsProps) -> Html {
    crate::ui::timing::use_render_timing("histogram bars");
    let h = &props.histogram;
    let paths = series_paths(h)
        .into_iter()
        .enumerate()
        .filter(|(_, d)| !d.is_empty())
        .map(|(k, d)| {
            let key = h.keys.get(k).map(String::as_str).unwrap_or("");
            html! { <path class={series_class(h.stack_by, key, k)} {d} /> }
        });
    html! { <>{ for paths }</> }
}

#[function_component(HistogramPanel)]
pub fn histogram_panel(props: &HistogramProps) -> Html {
    crate::ui::timing::use_render_timing("histogram");
    // Times on the axis and in the hover readout follow the display zone.
    let _display = use_context::<DisplayZone>();
    let svg = use_node_ref();
    // The press being dragged: where it started and where the pointer is, as shares of the width.
    let drag = use_state(|| None::<(f64, f64)>);
    // Set on every mouse move: only a move to another bucket re-renders.
    let hover = use_state_eq(|| None::<usize>);

    let Some(h) = props.histogram.clone() else {
        return html! {};
    };
    let buckets = h.counts.len().max(1);
    let width = BAR_W * buckets as f64;

    let on_down = {
        let svg = svg.clone();
        let drag = drag.clone();
        Callback::from(move |e: MouseEvent| {
            if e.button() != 0 {
                return;
            }
            e.prevent_default();
            if let Some(f) = fraction_at(&svg, e.client_x()) {
                drag.set(Some((f, f)));
            }
        })
    };
    let on_move = {
        let svg = svg.clone();
        let drag = drag.clone();
        let hover = hover.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(f) = fraction_at(&svg, e.client_x()) else {
                return;
            };
            hover.set(Some(((f * buckets as f64) as usize).min(buckets - 1)));
            if let Some((start, _)) = *drag {
                drag.set(Some((start, f)));
            }
        })
    };
    let on_up = {
        let svg = svg.clone();
        let drag = drag.clone();
        let commands = props.commands.clone();
        let h = h.clone();
        Callback::from(move |e: MouseEvent| {
            let Some((start, _)) = *drag else {
                return;
            };
            drag.set(None);
            let Some(end) = fraction_at(&svg, e.client_x()) else {
                return;
            };
            if (end - start).abs() >= MIN_DRAG {
                let range = range_between(&h, start, end);
                commands.dispatch(Action::Query(QueryAction::SetRange(Some(range))));
            }
        })
    };
    let on_leave = {
        let hover = hover.clone();
        let drag = drag.clone();
        Callback::from(move |_: MouseEvent| {
            hover.set(None);
            drag.set(None);
        })
    };
    let clear_range = {
        let commands = props.commands.clone();
        Callback::from(move |_: MouseEvent| {
            commands.dispatch(Action::Query(QueryAction::SetRange(None)))
        })
    };
    let stack = |by: StackBy| {
        let commands = props.commands.clone();
        Callback::from(move |_: MouseEvent| {
            commands.dispatch(Action::Query(QueryAction::SetStackBy(by)))
        })
    };

    let selection = drag.and_then(|(a, b)| {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        (hi - lo >= MIN_DRAG).then(|| {
            html! {
                <rect class="hist__selection" x={format!("{:.2}", lo * width)} y="0" width={format!("{:.2}", (hi - lo) * width)} height={format!("{CHART_H:.2}")} />
            }
        })
    });
    let readout = match *hover {
        Some(i) => describe_bucket(&h, i),
        None => format!(
            "{} – {}, {} per bar. Drag across the chart to set the time range.",
            when(h.start_ms),
            when(h.start_ms + h.bucket_ms * buckets as i64),
            duration_words(h.bucket_ms)
        ),
    };
    let legend = h
        .keys
        .iter()
        .enumerate()
        .filter(|(k, _)| h.counts.iter().any(|r| r.get(*k).copied().unwrap_or(0) > 0))
        .map(|(k, key)| {
            html! {
                <li class="hist__legend-item">
                    <svg class="hist__swatch" viewBox="0 0 10 10" aria-hidden="true"><rect class={series_class(h.stack_by, key, k)} x="0" y="0" width="10" height="10" /></svg>
                    { key.clone() }
                </li>
            }
        });

    html! {
        <section class="hist" aria-label="Events over time">
            <div class="hist__toolbar">
                <h2 class="hist__title">{ "Events over time" }</h2>
                <div class="hist__stack" role="group" aria-label="Stack bars by">
                    <button type="button" class="button button--toggle button--small" aria-pressed={(h.stack_by == StackBy::Level).to_string()} onclick={stack(StackBy::Level)}>{ "By level" }</button>
                    <button type="button" class="button button--toggle button--small" aria-pressed={(h.stack_by == StackBy::Source).to_string()} onclick={stack(StackBy::Source)}>{ "By source" }</button>
                </div>
                if let Some(r) = props.range {
                    <span class="hist__range">
                        { format!("Time range: {} – {}", when(r.from_ms), when(r.to_ms)) }
                        <button type="button" class="button button--small" onclick={clear_range}>{ "Clear time range" }</button>
                    </span>
                }
            </div>
            <svg
                ref={svg}
                class={classes!("hist__chart", drag.is_some().then_some("hist__chart--dragging"))}
                viewBox={format!("0 0 {width:.2} {CHART_H:.2}")}
                preserveAspectRatio="none"
                role="img"
                aria-label="Histogram of matching events over time"
                onmousedown={on_down}
                onmousemove={on_move}
                onmouseup={on_up}
                onmouseleave={on_leave}
            >
                // The whole chart takes the pointer, also above short bars and in empty buckets.
                <rect class="hist__hit" x="0" y="0" width={format!("{width:.2}")} height={format!("{CHART_H:.2}")} />
                if let Some(i) = *hover {
                    <rect class="hist__hover" x={format!("{:.2}", i as f64 * BAR_W)} y="0" width={format!("{BAR_W:.2}")} height={format!("{CHART_H:.2}")} />
                }
                <Bars histogram={h.clone()} />
                { for selection }
            </svg>
            <p class="hist__readout">{ readout }</p>
            <ul class="hist__legend">{ for legend }</ul>
        </section>
    }
}

/// `1000` → `"1 s"`, `300000` → `"5 min"`.
pub fn duration_words(ms: i64) -> String {
    const UNITS: [(i64, &str); 5] = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "min"),
        (1000, "s"),
        (1, "ms"),
    ];
    for (size, name) in UNITS {
        if ms >= size && ms % size == 0 {
            return format!("{} {name}", ms / size);
        }
    }
    format!("{ms} ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h() -> HistogramData {
        HistogramData {
            start_ms: 1_000_000,
            bucket_ms: 1000,
            stack_by: StackBy::Level,
            keys: vec!["info".into(), "error".into()],
            counts: vec![vec![3, 1], vec![0, 0], vec![1200, 0], vec![0, 4]],
            outside: 0,
        }
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn drags_become_time_ranges_and_hovers_name_counts() {
        let h = h();
        assert_eq!(
            range_between(&h, 0.75, 0.25),
            TimeRange {
                from_ms: 1_001_000,
                to_ms: 1_003_000
            }
        );
        assert!(describe_bucket(&h, 0).ends_with(": info 3, error 1"));
        assert!(describe_bucket(&h, 1).ends_with(": no events"));
        assert!(describe_bucket(&h, 2).ends_with(": info 1,200"));
        assert_eq!(describe_bucket(&h, 9), "");
        assert_eq!(duration_words(300_000), "5 min");
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn each_series_is_one_path_of_its_stacked_bars() {
        let paths = series_paths(&h());
        assert_eq!(paths.len(), 2);
        // info: buckets 0 and 2; the fullest bucket (2) fills the chart's height.
        assert_eq!(paths[0].matches('M').count(), 2);
        assert!(
            paths[0].contains("M21.00 0.000h8.00v100.000h-8.00z"),
            "{}",
            paths[0]
        );
        // error: buckets 0 (stacked on info's 0.25) and 3, on the baseline.
        assert_eq!(paths[1].matches('M').count(), 2);
        assert!(
            paths[1].starts_with("M1.00 99.667h8.00v0.083h-8.00z"),
            "{}",
            paths[1]
        );
        assert!(
            paths[1].ends_with("M31.00 99.667h8.00v0.333h-8.00z"),
            "{}",
            paths[1]
        );
        assert_eq!(duration_words(1500), "1500 ms");
    }
}
