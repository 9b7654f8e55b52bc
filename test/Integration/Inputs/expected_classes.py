"""Writes the first N Fashion-MNIST test images as raw float32 (the
consumer examples' input) and prints the classes that fulcrum-run predicted
for them (an .npy), in the examples' output format."""
import sys

import numpy as np

images_npy, count, raw, predictions = sys.argv[1:]
images = np.load(images_npy)[:int(count)].astype(np.float32)
images.tofile(raw)
np.save(raw + ".npy", images)
if predictions != "-":
    for i, c in enumerate(np.load(predictions)):
        print("image %d: class %d" % (i, c))
