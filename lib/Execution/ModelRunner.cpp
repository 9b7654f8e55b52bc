//===- ModelRunner.cpp - Run a compiled model on host tensors -------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Execution/ModelRunner.h"

#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"

#include <cstdlib>
#include <cstring>

namespace fulcrum {

namespace {
llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}
} // namespace

CodeOwner::~CodeOwner() = default;

ModelRunner::ModelRunner(EntrySignature signature, PackedEntryPoint invoke,
                         std::unique_ptr<CodeOwner> owner)
    : signature(std::move(signature)), invokeFn(invoke),
      owner(std::move(owner)) {}

ModelRunner::~ModelRunner() = default;

llvm::Expected<std::unique_ptr<ModelRunner>> ModelRunner::createFromSymbols(
    llvm::function_ref<void *(llvm::StringRef)> lookup, llvm::StringRef entry,
    llvm::StringRef what, std::unique_ptr<CodeOwner> owner) {
  std::string signatureName = ("fulcrum_signature_" + entry).str();
  std::string invokeName = ("fulcrum_invoke_" + entry).str();
  auto *text = static_cast<const char *>(lookup(signatureName));
  auto *invoke = reinterpret_cast<PackedEntryPoint>(lookup(invokeName));
  if (!text || !invoke)
    return error("'" + what + "' has no Fulcrum entry point '" + entry + "' (" +
                 signatureName + " and " + invokeName +
                 "; is it a library from fulcrum-compile, and is "
                 "--entry-point right?)");
  auto signature = parseSignature(text);
  if (!signature)
    return error("'" + what + "': " + toString(signature.takeError()));
  return std::make_unique<ModelRunner>(std::move(*signature), invoke,
                                       std::move(owner));
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
  return createFromSymbols(
      [&](llvm::StringRef name) {
        return library.getAddressOfSymbol(name.str().c_str());
      },
      entry, path, nullptr);
}

llvm::Expected<PreparedCall>
ModelRunner::prepare(const std::vector<HostTensor> &inputs) const {
  if (inputs.size() != signature.inputs.size())
    return error("the model takes " + llvm::Twine(signature.inputs.size()) +
                 " inputs, " + llvm::Twine(inputs.size()) + " given");
  PreparedCall call;
  call.runner = this;
  // Memref descriptors: {allocated, aligned, offset, sizes[r], strides[r]}.
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
        expected +=
            (d ? "x" : "") + (sig.shape[d] < 0 ? std::string("?")
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
    call.descriptors.push_back(std::move(desc));
  }
  size_t resultWords = 0;
  for (const TensorSignature &sig : signature.outputs)
    resultWords += 3 + 2 * sig.shape.size();
  call.results.assign(resultWords, 0);
  return call;
}

PreparedCall::~PreparedCall() { freeResults(); }

void PreparedCall::invoke() {
  freeResults();
  // Pointers into the vectors are taken here, after any move of the call.
  resultPtr = results.data();
  descriptorPtrs.clear();
  for (auto &d : descriptors)
    descriptorPtrs.push_back(d.data());
  args.clear();
  if (!runner->signature.outputs.empty())
    args.push_back(&resultPtr);
  for (void *&p : descriptorPtrs)
    args.push_back(&p);
  runner->invokeFn(args.data());
  haveResults = true;
}

void PreparedCall::freeResults() {
  if (!haveResults)
    return;
  haveResults = false;
  size_t at = 0;
  for (const TensorSignature &sig : runner->signature.outputs) {
    // The deallocation pipeline hands ownership of results to the caller.
    std::free(reinterpret_cast<void *>(results[at]));
    at += 3 + 2 * sig.shape.size();
  }
}

std::vector<HostTensor> PreparedCall::takeResults() {
  std::vector<HostTensor> outputs;
  if (!haveResults)
    return outputs;
  size_t at = 0;
  for (const TensorSignature &sig : runner->signature.outputs) {
    size_t rank = sig.shape.size();
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
    outputs.push_back(std::move(out));
    at += 3 + 2 * rank;
  }
  freeResults();
  return outputs;
}

llvm::Expected<std::vector<HostTensor>>
ModelRunner::run(const std::vector<HostTensor> &inputs) {
  auto call = prepare(inputs);
  if (!call)
    return call.takeError();
  call->invoke();
  return call->takeResults();
}

} // namespace fulcrum
