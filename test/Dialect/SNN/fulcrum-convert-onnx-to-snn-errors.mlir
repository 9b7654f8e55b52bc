// RUN: not fulcrum-opt %s --split-input-file --fulcrum-convert-onnx-to-snn 2>&1 | FileCheck %s
// RUN: not fulcrum-opt %s --split-input-file --fulcrum-convert-onnx-to-snn=maxpool=avg 2>&1 | FileCheck %s --check-prefix=AVG
// RUN: not fulcrum-opt %s --split-input-file --fulcrum-convert-onnx-to-snn=maxpool=max 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not fulcrum-opt %s --split-input-file --fulcrum-convert-onnx-to-snn=neuron=izhikevich 2>&1 | FileCheck %s --check-prefix=NEURON
// RUN: not fulcrum-opt %s --split-input-file --fulcrum-convert-onnx-to-snn="neuron=lif lif-tau=0" 2>&1 | FileCheck %s --check-prefix=TAU
// Each error names the node (its ONNX name, from the location) and the
// reason, and the pass fails.

// An operator the conversion does not know.
// CHECK: error: {{.*}}node 'sig1' (Sigmoid): operator not supported by the ANN-to-SNN conversion (supported: Gemm, MatMul, Conv, Relu, Add, Flatten, AveragePool, GlobalAveragePool, MaxPool, BatchNormalization after Conv)
func.func @main_graph(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %0 = onnx.Sigmoid(%x) : (tensor<?x2xf32>) -> tensor<?x2xf32> loc("sig1")
  return %0 : tensor<?x2xf32>
}

// -----

// A Relu needs its calibrated activation scale.
// CHECK: error: {{.*}}node 'relu1' (Relu): has no positive 'snn.activation_scale'; calibrate first (fulcrum-snn-calibrate, --calibration-data)
func.func @main_graph(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %0 = onnx.Relu(%x) : (tensor<?x2xf32>) -> tensor<?x2xf32> loc("relu1")
  return %0 : tensor<?x2xf32>
}

// -----

// A BatchNormalization that no Conv precedes cannot be folded.
// CHECK: error: {{.*}}node 'bn' (BatchNormalization): BatchNormalization must follow a Conv to be folded into its weights
func.func @main_graph(%x: tensor<?x2x1x1xf32>) -> tensor<?x2x1x1xf32> {
  %s = onnx.Constant() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %0, %1, %2 = onnx.BatchNormalization(%x, %s, %s, %s, %s) : (tensor<?x2x1x1xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<?x2x1x1xf32>, none, none) loc("bn")
  return %0 : tensor<?x2x1x1xf32>
}

// -----

// A residual sum must feed a neuron.
// CHECK: error: {{.*}}node 'fc' (Gemm): a residual sum may only feed a Relu (or the output)
func.func @main_graph(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %w = onnx.Constant() {value = dense<1.0> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %0 = onnx.Relu(%x) {snn.activation_scale = 1.0 : f32} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  %1 = onnx.Add(%0, %0) : (tensor<?x2xf32>, tensor<?x2xf32>) -> tensor<?x2xf32>
  %none = onnx.NoValue
  %2 = onnx.Gemm(%1, %w, %none) : (tensor<?x2xf32>, tensor<2x2xf32>, none) -> tensor<?x2xf32> loc("fc")
  return %2 : tensor<?x2xf32>
}

// -----

// A weight that is not a constant cannot become synapses.
// CHECK: error: {{.*}}node 'mm' (MatMul): needs a constant 2-D right operand
func.func @main_graph(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %0 = onnx.Relu(%x) {snn.activation_scale = 1.0 : f32} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  %1 = onnx.MatMul(%0, %0) : (tensor<?x2xf32>, tensor<?x2xf32>) -> tensor<?x2xf32> loc("mm")
  return %1 : tensor<?x2xf32>
}

// -----

// The network needs one batched input and one output.
// CHECK: error: the ANN-to-SNN conversion needs one input and one output, got 2 and 1
func.func @main_graph(%x: tensor<?x2xf32>, %y: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %0 = onnx.Add(%x, %y) : (tensor<?x2xf32>, tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

// negative_: MaxPool with ceil_mode has no pooling form; average pooling
// (maxpool=avg) also refuses padding.
// CHECK: error: {{.*}}node 'ceil_pool' (MaxPool): only undilated MaxPool with ceil_mode 0 and without indices is converted
// AVG: error: {{.*}}node 'ceil_pool' (MaxPool): only unpadded, undilated MaxPool without indices is approximated
func.func @main_graph(%x: tensor<?x1x5x5xf32>) -> tensor<?x1x3x3xf32> {
  %0 = onnx.Relu(%x) {snn.activation_scale = 1.0 : f32} : (tensor<?x1x5x5xf32>) -> tensor<?x1x5x5xf32>
  %1, %2 = onnx.MaxPool(%0) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, ceil_mode = 1 : i64} : (tensor<?x1x5x5xf32>) -> (tensor<?x1x3x3xf32>, none) loc("ceil_pool")
  return %1 : tensor<?x1x3x3xf32>
}

// -----

// negative_: asymmetric padding has no pooling form.
// CHECK: error: {{.*}}node 'asym_pool' (MaxPool): asymmetric padding has no NIR pooling form
func.func @main_graph(%x: tensor<?x1x4x4xf32>) -> tensor<?x1x2x2xf32> {
  %0 = onnx.Relu(%x) {snn.activation_scale = 1.0 : f32} : (tensor<?x1x4x4xf32>) -> tensor<?x1x4x4xf32>
  %1, %2 = onnx.MaxPool(%0) {kernel_shape = array<i64: 2, 2>, pads = array<i64: 1, 1, 0, 0>, strides = array<i64: 2, 2>} : (tensor<?x1x4x4xf32>) -> (tensor<?x1x2x2xf32>, none) loc("asym_pool")
  return %1 : tensor<?x1x2x2xf32>
}

// -----

// negative_: per-channel scales need one positive value per channel.
// CHECK: error: {{.*}}node 'relu_n' (Relu): 'snn.channel_scales' needs one value per channel
func.func @main_graph(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %0 = onnx.Relu(%x) {snn.activation_scale = 1.0 : f32, snn.channel_scales = dense<[1.0, 2.0]> : tensor<2xf32>} : (tensor<?x3xf32>) -> tensor<?x3xf32> loc("relu_n")
  return %0 : tensor<?x3xf32>
}

// -----

// CHECK: error: {{.*}}node 'relu_z' (Relu): 'snn.channel_scales' must be positive
func.func @main_graph(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %0 = onnx.Relu(%x) {snn.activation_scale = 1.0 : f32, snn.channel_scales = dense<[1.0, 0.0]> : tensor<2xf32>} : (tensor<?x2xf32>) -> tensor<?x2xf32> loc("relu_z")
  return %0 : tensor<?x2xf32>
}

// An unknown MaxPool mode or neuron model, or a LIF time constant that is
// not positive, is an error.
// MODE: error: maxpool must be "spike-max" or "avg", got "max"
// NEURON: error: neuron must be "if" or "lif", got "izhikevich"
// TAU: error: lif-tau must be positive, got 0.000000e+00

// -----

// A padded MaxPool (padding smaller than the kernel) converts to the
// padded spike max; maxpool=avg refuses it. (Checked last: the
// converted module is printed on stdout after the errors on stderr.)
// CHECK: snn.spike_max_pool2d %{{.*}} {kernel_size = array<i64: 3, 3>, name = "padded_pool", padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<1x5x5xf32>) -> tensor<1x3x3xf32>
// AVG: error: {{.*}}node 'padded_pool' (MaxPool): only unpadded, undilated MaxPool without indices is approximated
func.func @main_graph(%x: tensor<?x1x5x5xf32>) -> tensor<?x1x3x3xf32> {
  %0 = onnx.Relu(%x) {snn.activation_scale = 1.0 : f32} : (tensor<?x1x5x5xf32>) -> tensor<?x1x5x5xf32>
  %1, %2 = onnx.MaxPool(%0) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x1x5x5xf32>) -> (tensor<?x1x3x3xf32>, none) loc("padded_pool")
  return %1 : tensor<?x1x3x3xf32>
}

