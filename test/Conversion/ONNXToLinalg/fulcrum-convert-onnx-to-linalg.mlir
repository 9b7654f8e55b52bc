// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --split-input-file | FileCheck %s

// Element-wise ops with numpy broadcasting: a static size-1 (or missing)
// dimension reads index 0 through the indexing map.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @add_broadcast
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf32>) outs(%[[E]] : tensor<2x3xf32>)
// CHECK: arith.addf
func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.Add(%a, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Unsigned tensors become signless; the ONNX signedness picks the
// instructions (uitofp, not sitofp).
// CHECK-LABEL: func @cast_unsigned
// CHECK-SAME: (%{{.*}}: tensor<4xi8>) -> tensor<4xf32>
// CHECK: arith.uitofp %{{.*}} : i8 to f32
func.func @cast_unsigned(%a: tensor<4xui8>) -> tensor<4xf32> {
  %0 = onnx.Cast(%a) {to = 1 : i64} : (tensor<4xui8>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Dynamic dimensions come from an operand that is not broadcast there.
// CHECK-LABEL: func @relu_dynamic
// CHECK: %[[D:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x8xf32>
// CHECK: tensor.empty(%[[D]]) : tensor<?x8xf32>
// CHECK: arith.maximumf
func.func @relu_dynamic(%a: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = onnx.Relu(%a) : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Absent optional inputs disappear with their users.
// CHECK-LABEL: func @clip_max_only
// CHECK-NOT: onnx.NoValue
// CHECK: arith.minimumf
// CHECK-NOT: arith.maximumf
func.func @clip_max_only(%a: tensor<4xf32>, %hi: tensor<f32>) -> tensor<4xf32> {
  %none = onnx.NoValue
  %0 = onnx.Clip(%a, %none, %hi) : (tensor<4xf32>, none, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// MatMul of a batched A by a matrix: A's batch and rows collapse into one
// linalg.matmul into a zero-filled accumulator.
// CHECK-LABEL: func @matmul_batch
// CHECK: %[[A:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<5x2x3xf32> into tensor<10x3xf32>
// CHECK: %[[Z:.*]] = linalg.fill
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[A]], %{{.*}} : tensor<10x3xf32>, tensor<3x4xf32>) outs(%[[Z]] : tensor<10x4xf32>)
// CHECK: tensor.expand_shape %[[P]] {{\[}}[0, 1], [2]] output_shape [5, 2, 4]
func.func @matmul_batch(%a: tensor<5x2x3xf32>, %b: tensor<3x4xf32>) -> tensor<5x2x4xf32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<5x2x3xf32>, tensor<3x4xf32>) -> tensor<5x2x4xf32>
  return %0 : tensor<5x2x4xf32>
}

// -----

// Gemm: transB is linalg.matmul_transpose_b; alpha and C form an
// element-wise epilogue.
// CHECK-LABEL: func @gemm_transb
// CHECK: %[[P:.*]] = linalg.matmul_transpose_b ins(%{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<4x3xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[P]], %{{.*}} : tensor<2x4xf32>, tensor<4xf32>)
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: arith.addf
func.func @gemm_transb(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>, %c: tensor<4xf32>) -> tensor<2x4xf32> {
  %0 = onnx.Gemm(%a, %b, %c) {alpha = 2.0 : f32, transB = 1 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Grouped Conv: padded input, groups made explicit for
// linalg.conv_2d_ngchw_gfchw, whose accumulator starts at the bias.
// CHECK-LABEL: func @conv_grouped
// CHECK: %[[X:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[B:.*]] = linalg.broadcast ins(%{{.*}} : tensor<4xf32>) outs(%{{.*}} : tensor<1x4x4x4xf32>) dimensions = [0, 2, 3]
// CHECK: %[[XG:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1, 2], [3], [4]] {{.*}} into tensor<1x2x2x10x10xf32>
// CHECK: %[[WG:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2], [3], [4]] {{.*}} into tensor<2x2x2x3x3xf32>
// CHECK: %[[BG:.*]] = tensor.expand_shape %[[B]] {{\[}}[0], [1, 2], [3], [4]] {{.*}} into tensor<1x2x2x4x4xf32>
// CHECK: %[[Y:.*]] = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[XG]], %[[WG]] : {{.*}}) outs(%[[BG]] : tensor<1x2x2x4x4xf32>)
// CHECK: tensor.collapse_shape %[[Y]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x2x4x4xf32> into tensor<1x4x4x4xf32>
func.func @conv_grouped(%x: tensor<1x4x8x8xf32>, %w: tensor<4x2x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  %0 = onnx.Conv(%x, %w, %b) {group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// MaxPool pads with -inf (and past the end for ceil_mode) and becomes
// linalg.pooling_nchw_max over a kernel-shaped window operand.
// CHECK-LABEL: func @maxpool
// CHECK: %[[X:.*]] = tensor.pad {{.*}} low[0, 0, 0, 0] high[0, 0, 1, 1]
// CHECK: tensor.yield %{{.*}} : f32
// CHECK: %[[K:.*]] = tensor.empty() : tensor<2x2xf32>
// CHECK: linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[X]], %[[K]] : tensor<1x1x6x6xf32>, tensor<2x2xf32>)
func.func @maxpool(%x: tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32> {
  %y, %i = onnx.MaxPool(%x) {ceil_mode = 1 : i64, kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x5x5xf32>) -> (tensor<1x1x3x3xf32>, none)
  return %y : tensor<1x1x3x3xf32>
}

// -----

// Softmax: max, then sum of exp(x - max), then the quotient.
// CHECK-LABEL: func @softmax
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: math.exp
// CHECK: arith.divf
func.func @softmax(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = onnx.Softmax(%x) : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// Tensor manipulation.
// CHECK-LABEL: func @tensor_ops
// CHECK: tensor.reshape %{{.*}}(%{{.*}}) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<6x4xf32>) outs(%{{.*}} : tensor<4x6xf32>) permutation = [1, 0]
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0] [4, 6] [1, 1]
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[4, 0] [4, 6] [1, 1]
func.func @tensor_ops(%x: tensor<2x3x4xf32>) -> tensor<8x6xf32> {
  %shape = onnx.Constant() {value = dense<[6, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %r = onnx.Reshape(%x, %shape) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  %t = onnx.Transpose(%r) : (tensor<6x4xf32>) -> tensor<4x6xf32>
  %c = onnx.Concat(%t, %t) {axis = 0 : i64} : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<8x6xf32>
  return %c : tensor<8x6xf32>
}

// -----

// Gather reads through tensor.extract; negative indices wrap.
// CHECK-LABEL: func @gather
// CHECK: linalg.generic
// CHECK: arith.cmpi slt
// CHECK: arith.select
// CHECK: tensor.extract
func.func @gather(%x: tensor<5x3xf32>, %i: tensor<2xi64>) -> tensor<2x3xf32> {
  %0 = onnx.Gather(%x, %i) : (tensor<5x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Expand to a size read at run time (a dynamic batch): the size is the
// larger of the target element and the static input size.
// CHECK-LABEL: func @expand_runtime_size
// CHECK: %[[E:.*]] = tensor.extract %{{.*}}[%c0
// CHECK: %[[I:.*]] = arith.index_cast %[[E]]
// CHECK: %[[S:.*]] = arith.maxsi %[[I]], %c1
// CHECK: tensor.empty(%[[S]]) : tensor<?x1x64xf32>
// CHECK: linalg.generic
func.func @expand_runtime_size(%cls: tensor<1x1x64xf32>, %t: tensor<3xi64>) -> tensor<?x1x64xf32> {
  %e = onnx.Expand(%cls, %t) : (tensor<1x1x64xf32>, tensor<3xi64>) -> tensor<?x1x64xf32>
  return %e : tensor<?x1x64xf32>
}

// -----

// Split of q, k, v along a static axis; the dynamic batch is taken whole.
// CHECK-LABEL: func @split_dynamic_batch
// CHECK: %[[B:.*]] = tensor.dim %{{.*}}, %c1
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0] [1, %[[B]], 64] [1, 1, 1]
// CHECK: tensor.extract_slice %{{.*}}[1, 0, 0] [2, %[[B]], 64] [1, 1, 1]
func.func @split_dynamic_batch(%x: tensor<3x?x64xf32>) -> (tensor<1x?x64xf32>, tensor<2x?x64xf32>) {
  %s = onnx.Constant() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %a, %b = onnx.Split(%x, %s) : (tensor<3x?x64xf32>, tensor<2xi64>) -> (tensor<1x?x64xf32>, tensor<2x?x64xf32>)
  return %a, %b : tensor<1x?x64xf32>, tensor<2x?x64xf32>
}
