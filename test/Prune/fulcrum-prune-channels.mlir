// RUN: fulcrum-opt %s --fulcrum-prune-channels="ratio=0.5 criterion=l1" --split-input-file | FileCheck %s

// The two filters of conv1 with the smallest L1 norm (|1| and |2|) go:
// conv1 keeps filters 1 and 3 and their biases, conv2 input channels 1, 3.
// CHECK-LABEL: func @chain
// CHECK: %[[W1:.*]] = onnx.Constant() {value = dense<{{\[\[\[\[}}-4.000000e+00]]], {{\[\[\[}}3.000000e+00]]]]> : tensor<2x1x1x1xf32>}
// CHECK: %[[B1:.*]] = onnx.Constant() {value = dense<[1.100000e+01, 1.300000e+01]> : tensor<2xf32>}
// CHECK: %[[C1:.*]] = onnx.Conv(%arg0, %[[W1]], %[[B1]]) {{.*}} -> tensor<1x2x4x4xf32>
// CHECK: %[[R:.*]] = onnx.Relu(%[[C1]]) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
// CHECK: %[[W2:.*]] = onnx.Constant() {value = dense<{{\[\[\[\[}}2.000000e+00]], {{\[\[}}4.000000e+00]]], {{\[\[\[}}6.000000e+00]], {{\[\[}}8.000000e+00]]]]> : tensor<2x2x1x1xf32>}
// CHECK: onnx.Conv(%[[R]], %[[W2]], %{{.*}}) {{.*}} -> tensor<1x2x4x4xf32>
func.func @chain(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w1 = onnx.Constant() {value = dense<[[[[1.0]]], [[[-4.0]]], [[[2.0]]], [[[3.0]]]]> : tensor<4x1x1x1xf32>} : () -> tensor<4x1x1x1xf32>
  %b1 = onnx.Constant() {value = dense<[10.0, 11.0, 12.0, 13.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %w2 = onnx.Constant() {value = dense<[[[[1.0]], [[2.0]], [[3.0]], [[4.0]]], [[[5.0]], [[6.0]], [[7.0]], [[8.0]]]]> : tensor<2x4x1x1xf32>} : () -> tensor<2x4x1x1xf32>
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w1, %b1) : (tensor<1x1x4x4xf32>, tensor<4x1x1x1xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %1 = onnx.Relu(%0) : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %2 = onnx.Conv(%1, %w2, %none) : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  return %2 : tensor<1x2x4x4xf32>
}

// -----

// Residual: the L1 norms of conv1's and conv2's filters add up per unit
// (1+1, 1+9, 1+1, 1+9 by rows): units 0 and 2 go from both producers, from
// conv2's input channels, from the Add and from conv3's input channels.
// CHECK-LABEL: func @residual
// CHECK: %[[C1:.*]] = onnx.Conv(%arg0, {{.*}}) {{.*}} -> tensor<1x2x4x4xf32>
// CHECK: %[[W2:.*]] = onnx.Constant() {value = dense<{{\[\[\[\[}}5.000000e+00]], {{\[\[}}6.000000e+00]]], {{\[\[\[}}7.000000e+00]], {{\[\[}}8.000000e+00]]]]> : tensor<2x2x1x1xf32>}
// CHECK: %[[C2:.*]] = onnx.Conv(%[[C1]], %[[W2]], {{.*}}) {{.*}} -> tensor<1x2x4x4xf32>
// CHECK: %[[A:.*]] = onnx.Add(%[[C2]], %[[C1]]) : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
// CHECK: %[[W3:.*]] = onnx.Constant() {value = dense<{{\[\[\[\[}}2.000000e+00]], {{\[\[}}4.000000e+00]]]]> : tensor<1x2x1x1xf32>}
// CHECK: onnx.Conv(%[[A]], %[[W3]], {{.*}}) {{.*}} -> tensor<1x1x4x4xf32>
func.func @residual(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %w1 = onnx.Constant() {value = dense<1.0> : tensor<4x1x1x1xf32>} : () -> tensor<4x1x1x1xf32>
  %w2 = onnx.Constant() {value = dense<[[[[0.0]], [[0.0]], [[0.0]], [[1.0]]], [[[1.0]], [[5.0]], [[1.0]], [[6.0]]], [[[0.0]], [[0.0]], [[0.0]], [[1.0]]], [[[1.0]], [[7.0]], [[0.0]], [[8.0]]]]> : tensor<4x4x1x1xf32>} : () -> tensor<4x4x1x1xf32>
  %w3 = onnx.Constant() {value = dense<[[[[1.0]], [[2.0]], [[3.0]], [[4.0]]]]> : tensor<1x4x1x1xf32>} : () -> tensor<1x4x1x1xf32>
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w1, %none) : (tensor<1x1x4x4xf32>, tensor<4x1x1x1xf32>, none) -> tensor<1x4x4x4xf32>
  %2 = onnx.Conv(%0, %w2, %none) : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>, none) -> tensor<1x4x4x4xf32>
  %3 = onnx.Add(%2, %0) : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %4 = onnx.Conv(%3, %w3, %none) : (tensor<1x4x4x4xf32>, tensor<1x4x1x1xf32>, none) -> tensor<1x1x4x4xf32>
  return %4 : tensor<1x1x4x4xf32>
}

// -----

// Concat: conv1 (2 filters, the second smaller) and conv2 (2 filters, the
// first smaller) each lose one; the consumer keeps input channels 0 and 3
// of the concatenation (offset 2 for conv2's).
// CHECK-LABEL: func @concat
// CHECK: %[[C:.*]] = onnx.Concat({{.*}}) {axis = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
// CHECK: %[[W3:.*]] = onnx.Constant() {value = dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}4.000000e+00]]]]> : tensor<1x2x1x1xf32>}
// CHECK: onnx.Conv(%[[C]], %[[W3]], {{.*}})
func.func @concat(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %w1 = onnx.Constant() {value = dense<[[[[5.0]]], [[[1.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %w2 = onnx.Constant() {value = dense<[[[[1.0]]], [[[5.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %w3 = onnx.Constant() {value = dense<[[[[1.0]], [[2.0]], [[3.0]], [[4.0]]]]> : tensor<1x4x1x1xf32>} : () -> tensor<1x4x1x1xf32>
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w1, %none) : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  %1 = onnx.Conv(%x, %w2, %none) : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  %2 = onnx.Concat(%0, %1) {axis = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  %3 = onnx.Conv(%2, %w3, %none) : (tensor<1x4x4x4xf32>, tensor<1x4x1x1xf32>, none) -> tensor<1x1x4x4xf32>
  return %3 : tensor<1x1x4x4xf32>
}

// -----

// BatchNormalization parameters, a depthwise convolution's filters and
// group count, and a per-channel constant follow the kept channels 1, 3.
// CHECK-LABEL: func @batchnorm_depthwise_broadcast
// CHECK: %[[S:.*]] = onnx.Constant() {value = dense<[2.000000e+00, 4.000000e+00]> : tensor<2xf32>}
// CHECK: %[[BN:.*]], %{{.*}}, %{{.*}} = onnx.BatchNormalization(%{{.*}}, %[[S]], {{.*}}) {{.*}} -> (tensor<1x2x4x4xf32>, none, none)
// CHECK: %[[WD:.*]] = onnx.Constant() {value = dense<{{\[\[\[\[}}6.000000e+00]]], {{\[\[\[}}8.000000e+00]]]]> : tensor<2x1x1x1xf32>}
// CHECK: %[[DW:.*]] = onnx.Conv(%[[BN]], %[[WD]], %{{.*}}) {group = 2 : i64} : {{.*}} -> tensor<1x2x4x4xf32>
// CHECK: %[[M:.*]] = onnx.Constant() {value = dense<{{\[\[\[}}3.000000e+00]], {{\[\[}}5.000000e+00]]]> : tensor<2x1x1xf32>}
// CHECK: onnx.Mul(%[[DW]], %[[M]]) : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
func.func @batchnorm_depthwise_broadcast(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w1 = onnx.Constant() {value = dense<[[[[1.0]]], [[[4.0]]], [[[2.0]]], [[[3.0]]]]> : tensor<4x1x1x1xf32>} : () -> tensor<4x1x1x1xf32>
  %s = onnx.Constant() {value = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %p = onnx.Constant() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %wd = onnx.Constant() {value = dense<[[[[5.0]]], [[[6.0]]], [[[7.0]]], [[[8.0]]]]> : tensor<4x1x1x1xf32>} : () -> tensor<4x1x1x1xf32>
  %m = onnx.Constant() {value = dense<[[[2.0]], [[3.0]], [[4.0]], [[5.0]]]> : tensor<4x1x1xf32>} : () -> tensor<4x1x1xf32>
  %w2 = onnx.Constant() {value = dense<1.0> : tensor<2x4x1x1xf32>} : () -> tensor<2x4x1x1xf32>
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w1, %none) : (tensor<1x1x4x4xf32>, tensor<4x1x1x1xf32>, none) -> tensor<1x4x4x4xf32>
  %1, %bm, %bv = onnx.BatchNormalization(%0, %s, %p, %p, %p) : (tensor<1x4x4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<1x4x4x4xf32>, none, none)
  %2 = onnx.Conv(%1, %wd, %none) {group = 4 : i64} : (tensor<1x4x4x4xf32>, tensor<4x1x1x1xf32>, none) -> tensor<1x4x4x4xf32>
  %3 = onnx.Mul(%2, %m) : (tensor<1x4x4x4xf32>, tensor<4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %4 = onnx.Conv(%3, %w2, %none) : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  return %4 : tensor<1x2x4x4xf32>
}

// -----

// Flatten and Reshape of [1, 2, 1, 2] to [1, 4]: channel 1 of 2 stays, so
// the Gemms keep input columns 2 and 3, and the Reshape's shape constant
// becomes [1, 2].
// CHECK-LABEL: func @flatten_reshape
// CHECK: %[[F:.*]] = onnx.Flatten(%{{.*}}) {{.*}}: (tensor<1x1x1x2xf32>) -> tensor<1x2xf32>
// CHECK: %[[WF:.*]] = onnx.Constant() {value = dense<{{\[\[}}3.000000e+00, 4.000000e+00]]> : tensor<1x2xf32>}
// CHECK: onnx.Gemm(%[[F]], %[[WF]], %{{.*}}) {{.*}} -> tensor<1x1xf32>
// CHECK: %[[SHAPE:.*]] = onnx.Constant() {value = dense<[1, 2]> : tensor<2xi64>}
// CHECK: %[[R:.*]] = onnx.Reshape(%{{.*}}, %[[SHAPE]]) {{.*}} -> tensor<1x2xf32>
// CHECK: %[[WF2:.*]] = onnx.Constant() {value = dense<{{\[\[}}3.000000e+00, 4.000000e+00]]> : tensor<1x2xf32>}
// CHECK: onnx.Gemm(%[[R]], %[[WF2]], %{{.*}})
func.func @flatten_reshape(%x: tensor<1x1x1x2xf32>) -> (tensor<1x1xf32>, tensor<1x1xf32>) {
  %w1 = onnx.Constant() {value = dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %wf = onnx.Constant() {value = dense<[[1.0, 2.0, 3.0, 4.0]]> : tensor<1x4xf32>} : () -> tensor<1x4xf32>
  %shape = onnx.Constant() {value = dense<[1, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w1, %none) : (tensor<1x1x1x2xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x1x2xf32>
  %1 = onnx.Flatten(%0) : (tensor<1x2x1x2xf32>) -> tensor<1x4xf32>
  %2 = onnx.Gemm(%1, %wf, %none) {transB = 1 : i64} : (tensor<1x4xf32>, tensor<1x4xf32>, none) -> tensor<1x1xf32>
  %3 = onnx.Conv(%x, %w1, %none) : (tensor<1x1x1x2xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x1x2xf32>
  %4 = onnx.Reshape(%3, %shape) : (tensor<1x2x1x2xf32>, tensor<2xi64>) -> tensor<1x4xf32>
  %5 = onnx.Gemm(%4, %wf, %none) {transB = 1 : i64} : (tensor<1x4xf32>, tensor<1x4xf32>, none) -> tensor<1x1xf32>
  return %2, %5 : tensor<1x1xf32>, tensor<1x1xf32>
}

// -----

// A matrix product chain with a bias Add (a broadcast constant) between
// MatMuls, as in a transformer's MLP: columns of fc1, the bias, rows of
// fc2 follow the kept features 0 and 2.
// CHECK-LABEL: func @matmul_bias
// CHECK: %[[W1:.*]] = onnx.Constant() {value = dense<{{\[\[}}4.000000e+00, 6.000000e+00]]> : tensor<1x2xf32>}
// CHECK: %[[M:.*]] = onnx.MatMul(%arg0, %[[W1]]) : (tensor<1x3x1xf32>, tensor<1x2xf32>) -> tensor<1x3x2xf32>
// CHECK: %[[B:.*]] = onnx.Constant() {value = dense<[1.000000e+01, 3.000000e+01]> : tensor<2xf32>}
// CHECK: %[[A:.*]] = onnx.Add(%[[M]], %[[B]]) : (tensor<1x3x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
// CHECK: %[[W2:.*]] = onnx.Constant() {value = dense<{{\[\[}}1.000000e+00], [3.000000e+00]]> : tensor<2x1xf32>}
// CHECK: onnx.MatMul(%[[A]], %[[W2]]) : (tensor<1x3x2xf32>, tensor<2x1xf32>) -> tensor<1x3x1xf32>
func.func @matmul_bias(%x: tensor<1x3x1xf32>) -> tensor<1x3x1xf32> {
  %w1 = onnx.Constant() {value = dense<[[4.0, 1.0, 6.0, 2.0]]> : tensor<1x4xf32>} : () -> tensor<1x4xf32>
  %b = onnx.Constant() {value = dense<[10.0, 20.0, 30.0, 40.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %w2 = onnx.Constant() {value = dense<[[1.0], [2.0], [3.0], [4.0]]> : tensor<4x1xf32>} : () -> tensor<4x1xf32>
  %0 = onnx.MatMul(%x, %w1) : (tensor<1x3x1xf32>, tensor<1x4xf32>) -> tensor<1x3x4xf32>
  %1 = onnx.Add(%0, %b) : (tensor<1x3x4xf32>, tensor<4xf32>) -> tensor<1x3x4xf32>
  %2 = onnx.MatMul(%1, %w2) : (tensor<1x3x4xf32>, tensor<4x1xf32>) -> tensor<1x3x1xf32>
  return %2 : tensor<1x3x1xf32>
}

// -----

// negative_fixed_groups: the graph output's channels and a group read by a
// Transpose stay whole.
// CHECK-LABEL: func @negative_fixed_groups
// CHECK: onnx.Conv({{.*}}) {{.*}} -> tensor<1x4x4x4xf32>
// CHECK: onnx.Transpose({{.*}}) {{.*}} -> tensor<1x4x4x4xf32>
// CHECK: onnx.Conv({{.*}}) {{.*}} -> tensor<1x2x4x4xf32>
func.func @negative_fixed_groups(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w1 = onnx.Constant() {value = dense<[[[[1.0]]], [[[-4.0]]], [[[2.0]]], [[[3.0]]]]> : tensor<4x1x1x1xf32>} : () -> tensor<4x1x1x1xf32>
  %w2 = onnx.Constant() {value = dense<1.0> : tensor<2x4x1x1xf32>} : () -> tensor<2x4x1x1xf32>
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w1, %none) : (tensor<1x1x4x4xf32>, tensor<4x1x1x1xf32>, none) -> tensor<1x4x4x4xf32>
  %1 = onnx.Transpose(%0) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %2 = onnx.Conv(%1, %w2, %none) : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  return %2 : tensor<1x2x4x4xf32>
}

// -----

// Attention heads: head 0's Q, K and V columns have the smaller L1 norm
// (0.1 against 1.0), so it goes: the projections keep columns 4..7, the
// output projection rows 4..7, and every view between them holds one head:
// the Reshape shapes become [-1, 3, 1, 4] and [-1, 3, 4]. The padding mask
// broadcasts along the heads and stays.
// CHECK-LABEL: func @heads_separate
// CHECK: %[[WQ:.*]] = onnx.Constant() {value = dense<1.000000e+00> : tensor<8x4xf32>}
// CHECK: %[[Q:.*]] = onnx.MatMul(%arg0, %[[WQ]]) : (tensor<?x3x8xf32>, tensor<8x4xf32>) -> tensor<?x3x4xf32>
// CHECK: %[[S4:.*]] = onnx.Constant() {value = dense<[-1, 3, 1, 4]> : tensor<4xi64>}
// CHECK: onnx.Reshape(%[[Q]], %[[S4]]) : (tensor<?x3x4xf32>, tensor<4xi64>) -> tensor<?x3x1x4xf32>
// CHECK: onnx.Transpose({{.*}}) {{.*}} -> tensor<?x1x4x3xf32>
// CHECK: onnx.Add({{.*}}, %arg1) : (tensor<?x1x3x3xf32>, tensor<?x1x1x3xf32>) -> tensor<?x1x3x3xf32>
// CHECK: onnx.Softmax({{.*}}) : (tensor<?x1x3x3xf32>) -> tensor<?x1x3x3xf32>
// CHECK: %[[S3:.*]] = onnx.Constant() {value = dense<[-1, 3, 4]> : tensor<3xi64>}
// CHECK: %[[M:.*]] = onnx.Reshape({{.*}}, %[[S3]]) : (tensor<?x3x1x4xf32>, tensor<3xi64>) -> tensor<?x3x4xf32>
// CHECK: %[[WO:.*]] = onnx.Constant() {value = dense<{{\[\[}}4.000000e+00, {{.*}}7.000000e+00]]> : tensor<4x8xf32>}
// CHECK: onnx.MatMul(%[[M]], %[[WO]]) : (tensor<?x3x4xf32>, tensor<4x8xf32>) -> tensor<?x3x8xf32>
func.func @heads_separate(%x: tensor<?x3x8xf32>, %mask: tensor<?x1x1x3xf32>) -> tensor<?x3x8xf32> {
  %wq = onnx.Constant() {value = dense<[[0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0], [0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0], [0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0], [0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0], [0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0], [0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0], [0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0], [0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 1.0]]> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %wo = onnx.Constant() {value = dense<[[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0], [3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0], [4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0], [5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0], [6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0], [7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0]]> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %s4 = onnx.Constant() {value = dense<[-1, 3, 2, 4]> : tensor<4xi64>} : () -> tensor<4xi64>
  %s3 = onnx.Constant() {value = dense<[-1, 3, 8]> : tensor<3xi64>} : () -> tensor<3xi64>
  %c = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %q0 = onnx.MatMul(%x, %wq) : (tensor<?x3x8xf32>, tensor<8x8xf32>) -> tensor<?x3x8xf32>
  %k0 = onnx.MatMul(%x, %wq) : (tensor<?x3x8xf32>, tensor<8x8xf32>) -> tensor<?x3x8xf32>
  %v0 = onnx.MatMul(%x, %wq) : (tensor<?x3x8xf32>, tensor<8x8xf32>) -> tensor<?x3x8xf32>
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
  %m = onnx.Reshape(%t, %s3) : (tensor<?x3x2x4xf32>, tensor<3xi64>) -> tensor<?x3x8xf32>
  %y = onnx.MatMul(%m, %wo) : (tensor<?x3x8xf32>, tensor<8x8xf32>) -> tensor<?x3x8xf32>
  return %y : tensor<?x3x8xf32>
}

// -----

// nn.MultiheadAttention's form with equal heads (ties: the later head
// goes): the packed projection keeps head 0's Q, K and V columns, the
// Slices take [0, 4), [4, 8) and [8, 12), the heads in the batch become
// one ([3, 1, 4]) and the Gemm keeps input columns 0..3.
// CHECK-LABEL: func @heads_mha
// CHECK: onnx.MatMul(%arg0, %{{.*}}) : (tensor<3x1x8xf32>, tensor<8x12xf32>) -> tensor<3x1x12xf32>
// CHECK: %[[C0:.*]] = onnx.Constant() {value = dense<0> : tensor<1xi64>}
// CHECK: %[[C4:.*]] = onnx.Constant() {value = dense<4> : tensor<1xi64>}
// CHECK: onnx.Slice(%{{.*}}, %[[C0]], %[[C4]], {{.*}}) {{.*}} -> tensor<3x1x4xf32>
// CHECK: %[[C4B:.*]] = onnx.Constant() {value = dense<4> : tensor<1xi64>}
// CHECK: %[[C8:.*]] = onnx.Constant() {value = dense<8> : tensor<1xi64>}
// CHECK: onnx.Slice(%{{.*}}, %[[C4B]], %[[C8]], {{.*}}) {{.*}} -> tensor<3x1x4xf32>
// CHECK: %[[C8B:.*]] = onnx.Constant() {value = dense<8> : tensor<1xi64>}
// CHECK: %[[C12:.*]] = onnx.Constant() {value = dense<12> : tensor<1xi64>}
// CHECK: onnx.Slice(%{{.*}}, %[[C8B]], %[[C12]], {{.*}}) {{.*}} -> tensor<3x1x4xf32>
// CHECK: onnx.Constant() {value = dense<[3, 1, 4]> : tensor<3xi64>}
// CHECK: onnx.Softmax({{.*}}) : (tensor<1x3x3xf32>) -> tensor<1x3x3xf32>
// CHECK: onnx.Constant() {value = dense<[3, 4]> : tensor<2xi64>}
// CHECK: onnx.Gemm({{.*}}) {{.*}} : (tensor<3x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<3x8xf32>
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
  %0 = onnx.MatMul(%x, %w) : (tensor<3x1x8xf32>, tensor<8x24xf32>) -> tensor<3x1x24xf32>
  %1 = onnx.Add(%b, %0) : (tensor<24xf32>, tensor<3x1x24xf32>) -> tensor<3x1x24xf32>
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
  %m = onnx.Reshape(%t, %s2) : (tensor<3x2x4xf32>, tensor<2xi64>) -> tensor<3x8xf32>
  %y = onnx.Gemm(%m, %wo, %bo) {transB = 1 : i64} : (tensor<3x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

// A block already fused into fulcrum.attention: its num_heads follows the
// heads kept (head 1 goes on a tie).
// CHECK-LABEL: func @heads_fused
// CHECK: fulcrum.attention {{.*}}num_heads = 1 : i64{{.*}} : (tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x3x4xf32>
// CHECK: onnx.MatMul({{.*}}) : (tensor<1x3x4xf32>, tensor<4x8xf32>) -> tensor<1x3x8xf32>
func.func @heads_fused(%x: tensor<1x3x8xf32>) -> tensor<1x3x8xf32> {
  %w = onnx.Constant() {value = dense<1.0> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %s4 = onnx.Constant() {value = dense<[1, 3, 2, 4]> : tensor<4xi64>} : () -> tensor<4xi64>
  %s3 = onnx.Constant() {value = dense<[1, 3, 8]> : tensor<3xi64>} : () -> tensor<3xi64>
  %q0 = onnx.MatMul(%x, %w) : (tensor<1x3x8xf32>, tensor<8x8xf32>) -> tensor<1x3x8xf32>
  %k0 = onnx.MatMul(%x, %w) : (tensor<1x3x8xf32>, tensor<8x8xf32>) -> tensor<1x3x8xf32>
  %v0 = onnx.MatMul(%x, %w) : (tensor<1x3x8xf32>, tensor<8x8xf32>) -> tensor<1x3x8xf32>
  %q1 = onnx.Reshape(%q0, %s4) : (tensor<1x3x8xf32>, tensor<4xi64>) -> tensor<1x3x2x4xf32>
  %k1 = onnx.Reshape(%k0, %s4) : (tensor<1x3x8xf32>, tensor<4xi64>) -> tensor<1x3x2x4xf32>
  %v1 = onnx.Reshape(%v0, %s4) : (tensor<1x3x8xf32>, tensor<4xi64>) -> tensor<1x3x2x4xf32>
  %q = onnx.Transpose(%q1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x4xf32>) -> tensor<1x2x3x4xf32>
  %k = onnx.Transpose(%k1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x4xf32>) -> tensor<1x2x3x4xf32>
  %v = onnx.Transpose(%v1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x4xf32>) -> tensor<1x2x3x4xf32>
  %o = fulcrum.attention %q, %k, %v {num_heads = 2 : i64, head_dim = 4 : i64, scale = 5.000000e-01 : f32} : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %t = onnx.Transpose(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x3x4xf32>) -> tensor<1x3x2x4xf32>
  %m = onnx.Reshape(%t, %s3) : (tensor<1x3x2x4xf32>, tensor<3xi64>) -> tensor<1x3x8xf32>
  %y = onnx.MatMul(%m, %w) : (tensor<1x3x8xf32>, tensor<8x8xf32>) -> tensor<1x3x8xf32>
  return %y : tensor<1x3x8xf32>
}
