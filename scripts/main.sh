#!/usr/bin/env bash
# The main job: set up (Debian packages, configure, incremental build), then
# import the bundled model and print its MLIR. Safe to run any number of
# times. Usage: scripts/main.sh [MODEL.onnx]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
fulcrum_install_packages
fulcrum_build fulcrum-translate fulcrum-opt

MODEL="${1:-$FULCRUM_ROOT/models/tiny-cnn.onnx}"
echo "== fulcrum-translate --import-onnx $MODEL"
"$BUILD_DIR/bin/fulcrum-translate" --import-onnx "$MODEL"
