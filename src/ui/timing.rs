//! User-timing measures of the UI thread's own work, taken only when the page's address has `timing`
//! in its query (`?timing`): decoding each reply of the worker and rendering what it changed. They
//! appear in the browser's performance panel and trace as `casefile:...` measures, which
//! scripts/bench-ui-tasks.mjs reads to name what a long main-thread task spent its time on. Without
//! `?timing` nothing is recorded (the browser keeps every measure until the page closes).

use std::cell::Cell;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use yew::{hook, use_effect, use_mut_ref};

thread_local! {
    static ENABLED: Cell<Option<bool>> = const { Cell::new(None) };
}

/// Whether this page measures (read from its address once).
pub fn enabled() -> bool {
    ENABLED.with(|e| {
        *e.get().get_or_insert_with(|| {
            web_sys::window()
                .and_then(|w| w.location().search().ok())
                .is_some_and(|q| {
                    q.trim_start_matches('?')
                        .split('&')
                        .any(|kv| kv == "timing" || kv.starts_with("timing="))
                })
        })
    })
}

fn now() -> Option<f64> {
    web_sys::window()?.performance().map(|p| p.now())
}

/// Records the measure `casefile:<name>` from `start` (a `performance.now()` time) until now.
fn record(name: &str, start: f64) {
    let Some(performance) = web_sys::window().and_then(|w| w.performance()) else {
        return;
    };
    let options = Object::new();
    let end = performance.now();
    let set = |k: &str, v: f64| Reflect::set(&options, &k.into(), &v.into());
    if set("start", start).and_then(|_| set("end", end)).is_err() {
        return;
    }
    // `performance.measure(name, {start, end})`: the options form is not in web-sys's bindings.
    if let Ok(measure) = Reflect::get(&performance, &"measure".into()) {
        if let Some(measure) = measure.dyn_ref::<Function>() {
            let _ = measure.call2(
                &performance,
                &JsValue::from_str(&format!("casefile:{name}")),
                &options,
            );
        }
    }
}

/// Runs `work`, measured as `casefile:<name>` when measuring is on.
pub fn measure<T>(name: impl FnOnce() -> String, work: impl FnOnce() -> T) -> T {
    if !enabled() {
        return work();
    }
    let start = now();
    let out = work();
    if let Some(start) = start {
        record(&name(), start);
    }
    out
}

/// Measures a component's render, from its function's start until its effects run (its children
/// rendered and the page's DOM patched), as `casefile:render <name>`.
#[hook]
pub fn use_render_timing(name: &'static str) {
    let started = use_mut_ref(|| None::<f64>);
    if enabled() {
        *started.borrow_mut() = now();
    }
    use_effect(move || {
        if let Some(start) = started.borrow_mut().take() {
            record(&format!("render {name}"), start);
        }
    });
}

/// A reply's name for its measure, from its tags: `query facets`, `investigation patterns`, `rows`.
pub fn reply_name(data: &JsValue) -> String {
    let tag = |key: &str| {
        Reflect::get(data, &key.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    let mut name = tag("kind").unwrap_or_else(|| "reply".to_string());
    let inner = Reflect::get(data, &"part".into())
        .ok()
        .filter(|v| v.is_object())
        .or_else(|| {
            Reflect::get(data, &"answer".into())
                .ok()
                .filter(|v| v.is_object())
        });
    if let Some(inner) = inner {
        for key in ["part", "answer"] {
            if let Some(t) = Reflect::get(&inner, &key.into())
                .ok()
                .and_then(|v| v.as_string())
            {
                name = format!("{name} {t}");
            }
        }
    }
    name
}
