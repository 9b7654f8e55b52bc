#!/usr/bin/python3
"""A NumPy reference evaluator of small ONNX graphs, written from the ONNX
operator specification, for tests that check Fulcrum's numerics without
trusting Fulcrum (libonnx 1.12 has no reference evaluator).

    import onnx_numpy_reference as ref
    outputs = ref.run(onnx.load("model.onnx"), {"image": x})

Operators: Add, Conv, DequantizeLinear, Flatten, Gemm, GlobalAveragePool,
Identity, MatMul, MaxPool, QuantizeLinear, Relu (and Constant); for
transformers also Cast, Concat, ConstantOfShape, Div, Equal, Erf, Expand,
Gather, LayerNormalization, Mul, Reshape, Shape, Softmax, Sub, Transpose,
Unsqueeze (axes as an input) and Where. QDQ follows
the specification: QuantizeLinear is saturate(round_half_even(x / scale) +
zero_point), DequantizeLinear is (q - zero_point) * scale, with 1-D scales
and zero points along `axis`. Computations run in float64 and are cast to
the declared element type at the end of each operator.
"""
import numpy as np
from onnx import numpy_helper


def _attrs(node):
    import onnx
    out = {}
    for a in node.attribute:
        out[a.name] = onnx.helper.get_attribute_value(a)
        if isinstance(out[a.name], bytes):
            out[a.name] = out[a.name].decode()
    return out


def _along(v, axis, rank):
    """A 1-D per-axis parameter reshaped to broadcast along `axis`."""
    v = np.asarray(v)
    if v.ndim == 0 or v.size == 1:
        return v.reshape(())
    shape = [1] * rank
    shape[axis % rank] = v.size
    return v.reshape(shape)


def _quantize(x, scale, zp, axis):
    zp = np.zeros((), np.uint8) if zp is None else zp
    s = _along(scale.astype(np.float64), axis, x.ndim)
    z = _along(zp.astype(np.float64), axis, x.ndim)
    info = np.iinfo(zp.dtype)
    q = np.rint(x.astype(np.float64) / s) + z
    return np.clip(q, info.min, info.max).astype(zp.dtype)


def _dequantize(q, scale, zp, axis):
    s = _along(scale.astype(np.float64), axis, q.ndim)
    z = 0 if zp is None else _along(zp.astype(np.float64), axis, q.ndim)
    return ((q.astype(np.float64) - z) * s).astype(scale.dtype)


def _conv(x, w, b, a):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    group = a.get("group", 1)
    sh, sw = a.get("strides", [1, 1])
    dh, dw = a.get("dilations", [1, 1])
    pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
    if a.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        raise NotImplementedError("auto_pad " + a["auto_pad"])
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + pl + pr - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, m, oh, ow), np.float64)
    mg = m // group
    for g in range(group):
        xs = xp[:, g * cg:(g + 1) * cg]
        ws = w[g * mg:(g + 1) * mg].astype(np.float64)
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                           j * dw:j * dw + sw * (ow - 1) + 1:sw]
                y[:, g * mg:(g + 1) * mg] += np.einsum(
                    "nchw,mc->nmhw", patch, ws[:, :, i, j])
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def _maxpool(x, a):
    kh, kw = a["kernel_shape"]
    sh, sw = a.get("strides", [1, 1])
    pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)),
                constant_values=-np.inf)
    oh = (xp.shape[2] - kh) // sh + 1
    ow = (xp.shape[3] - kw) // sw + 1
    y = np.full(x.shape[:2] + (oh, ow), -np.inf)
    for i in range(kh):
        for j in range(kw):
            y = np.maximum(y, xp[:, :, i:i + sh * (oh - 1) + 1:sh,
                                 j:j + sw * (ow - 1) + 1:sw])
    return y


def _node(node, ins):
    a = _attrs(node)
    op = node.op_type
    if op == "Constant":
        return numpy_helper.to_array(a["value"]) if "value" in a else None
    if op == "Identity":
        return ins[0]
    if op == "Relu":
        return np.maximum(ins[0], 0)
    if op == "Add":
        return ins[0].astype(np.float64) + ins[1]
    if op == "Flatten":
        axis = a.get("axis", 1)
        return ins[0].reshape(int(np.prod(ins[0].shape[:axis])), -1)
    if op == "MatMul":
        return np.matmul(ins[0].astype(np.float64), ins[1])
    if op == "Gemm":
        A = ins[0].T if a.get("transA", 0) else ins[0]
        B = ins[1].T if a.get("transB", 0) else ins[1]
        y = a.get("alpha", 1.0) * (A.astype(np.float64) @ B)
        if len(ins) > 2 and ins[2] is not None:
            y = y + a.get("beta", 1.0) * ins[2]
        return y
    if op == "Conv":
        return _conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a)
    if op == "MaxPool":
        return _maxpool(ins[0], a)
    if op == "GlobalAveragePool":
        return ins[0].astype(np.float64).mean(axis=(2, 3), keepdims=True)
    if op == "QuantizeLinear":
        return _quantize(ins[0], ins[1], ins[2] if len(ins) > 2 else None,
                         a.get("axis", 1))
    if op == "DequantizeLinear":
        return _dequantize(ins[0], ins[1], ins[2] if len(ins) > 2 else None,
                           a.get("axis", 1))
    y = _tensor_node(op, a, ins)
    if y is None:
        raise NotImplementedError(op)
    return y


def _tensor_node(op, a, ins):
    """The shape, element-wise and normalization operators of transformers;
    None for another operator."""
    import math
    from onnx import mapping
    if op == "Shape":
        return np.array(ins[0].shape, np.int64)
    if op == "Gather":
        return np.take(ins[0], ins[1].astype(np.int64), axis=a.get("axis", 0))
    if op == "Concat":
        return np.concatenate(ins, axis=a["axis"])
    if op == "ConstantOfShape":
        value = numpy_helper.to_array(a["value"]) if "value" in a else \
            np.zeros(1, np.float32)
        return np.full(tuple(ins[0].astype(np.int64)), value.reshape(-1)[0],
                       value.dtype)
    if op == "Cast":
        return ins[0].astype(mapping.TENSOR_TYPE_TO_NP_TYPE[a["to"]])
    if op in ("Mul", "Sub", "Div"):
        x, y = ins
        if op == "Mul":
            return x.astype(np.float64) * y if x.dtype.kind == "f" else x * y
        if op == "Sub":
            return x.astype(np.float64) - y if x.dtype.kind == "f" else x - y
        if x.dtype.kind == "f":
            return x.astype(np.float64) / y
        return np.trunc(x / y).astype(x.dtype)
    if op == "Equal":
        return ins[0] == ins[1]
    if op == "Where":
        return np.where(ins[0], ins[1], ins[2])
    if op == "Erf":
        return np.vectorize(math.erf)(ins[0].astype(np.float64))
    if op == "Expand":
        shape = np.broadcast_shapes(ins[0].shape,
                                    tuple(ins[1].astype(np.int64)))
        return np.broadcast_to(ins[0], shape).copy()
    if op == "Reshape":
        shape = [int(d) for d in ins[1]]
        if not a.get("allowzero", 0):
            shape = [ins[0].shape[i] if d == 0 else d
                     for i, d in enumerate(shape)]
        return ins[0].reshape(shape)
    if op == "Transpose":
        return np.transpose(ins[0], a.get("perm"))
    if op == "Unsqueeze":
        axes = [int(d) % (ins[0].ndim + len(ins[1])) for d in ins[1]]
        return np.expand_dims(ins[0], tuple(axes))
    if op == "Softmax":
        x = ins[0].astype(np.float64)
        e = np.exp(x - x.max(axis=a.get("axis", -1), keepdims=True))
        return e / e.sum(axis=a.get("axis", -1), keepdims=True)
    if op == "LayerNormalization":
        x = ins[0].astype(np.float64)
        axes = tuple(range(a.get("axis", -1) % x.ndim, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
        y = (x - mean) / np.sqrt(var + a.get("epsilon", 1e-5)) * ins[1]
        return y + ins[2] if len(ins) > 2 and ins[2] is not None else y
    return None


def run(model, feeds, values_out=None):
    """Evaluates the graph of `model` on `feeds` (name -> array); returns
    the outputs in graph order. `values_out`, a dict, receives every value
    by name."""
    values = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    values.update(feeds)
    types = {}
    for vi in list(model.graph.value_info) + list(model.graph.output):
        types[vi.name] = vi.type.tensor_type.elem_type
    from onnx import mapping
    for node in model.graph.node:
        ins = [values[n] if n else None for n in node.input]
        y = _node(node, ins)
        name = node.output[0]
        if name in types and y is not None:
            y = np.asarray(y).astype(mapping.TENSOR_TYPE_TO_NP_TYPE[types[name]])
        elif y is not None and np.asarray(y).dtype == np.float64:
            y = np.asarray(y).astype(np.float32)
        values[name] = y
    if values_out is not None:
        values_out.update(values)
    return [values[o.name] for o in model.graph.output]
