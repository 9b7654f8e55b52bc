"""PyTorch models exported as a user would, for foreign-pytorch.test.

  foreign_pytorch.py export DIR
      Writes, with fixed seeds:
      - mobilenet.onnx: torchvision's MobileNetV2 (width 0.25, 10 classes),
        exported at opset 11 with a symbolic batch, height and width;
      - crnn.onnx: a CRNN-style OCR model (a conv/BN/ReLU/pool backbone,
        the mean over the height, a bidirectional LSTM over the width,
        a linear layer and log-softmax over the classes, CTC-style
        [time, batch, classes]), exported at opset 11 with a symbolic
        batch and width;
      - crnn-batch.onnx: the same CRNN with a symbolic batch only (width
        64), and crnn-b{1,3,8}.onnx with a static batch of 1, 3 and 8;
      - per case NAME: NAME_x.npy and PyTorch's output NAME_ref.npy.
  foreign_pytorch.py compare GOT.npy WANT.npy
      Checks GOT against PyTorch's WANT within rtol 1e-4, atol 1e-5.
  foreign_pytorch.py same A.npy B.npy
      Checks that A and B are bit for bit identical.
"""

import sys

import numpy as np

# (name, model, input shape)
CASES = [("mnet_b1_64x64", "mobilenet", (1, 3, 64, 64)),
         ("mnet_b2_48x80", "mobilenet", (2, 3, 48, 80)),
         ("crnn_b1_w64", "crnn", (1, 1, 32, 64)),
         ("crnn_b3_w64", "crnn", (3, 1, 32, 64)),
         ("crnn_b8_w64", "crnn", (8, 1, 32, 64)),
         ("crnn_b2_w100", "crnn", (2, 1, 32, 100))]


def models():
    import torch
    import torchvision
    from torch import nn

    class CRNN(nn.Module):
        def __init__(self, classes=11):
            super().__init__()

            def block(cin, cout, pool):
                return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout),
                        nn.ReLU(), nn.MaxPool2d(pool)]
            self.cnn = nn.Sequential(*block(1, 16, 2), *block(16, 32, 2),
                                     *block(32, 32, (2, 1)))
            self.rnn = nn.LSTM(32, 24, bidirectional=True)
            self.fc = nn.Linear(48, classes)

        def forward(self, x):  # [B, 1, 32, W]
            f = self.cnn(x).mean(2)  # [B, 32, W / 4]
            y, _ = self.rnn(f.permute(2, 0, 1))  # [T, B, 48]
            return self.fc(y).log_softmax(2)  # [T, B, classes]

    torch.manual_seed(0)
    mnet = torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=10)
    crnn = CRNN()
    for m in (mnet, crnn):
        # Non-trivial batch-norm statistics.
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.2, 0.2)
                mod.running_var.uniform_(0.5, 1.5)
        m.eval()
    return {"mobilenet": mnet, "crnn": crnn}


def export(out):
    import torch
    ms = models()
    gen = torch.Generator().manual_seed(1)
    for name, model, shape in CASES:
        x = torch.randn(*shape, generator=gen)
        np.save(f"{out}/{name}_x.npy", x.numpy())
        with torch.no_grad():
            np.save(f"{out}/{name}_ref.npy", ms[model](x).numpy())
    dyn = {"mobilenet": ({"x": {0: "batch", 2: "height", 3: "width"},
                          "y": {0: "batch"}}, (1, 3, 64, 64)),
           "crnn": ({"x": {0: "batch", 3: "width"},
                     "y": {0: "time", 1: "batch"}}, (2, 1, 32, 64))}
    for model, (axes, shape) in dyn.items():
        torch.onnx.export(ms[model], torch.zeros(shape), f"{out}/{model}.onnx",
                          opset_version=11, input_names=["x"],
                          output_names=["y"], dynamic_axes=axes)
    # Dynamic batch only (width 64), for the batch-invariance check.
    torch.onnx.export(ms["crnn"], torch.zeros(2, 1, 32, 64),
                      f"{out}/crnn-batch.onnx", opset_version=11,
                      input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {1: "batch"}})
    for b in (1, 3, 8):
        torch.onnx.export(ms["crnn"], torch.zeros(b, 1, 32, 64),
                          f"{out}/crnn-b{b}.onnx", opset_version=11,
                          input_names=["x"], output_names=["y"])


def compare(got, want):
    from foreign_models import compare as check
    check(got, want, "PyTorch")


def same(a, b):
    x, y = np.load(a), np.load(b)
    if x.shape != y.shape or x.tobytes() != y.tobytes():
        diff = np.max(np.abs(x - y)) if x.shape == y.shape else "shape"
        sys.exit(f"{a} and {b} differ ({diff})")
    print(f"{a}: identical")


if __name__ == "__main__":
    {"export": lambda: export(sys.argv[2]),
     "compare": lambda: compare(sys.argv[2], sys.argv[3]),
     "same": lambda: same(sys.argv[2], sys.argv[3])}[sys.argv[1]]()
