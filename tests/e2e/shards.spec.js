// Sharding (`?shards=N`): the case is split across N shard workers behind a coordinator, each holding
// some of the files, and the page shows exactly what the one worker holding every file shows.
const path = require("node:path");
const { test, expect } = require("@playwright/test");
const { dataDir, dropFiles, truth } = require("./helpers");

const ALL = ["app-payments.jsonl", "nginx-access.log", "syslog", "containers.log", "transactions.csv"];

const rows = (page) => page.locator(".timeline__window .row");
const filter = (page) => page.getByRole("searchbox", { name: "Filter" });
const status = (page) => page.getByRole("status");

test.beforeEach(() => test.setTimeout(300_000));

/** The visible rows' time, source and text, once none is still loading. */
async function visibleRows(page) {
  await expect(page.locator(".timeline__window .row--pending")).toHaveCount(0);
  return rows(page).evaluateAll((els) =>
    els.map((el) => [".row__time", ".row__source", ".row__text"].map((c) => el.querySelector(c)?.textContent ?? "").join(" | ")),
  );
}

async function scrollTo(page, fraction) {
  const before = await visibleRows(page);
  await page.locator(".timeline__scroller").evaluate((el, f) => {
    el.scrollTop = (el.scrollHeight - el.clientHeight) * f;
  }, fraction);
  if (fraction > 0) await expect.poll(() => visibleRows(page)).not.toEqual(before);
  return visibleRows(page);
}

/** What the page shows for the generated set and one query, opened at `url`. */
async function view(page, url, query) {
  await page.goto(url);
  await expect(status(page)).toHaveText("No files loaded yet.");
  await dropFiles(page, ALL.map((f) => path.join(dataDir(), f)));
  await expect(status(page)).toHaveText(/^Indexed [\d,]+ events from 5 files$/);
  const shards = Number(await page.locator(".app").getAttribute("data-shards"));
  const all = { middle: await scrollTo(page, 0.5), end: await scrollTo(page, 1) };
  await filter(page).fill(query);
  await expect(status(page)).toHaveText(/^[\d,]+ of [\d,]+ events match$/);
  const counted = await status(page).textContent();
  const facets = page.getByRole("region", { name: "Fields" });
  await expect(facets.locator(".facet").first()).toBeVisible();
  const levelFacet = await facets.locator(".facet").first().locator(".facet__value").allTextContents();
  const matches = { first: await scrollTo(page, 0), middle: await scrollTo(page, 0.5), end: await scrollTo(page, 1) };
  // The details of a row far down the merged list name the same event.
  await rows(page).last().click();
  const details = page.getByRole("region", { name: "Event details" });
  await expect(details).toBeVisible();
  const detailText = await details.locator("pre").first().textContent();
  return { shards, counted, levelFacet, all, matches, detailText };
}

test("several workers hold the case and answer a query exactly as one worker does", async ({ page }) => {
  const query = "level:error OR status>=500 OR latency_ms>1000";
  const sharded = await view(page, "/?shards=2", query);
  const single = await view(page, "/", query);
  expect(sharded.shards).toBe(2);
  expect(single.shards).toBe(1);
  console.log(`sharded: ${sharded.shards} workers; ${sharded.counted}`);
  expect(sharded.counted).toBe(single.counted);
  expect(sharded.levelFacet).toEqual(single.levelFacet);
  expect(sharded.all).toEqual(single.all);
  expect(sharded.matches).toEqual(single.matches);
  expect(sharded.detailText).toBe(single.detailText);
});

/** What the investigation panels show for the generated set at `url`: the patterns list, one id's
 * story and the what-changed headline. */
async function investigations(page, url) {
  await page.goto(url);
  await expect(status(page)).toHaveText("No files loaded yet.");
  await dropFiles(page, ALL.map((f) => path.join(dataDir(), f)));
  await expect(status(page)).toHaveText(/^Indexed [\d,]+ events from 5 files$/);
  const patterns = page.getByRole("region", { name: "Patterns" });
  await expect(patterns.locator(".pattern").first()).toBeVisible();
  // The templates counted (the time mining took differs from run to run).
  const summary = (await patterns.locator(".patterns__summary").textContent()).replace(/Mined in.*/, "");
  const templates = await patterns.locator(".pattern").evaluateAll((els) => els.map((el) => el.textContent));

  const { id } = truth().ids_across_files[0];
  await page.getByRole("button", { name: "Follow id" }).click();
  const follow = page.getByRole("region", { name: "Follow id" });
  await follow.getByLabel("Id to follow").fill(id);
  await follow.getByRole("button", { name: "Follow" }).click();
  const steps = follow.locator(".follow__steps .event-line");
  await expect(steps.first()).toBeVisible();
  const story = await steps.evaluateAll((els) => els.map((el) => el.textContent));

  await page.getByRole("button", { name: "What changed" }).click();
  const changes = page.getByRole("region", { name: "What changed" });
  await expect(changes.locator(".change").first()).toBeVisible();
  const headline = await changes.locator(".changes__headline").textContent();
  return { summary, templates, story, headline };
}

test("several workers answer the investigations exactly as one worker does", async ({ page }) => {
  const sharded = await investigations(page, "/?shards=2");
  expect(await page.locator(".app").getAttribute("data-shards")).toBe("2");
  const single = await investigations(page, "/");
  console.log(`sharded: ${sharded.templates.length} templates, ${sharded.story.length} steps; ${sharded.headline}`);
  expect(sharded.templates.length).toBeGreaterThan(3);
  expect(sharded.story.length).toBeGreaterThan(1);
  expect(sharded.summary).toBe(single.summary);
  expect(sharded.templates).toEqual(single.templates);
  expect(sharded.story).toEqual(single.story);
  expect(sharded.headline).toBe(single.headline);
});
