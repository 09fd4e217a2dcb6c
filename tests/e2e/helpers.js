// Shared steps of the browser tests: the generated data, dropping files as a person would, the status.
const fs = require("node:fs");
const path = require("node:path");
const { expect } = require("@playwright/test");

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

module.exports = { dataDir, truth, thousands, indexedText, openApp, dropFiles };
