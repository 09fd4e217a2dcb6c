#!/usr/bin/env bash
# The issue-4 comparison table: the casefile CLI against lnav and ripgrep on a genlogs.py incident set.
#
# usage: scripts/bench-query.sh [--mb N] [--dir DIR] [--runs R] [--threads T] [--no-lnav]
#
#   --mb N       size of the generated set (default 1024, the issue's set); generated once into
#                target/bench-data/mbN with ../shared/bench/genlogs.py
#   --dir DIR    use an existing genlogs.py set instead
#   --runs R     runs per measurement, the best (shortest) is reported (default 3; lnav once)
#   --threads T  casefile worker threads (default: all cores)
#   --no-lnav    skip lnav (it takes minutes on the 1 GB set)
#
# Measured, with the files in the page cache (they are read once first):
#   ingest   casefile summary (read, detect, split events, time and level columns), the token index
#            build (casefile query --index --timings), lnav loading the files (`lnav -n -c ':goto 100%'`),
#            ripgrep scanning every byte (`rg -c` of a string that never occurs)
#   queries  every query of benches/queries.txt on the loaded set: full evaluation (count), the same
#            again (field columns built by the first evaluation are read), first page
#            of 100 rows in timeline order, histogram (200 buckets by level), facets (top 10 of every
#            field over a 20,000-event sample), next to `rg -c` with the equivalent pattern
# Prints Markdown tables; nothing is written outside target/.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'PY'
import json, os, subprocess, sys, time

args = sys.argv[1:]
def opt(name, default):
    if name in args:
        i = args.index(name)
        return args[i + 1]
    return default
mb = opt("--mb", "1024")
runs = int(opt("--runs", "3"))
threads = opt("--threads", None)
with_lnav = "--no-lnav" not in args
data = opt("--dir", f"target/bench-data/mb{mb}")
files = ["app-payments.jsonl", "nginx-access.log", "syslog", "containers.log", "transactions.csv"]
paths = [os.path.join(data, f) for f in files]

if not os.path.exists(os.path.join(data, "truth.json")):
    print(f"generating {mb} MB into {data} ...", file=sys.stderr)
    subprocess.run(["python3", "../shared/bench/genlogs.py", data, "--mb", mb], check=True)
subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "casefile"], check=True)
casefile = "target/release/casefile"
thread_args = ["--threads", threads] if threads else []
total = sum(os.path.getsize(p) for p in paths)
for p in paths:  # into the page cache
    with open(p, "rb") as f:
        while f.read(1 << 24):
            pass

def timed(cmd, n=runs):
    """Best wall time in ms of n runs, and the last run's stdout and stderr."""
    best, out, err = None, "", ""
    for _ in range(n):
        t = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True)
        ms = (time.perf_counter() - t) * 1000
        if r.returncode not in (0, 1):  # rg exits 1 when nothing matched
            sys.exit(f"{cmd[0]} failed: {r.stderr.strip()}")
        best = ms if best is None else min(best, ms)
        out, err = r.stdout, r.stderr
    return best, out, err

def timings(query):
    """casefile's phase timings for a query, best of the runs per phase."""
    best = None
    for _ in range(runs):
        r = subprocess.run([casefile, "query", "--json", "--count", "--index", "--timings", *thread_args,
                            query, *paths], capture_output=True, text=True, check=True)
        t = json.loads(r.stderr.strip().splitlines()[-1])
        if best is None:
            best = t
        else:
            for k, v in t.items():
                if k.endswith("_ms"):
                    best[k] = min(best[k], v)
    return best

mbytes = total / 1e6
load = os.getloadavg()[0]
print(f"\n## casefile vs lnav vs ripgrep: {mbytes:.0f} MB genlogs.py set, {os.cpu_count()} cores, "
      f"load average {load:.1f} at start, best of {runs}\n")

summary_ms, _, _ = timed([casefile, "summary", "--json", *paths])
t0 = timings("level:error")
rg_scan_ms, _, _ = timed(["rg", "-c", "zqxjzqxj-never-there", *paths])
rows = [("casefile ingest (`casefile summary`)", summary_ms),
        ("casefile ingest + token index", t0["read_ms"] + t0["index_ms"]),
        ("ripgrep scan (`rg -c`, no match)", rg_scan_ms)]
if with_lnav:
    lnav_ms, _, _ = timed(["lnav", "-n", "-c", ":goto 100%", *paths], n=1)
    rows.insert(2, ("lnav load (`lnav -n -c ':goto 100%'`)", lnav_ms))
print("| ingest | time | MB/s |\n|---|---:|---:|")
for name, ms in rows:
    print(f"| {name} | {ms / 1000:.2f} s | {mbytes / (ms / 1000):.0f} |")
events = t0["events"]
print(f"\n{events:,} events. Index build alone: {t0['index_ms']:.0f} ms; columns of the common fields "
      f"built after it (as the browser worker does in the background): {t0['columns_build_ms']:.0f} ms.\n")

print("| query | matches | count (first query, common fields' columns pre-built) | count again (field columns built) | first page (100 rows) | histogram | facets | `rg -c` | rg lines |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
columns_per_event = 0.0
queries = [l.rstrip("\n").split("\t") for l in open("benches/queries.txt")
           if l.strip() and not l.startswith("#")]
for name, query, rg in queries:
    t = timings(query)
    columns_per_event = max(columns_per_event, t["field_columns_bytes_per_event"])
    rg_cell, rg_count = "–", "–"
    if rg != "-":
        words = rg.split(" ")
        flags = [w for w in words if w.startswith("-")]
        pattern = " ".join(w for w in words if not w.startswith("-"))
        ms, out, _ = timed(["rg", "-c", *flags, "--", pattern, *paths])
        rg_cell = f"{ms:.0f} ms"
        rg_count = f"{sum(int(l.rsplit(':', 1)[1]) for l in out.splitlines() if ':' in l):,}"
    cell = query.replace("|", "\\|")
    print(f"| `{cell}` | {t['count']:,} | {t['eval_ms']:.0f} ms | {t['eval_again_ms']:.0f} ms | {t['first_page_ms']:.0f} ms | "
          f"{t['histogram_ms']:.0f} ms | {t['facets_ms']:.0f} ms | {rg_cell} | {rg_count} |")
fixed = t0["store_bytes_per_event"] + t0["timeline_bytes_per_event"] + t0["index_bytes_per_event"]
print(f"\nMemory beyond the raw text, per event: store columns {t0['store_bytes_per_event']} B, "
      f"timeline {t0['timeline_bytes_per_event']} B, token index {t0['index_bytes_per_event']} B, "
      f"field columns at most {columns_per_event} B after any one query above (a cache bounded at 8 B) "
      f"(total {fixed + columns_per_event:.1f} B; budget 48 B).")
print("\ncasefile times are measured inside one `casefile query --index --timings` process after loading "
      "(as a worker answers a filter); rg times are whole runs over the cached files.")
PY
