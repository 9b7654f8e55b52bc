//===- TargetDescription.h - What the cost model knows of a target -*- C++
//-*-===//
//
// Part of Fulcrum. A target description is the machine model the cost model
// prices work on: cores, vector width and ISA features, peak operation rates
// per data type, the cache hierarchy and DRAM bandwidth, call and kernel
// overheads, calibrated per-class efficiencies, GPU and neuromorphic fields
// and energy figures. Descriptions are readable JSON files (docs/CostModel.md
// documents every field); presets ship with the compiler (embedded, and
// installed as share/fulcrum/targets/*.json) and `fulcrum-calibrate`
// measures the host into one.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_COST_TARGETDESCRIPTION_H
#define FULCRUM_COST_TARGETDESCRIPTION_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace fulcrum::cost {

/// Data types the target has peak rates for.
enum class DataType { F32, BF16, I8 };
llvm::StringRef stringifyDataType(DataType type);

/// How an op's work is executed, for the per-class efficiencies.
enum class WorkClass {
  Elementwise,  ///< independent per-element arithmetic
  Gemm,         ///< matrix products with a constant (packed) operand
  DynamicGemm,  ///< matrix products of two run-time operands (attention)
  Convolution,  ///< dense convolutions
  Depthwise,    ///< depthwise (one channel per group) convolutions
  Reduction,    ///< reductions, pooling, softmax, normalizations
  DataMovement, ///< copies, padding, concatenation, broadcasts, fills
  Transpose,    ///< copies that permute dimensions (strided accesses)
  None,         ///< no work at all (views, constants)
};
llvm::StringRef stringifyWorkClass(WorkClass kind);

/// One level of the cache hierarchy.
struct CacheLevel {
  unsigned level = 1;
  /// Capacity in bytes (per core unless `shared`).
  double sizeBytes = 0;
  /// Sustained read bandwidth of one core from this level, GB/s.
  double bandwidthGBs = 0;
  /// Shared by all cores (an L3) rather than private.
  bool shared = false;
};

/// A measured efficiency (achieved / peak) at a problem size.
struct EfficiencyPoint {
  /// Size of the problem, GFLOP.
  double gflop = 0;
  double efficiency = 1;
};

struct GPUFields {
  unsigned smCount = 0;
  double launchOverheadUs = 0;
  /// Resident threads per SM (for occupancy of small kernels).
  unsigned threadsPerSM = 2048;
  /// The tiles of contraction kernels (fulcrum-gpu-tile-contractions):
  /// output rows and columns per workgroup, reduction steps staged in
  /// workgroup memory at a time, outputs per thread in rows and columns.
  unsigned tileRows = 64, tileCols = 64, tileDepth = 16;
  unsigned threadRows = 4, threadCols = 4;
};

struct NeuromorphicFields {
  double energyPerSynopPJ = 0;
  double energyPerSpikePJ = 0;
  unsigned neuronsPerCore = 0;
  /// Synaptic operations per second one core sustains.
  double synopsPerSecondPerCore = 0;
  /// Fraction of neurons that spike per timestep (rate-coded activity).
  double spikeRate = 0.1;
  /// Timesteps per inference (rate coding).
  unsigned timesteps = 32;
  /// Hardware limits (0: none): synaptic weight bits, synapses into and
  /// out of one neuron.
  unsigned weightBits = 0;
  int64_t maxFanIn = 0, maxFanOut = 0;
};

struct EnergyFields {
  double pjPerFlop = 0;
  double pjPerByteCache = 0;
  double pjPerByteDram = 0;
  double staticWatts = 0;
};

struct TargetDescription {
  std::string name;
  /// `cpu`, `gpu` or `neuromorphic`.
  std::string kind = "cpu";
  std::string description;
  /// The code generation backend that serves it (`cpu`), if any.
  std::string backend;
  /// LLVM CPU or chip name code generation uses (`x86-64-v4`, `sm_80`).
  std::string chip;
  /// Compute units: cores (CPU), SMs (GPU), neuromorphic cores.
  unsigned cores = 1;
  unsigned vectorBits = 0;
  std::vector<std::string> features;
  /// Peak GOP/s (a multiply-add is two ops) of one core per data type.
  double peakF32 = 0, peakBF16 = 0, peakI8 = 0;
  std::vector<CacheLevel> caches;
  /// DRAM bandwidth of one core and of all cores together, GB/s.
  double dramBandwidthGBs = 0, dramBandwidthAllGBs = 0;
  /// Fixed costs: one call of a compiled model, one kernel or loop nest.
  double perCallOverheadUs = 0, perKernelOverheadUs = 0;
  /// The fused attention kernel's bookkeeping for one query row and one
  /// key tile (the online softmax's rescaling of the row's maximum, sum and
  /// accumulators), apart from the tile's products and exponentials: what
  /// a smaller key tile costs more (AttentionCost.h).
  double attentionTileRowOverheadUs = 0.012;
  /// Calibrated efficiencies: points by size for the contraction classes,
  /// one factor for the others (applied to the roofline bound).
  std::vector<EfficiencyPoint> gemmEfficiency, dynamicGemmEfficiency,
      convEfficiency, depthwiseEfficiency;
  double elementwiseEfficiency = 1, reductionEfficiency = 1,
         dataMovementEfficiency = 1, transposeEfficiency = 1;
  /// Cost of a transcendental function (exp, erf, tanh...) in flops.
  double transcendentalFlops = 20;
  GPUFields gpu;
  NeuromorphicFields neuromorphic;
  EnergyFields energy;

  double getPeak(DataType type) const;
  bool hasFeature(llvm::StringRef name) const;
};

/// What makes a contraction tile (positive sizes: output rows x columns per
/// workgroup, reduction depth, outputs per thread) unusable by the GPU
/// kernels: `NotMultiple` when rows or columns are not multiples of the
/// outputs per thread, `Workgroup` when its `threads` are more than 1024 or
/// do not divide either staged input tile (rows*depth, cols*depth).
struct ContractionTileCheck {
  enum { Ok, NotMultiple, Workgroup } result = Ok;
  int64_t threads = 0;
};
ContractionTileCheck checkContractionTile(int64_t rows, int64_t cols,
                                          int64_t depth, int64_t threadRows,
                                          int64_t threadCols);

/// Parses a description from JSON text. Errors name the field.
llvm::Expected<TargetDescription> parseTargetDescription(llvm::StringRef json);
/// Writes `target` as indented JSON (what parseTargetDescription reads).
std::string printTargetDescription(const TargetDescription &target);

/// The shipped presets' names (`x86-64-v3`, `x86-64-v4`, `sm_80`, `sm_90`,
/// `loihi2`).
std::vector<llvm::StringRef> getPresetNames();
/// A preset's JSON text, or empty when there is none by that name.
llvm::StringRef getPresetJSON(llvm::StringRef name);

/// A preset by name, or a JSON file by path (anything with a `/` or ending
/// in `.json`). Errors say what is wrong without naming the file (callers
/// print `file: error: ...`).
llvm::Expected<TargetDescription> loadTargetDescription(llvm::StringRef spec);

/// The preset that fits a CPU with `features` (x86-64-v4 with AVX-512,
/// else x86-64-v3), its cores set to `cores` when non-zero.
TargetDescription getDefaultCPUDescription(llvm::ArrayRef<std::string> features,
                                           unsigned cores);

} // namespace fulcrum::cost

#endif // FULCRUM_COST_TARGETDESCRIPTION_H
