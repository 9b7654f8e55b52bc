// RUN: fulcrum-opt %s --fulcrum-onnx-decompose --fulcrum-convert-onnx-to-linalg --split-input-file | FileCheck %s

// Reductions reduce into a tensor without the reduced dimensions and expand
// back when keepdims is set.
// CHECK-LABEL: func @reduce_mean_keepdims
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2]] {{.*}} into tensor<2x1x4xf32>
func.func @reduce_mean_keepdims(%x: tensor<2x3x4xf32>) -> tensor<2x1x4xf32> {
  %0 = onnx.ReduceMean(%x) {axes = array<i64: 1>} : (tensor<2x3x4xf32>) -> tensor<2x1x4xf32>
  return %0 : tensor<2x1x4xf32>
}

// -----

// ArgMax carries the best value and its index through one reduction.
// CHECK-LABEL: func @argmax
// CHECK: %{{.*}}:2 = linalg.generic
// CHECK: arith.cmpf ogt
// CHECK: linalg.index 1
// CHECK: linalg.yield %{{.*}}, %{{.*}} : f32, i64
func.func @argmax(%x: tensor<2x3xf32>) -> tensor<2x1xi64> {
  %0 = onnx.ArgMax(%x) {axis = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x1xi64>
  return %0 : tensor<2x1xi64>
}

// -----

// NegativeLogLikelihoodLoss gathers -input[n, target] and averages over
// the weights.
// CHECK-LABEL: func @nll_mean
// CHECK: %{{.*}}:2 = linalg.generic
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<3x5xf32>
// CHECK: arith.negf
// CHECK: arith.divf
func.func @nll_mean(%x: tensor<3x5xf32>, %t: tensor<3xi64>) -> tensor<f32> {
  %none = onnx.NoValue
  %0 = onnx.NegativeLogLikelihoodLoss(%x, %t, %none) {reduction = "mean"} : (tensor<3x5xf32>, tensor<3xi64>, none) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Pattern: ReduceLowering<ReduceSumOp, Kind::Sum>
// ReduceSum with constant axes (a negative axis) and keepdims = 0: zero
// initial value, addf combiner, no expand_shape.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func @reduce_sum_negative_axis
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[Z]] : f32) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[OUT]]], iterator_types = ["parallel", "reduction", "parallel"]}{{.*}} outs(%[[INIT]] : tensor<2x4xf32>)
// CHECK: ^bb0(%[[X:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[X]], %[[ACC]]
// CHECK-NEXT: linalg.yield %[[S]]
// CHECK-NOT: tensor.expand_shape
func.func @reduce_sum_negative_axis(%x: tensor<2x3x4xf32>) -> tensor<2x4xf32> {
  %a = onnx.Constant() {value = dense<[-2]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = onnx.ReduceSum(%x, %a) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// noop_with_empty_axes = 1 without axes reduces nothing: every loop is
// parallel.
// CHECK-LABEL: func @reduce_sum_noop
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
func.func @reduce_sum_noop(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %none = onnx.NoValue
  %0 = onnx.ReduceSum(%x, %none) {noop_with_empty_axes = 1 : i64} : (tensor<2x3xf32>, none) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Axes read at run time are recovered from static shapes with keepdims: the
// dimension whose size becomes 1 is reduced.
// CHECK-LABEL: func @reduce_sum_runtime_axes
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2]] output_shape [2, 1, 4]
func.func @reduce_sum_runtime_axes(%x: tensor<2x3x4xf32>, %a: tensor<1xi64>) -> tensor<2x1x4xf32> {
  %0 = onnx.ReduceSum(%x, %a) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x1x4xf32>
  return %0 : tensor<2x1x4xf32>
}

// -----

// Pattern: ReduceLowering<ReduceMeanOp, Kind::Mean>
// ReduceMean over a dynamic dimension divides by its run-time size.
// CHECK-LABEL: func @reduce_mean_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]
// CHECK: arith.addf
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %c0
// CHECK: %[[N:.*]] = arith.muli %{{.*}}, %[[D]] : index
// CHECK: %[[N64:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK: %[[NF:.*]] = arith.sitofp %[[N64]] : i64 to f32
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<3xf32>)
// CHECK: ^bb0(%[[S:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[M:.*]] = arith.divf %[[S]], %[[NF]]
// CHECK-NEXT: linalg.yield %[[M]]
func.func @reduce_mean_dynamic(%x: tensor<?x3xf32>) -> tensor<3xf32> {
  %0 = onnx.ReduceMean(%x) {axes = array<i64: 0>, keepdims = 0 : i64} : (tensor<?x3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Pattern: ReduceLowering<ReduceMaxOp, Kind::Max>
// ReduceMax of uint8: the initial value is 0 (the unsigned minimum) and the
// combiner maxui.
// CHECK-LABEL: func @reduce_max_unsigned
// CHECK: %[[INIT:.*]] = arith.constant 0 : i8
// CHECK: linalg.fill ins(%[[INIT]] : i8)
// CHECK: ^bb0(%[[X:.*]]: i8, %[[ACC:.*]]: i8):
// CHECK-NEXT: arith.maxui %[[X]], %[[ACC]] : i8
func.func @reduce_max_unsigned(%x: tensor<2x3xui8>) -> tensor<2x1xui8> {
  %0 = onnx.ReduceMax(%x) {axes = array<i64: 1>} : (tensor<2x3xui8>) -> tensor<2x1xui8>
  return %0 : tensor<2x1xui8>
}

// -----

// ReduceMax of floats starts from -inf and uses maximumf.
// CHECK-LABEL: func @reduce_max_float
// CHECK: %[[INIT:.*]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins(%[[INIT]] : f32)
// CHECK: arith.maximumf
func.func @reduce_max_float(%x: tensor<2x3xf32>) -> tensor<2x1xf32> {
  %0 = onnx.ReduceMax(%x) {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

// Pattern: ReduceLowering<ReduceMinOp, Kind::Min>
// ReduceMin of int32 starts from INT32_MAX and uses minsi.
// CHECK-LABEL: func @reduce_min_signed
// CHECK: %[[INIT:.*]] = arith.constant 2147483647 : i32
// CHECK: linalg.fill ins(%[[INIT]] : i32)
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]
// CHECK: arith.minsi
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [1, 3]
func.func @reduce_min_signed(%x: tensor<2x3xi32>) -> tensor<1x3xi32> {
  %0 = onnx.ReduceMin(%x) {axes = array<i64: 0>} : (tensor<2x3xi32>) -> tensor<1x3xi32>
  return %0 : tensor<1x3xi32>
}

// -----

// Pattern: ReduceLowering<ReduceProdOp, Kind::Prod>
// ReduceProd without axes reduces everything from 1 into a rank-0 tensor,
// expanded to 1x1.
// CHECK-LABEL: func @reduce_prod_all
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: linalg.fill ins(%[[ONE]] : f32) outs(%{{.*}} : tensor<f32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK: arith.mulf
// CHECK: tensor.expand_shape %{{.*}} [] output_shape [1, 1] : tensor<f32> into tensor<1x1xf32>
func.func @reduce_prod_all(%x: tensor<2x3xf32>) -> tensor<1x1xf32> {
  %0 = onnx.ReduceProd(%x) : (tensor<2x3xf32>) -> tensor<1x1xf32>
  return %0 : tensor<1x1xf32>
}

// -----

// Pattern: ReduceLowering<ReduceSumSquareOp, Kind::SumSquare>
// ReduceSumSquare squares each element before adding.
// CHECK-LABEL: func @reduce_sum_square
// CHECK: ^bb0(%[[X:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[X]], %[[X]]
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[SQ]], %[[ACC]]
// CHECK-NEXT: linalg.yield %[[S]]
// CHECK-NOT: math.sqrt
func.func @reduce_sum_square(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = onnx.ReduceSumSquare(%x) {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Pattern: ReduceLowering<ReduceL1Op, Kind::L1>
// ReduceL1 adds absolute values.
// CHECK-LABEL: func @reduce_l1
// CHECK: ^bb0(%[[X:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[A:.*]] = math.absf %[[X]]
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[A]], %[[ACC]]
func.func @reduce_l1(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = onnx.ReduceL1(%x) {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// ReduceL1 of signed integers uses absi.
// CHECK-LABEL: func @reduce_l1_signed
// CHECK: math.absi %{{.*}} : i32
// CHECK: arith.addi
func.func @reduce_l1_signed(%x: tensor<2x3xi32>) -> tensor<2xi32> {
  %0 = onnx.ReduceL1(%x) {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<2x3xi32>) -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

// ReduceL1 of unsigned integers adds the values as they are (absi would
// read values of 2^31 and more as negative).
// CHECK-LABEL: func @reduce_l1_unsigned
// CHECK: ^bb0(%[[X:.*]]: i32, %[[ACC:.*]]: i32):
// CHECK-NOT: math.absi
// CHECK-NEXT: %[[S:.*]] = arith.addi %[[X]], %[[ACC]] : i32
func.func @reduce_l1_unsigned(%x: tensor<2x3xui32>) -> tensor<2xui32> {
  %0 = onnx.ReduceL1(%x) {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<2x3xui32>) -> tensor<2xui32>
  return %0 : tensor<2xui32>
}

// -----

// Pattern: ReduceLowering<ReduceL2Op, Kind::L2>
// ReduceL2: the sum of squares, then sqrt.
// CHECK-LABEL: func @reduce_l2
// CHECK: %[[SUM:.*]] = linalg.generic
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] :
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[R:.*]] = math.sqrt %[[S]]
// CHECK-NEXT: linalg.yield %[[R]]
func.func @reduce_l2(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = onnx.ReduceL2(%x) {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Pattern: ReduceLowering<ReduceLogSumOp, Kind::LogSum>
// ReduceLogSum: log of the plain sum.
// CHECK-LABEL: func @reduce_log_sum
// CHECK: ^bb0(%[[X:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: arith.addf %[[X]], %[[ACC]]
// CHECK: ^bb0(%[[S:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[R:.*]] = math.log %[[S]]
// CHECK-NEXT: linalg.yield %[[R]]
func.func @reduce_log_sum(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = onnx.ReduceLogSum(%x) {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Pattern: ReduceLowering<ReduceLogSumExpOp, Kind::LogSumExp>
// ReduceLogSumExp: log of the sum of exp.
// CHECK-LABEL: func @reduce_log_sum_exp
// CHECK: ^bb0(%[[X:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[E:.*]] = math.exp %[[X]]
// CHECK-NEXT: arith.addf %[[E]], %[[ACC]]
// CHECK: ^bb0(%[[S:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[R:.*]] = math.log %[[S]]
func.func @reduce_log_sum_exp(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = onnx.ReduceLogSumExp(%x) {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Pattern: ArgLowering<ArgMaxOp, true>
// (The argmax case above checks the strict ogt of the first index.)
// ArgMax with select_last_index uses oge, so a later equal value wins.
// CHECK-LABEL: func @argmax_last_index
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins(%[[NINF]] : f32)
// CHECK: ^bb0(%[[X:.*]]: f32, %[[BEST:.*]]: f32, %[[BI:.*]]: i64):
// CHECK: %[[BETTER:.*]] = arith.cmpf oge, %[[X]], %[[BEST]]
// CHECK: %[[I:.*]] = linalg.index 1
// CHECK: %[[I64:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK: %[[V:.*]] = arith.select %[[BETTER]], %[[X]], %[[BEST]]
// CHECK: %[[J:.*]] = arith.select %[[BETTER]], %[[I64]], %[[BI]]
// CHECK: linalg.yield %[[V]], %[[J]]
func.func @argmax_last_index(%x: tensor<2x3xf32>) -> tensor<2x1xi64> {
  %0 = onnx.ArgMax(%x) {axis = -1 : i64, select_last_index = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x1xi64>
  return %0 : tensor<2x1xi64>
}

// -----

// Pattern: ArgLowering<ArgMinOp, false>
// ArgMin of int32 on axis 0 with keepdims = 0 and select_last_index: the
// initial value is INT32_MAX and the predicate sle.
// CHECK-LABEL: func @argmin_last_index
// CHECK: %[[MAX:.*]] = arith.constant 2147483647 : i32
// CHECK: linalg.fill ins(%[[MAX]] : i32)
// CHECK: %[[R:.*]]:2 = linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]
// CHECK: %[[BETTER:.*]] = arith.cmpi sle, %{{.*}}, %{{.*}} : i32
// CHECK: linalg.index 0
// CHECK: return %[[R]]#1 : tensor<3xi64>
func.func @argmin_last_index(%x: tensor<2x3xi32>) -> tensor<3xi64> {
  %0 = onnx.ArgMin(%x) {axis = 0 : i64, keepdims = 0 : i64, select_last_index = 1 : i64} : (tensor<2x3xi32>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

// Pattern: CumSumLowering
// Inclusive CumSum along axis 1: a reduction loop j (d2) over the axis reads
// x[i0, j] and adds it where j <= i1.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @cumsum
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[Z]] : f32)
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]}{{.*}} outs(%[[INIT]]
// CHECK: ^bb0(%[[X:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[I:.*]] = linalg.index 1 : index
// CHECK: %[[J:.*]] = linalg.index 2 : index
// CHECK: %[[TAKE:.*]] = arith.cmpi ule, %[[J]], %[[I]] : index
// CHECK: %[[V:.*]] = arith.select %[[TAKE]], %[[X]], %{{.*}}
// CHECK: arith.addf %[[ACC]], %[[V]]
func.func @cumsum(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %0 = onnx.CumSum(%x, %a) : (tensor<2x3xf32>, tensor<i64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Exclusive reverse CumSum along axis -2 (= 0) of int32: j runs over rows
// and is taken where j > i0.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-LABEL: func @cumsum_exclusive_reverse
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #{{.*}}]
// CHECK: ^bb0(%[[X:.*]]: i32, %[[ACC:.*]]: i32):
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[J:.*]] = linalg.index 2 : index
// CHECK: %[[TAKE:.*]] = arith.cmpi ugt, %[[J]], %[[I]] : index
// CHECK: %[[V:.*]] = arith.select %[[TAKE]], %[[X]], %{{.*}}
// CHECK: arith.addi %[[ACC]], %[[V]] : i32
func.func @cumsum_exclusive_reverse(%x: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %a = onnx.Constant() {value = dense<-2> : tensor<i32>} : () -> tensor<i32>
  %0 = onnx.CumSum(%x, %a) {exclusive = 1 : i64, reverse = 1 : i64} : (tensor<2x3xi32>, tensor<i32>) -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// Exclusive forward CumSum: j < i (the element itself is left out).
// CHECK-LABEL: func @cumsum_exclusive
// CHECK: %[[I:.*]] = linalg.index 1 : index
// CHECK: %[[J:.*]] = linalg.index 2 : index
// CHECK: arith.cmpi ult, %[[J]], %[[I]] : index
func.func @cumsum_exclusive(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %0 = onnx.CumSum(%x, %a) {exclusive = 1 : i64} : (tensor<2x3xf32>, tensor<i64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Reverse inclusive CumSum: j >= i.
// CHECK-LABEL: func @cumsum_reverse
// CHECK: %[[I:.*]] = linalg.index 1 : index
// CHECK: %[[J:.*]] = linalg.index 2 : index
// CHECK: arith.cmpi uge, %[[J]], %[[I]] : index
func.func @cumsum_reverse(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %0 = onnx.CumSum(%x, %a) {reverse = 1 : i64} : (tensor<2x3xf32>, tensor<i64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A run-time axis computes the sum along every axis and selects the one the
// (wrapped) axis names.
// CHECK-DAG: #[[ALONG0:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[ALONG1:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func @cumsum_runtime_axis
// CHECK-SAME: (%{{.*}}: tensor<2x3xf32>, %[[A:.*]]: tensor<i64>)
// CHECK: %[[S0:.*]] = linalg.generic {indexing_maps = [#[[ALONG0]]
// CHECK: %[[S1:.*]] = linalg.generic {indexing_maps = [#[[ALONG1]]
// CHECK: %[[AX:.*]] = tensor.extract %[[A]][]
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[AX]]
// CHECK: %[[WRAP:.*]] = arith.addi %[[AX]], %c2_i64
// CHECK: %[[AXIS:.*]] = arith.select %[[NEG]], %[[WRAP]], %[[AX]]
// CHECK: linalg.generic {{.*}} ins(%[[S0]], %[[S1]] :
// CHECK: ^bb0(%[[V0:.*]]: f32, %[[V1:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[IS1:.*]] = arith.cmpi eq, %[[AXIS]], %{{.*}}
// CHECK: arith.select %[[IS1]], %[[V1]], %[[V0]]
func.func @cumsum_runtime_axis(%x: tensor<2x3xf32>, %a: tensor<i64>) -> tensor<2x3xf32> {
  %0 = onnx.CumSum(%x, %a) : (tensor<2x3xf32>, tensor<i64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Pattern: NLLLowering
// NegativeLogLikelihoodLoss with reduction = none, class weights and
// ignore_index over a (N, C, d1) input: ignored targets read class 0 with
// weight 0.
// CHECK-LABEL: func @nll_none_weighted
// CHECK-SAME: (%[[X:.*]]: tensor<3x5x2xf32>, %[[T:.*]]: tensor<3x2xi64>, %[[W:.*]]: tensor<5xf32>)
// CHECK: %[[R:.*]]:2 = linalg.generic {{.*}} ins(%[[T]] : tensor<3x2xi64>)
// CHECK: ^bb0(%[[TV:.*]]: i64, %{{.*}}: f32, %{{.*}}: f32):
// CHECK: %[[IGN:.*]] = arith.constant -1 : i64
// CHECK: %[[ISIGN:.*]] = arith.cmpi eq, %[[TV]], %[[IGN]]
// CHECK: %[[CLS:.*]] = arith.select %[[ISIGN]], %{{.*}}, %[[TV]]
// CHECK: %[[CI:.*]] = arith.index_cast %[[CLS]] : i64 to index
// CHECK: %[[N:.*]] = linalg.index 0
// CHECK: %[[D:.*]] = linalg.index 1
// CHECK: %[[V:.*]] = tensor.extract %[[X]][%[[N]], %[[CI]], %[[D]]]
// CHECK: %[[WV:.*]] = tensor.extract %[[W]][%[[CI]]]
// CHECK: %[[WW:.*]] = arith.select %[[ISIGN]], %{{.*}}, %[[WV]]
// CHECK: %[[P:.*]] = arith.mulf %[[V]], %[[WW]]
// CHECK: %[[L:.*]] = arith.negf %[[P]]
// CHECK: linalg.yield %[[L]], %[[WW]]
// CHECK: return %[[R]]#0 : tensor<3x2xf32>
func.func @nll_none_weighted(%x: tensor<3x5x2xf32>, %t: tensor<3x2xi64>, %w: tensor<5xf32>) -> tensor<3x2xf32> {
  %0 = onnx.NegativeLogLikelihoodLoss(%x, %t, %w) {ignore_index = -1 : i64, reduction = "none"} : (tensor<3x5x2xf32>, tensor<3x2xi64>, tensor<5xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// reduction = sum adds the losses into a rank-0 tensor, without dividing.
// CHECK-LABEL: func @nll_sum
// CHECK: %[[R:.*]]:2 = linalg.generic
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[R]]#0 : tensor<3xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK: arith.addf
// CHECK-NOT: arith.divf
func.func @nll_sum(%x: tensor<3x5xf32>, %t: tensor<3xi32>) -> tensor<f32> {
  %none = onnx.NoValue
  %0 = onnx.NegativeLogLikelihoodLoss(%x, %t, %none) {reduction = "sum"} : (tensor<3x5xf32>, tensor<3xi32>, none) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// After fulcrum-onnx-decompose (SoftmaxCrossEntropyLoss is no longer lowered directly).
// SoftmaxCrossEntropyLoss returning log_prob: the LogSoftmax result is both
// the second output and what the NLL reads.
// CHECK-LABEL: func @sce_log_prob
// CHECK: %[[LP:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<3x5xf32>)
// CHECK: math.log
// CHECK: linalg.generic
// CHECK: tensor.extract %[[LP]]
// CHECK: arith.negf
// CHECK: %[[LOSS:.*]] = linalg.generic {{.*}} iterator_types = ["reduction"]
// CHECK: return %[[LOSS]], %[[LP]] : tensor<f32>, tensor<3x5xf32>
func.func @sce_log_prob(%x: tensor<3x5xf32>, %t: tensor<3xi64>) -> (tensor<f32>, tensor<3x5xf32>) {
  %none = onnx.NoValue
  %0, %1 = onnx.SoftmaxCrossEntropyLoss(%x, %t, %none) {reduction = "sum"} : (tensor<3x5xf32>, tensor<3xi64>, none) -> (tensor<f32>, tensor<3x5xf32>)
  return %0, %1 : tensor<f32>, tensor<3x5xf32>
}

// -----

// Resize (linear) blends the neighbours of the resized dimensions.
// CHECK-LABEL: func @resize_linear
// CHECK: linalg.generic
// CHECK: math.floor
// CHECK-COUNT-4: tensor.extract %{{.*}} : tensor<1x1x2x2xf32>
func.func @resize_linear(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  %none = onnx.NoValue
  %scales = onnx.Constant() {value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %0 = onnx.Resize(%x, %none, %scales, %none) {mode = "linear"} : (tensor<1x1x2x2xf32>, none, tensor<4xf32>, none) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// Pattern: ConvTransposeLowering
// ConvTranspose reads the input through a guarded extract.
// CHECK-LABEL: func @conv_transpose
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x1x1x3x3xf32>)
// CHECK: arith.remsi
// CHECK: tensor.extract %{{.*}} : tensor<1x1x3x3xf32>
// CHECK: tensor.collapse_shape
func.func @conv_transpose(%x: tensor<1x1x3x3xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x5x5xf32> {
  %none = onnx.NoValue
  %0 = onnx.ConvTranspose(%x, %w, %none) : (tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>, none) -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}

// -----

// Axes read at run time without keepdims: 3x2x2 -> 3x2 reduces dimension 1
// or 2. Both reductions are made (constant axes) and the axes pick one
// (1 or -2 names dimension 1; dimension 2 is the fallback).
// CHECK-LABEL: func @reduce_sum_runtime_axes_candidates
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<3x2x2xf32>, %[[A:[a-z0-9_]+]]: tensor<1xi64>)
// CHECK: %[[R1:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: %[[R2:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: %[[AX:.*]] = tensor.extract %[[A]][%{{.*}}] : tensor<1xi64>
// CHECK: %[[C1:.*]] = arith.constant 1 : i64
// CHECK: %[[E1:.*]] = arith.cmpi eq, %[[AX]], %[[C1]]
// CHECK: %[[CM2:.*]] = arith.constant -2 : i64
// CHECK: %[[E2:.*]] = arith.cmpi eq, %[[AX]], %[[CM2]]
// CHECK: %[[IS1:.*]] = arith.ori %[[E1]], %[[E2]]
// CHECK: %[[R:.*]] = arith.select %[[IS1]], %[[R1]], %[[R2]] : tensor<3x2xf32>
// CHECK: return %[[R]]
func.func @reduce_sum_runtime_axes_candidates(%x: tensor<3x2x2xf32>, %a: tensor<1xi64>) -> tensor<3x2xf32> {
  %0 = onnx.ReduceSum(%x, %a) {keepdims = 0 : i64} : (tensor<3x2x2xf32>, tensor<1xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}
