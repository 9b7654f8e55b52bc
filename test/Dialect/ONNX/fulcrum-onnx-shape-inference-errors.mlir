// RUN: fulcrum-opt %s --fulcrum-onnx-shape-inference --split-input-file --verify-diagnostics

// Malformed subgraphs are errors of the pass (not crashes).

// A Scan body with fewer inputs than states and scan inputs is an error.
func.func @scan_short_body(%s: tensor<2xf32>, %x: tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  // expected-error @below {{'onnx.Scan' op a subgraph takes 1 inputs, 2 expected}}
  %0:2 = onnx.Scan(%s, %x) body {
  ^bb0(%si: tensor<2xf32>):
    onnx.Yield %si, %si : tensor<2xf32>, tensor<2xf32>
  } {num_scan_inputs = 1 : i64} : (tensor<2xf32>, tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>)
  return %0#0, %0#1 : tensor<2xf32>, tensor<3x2xf32>
}

// -----

// An If branch that yields another number of values than the If has
// results.
func.func @if_short_branch(%c: tensor<i1>, %a: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  // expected-error @below {{'onnx.If' op a subgraph yields 1 values, 2 expected}}
  %0:2 = onnx.If(%c) else_branch {
    onnx.Yield %a, %a : tensor<2xf32>, tensor<2xf32>
  } then_branch {
    onnx.Yield %a : tensor<2xf32>
  } : (tensor<i1>) -> (tensor<2xf32>, tensor<2xf32>)
  return %0#0, %0#1 : tensor<2xf32>, tensor<2xf32>
}
