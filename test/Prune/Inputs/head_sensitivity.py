"""PyTorch reference for the activation criterion of head pruning on the
project's ViT (models/vit.onnx: 4 blocks of 4 heads, explicit attention).

For each head it zeroes the head's rows of its block's output projection,
adds their mean contribution on the calibration data to the projection's
bias, runs the model on the calibration data and measures how far the
logits moved from the original's: KL(softmax(original) || softmax(pruned))
per image, or the mean squared change. The heads are then removed as
fulcrum-compile removes them: least sensitive first across the blocks,
each block keeping one head and losing at most round(2 (1 - keep) H).

Compares the result with `fulcrum-compile --prune-report` output (the
'heads removed' lines, in block order) and prints `heads: match` or the
difference.

    head_sensitivity.py MODEL.onnx CALIB.npy REPORT.txt --metric kl|mse
        --keep 0.75
"""
import argparse
import re
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

H, D, DIM = 4, 16, 64


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("calib")
    parser.add_argument("report")
    parser.add_argument("--metric", choices=["kl", "mse"], required=True)
    parser.add_argument("--keep", type=float, required=True)
    args = parser.parse_args()

    graph = onnx.load(args.model).graph
    w = {i.name: torch.tensor(numpy_helper.to_array(i).copy())
         for i in graph.initializer}
    # The exported products' weights, [in, out], in graph order: the patch
    # embedding, then each block's packed Q/K/V, output projection, fc1, fc2.
    products = sorted((n for n in w if n.startswith("onnx::MatMul_")),
                      key=lambda n: int(n.rsplit("_", 1)[1]))
    embed = w[products[0]]
    blocks = [products[1 + 4 * b:5 + 4 * b] for b in range(4)]
    ln = torch.nn.functional.layer_norm

    def forward(x, out_proj=None, heads=None):
        n = x.shape[0]
        x = x.reshape(n, 7, 4, 7, 4).permute(0, 1, 3, 2, 4).reshape(n, 49, 16)
        x = x @ embed + w["embed.bias"]
        x = torch.cat([w["cls"].expand(n, -1, -1), x], 1) + w["pos"]
        for b, (qkv_w, out_w, fc1, fc2) in enumerate(blocks):
            p = f"blocks.{b}."
            h = ln(x, (DIM,), w[p + "norm1.weight"], w[p + "norm1.bias"])
            qkv = h @ w[qkv_w] + w[p + "attn.mha.in_proj_bias"]
            q, k, v = qkv.reshape(n, 50, 3, H, D).permute(2, 0, 3, 1, 4)
            y = torch.softmax(q @ k.transpose(-2, -1) / D ** 0.5, -1) @ v
            y = y.transpose(1, 2).reshape(n, 50, DIM)
            if heads is not None:
                heads.append(y)
            proj = (w[out_w], w[p + "attn.mha.out_proj.bias"])
            if out_proj is not None and b in out_proj:
                proj = out_proj[b]
            x = x + y @ proj[0] + proj[1]
            h = ln(x, (DIM,), w[p + "norm2.weight"], w[p + "norm2.bias"])
            x = x + torch.nn.functional.gelu(
                h @ w[fc1] + w[p + "fc1.bias"]) @ w[fc2] + w[p + "fc2.bias"]
        x = ln(x[:, 0], (DIM,), w["norm.weight"], w["norm.bias"])
        return x @ w["head.weight"].T + w["head.bias"]

    calib = torch.tensor(np.load(args.calib), dtype=torch.float32)
    with torch.no_grad():
        heads = []
        reference = forward(calib, heads=heads).double()
        means = [y.reshape(-1, DIM).mean(0) for y in heads]
        score = {}
        for b, names in enumerate(blocks):
            out_w = w[names[1]]
            for head in range(H):
                rows = slice(head * D, head * D + D)
                zeroed = out_w.clone()
                zeroed[rows] = 0
                bias = (w[f"blocks.{b}.attn.mha.out_proj.bias"] +
                        means[b][rows] @ out_w[rows])
                out = forward(calib, {b: (zeroed, bias)}).double()
                if args.metric == "mse":
                    score[b, head] = ((out - reference) ** 2).mean().item()
                else:
                    p = reference.log_softmax(1)
                    score[b, head] = (p.exp() * (p - out.log_softmax(1))).sum(
                        1).mean().item()

    remove = 4 * H - max(1, round(args.keep * 4 * H))
    most = max(1, round(2 * (1 - args.keep) * H))
    removed = {b: [] for b in range(4)}
    for (b, head) in sorted(score, key=lambda key: (score[key], key)):
        if remove == 0:
            break
        if len(removed[b]) + 1 >= H or len(removed[b]) + 1 > most:
            continue
        removed[b].append(head)
        remove -= 1
    expected = [sorted(r) for r in removed.values()]

    lines = [line for line in open(args.report) if "/attn/" in line]
    got = []
    for line in lines:
        m = re.search(r"heads removed:([ 0-9]*)$", line.strip())
        got.append(sorted(int(u) for u in m.group(1).split()) if m else [])
    if got == expected:
        print("heads: match")
        return 0
    print(f"heads: differ: fulcrum-compile removed {got}, the reference "
          f"{expected} (scores {score})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
