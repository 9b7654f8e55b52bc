// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --canonicalize --split-input-file | FileCheck %s

// Operators whose result size depends on the data: a loop finds the size,
// the result is allocated with it and filled (canonicalized after the
// conversion).

// Pattern: NonZeroLowering
// The first nest counts the non-zero elements (une: NaN counts), the
// result gets that many columns, the second nest writes the coordinates of
// each non-zero element at the next column.
// CHECK-LABEL: func @nonzero
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<2x3xf32>)
// CHECK: %[[N:.*]] = scf.for {{.*}} -> (index)
// CHECK: scf.for {{.*}} -> (index)
// CHECK: arith.cmpf une
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<2x?xi64>
// CHECK: %[[R:.*]]:2 = scf.for %[[A:[a-z0-9_]+]] = {{.*}} iter_args(%{{.*}} = %[[E]], %{{.*}} = %{{.*}})
// CHECK: scf.for %[[B:[a-z0-9_]+]] = {{.*}} iter_args(%[[OUT:[a-z0-9_]+]] = %{{.*}}, %[[POS:[a-z0-9_]+]] = %{{.*}})
// CHECK: scf.if %{{.*}} -> (tensor<2x?xi64>, index)
// CHECK: %[[CA:.*]] = arith.index_cast %[[A]] : index to i64
// CHECK: %[[I0:.*]] = tensor.insert %[[CA]] into %[[OUT]][%{{.*}}, %[[POS]]]
// CHECK: %[[CB:.*]] = arith.index_cast %[[B]] : index to i64
// CHECK: %[[I1:.*]] = tensor.insert %[[CB]] into %[[I0]][%{{.*}}, %[[POS]]]
// CHECK: %[[NEXT:.*]] = arith.addi %[[POS]]
// CHECK: scf.yield %[[I1]], %[[NEXT]]
// CHECK: } else {
// CHECK: scf.yield %[[OUT]], %[[POS]]
// CHECK: return %[[R]]#0
func.func @nonzero(%x: tensor<2x3xf32>) -> tensor<2x?xi64> {
  %0 = onnx.NonZero(%x) : (tensor<2x3xf32>) -> tensor<2x?xi64>
  return %0 : tensor<2x?xi64>
}

// -----

// Integers compare with ne.
// CHECK-LABEL: func @nonzero_int
// CHECK: arith.cmpi ne
func.func @nonzero_int(%x: tensor<5xi32>) -> tensor<1x?xi64> {
  %0 = onnx.NonZero(%x) : (tensor<5xi32>) -> tensor<1x?xi64>
  return %0 : tensor<1x?xi64>
}

// -----

// Pattern: CompressLowering
// Without an axis the input is flattened. The loop over the first
// min(4, 6) conditions writes each position at the running count, which
// only advances where the condition holds; a generic gathers the selected
// positions.
// CHECK-LABEL: func @compress_flat
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<2x3xf32>, %[[C:[a-z0-9_]+]]: tensor<4xi1>)
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1]] : tensor<2x3xf32> into tensor<6xf32>
// CHECK: %[[SEL:.*]]:2 = scf.for %[[I:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[S:[a-z0-9_]+]] = %{{.*}}, %[[CNT:[a-z0-9_]+]] = %{{.*}}) -> (tensor<4xindex>, index)
// CHECK: %[[COND:.*]] = tensor.extract %[[C]][%[[I]]]
// CHECK: %[[INS:.*]] = tensor.insert %[[I]] into %[[S]][%[[CNT]]]
// CHECK: %[[INC:.*]] = arith.addi %[[CNT]]
// CHECK: %[[NEXT:.*]] = arith.select %[[COND]], %[[INC]], %[[CNT]]
// CHECK: scf.yield %[[INS]], %[[NEXT]]
// CHECK: %[[E:.*]] = tensor.empty(%[[SEL]]#1) : tensor<?xf32>
// CHECK: linalg.generic {{.*}} outs(%[[E]] : tensor<?xf32>)
// CHECK: %[[J:.*]] = linalg.index 0
// CHECK: %[[P:.*]] = tensor.extract %[[SEL]]#0[%[[J]]]
// CHECK: tensor.extract %[[FLAT]][%[[P]]]
func.func @compress_flat(%x: tensor<2x3xf32>, %c: tensor<4xi1>) -> tensor<?xf32> {
  %0 = onnx.Compress(%x, %c) : (tensor<2x3xf32>, tensor<4xi1>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// On axis -1 the selected positions replace the last coordinate; the
// other sizes come from the input.
// CHECK-LABEL: func @compress_axis
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<?x5xi64>, %[[C:[a-z0-9_]+]]: tensor<?xi1>)
// CHECK: %[[N:.*]] = tensor.dim %[[C]]
// CHECK: arith.minui %[[N]]
// CHECK: %[[SEL:.*]]:2 = scf.for
// CHECK: %[[D0:.*]] = tensor.dim %[[X]]
// CHECK: %[[E:.*]] = tensor.empty(%[[D0]], %[[SEL]]#1) : tensor<?x?xi64>
// CHECK: linalg.generic
// CHECK: %[[A:.*]] = linalg.index 0
// CHECK: %[[B:.*]] = linalg.index 1
// CHECK: %[[P:.*]] = tensor.extract %[[SEL]]#0[%[[B]]]
// CHECK: tensor.extract %[[X]][%[[A]], %[[P]]]
func.func @compress_axis(%x: tensor<?x5xi64>, %c: tensor<?xi1>) -> tensor<?x?xi64> {
  %0 = onnx.Compress(%x, %c) {axis = -1 : i64} : (tensor<?x5xi64>, tensor<?xi1>) -> tensor<?x?xi64>
  return %0 : tensor<?x?xi64>
}
