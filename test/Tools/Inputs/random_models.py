"""Models of the random operators and statistical checks of their draws
against the distributions they specify (random.test).

  random_models.py make DIR
      DIR/dists.onnx (x -> RandomUniformLike(x, -2, 3), RandomNormal
      (mean 1, scale 2) + x, seeds 1 and 2), DIR/dists-seed.onnx (the same
      with seeds 3 and 4), DIR/bernoulli.onnx (p -> Bernoulli(p)),
      DIR/multinomial.onnx (logits -> Multinomial, 50000 samples), and
      their inputs x.npy, p.npy, logits.npy.
  random_models.py check DIR OUT OUT2 OUTSEED
      Checks the draws in OUT (fulcrum-run --output-dir) against the
      distributions, OUT2 (a second run) for identical values and OUTSEED
      (other seeds) for different ones.
"""
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

N = 100000
SAMPLES = 50000
PROBS = [0.1, 0.5, 0.9, 0.0]
LOGITS = [[0.0, 1.0, 2.0, -1.0], [3.0, 3.0, 0.0, -20.0]]


def save(graph, path):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(m)
    onnx.save(m, path)


def make(out):
    os.makedirs(out, exist_ok=True)
    for name, (s1, s2) in (("dists", (1.0, 2.0)), ("dists-seed", (3.0, 4.0))):
        save(helper.make_graph(
            [helper.make_node("RandomUniformLike", ["x"], ["u"], low=-2.0, high=3.0, seed=s1),
             helper.make_node("RandomNormal", [], ["r"], shape=[N], mean=1.0, scale=2.0, seed=s2),
             helper.make_node("Add", ["r", "x"], ["n"])],
            name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [N])],
            [helper.make_tensor_value_info("u", TensorProto.FLOAT, [N]),
             helper.make_tensor_value_info("n", TensorProto.FLOAT, [N])]),
            os.path.join(out, name + ".onnx"))
    save(helper.make_graph(
        [helper.make_node("Bernoulli", ["p"], ["b"], seed=5.0)], "bernoulli",
        [helper.make_tensor_value_info("p", TensorProto.FLOAT, [len(PROBS), SAMPLES])],
        [helper.make_tensor_value_info("b", TensorProto.FLOAT, [len(PROBS), SAMPLES])]),
        os.path.join(out, "bernoulli.onnx"))
    save(helper.make_graph(
        [helper.make_node("Multinomial", ["logits"], ["k"], sample_size=SAMPLES,
                          dtype=TensorProto.INT64, seed=6.0)], "multinomial",
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info("k", TensorProto.INT64, [2, SAMPLES])]),
        os.path.join(out, "multinomial.onnx"))
    np.save(os.path.join(out, "x.npy"), np.zeros(N, np.float32))
    np.save(os.path.join(out, "p.npy"),
            np.repeat(np.array(PROBS, np.float32)[:, None], SAMPLES, axis=1))
    np.save(os.path.join(out, "logits.npy"), np.array(LOGITS, np.float32))


def expect(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    return ok


def check(out, out2, outseed):
    ok = True
    u = np.load(os.path.join(out, "u.npy"))
    n = np.load(os.path.join(out, "n.npy"))
    ok &= expect(u.min() >= -2 and u.max() < 3, "uniform draws in [-2, 3)")
    ok &= expect(abs(u.mean() - 0.5) < 0.02, "uniform mean %.4f ~ 0.5" % u.mean())
    hist = np.histogram(u, bins=20, range=(-2, 3))[0]
    ok &= expect(np.all(np.abs(hist - N / 20) < 0.05 * N / 20),
                 "uniform histogram flat within 5%")
    ok &= expect(abs(n.mean() - 1) < 0.03, "normal mean %.4f ~ 1" % n.mean())
    ok &= expect(abs(n.std() / 2 - 1) < 0.02, "normal std %.4f ~ 2" % n.std())
    for k in (-2, -1, 0, 1, 2):
        want = 0.5 * (1 + math.erf(k / math.sqrt(2)))
        got = np.mean(n < 1 + 2 * k)
        ok &= expect(abs(got - want) < 0.01,
                     "normal P(z < %d) %.4f ~ %.4f" % (k, got, want))
    b = np.load(os.path.join(out, "b.npy"))
    ok &= expect(set(np.unique(b)) <= {0.0, 1.0}, "bernoulli draws are 0 or 1")
    for row, p in enumerate(PROBS):
        ok &= expect(abs(b[row].mean() - p) < 0.01,
                     "bernoulli frequency %.4f ~ %.1f" % (b[row].mean(), p))
    k = np.load(os.path.join(out, "k.npy"))
    ok &= expect(k.dtype == np.int64 and k.min() >= 0 and k.max() < 4,
                 "multinomial classes in [0, 4)")
    for row, logits in enumerate(LOGITS):
        p = np.exp(np.array(logits) - max(logits))
        p /= p.sum()
        freq = np.bincount(k[row], minlength=4) / SAMPLES
        ok &= expect(np.all(np.abs(freq - p) < 0.01),
                     "multinomial frequencies %s ~ %s" % (np.round(freq, 3), np.round(p, 3)))
    for name in ("u", "n", "b", "k"):
        a = np.load(os.path.join(out, name + ".npy"))
        ok &= expect(np.array_equal(a, np.load(os.path.join(out2, name + ".npy"))),
                     "%s identical in a second run" % name)
    for name in ("u", "n"):
        a = np.load(os.path.join(out, name + ".npy"))
        ok &= expect(np.mean(a == np.load(os.path.join(outseed, name + ".npy"))) < 0.01,
                     "%s differs with another seed" % name)
    return ok


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        sys.exit(0 if check(*sys.argv[2:5]) else 1)
