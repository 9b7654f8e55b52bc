// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-linalg-to-loops | FileCheck %s
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-linalg-to-loops=min-parallel-work=8 | FileCheck %s --check-prefix=SMALL

// An op with enough points becomes an scf.parallel over its parallel loops,
// the reduction a sequential loop inside.
// CHECK-LABEL: func.func @large(
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0{{.*}}, %c0{{.*}}) to (%c256{{.*}}, %c256{{.*}}) step
// CHECK: memref.subview %{{.*}} [1, 1, 32]
// CHECK: scf.for %{{.*}} = %{{.*}} to %c32
// CHECK-NOT: linalg.generic
func.func @large(%a: memref<256x256x32xf32>, %b: memref<256x256xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a : memref<256x256x32xf32>) outs(%b : memref<256x256xf32>) {
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

// A channels-last pooling window of 2x2 points is unrolled into the
// payload: one parallel op reads each point through its own subview (the
// constant part of the point's offset), applies the max in the loops'
// order (the output first, then (0,0), (0,1), (1,0), (1,1)), and the
// channel loop, innermost, carries nothing through memory.
// CHECK-LABEL: func.func @pooling_channels_innermost(
// CHECK-DAG: %[[P01:.*]] = memref.subview %[[X:.*]][0, 0, 1, 0] [4, 28, 27, 64] [1, 1, 1, 1]
// CHECK-DAG: %[[P10:.*]] = memref.subview %[[X]][0, 1, 0, 0] [4, 27, 28, 64] [1, 1, 1, 1]
// CHECK-DAG: %[[P11:.*]] = memref.subview %[[X]][0, 1, 1, 0] [4, 27, 27, 64] [1, 1, 1, 1]
// CHECK: scf.parallel (%[[N:.*]], %[[H:.*]], %[[W:.*]]) =
// CHECK-NOT: scf.for {{.*}} to %c2
// CHECK: scf.for %[[C:.*]] = %{{.*}} to %c64
// CHECK: %[[A:.*]] = memref.load
// CHECK: %[[B:.*]] = memref.load
// CHECK: %[[C2:.*]] = memref.load
// CHECK: %[[D:.*]] = memref.load
// CHECK: %[[OUT:.*]] = memref.load
// CHECK: %[[M0:.*]] = arith.maximumf %[[OUT]], %[[A]]
// CHECK: %[[M1:.*]] = arith.maximumf %[[M0]], %[[B]]
// CHECK: %[[M2:.*]] = arith.maximumf %[[M1]], %[[C2]]
// CHECK: %[[M3:.*]] = arith.maximumf %[[M2]], %[[D]]
// CHECK: memref.store %[[M3]]
// CHECK-NOT: arith.maximumf
func.func @pooling_channels_innermost(%x: memref<4x28x28x64xf32>, %y: memref<4x14x14x64xf32>) {
  %window = memref.alloc() : memref<2x2xf32>
  linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %window : memref<4x28x28x64xf32>, memref<2x2xf32>) outs(%y : memref<4x14x14x64xf32>)
  return
}

// -----

// negative_: a reduction over the unit-stride dimension (a row sum: 512
// points) keeps its loop order and its reduction loop. A channels-first
// pooling window is unrolled too (its innermost loop, the output's width,
// reads the input at stride 2).
// CHECK-LABEL: func.func @negative_row_sum(
// CHECK: scf.parallel
// CHECK: scf.for %{{.*}} = %{{.*}} to %c512
// CHECK-LABEL: func.func @pooling_nchw(
// CHECK-NOT: scf.for {{.*}} to %c2
// CHECK: scf.for %{{.*}} = %{{.*}} to %c14
// CHECK-COUNT-4: arith.maximumf
// CHECK-NOT: arith.maximumf
func.func @negative_row_sum(%a: memref<256x512xf32>, %b: memref<256xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%a : memref<256x512xf32>) outs(%b : memref<256xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  }
  return
}
func.func @pooling_nchw(%x: memref<4x64x28x28xf32>, %y: memref<4x64x14x14xf32>) {
  %window = memref.alloc() : memref<2x2xf32>
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %window : memref<4x64x28x28xf32>, memref<2x2xf32>) outs(%y : memref<4x64x14x14xf32>)
  return
}

// -----

// negative_: windows that stay loops: more than 16 points (5x5), a window
// whose size is known only at run time, and a payload that reads the loop
// indices.
// CHECK-LABEL: func.func @negative_window_25(
// CHECK: scf.for %{{.*}} = %{{.*}} to %c5
// CHECK: scf.for %{{.*}} = %{{.*}} to %c5
// CHECK-LABEL: func.func @negative_dynamic_window(
// CHECK: memref.dim
// CHECK-COUNT-1: arith.maxsi
// CHECK-LABEL: func.func @negative_index(
// CHECK: scf.for %{{.*}} = %{{.*}} to %c2
// CHECK-COUNT-1: arith.addi
func.func @negative_window_25(%x: memref<1x20x20x16xf32>, %y: memref<1x16x16x16xf32>) {
  %window = memref.alloc() : memref<5x5xf32>
  linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %window : memref<1x20x20x16xf32>, memref<5x5xf32>) outs(%y : memref<1x16x16x16xf32>)
  return
}
func.func @negative_dynamic_window(%x: memref<1x28x28x32xi8>, %w: memref<?x?xi8>, %y: memref<1x14x14x32xi8>) {
  linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %w : memref<1x28x28x32xi8>, memref<?x?xi8>) outs(%y : memref<1x14x14x32xi8>)
  return
}
func.func @negative_index(%a: memref<64x2xi32>, %b: memref<64xi32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%a : memref<64x2xi32>) outs(%b : memref<64xi32>) {
  ^bb0(%x: i32, %acc: i32):
    %i = linalg.index 1 : index
    %j = arith.index_cast %i : index to i32
    %s = arith.addi %x, %j : i32
    %t = arith.addi %s, %acc : i32
    linalg.yield %t : i32
  }
  return
}

// -----

// Unrolled windows keep the order of a floating-point sum: a global average
// pool's 4x4 map is summed from the output's value, point (0,0) first.
// CHECK-LABEL: func.func @global_sum_in_order(
// CHECK: scf.for %{{.*}} = %{{.*}} to %c128
// CHECK: %[[OUT:.*]] = memref.load %{{.*}} : memref<1x128xf32>
// CHECK: %[[S0:.*]] = arith.addf %{{.*}}, %[[OUT]]
// CHECK-COUNT-15: arith.addf
// CHECK-NOT: arith.addf
func.func @global_sum_in_order(%x: memref<1x128x4x4xf32>, %y: memref<1x128xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%x : memref<1x128x4x4xf32>) outs(%y : memref<1x128xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A stride-1 window (a depthwise convolution over a padded input): point
// (0, 0) reads the input through the loops alone, so its subview is cut to
// the output's size, which the loops then take (12 x 11, not 14 x 13).
// CHECK-LABEL: func.func @stride_one_window(
// CHECK: memref.subview %[[X:.*]][0, 0, 0, 0] [1, 32, 12, 11] [1, 1, 1, 1]
// CHECK: memref.subview %[[X]][0, 0, 2, 2] [1, 32, 12, 11] [1, 1, 1, 1]
// CHECK: scf.for %{{.*}} = %{{.*}} to %c12
// CHECK: scf.for %{{.*}} = %{{.*}} to %c11
// CHECK-COUNT-9: arith.muli
// CHECK-NOT: arith.muli
func.func @stride_one_window(%x: memref<1x32x14x13xi8>, %w: memref<32x1x3x3xi8>, %y: memref<1x32x12x11xi32>) {
  linalg.generic {indexing_maps = [affine_map<(n, c, h, w, kh, kw) -> (n, c, h + kh, w + kw)>, affine_map<(n, c, h, w, kh, kw) -> (c, 0, kh, kw)>, affine_map<(n, c, h, w, kh, kw) -> (n, c, h, w)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %w : memref<1x32x14x13xi8>, memref<32x1x3x3xi8>) outs(%y : memref<1x32x12x11xi32>) {
  ^bb0(%a: i8, %b: i8, %acc: i32):
    %0 = arith.extui %a : i8 to i32
    %1 = arith.extsi %b : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  }
  return
}
