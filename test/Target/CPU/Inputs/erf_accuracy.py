"""Checks the compiled f32 Erf (fulcrum-cpu-approximate-math's rational
form) against math.erf in float64: 200001 points on [-6, 6] plus signed
zeros, tiny values, infinities and NaN. Prints the worst absolute error and
whether every special value came out right."""
import math
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

run_tool, work = sys.argv[1], sys.argv[2]
extra = sys.argv[3:]
os.makedirs(work, exist_ok=True)
special = [0.0, -0.0, 1e-30, -1e-30, 1e-8, np.inf, -np.inf, np.nan]
x = np.concatenate([np.linspace(-6, 6, 200001), special]).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("Erf", ["x"], ["y"])], "erf",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [x.size])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [x.size])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.save(model, os.path.join(work, "erf.onnx"))
np.save(os.path.join(work, "x.npy"), x)
subprocess.run([run_tool, os.path.join(work, "erf.onnx"),
                os.path.join(work, "x.npy"), "--output-dir",
                os.path.join(work, "out"), *extra],
               check=True, stdout=subprocess.DEVNULL)
y = np.load(os.path.join(work, "out", "y.npy"))
finite = np.isfinite(x)
want = np.array([math.erf(float(v)) for v in x[finite]])
worst = np.abs(y[finite].astype(np.float64) - want).max()
s = y[-len(special):]
specials = (s[0] == 0 and not np.signbit(s[0]) and s[1] == 0
            and np.signbit(s[1]) and abs(s[2] - 1.1283792e-30) < 1e-36
            and s[5] == 1 and s[6] == -1 and np.isnan(s[7]))
print(f"erf: worst absolute error {worst:.1e}, special values "
      + ("ok" if specials else f"WRONG {s}"))
print("ok" if worst < 5e-7 and specials else "WRONG")
