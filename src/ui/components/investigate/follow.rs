//! The Follow id panel: every event in every file carrying one id, as one ordered story with the time
//! between steps.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::events::{event_line, gap};
use crate::engine::correlate::follow::Story;
use crate::protocol::investigate::Ask;
use crate::ui::commands::Commands;
use crate::ui::text;

#[derive(Properties, PartialEq)]
pub struct FollowPanelProps {
    pub commands: Commands,
    pub story: Option<Rc<Story>>,
}

/// A field to follow any id by hand (pasted from elsewhere).
fn id_form(commands: &Commands) -> Html {
    let onsubmit = {
        let commands = commands.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let input = e
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlFormElement>(t).ok())
                .and_then(|f| f.elements().named_item("follow-value"))
                .and_then(|i| wasm_bindgen::JsCast::dyn_into::<HtmlInputElement>(i).ok());
            if let Some(input) = input {
                let value = input.value().trim().to_string();
                if !value.is_empty() {
                    commands.investigate(Ask::Follow { value });
                }
            }
        })
    };
    html! {
        <form class="investigate__bar" {onsubmit}>
            <label class="investigate__label" for="follow-value">{ "Id to follow" }</label>
            <input id="follow-value" name="follow-value" class="investigate__input" type="text" spellcheck="false" autocomplete="off" />
            <button type="submit" class="button">{ "Follow" }</button>
        </form>
    }
}

#[function_component(FollowPanel)]
pub fn follow_panel(props: &FollowPanelProps) -> Html {
    // Re-rendered when the display zone changes: its times are shown in it.
    let _display = use_context::<crate::ui::zones::DisplayZone>();
    let form = id_form(&props.commands);
    let Some(story) = props.story.as_ref() else {
        return html! {
            <>
                { form }
                <p class="investigate__empty">
                    { "Select an event in the list, then click one of its ids under Related by to follow it across every file." }
                </p>
            </>
        };
    };
    let sources = story
        .sources
        .iter()
        .map(|s| format!("{} in {}", text::thousands(s.events), s.path))
        .collect::<Vec<_>>()
        .join(", ");
    let span = story
        .span_s
        .map(|s| format!(" over {}", gap(Some(s)).trim_start_matches('+')))
        .unwrap_or_default();
    html! {
        <>
            { form }
            <p class="follow__summary">
                <code class="follow__id">{ story.id.clone() }</code>
                { format!(": {}{span}", text::count(story.total_events, "event")) }
                if !sources.is_empty() {
                    { format!(" ({sources})") }
                }
            </p>
            <ol class="events follow__steps" aria-label="Steps">
                { for story.steps.iter().map(|step| event_line(&step.event, gap(step.since_previous_s), false)) }
            </ol>
            if (story.steps.len() as u64) < story.total_events {
                <p class="investigate__note">{ format!("The first {} steps are shown.", text::thousands(story.steps.len() as u64)) }</p>
            }
        </>
    }
}
