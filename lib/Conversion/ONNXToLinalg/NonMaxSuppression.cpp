//===- NonMaxSuppression.cpp - Lowering of NonMaxSuppression --------------===//
//
// Part of Fulcrum. Greedy NMS per batch and class, with the semantics of
// ONNX Runtime's kernel (which the backend tests follow): candidates in
// order of decreasing score (ties: lower index first) above the score
// threshold are kept unless their IoU with a kept box of the same class
// exceeds the IoU threshold, at most max_output_boxes_per_class of them.
// The rows [batch, class, box] go to a buffer of the largest possible size,
// whose filled part is the result.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

/// A box as its corners (y1 <= y2, x1 <= x2).
struct Corners {
  Value y1, x1, y2, x2;
};

/// Reads box `p` of batch `b` as corners: [y1, x1, y2, x2] in either order,
/// or [x_center, y_center, width, height] with `centerPointBox`.
Corners readBox(OpBuilder &b, Location loc, Value boxes, Value batch, Value p,
                bool centerPointBox) {
  Value v[4];
  for (int64_t i = 0; i < 4; ++i)
    v[i] = b.create<tensor::ExtractOp>(
        loc, boxes,
        ValueRange{batch, p, b.create<arith::ConstantIndexOp>(loc, i)});
  if (centerPointBox) {
    Value half = createScalar(b, loc, v[0].getType(), 0.5);
    Value hw = b.create<arith::MulFOp>(loc, v[2], half);
    Value hh = b.create<arith::MulFOp>(loc, v[3], half);
    return {b.create<arith::SubFOp>(loc, v[1], hh),
            b.create<arith::SubFOp>(loc, v[0], hw),
            b.create<arith::AddFOp>(loc, v[1], hh),
            b.create<arith::AddFOp>(loc, v[0], hw)};
  }
  return {b.create<arith::MinimumFOp>(loc, v[0], v[2]),
          b.create<arith::MinimumFOp>(loc, v[1], v[3]),
          b.create<arith::MaximumFOp>(loc, v[0], v[2]),
          b.create<arith::MaximumFOp>(loc, v[1], v[3])};
}

/// Whether IoU(a, c) > threshold; false for disjoint or empty boxes.
Value suppresses(OpBuilder &b, Location loc, const Corners &a, const Corners &c,
                 Value threshold) {
  auto gt = [&](Value x, Value y) {
    return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, x, y);
  };
  Value zero = createScalar(b, loc, a.y1.getType(), 0.0);
  Value iy1 = b.create<arith::MaximumFOp>(loc, a.y1, c.y1);
  Value ix1 = b.create<arith::MaximumFOp>(loc, a.x1, c.x1);
  Value iy2 = b.create<arith::MinimumFOp>(loc, a.y2, c.y2);
  Value ix2 = b.create<arith::MinimumFOp>(loc, a.x2, c.x2);
  Value overlap = b.create<arith::AndIOp>(loc, gt(ix2, ix1), gt(iy2, iy1));
  auto area = [&](Value y1, Value x1, Value y2, Value x2) -> Value {
    return b.create<arith::MulFOp>(loc, b.create<arith::SubFOp>(loc, y2, y1),
                                   b.create<arith::SubFOp>(loc, x2, x1));
  };
  Value inter = area(iy1, ix1, iy2, ix2);
  Value areaA = area(a.y1, a.x1, a.y2, a.x2);
  Value areaC = area(c.y1, c.x1, c.y2, c.x2);
  Value uni = b.create<arith::SubFOp>(
      loc, b.create<arith::AddFOp>(loc, areaA, areaC), inter);
  Value valid = b.create<arith::AndIOp>(
      loc, overlap,
      b.create<arith::AndIOp>(
          loc, b.create<arith::AndIOp>(loc, gt(areaA, zero), gt(areaC, zero)),
          gt(uni, zero)));
  Value iou = b.create<arith::DivFOp>(loc, inter, uni);
  return b.create<arith::AndIOp>(loc, valid, gt(iou, threshold));
}

/// The first element of an optional 1-element tensor, or `absent`.
Value readOptionalScalar(OpBuilder &b, Location loc, Value onnxValue,
                         Value converted, Value absent) {
  if (isNoValue(onnxValue))
    return absent;
  return readFirstElement(b, loc, converted);
}

struct NonMaxSuppressionLowering
    : public OpConversionPattern<NonMaxSuppressionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(NonMaxSuppressionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto boxesType = dyn_cast<RankedTensorType>(adaptor.getBoxes().getType());
    auto scoresType = dyn_cast<RankedTensorType>(adaptor.getScores().getType());
    if (!type || !boxesType || !scoresType || type.getRank() != 2 ||
        boxesType.getRank() != 3 || scoresType.getRank() != 3)
      return rewriter.notifyMatchFailure(
          op, "boxes and scores must be ranked 3-D tensors");
    for (Value v : {adaptor.getMaxOutputBoxesPerClass(),
                    adaptor.getIouThreshold(), adaptor.getScoreThreshold()})
      if (auto t = dyn_cast<RankedTensorType>(v.getType());
          t && t.getNumElements() != 1)
        return rewriter.notifyMatchFailure(
            op, "the limit and thresholds must hold one element");
    Location loc = op.getLoc();
    Value boxes = adaptor.getBoxes(), scores = adaptor.getScores();
    bool centerPointBox = op.getCenterPointBox() != 0;
    Type f32 = rewriter.getF32Type();
    Type i64 = rewriter.getI64Type();
    Type idx = rewriter.getIndexType();

    Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    Value maxOut =
        readOptionalScalar(rewriter, loc, op.getMaxOutputBoxesPerClass(),
                           adaptor.getMaxOutputBoxesPerClass(),
                           rewriter.create<arith::ConstantIntOp>(loc, 0, 64));
    // A negative limit selects nothing.
    maxOut = rewriter.create<arith::MaxSIOp>(
        loc, maxOut, rewriter.create<arith::ConstantIntOp>(loc, 0, 64));
    maxOut = rewriter.create<arith::IndexCastOp>(loc, idx, maxOut);
    Value iouThreshold = readOptionalScalar(
        rewriter, loc, op.getIouThreshold(), adaptor.getIouThreshold(),
        createScalar(rewriter, loc, f32, 0.0));
    Value scoreThreshold = readOptionalScalar(
        rewriter, loc, op.getScoreThreshold(), adaptor.getScoreThreshold(),
        rewriter.create<arith::ConstantOp>(
            loc, rewriter.getFloatAttr(
                     f32, APFloat::getInf(APFloat::IEEEsingle(), true))));
    bool filterScores = !isNoValue(op.getScoreThreshold());

    Value batches = getDimSize(rewriter, loc, boxes, 0);
    Value n = getDimSize(rewriter, loc, boxes, 1);
    Value classes = getDimSize(rewriter, loc, scores, 1);
    Value perClass = rewriter.create<arith::MinUIOp>(loc, maxOut, n);
    Value capacity = rewriter.create<arith::MulIOp>(
        loc, rewriter.create<arith::MulIOp>(loc, batches, classes), perClass);
    auto dynamic1D = [&](Type elt, Value size) -> Value {
      return rewriter.create<tensor::EmptyOp>(
          loc, ArrayRef<int64_t>{ShapedType::kDynamic}, elt, ValueRange{size});
    };
    Value rows = rewriter.create<tensor::EmptyOp>(
        loc, ArrayRef<int64_t>{ShapedType::kDynamic, 3}, i64,
        ValueRange{capacity});
    Value kept = dynamic1D(idx, perClass);
    Value perm = dynamic1D(i64, n);

    SmallVector<Value> results = buildLoopNestOver(
        rewriter, loc, {batches, classes}, ValueRange{rows, zero, kept, perm},
        [&](OpBuilder &b, Location l, ValueRange bc, ValueRange args) {
          Value batch = bc[0], cls = bc[1];
          auto score = [&](OpBuilder &nb, Location nl, Value p) -> Value {
            return nb.create<tensor::ExtractOp>(nl, scores,
                                                ValueRange{batch, cls, p});
          };
          // Higher score first, the lower index on ties.
          auto before = [&](OpBuilder &nb, Location nl, Value pa,
                            Value pb) -> Value {
            Value sa = score(nb, nl, pa), sb = score(nb, nl, pb);
            Value higher =
                nb.create<arith::CmpFOp>(nl, arith::CmpFPredicate::OGT, sa, sb);
            Value tie = nb.create<arith::AndIOp>(
                nl,
                nb.create<arith::CmpFOp>(nl, arith::CmpFPredicate::OEQ, sa, sb),
                nb.create<arith::CmpIOp>(nl, arith::CmpIPredicate::ult, pa,
                                         pb));
            return nb.create<arith::OrIOp>(nl, higher, tie);
          };
          // Carried: rows, row count, kept boxes of this class, their count.
          SmallVector<Value> carried;
          Value heap = heapSelect(
              b, l, args[3], n, n, before,
              [&](OpBuilder &nb, Location nl, Value, Value p,
                  ValueRange acc) -> SmallVector<Value> {
                Value room = nb.create<arith::CmpIOp>(
                    nl, arith::CmpIPredicate::ult, acc[3], perClass);
                if (filterScores)
                  room = nb.create<arith::AndIOp>(
                      nl, room,
                      nb.create<arith::CmpFOp>(nl, arith::CmpFPredicate::OGT,
                                               score(nb, nl, p),
                                               scoreThreshold));
                auto candidate = nb.create<scf::IfOp>(
                    nl, room,
                    [&](OpBuilder &tb, Location tl) {
                      Corners box =
                          readBox(tb, tl, boxes, batch, p, centerPointBox);
                      auto check = tb.create<scf::ForOp>(
                          tl, zero, acc[3], one,
                          ValueRange{tb.create<arith::ConstantIntOp>(tl, 0, 1)},
                          [&](OpBuilder &fb, Location fl, Value s,
                              ValueRange any) {
                            Value q =
                                fb.create<tensor::ExtractOp>(fl, acc[2], s);
                            Corners other = readBox(fb, fl, boxes, batch, q,
                                                    centerPointBox);
                            Value hit =
                                suppresses(fb, fl, box, other, iouThreshold);
                            fb.create<scf::YieldOp>(
                                fl, ValueRange{fb.create<arith::OrIOp>(
                                        fl, any[0], hit)});
                          });
                      tb.create<scf::YieldOp>(tl, check.getResult(0));
                    },
                    [&](OpBuilder &eb, Location el) {
                      eb.create<scf::YieldOp>(
                          el, ValueRange{
                                  eb.create<arith::ConstantIntOp>(el, 1, 1)});
                    });
                Value keep = nb.create<arith::XOrIOp>(
                    nl, candidate.getResult(0),
                    nb.create<arith::ConstantIntOp>(nl, 1, 1));
                auto update = nb.create<scf::IfOp>(
                    nl, keep,
                    [&](OpBuilder &tb, Location tl) {
                      Value out = acc[0];
                      Value fields[3] = {batch, cls, p};
                      for (int64_t i = 0; i < 3; ++i)
                        out = tb.create<tensor::InsertOp>(
                            tl,
                            tb.create<arith::IndexCastOp>(tl, i64, fields[i]),
                            out,
                            ValueRange{
                                acc[1],
                                tb.create<arith::ConstantIndexOp>(tl, i)});
                      Value keptBoxes =
                          tb.create<tensor::InsertOp>(tl, p, acc[2], acc[3]);
                      tb.create<scf::YieldOp>(
                          tl,
                          ValueRange{
                              out, tb.create<arith::AddIOp>(tl, acc[1], one),
                              keptBoxes,
                              tb.create<arith::AddIOp>(tl, acc[3], one)});
                    },
                    [&](OpBuilder &eb, Location el) {
                      eb.create<scf::YieldOp>(el, acc);
                    });
                return SmallVector<Value>(update.getResults());
              },
              ValueRange{args[0], args[1], args[2], zero}, carried);
          return SmallVector<Value>{carried[0], carried[1], carried[2], heap};
        });
    Value result = rewriter.create<tensor::ExtractSliceOp>(
        loc, results[0], ArrayRef<OpFoldResult>{zero, zero},
        ArrayRef<OpFoldResult>{results[1], rewriter.getIndexAttr(3)},
        ArrayRef<OpFoldResult>{one, one});
    if (result.getType() != type)
      result = rewriter.create<tensor::CastOp>(loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateNonMaxSuppressionPatterns(const TypeConverter &tc,
                                       RewritePatternSet &patterns) {
  patterns.add<NonMaxSuppressionLowering>(tc, patterns.getContext());
}

} // namespace fulcrum::lowering
