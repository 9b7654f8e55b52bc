"""Writes models that exceed the importer's resource limits into DIR.

Usage: make_limits.py DIR
Each model is small on disk but states something absurd: a tensor whose
element count overflows 64 bits, huge dimensions, a rank of 40, external
data outside its file, subgraphs nested 40 deep (binary and text), a
cyclic graph and an out-of-range sparse index.
"""
import os
import sys

import onnx
from onnx import TensorProto as T, helper as h

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def save(name, graph):
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, name))


s = h.make_tensor_value_info("s", T.INT64, [2])


def shape_of(name, tensor):
    save(name, h.make_graph([h.make_node("Shape", ["w"], ["s"])], "g", [], [s],
                            [tensor]))


# 2^62 x 4 floats: the byte count overflows to 0, which empty data matches.
t = T(name="w", data_type=T.FLOAT, dims=[2**62, 4], raw_data=b"")
shape_of("overflow.onnx", t)
t = T(name="w", data_type=T.FLOAT, dims=[2**31, 2**31], raw_data=b"\0" * 4)
shape_of("huge-initializer.onnx", t)
for name, shape in (("huge-input.onnx", [2**40, 2**40]),
                    ("rank.onnx", [1] * 40)):
    save(name, h.make_graph(
        [h.make_node("Relu", ["x"], ["y"])], "g",
        [h.make_tensor_value_info("x", T.FLOAT, shape)],
        [h.make_tensor_value_info("y", T.FLOAT, shape)]))
# Shape inference makes the huge shape: ConstantOfShape of a constant.
save("inferred.onnx", h.make_graph(
    [h.make_node("ConstantOfShape", ["shape"], ["y"])], "g", [],
    [h.make_tensor_value_info("y", T.FLOAT, ["a", "b"])],
    [h.make_tensor("shape", T.INT64, [2], [2**31, 2**31])]))

# External data outside the file.
with open(os.path.join(out, "w.bin"), "wb") as f:
    f.write(b"\0" * 8)
x = h.make_tensor_value_info("x", T.FLOAT, [2])
y = h.make_tensor_value_info("y", T.FLOAT, [2])
for name, offset in (("ext-huge.onnx", str(2**62)), ("ext-past.onnx", "4"),
                     ("ext-negative.onnx", "-5")):
    t = T(name="w", data_type=T.FLOAT, dims=[2], data_location=T.EXTERNAL)
    for k, v in (("location", "w.bin"), ("offset", offset), ("length", "8")):
        e = t.external_data.add()
        e.key, e.value = k, v
    save(name, h.make_graph([h.make_node("Add", ["x", "w"], ["y"])], "g",
                            [x], [y], [t]))


# Subgraphs nested 40 deep.
def nest(depth):
    o = h.make_tensor_value_info("o%d" % depth, T.FLOAT, [2])
    if depth == 0:
        return h.make_graph([h.make_node("Identity", ["x"], ["o0"])], "b0",
                            [], [o])
    leaf = h.make_graph([h.make_node("Identity", ["x"], ["o%d" % depth])],
                        "leaf", [], [o])
    return h.make_graph(
        [h.make_node("If", ["c"], ["o%d" % depth], then_branch=nest(depth - 1),
                     else_branch=leaf)], "b%d" % depth, [], [o])


g = nest(40)
g.input.extend([h.make_tensor_value_info("c", T.BOOL, []), x])
save("deep.onnx", g)
with open(os.path.join(out, "deep.onnxtxt"), "w") as f:
    f.write('<ir_version: 8, opset_import: ["" : 17]>\n'
            'g (bool c, float[2] x) => (float[2] y) {\n')
    body = "y = Identity(x)"
    for _ in range(40):
        body = ("y = If(c) <then_branch = t () => (float[2] y) { %s }, "
                "else_branch = e () => (float[2] y) { y = Identity(x) }>"
                % body)
    f.write(body + "\n}\n")

# A cycle: a = Add(x, b), b = Relu(a).
save("cycle.onnx", h.make_graph(
    [h.make_node("Add", ["x", "b"], ["a"]), h.make_node("Relu", ["a"], ["b"])],
    "g", [x], [h.make_tensor_value_info("a", T.FLOAT, [2])]))

# A sparse initializer whose linearized index lies outside its shape.
sparse = h.make_sparse_tensor(
    h.make_tensor("w", T.FLOAT, [1], [1.0]),
    h.make_tensor("w_indices", T.INT64, [1], [7]), [2])
g = h.make_graph([h.make_node("Add", ["x", "w"], ["y"])], "g", [x], [y])
g.sparse_initializer.extend([sparse])
save("sparse.onnx", g)

# A graph output no node produces (libonnx's version converter crashed).
save("undefined-output.onnx", h.make_graph(
    [h.make_node("Relu", ["x"], ["r"])], "g", [x],
    [h.make_tensor_value_info("z", T.FLOAT, [2])]))

# Models on which libonnx's shape inference dereferences out of bounds
# (found by the corrupted-model sweeps): Conv with input and weight ranks
# that differ, LayerNormalization with an axis beyond 32 bits.
save("conv-ranks.onnx", h.make_graph(
    [h.make_node("Conv", ["b", "w"], ["y"])], "g",
    [h.make_tensor_value_info("w", T.FLOAT, [1, 50, 6])],
    [h.make_tensor_value_info("y", T.FLOAT, ["a", "b", "c"])],
    [h.make_tensor("b", T.FLOAT, [2, 6], [0.0] * 12)]))
save("layernorm-axis.onnx", h.make_graph(
    [h.make_node("LayerNormalization", ["x4", "s", "s"], ["y4", "m", "v"],
                 axis=2**31)],
    "g", [h.make_tensor_value_info("x4", T.FLOAT, [2, 3, 4, 5]),
          h.make_tensor_value_info("s", T.FLOAT, [5])],
    [h.make_tensor_value_info(n, T.FLOAT, ["d0", "d1", "d2", "d3"])
     for n in ("y4", "m", "v")]))
# Expand to a shape input of 2^40 elements (found by
# fulcrum-fuzz-import-structure): libonnx's inference adds a dimension per
# element until memory runs out, for minutes.
save("expand-huge-shape.onnx", h.make_graph(
    [h.make_node("Expand", ["xe", "shape"], ["ye"])], "g",
    [h.make_tensor_value_info("xe", T.FLOAT, [1, 3]),
     h.make_tensor_value_info("shape", T.INT64, [2**40])],
    [h.make_tensor_value_info("ye", T.FLOAT, [1, 3, 3])]))
