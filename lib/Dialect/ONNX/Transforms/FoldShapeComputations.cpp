//===- FoldShapeComputations.cpp - fulcrum-onnx-fold-shape-computations ---===//
//
// Part of Fulcrum. Replaces integer shape computations whose value is known
// at compile time by onnx.Constant.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h"
#include "fulcrum/Support/PassStatistic.h"

#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace fulcrum::onnx {
#define GEN_PASS_DEF_ONNXFOLDSHAPECOMPUTATIONS
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h.inc"
} // namespace fulcrum::onnx

using namespace mlir;

static fulcrum::PassCounter foldedCount("fulcrum-onnx-fold-shape-computations",
                                        "Number of values made constant");
using namespace fulcrum::onnx;

namespace {

struct ONNXFoldShapeComputationsPass
    : public fulcrum::onnx::impl::ONNXFoldShapeComputationsBase<
          ONNXFoldShapeComputationsPass> {
  void runOnOperation() override {
    // Operations are visited in order, so a fold is seen by later users; the
    // replaced operations are erased once nothing uses them.
    SmallVector<Operation *> replaced;
    getOperation().walk([&](Operation *op) {
      if (isa<ConstantOp>(op) || op->getNumResults() != 1 ||
          !isa<ONNXDialect>(op->getDialect()) || op->getNumRegions() != 0)
        return;
      auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
      if (!type || !type.hasStaticShape() ||
          !isa<IntegerType>(type.getElementType()))
        return;
      auto ints = getKnownInts(op->getResult(0));
      if (!ints || llvm::is_contained(*ints, ShapedType::kDynamic))
        return;
      auto intType = cast<IntegerType>(type.getElementType());
      SmallVector<APInt> values;
      for (int64_t v : *ints)
        values.push_back(APInt(intType.getWidth(), static_cast<uint64_t>(v),
                               /*isSigned=*/true));
      OpBuilder b(op);
      auto cst = b.create<ConstantOp>(
          op->getLoc(), TypeRange{type}, ValueRange{},
          b.getNamedAttr("value", DenseIntElementsAttr::get(type, values)));
      op->getResult(0).replaceAllUsesWith(cst);
      replaced.push_back(op);
      ++numFolded;
      ++foldedCount;
    });
    for (Operation *op : llvm::reverse(replaced))
      if (op->use_empty() && isMemoryEffectFree(op))
        op->erase();
  }
};

} // namespace
