"""Checks the fused attention kernel against NumPy: ONNX models of
softmax(Q K^T / sqrt(D) [+ mask]) V with Q, K, V (and the mask) as inputs,
per-head ([B, H, L, D]) and flattened ([B*H, L, D]), Lq = Lk and Lq != Lk,
head dimensions 16 and 64, key counts from 1 to 600 (one tile: the direct
form; several: the online softmax), an additive causal mask with one fully
masked row (NaN, as the unfused graph computes it), compiled and run with
fulcrum-run for a given --target-cpu at 1 and 2 threads; every output is
compared with a float64 computation."""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

run_tool, work, cpu = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(3)
# (leading dims, Lq, Lk, D, Dv, mask, value scale)
cases = [((1, 1), 1, 1, 16, 16, False, 1.0), ((2, 4), 10, 10, 16, 16, False, 1.0),
         ((3,), 50, 50, 16, 8, False, 4.0), ((1, 2), 7, 130, 64, 64, False, 1.0),
         ((2, 2), 128, 128, 64, 64, True, 1.0), ((1, 2), 600, 600, 16, 16, False, 2.0),
         ((1, 1), 300, 520, 64, 24, True, 1.0)]


def reference(q, k, v, mask):
    q, k, v = (x.astype(np.float64) for x in (q, k, v))
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = s + mask
    m = s.max(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore"):
        e = np.exp(s - m)
        return (e / e.sum(axis=-1, keepdims=True)) @ v


worst, count = 0.0, 0
for index, (lead, lq, lk, d, dv, masked, scale) in enumerate(cases):
    q = (rng.standard_normal(lead + (lq, d)) * scale).astype(np.float32)
    k = (rng.standard_normal(lead + (lk, d)) * scale).astype(np.float32)
    v = rng.standard_normal(lead + (lk, dv)).astype(np.float32)
    mask = None
    names = ["q", "k", "v"]
    arrays = [q, k, v]
    if masked:
        mask = np.where(np.arange(lk)[None, :] <= np.arange(lq)[:, None] +
                        (lk - lq), 0, -np.inf).astype(np.float32)
        mask[1, :] = -np.inf  # a row with every key masked
        names.append("mask")
        arrays.append(mask)
    shapes = [list(a.shape) for a in arrays]
    rank = len(lead) + 2
    nodes = [helper.make_node("Transpose", ["k"], ["kt"], perm=list(
                 range(rank - 2)) + [rank - 1, rank - 2]),
             helper.make_node("MatMul", ["q", "kt"], ["s"]),
             helper.make_node("Div", ["s", "c"], ["t"])]
    last = "t"
    if masked:
        nodes.append(helper.make_node("Add", ["t", "mask"], ["u"]))
        last = "u"
    nodes += [helper.make_node("Softmax", [last], ["p"], axis=-1),
              helper.make_node("MatMul", ["p", "v"], ["y"])]
    want = reference(q, k, v, mask)
    graph = helper.make_graph(
        nodes, "attention",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s)
         for n, s in zip(names, shapes)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                       list(want.shape))],
        [numpy_helper.from_array(np.array(np.sqrt(d), np.float32), "c")])
    path = os.path.join(work, f"attention{index}.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17)]), path)
    inputs = []
    for n, a in zip(names, arrays):
        inputs.append(os.path.join(work, f"{n}{index}.npy"))
        np.save(inputs[-1], a)
    for threads in (1, 2):
        out = os.path.join(work, f"out{index}-{threads}")
        subprocess.run([run_tool, path] + inputs +
                       ["--target-cpu=" + cpu, f"--threads={threads}",
                        "--output-dir", out],
                       check=True, stdout=subprocess.DEVNULL)
        got = np.load(os.path.join(out, "y.npy"))
        assert got.shape == want.shape, (index, got.shape, want.shape)
        nan = np.isnan(want)
        if not np.array_equal(np.isnan(got), nan):
            print(f"case {index}: NaN where the reference has none or the "
                  "reverse")
            worst = np.inf
        error = (np.abs(got[~nan] - want[~nan]) /
                 (1 + np.abs(want[~nan]))).max()
        if error >= 2e-5:
            print(f"case {index} threads {threads}: error {error:.1e}")
        worst = max(worst, error)
        count += 1
print(f"{count} attentions, worst error {worst:.1e}: "
      + ("ok" if worst < 2e-5 else "WRONG"))
