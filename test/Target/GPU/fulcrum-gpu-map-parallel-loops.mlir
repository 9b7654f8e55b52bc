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

// -----

// Serial work between kernels (a rank-0 division and a reduction to one
// value, as a LayerNorm on one row leaves them) becomes one kernel of one
// thread: a one-iteration loop on block_x around one on thread_x, with
// the constants outside (the one between the run's ops moved above it).
// CHECK-LABEL: func.func @serial_work
// CHECK-DAG: arith.constant 6.400000e+01 : f32
// CHECK-DAG: arith.constant 64 : index
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK: memref.load %{{.*}}[] : memref<f32>
// CHECK: arith.divf
// CHECK: memref.store %{{.*}}, %{{.*}}[] : memref<f32>
// CHECK: scf.for
// CHECK: arith.subf
// CHECK: mapping = [#gpu.loop_dim_map<processor = thread_x
// CHECK: mapping = [#gpu.loop_dim_map<processor = block_x
// CHECK-NEXT: return
func.func @serial_work(%x: memref<1x64xf32>, %sum: memref<f32>,
                       %mean: memref<f32>, %var: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 64.0 : f32
  %s = memref.load %sum[] : memref<f32>
  %m = arith.divf %s, %n : f32
  memref.store %m, %mean[] : memref<f32>
  %c64 = arith.constant 64 : index
  scf.for %i = %c0 to %c64 step %c1 {
    %v = memref.load %x[%c0, %i] : memref<1x64xf32>
    %mu = memref.load %mean[] : memref<f32>
    %d = arith.subf %v, %mu : f32
    %sq = arith.mulf %d, %d : f32
    %acc = memref.load %var[] : memref<f32>
    %a = arith.addf %sq, %acc : f32
    memref.store %a, %var[] : memref<f32>
  }
  return
}

// -----

// More serial iterations than max-serial-iterations (1024) stay on the
// host: one thread would take longer than waiting for the kernels.
// CHECK-LABEL: func.func @negative_serial_long
// CHECK-NOT: scf.parallel
// CHECK: scf.for
func.func @negative_serial_long(%x: memref<4096xf32>, %total: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4096 = arith.constant 4096 : index
  scf.for %i = %c0 to %c4096 step %c1 {
    %v = memref.load %x[%i] : memref<4096xf32>
    %acc = memref.load %total[] : memref<f32>
    %a = arith.addf %v, %acc : f32
    memref.store %a, %total[] : memref<f32>
  }
  return
}

// -----

// A value the run computes is used after it (by a call): the run stays on
// the host.
// CHECK-LABEL: func.func @negative_serial_escapes
// CHECK-NOT: scf.parallel
// CHECK: arith.divf
// CHECK: call @use
func.func private @use(f32)
func.func @negative_serial_escapes(%sum: memref<f32>, %mean: memref<f32>) {
  %n = arith.constant 64.0 : f32
  %s = memref.load %sum[] : memref<f32>
  %m = arith.divf %s, %n : f32
  memref.store %m, %mean[] : memref<f32>
  func.call @use(%m) : (f32) -> ()
  return
}

// -----

// Loads and arithmetic without a store do no work a kernel could keep.
// CHECK-LABEL: func.func @negative_serial_no_store
// CHECK-NOT: scf.parallel
func.func @negative_serial_no_store(%sum: memref<f32>) -> f32 {
  %s = memref.load %sum[] : memref<f32>
  %m = arith.mulf %s, %s : f32
  return %m : f32
}
