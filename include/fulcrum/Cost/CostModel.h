//===- CostModel.h - Work priced on a target --------------------*- C++ -*-===//
//
// Part of Fulcrum. The cost model turns an op's work (Work.h) into predicted
// time and energy on a TargetDescription: a roofline (compute at the peak of
// the data type, memory at the bandwidth of the smallest level that holds
// the working set) with calibrated per-class efficiencies and per-kernel
// overheads. docs/CostModel.md gives the formulas.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_COST_COSTMODEL_H
#define FULCRUM_COST_COSTMODEL_H

#include "fulcrum/Cost/TargetDescription.h"
#include "fulcrum/Cost/Work.h"

#include "mlir/IR/Operation.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace fulcrum::cost {

struct CostOptions {
  /// Threads a call runs on (CPU: OpenMP threads; capped by the cores).
  unsigned threads = 1;
  /// Weights come from DRAM (the model's constants exceed the last-level
  /// cache, so each call streams them); estimateRegion decides.
  bool weightsFromDram = false;
  /// The size every dynamic dimension is priced at (the batch of a
  /// dynamic-batch export): an op's work outside its weights scales by it
  /// once per dynamic dimension of its result (getScaledWork).
  double dynamicSize = 1;
  /// The CPU code generator runs eligible 3x3 convolutions as Winograd
  /// F(2x2, 3x3) (PipelineOptions::winograd): priced at the multiply-adds
  /// it executes (Work::skippedFlops).
  bool winograd = true;
};

/// Predicted cost of one op.
struct Estimate {
  double seconds = 0;
  double joules = 0;
  /// What limits it: `compute`, `L1`, `L2`, `L3`, `DRAM`, `overhead`,
  /// `synops`.
  std::string bound;
};

/// The efficiency at `gflop` from measured points (linear in the logarithm
/// of the size between points, clamped at the ends); `fallback` without
/// points.
double interpolateEfficiency(llvm::ArrayRef<EfficiencyPoint> points,
                             double gflop, double fallback);

/// The work of `op` (none when it has no WorkOpInterface) with its dynamic
/// dimensions at `options.dynamicSize`.
Work getScaledWork(mlir::Operation *op, const CostOptions &options);

/// Bytes of a value of `type`, its dynamic dimensions at
/// `options.dynamicSize`.
double getScaledBytes(mlir::Type type, const CostOptions &options);

/// The per-kernel overhead every estimate includes (plus the launch on
/// GPUs), in seconds.
double getKernelOverheadSeconds(const TargetDescription &target);

/// `work` priced as part of another kernel: its estimate without the
/// per-kernel overhead (callers remove the traffic the kernel saves).
double getInsideKernelSeconds(const Work &work, const TargetDescription &target,
                              const CostOptions &options);

/// Prices `work` on `target`.
Estimate estimate(const Work &work, const TargetDescription &target,
                  const CostOptions &options = {});

/// One op of a function with its work and prediction.
struct LayerCost {
  mlir::Operation *op = nullptr;
  /// The ONNX node names in the op's location, joined by `+`.
  std::string name;
  std::string opName;
  Work work;
  Estimate estimate;
};

/// The names in `loc` (NameLoc, through fused and call-site locations),
/// joined by `+`; empty when there are none.
std::string getLayerName(mlir::Location loc);

/// Every op directly in `region`'s blocks that implements WorkOpInterface
/// with work (class not None), priced on `target`.
std::vector<LayerCost> estimateRegion(mlir::Region &region,
                                      const TargetDescription &target,
                                      const CostOptions &options = {});

/// The predicted time of one call: the layers plus the per-call overhead.
double getTotalSeconds(llvm::ArrayRef<LayerCost> layers,
                       const TargetDescription &target);

/// Prints one line per layer (name, op, class, GFLOP, MB, bound, predicted
/// time and energy) and the total.
void printCostTable(llvm::raw_ostream &os, llvm::ArrayRef<LayerCost> layers,
                    const TargetDescription &target,
                    const CostOptions &options);

} // namespace fulcrum::cost

#endif // FULCRUM_COST_COSTMODEL_H
