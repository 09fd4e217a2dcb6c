//! A text area for pasted log text, added as a source by its button.

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::ui::commands::Commands;

#[derive(Properties, PartialEq)]
pub struct PasteBoxProps {
    pub commands: Commands,
}

#[function_component(PasteBox)]
pub fn paste_box(props: &PasteBoxProps) -> Html {
    let area = use_node_ref();
    let on_add = {
        let commands = props.commands.clone();
        let area = area.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(area) = area.cast::<HtmlTextAreaElement>() {
                commands.open_text(area.value());
                area.set_value("");
            }
        })
    };
    html! {
        <div class="paste-box">
            <label class="paste-box__label" for="paste-text">{ "Paste log text" }</label>
            <textarea id="paste-text" class="paste-box__area" ref={area} rows="3" spellcheck="false" />
            <button type="button" class="button" onclick={on_add}>{ "Add pasted text" }</button>
        </div>
    }
}
