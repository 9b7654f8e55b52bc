#!/usr/bin/env bash
# The benchmark command: installs what it needs (Debian's PyTorch and
# torchvision, Node.js/npm when missing, ONNX Runtime from npm), builds
# Fulcrum, and runs bench/run.py, which prints the table and writes
# bench/results/{results.csv,results.json,latency.svg}. Arguments go to
# bench/run.py (for example --models mlp,cnn --batches 1 --threads 1,2).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/setup.sh"
fulcrum_install_packages BENCH_PACKAGES
if ! command -v npm >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm
fi
fulcrum_build fulcrum-compile fulcrum-run
if [ ! -d "$FULCRUM_ROOT/bench/peers/node_modules/onnxruntime-node" ]; then
  echo "== npm install --ignore-scripts (onnxruntime-node)"
  (cd "$FULCRUM_ROOT/bench/peers" && npm install --ignore-scripts --no-audit --no-fund)
fi
exec /usr/bin/python3 "$FULCRUM_ROOT/bench/run.py" --build-dir "$BUILD_DIR" "$@"
