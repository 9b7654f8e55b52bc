//===- ONNXInterfaces.td - onnx dialect interfaces ---------*- tablegen -*-===//

#ifndef FULCRUM_DIALECT_ONNX_IR_ONNXINTERFACES_TD
#define FULCRUM_DIALECT_ONNX_IR_ONNXINTERFACES_TD

include "mlir/IR/OpBase.td"

//===----------------------------------------------------------------------===//
// Interfaces
//===----------------------------------------------------------------------===//

def ONNX_ShapeInferenceOpInterface : OpInterface<"ShapeInferenceOpInterface"> {
  let cppNamespace = "::fulcrum::onnx";
  let description = [{
    Result-type inference of an ONNX operator from its operand types and
    attributes (and the values of constant operands, such as Reshape's
    shape). Dimensions that cannot be known stay dynamic. The same function
    backs the operator's verifier (declared result types must be compatible
    with the inferred ones) and the `fulcrum-onnx-shape-inference` pass
    (which refines declared types to the inferred ones).
  }];
  let methods = [
    InterfaceMethod<[{
        Computes one type per result into `resultTypes`. Emits an error on
        the operation and fails when operands and attributes are
        inconsistent; never fails merely because a shape is unknown.
      }], "::mlir::LogicalResult", "inferResultTypes",
      (ins "::llvm::SmallVectorImpl<::mlir::Type> &":$resultTypes)>,
  ];
  let verify = [{
    return ::fulcrum::onnx::verifyInferredResultTypes($_op);
  }];
}

#endif // FULCRUM_DIALECT_ONNX_IR_ONNXINTERFACES_TD
