"""`import fulcrum`: compiles the CNN, runs test images through
fulcrum.load(...) and compares its predictions with fulcrum-run's (given as
an .npy file); then the errors Python sees."""
import sys

import numpy as np

import fulcrum

model_path, images_path, labels_path, predictions_path, workdir = sys.argv[1:]
images = np.load(images_path)
labels = np.load(labels_path)

artifact = fulcrum.compile(model_path, output=workdir + "/cnn.so",
                           header=True, entry_point="cnn")
print("artifact:", artifact.path.endswith("cnn.so"), len(artifact.data) > 0,
      "cnn_run(" in artifact.header)
model = fulcrum.load(artifact.path)  # finds the entry point `cnn`
print(model.entry_point, model.inputs, model.outputs)
result = fulcrum.evaluate(model, images, labels, batch_size=32)
expected = np.load(predictions_path)
same = int((result["predictions"] == expected).sum())
print("images: %d, same predictions as fulcrum-run: %d, top-1: %d/%d"
      % (len(images), same, result["correct"], result["total"]))

# Called directly, by position or name: one batch of 100.
probs = model(images)
print("call:", probs.shape, probs.dtype,
      bool((np.argmax(probs, axis=1) == expected).all()))
print("by name:", bool(np.array_equal(model(**{model.inputs[0].name: images}),
                                       probs)))
stats = model.benchmark(images[:8], repeat=3, warmup=1)
print("benchmark: batch %d, %s" % (stats["batch"],
                                   stats["samples_per_s"] > 0))

# From bytes, with the default temporary output.
with open(model_path, "rb") as f:
    tmp = fulcrum.compile(f.read())
print("from bytes:", bool(np.array_equal(tmp.load()(images[:4]), probs[:4])))


def expect(kind, fn):
    try:
        fn()
    except kind as e:
        print("%s: %s" % (kind.__name__, e))
    else:
        print("no %s" % kind.__name__)


expect(TypeError, lambda: model(images.astype(np.float64)))
expect(ValueError, lambda: model(images[:, :, :27]))
expect(TypeError, lambda: model(nope=images))
expect(fulcrum.CompileError, lambda: fulcrum.compile(b"not a model"))
expect(fulcrum.CompileError,
       lambda: fulcrum.compile(model_path, target_cpu="no-such-cpu"))
expect(fulcrum.FulcrumError, lambda: fulcrum.load(workdir + "/missing.so"))
expect(fulcrum.FulcrumError,
       lambda: fulcrum.load(artifact.path, entry_point="nope"))
