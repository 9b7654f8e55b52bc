// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-linalg-to-loops | FileCheck %s
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-linalg-to-loops=min-parallel-work=8 | FileCheck %s --check-prefix=SMALL

// An op with enough points becomes an scf.parallel over its parallel loops,
// the reduction a sequential loop inside.
// CHECK-LABEL: func.func @large(
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0{{.*}}, %c0{{.*}}) to (%c256{{.*}}, %c256{{.*}}) step
// CHECK: memref.subview %{{.*}} [1, 1, 4]
// CHECK: scf.for %{{.*}} = %{{.*}} to %c4
// CHECK-NOT: linalg.generic
func.func @large(%a: memref<256x256x4xf32>, %b: memref<256x256xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a : memref<256x256x4xf32>) outs(%b : memref<256x256xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// The innermost loop stays sequential inside the parallel ones, so that it
// vectorizes; an op with a single loop runs in chunks of 4096 points.
// CHECK-LABEL: func.func @inner_loop_sequential(
// CHECK: scf.parallel (%{{.*}}) = (%c0{{.*}}) to (%c256{{.*}}) step
// CHECK: scf.for %{{.*}} = %{{.*}} to %c1024
// CHECK-LABEL: func.func @one_loop_chunks(
// CHECK: scf.parallel (%{{.*}}) = (%c0{{.*}}) to (%c65536{{.*}}) step (%c4096
func.func @inner_loop_sequential(%a: memref<256x1024xf32>, %b: memref<256x1024xf32>) {
  linalg.copy ins(%a : memref<256x1024xf32>) outs(%b : memref<256x1024xf32>)
  return
}
func.func @one_loop_chunks(%a: memref<65536xf32>, %b: memref<65536xf32>) {
  linalg.copy ins(%a : memref<65536xf32>) outs(%b : memref<65536xf32>)
  return
}

// -----

// A dynamic batch: large enough without it runs in parallel at any batch;
// otherwise both versions are kept and the run-time size chooses.
// CHECK-LABEL: func.func @dynamic_large(
// CHECK-NOT: scf.if
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0{{.*}}, %c0{{.*}}) to (%{{.*}}, %c128{{.*}})
// CHECK-LABEL: func.func @dynamic_guarded(
// CHECK: %[[POINTS:.*]] = arith.muli %{{.*}}, %c16
// CHECK: %[[LARGE:.*]] = arith.cmpi sge, %[[POINTS]], %c32768
// CHECK: scf.if %[[LARGE]] {
// CHECK: scf.parallel
// CHECK: } else {
// CHECK-NOT: scf.parallel
// CHECK: scf.for
// CHECK: }
func.func @dynamic_large(%a: memref<?x128x256xf32>, %b: memref<?x128x256xf32>) {
  linalg.copy ins(%a : memref<?x128x256xf32>) outs(%b : memref<?x128x256xf32>)
  return
}
func.func @dynamic_guarded(%a: memref<?x16xf32>, %b: memref<?x16xf32>) {
  linalg.copy ins(%a : memref<?x16xf32>) outs(%b : memref<?x16xf32>)
  return
}

// -----

// negative_: small ops and an outer reduction stay sequential (the
// threshold option makes the small one parallel).
// CHECK-LABEL: func.func @negative_small(
// CHECK-NOT: scf.parallel
// CHECK: scf.for
// SMALL-LABEL: func.func @negative_small(
// SMALL: scf.parallel
// CHECK-LABEL: func.func @negative_outer_reduction(
// CHECK-NOT: scf.parallel
func.func @negative_small(%a: memref<4x4xf32>, %b: memref<4x4xf32>) {
  linalg.copy ins(%a : memref<4x4xf32>) outs(%b : memref<4x4xf32>)
  return
}
func.func @negative_outer_reduction(%a: memref<256x256xf32>, %b: memref<256xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]} ins(%a : memref<256x256xf32>) outs(%b : memref<256xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A channels-last pooling window: the channel loop, unit-stride in the
// input and the output, moves inside the window loops so that it
// vectorizes (the window's shape operand is never read).
// CHECK-LABEL: func.func @pooling_channels_innermost(
// CHECK: scf.parallel (%[[N:.*]], %[[H:.*]], %[[W:.*]]) =
// CHECK: scf.for %[[KH:.*]] =
// CHECK: scf.for %[[KW:.*]] =
// CHECK: scf.for %[[C:.*]] = %{{.*}} to %c64
// CHECK: arith.maximumf
func.func @pooling_channels_innermost(%x: memref<4x28x28x64xf32>, %y: memref<4x14x14x64xf32>) {
  %window = memref.alloc() : memref<2x2xf32>
  linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %window : memref<4x28x28x64xf32>, memref<2x2xf32>) outs(%y : memref<4x14x14x64xf32>)
  return
}

// -----

// negative_: a reduction over the unit-stride dimension (a row sum) and a
// channels-first pooling keep their loop order.
// CHECK-LABEL: func.func @negative_row_sum(
// CHECK: scf.parallel
// CHECK: scf.for %{{.*}} = %{{.*}} to %c512
// CHECK-LABEL: func.func @negative_pooling_nchw(
// CHECK: scf.for %{{.*}} = %{{.*}} to %c2
// CHECK-NEXT: scf.for %{{.*}} = %{{.*}} to %c2
// CHECK-NOT: scf.for
// CHECK: arith.maximumf
func.func @negative_row_sum(%a: memref<256x512xf32>, %b: memref<256xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%a : memref<256x512xf32>) outs(%b : memref<256xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  }
  return
}
func.func @negative_pooling_nchw(%x: memref<4x64x28x28xf32>, %y: memref<4x64x14x14xf32>) {
  %window = memref.alloc() : memref<2x2xf32>
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %window : memref<4x64x28x28xf32>, memref<2x2xf32>) outs(%y : memref<4x64x14x14xf32>)
  return
}
