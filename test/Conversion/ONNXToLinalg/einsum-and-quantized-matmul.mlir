// RUN: fulcrum-opt %s --fulcrum-onnx-decompose --fulcrum-convert-onnx-to-linalg --split-input-file | FileCheck %s

// Einsum, MatMulInteger and QLinearMatMul. MatMul and Gemm themselves are
// tested with their named-op lowering. MatMulInteger and QLinearMatMul may
// move to a Decompose pass, so only the essential structure is checked.

// Pattern: EinsumLowering
// Batched contraction with a permuted output: loops are the output letters
// (b, k, i) then j; j is a reduction.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func @einsum_batched
// CHECK: %[[Z:.*]] = linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}{{.*}} outs(%[[Z]] : tensor<2x5x3xf32>)
// CHECK: ^bb0(%[[X:.*]]: f32, %[[Y:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[P:.*]] = arith.mulf %[[X]], %[[Y]]
// CHECK: arith.addf %[[ACC]], %[[P]]
func.func @einsum_batched(%a: tensor<2x3x4xf32>, %b: tensor<2x4x5xf32>) -> tensor<2x5x3xf32> {
  %0 = onnx.Einsum(%a, %b) {equation = "bij, bjk -> bki"} : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x5x3xf32>
  return %0 : tensor<2x5x3xf32>
}

// -----

// Implicit output with a repeated letter (the trace): the diagonal map and a
// rank-0 result.
// CHECK-DAG: #[[DIAG:.*]] = affine_map<(d0) -> (d0, d0)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func @einsum_trace
// CHECK: linalg.generic {indexing_maps = [#[[DIAG]], #[[SCALAR]]], iterator_types = ["reduction"]}
func.func @einsum_trace(%a: tensor<3x3xf32>) -> tensor<f32> {
  %0 = onnx.Einsum(%a) {equation = "ii"} : (tensor<3x3xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// An ellipsis stands for the leading dimensions.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-LABEL: func @einsum_ellipsis
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
func.func @einsum_ellipsis(%a: tensor<2x3x4xf32>, %b: tensor<2x4x5xf32>) -> tensor<2x3x5xf32> {
  %0 = onnx.Einsum(%a, %b) {equation = "...ij,...jk->...ik"} : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

// After fulcrum-onnx-decompose (MatMulInteger is no longer lowered directly).
// MatMulInteger: both operands widen to i32 (uint8 with extui, int8 with
// extsi), zero points are subtracted, then an i32 linalg.matmul.
// CHECK-LABEL: func @matmul_integer
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: arith.extsi %{{.*}} : i8 to i32
// CHECK: arith.subi
// CHECK: arith.subi
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%{{.*}} : tensor<2x4xi32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x3xi32>, tensor<3x4xi32>) outs(%[[Z]] : tensor<2x4xi32>)
func.func @matmul_integer(%a: tensor<2x3xui8>, %b: tensor<3x4xi8>, %az: tensor<ui8>, %bz: tensor<i8>) -> tensor<2x4xi32> {
  %0 = onnx.MatMulInteger(%a, %b, %az, %bz) : (tensor<2x3xui8>, tensor<3x4xi8>, tensor<ui8>, tensor<i8>) -> tensor<2x4xi32>
  return %0 : tensor<2x4xi32>
}

// -----

// After fulcrum-onnx-decompose (QLinearMatMul is no longer lowered directly).
// QLinearMatMul: dequantize both operands to f32, an f32 linalg.matmul, then
// quantize with the output scale and zero point.
// CHECK-LABEL: func @qlinear_matmul
// CHECK: arith.uitofp
// CHECK: arith.mulf
// CHECK: arith.uitofp
// CHECK: arith.mulf
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3x4xf32>) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: linalg.generic
// CHECK: math.roundeven
// CHECK: arith.fptoui %{{.*}} : f32 to i8
func.func @qlinear_matmul(%a: tensor<2x3xui8>, %as: tensor<f32>, %az: tensor<ui8>, %b: tensor<3x4xui8>, %bs: tensor<f32>, %bz: tensor<ui8>, %ys: tensor<f32>, %yz: tensor<ui8>) -> tensor<2x4xui8> {
  %0 = onnx.QLinearMatMul(%a, %as, %az, %b, %bs, %bz, %ys, %yz) : (tensor<2x3xui8>, tensor<f32>, tensor<ui8>, tensor<3x4xui8>, tensor<f32>, tensor<ui8>, tensor<f32>, tensor<ui8>) -> tensor<2x4xui8>
  return %0 : tensor<2x4xui8>
}
