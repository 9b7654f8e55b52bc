//===- CPUTarget.cpp - LLVM IR, objects and libraries for CPUs ------------===//
//
// Part of Fulcrum. The LLVM side of the CPU target (see CPUTarget.h).
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/CPU/CPUTarget.h"

#include "fulcrum/Execution/ModelRunner.h"
#include "fulcrum/Target/CPU/Kernels.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/StringSaver.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

using namespace llvm;

namespace fulcrum {

namespace {
Error error(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

void initializeTargets() {
  static bool done = [] {
    InitializeAllTargetInfos();
    InitializeAllTargets();
    InitializeAllTargetMCs();
    InitializeAllAsmPrinters();
    // The kernels' inline assembly (Kernels/amx.inc: cpuid, xgetbv and
    // the arch_prctl system call) is parsed as the object is emitted.
    InitializeAllAsmParsers();
    return true;
  }();
  (void)done;
}

/// The host's features as `+name`/`-name`, sorted (deterministic output).
std::vector<std::string> hostFeatures() {
  std::vector<std::string> enabled;
  for (auto &f : sys::getHostCPUFeatures())
    enabled.push_back((f.second ? "+" : "-") + f.first().str());
  std::sort(enabled.begin(), enabled.end());
  return enabled;
}
} // namespace

Expected<std::unique_ptr<TargetMachine>>
createCPUTargetMachine(const TargetOptions &options) {
  initializeTargets();
  std::string triple =
      options.triple.empty() ? sys::getDefaultTargetTriple() : options.triple;
  std::string message;
  const Target *target = TargetRegistry::lookupTarget(triple, message);
  if (!target)
    return error("unknown target '" + triple + "': " + message);
  std::string cpu =
      options.cpu == "native" ? sys::getHostCPUName().str() : options.cpu;
  // Checked before the TargetMachine exists, which would warn on stderr.
  std::unique_ptr<MCSubtargetInfo> info(
      target->createMCSubtargetInfo(triple, "", ""));
  if (!info || !info->isCPUStringValid(cpu))
    return error("unknown CPU '" + cpu + "' for target '" + triple + "'");
  std::string features;
  if (options.cpu == "native")
    for (auto &f : hostFeatures())
      features += (features.empty() ? "" : ",") + f;
  llvm::TargetOptions targetOptions;
  std::unique_ptr<TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, targetOptions, Reloc::PIC_, std::nullopt,
      options.optLevel >= 3 ? CodeGenOptLevel::Aggressive
                            : CodeGenOptLevel::Default));
  if (!machine)
    return error("cannot create a target machine for '" + triple + "' (cpu '" +
                 cpu + "')");
  return machine;
}

Expected<TargetDescription>
describeCPUTarget(const fulcrum::TargetOptions &options) {
  auto machine = createCPUTargetMachine(options);
  if (!machine)
    return machine.takeError();
  TargetDescription description;
  description.target = "cpu";
  description.triple = (*machine)->getTargetTriple().str();
  description.cpu = (*machine)->getTargetCPU().str();
  const MCSubtargetInfo *info = (*machine)->getMCSubtargetInfo();
  for (const SubtargetFeatureKV &kv : info->getAllProcessorFeatures())
    if (info->checkFeatures(std::string("+") + kv.Key))
      description.features.push_back(kv.Key);
  std::sort(description.features.begin(), description.features.end());
  description.vectorBits = description.hasFeature("avx512f") ? 512
                           : description.hasFeature("avx")   ? 256
                                                             : 128;
  return description;
}

namespace {
/// `select`'s choice for the CPU `options` resolve to; `generic` when they
/// do not resolve (validation reports that).
StringRef selectFor(const fulcrum::TargetOptions &options,
                    StringRef (*select)(const TargetDescription &)) {
  auto description = describeCPUTarget(options);
  if (!description) {
    consumeError(description.takeError());
    return "generic";
  }
  return select(*description);
}
} // namespace

StringRef getKernelISA(const fulcrum::TargetOptions &options) {
  return selectFor(options, selectKernelISA);
}

StringRef getQuantizedKernelISA(const fulcrum::TargetOptions &options) {
  return selectFor(options, selectQuantizedKernelISA);
}

unsigned getDefaultQuantizedWeightBits(const fulcrum::TargetOptions &options) {
  return getQuantizedKernelISA(options) == "avx2" ? 7 : 8;
}

StringRef getAttentionKernelISA(const fulcrum::TargetOptions &options) {
  return selectFor(options, selectAttentionKernelISA);
}

Expected<std::unique_ptr<Module>>
translateToLLVMIR(mlir::ModuleOp module, LLVMContext &context,
                  const fulcrum::TargetOptions &options) {
  std::unique_ptr<Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, context);
  if (!llvmModule)
    return error("translation to LLVM IR failed");
  auto machine = createCPUTargetMachine(options);
  if (!machine)
    return machine.takeError();
  llvmModule->setDataLayout((*machine)->createDataLayout());
  llvmModule->setTargetTriple((*machine)->getTargetTriple().getTriple());
  if (Error err = linkKernels(*llvmModule))
    return std::move(err);
  // Record the CPU on every function, so that the .ll keeps it. With
  // AVX-512, the model's code keeps the 512-bit vectors the code generator
  // chose (the target description's vector width): LLVM's tuning for
  // Intel's server cores (Ice Lake to Granite Rapids) prefers 256-bit
  // ones, and splits 512-bit operations in two where a function does not
  // say otherwise (the kernels, compiled by clang, say so already).
  bool avx512 = (*machine)->getMCSubtargetInfo()->checkFeatures("+avx512f");
  for (Function &f : *llvmModule) {
    if (f.isDeclaration())
      continue;
    f.addFnAttr("target-cpu", (*machine)->getTargetCPU());
    if (!(*machine)->getTargetFeatureString().empty())
      f.addFnAttr("target-features", (*machine)->getTargetFeatureString());
    if (avx512 && !f.hasFnAttribute("min-legal-vector-width")) {
      f.addFnAttr("min-legal-vector-width", "512");
      f.addFnAttr("prefer-vector-width", "512");
    }
  }
  auto optimize =
      mlir::makeOptimizingTransformer(options.optLevel, 0, machine->get());
  if (Error err = optimize(llvmModule.get()))
    return std::move(err);
  return std::move(llvmModule);
}

Expected<std::string> emitObject(Module &module,
                                 const fulcrum::TargetOptions &options) {
  auto machine = createCPUTargetMachine(options);
  if (!machine)
    return machine.takeError();
  SmallVector<char, 0> object;
  raw_svector_ostream stream(object);
  legacy::PassManager pm;
  if ((*machine)->addPassesToEmitFile(pm, stream, nullptr,
                                      CodeGenFileType::ObjectFile))
    return error("the target cannot emit object files");
  pm.run(module);
  return std::string(object.begin(), object.end());
}

Error writeStaticLibrary(StringRef path, StringRef object, StringRef memberName,
                         ArrayRef<std::string> extraObjects) {
  BumpPtrAllocator allocator;
  StringSaver saver(allocator);
  std::vector<NewArchiveMember> members;
  members.emplace_back(MemoryBufferRef(object, memberName));
  members.back().MemberName = memberName;
  for (auto [i, extra] : llvm::enumerate(extraObjects)) {
    auto member = NewArchiveMember::getFile(extra, /*Deterministic=*/true);
    if (!member)
      return member.takeError();
    member->MemberName =
        saver.save(llvm::sys::path::stem(memberName) + "-constants" +
                   (i ? Twine(i) : Twine()) + ".o");
    members.push_back(std::move(*member));
  }
  // Deterministic archives: no timestamps, owners or modes.
  return writeArchive(path, members, SymtabWritingMode::NormalSymtab,
                      object::Archive::K_GNU, /*Deterministic=*/true,
                      /*Thin=*/false);
}

Error addEntryPointExports(llvm::Module &module, StringRef entry,
                           StringRef signature) {
  llvm::Function *ciface = module.getFunction(("_mlir_ciface_" + entry).str());
  if (!ciface)
    return error("no C interface _mlir_ciface_" + entry + " to export");
  LLVMContext &ctx = module.getContext();
  auto *text = llvm::ConstantDataArray::getString(ctx, signature);
  new llvm::GlobalVariable(module, text->getType(), /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, text,
                           ("fulcrum_signature_" + entry).str());
  auto *ptr = llvm::PointerType::get(ctx, 0);
  auto *invoke = llvm::Function::Create(
      llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false),
      llvm::GlobalValue::ExternalLinkage, ("fulcrum_invoke_" + entry).str(),
      module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", invoke));
  SmallVector<llvm::Value *> args;
  for (unsigned i = 0; i < ciface->arg_size(); ++i) {
    llvm::Value *slot =
        b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, invoke->getArg(0), i));
    args.push_back(b.CreateLoad(ciface->getArg(i)->getType(), slot));
  }
  b.CreateCall(ciface, args);
  b.CreateRetVoid();
  return Error::success();
}

namespace {
/// Writes `object` to a new temporary file, whose path is `objectPath`.
Error writeTemporaryObject(StringRef object, SmallString<128> &objectPath) {
  int fd;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("fulcrum", "o", fd, objectPath))
    return error("cannot create a temporary file: " + ec.message());
  raw_fd_ostream os(fd, /*shouldClose=*/true);
  os << object;
  os.close();
  if (os.has_error()) {
    sys::fs::remove(objectPath);
    return error("cannot write a temporary file: " + os.error().message());
  }
  return Error::success();
}
} // namespace

namespace {
/// Writes `object` to a temporary file and runs the first of `programs`
/// found on PATH with `makeArgs(program, objectPath)`; `what` names the
/// step in errors.
Error runOnObject(
    StringRef object, ArrayRef<StringRef> programs,
    function_ref<SmallVector<std::string>(StringRef, StringRef)> makeArgs,
    const Twine &what) {
  ErrorOr<std::string> program = std::errc::no_such_file_or_directory;
  for (StringRef name : programs)
    if ((program = sys::findProgramByName(name)))
      break;
  if (!program)
    return error(programs.front() + " not found, needed for " + what);
  SmallString<128> objectPath;
  if (Error err = writeTemporaryObject(object, objectPath))
    return err;
  SmallVector<std::string> args = makeArgs(*program, objectPath);
  SmallVector<StringRef> argRefs(args.begin(), args.end());
  std::string message;
  int rc =
      sys::ExecuteAndWait(*program, argRefs, std::nullopt, {}, 0, 0, &message);
  sys::fs::remove(objectPath);
  if (rc != 0)
    return error(what + " failed" + (message.empty() ? "" : ": " + message));
  return Error::success();
}
} // namespace

Error writeRelocatableObject(StringRef path, StringRef object,
                             ArrayRef<std::string> extraObjects) {
  return runOnObject(
      object, {"ld.lld-19", "ld.lld"},
      [&](StringRef lld, StringRef in) {
        SmallVector<std::string> args = {lld.str(), "-r", "-o", path.str(),
                                         in.str()};
        args.append(extraObjects.begin(), extraObjects.end());
        return args;
      },
      "joining the object files of '" + path + "'");
}

Error writeSharedLibrary(StringRef path, StringRef object,
                         ArrayRef<std::string> extraObjects) {
  // -Bsymbolic: a library's calls to its own entry point stay inside it,
  // even when another model's library with the same names is loaded.
  // The kernels' threads come from LLVM's OpenMP runtime (a dependency only
  // when the model calls a kernel: --as-needed).
  return runOnObject(
      object, {"clang-19", "clang"},
      [&](StringRef clang, StringRef in) {
        SmallVector<std::string> args = {
            clang.str(), "-shared",  "-fuse-ld=lld", "-Wl,-Bsymbolic",
            "-o",        path.str(), in.str()};
        args.append(extraObjects.begin(), extraObjects.end());
        args.append({"-lm", "-L" FULCRUM_OPENMP_DIR,
                     "-Wl,-rpath," FULCRUM_OPENMP_DIR, "-Wl,--as-needed",
                     "-lomp"});
        return args;
      },
      "linking '" + path + "'");
}

Expected<std::unique_ptr<Module>>
translateModelToLLVMIR(mlir::ModuleOp module, LLVMContext &context,
                       const EntryPointInfo &entry,
                       const fulcrum::TargetOptions &options) {
  auto llvmModule = translateToLLVMIR(module, context, options);
  if (!llvmModule)
    return llvmModule.takeError();
  if (!entry.signature.empty())
    if (Error err =
            addEntryPointExports(**llvmModule, entry.name, entry.signature))
      return std::move(err);
  return llvmModule;
}

Expected<std::string> compileToObject(mlir::ModuleOp module,
                                      const EntryPointInfo &entry,
                                      const fulcrum::TargetOptions &options) {
  LLVMContext context;
  auto llvmModule = translateModelToLLVMIR(module, context, entry, options);
  if (!llvmModule)
    return llvmModule.takeError();
  return emitObject(**llvmModule, options);
}

namespace {
/// Owns the JIT session a runner's code lives in.
class JITCodeOwner : public CodeOwner {
public:
  explicit JITCodeOwner(std::unique_ptr<orc::LLJIT> jit)
      : jit(std::move(jit)) {}
  std::unique_ptr<orc::LLJIT> jit;
};
} // namespace

Expected<std::unique_ptr<ModelRunner>> jitLinkObject(StringRef object,
                                                     StringRef entry) {
  initializeTargets();
  // The kernels' OpenMP runtime, as a shared library gets it.
  static bool openmp = [] {
    std::string message;
    return !sys::DynamicLibrary::LoadLibraryPermanently(FULCRUM_OPENMP_LIBRARY,
                                                        &message);
  }();
  if (!openmp)
    return error("cannot load the OpenMP runtime " FULCRUM_OPENMP_LIBRARY);
  auto builder = orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    return builder.takeError();
  auto jit = orc::LLJITBuilder()
                 .setJITTargetMachineBuilder(std::move(*builder))
                 .create();
  if (!jit)
    return jit.takeError();
  // The model calls the C library (malloc, free, libm); a shared library
  // gets the same symbols from its dynamic dependencies.
  auto process = orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      (*jit)->getDataLayout().getGlobalPrefix());
  if (!process)
    return process.takeError();
  (*jit)->getMainJITDylib().addGenerator(std::move(*process));
  if (Error err = (*jit)->addObjectFile(
          MemoryBuffer::getMemBufferCopy(object, "fulcrum-model.o")))
    return std::move(err);
  orc::LLJIT *session = jit->get();
  Error lookupError = Error::success();
  auto runner = ModelRunner::createFromSymbols(
      [&](StringRef name) -> void * {
        auto address = session->lookup(name);
        if (!address) {
          // Keep the first failure; a missing symbol is reported below.
          if (lookupError)
            consumeError(address.takeError());
          else
            lookupError = address.takeError();
          return nullptr;
        }
        return address->toPtr<void *>();
      },
      entry, "the JIT-compiled model",
      std::make_unique<JITCodeOwner>(std::move(*jit)));
  if (!runner) {
    if (lookupError)
      return joinErrors(runner.takeError(), std::move(lookupError));
    return runner.takeError();
  }
  consumeError(std::move(lookupError));
  return runner;
}

} // namespace fulcrum
