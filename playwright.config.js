// Browser tests of the built app (dist/ must exist: `trunk build --release --offline`).
// Run with `npm test`. Debian's Chromium is used; Playwright never downloads a browser here.
const { defineConfig } = require("@playwright/test");

const PORT = Number(process.env.E2E_PORT || 8391);

module.exports = defineConfig({
  testDir: "tests/e2e",
  globalSetup: require.resolve("./tests/e2e/global-setup.js"),
  timeout: 90_000,
  expect: { timeout: 30_000 },
  // Two cores shared with the worker threads of the page: one test at a time.
  workers: 1,
  fullyParallel: false,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    browserName: "chromium",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  webServer: {
    command: `python3 -m http.server --bind 127.0.0.1 --directory dist ${PORT}`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 20_000,
    // http.server logs every request on stderr; the tests check requests themselves.
    stderr: "ignore",
  },
});
