#!/usr/bin/python3
"""Measures the committed Fashion-MNIST models' test accuracy with ONNX
Runtime and with Fulcrum, and how often the two agree.

    /usr/bin/python3 models/evaluate.py [--fulcrum-run build/bin/fulcrum-run]
        [--data DIR] [MODEL.onnx ...]

DIR holds images.npy/labels.npy (default: the full 10,000-image test set,
extracted to a temporary folder from Debian's dataset-fashion-mnist).
ONNX Runtime is the npm package onnxruntime-node in bench/peers (install it
with `npm install --ignore-scripts` there). Prints a Markdown table: ONNX
Runtime top-1, Fulcrum top-1, their difference in percentage points, and
the share of images on which both predict the same class.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_MODELS = ["mlp", "mlp-b1", "cnn", "cnn-b1", "vit", "vit-b1",
                  "vit-mha", "vit-mha-b1"]


def top1(output):
    m = re.search(r"top-1: ([0-9.]+)%", output)
    if not m:
        raise SystemExit("no top-1 line in:\n" + output)
    return float(m.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="*")
    parser.add_argument("--fulcrum-run",
                        default=os.path.join(ROOT, "build/bin/fulcrum-run"))
    parser.add_argument("--data", help="folder with images.npy, labels.npy")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    models = args.models or [
        os.path.join(HERE, m + ".onnx") for m in DEFAULT_MODELS
        if os.path.exists(os.path.join(HERE, m + ".onnx"))]
    tmp = tempfile.mkdtemp(prefix="fulcrum-eval-")
    data = args.data
    if not data:
        data = os.path.join(tmp, "test")
        subprocess.run([sys.executable, os.path.join(HERE, "extract_test_set.py"),
                        data], check=True, stdout=subprocess.DEVNULL)
    images = os.path.join(data, "images.npy")
    labels = os.path.join(data, "labels.npy")
    count = np.load(labels).shape[0]

    print(f"Fashion-MNIST test images: {count}\n")
    print("| model | ONNX Runtime top-1 | Fulcrum top-1 | difference (pp) "
          "| same prediction |")
    print("|---|---|---|---|---|")
    worst = 0.0
    for model in models:
        ort_pred = os.path.join(tmp, "ort.npy")
        ful_pred = os.path.join(tmp, "fulcrum.npy")
        ort = subprocess.run(
            ["node", os.path.join(ROOT, "bench/peers/ort.js"), "eval", model,
             images, labels, "--predictions", ort_pred],
            capture_output=True, text=True)
        if ort.returncode:
            raise SystemExit(f"onnxruntime failed on {model}:\n{ort.stderr}")
        ful = subprocess.run(
            [args.fulcrum_run, model, "--eval-data", images, "--labels", labels,
             "--predictions", ful_pred, f"--threads={args.threads}"],
            capture_output=True, text=True)
        if ful.returncode:
            raise SystemExit(f"fulcrum-run failed on {model}:\n{ful.stderr}")
        a, b = top1(ort.stdout), top1(ful.stdout)
        same = np.mean(np.load(ort_pred) == np.load(ful_pred)) * 100
        worst = max(worst, abs(a - b))
        print(f"| {os.path.basename(model)} | {a:.2f}% | {b:.2f}% | "
              f"{b - a:+.2f} | {same:.2f}% |", flush=True)
    print(f"\nlargest top-1 difference: {worst:.2f} percentage points")


if __name__ == "__main__":
    main()
