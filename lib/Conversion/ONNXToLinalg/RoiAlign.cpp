//===- RoiAlign.cpp - Lowering of RoiAlign
//---------------------------------===//
//
// Part of Fulcrum. RoiAlign (average mode): a generic over the output
// [rois, C, output_height, output_width] whose body averages, with scf
// loops, the bilinear samples of a grid in its bin of the region, with the
// semantics of ONNX Runtime's kernel (samples outside [-1, size] count as
// 0; coordinates clamp at the border).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

struct RoiAlignLowering : public OpConversionPattern<RoiAlignOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RoiAlignOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto xType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    if (!type || !xType || xType.getRank() != 4 || type.getRank() != 4 ||
        !isa<RankedTensorType>(adaptor.getRois().getType()))
      return rewriter.notifyMatchFailure(op, "X must be a ranked 4-D tensor");
    if (op.getMode() != "avg")
      return rewriter.notifyMatchFailure(op, "only mode avg is lowered");
    StringRef ctm = op.getCoordinateTransformationMode();
    if (ctm != "half_pixel" && ctm != "output_half_pixel")
      return rewriter.notifyMatchFailure(
          op, "unknown coordinate_transformation_mode");
    bool aligned = ctm == "half_pixel";
    Location loc = op.getLoc();
    Value x = adaptor.getX(), rois = adaptor.getRois(),
          batchIndices = adaptor.getBatchIndices();
    Type elt = type.getElementType();
    int64_t outH = op.getOutputHeight(), outW = op.getOutputWidth();
    int64_t ratio = op.getSamplingRatio();
    double scale = op.getSpatialScale().convertToDouble();
    Value height = getDimSize(rewriter, loc, x, 2);
    Value width = getDimSize(rewriter, loc, x, 3);
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < 4; ++d)
      if (type.isDynamicDim(d))
        dynamic.push_back(d == 0   ? getDimSize(rewriter, loc, rois, 0)
                          : d == 1 ? getDimSize(rewriter, loc, x, 1)
                                   : Value());
    if (llvm::is_contained(dynamic, Value()))
      return rewriter.notifyMatchFailure(op, "dynamic output height/width");

    Value result = generateTensor(
        rewriter, loc, createEmpty(rewriter, loc, type, dynamic),
        [&](OpBuilder &b, Location l, ValueRange ivs) -> Value {
          auto f = [&](double v) { return createScalar(b, l, elt, v); };
          auto idx = [&](int64_t v) -> Value {
            return b.create<arith::ConstantIndexOp>(l, v);
          };
          auto toFloat = [&](Value i) -> Value {
            return b.create<arith::UIToFPOp>(
                l, elt, b.create<arith::IndexCastOp>(l, b.getI64Type(), i));
          };
          Value r = ivs[0], c = ivs[1];
          Value batch = b.create<arith::IndexCastOp>(
              l, b.getIndexType(),
              b.create<tensor::ExtractOp>(l, batchIndices, r));
          Value offset = f(aligned ? 0.5 : 0.0);
          auto coord = [&](int64_t i) -> Value {
            Value v =
                b.create<tensor::ExtractOp>(l, rois, ValueRange{r, idx(i)});
            return b.create<arith::SubFOp>(
                l, b.create<arith::MulFOp>(l, v, f(scale)), offset);
          };
          Value startW = coord(0), startH = coord(1);
          Value roiW = b.create<arith::SubFOp>(l, coord(2), startW);
          Value roiH = b.create<arith::SubFOp>(l, coord(3), startH);
          if (!aligned) {
            roiW = b.create<arith::MaximumFOp>(l, roiW, f(1.0));
            roiH = b.create<arith::MaximumFOp>(l, roiH, f(1.0));
          }
          Value binH = b.create<arith::DivFOp>(l, roiH, f(outH));
          Value binW = b.create<arith::DivFOp>(l, roiW, f(outW));
          // Samples per bin: sampling_ratio, or ceil(roi size / output size).
          auto grid = [&](Value bin) -> Value {
            if (ratio > 0)
              return idx(ratio);
            return b.create<arith::IndexCastOp>(
                l, b.getIndexType(),
                b.create<arith::FPToSIOp>(l, b.getI64Type(),
                                          b.create<math::CeilOp>(l, bin)));
          };
          Value gridH = grid(binH), gridW = grid(binW);
          Value count = b.create<arith::MaximumFOp>(
              l, b.create<arith::MulFOp>(l, toFloat(gridH), toFloat(gridW)),
              f(1.0));
          Value baseH = b.create<arith::AddFOp>(
              l, startH, b.create<arith::MulFOp>(l, toFloat(ivs[2]), binH));
          Value baseW = b.create<arith::AddFOp>(
              l, startW, b.create<arith::MulFOp>(l, toFloat(ivs[3]), binW));
          Value stepH = b.create<arith::DivFOp>(l, binH, toFloat(gridH));
          Value stepW = b.create<arith::DivFOp>(l, binW, toFloat(gridW));
          Value heightF = toFloat(height), widthF = toFloat(width);
          // The sample position along one axis: clamped coordinate, low and
          // high index and the weight of the high one.
          auto axis = [&](OpBuilder &nb, Location nl, Value v, Value size) {
            v = nb.create<arith::MaximumFOp>(nl, v, f(0.0));
            Value low = nb.create<arith::FPToSIOp>(nl, nb.getI64Type(), v);
            Value last = nb.create<arith::SubIOp>(
                nl, nb.create<arith::IndexCastOp>(nl, nb.getI64Type(), size),
                nb.create<arith::ConstantIntOp>(nl, 1, 64));
            Value atEnd = nb.create<arith::CmpIOp>(
                nl, arith::CmpIPredicate::sge, low, last);
            low = nb.create<arith::SelectOp>(nl, atEnd, last, low);
            Value high = nb.create<arith::SelectOp>(
                nl, atEnd, last,
                nb.create<arith::AddIOp>(
                    nl, low, nb.create<arith::ConstantIntOp>(nl, 1, 64)));
            Value lowF = nb.create<arith::SIToFPOp>(nl, elt, low);
            v = nb.create<arith::SelectOp>(nl, atEnd, lowF, v);
            Value frac = nb.create<arith::SubFOp>(nl, v, lowF);
            auto toIndex = [&](Value i) -> Value {
              return nb.create<arith::IndexCastOp>(nl, nb.getIndexType(), i);
            };
            return std::tuple{toIndex(low), toIndex(high), frac};
          };
          auto sumLoop = b.create<scf::ForOp>(
              l, idx(0), gridH, idx(1), ValueRange{f(0.0)},
              [&](OpBuilder &hb, Location hl, Value iy, ValueRange accH) {
                Value y = hb.create<arith::AddFOp>(
                    hl, baseH,
                    hb.create<arith::MulFOp>(
                        hl, hb.create<arith::AddFOp>(hl, toFloat(iy), f(0.5)),
                        stepH));
                auto inner = hb.create<scf::ForOp>(
                    hl, idx(0), gridW, idx(1), accH,
                    [&](OpBuilder &wb, Location wl, Value ix, ValueRange accW) {
                      Value xv = wb.create<arith::AddFOp>(
                          wl, baseW,
                          wb.create<arith::MulFOp>(
                              wl,
                              wb.create<arith::AddFOp>(wl, toFloat(ix), f(0.5)),
                              stepW));
                      auto outside = [&](Value v, Value sizeF) -> Value {
                        return wb.create<arith::OrIOp>(
                            wl,
                            wb.create<arith::CmpFOp>(
                                wl, arith::CmpFPredicate::OLT, v, f(-1.0)),
                            wb.create<arith::CmpFOp>(
                                wl, arith::CmpFPredicate::OGT, v, sizeF));
                      };
                      Value skip = wb.create<arith::OrIOp>(
                          wl, outside(y, heightF), outside(xv, widthF));
                      auto [y0, y1, ly] = axis(wb, wl, y, height);
                      auto [x0, x1, lx] = axis(wb, wl, xv, width);
                      Value hy = wb.create<arith::SubFOp>(wl, f(1.0), ly);
                      Value hx = wb.create<arith::SubFOp>(wl, f(1.0), lx);
                      auto tap = [&](Value yi, Value xi, Value wy,
                                     Value wx) -> Value {
                        Value v = wb.create<tensor::ExtractOp>(
                            wl, x, ValueRange{batch, c, yi, xi});
                        return wb.create<arith::MulFOp>(
                            wl, wb.create<arith::MulFOp>(wl, wy, wx), v);
                      };
                      Value sample = wb.create<arith::AddFOp>(
                          wl,
                          wb.create<arith::AddFOp>(wl, tap(y0, x0, hy, hx),
                                                   tap(y0, x1, hy, lx)),
                          wb.create<arith::AddFOp>(wl, tap(y1, x0, ly, hx),
                                                   tap(y1, x1, ly, lx)));
                      sample =
                          wb.create<arith::SelectOp>(wl, skip, f(0.0), sample);
                      wb.create<scf::YieldOp>(
                          wl, ValueRange{wb.create<arith::AddFOp>(wl, accW[0],
                                                                  sample)});
                    });
                hb.create<scf::YieldOp>(hl, inner.getResults());
              });
          return b.create<arith::DivFOp>(l, sumLoop.getResult(0), count);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateRoiAlignPatterns(const TypeConverter &tc,
                              RewritePatternSet &patterns) {
  patterns.add<RoiAlignLowering>(tc, patterns.getContext());
}

} // namespace fulcrum::lowering
