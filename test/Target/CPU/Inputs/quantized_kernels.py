#!/usr/bin/python3
"""The 8-bit kernels against a NumPy integer reference, bit for bit.

    quantized_kernels.py FULCRUM_RUN WORKDIR TARGET_CPU [FLAGS...]

Writes small QDQ models (DequantizeLinear of a uint8/int8 input and of
int8 weights per output channel, an int32 bias, Conv/Gemm/MatMul, an
optional Relu, QuantizeLinear or a float output), runs each through
`fulcrum-run --target-cpu TARGET_CPU` (which picks the kernel variant; all
of them as one model, Inputs/bundle.py) and
(FLAGS go to fulcrum-run too: --channels-last=false keeps convolutions on
the NCHW kernel instead of the channels-last one) and compares with the
integer arithmetic fulcrum.qconv/fulcrum.qgemm define:

    acc = sum (x - x_zp) * w + bias             (int64, exact)
    y   = clip(roundeven(f32(acc) * m) + y_zp, lo, hi),  m = f32(sx * sw / sy)
    y   = f32(acc) * f32(sx * sw)               (float output)

Cases cover K not a multiple of 4, strides, dilation, padding with the
zero point, batches, int8 activations and outputs, leftover rows and
columns of the register tiles, and weights whose pairs saturate AVX2's
vpmaddubsw next to 7-bit weights that cannot.
"""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

from bundle import Bundle

FULCRUM_RUN, WORK, CPU = sys.argv[1], sys.argv[2], sys.argv[3]
FLAGS = sys.argv[4:]
os.makedirs(WORK, exist_ok=True)
rng = np.random.default_rng(7)


def mult(sx, sw, sy):
    return np.float32(np.float64(np.float32(sx)) * sw.astype(np.float64) /
                      np.float64(np.float32(sy)))


def requantize(acc, m, zp, lo, hi):
    t = acc.astype(np.float32) * m
    return np.clip(np.round(t) + zp, lo, hi)


def conv_acc(x, w, pads, strides, dil, xzp):
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.full((n, c, h + pads[0] + pads[2], wd + pads[1] + pads[3]), xzp, np.int64)
    xp[:, :, pads[0]:pads[0] + h, pads[1]:pads[1] + wd] = x
    oh = (xp.shape[2] - (kh - 1) * dil[0] - 1) // strides[0] + 1
    ow = (xp.shape[3] - (kw - 1) * dil[1] - 1) // strides[1] + 1
    acc = np.zeros((n, f, oh, ow), np.int64)
    w64 = w.astype(np.int64)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i * dil[0]:i * dil[0] + strides[0] * (oh - 1) + 1:strides[0],
                       j * dil[1]:j * dil[1] + strides[1] * (ow - 1) + 1:strides[1]] - xzp
            acc += np.einsum("nchw,fc->nfhw", patch, w64[:, :, i, j])
    return acc


def model(kind, xq, w, bias, sx, xzp, sw, out, relu, attrs, yshape, pool=None,
          clip=None):
    """out: (sy, yzp, dtype) or None (float result); pool: MaxPool
    attributes (a pooling between the activation and the QuantizeLinear)."""
    xt = TensorProto.UINT8 if xq.dtype == np.uint8 else TensorProto.INT8
    inits = [numpy_helper.from_array(np.array(sx, np.float32), "sx"),
             numpy_helper.from_array(np.array(xzp, xq.dtype), "zx"),
             numpy_helper.from_array(w, "w"),
             numpy_helper.from_array(sw, "sw"),
             numpy_helper.from_array(bias, "b"),
             numpy_helper.from_array((np.float32(sx) * sw).astype(np.float32), "sb")]
    axis = 0 if kind != "matmul" else 1
    nodes = [helper.make_node("DequantizeLinear", ["x", "sx", "zx"], ["xf"]),
             helper.make_node("DequantizeLinear", ["w", "sw"], ["wf"], axis=axis),
             helper.make_node("DequantizeLinear", ["b", "sb"], ["bf"], axis=0)]
    if kind == "conv":
        nodes.append(helper.make_node("Conv", ["xf", "wf", "bf"], ["y0"], **attrs))
    elif kind == "gemm":
        nodes.append(helper.make_node("Gemm", ["xf", "wf", "bf"], ["y0"], transB=1))
    else:
        nodes.append(helper.make_node("MatMul", ["xf", "wf"], ["y0"]))
    last = "y0"
    if relu:
        nodes.append(helper.make_node("Relu", [last], ["y1"]))
        last = "y1"
    if pool:
        nodes.append(helper.make_node("MaxPool", [last], ["y2"], **pool))
        last = "y2"
    if clip:
        inits += [numpy_helper.from_array(np.array(clip[0], np.float32), "cmin"),
                  numpy_helper.from_array(np.array(clip[1], np.float32), "cmax")]
        nodes.append(helper.make_node("Clip", [last, "cmin", "cmax"], ["y3"]))
        last = "y3"
    if out:
        sy, yzp, dt = out
        inits += [numpy_helper.from_array(np.array(sy, np.float32), "sy"),
                  numpy_helper.from_array(np.array(yzp, dt), "zy")]
        nodes.append(helper.make_node("QuantizeLinear", [last, "sy", "zy"], ["y"]))
        yt = TensorProto.UINT8 if dt == np.uint8 else TensorProto.INT8
    else:
        nodes.append(helper.make_node("Identity", [last], ["y"]))
        yt = TensorProto.FLOAT
    g = helper.make_graph(nodes, kind, [helper.make_tensor_value_info("x", xt, list(xq.shape))],
                          [helper.make_tensor_value_info("y", yt, list(yshape))], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def run(name, m, xq, ref):
    """Adds the model `name` (input x = xq) to the bundle; its output y
    must equal `ref` exactly."""
    global cases

    def check(out):
        global bad
        got = out["y"]
        if got.shape != ref.shape or not np.array_equal(got.astype(np.float64),
                                                        ref.astype(np.float64)):
            bad += 1
            print("%s: mismatch, max difference %s" % (
                name, np.abs(got.astype(np.float64) - ref).max()
                if got.shape == ref.shape else got.shape))
    bundle.add(name + "_", m, {"x": xq}, check)
    cases += 1


def weights(shape, small):
    lim = 64 if small else 128
    w = rng.integers(-lim, lim, shape).astype(np.int8)
    if not small:
        w.reshape(shape[0], -1)[:, :2] = 127  # a saturating pair per row
    return w


def conv_reference(acc, outk, relu, sx, sw):
    """The output spec for model() and the expected result of a
    convolution's accumulators: f32 (scaled), or u8/s8 requantized with a
    random zero point (clamped from it with relu)."""
    if outk == "f32":
        scale = (np.float64(np.float32(sx)) * sw.astype(np.float64)).astype(np.float32)
        return None, acc.astype(np.float32) * scale.reshape(1, -1, 1, 1)
    dt = np.uint8 if outk == "u8" else np.int8
    sy = 0.05
    yzp = int(rng.integers(0, 256)) if dt == np.uint8 else int(rng.integers(-20, 20))
    lo, hi = (0, 255) if dt == np.uint8 else (-128, 127)
    if relu:
        lo = max(lo, yzp)
    return (sy, yzp, dt), requantize(acc, mult(sx, sw, sy).reshape(1, -1, 1, 1), yzp, lo, hi)


def check_conv(name, x, w, bias, sx, xzp, sw, out, relu, attrs, ref):
    """Adds one quantized convolution model to the bundle."""
    run(name, model("conv", x, w, bias, sx, xzp, sw, out, relu and out is not None, attrs, ref.shape),
        x, ref)


cases = 0
bad = 0
bundle = Bundle()
# (N, C, H, W, F, KH, KW, pads, strides, dilations, signed input, output, relu, 7-bit)
convs = [
    (1, 3, 9, 9, 5, 3, 3, (1, 1, 1, 1), (1, 1), (1, 1), False, "u8", True, False),
    (2, 8, 10, 7, 33, 3, 3, (0, 0, 0, 0), (2, 2), (1, 1), True, "s8", False, False),
    (1, 16, 8, 8, 17, 1, 1, (0, 0, 0, 0), (1, 1), (1, 1), False, "f32", False, True),
    (1, 5, 12, 12, 9, 3, 2, (1, 0, 2, 1), (1, 2), (2, 1), True, "u8", True, True),
    (3, 64, 14, 14, 40, 3, 3, (1, 1, 1, 1), (1, 1), (1, 1), False, "u8", True, False),
    (1, 3, 40, 40, 8, 3, 3, (1, 1, 1, 1), (1, 1), (1, 1), False, "u8", False, False),
    (1, 4, 36, 70, 20, 3, 3, (0, 0, 0, 0), (1, 1), (1, 1), False, "u8", True, True),
    (1, 3, 30, 30, 16, 7, 7, (3, 3, 3, 3), (2, 2), (1, 1), False, "u8", True, False),
    # Channels-last: two weight panels (64 + 16 channels, 72 used), 1x1
    # read in place with s8 input, and a strided 1x1 whose windows are
    # read in place as runs of C bytes.
    (2, 32, 6, 7, 72, 1, 1, (0, 0, 0, 0), (1, 1), (1, 1), True, "u8", False, False),
    (1, 24, 11, 11, 130, 1, 1, (0, 0, 0, 0), (2, 2), (1, 1), False, "s8", True, True),
    # AVX2's 1x1 layers with 7-bit weights and byte outputs over the whole
    # byte range (no clamp but the packs' saturation): two panels of full
    # tiles, tiles of 1 and 2 pixels at the end; u8 and s8 on both sides.
    (1, 16, 5, 7, 96, 1, 1, (0, 0, 0, 0), (1, 1), (1, 1), False, "u8", False, True),
    (2, 28, 4, 4, 64, 1, 1, (0, 0, 0, 0), (1, 1), (1, 1), True, "s8", False, True),
    # The same epilogue on AVX-512 packs four vectors at once: 64, 32
    # (the two above) or 16 channels a pixel; 16 channels of 35 pixels
    # leave 3 rows of the last 11-pixel tile to the vector-a-row loop.
    (1, 12, 5, 7, 16, 1, 1, (0, 0, 0, 0), (1, 1), (1, 1), False, "u8", False, True),
    # Windows over whole words (C % 4 == 0) read from a padded copy of the
    # images: s8 input (its pad byte flipped like the rest), asymmetric
    # padding, stride and dilation, tiles that span output rows (OW = 5).
    (2, 12, 9, 11, 24, 3, 3, (2, 1, 0, 3), (1, 2), (2, 1), True, "u8", True, False),
    # Images whose padded copies do not fit the workspace pack im2col rows.
    (2, 64, 180, 180, 5, 3, 3, (1, 1, 1, 1), (1, 1), (1, 1), False, "f32", False, False),
    # AVX2's exact path reads a u16 copy of the images: unpadded windows
    # read in place, then a 1x1 and a 3x3 whose u16 copies no longer fit
    # the workspace (their bytes do) and pack im2col rows instead.
    (1, 8, 20, 30, 24, 3, 3, (0, 0, 0, 0), (1, 1), (1, 1), True, "u8", False, False),
    (1, 64, 200, 200, 8, 1, 1, (0, 0, 0, 0), (1, 1), (1, 1), False, "u8", True, False),
    (1, 32, 260, 260, 8, 3, 3, (0, 0, 0, 0), (1, 1), (1, 1), True, "f32", False, False),
    # Packed im2col rows of 11,709 bytes: too long for six widened ones.
    (1, 1301, 4, 5, 8, 3, 3, (1, 1, 1, 1), (1, 1), (1, 1), False, "u8", True, False),
    # AVX2 runs 3x3 convolutions at unit stride as integer Winograd
    # F(2x2, 3x3) (the ones above too): asymmetric padding, an odd number
    # of output rows (the last tiles half outside), channels neither a
    # multiple of 16 nor even, a last panel of 3 channels, s8 in and out.
    (2, 21, 11, 8, 19, 3, 3, (2, 1, 0, 1), (1, 1), (1, 1), True, "s8", True, False),
]
for i, (n, c, h, wd, f, kh, kw, pads, strides, dil, signed, outk, relu, small) in enumerate(convs):
    if signed:
        x = rng.integers(-128, 128, (n, c, h, wd)).astype(np.int8)
        xzp = int(rng.integers(-10, 10))
    else:
        x = rng.integers(0, 256, (n, c, h, wd)).astype(np.uint8)
        xzp = int(rng.integers(0, 256))
    w = weights((f, c, kh, kw), small)
    sx = 0.02
    sw = (rng.random(f) * 0.01 + 0.001).astype(np.float32)
    bias = rng.integers(-3000, 3000, f).astype(np.int32)
    acc = conv_acc(x.astype(np.int64), w, pads, strides, dil, xzp) + bias.reshape(1, -1, 1, 1)
    attrs = dict(pads=list(pads), strides=list(strides), dilations=list(dil),
                 kernel_shape=[kh, kw])
    out, ref = conv_reference(acc, outk, relu, sx, sw)
    check_conv("conv%d" % i, x, w, bias, sx, xzp, sw, out, relu, attrs, ref)

# Depthwise convolutions (group = C; Kernels/qconv.c's depthwise kernel on
# the channels-last paths): register strips, channel tails, both paddings,
# strides, dilations, batches, s8 and u8 input, each output kind.
# (N, C, H, W, KH, KW, pads, strides, dilations, signed input, output, relu)
depthwise = [
    (1, 32, 12, 11, 3, 3, (1, 1, 1, 1), (1, 1), (1, 1), False, "u8", True),
    (2, 20, 9, 9, 3, 3, (1, 1, 1, 1), (2, 2), (1, 1), True, "s8", False),
    (1, 48, 7, 7, 5, 5, (2, 2, 2, 2), (1, 1), (1, 1), False, "f32", False),
    (1, 16, 10, 13, 3, 3, (0, 1, 2, 0), (1, 2), (2, 1), False, "u8", False),
    (1, 24, 9, 17, 3, 3, (1, 1, 1, 1), (1, 1), (1, 1), True, "f32", True),
    # AVX-512 VNNI's integer form (unit stride, C a multiple of 16, byte
    # output): blocks of 64, 32 and 16 channels, strips of 6 or 12 pixels
    # and their leftovers, the packed epilogue (the whole byte range) and
    # the clamped one; two groups of 4 taps with dilation; flipped s8
    # activations; padding above the image taller than the window, whose
    # rows no earlier row of the ring holds.
    (1, 112, 9, 15, 3, 3, (1, 1, 1, 1), (1, 1), (1, 1), False, "u8", False),
    (2, 80, 8, 11, 3, 5, (1, 2, 1, 2), (1, 1), (1, 2), True, "s8", False),
    (1, 64, 6, 7, 1, 3, (2, 1, 0, 1), (1, 1), (1, 1), False, "u8", True),
]
for i, (n, c, h, wd, kh, kw, pads, strides, dil, signed, outk, relu) in enumerate(depthwise):
    if signed:
        x = rng.integers(-128, 128, (n, c, h, wd)).astype(np.int8)
        xzp = int(rng.integers(-10, 10))
    else:
        x = rng.integers(0, 256, (n, c, h, wd)).astype(np.uint8)
        xzp = int(rng.integers(0, 256))
    w = weights((c, 1, kh, kw), False)
    sx = 0.02
    sw = (rng.random(c) * 0.01 + 0.001).astype(np.float32)
    bias = rng.integers(-3000, 3000, c).astype(np.int32)
    acc = np.concatenate([conv_acc(x[:, k:k + 1].astype(np.int64), w[k:k + 1], pads, strides, dil, xzp)
                          for k in range(c)], axis=1) + bias.reshape(1, -1, 1, 1)
    attrs = dict(pads=list(pads), strides=list(strides), dilations=list(dil),
                 kernel_shape=[kh, kw], group=c)
    out, ref = conv_reference(acc, outk, relu, sx, sw)
    check_conv("dwconv%d" % i, x, w, bias, sx, xzp, sw, out, relu, attrs, ref)

# ResNet's stem: Conv -> Relu -> MaxPool -> QuantizeLinear. The
# QuantizeLinear moves above the pooling (fulcrum-recognize-quantized), so
# the result is the integer requantization pooled: max over each window of
# the u8 values (3x3, stride 2, padding 1 that never wins).
x = rng.integers(0, 256, (1, 3, 20, 18)).astype(np.uint8)
xzp = 120
w = weights((24, 3, 7, 7), True)
sx, sy, yzp = 0.02, 0.05, 9
sw = (rng.random(24) * 0.01 + 0.001).astype(np.float32)
bias = rng.integers(-3000, 3000, 24).astype(np.int32)
acc = conv_acc(x.astype(np.int64), w, (3, 3, 3, 3), (2, 2), (1, 1), xzp) + bias.reshape(1, -1, 1, 1)
q = requantize(acc, mult(sx, sw, sy).reshape(1, -1, 1, 1), yzp, yzp, 255)
qp = np.pad(q.astype(np.int64), ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-1)
ph, pw = (q.shape[2] - 1) // 2 + 1, (q.shape[3] - 1) // 2 + 1
ref = np.full((1, 24, ph, pw), -1, np.int64)
for i in range(3):
    for j in range(3):
        ref = np.maximum(ref, qp[:, :, i:i + 2 * (ph - 1) + 1:2, j:j + 2 * (pw - 1) + 1:2])
ref = ref.astype(np.uint8)
run("stem", model("conv", x, w, bias, sx, xzp, sw, (sy, yzp, np.uint8), True,
                  dict(pads=[3, 3, 3, 3], strides=[2, 2], kernel_shape=[7, 7]), ref.shape,
                  pool=dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2])), x, ref)

# MobileNetV2's expansion: a float result clipped (ReLU6) before a float
# depthwise convolution; the channels-last kernel applies the clamp.
x = rng.integers(0, 256, (1, 24, 9, 10)).astype(np.uint8)
w = weights((80, 24, 1, 1), True)
sx, xzp = 0.05, 100
sw = (rng.random(80) * 0.01 + 0.001).astype(np.float32)
bias = rng.integers(-3000, 3000, 80).astype(np.int32)
acc = conv_acc(x.astype(np.int64), w, (0, 0, 0, 0), (1, 1), (1, 1), xzp) + bias.reshape(1, -1, 1, 1)
scale = (np.float64(np.float32(sx)) * sw.astype(np.float64)).astype(np.float32).reshape(1, -1, 1, 1)
ref = np.clip(acc.astype(np.float32) * scale, np.float32(0.0), np.float32(6.0))
run("clip", model("conv", x, w, bias, sx, xzp, sw, None, False,
                  dict(pads=[0, 0, 0, 0], strides=[1, 1], kernel_shape=[1, 1]), ref.shape,
                  clip=(0.0, 6.0)), x, ref)

# (kind, rows shape, K, N, signed, output, 7-bit)
products = [
    ("gemm", (1,), 512, 10, False, "f32", False),
    ("gemm", (7,), 37, 33, True, "s8", False),
    ("gemm", (40,), 130, 17, False, "u8", True),
    ("matmul", (2, 5), 64, 24, False, "u8", False),
]
for i, (kind, rows, k, nout, signed, outk, small) in enumerate(products):
    if signed:
        a = rng.integers(-128, 128, rows + (k,)).astype(np.int8)
        xzp = 3
    else:
        a = rng.integers(0, 256, rows + (k,)).astype(np.uint8)
        xzp = 100
    wt = weights((nout, k), small)  # [N, K]
    sx = 0.03
    sw = (rng.random(nout) * 0.01 + 0.001).astype(np.float32)
    bias = rng.integers(-3000, 3000, nout).astype(np.int32)
    acc = (a.astype(np.int64) - xzp) @ wt.astype(np.int64).T
    w = wt if kind == "gemm" else np.ascontiguousarray(wt.T)
    if kind == "gemm":
        acc = acc + bias
    if outk == "f32":
        out = None
        ref = acc.astype(np.float32) * (np.float64(np.float32(sx)) * sw.astype(np.float64)).astype(np.float32)
    else:
        dt = np.uint8 if outk == "u8" else np.int8
        sy = 0.5
        yzp = 7
        lo, hi = (0, 255) if dt == np.uint8 else (-128, 127)
        out = (sy, yzp, dt)
        ref = requantize(acc, mult(sx, sw, sy), yzp, lo, hi)
    run("%s%d" % (kind, i), model(kind, a, w, bias, sx, xzp, sw, out, False, {}, ref.shape), a, ref)

# Every case in one model (Inputs/bundle.py): one compile per variant.
bundle.run(FULCRUM_RUN, WORK, "quantized", ["--target-cpu", CPU] + FLAGS)
print("%d quantized contractions on %s: %s" % (cases, CPU, "ok" if bad == 0 else "%d FAILED" % bad))
