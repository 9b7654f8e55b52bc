// RUN: fulcrum-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(fulcrum-channels-last))' | FileCheck %s

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#channel = affine_map<(d0, d1, d2, d3) -> (d1)>

// A padded convolution with a bias, then a ReLU with a per-channel scale:
// the input is transposed once and padded in NHWC, the filter transposed
// FCHW -> FHWC, the bias broadcast straight into NHWC, the generic runs on
// NHWC loops (the scale's map renamed to the channel loop d3), and one
// transpose leads back to NCHW for the return.
// CHECK-LABEL: func.func @conv_chain(
// CHECK-SAME: %[[X:.*]]: tensor<1x8x16x16xf32>, %[[W:.*]]: tensor<4x8x3x3xf32>, %[[B:.*]]: tensor<4xf32>, %[[S:.*]]: tensor<4xf32>)
// CHECK-NOT: tensor.pad %[[X]]
// CHECK: %[[WT:.*]] = linalg.transpose ins(%[[W]] : tensor<4x8x3x3xf32>) outs(%{{.*}} : tensor<4x3x3x8xf32>) permutation = [0, 2, 3, 1]
// CHECK: %[[XT:.*]] = linalg.transpose ins(%[[X]] : tensor<1x8x16x16xf32>) outs(%{{.*}} : tensor<1x16x16x8xf32>) permutation = [0, 2, 3, 1]
// CHECK: %[[P:.*]] = tensor.pad %[[XT]] low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: %[[BIAS:.*]] = linalg.broadcast ins(%[[B]] : tensor<4xf32>) outs(%{{.*}} : tensor<1x16x16x4xf32>) dimensions = [0, 1, 2]
// CHECK: %[[Y:.*]] = linalg.conv_2d_nhwc_fhwc {{.*}} ins(%[[P]], %[[WT]] : tensor<1x18x18x8xf32>, tensor<4x3x3x8xf32>) outs(%[[BIAS]] : tensor<1x16x16x4xf32>)
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID:.*]], #[[C3:.*]], #[[ID]]], {{.*}} ins(%[[Y]], %[[S]] : tensor<1x16x16x4xf32>, tensor<4xf32>)
// CHECK: %[[OUT:.*]] = linalg.transpose ins(%[[R]] : tensor<1x16x16x4xf32>) outs(%{{.*}} : tensor<1x4x16x16xf32>) permutation = [0, 3, 1, 2]
// CHECK: return %[[OUT]]
// CHECK-NOT: linalg.transpose
func.func @conv_chain(%x: tensor<1x8x16x16xf32>, %w: tensor<4x8x3x3xf32>, %b: tensor<4xf32>, %s: tensor<4xf32>) -> tensor<1x4x16x16xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x8x16x16xf32> to tensor<1x8x18x18xf32>
  %e = tensor.empty() : tensor<1x4x16x16xf32>
  %init = linalg.broadcast ins(%b : tensor<4xf32>) outs(%e : tensor<1x4x16x16xf32>) dimensions = [0, 2, 3]
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%p, %w : tensor<1x8x18x18xf32>, tensor<4x8x3x3xf32>) outs(%init : tensor<1x4x16x16xf32>) -> tensor<1x4x16x16xf32>
  %r = linalg.generic {indexing_maps = [#id, #channel, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y, %s : tensor<1x4x16x16xf32>, tensor<4xf32>) outs(%e : tensor<1x4x16x16xf32>) {
  ^bb0(%in: f32, %scale: f32, %o: f32):
    %0 = arith.mulf %in, %scale : f32
    %1 = arith.maximumf %0, %zero : f32
    linalg.yield %1 : f32
  } -> tensor<1x4x16x16xf32>
  return %r : tensor<1x4x16x16xf32>
}

// -----

// Depthwise convolution (CHW -> HWC filter) and max pooling with a dynamic
// batch: the layout changes cancel between them.
// CHECK-LABEL: func.func @depthwise_pool(
// CHECK: linalg.transpose ins(%{{.*}} : tensor<8x3x3xf32>) outs(%{{.*}} : tensor<3x3x8xf32>) permutation = [1, 2, 0]
// CHECK: %[[D:.*]] = linalg.depthwise_conv_2d_nhwc_hwc {{.*}} -> tensor<?x14x14x8xf32>
// CHECK-NOT: linalg.transpose
// CHECK: %[[P:.*]] = linalg.pooling_nhwc_max {{.*}} ins(%[[D]], %{{.*}} : tensor<?x14x14x8xf32>, tensor<2x2xf32>) {{.*}} -> tensor<?x7x7x8xf32>
// CHECK: linalg.transpose ins(%[[P]] : tensor<?x7x7x8xf32>) {{.*}} permutation = [0, 3, 1, 2]
func.func @depthwise_pool(%x: tensor<?x8x16x16xf32>, %w: tensor<8x3x3xf32>) -> tensor<?x8x7x7xf32> {
  %c0 = arith.constant 0 : index
  %ninf = arith.constant 0xFF800000 : f32
  %n = tensor.dim %x, %c0 : tensor<?x8x16x16xf32>
  %e = tensor.empty(%n) : tensor<?x8x14x14xf32>
  %d = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<?x8x16x16xf32>, tensor<8x3x3xf32>) outs(%e : tensor<?x8x14x14xf32>) -> tensor<?x8x14x14xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %e2 = tensor.empty(%n) : tensor<?x8x7x7xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e2 : tensor<?x8x7x7xf32>) -> tensor<?x8x7x7xf32>
  %p = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%d, %win : tensor<?x8x14x14xf32>, tensor<2x2xf32>) outs(%f : tensor<?x8x7x7xf32>) -> tensor<?x8x7x7xf32>
  return %p : tensor<?x8x7x7xf32>
}

// -----

// A global average pooling's reduction (with a residual add fused into it)
// reads the convolution's result and the other NHWC operand in NHWC through
// permuted maps; its loops and its [N, C] result stay, and no transpose is
// left. Reading NCHW, the same reduction keeps its maps (negative_).
// CHECK-DAG: #[[NHWC:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @pooled_reduction(
// CHECK: %[[Y:.*]] = linalg.conv_2d_nhwc_fhwc
// CHECK: %[[Z:.*]] = linalg.conv_2d_nhwc_fhwc
// CHECK-NOT: linalg.transpose {{.*}} permutation = [0, 3, 1, 2]
// CHECK: linalg.generic {indexing_maps = [#[[NHWC]], #[[NHWC]], #{{.*}}], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%[[Z]], %[[Y]] : tensor<2x6x6x4xf32>, tensor<2x6x6x4xf32>) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK-NOT: linalg.transpose {{.*}} permutation = [0, 3, 1, 2]
// CHECK-LABEL: func.func @negative_nchw_reduction(
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #{{.*}}], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%{{.*}} : tensor<2x4x6x6xf32>)
func.func @pooled_reduction(%x: tensor<2x8x6x6xf32>, %w: tensor<4x8x1x1xf32>, %w2: tensor<4x4x1x1xf32>) -> tensor<2x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4x6x6xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<2x8x6x6xf32>, tensor<4x8x1x1xf32>) outs(%e : tensor<2x4x6x6xf32>) -> tensor<2x4x6x6xf32>
  %z = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%y, %w2 : tensor<2x4x6x6xf32>, tensor<4x4x1x1xf32>) outs(%e : tensor<2x4x6x6xf32>) -> tensor<2x4x6x6xf32>
  %s = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%s : tensor<2x4xf32>) -> tensor<2x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%z, %y : tensor<2x4x6x6xf32>, tensor<2x4x6x6xf32>) outs(%f : tensor<2x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %0 = arith.addf %a, %b : f32
    %1 = arith.addf %0, %o : f32
    linalg.yield %1 : f32
  } -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}
func.func @negative_nchw_reduction(%x: tensor<2x4x6x6xf32>) -> tensor<2x4xf32> {
  %zero = arith.constant 0.0 : f32
  %s = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%s : tensor<2x4xf32>) -> tensor<2x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%x : tensor<2x4x6x6xf32>) outs(%f : tensor<2x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %0 = arith.addf %a, %o : f32
    linalg.yield %0 : f32
  } -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// negative_: an element-wise op that reads no converted result, a generic
// that uses linalg.index, and a padding with a run-time amount stay NCHW;
// the convolution's result reaches them through a transpose.
// CHECK-LABEL: func.func @negative_untouched(
// CHECK: linalg.conv_2d_nhwc_fhwc
// CHECK: %[[BACK:.*]] = linalg.transpose {{.*}} permutation = [0, 3, 1, 2]
// CHECK: linalg.generic {{.*}} ins(%[[BACK]] : tensor<1x4x8x8xf32>)
// CHECK: linalg.index
// CHECK: tensor.pad %[[BACK]] low[0, 0, %{{.*}}, 0]
// CHECK-LABEL: func.func @negative_no_conv(
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic
func.func @negative_untouched(%x: tensor<1x8x8x8xf32>, %w: tensor<4x8x1x1xf32>, %k: index) -> (tensor<1x4x8x8xf32>, tensor<1x4x?x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x8x8xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x8x8x8xf32>, tensor<4x8x1x1xf32>) outs(%e : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y : tensor<1x4x8x8xf32>) outs(%e : tensor<1x4x8x8xf32>) {
  ^bb0(%in: f32, %o: f32):
    %i = linalg.index 1 : index
    %c = arith.index_cast %i : index to i64
    %f = arith.sitofp %c : i64 to f32
    %0 = arith.addf %in, %f : f32
    linalg.yield %0 : f32
  } -> tensor<1x4x8x8xf32>
  %p = tensor.pad %y low[0, 0, %k, 0] high[0, 0, 0, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x4x8x8xf32> to tensor<1x4x?x8xf32>
  return %r, %p : tensor<1x4x8x8xf32>, tensor<1x4x?x8xf32>
}
func.func @negative_no_conv(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x8x8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x8x8xf32>) outs(%e : tensor<1x4x8x8xf32>) {
  ^bb0(%in: f32, %o: f32):
    %0 = arith.maximumf %in, %zero : f32
    linalg.yield %0 : f32
  } -> tensor<1x4x8x8xf32>
  return %r : tensor<1x4x8x8xf32>
}

// -----

#qx = affine_map<(n, f, h, w, c, kh, kw) -> (n, c, h + kh, w + kw)>
#qw = affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>
#qy = affine_map<(n, f, h, w, c, kh, kw) -> (n, f, h, w)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#channel = affine_map<(d0, d1, d2, d3) -> (d1)>

// A quantized convolution (fulcrum-recognize-quantized's tagged generic)
// and its requantization: the image is padded (with its zero point) in
// NHWC, the contraction reads x[n][h][w][c] and writes y[n][h][w][f] with
// the filter left FCHW and the tag marked layout "nhwc"; the
// requantization keeps its tag and runs on NHWC loops, its scale's map
// renamed to d3.
// CHECK-DAG: #[[QX:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d2 + d5, d3 + d6, d4)>
// CHECK-DAG: #[[QW:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>
// CHECK-DAG: #[[QY:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d2, d3, d1)>
// CHECK-LABEL: func.func @qconv(
// CHECK-SAME: %[[X:.*]]: tensor<1x8x6x6xi8>, %[[W:.*]]: tensor<4x8x3x3xi8>, %[[S:.*]]: tensor<4xf32>)
// CHECK: %[[XT:.*]] = linalg.transpose ins(%[[X]] : tensor<1x8x6x6xi8>) outs(%{{.*}} : tensor<1x6x6x8xi8>) permutation = [0, 2, 3, 1]
// CHECK: %[[P:.*]] = tensor.pad %[[XT]] low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: %[[ACC:.*]] = linalg.fill ins(%{{.*}} : i32) outs(%{{.*}} : tensor<1x6x6x4xi32>)
// CHECK: %[[Q:.*]] = linalg.generic {indexing_maps = [#[[QX]], #[[QW]], #[[QY]]], {{.*}} ins(%[[P]], %[[W]] : tensor<1x8x8x8xi8>, tensor<4x8x3x3xi8>) outs(%[[ACC]] : tensor<1x6x6x4xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", layout = "nhwc", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 3 : i64}}
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[Q]], %[[S]] : tensor<1x6x6x4xi32>, tensor<4xf32>) {{.*}} attrs = {fulcrum.requantize = {hi = 255 : i64, lo = 0 : i64, mode = "bytes", y_zero_point = 0 : i64}}
// CHECK: linalg.transpose ins(%[[R]] : tensor<1x6x6x4xi8>) {{.*}} permutation = [0, 3, 1, 2]
func.func @qconv(%x: tensor<1x8x6x6xi8>, %w: tensor<4x8x3x3xi8>, %s: tensor<4xf32>) -> tensor<1x4x6x6xi8> {
  %zp = arith.constant 3 : i8
  %c0 = arith.constant 0 : i32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zp : i8
  } : tensor<1x8x6x6xi8> to tensor<1x8x8x8xi8>
  %e = tensor.empty() : tensor<1x4x6x6xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x4x6x6xi32>) -> tensor<1x4x6x6xi32>
  %acc = linalg.generic {indexing_maps = [#qx, #qw, #qy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%p, %w : tensor<1x8x8x8xi8>, tensor<4x8x3x3xi8>) outs(%f : tensor<1x4x6x6xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 3 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<1x4x6x6xi32>
  %e8 = tensor.empty() : tensor<1x4x6x6xi8>
  %y = linalg.generic {indexing_maps = [#id, #channel, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %s : tensor<1x4x6x6xi32>, tensor<4xf32>) outs(%e8 : tensor<1x4x6x6xi8>) attrs = {fulcrum.requantize = {hi = 255 : i64, lo = 0 : i64, mode = "bytes", y_zero_point = 0 : i64}} {
  ^bb0(%a: i32, %m: f32, %o: i8):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %m : f32
    %2 = arith.fptosi %1 : f32 to i32
    %3 = arith.trunci %2 : i32 to i8
    linalg.yield %3 : i8
  } -> tensor<1x4x6x6xi8>
  return %y : tensor<1x4x6x6xi8>
}

// -----

#ga = affine_map<(m, n, k) -> (m, k)>
#gb = affine_map<(m, n, k) -> (n, k)>
#gc = affine_map<(m, n, k) -> (m, n)>

// negative_: a quantized matrix product (kind "gemm") is no convolution
// and keeps its layout; nothing is transposed.
// CHECK-LABEL: func.func @negative_qgemm(
// CHECK-NOT: linalg.transpose
// CHECK: fulcrum.qcontraction = {kind = "gemm", x_signed = false, x_zero_point = 0 : i64}
func.func @negative_qgemm(%a: tensor<2x8xi8>, %b: tensor<4x8xi8>) -> tensor<2x4xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x4xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<2x4xi32>) -> tensor<2x4xi32>
  %acc = linalg.generic {indexing_maps = [#ga, #gb, #gc], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<2x8xi8>, tensor<4x8xi8>) outs(%f : tensor<2x4xi32>) attrs = {fulcrum.qcontraction = {kind = "gemm", x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<2x4xi32>
  return %acc : tensor<2x4xi32>
}

// -----

#dx = affine_map<(n, c, h, w, kh, kw) -> (n, c, h + kh, w + kw)>
#dw = affine_map<(n, c, h, w, kh, kw) -> (c, 0, kh, kw)>
#dy = affine_map<(n, c, h, w, kh, kw) -> (n, c, h, w)>

// A quantized depthwise contraction (kind "dwconv") reads and writes NHWC
// like a quantized convolution: the image's and the result's maps permuted,
// the C1HW filter kept, the tag marked layout "nhwc".
// CHECK-DAG: #[[DX:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2 + d4, d3 + d5, d1)>
// CHECK-DAG: #[[DY:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d3, d1)>
// CHECK-LABEL: func.func @qdwconv(
// CHECK: linalg.generic {indexing_maps = [#[[DX]], #{{.*}}, #[[DY]]], {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x6x6x3xi8>, tensor<3x1x3x3xi8>) outs(%{{.*}} : tensor<1x4x4x3xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "dwconv", layout = "nhwc", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 3 : i64}}
func.func @qdwconv(%x: tensor<1x3x6x6xi8>, %w: tensor<3x1x3x3xi8>) -> tensor<1x3x4x4xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x3x4x4xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x3x4x4xi32>) -> tensor<1x3x4x4xi32>
  %acc = linalg.generic {indexing_maps = [#dx, #dw, #dy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %w : tensor<1x3x6x6xi8>, tensor<3x1x3x3xi8>) outs(%f : tensor<1x3x4x4xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "dwconv", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 3 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<1x3x4x4xi32>
  return %acc : tensor<1x3x4x4xi32>
}
