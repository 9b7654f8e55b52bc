// RUN: fulcrum-opt %s --split-input-file --verify-diagnostics

// An unknown activation.
func.func @unknown_activation(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{'fulcrum.matmul' op unknown activation 'tanh'}}
  %0 = fulcrum.matmul %a, %b {activation = "tanh"} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// Clip needs its bounds.
func.func @clip_without_bounds(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{activation 'clip' needs clip_min and clip_max}}
  %0 = fulcrum.matmul %a, %b {activation = "clip", clip_min = 0.0 : f32} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// Bounds the wrong way round.
func.func @clip_inverted(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{clip_min is greater than clip_max}}
  %0 = fulcrum.matmul %a, %b {activation = "clip", clip_min = 6.0 : f32, clip_max = 0.0 : f32} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// Bounds without clip.
func.func @bounds_without_clip(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{clip_min/clip_max given with activation 'relu'}}
  %0 = fulcrum.matmul %a, %b {activation = "relu", clip_min = 0.0 : f32, clip_max = 6.0 : f32} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// A residual of another type.
func.func @residual_type(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %r: tensor<16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{residual must have the result's type}}
  %0 = fulcrum.matmul %a, %b residual %r : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// A bias that does not broadcast to the result.
func.func @bias_shape(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<8xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{bias does not broadcast to the result (dimension 0 is 8, the result's is 16)}}
  %0 = fulcrum.matmul %a, %b bias %c : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// A convolution bias with one value per output channel.
func.func @conv_bias(%x: tensor<1x8x16x16xf32>, %w: tensor<4x8x1x1xf32>, %b: tensor<8xf32>) -> tensor<1x4x16x16xf32> {
  // expected-error @below {{bias has 8 elements for 4 output channels}}
  %0 = fulcrum.conv %x, %w bias %b : (tensor<1x8x16x16xf32>, tensor<4x8x1x1xf32>, tensor<8xf32>) -> tensor<1x4x16x16xf32>
  return %0 : tensor<1x4x16x16xf32>
}

// -----

// Mixed element types.
func.func @element_types(%x: tensor<1x8x16x16xf32>, %w: tensor<4x8x1x1xf16>) -> tensor<1x4x16x16xf32> {
  // expected-error @below {{operand element types differ from the result's}}
  %0 = fulcrum.conv %x, %w : (tensor<1x8x16x16xf32>, tensor<4x8x1x1xf16>) -> tensor<1x4x16x16xf32>
  return %0 : tensor<1x4x16x16xf32>
}

// -----

// Gemm takes matrices.
func.func @gemm_rank(%a: tensor<2x4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{operands and result must be matrices}}
  %0 = fulcrum.gemm %a, %b : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// Layer norm axis out of range.
func.func @layer_norm_axis(%x: tensor<4x16xf32>, %g: tensor<16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{axis 2 is out of range for rank 2}}
  %0 = fulcrum.layer_norm %x, %g {axis = 2 : i64} : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// A scale that does not broadcast to the normalized dimensions.
func.func @layer_norm_scale(%x: tensor<4x16xf32>, %g: tensor<4x16xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{scale has a higher rank than the result}}
  %0 = fulcrum.layer_norm %x, %g : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// GELU approximations are "none" or "tanh".
func.func @gelu_approximate(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @below {{approximate must be "none" or "tanh", not "fast"}}
  %0 = fulcrum.gelu %x {approximate = "fast"} : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// Annotations are checked.
func.func @bad_precision(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @below {{'fulcrum.precision' must be one of "fp32", "bf16", "int8", "int8-weights"}}
  %0 = fulcrum.gelu %x {fulcrum.precision = "fp8"} : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @bad_pruning_ratio(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @below {{'fulcrum.pruning_ratio' must be a float in [0, 1)}}
  %0 = fulcrum.gelu %x {fulcrum.pruning_ratio = 1.0 : f32} : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// Attention: Q and K must share the head dimension.
func.func @attention_head_dims(%q: tensor<2x4x8xf32>, %k: tensor<2x6x16xf32>, %v: tensor<2x6x8xf32>) -> tensor<2x4x8xf32> {
  // expected-error @below {{Q and K must have one head dimension}}
  %0 = fulcrum.attention %q, %k, %v {head_dim = 8 : i64, scale = 1.0 : f32} : (tensor<2x4x8xf32>, tensor<2x6x16xf32>, tensor<2x6x8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

// Attention: a mask needs a mask kind.
func.func @attention_mask_kind(%q: tensor<2x4x8xf32>, %m: tensor<2x4x4xf32>) -> tensor<2x4x8xf32> {
  // expected-error @below {{a mask operand needs mask_kind "additive" or "boolean", and they need one}}
  %0 = fulcrum.attention %q, %q, %q mask %m {head_dim = 8 : i64, scale = 1.0 : f32} : (tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x4xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

// Attention: a boolean mask is i1.
func.func @attention_boolean_mask_type(%q: tensor<2x4x8xf32>, %m: tensor<2x4x4xf32>) -> tensor<2x4x8xf32> {
  // expected-error @below {{a boolean mask must have element type 'i1'}}
  %0 = fulcrum.attention %q, %q, %q mask %m {head_dim = 8 : i64, scale = 1.0 : f32, mask_kind = "boolean"} : (tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x4xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

// Attention: the mask broadcasts to the scores [.., Lq, Lk].
func.func @attention_mask_shape(%q: tensor<2x4x8xf32>, %m: tensor<1x4x8xf32>) -> tensor<2x4x8xf32> {
  // expected-error @below {{mask does not broadcast to the result (dimension 2 is 8, the result's is 4)}}
  %0 = fulcrum.attention %q, %q, %q mask %m {head_dim = 8 : i64, scale = 1.0 : f32, mask_kind = "additive"} : (tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<1x4x8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

// Quantized convolutions take 8-bit activations and signed 8-bit weights.
func.func @qconv_float_input(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x1x1xi8>) -> tensor<1x1x4x4xf32> {
  // expected-error @below {{needs 8-bit integer activations (ui8 or i8)}}
  %0 = fulcrum.qconv %x, %w {x_scale = 1.0 : f32, w_scale = array<f32: 1.0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x1x1xi8>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

func.func @qconv_unsigned_weights(%x: tensor<1x1x4x4xui8>, %w: tensor<1x1x1x1xui8>) -> tensor<1x1x4x4xf32> {
  // expected-error @below {{needs signed 8-bit weights (i8)}}
  %0 = fulcrum.qconv %x, %w {x_scale = 1.0 : f32, w_scale = array<f32: 1.0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xui8>, tensor<1x1x1x1xui8>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// One weight scale, or one per output channel.
func.func @qconv_scales(%x: tensor<1x1x4x4xui8>, %w: tensor<2x1x1x1xi8>) -> tensor<1x2x4x4xf32> {
  // expected-error @below {{w_scale must have 1 or 2 values}}
  %0 = fulcrum.qconv %x, %w {x_scale = 1.0 : f32, w_scale = array<f32: 1.0, 2.0, 3.0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xui8>, tensor<2x1x1x1xi8>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

// A group other than 1 is depthwise: one filter per channel.
func.func @qconv_grouped(%x: tensor<1x4x4x4xui8>, %w: tensor<4x2x1x1xi8>) -> tensor<1x4x4x4xf32> {
  // expected-error @below {{group 2 must be 1 or, for a depthwise convolution, the input's and the result's channels with C x 1 x KH x KW weights}}
  %0 = fulcrum.qconv %x, %w {x_scale = 1.0 : f32, w_scale = array<f32: 1.0>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x4x4x4xui8>, tensor<4x2x1x1xi8>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// An 8-bit result needs its scale; f32 and i32 results take no activation.
func.func @qgemm_no_output_scale(%a: tensor<2x3xui8>, %w: tensor<4x3xi8>) -> tensor<2x4xui8> {
  // expected-error @below {{an 8-bit result needs a positive y_scale}}
  %0 = fulcrum.qgemm %a, %w {x_scale = 1.0 : f32, w_scale = array<f32: 1.0>} : (tensor<2x3xui8>, tensor<4x3xi8>) -> tensor<2x4xui8>
  return %0 : tensor<2x4xui8>
}

// -----

func.func @qgemm_f32_activation(%a: tensor<2x3xui8>, %w: tensor<4x3xi8>) -> tensor<2x4xf32> {
  // expected-error @below {{an f32 or i32 result takes no activation}}
  %0 = fulcrum.qgemm %a, %w {x_scale = 1.0 : f32, w_scale = array<f32: 1.0>, activation = "relu"} : (tensor<2x3xui8>, tensor<4x3xi8>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @qgemm_shapes(%a: tensor<2x3xui8>, %w: tensor<4x5xi8>) -> tensor<2x4xf32> {
  // expected-error @below {{weights must be [N, K] with K the last dimension of A}}
  %0 = fulcrum.qgemm %a, %w {x_scale = 1.0 : f32, w_scale = array<f32: 1.0>} : (tensor<2x3xui8>, tensor<4x5xi8>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @qgemm_bias(%a: tensor<2x3xui8>, %w: tensor<4x3xi8>, %b: tensor<4xf32>) -> tensor<2x4xf32> {
  // expected-error @below {{bias must be 4 x i32 (one per output channel)}}
  %0 = fulcrum.qgemm %a, %w bias %b {x_scale = 1.0 : f32, w_scale = array<f32: 1.0>} : (tensor<2x3xui8>, tensor<4x3xi8>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
