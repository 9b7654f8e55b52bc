//===- Indexing.cpp - Lowering of gathers and indexing
//----------------------===//
//
// Part of Fulcrum. Gather, GatherElements, GatherND, Hardmax,
// OneHot and ReverseSequence: generics that compute the indices they read
// or write (negative indices wrap).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

/// A Gather of one constant scalar index (q/k/v = Gather(qkv, 0/1/2) in
/// exported attention, for example) as a rank-reducing
/// tensor.extract_slice at that index: bufferized, a view of `data` that
/// kernels read in place, not a copy made by a loop of tensor.extract. Null
/// when the index is not a constant scalar or a negative one cannot be
/// wrapped at compile time (or is out of range: the generic form reports
/// nothing either, so both read what they read).
Value sliceAtConstantIndex(OpBuilder &b, Location loc, Value data,
                           Value indices, int64_t axis, RankedTensorType type) {
  auto dataType = cast<RankedTensorType>(data.getType());
  DenseIntElementsAttr value;
  if (cast<RankedTensorType>(indices.getType()).getRank() != 0 ||
      !matchPattern(indices, m_Constant(&value)))
    return nullptr;
  int64_t index = (*value.begin()).getSExtValue();
  int64_t size = dataType.getDimSize(axis);
  if (index < 0 && !ShapedType::isDynamic(size))
    index += size;
  if (index < 0 || (!ShapedType::isDynamic(size) && index >= size))
    return nullptr;
  SmallVector<OpFoldResult> offsets(dataType.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes,
      strides(dataType.getRank(), b.getIndexAttr(1));
  offsets[axis] = b.getIndexAttr(index);
  for (int64_t d = 0; d < dataType.getRank(); ++d)
    sizes.push_back(d == axis ? b.getIndexAttr(1)
                              : getAsOpFoldResult(getDimSize(b, loc, data, d)));
  auto sliceType = tensor::ExtractSliceOp::inferCanonicalRankReducedResultType(
      type.getRank(), dataType, offsets, sizes, strides);
  Value slice = b.create<tensor::ExtractSliceOp>(
      loc, cast<RankedTensorType>(sliceType), data, offsets, sizes, strides);
  if (slice.getType() != type)
    slice = b.create<tensor::CastOp>(loc, type, slice);
  return slice;
}

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
    if (Value slice = sliceAtConstantIndex(rewriter, loc, adaptor.getData(),
                                           adaptor.getIndices(), axis, type)) {
      rewriter.replaceOp(op, slice);
      return success();
    }
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
        dynamic.push_back(
            getDimSize(rewriter, loc, adaptor.getIndices(), d - axis));
      else
        dynamic.push_back(
            getDimSize(rewriter, loc, adaptor.getData(), d - q + 1));
    }
    Value init = createEmpty(rewriter, loc, type, dynamic);
    Value axisSize = getDimSize(rewriter, loc, adaptor.getData(), axis);
    Value data = adaptor.getData();
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{adaptor.getIndices()},
        ValueRange{init},
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
          b.create<linalg::YieldOp>(
              l, b.create<tensor::ExtractOp>(l, data, coords).getResult());
        });
    rewriter.replaceOp(op, generic.getResults());
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
        loc, TypeRange{type}, ValueRange{adaptor.getIndices()},
        ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank),
                               rewriter.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value i = b.create<arith::IndexCastOp>(l, b.getIndexType(), args[0]);
          i = wrapNegativeIndex(b, l, i, axisSize);
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d)
            coords.push_back(
                d == axis ? i : b.create<linalg::IndexOp>(l, d).getResult());
          b.create<linalg::YieldOp>(
              l, b.create<tensor::ExtractOp>(l, data, coords).getResult());
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
        loc, RankedTensorType::get(argShape, rewriter.getI64Type()),
        op.getInput(), rewriter.getI64IntegerAttr(axis),
        rewriter.getI64IntegerAttr(1), rewriter.getI64IntegerAttr(0));
    auto argType = cast<RankedTensorType>(argmax.getType());
    Type elt = type.getElementType();
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{argmax},
        ValueRange{createEmptyLike(rewriter, loc, type, {adaptor.getInput()})},
        SmallVector<AffineMap>{
            getBroadcastMap(op.getContext(), rank, argType, type),
            rewriter.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value i = b.create<arith::IndexCastOp>(
              l, b.getI64Type(), b.create<linalg::IndexOp>(l, axis));
          Value hit =
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, i, args[0]);
          b.create<linalg::YieldOp>(
              l, b.create<arith::SelectOp>(l, hit, createScalar(b, l, elt, 1.0),
                                           createScalar(b, l, elt, 0.0))
                     .getResult());
        });
    rewriter.replaceOp(op, generic.getResults());
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
    Type onnxIndex =
        cast<ShapedType>(op.getIndices().getType()).getElementType();
    Type onnxDepth = cast<ShapedType>(op.getDepth().getType()).getElementType();
    Value values = adaptor.getValues();
    Value depth = rewriter.create<tensor::ExtractOp>(
        loc, adaptor.getDepth(),
        SmallVector<Value>(
            cast<RankedTensorType>(adaptor.getDepth().getType()).getRank(),
            rewriter.create<arith::ConstantIndexOp>(loc, 0)));
    Type i64 = rewriter.getI64Type();
    Value depth64 = castScalar(rewriter, loc, depth, onnxDepth, i64);
    Value off = rewriter.create<tensor::ExtractOp>(
        loc, values,
        ValueRange{rewriter.create<arith::ConstantIndexOp>(loc, 0)});
    Value on = rewriter.create<tensor::ExtractOp>(
        loc, values,
        ValueRange{rewriter.create<arith::ConstantIndexOp>(loc, 1)});
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{adaptor.getIndices()},
        ValueRange{createEmpty(rewriter, loc, type, {})},
        SmallVector<AffineMap>{AffineMap::get(rank, 0, exprs, ctx),
                               rewriter.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value idx = wrapNegativeIndex(
              b, l, castScalar(b, l, args[0], onnxIndex, i64), depth64);
          Value pos = b.create<arith::IndexCastOp>(
              l, i64, b.create<linalg::IndexOp>(l, axis));
          Value hit =
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, idx, pos);
          b.create<linalg::YieldOp>(
              l, b.create<arith::SelectOp>(l, hit, on, off).getResult());
        });
    rewriter.replaceOp(op, generic.getResults());
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
    // The specification allows axes 0 and 1 only (libonnx does not check).
    if (rank < 2 || batchAxis < 0 || batchAxis > 1 || timeAxis < 0 ||
        timeAxis > 1 || batchAxis == timeAxis)
      return rewriter.notifyMatchFailure(
          op, "batch_axis and time_axis must be 0 and 1, of rank >= 2");
    Value input = adaptor.getInput(), lens = adaptor.getSequenceLens();
    Value result = generateTensor(
        rewriter, loc, createEmptyLike(rewriter, loc, type, {input}),
        [&](OpBuilder &b, Location l, ValueRange indices) -> Value {
          SmallVector<Value> coords(indices);
          Value len = b.create<arith::IndexCastOp>(
              l, b.getIndexType(),
              b.create<tensor::ExtractOp>(l, lens,
                                          ValueRange{coords[batchAxis]}));
          Value t = coords[timeAxis];
          Value inside =
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, t, len);
          Value reversed = b.create<arith::SubIOp>(
              l,
              b.create<arith::SubIOp>(l, len,
                                      b.create<arith::ConstantIndexOp>(l, 1)),
              t);
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
                l, b.getIndexType(),
                b.create<tensor::ExtractOp>(l, indices, at));
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

void populateIndexingPatterns(const TypeConverter &tc,
                              RewritePatternSet &patterns) {
  patterns.add<GatherLowering, GatherElementsLowering, GatherNDLowering,
               HardmaxLowering, OneHotLowering, ReverseSequenceLowering>(
      tc, patterns.getContext());
}

} // namespace fulcrum::lowering
