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

def ONNXFoldShapeComputations
    : Pass<"fulcrum-onnx-fold-shape-computations", "::mlir::func::FuncOp"> {
  let summary = "Replace shape computations known at compile time by constants";
  let description = [{
    Exporters such as `torch.onnx` compute reshape targets and expand sizes
    at run time from `Shape` (`Shape` -> `Gather` -> `Div` -> `Unsqueeze`
    -> `Concat` -> `Reshape`), even when every size involved is static.
    This pass replaces each integer tensor of at most 64 elements whose
    value is fully known (see `getKnownInts`: constants and shape
    arithmetic over static dimensions) by an `onnx.Constant`, so the
    consumers see constant shapes and later passes can drop the
    computation. Partly known values (a dynamic batch in the first
    element) are left in place; shape inference still uses their known
    elements.

    ```mlir
    %s = onnx.Shape(%x) : (tensor<?x50x192xf32>) -> tensor<3xi64>
    %i = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
    %d = onnx.Gather(%s, %i) : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
    // %d becomes
    %d = onnx.Constant() {value = dense<192> : tensor<i64>} : () -> tensor<i64>
    ```
  }];
  let dependentDialects = ["::fulcrum::onnx::ONNXDialect"];
  let statistics = [
    Statistic<"numFolded", "num-folded", "Number of values made constant">
  ];
}

#endif // FULCRUM_DIALECT_ONNX_TRANSFORMS_PASSES_TD
