// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-matmul-to-kernel=isa=avx2 | FileCheck %s
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-matmul-to-kernel=isa=avx512 | FileCheck %s --check-prefix=AVX512
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-matmul-to-kernel="isa=avx2 epilogues=false" | FileCheck %s --check-prefix=NOEPI
// RUN: not fulcrum-opt %s --split-input-file --fulcrum-cpu-matmul-to-kernel=isa=sse9 2>&1 | FileCheck %s --check-prefix=BAD

// A constant right-hand side is packed at compile time into zero-padded
// [N/NR][K][NR] panels (AVX2: NR = 16; AVX-512: NR = 32), the unpacked
// weight disappears, and the zero fill becomes the kernel's overwrite mode.
// CHECK-NOT: memref.global "private" constant @w :
// CHECK: memref.global "private" constant @w_packed16 : memref<1x3x16xf32> = dense_resource<w_packed16> {alignment = 64 : i64}
// CHECK-LABEL: func.func @packed(
// CHECK-NOT: linalg.fill
// CHECK: %[[W:.*]] = memref.get_global @w_packed16
// CHECK: %[[WP:.*]] = memref.extract_aligned_pointer_as_index %[[W]]
// CHECK-DAG: %[[NR:.*]] = arith.constant 16 : i64
// CHECK-DAG: %[[PANEL:.*]] = arith.constant 48 : i64
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: call @fulcrum_sgemm_f32_avx2(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[NR]], %[[PANEL]], %{{.*}}, %{{.*}}, %[[ZERO]], %[[ZERO]], %[[ZERO]], %[[ZERO]], %[[ZERO]], %[[ZERO]])
// CHECK-NOT: linalg.matmul
// CHECK: func.func private @fulcrum_sgemm_f32_avx2(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// AVX512: memref.global "private" constant @w_packed32 : memref<1x3x32xf32>
// AVX512: call @fulcrum_sgemm_f32_avx512(
// CHECK: w_packed16: "0x40000000
// The panel: row k of the 3x2 weight, then 14 zeros of padding.
// CHECK-SAME: 0000803F00000040000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000004040000080400
memref.global "private" constant @w : memref<3x2xf32> = dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]>
func.func @packed(%a: memref<4x3xf32>, %c: memref<4x2xf32>) {
  %z = arith.constant 0.0 : f32
  %w = memref.get_global @w : memref<3x2xf32>
  linalg.fill ins(%z : f32) outs(%c : memref<4x2xf32>)
  linalg.matmul ins(%a, %w : memref<4x3xf32>, memref<3x2xf32>) outs(%c : memref<4x2xf32>)
  return
}

// -----

// A run-time right-hand side is read in place (ldb = N, panels NR columns
// apart); without a zero fill the kernel accumulates (flags = 1). Dynamic
// sizes come from memref.dim.
// CHECK-LABEL: func.func @runtime(
// CHECK-SAME: %[[A:.*]]: memref<?x?xf32>, %[[B:.*]]: memref<?x?xf32>, %[[C:.*]]: memref<?x?xf32>)
// CHECK: %[[M:.*]] = memref.dim %[[A]], %c0
// CHECK: %[[K:.*]] = memref.dim %[[A]], %c1
// CHECK: %[[N:.*]] = memref.dim %[[C]], %c1
// CHECK: %[[BM:.*]], %{{.*}}, %{{.*}}:2, %[[BS:.*]]:2 = memref.extract_strided_metadata %[[B]]
// CHECK: %[[LDB:.*]] = arith.index_cast %[[BS]]#0 : index to i64
// CHECK-DAG: %[[NR:.*]] = arith.constant 16 : i64
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK: call @fulcrum_sgemm_f32_avx2(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[LDB]], %[[NR]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]])
func.func @runtime(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  linalg.matmul ins(%a, %b : memref<?x?xf32>, memref<?x?xf32>) outs(%c : memref<?x?xf32>)
  return
}

// -----

// A transposed constant (Gemm with transB) is packed from its [N][K] layout.
// CHECK: memref.global "private" constant @wt_packed16t : memref<1x3x16xf32>
// CHECK-LABEL: func.func @transposed(
// CHECK: call @fulcrum_sgemm_f32_avx2(
// CHECK: wt_packed16t: "0x40000000
// CHECK-SAME: 0000803F00000040000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000004040000080400
memref.global "private" constant @wt : memref<2x3xf32> = dense<[[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]]>
func.func @transposed(%a: memref<4x3xf32>, %c: memref<4x2xf32>) {
  %w = memref.get_global @wt : memref<2x3xf32>
  linalg.matmul_transpose_b ins(%a, %w : memref<4x3xf32>, memref<2x3xf32>) outs(%c : memref<4x2xf32>)
  return
}

// -----

// negative_: a non-zero fill stays, and the kernel accumulates.
// CHECK-LABEL: func.func @negative_nonzero_fill(
// CHECK: linalg.fill
// CHECK: call @fulcrum_sgemm_f32_avx2(
func.func @negative_nonzero_fill(%a: memref<4x3xf32>, %b: memref<3x2xf32>, %c: memref<4x2xf32>) {
  %one = arith.constant 1.0 : f32
  linalg.fill ins(%one : f32) outs(%c : memref<4x2xf32>)
  linalg.matmul ins(%a, %b : memref<4x3xf32>, memref<3x2xf32>) outs(%c : memref<4x2xf32>)
  return
}

// -----

// negative_: other element types, a transposed run-time operand and rows
// that are not contiguous are left to the loop lowering.
// CHECK-LABEL: func.func @negative_f64(
// CHECK: linalg.matmul
// CHECK-LABEL: func.func @negative_transposed_runtime(
// CHECK: linalg.matmul_transpose_b
// CHECK-LABEL: func.func @negative_strided(
// CHECK: linalg.matmul
// CHECK-NOT: call @fulcrum_sgemm
func.func @negative_f64(%a: memref<4x3xf64>, %b: memref<3x2xf64>, %c: memref<4x2xf64>) {
  linalg.matmul ins(%a, %b : memref<4x3xf64>, memref<3x2xf64>) outs(%c : memref<4x2xf64>)
  return
}
func.func @negative_transposed_runtime(%a: memref<4x3xf32>, %b: memref<2x3xf32>, %c: memref<4x2xf32>) {
  linalg.matmul_transpose_b ins(%a, %b : memref<4x3xf32>, memref<2x3xf32>) outs(%c : memref<4x2xf32>)
  return
}
func.func @negative_strided(%a: memref<4x3xf32, strided<[6, 2]>>, %b: memref<3x2xf32>, %c: memref<4x2xf32>) {
  linalg.matmul ins(%a, %b : memref<4x3xf32, strided<[6, 2]>>, memref<3x2xf32>) outs(%c : memref<4x2xf32>)
  return
}

// -----

// BAD: error: unknown kernel ISA 'sse9' (avx512, avx2, generic)
func.func @f() {
  return
}

// -----

// A bias + ReLU epilogue into a fresh buffer is applied by the kernel as it
// stores (flags = bias | clamp = 10, lo = 0.0, hi = +inf), writing the
// epilogue's output directly.
// With epilogues=false (the unfused baseline of --fuse=false) the kernel
// overwrites C (flags 0) and the bias + ReLU stays a generic after it.
// NOEPI-LABEL: func.func @bias_relu(
// NOEPI: call @fulcrum_sgemm_f32_avx2(
// NOEPI-SAME: %c0_i64, %c0_i64, %c0_i64, %c0_i64, %c0_i64, %c0_i64)
// NOEPI: linalg.generic
// NOEPI: return
// CHECK-LABEL: func.func @bias_relu(
// CHECK-SAME: %[[A:.*]]: memref<4x3xf32>, %[[B:.*]]: memref<3x2xf32>, %[[BIAS:.*]]: memref<2xf32>)
// CHECK: %[[D:.*]] = memref.alloc() : memref<4x2xf32>
// CHECK-DAG: %[[FLAGS:.*]] = arith.constant 10 : i64
// CHECK-DAG: %[[INF:.*]] = arith.constant 2139095040 : i64
// CHECK-DAG: %[[DP:.*]] = memref.extract_aligned_pointer_as_index %[[D]]
// CHECK-DAG: %[[BP:.*]] = memref.extract_aligned_pointer_as_index %[[BIAS]]
// CHECK: call @fulcrum_sgemm_f32_avx2({{.*}}, %[[INF]], %[[FLAGS]])
// CHECK-NOT: linalg.generic
// CHECK: return %[[D]]
func.func @bias_relu(%a: memref<4x3xf32>, %b: memref<3x2xf32>, %bias: memref<2xf32>) -> memref<4x2xf32> {
  %z = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<4x2xf32>
  linalg.fill ins(%z : f32) outs(%c : memref<4x2xf32>)
  linalg.matmul ins(%a, %b : memref<4x3xf32>, memref<3x2xf32>) outs(%c : memref<4x2xf32>)
  %d = memref.alloc() : memref<4x2xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%c, %bias : memref<4x2xf32>, memref<2xf32>) outs(%d : memref<4x2xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %r = arith.maximumf %s, %z : f32
    linalg.yield %r : f32
  }
  memref.dealloc %c : memref<4x2xf32>
  return %d : memref<4x2xf32>
}

// -----

// An epilogue that bufferization made in place (it writes C) is applied by
// the kernel too; C is then the epilogue's result, read afterwards.
// CHECK-LABEL: func.func @in_place(
// CHECK: %[[C:.*]] = memref.alloc() : memref<4x2xf32>
// CHECK: call @fulcrum_sgemm_f32_avx2({{.*}}, %c2_i64)
// CHECK-NOT: linalg.generic
// CHECK: linalg.copy ins(%[[C]]
func.func @in_place(%a: memref<4x3xf32>, %b: memref<3x2xf32>, %bias: memref<2xf32>, %out: memref<4x2xf32>) {
  %z = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<4x2xf32>
  linalg.fill ins(%z : f32) outs(%c : memref<4x2xf32>)
  linalg.matmul ins(%a, %b : memref<4x3xf32>, memref<3x2xf32>) outs(%c : memref<4x2xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%c, %bias : memref<4x2xf32>, memref<2xf32>) outs(%c : memref<4x2xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  linalg.copy ins(%c : memref<4x2xf32>) outs(%out : memref<4x2xf32>)
  memref.dealloc %c : memref<4x2xf32>
  return
}

// -----

// negative_: the product is read again after the epilogue, or the bias
// varies by row: the epilogue stays a generic (the kernel overwrites, flags
// = 0).
// CHECK-LABEL: func.func @negative_epilogue(
// CHECK: call @fulcrum_sgemm_f32_avx2({{.*}}, %c0_i64, %c0_i64)
// CHECK: linalg.generic
// CHECK: call @fulcrum_sgemm_f32_avx2({{.*}}, %c0_i64{{.*}}, %c0_i64{{.*}})
// CHECK: linalg.generic
func.func @negative_epilogue(%a: memref<4x3xf32>, %b: memref<3x2xf32>, %bias: memref<2xf32>, %rows: memref<4xf32>) -> (memref<4x2xf32>, memref<4x2xf32>, memref<4x2xf32>) {
  %z = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<4x2xf32>
  linalg.fill ins(%z : f32) outs(%c : memref<4x2xf32>)
  linalg.matmul ins(%a, %b : memref<4x3xf32>, memref<3x2xf32>) outs(%c : memref<4x2xf32>)
  %d = memref.alloc() : memref<4x2xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%c, %bias : memref<4x2xf32>, memref<2xf32>) outs(%d : memref<4x2xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  %c2 = memref.alloc() : memref<4x2xf32>
  linalg.fill ins(%z : f32) outs(%c2 : memref<4x2xf32>)
  linalg.matmul ins(%a, %b : memref<4x3xf32>, memref<3x2xf32>) outs(%c2 : memref<4x2xf32>)
  %e = memref.alloc() : memref<4x2xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%c2, %rows : memref<4x2xf32>, memref<4xf32>) outs(%e : memref<4x2xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return %c, %d, %e : memref<4x2xf32>, memref<4x2xf32>, memref<4x2xf32>
}

// -----

// batch_matmul: one call per batch, pointers advanced by the batch strides
// (in bytes).
// CHECK-LABEL: func.func @batched(
// CHECK-SAME: %[[A:.*]]: memref<2x4x3xf32>, %[[B:.*]]: memref<2x3x5xf32>, %[[C:.*]]: memref<2x4x5xf32>)
// CHECK: %{{.*}}, %{{.*}}, %{{.*}}:3, %[[AS:.*]]:3 = memref.extract_strided_metadata %[[A]]
// CHECK: %[[AS0:.*]] = arith.index_cast %[[AS]]#0 : index to i64
// CHECK: %[[ABYTES:.*]] = arith.muli %[[AS0]], %c4_i64
// CHECK: scf.for %[[I:.*]] = %c0 to %{{.*}} step %c1
// CHECK:   %[[II:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK:   %[[OFF:.*]] = arith.muli %[[II]], %[[ABYTES]]
// CHECK:   %[[AP:.*]] = arith.addi %{{.*}}, %[[OFF]]
// CHECK:   func.call @fulcrum_sgemm_f32_avx2(%{{.*}}, %{{.*}}, %{{.*}}, %[[AP]],
// CHECK-NOT: linalg.batch_matmul
func.func @batched(%a: memref<2x4x3xf32>, %b: memref<2x3x5xf32>, %c: memref<2x4x5xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<2x4x3xf32>, memref<2x3x5xf32>) outs(%c : memref<2x4x5xf32>)
  return
}

// -----

// A sequence model's projection: the bias add (and the residual add after
// the next one) reads C through an expand_shape that splits its rows; the
// kernel applies both, writing the 3-D output as 8 rows of 6 (row stride
// 6 from the output's strides; flags: bias = 2). With the residual in the output buffer the kernel accumulates into
// it (flags = accumulate | bias = 3).
// CHECK-LABEL: func.func @expanded_bias(
// CHECK: %[[D:.*]] = memref.alloc() : memref<2x4x6xf32>
// CHECK: %{{.*}}, %{{.*}}, %{{.*}}:3, %[[DS:.*]]:3 = memref.extract_strided_metadata %[[D]]
// CHECK: %[[LDC:.*]] = arith.index_cast %[[DS]]#1
// CHECK: call @fulcrum_sgemm_f32_avx2({{.*}}, %[[LDC]], %{{.*}}, %c0_i64{{.*}}, %c0_i64{{.*}}, %c0_i64{{.*}}, %c0_i64{{.*}}, %c2_i64)
// CHECK-NOT: linalg.generic
// CHECK-NOT: memref.expand_shape
// CHECK: return %[[D]]
// CHECK-LABEL: func.func @expanded_residual_in_place(
// CHECK-SAME: %[[X:[^ ]*]]: memref<2x4x6xf32>)
// CHECK: %[[XP:.*]] = memref.extract_aligned_pointer_as_index %[[X]]
// CHECK: call @fulcrum_sgemm_f32_avx2({{.*}}, %c3_i64)
// CHECK-NOT: linalg.generic
// CHECK-LABEL: func.func @expanded_residual(
// CHECK: %{{.*}}, %{{.*}}, %{{.*}}:3, %[[R:.*]]:3 = memref.extract_strided_metadata %arg3
// CHECK: %[[LDR:.*]] = arith.index_cast %[[R]]#1
// CHECK: call @fulcrum_sgemm_f32_avx2({{.*}}, %[[LDR]], %c0_i64{{.*}}, %c0_i64{{.*}}, %c2_i64)
// CHECK-NOT: linalg.generic
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#col3 = affine_map<(d0, d1, d2) -> (d2)>
func.func @expanded_bias(%a: memref<8x3xf32>, %b: memref<3x6xf32>, %bias: memref<6xf32>) -> memref<2x4x6xf32> {
  %z = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<8x6xf32>
  linalg.fill ins(%z : f32) outs(%c : memref<8x6xf32>)
  linalg.matmul ins(%a, %b : memref<8x3xf32>, memref<3x6xf32>) outs(%c : memref<8x6xf32>)
  %e = memref.expand_shape %c [[0, 1], [2]] output_shape [2, 4, 6] : memref<8x6xf32> into memref<2x4x6xf32>
  %d = memref.alloc() : memref<2x4x6xf32>
  linalg.generic {indexing_maps = [#col3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bias, %e : memref<6xf32>, memref<2x4x6xf32>) outs(%d : memref<2x4x6xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  memref.dealloc %c : memref<8x6xf32>
  return %d : memref<2x4x6xf32>
}
func.func @expanded_residual_in_place(%a: memref<8x3xf32>, %b: memref<3x6xf32>, %bias: memref<6xf32>, %x: memref<2x4x6xf32>) {
  %z = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<8x6xf32>
  linalg.fill ins(%z : f32) outs(%c : memref<8x6xf32>)
  linalg.matmul ins(%a, %b : memref<8x3xf32>, memref<3x6xf32>) outs(%c : memref<8x6xf32>)
  %e = memref.expand_shape %c [[0, 1], [2]] output_shape [2, 4, 6] : memref<8x6xf32> into memref<2x4x6xf32>
  linalg.generic {indexing_maps = [#id3, #col3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %bias, %e : memref<2x4x6xf32>, memref<6xf32>, memref<2x4x6xf32>) outs(%x : memref<2x4x6xf32>) {
  ^bb0(%r: f32, %bb: f32, %y: f32, %o: f32):
    %s = arith.addf %bb, %y : f32
    %t = arith.addf %r, %s : f32
    linalg.yield %t : f32
  }
  memref.dealloc %c : memref<8x6xf32>
  return
}
func.func @expanded_residual(%a: memref<8x3xf32>, %b: memref<3x6xf32>, %bias: memref<6xf32>, %x: memref<2x4x6xf32>) -> memref<2x4x6xf32> {
  %z = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<8x6xf32>
  linalg.fill ins(%z : f32) outs(%c : memref<8x6xf32>)
  linalg.matmul ins(%a, %b : memref<8x3xf32>, memref<3x6xf32>) outs(%c : memref<8x6xf32>)
  %e = memref.expand_shape %c [[0, 1], [2]] output_shape [2, 4, 6] : memref<8x6xf32> into memref<2x4x6xf32>
  %d = memref.alloc() : memref<2x4x6xf32>
  linalg.generic {indexing_maps = [#id3, #col3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %bias, %e : memref<2x4x6xf32>, memref<6xf32>, memref<2x4x6xf32>) outs(%d : memref<2x4x6xf32>) {
  ^bb0(%r: f32, %bb: f32, %y: f32, %o: f32):
    %s = arith.addf %bb, %y : f32
    %t = arith.addf %r, %s : f32
    linalg.yield %t : f32
  }
  memref.dealloc %c : memref<8x6xf32>
  return %d : memref<2x4x6xf32>
}

// -----

// negative_: additions in another order than the kernel's ((C + bias) +
// residual would round differently), an expand_shape that splits the
// columns, and a body that does more than add and clamp keep the generic.
// CHECK-LABEL: func.func @negative_expanded(
// CHECK: call @fulcrum_sgemm_f32_avx2({{.*}}, %c0_i64{{.*}}, %c0_i64{{.*}})
// CHECK: linalg.generic
// CHECK: call @fulcrum_sgemm_f32_avx2({{.*}}, %c0_i64{{.*}}, %c0_i64{{.*}})
// CHECK: linalg.generic
// CHECK: call @fulcrum_sgemm_f32_avx2({{.*}}, %c0_i64{{.*}}, %c0_i64{{.*}})
// CHECK: linalg.generic
#id3n = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#col3n = affine_map<(d0, d1, d2) -> (d2)>
func.func @negative_expanded(%a: memref<8x3xf32>, %b: memref<3x6xf32>, %bias: memref<6xf32>, %bias3: memref<3xf32>, %x: memref<2x4x6xf32>) -> (memref<2x4x6xf32>, memref<8x2x3xf32>, memref<2x4x6xf32>) {
  %z = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<8x6xf32>
  linalg.fill ins(%z : f32) outs(%c : memref<8x6xf32>)
  linalg.matmul ins(%a, %b : memref<8x3xf32>, memref<3x6xf32>) outs(%c : memref<8x6xf32>)
  %e = memref.expand_shape %c [[0, 1], [2]] output_shape [2, 4, 6] : memref<8x6xf32> into memref<2x4x6xf32>
  %d = memref.alloc() : memref<2x4x6xf32>
  linalg.generic {indexing_maps = [#id3n, #col3n, #id3n, #id3n], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %bias, %e : memref<2x4x6xf32>, memref<6xf32>, memref<2x4x6xf32>) outs(%d : memref<2x4x6xf32>) {
  ^bb0(%r: f32, %bb: f32, %y: f32, %o: f32):
    %s = arith.addf %r, %y : f32
    %t = arith.addf %s, %bb : f32
    linalg.yield %t : f32
  }
  %c2 = memref.alloc() : memref<8x6xf32>
  linalg.fill ins(%z : f32) outs(%c2 : memref<8x6xf32>)
  linalg.matmul ins(%a, %b : memref<8x3xf32>, memref<3x6xf32>) outs(%c2 : memref<8x6xf32>)
  %e2 = memref.expand_shape %c2 [[0], [1, 2]] output_shape [8, 2, 3] : memref<8x6xf32> into memref<8x2x3xf32>
  %d2 = memref.alloc() : memref<8x2x3xf32>
  linalg.generic {indexing_maps = [#col3n, #id3n, #id3n], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bias3, %e2 : memref<3xf32>, memref<8x2x3xf32>) outs(%d2 : memref<8x2x3xf32>) {
  ^bb0(%bb: f32, %y: f32, %o: f32):
    %s = arith.addf %bb, %y : f32
    linalg.yield %s : f32
  }
  %c3 = memref.alloc() : memref<8x6xf32>
  linalg.fill ins(%z : f32) outs(%c3 : memref<8x6xf32>)
  linalg.matmul ins(%a, %b : memref<8x3xf32>, memref<3x6xf32>) outs(%c3 : memref<8x6xf32>)
  %e3 = memref.expand_shape %c3 [[0, 1], [2]] output_shape [2, 4, 6] : memref<8x6xf32> into memref<2x4x6xf32>
  %d3 = memref.alloc() : memref<2x4x6xf32>
  linalg.generic {indexing_maps = [#col3n, #id3n, #id3n], iterator_types = ["parallel", "parallel", "parallel"]} ins(%bias, %e3 : memref<6xf32>, memref<2x4x6xf32>) outs(%d3 : memref<2x4x6xf32>) {
  ^bb0(%bb: f32, %y: f32, %o: f32):
    %s = arith.addf %bb, %y : f32
    %g = math.erf %s : f32
    linalg.yield %g : f32
  }
  return %d, %d2, %d3 : memref<2x4x6xf32>, memref<8x2x3xf32>, memref<2x4x6xf32>
}
