#!/usr/bin/python3
"""Structured pruning: top-1 accuracy against MACs removed.

    /usr/bin/python3 bench/prune.py [--models mlp,cnn] [--ratios 0.1,...,0.6]
        [--criteria l1,l2,bn,activation] [--calibration 500] [--test-count N]

For each model, criterion and target (the fraction of MACs `--prune`
removes) it compiles the model with
`fulcrum-compile MODEL --prune=R --prune-criterion=C --calibration-data
calib.npy -o p.so`, with and without `--no-reconstruct`, and measures the
pruned library's top-1 on the Fashion-MNIST test set with
`fulcrum-run --eval-data`. The calibration images are `--calibration`
training images (seeded choice; no labels are used), the test set is the
full 10,000 images unless `--test-count` says fewer. Both come from
Debian's dataset-fashion-mnist (models/fashion_mnist.py). No retraining.

Prints a Markdown table: the MACs removed (as fulcrum-compile prints
them), top-1 and its change from the unpruned model, and the compile time
(with reconstruction it includes one calibration run per refit layer).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "models"))

import fashion_mnist  # noqa: E402

MODELS = {"mlp": "models/mlp.onnx", "cnn": "models/cnn.onnx",
          "vit": "models/vit.onnx"}


def top1(args, lib, data):
    out = subprocess.run(
        [args.fulcrum_run, lib, "--eval-data", data[0], "--labels", data[1],
         "--batch", "100", f"--threads={args.threads}"],
        capture_output=True, text=True, check=True).stdout
    m = re.search(r"top-1: ([0-9.]+)%", out)
    return float(m.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="mlp,cnn")
    parser.add_argument("--ratios", default="0.1,0.2,0.3,0.4,0.5,0.6")
    parser.add_argument("--criteria", default="l1,l2,bn,activation")
    parser.add_argument("--reconstruct", default="yes,no",
                        help="yes, no or both (yes,no)")
    parser.add_argument("--calibration", type=int, default=500)
    parser.add_argument("--test-count", type=int, default=10000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--extra-flags", default="",
                        help="more fulcrum-compile flags, e.g. "
                             "--prune-allocation=uniform")
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    args = parser.parse_args()
    args.fulcrum_compile = os.path.join(args.build_dir, "bin/fulcrum-compile")
    args.fulcrum_run = os.path.join(args.build_dir, "bin/fulcrum-run")

    tmp = tempfile.mkdtemp(prefix="fulcrum-prune-")
    images, labels = fashion_mnist.load("test")
    data = (os.path.join(tmp, "images.npy"), os.path.join(tmp, "labels.npy"))
    np.save(data[0], images[:args.test_count])
    np.save(data[1], labels[:args.test_count].astype(np.uint8))
    train, _ = fashion_mnist.load("train")
    pick = np.random.default_rng(0).choice(len(train), args.calibration,
                                           replace=False)
    calib = os.path.join(tmp, "calib.npy")
    np.save(calib, train[np.sort(pick)])
    lib = os.path.join(tmp, "p.so")

    print(f"test images: {min(args.test_count, len(images))}, calibration "
          f"images: {args.calibration} (training set, no labels)\n")
    print("| model | criterion | reconstruct | target | MACs | removed | "
          "top-1 | change (pp) | compile s |")
    print("|---|---|---|---|---|---|---|---|---|", flush=True)
    for name in args.models.split(","):
        onnx = os.path.join(ROOT, MODELS[name])
        subprocess.run([args.fulcrum_compile, onnx, "-o", lib], check=True)
        base = top1(args, lib, data)
        print(f"| {name} | - | - | 0 | all | 0.0% | {base:.2f}% | +0.00 | - |",
              flush=True)
        for criterion in args.criteria.split(","):
            for recon in args.reconstruct.split(","):
                for ratio in args.ratios.split(","):
                    cmd = [args.fulcrum_compile, onnx, f"--prune={ratio}",
                           f"--prune-criterion={criterion}",
                           "--calibration-data", calib, "-o", lib,
                           *args.extra_flags.split()]
                    if recon == "no":
                        cmd.append("--no-reconstruct")
                    start = time.time()
                    r = subprocess.run(cmd, capture_output=True, text=True)
                    seconds = time.time() - start
                    m = re.search(r"MACs: (\d+) -> (\d+) \(-([0-9.]+)%\)",
                                  r.stdout)
                    if r.returncode or not m:
                        print(f"| {name} | {criterion} | {recon} | {ratio} | "
                              f"failed: {r.stderr.strip()[:80]} |||||",
                              flush=True)
                        continue
                    acc = top1(args, lib, data)
                    print(f"| {name} | {criterion} | {recon} | {ratio} | "
                          f"{m.group(1)} -> {m.group(2)} | {m.group(3)}% | "
                          f"{acc:.2f}% | {acc - base:+.2f} | {seconds:.1f} |",
                          flush=True)


if __name__ == "__main__":
    main()
