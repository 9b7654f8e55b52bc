"""ONNX If, Loop and Scan models against NumPy (control-flow.test).

Usage: control_flow.py FULCRUM_RUN DIR. Builds each case with onnx.helper,
runs it with fulcrum-run and compares the outputs with what NumPy
computes. Prints `CASE: ok` per case; exits non-zero on a mismatch.
"""

import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL


def vi(name, elt, shape):
    return helper.make_tensor_value_info(name, elt, shape)


def const(name, value):
    return helper.make_node("Constant", [], [name],
                            value=helper.make_tensor(
                                name, I64 if value.dtype == np.int64 else F,
                                value.shape, value.flatten().tolist()))


def loop_long():
    """3000 iterations, stopped early by the body at i == limit: a carried
    sum and a scan output of [i, sum] that outgrows the 1024 pre-sized rows;
    the body holds an If that adds 1 on even iterations and 10 on odd."""
    then = helper.make_graph([const("one", np.array(1.0, np.float32))],
                             "then", [], [vi("one", F, [])])
    other = helper.make_graph([const("ten", np.array(10.0, np.float32))],
                              "else", [], [vi("ten", F, [])])
    body = helper.make_graph([
        const("two", np.array(2, np.int64)),
        const("zero", np.array(0, np.int64)),
        helper.make_node("Mod", ["i", "two"], ["r"]),
        helper.make_node("Equal", ["r", "zero"], ["even"]),
        helper.make_node("If", ["even"], ["inc"], then_branch=then,
                         else_branch=other),
        helper.make_node("Add", ["s_in", "inc"], ["s_out"]),
        helper.make_node("Cast", ["i"], ["fi"], to=F),
        helper.make_node("Unsqueeze", ["fi", "axes"], ["fi1"]),
        helper.make_node("Unsqueeze", ["s_out", "axes"], ["s1"]),
        helper.make_node("Concat", ["fi1", "s1"], ["row"], axis=0),
        helper.make_node("Less", ["i", "limit"], ["go"]),
    ], "body", [vi("i", I64, []), vi("c", B, []), vi("s_in", F, [])],
        [vi("go", B, []), vi("s_out", F, []), vi("row", F, [2])],
        initializer=[helper.make_tensor("axes", I64, [1], [0])])
    graph = helper.make_graph(
        [helper.make_node("Loop", ["M", "cond", "s0"], ["s", "rows"],
                          body=body)],
        "loop_long", [vi("M", I64, []), vi("cond", B, []), vi("s0", F, []),
                      vi("limit", I64, [])],
        [vi("s", F, []), vi("rows", F, ["n", 2])])
    inputs = {"M": np.array(3000, np.int64), "cond": np.array(True),
              "s0": np.array(0.5, np.float32),
              "limit": np.array(2500, np.int64)}
    s, rows = 0.5, []
    for i in range(3000):
        s += 1.0 if i % 2 == 0 else 10.0
        rows.append([i, s])
        if not i < 2500:
            break
    return graph, inputs, {"s": np.float32(s),
                           "rows": np.array(rows, np.float32)}


def loop_while_growing():
    """No trip count (a while loop on cond) and a carried tensor that doubles
    in length every iteration, with a scan output of its sum."""
    body = helper.make_graph([
        helper.make_node("Concat", ["v_in", "v_in"], ["v_out"], axis=0),
        helper.make_node("ReduceSum", ["v_out"], ["total"], keepdims=0),
        helper.make_node("Size", ["v_out"], ["n"]),
        helper.make_node("Less", ["n", "cap"], ["go"]),
    ], "body", [vi("i", I64, []), vi("c", B, []), vi("v_in", F, [None])],
        [vi("go", B, []), vi("v_out", F, [None]), vi("total", F, [])])
    graph = helper.make_graph(
        [helper.make_node("Loop", ["", "cond", "v0"], ["v", "totals"],
                          body=body)],
        "loop_while_growing",
        [vi("cond", B, []), vi("v0", F, [3]), vi("cap", I64, [])],
        [vi("v", F, [None]), vi("totals", F, [None])])
    v0 = np.array([1, 2, 3], np.float32)
    inputs = {"cond": np.array(True), "v0": v0,
              "cap": np.array(40, np.int64)}
    v, totals = v0, []
    while True:
        v = np.concatenate([v, v])
        totals.append(v.sum())
        if not v.size < 40:
            break
    return graph, inputs, {"v": v, "totals": np.array(totals, np.float32)}


def scan_two_inputs():
    """Two scan inputs (one along axis 1, backwards), a state, and two scan
    outputs (one stacked along axis 1, one backwards)."""
    body = helper.make_graph([
        helper.make_node("Add", ["a", "b"], ["ab"]),
        helper.make_node("Mul", ["s_in", "ab"], ["s_out"]),
        helper.make_node("Sub", ["s_out", "a"], ["d"]),
    ], "body", [vi("s_in", F, [3]), vi("a", F, [3]), vi("b", F, [3])],
        [vi("s_out", F, [3]), vi("d", F, [3]), vi("ab", F, [3])])
    graph = helper.make_graph(
        [helper.make_node("Scan", ["s0", "x", "y"], ["s", "ds", "abs"],
                          body=body, num_scan_inputs=2,
                          scan_input_axes=[0, 1], scan_input_directions=[0, 1],
                          scan_output_axes=[1, 0],
                          scan_output_directions=[0, 1])],
        "scan_two_inputs",
        [vi("s0", F, [3]), vi("x", F, [4, 3]), vi("y", F, [3, 4])],
        [vi("s", F, [3]), vi("ds", F, [3, 4]), vi("abs", F, [4, 3])])
    rng = np.random.default_rng(3)
    s0 = rng.standard_normal(3).astype(np.float32)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    y = rng.standard_normal((3, 4)).astype(np.float32)
    s, ds, abs_ = s0, np.zeros((3, 4), np.float32), np.zeros((4, 3), np.float32)
    for t in range(4):
        a, b = x[t], y[:, 3 - t]
        s = s * (a + b)
        ds[:, t] = s - a
        abs_[3 - t] = a + b
    return graph, {"s0": s0, "x": x, "y": y}, {"s": s, "ds": ds, "abs": abs_}


def loop_append():
    """A list built by appending in a Loop (as PyTorch exports scripted
    loops): SequenceEmpty carried through SequenceInsert, then read by
    ConcatFromSequence (new axis 1, and along axis 0), SequenceLength and
    SequenceAt(-1)."""
    body = helper.make_graph([
        helper.make_node("Gather", ["x", "i"], ["row"], axis=0),
        helper.make_node("Add", ["h_in", "row"], ["h_out"]),
        helper.make_node("Tanh", ["h_out"], ["t"]),
        helper.make_node("SequenceInsert", ["seq_in", "t"], ["seq_out"]),
    ], "body", [vi("i", I64, []), vi("c", B, []), vi("h_in", F, [3]),
                helper.make_tensor_sequence_value_info("seq_in", F, None)],
        [vi("c", B, []), vi("h_out", F, [3]),
         helper.make_tensor_sequence_value_info("seq_out", F, None)])
    graph = helper.make_graph([
        helper.make_node("SequenceEmpty", [], ["empty"], dtype=F),
        helper.make_node("Shape", ["x"], ["shape"], start=0, end=1),
        helper.make_node("Squeeze", ["shape"], ["n"]),
        helper.make_node("Loop", ["n", "", "h0", "empty"], ["h", "seq"],
                         body=body),
        helper.make_node("ConcatFromSequence", ["seq"], ["stacked"], axis=1,
                         new_axis=1),
        helper.make_node("ConcatFromSequence", ["seq"], ["flat"], axis=0),
        helper.make_node("SequenceLength", ["seq"], ["count"]),
        helper.make_node("SequenceAt", ["seq", "last"], ["final"]),
    ], "loop_append", [vi("x", F, ["t", 3]), vi("h0", F, [3])],
        [vi("stacked", F, [3, None]), vi("flat", F, [None]),
         vi("count", I64, []), vi("final", F, [3])],
        initializer=[helper.make_tensor("last", I64, [], [-1])])
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 3)).astype(np.float32)
    h0 = rng.standard_normal(3).astype(np.float32)
    h, rows = h0, []
    for t in range(6):
        h = h + x[t]
        rows.append(np.tanh(h))
    return graph, {"x": x, "h0": h0}, {
        "stacked": np.stack(rows, 1), "flat": np.concatenate(rows),
        "count": np.int64(6), "final": rows[-1]}


def scan_dynamic():
    """A Scan over a [t, b] input of run-time sizes: the state and the scan
    output elements have b elements."""
    body = helper.make_graph([
        helper.make_node("Add", ["s_in", "a"], ["s_out"]),
        helper.make_node("Mul", ["s_out", "a"], ["m"]),
    ], "body", [vi("s_in", F, ["b"]), vi("a", F, ["b"])],
        [vi("s_out", F, ["b"]), vi("m", F, ["b"])])
    graph = helper.make_graph(
        [helper.make_node("Scan", ["s0", "x"], ["s", "ms"], body=body,
                          num_scan_inputs=1, scan_output_axes=[1])],
        "scan_dynamic", [vi("s0", F, ["b"]), vi("x", F, ["t", "b"])],
        [vi("s", F, ["b"]), vi("ms", F, ["b", "t"])])
    rng = np.random.default_rng(4)
    s0 = rng.standard_normal(5).astype(np.float32)
    x = rng.standard_normal((7, 5)).astype(np.float32)
    s, ms = s0, []
    for t in range(7):
        s = s + x[t]
        ms.append(s * x[t])
    return graph, {"s0": s0, "x": x}, {"s": s, "ms": np.stack(ms, 1)}


def main(tool, out):
    for build in (loop_long, loop_while_growing, scan_two_inputs,
                  loop_append, scan_dynamic):
        name = build.__name__
        graph, inputs, refs = build()
        model = helper.make_model(graph,
                                  opset_imports=[helper.make_opsetid("", 16)])
        onnx.checker.check_model(model)
        onnx.save(model, f"{out}/{name}.onnx")
        np.savez(f"{out}/{name}_in.npz", **inputs)
        run = subprocess.run([tool, f"{out}/{name}.onnx", f"{out}/{name}_in.npz",
                              "--output-dir", f"{out}/{name}"],
                             capture_output=True, text=True)
        if run.returncode:
            sys.exit(f"{name}: fulcrum-run failed:\n{run.stderr}")
        for k, want in refs.items():
            got = np.load(f"{out}/{name}/{k}.npy")
            if got.shape != np.shape(want) or not np.allclose(got, want,
                                                              rtol=1e-5):
                sys.exit(f"{name}: {k} differs: {got} vs {want}")
        print(f"{name}: ok")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
