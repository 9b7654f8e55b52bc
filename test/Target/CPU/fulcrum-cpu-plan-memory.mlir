// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-plan-memory | FileCheck %s

// Three static buffers: %a and %b are live together, %c only after %a's
// last use (its dealloc comes later and does not count), so %c reuses %a's
// bytes. Largest first: %b (8192 bytes) at 0, %a (4096) at 8192, %c at
// 8192. The arena holds 12288 bytes and is freed before the return; the
// entry point gets a size function.
// The entry point becomes a call of @reuse_workspace with an empty
// workspace; @reuse_workspace takes the caller's workspace as the arena
// when it holds 12288 bytes, and allocates (and frees) its own otherwise.
// CHECK-LABEL: func.func @reuse(
// CHECK: %[[NONE:.*]] = memref.alloca() : memref<0xi8>
// CHECK: %[[EMPTY:.*]] = memref.cast %[[NONE]] : memref<0xi8> to memref<?xi8>
// CHECK: call @reuse_workspace(%{{.*}}, %{{.*}}, %[[EMPTY]])
// CHECK-LABEL: func.func @fulcrum_workspace_size_reuse(
// CHECK-SAME: %[[BATCH:.*]]: i64) -> i64
// CHECK: arith.constant 12288 : i64
// CHECK-LABEL: func.func @reuse_workspace(
// CHECK-SAME: %[[WS:[a-z0-9]+]]: memref<?xi8>) attributes {llvm.emit_c_interface}
// CHECK-DAG: %[[SIZE:.*]] = arith.constant 12288 : index
// CHECK: %[[HAVE:.*]] = memref.dim %[[WS]]
// CHECK: %[[SMALL:.*]] = arith.cmpi ult, %[[HAVE]], %[[SIZE]]
// CHECK: %[[ARENA:.*]] = scf.if %[[SMALL]] -> (memref<?xi8>) {
// CHECK: memref.alloc(%[[SIZE]]) {alignment = 64 : i64} : memref<?xi8>
// CHECK: } else {
// CHECK: scf.yield %[[WS]]
// CHECK: %[[A:.*]] = memref.view %[[ARENA]][%c8192{{.*}}][] : memref<?xi8> to memref<1024xf32>
// CHECK: %[[B:.*]] = memref.view %[[ARENA]][%c0{{.*}}][] : memref<?xi8> to memref<2048xf32>
// CHECK: memref.copy %[[A]], %{{.*}}
// CHECK: %[[C:.*]] = memref.view %[[ARENA]][%c8192{{.*}}][] : memref<?xi8> to memref<1024xf32>
// CHECK-NOT: memref.dealloc %[[A]]
// CHECK: scf.if %[[SMALL]] {
// CHECK-NEXT: memref.dealloc %[[ARENA]]
// CHECK: return
func.func @reuse(%x: memref<1024xf32>, %y: memref<2048xf32>) attributes {llvm.emit_c_interface} {
  %a = memref.alloc() : memref<1024xf32>
  memref.copy %x, %a : memref<1024xf32> to memref<1024xf32>
  %b = memref.alloc() : memref<2048xf32>
  %sub = memref.subview %b[0] [1024] [1] : memref<2048xf32> to memref<1024xf32, strided<[1]>>
  memref.copy %a, %sub : memref<1024xf32> to memref<1024xf32, strided<[1]>>
  %c = memref.alloc() : memref<1024xf32>
  memref.copy %sub, %c : memref<1024xf32, strided<[1]>> to memref<1024xf32>
  memref.copy %c, %x : memref<1024xf32> to memref<1024xf32>
  memref.copy %b, %y : memref<2048xf32> to memref<2048xf32>
  memref.dealloc %a : memref<1024xf32>
  memref.dealloc %b : memref<2048xf32>
  memref.dealloc %c : memref<1024xf32>
  return
}

// -----

// Buffers that grow with the batch go after the static part: the arena
// holds 256 + batch * 2048 bytes (the two 1024-byte rows live together);
// the batch size (a dim of the argument) moves to the start. A kernel call
// that takes %a's address keeps %a alive until it.
// CHECK-LABEL: func.func @fulcrum_workspace_size_batch(
// CHECK: arith.constant 256 : i64
// CHECK: arith.constant 2048 : i64
// CHECK-LABEL: func.func @batch_workspace(
// CHECK-SAME: %[[X:.*]]: memref<?x256xf32>, %{{.*}}: memref<?xi8>
// CHECK: %[[N:.*]] = memref.dim %[[X]], %{{.*}}
// CHECK: %[[ROWS:.*]] = arith.muli %[[N]], %c2048
// CHECK: %[[TOTAL:.*]] = arith.addi %c256, %[[ROWS]]
// CHECK: arith.cmpi ult, %{{.*}}, %[[TOTAL]]
// CHECK: %[[ARENA:.*]] = scf.if
// CHECK: memref.view %[[ARENA]][%{{.*}}][%{{.*}}] : memref<?xi8> to memref<?x256xf32>
// CHECK: memref.view %[[ARENA]][%{{.*}}][] : memref<?xi8> to memref<64xf32>
// CHECK: memref.view %[[ARENA]][%{{.*}}][%{{.*}}] : memref<?xi8> to memref<?x256xf32>
// CHECK: call @kernel(
func.func private @kernel(i64)
func.func @batch(%x: memref<?x256xf32>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x256xf32>
  %a = memref.alloc(%n) : memref<?x256xf32>
  memref.copy %x, %a : memref<?x256xf32> to memref<?x256xf32>
  %w = memref.alloc() : memref<64xf32>
  %b = memref.alloc(%n) : memref<?x256xf32>
  memref.copy %x, %b : memref<?x256xf32> to memref<?x256xf32>
  %p = memref.extract_aligned_pointer_as_index %a : memref<?x256xf32> -> index
  %i = arith.index_cast %p : index to i64
  memref.dealloc %w : memref<64xf32>
  memref.copy %b, %x : memref<?x256xf32> to memref<?x256xf32>
  call @kernel(%i) : (i64) -> ()
  memref.dealloc %a : memref<?x256xf32>
  memref.dealloc %b : memref<?x256xf32>
  return
}

// -----

// negative_: a returned buffer, one freed inside a region and one with two
// dynamic sizes are left alone; a single buffer left gets no arena (the
// size function returns 0).
// CHECK-LABEL: func.func @negative_unplanned(
// CHECK: call @negative_unplanned_workspace(
// CHECK-LABEL: func.func @fulcrum_workspace_size_negative_unplanned(
// CHECK: arith.constant 0 : i64
// CHECK-LABEL: func.func @negative_unplanned_workspace(
// CHECK-NOT: memref.view
// CHECK: memref.alloc() : memref<16xf32>
// CHECK: memref.alloc() : memref<32xf32>
// CHECK: memref.alloc(%{{.*}}, %{{.*}}) : memref<?x?xf32>
// CHECK: memref.alloc() : memref<8xf32>
// CHECK-NOT: memref.view
func.func @negative_unplanned(%x: memref<16xf32>, %c: i1, %n: index) -> memref<16xf32> attributes {llvm.emit_c_interface} {
  %r = memref.alloc() : memref<16xf32>
  memref.copy %x, %r : memref<16xf32> to memref<16xf32>
  %f = memref.alloc() : memref<32xf32>
  scf.if %c {
    memref.dealloc %f : memref<32xf32>
  }
  %d = memref.alloc(%n, %n) : memref<?x?xf32>
  memref.dealloc %d : memref<?x?xf32>
  %e = memref.alloc() : memref<8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %out = scf.for %i = %c0 to %n step %c1 iter_args(%it = %e) -> memref<8xf32> {
    scf.yield %it : memref<8xf32>
  }
  memref.dealloc %e : memref<8xf32>
  return %r : memref<16xf32>
}

// -----

// An alias made by a loop keeps the buffer alive until the alias's last
// use: %a and %b overlap and do not share bytes.
// CHECK-LABEL: func.func @loop_alias(
// CHECK: memref.view %{{.*}}[%c0{{.*}}][] : memref<?xi8> to memref<8xf32>
// CHECK: memref.view %{{.*}}[%c64{{.*}}][] : memref<?xi8> to memref<8xf32>
func.func @loop_alias(%x: memref<8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc() : memref<8xf32>
  %alias = scf.for %i = %c0 to %n step %c1 iter_args(%it = %a) -> memref<8xf32> {
    scf.yield %it : memref<8xf32>
  }
  %b = memref.alloc() : memref<8xf32>
  memref.copy %x, %b : memref<8xf32> to memref<8xf32>
  memref.copy %b, %alias : memref<8xf32> to memref<8xf32>
  memref.dealloc %a : memref<8xf32>
  memref.dealloc %b : memref<8xf32>
  return
}

// -----

// Sizes computed from the batch are recognized when the arithmetic proves
// them a multiple of it: a reshape's `(n * 128) floordiv 128` written with
// selects on the sign (one row of 512 bytes per batch entry), and
// `(n * 256) / 128` (two rows of 16 bytes). `n + 1` and a dimension of
// another argument are not multiples of the batch: those buffers stay.
// CHECK-LABEL: func.func @derived_workspace(
// CHECK-SAME: %[[X:[a-z0-9]+]]: memref<?x128xf32>
// CHECK: %[[N:.*]] = memref.dim %[[X]], %{{.*}}
// CHECK: arith.muli %[[N]], %c576
// CHECK-DAG: memref.view %{{.*}} : memref<?xi8> to memref<?x128xf32>
// CHECK-DAG: memref.view %{{.*}} : memref<?xi8> to memref<?x4xf32>
// CHECK-DAG: memref.alloc(%{{.*}}) : memref<?x8xf32>
// CHECK-DAG: memref.alloc(%{{.*}}) : memref<?x16xf32>
func.func private @use(memref<?x128xf32>, memref<?x4xf32>, memref<?x8xf32>, memref<?x16xf32>)
func.func @derived(%x: memref<?x128xf32>, %y: memref<?x2xf32>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cm1 = arith.constant -1 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  %n = memref.dim %x, %c0 : memref<?x128xf32>
  %m = arith.muli %n, %c128 : index
  %neg = arith.cmpi slt, %m, %c0 : index
  %flip = arith.subi %cm1, %m : index
  %num = arith.select %neg, %flip, %m : index
  %q = arith.divsi %num, %c128 : index
  %back = arith.subi %cm1, %q : index
  %rows = arith.select %neg, %back, %q : index
  %a = memref.alloc(%rows) : memref<?x128xf32>
  %m2 = arith.muli %n, %c256 : index
  %two = arith.divui %m2, %c128 : index
  %b = memref.alloc(%two) : memref<?x4xf32>
  %plus = arith.addi %n, %c1 : index
  %c = memref.alloc(%plus) : memref<?x8xf32>
  %k = memref.dim %y, %c0 : memref<?x2xf32>
  %d = memref.alloc(%k) : memref<?x16xf32>
  call @use(%a, %b, %c, %d) : (memref<?x128xf32>, memref<?x4xf32>, memref<?x8xf32>, memref<?x16xf32>) -> ()
  memref.dealloc %a : memref<?x128xf32>
  memref.dealloc %b : memref<?x4xf32>
  memref.dealloc %c : memref<?x8xf32>
  memref.dealloc %d : memref<?x16xf32>
  return
}

// -----

// Loops over views of one arena would lose LLVM's proof that their
// operands do not overlap (and their vectorization): a buffer that loops
// read or write keeps its own allocation, freed right after its last use
// (not at the end, where the deallocation pipeline put it); the kernel's
// buffers share the arena.
// CHECK-LABEL: func.func @looped_workspace(
// CHECK: %[[L:.*]] = memref.alloc() : memref<64xf32>
// CHECK: scf.for
// CHECK: memref.store %{{.*}}, %[[L]]
// CHECK: memref.copy %[[L]], %{{.*}}
// CHECK-NEXT: memref.dealloc %[[L]]
// CHECK: memref.view
// CHECK: memref.view
// CHECK: call @kernel(
// CHECK-NOT: memref.dealloc %[[L]]
func.func @looped(%x: memref<64xf32>, %out: memref<64xf32>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1.0 : f32
  %l = memref.alloc() : memref<64xf32>
  scf.for %i = %c0 to %c64 step %c1 {
    memref.store %one, %l[%i] : memref<64xf32>
  }
  memref.copy %l, %out : memref<64xf32> to memref<64xf32>
  %a = memref.alloc() : memref<128xf32>
  %b = memref.alloc() : memref<128xf32>
  %pa = memref.extract_aligned_pointer_as_index %a : memref<128xf32> -> index
  %pb = memref.extract_aligned_pointer_as_index %b : memref<128xf32> -> index
  %s = arith.addi %pa, %pb : index
  %i64 = arith.index_cast %s : index to i64
  call @kernel(%i64) : (i64) -> ()
  memref.dealloc %a : memref<128xf32>
  memref.dealloc %b : memref<128xf32>
  memref.dealloc %l : memref<64xf32>
  return
}
func.func private @kernel(i64)
