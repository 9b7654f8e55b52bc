"""Fashion-MNIST from Debian's `dataset-fashion-mnist` package.

Images come back as float32 NCHW arrays scaled to [0, 1] (the models'
input convention), labels as int64. Shared by the training scripts and
`extract_test_set.py`.
"""
import gzip
import os

import numpy as np

DATA_DIR = os.environ.get("FASHION_MNIST_DIR",
                          "/usr/share/datasets/fashion-mnist")

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
           "Shirt", "Sneaker", "Bag", "Ankle boot"]


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    rank = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big")
            for i in range(rank)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(split):
    """Returns (images float32 [N,1,28,28] in [0,1], labels int64 [N])."""
    prefix = {"train": "train", "test": "t10k"}[split]
    images_path = os.path.join(DATA_DIR, prefix + "-images-idx3-ubyte.gz")
    labels_path = os.path.join(DATA_DIR, prefix + "-labels-idx1-ubyte.gz")
    if not os.path.exists(images_path):
        raise SystemExit(
            f"error: {images_path} not found; install Debian's "
            "dataset-fashion-mnist package (apt-get install "
            "dataset-fashion-mnist) or set FASHION_MNIST_DIR")
    images = _read_idx(images_path).astype(np.float32) / 255.0
    labels = _read_idx(labels_path).astype(np.int64)
    return images[:, None, :, :], labels
