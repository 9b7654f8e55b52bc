"""Compiles MODEL to every artifact kind of the CPU target into OUTDIR:
compile_all.py FULCRUM_COMPILE MODEL OUTDIR."""
import os
import subprocess
import sys

compiler, model, outdir = sys.argv[1:]
os.makedirs(outdir, exist_ok=True)
common = [compiler, model, "--entry-point=tiny", "--target-cpu=x86-64-v3"]
for suffix in ["o", "a", "so", "ll", "mlir"]:
    extra = ["--header", os.path.join(outdir, "tiny.h")] if suffix == "o" else []
    subprocess.run(common + ["-o", os.path.join(outdir, "tiny." + suffix)] +
                   extra, check=True)
subprocess.run(common + ["--compile-to=import", "-o",
                         os.path.join(outdir, "tiny-import.mlir")], check=True)
