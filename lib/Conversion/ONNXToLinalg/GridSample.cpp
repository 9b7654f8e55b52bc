//===- GridSample.cpp - Lowering of GridSample ----------------------------===//
//
// Part of Fulcrum. GridSample (4-D input): a generic over the output
// [N, C, H_out, W_out] whose body reads the grid's (x, y) for its position,
// maps it from [-1, 1] to pixel coordinates (align_corners or not) and
// interpolates the input there: bilinear (4 taps), nearest (round half to
// even) or bicubic (16 taps, A = -0.75), with the semantics of PyTorch's
// grid_sample: padding `zeros` reads 0 outside the input, `border` clamps
// the coordinate to the input and `reflection` reflects it at the borders
// (at the corner pixels' centres with align_corners, at the image's edges
// without) and then clamps it.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

enum class Padding { Zeros, Border, Reflection };

/// The arithmetic of one output element, in the element type `elt`.
struct Sampler {
  OpBuilder &b;
  Location loc;
  Type elt;
  Padding padding;
  bool alignCorners;
  Value x, n, c;         // the input and the output's batch and channel
  Value height, width;   // index
  Value heightF, widthF; // elt

  Value f(double v) { return createScalar(b, loc, elt, v); }
  Value add(Value a, Value c) { return b.create<arith::AddFOp>(loc, a, c); }
  Value sub(Value a, Value c) { return b.create<arith::SubFOp>(loc, a, c); }
  Value mul(Value a, Value c) { return b.create<arith::MulFOp>(loc, a, c); }
  Value div(Value a, Value c) { return b.create<arith::DivFOp>(loc, a, c); }

  /// Grid value in [-1, 1] to a pixel coordinate.
  Value unnormalize(Value g, Value sizeF) {
    Value plusOne = add(g, f(1.0));
    if (alignCorners)
      return mul(div(plusOne, f(2.0)), sub(sizeF, f(1.0)));
    return div(sub(mul(plusOne, sizeF), f(1.0)), f(2.0));
  }

  Value clip(Value v, Value sizeF) {
    v = b.create<arith::MaximumFOp>(loc, v, f(0.0));
    return b.create<arith::MinimumFOp>(loc, v, sub(sizeF, f(1.0)));
  }

  /// Reflects v into [twiceLow / 2, twiceHigh / 2] (PyTorch's
  /// reflect_coordinates); 0 when the interval is empty.
  Value reflect(Value v, Value twiceLow, Value twiceHigh) {
    Value low = div(twiceLow, f(2.0));
    Value span = div(sub(twiceHigh, twiceLow), f(2.0));
    v = b.create<math::AbsFOp>(loc, sub(v, low));
    Value extra = b.create<arith::RemFOp>(loc, v, span);
    Value flips = b.create<math::FloorOp>(loc, div(v, span));
    Value even = b.create<arith::CmpFOp>(
        loc, arith::CmpFPredicate::OEQ,
        b.create<arith::RemFOp>(loc, flips, f(2.0)), f(0.0));
    Value r = b.create<arith::SelectOp>(loc, even, add(extra, low),
                                        add(sub(span, extra), low));
    Value empty = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ,
                                          twiceLow, twiceHigh);
    return b.create<arith::SelectOp>(loc, empty, f(0.0), r);
  }

  /// The padding mode applied to a coordinate.
  Value pad(Value v, Value sizeF) {
    switch (padding) {
    case Padding::Zeros:
      return v;
    case Padding::Border:
      return clip(v, sizeF);
    case Padding::Reflection:
      if (alignCorners)
        v = reflect(v, f(0.0), mul(f(2.0), sub(sizeF, f(1.0))));
      else
        v = reflect(v, f(-1.0), sub(mul(f(2.0), sizeF), f(1.0)));
      return clip(v, sizeF);
    }
    llvm_unreachable("padding mode");
  }

  Value toI64(Value v) {
    return b.create<arith::FPToSIOp>(loc, b.getI64Type(), v);
  }

  /// The input at integer coordinates (i64), 0 outside it.
  Value tap(Value yi, Value xi) {
    auto i64 = [&](Value size) -> Value {
      return b.create<arith::IndexCastOp>(loc, b.getI64Type(), size);
    };
    Value zero = b.create<arith::ConstantIntOp>(loc, 0, 64);
    Value one = b.create<arith::ConstantIntOp>(loc, 1, 64);
    auto inside = [&](Value i, Value size) -> Value {
      return b.create<arith::AndIOp>(
          loc, b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, i, zero),
          b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, i, size));
    };
    auto clamp = [&](Value i, Value size) -> Value {
      i = b.create<arith::MaxSIOp>(loc, i, zero);
      i = b.create<arith::MinSIOp>(loc, i,
                                   b.create<arith::SubIOp>(loc, size, one));
      return b.create<arith::IndexCastOp>(loc, b.getIndexType(), i);
    };
    Value h = i64(height), w = i64(width);
    Value in = b.create<arith::AndIOp>(loc, inside(yi, h), inside(xi, w));
    Value v = b.create<tensor::ExtractOp>(
        loc, x, ValueRange{n, c, clamp(yi, h), clamp(xi, w)});
    return b.create<arith::SelectOp>(loc, in, v, f(0.0));
  }

  Value bilinear(Value gx, Value gy) {
    Value px = pad(unnormalize(gx, widthF), widthF);
    Value py = pad(unnormalize(gy, heightF), heightF);
    Value x0 = b.create<math::FloorOp>(loc, px);
    Value y0 = b.create<math::FloorOp>(loc, py);
    Value wx1 = sub(px, x0), wy1 = sub(py, y0);
    Value wx0 = sub(f(1.0), wx1), wy0 = sub(f(1.0), wy1);
    Value ix0 = toI64(x0), iy0 = toI64(y0);
    Value one = b.create<arith::ConstantIntOp>(loc, 1, 64);
    Value ix1 = b.create<arith::AddIOp>(loc, ix0, one);
    Value iy1 = b.create<arith::AddIOp>(loc, iy0, one);
    return add(add(mul(mul(wy0, wx0), tap(iy0, ix0)),
                   mul(mul(wy0, wx1), tap(iy0, ix1))),
               add(mul(mul(wy1, wx0), tap(iy1, ix0)),
                   mul(mul(wy1, wx1), tap(iy1, ix1))));
  }

  Value nearest(Value gx, Value gy) {
    Value px = pad(unnormalize(gx, widthF), widthF);
    Value py = pad(unnormalize(gy, heightF), heightF);
    return tap(toI64(b.create<math::RoundEvenOp>(loc, py)),
               toI64(b.create<math::RoundEvenOp>(loc, px)));
  }

  /// The four cubic convolution weights of fraction t (A = -0.75).
  SmallVector<Value> cubicWeights(Value t) {
    const double a = -0.75;
    // |d| <= 1: ((A + 2) d - (A + 3)) d^2 + 1.
    auto near = [&](Value d) {
      return add(mul(mul(sub(mul(f(a + 2), d), f(a + 3)), d), d), f(1.0));
    };
    // 1 < |d| < 2: ((A d - 5 A) d + 8 A) d - 4 A.
    auto far = [&](Value d) {
      return sub(mul(add(mul(sub(mul(f(a), d), f(5 * a)), d), f(8 * a)), d),
                 f(4 * a));
    };
    return {far(add(t, f(1.0))), near(t), near(sub(f(1.0), t)),
            far(sub(f(2.0), t))};
  }

  Value bicubic(Value gx, Value gy) {
    Value px = unnormalize(gx, widthF), py = unnormalize(gy, heightF);
    Value x0 = b.create<math::FloorOp>(loc, px);
    Value y0 = b.create<math::FloorOp>(loc, py);
    SmallVector<Value> wx = cubicWeights(sub(px, x0));
    SmallVector<Value> wy = cubicWeights(sub(py, y0));
    Value sum = f(0.0);
    for (int j = 0; j < 4; ++j) {
      Value yj = toI64(pad(add(y0, f(j - 1)), heightF));
      Value row = f(0.0);
      for (int i = 0; i < 4; ++i) {
        Value xi = toI64(pad(add(x0, f(i - 1)), widthF));
        row = add(row, mul(wx[i], tap(yj, xi)));
      }
      sum = add(sum, mul(wy[j], row));
    }
    return sum;
  }
};

struct GridSampleLowering : public OpConversionPattern<GridSampleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GridSampleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto xType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto gridType = dyn_cast<RankedTensorType>(adaptor.getGrid().getType());
    if (!type || !xType || !gridType || xType.getRank() != 4 ||
        gridType.getRank() != 4 || type.getRank() != 4)
      return refuse(op, rewriter,
                    "only 4-D inputs and grids of known rank are lowered");
    Type elt = type.getElementType();
    if (!isa<FloatType>(elt) || xType.getElementType() != elt ||
        gridType.getElementType() != elt)
      return refuse(op, rewriter,
                    "input, grid and output must have one float type");
    if (!gridType.isDynamicDim(3) && gridType.getDimSize(3) != 2)
      return refuse(op, rewriter, "the grid's last dimension must be 2");
    StringRef mode = op.getMode();
    if (mode != "bilinear" && mode != "nearest" && mode != "bicubic")
      return refuse(op, rewriter, "unknown mode '" + mode + "'");
    StringRef paddingName = op.getPaddingMode();
    Padding padding;
    if (paddingName == "zeros")
      padding = Padding::Zeros;
    else if (paddingName == "border")
      padding = Padding::Border;
    else if (paddingName == "reflection")
      padding = Padding::Reflection;
    else
      return refuse(op, rewriter, "unknown padding_mode '" + paddingName + "'");

    Location loc = op.getLoc();
    Value x = adaptor.getX(), grid = adaptor.getGrid();
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < 4; ++d)
      if (type.isDynamicDim(d))
        dynamic.push_back(d < 2 ? getDimSize(rewriter, loc, x, d)
                                : getDimSize(rewriter, loc, grid, d - 1));
    Value height = getDimSize(rewriter, loc, x, 2);
    Value width = getDimSize(rewriter, loc, x, 3);
    bool align = op.getAlignCorners() != 0;

    Value result = generateTensor(
        rewriter, loc, createEmpty(rewriter, loc, type, dynamic),
        [&](OpBuilder &b, Location l, ValueRange ivs) -> Value {
          auto toFloat = [&](Value i) -> Value {
            return b.create<arith::UIToFPOp>(
                l, elt, b.create<arith::IndexCastOp>(l, b.getI64Type(), i));
          };
          Sampler s{
              b,      l,      elt,    padding, align,           x,
              ivs[0], ivs[1], height, width,   toFloat(height), toFloat(width)};
          auto coord = [&](int64_t i) -> Value {
            return b.create<tensor::ExtractOp>(
                l, grid,
                ValueRange{ivs[0], ivs[2], ivs[3],
                           b.create<arith::ConstantIndexOp>(l, i)});
          };
          Value gx = coord(0), gy = coord(1);
          if (mode == "nearest")
            return s.nearest(gx, gy);
          if (mode == "bicubic")
            return s.bicubic(gx, gy);
          return s.bilinear(gx, gy);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateGridSamplePatterns(const TypeConverter &tc,
                                RewritePatternSet &patterns) {
  patterns.add<GridSampleLowering>(tc, patterns.getContext());
}

} // namespace fulcrum::lowering
