// RUN: fulcrum-opt %s --fulcrum-recognize-layer-norm --split-input-file | FileCheck %s

// PyTorch's nn.LayerNorm exported below opset 17.
// CHECK-LABEL: func @layer_norm
// CHECK: %[[Y:.*]] = fulcrum.layer_norm %arg0, %arg1 bias %arg2 {axis = 2 : i64} :
// CHECK-NOT: onnx.ReduceMean
// CHECK-NOT: onnx.Div
// CHECK: return %[[Y]]
func.func @layer_norm(%x: tensor<1x4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<1x4x8xf32> {
  %two = onnx.Constant() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %eps = onnx.Constant() {value = dense<1.0e-5> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.ReduceMean(%x) {axes = array<i64: -1>} : (tensor<1x4x8xf32>) -> tensor<1x4x1xf32>
  %1 = onnx.Sub(%x, %0) : (tensor<1x4x8xf32>, tensor<1x4x1xf32>) -> tensor<1x4x8xf32>
  %2 = onnx.Pow(%1, %two) : (tensor<1x4x8xf32>, tensor<f32>) -> tensor<1x4x8xf32>
  %3 = onnx.ReduceMean(%2) {axes = array<i64: -1>} : (tensor<1x4x8xf32>) -> tensor<1x4x1xf32>
  %4 = onnx.Add(%3, %eps) : (tensor<1x4x1xf32>, tensor<f32>) -> tensor<1x4x1xf32>
  %5 = onnx.Sqrt(%4) : (tensor<1x4x1xf32>) -> tensor<1x4x1xf32>
  %6 = onnx.Div(%1, %5) : (tensor<1x4x8xf32>, tensor<1x4x1xf32>) -> tensor<1x4x8xf32>
  %7 = onnx.Mul(%6, %g) : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  %8 = onnx.Add(%7, %b) : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  return %8 : tensor<1x4x8xf32>
}

// -----

// Over the last two axes, the square as Mul(d, d), no bias: the Add after
// the scale is a residual of the full shape, not a bias.
// CHECK-LABEL: func @layer_norm_two_axes
// CHECK: %[[Y:.*]] = fulcrum.layer_norm %arg0, %arg1 {axis = 1 : i64, epsilon = 1.000000e-03 : f32}
// CHECK: onnx.Add(%[[Y]], %arg0)
func.func @layer_norm_two_axes(%x: tensor<2x4x8xf32>, %g: tensor<4x8xf32>) -> tensor<2x4x8xf32> {
  %eps = onnx.Constant() {value = dense<1.0e-3> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.ReduceMean(%x) {axes = array<i64: 1, 2>} : (tensor<2x4x8xf32>) -> tensor<2x1x1xf32>
  %1 = onnx.Sub(%x, %0) : (tensor<2x4x8xf32>, tensor<2x1x1xf32>) -> tensor<2x4x8xf32>
  %2 = onnx.Mul(%1, %1) : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %3 = onnx.ReduceMean(%2) {axes = array<i64: 1, 2>} : (tensor<2x4x8xf32>) -> tensor<2x1x1xf32>
  %4 = onnx.Add(%eps, %3) : (tensor<f32>, tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %5 = onnx.Sqrt(%4) : (tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %6 = onnx.Div(%1, %5) : (tensor<2x4x8xf32>, tensor<2x1x1xf32>) -> tensor<2x4x8xf32>
  %7 = onnx.Mul(%g, %6) : (tensor<4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %8 = onnx.Add(%7, %x) : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  return %8 : tensor<2x4x8xf32>
}

// -----

// The mean has a second user: the pattern is left alone.
// CHECK-LABEL: func @negative_shared_mean
// CHECK-NOT: fulcrum.layer_norm
func.func @negative_shared_mean(%x: tensor<4x8xf32>, %g: tensor<8xf32>) -> (tensor<4x8xf32>, tensor<4x1xf32>) {
  %two = onnx.Constant() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %eps = onnx.Constant() {value = dense<1.0e-5> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.ReduceMean(%x) {axes = array<i64: -1>} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %1 = onnx.Sub(%x, %0) : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %2 = onnx.Pow(%1, %two) : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = onnx.ReduceMean(%2) {axes = array<i64: -1>} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %4 = onnx.Add(%3, %eps) : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %5 = onnx.Sqrt(%4) : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %6 = onnx.Div(%1, %5) : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %7 = onnx.Mul(%6, %g) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %7, %0 : tensor<4x8xf32>, tensor<4x1xf32>
}

// -----

// Normalizing over a leading axis is no layer norm.
// CHECK-LABEL: func @negative_leading_axis
// CHECK-NOT: fulcrum.layer_norm
func.func @negative_leading_axis(%x: tensor<4x8xf32>, %g: tensor<8xf32>) -> tensor<4x8xf32> {
  %two = onnx.Constant() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %eps = onnx.Constant() {value = dense<1.0e-5> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.ReduceMean(%x) {axes = array<i64: 0>} : (tensor<4x8xf32>) -> tensor<1x8xf32>
  %1 = onnx.Sub(%x, %0) : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  %2 = onnx.Pow(%1, %two) : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = onnx.ReduceMean(%2) {axes = array<i64: 0>} : (tensor<4x8xf32>) -> tensor<1x8xf32>
  %4 = onnx.Add(%3, %eps) : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %5 = onnx.Sqrt(%4) : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %6 = onnx.Div(%1, %5) : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  %7 = onnx.Mul(%6, %g) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %7 : tensor<4x8xf32>
}
