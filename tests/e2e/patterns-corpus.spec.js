// Patterns and ids on a real file from the corpus (issue 5): a loghub sample dropped as a user would,
// its templates counted as the native CLI counts them, and an HDFS block id followed across its events.
const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { test, expect } = require("@playwright/test");
const { openApp, dropFiles } = require("./helpers");

const REPO = path.resolve(__dirname, "..", "..");
const HDFS = path.join(REPO, "..", "shared", "corpus", "loghub", "HDFS", "HDFS_2k.log");
const number = (s) => Number(String(s).replace(/[^\d]/g, ""));

/** `casefile ARGS` through the built CLI: CASEFILE_BIN, else target/release/casefile, else cargo run. */
function casefile(args) {
  const release = path.join(REPO, "target", "release", "casefile");
  const bin = process.env.CASEFILE_BIN || (fs.existsSync(release) ? release : null);
  const out = bin
    ? execFileSync(bin, args, { maxBuffer: 16 << 20 })
    : execFileSync("cargo", ["run", "--quiet", "--bin", "casefile", "--", ...args], { cwd: REPO, maxBuffer: 16 << 20 });
  return out.toString();
}

/** The block id carried by the most lines of the file, and those lines (read from the file itself). */
function busiestBlock() {
  const lines = fs.readFileSync(HDFS, "utf8").split("\n");
  const counts = new Map();
  for (const l of lines) for (const m of new Set(l.match(/blk_-?\d+/g) || [])) counts.set(m, (counts.get(m) || 0) + 1);
  const [id] = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
  const word = new RegExp(`${id}(?!\\d)`);
  return { id, lines: lines.filter((l) => word.test(l)) };
}

test.beforeEach(() => test.setTimeout(300_000));

test("an HDFS sample's templates are the CLI's, and a block id is followed across its events", async ({ page }) => {
  const cli = JSON.parse(casefile(["templates", "--json", HDFS]));
  const expectedTemplates = cli.templates.length;
  const expectedEvents = cli.templates.reduce((a, t) => a + t.count, 0);

  await openApp(page);
  await dropFiles(page, [HDFS]);
  await expect(page.getByRole("status")).toHaveText(/^Indexed [\d,]+ events? from 1 file$/);
  const total = number((await page.getByRole("status").textContent()).match(/Indexed ([\d,]+) event/)[1]);
  expect(total).toBe(expectedEvents);

  // The Patterns panel: as many templates as the CLI mines, their counts adding up to every event.
  const panel = page.getByRole("region", { name: "Patterns" });
  await expect(panel.locator(".patterns__summary")).toHaveText(new RegExp(`^${expectedTemplates.toLocaleString("en-US")} templates?\\.`));
  const counts = (await panel.locator(".pattern .pattern__count").allTextContents()).map(number);
  expect(counts.length).toBe(Math.min(expectedTemplates, 200));
  if (expectedTemplates <= 200) expect(counts.reduce((a, b) => a + b, 0)).toBe(total);
  // The most frequent template is the CLI's most frequent one, with its count.
  await expect(panel.locator(".pattern .pattern__text").first()).toHaveText(cli.templates[0].template);
  expect(counts[0]).toBe(cli.templates[0].count);

  // Following the busiest block id: every line that carries it, in time order, as one story.
  const { id, lines } = busiestBlock();
  expect(lines.length).toBeGreaterThan(1);
  await page.getByRole("button", { name: "Follow id" }).click();
  const follow = page.getByRole("region", { name: "Follow id" });
  await follow.getByLabel("Id to follow").fill(id);
  await follow.getByRole("button", { name: "Follow" }).click();
  const steps = follow.locator(".follow__steps .event-line");
  await expect(steps).toHaveCount(lines.length);
  for (const text of await steps.allTextContents()) expect(text).toContain(id);
  const times = (await steps.locator(".event-line__time").allTextContents()).map((t) => Date.parse(t));
  for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
  // The steps tell the block's life through different kinds of message (different components).
  const kinds = new Set(lines.map((l) => l.replace(/^\S+ \S+ \S+ \S+ (\S+):.*/, "$1")));
  expect(kinds.size).toBeGreaterThan(1);
});

test("a template's placeholders are fields: facet them, click a value, the list narrows", async ({ page }) => {
  await openApp(page);
  await dropFiles(page, [HDFS]);
  await expect(page.getByRole("status")).toHaveText(/^Indexed [\d,]+ events? from 1 file$/);
  const total = number((await page.getByRole("status").textContent()).match(/Indexed ([\d,]+) event/)[1]);

  // Click the most frequent template: the list is filtered to it through the filter box.
  const panel = page.getByRole("region", { name: "Patterns" });
  const item = panel.locator(".pattern").filter({ has: page.locator(".pattern__button:not([disabled])") }).first();
  const count = number(await item.locator(".pattern__count").textContent());
  const text = (await item.locator(".pattern__text").textContent()).trim();
  const kinds = text.match(/<[A-Z*]+>/g) || [];
  expect(kinds.length).toBeGreaterThan(0);
  await item.locator(".pattern__button").click();
  const filterBox = page.getByRole("searchbox", { name: "Filter" });
  await expect(filterBox).toHaveValue(/^\/.+\/$/);
  await expect(page.getByRole("status")).toHaveText(/^[\d,]+ of [\d,]+ events match$/);
  const matched = number((await page.getByRole("status").textContent()).match(/^([\d,]+) of/)[1]);
  expect(matched).toBeGreaterThanOrEqual(count);

  // Its placeholders are facets named by kind and rank (the first placeholder's kind, rank 1).
  const first = kinds[0] === "<*>" ? "any" : kinds[0].slice(1, -1).toLowerCase();
  const fields = page.getByRole("region", { name: "Fields" });
  const facet = fields.locator(".facet", { has: page.locator(".facet__field", { hasText: new RegExp(`^tpl\\.${first}1\\b`) }) });
  await expect(facet).toBeVisible();
  const top = facet.locator(".facet__value").first();
  const value = (await top.locator(".facet__name").textContent()).trim();
  const valueCount = number(await top.locator(".facet__count").textContent());
  expect(valueCount).toBeLessThan(matched);

  // Clicking a value adds the placeholder field to the filter, and the list narrows to it.
  await top.click();
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  await expect(filterBox).toHaveValue(new RegExp(` tpl\\.${first}1:"?${escaped}"?$`));
  await expect(page.getByRole("status")).toHaveText(
    `${valueCount.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} events match`,
  );
  const rowsShown = page.locator(".timeline__window .row:not(.row--pending) .row__text");
  await expect(rowsShown.first()).toBeVisible();
  for (const t of await rowsShown.allTextContents()) expect(t).toContain(value);
});
