// RUN: fulcrum-opt %s --fulcrum-recognize-gelu --split-input-file | FileCheck %s

// PyTorch's export of F.gelu: x * (erf(x / sqrt(2)) + 1) * 0.5.
// CHECK-LABEL: func @gelu_erf_torch
// CHECK: %[[Y:.*]] = fulcrum.gelu %arg0 : tensor<2x8xf32>
// CHECK-NOT: onnx.Erf
// CHECK-NOT: onnx.Mul
// CHECK: return %[[Y]]
func.func @gelu_erf_torch(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %sqrt2 = onnx.Constant() {value = dense<1.41421354> : tensor<f32>} : () -> tensor<f32>
  %one = onnx.Constant() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %half = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.Div(%x, %sqrt2) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %1 = onnx.Erf(%0) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %2 = onnx.Add(%1, %one) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %3 = onnx.Mul(%x, %2) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %4 = onnx.Mul(%3, %half) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  return %4 : tensor<2x8xf32>
}

// -----

// Another association: 0.5 * x first, then times (1 + erf(x * 1/sqrt(2))).
// CHECK-LABEL: func @gelu_erf_reassociated
// CHECK: fulcrum.gelu %arg0 : tensor<8xf32>
// CHECK-NOT: onnx.Erf
func.func @gelu_erf_reassociated(%x: tensor<8xf32>) -> tensor<8xf32> {
  %rsqrt2 = onnx.Constant() {value = dense<0.707106769> : tensor<f32>} : () -> tensor<f32>
  %one = onnx.Constant() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %half = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.Mul(%rsqrt2, %x) : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %1 = onnx.Erf(%0) : (tensor<8xf32>) -> tensor<8xf32>
  %2 = onnx.Add(%one, %1) : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %3 = onnx.Mul(%half, %x) : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %4 = onnx.Mul(%3, %2) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %4 : tensor<8xf32>
}

// -----

// The tanh approximation with Pow(x, 3).
// CHECK-LABEL: func @gelu_tanh_pow
// CHECK: fulcrum.gelu %arg0 {approximate = "tanh"} : tensor<8xf32>
// CHECK-NOT: onnx.Tanh
func.func @gelu_tanh_pow(%x: tensor<8xf32>) -> tensor<8xf32> {
  %three = onnx.Constant() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %c = onnx.Constant() {value = dense<0.044715> : tensor<f32>} : () -> tensor<f32>
  %k = onnx.Constant() {value = dense<0.797884583> : tensor<f32>} : () -> tensor<f32>
  %one = onnx.Constant() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %half = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.Pow(%x, %three) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %1 = onnx.Mul(%0, %c) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %2 = onnx.Add(%x, %1) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %3 = onnx.Mul(%2, %k) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %4 = onnx.Tanh(%3) : (tensor<8xf32>) -> tensor<8xf32>
  %5 = onnx.Add(%4, %one) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %6 = onnx.Mul(%x, %half) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %7 = onnx.Mul(%6, %5) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %7 : tensor<8xf32>
}

// -----

// The tanh approximation with x * x * x.
// CHECK-LABEL: func @gelu_tanh_cube
// CHECK: fulcrum.gelu %arg0 {approximate = "tanh"} : tensor<8xf32>
func.func @gelu_tanh_cube(%x: tensor<8xf32>) -> tensor<8xf32> {
  %c = onnx.Constant() {value = dense<0.044715> : tensor<f32>} : () -> tensor<f32>
  %k = onnx.Constant() {value = dense<0.797884583> : tensor<f32>} : () -> tensor<f32>
  %one = onnx.Constant() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %half = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %sq = onnx.Mul(%x, %x) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %cube = onnx.Mul(%sq, %x) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %1 = onnx.Mul(%c, %cube) : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %2 = onnx.Add(%x, %1) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %3 = onnx.Mul(%k, %2) : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %4 = onnx.Tanh(%3) : (tensor<8xf32>) -> tensor<8xf32>
  %5 = onnx.Add(%4, %one) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %6 = onnx.Mul(%x, %5) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %7 = onnx.Mul(%6, %half) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %7 : tensor<8xf32>
}

// -----

// The erf result has a second user: no GELU.
// CHECK-LABEL: func @negative_shared_erf
// CHECK-NOT: fulcrum.gelu
// CHECK: onnx.Erf
func.func @negative_shared_erf(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %sqrt2 = onnx.Constant() {value = dense<1.41421354> : tensor<f32>} : () -> tensor<f32>
  %one = onnx.Constant() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %half = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.Div(%x, %sqrt2) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %1 = onnx.Erf(%0) : (tensor<8xf32>) -> tensor<8xf32>
  %2 = onnx.Add(%1, %one) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %3 = onnx.Mul(%x, %2) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %4 = onnx.Mul(%3, %half) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %4, %1 : tensor<8xf32>, tensor<8xf32>
}

// -----

// Wrong constants (x / 2 instead of x / sqrt(2)) are not GELU.
// CHECK-LABEL: func @negative_wrong_constant
// CHECK-NOT: fulcrum.gelu
func.func @negative_wrong_constant(%x: tensor<8xf32>) -> tensor<8xf32> {
  %two = onnx.Constant() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %one = onnx.Constant() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %half = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.Div(%x, %two) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %1 = onnx.Erf(%0) : (tensor<8xf32>) -> tensor<8xf32>
  %2 = onnx.Add(%1, %one) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %3 = onnx.Mul(%x, %2) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %4 = onnx.Mul(%3, %half) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %4 : tensor<8xf32>
}
