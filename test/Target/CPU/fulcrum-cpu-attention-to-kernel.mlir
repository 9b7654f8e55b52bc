// RUN: fulcrum-opt %s --split-input-file --fulcrum-linalg-pipeline --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --fulcrum-cpu-attention-to-kernel="isa=avx2" | FileCheck %s
// RUN: fulcrum-opt %s --split-input-file --fulcrum-linalg-pipeline --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --fulcrum-cpu-attention-to-kernel="isa=avx2 tile=32" | FileCheck %s --check-prefix=SMALL
// RUN: fulcrum-opt %s --split-input-file --fulcrum-linalg-pipeline --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --fulcrum-cpu-attention-to-kernel="isa=avx512bf16" | FileCheck %s --check-prefix=DPBF16
// RUN: fulcrum-opt %s --split-input-file --fulcrum-linalg-pipeline --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --fulcrum-cpu-attention-to-kernel="isa=avx2 target=x86-64-v3" | FileCheck %s --check-prefix=V3
// RUN: not fulcrum-opt %s --split-input-file --fulcrum-linalg-pipeline --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --fulcrum-cpu-attention-to-kernel="isa=avx2 target=x86-64-v9" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: fulcrum-cpu-attention-to-kernel: target 'x86-64-v9': {{.*}}

// Flattened heads [B*H, L, D]: one call; batch 1, 2 heads, Lq 4, Lk 6, D 8,
// Dv 8; no score buffer is left. Six keys run in the direct form (a key
// tile of all 6), the cost model's choice; `tile=32` overrides it. The
// threads' scratch is a planned workspace of 8
// slots of 528 floats: K packed in one tile of 6 keys (8 x 16), a register
// tile of scores (8 x 16), the accumulators (16 x 16) and 16 for alignment.
// CHECK-LABEL: func @flattened_heads
// CHECK-NOT: memref.alloc() {{.*}} : memref<2x4x6xf32>
// CHECK-NOT: linalg.generic
// CHECK: %[[C1:.*]] = arith.constant 1 : i64
// CHECK: %[[WS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<4224xf32>
// CHECK: call @fulcrum_attention_f32_avx2(%[[C1]], {{.*}}, %c6_i64, %{{.*}}, %c528_i64, %c8_i64) {fulcrum.writes = array<i64: 18, 32>}
// CHECK-NEXT: memref.dealloc %[[WS]]
// CHECK-NOT: linalg.generic
// SMALL-LABEL: func @flattened_heads
// SMALL: call @fulcrum_attention_f32_avx2({{.*}}, %c32_i64, %{{.*}}, %c528_i64, %c8_i64)
func.func @flattened_heads(%q: tensor<2x4x8xf32>, %k: tensor<2x6x8xf32>, %v: tensor<2x6x8xf32>) -> tensor<2x4x8xf32> {
  %y = fulcrum.attention %q, %k, %v {head_dim = 8 : i64, scale = 0.35 : f32} : (tensor<2x4x8xf32>, tensor<2x6x8xf32>, tensor<2x6x8xf32>) -> tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// fulcrum.precision = "bf16": flag 8, and a slot of 576 floats that also
// holds K and V in bf16 pairs: K 4 pairs x 16 keys, V 3 key pairs x 16,
// scores 8 x 16, accumulators 16 x 16, query pairs 16 x 4, and 16. With
// isa=avx512bf16 the call is the vdpbf16ps variant.
// CHECK-LABEL: func @bf16
// CHECK: call @fulcrum_attention_f32_avx2({{.*}}, %c8_i64, %{{.*}}, %c0_i64, %c0_i64, %c6_i64, %{{.*}}, %c576_i64, %c8_i64)
// DPBF16-LABEL: func @bf16
// DPBF16: call @fulcrum_attention_f32_avx512bf16(
func.func @bf16(%q: tensor<2x4x8xf32>, %k: tensor<2x6x8xf32>, %v: tensor<2x6x8xf32>) -> tensor<2x4x8xf32> {
  %y = fulcrum.attention %q, %k, %v {fulcrum.precision = "bf16", head_dim = 8 : i64, scale = 0.35 : f32} : (tensor<2x4x8xf32>, tensor<2x6x8xf32>, tensor<2x6x8xf32>) -> tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// Per-head [B, H, L, D] with a dynamic batch and an additive mask that
// broadcasts over batch and heads (stride 0), causal: flags 1 | 4.
// CHECK-LABEL: func @per_head_masked_causal
// CHECK: call @fulcrum_attention_f32_avx2(%[[B:.*]], %[[H:.*]], {{.*}}, %c0_i64, %c0_i64, {{.*}}, %c5_i64, %{{.*}}, %c0_i64, %c0_i64, %c4_i64, %{{.*}}, %c528_i64, %c8_i64)
func.func @per_head_masked_causal(%q: tensor<?x2x4x8xf32>, %k: tensor<?x2x4x8xf32>, %v: tensor<?x2x4x8xf32>, %m: tensor<1x1x4x4xf32>) -> tensor<?x2x4x8xf32> {
  %y = fulcrum.attention %q, %k, %v mask %m {head_dim = 8 : i64, num_heads = 2 : i64, scale = 0.35 : f32, mask_kind = "additive", causal = true} : (tensor<?x2x4x8xf32>, tensor<?x2x4x8xf32>, tensor<?x2x4x8xf32>, tensor<1x1x4x4xf32>) -> tensor<?x2x4x8xf32>
  return %y : tensor<?x2x4x8xf32>
}

// -----

// A dynamic key count: no planned workspace (address, slot size and slots
// 0); the kernel allocates its threads' scratch itself. The tile is priced
// at 4096 keys: with D = 8 their keys and values (and a register tile of
// scores) fit half the second-level cache, so one tile of 4096.
// CHECK-LABEL: func @dynamic_keys
// CHECK-NOT: memref.alloc() {alignment = 64 : i64} : memref<{{[0-9]+}}xf32>
// CHECK: call @fulcrum_attention_f32_avx2({{.*}}, %c4096_i64, %c0_i64, %c0_i64, %c0_i64) {fulcrum.writes = array<i64: 18>}
func.func @dynamic_keys(%q: tensor<2x4x8xf32>, %k: tensor<2x?x8xf32>, %v: tensor<2x?x8xf32>) -> tensor<2x4x8xf32> {
  %y = fulcrum.attention %q, %k, %v {head_dim = 8 : i64, scale = 0.35 : f32} : (tensor<2x4x8xf32>, tensor<2x?x8xf32>, tensor<2x?x8xf32>) -> tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// The key tile priced on the target description (fulcrum::cost::
// chooseAttentionKeyTile). 2048 keys of D = Dv = 64: the direct form's keys
// and values (1 MiB) outgrow half of either preset's second-level cache and
// would be read from the third for every register tile of query rows; the
// largest tile that fits half of it wins over smaller ones, which pay the
// online softmax's bookkeeping more often: 960 keys (960 x 128 x 4 bytes
// and 8 score rows within 512 KiB) on x86-64-v4 (1 MiB L2), 480 on
// x86-64-v3 (512 KiB).
// CHECK-LABEL: func @long_keys
// CHECK: call @fulcrum_attention_f32_avx2({{.*}}, %c960_i64, %{{.*}}, %c{{[0-9]+}}_i64, %c8_i64)
// V3-LABEL: func @long_keys
// V3: call @fulcrum_attention_f32_avx2({{.*}}, %c480_i64, %{{.*}}, %c{{[0-9]+}}_i64, %c8_i64)
func.func @long_keys(%q: tensor<4x2048x64xf32>, %k: tensor<4x2048x64xf32>, %v: tensor<4x2048x64xf32>) -> tensor<4x2048x64xf32> {
  %y = fulcrum.attention %q, %k, %v {head_dim = 64 : i64, scale = 0.125 : f32} : (tensor<4x2048x64xf32>, tensor<4x2048x64xf32>, tensor<4x2048x64xf32>) -> tensor<4x2048x64xf32>
  return %y : tensor<4x2048x64xf32>
}

// -----

// 512 keys: on x86-64-v4 the direct form (256 KiB of keys and values
// fit half the L2) beats every tile; on x86-64-v3 they do not, and 480 keys
// do.
// CHECK-LABEL: func @keys_512
// CHECK: call @fulcrum_attention_f32_avx2({{.*}}, %c512_i64, %{{.*}}, %c{{[0-9]+}}_i64, %c8_i64)
// V3-LABEL: func @keys_512
// V3: call @fulcrum_attention_f32_avx2({{.*}}, %c480_i64, %{{.*}}, %c{{[0-9]+}}_i64, %c8_i64)
func.func @keys_512(%q: tensor<4x512x64xf32>, %k: tensor<4x512x64xf32>, %v: tensor<4x512x64xf32>) -> tensor<4x512x64xf32> {
  %y = fulcrum.attention %q, %k, %v {head_dim = 64 : i64, scale = 0.125 : f32} : (tensor<4x512x64xf32>, tensor<4x512x64xf32>, tensor<4x512x64xf32>) -> tensor<4x512x64xf32>
  return %y : tensor<4x512x64xf32>
}

// -----

// ViT-B/16's 197 tokens run in the direct form on both: any tile computes
// at least as many padded columns (128 + 80 = 208 as the direct 208) and
// adds a second round of bookkeeping per row.
// CHECK-LABEL: func @negative_tiles_197
// CHECK: call @fulcrum_attention_f32_avx2({{.*}}, %c197_i64, %{{.*}}, %c{{[0-9]+}}_i64, %c8_i64)
// V3-LABEL: func @negative_tiles_197
// V3: call @fulcrum_attention_f32_avx2({{.*}}, %c197_i64, %{{.*}}, %c{{[0-9]+}}_i64, %c8_i64)
func.func @negative_tiles_197(%q: tensor<12x197x64xf32>, %k: tensor<12x197x64xf32>, %v: tensor<12x197x64xf32>) -> tensor<12x197x64xf32> {
  %y = fulcrum.attention %q, %k, %v {head_dim = 64 : i64, scale = 0.125 : f32} : (tensor<12x197x64xf32>, tensor<12x197x64xf32>, tensor<12x197x64xf32>) -> tensor<12x197x64xf32>
  return %y : tensor<12x197x64xf32>
}
// -----

// Rank 5 (two batch dimensions besides the heads) is not a kernel shape:
// the loops stay, and the softmax is left to the softmax kernel.
// CHECK-LABEL: func @negative_rank_5
// CHECK-NOT: call @fulcrum_attention
// CHECK: linalg.generic
func.func @negative_rank_5(%q: tensor<1x2x2x4x8xf32>, %k: tensor<1x2x2x4x8xf32>, %v: tensor<1x2x2x4x8xf32>) -> tensor<1x2x2x4x8xf32> {
  %y = fulcrum.attention %q, %k, %v {head_dim = 8 : i64, scale = 0.35 : f32} : (tensor<1x2x2x4x8xf32>, tensor<1x2x2x4x8xf32>, tensor<1x2x2x4x8xf32>) -> tensor<1x2x2x4x8xf32>
  return %y : tensor<1x2x2x4x8xf32>
}

// -----

// An untagged generic chain (an ordinary softmax between products) is not
// an attention group.
// CHECK-LABEL: func @negative_untagged
// CHECK-NOT: call @fulcrum_attention
func.func @negative_untagged(%x: tensor<2x4x6xf32>) -> tensor<2x4x6xf32> {
  %y = onnx.Softmax(%x) {axis = -1 : i64} : (tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  return %y : tensor<2x4x6xf32>
}

// -----

// Q, K and V gathered from a transpose of the projections' token-major
// layout [B, L, 3, H, D], and the output transposed back to [B, L, H, D]:
// the kernel reads Q, K and V in place through their strides (heads 16
// floats apart, rows 96) and writes O through the inverse transpose's
// (heads 16 floats apart, rows 32); neither transpose is copied.
// CHECK-LABEL: func @packed_transposed
// CHECK-NOT: linalg.transpose
// CHECK: memref.transpose %arg0 (d0, d1, d2, d3, d4) -> (d2, d0, d3, d1, d4)
// CHECK: %[[OUT:.*]] = memref.alloc() {{.*}} : memref<1x6x2x16xf32>
// CHECK: memref.transpose %[[OUT]] (d0, d1, d2, d3) -> (d0, d2, d1, d3) : memref<1x6x2x16xf32> to memref<1x2x6x16xf32, strided<[192, 16, 32, 1]>>
// CHECK-NOT: linalg.transpose
// CHECK: call @fulcrum_attention_f32_avx2
// CHECK-NOT: linalg.transpose
// CHECK: return %[[OUT]]
func.func @packed_transposed(%x: tensor<1x6x3x2x16xf32>) -> tensor<1x6x2x16xf32> {
  %t = onnx.Transpose(%x) {perm = array<i64: 2, 0, 3, 1, 4>} : (tensor<1x6x3x2x16xf32>) -> tensor<3x1x2x6x16xf32>
  %i0 = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %i1 = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %i2 = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %q = onnx.Gather(%t, %i0) : (tensor<3x1x2x6x16xf32>, tensor<i64>) -> tensor<1x2x6x16xf32>
  %k = onnx.Gather(%t, %i1) : (tensor<3x1x2x6x16xf32>, tensor<i64>) -> tensor<1x2x6x16xf32>
  %v = onnx.Gather(%t, %i2) : (tensor<3x1x2x6x16xf32>, tensor<i64>) -> tensor<1x2x6x16xf32>
  %y = fulcrum.attention %q, %k, %v {head_dim = 16 : i64, scale = 0.25 : f32} : (tensor<1x2x6x16xf32>, tensor<1x2x6x16xf32>, tensor<1x2x6x16xf32>) -> tensor<1x2x6x16xf32>
  %o = onnx.Transpose(%y) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x6x16xf32>) -> tensor<1x6x2x16xf32>
  return %o : tensor<1x6x2x16xf32>
}

// -----

// The transposed copy of Q has another reader (the function returns it):
// the kernel still reads Q in place, and the copy stays for that reader.
// CHECK-LABEL: func @copy_read_elsewhere
// CHECK: linalg.transpose ins(%arg0 : memref<1x6x2x16xf32>) outs(%[[COPY:.*]] : memref<1x2x6x16xf32>)
// CHECK: %[[VIEW:.*]] = memref.transpose %arg0 (d0, d1, d2, d3) -> (d0, d2, d1, d3)
// CHECK: memref.extract_strided_metadata %[[VIEW]]
// CHECK: call @fulcrum_attention_f32_avx2
// CHECK: return %[[COPY]],
func.func @copy_read_elsewhere(%x: tensor<1x6x2x16xf32>, %k: tensor<1x2x6x16xf32>, %v: tensor<1x2x6x16xf32>) -> (tensor<1x2x6x16xf32>, tensor<1x2x6x16xf32>) {
  %q = onnx.Transpose(%x) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x6x2x16xf32>) -> tensor<1x2x6x16xf32>
  %y = fulcrum.attention %q, %k, %v {head_dim = 16 : i64, scale = 0.25 : f32} : (tensor<1x2x6x16xf32>, tensor<1x2x6x16xf32>, tensor<1x2x6x16xf32>) -> tensor<1x2x6x16xf32>
  return %q, %y : tensor<1x2x6x16xf32>, tensor<1x2x6x16xf32>
}

// -----

// A transpose that moves the innermost dimension (D comes from stride 96)
// is no view the kernel can read: the copy stays and the kernel reads it.
// CHECK-LABEL: func @negative_inner_dim_moved
// CHECK: linalg.transpose ins(%arg0 : memref<1x16x2x6xf32>) outs(%[[COPY:.*]] : memref<1x2x6x16xf32>)
// CHECK-NOT: memref.transpose
// CHECK: memref.extract_strided_metadata %[[COPY]]
// CHECK: call @fulcrum_attention_f32_avx2
func.func @negative_inner_dim_moved(%x: tensor<1x16x2x6xf32>, %k: tensor<1x2x6x16xf32>, %v: tensor<1x2x6x16xf32>) -> tensor<1x2x6x16xf32> {
  %q = onnx.Transpose(%x) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x16x2x6xf32>) -> tensor<1x2x6x16xf32>
  %y = fulcrum.attention %q, %k, %v {head_dim = 16 : i64, scale = 0.25 : f32} : (tensor<1x2x6x16xf32>, tensor<1x2x6x16xf32>, tensor<1x2x6x16xf32>) -> tensor<1x2x6x16xf32>
  return %y : tensor<1x2x6x16xf32>
}
