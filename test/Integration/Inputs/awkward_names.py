"""Writes a model whose tensor names are C/C++ keywords, locals of the
generated run function, and text that would end a C comment or string:
inputs `class` (float[N,3]) and `results` (int64[N,3]); outputs `and` =
class * 2, `in0` = results + results, `a*/b"c` = the sum of `class`."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

weird = 'a*/b"c'
graph = helper.make_graph(
    [helper.make_node("Mul", ["class", "two"], ["and"]),
     helper.make_node("Add", ["results", "results"], ["in0"]),
     helper.make_node("ReduceSum", ["class"], [weird], keepdims=0)],
    "awkward",
    [helper.make_tensor_value_info("class", TensorProto.FLOAT, ["N", 3]),
     helper.make_tensor_value_info("results", TensorProto.INT64, ["N", 3])],
    [helper.make_tensor_value_info("and", TensorProto.FLOAT, ["N", 3]),
     helper.make_tensor_value_info("in0", TensorProto.INT64, ["N", 3]),
     helper.make_tensor_value_info(weird, TensorProto.FLOAT, [])],
    [numpy_helper.from_array(np.full(3, 2.0, np.float32), "two")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.save(model, sys.argv[1])
