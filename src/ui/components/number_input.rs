//! A number input that keeps what the person types until they commit it.
//!
//! Yew writes a controlled input's `value` back into the DOM on every re-render, so an input bound
//! straight to state loses a half-typed number whenever anything else re-renders (a query reply, a
//! progress tick). This component keeps the typed text as a draft, commits it on `change` (blur or
//! Enter) and drops the draft once the committed value comes back as the new `value`.

use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NumberInputProps {
    /// The value in effect.
    pub value: f64,
    /// Called with a finite number when the person commits one (an empty field commits `empty_as`).
    pub on_commit: Callback<f64>,
    #[prop_or_default]
    pub id: Option<AttrValue>,
    #[prop_or_default]
    pub class: Classes,
    #[prop_or_default]
    pub aria_label: Option<AttrValue>,
    #[prop_or_default]
    pub min: Option<AttrValue>,
    #[prop_or_default]
    pub max: Option<AttrValue>,
    /// What an emptied field means, if anything.
    #[prop_or_default]
    pub empty_as: Option<f64>,
}

/// `value` to thousandths, without trailing zeros: 3, 2.5, -0.125.
pub fn shown(value: f64) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text {
        "-0" | "" => "0".to_string(),
        t => t.to_string(),
    }
}

/// Reads the typed text as a number to commit, if it is one.
pub fn parse_typed(text: &str, empty_as: Option<f64>) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return empty_as;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[function_component(NumberInput)]
pub fn number_input(props: &NumberInputProps) -> Html {
    let draft = use_state(|| None::<String>);
    {
        // A new value in effect replaces whatever was typed.
        let draft = draft.clone();
        use_effect_with(props.value.to_bits(), move |_| draft.set(None));
    }
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            draft.set(Some(input.value()));
        })
    };
    let onchange = {
        let on_commit = props.on_commit.clone();
        let empty_as = props.empty_as;
        let draft = draft.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let typed = input.value();
            if let Some(v) = parse_typed(&typed, empty_as) {
                on_commit.emit(v);
            }
            draft.set(Some(typed));
        })
    };
    let value = (*draft).clone().unwrap_or_else(|| shown(props.value));
    html! {
        <input
            id={props.id.clone()}
            class={props.class.clone()}
            type="number"
            step="any"
            min={props.min.clone()}
            max={props.max.clone()}
            aria-label={props.aria_label.clone()}
            {value}
            {oninput}
            {onchange}
        />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn numbers_show_to_thousandths_without_trailing_zeros() {
        assert_eq!(shown(3.0), "3");
        assert_eq!(shown(2.5), "2.5");
        assert_eq!(shown(-0.125), "-0.125");
        assert_eq!(shown(3.0004), "3");
        assert_eq!(shown(-0.0001), "0");
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn typed_text_commits_only_finite_numbers() {
        assert_eq!(parse_typed(" 2 ", None), Some(2.0));
        assert_eq!(parse_typed("", Some(0.0)), Some(0.0));
        assert_eq!(parse_typed("", None), None);
        assert_eq!(parse_typed("abc", Some(0.0)), None);
        assert_eq!(parse_typed("inf", None), None);
    }
}
