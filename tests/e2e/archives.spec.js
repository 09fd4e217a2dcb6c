// Archives opened in the tab (issue 3): the five generated files dropped as they are, then the same
// five inside one .tar.gz (and one .zip), read in the worker member by member, give identical counts.
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { test, expect } = require("@playwright/test");
const { dataDir, truth, thousands, indexedText, openApp, dropFiles } = require("./helpers");

const ALL = ["app-payments.jsonl", "nginx-access.log", "syslog", "containers.log", "transactions.csv"];

/** `text` as a regular expression matching it literally. */
function literal(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The file-list entry whose name is exactly `name`. */
function fileEntry(page, name) {
  const exact = new RegExp(`^${literal(name)}$`);
  return page.locator(".files__item").filter({ has: page.locator(".files__name", { hasText: exact }) });
}

/** The event count the file list shows for `name`, as a number. */
async function eventsShown(page, name) {
  const text = await fileEntry(page, name).locator(".files__events").textContent();
  return Number(text.replace(/[^\d]/g, ""));
}

/** Drops the five files as they are and notes what the page shows: per-file counts and the status. */
async function plainReading(page) {
  await openApp(page);
  await dropFiles(page, ALL.map((f) => path.join(dataDir(), f)));
  const t = truth();
  const total = ALL.reduce((sum, f) => sum + t.events[f], 0);
  await expect(page.getByRole("status")).toHaveText(indexedText(total, ALL.length));
  const counts = {};
  for (const f of ALL) counts[f] = await eventsShown(page, f);
  return { counts, status: await page.getByRole("status").textContent() };
}

/** Drops one archive on a fresh page and checks that it reads exactly like the plain files. */
async function expectArchiveReadsLike(page, archive, plain) {
  await openApp(page);
  await dropFiles(page, [archive]);
  await expect(page.getByRole("status")).toHaveText(plain.status);
  const name = path.basename(archive);
  await expect(page.locator(".files__item")).toHaveCount(ALL.length);
  for (const f of ALL) {
    const member = `${name}!/${f}`;
    await expect(fileEntry(page, member).locator(".files__events")).toHaveText(
      `${thousands(plain.counts[f])} events`,
    );
  }
  await expect(page.getByRole("alert")).toHaveCount(0);
  // Members are sources on the timeline under their archive names.
  await expect(page.locator(".timeline__window .row__source").first()).toHaveText(new RegExp(`^${literal(name)}!/`));
}

test("a .tar.gz of the five generated files reads exactly like the files themselves", async ({ page }, testInfo) => {
  const plain = await plainReading(page);
  const t = truth();
  for (const f of ALL) expect(plain.counts[f]).toBe(t.events[f]);
  const dir = testInfo.outputPath("tgz");
  fs.mkdirSync(dir, { recursive: true });
  const archive = path.join(dir, "SET.tar.gz");
  execFileSync("tar", ["czf", archive, "-C", dataDir(), ...ALL]);
  await expectArchiveReadsLike(page, archive, plain);
});

test("a .zip of the five generated files reads exactly like the files themselves", async ({ page }, testInfo) => {
  const t = truth();
  const total = ALL.reduce((sum, f) => sum + t.events[f], 0);
  const counts = Object.fromEntries(ALL.map((f) => [f, t.events[f]]));
  const dir = testInfo.outputPath("zip");
  fs.mkdirSync(dir, { recursive: true });
  const archive = path.join(dir, "SET.zip");
  execFileSync("python3", ["-m", "zipfile", "-c", archive, ...ALL.map((f) => path.join(dataDir(), f))]);
  await expectArchiveReadsLike(page, archive, { counts, status: indexedText(total, ALL.length) });
});
