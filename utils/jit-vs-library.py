#!/usr/bin/env python3
"""Checks that a model run through fulcrum-run's JIT and through a shared
library from fulcrum-compile gives bit-identical outputs.

For each model (an .onnx file, or an ONNX backend test directory holding
model.onnx and test_data_set_0/input_*.pb), it makes inputs (seeded random
float32 of the model's input shape, dynamic dimensions set to 2; the test
data's inputs for a test directory), runs
  fulcrum-run MODEL.onnx INPUTS --output-dir A
  fulcrum-compile MODEL.onnx -o m.so && fulcrum-run m.so INPUTS --output-dir B
with the same --target-cpu, and compares every output file byte for byte.
Prints one line per model and `N identical, M different`; exits 1 if any
differs or fails.
"""
import argparse
import filecmp
import glob
import os
import subprocess
import sys

import numpy as np
import onnx


def make_inputs(model_path, out_dir):
    model = onnx.load(model_path)
    initializers = {i.name for i in model.graph.initializer}
    rng = np.random.default_rng(7)
    paths = []
    for i, value in enumerate(model.graph.input):
        if value.name in initializers:
            continue
        tensor = value.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") else 2
                 for d in tensor.shape.dim]
        array = rng.standard_normal(shape).astype(np.float32)
        path = os.path.join(out_dir, f"input_{i}.npy")
        np.save(path, array)
        paths.append(path)
    return paths


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(" ".join(cmd) + "\n" + result.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True, help="directory of the tools")
    parser.add_argument("--work", required=True, help="scratch directory")
    parser.add_argument("--target-cpu", default="native")
    parser.add_argument("models", nargs="+")
    args = parser.parse_args()
    compile_tool = os.path.join(args.bin, "fulcrum-compile")
    run_tool = os.path.join(args.bin, "fulcrum-run")
    same = differ = 0
    for index, model in enumerate(args.models):
        work = os.path.join(args.work, str(index))
        os.makedirs(work, exist_ok=True)
        if os.path.isdir(model):
            name = os.path.basename(model.rstrip("/"))
            onnx_path = os.path.join(model, "model.onnx")
            inputs = sorted(glob.glob(os.path.join(
                model, "test_data_set_0", "input_*.pb")))
        else:
            name = os.path.basename(model)
            onnx_path = model
            inputs = make_inputs(model, work)
        jit_dir, lib_dir = os.path.join(work, "jit"), os.path.join(work, "lib")
        library = os.path.join(work, "model.so")
        cpu = "--target-cpu=" + args.target_cpu
        try:
            run([run_tool, onnx_path, *inputs, cpu, "--output-dir", jit_dir])
            run([compile_tool, onnx_path, cpu, "-o", library])
            run([run_tool, library, *inputs, "--output-dir", lib_dir])
        except RuntimeError as e:
            print(f"{name}: FAILED\n{e}")
            differ += 1
            continue
        outputs = sorted(os.listdir(jit_dir))
        if not outputs or outputs != sorted(os.listdir(lib_dir)):
            print(f"{name}: DIFFERENT output files")
            differ += 1
            continue
        bad = [o for o in outputs if not filecmp.cmp(
            os.path.join(jit_dir, o), os.path.join(lib_dir, o), shallow=False)]
        if bad:
            print(f"{name}: DIFFERENT {', '.join(bad)}")
            differ += 1
        else:
            print(f"{name}: identical ({len(outputs)} outputs)")
            same += 1
    print(f"{same} identical, {differ} different")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
