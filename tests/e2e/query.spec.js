// The filter: typing a query, mistakes shown in place, matches highlighted, row details, the keys.
const { test, expect } = require("@playwright/test");
const { ALL, thousands, indexedText, rows, filter, status, cliCount, totalEvents, loadGenerated, loadDemo } = require("./helpers");

// The CLI counts (a debug build of the native binary reading 20 MB) take a while on a busy machine.
test.beforeEach(() => test.setTimeout(300_000));

test("typing a query filters the list and the status counts the matches", async ({ page }) => {
  await loadGenerated(page);
  const total = totalEvents();
  for (const query of ["level:error", "status>=500", '"Connection timed out after 30 seconds"', "/timed out|refused/"]) {
    await filter(page).fill("");
    await filter(page).pressSequentially(query, { delay: 20 });
    const expected = cliCount(query);
    await expect(status(page)).toHaveText(`${thousands(expected)} of ${thousands(total)} events match`);
    await expect(rows(page).first()).not.toHaveClass(/row--pending/);
  }
  // Every row shown is an error or worse for level:error.
  await filter(page).fill("level:error");
  await expect(status(page)).toHaveText(`${thousands(cliCount("level:error"))} of ${thousands(total)} events match`);
  await expect(rows(page).first()).not.toHaveClass(/row--pending/);
  const levels = await page.locator(".timeline__window .row .row__level").allTextContents();
  expect(levels.length).toBeGreaterThan(0);
  for (const l of levels) expect(["error", "critical"]).toContain(l);
  // Clearing the filter shows every event again.
  await filter(page).fill("");
  await expect(status(page)).toHaveText(indexedText(total, ALL.length));
});

test("matches are highlighted in the rows", async ({ page }) => {
  await loadDemo(page);
  await filter(page).fill("level:warn+ /timed? ?out/i");
  await expect(status(page)).toHaveText(/^[\d,]+ of [\d,]+ events match$/);
  const marks = page.locator(".timeline__window .row mark.match");
  await expect(marks.first()).toBeVisible();
  for (const text of await marks.allTextContents()) expect(text).toMatch(/^timed? ?out$/i);
});

test("a syntax error is underlined in place while the rest of the query runs", async ({ page }) => {
  await loadDemo(page);
  await filter(page).fill('level:error "unclosed');
  const mark = page.locator(".filter__mirror mark.filter__error");
  await expect(mark).toHaveCount(1);
  await expect(mark).toHaveText('"unclosed');
  await expect(page.locator("#filter-errors")).toContainText("At column 13:");
  await expect(filter(page)).toHaveAttribute("aria-invalid", "true");
  // The best-effort query still filters.
  await expect(status(page)).toHaveText(/^[\d,]+ of [\d,]+ events match$/);
  await filter(page).fill('level:error "unclosed"');
  await expect(mark).toHaveCount(0);
  await expect(filter(page)).toHaveAttribute("aria-invalid", "false");
});

test("rows open their details by click and by keys", async ({ page }) => {
  await loadDemo(page);
  await filter(page).fill("status>=500");
  await expect(status(page)).toHaveText(/^[\d,]+ of [\d,]+ events match$/);
  await expect(rows(page).first()).not.toHaveClass(/row--pending/);
  await page.locator(".timeline__scroller").focus();

  const selected = page.locator('.timeline__window .row[aria-selected="true"]');
  const details = page.getByRole("region", { name: "Event details" });
  await page.keyboard.press("j");
  await expect(selected).toHaveAttribute("aria-rowindex", "1");
  await expect(details).toBeVisible();
  await expect(details.locator(".details__fields")).toContainText("status");
  await expect(details.locator(".details__raw")).toContainText(/ 5\d\d /);
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  await expect(selected).toHaveAttribute("aria-rowindex", "3");
  await page.keyboard.press("k");
  await expect(selected).toHaveAttribute("aria-rowindex", "2");
  await page.keyboard.press("n");
  await expect(selected).toHaveAttribute("aria-rowindex", "3");
  await page.keyboard.press("N");
  await expect(selected).toHaveAttribute("aria-rowindex", "2");
  // G goes to the last match (the list scrolls to it), g back to the first.
  const count = Number((await status(page).textContent()).split(" ")[0].replace(/,/g, ""));
  await page.keyboard.press("G");
  await expect(selected).toHaveAttribute("aria-rowindex", String(count));
  await page.keyboard.press("g");
  await expect(selected).toHaveAttribute("aria-rowindex", "1");
  // A click selects too.
  await rows(page).nth(4).click();
  await expect(selected).toHaveAttribute("aria-rowindex", "5");
  await expect(details.locator(".details__raw")).toContainText(/ 5\d\d /);
  // Escape closes the details.
  await page.keyboard.press("Escape");
  await expect(details).toHaveCount(0);
  await expect(selected).toHaveCount(0);
});

test("? shows the keys, / focuses the filter, keys typed in the filter stay text", async ({ page }) => {
  await loadDemo(page);
  await page.locator("body").press("?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help).toBeVisible();
  for (const key of ["j / k", "n / N", "g / G", "/", "?"]) await expect(help.getByText(key, { exact: true })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(help).toHaveCount(0);
  await page.keyboard.press("/");
  await expect(filter(page)).toBeFocused();
  await page.keyboard.type("jk");
  await expect(filter(page)).toHaveValue("jk");
  await expect(page.locator('.timeline__window .row[aria-selected="true"]')).toHaveCount(0);
});
