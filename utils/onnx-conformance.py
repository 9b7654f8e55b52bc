#!/usr/bin/env python3
"""Runs the ONNX backend conformance models through fulcrum-run.

Usage: onnx-conformance.py FULCRUM_RUN [--data DIR] [--known-failures FILE]
                           [--report FILE.md] [--jobs N] [--filter SUBSTR]

For every model directory under DIR/{node,simple,pytorch-converted,
pytorch-operator}, runs `fulcrum-run model.onnx --test-data DIR` (compile,
run, compare with output_*.pb at rtol 1e-3, atol 1e-7). Prints one line per
failure and the summary `N passed, M failed, K skipped`.

The known-failure list has one `suite/test: reason` per line. A listed test
that fails is skipped (counted in K); a listed test that passes is an
unexpected pass and fails the run, as does a failure that is not listed.
Without --known-failures every failure counts.
"""
import argparse
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

SUITES = ["node", "simple", "pytorch-converted", "pytorch-operator"]


def reason_of(output):
    """The first informative line of a failing run."""
    for line in output.splitlines():
        if "error:" in line or "FAIL" in line:
            line = re.sub(r"^\S*model\.onnx:\d+:\d+: ", "", line)
            return line.strip()[:200]
    return output.strip().splitlines()[-1][:200] if output.strip() else "no output"


def run(tool, test_dir, timeout):
    start = time.time()
    try:
        p = subprocess.run([tool, os.path.join(test_dir, "model.onnx"),
                            "--test-data", test_dir], capture_output=True,
                           text=True, errors="replace", timeout=timeout)
        ok = p.returncode == 0
        out = p.stdout + p.stderr
        if p.returncode >= 128 or p.returncode < 0:
            out = f"crashed (exit {p.returncode}): " + reason_of(out)
    except subprocess.TimeoutExpired:
        ok, out = False, f"timed out after {timeout} s"
    return ok, (reason_of(out) if not ok else ""), time.time() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--data", default="/usr/share/libonnx-testdata/data")
    ap.add_argument("--known-failures")
    ap.add_argument("--report")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--filter", default="")
    ap.add_argument("--timeout", type=int, default=120)
    args = ap.parse_args()

    tests = []
    for suite in SUITES:
        d = os.path.join(args.data, suite)
        for name in sorted(os.listdir(d)):
            if os.path.exists(os.path.join(d, name, "model.onnx")) and \
                    args.filter in f"{suite}/{name}":
                tests.append((f"{suite}/{name}", os.path.join(d, name)))

    known = {}
    if args.known_failures:
        for line in open(args.known_failures):
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, reason = line.partition(":")
                known[name.strip()] = reason.strip()

    start = time.time()
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda t: run(args.tool, t[1], args.timeout),
                                tests))
    elapsed = time.time() - start

    passed = failed = skipped = 0
    rows, problems = [], []
    for (name, _), (ok, reason, secs) in zip(tests, results):
        if ok and name in known:
            failed += 1
            problems.append(f"UNEXPECTED PASS {name} (remove it from the "
                            f"known-failure list)")
            rows.append((name, "unexpected pass", ""))
        elif ok:
            passed += 1
            rows.append((name, "pass", ""))
        elif name in known:
            skipped += 1
            rows.append((name, "known failure", known[name]))
        else:
            failed += 1
            problems.append(f"FAIL {name}: {reason}")
            rows.append((name, "fail", reason))
    for p in problems:
        print(p)
    summary = (f"{passed} passed, {failed} failed, {skipped} skipped "
               f"(of {len(tests)}, {elapsed:.0f} s)")
    if args.report:
        with open(args.report, "w") as f:
            f.write("# ONNX backend conformance\n\n" + summary + "\n\n")
            f.write("| test | result | reason |\n|---|---|---|\n")
            for name, status, reason in rows:
                f.write(f"| {name} | {status} | {reason.replace('|', '/')} |\n")
    print(summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
