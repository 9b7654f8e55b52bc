// RUN: fulcrum-opt %s --split-input-file --fulcrum-convert-onnx-to-snn | FileCheck %s
// RUN: fulcrum-opt %s --split-input-file --fulcrum-convert-onnx-to-snn=maxpool=avg | FileCheck %s --check-prefix=AVG
// RUN: fulcrum-opt %s --split-input-file --fulcrum-convert-onnx-to-snn="neuron=lif lif-tau=50" | FileCheck %s --check-prefix=LIF

// A Gemm-Relu-Gemm network: the Relu becomes IF neurons whose threshold is
// its activation scale (2), starting at half of it, and the weights its
// spikes drive are multiplied by that scale.
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: (%[[ARG:.*]]: tensor<3xf32> {onnx.name = "x"}) -> (tensor<1xf32> {onnx.name = "y"})
// CHECK: %[[IN:.*]] = snn.input %[[ARG]] {name = "x"}
// CHECK: %[[A1:.*]] = snn.affine %[[IN]] {bias = dense<[5.000000e-01, -1.000000e+00]> : tensor<2xf32>, name = "fc1", weight = dense<{{\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00], [4.000000e+00, 5.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>}
// CHECK: %[[IF:.*]] = snn.if %[[A1]] {name = "relu1", r = dense<1.000000e+00> : tensor<1xf32>, v_init = dense<1.000000e+00> : tensor<1xf32>, v_threshold = dense<2.000000e+00> : tensor<1xf32>}
// CHECK: %[[A2:.*]] = snn.affine %[[IF]] {name = "fc2", weight = dense<{{\[\[}}2.000000e+00, -6.000000e+00]]> : tensor<1x2xf32>}
// With neuron=lif: LIF neurons with r = tau (each step adds the current
// and leaks v / tau), no leak potential, the same threshold and membrane.
// LIF-LABEL: func.func @main_graph
// LIF: %[[A1:.*]] = snn.affine
// LIF: %[[N:.*]] = snn.lif %[[A1]] {name = "relu1", r = dense<5.000000e+01> : tensor<1xf32>, tau = dense<5.000000e+01> : tensor<1xf32>, v_init = dense<1.000000e+00> : tensor<1xf32>, v_leak = dense<0.000000e+00> : tensor<1xf32>, v_threshold = dense<2.000000e+00> : tensor<1xf32>}
// LIF: snn.affine %[[N]] {name = "fc2"
// LIF-NOT: snn.if
// CHECK: %[[OUT:.*]] = snn.output %[[A2]] {name = "y"}
// CHECK: return %[[OUT]]
func.func @main_graph(%x: tensor<?x3xf32> {onnx.name = "x"}) -> (tensor<?x1xf32> {onnx.name = "y"}) {
  %w1 = onnx.Constant() {value = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>} : () -> tensor<2x3xf32>
  %b1 = onnx.Constant() {value = dense<[0.5, -1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %w2 = onnx.Constant() {value = dense<[[1.0], [-3.0]]> : tensor<2x1xf32>} : () -> tensor<2x1xf32>
  %0 = onnx.Gemm(%x, %w1, %b1) {transB = 1 : i64} : (tensor<?x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<?x2xf32> loc("fc1")
  %1 = onnx.Relu(%0) {snn.activation_scale = 2.0 : f32} : (tensor<?x2xf32>) -> tensor<?x2xf32> loc("relu1")
  %2 = onnx.MatMul(%1, %w2) : (tensor<?x2xf32>, tensor<2x1xf32>) -> tensor<?x1xf32> loc("fc2")
  return %2 : tensor<?x1xf32>
}

// -----

// A residual block: the identity shortcut's spikes are scaled by their
// activation scale (3) and join the conv's current as a second operand of
// the neuron after the Add; MaxPool becomes snn.spike_max_pool2d (the max
// of spike counts, in the units of the spikes pooled) or, with
// maxpool=avg, average pooling times the calibrated gain; a
// GlobalAveragePool and Flatten follow.
// CHECK-LABEL: func.func @main_graph
// CHECK: %[[C1:.*]] = snn.conv2d %{{.*}} {{.*}}name = "conv1"
// CHECK: %[[R1:.*]] = snn.if %[[C1]] {{.*}}v_threshold = dense<3.000000e+00>
// CHECK: %[[C2:.*]] = snn.conv2d %[[R1]] {{.*}}weight = dense<3.000000e+00> : tensor<1x1x1x1xf32>
// CHECK: %[[S:.*]] = snn.scale %[[R1]] {{.*}}scale = dense<3.000000e+00>
// CHECK: %[[R2:.*]] = snn.if %[[C2]], %[[S]] {{.*}}v_threshold = dense<4.000000e+00>
// CHECK: %[[P:.*]] = snn.spike_max_pool2d %[[R2]] {kernel_size = array<i64: 2, 2>, name = "pool", padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x4x4xf32>) -> tensor<1x2x2xf32>
// CHECK-NOT: snn.scale
// CHECK: %[[GAP:.*]] = snn.avg_pool2d %[[P]] {kernel_size = array<i64: 2, 2>, {{.*}}stride = array<i64: 2, 2>} : (tensor<1x2x2xf32>) -> tensor<1x1x1xf32>
// CHECK: %[[F:.*]] = snn.flatten %[[GAP]]
// The pooled spikes still carry the second neuron's scale (4).
// CHECK: %[[OS:.*]] = snn.scale %[[F]] {{.*}}scale = dense<4.000000e+00>
// CHECK: snn.output %[[OS]]
// AVG-LABEL: func.func @main_graph
// AVG: %[[R2:.*]] = snn.if {{.*}}v_threshold = dense<4.000000e+00>
// AVG-NOT: snn.spike_max_pool2d
// AVG: %[[P:.*]] = snn.avg_pool2d %[[R2]] {kernel_size = array<i64: 2, 2>, name = "pool", padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x4x4xf32>) -> tensor<1x2x2xf32>
// AVG: %[[G:.*]] = snn.scale %[[P]] {{.*}}scale = dense<1.500000e+00>
// AVG: snn.avg_pool2d %[[G]] {kernel_size = array<i64: 2, 2>, {{.*}}stride = array<i64: 2, 2>} : (tensor<1x2x2xf32>) -> tensor<1x1x1xf32>
// AVG: snn.flatten
// AVG: snn.output
func.func @main_graph(%x: tensor<?x1x4x4xf32>) -> tensor<?x1xf32> {
  %w = onnx.Constant() {value = dense<1.0> : tensor<1x1x1x1xf32>} : () -> tensor<1x1x1x1xf32>
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w, %none) {kernel_shape = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<?x1x4x4xf32>, tensor<1x1x1x1xf32>, none) -> tensor<?x1x4x4xf32> loc("conv1")
  %1 = onnx.Relu(%0) {snn.activation_scale = 3.0 : f32} : (tensor<?x1x4x4xf32>) -> tensor<?x1x4x4xf32>
  %2 = onnx.Conv(%1, %w, %none) {kernel_shape = array<i64: 1, 1>} : (tensor<?x1x4x4xf32>, tensor<1x1x1x1xf32>, none) -> tensor<?x1x4x4xf32> loc("conv2")
  %3 = onnx.Add(%2, %1) : (tensor<?x1x4x4xf32>, tensor<?x1x4x4xf32>) -> tensor<?x1x4x4xf32>
  %4 = onnx.Relu(%3) {snn.activation_scale = 4.0 : f32} : (tensor<?x1x4x4xf32>) -> tensor<?x1x4x4xf32>
  %5, %6 = onnx.MaxPool(%4) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, snn.maxpool_gain = 1.5 : f32} : (tensor<?x1x4x4xf32>) -> (tensor<?x1x2x2xf32>, none) loc("pool")
  %7 = onnx.GlobalAveragePool(%5) : (tensor<?x1x2x2xf32>) -> tensor<?x1x1x1xf32>
  %8 = onnx.Flatten(%7) : (tensor<?x1x1x1xf32>) -> tensor<?x1xf32>
  return %8 : tensor<?x1xf32>
}

// -----

// A constant Add after a MatMul joins its bias.
// CHECK-LABEL: func.func @main_graph
// CHECK: snn.affine %{{.*}} {bias = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-NOT: snn.scale
func.func @main_graph(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %w = onnx.Constant() {value = dense<1.0> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = onnx.MatMul(%x, %w) : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
  %1 = onnx.Add(%0, %b) : (tensor<?x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  return %1 : tensor<?x2xf32>
}

// -----

// negative_: a function other than the entry point is not converted.
// CHECK-LABEL: func.func @negative_not_entry
// CHECK-NEXT: onnx.Relu
// CHECK-NEXT: return
// CHECK-LABEL: func.func @main_graph
// CHECK: snn.if
func.func @negative_not_entry(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %0 = onnx.Relu(%x) {snn.activation_scale = 1.0 : f32} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}
func.func @main_graph(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %0 = onnx.Relu(%x) {snn.activation_scale = 1.0 : f32} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

// Per-channel scales: the neurons of channel c get threshold s_c (membrane
// from s_c / 2, one value per neuron), the next Conv's weights reading
// channel c are multiplied by s_c, the spike max keeps the channel scales,
// and after Flatten the Gemm's weight columns carry the scale of the
// channel each flattened element came from.
// CHECK-LABEL: func.func @main_graph
// CHECK: %[[R:.*]] = snn.if %{{.*}} {name = "relu_c", r = dense<1.000000e+00> : tensor<1xf32>, v_init = dense<{{\[\[\[}}1.000000e+00, 1.000000e+00], [1.000000e+00, 1.000000e+00]], {{\[\[}}2.000000e+00, 2.000000e+00], [2.000000e+00, 2.000000e+00]]]> : tensor<2x2x2xf32>, v_threshold = dense<{{\[\[\[}}2.000000e+00, 2.000000e+00], [2.000000e+00, 2.000000e+00]], {{\[\[}}4.000000e+00, 4.000000e+00], [4.000000e+00, 4.000000e+00]]]> : tensor<2x2x2xf32>}
// CHECK: snn.conv2d %[[R]] {{{.*}}name = "conv_c", {{.*}}weight = dense<{{\[\[\[\[}}2.000000e+00]], {{\[\[}}4.000000e+00]]]]> : tensor<1x2x1x1xf32>}
// CHECK: %[[P:.*]] = snn.spike_max_pool2d %[[R]]
// CHECK: %[[F:.*]] = snn.flatten %[[P]]
// CHECK: snn.affine %[[F]] {name = "fc_c", weight = dense<{{\[\[}}2.000000e+00, 4.000000e+00]]> : tensor<1x2xf32>}
func.func @main_graph(%x: tensor<?x2x2x2xf32>) -> tensor<?x1xf32> {
  %w = onnx.Constant() {value = dense<1.0> : tensor<1x2x1x1xf32>} : () -> tensor<1x2x1x1xf32>
  %wf = onnx.Constant() {value = dense<1.0> : tensor<1x2xf32>} : () -> tensor<1x2xf32>
  %none = onnx.NoValue
  %0 = onnx.Relu(%x) {snn.activation_scale = 3.0 : f32, snn.channel_scales = dense<[2.0, 4.0]> : tensor<2xf32>} : (tensor<?x2x2x2xf32>) -> tensor<?x2x2x2xf32> loc("relu_c")
  %1 = onnx.Conv(%0, %w, %none) {kernel_shape = array<i64: 1, 1>} : (tensor<?x2x2x2xf32>, tensor<1x2x1x1xf32>, none) -> tensor<?x1x2x2xf32> loc("conv_c")
  %2, %3 = onnx.MaxPool(%0) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x2x2x2xf32>) -> (tensor<?x2x1x1xf32>, none)
  %4 = onnx.Flatten(%2) : (tensor<?x2x1x1xf32>) -> tensor<?x2xf32>
  %5 = onnx.Gemm(%4, %wf, %none) {transB = 1 : i64} : (tensor<?x2xf32>, tensor<1x2xf32>, none) -> tensor<?x1xf32> loc("fc_c")
  return %5 : tensor<?x1xf32>
}

// -----

// A per-channel scale that reaches the output directly becomes a Scale
// with one value per element.
// CHECK-LABEL: func.func @main_graph
// CHECK: %[[R:.*]] = snn.if
// CHECK: %[[S:.*]] = snn.scale %[[R]] {{{.*}}scale = dense<[5.000000e-01, 2.500000e-01, 1.000000e+00]> : tensor<3xf32>}
// CHECK: snn.output %[[S]]
func.func @main_graph(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %0 = onnx.Relu(%x) {snn.activation_scale = 1.0 : f32, snn.channel_scales = dense<[0.5, 0.25, 1.0]> : tensor<3xf32>} : (tensor<?x3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}
