//===- fulcrum-compile.cpp - Compile an ONNX model ahead of time ----------===//
//
// Part of Fulcrum. `fulcrum-compile model.onnx -o OUT`; the suffix of OUT
// picks the artifact: .mlir (after --compile-to), .ll, .o, .a, .so.
// `--header model.h` writes the C header of the entry point.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Execution/Signature.h"
#include "fulcrum/Import/ONNX/ONNXImporter.h"
#include "fulcrum/InitAll.h"
#include "fulcrum/Pipelines/Pipelines.h"
#include "fulcrum/Target/CPU/CPUTarget.h"
#include "fulcrum/Target/CPU/Header.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

static cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                                      cl::desc("<model.onnx|.onnxtxt|.mlir>"));
static cl::opt<std::string>
    outputPath("o", cl::Required,
               cl::desc("Output: .o .a .so .ll .mlir (- is MLIR on stdout)"),
               cl::value_desc("file"));
static cl::opt<std::string>
    compileTo("compile-to",
              cl::desc("Stop after a phase (with -o X.mlir): import, graph, "
                       "linalg, codegen"),
              cl::init("codegen"));
static cl::opt<std::string> headerPath("header",
                                       cl::desc("Write the C header here"),
                                       cl::value_desc("file"));
static cl::opt<std::string> target("target", cl::desc("Target: x86-64"),
                                   cl::init("x86-64"));
static cl::opt<std::string>
    targetCpu("target-cpu",
              cl::desc("CPU: native, x86-64, x86-64-v3, x86-64-v4, ..."),
              cl::init("x86-64"));
static cl::alias mcpu("mcpu", cl::desc("Alias of --target-cpu"),
                      cl::aliasopt(targetCpu));
static cl::opt<std::string> entryPoint(
    "entry-point",
    cl::desc("Name of the entry point (_mlir_ciface_<name>); default "
             "main_graph"),
    cl::init("main_graph"));

static int fail(const Twine &message) {
  errs() << "fulcrum-compile: error: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "Fulcrum ahead-of-time compiler\n");

  auto phase = fulcrum::parseCompilePhase(compileTo);
  if (!phase)
    return fail("unknown --compile-to '" + compileTo +
                "' (import, graph, linalg, codegen)");
  StringRef ext =
      outputPath == "-" ? StringRef(".mlir") : sys::path::extension(outputPath);
  if (ext != ".mlir" && ext != ".ll" && ext != ".o" && ext != ".a" &&
      ext != ".so")
    return fail("cannot tell the artifact from '" + outputPath +
                "': use .o, .a, .so, .ll or .mlir");
  if (ext != ".mlir" && *phase != fulcrum::CompilePhase::Codegen)
    return fail("--compile-to=" + compileTo + " needs a .mlir output");
  if (target != "x86-64")
    return fail("unsupported --target '" + target + "' (x86-64)");

  mlir::DialectRegistry registry;
  fulcrum::registerAllDialects(registry);
  fulcrum::registerPipelineDialects(registry);
  mlir::MLIRContext context(registry);
  SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (StringRef(inputPath).ends_with(".mlir"))
    module = mlir::parseSourceFile<mlir::ModuleOp>(inputPath, sourceMgr,
                                                   &context);
  else
    module = fulcrum::importONNXFile(inputPath, &context);
  if (!module)
    return 1;

  fulcrum::PipelineOptions options;
  auto func = module->lookupSymbol<mlir::func::FuncOp>("main_graph");
  if (func && entryPoint != "main_graph")
    func.setName(entryPoint);
  options.entryPoint = entryPoint;
  // The signature fulcrum-run reads from libraries, taken while the entry
  // point still has ONNX element types and names (none when it has
  // arguments without a C representation; the header reports those).
  std::optional<fulcrum::EntrySignature> signature;
  if (auto entry = module->lookupSymbol<mlir::func::FuncOp>(entryPoint)) {
    if (auto sig = fulcrum::getEntrySignature(entry))
      signature = std::move(*sig);
    else
      consumeError(sig.takeError());
  }
  if (!headerPath.empty()) {
    auto entry = module->lookupSymbol<mlir::func::FuncOp>(entryPoint);
    if (!entry)
      return fail("no entry point @" + entryPoint);
    std::string error;
    auto header = mlir::openOutputFile(headerPath, &error);
    if (!header)
      return fail(error);
    if (failed(fulcrum::writeModelHeader(entry, header->os())))
      return 1;
    header->keep();
  }

  if (failed(fulcrum::runPipeline(*module, fulcrum::CompilePhase::Import,
                                  *phase, options)))
    return 1;

  std::string error;
  if (ext == ".mlir") {
    auto out = mlir::openOutputFile(outputPath, &error);
    if (!out)
      return fail(error);
    module->print(out->os());
    out->keep();
    return 0;
  }

  fulcrum::CPUTargetOptions targetOptions;
  targetOptions.cpu = targetCpu;
  LLVMContext llvmContext;
  auto llvmModule =
      fulcrum::translateToLLVMIR(*module, llvmContext, targetOptions);
  if (!llvmModule)
    return fail(toString(llvmModule.takeError()));
  if (signature)
    if (Error err = fulcrum::addEntryPointExports(
            **llvmModule, entryPoint, fulcrum::printSignature(*signature)))
      return fail(toString(std::move(err)));
  if (ext == ".ll") {
    auto out = mlir::openOutputFile(outputPath, &error);
    if (!out)
      return fail(error);
    (*llvmModule)->print(out->os(), nullptr);
    out->keep();
    return 0;
  }
  auto object = fulcrum::emitObject(**llvmModule, targetOptions);
  if (!object)
    return fail(toString(object.takeError()));
  if (ext == ".o") {
    auto out = mlir::openOutputFile(outputPath, &error);
    if (!out)
      return fail(error);
    out->os() << *object;
    out->keep();
    return 0;
  }
  std::string member = (sys::path::stem(outputPath) + ".o").str();
  Error err = ext == ".a"
                  ? fulcrum::writeStaticLibrary(outputPath, *object, member)
                  : fulcrum::writeSharedLibrary(outputPath, *object);
  if (err)
    return fail(toString(std::move(err)));
  return 0;
}
