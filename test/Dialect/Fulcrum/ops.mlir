// RUN: fulcrum-opt %s | FileCheck %s
// RUN: fulcrum-opt %s | fulcrum-opt | FileCheck %s
// RUN: fulcrum-opt %s --mlir-print-op-generic | fulcrum-opt | FileCheck %s

// Every op of the fulcrum dialect and the annotations, in custom form;
// they print and parse back, also through the generic form.

// CHECK-LABEL: func @ops
func.func @ops(%x: tensor<1x8x16x16xf32>, %w: tensor<8x8x3x3xf32>, %b: tensor<8xf32>,
               %a: tensor<4x8xf32>, %m: tensor<8x16xf32>, %v: tensor<16xf32>, %r: tensor<4x16xf32>,
               %g: tensor<16x8xf32>) -> (tensor<1x8x16x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>) {
  // CHECK: fulcrum.conv %arg0, %arg1 bias %arg2 residual %arg0 {activation = "relu", fulcrum.precision = "int8", fulcrum.pruning_ratio = 2.500000e-01 : f32, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>, tensor<8xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  %0 = fulcrum.conv %x, %w bias %b residual %x {activation = "relu", pads = array<i64: 1, 1, 1, 1>, fulcrum.precision = "int8", fulcrum.pruning_ratio = 0.25 : f32} : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>, tensor<8xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  // CHECK: fulcrum.matmul %arg3, %arg4 bias %arg5 residual %arg6 {activation = "gelu_tanh"} : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %1 = fulcrum.matmul %a, %m bias %v residual %r {activation = "gelu_tanh"} : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  // CHECK: fulcrum.gemm %arg3, %arg7 {activation = "clip", clip_max = 6.000000e+00 : f32, clip_min = 0.000000e+00 : f32, transB = 1 : i64} : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %2 = fulcrum.gemm %a, %g {transB = 1 : i64, activation = "clip", clip_min = 0.0 : f32, clip_max = 6.0 : f32} : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  // CHECK: fulcrum.layer_norm %arg6, %arg5 bias %arg5 {axis = 0 : i64, epsilon = 1.000000e-03 : f32} : (tensor<4x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %3 = fulcrum.layer_norm %r, %v bias %v {axis = 0 : i64, epsilon = 1.0e-3 : f32} : (tensor<4x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  // CHECK: fulcrum.gelu %arg6 : tensor<4x16xf32>
  %4 = fulcrum.gelu %r : tensor<4x16xf32>
  return %0, %1, %2, %3, %4 : tensor<1x8x16x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// CHECK-LABEL: func @attention
// CHECK: fulcrum.attention %arg0, %arg1, %arg2 {head_dim = 8 : i64, num_heads = 2 : i64, scale = 3.500000e-01 : f32}
// CHECK: fulcrum.attention %arg0, %arg1, %arg2 mask %arg3 {causal = true, global_tokens = 1 : i64, head_dim = 8 : i64, mask_kind = "boolean", packed_qkv = true, scale = 1.000000e+00 : f32, window = 2 : i64}
func.func @attention(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x4xf32>, %m: tensor<1x1x4x6xi1>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %0 = fulcrum.attention %q, %k, %v {head_dim = 8 : i64, num_heads = 2 : i64, scale = 0.35 : f32} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x4xf32>) -> tensor<1x2x4x4xf32>
  %1 = "fulcrum.attention"(%q, %k, %v, %m) {head_dim = 8 : i64, scale = 1.0 : f32, mask_kind = "boolean", causal = true, window = 2 : i64, global_tokens = 1 : i64, packed_qkv = true} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x4xf32>, tensor<1x1x4x6xi1>) -> tensor<1x2x4x4xf32>
  return %0, %1 : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// The quantized contractions.
// CHECK-LABEL: func @quantized
func.func @quantized(%x: tensor<1x3x8x8xui8>, %w: tensor<2x3x3x3xi8>, %b: tensor<2xi32>,
                     %a: tensor<2x3x4xi8>, %m: tensor<5x4xi8>) -> (tensor<1x2x8x8xui8>, tensor<2x3x5xf32>) {
  // CHECK: fulcrum.qconv %arg0, %arg1 bias %arg2 {activation = "relu", dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, w_scale = array<f32: 2.500000e-01, 5.000000e-01>, x_scale = 5.000000e-01 : f32, x_zero_point = 128 : i64, y_scale = 1.000000e+00 : f32, y_zero_point = 3 : i64} : (tensor<1x3x8x8xui8>, tensor<2x3x3x3xi8>, tensor<2xi32>) -> tensor<1x2x8x8xui8>
  %0 = fulcrum.qconv %x, %w bias %b {x_scale = 0.5 : f32, x_zero_point = 128 : i64, w_scale = array<f32: 0.25, 0.5>, y_scale = 1.0 : f32, y_zero_point = 3 : i64, activation = "relu", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x3x8x8xui8>, tensor<2x3x3x3xi8>, tensor<2xi32>) -> tensor<1x2x8x8xui8>
  // CHECK: fulcrum.qgemm %arg3, %arg4 {w_scale = array<f32: 2.500000e-01>, x_scale = 5.000000e-01 : f32} : (tensor<2x3x4xi8>, tensor<5x4xi8>) -> tensor<2x3x5xf32>
  %1 = fulcrum.qgemm %a, %m {x_scale = 0.5 : f32, w_scale = array<f32: 0.25>} : (tensor<2x3x4xi8>, tensor<5x4xi8>) -> tensor<2x3x5xf32>
  return %0, %1 : tensor<1x2x8x8xui8>, tensor<2x3x5xf32>
}
