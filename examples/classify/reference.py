#!/usr/bin/env python3
"""NumPy reference of models/tiny-cnn.onnx.

Usage: reference.py MODEL.onnx < classify-output
       reference.py MODEL.onnx --images X.npy --compare PROBS.npy
The first form checks the probabilities classify.c printed for its image;
the second checks a batch of probabilities (for example from
`fulcrum-run --output-dir`) for the images X. Tolerances: rtol 1e-4,
atol 1e-6; exits non-zero on a mismatch.
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper

model = onnx.load(sys.argv[1])
w = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


def conv3x3(x, k, b):
    n, c, h, wd = x.shape
    p = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((n, k.shape[0], h, wd), np.float64)
    for i in range(3):
        for j in range(3):
            out += np.einsum("nchw,mc->nmhw", p[:, :, i:i + h, j:j + wd], k[:, :, i, j])
    return out + b[None, :, None, None]


batch = "--images" in sys.argv
if batch:
    x = np.load(sys.argv[sys.argv.index("--images") + 1]).astype(np.float64)
else:
    x = np.array([[1.0 if 12 <= xx < 16 else 0.1 * ((xx + y) % 3) for xx in range(28)]
                  for y in range(28)], np.float32)[None, None].astype(np.float64)
c1 = conv3x3(x, w["conv1.w"], w["conv1.b"])
bn = (c1 - w["bn.mean"][None, :, None, None]) / np.sqrt(w["bn.var"][None, :, None, None] + 1e-5)
r1 = np.maximum(bn * w["bn.scale"][None, :, None, None] + w["bn.bias"][None, :, None, None], 0)
r2 = np.maximum(conv3x3(r1, w["conv2.w"], w["conv2.b"]) + r1, 0)
p = r2.reshape(x.shape[0], 8, 14, 2, 14, 2).max(axis=(3, 5))
g = p.mean(axis=(2, 3))
logits = g @ w["fc.w"].T + w["fc.b"]
e = np.exp(logits - logits.max(axis=1, keepdims=True))
probs = e / e.sum(axis=1, keepdims=True)
if batch:
    actual = np.load(sys.argv[sys.argv.index("--compare") + 1])
    if actual.shape != probs.shape or not np.allclose(actual, probs, rtol=1e-4, atol=1e-6):
        print("MISMATCH\nexpected", probs, "\nactual  ", actual)
        sys.exit(1)
    print(f"batch of {x.shape[0]} matches the NumPy reference")
    sys.exit(0)
expected = probs[0]

line = next(l for l in sys.stdin if l.startswith("probabilities:"))
actual = np.array([float(v) for v in line.split(":")[1].split()])
if not np.allclose(actual, expected, rtol=1e-4, atol=1e-6):
    print("MISMATCH\nexpected", expected, "\nactual  ", actual)
    sys.exit(1)
print(f"matches the NumPy reference (predicted class {int(expected.argmax())})")
