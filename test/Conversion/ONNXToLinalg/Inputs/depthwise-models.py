"""Writes depthwise Conv models (1-D, 2-D and 3-D, one filter per channel,
with padding, strides, dilations and a bias) and their expected outputs,
computed with NumPy, as ONNX backend test data: DIR/<name>/model.onnx and
DIR/<name>/test_data_set_0/{input,output}_N.pb.

Usage: depthwise-models.py DIR
"""
import itertools
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def conv(x, w, b, strides, pads, dilations, group):
    """ONNX Conv (NC...) by definition: loops over output positions."""
    n, c = x.shape[:2]
    m = w.shape[0]
    s = x.ndim - 2
    k = w.shape[2:]
    xp = np.pad(x, [(0, 0), (0, 0)] + [(pads[i], pads[i + s]) for i in range(s)])
    out = [(xp.shape[2 + i] - (k[i] - 1) * dilations[i] - 1) // strides[i] + 1
           for i in range(s)]
    y = np.zeros((n, m, *out), dtype=np.float64)
    cg, mg = c // group, m // group
    for o in itertools.product(*[range(d) for d in out]):
        window = tuple(slice(o[i] * strides[i],
                             o[i] * strides[i] + (k[i] - 1) * dilations[i] + 1,
                             dilations[i]) for i in range(s))
        for g in range(group):
            patch = xp[(slice(None), slice(g * cg, (g + 1) * cg)) + window]
            for f in range(mg):
                y[(slice(None), g * mg + f) + o] = np.sum(
                    patch * w[g * mg + f], axis=tuple(range(1, 2 + s)))
    return (y + b.reshape((1, m) + (1,) * s)).astype(np.float32)


def write(out, name, x_shape, k, strides, pads, dilations):
    rng = np.random.default_rng(len(name))
    c = x_shape[1]
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal((c, 1, *k)).astype(np.float32)
    b = rng.standard_normal(c).astype(np.float32)
    y = conv(x.astype(np.float64), w.astype(np.float64), b, strides, pads,
             dilations, c)
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], group=c,
                            strides=strides, pads=pads, dilations=dilations)
    graph = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape),
         helper.make_tensor_value_info("w", TensorProto.FLOAT, w.shape),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, b.shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, y.shape)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    d = os.path.join(out, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    onnx.save(model, os.path.join(d, "model.onnx"))
    for i, (n, v) in enumerate([("x", x), ("w", w), ("b", b)]):
        with open(os.path.join(d, "test_data_set_0", f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(v, n).SerializeToString())
    with open(os.path.join(d, "test_data_set_0", "output_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(y, "y").SerializeToString())


out = sys.argv[1]
write(out, "depthwise_1d", (2, 3, 11), [3], [2], [1, 2], [2])
write(out, "depthwise_2d", (1, 4, 7, 6), [3, 2], [1, 2], [1, 0, 1, 1], [1, 1])
write(out, "depthwise_3d", (1, 2, 5, 6, 4), [2, 3, 2], [1, 2, 1],
      [0, 1, 1, 1, 0, 0], [2, 1, 1])
