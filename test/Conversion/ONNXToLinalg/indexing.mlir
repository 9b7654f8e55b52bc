// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --split-input-file | FileCheck %s

// Operators that compute an index per output element and read the input
// through tensor.extract: gathers, OneHot, ReverseSequence, Hardmax, EyeLike.
// Scatters are in scatter.mlir.

// Pattern: GatherLowering
// Gather on axis 1 with 2-D indices: the loop nest is [d0, i0, i1, d2], the
// indices are read at (i0, i1), a negative index wraps by the axis size 5.
// CHECK-DAG: #[[IDX:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2)>
// CHECK-LABEL: func @gather_axis1
// CHECK-SAME: (%[[X:.*]]: tensor<3x5x2xf32>, %[[I:.*]]: tensor<4x6xi32>)
// CHECK: %[[C5:.*]] = arith.constant 5 : index
// CHECK: linalg.generic {indexing_maps = [#[[IDX]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[I]] : tensor<4x6xi32>)
// CHECK: ^bb0(%[[V:.*]]: i32, %{{.*}}: f32):
// CHECK: %[[IX:.*]] = arith.index_cast %[[V]] : i32 to index
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[IX]], %{{.*}}
// CHECK: %[[WRAP:.*]] = arith.addi %[[IX]], %[[C5]]
// CHECK: %[[K:.*]] = arith.select %[[NEG]], %[[WRAP]], %[[IX]]
// CHECK: %[[A:.*]] = linalg.index 0 : index
// CHECK: %[[B:.*]] = linalg.index 3 : index
// CHECK: tensor.extract %[[X]][%[[A]], %[[K]], %[[B]]] : tensor<3x5x2xf32>
func.func @gather_axis1(%x: tensor<3x5x2xf32>, %i: tensor<4x6xi32>) -> tensor<3x4x6x2xf32> {
  %0 = onnx.Gather(%x, %i) {axis = 1 : i64} : (tensor<3x5x2xf32>, tensor<4x6xi32>) -> tensor<3x4x6x2xf32>
  return %0 : tensor<3x4x6x2xf32>
}

// -----

// A scalar index removes the gathered dimension: the indices map is empty
// and the output dimension 0 reads input dimension 1.
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func @gather_scalar_index
// CHECK: linalg.generic {indexing_maps = [#[[SCALAR]], #{{.*}}]
// CHECK: %[[J:.*]] = linalg.index 0 : index
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %[[J]]] : tensor<5x3xf32>
func.func @gather_scalar_index(%x: tensor<5x3xf32>, %i: tensor<i64>) -> tensor<3xf32> {
  %0 = onnx.Gather(%x, %i) : (tensor<5x3xf32>, tensor<i64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// A constant scalar index (q, k and v taken out of a stacked projection)
// is a rank-reducing slice at that index, which bufferizes to a view of
// the input rather than a copy; a negative one counts from the end.
// CHECK-LABEL: func.func @gather_constant_index(
// CHECK-SAME: %[[X:.*]]: tensor<3x?x4x16xf32>
// CHECK-NOT: linalg.generic
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<3x?x4x16xf32>
// CHECK: tensor.extract_slice %[[X]][1, 0, 0, 0] [1, %[[N]], 4, 16] [1, 1, 1, 1] : tensor<3x?x4x16xf32> to tensor<?x4x16xf32>
// CHECK: tensor.extract_slice %[[X]][2, 0, 0, 0] [1, %{{.*}}, 4, 16] [1, 1, 1, 1] : tensor<3x?x4x16xf32> to tensor<?x4x16xf32>
// CHECK: tensor.extract_slice %[[X]][0, 0, 2, 0] [3, %{{.*}}, 1, 16] [1, 1, 1, 1] : tensor<3x?x4x16xf32> to tensor<3x?x16xf32>
func.func @gather_constant_index(%x: tensor<3x?x4x16xf32>) -> (tensor<?x4x16xf32>, tensor<?x4x16xf32>, tensor<3x?x16xf32>) {
  %i = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %j = onnx.Constant() {value = dense<-1> : tensor<i32>} : () -> tensor<i32>
  %k = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %0 = onnx.Gather(%x, %i) : (tensor<3x?x4x16xf32>, tensor<i64>) -> tensor<?x4x16xf32>
  %1 = onnx.Gather(%x, %j) : (tensor<3x?x4x16xf32>, tensor<i32>) -> tensor<?x4x16xf32>
  %2 = onnx.Gather(%x, %k) {axis = 2 : i64} : (tensor<3x?x4x16xf32>, tensor<i64>) -> tensor<3x?x16xf32>
  return %0, %1, %2 : tensor<?x4x16xf32>, tensor<?x4x16xf32>, tensor<3x?x16xf32>
}

// -----

// negative_: a constant index that is out of range, or negative on a
// dynamic axis, keeps the generic gather.
// CHECK-LABEL: func.func @negative_gather_constant_index(
// CHECK-NOT: tensor.extract_slice
// CHECK: linalg.generic
// CHECK: linalg.generic
func.func @negative_gather_constant_index(%x: tensor<3x4xf32>, %y: tensor<?x4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %i = onnx.Constant() {value = dense<3> : tensor<i64>} : () -> tensor<i64>
  %j = onnx.Constant() {value = dense<-1> : tensor<i64>} : () -> tensor<i64>
  %0 = onnx.Gather(%x, %i) : (tensor<3x4xf32>, tensor<i64>) -> tensor<4xf32>
  %1 = onnx.Gather(%y, %j) : (tensor<?x4xf32>, tensor<i64>) -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Pattern: GatherElementsLowering
// GatherElements replaces the axis coordinate by the (wrapped) index at the
// same position.
// CHECK-LABEL: func @gather_elements
// CHECK: %[[C3:.*]] = arith.constant 3 : index
// CHECK: ^bb0(%[[V:.*]]: i64, %{{.*}}: f32):
// CHECK: %[[IX:.*]] = arith.index_cast %[[V]] : i64 to index
// CHECK: %[[WRAP:.*]] = arith.addi %[[IX]], %[[C3]]
// CHECK: %[[K:.*]] = arith.select %{{.*}}, %[[WRAP]], %[[IX]]
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: tensor.extract %{{.*}}[%[[K]], %[[J]]] : tensor<3x4xf32>
func.func @gather_elements(%x: tensor<3x4xf32>, %i: tensor<2x4xi64>) -> tensor<2x4xf32> {
  %0 = onnx.GatherElements(%x, %i) {axis = 0 : i64} : (tensor<3x4xf32>, tensor<2x4xi64>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Pattern: GatherNDLowering
// GatherND with index tuples of length 2 into a rank-3 input: out[n, c] =
// data[idx[n, 0], idx[n, 1], c], each index wrapped by its own dimension.
// CHECK-LABEL: func @gather_nd
// CHECK-SAME: (%[[X:.*]]: tensor<3x4x2xf32>, %[[I:.*]]: tensor<5x2xi64>)
// CHECK: %[[N:.*]] = linalg.index 0 : index
// CHECK: %[[C:.*]] = linalg.index 1 : index
// CHECK: %[[E0:.*]] = tensor.extract %[[I]][%[[N]], %c0{{.*}}] : tensor<5x2xi64>
// CHECK: %[[I0:.*]] = arith.index_cast %[[E0]]
// CHECK: %[[W0:.*]] = arith.addi %[[I0]], %c3
// CHECK: %[[K0:.*]] = arith.select %{{.*}}, %[[W0]], %[[I0]]
// CHECK: %[[E1:.*]] = tensor.extract %[[I]][%[[N]], %c1{{.*}}] : tensor<5x2xi64>
// CHECK: %[[I1:.*]] = arith.index_cast %[[E1]]
// CHECK: %[[W1:.*]] = arith.addi %[[I1]], %c4
// CHECK: %[[K1:.*]] = arith.select %{{.*}}, %[[W1]], %[[I1]]
// CHECK: tensor.extract %[[X]][%[[K0]], %[[K1]], %[[C]]] : tensor<3x4x2xf32>
func.func @gather_nd(%x: tensor<3x4x2xf32>, %i: tensor<5x2xi64>) -> tensor<5x2xf32> {
  %0 = onnx.GatherND(%x, %i) : (tensor<3x4x2xf32>, tensor<5x2xi64>) -> tensor<5x2xf32>
  return %0 : tensor<5x2xf32>
}

// -----

// GatherND with batch_dims = 1: the batch coordinate is shared by the
// indices and the data.
// CHECK-LABEL: func @gather_nd_batch
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>, %[[I:.*]]: tensor<2x5x1xi64>)
// CHECK: %[[B:.*]] = linalg.index 0 : index
// CHECK: %[[P:.*]] = linalg.index 1 : index
// CHECK: %[[R:.*]] = linalg.index 2 : index
// CHECK: tensor.extract %[[I]][%[[B]], %[[P]], %c0{{.*}}] : tensor<2x5x1xi64>
// CHECK: %[[K:.*]] = arith.select
// CHECK: tensor.extract %[[X]][%[[B]], %[[K]], %[[R]]] : tensor<2x3x4xf32>
func.func @gather_nd_batch(%x: tensor<2x3x4xf32>, %i: tensor<2x5x1xi64>) -> tensor<2x5x4xf32> {
  %0 = onnx.GatherND(%x, %i) {batch_dims = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x5x1xi64>) -> tensor<2x5x4xf32>
  return %0 : tensor<2x5x4xf32>
}

// -----

// Pattern: OneHotLowering
// OneHot on axis 1: the indices skip the new dimension, a negative index
// wraps by depth (a float depth converts to i64), and the element is
// values[1] where the index equals the position along the axis, values[0]
// elsewhere.
// CHECK-DAG: #[[SKIP:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func @one_hot
// CHECK-SAME: (%[[I:.*]]: tensor<2x3xi64>, %[[D:.*]]: tensor<f32>, %[[V:.*]]: tensor<2xf32>)
// CHECK: %[[DF:.*]] = tensor.extract %[[D]][] : tensor<f32>
// CHECK: %[[DEPTH:.*]] = arith.fptosi %[[DF]] : f32 to i64
// CHECK: %[[OFF:.*]] = tensor.extract %[[V]][%{{.*}}] : tensor<2xf32>
// CHECK: %[[ON:.*]] = tensor.extract %[[V]][%{{.*}}] : tensor<2xf32>
// CHECK: linalg.generic {indexing_maps = [#[[SKIP]], #{{.*}}]{{.*}} ins(%[[I]] : tensor<2x3xi64>) outs(%{{.*}} : tensor<2x5x3xf32>)
// CHECK: ^bb0(%[[X:.*]]: i64, %{{.*}}: f32):
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[X]]
// CHECK: %[[WRAP:.*]] = arith.addi %[[X]], %[[DEPTH]]
// CHECK: %[[IDX:.*]] = arith.select %[[NEG]], %[[WRAP]], %[[X]]
// CHECK: %[[POS:.*]] = linalg.index 1 : index
// CHECK: %[[POS64:.*]] = arith.index_cast %[[POS]] : index to i64
// CHECK: %[[HIT:.*]] = arith.cmpi eq, %[[IDX]], %[[POS64]]
// CHECK: %[[R:.*]] = arith.select %[[HIT]], %[[ON]], %[[OFF]]
// CHECK: linalg.yield %[[R]]
func.func @one_hot(%i: tensor<2x3xi64>, %d: tensor<f32>, %v: tensor<2xf32>) -> tensor<2x5x3xf32> {
  %0 = onnx.OneHot(%i, %d, %v) {axis = 1 : i64} : (tensor<2x3xi64>, tensor<f32>, tensor<2xf32>) -> tensor<2x5x3xf32>
  return %0 : tensor<2x5x3xf32>
}

// -----

// Pattern: ReverseSequenceLowering
// ReverseSequence (time axis 0, batch axis 1): t < len[b] reads
// len[b] - 1 - t, the rest is copied.
// CHECK-LABEL: func @reverse_sequence
// CHECK-SAME: (%[[X:.*]]: tensor<4x3x2xf32>, %[[L:.*]]: tensor<3xi64>)
// CHECK: %[[T:.*]] = linalg.index 0 : index
// CHECK: %[[B:.*]] = linalg.index 1 : index
// CHECK: %[[C:.*]] = linalg.index 2 : index
// CHECK: %[[LEN64:.*]] = tensor.extract %[[L]][%[[B]]] : tensor<3xi64>
// CHECK: %[[LEN:.*]] = arith.index_cast %[[LEN64]] : i64 to index
// CHECK: %[[IN:.*]] = arith.cmpi slt, %[[T]], %[[LEN]] : index
// CHECK: %[[LAST:.*]] = arith.subi %[[LEN]], %c1
// CHECK: %[[REV:.*]] = arith.subi %[[LAST]], %[[T]]
// CHECK: %[[SRC:.*]] = arith.select %[[IN]], %[[REV]], %[[T]]
// CHECK: tensor.extract %[[X]][%[[SRC]], %[[B]], %[[C]]] : tensor<4x3x2xf32>
func.func @reverse_sequence(%x: tensor<4x3x2xf32>, %l: tensor<3xi64>) -> tensor<4x3x2xf32> {
  %0 = onnx.ReverseSequence(%x, %l) : (tensor<4x3x2xf32>, tensor<3xi64>) -> tensor<4x3x2xf32>
  return %0 : tensor<4x3x2xf32>
}

// -----

// Pattern: HardmaxLowering
// Hardmax: the first ArgMax along the axis (strict ogt), then 1 where the
// index along the axis equals it.
// CHECK-DAG: #[[ARG:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func @hardmax
// CHECK: %{{.*}}:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.cmpf ogt
// CHECK: %[[ARGMAX:.*]] = tensor.expand_shape %{{.*}}#1 {{\[}}[0, 1]] output_shape [2, 1]
// CHECK: linalg.generic {indexing_maps = [#[[ARG]], #{{.*}}]{{.*}} ins(%[[ARGMAX]] : tensor<2x1xi64>)
// CHECK: ^bb0(%[[A:.*]]: i64, %{{.*}}: f32):
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: %[[J64:.*]] = arith.index_cast %[[J]] : index to i64
// CHECK: %[[HIT:.*]] = arith.cmpi eq, %[[J64]], %[[A]]
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: arith.select %[[HIT]], %[[ONE]], %[[ZERO]]
func.func @hardmax(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = onnx.Hardmax(%x) {axis = 1 : i64} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// Pattern: EyeLikeLowering
// EyeLike with k = -1 and a bool dtype: true where i + k == j.
// CHECK-LABEL: func @eye_like
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x4xi1>)
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: %[[K:.*]] = arith.constant -1 : index
// CHECK: %[[IK:.*]] = arith.addi %[[I]], %[[K]] : index
// CHECK: %[[HIT:.*]] = arith.cmpi eq, %[[IK]], %[[J]] : index
// CHECK: %[[T:.*]] = arith.constant true
// CHECK: %[[F:.*]] = arith.constant false
// CHECK: arith.select %[[HIT]], %[[T]], %[[F]] : i1
func.func @eye_like(%x: tensor<3x4xf32>) -> tensor<3x4xi1> {
  %0 = onnx.EyeLike(%x) {dtype = 9 : i64, k = -1 : i64} : (tensor<3x4xf32>) -> tensor<3x4xi1>
  return %0 : tensor<3x4xi1>
}
