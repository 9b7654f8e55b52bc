// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-softmax-to-kernel=isa=avx2 | FileCheck %s
// RUN: not fulcrum-opt %s --split-input-file --fulcrum-cpu-softmax-to-kernel=isa=sse9 2>&1 | FileCheck %s --check-prefix=BAD

#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#row = affine_map<(d0, d1, d2) -> (d0, d1)>

// A softmax over the last dimension as the ONNX lowering decomposes it
// becomes one kernel call over 2*4 rows of 50 (rows and their strides from
// the memrefs); the statistics' buffers disappear.
// CHECK-LABEL: func.func @softmax(
// CHECK-SAME: %[[X:.*]]: memref<2x4x50xf32>, %[[Y:.*]]: memref<2x4x50xf32>)
// CHECK-NOT: memref.alloc
// CHECK-NOT: linalg.
// CHECK: %{{.*}}, %{{.*}}, %{{.*}}:3, %[[XS:.*]]:3 = memref.extract_strided_metadata %[[X]]
// CHECK: %[[LDX:.*]] = arith.index_cast %[[XS]]#1
// CHECK: call @fulcrum_softmax_f32_avx2(%{{.*}}, %{{.*}}, %{{.*}}, %[[LDX]], %{{.*}}, %{{.*}}) {fulcrum.writes = array<i64: 4>}
// CHECK-NOT: linalg.
// CHECK: return
// CHECK: func.func private @fulcrum_softmax_f32_avx2(i64, i64, i64, i64, i64, i64)
func.func @softmax(%x: memref<2x4x50xf32>, %y: memref<2x4x50xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %m = memref.alloc() : memref<2x4xf32>
  %s = memref.alloc() : memref<2x4xf32>
  linalg.fill ins(%ninf : f32) outs(%m : memref<2x4xf32>)
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x : memref<2x4x50xf32>) outs(%m : memref<2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %out : f32
    linalg.yield %0 : f32
  }
  linalg.fill ins(%zero : f32) outs(%s : memref<2x4xf32>)
  linalg.generic {indexing_maps = [#id, #row, #row], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %m : memref<2x4x50xf32>, memref<2x4xf32>) outs(%s : memref<2x4xf32>) {
  ^bb0(%in: f32, %mx: f32, %out: f32):
    %0 = arith.subf %in, %mx : f32
    %1 = math.exp %0 : f32
    %2 = arith.addf %1, %out : f32
    linalg.yield %2 : f32
  }
  linalg.generic {indexing_maps = [#id, #row, #row, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %m, %s : memref<2x4x50xf32>, memref<2x4xf32>, memref<2x4xf32>) outs(%y : memref<2x4x50xf32>) {
  ^bb0(%in: f32, %mx: f32, %sum: f32, %out: f32):
    %0 = arith.subf %in, %mx : f32
    %1 = math.exp %0 : f32
    %2 = arith.divf %1, %sum : f32
    linalg.yield %2 : f32
  }
  memref.dealloc %m : memref<2x4xf32>
  memref.dealloc %s : memref<2x4xf32>
  return
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// negative_: log-softmax's last step (x - m - log s), a maximum that is
// read again afterwards, and an output that is the input keep their loops.
// CHECK-LABEL: func.func @negative_log_softmax(
// CHECK-NOT: call @fulcrum_softmax
// CHECK-COUNT-3: linalg.generic
// CHECK-LABEL: func.func @negative_statistic_read_again(
// CHECK-NOT: call @fulcrum_softmax
// CHECK: linalg.copy
// CHECK-LABEL: func.func @negative_in_place(
// CHECK-NOT: call @fulcrum_softmax
func.func @negative_log_softmax(%x: memref<4x8xf32>, %y: memref<4x8xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %m = memref.alloc() : memref<4xf32>
  %s = memref.alloc() : memref<4xf32>
  linalg.fill ins(%ninf : f32) outs(%m : memref<4xf32>)
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%x : memref<4x8xf32>) outs(%m : memref<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %out : f32
    linalg.yield %0 : f32
  }
  linalg.fill ins(%zero : f32) outs(%s : memref<4xf32>)
  linalg.generic {indexing_maps = [#id, #row, #row], iterator_types = ["parallel", "reduction"]} ins(%x, %m : memref<4x8xf32>, memref<4xf32>) outs(%s : memref<4xf32>) {
  ^bb0(%in: f32, %mx: f32, %out: f32):
    %0 = arith.subf %in, %mx : f32
    %1 = math.exp %0 : f32
    %2 = arith.addf %1, %out : f32
    linalg.yield %2 : f32
  }
  linalg.generic {indexing_maps = [#id, #row, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %m, %s : memref<4x8xf32>, memref<4xf32>, memref<4xf32>) outs(%y : memref<4x8xf32>) {
  ^bb0(%in: f32, %mx: f32, %sum: f32, %out: f32):
    %0 = arith.subf %in, %mx : f32
    %1 = math.log %sum : f32
    %2 = arith.subf %0, %1 : f32
    linalg.yield %2 : f32
  }
  return
}
func.func @negative_statistic_read_again(%x: memref<4x8xf32>, %y: memref<4x8xf32>, %keep: memref<4xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %m = memref.alloc() : memref<4xf32>
  %s = memref.alloc() : memref<4xf32>
  linalg.fill ins(%ninf : f32) outs(%m : memref<4xf32>)
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%x : memref<4x8xf32>) outs(%m : memref<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %out : f32
    linalg.yield %0 : f32
  }
  linalg.fill ins(%zero : f32) outs(%s : memref<4xf32>)
  linalg.generic {indexing_maps = [#id, #row, #row], iterator_types = ["parallel", "reduction"]} ins(%x, %m : memref<4x8xf32>, memref<4xf32>) outs(%s : memref<4xf32>) {
  ^bb0(%in: f32, %mx: f32, %out: f32):
    %0 = arith.subf %in, %mx : f32
    %1 = math.exp %0 : f32
    %2 = arith.addf %1, %out : f32
    linalg.yield %2 : f32
  }
  linalg.generic {indexing_maps = [#id, #row, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %m, %s : memref<4x8xf32>, memref<4xf32>, memref<4xf32>) outs(%y : memref<4x8xf32>) {
  ^bb0(%in: f32, %mx: f32, %sum: f32, %out: f32):
    %0 = arith.subf %in, %mx : f32
    %1 = math.exp %0 : f32
    %2 = arith.divf %1, %sum : f32
    linalg.yield %2 : f32
  }
  linalg.copy ins(%m : memref<4xf32>) outs(%keep : memref<4xf32>)
  return
}
func.func @negative_in_place(%x: memref<4x8xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %m = memref.alloc() : memref<4xf32>
  %s = memref.alloc() : memref<4xf32>
  linalg.fill ins(%ninf : f32) outs(%m : memref<4xf32>)
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%x : memref<4x8xf32>) outs(%m : memref<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %out : f32
    linalg.yield %0 : f32
  }
  linalg.fill ins(%zero : f32) outs(%s : memref<4xf32>)
  linalg.generic {indexing_maps = [#id, #row, #row], iterator_types = ["parallel", "reduction"]} ins(%x, %m : memref<4x8xf32>, memref<4xf32>) outs(%s : memref<4xf32>) {
  ^bb0(%in: f32, %mx: f32, %out: f32):
    %0 = arith.subf %in, %mx : f32
    %1 = math.exp %0 : f32
    %2 = arith.addf %1, %out : f32
    linalg.yield %2 : f32
  }
  linalg.generic {indexing_maps = [#id, #row, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %m, %s : memref<4x8xf32>, memref<4xf32>, memref<4xf32>) outs(%x : memref<4x8xf32>) {
  ^bb0(%in: f32, %mx: f32, %sum: f32, %out: f32):
    %0 = arith.subf %in, %mx : f32
    %1 = math.exp %0 : f32
    %2 = arith.divf %1, %sum : f32
    linalg.yield %2 : f32
  }
  return
}

// -----

// negative_: a zero-dimensional op of the same shape of body is no row
// softmax.
// CHECK-LABEL: func.func @negative_scalar(
// CHECK-NOT: call @fulcrum_softmax
// CHECK: linalg.generic
func.func @negative_scalar(%x: memref<f32>, %m: memref<f32>, %s: memref<f32>, %y: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>, affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []} ins(%x, %m, %s : memref<f32>, memref<f32>, memref<f32>) outs(%y : memref<f32>) {
  ^bb0(%in: f32, %mx: f32, %sum: f32, %out: f32):
    %0 = arith.subf %in, %mx : f32
    %1 = math.exp %0 : f32
    %2 = arith.divf %1, %sum : f32
    linalg.yield %2 : f32
  }
  return
}

// -----

// BAD: error: unknown kernel ISA 'sse9' (avx512, avx2, generic)
func.func @f() {
  return
}
