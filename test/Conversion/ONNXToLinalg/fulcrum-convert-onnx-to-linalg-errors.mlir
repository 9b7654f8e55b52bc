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

// -----

// The operator is found among lowered ones (the message names the ONNX
// node when the location is the importer's, see test/Tools/fulcrum-run.test).
func.func @among_lowered(%x: tensor<2x3x3xf32>) -> tensor<2xf32> {
  %r = onnx.Relu(%x) : (tensor<2x3x3xf32>) -> tensor<2x3x3xf32>
  // expected-error @below {{cannot lower 'onnx.Det': no lowering for this operator, or for its attributes or types}}
  %0 = onnx.Det(%r) : (tensor<2x3x3xf32>) -> tensor<2xf32>
  %1 = onnx.Relu(%0) : (tensor<2xf32>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}

// -----

// Composite operators are decomposed by fulcrum-onnx-decompose, not by the
// lowering.
func.func @not_decomposed(%a: tensor<3x4xui8>, %b: tensor<4x2xui8>) -> tensor<3x2xi32> {
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.MatMulInteger'}}
  %0 = onnx.MatMulInteger(%a, %b, %none, %none) : (tensor<3x4xui8>, tensor<4x2xui8>, none, none) -> tensor<3x2xi32>
  return %0 : tensor<3x2xi32>
}
