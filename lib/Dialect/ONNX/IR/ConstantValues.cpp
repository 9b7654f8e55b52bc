//===- ConstantValues.cpp - Reading the values of ONNX constants ----------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ConstantValues.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;

namespace fulcrum::onnx {
namespace {

/// Calls `fn` with each element of `attr` (dense or dense_resource, static
/// shape, integer or float element type of at most 64 bits) as the APInt of
/// its bits. Splat dense attributes give their one element once per
/// element. Fails for other attributes and for a blob of the wrong size.
LogicalResult forEachElementBits(ElementsAttr attr,
                                 function_ref<void(const APInt &)> fn) {
  auto type = dyn_cast<ShapedType>(attr.getType());
  if (!type || !type.hasStaticShape())
    return failure();
  Type elt = type.getElementType();
  if (!elt.isIntOrFloat() || elt.getIntOrFloatBitWidth() > 64)
    return failure();
  unsigned bits = elt.getIntOrFloatBitWidth();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (auto ints = dyn_cast<DenseIntElementsAttr>(dense)) {
      for (const APInt &x : ints.getValues<APInt>())
        fn(x);
      return success();
    }
    for (const APFloat &x :
         cast<DenseFPElementsAttr>(dense).getValues<APFloat>())
      fn(x.bitcastToAPInt());
    return success();
  }
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!resource)
    return failure();
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob)
    return failure();
  // Raw little-endian storage, one byte per boolean.
  ArrayRef<char> raw = blob->getData();
  unsigned bytes = bits == 1 ? 1 : bits / 8;
  int64_t count = type.getNumElements();
  if (raw.size() != static_cast<size_t>(count * bytes))
    return failure();
  for (int64_t i = 0; i < count; ++i) {
    uint64_t word = 0;
    std::memcpy(&word, raw.data() + i * bytes, bytes);
    fn(APInt(bits, bits == 1 ? word != 0 : word));
  }
  return success();
}

/// `x` extended to 64 bits by the signedness of `type` (booleans: 0, 1).
int64_t extend(const APInt &x, IntegerType type) {
  return type.isUnsigned() || type.getWidth() == 1 ? x.getZExtValue()
                                                   : x.getSExtValue();
}

double toDouble(APFloat f) {
  bool lost;
  f.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
  return f.convertToDouble();
}

/// The one value of `values` when all are equal.
template <typename T>
std::optional<T> splatOf(const std::optional<SmallVector<T>> &values) {
  if (!values || values->empty() || !llvm::all_equal(ArrayRef<T>(*values)))
    return std::nullopt;
  return values->front();
}

} // namespace

std::optional<SmallVector<int64_t>> getIntElements(ElementsAttr attr) {
  auto intType = dyn_cast<IntegerType>(attr.getElementType());
  if (!intType)
    return std::nullopt;
  SmallVector<int64_t> out;
  if (failed(forEachElementBits(
          attr, [&](const APInt &x) { out.push_back(extend(x, intType)); })))
    return std::nullopt;
  return out;
}

std::optional<SmallVector<double>> getFloatElements(ElementsAttr attr) {
  auto floatType = dyn_cast<FloatType>(attr.getElementType());
  if (!floatType)
    return std::nullopt;
  const llvm::fltSemantics &semantics = floatType.getFloatSemantics();
  SmallVector<double> out;
  if (failed(forEachElementBits(attr, [&](const APInt &x) {
        out.push_back(toDouble(APFloat(semantics, x)));
      })))
    return std::nullopt;
  return out;
}

std::optional<SmallVector<int64_t>> getConstantInts(Value v) {
  auto cst = v.getDefiningOp<ConstantOp>();
  if (!cst)
    return std::nullopt;
  if (auto ints = cst.getValueIntsAttr())
    return llvm::to_vector(ints.asArrayRef());
  if (auto i = cst.getValueIntAttr())
    return SmallVector<int64_t>{i.getInt()};
  if (auto value = cst.getValueAttr())
    return getIntElements(value);
  return std::nullopt;
}

std::optional<SmallVector<double>> getConstantFloats(Value v) {
  auto cst = v.getDefiningOp<ConstantOp>();
  if (!cst)
    return std::nullopt;
  if (auto floats = cst.getValueFloatsAttr())
    return SmallVector<double>(floats.asArrayRef().begin(),
                               floats.asArrayRef().end());
  if (auto f = cst.getValueFloatAttr())
    return SmallVector<double>{f.getValueAsDouble()};
  if (auto value = cst.getValueAttr())
    return getFloatElements(value);
  return std::nullopt;
}

std::optional<int64_t> getConstantSplatInt(Value v) {
  // A splat dense attribute is read once, not once per element.
  if (auto cst = v.getDefiningOp<ConstantOp>())
    if (auto dense = dyn_cast_or_null<DenseIntElementsAttr>(cst.getValueAttr()))
      if (dense.isSplat() && dense.getNumElements() > 0)
        return extend(dense.getSplatValue<APInt>(),
                      cast<IntegerType>(dense.getElementType()));
  return splatOf(getConstantInts(v));
}

std::optional<double> getConstantSplatFloat(Value v) {
  if (auto cst = v.getDefiningOp<ConstantOp>())
    if (auto dense = dyn_cast_or_null<DenseFPElementsAttr>(cst.getValueAttr()))
      if (dense.isSplat() && dense.getNumElements() > 0)
        return toDouble(dense.getSplatValue<APFloat>());
  return splatOf(getConstantFloats(v));
}

} // namespace fulcrum::onnx
