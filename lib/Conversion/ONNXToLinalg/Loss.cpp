//===- Loss.cpp - Lowering of NegativeLogLikelihoodLoss and SCE -----------===//
//
// Part of Fulcrum. NegativeLogLikelihoodLoss gathers -input[n, target, d...]
// (times the class weight; zero where target == ignore_index) in one
// generic over the target's shape, then reduces (none, sum, or mean over
// the weights). SoftmaxCrossEntropyLoss is decomposed into LogSoftmax and
// NegativeLogLikelihoodLoss before (fulcrum-onnx-decompose).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

/// Sums all elements of `t` into a rank-0 tensor.
Value sumAll(OpBuilder &b, Location loc, Value t) {
  auto type = cast<RankedTensorType>(t.getType());
  Type elt = type.getElementType();
  auto scalarType = RankedTensorType::get({}, elt);
  Value init = createFilled(b, loc, scalarType, {}, 0.0);
  int64_t rank = type.getRank();
  return b
      .create<linalg::GenericOp>(
          loc, TypeRange{scalarType}, ValueRange{t}, ValueRange{init},
          SmallVector<AffineMap>{b.getMultiDimIdentityMap(rank),
                                 AffineMap::get(rank, 0, {}, b.getContext())},
          SmallVector<utils::IteratorType>(rank,
                                           utils::IteratorType::reduction),
          [](OpBuilder &nb, Location l, ValueRange args) {
            nb.create<linalg::YieldOp>(
                l, nb.create<arith::AddFOp>(l, args[0], args[1]).getResult());
          })
      .getResult(0);
}

struct NLLLowering : public OpConversionPattern<NegativeLogLikelihoodLossOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(NegativeLogLikelihoodLossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto inType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    auto targetType = dyn_cast<RankedTensorType>(adaptor.getTarget().getType());
    if (!resultType || !inType || !targetType ||
        !isa<FloatType>(inType.getElementType()))
      return rewriter.notifyMatchFailure(op, "unranked or integer operands");
    Location loc = op.getLoc();
    Type elt = inType.getElementType();
    int64_t rank = targetType.getRank();
    std::optional<int64_t> ignore;
    if (auto attr = op.getIgnoreIndexAttr())
      ignore = attr.getInt();
    Value input = adaptor.getInput();
    bool hasWeight = !isNoValue(op.getWeight());
    Value weight = adaptor.getWeight();
    auto lossType = RankedTensorType::get(targetType.getShape(), elt);
    Value lossInit =
        createEmptyLike(rewriter, loc, lossType, {adaptor.getTarget()});
    Value weightInit =
        createEmptyLike(rewriter, loc, lossType, {adaptor.getTarget()});
    auto gather = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{lossType, lossType}, ValueRange{adaptor.getTarget()},
        ValueRange{lossInit, weightInit},
        SmallVector<AffineMap>(3, rewriter.getMultiDimIdentityMap(rank)),
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value t = args[0];
          Value ignored = b.create<arith::ConstantIntOp>(l, 0, 1);
          if (ignore)
            ignored = b.create<arith::CmpIOp>(
                l, arith::CmpIPredicate::eq, t,
                b.create<arith::ConstantIntOp>(l, *ignore, t.getType()));
          Value zeroIndex = b.create<arith::ConstantIntOp>(l, 0, t.getType());
          Value cls = b.create<arith::IndexCastOp>(
              l, b.getIndexType(),
              b.create<arith::SelectOp>(l, ignored, zeroIndex, t));
          SmallVector<Value> coords = {b.create<linalg::IndexOp>(l, 0), cls};
          for (int64_t d = 1; d < rank; ++d)
            coords.push_back(b.create<linalg::IndexOp>(l, d));
          Value v = b.create<tensor::ExtractOp>(l, input, coords);
          Value w = hasWeight ? b.create<tensor::ExtractOp>(l, weight,
                                                            ValueRange{cls})
                                    .getResult()
                              : createScalar(b, l, elt, 1.0);
          w = b.create<arith::SelectOp>(l, ignored,
                                        createScalar(b, l, elt, 0.0), w);
          Value loss =
              b.create<arith::NegFOp>(l, b.create<arith::MulFOp>(l, v, w));
          b.create<linalg::YieldOp>(l, ValueRange{loss, w});
        });
    Value loss = gather.getResult(0);
    StringRef reduction = op.getReduction();
    if (reduction == "none") {
      rewriter.replaceOp(op, loss);
      return success();
    }
    Value total = sumAll(rewriter, loc, loss);
    if (reduction == "mean") {
      Value weights = sumAll(rewriter, loc, gather.getResult(1));
      auto scalarType = RankedTensorType::get({}, elt);
      total = rewriter
                  .create<linalg::GenericOp>(
                      loc, TypeRange{scalarType}, ValueRange{total, weights},
                      ValueRange{createEmpty(rewriter, loc, scalarType, {})},
                      SmallVector<AffineMap>(
                          3, AffineMap::get(0, 0, {}, op.getContext())),
                      SmallVector<utils::IteratorType>{},
                      [](OpBuilder &b, Location l, ValueRange args) {
                        b.create<linalg::YieldOp>(
                            l, b.create<arith::DivFOp>(l, args[0], args[1])
                                   .getResult());
                      })
                  .getResult(0);
    } else if (reduction != "sum") {
      return rewriter.notifyMatchFailure(op, "unknown reduction");
    }
    rewriter.replaceOp(op, total);
    return success();
  }
};

} // namespace

void populateLossPatterns(const TypeConverter &tc,
                          RewritePatternSet &patterns) {
  patterns.add<NLLLowering>(tc, patterns.getContext());
}

} // namespace fulcrum::lowering
