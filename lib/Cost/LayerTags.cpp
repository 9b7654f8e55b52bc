//===- LayerTags.cpp - Tagging layers for profiling builds ----------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/Profile.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace fulcrum::cost {

std::optional<int64_t> getLayerTag(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc)) {
    StringRef text = name.getName().getValue();
    int64_t id;
    if (text.consume_front(kLayerTagPrefix) && !text.getAsInteger(10, id))
      return id;
    return getLayerTag(name.getChildLoc());
  }
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    for (Location inner : fused.getLocations())
      if (auto id = getLayerTag(inner))
        return id;
    return std::nullopt;
  }
  if (auto site = dyn_cast<CallSiteLoc>(loc))
    return getLayerTag(site.getCallee());
  return std::nullopt;
}

std::vector<LayerCost> tagLayers(func::FuncOp func,
                                 const TargetDescription &target,
                                 const CostOptions &options) {
  std::vector<LayerCost> layers =
      estimateRegion(func.getBody(), target, options);
  for (auto [index, layer] : llvm::enumerate(layers)) {
    auto tag = StringAttr::get(func.getContext(),
                               kLayerTagPrefix + std::to_string(index));
    layer.op->setLoc(NameLoc::get(tag, layer.op->getLoc()));
  }
  return layers;
}

} // namespace fulcrum::cost
