//! The investigation area: message patterns, following an id, related ids, context, clock skew, what
//! changed, and spike markers. Each panel is a region with a heading (its accessible name); the worker
//! computes everything, these components only render its answers and send asks.

pub mod patterns;
pub mod sparkline;

use yew::prelude::*;

use self::patterns::PatternsPanel;
use crate::protocol::investigate::Ask;
use crate::ui::commands::Commands;
use crate::ui::investigate_state::{InvestigateAction, InvestigateView, Panel};

#[derive(Properties, PartialEq)]
pub struct InvestigateProps {
    pub commands: Commands,
    pub view: InvestigateView,
    /// Whether any load has finished (there is something to investigate).
    pub loaded: bool,
    /// Filters the list with a query (the app's filter).
    pub on_filter: Callback<String>,
}

#[function_component(Investigate)]
pub fn investigate(props: &InvestigateProps) -> Html {
    // After every load (and after offsets change) the overviews are asked for again.
    {
        let commands = props.commands.clone();
        let loaded = props.loaded;
        use_effect_with((props.view.data_generation, loaded), move |(_, loaded)| {
            if *loaded {
                commands.investigate(Ask::Patterns);
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
                on_filter={props.on_filter.clone()}
            />
        },
        Panel::Follow | Panel::Context | Panel::Changes => html! {},
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
        </div>
    }
}
