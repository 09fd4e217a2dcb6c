// Shared steps of the browser tests: the generated data, dropping files as a person would, the status,
// loading the generated set or the demo, and the native CLI's counts to compare the app's with.
const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { expect } = require("@playwright/test");

const REPO = path.resolve(__dirname, "../..");
/** The files of the generated set (../shared/bench/genlogs.py). */
const ALL = ["app-payments.jsonl", "nginx-access.log", "syslog", "containers.log", "transactions.csv"];

/** The folder global-setup.js filled: the generated 20 MB set and its truth.json. */
function dataDir() {
  const dir = process.env.CASEFILE_E2E_DATA;
  if (!dir) throw new Error("CASEFILE_E2E_DATA is not set: run through `npm test` (global setup)");
  return dir;
}

function truth() {
  return JSON.parse(fs.readFileSync(path.join(dataDir(), "truth.json"), "utf8"));
}

/** `109607` → `"109,607"`, like the app's status line. */
function thousands(n) {
  return n.toLocaleString("en-US");
}

function indexedText(events, files) {
  const e = events === 1 ? "1 event" : `${thousands(events)} events`;
  const f = files === 1 ? "1 file" : `${thousands(files)} files`;
  return `Indexed ${e} from ${f}`;
}

/** Opens the app and waits until it is ready for files; with `E2E_SHARDS=N` in the environment, with
 * `?shards=N` (so any spec can run against N shard workers). */
async function openApp(page) {
  await page.goto(process.env.E2E_SHARDS ? `/?shards=${process.env.E2E_SHARDS}` : "/");
  await expect(page.getByRole("status")).toHaveText("No files loaded yet.");
}

/**
 * Drops files on the page the way a browser does: a DataTransfer holding File objects, dispatched as
 * dragenter then drop. The File objects come from a scratch file input (Playwright hands the browser
 * the files by path, so 20 MB do not travel through the test protocol).
 */
async function dropFiles(page, filePaths, { target = "body", checkOverlay = false } = {}) {
  await page.evaluate(() => {
    const input = document.createElement("input");
    input.type = "file";
    input.multiple = true;
    input.id = "e2e-file-source";
    input.hidden = true;
    document.documentElement.appendChild(input);
  });
  await page.setInputFiles("#e2e-file-source", filePaths);
  const dataTransfer = await page.evaluateHandle(() => {
    const input = document.getElementById("e2e-file-source");
    const dt = new DataTransfer();
    for (const file of input.files) dt.items.add(file);
    input.remove();
    return dt;
  });
  await page.dispatchEvent(target, "dragenter", { dataTransfer });
  if (checkOverlay) {
    await expect(page.locator(".drop-overlay")).toBeVisible();
  }
  await page.dispatchEvent(target, "dragover", { dataTransfer });
  await page.dispatchEvent(target, "drop", { dataTransfer });
}

/** The rows of the list on screen, the filter field and the status region. */
const rows = (page) => page.locator(".timeline__window .row");
const filter = (page) => page.getByRole("searchbox", { name: "Filter" });
const status = (page) => page.getByRole("status");

/** The native CLI's count for a query over the generated set (the independent reading), once each. */
const counted = new Map();
function cliCount(query) {
  if (counted.has(query)) return counted.get(query);
  const args = ["query", "--json", "--count", query, ...ALL.map((f) => path.join(dataDir(), f))];
  // CASEFILE_BIN: a built `casefile` to use instead of `cargo run` (which waits for any other build).
  const out = process.env.CASEFILE_BIN
    ? execFileSync(process.env.CASEFILE_BIN, args, { maxBuffer: 16 << 20 })
    : execFileSync("cargo", ["run", "--quiet", "--bin", "casefile", "--", ...args], { cwd: REPO, maxBuffer: 16 << 20 });
  const count = JSON.parse(out.toString()).count;
  counted.set(query, count);
  return count;
}

/** Every event of the generated set, as the native CLI counts them (the empty query). */
const totalEvents = () => cliCount("");

/** The status with a filter applied: "M of N events match", N being the whole generated set. */
const matchText = (m) => `${thousands(m)} of ${thousands(totalEvents())} events match`;

/** Drops the whole generated set on the page (the app is open). */
async function dropGenerated(page) {
  await dropFiles(page, ALL.map((f) => path.join(dataDir(), f)));
}

/** Opens the app, drops the generated set and waits until every event is indexed. */
async function loadGenerated(page) {
  await openApp(page);
  await dropGenerated(page);
  await expect(status(page)).toHaveText(indexedText(totalEvents(), ALL.length));
}

/** Opens the app with the demo incident, its first rows shown. */
async function loadDemo(page) {
  await openApp(page);
  await page.getByRole("button", { name: "Try the demo incident" }).click();
  await expect(status(page)).toHaveText(/^Indexed [\d,]+ events from 5 files$/);
  await expect(rows(page).first()).not.toHaveClass(/row--pending/);
}

module.exports = {
  ALL,
  dataDir,
  truth,
  thousands,
  indexedText,
  openApp,
  dropFiles,
  rows,
  filter,
  status,
  cliCount,
  totalEvents,
  matchText,
  dropGenerated,
  loadGenerated,
  loadDemo,
};
