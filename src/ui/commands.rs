//! What the components can ask of the worker. Each command takes a fresh request id, records it in the
//! state (so the reply is recognised) and posts the request.

mod investigate;
pub mod query;

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::File;
use yew::UseReducerDispatcher;

use super::bridge::Bridge;
use super::state::{Action, AppState};
use crate::protocol::Request;

#[derive(Clone)]
pub struct Commands {
    bridge: Rc<Result<Bridge, String>>,
    dispatch: UseReducerDispatcher<AppState>,
    zone: Rc<str>,
}

impl PartialEq for Commands {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.bridge, &other.bridge)
    }
}

/// The browser's time zone (IANA name), for timestamps written without one.
pub fn browser_zone() -> String {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|z| z.as_string())
        .unwrap_or_else(|| "UTC".to_string())
}

/// The `File`s of a `FileList`, in order.
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

impl Commands {
    pub fn new(
        bridge: Rc<Result<Bridge, String>>,
        dispatch: UseReducerDispatcher<AppState>,
    ) -> Self {
        Commands {
            bridge,
            dispatch,
            zone: browser_zone().into(),
        }
    }

    fn send(&self, make: impl FnOnce(u32) -> Request, files: &[File], load: bool) {
        let bridge = match self.bridge.as_ref() {
            Ok(b) => b,
            Err(e) => {
                self.dispatch.dispatch(Action::WorkerFailed(e.clone()));
                return;
            }
        };
        let id = bridge.next_id();
        self.dispatch.dispatch(if load {
            Action::LoadStarted(id)
        } else {
            Action::RowsRequested(id)
        });
        if let Err(e) = bridge.send(&make(id), files) {
            self.dispatch.dispatch(Action::WorkerFailed(e));
        }
    }

    pub fn open_files(&self, files: Vec<File>) {
        if files.is_empty() {
            return;
        }
        let zone = self.zone.to_string();
        self.send(|id| Request::OpenFiles { id, zone }, &files, true);
    }

    pub fn open_text(&self, text: String) {
        if text.trim().is_empty() {
            return;
        }
        let Ok(bridge) = self.bridge.as_ref() else {
            return;
        };
        let name = bridge.next_paste_name();
        let zone = self.zone.to_string();
        self.send(
            |id| Request::OpenText {
                id,
                name,
                text,
                zone,
            },
            &[],
            true,
        );
    }

    /// This browser's zone: the zone files are read in unless the user sets another.
    pub fn browser_zone(&self) -> &str {
        &self.zone
    }

    /// Reads the file `source` again with its zone-less times in `typed` (checked here first: an
    /// unknown zone is said at once and nothing is sent).
    pub fn set_zone(&self, source: String, typed: &str) {
        match super::zones::file_zone(typed, &self.zone) {
            Ok(zone) => self.send(|id| Request::SetZone { id, source, zone }, &[], true),
            Err(e) => self.dispatch.dispatch(Action::LoadRefused(format!(
                "The time zone of {source} was not changed: {e}."
            ))),
        }
    }

    pub fn open_demo(&self) {
        self.send(|id| Request::OpenDemo { id }, &[], true);
    }

    pub fn cancel(&self) {
        if let Ok(bridge) = self.bridge.as_ref() {
            let id = bridge.next_id();
            // A cancel is answered by the Loaded replies of the loads it stops.
            if let Err(e) = bridge.send(&Request::Cancel { id }, &[]) {
                self.dispatch.dispatch(Action::WorkerFailed(e));
            }
        }
    }

    pub fn request_rows(&self, start: u32, count: u32, newest_first: bool) {
        self.send(
            |id| Request::Rows {
                id,
                start,
                count,
                newest_first,
            },
            &[],
            false,
        );
    }

    pub fn dispatch(&self, action: Action) {
        self.dispatch.dispatch(action);
    }
}

/// Whether an event's target is a text field (where paste and drop keep their usual meaning).
pub fn targets_text_field(target: Option<web_sys::EventTarget>) -> bool {
    let Some(element) = target.and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
        return false;
    };
    matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA")
        || element
            .get_attribute("contenteditable")
            .is_some_and(|v| v != "false")
}
