//! The file picker ("Open files", several at once) and the demo button.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::ui::commands::{files_of, Commands};

#[derive(Properties, PartialEq)]
pub struct OpenControlsProps {
    pub commands: Commands,
    pub busy: bool,
}

#[function_component(OpenControls)]
pub fn open_controls(props: &OpenControlsProps) -> Html {
    let on_change = {
        let commands = props.commands.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            commands.open_files(files_of(input.files()));
            // Picking the same file again must fire `change` again.
            input.set_value("");
        })
    };
    let on_demo = {
        let commands = props.commands.clone();
        Callback::from(move |_: MouseEvent| commands.open_demo())
    };
    html! {
        <div class="open-controls">
            <input id="open-files" class="visually-hidden" type="file" multiple=true onchange={on_change} />
            <label class="button button--primary" for="open-files">{ "Open files" }</label>
            <button type="button" class="button" onclick={on_demo}>{ "Try the demo incident" }</button>
            <p class="hint">{ "or drop files anywhere on this page, or paste text" }</p>
        </div>
    }
}
