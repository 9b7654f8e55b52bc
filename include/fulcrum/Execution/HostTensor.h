//===- HostTensor.h - Tensors on the host: files and comparison -*- C++ -*-===//
//
// Part of Fulcrum. What fulcrum-run reads, writes and compares: dense
// tensors with an ONNX data type, from ONNX TensorProto `.pb` files and
// NumPy `.npy` and `.npz` files.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_EXECUTION_HOSTTENSOR_H
#define FULCRUM_EXECUTION_HOSTTENSOR_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fulcrum {

/// A dense, row-major tensor. `dataType` is an ONNX TensorProto data type
/// (1 = float, 7 = int64, 9 = bool, ...); bool is one byte per element.
struct HostTensor {
  int32_t dataType = 0;
  std::vector<int64_t> shape;
  std::vector<char> data;
  std::string name;

  int64_t numElements() const;
  /// Bytes per element (0 for unsupported types such as strings).
  size_t elementSize() const;
  std::string describe() const; // "float32[2x3]"
};

/// Bytes per element of an ONNX data type (0 when unsupported).
size_t onnxElementSize(int32_t dataType);
/// A short name of an ONNX data type ("float32", "int64", ...).
std::string onnxTypeName(int32_t dataType);

/// Element `i` of `t` as a double (floating-point and integer types; 0 for
/// others such as strings and complex numbers).
double valueAt(const HostTensor &t, int64_t i);

/// Reads an ONNX TensorProto file (`input_0.pb`).
llvm::Expected<HostTensor> readTensorProtoFile(const std::string &path);
/// Reads a NumPy `.npy` file (little-endian, C order).
llvm::Expected<HostTensor> readNpyFile(const std::string &path);
/// Reads the arrays of a NumPy `.npz` archive (numpy.savez, stored, or
/// numpy.savez_compressed, deflated), in archive order, each named by its key.
llvm::Expected<std::vector<HostTensor>> readNpzFile(const std::string &path);
/// Writes a NumPy `.npy` file.
llvm::Error writeNpyFile(const HostTensor &tensor, const std::string &path);

/// Reads either, by extension.
llvm::Expected<HostTensor> readTensorFile(const std::string &path);

/// The readers above on a file's contents; `name` names it in errors (the
/// fuzzers call these).
llvm::Expected<HostTensor> parseTensorProto(llvm::StringRef bytes,
                                            const std::string &name);
llvm::Expected<HostTensor> parseNpy(llvm::StringRef bytes,
                                    const std::string &name);
llvm::Expected<std::vector<HostTensor>> parseNpz(llvm::StringRef bytes,
                                                 const std::string &name);

/// Compares `actual` with `expected` as the ONNX backend tests do:
/// |a - e| <= atol + rtol * |e| for floating point (NaN equals NaN), exact
/// equality otherwise. Returns an empty string on success, or a report of
/// the mismatches (count, and the first few with their indices).
std::string compareTensors(const HostTensor &expected,
                           const HostTensor &actual, double rtol, double atol);

} // namespace fulcrum

#endif // FULCRUM_EXECUTION_HOSTTENSOR_H
