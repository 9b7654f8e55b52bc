// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --split-input-file --verify-diagnostics

// An operator without a lowering fails the pass at its node's location.
func.func @no_lowering(%x: tensor<2x3x3xf32>) -> tensor<2xf32> {
  // expected-error @below {{cannot lower 'onnx.Det': no lowering for this operator, or for its attributes or types}}
  %0 = onnx.Det(%x) : (tensor<2x3x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// So does an attribute value a lowering does not handle (training mode).
func.func @training_batchnorm(%x: tensor<1x2x3x3xf32>, %s: tensor<2xf32>) -> tensor<1x2x3x3xf32> {
  // expected-error @below {{cannot lower 'onnx.BatchNormalization'}}
  %y, %m, %v = onnx.BatchNormalization(%x, %s, %s, %s, %s) {training_mode = 1 : i64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>)
  return %y : tensor<1x2x3x3xf32>
}
