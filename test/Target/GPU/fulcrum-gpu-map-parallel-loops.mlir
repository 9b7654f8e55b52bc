// RUN: fulcrum-opt %s --pass-pipeline='builtin.module(func.func(fulcrum-gpu-map-parallel-loops{workgroup-size=16 max-workgroups=8}))' --split-input-file | FileCheck %s
// RUN: fulcrum-opt %s --pass-pipeline='builtin.module(func.func(fulcrum-gpu-map-parallel-loops{allow-dynamic-leading-dim=true}))' --split-input-file | FileCheck %s --check-prefix=DYN

// A 2-D element-wise nest: collapsed to 32 iterations, tiled by 16 into
// workgroups (block_x) and threads (thread_x), guarded.
// CHECK-LABEL: func.func @elementwise
// CHECK: %[[C16:.*]] = arith.constant 16 : index
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step (%[[STEP:.*]])
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[STEP]]) step
// CHECK: scf.if
// CHECK: memref.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<4x8xf32>
// CHECK: mapping = [#gpu.loop_dim_map<processor = thread_x
// CHECK: mapping = [#gpu.loop_dim_map<processor = block_x
func.func @elementwise(%in: memref<4x8xf32>, %out: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %v = memref.load %in[%i, %j] : memref<4x8xf32>
    %e = math.exp %v : f32
    memref.store %e, %out[%i, %j] : memref<4x8xf32>
  }
  return
}

// -----

// A reduction stays a sequential scf.for inside each thread; 4 rows make
// one workgroup of 4 threads.
// CHECK-LABEL: func.func @rowsum
// CHECK: arith.constant 8 : index
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[STEP:.*]] = arith.muli %{{.*}}, %[[C4]]
// CHECK: scf.parallel
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[STEP]])
// CHECK: scf.for
// CHECK: processor = thread_x
// CHECK: processor = block_x
func.func @rowsum(%in: memref<4x8xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      %a = memref.load %out[%i] : memref<4xf32>
      %v = memref.load %in[%i, %k] : memref<4x8xf32>
      %s = arith.addf %a, %v : f32
      memref.store %s, %out[%i] : memref<4xf32>
    }
  }
  return
}

// -----

// Dynamic shapes stay on the host: no mapping (with
// allow-dynamic-leading-dim, a dynamic first dimension is mapped).
// DYN-LABEL: func.func @negative_dynamic
// DYN: processor = block_x
// CHECK-LABEL: func.func @negative_dynamic
// CHECK: scf.parallel
// CHECK-NOT: mapping
func.func @negative_dynamic(%in: memref<?xf32>, %out: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %in[%i] : memref<?xf32>
    memref.store %v, %out[%i] : memref<?xf32>
  }
  return
}

// -----

// Calls and allocations stay on the host.
// CHECK-LABEL: func.func @negative_call
// CHECK: scf.parallel
// CHECK-NOT: mapping
func.func private @callee(f32) -> f32
func.func @negative_call(%in: memref<4xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %in[%i] : memref<4xf32>
    %r = func.call @callee(%v) : (f32) -> f32
    memref.store %r, %out[%i] : memref<4xf32>
  }
  return
}

// -----

// f64 transcendental functions have no GLSL instruction: host.
// CHECK-LABEL: func.func @negative_f64_math
// CHECK-NOT: mapping
func.func @negative_f64_math(%in: memref<4xf64>, %out: memref<4xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %in[%i] : memref<4xf64>
    %e = math.exp %v : f64
    memref.store %e, %out[%i] : memref<4xf64>
  }
  return
}

// -----

// More tiles than max-workgroups (1000 / 16 > 8): tiles of 128, each
// thread loops over 8 chunks of 16.
// CHECK-LABEL: func.func @many_tiles
// CHECK: arith.constant 128 : index
// CHECK: processor = sequential
// CHECK: processor = block_x
func.func @many_tiles(%in: memref<1000xf32>, %out: memref<1000xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c1000 = arith.constant 1000 : index
  scf.parallel (%i) = (%c0) to (%c1000) step (%c1) {
    %v = memref.load %in[%i] : memref<1000xf32>
    memref.store %v, %out[%i] : memref<1000xf32>
  }
  return
}
