// Time zones (issue 3): zone-less times are read in this browser's zone (said plainly) or in a zone set
// per file, which reads the file again and moves its rows by the zones' difference; the display zone
// changes how times are shown (rows, header), never the row's own text; typed query times without a
// zone are read in the display zone.
const fs = require("node:fs");
const path = require("node:path");
const { test, expect } = require("@playwright/test");
const { indexedText, openApp, dropFiles } = require("./helpers");

// The page runs as if this machine were in Paris (UTC+2 in July).
test.use({ timezoneId: "Europe/Paris" });

const rows = (page) => page.locator(".timeline__window .row");
const status = (page) => page.getByRole("status");

/** A syslog without year or zone, and JSON lines with UTC times; both dated by an mtime in July 2026. */
function writeFiles(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const syslog = path.join(dir, "syslog");
  const app = path.join(dir, "app.jsonl");
  fs.writeFileSync(syslog, "Jul  3 09:00:05 web1 sshd[17]: Accepted publickey for deploy\n");
  fs.writeFileSync(
    app,
    [
      '{"ts":"2026-07-03T06:59:59Z","level":"info","msg":"before seven"}',
      '{"ts":"2026-07-03T08:00:00Z","level":"warn","msg":"at eight"}',
      '{"ts":"2026-07-03T12:00:00Z","level":"error","msg":"at noon"}',
    ].join("\n") + "\n",
  );
  const july = new Date("2026-07-04T00:00:00Z");
  for (const f of [syslog, app]) fs.utimesSync(f, july, july);
  return [syslog, app];
}

/** The row (oldest first) whose text contains `text`. */
function rowWith(page, text) {
  return rows(page).filter({ has: page.locator(".row__text", { hasText: text }) });
}

test("zone-less times are read in the browser's zone, and a zone set for one file moves only its rows", async ({ page }, testInfo) => {
  const files = writeFiles(testInfo.outputPath("zones"));
  await openApp(page);
  await dropFiles(page, files);
  await expect(status(page)).toHaveText(indexedText(4, 2));
  await expect(page.getByText("Times without a zone are read as Europe/Paris (this browser's zone).")).toBeVisible();
  const syslogZone = page.getByLabel("Time zone of syslog");
  await expect(syslogZone).toHaveValue("Europe/Paris");
  await expect(page.getByLabel("Time zone of app.jsonl")).toHaveValue("Europe/Paris");

  // 09:00:05 in Paris is 07:00:05 UTC: second on the timeline, after 06:59:59Z.
  const syslogRow = rowWith(page, "Accepted publickey");
  await expect(syslogRow.locator(".row__time")).toHaveText("2026-07-03T07:00:05Z");
  await expect(rows(page).nth(1).locator(".row__source")).toHaveText("syslog");

  // Read as New York time (UTC-4 in July): six hours later, now after 12:00Z.
  await syslogZone.fill("America/New_York");
  await syslogZone.press("Enter");
  await expect(syslogRow.locator(".row__time")).toHaveText("2026-07-03T13:00:05Z");
  await expect(rows(page).nth(3).locator(".row__source")).toHaveText("syslog");
  await expect(syslogZone).toHaveValue("America/New_York");
  await expect(status(page)).toHaveText(indexedText(4, 2));
  // The other file is untouched, and the row keeps the time as written.
  await expect(rowWith(page, "at noon").locator(".row__time")).toHaveText("2026-07-03T12:00:00Z");
  await expect(syslogRow.locator(".row__text")).toContainText("Jul  3 09:00:05 web1");
  const fileEntry = page.locator(".files__item", { hasText: "syslog" });
  await expect(fileEntry.locator(".files__events")).toHaveText("1 event");

  // A name that is no zone is said plainly, naming the file, and changes nothing.
  await syslogZone.fill("Mars/Olympus");
  await syslogZone.press("Enter");
  await expect(page.getByRole("alert")).toContainText('The time zone of syslog was not changed: unknown time zone "Mars/Olympus"');
  await expect(syslogRow.locator(".row__time")).toHaveText("2026-07-03T13:00:05Z");
});

test("the display zone changes the times shown, not the rows' text, and is kept in the URL", async ({ page }, testInfo) => {
  const files = writeFiles(testInfo.outputPath("display"));
  await openApp(page);
  await dropFiles(page, files);
  await expect(status(page)).toHaveText(indexedText(4, 2));
  const eight = rowWith(page, "at eight");
  await expect(eight.locator(".row__time")).toHaveText("2026-07-03T08:00:00Z");
  await expect(page.locator(".timeline__header .row__time")).toHaveText("Time (UTC)");

  const display = page.getByLabel("Display time zone");
  await display.fill("Asia/Tokyo");
  await display.press("Enter");
  await expect(page.locator(".header__zone-name")).toHaveText("Asia/Tokyo");
  await expect(page.locator(".timeline__header .row__time")).toHaveText("Time (Asia/Tokyo)");
  await expect(eight.locator(".row__time")).toHaveText("2026-07-03T17:00:00+09:00");
  await expect(eight.locator(".row__text")).toContainText('"ts":"2026-07-03T08:00:00Z"');
  await expect(page).toHaveURL(/[#&]tz=Asia\/Tokyo/);

  // The selected row's details show its time in the display zone too.
  await eight.click();
  const details = page.getByRole("region", { name: "Event details" });
  await expect(details.locator(".details__fields")).toContainText("2026-07-03T17:00:00+09:00");

  // Local is this browser's zone.
  await display.fill("Local");
  await display.press("Enter");
  await expect(page.locator(".header__zone-name")).toHaveText("Local (Europe/Paris)");
  await expect(eight.locator(".row__time")).toHaveText("2026-07-03T10:00:00+02:00");

  // A reload restores the zone from the URL.
  await page.reload();
  await expect(page.locator(".header__zone-name")).toHaveText("Local (Europe/Paris)");
  await expect(page.getByLabel("Display time zone")).toHaveValue("Local");
});

test("times typed in a query without a zone are read in the display zone", async ({ page }, testInfo) => {
  const files = writeFiles(testInfo.outputPath("query"));
  await openApp(page);
  await dropFiles(page, files);
  await expect(status(page)).toHaveText(indexedText(4, 2));
  const filter = page.getByRole("searchbox", { name: "Filter" });
  // In UTC, after 08:00 keeps 08:00Z and 12:00Z (syslog is 07:00:05Z).
  await filter.fill("after:2026-07-03T08:00:00");
  await expect(status(page)).toHaveText("2 of 4 events match");
  // In Tokyo the same words mean 23:00Z the day before: every event matches.
  const display = page.getByLabel("Display time zone");
  await display.fill("Asia/Tokyo");
  await display.press("Enter");
  await expect(status(page)).toHaveText("4 of 4 events match");
  // In New York they mean 12:00Z: only noon.
  await display.fill("America/New_York");
  await display.press("Enter");
  await expect(status(page)).toHaveText("1 of 4 events match");
});
