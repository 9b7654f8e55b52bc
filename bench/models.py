"""The benchmark's model zoo: PyTorch definitions and their ONNX exports.

Every model is available both as a torch.nn.Module (for the PyTorch peer)
and as an ONNX file with a symbolic batch dimension (for Fulcrum and ONNX
Runtime). The Fashion-MNIST models use the trained, committed files in
models/ (their PyTorch twins have random weights: latency does not depend on
the values); ResNet-18, MobileNetV2 and the BERT-style encoder are built from
their definitions with seeded random weights and exported at benchmark time,
so nothing is downloaded.
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "models"))
import train  # noqa: E402  (the Fashion-MNIST model definitions)


class BertEncoder(nn.Module):
    """A BERT-style encoder: token + position embeddings, post-norm
    encoder layers (multi-head self-attention written as MatMul/Softmax,
    GELU feed-forward), mean-pooled output."""

    def __init__(self, vocab=8000, seq=128, dim=256, depth=4, heads=4,
                 ffn=1024):
        super().__init__()
        self.heads = heads
        self.tokens = nn.Embedding(vocab, dim)
        self.positions = nn.Parameter(torch.randn(1, seq, dim) * 0.02)
        self.norm = nn.LayerNorm(dim)
        self.layers = nn.ModuleList()
        for _ in range(depth):
            self.layers.append(nn.ModuleDict({
                "qkv": nn.Linear(dim, 3 * dim), "out": nn.Linear(dim, dim),
                "norm1": nn.LayerNorm(dim), "fc1": nn.Linear(dim, ffn),
                "fc2": nn.Linear(ffn, dim), "norm2": nn.LayerNorm(dim)}))

    def forward(self, ids):
        b, n = ids.shape
        x = self.norm(self.tokens(ids) + self.positions)
        d = x.shape[-1]
        h = self.heads
        for layer in self.layers:
            qkv = layer["qkv"](x).reshape(b, n, 3, h, d // h)
            q, k, v = qkv.permute(2, 0, 3, 1, 4)
            scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(d // h)
            a = torch.matmul(torch.softmax(scores, -1), v)
            a = layer["out"](a.transpose(1, 2).reshape(b, n, d))
            x = layer["norm1"](x + a)
            x = layer["norm2"](x + layer["fc2"](F.gelu(layer["fc1"](x))))
        return x.mean(1)


class ViTTokens(train.ViT):
    """The Fashion-MNIST ViT's architecture (dim 64, 4 pre-norm blocks of 4
    heads, 4x4 patches, a class token) with `tokens` tokens: its image is
    one row of tokens - 1 patches, 1 x 4 x 4(tokens - 1), since the 28x28
    images fix the trained model at 50. For latency at longer sequences
    (random weights)."""

    def __init__(self, tokens):
        super().__init__()
        self.width = self.patch * (tokens - 1)
        self.pos = nn.Parameter(torch.randn(1, tokens, 64) * 0.02)

    def forward(self, x):
        b = x.shape[0]
        p = self.patch
        x = x.reshape(b, 1, p, self.width // p, p).permute(0, 1, 3, 2, 4)
        x = self.embed(x.reshape(b, self.width // p, p * p))
        x = torch.cat([self.cls.expand(b, -1, -1), x], dim=1) + self.pos
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x[:, 0]))


def _torchvision(name):
    import torchvision
    return getattr(torchvision.models, name)(weights=None)


# name: (constructor, example input shape without batch, input dtype,
#        committed ONNX file or None to export)
ZOO = {
    "mlp": (train.MLP, (1, 28, 28), torch.float32, "models/mlp.onnx"),
    "cnn": (train.ResNetCNN, (1, 28, 28), torch.float32, "models/cnn.onnx"),
    "vit": (train.ViT, (1, 28, 28), torch.float32, "models/vit.onnx"),
    "vit-mha": (lambda: _explicit(train.ViT(), False), (1, 28, 28),
                torch.float32, "models/vit-mha.onnx"),
    # The ViT's architecture at 128 and 512 tokens (random weights).
    "vit-s128": (lambda: ViTTokens(128), (1, 4, 4 * 127), torch.float32,
                 None),
    "vit-s512": (lambda: ViTTokens(512), (1, 4, 4 * 511), torch.float32,
                 None),
    "resnet18": (lambda: _torchvision("resnet18"), (3, 224, 224),
                 torch.float32, None),
    "mobilenet_v2": (lambda: _torchvision("mobilenet_v2"), (3, 224, 224),
                     torch.float32, None),
    "bert-4x256": (BertEncoder, (128,), torch.int64, None),
    # The same encoder at other sequence lengths (attention's share grows
    # with the square of the length).
    "bert-4x256-s50": (lambda: BertEncoder(seq=50), (50,), torch.int64, None),
    "bert-4x256-s512": (lambda: BertEncoder(seq=512), (512,), torch.int64,
                        None),
}


def _explicit(vit, explicit):
    vit.set_explicit_attention(explicit)
    return vit


def build(name):
    """The model in eval mode with seeded random weights."""
    torch.manual_seed(0)
    model = ZOO[name][0]()
    model.eval()
    return model


def example_input(name, batch):
    _, shape, dtype, _ = ZOO[name]
    generator = torch.Generator().manual_seed(7)
    if dtype == torch.int64:
        return torch.randint(0, 100, (batch, *shape), generator=generator)
    return torch.rand((batch, *shape), generator=generator)


def onnx_path(name, out_dir):
    """The ONNX file of `name`: the committed one, or (when there is none,
    or it has not been trained yet) an export of the definition with random
    weights to `out_dir`, reused when present."""
    committed = ZOO[name][3]
    if committed and os.path.exists(os.path.join(ROOT, committed)):
        return os.path.join(ROOT, committed)
    path = os.path.join(out_dir, name + ".onnx")
    if not os.path.exists(path):
        os.makedirs(out_dir, exist_ok=True)
        model = build(name)
        input_name = "ids" if ZOO[name][2] == torch.int64 else "input"
        torch.onnx.export(model, example_input(name, 1), path,
                          input_names=[input_name], output_names=["output"],
                          opset_version=17, do_constant_folding=True,
                          dynamic_axes={input_name: {0: "batch"},
                                        "output": {0: "batch"}})
    return path
