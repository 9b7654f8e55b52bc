#!/usr/bin/python3
"""A QDQ model through Fulcrum's 8-bit path against a NumPy evaluation of
the same ONNX graph.

    qdq_model.py FULCRUM_RUN MODEL.onnx IMAGES.npy WORKDIR

Runs MODEL (QDQ form) with `fulcrum-run` (which compiles its quantized
contractions to the 8-bit kernels) and evaluates it with a small NumPy
interpreter that follows the ONNX operator definitions (float64
contractions between DequantizeLinear and QuantizeLinear, round half to
even). The integer path rounds the requantization once, in f32, so a
quantized value may differ by one step where the float evaluation sits
on a rounding boundary; the logits are compared with a tolerance of a few
output quantization steps, and the predicted classes must agree.
"""
import subprocess
import sys
import os

import numpy as np
import onnx
from onnx import numpy_helper, helper

FULCRUM_RUN, MODEL, IMAGES, WORK = sys.argv[1:5]
os.makedirs(WORK, exist_ok=True)
model = onnx.load(MODEL)
g = model.graph
x = np.load(IMAGES)[:64].astype(np.float32)


def attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def conv(x, w, b, a):
    kh, kw = w.shape[2:]
    pads = a.get("pads", [0, 0, 0, 0])
    sh, sw = a.get("strides", [1, 1])
    dh, dw = a.get("dilations", [1, 1])
    assert a.get("group", 1) == 1
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (x.shape[2] - (kh - 1) * dh - 1) // sh + 1
    ow = (x.shape[3] - (kw - 1) * dw - 1) // sw + 1
    y = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]
            y += np.einsum("nchw,fc->nfhw", patch, w[:, :, i, j])
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def maxpool(x, a):
    kh, kw = a["kernel_shape"]
    sh, sw = a.get("strides", [1, 1])
    pads = a.get("pads", [0, 0, 0, 0])
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])),
               constant_values=-np.inf)
    oh = (x.shape[2] - kh) // sh + 1
    ow = (x.shape[3] - kw) // sw + 1
    y = np.full((x.shape[0], x.shape[1], oh, ow), -np.inf)
    for i in range(kh):
        for j in range(kw):
            y = np.maximum(y, x[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw])
    return y


def per_axis(v, axis, rank):
    if v.ndim == 0 or v.size == 1:
        return v.reshape(())
    shape = [1] * rank
    shape[axis] = -1
    return v.reshape(shape)


env = {i.name: numpy_helper.to_array(i) for i in g.initializer}
env[g.input[0].name] = x
for n in g.node:
    a = attrs(n)
    i = [env[name] if name else None for name in n.input]
    t = n.op_type
    if t == "Constant":
        y = numpy_helper.to_array(a["value"])
    elif t == "Identity":
        y = i[0]
    elif t == "DequantizeLinear":
        axis = a.get("axis", 1)
        zp = i[2] if len(i) > 2 and i[2] is not None else np.zeros(1, np.int64)
        y = (i[0].astype(np.float64) - per_axis(zp.astype(np.float64), axis, i[0].ndim)) * \
            per_axis(i[1].astype(np.float64), axis, i[0].ndim)
    elif t == "QuantizeLinear":
        zp = i[2]
        lo, hi = (0, 255) if zp.dtype == np.uint8 else (-128, 127)
        y = np.clip(np.round(i[0] / np.float64(i[1])) + zp.astype(np.float64), lo, hi).astype(zp.dtype)
    elif t == "Conv":
        y = conv(i[0], i[1], i[2] if len(i) > 2 else None, a)
    elif t == "Relu":
        y = np.maximum(i[0], 0)
    elif t == "Clip":
        y = np.clip(i[0], i[1], i[2])
    elif t == "Add":
        y = i[0] + i[1]
    elif t == "MaxPool":
        y = maxpool(i[0], a)
    elif t == "GlobalAveragePool":
        y = i[0].mean(axis=(2, 3), keepdims=True)
    elif t == "Flatten":
        y = i[0].reshape(i[0].shape[0], -1)
    elif t == "Gemm":
        w = i[1].T if a.get("transB", 0) else i[1]
        y = i[0] @ w + (i[2] if len(i) > 2 and i[2] is not None else 0)
    else:
        sys.exit("no NumPy evaluation of %s" % t)
    env[n.output[0]] = y
ref = env[g.output[0].name]

np.save(os.path.join(WORK, "x.npy"), x)
subprocess.run([FULCRUM_RUN, MODEL, os.path.join(WORK, "x.npy"), "--output-dir",
                os.path.join(WORK, "out")], check=True, stdout=subprocess.DEVNULL)
got = np.load(os.path.join(WORK, "out", g.output[0].name + ".npy"))
agree = (got.argmax(1) == ref.argmax(1)).mean()
diff = np.abs(got - ref).max()
scale = np.abs(ref).max()
print("%d images: top-1 agreement %.1f%%, max |difference| %.3f (%.2f%% of the largest logit)" %
      (len(x), 100 * agree, diff, 100 * diff / scale))
print("ok" if agree >= 0.98 and diff <= 0.05 * scale else "MISMATCH")
