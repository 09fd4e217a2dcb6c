// Starts the app. Trunk is told not to inject its inline loader (Trunk.toml: inject_scripts = false), so
// this external module does it and the Content-Security-Policy needs no inline script.
import init from "./app.js";

init({ module_or_path: new URL("./app_bg.wasm", import.meta.url) });
