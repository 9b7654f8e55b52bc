//===- FusionPolicy.cpp - The default fusion policy -----------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/Fulcrum/Transforms/FusionPolicy.h"

#include "llvm/Support/FormatVariadic.h"

namespace fulcrum::fused {

FusionPolicy getDefaultFusionPolicy(int64_t cacheBytes) {
  return [cacheBytes](const FusionCandidate &c) {
    FusionDecision d;
    d.fuse = true;
    if (c.intermediateBytes < 0) {
      d.reason = "dynamic intermediate; fused, nothing is recomputed";
      return d;
    }
    bool spills = c.intermediateBytes > cacheBytes;
    d.benefit = spills ? 2.0 * c.intermediateBytes : 0.0;
    d.reason = llvm::formatv("{0}-byte intermediate {1} the {2}-byte cache; "
                             "fused, nothing is recomputed",
                             c.intermediateBytes,
                             spills ? "exceeds" : "fits in", cacheBytes)
                   .str();
    return d;
  };
}

} // namespace fulcrum::fused
