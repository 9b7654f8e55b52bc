// RUN: fulcrum-opt %s --fulcrum-onnx-decompose --split-input-file | FileCheck %s
// RUN: fulcrum-opt %s --fulcrum-onnx-decompose=quantized=false --split-input-file | FileCheck %s --check-prefix=KEEP

// SoftmaxCrossEntropyLoss is LogSoftmax over the classes, then
// NegativeLogLikelihoodLoss; the log-probabilities are its second result.
// CHECK-LABEL: func @softmax_cross_entropy
// CHECK: %[[LP:.*]] = onnx.LogSoftmax(%{{.*}}) {axis = 1 : i64}
// CHECK: %[[L:.*]] = onnx.NegativeLogLikelihoodLoss(%[[LP]], %{{.*}}, %{{.*}}) {reduction = "sum"}
// CHECK: return %[[L]], %[[LP]]
// KEEP-LABEL: func @softmax_cross_entropy
// KEEP-NOT: onnx.SoftmaxCrossEntropyLoss
func.func @softmax_cross_entropy(%x: tensor<3x5xf32>, %t: tensor<3xi64>) -> (tensor<f32>, tensor<3x5xf32>) {
  %none = onnx.NoValue
  %0, %1 = onnx.SoftmaxCrossEntropyLoss(%x, %t, %none) {reduction = "sum"} : (tensor<3x5xf32>, tensor<3xi64>, none) -> (tensor<f32>, tensor<3x5xf32>)
  return %0, %1 : tensor<f32>, tensor<3x5xf32>
}

// -----

// MatMulInteger: int32 casts, zero points subtracted, an int32 MatMul. The
// per-row a_zero_point [M] becomes [M, 1] (it broadcasts along M, not K);
// the per-column b_zero_point [N] broadcasts as it is.
// CHECK-LABEL: func @matmul_integer_per_row
// CHECK-DAG: %[[A:.*]] = onnx.Cast(%arg0) {to = 6 : i64} : (tensor<3x4xui8>) -> tensor<3x4xi32>
// CHECK-DAG: %[[B:.*]] = onnx.Cast(%arg1) {to = 6 : i64} : (tensor<4x2xui8>) -> tensor<4x2xi32>
// CHECK-DAG: %[[AZ:.*]] = onnx.Cast(%arg2) {to = 6 : i64} : (tensor<3xui8>) -> tensor<3xi32>
// CHECK-DAG: %[[AXES:.*]] = onnx.Constant() {value = dense<1> : tensor<1xi64>}
// CHECK: %[[AZ2:.*]] = onnx.Unsqueeze(%[[AZ]], %[[AXES]]) : (tensor<3xi32>, tensor<1xi64>) -> tensor<3x1xi32>
// CHECK: %[[A0:.*]] = onnx.Sub(%[[A]], %[[AZ2]]) : (tensor<3x4xi32>, tensor<3x1xi32>) -> tensor<3x4xi32>
// CHECK: %[[BZ:.*]] = onnx.Cast(%arg3) {to = 6 : i64} : (tensor<2xui8>) -> tensor<2xi32>
// CHECK: %[[B0:.*]] = onnx.Sub(%[[B]], %[[BZ]]) : (tensor<4x2xi32>, tensor<2xi32>) -> tensor<4x2xi32>
// CHECK: onnx.MatMul(%[[A0]], %[[B0]]) : (tensor<3x4xi32>, tensor<4x2xi32>) -> tensor<3x2xi32>
// KEEP-LABEL: func @matmul_integer_per_row
// KEEP: onnx.MatMulInteger
func.func @matmul_integer_per_row(%a: tensor<3x4xui8>, %b: tensor<4x2xui8>, %az: tensor<3xui8>, %bz: tensor<2xui8>) -> tensor<3x2xi32> {
  %0 = onnx.MatMulInteger(%a, %b, %az, %bz) : (tensor<3x4xui8>, tensor<4x2xui8>, tensor<3xui8>, tensor<2xui8>) -> tensor<3x2xi32>
  return %0 : tensor<3x2xi32>
}

// -----

// A scalar zero point needs no reshaping; an absent one is not subtracted.
// CHECK-LABEL: func @negative_matmul_integer_scalar_zero_point
// CHECK-NOT: onnx.Unsqueeze
// CHECK: %[[A0:.*]] = onnx.Sub(%{{.*}}, %{{.*}}) : (tensor<2x3x4xi32>, tensor<i32>) -> tensor<2x3x4xi32>
// CHECK-NOT: onnx.Sub
// CHECK: onnx.MatMul(%[[A0]], %{{.*}}) : (tensor<2x3x4xi32>, tensor<4x2xi32>) -> tensor<2x3x2xi32>
func.func @negative_matmul_integer_scalar_zero_point(%a: tensor<2x3x4xi8>, %b: tensor<4x2xi8>, %az: tensor<i8>) -> tensor<2x3x2xi32> {
  %none = onnx.NoValue
  %0 = onnx.MatMulInteger(%a, %b, %az, %none) : (tensor<2x3x4xi8>, tensor<4x2xi8>, tensor<i8>, none) -> tensor<2x3x2xi32>
  return %0 : tensor<2x3x2xi32>
}

// -----

// Unranked operands are left for the lowering to report.
// CHECK-LABEL: func @negative_matmul_integer_unranked
// CHECK: onnx.MatMulInteger
func.func @negative_matmul_integer_unranked(%a: tensor<*xui8>, %b: tensor<4x2xui8>) -> tensor<*xi32> {
  %none = onnx.NoValue
  %0 = onnx.MatMulInteger(%a, %b, %none, %none) : (tensor<*xui8>, tensor<4x2xui8>, none, none) -> tensor<*xi32>
  return %0 : tensor<*xi32>
}

// -----

// QLinearMatMul: dequantize A along its rows (axis 0) and B along its
// columns (axis 1), a float MatMul, quantize the result.
// CHECK-LABEL: func @qlinear_matmul
// CHECK: %[[A:.*]] = onnx.DequantizeLinear(%arg0, %arg1, %arg2) {axis = 0 : i64} : {{.*}} -> tensor<2x4xf32>
// CHECK: %[[B:.*]] = onnx.DequantizeLinear(%arg3, %arg4, %arg5) : {{.*}} -> tensor<4x3xf32>
// CHECK: %[[Y:.*]] = onnx.MatMul(%[[A]], %[[B]]) : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
// CHECK: onnx.QuantizeLinear(%[[Y]], %arg6, %arg7) : {{.*}} -> tensor<2x3xui8>
// KEEP-LABEL: func @qlinear_matmul
// KEEP: onnx.QLinearMatMul
func.func @qlinear_matmul(%a: tensor<2x4xui8>, %as: tensor<2xf32>, %az: tensor<2xui8>, %b: tensor<4x3xui8>, %bs: tensor<3xf32>, %bz: tensor<3xui8>, %ys: tensor<f32>, %yz: tensor<ui8>) -> tensor<2x3xui8> {
  %0 = onnx.QLinearMatMul(%a, %as, %az, %b, %bs, %bz, %ys, %yz) : (tensor<2x4xui8>, tensor<2xf32>, tensor<2xui8>, tensor<4x3xui8>, tensor<3xf32>, tensor<3xui8>, tensor<f32>, tensor<ui8>) -> tensor<2x3xui8>
  return %0 : tensor<2x3xui8>
}
