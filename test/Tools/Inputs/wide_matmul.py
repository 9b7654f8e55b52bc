"""Writes a MatMul whose 8192 x 8192 float weight (256 MiB) lies in the
external data file wide.bin, sparse: wide.onnx."""
import os
import sys

import onnx
from onnx import TensorProto, helper

out = sys.argv[1]
n = 8192
w = onnx.TensorProto()
w.name = "w"
w.data_type = TensorProto.FLOAT
w.dims.extend([n, n])
w.data_location = TensorProto.EXTERNAL
for key, value in (("location", "wide.bin"), ("offset", "0"),
                   ("length", str(n * n * 4))):
    entry = w.external_data.add()
    entry.key, entry.value = key, value
with open(os.path.join(os.path.dirname(out), "wide.bin"), "wb") as f:
    f.truncate(n * n * 4)  # zeros, without writing them
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["y"])], "wide",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, n])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n])], [w])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.save(model, out)
