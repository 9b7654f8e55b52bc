#!/usr/bin/python3
"""Writes a QDQ-quantized copy of an fp32 ONNX model (test and benchmark
input for Fulcrum's 8-bit path; the calibration flow of fulcrum-compile
--quantize is the user-facing tool).

    utils/qdq-quantize.py model.onnx out.onnx --fulcrum-run build/bin/fulcrum-run
        [--calibration inputs.npy] [--count 8] [--reduce-range] [--seed 0]

The form is the standard one ONNX Runtime's QDQ quantizer writes:
  * every activation read by a Conv (one group, or depthwise), Gemm, MatMul
    or Add goes
    through QuantizeLinear -> DequantizeLinear, per tensor, uint8
    asymmetric, with min-max ranges (including 0) calibrated on the
    inputs: `--calibration` (.npy, first axis the batch) or `--count`
    standard-normal images;
  * weights are int8 constants, symmetric (zero point 0) per output
    channel ([-127, 127]; with `--reduce-range` 7-bit, [-63, 63], which
    AVX2's vpmaddubsw cannot saturate), read through DequantizeLinear;
  * a bias is an int32 constant with scale x_scale * w_scale per channel.
Other grouped convolutions keep float weights. The calibration
runs the fp32 model with every calibrated tensor as an extra output,
through `fulcrum-run --output-dir`.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto


def conv_group(node):
    for a in node.attribute:
        if a.name == "group":
            return a.i
    return 1


def attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def quantizable(node, inits):
    if node.op_type == "Conv":
        if node.input[1] not in inits:
            return False
        group = conv_group(node)
        w = inits[node.input[1]]
        # One group, or depthwise (one filter per channel: [C, 1, KH, KW]).
        return group == 1 or (w.ndim == 4 and w.shape[1] == 1 and
                              w.shape[0] == group)
    if node.op_type == "Gemm":
        return (node.input[1] in inits and attr(node, "transA", 0) == 0 and
                attr(node, "alpha", 1.0) == 1.0 and attr(node, "beta", 1.0) == 1.0)
    if node.op_type == "MatMul":
        return node.input[1] in inits and inits[node.input[1]].ndim == 2
    return False


def calibrate(model, tensors, inputs, fulcrum_run, work):
    """min/max of each tensor over the calibration inputs."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    inferred = onnx.shape_inference.infer_shapes(m)
    infos = {v.name: v for v in list(inferred.graph.value_info) +
             list(inferred.graph.input) + list(inferred.graph.output)}
    # Each calibrated tensor leaves through an Identity with a plain name
    # (tensor names may hold '/', which cannot name an output file).
    for i, t in enumerate(tensors):
        name = "calib%d" % i
        m.graph.node.append(helper.make_node("Identity", [t], [name]))
        shape = None
        if t in infos and infos[t].type.tensor_type.HasField("shape"):
            shape = [d.dim_param or d.dim_value
                     for d in infos[t].type.tensor_type.shape.dim]
        m.graph.output.append(
            helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
    path = os.path.join(work, "calibrate.onnx")
    onnx.save(m, path)
    xs = os.path.join(work, "x.npy")
    np.save(xs, inputs)
    out = os.path.join(work, "out")
    subprocess.run([fulcrum_run, path, xs, "--output-dir", out, "--fuse=false"],
                   check=True, stdout=subprocess.DEVNULL)
    ranges = {}
    for i, t in enumerate(tensors):
        v = np.load(os.path.join(out, "calib%d.npy" % i))
        ranges[t] = (min(0.0, float(v.min())), max(0.0, float(v.max())))
    return ranges


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model")
    p.add_argument("out")
    p.add_argument("--fulcrum-run", required=True)
    p.add_argument("--calibration")
    p.add_argument("--count", type=int, default=8)
    p.add_argument("--reduce-range", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    model = onnx.load(args.model)
    g = model.graph
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    # Constant nodes hold weights too in some exports.
    for n in g.node:
        if n.op_type == "Constant" and n.attribute and n.attribute[0].name == "value":
            inits.setdefault(n.output[0], numpy_helper.to_array(n.attribute[0].t))

    # Exports name shared initializers through Identity nodes.
    for n in g.node:
        if n.op_type == "Identity" and n.input[0] in inits:
            inits.setdefault(n.output[0], inits[n.input[0]])
    targets = [n for n in g.node if quantizable(n, inits)]
    tensors = []
    for n in targets:
        tensors.append(n.input[0])
    for n in g.node:
        if n.op_type == "Add" and all(i not in inits for i in n.input):
            tensors.extend(n.input)
    tensors = list(dict.fromkeys(tensors))

    shape = [d.dim_value for d in g.input[0].type.tensor_type.shape.dim]
    if args.calibration:
        inputs = np.load(args.calibration).astype(np.float32)
    else:
        rng = np.random.default_rng(args.seed)
        inputs = rng.standard_normal([args.count] + shape[1:]).astype(np.float32)
    with tempfile.TemporaryDirectory() as work:
        ranges = calibrate(model, tensors, inputs, args.fulcrum_run, work)

    new_inits, nodes = [], []
    qparams = {}
    for t in tensors:
        lo, hi = ranges[t]
        scale = (hi - lo) / 255.0 if hi > lo else 1.0
        zp = int(np.clip(round(-lo / scale), 0, 255))
        qparams[t] = (np.float32(scale), zp)
        new_inits.append(numpy_helper.from_array(np.array(scale, np.float32), t + "_scale"))
        new_inits.append(numpy_helper.from_array(np.array(zp, np.uint8), t + "_zp"))
        nodes.append(helper.make_node("QuantizeLinear", [t, t + "_scale", t + "_zp"],
                                      [t + "_q"], name=t + "_Q"))
        nodes.append(helper.make_node("DequantizeLinear", [t + "_q", t + "_scale", t + "_zp"],
                                      [t + "_dq"], name=t + "_DQ"))
    qmax = 63 if args.reduce_range else 127
    for n in g.node:
        for i, name in enumerate(n.input):
            if name in qparams:
                n.input[i] = name + "_dq"
        if n not in targets:
            continue
        w = inits[n.input[1]]
        axis = 1 if n.op_type == "MatMul" or (
            n.op_type == "Gemm" and attr(n, "transB", 0) == 0) else 0
        moved = np.moveaxis(w, axis, 0).reshape(w.shape[axis], -1)
        ws = np.abs(moved).max(axis=1) / qmax
        ws = np.where(ws > 0, ws, 1.0).astype(np.float32)
        bshape = [1] * w.ndim
        bshape[axis] = -1
        wq = np.clip(np.round(w / ws.reshape(bshape)), -qmax, qmax).astype(np.int8)
        wname = n.name + "_wq"
        new_inits += [numpy_helper.from_array(wq, wname),
                      numpy_helper.from_array(ws, wname + "_scale"),
                      numpy_helper.from_array(np.zeros(len(ws), np.int8), wname + "_zp")]
        nodes.append(helper.make_node("DequantizeLinear", [wname, wname + "_scale", wname + "_zp"],
                                      [wname + "_dq"], axis=axis, name=wname + "_DQ"))
        n.input[1] = wname + "_dq"
        if len(n.input) > 2 and n.input[2] in inits:
            b = inits[n.input[2]].astype(np.float64).reshape(-1)
            xs = qparams[n.input[0][:-3]][0]
            bs = (np.float64(xs) * ws).astype(np.float32)
            bq = np.round(b / bs).astype(np.int32)
            bname = n.name + "_bq"
            new_inits += [numpy_helper.from_array(bq, bname),
                          numpy_helper.from_array(bs, bname + "_scale"),
                          numpy_helper.from_array(np.zeros(len(bs), np.int32), bname + "_zp")]
            nodes.append(helper.make_node("DequantizeLinear", [bname, bname + "_scale", bname + "_zp"],
                                          [bname + "_dq"], axis=0, name=bname + "_DQ"))
            n.input[2] = bname + "_dq"
    g.initializer.extend(new_inits)
    # Topological order: Q/DQ right after their producers.
    produced = {}
    for n in nodes:
        produced.setdefault(n.input[0], []).append(n)
    order = []
    emitted = set()

    def emit(n):
        if id(n) in emitted:
            return
        emitted.add(id(n))
        order.append(n)
        for o in n.output:
            for m in produced.get(o, []):
                emit(m)

    for t in [i.name for i in g.input] + [i.name for i in g.initializer]:
        for m in produced.get(t, []):
            emit(m)
    for n in list(g.node):
        emit(n)
    del g.node[:]
    g.node.extend(order)
    onnx.checker.check_model(model)
    onnx.save(model, args.out)
    print("%s: %d contractions quantized, %d activations calibrated" %
          (args.out, len(targets), len(tensors)))


if __name__ == "__main__":
    sys.exit(main())
