// Makes the test data once per run: the generated 20 MB incident set (../shared/bench/genlogs.py, with
// its truth.json) and the native CLI's summary of the same files, which the browser must agree with.
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const REPO = path.resolve(__dirname, "../..");
const GENLOGS = path.resolve(REPO, "../shared/bench/genlogs.py");
const FILES = ["app-payments.jsonl", "nginx-access.log", "syslog", "containers.log", "transactions.csv"];

module.exports = async function globalSetup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "casefile-e2e-"));
  execFileSync("python3", [GENLOGS, dir, "--mb", "20"], { stdio: "inherit" });
  const summary = execFileSync(
    "cargo",
    ["run", "--quiet", "--bin", "casefile", "--", "summary", "--json", ...FILES.map((f) => path.join(dir, f))],
    { cwd: REPO, maxBuffer: 16 << 20 },
  );
  fs.writeFileSync(path.join(dir, "cli-summary.json"), summary);
  process.env.CASEFILE_E2E_DATA = dir;
  return async () => fs.rmSync(dir, { recursive: true, force: true });
};
