"""Writes small attention models exported by torch.onnx the ways PyTorch
spells attention (explicit MatMul/Softmax per head, nn.MultiheadAttention
batch-first or not, scales on q, k or the scores, additive and boolean
masks), at opsets 13 to 17 and at a dynamic or static batch, with expected
outputs computed by PyTorch in float64, as ONNX backend test data:
DIR/<name>/model.onnx and DIR/<name>/test_data_set_{0,1}/{input,output}_0.pb
(set 1 at another batch size when the batch is dynamic).

Usage: attention-models.py DIR
"""
import math
import os
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn
from onnx import numpy_helper

warnings.filterwarnings("ignore")
torch.manual_seed(5)
L, E, H = 10, 32, 4


class Explicit(nn.Module):
    """q k^T / sqrt(d) -> softmax -> v, with the scale where `scale_on`
    says and an optional mask."""

    def __init__(self, scale_on="scores", mask=None):
        super().__init__()
        self.qkv = nn.Linear(E, 3 * E)
        self.out = nn.Linear(E, E)
        self.scale_on, self.mask = scale_on, mask
        causal = torch.tril(torch.ones(L, L))
        self.register_buffer("additive", (1 - causal) * -1e9)
        self.register_buffer("keep", causal.bool())

    def forward(self, x):
        b, n, _ = x.shape
        d = E // H
        qkv = self.qkv(x).reshape(b, n, 3, H, d).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        if self.scale_on == "q":
            q = q * d ** -0.5
        if self.scale_on == "k":
            k = k / math.sqrt(d)
        s = torch.matmul(q, k.transpose(-2, -1))
        if self.scale_on == "scores":
            s = s / math.sqrt(d)
        if self.mask == "additive":
            s = s + self.additive
        if self.mask == "boolean":
            s = s.masked_fill(~self.keep, float("-inf"))
        if self.mask == "window3":  # the reference of --attention-window=3
            i = torch.arange(n)[:, None]
            j = torch.arange(n)[None, :]
            far = ((i - j).abs() > 3) & (i >= 1) & (j >= 1)
            s = s.masked_fill(far, float("-inf"))
        y = torch.matmul(torch.softmax(s, dim=-1), v)
        return self.out(y.transpose(1, 2).reshape(b, n, E))


class MHA(nn.Module):
    def __init__(self, batch_first):
        super().__init__()
        self.batch_first = batch_first
        self.mha = nn.MultiheadAttention(E, H, batch_first=batch_first)

    def forward(self, x):
        if not self.batch_first:
            x = x.transpose(0, 1)
        y = self.mha(x, x, x, need_weights=False)[0]
        return y if self.batch_first else y.transpose(0, 1)


# name: (module, opset, dynamic batch)
MODELS = {
    "explicit_o13_dynamic": (lambda: Explicit(), 13, True),
    "explicit_o17_static": (lambda: Explicit(), 17, False),
    "explicit_scale_q_o14": (lambda: Explicit("q"), 14, True),
    "explicit_scale_k_o15": (lambda: Explicit("k"), 15, False),
    "explicit_additive_mask_o16": (lambda: Explicit(mask="additive"), 16,
                                   True),
    "explicit_boolean_mask_o17": (lambda: Explicit(mask="boolean"), 17,
                                  False),
    # exported without the window; expected outputs with it
    "explicit_window3_o17": (lambda: Explicit(), 17, True),
    "mha_batch_first_o13_dynamic": (lambda: MHA(True), 13, True),
    "mha_batch_first_o17_static": (lambda: MHA(True), 17, False),
    "mha_sequence_first_o14_dynamic": (lambda: MHA(False), 14, True),
    "mha_sequence_first_o16_static": (lambda: MHA(False), 16, False),
}


def write(path, array):
    tensor = numpy_helper.from_array(np.ascontiguousarray(array))
    with open(path, "wb") as f:
        f.write(tensor.SerializeToString())


def main(out):
    for name, (make, opset, dynamic) in MODELS.items():
        model = make().eval()
        os.makedirs(os.path.join(out, name), exist_ok=True)
        x = torch.randn(2, L, E)
        torch.onnx.export(
            model, x, os.path.join(out, name, "model.onnx"),
            input_names=["x"], output_names=["y"], opset_version=opset,
            dynamic_axes={"x": {0: "b"}, "y": {0: "b"}} if dynamic else None)
        reference = model.double()
        if name.startswith("explicit_window3"):
            reference.mask = "window3"
        for i, batch in enumerate([2, 3] if dynamic else [2]):
            xs = torch.randn(batch, L, E)
            with torch.no_grad():
                y = reference(xs.double()).float().numpy()
            d = os.path.join(out, name, f"test_data_set_{i}")
            os.makedirs(d, exist_ok=True)
            write(os.path.join(d, "input_0.pb"), xs.numpy())
            write(os.path.join(d, "output_0.pb"), y)


if __name__ == "__main__":
    main(sys.argv[1])
