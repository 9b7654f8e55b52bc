// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --split-input-file | FileCheck %s

// The fulcrum dialect's ops lower through the ONNX operators they stand
// for: the same named contractions and element-wise generics as the unfused
// chain, which the CPU code generator's kernel epilogues match.

// Pattern: FusedConvLowering
// A convolution with bias, residual and Relu: the bias broadcast into the
// accumulator, the convolution, then the add and the max with zero.
// CHECK-LABEL: func @conv_residual_relu
// CHECK: linalg.broadcast ins(%arg2
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[C]], %arg3
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins(%[[S]]
// CHECK: arith.maximumf
func.func @conv_residual_relu(%x: tensor<1x8x16x16xf32>, %w: tensor<8x8x3x3xf32>, %b: tensor<8xf32>, %r: tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32> {
  %0 = fulcrum.conv %x, %w bias %b residual %r {activation = "relu", pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>, tensor<8xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  return %0 : tensor<1x8x16x16xf32>
}

// -----

// Pattern: FusedMatMulLowering
// Pattern: GeluLowering
// MatMul, bias add, then GELU (erf form) as one element-wise generic.
// CHECK-LABEL: func @matmul_bias_gelu
// CHECK: %[[P:.*]] = linalg.matmul
// CHECK: %[[B:.*]] = linalg.generic {{.*}} ins(%[[P]], %arg2
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins(%[[B]]
// CHECK: math.erf
func.func @matmul_bias_gelu(%a: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %0 = fulcrum.matmul %a, %w bias %b {activation = "gelu"} : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// Pattern: FusedGemmLowering
// Gemm with transB and a clip epilogue: a transposed-B matmul, the bias,
// then a clamp.
// CHECK-LABEL: func @gemm_clip
// CHECK: linalg.matmul_transpose_b
// CHECK: arith.maximumf
// CHECK: arith.minimumf
func.func @gemm_clip(%a: tensor<2x8xf32>, %w: tensor<4x8xf32>, %c: tensor<4xf32>) -> tensor<2x4xf32> {
  %0 = fulcrum.gemm %a, %w bias %c {transB = 1 : i64, activation = "clip", clip_min = 0.0 : f32, clip_max = 6.0 : f32} : (tensor<2x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// The tanh form of GELU.
// CHECK-LABEL: func @gelu_tanh
// CHECK: linalg.generic
// CHECK: math.tanh
func.func @gelu_tanh(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = fulcrum.gelu %x {approximate = "tanh"} : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// Pattern: FusedLayerNormLowering
// Layer normalization: statistics reductions, then one element-wise
// generic.
// CHECK-LABEL: func @layer_norm
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: math.rsqrt
// CHECK-NOT: fulcrum.
func.func @layer_norm(%x: tensor<1x4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<1x4x8xf32> {
  %0 = fulcrum.layer_norm %x, %g bias %b {axis = -1 : i64} : (tensor<1x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  return %0 : tensor<1x4x8xf32>
}
