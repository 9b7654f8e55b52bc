#!/usr/bin/env python3
"""The GPU check, in two halves that may run on different machines.

    gpu_check.py prepare BUNDLE [--build DIR] [--chip sm_90] [--filter S]
    gpu_check.py run BUNDLE [--jobs N] [--repeat N] [--no-peers]

`prepare` needs Fulcrum's build (and python3-onnx, python3-torch for the
benchmark models): it compiles a conformance subset and the benchmark models
for `--target=nvptx --gpu-chip=CHIP` and `--target=vulkan`, and the same
models for the CPU, whose outputs it records. Everything lands in BUNDLE
(artifacts, inputs, expected outputs, manifest.json).

`run` needs only python3 with NumPy, and the GPU's drivers: it loads the
artifacts with ctypes (the `fulcrum` Python package's loader, which needs
no compiler), one process per conformance model (a failed launch aborts
its process), and prints, per target whose driver is present:
  - `<target> conformance: P passed, F failed, S not compiled (of N)`,
  - per model: agreement with the CPU target's outputs and the median
    latency, with PyTorch on the same GPU as the peer where it is there.
Machines lent for a short while (the `device` tool) have the GPU but not
the compiler's LLVM/MLIR, hence the split; `bench/gpu_check.sh` runs both
halves on one machine when it has both.
"""
import argparse
import ctypes
import glob
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
SUITES = ["node", "simple", "pytorch-converted", "pytorch-operator"]
TARGETS = ["nvptx", "vulkan"]
# Benchmark models: name -> how to get a static batch-1 ONNX file; NAME-dynamic
# is the committed models/NAME.onnx with its dynamic batch, run at a batch of
# DYNAMIC_BATCH.
MODELS = ["mlp", "cnn", "vit", "resnet18", "mobilenet_v2", "bert-4x256",
          "cnn-dynamic", "vit-dynamic"]
DYNAMIC_BATCH = 3
RTOL, ATOL = 1e-3, 1e-7          # the conformance runner's tolerances
MODEL_RTOL, MODEL_ATOL = 1e-4, 1e-5  # GPU against CPU (fp32)


def log(*args):
    print(*args, flush=True)


# ---------------------------------------------------------------- prepare --

def matches(name, spec):
    """Whether a conformance model's suite/name matches the filter: any of
    its comma-separated parts ('' matches all)."""
    return any(part in name for part in spec.split(","))


def target_flags(target, chip):
    return ["--target=" + target] + (["--gpu-chip=" + chip]
                                      if target == "nvptx" else [])


def compile_one(compiler, model, out, flags, timeout=300):
    try:
        p = subprocess.run([compiler, model, "-o", out] + flags,
                           capture_output=True, text=True, errors="replace",
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return "compile timed out"
    if p.returncode != 0:
        lines = [l for l in (p.stderr + p.stdout).splitlines() if l.strip()]
        return (lines[0] if lines else "exit %d" % p.returncode)[:200]
    return None


def read_test_data(test_dir):
    """[(inputs, outputs)] per test_data_set, or None when some value is
    not a tensor (sequences, optionals)."""
    import onnx
    from onnx import numpy_helper
    sets = []
    for data in sorted(glob.glob(os.path.join(test_dir, "test_data_set_*"))):
        values = {}
        for kind in ("input", "output"):
            files = sorted(glob.glob(os.path.join(data, kind + "_*.pb")),
                           key=lambda f: int(f.rsplit("_", 1)[1][:-3]))
            arrays = []
            for f in files:
                tensor = onnx.TensorProto()
                with open(f, "rb") as h:
                    tensor.ParseFromString(h.read())
                if not tensor.name and tensor.data_type == 0:
                    return None
                try:
                    arrays.append(numpy_helper.to_array(tensor))
                except Exception:
                    return None
            values[kind] = arrays
        sets.append((values["input"], values["output"]))
    return sets


def prepare_conformance(args, compiler, bundle):
    tests = []
    for suite in SUITES:
        for name in sorted(os.listdir(os.path.join(args.data, suite))):
            full = suite + "/" + name
            if matches(full, args.filter):
                tests.append((suite, name))
    log("conformance: %d models match '%s'" % (len(tests), args.filter))

    def one(test):
        suite, name = test
        src = os.path.join(args.data, suite, name)
        key = suite + "." + name
        dst = os.path.join(bundle, "conformance", key)
        os.makedirs(dst, exist_ok=True)
        entry = {"name": suite + "/" + name, "dir": "conformance/" + key,
                 "compiled": {}}
        sets = read_test_data(src)
        if not sets:
            entry["skip"] = "test data is not tensors"
            return entry
        arrays = {}
        for k, (inputs, outputs) in enumerate(sets):
            for i, a in enumerate(inputs):
                arrays["s%d_in%d" % (k, i)] = a
            for i, a in enumerate(outputs):
                arrays["s%d_out%d" % (k, i)] = a
        np.savez(os.path.join(dst, "data.npz"), **arrays)
        entry["sets"] = len(sets)
        for target in args.targets:
            error = compile_one(compiler, os.path.join(src, "model.onnx"),
                                os.path.join(dst, target + ".so"),
                                target_flags(target, args.chip))
            entry["compiled"][target] = error or "ok"
        return entry

    with ThreadPoolExecutor(args.jobs) as pool:
        return list(pool.map(one, tests))


def quantize_weights(model):
    """Rounds each parameter to 15 levels, so the artifacts (which embed
    the weights) compress well enough to travel; the architecture, and so
    the latency, is unchanged, and the CPU reference uses the same
    weights."""
    import torch
    with torch.no_grad():
        for p in model.parameters():
            scale = p.abs().max() / 7
            if scale > 0:
                p.copy_(torch.round(p / scale) * scale)


def export_static(name, path):
    """A batch-1 export, or for NAME-dynamic the committed dynamic one."""
    if name.endswith("-dynamic"):
        return os.path.join(ROOT, "models", name[:-len("-dynamic")] + ".onnx")
    import torch
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import models
    committed = os.path.join(ROOT, "models", name + "-b1.onnx")
    if os.path.exists(committed):
        return committed
    model = models.build(name)
    quantize_weights(model)
    input_name = "ids" if models.ZOO[name][2] == torch.int64 else "input"
    torch.onnx.export(model, models.example_input(name, 1), path,
                      input_names=[input_name], output_names=["output"],
                      opset_version=17, do_constant_folding=True)
    return path


def random_input(onnx_path, batch=1):
    import onnx
    m = onnx.load(onnx_path, load_external_data=False)
    inputs = []
    for value in m.graph.input:
        t = value.type.tensor_type
        shape = [d.dim_value or batch for d in t.shape.dim]
        rng = np.random.default_rng(len(inputs))
        if t.elem_type == onnx.TensorProto.INT64:
            inputs.append(rng.integers(0, 100, shape).astype(np.int64))
        else:
            inputs.append(rng.random(shape, dtype=np.float32))
    return inputs


def prepare_models(args, compiler, bundle):
    import fulcrum
    entries = []
    os.makedirs(os.path.join(bundle, "models"), exist_ok=True)
    work = os.path.join(args.work, "models")
    os.makedirs(work, exist_ok=True)
    for name in args.models:
        entry = {"name": name, "compiled": {}}
        try:
            onnx_file = export_static(name, os.path.join(work, name + ".onnx"))
        except Exception as e:  # no torch or torchvision here
            log("%s: cannot export (%s)" % (name, e))
            continue
        inputs = random_input(
            onnx_file, DYNAMIC_BATCH if name.endswith("-dynamic") else 1)
        base = os.path.join(bundle, "models", name)
        np.savez(base + "-input.npz", *inputs)
        cpu = os.path.join(work, name + "-cpu.so")
        error = compile_one(compiler, onnx_file, cpu, [])
        if error:
            log("%s: CPU compile failed: %s" % (name, error))
            continue
        outputs = fulcrum.load(cpu).run(*inputs)
        np.savez(base + "-cpu.npz", *outputs.values())
        for target in args.targets:
            start = time.time()
            error = compile_one(compiler, onnx_file,
                                base + "-" + target + ".so",
                                target_flags(target, args.chip))
            entry["compiled"][target] = error or "ok"
            log("%s: %s %s (%.1f s)" % (name, target, error or "compiled",
                                        time.time() - start))
            if args.baseline_flags and not error:
                # The same model compiled with other flags, run beside it.
                error = compile_one(compiler, onnx_file,
                                    base + "-" + target + "-baseline.so",
                                    target_flags(target, args.chip) +
                                    args.baseline_flags.split())
                entry["compiled"][target + "-baseline"] = error or "ok"
        entries.append(entry)
    return entries


def prepare(args):
    compiler = os.path.join(args.build, "bin", "fulcrum-compile")
    bundle = os.path.abspath(args.bundle)
    os.makedirs(bundle, exist_ok=True)
    args.work = args.work or os.path.join(bundle + ".work")
    manifest = {"chip": args.chip, "targets": args.targets,
                "baseline_flags": args.baseline_flags,
                "conformance": prepare_conformance(args, compiler, bundle)
                if args.filter != "none" else [],
                "models": prepare_models(args, compiler, bundle)}
    with open(os.path.join(bundle, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    counts = {t: sum(e["compiled"].get(t) == "ok"
                     for e in manifest["conformance"]) for t in args.targets}
    log("prepared %s: %d conformance models (compiled: %s), %d models"
        % (bundle, len(manifest["conformance"]),
           ", ".join("%s %d" % kv for kv in counts.items()),
           len(manifest["models"])))


# -------------------------------------------------------------------- run --

def driver_present(target):
    try:
        if target == "nvptx":
            ctypes.CDLL("libcuda.so.1")
            return True
        ctypes.CDLL("libvulkan.so.1")
        return bool(glob.glob("/usr/share/vulkan/icd.d/*.json") +
                    glob.glob("/etc/vulkan/icd.d/*.json") +
                    ([os.environ["VK_DRIVER_FILES"]]
                     if os.environ.get("VK_DRIVER_FILES") else []) +
                    ([os.environ["VK_ICD_FILENAMES"]]
                     if os.environ.get("VK_ICD_FILENAMES") else []))
    except OSError:
        return False


def compare(expected, actual, rtol, atol):
    """'' when close (the conformance runner's rule), else why not."""
    if expected.shape != actual.shape:
        return "shape %s, expected %s" % (list(actual.shape),
                                           list(expected.shape))
    if expected.dtype.kind in "fc":
        e = expected.astype(np.float64)
        a = actual.astype(np.float64)
        ok = (np.isnan(e) & np.isnan(a)) | (e == a) | \
            (np.abs(a - e) <= atol + rtol * np.abs(e))
    else:
        ok = expected == actual.astype(expected.dtype)
    if ok.all():
        return ""
    return "%d of %d elements differ" % (ok.size - int(ok.sum()), ok.size)


def run_one(artifact, data):
    """Child process: one conformance model; exit 0 when it matches."""
    import fulcrum
    from fulcrum import _model
    # bfloat16 travels as its bits (NumPy has no bfloat16; the ONNX test
    # data hold bits too).
    _model._DTYPES.setdefault(16, np.uint16)
    arrays = np.load(data)
    model = fulcrum.load(artifact)
    sets = 1 + max(int(k[1:k.index("_")]) for k in arrays.files)
    for s in range(sets):
        inputs = [arrays["s%d_in%d" % (s, i)] for i in range(len(model.inputs))
                  if "s%d_in%d" % (s, i) in arrays.files]
        outputs = list(model.run(*inputs).values())
        for i, got in enumerate(outputs):
            key = "s%d_out%d" % (s, i)
            if key not in arrays.files:
                continue
            why = compare(arrays[key], got, RTOL, ATOL)
            if why:
                print("FAIL output %d: %s" % (i, why))
                return 1
    print("PASS")
    return 0


def run_conformance(args, bundle, manifest, target):
    tests = [e for e in manifest["conformance"]
             if e["compiled"].get(target) == "ok" and matches(e["name"],
                                                              args.filter)]
    chosen = [e for e in manifest["conformance"]
              if matches(e["name"], args.filter)]
    skipped = sum(1 for e in chosen if "skip" in e)
    # Failures the CPU target shares (test-data bugs, unsupported cases).
    known = set()
    listed = os.path.join(ROOT, "test", "Conformance", "known-failures.txt")
    if os.path.exists(listed):
        with open(listed) as f:
            known = {l.split(":", 1)[0].strip() for l in f
                     if l.strip() and not l.startswith("#")}
    failures = []

    start = time.time()
    late = []

    def one(entry):
        if args.budget and time.time() - start > args.budget:
            late.append(entry["name"])
            return None
        d = os.path.join(bundle, entry["dir"])
        try:
            p = subprocess.run([sys.executable, os.path.abspath(__file__),
                                "one", os.path.join(d, target + ".so"),
                                os.path.join(d, "data.npz")],
                               capture_output=True, text=True,
                               errors="replace", timeout=args.timeout)
            out = (p.stdout + p.stderr).strip()
            if p.returncode == 0:
                return None
            lines = [l for l in out.splitlines() if l.strip()]
            reason = next((l for l in lines if "error" in l.lower() or
                           l.startswith("FAIL")),
                          lines[-1] if lines else "exit %d" % p.returncode)
            return "%s: %s" % (entry["name"], reason[:240])
        except subprocess.TimeoutExpired:
            return "%s: timed out after %d s" % (entry["name"], args.timeout)

    with ThreadPoolExecutor(args.jobs) as pool:
        for result in pool.map(one, tests):
            if result:
                failures.append(result)
    passed = len(tests) - len(failures) - len(late)
    total = len(chosen)
    shared = sum(1 for f in failures if f.split(":", 1)[0] in known)
    with open(os.path.join(args.out, "failures-%s.txt" % target), "w") as f:
        f.write("\n".join(failures) + "\n")
    for line in failures[:args.show_failures]:
        log("  FAIL " + line)
    log("%s conformance: %d passed, %d failed (%d of them fail on the CPU "
        "target too), %d not compiled, %d skipped (non-tensor data), %s"
        "of %d (%.0f s)"
        % (target, passed, len(failures), shared,
           total - len(tests) - skipped, skipped,
           "%d not run (time budget), " % len(late) if late else "", total,
           time.time() - start))
    return passed


def median_ms(fn, repeat, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1e3)


def torch_peer(name, repeat):
    """PyTorch eager on the same GPU, same architecture, batch 1."""
    try:
        import torch
        if not torch.cuda.is_available():
            return None
        sys.path.insert(0, os.path.join(ROOT, "bench"))
        import models
        model = models.build(name).cuda()
        x = models.example_input(name, 1).cuda()
        with torch.no_grad():
            def call():
                model(x)
                torch.cuda.synchronize()
            return median_ms(call, repeat)
    except Exception as e:
        log("  (no PyTorch peer for %s: %s)" % (name, str(e)[:120]))
        return None


def run_model_child(artifact, inputs, reference, repeat):
    """Child process: one benchmark model (agreement, latency) as JSON."""
    import fulcrum
    model = fulcrum.load(artifact)
    xs = [v for _, v in sorted(np.load(inputs).items(),
                               key=lambda kv: int(kv[0].split("_")[1]))]
    ref = np.load(reference)
    ref = [ref["arr_%d" % i] for i in range(len(ref.files))]
    start = time.perf_counter()
    got = list(model.run(*xs).values())
    first = time.perf_counter() - start
    worst_abs = worst_rel = 0.0
    why = ""
    for e, a in zip(ref, got):
        d = np.abs(a.astype(np.float64) - e.astype(np.float64))
        worst_abs = max(worst_abs, float(d.max()) if d.size else 0.0)
        worst_rel = max(worst_rel, float((d / np.maximum(np.abs(e), 1e-30))
                                         .max()) if d.size else 0.0)
        why = why or compare(e, a, MODEL_RTOL, MODEL_ATOL)
    result = {"match": not why, "why": why, "max_abs": worst_abs,
              "max_rel": worst_rel, "first_ms": first * 1e3,
              "median_ms": model.benchmark(*xs, repeat=repeat)["median_ms"]}
    print("RESULT " + json.dumps(result))
    return 0


def model_child(args, base, target, env=None, suffix=""):
    """Runs one benchmark model's `model` child (raises TimeoutExpired)."""
    return subprocess.run(
        [sys.executable, os.path.abspath(__file__), "model",
         base + "-" + target + suffix + ".so", base + "-input.npz",
         base + "-cpu.npz",
         str(args.repeat)],
        capture_output=True, text=True, errors="replace",
        timeout=args.model_timeout, env=env)


def child_result(p):
    """A `model` child's RESULT object, or None when it failed."""
    line = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")]
    return json.loads(line[0][7:]) if p.returncode == 0 and line else None


def baseline(args, base, target, entry, manifest, r):
    """The text that reports the model compiled with --baseline-flags: its
    agreement, median and ratio to the default's median `r` (None when the
    default failed); '' when there is no baseline."""
    if entry["compiled"].get(target + "-baseline") != "ok":
        return ""
    flags = manifest.get("baseline_flags")
    try:
        p = model_child(args, base, target, suffix="-baseline")
    except subprocess.TimeoutExpired:
        return "; baseline (%s) timed out" % flags
    b = child_result(p)
    if not b:
        out = [l for l in (p.stdout + p.stderr).splitlines() if l.strip()]
        return "; baseline (%s) failed: %s" % (
            flags, out[-1][:240] if out else p.returncode)
    text = "; baseline (%s): %s, median %.3f ms" % (
        flags, "matches" if b["match"] else "MISMATCH: " + b["why"],
        b["median_ms"])
    if r:
        text += ", baseline / this %.2fx" % (b["median_ms"] / r["median_ms"])
    return text


def run_models(args, bundle, manifest, target):
    for entry in manifest["models"]:
        name = entry["name"]
        if args.models and name not in args.models.split(","):
            continue
        if entry["compiled"].get(target) != "ok":
            log("  %s (%s): not compiled: %s"
                % (name, target, entry["compiled"].get(target)))
            continue
        base = os.path.join(bundle, "models", name)
        try:
            p = model_child(args, base, target)
        except subprocess.TimeoutExpired:
            log("  %s (%s): timed out after %d s"
                % (name, target, args.model_timeout))
            continue
        r = child_result(p)
        if r is None:
            out = [l for l in (p.stdout + p.stderr).splitlines() if l.strip()]
            # The baseline still runs: whether it fails too tells a fault
            # of the compared flags from one of the target.
            log("  %s (%s): failed: %s%s"
                % (name, target, out[-1][:240] if out else p.returncode,
                   baseline(args, base, target, entry, manifest, None)))
            continue
        peer = args.peers.get(name)
        extra = ""
        if args.profile:
            # Where the time goes (FULCRUM_GPU_PROFILE); its totals cover all
            # calls of the child (the first, with the weights' upload, 3
            # warm-ups, `repeat` timed). CUDA synchronizes and times every
            # launch; Vulkan counts submissions and the time spent waiting
            # for them (the GPU's work, about).
            q = model_child(args, base, target,
                            dict(os.environ, FULCRUM_GPU_PROFILE="1"))
            calls = args.repeat + 4
            if target == "nvptx":
                prof = re.search(r"cuda profile: (\d+) launches; copies in "
                                 r"([\d.]+) ms, kernels ([\d.]+) ms, copies "
                                 r"out ([\d.]+) ms", q.stderr)
                text = ("; per call (profiled, %d calls): %d launches, "
                        "copies in %.3f ms, kernels %.3f ms, copies out "
                        "%.3f ms")
            else:
                prof = re.search(r"vulkan profile: (\d+) launches in (\d+) "
                                 r"submissions \(\d+ before a copy in\); "
                                 r"waiting ([\d.]+) ms", q.stderr)
                text = ("; per call (profiled, %d calls): %d launches, "
                        "%.1f submissions, waiting %.3f ms")
            if prof:
                numbers = [float(v) / calls for v in prof.groups()]
                extra = text % (calls, *numbers)
        extra += baseline(args, base, target, entry, manifest, r)
        log("  %s (%s): %s (max abs diff %.3g, max rel %.3g); median %.3f ms, "
            "first call %.1f ms%s"
            % (name, target, "matches the CPU" if r["match"]
               else "MISMATCH: " + r["why"], r["max_abs"], r["max_rel"],
               r["median_ms"], r["first_ms"],
               "; PyTorch eager %.3f ms, ratio %.2fx" %
               (peer, r["median_ms"] / peer) if peer else "") + extra)


def run(args):
    bundle = os.path.abspath(args.bundle)
    with open(os.path.join(bundle, "manifest.json")) as f:
        manifest = json.load(f)
    args.out = args.out or bundle
    os.makedirs(args.out, exist_ok=True)
    log("bundle: %s (chip %s), %d conformance models, models: %s"
        % (bundle, manifest["chip"], len(manifest["conformance"]),
           ", ".join(e["name"] for e in manifest["models"])))
    try:
        smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,"
                              "compute_cap", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30)
        log("GPU: " + smi.stdout.strip())
    except (OSError, subprocess.TimeoutExpired):
        log("GPU: no nvidia-smi")
    args.peers = {}
    if not args.no_peers:
        for entry in manifest["models"]:
            if entry["name"].endswith("-dynamic"):
                continue
            peer = torch_peer(entry["name"], args.repeat)
            if peer:
                args.peers[entry["name"]] = peer
    for target in manifest["targets"]:
        if target not in args.targets:
            continue
        if not driver_present(target):
            log("%s: no driver here (%s): skipped" % (
                target, "libcuda.so.1" if target == "nvptx"
                else "libvulkan.so.1 and an ICD"))
            continue
        log("== %s" % target)
        if manifest["conformance"]:
            run_conformance(args, bundle, manifest, target)
        run_models(args, bundle, manifest, target)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("bundle")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--chip", default="sm_90")
    p.add_argument("--targets", default="nvptx,vulkan")
    p.add_argument("--filter", default="",
                   help="conformance models whose suite/name contains this, "
                   "or any of several separated by commas ('none': no "
                   "conformance models)")
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--baseline-flags", default="",
                   help="also compile the models with these extra flags "
                   "(e.g. --gpu-tile=none) and time them beside")
    p.add_argument("--data", default="/usr/share/libonnx-testdata/data")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    p.add_argument("--work", help="scratch folder (default BUNDLE.work)")
    r = sub.add_parser("run")
    r.add_argument("bundle")
    r.add_argument("--targets", default="nvptx,vulkan")
    r.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    r.add_argument("--timeout", type=int, default=60)
    r.add_argument("--model-timeout", type=int, default=180)
    r.add_argument("--repeat", type=int, default=20)
    r.add_argument("--no-peers", action="store_true")
    r.add_argument("--budget", type=float, default=0,
                   help="seconds per target for conformance models (0: no "
                   "limit); models past it are counted as not run")
    r.add_argument("--profile", action="store_true",
                   help="also run each model with FULCRUM_GPU_PROFILE (nvptx: "
                        "copies and kernels; vulkan: submissions, waiting)")
    r.add_argument("--filter", default="",
                   help="run the conformance models whose name contains this")
    r.add_argument("--models", default="",
                   help="run these benchmark models only (default: all)")
    r.add_argument("--show-failures", type=int, default=40)
    r.add_argument("--out", help="where failures-<target>.txt go "
                   "(default: the bundle)")
    o = sub.add_parser("one")
    o.add_argument("artifact")
    o.add_argument("data")
    m = sub.add_parser("model")
    m.add_argument("artifact")
    m.add_argument("inputs")
    m.add_argument("reference")
    m.add_argument("repeat", type=int)
    args = ap.parse_args()
    if args.command == "one":
        return run_one(args.artifact, args.data)
    if args.command == "model":
        return run_model_child(args.artifact, args.inputs, args.reference,
                               args.repeat)
    args.targets = args.targets.split(",")
    if args.command == "prepare":
        args.models = [m for m in args.models.split(",") if m]
        return prepare(args)
    return run(args)


if __name__ == "__main__":
    sys.exit(main() or 0)
