//===- GPUBackend.cpp - The `vulkan` and `nvptx` targets ------------------===//
//
// Part of Fulcrum. The GPU targets behind the TargetBackend interface. The
// host side of their artifacts is made like the CPU target's (the same
// LLVM configuration, exports and linking), with the GPU runtime linked in
// from bitcode and the device code embedded as a global.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/TargetDescription.h"
#include "fulcrum/Execution/ModelRunner.h"
#include "fulcrum/Target/CPU/CPUTarget.h"
#include "fulcrum/Target/GPU/GPUTarget.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/ToolOutputFile.h"

// Generated at build time from Runtime/*.c (GPURuntimeBitcode.cpp).
extern const unsigned char fulcrumGPURuntimeBitcode[];
extern const size_t fulcrumGPURuntimeBitcodeSize;

using namespace llvm;

namespace fulcrum {

namespace {
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

class GPUTargetBackend : public TargetBackend {
public:
  explicit GPUTargetBackend(GPUKind kind) : kind(kind) {}

  StringRef getName() const override {
    return kind == GPUKind::Vulkan ? "vulkan" : "nvptx";
  }
  ArrayRef<StringRef> getAliases() const override {
    static const StringRef vulkan[] = {"spirv"};
    static const StringRef nvptx[] = {"cuda"};
    return kind == GPUKind::Vulkan ? ArrayRef<StringRef>(vulkan)
                                   : ArrayRef<StringRef>(nvptx);
  }
  std::string getDescription() const override {
    if (kind == GPUKind::Vulkan)
      return "GPUs through Vulkan compute (SPIR-V kernels; runs on any "
             "Vulkan driver, e.g. Mesa's lavapipe; FULCRUM_VULKAN_DEVICE "
             "picks the device); artifacts .so .o .a .ll .spv .mlir";
    return "NVIDIA GPUs through NVVM (--gpu-chip sm_80|sm_90; PTX kernels "
           "run by the CUDA driver, loaded at run time); artifacts .so .o .a "
           ".ll .ptx .mlir";
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
    GPUPipelineOptions gpu;
    gpu.kind = kind;
    gpu.chip = target.gpuChip;
    if (kind == GPUKind::NVPTX)
      gpu.libdevice = findLibdevice();
    // describe() has checked the tile.
    llvm::consumeError(parseGPUTile(target.gpuTile, target.gpuChip,
                                    target.gpuDescription, gpu));
    buildGPUCodegenPipeline(pm, options, gpu);
  }
  ArrayRef<ArtifactKind> getArtifactKinds() const override {
    static const ArtifactKind vulkan[] = {
        ArtifactKind::LLVMIR, ArtifactKind::Object, ArtifactKind::StaticLibrary,
        ArtifactKind::SharedLibrary, ArtifactKind::SPIRV};
    static const ArtifactKind nvptx[] = {
        ArtifactKind::LLVMIR, ArtifactKind::Object, ArtifactKind::StaticLibrary,
        ArtifactKind::SharedLibrary, ArtifactKind::PTX};
    return kind == GPUKind::Vulkan ? ArrayRef<ArtifactKind>(vulkan)
                                   : ArrayRef<ArtifactKind>(nvptx);
  }

  /// The host module's LLVM IR with the runtime and the entry point's
  /// exports.
  Expected<std::unique_ptr<Module>>
  translate(mlir::ModuleOp module, LLVMContext &context,
            const EntryPointInfo &entry, const TargetOptions &options) const {
    auto llvmModule = translateToLLVMIR(module, context, options);
    if (!llvmModule)
      return llvmModule.takeError();
    if (Error err = linkGPURuntime(**llvmModule))
      return std::move(err);
    if (!entry.signature.empty())
      if (Error err =
              addEntryPointExports(**llvmModule, entry.name, entry.signature))
        return std::move(err);
    return llvmModule;
  }

  /// The host module's object code. For nvptx, the embedded PTX becomes a
  /// fatbin with the chip's cubin where the CUDA toolkit is installed (on
  /// a copy: a .ptx artifact of the same module stays PTX).
  Expected<std::string> compile(mlir::ModuleOp module,
                                const EntryPointInfo &entry,
                                const TargetOptions &options) const {
    mlir::OwningOpRef<mlir::ModuleOp> withCubin;
    if (kind == GPUKind::NVPTX) {
      withCubin = module.clone();
      if (Error err = embedFatbin(*withCubin, options.gpuChip))
        return std::move(err);
      module = *withCubin;
    }
    LLVMContext context;
    auto llvmModule = translate(module, context, entry, options);
    if (!llvmModule)
      return llvmModule.takeError();
    return emitObject(**llvmModule, options);
  }

  Error serialize(mlir::ModuleOp module, ArtifactKind artifact,
                  const EntryPointInfo &entry, const TargetOptions &options,
                  StringRef path) const override {
    if (artifact == ArtifactKind::PTX || artifact == ArtifactKind::SPIRV) {
      auto code = getDeviceCode(module);
      if (!code)
        return code.takeError();
      // PTX text from gpu-module-to-binary ends with its own NUL.
      if (artifact == ArtifactKind::PTX)
        while (!code->empty() && code->back() == 0)
          code->pop_back();
      return writeFile(path, *code);
    }
    if (artifact == ArtifactKind::LLVMIR) {
      LLVMContext context;
      auto llvmModule = translate(module, context, entry, options);
      if (!llvmModule)
        return llvmModule.takeError();
      std::string text;
      raw_string_ostream os(text);
      (*llvmModule)->print(os, nullptr);
      return writeFile(path, text);
    }
    auto object = compile(module, entry, options);
    if (!object)
      return object.takeError();
    switch (artifact) {
    case ArtifactKind::Object:
      return writeFile(path, *object);
    case ArtifactKind::StaticLibrary:
      return writeStaticLibrary(path, *object,
                                (sys::path::stem(path) + ".o").str());
    case ArtifactKind::SharedLibrary:
      return writeSharedLibrary(path, *object);
    default:
      return error("the " + getName() + " target cannot write ." +
                   getArtifactSuffix(artifact) + " files");
    }
  }

  Expected<std::unique_ptr<ModelRunner>>
  createRunner(mlir::ModuleOp module, const EntryPointInfo &entry,
               const TargetOptions &options) const override {
    if (entry.signature.empty())
      return error("the entry point @" + entry.name +
                   " has arguments or results without a C representation; "
                   "it cannot be run");
    auto object = compile(module, entry, options);
    if (!object)
      return object.takeError();
    return jitLinkObject(*object, entry.name);
  }

  Expected<TargetDescription>
  describe(const TargetOptions &options) const override {
    TargetDescription description;
    description.target = getName().str();
    GPUPipelineOptions tiles;
    tiles.kind = kind;
    if (Error err = parseGPUTile(options.gpuTile, options.gpuChip,
                                 options.gpuDescription, tiles))
      return std::move(err);
    if (kind == GPUKind::NVPTX) {
      StringRef chip = options.gpuChip;
      unsigned version = 0;
      if (chip.empty())
        return error("the nvptx target needs --gpu-chip (sm_80 or sm_90)");
      if (!chip.consume_front("sm_") || chip.getAsInteger(10, version) ||
          version < 50)
        return error("unknown --gpu-chip '" + options.gpuChip +
                     "' (expected sm_<NN>, e.g. sm_80 or sm_90)");
      description.triple = "nvptx64-nvidia-cuda";
      description.cpu = options.gpuChip;
      return description;
    }
    if (!options.gpuChip.empty())
      return error("--gpu-chip is for the nvptx target");
    description.triple = "spirv-unknown-vulkan1.1";
    description.cpu = "vulkan";
    return description;
  }

private:
  GPUKind kind;
};
} // namespace

Error linkGPURuntime(Module &module) {
  bool calls = false;
  for (Function &f : module)
    calls |= f.isDeclaration() && f.getName().starts_with("fulcrum_") &&
             (f.getName().ends_with("_launch"));
  if (!calls)
    return Error::success();
  auto buffer = MemoryBuffer::getMemBuffer(
      StringRef(reinterpret_cast<const char *>(fulcrumGPURuntimeBitcode),
                fulcrumGPURuntimeBitcodeSize),
      "fulcrum-gpu-runtime.bc", /*RequiresNullTerminator=*/false);
  auto runtime = parseBitcodeFile(*buffer, module.getContext());
  if (!runtime)
    return runtime.takeError();
  (*runtime)->setDataLayout(module.getDataLayout());
  (*runtime)->setTargetTriple(module.getTargetTriple());
  if (Linker::linkModules(module, std::move(*runtime),
                          Linker::Flags::LinkOnlyNeeded))
    return error("cannot link the GPU runtime");
  return Error::success();
}

Error parseGPUTile(StringRef spec, StringRef chip, StringRef description,
                   GPUPipelineOptions &options) {
  if (spec == "none") {
    options.tileContractions = false;
    options.subgroupReductions = false;
    return Error::success();
  }
  // The target description: the one given, else the chip's (sm_80, sm_90)
  // where Fulcrum ships one, else, for vulkan, whose device is not known
  // when compiling, the `vulkan` preset (64x64x16 tiles, 64 compute
  // units: smaller tiles or split reductions until a launch has 128
  // workgroups; on an H200 this made ResNet-18 1.8x and the BERT encoder
  // 1.8x faster than one thread per output, docs/GPU.md).
  std::string name = description.str();
  if (name.empty() && !chip.empty() && !cost::getPresetJSON(chip).empty())
    name = chip.str();
  if (name.empty() && options.kind == GPUKind::Vulkan)
    name = "vulkan";
  if (!name.empty()) {
    std::string what = (description.empty() ? "target description '"
                                            : "--target-description '") +
                       name + "'";
    auto target = cost::loadTargetDescription(name);
    if (!target)
      return error(what + ": " + toString(target.takeError()));
    if (target->kind != "gpu")
      return error(what + " describes a " + target->kind +
                   " target, not a GPU");
    const cost::GPUFields &g = target->gpu;
    options.tileRows = g.tileRows;
    options.tileCols = g.tileCols;
    options.tileDepth = g.tileDepth;
    options.threadRows = g.threadRows;
    options.threadCols = g.threadCols;
    options.minWorkgroups = 2 * int64_t(g.smCount);
  }
  if (spec.empty())
    return Error::success();
  auto [tileSpec, fill] = spec.split(':');
  if (!fill.empty()) {
    int64_t workgroups = 0;
    if (fill.getAsInteger(10, workgroups) || workgroups < 0)
      return error("--gpu-tile '" + spec.str() +
                   "': expected a count of workgroups after ':'");
    options.minWorkgroups = workgroups;
    if (tileSpec.empty())
      return Error::success();
  }
  SmallVector<StringRef> parts;
  tileSpec.split(parts, 'x');
  SmallVector<int64_t> values;
  for (StringRef part : parts) {
    int64_t value = 0;
    if (part.getAsInteger(10, value) || value <= 0)
      return error("--gpu-tile '" + spec.str() +
                   "': expected positive numbers RxCxD or RxCxDxTRxTC "
                   "(optionally :W), or none");
    values.push_back(value);
  }
  if (values.size() != 3 && values.size() != 5)
    return error("--gpu-tile '" + spec.str() +
                 "': expected RxCxD or RxCxDxTRxTC (3 or 5 numbers), or "
                 "none");
  int64_t tr = values.size() == 5 ? values[3] : 4;
  int64_t tc = values.size() == 5 ? values[4] : 4;
  cost::ContractionTileCheck check =
      cost::checkContractionTile(values[0], values[1], values[2], tr, tc);
  if (check.result == cost::ContractionTileCheck::NotMultiple)
    return error("--gpu-tile '" + spec.str() +
                 "': the rows and columns per workgroup must be multiples "
                 "of the outputs per thread (" +
                 std::to_string(tr) + "x" + std::to_string(tc) + ")");
  if (check.result == cost::ContractionTileCheck::Workgroup)
    return error("--gpu-tile '" + spec.str() + "': a workgroup of " +
                 std::to_string(check.threads) +
                 " threads must be at most 1024 and divide rows*depth and "
                 "cols*depth");
  options.tileRows = values[0];
  options.tileCols = values[1];
  options.tileDepth = values[2];
  options.threadRows = tr;
  options.threadCols = tc;
  return Error::success();
}

void registerGPUTargetBackends() {
  registerTargetBackend(std::make_unique<GPUTargetBackend>(GPUKind::Vulkan));
  registerTargetBackend(std::make_unique<GPUTargetBackend>(GPUKind::NVPTX));
}

} // namespace fulcrum
