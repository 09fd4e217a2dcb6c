//! The page header: the name, the promise that nothing leaves the machine, and the display time zone
//! every shown time is rendered in (UTC, this browser's zone, or any IANA zone typed).

use yew::prelude::*;

use super::zone_input::{ZoneChoices, ZoneInput};
use crate::ui::zones::{DisplayZone, LOCAL, UTC};

#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    #[prop_or_default]
    pub display: DisplayZone,
    /// Why the last zone typed was not taken, if it was not.
    #[prop_or_default]
    pub display_error: Option<String>,
    /// A display zone was chosen (`UTC`, `Local` or a name).
    #[prop_or_default]
    pub on_display_zone: Callback<String>,
}

#[function_component(Header)]
pub fn header(props: &HeaderProps) -> Html {
    let local = props.display.local.clone();
    html! {
        <header class="header">
            <h1 class="header__title">{ "Casefile" }</h1>
            <p class="header__tagline">
                { "Drop your logs here to search them on one timeline. Everything stays in this tab: nothing is uploaded." }
            </p>
            <div class="header__zone">
                <label class="header__zone-label">
                    <span>{ "Times shown in " }</span>
                    <ZoneInput
                        class="header__zone-input"
                        value={AttrValue::from(props.display.choice.clone())}
                        aria_label="Display time zone"
                        list="display-zones"
                        on_commit={props.on_display_zone.clone()}
                    />
                </label>
                <span class="header__zone-name" aria-live="polite">{ props.display.label() }</span>
                <ZoneChoices id="display-zones" first={vec![UTC.to_string(), LOCAL.to_string(), local]} />
                if let Some(error) = &props.display_error {
                    <p class="header__zone-error" role="alert">{ error.clone() }</p>
                }
            </div>
        </header>
    }
}
