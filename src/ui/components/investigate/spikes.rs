//! Spike markers: the windows the spike finder marks (errors or a message template leaving their
//! baseline), drawn on a compact time strip over the case's span (above the list; the histogram has no
//! overlay for them yet). Clicking one selects its range: the list shows that range and What changed
//! compares it with the time just before.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::correlate::spikes::{SeriesKind, Spike, SpikeReport};
use crate::protocol::query::TimeRange;
use crate::ui::commands::Commands;
use crate::ui::investigate_state::InvestigateAction;
use crate::ui::query_state::QueryAction;
use crate::ui::state::Action;

/// Width of the strip in SVG units.
const WIDTH: f64 = 1000.0;
/// Markers drawn at most (strongest first); weaker ones are drawn first, so stronger ones lie on top.
const SHOWN: usize = 12;

#[derive(Properties, PartialEq)]
pub struct SpikeStripProps {
    pub commands: Commands,
    pub spikes: Option<Rc<SpikeReport>>,
    /// The case's span `[from, to]` in ns.
    pub span: Option<(i64, i64)>,
}

fn clock(rfc3339: &str) -> String {
    let shown = crate::ui::zones::current().show(rfc3339);
    match shown.split_once('T') {
        Some((_, t)) => t.trim_end_matches('Z').to_string(),
        None => shown,
    }
}

/// The marker's accessible name: what spiked, where and when.
pub fn spike_label(s: &Spike) -> String {
    let what = match s.kind {
        SeriesKind::Errors => "Errors".to_string(),
        SeriesKind::Template => format!("\"{}\"", s.series),
    };
    let place = s.path.as_deref().unwrap_or("all sources");
    format!(
        "{what} spike in {place}, {} to {}",
        clock(&s.from),
        clock(&s.to)
    )
}

#[function_component(SpikeStrip)]
pub fn spike_strip(props: &SpikeStripProps) -> Html {
    // Re-rendered when the display zone changes: its times are shown in it.
    let _display = use_context::<crate::ui::zones::DisplayZone>();
    let (Some(report), Some((from, to))) = (props.spikes.as_ref(), props.span) else {
        return html! {};
    };
    if report.spikes.is_empty() {
        return html! {};
    }
    let width_ns = (to - from).max(1) as f64;
    let x = |t: i64| ((t - from) as f64 / width_ns * WIDTH).clamp(0.0, WIDTH);
    let markers = report.spikes.iter().take(SHOWN).rev().map(|s| {
        let (x0, x1) = (x(s.from_ns), x(s.to_ns));
        let commands = props.commands.clone();
        let window = (s.from_ns, s.to_ns);
        let select = move || {
            // The list shows the spike's range, and What changed compares it with the time before.
            commands.dispatch(Action::Query(QueryAction::SetRange(Some(TimeRange {
                from_ms: window.0.div_euclid(1_000_000),
                to_ms: (window.1 + 999_999).div_euclid(1_000_000),
            }))));
            commands.investigate_action(InvestigateAction::CompareWindow(Some(window)))
        };
        let onclick = {
            let select = select.clone();
            Callback::from(move |_: MouseEvent| select())
        };
        let onkeydown = Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                select();
            }
        });
        // Errors on the upper lane, templates on the lower one, so no marker hides another kind.
        let (kind, y) = match s.kind {
            SeriesKind::Errors => ("errors", 0),
            SeriesKind::Template => ("template", 11),
        };
        html! {
            <rect
                class={classes!("spike-strip__marker", format!("spike-strip__marker--{kind}"))}
                x={format!("{x0:.1}")}
                y={y.to_string()}
                width={format!("{:.1}", (x1 - x0).max(4.0))}
                height="9"
                role="button"
                tabindex="0"
                aria-label={spike_label(s)}
                {onclick}
                {onkeydown}
            >
                <title>{ spike_label(s) }</title>
            </rect>
        }
    });
    html! {
        <section class="spike-strip" aria-labelledby="spikes-heading">
            <h2 class="spike-strip__title" id="spikes-heading">{ "Spikes" }</h2>
            <svg class="spike-strip__track" viewBox={format!("0 0 {WIDTH} 20")} preserveAspectRatio="none">
                <rect class="spike-strip__base" x="0" y="9.5" width={WIDTH.to_string()} height="1" />
                { for markers }
            </svg>
        </section>
    }
}
