"""Writes small ONNX models with the patterns the graph-level fusion passes
rewrite (Conv + BatchNormalization + Relu, constant scales and shifts,
residual adds, transposes into Gemm, decomposed GELU in erf and tanh forms,
decomposed layer normalization, HardSwish, SiLU), with expected outputs
computed by PyTorch in float64, as ONNX backend test data:
DIR/<name>/model.onnx and DIR/<name>/test_data_set_0/{input,output}_0.pb.

Usage: fusion-models.py DIR
"""
import math
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(11)


def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def t(a):
    return torch.from_numpy(np.asarray(a, np.float64))


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def const(self, value):
        name = f"c{len(self.inits)}"
        self.inits.append(numpy_helper.from_array(
            np.asarray(value, np.float32), name))
        return name

    def op(self, op_type, *inputs, **attrs):
        self.n += 1
        out = f"v{self.n}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [out],
                                           **attrs))
        return out

    def save(self, out, name, x, y, opset=14):
        self.nodes[-1].output[0] = "y"
        graph = helper.make_graph(
            self.nodes, name,
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, y.shape)],
            self.inits)
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", opset)])
        onnx.checker.check_model(model)
        d = os.path.join(out, name, "test_data_set_0")
        os.makedirs(d, exist_ok=True)
        onnx.save(model, os.path.join(out, name, "model.onnx"))
        for f, n, v in [("input_0.pb", "x", x), ("output_0.pb", "y", y)]:
            with open(os.path.join(d, f), "wb") as fh:
                fh.write(numpy_helper.from_array(
                    np.asarray(v, np.float32), n).SerializeToString())


def gelu_erf(g, v):
    d = g.op("Div", v, g.const(math.sqrt(2.0)))
    e = g.op("Erf", d)
    a = g.op("Add", e, g.const(1.0))
    m = g.op("Mul", v, a)
    return g.op("Mul", m, g.const(0.5))


def gelu_tanh(g, v):
    p = g.op("Pow", v, g.const(3.0))
    m = g.op("Mul", g.const(0.044715), p)
    s = g.op("Add", v, m)
    k = g.op("Mul", s, g.const(math.sqrt(2.0 / math.pi)))
    th = g.op("Tanh", k)
    a = g.op("Add", th, g.const(1.0))
    h = g.op("Mul", g.const(0.5), v)
    return g.op("Mul", h, a)


def layer_norm(g, v, gamma, beta, eps):
    mean = g.op("ReduceMean", v, axes=[-1])
    d = g.op("Sub", v, mean)
    sq = g.op("Pow", d, g.const(2.0))
    var = g.op("ReduceMean", sq, axes=[-1])
    ve = g.op("Add", var, g.const(eps))
    sd = g.op("Sqrt", ve)
    n = g.op("Div", d, sd)
    m = g.op("Mul", n, g.const(gamma))
    return g.op("Add", m, g.const(beta))


out = sys.argv[1]

# Conv + BatchNormalization + Relu.
x = rand(1, 3, 8, 8)
w, b = rand(4, 3, 3, 3), rand(4)
scale, bias, mean = rand(4), rand(4), rand(4)
var = np.abs(rand(4)) + 0.5
g = Graph()
c = g.op("Conv", "x", g.const(w), g.const(b), pads=[1, 1, 1, 1])
n = g.op("BatchNormalization", c, g.const(scale), g.const(bias),
         g.const(mean), g.const(var), epsilon=1e-3)
g.op("Relu", n)
y = F.relu(F.batch_norm(F.conv2d(t(x), t(w), t(b), padding=1), t(mean),
                        t(var), t(scale), t(bias), eps=1e-3))
g.save(out, "conv_bn_relu", x, y.numpy())

# Conv, per-channel Mul and Add by constants, Clip(0, 6).
w, s, sh = rand(4, 3, 1, 1), rand(4, 1, 1), rand(1, 4, 1, 1)
g = Graph()
c = g.op("Conv", "x", g.const(w))
m = g.op("Mul", c, g.const(s))
a = g.op("Add", g.const(sh), m)
g.op("Clip", a, g.const(0.0), g.const(6.0))
y = torch.clamp(F.conv2d(t(x), t(w)) * t(s) + t(sh), 0.0, 6.0)
g.save(out, "conv_scale_shift_clip", x, y.numpy())

# Conv with bias, residual add, Relu.
w, b = rand(3, 3, 3, 3), rand(3)
g = Graph()
c = g.op("Conv", "x", g.const(w), g.const(b), pads=[1, 1, 1, 1])
a = g.op("Add", "x", c)
g.op("Relu", a)
y = F.relu(t(x) + F.conv2d(t(x), t(w), t(b), padding=1))
g.save(out, "conv_residual_relu", x, y.numpy())

# A transformer block: MatMul + bias + GELU (erf), MatMul + bias +
# residual, decomposed layer norm.
x = rand(1, 4, 8)
w1, b1, w2, b2 = rand(8, 16), rand(16), rand(16, 8), rand(8)
gamma, beta = rand(8), rand(8)
g = Graph()
h = g.op("Add", g.const(b1), g.op("MatMul", "x", g.const(w1)))
h = gelu_erf(g, h)
h = g.op("Add", g.op("MatMul", h, g.const(w2)), g.const(b2))
h = g.op("Add", h, "x")
layer_norm(g, h, gamma, beta, 1e-5)
tx = t(x)
hh = F.gelu(tx @ t(w1) + t(b1)) @ t(w2) + t(b2) + tx
y = F.layer_norm(hh, (8,), t(gamma), t(beta), eps=1e-5)
g.save(out, "encoder_block", x, y.numpy())

# Transposed operands into Gemm, then the tanh GELU, HardSwish and SiLU.
x = rand(8, 2)
w, c0, w2, w3 = rand(5, 8), rand(5), rand(6, 5), rand(6, 3)
g = Graph()
xt = g.op("Transpose", "x", perm=[1, 0])
wt = g.op("Transpose", g.const(w), perm=[1, 0])
p = g.op("Gemm", xt, wt, g.const(c0), beta=0.5)
h1 = gelu_tanh(g, p)
q = g.op("MatMul", h1, g.op("Transpose", g.const(w2), perm=[1, 0]))
h2 = g.op("HardSwish", q)
r = g.op("Gemm", h2, g.const(w3))
sg = g.op("Sigmoid", r)
g.op("Mul", r, sg)
p_ref = t(x).T @ t(w).T + 0.5 * t(c0)
h1_ref = F.gelu(p_ref, approximate="tanh")
q_ref = h1_ref @ t(w2).T
h2_ref = F.hardswish(q_ref)
r_ref = h2_ref @ t(w3)
y = F.silu(r_ref)
g.save(out, "gemm_activations", x, y.numpy())
