#!/usr/bin/env python3
"""Share of ingest time spent mining templates, measured as CPU time of the release CLI.

Runs `casefile summary --json FILES` (ingest only) and `casefile templates --json FILES` (the same
ingest, then template mining and grouping) RUNS times each and compares the smallest CPU time (user +
system, all threads) of each: mining share = (templates - summary) / summary. CPU time rather than wall
time, because the benchmark machine is shared; the smallest of several runs, because noise only adds.

Usage: scripts/mining_share.py [--runs N] FILE...   (e.g. /tmp/g200/*.log /tmp/g200/*.jsonl ...)
Build first: cargo build --release --bin casefile (or name another build in $CASEFILE_BIN, to compare).
"""
import os
import resource
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASEFILE = os.environ.get("CASEFILE_BIN") or os.path.join(ROOT, "target", "release", "casefile")


def cpu_seconds(args):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = os.times().elapsed
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, os.times().elapsed - wall


def main(argv):
    runs = 3
    if argv[:1] == ["--runs"]:
        runs, argv = int(argv[1]), argv[2:]
    files = [f for f in argv if os.path.isfile(f)]
    if not files:
        print(__doc__, file=sys.stderr)
        return 2
    size = sum(os.path.getsize(f) for f in files)
    ingest = min(cpu_seconds([CASEFILE, "summary", "--json", *files]) for _ in range(runs))
    mined = min(cpu_seconds([CASEFILE, "templates", "--json", *files]) for _ in range(runs))
    share = (mined[0] - ingest[0]) / ingest[0]
    print(f"{len(files)} files, {size / 1e6:.0f} MB, best of {runs} runs, {CASEFILE}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"ingest only (casefile summary):      {ingest[0]:6.2f} s CPU  ({ingest[1]:.2f} s wall)")
    print(f"ingest + mining (casefile templates): {mined[0]:6.2f} s CPU  ({mined[1]:.2f} s wall)")
    print(f"mining: {mined[0] - ingest[0]:.2f} s CPU = {100 * share:.0f}% of ingest "
          f"({size / 1e6 / max(mined[0] - ingest[0], 1e-9):.0f} MB/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
