//===- Shape.cpp - Lowering of shape and layout ops
//-------------------------===//
//
// Part of Fulcrum. Identity, Reshape, Flatten, Squeeze, Unsqueeze,
// Transpose, Expand, Shape, Size, Dropout, Tile, DepthToSpace
// and SpaceToDepth: the data is reshaped, permuted or copied.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

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

/// Any reshape whose result type is static, or whose dynamic dimensions
/// come from a (collapse|expand)-compatible source, through tensor.reshape
/// with a shape computed at run time.
Value reshapeTo(OpBuilder &b, Location loc, Value input,
                RankedTensorType resultType, ValueRange dynamicSizes) {
  SmallVector<Value> dims;
  unsigned next = 0;
  for (int64_t d = 0; d < resultType.getRank(); ++d)
    dims.push_back(
        resultType.isDynamicDim(d)
            ? b.create<arith::IndexCastOp>(loc, b.getI64Type(),
                                           dynamicSizes[next++])
                  .getResult()
            : b.create<arith::ConstantIntOp>(loc, resultType.getDimSize(d), 64)
                  .getResult());
  // The explicit type covers rank-0 results (no dimensions to infer it).
  Value shape = b.create<tensor::FromElementsOp>(
      loc, RankedTensorType::get({resultType.getRank()}, b.getI64Type()), dims);
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
      loc, total,
      b.create<arith::ConstantIndexOp>(loc, std::max<int64_t>(known, 1))));
  return sizes;
}

/// The dynamic result sizes of Squeeze and Unsqueeze, which only remove or
/// insert dimensions of size 1: the other dimensions pair up in order, and
/// a dynamic result dimension takes the size of its input dimension.
FailureOr<SmallVector<Value>> alignedReshapeSizes(OpBuilder &b, Location loc,
                                                  Value input,
                                                  RankedTensorType resultType) {
  auto inType = cast<RankedTensorType>(input.getType());
  auto kept = [](RankedTensorType t) {
    SmallVector<int64_t> dims;
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (t.isDynamicDim(d) || t.getDimSize(d) != 1)
        dims.push_back(d);
    return dims;
  };
  SmallVector<int64_t> in = kept(inType), out = kept(resultType);
  if (in.size() != out.size())
    return failure();
  SmallVector<Value> sizes;
  for (auto [i, o] : llvm::zip(in, out)) {
    int64_t a = inType.getDimSize(i), r = resultType.getDimSize(o);
    if (!ShapedType::isDynamic(a) && !ShapedType::isDynamic(r) && a != r)
      return failure();
    if (ShapedType::isDynamic(r))
      sizes.push_back(getDimSize(b, loc, input, i));
  }
  return sizes;
}

/// The dynamic result sizes of a Reshape read from its shape operand at
/// run time: 0 copies the input's size (unless allowzero), -1 is the
/// element count over the product of the others.
FailureOr<SmallVector<Value>> readReshapeSizes(OpBuilder &b, Location loc,
                                               Value input, Value shape,
                                               RankedTensorType resultType,
                                               bool allowZero) {
  auto shapeType = dyn_cast<RankedTensorType>(shape.getType());
  auto inType = cast<RankedTensorType>(input.getType());
  int64_t rank = resultType.getRank();
  if (!shapeType || shapeType.getRank() != 1 || shapeType.getDimSize(0) != rank)
    return failure();
  Type i64 = b.getI64Type();
  auto constant = [&](int64_t v) {
    return b.create<arith::ConstantIntOp>(loc, v, i64).getResult();
  };
  Value total = constant(1);
  for (int64_t d = 0; d < inType.getRank(); ++d)
    total = b.create<arith::MulIOp>(
        loc, total,
        b.create<arith::IndexCastOp>(loc, i64, getDimSize(b, loc, input, d)));
  SmallVector<Value> values;
  Value known = constant(1);
  for (int64_t d = 0; d < rank; ++d) {
    Value v = b.create<tensor::ExtractOp>(
        loc, shape, ValueRange{b.create<arith::ConstantIndexOp>(loc, d)});
    if (!allowZero && d < inType.getRank()) {
      Value isZero = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, v,
                                             constant(0));
      Value inDim =
          b.create<arith::IndexCastOp>(loc, i64, getDimSize(b, loc, input, d));
      v = b.create<arith::SelectOp>(loc, isZero, inDim, v);
    }
    Value isInferred =
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, v, constant(-1));
    known = b.create<arith::MulIOp>(
        loc, known, b.create<arith::SelectOp>(loc, isInferred, constant(1), v));
    values.push_back(v);
  }
  Value inferred = b.create<arith::DivUIOp>(
      loc, total, b.create<arith::MaxSIOp>(loc, known, constant(1)));
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < rank; ++d) {
    if (!resultType.isDynamicDim(d))
      continue;
    Value isInferred = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq,
                                               values[d], constant(-1));
    Value v = b.create<arith::SelectOp>(loc, isInferred, inferred, values[d]);
    sizes.push_back(b.create<arith::IndexCastOp>(loc, b.getIndexType(), v));
  }
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
    if constexpr (std::is_same_v<OpTy, ReshapeOp>) {
      if (failed(sizes))
        sizes =
            readReshapeSizes(rewriter, op.getLoc(), input, adaptor.getShape(),
                             type, op.getAllowzero() != 0);
    } else if constexpr (!std::is_same_v<OpTy, FlattenOp>) {
      if (failed(sizes))
        sizes = alignedReshapeSizes(rewriter, op.getLoc(), input, type);
    }
    if (failed(sizes))
      return rewriter.notifyMatchFailure(op, "more than one dynamic result "
                                             "dimension");
    rewriter.replaceOp(op,
                       reshapeTo(rewriter, op.getLoc(), input, type, *sizes));
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
        dynamic.push_back(
            getDimSize(rewriter, op.getLoc(), adaptor.getData(), perm[d]));
    Value init = createEmpty(rewriter, op.getLoc(), type, dynamic);
    auto t = rewriter.create<linalg::TransposeOp>(
        op.getLoc(), adaptor.getData(), init, perm);
    rewriter.replaceOp(op, t.getResults());
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
                ValueRange{
                    rewriter.create<arith::ConstantIndexOp>(loc, shapeDim)}));
      if (inDim >= 0)
        size = rewriter.create<arith::MaxSIOp>(
            loc, size,
            rewriter.create<arith::ConstantIndexOp>(loc,
                                                    inType.getDimSize(inDim)));
      dynamic.push_back(size);
    }
    Value init = createEmpty(rewriter, loc, type, dynamic);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{adaptor.getInput()}, ValueRange{init},
        SmallVector<AffineMap>{
            getBroadcastMap(op.getContext(), rank, inType, type),
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

/// Dropout in training mode (or with a training_mode read at run time):
/// element i is kept when u(i) >= ratio, u(i) in [0, 1) from a counter-based
/// hash (splitmix64) of the seed attribute and i, so runs are
/// deterministic; kept elements are scaled by 1 / (1 - ratio). Outside
/// training the output is the data and the mask all true.
LogicalResult lowerTrainingDropout(DropoutOp op, DropoutOp::Adaptor adaptor,
                                   const TypeConverter &tc,
                                   ConversionPatternRewriter &rewriter) {
  auto type = getRankedResultType(op, 0, tc, rewriter);
  if (!type || !isa<FloatType>(type.getElementType()))
    return rewriter.notifyMatchFailure(op, "unranked operands");
  RankedTensorType maskType;
  if (!isa<NoneType>(op.getMask().getType())) {
    maskType = getRankedResultType(op, 1, tc, rewriter);
    if (!maskType)
      return failure();
  }
  Location loc = op.getLoc();
  Type elt = type.getElementType();
  Value data = adaptor.getData();
  Value ratio =
      isNoValue(op.getRatio())
          ? createScalar(rewriter, loc, elt, 0.5)
          : castScalar(
                rewriter, loc,
                readFirstElement(rewriter, loc, adaptor.getRatio()),
                cast<ShapedType>(op.getRatio().getType()).getElementType(),
                elt);
  Value training = readFirstElement(rewriter, loc, adaptor.getTrainingMode());
  Value scale = rewriter.create<arith::DivFOp>(
      loc, createScalar(rewriter, loc, elt, 1.0),
      rewriter.create<arith::SubFOp>(loc, createScalar(rewriter, loc, elt, 1.0),
                                     ratio));
  uint64_t seed = static_cast<uint64_t>(op.getSeed().value_or(0));
  int64_t rank = type.getRank();
  SmallVector<Value> outs{createEmptyLike(rewriter, loc, type, {data})};
  SmallVector<Type> outTypes{type};
  if (maskType) {
    outs.push_back(createEmptyLike(rewriter, loc, maskType, {data}));
    outTypes.push_back(maskType);
  }
  SmallVector<AffineMap> maps(1 + outs.size(),
                              rewriter.getMultiDimIdentityMap(rank));
  auto generic = rewriter.create<linalg::GenericOp>(
      loc, outTypes, ValueRange{data}, outs, maps,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value u =
            hashUniform(b, l, linearPosition(b, l, data, rank), seed, elt);
        Value keep = b.create<arith::OrIOp>(
            l,
            b.create<arith::XOrIOp>(l, training,
                                    b.create<arith::ConstantIntOp>(l, 1, 1)),
            b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGE, u, ratio));
        Value scaled = b.create<arith::SelectOp>(
            l, training, b.create<arith::MulFOp>(l, args[0], scale), args[0]);
        SmallVector<Value> yields{b.create<arith::SelectOp>(
            l, keep, scaled, createScalar(b, l, elt, 0.0))};
        if (maskType)
          yields.push_back(keep);
        b.create<linalg::YieldOp>(l, yields);
      });
  SmallVector<Value> results{generic.getResult(0)};
  results.push_back(
      maskType ? generic.getResult(1)
               : rewriter.create<onnx::NoValueOp>(loc, rewriter.getNoneType())
                     .getResult());
  rewriter.replaceOp(op, results);
  return success();
}

/// Dropout at inference: the identity (no mask, no training mode).
struct DropoutLowering : public OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isNoValue(op.getTrainingMode())) {
      auto mode = getConstantInts(op.getTrainingMode());
      if (!mode || mode->size() != 1 || mode->front() != 0)
        return lowerTrainingDropout(op, adaptor, *getTypeConverter(), rewriter);
    }
    Value mask;
    if (isa<NoneType>(op.getMask().getType())) {
      mask =
          rewriter.create<onnx::NoValueOp>(op.getLoc(), rewriter.getNoneType());
    } else {
      // Outside training every element is kept.
      auto maskType = getRankedResultType(op, 1, *getTypeConverter(), rewriter);
      if (!maskType)
        return failure();
      Value empty =
          createEmptyLike(rewriter, op.getLoc(), maskType, {adaptor.getData()});
      mask = rewriter
                 .create<linalg::FillOp>(
                     op.getLoc(),
                     rewriter.create<arith::ConstantIntOp>(op.getLoc(), 1, 1)
                         .getResult(),
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
      n = rewriter.create<arith::MulIOp>(
          loc, n, getDimSize(rewriter, loc, adaptor.getData(), d));
    Value i =
        rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(), n);
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, type,
                                                        ValueRange{i});
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
      exprs.push_back(getAffineDimExpr(d, op.getContext()) %
                      inType.getDimSize(d));
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
                      loc, e,
                      createEmpty(rewriter, loc,
                                  RankedTensorType::get(transposed, elt), {}),
                      perm)
                  .getResult()[0];
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, type, t, collapse);
    return success();
  }
};

} // namespace

void populateShapePatterns(const TypeConverter &tc,
                           RewritePatternSet &patterns) {
  patterns.add<IdentityLowering, ReshapeLikeLowering<ReshapeOp>,
               ReshapeLikeLowering<FlattenOp>, ReshapeLikeLowering<SqueezeOp>,
               ReshapeLikeLowering<UnsqueezeOp>, TransposeLowering,
               ExpandLowering, ShapeLowering, DropoutLowering, SizeLowering,
               TileLowering, BlockRearrangeLowering<DepthToSpaceOp, true>,
               BlockRearrangeLowering<SpaceToDepthOp, false>>(
      tc, patterns.getContext());
}

} // namespace fulcrum::lowering
