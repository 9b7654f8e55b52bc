//===- ShapeHelpers.cpp - Shape logic shared by ONNX ops ------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/TypeUtilities.h"

#include <algorithm>

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

int64_t normalizeSliceBounds(int64_t &start, int64_t &end, int64_t step,
                             int64_t dim) {
  if (dim == 0) {
    start = end = 0;
    return 0;
  }
  auto clamp = [&](int64_t v, int64_t lo, int64_t hi) {
    return std::clamp(v < 0 ? v + dim : v, lo, hi);
  };
  if (step > 0) {
    start = clamp(start, 0, dim);
    end = clamp(end, 0, dim);
    return end > start ? (end - start + step - 1) / step : 0;
  }
  start = clamp(start, 0, dim - 1);
  end = clamp(end, -1, dim - 1);
  return start > end ? (start - end - step - 1) / -step : 0;
}

std::pair<int64_t, int64_t> getShapeOpBounds(ShapeOp op, int64_t rank) {
  int64_t start = op.getStart();
  int64_t end = op.getEnd() ? *op.getEnd() : rank;
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, start, rank);
  return {start, end};
}

namespace {
using Ints = SmallVector<int64_t>;
constexpr int64_t kUnknown = ShapedType::kDynamic;

/// Element-wise combination of two known-int lists under ONNX broadcasting
/// (each operand is 0-D/1-D here, so only equal lengths or length 1).
template <typename Fn>
std::optional<Ints> combine(const Ints &a, const Ints &b, Fn fn) {
  if (a.size() != b.size() && a.size() != 1 && b.size() != 1)
    return std::nullopt;
  size_t n = std::max(a.size(), b.size());
  Ints out;
  for (size_t i = 0; i < n; ++i) {
    int64_t x = a[a.size() == 1 ? 0 : i], y = b[b.size() == 1 ? 0 : i];
    out.push_back(x == kUnknown || y == kUnknown ? kUnknown : fn(x, y));
  }
  return out;
}

std::optional<Ints> knownInts(Value v, int64_t maxElements, unsigned depth);

/// Known ints of an operand that must be fully known (indices, axes).
std::optional<Ints> fullyKnown(Value v, int64_t maxElements, unsigned depth) {
  auto ints = knownInts(v, maxElements, depth);
  if (!ints || llvm::is_contained(*ints, kUnknown))
    return std::nullopt;
  return ints;
}

std::optional<Ints> knownIntsOf(Operation *op, int64_t maxElements,
                                unsigned depth) {
  auto operand = [&](unsigned i) {
    return knownInts(op->getOperand(i), maxElements, depth + 1);
  };
  if (auto shape = dyn_cast<ShapeOp>(op)) {
    auto type = dyn_cast<RankedTensorType>(shape.getData().getType());
    if (!type)
      return std::nullopt;
    auto [start, end] = getShapeOpBounds(shape, type.getRank());
    return Ints(type.getShape().slice(start, end - start));
  }
  if (auto size = dyn_cast<SizeOp>(op)) {
    auto type = dyn_cast<RankedTensorType>(size.getData().getType());
    if (!type)
      return std::nullopt;
    return Ints{type.hasStaticShape() ? type.getNumElements() : kUnknown};
  }
  if (isa<IdentityOp, UnsqueezeOp, SqueezeOp, ReshapeOp, FlattenOp>(op))
    return operand(0); // Same elements, in the same order.
  if (auto cast = dyn_cast<CastOp>(op)) {
    if (!isa<IntegerType>(getElementTypeOrSelf(cast.getInput().getType())))
      return std::nullopt;
    return operand(0);
  }
  if (auto concat = dyn_cast<ConcatOp>(op)) {
    Ints out;
    for (unsigned i = 0; i < op->getNumOperands(); ++i) {
      auto part = operand(i);
      if (!part)
        return std::nullopt;
      out.append(*part);
    }
    return out;
  }
  if (auto gather = dyn_cast<GatherOp>(op)) {
    auto data = operand(0);
    auto indices = fullyKnown(gather.getIndices(), maxElements, depth + 1);
    if (!data || !indices || gather.getAxis() != 0)
      return std::nullopt;
    Ints out;
    int64_t n = data->size();
    for (int64_t i : *indices) {
      if (i < 0)
        i += n;
      if (i < 0 || i >= n)
        return std::nullopt;
      out.push_back((*data)[i]);
    }
    return out;
  }
  if (auto slice = dyn_cast<SliceOp>(op)) {
    auto data = operand(0);
    auto starts = fullyKnown(slice.getStarts(), maxElements, depth + 1);
    auto ends = fullyKnown(slice.getEnds(), maxElements, depth + 1);
    if (!data || !starts || !ends || starts->size() != 1 || ends->size() != 1)
      return std::nullopt;
    if (!isNoValue(slice.getAxes())) {
      auto axes = fullyKnown(slice.getAxes(), maxElements, depth + 1);
      if (!axes || axes->size() != 1 || ((*axes)[0] != 0 && (*axes)[0] != -1))
        return std::nullopt;
    }
    int64_t step = 1;
    if (!isNoValue(slice.getSteps())) {
      auto steps = fullyKnown(slice.getSteps(), maxElements, depth + 1);
      if (!steps || steps->size() != 1 || (*steps)[0] == 0)
        return std::nullopt;
      step = (*steps)[0];
    }
    int64_t start = (*starts)[0], end = (*ends)[0];
    int64_t count = normalizeSliceBounds(start, end, step, data->size());
    Ints out;
    for (int64_t k = 0; k < count; ++k)
      out.push_back((*data)[start + k * step]);
    return out;
  }
  if (auto cos = dyn_cast<ConstantOfShapeOp>(op)) {
    auto shape = fullyKnown(cos.getInput(), maxElements, depth + 1);
    if (!shape)
      return std::nullopt;
    int64_t count = 1;
    for (int64_t d : *shape)
      count *= d;
    if (count > maxElements)
      return std::nullopt;
    int64_t value = 0;
    if (auto attr =
            dyn_cast_or_null<DenseIntElementsAttr>(cos.getValueAttr())) {
      if (attr.getNumElements() != 1)
        return std::nullopt;
      value = (*attr.getValues<APInt>().begin()).getSExtValue();
    } else if (cos.getValueAttr()) {
      return std::nullopt;
    }
    return Ints(count, value);
  }
  if (isa<AddOp, SubOp, MulOp, DivOp, EqualOp>(op)) {
    auto a = operand(0), b = operand(1);
    if (!a || !b)
      return std::nullopt;
    if (isa<AddOp>(op))
      return combine(*a, *b, [](int64_t x, int64_t y) { return x + y; });
    if (isa<SubOp>(op))
      return combine(*a, *b, [](int64_t x, int64_t y) { return x - y; });
    if (isa<MulOp>(op))
      return combine(*a, *b, [](int64_t x, int64_t y) { return x * y; });
    if (isa<EqualOp>(op))
      return combine(*a, *b,
                     [](int64_t x, int64_t y) -> int64_t { return x == y; });
    // Integer Div: only where both signs make truncation and flooring agree.
    return combine(*a, *b, [](int64_t x, int64_t y) {
      return (y > 0 && x >= 0) ? x / y : kUnknown;
    });
  }
  if (auto where = dyn_cast<WhereOp>(op)) {
    auto c = operand(0), x = operand(1), y = operand(2);
    if (!c || !x || !y)
      return std::nullopt;
    size_t n = std::max({c->size(), x->size(), y->size()});
    for (size_t s : {c->size(), x->size(), y->size()})
      if (s != n && s != 1)
        return std::nullopt;
    auto at = [](const Ints &v, size_t i) { return v[v.size() == 1 ? 0 : i]; };
    Ints out;
    for (size_t i = 0; i < n; ++i) {
      int64_t cond = at(*c, i);
      out.push_back(cond == kUnknown ? kUnknown
                                     : (cond ? at(*x, i) : at(*y, i)));
    }
    return out;
  }
  return std::nullopt;
}

std::optional<Ints> knownInts(Value v, int64_t maxElements, unsigned depth) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || type.getRank() > 1 || !isa<IntegerType>(type.getElementType()))
    return std::nullopt;
  if (type.hasStaticShape() && type.getNumElements() > maxElements)
    return std::nullopt;
  if (depth > 64)
    return std::nullopt;
  std::optional<Ints> ints = getConstantInts(v);
  if (!ints) {
    Operation *op = v.getDefiningOp();
    if (!op || op->getNumResults() != 1)
      return std::nullopt;
    ints = knownIntsOf(op, maxElements, depth);
  }
  if (!ints || static_cast<int64_t>(ints->size()) > maxElements ||
      (type.hasStaticShape() &&
       type.getNumElements() != static_cast<int64_t>(ints->size())))
    return std::nullopt;
  return ints;
}
} // namespace

std::optional<SmallVector<int64_t>> getKnownInts(Value v, int64_t maxElements) {
  return knownInts(v, maxElements, 0);
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

LogicalResult completeWindowParams(int64_t spatialRank, WindowParams &p,
                                   std::string &reason) {
  llvm::raw_string_ostream os(reason);
  auto check = [&](SmallVector<int64_t> &v, size_t size, int64_t fill,
                   StringRef name) -> LogicalResult {
    if (v.empty())
      v.assign(size, fill);
    if (v.size() == size)
      return success();
    os << "attribute '" << name << "' has " << v.size() << " values, expected "
       << size;
    return failure();
  };
  if (failed(check(p.strides, spatialRank, 1, "strides")) ||
      failed(check(p.dilations, spatialRank, 1, "dilations")) ||
      failed(check(p.pads, 2 * spatialRank, 0, "pads")))
    return failure();
  auto fail = [&](const Twine &message) {
    os << message;
    return failure();
  };
  if (p.kernel.size() != static_cast<size_t>(spatialRank))
    return fail("kernel has " + Twine(p.kernel.size()) +
                " spatial dimensions, expected " + Twine(spatialRank));
  for (int64_t k : p.kernel)
    if (!ShapedType::isDynamic(k) && k <= 0)
      return fail("kernel sizes must be positive");
  for (int64_t s : p.strides)
    if (s <= 0)
      return fail("strides must be positive");
  for (int64_t pad : p.pads)
    if (pad < 0)
      return fail("pads must be non-negative");
  for (int64_t d : p.dilations)
    if (d <= 0)
      return fail("dilations must be positive");
  if (p.autoPad != "NOTSET" && p.autoPad != "VALID" &&
      p.autoPad != "SAME_UPPER" && p.autoPad != "SAME_LOWER")
    return fail("unknown auto_pad '" + p.autoPad + "'");
  return success();
}

LogicalResult completeWindowParams(Operation *op, int64_t spatialRank,
                                   WindowParams &p) {
  std::string reason;
  if (failed(completeWindowParams(spatialRank, p, reason)))
    return op->emitOpError(reason);
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

std::string checkSubgraphArity(mlir::Operation *op) {
  auto check = [](mlir::Region &region, size_t args,
                  size_t yielded) -> std::string {
    if (region.empty())
      return "a subgraph is empty";
    mlir::Block &block = region.front();
    if (block.getNumArguments() != args)
      return "a subgraph takes " + std::to_string(block.getNumArguments()) +
             " inputs, " + std::to_string(args) + " expected";
    mlir::Operation *yield = block.empty() ? nullptr : &block.back();
    if (!yield || !isa<YieldOp>(yield))
      return "a subgraph does not end in onnx.Yield";
    if (yield->getNumOperands() != yielded)
      return "a subgraph yields " + std::to_string(yield->getNumOperands()) +
             " values, " + std::to_string(yielded) + " expected";
    return "";
  };
  size_t results = op->getNumResults();
  if (auto ifOp = dyn_cast<IfOp>(op)) {
    std::string error = check(ifOp.getThenBranch(), 0, results);
    return error.empty() ? check(ifOp.getElseBranch(), 0, results) : error;
  }
  if (auto loop = dyn_cast<LoopOp>(op)) {
    size_t carried = loop.getVInitial().size();
    if (results < carried)
      return "fewer results than loop-carried values";
    return check(loop.getBody(), 2 + carried, 1 + results);
  }
  auto scan = [&](auto scanOp) -> std::string {
    int64_t inputs = scanOp.getInitialStateAndScanInputs().size();
    int64_t scanned = scanOp.getNumScanInputs();
    if (scanned < 1 || scanned > inputs || (int64_t)results < inputs - scanned)
      return "num_scan_inputs does not match the operands and results";
    return check(scanOp.getBody(), inputs, results);
  };
  if (auto scanOp = dyn_cast<ScanOp>(op))
    return scan(scanOp);
  if (auto scanOp = dyn_cast<ScanV8Op>(op))
    return scan(scanOp);
  return "";
}

} // namespace fulcrum::onnx
