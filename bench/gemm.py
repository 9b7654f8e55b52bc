#!/usr/bin/env python3
"""GEMM micro-benchmark: Fulcrum's fp32 matrix product against the host's
measured FMA peak and PyTorch (Debian's, OpenBLAS), in one run.

    /usr/bin/python3 bench/gemm.py [--sizes 512,1024] [--threads 1,2]

For each size n it compiles a module computing A[n,n] x W[n,n] (W a
constant, packed at compile time, as a layer's weight is) and
A[n,n] x B[n,n] (both run-time inputs) with fulcrum-compile --target-cpu=
native, times the call with fulcrum-run --bench, and prints GFLOP/s, the
percentage of the FMA peak that bench/peak/fma_peak.c measures for the same
thread count, and PyTorch's GFLOP/s on the same product.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OMP_DIR = "/usr/lib/llvm-19/lib"


def measure_peak(tmp, max_threads):
    exe = os.path.join(tmp, "fma_peak")
    subprocess.run(["clang-19", "-O2", "-march=native", "-fopenmp",
                    os.path.join(HERE, "peak", "fma_peak.c"), "-o", exe,
                    "-L" + OMP_DIR, "-Wl,-rpath," + OMP_DIR], check=True)
    out = subprocess.run([exe, str(max_threads)], check=True,
                         capture_output=True, text=True).stdout
    return {int(t): float(g) for t, g in
            re.findall(r"fma peak: (\d+) threads?: ([0-9.]+) GFLOP/s", out)}


def write_module(path, n, weight):
    rng = np.random.default_rng(n)
    args = [f"%a: tensor<{n}x{n}xf32>"]
    lines = []
    if weight:
        w = rng.standard_normal((n, n)).astype(np.float32)
        blob = "0x04000000" + w.tobytes().hex().upper()
        lines.append(f"  %b = arith.constant dense_resource<w> : tensor<{n}x{n}xf32>")
        resources = ("{-#\n  dialect_resources: {\n    builtin: {\n      w: \""
                     + blob + "\"\n    }\n  }\n#-}\n")
    else:
        args.append(f"%b: tensor<{n}x{n}xf32>")
        resources = ""
    t = f"tensor<{n}x{n}xf32>"
    module = (f"func.func @main_graph({', '.join(args)}) -> {t} {{\n"
              + "\n".join(lines) +
              f"\n  %z = arith.constant 0.0 : f32\n  %e = tensor.empty() : {t}\n"
              f"  %f = linalg.fill ins(%z : f32) outs(%e : {t}) -> {t}\n"
              f"  %r = linalg.matmul ins(%a, %b : {t}, {t}) outs(%f : {t}) -> {t}\n"
              f"  return %r : {t}\n}}\n" + resources)
    with open(path, "w") as f:
        f.write(module)


def bench_fulcrum(args, tmp, n, weight, threads):
    mlir = os.path.join(tmp, f"gemm{n}{'w' if weight else ''}.mlir")
    lib = mlir[:-5] + ".so"
    write_module(mlir, n, weight)
    subprocess.run([os.path.join(args.build_dir, "bin", "fulcrum-compile"), mlir,
                    "--target-cpu=native", "-o", lib], check=True)
    inputs = []
    rng = np.random.default_rng(1)
    for name in (["a"] if weight else ["a", "b"]):
        path = os.path.join(tmp, f"{name}{n}.npy")
        np.save(path, rng.standard_normal((n, n)).astype(np.float32))
        inputs.append(path)
    out = subprocess.run([os.path.join(args.build_dir, "bin", "fulcrum-run"), lib,
                          *inputs, f"--threads={threads}",
                          f"--bench={args.runs}", "--warmup=3"],
                         check=True, capture_output=True, text=True).stdout
    median = float(re.search(r"median ([0-9.]+) ms", out).group(1))
    return 2.0 * n ** 3 / (median * 1e-3) / 1e9


def bench_torch(n, threads, runs):
    env = dict(os.environ)
    # Debian's OpenBLAS runs its Haswell kernels at half speed when this is
    # set (see docs/Benchmarks.md); measure the peer at its best.
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    code = f"""
import time, torch
torch.set_num_threads({threads})
a = torch.randn({n}, {n}); b = torch.randn({n}, {n})
for _ in range(3): torch.matmul(a, b)
ts = []
for _ in range({runs}):
    t = time.perf_counter(); torch.matmul(a, b); ts.append(time.perf_counter() - t)
ts.sort(); print(ts[len(ts) // 2])
"""
    try:
        out = subprocess.run(["/usr/bin/python3", "-c", code], env=env,
                             capture_output=True, text=True, check=True)
        return 2.0 * n ** 3 / float(out.stdout.strip()) / 1e9
    except (subprocess.CalledProcessError, ValueError):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="512,1024")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    thread_counts = [int(t) for t in args.threads.split(",")]
    with tempfile.TemporaryDirectory(prefix="fulcrum-gemm-") as tmp:
        peak = measure_peak(tmp, max(thread_counts))
        for t in thread_counts:
            print(f"FMA peak, {t} thread{'s' if t > 1 else ''}: {peak[t]:.1f} GFLOP/s")
        print("| size | threads | B | Fulcrum GFLOP/s | % of peak | PyTorch GFLOP/s | Fulcrum / PyTorch |")
        print("|---|---|---|---|---|---|---|")
        for n in sizes:
            for t in thread_counts:
                torch_rate = bench_torch(n, t, args.runs)
                for weight in (True, False):
                    rate = bench_fulcrum(args, tmp, n, weight, t)
                    ratio = f"{rate / torch_rate:.2f}x" if torch_rate else "n/a"
                    torch_text = f"{torch_rate:.1f}" if torch_rate else "n/a"
                    print(f"| {n}³ | {t} | {'weight' if weight else 'input'} | "
                          f"{rate:.1f} | {100 * rate / peak[t]:.0f}% | "
                          f"{torch_text} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
