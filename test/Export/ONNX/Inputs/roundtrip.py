#!/usr/bin/python3
"""Checks an exported model against the model it came from.

    roundtrip.py ORIGINAL.onnx EXPORTED.onnx --bin TOOLS_DIR [--numpy]
        [--ort ORT_JS]

The exported model must pass onnx.checker, hold the same operators (the
original's Constant nodes may have become initializers), and give
bit-identical outputs when both run in Fulcrum (TOOLS_DIR/fulcrum-run) on a
seeded random batch of 3. With --numpy the exported model is also
evaluated by the NumPy reference of the ONNX specification
(utils/onnx_numpy_reference.py), with --ort by ONNX Runtime; both must
match Fulcrum's outputs within rtol 1e-4, atol 1e-4.
"""
import argparse
import collections
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "utils"))
import onnx_numpy_reference  # noqa: E402


def ops(model):
    return collections.Counter(n.op_type for n in model.graph.node
                               if n.op_type != "Constant")


def fulcrum_run(tools, model, x, tmp, tag):
    out = os.path.join(tmp, tag)
    subprocess.run([os.path.join(tools, "fulcrum-run"), model, x, "--output-dir", out], check=True,
                   stdout=subprocess.DEVNULL)
    return [np.load(os.path.join(out, f)) for f in sorted(os.listdir(out))]


def close(name, expected, actual):
    if expected.shape != actual.shape or not np.allclose(
            actual, expected, rtol=1e-4, atol=1e-4):
        sys.exit(f"{name}: mismatch, max |diff| "
                 f"{np.max(np.abs(actual - expected)) if expected.shape == actual.shape else 'shape'}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("original")
    p.add_argument("exported")
    p.add_argument("--bin", required=True)
    p.add_argument("--numpy", action="store_true")
    p.add_argument("--ort")
    args = p.parse_args()
    original, exported = onnx.load(args.original), onnx.load(args.exported)
    onnx.checker.check_model(exported)
    if ops(original) != ops(exported):
        sys.exit(f"operators differ: {ops(original)} vs {ops(exported)}")
    print("operators:", ", ".join(f"{k} {v}" for k, v in sorted(ops(exported).items())))
    with tempfile.TemporaryDirectory() as tmp:
        inp = original.graph.input[0]
        shape = [d.dim_value or 3 for d in inp.type.tensor_type.shape.dim]
        x = np.random.RandomState(0).rand(*shape).astype(np.float32)
        xpath = os.path.join(tmp, "x.npy")
        np.save(xpath, x)
        a = fulcrum_run(args.bin, args.original, xpath, tmp, "a")
        b = fulcrum_run(args.bin, args.exported, xpath, tmp, "b")
        for i, (u, v) in enumerate(zip(a, b)):
            if not np.array_equal(u, v):
                sys.exit(f"output {i}: Fulcrum's outputs of the two models differ")
        print("fulcrum: bit-identical")
        if args.numpy:
            ref = onnx_numpy_reference.run(exported, {inp.name: x})
            for i, (u, v) in enumerate(zip(ref, b)):
                close(f"numpy output {i}", u, v)
            print("numpy reference: match")
        if args.ort:
            ypath = os.path.join(tmp, "ort.npy")
            subprocess.run(["node", args.ort, "run", args.exported, xpath,
                            ypath], check=True)
            close("onnxruntime output 0", np.load(ypath), b[0])
            print("onnxruntime: match")


if __name__ == "__main__":
    main()
