#!/usr/bin/env bash
# The GPU check for a machine with an NVIDIA GPU (meant to finish within 10
# minutes): the ONNX conformance models and the benchmark models through
# nvptx (when libcuda.so.1 exists) and vulkan (when a Vulkan driver exists:
# on NVIDIA machines the NVIDIA ICD), with pass counts, agreement with the
# CPU target and latencies (PyTorch eager on the same GPU as the peer).
#
#   bench/gpu_check.sh [BUILD_DIR]             both halves on this machine
#   bench/gpu_check.sh --prepare BUNDLE [BUILD_DIR]
#                                              compile here (no GPU needed)
#   bench/gpu_check.sh --run BUNDLE            run there (python3 + NumPy,
#                                              the drivers; no compiler)
#
# The split is for GPU machines without Fulcrum's LLVM/MLIR (the `device`
# tool's): prepare the bundle on the build machine, carry it, run it there.
# Environment: GPU_CHECK_CHIP (default: from nvidia-smi, else sm_90),
# GPU_CHECK_FILTER (conformance subset by suite/name, comma-separated
# alternatives, default all; `none` for none), GPU_CHECK_BASELINE (extra
# compile flags, e.g. --gpu-tile=none: the models are also compiled with
# them and timed beside), GPU_CHECK_JOBS (parallel runs), GPU_CHECK_REPEAT (timed calls
# per model, default 20), GPU_CHECK_BUDGET (seconds of conformance runs per
# target; the rest are counted as not run), GPU_CHECK_PROFILE=1 (where each
# model's time goes, from FULCRUM_GPU_PROFILE).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Preparing uses Debian's python3 (python3-onnx, python3-torch); running,
# the python3 on PATH (GPU machines keep PyTorch in their own), or
# GPU_CHECK_PYTHON.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
RUN_PY="${GPU_CHECK_PYTHON:-python3}"
START=$(date +%s)
elapsed() { echo "$(( $(date +%s) - START )) s"; }

CHIP="${GPU_CHECK_CHIP:-}"
if [ -z "$CHIP" ] && command -v nvidia-smi >/dev/null; then
  cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '. ')
  [ -n "$cap" ] && CHIP="sm_$cap"
fi
CHIP="${CHIP:-sm_90}"
JOBS="${GPU_CHECK_JOBS:-$(nproc)}"

prepare() {  # BUNDLE BUILD
  local bundle="$1" build="$2"
  echo "== gpu_check: building ($(elapsed))"
  if [ ! -f "$build/build.ninja" ]; then
    FULCRUM_BUILD_DIR="$build" "$ROOT/scripts/setup.sh" fulcrum-compile || return 1
  else
    ninja -C "$build" fulcrum-compile >/dev/null || return 1
  fi
  echo "== gpu_check: compiling for $CHIP ($(elapsed))"
  "$PY" "$ROOT/bench/gpu_check.py" prepare "$bundle" --build "$build" \
    --chip "$CHIP" --filter "${GPU_CHECK_FILTER:-}" --jobs "$JOBS" \
    ${GPU_CHECK_BASELINE:+"--baseline-flags=$GPU_CHECK_BASELINE"}
}

run() {  # BUNDLE
  # The NVIDIA Vulkan ICD where the driver is mounted but not registered.
  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && [ -f "$icd" ]; then
    export VK_DRIVER_FILES="$icd"
  fi
  echo "== gpu_check: running ($(elapsed))"
  local extra=()
  [ -n "${GPU_CHECK_PROFILE:-}" ] && extra+=(--profile)
  [ -n "${GPU_CHECK_BUDGET:-}" ] && extra+=(--budget "$GPU_CHECK_BUDGET")
  "$RUN_PY" "$ROOT/bench/gpu_check.py" run "$1" --jobs "$JOBS" \
    --repeat "${GPU_CHECK_REPEAT:-20}" "${extra[@]}"
}

case "${1:-}" in
  --prepare) prepare "$2" "${3:-$ROOT/build}" ;;
  --run) run "$2" ;;
  *)
    build="${1:-$ROOT/build}"
    bundle="$build/gpu-check"
    RUN_PY="${GPU_CHECK_PYTHON:-$PY}"
    prepare "$bundle" "$build" && run "$bundle" ;;
esac
rc=$?
echo "== gpu_check done in $(elapsed)"
exit $rc
