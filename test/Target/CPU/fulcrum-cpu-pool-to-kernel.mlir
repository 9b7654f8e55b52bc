// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-pool-to-kernel=isa=avx2 | FileCheck %s
// RUN: not fulcrum-opt %s --split-input-file --fulcrum-cpu-pool-to-kernel=isa=sse9 2>&1 | FileCheck %s --check-prefix=BAD

// A max pooling of a -inf padded copy, as the ONNX MaxPool lowering makes
// it, with its output filled with -inf: one kernel call on the unpadded
// input (pads 1 above and left), starting from -inf (flags 1); the padded
// copy, the fill and the window's buffer disappear.
// CHECK-LABEL: func.func @maxpool_padded(
// CHECK-SAME: %[[X:.*]]: memref<?x8x8x32xf32>)
// CHECK-NOT: linalg.
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : i64
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : i64
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : i64
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : i64
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : i64
// CHECK-DAG: %[[NINF:.*]] = arith.constant 4286578688 : i64
// CHECK-DAG: memref.extract_aligned_pointer_as_index %[[X]]
// CHECK: call @fulcrum_maxpool2d_nhwc_f32_avx2(%{{.*}}, %[[C8]], %[[C8]], %[[C32]], %[[C3]], %[[C3]], %[[C4]], %[[C4]], %[[C2]], %[[C2]], %[[C1]], %[[C1]], %[[C1]], %[[C1]], %{{.*}}, %{{.*}}, %[[NINF]], %[[C1]]) {fulcrum.writes = array<i64: 15>}
// CHECK-NOT: linalg.
// CHECK-NOT: memref.alloc() {{.*}}3x3
// CHECK: return
// CHECK: func.func private @fulcrum_maxpool2d_nhwc_f32_avx2(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
func.func @maxpool_padded(%x: memref<?x8x8x32xf32>) -> memref<?x4x4x32xf32> {
  %c0 = arith.constant 0 : index
  %ninf = arith.constant 0xFF800000 : f32
  %n = memref.dim %x, %c0 : memref<?x8x8x32xf32>
  %padded = memref.alloc(%n) {alignment = 64 : i64} : memref<?x10x10x32xf32>
  linalg.map outs(%padded : memref<?x10x10x32xf32>)
    () {
      linalg.yield %ninf : f32
    }
  %inner = memref.subview %padded[0, 1, 1, 0] [%n, 8, 8, 32] [1, 1, 1, 1] : memref<?x10x10x32xf32> to memref<?x8x8x32xf32, strided<[3200, 320, 32, 1], offset: 352>>
  memref.copy %x, %inner : memref<?x8x8x32xf32> to memref<?x8x8x32xf32, strided<[3200, 320, 32, 1], offset: 352>>
  %window = memref.alloc() {alignment = 64 : i64} : memref<3x3xf32>
  %y = memref.alloc(%n) {alignment = 64 : i64} : memref<?x4x4x32xf32>
  linalg.fill ins(%ninf : f32) outs(%y : memref<?x4x4x32xf32>)
  linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%padded, %window : memref<?x10x10x32xf32>, memref<3x3xf32>) outs(%y : memref<?x4x4x32xf32>)
  memref.dealloc %padded : memref<?x10x10x32xf32>
  memref.dealloc %window : memref<3x3xf32>
  return %y : memref<?x4x4x32xf32>
}

// -----

// Without a fill before it, the kernel takes the output's values as the
// starting point (flags 0); no padding, dilation 2.
// CHECK-LABEL: func.func @maxpool_accumulate(
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : i64
// CHECK: call @fulcrum_maxpool2d_nhwc_f32_avx2({{.*}}, %[[C2]], %[[C2]], %[[C0]], %[[C0]], %{{.*}}, %{{.*}}, %[[C0]], %[[C0]]) {fulcrum.writes = array<i64: 15>}
// CHECK-NOT: linalg.
func.func @maxpool_accumulate(%x: memref<2x9x9x16xf32>, %y: memref<2x5x5x16xf32>) {
  %window = memref.alloc() : memref<3x3xf32>
  linalg.pooling_nhwc_max {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %window : memref<2x9x9x16xf32>, memref<3x3xf32>) outs(%y : memref<2x5x5x16xf32>)
  memref.dealloc %window : memref<3x3xf32>
  return
}

// -----

// A padding with zeros could win a maximum: the padded copy stays and the
// kernel reads it whole (no pads); the fill of the output is taken.
// CHECK-LABEL: func.func @negative_zero_padding(
// CHECK: linalg.fill
// CHECK: memref.copy
// CHECK-NOT: linalg.
// CHECK: call @fulcrum_maxpool2d_nhwc_f32_avx2
func.func @negative_zero_padding(%x: memref<1x8x8x16xf32>) -> memref<1x8x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %padded = memref.alloc() : memref<1x10x10x16xf32>
  linalg.fill ins(%zero : f32) outs(%padded : memref<1x10x10x16xf32>)
  %inner = memref.subview %padded[0, 1, 1, 0] [1, 8, 8, 16] [1, 1, 1, 1] : memref<1x10x10x16xf32> to memref<1x8x8x16xf32, strided<[1600, 160, 16, 1], offset: 176>>
  memref.copy %x, %inner : memref<1x8x8x16xf32> to memref<1x8x8x16xf32, strided<[1600, 160, 16, 1], offset: 176>>
  %window = memref.alloc() : memref<3x3xf32>
  %y = memref.alloc() : memref<1x8x8x16xf32>
  linalg.fill ins(%ninf : f32) outs(%y : memref<1x8x8x16xf32>)
  linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%padded, %window : memref<1x10x10x16xf32>, memref<3x3xf32>) outs(%y : memref<1x8x8x16xf32>)
  memref.dealloc %padded : memref<1x10x10x16xf32>
  memref.dealloc %window : memref<3x3xf32>
  return %y : memref<1x8x8x16xf32>
}

// -----

// The output is read between its fill and the pooling: the fill stays and
// the kernel starts from the output (flags 0).
// CHECK-LABEL: func.func @negative_fill_read_between(
// CHECK: linalg.fill
// CHECK: memref.copy
// CHECK: call @fulcrum_maxpool2d_nhwc_f32_avx2({{.*}}, %[[Z:.*]], %[[Z]])
func.func @negative_fill_read_between(%x: memref<1x4x4x16xf32>, %y: memref<1x2x2x16xf32>, %z: memref<1x2x2x16xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %window = memref.alloc() : memref<2x2xf32>
  linalg.fill ins(%ninf : f32) outs(%y : memref<1x2x2x16xf32>)
  memref.copy %y, %z : memref<1x2x2x16xf32> to memref<1x2x2x16xf32>
  linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %window : memref<1x4x4x16xf32>, memref<2x2xf32>) outs(%y : memref<1x2x2x16xf32>)
  memref.dealloc %window : memref<2x2xf32>
  return
}

// -----

// The output is a function argument, and another argument (which may alias
// it) is read between the fill and the pooling: the fill stays (flags 0).
// CHECK-LABEL: func.func @negative_fill_alias_between(
// CHECK: linalg.fill
// CHECK: memref.copy
// CHECK: call @fulcrum_maxpool2d_nhwc_f32_avx2({{.*}}, %[[Z:.*]], %[[Z]])
func.func @negative_fill_alias_between(%x: memref<1x4x4x16xf32>, %y: memref<1x2x2x16xf32>, %a: memref<1x2x2x16xf32>, %z: memref<1x2x2x16xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %window = memref.alloc() : memref<2x2xf32>
  linalg.fill ins(%ninf : f32) outs(%y : memref<1x2x2x16xf32>)
  memref.copy %a, %z : memref<1x2x2x16xf32> to memref<1x2x2x16xf32>
  linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %window : memref<1x4x4x16xf32>, memref<2x2xf32>) outs(%y : memref<1x2x2x16xf32>)
  memref.dealloc %window : memref<2x2xf32>
  return
}

// -----

// Channels-first, average (sum) and f16 poolings, an input with a strided
// layout and a dynamic spatial size keep their loops.
// CHECK-LABEL: func.func @negative_other_poolings(
// CHECK: linalg.pooling_nchw_max
// CHECK: linalg.pooling_nhwc_sum
// CHECK: linalg.pooling_nhwc_max {{.*}} memref<1x4x4x8xf16>
// CHECK: linalg.pooling_nhwc_max {{.*}} strided
// CHECK: linalg.pooling_nhwc_max {{.*}} memref<1x?x4x8xf32>
// CHECK-NOT: call
func.func @negative_other_poolings(%a: memref<1x8x4x4xf32>, %b: memref<1x8x2x2xf32>, %c: memref<1x4x4x8xf32>, %d: memref<1x2x2x8xf32>, %e: memref<1x4x4x8xf16>, %f: memref<1x2x2x8xf16>, %g: memref<1x4x4x8xf32, strided<[256, 64, 16, 1]>>, %h: memref<1x?x4x8xf32>, %i: memref<1x?x2x8xf32>) {
  %window = memref.alloc() : memref<2x2xf32>
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%a, %window : memref<1x8x4x4xf32>, memref<2x2xf32>) outs(%b : memref<1x8x2x2xf32>)
  linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%c, %window : memref<1x4x4x8xf32>, memref<2x2xf32>) outs(%d : memref<1x2x2x8xf32>)
  linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%e, %window : memref<1x4x4x8xf16>, memref<2x2xf32>) outs(%f : memref<1x2x2x8xf16>)
  linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%g, %window : memref<1x4x4x8xf32, strided<[256, 64, 16, 1]>>, memref<2x2xf32>) outs(%d : memref<1x2x2x8xf32>)
  linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%h, %window : memref<1x?x4x8xf32>, memref<2x2xf32>) outs(%i : memref<1x?x2x8xf32>)
  memref.dealloc %window : memref<2x2xf32>
  return
}

// -----

// An 8-bit model's pooling (i8, padded with -128 and its output filled with
// -128): the i8 kernel on the unpadded input, starting from -128 (flags 1);
// the padded copy and the fill disappear.
// CHECK-LABEL: func.func @maxpool_i8_padded(
// CHECK-SAME: %[[X:.*]]: memref<?x8x8x64xi8>)
// CHECK-NOT: linalg.
// CHECK-DAG: %[[LEAST:.*]] = arith.constant -128 : i64
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : i64
// CHECK-DAG: memref.extract_aligned_pointer_as_index %[[X]]
// CHECK: call @fulcrum_maxpool2d_nhwc_i8_avx2({{.*}}, %[[C1]], %[[C1]], %{{.*}}, %{{.*}}, %[[LEAST]], %[[C1]]) {fulcrum.writes = array<i64: 15>}
// CHECK-NOT: linalg.
// CHECK: func.func private @fulcrum_maxpool2d_nhwc_i8_avx2(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
func.func @maxpool_i8_padded(%x: memref<?x8x8x64xi8>) -> memref<?x4x4x64xi8> {
  %c0 = arith.constant 0 : index
  %least = arith.constant -128 : i8
  %n = memref.dim %x, %c0 : memref<?x8x8x64xi8>
  %padded = memref.alloc(%n) {alignment = 64 : i64} : memref<?x10x10x64xi8>
  linalg.fill ins(%least : i8) outs(%padded : memref<?x10x10x64xi8>)
  %inner = memref.subview %padded[0, 1, 1, 0] [%n, 8, 8, 64] [1, 1, 1, 1] : memref<?x10x10x64xi8> to memref<?x8x8x64xi8, strided<[6400, 640, 64, 1], offset: 704>>
  memref.copy %x, %inner : memref<?x8x8x64xi8> to memref<?x8x8x64xi8, strided<[6400, 640, 64, 1], offset: 704>>
  %window = memref.alloc() {alignment = 64 : i64} : memref<3x3xi8>
  %y = memref.alloc(%n) {alignment = 64 : i64} : memref<?x4x4x64xi8>
  linalg.fill ins(%least : i8) outs(%y : memref<?x4x4x64xi8>)
  linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%padded, %window : memref<?x10x10x64xi8>, memref<3x3xi8>) outs(%y : memref<?x4x4x64xi8>)
  memref.dealloc %padded : memref<?x10x10x64xi8>
  memref.dealloc %window : memref<3x3xi8>
  return %y : memref<?x4x4x64xi8>
}

// -----

// An i8 padding with zeros could win a maximum: the padded copy stays and
// the kernel reads it whole; the fill of the output (0: any constant) is
// taken.
// CHECK-LABEL: func.func @negative_i8_zero_padding(
// CHECK: linalg.fill
// CHECK: memref.copy
// CHECK-NOT: linalg.
// CHECK-DAG: %[[Z:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : i64
// CHECK: call @fulcrum_maxpool2d_nhwc_i8_avx2({{.*}}, %[[Z]], %[[Z]], %{{.*}}, %{{.*}}, %[[Z]], %[[C1]])
func.func @negative_i8_zero_padding(%x: memref<1x8x8x16xi8>) -> memref<1x8x8x16xi8> {
  %zero = arith.constant 0 : i8
  %padded = memref.alloc() : memref<1x10x10x16xi8>
  linalg.fill ins(%zero : i8) outs(%padded : memref<1x10x10x16xi8>)
  %inner = memref.subview %padded[0, 1, 1, 0] [1, 8, 8, 16] [1, 1, 1, 1] : memref<1x10x10x16xi8> to memref<1x8x8x16xi8, strided<[1600, 160, 16, 1], offset: 176>>
  memref.copy %x, %inner : memref<1x8x8x16xi8> to memref<1x8x8x16xi8, strided<[1600, 160, 16, 1], offset: 176>>
  %window = memref.alloc() : memref<3x3xi8>
  %y = memref.alloc() : memref<1x8x8x16xi8>
  linalg.fill ins(%zero : i8) outs(%y : memref<1x8x8x16xi8>)
  linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%padded, %window : memref<1x10x10x16xi8>, memref<3x3xi8>) outs(%y : memref<1x8x8x16xi8>)
  memref.dealloc %padded : memref<1x10x10x16xi8>
  memref.dealloc %window : memref<3x3xi8>
  return %y : memref<1x8x8x16xi8>
}

// -----

// Other integer poolings (i32, an i8 input into an i32 output) keep their
// loops.
// CHECK-LABEL: func.func @negative_other_integers(
// CHECK: linalg.pooling_nhwc_max {{.*}} memref<1x4x4x8xi32>
// CHECK: linalg.pooling_nhwc_max {{.*}} memref<1x4x4x8xi8>
// CHECK-NOT: call
func.func @negative_other_integers(%a: memref<1x4x4x8xi32>, %b: memref<1x2x2x8xi32>, %c: memref<1x4x4x8xi8>) {
  %window = memref.alloc() : memref<2x2xi8>
  linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%a, %window : memref<1x4x4x8xi32>, memref<2x2xi8>) outs(%b : memref<1x2x2x8xi32>)
  linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%c, %window : memref<1x4x4x8xi8>, memref<2x2xi8>) outs(%b : memref<1x2x2x8xi32>)
  memref.dealloc %window : memref<2x2xi8>
  return
}

// -----

// BAD: error: unknown kernel ISA 'sse9' (avx512, avx2, generic)
func.func @f() {
  return
}
