#!/usr/bin/python3
"""Checks a pruned model written by `fulcrum-compile --emit-onnx` against the
library the same command compiled.

    prune_export.py PRUNED.onnx PRUNED.so --bin TOOLS_DIR [--numpy]
        [--ort ORT_JS]

The export must pass onnx.checker; its 2-D weights' shapes are printed (so
that the test can see the channels and heads removed). On a seeded random
batch of 3, the library's outputs (TOOLS_DIR/fulcrum-run) must match the
export evaluated by the NumPy reference of the ONNX specification
(utils/onnx_numpy_reference.py, with --numpy) and by ONNX Runtime (with
--ort), within rtol 1e-4, atol 1e-4.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "utils"))
import onnx_numpy_reference  # noqa: E402


def close(name, expected, actual):
    if expected.shape != actual.shape:
        sys.exit(f"{name}: shape {actual.shape}, expected {expected.shape}")
    if not np.allclose(actual, expected, rtol=1e-4, atol=1e-4):
        sys.exit(f"{name}: mismatch, max |diff| "
                 f"{np.max(np.abs(actual - expected))}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("exported")
    p.add_argument("library")
    p.add_argument("--bin", required=True)
    p.add_argument("--numpy", action="store_true")
    p.add_argument("--ort")
    args = p.parse_args()
    model = onnx.load(args.exported)
    onnx.checker.check_model(model)
    shapes = sorted({tuple(i.dims) for i in model.graph.initializer
                     if len(i.dims) == 2})
    print("matrices:", " ".join("x".join(map(str, s)) for s in shapes))
    with tempfile.TemporaryDirectory() as tmp:
        inp = model.graph.input[0]
        shape = [d.dim_value or 3 for d in inp.type.tensor_type.shape.dim]
        x = np.random.RandomState(0).rand(*shape).astype(np.float32)
        xpath = os.path.join(tmp, "x.npy")
        np.save(xpath, x)
        out = os.path.join(tmp, "out")
        subprocess.run([os.path.join(args.bin, "fulcrum-run"), args.library,
                        xpath, "--output-dir", out], check=True,
                       stdout=subprocess.DEVNULL)
        lib = [np.load(os.path.join(out, f)) for f in sorted(os.listdir(out))]
        if args.numpy:
            ref = onnx_numpy_reference.run(model, {inp.name: x})
            for i, (u, v) in enumerate(zip(ref, lib)):
                close(f"numpy output {i}", u, v)
            print("numpy reference: match")
        if args.ort:
            ypath = os.path.join(tmp, "ort.npy")
            subprocess.run(["node", args.ort, "run", args.exported, xpath,
                            ypath], check=True)
            close("onnxruntime output 0", np.load(ypath), lib[0])
            print("onnxruntime: match")


if __name__ == "__main__":
    main()
