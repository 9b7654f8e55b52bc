"""NumPy reference of `snn.spike_max_pool2d` (NIR extension node type
SpikeMaxPool2d): writes NIR files by hand (h5py, nir.write's layout) and
the readouts a NumPy simulation gives, or checks Fulcrum's readouts.

    spike_max_pool.py write OUT_DIR
    spike_max_pool.py check OUT_DIR

OUT_DIR/spikes.nir: Input [2, 7, 7] -> IF (per-neuron thresholds, membrane
from v_init, reset by subtraction) -> SpikeMaxPool2d (kernel 3, stride 2,
padding 1) -> Output. Its readout summed over STEPS timesteps must be the
3x3 max pooling of the IF neurons' spike counts, and every step's output a
spike (0 or 1). OUT_DIR/currents.nir: Input [2, 6, 6] -> SpikeMaxPool2d
(kernel 2, stride 2) -> Output: a constant current in, so the readout is
STEPS times the max pooling of the input. OUT_DIR/bad-padding.nir: padding
as large as the kernel.
"""
import os
import sys

import h5py
import numpy as np

STEPS = 10
S = h5py.string_dtype()


def write(path, nodes, edges):
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data="1.0.6", dtype=S)
        g = f.create_group("node")
        g.create_dataset("type", data="NIRGraph", dtype=S)
        ns = g.create_group("nodes")
        for name, (type_, params, meta) in nodes.items():
            n = ns.create_group(name)
            n.create_dataset("type", data=type_, dtype=S)
            for k, v in params.items():
                n.create_dataset(k, data=v)
            if meta:
                m = n.create_group("metadata")
                for k, v in meta.items():
                    m.create_dataset(k, data=v, dtype=S if isinstance(v, str)
                                     else None)
        g.create_dataset("edges", data=np.array(edges, dtype=object), dtype=S)


def max_pool(x, k, s, p):
    """Max pooling of [N, C, H, W] over windows without the padded cells."""
    n, c, h, w = x.shape
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    out = np.full((n, c, oh, ow), -np.inf, x.dtype)
    for oy in range(oh):
        for ox in range(ow):
            y0, x0 = oy * s - p, ox * s - p
            win = x[:, :, max(y0, 0):min(y0 + k, h), max(x0, 0):min(x0 + k, w)]
            out[:, :, oy, ox] = win.max(axis=(2, 3))
    return out


rng = np.random.default_rng(1)
x_spk = rng.random((6, 2, 7, 7), dtype=np.float32)
th = (0.3 + rng.random((2, 7, 7), dtype=np.float32)).astype(np.float32)
x_cur = (rng.random((4, 2, 6, 6), dtype=np.float32) - 0.3).astype(np.float32)
pool = lambda k, s, p: {"kernel_size": np.array([k, k]),  # noqa: E731
                        "stride": np.array([s, s]),
                        "padding": np.array([p, p])}

if sys.argv[1] == "write":
    out = sys.argv[2]
    np.save(os.path.join(out, "x_spikes.npy"), x_spk)
    np.save(os.path.join(out, "x_currents.npy"), x_cur)
    write(os.path.join(out, "spikes.nir"), {
        "input": ("Input", {"shape": np.array([2, 7, 7])}, None),
        "if": ("IF", {"r": np.ones_like(th), "v_threshold": th,
                      "v_reset": np.zeros_like(th)},
               {"reset": "subtract", "v_init": th / 2}),
        "pool": ("SpikeMaxPool2d", pool(3, 2, 1), None),
        "output": ("Output", {"shape": np.array([2, 4, 4])}, None),
    }, [("input", "if"), ("if", "pool"), ("pool", "output")])
    cur = {"input": ("Input", {"shape": np.array([2, 6, 6])}, None),
           "pool": ("SpikeMaxPool2d", pool(2, 2, 0), None),
           "output": ("Output", {"shape": np.array([2, 3, 3])}, None)}
    edges = [("input", "pool"), ("pool", "output")]
    write(os.path.join(out, "currents.nir"), cur, edges)
    cur["pool"] = ("SpikeMaxPool2d", pool(2, 2, 2), None)
    write(os.path.join(out, "bad-padding.nir"), cur, edges)
    sys.exit(0)

out = sys.argv[2]
# IF neurons in float32 (r = 1, so each step adds the input exactly), then
# the definition: y(t) = max S(t) - max S(t - 1) per window.
v = np.broadcast_to(th / 2, x_spk.shape).copy()
counts = np.zeros_like(x_spk)
prev = np.zeros((len(x_spk), 2, 4, 4), np.float32)
readout = np.zeros_like(prev)
binary = True
for _ in range(STEPS):
    v += x_spk
    s = (v >= th).astype(np.float32)
    v -= s * th
    counts += s
    m = max_pool(counts, 3, 2, 1)
    y = m - prev
    prev = m
    binary &= bool(np.all((y == 0) | (y == 1)))
    readout += y
ours = np.load(os.path.join(out, "spikes", "readout.npy")).reshape(readout.shape)
print("spikes: output binary", binary)
print("spikes: readout == max pool of the spike counts",
      np.array_equal(ours, max_pool(counts, 3, 2, 1)))
print("spikes: readout == reference", np.array_equal(ours, readout))
print("spikes: counts pooled", int(readout.sum()), "nonzero",
      int((readout > 0).sum()), "of", readout.size)
ours = np.load(os.path.join(out, "currents", "readout.npy"))
ref = STEPS * max_pool(x_cur, 2, 2, 0)
print("currents: readout == steps * max pool of the input",
      np.allclose(ours.reshape(ref.shape), ref, rtol=1e-5, atol=1e-5))
