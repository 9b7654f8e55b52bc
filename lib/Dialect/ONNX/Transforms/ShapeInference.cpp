//===- ShapeInference.cpp - fulcrum-onnx-shape-inference ------------------===//
//
// Part of Fulcrum. Refines ONNX result types with ShapeInferenceOpInterface.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h"
#include "fulcrum/Support/PassStatistic.h"

#include "mlir/IR/TypeUtilities.h"

namespace fulcrum::onnx {
#define GEN_PASS_DEF_ONNXSHAPEINFERENCE
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h.inc"
} // namespace fulcrum::onnx

using namespace mlir;

static fulcrum::PassCounter refinedCount("fulcrum-onnx-shape-inference",
                                         "Number of result types refined");
using namespace fulcrum::onnx;

namespace {

/// The most specific type compatible with both `a` and `b`, or null if they
/// conflict.
Type meetTypes(Type a, Type b) {
  if (a == b)
    return a;
  auto sa = dyn_cast<TensorType>(a);
  auto sb = dyn_cast<TensorType>(b);
  if (!sa || !sb || sa.getElementType() != sb.getElementType())
    return nullptr;
  if (!sa.hasRank())
    return b;
  if (!sb.hasRank())
    return a;
  if (sa.getRank() != sb.getRank())
    return nullptr;
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(sa.getShape(), sb.getShape())) {
    if (ShapedType::isDynamic(x))
      shape.push_back(y);
    else if (ShapedType::isDynamic(y) || x == y)
      shape.push_back(x);
    else
      return nullptr;
  }
  return RankedTensorType::get(shape, sa.getElementType());
}

struct ONNXShapeInferencePass
    : public fulcrum::onnx::impl::ONNXShapeInferenceBase<
          ONNXShapeInferencePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    WalkResult walk = func.walk([&](ShapeInferenceOpInterface op) {
      SmallVector<Type> inferred;
      if (failed(op.inferResultTypes(inferred)))
        return WalkResult::interrupt();
      for (auto [result, type] : llvm::zip(op->getResults(), inferred)) {
        Type refined = meetTypes(result.getType(), type);
        if (!refined) {
          op->emitOpError("result type ")
              << result.getType() << " conflicts with the inferred type "
              << type;
          return WalkResult::interrupt();
        }
        if (refined != result.getType()) {
          result.setType(refined);
          ++numRefined;
          ++refinedCount;
        }
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();

    // Keep the signature in step with what the function returns.
    if (func.isExternal())
      return;
    Operation *terminator = func.getBody().back().getTerminator();
    if (!isa<func::ReturnOp>(terminator))
      return;
    auto type = FunctionType::get(&getContext(), func.getArgumentTypes(),
                                  terminator->getOperandTypes());
    if (type != func.getFunctionType())
      func.setFunctionType(type);
  }
};

} // namespace
