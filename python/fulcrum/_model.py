"""Loading and calling a shared library from fulcrum-compile (ctypes).

The library exports, for its entry point E, `fulcrum_signature_E` (the
inputs' and outputs' ONNX data types, shapes and names, one per line) and
`fulcrum_invoke_E(void **args)`: args[0] points to the results (a memref
descriptor per output, which the model allocates), args[1..] to the inputs'
descriptors {allocated, aligned, offset, sizes[rank], strides[rank]}.
"""

import ctypes
import re
import time

import numpy as np


class FulcrumError(Exception):
    """An error of Fulcrum's (compiling, loading or calling a model)."""


# ONNX TensorProto data types with a NumPy equivalent.
_DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16,
           6: np.int32, 7: np.int64, 9: np.bool_, 10: np.float16,
           11: np.float64, 12: np.uint32, 13: np.uint64}
_LIBC = ctypes.CDLL(None)
_LIBC.free.argtypes = [ctypes.c_void_p]
_LIBC.free.restype = None


class TensorInfo:
    """An input or output: `name`, `dtype` (NumPy), `shape` (-1: dynamic)."""

    def __init__(self, name, dtype, shape):
        self.name, self.dtype, self.shape = name, dtype, tuple(shape)

    def __repr__(self):
        dims = "x".join("?" if d < 0 else str(d) for d in self.shape)
        return "%s: %s[%s]" % (self.name, np.dtype(self.dtype).name, dims)


def _parse_signature(text, path):
    inputs, outputs = [], []
    for line in text.splitlines():
        if not line:
            continue
        what, dtype, dims, name = line.split(" ", 3)
        if int(dtype) not in _DTYPES:
            raise FulcrumError("%s: the %s '%s' has ONNX data type %s, which "
                               "NumPy cannot hold" % (path, what, name, dtype))
        shape = [] if dims == "-" else [int(d) for d in dims.split(",")]
        info = TensorInfo(name, _DTYPES[int(dtype)], shape)
        (inputs if what == "input" else outputs).append(info)
    return inputs, outputs


class Model:
    """A compiled model: call it with NumPy arrays (positionally or by input
    name); it returns one array per output (a single array for one)."""

    def __init__(self, path, entry_point=None):
        self.path = path
        try:
            self._lib = ctypes.CDLL(path, mode=ctypes.RTLD_LOCAL)
        except OSError as e:
            raise FulcrumError("cannot load '%s': %s" % (path, e)) from None
        if entry_point is None:
            entry_point = _only_entry_point(path)
        self.entry_point = entry_point
        try:
            text = ctypes.c_char.in_dll(self._lib,
                                        "fulcrum_signature_" + entry_point)
            self._invoke = getattr(self._lib, "fulcrum_invoke_" + entry_point)
        except (ValueError, AttributeError):
            raise FulcrumError("'%s' has no Fulcrum entry point '%s'"
                               % (path, entry_point)) from None
        self._invoke.argtypes = [ctypes.c_void_p]
        self._invoke.restype = None
        signature = ctypes.string_at(ctypes.addressof(text)).decode()
        self.inputs, self.outputs = _parse_signature(signature, path)

    def __repr__(self):
        return "Model(%r, inputs=%r, outputs=%r)" % (self.path, self.inputs,
                                                     self.outputs)

    def _check(self, args, kwargs):
        if len(args) > len(self.inputs):
            raise TypeError("the model takes %d inputs, %d given"
                            % (len(self.inputs), len(args)))
        values = list(args) + [None] * (len(self.inputs) - len(args))
        names = [i.name for i in self.inputs]
        for name, value in kwargs.items():
            if name not in names:
                raise TypeError("the model has no input '%s' (inputs: %s)"
                                % (name, ", ".join(names)))
            values[names.index(name)] = value
        arrays = []
        for k, (info, value) in enumerate(zip(self.inputs, values)):
            if value is None:
                raise TypeError("input #%d ('%s') is missing" % (k, info.name))
            a = np.asarray(value)
            if a.dtype != np.dtype(info.dtype):
                raise TypeError("input #%d ('%s') is %s, the model expects %s"
                                % (k, info.name, a.dtype.name,
                                   np.dtype(info.dtype).name))
            if a.ndim != len(info.shape) or any(
                    d >= 0 and d != n for d, n in zip(info.shape, a.shape)):
                raise ValueError(
                    "input #%d ('%s') has shape %s, the model expects [%s]"
                    % (k, info.name, list(a.shape), "x".join(
                        "?" if d < 0 else str(d) for d in info.shape)))
            arrays.append(np.ascontiguousarray(a))
        return arrays

    def run(self, *args, **kwargs):
        """Like calling the model, but returns {output name: array}."""
        arrays = self._check(args, kwargs)
        descriptors = []
        for a in arrays:
            strides = [s // a.itemsize for s in a.strides]
            descriptors.append(np.array(
                [a.ctypes.data, a.ctypes.data, 0] + list(a.shape) + strides,
                dtype=np.int64))
        words = sum(3 + 2 * len(o.shape) for o in self.outputs)
        results = np.zeros(max(words, 1), dtype=np.int64)
        pointers = [ctypes.c_void_p(results.ctypes.data)] if self.outputs \
            else []
        pointers += [ctypes.c_void_p(d.ctypes.data) for d in descriptors]
        argv = (ctypes.c_void_p * max(len(pointers), 1))(
            *[ctypes.addressof(p) for p in pointers])
        self._invoke(argv)
        out, at = {}, 0
        for info in self.outputs:
            rank = len(info.shape)
            allocated, aligned, offset = (int(w) for w in results[at:at + 3])
            sizes = [int(w) for w in results[at + 3:at + 3 + rank]]
            strides = [int(w) for w in results[at + 3 + rank:at + 3 + 2 * rank]]
            at += 3 + 2 * rank
            if allocated == 0 and any(s != 0 for s in sizes + [1]):
                raise FulcrumError("the model could not allocate '%s'"
                                   % info.name)
            itemsize = np.dtype(info.dtype).itemsize
            count = int(np.prod(sizes)) if sizes else 1
            if count == 0:
                value = np.empty(sizes, dtype=info.dtype)
            else:
                extent = 1 + sum((n - 1) * s for n, s in zip(sizes, strides))
                raw = (ctypes.c_char * (extent * itemsize)).from_address(
                    aligned + offset * itemsize)
                flat = np.frombuffer(raw, dtype=info.dtype, count=extent)
                value = np.lib.stride_tricks.as_strided(
                    flat, shape=sizes,
                    strides=[s * itemsize for s in strides]).copy()
            _LIBC.free(allocated)
            out[info.name] = value
        return out

    def __call__(self, *args, **kwargs):
        values = list(self.run(*args, **kwargs).values())
        return values[0] if len(values) == 1 else tuple(values)

    def random_inputs(self, batch=1, seed=0):
        """Inputs of the model's shapes (dynamic dimensions: `batch`)."""
        rng = np.random.default_rng(seed)
        arrays = []
        for info in self.inputs:
            shape = [batch if d < 0 else d for d in info.shape]
            if np.issubdtype(info.dtype, np.floating):
                arrays.append(rng.standard_normal(shape).astype(info.dtype))
            else:
                arrays.append(np.zeros(shape, dtype=info.dtype))
        return arrays

    def benchmark(self, *inputs, batch=1, repeat=50, warmup=3):
        """Times calls of the model (on `inputs`, or random inputs of batch
        `batch`): {'mean_ms', 'median_ms', 'min_ms', 'repeat', 'batch',
        'samples_per_s'}."""
        if not inputs:
            inputs = self.random_inputs(batch)
        for _ in range(warmup):
            self(*inputs)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            self(*inputs)
            times.append(time.perf_counter() - start)
        times = np.array(times) * 1e3
        first = np.asarray(inputs[0]) if inputs else None
        n = first.shape[0] if first is not None and first.ndim else 1
        return {"mean_ms": float(times.mean()),
                "median_ms": float(np.median(times)),
                "min_ms": float(times.min()), "repeat": repeat, "batch": n,
                "samples_per_s": float(n / (np.median(times) / 1e3))}


def _only_entry_point(path):
    """The entry point of a library that exports one (else main_graph)."""
    with open(path, "rb") as f:
        names = set(re.findall(rb"\0fulcrum_signature_([A-Za-z0-9_]+)\0",
                               f.read()))
    return names.pop().decode() if len(names) == 1 else "main_graph"


def load(path, entry_point=None):
    """Loads a shared library written by fulcrum-compile (or fulcrum.compile)
    as a callable Model. `entry_point` is needed only when the library
    exports several."""
    return Model(str(path), entry_point)


def evaluate(model, images, labels, batch_size=100):
    """Runs a classifier on `images` in batches: {'accuracy', 'correct',
    'total', 'predictions'} (top-1, the argmax of the first output)."""
    images = np.asarray(images)
    labels = np.asarray(labels).reshape(-1)
    if len(images) != len(labels):
        raise ValueError("%d images but %d labels" % (len(images), len(labels)))
    predictions = []
    for start in range(0, len(images), batch_size):
        out = model(images[start:start + batch_size])
        if isinstance(out, tuple):
            out = out[0]
        predictions.append(np.argmax(out.reshape(len(out), -1), axis=1))
    predictions = (np.concatenate(predictions) if predictions
                   else np.zeros(0, dtype=np.int64))
    correct = int((predictions == labels).sum())
    return {"accuracy": correct / max(len(labels), 1), "correct": correct,
            "total": int(len(labels)), "predictions": predictions}
