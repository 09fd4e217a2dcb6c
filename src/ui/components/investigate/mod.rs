//! The investigation area: message patterns, following an id, related ids, context, clock skew, what
//! changed, and spike markers. Each panel is a region with a heading (its accessible name); the worker
//! computes everything, these components only render its answers and send asks.

pub mod changes;
pub mod context;
pub mod events;
pub mod follow;
pub mod patterns;
pub mod related;
pub mod skew;
pub mod sparkline;
pub mod spikes;

use yew::prelude::*;

use self::changes::ChangesPanel;
use self::context::ContextPanel;
use self::follow::FollowPanel;
use self::patterns::PatternsPanel;
use self::related::RelatedPanel;
use crate::protocol::investigate::{Ask, TimelinePosition};
use crate::ui::commands::Commands;
use crate::ui::investigate_state::{AskKind, InvestigateAction, InvestigateView, Panel};

#[derive(Properties, PartialEq)]
pub struct InvestigateProps {
    pub commands: Commands,
    pub view: InvestigateView,
    /// Whether any load has finished (there is something to investigate).
    pub loaded: bool,
    /// Filters the list with a query (the app's filter).
    pub on_filter: Callback<String>,
    /// The event selected in the list (its timeline position), from the list's selection.
    #[prop_or_default]
    pub selected_event: Option<TimelinePosition>,
    /// The time range chosen on the list's histogram (ns), which What changed compares by default.
    #[prop_or_default]
    pub range: Option<(i64, i64)>,
}

#[function_component(Investigate)]
pub fn investigate(props: &InvestigateProps) -> Html {
    crate::ui::timing::use_render_timing("investigate");
    let display = use_context::<crate::ui::zones::DisplayZone>();
    // After every load (and after offsets change) the overviews are asked for again.
    {
        let commands = props.commands.clone();
        let loaded = props.loaded;
        use_effect_with((props.view.data_generation, loaded), move |(_, loaded)| {
            if *loaded {
                commands.investigate(Ask::Patterns);
                commands.investigate(Ask::Skew);
                commands.investigate(Ask::Spikes);
            }
        });
    }
    // The list's selection is the event investigated: its ids are asked for.
    {
        let commands = props.commands.clone();
        use_effect_with(props.selected_event, move |selected| {
            commands.investigate_action(InvestigateAction::Select(*selected));
            if let Some(at) = selected {
                commands.investigate(Ask::Related { at: *at });
            }
        });
    }
    // The context of the selected event, when its panel shows.
    {
        let commands = props.commands.clone();
        let view = &props.view;
        let wanted = (view.panel == Panel::Context)
            .then_some(view.selected)
            .flatten()
            .map(|at| (at, view.context_seconds.to_bits()));
        use_effect_with(wanted, move |wanted| {
            if let Some((at, seconds)) = wanted {
                commands.investigate(Ask::Context {
                    at: *at,
                    seconds: f64::from_bits(*seconds),
                });
            }
        });
    }
    // What changed, when its panel shows (again after the data or the window changed).
    {
        let commands = props.commands.clone();
        let view = &props.view;
        // A spike clicked, else the range chosen on the histogram, else the incident the spike finder
        // marks.
        let window = view.changes_window.or(props.range);
        // Headlines tell clock times in the display zone: asked again when it changes.
        let zone = display.as_ref().map(|d| d.name().to_string());
        let wanted = (view.panel == Panel::Changes && props.loaded).then_some((
            view.data_generation,
            window,
            zone,
        ));
        use_effect_with(wanted, move |wanted| {
            if let Some((_, window, zone)) = wanted {
                commands.investigate(Ask::Changes {
                    window: *window,
                    zone: zone.clone(),
                });
            }
        });
    }
    if !props.loaded {
        return html! {};
    }
    let view = &props.view;
    let tabs = Panel::ALL.iter().map(|&panel| {
        let commands = props.commands.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            commands.investigate_action(InvestigateAction::Show(panel))
        });
        html! {
            <button
                type="button"
                class="button button--toggle investigate__tab"
                aria-pressed={(view.panel == panel).to_string()}
                {onclick}
            >
                { panel.title() }
            </button>
        }
    });
    let title = view.panel.title();
    let heading_id = "investigate-heading";
    let body = match view.panel {
        Panel::Patterns => html! {
            <PatternsPanel
                commands={props.commands.clone()}
                patterns={view.patterns.clone()}
                source={view.patterns_source.clone()}
                finding={view.awaited[AskKind::Patterns as usize].is_some()}
                on_filter={props.on_filter.clone()}
            />
        },
        Panel::Follow => {
            html! { <FollowPanel commands={props.commands.clone()} story={view.story.clone()} /> }
        }
        Panel::Context => html! {
            <ContextPanel
                commands={props.commands.clone()}
                context={view.context.clone()}
                seconds={view.context_seconds}
                selected={view.selected.is_some()}
            />
        },
        Panel::Changes => html! { <ChangesPanel changes={view.changes.clone()} /> },
    };
    html! {
        <div class="investigate">
            <div class="investigate__tabs" role="group" aria-label="Investigate">
                { for tabs }
            </div>
            if let Some(error) = &view.error {
                <p class="investigate__error">{ error.clone() }</p>
            }
            <section class="investigate__panel" aria-labelledby={heading_id}>
                <h2 class="investigate__title" id={heading_id}>{ title }</h2>
                { body }
            </section>
            if view.selected.is_some() {
                <RelatedPanel commands={props.commands.clone()} related={view.related.clone()} />
            }
        </div>
    }
}
