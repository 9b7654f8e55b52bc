// RUN: fulcrum-opt %s --pass-pipeline='builtin.module(func.func(fulcrum-gpu-subgroup-reductions))' --split-input-file | FileCheck %s
// RUN: fulcrum-opt %s --pass-pipeline='builtin.module(func.func(fulcrum-gpu-subgroup-reductions{subgroup-size=8 subgroups-per-workgroup=2 min-reduction=4}))' --split-input-file | FileCheck %s --check-prefix=SMALL
// RUN: not fulcrum-opt %s --pass-pipeline='builtin.module(func.func(fulcrum-gpu-subgroup-reductions{subgroup-size=24}))' --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: fulcrum-gpu-subgroup-reductions: subgroup-size must be a power of two
// RUN: fulcrum-opt %s --pass-pipeline='builtin.module(func.func(fulcrum-gpu-subgroup-reductions{mode=subgroup-reduce}))' --split-input-file | FileCheck %s --check-prefix=WG
// RUN: not fulcrum-opt %s --pass-pipeline='builtin.module(func.func(fulcrum-gpu-subgroup-reductions{mode=warp}))' --split-input-file 2>&1 | FileCheck %s --check-prefix=BADMODE
// BADMODE: error: fulcrum-gpu-subgroup-reductions: mode must be 'shuffle' or 'subgroup-reduce', not 'warp'
// RUN: not fulcrum-opt %s --pass-pipeline='builtin.module(func.func(fulcrum-gpu-subgroup-reductions{mode=subgroup-reduce workgroup-size=2048}))' --split-input-file 2>&1 | FileCheck %s --check-prefix=BADWG
// BADWG: error: fulcrum-gpu-subgroup-reductions: workgroup-size must be 1 to 1024 threads

// mode=subgroup-reduce (vulkan): one workgroup of 64 threads per row (128
// workgroups); each thread walks the row with a stride of 64 (4 steps,
// the same for all: no guard), each
// subgroup combines with gpu.subgroup_reduce, lane 0 of each stores its
// result in workgroup memory, and after a barrier thread 0 folds the
// subgroups' results into the output; a second barrier ends the row.
// WG-LABEL: func.func @sum_exp
// WG-DAG: %[[C64:.*]] = arith.constant 64 : index
// WG-DAG: %[[C128:.*]] = arith.constant 128 : index
// WG: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C128]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C64]],
// WG: %[[SHARED:.*]] = memref.alloc() : memref<64xf32, #gpu.address_space<workgroup>>
// WG: %[[LANE:.*]] = gpu.lane_id
// WG: %[[SG:.*]] = gpu.subgroup_id : index
// WG: %[[NSG:.*]] = gpu.num_subgroups : index
// WG: scf.for %[[ROW:.*]] = %[[BX]] to %{{.*}} step %{{.*}} {
// WG: scf.for %[[I:.*]] = %c0{{.*}} to %c4{{.*}} step %c1{{.*}} iter_args
// WG: %[[K:.*]] = arith.muli %[[I]], %{{.*}} : index
// WG: arith.addi %[[TX]], %[[K]] : index
// WG-NOT: arith.select
// WG: math.exp
// WG: %[[PART:.*]] = gpu.subgroup_reduce  add %{{.*}} : (f32) -> f32
// WG: scf.if
// WG: memref.store %[[PART]], %[[SHARED]][%[[SG]]]
// WG: gpu.barrier
// WG: scf.if
// WG: scf.for %{{.*}} = %{{.*}} to %[[NSG]]
// WG: memref.load %[[SHARED]]
// WG: memref.store %{{.*}} : memref<128xf32>
// WG: gpu.barrier
// WG: memref.dealloc %[[SHARED]]
// WG-NOT: gpu.shuffle

// A sum of exponentials over rows of 256: 128 rows in 32 workgroups of 4
// warps; each lane walks the row with a stride of 32, the warp combines
// with 5 xor shuffles, lane 0 adds the total to the output.
// CHECK-LABEL: func.func @sum_exp
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C32]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C128]],
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NOT: scf.if
// CHECK: scf.for %{{.*}} = %[[LANE:.*]] to %{{.*}} step %{{.*}} iter_args(%[[P:.*]] = %[[ZERO]]) -> (f32)
// CHECK: memref.load %{{.*}} : memref<128x256xf32>
// CHECK: math.exp
// CHECK: arith.addf %[[P]]
// CHECK: gpu.shuffle  xor %{{.*}}, %c16_i32{{.*}}, %c32_i32{{.*}} : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c8_i32{{.*}}, %c32_i32{{.*}} : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c4_i32{{.*}}, %c32_i32{{.*}} : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c2_i32{{.*}}, %c32_i32{{.*}} : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32{{.*}}, %c32_i32{{.*}} : f32
// CHECK: scf.if
// CHECK: memref.load %{{.*}} : memref<128xf32>
// CHECK: arith.addf
// CHECK: memref.store %{{.*}} : memref<128xf32>
// CHECK-NOT: linalg.generic
// SMALL-LABEL: func.func @sum_exp
// SMALL: gpu.shuffle  xor %{{.*}}, %c4_i32{{.*}}, %c8_i32{{.*}} : f32
// SMALL: gpu.shuffle  xor %{{.*}}, %c2_i32{{.*}}, %c8_i32{{.*}} : f32
// SMALL: gpu.shuffle  xor %{{.*}}, %c1_i32{{.*}}, %c8_i32{{.*}} : f32
// SMALL-NEXT: arith.addf
// SMALL-NEXT: arith.constant 0 : index
#map_in = affine_map<(i, k) -> (i, k)>
#map_out = affine_map<(i, k) -> (i)>
func.func @sum_exp(%x: memref<128x256xf32>, %sum: memref<128xf32>) {
  linalg.generic {indexing_maps = [#map_in, #map_out], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<128x256xf32>) outs(%sum : memref<128xf32>) {
  ^bb0(%in: f32, %out: f32):
    %e = math.exp %in : f32
    %s = arith.addf %out, %e : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A max over two reduction dimensions (a global pool over 7x7), 10
// outputs: the identity is -inf, the reduction index is split into (h, w),
// and rows past the 10th are guarded.
// mode=subgroup-reduce: 49 elements on 64 threads. Every thread runs the
// same single iteration (a loop whose trip count differs between lanes
// leaves the subgroup operation after it in non-uniform control flow,
// where a driver may run it on part of the subgroup): threads past the
// 49th read the last element and fold -inf instead, by selects.
// WG-LABEL: func.func @max_pool
// WG: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// WG: scf.for %{{.*}} = %c0{{.*}} to %c1{{.*}} step %c1{{.*}} iter_args(%{{.*}} = %[[NINF]])
// WG-NOT: scf.if
// WG: %[[IN:.*]] = arith.cmpi ule, %{{.*}}, %c48
// WG: arith.select %[[IN]], %{{.*}}, %c48
// WG: %[[X:.*]] = memref.load %{{.*}} : memref<10x7x7xf32>
// WG: arith.select %[[IN]], %[[X]], %[[NINF]] : f32
// WG: arith.maximumf
// WG: gpu.subgroup_reduce  maxnumf
// CHECK-LABEL: func.func @max_pool
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: scf.if
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[NINF]])
// CHECK: arith.remui
// CHECK: memref.load %{{.*}} : memref<10x7x7xf32>
// CHECK: arith.maximumf
// CHECK: gpu.shuffle
func.func @max_pool(%x: memref<10x7x7xf32>, %m: memref<10xf32>) {
  linalg.generic {indexing_maps = [affine_map<(c, h, w) -> (c, h, w)>, affine_map<(c, h, w) -> (c)>],
                  iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%x : memref<10x7x7xf32>) outs(%m : memref<10xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.maximumf %out, %in : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A matrix-vector product: one warp per output, each lane multiplies and
// adds its share of the row. negative_ for mode=subgroup-reduce: two
// inputs (a product), left to the other mappings.
// WG-LABEL: func.func @matvec
// WG-NOT: gpu.launch
// WG: linalg.generic
// CHECK-LABEL: func.func @matvec
// CHECK: gpu.launch
// CHECK: memref.load %{{.*}} : memref<1x784xf32>
// CHECK: memref.load %{{.*}} : memref<784x256xf32>
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: gpu.shuffle
func.func @matvec(%a: memref<1x784xf32>, %b: memref<784x256xf32>, %c: memref<1x256xf32>) {
  linalg.matmul ins(%a, %b : memref<1x784xf32>, memref<784x256xf32>) outs(%c : memref<1x256xf32>)
  return
}

// -----

// Short reductions (9 elements) keep one thread per output; a payload
// that reads the output elsewhere than in its combiner, an integer sum
// and a parallel-only op are not reductions this pass takes.
// CHECK-LABEL: func.func @negative_cases
// CHECK-NOT: gpu.launch
// CHECK-COUNT-4: linalg.generic
#map_in = affine_map<(i, k) -> (i, k)>
#map_out = affine_map<(i, k) -> (i)>
func.func @negative_cases(%x: memref<4x9xf32>, %o: memref<4xf32>, %y: memref<4x64xf32>,
                          %xi: memref<4x64xi32>, %oi: memref<4xi32>, %z: memref<4x64xf32>) {
  linalg.generic {indexing_maps = [#map_in, #map_out], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x9xf32>) outs(%o : memref<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %out, %in : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#map_in, #map_out], iterator_types = ["parallel", "reduction"]}
      ins(%y : memref<4x64xf32>) outs(%o : memref<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %p = arith.mulf %out, %in : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#map_in, #map_out], iterator_types = ["parallel", "reduction"]}
      ins(%xi : memref<4x64xi32>) outs(%oi : memref<4xi32>) {
  ^bb0(%in: i32, %out: i32):
    %s = arith.addi %out, %in : i32
    linalg.yield %s : i32
  }
  linalg.generic {indexing_maps = [#map_in, #map_in], iterator_types = ["parallel", "parallel"]}
      ins(%y : memref<4x64xf32>) outs(%z : memref<4x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %e = math.exp %in : f32
    linalg.yield %e : f32
  }
  return
}
