//! A number input that keeps what the person types until they commit it ([`super::draft`]): a
//! finite number commits on `change` (blur or Enter), anything else is left in the field unapplied.

use yew::prelude::*;

use super::draft::use_draft;

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
    let commit = {
        let on_commit = props.on_commit.clone();
        let empty_as = props.empty_as;
        Callback::from(move |typed: String| {
            if let Some(v) = parse_typed(&typed, empty_as) {
                on_commit.emit(v);
            }
        })
    };
    let draft = use_draft(props.value.to_bits(), shown(props.value), commit);
    html! {
        <input
            id={props.id.clone()}
            class={props.class.clone()}
            type="number"
            step="any"
            min={props.min.clone()}
            max={props.max.clone()}
            aria-label={props.aria_label.clone()}
            value={draft.value}
            oninput={draft.oninput}
            onchange={draft.onchange}
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
