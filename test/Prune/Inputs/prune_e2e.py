"""End-to-end check of fulcrum-compile --prune against NumPy.

A small residual CNN (conv 1->8, ReLU, conv 8->8, Add with the first ReLU,
ReLU, Flatten, Gemm 128->10) is built with onnx.helper. Its residual group
of 8 channels is the only prunable one; --prune=0.3 with uniform
allocation removes 2 of its channels (the smallest summed L1 norms of the
two convolutions' filters). The script checks:

  * slice: the pruned library's outputs equal a NumPy evaluation of the
    original weights with those channels sliced away (filters, input
    channels, biases, the Gemm's columns c*16..c*16+15);
  * refit: with calibration data, the library equals a NumPy reference of
    the reconstruction: each consumer in graph order (conv2, then the Gemm)
    refit by ridge least squares on the pruned model's inputs so that it
    reproduces the original layer's outputs (features: the 3x3 patches and
    a bias column; ridge 1e-4 times the mean of the Gram diagonal);
  * the refit model is closer to the original than the sliced one.

usage: prune_e2e.py BIN_DIR WORK_DIR
"""
import os
import re
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(3)
W1 = rng.normal(0, 0.5, (8, 1, 3, 3)).astype(np.float32)
B1 = rng.normal(0, 0.1, 8).astype(np.float32)
W2 = rng.normal(0, 0.3, (8, 8, 3, 3)).astype(np.float32)
B2 = rng.normal(0, 0.1, 8).astype(np.float32)
W3 = rng.normal(0, 0.3, (10, 128)).astype(np.float32)
B3 = rng.normal(0, 0.1, 10).astype(np.float32)


def model():
    inits = [numpy_helper.from_array(a, n) for a, n in
             ((W1, "w1"), (B1, "b1"), (W2, "w2"), (B2, "b2"), (W3, "w3"),
              (B3, "b3"))]
    pads = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], "conv1", **pads),
        helper.make_node("Relu", ["c1"], ["r1"], "relu1"),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], "conv2", **pads),
        helper.make_node("Add", ["c2", "r1"], ["s"], "add"),
        helper.make_node("Relu", ["s"], ["r2"], "relu2"),
        helper.make_node("Flatten", ["r2"], ["f"], "flatten"),
        helper.make_node("Gemm", ["f", "w3", "b3"], ["y"], "fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "prune_e2e",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       ["N", 1, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
        inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def im2col(x):
    """[N, C, 4, 4] -> [N*16, C*9] patches of a 3x3 convolution, pad 1."""
    n, c = x.shape[:2]
    p = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = np.empty((n, 4, 4, c, 3, 3), x.dtype)
    for ky in range(3):
        for kx in range(3):
            cols[:, :, :, :, ky, kx] = p[:, :, ky:ky + 4, kx:kx + 4].transpose(
                0, 2, 3, 1)
    return cols.reshape(n * 16, c * 9)


def conv(x, w, b):
    n, o = x.shape[0], w.shape[0]
    y = im2col(x.astype(np.float64)) @ w.reshape(o, -1).T.astype(np.float64) + b
    return y.reshape(n, 4, 4, o).transpose(0, 3, 1, 2)


def forward(x, w1, b1, w2, b2, w3, b3, upto=None):
    r1 = np.maximum(conv(x, w1, b1), 0)
    if upto == "conv2":
        return r1
    r2 = np.maximum(conv(r1, w2, b2) + r1, 0)
    f = r2.reshape(len(x), -1)
    if upto == "fc":
        return f
    return f @ w3.T.astype(np.float64) + b3


def ridge_refit(xp, x, w, ridge=1e-4):
    """W' minimizing |xp W'^T - x W^T|^2 + lambda |W'|^2 (bias columns
    included in xp, x and w)."""
    g = xp.T @ xp
    lam = ridge * max(np.mean(np.diag(g)), 1e-12)
    return np.linalg.solve(g + lam * np.eye(len(g)), xp.T @ (x @ w.T)).T


def with_ones(a):
    return np.concatenate([a, np.ones((len(a), 1))], 1)


def run(bin_dir, work, flags, x):
    lib = os.path.join(work, "pruned.so")
    out = subprocess.run(
        [os.path.join(bin_dir, "fulcrum-compile"),
         os.path.join(work, "model.onnx"), "-o", lib, *flags],
        capture_output=True, text=True, check=True).stdout
    macs = re.search(r"MACs: .*\)", out).group(0)
    np.save(os.path.join(work, "x.npy"), x)
    outdir = os.path.join(work, "out")
    subprocess.run([os.path.join(bin_dir, "fulcrum-run"), lib,
                    os.path.join(work, "x.npy"), "--output-dir", outdir],
                   check=True, capture_output=True)
    return macs, np.load(os.path.join(outdir, "y.npy"))


def main():
    bin_dir, work = sys.argv[1], sys.argv[2]
    onnx.save(model(), os.path.join(work, "model.onnx"))
    calib = rng.random((64, 1, 4, 4)).astype(np.float32)
    np.save(os.path.join(work, "calib.npy"), calib)
    x = rng.random((16, 1, 4, 4)).astype(np.float32)
    original = forward(x, W1, B1, W2, B2, W3, B3)

    # The two units with the smallest L1 norm over both producers.
    score = np.abs(W1).reshape(8, -1).sum(1) + np.abs(W2).reshape(8, -1).sum(1)
    keep = np.sort(np.argsort(score)[2:])
    cols = (keep[:, None] * 16 + np.arange(16)).reshape(-1)
    sliced = (W1[keep], B1[keep], W2[keep][:, keep], B2[keep], W3[:, cols], B3)

    flags = ["--prune=0.3", "--prune-criterion=l1",
             "--prune-allocation=uniform"]
    macs, y = run(bin_dir, work, flags + ["--no-reconstruct"], x)
    print(macs)
    expected = forward(x, *sliced)
    err = np.max(np.abs(y - expected))
    print(f"slice: {'ok' if err < 1e-4 else 'MISMATCH'} (max error {err:.2e})")

    # Reconstruction reference: conv2, then the Gemm, on the pruned
    # model's inputs, targets from the original model.
    w1, b1, w2, b2, w3, b3 = [a.astype(np.float64) for a in sliced]
    xp = im2col(forward(calib, w1, b1, w2, b2, w3, b3, upto="conv2"))
    xo = im2col(forward(calib, W1, B1, W2, B2, W3, B3, upto="conv2"))
    wo = np.concatenate([W2.reshape(8, -1), B2[:, None]], 1)[keep]
    refit = ridge_refit(with_ones(xp), with_ones(xo), wo)
    w2, b2 = refit[:, :-1].reshape(len(keep), len(keep), 3, 3), refit[:, -1]
    xp = forward(calib, w1, b1, w2, b2, w3, b3, upto="fc")
    xo = forward(calib, W1, B1, W2, B2, W3, B3, upto="fc")
    refit = ridge_refit(with_ones(xp), with_ones(xo),
                        np.concatenate([W3, B3[:, None]], 1))
    w3, b3 = refit[:, :-1], refit[:, -1]
    expected = forward(x, w1, b1, w2, b2, w3, b3)
    macs, y = run(bin_dir, work, flags + ["--calibration-data",
                                          os.path.join(work, "calib.npy")], x)
    err = np.max(np.abs(y - expected)) / np.max(np.abs(expected))
    print(f"refit: {'ok' if err < 1e-3 else 'MISMATCH'} "
          f"(max relative error {err:.1e})")
    slice_err = np.mean((forward(x, *sliced) - original) ** 2)
    refit_err = np.mean((y - original) ** 2)
    print("refit closer to the original than slicing: " +
          ("ok" if refit_err < slice_err else
           f"NO ({refit_err:.3g} >= {slice_err:.3g})"))


if __name__ == "__main__":
    main()
