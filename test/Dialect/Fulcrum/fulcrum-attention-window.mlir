// RUN: fulcrum-opt %s --fulcrum-attention-window="window=8 global-tokens=1" --split-input-file | FileCheck %s
// RUN: not fulcrum-opt %s --fulcrum-attention-window="window=-1" --split-input-file 2>&1 | FileCheck %s --check-prefix=ERR

// Every attention becomes local, the class token global.
// CHECK-LABEL: func @windowed
// CHECK: fulcrum.attention %arg0, %arg0, %arg0 {global_tokens = 1 : i64, head_dim = 8 : i64, scale = 1.000000e+00 : f32, window = 8 : i64}
// ERR: error: fulcrum-attention-window: window and global-tokens must not be negative
func.func @windowed(%q: tensor<2x50x8xf32>) -> tensor<2x50x8xf32> {
  %0 = fulcrum.attention %q, %q, %q {head_dim = 8 : i64, scale = 1.0 : f32} : (tensor<2x50x8xf32>, tensor<2x50x8xf32>, tensor<2x50x8xf32>) -> tensor<2x50x8xf32>
  return %0 : tensor<2x50x8xf32>
}

// -----

// A softmax that is not an attention is not touched.
// CHECK-LABEL: func @negative_plain_softmax
// CHECK: onnx.Softmax
// CHECK-NOT: window
func.func @negative_plain_softmax(%x: tensor<2x50x50xf32>) -> tensor<2x50x50xf32> {
  %0 = onnx.Softmax(%x) {axis = -1 : i64} : (tensor<2x50x50xf32>) -> tensor<2x50x50xf32>
  return %0 : tensor<2x50x50xf32>
}
