"""Checks the softmax row kernel against NumPy: ONNX Softmax models over
the last axis with rows of 1 to 130 elements (whole vectors, tails and
both), a dynamic batch, large and tiny values, and rows holding NaN,
+inf or only -inf (all NaN in the decomposition too), compiled (as one
model, Inputs/bundle.py) and run with fulcrum-run for a given --target-cpu
at 1 and 2 threads; every output is compared with a float64 softmax."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

from bundle import Bundle, same_nans

run_tool, work, cpu = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(11)
# (shape, dynamic batch, scale)
cases = [((4, 1), False, 1.0), ((3, 5), False, 1.0), ((2, 3, 16), True, 3.0),
         ((5, 50), True, 1.0), ((2, 4, 7, 33), False, 10.0),
         ((1, 130), False, 50.0), ((64, 128), True, 1.0)]


def reference(x):
    x = x.astype(np.float64)
    m = x.max(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore"):
        e = np.exp(x - m)
        return e / e.sum(axis=-1, keepdims=True)


worst, count = 0.0, 0
bundle = Bundle()


def checker(index, shape, want):
    def check(out):
        global worst, count
        got, nan = out["y"], np.isnan(want)
        if not same_nans(f"{index} {shape}", got, want):
            worst = np.inf
        error = np.abs(got[~nan] - want[~nan]).max() if (~nan).any() else 0
        if error >= 1e-6:
            print(f"case {index} {shape} threads {threads}: error {error:.1e}")
        worst = max(worst, error)
        count += 1
    return check


for index, (shape, dynamic, scale) in enumerate(cases):
    x = (rng.standard_normal(shape) * scale).astype(np.float32)
    if index == 4:  # special rows: NaN, +inf, all -inf, a -inf among others
        x[0, 0, 0, 3] = np.nan
        x[0, 0, 1, 5] = np.inf
        x[0, 0, 2, :] = -np.inf
        x[0, 0, 3, 7] = -np.inf
    dims = ["N"] + list(shape[1:]) if dynamic else list(shape)
    graph = helper.make_graph(
        [helper.make_node("Softmax", ["x"], ["y"], axis=-1)], "softmax",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, dims)])
    bundle.add(f"softmax{index}_", helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 13)]), {"x": x},
        checker(index, shape, reference(x)))
# Every case in one model (Inputs/bundle.py), at 1 and 2 threads.
for threads in (1, 2):
    bundle.run(run_tool, work, f"softmaxes-{threads}",
               ["--target-cpu=" + cpu, f"--threads={threads}"])
print(f"{count} softmaxes, worst error {worst:.1e}: "
      + ("ok" if worst < 1e-6 else "WRONG"))
