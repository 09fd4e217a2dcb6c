// Sharding (the default; `?shards=N` chooses N): the case is split across shard workers behind a
// coordinator, each holding some of the files, and the page shows exactly what the one worker holding
// every file (`?shards=1`) shows: rows, queries, template placeholder fields, zone changes.
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
  // The fields of the previous filter stay until this one's arrive: wait for the note naming its matches.
  const matched = counted.split(" of ")[0];
  await expect(facets.locator(".facets__note")).toHaveText(new RegExp(`(of|from [\\d,]+ of) ${matched} matches`));
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
  const single = await view(page, "/?shards=1", query);
  expect(sharded.shards).toBe(2);
  expect(single.shards).toBe(1);
  console.log(`sharded: ${sharded.shards} workers; ${sharded.counted}`);
  expect(sharded.counted).toBe(single.counted);
  expect(sharded.levelFacet).toEqual(single.levelFacet);
  expect(sharded.all).toEqual(single.all);
  expect(sharded.matches).toEqual(single.matches);
  expect(sharded.detailText).toBe(single.detailText);
});

/** Opens `url`, drops the generated set and waits until it is indexed; returns the worker count. */
async function load(page, url) {
  await page.goto(url);
  await expect(status(page)).toHaveText("No files loaded yet.");
  await dropFiles(page, ALL.map((f) => path.join(dataDir(), f)));
  await expect(status(page)).toHaveText(/^Indexed [\d,]+ events from 5 files$/);
  return Number(await page.locator(".app").getAttribute("data-shards"));
}

/** The facets' field names, once the facets are shown. */
async function facetFields(page) {
  const facets = page.getByRole("region", { name: "Fields" });
  await expect(facets.locator(".facet").first()).toBeVisible();
  return facets.locator(".facet__field").evaluateAll((els) => els.map((el) => el.firstChild.textContent.trim()));
}

test("the page shards by default, one shard worker per core", async ({ page }) => {
  const shards = await load(page, "/");
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  console.log(`default: ${shards} shard workers for ${cores} cores`);
  expect(shards).toBe(Math.min(8, Math.max(2, cores)));
});

/** Template placeholder fields: a query on one and the facets of one template's matches. */
async function templateFields(page, url) {
  const shards = await load(page, url);
  await filter(page).fill("source:syslog tpl.num1>5000");
  await expect(status(page)).toHaveText(/^[\d,]+ of [\d,]+ events match$/);
  const counted = await status(page).textContent();
  const matches = await visibleRows(page);
  // Nearly every syslog event is one template: its placeholders are listed as facets.
  await filter(page).fill("source:syslog");
  await expect(status(page)).not.toHaveText(counted);
  await expect(status(page)).toHaveText(/^[\d,]+ of [\d,]+ events match$/);
  const fields = await facetFields(page);
  return { shards, counted, matches, fields };
}

test("template placeholder fields match and facet on shards as in one worker", async ({ page }) => {
  const sharded = await templateFields(page, "/?shards=2");
  const single = await templateFields(page, "/?shards=1");
  expect(sharded.shards).toBe(2);
  expect(single.shards).toBe(1);
  console.log(`tpl.num1>5000: ${sharded.counted}; facets ${sharded.fields.join(", ")}`);
  // Session numbers run from 1 to 9999: some are above 5000, some are not.
  expect(sharded.counted).not.toMatch(/^0 of/);
  expect(sharded.counted).not.toMatch(/^([\d,]+) of \1 /);
  expect(sharded.fields).toContain("tpl.num1");
  expect(sharded.counted).toBe(single.counted);
  expect(sharded.matches).toEqual(single.matches);
  expect(sharded.fields).toEqual(single.fields);
});

/**
 * Types `source:syslog` right after "Indexed", while the workers still mine templates (mining waits
 * for a quiet moment after each query), and waits for its facets to name the template's placeholders
 * with nothing more typed. Returns the facet fields and whether the mining was still under way when
 * the filter was typed (the last mining step ended after it).
 */
async function placeholdersAfterMining(page, url) {
  const shards = await load(page, url);
  const typedAt = await page.evaluate(() => performance.timeOrigin + performance.now());
  await filter(page).fill("source:syslog");
  await expect(status(page)).toHaveText(/^[\d,]+ of [\d,]+ events match$/);
  const facets = page.getByRole("region", { name: "Fields" });
  await expect(facets.locator(".facet__field", { hasText: /^tpl\.num1\b/ })).toBeVisible({ timeout: 60_000 });
  const fields = await facetFields(page);
  let minedUntil = 0;
  for (const w of page.workers()) {
    const end = await w
      .evaluate(() => {
        const steps = (self.casefileTrace || []).filter(([label]) => label === "mining step");
        return steps.length ? performance.timeOrigin + Math.max(...steps.map(([, start, took]) => start + took)) : 0;
      })
      .catch(() => 0);
    minedUntil = Math.max(minedUntil, end);
  }
  return { shards, fields, minedAfterTyping: minedUntil - typedAt };
}

test("placeholder facets of a filter typed before the templates are mined appear when mining ends", async ({ page }) => {
  for (const url of ["/?shards=2", "/?shards=1"]) {
    const got = await placeholdersAfterMining(page, url);
    console.log(`${url}: ${got.shards} workers; mining ended ${got.minedAfterTyping.toFixed(0)} ms after typing; facets ${got.fields.join(", ")}`);
    // On shards the filter was typed while the templates were still being mined (about a second
    // before mining ended on this machine). The one worker mines from the moment its load ends, and
    // 20 MB leave it too little to mine for that to be sure: there the test checks the facets only.
    if (got.shards > 1) expect(got.minedAfterTyping).toBeGreaterThan(0);
    expect(got.fields).toContain("tpl.num1");
  }
});

/** Sets syslog's zone to Asia/Tokyo (nine hours ahead: its rows move before every other file's). */
async function rezoned(page, url) {
  const shards = await load(page, url);
  const before = await visibleRows(page);
  const zone = page.getByLabel("Time zone of syslog");
  await zone.fill("Asia/Tokyo");
  await zone.press("Enter");
  await expect(rows(page).first().locator(".row__source")).toHaveText("syslog");
  await expect(status(page)).toHaveText(/^Indexed [\d,]+ events from 5 files$/);
  await expect(zone).toHaveValue("Asia/Tokyo");
  // Every other file keeps its zone.
  const others = await page.getByLabel(/^Time zone of /).evaluateAll((els) => els.map((el) => el.value));
  const first = await visibleRows(page);
  // Investigations read the zone change too: the context of the first row is syslog's event.
  const top = rows(page).first();
  const topTime = (await top.locator(".row__time").textContent()).trim();
  await top.click();
  await page.getByRole("button", { name: "Context" }).click();
  const marked = page.getByRole("region", { name: "Context" }).locator(".event-line--marked");
  await expect(marked.locator(".event-line__source")).toHaveText("syslog");
  await expect(marked.locator(".event-line__time")).toHaveText(topTime);
  const all = { middle: await scrollTo(page, 0.5), end: await scrollTo(page, 1) };
  const syslogEntry = await page.locator(".files__item", { hasText: "syslog" }).locator(".files__events").textContent();
  await filter(page).fill("before:2026-07-03T08:00:00");
  await expect(status(page)).toHaveText(/^[\d,]+ of [\d,]+ events match$/);
  const counted = await status(page).textContent();
  // A name that is no zone is refused, naming the file, and changes nothing.
  await zone.fill("Mars/Olympus");
  await zone.press("Enter");
  await expect(page.getByRole("alert")).toContainText("The time zone of syslog was not changed");
  await expect(status(page)).toHaveText(counted);
  return { shards, before, first, others, all, syslogEntry, counted };
}

test("a zone set for one file is read again on its shard and the page shows what one worker shows", async ({ page }) => {
  const sharded = await rezoned(page, "/?shards=2");
  const single = await rezoned(page, "/?shards=1");
  expect(sharded.shards).toBe(2);
  expect(single.shards).toBe(1);
  console.log(`after the zone change: ${sharded.counted}`);
  expect(sharded.first).not.toEqual(sharded.before);
  // Syslog's events (and only they) now lie before 08:00Z.
  expect(sharded.counted).toMatch(/^955 of /);
  expect(sharded.others.filter((z) => z === "Asia/Tokyo")).toHaveLength(1);
  expect(sharded.others).toEqual(single.others);
  expect(sharded.first).toEqual(single.first);
  expect(sharded.all).toEqual(single.all);
  expect(sharded.syslogEntry).toBe(single.syslogEntry);
  expect(sharded.counted).toBe(single.counted);
});

/** What the investigation panels show for the generated set at `url`: the patterns list, one id's
 * story and the what-changed headline. */
async function investigations(page, url) {
  const shards = await load(page, url);
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

  // The clock skew offered (shared ids counted) and the offset applied, to the millisecond.
  const offer = page.getByRole("region", { name: "Clock skew" });
  const skew = await offer.locator(".skew-offer__text").textContent();
  await offer.getByRole("button", { name: "Apply offset" }).click();
  const input = page.getByLabel("Clock offset of nginx-access.log in seconds");
  await expect(input).not.toHaveValue("0");
  const offset = await input.inputValue();
  return { shards, summary, templates, story, headline, skew, offset };
}

test("several workers answer the investigations exactly as one worker does", async ({ page }) => {
  const sharded = await investigations(page, "/?shards=2");
  const single = await investigations(page, "/?shards=1");
  expect(sharded.shards).toBe(2);
  expect(single.shards).toBe(1);
  console.log(`sharded: ${sharded.templates.length} templates, ${sharded.story.length} steps; ${sharded.headline}`);
  expect(sharded.templates.length).toBeGreaterThan(3);
  expect(sharded.story.length).toBeGreaterThan(1);
  expect(sharded.summary).toBe(single.summary);
  expect(sharded.templates).toEqual(single.templates);
  expect(sharded.story).toEqual(single.story);
  expect(sharded.headline).toBe(single.headline);
  console.log(`sharded skew: ${sharded.skew} Applied: ${sharded.offset} s`);
  expect(sharded.skew).toMatch(/nginx-access\.log runs \d+\.\d s ahead/);
  expect(sharded.skew).toBe(single.skew);
  expect(sharded.offset).toBe(single.offset);
});

/** The labels each shard worker traced (`casefileTrace`, src/worker/read.rs), by worker. */
async function shardTraces(page) {
  const out = [];
  for (const w of page.workers()) {
    const got = await w.evaluate(() => ({ name: self.name, trace: (self.casefileTrace || []).map((e) => e[0]) }));
    if (got.name.startsWith("casefile-shard")) out.push(got.trace);
  }
  return out;
}

test("a query typed right after a load is answered while the overviews wait, and every overview still comes", async ({ page }) => {
  const shards = await load(page, "/?shards=2");
  expect(shards).toBe(2);
  // Typed at once: the overviews asked after the load (patterns, skew, spikes) are queued on the shards.
  await filter(page).fill("level:error");
  await filter(page).press("Enter");
  await expect(status(page)).toHaveText(/^[\d,]+ of [\d,]+ events match$/);
  const counted = await status(page).textContent();
  const facets = page.getByRole("region", { name: "Fields" });
  await expect(facets.locator(".facet").first()).toBeVisible();
  // The overviews answer after the query, complete.
  const patterns = page.getByRole("region", { name: "Patterns" });
  await expect(patterns.locator(".pattern").first()).toBeVisible();
  const templates = await patterns.locator(".pattern").count();
  await expect(page.getByRole("region", { name: "Spikes" }).getByRole("button").first()).toBeVisible();
  const traces = await shardTraces(page);
  expect(traces.length).toBe(2);
  for (const trace of traces) {
    // Every ask queued on a shard was answered, and the query's requests were too.
    const queued = trace.filter((l) => l.startsWith("investigate ")).map((l) => l.replace(/^investigate (.*) \(queued\)$/, "$1"));
    const answered = trace.filter((l) => l.startsWith("ask ")).map((l) => l.slice(4));
    expect(queued).toEqual(expect.arrayContaining(["template_counts", "skew", "spikes"]));
    expect(answered.sort()).toEqual([...queued].sort());
    expect(trace).toContain("count");
    // The templates are mined after the load, and the asks about them wait for the mining.
    const lastMining = trace.lastIndexOf("mining step");
    expect(lastMining).toBeGreaterThan(trace.indexOf("commit"));
    expect(trace.indexOf("ask template_counts")).toBeGreaterThan(lastMining);
    expect(trace.indexOf("ask spikes")).toBeGreaterThan(lastMining);
    // The id index is built after the mining, in steps, and skew's ask waits until it is complete.
    const lastIdStep = trace.lastIndexOf("id index step");
    expect(trace.indexOf("id index step")).toBeGreaterThan(lastMining);
    expect(trace.indexOf("ask skew")).toBeGreaterThan(lastIdStep);
  }
  // The one worker agrees.
  await load(page, "/?shards=1");
  await filter(page).fill("level:error");
  await filter(page).press("Enter");
  await expect(status(page)).toHaveText(/^[\d,]+ of [\d,]+ events match$/);
  expect(await status(page).textContent()).toBe(counted);
  await expect(patterns.locator(".pattern").first()).toBeVisible();
  expect(await patterns.locator(".pattern").count()).toBe(templates);
  console.log(`right after the load: ${counted}; ${templates} templates; asks answered on both shards`);
});
