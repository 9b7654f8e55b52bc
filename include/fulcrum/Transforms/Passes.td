//===- Passes.td - Fulcrum's target-independent transforms -*- tablegen -*-===//
//
// Part of Fulcrum. Passes on upstream dialects (linalg on tensors) that the
// phases share.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_TRANSFORMS_PASSES_TD
#define FULCRUM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FuseElementwise : Pass<"fulcrum-fuse-elementwise", "::mlir::func::FuncOp"> {
  let summary = "Fuse element-wise linalg generics, keeping named ops intact";
  let description = [{
    Upstream's `linalg-fuse-elementwise-ops` with one difference: named
    linalg ops (`linalg.matmul`, `linalg.batch_matmul`, convolutions,
    pooling, `linalg.transpose`, ...) are neither fused into nor rewritten
    into generics when reshapes are propagated through them. Code
    generation recognises named contractions (micro-kernels, upstream
    tiling and vectorization); a generic with a `d0*2+d3`-style map is
    opaque to it.

    A producer generic with one use is fused into its consumer generic;
    `tensor.expand_shape`/`tensor.collapse_shape` are folded into the
    generics they feed or read, by expanding the generic's loops; constant
    generics are folded.

    ```mlir
    %0 = linalg.generic {...} ins(%a) outs(%e) { math.exp }      // one use
    %1 = linalg.generic {...} ins(%0, %b) outs(%e) { arith.addf }
    // becomes one generic computing exp(a) + b, while
    %2 = linalg.matmul ins(%1, %w) outs(%f)
    // stays a linalg.matmul.
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect"];
}

#endif // FULCRUM_TRANSFORMS_PASSES_TD
