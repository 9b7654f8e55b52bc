//===- PrintPruneGroups.cpp - fulcrum-print-prune-groups ------------------===//
//
// Part of Fulcrum. Prints the channel groups of the dependency analysis.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Prune/Dependency.h"
#include "fulcrum/Prune/Passes.h"

namespace fulcrum::prune {
#define GEN_PASS_DEF_PRINTPRUNEGROUPS
#include "fulcrum/Prune/Passes.h.inc"
} // namespace fulcrum::prune

using namespace mlir;

namespace {
struct PrintPruneGroupsPass
    : public fulcrum::prune::impl::PrintPruneGroupsBase<PrintPruneGroupsPass> {
  void runOnOperation() override {
    fulcrum::prune::DependencyGraph graph(getOperation());
    llvm::outs() << "groups of @" << getOperation().getName() << ":\n";
    graph.print(llvm::outs());
    markAllAnalysesPreserved();
  }
};
} // namespace
