"""Checks the convolution kernel against NumPy: ONNX Conv models with
strides, padding, dilation, a bias, sizes that leave leftover pixels and
output channels, and a dynamic batch, compiled and run with fulcrum-run for
a given --target-cpu; every output is compared with a float64 convolution."""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

run_tool, work, cpu = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(5)
# (N, C, H, W, F, KH, KW, stride, pad, dilation)
cases = [(1, 3, 17, 19, 13, 3, 3, 1, 1, 1), (2, 8, 12, 12, 40, 1, 1, 2, 0, 1),
         (1, 5, 15, 11, 9, 5, 3, 2, 2, 1), (3, 4, 10, 10, 33, 3, 3, 1, 2, 2),
         (1, 64, 8, 8, 64, 3, 3, 1, 1, 1)]


def reference(x, w, b, stride, pad, dilation):
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - dilation * (kh - 1) - 1) // stride + 1
    ow = (wd + 2 * pad - dilation * (kw - 1) - 1) // stride + 1
    y = np.zeros((n, f, oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i * dilation:i * dilation + stride * (oh - 1) + 1:stride,
                       j * dilation:j * dilation + stride * (ow - 1) + 1:stride]
            y += np.einsum("ncpq,fc->nfpq", patch, w[:, :, i, j].astype(np.float64))
    return y + b.astype(np.float64)[None, :, None, None]


worst, count = 0.0, 0
for index, (n, c, h, wd, f, kh, kw, stride, pad, dilation) in enumerate(cases):
    x = rng.standard_normal((n, c, h, wd)).astype(np.float32)
    w = rng.standard_normal((f, c, kh, kw)).astype(np.float32)
    b = rng.standard_normal(f).astype(np.float32)
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], strides=[stride] * 2,
                            pads=[pad] * 4, dilations=[dilation] * 2)
    graph = helper.make_graph(
        [node], "conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", c, h, wd])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", f, "oh", "ow"])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = os.path.join(work, f"conv{index}.onnx")
    onnx.save(model, path)
    np.save(os.path.join(work, f"x{index}.npy"), x)
    out = os.path.join(work, f"out{index}")
    subprocess.run([run_tool, path, os.path.join(work, f"x{index}.npy"),
                    "--target-cpu=" + cpu, "--output-dir", out], check=True,
                   stdout=subprocess.DEVNULL)
    got = np.load(os.path.join(out, "y.npy"))
    want = reference(x, w, b, stride, pad, dilation)
    assert got.shape == want.shape, (index, got.shape, want.shape)
    worst = max(worst, np.abs(got - want).max() / max(1.0, np.abs(want).max()))
    count += 1
print(f"{count} convolutions, worst relative error {worst:.1e}: "
      + ("ok" if worst < 1e-5 else "WRONG"))
