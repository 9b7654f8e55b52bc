#!/usr/bin/env bash
# Import benchmark: time and peak memory of `fulcrum-translate --import-onnx`
# on a generated ~100 MB model, as ratios to the model size. Not part of the
# test suite. Usage: bench/import/run.sh [BUILD_DIR] [MB]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
MB="${2:-100}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
/usr/bin/python3 "$ROOT/bench/import/make_large_model.py" "$TMP/large.onnx" --mb "$MB"
SIZE=$(stat -c %s "$TMP/large.onnx")
report() {
  awk -v n="$1" -v s="$2" -v k="$3" -v z="$SIZE" 'BEGIN {
    printf "%-40s %8.2f %10.1f %14.2f\n", n, s, k/1024, k*1024/z }'
}
awk -v z="$SIZE" 'BEGIN { printf "model: %.1f MiB\n", z / 1048576 }'
printf "%-40s %8s %10s %14s\n" "what" "seconds" "peak MiB" "peak / model"
read -r secs kib < <("$BUILD/bin/fulcrum-import-bench" "$ROOT/models/tiny-cnn.onnx")
report "baseline: the same on a 4 KB model" "$secs" "$kib"
read -r secs kib < <("$BUILD/bin/fulcrum-import-bench" "$TMP/large.onnx")
report "importer library (importONNXFile)" "$secs" "$kib"
/usr/bin/time -f "%e %M" -o "$TMP/time" \
  "$BUILD/bin/fulcrum-translate" --import-onnx "$TMP/large.onnx" -o "$TMP/out.mlir"
read -r secs kib < "$TMP/time"
report "fulcrum-translate, writing text MLIR" "$secs" "$kib"
