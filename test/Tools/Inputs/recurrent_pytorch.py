"""PyTorch recurrent layers against Fulcrum (recurrent-pytorch.test).

`export DIR`: writes DIR/static.onnx (fixed batch and sequence length) and
DIR/dynamic.onnx (both symbolic) of a small model, a bidirectional LSTM
followed by a batch-first bidirectional GRU and a one-directional GRU, and
inputs with PyTorch's outputs for three shapes (DIR/<name>_x.npy and
DIR/<name>_ref.npz). `compare OUT REF`: checks the .npy files fulcrum-run
wrote to OUT against REF within 1e-5 relative.
"""

import numpy as np
import torch
from torch import nn

from pytorch_reference import main

SHAPES = {"s5b3": (5, 3), "s2b1": (2, 1), "s9b4": (9, 4)}  # (T, B)
OUTPUTS = ["y", "h_lstm", "c_lstm", "z", "h_gru", "w"]


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 8, bidirectional=True)
        self.gru = nn.GRU(16, 5, batch_first=True, bidirectional=True)
        self.gru2 = nn.GRU(10, 4, batch_first=True)

    def forward(self, x):  # x: [T, B, 6]
        y, (h, c) = self.lstm(x)
        z, hg = self.gru(y.transpose(0, 1))
        w, _ = self.gru2(z)
        return y, h, c, z, hg, w


def export(out):
    torch.manual_seed(0)
    model = Model().eval()
    for name, (t, b) in SHAPES.items():
        x = torch.randn(t, b, 6)
        np.save(f"{out}/{name}_x.npy", x.numpy())
        with torch.no_grad():
            refs = model(x)
        np.savez(f"{out}/{name}_ref.npz",
                 **{k: v.numpy() for k, v in zip(OUTPUTS, refs)})
    x = torch.randn(*SHAPES["s5b3"], 6)
    dynamic = {"x": {0: "seq", 1: "batch"}}
    for k in OUTPUTS:
        dynamic[k] = {0: "d0", 1: "d1"}
    for file, axes in (("static", None), ("dynamic", dynamic)):
        torch.onnx.export(model, (x,), f"{out}/{file}.onnx", opset_version=14,
                          input_names=["x"], output_names=OUTPUTS,
                          dynamic_axes=axes)


if __name__ == "__main__":
    main(export, OUTPUTS)
