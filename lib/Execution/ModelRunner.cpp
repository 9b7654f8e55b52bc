//===- ModelRunner.cpp - Run a compiled model on host tensors -------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Execution/ModelRunner.h"

#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"

#include <cstdlib>
#include <cstring>

using namespace mlir;

namespace fulcrum {

namespace {
llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

} // namespace

ModelRunner::~ModelRunner() = default;

llvm::Expected<std::unique_ptr<ModelRunner>>
ModelRunner::create(ModuleOp module, CompilePhase phase,
                  const PipelineOptions &options) {
  auto func = module.lookupSymbol<func::FuncOp>(options.entryPoint);
  if (!func)
    return error("no entry point @" + options.entryPoint);
  std::unique_ptr<ModelRunner> runner(new ModelRunner());
  // The signature is read before lowering, while it still carries the ONNX
  // element types (signedness) and names.
  auto signature = getEntrySignature(func);
  if (!signature)
    return signature.takeError();
  runner->signature = std::move(*signature);
  if (failed(runPipeline(module, phase, CompilePhase::Codegen, options)))
    return error("compilation failed");

  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
  ExecutionEngineOptions engineOptions;
  auto transformer = makeOptimizingTransformer(3, 0, nullptr);
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  SmallVector<StringRef> libs = {FULCRUM_MLIR_C_RUNNER_UTILS};
  engineOptions.sharedLibPaths = libs;
  auto engine = ExecutionEngine::create(module, engineOptions);
  if (!engine)
    return engine.takeError();
  runner->engine = std::move(*engine);
  auto invoke = runner->engine->lookupPacked("_mlir_ciface_" + options.entryPoint);
  if (!invoke)
    return invoke.takeError();
  runner->invoke = *invoke;
  return runner;
}

llvm::Expected<std::unique_ptr<ModelRunner>>
ModelRunner::loadLibrary(const std::string &path, const std::string &entry) {
  // dlopen searches the library path for names without a slash.
  llvm::SmallString<256> absolute(path);
  llvm::sys::fs::make_absolute(absolute);
  std::string message;
  auto library = llvm::sys::DynamicLibrary::getPermanentLibrary(
      absolute.c_str(), &message);
  if (!library.isValid())
    return error("cannot load '" + path + "': " + message);
  auto *text = static_cast<const char *>(
      library.getAddressOfSymbol(("fulcrum_signature_" + entry).c_str()));
  auto *invoke = reinterpret_cast<void (*)(void **)>(
      library.getAddressOfSymbol(("fulcrum_invoke_" + entry).c_str()));
  if (!text || !invoke)
    return error("'" + path + "' has no Fulcrum entry point '" + entry +
                 "' (fulcrum_signature_" + entry + " and fulcrum_invoke_" +
                 entry + "; is it a library from fulcrum-compile, and is "
                 "--entry-point right?)");
  auto signature = parseSignature(text);
  if (!signature)
    return error("'" + path + "': " + toString(signature.takeError()));
  std::unique_ptr<ModelRunner> runner(new ModelRunner());
  runner->signature = std::move(*signature);
  runner->invoke = invoke;
  return runner;
}

llvm::Expected<std::vector<HostTensor>>
ModelRunner::run(const std::vector<HostTensor> &inputs) {
  if (inputs.size() != signature.inputs.size())
    return error("the model takes " + llvm::Twine(signature.inputs.size()) +
                 " inputs, " + llvm::Twine(inputs.size()) + " given");
  // Memref descriptors: {allocated, aligned, offset, sizes[r], strides[r]}.
  std::vector<std::vector<int64_t>> descriptors;
  for (auto [i, in] : llvm::enumerate(inputs)) {
    const TensorSignature &sig = signature.inputs[i];
    // NumPy has no bfloat16: test data stores its bits as uint16.
    bool bitsOfBF16 = sig.dataType == 16 && in.dataType == 4;
    if (in.dataType != sig.dataType && !bitsOfBF16)
      return error("input #" + llvm::Twine(i) + " ('" + sig.name + "') is " +
                   onnxTypeName(in.dataType) + ", the model expects " +
                   onnxTypeName(sig.dataType));
    bool shapeOk = in.shape.size() == sig.shape.size();
    for (size_t d = 0; shapeOk && d < in.shape.size(); ++d)
      shapeOk = sig.shape[d] < 0 || sig.shape[d] == in.shape[d];
    if (!shapeOk) {
      std::string expected;
      for (size_t d = 0; d < sig.shape.size(); ++d)
        expected += (d ? "x" : "") +
                    (sig.shape[d] < 0 ? std::string("?")
                                      : std::to_string(sig.shape[d]));
      return error("input #" + llvm::Twine(i) + " ('" + sig.name +
                   "') has shape " + in.describe() + ", the model expects [" +
                   expected + "]");
    }
    std::vector<int64_t> desc;
    auto ptr = reinterpret_cast<int64_t>(in.data.data());
    desc.push_back(ptr);
    desc.push_back(ptr);
    desc.push_back(0);
    desc.insert(desc.end(), in.shape.begin(), in.shape.end());
    int64_t stride = 1;
    std::vector<int64_t> strides(in.shape.size());
    for (int64_t d = static_cast<int64_t>(in.shape.size()) - 1; d >= 0; --d) {
      strides[d] = stride;
      stride *= in.shape[d];
    }
    desc.insert(desc.end(), strides.begin(), strides.end());
    descriptors.push_back(std::move(desc));
  }
  size_t resultWords = 0;
  for (const TensorSignature &sig : signature.outputs)
    resultWords += 3 + 2 * sig.shape.size();
  std::vector<int64_t> results(resultWords);
  void *resultPtr = results.data();
  std::vector<void *> descPtrs;
  for (auto &d : descriptors)
    descPtrs.push_back(d.data());
  std::vector<void *> args;
  if (!signature.outputs.empty())
    args.push_back(&resultPtr);
  for (void *&p : descPtrs)
    args.push_back(&p);
  invoke(args.data());

  std::vector<HostTensor> outputs;
  size_t at = 0;
  for (const TensorSignature &sig : signature.outputs) {
    size_t rank = sig.shape.size();
    auto *allocated = reinterpret_cast<char *>(results[at]);
    auto *aligned = reinterpret_cast<char *>(results[at + 1]);
    int64_t offset = results[at + 2];
    HostTensor out;
    out.name = sig.name;
    out.dataType = sig.dataType;
    out.shape.assign(results.begin() + at + 3, results.begin() + at + 3 + rank);
    std::vector<int64_t> strides(results.begin() + at + 3 + rank,
                                 results.begin() + at + 3 + 2 * rank);
    size_t size = out.elementSize();
    out.data.resize(out.numElements() * size);
    // Copy element by element through the strides (results are usually
    // contiguous, but need not be).
    std::vector<int64_t> index(rank, 0);
    for (int64_t flat = 0; flat < out.numElements(); ++flat) {
      int64_t source = offset;
      for (size_t d = 0; d < rank; ++d)
        source += index[d] * strides[d];
      std::memcpy(out.data.data() + flat * size, aligned + source * size, size);
      for (int64_t d = static_cast<int64_t>(rank) - 1; d >= 0; --d) {
        if (++index[d] < out.shape[d])
          break;
        index[d] = 0;
      }
    }
    // The deallocation pipeline hands ownership of results to the caller.
    std::free(allocated);
    outputs.push_back(std::move(out));
    at += 3 + 2 * rank;
  }
  return outputs;
}

} // namespace fulcrum
