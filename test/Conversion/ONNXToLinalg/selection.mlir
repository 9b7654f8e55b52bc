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

// -----

// Pattern: NonMaxSuppressionLowering
// Per (batch, class): the boxes are taken in heap order of decreasing score
// (ties by index); a candidate above the score threshold, while fewer than
// max_output_boxes_per_class are kept, is checked against the kept boxes
// (an IoU above the threshold suppresses it) and written as a row
// [batch, class, box] at the running row count. The result is the filled
// part of a buffer of batches * classes * min(limit, boxes) rows.
// CHECK-LABEL: func @nms
// CHECK-SAME: (%[[B:[a-z0-9_]+]]: tensor<1x6x4xf32>, %[[S:[a-z0-9_]+]]: tensor<1x2x6xf32>, %[[M:[a-z0-9_]+]]: tensor<1xi64>, %[[I:[a-z0-9_]+]]: tensor<1xf32>, %[[T:[a-z0-9_]+]]: tensor<1xf32>)
// CHECK-DAG: %[[LIMIT:.*]] = tensor.extract %[[M]]
// CHECK-DAG: %[[IOU:.*]] = tensor.extract %[[I]]
// CHECK-DAG: %[[MINSCORE:.*]] = tensor.extract %[[T]]
// CHECK: %[[ROWS:.*]] = tensor.empty(%{{.*}}) : tensor<?x3xi64>
// CHECK: %[[R:.*]]:4 = scf.for %[[CLS:[a-z0-9_]+]] = {{.*}} iter_args(%{{.*}} = %[[ROWS]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}})
// CHECK: scf.while
// CHECK: tensor.extract %[[S]][%{{.*}}, %[[CLS]], %{{.*}}]
// CHECK: arith.cmpf ogt
// CHECK: scf.for {{.*}} -> (tensor<?xi64>, tensor<?x3xi64>, index, tensor<?xindex>, index)
// CHECK: scf.while
// CHECK: arith.cmpf ogt, %{{.*}}, %[[MINSCORE]]
// CHECK: %[[SUPP:.*]] = scf.if %{{.*}} -> (i1)
// CHECK: scf.for {{.*}} -> (i1)
// CHECK: tensor.extract %[[B]]
// CHECK: arith.divf
// CHECK: arith.cmpf ogt, %{{.*}}, %[[IOU]]
// CHECK: } else {
// CHECK: scf.yield %true
// CHECK: scf.if %[[SUPP]] -> (tensor<?x3xi64>, index, tensor<?xindex>, index)
// CHECK: } else {
// CHECK: tensor.insert
// CHECK: tensor.insert
// CHECK: tensor.insert
// CHECK: %[[OUT:.*]] = tensor.extract_slice %[[R]]#0[0, 0] [%[[R]]#1, 3] [1, 1] : tensor<?x3xi64> to tensor<?x3xi64>
// CHECK: return %[[OUT]]
func.func @nms(%b: tensor<1x6x4xf32>, %s: tensor<1x2x6xf32>, %m: tensor<1xi64>, %i: tensor<1xf32>, %t: tensor<1xf32>) -> tensor<?x3xi64> {
  %0 = onnx.NonMaxSuppression(%b, %s, %m, %i, %t) : (tensor<1x6x4xf32>, tensor<1x2x6xf32>, tensor<1xi64>, tensor<1xf32>, tensor<1xf32>) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}

// -----

// Center-point boxes become corners (center -/+ half the size); without a
// score threshold no score is compared with one, without a limit nothing
// is kept (the limit is 0).
// CHECK-LABEL: func @nms_center_defaults
// CHECK: arith.constant 5.000000e-01 : f32
// CHECK-NOT: tensor.extract %arg2
func.func @nms_center_defaults(%b: tensor<2x6x4xf32>, %s: tensor<2x1x6xf32>) -> tensor<?x3xi64> {
  %none = onnx.NoValue
  %0 = onnx.NonMaxSuppression(%b, %s, %none, %none, %none) {center_point_box = 1 : i64} : (tensor<2x6x4xf32>, tensor<2x1x6xf32>, none, none, none) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}

// -----

// Pattern: UniqueLowering
// Unsorted, without an axis: the positions are sorted by value (heap), each
// run of equal values is a group (count, first position, size, and the
// group of each position); the groups are then renumbered in the order of
// their first positions (marks, a scan) and the inverse indices mapped.
// Y gathers the first positions; indices and counts are the first
// count elements.
// CHECK-LABEL: func @unique_unsorted
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<6xf32>)
// CHECK: scf.while
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf ogt
// CHECK: %[[G:.*]]:6 = scf.for {{.*}} -> (tensor<?xi64>, index, tensor<6xi64>, tensor<6xi64>, tensor<6xi64>, index)
// CHECK: %[[MARKS:.*]] = linalg.fill
// CHECK: %[[MARKED:.*]] = scf.for %{{.*}} = %{{.*}} to %[[G]]#1 {{.*}} iter_args(%{{.*}} = %[[MARKS]])
// CHECK: %[[RN:.*]]:4 = scf.for
// CHECK: tensor.extract %[[MARKED]]
// CHECK: scf.if
// CHECK: %[[INV:.*]] = linalg.generic
// CHECK: %[[Y:.*]] = linalg.generic
// CHECK: tensor.extract %[[RN]]#0
// CHECK: tensor.extract %[[X]]
// CHECK: %[[IDX:.*]] = tensor.extract_slice %[[RN]]#0[0] [%[[G]]#1] [1]
// CHECK: %[[CNT:.*]] = tensor.extract_slice %[[RN]]#1[0] [%[[G]]#1] [1]
// CHECK: return %[[Y]], %[[IDX]], %[[INV]], %[[CNT]]
func.func @unique_unsorted(%x: tensor<6xf32>) -> (tensor<?xf32>, tensor<?xi64>, tensor<6xi64>, tensor<?xi64>) {
  %y, %i, %v, %c = onnx.Unique(%x) {sorted = 0 : i64} : (tensor<6xf32>) -> (tensor<?xf32>, tensor<?xi64>, tensor<6xi64>, tensor<?xi64>)
  return %y, %i, %v, %c : tensor<?xf32>, tensor<?xi64>, tensor<6xi64>, tensor<?xi64>
}

// -----

// Sorted, along axis 1 of a 3-D input: slices compare element by element
// in a while loop that stops at the first difference (unsigned compares);
// no renumbering. Absent results stay absent; the static result type is
// trusted.
// CHECK-LABEL: func @unique_sorted_axis
// CHECK: scf.while {{.*}} : (index, i32) -> (index, i32)
// CHECK: arith.remui
// CHECK: arith.divui
// CHECK: arith.cmpi ult, %{{.*}}, %{{.*}} : i8
// CHECK: arith.cmpi ugt, %{{.*}}, %{{.*}} : i8
// CHECK-NOT: linalg.fill
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x3x2xi8>)
// CHECK: return %[[Y]]
func.func @unique_sorted_axis(%x: tensor<2x4x2xui8>) -> tensor<2x3x2xui8> {
  %y, %i, %v, %c = onnx.Unique(%x) {axis = 1 : i64} : (tensor<2x4x2xui8>) -> (tensor<2x3x2xui8>, none, none, none)
  return %y : tensor<2x3x2xui8>
}
