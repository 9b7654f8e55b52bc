//===- NIRBackend.cpp - The neuromorphic (NIR) target backend -------------===//
//
// Part of Fulcrum. See NIRTarget.h.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/NIR/NIRTarget.h"

#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h"
#include "fulcrum/Dialect/SNN/Transforms/Passes.h"
#include "fulcrum/Execution/ModelRunner.h"
#include "fulcrum/Target/NIR/NIRFile.h"
#include "fulcrum/Target/TargetBackend.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;

namespace fulcrum::snn {
namespace {

llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

class NIRBackend : public TargetBackend {
public:
  llvm::StringRef getName() const override { return "nir"; }
  std::string getDescription() const override {
    return "neuromorphic: ANN-to-SNN conversion (rate coding, threshold "
           "balancing) to a NIR (HDF5) graph for Loihi 2, SpiNNaker2, Xylo, "
           "snnTorch, Norse, ...";
  }
  llvm::ArrayRef<CompilePhase> getPhases() const override {
    static const CompilePhase phases[] = {CompilePhase::Import,
                                          CompilePhase::Codegen};
    return phases;
  }
  void buildCodegenPipeline(OpPassManager &pm, const PipelineOptions &options,
                            const TargetOptions &target) const override {
    pm.addNestedPass<func::FuncOp>(fused::createFoldScaleShift());
    SNNCalibrateOptions calibrate;
    calibrate.calibrationData = target.calibrationData;
    calibrate.percentile = target.calibrationPercentile;
    calibrate.entryPoint = options.entryPoint;
    calibrate.perChannel = target.snnChannelThresholds;
    pm.addPass(createSNNCalibrate(calibrate));
    ConvertONNXToSNNOptions convert;
    convert.entryPoint = options.entryPoint;
    convert.maxpool = target.snnMaxPool;
    convert.neuron = target.snnNeuron;
    convert.lifTau = target.snnLifTau;
    pm.addPass(createConvertONNXToSNN(convert));
    if (target.snnWeightBits) {
      SNNQuantizeWeightsOptions quantize;
      quantize.bits = target.snnWeightBits;
      pm.addPass(createSNNQuantizeWeights(quantize));
    }
  }
  llvm::ArrayRef<ArtifactKind> getArtifactKinds() const override {
    static const ArtifactKind kinds[] = {ArtifactKind::NIR};
    return kinds;
  }
  llvm::Error serialize(ModuleOp module, ArtifactKind kind,
                        const EntryPointInfo &entry, const TargetOptions &,
                        llvm::StringRef path) const override {
    if (kind != ArtifactKind::NIR)
      return error("the nir target writes only .nir files");
    auto func = module.lookupSymbol<func::FuncOp>(entry.name);
    if (!func)
      return error("no entry point @" + entry.name);
    auto bytes = exportNIR(func);
    if (!bytes)
      return bytes.takeError();
    std::string message;
    auto out = openOutputFile(path, &message);
    if (!out)
      return error(message);
    out->os().write(bytes->data(), bytes->size());
    out->keep();
    return llvm::Error::success();
  }
  llvm::Expected<std::unique_ptr<ModelRunner>>
  createRunner(ModuleOp, const EntryPointInfo &,
               const TargetOptions &) const override {
    return error("the nir target runs in the SNN simulator: compile to a "
                 ".nir file, then `fulcrum-run model.nir --snn-steps N`");
  }
  llvm::Expected<TargetDescription>
  describe(const TargetOptions &) const override {
    TargetDescription d;
    d.target = "nir";
    d.cpu = "snn";
    return d;
  }
};

} // namespace

void registerNIRTargetBackend() {
  registerTargetBackend(std::make_unique<NIRBackend>());
}

} // namespace fulcrum::snn
