#!/usr/bin/env bash
# GPU check for a machine with an NVIDIA GPU (meant to finish within 10
# minutes): builds fulcrum-compile/fulcrum-run, then for each GPU target
# available here — nvptx (needs libcuda.so.1) and vulkan (needs a Vulkan
# driver; on NVIDIA machines the NVIDIA ICD, else Mesa's lavapipe) — runs a
# bounded conformance subset (pass counts) and the benchmark models
# (latencies, and outputs against the CPU target).
#
#   bench/gpu_check.sh [BUILD_DIR]
#
# Environment: GPU_CHECK_CHIP (default: from nvidia-smi, else sm_80),
# GPU_CHECK_FILTER (conformance subset, default "node/test_"),
# GPU_CHECK_TIMEOUT (seconds per conformance model, default 60),
# GPU_CHECK_JOBS (parallel conformance runs, default 4).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
OUT="${GPU_CHECK_OUT:-$BUILD/gpu-check}"
FILTER="${GPU_CHECK_FILTER:-node/test_}"
TIMEOUT="${GPU_CHECK_TIMEOUT:-60}"
JOBS="${GPU_CHECK_JOBS:-4}"
PY=/usr/bin/python3
START=$(date +%s)
mkdir -p "$OUT"

elapsed() { echo "$(( $(date +%s) - START )) s"; }

echo "== gpu_check: building ($(elapsed))"
if [ ! -f "$BUILD/build.ninja" ]; then
  FULCRUM_BUILD_DIR="$BUILD" "$ROOT/scripts/setup.sh" fulcrum-compile fulcrum-run || exit 1
else
  ninja -C "$BUILD" fulcrum-compile fulcrum-run >/dev/null || exit 1
fi
COMPILE="$BUILD/bin/fulcrum-compile"
RUN="$BUILD/bin/fulcrum-run"

CHIP="${GPU_CHECK_CHIP:-}"
if [ -z "$CHIP" ] && command -v nvidia-smi >/dev/null; then
  cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '. ')
  [ -n "$cap" ] && CHIP="sm_$cap"
fi
CHIP="${CHIP:-sm_80}"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader

targets=()
if $PY -c "import ctypes; ctypes.CDLL('libcuda.so.1')" 2>/dev/null; then
  targets+=(nvptx)
else
  echo "== no NVIDIA driver (libcuda.so.1): skipping nvptx"
fi
if $PY -c "import ctypes; ctypes.CDLL('libvulkan.so.1')" 2>/dev/null &&
   ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1; then
  targets+=(vulkan)
else
  echo "== no Vulkan driver: skipping vulkan"
fi

# The benchmark models: the committed Fashion-MNIST ones, and ResNet-18
# (torchvision, random weights) when python3-torchvision is installed.
models=("$ROOT/models/mlp-b1.onnx" "$ROOT/models/cnn-b1.onnx" "$ROOT/models/vit-b1.onnx")
resnet=$(cd "$ROOT/bench" && timeout 120 $PY -c "import models; print(models.onnx_path('resnet18', '$OUT/models'))" 2>/dev/null | tail -1)
[ -n "$resnet" ] && [ -f "$resnet" ] && models+=("$resnet")

for target in "${targets[@]}"; do
  flags=(--target="$target")
  [ "$target" = nvptx ] && flags+=(--gpu-chip="$CHIP")
  echo "== $target: conformance subset '$FILTER' ($(elapsed))"
  tool="$OUT/run-$target.sh"
  printf '#!/bin/sh\nexec %s "$@" %s\n' "$RUN" "${flags[*]}" > "$tool"
  chmod +x "$tool"
  timeout 300 $PY "$ROOT/utils/onnx-conformance.py" "$tool" --filter "$FILTER" \
      --jobs "$JOBS" --timeout "$TIMEOUT" --report "$OUT/conformance-$target.md" \
      | tail -1
  echo "== $target: benchmark models ($(elapsed))"
  for model in "${models[@]}"; do
    name=$(basename "$model" .onnx)
    $PY -c "
import numpy as np, onnx
m = onnx.load('$model', load_external_data=False)
d = [x.dim_value or 1 for x in m.graph.input[0].type.tensor_type.shape.dim]
np.save('$OUT/$name-input.npy', np.random.default_rng(0).random(d, dtype=np.float32))"
    if ! timeout 120 "$COMPILE" "$model" "${flags[@]}" -o "$OUT/$name-$target.so"; then
      echo "$name: compile failed"; continue
    fi
    [ -f "$OUT/$name-cpu.so" ] || timeout 120 "$COMPILE" "$model" -o "$OUT/$name-cpu.so"
    rm -rf "$OUT/$name-$target-out" "$OUT/$name-cpu-out"
    timeout 60 "$RUN" "$OUT/$name-$target.so" "$OUT/$name-input.npy" --output-dir "$OUT/$name-$target-out" >/dev/null &&
      timeout 60 "$RUN" "$OUT/$name-cpu.so" "$OUT/$name-input.npy" --output-dir "$OUT/$name-cpu-out" >/dev/null &&
      echo "$name: $($PY "$ROOT/test/Target/GPU/Inputs/compare_outputs.py" "$OUT/$name-$target-out" "$OUT/$name-cpu-out" | tr '\n' ' ')"
    timeout 90 "$RUN" "$OUT/$name-$target.so" "$OUT/$name-input.npy" --bench 20 --warmup 3 2>&1 | grep -iE "median|latency" | sed "s/^/$name ($target): /"
  done
done
echo "== gpu_check done in $(elapsed)"
