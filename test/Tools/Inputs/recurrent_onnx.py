"""ONNX RNN, GRU and LSTM nodes against a NumPy reference
(recurrent-onnx.test).

Usage: recurrent_onnx.py FULCRUM_RUN DIR. Builds one model per case
(directions, sequence_lens, layout 1, initial states, peepholes,
linear_before_reset, input_forget, clip, activations with alpha/beta, an
absent Y; cases named dyn_* declare the sequence length and batch
symbolic), runs it with fulcrum-run and compares every output with the
reference below, written from the ONNX operator specification. Prints
`CASE: ok` per case; exits non-zero on the first mismatch.
"""

import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

rng = np.random.default_rng(7)


def activation(name, x, alpha, beta):
    n = name.lower()
    if n == "tanh":
        return np.tanh(x)
    if n == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if n == "relu":
        return np.maximum(x, 0)
    if n == "affine":
        return alpha * x + beta
    if n == "leakyrelu":
        return np.where(x < 0, alpha * x, x)
    if n == "thresholdedrelu":
        return np.where(x > alpha, x, 0)
    if n == "scaledtanh":
        return alpha * np.tanh(beta * x)
    if n == "hardsigmoid":
        return np.clip(alpha * x + beta, 0, 1)
    if n == "elu":
        return np.where(x < 0, alpha * (np.exp(x) - 1), x)
    if n == "softsign":
        return x / (1 + np.abs(x))
    if n == "softplus":
        return np.log1p(np.exp(x))
    raise ValueError(name)


TAKES_ALPHA = {"affine": 1.0, "leakyrelu": 0.01, "thresholdedrelu": 1.0,
               "scaledtanh": 1.0, "hardsigmoid": 0.2, "elu": 1.0}
TAKES_BETA = {"affine": 0.0, "scaledtanh": 1.0, "hardsigmoid": 0.5}
DEFAULTS = {"RNN": ["Tanh"], "GRU": ["Sigmoid", "Tanh"],
            "LSTM": ["Sigmoid", "Tanh", "Tanh"]}
GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


def functions(kind, attrs, directions):
    names = attrs.get("activations", DEFAULTS[kind] * directions)
    alphas = list(attrs.get("activation_alpha", []))
    betas = list(attrs.get("activation_beta", []))
    fs = []
    for name in names:
        n = name.lower()
        a = alphas.pop(0) if n in TAKES_ALPHA and alphas else TAKES_ALPHA.get(n, 0)
        b = betas.pop(0) if n in TAKES_BETA and betas else TAKES_BETA.get(n, 0)
        fs.append(lambda x, n=n, a=a, b=b: activation(n, x, a, b))
    per = len(DEFAULTS[kind])
    return [fs[d * per:(d + 1) * per] for d in range(directions)]


def reference(kind, attrs, X, W, R, B=None, lens=None, h0=None, c0=None,
              P=None):
    layout = attrs.get("layout", 0)
    direction = attrs.get("direction", "forward")
    clip = attrs.get("clip")
    if layout:
        X = X.transpose(1, 0, 2)
        h0 = None if h0 is None else h0.transpose(1, 0, 2)
        c0 = None if c0 is None else c0.transpose(1, 0, 2)
    T, N, _ = X.shape
    D, _, H = R.shape
    G = GATES[kind]
    fs = functions(kind, attrs, D)
    lens = np.full(N, T) if lens is None else lens
    Y = np.zeros((T, D, N, H), np.float64)
    Yh = np.zeros((D, N, H))
    Yc = np.zeros((D, N, H))

    def c(x):
        return x if clip is None else np.clip(x, -clip, clip)

    for d in range(D):
        f = fs[d]
        wb, rb = (np.zeros(G * H), np.zeros(G * H)) if B is None else \
            (B[d, :G * H], B[d, G * H:])
        for n in range(N):
            h = np.zeros(H) if h0 is None else h0[d, n].astype(np.float64)
            cell = np.zeros(H) if c0 is None else c0[d, n].astype(np.float64)
            steps = range(lens[n])
            if direction == "reverse" or d == 1:
                steps = reversed(steps)
            for t in steps:
                x = X[t, n]
                gx = W[d] @ x + wb
                gh = R[d] @ h + rb
                if kind == "RNN":
                    h = f[0](c(gx + gh))
                elif kind == "GRU":
                    z = f[0](c(gx[:H] + gh[:H]))
                    r = f[0](c(gx[H:2 * H] + gh[H:2 * H]))
                    if attrs.get("linear_before_reset", 0):
                        ht = f[1](c(gx[2 * H:] + r * gh[2 * H:]))
                    else:
                        ht = f[1](c(gx[2 * H:] + R[d][2 * H:] @ (r * h)
                                    + rb[2 * H:]))
                    h = (1 - z) * ht + z * h
                else:
                    g = gx + gh
                    p = np.zeros(3 * H) if P is None else P[d]
                    i = f[0](c(g[:H] + p[:H] * cell))
                    if attrs.get("input_forget", 0):
                        fg = 1 - i
                    else:
                        fg = f[0](c(g[2 * H:3 * H] + p[2 * H:] * cell))
                    cell = fg * cell + i * f[1](c(g[3 * H:]))
                    o = f[0](c(g[H:2 * H] + p[H:2 * H] * cell))
                    h = o * f[2](c(cell))
                Y[t, d, n] = h
            Yh[d, n] = h
            Yc[d, n] = cell
    if layout:
        Y, Yh, Yc = Y.transpose(2, 0, 1, 3), Yh.transpose(1, 0, 2), \
            Yc.transpose(1, 0, 2)
    return {"Y": Y, "Y_h": Yh, "Y_c": Yc}


def case(name, kind, attrs, T, N, I, H, inputs, outputs=("Y", "Y_h")):
    D = 2 if attrs.get("direction") == "bidirectional" else 1
    G = GATES[kind]
    layout = attrs.get("layout", 0)
    shapes = {"X": (N, T, I) if layout else (T, N, I),
              "W": (D, G * H, I), "R": (D, G * H, H), "B": (D, 2 * G * H),
              "initial_h": (N, D, H) if layout else (D, N, H),
              "initial_c": (N, D, H) if layout else (D, N, H),
              "P": (D, 3 * H)}
    values = {k: (rng.standard_normal(shapes[k]) * 0.5).astype(np.float32)
              for k in inputs if k != "sequence_lens"}
    if "sequence_lens" in inputs:
        values["sequence_lens"] = rng.integers(1, T + 1, N).astype(np.int32)
        values["sequence_lens"][0] = T
    order = ["X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c",
             "P"][:8 if kind == "LSTM" else 6]
    node_inputs = [k if k in inputs else "" for k in order]
    while node_inputs[-1] == "":
        node_inputs.pop()
    names = ["Y", "Y_h", "Y_c"][:3 if kind == "LSTM" else 2]
    node_outputs = [k if k in outputs else "" for k in names]
    node = helper.make_node(kind, node_inputs, node_outputs, hidden_size=H,
                            **attrs)
    def declared(k, shape):
        # Symbolic sequence length and batch (names starting with "dyn_").
        if not name.startswith("dyn_"):
            return shape
        sizes = {T: "t", N: "n"} if T != N else {T: "t"}
        axes = {"X": (0, 1), "initial_h": (0, 1), "initial_c": (0, 1),
                "sequence_lens": (0,), "Y": (0, 1, 2, 3), "Y_h": (0, 1, 2),
                "Y_c": (0, 1, 2)}.get(k, ())
        return [sizes.get(d, d) if i in axes else d
                for i, d in enumerate(shape)]

    graph_inputs = [helper.make_tensor_value_info(
        k, TensorProto.INT32 if k == "sequence_lens" else TensorProto.FLOAT,
        declared(k, values[k].shape)) for k in order if k in inputs]
    ref = reference(kind, attrs, values["X"], values["W"], values["R"],
                    values.get("B"), values.get("sequence_lens"),
                    values.get("initial_h"), values.get("initial_c"),
                    values.get("P"))
    graph_outputs = [helper.make_tensor_value_info(
        k, TensorProto.FLOAT, declared(k, ref[k].shape)) for k in outputs]
    model = helper.make_model(
        helper.make_graph([node], name, graph_inputs, graph_outputs),
        opset_imports=[helper.make_opsetid("", 14)])
    onnx.checker.check_model(model)
    return model, values, {k: ref[k] for k in outputs}


CASES = [
    ("rnn_bidirectional_lens", "RNN",
     {"direction": "bidirectional", "activations": ["Relu", "LeakyRelu"],
      "activation_alpha": [0.1]}, 4, 3, 3, 5,
     ["X", "W", "R", "B", "sequence_lens", "initial_h"]),
    ("rnn_reverse_affine", "RNN",
     {"direction": "reverse", "activations": ["Affine"],
      "activation_alpha": [0.5], "activation_beta": [0.25]}, 3, 2, 4, 3,
     ["X", "W", "R"]),
    ("gru_bidirectional_layout1_lens", "GRU",
     {"direction": "bidirectional", "layout": 1, "clip": 0.8}, 5, 3, 2, 4,
     ["X", "W", "R", "B", "sequence_lens", "initial_h"]),
    ("gru_reverse_linear_before_reset", "GRU",
     {"direction": "reverse", "linear_before_reset": 1,
      "activations": ["HardSigmoid", "Softsign"],
      "activation_alpha": [0.3], "activation_beta": [0.4]}, 4, 2, 3, 3,
     ["X", "W", "R", "B", "initial_h"]),
    ("lstm_bidirectional_layout1_peepholes", "LSTM",
     {"direction": "bidirectional", "layout": 1}, 4, 3, 3, 4,
     ["X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"],
     ("Y", "Y_h", "Y_c")),
    ("lstm_input_forget_clip", "LSTM",
     {"input_forget": 1, "clip": 1.5,
      "activations": ["Sigmoid", "ScaledTanh", "Elu"],
      "activation_alpha": [0.9, 1.1], "activation_beta": [0.8]}, 3, 2, 3, 3,
     ["X", "W", "R", "B"], ("Y_c", "Y_h")),
    ("lstm_reverse_lens_no_y", "LSTM", {"direction": "reverse"}, 5, 3, 2, 3,
     ["X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"],
     ("Y_h", "Y_c")),
    # Symbolic sequence length and batch.
    ("dyn_gru_bidirectional_layout1_lens", "GRU",
     {"direction": "bidirectional", "layout": 1}, 6, 4, 3, 5,
     ["X", "W", "R", "B", "sequence_lens", "initial_h"]),
    ("dyn_lstm_bidirectional_lens_peepholes", "LSTM",
     {"direction": "bidirectional"}, 5, 2, 3, 4,
     ["X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"],
     ("Y", "Y_h", "Y_c")),
    ("dyn_rnn_reverse", "RNN", {"direction": "reverse"}, 4, 3, 2, 3,
     ["X", "W", "R", "B"]),
]


def main(tool, out):
    for name, kind, attrs, T, N, I, H, inputs, *outs in CASES:
        model, values, refs = case(name, kind, attrs, T, N, I, H, inputs,
                                   *outs)
        onnx.save(model, f"{out}/{name}.onnx")
        np.savez(f"{out}/{name}_in.npz", **values)
        run = subprocess.run([tool, f"{out}/{name}.onnx",
                              f"{out}/{name}_in.npz", "--output-dir",
                              f"{out}/{name}"], capture_output=True, text=True)
        if run.returncode:
            sys.exit(f"{name}: fulcrum-run failed:\n{run.stderr}")
        for k, want in refs.items():
            got = np.load(f"{out}/{name}/{k}.npy")
            if got.shape != want.shape or not np.allclose(
                    got, want, rtol=1e-5, atol=1e-6):
                sys.exit(f"{name}: {k} differs (shape {got.shape}, reference "
                         f"{want.shape}, largest difference "
                         f"{np.max(np.abs(got - want)) if got.shape == want.shape else 'n/a'})")
        print(f"{name}: ok")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
