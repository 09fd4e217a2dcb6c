// What the browser benchmarks (bench-load.mjs, bench-query-browser.mjs, bench-skew-browser.mjs,
// bench-ui-tasks.mjs) share: the generated incident set they load, serving dist/ on a local port,
// launching Debian's Chromium headless through Playwright, opening the app (with `?shards=N` when
// BENCH_SHARDS is set) with a long-task observer on its main thread, and reading the load statistics
// every worker publishes (`casefileLoadStats`, see src/worker/read.rs).
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "@playwright/test";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The files of a ../shared/bench/genlogs.py set, in the order the benchmarks open them. */
export const FILES = ["app-payments.jsonl", "nginx-access.log", "syslog", "containers.log", "transactions.csv"];

/**
 * The set to load: `dir` when given, else bench-out/genlogs-<mb>mb, written once with genlogs.py.
 */
export function dataDir({ mb, dir }) {
  if (dir) return dir;
  const out = path.join(ROOT, "bench-out", `genlogs-${mb}mb`);
  if (!fs.existsSync(path.join(out, "truth.json"))) {
    fs.mkdirSync(out, { recursive: true });
    console.error(`generating ${out} (genlogs.py --mb ${mb}, once)`);
    execFileSync("python3", [path.resolve(ROOT, "../shared/bench/genlogs.py"), out, "--mb", String(mb)], { stdio: "inherit" });
  }
  return out;
}

/** The machine's 1, 5 and 15 minute load averages, as "1.23, 1.10, 0.98". */
export function loadAverage() {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
}

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

async function waitForServer(url) {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the static server on ${url} did not start`);
}

/**
 * Serves dist/ on `port`, launches Chromium and opens the app, waiting until it says no files are
 * loaded; installs `window.__longTasks` (the main-thread tasks over 50 ms, as `{ start, duration }`).
 * Options: `params`, more of the page's query string (`"timing"`); `viewport`, the page's size;
 * `init`, a function run in the page before the app (Playwright's addInitScript). Returns
 * `{ browser, page, close, dist }`; `close()` ends the browser and the server.
 */
export async function openApp(port, { params, viewport, init } = {}) {
  // BENCH_DIST serves another build (e.g. one whose wasm keeps its function names, for --profile).
  const dist = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.join(ROOT, "dist");
  if (!fs.existsSync(path.join(dist, "index.html"))) {
    throw new Error(`${dist} is missing: run \`trunk build --release --offline\` first`);
  }
  const url = `http://127.0.0.1:${port}/`;
  const query = [params, process.env.BENCH_SHARDS && `shards=${process.env.BENCH_SHARDS}`].filter(Boolean);
  const pageUrl = query.length ? `${url}?${query.join("&")}` : url;
  const server = spawn("python3", ["-m", "http.server", "--bind", "127.0.0.1", "--directory", dist, String(port)], {
    cwd: ROOT,
    stdio: "ignore",
  });
  let browser;
  const close = async () => {
    if (browser) await browser.close();
    server.kill();
  };
  try {
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    await waitForServer(url);
    const page = await browser.newPage(viewport ? { viewport } : {});
    if (init) await page.addInitScript(init);
    await page.goto(pageUrl);
    await page.getByRole("status").filter({ hasText: "No files loaded yet." }).waitFor();
    await page.evaluate(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: "longtask", buffered: true });
    });
    return { browser, page, close, dist };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Waits until the status reads "Indexed ..." (the load is ready for queries). */
export function waitForIndexed(page, timeout = 300_000) {
  return page.waitForFunction(() => document.querySelector('[role="status"]')?.textContent.startsWith("Indexed "), null, {
    polling: 20,
    timeout,
  });
}

/**
 * The `casefileLoadStats` object of every worker of the page (Playwright lists the nested shard
 * workers too), keyed by the worker's name.
 */
export async function workerStats(page) {
  const out = {};
  for (const [i, w] of page.workers().entries()) {
    try {
      const { name, stats } = await w.evaluate(() => ({ name: self.name, stats: self.casefileLoadStats || null }));
      if (stats) out[name || `worker-${i}`] = stats;
    } catch {
      // the worker ended
    }
  }
  return out;
}

/**
 * Samples the CPU of every worker whose name starts with `prefix` (DevTools protocol, through a
 * browser-wide session attached to each worker target). `start()` begins; `stop()` returns the
 * functions with the most self time, summed over those workers: `[{ name, ms }]`, largest first.
 * Function names of wasm code show only when the wasm keeps its name section (see BENCH_DIST).
 */
export async function profileWorkers(browser, prefix) {
  const cdp = await browser.newBrowserCDPSession();
  let next = 1;
  const pending = new Map();
  cdp.on("Target.receivedMessageFromTarget", ({ message }) => {
    const m = JSON.parse(message);
    pending.get(m.id)?.(m);
    pending.delete(m.id);
  });
  const call = async (sessionId, method, params = {}) => {
    const id = next++;
    const reply = new Promise((resolve) => pending.set(id, resolve));
    await cdp.send("Target.sendMessageToTarget", { sessionId, message: JSON.stringify({ id, method, params }) });
    const m = await reply;
    if (m.error) throw new Error(`${method}: ${m.error.message}`);
    return m.result;
  };
  const sessions = [];
  const { targetInfos } = await cdp.send("Target.getTargets");
  for (const t of targetInfos.filter((t) => t.type === "worker")) {
    const { sessionId } = await cdp.send("Target.attachToTarget", { targetId: t.targetId, flatten: false });
    const { result } = await call(sessionId, "Runtime.evaluate", { expression: "self.name", returnByValue: true });
    if (String(result.value).startsWith(prefix)) sessions.push(sessionId);
    else await cdp.send("Target.detachFromTarget", { sessionId });
  }
  return {
    async start() {
      for (const s of sessions) {
        await call(s, "Profiler.enable");
        await call(s, "Profiler.setSamplingInterval", { interval: 500 });
        await call(s, "Profiler.start");
      }
    },
    async stop() {
      const self = new Map();
      for (const s of sessions) {
        const { profile } = await call(s, "Profiler.stop");
        const byId = new Map(profile.nodes.map((n) => [n.id, n]));
        const counts = new Map();
        for (const id of profile.samples) counts.set(id, (counts.get(id) || 0) + 1);
        const total = profile.endTime - profile.startTime;
        const perSample = profile.samples.length ? total / profile.samples.length / 1000 : 0;
        for (const [id, n] of counts) {
          const name = byId.get(id).callFrame.functionName || `(${byId.get(id).callFrame.url || "anonymous"})`;
          self.set(name, (self.get(name) || 0) + n * perSample);
        }
      }
      await cdp.detach().catch(() => {});
      return [...self.entries()].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
    },
  };
}
