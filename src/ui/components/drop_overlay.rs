//! Shown while files are dragged over the page.

use yew::prelude::*;

#[function_component(DropOverlay)]
pub fn drop_overlay() -> Html {
    html! {
        <div class="drop-overlay" aria-hidden="true">
            <p class="drop-overlay__text">{ "Drop files to add them to the case" }</p>
        </div>
    }
}
