#!/usr/bin/python3
"""INT8 post-training quantization accuracy on the Fashion-MNIST models.

    /usr/bin/python3 bench/quant_accuracy.py [--models mlp,cnn,vit]
        [--methods minmax,percentile,entropy,mse] [--calibration-count 500]
        [--threads 1] [--ort] [--build build]

For each model, compiles the fp32 model and, per calibration method,
`fulcrum-compile --quantize=int8 --calibration-data train.npy
--calibration-count N --calibration-method M --emit-onnx q.onnx`, with the
first N (default 500) TRAINING images of Debian's dataset-fashion-mnist as
calibration data, then measures top-1 on all 10,000 TEST images with
`fulcrum-run --eval-data/--labels --reference MODEL.onnx` (the agreement
with the fp32 model's predictions). With --ort, ONNX Runtime (npm
onnxruntime-node in bench/peers) also evaluates the exported QDQ model, and
the table shows its top-1. Prints a Markdown table (loss in percentage
points against fp32; the target is at most 0.3) and writes
bench/results/quant_accuracy.{csv,json}.
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "models"))
import fashion_mnist  # noqa: E402


def top1(text):
    m = re.search(r"top-1: ([0-9.]+)%", text)
    if not m:
        raise SystemExit(f"no top-1 in:\n{text}")
    return float(m.group(1))


def agreement(text):
    m = re.search(r"agreement with .*: ([0-9.]+)%", text)
    return float(m.group(1)) if m else None


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{p.stdout}{p.stderr}")
    return p.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default="mlp,cnn,vit")
    p.add_argument("--methods", default="minmax,percentile,entropy,mse")
    p.add_argument("--calibration-count", type=int, default=500)
    p.add_argument("--test-count", type=int, default=10000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--ort", action="store_true")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    args = p.parse_args()
    bin_dir = os.path.join(args.build, "bin")
    compile_ = os.path.join(bin_dir, "fulcrum-compile")
    run_ = os.path.join(bin_dir, "fulcrum-run")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        train, _ = fashion_mnist.load("train")
        test, labels = fashion_mnist.load("test")
        calib = os.path.join(tmp, "train.npy")
        np.save(calib, train[:args.calibration_count])
        images, labels_path = (os.path.join(tmp, "images.npy"),
                               os.path.join(tmp, "labels.npy"))
        np.save(images, test[:args.test_count])
        np.save(labels_path, labels[:args.test_count].astype(np.uint8))
        evaluate = [run_, "--eval-data", images, "--labels", labels_path,
                    "--batch", "100", "--threads", str(args.threads)]
        for model in args.models.split(","):
            onnx_path = os.path.join(ROOT, "models", model + ".onnx")
            fp32_so = os.path.join(tmp, model + ".so")
            run([compile_, onnx_path, "-o", fp32_so])
            base = top1(run(evaluate[:1] + [fp32_so] + evaluate[1:]))
            print(f"{model}: fp32 top-1 {base:.2f}%", file=sys.stderr)
            for method in args.methods.split(","):
                q_so = os.path.join(tmp, f"{model}-{method}.so")
                q_onnx = os.path.join(tmp, f"{model}-{method}.onnx")
                run([compile_, onnx_path, "--quantize=int8",
                     "--calibration-data", calib, "--calibration-count",
                     str(args.calibration_count), "--calibration-method",
                     method, "--emit-onnx", q_onnx, "-o", q_so])
                out = run(evaluate[:1] + [q_so] + evaluate[1:] +
                          ["--reference", onnx_path])
                row = {"model": model, "method": method,
                       "calibration_images": args.calibration_count,
                       "test_images": args.test_count, "fp32_top1": base,
                       "int8_top1": top1(out),
                       "loss_pp": round(base - top1(out), 2),
                       "agreement": agreement(out)}
                if args.ort:
                    ort = run(["node", os.path.join(ROOT, "bench", "peers",
                                                    "ort.js"), "eval", q_onnx,
                               images, labels_path, "--batch", "100"])
                    row["ort_int8_top1"] = top1(ort)
                rows.append(row)
                print(f"  {method}: {row['int8_top1']:.2f}% "
                      f"(loss {row['loss_pp']:+.2f} pp)", file=sys.stderr)
    header = ("| model | method | fp32 top-1 | int8 top-1 | loss (pp) | "
              "agreement with fp32 |" + (" ONNX Runtime int8 top-1 |"
                                         if args.ort else ""))
    print(header)
    print("|" + "---|" * header.count(" |"))
    for r in rows:
        line = (f"| {r['model']} | {r['method']} | {r['fp32_top1']:.2f}% | "
                f"{r['int8_top1']:.2f}% | {r['loss_pp']:+.2f} | "
                f"{r['agreement']:.2f}% |")
        if args.ort:
            line += f" {r['ort_int8_top1']:.2f}% |"
        print(line)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "quant_accuracy.json"), "w") as f:
        json.dump(rows, f, indent=1)
    with open(os.path.join(args.out, "quant_accuracy.csv"), "w",
              newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
