#!/usr/bin/env bash
# Runs one libFuzzer harness of a FULCRUM_FUZZ build on its seed corpus.
#
# Usage: fuzz/run.sh BUILD_DIR NAME [libFuzzer options...]
#   NAME: import | import-structure | tensors | compile | nir | nir-graph
#
# Seeds (made on first use under BUILD_DIR/fuzz/seeds/NAME): the project's
# models and the ONNX backend test models of up to 64 KiB (import,
# import-structure, compile: larger ones take seconds each under ASan); the
# backend tests' .pb tensors and .npy/.npz files NumPy writes (tensors,
# whose first byte picks the reader); NIR files written by hand
# (test/Target/NIR/Inputs/make_nir_files.py) and by fulcrum-compile
# --target=nir from the project's MLP and CNN (nir), and their graphs as
# readNIRGraph serializes them (nir-graph). The corpus grows in BUILD_DIR/fuzz/corpus/NAME; a finding is written to
# BUILD_DIR/fuzz/findings/ and the run fails (FULCRUM_FUZZ_DIR moves
# BUILD_DIR/fuzz elsewhere; FULCRUM_FUZZ_SEED_EVERY=N keeps every N-th
# model seed). Examples:
#   fuzz/run.sh build-fuzz tensors -max_total_time=10            # smoke
#   nice -n 19 fuzz/run.sh build-fuzz import -runs=1000000       # full
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$(cd "$1" && pwd)"
NAME="$2"
shift 2
BIN="$BUILD/bin/fulcrum-fuzz-$NAME"
[ -x "$BIN" ] || { echo "error: $BIN not built (ninja -C $BUILD fulcrum-fuzzers)" >&2; exit 1; }
WORK="${FULCRUM_FUZZ_DIR:-$BUILD/fuzz}"
SEEDS="$WORK/seeds/$NAME"
CORPUS="$WORK/corpus/$NAME"
FINDINGS="$WORK/findings"
TESTDATA=/usr/share/libonnx-testdata/data
mkdir -p "$CORPUS" "$FINDINGS"
# As for the lit suite (test/lit.cfg.py): the seed makers and the fuzzers
# run instrumented code next to uninstrumented LLVM.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:detect_container_overflow=0:allow_user_poisoning=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
if [ ! -d "$SEEDS" ]; then
  mkdir -p "$SEEDS.tmp"
  case "$NAME" in
  import|import-structure|compile)
    limit=65536
    n=0
    for m in "$ROOT"/models/*.onnx "$TESTDATA"/*/*/model.onnx; do
      [ -f "$m" ] && [ "$(stat -c %s "$m")" -le "$limit" ] || continue
      n=$((n + 1))
      [ $((n % ${FULCRUM_FUZZ_SEED_EVERY:-1})) -eq 0 ] || continue
      cp "$m" "$SEEDS.tmp/$(echo "$m" | md5sum | cut -c1-16).onnx"
    done ;;
  tensors)
    # The first byte picks the reader: 0 TensorProto, 1 .npy, 2 .npz.
    for f in $(ls "$TESTDATA"/node/*/test_data_set_0/*.pb | head -400); do
      [ "$(stat -c %s "$f")" -le 65536 ] || continue
      { printf '\0'; cat "$f"; } > "$SEEDS.tmp/$(echo "$f" | md5sum | cut -c1-16).pb"
    done
    /usr/bin/python3 - "$SEEDS.tmp" <<'PY'
import io, sys, numpy as np
out = sys.argv[1]
rng = np.random.default_rng(0)
arrays = [np.float32(1.5), rng.standard_normal((2, 3)).astype(np.float32),
          np.arange(24, dtype=np.int64).reshape(2, 3, 4), np.array([True, False]),
          np.zeros((0, 4), np.float16), rng.integers(0, 255, (5,), np.uint8)]
for i, a in enumerate(arrays):
    b = io.BytesIO(); np.save(b, a)
    open(f"{out}/npy{i}.bin", "wb").write(b"\1" + b.getvalue())
    for j, save in enumerate((np.savez, np.savez_compressed)):
        b = io.BytesIO(); save(b, x=a, y=arrays[0])
        open(f"{out}/npz{i}-{j}.bin", "wb").write(b"\2" + b.getvalue())
PY
    ;;
  nir|nir-graph)
    nirs="$WORK/seeds/nir-files"
    if [ ! -d "$nirs" ]; then
      mkdir -p "$nirs.tmp"
      /usr/bin/python3 "$ROOT/test/Target/NIR/Inputs/make_nir_files.py" "$nirs.tmp"
      /usr/bin/python3 -c "import numpy as np, sys; np.save(sys.argv[2], np.load(sys.argv[1])[:8])" \
        "$ROOT/models/data/fashion-mnist-test-1000/images.npy" "$nirs.tmp/x.npy"
      for m in mlp cnn; do
        "$BUILD/bin/fulcrum-compile" "$ROOT/models/$m.onnx" --target=nir \
          --calibration-data "$nirs.tmp/x.npy" -o "$nirs.tmp/$m.nir"
      done
      find "$nirs.tmp" -type f ! -name '*.nir' -delete
      mv "$nirs.tmp" "$nirs"
    fi
    if [ "$NAME" = nir ]; then
      cp "$nirs"/*.nir "$SEEDS.tmp/"
    else
      for f in "$nirs"/*.nir; do
        FULCRUM_NIR_TO_GRAPH="$f:$SEEDS.tmp/$(basename "$f" .nir).graph" \
          "$BIN" || true  # malformed seed files have no graph
      done
    fi ;;
  *) echo "error: unknown fuzzer '$NAME'" >&2; exit 1 ;;
  esac
  mv "$SEEDS.tmp" "$SEEDS"
fi
# Models are rejected often; limits keep one input's work bounded.
cd "$BUILD"
exec "$BIN" -rss_limit_mb=4096 -malloc_limit_mb=2048 -timeout=60 \
  -max_len=1048576 -print_final_stats=1 -artifact_prefix="$FINDINGS/$NAME-" \
  "$@" "$CORPUS" "$SEEDS"
