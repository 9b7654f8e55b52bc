//===- PruneChannels.cpp - fulcrum-prune-channels -------------------------===//
//
// Part of Fulcrum. Uniform structured pruning by weight importance.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Prune/Passes.h"
#include "fulcrum/Prune/Prune.h"

#include "llvm/Support/FormatVariadic.h"

namespace fulcrum::prune {
#define GEN_PASS_DEF_PRUNECHANNELS
#include "fulcrum/Prune/Passes.h.inc"
} // namespace fulcrum::prune

using namespace mlir;
using namespace fulcrum::prune;

namespace {
struct PruneChannelsPass
    : public fulcrum::prune::impl::PruneChannelsBase<PruneChannelsPass> {
  using PruneChannelsBase::PruneChannelsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    std::optional<Criterion> c = parseCriterion(criterion);
    if (!c || *c == Criterion::Activation) {
      func.emitError("unknown pruning criterion '")
          << criterion << "' (l1, l2, bn; activation needs calibration data)";
      return signalPassFailure();
    }
    if (!(ratio >= 0.0 && ratio < 1.0)) {
      func.emitError("pruning ratio ")
          << llvm::formatv("{0}", double(ratio)).str() << " is not in [0, 1)";
      return signalPassFailure();
    }
    forwardConstantIdentities(func);
    DependencyGraph graph(func);
    llvm::DenseSet<unsigned> removed;
    for (const ChannelGroup &g : graph.getGroups()) {
      if (!g.prunable)
        continue;
      unsigned count = static_cast<unsigned>(ratio * g.units.size());
      count = std::min<unsigned>(count, g.units.size() - 1);
      SmallVector<double> importance = getWeightImportance(graph, g, *c);
      for (unsigned u : selectLeastImportant(importance, count))
        removed.insert(g.units[u]);
    }
    numRemoved += removed.size();
    if (failed(removeChannels(func, graph, removed)))
      return signalPassFailure();
  }
};
} // namespace
