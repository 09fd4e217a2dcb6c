//! Reading a `File` (any `Blob`) into a [`SourceIngest`], streaming, inside the worker.
//!
//! The bytes come from `Blob.stream()`: the browser hands over pieces (typically 64 KiB to 1 MiB), each
//! copied once into a reused batch buffer in wasm memory; every full batch (8 MiB) is pushed into the
//! ingest. The file is never read whole and never becomes one string. Every [`YIELD_EVERY_MS`] the read
//! yields to the event loop (so a `Cancel` message is handled) and may report progress.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, MessageChannel, ReadableStreamDefaultReader};

use crate::engine::ingest::SourceIngest;

/// Bytes gathered before they are pushed into the ingest.
pub const BATCH_BYTES: usize = 8 << 20;
/// Longest stretch of work between two yields to the event loop.
pub const YIELD_EVERY_MS: f64 = 50.0;

/// Milliseconds since the epoch, from the JS clock (`std::time` does not work in wasm).
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Lets the event loop run (pending messages such as `Cancel`) before continuing.
///
/// A message to ourselves through a `MessageChannel` is a task queued at once; `setTimeout(0)` would be
/// clamped to 4 ms after a few nested calls.
pub async fn yield_to_event_loop() {
    let Ok(channel) = MessageChannel::new() else {
        return;
    };
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        channel.port1().set_onmessage(Some(&resolve));
    });
    if channel.port2().post_message(&JsValue::NULL).is_ok() {
        // This promise cannot reject.
        let _ = JsFuture::from(promise).await;
    }
    channel.port1().set_onmessage(None);
}

/// What the reader asks of its caller while reading.
pub trait ReadPacer {
    /// Called after each yield to the event loop, with the ingest as it is now.
    fn tick(&mut self, ingest: &SourceIngest);
    /// Whether the read should stop (checked after each yield).
    fn cancelled(&self) -> bool;
}

/// How a read ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadEnd {
    /// Every byte was pushed.
    Complete,
    /// The pacer asked to stop; some bytes were not read.
    Cancelled,
}

/// Why a read failed: a sentence from the browser's error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ReadFailed(pub String);

fn js_error_text(err: &JsValue) -> String {
    if let Some(e) = err.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    err.as_string()
        .unwrap_or_else(|| "the browser refused to read it".to_string())
}

/// Streams `blob` into `ingest` (which the caller then finishes).
pub async fn read_blob(
    blob: &Blob,
    ingest: &mut SourceIngest,
    pacer: &mut dyn ReadPacer,
) -> Result<ReadEnd, ReadFailed> {
    let reader: ReadableStreamDefaultReader = blob.stream().get_reader().unchecked_into();
    let mut batch: Vec<u8> = Vec::with_capacity(BATCH_BYTES);
    let mut last_yield = now_ms();
    loop {
        let result = JsFuture::from(reader.read())
            .await
            .map_err(|e| ReadFailed(js_error_text(&e)))?;
        let done = Reflect::get(&result, &JsValue::from_str("done"))
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        let value = Reflect::get(&result, &JsValue::from_str("value"))
            .map_err(|e| ReadFailed(js_error_text(&e)))?;
        let Some(piece) = value.dyn_ref::<Uint8Array>() else {
            return Err(ReadFailed(
                "the browser returned something other than bytes".into(),
            ));
        };
        let at = batch.len();
        let len = piece.length() as usize;
        batch.resize(at + len, 0);
        piece.copy_to(&mut batch[at..]);
        if batch.len() >= BATCH_BYTES {
            ingest.push(&batch);
            batch.clear();
        }
        if now_ms() - last_yield >= YIELD_EVERY_MS {
            yield_to_event_loop().await;
            last_yield = now_ms();
            pacer.tick(ingest);
            if pacer.cancelled() {
                // Cancelling the reader releases the browser's side of the stream; its result is moot.
                let _ = reader.cancel();
                return Ok(ReadEnd::Cancelled);
            }
        }
    }
    if !batch.is_empty() {
        ingest.push(&batch);
    }
    Ok(ReadEnd::Complete)
}

/// Pushes bytes already in memory (pasted text, the demo) in slices, pacing like [`read_blob`].
pub async fn read_bytes(
    bytes: &[u8],
    ingest: &mut SourceIngest,
    pacer: &mut dyn ReadPacer,
) -> ReadEnd {
    let mut last_yield = now_ms();
    for piece in bytes.chunks(1 << 20) {
        ingest.push(piece);
        if now_ms() - last_yield >= YIELD_EVERY_MS {
            yield_to_event_loop().await;
            last_yield = now_ms();
            pacer.tick(ingest);
            if pacer.cancelled() {
                return ReadEnd::Cancelled;
            }
        }
    }
    ReadEnd::Complete
}
