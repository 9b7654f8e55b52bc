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

// negative_attention_heads: Q @ K^T is a product of two activations;
// head pruning is not recognized yet, so the projections stay whole.
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
