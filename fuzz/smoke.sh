#!/usr/bin/env bash
# CI smoke run of every fuzzer of a FULCRUM_FUZZ build: SECONDS each (10).
# Usage: fuzz/smoke.sh BUILD_DIR [SECONDS]
# Fails on the first finding (see BUILD_DIR/fuzz/findings/).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for name in tensors import import-structure compile nir nir-graph; do
  if ! "$HERE/run.sh" "$1" "$name" -max_total_time="${2:-10}" > "$log" 2>&1; then
    tail -40 "$log"
    echo "fulcrum-fuzz-$name: finding" >&2
    exit 1
  fi
  echo "fulcrum-fuzz-$name: $(grep -E '^stat::number_of_executed_units' "$log")"
done
