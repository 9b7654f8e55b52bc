//===- Tensor.cpp - Lowering of tensor manipulation ops -------------------===//
//
// Part of Fulcrum. Identity, Constant, Reshape, Flatten, Squeeze, Unsqueeze,
// Transpose, Concat, Gather, Slice, Expand, Shape and ConstantOfShape.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/BuiltinDialect.h"
#include <cmath>
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

/// `i + size` when `i` is negative (ONNX's indexing from the end).
Value wrapNegativeIndex(OpBuilder &b, Location loc, Value i, Value size) {
  Value zero = b.create<arith::ConstantOp>(loc, b.getZeroAttr(i.getType()));
  Value neg = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, i, zero);
  return b.create<arith::SelectOp>(loc, neg,
                                   b.create<arith::AddIOp>(loc, i, size), i);
}

struct IdentityLowering : public OpConversionPattern<IdentityOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(IdentityOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isa<TensorType>(adaptor.getInput().getType()))
      return rewriter.notifyMatchFailure(op, "non-tensor input");
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

/// Casts `attr` (dense or dense_resource) to the signless `type`.
ElementsAttr toSignlessElements(ElementsAttr attr, RankedTensorType type) {
  if (attr.getType() == type)
    return attr;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return dense.bitcast(type.getElementType());
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr))
    return DenseResourceElementsAttr::get(type, resource.getRawHandle());
  return nullptr;
}

/// Constant-1 has only the `value` attribute.
struct ConstantV1Lowering : public OpConversionPattern<ConstantV1Op> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantV1Op op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    ElementsAttr value = type ? toSignlessElements(op.getValue(), type) : nullptr;
    if (!value || isa<onnx::StringType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "unsupported constant");
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type, cast<TypedAttr>(value));
    return success();
  }
};

struct ConstantLowering : public OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type)
      return failure();
    ElementsAttr value;
    if (auto v = op.getValueAttr())
      value = toSignlessElements(v, type);
    else if (auto f = op.getValueFloatAttr())
      value = DenseElementsAttr::get(type, f.getValue());
    else if (auto fs = op.getValueFloatsAttr())
      value = DenseElementsAttr::get(type, fs.asArrayRef());
    else if (auto i = op.getValueIntAttr())
      value = DenseElementsAttr::get(type, i.getInt());
    else if (auto is = op.getValueIntsAttr())
      value = DenseElementsAttr::get(type, is.asArrayRef());
    if (!value || isa<onnx::StringType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "unsupported constant");
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type, cast<TypedAttr>(value));
    return success();
  }
};

/// Any reshape whose result type is static, or whose dynamic dimensions
/// come from a (collapse|expand)-compatible source, through tensor.reshape
/// with a shape computed at run time.
Value reshapeTo(OpBuilder &b, Location loc, Value input,
                RankedTensorType resultType, ValueRange dynamicSizes) {
  SmallVector<Value> dims;
  unsigned next = 0;
  for (int64_t d = 0; d < resultType.getRank(); ++d)
    dims.push_back(resultType.isDynamicDim(d)
                       ? b.create<arith::IndexCastOp>(loc, b.getI64Type(),
                                                      dynamicSizes[next++])
                             .getResult()
                       : b.create<arith::ConstantIntOp>(
                              loc, resultType.getDimSize(d), 64)
                             .getResult());
  Value shape = b.create<tensor::FromElementsOp>(loc, dims);
  return b.create<tensor::ReshapeOp>(loc, resultType, input, shape);
}

/// The run-time size of the dynamic result dimensions of a reshape: when
/// exactly one result dimension is dynamic, it is the input's element count
/// divided by the product of the static result dimensions.
FailureOr<SmallVector<Value>> inferReshapeSizes(OpBuilder &b, Location loc,
                                                Value input,
                                                RankedTensorType resultType) {
  SmallVector<Value> sizes;
  int64_t dynamicCount = resultType.getNumDynamicDims();
  if (dynamicCount == 0)
    return sizes;
  if (dynamicCount > 1)
    return failure();
  auto inType = cast<RankedTensorType>(input.getType());
  Value total = b.create<arith::ConstantIndexOp>(loc, 1);
  for (int64_t d = 0; d < inType.getRank(); ++d)
    total = b.create<arith::MulIOp>(loc, total, getDimSize(b, loc, input, d));
  int64_t known = 1;
  for (int64_t d = 0; d < resultType.getRank(); ++d)
    if (!resultType.isDynamicDim(d))
      known *= resultType.getDimSize(d);
  sizes.push_back(b.create<arith::DivUIOp>(
      loc, total, b.create<arith::ConstantIndexOp>(loc, std::max<int64_t>(known, 1))));
  return sizes;
}

/// Reshape, Flatten, Squeeze, Unsqueeze: the data is operand 0.
template <typename OpTy>
struct ReshapeLikeLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;
  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *this->getTypeConverter(), rewriter);
    Value input = adaptor.getOperands()[0];
    if (!type || !isa<RankedTensorType>(input.getType()))
      return rewriter.notifyMatchFailure(op, "unranked operands");
    auto sizes = inferReshapeSizes(rewriter, op.getLoc(), input, type);
    if (failed(sizes))
      return rewriter.notifyMatchFailure(op, "more than one dynamic result "
                                             "dimension");
    rewriter.replaceOp(op, reshapeTo(rewriter, op.getLoc(), input, type, *sizes));
    return success();
  }
};

struct TransposeLowering : public OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto inType = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    if (!type || !inType)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    SmallVector<int64_t> perm;
    if (auto p = op.getPerm())
      perm.assign(p->begin(), p->end());
    else
      for (int64_t i = inType.getRank() - 1; i >= 0; --i)
        perm.push_back(i);
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        dynamic.push_back(getDimSize(rewriter, op.getLoc(), adaptor.getData(), perm[d]));
    Value init = createEmpty(rewriter, op.getLoc(), type, dynamic);
    auto t = rewriter.create<linalg::TransposeOp>(op.getLoc(), adaptor.getData(), init, perm);
    rewriter.replaceOp(op, t.getResults());
    return success();
  }
};

struct ConcatLowering : public OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type)
      return failure();
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += rank;
    // Result sizes: the sum along the axis, the first input elsewhere.
    SmallVector<Value> dynamic;
    Value first = adaptor.getInputs().front();
    for (int64_t d = 0; d < rank; ++d) {
      if (!type.isDynamicDim(d))
        continue;
      if (d != axis) {
        dynamic.push_back(getDimSize(rewriter, loc, first, d));
        continue;
      }
      Value sum = rewriter.create<arith::ConstantIndexOp>(loc, 0);
      for (Value v : adaptor.getInputs())
        sum = rewriter.create<arith::AddIOp>(loc, sum, getDimSize(rewriter, loc, v, d));
      dynamic.push_back(sum);
    }
    Value result = createEmpty(rewriter, loc, type, dynamic);
    // The offset along the axis stays a constant while sizes are static.
    int64_t staticOffset = 0;
    Value dynamicOffset;
    for (Value v : adaptor.getInputs()) {
      auto vType = dyn_cast<RankedTensorType>(v.getType());
      if (!vType)
        return rewriter.notifyMatchFailure(op, "unranked input");
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes, strides(rank, rewriter.getIndexAttr(1));
      for (int64_t d = 0; d < rank; ++d)
        sizes.push_back(vType.isDynamicDim(d)
                            ? OpFoldResult(getDimSize(rewriter, loc, v, d))
                            : OpFoldResult(rewriter.getIndexAttr(vType.getDimSize(d))));
      offsets[axis] = dynamicOffset ? OpFoldResult(dynamicOffset)
                                    : rewriter.getIndexAttr(staticOffset);
      result = rewriter.create<tensor::InsertSliceOp>(loc, v, result, offsets, sizes, strides);
      if (!dynamicOffset && !vType.isDynamicDim(axis)) {
        staticOffset += vType.getDimSize(axis);
        continue;
      }
      if (!dynamicOffset)
        dynamicOffset = rewriter.create<arith::ConstantIndexOp>(loc, staticOffset);
      dynamicOffset = rewriter.create<arith::AddIOp>(
          loc, dynamicOffset, getDimSize(rewriter, loc, v, axis));
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct GatherLowering : public OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto dataType = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto indexType = dyn_cast<RankedTensorType>(adaptor.getIndices().getType());
    if (!type || !dataType || !indexType)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    int64_t r = dataType.getRank(), q = indexType.getRank();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += r;
    int64_t rank = type.getRank();
    SmallVector<AffineExpr> idxExprs;
    for (int64_t i = 0; i < q; ++i)
      idxExprs.push_back(getAffineDimExpr(axis + i, ctx));
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < rank; ++d) {
      if (!type.isDynamicDim(d))
        continue;
      if (d < axis)
        dynamic.push_back(getDimSize(rewriter, loc, adaptor.getData(), d));
      else if (d < axis + q)
        dynamic.push_back(getDimSize(rewriter, loc, adaptor.getIndices(), d - axis));
      else
        dynamic.push_back(getDimSize(rewriter, loc, adaptor.getData(), d - q + 1));
    }
    Value init = createEmpty(rewriter, loc, type, dynamic);
    Value axisSize = getDimSize(rewriter, loc, adaptor.getData(), axis);
    Value data = adaptor.getData();
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{adaptor.getIndices()}, ValueRange{init},
        SmallVector<AffineMap>{AffineMap::get(rank, 0, idxExprs, ctx),
                               rewriter.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          // Negative indices count from the end.
          Value i = b.create<arith::IndexCastOp>(l, b.getIndexType(), args[0]);
          i = wrapNegativeIndex(b, l, i, axisSize);
          SmallVector<Value> coords;
          for (int64_t d = 0; d < axis; ++d)
            coords.push_back(b.create<linalg::IndexOp>(l, d));
          coords.push_back(i);
          for (int64_t d = axis + 1; d < r; ++d)
            coords.push_back(b.create<linalg::IndexOp>(l, d + q - 1));
          b.create<linalg::YieldOp>(l, b.create<tensor::ExtractOp>(l, data, coords).getResult());
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// Slice. Constant parameters with positive steps give a
/// tensor.extract_slice; otherwise the per-dimension start, step and size are
/// computed at run time (ONNX clamping rules) and a generic gathers
/// data[start + i * step].
struct SliceLowering : public OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto dataType = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto startsType = dyn_cast<RankedTensorType>(adaptor.getStarts().getType());
    if (!type || !dataType || !startsType || startsType.isDynamicDim(0))
      return rewriter.notifyMatchFailure(op, "unranked operands");
    if (succeeded(staticSlice(op, adaptor, type, dataType, rewriter)))
      return success();
    Location loc = op.getLoc();
    int64_t rank = dataType.getRank();
    int64_t count = startsType.getDimSize(0);
    Value data = adaptor.getData();
    auto c = [&](int64_t v) { return rewriter.create<arith::ConstantIntOp>(loc, v, 64).getResult(); };
    auto at = [&](Value t, int64_t i) -> Value {
      Value v = rewriter.create<tensor::ExtractOp>(
          loc, t, ValueRange{rewriter.create<arith::ConstantIndexOp>(loc, i)});
      if (v.getType() != rewriter.getI64Type())
        v = rewriter.create<arith::ExtSIOp>(loc, rewriter.getI64Type(), v);
      return v;
    };
    SmallVector<Value> dims, starts, steps, sizes;
    for (int64_t d = 0; d < rank; ++d) {
      dims.push_back(rewriter.create<arith::IndexCastOp>(
          loc, rewriter.getI64Type(), getDimSize(rewriter, loc, data, d)));
      starts.push_back(c(0));
      steps.push_back(c(1));
      sizes.push_back(dims.back());
    }
    auto select = [&](Value cond, Value a, Value b) {
      return rewriter.create<arith::SelectOp>(loc, cond, a, b).getResult();
    };
    auto clamp = [&](Value v, Value lo, Value hi) {
      return rewriter.create<arith::MinSIOp>(
          loc, rewriter.create<arith::MaxSIOp>(loc, v, lo), hi).getResult();
    };
    for (int64_t i = 0; i < count; ++i) {
      Value axis = isNoValue(op.getAxes()) ? c(i) : at(adaptor.getAxes(), i);
      axis = select(rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, axis, c(0)),
                    rewriter.create<arith::AddIOp>(loc, axis, c(rank)), axis);
      Value step = isNoValue(op.getSteps()) ? c(1) : at(adaptor.getSteps(), i);
      Value start = at(adaptor.getStarts(), i), end = at(adaptor.getEnds(), i);
      for (int64_t d = 0; d < rank; ++d) {
        Value dim = dims[d];
        auto wrap = [&](Value v) {
          return select(rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, v, c(0)),
                        rewriter.create<arith::AddIOp>(loc, v, dim), v);
        };
        Value positive = rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, step, c(0));
        Value dimMinus1 = rewriter.create<arith::SubIOp>(loc, dim, c(1));
        Value s = select(positive, clamp(wrap(start), c(0), dim),
                         clamp(wrap(start), c(0), dimMinus1));
        Value e = select(positive, clamp(wrap(end), c(0), dim),
                         clamp(wrap(end), c(-1), dimMinus1));
        // size = max(ceil((e - s) / step), 0)
        Value size = rewriter.create<arith::MaxSIOp>(
            loc, rewriter.create<arith::CeilDivSIOp>(
                     loc, rewriter.create<arith::SubIOp>(loc, e, s), step),
            c(0));
        Value mine = rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, axis, c(d));
        starts[d] = select(mine, s, starts[d]);
        steps[d] = select(mine, step, steps[d]);
        sizes[d] = select(mine, size, sizes[d]);
      }
    }
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < rank; ++d)
      if (type.isDynamicDim(d))
        dynamic.push_back(rewriter.create<arith::IndexCastOp>(loc, rewriter.getIndexType(), sizes[d]));
    auto toIndex = [&](Value v) {
      return rewriter.create<arith::IndexCastOp>(loc, rewriter.getIndexType(), v).getResult();
    };
    SmallVector<Value> startIdx, stepIdx;
    for (int64_t d = 0; d < rank; ++d) {
      startIdx.push_back(toIndex(starts[d]));
      stepIdx.push_back(toIndex(steps[d]));
    }
    Value result = generateTensor(
        rewriter, loc, createEmpty(rewriter, loc, type, dynamic),
        [&](OpBuilder &b, Location l, ValueRange indices) -> Value {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d)
            coords.push_back(b.create<arith::AddIOp>(
                l, startIdx[d], b.create<arith::MulIOp>(l, indices[d], stepIdx[d])));
          return b.create<tensor::ExtractOp>(l, data, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  /// Constant parameters and positive steps: tensor.extract_slice.
  static LogicalResult staticSlice(SliceOp op, OpAdaptor adaptor,
                                   RankedTensorType type,
                                   RankedTensorType dataType,
                                   ConversionPatternRewriter &rewriter) {
    if (!type.hasStaticShape() || !dataType.hasStaticShape())
      return failure();
    auto starts = getConstantInts(op.getStarts());
    std::optional<SmallVector<int64_t>> axes, steps;
    if (!isNoValue(op.getAxes()) && !(axes = getConstantInts(op.getAxes())))
      return failure();
    if (!isNoValue(op.getSteps()) && !(steps = getConstantInts(op.getSteps())))
      return failure();
    if (!starts)
      return failure();
    int64_t rank = dataType.getRank();
    SmallVector<int64_t> offsets(rank, 0), strides(rank, 1);
    for (size_t i = 0; i < starts->size(); ++i) {
      int64_t a = axes ? (*axes)[i] : static_cast<int64_t>(i);
      if (a < 0)
        a += rank;
      int64_t step = steps ? (*steps)[i] : 1;
      if (step <= 0)
        return failure();
      int64_t dim = dataType.getDimSize(a);
      int64_t start = (*starts)[i];
      if (start < 0)
        start += dim;
      offsets[a] = std::clamp<int64_t>(start, 0, dim);
      strides[a] = step;
    }
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, type, adaptor.getData(), ValueRange{}, ValueRange{}, ValueRange{},
        offsets, type.getShape(), strides);
    return success();
  }
};

/// Expand: a broadcasting copy to the result shape. Dynamic result sizes
/// are read from the shape operand at run time (the larger of it and the
/// input's size, as broadcasting allows); input dimensions that may
/// broadcast must be static.
struct ExpandLowering : public OpConversionPattern<ExpandOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ExpandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto inType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    auto shapeType = dyn_cast<RankedTensorType>(adaptor.getShape().getType());
    if (!type || !inType || !shapeType || !shapeType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "unranked operands");
    Location loc = op.getLoc();
    int64_t rank = type.getRank(), inRank = inType.getRank();
    int64_t shapeLen = shapeType.getDimSize(0);
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < rank; ++d) {
      if (!type.isDynamicDim(d))
        continue;
      int64_t inDim = d - (rank - inRank), shapeDim = d - (rank - shapeLen);
      if (inDim >= 0 && inType.isDynamicDim(inDim))
        return rewriter.notifyMatchFailure(op, "dynamic input dimension "
                                               "with a run-time target size");
      Value size = rewriter.create<arith::ConstantIndexOp>(loc, 1);
      if (shapeDim >= 0)
        size = rewriter.create<arith::IndexCastOp>(
            loc, rewriter.getIndexType(),
            rewriter.create<tensor::ExtractOp>(
                loc, adaptor.getShape(),
                ValueRange{rewriter.create<arith::ConstantIndexOp>(loc, shapeDim)}));
      if (inDim >= 0)
        size = rewriter.create<arith::MaxSIOp>(
            loc, size, rewriter.create<arith::ConstantIndexOp>(
                           loc, inType.getDimSize(inDim)));
      dynamic.push_back(size);
    }
    Value init = createEmpty(rewriter, loc, type, dynamic);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{adaptor.getInput()}, ValueRange{init},
        SmallVector<AffineMap>{getBroadcastMap(op.getContext(), rank, inType, type),
                               rewriter.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [](OpBuilder &b, Location l, ValueRange args) {
          b.create<linalg::YieldOp>(l, args[0]);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// Shape: the (possibly dynamic) sizes of the input as an i64 tensor.
struct ShapeLowering : public OpConversionPattern<ShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto inType = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!inType || !type || !type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "unranked input");
    auto [start, end] = getShapeOpBounds(op, inType.getRank());
    SmallVector<Value> dims;
    for (int64_t d = start; d < end; ++d)
      dims.push_back(rewriter.create<arith::IndexCastOp>(
          op.getLoc(), rewriter.getI64Type(),
          getDimSize(rewriter, op.getLoc(), adaptor.getData(), d)));
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, type, dims);
    return success();
  }
};

struct ConstantOfShapeLowering : public OpConversionPattern<ConstantOfShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOfShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type)
      return rewriter.notifyMatchFailure(op, "unranked result");
    Attribute element = rewriter.getZeroAttr(type.getElementType());
    if (auto value = op.getValueAttr()) {
      auto dense = dyn_cast<DenseElementsAttr>(value);
      if (!dense || dense.getNumElements() != 1)
        return rewriter.notifyMatchFailure(op, "unsupported value");
      element = dense.bitcast(type.getElementType()).getSplatValue<Attribute>();
    }
    if (type.hasStaticShape()) {
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(
          op, type, DenseElementsAttr::get(type, element));
      return success();
    }
    // Sizes read from the shape operand at run time.
    Location loc = op.getLoc();
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        dynamic.push_back(rewriter.create<arith::IndexCastOp>(
            loc, rewriter.getIndexType(),
            rewriter.create<tensor::ExtractOp>(
                loc, adaptor.getInput(),
                ValueRange{rewriter.create<arith::ConstantIndexOp>(loc, d)})));
    Value value = rewriter.create<arith::ConstantOp>(loc, cast<TypedAttr>(element));
    rewriter.replaceOp(op, rewriter.create<linalg::FillOp>(
                                   loc, value, createEmpty(rewriter, loc, type, dynamic))
                               .getResult(0));
    return success();
  }
};

/// Dropout at inference: the identity (no mask, no training mode).
struct DropoutLowering : public OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isNoValue(op.getTrainingMode())) {
      auto mode = getConstantInts(op.getTrainingMode());
      if (!mode || mode->size() != 1 || mode->front() != 0)
        return rewriter.notifyMatchFailure(op, "training mode");
    }
    Value mask;
    if (isa<NoneType>(op.getMask().getType())) {
      mask = rewriter.create<onnx::NoValueOp>(op.getLoc(), rewriter.getNoneType());
    } else {
      // Outside training every element is kept.
      auto maskType = getRankedResultType(op, 1, *getTypeConverter(), rewriter);
      if (!maskType)
        return failure();
      Value empty = createEmptyLike(rewriter, op.getLoc(), maskType, {adaptor.getData()});
      mask = rewriter
                 .create<linalg::FillOp>(
                     op.getLoc(),
                     rewriter.create<arith::ConstantIntOp>(op.getLoc(), 1, 1).getResult(),
                     empty)
                 .getResult(0);
    }
    rewriter.replaceOp(op, {adaptor.getData(), mask});
    return success();
  }
};

/// Size: the element count as an int64 scalar.
struct SizeLowering : public OpConversionPattern<SizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto inType = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    if (!type || !inType)
      return rewriter.notifyMatchFailure(op, "unranked input");
    Location loc = op.getLoc();
    Value n = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    for (int64_t d = 0; d < inType.getRank(); ++d)
      n = rewriter.create<arith::MulIOp>(loc, n, getDimSize(rewriter, loc, adaptor.getData(), d));
    Value i = rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(), n);
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, type, ValueRange{i});
    return success();
  }
};

/// Split into static parts along an axis.
struct SplitLowering : public OpConversionPattern<SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto inType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!inType)
      return rewriter.notifyMatchFailure(op, "unranked input");
    int64_t rank = inType.getRank();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += rank;
    // Dimensions other than the split axis may be dynamic: the slices take
    // them whole.
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(inType.isDynamicDim(d)
                          ? OpFoldResult(getDimSize(rewriter, op.getLoc(),
                                                    adaptor.getInput(), d))
                          : OpFoldResult(rewriter.getIndexAttr(inType.getDimSize(d))));
    SmallVector<Value> results;
    int64_t offset = 0;
    for (unsigned i = 0; i < op->getNumResults(); ++i) {
      auto type = getRankedResultType(op, i, *getTypeConverter(), rewriter);
      if (!type || type.isDynamicDim(axis))
        return rewriter.notifyMatchFailure(op, "dynamic split size");
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0)),
          strides(rank, rewriter.getIndexAttr(1));
      offsets[axis] = rewriter.getIndexAttr(offset);
      sizes[axis] = rewriter.getIndexAttr(type.getDimSize(axis));
      results.push_back(rewriter.create<tensor::ExtractSliceOp>(
          op.getLoc(), type, adaptor.getInput(), offsets, sizes, strides));
      offset += type.getDimSize(axis);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// GatherElements: out[i...] = data[i... with indices[i...] at axis].
struct GatherElementsLowering : public OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type || !isa<RankedTensorType>(adaptor.getData().getType()))
      return rewriter.notifyMatchFailure(op, "unranked operands");
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += rank;
    Value data = adaptor.getData();
    Value axisSize = getDimSize(rewriter, loc, data, axis);
    Value init = createEmptyLike(rewriter, loc, type, {adaptor.getIndices()});
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{adaptor.getIndices()}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank),
                               rewriter.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value i = b.create<arith::IndexCastOp>(l, b.getIndexType(), args[0]);
          i = wrapNegativeIndex(b, l, i, axisSize);
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d)
            coords.push_back(d == axis ? i : b.create<linalg::IndexOp>(l, d).getResult());
          b.create<linalg::YieldOp>(l, b.create<tensor::ExtractOp>(l, data, coords).getResult());
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// Pad with constant pads: constant mode is tensor.pad; edge and reflect
/// modes read data[clamp(i - low)] or data[reflect(i - low)] per dimension.
struct PadLowering : public OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto inType = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    StringRef mode = op.getMode();
    if (!type || !inType)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    int64_t rank = inType.getRank();
    Location loc = op.getLoc();
    // Pads: constants, or read at run time (non-negative).
    auto pads = getConstantInts(op.getPads());
    if (pads && (static_cast<int64_t>(pads->size()) != 2 * rank ||
                 llvm::any_of(*pads, [](int64_t p) { return p < 0; })))
      return rewriter.notifyMatchFailure(op, "negative pads");
    SmallVector<OpFoldResult> low, high;
    for (int64_t i = 0; i < 2 * rank; ++i) {
      OpFoldResult p;
      if (pads) {
        p = rewriter.getIndexAttr((*pads)[i]);
      } else {
        Value v = rewriter.create<tensor::ExtractOp>(
            loc, adaptor.getPads(), ValueRange{rewriter.create<arith::ConstantIndexOp>(loc, i)});
        p = rewriter.create<arith::IndexCastOp>(loc, rewriter.getIndexType(), v).getResult();
      }
      (i < rank ? low : high).push_back(p);
    }
    if (mode == "constant") {
      Value value;
      if (isNoValue(op.getConstantValue()))
        value = createScalar(rewriter, loc, inType.getElementType(), 0);
      else
        value = rewriter.create<tensor::ExtractOp>(loc, adaptor.getConstantValue(),
                                                   ValueRange{});
      Value padded = rewriter.create<tensor::PadOp>(
          loc, RankedTensorType(), adaptor.getData(), low, high, value);
      if (padded.getType() != type)
        padded = rewriter.create<tensor::CastOp>(loc, type, padded);
      rewriter.replaceOp(op, padded);
      return success();
    }
    if ((mode != "edge" && mode != "reflect") || !inType.hasStaticShape() ||
        !type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "unsupported mode or dynamic shape");
    Value data = adaptor.getData();
    bool reflect = mode == "reflect";
    Value result = generateTensor(
        rewriter, loc, createEmpty(rewriter, loc, type, {}),
        [&](OpBuilder &b, Location l, ValueRange indices) -> Value {
          auto idx = [&](int64_t v) { return b.create<arith::ConstantIndexOp>(l, v).getResult(); };
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d) {
            int64_t n = inType.getDimSize(d);
            Value i = b.create<arith::SubIOp>(
                l, indices[d], getValueOrCreateConstantIndexOp(b, l, low[d]));
            if (reflect && n > 1) {
              // Mirror without repeating the edge: |i| folded into [0, n-1].
              Value period = idx(2 * (n - 1));
              Value a = b.create<math::AbsIOp>(l, b.create<arith::IndexCastOp>(l, b.getI64Type(), i));
              Value m = b.create<arith::RemUIOp>(
                  l, b.create<arith::IndexCastOp>(l, b.getIndexType(), a), period);
              i = b.create<arith::SelectOp>(
                  l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ult, m, idx(n)), m,
                  b.create<arith::SubIOp>(l, period, m));
            } else {
              i = b.create<arith::MinSIOp>(l, b.create<arith::MaxSIOp>(l, i, idx(0)), idx(n - 1));
            }
            coords.push_back(i);
          }
          return b.create<tensor::ExtractOp>(l, data, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Range: out[i] = start + i * delta, n = max(ceil((limit - start) / delta), 0).
struct RangeLowering : public OpConversionPattern<RangeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RangeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type || type.getRank() != 1)
      return rewriter.notifyMatchFailure(op, "unranked result");
    Location loc = op.getLoc();
    Type elt = type.getElementType();
    bool isFloat = isa<FloatType>(elt);
    auto scalar = [&](Value t) {
      return rewriter.create<tensor::ExtractOp>(loc, t, ValueRange{}).getResult();
    };
    Value start = scalar(adaptor.getStart()), limit = scalar(adaptor.getLimit()),
          delta = scalar(adaptor.getDelta());
    SmallVector<Value> dynamic;
    if (type.isDynamicDim(0)) {
      Value n;
      if (isFloat) {
        Value q = rewriter.create<math::CeilOp>(
            loc, rewriter.create<arith::DivFOp>(
                     loc, rewriter.create<arith::SubFOp>(loc, limit, start), delta));
        n = rewriter.create<arith::FPToSIOp>(loc, rewriter.getI64Type(), q);
      } else {
        // ceil((limit - start) / delta) for either sign of delta.
        Value diff = rewriter.create<arith::SubIOp>(loc, limit, start);
        n = rewriter.create<arith::CeilDivSIOp>(loc, diff, delta);
        if (elt.getIntOrFloatBitWidth() < 64)
          n = rewriter.create<arith::ExtSIOp>(loc, rewriter.getI64Type(), n);
      }
      Value zero = rewriter.create<arith::ConstantIntOp>(loc, 0, 64);
      n = rewriter.create<arith::MaxSIOp>(loc, n, zero);
      dynamic.push_back(rewriter.create<arith::IndexCastOp>(loc, rewriter.getIndexType(), n));
    }
    Value result = generateTensor(
        rewriter, loc, createEmpty(rewriter, loc, type, dynamic),
        [&](OpBuilder &b, Location l, ValueRange indices) -> Value {
          Value i = b.create<arith::IndexCastOp>(l, b.getI64Type(), indices[0]);
          Value v;
          if (isFloat) {
            Value f = b.create<arith::SIToFPOp>(l, elt, i);
            v = b.create<arith::AddFOp>(l, start, b.create<arith::MulFOp>(l, f, delta));
          } else {
            Value c = elt.getIntOrFloatBitWidth() == 64
                          ? i
                          : b.create<arith::TruncIOp>(l, elt, i).getResult();
            v = b.create<arith::AddIOp>(l, start, b.create<arith::MulIOp>(l, c, delta));
          }
          return v;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Tile (static shapes): out[i] = in[i mod size].
struct TileLowering : public OpConversionPattern<TileOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TileOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto inType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!type || !inType || !type.hasStaticShape() || !inType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    int64_t rank = type.getRank();
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < rank; ++d)
      exprs.push_back(getAffineDimExpr(d, op.getContext()) % inType.getDimSize(d));
    auto generic = rewriter.create<linalg::GenericOp>(
        op.getLoc(), TypeRange{type}, ValueRange{adaptor.getInput()},
        ValueRange{createEmpty(rewriter, op.getLoc(), type, {})},
        SmallVector<AffineMap>{AffineMap::get(rank, 0, exprs, op.getContext()),
                               rewriter.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [](OpBuilder &b, Location l, ValueRange args) {
          b.create<linalg::YieldOp>(l, args[0]);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// Hardmax: 1 where the index along the axis is the (first) ArgMax.
struct HardmaxLowering : public OpConversionPattern<HardmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(HardmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "unranked or integer operand");
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += rank;
    SmallVector<int64_t> argShape(type.getShape());
    argShape[axis] = 1;
    // ArgMax is created in the onnx dialect; the conversion lowers it next.
    Value argmax = rewriter.create<ArgMaxOp>(
        loc, RankedTensorType::get(argShape, rewriter.getI64Type()), op.getInput(),
        rewriter.getI64IntegerAttr(axis), rewriter.getI64IntegerAttr(1),
        rewriter.getI64IntegerAttr(0));
    auto argType = cast<RankedTensorType>(argmax.getType());
    Type elt = type.getElementType();
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{argmax},
        ValueRange{createEmptyLike(rewriter, loc, type, {adaptor.getInput()})},
        SmallVector<AffineMap>{getBroadcastMap(op.getContext(), rank, argType, type),
                               rewriter.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value i = b.create<arith::IndexCastOp>(l, b.getI64Type(), b.create<linalg::IndexOp>(l, axis));
          Value hit = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, i, args[0]);
          b.create<linalg::YieldOp>(
              l, b.create<arith::SelectOp>(l, hit, createScalar(b, l, elt, 1.0),
                                           createScalar(b, l, elt, 0.0))
                     .getResult());
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// DepthToSpace / SpaceToDepth (static shapes): expand, transpose, collapse.
template <typename OpTy, bool toSpace>
struct BlockRearrangeLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;
  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *this->getTypeConverter(), rewriter);
    auto inType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!type || !inType || !inType.hasStaticShape() || inType.getRank() != 4)
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    Location loc = op.getLoc();
    int64_t b = op.getBlocksize();
    int64_t n = inType.getDimSize(0), c = inType.getDimSize(1),
            h = inType.getDimSize(2), w = inType.getDimSize(3);
    Type elt = inType.getElementType();
    SmallVector<int64_t> expanded, perm;
    SmallVector<ReassociationIndices> expand, collapse;
    if constexpr (toSpace) {
      bool crd = op.getMode() == "CRD";
      expanded = crd ? SmallVector<int64_t>{n, c / (b * b), b, b, h, w}
                     : SmallVector<int64_t>{n, b, b, c / (b * b), h, w};
      perm = crd ? SmallVector<int64_t>{0, 1, 4, 2, 5, 3}
                 : SmallVector<int64_t>{0, 3, 4, 1, 5, 2};
      expand = {{0}, {1, 2, 3}, {4}, {5}};
      collapse = {{0}, {1}, {2, 3}, {4, 5}};
    } else {
      expanded = {n, c, h / b, b, w / b, b};
      perm = {0, 3, 5, 1, 2, 4};
      expand = {{0}, {1}, {2, 3}, {4, 5}};
      collapse = {{0}, {1, 2, 3}, {4}, {5}};
    }
    Value e = rewriter.create<tensor::ExpandShapeOp>(
        loc, RankedTensorType::get(expanded, elt), adaptor.getInput(), expand);
    SmallVector<int64_t> transposed;
    for (int64_t p : perm)
      transposed.push_back(expanded[p]);
    Value t = rewriter
                  .create<linalg::TransposeOp>(
                      loc, e, createEmpty(rewriter, loc, RankedTensorType::get(transposed, elt), {}),
                      perm)
                  .getResult()[0];
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, type, t, collapse);
    return success();
  }
};

/// EyeLike: ones on the k-th diagonal.
struct EyeLikeLowering : public OpConversionPattern<EyeLikeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(EyeLikeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type || type.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "not a matrix");
    int64_t k = op.getK();
    Type elt = type.getElementType();
    Value result = generateTensor(
        rewriter, op.getLoc(),
        createEmptyLike(rewriter, op.getLoc(), type, {adaptor.getInput()}),
        [&](OpBuilder &b, Location l, ValueRange indices) -> Value {
          Value i = indices[0], j = indices[1];
          Value hit = b.create<arith::CmpIOp>(
              l, arith::CmpIPredicate::eq,
              b.create<arith::AddIOp>(l, i, b.create<arith::ConstantIndexOp>(l, k)), j);
          Value one = elt.isInteger(1) ? b.create<arith::ConstantIntOp>(l, 1, 1).getResult()
                                       : createScalar(b, l, elt, 1.0);
          Value zero = elt.isInteger(1) ? b.create<arith::ConstantIntOp>(l, 0, 1).getResult()
                                        : createScalar(b, l, elt, 0.0);
          return b.create<arith::SelectOp>(l, hit, one, zero);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// OneHot: values[1] where the (wrapped) index equals the position along
/// the new axis, values[0] elsewhere.
struct OneHotLowering : public OpConversionPattern<OneHotOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OneHotOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto indexType = dyn_cast<RankedTensorType>(adaptor.getIndices().getType());
    if (!type || !indexType || !type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic result");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    int64_t rank = type.getRank();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += rank;
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis)
        exprs.push_back(getAffineDimExpr(d, ctx));
    Type onnxIndex = cast<ShapedType>(op.getIndices().getType()).getElementType();
    Type onnxDepth = cast<ShapedType>(op.getDepth().getType()).getElementType();
    Value values = adaptor.getValues();
    Value depth = rewriter.create<tensor::ExtractOp>(
        loc, adaptor.getDepth(),
        SmallVector<Value>(cast<RankedTensorType>(adaptor.getDepth().getType()).getRank(),
                           rewriter.create<arith::ConstantIndexOp>(loc, 0)));
    Type i64 = rewriter.getI64Type();
    Value depth64 = castScalar(rewriter, loc, depth, onnxDepth, i64);
    Value off = rewriter.create<tensor::ExtractOp>(
        loc, values, ValueRange{rewriter.create<arith::ConstantIndexOp>(loc, 0)});
    Value on = rewriter.create<tensor::ExtractOp>(
        loc, values, ValueRange{rewriter.create<arith::ConstantIndexOp>(loc, 1)});
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{adaptor.getIndices()},
        ValueRange{createEmpty(rewriter, loc, type, {})},
        SmallVector<AffineMap>{AffineMap::get(rank, 0, exprs, ctx),
                               rewriter.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value idx = wrapNegativeIndex(
              b, l, castScalar(b, l, args[0], onnxIndex, i64), depth64);
          Value pos = b.create<arith::IndexCastOp>(l, i64, b.create<linalg::IndexOp>(l, axis));
          Value hit = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, idx, pos);
          b.create<linalg::YieldOp>(l, b.create<arith::SelectOp>(l, hit, on, off).getResult());
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// Hann, Hamming and Blackman windows: a cosine series in n over the
/// (static) output length; N is the length when periodic, length - 1
/// otherwise.
template <typename OpTy>
struct WindowLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;
  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *this->getTypeConverter(), rewriter);
    if (!type || !type.hasStaticShape() || type.getRank() != 1 ||
        !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "dynamic or integer window");
    int64_t length = type.getDimSize(0);
    double n = op.getPeriodic() ? length : length - 1;
    // Coefficients of 1, cos(2 pi k / N), cos(4 pi k / N).
    double a0, a1, a2 = 0;
    if constexpr (std::is_same_v<OpTy, HannWindowOp>) {
      a0 = 0.5, a1 = -0.5;
    } else if constexpr (std::is_same_v<OpTy, HammingWindowOp>) {
      a0 = 25.0 / 46, a1 = -21.0 / 46;
    } else {
      a0 = 0.42, a1 = -0.5, a2 = 0.08;
    }
    Type elt = type.getElementType();
    Value result = generateTensor(
        rewriter, op.getLoc(), createEmpty(rewriter, op.getLoc(), type, {}),
        [&](OpBuilder &b, Location l, ValueRange indices) -> Value {
          Type f64 = b.getF64Type();
          Value k = b.create<arith::SIToFPOp>(
              l, f64, b.create<arith::IndexCastOp>(l, b.getI64Type(), indices[0]));
          Value angle = b.create<arith::MulFOp>(l, k, createScalar(b, l, f64, 2 * M_PI / n));
          Value v = b.create<arith::AddFOp>(
              l, createScalar(b, l, f64, a0),
              b.create<arith::MulFOp>(l, createScalar(b, l, f64, a1), b.create<math::CosOp>(l, angle)));
          if (a2 != 0)
            v = b.create<arith::AddFOp>(
                l, v,
                b.create<arith::MulFOp>(
                    l, createScalar(b, l, f64, a2),
                    b.create<math::CosOp>(l, b.create<arith::MulFOp>(l, angle, createScalar(b, l, f64, 2)))));
          return castScalar(b, l, v, f64, elt);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// ReverseSequence: out[..t..b..] = in[..len[b]-1-t..b..] for t < len[b].
struct ReverseSequenceLowering : public OpConversionPattern<ReverseSequenceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReverseSequenceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type)
      return failure();
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    int64_t batchAxis = op.getBatchAxis(), timeAxis = op.getTimeAxis();
    Value input = adaptor.getInput(), lens = adaptor.getSequenceLens();
    Value result = generateTensor(
        rewriter, loc, createEmptyLike(rewriter, loc, type, {input}),
        [&](OpBuilder &b, Location l, ValueRange indices) -> Value {
          SmallVector<Value> coords(indices);
          Value len = b.create<arith::IndexCastOp>(
              l, b.getIndexType(),
              b.create<tensor::ExtractOp>(l, lens, ValueRange{coords[batchAxis]}));
          Value t = coords[timeAxis];
          Value inside = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, t, len);
          Value reversed = b.create<arith::SubIOp>(
              l, b.create<arith::SubIOp>(l, len, b.create<arith::ConstantIndexOp>(l, 1)), t);
          coords[timeAxis] = b.create<arith::SelectOp>(l, inside, reversed, t);
          return b.create<tensor::ExtractOp>(l, input, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// GatherND: out[b..., i..., r...] = data[b..., indices[b..., i..., :], r...].
struct GatherNDLowering : public OpConversionPattern<GatherNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto dataType = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto indexType = dyn_cast<RankedTensorType>(adaptor.getIndices().getType());
    if (!type || !dataType || !indexType || !type.hasStaticShape() ||
        indexType.isDynamicDim(indexType.getRank() - 1))
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    Location loc = op.getLoc();
    int64_t rank = type.getRank(), batch = op.getBatchDims();
    int64_t q = indexType.getRank(), k = indexType.getDimSize(q - 1);
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    Value result = generateTensor(
        rewriter, loc, createEmpty(rewriter, loc, type, {}),
        [&](OpBuilder &b, Location l, ValueRange outIdx) -> Value {
          // Output dims: batch (b), then the index dims (q - 1 - b), then
          // the rest of data.
          SmallVector<Value> coords(outIdx.begin(), outIdx.begin() + batch);
          for (int64_t j = 0; j < k; ++j) {
            SmallVector<Value> at(outIdx.begin(), outIdx.begin() + (q - 1));
            at.push_back(b.create<arith::ConstantIndexOp>(l, j));
            Value i = b.create<arith::IndexCastOp>(
                l, b.getIndexType(), b.create<tensor::ExtractOp>(l, indices, at));
            i = wrapNegativeIndex(b, l, i, getDimSize(b, l, data, batch + j));
            coords.push_back(i);
          }
          for (int64_t d = q - 1; d < rank; ++d)
            coords.push_back(outIdx[d]);
          return b.create<tensor::ExtractOp>(l, data, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateTensorPatterns(const TypeConverter &tc,
                            RewritePatternSet &patterns) {
  patterns.add<IdentityLowering, ConstantLowering,
               ReshapeLikeLowering<ReshapeOp>, ReshapeLikeLowering<FlattenOp>,
               ReshapeLikeLowering<SqueezeOp>, ReshapeLikeLowering<UnsqueezeOp>,
               TransposeLowering, ConcatLowering, GatherLowering, SliceLowering,
               ExpandLowering, ShapeLowering, ConstantOfShapeLowering,
               DropoutLowering, SizeLowering, SplitLowering,
               GatherElementsLowering, PadLowering, RangeLowering,
               TileLowering, HardmaxLowering,
               BlockRearrangeLowering<DepthToSpaceOp, true>,
               BlockRearrangeLowering<SpaceToDepthOp, false>,
               ConstantV1Lowering, EyeLikeLowering, OneHotLowering,
               WindowLowering<HannWindowOp>, WindowLowering<HammingWindowOp>,
               WindowLowering<BlackmanWindowOp>, ReverseSequenceLowering,
               GatherNDLowering>(
      tc, patterns.getContext());
}

} // namespace fulcrum::lowering
