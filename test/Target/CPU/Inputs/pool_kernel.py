"""Checks the channels-last max pooling kernel against NumPy: ONNX MaxPool
models with channel counts below, at and past a vector of 16, strides,
dilations, symmetric and asymmetric padding, SAME_UPPER and ceil_mode
windows that run past the image, a dynamic batch, and inputs holding NaN,
infinities and zeros of both signs, compiled (as one model, Inputs/bundle.py) and run with fulcrum-run for a
given --target-cpu at 1 and 2 threads. Every output must equal the
reference bit for bit (NaN where it has NaN, +0 where a window holds a +0
and its maximum is zero). 8-bit MaxPools (uint8 and int8) must equal the
integer maximum."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

from bundle import Bundle

run_tool, work, cpu = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(5)

# (N, C, H, W, attributes, dynamic batch)
cases = [
    (2, 5, 9, 9, dict(kernel_shape=[3, 3], strides=[2, 2],
                      pads=[1, 1, 1, 1]), True),
    (3, 64, 12, 12, dict(kernel_shape=[3, 3], strides=[2, 2],
                         pads=[1, 1, 1, 1]), True),
    (1, 35, 7, 10, dict(kernel_shape=[2, 2], strides=[2, 2]), False),
    (2, 16, 8, 9, dict(kernel_shape=[3, 3], pads=[0, 1, 2, 1]), False),
    (1, 20, 11, 11, dict(kernel_shape=[3, 3], dilations=[2, 2],
                         pads=[2, 2, 2, 2]), False),
    (2, 33, 10, 7, dict(kernel_shape=[3, 2], strides=[2, 3],
                        auto_pad="SAME_UPPER"), True),
    (1, 17, 10, 10, dict(kernel_shape=[3, 3], strides=[2, 2],
                         ceil_mode=1), False),
    (2, 48, 6, 6, dict(kernel_shape=[2, 2], strides=[1, 1],
                       pads=[1, 1, 1, 1]), False),
]


def output_size(size, k, s, d, lo, hi, ceil):
    span = size + lo + hi - ((k - 1) * d + 1)
    return (-(-span // s) if ceil else span // s) + 1


def reference(x, attrs):
    kh, kw = attrs["kernel_shape"]
    sh, sw = attrs.get("strides", [1, 1])
    dh, dw = attrs.get("dilations", [1, 1])
    ceil = attrs.get("ceil_mode", 0)
    h, w = x.shape[2:]
    if attrs.get("auto_pad") == "SAME_UPPER":
        oh, ow = -(-h // sh), -(-w // sw)
        th = max((oh - 1) * sh + (kh - 1) * dh + 1 - h, 0)
        tw = max((ow - 1) * sw + (kw - 1) * dw + 1 - w, 0)
        pads = [th // 2, tw // 2, th - th // 2, tw - tw // 2]
    else:
        pads = attrs.get("pads", [0, 0, 0, 0])
        oh = output_size(h, kh, sh, dh, pads[0], pads[2], ceil)
        ow = output_size(w, kw, sw, dw, pads[1], pads[3], ceil)
    # Pad generously with -inf (ceil_mode windows may run past the pads).
    extra = max(kh * dh, kw * dw) * max(sh, sw)
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], extra), (pads[1], extra)),
                constant_values=-np.inf)
    best = np.full(x.shape[:2] + (oh, ow), -np.inf, np.float32)
    positive_zero = np.zeros(best.shape, bool)
    for i in range(kh):
        for j in range(kw):
            tap = xp[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                     j * dw:j * dw + sw * (ow - 1) + 1:sw]
            best = np.maximum(best, tap)  # NaN propagates
            positive_zero |= (tap == 0) & ~np.signbit(tap)
    zero = best == 0
    best[zero & positive_zero] = 0.0
    best[zero & ~positive_zero] = -0.0
    return best


failures, count = 0, 0


bundle = Bundle()


def check(name, model, x, want, same):
    """Adds `model` on x to the bundle; `same(got)` says whether an output
    matches `want`."""
    def compare(out):
        global failures, count
        got = out["y"]
        count += 1
        if got.shape != want.shape:
            print(f"case {name}: shape {got.shape}, want {want.shape}")
            failures += 1
        elif not same(got):
            print(f"case {name} threads {threads}: differs")
            failures += 1
    bundle.add(name + "_", model, {"x": x}, compare)


def same_floats(want):
    def same(got):
        nan = np.isnan(want)
        ok = np.array_equal(np.isnan(got), nan) and np.array_equal(
            got[~nan].view(np.uint32), want[~nan].view(np.uint32))
        if not ok:
            bad = np.argwhere((got.view(np.uint32) != want.view(np.uint32))
                              & ~(np.isnan(got) & nan))
            print(f"  {len(bad)} elements differ, first at {bad[0].tolist()}")
        return ok
    return same


for index, (n, c, h, w, attrs, dynamic) in enumerate(cases):
    x = rng.standard_normal((n, c, h, w)).astype(np.float32)
    if index == 1:  # special values
        x[0, 3, 0, 0] = np.nan
        x[1, 5, 4, 4] = np.inf
        x[2, 7, :, :] = -np.inf
        x[0, 9, :, :] = -0.0
        x[0, 10, :, :] = -0.0
        x[0, 10, 5, 5] = 0.0
        x[1, 20, :, :] = -np.abs(x[1, 20, :, :])
        x[1, 20, 6, 6] = 0.0
    want = reference(x, attrs)
    batch = "N" if dynamic else n
    graph = helper.make_graph(
        [helper.make_node("MaxPool", ["x"], ["y"], **attrs)], "maxpool",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       [batch, c, h, w])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                       [batch, c] + list(want.shape[2:]))])
    check(f"maxpool{index}", helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 12)]), x, want, same_floats(want))

# 8-bit poolings (the i8 kernel; u8 inputs are flipped to i8 and back by
# the lowering): channel counts with a tail past the byte vectors, padding
# (-128 after the flip, skipped by the kernel), dilation, a dynamic batch,
# and the extreme values of each type. The reference pads with the type's
# least value, which never wins.
# (N, C, H, W, attributes, element type, dynamic batch)
byte_cases = [
    (2, 64, 12, 12, dict(kernel_shape=[3, 3], strides=[2, 2],
                         pads=[1, 1, 1, 1]), np.uint8, True),
    (1, 100, 9, 11, dict(kernel_shape=[3, 3], pads=[0, 1, 2, 1]), np.int8,
     False),
    (2, 20, 10, 10, dict(kernel_shape=[2, 2], strides=[2, 2]), np.uint8,
     False),
    (1, 16, 11, 11, dict(kernel_shape=[3, 3], dilations=[2, 2],
                         pads=[2, 2, 2, 2]), np.int8, False),
]
for index, (n, c, h, w, attrs, dtype, dynamic) in enumerate(byte_cases):
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max + 1, (n, c, h, w)).astype(dtype)
    x[0, 1, :, :] = info.min
    x[0, 2, 3, 3] = info.max
    want = reference(x.astype(np.float32), attrs).astype(dtype)
    batch = "N" if dynamic else n
    elem = TensorProto.UINT8 if dtype == np.uint8 else TensorProto.INT8
    graph = helper.make_graph(
        [helper.make_node("MaxPool", ["x"], ["y"], **attrs)], "maxpool",
        [helper.make_tensor_value_info("x", elem, [batch, c, h, w])],
        [helper.make_tensor_value_info("y", elem,
                                       [batch, c] + list(want.shape[2:]))])
    check(f"maxpool8-{index}", helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 12)]), x, want,
          lambda got, want=want: got.dtype == want.dtype and
          np.array_equal(got, want))
# Every case in one model (Inputs/bundle.py), at 1 and 2 threads.
for threads in (1, 2):
    bundle.run(run_tool, work, f"maxpools-{threads}",
               ["--target-cpu=" + cpu, f"--threads={threads}"])
print(f"{count} poolings, {failures} wrong: " + ("ok" if not failures
                                                  else "WRONG"))
