#!/usr/bin/env bash
# The main job: set up (Debian packages, configure, incremental build), then
# import the bundled model and print its MLIR, compile it ahead of time into
# a static library with a C header, link the example program against it and
# run it. Safe to run any number of times. Usage: scripts/main.sh [MODEL.onnx]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
fulcrum_install_packages
fulcrum_build fulcrum-translate fulcrum-opt fulcrum-compile fulcrum-run

MODEL="${1:-$FULCRUM_ROOT/models/tiny-cnn.onnx}"
echo "== fulcrum-translate --import-onnx $MODEL"
"$BUILD_DIR/bin/fulcrum-translate" --import-onnx "$MODEL" \
  --mlir-elide-resource-strings-if-larger=64

if [ $# -eq 0 ]; then
  OUT="$BUILD_DIR/example"
  mkdir -p "$OUT"
  echo "== fulcrum-compile $MODEL -o $OUT/tiny_cnn.a --header $OUT/tiny_cnn.h"
  "$BUILD_DIR/bin/fulcrum-compile" "$MODEL" --entry-point=tiny_cnn \
    -o "$OUT/tiny_cnn.a" --header "$OUT/tiny_cnn.h"
  echo "== examples/classify: linked against the compiled model (no MLIR at run time)"
  clang-19 -O2 -I"$OUT" "$FULCRUM_ROOT/examples/classify/classify.c" \
    "$OUT/tiny_cnn.a" -L/usr/lib/llvm-19/lib -Wl,-rpath,/usr/lib/llvm-19/lib \
    -lomp -lm -o "$OUT/classify"
  "$OUT/classify"
else
  echo "== fulcrum-compile $MODEL -o $BUILD_DIR/model.so"
  "$BUILD_DIR/bin/fulcrum-compile" "$MODEL" -o "$BUILD_DIR/model.so"
  echo "wrote $BUILD_DIR/model.so"
fi
