// Makes the test data once per run: the generated 20 MB incident set (../shared/bench/genlogs.py, with
// its truth.json, which the tests compare the app's counts with).
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const REPO = path.resolve(__dirname, "../..");
const GENLOGS = path.resolve(REPO, "../shared/bench/genlogs.py");

module.exports = async function globalSetup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "casefile-e2e-"));
  execFileSync("python3", [GENLOGS, dir, "--mb", "20"], { stdio: "inherit" });
  process.env.CASEFILE_E2E_DATA = dir;
  return async () => fs.rmSync(dir, { recursive: true, force: true });
};
