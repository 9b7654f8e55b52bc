// RUN: fulcrum-opt %s --split-input-file --verify-diagnostics --fulcrum-emit-c-interface | FileCheck %s

// The entry point gets a C interface; ONNX names move to function attributes.
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %{{.*}}: tensor<2xf32>) -> tensor<2xf32>
// CHECK-SAME: fulcrum.input_names = ["x"]
// CHECK-SAME: fulcrum.output_names = ["y"]
// CHECK-SAME: llvm.emit_c_interface
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
