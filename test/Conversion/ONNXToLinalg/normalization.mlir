// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --split-input-file | FileCheck %s

// Softmax, LogSoftmax, BatchNormalization, LayerNormalization,
// InstanceNormalization and LRN. (A Softmax case on the last axis is in
// fulcrum-convert-onnx-to-linalg.mlir.)

// Pattern: SoftmaxLowering<SoftmaxOp>
// Softmax on axis 0: every reduction runs over d0 and its results are read
// back through (d0, d1) -> (d1).
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[R:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @softmax_axis0
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAXINIT:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<5xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[R]]], iterator_types = ["reduction", "parallel"]}{{.*}} outs(%[[MAXINIT]]
// CHECK: arith.maximumf
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[R]], #[[R]]], iterator_types = ["reduction", "parallel"]} ins(%{{.*}}, %[[MAX]] :
// CHECK: ^bb0(%[[X:.*]]: f32, %[[M:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[D:.*]] = arith.subf %[[X]], %[[M]]
// CHECK: %[[E:.*]] = math.exp %[[D]]
// CHECK: arith.addf %[[E]], %[[ACC]]
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[R]], #[[R]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %[[MAX]], %[[SUM]] :
// CHECK: ^bb0(%[[X2:.*]]: f32, %[[M2:.*]]: f32, %[[S2:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[D2:.*]] = arith.subf %[[X2]], %[[M2]]
// CHECK: %[[E2:.*]] = math.exp %[[D2]]
// CHECK: arith.divf %[[E2]], %[[S2]]
func.func @softmax_axis0(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = onnx.Softmax(%x) {axis = 0 : i64} : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// Pattern: SoftmaxLowering<LogSoftmaxOp>
// LogSoftmax: (x - max) - log(sum(exp(x - max))), no division.
// CHECK-LABEL: func @log_softmax
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: ^bb0(%[[X:.*]]: f32, %[[M:.*]]: f32, %[[S:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[D:.*]] = arith.subf %[[X]], %[[M]]
// CHECK: %[[L:.*]] = math.log %[[S]]
// CHECK: %[[R:.*]] = arith.subf %[[D]], %[[L]]
// CHECK-NEXT: linalg.yield %[[R]]
func.func @log_softmax(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = onnx.LogSoftmax(%x) : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// Pattern: BatchNormLowering
// BatchNormalization (inference): one generic; scale, B, mean and var are
// read along the channel dimension;
// y = (x - mean) / sqrt(var + epsilon) * scale + B.
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func @batch_norm
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[C]], #[[C]], #[[C]], #[[C]], #{{.*}}]
// CHECK: ^bb0(%[[X:.*]]: f32, %[[S:.*]]: f32, %[[B:.*]]: f32, %[[M:.*]]: f32, %[[V:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[XC:.*]] = arith.subf %[[X]], %[[M]]
// CHECK: %[[EPS:.*]] = arith.constant 0.00999999977 : f32
// CHECK: %[[VE:.*]] = arith.addf %[[V]], %[[EPS]]
// CHECK: %[[SD:.*]] = math.sqrt %[[VE]]
// CHECK: %[[N:.*]] = arith.divf %[[XC]], %[[SD]]
// CHECK: %[[NS:.*]] = arith.mulf %[[N]], %[[S]]
// CHECK: %[[Y:.*]] = arith.addf %[[NS]], %[[B]]
// CHECK: linalg.yield %[[Y]]
func.func @batch_norm(%x: tensor<1x3x4x4xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<1x3x4x4xf32> {
  %y, %rm, %rv = onnx.BatchNormalization(%x, %s, %b, %m, %v) {epsilon = 0.01 : f32} : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<1x3x4x4xf32>, none, none)
  return %y : tensor<1x3x4x4xf32>
}

// -----

// Pattern: LayerNormLowering
// LayerNormalization over the last axis: mean = sum / 4, then
// invstd = rsqrt(sum((x - mean)^2) / 4 + epsilon); Scale and B broadcast over
// the normalized dimension; the Mean output keeps it as size 1.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[R:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[LAST:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func @layer_norm
// CHECK: %[[N:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[R]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: %[[MEAN:.*]] = linalg.generic
// CHECK: arith.divf %{{.*}}, %[[N]]
// CHECK: %[[SQ:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[R]], #[[R]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %[[MEAN]] :
// CHECK: %[[D:.*]] = arith.subf
// CHECK: arith.mulf %[[D]], %[[D]]
// CHECK: %[[INV:.*]] = linalg.generic
// CHECK: %[[VAR:.*]] = arith.divf %{{.*}}, %[[N]]
// CHECK: %[[EPS:.*]] = arith.constant 1.000000e-03 : f32
// CHECK: %[[VE:.*]] = arith.addf %[[VAR]], %[[EPS]]
// CHECK: math.rsqrt %[[VE]]
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[R]], #[[R]], #[[LAST]], #[[LAST]], #[[ID]]]{{.*}} ins(%{{.*}}, %[[MEAN]], %[[INV]], %{{.*}}, %{{.*}} :
// CHECK: ^bb0(%[[X:.*]]: f32, %[[M:.*]]: f32, %[[I:.*]]: f32, %[[S:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[XC:.*]] = arith.subf %[[X]], %[[M]]
// CHECK: %[[XN:.*]] = arith.mulf %[[XC]], %[[I]]
// CHECK: %[[XS:.*]] = arith.mulf %[[XN]], %[[S]]
// CHECK: arith.addf %[[XS]], %[[B]]
// CHECK: tensor.expand_shape %[[MEAN]] {{\[}}[0], [1, 2]] output_shape [2, 3, 1] : tensor<2x3xf32> into tensor<2x3x1xf32>
func.func @layer_norm(%x: tensor<2x3x4xf32>, %s: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x1xf32>) {
  %y, %m, %r = onnx.LayerNormalization(%x, %s, %b) {axis = -1 : i64, epsilon = 0.001 : f32} : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x1xf32>, none)
  return %y, %m : tensor<2x3x4xf32>, tensor<2x3x1xf32>
}

// -----

// LayerNormalization without B and with axis 1: two normalized dimensions,
// no addition.
// CHECK-DAG: #[[R:.*]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-LABEL: func @layer_norm_no_bias
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]
// CHECK: ^bb0(%[[X:.*]]: f32, %[[M:.*]]: f32, %[[I:.*]]: f32, %[[S:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[XC:.*]] = arith.subf %[[X]], %[[M]]
// CHECK: %[[XN:.*]] = arith.mulf %[[XC]], %[[I]]
// CHECK: %[[XS:.*]] = arith.mulf %[[XN]], %[[S]]
// CHECK-NEXT: linalg.yield %[[XS]]
func.func @layer_norm_no_bias(%x: tensor<2x3x4xf32>, %s: tensor<3x4xf32>) -> tensor<2x3x4xf32> {
  %none = onnx.NoValue
  %y, %m, %r = onnx.LayerNormalization(%x, %s, %none) {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<3x4xf32>, none) -> (tensor<2x3x4xf32>, none, none)
  return %y : tensor<2x3x4xf32>
}

// -----

// Pattern: InstanceNormLowering
// InstanceNormalization: statistics per (n, c) over the spatial dimensions;
// scale and B per channel.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[NC:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func @instance_norm
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[NC]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
// CHECK: math.rsqrt
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[NC]], #[[NC]], #[[C]], #[[C]], #[[ID]]]
// CHECK: ^bb0(%[[X:.*]]: f32, %[[M:.*]]: f32, %[[I:.*]]: f32, %[[S:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[XC:.*]] = arith.subf %[[X]], %[[M]]
// CHECK: %[[XN:.*]] = arith.mulf %[[XC]], %[[I]]
// CHECK: %[[XS:.*]] = arith.mulf %[[XN]], %[[S]]
// CHECK: arith.addf %[[XS]], %[[B]]
func.func @instance_norm(%x: tensor<2x3x4x5xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<2x3x4x5xf32> {
  %0 = onnx.InstanceNormalization(%x, %s, %b) {epsilon = 0.001 : f32} : (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x5xf32>
  return %0 : tensor<2x3x4x5xf32>
}

// -----

// Pattern: LRNLowering
// LRN with size 4: a reduction over a window loop d4 of 4 channels
// c - 1 .. c + 2 (floor((size - 1) / 2) before), out-of-range channels add
// 0; then x / (bias + alpha / size * sum)^beta.
// CHECK-DAG: #[[WIN:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d4)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func @lrn
// CHECK: %[[C6:.*]] = arith.constant 6 : index
// CHECK: %[[W:.*]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[SUMS:.*]] = linalg.generic {indexing_maps = [#[[WIN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[W]] : tensor<4xf32>)
// CHECK: %[[C:.*]] = linalg.index 1 : index
// CHECK: %[[K:.*]] = linalg.index 4 : index
// CHECK: %[[CK:.*]] = arith.addi %[[C]], %[[K]] : index
// CHECK: %[[BEFORE:.*]] = arith.constant 1 : index
// CHECK: %[[CH:.*]] = arith.subi %[[CK]], %[[BEFORE]] : index
// CHECK: %[[GE:.*]] = arith.cmpi sge, %[[CH]], %{{.*}}
// CHECK: %[[LT:.*]] = arith.cmpi slt, %[[CH]], %[[C6]]
// CHECK: %[[IN:.*]] = arith.andi %[[GE]], %[[LT]]
// CHECK: %[[V:.*]] = tensor.extract
// CHECK: %[[SQ:.*]] = arith.mulf %[[V]], %[[V]]
// CHECK: %[[T:.*]] = arith.select %[[IN]], %[[SQ]], %{{.*}}
// CHECK: arith.addf %{{.*}}, %[[T]]
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[SUMS]] :
// CHECK: ^bb0(%[[X:.*]]: f32, %[[S:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[BIAS:.*]] = arith.constant 2.000000e+00 : f32
// CHECK: %[[AS:.*]] = arith.constant 5.000000e-04 : f32
// CHECK: %[[SCALED:.*]] = arith.mulf %[[S]], %[[AS]]
// CHECK: %[[D:.*]] = arith.addf %[[BIAS]], %[[SCALED]]
// CHECK: %[[BETA:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[P:.*]] = math.powf %[[D]], %[[BETA]]
// CHECK: arith.divf %[[X]], %[[P]]
func.func @lrn(%x: tensor<1x6x2x2xf32>) -> tensor<1x6x2x2xf32> {
  %0 = onnx.LRN(%x) {size = 4 : i64, alpha = 0.002 : f32, beta = 0.5 : f32, bias = 2.0 : f32} : (tensor<1x6x2x2xf32>) -> tensor<1x6x2x2xf32>
  return %0 : tensor<1x6x2x2xf32>
}
