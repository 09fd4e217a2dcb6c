// Starts the worker binary (Trunk builds worker.js + worker_bg.wasm for index.html's data-bin="worker").
// Our own loader instead of Trunk's data-loader-shim, which calls the init function the deprecated way.
importScripts("./worker.js");
wasm_bindgen({ module_or_path: "./worker_bg.wasm" });
