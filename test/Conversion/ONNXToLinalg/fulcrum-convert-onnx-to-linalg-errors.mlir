// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --split-input-file --verify-diagnostics

// An operator without a lowering fails the pass at its node's location.
func.func @no_lowering(%x: tensor<12xi32>) -> tensor<7xf32> {
  // expected-error @below {{cannot lower 'onnx.TfIdfVectorizer': no lowering for this operator, or for its attributes or types}}
  %0 = onnx.TfIdfVectorizer(%x) {max_gram_length = 2 : i64, max_skip_count = 0 : i64, min_gram_length = 2 : i64, mode = "TF", ngram_counts = array<i64: 0, 4>, ngram_indexes = array<i64: 0, 1, 2, 3, 4, 5, 6>, pool_int64s = array<i64: 2, 3, 5, 4, 5, 6, 7, 8, 6, 7>} : (tensor<12xi32>) -> tensor<7xf32>
  return %0 : tensor<7xf32>
}

// -----

// So does an attribute value a lowering does not handle (training mode).
func.func @training_batchnorm(%x: tensor<1x2x3x3xf32>, %s: tensor<2xf32>) -> tensor<1x2x3x3xf32> {
  // expected-error @below {{cannot lower 'onnx.BatchNormalization'}}
  %y, %m, %v = onnx.BatchNormalization(%x, %s, %s, %s, %s) {training_mode = 1 : i64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>)
  return %y : tensor<1x2x3x3xf32>
}

// -----

// ElementwiseLowering: Shrink has no integer body.
func.func @shrink_int(%a: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @below {{cannot lower 'onnx.Shrink'}}
  %0 = onnx.Shrink(%a) : (tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// The operator is found among lowered ones (the message names the ONNX
// node when the location is the importer's, see test/Tools/fulcrum-run.test).
func.func @among_lowered(%x: tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xi32> {
  %r = onnx.Relu(%x) : (tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32>
  // expected-error @below {{cannot lower 'onnx.Multinomial': not a [batch, classes] float input with an integer result}}
  %0 = onnx.Multinomial(%r) : (tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xi32>
  return %0 : tensor<1x1x3x3xi32>
}

// -----

// PReluV6Lowering: only a 1-D slope.
func.func @prelu6_2d_slope(%x: tensor<2x3x4xf32>, %s: tensor<3x4xf32>) -> tensor<2x3x4xf32> {
  // expected-error @below {{cannot lower 'onnx.PReluV6'}}
  %0 = onnx.PReluV6(%x, %s) : (tensor<2x3x4xf32>, tensor<3x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// ReshapeLikeLowering: more than one dynamic result dimension, and a shape
// operand of unknown length to read them from.
func.func @reshape_two_dynamic(%a: tensor<?x?xf32>, %s: tensor<?xi64>) -> tensor<?x?xf32> {
  // expected-error @below {{cannot lower 'onnx.Reshape'}}
  %0 = onnx.Reshape(%a, %s) : (tensor<?x?xf32>, tensor<?xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// SliceLowering: starts of unknown length.
func.func @slice_dynamic_starts(%x: tensor<10xf32>, %s: tensor<?xi64>, %e: tensor<?xi64>) -> tensor<?xf32> {
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.Slice'}}
  %0 = onnx.Slice(%x, %s, %e, %none, %none) : (tensor<10xf32>, tensor<?xi64>, tensor<?xi64>, none, none) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// ExpandLowering: a dynamic input dimension with a run-time target size.
func.func @expand_dynamic_input(%x: tensor<?xf32>, %s: tensor<2xi64>) -> tensor<3x?xf32> {
  // expected-error @below {{cannot lower 'onnx.Expand'}}
  %0 = onnx.Expand(%x, %s) : (tensor<?xf32>, tensor<2xi64>) -> tensor<3x?xf32>
  return %0 : tensor<3x?xf32>
}

// -----

// ShapeLowering: an unranked input (the result length is unknown).
func.func @shape_dynamic_result(%x: tensor<*xf32>) -> tensor<?xi64> {
  // expected-error @below {{cannot lower 'onnx.Shape'}}
  %0 = onnx.Shape(%x) : (tensor<*xf32>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

// ConstantLowering: string constants.
func.func @constant_string() -> tensor<!onnx.string> {
  // expected-error @below {{cannot lower 'onnx.Constant'}}
  %0 = onnx.Constant() {value_string = "a"} : () -> tensor<!onnx.string>
  return %0 : tensor<!onnx.string>
}

// -----

// ConstantOfShapeLowering: a value that is not a dense attribute.
func.func @constant_of_shape_resource(%s: tensor<1xi64>) -> tensor<3xf32> {
  // expected-error @below {{cannot lower 'onnx.ConstantOfShape'}}
  %0 = onnx.ConstantOfShape(%s) {value = dense_resource<blob> : tensor<1xf32>} : (tensor<1xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
{-#
  dialect_resources: {
    builtin: {
      blob: "0x040000000000803F"
    }
  }
#-}

// -----

// DropoutLowering: training mode with an unranked result.
func.func @negative_dropout_training_unranked(%x: tensor<*xf32>, %r: tensor<f32>) -> tensor<*xf32> {
  %t = onnx.Constant() {value = dense<true> : tensor<i1>} : () -> tensor<i1>
  // expected-error @below {{cannot lower 'onnx.Dropout'}}
  %0, %1 = onnx.Dropout(%x, %r, %t) : (tensor<*xf32>, tensor<f32>, tensor<i1>) -> (tensor<*xf32>, none)
  return %0 : tensor<*xf32>
}

// -----

// SplitLowering: split sizes known only at run time.
func.func @split_dynamic(%x: tensor<?x4xf32>, %s: tensor<2xi64>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  // expected-error @below {{cannot lower 'onnx.Split'}}
  %0, %1 = onnx.Split(%x, %s) : (tensor<?x4xf32>, tensor<2xi64>) -> (tensor<?x4xf32>, tensor<?x4xf32>)
  return %0, %1 : tensor<?x4xf32>, tensor<?x4xf32>
}

// -----

// PadLowering: negative constant pads.
func.func @pad_negative(%x: tensor<4xf32>) -> tensor<3xf32> {
  %p = onnx.Constant() {value = dense<[-1, 0]> : tensor<2xi64>} : () -> tensor<2xi64>
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.Pad'}}
  %0 = onnx.Pad(%x, %p, %none) : (tensor<4xf32>, tensor<2xi64>, none) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// PadLowering: a mode other than constant, edge and reflect.
func.func @pad_wrap(%x: tensor<4xf32>) -> tensor<6xf32> {
  %p = onnx.Constant() {value = dense<[1, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.Pad'}}
  %0 = onnx.Pad(%x, %p, %none) {mode = "wrap"} : (tensor<4xf32>, tensor<2xi64>, none) -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

// PadLowering: edge and reflect need static shapes.
func.func @pad_reflect_dynamic(%x: tensor<?xf32>) -> tensor<?xf32> {
  %p = onnx.Constant() {value = dense<[1, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.Pad'}}
  %0 = onnx.Pad(%x, %p, %none) {mode = "reflect"} : (tensor<?xf32>, tensor<2xi64>, none) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// TileLowering: dynamic shapes.
func.func @tile_dynamic(%x: tensor<?xf32>, %r: tensor<1xi64>) -> tensor<?xf32> {
  // expected-error @below {{cannot lower 'onnx.Tile'}}
  %0 = onnx.Tile(%x, %r) : (tensor<?xf32>, tensor<1xi64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// BlockRearrangeLowering<DepthToSpaceOp, true>: dynamic shapes.
func.func @d2s_dynamic(%x: tensor<?x8x2x3xf32>) -> tensor<?x2x4x6xf32> {
  // expected-error @below {{cannot lower 'onnx.DepthToSpace'}}
  %0 = onnx.DepthToSpace(%x) {blocksize = 2 : i64} : (tensor<?x8x2x3xf32>) -> tensor<?x2x4x6xf32>
  return %0 : tensor<?x2x4x6xf32>
}

// -----

// BlockRearrangeLowering<SpaceToDepthOp, false>: dynamic shapes.
func.func @s2d_dynamic(%x: tensor<?x2x4x6xf32>) -> tensor<?x8x2x3xf32> {
  // expected-error @below {{cannot lower 'onnx.SpaceToDepth'}}
  %0 = onnx.SpaceToDepth(%x) {blocksize = 2 : i64} : (tensor<?x2x4x6xf32>) -> tensor<?x8x2x3xf32>
  return %0 : tensor<?x8x2x3xf32>
}

// -----

// EyeLikeLowering: only matrices.
func.func @eyelike_3d(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  // expected-error @below {{cannot lower 'onnx.EyeLike'}}
  %0 = onnx.EyeLike(%x) : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// OneHotLowering: a dynamic result (depth read at run time).
func.func @onehot_dynamic(%i: tensor<3xi64>, %d: tensor<i64>, %v: tensor<2xf32>) -> tensor<3x?xf32> {
  // expected-error @below {{cannot lower 'onnx.OneHot'}}
  %0 = onnx.OneHot(%i, %d, %v) : (tensor<3xi64>, tensor<i64>, tensor<2xf32>) -> tensor<3x?xf32>
  return %0 : tensor<3x?xf32>
}

// -----

// WindowLowering<HannWindowOp>: a length known only at run time.
func.func @hann_dynamic(%n: tensor<i64>) -> tensor<?xf32> {
  // expected-error @below {{cannot lower 'onnx.HannWindow'}}
  %0 = onnx.HannWindow(%n) : (tensor<i64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// WindowLowering<HammingWindowOp>: a length known only at run time.
func.func @hamming_dynamic(%n: tensor<i64>) -> tensor<?xf32> {
  // expected-error @below {{cannot lower 'onnx.HammingWindow'}}
  %0 = onnx.HammingWindow(%n) : (tensor<i64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// WindowLowering<BlackmanWindowOp>: an integer output_datatype.
func.func @blackman_int(%n: tensor<i64>) -> tensor<8xi32> {
  // expected-error @below {{cannot lower 'onnx.BlackmanWindow'}}
  %0 = onnx.BlackmanWindow(%n) {output_datatype = 6 : i64} : (tensor<i64>) -> tensor<8xi32>
  return %0 : tensor<8xi32>
}

// -----

// GatherNDLowering: dynamic shapes.
func.func @gathernd_dynamic(%x: tensor<3x4xf32>, %i: tensor<?x1xi64>) -> tensor<?x4xf32> {
  // expected-error @below {{cannot lower 'onnx.GatherND'}}
  %0 = onnx.GatherND(%x, %i) : (tensor<3x4xf32>, tensor<?x1xi64>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// ScatterElementsLowering: a reduction over booleans.
func.func @negative_scatter_elements_bool_add(%x: tensor<3x4xi1>, %i: tensor<1x4xi64>, %u: tensor<1x4xi1>) -> tensor<3x4xi1> {
  // expected-error @below {{cannot lower 'onnx.ScatterElements'}}
  %0 = onnx.ScatterElements(%x, %i, %u) {reduction = "add"} : (tensor<3x4xi1>, tensor<1x4xi64>, tensor<1x4xi1>) -> tensor<3x4xi1>
  return %0 : tensor<3x4xi1>
}

// -----

// ScatterElementsLowering: an unknown reduction.
func.func @negative_scatter_elements_reduction(%x: tensor<3x4xf32>, %i: tensor<1x4xi64>, %u: tensor<1x4xf32>) -> tensor<3x4xf32> {
  // expected-error @below {{cannot lower 'onnx.ScatterElements'}}
  %0 = onnx.ScatterElements(%x, %i, %u) {reduction = "mean"} : (tensor<3x4xf32>, tensor<1x4xi64>, tensor<1x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// ScatterNDLowering: an index depth only known at run time.
func.func @negative_scatter_nd_dynamic_depth(%x: tensor<3x4xf32>, %i: tensor<1x?xi64>, %u: tensor<1x4xf32>) -> tensor<3x4xf32> {
  // expected-error @below {{cannot lower 'onnx.ScatterND'}}
  %0 = onnx.ScatterND(%x, %i, %u) : (tensor<3x4xf32>, tensor<1x?xi64>, tensor<1x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// TopKLowering: K must be a single number.
func.func @negative_topk_two_k(%x: tensor<3x5xf32>, %k: tensor<2xi64>) -> (tensor<3x?xf32>, tensor<3x?xi64>) {
  // expected-error @below {{cannot lower 'onnx.TopK'}}
  %v, %i = onnx.TopK(%x, %k) : (tensor<3x5xf32>, tensor<2xi64>) -> (tensor<3x?xf32>, tensor<3x?xi64>)
  return %v, %i : tensor<3x?xf32>, tensor<3x?xi64>
}

// -----

// NonZeroLowering: a scalar input.
func.func @negative_nonzero_scalar(%x: tensor<f32>) -> tensor<0x?xi64> {
  // expected-error @below {{cannot lower 'onnx.NonZero'}}
  %0 = onnx.NonZero(%x) : (tensor<f32>) -> tensor<0x?xi64>
  return %0 : tensor<0x?xi64>
}

// -----

// CompressLowering: a scalar input.
func.func @negative_compress_scalar(%x: tensor<f32>, %c: tensor<1xi1>) -> tensor<?xf32> {
  // expected-error @below {{cannot lower 'onnx.Compress'}}
  %0 = onnx.Compress(%x, %c) : (tensor<f32>, tensor<1xi1>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// NonMaxSuppressionLowering: a threshold of more than one element.
func.func @negative_nms_two_thresholds(%b: tensor<1x6x4xf32>, %s: tensor<1x2x6xf32>, %m: tensor<1xi64>, %i: tensor<2xf32>) -> tensor<?x3xi64> {
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.NonMaxSuppression'}}
  %0 = onnx.NonMaxSuppression(%b, %s, %m, %i, %none) : (tensor<1x6x4xf32>, tensor<1x2x6xf32>, tensor<1xi64>, tensor<2xf32>, none) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}

// -----

// UniqueLowering: a scalar input.
func.func @negative_unique_scalar(%x: tensor<f32>) -> tensor<?xf32> {
  // expected-error @below {{cannot lower 'onnx.Unique'}}
  %y, %i, %v, %c = onnx.Unique(%x) : (tensor<f32>) -> (tensor<?xf32>, none, none, none)
  return %y : tensor<?xf32>
}

// -----

// MomentumLowering: a mode other than standard and nesterov.
func.func @negative_momentum_mode(%r: tensor<f32>, %t: tensor<i64>, %x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  // expected-error @below {{cannot lower 'onnx.Momentum'}}
  %0:2 = onnx.Momentum(%r, %t, %x, %x, %x) {alpha = 9.5e-01 : f32, beta = 1.0 : f32, mode = "heavy", norm_coefficient = 0.0 : f32} : (tensor<f32>, tensor<i64>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  return %0#0, %0#1 : tensor<2xf32>, tensor<2xf32>
}

// -----

// AdagradLowering: the inputs are not N tensors with a gradient and a state
// each.
func.func @negative_adagrad_missing_state(%r: tensor<f32>, %t: tensor<i64>, %x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @below {{cannot lower 'onnx.Adagrad'}}
  %0 = onnx.Adagrad(%r, %t, %x, %x) : (tensor<f32>, tensor<i64>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// AdamLowering: a learning rate of more than one element.
func.func @negative_adam_rate(%r: tensor<2xf32>, %t: tensor<i64>, %x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  // expected-error @below {{cannot lower 'onnx.Adam'}}
  %0:3 = onnx.Adam(%r, %t, %x, %x, %x, %x) : (tensor<2xf32>, tensor<i64>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>)
  return %0#0, %0#1, %0#2 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}

// -----

// DetLowering: the input is not a stack of matrices.
func.func @negative_det_vector(%x: tensor<3xf32>) -> tensor<f32> {
  // expected-error @below {{cannot lower 'onnx.Det'}}
  %0 = onnx.Det(%x) : (tensor<3xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// RoiAlignLowering: mode max.
func.func @negative_roialign_max(%x: tensor<1x1x10x10xf32>, %r: tensor<3x4xf32>, %b: tensor<3xi64>) -> tensor<3x1x5x5xf32> {
  // expected-error @below {{cannot lower 'onnx.RoiAlign'}}
  %0 = onnx.RoiAlign(%x, %r, %b) {mode = "max", output_height = 5 : i64, output_width = 5 : i64} : (tensor<1x1x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x1x5x5xf32>
  return %0 : tensor<3x1x5x5xf32>
}

// -----

// MaxUnpoolLowering: a kernel_shape of another rank than the spatial one.
func.func @negative_maxunpool_kernel(%x: tensor<1x1x2x2xf32>, %i: tensor<1x1x2x2xi64>) -> tensor<1x1x4x4xf32> {
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.MaxUnpool'}}
  %0 = onnx.MaxUnpool(%x, %i, %none) {kernel_shape = array<i64: 2>} : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>, none) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// LayerNormLowering: statistics of another type than the data (stash_type).
func.func @layernorm_stash(%x: tensor<2x4xf16>, %s: tensor<4xf16>) -> (tensor<2x4xf16>, tensor<2x1xf32>) {
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.LayerNormalization'}}
  %y, %m, %r = onnx.LayerNormalization(%x, %s, %none) : (tensor<2x4xf16>, tensor<4xf16>, none) -> (tensor<2x4xf16>, tensor<2x1xf32>, none)
  return %y, %m : tensor<2x4xf16>, tensor<2x1xf32>
}

// -----

// InstanceNormLowering: no spatial dimension.
func.func @instancenorm_rank2(%x: tensor<2x3xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  // expected-error @below {{cannot lower 'onnx.InstanceNormalization'}}
  %0 = onnx.InstanceNormalization(%x, %s, %b) : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// LRNLowering: no spatial dimension.
func.func @lrn_rank2(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @below {{cannot lower 'onnx.LRN'}}
  %0 = onnx.LRN(%x) {size = 3 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// ReduceLowering<ReduceMeanOp, Kind::Mean>: integer data.
func.func @reduce_mean_int(%x: tensor<2x3xi32>) -> tensor<2x1xi32> {
  // expected-error @below {{cannot lower 'onnx.ReduceMean'}}
  %0 = onnx.ReduceMean(%x) {axes = array<i64: 1>} : (tensor<2x3xi32>) -> tensor<2x1xi32>
  return %0 : tensor<2x1xi32>
}

// -----

// ReduceLowering: axes read at run time without keepdims and a dynamic result (the shapes do not narrow the reduced dimensions down).
func.func @reduce_sum_runtime_axes_no_keepdims(%x: tensor<2x3xf32>, %a: tensor<1xi64>) -> tensor<?xf32> {
  // expected-error @below {{cannot lower 'onnx.ReduceSum'}}
  %0 = onnx.ReduceSum(%x, %a) {keepdims = 0 : i64} : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// CumSumLowering: dynamic shapes.
func.func @cumsum_dynamic(%x: tensor<?xf32>, %a: tensor<i64>) -> tensor<?xf32> {
  // expected-error @below {{cannot lower 'onnx.CumSum'}}
  %0 = onnx.CumSum(%x, %a) : (tensor<?xf32>, tensor<i64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// CumSumLowering: a constant axis out of range.
func.func @cumsum_axis_out_of_range(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  // expected-error @below {{cannot lower 'onnx.CumSum'}}
  %0 = onnx.CumSum(%x, %a) : (tensor<2x3xf32>, tensor<i64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// NLLLowering: an unknown reduction.
func.func @nll_bad_reduction(%x: tensor<3x5xf32>, %t: tensor<3xi64>) -> tensor<f32> {
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.NegativeLogLikelihoodLoss'}}
  %0 = onnx.NegativeLogLikelihoodLoss(%x, %t, %none) {reduction = "max"} : (tensor<3x5xf32>, tensor<3xi64>, none) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// SCELowering: an unknown reduction fails in the NLL it creates; the error names the original operator.
func.func @sce_bad_reduction(%x: tensor<3x5xf32>, %t: tensor<3xi64>) -> tensor<f32> {
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.SoftmaxCrossEntropyLoss'}}
  %0, %1 = onnx.SoftmaxCrossEntropyLoss(%x, %t, %none) {reduction = "max"} : (tensor<3x5xf32>, tensor<3xi64>, none) -> (tensor<f32>, none)
  return %0 : tensor<f32>
}

// -----

// ResizeLowering: tf_crop_and_resize with a roi of other than 2 * rank values.
func.func @negative_resize_crop_roi(%x: tensor<1x4xf32>, %roi: tensor<3xf32>) -> tensor<1x8xf32> {
  %none = onnx.NoValue
  %scales = onnx.Constant() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  // expected-error @below {{cannot lower 'onnx.Resize'}}
  %0 = onnx.Resize(%x, %roi, %scales, %none) {coordinate_transformation_mode = "tf_crop_and_resize"} : (tensor<1x4xf32>, tensor<3xf32>, tensor<2xf32>, none) -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

// ResizeLowering: integer data.
func.func @resize_int(%x: tensor<1x4xi32>) -> tensor<1x8xi32> {
  %none = onnx.NoValue
  %scales = onnx.Constant() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  // expected-error @below {{cannot lower 'onnx.Resize'}}
  %0 = onnx.Resize(%x, %none, %scales, %none) : (tensor<1x4xi32>, none, tensor<2xf32>, none) -> tensor<1x8xi32>
  return %0 : tensor<1x8xi32>
}

// -----

// ResizeLowering: constant scales of the wrong length.
func.func @resize_scales_length(%x: tensor<1x4xf32>) -> tensor<1x8xf32> {
  %none = onnx.NoValue
  %scales = onnx.Constant() {value = dense<[2.0]> : tensor<1xf32>} : () -> tensor<1xf32>
  // expected-error @below {{cannot lower 'onnx.Resize'}}
  %0 = onnx.Resize(%x, %none, %scales, %none) : (tensor<1x4xf32>, none, tensor<1xf32>, none) -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

// EinsumLowering: a dynamic result.
func.func @einsum_dynamic(%a: tensor<?x3xf32>, %b: tensor<3x4xf32>) -> tensor<?x4xf32> {
  // expected-error @below {{cannot lower 'onnx.Einsum'}}
  %0 = onnx.Einsum(%a, %b) {equation = "ij,jk->ik"} : (tensor<?x3xf32>, tensor<3x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// EinsumLowering: an equation whose terms do not match the operands.
func.func @einsum_operand_count(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  // expected-error @below {{cannot lower 'onnx.Einsum'}}
  %0 = onnx.Einsum(%a, %b) {equation = "ij->ij"} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// MatMulIntegerLowering: unranked operands.
func.func @matmul_integer_unranked(%a: tensor<*xui8>, %b: tensor<3x4xui8>) -> tensor<*xi32> {
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.MatMulInteger'}}
  %0 = onnx.MatMulInteger(%a, %b, %none, %none) : (tensor<*xui8>, tensor<3x4xui8>, none, none) -> tensor<*xi32>
  return %0 : tensor<*xi32>
}

// -----

// IdentityLowering: non-tensor operands (sequences).
func.func @identity_sequence(%s: !onnx.seq<tensor<?xf32>>) -> !onnx.seq<tensor<?xf32>> {
  // expected-error @below {{cannot lower 'onnx.Identity'}}
  %0 = onnx.Identity(%s) : (!onnx.seq<tensor<?xf32>>) -> !onnx.seq<tensor<?xf32>>
  return %0 : !onnx.seq<tensor<?xf32>>
}

// -----

// Composite operators are decomposed by fulcrum-onnx-decompose, not by the
// lowering.
func.func @not_decomposed(%a: tensor<3x4xui8>, %b: tensor<4x2xui8>) -> tensor<3x2xi32> {
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.MatMulInteger'}}
  %0 = onnx.MatMulInteger(%a, %b, %none, %none) : (tensor<3x4xui8>, tensor<4x2xui8>, none, none) -> tensor<3x2xi32>
  return %0 : tensor<3x2xi32>
}

// -----

// LoopLowering: an unranked carried value (shape inference could not rank
// it; sequences are refused the same way).
func.func @loop_unranked_carried(%m: tensor<i64>, %v: tensor<*xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.Loop': loop-carried value #0 is not a ranked tensor}}
  %0 = onnx.Loop(%m, %none, %v) body {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %vi: tensor<*xf32>):
    onnx.Yield %ci, %vi : tensor<i1>, tensor<*xf32>
  } : (tensor<i64>, none, tensor<*xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// ScanLowering: a scan output axis beyond the output's rank.
func.func @scan_bad_output_axis(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  // expected-error @below {{cannot lower 'onnx.Scan': scan output axis out of range}}
  %0 = onnx.Scan(%x) body {
  ^bb0(%xi: tensor<2xf32>):
    onnx.Yield %xi : tensor<2xf32>
  } {num_scan_inputs = 1 : i64, scan_output_axes = array<i64: 5>} : (tensor<3x2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// IfLowering: an unranked result (shape inference could not rank it).
func.func @if_unranked(%c: tensor<i1>, %a: tensor<*xf32>) -> tensor<*xf32> {
  // expected-error @below {{cannot lower 'onnx.If': result #0 is not a ranked tensor}}
  %0 = onnx.If(%c) else_branch {
    onnx.Yield %a : tensor<*xf32>
  } then_branch {
    onnx.Yield %a : tensor<*xf32>
  } : (tensor<i1>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// RecurrentLowering<RNNOp,Cell::RNN>: weights of dynamic shape (the hidden
// size and the gate offsets must be known).
func.func @rnn_dynamic_weights(%x: tensor<2x1x3xf32>, %w: tensor<1x?x3xf32>, %r: tensor<1x?x?xf32>) -> tensor<1x1x?xf32> {
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.RNN': W and R need static shapes}}
  %y, %yh = onnx.RNN(%x, %w, %r, %none, %none, %none) : (tensor<2x1x3xf32>, tensor<1x?x3xf32>, tensor<1x?x?xf32>, none, none, none) -> (none, tensor<1x1x?xf32>)
  return %yh : tensor<1x1x?xf32>
}

// -----

// RecurrentLowering<GRUOp,Cell::GRU>: an activation ONNX does not define.
func.func @gru_unknown_activation(%x: tensor<2x1x3xf32>, %w: tensor<1x6x3xf32>, %r: tensor<1x6x2xf32>) -> tensor<1x1x2xf32> {
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.GRU': unknown activation 'swish'}}
  %y, %yh = onnx.GRU(%x, %w, %r, %none, %none, %none) {activations = ["Sigmoid", "Swish"], hidden_size = 2 : i64} : (tensor<2x1x3xf32>, tensor<1x6x3xf32>, tensor<1x6x2xf32>, none, none, none) -> (none, tensor<1x1x2xf32>)
  return %yh : tensor<1x1x2xf32>
}

// -----

// RecurrentLowering<LSTMOp,Cell::LSTM>: W's gate count does not match R
// (4 gates of hidden size 2 need 8 rows).
func.func @lstm_bad_weights(%x: tensor<2x1x3xf32>, %w: tensor<1x6x3xf32>, %r: tensor<1x8x2xf32>) -> tensor<1x1x2xf32> {
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.LSTM': the shapes of W and R do not match}}
  %y, %yh, %yc = onnx.LSTM(%x, %w, %r, %none, %none, %none, %none, %none) {hidden_size = 2 : i64} : (tensor<2x1x3xf32>, tensor<1x6x3xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (none, tensor<1x1x2xf32>, none)
  return %yh : tensor<1x1x2xf32>
}

// -----

// ScanV8Lowering: sequence_lens (per-entry lengths) is not supported.
func.func @scan_v8_lengths(%l: tensor<2xi64>, %s: tensor<2x2xf32>, %x: tensor<2x3x2xf32>) -> tensor<2x2xf32> {
  // expected-error @below {{cannot lower 'onnx.ScanV8': Scan-8 with sequence_lens is not supported}}
  %0:2 = onnx.ScanV8(%l, %s, %x) body {
  ^bb0(%si: tensor<2xf32>, %xi: tensor<2xf32>):
    onnx.Yield %si, %xi : tensor<2xf32>, tensor<2xf32>
  } {num_scan_inputs = 1 : i64} : (tensor<2xi64>, tensor<2x2xf32>, tensor<2x3x2xf32>) -> (tensor<2x2xf32>, tensor<2x3x2xf32>)
  return %0#0 : tensor<2x2xf32>
}

// -----

// LoopLowering: a body that yields fewer values than the Loop needs (one
// condition, one carried value and one scan output) is refused, not a
// crash.
func.func @loop_short_yield(%m: tensor<i64>, %v: tensor<2xf32>) -> (tensor<2xf32>, tensor<?x2xf32>) {
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.Loop': a subgraph yields 2 values, 3 expected}}
  %0:2 = onnx.Loop(%m, %none, %v) body {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %vi: tensor<2xf32>):
    onnx.Yield %ci, %vi : tensor<i1>, tensor<2xf32>
  } : (tensor<i64>, none, tensor<2xf32>) -> (tensor<2xf32>, tensor<?x2xf32>)
  return %0#0, %0#1 : tensor<2xf32>, tensor<?x2xf32>
}

// -----

// GridSampleLowering: an unknown mode.
func.func @negative_gridsample_mode(%x: tensor<1x1x3x3xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @below {{cannot lower 'onnx.GridSample': unknown mode 'area'}}
  %0 = onnx.GridSample(%x, %g) {mode = "area"} : (tensor<1x1x3x3xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

// GridSampleLowering: a 5-D (volumetric) input.
func.func @negative_gridsample_5d(%x: tensor<1x1x3x3x3xf32>, %g: tensor<1x2x2x2x3xf32>) -> tensor<1x1x2x2x2xf32> {
  // expected-error @below {{cannot lower 'onnx.GridSample': only 4-D inputs and grids of known rank are lowered}}
  %0 = onnx.GridSample(%x, %g) : (tensor<1x1x3x3x3xf32>, tensor<1x2x2x2x3xf32>) -> tensor<1x1x2x2x2xf32>
  return %0 : tensor<1x1x2x2x2xf32>
}

// -----

// DFTLowering: a one-sided inverse transform is not defined.
func.func @negative_dft_onesided_inverse(%x: tensor<1x8x2xf32>) -> tensor<1x5x2xf32> {
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.DFT': a one-sided inverse DFT is not defined}}
  %0 = onnx.DFT(%x, %none) {inverse = 1 : i64, onesided = 1 : i64} : (tensor<1x8x2xf32>, none) -> tensor<1x5x2xf32>
  return %0 : tensor<1x5x2xf32>
}

// -----

// DFTLowering: the last dimension must hold one or two parts.
func.func @negative_dft_parts(%x: tensor<1x8x3xf32>) -> tensor<1x8x2xf32> {
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.DFT': the input's last dimension must be 1 or 2 and the output's 2}}
  %0 = onnx.DFT(%x, %none) : (tensor<1x8x3xf32>, none) -> tensor<1x8x2xf32>
  return %0 : tensor<1x8x2xf32>
}

// -----

// STFTLowering: neither a window nor a frame_length gives the frame length.
func.func @negative_stft_no_length(%s: tensor<1x64x1xf32>, %step: tensor<i64>) -> tensor<1x?x?x2xf32> {
  %none = onnx.NoValue
  // expected-error @below {{cannot lower 'onnx.STFT': neither a window nor a frame_length}}
  %0 = onnx.STFT(%s, %step, %none, %none) : (tensor<1x64x1xf32>, tensor<i64>, none, none) -> tensor<1x?x?x2xf32>
  return %0 : tensor<1x?x?x2xf32>
}

// -----

// PoolLowering: ceil_mode rounds the output size up, which a dynamic
// spatial size does not give.
func.func @negative_maxpool_ceil_dynamic(%x: tensor<1x2x8x?xf32>) -> tensor<1x2x4x?xf32> {
  // expected-error @below {{cannot lower 'onnx.MaxPool': ceil_mode with a dynamic spatial size}}
  %y, %i = onnx.MaxPool(%x) {ceil_mode = 1 : i64, kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x8x?xf32>) -> (tensor<1x2x4x?xf32>, none)
  return %y : tensor<1x2x4x?xf32>
}

// -----

// ReverseSequenceLowering: an axis outside {0, 1} (found by the corrupted-
// model sweep; it crashed the lowering).
func.func @reverse_sequence_axis(%x: tensor<4x4xf32>, %l: tensor<4xi64>) -> tensor<4x4xf32> {
  // expected-error @below {{cannot lower 'onnx.ReverseSequence'}}
  %0 = onnx.ReverseSequence(%x, %l) {time_axis = 2 : i64} : (tensor<4x4xf32>, tensor<4xi64>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}
