//===- WorkInterface.td - What an op costs ----------------*- tablegen -*-===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_COST_WORKINTERFACE_TD
#define FULCRUM_COST_WORKINTERFACE_TD

include "mlir/IR/OpBase.td"

def Fulcrum_WorkOpInterface : OpInterface<"WorkOpInterface"> {
  let description = [{
    The work an op does, independent of the machine: its class (element-wise,
    GEMM, convolution, depthwise convolution, reduction, data movement),
    floating-point operations and multiply-accumulates, bytes read and
    written, the independent iterations it offers to parallel hardware and
    its data type. The cost model (`fulcrum/Cost/CostModel.h`) turns work
    into predicted time and energy on a `TargetDescription`.

    Implementations are external models attached per op class, not per op:
    one model for the element-wise `onnx` ops, one for the contractions, one
    for reductions, one for data movement; one model for every linalg
    structured op (named or generic) and one for tensor data movement
    (`lib/Cost/ONNXWork.cpp`, `lib/Cost/LinalgWork.cpp`).
  }];
  let cppNamespace = "::fulcrum::cost";
  let methods = [
    InterfaceMethod<"The work of this op (types must be ranked; dynamic "
                    "dimensions count as 1).",
                    "::fulcrum::cost::Work", "getWork">,
  ];
}

#endif // FULCRUM_COST_WORKINTERFACE_TD
