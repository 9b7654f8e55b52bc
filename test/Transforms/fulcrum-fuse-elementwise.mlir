// RUN: fulcrum-opt %s --split-input-file --fulcrum-fuse-elementwise | FileCheck %s

// A producer generic with one use is fused into its consumer.
// CHECK-LABEL: func.func @chain(
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
#id = affine_map<(d0) -> (d0)>
func.func @chain(%a: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%a : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.exp %x : f32
    linalg.yield %y : f32
  } -> tensor<8xf32>
  %1 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%0, %b : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %1 : tensor<8xf32>
}

// -----

// negative_: a named contraction is neither fused into its consumer nor
// made a generic when a reshape is propagated through it (upstream's
// linalg-fuse-elementwise-ops turns it into a generic).
// CHECK-LABEL: func.func @negative_named(
// CHECK: linalg.matmul
// CHECK: tensor.expand_shape
// CHECK: linalg.generic
#id2 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @negative_named(%a: tensor<4x3xf32>, %b: tensor<3x6xf32>, %c: tensor<2x2x6xf32>) -> tensor<2x2x6xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x6xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x6xf32>) -> tensor<4x6xf32>
  %m = linalg.matmul ins(%a, %b : tensor<4x3xf32>, tensor<3x6xf32>) outs(%f : tensor<4x6xf32>) -> tensor<4x6xf32>
  %r = tensor.expand_shape %m [[0, 1], [2]] output_shape [2, 2, 6] : tensor<4x6xf32> into tensor<2x2x6xf32>
  %e3 = tensor.empty() : tensor<2x2x6xf32>
  %1 = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%r, %c : tensor<2x2x6xf32>, tensor<2x2x6xf32>) outs(%e3 : tensor<2x2x6xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<2x2x6xf32>
  return %1 : tensor<2x2x6xf32>
}

// -----

// negative_: the ops of a lowered fulcrum.attention (tagged
// fulcrum.attention_id) stay apart, for the CPU target's fused kernel.
// CHECK-LABEL: func.func @negative_attention_group(
// CHECK: linalg.generic {{.*}} fulcrum.attention_part = "logits"
// CHECK: linalg.generic {{.*}} fulcrum.attention_part = "probs"
#att = affine_map<(d0, d1) -> (d0, d1)>
func.func @negative_attention_group(%s: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %c = arith.constant 0.5 : f32
  %e = tensor.empty() : tensor<4x6xf32>
  %t = linalg.generic {indexing_maps = [#att, #att], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) attrs = {fulcrum.attention_id = 0 : i64, fulcrum.attention_part = "logits"} {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<4x6xf32>
  %e2 = tensor.empty() : tensor<4x6xf32>
  %p = linalg.generic {indexing_maps = [#att, #att], iterator_types = ["parallel", "parallel"]} ins(%t : tensor<4x6xf32>) outs(%e2 : tensor<4x6xf32>) attrs = {fulcrum.attention_id = 0 : i64, fulcrum.attention_part = "probs"} {
  ^bb0(%x: f32, %o: f32):
    %y = math.exp %x : f32
    linalg.yield %y : f32
  } -> tensor<4x6xf32>
  return %p : tensor<4x6xf32>
}

// -----

// negative_: a per-row 1/sqrt(variance + epsilon) is not fused into the
// per-element normalization that broadcasts it (fused, it would be computed
// for every element of the row); a cheap broadcast producer (a per-row
// shift) is.
// CHECK-LABEL: func.func @negative_costly_broadcast(
// CHECK: %[[INV:.*]] = linalg.generic
// CHECK: math.rsqrt
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[INV]], %{{.*}} : tensor<4x6xf32>, tensor<4xf32>, tensor<4xf32>)
// CHECK-NOT: math.rsqrt
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
#row = affine_map<(d0) -> (d0)>
#full = affine_map<(d0, d1) -> (d0, d1)>
#bcast = affine_map<(d0, d1) -> (d0)>
func.func @negative_costly_broadcast(%x: tensor<4x6xf32>, %var: tensor<4xf32>, %mean: tensor<4xf32>) -> tensor<4x6xf32> {
  %eps = arith.constant 1.0e-5 : f32
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %inv = linalg.generic {indexing_maps = [#row, #row], iterator_types = ["parallel"]} ins(%var : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %a = arith.addf %v, %eps : f32
    %r = math.rsqrt %a : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %shift = linalg.generic {indexing_maps = [#row, #row], iterator_types = ["parallel"]} ins(%mean : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%m: f32, %o: f32):
    %s = arith.addf %m, %one : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %e2 = tensor.empty() : tensor<4x6xf32>
  %y = linalg.generic {indexing_maps = [#full, #bcast, #bcast, #full], iterator_types = ["parallel", "parallel"]} ins(%x, %inv, %shift : tensor<4x6xf32>, tensor<4xf32>, tensor<4xf32>) outs(%e2 : tensor<4x6xf32>) {
  ^bb0(%a: f32, %i: f32, %m: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    %n = arith.mulf %d, %i : f32
    linalg.yield %n : f32
  } -> tensor<4x6xf32>
  return %y : tensor<4x6xf32>
}
