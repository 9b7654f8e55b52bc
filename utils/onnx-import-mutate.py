#!/usr/bin/env python3
"""Feeds corrupted ONNX models to fulcrum-translate and checks it never crashes.

Usage: onnx-import-mutate.py FULCRUM_TRANSLATE MODEL... [--count N] [--seed S]

Each case takes one of the MODELs, corrupts it deterministically (flipped
bytes, truncation, a duplicated or removed byte run) and imports it. Every run
must end with exit code 0, or with an exit code 1..127 and an `error:` line;
a signal or exit >= 128 (a crash or an assertion) fails. Prints
`cases N, imported I, rejected R, crashed C`.
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile


def mutate(data, rng):
    data = bytearray(data)
    kind = rng.randrange(4)
    if kind == 0:  # flip a few bytes
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(data))
            data[i] = rng.randrange(256)
    elif kind == 1:  # truncate
        data = data[:rng.randrange(1, len(data))]
    elif kind == 2:  # duplicate a run
        i = rng.randrange(len(data))
        j = min(len(data), i + rng.randint(1, 64))
        data[i:i] = data[i:j]
    else:  # remove a run
        i = rng.randrange(len(data))
        del data[i:i + rng.randint(1, 16)]
    return bytes(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("models", nargs="+")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    sources = [open(m, "rb").read() for m in args.models]
    imported = rejected = 0
    crashed = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mutant.onnx")
        for case in range(args.count):
            with open(path, "wb") as f:
                f.write(mutate(rng.choice(sources), rng))
            p = subprocess.run([args.tool, "--import-onnx", path, "-o",
                                os.devnull], capture_output=True, text=True, errors="replace",
                               timeout=60)
            if p.returncode == 0:
                imported += 1
            elif 0 < p.returncode < 128 and "error:" in p.stderr:
                rejected += 1
            else:
                keep = os.path.join(tmp, "..", f"fulcrum-mutant-{args.seed}-{case}.onnx")
                os.replace(path, keep)
                crashed.append(f"case {case}: exit {p.returncode}, kept "
                               f"{os.path.abspath(keep)}: {p.stderr[-300:]}")
    for c in crashed:
        print("CRASHED", c)
    print(f"cases {args.count}, imported {imported}, rejected {rejected}, "
          f"crashed {len(crashed)}")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
