// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-quantized-to-kernel=isa=avx2 | FileCheck %s
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-quantized-to-kernel="isa=avx2 winograd=false" | FileCheck %s --check-prefix=OFF
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-quantized-to-kernel=isa=avxvnni | FileCheck %s --check-prefix=OFF
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-quantized-to-kernel=isa=avx2 -stats 2>&1 >/dev/null | FileCheck %s --check-prefix=STATS

// On avx2, a channels-last 3x3 convolution at unit stride and dilation
// runs on the integer Winograd kernel: its weights become the transformed
// i16 [16][F rounded up to 16][C rounded up to 2], and its workspace holds
// the image's 2 x 2 tiles of 16 x 4 channels (16 * 4 * 4 * 2 = 512 bytes).
// The padding goes into the call as for the direct kernel.
// CHECK-LABEL: func @qconv_nhwc_padding(
// CHECK-NOT: memref.copy
// CHECK: memref.get_global @w_qw : memref<16x16x4xi16>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<512xi8>
// CHECK: call @fulcrum_qconv2d_winograd_nhwc_avx2(
// CHECK-NOT: fulcrum_qconv2d_nhwc
// CHECK: return
// OFF-LABEL: func @qconv_nhwc_padding(
// OFF-NOT: winograd
// OFF: call @fulcrum_qconv2d_nhwc_{{avx2|avxvnni}}(
// STATS: {{^ *}}1 fulcrum-cpu-quantized-to-kernel - Quantized 3x3 convolutions run on the integer Winograd kernel
#x = affine_map<(n, f, h, w, c, kh, kw) -> (n, h + kh, w + kw, c)>
#w = affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>
#y = affine_map<(n, f, h, w, c, kh, kw) -> (n, h, w, f)>
#id = affine_map<(n, h, w, f) -> (n, h, w, f)>
#ch = affine_map<(n, h, w, f) -> (f)>
memref.global "private" constant @w : memref<2x4x3x3xi8> = dense<1>
memref.global "private" constant @m : memref<2xf32> = dense<[0.125, 0.25]>

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

// -----

// negative_: a strided 3x3 convolution keeps the direct kernel.
// CHECK-LABEL: func @negative_strided(
// CHECK: memref.get_global @w_qw : memref<16x36xi8>
// CHECK: call @fulcrum_qconv2d_nhwc_avx2(
#x = affine_map<(n, f, h, w, c, kh, kw) -> (n, h * 2 + kh, w * 2 + kw, c)>
#w = affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>
#y = affine_map<(n, f, h, w, c, kh, kw) -> (n, h, w, f)>
#id = affine_map<(n, h, w, f) -> (n, h, w, f)>
#ch = affine_map<(n, h, w, f) -> (f)>
memref.global "private" constant @w : memref<2x4x3x3xi8> = dense<1>
memref.global "private" constant @m : memref<2xf32> = dense<[0.125, 0.25]>

func.func @negative_strided(%x: memref<1x4x4x4xi8>, %y: memref<1x2x2x2xf32>) {
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
  %acc = memref.alloc() : memref<1x2x2x2xi32>
  linalg.fill ins(%c0 : i32) outs(%acc : memref<1x2x2x2xi32>)
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%padded, %w : memref<1x6x6x4xi8>, memref<2x4x3x3xi8>) outs(%acc : memref<1x2x2x2xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", layout = "nhwc", strides = array<i64: 2, 2>, x_signed = false, x_zero_point = 200 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  }
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %m : memref<1x2x2x2xi32>, memref<2xf32>) outs(%y : memref<1x2x2x2xf32>) attrs = {fulcrum.requantize = {hi = 0 : i64, lo = 0 : i64, mode = "f32", y_zero_point = 0 : i64}} {
  ^bb0(%a: i32, %mult: f32, %out: f32):
    %0 = arith.sitofp %a : i32 to f32
    %1 = arith.mulf %0, %mult : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %acc : memref<1x2x2x2xi32>
  memref.dealloc %padded : memref<1x6x6x4xi8>
  return
}
