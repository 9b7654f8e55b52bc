#!/usr/bin/env python3
"""The cost model against measurement: per model, the rank correlation of
predicted and measured per-layer times and the total's relative error.

    /usr/bin/python3 bench/cost.py [--models mlp,cnn,...] [--target-description F]

Without --target-description it first runs `fulcrum-calibrate -o
build/host.json` (under a minute). Each model is profiled at batch 1 with
static shapes (`fulcrum-run MODEL --profile`): the Fashion-MNIST models'
committed batch-1 files, and batch-1 exports of the benchmark's ResNet-18,
MobileNetV2 and BERT-style encoder (bench/models.py, seeded random weights)
written to build/bench-models/. Prints one row per model and writes each
profile's JSON next to the models. The issue's bar: Spearman >= 0.9 and the
predicted total within 25 % of the measured one.

With --int8 each model's QDQ copy (utils/qdq-quantize.py, calibrated on
one standard-normal image: the batch-1 files take one) is profiled too,
on the 8-bit kernels: rows "<model> int8".
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

COMMITTED = {"mlp": "models/mlp-b1.onnx", "cnn": "models/cnn-b1.onnx",
             "vit": "models/vit-b1.onnx"}
DEFAULT = "mlp,cnn,vit,resnet18,mobilenet_v2,bert-4x256"


def model_path(name, out_dir):
    if name in COMMITTED:
        return os.path.join(ROOT, COMMITTED[name])
    path = os.path.join(out_dir, name + "-b1.onnx")
    if not os.path.exists(path):
        sys.path.insert(0, HERE)
        import models
        import torch
        os.makedirs(out_dir, exist_ok=True)
        model = models.build(name)
        input_name = "ids" if models.ZOO[name][2] == torch.int64 else "input"
        torch.onnx.export(model, models.example_input(name, 1), path,
                          input_names=[input_name], output_names=["output"],
                          opset_version=17, do_constant_folding=True)
    return path


def float_input(path):
    import onnx
    model = onnx.load(path, load_external_data=False)
    return model.graph.input[0].type.tensor_type.elem_type == \
        onnx.TensorProto.FLOAT


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=DEFAULT)
    parser.add_argument("--target-description",
                        help="a preset or JSON file (default: calibrate)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--layers", action="store_true",
                        help="also print every model's per-layer table")
    parser.add_argument("--int8", action="store_true",
                        help="also profile each model's QDQ int8 copy")
    args = parser.parse_args()
    bin_dir = os.path.join(args.build_dir, "bin")
    out_dir = os.path.join(args.build_dir, "bench-models")
    target = args.target_description
    if not target:
        target = os.path.join(args.build_dir, "host.json")
        subprocess.run([os.path.join(bin_dir, "fulcrum-calibrate"), "-o",
                        target], check=True)
    print(f"target description: {target}\n")
    print("| model | layers | Spearman | predicted ms | measured ms "
          "| total error | meets bar |")
    print("|---|---|---|---|---|---|---|", flush=True)
    ok = True
    runs = []
    for name in args.models.split(","):
        onnx = model_path(name, out_dir)
        runs.append((name, onnx))
        if args.int8 and not float_input(onnx):
            print(f"| {name} int8 | skipped: its input is not float, "
                  "utils/qdq-quantize.py cannot calibrate it |||||")
        elif args.int8:
            qdq = os.path.join(out_dir, name + "-b1-qdq.onnx")
            subprocess.run(
                [sys.executable, os.path.join(ROOT, "utils/qdq-quantize.py"),
                 onnx, qdq, "--count", "1",
                 "--fulcrum-run", os.path.join(bin_dir, "fulcrum-run")],
                check=True, stdout=subprocess.DEVNULL)
            runs.append((name + " int8", qdq))
    for name, onnx in runs:
        report = os.path.join(out_dir, name.replace(" ", "-") + "-profile.json")
        run = subprocess.run(
            [os.path.join(bin_dir, "fulcrum-run"), onnx, "--profile",
             "--target-description", target, "--profile-json", report,
             "--profile-runs", str(args.runs), "--threads", str(args.threads)],
            capture_output=True, text=True)
        if run.returncode != 0:
            print(f"| {name} | failed: {run.stderr.strip()[:200]} |||||")
            ok = False
            continue
        if args.layers:
            print(run.stdout, file=sys.stderr)
        with open(report) as f:
            r = json.load(f)
        error = (r["total_predicted_ms"] - r["total_measured_ms"]) / \
            r["total_measured_ms"]
        good = r["spearman"] >= 0.9 and abs(error) <= 0.25
        ok &= good
        print(f"| {name} | {len(r['layers'])} | {r['spearman']:.3f} "
              f"| {r['total_predicted_ms']:.3f} | {r['total_measured_ms']:.3f} "
              f"| {100 * error:+.1f}% | {'yes' if good else 'no'} |",
              flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
