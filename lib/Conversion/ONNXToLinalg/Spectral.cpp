//===- Spectral.cpp - Lowering of DFT and STFT ----------------------------===//
//
// Part of Fulcrum. DFT and STFT as direct sums: a generic over the output
// (whose last dimension holds the real and imaginary parts) whose body sums,
// with an scf loop, x[n] * e^(-+2 pi i k n / N) in f64. The twiddle's angle
// is reduced exactly in integers ((k * n) mod N) before the f64 sine and
// cosine, so that the sums match a float64 FFT to well within fp32
// rounding, also where the exact result is 0.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

/// A sample of the signal as f64 (real, imaginary) parts.
using SampleFn =
    function_ref<std::pair<Value, Value>(OpBuilder &, Location, Value n)>;

Value toF64(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isF64())
    return v;
  return b.create<arith::ExtFOp>(loc, b.getF64Type(), v);
}

/// sum over n < count of sample(n) * e^(sign 2 pi i k n / length), for the
/// output component `part` (index 0: real, 1: imaginary), divided by length
/// when inverse (sign +1); converted to `elt`. k, count, length: index.
Value complexSum(OpBuilder &b, Location loc, Type elt, Value k, Value count,
                 Value length, Value part, bool inverse, SampleFn sample) {
  Type f64 = b.getF64Type();
  auto f = [&](double v) { return createScalar(b, loc, f64, v); };
  auto toF = [&](OpBuilder &nb, Location nl, Value i) -> Value {
    return nb.create<arith::UIToFPOp>(
        nl, f64, nb.create<arith::IndexCastOp>(nl, nb.getI64Type(), i));
  };
  Value lengthF = toF(b, loc, length);
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  auto loop = b.create<scf::ForOp>(
      loc, zero, count, one, ValueRange{f(0.0), f(0.0)},
      [&](OpBuilder &nb, Location nl, Value n, ValueRange acc) {
        Value m = nb.create<arith::RemUIOp>(
            nl, nb.create<arith::MulIOp>(nl, k, n), length);
        Value angle = nb.create<arith::DivFOp>(
            nl,
            nb.create<arith::MulFOp>(
                nl, createScalar(nb, nl, f64, 2 * llvm::numbers::pi),
                toF(nb, nl, m)),
            lengthF);
        Value cos = nb.create<math::CosOp>(nl, angle);
        Value sin = nb.create<math::SinOp>(nl, angle);
        if (!inverse)
          sin = nb.create<arith::NegFOp>(nl, sin);
        auto [re, im] = sample(nb, nl, n);
        // (re + i im)(cos + i sin)
        Value outRe =
            nb.create<arith::SubFOp>(nl, nb.create<arith::MulFOp>(nl, re, cos),
                                     nb.create<arith::MulFOp>(nl, im, sin));
        Value outIm =
            nb.create<arith::AddFOp>(nl, nb.create<arith::MulFOp>(nl, re, sin),
                                     nb.create<arith::MulFOp>(nl, im, cos));
        nb.create<scf::YieldOp>(
            nl, ValueRange{nb.create<arith::AddFOp>(nl, acc[0], outRe),
                           nb.create<arith::AddFOp>(nl, acc[1], outIm)});
      });
  Value isReal =
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, part, zero);
  Value v = b.create<arith::SelectOp>(loc, isReal, loop.getResult(0),
                                      loop.getResult(1));
  if (inverse)
    v = b.create<arith::DivFOp>(loc, v, lengthF);
  if (elt.isF64())
    return v;
  return b.create<arith::TruncFOp>(loc, elt, v);
}

/// The sample of a signal whose last dimension holds one (real) or two
/// (real, imaginary) parts, at `indices` with the last one replaced.
std::pair<Value, Value> readComplex(OpBuilder &b, Location loc, Value signal,
                                    SmallVector<Value> indices,
                                    bool isComplex) {
  indices.back() = b.create<arith::ConstantIndexOp>(loc, 0);
  Value re = toF64(b, loc, b.create<tensor::ExtractOp>(loc, signal, indices));
  if (!isComplex)
    return {re, createScalar(b, loc, b.getF64Type(), 0.0)};
  indices.back() = b.create<arith::ConstantIndexOp>(loc, 1);
  Value im = toF64(b, loc, b.create<tensor::ExtractOp>(loc, signal, indices));
  return {re, im};
}

/// Checks that `t` has a static last dimension of 1 or 2 and says which.
std::optional<bool> isComplexSignal(RankedTensorType t) {
  int64_t last = t.getDimSize(t.getRank() - 1);
  if (last != 1 && last != 2)
    return std::nullopt;
  return last == 2;
}

Value readIndexScalar(OpBuilder &b, Location loc, Value t) {
  return b.create<arith::IndexCastOp>(loc, b.getIndexType(),
                                      readFirstElement(b, loc, t));
}

/// n / 2 + 1 (the one-sided length of a transform of length n).
Value oneSidedLength(OpBuilder &b, Location loc, Value n) {
  Value half = b.create<arith::DivUIOp>(
      loc, n, b.create<arith::ConstantIndexOp>(loc, 2));
  return b.create<arith::AddIOp>(loc, half,
                                 b.create<arith::ConstantIndexOp>(loc, 1));
}

struct DFTLowering : public OpConversionPattern<DFTOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DFTOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto xType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!type || !xType || xType.getRank() < 2 ||
        type.getRank() != xType.getRank())
      return refuse(op, rewriter, "input and output must be ranked alike");
    std::optional<bool> isComplex = isComplexSignal(xType);
    if (!isComplex || type.getDimSize(type.getRank() - 1) != 2)
      return refuse(op, rewriter,
                    "the input's last dimension must be 1 or 2 and the "
                    "output's 2");
    int64_t rank = xType.getRank();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis >= rank - 1)
      return refuse(op, rewriter, "axis out of range");
    bool inverse = op.getInverse() != 0, onesided = op.getOnesided() != 0;
    if (inverse && onesided)
      return refuse(op, rewriter, "a one-sided inverse DFT is not defined");

    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    Value size = getDimSize(rewriter, loc, x, axis);
    Value length = size;
    if (!isa<NoneType>(adaptor.getDftLength().getType()))
      length = readIndexScalar(rewriter, loc, adaptor.getDftLength());
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < rank; ++d)
      if (type.isDynamicDim(d))
        dynamic.push_back(d != axis  ? getDimSize(rewriter, loc, x, d)
                          : onesided ? oneSidedLength(rewriter, loc, length)
                                     : length);
    // Samples past the input's end are 0; a shorter length truncates.
    Value count = rewriter.create<arith::MinUIOp>(loc, size, length);
    Type elt = type.getElementType();
    Value result = generateTensor(
        rewriter, loc, createEmpty(rewriter, loc, type, dynamic),
        [&](OpBuilder &b, Location l, ValueRange ivs) -> Value {
          return complexSum(b, l, elt, ivs[axis], count, length, ivs.back(),
                            inverse, [&](OpBuilder &nb, Location nl, Value n) {
                              SmallVector<Value> indices(ivs);
                              indices[axis] = n;
                              return readComplex(nb, nl, x, indices,
                                                 *isComplex);
                            });
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct STFTLowering : public OpConversionPattern<STFTOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(STFTOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto sType = dyn_cast<RankedTensorType>(adaptor.getSignal().getType());
    if (!type || !sType || sType.getRank() != 3 || type.getRank() != 4 ||
        type.getDimSize(3) != 2)
      return refuse(op, rewriter,
                    "the signal must be 3-D and the output 4-D [.., 2]");
    std::optional<bool> isComplex = isComplexSignal(sType);
    if (!isComplex)
      return refuse(op, rewriter, "the signal's last dimension must be 1 or 2");
    Value window = adaptor.getWindow();
    bool hasWindow = !isa<NoneType>(window.getType());
    bool hasLength = !isa<NoneType>(adaptor.getFrameLength().getType());
    if (!hasWindow && !hasLength)
      return refuse(op, rewriter, "neither a window nor a frame_length");
    bool onesided = op.getOnesided() != 0;

    Location loc = op.getLoc();
    Value signal = adaptor.getSignal();
    Value step = readIndexScalar(rewriter, loc, adaptor.getFrameStep());
    Value length =
        hasLength ? readIndexScalar(rewriter, loc, adaptor.getFrameLength())
                  : getDimSize(rewriter, loc, window, 0);
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < 3; ++d) {
      if (!type.isDynamicDim(d))
        continue;
      if (d == 0) {
        dynamic.push_back(getDimSize(rewriter, loc, signal, 0));
      } else if (d == 1) {
        // (signal length - frame length) / step + 1 frames.
        Value span = rewriter.create<arith::SubIOp>(
            loc, getDimSize(rewriter, loc, signal, 1), length);
        dynamic.push_back(rewriter.create<arith::AddIOp>(
            loc, rewriter.create<arith::DivUIOp>(loc, span, step),
            rewriter.create<arith::ConstantIndexOp>(loc, 1)));
      } else {
        dynamic.push_back(onesided ? oneSidedLength(rewriter, loc, length)
                                   : length);
      }
    }
    Type elt = type.getElementType();
    Value result = generateTensor(
        rewriter, loc, createEmpty(rewriter, loc, type, dynamic),
        [&](OpBuilder &b, Location l, ValueRange ivs) -> Value {
          Value start = b.create<arith::MulIOp>(l, ivs[1], step);
          return complexSum(
              b, l, elt, ivs[2], length, length, ivs[3], /*inverse=*/false,
              [&](OpBuilder &nb, Location nl, Value n) {
                Value at = nb.create<arith::AddIOp>(nl, start, n);
                auto [re, im] = readComplex(nb, nl, signal,
                                            {ivs[0], at, Value()}, *isComplex);
                if (!hasWindow)
                  return std::pair{re, im};
                Value w =
                    toF64(nb, nl, nb.create<tensor::ExtractOp>(nl, window, n));
                return std::pair{
                    nb.create<arith::MulFOp>(nl, re, w).getResult(),
                    nb.create<arith::MulFOp>(nl, im, w).getResult()};
              });
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateSpectralPatterns(const TypeConverter &tc,
                              RewritePatternSet &patterns) {
  patterns.add<DFTLowering, STFTLowering>(tc, patterns.getContext());
}

} // namespace fulcrum::lowering
