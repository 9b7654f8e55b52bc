"""The project's models as older exporters write them, and a NumPy
reference to check them against (foreign-opsets.test).

  foreign_models.py downconvert MODEL OPSET OUT [--batch N]
      Writes MODEL at opset OPSET: libonnx's version converter has no
      down-conversion adapters for most operators of these models (Relu-14,
      BatchNormalization-15, ...), so each node is rewritten here into the
      version that OPSET defines, by a rule per operator (refusing what
      has no equivalent at that opset): LayerNormalization-17 becomes the
      ReduceMean/Sub/Mul/Sqrt/Div/Add graph of earlier exporters,
      Unsqueeze takes an axes attribute, Reshape loses allowzero = 0,
      MaxPool before opset 10 loses ceil_mode = 0, Slice before opset 10
      takes its starts/ends/axes (folded: they must not depend on the
      batch size) as attributes. --batch N fixes the
      symbolic batch dimension (a static model).
  foreign_models.py reference MODEL X.npy OUT.npy
      Runs MODEL's graph in NumPy (float64), node by node, on X.
  foreign_models.py compare GOT.npy WANT.npy
      Checks GOT against WANT within rtol 1e-4, atol 1e-5.
"""

import math
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

# The opset that introduced each operator's form used here; a model for an
# older opset cannot hold it.
FIRST = {"Flatten": 1, "Gemm": 7, "Relu": 6, "Conv": 1, "Add": 7,
         "MaxPool": 1, "GlobalAveragePool": 1, "BatchNormalization": 7,
         "Softmax": 1, "Sub": 7, "Mul": 7, "Div": 7, "Sqrt": 6,
         "ReduceMean": 1, "Cast": 6, "Concat": 4, "Constant": 1,
         "ConstantOfShape": 9, "Equal": 7, "Erf": 9, "Expand": 8, "Gather": 1,
         "MatMul": 1, "Reshape": 5, "Shape": 1, "Transpose": 1, "Unsqueeze": 1,
         "Where": 9, "Slice": 10}


def constant_value(model, name):
    for t in model.graph.initializer:
        if t.name == name:
            return numpy_helper.to_array(t)
    for n in model.graph.node:
        if n.op_type == "Constant" and n.output[0] == name:
            return numpy_helper.to_array(n.attribute[0].t)
    sys.exit(f"{name} is not a constant")


def expand_layer_norm(node, opset):
    """LayerNormalization-17 over the last axis as the ReduceMean/Sub/Mul/
    Sqrt/Div/Add graph that exporters wrote before opset 17."""
    a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
    if a.get("axis", -1) != -1:
        sys.exit("LayerNormalization over more than the last axis")
    x, scale, bias = node.input
    p = node.output[0] + "_ln"
    eps = helper.make_tensor(p + "_eps", onnx.TensorProto.FLOAT, [],
                             [a.get("epsilon", 1e-5)])
    return [
        helper.make_node("ReduceMean", [x], [p + "_mean"], axes=[-1]),
        helper.make_node("Sub", [x, p + "_mean"], [p + "_d"]),
        helper.make_node("Mul", [p + "_d", p + "_d"], [p + "_sq"]),
        helper.make_node("ReduceMean", [p + "_sq"], [p + "_var"], axes=[-1]),
        helper.make_node("Constant", [], [p + "_eps"], value=eps),
        helper.make_node("Add", [p + "_var", p + "_eps"], [p + "_ve"]),
        helper.make_node("Sqrt", [p + "_ve"], [p + "_std"]),
        helper.make_node("Div", [p + "_d", p + "_std"], [p + "_n"]),
        helper.make_node("Mul", [p + "_n", scale], [p + "_s"]),
        helper.make_node("Add", [p + "_s", bias], [node.output[0]]),
    ]


def downconvert(path, opset, out, batch=None):
    model = onnx.load(path)
    nodes = []
    for node in model.graph.node:
        if node.op_type == "LayerNormalization":
            nodes += expand_layer_norm(node, opset)
            continue
        if node.op_type == "Unsqueeze" and opset < 13:
            # Unsqueeze-1/11 take the axes as an attribute.
            axes = constant_value(model, node.input[1]).tolist()
            del node.input[1]
            node.attribute.append(helper.make_attribute("axes", axes))
        if node.op_type == "Reshape":
            for x in list(node.attribute):
                if x.name == "allowzero" and helper.get_attribute_value(x) == 0:
                    node.attribute.remove(x)
        nodes.append(node)
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    if opset < 10:
        # Slice-1 takes starts, ends and axes as attributes: values the
        # exporter computed from the weights' sizes are folded.
        slices = [n for n in model.graph.node if n.op_type == "Slice"]
        for node in slices:
            if len(node.input) > 4:
                steps = batch_independent_values(model, [node.input[4]])[0]
                if any(v != 1 for v in steps):
                    sys.exit("Slice with steps has no form before opset 10")
        folded = batch_independent_values(
            model, [i for n in slices for i in n.input[1:4]])
        for node in slices:
            count = min(len(node.input), 4) - 1
            values, folded = folded[:count], folded[count:]
            del node.input[1:]
            for name, v in zip(["starts", "ends", "axes"], values):
                node.attribute.append(helper.make_attribute(name, v))
        FIRST["Slice"] = 1
    for node in model.graph.node:
        first = FIRST.get(node.op_type)
        if first is None or first > opset:
            sys.exit(f"{node.op_type} has no form at opset {opset}")
        attrs = {a.name: a for a in node.attribute}
        if node.op_type == "MaxPool" and opset < 10 and "ceil_mode" in attrs:
            # MaxPool-1/8 floor the output size (no ceil_mode).
            if helper.get_attribute_value(attrs["ceil_mode"]):
                sys.exit("MaxPool with ceil_mode has no form before opset 10")
            node.attribute.remove(attrs["ceil_mode"])
        if node.op_type == "Softmax" and opset < 13:
            # Softmax-1/11 flatten at `axis` (default 1); at the last axis
            # that is the softmax over it, as in Softmax-13.
            axis = helper.get_attribute_value(attrs["axis"]) if "axis" in attrs else -1
            if axis != -1:
                sys.exit("Softmax over an inner axis has no opset-12 form")
            # Flattening at the last axis: the softmax over it.
            node.ClearField("attribute")
            node.attribute.append(helper.make_attribute("axis", -1))
    del model.opset_import[:]
    model.opset_import.append(helper.make_opsetid("", opset))
    model.ir_version = 3 if opset <= 7 else 4 if opset <= 9 else 6
    if batch is not None:
        for v in list(model.graph.input) + list(model.graph.output):
            dim = v.type.tensor_type.shape.dim[0]
            dim.ClearField("dim_param")
            dim.dim_value = batch
    if model.ir_version < 4:
        # Before IR 4 every initializer is also a graph input.
        names = {i.name for i in model.graph.input}
        for t in model.graph.initializer:
            if t.name not in names:
                model.graph.input.append(helper.make_tensor_value_info(
                    t.name, t.data_type, list(t.dims)))
    onnx.checker.check_model(model)
    onnx.save(model, out)


def conv(x, w, b, strides, pads):
    n, c, h, wd = x.shape
    m, _, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (x.shape[2] - kh) // strides[0] + 1
    ow = (x.shape[3] - kw) // strides[1] + 1
    y = np.zeros((n, m, oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i:i + strides[0] * oh:strides[0],
                      j:j + strides[1] * ow:strides[1]]
            y += np.einsum("nchw,mc->nmhw", patch, w[:, :, i, j])
    return y + (b[None, :, None, None] if b is not None else 0)


def reference(path, xpath, out):
    model = onnx.load(path)
    env = evaluate(model, np.load(xpath).astype(np.float64))
    np.save(out, env[model.graph.output[0].name].astype(np.float32))


def widen(a):
    return a.astype(np.float64) if a.dtype.kind == "f" else a


def evaluate(model, x):
    """Every value of MODEL's graph on the input X, in float64."""
    env = {t.name: widen(numpy_helper.to_array(t))
           for t in model.graph.initializer}
    env[model.graph.input[0].name] = x
    for node in model.graph.node:
        a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
        ins = [env[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Relu":
            y = np.maximum(ins[0], 0)
        elif op == "Add":
            y = ins[0] + ins[1]
        elif op == "Flatten":
            axis = a.get("axis", 1)
            y = ins[0].reshape(int(np.prod(ins[0].shape[:axis])), -1)
        elif op == "Gemm":
            A = ins[0].T if a.get("transA", 0) else ins[0]
            B = ins[1].T if a.get("transB", 0) else ins[1]
            y = a.get("alpha", 1.0) * A @ B
            if len(ins) > 2 and ins[2] is not None:
                y = y + a.get("beta", 1.0) * ins[2]
        elif op == "Conv":
            k = a.get("kernel_shape", ins[1].shape[2:])
            assert a.get("group", 1) == 1 and list(a.get("dilations", [1, 1])) == [1, 1]
            y = conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None,
                     a.get("strides", [1] * len(k)), a.get("pads", [0] * 2 * len(k)))
        elif op == "MaxPool":
            kh, kw = a["kernel_shape"]
            sh, sw = a.get("strides", [1, 1])
            assert not any(a.get("pads", [0])) and not a.get("ceil_mode", 0)
            x = ins[0]
            oh, ow = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
            y = np.full(x.shape[:2] + (oh, ow), -np.inf)
            for i in range(kh):
                for j in range(kw):
                    y = np.maximum(y, x[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw])
        elif op == "GlobalAveragePool":
            y = ins[0].mean(axis=(2, 3), keepdims=True)
        elif op == "BatchNormalization":
            x, s, bias, mean, var = ins[:5]
            sh = (1, -1) + (1,) * (x.ndim - 2)
            y = (x - mean.reshape(sh)) / np.sqrt(var.reshape(sh) + a.get("epsilon", 1e-5))
            y = y * s.reshape(sh) + bias.reshape(sh)
        elif op == "Softmax":
            assert a.get("axis", -1) in (-1, ins[0].ndim - 1)
            e = np.exp(ins[0] - ins[0].max(axis=-1, keepdims=True))
            y = e / e.sum(axis=-1, keepdims=True)
        elif op in ("Sub", "Mul", "Div", "Equal", "MatMul"):
            f = {"Sub": np.subtract, "Mul": np.multiply, "Div": np.divide,
                 "Equal": np.equal, "MatMul": np.matmul}[op]
            y = f(ins[0], ins[1])
            if op == "Div" and ins[0].dtype.kind != "f":
                # Integer division truncates (shape arithmetic).
                y = (np.abs(ins[0]) // np.abs(ins[1])) * np.sign(ins[0] * ins[1])
        elif op == "Sqrt":
            y = np.sqrt(ins[0])
        elif op == "Erf":
            y = np.vectorize(math.erf)(ins[0])
        elif op == "Constant":
            y = widen(numpy_helper.to_array(a["value"]))
        elif op == "ConstantOfShape":
            v = widen(numpy_helper.to_array(a["value"]))
            y = np.full(ins[0].astype(np.int64), v.reshape(-1)[0], v.dtype)
        elif op == "Cast":
            y = ins[0].astype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[a["to"]])
            y = widen(y)
        elif op == "Concat":
            y = np.concatenate(ins, axis=a["axis"])
        elif op == "Shape":
            y = np.array(ins[0].shape, np.int64)
        elif op == "Gather":
            y = np.take(ins[0], ins[1], axis=a.get("axis", 0))
        elif op == "Unsqueeze":
            axes = ins[1] if len(ins) > 1 else a["axes"]
            y = ins[0]
            for ax in sorted(int(v) % (y.ndim + len(axes)) for v in axes):
                y = np.expand_dims(y, ax)
        elif op == "Expand":
            y = ins[0] * np.ones(ins[1].astype(np.int64), ins[0].dtype)
        elif op == "Slice":
            axes = ins[3] if len(ins) > 3 else range(len(ins[1]))
            steps = ins[4] if len(ins) > 4 else [1] * len(ins[1])
            index = [slice(None)] * ins[0].ndim
            for st, en, ax, sp in zip(ins[1], ins[2], axes, steps):
                index[int(ax)] = slice(int(st), int(en), int(sp))
            y = ins[0][tuple(index)]
        elif op == "Where":
            y = np.where(ins[0], ins[1], ins[2])
        elif op == "Reshape":
            shape = [d if d != 0 else ins[0].shape[i]
                     for i, d in enumerate(ins[1].astype(np.int64).tolist())]
            y = ins[0].reshape(shape)
        elif op == "Transpose":
            y = ins[0].transpose(a.get("perm"))
        elif op == "ReduceMean":
            y = ins[0].mean(axis=tuple(a["axes"]), keepdims=bool(a.get("keepdims", 1)))
        elif op == "LayerNormalization":
            assert a.get("axis", -1) == -1
            x = ins[0]
            d = x - x.mean(axis=-1, keepdims=True)
            y = d / np.sqrt((d * d).mean(axis=-1, keepdims=True) + a.get("epsilon", 1e-5))
            y = y * ins[1] + ins[2]
        else:
            sys.exit(f"no reference for {op}")
        env[node.output[0]] = y
    return env


def batch_independent_values(model, names):
    """The values of NAMES, which must not depend on the input (shape
    arithmetic on the weights' sizes): evaluated at batch sizes 1 and 2."""
    dims = [d.dim_value or 1 for d in model.graph.input[0].type.tensor_type.shape.dim[1:]]
    one = evaluate(model, np.zeros([1] + dims))
    two = evaluate(model, np.zeros([2] + dims))
    values = []
    for name in names:
        if not np.array_equal(one[name], two[name]):
            sys.exit(f"{name} depends on the batch size")
        values.append(one[name].astype(np.int64).tolist())
    return values


def compare(got, want, what="the reference"):
    g, w = np.load(got), np.load(want)
    if g.shape != w.shape:
        sys.exit(f"{got}: shape {g.shape}, {what} {w.shape}")
    if not np.allclose(g, w, rtol=1e-4, atol=1e-5):
        sys.exit(f"{got}: largest difference {np.max(np.abs(g - w)):.3g}")
    print(f"{got}: {g.shape} matches {what}")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "downconvert":
        batch = int(sys.argv[6]) if len(sys.argv) > 6 and sys.argv[5] == "--batch" else None
        downconvert(sys.argv[2], int(sys.argv[3]), sys.argv[4], batch)
    elif cmd == "reference":
        reference(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        compare(sys.argv[2], sys.argv[3])
