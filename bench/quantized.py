#!/usr/bin/python3
"""INT8 against fp32 in one run: Fulcrum on an fp32 model, Fulcrum on its
QDQ-quantized copy (8-bit kernels), and ONNX Runtime on the same QDQ model.

    /usr/bin/python3 bench/quantized.py [--models resnet18,mobilenet_v2]
        [--threads 1] [--runs 20] [--warmup 3] [--build build]
        [--out-dir bench/results] [--reduce-range [auto|on|off]]
        [--target-cpu CPU]

Each model comes from bench/models.py (the same files as bench/run.py) and
is quantized by utils/qdq-quantize.py (per-channel int8 weights, uint8
activations calibrated on 8 random images; depthwise convolutions are
quantized too). Latencies are medians of `fulcrum-run X.so --bench` and of
`bench/peers/ort.js bench` (npm onnxruntime-node, all graph
optimizations) at batch 1, each in its own process, one after the other.
`--target-cpu x86-64-v3` compiles both Fulcrum artifacts for AVX2 alone
(the 8-bit kernels' vpmaddubsw variant), a stand-in for an AVX2-only host
on a newer one; ONNX Runtime still picks its kernels by the host.
`--reduce-range` (7-bit weights) follows `fulcrum-compile --quantize` by
default (auto): on where the target CPU's 8-bit kernels are AVX2's, as the
compiler's own quantize line says for a small model; `--reduce-range` or
`--reduce-range on` forces it, `off` keeps 8-bit weights.
Prints a Markdown table with the ratios:
  * fp32/int8: Fulcrum fp32 latency over Fulcrum int8 latency (speed-up);
  * ORT/Fulcrum: ONNX Runtime's int8 latency over Fulcrum's int8 latency.
"""
import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)


def fulcrum_bench(tools, model, so, inputs, args):
    subprocess.run([os.path.join(tools, "fulcrum-compile"), model, "-o", so,
                    "--target-cpu", args.target_cpu], check=True)
    out = subprocess.run(
        [os.path.join(tools, "fulcrum-run"), so, inputs, "--bench", str(args.runs),
         "--warmup", str(args.warmup), "--threads", str(args.threads)],
        check=True, capture_output=True, text=True).stdout
    return float(re.search(r"median ([0-9.]+) ms", out).group(1))


def ort_bench(model, args):
    if not os.path.isdir(os.path.join(HERE, "peers/node_modules/onnxruntime-node")):
        return None
    out = subprocess.run(
        ["node", os.path.join(HERE, "peers/ort.js"), "bench", model, "--batch", "1",
         "--threads", str(args.threads), "--warmup", str(args.warmup), "--runs",
         str(args.runs)], check=True, capture_output=True, text=True).stdout
    return float(json.loads(out.strip().splitlines()[-1])["median_ms"])


def compiler_reduces_range(tools, target_cpu, work):
    """Whether fulcrum-compile --quantize chooses 7-bit weights for the
    target CPU (its quantize line says so), on the MLP and one image."""
    images = os.path.join(ROOT, "models/data/fashion-mnist-test-1000/images.npy")
    out = subprocess.run(
        [os.path.join(tools, "fulcrum-compile"), os.path.join(ROOT, "models/mlp.onnx"),
         "--quantize=int8", "--calibration-data", images, "--calibration-count", "1",
         "--target-cpu", target_cpu, "-o", os.path.join(work, "probe-q.o")],
        check=True, capture_output=True, text=True).stdout
    return "7-bit weights" in out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default="resnet18,mobilenet_v2")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    p.add_argument("--reduce-range", nargs="?", const="on", default="auto",
                   choices=["auto", "on", "off"],
                   help="7-bit weights in the QDQ copies (default: as "
                   "fulcrum-compile --quantize chooses for --target-cpu)")
    p.add_argument("--target-cpu", default="native",
                   help="the CPU both Fulcrum artifacts are compiled for; "
                   "x86-64-v3 runs the AVX2 kernels on any newer host")
    args = p.parse_args()
    import models  # bench/models.py (needs torch to export missing models)
    tools = os.path.join(args.build, "bin")
    work = os.path.join(args.out_dir, "quantized")
    os.makedirs(work, exist_ok=True)
    reduce_range = args.reduce_range == "on" or (
        args.reduce_range == "auto" and compiler_reduces_range(tools, args.target_cpu, work))
    print("weights: %s (--reduce-range %s)\n" % (
        "7-bit" if reduce_range else "8-bit", args.reduce_range))
    print("| model | threads | Fulcrum fp32 (ms) | Fulcrum int8 (ms) | "
          "ORT int8 (ms) | fp32/int8 | ORT/Fulcrum int8 |")
    print("|---|---|---|---|---|---|---|")
    results = []
    for name in args.models.split(","):
        fp32 = models.onnx_path(name, os.path.join(args.build, "bench-models"))
        qdq = os.path.join(work, name + "-qdq.onnx")
        cmd = [sys.executable, os.path.join(ROOT, "utils/qdq-quantize.py"), fp32, qdq,
               "--fulcrum-run", os.path.join(tools, "fulcrum-run")]
        if reduce_range:
            cmd.append("--reduce-range")
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        inputs = os.path.join(work, name + "-input.npy")
        np.save(inputs, models.example_input(name, 1).numpy())
        f32 = fulcrum_bench(tools, fp32, os.path.join(work, name + ".so"), inputs, args)
        i8 = fulcrum_bench(tools, qdq, os.path.join(work, name + "-qdq.so"), inputs, args)
        ort = ort_bench(qdq, args)
        results.append({"model": name, "threads": args.threads,
                        "weight_bits": 7 if reduce_range else 8, "fulcrum_fp32_ms": f32,
                        "fulcrum_int8_ms": i8, "ort_int8_ms": ort})
        print("| %s | %d | %.2f | %.2f | %s | %.2fx | %s |" % (
            name, args.threads, f32, i8, "%.2f" % ort if ort else "n/a", f32 / i8,
            "%.2fx" % (ort / i8) if ort else "n/a"))
    with open(os.path.join(args.out_dir, "quantized.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
