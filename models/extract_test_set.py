#!/usr/bin/python3
"""Writes the Fashion-MNIST test set as NumPy arrays for `fulcrum-run
--eval-data`.

    /usr/bin/python3 models/extract_test_set.py OUT_DIR            # all 10,000
    /usr/bin/python3 models/extract_test_set.py OUT_DIR --count 1000

writes OUT_DIR/images.npy (float32 [N,1,28,28], pixels / 255) and
OUT_DIR/labels.npy (uint8 [N]). Reads Debian's dataset-fashion-mnist package
(see fashion_mnist.py). The committed models/data/fashion-mnist-test-1000/
is `--count 1000`: the first 1,000 test images.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_mnist  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--count", type=int, default=10000)
    args = parser.parse_args()
    images, labels = fashion_mnist.load("test")
    os.makedirs(args.out_dir, exist_ok=True)
    np.save(os.path.join(args.out_dir, "images.npy"), images[:args.count])
    np.save(os.path.join(args.out_dir, "labels.npy"),
            labels[:args.count].astype(np.uint8))
    print(f"wrote {min(args.count, len(images))} images to {args.out_dir}")


if __name__ == "__main__":
    main()
