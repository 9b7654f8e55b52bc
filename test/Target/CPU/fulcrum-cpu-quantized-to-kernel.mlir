// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-quantized-to-kernel=isa=avx512vnni | FileCheck %s
// RUN: not fulcrum-opt %s --split-input-file --fulcrum-cpu-quantized-to-kernel=isa=sse 2>&1 | FileCheck %s --check-prefix=BAD
// isa=amx calls the avx512vnni kernels, and lets the channels-last ones
// take their AMX path (flag 16); the NCHW and depthwise kernels have none.
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-quantized-to-kernel=isa=amx | FileCheck %s --check-prefix=AMX

// BAD: error: unknown quantized kernel ISA 'sse' (amx, avx512vnni, avxvnni, avx2, generic)

#x = affine_map<(n, f, h, w, c, kh, kw) -> (n, c, h + kh, w + kw)>
#w = affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>
#y = affine_map<(n, f, h, w, c, kh, kw) -> (n, f, h, w)>
#id = affine_map<(n, f, h, w) -> (n, f, h, w)>
#ch = affine_map<(n, f, h, w) -> (f)>
memref.global "private" constant @w : memref<2x3x1x1xi8> = dense<[[[[1]], [[2]], [[3]]], [[[100]], [[100]], [[-3]]]]>
memref.global "private" constant @b : memref<2xi32> = dense<[5, -7]>
memref.global "private" constant @m : memref<2xf32> = dense<[0.125, 0.25]>

// A tagged contraction and requantization pair becomes one kernel call:
// the weights padded to rows of 4 bytes ([[1, 2, 3, 0], [100, 100, -3,
// 0]]), the compensation bias - 128 * sum(row) = [5 - 768, -7 - 25216],
// and whether a row's pairs could saturate vpmaddubsw (the second: 255 *
// 200 > 32767), all at compile time (blobs: their alignment, then the
// bytes); the accumulator and both generics go.
// CHECK-DAG: memref.global "private" constant @w_qw : memref<2x4xi8> = dense_resource<w_qw>
// CHECK-DAG: memref.global "private" constant @w_qcomp : memref<2xi32> = dense_resource<w_qcomp>
// CHECK-DAG: memref.global "private" constant @w_qexact : memref<2xi8> = dense_resource<w_qexact>
// CHECK-LABEL: func @qconv
// AMX-LABEL: func @qconv
// AMX: %[[FLAGS:.*]] = arith.constant 0 : i64
// AMX: call @fulcrum_qconv2d_nchw_avx512vnni({{.*}}, %[[FLAGS]])
// CHECK: %[[WS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4096xi8>
// CHECK: call @fulcrum_qconv2d_nchw_avx512vnni(
// CHECK: memref.dealloc %[[WS]]
// CHECK-NOT: linalg.generic
// CHECK-NOT: linalg.fill
// CHECK: return
// CHECK: w_qw: "0x01000000010203006464FD00"
// CHECK: w_qcomp: "0x0400000005FDFFFF799DFFFF"
// CHECK: w_qexact: "0x010000000001"
func.func @qconv(%x: memref<1x3x4x4xi8>, %y: memref<1x2x4x4xi8>) {
  %c0 = arith.constant 0 : i32
  %w = memref.get_global @w : memref<2x3x1x1xi8>
  %b = memref.get_global @b : memref<2xi32>
  %m = memref.get_global @m : memref<2xf32>
  %acc = memref.alloc() : memref<1x2x4x4xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<1x2x4x4xi32>)
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<1x3x4x4xi8>, memref<2x3x1x1xi8>) outs(%acc : memref<1x2x4x4xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 128 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#id, #ch, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %b, %m : memref<1x2x4x4xi32>, memref<2xi32>, memref<2xf32>) outs(%y : memref<1x2x4x4xi8>) attrs = {fulcrum.requantize = {hi = 255 : i64, lo = 3 : i64, mode = "bytes", y_zero_point = 3 : i64}} {
  ^bb0(%a: i32, %bias: i32, %mult: f32, %out: i8):
    %0 = arith.addi %a, %bias : i32
    %1 = arith.trunci %0 : i32 to i8
    linalg.yield %1 : i8
  }
  memref.dealloc %acc : memref<1x2x4x4xi32>
  return
}

// -----

#x = affine_map<(n, f, h, w, c, kh, kw) -> (n, c, h + kh, w + kw)>
#w = affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>
#y = affine_map<(n, f, h, w, c, kh, kw) -> (n, f, h, w)>
#id = affine_map<(n, f, h, w) -> (n, f, h, w)>
#ch = affine_map<(n, f, h, w) -> (f)>
memref.global "private" constant @m : memref<2xf32> = dense<[0.125, 0.25]>

// Weights that are not a constant global stay on the loops.
// CHECK-LABEL: func @negative_runtime_weights
// CHECK-NOT: call
// CHECK: fulcrum.qcontraction
// CHECK: fulcrum.requantize
func.func @negative_runtime_weights(%x: memref<1x3x4x4xi8>, %w: memref<2x3x1x1xi8>, %y: memref<1x2x4x4xf32>) {
  %c0 = arith.constant 0 : i32
  %m = memref.get_global @m : memref<2xf32>
  %acc = memref.alloc() : memref<1x2x4x4xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<1x2x4x4xi32>)
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<1x3x4x4xi8>, memref<2x3x1x1xi8>) outs(%acc : memref<1x2x4x4xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %m : memref<1x2x4x4xi32>, memref<2xf32>) outs(%y : memref<1x2x4x4xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%a: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %acc : memref<1x2x4x4xi32>
  return
}

// -----

#x = affine_map<(n, f, h, w, c, kh, kw) -> (n, c, h + kh, w + kw)>
#w = affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>
#y = affine_map<(n, f, h, w, c, kh, kw) -> (n, f, h, w)>
#id = affine_map<(n, f, h, w) -> (n, f, h, w)>
#ch = affine_map<(n, f, h, w) -> (f)>
memref.global "private" constant @w : memref<2x3x1x1xi8> = dense<1>
memref.global "private" constant @m : memref<2xf32> = dense<[0.125, 0.25]>

// The accumulator has another reader: the pair stays.
// CHECK-LABEL: func @negative_shared_accumulator
// CHECK-NOT: call
// CHECK: fulcrum.requantize
func.func @negative_shared_accumulator(%x: memref<1x3x4x4xi8>, %y: memref<1x2x4x4xf32>, %z: memref<1x2x4x4xi32>) {
  %c0 = arith.constant 0 : i32
  %w = memref.get_global @w : memref<2x3x1x1xi8>
  %m = memref.get_global @m : memref<2xf32>
  %acc = memref.alloc() : memref<1x2x4x4xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<1x2x4x4xi32>)
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<1x3x4x4xi8>, memref<2x3x1x1xi8>) outs(%acc : memref<1x2x4x4xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %m : memref<1x2x4x4xi32>, memref<2xf32>) outs(%y : memref<1x2x4x4xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%a: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  memref.copy %acc, %z : memref<1x2x4x4xi32> to memref<1x2x4x4xi32>
  memref.dealloc %acc : memref<1x2x4x4xi32>
  return
}

// -----

#x = affine_map<(n, f, h, w, c, kh, kw) -> (n, h + kh, w + kw, c)>
#w = affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>
#y = affine_map<(n, f, h, w, c, kh, kw) -> (n, h, w, f)>
#id = affine_map<(n, h, w, f) -> (n, h, w, f)>
#ch = affine_map<(n, h, w, f) -> (f)>
memref.global "private" constant @w : memref<2x3x1x2xi8> = dense<[[[[1, 2]], [[3, 4]], [[5, 6]]], [[[-1, -2]], [[-3, -4]], [[-5, -6]]]]>
memref.global "private" constant @m : memref<2xf32> = dense<[0.125, 0.25]>

// A channels-last convolution (layout "nhwc", fulcrum-channels-last):
// the FCHW weights become FHWC rows (k = (kh, kw, c): [1, 3, 5, 2, 4, 6])
// padded to 8 bytes, then one panel of 16 channels (rows 2..15 zero),
// [kq][16][4] (blob: alignment 1, then the bytes): group 0 holds
// [1, 3, 5, 2] and [-1, -3, -5, -2], group 1
// [4, 6, 0, 0] and [-4, -6, 0, 0]. The kernel is the NHWC one, with a
// workspace of 16 slots of 256 KiB.
// CHECK-DAG: memref.global "private" constant @w_qw : memref<16x8xi8> = dense_resource<w_qw>
// CHECK-LABEL: func @qconv_nhwc
// CHECK: %[[WS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4194304xi8>
// CHECK: call @fulcrum_qconv2d_nhwc_avx512vnni(
// CHECK-NOT: linalg.generic
// CHECK: return
// CHECK: w_qw: "0x0100000001030502FFFDFBFE{{(00)+}}04060000FCFA0000{{(00)+}}"
func.func @qconv_nhwc(%x: memref<1x4x5x3xi8>, %y: memref<1x4x4x2xf32>) {
  %c0 = arith.constant 0 : i32
  %w = memref.get_global @w : memref<2x3x1x2xi8>
  %m = memref.get_global @m : memref<2xf32>
  %acc = memref.alloc() : memref<1x4x4x2xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<1x4x4x2xi32>)
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<1x4x5x3xi8>, memref<2x3x1x2xi8>) outs(%acc : memref<1x4x4x2xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", layout = "nhwc", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %m : memref<1x4x4x2xi32>, memref<2xf32>) outs(%y : memref<1x4x4x2xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%a: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %acc : memref<1x4x4x2xi32>
  return
}

// -----

#x = affine_map<(n, f, h, w, c, kh, kw) -> (n, c, h + kh, w + kw)>
#w = affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>
#y = affine_map<(n, f, h, w, c, kh, kw) -> (n, f, h, w)>
#id = affine_map<(n, f, h, w) -> (n, f, h, w)>
#ch = affine_map<(n, f, h, w) -> (f)>
memref.global "private" constant @w : memref<2x3x1x1xi8> = dense<1>
memref.global "private" constant @v : memref<2x3x1x1xi8> = dense<2>
memref.global "private" constant @m : memref<2xf32> = dense<[0.125, 0.25]>

// CSE merged two accumulators' zero fills and bufferization gave the first
// contraction a copy of the shared buffer, which the second then uses in
// place: both pairs become calls, and the shared buffer, its fill and the
// copy go.
// CHECK-LABEL: func @copied_zero_fill
// CHECK-NOT: linalg.fill
// CHECK-NOT: memref.copy
// CHECK: call @fulcrum_qconv2d_nchw_avx512vnni(
// CHECK-NOT: linalg.fill
// CHECK: call @fulcrum_qconv2d_nchw_avx512vnni(
// CHECK-NOT: linalg.
// CHECK: return
func.func @copied_zero_fill(%x: memref<1x3x4x4xi8>, %y: memref<1x2x4x4xf32>, %z: memref<1x2x4x4xf32>) {
  %c0 = arith.constant 0 : i32
  %w = memref.get_global @w : memref<2x3x1x1xi8>
  %v = memref.get_global @v : memref<2x3x1x1xi8>
  %m = memref.get_global @m : memref<2xf32>
  %zeros = memref.alloc() : memref<1x2x4x4xi32>
  linalg.fill ins(%c0 : i32) outs(%zeros : memref<1x2x4x4xi32>)
  %acc = memref.alloc() : memref<1x2x4x4xi32>
  memref.copy %zeros, %acc : memref<1x2x4x4xi32> to memref<1x2x4x4xi32>
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<1x3x4x4xi8>, memref<2x3x1x1xi8>) outs(%acc : memref<1x2x4x4xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %m : memref<1x2x4x4xi32>, memref<2xf32>) outs(%y : memref<1x2x4x4xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%a: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %v : memref<1x3x4x4xi8>, memref<2x3x1x1xi8>) outs(%zeros : memref<1x2x4x4xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%zeros, %m : memref<1x2x4x4xi32>, memref<2xf32>) outs(%z : memref<1x2x4x4xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%a: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %acc : memref<1x2x4x4xi32>
  memref.dealloc %zeros : memref<1x2x4x4xi32>
  return
}

// -----

#x = affine_map<(n, f, h, w, c, kh, kw) -> (n, c, h + kh, w + kw)>
#w = affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>
#y = affine_map<(n, f, h, w, c, kh, kw) -> (n, f, h, w)>
#id = affine_map<(n, f, h, w) -> (n, f, h, w)>
#ch = affine_map<(n, f, h, w) -> (f)>
memref.global "private" constant @w : memref<2x3x1x1xi8> = dense<1>
memref.global "private" constant @m : memref<2xf32> = dense<[0.125, 0.25]>

// The accumulator is a copy of a buffer filled with ones (or of a fill
// another op overwrites before the copy): it is not zero, the loops stay.
// CHECK-LABEL: func @negative_copied_nonzero_fill
// CHECK-NOT: call
// CHECK: memref.copy
// CHECK: fulcrum.qcontraction
// CHECK-LABEL: func @negative_copied_overwritten_fill
// CHECK-NOT: call
// CHECK: memref.copy
// CHECK: fulcrum.qcontraction
func.func @negative_copied_nonzero_fill(%x: memref<1x3x4x4xi8>, %y: memref<1x2x4x4xf32>) {
  %c1 = arith.constant 1 : i32
  %w = memref.get_global @w : memref<2x3x1x1xi8>
  %m = memref.get_global @m : memref<2xf32>
  %ones = memref.alloc() : memref<1x2x4x4xi32>
  linalg.fill ins(%c1 : i32) outs(%ones : memref<1x2x4x4xi32>)
  %acc = memref.alloc() : memref<1x2x4x4xi32>
  memref.copy %ones, %acc : memref<1x2x4x4xi32> to memref<1x2x4x4xi32>
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<1x3x4x4xi8>, memref<2x3x1x1xi8>) outs(%acc : memref<1x2x4x4xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %m : memref<1x2x4x4xi32>, memref<2xf32>) outs(%y : memref<1x2x4x4xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%a: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %acc : memref<1x2x4x4xi32>
  memref.dealloc %ones : memref<1x2x4x4xi32>
  return
}
func.func @negative_copied_overwritten_fill(%x: memref<1x3x4x4xi8>, %y: memref<1x2x4x4xf32>, %src: memref<1x2x4x4xi32>) {
  %c0 = arith.constant 0 : i32
  %w = memref.get_global @w : memref<2x3x1x1xi8>
  %m = memref.get_global @m : memref<2xf32>
  %zeros = memref.alloc() : memref<1x2x4x4xi32>
  linalg.fill ins(%c0 : i32) outs(%zeros : memref<1x2x4x4xi32>)
  memref.copy %src, %zeros : memref<1x2x4x4xi32> to memref<1x2x4x4xi32>
  %acc = memref.alloc() : memref<1x2x4x4xi32>
  memref.copy %zeros, %acc : memref<1x2x4x4xi32> to memref<1x2x4x4xi32>
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<1x3x4x4xi8>, memref<2x3x1x1xi8>) outs(%acc : memref<1x2x4x4xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %m : memref<1x2x4x4xi32>, memref<2xf32>) outs(%y : memref<1x2x4x4xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%a: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %acc : memref<1x2x4x4xi32>
  memref.dealloc %zeros : memref<1x2x4x4xi32>
  return
}

// -----

#x = affine_map<(n, f, h, w, c, kh, kw) -> (n, h + kh, w + kw, c)>
#w = affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>
#y = affine_map<(n, f, h, w, c, kh, kw) -> (n, h, w, f)>
#id = affine_map<(n, h, w, f) -> (n, h, w, f)>
#ch = affine_map<(n, h, w, f) -> (f)>
memref.global "private" constant @w : memref<2x4x3x3xi8> = dense<1>
memref.global "private" constant @m : memref<2xf32> = dense<[0.125, 0.25]>

// The channels-last kernel takes over the padding of the image with its
// zero point (200, stored as the byte -56): it reads the unpadded image
// (4x4x4), told top = 1 and left = 1, and the padding byte 200 last; the
// padded buffer, its fill, subview and copy go.
// CHECK-LABEL: func @qconv_nhwc_padding(
// CHECK-SAME: %[[X:.*]]: memref<1x4x4x4xi8>
// CHECK-NOT: linalg.map
// CHECK-NOT: memref.copy
// CHECK: memref.dim %[[X]]
// CHECK: %[[C1:.*]] = arith.constant 1 : i64
// CHECK: memref.extract_strided_metadata %[[X]]
// CHECK: %[[C200:.*]] = arith.constant 200 : i64
// CHECK: call @fulcrum_qconv2d_nhwc_avx512vnni({{.*}}%[[C1]], %[[C1]], %{{.*}}, %[[C200]], %{{.*}}, %{{.*}}) {fulcrum.writes
// CHECK-NOT: memref.copy
// CHECK: return
// Filled with another value than the zero point, the padding stays.
// CHECK-LABEL: func @negative_qconv_nhwc_other_padding(
// CHECK: linalg.map
// CHECK: memref.copy
// CHECK: call @fulcrum_qconv2d_nhwc_avx512vnni(
func.func @qconv_nhwc_padding(%x: memref<1x4x4x4xi8>, %y: memref<1x4x4x2xf32>) {
  %c0 = arith.constant 0 : i32
  %zp = arith.constant -56 : i8
  %w = memref.get_global @w : memref<2x4x3x3xi8>
  %m = memref.get_global @m : memref<2xf32>
  %padded = memref.alloc() : memref<1x6x6x4xi8>
  linalg.map outs(%padded : memref<1x6x6x4xi8>)
    () {
      linalg.yield %zp : i8
    }
  %inner = memref.subview %padded[0, 1, 1, 0] [1, 4, 4, 4] [1, 1, 1, 1] : memref<1x6x6x4xi8> to memref<1x4x4x4xi8, strided<[144, 24, 4, 1], offset: 28>>
  memref.copy %x, %inner : memref<1x4x4x4xi8> to memref<1x4x4x4xi8, strided<[144, 24, 4, 1], offset: 28>>
  %acc = memref.alloc() : memref<1x4x4x2xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<1x4x4x2xi32>)
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%padded, %w : memref<1x6x6x4xi8>, memref<2x4x3x3xi8>) outs(%acc : memref<1x4x4x2xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", layout = "nhwc", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 200 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %m : memref<1x4x4x2xi32>, memref<2xf32>) outs(%y : memref<1x4x4x2xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%a: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %acc : memref<1x4x4x2xi32>
  memref.dealloc %padded : memref<1x6x6x4xi8>
  return
}
func.func @negative_qconv_nhwc_other_padding(%x: memref<1x4x4x4xi8>, %y: memref<1x4x4x2xf32>) {
  %c0 = arith.constant 0 : i32
  %zp = arith.constant 0 : i8
  %w = memref.get_global @w : memref<2x4x3x3xi8>
  %m = memref.get_global @m : memref<2xf32>
  %padded = memref.alloc() : memref<1x6x6x4xi8>
  linalg.map outs(%padded : memref<1x6x6x4xi8>)
    () {
      linalg.yield %zp : i8
    }
  %inner = memref.subview %padded[0, 1, 1, 0] [1, 4, 4, 4] [1, 1, 1, 1] : memref<1x6x6x4xi8> to memref<1x4x4x4xi8, strided<[144, 24, 4, 1], offset: 28>>
  memref.copy %x, %inner : memref<1x4x4x4xi8> to memref<1x4x4x4xi8, strided<[144, 24, 4, 1], offset: 28>>
  %acc = memref.alloc() : memref<1x4x4x2xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<1x4x4x2xi32>)
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%padded, %w : memref<1x6x6x4xi8>, memref<2x4x3x3xi8>) outs(%acc : memref<1x4x4x2xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", layout = "nhwc", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 200 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %m : memref<1x4x4x2xi32>, memref<2xf32>) outs(%y : memref<1x4x4x2xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%a: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %acc : memref<1x4x4x2xi32>
  memref.dealloc %padded : memref<1x6x6x4xi8>
  return
}

// -----

#x = affine_map<(n, f, h, w, c, kh, kw) -> (n, h + kh, w + kw, c)>
#w = affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>
#y = affine_map<(n, f, h, w, c, kh, kw) -> (n, h, w, f)>
#id = affine_map<(n, h, w, f) -> (n, h, w, f)>
#ch = affine_map<(n, h, w, f) -> (f)>
memref.global "private" constant @w : memref<2x4x1x1xi8> = dense<1>
memref.global "private" constant @m : memref<2xf32> = dense<[0.125, 0.25]>

// An f32 result clamped to [0, 6] right after (ReLU6): the channels-last
// kernel writes the clamp's output with the bounds' bits (0 and
// 0x40C00000 = 1086324736 for 6.0) and flags f32 | clamp (2 | 8); the
// clamp and the f32 buffer between go.
// CHECK-LABEL: func @qconv_nhwc_clamp(
// CHECK-SAME: %[[X:.*]]: memref<1x4x4x4xi8>, %[[Z:.*]]: memref<1x4x4x2xf32>)
// CHECK: memref.extract_strided_metadata %[[Z]]
// CHECK: %[[HI:.*]] = arith.constant 1086324736 : i64
// CHECK: %[[FLAGS:.*]] = arith.constant 10 : i64
// CHECK: call @fulcrum_qconv2d_nhwc_avx512vnni({{.*}}, %[[HI]], %[[FLAGS]], %{{.*}})
// AMX-LABEL: func @qconv_nhwc_clamp(
// AMX: %[[FLAGS:.*]] = arith.constant 26 : i64
// AMX: call @fulcrum_qconv2d_nhwc_avx512vnni({{.*}}, %[[FLAGS]], %{{.*}})
// CHECK-NOT: linalg.generic
// CHECK-NOT: memref.alloc() : memref<1x4x4x2xf32>
// CHECK: return
// negative_: the f32 result has another reader (returned through a
// copy); the clamp stays a generic after the call.
// CHECK-LABEL: func @negative_qconv_nhwc_clamp_shared(
// CHECK: call @fulcrum_qconv2d_nhwc_avx512vnni(
// CHECK: linalg.generic
// CHECK: arith.maximumf
func.func @qconv_nhwc_clamp(%x: memref<1x4x4x4xi8>, %z: memref<1x4x4x2xf32>) {
  %c0 = arith.constant 0 : i32
  %lo = arith.constant 0.0 : f32
  %hi = arith.constant 6.0 : f32
  %w = memref.get_global @w : memref<2x4x1x1xi8>
  %m = memref.get_global @m : memref<2xf32>
  %acc = memref.alloc() : memref<1x4x4x2xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<1x4x4x2xi32>)
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<1x4x4x4xi8>, memref<2x4x1x1xi8>) outs(%acc : memref<1x4x4x2xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", layout = "nhwc", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  %y = memref.alloc() : memref<1x4x4x2xf32>
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %m : memref<1x4x4x2xi32>, memref<2xf32>) outs(%y : memref<1x4x4x2xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%a: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y : memref<1x4x4x2xf32>) outs(%z : memref<1x4x4x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %lo : f32
    %1 = arith.minimumf %0, %hi : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %y : memref<1x4x4x2xf32>
  memref.dealloc %acc : memref<1x4x4x2xi32>
  return
}
func.func @negative_qconv_nhwc_clamp_shared(%x: memref<1x4x4x4xi8>, %z: memref<1x4x4x2xf32>, %copy: memref<1x4x4x2xf32>) {
  %c0 = arith.constant 0 : i32
  %lo = arith.constant 0.0 : f32
  %w = memref.get_global @w : memref<2x4x1x1xi8>
  %m = memref.get_global @m : memref<2xf32>
  %acc = memref.alloc() : memref<1x4x4x2xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<1x4x4x2xi32>)
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : memref<1x4x4x4xi8>, memref<2x4x1x1xi8>) outs(%acc : memref<1x4x4x2xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", layout = "nhwc", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  %y = memref.alloc() : memref<1x4x4x2xf32>
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %m : memref<1x4x4x2xi32>, memref<2xf32>) outs(%y : memref<1x4x4x2xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%a: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y : memref<1x4x4x2xf32>) outs(%z : memref<1x4x4x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %lo : f32
    linalg.yield %0 : f32
  }
  memref.copy %y, %copy : memref<1x4x4x2xf32> to memref<1x4x4x2xf32>
  memref.dealloc %y : memref<1x4x4x2xf32>
  memref.dealloc %acc : memref<1x4x4x2xi32>
  return
}

// -----

#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
#rowid = affine_map<(m, n) -> (m, n)>
#col = affine_map<(m, n) -> (n)>
memref.global "private" constant @w : memref<2x8xi8> = dense<1>
memref.global "private" constant @m : memref<2xf32> = dense<[0.125, 0.25]>

// A matrix product runs on the channels-last kernel as a 1x1 convolution
// over one row of M = 3 pixels of K = 8 channels (N = 1, H = 1, W = M,
// C = K, F = 2, KH = KW = OH = 1, OW = M), its [N, K] weights packed in
// one panel of 16 rows.
// CHECK-DAG: memref.global "private" constant @w_qw : memref<16x8xi8>
// CHECK-LABEL: func @qgemm(
// CHECK: %[[C1:.*]] = arith.constant 1 : i64
// CHECK: %[[C3:.*]] = arith.constant 3 : i64
// CHECK: %[[M:.*]] = arith.muli %[[C1]], %[[C3]] : i64
// CHECK: %[[C8:.*]] = arith.constant 8 : i64
// CHECK: %[[C2:.*]] = arith.constant 2 : i64
// CHECK: call @fulcrum_qconv2d_nhwc_avx512vnni(%[[C1]], %[[C1]], %[[M]], %[[C8]], %[[C2]], %[[C1]], %[[C1]], %[[C1]], %[[M]],
// CHECK-NOT: linalg.generic
func.func @qgemm(%x: memref<3x8xi8>, %y: memref<3x2xf32>) {
  %c0 = arith.constant 0 : i32
  %w = memref.get_global @w : memref<2x8xi8>
  %m = memref.get_global @m : memref<2xf32>
  %acc = memref.alloc() : memref<3x2xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<3x2xi32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : memref<3x8xi8>, memref<2x8xi8>) outs(%acc : memref<3x2xi32>) attrs = {fulcrum.qcontraction = {kind = "gemm", x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#rowid, #col, #rowid], iterator_types = ["parallel", "parallel"]} ins(%acc, %m : memref<3x2xi32>, memref<2xf32>) outs(%y : memref<3x2xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%v: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %v : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %acc : memref<3x2xi32>
  return
}

// -----

#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
#rowid = affine_map<(m, n) -> (m, n)>
#col = affine_map<(m, n) -> (n)>
memref.global "private" constant @w : memref<2x8xi8> = dense<1>
memref.global "private" constant @m : memref<2xf32> = dense<[0.125, 0.25]>
memref.global "private" constant @bias : memref<2xf32> = dense<[1.0, -2.0]>

// A bias and then a residual added to the f32 result (a QDQ MatMul's bias
// Add and a transformer block's residual Add): the call takes the bias's
// constant and the residual's address last and writes the adds' output;
// the adds and the f32 buffer between go.
// CHECK-LABEL: func @qgemm_bias_residual(
// CHECK-SAME: %[[X:.*]]: memref<3x8xi8>, %[[R:.*]]: memref<3x2xf32>, %[[Z:.*]]: memref<3x2xf32>)
// CHECK: memref.extract_strided_metadata %[[Z]]
// CHECK: %[[B:.*]] = memref.get_global @bias
// CHECK: memref.extract_strided_metadata %[[B]]
// CHECK: memref.extract_strided_metadata %[[R]]
// CHECK: call @fulcrum_qconv2d_nhwc_avx512vnni(
// CHECK-NOT: linalg.generic
// CHECK-NOT: memref.alloc() : memref<3x2xf32>
// CHECK: return
func.func @qgemm_bias_residual(%x: memref<3x8xi8>, %r: memref<3x2xf32>, %z: memref<3x2xf32>) {
  %c0 = arith.constant 0 : i32
  %w = memref.get_global @w : memref<2x8xi8>
  %m = memref.get_global @m : memref<2xf32>
  %b = memref.get_global @bias : memref<2xf32>
  %acc = memref.alloc() : memref<3x2xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<3x2xi32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : memref<3x8xi8>, memref<2x8xi8>) outs(%acc : memref<3x2xi32>) attrs = {fulcrum.qcontraction = {kind = "gemm", x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  %y = memref.alloc() : memref<3x2xf32>
  linalg.generic {indexing_maps = [#rowid, #col, #rowid], iterator_types = ["parallel", "parallel"]} ins(%acc, %m : memref<3x2xi32>, memref<2xf32>) outs(%y : memref<3x2xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%v: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %v : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#rowid, #col, #rowid, #rowid], iterator_types = ["parallel", "parallel"]} ins(%r, %b, %y : memref<3x2xf32>, memref<2xf32>, memref<3x2xf32>) outs(%z : memref<3x2xf32>) {
  ^bb0(%res: f32, %bb: f32, %t: f32, %out: f32):
    %0 = arith.addf %bb, %t : f32
    %1 = arith.addf %res, %0 : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %y : memref<3x2xf32>
  memref.dealloc %acc : memref<3x2xi32>
  return
}

// negative_: the residual added first ((y + residual) + bias rounds
// differently): the adds stay after the call, which writes the f32 buffer.
// CHECK-LABEL: func @negative_qgemm_residual_first(
// CHECK: call @fulcrum_qconv2d_nhwc_avx512vnni(
// CHECK: linalg.generic
// CHECK: arith.addf
func.func @negative_qgemm_residual_first(%x: memref<3x8xi8>, %r: memref<3x2xf32>, %z: memref<3x2xf32>) {
  %c0 = arith.constant 0 : i32
  %w = memref.get_global @w : memref<2x8xi8>
  %m = memref.get_global @m : memref<2xf32>
  %b = memref.get_global @bias : memref<2xf32>
  %acc = memref.alloc() : memref<3x2xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<3x2xi32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : memref<3x8xi8>, memref<2x8xi8>) outs(%acc : memref<3x2xi32>) attrs = {fulcrum.qcontraction = {kind = "gemm", x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  %y = memref.alloc() : memref<3x2xf32>
  linalg.generic {indexing_maps = [#rowid, #col, #rowid], iterator_types = ["parallel", "parallel"]} ins(%acc, %m : memref<3x2xi32>, memref<2xf32>) outs(%y : memref<3x2xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%v: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %v : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#rowid, #col, #rowid, #rowid], iterator_types = ["parallel", "parallel"]} ins(%r, %b, %y : memref<3x2xf32>, memref<2xf32>, memref<3x2xf32>) outs(%z : memref<3x2xf32>) {
  ^bb0(%res: f32, %bb: f32, %t: f32, %out: f32):
    %0 = arith.addf %t, %res : f32
    %1 = arith.addf %0, %bb : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %y : memref<3x2xf32>
  memref.dealloc %acc : memref<3x2xi32>
  return
}

// negative_: the f32 result is read again after the adds (returned through
// a copy): the adds stay.
// CHECK-LABEL: func @negative_qgemm_bias_read_later(
// CHECK: call @fulcrum_qconv2d_nhwc_avx512vnni(
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: memref.copy
func.func @negative_qgemm_bias_read_later(%x: memref<3x8xi8>, %z: memref<3x2xf32>, %copy: memref<3x2xf32>) {
  %c0 = arith.constant 0 : i32
  %w = memref.get_global @w : memref<2x8xi8>
  %m = memref.get_global @m : memref<2xf32>
  %b = memref.get_global @bias : memref<2xf32>
  %acc = memref.alloc() : memref<3x2xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<3x2xi32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : memref<3x8xi8>, memref<2x8xi8>) outs(%acc : memref<3x2xi32>) attrs = {fulcrum.qcontraction = {kind = "gemm", x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  %y = memref.alloc() : memref<3x2xf32>
  linalg.generic {indexing_maps = [#rowid, #col, #rowid], iterator_types = ["parallel", "parallel"]} ins(%acc, %m : memref<3x2xi32>, memref<2xf32>) outs(%y : memref<3x2xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%v: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %v : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#col, #rowid, #rowid], iterator_types = ["parallel", "parallel"]} ins(%b, %y : memref<2xf32>, memref<3x2xf32>) outs(%z : memref<3x2xf32>) {
  ^bb0(%bb: f32, %t: f32, %out: f32):
    %0 = arith.addf %bb, %t : f32
    linalg.yield %0 : f32
  }
  memref.copy %y, %copy : memref<3x2xf32> to memref<3x2xf32>
  memref.dealloc %y : memref<3x2xf32>
  memref.dealloc %acc : memref<3x2xi32>
  return
}

// -----

#dx = affine_map<(n, c, h, w, kh, kw) -> (n, h + kh, w + kw, c)>
#dw = affine_map<(n, c, h, w, kh, kw) -> (c, 0, kh, kw)>
#dy = affine_map<(n, c, h, w, kh, kw) -> (n, h, w, c)>
#id = affine_map<(n, h, w, c) -> (n, h, w, c)>
#ch = affine_map<(n, h, w, c) -> (c)>
memref.global "private" constant @dw : memref<2x1x1x2xi8> = dense<[[[[1, 2]]], [[[-3, 4]]]]>
memref.global "private" constant @dm : memref<2xf32> = dense<[0.125, 0.25]>

// A channels-last depthwise contraction (kind "dwconv") calls the depthwise
// kernel: the C1HW weights become f32 [KH*KW][C] ([[1, -3], [2, 4]]), the
// bias takes -x_zero_point * sum(w) (zero point 5: [-15, -5]), and a ring
// workspace of 16 slots of (KH - 1) * dh + 1 = 1 row of 5 pixels of 2
// channels in f32 (640 bytes) comes with the call.
// CHECK-DAG: memref.global "private" constant @dw_dww : memref<2x2xf32> = dense_resource<dw_dww>
// CHECK-DAG: memref.global "private" constant @dw_dwbias : memref<2xi32> = dense_resource<dw_dwbias>
// CHECK-LABEL: func @qdwconv_nhwc
// AMX-LABEL: func @qdwconv_nhwc
// AMX: call @fulcrum_qdwconv2d_nhwc_avx512vnni(
// CHECK: %[[WS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<640xi8>
// CHECK: call @fulcrum_qdwconv2d_nhwc_avx512vnni(
// CHECK: memref.dealloc %[[WS]]
// CHECK-NOT: linalg.generic
// CHECK: return
// CHECK: dw_dww: "0x040000000000803F000040C00000004000008040"
// CHECK: dw_dwbias: "0x04000000F1FFFFFFFBFFFFFF"
func.func @qdwconv_nhwc(%x: memref<1x4x5x2xi8>, %y: memref<1x4x4x2xf32>) {
  %c0 = arith.constant 0 : i32
  %w = memref.get_global @dw : memref<2x1x1x2xi8>
  %m = memref.get_global @dm : memref<2xf32>
  %acc = memref.alloc() : memref<1x4x4x2xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<1x4x4x2xi32>)
  linalg.generic {indexing_maps = [#dx, #dw, #dy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %w : memref<1x4x5x2xi8>, memref<2x1x1x2xi8>) outs(%acc : memref<1x4x4x2xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "dwconv", layout = "nhwc", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 5 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %m : memref<1x4x4x2xi32>, memref<2xf32>) outs(%y : memref<1x4x4x2xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%a: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %acc : memref<1x4x4x2xi32>
  return
}

// -----

#dx = affine_map<(n, c, h, w, kh, kw) -> (n, h + kh, w + kw, c)>
#dw = affine_map<(n, c, h, w, kh, kw) -> (c, 0, kh, kw)>
#dy = affine_map<(n, c, h, w, kh, kw) -> (n, h, w, c)>
#id = affine_map<(n, h, w, c) -> (n, h, w, c)>
#ch = affine_map<(n, h, w, c) -> (c)>
memref.global "private" constant @dw16 : memref<16x1x1x3xi8> = dense<1>
memref.global "private" constant @dm16 : memref<16xf32> = dense<0.5>

// Over 16 channels the kernel may take its integer form (AVX-512 VNNI), so
// each of the 16 workspace slots holds the larger of the f32 form's ring
// (1 row of (4 - 1) + 2 + 1 = 6 pixels of 16 f32, 384 bytes) and the
// integer form's regions, each from a multiple of 64 bytes: a ring row of
// 4 columns of 16 quads (256), the padded row of 4 + 3 pixels (112 -> 128),
// the weights as [1][1][16][4] (64) and 16 i32 starts (64): 512 bytes.
// CHECK-LABEL: func @qdwconv_nhwc_quads
// CHECK: %[[WS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<8192xi8>
// CHECK: call @fulcrum_qdwconv2d_nhwc_avx512vnni(
// CHECK: memref.dealloc %[[WS]]
func.func @qdwconv_nhwc_quads(%x: memref<1x2x6x16xi8>, %y: memref<1x2x4x16xf32>) {
  %c0 = arith.constant 0 : i32
  %w = memref.get_global @dw16 : memref<16x1x1x3xi8>
  %m = memref.get_global @dm16 : memref<16xf32>
  %acc = memref.alloc() : memref<1x2x4x16xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<1x2x4x16xi32>)
  linalg.generic {indexing_maps = [#dx, #dw, #dy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %w : memref<1x2x6x16xi8>, memref<16x1x1x3xi8>) outs(%acc : memref<1x2x4x16xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "dwconv", layout = "nhwc", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %m : memref<1x2x4x16xi32>, memref<16xf32>) outs(%y : memref<1x2x4x16xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%a: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %acc : memref<1x2x4x16xi32>
  return
}

// -----

#dx = affine_map<(n, c, h, w, kh, kw) -> (n, c, h + kh, w + kw)>
#dw = affine_map<(n, c, h, w, kh, kw) -> (c, 0, kh, kw)>
#dy = affine_map<(n, c, h, w, kh, kw) -> (n, c, h, w)>
#id = affine_map<(n, c, h, w) -> (n, c, h, w)>
#ch = affine_map<(n, c, h, w) -> (c)>
memref.global "private" constant @dw : memref<2x1x1x2xi8> = dense<[[[[1, 2]]], [[[-3, 4]]]]>
memref.global "private" constant @dm : memref<2xf32> = dense<[0.125, 0.25]>

// negative_dwconv_nchw: a depthwise contraction not made channels-last has
// no kernel: it stays as loops.
// CHECK-LABEL: func @negative_dwconv_nchw
// CHECK-NOT: call @fulcrum_qdwconv2d
// CHECK: linalg.generic
func.func @negative_dwconv_nchw(%x: memref<1x2x4x5xi8>, %y: memref<1x2x4x4xf32>) {
  %c0 = arith.constant 0 : i32
  %w = memref.get_global @dw : memref<2x1x1x2xi8>
  %m = memref.get_global @dm : memref<2xf32>
  %acc = memref.alloc() : memref<1x2x4x4xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<1x2x4x4xi32>)
  linalg.generic {indexing_maps = [#dx, #dw, #dy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %w : memref<1x2x4x5xi8>, memref<2x1x1x2xi8>) outs(%acc : memref<1x2x4x4xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "dwconv", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 5 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %m : memref<1x2x4x4xi32>, memref<2xf32>) outs(%y : memref<1x2x4x4xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%a: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %acc : memref<1x2x4x4xi32>
  return
}
