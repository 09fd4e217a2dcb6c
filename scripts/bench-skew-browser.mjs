#!/usr/bin/env node
// The clock-skew estimate in the browser: loads a generated incident set (../shared/bench/genlogs.py)
// in headless Chromium, waits for the skew offer the app asks for after every load, applies it, and
// reports how long each investigation ask took from the page's request to the worker's reply (the
// page's Worker.postMessage and message events are watched), with the machine's load average.
// Skew asks run beside the patterns and spikes asked at the same moment, as a person sees them.
//
//   trunk build --release --offline                  # dist/ must be built first
//   BENCH_PORT=8213 node scripts/bench-skew-browser.mjs [DIR]        (default /tmp/g1024)
//
// BENCH_DIST serves another build (to compare two in one sitting), BENCH_SHARDS=N opens `?shards=N`.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "@playwright/test";
import { ROOT } from "./bench-browser.mjs";

const PORT = Number(process.env.BENCH_PORT || 8394);
const DIST = path.resolve(process.env.BENCH_DIST || path.join(ROOT, "dist"));
const DIR = path.resolve(process.argv[2] || "/tmp/g1024");
const FILES = ["app-payments.jsonl", "nginx-access.log", "syslog", "containers.log", "transactions.csv"];
const URL_ = `http://127.0.0.1:${PORT}/`;
const PAGE_URL = process.env.BENCH_SHARDS ? `${URL_}?shards=${process.env.BENCH_SHARDS}` : URL_;

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

async function main() {
  if (!fs.existsSync(path.join(DIST, "index.html"))) throw new Error(`${DIST} is missing: run trunk build first`);
  const server = spawn("python3", ["-m", "http.server", "--bind", "127.0.0.1", "--directory", DIST, String(PORT)], {
    stdio: "ignore",
  });
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    await page.addInitScript(watchAsks);
    for (let i = 0; ; i++) {
      try {
        await page.goto(PAGE_URL);
        break;
      } catch (e) {
        if (i > 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await page.getByRole("status").filter({ hasText: "No files loaded yet." }).waitFor();
    const load = os.loadavg();
    const started = performance.now();
    await page.getByLabel("Open files").setInputFiles(FILES.map((f) => path.join(DIR, f)));
    await page.waitForFunction(() => document.querySelector('[role="status"]')?.textContent.startsWith("Indexed "), null, {
      polling: 50,
      timeout: 900_000,
    });
    const loaded = (performance.now() - started) / 1000;
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
    console.log(`build: ${DIST}; set: ${DIR}; load average at start ${load.map((l) => l.toFixed(2)).join(", ")}, at end ${os.loadavg().map((l) => l.toFixed(2)).join(", ")}`);
    console.log(`loaded in ${loaded.toFixed(1)} s; skew offer ${offered.toFixed(1)} s after: ${sentence}`);
    for (const a of asks) console.log(`  ${a.ask.padEnd(12)} ${a.ms.toFixed(0).padStart(7)} ms${a.failed ? " (failed)" : ""}`);
  } finally {
    await browser.close();
    server.kill();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
