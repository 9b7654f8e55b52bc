// RUN: fulcrum-opt %s --fulcrum-recognize-quantized --split-input-file | FileCheck %s

// QDQ around a convolution with Relu: one fulcrum.qconv on the quantized
// input and the int8 weights, the bias in accumulator units (0.5 / (0.1 *
// 0.5) = 10 and 1.0 / (0.1 * 0.25) = 40), the output scale and zero point
// of the QuantizeLinear, the activation clamped in.
// CHECK-LABEL: func @conv_relu
// CHECK-DAG: %[[W:.*]] = onnx.Constant() {value = dense<{{.*}}> : tensor<2x1x3x3xi8>}
// CHECK-DAG: %[[B:.*]] = onnx.Constant() {value = dense<[10, 40]> : tensor<2xi32>}
// CHECK: %[[Y:.*]] = fulcrum.qconv %arg0, %[[W]] bias %[[B]] {activation = "relu", dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, w_scale = array<f32: 5.000000e-01, 2.500000e-01>, x_scale = 1.000000e-01 : f32, x_zero_point = 128 : i64, y_scale = 2.000000e-01 : f32, y_zero_point = 3 : i64} : (tensor<1x1x4x4xui8>, tensor<2x1x3x3xi8>, tensor<2xi32>) -> tensor<1x2x4x4xui8>
// CHECK-NOT: onnx.Conv
// CHECK-NOT: onnx.QuantizeLinear
// CHECK: return %[[Y]]
func.func @conv_relu(%x: tensor<1x1x4x4xui8>) -> tensor<1x2x4x4xui8> {
  %sx = onnx.Constant() {value = dense<0.1> : tensor<f32>} : () -> tensor<f32>
  %zx = onnx.Constant() {value = dense<128> : tensor<ui8>} : () -> tensor<ui8>
  %w = onnx.Constant() {value = dense<[[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], [[[-1, -2, -3], [-4, -5, -6], [-7, -8, -127]]]]> : tensor<2x1x3x3xi8>} : () -> tensor<2x1x3x3xi8>
  %sw = onnx.Constant() {value = dense<[0.5, 0.25]> : tensor<2xf32>} : () -> tensor<2xf32>
  %b = onnx.Constant() {value = dense<[0.5, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %sy = onnx.Constant() {value = dense<0.2> : tensor<f32>} : () -> tensor<f32>
  %zy = onnx.Constant() {value = dense<3> : tensor<ui8>} : () -> tensor<ui8>
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear(%x, %sx, %zx) : (tensor<1x1x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x1x4x4xf32>
  %1 = onnx.DequantizeLinear(%w, %sw, %none) {axis = 0 : i64} : (tensor<2x1x3x3xi8>, tensor<2xf32>, none) -> tensor<2x1x3x3xf32>
  %2 = onnx.Conv(%0, %1, %b) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %3 = onnx.Relu(%2) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %4 = onnx.QuantizeLinear(%3, %sy, %zy) : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xui8>
  return %4 : tensor<1x2x4x4xui8>
}

// -----

// A bias quantized as int32 with scale x_scale * w_scale stays exact; the
// DequantizeLinear of the input has a second user, which keeps it; no
// QuantizeLinear follows, so the result is dequantized f32 and the Relu
// stays a separate op.
// CHECK-LABEL: func @conv_int32_bias_f32_result
// CHECK: %[[DQ:.*]] = onnx.DequantizeLinear(%arg0
// CHECK: %[[B:.*]] = onnx.Constant() {value = dense<[7, -9]> : tensor<2xi32>}
// CHECK: %[[Y:.*]] = fulcrum.qconv %arg0, %{{.*}} bias %[[B]] {dilations
// CHECK-SAME: -> tensor<1x2x4x4xf32>
// CHECK: %[[R:.*]] = onnx.Relu(%[[Y]])
// CHECK: return %[[R]], %[[DQ]]
func.func @conv_int32_bias_f32_result(%x: tensor<1x1x4x4xi8>) -> (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) {
  %sx = onnx.Constant() {value = dense<0.1> : tensor<f32>} : () -> tensor<f32>
  %w = onnx.Constant() {value = dense<1> : tensor<2x1x1x1xi8>} : () -> tensor<2x1x1x1xi8>
  %sw = onnx.Constant() {value = dense<[0.5, 0.25]> : tensor<2xf32>} : () -> tensor<2xf32>
  %b = onnx.Constant() {value = dense<[7, -9]> : tensor<2xi32>} : () -> tensor<2xi32>
  %sb = onnx.Constant() {value = dense<[0.05, 0.025]> : tensor<2xf32>} : () -> tensor<2xf32>
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear(%x, %sx, %none) : (tensor<1x1x4x4xi8>, tensor<f32>, none) -> tensor<1x1x4x4xf32>
  %1 = onnx.DequantizeLinear(%w, %sw, %none) {axis = 0 : i64} : (tensor<2x1x1x1xi8>, tensor<2xf32>, none) -> tensor<2x1x1x1xf32>
  %2 = onnx.DequantizeLinear(%b, %sb, %none) {axis = 0 : i64} : (tensor<2xi32>, tensor<2xf32>, none) -> tensor<2xf32>
  %3 = onnx.Conv(%0, %1, %2) : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %4 = onnx.Relu(%3) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %4, %0 : tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>
}

// -----

// Gemm with transB = 1 (weights [N, K], per row) and a Clip: fulcrum.qgemm
// with the clip bounds.
// CHECK-LABEL: func @gemm_clip
// CHECK: fulcrum.qgemm %arg0, %{{.*}} {activation = "clip", clip_max = 6.000000e+00 : f32, clip_min = 0.000000e+00 : f32
// CHECK-SAME: (tensor<2x3xui8>, tensor<4x3xi8>) -> tensor<2x4xui8>
func.func @gemm_clip(%a: tensor<2x3xui8>) -> tensor<2x4xui8> {
  %sx = onnx.Constant() {value = dense<0.1> : tensor<f32>} : () -> tensor<f32>
  %w = onnx.Constant() {value = dense<2> : tensor<4x3xi8>} : () -> tensor<4x3xi8>
  %sw = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %sy = onnx.Constant() {value = dense<0.1> : tensor<f32>} : () -> tensor<f32>
  %lo = onnx.Constant() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %hi = onnx.Constant() {value = dense<6.0> : tensor<f32>} : () -> tensor<f32>
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear(%a, %sx, %none) : (tensor<2x3xui8>, tensor<f32>, none) -> tensor<2x3xf32>
  %1 = onnx.DequantizeLinear(%w, %sw, %none) : (tensor<4x3xi8>, tensor<f32>, none) -> tensor<4x3xf32>
  %2 = onnx.Gemm(%0, %1, %none) {transB = 1 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>, none) -> tensor<2x4xf32>
  %3 = onnx.Clip(%2, %lo, %hi) : (tensor<2x4xf32>, tensor<f32>, tensor<f32>) -> tensor<2x4xf32>
  %4 = onnx.QuantizeLinear(%3, %sy, %none) : (tensor<2x4xf32>, tensor<f32>, none) -> tensor<2x4xui8>
  return %4 : tensor<2x4xui8>
}

// -----

// MatMul with [K, N] weights per column (axis 1): the weights are
// transposed to [N, K] rows at compile time.
// CHECK-LABEL: func @matmul_transposed_weights
// CHECK: %[[W:.*]] = onnx.Constant() {value = dense<{{\[\[}}1, 3], [2, 4]]> : tensor<2x2xi8>}
// CHECK: fulcrum.qgemm %arg0, %[[W]] {{{.*}}w_scale = array<f32: 1.000000e+00, 2.000000e+00>{{.*}}} : (tensor<1x3x2xui8>, tensor<2x2xi8>) -> tensor<1x3x2xf32>
func.func @matmul_transposed_weights(%a: tensor<1x3x2xui8>) -> tensor<1x3x2xf32> {
  %sx = onnx.Constant() {value = dense<0.1> : tensor<f32>} : () -> tensor<f32>
  %w = onnx.Constant() {value = dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>} : () -> tensor<2x2xi8>
  %sw = onnx.Constant() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear(%a, %sx, %none) : (tensor<1x3x2xui8>, tensor<f32>, none) -> tensor<1x3x2xf32>
  %1 = onnx.DequantizeLinear(%w, %sw, %none) {axis = 1 : i64} : (tensor<2x2xi8>, tensor<2xf32>, none) -> tensor<2x2xf32>
  %2 = onnx.MatMul(%0, %1) : (tensor<1x3x2xf32>, tensor<2x2xf32>) -> tensor<1x3x2xf32>
  return %2 : tensor<1x3x2xf32>
}

// -----

// Per-channel activations (a scale per channel) are not per tensor.
// CHECK-LABEL: func @negative_per_channel_activations
// CHECK-NOT: fulcrum.qconv
// CHECK: onnx.Conv
func.func @negative_per_channel_activations(%x: tensor<1x2x4x4xui8>) -> tensor<1x2x4x4xf32> {
  %sx = onnx.Constant() {value = dense<[0.1, 0.2]> : tensor<2xf32>} : () -> tensor<2xf32>
  %w = onnx.Constant() {value = dense<1> : tensor<2x2x1x1xi8>} : () -> tensor<2x2x1x1xi8>
  %sw = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear(%x, %sx, %none) {axis = 1 : i64} : (tensor<1x2x4x4xui8>, tensor<2xf32>, none) -> tensor<1x2x4x4xf32>
  %1 = onnx.DequantizeLinear(%w, %sw, %none) : (tensor<2x2x1x1xi8>, tensor<f32>, none) -> tensor<2x2x1x1xf32>
  %2 = onnx.Conv(%0, %1, %none) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  return %2 : tensor<1x2x4x4xf32>
}

// -----

// Weights computed at run time (a function argument) are not constant.
// CHECK-LABEL: func @negative_runtime_weights
// CHECK-NOT: fulcrum.qgemm
// CHECK: onnx.Gemm
func.func @negative_runtime_weights(%a: tensor<2x3xui8>, %w: tensor<4x3xi8>) -> tensor<2x4xf32> {
  %s = onnx.Constant() {value = dense<0.1> : tensor<f32>} : () -> tensor<f32>
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear(%a, %s, %none) : (tensor<2x3xui8>, tensor<f32>, none) -> tensor<2x3xf32>
  %1 = onnx.DequantizeLinear(%w, %s, %none) : (tensor<4x3xi8>, tensor<f32>, none) -> tensor<4x3xf32>
  %2 = onnx.Gemm(%0, %1, %none) {transB = 1 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>, none) -> tensor<2x4xf32>
  return %2 : tensor<2x4xf32>
}

// -----

// Asymmetric weights (a non-zero weight zero point) are not matched.
// CHECK-LABEL: func @negative_asymmetric_weights
// CHECK-NOT: fulcrum.qconv
// CHECK: onnx.Conv
func.func @negative_asymmetric_weights(%x: tensor<1x1x4x4xui8>) -> tensor<1x1x4x4xf32> {
  %s = onnx.Constant() {value = dense<0.1> : tensor<f32>} : () -> tensor<f32>
  %w = onnx.Constant() {value = dense<1> : tensor<1x1x1x1xi8>} : () -> tensor<1x1x1x1xi8>
  %zw = onnx.Constant() {value = dense<3> : tensor<i8>} : () -> tensor<i8>
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear(%x, %s, %none) : (tensor<1x1x4x4xui8>, tensor<f32>, none) -> tensor<1x1x4x4xf32>
  %1 = onnx.DequantizeLinear(%w, %s, %zw) : (tensor<1x1x1x1xi8>, tensor<f32>, tensor<i8>) -> tensor<1x1x1x1xf32>
  %2 = onnx.Conv(%0, %1, %none) : (tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>, none) -> tensor<1x1x4x4xf32>
  return %2 : tensor<1x1x4x4xf32>
}

// -----

// A depthwise convolution (group = C, one filter per channel) becomes a
// fulcrum.qconv with its group.
// CHECK-LABEL: func @depthwise
// CHECK: fulcrum.qconv %arg0, %{{.*}} {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>
// CHECK-SAME: (tensor<1x2x4x4xui8>, tensor<2x1x3x3xi8>) -> tensor<1x2x4x4xf32>
// CHECK-NOT: onnx.Conv
func.func @depthwise(%x: tensor<1x2x4x4xui8>) -> tensor<1x2x4x4xf32> {
  %s = onnx.Constant() {value = dense<0.1> : tensor<f32>} : () -> tensor<f32>
  %w = onnx.Constant() {value = dense<1> : tensor<2x1x3x3xi8>} : () -> tensor<2x1x3x3xi8>
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear(%x, %s, %none) : (tensor<1x2x4x4xui8>, tensor<f32>, none) -> tensor<1x2x4x4xf32>
  %1 = onnx.DequantizeLinear(%w, %s, %none) : (tensor<2x1x3x3xi8>, tensor<f32>, none) -> tensor<2x1x3x3xf32>
  %2 = onnx.Conv(%0, %1, %none) {group = 2 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x1x3x3xf32>, none) -> tensor<1x2x4x4xf32>
  return %2 : tensor<1x2x4x4xf32>
}

// -----

// negative_grouped: a grouped convolution that is not depthwise (2 groups
// of 2 channels) stays on its float lowering.
// CHECK-LABEL: func @negative_grouped
// CHECK-NOT: fulcrum.qconv
// CHECK: onnx.Conv
func.func @negative_grouped(%x: tensor<1x4x4x4xui8>) -> tensor<1x4x4x4xf32> {
  %s = onnx.Constant() {value = dense<0.1> : tensor<f32>} : () -> tensor<f32>
  %w = onnx.Constant() {value = dense<1> : tensor<4x2x3x3xi8>} : () -> tensor<4x2x3x3xi8>
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear(%x, %s, %none) : (tensor<1x4x4x4xui8>, tensor<f32>, none) -> tensor<1x4x4x4xf32>
  %1 = onnx.DequantizeLinear(%w, %s, %none) : (tensor<4x2x3x3xi8>, tensor<f32>, none) -> tensor<4x2x3x3xf32>
  %2 = onnx.Conv(%0, %1, %none) {group = 2 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x2x3x3xf32>, none) -> tensor<1x4x4x4xf32>
  return %2 : tensor<1x4x4x4xf32>
}

// -----

// The convolution's result has a second user: neither the Relu nor the
// QuantizeLinear joins it (the result is f32 and both stay).
// CHECK-LABEL: func @negative_shared_result
// CHECK: %[[Y:.*]] = fulcrum.qconv
// CHECK-SAME: -> tensor<1x1x4x4xf32>
// CHECK: onnx.Relu(%[[Y]])
// CHECK: onnx.QuantizeLinear
func.func @negative_shared_result(%x: tensor<1x1x4x4xui8>) -> (tensor<1x1x4x4xui8>, tensor<1x1x4x4xf32>) {
  %s = onnx.Constant() {value = dense<0.1> : tensor<f32>} : () -> tensor<f32>
  %w = onnx.Constant() {value = dense<1> : tensor<1x1x1x1xi8>} : () -> tensor<1x1x1x1xi8>
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear(%x, %s, %none) : (tensor<1x1x4x4xui8>, tensor<f32>, none) -> tensor<1x1x4x4xf32>
  %1 = onnx.DequantizeLinear(%w, %s, %none) : (tensor<1x1x1x1xi8>, tensor<f32>, none) -> tensor<1x1x1x1xf32>
  %2 = onnx.Conv(%0, %1, %none) : (tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>, none) -> tensor<1x1x4x4xf32>
  %3 = onnx.Relu(%2) : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %4 = onnx.QuantizeLinear(%3, %s, %none) : (tensor<1x1x4x4xf32>, tensor<f32>, none) -> tensor<1x1x4x4xui8>
  return %4, %2 : tensor<1x1x4x4xui8>, tensor<1x1x4x4xf32>
}

// -----

// A float input (no DequantizeLinear) is not quantized.
// CHECK-LABEL: func @negative_float_input
// CHECK-NOT: fulcrum.qconv
func.func @negative_float_input(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %s = onnx.Constant() {value = dense<0.1> : tensor<f32>} : () -> tensor<f32>
  %w = onnx.Constant() {value = dense<1> : tensor<1x1x1x1xi8>} : () -> tensor<1x1x1x1xi8>
  %none = onnx.NoValue
  %1 = onnx.DequantizeLinear(%w, %s, %none) : (tensor<1x1x1x1xi8>, tensor<f32>, none) -> tensor<1x1x1x1xf32>
  %2 = onnx.Conv(%x, %1, %none) : (tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>, none) -> tensor<1x1x4x4xf32>
  return %2 : tensor<1x1x4x4xf32>
}

// -----

// Conv -> Relu -> MaxPool -> QuantizeLinear (ResNet's stem): the
// QuantizeLinear moves above the MaxPool (quantization is monotonic), the
// convolution then ends in Relu -> QuantizeLinear and becomes one
// fulcrum.qconv with the Relu fused, and the MaxPool pools its bytes.
// CHECK-LABEL: func @conv_relu_maxpool_quantize
// CHECK: %[[Y:.*]] = fulcrum.qconv %arg0, %{{.*}} {activation = "relu"
// CHECK-SAME: -> tensor<1x2x4x4xui8>
// CHECK: %[[P:.*]], %{{.*}} = onnx.MaxPool(%[[Y]]) {{.*}} : (tensor<1x2x4x4xui8>) -> (tensor<1x2x2x2xui8>, none)
// CHECK-NOT: onnx.QuantizeLinear
// CHECK: return %[[P]]
func.func @conv_relu_maxpool_quantize(%x: tensor<1x1x4x4xui8>) -> tensor<1x2x2x2xui8> {
  %sx = onnx.Constant() {value = dense<0.1> : tensor<f32>} : () -> tensor<f32>
  %zx = onnx.Constant() {value = dense<128> : tensor<ui8>} : () -> tensor<ui8>
  %w = onnx.Constant() {value = dense<1> : tensor<2x1x3x3xi8>} : () -> tensor<2x1x3x3xi8>
  %sw = onnx.Constant() {value = dense<[0.5, 0.25]> : tensor<2xf32>} : () -> tensor<2xf32>
  %sy = onnx.Constant() {value = dense<0.2> : tensor<f32>} : () -> tensor<f32>
  %zy = onnx.Constant() {value = dense<3> : tensor<ui8>} : () -> tensor<ui8>
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear(%x, %sx, %zx) : (tensor<1x1x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x1x4x4xf32>
  %1 = onnx.DequantizeLinear(%w, %sw, %none) {axis = 0 : i64} : (tensor<2x1x3x3xi8>, tensor<2xf32>, none) -> tensor<2x1x3x3xf32>
  %2 = onnx.Conv(%0, %1, %none) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>, none) -> tensor<1x2x4x4xf32>
  %3 = onnx.Relu(%2) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %4, %5 = onnx.MaxPool(%3) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, none)
  %6 = onnx.QuantizeLinear(%4, %sy, %zy) : (tensor<1x2x2x2xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x2x2xui8>
  return %6 : tensor<1x2x2x2xui8>
}

// -----

// negative_: a MaxPool whose float result has another user, and a
// QuantizeLinear with a negative scale (not monotonic increasing), keep
// the QuantizeLinear after the pooling; the convolutions' results stay
// float.
// CHECK-LABEL: func @negative_maxpool_two_users
// CHECK: onnx.MaxPool(%{{.*}}) {{.*}} -> (tensor<1x2x2x2xf32>, none)
// CHECK: onnx.QuantizeLinear
// CHECK-LABEL: func @negative_maxpool_negative_scale
// CHECK: onnx.MaxPool(%{{.*}}) {{.*}} -> (tensor<1x2x2x2xf32>, none)
// CHECK: onnx.QuantizeLinear
func.func @negative_maxpool_two_users(%x: tensor<1x1x4x4xui8>) -> (tensor<1x2x2x2xui8>, tensor<1x2x2x2xf32>) {
  %sx = onnx.Constant() {value = dense<0.1> : tensor<f32>} : () -> tensor<f32>
  %zx = onnx.Constant() {value = dense<128> : tensor<ui8>} : () -> tensor<ui8>
  %w = onnx.Constant() {value = dense<1> : tensor<2x1x3x3xi8>} : () -> tensor<2x1x3x3xi8>
  %sw = onnx.Constant() {value = dense<[0.5, 0.25]> : tensor<2xf32>} : () -> tensor<2xf32>
  %sy = onnx.Constant() {value = dense<0.2> : tensor<f32>} : () -> tensor<f32>
  %zy = onnx.Constant() {value = dense<3> : tensor<ui8>} : () -> tensor<ui8>
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear(%x, %sx, %zx) : (tensor<1x1x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x1x4x4xf32>
  %1 = onnx.DequantizeLinear(%w, %sw, %none) {axis = 0 : i64} : (tensor<2x1x3x3xi8>, tensor<2xf32>, none) -> tensor<2x1x3x3xf32>
  %2 = onnx.Conv(%0, %1, %none) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>, none) -> tensor<1x2x4x4xf32>
  %3 = onnx.Relu(%2) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %4, %5 = onnx.MaxPool(%3) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, none)
  %6 = onnx.QuantizeLinear(%4, %sy, %zy) : (tensor<1x2x2x2xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x2x2xui8>
  return %6, %4 : tensor<1x2x2x2xui8>, tensor<1x2x2x2xf32>
}
func.func @negative_maxpool_negative_scale(%x: tensor<1x1x4x4xui8>) -> tensor<1x2x2x2xui8> {
  %sx = onnx.Constant() {value = dense<0.1> : tensor<f32>} : () -> tensor<f32>
  %zx = onnx.Constant() {value = dense<128> : tensor<ui8>} : () -> tensor<ui8>
  %w = onnx.Constant() {value = dense<1> : tensor<2x1x3x3xi8>} : () -> tensor<2x1x3x3xi8>
  %sw = onnx.Constant() {value = dense<[0.5, 0.25]> : tensor<2xf32>} : () -> tensor<2xf32>
  %sy = onnx.Constant() {value = dense<-0.2> : tensor<f32>} : () -> tensor<f32>
  %zy = onnx.Constant() {value = dense<3> : tensor<ui8>} : () -> tensor<ui8>
  %none = onnx.NoValue
  %0 = onnx.DequantizeLinear(%x, %sx, %zx) : (tensor<1x1x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x1x4x4xf32>
  %1 = onnx.DequantizeLinear(%w, %sw, %none) {axis = 0 : i64} : (tensor<2x1x3x3xi8>, tensor<2xf32>, none) -> tensor<2x1x3x3xf32>
  %2 = onnx.Conv(%0, %1, %none) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>, none) -> tensor<1x2x4x4xf32>
  %3 = onnx.Relu(%2) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %4, %5 = onnx.MaxPool(%3) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, none)
  %6 = onnx.QuantizeLinear(%4, %sy, %zy) : (tensor<1x2x2x2xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x2x2xui8>
  return %6 : tensor<1x2x2x2xui8>
}
