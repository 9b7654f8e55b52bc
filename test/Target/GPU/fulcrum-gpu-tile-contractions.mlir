// RUN: fulcrum-opt %s --pass-pipeline='builtin.module(func.func(fulcrum-gpu-tile-contractions))' --split-input-file | FileCheck %s
// RUN: fulcrum-opt %s --pass-pipeline='builtin.module(func.func(fulcrum-gpu-tile-contractions{tile-rows=32 tile-cols=32 tile-depth=8 thread-rows=2 thread-cols=2 workgroup-memory=alloc}))' --split-input-file | FileCheck %s --check-prefix=ALLOC
// RUN: fulcrum-opt %s --pass-pipeline='builtin.module(func.func(fulcrum-gpu-tile-contractions{min-workgroups=264}))' --split-input-file | FileCheck %s --check-prefix=FILL
// RUN: not fulcrum-opt %s --pass-pipeline='builtin.module(func.func(fulcrum-gpu-tile-contractions{tile-rows=30}))' --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD-DIVIDE
// RUN: not fulcrum-opt %s --pass-pipeline='builtin.module(func.func(fulcrum-gpu-tile-contractions{tile-rows=128 tile-cols=128 thread-rows=2 thread-cols=2}))' --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD-THREADS
// RUN: not fulcrum-opt %s --pass-pipeline='builtin.module(func.func(fulcrum-gpu-tile-contractions{workgroup-memory=private}))' --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD-MEMORY
// BAD-DIVIDE: error: fulcrum-gpu-tile-contractions: the tile sizes must be positive and tile-rows/tile-cols multiples of thread-rows/thread-cols
// BAD-THREADS: error: fulcrum-gpu-tile-contractions: a workgroup of 4096 threads must be at most 1024
// BAD-MEMORY: error: fulcrum-gpu-tile-contractions: workgroup-memory must be 'attribution' or 'alloc', not 'private'

// A matrix product whose sizes divide the tiles: 2 x 2 workgroups of 256
// threads, A staged with the depth fastest (a padded row: 16x65), B with
// the columns fastest, no guards, 16 sums per thread added to C.
// CHECK-LABEL: func.func @matmul
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c2, %{{.*}} = %c2{{.*}}, %{{.*}} = %c1{{.*}}) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c256,
// CHECK-SAME: workgroup(%[[AS:.*]] : memref<16x65xf32, #gpu.address_space<workgroup>>, %[[BS:.*]] : memref<16x64xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for {{.*}} iter_args(
// CHECK-NOT: scf.if
// CHECK: memref.load %{{.*}} : memref<128x64xf32>
// CHECK: memref.store %{{.*}}, %[[AS]]
// CHECK: memref.load %{{.*}} : memref<64x128xf32>
// CHECK: memref.store %{{.*}}, %[[BS]]
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK-COUNT-4: memref.load %[[AS]]
// CHECK-COUNT-4: memref.load %[[BS]]
// CHECK-COUNT-16: arith.mulf
// CHECK: gpu.barrier
// CHECK-COUNT-16: arith.addf %{{.*}}, %{{.*}} : f32
// CHECK-NOT: linalg.matmul
// CHECK: return
// ALLOC-LABEL: func.func @matmul
// ALLOC: gpu.launch
// ALLOC-NOT: workgroup(
// ALLOC: memref.alloc() : memref<8x33xf32, #gpu.address_space<workgroup>>
// ALLOC: memref.alloc() : memref<8x32xf32, #gpu.address_space<workgroup>>
// ALLOC-COUNT-4: arith.mulf
func.func @matmul(%a: memref<128x64xf32>, %b: memref<64x128xf32>, %c: memref<128x128xf32>) {
  linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x128xf32>) outs(%c : memref<128x128xf32>)
  return
}

// -----

// Sizes that do not divide the tiles: loads and stores are guarded (zero
// outside), and a batch goes to the grid's z (delinearized, here one
// dimension of 3).
// CHECK-LABEL: func.func @batch_matmul_ragged
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %c3)
// CHECK: scf.if %{{.*}} -> (f32)
// CHECK: memref.load %{{.*}} : memref<3x50x40xf32>
// CHECK: } else {
// CHECK: scf.yield %cst : f32
// CHECK: gpu.barrier
// CHECK: scf.if
// CHECK: memref.store %{{.*}} : memref<3x50x20xf32>
func.func @batch_matmul_ragged(%a: memref<3x50x40xf32>, %b: memref<3x40x20xf32>, %c: memref<3x50x20xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<3x50x40xf32>, memref<3x40x20xf32>) outs(%c : memref<3x50x20xf32>)
  return
}

// -----

// A convolution (NCHW, stride 2) is an implicit GEMM: rows are the output
// pixels (n, oh, ow), columns the filters, depth (c, kh, kw); the input's
// window is read through its map (oh * 2 + kh) and C's fastest index is
// a row, so consecutive threads take consecutive pixels.
// CHECK-LABEL: func.func @conv
// CHECK: gpu.launch
// CHECK: affine.apply #{{.*}}(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK: memref.load %{{.*}} : memref<1x8x33x33xf32>
// CHECK: memref.load %{{.*}} : memref<32x8x3x3xf32>
// CHECK: memref.store %{{.*}} : memref<1x32x16x16xf32>
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @conv(%x: memref<1x8x33x33xf32>, %w: memref<32x8x3x3xf32>, %y: memref<1x32x16x16xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%x, %w : memref<1x8x33x33xf32>, memref<32x8x3x3xf32>) outs(%y : memref<1x32x16x16xf32>)
  return
}

// -----

// A dynamic batch: the rows (n, oh, ow) number 256 per image, counted on the
// host from the input's first dimension; the grid's x is rounded up from
// it, and loads of A and stores of C are guarded by it (the tiles of the
// last image may pass the end).
// CHECK-LABEL: func.func @conv_dynamic_batch
// CHECK: %[[N:.*]] = memref.dim %{{.*}}, %{{.*}} : memref<?x8x33x33xf32>
// CHECK: %[[C256:.*]] = arith.constant 256 : index
// CHECK: %[[ROWS:.*]] = arith.muli %[[C256]], %[[N]] : index
// CHECK: %[[UP:.*]] = arith.addi %[[ROWS]], %{{.*}} : index
// CHECK: %[[GX:.*]] = arith.divui %[[UP]], %{{.*}} : index
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %[[GX]],
// CHECK: arith.cmpi ult, %{{.*}}, %[[ROWS]] : index
// CHECK: memref.load %{{.*}} : memref<?x8x33x33xf32>
// CHECK: arith.cmpi ult, %{{.*}}, %[[ROWS]] : index
// CHECK: memref.store %{{.*}} : memref<?x32x16x16xf32>
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @conv_dynamic_batch(%x: memref<?x8x33x33xf32>, %w: memref<32x8x3x3xf32>, %y: memref<?x32x16x16xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%x, %w : memref<?x8x33x33xf32>, memref<32x8x3x3xf32>) outs(%y : memref<?x32x16x16xf32>)
  return
}

// -----

// A dynamic batch of rows never splits the reduction (its workspace would
// be sized at run time): with min-workgroups the tiles shrink as for one
// row per unit of the batch, and one kernel computes each output whole.
// FILL-LABEL: func.func @matmul_dynamic_rows
// FILL-NOT: memref.alloc
// FILL: gpu.launch
// FILL-SAME: workgroup(%{{.*}} : memref<16x17xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<16x16xf32, #gpu.address_space<workgroup>>)
// FILL-NOT: gpu.launch
// FILL: return
func.func @matmul_dynamic_rows(%a: memref<?x1024xf32>, %b: memref<1024x64xf32>, %c: memref<?x64xf32>) {
  linalg.matmul ins(%a, %b : memref<?x1024xf32>, memref<1024x64xf32>) outs(%c : memref<?x64xf32>)
  return
}

// -----

// negative_dynamic_depth: a dynamic reduction (the depth) is left to
// fulcrum-gpu-map-parallel-loops.
// CHECK-LABEL: func.func @negative_dynamic_depth
// CHECK-NOT: gpu.launch
// CHECK: linalg.matmul_transpose_a
func.func @negative_dynamic_depth(%a: memref<?x64xf32>, %b: memref<?x64xf32>, %c: memref<64x64xf32>) {
  linalg.matmul_transpose_a ins(%a, %b : memref<?x64xf32>, memref<?x64xf32>) outs(%c : memref<64x64xf32>)
  return
}

// -----

// A view of a static buffer is read through (loads are folded later).
// CHECK-LABEL: func.func @through_view
// CHECK: gpu.launch
// CHECK-NOT: linalg.matmul
func.func @through_view(%a: memref<2x64x64xf32>, %b: memref<64x64xf32>, %c: memref<64x64xf32>) {
  %v = memref.subview %a[1, 0, 0] [1, 64, 64] [1, 1, 1] : memref<2x64x64xf32> to memref<64x64xf32, strided<[64, 1], offset: 4096>>
  linalg.matmul ins(%v, %b : memref<64x64xf32, strided<[64, 1], offset: 4096>>, memref<64x64xf32>) outs(%c : memref<64x64xf32>)
  return
}

// -----

// With min-workgroups=264, a 64x64 product over 1024 gets 16x16 tiles of
// one output per thread (16 workgroups), then its reduction is split in
// 16 parts of 64 (grid z): the parts go to a workspace of 16 x 4096 (C's
// fastest order), and a second kernel of one thread per output adds them
// to C in part order before the workspace is freed.
// FILL-LABEL: func.func @split_k
// FILL: %[[WS:.*]] = memref.alloc() : memref<16x4096xf32>
// FILL: gpu.launch blocks({{.*}}) in (%{{.*}} = %c4, %{{.*}} = %c4{{.*}}, %{{.*}} = %c16{{.*}}) threads({{.*}}) in (%{{.*}} = %c256
// FILL-SAME: workgroup(%{{.*}} : memref<16x17xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<16x16xf32, #gpu.address_space<workgroup>>)
// FILL: arith.minui
// FILL: scf.for
// FILL: memref.store %{{.*}}, %[[WS]][%{{.*}}, %{{.*}}] : memref<16x4096xf32>
// FILL: gpu.terminator
// FILL: gpu.launch blocks({{.*}}) in (%{{.*}} = %c16{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) threads({{.*}}) in (%{{.*}} = %c256
// FILL: scf.for %[[S:.*]] = %{{.*}} to %c16{{.*}} step
// FILL: memref.load %[[WS]][%[[S]], %{{.*}}] : memref<16x4096xf32>
// FILL: memref.store %{{.*}} : memref<64x64xf32>
// FILL: gpu.terminator
// FILL: memref.dealloc %[[WS]] : memref<16x4096xf32>
// FILL-LABEL: func.func @negative_split_batched
// FILL-NOT: memref.alloc
// FILL: gpu.launch
// FILL-NOT: gpu.launch
// FILL: return
func.func @split_k(%a: memref<64x1024xf32>, %b: memref<1024x64xf32>, %c: memref<64x64xf32>) {
  linalg.matmul ins(%a, %b : memref<64x1024xf32>, memref<1024x64xf32>) outs(%c : memref<64x64xf32>)
  return
}
// A batched product is not split (its batches are grid z).
func.func @negative_split_batched(%a: memref<2x64x1024xf32>, %b: memref<2x1024x64xf32>, %c: memref<2x64x64xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<2x64x1024xf32>, memref<2x1024x64xf32>) outs(%c : memref<2x64x64xf32>)
  return
}

// -----

// A matrix-vector product (one row) is left to the element-wise mapping.
// CHECK-LABEL: func.func @negative_matvec
// CHECK-NOT: gpu.launch
// CHECK: linalg.matmul
func.func @negative_matvec(%a: memref<1x256xf32>, %b: memref<256x64xf32>, %c: memref<1x64xf32>) {
  linalg.matmul ins(%a, %b : memref<1x256xf32>, memref<256x64xf32>) outs(%c : memref<1x64xf32>)
  return
}

// -----

// A depthwise convolution has no columns (each channel reads its own
// filter): left alone.
// CHECK-LABEL: func.func @negative_depthwise
// CHECK-NOT: gpu.launch
// CHECK: linalg.depthwise_conv_2d_nchw_chw
func.func @negative_depthwise(%x: memref<1x32x18x18xf32>, %w: memref<32x3x3xf32>, %y: memref<1x32x16x16xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x32x18x18xf32>, memref<32x3x3xf32>) outs(%y : memref<1x32x16x16xf32>)
  return
}

// -----

// Integer contractions, dynamic shapes other than a first dimension, and
// other payloads, are left alone.
// CHECK-LABEL: func.func @negative_kinds
// CHECK-NOT: gpu.launch
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<64x64xi32>
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<64x?xf32>
// CHECK: linalg.generic
func.func @negative_kinds(%ai: memref<64x64xi32>, %ci: memref<64x64xi32>,
                          %bd: memref<64x?xf32>, %a: memref<64x64xf32>, %cd: memref<64x?xf32>,
                          %b: memref<64x64xf32>, %c: memref<64x64xf32>) {
  linalg.matmul ins(%ai, %ai : memref<64x64xi32>, memref<64x64xi32>) outs(%ci : memref<64x64xi32>)
  linalg.matmul ins(%a, %bd : memref<64x64xf32>, memref<64x?xf32>) outs(%cd : memref<64x?xf32>)
  // max(out, a * b): not a multiply-add.
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<64x64xf32>, memref<64x64xf32>) outs(%c : memref<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %m = arith.maximumf %o, %p : f32
    linalg.yield %m : f32
  }
  return
}
