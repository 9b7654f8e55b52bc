//===- Driver.cpp - Fulcrum's compiler driver -----------------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Driver/Driver.h"

#include "fulcrum/Export/ONNX/ONNXExporter.h"
#include "fulcrum/InitAll.h"
#include "fulcrum/Target/CPU/Header.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;

namespace fulcrum {

namespace {
llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Error writeText(llvm::StringRef path, llvm::StringRef text) {
  std::string message;
  auto out = openOutputFile(path, &message);
  if (!out)
    return error(message);
  out->os() << text;
  out->keep();
  return llvm::Error::success();
}
} // namespace

void registerDriverDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllTargetBackends();
}

char ReportedError::ID = 0;

int reportError(llvm::StringRef path, llvm::Error err) {
  llvm::handleAllErrors(
      std::move(err), [](const ReportedError &) {},
      [&](const llvm::ErrorInfoBase &info) {
        printError(path, info.message());
      });
  return 1;
}

void printError(llvm::StringRef path, const llvm::Twine &message) {
  llvm::errs() << path << ": ";
  llvm::WithColor::error(llvm::errs(), "", /*DisableColors=*/true)
      << message << "\n";
}

CompileSession::CompileSession(MLIRContext &context, CompileOptions options,
                               bool printDiagnostics)
    : context(context), options(std::move(options)) {
  registerAllTargetBackends();
  target = lookupTargetBackend(this->options.target);
  if (printDiagnostics)
    diagnostics =
        std::make_unique<SourceMgrDiagnosticHandler>(sourceMgr, &context);
}

CompileSession::~CompileSession() = default;

llvm::Error CompileSession::validate() {
  if (!target) {
    std::vector<std::string> names;
    for (const TargetBackend *backend : getTargetBackends())
      names.push_back(backend->getName().str());
    return error("unknown target '" + options.target +
                 "' (registered: " + llvm::join(names, ", ") + ")");
  }
  auto description = target->describe(options.targetOptions);
  if (!description)
    return description.takeError();
  if (options.pipeline.attentionKeyTile < 0)
    return error("--attention-key-tile must be at least 0, not " +
                 std::to_string(options.pipeline.attentionKeyTile));
  const std::string &precision = options.pipeline.attentionPrecision;
  if (precision != "fp32" && precision != "bf16")
    return error("--attention-precision must be fp32 or bf16, not '" +
                 precision + "'");
  return llvm::Error::success();
}

LogicalResult CompileSession::loadFile(llvm::StringRef path,
                                       CompilePhase loadedPhase) {
  OwningOpRef<ModuleOp> loaded;
  inputFiles.assign(1, path.str());
  if (path.ends_with(".mlir")) {
    std::string message;
    auto file = openInputFile(path, &message);
    if (!file) {
      printError(path, message);
      return failure();
    }
    sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    loaded = parseSourceFile<ModuleOp>(sourceMgr, &context);
  } else {
    ONNXImportOptions import = options.import;
    std::vector<std::string> externalData;
    import.externalDataFiles = &externalData;
    loaded = importONNXFile(path, &context, import);
    llvm::sort(externalData);
    llvm::append_range(inputFiles, externalData);
    loadedPhase = CompilePhase::Import;
  }
  if (!loaded)
    return failure();
  module = std::move(loaded);
  return adoptModule(loadedPhase);
}

LogicalResult CompileSession::setModule(OwningOpRef<ModuleOp> newModule,
                                        CompilePhase newPhase) {
  module = std::move(newModule);
  return adoptModule(newPhase);
}

LogicalResult CompileSession::adoptModule(CompilePhase newPhase) {
  phase = newPhase;
  signature.reset();
  header.clear();
  headerError = "no entry point @" + options.pipeline.entryPoint;
  const std::string &entry = options.pipeline.entryPoint;
  auto func = module->lookupSymbol<func::FuncOp>(entry);
  // Imported models name their graph main_graph; --entry-point renames it.
  if (!func && entry != "main_graph")
    if ((func = module->lookupSymbol<func::FuncOp>("main_graph")))
      func.setName(entry);
  if (!func || phase > CompilePhase::Graph)
    return success();
  if (phase < CompilePhase::Graph && failed(specializeInputs(func)))
    return failure();
  // The signature and header are taken while the entry point still has
  // ONNX element types and names (none when it has arguments without a C
  // representation; the header reports those).
  if (auto sig = getEntrySignature(func))
    signature = std::move(*sig);
  else
    llvm::consumeError(sig.takeError());
  {
    ScopedDiagnosticHandler capture(&context, [&](Diagnostic &diag) {
      if (diag.getSeverity() == DiagnosticSeverity::Error)
        headerError = diag.str();
      return success();
    });
    llvm::raw_string_ostream os(header);
    if (failed(writeModelHeader(func, os)))
      header.clear();
    else
      headerError.clear();
  }
  return success();
}

llvm::Expected<InputShape> parseInputShape(llvm::StringRef spec) {
  auto bad = [&](const llvm::Twine &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "--input-shape '" + spec + "': " + why);
  };
  auto [input, dims] = spec.rsplit(':');
  if (input.empty() || input.size() == spec.size())
    return bad("expected NAME:DIMS, e.g. input:8x3x224x224");
  InputShape result{input.str(), {}};
  if (dims.empty())
    return result;
  llvm::SmallVector<llvm::StringRef> parts;
  dims.split(parts, 'x');
  for (llvm::StringRef part : parts) {
    int64_t size;
    if (part == "?")
      size = -1;
    else if (part.getAsInteger(10, size) || size < 0)
      return bad("'" + part + "' is not a dimension (a size, or ?)");
    result.shape.push_back(size);
  }
  return result;
}

LogicalResult CompileSession::specializeInputs(func::FuncOp func) {
  if (options.inputShapes.empty())
    return success();
  SmallVector<Type> inputs(func.getArgumentTypes());
  for (const InputShape &spec : options.inputShapes) {
    std::optional<unsigned> index;
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      if (auto name = func.getArgAttrOfType<StringAttr>(i, "onnx.name"))
        if (name.getValue() == spec.input)
          index = i;
    unsigned number;
    if (!index && !llvm::StringRef(spec.input).getAsInteger(10, number) &&
        number < func.getNumArguments())
      index = number;
    if (!index)
      return emitError(func.getLoc())
             << "--input-shape: the model has no input '" << spec.input << "'";
    auto type = dyn_cast<RankedTensorType>(inputs[*index]);
    if (!type || type.getRank() != static_cast<int64_t>(spec.shape.size()))
      return emitError(func.getLoc())
             << "--input-shape: input '" << spec.input << "' has type "
             << inputs[*index] << ", not rank " << spec.shape.size();
    SmallVector<int64_t> shape(type.getShape());
    for (auto [d, size] : llvm::enumerate(spec.shape)) {
      if (size < 0)
        continue;
      if (!ShapedType::isDynamic(shape[d]) && shape[d] != size)
        return emitError(func.getLoc())
               << "--input-shape: dimension " << d << " of input '"
               << spec.input << "' is " << shape[d] << ", not " << size;
      shape[d] = size;
    }
    inputs[*index] = type.clone(shape);
  }
  if (llvm::equal(inputs, func.getArgumentTypes()))
    return success();
  // Only ONNX ops infer their shapes again from new input types: a module
  // a later phase wrote (say --compile-to=graph, with fused `fulcrum` ops)
  // would keep its dynamic types inside and fail to verify.
  Operation *later = nullptr;
  func.walk([&](Operation *op) {
    StringRef dialect = op->getName().getDialectNamespace();
    if (dialect == "onnx" || dialect == "func" || dialect == "builtin")
      return WalkResult::advance();
    later = op;
    return WalkResult::interrupt();
  });
  if (later)
    return emitError(later->getLoc())
           << "cannot compile for the inputs' shapes (--input-shape, or "
              "--profile with inputs): the module is past the import phase "
              "('"
           << later->getName()
           << "' is not an ONNX op); give the .onnx model, or a .mlir from "
              "--compile-to=import";
  for (auto [argument, type] : llvm::zip(func.getArguments(), inputs))
    argument.setType(type);
  func.setType(
      FunctionType::get(func.getContext(), inputs, func.getResultTypes()));
  return success();
}

LogicalResult CompileSession::runTo(CompilePhase to) {
  if (!module)
    return emitError(UnknownLoc::get(&context), "no module to compile");
  if (to <= phase)
    return success();
  if (!target->hasPhase(to))
    return emitError(module->getLoc())
           << "the " << target->getName() << " target has no "
           << stringifyCompilePhase(to) << " phase";
  PassManager pm(&context);
  // --mlir-timing reports each pass's time when the tool registered it.
  DefaultTimingManager timingManager;
  if (options.applyPassManagerCLOptions) {
    (void)applyPassManagerCLOptions(pm);
    applyDefaultTimingManagerCLOptions(timingManager);
  }
  TimingScope timing = timingManager.getRootScope();
  pm.enableTiming(timing);
  auto after = [&](CompilePhase p) {
    return phase < p && p <= to && target->hasPhase(p);
  };
  if (after(CompilePhase::Graph))
    buildGraphPipeline(pm, options.pipeline);
  if (after(CompilePhase::Linalg))
    buildLinalgPipeline(pm, options.pipeline);
  if (after(CompilePhase::Codegen))
    target->buildCodegenPipeline(pm, options.pipeline, options.targetOptions);
  if (failed(pm.run(*module)))
    return failure();
  phase = to;
  return success();
}

EntryPointInfo CompileSession::getEntryPointInfo() const {
  EntryPointInfo entry;
  entry.name = options.pipeline.entryPoint;
  if (signature)
    entry.signature = printSignature(*signature);
  return entry;
}

llvm::Error CompileSession::writeHeader(llvm::StringRef path) {
  if (!headerError.empty())
    return error(headerError);
  return writeText(path, header);
}

namespace {
/// A path as Make and Ninja read it in a depfile.
std::string escapeForDepFile(llvm::StringRef path) {
  std::string out;
  for (char c : path) {
    if (c == ' ' || c == '#')
      out += '\\';
    else if (c == '$')
      out += '$';
    out += c;
  }
  return out;
}
} // namespace

llvm::Error CompileSession::writeDepFile(llvm::StringRef path,
                                         llvm::StringRef target,
                                         llvm::ArrayRef<std::string> extra) {
  std::string text = escapeForDepFile(target) + ":";
  for (const std::string &input : inputFiles)
    text += " \\\n  " + escapeForDepFile(input);
  for (const std::string &input : extra)
    text += " \\\n  " + escapeForDepFile(input);
  return writeText(path, text + "\n");
}

llvm::Error CompileSession::writeArtifact(llvm::StringRef path) {
  auto kind = getArtifactKindForPath(path);
  if (!kind) {
    std::vector<std::string> suffixes = {".mlir"};
    for (ArtifactKind k : target->getArtifactKinds())
      suffixes.push_back(("." + getArtifactSuffix(k)).str());
    return error("cannot tell the artifact from '" + path + "': use " +
                 llvm::join(suffixes, ", "));
  }
  return writeArtifact(path, *kind);
}

llvm::Error CompileSession::writeArtifact(llvm::StringRef path,
                                          ArtifactKind kind) {
  if (kind == ArtifactKind::MLIR) {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    return writeText(path, text);
  }
  if (!llvm::is_contained(target->getArtifactKinds(), kind))
    return error("the " + target->getName() + " target cannot write ." +
                 getArtifactSuffix(kind) + " files");
  if (failed(runTo(CompilePhase::Codegen)))
    return llvm::make_error<ReportedError>("compilation failed");
  return target->serialize(*module, kind, getEntryPointInfo(),
                           options.targetOptions, path);
}

llvm::Error CompileSession::writeONNX(llvm::StringRef path) {
  if (!module)
    return error("no module to export");
  if (phase > CompilePhase::Graph)
    return error("the model is past the graph phase and has no ONNX form");
  OwningOpRef<ModuleOp> copy = module->clone();
  if (phase < CompilePhase::Graph) {
    PassManager pm(&context);
    PipelineOptions unfused = options.pipeline;
    unfused.fuse = false;
    buildGraphPipeline(pm, unfused);
    if (failed(pm.run(*copy)))
      return llvm::make_error<ReportedError>("graph phase failed");
  }
  ONNXExportOptions exportOptions;
  exportOptions.functionName = options.pipeline.entryPoint;
  if (failed(exportONNXFile(*copy, path, exportOptions)))
    return llvm::make_error<ReportedError>("export failed");
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<ModelRunner>> CompileSession::createRunner() {
  if (!module)
    return error("no module to run");
  if (!module->lookupSymbol<func::FuncOp>(options.pipeline.entryPoint))
    return error("no entry point @" + options.pipeline.entryPoint);
  if (failed(runTo(CompilePhase::Codegen)))
    return llvm::make_error<ReportedError>("compilation failed");
  return target->createRunner(*module, getEntryPointInfo(),
                              options.targetOptions);
}

llvm::Expected<std::unique_ptr<ModelRunner>>
loadModelRunner(MLIRContext &context, llvm::StringRef path,
                const CompileOptions &options) {
  if (path.ends_with(".so"))
    return ModelRunner::loadLibrary(path.str(), options.pipeline.entryPoint);
  CompileSession session(context, options);
  if (llvm::Error err = session.validate())
    return std::move(err);
  if (failed(session.loadFile(path)))
    return llvm::make_error<ReportedError>("cannot load the model");
  return session.createRunner();
}

} // namespace fulcrum
