//! The UI thread's end of the worker: spawns it, numbers and posts requests, and decodes replies.
//!
//! A raw `web_sys::Worker` is used rather than gloo-worker, which copies every message: here a request
//! travels as `{msg, files}`, where `files` are `File` objects (posting one hands the worker a
//! reference; the worker reads the bytes itself) and `msg` is the [`Request`] through
//! `serde-wasm-bindgen`.
//!
//! The worker started is the coordinator ([`crate::worker::coordinator`]), which starts the shard
//! workers itself and speaks the same protocol as one worker does; `?shards=1` in the page's address
//! starts the one worker holding the whole case instead (see [`worker_name`]).
//!
//! A worker drops messages that arrive before its wasm has started and installed its handler, so
//! requests are held here until the worker's `Ready` reply and then posted in order.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, File, MessageEvent, Worker};
use yew::Callback;

use crate::protocol::{Reply, Request, RequestId};

/// The worker's entry script (www/worker_loader.js: loads worker.js and worker_bg.wasm).
pub const WORKER_SCRIPT: &str = "./worker_loader.js";

/// The name the worker starts under. By default the worker is the coordinator of one shard worker per
/// core ([`crate::worker::coordinator`]; `navigator.hardwareConcurrency`, at least two). `?shards=N`
/// in the page's address chooses N shards (`?shards=0`: the default), and `?shards=1` starts the one
/// worker holding the whole case instead (no coordinator), which is what the sharded case is compared
/// with.
fn worker_name() -> String {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    worker_name_for(&search)
}

/// [`worker_name`] for the page address's query string `search` (`?a=b&shards=2`).
fn worker_name_for(search: &str) -> String {
    let shards = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("shards="))
        .and_then(|n| n.parse::<u32>().ok());
    match shards {
        Some(1) => "casefile".to_string(),
        Some(0) | None => crate::worker::COORDINATOR_NAME.to_string(),
        Some(n) => format!("{}:{n}", crate::worker::COORDINATOR_NAME),
    }
}

/// The worker and the requests waiting for it to be ready.
struct Port {
    worker: Worker,
    ready: Cell<bool>,
    waiting: RefCell<Vec<Object>>,
}

impl Port {
    fn post(&self, envelope: &Object) -> Result<(), String> {
        self.worker
            .post_message(envelope)
            .map_err(|_| "The background worker did not take the request.".to_string())
    }

    /// The worker is ready: posts what waited for it.
    fn open(&self) -> Result<(), String> {
        self.ready.set(true);
        let waiting: Vec<Object> = self.waiting.borrow_mut().drain(..).collect();
        waiting.iter().try_for_each(|e| self.post(e))
    }
}

pub struct Bridge {
    port: Rc<Port>,
    next_id: Cell<RequestId>,
    pasted: Cell<u32>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl Bridge {
    /// Starts the worker; `on_reply` receives every reply, `on_failure` a sentence if the worker dies.
    pub fn spawn(on_reply: Callback<Reply>, on_failure: Callback<String>) -> Result<Self, String> {
        let options = web_sys::WorkerOptions::new();
        options.set_name(&worker_name());
        let worker = Worker::new_with_options(WORKER_SCRIPT, &options).map_err(|e| {
            format!(
                "The background worker could not start ({}), so files cannot be read.",
                e.as_string().unwrap_or_else(|| "unknown reason".into())
            )
        })?;
        let port = Rc::new(Port {
            worker,
            ready: Cell::new(false),
            waiting: RefCell::new(Vec::new()),
        });
        let failure = on_failure.clone();
        let reply_port = port.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let name = || format!("decode {}", super::timing::reply_name(&data));
            match super::timing::measure(name, || {
                serde_wasm_bindgen::from_value::<Reply>(data.clone())
            }) {
                Ok(Reply::Ready) => {
                    if let Err(e) = reply_port.open() {
                        failure.emit(e);
                    }
                }
                Ok(reply) => on_reply.emit(reply),
                Err(e) => failure.emit(format!(
                    "The background worker sent a reply the page did not understand: {e}."
                )),
            }
        });
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            on_failure.emit(format!(
                "The background worker stopped: {}. Reload the page to start again.",
                event.message()
            ));
        });
        port.worker
            .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        port.worker
            .set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Bridge {
            port,
            next_id: Cell::new(1),
            pasted: Cell::new(0),
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// A fresh request id.
    pub fn next_id(&self) -> RequestId {
        let id = self.next_id.get();
        self.next_id.set(id.wrapping_add(1).max(1));
        id
    }

    /// A name for the next pasted text: "pasted text 1", "pasted text 2", ...
    pub fn next_paste_name(&self) -> String {
        let n = self.pasted.get() + 1;
        self.pasted.set(n);
        format!("pasted text {n}")
    }

    /// Posts `request` with `files` alongside (or holds it until the worker is ready).
    pub fn send(&self, request: &Request, files: &[File]) -> Result<(), String> {
        let msg = serde_wasm_bindgen::to_value(request)
            .map_err(|e| format!("A request could not be encoded: {e}."))?;
        let envelope = Object::new();
        let list: Array = files.iter().collect();
        let set =
            |key: &str, value: &JsValue| Reflect::set(&envelope, &JsValue::from_str(key), value);
        set("msg", &msg)
            .and_then(|_| set("files", &list))
            .map_err(|_| "A request could not be built.".to_string())?;
        if self.port.ready.get() {
            self.port.post(&envelope)
        } else {
            self.port.waiting.borrow_mut().push(envelope);
            Ok(())
        }
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        self.port.worker.terminate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn the_page_address_chooses_the_coordinator_by_default_and_one_worker_with_shards_1() {
        let coordinator = crate::worker::COORDINATOR_NAME;
        assert_eq!(worker_name_for(""), coordinator);
        assert_eq!(worker_name_for("?shards=0"), coordinator);
        assert_eq!(worker_name_for("?x=1&shards=abc"), coordinator);
        assert_eq!(worker_name_for("?shards=1"), "casefile");
        assert_eq!(worker_name_for("?a=b&shards=3"), format!("{coordinator}:3"));
    }
}
