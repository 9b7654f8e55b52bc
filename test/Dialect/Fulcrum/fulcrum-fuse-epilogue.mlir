// RUN: fulcrum-opt %s --fulcrum-fuse-epilogue --split-input-file | FileCheck %s
// RUN: fulcrum-opt %s --fulcrum-fuse-epilogue=remarks=true --split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK
// RUN: fulcrum-opt %s --fulcrum-fuse-epilogue="remarks=true cache-bytes=4096" --split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=SMALL

// A ResNet block's tail: convolution with bias, residual add, Relu.
// CHECK-LABEL: func @conv_residual_relu
// CHECK: %[[Y:.*]] = fulcrum.conv %arg0, %arg1 bias %arg2 residual %arg3 {activation = "relu", pads = array<i64: 1, 1, 1, 1>}
// CHECK-NOT: onnx.
// CHECK: return %[[Y]]
// REMARK: remark: fused residual 'onnx.Add': 8192-byte intermediate fits in the 1048576-byte cache; fused, nothing is recomputed; predicted benefit 0 bytes
// REMARK-SAME: {{$}}
// REMARK: remark: fused activation 'onnx.Relu'
// SMALL: remark: fused residual 'onnx.Add': 8192-byte intermediate exceeds the 4096-byte cache; fused, nothing is recomputed; predicted benefit 16384 bytes
func.func @conv_residual_relu(%x: tensor<1x8x16x16xf32>, %w: tensor<8x8x3x3xf32>, %b: tensor<8xf32>, %r: tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32> {
  %0 = onnx.Conv(%x, %w, %b) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>, tensor<8xf32>) -> tensor<1x8x16x16xf32>
  %1 = onnx.Add(%r, %0) : (tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  %2 = onnx.Relu(%1) : (tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  return %2 : tensor<1x8x16x16xf32>
}

// -----

// MobileNet's ReLU6: Clip with constant bounds.
// CHECK-LABEL: func @conv_clip
// CHECK: fulcrum.conv %arg0, %arg1 {activation = "clip", clip_max = 6.000000e+00 : f32, clip_min = 0.000000e+00 : f32, group = 8 : i64}
func.func @conv_clip(%x: tensor<1x8x16x16xf32>, %w: tensor<8x1x3x3xf32>) -> tensor<1x8x14x14xf32> {
  %none = onnx.NoValue
  %lo = onnx.Constant() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %hi = onnx.Constant() {value = dense<6.0> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.Conv(%x, %w, %none) {group = 8 : i64} : (tensor<1x8x16x16xf32>, tensor<8x1x3x3xf32>, none) -> tensor<1x8x14x14xf32>
  %1 = onnx.Clip(%0, %lo, %hi) : (tensor<1x8x14x14xf32>, tensor<f32>, tensor<f32>) -> tensor<1x8x14x14xf32>
  return %1 : tensor<1x8x14x14xf32>
}

// -----

// A transformer's feed-forward: MatMul, bias, GELU; then MatMul, bias,
// residual.
// CHECK-LABEL: func @matmul_bias_gelu_residual
// CHECK: %[[H:.*]] = fulcrum.matmul %arg0, %arg1 bias %[[B1:.*]] {activation = "gelu"}
// CHECK: %[[Y:.*]] = fulcrum.matmul %[[H]], %arg2 bias %[[B2:.*]] residual %arg0 :
// CHECK: return %[[Y]]
func.func @matmul_bias_gelu_residual(%x: tensor<1x4x8xf32>, %w1: tensor<8x16xf32>, %w2: tensor<16x8xf32>) -> tensor<1x4x8xf32> {
  %b1 = onnx.Constant() {value = dense<0.5> : tensor<16xf32>} : () -> tensor<16xf32>
  %b2 = onnx.Constant() {value = dense<0.25> : tensor<8xf32>} : () -> tensor<8xf32>
  %0 = onnx.MatMul(%x, %w1) : (tensor<1x4x8xf32>, tensor<8x16xf32>) -> tensor<1x4x16xf32>
  %1 = onnx.Add(%b1, %0) : (tensor<16xf32>, tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %2 = fulcrum.gelu %1 : tensor<1x4x16xf32>
  %3 = onnx.MatMul(%2, %w2) : (tensor<1x4x16xf32>, tensor<16x8xf32>) -> tensor<1x4x8xf32>
  %4 = onnx.Add(%3, %b2) : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  %5 = onnx.Add(%4, %x) : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  return %5 : tensor<1x4x8xf32>
}

// -----

// Gemm with SiLU (x * sigmoid(x)), HardSwish and Sigmoid.
// CHECK-LABEL: func @gemm_activations
// CHECK: fulcrum.gemm %arg0, %arg1 bias %arg2 {activation = "silu", transB = 1 : i64}
// CHECK: fulcrum.gemm %arg0, %arg1 bias %arg2 {activation = "hardswish", transB = 1 : i64}
// CHECK: fulcrum.gemm %arg0, %arg1 bias %arg2 {activation = "sigmoid", transB = 1 : i64}
// CHECK-NOT: onnx.
func.func @gemm_activations(%a: tensor<2x8xf32>, %w: tensor<4x8xf32>, %c: tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  %0 = onnx.Gemm(%a, %w, %c) {transB = 1 : i64} : (tensor<2x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %1 = onnx.Sigmoid(%0) : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %2 = onnx.Mul(%0, %1) : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  %3 = onnx.Gemm(%a, %w, %c) {transB = 1 : i64} : (tensor<2x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %4 = onnx.HardSwish(%3) : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %5 = onnx.Gemm(%a, %w, %c) {transB = 1 : i64} : (tensor<2x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %6 = onnx.Sigmoid(%5) : (tensor<2x4xf32>) -> tensor<2x4xf32>
  return %2, %4, %6 : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// The convolution's result has a second user: nothing is fused, since the
// unfused result would have to be computed as well.
// CHECK-LABEL: func @negative_second_user
// CHECK: onnx.Conv
// CHECK: onnx.Relu
// CHECK-NOT: fulcrum.conv
func.func @negative_second_user(%x: tensor<1x8x16x16xf32>, %w: tensor<8x8x1x1xf32>) -> (tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) {
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w, %none) : (tensor<1x8x16x16xf32>, tensor<8x8x1x1xf32>, none) -> tensor<1x8x16x16xf32>
  %1 = onnx.Relu(%0) : (tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  return %0, %1 : tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>
}

// -----

// The residual add's result has a second user: the add is fused, the Relu
// after it is not (the pre-activation value is needed).
// CHECK-LABEL: func @negative_activation_after_shared_add
// CHECK: %[[Y:.*]] = fulcrum.conv %arg0, %arg1 residual %arg2 :
// CHECK: onnx.Relu(%[[Y]])
func.func @negative_activation_after_shared_add(%x: tensor<1x8x16x16xf32>, %w: tensor<8x8x1x1xf32>, %r: tensor<1x8x16x16xf32>) -> (tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) {
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w, %none) : (tensor<1x8x16x16xf32>, tensor<8x8x1x1xf32>, none) -> tensor<1x8x16x16xf32>
  %1 = onnx.Add(%0, %r) : (tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  %2 = onnx.Relu(%1) : (tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  return %1, %2 : tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>
}

// -----

// An Add that broadcasts the result to a larger shape is no epilogue; a
// MatMul bias that is not a constant is not taken as a bias (it is no
// residual either: its type differs).
// CHECK-LABEL: func @negative_broadcasting_add
// CHECK: onnx.MatMul
// CHECK: onnx.Add
// CHECK-NOT: fulcrum.matmul
func.func @negative_broadcasting_add(%a: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %0 = onnx.MatMul(%a, %w) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %1 = onnx.Add(%0, %b) : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  return %1 : tensor<4x16xf32>
}

// -----

// SiLU whose sigmoid has a second user stays unfused.
// CHECK-LABEL: func @negative_silu_shared_sigmoid
// CHECK: onnx.Gemm
// CHECK: onnx.Sigmoid
// CHECK: onnx.Mul
func.func @negative_silu_shared_sigmoid(%a: tensor<2x8xf32>, %w: tensor<8x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %none = onnx.NoValue
  %0 = onnx.Gemm(%a, %w, %none) : (tensor<2x8xf32>, tensor<8x4xf32>, none) -> tensor<2x4xf32>
  %1 = onnx.Sigmoid(%0) : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %2 = onnx.Mul(%0, %1) : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %2, %1 : tensor<2x4xf32>, tensor<2x4xf32>
}
