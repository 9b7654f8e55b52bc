//===- ONNXOps.td - onnx dialect operations ----------------*- tablegen -*-===//
//
// The hand-written operations of the `onnx` dialect, and the generated ones
// (ONNXOps.gen.td, one record per ONNX operator version).
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_ONNX_IR_ONNXOPS_TD
#define FULCRUM_DIALECT_ONNX_IR_ONNXOPS_TD

include "fulcrum/Dialect/ONNX/IR/ONNXBase.td"

def ONNX_NoValueOp : Op<ONNX_Dialect, "NoValue", [Pure, ConstantLike]> {
  let summary = "An absent optional input";
  let description = [{
    Produces the `none` value passed for an optional ONNX input that a node
    leaves out.

    ```mlir
    %none = onnx.NoValue
    %y = onnx.Conv(%x, %w, %none) : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<1x4x6x6xf32>
    ```
  }];
  let results = (outs NoneType:$none);
  let assemblyFormat = "attr-dict";
  let hasFolder = 1;
}

def ONNX_YieldOp : Op<ONNX_Dialect, "Yield", [Pure, Terminator, ReturnLike]> {
  let summary = "Returns the outputs of an ONNX subgraph";
  let description = [{
    Terminates the region of an `onnx.If`, `onnx.Loop` or `onnx.Scan` (the
    subgraph's outputs, in order).
  }];
  let arguments = (ins Variadic<AnyType>:$operands);
  let assemblyFormat = "attr-dict ($operands^ `:` type($operands))?";
}

include "fulcrum/Dialect/ONNX/IR/ONNXOps.gen.td"

#endif // FULCRUM_DIALECT_ONNX_IR_ONNXOPS_TD
