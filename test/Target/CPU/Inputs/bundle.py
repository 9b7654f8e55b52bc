"""Runs many small test models as one: each case's graph is renamed under
its own prefix and all of them become one ONNX model, compiled and run by a
single fulcrum-run call. The kernel tests check dozens of shapes per target;
compiled one by one, each model re-optimizes and re-emits the same linked
kernel, which took most of their time. In one model the cases stay
independent (their own inputs, weights, outputs and symbolic batch
dimensions), so each output is still checked on its own.

    bundle = Bundle()
    bundle.add("c3_", model, {"x": x}, lambda out: check(out["y"]))
    bundle.run(fulcrum_run, work, "convs", ["--target-cpu=native"])

add() takes an onnx ModelProto; its outputs reach the callback by their
own (unprefixed) names. run() also keeps each case's model as it was added
(`<prefix>.onnx` in `work`) for the tests that compile one on its own.
"""
import os
import subprocess

import numpy as np
import onnx
from onnx import helper


def _rename_value_info(info, prefix):
    info = onnx.ValueInfoProto.FromString(info.SerializeToString())
    info.name = prefix + info.name
    for dim in info.type.tensor_type.shape.dim:
        if dim.HasField("dim_param"):
            dim.dim_param = prefix + dim.dim_param
    return info


class Bundle:
    def __init__(self):
        self.nodes, self.inputs, self.outputs, self.inits = [], [], [], []
        self.feeds, self.checks, self.models = {}, [], []
        self.opsets = None

    def add(self, prefix, model, feeds, check):
        """Adds `model` (its graph renamed under `prefix`), fed by `feeds`
        (input name -> array); after run(), `check` gets a dict of its
        outputs (output name -> array)."""
        graph = model.graph
        opsets = sorted((o.domain, o.version) for o in model.opset_import)
        if self.opsets is None:
            self.opsets = opsets
        assert opsets == self.opsets, "bundled models must share opsets"
        rename = lambda name: prefix + name if name else name
        for node in graph.node:
            node = onnx.NodeProto.FromString(node.SerializeToString())
            node.name = rename(node.name)
            node.input[:] = [rename(n) for n in node.input]
            node.output[:] = [rename(n) for n in node.output]
            self.nodes.append(node)
        for init in graph.initializer:
            init = onnx.TensorProto.FromString(init.SerializeToString())
            init.name = prefix + init.name
            self.inits.append(init)
        initialized = {i.name for i in graph.initializer}
        for info in graph.input:
            if info.name in initialized:
                continue
            self.inputs.append(_rename_value_info(info, prefix))
            self.feeds[prefix + info.name] = feeds[info.name]
        for info in graph.output:
            self.outputs.append(_rename_value_info(info, prefix))
        self.checks.append((prefix, [o.name for o in graph.output], check))
        self.models.append((prefix, model))

    def run(self, run_tool, work, name, args):
        """Compiles and runs the bundle once with `args`, then calls each
        case's check."""
        os.makedirs(work, exist_ok=True)
        for prefix, model in self.models:
            path = os.path.join(work, prefix.rstrip("_") + ".onnx")
            if not os.path.exists(path):
                onnx.save(model, path)
        graph = helper.make_graph(self.nodes, name, self.inputs, self.outputs,
                                  self.inits)
        model = helper.make_model(graph, opset_imports=[
            helper.make_opsetid(d, v) for d, v in self.opsets])
        path = os.path.join(work, name + ".onnx")
        onnx.save(model, path)
        data = os.path.join(work, name + "-inputs.npz")
        np.savez(data, **self.feeds)
        out = os.path.join(work, name + "-out")
        subprocess.run([run_tool, path, data, "--output-dir", out, *args],
                       check=True, stdout=subprocess.DEVNULL)
        for prefix, names, check in self.checks:
            check({n: np.load(os.path.join(out, prefix + n + ".npy"))
                   for n in names})


def same_nans(label, got, want):
    """Whether `got` has NaN exactly where `want` has (both of its shape);
    prints a line about `label` if not."""
    assert got.shape == want.shape, (label, got.shape, want.shape)
    if np.array_equal(np.isnan(got), np.isnan(want)):
        return True
    print(f"case {label}: NaN where the reference has none or the reverse")
    return False
