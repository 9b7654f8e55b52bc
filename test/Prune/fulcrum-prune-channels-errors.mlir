// RUN: fulcrum-opt %s --fulcrum-prune-channels="criterion=activation" --verify-diagnostics
// RUN: not fulcrum-opt %s --fulcrum-prune-channels="criterion=l3" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not fulcrum-opt %s --fulcrum-prune-channels="ratio=1.5" 2>&1 | FileCheck %s --check-prefix=RATIO

// Activation importance needs calibration data, which only
// fulcrum-compile --prune has; an unknown criterion and a ratio out of
// range are errors too.
// expected-error @below {{unknown pruning criterion 'activation' (l1, l2, bn; activation needs calibration data)}}
func.func @activation(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  return %x : tensor<1x4xf32>
}

// UNKNOWN: error: unknown pruning criterion 'l3' (l1, l2, bn; activation needs calibration data)
// RATIO: error: pruning ratio 1.50 is not in [0, 1)
