"""Compares the .npy outputs of two fulcrum-run --output-dir directories.

Usage: compare_outputs.py DIR_A DIR_B [--rtol R] [--atol A]
Prints one line per output (`<name>: max abs diff D, max rel diff R`) and
`match` when every output of A is close to B's, `MISMATCH` otherwise.
"""
import argparse
import os
import sys

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("a")
ap.add_argument("b")
ap.add_argument("--rtol", type=float, default=1e-4)
ap.add_argument("--atol", type=float, default=1e-5)
args = ap.parse_args()
ok = True
names = sorted(n for n in os.listdir(args.a) if n.endswith(".npy"))
if not names:
    print("MISMATCH: no outputs in", args.a)
    sys.exit(1)
for name in names:
    x = np.load(os.path.join(args.a, name)).astype(np.float64)
    y = np.load(os.path.join(args.b, name)).astype(np.float64)
    diff = np.abs(x - y)
    rel = diff / np.maximum(np.abs(y), 1e-30)
    close = x.shape == y.shape and np.allclose(x, y, rtol=args.rtol, atol=args.atol)
    ok &= bool(close)
    print(f"{name}: shape {list(x.shape)}, max abs diff {diff.max():.3g}, "
          f"max rel diff {rel.max():.3g}")
print("match" if ok else "MISMATCH")
sys.exit(0 if ok else 1)
