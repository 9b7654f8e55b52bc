#!/usr/bin/python3
"""Accuracy of the Fashion-MNIST ViT against attention simplifications:
local attention windows (`--attention-window=W`, the class token global),
measured with `fulcrum-run --eval-data` on the full 10,000-image test set
(or --data DIR). Prints a Markdown table; W = 0 is full attention.

    /usr/bin/python3 models/attention_tradeoff.py [--windows 0,24,16,8,4,2]
        [--model models/vit.onnx] [--fulcrum-run build/bin/fulcrum-run]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=os.path.join(HERE, "vit.onnx"))
    parser.add_argument("--windows", default="0,24,16,8,4,2")
    parser.add_argument("--data")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--fulcrum-run",
                        default=os.path.join(ROOT, "build/bin/fulcrum-run"))
    args = parser.parse_args()
    data = args.data
    if not data:
        data = os.path.join(tempfile.mkdtemp(prefix="fulcrum-attn-"), "test")
        subprocess.run([sys.executable,
                        os.path.join(HERE, "extract_test_set.py"), data],
                       check=True, stdout=subprocess.DEVNULL)
    print(f"model: {os.path.relpath(args.model, ROOT)}\n")
    print("| window | top-1 | vs full attention (pp) |")
    print("|---|---|---|")
    full = None
    for w in [int(x) for x in args.windows.split(",")]:
        out = subprocess.run(
            [args.fulcrum_run, args.model,
             "--eval-data", os.path.join(data, "images.npy"),
             "--labels", os.path.join(data, "labels.npy"),
             f"--threads={args.threads}", f"--attention-window={w}"],
            check=True, capture_output=True, text=True).stdout
        top1 = float(re.search(r"top-1: ([0-9.]+)%", out).group(1))
        full = top1 if full is None else full
        print(f"| {w or 'full'} | {top1:.2f}% | {top1 - full:+.2f} |",
              flush=True)


if __name__ == "__main__":
    main()
