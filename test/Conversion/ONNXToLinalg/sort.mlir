// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --canonicalize --split-input-file | FileCheck %s

// Heap selection: per row, a permutation of the positions is made a heap
// (scf.while sift-downs) and its root taken k times; canonicalized after
// the conversion so the checks see folded constants.

// Pattern: TopKLowering
// TopK on axis 1 with a run-time K: the outputs get K columns; per row
// (the outer loop) the permutation is initialized, heapified from node
// n/2-1 = 1 down, and K roots are taken, each moved to the end of the
// shrinking heap (n-1-j) and written at column j. The order is "greater
// value, or equal value at the lower index".
// CHECK-LABEL: func @topk_largest
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<3x5xf32>, %[[K:[a-z0-9_]+]]: tensor<1xi64>)
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C5:.*]] = arith.constant 5 : index
// CHECK: %[[KV:.*]] = tensor.extract %[[K]][%{{.*}}] : tensor<1xi64>
// CHECK: %[[KI:.*]] = arith.index_cast %[[KV]] : i64 to index
// CHECK: %[[VALS:.*]] = tensor.empty(%[[KI]]) : tensor<3x?xf32>
// CHECK: %[[IDXS:.*]] = tensor.empty(%[[KI]]) : tensor<3x?xi64>
// CHECK: %[[R:.*]]:3 = scf.for %[[ROW:[a-z0-9_]+]] = {{.*}} iter_args(%{{.*}} = %[[VALS]], %{{.*}} = %[[IDXS]], %{{.*}} = %{{.*}})
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[C5]]
// CHECK: tensor.insert
// CHECK: scf.for
// CHECK: scf.while
// CHECK: scf.condition
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf oeq
// CHECK: arith.cmpi ult
// CHECK: scf.for %[[J:[a-z0-9_]+]] = %{{.*}} to %[[KI]]
// CHECK: %[[LAST:.*]] = arith.subi %[[C4]], %[[J]] : index
// CHECK: scf.while
// CHECK: tensor.extract %[[X]][%[[ROW]], %{{.*}}] : tensor<3x5xf32>
// CHECK: tensor.insert %{{.*}} into %{{.*}}[%[[ROW]], %[[J]]] : tensor<3x?xf32>
// CHECK: tensor.insert %{{.*}} into %{{.*}}[%[[ROW]], %[[J]]] : tensor<3x?xi64>
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @topk_largest(%x: tensor<3x5xf32>, %k: tensor<1xi64>) -> (tensor<3x?xf32>, tensor<3x?xi64>) {
  %v, %i = onnx.TopK(%x, %k) {axis = 1 : i64} : (tensor<3x5xf32>, tensor<1xi64>) -> (tensor<3x?xf32>, tensor<3x?xi64>)
  return %v, %i : tensor<3x?xf32>, tensor<3x?xi64>
}

// -----

// The smallest of unsigned values along axis 0 (negative axis -2): the
// rows are the columns of the input, the order compares unsigned.
// CHECK-LABEL: func @topk_smallest_unsigned
// CHECK: scf.for %[[COL:[a-z0-9_]+]] =
// CHECK: arith.cmpi ult, %{{.*}}, %{{.*}} : i8
// CHECK: tensor.insert %{{.*}} into %{{.*}}[%{{.*}}, %[[COL]]] : tensor<2x4xi8>
func.func @topk_smallest_unsigned(%x: tensor<6x4xui8>, %k: tensor<1xi64>) -> (tensor<2x4xui8>, tensor<2x4xi64>) {
  %v, %i = onnx.TopK(%x, %k) {axis = -2 : i64, largest = 0 : i64} : (tensor<6x4xui8>, tensor<1xi64>) -> (tensor<2x4xui8>, tensor<2x4xi64>)
  return %v, %i : tensor<2x4xui8>, tensor<2x4xi64>
}
