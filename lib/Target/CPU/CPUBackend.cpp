//===- CPUBackend.cpp - The `cpu` target ----------------------------------===//
//
// Part of Fulcrum. The CPU target behind the TargetBackend interface.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/TargetDescription.h"
#include "fulcrum/Execution/ModelRunner.h"
#include "fulcrum/Target/CPU/CPUTarget.h"
#include "fulcrum/Target/CPU/Kernels.h"

#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

namespace fulcrum {

namespace {
/// Constant globals of at least this many bytes are kept out of LLVM.
constexpr uint64_t kExternalConstantBytes = 1 << 20;

Error error(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

Error writeFile(StringRef path, StringRef bytes) {
  std::string message;
  auto out = mlir::openOutputFile(path, &message);
  if (!out)
    return error(message);
  out->os() << bytes;
  out->keep();
  return Error::success();
}

class CPUTargetBackend : public TargetBackend {
public:
  StringRef getName() const override { return "cpu"; }
  ArrayRef<StringRef> getAliases() const override {
    static const StringRef aliases[] = {"x86-64"};
    return aliases;
  }
  std::string getDescription() const override {
    std::string host = "unknown host";
    if (auto d = describeCPUTarget(TargetOptions{}))
      host = d->summary();
    else
      consumeError(d.takeError());
    return "CPUs through LLVM (--target-cpu native|x86-64|x86-64-v3|"
           "x86-64-v4|...; host: " +
           host + "); artifacts .o .a .so .ll .mlir; runs in-process";
  }
  ArrayRef<CompilePhase> getPhases() const override {
    static const CompilePhase phases[] = {
        CompilePhase::Import, CompilePhase::Graph, CompilePhase::Linalg,
        CompilePhase::Codegen};
    return phases;
  }
  void buildCodegenPipeline(mlir::OpPassManager &pm,
                            const PipelineOptions &options,
                            const TargetOptions &target) const override {
    // One resolution of the target for the three kernel families.
    auto description = describeCPUTarget(target);
    if (!description) {
      consumeError(description.takeError());
      return buildCPUCodegenPipeline(pm, options, "generic", "generic");
    }
    // Batch chunks are sized for the last-level cache of the target's
    // description (the preset for its ISA) unless the options name one;
    // the machine balance always comes from the description.
    PipelineOptions sized = options;
    auto cpu = cost::getDefaultCPUDescription(description->features, 0);
    if (!sized.cacheBytes && !cpu.caches.empty())
      sized.cacheBytes = static_cast<int64_t>(cpu.caches.back().sizeBytes);
    if (!sized.machineBalance && cpu.dramBandwidthGBs > 0)
      sized.machineBalance = cpu.peakF32 / cpu.dramBandwidthGBs;
    // Kernel choices (the attention's key tile) are priced on the
    // description the options name, else on the preset.
    if (sized.targetDescription.empty())
      sized.targetDescription = cpu.name;
    buildCPUCodegenPipeline(pm, sized, selectKernelISA(*description),
                            selectQuantizedKernelISA(*description),
                            selectAttentionKernelISA(*description));
  }
  ArrayRef<ArtifactKind> getArtifactKinds() const override {
    static const ArtifactKind kinds[] = {
        ArtifactKind::LLVMIR, ArtifactKind::Object, ArtifactKind::StaticLibrary,
        ArtifactKind::SharedLibrary};
    return kinds;
  }

  Error serialize(mlir::ModuleOp module, ArtifactKind kind,
                  const EntryPointInfo &entry, const TargetOptions &options,
                  StringRef path) const override {
    if (kind == ArtifactKind::LLVMIR) {
      LLVMContext context;
      auto llvmModule = translateModelToLLVMIR(module, context, entry, options);
      if (!llvmModule)
        return llvmModule.takeError();
      std::string text;
      raw_string_ostream os(text);
      (*llvmModule)->print(os, nullptr);
      return writeFile(path, text);
    }
    // Large constants bypass LLVM (ConstantsObject.cpp): a copy of the
    // module declares them, and a second object defines them.
    mlir::OwningOpRef<mlir::ModuleOp> copy(module.clone());
    std::vector<ExternalConstant> constants;
    auto machine = createCPUTargetMachine(options);
    if (!machine)
      return machine.takeError();
    const Triple &triple = (*machine)->getTargetTriple();
    if (triple.isOSBinFormatELF() && (triple.getArch() == Triple::x86_64 ||
                                      triple.getArch() == Triple::aarch64))
      constants = externalizeLargeConstants(
          *copy, "fulcrum_constant_" + entry.name + "_",
          kExternalConstantBytes);
    auto object = compileToObject(*copy, entry, options);
    if (!object)
      return object.takeError();
    SmallVector<std::string, 1> extra;
    SmallString<128> constantsPath;
    std::optional<FileRemover> removeConstants;
    if (!constants.empty()) {
      int fd;
      if (std::error_code ec = sys::fs::createTemporaryFile(
              "fulcrum-constants", "o", fd, constantsPath))
        return error("cannot create a temporary file: " + ec.message());
      removeConstants.emplace(constantsPath);
      raw_fd_ostream os(fd, /*shouldClose=*/true);
      if (Error err = writeConstantsObject(os, constants, triple))
        return err;
      os.close();
      if (os.has_error())
        return error("cannot write '" + constantsPath +
                     "': " + os.error().message());
      extra.push_back(constantsPath.str().str());
    }
    switch (kind) {
    case ArtifactKind::Object:
      if (!extra.empty())
        return writeRelocatableObject(path, *object, extra);
      return writeFile(path, *object);
    case ArtifactKind::StaticLibrary:
      return writeStaticLibrary(path, *object,
                                (sys::path::stem(path) + ".o").str(), extra);
    case ArtifactKind::SharedLibrary:
      return writeSharedLibrary(path, *object, extra);
    default:
      return error("the cpu target cannot write ." + getArtifactSuffix(kind) +
                   " files");
    }
  }

  Expected<std::unique_ptr<ModelRunner>>
  createRunner(mlir::ModuleOp module, const EntryPointInfo &entry,
               const TargetOptions &options) const override {
    if (entry.signature.empty())
      return error("the entry point @" + entry.name +
                   " has arguments or results without a C representation; "
                   "it cannot be run");
    auto object = compileToObject(module, entry, options);
    if (!object)
      return object.takeError();
    return jitLinkObject(*object, entry.name);
  }

  Expected<TargetDescription>
  describe(const TargetOptions &options) const override {
    return describeCPUTarget(options);
  }
};
} // namespace

void registerCPUTargetBackend() {
  registerTargetBackend(std::make_unique<CPUTargetBackend>());
}

} // namespace fulcrum
