// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --split-input-file | FileCheck %s

// Reductions reduce into a tensor without the reduced dimensions and expand
// back when keepdims is set.
// CHECK-LABEL: func @reduce_mean_keepdims
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2]] {{.*}} into tensor<2x1x4xf32>
func.func @reduce_mean_keepdims(%x: tensor<2x3x4xf32>) -> tensor<2x1x4xf32> {
  %0 = onnx.ReduceMean(%x) {axes = array<i64: 1>} : (tensor<2x3x4xf32>) -> tensor<2x1x4xf32>
  return %0 : tensor<2x1x4xf32>
}

// -----

// ArgMax carries the best value and its index through one reduction.
// CHECK-LABEL: func @argmax
// CHECK: %{{.*}}:2 = linalg.generic
// CHECK: arith.cmpf ogt
// CHECK: linalg.index 1
// CHECK: linalg.yield %{{.*}}, %{{.*}} : f32, i64
func.func @argmax(%x: tensor<2x3xf32>) -> tensor<2x1xi64> {
  %0 = onnx.ArgMax(%x) {axis = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x1xi64>
  return %0 : tensor<2x1xi64>
}

// -----

// NegativeLogLikelihoodLoss gathers -input[n, target] and averages over
// the weights.
// CHECK-LABEL: func @nll_mean
// CHECK: %{{.*}}:2 = linalg.generic
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<3x5xf32>
// CHECK: arith.negf
// CHECK: arith.divf
func.func @nll_mean(%x: tensor<3x5xf32>, %t: tensor<3xi64>) -> tensor<f32> {
  %none = onnx.NoValue
  %0 = onnx.NegativeLogLikelihoodLoss(%x, %t, %none) {reduction = "mean"} : (tensor<3x5xf32>, tensor<3xi64>, none) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Resize (linear) blends the neighbours of the resized dimensions.
// CHECK-LABEL: func @resize_linear
// CHECK: linalg.generic
// CHECK: math.floor
// CHECK-COUNT-4: tensor.extract %{{.*}} : tensor<1x1x2x2xf32>
func.func @resize_linear(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  %none = onnx.NoValue
  %scales = onnx.Constant() {value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %0 = onnx.Resize(%x, %none, %scales, %none) {mode = "linear"} : (tensor<1x1x2x2xf32>, none, tensor<4xf32>, none) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// ConvTranspose reads the input through a guarded extract.
// CHECK-LABEL: func @conv_transpose
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x1x1x3x3xf32>)
// CHECK: arith.remsi
// CHECK: tensor.extract %{{.*}} : tensor<1x1x3x3xf32>
// CHECK: tensor.collapse_shape
func.func @conv_transpose(%x: tensor<1x1x3x3xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x5x5xf32> {
  %none = onnx.NoValue
  %0 = onnx.ConvTranspose(%x, %w, %none) : (tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>, none) -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}
