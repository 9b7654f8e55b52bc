//===- Attention.cpp - Lowering of fulcrum.attention ----------------------===//
//
// Part of Fulcrum. `fulcrum.attention` becomes the unfused computation in
// linalg, for every target: the scores S = Q K^T (a generic contraction),
// the logits T = scale * S with the mask, causal and window applied, the
// softmax's maximum, sum and normalization (the three generics of
// `onnx.Softmax`'s lowering) and O = P V. Every op it creates carries
// `fulcrum.attention_id` (one number per attention in the function) and
// `fulcrum.attention_part` (its role), and the last one the attention's
// attributes in `fulcrum.attention`, so that a code generator can replace
// the group by a fused kernel after bufferization (the CPU target's
// fulcrum-cpu-attention-to-kernel); the element-wise fusion leaves tagged
// ops alone.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <limits>

using namespace mlir;
namespace fused = fulcrum::fused;

namespace fulcrum::lowering {
namespace {

struct AttentionLowering : public OpConversionPattern<fused::AttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(fused::AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "non-float attention");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value q = adaptor.getQ(), k = adaptor.getK(), v = adaptor.getV();
    Value mask = adaptor.getMask();
    Type elt = type.getElementType();
    int64_t rank = type.getRank(), n = rank - 2;
    auto qType = cast<RankedTensorType>(q.getType());
    auto kType = cast<RankedTensorType>(k.getType());

    // One id per attention of the function, in the order they lower.
    int64_t number = 0;
    op->getParentOfType<func::FuncOp>().walk([&](Operation *other) {
      if (auto part = other->getAttrOfType<StringAttr>(kPartAttr))
        if (part.getValue() == "output")
          ++number;
    });
    auto tag = [&](Operation *created, StringRef part) {
      created->setAttr(kIdAttr, rewriter.getI64IntegerAttr(number));
      created->setAttr(kPartAttr, rewriter.getStringAttr(part));
      return created;
    };
    // Tagged empties: CSE merges no other tensor.empty into them, so no
    // buffer of the operands is reused for the group's results.
    auto empty = [&](RankedTensorType t, ValueRange sizes, StringRef part) {
      Value init = createEmpty(rewriter, loc, t, sizes);
      tag(init.getDefiningOp(), part);
      return init;
    };
    auto filled = [&](ArrayRef<int64_t> shape, ValueRange sizes, double value,
                      StringRef part) {
      auto t = RankedTensorType::get(shape, elt);
      Value init = empty(t, sizes, part);
      auto fill = rewriter.create<linalg::FillOp>(
          loc, createScalar(rewriter, loc, elt, value), init);
      tag(fill, part);
      return fill.getResult(0);
    };

    // Sizes: the leading dims and Lq from Q, Lk from K, Dv from the result.
    SmallVector<int64_t> lead(qType.getShape().take_front(n));
    SmallVector<Value> leadSizes;
    for (int64_t d = 0; d < n; ++d)
      if (ShapedType::isDynamic(lead[d]))
        leadSizes.push_back(getDimSize(rewriter, loc, q, d));
    auto sizesWith = [&](ArrayRef<std::pair<Value, int64_t>> tail) {
      SmallVector<Value> sizes(leadSizes);
      for (auto [value, dim] : tail)
        if (cast<RankedTensorType>(value.getType()).isDynamicDim(dim))
          sizes.push_back(getDimSize(rewriter, loc, value, dim));
      return sizes;
    };
    int64_t lq = qType.getDimSize(n), lk = kType.getDimSize(n);
    SmallVector<int64_t> scoreShape(lead), rowShape(lead);
    scoreShape.append({lq, lk});
    rowShape.push_back(lq);
    SmallVector<Value> scoreSizes = sizesWith({{q, n}, {k, n}});
    SmallVector<Value> rowSizes = sizesWith({{q, n}});
    auto scoreType = RankedTensorType::get(scoreShape, elt);

    auto dims = [&](unsigned count, ArrayRef<unsigned> picks) {
      SmallVector<AffineExpr> exprs;
      for (int64_t d = 0; d < n; ++d)
        exprs.push_back(getAffineDimExpr(d, ctx));
      for (unsigned p : picks)
        exprs.push_back(getAffineDimExpr(p, ctx));
      return AffineMap::get(count, 0, exprs, ctx);
    };
    auto iterators = [&](unsigned count, bool lastReduces) {
      SmallVector<utils::IteratorType> its(count,
                                           utils::IteratorType::parallel);
      if (lastReduces)
        its.back() = utils::IteratorType::reduction;
      return its;
    };
    unsigned i = n, j = n + 1, e = n + 1, last = n + 2;

    // fulcrum.precision = "bf16": both products take their operands
    // rounded to bf16 (to nearest even) and accumulate in f32.
    auto precision = op->getAttrOfType<StringAttr>(fused::kPrecisionAttr);
    bool bf16 = precision && precision.getValue() == "bf16" && elt.isF32();
    auto product = [&](OpBuilder &b, Location l, Value x, Value y) -> Value {
      if (bf16) {
        Type half = b.getBF16Type();
        Value xh = b.create<arith::TruncFOp>(l, half, x);
        Value yh = b.create<arith::TruncFOp>(l, half, y);
        x = b.create<arith::ExtFOp>(l, elt, xh);
        y = b.create<arith::ExtFOp>(l, elt, yh);
      }
      return b.create<arith::MulFOp>(l, x, y);
    };

    // S = Q K^T over (lead, i, j, d).
    Value s0 = filled(scoreShape, scoreSizes, 0.0, "scores-init");
    auto scores = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{scoreType}, ValueRange{q, k}, ValueRange{s0},
        ArrayRef<AffineMap>{dims(rank + 1, {i, last}),
                            dims(rank + 1, {j, last}), dims(rank + 1, {i, j})},
        iterators(rank + 1, true), [&](OpBuilder &b, Location l, ValueRange a) {
          b.create<linalg::YieldOp>(l,
                                    ValueRange{b.create<arith::AddFOp>(
                                        l, a[2], product(b, l, a[0], a[1]))});
        });
    tag(scores, "scores");

    // T = scale * S, masked.
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    SmallVector<Value> inputs = {scores.getResult(0)};
    SmallVector<AffineMap> maps = {id};
    if (mask) {
      inputs.push_back(mask);
      maps.push_back(getBroadcastMap(
          ctx, rank, cast<RankedTensorType>(mask.getType()), scoreType));
    }
    maps.push_back(id);
    StringRef kind = op.getMaskKind();
    double scale = op.getScale().convertToDouble();
    bool causal = op.getCausal();
    int64_t window = op.getWindow(), global = op.getGlobalTokens();
    Value t0 = empty(scoreType, scoreSizes, "logits");
    auto logits = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{scoreType}, inputs, ValueRange{t0}, maps,
        iterators(rank, false), [&](OpBuilder &b, Location l, ValueRange a) {
          Value x =
              b.create<arith::MulFOp>(l, a[0], createScalar(b, l, elt, scale));
          Value ninf =
              createScalar(b, l, elt, -std::numeric_limits<double>::infinity());
          if (kind == "additive")
            x = b.create<arith::AddFOp>(l, x, a[1]);
          else if (kind == "boolean")
            x = b.create<arith::SelectOp>(l, a[1], x, ninf);
          if (causal || window > 0) {
            Value qi = b.create<linalg::IndexOp>(l, i);
            Value kj = b.create<linalg::IndexOp>(l, j);
            Value keep;
            if (causal)
              keep =
                  b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ule, kj, qi);
            if (window > 0) {
              // |i - j| <= window, or a global token on either side.
              Value diff = b.create<arith::SubIOp>(l, qi, kj);
              Value w = b.create<arith::ConstantIndexOp>(l, window);
              Value nw = b.create<arith::ConstantIndexOp>(l, -window);
              Value g = b.create<arith::ConstantIndexOp>(l, global);
              Value near = b.create<arith::AndIOp>(
                  l,
                  b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sle, diff,
                                          w),
                  b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, diff,
                                          nw));
              Value globalTok = b.create<arith::OrIOp>(
                  l,
                  b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ult, qi, g),
                  b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ult, kj, g));
              Value local = b.create<arith::OrIOp>(l, near, globalTok);
              keep = keep ? b.create<arith::AndIOp>(l, keep, local) : local;
            }
            x = b.create<arith::SelectOp>(l, keep, x, ninf);
          }
          b.create<linalg::YieldOp>(l, x);
        });
    tag(logits, "logits");
    Value t = logits.getResult(0);

    // The softmax along j: maximum, sum of exponentials, normalization.
    AffineMap row = dims(rank, {i});
    auto rowType = RankedTensorType::get(rowShape, elt);
    Value m0 = filled(rowShape, rowSizes,
                      -std::numeric_limits<double>::infinity(), "max-init");
    auto max = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{rowType}, ValueRange{t}, ValueRange{m0},
        ArrayRef<AffineMap>{id, row}, iterators(rank, true),
        [&](OpBuilder &b, Location l, ValueRange a) {
          b.create<linalg::YieldOp>(
              l, ValueRange{b.create<arith::MaximumFOp>(l, a[0], a[1])});
        });
    tag(max, "max");
    Value z0 = filled(rowShape, rowSizes, 0.0, "sum-init");
    auto sum = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{rowType}, ValueRange{t, max.getResult(0)},
        ValueRange{z0}, ArrayRef<AffineMap>{id, row, row},
        iterators(rank, true), [&](OpBuilder &b, Location l, ValueRange a) {
          Value ex =
              b.create<math::ExpOp>(l, b.create<arith::SubFOp>(l, a[0], a[1]));
          b.create<linalg::YieldOp>(
              l, ValueRange{b.create<arith::AddFOp>(l, ex, a[2])});
        });
    tag(sum, "sum");
    Value p0 = empty(scoreType, scoreSizes, "probs");
    auto probs = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{scoreType},
        ValueRange{t, max.getResult(0), sum.getResult(0)}, ValueRange{p0},
        ArrayRef<AffineMap>{id, row, row, id}, iterators(rank, false),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value ex =
              b.create<math::ExpOp>(l, b.create<arith::SubFOp>(l, a[0], a[1]));
          b.create<linalg::YieldOp>(
              l, ValueRange{b.create<arith::DivFOp>(l, ex, a[2])});
        });
    tag(probs, "probs");

    // O = P V over (lead, i, e, j).
    Value o0 = filled(type.getShape(), sizesWith({{q, n}, {v, n + 1}}), 0.0,
                      "output-init");
    auto out = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{probs.getResult(0), v}, ValueRange{o0},
        ArrayRef<AffineMap>{dims(rank + 1, {i, last}),
                            dims(rank + 1, {last, e}), dims(rank + 1, {i, e})},
        iterators(rank + 1, true), [&](OpBuilder &b, Location l, ValueRange a) {
          b.create<linalg::YieldOp>(l,
                                    ValueRange{b.create<arith::AddFOp>(
                                        l, a[2], product(b, l, a[0], a[1]))});
        });
    tag(out, "output");
    out->setAttr(
        kConfigAttr,
        rewriter.getDictionaryAttr(
            {rewriter.getNamedAttr("scale", op.getScaleAttr()),
             rewriter.getNamedAttr("mask_kind", op.getMaskKindAttr()),
             rewriter.getNamedAttr("causal", op.getCausalAttr()),
             rewriter.getNamedAttr("window", op.getWindowAttr()),
             rewriter.getNamedAttr("global_tokens", op.getGlobalTokensAttr()),
             rewriter.getNamedAttr("precision", rewriter.getStringAttr(
                                                    bf16 ? "bf16" : "fp32"))}));
    rewriter.replaceOp(op, out.getResults());
    return success();
  }

  static constexpr StringLiteral kIdAttr = "fulcrum.attention_id";
  static constexpr StringLiteral kPartAttr = "fulcrum.attention_part";
  static constexpr StringLiteral kConfigAttr = "fulcrum.attention";
};

} // namespace

void populateAttentionPatterns(const TypeConverter &tc,
                               RewritePatternSet &patterns) {
  patterns.add<AttentionLowering>(tc, patterns.getContext());
}

} // namespace fulcrum::lowering
