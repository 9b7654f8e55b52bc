"""Writes a MatMulInteger model with per-row and per-column zero points and
its expected output, computed with NumPy, as ONNX backend test data.

Usage: matmul-integer-model.py DIR (writes DIR/model.onnx and
DIR/test_data_set_0/{input,output}_N.pb). A is 4 x 4 so that a wrong
broadcast of the per-row zero point (along K instead of M) still has valid
shapes and shows as different numbers.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(7)
a = rng.integers(0, 256, (4, 4), dtype=np.uint8)
b = rng.integers(0, 256, (4, 3), dtype=np.uint8)
a_zp = np.array([3, 250, 17, 128], dtype=np.uint8)  # one per row of A
b_zp = np.array([9, 0, 200], dtype=np.uint8)  # one per column of B

# ONNX semantics: (A - a_zp[:, None]) @ (B - b_zp) in int32.
y = (a.astype(np.int32) - a_zp.astype(np.int32)[:, None]) @ (
    b.astype(np.int32) - b_zp.astype(np.int32))
wrong = (a.astype(np.int32) - a_zp.astype(np.int32)) @ (
    b.astype(np.int32) - b_zp.astype(np.int32))
assert not np.array_equal(y, wrong), "the data must tell the broadcasts apart"

names = ["A", "B", "a_zero_point", "b_zero_point"]
values = [a, b, a_zp, b_zp]
graph = helper.make_graph(
    [helper.make_node("MatMulInteger", names, ["Y"], name="mmi")],
    "matmul_integer",
    [helper.make_tensor_value_info(n, TensorProto.UINT8, v.shape)
     for n, v in zip(names, values)],
    [helper.make_tensor_value_info("Y", TensorProto.INT32, y.shape)])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.save(model, os.path.join(out, "model.onnx"))

data = os.path.join(out, "test_data_set_0")
os.makedirs(data, exist_ok=True)
for i, (n, v) in enumerate(zip(names, values)):
    with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
        f.write(numpy_helper.from_array(v, n).SerializeToString())
with open(os.path.join(data, "output_0.pb"), "wb") as f:
    f.write(numpy_helper.from_array(y, "Y").SerializeToString())
