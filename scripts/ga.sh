#!/usr/bin/env bash
# Grouping accuracy (GA) of `casefile templates --per-line` on the eight loghub samples, next to the
# drain3 baseline run out of the box, both scored by ../shared/bench/ga.py against the corrected truth.
#
# Casefile is fed the raw *_2k.log files as a user drops them (it separates header and message itself);
# drain3 is fed the Content column of the structured CSV (the message part, as the baseline is defined),
# with its default configuration (no masking, no per-data-set settings).
#
# Usage: scripts/ga.sh [--no-drain] [--no-build]
# Needs python3; drain3 is installed into bench-out/venv on first use (PyPI).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="$ROOT/../shared"
CORPUS="$SHARED/corpus/loghub"
GA="$SHARED/bench/ga.py"
OUT="$ROOT/bench-out/ga"
SYSTEMS="BGL HDFS Hadoop HealthApp Mac OpenSSH Proxifier Spark"

drain=1
build=1
for a in "$@"; do
  case "$a" in
    --no-drain) drain=0 ;;
    --no-build) build=0 ;;
    *) echo "usage: scripts/ga.sh [--no-drain] [--no-build]" >&2; exit 2 ;;
  esac
done

if [ "$build" = 1 ]; then
  cargo build --release --quiet --bin casefile --manifest-path "$ROOT/Cargo.toml"
fi
CASEFILE="$ROOT/target/release/casefile"

rm -rf "$OUT/casefile" "$OUT/drain3"
mkdir -p "$OUT/casefile" "$OUT/drain3"
for ds in $SYSTEMS; do
  "$CASEFILE" templates --per-line "$CORPUS/$ds/${ds}_2k.log" > "$OUT/casefile/$ds.txt"
done
echo "== casefile templates --per-line (raw .log files)"
python3 "$GA" --all "$CORPUS" "$OUT/casefile"

if [ "$drain" = 1 ]; then
  VENV="$ROOT/bench-out/venv"
  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import drain3' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet drain3
  fi
  "$VENV/bin/python" - "$CORPUS" "$OUT/drain3" $SYSTEMS <<'PY'
import csv, logging, os, sys
logging.disable(logging.CRITICAL)
from drain3 import TemplateMiner
corpus, out, systems = sys.argv[1], sys.argv[2], sys.argv[3:]
for ds in systems:
    miner = TemplateMiner()  # out of the box: default Drain settings, no masking
    path = os.path.join(corpus, ds, f"{ds}_2k.log_structured_corrected.csv")
    with open(path, encoding="utf-8-sig", newline="") as f, open(os.path.join(out, ds + ".txt"), "w") as w:
        rows = list(csv.DictReader(f))
        ids = [miner.add_log_message(r["Content"])["cluster_id"] for r in rows]
        # drain3 keeps a cluster id once given (templates generalise in place), so these are final.
        w.writelines(f"{i}\n" for i in ids)
PY
  echo
  echo "== drain3 $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("drain3"))') out of the box (Content column)"
  python3 "$GA" --all "$CORPUS" "$OUT/drain3"
fi
