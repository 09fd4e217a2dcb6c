#!/usr/bin/env python3
"""Scores CleverCSV on Pollock's polluted files the way tests/corpus_csv.rs scores Casefile.

Usage: python3 scripts/pollock_clevercsv.py [CORPUS_DIR]   (needs `pip install clevercsv`)

For each file of polluted_files/csv it reports whether CleverCSV's detected dialect (delimiter, quote,
escape) matches parameters/, and whether the rows it reads equal clean/ (all rows, header included,
as the Rust test compares them). Casefile's side of the comparison is printed by
`cargo test --test corpus_csv pollock -- --nocapture`.
"""
import csv
import io
import json
import os
import sys

import clevercsv

corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "shared", "corpus", "csv")
base = os.path.join(corpus, "pollock", "polluted_files")
names = sorted(n for n in os.listdir(os.path.join(base, "csv")) if n.endswith(".csv"))

dialect_ok = records_ok = rows_ok = rows_total = 0
for name in names:
    with open(os.path.join(base, "parameters", name + "_parameters.json")) as f:
        p = json.load(f)
    want_delim = p["delimiter"][:1]
    want_quote = p["quotechar"]
    want_escape = "" if p["escapechar"] in ("", p["quotechar"]) else p["escapechar"]
    with open(os.path.join(base, "csv", name), newline="", encoding="utf-8", errors="replace") as f:
        data = f.read()
    with open(os.path.join(base, "clean", name), newline="") as f:
        clean = [r for r in csv.reader(f)]
    try:
        d = clevercsv.Detector().detect(data) if data else None
    except Exception:  # CleverCSV gives up on some inputs
        d = None
    if d is None:
        got = ("", "", "")
        rows = []
    else:
        got = (d.delimiter, d.quotechar, d.escapechar or "")
        rows = [r for r in clevercsv.reader(io.StringIO(data, newline=""), dialect=d) if r != []]
    ok_d = got == (want_delim, want_quote, want_escape) or (not data and want_delim == "")
    same = sum(1 for a, b in zip(clean, rows) if a == b)
    dialect_ok += ok_d
    records_ok += rows == clean
    rows_ok += same
    rows_total += len(clean)
    print(f"{name}: dialect {'ok' if ok_d else 'WRONG'} records {'ok' if rows == clean else 'differ'} "
          f"({same} of {len(clean)} rows){'' if ok_d else f' got {got!r}'}")
print(f"clevercsv {clevercsv.__version__}: {dialect_ok}/{len(names)} dialects (delimiter, quote, escape) right, "
      f"{records_ok}/{len(names)} files' records equal clean/, {rows_ok}/{rows_total} rows equal")
