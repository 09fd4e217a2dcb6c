// Nothing leaves the machine: over a whole session every request the page and its workers make goes to
// the app's own origin, and the Content-Security-Policy raises no violation.
const path = require("node:path");
const { test, expect } = require("@playwright/test");
const { dataDir, openApp, dropFiles } = require("./helpers");

test("a whole session makes no request to any other origin", async ({ page, context, baseURL }) => {
  const origin = new URL(baseURL).origin;
  const requests = [];
  context.on("request", (r) => requests.push(r.url()));
  page.on("request", (r) => requests.push(r.url()));
  page.on("worker", (w) => requests.push(w.url()));
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(String(e)));

  await openApp(page);
  await page.getByLabel("Open files").setInputFiles(path.join(dataDir(), "app-payments.jsonl"));
  await expect(page.getByRole("status")).toHaveText(/^Indexed [\d,]+ events from 1 file$/);
  await dropFiles(page, [path.join(dataDir(), "nginx-access.log"), path.join(dataDir(), "syslog")]);
  await expect(page.getByRole("status")).toHaveText(/^Indexed [\d,]+ events from 3 files$/);
  await page.getByRole("button", { name: "Try the demo incident" }).click();
  await expect(page.getByRole("status")).toHaveText(/^Indexed [\d,]+ events from 8 files$/);
  await page.getByLabel("Paste log text").fill("2026-07-03 09:00:00 INFO pasted\n");
  await page.getByRole("button", { name: "Add pasted text" }).click();
  await expect(page.getByRole("status")).toHaveText(/^Indexed [\d,]+ events from 9 files$/);
  const scroller = page.locator(".timeline__scroller");
  for (const f of [0.3, 0.7, 1]) {
    await scroller.evaluate((el, f) => (el.scrollTop = (el.scrollHeight - el.clientHeight) * f), f);
    await page.waitForTimeout(100);
  }
  await page.getByRole("button", { name: "Newest first" }).click();
  await page.waitForTimeout(300);

  expect(requests.length).toBeGreaterThan(3);
  const foreign = requests.filter((u) => !u.startsWith("data:") && new URL(u).origin !== origin);
  expect(foreign).toEqual([]);
  expect(problems).toEqual([]);
});
