//! The filter: a search field labelled "Filter". Typing settles for [`DEBOUNCE_MS`] before the
//! filter is committed (Enter commits at once); mistakes the worker's lenient parser found are
//! underlined in place by a mirrored text layer under the field (same font and padding, the bad
//! spans in `<mark>`), and named with their column below it, while the rest of the query still filters.

use gloo::timers::callback::Timeout;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::engine::query::QueryError;
use crate::ui::commands::Commands;
use crate::ui::query_state::QueryAction;
use crate::ui::state::Action;

/// How long typing must pause before the filter runs.
pub const DEBOUNCE_MS: u32 = 150;
/// The field's id (the `/` key focuses it).
pub const FILTER_INPUT_ID: &str = "filter";

#[derive(Properties, PartialEq)]
pub struct FilterBoxProps {
    pub commands: Commands,
    /// The committed filter text.
    pub text: AttrValue,
    /// Mistakes in the committed text.
    pub errors: Vec<QueryError>,
}

/// The 1-based column (in characters) of byte offset `at` of `text`.
pub fn column_of(text: &str, at: usize) -> usize {
    text.char_indices().take_while(|(i, _)| *i < at).count() + 1
}

/// The sentence naming a mistake and where it is.
pub fn error_sentence(text: &str, e: &QueryError) -> String {
    let mut message = e.message.trim_end_matches('.').to_string();
    if let Some(first) = message.get(..1) {
        let lower = first.to_lowercase();
        message.replace_range(..1, &lower);
    }
    format!("At column {}: {}.", column_of(text, e.span.start), message)
}

/// The mirror's content: the text with each error span in a `<mark>` (an empty span at the end
/// marks a space, so it shows).
fn mirror(text: &str, errors: &[QueryError]) -> Html {
    let mut spans: Vec<(usize, usize)> = errors
        .iter()
        .map(|e| (e.span.start.min(text.len()), e.span.end.min(text.len())))
        .collect();
    spans.sort();
    let mut parts: Vec<Html> = Vec::new();
    let mut at = 0usize;
    for (start, end) in spans {
        if start < at {
            continue;
        }
        let (Some(before), Some(bad)) = (text.get(at..start), text.get(start..end)) else {
            continue;
        };
        parts.push(html! { { before.to_string() } });
        let bad = if bad.is_empty() { " " } else { bad };
        parts.push(html! { <mark class="filter__error">{ bad.to_string() }</mark> });
        at = end.max(start);
    }
    if let Some(rest) = text.get(at..) {
        parts.push(html! { { rest.to_string() } });
    }
    html! { <>{ for parts }</> }
}

#[function_component(FilterBox)]
pub fn filter_box(props: &FilterBoxProps) -> Html {
    let draft = use_state(|| props.text.to_string());
    let timer = use_mut_ref(|| None::<Timeout>);
    let input_ref = use_node_ref();
    let mirror_ref = use_node_ref();

    // A filter committed from elsewhere (a facet click, the URL) replaces the draft.
    {
        let draft = draft.clone();
        let timer = timer.clone();
        use_effect_with(props.text.clone(), move |text| {
            if **draft != **text {
                timer.borrow_mut().take();
                draft.set(text.to_string());
            }
        });
    }

    let sync_scroll = {
        let input_ref = input_ref.clone();
        let mirror_ref = mirror_ref.clone();
        move || {
            if let (Some(input), Some(mirror)) = (
                input_ref.cast::<HtmlInputElement>(),
                mirror_ref.cast::<web_sys::Element>(),
            ) {
                mirror.set_scroll_left(input.scroll_left());
            }
        }
    };

    let commit = {
        let commands = props.commands.clone();
        move |text: String| {
            commands.dispatch(Action::Query(QueryAction::SetText(text)));
        }
    };

    let on_input = {
        let draft = draft.clone();
        let timer = timer.clone();
        let commit = commit.clone();
        let sync_scroll = sync_scroll.clone();
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            draft.set(value.clone());
            sync_scroll();
            let commit = commit.clone();
            *timer.borrow_mut() = Some(Timeout::new(DEBOUNCE_MS, move || commit(value)));
        })
    };

    let on_keydown = {
        let timer = timer.clone();
        let commit = commit.clone();
        let sync_scroll = sync_scroll.clone();
        Callback::from(move |e: KeyboardEvent| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            match e.key().as_str() {
                "Enter" => {
                    timer.borrow_mut().take();
                    commit(input.value());
                }
                "Escape" => {
                    // Hand the keys back to the list.
                    let _ = input.blur();
                }
                _ => {}
            }
            sync_scroll();
        })
    };

    let on_scroll = {
        let sync_scroll = sync_scroll.clone();
        Callback::from(move |_: Event| sync_scroll())
    };

    // Errors belong to the committed text; while the draft differs they would sit in the wrong place.
    let errors: &[QueryError] = if **draft == *props.text {
        &props.errors
    } else {
        &[]
    };
    let described = (!errors.is_empty()).then_some("filter-errors");
    html! {
        <div class="filter">
            <label class="filter__label" for={FILTER_INPUT_ID}>{ "Filter" }</label>
            <div class="filter__field">
                <div class="filter__mirror" ref={mirror_ref} aria-hidden="true">{ mirror(&draft, errors) }</div>
                <input
                    id={FILTER_INPUT_ID}
                    ref={input_ref}
                    class={classes!("filter__input", (!errors.is_empty()).then_some("filter__input--invalid"))}
                    type="search"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder={"level:error \"timed out\" status>=500 -source:syslog  (press ? for keys)"}
                    aria-invalid={(!errors.is_empty()).to_string()}
                    aria-describedby={described}
                    value={(*draft).clone()}
                    oninput={on_input}
                    onkeydown={on_keydown}
                    onscroll={on_scroll}
                />
            </div>
            if !errors.is_empty() {
                <ul class="filter__errors" id="filter-errors">
                    { for errors.iter().map(|e| html! { <li>{ error_sentence(&draft, e) }</li> }) }
                </ul>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::query::Span;

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn errors_name_their_column_in_characters() {
        let text = "é \"open";
        let e = QueryError {
            span: Span { start: 3, end: 8 },
            message: "Unclosed quote".into(),
        };
        assert_eq!(column_of(text, 3), 3);
        assert_eq!(error_sentence(text, &e), "At column 3: unclosed quote.");
    }
}
