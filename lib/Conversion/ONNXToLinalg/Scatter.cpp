//===- Scatter.cpp - Lowering of scatters ---------------------------------===//
//
// Part of Fulcrum. ScatterElements, ScatterND and MaxUnpool start from a
// copy of `data` (zeros for MaxUnpool) and walk the
// updates in order with an scf.for nest, writing (or combining, for the
// add/mul/min/max reductions) each update at the position its index names:
// later updates win on duplicate indices, as in the ONNX reference.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

enum class ScatterReduction { None, Add, Mul, Min, Max };

std::optional<ScatterReduction> parseReduction(StringRef name) {
  return llvm::StringSwitch<std::optional<ScatterReduction>>(name)
      .Case("none", ScatterReduction::None)
      .Case("add", ScatterReduction::Add)
      .Case("mul", ScatterReduction::Mul)
      .Case("min", ScatterReduction::Min)
      .Case("max", ScatterReduction::Max)
      .Default(std::nullopt);
}

/// The value stored when `update` meets `old` under `kind`.
Value combine(OpBuilder &b, Location loc, ScatterReduction kind,
              bool isUnsigned, Value old, Value update) {
  bool isFloat = isa<FloatType>(update.getType());
  switch (kind) {
  case ScatterReduction::None:
    return update;
  case ScatterReduction::Add:
    return isFloat ? b.create<arith::AddFOp>(loc, old, update).getResult()
                   : b.create<arith::AddIOp>(loc, old, update).getResult();
  case ScatterReduction::Mul:
    return isFloat ? b.create<arith::MulFOp>(loc, old, update).getResult()
                   : b.create<arith::MulIOp>(loc, old, update).getResult();
  case ScatterReduction::Min:
    if (isFloat)
      return b.create<arith::MinimumFOp>(loc, old, update);
    return isUnsigned ? b.create<arith::MinUIOp>(loc, old, update).getResult()
                      : b.create<arith::MinSIOp>(loc, old, update).getResult();
  case ScatterReduction::Max:
    if (isFloat)
      return b.create<arith::MaximumFOp>(loc, old, update);
    return isUnsigned ? b.create<arith::MaxUIOp>(loc, old, update).getResult()
                      : b.create<arith::MaxSIOp>(loc, old, update).getResult();
  }
  return update;
}

/// Checks the reduction attribute and element type of a scatter; returns the
/// reduction, or nothing after a match failure.
template <typename OpTy>
std::optional<ScatterReduction> checkScatter(OpTy op, RankedTensorType type,
                                             ConversionPatternRewriter &r) {
  std::optional<ScatterReduction> kind = parseReduction(op.getReduction());
  if (!kind) {
    (void)r.notifyMatchFailure(op, "unknown reduction");
    return std::nullopt;
  }
  Type elt = type.getElementType();
  if (!elt.isIntOrFloat()) {
    (void)r.notifyMatchFailure(op, "element type is not a number");
    return std::nullopt;
  }
  if (*kind != ScatterReduction::None && elt.isInteger(1)) {
    (void)r.notifyMatchFailure(op, "reduction over booleans");
    return std::nullopt;
  }
  return kind;
}

/// Copies `data` and stores every element of `updates` at the coordinates
/// `target` computes from the element's coordinates in `updates`.
Value scatter(
    OpBuilder &b, Location loc, Value data, Value updates,
    ScatterReduction kind, bool isUnsigned,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>
        target) {
  auto updType = cast<RankedTensorType>(updates.getType());
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < updType.getRank(); ++d)
    sizes.push_back(getDimSize(b, loc, updates, d));
  SmallVector<Value> results = buildLoopNestOver(
      b, loc, sizes, ValueRange{data},
      [&](OpBuilder &nb, Location l, ValueRange ivs, ValueRange args) {
        SmallVector<Value> coords = target(nb, l, ivs);
        Value update = nb.create<tensor::ExtractOp>(l, updates, ivs);
        if (kind != ScatterReduction::None) {
          Value old = nb.create<tensor::ExtractOp>(l, args[0], coords);
          update = combine(nb, l, kind, isUnsigned, old, update);
        }
        return SmallVector<Value>{
            nb.create<tensor::InsertOp>(l, update, args[0], coords)};
      });
  return results.front();
}

bool isUnsignedElement(Value onnxValue) {
  return cast<ShapedType>(onnxValue.getType())
      .getElementType()
      .isUnsignedInteger();
}

/// ScatterElements (and Scatter-9/11, which the importer upgrades):
/// out[i... with indices[i...] at axis] = updates[i...].
struct ScatterElementsLowering : public OpConversionPattern<ScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScatterElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type || !isa<RankedTensorType>(adaptor.getIndices().getType()) ||
        !isa<RankedTensorType>(adaptor.getUpdates().getType()))
      return rewriter.notifyMatchFailure(op, "unranked operands");
    std::optional<ScatterReduction> kind = checkScatter(op, type, rewriter);
    if (!kind)
      return failure();
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += rank;
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    Value axisSize = getDimSize(rewriter, loc, data, axis);
    Value result =
        scatter(rewriter, loc, data, adaptor.getUpdates(), *kind,
                isUnsignedElement(op.getData()),
                [&](OpBuilder &b, Location l, ValueRange ivs) {
                  Value i = b.create<tensor::ExtractOp>(l, indices, ivs);
                  i = b.create<arith::IndexCastOp>(l, b.getIndexType(), i);
                  SmallVector<Value> coords(ivs);
                  coords[axis] = wrapNegativeIndex(b, l, i, axisSize);
                  return coords;
                });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// ScatterND: the last dimension of `indices` (static, k) holds the first k
/// coordinates of a slice of `data`; updates[i..., j...] goes to
/// data[indices[i..., :], j...].
struct ScatterNDLowering : public OpConversionPattern<ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScatterNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto indexType = dyn_cast<RankedTensorType>(adaptor.getIndices().getType());
    if (!type || !indexType ||
        !isa<RankedTensorType>(adaptor.getUpdates().getType()))
      return rewriter.notifyMatchFailure(op, "unranked operands");
    int64_t q = indexType.getRank();
    if (q == 0 || indexType.isDynamicDim(q - 1) ||
        indexType.getDimSize(q - 1) > type.getRank())
      return rewriter.notifyMatchFailure(
          op, "the index depth (last dimension of indices) must be static and "
              "at most the data rank");
    std::optional<ScatterReduction> kind = checkScatter(op, type, rewriter);
    if (!kind)
      return failure();
    Location loc = op.getLoc();
    int64_t k = indexType.getDimSize(q - 1);
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    Value result =
        scatter(rewriter, loc, data, adaptor.getUpdates(), *kind,
                isUnsignedElement(op.getData()),
                [&](OpBuilder &b, Location l, ValueRange ivs) {
                  SmallVector<Value> at(ivs.take_front(q - 1));
                  at.push_back(Value());
                  SmallVector<Value> coords;
                  for (int64_t j = 0; j < k; ++j) {
                    at.back() = b.create<arith::ConstantIndexOp>(l, j);
                    Value i = b.create<tensor::ExtractOp>(l, indices, at);
                    i = b.create<arith::IndexCastOp>(l, b.getIndexType(), i);
                    coords.push_back(
                        wrapNegativeIndex(b, l, i, getDimSize(b, l, data, j)));
                  }
                  llvm::append_range(coords, ivs.drop_front(q - 1));
                  return coords;
                });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// MaxUnpool: a zero tensor of the output shape (`output_shape` when
/// given, else (in - 1) * stride - pads + kernel per spatial dimension)
/// receives every X element at its index from MaxPool, a flat position
/// (N and C included) in the latter shape.
struct MaxUnpoolLowering : public OpConversionPattern<MaxUnpoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaxUnpoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto xType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    if (!type || !xType || !isa<RankedTensorType>(adaptor.getI().getType()) ||
        type.getRank() != xType.getRank() || type.getRank() < 3)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    int64_t rank = type.getRank(), spatial = rank - 2;
    ArrayRef<int64_t> kernel = op.getKernelShape();
    SmallVector<int64_t> pads(2 * spatial, 0), strides(spatial, 1);
    if (auto p = op.getPads())
      pads.assign(p->begin(), p->end());
    if (auto st = op.getStrides())
      strides.assign(st->begin(), st->end());
    if (static_cast<int64_t>(kernel.size()) != spatial ||
        static_cast<int64_t>(pads.size()) != 2 * spatial ||
        static_cast<int64_t>(strides.size()) != spatial)
      return rewriter.notifyMatchFailure(
          op, "kernel_shape, pads and strides must match the spatial rank");
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    // The indices are flat positions in the shape MaxPool's input had,
    // (in - 1) * stride + kernel - pads per spatial dimension; a larger
    // output_shape only adds room at the end of each dimension.
    SmallVector<Value> inferred;
    for (int64_t d = 0; d < rank; ++d) {
      Value in = getDimSize(rewriter, loc, x, d);
      if (d < 2) {
        inferred.push_back(in);
        continue;
      }
      int64_t i = d - 2;
      inferred.push_back(rewriter.create<arith::AddIOp>(
          loc,
          rewriter.create<arith::MulIOp>(
              loc,
              rewriter.create<arith::SubIOp>(
                  loc, in, rewriter.create<arith::ConstantIndexOp>(loc, 1)),
              rewriter.create<arith::ConstantIndexOp>(loc, strides[i])),
          rewriter.create<arith::ConstantIndexOp>(loc, kernel[i] - pads[i] -
                                                           pads[i + spatial])));
    }
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < rank; ++d) {
      if (!type.isDynamicDim(d))
        continue;
      if (isNoValue(op.getOutputShape())) {
        dynamic.push_back(inferred[d]);
        continue;
      }
      Value at = rewriter.create<arith::ConstantIndexOp>(loc, d);
      dynamic.push_back(rewriter.create<arith::IndexCastOp>(
          loc, rewriter.getIndexType(),
          rewriter.create<tensor::ExtractOp>(loc, adaptor.getOutputShape(),
                                             at)));
    }
    Value zeros = createFilled(rewriter, loc, type, dynamic, 0.0);
    Value indices = adaptor.getI();
    Value result = scatter(
        rewriter, loc, zeros, x, ScatterReduction::None, false,
        [&](OpBuilder &b, Location l, ValueRange ivs) {
          // Row-major coordinates of the flat index.
          Value rest = b.create<arith::IndexCastOp>(
              l, b.getIndexType(),
              b.create<tensor::ExtractOp>(l, indices, ivs));
          SmallVector<Value> coords(rank);
          for (int64_t d = rank - 1; d >= 0; --d) {
            coords[d] =
                d == 0 ? rest : b.create<arith::RemUIOp>(l, rest, inferred[d]);
            rest = b.create<arith::DivUIOp>(l, rest, inferred[d]);
          }
          return coords;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateScatterPatterns(const TypeConverter &tc,
                             RewritePatternSet &patterns) {
  patterns.add<ScatterElementsLowering, ScatterNDLowering, MaxUnpoolLowering>(
      tc, patterns.getContext());
}

} // namespace fulcrum::lowering
