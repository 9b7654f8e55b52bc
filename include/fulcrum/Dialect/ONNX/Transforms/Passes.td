//===- Passes.td - onnx dialect passes ---------------------*- tablegen -*-===//

#ifndef FULCRUM_DIALECT_ONNX_TRANSFORMS_PASSES_TD
#define FULCRUM_DIALECT_ONNX_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def ONNXShapeInference : Pass<"fulcrum-onnx-shape-inference", "::mlir::func::FuncOp"> {
  let summary = "Refine the result types of ONNX operations";
  let description = [{
    Walks a function in order and, for every operation that implements
    `ShapeInferenceOpInterface`, replaces each result type by the most
    specific type compatible with both the declared and the inferred one
    (for example `tensor<*xf32>` or `tensor<?x10xf32>` becomes
    `tensor<4x10xf32>`). Rewrites such as constant folding or pruning leave
    types stale; this pass makes them precise again. The function's result
    types are updated to what it returns.

    Assumes the IR verifies; a type that conflicts with inference is an
    error (the verifier would have reported it) and fails the pass.

    ```mlir
    func.func @f(%x: tensor<2x3xf32>) -> tensor<*xf32> {
      %0 = onnx.Relu(%x) : (tensor<2x3xf32>) -> tensor<*xf32>
      return %0 : tensor<*xf32>
    }
    // becomes
    func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
      %0 = onnx.Relu(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
      return %0 : tensor<2x3xf32>
    }
    ```
  }];
  let dependentDialects = ["::fulcrum::onnx::ONNXDialect"];
  let statistics = [
    Statistic<"numRefined", "num-refined", "Number of result types refined">
  ];
}

#endif // FULCRUM_DIALECT_ONNX_TRANSFORMS_PASSES_TD
