#!/usr/bin/env node
// The clock-skew estimate in the browser: loads a generated incident set (../shared/bench/genlogs.py)
// in headless Chromium, waits for the skew offer the app asks for after every load, applies it, and
// reports how long each investigation ask took from the page's request to the worker's reply (the
// page's Worker.postMessage and message events are watched), with the machine's load average.
// Skew asks run beside the patterns and spikes asked at the same moment, as a person sees them.
//
//   trunk build --release --offline                  # dist/ must be built first
//   BENCH_PORT=8213 node scripts/bench-skew-browser.mjs [DIR] [--query QUERY] [--query-at S]
//                                                                 (default DIR /tmp/g1024)
//
// --query QUERY: commits QUERY S seconds after "Indexed" (--query-at, default 3: the overviews asked
// after the load are being worked out then, skew's id index among them) and reports how long it took
// until the status said how many events match and until its histogram and facets were shown.
// BENCH_DIST serves another build (to compare two in one sitting), BENCH_SHARDS=N opens `?shards=N`.
import path from "node:path";
import { FILES, loadAverage, openApp, waitForIndexed } from "./bench-browser.mjs";

const PORT = Number(process.env.BENCH_PORT || 8394);
const argv = process.argv.slice(2);
const option = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : null);
const QUERY = option("--query");
const QUERY_AT_S = Number(option("--query-at") ?? 3);
const DIR = path.resolve(argv.find((a, i) => !a.startsWith("--") && !argv[i - 1]?.startsWith("--query")) || "/tmp/g1024");

/** Commits `query` in the Filter box; the ms until the status counts its matches, and until its
 * histogram and facets are shown too. */
async function timeQuery(page, query) {
  const filter = page.getByRole("searchbox", { name: "Filter" });
  const started = performance.now();
  await filter.fill(query);
  await filter.press("Enter");
  const counted = () => /^[\d,]+ of [\d,]+ events? match$/.test(document.querySelector('[role="status"]')?.textContent || "");
  await page.waitForFunction(counted, null, { polling: 10, timeout: 600_000 });
  const count = performance.now() - started;
  await page.waitForFunction(
    () => {
      const m = (document.querySelector('[role="status"]')?.textContent || "").match(/^([\d,]+) of/);
      const note = document.querySelector(".facets__note")?.textContent || "";
      return m && (note.includes(`of ${m[1]} matches`) || note === `Fields of ${m[1]} matches.`);
    },
    null,
    { polling: 10, timeout: 600_000 },
  );
  return { count, all: performance.now() - started };
}

/** Runs in the page before the app: times every investigation ask to its reply. */
function watchAsks() {
  const field = (o, k) => (o instanceof Map ? o.get(k) : o?.[k]);
  window.__asks = [];
  const open = new Map();
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (envelope, ...rest) {
    const msg = field(envelope, "msg");
    if (field(msg, "kind") === "investigate") {
      const ask = String(field(msg, "ask"));
      const entry = { ask: (ask.match(/"ask":"(\w+)"/) || [])[1] || ask.slice(0, 30), sent: performance.now() };
      open.set(field(msg, "id"), entry);
      window.__asks.push(entry);
      if (!this.__watched) {
        this.__watched = true;
        this.addEventListener("message", (e) => {
          const kind = field(e.data, "kind");
          const done = open.get(field(e.data, "id"));
          if (done && (kind === "investigation" || kind === "failed")) {
            done.ms = performance.now() - done.sent;
            done.failed = kind === "failed";
            open.delete(field(e.data, "id"));
          }
        });
      }
    }
    return post.call(this, envelope, ...rest);
  };
}

/**
 * Per shard worker, its traced work (`casefileTrace`, src/worker/read.rs) by kind: count, busy ms and
 * the longest single entry, for the asks and the background steps (a query waits for the one running).
 */
async function printShardWork(page) {
  for (const w of page.workers()) {
    let got;
    try {
      got = await w.evaluate(() => ({ name: self.name, trace: self.casefileTrace || [] }));
    } catch {
      continue;
    }
    if (!got.name.startsWith("casefile-shard") && got.name !== "") continue;
    const kinds = new Map();
    for (const [label, , took] of got.trace) {
      if (!label.startsWith("ask ") && !label.endsWith(" step")) continue;
      const k = kinds.get(label) || { n: 0, busy: 0, max: 0 };
      k.n += 1;
      k.busy += took;
      k.max = Math.max(k.max, took);
      kinds.set(label, k);
    }
    const rows = [...kinds].map(([label, k]) => `${label} x${k.n} ${k.busy.toFixed(0)} ms (longest ${k.max.toFixed(0)} ms)`);
    console.log(`  ${got.name || "worker"}: ${rows.join("; ")}`);
  }
}

async function main() {
  const { page, close, dist } = await openApp(PORT, { init: watchAsks });
  try {
    const load = loadAverage();
    const started = performance.now();
    await page.getByLabel("Open files").setInputFiles(FILES.map((f) => path.join(DIR, f)));
    await waitForIndexed(page, 900_000);
    const loaded = (performance.now() - started) / 1000;
    let timed = null;
    if (QUERY) {
      await page.waitForTimeout(QUERY_AT_S * 1000);
      const at = (performance.now() - started) / 1000 - loaded;
      timed = { at, ...(await timeQuery(page, QUERY)) };
    }
    const offer = page.getByRole("region", { name: "Clock skew" });
    await offer.getByRole("button", { name: "Apply offset" }).waitFor({ timeout: 600_000 });
    const sentence = (await offer.locator(".skew-offer__sentence").allTextContents()).join(" ");
    const offered = (performance.now() - started) / 1000 - loaded;
    await offer.getByRole("button", { name: "Apply offset" }).click();
    await page.waitForFunction(() => window.__asks.filter((a) => a.ask === "skew").length >= 2 && window.__asks.every((a) => a.ms !== undefined), null, {
      polling: 50,
      timeout: 600_000,
    });
    const asks = await page.evaluate(() => window.__asks);
    console.log(`build: ${dist}; set: ${DIR}; load average at start ${load}, at end ${loadAverage()}`);
    console.log(`loaded in ${loaded.toFixed(1)} s; skew offer ${offered.toFixed(1)} s after: ${sentence}`);
    // Each ask from its request to its reply, and when the reply came (from the first ask).
    const first = Math.min(...asks.map((a) => a.sent));
    for (const a of asks) {
      const at = ((a.sent + a.ms - first) / 1000).toFixed(1);
      console.log(`  ${a.ask.padEnd(12)} ${a.ms.toFixed(0).padStart(7)} ms  (answered at ${at} s)${a.failed ? " (failed)" : ""}`);
    }
    await printShardWork(page);
    if (timed) {
      console.log(`query ${JSON.stringify(QUERY)} committed ${timed.at.toFixed(1)} s after "Indexed":`);
      console.log(`  count ${timed.count.toFixed(0)} ms, histogram and facets ${timed.all.toFixed(0)} ms`);
    }
  } finally {
    await close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
