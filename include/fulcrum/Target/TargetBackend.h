//===- TargetBackend.h - Targets behind one interface -----------*- C++ -*-===//
//
// Part of Fulcrum. Every code generation target (CPU today; GPU and
// neuromorphic targets later) implements TargetBackend and registers itself
// with the registry below. The driver (fulcrum/Driver/Driver.h) looks
// targets up by name: it runs the target-independent phases, then the
// target's codegen pipeline, and asks the target to serialize an artifact or
// to run what it produced.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_TARGET_TARGETBACKEND_H
#define FULCRUM_TARGET_TARGETBACKEND_H

#include "fulcrum/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum {

class ModelRunner;

/// What a compile can write.
enum class ArtifactKind {
  MLIR,          ///< .mlir after any phase
  LLVMIR,        ///< .ll, optimized, with the target's CPU and features
  Object,        ///< .o
  StaticLibrary, ///< .a
  SharedLibrary, ///< .so
  PTX,           ///< .ptx, a GPU target's device code
  SPIRV,         ///< .spv, a GPU target's device code
  NIR,           ///< .nir, an HDF5 NIR graph (the nir target)
};

/// `mlir`, `ll`, `o`, `a`, `so`, `ptx`, `spv`.
llvm::StringRef getArtifactSuffix(ArtifactKind kind);
/// The artifact a file name asks for, by its suffix (`-` is MLIR on stdout).
std::optional<ArtifactKind> getArtifactKindForPath(llvm::StringRef path);

/// Options every target's code generation understands.
struct TargetOptions {
  /// Target triple; empty means the host's.
  std::string triple;
  /// `native` (the host's CPU and all its features), or an LLVM CPU name
  /// such as `x86-64`, `x86-64-v3`, `x86-64-v4`, `znver4`.
  std::string cpu = "native";
  /// LLVM optimization level (0-3).
  unsigned optLevel = 3;
  /// GPU targets: the chip (`sm_80`, `sm_90` for nvptx); empty for others.
  std::string gpuChip;
  /// GPU targets: the tiles of contraction kernels, `RxCxD` or
  /// `RxCxDxTRxTC` (output rows x columns per workgroup x reduction steps
  /// staged, outputs per thread in rows x columns), optionally `:W` (the
  /// workgroups a launch should have), `none` for the naive mapping;
  /// empty: the target description's (gpuDescription).
  std::string gpuTile;
  /// GPU targets: the target description (a preset name or a JSON file of
  /// kind `gpu`) whose `gpu` fields shape the kernels; empty: the chip's
  /// preset (nvptx) or the `vulkan` preset.
  std::string gpuDescription;
  /// Neuromorphic targets: calibration inputs (.npy) for threshold
  /// balancing, the activation percentile, and the weight bit width to
  /// round to (0: keep f32).
  std::string calibrationData;
  double calibrationPercentile = 99.9;
  unsigned snnWeightBits = 0;
  /// Neuromorphic targets: how MaxPool converts (`spike-max` or `avg`).
  std::string snnMaxPool = "spike-max";
  /// Neuromorphic targets: thresholds per channel (false: one per layer).
  bool snnChannelThresholds = true;
  /// Neuromorphic targets: `if` or `lif` neurons, and the LIF time constant.
  std::string snnNeuron = "if";
  double snnLifTau = 100;
};

/// What a target resolves its options to: the machine code generation
/// really targets. (The cost model's full target descriptions extend it.)
struct TargetDescription {
  std::string target;
  std::string triple;
  /// The resolved CPU name (`native` becomes the host's, e.g. `znver5`).
  std::string cpu;
  /// Enabled ISA features, sorted (`avx2`, `avx512f`, `fma`, ...).
  std::vector<std::string> features;
  /// Widest vector register in bits (128, 256, 512).
  unsigned vectorBits = 0;

  bool hasFeature(llvm::StringRef name) const;
  /// One line: `<cpu>, <bits>-bit vectors, <features of interest>`.
  std::string summary() const;
};

/// What serialization and runners need to know about the entry point.
struct EntryPointInfo {
  /// The entry point's name (`_mlir_ciface_<name>` in the artifact).
  std::string name = "main_graph";
  /// The signature text embedded as `fulcrum_signature_<name>`
  /// (fulcrum/Execution/Signature.h); empty when the entry point has
  /// arguments without a C representation (no runner can call it then).
  std::string signature;
};

class TargetBackend {
public:
  virtual ~TargetBackend();

  /// The name `--target` selects (e.g. `cpu`).
  virtual llvm::StringRef getName() const = 0;
  /// Other names `--target` accepts.
  virtual llvm::ArrayRef<llvm::StringRef> getAliases() const { return {}; }
  /// One line for `fulcrum-compile --list-targets`.
  virtual std::string getDescription() const = 0;

  /// The phases this target runs, in order, starting at `import`. A target
  /// may stop after `graph` (a neuromorphic export) or skip nothing (CPU:
  /// import, graph, linalg, codegen).
  virtual llvm::ArrayRef<CompilePhase> getPhases() const = 0;
  bool hasPhase(CompilePhase phase) const;

  /// Adds the passes that take the module from the phase before `codegen`
  /// to `codegen`, for the machine `target` describes.
  virtual void buildCodegenPipeline(mlir::OpPassManager &pm,
                                    const PipelineOptions &options,
                                    const TargetOptions &target) const = 0;

  /// The artifacts `serialize` can write from the module after its last
  /// phase (MLIR is always possible and not listed).
  virtual llvm::ArrayRef<ArtifactKind> getArtifactKinds() const = 0;

  /// Writes `module` (after the last phase) as `kind` to `path`.
  virtual llvm::Error serialize(mlir::ModuleOp module, ArtifactKind kind,
                                const EntryPointInfo &entry,
                                const TargetOptions &options,
                                llvm::StringRef path) const = 0;

  /// Makes `module` (after the last phase) callable in this process.
  virtual llvm::Expected<std::unique_ptr<ModelRunner>>
  createRunner(mlir::ModuleOp module, const EntryPointInfo &entry,
               const TargetOptions &options) const = 0;

  /// Resolves `options` to the machine they target (checks the CPU name).
  virtual llvm::Expected<TargetDescription>
  describe(const TargetOptions &options) const = 0;
};

/// Adds a target to the registry (names and aliases must be unique).
void registerTargetBackend(std::unique_ptr<TargetBackend> backend);
/// The target registered under `name` or one of its aliases, or null.
const TargetBackend *lookupTargetBackend(llvm::StringRef name);
/// Every registered target, in registration order.
std::vector<const TargetBackend *> getTargetBackends();

} // namespace fulcrum

#endif // FULCRUM_TARGET_TARGETBACKEND_H
