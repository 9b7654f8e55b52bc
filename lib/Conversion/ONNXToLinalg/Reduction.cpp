//===- Reduction.cpp - Lowering of Reduce* and ArgMax/ArgMin --------------===//
//
// Part of Fulcrum. Every Reduce* operator is one `linalg.generic` reduction
// (an element transform, a combiner, an initial value and a final
// transform) into a tensor without the reduced dimensions, expanded back to
// size 1 when keepdims is set. ArgMax/ArgMin carry the best value and its
// index through a two-result reduction.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <limits>

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

/// The normalized, sorted axes to reduce, or std::nullopt when they are not
/// known at compile time. An empty list means "all" unless `noopIfEmpty`,
/// in which case it means "none".
std::optional<SmallVector<int64_t>> reductionAxes(Operation *op, int64_t rank,
                                                  bool noopIfEmpty) {
  SmallVector<int64_t> axes;
  if (auto attr = op->getAttrOfType<DenseI64ArrayAttr>("axes")) {
    axes.assign(attr.asArrayRef().begin(), attr.asArrayRef().end());
  } else if (op->getNumOperands() > 1 && !isNoValue(op->getOperand(1))) {
    auto values = getConstantInts(op->getOperand(1));
    if (!values)
      return std::nullopt;
    axes = *values;
  }
  if (axes.empty() && !noopIfEmpty)
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  for (int64_t &a : axes)
    if (a < 0)
      a += rank;
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

/// Axes read at run time, recovered from static shapes with keepdims: a
/// dimension is reduced when the result has size 1 there (reducing a
/// dimension of size 1 changes nothing, so the choice is exact).
std::optional<SmallVector<int64_t>> axesFromShapes(Operation *op,
                                                   RankedTensorType in,
                                                   RankedTensorType out) {
  auto keep = op->getAttrOfType<IntegerAttr>("keepdims");
  if (!keep || keep.getInt() == 0 || !in.hasStaticShape() ||
      !out.hasStaticShape() || in.getRank() != out.getRank())
    return std::nullopt;
  SmallVector<int64_t> axes;
  for (int64_t d = 0; d < in.getRank(); ++d) {
    if (out.getDimSize(d) == in.getDimSize(d))
      continue;
    if (out.getDimSize(d) != 1)
      return std::nullopt;
    axes.push_back(d);
  }
  return axes;
}

/// Expands `reduced` (without the reduced dims) to `resultType` (keepdims).
Value expandKeptDims(OpBuilder &b, Location loc, Value reduced,
                     RankedTensorType resultType, ArrayRef<bool> isReduced) {
  if (cast<RankedTensorType>(reduced.getType()) == resultType)
    return reduced;
  SmallVector<ReassociationIndices> reassoc;
  SmallVector<int64_t> pendingLeading;
  for (int64_t d = 0; d < static_cast<int64_t>(isReduced.size()); ++d) {
    if (!isReduced[d]) {
      reassoc.push_back(ReassociationIndices(pendingLeading.begin(),
                                             pendingLeading.end()));
      reassoc.back().push_back(d);
      pendingLeading.clear();
    } else if (reassoc.empty()) {
      pendingLeading.push_back(d);
    } else {
      reassoc.back().push_back(d);
    }
  }
  return b.create<tensor::ExpandShapeOp>(loc, resultType, reduced, reassoc);
}

/// The identity of max (`max`) or min reductions for an element type:
/// -inf/+inf for floats, the extreme integers otherwise.
TypedAttr extremeValue(Builder &b, Type elt, bool isUnsigned, bool max) {
  if (auto f = dyn_cast<FloatType>(elt))
    return b.getFloatAttr(f, APFloat::getInf(f.getFloatSemantics(),
                                             /*Negative=*/max));
  unsigned w = elt.getIntOrFloatBitWidth();
  APInt v = isUnsigned ? (max ? APInt::getMinValue(w) : APInt::getMaxValue(w))
                       : (max ? APInt::getSignedMinValue(w)
                              : APInt::getSignedMaxValue(w));
  return b.getIntegerAttr(elt, v);
}

enum class Kind { Sum, Mean, Max, Min, Prod, SumSquare, L1, L2, LogSum, LogSumExp };

template <typename OpTy, Kind kind>
struct ReduceLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType =
        getRankedResultType(op, 0, *this->getTypeConverter(), rewriter);
    Value x = adaptor.getOperands()[0];
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    if (!resultType || !xType)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    Location loc = op.getLoc();
    int64_t rank = xType.getRank();
    bool noop = false;
    if (auto attr = op->template getAttrOfType<IntegerAttr>("noop_with_empty_axes"))
      noop = attr.getInt() != 0;
    auto axes = reductionAxes(op, rank, noop);
    if (!axes)
      axes = axesFromShapes(op, xType, resultType);
    if (!axes)
      return rewriter.notifyMatchFailure(op, "axes are not constant");
    Type elt = xType.getElementType();
    Type onnxElt = cast<ShapedType>(op->getOperand(0).getType()).getElementType();
    bool isFloat = isa<FloatType>(elt);
    bool isUnsigned = onnxElt.isUnsignedInteger();
    if (!isFloat && (kind == Kind::Mean || kind == Kind::L2 ||
                     kind == Kind::LogSum || kind == Kind::LogSumExp))
      return rewriter.notifyMatchFailure(op, "integer operand");

    SmallVector<bool> isReduced(rank, false);
    for (int64_t a : *axes)
      isReduced[a] = true;
    SmallVector<int64_t> shape;
    SmallVector<Value> dynamic;
    SmallVector<AffineExpr> outExprs;
    SmallVector<utils::IteratorType> iterators;
    MLIRContext *ctx = op.getContext();
    for (int64_t d = 0; d < rank; ++d) {
      iterators.push_back(isReduced[d] ? utils::IteratorType::reduction
                                       : utils::IteratorType::parallel);
      if (isReduced[d])
        continue;
      shape.push_back(xType.getDimSize(d));
      if (xType.isDynamicDim(d))
        dynamic.push_back(getDimSize(rewriter, loc, x, d));
      outExprs.push_back(getAffineDimExpr(d, ctx));
    }
    auto reducedType = RankedTensorType::get(shape, elt);

    // Initial value.
    TypedAttr init;
    if (kind == Kind::Max || kind == Kind::Min) {
      init = extremeValue(rewriter, elt, isUnsigned, kind == Kind::Max);
    } else {
      double v = kind == Kind::Prod ? 1.0 : 0.0;
      init = isFloat ? TypedAttr(rewriter.getFloatAttr(elt, v))
                     : TypedAttr(rewriter.getIntegerAttr(elt, static_cast<int64_t>(v)));
    }
    Value initValue = rewriter.create<arith::ConstantOp>(loc, init);
    Value acc = rewriter
                    .create<linalg::FillOp>(loc, initValue,
                                            createEmpty(rewriter, loc, reducedType, dynamic))
                    .getResult(0);
    Value reduced =
        rewriter
            .create<linalg::GenericOp>(
                loc, TypeRange{reducedType}, ValueRange{x}, ValueRange{acc},
                SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank),
                                       AffineMap::get(rank, 0, outExprs, ctx)},
                iterators,
                [&](OpBuilder &b, Location l, ValueRange args) {
                  Value v = args[0], a = args[1];
                  auto mul = [&](Value p, Value q) -> Value {
                    return isFloat ? b.create<arith::MulFOp>(l, p, q).getResult()
                                   : b.create<arith::MulIOp>(l, p, q).getResult();
                  };
                  auto add = [&](Value p, Value q) -> Value {
                    return isFloat ? b.create<arith::AddFOp>(l, p, q).getResult()
                                   : b.create<arith::AddIOp>(l, p, q).getResult();
                  };
                  Value r;
                  switch (kind) {
                  case Kind::Max:
                    r = isFloat ? b.create<arith::MaximumFOp>(l, v, a).getResult()
                        : isUnsigned ? b.create<arith::MaxUIOp>(l, v, a).getResult()
                                     : b.create<arith::MaxSIOp>(l, v, a).getResult();
                    break;
                  case Kind::Min:
                    r = isFloat ? b.create<arith::MinimumFOp>(l, v, a).getResult()
                        : isUnsigned ? b.create<arith::MinUIOp>(l, v, a).getResult()
                                     : b.create<arith::MinSIOp>(l, v, a).getResult();
                    break;
                  case Kind::Prod:
                    r = mul(v, a);
                    break;
                  case Kind::SumSquare:
                  case Kind::L2:
                    r = add(mul(v, v), a);
                    break;
                  case Kind::L1:
                    r = add(isFloat ? b.create<math::AbsFOp>(l, v).getResult()
                                    : b.create<math::AbsIOp>(l, v).getResult(),
                            a);
                    break;
                  case Kind::LogSumExp:
                    r = add(b.create<math::ExpOp>(l, v), a);
                    break;
                  default:
                    r = add(v, a);
                  }
                  b.create<linalg::YieldOp>(l, r);
                })
            .getResult(0);

    // Final transform.
    if (kind == Kind::Mean || kind == Kind::L2 || kind == Kind::LogSum ||
        kind == Kind::LogSumExp) {
      Value count = rewriter.create<arith::ConstantIndexOp>(loc, 1);
      for (int64_t a : *axes)
        count = rewriter.create<arith::MulIOp>(loc, count, getDimSize(rewriter, loc, x, a));
      Value countF = rewriter.create<arith::SIToFPOp>(
          loc, elt, rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(), count));
      int64_t r = reducedType.getRank();
      Value out = createEmptyLike(rewriter, loc, reducedType, {reduced});
      reduced = rewriter
                    .create<linalg::GenericOp>(
                        loc, TypeRange{reducedType}, ValueRange{reduced}, ValueRange{out},
                        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(r),
                                               rewriter.getMultiDimIdentityMap(r)},
                        SmallVector<utils::IteratorType>(r, utils::IteratorType::parallel),
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          Value v = args[0];
                          if (kind == Kind::Mean)
                            v = b.create<arith::DivFOp>(l, v, countF);
                          else if (kind == Kind::L2)
                            v = b.create<math::SqrtOp>(l, v);
                          else
                            v = b.create<math::LogOp>(l, v);
                          b.create<linalg::YieldOp>(l, v);
                        })
                    .getResult(0);
    }
    rewriter.replaceOp(op, expandKeptDims(rewriter, loc, reduced, resultType, isReduced));
    return success();
  }
};

template <typename OpTy, bool isMax>
struct ArgLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType =
        getRankedResultType(op, 0, *this->getTypeConverter(), rewriter);
    Value x = adaptor.getData();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    if (!resultType || !xType)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    int64_t rank = xType.getRank();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += rank;
    bool last = op.getSelectLastIndex() != 0;
    Type elt = xType.getElementType();
    bool isFloat = isa<FloatType>(elt);
    bool isUnsigned =
        cast<ShapedType>(op.getData().getType()).getElementType().isUnsignedInteger();

    SmallVector<bool> isReduced(rank, false);
    isReduced[axis] = true;
    SmallVector<int64_t> shape;
    SmallVector<Value> dynamic;
    SmallVector<AffineExpr> outExprs;
    SmallVector<utils::IteratorType> iterators;
    for (int64_t d = 0; d < rank; ++d) {
      iterators.push_back(d == axis ? utils::IteratorType::reduction
                                    : utils::IteratorType::parallel);
      if (d == axis)
        continue;
      shape.push_back(xType.getDimSize(d));
      if (xType.isDynamicDim(d))
        dynamic.push_back(getDimSize(rewriter, loc, x, d));
      outExprs.push_back(getAffineDimExpr(d, ctx));
    }
    auto valueType = RankedTensorType::get(shape, elt);
    auto indexType = RankedTensorType::get(shape, rewriter.getI64Type());
    TypedAttr init = extremeValue(rewriter, elt, isUnsigned, isMax);
    Value values = rewriter
                       .create<linalg::FillOp>(
                           loc, rewriter.create<arith::ConstantOp>(loc, init).getResult(),
                           createEmpty(rewriter, loc, valueType, dynamic))
                       .getResult(0);
    Value indices = rewriter
                        .create<linalg::FillOp>(
                            loc, createScalar(rewriter, loc, rewriter.getI64Type(), 0),
                            createEmpty(rewriter, loc, indexType, dynamic))
                        .getResult(0);
    AffineMap outMap = AffineMap::get(rank, 0, outExprs, ctx);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{valueType, indexType}, ValueRange{x},
        ValueRange{values, indices},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank), outMap, outMap},
        iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          Value v = args[0], best = args[1], bestIndex = args[2];
          Value better;
          if (isFloat) {
            auto pred = isMax ? (last ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT)
                              : (last ? arith::CmpFPredicate::OLE : arith::CmpFPredicate::OLT);
            better = b.create<arith::CmpFOp>(l, pred, v, best);
          } else {
            auto pred = isMax ? (last ? (isUnsigned ? arith::CmpIPredicate::uge : arith::CmpIPredicate::sge)
                                      : (isUnsigned ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt))
                              : (last ? (isUnsigned ? arith::CmpIPredicate::ule : arith::CmpIPredicate::sle)
                                      : (isUnsigned ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt));
            better = b.create<arith::CmpIOp>(l, pred, v, best);
          }
          Value index = b.create<arith::IndexCastOp>(
              l, b.getI64Type(), b.create<linalg::IndexOp>(l, axis));
          b.create<linalg::YieldOp>(
              l, ValueRange{b.create<arith::SelectOp>(l, better, v, best),
                            b.create<arith::SelectOp>(l, better, index, bestIndex)});
        });
    rewriter.replaceOp(op, expandKeptDims(rewriter, loc, generic.getResult(1),
                                          resultType, isReduced));
    return success();
  }
};

} // namespace

void populateReductionPatterns(const TypeConverter &tc,
                               RewritePatternSet &patterns) {
  patterns.add<ReduceLowering<ReduceSumOp, Kind::Sum>,
               ReduceLowering<ReduceMeanOp, Kind::Mean>,
               ReduceLowering<ReduceMaxOp, Kind::Max>,
               ReduceLowering<ReduceMinOp, Kind::Min>,
               ReduceLowering<ReduceProdOp, Kind::Prod>,
               ReduceLowering<ReduceSumSquareOp, Kind::SumSquare>,
               ReduceLowering<ReduceL1Op, Kind::L1>,
               ReduceLowering<ReduceL2Op, Kind::L2>,
               ReduceLowering<ReduceLogSumOp, Kind::LogSum>,
               ReduceLowering<ReduceLogSumExpOp, Kind::LogSumExp>,
               ArgLowering<ArgMaxOp, true>, ArgLowering<ArgMinOp, false>>(
      tc, patterns.getContext());
}

} // namespace fulcrum::lowering
