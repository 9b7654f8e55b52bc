// RUN: fulcrum-opt %s --fulcrum-onnx-decompose --split-input-file | FileCheck %s

// Superseded operator versions that the version converter left alone are
// upgraded to current operators with the same meaning; each case names the
// difference it bridges. `negative_` cases keep their version.

// consumed_inputs (opset 1's in-place hints) is dropped.
// CHECK-LABEL: func @consumed_inputs
// CHECK: %[[A:.*]] = onnx.Abs(%arg0) : (tensor<3xf32>) -> tensor<3xf32>
// CHECK: %[[R:.*]] = onnx.Relu(%[[A]])
// CHECK: %[[E:.*]] = onnx.Elu(%[[R]]) {alpha = 2.000000e+00 : f32}
// CHECK: onnx.Max(%[[E]], %arg0)
// CHECK-NOT: consumed_inputs
func.func @consumed_inputs(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = onnx.AbsV1(%x) {consumed_inputs = array<i64: 0>} : (tensor<3xf32>) -> tensor<3xf32>
  %1 = onnx.ReluV1(%0) {consumed_inputs = array<i64: 0>} : (tensor<3xf32>) -> tensor<3xf32>
  %2 = onnx.EluV1(%1) {alpha = 2.0 : f32, consumed_inputs = array<i64: 0>} : (tensor<3xf32>) -> tensor<3xf32>
  %3 = onnx.MaxV1(%2, %x) {consumed_inputs = array<i64: 0, 0>} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %3 : tensor<3xf32>
}

// -----

// Add-1 and Pow-1 with legacy broadcast from an axis; Equal-1 without it.
// CHECK-LABEL: func @legacy_broadcast_v1
// CHECK: %[[B:.*]] = onnx.Unsqueeze(%arg1, %{{.*}}) : (tensor<3xf32>, tensor<1xi64>) -> tensor<3x1xf32>
// CHECK: %[[S:.*]] = onnx.Add(%arg0, %[[B]]) : (tensor<2x3x4xf32>, tensor<3x1xf32>)
// CHECK: onnx.Pow(%[[S]], %arg2) : (tensor<2x3x4xf32>, tensor<4xf32>)
// CHECK: onnx.Equal(%arg3, %arg3)
func.func @legacy_broadcast_v1(%a: tensor<2x3x4xf32>, %b: tensor<3xf32>, %c: tensor<4xf32>, %i: tensor<2x3xi32>) -> (tensor<2x3x4xf32>, tensor<2x3xi1>) {
  %0 = onnx.AddV1(%a, %b) {axis = 1 : i64, broadcast = 1 : i64, consumed_inputs = array<i64: 0, 0>} : (tensor<2x3x4xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>
  %1 = onnx.PowV1(%0, %c) {broadcast = 1 : i64} : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %2 = onnx.EqualV1(%i, %i) : (tensor<2x3xi32>, tensor<2x3xi32>) -> tensor<2x3xi1>
  return %1, %2 : tensor<2x3x4xf32>, tensor<2x3xi1>
}

// -----

// Gemm-1 drops `broadcast` like Gemm-6.
// CHECK-LABEL: func @gemm_v1
// CHECK: onnx.Gemm(%arg0, %arg0, %arg1) {transB = 1 : i64}
func.func @gemm_v1(%x: tensor<2x3xf32>, %c: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %1 = onnx.GemmV1(%x, %x, %c) {broadcast = 1 : i64, transB = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %1 : tensor<2x2xf32>
}

// -----

// Cast-1 names the type: "INT32" is 6.
// CHECK-LABEL: func @cast_v1
// CHECK: onnx.Cast(%arg0) {to = 6 : i64}
func.func @cast_v1(%x: tensor<3xf32>) -> tensor<3xi32> {
  %0 = onnx.CastV1(%x) {to = "INT32"} : (tensor<3xf32>) -> tensor<3xi32>
  return %0 : tensor<3xi32>
}

// -----

// An unknown type name is left as it is.
// CHECK-LABEL: func @negative_cast_v1_unknown
// CHECK: onnx.CastV1
func.func @negative_cast_v1_unknown(%x: tensor<3xf32>) -> tensor<3xi32> {
  %0 = onnx.CastV1(%x) {to = "WORD"} : (tensor<3xf32>) -> tensor<3xi32>
  return %0 : tensor<3xi32>
}

// -----

// Concat-1 concatenates along axis 1 without an axis.
// CHECK-LABEL: func @concat_v1
// CHECK: onnx.Concat(%arg0, %arg0) {axis = 1 : i64}
func.func @concat_v1(%x: tensor<2x3xf32>) -> tensor<2x6xf32> {
  %0 = onnx.ConcatV1(%x, %x) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

// Attributes become operands: Reshape-1's shape, Slice-1's starts, ends
// and axes, TopK-1's k, Pad-2's pads and value.
// CHECK-LABEL: func @attributes_to_operands
// CHECK-DAG: %[[SHAPE:.*]] = onnx.Constant() {value = dense<[3, -1]> : tensor<2xi64>}
// CHECK: %[[R:.*]] = onnx.Reshape(%arg0, %[[SHAPE]])
// CHECK-DAG: %[[ST:.*]] = onnx.Constant() {value = dense<1> : tensor<1xi64>}
// CHECK-DAG: %[[EN:.*]] = onnx.Constant() {value = dense<3> : tensor<1xi64>}
// CHECK-DAG: %[[AX:.*]] = onnx.Constant() {value = dense<1> : tensor<1xi64>}
// CHECK: %[[S:.*]] = onnx.Slice(%[[R]], %[[ST]], %[[EN]], %[[AX]], %{{.*}}) : (tensor<3x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, none) -> tensor<3x2xf32>
// CHECK: %[[K:.*]] = onnx.Constant() {value = dense<1> : tensor<1xi64>}
// CHECK: onnx.TopK(%[[S]], %[[K]]) {axis = 1 : i64}
// CHECK-DAG: %[[PADS:.*]] = onnx.Constant() {value = dense<[0, 1, 0, 1]> : tensor<4xi64>}
// CHECK-DAG: %[[V:.*]] = onnx.Constant() {value = dense<2.500000e+00> : tensor<f32>}
// CHECK: onnx.Pad(%[[S]], %[[PADS]], %[[V]]) :
func.func @attributes_to_operands(%x: tensor<12xf32>) -> (tensor<3x1xf32>, tensor<3x1xi64>, tensor<3x4xf32>) {
  %0 = onnx.ReshapeV1(%x) {shape = array<i64: 3, -1>} : (tensor<12xf32>) -> tensor<3x4xf32>
  %1 = onnx.SliceV1(%0) {axes = array<i64: 1>, ends = array<i64: 3>, starts = array<i64: 1>} : (tensor<3x4xf32>) -> tensor<3x2xf32>
  %2:2 = onnx.TopKV1(%1) {axis = 1 : i64, k = 1 : i64} : (tensor<3x2xf32>) -> (tensor<3x1xf32>, tensor<3x1xi64>)
  %3 = onnx.PadV2(%1) {pads = array<i64: 0, 1, 0, 1>, value = 2.5 : f32} : (tensor<3x2xf32>) -> tensor<3x4xf32>
  return %2#0, %2#1, %3 : tensor<3x1xf32>, tensor<3x1xi64>, tensor<3x4xf32>
}

// -----

// Clip-1 without max has no upper bound.
// CHECK-LABEL: func @clip_v1
// CHECK-DAG: %[[LO:.*]] = onnx.Constant() {value = dense<0.000000e+00> : tensor<f32>}
// CHECK-DAG: %[[HI:.*]] = onnx.NoValue
// CHECK: onnx.Clip(%arg0, %[[LO]], %[[HI]])
func.func @clip_v1(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = onnx.ClipV1(%x) {min = 0.0 : f32} : (tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Tile-1 with constant tiles and axis repeats along that axis only.
// CHECK-LABEL: func @tile_v1
// CHECK: %[[REP:.*]] = onnx.Constant() {value = dense<[1, 3]> : tensor<2xi64>}
// CHECK: onnx.Tile(%arg0, %[[REP]])
func.func @tile_v1(%x: tensor<2x2xf32>) -> tensor<2x6xf32> {
  %t = onnx.Constant() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %a = onnx.Constant() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.TileV1(%x, %t, %a) : (tensor<2x2xf32>, tensor<f32>, tensor<f32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

// Tiles known only at run time are left as they are.
// CHECK-LABEL: func @negative_tile_v1_runtime_tiles
// CHECK: onnx.TileV1
func.func @negative_tile_v1_runtime_tiles(%x: tensor<2x2xf32>, %t: tensor<f32>) -> tensor<2x?xf32> {
  %a = onnx.Constant() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.TileV1(%x, %t, %a) : (tensor<2x2xf32>, tensor<f32>, tensor<f32>) -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}

// -----

// Dropout-7 in inference; Dropout-6 with is_test = 0 in training mode.
// CHECK-LABEL: func @dropout
// CHECK: %[[D:.*]], %{{.*}} = onnx.Dropout(%arg0, %{{.*}}, %{{.*}}) : (tensor<3xf32>, tensor<f32>, none) -> (tensor<3xf32>, none)
// CHECK: %[[T:.*]] = onnx.Constant() {value = dense<true> : tensor<i1>}
// CHECK: onnx.Dropout(%[[D]], %{{.*}}, %[[T]]) : (tensor<3xf32>, tensor<f32>, tensor<i1>) -> (tensor<3xf32>, none)
func.func @dropout(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0:2 = onnx.DropoutV7(%x) {ratio = 0.25 : f32} : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  %1:2 = onnx.DropoutV6(%0#0) {is_test = 0 : i64} : (tensor<3xf32>) -> (tensor<3xf32>, none)
  return %1#0 : tensor<3xf32>
}

// -----

// Dropout-7's float mask, used, is the current boolean mask cast to float.
// CHECK-LABEL: func @dropout_v7_mask
// CHECK: %{{.*}}, %[[M:.*]] = onnx.Dropout(%arg0, %{{.*}}, %{{.*}}) : (tensor<3xf32>, tensor<f32>, none) -> (tensor<3xf32>, tensor<3xi1>)
// CHECK: onnx.Cast(%[[M]]) {to = 1 : i64} : (tensor<3xi1>) -> tensor<3xf32>
func.func @dropout_v7_mask(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0:2 = onnx.DropoutV7(%x) : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  return %0#1 : tensor<3xf32>
}

// -----

// Dropout-1 in training mode with a used mask.
// CHECK-LABEL: func @dropout_v1_training_mask
// CHECK: onnx.Dropout(%arg0, %{{.*}}, %{{.*}}) : (tensor<3xf32>, tensor<f32>, tensor<i1>) -> (tensor<3xf32>, tensor<3xi1>)
func.func @dropout_v1_training_mask(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %0:2 = onnx.DropoutV1(%x) : (tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  return %0#0, %0#1 : tensor<3xf32>, tensor<3xf32>
}

// -----

// MaxPool-1 has no Indices result.
// CHECK-LABEL: func @max_pool_v1
// CHECK: onnx.MaxPool(%arg0) {kernel_shape = array<i64: 2, 2>} : (tensor<1x1x4x4xf32>) -> (tensor<1x1x3x3xf32>, none)
func.func @max_pool_v1(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32> {
  %0 = onnx.MaxPoolV1(%x) {kernel_shape = array<i64: 2, 2>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// -----

// Upsample-7 and -9, Resize-10: asymmetric coordinates, rounding down.
// CHECK-LABEL: func @upsample
// CHECK: onnx.Resize(%arg0, %{{.*}}, %{{.*}}, %{{.*}}) {coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"} : (tensor<1x1x2x2xf32>, none, tensor<4xf32>, none) -> tensor<1x1x4x6xf32>
// CHECK: onnx.Resize(%arg0, %{{.*}}, %arg1, %{{.*}}) {coordinate_transformation_mode = "asymmetric", mode = "linear", nearest_mode = "floor"}
// CHECK: onnx.Resize(%arg0, %{{.*}}, %arg1, %{{.*}}) {coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"}
func.func @upsample(%x: tensor<1x1x2x2xf32>, %s: tensor<4xf32>) -> (tensor<1x1x4x6xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) {
  %0 = onnx.UpsampleV7(%x) {scales = array<f32: 1.0, 1.0, 2.0, 3.0>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x6xf32>
  %1 = onnx.UpsampleV9(%x, %s) {mode = "linear"} : (tensor<1x1x2x2xf32>, tensor<4xf32>) -> tensor<?x?x?x?xf32>
  %2 = onnx.ResizeV10(%x, %s) : (tensor<1x1x2x2xf32>, tensor<4xf32>) -> tensor<?x?x?x?xf32>
  return %0, %1, %2 : tensor<1x1x4x6xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>
}

// -----

// An unknown Upsample mode is left as it is.
// CHECK-LABEL: func @negative_upsample_mode
// CHECK: onnx.UpsampleV7
func.func @negative_upsample_mode(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x6xf32> {
  %0 = onnx.UpsampleV7(%x) {mode = "cubic", scales = array<f32: 1.0, 1.0, 2.0, 3.0>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x6xf32>
  return %0 : tensor<1x1x4x6xf32>
}

// -----

// Resize-11: empty roi and scales become absent operands.
// CHECK-LABEL: func @resize_v11
// CHECK: %[[NONE:.*]] = onnx.NoValue
// CHECK: onnx.Resize(%arg0, %[[NONE]], %[[NONE]], %arg1) {mode = "linear"}
func.func @resize_v11(%x: tensor<1x1x2x2xf32>, %sizes: tensor<4xi64>) -> tensor<?x?x?x?xf32> {
  %e = onnx.Constant() {value = dense<> : tensor<0xf32>} : () -> tensor<0xf32>
  %0 = onnx.ResizeV11(%x, %e, %e, %sizes) {mode = "linear"} : (tensor<1x1x2x2xf32>, tensor<0xf32>, tensor<0xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  return %0 : tensor<?x?x?x?xf32>
}

// -----

// tf_half_pixel_for_nn does not exist any more.
// CHECK-LABEL: func @negative_resize_v11_tf_half_pixel_for_nn
// CHECK: onnx.ResizeV11
func.func @negative_resize_v11_tf_half_pixel_for_nn(%x: tensor<1x1x2x2xf32>, %r: tensor<8xf32>, %s: tensor<4xf32>) -> tensor<?x?x?x?xf32> {
  %n = onnx.NoValue
  %0 = onnx.ResizeV11(%x, %r, %s, %n) {coordinate_transformation_mode = "tf_half_pixel_for_nn"} : (tensor<1x1x2x2xf32>, tensor<8xf32>, tensor<4xf32>, none) -> tensor<?x?x?x?xf32>
  return %0 : tensor<?x?x?x?xf32>
}

// -----

// BatchNormalization-6 with is_test = 1 is the current operator in
// inference; -1 with is_test = 0 uses batch statistics (training mode).
// CHECK-LABEL: func @batch_norm_legacy
// CHECK: %[[Y:.*]], %{{.*}}, %{{.*}} = onnx.BatchNormalization(%arg0, %arg1, %arg1, %arg1, %arg1) :
// CHECK: onnx.BatchNormalization(%[[Y]], {{.*}}) {training_mode = 1 : i64}
func.func @batch_norm_legacy(%x: tensor<2x3x4x4xf32>, %s: tensor<3xf32>) -> tensor<2x3x4x4xf32> {
  %y, %m, %v, %sm, %sv = onnx.BatchNormalizationV6(%x, %s, %s, %s, %s) {is_test = 1 : i64} : (tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3x4x4xf32>, none, none, none, none)
  %y1, %m1, %v1, %sm1, %sv1 = onnx.BatchNormalizationV1(%y, %s, %s, %s, %s) {consumed_inputs = array<i64: 0, 0, 0, 1, 1>} : (tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3x4x4xf32>, none, none, none, none)
  return %y1 : tensor<2x3x4x4xf32>
}

// -----

// spatial = 0 (per-activation statistics) in inference: element-wise
// arithmetic with the [C, D] statistics broadcast along the batch.
// CHECK-LABEL: func @batch_norm_v6_spatial
// CHECK: %[[C:.*]] = onnx.Sub(%arg0, %arg1) : (tensor<2x3x4xf32>, tensor<3x4xf32>) -> tensor<2x3x4xf32>
// CHECK: %[[V:.*]] = onnx.Add(%arg1, %{{.*}}) : (tensor<3x4xf32>, tensor<f32>) -> tensor<3x4xf32>
// CHECK: %[[S:.*]] = onnx.Sqrt(%[[V]])
// CHECK: %[[N:.*]] = onnx.Div(%[[C]], %[[S]])
// CHECK: %[[M:.*]] = onnx.Mul(%[[N]], %arg1)
// CHECK: onnx.Add(%[[M]], %arg1)
func.func @batch_norm_v6_spatial(%x: tensor<2x3x4xf32>, %s: tensor<3x4xf32>) -> tensor<2x3x4xf32> {
  %y, %m, %v, %sm, %sv = onnx.BatchNormalizationV6(%x, %s, %s, %s, %s) {is_test = 1 : i64, spatial = 0 : i64} : (tensor<2x3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) -> (tensor<2x3x4xf32>, none, none, none, none)
  return %y : tensor<2x3x4xf32>
}

// -----

// spatial = 0 in training (is_test = 0) has no current counterpart.
// CHECK-LABEL: func @negative_batch_norm_v6_spatial_training
// CHECK: onnx.BatchNormalizationV6
func.func @negative_batch_norm_v6_spatial_training(%x: tensor<2x3xf32>, %s: tensor<3xf32>) -> tensor<2x3xf32> {
  %y, %m, %v, %sm, %sv = onnx.BatchNormalizationV6(%x, %s, %s, %s, %s) {spatial = 0 : i64} : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3xf32>, none, none, none, none)
  return %y : tensor<2x3xf32>
}

// -----

// Softmax-1 at an inner axis: the softmax of the 2-D flattening, reshaped
// back.
// CHECK-LABEL: func @softmax_v1_inner
// CHECK: %[[F:.*]] = onnx.Flatten(%arg0) : (tensor<2x10x20xf32>) -> tensor<2x200xf32>
// CHECK: %[[S:.*]] = onnx.Softmax(%[[F]]) {axis = 1 : i64} : (tensor<2x200xf32>) -> tensor<2x200xf32>
// CHECK: %[[SH:.*]] = onnx.Shape(%arg0)
// CHECK: onnx.Reshape(%[[S]], %[[SH]])
func.func @softmax_v1_inner(%x: tensor<2x10x20xf32>) -> tensor<2x10x20xf32> {
  %0 = onnx.SoftmaxV1(%x) : (tensor<2x10x20xf32>) -> tensor<2x10x20xf32>
  return %0 : tensor<2x10x20xf32>
}

// -----

// RoiAlign-10 samples at output_half_pixel coordinates.
// CHECK-LABEL: func @roi_align_v10
// CHECK: onnx.RoiAlign(%arg0, %arg1, %arg2) {coordinate_transformation_mode = "output_half_pixel", output_height = 2 : i64}
func.func @roi_align_v10(%x: tensor<1x1x4x4xf32>, %r: tensor<2x4xf32>, %b: tensor<2xi64>) -> tensor<2x1x2x1xf32> {
  %0 = onnx.RoiAlignV10(%x, %r, %b) {output_height = 2 : i64} : (tensor<1x1x4x4xf32>, tensor<2x4xf32>, tensor<2xi64>) -> tensor<2x1x2x1xf32>
  return %0 : tensor<2x1x2x1xf32>
}

// -----

// ConvTranspose-1 with SAME padding splits it the other way round.
// CHECK-LABEL: func @negative_conv_transpose_v1_same
// CHECK: onnx.ConvTransposeV1
func.func @negative_conv_transpose_v1_same(%x: tensor<1x1x3x3xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x6x6xf32> {
  %n = onnx.NoValue
  %0 = onnx.ConvTransposeV1(%x, %w, %n) {auto_pad = "SAME_UPPER", strides = array<i64: 2, 2>} : (tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>, none) -> tensor<1x1x6x6xf32>
  return %0 : tensor<1x1x6x6xf32>
}

// -----

// GlobalLpPool-1's float p; a p that is not an integer stays.
// CHECK-LABEL: func @lp_pool_v1
// CHECK: onnx.GlobalLpPool(%arg0) {p = 3 : i64}
// CHECK: onnx.GlobalLpPoolV1(%arg0) {p = 2.500000e+00 : f32}
func.func @lp_pool_v1(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>) {
  %0 = onnx.GlobalLpPoolV1(%x) {p = 3.0 : f32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32>
  %1 = onnx.GlobalLpPoolV1(%x) {p = 2.5 : f32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32>
  return %0, %1 : tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>
}

// -----

// Split-1 with its sizes as an attribute; RNN-1's output_sequence is dropped.
// CHECK-LABEL: func @split_v1
// CHECK: %[[SIZES:.*]] = onnx.Constant() {value = dense<[1, 2]> : tensor<2xi64>}
// CHECK: onnx.Split(%arg0, %[[SIZES]]) {axis = 1 : i64}
func.func @split_v1(%x: tensor<2x3xf32>) -> (tensor<2x1xf32>, tensor<2x2xf32>) {
  %n = onnx.NoValue
  %0:2 = onnx.SplitV1(%x, %n) {axis = 1 : i64, split = array<i64: 1, 2>} : (tensor<2x3xf32>, none) -> (tensor<2x1xf32>, tensor<2x2xf32>)
  return %0#0, %0#1 : tensor<2x1xf32>, tensor<2x2xf32>
}
