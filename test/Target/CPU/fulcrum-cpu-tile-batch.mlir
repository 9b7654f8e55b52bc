// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-tile-batch="entry-point=main cache-bytes=65536" | FileCheck %s
// Each negative case is the entry point of a run of its own; none is tiled.
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-tile-batch="entry-point=negative_static_batch" | FileCheck %s --check-prefix=NEG
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-tile-batch="entry-point=negative_sum_over_batch" | FileCheck %s --check-prefix=NEG
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-tile-batch="entry-point=negative_batch_index" | FileCheck %s --check-prefix=NEG
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-tile-batch="entry-point=negative_batch_size_as_data" | FileCheck %s --check-prefix=NEG
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-tile-batch="entry-point=negative_reshape_splits_images" | FileCheck %s --check-prefix=NEG
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-tile-batch="entry-point=negative_pad_batch" | FileCheck %s --check-prefix=NEG
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-tile-batch="entry-point=negative_unrelated_batches" | FileCheck %s --check-prefix=NEG
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-tile-batch="entry-point=negative_result_without_batch" | FileCheck %s --check-prefix=NEG
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-tile-batch="entry-point=negative_control_flow" | FileCheck %s --check-prefix=NEG
// NEG-NOT: fulcrum.batch_tile
// NEG-NOT: tile_slots

// An element-wise op over a dynamic batch: each image's 1024 floats in and
// out make 8192 bytes per image, half of the 64 KiB cache holds 4 images.
// The body moves to @main_tile (two more arguments: the call's workspace
// slot and rows per slot); @main asks @main_tile_slots how the batch runs
// with the threads OpenMP will use, then shares it between the threads
// (scf.forall, one iteration per slot), calls the tile once on the whole
// batch, or runs it chunk by chunk. Each chunk of the input is a buffer of
// its own (identity layout).
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[X:.*]]: tensor<?x1024xf32>) -> tensor<?x1024xf32>
// CHECK-SAME: fulcrum.tile_reserve = @main_tile_reserve
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x1024xf32>
// CHECK: %[[PLAN:.*]]:2 = call @main_tile_slots(%[[N]])
// CHECK: %[[PAR:.*]] = arith.cmpi ugt, %[[PLAN]]#0, %{{.*}}
// CHECK: scf.if %[[PAR]]
// CHECK: scf.forall (%[[SLOT:.*]]) in (%[[PLAN]]#0) shared_outs
// CHECK: scf.for
// CHECK: %[[SLICE:.*]] = tensor.extract_slice %[[X]]
// CHECK: %[[OWN:.*]] = bufferization.alloc_tensor() copy(%[[SLICE]])
// CHECK: func.call @main_tile(%[[OWN]], %[[SLOT]], %[[PLAN]]#1)
// CHECK: tensor.insert_slice
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice
// CHECK: } else {
// CHECK: %[[FITS:.*]] = arith.cmpi ule, %[[N]], %[[PLAN]]#1
// CHECK: scf.if %[[FITS]]
// CHECK: func.call @main_tile(%[[X]], %{{.*}}, %[[PLAN]]#1)
// CHECK: } else {
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[N]] step %[[PLAN]]#1
// CHECK: func.call @main_tile(
// CHECK-LABEL: func.func private @main_tile(
// CHECK-SAME: %{{.*}}: tensor<?x1024xf32>, %{{.*}}: index, %{{.*}}: index)
// CHECK-SAME: fulcrum.batch_tile
// CHECK: linalg.generic
// CHECK-LABEL: func.func private @omp_get_max_threads() -> i32
// CHECK-LABEL: func.func private @main_tile_slots(
// CHECK: arith.constant 4 : index
// CHECK-LABEL: func.func private @main_tile_reserve(
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @main(%x: tensor<?x1024xf32>) -> tensor<?x1024xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x1024xf32>
  %e = tensor.empty(%n) : tensor<?x1024xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x1024xf32>) outs(%e : tensor<?x1024xf32>) {
  ^bb0(%a: f32, %b: f32):
    %m = arith.maximumf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<?x1024xf32>
  return %r : tensor<?x1024xf32>
}

// -----

// Images of 8 rows flattened into the rows of a product with a weight, and
// back: whole images stay together (8 rows per image), the weight is
// batch-free. The product is bound by compute (2 * 64 flops per output
// element against 8 bytes) and does not size the chunks; the fill that
// zeroes its 2 KiB per image does: 16 images.
// CHECK-LABEL: func.func @main(
// CHECK: call @main_tile_slots
// CHECK-LABEL: func.func private @main_tile(
// CHECK: tensor.collapse_shape
// CHECK: linalg.matmul
// CHECK: tensor.expand_shape
// CHECK-LABEL: func.func private @main_tile_slots(
// CHECK: arith.constant 16 : index
func.func @main(%x: tensor<?x8x64xf32>) -> tensor<?x8x64xf32> {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %w = arith.constant dense<1.0> : tensor<64x64xf32>
  %zero = arith.constant 0.0 : f32
  %flat = tensor.collapse_shape %x [[0, 1], [2]] : tensor<?x8x64xf32> into tensor<?x64xf32>
  %rows = tensor.dim %flat, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%rows) : tensor<?x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x64xf32>) -> tensor<?x64xf32>
  %p = linalg.matmul ins(%flat, %w : tensor<?x64xf32>, tensor<64x64xf32>) outs(%f : tensor<?x64xf32>) -> tensor<?x64xf32>
  %n = arith.divui %rows, %c8 : index
  %y = tensor.expand_shape %p [[0, 1], [2]] output_shape [%n, 8, 64] : tensor<?x64xf32> into tensor<?x8x64xf32>
  return %y : tensor<?x8x64xf32>
}

// -----

// A static batch has nothing to tile.
func.func @negative_static_batch(%x: tensor<8x4xf32>) -> tensor<8x4xf32> {
  return %x : tensor<8x4xf32>
}

// -----

// A sum over the batch mixes the images.
#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d1)>
func.func @negative_sum_over_batch(%x: tensor<?x4xf32>) -> tensor<4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %r = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["reduction", "parallel"]}
      ins(%x : tensor<?x4xf32>) outs(%f : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// An op that reads the index of the batch loop sees where its image lies.
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @negative_batch_index(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%a: f32, %b: f32):
    %i = linalg.index 0 : index
    %ii = arith.index_cast %i : index to i32
    %fi = arith.sitofp %ii : i32 to f32
    %s = arith.addf %a, %fi : f32
    linalg.yield %s : f32
  } -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// The batch size used as data (dividing by it) differs between chunks.
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @negative_batch_size_as_data(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %ni = arith.index_cast %n : index to i32
  %nf = arith.sitofp %ni : i32 to f32
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.divf %a, %nf : f32
    linalg.yield %s : f32
  } -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// A reshape of 6 floats per image into rows of 4 splits images across rows.
func.func @negative_reshape_splits_images(%x: tensor<?x6xf32>, %shape: tensor<2xindex>) -> tensor<?x4xf32> {
  %r = tensor.reshape %x(%shape) : (tensor<?x6xf32>, tensor<2xindex>) -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// Padding the batch dimension adds images.
func.func @negative_pad_batch(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[1, 0] high[0, 0] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<?x4xf32> to tensor<?x4xf32>
  return %p : tensor<?x4xf32>
}

// -----

// Two inputs with dynamic batches that never meet may differ in size.
func.func @negative_unrelated_batches(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  return %x, %y : tensor<?x4xf32>, tensor<?x4xf32>
}

// -----

// A result without the batch cannot be put together from chunks.
func.func @negative_result_without_batch(%x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<4xf32>) {
  %c = arith.constant dense<1.0> : tensor<4xf32>
  return %x, %c : tensor<?x4xf32>, tensor<4xf32>
}

// -----

// Control flow on the batch is not followed.
func.func @negative_control_flow(%x: tensor<?x4xf32>, %c: i1) -> tensor<?x4xf32> {
  %r = scf.if %c -> tensor<?x4xf32> {
    scf.yield %x : tensor<?x4xf32>
  } else {
    scf.yield %x : tensor<?x4xf32>
  }
  return %r : tensor<?x4xf32>
}
