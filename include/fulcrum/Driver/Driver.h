//===- Driver.h - Fulcrum's compiler driver ---------------------*- C++ -*-===//
//
// Part of Fulcrum. The one compile sequence every tool and library goes
// through (fulcrum-compile, fulcrum-run, the runner library, and later the
// search and the Python bindings):
//
//   CompileSession session(context, options);   // target looked up here
//   session.loadFile("model.onnx");              // or setModule(...)
//   session.writeHeader("model.h");              // optional
//   session.writeArtifact("model.so");           // runs the phases it needs
//   auto runner = session.createRunner();        // or run in-process
//
// The session owns the module, renames the entry point, captures its
// signature before lowering (while it still has ONNX element types and
// names), runs the target-independent phases and then the target's codegen
// pipeline, and hands serialization and execution to the target backend.
// Diagnostics go to the context's handler; the session installs one that
// prints `file:line:col: error: ...` to a stream unless the caller passes
// its own.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DRIVER_DRIVER_H
#define FULCRUM_DRIVER_DRIVER_H

#include "fulcrum/Execution/ModelRunner.h"
#include "fulcrum/Execution/Signature.h"
#include "fulcrum/Import/ONNX/ONNXImporter.h"
#include "fulcrum/Pipelines/Pipelines.h"
#include "fulcrum/Target/TargetBackend.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/SourceMgr.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir {
class SourceMgrDiagnosticHandler;
} // namespace mlir

namespace fulcrum {

/// Everything a compile is told.
/// An entry point input's static shape (`--input-shape NAME:1x3x224x224`).
struct InputShape {
  /// The input's ONNX name, or its index.
  std::string input;
  /// -1: the dimension stays dynamic.
  std::vector<int64_t> shape;
};

/// Parses `NAME_OR_INDEX:D0xD1x...` (`?` keeps a dimension dynamic; a
/// scalar is `NAME:`).
llvm::Expected<InputShape> parseInputShape(llvm::StringRef spec);

struct CompileOptions {
  /// A registered target (`fulcrum-compile --list-targets`).
  std::string target = "cpu";
  /// How the target generates code: CPU, triple, optimization level.
  TargetOptions targetOptions;
  /// Pass options of the phases (entry point name, fusion on/off).
  PipelineOptions pipeline;
  /// How ONNX files are imported (opset upgrades, shape inference).
  ONNXImportOptions import;
  /// Honor the pass manager's command-line options (--mlir-print-ir-*,
  /// --mlir-timing, --mlir-pass-statistics) where a tool registered them.
  bool applyPassManagerCLOptions = true;
  /// Static shapes for entry point inputs, applied to a model loaded before
  /// the graph phase (the graph phase's shape inference then carries them
  /// through): the input (named by its ONNX name, or by its index) takes
  /// the shape; -1 keeps a dimension dynamic. Dimensions the model fixes
  /// must agree.
  std::vector<InputShape> inputShapes;

  /// These options for a variant of the model that runs here, in this
  /// process, to measure it (calibration runs): a CPU target generates
  /// code for the host (`native`, the host's triple) whatever CPU the
  /// artifact is for, so that compiling for AVX-512 on an AVX2 host still
  /// calibrates; other targets are unchanged.
  CompileOptions forHostExecution() const {
    CompileOptions host = *this;
    if (host.target == "cpu") {
      host.targetOptions.cpu = "native";
      host.targetOptions.triple.clear();
    }
    return host;
  }
};

/// Registers the dialects, extensions and targets a session needs in
/// `registry` (and with the target registry). Call once per context.
void registerDriverDialects(mlir::DialectRegistry &registry);

/// One model on its way through the phases.
class CompileSession {
public:
  /// Prints diagnostics to `diagnostics` (stderr by default) unless
  /// `printDiagnostics` is false, e.g. when the caller installed its own
  /// handler on `context`.
  CompileSession(mlir::MLIRContext &context, CompileOptions options,
                 bool printDiagnostics = true);
  ~CompileSession();

  /// Checks the options: the target exists, its CPU name is valid.
  llvm::Error validate();

  /// Loads an `.onnx`/`.onnxtxt` model (imported) or an `.mlir` module
  /// (parsed; `phase` says which phase produced it, import by default).
  /// Errors are reported as diagnostics naming the file.
  mlir::LogicalResult loadFile(llvm::StringRef path,
                               CompilePhase phase = CompilePhase::Import);
  /// Takes `module`, produced by `phase`.
  mlir::LogicalResult setModule(mlir::OwningOpRef<mlir::ModuleOp> module,
                                CompilePhase phase = CompilePhase::Import);

  mlir::ModuleOp getModule() { return module.get(); }
  CompilePhase getPhase() const { return phase; }
  const CompileOptions &getOptions() const { return options; }
  const TargetBackend &getTarget() const { return *target; }
  /// The entry point's signature, when its inputs and outputs have C
  /// representations.
  const std::optional<EntrySignature> &getSignature() const {
    return signature;
  }

  /// Runs the phases after the current one up to and including `to`.
  mlir::LogicalResult runTo(CompilePhase to);

  /// Writes the C header of the entry point.
  llvm::Error writeHeader(llvm::StringRef path);
  /// Writes the artifact `path` names by its suffix (.mlir: the module as it
  /// is now; others: after running to codegen).
  llvm::Error writeArtifact(llvm::StringRef path);
  llvm::Error writeArtifact(llvm::StringRef path, ArtifactKind kind);

  /// Writes the model as a binary ONNX model (fulcrum/Export/ONNX): the
  /// module at the import phase (after any graph-phase rewrite such as
  /// quantization) is taken through the graph phase without graph-level
  /// fusion, on a copy, and exported; the session's module is unchanged.
  llvm::Error writeONNX(llvm::StringRef path);

  /// Runs to codegen and makes the model callable in this process.
  llvm::Expected<std::unique_ptr<ModelRunner>> createRunner();

  /// The entry point's name and embedded signature text.
  EntryPointInfo getEntryPointInfo() const;

  /// The files the loaded module was read from: the model and the
  /// external-data files its initializers named, as the paths were given.
  const std::vector<std::string> &getInputFiles() const { return inputFiles; }

  /// Writes a Make/Ninja depfile saying that `target` depends on the input
  /// files and on `extraInputs` (calibration data, target descriptions).
  llvm::Error writeDepFile(llvm::StringRef path, llvm::StringRef target,
                           llvm::ArrayRef<std::string> extraInputs = {});

private:
  mlir::LogicalResult adoptModule(CompilePhase phase);
  /// Gives the entry point's inputs the shapes of options.inputShapes.
  mlir::LogicalResult specializeInputs(mlir::func::FuncOp func);

  mlir::MLIRContext &context;
  CompileOptions options;
  const TargetBackend *target = nullptr;
  llvm::SourceMgr sourceMgr;
  std::unique_ptr<mlir::SourceMgrDiagnosticHandler> diagnostics;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  CompilePhase phase = CompilePhase::Import;
  std::optional<EntrySignature> signature;
  std::vector<std::string> inputFiles;
  /// The header text, generated while the module was in the onnx dialect;
  /// or the reason there is none.
  std::string header;
  std::string headerError;
};

/// What a runner is made from: a shared library written by fulcrum-compile
/// (`.so`, loaded as it is) or a model to compile and JIT-link.
llvm::Expected<std::unique_ptr<ModelRunner>>
loadModelRunner(mlir::MLIRContext &context, llvm::StringRef path,
                const CompileOptions &options);

/// An error that was already reported as a diagnostic (a failed import or
/// pass): tools print nothing more for it.
class ReportedError : public llvm::ErrorInfo<ReportedError> {
public:
  static char ID;
  explicit ReportedError(std::string what) : what(std::move(what)) {}
  void log(llvm::raw_ostream &os) const override { os << what; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

private:
  std::string what;
};

/// `path: error: message`, the form editors and build systems look for.
void printError(llvm::StringRef path, const llvm::Twine &message);
/// Prints `err` with printError unless it is a ReportedError; returns 1 (a
/// tool's exit status).
int reportError(llvm::StringRef path, llvm::Error err);

} // namespace fulcrum

#endif // FULCRUM_DRIVER_DRIVER_H
