#!/usr/bin/env node
// Query benchmark of the browser app: loads a generated incident set (../shared/bench/genlogs.py) in
// headless Chromium, then types each query of benches/queries.txt (the list scripts/bench-query.sh
// uses) into the Filter box and reports, per query:
//   - first page: from the commit (Enter) until the list shows its first rows (or says nothing matches);
//   - count: until the status reads "M of N events match";
//   - all: until the histogram and the facets of that query are shown too;
//   - the longest main-thread task meanwhile (a PerformanceObserver for 'longtask'; none means < 50 ms).
// Targets (issue 4): first page < 100 ms, count/histogram/facets < 500 ms, no main-thread task > 50 ms.
//
//   trunk build --release --offline                  # dist/ must be built first
//   node scripts/bench-query-browser.mjs [--mb N] [DIR] [--runs R] [--queries FILE] [--first-only] [--stats]
//                                        [--first QUERY] [--trace] [--settle] [--fresh]
//     --first QUERY: the query typed first right after "Indexed" (default `warmup`, a word found
//     nowhere), e.g. a phrase or a field test to time it over indexes still being built
//     --first-only: time only the first query right after "Indexed" (what waits behind the work that
//     follows a load), not the list
//     --stats: then print what each shard worker did from the load's end to the first query's last
//     part (its `casefileTrace`, src/worker/read.rs: runs of one kind of work merged, in ms from
//     "Indexed")
//     --trace: print the same for each query's last run (from the commit to its last part)
//     --settle: before the list, wait until the workers' background work after the load (indexes,
//     columns, templates, the overview asks) has ended, so it does not share their time with the
//     queries timed
//     --fresh: before each run, commit a query matching nothing, so the workers cannot answer the
//     count from the evaluation they kept of the run before (without it, runs after the first
//     may time the first page and a kept count)
//
// --queries FILE reads the queries from FILE (the format of benches/queries.txt) instead, e.g. a few
// lines of it to time one kind of query.
// Without DIR it writes bench-out/genlogs-<N>mb once with genlogs.py --mb N (default 20).
import fs from "node:fs";
import path from "node:path";
import { FILES, ROOT, dataDir, openApp, waitForIndexed } from "./bench-browser.mjs";

/**
 * Prints what each worker's `casefileTrace` holds between `from` and `to` (ms since the epoch): runs of
 * entries with the same label merged, with their start (ms after `from`), span, busy time and count.
 */
async function printTraces(page, from, to) {
  for (const [i, w] of page.workers().entries()) {
    let got;
    try {
      got = await w.evaluate(() => ({ name: self.name, origin: performance.timeOrigin, trace: self.casefileTrace || [] }));
    } catch {
      continue;
    }
    const entries = got.trace
      .map(([label, start, took]) => ({ label, start: got.origin + start - from, took }))
      .filter((e) => e.start + e.took >= 0 && e.start <= to - from);
    if (!entries.length) continue;
    console.log(`\n${got.name || `worker-${i}`}: from "Indexed" (0 ms) to the query's last part (${(to - from).toFixed(0)} ms)`);
    const runs = [];
    for (const e of entries) {
      const last = runs[runs.length - 1];
      if (last && last.label === e.label) {
        last.end = e.start + e.took;
        last.busy += e.took;
        last.n += 1;
      } else runs.push({ label: e.label, start: e.start, end: e.start + e.took, busy: e.took, n: 1 });
    }
    const busy = {};
    for (const r of runs) {
      busy[r.label] = (busy[r.label] || 0) + r.busy;
      console.log(`  ${r.start.toFixed(0).padStart(7)} ms  ${r.label.padEnd(26)} x${String(r.n).padEnd(5)} busy ${r.busy.toFixed(0)} ms over ${(r.end - r.start).toFixed(0)} ms`);
    }
    console.log(`  busy by kind: ${Object.entries(busy).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(", ")}`);
  }
}

/**
 * Waits until no worker has done background work for `quietMs`: a warm-up step (src/worker/query.rs
 * `warm_up`: token indexes, then field columns), a mining or id index step (src/worker/correlate.rs
 * `mine_in_background`: templates, then skew's id index) or an overview ask (patterns, skew, spikes),
 * all done after a load, so the queries timed next do not share the workers with them. Returns how
 * long it waited (ms).
 */
async function settle(page, quietMs = 2000, maxMs = 300_000) {
  const t0 = Date.now();
  while (Date.now() - t0 < maxMs) {
    let last = 0;
    for (const w of page.workers()) {
      try {
        const end = await w.evaluate(() => {
          const t = self.casefileTrace || [];
          for (let i = t.length - 1; i >= 0; i--) {
            const label = t[i][0];
            if (["warm-up step", "mining step", "id index step"].includes(label) || label.startsWith("ask ")) {
              return performance.timeOrigin + t[i][1] + t[i][2];
            }
          }
          return 0;
        });
        last = Math.max(last, end);
      } catch {
        // A worker that went away has nothing left to warm up.
      }
    }
    if (Date.now() - last >= quietMs) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 250));
  }
  return Date.now() - t0;
}

const PORT = Number(process.env.BENCH_PORT || 8393);
// BENCH_SHARDS=N opens the page with `?shards=N` (N shard workers behind a coordinator; 0: one per core).

function args() {
  const a = process.argv.slice(2);
  const out = {
    mb: 20,
    dir: null,
    runs: 3,
    queries: path.join(ROOT, "benches", "queries.txt"),
    firstOnly: false,
    stats: false,
    first: "warmup",
    trace: false,
    settle: false,
    fresh: false,
  };
  for (let i = 0; i < a.length; i++) {
    if (a[i] === "--mb") out.mb = Number(a[++i]);
    else if (a[i] === "--runs") out.runs = Number(a[++i]);
    else if (a[i] === "--queries") out.queries = path.resolve(a[++i]);
    else if (a[i] === "--first-only") out.firstOnly = true;
    else if (a[i] === "--stats") out.stats = true;
    else if (a[i] === "--first") out.first = a[++i];
    else if (a[i] === "--trace") out.trace = true;
    else if (a[i] === "--settle") out.settle = true;
    else if (a[i] === "--fresh") out.fresh = true;
    else out.dir = path.resolve(a[i]);
  }
  return out;
}

function queries(file) {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("#"))
    .map((l) => {
      const [name, query] = l.split("\t");
      return { name, query };
    });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

/**
 * Runs in the page: commits `query` with Enter and times what the user sees. Must start from the
 * unfiltered list (the status reads "Indexed ..."), so nothing on screen can pass for the new query's:
 * - the query counts as committed once the status leaves "Indexed ..." ("Counting matches…", or a count);
 * - the rows on screen before Enter are tagged (`data-bench-old`); the first page is the first frame
 *   after the commit with an untagged, filled row (the list empties on commit, so the query's rows are
 *   new elements; were an old element ever reused, it stays tagged and the time reads "—", never an
 *   early time), or with a count of 0 (a first page that is empty and complete);
 * - the count is the first "M of N events match" after the commit;
 * - all parts: the facets panel changed after the commit and names the query's count (the worker posts
 *   the histogram before the facets, so the histogram is in by then). Facets equal to those on screen
 *   would change nothing: the list runs wait for the unfiltered list's facets before each query.
 */
async function timeQuery(page, query) {
  const filter = page.getByRole("searchbox", { name: "Filter" });
  await filter.fill(query);
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        window.__longTasks.length = 0;
        const input = document.getElementById("filter");
        const status = () => document.querySelector('[role="status"]')?.textContent || "";
        if (!status().startsWith("Indexed ")) {
          reject(new Error(`timeQuery must start from the unfiltered list; the status reads "${status()}"`));
          return;
        }
        for (const row of document.querySelectorAll(".timeline__window .row")) row.dataset.benchOld = "1";
        const t0 = performance.now();
        let committedAt = null;
        let facetsChanged = false;
        const observer = new MutationObserver((records) => {
          if (committedAt === null && !status().startsWith("Indexed ")) committedAt = performance.now() - t0;
          if (committedAt === null) return;
          const inFacets = (n) => n?.nodeType === 1 && (n.closest(".facets") || n.querySelector(".facets"));
          const touched = (r) =>
            inFacets(r.target.nodeType === 1 ? r.target : r.target.parentElement) || [...r.addedNodes].some(inFacets);
          if (records.some(touched)) facetsChanged = true;
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        let firstPage = null;
        let count = null;
        let matched = null;
        const done = (all) => {
          observer.disconnect();
          resolve({ firstPage, count, all, matched, longest: Math.max(0, ...window.__longTasks.map((t) => t.duration)) });
        };
        const check = () => {
          const now = performance.now() - t0;
          const s = status();
          if (committedAt === null && !s.startsWith("Indexed ")) committedAt = now;
          if (committedAt !== null) {
            const m = s.match(/^([\d,]+) of [\d,]+ events? match$/);
            if (count === null && m) {
              count = now;
              matched = m[1];
            }
            const fresh = document.querySelector(".timeline__window .row:not(.row--pending):not([data-bench-old])");
            if (firstPage === null && (fresh || matched === "0")) firstPage = now;
            const note = document.querySelector(".facets__note")?.textContent || "";
            const facetsDone =
              facetsChanged && matched !== null && (note.includes(`of ${matched} matches`) || note === `Fields of ${matched} matches.`);
            if (firstPage !== null && count !== null && facetsDone) {
              done(now);
              return;
            }
          }
          if (now > 60_000) {
            done(null);
            return;
          }
          requestAnimationFrame(check);
        };
        input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
        requestAnimationFrame(check);
      }),
  );
}

async function main() {
  const opts = args();
  const dir = dataDir(opts);
  const { page, close } = await openApp(PORT);
  try {
    const started = performance.now();
    await page.getByLabel("Open files").setInputFiles(FILES.map((f) => path.join(dir, f)));
    await waitForIndexed(page);
    const loadSeconds = (performance.now() - started) / 1000;
    const indexedAt = await page.evaluate(() => performance.timeOrigin + performance.now());
    const indexed = await page.getByRole("status").textContent();
    const bytes = FILES.reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
    console.log(`set: ${dir} (${(bytes / (1 << 20)).toFixed(1)} MiB), ${indexed} in ${loadSeconds.toFixed(2)} s`);
    // The first query, right after "Indexed" (while the shards still build their token indexes).
    const warm = await timeQuery(page, opts.first);
    const t = (x) => (x === null || x === undefined ? "—" : `${x.toFixed(0)} ms`);
    console.log(
      `first query after load (${opts.first}): matches ${warm.matched ?? "—"}, first page ${t(warm.firstPage)}, count ${t(warm.count)}, all parts ${t(warm.all)}` +
        `, longest main-thread task ${t(warm.longest)}`,
    );
    if (opts.stats) await printTraces(page, indexedAt, await page.evaluate(() => performance.timeOrigin + performance.now()));
    if (opts.firstOnly) return;
    if (opts.settle) console.log(`waited ${((await settle(page)) / 1000).toFixed(1)} s for the warm-up to end`);
    const rows = [];
    for (const { name, query } of queries(opts.queries)) {
      const runs = [];
      for (let r = 0; r < opts.runs; r++) {
        // Back to no filter between runs, so each run evaluates afresh. With --fresh, a query that
        // matches nothing first, so no worker answers from the evaluation it kept of the last run.
        if (opts.fresh) {
          await page.getByRole("searchbox", { name: "Filter" }).fill("source:none-such-source");
          await page.getByRole("searchbox", { name: "Filter" }).press("Enter");
          await page.waitForFunction(() => /^0 of [\d,]+ events match$/.test(document.querySelector('[role="status"]')?.textContent || ""));
        }
        await page.getByRole("searchbox", { name: "Filter" }).fill("");
        await page.getByRole("searchbox", { name: "Filter" }).press("Enter");
        await page.waitForFunction(() => document.querySelector('[role="status"]')?.textContent.startsWith("Indexed "));
        // The unfiltered list's facets (naming every event), so the query's own facets change the panel.
        const total = indexed.match(/^Indexed ([\d,]+) events?/)?.[1];
        await page.waitForFunction(
          (t) => (document.querySelector(".facets__note")?.textContent || "").includes(`of ${t} matches`),
          total,
          { timeout: 120_000 },
        );
        await page.waitForTimeout(100);
        const from = await page.evaluate(() => performance.timeOrigin + performance.now());
        runs.push(await timeQuery(page, query));
        if (opts.trace && r === opts.runs - 1) {
          console.log(`\n${name} (${query}), last run:`);
          await printTraces(page, from, await page.evaluate(() => performance.timeOrigin + performance.now()));
        }
      }
      rows.push({
        name,
        query,
        matched: runs[0].matched,
        firstPage: median(runs.map((x) => x.firstPage)),
        count: median(runs.map((x) => x.count)),
        all: median(runs.map((x) => x.all)),
        longest: Math.max(...runs.map((x) => x.longest)),
      });
    }
    const pad = (s, n) => String(s).padEnd(n);
    const ms = (x) => (x === null || Number.isNaN(x) ? "—" : `${x.toFixed(0)} ms`);
    console.log(`\nmedian of ${opts.runs} runs per query; longest = longest main-thread task (0 = none over 50 ms)`);
    console.log(`${pad("query", 16)}${pad("matches", 10)}${pad("first page", 12)}${pad("count", 10)}${pad("all", 10)}longest`);
    for (const r of rows) {
      console.log(`${pad(r.name, 16)}${pad(r.matched, 10)}${pad(ms(r.firstPage), 12)}${pad(ms(r.count), 10)}${pad(ms(r.all), 10)}${ms(r.longest)}`);
    }
  } finally {
    await close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
