#!/usr/bin/env node
// Main-thread benchmark of the browser app (issue 4: no task on the UI thread over 50 ms). Loads a
// generated incident set (../shared/bench/genlogs.py) in headless Chromium, then runs what a person does
// while the worker answers:
//   - queries: each query of benches/queries.txt committed with Enter, until every part is shown;
//   - typing: a query typed slowly enough that the filter commits (and queries run) between keys;
//   - scrolling: the list scrolled by the wheel, rows fetched as it goes;
//   - panels: the investigation tabs, the histogram's stacking and hover, a facet click, j/k;
//   - load (first): the load itself, the overviews asked after it and the first query.
// For each it reports the main-thread tasks over 50 ms as a PerformanceObserver for 'longtask' sees them
// (their count and the longest, in wall time), and from Chrome's trace the CPU time of the costliest
// task ("max CPU"), the main thread's CPU time in all ("CPU all") and wall/CPU of the tasks over 50 ms.
// A task whose CPU time is far below its wall time was waiting for a core (machine load), not working;
// the CPU time is what the task would take on an idle machine. The app's user-timing measures
// (`?timing`, src/ui/timing.rs) inside each long task name what it spent the time on: decoding a reply,
// rendering a component. The harness's own polling and selector lookups run on the main thread too and
// are in "CPU all". Run it again with BENCH_DIST=<another dist> to compare two builds in one sitting.
//
//   trunk build --release --offline                  # dist/ must be built first
//   node scripts/bench-ui-tasks.mjs [--mb N | DIR] [--trace-out FILE]
//
// Without DIR it writes bench-out/genlogs-<N>mb once with genlogs.py --mb N (default 20).
// BENCH_SHARDS=N opens the page with `?shards=N`. BENCH_PORT sets the static server's port (8394),
// BENCH_DIST the build served (dist/).
import fs from "node:fs";
import path from "node:path";
import { FILES, ROOT, dataDir, loadAverage, openApp } from "./bench-browser.mjs";

const PORT = Number(process.env.BENCH_PORT || 8394);
const LONG_MS = 50;
const TRACE_CATEGORIES = [
  "toplevel",
  "devtools.timeline",
  "disabled-by-default-devtools.timeline",
].join(",");

function args() {
  const a = process.argv.slice(2);
  const out = { mb: 20, dir: null, traceOut: null };
  for (let i = 0; i < a.length; i++) {
    if (a[i] === "--mb") out.mb = Number(a[++i]);
    else if (a[i] === "--trace-out") out.traceOut = path.resolve(a[++i]);
    else out.dir = path.resolve(a[i]);
  }
  return out;
}

function queries() {
  return fs
    .readFileSync(path.join(ROOT, "benches", "queries.txt"), "utf8")
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("#"))
    .map((l) => l.split("\t")[1]);
}

/** Chrome's trace of the page while `run` runs: its events, collected over CDP. */
async function traced(cdp, run) {
  const events = [];
  const onData = (e) => events.push(...e.value);
  cdp.on("Tracing.dataCollected", onData);
  await cdp.send("Tracing.start", { categories: TRACE_CATEGORIES, transferMode: "ReportEvents" });
  try {
    await run();
  } finally {
    const done = new Promise((resolve) => cdp.once("Tracing.tracingComplete", resolve));
    await cdp.send("Tracing.end");
    await done;
    cdp.off("Tracing.dataCollected", onData);
  }
  return events;
}

/** The renderer main thread's tasks over 50 ms in a trace (wall and CPU time), and its CPU time. */
function mainThreadTasks(events) {
  const names = new Map();
  for (const e of events) if (e.ph === "M" && e.name === "thread_name") names.set(`${e.pid}:${e.tid}`, e.args.name);
  const main = [...names].filter(([, n]) => n === "CrRendererMain").map(([k]) => k);
  const onMain = (e) => main.includes(`${e.pid}:${e.tid}`);
  // A task of the thread is "ThreadControllerImpl::RunTask" in current Chromium, "RunTask" before.
  const top = events.some((e) => e.name === "ThreadControllerImpl::RunTask") ? "ThreadControllerImpl::RunTask" : "RunTask";
  const tasks = events.filter((e) => e.ph === "X" && e.name === top && onMain(e));
  const busyCpuMs = tasks.reduce((s, t) => s + (t.tdur ?? 0), 0) / 1000;
  const long = tasks
    .filter((t) => t.dur / 1000 > LONG_MS)
    .map((t) => ({
      wallMs: t.dur / 1000,
      cpuMs: (t.tdur ?? 0) / 1000,
    }))
    .sort((a, b) => b.wallMs - a.wallMs);
  const maxCpuMs = Math.max(0, ...tasks.map((t) => (t.tdur ?? 0) / 1000));
  return { long, busyCpuMs, maxCpuMs };
}

const status = (page) => page.evaluate(() => document.querySelector('[role="status"]')?.textContent || "");

/** Waits until the status reads "M of N events match" and the facets describe those M matches. */
async function queryShown(page) {
  await page.waitForFunction(
    () => {
      const m = (document.querySelector('[role="status"]')?.textContent || "").match(/^([\d,]+) of [\d,]+ events? match$/);
      if (!m) return false;
      const note = document.querySelector(".facets__note")?.textContent || "";
      const row = document.querySelector(".timeline__window .row:not(.row--pending)");
      const empty = document.querySelector(".timeline__empty");
      return (row || empty) && (note.includes(`of ${m[1]} matches`) || note === `Fields of ${m[1]} matches.`);
    },
    null,
    { polling: 20, timeout: 120_000 },
  );
}

async function clearFilter(page) {
  const filter = page.getByRole("searchbox", { name: "Filter" });
  await filter.fill("");
  await filter.press("Enter");
  await page.waitForFunction(() => document.querySelector('[role="status"]')?.textContent.startsWith("Indexed "));
}

const SCENARIOS = {
  // The load and what follows it: progress, the first rows, the overviews asked after the load
  // (patterns, skew, spikes) and the first query, which builds the token index.
  async load(page, dir) {
    const started = performance.now();
    await page.getByLabel("Open files").setInputFiles(FILES.map((f) => path.join(dir, f)));
    await page.waitForFunction(() => document.querySelector('[role="status"]')?.textContent.startsWith("Indexed "), null, {
      polling: 50,
      timeout: 600_000,
    });
    const seconds = (performance.now() - started) / 1000;
    const bytes = FILES.reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
    console.log(`set: ${dir} (${(bytes / (1 << 20)).toFixed(0)} MiB), ${await status(page)} in ${seconds.toFixed(1)} s`);
    await page.getByRole("list", { name: "Templates" }).waitFor({ timeout: 300_000 });
    const filter = page.getByRole("searchbox", { name: "Filter" });
    await filter.fill("warmup");
    await filter.press("Enter");
    await queryShown(page);
    await page.waitForTimeout(500);
  },
  async queries(page) {
    const filter = page.getByRole("searchbox", { name: "Filter" });
    for (const q of queries()) {
      await clearFilter(page);
      await filter.fill(q);
      await filter.press("Enter");
      await queryShown(page);
    }
  },
  async typing(page) {
    await clearFilter(page);
    const filter = page.getByRole("searchbox", { name: "Filter" });
    await filter.click();
    // Slower than the filter's debounce: each pause commits and runs a query while typing goes on.
    await filter.pressSequentially("level:warn+ service:payment-* timed out", { delay: 180 });
    await queryShown(page);
    await filter.press("Escape");
  },
  async scrolling(page) {
    await clearFilter(page);
    const list = page.getByRole("table", { name: "Events" });
    const box = await list.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 30; i++) {
      await page.mouse.wheel(0, i % 10 === 9 ? 200_000 : 600);
      await page.waitForTimeout(40);
    }
    await page.waitForTimeout(300);
  },
  async panels(page) {
    const filter = page.getByRole("searchbox", { name: "Filter" });
    await filter.fill("level:error");
    await filter.press("Enter");
    await queryShown(page);
    for (const tab of ["Follow id", "Context", "What changed", "Patterns"]) {
      await page.getByRole("button", { name: tab, exact: true }).click();
      await page.waitForTimeout(400);
    }
    await page.getByRole("button", { name: "By source" }).click();
    await page.waitForTimeout(600);
    await page.getByRole("button", { name: "By level" }).click();
    await page.waitForTimeout(600);
    // Hovering along the histogram.
    const chart = page.getByRole("img", { name: "Histogram of matching events over time" });
    const box = await chart.boundingBox();
    for (let i = 0; i <= 20; i++) await page.mouse.move(box.x + (box.width * i) / 20, box.y + box.height / 2);
    await page.getByRole("region", { name: "Fields" }).locator(".facet__value").first().click();
    await queryShown(page);
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    await page.waitForTimeout(600);
  },
};

async function main() {
  const opts = args();
  const dir = dataDir(opts);
  // `?timing` makes the app record its user-timing measures (src/ui/timing.rs); a build without them
  // simply has none to report.
  const { page, close } = await openApp(PORT, { params: "timing", viewport: { width: 1400, height: 1000 } });
  const allTrace = [];
  try {
    const cdp = await page.context().newCDPSession(page);
    console.log(`load average before: ${loadAverage()}`);
    const pad = (s, n) => String(s).padEnd(n);
    console.log(
      `\n${pad("scenario", 11)}${pad("longtasks", 11)}${pad("longest", 9)}${pad("max CPU", 9)}${pad("CPU all", 9)}${pad("wall/CPU ms of tasks >50 ms", 36)}app measures (longest, ms)`,
    );
    for (const [name, run] of Object.entries(SCENARIOS)) {
      await page.evaluate(() => {
        window.__longTasks.length = 0;
        performance.clearMeasures();
      });
      const events = await traced(cdp, () => run(page, dir));
      if (opts.traceOut) allTrace.push(...events);
      // The long tasks the page saw, each with the app's measures inside it (longest first).
      const observed = await page.evaluate(() => {
        const measures = performance.getEntriesByType("measure").filter((m) => m.name.startsWith("casefile:"));
        return window.__longTasks.map((t) => ({
          duration: t.duration,
          inside: measures
            .filter((m) => m.startTime >= t.start - 1 && m.startTime + m.duration <= t.start + t.duration + 1)
            .sort((a, b) => b.duration - a.duration)
            .slice(0, 3)
            .map((m) => `${m.name.replace("casefile:", "")} ${m.duration.toFixed(0)}`),
        }));
      });
      const appMeasures = await page.evaluate(() => {
        const longest = new Map();
        for (const m of performance.getEntriesByType("measure")) {
          if (m.name.startsWith("casefile:")) longest.set(m.name, Math.max(longest.get(m.name) ?? 0, m.duration));
        }
        return [...longest].sort((a, b) => b[1] - a[1]);
      });
      const { long, busyCpuMs, maxCpuMs } = mainThreadTasks(events);
      const tasks = long
        .slice(0, 5)
        .map((t) => `${t.wallMs.toFixed(0)}/${t.cpuMs.toFixed(0)}`)
        .join(" ");
      const app = appMeasures
        .slice(0, 4)
        .map(([n, ms]) => `${n.replace("casefile:", "")} ${ms.toFixed(0)}`)
        .join(", ");
      const longest = observed.length ? Math.max(...observed.map((t) => t.duration)) : 0;
      console.log(
        `${pad(name, 11)}${pad(observed.length, 11)}${pad(observed.length ? `${longest.toFixed(0)} ms` : "none", 9)}${pad(`${maxCpuMs.toFixed(0)} ms`, 9)}${pad(`${busyCpuMs.toFixed(0)} ms`, 9)}${pad(tasks || "—", 36)}${app}`,
      );
      for (const t of observed.sort((a, b) => b.duration - a.duration).slice(0, 3)) {
        if (t.inside.length) console.log(`${" ".repeat(11)}${t.duration.toFixed(0)} ms task holds: ${t.inside.join(", ")}`);
      }
    }
    console.log(`\nload average after: ${loadAverage()}`);
    if (opts.traceOut) fs.writeFileSync(opts.traceOut, JSON.stringify({ traceEvents: allTrace }));
  } finally {
    await close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
