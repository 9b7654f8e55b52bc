"""Writes a Gemm model whose weight lives in an external data file.

Usage: make_external.py OUT.onnx [--missing]
With --missing the data file is not written (an error case).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

out = sys.argv[1]
missing = "--missing" in sys.argv
d = os.path.dirname(os.path.abspath(out))
w = np.arange(12, dtype=np.float32).reshape(4, 3) * 0.5
if not missing:
    with open(os.path.join(d, "weights.bin"), "wb") as f:
        f.write(b"\0" * 16)  # the tensor starts at offset 16
        f.write(w.tobytes())
init = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4, 3],
                   data_location=TensorProto.EXTERNAL)
for k, v in (("location", "weights.bin"), ("offset", "16"), ("length", str(w.nbytes))):
    e = init.external_data.add()
    e.key, e.value = k, v
graph = helper.make_graph(
    [helper.make_node("Gemm", ["x", "w"], ["y"], name="fc")], "ext",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])], [init])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
with open(out, "wb") as f:
    f.write(model.SerializeToString())
