// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --split-input-file | FileCheck %s

// fulcrum.attention lowers to tagged generics (scores, logits, the
// softmax's max, sum and normalization, P.V) that the CPU target replaces
// with its fused kernel and other targets run as they are.

// Pattern: AttentionLowering
// CHECK-LABEL: func @attention
// CHECK: linalg.generic {{.*}} ins(%arg0, %arg1 : tensor<2x4x8xf32>, tensor<2x6x8xf32>) outs(%{{.*}} : tensor<2x4x6xf32>) attrs = {fulcrum.attention_id = 0 : i64, fulcrum.attention_part = "scores"}
// CHECK: fulcrum.attention_part = "logits"
// CHECK: fulcrum.attention_part = "max"
// CHECK: fulcrum.attention_part = "sum"
// CHECK: math.exp
// CHECK: fulcrum.attention_part = "probs"
// CHECK: fulcrum.attention_part = "output"
func.func @attention(%q: tensor<2x4x8xf32>, %k: tensor<2x6x8xf32>, %v: tensor<2x6x8xf32>) -> tensor<2x4x8xf32> {
  %0 = fulcrum.attention %q, %k, %v {head_dim = 8 : i64, scale = 0.35 : f32} : (tensor<2x4x8xf32>, tensor<2x6x8xf32>, tensor<2x6x8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}
