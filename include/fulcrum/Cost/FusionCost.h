//===- FusionCost.h - Fusion decisions priced by the cost model -*- C++ -*-===//
//
// Part of Fulcrum. The fusion passes find what may be fused and ask a
// FusionPolicy whether it should be (FusionPolicy.h). This is the policy
// that asks the cost model: it predicts each step's time saved on a target
// and keeps a log of its decisions for `fulcrum-compile --print-cost`.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_COST_FUSIONCOST_H
#define FULCRUM_COST_FUSIONCOST_H

#include "fulcrum/Cost/CostModel.h"
#include "fulcrum/Dialect/Fulcrum/Transforms/FusionPolicy.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace fulcrum::cost {

/// One decision of the cost-model fusion policy.
struct FusionRecord {
  /// ONNX node names (or op names) of the two ops.
  std::string producer, consumer;
  /// The candidate's kind: `bias`, `residual` or `activation`.
  std::string kind;
  bool fused = false;
  /// Predicted time saved by fusing (negative: lost).
  double benefitSeconds = 0;
  std::string reason;
};
/// The decisions of one compilation, in order (the policy may be called
/// from the pass manager's threads).
struct FusionLog {
  std::mutex mutex;
  std::vector<FusionRecord> records;
};

/// A fusion policy priced on `target`:
/// - An epilogue step (`bias`, `residual`, `activation`) saves the
///   consumer's own kernel: its predicted time alone (reading the
///   intermediate and any other operand, writing its result, the per-kernel
///   overhead) minus its time inside the producer's kernel (its arithmetic
///   and other operands). When the target's code generator runs that
///   operator as a loop of its own after the kernel anyway, nothing is
///   saved; the step is still taken (the benefit is 0), since fused and
///   unfused compile to the same code.
/// Steps with a negative benefit are refused (the passes never propose one
/// that recomputes a producer). Every decision is appended to `log` when
/// given.
fused::FusionPolicy
getCostFusionPolicy(const TargetDescription &target,
                    const CostOptions &options = {},
                    std::shared_ptr<FusionLog> log = nullptr);

/// Prints the decisions, one line each, and their predicted total.
void printFusionLog(llvm::raw_ostream &os, FusionLog &log);

} // namespace fulcrum::cost

#endif // FULCRUM_COST_FUSIONCOST_H
