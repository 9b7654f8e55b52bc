// RUN: fulcrum-opt %s --split-input-file --verify-diagnostics

// An affine weight must map the input to the result.
func.func @affine_shape(%x: tensor<4xf32>) -> tensor<3xf32> {
  // expected-error @below {{'snn.affine' op weight 'tensor<3x5xf32>' does not map}}
  %0 = snn.affine %x {weight = dense<1.0> : tensor<3x5xf32>} : (tensor<4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// A threshold must be positive.
func.func @threshold(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{'snn.if' op 'v_threshold' must be positive}}
  %0 = snn.if %x {r = dense<1.0> : tensor<1xf32>, v_threshold = dense<0.0> : tensor<1xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// The reset mode is subtract or zero.
func.func @reset(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{reset must be "subtract" or "zero", got "hold"}}
  %0 = snn.if %x {r = dense<1.0> : tensor<1xf32>, v_threshold = dense<1.0> : tensor<1xf32>, reset = "hold"} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Parameters are a splat or one value per neuron.
func.func @param_shape(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{'tau' must be a single value or have the neurons' shape}}
  %0 = snn.lif %x {tau = dense<1.0> : tensor<3xf32>, r = dense<1.0> : tensor<1xf32>, v_leak = dense<0.0> : tensor<1xf32>, v_threshold = dense<1.0> : tensor<1xf32>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Neurons sum inputs of their own type.
func.func @sum_types(%x: tensor<4xf32>, %y: tensor<3xf32>) -> tensor<4xf32> {
  // expected-error @below {{inputs must have the result's type}}
  %0 = snn.if %x, %y {r = dense<1.0> : tensor<1xf32>, v_threshold = dense<1.0> : tensor<1xf32>} : (tensor<4xf32>, tensor<3xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A convolution's result size follows from stride and padding.
func.func @conv_size(%x: tensor<1x4x4xf32>) -> tensor<2x4x4xf32> {
  // expected-error @below {{result spatial size 4 does not match 2}}
  %0 = snn.conv2d %x {weight = dense<1.0> : tensor<2x1x3x3xf32>, stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  return %0 : tensor<2x4x4xf32>
}

// -----

// Pooling keeps channels and needs matching sizes.
func.func @pool_size(%x: tensor<2x4x4xf32>) -> tensor<2x3x3xf32> {
  // expected-error @below {{result spatial size 3 does not match 2}}
  %0 = snn.sum_pool2d %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<2x4x4xf32>) -> tensor<2x3x3xf32>
  return %0 : tensor<2x3x3xf32>
}

// -----

// Flatten's result is the flattened input.
func.func @flatten(%x: tensor<2x3xf32>) -> tensor<5xf32> {
  // expected-error @below {{result shape does not match the flattened input}}
  %0 = snn.flatten %x : (tensor<2x3xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Delays are not negative.
func.func @delay(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @below {{'delay' must not be negative}}
  %0 = snn.delay %x {delay = dense<-1.0> : tensor<1xf32>} : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Max pooling keeps the pooling shape rules.
func.func @negative_spike_max_pool_shape(%x: tensor<2x4x4xf32>) -> tensor<2x3x3xf32> {
  // expected-error @below {{'snn.spike_max_pool2d' op result spatial size 3 does not match 2}}
  %0 = snn.spike_max_pool2d %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<2x4x4xf32>) -> tensor<2x3x3xf32>
  return %0 : tensor<2x3x3xf32>
}

// -----

// A max pooling window must hold at least one input element.
func.func @negative_spike_max_pool_padding(%x: tensor<2x4x4xf32>) -> tensor<2x6x6xf32> {
  // expected-error @below {{'snn.spike_max_pool2d' op padding must be smaller than kernel_size}}
  %0 = snn.spike_max_pool2d %x {kernel_size = array<i64: 1, 1>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>} : (tensor<2x4x4xf32>) -> tensor<2x6x6xf32>
  return %0 : tensor<2x6x6xf32>
}

// -----

// Max pooling keeps the channels.
func.func @negative_spike_max_pool_channels(%x: tensor<2x4x4xf32>) -> tensor<3x2x2xf32> {
  // expected-error @below {{'snn.spike_max_pool2d' op pooling keeps the channel count}}
  %0 = snn.spike_max_pool2d %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<2x4x4xf32>) -> tensor<3x2x2xf32>
  return %0 : tensor<3x2x2xf32>
}
