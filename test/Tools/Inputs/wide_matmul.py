"""Writes a MatMul with a 4096 x 4096 float weight (64 MiB): wide.onnx."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

w = np.random.default_rng(0).standard_normal((4096, 4096)).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["y"])], "wide",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4096])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4096])],
    [numpy_helper.from_array(w, "w")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.save(model, sys.argv[1])
