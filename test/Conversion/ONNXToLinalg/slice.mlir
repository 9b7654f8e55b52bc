// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --canonicalize --split-input-file | FileCheck %s

// Slice. Canonicalization folds the run-time start/step/size computation of
// constant parameters, so the checks below see the values the ONNX clamping
// rules produce.

// Pattern: SliceLowering
// Constant parameters and positive steps: one tensor.extract_slice. A
// negative start counts from the end (-8 + 10 = 2) and an end past the
// dimension is clamped: 2, 5, 8 -> 3 rows.
// CHECK-LABEL: func @slice_static_clamped
// CHECK: tensor.extract_slice %{{.*}}[2, 0] [3, 8] [3, 1] : tensor<10x8xf32> to tensor<3x8xf32>
func.func @slice_static_clamped(%x: tensor<10x8xf32>) -> tensor<3x8xf32> {
  %s = onnx.Constant() {value = dense<[-8]> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = onnx.Constant() {value = dense<[100]> : tensor<1xi64>} : () -> tensor<1xi64>
  %a = onnx.Constant() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %st = onnx.Constant() {value = dense<[3]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = onnx.Slice(%x, %s, %e, %a, %st) : (tensor<10x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3x8xf32>
  return %0 : tensor<3x8xf32>
}

// -----

// Without axes, starts apply to the leading dimensions; a start beyond the
// dimension clamps to it.
// CHECK-LABEL: func @slice_static_no_axes
// CHECK: tensor.extract_slice %{{.*}}[1, 0] [2, 8] [1, 1] : tensor<10x8xf32> to tensor<2x8xf32>
func.func @slice_static_no_axes(%x: tensor<10x8xf32>) -> tensor<2x8xf32> {
  %s = onnx.Constant() {value = dense<[1, 0]> : tensor<2xi64>} : () -> tensor<2xi64>
  %e = onnx.Constant() {value = dense<[3, 8]> : tensor<2xi64>} : () -> tensor<2xi64>
  %none = onnx.NoValue
  %0 = onnx.Slice(%x, %s, %e, %none, %none) : (tensor<10x8xf32>, tensor<2xi64>, tensor<2xi64>, none, none) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

// A dynamic dimension that is not sliced (a batch) is taken whole: the
// slice of the last axis (a stacked projection's third part) is still one
// tensor.extract_slice, sized by tensor.dim. Slicing the dynamic dimension
// itself needs the run-time clamping rules (a generic, negative_).
// CHECK-LABEL: func @slice_dynamic_batch
// CHECK: %[[N:.*]] = tensor.dim %{{.*}}, %c1 : tensor<50x?x192xf32>
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 128] [50, %[[N]], 64] [1, 1, 1] : tensor<50x?x192xf32> to tensor<50x?x64xf32>
// CHECK-LABEL: func @negative_slice_dynamic_axis
// CHECK-NOT: tensor.extract_slice
// CHECK: linalg.generic
// CHECK: tensor.extract
func.func @slice_dynamic_batch(%x: tensor<50x?x192xf32>) -> tensor<50x?x64xf32> {
  %s = onnx.Constant() {value = dense<[128]> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = onnx.Constant() {value = dense<[192]> : tensor<1xi64>} : () -> tensor<1xi64>
  %a = onnx.Constant() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %none = onnx.NoValue
  %0 = onnx.Slice(%x, %s, %e, %a, %none) : (tensor<50x?x192xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, none) -> tensor<50x?x64xf32>
  return %0 : tensor<50x?x64xf32>
}
func.func @negative_slice_dynamic_axis(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %s = onnx.Constant() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = onnx.Constant() {value = dense<[3]> : tensor<1xi64>} : () -> tensor<1xi64>
  %a = onnx.Constant() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %none = onnx.NoValue
  %0 = onnx.Slice(%x, %s, %e, %a, %none) : (tensor<?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, none) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// A negative step reads backwards: start -2 wraps to 8 and the elements are
// 8, 5, 2 (an end of INT64_MIN + 1 means "through the first element").
// CHECK-LABEL: func @slice_negative_step
// CHECK-NOT: tensor.extract_slice
// CHECK-DAG: %[[START:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[STEP:.*]] = arith.constant -3 : index
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x8xf32>)
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: %[[OFF:.*]] = arith.muli %[[I]], %[[STEP]] : index
// CHECK: %[[ROW:.*]] = arith.addi %[[OFF]], %[[START]] : index
// CHECK: tensor.extract %{{.*}}[%[[ROW]], %[[J]]] : tensor<10x8xf32>
func.func @slice_negative_step(%x: tensor<10x8xf32>) -> tensor<3x8xf32> {
  %s = onnx.Constant() {value = dense<[-2]> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = onnx.Constant() {value = dense<[-9223372036854775807]> : tensor<1xi64>} : () -> tensor<1xi64>
  %a = onnx.Constant() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %st = onnx.Constant() {value = dense<[-3]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = onnx.Slice(%x, %s, %e, %a, %st) : (tensor<10x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3x8xf32>
  return %0 : tensor<3x8xf32>
}

// -----

// Reversing the whole last axis (axis -1, start past the end clamps to
// dim - 1 = 7, step -1).
// CHECK-LABEL: func @slice_reverse_last_axis
// CHECK-DAG: %[[START:.*]] = arith.constant 7 : index
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: %[[COL:.*]] = arith.subi %[[START]], %[[J]] : index
// CHECK: tensor.extract %{{.*}}[%[[I]], %[[COL]]] : tensor<10x8xf32>
func.func @slice_reverse_last_axis(%x: tensor<10x8xf32>) -> tensor<10x8xf32> {
  %s = onnx.Constant() {value = dense<[100]> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = onnx.Constant() {value = dense<[-100]> : tensor<1xi64>} : () -> tensor<1xi64>
  %a = onnx.Constant() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %st = onnx.Constant() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = onnx.Slice(%x, %s, %e, %a, %st) : (tensor<10x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<10x8xf32>
  return %0 : tensor<10x8xf32>
}

// -----

// Run-time starts and ends on a dynamic dimension: negative values wrap by
// the dimension, both clamp into [0, dim], and the size is
// max(end - start, 0) (step 1).
// CHECK-LABEL: func @slice_runtime
// CHECK-SAME: (%[[X:.*]]: tensor<10x?xf32>, %[[S:.*]]: tensor<1xi64>, %[[E:.*]]: tensor<1xi64>)
// CHECK: %[[DIM:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[N:.*]] = arith.index_cast %[[DIM]] : index to i64
// CHECK: %[[S0:.*]] = tensor.extract %[[S]]
// CHECK: %[[E0:.*]] = tensor.extract %[[E]]
// CHECK: %[[SNEG:.*]] = arith.cmpi slt, %[[S0]], %[[ZERO:.*]] : i64
// CHECK: %[[SW:.*]] = arith.addi %[[S0]], %[[N]]
// CHECK: %[[SS:.*]] = arith.select %[[SNEG]], %[[SW]], %[[S0]]
// CHECK: %[[SLO:.*]] = arith.maxsi %[[SS]], %[[ZERO]]
// CHECK: %[[START:.*]] = arith.minsi %[[SLO]], %[[N]]
// CHECK: %[[ENEG:.*]] = arith.cmpi slt, %[[E0]], %[[ZERO]]
// CHECK: %[[EW:.*]] = arith.addi %[[E0]], %[[N]]
// CHECK: %[[ES:.*]] = arith.select %[[ENEG]], %[[EW]], %[[E0]]
// CHECK: %[[ELO:.*]] = arith.maxsi %[[ES]], %[[ZERO]]
// CHECK: %[[END:.*]] = arith.minsi %[[ELO]], %[[N]]
// CHECK: %[[LEN:.*]] = arith.subi %[[END]], %[[START]]
// CHECK: %[[SIZE:.*]] = arith.maxsi %[[LEN]], %[[ZERO]]
// CHECK: %[[SIZEI:.*]] = arith.index_cast %[[SIZE]] : i64 to index
// CHECK: %[[STARTI:.*]] = arith.index_cast %[[START]] : i64 to index
// CHECK: tensor.empty(%[[SIZEI]]) : tensor<10x?xf32>
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: %[[J:.*]] = linalg.index 1
// CHECK: %[[COL:.*]] = arith.addi %[[STARTI]], %[[J]]
// CHECK: tensor.extract %[[X]][%[[I]], %[[COL]]]
func.func @slice_runtime(%x: tensor<10x?xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>) -> tensor<10x?xf32> {
  %a = onnx.Constant() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %none = onnx.NoValue
  %0 = onnx.Slice(%x, %s, %e, %a, %none) : (tensor<10x?xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, none) -> tensor<10x?xf32>
  return %0 : tensor<10x?xf32>
}

// -----

// A run-time step: for negative steps the start clamps into [0, dim - 1]
// and the end into [-1, dim - 1]; the size is ceil((end - start) / step).
// CHECK-LABEL: func @slice_runtime_step
// CHECK-DAG: %[[M1:.*]] = arith.constant -1 : i64
// CHECK-DAG: %[[NINE:.*]] = arith.constant 9 : i64
// CHECK-DAG: %[[TEN:.*]] = arith.constant 10 : i64
// CHECK: %[[STEP:.*]] = tensor.extract
// CHECK: %[[POS:.*]] = arith.cmpi sgt, %[[STEP]]
// CHECK: arith.minsi %{{.*}}, %[[TEN]]
// CHECK: arith.minsi %{{.*}}, %[[NINE]]
// CHECK: %[[START:.*]] = arith.select %[[POS]]
// CHECK: arith.minsi %{{.*}}, %[[TEN]]
// CHECK: %[[ELO:.*]] = arith.maxsi %{{.*}}, %[[M1]]
// CHECK: arith.minsi %[[ELO]], %[[NINE]]
// CHECK: %[[END:.*]] = arith.select %[[POS]]
// CHECK: %[[LEN:.*]] = arith.subi %[[END]], %[[START]]
// CHECK: arith.ceildivsi %[[LEN]], %[[STEP]]
func.func @slice_runtime_step(%x: tensor<10xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>, %st: tensor<1xi64>) -> tensor<?xf32> {
  %none = onnx.NoValue
  %0 = onnx.Slice(%x, %s, %e, %none, %st) : (tensor<10xf32>, tensor<1xi64>, tensor<1xi64>, none, tensor<1xi64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
