//===- Profiler.h - Predicted against measured, per layer -------*- C++ -*-===//
//
// Part of Fulcrum. Compiles a model with layer timers (Profile.h), runs it,
// and sets each layer's measured time beside the cost model's prediction:
// what `fulcrum-run MODEL --profile` prints.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_COST_PROFILER_H
#define FULCRUM_COST_PROFILER_H

#include "fulcrum/Cost/CostModel.h"
#include "fulcrum/Driver/Driver.h"
#include "fulcrum/Execution/HostTensor.h"

#include <string>
#include <vector>

namespace fulcrum::cost {

struct ProfileOptions {
  /// Timed calls (each layer's time, and the total, is the best over them:
  /// interference from other processes only adds time) after `warmup`
  /// untimed ones.
  unsigned runs = 20;
  unsigned warmup = 3;
  CostOptions cost;
};

struct ProfiledLayer {
  std::string name;
  std::string op;
  std::string kind;
  double predictedMs = 0;
  double measuredMs = 0;
  /// Untimed code run between the previous layer and this one.
  double gapMs = 0;
};

struct ProfileReport {
  std::string target;
  unsigned threads = 1;
  /// Layers that ran as code of their own, in program order.
  std::vector<ProfiledLayer> layers;
  /// Ops code generation folded into another layer's kernel (padding,
  /// bias broadcasts, epilogues, attention's softmax and second product):
  /// never timed. Their predicted_ms is their price as loops of their own;
  /// what they cost inside the kernel (absorbedInsideMs in all) is counted
  /// in the timed layer before them.
  std::vector<ProfiledLayer> absorbed;
  double absorbedInsideMs = 0;
  double spearman = 0;
  /// Predicted: the layers plus the per-call overhead. Measured: the best
  /// wall time of a whole call.
  double totalPredictedMs = 0, totalMeasuredMs = 0;
  /// The measured layers' sum (the rest is the code between layers).
  double layerMeasuredMs = 0;
  /// The time a call spends before its first layer and after its last.
  double headMs = 0, tailMs = 0;
  /// The entry point has dynamic dimensions (priced as 1): the model was
  /// profiled on random inputs.
  bool dynamicShapes = false;
  /// Compiled for the given inputs' shapes (CompileOptions::inputShapes).
  bool specialized = false;
};

/// The target description a compile prices on: `spec` (a preset name or a
/// JSON file) when given; else the preset `options.target` names, which
/// then also selects its code generation backend (and, for CPUs, its chip
/// unless `keepCPU`); else one fitting the backend's resolved CPU (the
/// x86-64-v4 preset with AVX-512, x86-64-v3 otherwise) with the host's
/// cores. Errors name neither file nor tool.
llvm::Expected<TargetDescription>
resolveTargetDescription(llvm::StringRef spec, CompileOptions &options,
                         bool keepCPU);

/// Prices the entry function of `session`'s module (run to the graph phase
/// first when it is earlier) and prints the table to `os`.
mlir::LogicalResult printModelCost(CompileSession &session,
                                   const TargetDescription &target,
                                   const CostOptions &options,
                                   llvm::raw_ostream &os);

/// Spearman's rank correlation of `a` and `b` (average ranks for ties).
double spearmanCorrelation(llvm::ArrayRef<double> a, llvm::ArrayRef<double> b);

/// Inputs for every argument of `runner`: uniform in [-1, 1) for floating
/// point, zeros for integers (valid indices and ids); dynamic dimensions 1.
std::vector<HostTensor> makeRandomInputs(const ModelRunner &runner);

/// Compiles `path` for profiling (`options` as for a plain compile), runs
/// it on `inputs` (random ones when empty), and measures every layer.
llvm::Expected<ProfileReport>
profileModel(mlir::MLIRContext &context, llvm::StringRef path,
             CompileOptions options, const TargetDescription &target,
             std::vector<HostTensor> inputs, const ProfileOptions &profile);

/// The per-layer table with the rank correlation and the totals.
void printProfileTable(llvm::raw_ostream &os, const ProfileReport &report);
/// `{"layers":[{"name","op","class","predicted_ms","measured_ms"}],
/// "spearman", "total_predicted_ms", "total_measured_ms", ...}`.
std::string printProfileJSON(const ProfileReport &report);

} // namespace fulcrum::cost

#endif // FULCRUM_COST_PROFILER_H
