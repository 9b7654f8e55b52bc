"""Checks the GEMM micro-kernels against NumPy: writes a module with
linalg.matmul / linalg.matmul_transpose_b / linalg.batch_matmul on tensors
whose sizes leave
leftover rows and columns and span two K blocks, with constant (packed at
compile time) and run-time right-hand sides, runs it with fulcrum-run for a
given --target-cpu and compares every output with a float64 product."""
import os
import subprocess
import sys

import numpy as np

run_tool, work, cpu = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(11)
cases = [(37, 300, 45), (1, 784, 10), (8, 5, 17), (64, 1, 100), (13, 64, 32)]


def literal(array):
    if array.ndim == 1:
        return "[" + ", ".join(f"{v:.9e}" for v in array) + "]"
    return "[" + ", ".join(literal(row) for row in array) + "]"


lines, inputs, expected = [], [], []
args, types, results = [], [], []
for i, (m, k, n) in enumerate(cases):
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    w = rng.standard_normal((k, n)).astype(np.float32)
    wt = rng.standard_normal((n, k)).astype(np.float32)
    ba = rng.standard_normal((3, m, k)).astype(np.float32)
    bb = rng.standard_normal((3, k, n)).astype(np.float32)
    inputs += [a, b, ba, bb]
    args += [f"%a{i}: tensor<{m}x{k}xf32>", f"%b{i}: tensor<{k}x{n}xf32>",
             f"%ba{i}: tensor<3x{m}x{k}xf32>", f"%bb{i}: tensor<3x{k}x{n}xf32>"]
    bout = f"tensor<3x{m}x{n}xf32>"
    out = f"tensor<{m}x{n}xf32>"
    lines += [
        f"  %w{i} = arith.constant dense<{literal(w)}> : tensor<{k}x{n}xf32>",
        f"  %wt{i} = arith.constant dense<{literal(wt)}> : tensor<{n}x{k}xf32>",
        f"  %e{i} = tensor.empty() : {out}",
        f"  %f{i} = linalg.fill ins(%zero : f32) outs(%e{i} : {out}) -> {out}",
        f"  %p{i} = linalg.matmul ins(%a{i}, %w{i} : tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>) outs(%f{i} : {out}) -> {out}",
        f"  %r{i} = linalg.matmul ins(%a{i}, %b{i} : tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>) outs(%f{i} : {out}) -> {out}",
        f"  %t{i} = linalg.matmul_transpose_b ins(%a{i}, %wt{i} : tensor<{m}x{k}xf32>, tensor<{n}x{k}xf32>) outs(%f{i} : {out}) -> {out}",
        f"  %be{i} = tensor.empty() : {bout}",
        f"  %bf{i} = linalg.fill ins(%zero : f32) outs(%be{i} : {bout}) -> {bout}",
        f"  %bm{i} = linalg.batch_matmul ins(%ba{i}, %bb{i} : tensor<3x{m}x{k}xf32>, tensor<3x{k}x{n}xf32>) outs(%bf{i} : {bout}) -> {bout}",
    ]
    for name, rhs in (("p", w), ("r", b), ("t", wt.T)):
        results.append(f"%{name}{i}")
        types.append(out)
        expected.append(a.astype(np.float64) @ rhs.astype(np.float64))
    results.append(f"%bm{i}")
    types.append(bout)
    expected.append(ba.astype(np.float64) @ bb.astype(np.float64))

module = (f"func.func @main_graph({', '.join(args)}) -> ({', '.join(types)}) {{\n"
          "  %zero = arith.constant 0.0 : f32\n" + "\n".join(lines) +
          f"\n  return {', '.join(results)} : {', '.join(types)}\n}}\n")
with open(os.path.join(work, "gemm.mlir"), "w") as f:
    f.write(module)
paths = []
for j, array in enumerate(inputs):
    paths.append(os.path.join(work, f"in{j}.npy"))
    np.save(paths[-1], array)
out_dir = os.path.join(work, "out")
subprocess.run([run_tool, os.path.join(work, "gemm.mlir"), *paths,
                "--target-cpu=" + cpu, "--output-dir", out_dir], check=True,
               stdout=subprocess.DEVNULL)
worst = 0.0
for j, want in enumerate(expected):
    got = np.load(os.path.join(out_dir, f"output{j}.npy"))
    assert got.shape == want.shape, (j, got.shape, want.shape)
    error = np.abs(got - want).max() / max(1.0, np.abs(want).max())
    worst = max(worst, error)
print(f"{len(expected)} products, worst relative error {worst:.1e}: "
      + ("ok" if worst < 1e-5 else "WRONG"))
