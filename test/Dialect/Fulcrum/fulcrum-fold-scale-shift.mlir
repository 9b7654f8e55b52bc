// RUN: fulcrum-opt %s --fulcrum-fold-scale-shift --split-input-file | FileCheck %s

// BatchNormalization after a convolution: W * s per output channel, bias
// (B - mean) * s + beta, with s = scale / sqrt(var + eps).
// With scale [4, 3], var [3, 0] and eps 1, s = [2, 3]: W' = [2, 6] and
// B' = ([1, 2] - [1, 1]) * s + [5, 6] = [5, 9].
// CHECK-LABEL: func @conv_batchnorm
// CHECK-DAG: %[[W:.*]] = onnx.Constant() {value = dense<{{\[\[\[\[}}2.000000e+00]]], {{\[\[\[}}6.000000e+00]]]]> : tensor<2x1x1x1xf32>}
// CHECK-DAG: %[[B:.*]] = onnx.Constant() {value = dense<[5.000000e+00, 9.000000e+00]> : tensor<2xf32>}
// CHECK: %[[Y:.*]] = onnx.Conv(%arg0, %[[W]], %[[B]])
// CHECK-NOT: onnx.BatchNormalization
// CHECK: return %[[Y]]
func.func @conv_batchnorm(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = onnx.Constant() {value = dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %scale = onnx.Constant() {value = dense<[4.0, 3.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[5.0, 6.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[3.0, 0.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = onnx.Conv(%x, %w, %b) : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %1, %2, %3 = onnx.BatchNormalization(%0, %scale, %beta, %mean, %var) {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x4x4xf32>, none, none)
  return %1 : tensor<1x2x4x4xf32>
}

// -----

// Mul by a per-channel constant [C,1,1] then Add of one: W and B scaled,
// then shifted.
// CHECK-LABEL: func @conv_mul_add
// CHECK-DAG: %[[W:.*]] = onnx.Constant() {value = dense<{{\[\[\[\[}}2.000000e+00]]], {{\[\[\[}}6.000000e+00]]]]> : tensor<2x1x1x1xf32>}
// CHECK-DAG: %[[B:.*]] = onnx.Constant() {value = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>}
// CHECK: %[[Y:.*]] = onnx.Conv(%arg0, %[[W]], %[[B]])
// CHECK-NOT: onnx.Mul
// CHECK-NOT: onnx.Add
// CHECK: return %[[Y]]
func.func @conv_mul_add(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %none = onnx.NoValue
  %w = onnx.Constant() {value = dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %m = onnx.Constant() {value = dense<[[[2.0]], [[3.0]]]> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %a = onnx.Constant() {value = dense<[[[[1.0]], [[2.0]]]]> : tensor<1x2x1x1xf32>} : () -> tensor<1x2x1x1xf32>
  %0 = onnx.Conv(%x, %w, %none) : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  %1 = onnx.Mul(%m, %0) : (tensor<2x1x1xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %2 = onnx.Add(%1, %a) : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %2 : tensor<1x2x4x4xf32>
}

// -----

// Gemm (transB) times a per-column constant: rows of W scaled; C scaled by
// beta and the constant, beta becomes 1.
// CHECK-LABEL: func @gemm_mul
// CHECK-DAG: %[[W:.*]] = onnx.Constant() {value = dense<{{\[\[}}2.000000e+00, 2.000000e+00], [3.000000e+00, 3.000000e+00]]> : tensor<2x2xf32>}
// CHECK-DAG: %[[C:.*]] = onnx.Constant() {value = dense<[4.000000e+00, 6.000000e+00]> : tensor<2xf32>}
// CHECK: onnx.Gemm(%arg0, %[[W]], %[[C]]) {transB = 1 : i64} :
// CHECK-NOT: onnx.Mul
func.func @gemm_mul(%a: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = onnx.Constant() {value = dense<1.0> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %c = onnx.Constant() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %m = onnx.Constant() {value = dense<[2.0, 3.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = onnx.Gemm(%a, %w, %c) {beta = 2.0 : f32, transB = 1 : i64} : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %1 = onnx.Mul(%0, %m) : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %1 : tensor<3x2xf32>
}

// -----

// The convolution has a second user: folding would change what it reads.
// CHECK-LABEL: func @negative_second_user
// CHECK: onnx.BatchNormalization
func.func @negative_second_user(%x: tensor<1x1x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %none = onnx.NoValue
  %w = onnx.Constant() {value = dense<1.0> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %s = onnx.Constant() {value = dense<2.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = onnx.Conv(%x, %w, %none) : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  %1, %2, %3 = onnx.BatchNormalization(%0, %s, %s, %s, %s) : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x4x4xf32>, none, none)
  return %0, %1 : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// A Mul by a constant that varies along the spatial dimensions is no
// per-channel scale; a Mul by a non-constant is none either.
// CHECK-LABEL: func @negative_not_per_channel
// CHECK: onnx.Mul
// CHECK: onnx.Mul
func.func @negative_not_per_channel(%x: tensor<1x1x2x2xf32>, %y: tensor<2x1x1xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %none = onnx.NoValue
  %w = onnx.Constant() {value = dense<1.0> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %m = onnx.Constant() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = onnx.Conv(%x, %w, %none) : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x2x2xf32>
  %1 = onnx.Mul(%0, %m) : (tensor<1x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %2 = onnx.Conv(%x, %w, %none) : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x2x2xf32>
  %3 = onnx.Mul(%2, %y) : (tensor<1x2x2x2xf32>, tensor<2x1x1xf32>) -> tensor<1x2x2x2xf32>
  return %1, %3 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}
