//===- FlattenGlobals.cpp - fulcrum-cpu-flatten-globals -------------------===//
//
// Part of Fulcrum. Constant globals as flat arrays, so that their LLVM
// initializers are one constant instead of one per innermost row.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Support/PassStatistic.h"
#include "fulcrum/Target/CPU/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"

namespace fulcrum {
#define GEN_PASS_DEF_CPUFLATTENGLOBALS
#include "fulcrum/Target/CPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

static fulcrum::PassCounter flattenedCount("fulcrum-cpu-flatten-globals",
                                           "Globals stored flat");

namespace {

/// `value` with the 1-D type `flat`, or null when it cannot be reshaped.
ElementsAttr flatten(ElementsAttr value, RankedTensorType flat) {
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    return dense.reshape(flat);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    return DenseResourceElementsAttr::get(flat, resource.getRawHandle());
  return nullptr;
}

struct CPUFlattenGlobalsPass
    : public fulcrum::impl::CPUFlattenGlobalsBase<CPUFlattenGlobalsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::StringMap<MemRefType> original;
    for (auto global : module.getOps<memref::GlobalOp>()) {
      auto type = global.getType();
      auto init = dyn_cast_or_null<ElementsAttr>(global.getInitialValueAttr());
      if (!global.getConstant() || !init || type.getRank() < 2 ||
          !type.hasStaticShape() || !type.getLayout().isIdentity() ||
          type.getMemorySpace())
        continue;
      auto flatTensor =
          RankedTensorType::get({type.getNumElements()}, type.getElementType());
      ElementsAttr flat = flatten(init, flatTensor);
      if (!flat)
        continue;
      original[global.getSymName()] = type;
      global.setType(
          MemRefType::get({type.getNumElements()}, type.getElementType()));
      global.setInitialValueAttr(flat);
      ++numFlattened;
      ++flattenedCount;
    }
    if (original.empty())
      return;
    module.walk([&](memref::GetGlobalOp get) {
      auto it = original.find(get.getName());
      if (it == original.end())
        return;
      MemRefType type = it->second;
      OpBuilder b(get);
      auto flatType =
          MemRefType::get({type.getNumElements()}, type.getElementType());
      Value flat =
          b.create<memref::GetGlobalOp>(get.getLoc(), flatType, get.getName());
      SmallVector<ReassociationIndices> all(1);
      for (int64_t d = 0; d < type.getRank(); ++d)
        all[0].push_back(d);
      Value shaped =
          b.create<memref::ExpandShapeOp>(get.getLoc(), type, flat, all);
      get.replaceAllUsesWith(shaped);
      get.erase();
    });
  }
};

} // namespace
