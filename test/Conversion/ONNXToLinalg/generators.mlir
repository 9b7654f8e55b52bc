// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --split-input-file | FileCheck %s

// Operators that produce tensors from attributes, shapes or scalars:
// constants, Shape, Size, Range and the signal windows.

// Pattern: ConstantLowering
// Constants become arith.constant in every attribute form; unsigned values
// keep their bits in a signless type (255 : ui8 is -1 : i8).
// CHECK-LABEL: func @constants
// CHECK-DAG: arith.constant dense<[1, -1]> : tensor<2xi8>
// CHECK-DAG: arith.constant dense<2.500000e+00> : tensor<f32>
// CHECK-DAG: arith.constant dense<[1, 2, 3]> : tensor<3xi64>
// CHECK-DAG: arith.constant dense<7> : tensor<i64>
// CHECK-NOT: onnx.Constant
func.func @constants() -> (tensor<2xui8>, tensor<f32>, tensor<3xi64>, tensor<i64>) {
  %0 = onnx.Constant() {value = dense<[1, 255]> : tensor<2xui8>} : () -> tensor<2xui8>
  %1 = onnx.Constant() {value_float = 2.5 : f32} : () -> tensor<f32>
  %2 = onnx.Constant() {value_ints = array<i64: 1, 2, 3>} : () -> tensor<3xi64>
  %3 = onnx.Constant() {value_int = 7 : i64} : () -> tensor<i64>
  return %0, %1, %2, %3 : tensor<2xui8>, tensor<f32>, tensor<3xi64>, tensor<i64>
}

// -----

// A small dense_resource blob becomes dense<> (see
// small-resource-constants.mlir; large ones stay resources).
// CHECK-LABEL: func @constant_resource
// CHECK: arith.constant dense<[2, -1]> : tensor<2xi64>
func.func @constant_resource() -> tensor<2xi64> {
  %0 = onnx.Constant() {value = dense_resource<blob> : tensor<2xi64>} : () -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

{-#
  dialect_resources: {
    builtin: {
      blob: "0x080000000200000000000000FFFFFFFFFFFFFFFF"
    }
  }
#-}

// -----

// Pattern: ConstantV1Lowering
// Constant-1 has only the value attribute.
// CHECK-LABEL: func @constant_v1
// CHECK: arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
func.func @constant_v1() -> tensor<2xf32> {
  %0 = onnx.ConstantV1() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Pattern: ConstantOfShapeLowering
// A static result is a splat constant of the value attribute.
// CHECK-LABEL: func @constant_of_shape_static
// CHECK: arith.constant dense<7> : tensor<2x3xi32>
func.func @constant_of_shape_static(%s: tensor<2xi64>) -> tensor<2x3xi32> {
  %0 = onnx.ConstantOfShape(%s) {value = dense<7> : tensor<1xi32>} : (tensor<2xi64>) -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// A dynamic result reads its sizes from the shape operand and fills zeros
// (the default value).
// CHECK-LABEL: func @constant_of_shape_dynamic
// CHECK-SAME: (%[[S:.*]]: tensor<2xi64>)
// CHECK: %[[D:.*]] = tensor.extract %[[S]][%c0] : tensor<2xi64>
// CHECK: %[[DI:.*]] = arith.index_cast %[[D]] : i64 to index
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[E:.*]] = tensor.empty(%[[DI]]) : tensor<?x3xf32>
// CHECK: linalg.fill ins(%[[Z]] : f32) outs(%[[E]] : tensor<?x3xf32>)
func.func @constant_of_shape_dynamic(%s: tensor<2xi64>) -> tensor<?x3xf32> {
  %0 = onnx.ConstantOfShape(%s) : (tensor<2xi64>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// Pattern: ShapeLowering
// Shape with start = 1: the sizes of dimensions 1 and 2, dynamic ones read
// with tensor.dim.
// CHECK-LABEL: func @shape_start
// CHECK-SAME: (%[[X:.*]]: tensor<2x?x4xf32>)
// CHECK: %[[D1:.*]] = tensor.dim %[[X]], %c1 : tensor<2x?x4xf32>
// CHECK: %[[S1:.*]] = arith.index_cast %[[D1]] : index to i64
// CHECK: %[[S2:.*]] = arith.index_cast %c4 : index to i64
// CHECK: tensor.from_elements %[[S1]], %[[S2]] : tensor<2xi64>
func.func @shape_start(%x: tensor<2x?x4xf32>) -> tensor<2xi64> {
  %0 = onnx.Shape(%x) {start = 1 : i64} : (tensor<2x?x4xf32>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// Pattern: SizeLowering
// Size: the product of the sizes as a rank-0 i64 tensor.
// CHECK-LABEL: func @size
// CHECK: %[[D0:.*]] = tensor.dim %{{.*}}, %c0 : tensor<?x4xf32>
// CHECK: %[[P0:.*]] = arith.muli %c1, %[[D0]] : index
// CHECK: %[[P1:.*]] = arith.muli %[[P0]], %c4 : index
// CHECK: %[[N:.*]] = arith.index_cast %[[P1]] : index to i64
// CHECK: tensor.from_elements %[[N]] : tensor<i64>
func.func @size(%x: tensor<?x4xf32>) -> tensor<i64> {
  %0 = onnx.Size(%x) : (tensor<?x4xf32>) -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

// Pattern: RangeLowering
// Integer Range: n = max(ceildiv(limit - start, delta), 0), element
// start + i * delta.
// CHECK-LABEL: func @range_int
// CHECK-SAME: (%[[A:.*]]: tensor<i32>, %[[B:.*]]: tensor<i32>, %[[C:.*]]: tensor<i32>)
// CHECK: %[[START:.*]] = tensor.extract %[[A]][]
// CHECK: %[[LIMIT:.*]] = tensor.extract %[[B]][]
// CHECK: %[[DELTA:.*]] = tensor.extract %[[C]][]
// CHECK: %[[DIFF:.*]] = arith.subi %[[LIMIT]], %[[START]] : i32
// CHECK: %[[Q:.*]] = arith.ceildivsi %[[DIFF]], %[[DELTA]] : i32
// CHECK: %[[Q64:.*]] = arith.extsi %[[Q]] : i32 to i64
// CHECK: %[[N:.*]] = arith.maxsi %[[Q64]], %{{.*}} : i64
// CHECK: %[[NI:.*]] = arith.index_cast %[[N]] : i64 to index
// CHECK: tensor.empty(%[[NI]]) : tensor<?xi32>
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: %[[I64:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK: %[[I32:.*]] = arith.trunci %[[I64]] : i64 to i32
// CHECK: %[[M:.*]] = arith.muli %[[I32]], %[[DELTA]]
// CHECK: %[[V:.*]] = arith.addi %[[START]], %[[M]]
// CHECK: linalg.yield %[[V]]
func.func @range_int(%a: tensor<i32>, %b: tensor<i32>, %c: tensor<i32>) -> tensor<?xi32> {
  %0 = onnx.Range(%a, %b, %c) : (tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<?xi32>
  return %0 : tensor<?xi32>
}

// -----

// Float Range: n = ceil((limit - start) / delta).
// CHECK-LABEL: func @range_float
// CHECK: %[[DIFF:.*]] = arith.subf
// CHECK: %[[Q:.*]] = arith.divf %[[DIFF]]
// CHECK: %[[C:.*]] = math.ceil %[[Q]] : f32
// CHECK: arith.fptosi %[[C]] : f32 to i64
// CHECK: arith.sitofp %{{.*}} : i64 to f32
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @range_float(%a: tensor<f32>, %b: tensor<f32>, %c: tensor<f32>) -> tensor<?xf32> {
  %0 = onnx.Range(%a, %b, %c) : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// Pattern: WindowLowering<HannWindowOp>
// Periodic Hann window of length 8: 0.5 - 0.5 cos(2 pi k / 8), in f64.
// CHECK-LABEL: func @hann_periodic
// CHECK: %[[K:.*]] = arith.sitofp %{{.*}} : i64 to f64
// CHECK: %[[W:.*]] = arith.constant 0.78539816339744828 : f64
// CHECK: %[[ANGLE:.*]] = arith.mulf %[[K]], %[[W]] : f64
// CHECK: %[[A0:.*]] = arith.constant 5.000000e-01 : f64
// CHECK: %[[A1:.*]] = arith.constant -5.000000e-01 : f64
// CHECK: %[[COS:.*]] = math.cos %[[ANGLE]] : f64
// CHECK: %[[T:.*]] = arith.mulf %[[A1]], %[[COS]]
// CHECK: %[[V:.*]] = arith.addf %[[A0]], %[[T]]
// CHECK: %[[R:.*]] = arith.truncf %[[V]] : f64 to f32
// CHECK: linalg.yield %[[R]]
func.func @hann_periodic(%n: tensor<i64>) -> tensor<8xf32> {
  %0 = onnx.HannWindow(%n) : (tensor<i64>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// Pattern: WindowLowering<HammingWindowOp>
// Symmetric (periodic = 0) Hamming window of length 8: N = 7, coefficients
// 25/46 and -21/46.
// CHECK-LABEL: func @hamming_symmetric
// CHECK: arith.constant 0.89759790102565518 : f64
// CHECK: arith.constant 0.54347826086956519 : f64
// CHECK: arith.constant -0.45652173913043476 : f64
// CHECK: math.cos
func.func @hamming_symmetric(%n: tensor<i64>) -> tensor<8xf32> {
  %0 = onnx.HammingWindow(%n) {periodic = 0 : i64} : (tensor<i64>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// Pattern: WindowLowering<BlackmanWindowOp>
// Blackman window in f64 (no final conversion): 0.42 - 0.5 cos(a) +
// 0.08 cos(2a).
// CHECK-LABEL: func @blackman_f64
// CHECK: %[[ANGLE:.*]] = arith.mulf %{{.*}}, %{{.*}} : f64
// CHECK: arith.constant 4.200000e-01 : f64
// CHECK: arith.constant -5.000000e-01 : f64
// CHECK: math.cos %[[ANGLE]]
// CHECK: %[[V:.*]] = arith.addf
// CHECK: %[[A2:.*]] = arith.constant 8.000000e-02 : f64
// CHECK: %[[TWO:.*]] = arith.constant 2.000000e+00 : f64
// CHECK: %[[ANGLE2:.*]] = arith.mulf %[[ANGLE]], %[[TWO]]
// CHECK: %[[COS2:.*]] = math.cos %[[ANGLE2]]
// CHECK: %[[T2:.*]] = arith.mulf %[[A2]], %[[COS2]]
// CHECK: %[[R:.*]] = arith.addf %[[V]], %[[T2]]
// CHECK-NEXT: linalg.yield %[[R]] : f64
func.func @blackman_f64(%n: tensor<i64>) -> tensor<8xf64> {
  %0 = onnx.BlackmanWindow(%n) {output_datatype = 11 : i64} : (tensor<i64>) -> tensor<8xf64>
  return %0 : tensor<8xf64>
}
