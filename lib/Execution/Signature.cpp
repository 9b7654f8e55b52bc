//===- Signature.cpp - An entry point's inputs and outputs ----------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Execution/Signature.h"
#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"
#include "fulcrum/Execution/HostTensor.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringExtras.h"

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
  sig.dataType =
      static_cast<int32_t>(onnx::getONNXDataType(tensor.getElementType()));
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

llvm::Expected<EntrySignature> getEntrySignature(func::FuncOp func) {
  EntrySignature signature;
  for (auto [i, t] : llvm::enumerate(func.getArgumentTypes())) {
    auto sig = signatureOf(t, func.getArgAttrDict(i), i, "input");
    if (!sig)
      return sig.takeError();
    signature.inputs.push_back(*sig);
  }
  for (auto [i, t] : llvm::enumerate(func.getResultTypes())) {
    auto sig = signatureOf(t, func.getResultAttrDict(i), i, "output");
    if (!sig)
      return sig.takeError();
    signature.outputs.push_back(*sig);
  }
  return signature;
}

std::string printSignature(const EntrySignature &signature) {
  std::string text;
  auto print = [&](const char *what, const std::vector<TensorSignature> &sigs) {
    for (const TensorSignature &sig : sigs) {
      std::string dims;
      for (int64_t d : sig.shape)
        dims += (dims.empty() ? "" : ",") + std::to_string(d);
      text += std::string(what) + " " + std::to_string(sig.dataType) + " " +
              (dims.empty() ? "-" : dims) + " " + sig.name + "\n";
    }
  };
  print("input", signature.inputs);
  print("output", signature.outputs);
  return text;
}

llvm::Expected<EntrySignature> parseSignature(llvm::StringRef text) {
  EntrySignature signature;
  llvm::SmallVector<llvm::StringRef> lines;
  text.split(lines, '\n', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef line : lines) {
    auto [what, rest] = line.split(' ');
    auto [type, rest2] = rest.split(' ');
    auto [dims, name] = rest2.split(' ');
    TensorSignature sig;
    sig.name = name.str();
    if ((what != "input" && what != "output") ||
        type.getAsInteger(10, sig.dataType) || dims.empty())
      return error("malformed signature line '" + line + "'");
    if (dims != "-") {
      llvm::SmallVector<llvm::StringRef> parts;
      dims.split(parts, ',');
      for (llvm::StringRef p : parts) {
        int64_t d;
        if (p.getAsInteger(10, d))
          return error("malformed signature line '" + line + "'");
        sig.shape.push_back(d);
      }
    }
    (what == "input" ? signature.inputs : signature.outputs).push_back(sig);
  }
  return signature;
}

} // namespace fulcrum
