#!/usr/bin/env python3
"""Writes a large MLP (a few big Gemm weights) for import benchmarks.

Usage: make_large_model.py OUT.onnx [--mb 100]
Weights are seeded random float32, stored as raw_data initializers.
"""
import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--mb", type=float, default=100)
args = ap.parse_args()

width = 2048
layers = max(1, round(args.mb * 1e6 / (width * width * 4)))
rng = np.random.default_rng(0)
nodes, inits = [], []
x = "input"
for i in range(layers):
    w = rng.standard_normal((width, width), dtype=np.float32) * 0.01
    inits.append(numpy_helper.from_array(w, f"fc{i}.weight"))
    inits.append(numpy_helper.from_array(np.zeros(width, np.float32), f"fc{i}.bias"))
    nodes.append(helper.make_node("Gemm", [x, f"fc{i}.weight", f"fc{i}.bias"],
                                  [f"h{i}"], name=f"fc{i}"))
    nodes.append(helper.make_node("Relu", [f"h{i}"], [f"a{i}"], name=f"relu{i}"))
    x = f"a{i}"
graph = helper.make_graph(
    nodes, "large_mlp",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", width])],
    [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["N", width])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
with open(args.out, "wb") as f:
    f.write(model.SerializeToString())
