// The merged timeline: a virtualized list that keeps the DOM small while scrolling, in either order.
const { test, expect } = require("@playwright/test");
const { openApp } = require("./helpers");

const rows = (page) => page.locator(".timeline__window .row");

async function loadDemo(page) {
  await openApp(page);
  await page.getByRole("button", { name: "Try the demo incident" }).click();
  await expect(page.getByRole("status")).toHaveText(/^Indexed [\d,]+ events from 5 files$/);
  await expect(rows(page).first()).not.toHaveClass(/row--pending/);
}

test("scrolling changes the visible rows while the DOM row count stays small", async ({ page }) => {
  await loadDemo(page);
  const scroller = page.locator(".timeline__scroller");
  const viewport = await scroller.evaluate((el) => el.clientHeight);
  const rowHeight = await rows(page).first().evaluate((el) => el.getBoundingClientRect().height);
  const limit = Math.ceil(viewport / rowHeight) + 12;
  expect(await rows(page).count()).toBeLessThanOrEqual(limit);
  const firstText = await rows(page).first().locator(".row__text").textContent();

  for (const fraction of [0.25, 0.5, 0.999]) {
    await scroller.evaluate((el, f) => {
      el.scrollTop = (el.scrollHeight - el.clientHeight) * f;
    }, fraction);
    await expect(rows(page).first().locator(".row__text")).not.toHaveText(firstText);
    await expect(page.locator(".timeline__window .row--pending")).toHaveCount(0);
    expect(await rows(page).count()).toBeLessThanOrEqual(limit);
  }
  // Small scrolls with the wheel too.
  await scroller.hover();
  const before = await rows(page).first().locator(".row__text").textContent();
  await page.mouse.wheel(0, -2000);
  await expect(rows(page).first().locator(".row__text")).not.toHaveText(before);
  expect(await rows(page).count()).toBeLessThanOrEqual(limit);
});

test("newest first shows the end of the incident at the top", async ({ page }) => {
  await loadDemo(page);
  const firstTime = async () => (await page.locator(".timeline__window .row .row__time").first().textContent()).trim();
  const oldest = await firstTime();
  const toggle = page.getByRole("button", { name: "Newest first" });
  await expect(toggle).toHaveAttribute("aria-pressed", "false");
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-pressed", "true");
  await expect.poll(firstTime).not.toBe(oldest);
  const newest = await firstTime();
  expect(Date.parse(newest)).toBeGreaterThan(Date.parse(oldest));
  // Each row names its source file.
  const sources = await page.locator(".timeline__window .row .row__source").allTextContents();
  expect(sources.length).toBeGreaterThan(0);
  for (const s of sources) {
    expect(["payment-gateway.jsonl", "nginx-access.log", "syslog", "gateway-container.log", "payments.csv"]).toContain(s);
  }
});
