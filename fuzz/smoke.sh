#!/usr/bin/env bash
# CI smoke run of every fuzzer of a FULCRUM_FUZZ build: SECONDS each (10).
# Usage: fuzz/smoke.sh BUILD_DIR [SECONDS]
# Fails on the first finding (see BUILD_DIR/fuzz/findings/).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for name in tensors import import-structure compile; do
  echo "== fulcrum-fuzz-$name"
  "$HERE/run.sh" "$1" "$name" -max_total_time="${2:-10}" 2>&1 |
    grep -E "^(Done|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)" || true
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "fulcrum-fuzz-$name: finding" >&2; exit 1; }
done
