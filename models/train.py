#!/usr/bin/python3
"""Trains a Fashion-MNIST model on the CPU and exports it to ONNX.

    /usr/bin/python3 models/train.py mlp     # -> models/mlp.onnx, mlp-b1.onnx
    /usr/bin/python3 models/train.py cnn     # -> models/cnn.onnx, cnn-b1.onnx
    /usr/bin/python3 models/train.py vit     # -> models/vit.onnx, vit-b1.onnx,
                                             #    vit-mha.onnx, vit-mha-b1.onnx

Each model takes `image`, float32 [N,1,28,28] scaled to [0,1], and returns
`logits`, float32 [N,10]. `<name>.onnx` has a symbolic batch dimension
`batch`; `<name>-b1.onnx` has batch 1. The ViT is exported twice from the
same weights: once with attention written out as MatMul/Softmax, once
through `torch.nn.MultiheadAttention`.

Training is seeded (torch.manual_seed), runs on Debian's python3-torch
(1.13) and takes a few minutes per model on 2 cores. The test accuracy
quoted in models/README.md is measured by `models/evaluate.py` on the
exported ONNX files.
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_mnist  # noqa: E402

MODELS_DIR = os.path.dirname(os.path.abspath(__file__))
OPSET = 17


class MLP(nn.Module):
    """784-512-256-10 with ReLU."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 512)
        self.fc2 = nn.Linear(512, 256)
        self.fc3 = nn.Linear(256, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class ResidualBlock(nn.Module):
    """Conv-BN-ReLU-Conv-BN plus a shortcut (1x1 conv when the shape
    changes), then ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False),
                nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.shortcut is None else self.shortcut(x)
        return F.relu(y + s)


class ResNetCNN(nn.Module):
    """A small ResNet: stem, three residual stages, global average pool."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1, bias=False),
                                  nn.BatchNorm2d(32), nn.ReLU())
        self.stage1 = ResidualBlock(32, 32, 1)
        self.pool = nn.MaxPool2d(2)                 # 28 -> 14
        self.stage2 = ResidualBlock(32, 64, 2)      # 14 -> 7
        self.stage3 = ResidualBlock(64, 128, 2)     # 7 -> 4
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        x = self.stem(x)
        x = self.pool(self.stage1(x))
        x = self.stage3(self.stage2(x))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


class Attention(nn.Module):
    """Multi-head self-attention. With `explicit`, the heads are computed
    with MatMul/Softmax written out; otherwise through
    nn.MultiheadAttention. Both share one parameter layout (in_proj_weight
    [3D, D], out_proj), so one set of trained weights exports both ways."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.mha = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.explicit = True

    def forward(self, x):
        if not self.explicit:
            return self.mha(x, x, x, need_weights=False)[0]
        b, n, d = x.shape
        h = self.heads
        qkv = F.linear(x, self.mha.in_proj_weight, self.mha.in_proj_bias)
        qkv = qkv.reshape(b, n, 3, h, d // h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(d // h)
        y = torch.matmul(torch.softmax(scores, dim=-1), v)
        y = y.transpose(1, 2).reshape(b, n, d)
        return self.mha.out_proj(y)


class EncoderBlock(nn.Module):
    def __init__(self, dim, heads, mlp_dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, mlp_dim)
        self.fc2 = nn.Linear(mlp_dim, dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ViT(nn.Module):
    """4x4 patches (49 tokens) + a class token, pre-norm encoder blocks."""

    def __init__(self, dim=64, depth=4, heads=4, mlp_dim=128, patch=4):
        super().__init__()
        self.patch = patch
        tokens = (28 // patch) ** 2
        self.embed = nn.Linear(patch * patch, dim)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, tokens + 1, dim) * 0.02)
        self.blocks = nn.ModuleList(
            [EncoderBlock(dim, heads, mlp_dim) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 10)

    def set_explicit_attention(self, explicit):
        for block in self.blocks:
            block.attn.explicit = explicit

    def forward(self, x):
        b = x.shape[0]
        p = self.patch
        x = x.reshape(b, 28 // p, p, 28 // p, p).permute(0, 1, 3, 2, 4)
        x = self.embed(x.reshape(b, (28 // p) ** 2, p * p))
        x = torch.cat([self.cls.expand(b, -1, -1), x], dim=1) + self.pos
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x[:, 0]))


CONFIGS = {
    # name: (constructor, epochs, learning rate, weight decay, augment)
    "mlp": (MLP, 12, 1e-3, 0.0, False),
    "cnn": (ResNetCNN, 8, 2e-3, 5e-4, True),
    "vit": (ViT, 15, 2e-3, 0.05, True),
}


def augment(images, generator):
    """Random horizontal flips and +-2 pixel shifts."""
    flip = torch.rand(images.shape[0], generator=generator) < 0.5
    images = torch.where(flip[:, None, None, None], images.flip(3), images)
    padded = F.pad(images, (2, 2, 2, 2))
    dx, dy = torch.randint(0, 5, (2,), generator=generator).tolist()
    return padded[:, :, dy:dy + 28, dx:dx + 28]


def evaluate(model, images, labels):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), 1000):
            logits = model(images[i:i + 1000])
            correct += (logits.argmax(1) == labels[i:i + 1000]).sum().item()
    return 100.0 * correct / len(images)


def train(name, epochs):
    make, default_epochs, lr, weight_decay, use_augment = CONFIGS[name]
    epochs = epochs or default_epochs
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    train_x, train_y = (torch.from_numpy(a) for a in fashion_mnist.load("train"))
    test_x, test_y = (torch.from_numpy(a) for a in fashion_mnist.load("test"))
    model = make()
    opt = torch.optim.AdamW(model.parameters(), lr=lr,
                            weight_decay=weight_decay)
    batch = 128
    steps = epochs * math.ceil(len(train_x) / batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps,
                                                pct_start=0.15)
    for epoch in range(epochs):
        model.train()
        start = time.time()
        order = torch.randperm(len(train_x), generator=generator)
        total = 0.0
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            x = train_x[idx]
            if use_augment:
                x = augment(x, generator)
            loss = F.cross_entropy(model(x), train_y[idx],
                                   label_smoothing=0.1 if use_augment else 0)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        acc = evaluate(model, test_x, test_y)
        print(f"{name} epoch {epoch + 1}/{epochs}: loss "
              f"{total / len(train_x):.4f}, test top-1 {acc:.2f}% "
              f"({time.time() - start:.0f} s)", flush=True)
    return model


def export(model, path, dynamic_batch):
    model.eval()
    example = torch.zeros(1, 1, 28, 28)
    axes = {"image": {0: "batch"}, "logits": {0: "batch"}}
    torch.onnx.export(model, example, path, input_names=["image"],
                      output_names=["logits"], opset_version=OPSET,
                      dynamic_axes=axes if dynamic_batch else None,
                      do_constant_folding=True)
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.2f} MB)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", choices=sorted(CONFIGS))
    parser.add_argument("--epochs", type=int, default=0,
                        help="override the default number of epochs")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--output-dir", default=MODELS_DIR)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = train(args.model, args.epochs)
    variants = [(args.model, None)]
    if args.model == "vit":
        variants = [("vit", True), ("vit-mha", False)]
    for name, explicit in variants:
        if explicit is not None:
            model.set_explicit_attention(explicit)
        export(model, os.path.join(args.output_dir, name + ".onnx"), True)
        export(model, os.path.join(args.output_dir, name + "-b1.onnx"), False)


if __name__ == "__main__":
    main()
