"""Checks Fulcrum's ANN-to-SNN conversion and simulator against NumPy: the
thresholds in the NIR file are the 99.9th percentile of the positive ReLU
activations of the ANN (run in NumPy from the ONNX weights), per neuron
(`channel`, the default conversion; a neuron that never fires keeps the
layer's percentile) or per layer (`layer`, --snn-layer-thresholds), the
weights are the ANN's scaled by the thresholds of the neurons they read,
and a NumPy IF simulation (reset by subtraction, membrane starting at half
the threshold, constant-current input) gives Fulcrum's summed readout.

    nir-reference.py MODEL.onnx MODEL.nir images.npy readout.npy STEPS
        [channel|layer|lif]

`lif` (--snn-neuron=lif): per-neuron thresholds and LIF neurons, with the
time constant read from the file (r = tau, v_leak = 0): each step
v += (0 - v + tau * I) / tau.
"""
import sys

import h5py
import numpy as np
import onnx
from onnx import numpy_helper

model, nir, images, readout, steps = sys.argv[1:6]
steps = int(steps)
mode = sys.argv[6] if len(sys.argv) > 6 else "channel"
per_channel = mode in ("channel", "lif")
w = {i.name: numpy_helper.to_array(i) for i in onnx.load(model).graph.initializer}
x = np.load(images).reshape(len(np.load(images)), -1).astype(np.float64)
layers = [(w["fc1.weight"], w["fc1.bias"]), (w["fc2.weight"], w["fc2.bias"]),
          (w["fc3.weight"], w["fc3.bias"])]



def percentile(v, fallback=None):
    """The pass's percentile: element int(p / 100 * n) of the sorted
    positive values."""
    pos = np.sort(v[v > 0].astype(np.float32))
    if len(pos) == 0:
        return fallback
    return pos[min(len(pos) - 1, int(99.9 / 100 * len(pos)))]


# Thresholds: the percentile of positive activations, as the pass takes it.
a, thresholds = x, []
for W, b in layers[:2]:
    a = np.maximum(a @ W.T.astype(np.float64) + b, 0)
    layer = percentile(a)
    if per_channel:
        thresholds.append(np.array([percentile(a[:, j], layer)
                                    for j in range(a.shape[1])], np.float32))
    else:
        thresholds.append(np.full(a.shape[1], layer, np.float32))

f = h5py.File(nir, "r")
nodes = f["node/nodes"]
got = [nodes["Relu/v_threshold"][()], nodes["Relu_1/v_threshold"][()]]
types = [nodes[n + "/type"][()].decode() for n in ("Relu", "Relu_1")]
assert types == (["LIF", "LIF"] if mode == "lif" else ["IF", "IF"]), types
taus = [None, None]
if mode == "lif":
    taus = [nodes[n + "/tau"][()].astype(np.float64) for n in ("Relu", "Relu_1")]
    for n in ("Relu", "Relu_1"):
        assert np.array_equal(nodes[n + "/r"][()], nodes[n + "/tau"][()])
        assert not nodes[n + "/v_leak"][()].any()
    print("LIF tau", taus[0].flat[0])
for t, g in zip(thresholds, got):
    assert np.allclose(g, t, rtol=1e-4), (g[:4], t[:4])
distinct = len(np.unique(got[0]))
print("distinct thresholds in the first layer:",
      "many" if distinct > 100 else distinct)
for k, name in ((1, "fc2_Gemm"), (2, "fc3_Gemm")):
    w = nodes[name + "/weight"][()]
    assert np.allclose(w, layers[k][0] * got[k - 1][None, :], rtol=1e-6)

# IF simulation in float64 from the file's parameters.
Ws = [nodes[n + "/weight"][()].astype(np.float64) for n in
      ("fc1_Gemm", "fc2_Gemm", "fc3_Gemm")]
bs = [nodes[n + "/bias"][()].astype(np.float64) for n in
      ("fc1_Gemm", "fc2_Gemm", "fc3_Gemm")]
th = [g.astype(np.float64) for g in got]
v = [np.tile(t / 2, (len(x), 1)) for t in th]
out = np.zeros((len(x), 10))
for _ in range(steps):
    s = x
    for k in range(2):
        i = s @ Ws[k].T + bs[k]
        tau = taus[k]
        v[k] += i if tau is None else (0 - v[k] + tau * i) / tau
        fire = v[k] >= th[k]
        v[k] -= fire * th[k]
        s = fire.astype(np.float64)
    out += s @ Ws[2].T + bs[2]
ours = np.load(readout)
err = np.abs(ours - out).max() / np.abs(out).max()
agree = (ours.argmax(1) == out.argmax(1)).mean()
print(f"max relative readout error {err:.2e}, class agreement {agree:.4f}")
assert err < 1e-3 and agree == 1.0
print("OK")
