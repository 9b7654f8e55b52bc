"""Checks the fused attention kernel against NumPy: ONNX models of
softmax(Q K^T / sqrt(D) [+ mask]) V with Q, K, V (and the mask) as inputs,
per-head ([B, H, L, D]) and flattened ([B*H, L, D]), Lq = Lk and Lq != Lk,
head dimensions 16, 32, 64 and an odd 5, key counts from 1 to 600 (one tile:
the direct form, transposed when unmasked with at most 512 keys, blocks of 16
query rows with a partial last one; several: the online softmax), an additive causal mask with one fully
masked row (NaN, as the unfused graph computes it), compiled and run with
fulcrum-run for a given --target-cpu at 1 and 2 threads with the cost
model's key tile (on this host's description these rows all run direct),
and with key tiles of 40 and 72 forced (--attention-key-tile: whole tiles
padded to 48 and 80 columns, a shorter last tile padded only to its own
keys); every output is compared with a float64 computation.

With a fourth argument `bf16` the models are compiled with
--attention-precision=bf16, and the reference takes Q, K, V and the
probabilities rounded to bf16 (to nearest even): the kernel rounds the
probabilities before it divides by their sum (the online softmax), the
reference after, so the bar is 1e-2. Each output must also differ from the
f32 reference by more than 1e-4 somewhere: the products really ran in bf16."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from bundle import Bundle, same_nans

run_tool, work, cpu = sys.argv[1], sys.argv[2], sys.argv[3]
bf16 = len(sys.argv) > 4 and sys.argv[4] == "bf16"
bar = 1e-2 if bf16 else 2e-5


def round_bf16(x):
    """float32 values rounded to bf16 (to nearest, ties to even)."""
    u = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000
    return u.astype(np.uint32).view(np.float32)
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(3)
# (leading dims, Lq, Lk, D, Dv, mask, value scale)
cases = [((1, 1), 1, 1, 16, 16, False, 1.0), ((2, 4), 10, 10, 16, 16, False, 1.0),
         ((3,), 50, 50, 16, 8, False, 4.0), ((1, 2), 7, 130, 64, 64, False, 1.0),
         ((2, 2), 128, 128, 64, 64, True, 1.0), ((1, 2), 600, 600, 16, 16, False, 2.0),
         ((1, 1), 300, 520, 64, 24, True, 1.0), ((2,), 9, 33, 5, 7, False, 1.0),
         ((1, 3), 40, 77, 32, 24, False, 1.0)]


def reference(q, k, v, mask, rounded=False):
    if rounded:
        q, k, v = (round_bf16(x) for x in (q, k, v))
    q, k, v = (x.astype(np.float64) for x in (q, k, v))
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = s + mask
    m = s.max(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore"):
        e = np.exp(s - m)
        p = e / e.sum(axis=-1, keepdims=True)
        if rounded:
            p = round_bf16(p.astype(np.float32)).astype(np.float64)
        return p @ v


worst, count = 0.0, 0
bundle = Bundle()


def checker(index, want, exact):
    def check(out):
        global worst, count
        got, nan = out["y"], np.isnan(want)
        if not same_nans(index, got, want):
            worst = np.inf
        error = (np.abs(got[~nan] - want[~nan]) /
                 (1 + np.abs(want[~nan]))).max()
        if error >= bar:
            print(f"case {index} {run_name}: error {error:.1e}")
        if bf16 and want.size > 1:
            apart = (np.abs(got[~nan] - exact[~nan]) /
                     (1 + np.abs(exact[~nan]))).max()
            if apart <= 1e-4:
                print(f"case {index}: no further than {apart:.1e} from f32")
                worst = np.inf
        worst = max(worst, error)
        count += 1
    return check


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
    want = reference(q, k, v, mask, bf16)
    exact = reference(q, k, v, mask)
    graph = helper.make_graph(
        nodes, "attention",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s)
         for n, s in zip(names, shapes)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                       list(want.shape))],
        [numpy_helper.from_array(np.array(np.sqrt(d), np.float32), "c")])
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17)])
    bundle.add(f"attention{index}_", model, dict(zip(names, arrays)),
               checker(index, want, exact))
# All cases in one model (Inputs/bundle.py), run with the cost model's key
# tiles at 1 and 2 threads and with tiles of 40 and 72 forced.
for threads, tile in ((1, 0), (2, 0), (1, 40), (2, 72)):
    run_name = f"threads {threads} tile {tile}"
    bundle.run(run_tool, work, f"attentions-{threads}-{tile}",
               ["--target-cpu=" + cpu, f"--threads={threads}",
                f"--attention-key-tile={tile}"] +
               (["--attention-precision=bf16"] if bf16 else []))
print(f"{count} attentions, worst error {worst:.1e}: "
      + ("ok" if worst < bar else "WRONG"))
