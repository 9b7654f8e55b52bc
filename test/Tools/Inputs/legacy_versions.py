"""Models of superseded operator versions, one node each, with NumPy
references of what those versions specify.

  legacy_versions.py make DIR     writes DIR/<case>.onnx, <case>-x.npy,
                                  <case>-ref.npy and DIR/cases.txt
                                  (a line "<case> <opset>" per model)
  legacy_versions.py compare GOT.npy REF.npy NAME

Each model declares the opset of its node's version, so that Fulcrum's
importer, run with --onnx-target-opset at that opset, keeps the node at its
own version and fulcrum-onnx-decompose has to upgrade it.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(11)


def model(name, opset, node, x, out_shape, inits=(), out_type=TensorProto.FLOAT):
    graph = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
        [helper.make_tensor_value_info("y", out_type, out_shape)],
        [numpy_helper.from_array(v, k) for k, v in inits])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 4
    onnx.checker.check_model(m)
    return m


def softmax_rows(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def nearest_asymmetric_floor(x, scales):
    out = x
    for axis, s in enumerate(scales):
        n = x.shape[axis]
        m = int(np.floor(n * s))
        idx = np.minimum(np.floor(np.arange(m) / s).astype(np.int64), n - 1)
        out = np.take(out, idx, axis=axis)
    return out


def linear_asymmetric(x, scales):
    out = x.astype(np.float64)
    for axis, s in enumerate(scales):
        n = x.shape[axis]
        m = int(np.floor(n * s))
        pos = np.arange(m) / s
        lo = np.minimum(np.floor(pos).astype(np.int64), n - 1)
        hi = np.minimum(lo + 1, n - 1)
        w = pos - lo
        shape = [1] * out.ndim
        shape[axis] = m
        w = w.reshape(shape)
        out = np.take(out, lo, axis=axis) * (1 - w) + np.take(out, hi, axis=axis) * w
    return out.astype(np.float32)


def cases():
    f32 = np.float32
    x = RNG.standard_normal((2, 3, 4)).astype(f32)
    b = RNG.standard_normal((3,)).astype(f32)
    yield ("abs-1", 1, helper.make_node("Abs", ["x"], ["y"], consumed_inputs=[0]),
           x, np.abs(x), ())
    yield ("add-1-axis", 1,
           helper.make_node("Add", ["x", "b"], ["y"], broadcast=1, axis=1),
           x, x + b[None, :, None], (("b", b),))
    p = np.abs(x) + 0.5
    e = RNG.standard_normal((4,)).astype(f32)
    yield ("pow-1-suffix", 1,
           helper.make_node("Pow", ["x", "e"], ["y"], broadcast=1),
           p, np.power(p, e), (("e", e),))
    yield ("reshape-1", 1,
           helper.make_node("Reshape", ["x"], ["y"], shape=[0, -1]),
           x, x.reshape(2, 12), ())
    yield ("concat-1", 1, helper.make_node("Concat", ["x", "x"], ["y"]),
           x, np.concatenate([x, x], axis=1), ())
    yield ("slice-1", 1,
           helper.make_node("Slice", ["x"], ["y"], starts=[1, -3], ends=[3, 100], axes=[1, 2]),
           x, x[:, 1:3, -3:], ())
    yield ("pad-2", 2,
           helper.make_node("Pad", ["x"], ["y"], pads=[0, 1, 2, 0, 0, 1], value=1.5),
           x, np.pad(x, [(0, 0), (1, 0), (2, 1)], constant_values=1.5), ())
    yield ("pad-1-reflect", 1,
           helper.make_node("Pad", ["x"], ["y"], paddings=[0, 0, 1, 0, 0, 2], mode="reflect"),
           x, np.pad(x, [(0, 0), (0, 0), (1, 2)], mode="reflect"), ())
    yield ("topk-1", 1,
           helper.make_node("TopK", ["x"], ["y", "i"], k=2),
           x, -np.sort(-x, axis=-1)[..., :2], ())
    yield ("clip-1", 1, helper.make_node("Clip", ["x"], ["y"], min=-0.5),
           x, np.maximum(x, f32(-0.5)), ())
    yield ("softmax-1-inner", 1, helper.make_node("Softmax", ["x"], ["y"]),
           x, softmax_rows(x.reshape(2, 12).astype(np.float64)).reshape(2, 3, 4).astype(f32), ())
    yield ("dropout-1", 1,
           helper.make_node("Dropout", ["x"], ["y"], is_test=1, ratio=0.3), x, x, ())
    yield ("dropout-7", 7, helper.make_node("Dropout", ["x"], ["y"], ratio=0.3), x, x, ())
    img = RNG.standard_normal((1, 2, 3, 4)).astype(f32)
    pooled = np.array([[[img[0, c, i:i + 2, 2 * j:2 * j + 2].max() for j in range(2)]
                        for i in range(2)] for c in range(2)], f32)[None]
    yield ("maxpool-1", 1,
           helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[1, 2]),
           img, pooled, ())
    mean = RNG.standard_normal((2,)).astype(f32)
    var = (np.abs(RNG.standard_normal((2,))) + 0.5).astype(f32)
    gamma = RNG.standard_normal((2,)).astype(f32)
    beta = RNG.standard_normal((2,)).astype(f32)
    bn = ((img - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5)
          * gamma[None, :, None, None] + beta[None, :, None, None])
    yield ("batchnorm-6", 6,
           helper.make_node("BatchNormalization", ["x", "g", "b", "m", "v"], ["y"], is_test=1),
           img, bn.astype(f32), (("g", gamma), ("b", beta), ("m", mean), ("v", var)))
    mean2 = RNG.standard_normal((2, 3, 4)).astype(f32)
    var2 = (np.abs(RNG.standard_normal((2, 3, 4))) + 0.5).astype(f32)
    yield ("batchnorm-7-spatial0", 7,
           helper.make_node("BatchNormalization", ["x", "g", "b", "m", "v"], ["y"], spatial=0),
           img, ((img - mean2) / np.sqrt(var2 + 1e-5) * mean2 + var2).astype(f32),
           (("g", mean2), ("b", var2), ("m", mean2), ("v", var2)))
    yield ("dropout-7-mask", 7, helper.make_node("Dropout", ["x"], ["d", "y"], ratio=0.3),
           x, np.ones_like(x), ())
    tiles = np.array(3, f32)
    axis = np.array(2, f32)
    yield ("tile-1", 1, helper.make_node("Tile", ["x", "t", "a"], ["y"]),
           x, np.tile(x, (1, 1, 3)), (("t", tiles), ("a", axis)))
    yield ("upsample-7", 7,
           helper.make_node("Upsample", ["x"], ["y"], scales=[1.0, 1.0, 2.0, 1.5]),
           img, nearest_asymmetric_floor(img, [1, 1, 2, 1.5]), ())
    scales = np.array([1, 1, 2, 2.5], f32)
    yield ("upsample-9-linear", 9,
           helper.make_node("Upsample", ["x", "s"], ["y"], mode="linear"),
           img, linear_asymmetric(img, [1, 1, 2, 2.5]), (("s", scales),))
    down = np.array([1, 1, 0.6, 0.5], f32)
    yield ("resize-10-nearest", 10,
           helper.make_node("Resize", ["x", "s"], ["y"], mode="nearest"),
           img, nearest_asymmetric_floor(img, [1, 1, 0.6, 0.5]), (("s", down),))
    yield ("cast-1", 1, helper.make_node("Cast", ["x"], ["y"], to="INT32"),
           x * 10, (x * 10).astype(np.int32), ())


def make(out):
    os.makedirs(out, exist_ok=True)
    lines = []
    for name, opset, node, x, ref, inits in cases():
        out_type = onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[ref.dtype]
        m = model(name, opset, node, x, ref.shape, inits, out_type)
        onnx.save(m, os.path.join(out, name + ".onnx"))
        np.save(os.path.join(out, name + "-x.npy"), x)
        np.save(os.path.join(out, name + "-ref.npy"), ref)
        lines.append("%s %d\n" % (name, opset))
    with open(os.path.join(out, "cases.txt"), "w") as f:
        f.writelines(lines)


def compare(got_path, ref_path, name):
    got, ref = np.load(got_path), np.load(ref_path)
    if got.shape != ref.shape or got.dtype != ref.dtype:
        print("%s: MISMATCH shape/type %s %s vs %s %s" % (name, got.shape, got.dtype,
                                                          ref.shape, ref.dtype))
        return 1
    if not np.allclose(got, ref, rtol=1e-5, atol=1e-6):
        print("%s: MISMATCH max error %g" % (name, np.abs(got - ref).max()))
        return 1
    print("%s: matches the reference" % name)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        sys.exit(compare(sys.argv[2], sys.argv[3], sys.argv[4]))
