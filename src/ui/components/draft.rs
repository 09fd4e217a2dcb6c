//! What the person types into a field, kept as a draft until the value it commits comes back.
//!
//! Yew writes a controlled input's `value` back into the DOM on every re-render, so an input bound
//! straight to state loses a half-typed entry whenever anything else re-renders (a query reply, a
//! progress tick). [`use_draft`] keeps the typed text, hands it to the field's own commit on `change`
//! (blur, Enter, a pick from a `<datalist>`) and drops it once the value in effect changes. The number
//! and zone fields ([`super::number_input`], [`super::zone_input`]) are this hook with their own
//! reading of the text.

use web_sys::HtmlInputElement;
use yew::prelude::*;

/// The field's `value` and its two handlers, for an `<input>`.
pub struct Draft {
    /// What the field shows: the draft, else the value in effect.
    pub value: String,
    pub oninput: Callback<InputEvent>,
    pub onchange: Callback<Event>,
}

/// A draft over the value in effect. `key` identifies that value (a new key drops the draft), `shown`
/// is how it reads in the field, and `commit` receives the text typed when the person commits it.
#[hook]
pub fn use_draft<K>(key: K, shown: String, commit: Callback<String>) -> Draft
where
    K: PartialEq + 'static,
{
    let draft = use_state(|| None::<String>);
    {
        // A new value in effect replaces whatever was typed.
        let draft = draft.clone();
        use_effect_with(key, move |_| draft.set(None));
    }
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            draft.set(Some(input.value()));
        })
    };
    let onchange = {
        let draft = draft.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let typed = input.value();
            commit.emit(typed.clone());
            // Kept until the value in effect comes back (or stays, when the text was refused).
            draft.set(Some(typed));
        })
    };
    Draft {
        value: (*draft).clone().unwrap_or(shown),
        oninput,
        onchange,
    }
}
