// RUN: fulcrum-opt %s --fulcrum-onnx-quantize --split-input-file | FileCheck %s
// RUN: fulcrum-opt %s --fulcrum-onnx-quantize="activation-type=s8 weight-bits=7 quantize-activation-matmuls=false" --split-input-file | FileCheck %s --check-prefix=OPT

// The expected numbers are NumPy's (float32): x in [-1, 3] gives the uint8
// scale 4/255 and zero point round(1 / (4/255)) = 64; weight rows scale by
// max|w_c| / 127 and round half to even (76.2 -> 76, 50.8 -> 51); the bias
// scales are 4/255 * s_c (0.1 / 2.4703e-4 = 404.8 -> 405).

// Gemm with transB: per-tensor uint8 activation, weights per output row
// (axis 0), int32 bias.
// CHECK-LABEL: func @gemm
// CHECK-SAME: (%[[X:.*]]: tensor<4x3xf32>)
// CHECK-DAG: %[[S:.*]] = onnx.Constant() {value = dense<0.0156862754> : tensor<f32>}
// CHECK-DAG: %[[Z:.*]] = onnx.Constant() {value = dense<64> : tensor<ui8>}
// CHECK: %[[Q:.*]] = onnx.QuantizeLinear(%[[X]], %[[S]], %[[Z]]) : (tensor<4x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<4x3xui8>
// CHECK: %[[XD:.*]] = onnx.DequantizeLinear(%[[Q]], %[[S]], %[[Z]]) : (tensor<4x3xui8>, tensor<f32>, tensor<ui8>) -> tensor<4x3xf32>
// CHECK-DAG: %[[WQ:.*]] = onnx.Constant() {value = dense<{{\[}}[127, -76, 38], [38, 51, -127]]> : tensor<2x3xi8>}
// CHECK-DAG: %[[WS:.*]] = onnx.Constant() {value = dense<[0.0157480314, 0.00787401571]> : tensor<2xf32>}
// CHECK-DAG: %[[WZ:.*]] = onnx.Constant() {value = dense<0> : tensor<2xi8>}
// CHECK: %[[WD:.*]] = onnx.DequantizeLinear(%[[WQ]], %[[WS]], %[[WZ]]) {axis = 0 : i64}
// CHECK-DAG: %[[BQ:.*]] = onnx.Constant() {value = dense<[405, -2429]> : tensor<2xi32>}
// CHECK-DAG: %[[BS:.*]] = onnx.Constant() {value = dense<[2.47027958E-4, 1.23513979E-4]> : tensor<2xf32>}
// CHECK-DAG: %[[BZ:.*]] = onnx.Constant() {value = dense<0> : tensor<2xi32>}
// CHECK: %[[BD:.*]] = onnx.DequantizeLinear(%[[BQ]], %[[BS]], %[[BZ]]) {axis = 0 : i64}
// CHECK: onnx.Gemm(%[[XD]], %[[WD]], %[[BD]]) {transB = 1 : i64}
// CHECK-NOT: fulcrum.input_ranges
// CHECK-NOT: dense<{{\[}}[2.0
// OPT-LABEL: func @gemm
// OPT-DAG: onnx.Constant() {value = dense<0.0236220472> : tensor<f32>}
// OPT-DAG: onnx.Constant() {value = dense<0> : tensor<i8>}
// OPT: onnx.QuantizeLinear{{.*}} -> tensor<4x3xi8>
// OPT: onnx.Constant() {value = dense<{{\[}}[63, -38, 19], [19, 25, -63]]> : tensor<2x3xi8>}
func.func @gemm(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = onnx.Constant() {value = dense<[[2.0, -1.2, 0.6], [0.3, 0.4, -1.0]]> : tensor<2x3xf32>} : () -> tensor<2x3xf32>
  %b = onnx.Constant() {value = dense<[0.1, -0.3]> : tensor<2xf32>} : () -> tensor<2xf32>
  %y = onnx.Gemm(%x, %w, %b) {transB = 1 : i64, fulcrum.input_ranges = array<f32: -1.0, 3.0, 0x7FC00000, 0x7FC00000>} : (tensor<4x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Conv: weights per output channel (axis 0); a non-negative range keeps
// zero point 0 (uint8 covers [0, 2]).
// CHECK-LABEL: func @conv
// CHECK-DAG: onnx.Constant() {value = dense<0.00784313772> : tensor<f32>}
// CHECK-DAG: onnx.Constant() {value = dense<0> : tensor<ui8>}
// CHECK: %[[XD:.*]] = onnx.DequantizeLinear
// CHECK-DAG: %[[WQ:.*]] = onnx.Constant() {value = dense<{{.}}{{.}}{{.}}{{.}}127{{.}}{{.}}{{.}}, {{.}}{{.}}{{.}}-127{{.}}{{.}}{{.}}{{.}}> : tensor<2x1x1x1xi8>}
// CHECK-DAG: %[[WS:.*]] = onnx.Constant() {value = dense<[0.00393700786, 0.0314960629]> : tensor<2xf32>}
// CHECK: %[[WD:.*]] = onnx.DequantizeLinear(%[[WQ]], %[[WS]], %{{.*}}) {axis = 0 : i64} : (tensor<2x1x1x1xi8>, tensor<2xf32>, tensor<2xi8>) -> tensor<2x1x1x1xf32>
// CHECK: onnx.Conv(%[[XD]], %[[WD]], %{{.*}})
func.func @conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = onnx.Constant() {value = dense<[[[[0.5]]], [[[-4.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %none = onnx.NoValue
  %y = onnx.Conv(%x, %w, %none) {fulcrum.input_ranges = array<f32: 0.0, 2.0, 0x7FC00000, 0x7FC00000>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// MatMul with a constant B: per column (axis 1, the default, not printed).
// CHECK-LABEL: func @matmul_weight
// CHECK: onnx.Constant() {value = dense<{{\[}}[127, 127, 127], [-127, 32, 11]]> : tensor<2x3xi8>}
// CHECK: onnx.DequantizeLinear(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<2x3xi8>, tensor<3xf32>, tensor<3xi8>) -> tensor<2x3xf32>
func.func @matmul_weight(%x: tensor<4x2xf32>) -> tensor<4x3xf32> {
  %w = onnx.Constant() {value = dense<[[1.0, 2.0, 3.0], [-1.0, 0.5, 0.25]]> : tensor<2x3xf32>} : () -> tensor<2x3xf32>
  %y = onnx.MatMul(%x, %w) {fulcrum.input_ranges = array<f32: -1.0, 1.0, 0x7FC00000, 0x7FC00000>} : (tensor<4x2xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

// A MatMul of two activations quantizes both per tensor; a value read by
// two quantized contractions gets one QDQ pair.
// CHECK-LABEL: func @activations
// CHECK-SAME: (%[[A:.*]]: tensor<2x4x8xf32>, %[[B:.*]]: tensor<2x8x4xf32>)
// CHECK-COUNT-2: onnx.QuantizeLinear
// CHECK-NOT: onnx.QuantizeLinear
// CHECK: onnx.MatMul
// CHECK: onnx.MatMul
// OPT-LABEL: func @activations
// OPT-NOT: onnx.QuantizeLinear
func.func @activations(%a: tensor<2x4x8xf32>, %b: tensor<2x8x4xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>) {
  %y = onnx.MatMul(%a, %b) {fulcrum.input_ranges = array<f32: -1.0, 1.0, -2.0, 2.0>} : (tensor<2x4x8xf32>, tensor<2x8x4xf32>) -> tensor<2x4x4xf32>
  %z = onnx.MatMul(%a, %b) {fulcrum.input_ranges = array<f32: -1.0, 1.0, -2.0, 2.0>} : (tensor<2x4x8xf32>, tensor<2x8x4xf32>) -> tensor<2x4x4xf32>
  return %y, %z : tensor<2x4x4xf32>, tensor<2x4x4xf32>
}

// -----

// Without ranges, with an uncalibrated (NaN) activation, or kept in fp32
// by the mixed-precision choice, a contraction stays in float.
// CHECK-LABEL: func @negative_not_calibrated
// CHECK-NOT: onnx.QuantizeLinear
// CHECK-NOT: onnx.DequantizeLinear
// CHECK: onnx.Gemm
// CHECK: onnx.Gemm
// CHECK: onnx.Gemm
// CHECK-NOT: fulcrum.input_ranges
func.func @negative_not_calibrated(%x: tensor<4x3xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  %w = onnx.Constant() {value = dense<[[2.0, -1.2, 0.6], [0.3, 0.4, -1.0]]> : tensor<2x3xf32>} : () -> tensor<2x3xf32>
  %none = onnx.NoValue
  %y = onnx.Gemm(%x, %w, %none) {transB = 1 : i64} : (tensor<4x3xf32>, tensor<2x3xf32>, none) -> tensor<4x2xf32>
  %z = onnx.Gemm(%x, %w, %none) {transB = 1 : i64, fulcrum.input_ranges = array<f32: 0x7FC00000, 0x7FC00000, 0x7FC00000, 0x7FC00000>} : (tensor<4x3xf32>, tensor<2x3xf32>, none) -> tensor<4x2xf32>
  %u = onnx.Gemm(%x, %w, %none) {transB = 1 : i64, fulcrum.precision = "fp32", fulcrum.input_ranges = array<f32: -1.0, 1.0, 0x7FC00000, 0x7FC00000>} : (tensor<4x3xf32>, tensor<2x3xf32>, none) -> tensor<4x2xf32>
  return %y, %z, %u : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// A constant first operand or a non-f32 contraction is not quantized.
// CHECK-LABEL: func @negative_constant_input
// CHECK-NOT: onnx.QuantizeLinear
func.func @negative_constant_input(%b: tensor<2x3xf32>, %x: tensor<4x3xf64>, %w: tensor<3x2xf64>) -> (tensor<2x3xf32>, tensor<4x2xf64>) {
  %a = onnx.Constant() {value = dense<1.0> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %y = onnx.MatMul(%a, %b) {fulcrum.input_ranges = array<f32: -1.0, 1.0, -1.0, 1.0>} : (tensor<2x2xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %z = onnx.MatMul(%x, %w) {fulcrum.input_ranges = array<f32: -1.0, 1.0, -1.0, 1.0>} : (tensor<4x3xf64>, tensor<3x2xf64>) -> tensor<4x2xf64>
  return %y, %z : tensor<2x3xf32>, tensor<4x2xf64>
}
