// Investigating (issue 5): the Patterns panel, following an id, related ids, context, clock skew,
// what changed, and spike markers, driven as a person would on the demo incident and the generated set.
const path = require("node:path");
const { test, expect } = require("@playwright/test");
const { dataDir, openApp, dropFiles } = require("./helpers");

const number = (s) => Number(String(s).replace(/[^\d]/g, ""));

async function loadDemo(page) {
  await openApp(page);
  await page.getByRole("button", { name: "Try the demo incident" }).click();
  await expect(page.getByRole("status")).toHaveText(/^Indexed [\d,]+ events from 5 files$/);
  return number((await page.getByRole("status").textContent()).match(/Indexed ([\d,]+) events/)[1]);
}

function patternsPanel(page) {
  return page.getByRole("region", { name: "Patterns" });
}

test("the Patterns panel lists templates with counts, sparklines and levels, overall and per source", async ({ page }) => {
  const total = await loadDemo(page);
  const panel = patternsPanel(page);
  const items = panel.locator(".pattern");
  await expect(items.first()).toBeVisible();

  // Every listed template has a count, a drawn sparkline and its text.
  const summary = await panel.locator(".patterns__summary").textContent();
  const templates = number(summary.match(/([\d,]+) templates?/)[1]);
  expect(templates).toBeGreaterThan(3);
  const counts = (await items.locator(".pattern__count").allTextContents()).map(number);
  expect(counts.length).toBe(Math.min(templates, 200));
  for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]);
  if (templates <= 200) expect(counts.reduce((a, b) => a + b, 0)).toBe(total);
  const first = items.first();
  await expect(first.getByRole("img")).toHaveAttribute("aria-label", /events? over time$/);
  expect(await first.locator(".sparkline__bars").getAttribute("d")).toMatch(/^M\d/);
  // The incident's errors show as templates with the error level.
  await expect(panel.locator(".level-chip--error").first()).toBeVisible();

  // One source at a time: the counts add up to that file's events.
  const chip = page.locator(".files__item", { hasText: "nginx-access.log" });
  const fileEvents = number(await chip.locator(".files__events").textContent());
  await panel.getByLabel("Templates of").selectOption("nginx-access.log");
  await expect(panel.locator(".patterns__summary")).not.toHaveText(summary);
  const perSource = number((await panel.locator(".patterns__summary").textContent()).match(/([\d,]+) templates?/)[1]);
  const sourceCounts = (await items.locator(".pattern__count").allTextContents()).map(number);
  if (perSource <= 200) expect(sourceCounts.reduce((a, b) => a + b, 0)).toBe(fileEvents);
  // Back to all sources.
  await panel.getByLabel("Templates of").selectOption("");
  await expect(panel.locator(".patterns__summary")).toHaveText(summary);
});

test("the generated set's templates are mined while it loads, and the cost is shown", async ({ page }) => {
  await openApp(page);
  const files = ["app-payments.jsonl", "nginx-access.log", "syslog", "containers.log", "transactions.csv"];
  await dropFiles(page, files.map((f) => path.join(dataDir(), f)));
  await expect(page.getByRole("status")).toHaveText(/^Indexed /);
  const summary = patternsPanel(page).locator(".patterns__summary");
  await expect(summary).toHaveText(/Mined in \d+ ms, \d+% of the load time\./);
  // The figure is reported (speed is measured by benchmarks, not asserted here).
  console.log(`patterns on the generated 20 MB set: ${await summary.textContent()}`);
  // The timeout message of the incident is one template.
  await expect(patternsPanel(page).locator(".pattern__text", { hasText: "Connection timed out" }).first()).toBeVisible();
});
