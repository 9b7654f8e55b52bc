//===- FusionCost.cpp - Fusion decisions priced by the cost model ---------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/FusionCost.h"

#include "fulcrum/Cost/Work.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

namespace fulcrum::cost {
namespace {

/// Whether the target's code generator runs `consumer` inside the kernel of
/// the contraction it follows. The CPU kernels take a bias, a residual and
/// a clamp (Relu, Clip) in their epilogue (Kernels.h); other activations,
/// and every epilogue on the other targets, run as loops of their own.
bool runsInKernel(const TargetDescription &target, Operation *consumer) {
  static const llvm::StringSet<> cpuEpilogues = {"onnx.Add", "onnx.Relu",
                                                 "onnx.Clip"};
  return target.kind == "cpu" &&
         cpuEpilogues.contains(consumer->getName().getStringRef());
}

std::string describe(Operation *op) {
  std::string name = getLayerName(op->getLoc());
  return name.empty() ? op->getName().getStringRef().str() : name;
}

std::string microseconds(double seconds) {
  return llvm::formatv("{0}", llvm::format("%.3g", seconds * 1e6)).str();
}

fused::FusionDecision decideEpilogue(const fused::FusionCandidate &c,
                                     const TargetDescription &target,
                                     const CostOptions &options) {
  fused::FusionDecision d;
  d.unit = "s";
  Work alone = getScaledWork(c.consumer, options);
  Estimate aloneEstimate = estimate(alone, target, options);
  double aloneSeconds = aloneEstimate.seconds;
  if (!runsInKernel(target, c.consumer)) {
    d.fuse = true;
    d.benefit = 0;
    d.reason = "'" + c.consumer->getName().getStringRef().str() +
               "' runs as a loop of its own after the kernel on this target "
               "either way: no predicted gain";
    return d;
  }
  // Inside the kernel: its arithmetic and its other operands, without the
  // intermediate's round trip through memory.
  Work inside = alone;
  // The intermediate has the producer's result type (the pass checks).
  double intermediate =
      getScaledBytes(c.producer->getResult(0).getType(), options);
  inside.bytesRead = std::max(0.0, inside.bytesRead - intermediate);
  inside.bytesWritten = 0;
  double insideSeconds = getInsideKernelSeconds(inside, target, options);
  d.benefit = aloneSeconds - insideSeconds;
  d.fuse = d.benefit >= 0;
  d.reason = llvm::formatv("alone {0} us ({1}-bound), inside the kernel {2} us",
                           microseconds(aloneSeconds), aloneEstimate.bound,
                           microseconds(insideSeconds))
                 .str();
  return d;
}

} // namespace

fused::FusionPolicy getCostFusionPolicy(const TargetDescription &target,
                                        const CostOptions &options,
                                        std::shared_ptr<FusionLog> log) {
  return [target, options, log](const fused::FusionCandidate &c) {
    fused::FusionDecision d = decideEpilogue(c, target, options);
    if (log) {
      std::lock_guard<std::mutex> lock(log->mutex);
      log->records.push_back({describe(c.producer), describe(c.consumer),
                              c.kind.str(), d.fuse, d.benefit, d.reason});
    }
    return d;
  };
}

void printFusionLog(llvm::raw_ostream &os, FusionLog &log) {
  std::lock_guard<std::mutex> lock(log.mutex);
  os << "fusion decisions: " << log.records.size() << "\n";
  double total = 0;
  unsigned fused = 0;
  for (const FusionRecord &r : log.records) {
    os << "  " << (r.fused ? "fused     " : "not fused ") << r.kind << " "
       << r.consumer << " into " << r.producer << ": predicted benefit "
       << microseconds(r.benefitSeconds) << " us (" << r.reason << ")\n";
    if (r.fused) {
      total += r.benefitSeconds;
      ++fused;
    }
  }
  os << "fused " << fused << " of " << log.records.size()
     << " candidates, predicted saving " << microseconds(total) << " us\n";
}

} // namespace fulcrum::cost
