//===- FusionPolicy.h - Which fusions the graph passes make -----*- C++ -*-===//
//
// Part of Fulcrum. Fusion is a decision: the passes find what may be fused
// (legal, and computing nothing twice) and ask a policy whether it should
// be. The default policy below takes every step; the cost model's policy
// (fulcrum/Cost/FusionCost.h) predicts the fused and unfused times on a
// target and plugs in through PipelineOptions::fusionPolicy.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_FULCRUM_TRANSFORMS_FUSIONPOLICY_H
#define FULCRUM_DIALECT_FULCRUM_TRANSFORMS_FUSIONPOLICY_H

#include "mlir/IR/Operation.h"

#include <functional>
#include <string>

namespace fulcrum::fused {

/// One fusion step a pass may make: `consumer` (an element-wise epilogue
/// operator) joins the fused op built around `producer`, so the
/// intermediate value between them is never written to memory. The pass
/// proposes only steps that recompute nothing (the intermediate has no
/// other user).
struct FusionCandidate {
  mlir::Operation *producer;
  mlir::Operation *consumer;
  /// "bias", "residual" or "activation".
  llvm::StringRef kind;
  /// Size of the intermediate in bytes; -1 when its shape is dynamic.
  int64_t intermediateBytes;
};

/// A policy's answer: whether to fuse, its predicted benefit (in the
/// policy's unit, named by `unit`) and a reason for remarks and
/// `--print-cost`.
struct FusionDecision {
  bool fuse = true;
  double benefit = 0.0;
  std::string unit = "bytes";
  std::string reason;
};

using FusionPolicy = std::function<FusionDecision(const FusionCandidate &)>;

/// The default policy: fuse every proposed step. Its benefit is the memory
/// traffic saved, writing and re-reading the intermediate (2x its bytes),
/// when the intermediate exceeds `cacheBytes` and so would go to memory,
/// and 0 bytes (one loop nest fewer) when it fits in the cache.
FusionPolicy getDefaultFusionPolicy(int64_t cacheBytes);

} // namespace fulcrum::fused

#endif // FULCRUM_DIALECT_FULCRUM_TRANSFORMS_FUSIONPOLICY_H
