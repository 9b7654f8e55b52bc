// RUN: fulcrum-opt %s --fulcrum-onnx-decompose --split-input-file | FileCheck %s
// RUN: fulcrum-opt %s --fulcrum-onnx-decompose=quantized=false --split-input-file | FileCheck %s --check-prefix=KEEP

// SoftmaxCrossEntropyLoss is LogSoftmax over the classes, then
// NegativeLogLikelihoodLoss; the log-probabilities are its second result.
// CHECK-LABEL: func @softmax_cross_entropy
// CHECK: %[[LP:.*]] = onnx.LogSoftmax(%{{.*}}) {axis = 1 : i64}
// CHECK: %[[L:.*]] = onnx.NegativeLogLikelihoodLoss(%[[LP]], %{{.*}}, %{{.*}}) {reduction = "sum"}
// CHECK: return %[[L]], %[[LP]]
// KEEP-LABEL: func @softmax_cross_entropy
// KEEP-NOT: onnx.SoftmaxCrossEntropyLoss
func.func @softmax_cross_entropy(%x: tensor<3x5xf32>, %t: tensor<3xi64>) -> (tensor<f32>, tensor<3x5xf32>) {
  %none = onnx.NoValue
  %0, %1 = onnx.SoftmaxCrossEntropyLoss(%x, %t, %none) {reduction = "sum"} : (tensor<3x5xf32>, tensor<3xi64>, none) -> (tensor<f32>, tensor<3x5xf32>)
  return %0, %1 : tensor<f32>, tensor<3x5xf32>
}

// -----

// MatMulInteger: int32 casts, zero points subtracted, an int32 MatMul. The
// per-row a_zero_point [M] becomes [M, 1] (it broadcasts along M, not K);
// the per-column b_zero_point [N] broadcasts as it is.
// CHECK-LABEL: func @matmul_integer_per_row
// CHECK-DAG: %[[A:.*]] = onnx.Cast(%arg0) {to = 6 : i64} : (tensor<3x4xui8>) -> tensor<3x4xi32>
// CHECK-DAG: %[[B:.*]] = onnx.Cast(%arg1) {to = 6 : i64} : (tensor<4x2xui8>) -> tensor<4x2xi32>
// CHECK-DAG: %[[AZ:.*]] = onnx.Cast(%arg2) {to = 6 : i64} : (tensor<3xui8>) -> tensor<3xi32>
// CHECK-DAG: %[[AXES:.*]] = onnx.Constant() {value = dense<1> : tensor<1xi64>}
// CHECK: %[[AZ2:.*]] = onnx.Unsqueeze(%[[AZ]], %[[AXES]]) : (tensor<3xi32>, tensor<1xi64>) -> tensor<3x1xi32>
// CHECK: %[[A0:.*]] = onnx.Sub(%[[A]], %[[AZ2]]) : (tensor<3x4xi32>, tensor<3x1xi32>) -> tensor<3x4xi32>
// CHECK: %[[BZ:.*]] = onnx.Cast(%arg3) {to = 6 : i64} : (tensor<2xui8>) -> tensor<2xi32>
// CHECK: %[[B0:.*]] = onnx.Sub(%[[B]], %[[BZ]]) : (tensor<4x2xi32>, tensor<2xi32>) -> tensor<4x2xi32>
// CHECK: onnx.MatMul(%[[A0]], %[[B0]]) : (tensor<3x4xi32>, tensor<4x2xi32>) -> tensor<3x2xi32>
// KEEP-LABEL: func @matmul_integer_per_row
// KEEP: onnx.MatMulInteger
func.func @matmul_integer_per_row(%a: tensor<3x4xui8>, %b: tensor<4x2xui8>, %az: tensor<3xui8>, %bz: tensor<2xui8>) -> tensor<3x2xi32> {
  %0 = onnx.MatMulInteger(%a, %b, %az, %bz) : (tensor<3x4xui8>, tensor<4x2xui8>, tensor<3xui8>, tensor<2xui8>) -> tensor<3x2xi32>
  return %0 : tensor<3x2xi32>
}

// -----

// A scalar zero point needs no reshaping; an absent one is not subtracted.
// CHECK-LABEL: func @negative_matmul_integer_scalar_zero_point
// CHECK-NOT: onnx.Unsqueeze
// CHECK: %[[A0:.*]] = onnx.Sub(%{{.*}}, %{{.*}}) : (tensor<2x3x4xi32>, tensor<i32>) -> tensor<2x3x4xi32>
// CHECK-NOT: onnx.Sub
// CHECK: onnx.MatMul(%[[A0]], %{{.*}}) : (tensor<2x3x4xi32>, tensor<4x2xi32>) -> tensor<2x3x2xi32>
func.func @negative_matmul_integer_scalar_zero_point(%a: tensor<2x3x4xi8>, %b: tensor<4x2xi8>, %az: tensor<i8>) -> tensor<2x3x2xi32> {
  %none = onnx.NoValue
  %0 = onnx.MatMulInteger(%a, %b, %az, %none) : (tensor<2x3x4xi8>, tensor<4x2xi8>, tensor<i8>, none) -> tensor<2x3x2xi32>
  return %0 : tensor<2x3x2xi32>
}

// -----

// Unranked operands are left for the lowering to report.
// CHECK-LABEL: func @negative_matmul_integer_unranked
// CHECK: onnx.MatMulInteger
func.func @negative_matmul_integer_unranked(%a: tensor<*xui8>, %b: tensor<4x2xui8>) -> tensor<*xi32> {
  %none = onnx.NoValue
  %0 = onnx.MatMulInteger(%a, %b, %none, %none) : (tensor<*xui8>, tensor<4x2xui8>, none, none) -> tensor<*xi32>
  return %0 : tensor<*xi32>
}

// -----

// QLinearMatMul: dequantize A along its rows (axis 0) and B along its
// columns (axis 1), a float MatMul, quantize the result.
// CHECK-LABEL: func @qlinear_matmul
// CHECK: %[[A:.*]] = onnx.DequantizeLinear(%arg0, %arg1, %arg2) {axis = 0 : i64} : {{.*}} -> tensor<2x4xf32>
// CHECK: %[[B:.*]] = onnx.DequantizeLinear(%arg3, %arg4, %arg5) : {{.*}} -> tensor<4x3xf32>
// CHECK: %[[Y:.*]] = onnx.MatMul(%[[A]], %[[B]]) : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
// CHECK: onnx.QuantizeLinear(%[[Y]], %arg6, %arg7) : {{.*}} -> tensor<2x3xui8>
// KEEP-LABEL: func @qlinear_matmul
// KEEP: onnx.QLinearMatMul
func.func @qlinear_matmul(%a: tensor<2x4xui8>, %as: tensor<2xf32>, %az: tensor<2xui8>, %b: tensor<4x3xui8>, %bs: tensor<3xf32>, %bz: tensor<3xui8>, %ys: tensor<f32>, %yz: tensor<ui8>) -> tensor<2x3xui8> {
  %0 = onnx.QLinearMatMul(%a, %as, %az, %b, %bs, %bz, %ys, %yz) : (tensor<2x4xui8>, tensor<2xf32>, tensor<2xui8>, tensor<4x3xui8>, tensor<3xf32>, tensor<3xui8>, tensor<f32>, tensor<ui8>) -> tensor<2x3xui8>
  return %0 : tensor<2x3xui8>
}

// -----

// DynamicQuantizeLinear: the range widened to include 0, scale
// (max - min) / 255, zero point Round(Clip(0 - min / scale, 0, 255)) cast to
// uint8 (to = 2), then QuantizeLinear with both; also with quantized=false.
// CHECK-LABEL: func @dynamic_quantize
// CHECK-DAG: %[[MIN:.*]] = onnx.ReduceMin(%arg0) {keepdims = 0 : i64} : (tensor<3x4xf32>) -> tensor<f32>
// CHECK-DAG: %[[MAX:.*]] = onnx.ReduceMax(%arg0) {keepdims = 0 : i64} : (tensor<3x4xf32>) -> tensor<f32>
// CHECK-DAG: %[[ZERO:.*]] = onnx.Constant() {value = dense<0.000000e+00> : tensor<f32>}
// CHECK-DAG: %[[QMAX:.*]] = onnx.Constant() {value = dense<2.550000e+02> : tensor<f32>}
// CHECK: %[[LO:.*]] = onnx.Min(%[[MIN]], %[[ZERO]])
// CHECK: %[[HI:.*]] = onnx.Max(%[[MAX]], %[[ZERO]])
// CHECK: %[[RANGE:.*]] = onnx.Sub(%[[HI]], %[[LO]])
// CHECK: %[[SCALE:.*]] = onnx.Div(%[[RANGE]], %[[QMAX]])
// CHECK: %[[Q:.*]] = onnx.Div(%[[LO]], %[[SCALE]])
// CHECK: %[[NEG:.*]] = onnx.Sub(%[[ZERO]], %[[Q]])
// CHECK: %[[CLIP:.*]] = onnx.Clip(%[[NEG]], %[[ZERO]], %[[QMAX]])
// CHECK: %[[ROUND:.*]] = onnx.Round(%[[CLIP]])
// CHECK: %[[ZP:.*]] = onnx.Cast(%[[ROUND]]) {to = 2 : i64} : (tensor<f32>) -> tensor<ui8>
// CHECK: %[[Y:.*]] = onnx.QuantizeLinear(%arg0, %[[SCALE]], %[[ZP]])
// CHECK: return %[[Y]], %[[SCALE]], %[[ZP]]
// KEEP-LABEL: func @dynamic_quantize
// KEEP-NOT: onnx.DynamicQuantizeLinear
func.func @dynamic_quantize(%x: tensor<3x4xf32>) -> (tensor<3x4xui8>, tensor<f32>, tensor<ui8>) {
  %y, %s, %z = onnx.DynamicQuantizeLinear(%x) : (tensor<3x4xf32>) -> (tensor<3x4xui8>, tensor<f32>, tensor<ui8>)
  return %y, %s, %z : tensor<3x4xui8>, tensor<f32>, tensor<ui8>
}

// -----

// MeanVarianceNormalization over the default axes [0, 2, 3]: the means
// keep size-1 dimensions, the variance is E[X^2] - E[X]^2, epsilon 1e-9.
// CHECK-LABEL: func @mvn
// CHECK: %[[M:.*]] = onnx.ReduceMean(%arg0) {axes = array<i64: 0, 2, 3>} : (tensor<2x3x4x5xf32>) -> tensor<1x3x1x1xf32>
// CHECK: %[[SQ:.*]] = onnx.Mul(%arg0, %arg0)
// CHECK: %[[MSQ:.*]] = onnx.ReduceMean(%[[SQ]]) {axes = array<i64: 0, 2, 3>}
// CHECK: %[[M2:.*]] = onnx.Mul(%[[M]], %[[M]])
// CHECK: %[[VAR:.*]] = onnx.Sub(%[[MSQ]], %[[M2]])
// CHECK: %[[STD:.*]] = onnx.Sqrt(%[[VAR]])
// CHECK: %[[EPS:.*]] = onnx.Constant() {value = dense<9.99999971E-10> : tensor<f32>}
// CHECK: %[[DEN:.*]] = onnx.Add(%[[STD]], %[[EPS]])
// CHECK: %[[CEN:.*]] = onnx.Sub(%arg0, %[[M]])
// CHECK: onnx.Div(%[[CEN]], %[[DEN]]) : (tensor<2x3x4x5xf32>, tensor<1x3x1x1xf32>) -> tensor<2x3x4x5xf32>
func.func @mvn(%x: tensor<2x3x4x5xf32>) -> tensor<2x3x4x5xf32> {
  %0 = onnx.MeanVarianceNormalization(%x) : (tensor<2x3x4x5xf32>) -> tensor<2x3x4x5xf32>
  return %0 : tensor<2x3x4x5xf32>
}

// -----

// An MVN axis out of range is left as it is.
// CHECK-LABEL: func @negative_mvn_axis
// CHECK: onnx.MeanVarianceNormalization
func.func @negative_mvn_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.MeanVarianceNormalization(%x) {axes = array<i64: 0, 2>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Add-6 with B matching A from axis 1: B gets a trailing size-1 dimension,
// then numpy broadcasting of Add does the same.
// CHECK-LABEL: func @add_v6_axis
// CHECK: %[[AXES:.*]] = onnx.Constant() {value = dense<2> : tensor<1xi64>}
// CHECK: %[[B:.*]] = onnx.Unsqueeze(%arg1, %[[AXES]]) : (tensor<3x4xf32>, tensor<1xi64>) -> tensor<3x4x1xf32>
// CHECK: onnx.Add(%arg0, %[[B]]) : (tensor<2x3x4x5xf32>, tensor<3x4x1xf32>) -> tensor<2x3x4x5xf32>
func.func @add_v6_axis(%a: tensor<2x3x4x5xf32>, %b: tensor<3x4xf32>) -> tensor<2x3x4x5xf32> {
  %0 = onnx.AddV6(%a, %b) {axis = 1 : i64, broadcast = 1 : i64} : (tensor<2x3x4x5xf32>, tensor<3x4xf32>) -> tensor<2x3x4x5xf32>
  return %0 : tensor<2x3x4x5xf32>
}

// -----

// Without an axis B is a suffix of A: the current Mul as it is.
// CHECK-LABEL: func @mul_v6_suffix
// CHECK-NEXT: %[[R:.*]] = onnx.Mul(%arg0, %arg1) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: return %[[R]]
func.func @mul_v6_suffix(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.MulV6(%a, %b) {broadcast = 1 : i64} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A B of higher rank than A is left as it is (Sub-6 requires the reverse).
// CHECK-LABEL: func @negative_sub_v6_larger_b
// CHECK: onnx.SubV6
func.func @negative_sub_v6_larger_b(%a: tensor<3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.SubV6(%a, %b) {broadcast = 1 : i64} : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Gemm-6 becomes Gemm with the same attributes (broadcast is dropped).
// CHECK-LABEL: func @gemm_v6
// CHECK: onnx.Gemm(%arg0, %arg1, %arg2) {beta = 5.000000e-01 : f32} : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
func.func @gemm_v6(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<4xf32>) -> tensor<2x4xf32> {
  %0 = onnx.GemmV6(%a, %b, %c) {broadcast = 1 : i64, beta = 0.5 : f32} : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Softmax-1 over the last axis (its default axis 1 of a 2-D input) is
// Softmax along it.
// CHECK-LABEL: func @softmax_v1
// CHECK: onnx.Softmax(%arg0) {axis = 1 : i64}
func.func @softmax_v1(%x: tensor<10x20xf32>) -> tensor<10x20xf32> {
  %0 = onnx.SoftmaxV1(%x) : (tensor<10x20xf32>) -> tensor<10x20xf32>
  return %0 : tensor<10x20xf32>
}

// -----

// LogSoftmax-1 at an inner axis flattens the trailing dimensions together:
// the current operator along the last axis of that flattening.
// CHECK-LABEL: func @log_softmax_v1_inner
// CHECK: %[[F:.*]] = onnx.Flatten(%arg0) : (tensor<2x10x20xf32>) -> tensor<2x200xf32>
// CHECK: onnx.LogSoftmax(%[[F]]) {axis = 1 : i64}
func.func @log_softmax_v1_inner(%x: tensor<2x10x20xf32>) -> tensor<2x10x20xf32> {
  %0 = onnx.LogSoftmaxV1(%x) : (tensor<2x10x20xf32>) -> tensor<2x10x20xf32>
  return %0 : tensor<2x10x20xf32>
}

// -----

// Add-7 (numpy broadcasting already) differs from Add-14 only in the element
// types it admits: renamed, operands kept, also inside a Scan-8 body.
// CHECK-LABEL: func @add_v7
// CHECK-NEXT: %[[R:.*]] = onnx.Add(%arg0, %arg1) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: return %[[R]]
func.func @add_v7(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.AddV7(%a, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// One per version family: Sub/Mul/Div-13, Pow-12, Equal-11, Less-9 and the
// unary -6 versions; LeakyRelu-6 keeps its alpha.
// CHECK-LABEL: func @same_semantics_versions
// CHECK: onnx.Sub(%arg0, %arg0)
// CHECK: onnx.Mul(
// CHECK: onnx.Div(
// CHECK: onnx.Pow(
// CHECK: onnx.Equal(
// CHECK: onnx.Less(
// CHECK: onnx.Exp(
// CHECK: onnx.Relu(
// CHECK: onnx.LeakyRelu({{.*}}) {alpha = 2.000000e-01 : f32}
// CHECK: onnx.Identity(
// CHECK: onnx.Sum(
// CHECK: onnx.Max(
// CHECK-NOT: V{{[0-9]+}}
func.func @same_semantics_versions(%a: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xi1>, tensor<3xi1>) {
  %0 = onnx.SubV13(%a, %a) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %1 = onnx.MulV13(%0, %a) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %2 = onnx.DivV13(%1, %a) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %3 = onnx.PowV12(%2, %a) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %4 = onnx.EqualV11(%3, %a) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  %5 = onnx.LessV9(%3, %a) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  %6 = onnx.ExpV6(%3) : (tensor<3xf32>) -> tensor<3xf32>
  %7 = onnx.ReluV6(%6) : (tensor<3xf32>) -> tensor<3xf32>
  %l = onnx.LeakyReluV6(%7) {alpha = 0.2 : f32} : (tensor<3xf32>) -> tensor<3xf32>
  %i = onnx.IdentityV1(%l) : (tensor<3xf32>) -> tensor<3xf32>
  %s = onnx.SumV6(%i, %a) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %8 = onnx.MaxV8(%s, %a) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %8, %4, %5 : tensor<3xf32>, tensor<3xi1>, tensor<3xi1>
}

// -----

// Versions that need more than a rename: BatchNormalization-9 in inference
// (its mean/variance outputs unused) becomes the current operator with
// training_mode 0; Clip-6's min/max attributes become scalar operands;
// Softmax-11 over the last axis is Softmax. Conv-1 is renamed.
// CHECK-LABEL: func @legacy_rewrites
// CHECK: %[[Y:.*]], %{{.*}}, %{{.*}} = onnx.BatchNormalization(%arg0, %arg1, %arg1, %arg1, %arg1) : {{.*}} -> (tensor<2x3x4x4xf32>, none, none)
// CHECK: %[[C:.*]] = onnx.Conv(%[[Y]], %arg2, %arg1) {pads = array<i64: 1, 1, 1, 1>}
// CHECK: onnx.Softmax(%arg3) {axis = 1 : i64}
// CHECK-DAG: %[[LO:.*]] = onnx.Constant() {value = dense<0.000000e+00> : tensor<f32>}
// CHECK-DAG: %[[HI:.*]] = onnx.Constant() {value = dense<6.000000e+00> : tensor<f32>}
// CHECK: onnx.Clip(%[[C]], %[[LO]], %[[HI]])
func.func @legacy_rewrites(%x: tensor<2x3x4x4xf32>, %s: tensor<3xf32>, %w: tensor<3x3x3x3xf32>, %r: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x3x4x4xf32>) {
  %y, %m, %v, %sm, %sv = onnx.BatchNormalizationV9(%x, %s, %s, %s, %s) : (tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3x4x4xf32>, none, none, none, none)
  %c = onnx.ConvV1(%y, %w, %s) {pads = array<i64: 1, 1, 1, 1>} : (tensor<2x3x4x4xf32>, tensor<3x3x3x3xf32>, tensor<3xf32>) -> tensor<2x3x4x4xf32>
  %sm2 = onnx.SoftmaxV11(%r) {axis = 1 : i64} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %cl = onnx.ClipV6(%c) {max = 6.0 : f32, min = 0.0 : f32} : (tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  return %sm2, %cl : tensor<2x4xf32>, tensor<2x3x4x4xf32>
}

// -----

// Axes (split sizes) attributes of the opset-11 forms become the current
// versions' i64 operands; without the attribute, none (all axes).
// CHECK-LABEL: func @legacy_list_attributes
// CHECK: %[[NONE:.*]] = onnx.NoValue
// CHECK: %[[A1:.*]] = onnx.Constant() {value = dense<1> : tensor<1xi64>}
// CHECK: onnx.ReduceSum(%arg0, %[[A1]]) {keepdims = 0 : i64}
// CHECK: %[[A0:.*]] = onnx.Constant() {value = dense<0> : tensor<1xi64>}
// CHECK: onnx.Unsqueeze(%{{.*}}, %[[A0]])
// CHECK: onnx.Squeeze(%{{.*}}, %[[NONE]])
// CHECK: %[[S:.*]] = onnx.Constant() {value = dense<[1, 2]> : tensor<2xi64>}
// CHECK: onnx.Split(%arg0, %[[S]]) {axis = 1 : i64}
func.func @legacy_list_attributes(%x: tensor<2x3xf32>) -> (tensor<2xf32>, tensor<2x1xf32>, tensor<2x2xf32>) {
  %0 = onnx.ReduceSumV11(%x) {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<2x3xf32>) -> tensor<2xf32>
  %1 = onnx.UnsqueezeV11(%0) {axes = array<i64: 0>} : (tensor<2xf32>) -> tensor<1x2xf32>
  %2 = onnx.SqueezeV11(%1) : (tensor<1x2xf32>) -> tensor<2xf32>
  %3:2 = onnx.SplitV11(%x) {axis = 1 : i64, split = array<i64: 1, 2>} : (tensor<2x3xf32>) -> (tensor<2x1xf32>, tensor<2x2xf32>)
  return %2, %3#0, %3#1 : tensor<2xf32>, tensor<2x1xf32>, tensor<2x2xf32>
}

// -----

// If-13 becomes If with its branches moved over; the Relu-6 inside is
// renamed too.
// CHECK-LABEL: func @if_v13
// CHECK: onnx.If(%arg0) else_branch {
// CHECK: onnx.Yield %arg2
// CHECK: } then_branch {
// CHECK: onnx.Relu(%arg1)
// CHECK-NOT: V{{[0-9]+}}
func.func @if_v13(%c: tensor<i1>, %a: tensor<2xf32>, %b: tensor<2xf32>) -> tensor<2xf32> {
  %0 = onnx.IfV13(%c) else_branch {
    onnx.Yield %b : tensor<2xf32>
  } then_branch {
    %1 = onnx.ReluV6(%a) : (tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %1 : tensor<2xf32>
  } : (tensor<i1>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Not renamed: an attribute the current version does not define; it stays
// at its version (and the lowering refuses it by name).
// CHECK-LABEL: func @negative_legacy_attributes
// CHECK: onnx.LeakyReluV6
func.func @negative_legacy_attributes(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %1 = onnx.LeakyReluV6(%x) {alpha = 0.1 : f32, spatial = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// ConvInteger: casts to f64 (exact for every int32 sum of 8-bit products),
// the zero points subtracted (a 1-D w_zero_point per output channel becomes
// [M, 1, 1, 1]), an f64 Conv with the same attributes, a cast to int32.
// CHECK-LABEL: func @conv_integer
// CHECK-DAG: %[[NONE:.*]] = onnx.NoValue
// CHECK-DAG: %[[X:.*]] = onnx.Cast(%arg0) {to = 11 : i64} : (tensor<1x2x3x3xui8>) -> tensor<1x2x3x3xf64>
// CHECK-DAG: %[[XZ:.*]] = onnx.Cast(%arg2) {to = 11 : i64} : (tensor<ui8>) -> tensor<f64>
// CHECK: %[[X0:.*]] = onnx.Sub(%[[X]], %[[XZ]])
// CHECK: %[[W:.*]] = onnx.Cast(%arg1) {to = 11 : i64}
// CHECK: %[[WZ:.*]] = onnx.Cast(%arg3) {to = 11 : i64} : (tensor<4xui8>) -> tensor<4xf64>
// CHECK: %[[AXES:.*]] = onnx.Constant() {value = dense<[1, 2, 3]> : tensor<3xi64>}
// CHECK: %[[WZ4:.*]] = onnx.Unsqueeze(%[[WZ]], %[[AXES]]) : (tensor<4xf64>, tensor<3xi64>) -> tensor<4x1x1x1xf64>
// CHECK: %[[W0:.*]] = onnx.Sub(%[[W]], %[[WZ4]])
// CHECK: %[[Y:.*]] = onnx.Conv(%[[X0]], %[[W0]], %[[NONE]]) {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x2x3x3xf64>, tensor<4x2x2x2xf64>, none) -> tensor<1x4x2x2xf64>
// CHECK: onnx.Cast(%[[Y]]) {to = 6 : i64} : (tensor<1x4x2x2xf64>) -> tensor<1x4x2x2xi32>
// KEEP-LABEL: func @conv_integer
// KEEP: onnx.ConvInteger
func.func @conv_integer(%x: tensor<1x2x3x3xui8>, %w: tensor<4x2x2x2xui8>, %xz: tensor<ui8>, %wz: tensor<4xui8>) -> tensor<1x4x2x2xi32> {
  %0 = onnx.ConvInteger(%x, %w, %xz, %wz) {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x2x3x3xui8>, tensor<4x2x2x2xui8>, tensor<ui8>, tensor<4xui8>) -> tensor<1x4x2x2xi32>
  return %0 : tensor<1x4x2x2xi32>
}

// -----

// Without zero points only the casts remain.
// CHECK-LABEL: func @negative_conv_integer_no_zero_points
// CHECK-NOT: onnx.Sub
// CHECK: onnx.Conv
func.func @negative_conv_integer_no_zero_points(%x: tensor<1x1x3x3xi8>, %w: tensor<1x1x2x2xi8>) -> tensor<1x1x2x2xi32> {
  %none = onnx.NoValue
  %0 = onnx.ConvInteger(%x, %w, %none, %none) : (tensor<1x1x3x3xi8>, tensor<1x1x2x2xi8>, none, none) -> tensor<1x1x2x2xi32>
  return %0 : tensor<1x1x2x2xi32>
}

// -----

// QLinearConv: x dequantized per tensor, w per output channel (axis 0),
// the int32 bias scaled by x_scale * w_scale, a float Conv, QuantizeLinear.
// CHECK-LABEL: func @qlinear_conv
// CHECK: %[[X:.*]] = onnx.DequantizeLinear(%arg0, %arg1, %arg2) : (tensor<1x1x7x7xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x1x7x7xf32>
// CHECK: %[[W:.*]] = onnx.DequantizeLinear(%arg3, %arg4, %arg5) {axis = 0 : i64} : (tensor<2x1x1x1xui8>, tensor<2xf32>, tensor<2xui8>) -> tensor<2x1x1x1xf32>
// CHECK: %[[S:.*]] = onnx.Mul(%arg1, %arg4) : (tensor<f32>, tensor<2xf32>) -> tensor<2xf32>
// CHECK: %[[BF:.*]] = onnx.Cast(%arg8) {to = 1 : i64} : (tensor<2xi32>) -> tensor<2xf32>
// CHECK: %[[B:.*]] = onnx.Mul(%[[BF]], %[[S]])
// CHECK: %[[Y:.*]] = onnx.Conv(%[[X]], %[[W]], %[[B]])
// CHECK: onnx.QuantizeLinear(%[[Y]], %arg6, %arg7) : (tensor<1x2x7x7xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x7x7xui8>
// KEEP-LABEL: func @qlinear_conv
// KEEP: onnx.QLinearConv
func.func @qlinear_conv(%x: tensor<1x1x7x7xui8>, %xs: tensor<f32>, %xz: tensor<ui8>, %w: tensor<2x1x1x1xui8>, %ws: tensor<2xf32>, %wz: tensor<2xui8>, %ys: tensor<f32>, %yz: tensor<ui8>, %b: tensor<2xi32>) -> tensor<1x2x7x7xui8> {
  %0 = onnx.QLinearConv(%x, %xs, %xz, %w, %ws, %wz, %ys, %yz, %b) : (tensor<1x1x7x7xui8>, tensor<f32>, tensor<ui8>, tensor<2x1x1x1xui8>, tensor<2xf32>, tensor<2xui8>, tensor<f32>, tensor<ui8>, tensor<2xi32>) -> tensor<1x2x7x7xui8>
  return %0 : tensor<1x2x7x7xui8>
}

// -----

// BatchNormalization in training mode: batch mean and population variance
// over all dimensions but the channels ([C], unsqueezed to [C, 1, 1] to
// broadcast along dimension 1), and running statistics
// input * 0.9 + batch * 0.1 (the default momentum).
// CHECK-LABEL: func @batchnorm_training
// CHECK: %[[MEAN:.*]] = onnx.ReduceMean(%arg0) {axes = array<i64: 0, 2, 3>, keepdims = 0 : i64} : (tensor<2x3x4x5xf32>) -> tensor<3xf32>
// CHECK: %[[MEANB:.*]] = onnx.Unsqueeze(%[[MEAN]], %{{.*}}) : (tensor<3xf32>, tensor<2xi64>) -> tensor<3x1x1xf32>
// CHECK: %[[D:.*]] = onnx.Sub(%arg0, %[[MEANB]])
// CHECK: %[[D2:.*]] = onnx.Mul(%[[D]], %[[D]])
// CHECK: %[[VAR:.*]] = onnx.ReduceMean(%[[D2]]) {axes = array<i64: 0, 2, 3>, keepdims = 0 : i64}
// CHECK: %[[VE:.*]] = onnx.Add(%[[VAR]], %{{.*}})
// CHECK: %[[STD:.*]] = onnx.Sqrt(%[[VE]])
// CHECK: %[[STDB:.*]] = onnx.Unsqueeze(%[[STD]]
// CHECK: %[[N:.*]] = onnx.Div(%[[D]], %[[STDB]])
// CHECK: %[[S:.*]] = onnx.Unsqueeze(%arg1
// CHECK: %[[NS:.*]] = onnx.Mul(%[[N]], %[[S]])
// CHECK: %[[B:.*]] = onnx.Unsqueeze(%arg2
// CHECK: %[[Y:.*]] = onnx.Add(%[[NS]], %[[B]])
// CHECK-DAG: %[[MOM:.*]] = onnx.Constant() {value = dense<0.899999976> : tensor<f32>}
// CHECK-DAG: %[[REST:.*]] = onnx.Constant() {value = dense<0.100000024> : tensor<f32>}
// CHECK: %[[M1:.*]] = onnx.Mul(%arg3, %[[MOM]])
// CHECK: %[[M2:.*]] = onnx.Mul(%[[MEAN]], %[[REST]])
// CHECK: %[[RM:.*]] = onnx.Add(%[[M1]], %[[M2]])
// CHECK: %[[V1:.*]] = onnx.Mul(%arg4, %[[MOM]])
// CHECK: %[[V2:.*]] = onnx.Mul(%[[VAR]], %[[REST]])
// CHECK: %[[RV:.*]] = onnx.Add(%[[V1]], %[[V2]])
// CHECK: return %[[Y]], %[[RM]], %[[RV]]
func.func @batchnorm_training(%x: tensor<2x3x4x5xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>) {
  %y, %rm, %rv = onnx.BatchNormalization(%x, %s, %b, %m, %v) {training_mode = 1 : i64} : (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>)
  return %y, %rm, %rv : tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

// Inference mode is the lowering's.
// CHECK-LABEL: func @negative_batchnorm_inference
// CHECK: onnx.BatchNormalization
func.func @negative_batchnorm_inference(%x: tensor<2x3xf32>, %s: tensor<3xf32>) -> tensor<2x3xf32> {
  %y, %rm, %rv = onnx.BatchNormalization(%x, %s, %s, %s, %s) : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3xf32>, none, none)
  return %y : tensor<2x3xf32>
}
