// The graph phase ends with graph-level fusion, which its `fuse` option
// turns off.
// RUN: fulcrum-opt %s --pass-pipeline='builtin.module(fulcrum-graph-pipeline)' | FileCheck %s
// RUN: fulcrum-opt %s --pass-pipeline='builtin.module(fulcrum-graph-pipeline{fuse=false})' | FileCheck %s --check-prefix=OFF
// RUN: fulcrum-opt %s --pass-pipeline='builtin.module(fulcrum-graph-pipeline{fusion-remarks=true})' -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK

// CHECK-LABEL: func.func @main_graph
// CHECK: fulcrum.gemm %arg0, %arg1 {activation = "relu"}
// CHECK-NOT: onnx.Relu
// OFF-LABEL: func.func @main_graph
// OFF: onnx.Gemm
// OFF: onnx.Relu
// OFF-NOT: fulcrum.
// REMARK: remark: fused activation 'onnx.Relu'
func.func @main_graph(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %none = onnx.NoValue
  %0 = onnx.Gemm(%a, %b, %none) : (tensor<2x3xf32>, tensor<3x4xf32>, none) -> tensor<2x4xf32>
  %1 = onnx.Relu(%0) : (tensor<2x4xf32>) -> tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}
