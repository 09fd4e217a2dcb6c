//! The keyboard help (`?`): every key the list understands. Escape or the button closes it.

use yew::prelude::*;

/// The keys and what they do, as listed in the overlay.
pub const KEYS: &[(&str, &str)] = &[
    ("j / k", "Next / previous row"),
    ("n / N", "Next / previous match"),
    ("g / G", "First / last row"),
    ("Enter", "Show the selected row's details"),
    ("/", "Focus the filter"),
    ("?", "Show this help"),
    ("Escape", "Close the help, or the details"),
];

#[derive(Properties, PartialEq)]
pub struct HelpOverlayProps {
    pub on_close: Callback<()>,
}

#[function_component(HelpOverlay)]
pub fn help_overlay(props: &HelpOverlayProps) -> Html {
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <div class="help-overlay">
            <div class="help-overlay__box" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts">
                <h2 class="help-overlay__title">{ "Keyboard shortcuts" }</h2>
                <dl class="help-overlay__keys">
                    { for KEYS.iter().map(|(k, what)| html! {
                        <>
                            <dt><kbd>{ *k }</kbd></dt>
                            <dd>{ *what }</dd>
                        </>
                    }) }
                </dl>
                <p class="hint">{ "Keys work when the cursor is not in a text field." }</p>
                <button type="button" class="button" onclick={close}>{ "Close" }</button>
            </div>
        </div>
    }
}
