//===- CalibrationData.cpp - Reading calibration inputs -------------------===//
//
// Part of Fulcrum. `--calibration-data FILE.npy|FILE.npz|DIR`: the samples
// the fp32 model is run on, checked against the entry point's inputs.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Execution/Evaluate.h"
#include "fulcrum/Quantization/Quantize.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace fulcrum::quant {
namespace {

/// Errors of a file are reported on the file the user named (the file
/// itself, or the directory holding it).
llvm::Error error(llvm::StringRef, const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::vector<std::string> dims;
  for (int64_t d : shape)
    dims.push_back(d < 0 ? "?" : std::to_string(d));
  return "[" + llvm::join(dims, "x") + "]";
}

/// Checks `t` against `input` and gives it a leading sample dimension.
llvm::Error conform(llvm::StringRef file, HostTensor &t,
                    const TensorSignature &input) {
  if (t.dataType != input.dataType)
    return error(file, onnxTypeName(t.dataType) + " array " + t.describe() +
                           " for input '" + input.name + "' of " +
                           onnxTypeName(input.dataType));
  size_t rank = input.shape.size();
  std::vector<int64_t> given = t.shape;
  if (rank > 0 && t.shape.size() + 1 == rank)
    t.shape.insert(t.shape.begin(), 1);
  bool ok = rank > 0 && t.shape.size() == rank;
  for (size_t d = 1; ok && d < rank; ++d)
    ok = input.shape[d] < 0 || input.shape[d] == t.shape[d];
  if (!ok)
    return error(file,
                 "shape " + shapeText(given) + " does not match input '" +
                     input.name + "' " + shapeText(input.shape) +
                     " (samples along the first dimension, or one sample)");
  return llvm::Error::success();
}

/// The arrays of one file, one per input.
llvm::Expected<std::vector<HostTensor>>
readFile(const std::string &file, const EntrySignature &signature) {
  std::vector<HostTensor> arrays;
  if (llvm::StringRef(file).ends_with(".npy")) {
    if (signature.inputs.size() != 1)
      return error(file, "a .npy file holds one array, the model has " +
                             std::to_string(signature.inputs.size()) +
                             " inputs (use .npz)");
    auto t = readNpyFile(file);
    if (!t)
      return error(file, llvm::toString(t.takeError()));
    arrays.push_back(std::move(*t));
  } else if (llvm::StringRef(file).ends_with(".npz")) {
    auto all = readNpzFile(file);
    if (!all)
      return error(file, llvm::toString(all.takeError()));
    for (auto [i, input] : llvm::enumerate(signature.inputs)) {
      auto byName = llvm::find_if(
          *all, [&](const HostTensor &t) { return t.name == input.name; });
      if (byName != all->end())
        arrays.push_back(std::move(*byName));
      else if (all->size() == signature.inputs.size())
        arrays.push_back(std::move((*all)[i]));
      else
        return error(file, "no array for input '" + input.name + "'");
    }
  } else {
    return error(file, "expected a .npy or .npz file, or a directory of them");
  }
  for (auto [t, input] : llvm::zip(arrays, signature.inputs))
    if (llvm::Error err = conform(file, t, input))
      return std::move(err);
  int64_t samples = arrays.front().shape[0];
  for (const HostTensor &t : arrays)
    if (t.shape[0] != samples)
      return error(file, "arrays hold different numbers of samples");
  return arrays;
}

} // namespace

llvm::Expected<std::vector<HostTensor>>
readCalibrationData(llvm::StringRef path, const EntrySignature &signature,
                    int64_t count) {
  if (signature.inputs.empty())
    return error(path, "the model has no inputs to calibrate");
  std::vector<std::string> files;
  if (llvm::sys::fs::is_directory(path)) {
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(path, ec), end; it != end && !ec;
         it.increment(ec)) {
      llvm::StringRef name = it->path();
      if (name.ends_with(".npy") || name.ends_with(".npz"))
        files.push_back(it->path());
    }
    if (ec)
      return error(path, ec.message());
    llvm::sort(files);
    if (files.empty())
      return error(path, "the directory holds no .npy or .npz files");
  } else if (!llvm::sys::fs::exists(path)) {
    return error(path, "no such file or directory");
  } else {
    files.push_back(path.str());
  }
  std::vector<std::vector<HostTensor>> parts(signature.inputs.size());
  int64_t samples = 0;
  for (const std::string &file : files) {
    if (count > 0 && samples >= count)
      break;
    auto arrays = readFile(file, signature);
    if (!arrays) {
      if (files.size() == 1 && file == path)
        return arrays.takeError();
      return error(path, "in '" + llvm::sys::path::filename(file) +
                             "': " + llvm::toString(arrays.takeError()));
    }
    samples += (*arrays)[0].shape[0];
    for (auto [i, t] : llvm::enumerate(*arrays))
      parts[i].push_back(std::move(t));
  }
  std::vector<HostTensor> inputs;
  for (auto &p : parts) {
    HostTensor all = concatRows(p);
    if (count > 0 && all.shape[0] > count)
      all = sliceRows(all, 0, count);
    all.name.clear();
    inputs.push_back(std::move(all));
  }
  if (inputs[0].shape[0] == 0)
    return error(path, "holds no samples");
  return inputs;
}

} // namespace fulcrum::quant
