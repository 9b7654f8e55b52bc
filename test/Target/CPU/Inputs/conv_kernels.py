"""Checks the convolution kernel against NumPy: ONNX Conv models with
strides, padding (symmetric and not), dilation, a bias or none, sizes that
leave leftover pixels and output channels, and a dynamic batch, followed by
what the kernels apply as their epilogue (Relu, Clip, a residual Add, in
place into another convolution's output or from a graph input), compiled
together (Inputs/bundle.py) and run with fulcrum-run for a given
--target-cpu; every output is compared
with a float64 convolution."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from bundle import Bundle

run_tool, work, cpu = sys.argv[1], sys.argv[2], sys.argv[3]
extra = sys.argv[4:]  # more fulcrum-run options, e.g. --channels-last=false
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(5)
# (N, C, H, W, F, KH, KW, stride, pad, dilation, group[, after])
# pad: one int for all sides, or [top, left, bottom, right]; after: what
# follows the convolution ("relu", "clip", "add-input-relu": + a second
# graph input then Relu, "add-conv-clip": + a 1x1 convolution of x then
# Clip), "nobias" for a Conv without bias.
cases = [(1, 3, 17, 19, 13, 3, 3, 1, 1, 1, 1),
         (2, 8, 12, 12, 40, 1, 1, 2, 0, 1, 1),
         (1, 5, 15, 11, 9, 5, 3, 2, 2, 1, 1),
         (3, 4, 10, 10, 33, 3, 3, 1, 2, 2, 1),
         (1, 64, 8, 8, 64, 3, 3, 1, 1, 1, 1),
         (2, 16, 9, 11, 20, 1, 1, 1, 0, 1, 1),  # 1x1, stride 1: no im2col
         # depthwise (group = C, one output channel each)
         (2, 32, 21, 19, 32, 3, 3, 1, 1, 1, 32),
         (1, 24, 16, 17, 24, 3, 3, 2, 1, 1, 24),
         (1, 8, 13, 13, 8, 5, 5, 3, 2, 2, 8),
         (2, 16, 14, 14, 24, 3, 3, 1, 1, 1, 1, "relu"),
         (1, 6, 9, 10, 7, 3, 3, 2, [0, 1, 2, 1], 1, 1, "clip"),
         (2, 12, 10, 10, 12, 3, 3, 1, 1, 1, 1, "add-input-relu"),
         (1, 300, 6, 6, 20, 1, 1, 1, 0, 1, 1, "add-conv-clip"),  # K > 256
         (2, 20, 8, 8, 20, 3, 3, 1, 1, 1, 1, "add-conv-clip"),
         (1, 16, 15, 15, 16, 3, 3, 2, [1, 1, 0, 0], 1, 16, "clip"),
         (2, 24, 12, 12, 24, 3, 3, 1, 1, 1, 24, "relu"),
         (1, 5, 11, 11, 8, 3, 3, 1, 1, 1, 1, "nobias"),
         # depthwise over 64 + 16 channels, and 64 + 6
         (1, 80, 9, 9, 80, 3, 3, 1, 1, 1, 80, "clip"),
         (2, 70, 7, 8, 70, 3, 3, 2, 1, 1, 70),
         # depthwise strips of pixels with a dilated window
         (1, 16, 13, 20, 16, 3, 3, 1, 2, 2, 16, "relu"),
         # large enough to be split across threads (--threads=2): seven
         # output rows of 13 channel groups, the last one partial, split
         # inside a row; a 1x1 product of 98 pixels by 3 panels
         (1, 200, 7, 7, 200, 3, 3, 1, 1, 1, 200, "clip"),
         (2, 64, 7, 7, 72, 1, 1, 1, 0, 1, 1, "add-input-relu"),
         (1, 48, 9, 13, 40, 3, 3, 1, 1, 1, 1),
         # windows that do not overlap, read in place: a 2x2 stride-2
         # window half in the padding at every edge, and a padded 1x1
         # stride-2 convolution whose border outputs see only padding
         # (bias and Relu alone)
         (2, 6, 9, 9, 10, 2, 2, 2, 1, 1, 1),
         (1, 4, 7, 7, 8, 1, 1, 2, 1, 1, 1, "relu"),
         # Winograd F(2x2, 3x3) (3x3, stride 1, at least 16 channels in
         # and out; cases 4, 9, 13, 22 above are too): odd output sizes whose
         # last tiles are cut, asymmetric and no padding, channels that
         # leave scalar lanes (40 in, 36 out), a residual; a single tile
         # whose panels two threads split; two blocks of tiles
         (3, 32, 7, 9, 48, 3, 3, 1, [0, 2, 1, 0], 1, 1, "add-input-relu"),
         (1, 40, 5, 6, 36, 3, 3, 1, 0, 1, 1, "clip"),
         (1, 96, 2, 2, 160, 3, 3, 1, 1, 1, 1, "add-conv-clip"),
         (1, 32, 40, 37, 32, 3, 3, 1, 1, 1, 1, "nobias"),
         # the narrowest: 16 channels in, 17 out (a scalar lane), batch 2
         (2, 16, 11, 10, 17, 3, 3, 1, 1, 1, 1, "relu")]


def reference(x, w, b, stride, pad, dilation, group):
    if group > 1:
        return np.concatenate(
            [reference(x[:, g:g + 1], w[g:g + 1], b[g:g + 1], stride, pad,
                       dilation, 1) for g in range(group)], axis=1)
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    top, left, bottom, right = pad
    xp = np.pad(x.astype(np.float64),
                ((0, 0), (0, 0), (top, bottom), (left, right)))
    oh = (h + top + bottom - dilation * (kh - 1) - 1) // stride + 1
    ow = (wd + left + right - dilation * (kw - 1) - 1) // stride + 1
    y = np.zeros((n, f, oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i * dilation:i * dilation + stride * (oh - 1) + 1:stride,
                       j * dilation:j * dilation + stride * (ow - 1) + 1:stride]
            y += np.einsum("ncpq,fc->nfpq", patch, w[:, :, i, j].astype(np.float64))
    return y + b.astype(np.float64)[None, :, None, None]


worst, count = 0.0, 0
bundle = Bundle()


def checker(index, case, want):
    def check(out):
        global worst, count
        got = out["y"]
        assert got.shape == want.shape, (index, got.shape, want.shape)
        error = np.abs(got - want).max() / max(1.0, np.abs(want).max())
        if error >= 1e-5:
            print(f"case {index} {case}: relative error {error:.1e}")
        worst = max(worst, error)
        count += 1
    return check


for index, case in enumerate(cases):
    n, c, h, wd, f, kh, kw, stride, pad, dilation, group = case[:11]
    after = case[11] if len(case) > 11 else ""
    pads = pad if isinstance(pad, list) else [pad] * 4
    x = rng.standard_normal((n, c, h, wd)).astype(np.float32)
    w = rng.standard_normal((f, c // group, kh, kw)).astype(np.float32)
    b = rng.standard_normal(f).astype(np.float32)
    if after == "nobias":
        b[:] = 0
    conv_inputs = ["x", "w"] + ([] if after == "nobias" else ["b"])
    # ONNX pads: [top, left, bottom, right].
    nodes = [helper.make_node("Conv", conv_inputs, ["conv"],
                              strides=[stride] * 2, pads=pads,
                              dilations=[dilation] * 2, group=group)]
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")]
    want = reference(x, w, b, stride, pads, dilation, group)
    feeds = {"x": x}
    dims = ["n", f, want.shape[2], want.shape[3]]
    last = "conv"
    if after.startswith("add-"):
        if after == "add-input-relu":
            r = rng.standard_normal(want.shape).astype(np.float32)
            feeds["r"] = r
            residual = r.astype(np.float64)
        else:
            # A 1x1 convolution of x (stride 1, same size) as the residual.
            w1 = rng.standard_normal((f, c, 1, 1)).astype(np.float32)
            b1 = rng.standard_normal(f).astype(np.float32)
            nodes.append(helper.make_node("Conv", ["x", "w1", "b1"], ["r"]))
            inits += [numpy_helper.from_array(w1, "w1"),
                      numpy_helper.from_array(b1, "b1")]
            residual = reference(x, w1, b1, 1, [0] * 4, 1, 1)
        nodes.append(helper.make_node("Add", ["conv", "r"], ["sum"]))
        want = want + residual
        last = "sum"
    if after.endswith("relu"):
        nodes.append(helper.make_node("Relu", [last], ["y"]))
        want = np.maximum(want, 0)
    elif after.endswith("clip"):
        nodes.append(helper.make_node("Clip", [last, "lo", "hi"], ["y"]))
        inits += [numpy_helper.from_array(np.array(0, np.float32), "lo"),
                  numpy_helper.from_array(np.array(6, np.float32), "hi")]
        want = np.clip(want, 0, 6)
    else:
        nodes.append(helper.make_node("Identity", [last], ["y"]))
    inputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT,
                                            ["n"] + list(v.shape[1:]))
              for name, v in feeds.items()]
    graph = helper.make_graph(
        nodes, "conv", inputs,
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, dims)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    bundle.add(f"conv{index}_", model, feeds, checker(index, case, want))
# All cases in one model (Inputs/bundle.py): one compile per target.
bundle.run(run_tool, work, "convs", ["--target-cpu=" + cpu, *extra])
print(f"{count} convolutions, worst relative error {worst:.1e}: "
      + ("ok" if worst < 1e-5 else "WRONG"))
