//===- ConstantValues.h - Reading the values of ONNX constants --*- C++ -*-===//
//
// Part of Fulcrum.
//
// An `onnx.Constant` holds its value in one of several forms: `value` as a
// `dense` or a `dense_resource` attribute (the importer keeps weights as
// resource blobs), or `value_float(s)` / `value_int(s)`. A pass that reads
// only `dense<>` silently does nothing on imported models; these helpers
// read every form.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_ONNX_IR_CONSTANTVALUES_H
#define FULCRUM_DIALECT_ONNX_IR_CONSTANTVALUES_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/Value.h"

#include <optional>

namespace fulcrum::onnx {

/// The elements of `attr`, a `dense` or `dense_resource` attribute of static
/// shape and integer element type, extended by the type's signedness
/// (booleans read 0 and 1). Null for other attributes, and for a resource
/// whose blob is missing or does not hold the expected number of bytes.
std::optional<llvm::SmallVector<int64_t>>
getIntElements(mlir::ElementsAttr attr);

/// The elements of `attr`, a `dense` or `dense_resource` attribute of static
/// shape and float element type (f16, bf16, f32, f64), as doubles.
std::optional<llvm::SmallVector<double>>
getFloatElements(mlir::ElementsAttr attr);

/// The integer elements of `v` when it is produced by an `onnx.Constant`
/// with an integer `value` (dense or dense_resource), `value_int` or
/// `value_ints`.
std::optional<llvm::SmallVector<int64_t>> getConstantInts(mlir::Value v);

/// The float elements of `v` when it is produced by an `onnx.Constant`
/// with a float `value` (dense or dense_resource), `value_float` or
/// `value_floats`.
std::optional<llvm::SmallVector<double>> getConstantFloats(mlir::Value v);

/// The one value of all elements of the integer constant `v` (a splat, a
/// single element, or equal elements), in any form getConstantInts reads.
std::optional<int64_t> getConstantSplatInt(mlir::Value v);

/// The one value of all elements of the float constant `v`, in any form
/// getConstantFloats reads.
std::optional<double> getConstantSplatFloat(mlir::Value v);

} // namespace fulcrum::onnx

#endif // FULCRUM_DIALECT_ONNX_IR_CONSTANTVALUES_H
