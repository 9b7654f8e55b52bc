//===- JITRunner.cpp - Compile and run a module in-process ----------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Execution/JITRunner.h"

#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/TargetSelect.h"

#include <cstdlib>
#include <cstring>

using namespace mlir;

namespace fulcrum {

namespace {
llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The signature of one function argument or result.
llvm::Expected<TensorSignature> signatureOf(Type type, DictionaryAttr attrs,
                                            size_t index, const char *what) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return error(llvm::Twine(what) + " #" + llvm::Twine(index) +
                 " is not a ranked tensor (sequences, optionals and "
                 "unranked tensors cannot be passed yet)");
  TensorSignature sig;
  sig.dataType = static_cast<int32_t>(onnx::getONNXDataType(tensor.getElementType()));
  if (!sig.dataType || onnxElementSize(sig.dataType) == 0)
    return error(llvm::Twine(what) + " #" + llvm::Twine(index) +
                 " has an unsupported element type");
  for (int64_t d : tensor.getShape())
    sig.shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
  if (attrs)
    if (auto name = attrs.getAs<StringAttr>("onnx.name"))
      sig.name = name.str();
  if (sig.name.empty())
    sig.name = std::string(what) + std::to_string(index);
  return sig;
}
} // namespace

JITRunner::~JITRunner() = default;

llvm::Expected<std::unique_ptr<JITRunner>>
JITRunner::create(ModuleOp module, CompilePhase phase,
                  const PipelineOptions &options) {
  auto func = module.lookupSymbol<func::FuncOp>(options.entryPoint);
  if (!func)
    return error("no entry point @" + options.entryPoint);
  std::unique_ptr<JITRunner> runner(new JITRunner());
  runner->entry = options.entryPoint;
  // The signature is read before lowering, while it still carries the ONNX
  // element types (signedness) and names.
  for (auto [i, t] : llvm::enumerate(func.getArgumentTypes())) {
    auto sig = signatureOf(t, func.getArgAttrDict(i), i, "input");
    if (!sig)
      return sig.takeError();
    runner->inputSigs.push_back(*sig);
  }
  for (auto [i, t] : llvm::enumerate(func.getResultTypes())) {
    auto sig = signatureOf(t, func.getResultAttrDict(i), i, "output");
    if (!sig)
      return sig.takeError();
    runner->outputSigs.push_back(*sig);
  }
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
  return runner;
}

llvm::Expected<std::vector<HostTensor>>
JITRunner::run(const std::vector<HostTensor> &inputs) {
  if (inputs.size() != inputSigs.size())
    return error("the model takes " + llvm::Twine(inputSigs.size()) +
                 " inputs, " + llvm::Twine(inputs.size()) + " given");
  // Memref descriptors: {allocated, aligned, offset, sizes[r], strides[r]}.
  std::vector<std::vector<int64_t>> descriptors;
  for (auto [i, in] : llvm::enumerate(inputs)) {
    const TensorSignature &sig = inputSigs[i];
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
  for (const TensorSignature &sig : outputSigs)
    resultWords += 3 + 2 * sig.shape.size();
  std::vector<int64_t> results(resultWords);
  void *resultPtr = results.data();
  std::vector<void *> descPtrs;
  for (auto &d : descriptors)
    descPtrs.push_back(d.data());
  std::vector<void *> args;
  if (!outputSigs.empty())
    args.push_back(&resultPtr);
  for (void *&p : descPtrs)
    args.push_back(&p);
  if (llvm::Error err = engine->invokePacked("_mlir_ciface_" + entry, args))
    return std::move(err);

  std::vector<HostTensor> outputs;
  size_t at = 0;
  for (const TensorSignature &sig : outputSigs) {
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
