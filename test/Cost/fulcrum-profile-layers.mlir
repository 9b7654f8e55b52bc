// RUN: fulcrum-opt %s --split-input-file --fulcrum-profile-layers | FileCheck %s

// Each run of ops tagged with one layer is wrapped in timer calls; the
// allocation between them joins the open region.
// CHECK: func.func private @fulcrum_profile_end(i64)
// CHECK: func.func private @fulcrum_profile_begin(i64)
// CHECK-LABEL: func.func @main_graph(
// CHECK: %[[C0:.*]] = arith.constant 0 : i64
// CHECK-NEXT: call @fulcrum_profile_begin(%[[C0]])
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: memref.alloc
// CHECK-NEXT: linalg.matmul
// CHECK: call @fulcrum_profile_end(%{{.*}})
// CHECK: call @fulcrum_profile_begin(%{{.*}})
// CHECK-NEXT: linalg.generic
// CHECK: call @fulcrum_profile_end(%{{.*}})
// CHECK-NEXT: return
// CHECK: // -----
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @main_graph(%a: memref<8x8xf32>, %b: memref<8x8xf32>, %c: memref<8x8xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<8x8xf32>) loc("fulcrum.layer.0"("mm"))
  %t = memref.alloc() : memref<8x8xf32> loc("fulcrum.layer.1"("exp"))
  linalg.matmul ins(%a, %b : memref<8x8xf32>, memref<8x8xf32>) outs(%c : memref<8x8xf32>) loc("fulcrum.layer.0"("mm"))
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%c : memref<8x8xf32>) outs(%t : memref<8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  } loc("fulcrum.layer.1"("exp"))
  memref.dealloc %t : memref<8x8xf32> loc("fulcrum.layer.1"("exp"))
  return
}

// -----

// negative_: a module without layer tags is left alone.
// CHECK-NOT: fulcrum_profile
// CHECK: // -----
func.func @main_graph(%a: memref<8xf32>, %c: memref<8xf32>) {
  memref.copy %a, %c : memref<8xf32> to memref<8xf32>
  return
}

// -----

// negative_: only the entry function is instrumented, and a layer whose
// computation a kernel took in (only its allocation is left) opens no
// region.
// CHECK: func.func @helper(
// CHECK-NOT: fulcrum_profile
// CHECK: func.func @main_graph(
// CHECK-NEXT: memref.alloc
// CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : i64
// CHECK-NEXT: call @fulcrum_profile_begin(%[[C1]])
// CHECK-NEXT: memref.copy
func.func @helper(%a: memref<8xf32>, %c: memref<8xf32>) {
  memref.copy %a, %c : memref<8xf32> to memref<8xf32> loc("fulcrum.layer.0"("x"))
  return
}
func.func @main_graph(%a: memref<8xf32>, %c: memref<8xf32>) {
  %t = memref.alloc() : memref<8xf32> loc("fulcrum.layer.0"("absorbed"))
  memref.copy %a, %c : memref<8xf32> to memref<8xf32> loc("fulcrum.layer.1"("copy"))
  memref.dealloc %t : memref<8xf32> loc("fulcrum.layer.0"("absorbed"))
  return
}
