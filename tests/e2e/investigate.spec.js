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

test("clicking a template filters the list to it through the filter box", async ({ page }) => {
  const total = await loadDemo(page);
  const panel = patternsPanel(page);
  // The most frequent template with fixed words of one source.
  await panel.getByLabel("Templates of").selectOption("nginx-access.log");
  const item = panel.locator(".pattern").filter({ has: page.locator(".pattern__button:not([disabled])") }).first();
  const count = number(await item.locator(".pattern__count").textContent());
  await item.locator(".pattern__button").click();
  const filterBox = page.getByRole("searchbox", { name: "Filter" });
  await expect(filterBox).toHaveValue(/^source:nginx-access\.log \/.+\/$/);
  // The filter keeps every event of the template (its fixed words may also occur in a few others).
  await expect(page.getByRole("status")).toHaveText(/^[\d,]+ of [\d,]+ events match$/);
  const matched = number((await page.getByRole("status").textContent()).match(/^([\d,]+) of/)[1]);
  expect(matched).toBeGreaterThanOrEqual(count);
  expect(matched).toBeLessThan(total);
  const sources = await page.locator(".timeline__window .row .row__source").allTextContents();
  for (const s of sources) expect(s).toBe("nginx-access.log");
});

test("the generated set's templates are mined once it is loaded, and the cost is shown", async ({ page }) => {
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

const ALL = ["app-payments.jsonl", "nginx-access.log", "syslog", "containers.log", "transactions.csv"];

async function loadGenerated(page) {
  await openApp(page);
  await dropFiles(page, ALL.map((f) => path.join(dataDir(), f)));
  await expect(page.getByRole("status")).toHaveText(/^Indexed [\d,]+ events from 5 files$/);
}

/** Lines of each generated file that carry `id` (ignoring case), read from the files themselves. */
function linesWith(id) {
  const fs = require("node:fs");
  const out = {};
  for (const f of ALL) {
    const n = fs
      .readFileSync(path.join(dataDir(), f), "utf8")
      .split("\n")
      .filter((l) => l.toLowerCase().includes(id.toLowerCase())).length;
    if (n > 0) out[f] = n;
  }
  return out;
}

test("an id of the selected event is followed across every file as one story", async ({ page }) => {
  await loadGenerated(page);
  // Select the first event: the Related by panel lists its ids and who shares them.
  const firstRow = page.locator(".timeline__window .row:not(.row--pending)").first();
  await expect(firstRow).toBeVisible();
  await firstRow.click();
  await expect(page.locator(".timeline__window .row").first()).toHaveAttribute("aria-selected", "true");
  const related = page.getByRole("region", { name: "Related by" });
  const firstId = related.locator(".related__id").first();
  await expect(firstId).toBeVisible();
  const id = (await firstId.textContent()).trim();
  const expected = linesWith(id);
  const expectedTotal = Object.values(expected).reduce((a, b) => a + b, 0);
  const item = related.locator(".related__item").first();
  await expect(item.locator(".related__count")).toHaveText(
    `${expectedTotal === 1 ? "1 event" : `${expectedTotal.toLocaleString("en-US")} events`} in ${
      Object.keys(expected).length === 1 ? "1 source" : `${Object.keys(expected).length} sources`
    }`,
  );

  // Clicking the id tells its story: every event carrying it, in time order, with the gaps.
  await firstId.click();
  const follow = page.getByRole("region", { name: "Follow id" });
  const steps = follow.locator(".follow__steps .event-line");
  await expect(steps).toHaveCount(expectedTotal);
  const sources = await steps.locator(".event-line__source").allTextContents();
  expect([...new Set(sources)].sort()).toEqual(Object.keys(expected).sort());
  const times = (await steps.locator(".event-line__time").allTextContents()).map((t) => Date.parse(t));
  for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
  if (expectedTotal > 1) await expect(steps.nth(1).locator(".event-line__extra")).toHaveText(/^\+[\d.]+ (s|min)/);
});

test("an id typed by hand is followed through the files truth.json names", async ({ page }) => {
  const fs = require("node:fs");
  const truth = JSON.parse(fs.readFileSync(path.join(dataDir(), "truth.json"), "utf8"));
  const { id, files } = truth.ids_across_files[0];
  await loadGenerated(page);
  await page.getByRole("button", { name: "Follow id" }).click();
  const follow = page.getByRole("region", { name: "Follow id" });
  await follow.getByLabel("Id to follow").fill(id);
  await follow.getByRole("button", { name: "Follow" }).click();
  const expected = linesWith(id);
  const steps = follow.locator(".follow__steps .event-line");
  await expect(steps).toHaveCount(Object.values(expected).reduce((a, b) => a + b, 0));
  const sources = [...new Set(await steps.locator(".event-line__source").allTextContents())].sort();
  // Every file that holds the id (read from the files; truth.json's list is checked against them).
  expect(sources).toEqual(Object.keys(expected).sort());
  for (const f of sources) expect(files).toContain(f);
  expect(sources.length).toBeGreaterThan(1);
});

test("the context of the selected event shows every source within ±N seconds with the event marked", async ({ page }) => {
  await loadDemo(page);
  const row = page.locator(".timeline__window .row:not(.row--pending)").nth(2);
  await expect(row).toBeVisible();
  const rowTime = (await row.locator(".row__time").textContent()).trim();
  const rowSource = (await row.locator(".row__source").textContent()).trim();
  await row.click();
  const firstVisible = await page.locator(".timeline__window .row .row__text").first().textContent();

  await page.getByRole("button", { name: "Context" }).click();
  const context = page.getByRole("region", { name: "Context" });
  const marked = context.locator(".event-line--marked");
  await expect(marked).toHaveCount(1);
  await expect(marked.locator(".event-line__time")).toHaveText(rowTime);
  await expect(marked.locator(".event-line__source")).toHaveText(rowSource);
  const within = async (seconds) => {
    const times = (await context.locator(".context__events .event-line__time").allTextContents()).map(Date.parse);
    for (const t of times) expect(Math.abs(t - Date.parse(rowTime))).toBeLessThanOrEqual(seconds * 1000);
    return times.length;
  };
  await expect(context.locator(".context__summary")).toContainText("within ±5 s");
  const five = await within(5);
  expect(five).toBeGreaterThan(1);
  const sources = new Set(await context.locator(".context__events .event-line__source").allTextContents());
  expect(sources.size).toBeGreaterThan(1);

  // A wider window holds at least as much; the list above keeps its rows (and filter) meanwhile.
  await context.getByLabel("Seconds either side").fill("30");
  await context.getByLabel("Seconds either side").press("Enter");
  await expect(context.locator(".context__summary")).toContainText("within ±30 s");
  expect(await within(30)).toBeGreaterThanOrEqual(five);
  await expect(page.locator(".timeline__window .row .row__text").first()).toHaveText(firstVisible);
});

/** `[03/Jul/2026:09:00:03 +0000]` in an access-log line → ms since the epoch. */
function accessLogTime(text) {
  const m = text.match(/\[(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{2})(\d{2})\]/);
  if (!m) return null;
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const utc = Date.UTC(+m[3], months.indexOf(m[2]), +m[1], +m[4], +m[5], +m[6]);
  return utc - (Number(m[7]) * 60 + Math.sign(Number(m[7]) || 1) * Number(m[8])) * 60_000;
}

test("the clock skew of nginx-access.log is found, offered and applied, and offsets can be set by hand", async ({ page }) => {
  const fs = require("node:fs");
  const truth = JSON.parse(fs.readFileSync(path.join(dataDir(), "truth.json"), "utf8"));
  const trueSkew = truth.clock_skew_s["nginx-access.log"];
  await loadGenerated(page);
  const offer = page.getByRole("region", { name: "Clock skew" });
  await expect(offer).toContainText(/nginx-access\.log runs \d+\.\d s ahead \([\d,]+ shared ids\)\. Apply offset\?/);
  const sentence = await offer.textContent();
  console.log(`clock skew offer on the generated set: ${sentence.match(/nginx-access\.log runs [^.]+\.\d s ahead \([\d,]+ shared ids\)/)[0]}`);
  const shown = Number(sentence.match(/nginx-access\.log runs (\d+\.\d) s ahead/)[1]);
  expect(Math.abs(shown - trueSkew)).toBeLessThanOrEqual(0.5);

  await offer.getByRole("button", { name: "Apply offset" }).click();
  await expect(offer).toHaveCount(0);
  const input = page.getByLabel("Clock offset of nginx-access.log in seconds");
  await expect(input).not.toHaveValue("0");
  const applied = Number(await input.inputValue());
  expect(Math.abs(applied - trueSkew)).toBeLessThanOrEqual(0.5);

  // The timeline is merged again: nginx rows show their time shifted back, their text as written.
  const nginxRow = page.locator(".timeline__window .row", { hasText: "nginx-access.log" }).first();
  await expect
    .poll(async () => {
      const written = accessLogTime(await nginxRow.locator(".row__text").textContent());
      const shownTime = Date.parse(await nginxRow.locator(".row__time").textContent());
      return Math.round(written - shownTime);
    })
    .toBe(Math.round(applied * 1000));

  // Any offset by hand: syslog 2 s ahead.
  const syslog = page.getByLabel("Clock offset of syslog in seconds");
  await syslog.fill("2");
  await syslog.dispatchEvent("change");
  await expect(syslog).toHaveValue("2");
  await expect(input).toHaveValue(String(await input.inputValue()));
});

/** `10:36:00` on the data's day → ms since the epoch. */
function clockOn(day, clock) {
  return Date.parse(`${day}T${clock}Z`);
}

test("what changed in the incident: the timeout message, nginx 502/504 and the OOM kill line lead", async ({ page }) => {
  const fs = require("node:fs");
  await loadGenerated(page);
  await page.getByRole("button", { name: "What changed" }).click();
  const panel = page.getByRole("region", { name: "What changed" });
  const items = panel.locator(".change");
  await expect(items.first()).toBeVisible();
  await expect(panel.locator(".changes__headline")).toHaveText(/(went from .* per minute|appeared|stopped)/);
  console.log(`what changed, headline: ${await panel.locator(".changes__headline").textContent()}`);

  // The windows compared, read from the panel; the expectations are computed from the files.
  const windows = await panel.locator(".changes__windows").textContent();
  const [a0, a1, b0] = windows.match(/\d{2}:\d{2}:\d{2}(\.\d+)?/g);
  const day = JSON.parse(fs.readFileSync(path.join(dataDir(), "truth.json"), "utf8")).start_utc.slice(0, 10);
  const after = [clockOn(day, a0), clockOn(day, a1)];
  const before = [clockOn(day, b0), after[0]];
  const inWindow = (t, w) => t >= w[0] && t < w[1];

  // nginx statuses that are new or many times more frequent in the incident window.
  const nginx = fs.readFileSync(path.join(dataDir(), "nginx-access.log"), "utf8").split("\n");
  const statusCounts = {};
  for (const line of nginx) {
    const t = accessLogTime(line);
    const status = (line.match(/" (\d{3}) /) || [])[1];
    if (t === null || !status) continue;
    const c = (statusCounts[status] ||= { before: 0, after: 0 });
    if (inWindow(t, after)) c.after++;
    else if (inWindow(t, before)) c.before++;
  }
  const risingErrors = Object.entries(statusCounts)
    .filter(([s, c]) => s >= "500" && c.after >= 5 * c.before + 5)
    .map(([s]) => s);
  expect(risingErrors.length).toBeGreaterThan(0);

  // The app's timeout message and the kernel's OOM kill line in the incident window.
  const appTimeout = fs
    .readFileSync(path.join(dataDir(), "app-payments.jsonl"), "utf8")
    .split("\n")
    .map((l) => { try { return JSON.parse(l); } catch { return null; } })
    .find((j) => j && /timed out/i.test(JSON.stringify(j)));
  const timeoutWords = JSON.stringify(appTimeout).match(/[A-Z][a-z]+ timed out/)[0];
  const oomLine = fs.readFileSync(path.join(dataDir(), "syslog"), "utf8").split("\n").find((l) => /out of memory|oom/i.test(l));
  expect(oomLine).toBeTruthy();

  const top = [];
  for (let i = 0; i < Math.min(10, await items.count()); i++) {
    const it = items.nth(i);
    top.push({
      value: (await it.locator(".change__value").textContent()) + " " + ((await it.locator(".change__value").getAttribute("title")) || ""),
      source: await it.locator(".change__source").textContent(),
    });
  }
  console.log(`what changed, first ten: ${JSON.stringify(top.map((t) => `${t.source}: ${t.value.slice(0, 60)}`))}`);
  expect(top.some((t) => t.source === "app-payments.jsonl" && t.value.includes(timeoutWords))).toBe(true);
  for (const status of risingErrors) {
    expect(top.some((t) => t.source === "nginx-access.log" && new RegExp(`\\b${status}\\b`).test(t.value))).toBe(true);
  }
  expect(top.some((t) => t.source === "syslog" && /out of memory|oom|killed process/i.test(t.value))).toBe(true);
});

test("what changed tells its clock times in the display zone", async ({ page }) => {
  await loadGenerated(page);
  await page.getByRole("button", { name: "What changed" }).click();
  const headline = page.getByRole("region", { name: "What changed" }).locator(".changes__headline");
  await expect(headline).toHaveText(/ at \d{2}:\d{2} /);
  const utc = await headline.textContent();
  const display = page.getByLabel("Display time zone");
  await display.fill("Asia/Tokyo");
  await display.press("Enter");
  await expect(headline).not.toHaveText(utc);
  // Tokyo is nine hours ahead of UTC all year: the same sentence, the clock moved on.
  const [h, m] = utc.match(/ at (\d{2}):(\d{2}) /).slice(1).map(Number);
  const tokyo = `${String((h + 9) % 24).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
  await expect(headline).toHaveText(utc.replace(/ at \d{2}:\d{2} /, ` at ${tokyo} `));
});

test("spike markers sit on the time strip and select their range for What changed", async ({ page }) => {
  await loadGenerated(page);
  const strip = page.getByRole("region", { name: "Spikes" });
  const markers = strip.getByRole("button");
  await expect(markers.first()).toBeVisible();
  const errors = strip.getByRole("button", { name: /^Errors spike in all sources/ });
  const marker = (await errors.count()) > 0 ? errors.first() : markers.first();
  const label = await marker.getAttribute("aria-label");
  const [from, to] = label.match(/\d{2}:\d{2}:\d{2}(\.\d+)?/g);
  await marker.click();
  const panel = page.getByRole("region", { name: "What changed" });
  await expect(panel.locator(".changes__windows")).toHaveText(new RegExp(`^${from} – ${to} compared with`));
  // The incident of the generated set lies inside the spikes found.
  const fs = require("node:fs");
  const truth = JSON.parse(fs.readFileSync(path.join(dataDir(), "truth.json"), "utf8"));
  const day = truth.start_utc.slice(0, 10);
  const [i0, i1] = truth.incident_utc.map(Date.parse);
  const f = clockOn(day, from);
  expect(f).toBeGreaterThanOrEqual(i0 - 15 * 60_000);
  expect(f).toBeLessThanOrEqual(i1);
});
