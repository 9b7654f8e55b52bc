//===- PruneModel.h - Structured pruning of a model to a budget -*- C++ -*-===//
//
// Part of Fulcrum. What `fulcrum-compile --prune=R` does between import and
// the graph phase:
//
//   1. canonicalize and infer shapes (the graph phase before fusion);
//   2. find the channel groups (Dependency.h);
//   3. with calibration data, run the fp32 model (JIT, lib/Execution) and
//      keep the inputs of every contraction that reads a prunable group;
//   4. rank the units of each group (L1, L2, BatchNorm scale, or mean
//      |activation|);
//   5. choose how many units each group loses: greedily, the chunk with the
//      least importance per predicted second saved (the cost model prices
//      each contraction) until the MACs fall by R, with channel counts in
//      multiples of the target's vector width where the group is large
//      enough;
//   6. remove them (Prune.h), then refit every consumer on the
//      calibration activations by least squares (ridge, double precision),
//      so that it reproduces the unpruned layer's output from the channels
//      that remain (ThiNet, He et al. 2017); with --no-reconstruct, only
//      compensate the biases by the removed channels' mean contribution.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_PRUNE_PRUNEMODEL_H
#define FULCRUM_PRUNE_PRUNEMODEL_H

#include "fulcrum/Cost/TargetDescription.h"
#include "fulcrum/Driver/Driver.h"
#include "fulcrum/Prune/Prune.h"

#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>

namespace fulcrum::prune {

/// A measure of how far a pruned model's outputs moved from the original's.
enum class OutputChange { KL, MSE };

struct PruneOptions {
  /// The fraction of the model's MACs to remove (0 < R < 1); 0: use
  /// `latencyMs` instead.
  double macReduction = 0;
  /// Prune until the cost model predicts at most this latency (ms).
  double latencyMs = 0;
  /// The fraction of each attention block's heads to keep (0: heads are
  /// pruned with the other groups, for the MAC or latency target). With it,
  /// head groups keep round(F * H) heads (at least one) and the MAC or
  /// latency target, if any, goes to the other groups.
  double headsKeep = 0;
  Criterion criterion = Criterion::L1;
  /// The criterion of the attention-head groups, when it differs from
  /// `criterion` (the trade-off search prunes channels by l1 and heads by
  /// activation).
  std::optional<Criterion> headCriterion;
  /// How the activation criterion measures a head's effect on the model's
  /// outputs: KL divergence of their softmax over the last axis (outputs
  /// read as class scores; the default) or the mean squared change.
  OutputChange headMetric = OutputChange::KL;
  /// Refit consumers by least squares (needs calibration data).
  bool reconstruct = true;
  /// Calibration inputs (.npy, [N, ...] of the model's one input); without
  /// it only weight criteria and no recovery.
  std::string calibrationData;
  /// At most this many calibration samples are used.
  unsigned maxSamples = 500;
  /// Uniform ratios for all groups instead of the cost-aware allocation.
  bool uniform = false;
  /// Print each group's units kept and importance.
  bool report = false;
  /// Threads the cost model prices a call on.
  unsigned threads = 1;
};

/// Checks `options` (ratio range, criterion needs) and reports the problem
/// as `error` text; empty when they are fine.
std::string validatePruneOptions(const PruneOptions &options);

/// Prunes the entry point of `session`'s module (imported, not yet past the
/// graph phase) and prints `MACs: <before> -> <after> (-NN.N%)` to `os`.
/// Errors are reported as diagnostics.
mlir::LogicalResult pruneModel(CompileSession &session,
                               const cost::TargetDescription &target,
                               const PruneOptions &options,
                               llvm::raw_ostream &os);

} // namespace fulcrum::prune

#endif // FULCRUM_PRUNE_PRUNEMODEL_H
