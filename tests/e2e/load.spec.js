// Adding files the three ways a person can (picker, drop, paste), the demo, and bad files.
const fs = require("node:fs");
const path = require("node:path");
const { test, expect } = require("@playwright/test");
const { dataDir, truth, thousands, indexedText, openApp, dropFiles } = require("./helpers");

// The three files issue 2 names; the picker test uses them, the drop test all five.
const EXACT = ["app-payments.jsonl", "nginx-access.log", "transactions.csv"];
const ALL = ["app-payments.jsonl", "nginx-access.log", "syslog", "containers.log", "transactions.csv"];

test("the page has exactly one status region", async ({ page }) => {
  await openApp(page);
  await expect(page.getByRole("status")).toHaveCount(1);
});

test("files picked with the Open files input are indexed", async ({ page }) => {
  await openApp(page);
  const t = truth();
  await page.getByLabel("Open files").setInputFiles(EXACT.map((f) => path.join(dataDir(), f)));
  const expected = EXACT.reduce((sum, f) => sum + t.events[f], 0);
  await expect(page.getByRole("status")).toHaveText(indexedText(expected, EXACT.length));
  for (const f of EXACT) {
    const chip = page.locator(".files__item", { hasText: f });
    await expect(chip.locator(".files__events")).toHaveText(`${thousands(t.events[f])} events`);
  }
});

test("the generated 20 MB set dropped on the page is indexed", async ({ page }) => {
  await openApp(page);
  await dropFiles(
    page,
    ALL.map((f) => path.join(dataDir(), f)),
    { target: ".timeline", checkOverlay: true },
  );
  await expect(page.locator(".drop-overlay")).toHaveCount(0);
  const t = truth();
  const expected = ALL.reduce((sum, f) => sum + t.events[f], 0);
  await expect(page.getByRole("status")).toHaveText(indexedText(expected, ALL.length));
  for (const f of ALL) {
    const chip = page.locator(".files__item", { hasText: f });
    await expect(chip.locator(".files__events")).toHaveText(`${thousands(t.events[f])} events`);
  }
});

test("the status shows reading progress, not an event count, while loading", async ({ page }) => {
  await openApp(page);
  const seen = [];
  await page.exposeFunction("recordStatus", (text) => seen.push(text));
  await page.evaluate(() => {
    const status = document.querySelector('[role="status"]');
    new MutationObserver(() => window.recordStatus(status.textContent)).observe(status, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  await dropFiles(page, ALL.map((f) => path.join(dataDir(), f)));
  await expect(page.getByRole("status")).toHaveText(/^Indexed /);
  const reading = seen.filter((s) => s.startsWith("Reading "));
  expect(reading.length).toBeGreaterThan(0);
  for (const s of reading) {
    expect(s).toMatch(/^Reading [\d.,]+ (bytes?|KB|MB|GB) of [\d.,]+ (bytes?|KB|MB|GB), \d{1,3}%$/);
  }
  for (const s of seen.filter((s) => !s.startsWith("Indexed "))) {
    expect(s).not.toMatch(/\d\s*events?\b/);
  }
});

test("pasted text is indexed, from the text box and from the page", async ({ page }) => {
  await openApp(page);
  const lines = [
    "2026-07-03 09:00:00 INFO service started",
    "2026-07-03 09:00:01 WARN disk at 91%",
    "2026-07-03 09:00:02 ERROR request failed",
  ];
  await page.getByLabel("Paste log text").fill(lines.join("\n"));
  await page.getByRole("button", { name: "Add pasted text" }).click();
  await expect(page.getByRole("status")).toHaveText(indexedText(lines.length, 1));

  // Pasting onto the page outside any text field adds the clipboard text as another source.
  await page.evaluate((text) => {
    const data = new DataTransfer();
    data.setData("text/plain", text);
    document.body.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  }, "2026-07-03 09:00:03 INFO one more\n");
  await expect(page.getByRole("status")).toHaveText(indexedText(lines.length + 1, 2));
  await expect(page.locator(".row__text", { hasText: "one more" })).toBeVisible();
});

test("the demo incident loads with one click", async ({ page }) => {
  await openApp(page);
  await page.getByRole("button", { name: "Try the demo incident" }).click();
  const status = page.getByRole("status");
  await expect(status).toHaveText(/^Indexed [\d,]+ events from 5 files$/);
  const events = Number((await status.textContent()).match(/Indexed ([\d,]+) events/)[1].replaceAll(",", ""));
  expect(events).toBeGreaterThanOrEqual(50_000);
  // The file list names the five demo sources and adds up to the status.
  const counts = await page.locator(".files__item .files__events").allTextContents();
  expect(counts).toHaveLength(5);
  const sum = counts.reduce((s, c) => s + Number(c.replace(/[^\d]/g, "")), 0);
  expect(sum).toBe(events);
  await expect(page.locator(".timeline__window .row").first()).not.toHaveClass(/row--pending/);
});

test("a bad file gets its sentence while the other files load", async ({ page }, testInfo) => {
  const dir = testInfo.outputPath("bad");
  fs.mkdirSync(dir, { recursive: true });
  const empty = path.join(dir, "empty.log");
  const binary = path.join(dir, "image.bin");
  const good = path.join(dir, "good.log");
  fs.writeFileSync(empty, "");
  fs.writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3, 0, 0, 0, 0xff, 0xfe, 0, 9]));
  fs.writeFileSync(good, "2026-07-03 09:00:00 INFO a\n2026-07-03 09:00:01 INFO b\n");
  await openApp(page);
  await dropFiles(page, [empty, binary, good]);
  await expect(page.getByRole("status")).toHaveText(indexedText(2, 1));
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("empty.log: the file is empty.");
  await expect(alert).toContainText("image.bin: this is not a text log");
  await expect(alert.locator("li")).toHaveCount(2);
});

test("a long load shows its progress and can be cancelled", async ({ page }, testInfo) => {
  // 256 MiB of log lines: long enough to press Cancel while it is read.
  const big = testInfo.outputPath("big.log");
  fs.mkdirSync(path.dirname(big), { recursive: true });
  const line = "2026-07-03T09:00:00.000Z INFO worker-7 processed batch of 128 items in 42 ms\n";
  const chunk = Buffer.from(line.repeat(Math.floor((1 << 20) / line.length)));
  const fd = fs.openSync(big, "w");
  for (let written = 0; written < 256 << 20; written += chunk.length) fs.writeSync(fd, chunk);
  fs.closeSync(fd);

  await openApp(page);
  await page.getByLabel("Open files").setInputFiles(big);
  const status = page.getByRole("status");
  await expect(status).toHaveText(/^Reading [\d.]+ (bytes?|KB|MB) of 2\d\d MB, \d{1,3}%$/);
  await expect(page.getByRole("progressbar", { name: "Loading" })).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(status).toHaveText("Loading cancelled. Indexed 0 events from 0 files");
  await expect(page.getByRole("button", { name: "Cancel" })).toHaveCount(0);
  fs.rmSync(big);
});
