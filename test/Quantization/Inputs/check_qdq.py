#!/usr/bin/python3
"""Checks a model quantized by `fulcrum-compile --quantize=int8
--calibration-method=minmax --emit-onnx Q.onnx` against NumPy.

    check_qdq.py ORIGINAL.onnx Q.onnx CALIB.npy X.npy FULCRUM_OUT.npy
        [--ort ORT_JS] [--keep-float NAME,...] [--weight-max 63]

1. Calibration: the fp32 original, evaluated by the NumPy reference of the
   ONNX specification (utils/onnx_numpy_reference.py) on CALIB.npy, gives
   the min and max of the input of every Conv/Gemm/MatMul; the uint8 scale
   (max(hi,0) - min(lo,0)) / 255 and zero point round(-lo / scale) must be
   the exported ones (rtol 1e-5; zero points exact).
2. Weights: per output channel, scale = max|w| / 127 (63 with
   --weight-max 63: `--reduce-range`'s 7-bit weights) and the int8 values
   round_half_even(w / scale) must be the exported ones (exact), bias int32
   round(b / (x_scale * w_scale)) (exact).
3. Execution: the NumPy reference of the exported QDQ graph on X.npy must
   match Fulcrum's outputs (FULCRUM_OUT.npy) within one output quantization
   step's worth (atol 0.05 of the logits' range) with the same top-1 class
   for every image; with --ort, ONNX Runtime's outputs of Q.onnx too. On a
   host without VNNI (no avx512_vnni or avx_vnni in /proc/cpuinfo), ONNX
   Runtime's u8 x s8 products use AVX2's vpmaddubsw, whose 16-bit pair
   sums saturate on full-range weights (ONNX Runtime documents this and
   advises 7-bit weights there), so its outputs may leave the reference by
   more: there the tolerance is 0.15 of the range, with the same classes.

The contractions named by --keep-float must be exported unquantized (no
DequantizeLinear on either operand), and every other one quantized.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "utils"))
import onnx_numpy_reference as ref  # noqa: E402


def fail(message):
    sys.exit("error: " + message)


def main():
    p = argparse.ArgumentParser()
    for a in ("original", "quantized", "calib", "x", "fulcrum_out"):
        p.add_argument(a)
    p.add_argument("--ort")
    p.add_argument("--keep-float", default="")
    p.add_argument("--weight-max", type=int, default=127)
    args = p.parse_args()
    keep = set(filter(None, args.keep_float.split(",")))
    original, q = onnx.load(args.original), onnx.load(args.quantized)
    onnx.checker.check_model(q)
    inits = {t.name: numpy_helper.to_array(t) for t in q.graph.initializer}
    orig_inits = {t.name: numpy_helper.to_array(t)
                  for t in original.graph.initializer}
    producer = {o: n for n in q.graph.node for o in n.output}
    by_name = {n.name: n for n in original.graph.node}
    input_name = original.graph.input[0].name
    calib = np.load(args.calib)

    values = {}
    ref.run(original, {input_name: calib}, values)
    checked = kept = 0
    for node in q.graph.node:
        if node.op_type not in ("Conv", "Gemm", "MatMul"):
            continue
        dq_x, dq_w = producer.get(node.input[0]), producer.get(node.input[1])
        if node.name in keep:
            if any(d is not None and d.op_type == "DequantizeLinear"
                   for d in (dq_x, dq_w)):
                fail(f"{node.name}: quantized, but expected in fp32")
            kept += 1
            continue
        if dq_x.op_type != "DequantizeLinear":
            fail(f"{node.name}: activation is not dequantized")
        qx = producer[dq_x.input[0]]
        # The value quantized: a graph input, or the output of the node of
        # the same name in the original (node names are kept).
        name = qx.input[0]
        if name in producer:
            name = by_name[producer[name].name].output[0]
        act = values[name]
        lo, hi = min(float(act.min()), 0.0), max(float(act.max()), 0.0)
        scale = np.float32((hi - lo) / 255)
        zp = int(np.clip(np.rint(-lo / scale), 0, 255))
        got_scale, got_zp = inits[dq_x.input[1]], inits[dq_x.input[2]]
        if not np.isclose(got_scale, scale, rtol=1e-5) or int(got_zp) != zp:
            fail(f"{node.name}: activation scale/zero point {got_scale}/"
                 f"{got_zp}, NumPy {scale}/{zp}")
        # The weight, from the original initializer of the same name.
        wq, ws = inits[dq_w.input[0]], inits[dq_w.input[1]]
        w = orig_inits[dq_w.input[0][:-len("_quantized")]]
        axis = [a.i for a in dq_w.attribute if a.name == "axis"]
        axis = axis[0] if axis else 1
        wm = np.moveaxis(w, axis, 0).reshape(w.shape[axis], -1)
        qmax = args.weight_max
        s = (np.abs(wm).max(1) / np.float32(qmax)).astype(np.float32)
        qw = np.clip(np.rint(wm / s[:, None]), -qmax, qmax).astype(np.int8)
        if not np.allclose(ws, s, rtol=1e-6) or not np.array_equal(
                np.moveaxis(wq, axis, 0).reshape(qw.shape), qw):
            fail(f"{node.name}: weights differ from NumPy's")
        if len(node.input) > 2 and node.input[2]:
            dq_b = producer[node.input[2]]
            b = orig_inits[dq_b.input[0][:-len("_quantized")]]
            bs = (got_scale * s).astype(np.float32)
            qb = np.rint(b / bs).astype(np.int32)
            if not np.array_equal(inits[dq_b.input[0]], qb):
                fail(f"{node.name}: bias differs from NumPy's")
        checked += 1
    if kept != len(keep):
        fail(f"{len(keep) - kept} of the --keep-float contractions not found")
    print(f"calibration and weights match NumPy: {checked} contractions"
          + (f", {kept} kept in fp32" if keep else ""))

    x = np.load(args.x)
    expected = ref.run(q, {input_name: x})[0].astype(np.float32)
    actual = np.load(args.fulcrum_out)
    atol = 0.05 * float(expected.max() - expected.min())
    if not np.allclose(actual, expected, atol=atol, rtol=0):
        fail(f"Fulcrum vs NumPy QDQ: max |diff| "
             f"{np.abs(actual - expected).max()} > {atol}")
    if not np.array_equal(actual.argmax(1), expected.argmax(1)):
        fail("Fulcrum and NumPy QDQ predict different classes")
    print(f"fulcrum matches the NumPy QDQ reference on {len(x)} images "
          f"(max |diff| {np.abs(actual - expected).max():.2g})")
    if args.ort:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "ort.npy")
            subprocess.run(["node", args.ort, "run", args.quantized, args.x,
                            out], check=True)
            ort = np.load(out)
        ort_atol = atol if host_has_vnni() else 3 * atol
        if not np.allclose(actual, ort, atol=ort_atol, rtol=0) or not \
                np.array_equal(actual.argmax(1), ort.argmax(1)):
            fail(f"Fulcrum vs ONNX Runtime: max |diff| "
                 f"{np.abs(actual - ort).max()}")
        print("onnxruntime runs the exported QDQ model: match")


def host_has_vnni():
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read().split()
    except OSError:
        return True
    return "avx512_vnni" in flags or "avx_vnni" in flags


if __name__ == "__main__":
    main()
