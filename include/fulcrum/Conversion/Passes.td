//===- Passes.td - Fulcrum conversion passes ---------------*- tablegen -*-===//

#ifndef FULCRUM_CONVERSION_PASSES_TD
#define FULCRUM_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertONNXToLinalg : Pass<"fulcrum-convert-onnx-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Lower onnx operations to linalg, tensor, arith and math on tensors";
  let description = [{
    One lowering per ONNX operator (per-category files in
    lib/Conversion/ONNXToLinalg/): element-wise operators become
    `linalg.generic` with broadcasting indexing maps; MatMul/Gemm,
    convolutions and pooling become named linalg ops where the shapes and
    attributes fit (`linalg.matmul` and its transposed variants,
    `linalg.batch_matmul`, `linalg.conv_{1d_ncw_fcw,2d_nchw_fchw,
    3d_ncdhw_fcdhw}`, `linalg.conv_2d_ngchw_gfchw`,
    `linalg.depthwise_conv_*_nc*`, `linalg.pooling_{ncw,nchw}_{max,sum}`),
    which upstream tiling and vectorization recognise, and a
    `linalg.generic` reduction otherwise (1-D MatMul operands, grouped 1-D
    and 3-D convolutions, 3-D, unsigned or index-producing pooling). Shape
    operators become `tensor` ops and constants `arith.constant` (keeping
    `dense_resource` weights as blobs). Control flow becomes `scf`:
    `onnx.If` an `scf.if`, `onnx.Loop` an `scf.while` (scan outputs in
    accumulators that grow by doubling), `onnx.Scan` an `scf.for`; their
    subgraphs' operators are lowered in place.

    Operand and result types must be ranked (run
    `fulcrum-onnx-shape-inference` first); dynamic dimensions are supported
    and taken from `tensor.dim` of an operand. An operator without a
    lowering, or an attribute value a lowering does not handle, is an error
    that names the node (its location), and the pass fails.

    ```mlir
    %0 = onnx.Relu(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    // becomes
    %e = tensor.empty() : tensor<2x3xf32>
    %0 = linalg.generic {...} ins(%x : tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) {
    ^bb0(%in: f32, %out: f32):
      %zero = arith.constant 0.0 : f32
      %r = arith.maximumf %in, %zero : f32
      linalg.yield %r : f32
    } -> tensor<2x3xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    // The fulcrum dialect's ops lower through the onnx operators they
    // stand for.
    "::fulcrum::onnx::ONNXDialect",
  ];
}

def ConvertMemRefCopyToLinalg : Pass<"fulcrum-convert-memref-copy-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Rewrite memref.copy as linalg.copy";
  let description = [{
    `memref.copy` of non-contiguous memrefs lowers to a call of MLIR's
    `memrefCopy` runtime function (libmlir_c_runner_utils), which a library
    compiled by Fulcrum must not need. As `linalg.copy`, the copy becomes
    loops like every other linalg op. Run before
    `convert-linalg-to-loops`.

    ```mlir
    memref.copy %a, %b : memref<4xf32, strided<[2]>> to memref<4xf32>
    // becomes
    linalg.copy ins(%a : memref<4xf32, strided<[2]>>) outs(%b : memref<4xf32>)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

#endif // FULCRUM_CONVERSION_PASSES_TD
