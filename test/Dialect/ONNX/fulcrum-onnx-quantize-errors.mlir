// RUN: fulcrum-opt %s --fulcrum-onnx-quantize --split-input-file --verify-diagnostics
// RUN: not fulcrum-opt %s --fulcrum-onnx-quantize="activation-type=u16" 2>&1 | FileCheck %s --check-prefix=TYPE
// RUN: not fulcrum-opt %s --fulcrum-onnx-quantize="weight-bits=4" 2>&1 | FileCheck %s --check-prefix=BITS

// TYPE: error: fulcrum-onnx-quantize: activation-type must be u8 or s8, not 'u16'
// BITS: error: fulcrum-onnx-quantize: weight-bits must be 8 or 7, not 4

// Ranges of the wrong length.
func.func @bad_ranges(%x: tensor<4x3xf32>, %w: tensor<3x2xf32>) -> tensor<4x2xf32> {
  // expected-error @below {{'fulcrum.input_ranges' must be an array<f32> of 4 values (lo0, hi0, lo1, hi1)}}
  %y = onnx.MatMul(%x, %w) {fulcrum.input_ranges = array<f32: -1.0, 1.0>} : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
