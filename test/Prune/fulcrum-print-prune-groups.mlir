// RUN: fulcrum-opt %s --fulcrum-print-prune-groups --split-input-file -o /dev/null | FileCheck %s

// A plain chain: conv1's filters and conv2's input channels, through Relu.
// CHECK-LABEL: groups of @chain
// CHECK: group 0: 1 units [] fixed (a graph input); tensors: arg0[0..0]
// CHECK: group 1: 4 units [] prunable; tensors: conv1[0..3] relu1[0..3]; producers: conv1; consumers: conv2
// CHECK: group 2: 2 units [] fixed (a graph output); tensors: conv2[0..1]
func.func @chain(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w1 = onnx.Constant() {value = dense<1.0> : tensor<4x1x1x1xf32>} : () -> tensor<4x1x1x1xf32>
  %b1 = onnx.Constant() {value = dense<0.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %w2 = onnx.Constant() {value = dense<1.0> : tensor<2x4x1x1xf32>} : () -> tensor<2x4x1x1xf32>
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w1, %b1) : (tensor<1x1x4x4xf32>, tensor<4x1x1x1xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32> loc("conv1")
  %1 = onnx.Relu(%0) : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("relu1")
  %2 = onnx.Conv(%1, %w2, %none) : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("conv2")
  return %2 : tensor<1x2x4x4xf32>
}

// -----

// Residual: conv1 and conv2 feed one Add, so their filters go together,
// and both conv2 (reading relu1) and conv3 (reading the sum) lose inputs.
// CHECK-LABEL: groups of @residual
// CHECK: group 1: 4 units [residual] prunable; tensors: conv1[0..3] relu1[0..3] conv2[0..3] add[0..3]; producers: conv1 conv2; consumers: conv2 conv3
func.func @residual(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w1 = onnx.Constant() {value = dense<1.0> : tensor<4x1x1x1xf32>} : () -> tensor<4x1x1x1xf32>
  %w2 = onnx.Constant() {value = dense<1.0> : tensor<4x4x1x1xf32>} : () -> tensor<4x4x1x1xf32>
  %w3 = onnx.Constant() {value = dense<1.0> : tensor<2x4x1x1xf32>} : () -> tensor<2x4x1x1xf32>
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w1, %none) : (tensor<1x1x4x4xf32>, tensor<4x1x1x1xf32>, none) -> tensor<1x4x4x4xf32> loc("conv1")
  %1 = onnx.Relu(%0) : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("relu1")
  %2 = onnx.Conv(%1, %w2, %none) : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>, none) -> tensor<1x4x4x4xf32> loc("conv2")
  %3 = onnx.Add(%2, %1) : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("add")
  %4 = onnx.Conv(%3, %w3, %none) : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("conv3")
  return %4 : tensor<1x2x4x4xf32>
}

// -----

// negative_residual_with_input: a residual Add of the graph input ties the
// convolution's filters to the input's channels, which are fixed.
// CHECK-LABEL: groups of @negative_residual_with_input
// CHECK: group 0: 4 units [residual] fixed (a graph input); tensors: arg0[0..3] conv1[0..3] add[0..3]
// CHECK-NOT: prunable
func.func @negative_residual_with_input(%x: tensor<1x4x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w1 = onnx.Constant() {value = dense<1.0> : tensor<4x4x1x1xf32>} : () -> tensor<4x4x1x1xf32>
  %w3 = onnx.Constant() {value = dense<1.0> : tensor<2x4x1x1xf32>} : () -> tensor<2x4x1x1xf32>
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w1, %none) : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>, none) -> tensor<1x4x4x4xf32> loc("conv1")
  %1 = onnx.Add(%0, %x) : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("add")
  %2 = onnx.Conv(%1, %w3, %none) : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("conv3")
  return %2 : tensor<1x2x4x4xf32>
}

// -----

// Concat: each input's channels map to a range of the output's; the
// consumer loses input channels 0..2 with conv1's and 3..4 with conv2's.
// CHECK-LABEL: groups of @concat
// CHECK: group 1: 3 units [concat] prunable; tensors: conv1[0..2] cat[0..2]; producers: conv1; consumers: conv3
// CHECK: group 2: 2 units [concat] prunable; tensors: conv2[0..1] cat[3..4]; producers: conv2; consumers: conv3
func.func @concat(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w1 = onnx.Constant() {value = dense<1.0> : tensor<3x1x1x1xf32>} : () -> tensor<3x1x1x1xf32>
  %w2 = onnx.Constant() {value = dense<1.0> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %w3 = onnx.Constant() {value = dense<1.0> : tensor<2x5x1x1xf32>} : () -> tensor<2x5x1x1xf32>
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w1, %none) : (tensor<1x1x4x4xf32>, tensor<3x1x1x1xf32>, none) -> tensor<1x3x4x4xf32> loc("conv1")
  %1 = onnx.Conv(%x, %w2, %none) : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("conv2")
  %2 = onnx.Concat(%0, %1) {axis = 1 : i64} : (tensor<1x3x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x5x4x4xf32> loc("cat")
  %3 = onnx.Conv(%2, %w3, %none) : (tensor<1x5x4x4xf32>, tensor<2x5x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("conv3")
  return %3 : tensor<1x2x4x4xf32>
}

// -----

// negative_concat_of_constant: a constant input has no producer to prune.
// CHECK-LABEL: groups of @negative_concat_of_constant
// CHECK: group 1: 3 units [concat] fixed (read by cat (onnx.Concat): an input without channels); tensors: conv1[0..2] cat[0..2]
// CHECK-NOT: prunable
func.func @negative_concat_of_constant(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w1 = onnx.Constant() {value = dense<1.0> : tensor<3x1x1x1xf32>} : () -> tensor<3x1x1x1xf32>
  %c = onnx.Constant() {value = dense<1.0> : tensor<1x2x4x4xf32>} : () -> tensor<1x2x4x4xf32>
  %w3 = onnx.Constant() {value = dense<1.0> : tensor<2x5x1x1xf32>} : () -> tensor<2x5x1x1xf32>
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w1, %none) : (tensor<1x1x4x4xf32>, tensor<3x1x1x1xf32>, none) -> tensor<1x3x4x4xf32> loc("conv1")
  %2 = onnx.Concat(%0, %c) {axis = 1 : i64} : (tensor<1x3x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x5x4x4xf32> loc("cat")
  %3 = onnx.Conv(%2, %w3, %none) : (tensor<1x5x4x4xf32>, tensor<2x5x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("conv3")
  return %3 : tensor<1x2x4x4xf32>
}

// -----

// BatchNormalization carries the channels (its parameters are sliced), a
// depthwise convolution ties input channel c to output channel c, and a
// per-channel constant Mul is sliced with them.
// CHECK-LABEL: groups of @batchnorm_depthwise_broadcast
// CHECK: group 1: 4 units [batchnorm,depthwise,broadcast] prunable; tensors: conv1[0..3] bn:0[0..3] dw[0..3] scale[0..3]; producers: conv1; consumers: conv2
func.func @batchnorm_depthwise_broadcast(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w1 = onnx.Constant() {value = dense<1.0> : tensor<4x1x1x1xf32>} : () -> tensor<4x1x1x1xf32>
  %p = onnx.Constant() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %wd = onnx.Constant() {value = dense<1.0> : tensor<4x1x3x3xf32>} : () -> tensor<4x1x3x3xf32>
  %s = onnx.Constant() {value = dense<[[[2.0]], [[3.0]], [[4.0]], [[5.0]]]> : tensor<4x1x1xf32>} : () -> tensor<4x1x1xf32>
  %w2 = onnx.Constant() {value = dense<1.0> : tensor<2x4x1x1xf32>} : () -> tensor<2x4x1x1xf32>
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w1, %none) : (tensor<1x1x4x4xf32>, tensor<4x1x1x1xf32>, none) -> tensor<1x4x4x4xf32> loc("conv1")
  %1, %m, %v = onnx.BatchNormalization(%0, %p, %p, %p, %p) : (tensor<1x4x4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<1x4x4x4xf32>, none, none) loc("bn")
  %2 = onnx.Conv(%1, %wd, %none) {group = 4 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x1x3x3xf32>, none) -> tensor<1x4x4x4xf32> loc("dw")
  %3 = onnx.Mul(%2, %s) : (tensor<1x4x4x4xf32>, tensor<4x1x1xf32>) -> tensor<1x4x4x4xf32> loc("scale")
  %4 = onnx.Conv(%3, %w2, %none) : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("conv2")
  return %4 : tensor<1x2x4x4xf32>
}

// -----

// negative_grouped_conv: a convolution of 2 groups of 2 channels would
// need equal counts per group; it fixes its input and output channels.
// CHECK-LABEL: groups of @negative_grouped_conv
// CHECK: group 1: 4 units [] fixed (read by grouped (onnx.Conv): a grouped convolution); tensors: conv1[0..3]
// CHECK: group 2: 4 units [] fixed (read by grouped (onnx.Conv): a grouped convolution); tensors: grouped[0..3]
// CHECK-NOT: prunable
func.func @negative_grouped_conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w1 = onnx.Constant() {value = dense<1.0> : tensor<4x1x1x1xf32>} : () -> tensor<4x1x1x1xf32>
  %wg = onnx.Constant() {value = dense<1.0> : tensor<4x2x1x1xf32>} : () -> tensor<4x2x1x1xf32>
  %w2 = onnx.Constant() {value = dense<1.0> : tensor<2x4x1x1xf32>} : () -> tensor<2x4x1x1xf32>
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w1, %none) : (tensor<1x1x4x4xf32>, tensor<4x1x1x1xf32>, none) -> tensor<1x4x4x4xf32> loc("conv1")
  %1 = onnx.Conv(%0, %wg, %none) {group = 2 : i64} : (tensor<1x4x4x4xf32>, tensor<4x2x1x1xf32>, none) -> tensor<1x4x4x4xf32> loc("grouped")
  %2 = onnx.Conv(%1, %w2, %none) : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("conv2")
  return %2 : tensor<1x2x4x4xf32>
}

// -----

// Flatten of [1, 3, 2, 2] to [1, 12]: channel c owns columns 4c..4c+3 of
// the Gemm's input; a Reshape to [1, 12] the same.
// CHECK-LABEL: groups of @flatten
// CHECK: group 1: 3 units [flatten] prunable; tensors: conv1[0..2] flat[0..11]x4; producers: conv1; consumers: fc
// CHECK: group 3: 3 units [flatten] prunable; tensors: conv2[0..2] reshape[0..11]x4; producers: conv2; consumers: fc2
func.func @flatten(%x: tensor<1x1x2x2xf32>) -> (tensor<1x5xf32>, tensor<1x5xf32>) {
  %w1 = onnx.Constant() {value = dense<1.0> : tensor<3x1x1x1xf32>} : () -> tensor<3x1x1x1xf32>
  %wf = onnx.Constant() {value = dense<1.0> : tensor<5x12xf32>} : () -> tensor<5x12xf32>
  %shape = onnx.Constant() {value = dense<[1, 12]> : tensor<2xi64>} : () -> tensor<2xi64>
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w1, %none) : (tensor<1x1x2x2xf32>, tensor<3x1x1x1xf32>, none) -> tensor<1x3x2x2xf32> loc("conv1")
  %1 = onnx.Flatten(%0) : (tensor<1x3x2x2xf32>) -> tensor<1x12xf32> loc("flat")
  %2 = onnx.Gemm(%1, %wf, %none) {transB = 1 : i64} : (tensor<1x12xf32>, tensor<5x12xf32>, none) -> tensor<1x5xf32> loc("fc")
  %3 = onnx.Conv(%x, %w1, %none) : (tensor<1x1x2x2xf32>, tensor<3x1x1x1xf32>, none) -> tensor<1x3x2x2xf32> loc("conv2")
  %4 = onnx.Reshape(%3, %shape) : (tensor<1x3x2x2xf32>, tensor<2xi64>) -> tensor<1x12xf32> loc("reshape")
  %5 = onnx.Gemm(%4, %wf, %none) {transB = 1 : i64} : (tensor<1x12xf32>, tensor<5x12xf32>, none) -> tensor<1x5xf32> loc("fc2")
  return %2, %5 : tensor<1x5xf32>, tensor<1x5xf32>
}

// -----

// negative_flatten_axis2: Flatten at axis 2 mixes channels into rows.
// CHECK-LABEL: groups of @negative_flatten_axis2
// CHECK: group 1: 3 units [] fixed (read by flat (onnx.Flatten): not a flattening of [N, C, H, W]); tensors: conv1[0..2]
// CHECK-NOT: prunable
func.func @negative_flatten_axis2(%x: tensor<1x1x2x2xf32>) -> tensor<3x2xf32> {
  %w1 = onnx.Constant() {value = dense<1.0> : tensor<3x1x1x1xf32>} : () -> tensor<3x1x1x1xf32>
  %wf = onnx.Constant() {value = dense<1.0> : tensor<4x2xf32>} : () -> tensor<4x2xf32>
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w1, %none) : (tensor<1x1x2x2xf32>, tensor<3x1x1x1xf32>, none) -> tensor<1x3x2x2xf32> loc("conv1")
  %1 = onnx.Flatten(%0) {axis = 2 : i64} : (tensor<1x3x2x2xf32>) -> tensor<3x4xf32> loc("flat")
  %2 = onnx.Gemm(%1, %wf, %none) : (tensor<3x4xf32>, tensor<4x2xf32>, none) -> tensor<3x2xf32> loc("fc")
  return %2 : tensor<3x2xf32>
}

// -----

// A transformer MLP: MatMul, bias Add (a broadcast constant), GELU's
// element-wise chain with scalars, MatMul: the hidden features are one
// group; the residual stream (LayerNorm over it) is fixed.
// CHECK-LABEL: groups of @mlp_block
// CHECK: group 1: 4 units [] fixed (read by ln (onnx.LayerNormalization)); tensors: ln:0[0..3]
// CHECK: group 2: 8 units [residual,broadcast] prunable; tensors: fc1[0..7] bias1[0..7] div[0..7] erf[0..7] add1[0..7] mul[0..7]; producers: fc1; consumers: fc2
func.func @mlp_block(%x: tensor<1x5x4xf32>) -> tensor<1x5x4xf32> {
  %g = onnx.Constant() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %w1 = onnx.Constant() {value = dense<1.0> : tensor<4x8xf32>} : () -> tensor<4x8xf32>
  %b1 = onnx.Constant() {value = dense<0.5> : tensor<8xf32>} : () -> tensor<8xf32>
  %w2 = onnx.Constant() {value = dense<1.0> : tensor<8x4xf32>} : () -> tensor<8x4xf32>
  %sqrt2 = onnx.Constant() {value = dense<1.414> : tensor<f32>} : () -> tensor<f32>
  %one = onnx.Constant() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %0, %m, %r = onnx.LayerNormalization(%x, %g, %g) {axis = -1 : i64} : (tensor<1x5x4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<1x5x4xf32>, none, none) loc("ln")
  %1 = onnx.MatMul(%0, %w1) : (tensor<1x5x4xf32>, tensor<4x8xf32>) -> tensor<1x5x8xf32> loc("fc1")
  %2 = onnx.Add(%1, %b1) : (tensor<1x5x8xf32>, tensor<8xf32>) -> tensor<1x5x8xf32> loc("bias1")
  %3 = onnx.Div(%2, %sqrt2) : (tensor<1x5x8xf32>, tensor<f32>) -> tensor<1x5x8xf32> loc("div")
  %4 = onnx.Erf(%3) : (tensor<1x5x8xf32>) -> tensor<1x5x8xf32> loc("erf")
  %5 = onnx.Add(%4, %one) : (tensor<1x5x8xf32>, tensor<f32>) -> tensor<1x5x8xf32> loc("add1")
  %6 = onnx.Mul(%2, %5) : (tensor<1x5x8xf32>, tensor<1x5x8xf32>) -> tensor<1x5x8xf32> loc("mul")
  %7 = onnx.MatMul(%6, %w2) : (tensor<1x5x8xf32>, tensor<8x4xf32>) -> tensor<1x5x4xf32> loc("fc2")
  return %7 : tensor<1x5x4xf32>
}

// -----

// negative_attention_heads: Q @ K^T is a product of two activations with
// no softmax and no output projection: not an attention block, so the
// projections stay whole.
// CHECK-LABEL: groups of @negative_attention_heads
// CHECK: group 1: 4 units [] fixed (read by scores (onnx.MatMul): not a product with constant weights); tensors: q[0..3]
// CHECK: group 2: 4 units [] fixed (read by kt (onnx.Transpose)); tensors: k[0..3]
// CHECK-NOT: prunable
func.func @negative_attention_heads(%x: tensor<1x5x4xf32>) -> tensor<1x5x5xf32> {
  %wq = onnx.Constant() {value = dense<1.0> : tensor<4x4xf32>} : () -> tensor<4x4xf32>
  %q = onnx.MatMul(%x, %wq) : (tensor<1x5x4xf32>, tensor<4x4xf32>) -> tensor<1x5x4xf32> loc("q")
  %k = onnx.MatMul(%x, %wq) : (tensor<1x5x4xf32>, tensor<4x4xf32>) -> tensor<1x5x4xf32> loc("k")
  %kt = onnx.Transpose(%k) {perm = array<i64: 0, 2, 1>} : (tensor<1x5x4xf32>) -> tensor<1x4x5xf32> loc("kt")
  %s = onnx.MatMul(%q, %kt) : (tensor<1x5x4xf32>, tensor<1x4x5xf32>) -> tensor<1x5x5xf32> loc("scores")
  return %s : tensor<1x5x5xf32>
}

// -----

// Heads of a packed projection (the ViT's export): [1, 3, 24] splits into
// [3 (Q, K, V), 2 heads, 4], each head's Q, K and V columns (0..3, 8..11,
// 16..19 for head 0) go with its 4 input rows of the output projection.
// CHECK-LABEL: groups of @heads_packed
// CHECK: group 1: 2 units [broadcast,heads] prunable; tensors: qkv[0,1,2,3,8,9,10,11,...]x12 qkv_bias[0,1,2,3,8,9,10,11,...]x12 merge_heads[0..7]x4; producers: qkv; consumers: out_proj
func.func @heads_packed(%x: tensor<1x3x8xf32>) -> tensor<1x3x8xf32> {
  %w = onnx.Constant() {value = dense<1.0> : tensor<8x24xf32>} : () -> tensor<8x24xf32>
  %b = onnx.Constant() {value = dense<0.5> : tensor<24xf32>} : () -> tensor<24xf32>
  %wo = onnx.Constant() {value = dense<1.0> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %s5 = onnx.Constant() {value = dense<[1, 3, 3, 2, 4]> : tensor<5xi64>} : () -> tensor<5xi64>
  %s3 = onnx.Constant() {value = dense<[1, 3, 8]> : tensor<3xi64>} : () -> tensor<3xi64>
  %i0 = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %i1 = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %i2 = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %c = onnx.Constant() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.MatMul(%x, %w) : (tensor<1x3x8xf32>, tensor<8x24xf32>) -> tensor<1x3x24xf32> loc("qkv")
  %1 = onnx.Add(%b, %0) : (tensor<24xf32>, tensor<1x3x24xf32>) -> tensor<1x3x24xf32> loc("qkv_bias")
  %2 = onnx.Reshape(%1, %s5) : (tensor<1x3x24xf32>, tensor<5xi64>) -> tensor<1x3x3x2x4xf32>
  %3 = onnx.Transpose(%2) {perm = array<i64: 2, 0, 3, 1, 4>} : (tensor<1x3x3x2x4xf32>) -> tensor<3x1x2x3x4xf32>
  %q = onnx.Gather(%3, %i0) : (tensor<3x1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x3x4xf32>
  %k = onnx.Gather(%3, %i1) : (tensor<3x1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x3x4xf32>
  %v = onnx.Gather(%3, %i2) : (tensor<3x1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x3x4xf32>
  %kt = onnx.Transpose(%k) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x3x4xf32>) -> tensor<1x2x4x3xf32>
  %s = onnx.MatMul(%q, %kt) : (tensor<1x2x3x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3x3xf32>
  %d = onnx.Div(%s, %c) : (tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %p = onnx.Softmax(%d) : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %o = onnx.MatMul(%p, %v) : (tensor<1x2x3x3xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %t = onnx.Transpose(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x3x4xf32>) -> tensor<1x3x2x4xf32>
  %m = onnx.Reshape(%t, %s3) : (tensor<1x3x2x4xf32>, tensor<3xi64>) -> tensor<1x3x8xf32> loc("merge_heads")
  %y = onnx.MatMul(%m, %wo) : (tensor<1x3x8xf32>, tensor<8x8xf32>) -> tensor<1x3x8xf32> loc("out_proj")
  return %y : tensor<1x3x8xf32>
}

// -----

// nn.MultiheadAttention's form: Q, K and V are Slices of the packed
// projection, and the heads join the batch ([L, B*H, D]); the output
// projection is a Gemm of [L*B, E].
// CHECK-LABEL: groups of @heads_mha
// CHECK: group 1: 2 units [broadcast,heads] prunable; tensors: qkv[0,1,2,3,8,9,10,11,...]x12 qkv_bias[0,1,2,3,8,9,10,11,...]x12 merge_heads[0..7]x4; producers: qkv; consumers: out_proj
func.func @heads_mha(%x: tensor<3x1x8xf32>) -> tensor<3x8xf32> {
  %w = onnx.Constant() {value = dense<1.0> : tensor<8x24xf32>} : () -> tensor<8x24xf32>
  %b = onnx.Constant() {value = dense<0.5> : tensor<24xf32>} : () -> tensor<24xf32>
  %wo = onnx.Constant() {value = dense<1.0> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %bo = onnx.Constant() {value = dense<0.5> : tensor<8xf32>} : () -> tensor<8xf32>
  %none = onnx.NoValue
  %axis = onnx.Constant() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %c0 = onnx.Constant() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %c8 = onnx.Constant() {value = dense<8> : tensor<1xi64>} : () -> tensor<1xi64>
  %c16 = onnx.Constant() {value = dense<16> : tensor<1xi64>} : () -> tensor<1xi64>
  %c24 = onnx.Constant() {value = dense<24> : tensor<1xi64>} : () -> tensor<1xi64>
  %s3 = onnx.Constant() {value = dense<[3, 2, 4]> : tensor<3xi64>} : () -> tensor<3xi64>
  %s2 = onnx.Constant() {value = dense<[3, 8]> : tensor<2xi64>} : () -> tensor<2xi64>
  %c = onnx.Constant() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.MatMul(%x, %w) : (tensor<3x1x8xf32>, tensor<8x24xf32>) -> tensor<3x1x24xf32> loc("qkv")
  %1 = onnx.Add(%b, %0) : (tensor<24xf32>, tensor<3x1x24xf32>) -> tensor<3x1x24xf32> loc("qkv_bias")
  %q0 = onnx.Slice(%1, %c0, %c8, %axis, %none) : (tensor<3x1x24xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, none) -> tensor<3x1x8xf32>
  %k0 = onnx.Slice(%1, %c8, %c16, %axis, %none) : (tensor<3x1x24xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, none) -> tensor<3x1x8xf32>
  %v0 = onnx.Slice(%1, %c16, %c24, %axis, %none) : (tensor<3x1x24xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, none) -> tensor<3x1x8xf32>
  %q1 = onnx.Reshape(%q0, %s3) : (tensor<3x1x8xf32>, tensor<3xi64>) -> tensor<3x2x4xf32>
  %k1 = onnx.Reshape(%k0, %s3) : (tensor<3x1x8xf32>, tensor<3xi64>) -> tensor<3x2x4xf32>
  %v1 = onnx.Reshape(%v0, %s3) : (tensor<3x1x8xf32>, tensor<3xi64>) -> tensor<3x2x4xf32>
  %q = onnx.Transpose(%q1) {perm = array<i64: 1, 0, 2>} : (tensor<3x2x4xf32>) -> tensor<2x3x4xf32>
  %qs = onnx.Div(%q, %c) : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2x3x4xf32>
  %kt = onnx.Transpose(%k1) {perm = array<i64: 1, 2, 0>} : (tensor<3x2x4xf32>) -> tensor<2x4x3xf32>
  %v = onnx.Transpose(%v1) {perm = array<i64: 1, 0, 2>} : (tensor<3x2x4xf32>) -> tensor<2x3x4xf32>
  %s = onnx.MatMul(%qs, %kt) : (tensor<2x3x4xf32>, tensor<2x4x3xf32>) -> tensor<2x3x3xf32>
  %p = onnx.Softmax(%s) : (tensor<2x3x3xf32>) -> tensor<2x3x3xf32>
  %o = onnx.MatMul(%p, %v) : (tensor<2x3x3xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %t = onnx.Transpose(%o) {perm = array<i64: 1, 0, 2>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %m = onnx.Reshape(%t, %s2) : (tensor<3x2x4xf32>, tensor<2xi64>) -> tensor<3x8xf32> loc("merge_heads")
  %y = onnx.Gemm(%m, %wo, %bo) {transB = 1 : i64} : (tensor<3x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<3x8xf32> loc("out_proj")
  return %y : tensor<3x8xf32>
}

// -----

// Separate Q, K and V projections with a dynamic batch and an additive
// padding mask [B, 1, 1, L] that broadcasts along the heads.
// CHECK-LABEL: groups of @heads_separate_masked
// CHECK: group {{[0-9]+}}: 2 units [heads] prunable; tensors: q[0..7]x4 k[0..7]x4 v[0..7]x4 merge_heads[0..7]x4; producers: q k v; consumers: out_proj
func.func @heads_separate_masked(%x: tensor<?x3x8xf32>, %mask: tensor<?x1x1x3xf32>) -> tensor<?x3x8xf32> {
  %wq = onnx.Constant() {value = dense<1.0> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %wo = onnx.Constant() {value = dense<1.0> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %s4 = onnx.Constant() {value = dense<[-1, 3, 2, 4]> : tensor<4xi64>} : () -> tensor<4xi64>
  %s3 = onnx.Constant() {value = dense<[-1, 3, 8]> : tensor<3xi64>} : () -> tensor<3xi64>
  %c = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %q0 = onnx.MatMul(%x, %wq) : (tensor<?x3x8xf32>, tensor<8x8xf32>) -> tensor<?x3x8xf32> loc("q")
  %k0 = onnx.MatMul(%x, %wq) : (tensor<?x3x8xf32>, tensor<8x8xf32>) -> tensor<?x3x8xf32> loc("k")
  %v0 = onnx.MatMul(%x, %wq) : (tensor<?x3x8xf32>, tensor<8x8xf32>) -> tensor<?x3x8xf32> loc("v")
  %q1 = onnx.Reshape(%q0, %s4) : (tensor<?x3x8xf32>, tensor<4xi64>) -> tensor<?x3x2x4xf32>
  %k1 = onnx.Reshape(%k0, %s4) : (tensor<?x3x8xf32>, tensor<4xi64>) -> tensor<?x3x2x4xf32>
  %v1 = onnx.Reshape(%v0, %s4) : (tensor<?x3x8xf32>, tensor<4xi64>) -> tensor<?x3x2x4xf32>
  %q = onnx.Transpose(%q1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x3x2x4xf32>) -> tensor<?x2x3x4xf32>
  %kt = onnx.Transpose(%k1) {perm = array<i64: 0, 2, 3, 1>} : (tensor<?x3x2x4xf32>) -> tensor<?x2x4x3xf32>
  %v = onnx.Transpose(%v1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x3x2x4xf32>) -> tensor<?x2x3x4xf32>
  %s = onnx.MatMul(%q, %kt) : (tensor<?x2x3x4xf32>, tensor<?x2x4x3xf32>) -> tensor<?x2x3x3xf32>
  %ss = onnx.Mul(%s, %c) : (tensor<?x2x3x3xf32>, tensor<f32>) -> tensor<?x2x3x3xf32>
  %sm = onnx.Add(%ss, %mask) : (tensor<?x2x3x3xf32>, tensor<?x1x1x3xf32>) -> tensor<?x2x3x3xf32>
  %p = onnx.Softmax(%sm) : (tensor<?x2x3x3xf32>) -> tensor<?x2x3x3xf32>
  %o = onnx.MatMul(%p, %v) : (tensor<?x2x3x3xf32>, tensor<?x2x3x4xf32>) -> tensor<?x2x3x4xf32>
  %t = onnx.Transpose(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x2x3x4xf32>) -> tensor<?x3x2x4xf32>
  %m = onnx.Reshape(%t, %s3) : (tensor<?x3x2x4xf32>, tensor<3xi64>) -> tensor<?x3x8xf32> loc("merge_heads")
  %y = onnx.MatMul(%m, %wo) : (tensor<?x3x8xf32>, tensor<8x8xf32>) -> tensor<?x3x8xf32> loc("out_proj")
  return %y : tensor<?x3x8xf32>
}

// -----

// negative_heads_bias_per_head: a constant added to the scores differs
// between the heads (a relative position bias), so the heads stay.
// CHECK-LABEL: groups of @negative_heads_bias_per_head
// CHECK: fixed (attention heads not separable: a mask or constant that differs between heads); tensors: qkv[0..23] qkv_bias[0..23]
// CHECK-NOT: heads] prunable
func.func @negative_heads_bias_per_head(%x: tensor<1x3x8xf32>) -> tensor<1x3x8xf32> {
  %w = onnx.Constant() {value = dense<1.0> : tensor<8x24xf32>} : () -> tensor<8x24xf32>
  %b = onnx.Constant() {value = dense<0.5> : tensor<24xf32>} : () -> tensor<24xf32>
  %wo = onnx.Constant() {value = dense<1.0> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %rel = onnx.Constant() {value = dense<0.25> : tensor<1x2x3x3xf32>} : () -> tensor<1x2x3x3xf32>
  %s5 = onnx.Constant() {value = dense<[1, 3, 3, 2, 4]> : tensor<5xi64>} : () -> tensor<5xi64>
  %s3 = onnx.Constant() {value = dense<[1, 3, 8]> : tensor<3xi64>} : () -> tensor<3xi64>
  %i0 = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %i1 = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %i2 = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %0 = onnx.MatMul(%x, %w) : (tensor<1x3x8xf32>, tensor<8x24xf32>) -> tensor<1x3x24xf32> loc("qkv")
  %1 = onnx.Add(%b, %0) : (tensor<24xf32>, tensor<1x3x24xf32>) -> tensor<1x3x24xf32> loc("qkv_bias")
  %2 = onnx.Reshape(%1, %s5) : (tensor<1x3x24xf32>, tensor<5xi64>) -> tensor<1x3x3x2x4xf32>
  %3 = onnx.Transpose(%2) {perm = array<i64: 2, 0, 3, 1, 4>} : (tensor<1x3x3x2x4xf32>) -> tensor<3x1x2x3x4xf32>
  %q = onnx.Gather(%3, %i0) : (tensor<3x1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x3x4xf32>
  %k = onnx.Gather(%3, %i1) : (tensor<3x1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x3x4xf32>
  %v = onnx.Gather(%3, %i2) : (tensor<3x1x2x3x4xf32>, tensor<i64>) -> tensor<1x2x3x4xf32>
  %kt = onnx.Transpose(%k) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x3x4xf32>) -> tensor<1x2x4x3xf32>
  %s = onnx.MatMul(%q, %kt) : (tensor<1x2x3x4xf32>, tensor<1x2x4x3xf32>) -> tensor<1x2x3x3xf32>
  %d = onnx.Add(%s, %rel) : (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %p = onnx.Softmax(%d) : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %o = onnx.MatMul(%p, %v) : (tensor<1x2x3x3xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %t = onnx.Transpose(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x3x4xf32>) -> tensor<1x3x2x4xf32>
  %m = onnx.Reshape(%t, %s3) : (tensor<1x3x2x4xf32>, tensor<3xi64>) -> tensor<1x3x8xf32> loc("merge_heads")
  %y = onnx.MatMul(%m, %wo) : (tensor<1x3x8xf32>, tensor<8x8xf32>) -> tensor<1x3x8xf32> loc("out_proj")
  return %y : tensor<1x3x8xf32>
}

// -----

// negative_heads_softmax_over_heads: the softmax normalizes across the
// heads (axis 1), which ties them together.
// CHECK-LABEL: groups of @negative_heads_softmax_over_heads
// CHECK: fixed (attention heads not separable: a softmax across the heads); tensors: q
// CHECK-NOT: heads] prunable
func.func @negative_heads_softmax_over_heads(%x: tensor<?x3x8xf32>) -> tensor<?x3x8xf32> {
  %wq = onnx.Constant() {value = dense<1.0> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %s4 = onnx.Constant() {value = dense<[-1, 3, 2, 4]> : tensor<4xi64>} : () -> tensor<4xi64>
  %s3 = onnx.Constant() {value = dense<[-1, 3, 8]> : tensor<3xi64>} : () -> tensor<3xi64>
  %q0 = onnx.MatMul(%x, %wq) : (tensor<?x3x8xf32>, tensor<8x8xf32>) -> tensor<?x3x8xf32> loc("q")
  %k0 = onnx.MatMul(%x, %wq) : (tensor<?x3x8xf32>, tensor<8x8xf32>) -> tensor<?x3x8xf32> loc("k")
  %v0 = onnx.MatMul(%x, %wq) : (tensor<?x3x8xf32>, tensor<8x8xf32>) -> tensor<?x3x8xf32> loc("v")
  %q1 = onnx.Reshape(%q0, %s4) : (tensor<?x3x8xf32>, tensor<4xi64>) -> tensor<?x3x2x4xf32>
  %k1 = onnx.Reshape(%k0, %s4) : (tensor<?x3x8xf32>, tensor<4xi64>) -> tensor<?x3x2x4xf32>
  %v1 = onnx.Reshape(%v0, %s4) : (tensor<?x3x8xf32>, tensor<4xi64>) -> tensor<?x3x2x4xf32>
  %q = onnx.Transpose(%q1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x3x2x4xf32>) -> tensor<?x2x3x4xf32>
  %kt = onnx.Transpose(%k1) {perm = array<i64: 0, 2, 3, 1>} : (tensor<?x3x2x4xf32>) -> tensor<?x2x4x3xf32>
  %v = onnx.Transpose(%v1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x3x2x4xf32>) -> tensor<?x2x3x4xf32>
  %s = onnx.MatMul(%q, %kt) : (tensor<?x2x3x4xf32>, tensor<?x2x4x3xf32>) -> tensor<?x2x3x3xf32>
  %p = onnx.Softmax(%s) {axis = 1 : i64} : (tensor<?x2x3x3xf32>) -> tensor<?x2x3x3xf32>
  %o = onnx.MatMul(%p, %v) : (tensor<?x2x3x3xf32>, tensor<?x2x3x4xf32>) -> tensor<?x2x3x4xf32>
  %t = onnx.Transpose(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x2x3x4xf32>) -> tensor<?x3x2x4xf32>
  %m = onnx.Reshape(%t, %s3) : (tensor<?x3x2x4xf32>, tensor<3xi64>) -> tensor<?x3x8xf32> loc("merge_heads")
  %y = onnx.MatMul(%m, %wq) : (tensor<?x3x8xf32>, tensor<8x8xf32>) -> tensor<?x3x8xf32> loc("out_proj")
  return %y : tensor<?x3x8xf32>
}

// -----

// negative_heads_probabilities_returned: the attention probabilities are
// also a graph output, so removing a head would change an output.
// CHECK-LABEL: groups of @negative_heads_probabilities_returned
// CHECK: fixed (attention heads not separable: read by func.return (func.return)); tensors: q
// CHECK-NOT: heads] prunable
func.func @negative_heads_probabilities_returned(%x: tensor<?x3x8xf32>) -> (tensor<?x3x8xf32>, tensor<?x2x3x3xf32>) {
  %wq = onnx.Constant() {value = dense<1.0> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %s4 = onnx.Constant() {value = dense<[-1, 3, 2, 4]> : tensor<4xi64>} : () -> tensor<4xi64>
  %s3 = onnx.Constant() {value = dense<[-1, 3, 8]> : tensor<3xi64>} : () -> tensor<3xi64>
  %q0 = onnx.MatMul(%x, %wq) : (tensor<?x3x8xf32>, tensor<8x8xf32>) -> tensor<?x3x8xf32> loc("q")
  %k0 = onnx.MatMul(%x, %wq) : (tensor<?x3x8xf32>, tensor<8x8xf32>) -> tensor<?x3x8xf32> loc("k")
  %v0 = onnx.MatMul(%x, %wq) : (tensor<?x3x8xf32>, tensor<8x8xf32>) -> tensor<?x3x8xf32> loc("v")
  %q1 = onnx.Reshape(%q0, %s4) : (tensor<?x3x8xf32>, tensor<4xi64>) -> tensor<?x3x2x4xf32>
  %k1 = onnx.Reshape(%k0, %s4) : (tensor<?x3x8xf32>, tensor<4xi64>) -> tensor<?x3x2x4xf32>
  %v1 = onnx.Reshape(%v0, %s4) : (tensor<?x3x8xf32>, tensor<4xi64>) -> tensor<?x3x2x4xf32>
  %q = onnx.Transpose(%q1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x3x2x4xf32>) -> tensor<?x2x3x4xf32>
  %kt = onnx.Transpose(%k1) {perm = array<i64: 0, 2, 3, 1>} : (tensor<?x3x2x4xf32>) -> tensor<?x2x4x3xf32>
  %v = onnx.Transpose(%v1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x3x2x4xf32>) -> tensor<?x2x3x4xf32>
  %s = onnx.MatMul(%q, %kt) : (tensor<?x2x3x4xf32>, tensor<?x2x4x3xf32>) -> tensor<?x2x3x3xf32>
  %p = onnx.Softmax(%s) : (tensor<?x2x3x3xf32>) -> tensor<?x2x3x3xf32>
  %o = onnx.MatMul(%p, %v) : (tensor<?x2x3x3xf32>, tensor<?x2x3x4xf32>) -> tensor<?x2x3x4xf32>
  %t = onnx.Transpose(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x2x3x4xf32>) -> tensor<?x3x2x4xf32>
  %m = onnx.Reshape(%t, %s3) : (tensor<?x3x2x4xf32>, tensor<3xi64>) -> tensor<?x3x8xf32> loc("merge_heads")
  %y = onnx.MatMul(%m, %wq) : (tensor<?x3x8xf32>, tensor<8x8xf32>) -> tensor<?x3x8xf32> loc("out_proj")
  return %y, %p : tensor<?x3x8xf32>, tensor<?x2x3x3xf32>
}
