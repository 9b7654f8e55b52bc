//===- Resize.cpp - Lowering of Resize ------------------------------------===//
//
// Part of Fulcrum. Each output element maps back to input coordinates (per
// coordinate_transformation_mode); nearest rounds them (per nearest_mode),
// linear blends 2 and cubic 4 neighbours per resized dimension. Static
// shapes; scales constant or read at run time; tf_crop_and_resize reads
// its region from roi and gives extrapolation_value outside the input.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <cmath>

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

struct ResizeLowering : public OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto inType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    if (!type || !inType || !type.hasStaticShape() ||
        !inType.hasStaticShape() || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "dynamic shapes or integer data");
    StringRef mode = op.getMode();
    StringRef ctm = op.getCoordinateTransformationMode();
    StringRef nearestMode = op.getNearestMode();
    if (mode != "nearest" && mode != "linear" && mode != "cubic")
      return rewriter.notifyMatchFailure(op, "unsupported mode");
    bool crop = ctm == "tf_crop_and_resize";
    auto roiType = dyn_cast<RankedTensorType>(adaptor.getRoi().getType());
    if (crop && (isNoValue(op.getRoi()) || !roiType || roiType.getRank() != 1 ||
                 roiType.getDimSize(0) != 2 * type.getRank()))
      return rewriter.notifyMatchFailure(
          op, "tf_crop_and_resize needs a roi of 2 * rank values");
    int64_t rank = type.getRank();
    // Scales: the scales input (a constant, or read at run time), or out/in
    // when sizes are given instead.
    SmallVector<double> scales;
    bool runtimeScales = false;
    if (!isNoValue(op.getScales())) {
      auto scalesType =
          dyn_cast<RankedTensorType>(adaptor.getScales().getType());
      auto s = getConstantFloats(op.getScales());
      if (s && !s->empty()) {
        if (static_cast<int64_t>(s->size()) != rank)
          return rewriter.notifyMatchFailure(op, "scales of the wrong length");
        scales.assign(s->begin(), s->end());
      } else if (!s && scalesType && scalesType.getDimSize(0) == rank) {
        runtimeScales = true;
      }
    }
    if (scales.empty())
      for (int64_t d = 0; d < rank; ++d)
        scales.push_back(static_cast<double>(type.getDimSize(d)) /
                         inType.getDimSize(d));
    Value scalesInput = runtimeScales ? adaptor.getScales() : Value();

    Location loc = op.getLoc();
    Value x = adaptor.getX();
    Type elt = type.getElementType();
    Type f32 = rewriter.getF32Type();
    Value result = generateTensor(
        rewriter, loc, createEmpty(rewriter, loc, type, {}),
        [&](OpBuilder &b, Location l, ValueRange indices) -> Value {
          auto cf = [&](double v) {
            return b
                .create<arith::ConstantOp>(
                    l, b.getF32FloatAttr(static_cast<float>(v)))
                .getResult();
          };
          auto toIndex = [&](Value f) {
            return b
                .create<arith::IndexCastOp>(
                    l, b.getIndexType(),
                    b.create<arith::FPToSIOp>(l, b.getI64Type(), f))
                .getResult();
          };
          // Per dimension: the original coordinate, or a plain index for
          // dimensions that are not resized.
          // Per dimension, the input positions to read and their weights:
          // one tap (not resized, nearest), two (linear) or four (cubic).
          SmallVector<SmallVector<Value>> taps(rank), weights(rank);
          // tf_crop_and_resize: whether some coordinate falls outside the
          // input (the element is then extrapolation_value).
          Value outside;
          for (int64_t d = 0; d < rank; ++d) {
            int64_t in = inType.getDimSize(d), out = type.getDimSize(d);
            Value i = indices[d];
            // (A crop of a size-1 dimension always reads its element.)
            bool isResized = (crop && in > 1) || in != out ||
                             (!scalesInput && scales[d] != 1.0);
            if (!isResized) {
              taps[d] = {i};
              weights[d] = {cf(1)};
              continue;
            }
            Value xf = b.create<arith::SIToFPOp>(
                l, f32, b.create<arith::IndexCastOp>(l, b.getI64Type(), i));
            Value s =
                scalesInput
                    ? b.create<tensor::ExtractOp>(
                           l, scalesInput,
                           ValueRange{b.create<arith::ConstantIndexOp>(l, d)})
                          .getResult()
                    : cf(scales[d]);
            Value orig;
            if (ctm == "asymmetric") {
              orig = b.create<arith::DivFOp>(l, xf, s);
            } else if (ctm == "align_corners") {
              // The resized length is in * scale (not rounded) when scales
              // are given.
              Value length = b.create<arith::MulFOp>(l, cf(in), s);
              Value denom = b.create<arith::SubFOp>(l, length, cf(1));
              orig = out == 1
                         ? cf(0)
                         : b.create<arith::DivFOp>(
                                l, b.create<arith::MulFOp>(l, xf, cf(in - 1)),
                                denom)
                               .getResult();
            } else if (crop) {
              // start * (in - 1) + x * (end - start) * (in - 1) / (out - 1),
              // or the middle of the region for a single output.
              auto roi = [&](int64_t at) -> Value {
                Value v = b.create<tensor::ExtractOp>(
                    l, adaptor.getRoi(),
                    ValueRange{b.create<arith::ConstantIndexOp>(l, at)});
                return castScalar(b, l, v, roiType.getElementType(), f32);
              };
              Value start = roi(d), end = roi(d + rank);
              Value span = cf(in - 1);
              if (out > 1)
                orig = b.create<arith::AddFOp>(
                    l, b.create<arith::MulFOp>(l, start, span),
                    b.create<arith::DivFOp>(
                        l,
                        b.create<arith::MulFOp>(
                            l, xf,
                            b.create<arith::MulFOp>(
                                l, b.create<arith::SubFOp>(l, end, start),
                                span)),
                        cf(out - 1)));
              else
                orig = b.create<arith::MulFOp>(
                    l,
                    b.create<arith::MulFOp>(
                        l, b.create<arith::AddFOp>(l, start, end), cf(0.5)),
                    span);
              Value beyond = b.create<arith::OrIOp>(
                  l,
                  b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT, orig,
                                          cf(0)),
                  b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, orig,
                                          span));
              outside =
                  outside
                      ? b.create<arith::OrIOp>(l, outside, beyond).getResult()
                      : beyond;
            } else if (ctm == "tf_half_pixel_for_nn") {
              orig = b.create<arith::DivFOp>(
                  l, b.create<arith::AddFOp>(l, xf, cf(0.5)), s);
            } else { // half_pixel, pytorch_half_pixel
              orig = b.create<arith::SubFOp>(
                  l,
                  b.create<arith::DivFOp>(
                      l, b.create<arith::AddFOp>(l, xf, cf(0.5)), s),
                  cf(0.5));
              if (ctm == "pytorch_half_pixel" && out == 1)
                orig = cf(0);
            }
            auto clampF = [&](Value v) {
              return b
                  .create<arith::MinimumFOp>(
                      l, b.create<arith::MaximumFOp>(l, v, cf(0)), cf(in - 1))
                  .getResult();
            };
            if (mode == "nearest") {
              Value r;
              if (nearestMode == "floor")
                r = b.create<math::FloorOp>(l, orig);
              else if (nearestMode == "ceil")
                r = b.create<math::CeilOp>(l, orig);
              else if (nearestMode == "round_prefer_ceil")
                r = b.create<math::FloorOp>(
                    l, b.create<arith::AddFOp>(l, orig, cf(0.5)));
              else // round_prefer_floor
                r = b.create<math::CeilOp>(
                    l, b.create<arith::SubFOp>(l, orig, cf(0.5)));
              taps[d] = {toIndex(clampF(r))};
              weights[d] = {cf(1)};
              continue;
            }
            if (mode == "linear") {
              Value c = clampF(orig);
              Value f = b.create<math::FloorOp>(l, c);
              Value w = b.create<arith::SubFOp>(l, c, f);
              taps[d] = {
                  toIndex(f),
                  toIndex(b.create<arith::MinimumFOp>(
                      l, b.create<arith::AddFOp>(l, f, cf(1)), cf(in - 1)))};
              weights[d] = {b.create<arith::SubFOp>(l, cf(1), w), w};
              continue;
            }
            // Cubic: taps floor-1 .. floor+2 with Keys' kernel (A =
            // cubic_coeff_a); positions clamp to the edge, or with
            // exclude_outside their weights drop out and the rest are
            // renormalized.
            double A = op.getCubicCoeffA().convertToDouble();
            Value f = b.create<math::FloorOp>(l, orig);
            Value frac = b.create<arith::SubFOp>(l, orig, f);
            auto kernel = [&](Value t) -> Value {
              t = b.create<math::AbsFOp>(l, t);
              Value t2 = b.create<arith::MulFOp>(l, t, t);
              Value t3 = b.create<arith::MulFOp>(l, t2, t);
              Value near = b.create<arith::AddFOp>(
                  l,
                  b.create<arith::SubFOp>(
                      l, b.create<arith::MulFOp>(l, cf(A + 2), t3),
                      b.create<arith::MulFOp>(l, cf(A + 3), t2)),
                  cf(1));
              Value far = b.create<arith::SubFOp>(
                  l,
                  b.create<arith::AddFOp>(
                      l,
                      b.create<arith::SubFOp>(
                          l, b.create<arith::MulFOp>(l, cf(A), t3),
                          b.create<arith::MulFOp>(l, cf(5 * A), t2)),
                      b.create<arith::MulFOp>(l, cf(8 * A), t)),
                  cf(4 * A));
              Value isNear = b.create<arith::CmpFOp>(
                  l, arith::CmpFPredicate::OLE, t, cf(1));
              Value isFar = b.create<arith::CmpFOp>(
                  l, arith::CmpFPredicate::OLT, t, cf(2));
              return b.create<arith::SelectOp>(
                  l, isNear, near,
                  b.create<arith::SelectOp>(l, isFar, far, cf(0)));
            };
            SmallVector<Value> ws;
            Value sum = cf(0);
            bool exclude = op.getExcludeOutside() != 0;
            for (int64_t tap = -1; tap <= 2; ++tap) {
              Value pos = b.create<arith::AddFOp>(l, f, cf(tap));
              Value w = kernel(b.create<arith::SubFOp>(l, frac, cf(tap)));
              if (exclude) {
                Value inside = b.create<arith::AndIOp>(
                    l,
                    b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGE, pos,
                                            cf(0)),
                    b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLE, pos,
                                            cf(in - 1)));
                w = b.create<arith::SelectOp>(l, inside, w, cf(0));
              }
              sum = b.create<arith::AddFOp>(l, sum, w);
              taps[d].push_back(toIndex(clampF(pos)));
              ws.push_back(w);
            }
            for (Value w : ws)
              weights[d].push_back(
                  exclude ? b.create<arith::DivFOp>(l, w, sum).getResult() : w);
          }
          // Sum over every combination of taps.
          Value acc = cf(0);
          SmallVector<size_t> choice(rank, 0);
          while (true) {
            SmallVector<Value> coords;
            Value w = cf(1);
            for (int64_t d = 0; d < rank; ++d) {
              coords.push_back(taps[d][choice[d]]);
              if (weights[d].size() > 1)
                w = b.create<arith::MulFOp>(l, w, weights[d][choice[d]]);
            }
            Value v = b.create<tensor::ExtractOp>(l, x, coords);
            if (elt != f32)
              v = b.create<arith::ExtFOp>(l, f32, v);
            acc = b.create<arith::AddFOp>(l, acc,
                                          b.create<arith::MulFOp>(l, v, w));
            int64_t d = rank - 1;
            while (d >= 0 && ++choice[d] == taps[d].size())
              choice[d--] = 0;
            if (d < 0)
              break;
          }
          if (outside)
            acc = b.create<arith::SelectOp>(
                l, outside, cf(op.getExtrapolationValue().convertToDouble()),
                acc);
          if (elt != f32)
            acc = b.create<arith::TruncFOp>(l, elt, acc);
          return acc;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateResizePatterns(const TypeConverter &tc,
                            RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(tc, patterns.getContext());
}

} // namespace fulcrum::lowering
