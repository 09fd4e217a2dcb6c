//! The Context panel: what every source logged within ±N seconds of the selected event, on one
//! timeline with the event marked. The list above keeps its filter; this panel is a separate view.

use std::rc::Rc;

use yew::prelude::*;

use super::events::{event_line, gap};
use crate::engine::correlate::context::Context;
use crate::ui::commands::Commands;
use crate::ui::components::number_input::NumberInput;
use crate::ui::investigate_state::InvestigateAction;
use crate::ui::text;

#[derive(Properties, PartialEq)]
pub struct ContextPanelProps {
    pub commands: Commands,
    pub context: Option<Rc<Context>>,
    pub seconds: f64,
    /// Whether an event is selected.
    pub selected: bool,
}

#[function_component(ContextPanel)]
pub fn context_panel(props: &ContextPanelProps) -> Html {
    // Re-rendered when the display zone changes: its times are shown in it.
    let _display = use_context::<crate::ui::zones::DisplayZone>();
    let on_seconds = {
        let commands = props.commands.clone();
        Callback::from(move |s: f64| {
            commands.investigate_action(InvestigateAction::ContextSeconds(s))
        })
    };
    let bar = html! {
        <div class="investigate__bar">
            <label class="investigate__label" for="context-seconds">{ "Seconds either side" }</label>
            <NumberInput
                id="context-seconds"
                class="investigate__input investigate__input--number"
                min="0.1"
                max="3600"
                value={props.seconds}
                on_commit={on_seconds}
            />
            if let Some(cx) = &props.context {
                <span class="investigate__note context__summary">
                    { format!(
                        "{} within ±{} s of {}",
                        text::count(cx.total_events, "event"),
                        cx.seconds,
                        cx.at
                    ) }
                    { format!(" from {}.", text::count(cx.sources.len() as u64, "source")) }
                </span>
            }
        </div>
    };
    if !props.selected {
        return html! {
            <>
                { bar }
                <p class="investigate__empty">{ "Select an event in the list to see what every source logged around it." }</p>
            </>
        };
    }
    let Some(cx) = props.context.as_ref() else {
        return html! { <>{ bar }<p class="investigate__empty">{ "Gathering the events around it…" }</p></> };
    };
    html! {
        <>
            { bar }
            <ol class="events context__events" aria-label="Events around the selected one">
                { for cx.events.iter().map(|e| event_line(&e.event, gap(e.from_centre_s), e.marked)) }
            </ol>
            if cx.truncated {
                <p class="investigate__note">{ format!("The {} events nearest the selected one are shown.", text::thousands(cx.events.len() as u64)) }</p>
            }
        </>
    }
}
