"""Floating-point operations of one inference of an ONNX model: 2 per
multiply-add of its Conv, ConvTranspose, MatMul and Gemm nodes (the work
that dominates every benchmark model; element-wise ops are not counted),
with the shapes ONNX's shape inference gives at a batch size."""
import onnx
from onnx import shape_inference


def _shape(info):
    dims = info.type.tensor_type.shape.dim
    return [d.dim_value if d.HasField("dim_value") else 0 for d in dims]


def count(path, batch):
    model = onnx.load(path)
    inits = {i.name for i in model.graph.initializer}
    for value in model.graph.input:
        if value.name in inits:
            continue
        dims = value.type.tensor_type.shape.dim
        if dims and not dims[0].HasField("dim_value"):
            dims[0].dim_value = batch
    model = shape_inference.infer_shapes(model, data_prop=True)
    shapes = {v.name: _shape(v) for v in list(model.graph.value_info) +
              list(model.graph.input) + list(model.graph.output)}
    for init in model.graph.initializer:
        shapes[init.name] = list(init.dims)
    total = 0
    for node in model.graph.node:
        out = shapes.get(node.output[0], [])
        if not out or 0 in out:
            continue
        size = 1
        for d in out:
            size *= d
        if node.op_type in ("Conv", "ConvTranspose"):
            w = shapes.get(node.input[1], [])
            if len(w) < 3:
                continue
            per_output = 1
            for d in w[1:]:
                per_output *= d  # C/group * KH * KW
            if node.op_type == "ConvTranspose":
                per_output = w[0] * w[2] * w[3] if len(w) == 4 else per_output
            total += 2 * size * per_output
        elif node.op_type in ("MatMul", "Gemm"):
            a = shapes.get(node.input[0], [])
            if not a:
                continue
            trans_a = any(att.name == "transA" and att.i for att in
                          node.attribute)
            k = a[-2] if trans_a and len(a) >= 2 else a[-1]
            total += 2 * size * k
    return total
