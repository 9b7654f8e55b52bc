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
std::optional<SmallVector<int64_t>>
axesFromShapes(Operation *op, RankedTensorType in, RankedTensorType out) {
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

/// Expands `reduced` (without the reduced dims) to `resultType`: with
/// keepdims the reduced dims come back as 1s; without, a cast at most.
Value expandKeptDims(OpBuilder &b, Location loc, Value reduced,
                     RankedTensorType resultType, ArrayRef<bool> isReduced) {
  auto reducedType = cast<RankedTensorType>(reduced.getType());
  if (reducedType == resultType)
    return reduced;
  Value expanded = reduced;
  if (reducedType.getRank() != resultType.getRank()) {
    SmallVector<ReassociationIndices> reassoc;
    SmallVector<int64_t> pendingLeading, shape;
    int64_t next = 0;
    for (int64_t d = 0; d < static_cast<int64_t>(isReduced.size()); ++d) {
      shape.push_back(isReduced[d] ? 1 : reducedType.getDimSize(next++));
      if (!isReduced[d]) {
        reassoc.push_back(
            ReassociationIndices(pendingLeading.begin(), pendingLeading.end()));
        reassoc.back().push_back(d);
        pendingLeading.clear();
      } else if (reassoc.empty()) {
        pendingLeading.push_back(d);
      } else {
        reassoc.back().push_back(d);
      }
    }
    // The kept dimensions take the reduced value's sizes, which may be more
    // static than the op's result type (after --input-shape, say).
    expanded = b.create<tensor::ExpandShapeOp>(
        loc, RankedTensorType::get(shape, resultType.getElementType()), reduced,
        reassoc);
  }
  // Without keepdims only the static sizes can differ.
  if (expanded.getType() != resultType)
    expanded = b.create<tensor::CastOp>(loc, resultType, expanded);
  return expanded;
}

/// Run-time axes without keepdims, where the static shapes leave a few
/// choices (3x2x2 -> 3x2 reduces dimension 1 or 2): one copy of the
/// reduction per choice, with constant axes (lowered next by the
/// conversion), and an scf.if chain that picks the one the axes name.
/// Fails when the shapes are dynamic or allow no or too many choices.
LogicalResult selectAmongCandidateAxes(Operation *op, RankedTensorType in,
                                       RankedTensorType out,
                                       ConversionPatternRewriter &rewriter) {
  constexpr size_t kMaxCandidates = 8;
  auto keep = op->getAttrOfType<IntegerAttr>("keepdims");
  auto axesType = op->getNumOperands() > 1
                      ? dyn_cast<RankedTensorType>(op->getOperand(1).getType())
                      : RankedTensorType();
  if (!keep || keep.getInt() != 0 || !axesType || !axesType.hasStaticShape() ||
      axesType.getRank() != 1 || !in.hasStaticShape() || !out.hasStaticShape())
    return rewriter.notifyMatchFailure(op, "axes are not constant");
  int64_t rank = in.getRank(), m = axesType.getDimSize(0);
  if (m != rank - out.getRank() || m <= 0 || out != op->getResult(0).getType())
    return rewriter.notifyMatchFailure(op, "axes are not constant");
  // The subsets of m dimensions whose removal leaves the result's shape.
  SmallVector<SmallVector<int64_t>> candidates;
  for (uint64_t mask = 0; mask < (uint64_t(1) << rank); ++mask) {
    if (llvm::popcount(mask) != m)
      continue;
    SmallVector<int64_t> kept, reduced;
    for (int64_t d = 0; d < rank; ++d)
      (mask >> d & 1 ? reduced : kept).push_back(in.getDimSize(d));
    if (kept == SmallVector<int64_t>(out.getShape()))
      candidates.push_back([&] {
        SmallVector<int64_t> axes;
        for (int64_t d = 0; d < rank; ++d)
          if (mask >> d & 1)
            axes.push_back(d);
        return axes;
      }());
  }
  if (candidates.empty() || candidates.size() > kMaxCandidates)
    return rewriter.notifyMatchFailure(op, "axes are not constant");
  Location loc = op->getLoc();
  Value axesValue = rewriter.getRemappedValue(op->getOperand(1));
  // One reduction per candidate, on the onnx level.
  SmallVector<Value> reductions;
  for (ArrayRef<int64_t> axes : candidates) {
    auto type = RankedTensorType::get({static_cast<int64_t>(axes.size())},
                                      rewriter.getI64Type());
    Value constant = rewriter.create<fulcrum::onnx::ConstantOp>(
        loc, TypeRange{type}, ValueRange{},
        rewriter.getNamedAttr("value", DenseIntElementsAttr::get(type, axes)));
    Operation *copy = rewriter.clone(*op);
    copy->setOperand(1, constant);
    reductions.push_back(copy->getResult(0));
  }
  // Whether the run-time axes name exactly the candidate's dimensions
  // (both have m distinct entries).
  auto names = [&](OpBuilder &b, ArrayRef<int64_t> axes) -> Value {
    auto both = [&](Value x, Value y, bool conjunction) -> Value {
      if (!x)
        return y;
      return conjunction ? b.create<arith::AndIOp>(loc, x, y).getResult()
                         : b.create<arith::OrIOp>(loc, x, y).getResult();
    };
    Value all;
    for (int64_t d : axes) {
      Value any;
      for (int64_t j = 0; j < m; ++j) {
        Value a = b.create<tensor::ExtractOp>(
            loc, axesValue,
            ValueRange{b.create<arith::ConstantIndexOp>(loc, j)});
        for (int64_t name : {d, d - rank})
          any = both(any,
                     b.create<arith::CmpIOp>(
                         loc, arith::CmpIPredicate::eq, a,
                         b.create<arith::ConstantIntOp>(loc, name, 64)),
                     false);
      }
      all = both(all, any, true);
    }
    return all;
  };
  // The last candidate is the fallback. (The element type has no
  // signedness, so the copies' results need no conversion.)
  Value result = reductions.back();
  for (size_t i = candidates.size() - 1; i-- > 0;)
    result = rewriter.create<arith::SelectOp>(
        loc, names(rewriter, candidates[i]), reductions[i], result);
  rewriter.replaceOp(op, result);
  return success();
}

enum class Kind {
  Sum,
  Mean,
  Max,
  Min,
  Prod,
  SumSquare,
  L1,
  L2,
  LogSum,
  LogSumExp
};

template <typename OpTy, Kind kind>
struct ReduceLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  /// selectAmongCandidateAxes makes copies of the operator with constant
  /// axes, which this pattern lowers next.
  void initialize() { this->setHasBoundedRewriteRecursion(); }

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
    if (auto attr =
            op->template getAttrOfType<IntegerAttr>("noop_with_empty_axes"))
      noop = attr.getInt() != 0;
    auto axes = reductionAxes(op, rank, noop);
    if (!axes)
      axes = axesFromShapes(op, xType, resultType);
    if (!axes)
      return selectAmongCandidateAxes(op, xType, resultType, rewriter);
    Type elt = xType.getElementType();
    Type onnxElt =
        cast<ShapedType>(op->getOperand(0).getType()).getElementType();
    bool isFloat = isa<FloatType>(elt);
    bool isUnsigned = onnxElt.isUnsignedInteger();
    if (!isFloat && (kind == Kind::Mean || kind == Kind::L2 ||
                     kind == Kind::LogSum || kind == Kind::LogSumExp))
      return rewriter.notifyMatchFailure(op, "integer operand");

    SmallVector<bool> isReduced(rank, false);
    for (int64_t a : *axes)
      isReduced[a] = true;
    ReductionLoops loops = getReductionLoops(rewriter, loc, x, isReduced);
    auto reducedType = loops.getType(elt);

    // Initial value.
    Value initValue =
        kind == Kind::Max || kind == Kind::Min
            ? rewriter.create<arith::ConstantOp>(
                  loc, getExtremeValue(rewriter, elt, isUnsigned,
                                       /*lowest=*/kind == Kind::Max))
            : createScalar(rewriter, loc, elt, kind == Kind::Prod ? 1.0 : 0.0);
    Value acc =
        createFilled(rewriter, loc, reducedType, loops.dynamicSizes, initValue);
    Value reduced =
        rewriter
            .create<linalg::GenericOp>(
                loc, TypeRange{reducedType}, ValueRange{x}, ValueRange{acc},
                SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank),
                                       loops.resultMap},
                loops.iterators,
                [&](OpBuilder &b, Location l, ValueRange args) {
                  Value v = args[0], a = args[1];
                  auto mul = [&](Value p, Value q) -> Value {
                    return isFloat
                               ? b.create<arith::MulFOp>(l, p, q).getResult()
                               : b.create<arith::MulIOp>(l, p, q).getResult();
                  };
                  auto add = [&](Value p, Value q) -> Value {
                    return isFloat
                               ? b.create<arith::AddFOp>(l, p, q).getResult()
                               : b.create<arith::AddIOp>(l, p, q).getResult();
                  };
                  Value r;
                  switch (kind) {
                  case Kind::Max:
                    r = isFloat
                            ? b.create<arith::MaximumFOp>(l, v, a).getResult()
                        : isUnsigned
                            ? b.create<arith::MaxUIOp>(l, v, a).getResult()
                            : b.create<arith::MaxSIOp>(l, v, a).getResult();
                    break;
                  case Kind::Min:
                    r = isFloat
                            ? b.create<arith::MinimumFOp>(l, v, a).getResult()
                        : isUnsigned
                            ? b.create<arith::MinUIOp>(l, v, a).getResult()
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
                    // |v| of an unsigned value is the value itself.
                    r = add(isFloat ? b.create<math::AbsFOp>(l, v).getResult()
                            : isUnsigned
                                ? v
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
      Value countF = countElements(rewriter, loc, x, *axes, elt);
      int64_t r = reducedType.getRank();
      Value out = createEmptyLike(rewriter, loc, reducedType, {reduced});
      reduced =
          rewriter
              .create<linalg::GenericOp>(
                  loc, TypeRange{reducedType}, ValueRange{reduced},
                  ValueRange{out},
                  SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(r),
                                         rewriter.getMultiDimIdentityMap(r)},
                  SmallVector<utils::IteratorType>(
                      r, utils::IteratorType::parallel),
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
    rewriter.replaceOp(
        op, expandKeptDims(rewriter, loc, reduced, resultType, isReduced));
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
    bool isUnsigned = cast<ShapedType>(op.getData().getType())
                          .getElementType()
                          .isUnsignedInteger();

    SmallVector<bool> isReduced(rank, false);
    isReduced[axis] = true;
    ReductionLoops loops = getReductionLoops(rewriter, loc, x, isReduced);
    auto valueType = loops.getType(elt);
    auto indexType = loops.getType(rewriter.getI64Type());
    Value values = createFilled(
        rewriter, loc, valueType, loops.dynamicSizes,
        rewriter.create<arith::ConstantOp>(
            loc, getExtremeValue(rewriter, elt, isUnsigned, /*lowest=*/isMax)));
    Value indices =
        createFilled(rewriter, loc, indexType, loops.dynamicSizes, 0.0);
    AffineMap outMap = loops.resultMap;
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{valueType, indexType}, ValueRange{x},
        ValueRange{values, indices},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank), outMap,
                               outMap},
        loops.iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          Value v = args[0], best = args[1], bestIndex = args[2];
          Value better;
          if (isFloat) {
            auto pred = isMax ? (last ? arith::CmpFPredicate::OGE
                                      : arith::CmpFPredicate::OGT)
                              : (last ? arith::CmpFPredicate::OLE
                                      : arith::CmpFPredicate::OLT);
            better = b.create<arith::CmpFOp>(l, pred, v, best);
          } else {
            auto pred = isMax
                            ? (last ? (isUnsigned ? arith::CmpIPredicate::uge
                                                  : arith::CmpIPredicate::sge)
                                    : (isUnsigned ? arith::CmpIPredicate::ugt
                                                  : arith::CmpIPredicate::sgt))
                            : (last ? (isUnsigned ? arith::CmpIPredicate::ule
                                                  : arith::CmpIPredicate::sle)
                                    : (isUnsigned ? arith::CmpIPredicate::ult
                                                  : arith::CmpIPredicate::slt));
            better = b.create<arith::CmpIOp>(l, pred, v, best);
          }
          Value index = b.create<arith::IndexCastOp>(
              l, b.getI64Type(), b.create<linalg::IndexOp>(l, axis));
          b.create<linalg::YieldOp>(
              l, ValueRange{
                     b.create<arith::SelectOp>(l, better, v, best),
                     b.create<arith::SelectOp>(l, better, index, bestIndex)});
        });
    rewriter.replaceOp(op, expandKeptDims(rewriter, loc, generic.getResult(1),
                                          resultType, isReduced));
    return success();
  }
};

/// CumSum: for the axis a, out[i] = sum over j of x[i with a = j] where
/// j <= i_a (j < i_a exclusive; j >= i_a / j > i_a reversed). A run-time
/// axis computes every candidate and selects one.
struct CumSumLowering : public OpConversionPattern<CumSumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CumSumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto xType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    if (!type || !xType || !xType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    int64_t rank = type.getRank();
    Type elt = type.getElementType();
    bool isFloat = isa<FloatType>(elt);
    bool exclusive = op.getExclusive() != 0, reverse = op.getReverse() != 0;
    auto along = [&](int64_t axis) -> Value {
      SmallVector<AffineExpr> inExprs;
      for (int64_t d = 0; d < rank; ++d)
        inExprs.push_back(getAffineDimExpr(d == axis ? rank : d, ctx));
      Value init = createFilled(rewriter, loc, type, {}, 0.0);
      // A loop over j needs an operand shaped by it: x itself, read again.
      SmallVector<utils::IteratorType> iterators(rank,
                                                 utils::IteratorType::parallel);
      iterators.push_back(utils::IteratorType::reduction);
      return rewriter
          .create<linalg::GenericOp>(
              loc, TypeRange{type}, ValueRange{adaptor.getX()},
              ValueRange{init},
              SmallVector<AffineMap>{
                  AffineMap::get(rank + 1, 0, inExprs, ctx),
                  AffineMap::getMultiDimIdentityMap(rank + 1, ctx)
                      .getMajorSubMap(rank)},
              iterators,
              [&](OpBuilder &b, Location l, ValueRange args) {
                Value i = b.create<linalg::IndexOp>(l, axis);
                Value j = b.create<linalg::IndexOp>(l, rank);
                auto pred = reverse ? (exclusive ? arith::CmpIPredicate::ugt
                                                 : arith::CmpIPredicate::uge)
                                    : (exclusive ? arith::CmpIPredicate::ult
                                                 : arith::CmpIPredicate::ule);
                Value take = b.create<arith::CmpIOp>(l, pred, j, i);
                Value v = b.create<arith::SelectOp>(l, take, args[0],
                                                    createScalar(b, l, elt, 0));
                Value sum =
                    isFloat
                        ? b.create<arith::AddFOp>(l, args[1], v).getResult()
                        : b.create<arith::AddIOp>(l, args[1], v).getResult();
                b.create<linalg::YieldOp>(l, sum);
              })
          .getResult(0);
    };
    if (auto axis = getConstantInts(op.getAxis())) {
      if (axis->size() != 1)
        return rewriter.notifyMatchFailure(op, "axis is not one value");
      int64_t a = axis->front() < 0 ? axis->front() + rank : axis->front();
      if (a < 0 || a >= rank)
        return rewriter.notifyMatchFailure(op, "axis out of range");
      rewriter.replaceOp(op, along(a));
      return success();
    }
    SmallVector<Value> candidates;
    for (int64_t a = 0; a < rank; ++a)
      candidates.push_back(along(a));
    Type axisElt = cast<ShapedType>(op.getAxis().getType()).getElementType();
    Value axis = rewriter.create<tensor::ExtractOp>(
        loc, adaptor.getAxis(),
        SmallVector<Value>(
            cast<RankedTensorType>(adaptor.getAxis().getType()).getRank(),
            rewriter.create<arith::ConstantIndexOp>(loc, 0)));
    axis = castScalar(rewriter, loc, axis, axisElt, rewriter.getI64Type());
    Value rank64 = rewriter.create<arith::ConstantIntOp>(loc, rank, 64);
    Value neg = rewriter.create<arith::CmpIOp>(
        loc, arith::CmpIPredicate::slt, axis,
        rewriter.create<arith::ConstantIntOp>(loc, 0, 64));
    axis = rewriter.create<arith::SelectOp>(
        loc, neg, rewriter.create<arith::AddIOp>(loc, axis, rank64), axis);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, candidates,
        ValueRange{createEmpty(rewriter, loc, type, {})},
        SmallVector<AffineMap>(rank + 1, rewriter.getMultiDimIdentityMap(rank)),
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value r = args[0];
          for (int64_t a = 1; a < rank; ++a) {
            Value is = b.create<arith::CmpIOp>(
                l, arith::CmpIPredicate::eq, axis,
                b.create<arith::ConstantIntOp>(l, a, 64));
            r = b.create<arith::SelectOp>(l, is, args[a], r);
          }
          b.create<linalg::YieldOp>(l, r);
        });
    rewriter.replaceOp(op, generic.getResults());
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
               ArgLowering<ArgMaxOp, true>, ArgLowering<ArgMinOp, false>,
               CumSumLowering>(tc, patterns.getContext());
}

} // namespace fulcrum::lowering
