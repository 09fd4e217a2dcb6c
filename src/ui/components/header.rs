//! The page header: the name and the promise that nothing leaves the machine.

use yew::prelude::*;

#[function_component(Header)]
pub fn header() -> Html {
    html! {
        <header class="header">
            <h1 class="header__title">{ "Casefile" }</h1>
            <p class="header__tagline">
                { "Drop your logs here to search them on one timeline. Everything stays in this tab: nothing is uploaded." }
            </p>
        </header>
    }
}
