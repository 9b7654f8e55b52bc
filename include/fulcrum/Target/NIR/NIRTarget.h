//===- NIRTarget.h - The neuromorphic (NIR) target --------------*- C++ -*-===//
//
// Part of Fulcrum. The `nir` target: import, then ANN-to-SNN conversion as
// its codegen phase (BatchNormalization folded, activation percentiles
// calibrated on `TargetOptions::calibrationData`, conversion to the `snn`
// dialect, weights rounded to `TargetOptions::snnWeightBits`), serialized
// as a NIR (HDF5) file. `runSNN` is what `fulcrum-run model.nir` does.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_TARGET_NIR_NIRTARGET_H
#define FULCRUM_TARGET_NIR_NIRTARGET_H

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace fulcrum::snn {

void registerNIRTargetBackend();

/// What `fulcrum-run model.nir` is asked.
struct SNNRunOptions {
  std::string modelPath;
  std::string evalData, labels;
  unsigned steps = 32;
  std::vector<unsigned> checkpoints;
  unsigned threads = 1;
  bool poisson = false;
  uint64_t seed = 0;
  /// A neuromorphic target description (preset or JSON file) for the
  /// energy estimate and the hardware checks.
  std::string targetDescription = "loihi2";
  /// Round the weights to the description's weight precision and report
  /// the accuracy before and after.
  bool quantize = false;
  /// Write the summed readout as .npy here (optional).
  std::string outputPath;
  /// Print per-layer spikes and synaptic operations.
  bool perLayer = true;
};

/// Imports, checks against the hardware, simulates and reports; returns the
/// tool's exit status (errors printed as `file: error: ...`).
int runSNN(mlir::MLIRContext &context, const SNNRunOptions &options,
           llvm::raw_ostream &os);

} // namespace fulcrum::snn

#endif // FULCRUM_TARGET_NIR_NIRTARGET_H
