// RUN: fulcrum-opt %s --fulcrum-recognize-attention --split-input-file | FileCheck %s
// RUN: fulcrum-opt %s --fulcrum-recognize-attention="remarks=true" --split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK

// The explicit per-head form (ViT, BERT): a packed projection reshaped to
// [B, L, 3, H, D], permuted, gathered; K transposed; the scores divided by
// sqrt(D).
// CHECK-LABEL: func @explicit_per_head
// CHECK-SAME: (%[[QKV:.*]]: tensor<1x50x192xf32>
// CHECK: %[[Q:.*]] = onnx.Gather
// CHECK: %[[K:.*]] = onnx.Gather
// CHECK: %[[V:.*]] = onnx.Gather
// CHECK-NOT: onnx.Transpose
// CHECK: %[[Y:.*]] = fulcrum.attention %[[Q]], %[[K]], %[[V]] {head_dim = 16 : i64, num_heads = 4 : i64, packed_qkv = true, scale = 2.500000e-01 : f32} : (tensor<1x4x50x16xf32>, tensor<1x4x50x16xf32>, tensor<1x4x50x16xf32>) -> tensor<1x4x50x16xf32>
// CHECK-NOT: onnx.Softmax
// CHECK-NOT: onnx.MatMul
// CHECK: return %[[Y]]
// REMARK: remark: recognized 1 attention block; left 0 Softmax nodes alone
func.func @explicit_per_head(%qkv: tensor<1x50x192xf32>) -> tensor<1x4x50x16xf32> {
  %shape = onnx.Constant() {value = dense<[1, 50, 3, 4, 16]> : tensor<5xi64>} : () -> tensor<5xi64>
  %i0 = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %i1 = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %i2 = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %four = onnx.Constant() {value = dense<4.0> : tensor<f32>} : () -> tensor<f32>
  %r = onnx.Reshape(%qkv, %shape) : (tensor<1x50x192xf32>, tensor<5xi64>) -> tensor<1x50x3x4x16xf32>
  %p = onnx.Transpose(%r) {perm = array<i64: 2, 0, 3, 1, 4>} : (tensor<1x50x3x4x16xf32>) -> tensor<3x1x4x50x16xf32>
  %q = onnx.Gather(%p, %i0) : (tensor<3x1x4x50x16xf32>, tensor<i64>) -> tensor<1x4x50x16xf32>
  %k = onnx.Gather(%p, %i1) : (tensor<3x1x4x50x16xf32>, tensor<i64>) -> tensor<1x4x50x16xf32>
  %v = onnx.Gather(%p, %i2) : (tensor<3x1x4x50x16xf32>, tensor<i64>) -> tensor<1x4x50x16xf32>
  %kt = onnx.Transpose(%k) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x4x50x16xf32>) -> tensor<1x4x16x50xf32>
  %s = onnx.MatMul(%q, %kt) : (tensor<1x4x50x16xf32>, tensor<1x4x16x50xf32>) -> tensor<1x4x50x50xf32>
  %t = onnx.Div(%s, %four) : (tensor<1x4x50x50xf32>, tensor<f32>) -> tensor<1x4x50x50xf32>
  %a = onnx.Softmax(%t) {axis = -1 : i64} : (tensor<1x4x50x50xf32>) -> tensor<1x4x50x50xf32>
  %y = onnx.MatMul(%a, %v) : (tensor<1x4x50x50xf32>, tensor<1x4x50x16xf32>) -> tensor<1x4x50x16xf32>
  return %y : tensor<1x4x50x16xf32>
}

// -----

// nn.MultiheadAttention at a dynamic batch: [L, B*H, D] views transposed to
// [B*H, L, D], q divided by sqrt(D), K^T taken straight from [L, B*H, D]
// (perm [1, 2, 0]): K becomes one transpose (perm [1, 0, 2]).
// CHECK-LABEL: func @mha_dynamic_batch
// CHECK-SAME: (%[[QL:.*]]: tensor<50x?x16xf32>, %[[KL:.*]]: tensor<50x?x16xf32>, %[[V:.*]]: tensor<?x50x16xf32>)
// CHECK: %[[Q:.*]] = onnx.Transpose(%[[QL]]) {perm = array<i64: 1, 0, 2>}
// CHECK: %[[K:.*]] = onnx.Transpose(%[[KL]]) {perm = array<i64: 1, 0, 2>} : (tensor<50x?x16xf32>) -> tensor<?x50x16xf32>
// CHECK: fulcrum.attention %[[Q]], %[[K]], %[[V]] {head_dim = 16 : i64, scale = 2.500000e-01 : f32}
// CHECK-NOT: onnx.Softmax
func.func @mha_dynamic_batch(%ql: tensor<50x?x16xf32>, %kl: tensor<50x?x16xf32>, %v: tensor<?x50x16xf32>) -> tensor<?x50x16xf32> {
  %four = onnx.Constant() {value = dense<4.0> : tensor<f32>} : () -> tensor<f32>
  %q = onnx.Transpose(%ql) {perm = array<i64: 1, 0, 2>} : (tensor<50x?x16xf32>) -> tensor<?x50x16xf32>
  %qs = onnx.Div(%q, %four) : (tensor<?x50x16xf32>, tensor<f32>) -> tensor<?x50x16xf32>
  %kt = onnx.Transpose(%kl) {perm = array<i64: 1, 2, 0>} : (tensor<50x?x16xf32>) -> tensor<?x16x50xf32>
  %s = onnx.MatMul(%qs, %kt) : (tensor<?x50x16xf32>, tensor<?x16x50xf32>) -> tensor<?x50x50xf32>
  %a = onnx.Softmax(%s) {axis = -1 : i64} : (tensor<?x50x50xf32>) -> tensor<?x50x50xf32>
  %y = onnx.MatMul(%a, %v) : (tensor<?x50x50xf32>, tensor<?x50x16xf32>) -> tensor<?x50x16xf32>
  return %y : tensor<?x50x16xf32>
}

// -----

// nn.MultiheadAttention at a static batch: the heads split off a 64-wide
// projection by a Reshape give num_heads = 64 / 16.
// CHECK-LABEL: func @mha_static_heads
// CHECK: fulcrum.attention {{.*}} {head_dim = 16 : i64, num_heads = 4 : i64, scale = 2.500000e-01 : f32}
func.func @mha_static_heads(%x: tensor<50x1x64xf32>, %k: tensor<4x50x16xf32>, %v: tensor<4x50x16xf32>) -> tensor<4x50x16xf32> {
  %shape = onnx.Constant() {value = dense<[50, 4, 16]> : tensor<3xi64>} : () -> tensor<3xi64>
  %four = onnx.Constant() {value = dense<4.0> : tensor<f32>} : () -> tensor<f32>
  %r = onnx.Reshape(%x, %shape) : (tensor<50x1x64xf32>, tensor<3xi64>) -> tensor<50x4x16xf32>
  %q = onnx.Transpose(%r) {perm = array<i64: 1, 0, 2>} : (tensor<50x4x16xf32>) -> tensor<4x50x16xf32>
  %qs = onnx.Div(%q, %four) : (tensor<4x50x16xf32>, tensor<f32>) -> tensor<4x50x16xf32>
  %kt = onnx.Transpose(%k) {perm = array<i64: 0, 2, 1>} : (tensor<4x50x16xf32>) -> tensor<4x16x50xf32>
  %s = onnx.MatMul(%qs, %kt) : (tensor<4x50x16xf32>, tensor<4x16x50xf32>) -> tensor<4x50x50xf32>
  %a = onnx.Softmax(%s) {axis = 2 : i64} : (tensor<4x50x50xf32>) -> tensor<4x50x50xf32>
  %y = onnx.MatMul(%a, %v) : (tensor<4x50x50xf32>, tensor<4x50x16xf32>) -> tensor<4x50x16xf32>
  return %y : tensor<4x50x16xf32>
}

// -----

// Scales on both Q and K (before K's transpose) multiply.
// CHECK-LABEL: func @scale_on_q_and_k
// CHECK: fulcrum.attention %arg0, %arg1, %arg2 {head_dim = 8 : i64, num_heads = 2 : i64, scale = 0.353553{{[0-9]*}} : f32}
func.func @scale_on_q_and_k(%q: tensor<1x2x10x8xf32>, %k: tensor<1x2x10x8xf32>, %v: tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32> {
  %c = onnx.Constant() {value = dense<0.594603539> : tensor<f32>} : () -> tensor<f32>
  %qs = onnx.Mul(%q, %c) : (tensor<1x2x10x8xf32>, tensor<f32>) -> tensor<1x2x10x8xf32>
  %ks = onnx.Mul(%c, %k) : (tensor<f32>, tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32>
  %kt = onnx.Transpose(%ks) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x10x8xf32>) -> tensor<1x2x8x10xf32>
  %s = onnx.MatMul(%qs, %kt) : (tensor<1x2x10x8xf32>, tensor<1x2x8x10xf32>) -> tensor<1x2x10x10xf32>
  %a = onnx.Softmax(%s) {axis = -1 : i64} : (tensor<1x2x10x10xf32>) -> tensor<1x2x10x10xf32>
  %y = onnx.MatMul(%a, %v) : (tensor<1x2x10x10xf32>, tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32>
  return %y : tensor<1x2x10x8xf32>
}

// -----

// An additive [Lq, Lk] mask after the scale is unsqueezed to the scores'
// rank.
// CHECK-LABEL: func @additive_mask
// CHECK: %[[M:.*]] = onnx.Unsqueeze(%arg3, %{{.*}}) : (tensor<10x10xf32>, tensor<2xi64>) -> tensor<1x1x10x10xf32>
// CHECK: fulcrum.attention %arg0, %arg1, %arg2 mask %[[M]] {head_dim = 8 : i64, mask_kind = "additive", num_heads = 2 : i64, scale = 1.250000e-01 : f32}
func.func @additive_mask(%q: tensor<1x2x10x8xf32>, %k: tensor<1x2x10x8xf32>, %v: tensor<1x2x10x8xf32>, %m: tensor<10x10xf32>) -> tensor<1x2x10x8xf32> {
  %c = onnx.Constant() {value = dense<0.125> : tensor<f32>} : () -> tensor<f32>
  %kt = onnx.Transpose(%k) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x10x8xf32>) -> tensor<1x2x8x10xf32>
  %s = onnx.MatMul(%q, %kt) : (tensor<1x2x10x8xf32>, tensor<1x2x8x10xf32>) -> tensor<1x2x10x10xf32>
  %t = onnx.Mul(%s, %c) : (tensor<1x2x10x10xf32>, tensor<f32>) -> tensor<1x2x10x10xf32>
  %u = onnx.Add(%m, %t) : (tensor<10x10xf32>, tensor<1x2x10x10xf32>) -> tensor<1x2x10x10xf32>
  %a = onnx.Softmax(%u) {axis = -1 : i64} : (tensor<1x2x10x10xf32>) -> tensor<1x2x10x10xf32>
  %y = onnx.MatMul(%a, %v) : (tensor<1x2x10x10xf32>, tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32>
  return %y : tensor<1x2x10x8xf32>
}

// -----

// masked_fill(mask, -inf): Where(mask, -inf, scores) keeps where the mask
// is false, so the op's boolean mask (true keeps) is its negation.
// CHECK-LABEL: func @boolean_masked_fill
// CHECK: %[[N:.*]] = onnx.Not(%arg3) : (tensor<1x1x10x10xi1>) -> tensor<1x1x10x10xi1>
// CHECK: fulcrum.attention %arg0, %arg1, %arg2 mask %[[N]] {head_dim = 8 : i64, mask_kind = "boolean", num_heads = 2 : i64, scale = 1.250000e-01 : f32}
func.func @boolean_masked_fill(%q: tensor<1x2x10x8xf32>, %k: tensor<1x2x10x8xf32>, %v: tensor<1x2x10x8xf32>, %m: tensor<1x1x10x10xi1>) -> tensor<1x2x10x8xf32> {
  %c = onnx.Constant() {value = dense<8.0> : tensor<f32>} : () -> tensor<f32>
  %ninf = onnx.Constant() {value = dense<0xFF800000> : tensor<f32>} : () -> tensor<f32>
  %kt = onnx.Transpose(%k) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x10x8xf32>) -> tensor<1x2x8x10xf32>
  %s = onnx.MatMul(%q, %kt) : (tensor<1x2x10x8xf32>, tensor<1x2x8x10xf32>) -> tensor<1x2x10x10xf32>
  %t = onnx.Div(%s, %c) : (tensor<1x2x10x10xf32>, tensor<f32>) -> tensor<1x2x10x10xf32>
  %u = onnx.Where(%m, %ninf, %t) : (tensor<1x1x10x10xi1>, tensor<f32>, tensor<1x2x10x10xf32>) -> tensor<1x2x10x10xf32>
  %a = onnx.Softmax(%u) {axis = -1 : i64} : (tensor<1x2x10x10xf32>) -> tensor<1x2x10x10xf32>
  %y = onnx.MatMul(%a, %v) : (tensor<1x2x10x10xf32>, tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32>
  return %y : tensor<1x2x10x8xf32>
}

// -----

// A softmax over the queries (axis 2 of 4) is not attention.
// CHECK-LABEL: func @negative_wrong_axis
// CHECK: onnx.Softmax
// CHECK-NOT: fulcrum.attention
// REMARK: remark: attention not recognized at Softmax {{.*}}: it normalizes axis 2, not the last (the keys)
// REMARK: remark: recognized 0 attention blocks; left 1 Softmax node alone
func.func @negative_wrong_axis(%q: tensor<1x2x10x8xf32>, %k: tensor<1x2x10x8xf32>, %v: tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32> {
  %c = onnx.Constant() {value = dense<8.0> : tensor<f32>} : () -> tensor<f32>
  %kt = onnx.Transpose(%k) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x10x8xf32>) -> tensor<1x2x8x10xf32>
  %s = onnx.MatMul(%q, %kt) : (tensor<1x2x10x8xf32>, tensor<1x2x8x10xf32>) -> tensor<1x2x10x10xf32>
  %t = onnx.Div(%s, %c) : (tensor<1x2x10x10xf32>, tensor<f32>) -> tensor<1x2x10x10xf32>
  %a = onnx.Softmax(%t) {axis = 2 : i64} : (tensor<1x2x10x10xf32>) -> tensor<1x2x10x10xf32>
  %y = onnx.MatMul(%a, %v) : (tensor<1x2x10x10xf32>, tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32>
  return %y : tensor<1x2x10x8xf32>
}

// -----

// Without a scale on Q, K or the scores the block is left alone.
// CHECK-LABEL: func @negative_missing_scale
// CHECK: onnx.Softmax
// CHECK-NOT: fulcrum.attention
// REMARK: remark: attention not recognized at Softmax {{.*}}: no scale on Q, K or the scores
func.func @negative_missing_scale(%q: tensor<1x2x10x8xf32>, %k: tensor<1x2x10x8xf32>, %v: tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32> {
  %kt = onnx.Transpose(%k) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x10x8xf32>) -> tensor<1x2x8x10xf32>
  %s = onnx.MatMul(%q, %kt) : (tensor<1x2x10x8xf32>, tensor<1x2x8x10xf32>) -> tensor<1x2x10x10xf32>
  %a = onnx.Softmax(%s) {axis = -1 : i64} : (tensor<1x2x10x10xf32>) -> tensor<1x2x10x10xf32>
  %y = onnx.MatMul(%a, %v) : (tensor<1x2x10x10xf32>, tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32>
  return %y : tensor<1x2x10x8xf32>
}

// -----

// The scores have a second user (they are returned): nothing is fused.
// CHECK-LABEL: func @negative_second_user_of_scores
// CHECK: onnx.Softmax
// CHECK-NOT: fulcrum.attention
// REMARK: remark: attention not recognized at Softmax {{.*}}: its scores have a second user
func.func @negative_second_user_of_scores(%q: tensor<1x2x10x8xf32>, %k: tensor<1x2x10x8xf32>, %v: tensor<1x2x10x8xf32>) -> (tensor<1x2x10x8xf32>, tensor<1x2x10x10xf32>) {
  %c = onnx.Constant() {value = dense<8.0> : tensor<f32>} : () -> tensor<f32>
  %kt = onnx.Transpose(%k) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x10x8xf32>) -> tensor<1x2x8x10xf32>
  %s = onnx.MatMul(%q, %kt) : (tensor<1x2x10x8xf32>, tensor<1x2x8x10xf32>) -> tensor<1x2x10x10xf32>
  %t = onnx.Div(%s, %c) : (tensor<1x2x10x10xf32>, tensor<f32>) -> tensor<1x2x10x10xf32>
  %a = onnx.Softmax(%t) {axis = -1 : i64} : (tensor<1x2x10x10xf32>) -> tensor<1x2x10x10xf32>
  %y = onnx.MatMul(%a, %v) : (tensor<1x2x10x10xf32>, tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32>
  return %y, %s : tensor<1x2x10x8xf32>, tensor<1x2x10x10xf32>
}

// -----

// The attention weights are returned too (need_weights): left alone.
// CHECK-LABEL: func @negative_second_user_of_probabilities
// CHECK-NOT: fulcrum.attention
// REMARK: remark: attention not recognized at Softmax {{.*}}: its probabilities have other users than the product with the values
func.func @negative_second_user_of_probabilities(%q: tensor<1x2x10x8xf32>, %k: tensor<1x2x10x8xf32>, %v: tensor<1x2x10x8xf32>) -> (tensor<1x2x10x8xf32>, tensor<1x2x10x10xf32>) {
  %c = onnx.Constant() {value = dense<8.0> : tensor<f32>} : () -> tensor<f32>
  %kt = onnx.Transpose(%k) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x10x8xf32>) -> tensor<1x2x8x10xf32>
  %s = onnx.MatMul(%q, %kt) : (tensor<1x2x10x8xf32>, tensor<1x2x8x10xf32>) -> tensor<1x2x10x10xf32>
  %t = onnx.Div(%s, %c) : (tensor<1x2x10x10xf32>, tensor<f32>) -> tensor<1x2x10x10xf32>
  %a = onnx.Softmax(%t) {axis = -1 : i64} : (tensor<1x2x10x10xf32>) -> tensor<1x2x10x10xf32>
  %y = onnx.MatMul(%a, %v) : (tensor<1x2x10x10xf32>, tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32>
  return %y, %a : tensor<1x2x10x8xf32>, tensor<1x2x10x10xf32>
}

// -----

// A broadcast product (K shared by every head) is not matched.
// CHECK-LABEL: func @negative_broadcast_product
// CHECK-NOT: fulcrum.attention
func.func @negative_broadcast_product(%q: tensor<1x2x10x8xf32>, %k: tensor<10x8xf32>, %v: tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32> {
  %c = onnx.Constant() {value = dense<8.0> : tensor<f32>} : () -> tensor<f32>
  %kt = onnx.Transpose(%k) {perm = array<i64: 1, 0>} : (tensor<10x8xf32>) -> tensor<8x10xf32>
  %s = onnx.MatMul(%q, %kt) : (tensor<1x2x10x8xf32>, tensor<8x10xf32>) -> tensor<1x2x10x10xf32>
  %t = onnx.Div(%s, %c) : (tensor<1x2x10x10xf32>, tensor<f32>) -> tensor<1x2x10x10xf32>
  %a = onnx.Softmax(%t) {axis = -1 : i64} : (tensor<1x2x10x10xf32>) -> tensor<1x2x10x10xf32>
  %y = onnx.MatMul(%a, %v) : (tensor<1x2x10x10xf32>, tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32>
  return %y : tensor<1x2x10x8xf32>
}
