// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --canonicalize --split-input-file | FileCheck %s

// fulcrum.qconv: the input padded with its zero point (128 as i8 is -128),
// an i32 contraction of (x - 128) * w tagged for the kernels, then the
// requantization: + bias, * per-channel multiplier (0.5 * [0.25, 0.5] / 1,
// a resource blob), roundeven, + zero point 3, clamped to [3, 255] (the
// Relu), truncated to bytes.
// Pattern: QConvLowering
// CHECK-LABEL: func @qconv
// CHECK: %[[P:.*]] = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK:   tensor.yield %c-128_i8
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%[[P]], %{{.*}} : tensor<1x3x10x10xi8>, tensor<2x3x3x3xi8>) outs(%{{.*}} : tensor<1x2x8x8xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 128 : i64}}
// CHECK:   arith.extui
// CHECK:   arith.subi
// CHECK:   arith.extsi
// CHECK: linalg.generic {{.*}} ins(%[[ACC]], %{{.*}}, %{{.*}} : tensor<1x2x8x8xi32>, tensor<2xi32>, tensor<2xf32>) outs(%{{.*}} : tensor<1x2x8x8xi8>) attrs = {fulcrum.requantize = {hi = 255 : i64, lo = 3 : i64, mode = "bytes", y_zero_point = 3 : i64}}
// CHECK:   arith.addi
// CHECK:   arith.sitofp
// CHECK:   arith.mulf
// CHECK:   math.roundeven
// CHECK:   arith.maximumf
// CHECK:   arith.minimumf
// CHECK:   arith.trunci
// CHECK: fulcrum_requantize: "0x040000000000003E0000803E"
func.func @qconv(%x: tensor<1x3x8x8xui8>) -> tensor<1x2x8x8xui8> {
  %w = onnx.Constant() {value = dense<1> : tensor<2x3x3x3xi8>} : () -> tensor<2x3x3x3xi8>
  %b = onnx.Constant() {value = dense<[5, -7]> : tensor<2xi32>} : () -> tensor<2xi32>
  %y = fulcrum.qconv %x, %w bias %b {x_scale = 0.5 : f32, x_zero_point = 128 : i64, w_scale = array<f32: 0.25, 0.5>, y_scale = 1.0 : f32, y_zero_point = 3 : i64, activation = "relu", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x3x8x8xui8>, tensor<2x3x3x3xi8>, tensor<2xi32>) -> tensor<1x2x8x8xui8>
  return %y : tensor<1x2x8x8xui8>
}

// -----

// A depthwise fulcrum.qconv (group = C): loops n, c, oh, ow | kh, kw, the
// filter read as w[c][0][kh][kw], the tag's kind "dwconv".
// Pattern: QConvLowering
// CHECK-DAG: #[[DX:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
// CHECK-DAG: #[[DW:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, 0, d4, d5)>
// CHECK-LABEL: func @qconv_depthwise
// CHECK: linalg.generic {indexing_maps = [#[[DX]], #[[DW]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<1x3x10x10xi8>, tensor<3x1x3x3xi8>) outs(%{{.*}} : tensor<1x3x4x4xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "dwconv", strides = array<i64: 2, 2>, x_signed = false, x_zero_point = 128 : i64}}
func.func @qconv_depthwise(%x: tensor<1x3x8x8xui8>) -> tensor<1x3x4x4xf32> {
  %w = onnx.Constant() {value = dense<1> : tensor<3x1x3x3xi8>} : () -> tensor<3x1x3x3xi8>
  %y = fulcrum.qconv %x, %w {x_scale = 0.5 : f32, x_zero_point = 128 : i64, w_scale = array<f32: 0.25>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, group = 3 : i64} : (tensor<1x3x8x8xui8>, tensor<3x1x3x3xi8>) -> tensor<1x3x4x4xf32>
  return %y : tensor<1x3x4x4xf32>
}

// -----

// fulcrum.qgemm of signed activations to f32: acc over k with rows of A
// against rows of W ([N, K]), then acc * x_scale * w_scale (no rounding).
// Pattern: QGemmLowering
// CHECK-LABEL: func @qgemm_f32
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[A:.*]], #[[W:.*]], #[[Y:.*]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%arg0, %{{.*}} : tensor<2x3x8xi8>, tensor<4x8xi8>) outs(%{{.*}} : tensor<2x3x4xi32>) attrs = {fulcrum.qcontraction = {kind = "gemm", x_signed = true, x_zero_point = 0 : i64}}
// CHECK:   arith.extsi
// CHECK-NOT: arith.subi
// CHECK: linalg.generic {{.*}} ins(%[[ACC]], %{{.*}} : tensor<2x3x4xi32>, tensor<4xf32>) outs(%{{.*}} : tensor<2x3x4xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}}
// CHECK:   arith.sitofp
// CHECK:   arith.mulf
// CHECK-NEXT: linalg.yield
func.func @qgemm_f32(%a: tensor<2x3x8xi8>) -> tensor<2x3x4xf32> {
  %w = onnx.Constant() {value = dense<2> : tensor<4x8xi8>} : () -> tensor<4x8xi8>
  %y = fulcrum.qgemm %a, %w {x_scale = 0.5 : f32, w_scale = array<f32: 0.25>} : (tensor<2x3x8xi8>, tensor<4x8xi8>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}
