// RUN: fulcrum-opt %s --split-input-file --verify-diagnostics --fulcrum-emit-c-interface | FileCheck %s

// The entry point gets a C interface; ONNX names are dropped.
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %{{.*}}: tensor<2xf32>) -> tensor<2xf32>
// CHECK-SAME: attributes {llvm.emit_c_interface}
func.func @main_graph(%x: tensor<2xf32> {onnx.name = "x"}) -> (tensor<2xf32> {onnx.name = "y"}) {
  return %x : tensor<2xf32>
}

// -----

// expected-error @below {{no entry point function @main_graph}}
module {
  func.func @other(%x: tensor<2xf32>) -> tensor<2xf32> {
    return %x : tensor<2xf32>
  }
}

// -----

// negative_: only the entry point is marked; other functions keep their
// attributes.
// CHECK-LABEL: func.func @negative_helper(
// CHECK-SAME: onnx.name = "h"
// CHECK-NOT: llvm.emit_c_interface
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: llvm.emit_c_interface
func.func @negative_helper(%x: tensor<2xf32> {onnx.name = "h"}) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
func.func @main_graph(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
