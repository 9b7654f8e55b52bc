// RUN: fulcrum-opt %s --split-input-file --verify-diagnostics

// Result shape disagrees with broadcasting.
func.func @add_wrong_result(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x4xf32> {
  // expected-error @below {{'onnx.Add' op result #0 has type 'tensor<2x4xf32>', which is incompatible with the inferred type 'tensor<2x3xf32>'}}
  %0 = onnx.Add(%a, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Operands that do not broadcast.
func.func @add_incompatible(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<*xf32> {
  // expected-error @below {{operands are not broadcast-compatible: dimension 1 (aligned from the right) has sizes 3 and 4}}
  %0 = onnx.Add(%a, %b) : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Element types are checked by the generated type constraints.
func.func @sqrt_int(%a: tensor<2xi32>) -> tensor<2xi32> {
  // expected-error @below {{operand #0 must be tensor of 16-bit float or 32-bit float or 64-bit float or bfloat16 type values}}
  %0 = onnx.Sqrt(%a) : (tensor<2xi32>) -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @below {{input channels (3) must equal W's channels (2) times group (1)}}
  %y = onnx.Conv(%x, %w, %none) : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>, none) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @conv_strides(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @below {{attribute 'strides' has 3 values, expected 2}}
  %y = onnx.Conv(%x, %w, %none) {strides = array<i64: 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @conv_output_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  %none = onnx.NoValue
  // expected-error @below {{incompatible with the inferred type 'tensor<1x4x6x6xf32>'}}
  %y = onnx.Conv(%x, %w, %none) : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// -----

func.func @gemm_contraction(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @below {{contraction dimensions of A and B differ}}
  %0 = onnx.Gemm(%a, %b, %none) : (tensor<2x3xf32>, tensor<4x5xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @matmul_contraction(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<*xf32> {
  // expected-error @below {{contraction dimensions differ: 3 vs 4}}
  %0 = onnx.MatMul(%a, %b) : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @batchnorm_channels(%x: tensor<1x3x4x4xf32>, %s: tensor<4xf32>) -> tensor<*xf32> {
  // expected-error @below {{scale, B, mean and var must have 3 elements (the channels of X)}}
  %y, %m, %v = onnx.BatchNormalization(%x, %s, %s, %s, %s) : (tensor<1x3x4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<*xf32>, none, none)
  return %y : tensor<*xf32>
}

// -----

func.func @layernorm_axis(%x: tensor<2x8xf32>, %s: tensor<8xf32>) -> tensor<2x8xf32> {
  %none = onnx.NoValue
  // expected-error @below {{axis 2 is out of range for rank 2}}
  %y, %m, %i = onnx.LayerNormalization(%x, %s, %none) {axis = 2 : i64} : (tensor<2x8xf32>, tensor<8xf32>, none) -> (tensor<2x8xf32>, none, none)
  return %y : tensor<2x8xf32>
}

// -----

func.func @softmax_axis(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @below {{axis -3 is out of range for rank 2}}
  %y = onnx.Softmax(%x) {axis = -3 : i64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @maxpool_kernel(%x: tensor<1x3x8x8xf32>) -> tensor<*xf32> {
  // expected-error @below {{kernel has 1 spatial dimensions, expected 2}}
  %y, %i = onnx.MaxPool(%x) {kernel_shape = array<i64: 2>} : (tensor<1x3x8x8xf32>) -> (tensor<*xf32>, none)
  return %y : tensor<*xf32>
}

// -----

func.func @global_pool_rank(%x: tensor<3x8xf32>) -> tensor<*xf32> {
  // expected-error @below {{X must have rank at least 3}}
  %y = onnx.GlobalAveragePool(%x) : (tensor<3x8xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %s = onnx.Constant() {value = dense<[4, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @below {{cannot reshape 6 elements into 8}}
  %y = onnx.Reshape(%x, %s) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @reshape_two_minus_one(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %s = onnx.Constant() {value = dense<[-1, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @below {{shape has more than one -1}}
  %y = onnx.Reshape(%x, %s) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @transpose_perm(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  // expected-error @below {{perm is not a permutation of 0..1}}
  %y = onnx.Transpose(%x) {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @concat_mismatch(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> tensor<*xf32> {
  // expected-error @below {{inputs differ in dimension 0 (2 vs 4)}}
  %y = onnx.Concat(%a, %b) {axis = 1 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @flatten_axis(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  // expected-error @below {{axis 3 is out of range for rank 2}}
  %y = onnx.Flatten(%x) {axis = 3 : i64} : (tensor<2x3xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @gather_axis(%x: tensor<2x3xf32>, %i: tensor<4xi64>) -> tensor<*xf32> {
  // expected-error @below {{axis 2 is out of range for rank 2}}
  %y = onnx.Gather(%x, %i) {axis = 2 : i64} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @slice_step(%x: tensor<8xf32>) -> tensor<*xf32> {
  %s = onnx.Constant() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = onnx.Constant() {value = dense<4> : tensor<1xi64>} : () -> tensor<1xi64>
  %a = onnx.Constant() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %st = onnx.Constant() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  // expected-error @below {{steps must be non-zero}}
  %y = onnx.Slice(%x, %s, %e, %a, %st) : (tensor<8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @constant_two_values() -> tensor<*xf32> {
  // expected-error @below {{must have exactly one value attribute, has 2}}
  %0 = onnx.Constant() {value = dense<1.0> : tensor<f32>, value_float = 2.0 : f32} : () -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @cast_result(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @below {{incompatible with the inferred type 'tensor<2xi64>'}}
  %0 = onnx.Cast(%x) {to = 7 : i64} : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @clip_bounds(%x: tensor<2xf32>, %m: tensor<2xf32>) -> tensor<2xf32> {
  %none = onnx.NoValue
  // expected-error @below {{bounds must be scalars}}
  %0 = onnx.Clip(%x, %m, %none) : (tensor<2xf32>, tensor<2xf32>, none) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @missing_required_attribute(%x: tensor<1x3x8x8xf32>) -> tensor<*xf32> {
  // expected-error @below {{requires attribute 'kernel_shape'}}
  %y, %i = onnx.MaxPool(%x) : (tensor<1x3x8x8xf32>) -> (tensor<*xf32>, none)
  return %y : tensor<*xf32>
}

// -----

func.func @pool_negative_pads(%x: tensor<1x3x8x8xf32>) -> tensor<*xf32> {
  // expected-error @below {{pads must be non-negative}}
  %y = onnx.AveragePool(%x) {kernel_shape = array<i64: 2, 2>, pads = array<i64: -1, 0, 0, 0>} : (tensor<1x3x8x8xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @pool_zero_kernel(%x: tensor<1x3x8x8xf32>) -> tensor<*xf32> {
  // expected-error @below {{kernel sizes must be positive}}
  %y = onnx.AveragePool(%x) {kernel_shape = array<i64: 0, 2>} : (tensor<1x3x8x8xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @squeeze_non_one(%x: tensor<2x1x3xf32>) -> tensor<*xf32> {
  %axes = onnx.Constant() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  // expected-error @below {{cannot squeeze dimension 0 of size 2}}
  %y = onnx.Squeeze(%x, %axes) : (tensor<2x1x3xf32>, tensor<1xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @unsqueeze_duplicate(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %axes = onnx.Constant() {value = dense<[1, -3]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @below {{axis 1 appears twice}}
  %y = onnx.Unsqueeze(%x, %axes) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @expand_incompatible(%x: tensor<3x4xf32>) -> tensor<*xf32> {
  %s = onnx.Constant() {value = dense<[2, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+1 {{operands are not broadcast-compatible}}
  %e = onnx.Expand(%x, %s) : (tensor<3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %e : tensor<*xf32>
}

// -----

func.func @split_sizes(%x: tensor<6x4xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %s = onnx.Constant() {value = dense<[2, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+1 {{split sizes add up to 5, the axis has 6}}
  %a, %b = onnx.Split(%x, %s) : (tensor<6x4xf32>, tensor<2xi64>) -> (tensor<*xf32>, tensor<*xf32>)
  return %a, %b : tensor<*xf32>, tensor<*xf32>
}
