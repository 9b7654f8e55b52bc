// RUN: not fulcrum-opt %s --split-input-file --fulcrum-convert-onnx-to-snn 2>&1 | FileCheck %s
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
