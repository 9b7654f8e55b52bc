"""Writes NIR files by hand, in the layout nir.write uses (h5py; strings as
variable-length UTF-8, parameters as NumPy arrays, edges as an N x 2 string
array), and the NumPy reference readout of the valid one:

    make_nir_files.py OUT_DIR

OUT_DIR/hand.nir: Input(2) -> Affine -> LIF -> Linear -> Output, plus
Input -> Scale -> Output (NIR sums the two edges into Output); LIF resets to
v_reset as NIR defines. OUT_DIR/x.npy its inputs, OUT_DIR/expected.npy the
readout summed over STEPS=12 timesteps. OUT_DIR/bad-*.nir malformed files.
"""
import os
import sys

import h5py
import numpy as np

out = sys.argv[1]
STEPS = 12
S = h5py.string_dtype()


def node(g, name, type_, **params):
    n = g.create_group(name)
    n.create_dataset("type", data=type_, dtype=S)
    for k, v in params.items():
        n.create_dataset(k, data=v)
    return n


def graph(path, nodes, edges, version=True, graph_type="NIRGraph",
          edge_array=None):
    with h5py.File(path, "w") as f:
        if version:
            f.create_dataset("version", data="1.0.6", dtype=S)
        g = f.create_group("node")
        g.create_dataset("type", data=graph_type, dtype=S)
        ns = g.create_group("nodes")
        for name, (type_, params) in nodes.items():
            node(ns, name, type_, **params)
        g.create_dataset("edges", data=np.array(edges, dtype=object)
                         if edge_array is None else edge_array, dtype=S)


W1 = np.array([[1.0, 0.5], [0.25, -1.0], [0.5, 0.5]], np.float32)
B1 = np.array([0.1, 0.0, 0.2], np.float32)
TAU = np.array([2.0, 2.0, 4.0], np.float32)
TH = np.array([0.5, 0.5, 0.8], np.float32)
W2 = np.array([[1.0, 1.0, 1.0], [1.0, -1.0, 0.0]], np.float32)
SCALE = np.array([2.0, -0.5], np.float32)
good = {
    "input": ("Input", {"shape": np.array([2])}),
    "fc": ("Affine", {"weight": W1, "bias": B1}),
    "lif": ("LIF", {"tau": TAU, "r": np.ones(3, np.float32),
                    "v_leak": np.zeros(3, np.float32), "v_threshold": TH,
                    "v_reset": np.zeros(3, np.float32)}),
    "readout": ("Linear", {"weight": W2}),
    "skip": ("Scale", {"scale": SCALE}),
    "output": ("Output", {"shape": np.array([2])}),
}
edges = [("input", "fc"), ("fc", "lif"), ("lif", "readout"),
         ("readout", "output"), ("input", "skip"), ("skip", "output")]
graph(os.path.join(out, "hand.nir"), good, edges)

rng = np.random.default_rng(0)
x = rng.random((5, 2), dtype=np.float32)
np.save(os.path.join(out, "x.npy"), x)
v = np.zeros((5, 3), np.float32)
acc = np.zeros((5, 2), np.float32)
for _ in range(STEPS):
    i = x @ W1.T + B1
    v = v + (0 - v + 1 * i) / TAU
    s = (v >= TH).astype(np.float32)
    v = np.where(s > 0, 0, v).astype(np.float32)
    acc += s @ W2.T + x * SCALE
np.save(os.path.join(out, "expected.npy"), acc)

bad = lambda name: os.path.join(out, "bad-" + name + ".nir")  # noqa: E731
with open(bad("text"), "w") as f:
    f.write("this is not HDF5\n")
graph(bad("noversion"), good, edges, version=False)
graph(bad("graphtype"), good, edges, graph_type="Affine")
graph(bad("nodetype"), {**good, "lif": ("CubaLIF", {"tau_mem": TAU})}, edges)
graph(bad("edge"), good, edges + [("lif", "nowhere")])
graph(bad("cycle"), good, edges + [("lif", "fc")])
graph(bad("weight"), {**good, "fc": ("Affine", {"weight": W1.T, "bias": B1})},
      edges)
lif = dict(good["lif"][1])
del lif["v_threshold"]
graph(bad("param"), {**good, "lif": ("LIF", lif)}, edges)
graph(bad("edges3"), good, edges,
      edge_array=np.array([e + ("x",) for e in edges], dtype=object))
with open(os.path.join(out, "hand.nir"), "rb") as f:
    data = f.read()
with open(bad("truncated"), "wb") as f:
    f.write(data[:len(data) // 3])
