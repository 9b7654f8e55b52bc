//===- Det.cpp - Lowering of Det
//-------------------------------------------===//
//
// Part of Fulcrum. The determinant of each [n, n] matrix by Gaussian
// elimination with partial pivoting (O(n^3) scf loops over a copy of the
// matrix): the product of the pivots, negated once per row swap.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

struct DetLowering : public OpConversionPattern<DetOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DetOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto xType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    if (!type || !xType || xType.getRank() < 2 ||
        type.getRank() != xType.getRank() - 2 ||
        !isa<FloatType>(xType.getElementType()))
      return rewriter.notifyMatchFailure(
          op, "input must be a ranked float tensor of [..., n, n] matrices");
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    int64_t batchRank = type.getRank();
    Type elt = xType.getElementType();
    Value n = getDimSize(rewriter, loc, x, batchRank);
    SmallVector<Value> batch;
    for (int64_t d = 0; d < batchRank; ++d)
      batch.push_back(getDimSize(rewriter, loc, x, d));
    Value init = createEmpty(rewriter, loc, type, [&] {
      SmallVector<Value> dynamic;
      for (int64_t d = 0; d < batchRank; ++d)
        if (type.isDynamicDim(d))
          dynamic.push_back(batch[d]);
      return dynamic;
    }());
    auto matrixType = RankedTensorType::get(
        {ShapedType::kDynamic, ShapedType::kDynamic}, elt);

    SmallVector<Value> results = buildLoopNestOver(
        rewriter, loc, batch, ValueRange{init},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange args) {
          Value zero = b.create<arith::ConstantIndexOp>(l, 0);
          Value one = b.create<arith::ConstantIndexOp>(l, 1);
          Value fzero = createScalar(b, l, elt, 0.0);
          // The matrix at `ivs`, a 2-D tensor the elimination updates.
          SmallVector<OpFoldResult> offsets(ivs),
              sizes(batchRank, b.getIndexAttr(1)),
              strides(batchRank + 2, b.getIndexAttr(1));
          offsets.append({b.getIndexAttr(0), b.getIndexAttr(0)});
          sizes.append({n, n});
          Value a = b.create<tensor::ExtractSliceOp>(l, matrixType, x, offsets,
                                                     sizes, strides);
          auto at = [&](OpBuilder &nb, Location nl, Value m, Value i,
                        Value j) -> Value {
            return nb.create<tensor::ExtractOp>(nl, m, ValueRange{i, j});
          };
          auto elimination = b.create<scf::ForOp>(
              l, zero, n, one, ValueRange{a, createScalar(b, l, elt, 1.0)},
              [&](OpBuilder &kb, Location kl, Value k, ValueRange acc) {
                Value k1 = kb.create<arith::AddIOp>(kl, k, one);
                // The row of the largest |a[i, k]|, i >= k.
                auto search = kb.create<scf::ForOp>(
                    kl, k1, n, one,
                    ValueRange{k, kb.create<math::AbsFOp>(
                                      kl, at(kb, kl, acc[0], k, k))},
                    [&](OpBuilder &sb, Location sl, Value i, ValueRange best) {
                      Value v =
                          sb.create<math::AbsFOp>(sl, at(sb, sl, acc[0], i, k));
                      Value better = sb.create<arith::CmpFOp>(
                          sl, arith::CmpFPredicate::OGT, v, best[1]);
                      sb.create<scf::YieldOp>(
                          sl, ValueRange{sb.create<arith::SelectOp>(sl, better,
                                                                    i, best[0]),
                                         sb.create<arith::SelectOp>(
                                             sl, better, v, best[1])});
                    });
                Value p = search.getResult(0);
                // Swap rows k and p (a no-op when p == k).
                auto swap = kb.create<scf::ForOp>(
                    kl, zero, n, one, ValueRange{acc[0]},
                    [&](OpBuilder &wb, Location wl, Value j, ValueRange m) {
                      Value vk = at(wb, wl, m[0], k, j);
                      Value vp = at(wb, wl, m[0], p, j);
                      Value r = wb.create<tensor::InsertOp>(wl, vp, m[0],
                                                            ValueRange{k, j});
                      r = wb.create<tensor::InsertOp>(wl, vk, r,
                                                      ValueRange{p, j});
                      wb.create<scf::YieldOp>(wl, r);
                    });
                Value m = swap.getResult(0);
                Value pivot = at(kb, kl, m, k, k);
                Value swapped = kb.create<arith::CmpIOp>(
                    kl, arith::CmpIPredicate::ne, p, k);
                Value det = kb.create<arith::MulFOp>(kl, acc[1], pivot);
                det = kb.create<arith::SelectOp>(
                    kl, swapped, kb.create<arith::NegFOp>(kl, det), det);
                // A zero pivot makes the determinant 0; skip its division.
                Value singular = kb.create<arith::CmpFOp>(
                    kl, arith::CmpFPredicate::OEQ, pivot, fzero);
                auto rows = kb.create<scf::ForOp>(
                    kl, k1, n, one, ValueRange{m},
                    [&](OpBuilder &rb, Location rl, Value i, ValueRange mi) {
                      Value f = rb.create<arith::DivFOp>(
                          rl, at(rb, rl, mi[0], i, k), pivot);
                      f = rb.create<arith::SelectOp>(rl, singular, fzero, f);
                      auto cols = rb.create<scf::ForOp>(
                          rl, k1, n, one, ValueRange{mi[0]},
                          [&](OpBuilder &cb, Location cl, Value j,
                              ValueRange mj) {
                            Value v = cb.create<arith::SubFOp>(
                                cl, at(cb, cl, mj[0], i, j),
                                cb.create<arith::MulFOp>(
                                    cl, f, at(cb, cl, mj[0], k, j)));
                            cb.create<scf::YieldOp>(
                                cl, cb.create<tensor::InsertOp>(
                                          cl, v, mj[0], ValueRange{i, j})
                                        .getResult());
                          });
                      rb.create<scf::YieldOp>(rl, cols.getResults());
                    });
                kb.create<scf::YieldOp>(kl, ValueRange{rows.getResult(0), det});
              });
          return SmallVector<Value>{b.create<tensor::InsertOp>(
              l, elimination.getResult(1), args[0], ivs)};
        });
    rewriter.replaceOp(op, results.front());
    return success();
  }
};

} // namespace

void populateDetPatterns(const TypeConverter &tc, RewritePatternSet &patterns) {
  patterns.add<DetLowering>(tc, patterns.getContext());
}

} // namespace fulcrum::lowering
