//! Drag and drop and paste anywhere on the page, as one hook.
//!
//! Listeners sit on the document, so files dropped anywhere are added (several at once), a drop overlay
//! shows while files are dragged over the page, and text (or files) pasted outside a text field is added
//! as a source.

use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{ClipboardEvent, DragEvent, Event};
use yew::{hook, use_effect_with};

use super::commands::{files_of, targets_text_field, Commands};
use super::state::Action;

/// Whether a drag carries files (rather than text or a link).
fn carries_files(event: &DragEvent) -> bool {
    event
        .data_transfer()
        .map(|dt| {
            dt.types()
                .iter()
                .any(|t| t.as_string().as_deref() == Some("Files"))
        })
        .unwrap_or(false)
}

#[hook]
pub fn use_page_events(commands: Commands) {
    use_effect_with(commands, |commands| {
        let document = gloo::utils::document();
        let options = EventListenerOptions::enable_prevent_default();
        let mut listeners = Vec::new();

        for name in ["dragenter", "dragover"] {
            let commands = commands.clone();
            listeners.push(EventListener::new_with_options(
                &document,
                name,
                options,
                move |e: &Event| {
                    let Some(event) = e.dyn_ref::<DragEvent>() else {
                        return;
                    };
                    if carries_files(event) {
                        // Without this the browser would open the file instead of letting us drop it.
                        event.prevent_default();
                        commands.dispatch(Action::Dragging(true));
                    }
                },
            ));
        }
        {
            let commands = commands.clone();
            listeners.push(EventListener::new_with_options(
                &document,
                "dragleave",
                options,
                move |e: &Event| {
                    let Some(event) = e.dyn_ref::<DragEvent>() else {
                        return;
                    };
                    // Leaving for another element of the page keeps the overlay; leaving the window hides it.
                    if event.related_target().is_none() {
                        commands.dispatch(Action::Dragging(false));
                    }
                },
            ));
        }
        {
            let commands = commands.clone();
            listeners.push(EventListener::new_with_options(
                &document,
                "drop",
                options,
                move |e: &Event| {
                    let Some(event) = e.dyn_ref::<DragEvent>() else {
                        return;
                    };
                    commands.dispatch(Action::Dragging(false));
                    let files = files_of(event.data_transfer().and_then(|dt| dt.files()));
                    if !files.is_empty() {
                        event.prevent_default();
                        commands.open_files(files);
                    }
                },
            ));
        }
        {
            let commands = commands.clone();
            listeners.push(EventListener::new_with_options(
                &document,
                "paste",
                options,
                move |e: &Event| {
                    let Some(event) = e.dyn_ref::<ClipboardEvent>() else {
                        return;
                    };
                    if targets_text_field(event.target()) {
                        return;
                    }
                    let Some(data) = event.clipboard_data() else {
                        return;
                    };
                    let files = files_of(data.files());
                    if !files.is_empty() {
                        event.prevent_default();
                        commands.open_files(files);
                        return;
                    }
                    if let Ok(text) = data.get_data("text/plain") {
                        if !text.trim().is_empty() {
                            event.prevent_default();
                            commands.open_text(text);
                        }
                    }
                },
            ));
        }
        move || drop(listeners)
    });
}
