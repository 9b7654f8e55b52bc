#!/usr/bin/env python3
"""Imports every model of the ONNX backend test data with fulcrum-translate.

Usage: onnx-import-sweep.py FULCRUM_TRANSLATE [--opt FULCRUM_OPT]
                            [--data DIR] [--every N] [--min-imported N]
                            [--report FILE]

Each model must either import (exit 0, output verified by the importer) or
fail with a clear error: exit code 1..127 and an `error:` line. A crash
(signal, exit >= 128) or a silent failure fails the sweep. Prints
`imported I, rejected R, crashed C, total T` and the rejected models with
their first error line. With `--opt`, every imported module must also parse
and verify again in fulcrum-opt (printer/parser round trip). `--every N`
takes every N-th model.
"""
import argparse
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

SUITES = ["node", "simple", "pytorch-converted", "pytorch-operator"]


def run(tool, opt, model, tmpdir):
    out = os.path.join(tmpdir, model.replace("/", "_") + ".mlir")
    try:
        p = subprocess.run([tool, "--import-onnx", model, "-o", out],
                           capture_output=True, text=True, errors="replace", timeout=120)
        if p.returncode == 0 and opt:
            q = subprocess.run([opt, out, "-o", os.devnull],
                               capture_output=True, text=True, errors="replace", timeout=120)
            if q.returncode != 0:
                # Not a clean rejection: the output does not parse back.
                return model, 200, "round trip failed: " + q.stderr[:200]
    except subprocess.TimeoutExpired:
        return model, 124, "timed out"
    finally:
        if os.path.exists(out):
            os.remove(out)
    err = next((l for l in p.stderr.splitlines() if "error:" in l), "")
    return model, p.returncode, err or p.stderr.strip()[:200]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--opt")
    ap.add_argument("--data", default="/usr/share/libonnx-testdata/data")
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--min-imported", type=int, default=0)
    ap.add_argument("--report")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()

    models = []
    for suite in SUITES:
        d = os.path.join(args.data, suite)
        if not os.path.isdir(d):
            print(f"missing test data directory {d} (package libonnx-testdata)")
            return 2
        for name in sorted(os.listdir(d)):
            m = os.path.join(d, name, "model.onnx")
            if os.path.exists(m):
                models.append(m)
    models = models[::args.every]

    with tempfile.TemporaryDirectory() as tmpdir, \
            ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(
            lambda m: run(args.tool, args.opt, m, tmpdir), models))

    imported = [r for r in results if r[1] == 0]
    rejected = [r for r in results if 0 < r[1] < 128 and "error:" in r[2]]
    bad = [r for r in results if r not in imported and r not in rejected]
    lines = []
    for m, rc, err in rejected:
        lines.append(f"REJECTED {os.path.relpath(m, args.data)}: {err}")
    for m, rc, err in bad:
        lines.append(f"CRASHED  {os.path.relpath(m, args.data)} (exit {rc}): {err}")
    summary = (f"imported {len(imported)}, rejected {len(rejected)}, "
               f"crashed {len(bad)}, total {len(results)}")
    print("\n".join(lines))
    print(summary)
    if args.report:
        with open(args.report, "w") as f:
            f.write("\n".join(lines + [summary]) + "\n")
    if bad:
        return 1
    if len(imported) < args.min_imported:
        print(f"FAIL: fewer than {args.min_imported} models imported")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
