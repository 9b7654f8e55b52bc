// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --split-input-file | FileCheck %s
// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --canonicalize --split-input-file | FileCheck %s --check-prefix=CANON

// Scatters: an scf.for nest over the updates carries a copy of the data and
// inserts every update at the coordinates its index names (later updates
// win), combining it with the old value under a reduction.

// Pattern: ScatterElementsLowering
// The index replaces the axis coordinate (negative ones wrap by the axis
// size 3); reduction "add" reads the old value and adds.
// CHECK-LABEL: func @scatter_elements_add
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<3x4xf32>, %[[I:[a-z0-9]+]]: tensor<2x4xi64>, %[[U:[a-z0-9]+]]: tensor<2x4xf32>)
// CHECK-DAG: %[[C3:[a-z0-9_]+]] = arith.constant 3 : index
// CHECK-DAG: %[[C2:[a-z0-9_]+]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:[a-z0-9_]+]] = arith.constant 4 : index
// CHECK: %[[R:[a-z0-9_]+]] = scf.for %[[A:[a-z0-9_]+]] = %{{.*}} to %[[C2]] step %{{.*}} iter_args(%[[ACC0:[a-z0-9_]+]] = %[[X]]) -> (tensor<3x4xf32>)
// CHECK: scf.for %[[B:[a-z0-9_]+]] = %{{.*}} to %[[C4]] step %{{.*}} iter_args(%[[ACC:[a-z0-9_]+]] = %[[ACC0]]) -> (tensor<3x4xf32>)
// CHECK: %[[V:[a-z0-9_]+]] = tensor.extract %[[I]][%[[A]], %[[B]]] : tensor<2x4xi64>
// CHECK: %[[IX:[a-z0-9_]+]] = arith.index_cast %[[V]] : i64 to index
// CHECK: %[[NEG:[a-z0-9_]+]] = arith.cmpi slt, %[[IX]]
// CHECK: %[[WRAP:[a-z0-9_]+]] = arith.addi %[[IX]], %[[C3]]
// CHECK: %[[K:[a-z0-9_]+]] = arith.select %[[NEG]], %[[WRAP]], %[[IX]]
// CHECK: %[[UPD:[a-z0-9_]+]] = tensor.extract %[[U]][%[[A]], %[[B]]]
// CHECK: %[[OLD:[a-z0-9_]+]] = tensor.extract %[[ACC]][%[[K]], %[[B]]]
// CHECK: %[[SUM:[a-z0-9_]+]] = arith.addf %[[OLD]], %[[UPD]] : f32
// CHECK: %[[INS:[a-z0-9_]+]] = tensor.insert %[[SUM]] into %[[ACC]][%[[K]], %[[B]]]
// CHECK: scf.yield %[[INS]]
// CHECK: return %[[R]]
func.func @scatter_elements_add(%x: tensor<3x4xf32>, %i: tensor<2x4xi64>, %u: tensor<2x4xf32>) -> tensor<3x4xf32> {
  %0 = onnx.ScatterElements(%x, %i, %u) {axis = 0 : i64, reduction = "add"} : (tensor<3x4xf32>, tensor<2x4xi64>, tensor<2x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// Without a reduction the update is inserted as is, here on axis 1 (the
// default reduction "none"), with dynamic sizes read from the updates.
// CHECK-LABEL: func @scatter_elements_axis1_dynamic
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<?x5xi32>, %[[I:[a-z0-9]+]]: tensor<?x2xi32>, %[[U:[a-z0-9]+]]: tensor<?x2xi32>)
// CHECK: %[[N:[a-z0-9_]+]] = tensor.dim %[[U]], %{{.*}} : tensor<?x2xi32>
// CHECK: scf.for %[[A:[a-z0-9_]+]] = %{{.*}} to %[[N]]
// CHECK: scf.for %[[B:[a-z0-9_]+]] =
// CHECK: %[[V:[a-z0-9_]+]] = tensor.extract %[[I]][%[[A]], %[[B]]] : tensor<?x2xi32>
// CHECK: %[[IX:[a-z0-9_]+]] = arith.index_cast %[[V]] : i32 to index
// CHECK: %[[K:[a-z0-9_]+]] = arith.select
// CHECK: %[[UPD:[a-z0-9_]+]] = tensor.extract %[[U]][%[[A]], %[[B]]]
// CHECK-NOT: tensor.extract
// CHECK: tensor.insert %[[UPD]] into %{{.*}}[%[[A]], %[[K]]]
func.func @scatter_elements_axis1_dynamic(%x: tensor<?x5xi32>, %i: tensor<?x2xi32>, %u: tensor<?x2xi32>) -> tensor<?x5xi32> {
  %0 = onnx.ScatterElements(%x, %i, %u) {axis = 1 : i64} : (tensor<?x5xi32>, tensor<?x2xi32>, tensor<?x2xi32>) -> tensor<?x5xi32>
  return %0 : tensor<?x5xi32>
}

// -----

// Unsigned data combine with the unsigned min.
// CHECK-LABEL: func @scatter_elements_min_unsigned
// CHECK: arith.minui %{{.*}}, %{{.*}} : i8
func.func @scatter_elements_min_unsigned(%x: tensor<4xui8>, %i: tensor<2xi64>, %u: tensor<2xui8>) -> tensor<4xui8> {
  %0 = onnx.ScatterElements(%x, %i, %u) {reduction = "min"} : (tensor<4xui8>, tensor<2xi64>, tensor<2xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

// Pattern: ScatterNDLowering
// Index depth 2 into rank-3 data: the loops run over the updates
// (indices[:-1] x data[2:]); the first two coordinates are read from the
// indices row and wrap by the data sizes 4 and 5; reduction "max" on
// unsigned data.
// CHECK-LABEL: func @scatter_nd_max
// CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<4x5x6xi8>, %[[I:[a-z0-9]+]]: tensor<2x2xi64>, %[[U:[a-z0-9]+]]: tensor<2x6xi8>)
// CHECK: scf.for %[[A:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC0:[a-z0-9_]+]] = %[[X]])
// CHECK: scf.for %[[B:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:[a-z0-9_]+]] = %[[ACC0]])
// CHECK: %[[V0:[a-z0-9_]+]] = tensor.extract %[[I]][%[[A]], %{{.*}}] : tensor<2x2xi64>
// CHECK: %[[C4:[a-z0-9_]+]] = arith.constant 4 : index
// CHECK: %[[K0:[a-z0-9_]+]] = arith.select
// CHECK: %[[V1:[a-z0-9_]+]] = tensor.extract %[[I]][%[[A]], %{{.*}}] : tensor<2x2xi64>
// CHECK: %[[C5:[a-z0-9_]+]] = arith.constant 5 : index
// CHECK: %[[K1:[a-z0-9_]+]] = arith.select
// CHECK: %[[UPD:[a-z0-9_]+]] = tensor.extract %[[U]][%[[A]], %[[B]]]
// CHECK: %[[OLD:[a-z0-9_]+]] = tensor.extract %[[ACC]][%[[K0]], %[[K1]], %[[B]]]
// CHECK: %[[M:[a-z0-9_]+]] = arith.maxui %[[OLD]], %[[UPD]] : i8
// CHECK: tensor.insert %[[M]] into %[[ACC]][%[[K0]], %[[K1]], %[[B]]]
func.func @scatter_nd_max(%x: tensor<4x5x6xui8>, %i: tensor<2x2xi64>, %u: tensor<2x6xui8>) -> tensor<4x5x6xui8> {
  %0 = onnx.ScatterND(%x, %i, %u) {reduction = "max"} : (tensor<4x5x6xui8>, tensor<2x2xi64>, tensor<2x6xui8>) -> tensor<4x5x6xui8>
  return %0 : tensor<4x5x6xui8>
}

// -----

// A full-depth index writes single elements; "mul" on floats.
// CHECK-LABEL: func @scatter_nd_mul_elements
// CHECK: scf.for
// CHECK-NOT: scf.for
// CHECK: arith.mulf
// CHECK: tensor.insert %{{.*}} into %{{.*}}[%{{.*}}, %{{.*}}] : tensor<3x3xf32>
func.func @scatter_nd_mul_elements(%x: tensor<3x3xf32>, %i: tensor<4x2xi64>, %u: tensor<4xf32>) -> tensor<3x3xf32> {
  %0 = onnx.ScatterND(%x, %i, %u) {reduction = "mul"} : (tensor<3x3xf32>, tensor<4x2xi64>, tensor<4xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

// Pattern: MaxUnpoolLowering
// (Canonicalized.) A zero tensor receives each X element at its MaxPool index: a flat
// position in the shape (2 - 1) * 2 + 2 = 4 per spatial dimension, taken
// apart row-major (remainders and quotients by 4, 4 and 1).
// CANON-LABEL: func @maxunpool
// CANON-SAME: (%[[X:[a-z0-9_]+]]: tensor<1x1x2x2xf32>, %[[I:[a-z0-9_]+]]: tensor<1x1x2x2xi64>)
// CANON-DAG: %[[C4:.*]] = arith.constant 4 : index
// CANON: %[[Z:.*]] = linalg.fill
// CANON: scf.for %[[A:[a-z0-9_]+]] = {{.*}} iter_args(%{{.*}} = %[[Z]])
// CANON: scf.for %[[B:[a-z0-9_]+]] = {{.*}} iter_args(%[[ACC:[a-z0-9_]+]] = %{{.*}})
// CANON: %[[V:.*]] = tensor.extract %[[I]][%{{.*}}, %{{.*}}, %[[A]], %[[B]]]
// CANON: %[[F:.*]] = arith.index_cast %[[V]] : i64 to index
// CANON: %[[W:.*]] = arith.remui %[[F]], %[[C4]]
// CANON: %[[Q:.*]] = arith.divui %[[F]], %[[C4]]
// CANON: %[[H:.*]] = arith.remui %[[Q]], %[[C4]]
// CANON: %[[N:.*]] = arith.divui %[[Q]], %[[C4]]
// CANON: %[[E:.*]] = tensor.extract %[[X]][%{{.*}}, %{{.*}}, %[[A]], %[[B]]]
// CANON: tensor.insert %[[E]] into %[[ACC]][%[[N]], %{{.*}}, %[[H]], %[[W]]]
func.func @maxunpool(%x: tensor<1x1x2x2xf32>, %i: tensor<1x1x2x2xi64>) -> tensor<1x1x4x4xf32> {
  %none = onnx.NoValue
  %0 = onnx.MaxUnpool(%x, %i, %none) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>, none) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// With output_shape the output's dynamic sizes are read from it; the
// indices still refer to the inferred shape.
// CANON-LABEL: func @maxunpool_output_shape
// CANON-SAME: (%{{.*}}: tensor<1x1x2x2xf32>, %{{.*}}: tensor<1x1x2x2xi64>, %[[S:[a-z0-9_]+]]: tensor<4xi64>)
// CANON-DAG: %[[C4:.*]] = arith.constant 4 : index
// CANON: %[[H:.*]] = tensor.extract %[[S]][%{{.*}}] : tensor<4xi64>
// CANON: %[[W:.*]] = tensor.extract %[[S]][%{{.*}}] : tensor<4xi64>
// CANON: tensor.empty(%{{.*}}, %{{.*}}) : tensor<1x1x?x?xf32>
// CANON: arith.remui %{{.*}}, %[[C4]]
func.func @maxunpool_output_shape(%x: tensor<1x1x2x2xf32>, %i: tensor<1x1x2x2xi64>, %s: tensor<4xi64>) -> tensor<1x1x?x?xf32> {
  %0 = onnx.MaxUnpool(%x, %i, %s) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>, tensor<4xi64>) -> tensor<1x1x?x?xf32>
  return %0 : tensor<1x1x?x?xf32>
}
