#!/usr/bin/python3
"""Fulcrum's benchmark: latency, peak memory and compile time of Fulcrum
beside ONNX Runtime and PyTorch, all measured in one run.

    bench/run.sh [options]                 # installs peers, builds, runs this
    /usr/bin/python3 bench/run.py [--models mlp,cnn] [--batches 1,8]
        [--threads 1] [--runs 20] [--warmup 3] [--out-dir bench/results]

For each model, batch size and thread count it runs, each in its own
process:
  * Fulcrum: `fulcrum-compile MODEL -o model.so` (timed: compile time),
    then `fulcrum-run model.so --bench` runs the compiled library;
  * ONNX Runtime: `bench/peers/ort.js` (npm onnxruntime-node, CPU, all
    graph optimizations);
  * PyTorch: `bench/peers/torch_bench.py` (eager, inference_mode).
After `--warmup` untimed runs each times `--runs` runs (fewer for Fulcrum
when a run takes over a second: see the runs column) and reports the median.
With `--rounds R` every runtime of a row is timed R times, in turn
(Fulcrum, ONNX Runtime, PyTorch, Fulcrum, ...), and reports the median of
its R medians (the JSON keeps them as round_medians_ms): on a host whose
speed drifts, a slow phase then falls on every runtime alike instead of
on one of them.
Peak memory is each process's own peak resident set (VmHWM, as the process
reports it). Fulcrum's is the artifact deployed: a small C program that
includes the generated header, links model.so and calls `<entry>_run` with
its own buffers and workspace (bench/deploy.py; its median latency is in
the JSON as deployed_median_ms). fulcrum-run's own peak, which includes the
compiler's LLVM and MLIR libraries mapped into its process, is the last
column. ONNX Runtime's includes its graph optimizer and Node.js, PyTorch's
the interpreter.
A peer that is not installed shows as n/a.

Each row also gives Fulcrum's achieved GFLOP/s (bench/flops.py: 2 per
multiply-add of the model's convolutions and matrix products) and its
percentage of the FMA peak that bench/peak/fma_peak.c measures at the
row's thread count in the same run.

With `--compare-flags FLAGS` (e.g. `--compare-flags=--fuse=false`) each
row also compiles and times Fulcrum with those extra fulcrum-compile flags,
and adds its latency and the ratio of the default's to it, so that a
compiler option's effect is measured in the same run as everything else
(with --rounds, both variants are timed again in each round);
`--compare-model-flags MODEL=FLAGS` gives one model other flags.

Prints a Markdown table and writes results.csv, results.json and
latency.svg to --out-dir.
"""
import argparse
import csv
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import deploy  # noqa: E402

DEFAULT_MODELS = ["mlp", "cnn", "vit", "vit-mha", "resnet18", "mobilenet_v2",
                  "bert-4x256"]
RUNTIMES = ["fulcrum", "onnxruntime", "pytorch"]


def run_timed(cmd, timeout):
    """Runs `cmd`; returns (exit status, stdout, stderr, wall seconds)."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, "", f"timed out after {timeout} s", timeout
    return (proc.returncode, proc.stdout, proc.stderr,
            time.perf_counter() - start)


def failure(rc, err):
    """What a failed run said last, or its exit status."""
    return (err.strip().splitlines() or [f"exit {rc}"])[-1]


def bench_fulcrum(args, onnx, inputs, batch, threads, tmp, flags=(),
                  stem="model"):
    """Compiles and times `onnx` with `flags` into tmp/<stem>.so (each
    variant its own file: --rounds times them again later)."""
    result = {"runtime": "fulcrum", "batch": batch, "threads": threads}
    lib = os.path.join(tmp, stem + ".so")
    header = os.path.join(tmp, stem + ".h")
    rc, _, err, compile_s = run_timed(
        [args.fulcrum_compile, onnx, "-o", lib, "--target-cpu=native",
         "--header", header, *flags], args.timeout)
    if rc:
        result["error"] = failure(rc, err)
        return result
    result["compile_s"] = compile_s
    # One timed run decides how many runs fit the time budget.
    runs = args.runs
    cmd = [args.fulcrum_run, lib, *inputs, f"--threads={threads}",
           "--warmup=0", "--bench=1"]
    rc, out, err, _ = run_timed(cmd, args.timeout)
    m = re.search(r"median ([0-9.]+) ms", out)
    if rc or not m:
        result["error"] = failure(rc, err)
        return result
    single_ms = float(m.group(1))
    runs = max(min(3, runs),
               min(runs, int(args.budget * 1000 / max(single_ms, 1e-3))))
    warmup = min(args.warmup, max(1, runs // 3))
    cmd = [args.fulcrum_run, lib, *inputs, f"--threads={threads}",
           f"--warmup={warmup}", f"--bench={runs}"]
    rc, out, err, _ = run_timed(cmd, args.timeout)
    m = re.search(r"median ([0-9.]+) ms, min ([0-9.]+) ms", out)
    peak = re.search(r"peak resident memory: ([0-9.]+) MiB", out)
    if rc or not m or not peak:
        result["error"] = failure(rc, err)
        return result
    result.update(median_ms=float(m.group(1)), min_ms=float(m.group(2)),
                  runs=runs, fulcrum_run_peak_mib=float(peak.group(1)))
    # The timed command again, for --rounds (dropped from the JSON).
    result["_cmd"] = cmd
    # Peak memory as deployed: the artifact in a small C program of its own
    # (fulcrum-run's process also holds the compiler's libraries).
    try:
        runner = deploy.build(header, lib, tmp)
        deployed = deploy.run(runner, batch, threads, warmup, runs,
                              args.timeout)
    except (RuntimeError, subprocess.CalledProcessError) as e:
        deployed = {"error": str(e).splitlines()[0]}
    if "error" in deployed:
        # Latency stands; the memory column shows n/a.
        result["deployed_error"] = deployed["error"]
        return result
    result.update(peak_mib=deployed["peak_mib"],
                  deployed_median_ms=deployed["median_ms"])
    return result


def bench_peer(cmd, args, runtime, batch, threads):
    rc, out, err, _ = run_timed(cmd, args.timeout)
    if rc:
        last = failure(rc, err)
        return {"runtime": runtime, "batch": batch, "threads": threads,
                "error": last}
    return json.loads(out.strip().splitlines()[-1])


def time_again(runtime, cmd, args):
    """One more timed run of `cmd` (a Fulcrum or peer command): (median,
    min) in ms, or None when it fails."""
    if not runtime.startswith("fulcrum"):
        r = bench_peer(cmd, args, runtime, None, None)
        return (r["median_ms"], r["min_ms"]) if "median_ms" in r else None
    rc, out, _, _ = run_timed(cmd, args.timeout)
    m = re.search(r"median ([0-9.]+) ms, min ([0-9.]+) ms", out)
    return (float(m.group(1)), float(m.group(2))) if not rc and m else None


def more_rounds(row, cmds, args):
    """--rounds: times every runtime of the row again, in turn, rounds - 1
    more times, so that a slow phase of the host falls on all of them
    alike; each runtime's median becomes the median of its rounds'
    medians, its min the least of their mins."""
    results = {rt: row[rt] for rt in cmds if "median_ms" in row[rt]}
    for r in results.values():
        r["round_medians_ms"] = [r["median_ms"]]
    for _ in range(args.rounds - 1):
        for rt, r in results.items():
            again = time_again(rt, cmds[rt], args)
            if again:
                r["round_medians_ms"].append(again[0])
                r["min_ms"] = min(r["min_ms"], again[1])
    for r in results.values():
        r["median_ms"] = statistics.median(r["round_medians_ms"])


def write_inputs(name, batch, tmp):
    import models
    x = models.example_input(name, batch).numpy()
    path = os.path.join(tmp, f"{name}-b{batch}.npy")
    np.save(path, x)
    return [path]


def fmt_ms(r):
    return f"{r['median_ms']:.3f}" if "median_ms" in r else "n/a"


def fmt_ratio(a, b):
    if "median_ms" not in a or "median_ms" not in b:
        return "n/a"
    return f"{a['median_ms'] / b['median_ms']:.2f}x"


def svg_chart(rows, path):
    """Grouped horizontal bars (log scale): latency per model/batch/threads
    and runtime."""
    colors = {"fulcrum": "#d62728", "onnxruntime": "#1f77b4",
              "pytorch": "#ff7f0e"}
    values = [r[rt]["median_ms"] for r in rows for rt in RUNTIMES
              if "median_ms" in r[rt]]
    if not values:
        return
    lo = 10 ** math.floor(math.log10(min(values)))
    hi = 10 ** math.ceil(math.log10(max(values)))
    left, width, bar, gap = 210, 560, 9, 10
    height = 60 + len(rows) * (3 * bar + gap) + 40
    scale = lambda v: left + width * (math.log10(v) - math.log10(lo)) / (
        math.log10(hi) - math.log10(lo))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 40}" '
           f'height="{height}" font-family="sans-serif" font-size="11">',
           f'<text x="10" y="20" font-size="14">Median latency (ms, log scale; '
           f'shorter is faster)</text>']
    decade = lo
    while decade <= hi:
        x = scale(decade)
        out.append(f'<line x1="{x:.1f}" y1="40" x2="{x:.1f}" y2="{height - 30}" '
                   f'stroke="#ddd"/><text x="{x:.1f}" y="{height - 15}" '
                   f'text-anchor="middle">{decade:g}</text>')
        decade *= 10
    y = 45
    for r in rows:
        out.append(f'<text x="{left - 8}" y="{y + 1.5 * bar + 4}" text-anchor="end">'
                   f'{r["model"]} b{r["batch"]} t{r["threads"]}</text>')
        for rt in RUNTIMES:
            if "median_ms" in r[rt]:
                w = max(scale(r[rt]["median_ms"]) - left, 1)
                out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" '
                           f'height="{bar - 1}" fill="{colors[rt]}"/>')
            y += bar
        y += gap
    lx = left
    for rt in RUNTIMES:
        out.append(f'<rect x="{lx}" y="27" width="10" height="10" '
                   f'fill="{colors[rt]}"/><text x="{lx + 14}" y="36">{rt}</text>')
        lx += 110
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS))
    parser.add_argument("--batches", default="1,8")
    parser.add_argument("--threads", default="1")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--budget", type=float, default=20.0,
                        help="seconds of timed Fulcrum runs per row at most "
                             "(the runs column says how many ran)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="time every runtime of a row this many times, "
                        "in turn, and report the median of the rounds' "
                        "medians (a noisy host's slow phases then fall on "
                        "every runtime alike)")
    parser.add_argument("--timeout", type=int, default=1800)
    parser.add_argument("--peers", default="onnxruntime,pytorch",
                        help="comma-separated peers to run ('' for none)")
    parser.add_argument("--compare-flags", default="",
                        help="also time Fulcrum compiled with these extra "
                             "fulcrum-compile flags (space-separated, e.g. "
                             "--compare-flags=--fuse=false)")
    parser.add_argument("--compare-model-flags", action="append", default=[],
                        metavar="MODEL=FLAGS",
                        help="compare MODEL with these flags instead of "
                             "--compare-flags (repeatable), e.g. "
                             "'resnet18=--prune=0.3 --no-reconstruct'")
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    args.fulcrum_compile = os.path.join(args.build_dir, "bin/fulcrum-compile")
    args.fulcrum_run = os.path.join(args.build_dir, "bin/fulcrum-run")
    peers = [p for p in args.peers.split(",") if p]
    have_ort = os.path.isdir(os.path.join(HERE, "peers/node_modules/onnxruntime-node"))
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    if "onnxruntime" in peers and not have_ort:
        print("note: onnxruntime-node is not installed (cd bench/peers && npm "
              "install --ignore-scripts); its column is n/a", file=sys.stderr)
    if not have_torch:
        raise SystemExit("error: the benchmark needs Debian's python3-torch "
                         "(apt-get install python3-torch python3-torchvision "
                         "libopenblas0-openmp), or run bench/run.sh")
    import models

    os.makedirs(args.out_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="fulcrum-bench-")
    import flops
    from gemm import measure_peak
    thread_counts = [int(t) for t in args.threads.split(",")]
    peak = measure_peak(tmp, max(thread_counts))
    print("FMA peak: " + ", ".join(f"{t} thread{'s' if t > 1 else ''} "
                                   f"{peak[t]:.1f} GFLOP/s"
                                   for t in thread_counts if t in peak) + "\n")
    export_dir = os.path.join(args.build_dir, "bench-models")
    rows = []
    header = ("| model | batch | threads | runs | Fulcrum ms | ONNX Runtime ms "
              "| PyTorch ms | Fulcrum/ORT | Fulcrum/PyTorch | Fulcrum GFLOP/s "
              "| % of FMA peak | peak MiB (Fulcrum / ORT / PyTorch) "
              "| Fulcrum compile s | fulcrum-run MiB |")
    compare = args.compare_flags.split()
    model_flags = dict(f.split("=", 1) for f in args.compare_model_flags)
    if compare:
        header += (f" Fulcrum {args.compare_flags} ms | default/compared "
                   f"| compared peak MiB |")
    print(header)
    print("|" + "---|" * (17 if compare else 14), flush=True)
    for name in args.models.split(","):
        onnx = models.onnx_path(name, export_dir)
        for threads in [int(t) for t in args.threads.split(",")]:
            for batch in [int(b) for b in args.batches.split(",")]:
                inputs = write_inputs(name, batch, tmp)
                row = {"model": name, "batch": batch, "threads": threads}
                row["fulcrum"] = bench_fulcrum(args, onnx, inputs, batch,
                                               threads, tmp)
                if compare:
                    flags = model_flags.get(name, args.compare_flags)
                    row["fulcrum_compared"] = bench_fulcrum(
                        args, onnx, inputs, batch, threads, tmp, flags.split(),
                        stem="compared")
                    row["fulcrum_compared"]["flags"] = flags
                cmds = {"fulcrum": row["fulcrum"].pop("_cmd", None)}
                if compare:
                    cmds["fulcrum_compared"] = row["fulcrum_compared"].pop(
                        "_cmd", None)
                row["onnxruntime"] = {"error": "not run"}
                row["pytorch"] = {"error": "not run"}
                common = [f"--batch={batch}", f"--threads={threads}",
                          f"--warmup={args.warmup}", f"--runs={args.runs}"]
                if "onnxruntime" in peers and have_ort:
                    cmds["onnxruntime"] = (
                        ["node", os.path.join(HERE, "peers/ort.js"), "bench",
                         onnx] + [a for c in common for a in c.split("=", 1)])
                    row["onnxruntime"] = bench_peer(
                        cmds["onnxruntime"], args, "onnxruntime", batch,
                        threads)
                if "pytorch" in peers:
                    cmds["pytorch"] = (
                        [sys.executable, os.path.join(HERE, "peers/torch_bench.py"),
                         name] + common)
                    row["pytorch"] = bench_peer(cmds["pytorch"], args,
                                                "pytorch", batch, threads)
                if "fulcrum_compared" in row:
                    row["fulcrum_compared"].pop("_cmd", None)
                if args.rounds > 1:
                    more_rounds(row, {rt: c for rt, c in cmds.items() if c},
                                args)
                row["gflop"] = flops.count(onnx, batch) / 1e9
                if "median_ms" in row["fulcrum"]:
                    rate = row["gflop"] / (row["fulcrum"]["median_ms"] / 1e3)
                    row["fulcrum"]["gflops"] = rate
                    if threads in peak:
                        row["fulcrum"]["peak_percent"] = 100 * rate / peak[threads]
                rows.append(row)
                f, o, p = row["fulcrum"], row["onnxruntime"], row["pytorch"]
                mem = " / ".join(f"{r['peak_mib']:.0f}" if "peak_mib" in r
                                 else "n/a" for r in (f, o, p))
                runs = f"{f.get('runs', '-')}/{o.get('runs', '-')}/{p.get('runs', '-')}"
                rate = (f"{f['gflops']:.1f}" if "gflops" in f else "n/a")
                share = (f"{f['peak_percent']:.0f}%" if "peak_percent" in f
                         else "n/a")
                print(f"| {name} | {batch} | {threads} | {runs} | {fmt_ms(f)} | "
                      f"{fmt_ms(o)} | {fmt_ms(p)} | {fmt_ratio(f, o)} | "
                      f"{fmt_ratio(f, p)} | {rate} | {share} | {mem} | "
                      f"{f.get('compile_s', 0):.2f} | "
                      f"{f.get('fulcrum_run_peak_mib', 0):.0f} |" +
                      (f" {fmt_ms(row['fulcrum_compared'])} | "
                       f"{fmt_ratio(f, row['fulcrum_compared'])} | "
                       + (f"{row['fulcrum_compared']['peak_mib']:.0f}"
                          if "peak_mib" in row["fulcrum_compared"] else "n/a")
                       + " |" if compare else ""), flush=True)
                if "deployed_error" in f:
                    print(f"  fulcrum's deployed runner failed on {name}: "
                          f"{f['deployed_error']}", file=sys.stderr)
                for rt in RUNTIMES:
                    if "error" in row[rt] and row[rt]["error"] != "not run":
                        print(f"  {rt} failed on {name}: {row[rt]['error']}",
                              file=sys.stderr)
    print("\nruns: Fulcrum/ONNX Runtime/PyTorch timed runs after warm-up; "
          "ratios > 1 mean Fulcrum is slower" +
          (f" (default/compared > 1: the default is slower than with "
           f"{args.compare_flags})." if compare else ".") +
          " Fulcrum's peak memory is the artifact's in a small C program "
          "calling <entry>_run (bench/deploy.py); fulcrum-run MiB is the "
          "runner tool's, which also holds the compiler.")
    with open(os.path.join(args.out_dir, "results.json"), "w") as fp:
        json.dump({"date": time.strftime("%Y-%m-%d %H:%M:%S"),
                   "fma_peak_gflops": peak,
                   "commit": subprocess.run(
                       ["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                       capture_output=True, text=True).stdout.strip(),
                   "rows": rows}, fp, indent=1)
    with open(os.path.join(args.out_dir, "results.csv"), "w", newline="") as fp:
        w = csv.writer(fp)
        w.writerow(["model", "batch", "threads"] +
                   [f"{rt}_{k}" for rt in RUNTIMES
                    for k in ("median_ms", "min_ms", "runs", "peak_mib")] +
                   ["fulcrum_compile_s", "gflop", "fulcrum_gflops",
                    "fulcrum_peak_percent"])
        for r in rows:
            w.writerow([r["model"], r["batch"], r["threads"]] +
                       [r[rt].get(k, "") for rt in RUNTIMES
                        for k in ("median_ms", "min_ms", "runs", "peak_mib")] +
                       [r["fulcrum"].get("compile_s", ""), r.get("gflop", ""),
                        r["fulcrum"].get("gflops", ""),
                        r["fulcrum"].get("peak_percent", "")])
    svg_chart(rows, os.path.join(args.out_dir, "latency.svg"))
    print(f"wrote {args.out_dir}/results.csv, results.json, latency.svg")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
