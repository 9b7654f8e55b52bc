// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-conv-to-kernel=isa=avx2 | FileCheck %s
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-conv-to-kernel="isa=avx2 epilogues=false" | FileCheck %s --check-prefix=NOEPI
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-conv-to-kernel="isa=avx2 winograd=false" | FileCheck %s --check-prefix=NOWINO
// RUN: not fulcrum-opt %s --split-input-file --fulcrum-cpu-conv-to-kernel=isa=mmx 2>&1 | FileCheck %s --check-prefix=BAD

// A static NCHW convolution becomes a kernel call with a workspace for the
// packed im2col panels of one image: ceil(28*28 / 16) * (32*3*3) * 16 =
// 225792 floats with AVX2. Nothing sets the output first: the kernel
// accumulates into it (flags = 1). Arguments: N, C, H, W, F, KH, KW, OH,
// OW, strides, dilations, padding top and left, the addresses of x, w, y
// and the workspace, bias, residual, the clamp bounds and the flags.
// CHECK-LABEL: func.func @conv(
// CHECK-SAME: %[[X:.*]]: memref<?x32x30x30xf32>, %[[W:.*]]: memref<64x32x3x3xf32>, %[[Y:.*]]: memref<?x64x28x28xf32>)
// CHECK: %[[N:.*]] = memref.dim %[[X]], %c0
// CHECK: %[[NI:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : i64
// CHECK-DAG: %[[C30:.*]] = arith.constant 30 : i64
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : i64
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : i64
// CHECK-DAG: %[[C28:.*]] = arith.constant 28 : i64
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : i64
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : i64
// CHECK: %[[WS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<225792xf32>
// CHECK: call @fulcrum_conv2d_nchw_f32_avx2(%[[NI]], %[[C32]], %[[C30]], %[[C30]], %[[C64]], %[[C3]], %[[C3]], %[[C28]], %[[C28]], %[[C1]], %[[C1]], %[[C1]], %[[C1]], %[[C0]], %[[C0]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C0]], %[[C0]], %[[C0]], %[[C0]], %[[C1]]) {fulcrum.writes = array<i64: 17, 18>}
// CHECK: memref.dealloc %[[WS]]
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @conv(%x: memref<?x32x30x30xf32>, %w: memref<64x32x3x3xf32>, %y: memref<?x64x28x28xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : memref<?x32x30x30xf32>, memref<64x32x3x3xf32>) outs(%y : memref<?x64x28x28xf32>)
  return
}

// -----

// Strides and dilations are passed on; a zero fill before becomes the
// overwrite mode (flags = 0).
// CHECK-LABEL: func.func @strided(
// CHECK-NOT: linalg.fill
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : i64
// CHECK: call @fulcrum_conv2d_nchw_f32_avx2(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C2]], %[[C2]], %[[C2]], %[[C2]], %[[C0]], %[[C0]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C0]], %[[C0]], %[[C0]], %[[C0]], %[[C0]])
func.func @strided(%x: memref<1x3x11x11xf32>, %w: memref<8x3x3x3xf32>, %y: memref<1x8x3x3xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%y : memref<1x8x3x3xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<2> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %w : memref<1x3x11x11xf32>, memref<8x3x3x3xf32>) outs(%y : memref<1x8x3x3xf32>)
  return
}

// -----

// negative_: dynamic spatial sizes, f64 and strided views stay loops.
// CHECK-LABEL: func.func @negative_dynamic(
// CHECK: linalg.conv_2d_nchw_fchw
// CHECK-LABEL: func.func @negative_f64(
// CHECK: linalg.conv_2d_nchw_fchw
// CHECK-LABEL: func.func @negative_view(
// CHECK: linalg.conv_2d_nchw_fchw
// CHECK-NOT: call @fulcrum_conv2d
func.func @negative_dynamic(%x: memref<1x3x?x?xf32>, %w: memref<8x3x3x3xf32>, %y: memref<1x8x?x?xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : memref<1x3x?x?xf32>, memref<8x3x3x3xf32>) outs(%y : memref<1x8x?x?xf32>)
  return
}
func.func @negative_f64(%x: memref<1x3x5x5xf64>, %w: memref<8x3x3x3xf64>, %y: memref<1x8x3x3xf64>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : memref<1x3x5x5xf64>, memref<8x3x3x3xf64>) outs(%y : memref<1x8x3x3xf64>)
  return
}
func.func @negative_view(%x: memref<1x3x5x5xf32, strided<[150, 50, 10, 2]>>, %w: memref<8x3x3x3xf32>, %y: memref<1x8x3x3xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : memref<1x3x5x5xf32, strided<[150, 50, 10, 2]>>, memref<8x3x3x3xf32>) outs(%y : memref<1x8x3x3xf32>)
  return
}

// -----

// A depthwise convolution calls its own kernel, accumulating into the output:
// N, C, H, W, KH, KW, OH, OW, strides, dilations, padding, x, w, y, bias,
// clamp bounds, flags.
// CHECK-LABEL: func.func @depthwise(
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : i64
// CHECK-DAG: %[[C114:.*]] = arith.constant 114 : i64
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : i64
// CHECK-DAG: %[[C56:.*]] = arith.constant 56 : i64
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : i64
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : i64
// CHECK: call @fulcrum_dwconv2d_nchw_f32_avx2(%{{.*}}, %[[C32]], %[[C114]], %[[C114]], %[[C3]], %[[C3]], %[[C56]], %[[C56]], %[[C2]], %[[C2]], %[[C1]], %[[C1]], %[[C0]], %[[C0]], %{{.*}}, %{{.*}}, %{{.*}}, %[[C0]], %[[C0]], %[[C0]], %[[C1]]) {fulcrum.writes = array<i64: 16>}
// CHECK-NOT: linalg.depthwise_conv_2d_nchw_chw
func.func @depthwise(%x: memref<?x32x114x114xf32>, %w: memref<32x3x3xf32>, %y: memref<?x32x56x56xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %w : memref<?x32x114x114xf32>, memref<32x3x3xf32>) outs(%y : memref<?x32x56x56xf32>)
  return
}

// -----

// negative_: a depthwise convolution with a dynamic spatial size stays loops.
// CHECK-LABEL: func.func @negative_depthwise_dynamic(
// CHECK: linalg.depthwise_conv_2d_nchw_chw
func.func @negative_depthwise_dynamic(%x: memref<1x8x?x?xf32>, %w: memref<8x3x3xf32>, %y: memref<1x8x?x?xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : memref<1x8x?x?xf32>, memref<8x3x3xf32>) outs(%y : memref<1x8x?x?xf32>)
  return
}

// -----

// The kernel takes over the zero padding (a zero-filled buffer with the
// input copied into its interior), the bias broadcast and a ReLU6
// epilogue; the call writes the epilogue's output, and the padded buffer,
// the broadcast, the generic and the dead output buffer are gone. Padding
// top 1, left 2; bounds 0.0 and 6.0 (1086324736) as float bits; flags 8.
// With epilogues=false (the unfused baseline of --fuse=false) the kernel
// still takes the padding and the bias, but not the ReLU6: no clamp bounds,
// no flags, and the generic stays after the call.
// NOEPI-LABEL: func.func @fused(
// NOEPI: call @fulcrum_conv2d_nchw_f32_avx2(
// NOEPI-SAME: %c0_i64, %c0_i64, %c0_i64, %c0_i64)
// NOEPI: linalg.generic
// NOEPI: arith.maximumf
// NOEPI: arith.minimumf
// NOEPI: return
// CHECK-LABEL: func.func @fused(
// CHECK-SAME: %[[X:.*]]: memref<1x8x10x10xf32>, %[[W:.*]]: memref<16x8x3x3xf32>, %[[B:.*]]: memref<16xf32>)
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x16x10x11xf32>
// CHECK-NOT: memref.copy
// CHECK-NOT: linalg.
// CHECK: memref.extract_aligned_pointer_as_index %[[X]]
// CHECK: memref.extract_aligned_pointer_as_index %[[OUT]]
// CHECK: memref.extract_aligned_pointer_as_index %[[B]]
// CHECK: call @fulcrum_conv2d_nchw_f32_avx2(%{{.*}}, %c8_i64, %c10_i64, %c10_i64, %c16_i64, %c3_i64, %c3_i64, %c10_i64, %c11_i64, %c1_i64, %c1_i64, %c1_i64, %c1_i64, %c1_i64, %c2_i64, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c0_i64, %c0_i64, %c1086324736_i64, %c8_i64)
// CHECK-NOT: linalg.
// CHECK: return %[[OUT]]
func.func @fused(%x: memref<1x8x10x10xf32>, %w: memref<16x8x3x3xf32>, %b: memref<16xf32>) -> memref<1x16x10x11xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %p = memref.alloc() {alignment = 64 : i64} : memref<1x8x12x13xf32>
  linalg.map outs(%p : memref<1x8x12x13xf32>) () { linalg.yield %zero : f32 }
  %s = memref.subview %p[0, 0, 1, 2] [1, 8, 10, 10] [1, 1, 1, 1] : memref<1x8x12x13xf32> to memref<1x8x10x10xf32, strided<[1248, 156, 13, 1], offset: 15>>
  memref.copy %x, %s : memref<1x8x10x10xf32> to memref<1x8x10x10xf32, strided<[1248, 156, 13, 1], offset: 15>>
  %y = memref.alloc() {alignment = 64 : i64} : memref<1x16x10x11xf32>
  linalg.broadcast ins(%b : memref<16xf32>) outs(%y : memref<1x16x10x11xf32>) dimensions = [0, 2, 3]
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%p, %w : memref<1x8x12x13xf32>, memref<16x8x3x3xf32>) outs(%y : memref<1x16x10x11xf32>)
  memref.dealloc %p : memref<1x8x12x13xf32>
  %out = memref.alloc() {alignment = 64 : i64} : memref<1x16x10x11xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y : memref<1x16x10x11xf32>) outs(%out : memref<1x16x10x11xf32>) {
  ^bb0(%in: f32, %o: f32):
    %0 = arith.maximumf %in, %zero : f32
    %1 = arith.minimumf %0, %six : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %y : memref<1x16x10x11xf32>
  return %out : memref<1x16x10x11xf32>
}

// -----

// A residual added in place into its own buffer (y + r written to r) makes
// the kernel accumulate into r (flags 1 | 8) with the bias and a ReLU
// (bounds 0.0 and +inf = 2139095040); the call moves past the product that
// computes the residual. No residual pointer is passed.
// CHECK-LABEL: func.func @residual_in_place(
// CHECK-SAME: %[[X:.*]]: memref<1x4x6x6xf32>
// CHECK: %[[R:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x4x6x6xf32>
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} outs(%[[R]]
// CHECK-NOT: linalg.generic
// CHECK: memref.extract_aligned_pointer_as_index %[[R]]
// CHECK: call @fulcrum_conv2d_nchw_f32_avx2({{.*}}, %{{.*}}, %c0_i64, %c0_i64, %c2139095040_i64, %c9_i64)
// CHECK: return %[[R]]
func.func @residual_in_place(%x: memref<1x4x6x6xf32>, %w: memref<4x4x1x1xf32>, %w2: memref<4x4x1x1xf32, strided<[8, 2, 1, 1]>>, %b: memref<4xf32>) -> memref<1x4x6x6xf32> {
  %zero = arith.constant 0.0 : f32
  %y = memref.alloc() {alignment = 64 : i64} : memref<1x4x6x6xf32>
  linalg.broadcast ins(%b : memref<4xf32>) outs(%y : memref<1x4x6x6xf32>) dimensions = [0, 2, 3]
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : memref<1x4x6x6xf32>, memref<4x4x1x1xf32>) outs(%y : memref<1x4x6x6xf32>)
  // The residual: a convolution the kernels cannot take (strided weights).
  %r = memref.alloc() {alignment = 64 : i64} : memref<1x4x6x6xf32>
  linalg.fill ins(%zero : f32) outs(%r : memref<1x4x6x6xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w2 : memref<1x4x6x6xf32>, memref<4x4x1x1xf32, strided<[8, 2, 1, 1]>>) outs(%r : memref<1x4x6x6xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%r, %y : memref<1x4x6x6xf32>, memref<1x4x6x6xf32>) outs(%r : memref<1x4x6x6xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %0 = arith.addf %a, %c : f32
    %1 = arith.maximumf %0, %zero : f32
    linalg.yield %1 : f32
  }
  memref.dealloc %y : memref<1x4x6x6xf32>
  return %r : memref<1x4x6x6xf32>
}

// -----

// negative_: the padded buffer is read by something else too, the input is
// written between the copy and the convolution, the epilogue multiplies,
// and the output is read again before the epilogue: the padding copy, the
// accumulation and the generic stay.
// CHECK-LABEL: func.func @negative_padding_read_twice(
// CHECK: memref.copy
// CHECK: call @fulcrum_conv2d_nchw_f32_avx2
// CHECK: memref.copy %{{.*}}, %arg2
// CHECK-LABEL: func.func @negative_input_written(
// CHECK: memref.copy
// CHECK: linalg.fill
// CHECK: call @fulcrum_conv2d_nchw_f32_avx2
// CHECK-LABEL: func.func @negative_epilogue_mul(
// CHECK: call @fulcrum_conv2d_nchw_f32_avx2
// CHECK: linalg.generic
// CHECK: arith.mulf
// CHECK-LABEL: func.func @negative_output_read(
// CHECK: call @fulcrum_conv2d_nchw_f32_avx2
// CHECK: memref.copy
// CHECK: linalg.generic
func.func @negative_padding_read_twice(%x: memref<1x2x4x4xf32>, %w: memref<2x2x3x3xf32>, %other: memref<1x2x6x6xf32>, %y: memref<1x2x4x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<1x2x6x6xf32>
  linalg.fill ins(%zero : f32) outs(%p : memref<1x2x6x6xf32>)
  %s = memref.subview %p[0, 0, 1, 1] [1, 2, 4, 4] [1, 1, 1, 1] : memref<1x2x6x6xf32> to memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>
  memref.copy %x, %s : memref<1x2x4x4xf32> to memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%p, %w : memref<1x2x6x6xf32>, memref<2x2x3x3xf32>) outs(%y : memref<1x2x4x4xf32>)
  memref.copy %p, %other : memref<1x2x6x6xf32> to memref<1x2x6x6xf32>
  return
}
func.func @negative_input_written(%x: memref<1x2x4x4xf32>, %w: memref<2x2x3x3xf32>, %y: memref<1x2x4x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<1x2x6x6xf32>
  linalg.fill ins(%zero : f32) outs(%p : memref<1x2x6x6xf32>)
  %s = memref.subview %p[0, 0, 1, 1] [1, 2, 4, 4] [1, 1, 1, 1] : memref<1x2x6x6xf32> to memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>
  memref.copy %x, %s : memref<1x2x4x4xf32> to memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>
  linalg.fill ins(%zero : f32) outs(%x : memref<1x2x4x4xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%p, %w : memref<1x2x6x6xf32>, memref<2x2x3x3xf32>) outs(%y : memref<1x2x4x4xf32>)
  memref.dealloc %p : memref<1x2x6x6xf32>
  return
}
func.func @negative_epilogue_mul(%x: memref<1x2x4x4xf32>, %w: memref<2x2x1x1xf32>, %b: memref<2xf32>) -> memref<1x2x4x4xf32> {
  %y = memref.alloc() : memref<1x2x4x4xf32>
  linalg.broadcast ins(%b : memref<2xf32>) outs(%y : memref<1x2x4x4xf32>) dimensions = [0, 2, 3]
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : memref<1x2x4x4xf32>, memref<2x2x1x1xf32>) outs(%y : memref<1x2x4x4xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y : memref<1x2x4x4xf32>) outs(%y : memref<1x2x4x4xf32>) {
  ^bb0(%in: f32, %o: f32):
    %0 = arith.mulf %in, %in : f32
    linalg.yield %0 : f32
  }
  return %y : memref<1x2x4x4xf32>
}
func.func @negative_output_read(%x: memref<1x2x4x4xf32>, %w: memref<2x2x1x1xf32>, %b: memref<2xf32>, %copy: memref<1x2x4x4xf32>) -> memref<1x2x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %y = memref.alloc() : memref<1x2x4x4xf32>
  linalg.broadcast ins(%b : memref<2xf32>) outs(%y : memref<1x2x4x4xf32>) dimensions = [0, 2, 3]
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : memref<1x2x4x4xf32>, memref<2x2x1x1xf32>) outs(%y : memref<1x2x4x4xf32>)
  memref.copy %y, %copy : memref<1x2x4x4xf32> to memref<1x2x4x4xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y : memref<1x2x4x4xf32>) outs(%y : memref<1x2x4x4xf32>) {
  ^bb0(%in: f32, %o: f32):
    %0 = arith.maximumf %in, %zero : f32
    linalg.yield %0 : f32
  }
  return %y : memref<1x2x4x4xf32>
}

// -----

// Channels-last: the FHWC filter is a transpose of a constant FCHW global,
// packed at compile time into [ceil(F/16)][KH*KW*C][16] panels (K = 3*3*8
// = 72); the transpose and its buffer go. Padding (top 1, left 1 in the
// spatial dimensions 1 and 2), the per-channel bias (broadcast over
// [0, 1, 2]) and a ReLU are taken over as in NCHW. Arguments: N, H, W, C,
// F, KH, KW, OH, OW, ...; the workspace holds the im2col rows of 64-pixel
// blocks, at least 8 (a slot per thread): max(ceil(100/64), 8) * 64 * 72 =
// 36864 floats.
// CHECK-NOT: memref.global "private" constant @w :
// CHECK-LABEL: memref.global "private" constant @w_nhwc_packed16 : memref<1x72x16xf32>
// CHECK-LABEL: func.func @nhwc(
// CHECK-SAME: %[[X:.*]]: memref<1x10x10x8xf32>, %[[B:.*]]: memref<16xf32>)
// CHECK-NOT: linalg.transpose
// CHECK-NOT: memref.get_global @w :
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x10x10x16xf32>
// CHECK-NOT: memref<16x3x3x8xf32>
// CHECK: %[[PACKED:.*]] = memref.get_global @w_nhwc_packed16 : memref<1x72x16xf32>
// CHECK: memref.extract_aligned_pointer_as_index %[[X]]
// CHECK: memref.extract_aligned_pointer_as_index %[[PACKED]]
// CHECK: memref.extract_aligned_pointer_as_index %[[OUT]]
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<36864xf32>
// CHECK: call @fulcrum_conv2d_nhwc_f32_avx2(%{{.*}}, %c10_i64, %c10_i64, %c8_i64, %c16_i64, %c3_i64, %c3_i64, %c10_i64, %c10_i64, %c1_i64, %c1_i64, %c1_i64, %c1_i64, %c1_i64, %c1_i64, {{.*}}, %c0_i64, %c2139095040_i64, %c8_i64)
// CHECK-NOT: linalg.
// CHECK: return %[[OUT]]
memref.global "private" constant @w : memref<16x8x3x3xf32> = dense<1.0>
func.func @nhwc(%x: memref<1x10x10x8xf32>, %b: memref<16xf32>) -> memref<1x10x10x16xf32> {
  %zero = arith.constant 0.0 : f32
  %p = memref.alloc() {alignment = 64 : i64} : memref<1x12x12x8xf32>
  linalg.map outs(%p : memref<1x12x12x8xf32>) () { linalg.yield %zero : f32 }
  %s = memref.subview %p[0, 1, 1, 0] [1, 10, 10, 8] [1, 1, 1, 1] : memref<1x12x12x8xf32> to memref<1x10x10x8xf32, strided<[1152, 96, 8, 1], offset: 104>>
  memref.copy %x, %s : memref<1x10x10x8xf32> to memref<1x10x10x8xf32, strided<[1152, 96, 8, 1], offset: 104>>
  %g = memref.get_global @w : memref<16x8x3x3xf32>
  %wt = memref.alloc() {alignment = 64 : i64} : memref<16x3x3x8xf32>
  linalg.transpose ins(%g : memref<16x8x3x3xf32>) outs(%wt : memref<16x3x3x8xf32>) permutation = [0, 2, 3, 1]
  %y = memref.alloc() {alignment = 64 : i64} : memref<1x10x10x16xf32>
  linalg.broadcast ins(%b : memref<16xf32>) outs(%y : memref<1x10x10x16xf32>) dimensions = [0, 1, 2]
  linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%p, %wt : memref<1x12x12x8xf32>, memref<16x3x3x8xf32>) outs(%y : memref<1x10x10x16xf32>)
  memref.dealloc %p : memref<1x12x12x8xf32>
  memref.dealloc %wt : memref<16x3x3x8xf32>
  %out = memref.alloc() {alignment = 64 : i64} : memref<1x10x10x16xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y : memref<1x10x10x16xf32>) outs(%out : memref<1x10x10x16xf32>) {
  ^bb0(%in: f32, %o: f32):
    %0 = arith.maximumf %in, %zero : f32
    linalg.yield %0 : f32
  }
  memref.dealloc %y : memref<1x10x10x16xf32>
  return %out : memref<1x10x10x16xf32>
}

// -----

// A channels-last 1x1 convolution at stride 1 reads the image in place: no
// workspace (its argument is 0). A channels-last depthwise convolution
// reads its HWC filter as it is.
// CHECK-LABEL: func.func @nhwc_direct(
// CHECK-NOT: memref.alloc() {alignment = 64 : i64} : memref<{{[0-9]+}}xf32>
// CHECK: call @fulcrum_conv2d_nhwc_f32_avx2({{.*}}, %c0_i64, %c0_i64, %c0_i64, %c0_i64, %c0_i64, %c1_i64) {fulcrum.writes = array<i64: 17>}
// CHECK: call @fulcrum_dwconv2d_nhwc_f32_avx2({{.*}}) {fulcrum.writes = array<i64: 16>}
memref.global "private" constant @w1 : memref<4x4x1x1xf32> = dense<1.0>
func.func @nhwc_direct(%x: memref<2x6x6x4xf32>, %y: memref<2x6x6x4xf32>, %dw: memref<3x3x4xf32>, %z: memref<2x4x4x4xf32>) {
  %g = memref.get_global @w1 : memref<4x4x1x1xf32>
  %wt = memref.alloc() {alignment = 64 : i64} : memref<4x1x1x4xf32>
  linalg.transpose ins(%g : memref<4x4x1x1xf32>) outs(%wt : memref<4x1x1x4xf32>) permutation = [0, 2, 3, 1]
  linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %wt : memref<2x6x6x4xf32>, memref<4x1x1x4xf32>) outs(%y : memref<2x6x6x4xf32>)
  memref.dealloc %wt : memref<4x1x1x4xf32>
  linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%y, %dw : memref<2x6x6x4xf32>, memref<3x3x4xf32>) outs(%z : memref<2x4x4x4xf32>)
  return
}

// -----

// Two channels-last convolutions share one transposed filter: both run on
// the packed filter (the first keeps the transpose for the second, which
// finds it past the first's call: a kernel writing another buffer cannot
// touch a fresh allocation), and the transpose goes with the last.
// CHECK-LABEL: func.func @nhwc_shared_filter(
// CHECK-NOT: linalg.transpose
// CHECK: call @fulcrum_conv2d_nhwc_f32_avx2
// CHECK: call @fulcrum_conv2d_nhwc_f32_avx2
// CHECK-NOT: linalg.conv_2d_nhwc_fhwc
memref.global "private" constant @w2 : memref<4x4x1x1xf32> = dense<1.0>
func.func @nhwc_shared_filter(%x: memref<2x6x6x4xf32>, %y: memref<2x6x6x4xf32>, %z: memref<2x6x6x4xf32>) {
  %g = memref.get_global @w2 : memref<4x4x1x1xf32>
  %wt = memref.alloc() {alignment = 64 : i64} : memref<4x1x1x4xf32>
  linalg.transpose ins(%g : memref<4x4x1x1xf32>) outs(%wt : memref<4x1x1x4xf32>) permutation = [0, 2, 3, 1]
  linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %wt : memref<2x6x6x4xf32>, memref<4x1x1x4xf32>) outs(%y : memref<2x6x6x4xf32>)
  linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%y, %wt : memref<2x6x6x4xf32>, memref<4x1x1x4xf32>) outs(%z : memref<2x6x6x4xf32>)
  memref.dealloc %wt : memref<4x1x1x4xf32>
  return
}

// -----

// negative_: a channels-last convolution whose filter is not a constant
// (no compile-time packing) stays for the loop lowering.
// CHECK-LABEL: func.func @negative_nhwc_runtime_filter(
// CHECK: linalg.conv_2d_nhwc_fhwc
// CHECK-NOT: call @fulcrum_conv2d_nhwc
func.func @negative_nhwc_runtime_filter(%x: memref<1x6x6x4xf32>, %w: memref<4x3x3x4xf32>, %y: memref<1x4x4x4xf32>) {
  linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : memref<1x6x6x4xf32>, memref<4x3x3x4xf32>) outs(%y : memref<1x4x4x4xf32>)
  return
}

// -----

// BAD: error: unknown kernel ISA 'mmx' (avx512, avx2, generic)
func.func @f() {
  return
}

// -----

// A channels-last depthwise filter transposed from a constant C1HW global
// (through a collapse to CHW) becomes an HWC global at compile time: the
// call reads it, and the transpose and its buffer go. Element (c, y, x)
// of @dw is c * 9 + y * 3 + x; the HWC global holds it at (y, x, c).
// CHECK: memref.global "private" constant @dw_hwc : memref<3x3x2xf32> = dense_resource<dw_hwc>
// CHECK-NOT: memref.global "private" constant @dw :
// CHECK-LABEL: func.func @nhwc_depthwise_constant_filter(
// CHECK-NOT: linalg.transpose
// CHECK-NOT: memref.collapse_shape
// CHECK: memref.get_global @dw_hwc : memref<3x3x2xf32>
// CHECK-NOT: memref.alloc
// CHECK: call @fulcrum_dwconv2d_nhwc_f32_avx2(
// CHECK-NOT: memref.alloc
// CHECK: dw_hwc: "0x4000000000000000000010410000803F00002041
memref.global "private" constant @dw : memref<2x1x3x3xf32> = dense<[[[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]], [[[9.0, 10.0, 11.0], [12.0, 13.0, 14.0], [15.0, 16.0, 17.0]]]]>
func.func @nhwc_depthwise_constant_filter(%x: memref<1x6x6x2xf32>, %y: memref<1x4x4x2xf32>) {
  %g = memref.get_global @dw : memref<2x1x3x3xf32>
  %c = memref.collapse_shape %g [[0, 1], [2], [3]] : memref<2x1x3x3xf32> into memref<2x3x3xf32>
  %wt = memref.alloc() {alignment = 64 : i64} : memref<3x3x2xf32>
  linalg.transpose ins(%c : memref<2x3x3xf32>) outs(%wt : memref<3x3x2xf32>) permutation = [1, 2, 0]
  linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %wt : memref<1x6x6x2xf32>, memref<3x3x2xf32>) outs(%y : memref<1x4x4x2xf32>)
  memref.dealloc %wt : memref<3x3x2xf32>
  return
}

// -----

// negative_: a depthwise filter transposed from a run-time argument, or
// from a constant by another permutation, is transposed at run time as
// before and the kernel reads the buffer.
// CHECK-LABEL: func.func @negative_depthwise_runtime_filter(
// CHECK: linalg.transpose
// CHECK: call @fulcrum_dwconv2d_nhwc_f32_avx2(
// CHECK-LABEL: func.func @negative_depthwise_other_permutation(
// CHECK: linalg.transpose
// CHECK: call @fulcrum_dwconv2d_nhwc_f32_avx2(
memref.global "private" constant @dw3 : memref<3x3x2xf32> = dense<1.0>
func.func @negative_depthwise_runtime_filter(%x: memref<1x6x6x2xf32>, %w: memref<2x3x3xf32>, %y: memref<1x4x4x2xf32>) {
  %wt = memref.alloc() {alignment = 64 : i64} : memref<3x3x2xf32>
  linalg.transpose ins(%w : memref<2x3x3xf32>) outs(%wt : memref<3x3x2xf32>) permutation = [1, 2, 0]
  linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %wt : memref<1x6x6x2xf32>, memref<3x3x2xf32>) outs(%y : memref<1x4x4x2xf32>)
  memref.dealloc %wt : memref<3x3x2xf32>
  return
}
func.func @negative_depthwise_other_permutation(%x: memref<1x6x6x2xf32>, %y: memref<1x4x4x2xf32>) {
  %g = memref.get_global @dw3 : memref<3x3x2xf32>
  %wt = memref.alloc() {alignment = 64 : i64} : memref<3x3x2xf32>
  linalg.transpose ins(%g : memref<3x3x2xf32>) outs(%wt : memref<3x3x2xf32>) permutation = [1, 0, 2]
  linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %wt : memref<1x6x6x2xf32>, memref<3x3x2xf32>) outs(%y : memref<1x4x4x2xf32>)
  memref.dealloc %wt : memref<3x3x2xf32>
  return
}

// -----

// Winograd F(2x2, 3x3): a channels-last 3x3 convolution at stride 1 with
// at least 16 input and output channels. The filter is transformed and
// packed at compile time into 16 positions x ceil(32/16) panels of
// [C = 32][16]; the workspace holds 4 thread slots of 16 positions x
// min(256, 32768 / 32) tiles x (C + F) floats = 4 * 16 * 256 * 64. The
// padding and the ReLU are taken over as for the direct kernel. With
// winograd=false the direct kernel runs it.
// CHECK-LABEL: memref.global "private" constant @wg_winograd_packed16 : memref<32x32x16xf32>
// CHECK-LABEL: func.func @winograd(
// CHECK-NOT: linalg.transpose
// CHECK: %[[PACKED:.*]] = memref.get_global @wg_winograd_packed16 : memref<32x32x16xf32>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<1048576xf32>
// CHECK: call @fulcrum_conv2d_winograd_nhwc_f32_avx2(%{{.*}}, %c6_i64, %c6_i64, %c32_i64, %c32_i64, %c3_i64, %c3_i64, %c6_i64, %c6_i64, %c1_i64, %c1_i64, %c1_i64, %c1_i64, %c1_i64, %c1_i64, {{.*}}, %c0_i64, %c2139095040_i64, %c8_i64)
// CHECK-NOT: linalg.
// NOWINO-LABEL: memref.global "private" constant @wg_nhwc_packed16 : memref<2x288x16xf32>
// NOWINO-LABEL: func.func @winograd(
// NOWINO-NOT: winograd
// NOWINO: call @fulcrum_conv2d_nhwc_f32_avx2(
memref.global "private" constant @wg : memref<32x32x3x3xf32> = dense<1.0>
func.func @winograd(%x: memref<?x6x6x32xf32>) -> memref<?x6x6x32xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x6x6x32xf32>
  %p = memref.alloc(%n) {alignment = 64 : i64} : memref<?x8x8x32xf32>
  linalg.map outs(%p : memref<?x8x8x32xf32>) () { linalg.yield %zero : f32 }
  %s = memref.subview %p[0, 1, 1, 0] [%n, 6, 6, 32] [1, 1, 1, 1] : memref<?x8x8x32xf32> to memref<?x6x6x32xf32, strided<[2048, 256, 32, 1], offset: 288>>
  memref.copy %x, %s : memref<?x6x6x32xf32> to memref<?x6x6x32xf32, strided<[2048, 256, 32, 1], offset: 288>>
  %g = memref.get_global @wg : memref<32x32x3x3xf32>
  %wt = memref.alloc() {alignment = 64 : i64} : memref<32x3x3x32xf32>
  linalg.transpose ins(%g : memref<32x32x3x3xf32>) outs(%wt : memref<32x3x3x32xf32>) permutation = [0, 2, 3, 1]
  %y = memref.alloc(%n) {alignment = 64 : i64} : memref<?x6x6x32xf32>
  linalg.fill ins(%zero : f32) outs(%y : memref<?x6x6x32xf32>)
  linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%p, %wt : memref<?x8x8x32xf32>, memref<32x3x3x32xf32>) outs(%y : memref<?x6x6x32xf32>)
  memref.dealloc %p : memref<?x8x8x32xf32>
  memref.dealloc %wt : memref<32x3x3x32xf32>
  %out = memref.alloc(%n) {alignment = 64 : i64} : memref<?x6x6x32xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y : memref<?x6x6x32xf32>) outs(%out : memref<?x6x6x32xf32>) {
  ^bb0(%in: f32, %o: f32):
    %0 = arith.maximumf %in, %zero : f32
    linalg.yield %0 : f32
  }
  memref.dealloc %y : memref<?x6x6x32xf32>
  return %out : memref<?x6x6x32xf32>
}

// -----

// negative_: 3x3 convolutions that stay on the direct kernel: at stride 2,
// dilated, and with 8 input channels (fewer than 16).
// CHECK-LABEL: func.func @negative_winograd_stride(
// CHECK-NOT: winograd
// CHECK: call @fulcrum_conv2d_nhwc_f32_avx2(
// CHECK-LABEL: func.func @negative_winograd_dilation(
// CHECK-NOT: winograd
// CHECK: call @fulcrum_conv2d_nhwc_f32_avx2(
// CHECK-LABEL: func.func @negative_winograd_narrow(
// CHECK-NOT: winograd
// CHECK: call @fulcrum_conv2d_nhwc_f32_avx2(
memref.global "private" constant @ws : memref<32x32x3x3xf32> = dense<1.0>
memref.global "private" constant @wn : memref<32x8x3x3xf32> = dense<1.0>
func.func @negative_winograd_stride(%x: memref<1x9x9x32xf32>, %y: memref<1x4x4x32xf32>) {
  %g = memref.get_global @ws : memref<32x32x3x3xf32>
  %wt = memref.alloc() {alignment = 64 : i64} : memref<32x3x3x32xf32>
  linalg.transpose ins(%g : memref<32x32x3x3xf32>) outs(%wt : memref<32x3x3x32xf32>) permutation = [0, 2, 3, 1]
  linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %wt : memref<1x9x9x32xf32>, memref<32x3x3x32xf32>) outs(%y : memref<1x4x4x32xf32>)
  memref.dealloc %wt : memref<32x3x3x32xf32>
  return
}
func.func @negative_winograd_dilation(%x: memref<1x9x9x32xf32>, %y: memref<1x5x5x32xf32>) {
  %g = memref.get_global @ws : memref<32x32x3x3xf32>
  %wt = memref.alloc() {alignment = 64 : i64} : memref<32x3x3x32xf32>
  linalg.transpose ins(%g : memref<32x32x3x3xf32>) outs(%wt : memref<32x3x3x32xf32>) permutation = [0, 2, 3, 1]
  linalg.conv_2d_nhwc_fhwc {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %wt : memref<1x9x9x32xf32>, memref<32x3x3x32xf32>) outs(%y : memref<1x5x5x32xf32>)
  memref.dealloc %wt : memref<32x3x3x32xf32>
  return
}
func.func @negative_winograd_narrow(%x: memref<1x9x9x8xf32>, %y: memref<1x7x7x32xf32>) {
  %g = memref.get_global @wn : memref<32x8x3x3xf32>
  %wt = memref.alloc() {alignment = 64 : i64} : memref<32x3x3x8xf32>
  linalg.transpose ins(%g : memref<32x8x3x3xf32>) outs(%wt : memref<32x3x3x8xf32>) permutation = [0, 2, 3, 1]
  linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %wt : memref<1x9x9x8xf32>, memref<32x3x3x8xf32>) outs(%y : memref<1x7x7x32xf32>)
  memref.dealloc %wt : memref<32x3x3x8xf32>
  return
}
