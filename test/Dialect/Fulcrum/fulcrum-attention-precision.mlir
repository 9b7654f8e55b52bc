// RUN: fulcrum-opt %s --fulcrum-attention-precision="precision=bf16" --split-input-file | FileCheck %s
// RUN: fulcrum-opt %s --fulcrum-attention-precision="precision=fp32" --split-input-file | FileCheck %s --check-prefix=FP32
// RUN: not fulcrum-opt %s --fulcrum-attention-precision="precision=fp16" --split-input-file 2>&1 | FileCheck %s --check-prefix=ERR
// The lowering rounds both products' operands to bf16 and tells the kernel.
// RUN: fulcrum-opt %s --fulcrum-attention-precision="precision=bf16" --split-input-file --fulcrum-convert-onnx-to-linalg | FileCheck %s --check-prefix=LOWERED

// Every attention gets the annotation; fp32 removes it.
// CHECK-LABEL: func @annotated
// CHECK: fulcrum.attention %arg0, %arg0, %arg0 {fulcrum.precision = "bf16", head_dim = 8 : i64, scale = 1.000000e+00 : f32}
// FP32-LABEL: func @annotated
// FP32-NOT: fulcrum.precision
// ERR: error: fulcrum-attention-precision: precision must be bf16 or fp32, not 'fp16'
// LOWERED-LABEL: func @annotated
// LOWERED: fulcrum.attention_part = "scores"
// LOWERED: arith.truncf %{{.*}} : f32 to bf16
// LOWERED: arith.truncf %{{.*}} : f32 to bf16
// LOWERED: arith.extf
// LOWERED: arith.extf
// LOWERED: arith.mulf
// LOWERED: fulcrum.attention = {{{.*}}precision = "bf16"
// LOWERED-SAME: fulcrum.attention_part = "output"
// LOWERED: arith.truncf %{{.*}} : f32 to bf16
// LOWERED: arith.truncf %{{.*}} : f32 to bf16
func.func @annotated(%q: tensor<2x50x8xf32>) -> tensor<2x50x8xf32> {
  %0 = fulcrum.attention %q, %q, %q {fulcrum.precision = "fp32", head_dim = 8 : i64, scale = 1.0 : f32} : (tensor<2x50x8xf32>, tensor<2x50x8xf32>, tensor<2x50x8xf32>) -> tensor<2x50x8xf32>
  return %0 : tensor<2x50x8xf32>
}

// -----

// A softmax that is not an attention is not touched.
// CHECK-LABEL: func @negative_plain_softmax
// CHECK: onnx.Softmax
// CHECK-NOT: fulcrum.precision
// LOWERED-LABEL: func @negative_plain_softmax
// LOWERED-NOT: bf16
func.func @negative_plain_softmax(%x: tensor<2x50x50xf32>) -> tensor<2x50x50xf32> {
  %0 = onnx.Softmax(%x) {axis = -1 : i64} : (tensor<2x50x50xf32>) -> tensor<2x50x50xf32>
  return %0 : tensor<2x50x50xf32>
}
