#!/usr/bin/env python3
"""Writes models/tiny-cnn.onnx: a small, untrained Fashion-MNIST-shaped CNN.

Conv(1->8, 3x3) + BatchNormalization + Relu, a residual Conv block, MaxPool,
GlobalAveragePool, Flatten and Gemm(8->10) + Softmax, with a symbolic batch
dimension. The weights are seeded random numbers, so the file is
reproducible: `python3 models/make_tiny_cnn.py` rewrites it bit for bit. It is
the bundled model of the README's main command (trained models come with
their own scripts).
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)


def tensor(name, shape, scale=0.1):
    return numpy_helper.from_array(
        (rng.standard_normal(shape) * scale).astype(np.float32), name)


inits = [
    tensor("conv1.w", (8, 1, 3, 3)), tensor("conv1.b", (8,)),
    numpy_helper.from_array(np.ones(8, np.float32), "bn.scale"),
    numpy_helper.from_array(np.zeros(8, np.float32), "bn.bias"),
    numpy_helper.from_array(np.zeros(8, np.float32), "bn.mean"),
    numpy_helper.from_array(np.ones(8, np.float32), "bn.var"),
    tensor("conv2.w", (8, 8, 3, 3)), tensor("conv2.b", (8,)),
    tensor("fc.w", (10, 8)), tensor("fc.b", (10,)),
]
nodes = [
    helper.make_node("Conv", ["image", "conv1.w", "conv1.b"], ["c1"],
                     name="conv1", pads=[1, 1, 1, 1]),
    helper.make_node("BatchNormalization",
                     ["c1", "bn.scale", "bn.bias", "bn.mean", "bn.var"],
                     ["b1"], name="bn1"),
    helper.make_node("Relu", ["b1"], ["r1"], name="relu1"),
    helper.make_node("Conv", ["r1", "conv2.w", "conv2.b"], ["c2"],
                     name="conv2", pads=[1, 1, 1, 1]),
    helper.make_node("Add", ["c2", "r1"], ["res"], name="residual"),
    helper.make_node("Relu", ["res"], ["r2"], name="relu2"),
    helper.make_node("MaxPool", ["r2"], ["p"], name="pool",
                     kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("GlobalAveragePool", ["p"], ["g"], name="gap"),
    helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
    helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["logits"], name="fc",
                     transB=1),
    helper.make_node("Softmax", ["logits"], ["probs"], name="softmax"),
]
graph = helper.make_graph(
    nodes, "tiny_cnn",
    [helper.make_tensor_value_info("image", TensorProto.FLOAT,
                                   ["batch", 1, 28, 28])],
    [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 10])],
    inits)
model = helper.make_model(graph, producer_name="fulcrum-models",
                          opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.checker.check_model(model)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny-cnn.onnx")
with open(out, "wb") as f:
    f.write(model.SerializeToString())
print(f"wrote {out}")
