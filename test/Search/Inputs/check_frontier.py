"""Checks a search's frontier.json against references computed here.

    check_frontier.py REPORT_DIR MODEL.onnx IMAGES.npy LABELS.npy|- COUNT
        BUDGET [--artifact best.so --fulcrum-run PATH]

* the split: disjoint, sorted, covering range(COUNT);
* the original model's metrics on each part, recomputed with NumPy from the
  ONNX weights (the MLP: Flatten, Gemm+ReLU, Gemm+ReLU, Gemm) and its
  inputs: top-1, top-5, macro F1 (or, without labels, agreement 100%);
* on_frontier: recomputed from (held-out metric, latency), where one point
  is faster than another when its measured latency is more than the
  report's latency_tolerance below the other's, and within that band when
  its predicted latency is lower;
* within_budget and chosen: the chosen point is the fastest point whose
  loss is within BUDGET on both parts (between points neither faster, the
  more accurate on the held-out part, then the first);
* with --artifact: the written artifact's top-1 on the held-out images, by
  fulcrum-run, is the chosen point's held-out top-1.
Prints `OK` and one line per check.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper


def mlp_logits(model_path, x):
    model = onnx.load(model_path)
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    h = x.reshape(x.shape[0], -1).astype(np.float64)
    for node in model.graph.node:
        if node.op_type == "Gemm":
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            w = weights[node.input[1]].astype(np.float64)
            if attrs.get("transB", 0):
                w = w.T
            h = h @ w + weights[node.input[2]]
        elif node.op_type == "Relu":
            h = np.maximum(h, 0)
    return h


def metrics(logits, labels):
    pred = logits.argmax(1)
    top1 = 100 * np.mean(pred == labels)
    above = (logits > logits[np.arange(len(labels)), labels][:, None]).sum(1)
    top5 = 100 * np.mean(above < 5)
    f1 = 0
    classes = logits.shape[1]
    for k in range(classes):
        tp = np.sum((pred == k) & (labels == k))
        fp = np.sum((pred == k) & (labels != k))
        fn = np.sum((pred != k) & (labels == k))
        p = tp / (tp + fp) if tp + fp else 0
        r = tp / (tp + fn) if tp + fn else 0
        f1 += 2 * p * r / (p + r) if p + r else 0
    return {"top1": top1, "top5": top5, "f1": 100 * f1 / classes}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("model")
    ap.add_argument("images")
    ap.add_argument("labels")
    ap.add_argument("count", type=int)
    ap.add_argument("budget", type=float)
    ap.add_argument("--artifact")
    ap.add_argument("--fulcrum-run")
    args = ap.parse_args()
    r = json.load(open(os.path.join(args.report, "frontier.json")))
    n = args.count
    sens, held = r["split"]["sensitivity"], r["split"]["held_out"]
    assert sens == sorted(sens) and held == sorted(held)
    assert not set(sens) & set(held), "the parts overlap"
    assert sorted(sens + held) == list(range(n)), "the parts do not cover"
    print(f"split: {len(sens)} sensitivity, {len(held)} held out")

    x = np.load(args.images)[:n]
    logits = mlp_logits(args.model, x)
    labelled = args.labels != "-"
    labels = np.load(args.labels)[:n].astype(np.int64) if labelled else logits.argmax(1)
    base = r["points"][0]
    assert base["name"] == "fp32"
    metric = r["metric"]
    for part, idx in (("sensitivity", sens), ("held_out", held)):
        ref = metrics(logits[idx], labels[idx])
        got = base[part]
        if labelled:
            for key in ("top1", "top5", "f1"):
                assert abs(got[key] - ref[key]) < 1e-4, (part, key, got[key], ref[key])
        else:
            assert "top1" not in got
            assert got["agreement"] == 100 and got["max_error"] == 0
    print("original model: matches NumPy on both parts")

    def value(p):
        return p["held_out"][metric] if labelled else p["held_out"]["agreement"]
    pts = r["points"]
    tol = r["latency_tolerance"]

    def order(a, b):
        # -1: a is faster, 1: b is, 0: neither.
        if a["measured_ms"] < (1 - tol) * b["measured_ms"]:
            return -1
        if b["measured_ms"] < (1 - tol) * a["measured_ms"]:
            return 1
        return (a["predicted_ms"] > b["predicted_ms"]) - (a["predicted_ms"] < b["predicted_ms"])
    for p in pts:
        dominated = any(q["id"] != p["id"] and value(q) >= value(p) and
                        order(q, p) <= 0 and
                        (value(q) > value(p) or order(q, p) < 0)
                        for q in pts)
        assert p["on_frontier"] == (not dominated), p["name"]
    print(f"frontier: {sum(p['on_frontier'] for p in pts)} of {len(pts)} points")
    def sens(p):
        return p["sensitivity"][metric] if labelled else p["sensitivity"]["agreement"]
    within = [p for p in pts if value(base) - value(p) <= args.budget + 1e-9
              and sens(base) - sens(p) <= args.budget + 1e-9]
    for p in pts:
        assert p["within_budget"] == (p in within), p["name"]
    best = within[0]
    for p in within[1:]:
        o = order(p, best)
        if o < 0 or (o == 0 and value(p) > value(best)):
            best = p
    assert r["chosen"] == best["id"] and best["chosen"]
    assert sum(p["chosen"] for p in pts) == 1
    print(f"chosen: #{best['id']}, the fastest of {len(within)} within budget")

    if args.artifact:
        with tempfile.TemporaryDirectory() as tmp:
            np.save(os.path.join(tmp, "x.npy"), x[held])
            np.save(os.path.join(tmp, "y.npy"), labels[held])
            out = subprocess.run([args.fulcrum_run, args.artifact, "--eval-data",
                                  os.path.join(tmp, "x.npy"), "--labels",
                                  os.path.join(tmp, "y.npy")], check=True,
                                 capture_output=True, text=True).stdout
        line = [l for l in out.splitlines() if l.startswith("top-1:")][0]
        got = float(line.split()[1].rstrip("%"))
        want = best["held_out"]["top1"] if labelled else best["held_out"]["agreement"]
        assert abs(got - want) < 0.01, (got, want)
        print(f"artifact: held-out top-1 {got:.2f}% as reported")
    print("OK")


if __name__ == "__main__":
    sys.exit(main())
