"""A torch.jit.script model with a data-dependent If and a loop that
appends [batch, 4] states to a list, exported to ONNX with symbolic steps
and batch (If, Loop with a carried sequence, ConcatFromSequence) for
control-flow-pytorch.test.

`export DIR`: writes DIR/model.onnx and, per case, DIR/<case>_in.npz and
DIR/<case>_ref.npz (PyTorch's outputs). `compare OUT REF`: checks the .npy
files fulcrum-run wrote to OUT against REF within 1e-5 relative.
"""

import numpy as np
import torch
from torch import nn

from pytorch_reference import main

OUTPUTS = ["y", "flat", "h"]
CASES = {"t5_pos": (5, 2, 1.0), "t5_neg": (5, 2, -1.0), "t9_pos": (9, 3, 2.0)}


class Model(nn.Module):
    def forward(self, x, flag):
        outs = []
        h = torch.zeros(x.size(1), x.size(2))
        for i in range(x.size(0)):
            h = torch.tanh(h + x[i])
            outs.append(h * 2)
        y = torch.stack(outs)
        if bool(flag.sum() > 0):
            y = y + 1
        else:
            y = y * 3
        return y, torch.cat(outs, 0), h


def export(out):
    torch.manual_seed(0)
    model = torch.jit.script(Model())
    for name, (t, b, flag) in CASES.items():
        x = torch.randn(t, b, 4)
        f = torch.tensor([flag])
        np.savez(f"{out}/{name}_in.npz", x=x.numpy(), flag=f.numpy())
        refs = model(x, f)
        np.savez(f"{out}/{name}_ref.npz",
                 **{k: v.numpy() for k, v in zip(OUTPUTS, refs)})
    torch.onnx.export(model, (torch.randn(5, 2, 4), torch.tensor([1.0])),
                      f"{out}/model.onnx", opset_version=14,
                      input_names=["x", "flag"], output_names=OUTPUTS,
                      dynamic_axes={"x": {0: "t", 1: "b"}})


if __name__ == "__main__":
    main(export, OUTPUTS)
