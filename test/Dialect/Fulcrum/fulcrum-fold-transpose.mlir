// RUN: fulcrum-opt %s --fulcrum-fold-transpose --split-input-file | FileCheck %s

// MatMul of a transposed matrix becomes Gemm with transB.
// CHECK-LABEL: func @matmul_transposed_b
// CHECK: %[[NONE:.*]] = onnx.NoValue
// CHECK: %[[Y:.*]] = onnx.Gemm(%arg0, %arg1, %[[NONE]]) {transB = 1 : i64}
// CHECK-NOT: onnx.Transpose
// CHECK: return %[[Y]]
func.func @matmul_transposed_b(%a: tensor<3x4xf32>, %b: tensor<5x4xf32>) -> tensor<3x5xf32> {
  %0 = onnx.Transpose(%b) {perm = array<i64: 1, 0>} : (tensor<5x4xf32>) -> tensor<4x5xf32>
  %1 = onnx.MatMul(%a, %0) : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  return %1 : tensor<3x5xf32>
}

// -----

// Transposes of both Gemm operands flip transA and transB.
// CHECK-LABEL: func @gemm_transposes
// CHECK: onnx.Gemm(%arg0, %arg1, %arg2) {transA = 1 : i64} :
// CHECK-NOT: onnx.Transpose
func.func @gemm_transposes(%a: tensor<4x3xf32>, %b: tensor<4x5xf32>, %c: tensor<5xf32>) -> tensor<3x5xf32> {
  %0 = onnx.Transpose(%a) : (tensor<4x3xf32>) -> tensor<3x4xf32>
  %1 = onnx.Transpose(%b) : (tensor<4x5xf32>) -> tensor<5x4xf32>
  %2 = onnx.Gemm(%0, %1, %c) {transB = 1 : i64} : (tensor<3x4xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return %2 : tensor<3x5xf32>
}

// -----

// The transpose has a second user: it stays, and is not folded.
// CHECK-LABEL: func @negative_shared_transpose
// CHECK: onnx.Transpose
// CHECK: onnx.MatMul
func.func @negative_shared_transpose(%a: tensor<3x4xf32>, %b: tensor<5x4xf32>) -> (tensor<3x5xf32>, tensor<4x5xf32>) {
  %0 = onnx.Transpose(%b) {perm = array<i64: 1, 0>} : (tensor<5x4xf32>) -> tensor<4x5xf32>
  %1 = onnx.MatMul(%a, %0) : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  return %1, %0 : tensor<3x5xf32>, tensor<4x5xf32>
}

// -----

// Batched products (attention's Q @ K^T) are left alone.
// CHECK-LABEL: func @negative_batched
// CHECK: onnx.Transpose
// CHECK: onnx.MatMul
func.func @negative_batched(%q: tensor<2x3x4xf32>, %k: tensor<2x3x4xf32>) -> tensor<2x3x3xf32> {
  %0 = onnx.Transpose(%k) {perm = array<i64: 0, 2, 1>} : (tensor<2x3x4xf32>) -> tensor<2x4x3xf32>
  %1 = onnx.MatMul(%q, %0) : (tensor<2x3x4xf32>, tensor<2x4x3xf32>) -> tensor<2x3x3xf32>
  return %1 : tensor<2x3x3xf32>
}
