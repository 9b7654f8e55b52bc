#!/usr/bin/python3
"""Accuracy of the Fashion-MNIST ViT against attention simplifications,
measured with `fulcrum-run --eval-data` on the full 10,000-image test set
(or --data DIR), as Markdown tables:

- local attention windows (`--attention-window=W`, the class token global;
  W = 0 is full attention);
- heads kept (`fulcrum-compile --attention-heads-keep=F`, per criterion:
  `l1` keeps the same share of every block's heads by the L1 norm of their
  Q/K/V weights, `activation` removes the heads whose removal changes the
  model's outputs least on the calibration data, across blocks). The
  calibration data are 500 training images (seeded choice, no labels);
  the output projections are refit by least squares on them;
- the precision of attention's two products
  (`--attention-precision=fp32|bf16`), with the agreement of each
  model's predictions with the f32 model's.

    /usr/bin/python3 models/attention_tradeoff.py [--windows 0,24,16,8,4,2]
        [--heads-keep 1,0.75,0.5] [--criteria l1,activation]
        [--precisions fp32,bf16]
        [--model models/vit.onnx] [--build-dir build]
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
    parser.add_argument("--heads-keep", default="1,0.75,0.5",
                        help="fractions of the heads kept ('' for none)")
    parser.add_argument("--criteria", default="l1,activation")
    parser.add_argument("--precisions", default="fp32,bf16",
                        help="attention precisions ('' for none)")
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--fulcrum-run")
    args = parser.parse_args()
    args.fulcrum_run = args.fulcrum_run or os.path.join(
        args.build_dir, "bin/fulcrum-run")
    data = args.data
    if not data:
        data = os.path.join(tempfile.mkdtemp(prefix="fulcrum-attn-"), "test")
        subprocess.run([sys.executable,
                        os.path.join(HERE, "extract_test_set.py"), data],
                       check=True, stdout=subprocess.DEVNULL)
    print(f"model: {os.path.relpath(args.model, ROOT)}\n")

    def top1(model, *flags):
        out = subprocess.run(
            [args.fulcrum_run, model,
             "--eval-data", os.path.join(data, "images.npy"),
             "--labels", os.path.join(data, "labels.npy"),
             f"--threads={args.threads}", *flags],
            check=True, capture_output=True, text=True).stdout
        return float(re.search(r"top-1: ([0-9.]+)%", out).group(1))

    full = None
    if args.windows:
        print("| window | top-1 | vs full attention (pp) |")
        print("|---|---|---|")
        for w in [int(x) for x in args.windows.split(",")]:
            t = top1(args.model, f"--attention-window={w}")
            full = t if full is None else full
            print(f"| {w or 'full'} | {t:.2f}% | {t - full:+.2f} |",
                  flush=True)
        print()
    if args.heads_keep:
        heads_table(args, data, top1,
                    full if full is not None else top1(args.model))
        print()
    if args.precisions:
        precision_table(args, data)


def precision_table(args, data):
    """Top-1 against the precision of attention's products, and how many
    predictions agree with the f32 model's."""
    import numpy as np
    tmp = tempfile.mkdtemp(prefix="fulcrum-precision-")
    print("| attention products | top-1 | vs fp32 (pp) | predictions equal "
          "to fp32's |")
    print("|---|---|---|---|")
    base = None
    for precision in args.precisions.split(","):
        predictions = os.path.join(tmp, precision + ".npy")
        out = subprocess.run(
            [args.fulcrum_run, args.model,
             "--eval-data", os.path.join(data, "images.npy"),
             "--labels", os.path.join(data, "labels.npy"),
             f"--threads={args.threads}",
             f"--attention-precision={precision}",
             "--predictions", predictions],
            check=True, capture_output=True, text=True).stdout
        t = float(re.search(r"top-1: ([0-9.]+)%", out).group(1))
        p = np.load(predictions)
        if base is None:
            base = (t, p)
        same = (p == base[1]).mean() * 100
        print(f"| {precision} | {t:.2f}% | {t - base[0]:+.2f} | "
              f"{same:.2f}% |", flush=True)


def heads_table(args, data, top1, full):
    """Top-1 against the fraction of heads kept, per criterion."""
    sys.path.insert(0, HERE)
    import numpy as np
    import fashion_mnist
    tmp = tempfile.mkdtemp(prefix="fulcrum-heads-")
    train, _ = fashion_mnist.load("train")
    pick = np.random.default_rng(0).choice(len(train), 500, replace=False)
    calib = os.path.join(tmp, "calib.npy")
    np.save(calib, train[np.sort(pick)])
    compile_ = os.path.join(args.build_dir, "bin/fulcrum-compile")
    print("| heads kept | criterion | heads per block | MACs removed | top-1 "
          "| vs all heads (pp) |")
    print("|---|---|---|---|---|---|")
    for keep in [float(x) for x in args.heads_keep.split(",")]:
        if keep >= 1:
            print(f"| 100% | - | 4/4/4/4 | - | {full:.2f}% | +0.00 |",
                  flush=True)
            continue
        for criterion in args.criteria.split(","):
            lib = os.path.join(tmp, "p.so")
            out = subprocess.run(
                [compile_, args.model, f"--attention-heads-keep={keep}",
                 f"--prune-criterion={criterion}", "--calibration-data",
                 calib, "--prune-report", "-o", lib],
                check=True, capture_output=True, text=True).stdout
            kept = re.findall(r"attn/[^)]*\): \d+ -> (\d+) units", out)
            macs = re.search(r"\(-([0-9.]+)%\)", out).group(1)
            t = top1(lib)
            print(f"| {keep:.0%} | {criterion} | {'/'.join(kept)} | {macs}% "
                  f"| {t:.2f}% | {t - full:+.2f} |", flush=True)


if __name__ == "__main__":
    main()
