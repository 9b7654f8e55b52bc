//===- ShapeHelpers.cpp - Shape logic shared by ONNX ops ------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinDialect.h"

#include <cstring>

using namespace mlir;

namespace fulcrum::onnx {

Type makeTensorType(std::optional<ArrayRef<int64_t>> shape, Type elementType) {
  if (!shape)
    return UnrankedTensorType::get(elementType);
  return RankedTensorType::get(*shape, elementType);
}

std::optional<SmallVector<int64_t>> getTensorShape(Type type) {
  if (auto ranked = dyn_cast<RankedTensorType>(type))
    return llvm::to_vector(ranked.getShape());
  return std::nullopt;
}

Type getElementTypeFromONNX(MLIRContext *ctx, int64_t dataType) {
  // Values of onnx.proto's TensorProto.DataType.
  switch (dataType) {
  case 1:
    return Float32Type::get(ctx);
  case 2:
    return IntegerType::get(ctx, 8, IntegerType::Unsigned);
  case 3:
    return IntegerType::get(ctx, 8);
  case 4:
    return IntegerType::get(ctx, 16, IntegerType::Unsigned);
  case 5:
    return IntegerType::get(ctx, 16);
  case 6:
    return IntegerType::get(ctx, 32);
  case 7:
    return IntegerType::get(ctx, 64);
  case 8:
    return StringType::get(ctx);
  case 9:
    return IntegerType::get(ctx, 1);
  case 10:
    return Float16Type::get(ctx);
  case 11:
    return Float64Type::get(ctx);
  case 12:
    return IntegerType::get(ctx, 32, IntegerType::Unsigned);
  case 13:
    return IntegerType::get(ctx, 64, IntegerType::Unsigned);
  case 14:
    return ComplexType::get(Float32Type::get(ctx));
  case 15:
    return ComplexType::get(Float64Type::get(ctx));
  case 16:
    return BFloat16Type::get(ctx);
  default:
    return nullptr;
  }
}

int64_t getONNXDataType(Type type) {
  for (int64_t code = 1; code <= 16; ++code)
    if (Type t = getElementTypeFromONNX(type.getContext(), code); t == type)
      return code;
  return 0;
}

bool isNoValue(Value v) { return isa<NoneType>(v.getType()); }

/// Reads integer elements of width `bits` from raw little-endian storage.
static SmallVector<int64_t> readInts(ArrayRef<char> raw, unsigned bits,
                                     bool isUnsigned, int64_t count,
                                     bool splat) {
  SmallVector<int64_t> out;
  out.reserve(count);
  unsigned bytes = bits == 1 ? 1 : bits / 8;
  for (int64_t i = 0; i < count; ++i) {
    const char *p = raw.data() + (splat ? 0 : i * bytes);
    int64_t v = 0;
    switch (bytes) {
    case 1: {
      int8_t x;
      std::memcpy(&x, p, 1);
      v = isUnsigned ? static_cast<uint8_t>(x) : x;
      break;
    }
    case 2: {
      int16_t x;
      std::memcpy(&x, p, 2);
      v = isUnsigned ? static_cast<uint16_t>(x) : x;
      break;
    }
    case 4: {
      int32_t x;
      std::memcpy(&x, p, 4);
      v = isUnsigned ? static_cast<uint32_t>(x) : x;
      break;
    }
    default:
      std::memcpy(&v, p, 8);
    }
    out.push_back(v);
  }
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
  auto value = cst.getValueAttr();
  if (!value)
    return std::nullopt;
  auto type = cast<ShapedType>(value.getType());
  auto intType = dyn_cast<IntegerType>(type.getElementType());
  if (!intType || !type.hasStaticShape())
    return std::nullopt;
  if (auto dense = dyn_cast<DenseIntElementsAttr>(value)) {
    SmallVector<int64_t> out;
    for (const APInt &x : dense.getValues<APInt>())
      out.push_back(intType.isUnsigned() ? x.getZExtValue() : x.getSExtValue());
    return out;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    ArrayRef<char> raw = blob->getData();
    unsigned bits = intType.getWidth();
    int64_t count = type.getNumElements();
    unsigned bytes = bits == 1 ? 1 : bits / 8;
    if (raw.size() != static_cast<size_t>(count * bytes))
      return std::nullopt;
    return readInts(raw, bits, intType.isUnsigned(), count, /*splat=*/false);
  }
  return std::nullopt;
}

std::optional<int64_t> normalizeAxis(Operation *op, int64_t axis, int64_t rank,
                                     StringRef what) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1)) {
    op->emitOpError() << what << " " << axis << " is out of range for rank "
                      << rank;
    return std::nullopt;
  }
  return axis < 0 ? axis + rank : axis;
}

FailureOr<SmallVector<int64_t>>
broadcastShapes(Operation *op, ArrayRef<SmallVector<int64_t>> shapes) {
  size_t rank = 0;
  for (const auto &s : shapes)
    rank = std::max(rank, s.size());
  SmallVector<int64_t> result(rank, 1);
  // Whether result[i] was produced only by size-1 dimensions so far.
  for (size_t i = 0; i < rank; ++i) {
    bool sawDynamic = false;
    int64_t size = 1;
    for (const auto &s : shapes) {
      int64_t offset = rank - s.size();
      if (static_cast<int64_t>(i) < offset)
        continue;
      int64_t d = s[i - offset];
      if (ShapedType::isDynamic(d)) {
        sawDynamic = true;
        continue;
      }
      if (d == 1)
        continue;
      if (size != 1 && size != d) {
        op->emitOpError("operands are not broadcast-compatible: dimension ")
            << i << " (aligned from the right) has sizes " << size << " and "
            << d;
        return failure();
      }
      size = d;
    }
    result[i] = (size == 1 && sawDynamic) ? ShapedType::kDynamic : size;
  }
  return result;
}

FailureOr<Type> inferBroadcastType(Operation *op, ValueRange operands,
                                   Type elementType) {
  SmallVector<SmallVector<int64_t>> shapes;
  for (Value v : operands) {
    auto shape = getTensorShape(v.getType());
    if (!shape)
      return UnrankedTensorType::get(elementType);
    shapes.push_back(std::move(*shape));
  }
  auto shape = broadcastShapes(op, shapes);
  if (failed(shape))
    return failure();
  return Type(RankedTensorType::get(*shape, elementType));
}

LogicalResult completeWindowParams(Operation *op, int64_t spatialRank,
                                   WindowParams &p) {
  auto check = [&](SmallVector<int64_t> &v, size_t size, int64_t fill,
                   StringRef name) -> LogicalResult {
    if (v.empty())
      v.assign(size, fill);
    if (v.size() != size)
      return op->emitOpError("attribute '")
             << name << "' has " << v.size() << " values, expected " << size;
    return success();
  };
  if (failed(check(p.strides, spatialRank, 1, "strides")) ||
      failed(check(p.dilations, spatialRank, 1, "dilations")) ||
      failed(check(p.pads, 2 * spatialRank, 0, "pads")))
    return failure();
  if (p.kernel.size() != static_cast<size_t>(spatialRank))
    return op->emitOpError("kernel has ")
           << p.kernel.size() << " spatial dimensions, expected "
           << spatialRank;
  for (int64_t k : p.kernel)
    if (!ShapedType::isDynamic(k) && k <= 0)
      return op->emitOpError("kernel sizes must be positive");
  for (int64_t s : p.strides)
    if (s <= 0)
      return op->emitOpError("strides must be positive");
  for (int64_t pad : p.pads)
    if (pad < 0)
      return op->emitOpError("pads must be non-negative");
  for (int64_t d : p.dilations)
    if (d <= 0)
      return op->emitOpError("dilations must be positive");
  if (p.autoPad != "NOTSET" && p.autoPad != "VALID" &&
      p.autoPad != "SAME_UPPER" && p.autoPad != "SAME_LOWER")
    return op->emitOpError("unknown auto_pad '") << p.autoPad << "'";
  return success();
}

int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t stride,
                         int64_t dilation, int64_t padBegin, int64_t padEnd,
                         StringRef autoPad, bool ceilMode) {
  if (ShapedType::isDynamic(in) || ShapedType::isDynamic(kernel))
    return ShapedType::kDynamic;
  int64_t effective = (kernel - 1) * dilation + 1;
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER")
    return (in + stride - 1) / stride;
  if (autoPad == "VALID")
    return in < effective ? 0 : (in - effective) / stride + 1;
  int64_t span = in + padBegin + padEnd - effective;
  if (span < 0)
    return 0;
  if (ceilMode) {
    int64_t out = (span + stride - 1) / stride + 1;
    // The last window must start inside the input or the begin padding.
    if ((out - 1) * stride >= in + padBegin)
      --out;
    return out;
  }
  return span / stride + 1;
}

} // namespace fulcrum::onnx
