"""Fulcrum from Python: compile ONNX models ahead of time, load the shared
libraries fulcrum-compile writes, and call them with NumPy arrays.

    import fulcrum
    artifact = fulcrum.compile("model.onnx", target_cpu="x86-64-v3")
    model = artifact.load()              # or fulcrum.load("model.so")
    probs = model(images)                # NumPy in, NumPy out
    print(fulcrum.evaluate(model, images, labels)["accuracy"])

Compiling runs the fulcrum-compile of the same install tree (or the one
that FULCRUM_COMPILE names, or the first on PATH); a failed compile raises
CompileError with the compiler's message.
"""

import os
import shutil
import subprocess
import tempfile

from ._model import Model, FulcrumError, evaluate, load

__all__ = ["compile", "load", "evaluate", "Artifact", "Model", "FulcrumError",
           "CompileError", "compiler_path"]
__version__ = "0.1.0"


class CompileError(FulcrumError):
    """fulcrum-compile failed; the message is the compiler's."""


def compiler_path():
    """The fulcrum-compile this package runs."""
    explicit = os.environ.get("FULCRUM_COMPILE")
    if explicit:
        return explicit
    # <prefix>/lib/python3/dist-packages/fulcrum/__init__.py
    prefix = os.path.dirname(os.path.abspath(__file__))
    for _ in range(4):
        prefix = os.path.dirname(prefix)
    installed = os.path.join(prefix, "bin", "fulcrum-compile")
    if os.access(installed, os.X_OK):
        return installed
    found = shutil.which("fulcrum-compile")
    if found:
        return found
    raise FulcrumError("cannot find fulcrum-compile (set FULCRUM_COMPILE)")


class Artifact:
    """What fulcrum.compile wrote: `path`, its bytes (`data`), and the C
    header (`header`, text) when one was asked for."""

    def __init__(self, path, header_path=None, tmpdir=None, entry_point=None):
        self.path = path
        self.header_path = header_path
        self.entry_point = entry_point
        self._tmpdir = tmpdir  # keeps a temporary output alive

    @property
    def data(self):
        with open(self.path, "rb") as f:
            return f.read()

    @property
    def header(self):
        if not self.header_path:
            return None
        with open(self.header_path) as f:
            return f.read()

    def load(self):
        """The compiled model as a callable (a .so artifact only)."""
        return load(self.path, entry_point=self.entry_point)

    def __repr__(self):
        return "Artifact(%r)" % self.path


def _option(name, value):
    flag = "--" + name.replace("_", "-")
    if value is True:
        return [flag]
    if value is False:
        return [flag + "=false"]
    return [flag + "=" + str(value)]


def compile(model, target="cpu", output=None, header=None, **options):
    """Compiles `model` (a path, or the bytes of an ONNX file).

    `output` names the artifact by its suffix (.so, .a, .o, .ll, .mlir);
    without it, a shared library in a temporary directory that lives as long
    as the returned Artifact. `header=True` (or a path) also writes the C
    header. Other keywords are fulcrum-compile options: target_cpu="x86-64",
    entry_point="net", opt_level=2, channels_last=False, ...
    Raises CompileError with the compiler's message when it fails."""
    tmpdir = None
    if isinstance(model, (bytes, bytearray, memoryview)):
        tmpdir = tempfile.TemporaryDirectory(prefix="fulcrum-")
        path = os.path.join(tmpdir.name, "model.onnx")
        with open(path, "wb") as f:
            f.write(bytes(model))
        model = path
    model = os.fspath(model)
    if output is None:
        if tmpdir is None:
            tmpdir = tempfile.TemporaryDirectory(prefix="fulcrum-")
        output = os.path.join(tmpdir.name, "model.so")
    output = os.fspath(output)
    if header is True:
        header = os.path.splitext(output)[0] + ".h"
    args = [compiler_path(), model, "-o", output, "--target=" + target]
    if header:
        args += ["--header", os.fspath(header)]
    for name, value in sorted(options.items()):
        args += _option(name, value)
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    if done.returncode != 0:
        message = done.stderr.strip() or done.stdout.strip()
        raise CompileError(message or "fulcrum-compile failed (exit status %d)"
                           % done.returncode)
    return Artifact(output, header or None, tmpdir,
                    options.get("entry_point"))
