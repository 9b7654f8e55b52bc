//===- Calibrate.h - Measure the host into a target description -*- C++ -*-===//
//
// Part of Fulcrum. What `fulcrum-calibrate -o host.json` does: probes of
// the fp32 FMA peak per core and on all cores, the int8 dot-product peak,
// read bandwidth per cache level and from DRAM, and efficiency points of
// the code Fulcrum generates (matrix products, convolutions, depthwise
// convolutions on their kernels; element-wise, reduction and data movement
// loops; per-kernel and per-call overheads), each compiled through the
// driver and timed on one thread. It takes well under a minute.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_COST_CALIBRATE_H
#define FULCRUM_COST_CALIBRATE_H

#include "fulcrum/Cost/TargetDescription.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

namespace fulcrum::cost {

struct CalibrateOptions {
  /// Name written into the description.
  std::string name = "host";
  /// Skip the compiled-kernel measurements (peaks and bandwidths only).
  bool peaksOnly = false;
};

/// Measures the host; progress and figures go to `log`.
llvm::Expected<TargetDescription> calibrateHost(mlir::MLIRContext &context,
                                                const CalibrateOptions &options,
                                                llvm::raw_ostream &log);

} // namespace fulcrum::cost

#endif // FULCRUM_COST_CALIBRATE_H
