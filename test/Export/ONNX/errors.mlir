// RUN: fulcrum-translate --export-onnx %s --split-input-file --verify-diagnostics -o /dev/null

// Every user-facing error of the exporter names the operation and the
// reason, and nothing is written.

// A fused fulcrum op has no ONNX form: export before graph-level fusion.
func.func @main_graph(%a: tensor<4x8xf32>, %g: tensor<16x8xf32>) -> tensor<4x16xf32> {
  // expected-error @below {{'fulcrum.gemm' has no ONNX form and cannot be exported (export before graph-level fusion, or with --fuse=false)}}
  %0 = fulcrum.gemm %a, %g {transB = 1 : i64} : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// Operations of other dialects neither.
func.func @main_graph(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{'arith.addf' has no ONNX form and cannot be exported}}
  %0 = arith.addf %a, %a : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A type without an ONNX element type.
// expected-error @below {{type 'tensor<4xindex>' has no ONNX form}}
func.func @main_graph(%a: tensor<4xindex>) -> tensor<4xindex> {
  return %a : tensor<4xindex>
}

// -----

// expected-error @below {{no function to export (no @main_graph, and not exactly one function)}}
module {
  func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {
    return %a : tensor<4xf32>
  }
  func.func @g(%a: tensor<4xf32>) -> tensor<4xf32> {
    return %a : tensor<4xf32>
  }
}
