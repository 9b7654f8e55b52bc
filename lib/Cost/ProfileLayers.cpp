//===- ProfileLayers.cpp - fulcrum-profile-layers -------------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/Passes.h"
#include "fulcrum/Cost/Profile.h"
#include "fulcrum/Support/PassStatistic.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace fulcrum::cost {
#define GEN_PASS_DEF_PROFILELAYERS
#include "fulcrum/Cost/Passes.h.inc"
} // namespace fulcrum::cost

using namespace mlir;

static fulcrum::PassCounter regionCount("fulcrum-profile-layers",
                                        "Timed regions inserted");

namespace fulcrum::cost {
namespace {

func::FuncOp declareTimer(ModuleOp module, StringRef name) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto type = b.getFunctionType({b.getI64Type()}, {});
  auto func = b.create<func::FuncOp>(module.getLoc(), name, type);
  func.setPrivate();
  return func;
}

/// Ops that open a layer's region: computations, kernel calls, copies and
/// loops. Allocations, deallocations, views and constants left behind by
/// an op a kernel took in do not.
bool doesWork(Operation &op) {
  return isa<linalg::LinalgOp, func::CallOp, memref::CopyOp>(op) ||
         op.getNumRegions() > 0;
}

struct ProfileLayersPass : public impl::ProfileLayersBase<ProfileLayersPass> {
  using ProfileLayersBase::ProfileLayersBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto entry = module.lookupSymbol<func::FuncOp>(entryPoint);
    if (!entry || entry.isExternal())
      return;
    Block &body = entry.getBody().front();
    bool tagged = llvm::any_of(body, [](Operation &op) {
      return getLayerTag(op.getLoc()).has_value();
    });
    if (!tagged)
      return;
    func::FuncOp begin = declareTimer(module, kProfileBeginSymbol);
    func::FuncOp end = declareTimer(module, kProfileEndSymbol);
    OpBuilder b(module.getContext());
    auto call = [&](Operation *before, func::FuncOp timer, int64_t id) {
      b.setInsertionPoint(before);
      Location loc = b.getUnknownLoc();
      Value value = b.create<arith::ConstantIntOp>(loc, id, 64);
      b.create<func::CallOp>(loc, timer, ValueRange{value});
    };
    std::optional<int64_t> open;
    for (Operation &op : llvm::make_early_inc_range(body)) {
      if (op.hasTrait<OpTrait::IsTerminator>()) {
        if (open)
          call(&op, end, *open);
        break;
      }
      std::optional<int64_t> id = getLayerTag(op.getLoc());
      if (!id || id == open || !doesWork(op))
        continue;
      if (open)
        call(&op, end, *open);
      call(&op, begin, *id);
      open = id;
      ++regionCount;
    }
  }
};
} // namespace
} // namespace fulcrum::cost
