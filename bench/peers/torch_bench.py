#!/usr/bin/python3
"""PyTorch (Debian's python3-torch, eager mode, torch.inference_mode) as a
benchmark peer: times one model of bench/models.py and prints one JSON line
like bench/peers/ort.js.

    /usr/bin/python3 bench/peers/torch_bench.py MODEL --batch N --threads T
        --warmup W --runs R
"""
import argparse
import json
import os
import re
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import models  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", choices=sorted(models.ZOO))
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    model = models.build(args.model)
    x = models.example_input(args.model, args.batch)
    setup = time.perf_counter() - start
    times = []
    with torch.inference_mode():
        for _ in range(args.warmup):
            model(x)
        for _ in range(args.runs):
            t = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    # VmHWM, not ru_maxrss: the latter also counts the parent's memory
    # before exec.
    with open("/proc/self/status") as status:
        peak = int(re.search(r"VmHWM:\s*(\d+)", status.read()).group(1)) / 1024
    print(json.dumps({
        "runtime": "pytorch", "batch": args.batch, "threads": args.threads,
        "runs": args.runs, "median_ms": times[len(times) // 2],
        "min_ms": times[0], "peak_mib": peak, "setup_s": setup,
        "version": torch.__version__}))


if __name__ == "__main__":
    main()
