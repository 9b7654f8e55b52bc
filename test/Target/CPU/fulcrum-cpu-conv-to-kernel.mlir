// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-conv-to-kernel=isa=avx2 | FileCheck %s
// RUN: not fulcrum-opt %s --split-input-file --fulcrum-cpu-conv-to-kernel=isa=mmx 2>&1 | FileCheck %s --check-prefix=BAD

// A static NCHW convolution becomes a kernel call with a workspace for the
// packed im2col panels of one image: ceil(28*28 / 16) * (32*3*3) * 16 =
// 225792 floats with AVX2. The output holds the bias: the kernel
// accumulates (flags = 1). Arguments: N, C, H, W, F, KH, KW, OH, OW,
// strides, dilations, then the addresses.
// CHECK-LABEL: func.func @conv(
// CHECK-SAME: %[[X:.*]]: memref<?x32x30x30xf32>, %[[W:.*]]: memref<64x32x3x3xf32>, %[[Y:.*]]: memref<?x64x28x28xf32>)
// CHECK: %[[WS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<225792xf32>
// CHECK: %[[N:.*]] = memref.dim %[[X]], %c0
// CHECK: %[[NI:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : i64
// CHECK-DAG: %[[C30:.*]] = arith.constant 30 : i64
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : i64
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : i64
// CHECK-DAG: %[[C28:.*]] = arith.constant 28 : i64
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : i64
// CHECK: call @fulcrum_conv2d_nchw_f32_avx2(%[[NI]], %[[C32]], %[[C30]], %[[C30]], %[[C64]], %[[C3]], %[[C3]], %[[C28]], %[[C28]], %[[C1]], %[[C1]], %[[C1]], %[[C1]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C1]])
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
// CHECK: call @fulcrum_conv2d_nchw_f32_avx2(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C2]], %[[C2]], %[[C2]], %[[C2]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C0]])
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

// BAD: error: unknown kernel ISA 'mmx' (avx512, avx2, generic)
func.func @f() {
  return
}
