#!/usr/bin/python3
"""Prints an ONNX model for FileCheck after onnx.checker accepted it: a
header line, the readable graph, node names and output shapes."""
import sys

import onnx

m = onnx.load(sys.argv[1])
onnx.checker.check_model(m)
opsets = ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in m.opset_import)
print(f"ir_version {m.ir_version}, opset {opsets}, producer {m.producer_name}")
print(onnx.helper.printable_graph(m.graph))
for n in m.graph.node:
    print(f"node {n.name}: {n.op_type}")
for o in m.graph.output:
    dims = [d.dim_param or str(d.dim_value)
            for d in o.type.tensor_type.shape.dim]
    elem = onnx.TensorProto.DataType.Name(o.type.tensor_type.elem_type)
    print(f"output {o.name}: {elem} [{', '.join(dims)}]")
