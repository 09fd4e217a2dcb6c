//! The effects that drive the filter: run the query when the filter or the case changes, fetch the
//! selected row's details, and the list's keyboard (j/k, n/N, g/G, Enter, /, ?, Escape).

use std::cell::RefCell;
use std::rc::Rc;

use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{Event, HtmlElement, KeyboardEvent};
use yew::{hook, use_effect_with, use_mut_ref};

use super::commands::{targets_text_field, Commands};
use super::components::filter_box::FILTER_INPUT_ID;
use super::query_state::QueryAction;
use super::state::{Action, AppState};

/// Runs the query whenever the committed filter (text, range, stacking, the display zone its typed
/// times are read in) or the case changes.
#[hook]
pub fn use_query_runner(state: &AppState, commands: &Commands) {
    let key = (
        state.query.text.clone(),
        state.query.range,
        state.query.stack_by,
        state.total_events,
        state.sources,
        state.data_generation,
        state.display.name().to_string(),
    );
    let spec = state.filter_spec();
    let ready = state.loaded_once && state.total_events > 0;
    let commands = commands.clone();
    use_effect_with(key, move |_| {
        if ready {
            commands.run_query(spec);
        }
    });
}

/// Fetches the details of the selected row whenever the selection or the list changes.
#[hook]
pub fn use_selected_details(state: &AppState, commands: &Commands) {
    let key = (
        state.query.selected,
        state.view_generation,
        state.query.shown,
    );
    let spec = state.filter_spec();
    let commands = commands.clone();
    use_effect_with(key, move |(selected, _, _)| {
        if let Some(index) = *selected {
            commands.request_details(spec, index);
        }
    });
}

/// Where a key moves the selection in a list of `len` rows.
pub fn next_selection(
    key: &str,
    selected: Option<u32>,
    len: u32,
    marked: &dyn Fn(u32) -> bool,
) -> Option<Option<u32>> {
    if len == 0 {
        return None;
    }
    let last = len - 1;
    let moved = match (key, selected) {
        ("j", None) | ("n", None) | ("Enter", None) | ("g", _) => 0,
        ("k", None) | ("N", None) | ("G", _) => last,
        ("j", Some(s)) => (s + 1).min(last),
        ("k", Some(s)) => s.saturating_sub(1),
        ("Enter", Some(s)) => s,
        // The next row with a match marked in it among the rows at hand, else the next row.
        ("n", Some(s)) => ((s + 1)..=last)
            .take(200)
            .find(|r| marked(*r))
            .unwrap_or((s + 1).min(last)),
        ("N", Some(s)) => (0..s)
            .rev()
            .take(200)
            .find(|r| marked(*r))
            .unwrap_or(s.saturating_sub(1)),
        _ => return None,
    };
    Some(Some(moved))
}

/// The list's keys, on the whole page except while typing in a text field.
#[hook]
pub fn use_list_keys(state: &Rc<AppState>, commands: &Commands) {
    let latest = use_mut_ref(|| state.clone());
    *latest.borrow_mut() = state.clone();
    let commands = commands.clone();
    use_effect_with((), move |_| {
        let document = gloo::utils::document();
        // Not passive: `/` must not type itself into the filter it focuses.
        let options = EventListenerOptions::enable_prevent_default();
        let listener =
            EventListener::new_with_options(&document, "keydown", options, move |e: &Event| {
                let Some(event) = e.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                on_key(event, &latest, &commands);
            });
        move || drop(listener)
    });
}

fn on_key(event: &KeyboardEvent, latest: &RefCell<Rc<AppState>>, commands: &Commands) {
    if event.ctrl_key() || event.meta_key() || event.alt_key() {
        return;
    }
    if targets_text_field(event.target()) {
        return;
    }
    let state = latest.borrow().clone();
    let key = event.key();
    let dispatch = |a: QueryAction| commands.dispatch(Action::Query(a));
    match key.as_str() {
        "?" => {
            event.prevent_default();
            dispatch(QueryAction::ShowHelp(true));
        }
        "Escape" => {
            if state.query.help_open {
                dispatch(QueryAction::ShowHelp(false));
            } else {
                dispatch(QueryAction::Select(None));
            }
        }
        "/" => {
            event.prevent_default();
            if let Some(input) = gloo::utils::document()
                .get_element_by_id(FILTER_INPUT_ID)
                .and_then(|e| e.dyn_into::<HtmlElement>().ok())
            {
                let _ = input.focus();
            }
        }
        "j" | "k" | "n" | "N" | "g" | "G" | "Enter" => {
            if state.query.help_open {
                return;
            }
            // Enter on a button or link keeps its meaning.
            if key == "Enter" {
                let on_control = event
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .is_some_and(|el| matches!(el.tag_name().as_str(), "BUTTON" | "A" | "SELECT"));
                if on_control {
                    return;
                }
            }
            let len = state.list_len().min(u32::MAX as u64) as u32;
            let page = state.page.clone();
            let marked = |r: u32| !page.marks(r).is_empty();
            if let Some(next) = next_selection(&key, state.query.selected, len, &marked) {
                event.prevent_default();
                dispatch(QueryAction::Select(next));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn keys_move_the_selection_within_the_list() {
        let none = |_: u32| false;
        assert_eq!(next_selection("j", None, 10, &none), Some(Some(0)));
        assert_eq!(next_selection("j", Some(3), 10, &none), Some(Some(4)));
        assert_eq!(next_selection("j", Some(9), 10, &none), Some(Some(9)));
        assert_eq!(next_selection("k", Some(0), 10, &none), Some(Some(0)));
        assert_eq!(next_selection("G", Some(2), 10, &none), Some(Some(9)));
        assert_eq!(next_selection("g", Some(5), 10, &none), Some(Some(0)));
        assert_eq!(next_selection("x", Some(5), 10, &none), None);
        assert_eq!(next_selection("j", None, 0, &none), None);
        let every_third = |r: u32| r.is_multiple_of(3);
        assert_eq!(
            next_selection("n", Some(0), 10, &every_third),
            Some(Some(3))
        );
        assert_eq!(
            next_selection("N", Some(5), 10, &every_third),
            Some(Some(3))
        );
        assert_eq!(next_selection("n", Some(1), 10, &none), Some(Some(2)));
    }
}
