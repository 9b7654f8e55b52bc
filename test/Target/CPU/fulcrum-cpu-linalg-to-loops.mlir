// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-linalg-to-loops | FileCheck %s
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-linalg-to-loops=min-parallel-work=8 | FileCheck %s --check-prefix=SMALL

// An op with enough points becomes an scf.parallel over its parallel loops,
// the reduction a sequential loop inside.
// CHECK-LABEL: func.func @large(
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0{{.*}}, %c0{{.*}}) to (%c256{{.*}}, %c256{{.*}}) step
// CHECK: scf.for
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

// negative_: small ops, dynamic sizes and an outer reduction stay
// sequential (the threshold option makes the small one parallel).
// CHECK-LABEL: func.func @negative_small(
// CHECK-NOT: scf.parallel
// CHECK: scf.for
// SMALL-LABEL: func.func @negative_small(
// SMALL: scf.parallel
// CHECK-LABEL: func.func @negative_dynamic(
// CHECK-NOT: scf.parallel
// CHECK-LABEL: func.func @negative_outer_reduction(
// CHECK-NOT: scf.parallel
func.func @negative_small(%a: memref<4x4xf32>, %b: memref<4x4xf32>) {
  linalg.copy ins(%a : memref<4x4xf32>) outs(%b : memref<4x4xf32>)
  return
}
func.func @negative_dynamic(%a: memref<?x?xf32>, %b: memref<?x?xf32>) {
  linalg.copy ins(%a : memref<?x?xf32>) outs(%b : memref<?x?xf32>)
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
