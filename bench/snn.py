"""ANN-to-SNN conversion figures for the Fashion-MNIST models: for each
model, compile it with `fulcrum-compile --target=nir` (thresholds calibrated
on the first 1,000 *training* images), simulate the NIR file with
`fulcrum-run model.nir` on the test set, and print a table of top-1
accuracy, synaptic operations, spikes and estimated energy (Loihi 2-like
and SpiNNaker2-like presets) at 8/16/32/64 timesteps next to the ANN's
top-1, MACs and measured CPU latency (batch 1, 1 thread). Also reports, for
a model with a MaxPool, what the NIR-only alternative (`--snn-maxpool=avg`:
average pooling times a calibrated gain) does to the ANN, and the effect of
rounding weights to Loihi 2's 8 bits.

    /usr/bin/python3 bench/snn.py [--count N] [--models mlp,cnn]
        [--threads 2] [--percentile 99.9] [--quantize-models mlp]
        [--maxpool spike-max|avg] [--out bench/results/snn.md]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "models"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import fashion_mnist  # noqa: E402
import flops  # noqa: E402

STEPS = [8, 16, 32, 64]


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return out.stdout


def preset(name):
    with open(os.path.join(ROOT, "lib/Cost/Presets", name + ".json")) as f:
        n = json.load(f)["neuromorphic"]
    return n["energy_per_synop_pj"], n["energy_per_spike_pj"]


def top1(text):
    return {int(m.group(1) or STEPS[-1]): float(m.group(2))
            for m in re.finditer(r"top-1(?: @(\d+) steps)?: ([\d.]+)%", text)}


def stats(text):
    out = {int(m.group(1)): (float(m.group(2)), float(m.group(3)))
           for m in re.finditer(r"@(\d+) steps: synaptic ops (\d+), "
                                r"spikes (\d+)", text)}
    syn = float(re.search(r"synaptic ops per inference: (\d+)", text).group(1))
    spk = float(re.search(r"spikes per inference: (\d+)", text).group(1))
    out[STEPS[-1]] = (syn, spk)
    return out


def maxpool_as_avg(model_path, gain, out_path):
    """The ANN with each MaxPool replaced by AveragePool times `gain`."""
    m = onnx.load(model_path)
    nodes = []
    for n in m.graph.node:
        if n.op_type != "MaxPool":
            nodes.append(n)
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute
                 if a.name in ("kernel_shape", "strides", "pads")}
        mid = n.output[0] + "_avg"
        nodes.append(helper.make_node("AveragePool", [n.input[0]], [mid],
                                      **attrs))
        g = n.output[0] + "_gain"
        m.graph.initializer.append(
            numpy_helper.from_array(np.array(gain, np.float32), g))
        nodes.append(helper.make_node("Mul", [mid, g], [n.output[0]]))
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    onnx.save(m, out_path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--models", default="mlp,cnn")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--quantize-models", default="mlp",
                   help="models also simulated with 8-bit weights (the CNN "
                        "takes two more full simulations)")
    p.add_argument("--percentile", default="99.9")
    p.add_argument("--maxpool", default="spike-max",
                   help="fulcrum-compile --snn-maxpool")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--out", default=os.path.join(ROOT, "bench/results/snn.md"))
    args = p.parse_args()
    bin_dir = os.path.join(args.build, "bin")
    tmp = tempfile.mkdtemp(prefix="fulcrum-snn-")
    train_x, _ = fashion_mnist.load("train")
    test_x, test_y = fashion_mnist.load("test")
    calib, images, labels = (os.path.join(tmp, f) for f in
                             ("calib.npy", "images.npy", "labels.npy"))
    np.save(calib, train_x[:1000])
    np.save(images, test_x[:args.count])
    np.save(labels, test_y[:args.count])
    loihi, spinn = preset("loihi2"), preset("spinnaker2")
    lines = ["| model | steps | top-1 | ANN top-1 | synaptic ops | spikes | "
             "energy Loihi 2 (uJ) | energy SpiNNaker2 (uJ) | ANN MACs | "
             "CPU latency (ms) |", "|" + "---|" * 10]
    notes = []
    for name in args.models.split(","):
        onnx_path = os.path.join(ROOT, "models", name + ".onnx")
        nir = os.path.join(tmp, name + ".nir")
        compile_nir = [os.path.join(bin_dir, "fulcrum-compile"), onnx_path,
                       "--target=nir", "--calibration-data", calib,
                       "--calibration-percentile", args.percentile]
        run(compile_nir + ["--snn-maxpool", args.maxpool, "-o", nir])
        ann = top1(run([os.path.join(bin_dir, "fulcrum-run"), onnx_path,
                        "--eval-data", images, "--labels", labels,
                        "--threads", str(args.threads)]))[STEPS[-1]]
        b1 = os.path.join(ROOT, "models", name + "-b1.onnx")
        one = os.path.join(tmp, "one.npy")
        np.save(one, test_x[:1])
        bench = run([os.path.join(bin_dir, "fulcrum-run"), b1, one,
                     "--bench", "200", "--warmup", "20"])
        latency = float(re.search(r"median ([\d.]+) ms", bench).group(1))
        macs = flops.count(onnx_path, 1) / 2
        text = run([os.path.join(bin_dir, "fulcrum-run"), nir,
                    "--snn-steps", str(STEPS[-1]), "--snn-checkpoints",
                    ",".join(map(str, STEPS[:-1])), "--eval-data", images,
                    "--labels", labels, "--threads", str(args.threads)])
        print(text)
        acc, st = top1(text), stats(text)
        for s in STEPS:
            syn, spk = st[s]
            e_l = (syn * loihi[0] + spk * loihi[1]) * 1e-6
            e_s = (syn * spinn[0] + spk * spinn[1]) * 1e-6
            lines.append(f"| {name} | {s} | {acc[s]:.2f}% | {ann:.2f}% | "
                         f"{syn:.3g} | {spk:.3g} | {e_l:.1f} | {e_s:.1f} | "
                         f"{macs:.3g} | {latency:.3f} |")
        # The gain the NIR-only MaxPool approximation would use.
        nir_avg = os.path.join(tmp, name + "-avg.nir")
        run(compile_nir + ["--snn-maxpool", "avg", "-o", nir_avg])
        mlir = run([os.path.join(bin_dir, "fulcrum-translate"),
                    "--import-nir", nir_avg,
                    "--mlir-elide-elementsattrs-if-larger=2"])
        gain = re.search(r'name = "maxpool_gain[^"]*", scale = dense<([\d.e+-]+)>',
                         mlir)
        if gain:
            approx = os.path.join(tmp, name + "-avgpool.onnx")
            maxpool_as_avg(onnx_path, float(gain.group(1)), approx)
            ann_avg = top1(run([os.path.join(bin_dir, "fulcrum-run"), approx,
                                "--eval-data", images, "--labels", labels,
                                "--threads", str(args.threads)]))[STEPS[-1]]
            maxpool_as_avg(onnx_path, 1.0, approx)
            ann_avg1 = top1(run([os.path.join(bin_dir, "fulcrum-run"), approx,
                                 "--eval-data", images, "--labels", labels,
                                 "--threads", str(args.threads)]))[STEPS[-1]]
            notes.append(f"{name}: with --snn-maxpool=avg (MaxPool as average "
                         f"pooling times the calibrated gain "
                         f"{float(gain.group(1)):.3f}) the ANN itself would go "
                         f"from {ann:.2f}% to {ann_avg:.2f}% "
                         f"({ann_avg1:.2f}% without the gain)")
        if name not in args.quantize_models.split(","):
            continue
        q_steps = 32 if name == "mlp" else 64
        q = run([os.path.join(bin_dir, "fulcrum-run"), nir, "--snn-steps",
                 str(q_steps), "--snn-quantize", "--eval-data", images,
                 "--labels", labels, "--threads", str(args.threads)])
        qa = re.findall(r"top-1: ([\d.]+)%", q)
        notes.append(f"{name}: weights rounded to Loihi 2's 8 bits at "
                     f"{q_steps} steps: top-1 {qa[0]}% (f32) -> {qa[1]}% "
                     f"(8-bit)")
    report = (f"SNN conversion on the first {args.count} Fashion-MNIST test "
              f"images (thresholds: {args.percentile}th percentile on 1,000 "
              "training images; constant-current input; reset by "
              f"subtraction; MaxPool: {args.maxpool})\n\n" +
              "\n".join(lines) + "\n\n" + "\n".join("- " + n for n in notes)
              + "\n")
    print(report)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(report)


if __name__ == "__main__":
    main()
