#!/usr/bin/env bash
# Sets up (Debian packages, configure, incremental build) and runs the whole
# test suite: lit/FileCheck tests, the GoogleTest unit tests and the ONNX
# conformance import sweep. Ends with lit's summary of the counts. Safe to run
# any number of times; .ci/run calls it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
fulcrum_install_packages TEST_PACKAGES
fulcrum_build
echo "== running the test suite"
ninja -C "$BUILD_DIR" check-fulcrum
