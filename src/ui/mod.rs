//! The browser UI (feature `web`): renders, sends requests to the worker, never parses and never holds
//! the whole data.
//!
//! - [`state`]: the UI state as a `Reducible` with an `Action` enum; replies from the worker are actions.
//! - [`bridge`]: the raw Web Worker end: spawn, request ids, `{msg, files}` envelopes, reply decoding.
//! - [`commands`]: what the components can ask for (open files, paste, demo, cancel, rows).
//! - [`text`]: counts, sizes and the status wording.
//! - [`components`]: one function component per file; [`app::App`] lays them out.
//! - [`page_events`]: drag-and-drop and paste anywhere on the page.
//! - [`query_state`], [`query_hooks`]: the filter's state, and the effects that run queries, follow
//!   the selection and handle the keyboard; [`url_state`]: the view in the URL fragment.
//! - [`zones`]: the display zone times are shown in, and zone names typed by the user.
//! - [`timing`]: user-timing measures of the UI thread's work, with `?timing` in the address.

pub mod app;
pub mod bridge;
pub mod commands;
pub mod components;
pub mod investigate_state;
pub mod page_events;
pub mod query_hooks;
pub mod query_state;
pub mod state;
pub mod text;
pub mod timing;
pub mod url_state;
pub mod zones;

/// Renders the app into the page's body. Called by the `app` binary.
pub fn run() {
    console_error_panic_hook::set_once();
    yew::Renderer::<app::App>::new().render();
}
