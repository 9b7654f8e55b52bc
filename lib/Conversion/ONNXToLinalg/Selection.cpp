//===- Selection.cpp - Operators with data-dependent result sizes ---------===//
//
// Part of Fulcrum. NonZero and Compress: an scf loop finds how many
// elements the result has (and, for Compress, which ones), the result is
// allocated with that run-time size and filled.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

/// Whether the scalar `v` is not zero (NaN is not zero).
Value isNonZero(OpBuilder &b, Location loc, Value v) {
  Value zero = b.create<arith::ConstantOp>(loc, b.getZeroAttr(v.getType()));
  if (isa<FloatType>(v.getType()))
    return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, v, zero);
  return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, v, zero);
}

/// The sizes of all dimensions of `v`.
SmallVector<Value> getDimSizes(OpBuilder &b, Location loc, Value v) {
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < cast<RankedTensorType>(v.getType()).getRank(); ++d)
    sizes.push_back(getDimSize(b, loc, v, d));
  return sizes;
}

/// `type`'s dynamic sizes among `sizes` (one per dimension).
SmallVector<Value> dynamicSizesOf(RankedTensorType type, ValueRange sizes) {
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamic.push_back(sizes[d]);
  return dynamic;
}

/// NonZero: the [rank, n] coordinates of the n non-zero elements in
/// row-major order. One pass counts, the second writes.
struct NonZeroLowering : public OpConversionPattern<NonZeroOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(NonZeroOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto xType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    if (!type || !xType || type.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    if (xType.getRank() == 0 || !xType.getElementType().isIntOrFloat())
      return rewriter.notifyMatchFailure(
          op, "input is a scalar or not a tensor of numbers");
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    int64_t rank = xType.getRank();
    SmallVector<Value> sizes = getDimSizes(rewriter, loc, x);
    Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    Value count =
        buildLoopNestOver(
            rewriter, loc, sizes, ValueRange{zero},
            [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange args) {
              Value nz =
                  isNonZero(b, l, b.create<tensor::ExtractOp>(l, x, ivs));
              Value inc = b.create<arith::SelectOp>(
                  l, nz, b.create<arith::ConstantIndexOp>(l, 1),
                  b.create<arith::ConstantIndexOp>(l, 0));
              return SmallVector<Value>{
                  b.create<arith::AddIOp>(l, args[0], inc)};
            })
            .front();
    Value init = createEmpty(
        rewriter, loc, type,
        dynamicSizesOf(
            type, {rewriter.create<arith::ConstantIndexOp>(loc, rank), count}));
    Value result =
        buildLoopNestOver(
            rewriter, loc, sizes, ValueRange{init, zero},
            [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange args) {
              Value nz =
                  isNonZero(b, l, b.create<tensor::ExtractOp>(l, x, ivs));
              auto ifOp = b.create<scf::IfOp>(
                  l, nz,
                  [&](OpBuilder &tb, Location tl) {
                    Value out = args[0];
                    for (int64_t d = 0; d < rank; ++d) {
                      Value c = tb.create<arith::IndexCastOp>(
                          tl, type.getElementType(), ivs[d]);
                      out = tb.create<tensor::InsertOp>(
                          tl, c, out,
                          ValueRange{tb.create<arith::ConstantIndexOp>(tl, d),
                                     args[1]});
                    }
                    tb.create<scf::YieldOp>(
                        tl, ValueRange{out, tb.create<arith::AddIOp>(
                                                tl, args[1], one)});
                  },
                  [&](OpBuilder &eb, Location el) {
                    eb.create<scf::YieldOp>(el, args);
                  });
              return SmallVector<Value>(ifOp.getResults());
            })
            .front();
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Compress: the slices along the axis (of the flattened input without an
/// axis) whose condition is true; a condition shorter than the axis drops
/// the rest. One loop collects the selected positions, a generic gathers.
struct CompressLowering : public OpConversionPattern<CompressOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CompressOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto inType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    auto condType =
        dyn_cast<RankedTensorType>(adaptor.getCondition().getType());
    if (!type || !inType || !condType || condType.getRank() != 1)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    if (inType.getRank() == 0)
      return rewriter.notifyMatchFailure(op, "scalar input");
    Location loc = op.getLoc();
    Value input = adaptor.getInput(), cond = adaptor.getCondition();
    int64_t axis = flattenUnlessAxis(rewriter, loc, input, op.getAxis());
    if (axis < 0 || axis >= cast<RankedTensorType>(input.getType()).getRank())
      return rewriter.notifyMatchFailure(op, "axis out of range");
    if (type.getRank() != cast<RankedTensorType>(input.getType()).getRank())
      return rewriter.notifyMatchFailure(op, "result rank");

    Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    Value n =
        rewriter.create<arith::MinUIOp>(loc, getDimSize(rewriter, loc, cond, 0),
                                        getDimSize(rewriter, loc, input, axis));
    Value selected = rewriter.create<tensor::EmptyOp>(
        loc, ArrayRef<int64_t>{ShapedType::kDynamic}, rewriter.getIndexType(),
        ValueRange{n});
    auto collect = rewriter.create<scf::ForOp>(
        loc, zero, n, one, ValueRange{selected, zero},
        [&](OpBuilder &b, Location l, Value i, ValueRange args) {
          // Position `count` is written every time and kept when selected.
          Value c = b.create<tensor::ExtractOp>(l, cond, i);
          Value sel = b.create<tensor::InsertOp>(l, i, args[0], args[1]);
          Value next = b.create<arith::SelectOp>(
              l, c, b.create<arith::AddIOp>(l, args[1], one), args[1]);
          b.create<scf::YieldOp>(l, ValueRange{sel, next});
        });
    selected = collect.getResult(0);
    SmallVector<Value> sizes = getDimSizes(rewriter, loc, input);
    sizes[axis] = collect.getResult(1);
    Value init = createEmpty(rewriter, loc, type, dynamicSizesOf(type, sizes));
    Value result = generateTensor(
        rewriter, loc, init, [&](OpBuilder &b, Location l, ValueRange ivs) {
          SmallVector<Value> coords(ivs);
          coords[axis] = b.create<tensor::ExtractOp>(l, selected, ivs[axis]);
          return b.create<tensor::ExtractOp>(l, input, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateSelectionPatterns(const TypeConverter &tc,
                               RewritePatternSet &patterns) {
  patterns.add<NonZeroLowering, CompressLowering>(tc, patterns.getContext());
}

} // namespace fulcrum::lowering
