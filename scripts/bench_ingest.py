#!/usr/bin/env python3
"""Ingest throughput of `casefile summary --json` per input kind: plain files, CSV, and the same data
as .gz, .tar.gz, .zip and UTF-16 (the decode layers), in MB/s of input.

Usage: python3 scripts/bench_ingest.py [--mb 100] [--bin target/release/casefile] [--keep DIR]

Generates a set with ../shared/bench/genlogs.py (once, into DIR or a temp dir), builds the archive and
encoding variants with Python's standard library, and runs the binary on each input three times,
reporting the best wall time and the CPU time of that run (user + system; on a busy machine the CPU
figure is the steadier one). Build the binary first: `cargo build --release --bin casefile`.
"""
import argparse
import gzip
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
GENLOGS = os.path.join(HERE, "..", "..", "shared", "bench", "genlogs.py")


def run(binary, paths):
    best = None
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([binary, "summary", "--json", *paths], check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if best is None or wall < best[0]:
            best = (wall, cpu)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "target", "release", "casefile"))
    ap.add_argument("--keep", help="directory for the generated inputs (reused when present)")
    args = ap.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="casefile-bench-")
    plain_dir = os.path.join(work, "plain")
    if not os.path.isdir(plain_dir):
        subprocess.run([sys.executable, GENLOGS, plain_dir, "--mb", str(args.mb)], check=True,
                       stdout=subprocess.DEVNULL)
    names = sorted(n for n in os.listdir(plain_dir) if not n.endswith(".json"))
    plain = [os.path.join(plain_dir, n) for n in names]
    csv = [p for p in plain if p.endswith(".csv")]

    def variant(name, make):
        path = os.path.join(work, name)
        if not os.path.exists(path):
            make(path)
        return path

    def make_gz(path):
        with open(path, "wb") as out, gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6) as gz:
            for p in plain:
                with open(p, "rb") as f:
                    gz.write(f.read())

    def make_tgz(path):
        with tarfile.open(path, "w:gz") as t:
            for p in plain:
                t.add(p, arcname=os.path.basename(p))

    def make_zip(path):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for p in plain:
                z.write(p, arcname=os.path.basename(p))

    def make_utf16(path):
        with open(csv[0], "rb") as f, open(path, "wb") as out:
            out.write(b"\xff\xfe" + f.read().decode("utf-8").encode("utf-16-le"))

    cases = [
        ("plain set", plain),
        ("csv", csv),
        ("one .gz of the set", [variant("all.log.gz", make_gz)]),
        (".tar.gz of the set", [variant("set.tar.gz", make_tgz)]),
        (".zip of the set", [variant("set.zip", make_zip)]),
        ("csv as UTF-16", [variant("utf16.csv", make_utf16)]),
    ]
    total = sum(os.path.getsize(p) for p in plain)
    print(f"binary {args.bin}; set of {total / 1e6:.0f} MB in {work}")
    for label, paths in cases:
        size = sum(os.path.getsize(p) for p in paths)
        wall, cpu = run(args.bin, paths)
        # Throughput over the text read: archives and .gz count the bytes they unpack to.
        if label in ("one .gz of the set", ".tar.gz of the set", ".zip of the set"):
            text = total
        elif label == "csv as UTF-16":
            text = sum(os.path.getsize(p) for p in csv)
        else:
            text = size
        print(f"{label:22} {size / 1e6:8.1f} MB in, wall {wall:6.2f} s ({text / 1e6 / wall:6.0f} MB/s of text), "
              f"cpu {cpu:6.2f} s ({text / 1e6 / max(cpu, 1e-3):6.0f} MB/s of text)")


if __name__ == "__main__":
    main()
