// The registered pipelines take pass options, as upstream pipelines do.
// RUN: fulcrum-opt %s --pass-pipeline='builtin.module(fulcrum-linalg-pipeline)' | FileCheck %s --check-prefix=FUSED
// RUN: fulcrum-opt %s --pass-pipeline='builtin.module(fulcrum-linalg-pipeline{fuse-elementwise=false})' | FileCheck %s --check-prefix=UNFUSED
// RUN: fulcrum-opt %s --pass-pipeline='builtin.module(fulcrum-linalg-pipeline,fulcrum-cpu-codegen-pipeline{entry-point=second})' | FileCheck %s --check-prefix=ENTRY
// RUN: not fulcrum-opt %s --pass-pipeline='builtin.module(fulcrum-linalg-pipeline{fuse-all=1})' 2>&1 | FileCheck %s --check-prefix=BAD

// Two element-wise ops: one fused generic by default, two without fusion.
// FUSED-LABEL: func.func @main_graph
// FUSED-COUNT-1: linalg.generic
// FUSED-NOT: linalg.generic
// UNFUSED-LABEL: func.func @main_graph
// UNFUSED-COUNT-2: linalg.generic
func.func @main_graph(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Relu(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = onnx.Neg(%0) : (tensor<4xf32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// The C interface goes to the entry point the option names.
// ENTRY-NOT: _mlir_ciface_main_graph
// ENTRY: llvm.func @_mlir_ciface_second
// ENTRY-NOT: _mlir_ciface_main_graph
func.func @second(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// BAD: no such option fuse-all
// BAD: error: failed to add `fulcrum-linalg-pipeline` with options `fuse-all=1`
