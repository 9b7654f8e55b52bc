// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --split-input-file | FileCheck %s

// MatMul, Gemm, Conv and pooling become named linalg ops where the shapes
// and attributes fit; negative_ cases take the linalg.generic fallback.

// Pattern: MatMulLowering
// Two matrices: linalg.matmul into a zero-filled accumulator.
// CHECK-LABEL: func @matmul_2d
// CHECK: %[[Z:.*]] = linalg.fill
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3x4xf32>) outs(%[[Z]] : tensor<2x4xf32>)
func.func @matmul_2d(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Equal batch dimensions (one dynamic) collapse into one for
// linalg.batch_matmul; the result is expanded back.
// CHECK-LABEL: func @matmul_batch_dynamic
// CHECK: %[[D:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<2x?x2x3xf32>
// CHECK: %[[A:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3]] : tensor<2x?x2x3xf32> into tensor<?x2x3xf32>
// CHECK: %[[B:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3]] : tensor<2x?x3x4xf32> into tensor<?x3x4xf32>
// CHECK: %[[P:.*]] = linalg.batch_matmul ins(%[[A]], %[[B]] : tensor<?x2x3xf32>, tensor<?x3x4xf32>)
// CHECK: tensor.expand_shape %[[P]] {{\[}}[0, 1], [2], [3]] output_shape [2, %[[D]], 2, 4]
func.func @matmul_batch_dynamic(%a: tensor<2x?x2x3xf32>, %b: tensor<2x?x3x4xf32>) -> tensor<2x?x2x4xf32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<2x?x2x3xf32>, tensor<2x?x3x4xf32>) -> tensor<2x?x2x4xf32>
  return %0 : tensor<2x?x2x4xf32>
}

// -----

// Batch dimensions that broadcast are expanded with linalg.broadcast
// (after dropping the operand's unit dimensions).
// CHECK-LABEL: func @matmul_broadcast_batch
// CHECK: %[[A1:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2], [3]] : tensor<2x1x2x3xf32> into tensor<2x2x3xf32>
// CHECK: %[[A:.*]] = linalg.broadcast ins(%[[A1]] : tensor<2x2x3xf32>) outs(%{{.*}} : tensor<2x3x2x3xf32>) dimensions = [1]
// CHECK: %[[B1:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3]] : tensor<1x3x3x4xf32> into tensor<3x3x4xf32>
// CHECK: %[[B:.*]] = linalg.broadcast ins(%[[B1]] : tensor<3x3x4xf32>) outs(%{{.*}} : tensor<2x3x3x4xf32>) dimensions = [0]
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<6x2x3xf32>, tensor<6x3x4xf32>)
func.func @matmul_broadcast_batch(%a: tensor<2x1x2x3xf32>, %b: tensor<1x3x3x4xf32>) -> tensor<2x3x2x4xf32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<2x1x2x3xf32>, tensor<1x3x3x4xf32>) -> tensor<2x3x2x4xf32>
  return %0 : tensor<2x3x2x4xf32>
}

// -----

// A matrix-vector product has no named op here: the generic reduction.
// CHECK-LABEL: func @negative_matmul_vector
// CHECK-NOT: linalg.matmul
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
func.func @negative_matmul_vector(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2xf32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Pattern: GemmLowering
// Gemm without C, alpha 1: just linalg.matmul, no epilogue.
// CHECK-LABEL: func @gemm_plain
// CHECK: %[[P:.*]] = linalg.matmul
// CHECK-NOT: linalg.generic
// CHECK: return %[[P]]
func.func @gemm_plain(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %none = onnx.NoValue
  %0 = onnx.Gemm(%a, %b, %none) : (tensor<2x3xf32>, tensor<3x4xf32>, none) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// transA is linalg.matmul_transpose_a (the dynamic M comes from A's
// second dimension); C is added by the epilogue.
// CHECK-LABEL: func @gemm_transa
// CHECK: %[[M:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<3x?xf32>
// CHECK: tensor.empty(%[[M]]) : tensor<?x4xf32>
// CHECK: %[[P:.*]] = linalg.matmul_transpose_a ins(%{{.*}}, %{{.*}} : tensor<3x?xf32>, tensor<3x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[P]], %{{.*}} : tensor<?x4xf32>, tensor<4xf32>)
// CHECK: arith.addf
func.func @gemm_transa(%a: tensor<3x?xf32>, %b: tensor<3x4xf32>, %c: tensor<4xf32>) -> tensor<?x4xf32> {
  %0 = onnx.Gemm(%a, %b, %c) {transA = 1 : i64} : (tensor<3x?xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Both transposed: B is transposed first, then linalg.matmul_transpose_a.
// CHECK-LABEL: func @gemm_transa_transb
// CHECK: %[[BT:.*]] = linalg.transpose ins(%{{.*}} : tensor<4x3xf32>) outs(%{{.*}} : tensor<3x4xf32>) permutation = [1, 0]
// CHECK: linalg.matmul_transpose_a ins(%{{.*}}, %[[BT]] : tensor<3x2xf32>, tensor<3x4xf32>)
func.func @gemm_transa_transb(%a: tensor<3x2xf32>, %b: tensor<4x3xf32>) -> tensor<2x4xf32> {
  %none = onnx.NoValue
  %0 = onnx.Gemm(%a, %b, %none) {transA = 1 : i64, transB = 1 : i64} : (tensor<3x2xf32>, tensor<4x3xf32>, none) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Pattern: ConvLowering
// 2-D Conv, group 1: linalg.conv_2d_nchw_fchw over the padded input, the
// accumulator is the bias broadcast (batch size from the input).
// CHECK-LABEL: func @conv_2d
// CHECK: %[[X:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x3x10x10xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x4x4x4xf32>
// CHECK: %[[B:.*]] = linalg.broadcast ins(%{{.*}} : tensor<4xf32>) outs(%[[E]] : tensor<?x4x4x4xf32>) dimensions = [0, 2, 3]
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[X]], %{{.*}} : tensor<?x3x10x10xf32>, tensor<4x3x3x3xf32>) outs(%[[B]] : tensor<?x4x4x4xf32>)
func.func @conv_2d(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<?x4x4x4xf32> {
  %0 = onnx.Conv(%x, %w, %b) {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<?x4x4x4xf32>
  return %0 : tensor<?x4x4x4xf32>
}

// -----

// Dynamic spatial sizes: the output sizes follow the window formula.
// CHECK-LABEL: func @conv_2d_dynamic_spatial
// CHECK: %[[H:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<1x3x?x?xf32>
// CHECK: %[[S:.*]] = arith.subi %[[H]], %{{.*}} : index
// CHECK: %[[Q:.*]] = arith.divsi %[[S]], %{{.*}} : index
// CHECK: %[[OH:.*]] = arith.addi %[[Q]], %{{.*}} : index
// CHECK: tensor.empty(%[[OH]], %{{.*}}) : tensor<1x4x?x?xf32>
// CHECK: linalg.conv_2d_nchw_fchw
func.func @conv_2d_dynamic_spatial(%x: tensor<1x3x?x?xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x?x?xf32> {
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w, %none) {strides = array<i64: 2, 2>} : (tensor<1x3x?x?xf32>, tensor<4x3x3x3xf32>, none) -> tensor<1x4x?x?xf32>
  return %0 : tensor<1x4x?x?xf32>
}

// -----

// 1-D Conv: linalg.conv_1d_ncw_fcw with dilations.
// CHECK-LABEL: func @conv_1d
// CHECK: linalg.conv_1d_ncw_fcw {dilations = dense<2> : tensor<1xi64>, strides = dense<1> : tensor<1xi64>} ins(%{{.*}}, %{{.*}} : tensor<1x3x8xf32>, tensor<4x3x3xf32>)
func.func @conv_1d(%x: tensor<1x3x8xf32>, %w: tensor<4x3x3xf32>) -> tensor<1x4x4xf32> {
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w, %none) {dilations = array<i64: 2>} : (tensor<1x3x8xf32>, tensor<4x3x3xf32>, none) -> tensor<1x4x4xf32>
  return %0 : tensor<1x4x4xf32>
}

// -----

// 3-D Conv: linalg.conv_3d_ncdhw_fcdhw.
// CHECK-LABEL: func @conv_3d
// CHECK: linalg.conv_3d_ncdhw_fcdhw {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x4x4x4xf32>, tensor<3x2x2x2x2xf32>)
func.func @conv_3d(%x: tensor<1x2x4x4x4xf32>, %w: tensor<3x2x2x2x2xf32>) -> tensor<1x3x3x3x3xf32> {
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w, %none) : (tensor<1x2x4x4x4xf32>, tensor<3x2x2x2x2xf32>, none) -> tensor<1x3x3x3x3xf32>
  return %0 : tensor<1x3x3x3x3xf32>
}

// -----

// Depthwise (group == channels, one filter each): the weight drops its
// unit dimension for linalg.depthwise_conv_2d_nchw_chw.
// CHECK-LABEL: func @conv_depthwise
// CHECK: %[[W:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3]] : tensor<4x1x3x3xf32> into tensor<4x3x3xf32>
// CHECK: linalg.depthwise_conv_2d_nchw_chw {{.*}} ins(%{{.*}}, %[[W]] : tensor<1x4x8x8xf32>, tensor<4x3x3xf32>)
func.func @conv_depthwise(%x: tensor<1x4x8x8xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<1x4x6x6xf32> {
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w, %none) {group = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>, none) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

// Grouped 1-D Conv has no named op: the generic over explicit groups.
// CHECK-LABEL: func @negative_conv_grouped_1d
// CHECK-NOT: linalg.conv
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
func.func @negative_conv_grouped_1d(%x: tensor<1x4x8xf32>, %w: tensor<4x2x3xf32>) -> tensor<1x4x6xf32> {
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w, %none) {group = 2 : i64} : (tensor<1x4x8xf32>, tensor<4x2x3xf32>, none) -> tensor<1x4x6xf32>
  return %0 : tensor<1x4x6xf32>
}

// -----

// Pattern: PoolLowering<MaxPoolOp>
// 1-D MaxPool: linalg.pooling_ncw_max.
// CHECK-LABEL: func @maxpool_1d
// CHECK: linalg.pooling_ncw_max {dilations = dense<1> : tensor<1xi64>, strides = dense<2> : tensor<1xi64>} ins(%{{.*}}, %{{.*}} : tensor<1x2x8xf32>, tensor<2xf32>)
func.func @maxpool_1d(%x: tensor<1x2x8xf32>) -> tensor<1x2x4xf32> {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = array<i64: 2>, strides = array<i64: 2>} : (tensor<1x2x8xf32>) -> (tensor<1x2x4xf32>, none)
  return %y : tensor<1x2x4xf32>
}

// -----

// A dynamic spatial size (an image of run-time width): the output size by
// the window formula (W - 2) / 2 + 1 from the input.
// CHECK-LABEL: func @maxpool_dynamic_width
// CHECK: %[[W:.*]] = tensor.dim %arg0, %c3
// CHECK: %[[SPAN:.*]] = arith.subi %[[W]], %c2
// CHECK: %[[Q:.*]] = arith.divsi %[[SPAN]], %c2
// CHECK: %[[OW:.*]] = arith.addi %[[Q]], %c1
// CHECK: tensor.empty(%{{.*}}, %[[OW]]) : tensor<?x2x4x?xf32>
// CHECK: linalg.pooling_nchw_max
func.func @maxpool_dynamic_width(%x: tensor<?x2x8x?xf32>) -> tensor<?x2x4x?xf32> {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x2x8x?xf32>) -> (tensor<?x2x4x?xf32>, none)
  return %y : tensor<?x2x4x?xf32>
}

// -----

// Pattern: PoolLowering<AveragePoolOp>
// AveragePool: linalg.pooling_nchw_sum over the zero-padded input, then
// the division by the window's element count.
// CHECK-LABEL: func @avgpool
// CHECK: %[[X:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[S:.*]] = linalg.pooling_nchw_sum {{.*}} ins(%[[X]], %{{.*}} : tensor<1x1x7x7xf32>, tensor<3x3xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[S]] : tensor<1x1x3x3xf32>)
// CHECK: arith.divf
func.func @avgpool(%x: tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32> {
  %0 = onnx.AveragePool(%x) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// -----

// 3-D pooling has no NCDHW named op: the window generic.
// CHECK-LABEL: func @negative_maxpool_3d
// CHECK-NOT: linalg.pooling
// CHECK: linalg.generic
// CHECK: arith.maximumf
func.func @negative_maxpool_3d(%x: tensor<1x1x4x4x4xf32>) -> tensor<1x1x2x2x2xf32> {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = array<i64: 2, 2, 2>, strides = array<i64: 2, 2, 2>} : (tensor<1x1x4x4x4xf32>) -> (tensor<1x1x2x2x2xf32>, none)
  return %y : tensor<1x1x2x2x2xf32>
}

// -----

// Unsigned MaxPool needs an unsigned maximum, which the NCHW named op
// lacks: the input's top bit flips (x ^ 0x80 maps u8 in order onto i8),
// the signed named op pools it (padding with -128, the image of u8 0),
// and the result flips back.
// CHECK-LABEL: func @maxpool_unsigned
// CHECK: %[[F:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<1x1x4x4xi8>)
// CHECK: arith.constant -128 : i8
// CHECK: arith.xori
// CHECK: %[[P:.*]] = linalg.pooling_nchw_max {{.*}} ins(%[[F]], %{{.*}} : tensor<1x1x4x4xi8>, tensor<2x2xi8>)
// CHECK: linalg.generic {{.*}} ins(%[[P]] : tensor<1x1x2x2xi8>)
// CHECK: arith.xori
// CHECK-NOT: arith.maxui
func.func @maxpool_unsigned(%x: tensor<1x1x4x4xui8>) -> tensor<1x1x2x2xui8> {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x4x4xui8>) -> (tensor<1x1x2x2xui8>, none)
  return %y : tensor<1x1x2x2xui8>
}

// -----

// 3-D unsigned pooling has no named op to flip into: the window generic
// with arith.maxui, unflipped.
// CHECK-LABEL: func @negative_maxpool_unsigned_3d
// CHECK-NOT: arith.xori
// CHECK: arith.maxui
func.func @negative_maxpool_unsigned_3d(%x: tensor<1x1x4x4x4xui8>) -> tensor<1x1x2x2x2xui8> {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = array<i64: 2, 2, 2>, strides = array<i64: 2, 2, 2>} : (tensor<1x1x4x4x4xui8>) -> (tensor<1x1x2x2x2xui8>, none)
  return %y : tensor<1x1x2x2x2xui8>
}

// -----

// MaxPool with Indices: one generic computes values and positions.
// CHECK-LABEL: func @negative_maxpool_indices
// CHECK-NOT: linalg.pooling
// CHECK: linalg.generic {{.*}} outs(%{{.*}}, %{{.*}} : tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>)
func.func @negative_maxpool_indices(%x: tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>) {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>)
  return %y, %i : tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>
}

// -----

// Pattern: GlobalPoolLowering<GlobalAveragePoolOp>
// GlobalAveragePool sums the spatial dimensions (dynamic batch from the
// input), divides by their element count and restores unit dimensions.
// CHECK-LABEL: func @global_average_pool
// CHECK: %[[N:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x3x4x5xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x3xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<?x3xf32>)
// CHECK: %[[S:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%{{.*}} : tensor<?x3x4x5xf32>) outs(%[[Z]] : tensor<?x3xf32>)
// CHECK: arith.addf
// CHECK: %[[M:.*]] = linalg.generic {{.*}} ins(%[[S]] : tensor<?x3xf32>)
// CHECK: arith.divf
// CHECK: tensor.expand_shape %[[M]] {{\[}}[0], [1, 2, 3]]
func.func @global_average_pool(%x: tensor<?x3x4x5xf32>) -> tensor<?x3x1x1xf32> {
  %0 = onnx.GlobalAveragePool(%x) : (tensor<?x3x4x5xf32>) -> tensor<?x3x1x1xf32>
  return %0 : tensor<?x3x1x1xf32>
}

// -----

// Pattern: GlobalPoolLowering<GlobalMaxPoolOp>
// GlobalMaxPool: a maximum from -inf over the spatial dimensions.
// CHECK-LABEL: func @global_max_pool
// CHECK: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[Z:.*]] = linalg.fill ins(%[[NEG]] : f32)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}} : tensor<1x3x7xf32>) outs(%[[Z]] : tensor<1x3xf32>)
// CHECK: arith.maximumf
// CHECK-NOT: arith.divf
func.func @global_max_pool(%x: tensor<1x3x7xf32>) -> tensor<1x3x1xf32> {
  %0 = onnx.GlobalMaxPool(%x) : (tensor<1x3x7xf32>) -> tensor<1x3x1xf32>
  return %0 : tensor<1x3x1xf32>
}

// -----

// Two dynamic batch dimensions (time and batch of a recurrent model's
// output) collapse into the matmul's rows; the result is reshaped back by
// tensor.reshape to the sizes read from A (an expand_shape group of two
// dynamic dimensions would not bufferize in LLVM 19).
// CHECK-LABEL: func @matmul_two_dynamic_rows
// CHECK-DAG: %[[T:.*]] = tensor.dim %arg0, %c0
// CHECK-DAG: %[[B:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[A:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2]]
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[A]], %arg1 : tensor<?x48xf32>, tensor<48x11xf32>)
// CHECK-NOT: tensor.expand_shape
// CHECK: %[[SHAPE:.*]] = tensor.from_elements %{{.*}}, %{{.*}}, %{{.*}} : tensor<3xi64>
// CHECK: tensor.reshape %[[MM]](%[[SHAPE]]) : (tensor<?x11xf32>, tensor<3xi64>) -> tensor<?x?x11xf32>
func.func @matmul_two_dynamic_rows(%a: tensor<?x?x48xf32>, %b: tensor<48x11xf32>) -> tensor<?x?x11xf32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<?x?x48xf32>, tensor<48x11xf32>) -> tensor<?x?x11xf32>
  return %0 : tensor<?x?x11xf32>
}
