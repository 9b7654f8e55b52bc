#!/usr/bin/env bash
# Installs what Fulcrum needs on Debian 12 (when missing), then configures and
# builds it incrementally in build/. Safe to run any number of times.
# Sourced by scripts/main.sh and scripts/test.sh; run alone to just build.
set -euo pipefail

FULCRUM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${FULCRUM_BUILD_DIR:-$FULCRUM_ROOT/build}"

PACKAGES=(
  cmake ninja-build ccache clang-19 lld-19
  llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools
  libonnx-dev libprotobuf-dev protobuf-compiler zlib1g-dev
  libgtest-dev python3 python3-onnx python3-numpy libonnx-testdata
  libomp-19-dev
  libvulkan-dev
  libhdf5-dev
)

# Also needed by the test suite (the benchmark harness's smoke test; make
# and pkg-config for the Makefile consumer of test/Integration) and the
# benchmark: Debian's PyTorch, with the OpenMP OpenBLAS it runs best on.
TEST_PACKAGES=(python3-torch libopenblas0-openmp make pkgconf hdf5-tools python3-h5py)
# The GPU targets' tests: Vulkan compute on the CPU (Mesa's lavapipe, with the
# Vulkan loader), shader validation (spirv-val), and the Khronos validation
# layer (its synchronization checks run over the Vulkan runtime's batches).
TEST_PACKAGES+=(mesa-vulkan-drivers libvulkan1 spirv-tools vulkan-validationlayers)
# The sanitizer and libFuzzer runtimes: the boundary and concurrency tests
# build their C programs with ASan/UBSan/TSan; FULCRUM_SANITIZE and
# FULCRUM_FUZZ builds (docs/Robustness.md) need them too.
TEST_PACKAGES+=(libclang-rt-19-dev)
# The trade-off search's report is rendered in a real browser by its test
# (headless Chromium takes a screenshot of report.html).
TEST_PACKAGES+=(chromium)
# The SNN figures script's smoke test calibrates on Fashion-MNIST's
# training images, which the project does not ship.
TEST_PACKAGES+=(dataset-fashion-mnist)
BENCH_PACKAGES=(python3-torch python3-torchvision libopenblas0-openmp dataset-fashion-mnist)

# Installs PACKAGES and the lists named as arguments (TEST_PACKAGES, ...).
fulcrum_install_packages() {
  local missing=() wanted=("${PACKAGES[@]}")
  local list
  for list in "$@"; do
    local -n extra="$list"
    wanted+=("${extra[@]}")
  done
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "== installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

fulcrum_build() {
  export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
  # Paths under the checkout are hashed relative to it, so a copied or moved
  # checkout (or a second worktree) still hits the cache.
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$FULCRUM_ROOT}"
  # A build directory configured for another source tree (a copied or moved
  # checkout) is configured again; ccache makes the rebuild cheap.
  if [ -f "$BUILD_DIR/CMakeCache.txt" ]; then
    local configured
    configured="$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD_DIR/CMakeCache.txt")"
    if [ "$configured" != "$FULCRUM_ROOT" ]; then
      echo "== $BUILD_DIR was configured for $configured; configuring it for $FULCRUM_ROOT"
      rm -rf "$BUILD_DIR/CMakeCache.txt" "$BUILD_DIR/CMakeFiles" "$BUILD_DIR/build.ninja"
    fi
  fi
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    echo "== configuring $BUILD_DIR"
    cmake -S "$FULCRUM_ROOT" -B "$BUILD_DIR" -G Ninja \
      -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
      -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
      -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld \
      -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
      -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py
  fi
  echo "== building"
  ninja -C "$BUILD_DIR" -j"${FULCRUM_JOBS:-2}" "$@"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  fulcrum_install_packages
  fulcrum_build "$@"
fi
