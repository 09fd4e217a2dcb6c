//! A time-zone field: any IANA name, `UTC`, `Local` or an offset can be typed, and the common zones
//! are offered from a `<datalist>`. What is typed is kept as a draft ([`super::draft`]) and committed
//! on `change` (Enter, blur, or a pick from the list); the zone in effect comes back as the new
//! `value` and replaces the draft.

use yew::prelude::*;

use super::draft::use_draft;

use crate::ui::zones::COMMON_ZONES;

#[derive(Properties, PartialEq)]
pub struct ZoneInputProps {
    /// The zone in effect.
    pub value: AttrValue,
    pub on_commit: Callback<String>,
    pub aria_label: AttrValue,
    /// The id of the `<datalist>` of choices (see [`ZoneChoices`]).
    pub list: AttrValue,
    #[prop_or_default]
    pub class: Classes,
}

#[function_component(ZoneInput)]
pub fn zone_input(props: &ZoneInputProps) -> Html {
    let commit = {
        let on_commit = props.on_commit.clone();
        Callback::from(move |typed: String| {
            if !typed.trim().is_empty() {
                on_commit.emit(typed);
            }
        })
    };
    let draft = use_draft(props.value.clone(), props.value.to_string(), commit);
    html! {
        <input
            class={props.class.clone()}
            type="text"
            list={props.list.clone()}
            autocomplete="off"
            spellcheck="false"
            aria-label={props.aria_label.clone()}
            value={draft.value}
            oninput={draft.oninput}
            onchange={draft.onchange}
        />
    }
}

#[derive(Properties, PartialEq)]
pub struct ZoneChoicesProps {
    pub id: AttrValue,
    /// Offered first (such as `Local` and this browser's zone).
    #[prop_or_default]
    pub first: Vec<String>,
}

/// The `<datalist>` of zones a [`ZoneInput`] offers.
#[function_component(ZoneChoices)]
pub fn zone_choices(props: &ZoneChoicesProps) -> Html {
    let mut names: Vec<String> = props.first.clone();
    for z in COMMON_ZONES {
        if !names.iter().any(|n| n == z) {
            names.push(z.to_string());
        }
    }
    html! {
        <datalist id={props.id.clone()}>
            { for names.into_iter().map(|n| html! { <option value={n} /> }) }
        </datalist>
    }
}
