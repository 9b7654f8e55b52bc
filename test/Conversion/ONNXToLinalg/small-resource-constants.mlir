// RUN: fulcrum-opt %s --split-input-file --fulcrum-convert-onnx-to-linalg --canonicalize | FileCheck %s
// RUN: fulcrum-opt %s --split-input-file --fulcrum-convert-onnx-to-linalg --fulcrum-cpu-codegen-pipeline | FileCheck %s --check-prefix=LLVM

// Pattern: ConstantLowering
// A small initializer (dense_resource) becomes dense<>, so that the
// lowerings that read it as a scalar (Pad's constant_value here) fold: the
// canonicalizer crashes on tensor.extract of a dense_resource in LLVM 19.
// CHECK-LABEL: func @main_graph
// CHECK: tensor.pad
// CHECK: tensor.yield %{{.*}} : f32
// LLVM-LABEL: llvm.func @main_graph
func.func @main_graph(%x: tensor<2x3xf32>) -> tensor<3x7xf32> {
  %p = onnx.Constant() {value = dense<[0, 1, 1, 3]> : tensor<4xi64>} : () -> tensor<4xi64>
  %v = onnx.Constant() {value = dense_resource<v> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.Pad(%x, %p, %v) : (tensor<2x3xf32>, tensor<4xi64>, tensor<f32>) -> tensor<3x7xf32>
  return %0 : tensor<3x7xf32>
}
{-#
  dialect_resources: {
    builtin: {
      v: "0x0400000000004040"
    }
  }
#-}

// -----

// A rank-0 initializer used by an element-wise op compiles to LLVM (its
// dense_resource global used to crash the memref-to-LLVM lowering).
// CHECK-LABEL: func @main_graph
// CHECK: arith.constant dense<3.000000e+00> : tensor<f32>
// LLVM-LABEL: llvm.func @main_graph
func.func @main_graph(%x: tensor<2xf32>) -> tensor<2xf32> {
  %c = onnx.Constant() {value = dense_resource<c> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.Add(%x, %c) : (tensor<2xf32>, tensor<f32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      c: "0x0400000000004040"
    }
  }
#-}

// -----

// negative_: a large initializer stays a dense_resource blob (no copy into
// the context's uniqued attributes).
// CHECK-LABEL: func @main_graph
// CHECK: arith.constant dense_resource<big> : tensor<65xi8>
// LLVM-LABEL: llvm.func @main_graph
func.func @main_graph() -> tensor<65xi8> {
  %c = onnx.Constant() {value = dense_resource<big> : tensor<65xi8>} : () -> tensor<65xi8>
  return %c : tensor<65xi8>
}
{-#
  dialect_resources: {
    builtin: {
      big: "0x010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}
