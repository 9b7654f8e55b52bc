//===- SliceConcat.cpp - Lowering of Slice, Pad, Concat, Split
//--------------===//
//
// Part of Fulcrum. Slice, Pad, Concat and Split: parts of a
// tensor cut out or put together (tensor.extract_slice/insert_slice and
// tensor.pad where the parameters are constant, generics otherwise).
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

struct ConcatLowering : public OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!type)
      return failure();
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += rank;
    // Result sizes: the sum along the axis, the first input elsewhere.
    SmallVector<Value> dynamic;
    Value first = adaptor.getInputs().front();
    for (int64_t d = 0; d < rank; ++d) {
      if (!type.isDynamicDim(d))
        continue;
      if (d != axis) {
        dynamic.push_back(getDimSize(rewriter, loc, first, d));
        continue;
      }
      Value sum = rewriter.create<arith::ConstantIndexOp>(loc, 0);
      for (Value v : adaptor.getInputs())
        sum = rewriter.create<arith::AddIOp>(loc, sum,
                                             getDimSize(rewriter, loc, v, d));
      dynamic.push_back(sum);
    }
    Value result = createEmpty(rewriter, loc, type, dynamic);
    // The offset along the axis stays a constant while sizes are static.
    int64_t staticOffset = 0;
    Value dynamicOffset;
    for (Value v : adaptor.getInputs()) {
      auto vType = dyn_cast<RankedTensorType>(v.getType());
      if (!vType)
        return rewriter.notifyMatchFailure(op, "unranked input");
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes, strides(rank, rewriter.getIndexAttr(1));
      for (int64_t d = 0; d < rank; ++d)
        sizes.push_back(
            vType.isDynamicDim(d)
                ? OpFoldResult(getDimSize(rewriter, loc, v, d))
                : OpFoldResult(rewriter.getIndexAttr(vType.getDimSize(d))));
      offsets[axis] = dynamicOffset ? OpFoldResult(dynamicOffset)
                                    : rewriter.getIndexAttr(staticOffset);
      result = rewriter.create<tensor::InsertSliceOp>(loc, v, result, offsets,
                                                      sizes, strides);
      if (!dynamicOffset && !vType.isDynamicDim(axis)) {
        staticOffset += vType.getDimSize(axis);
        continue;
      }
      if (!dynamicOffset)
        dynamicOffset =
            rewriter.create<arith::ConstantIndexOp>(loc, staticOffset);
      dynamicOffset = rewriter.create<arith::AddIOp>(
          loc, dynamicOffset, getDimSize(rewriter, loc, v, axis));
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Slice. Constant parameters with positive steps give a
/// tensor.extract_slice; otherwise the per-dimension start, step and size are
/// computed at run time (ONNX clamping rules) and a generic gathers
/// data[start + i * step].
struct SliceLowering : public OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto dataType = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    auto startsType = dyn_cast<RankedTensorType>(adaptor.getStarts().getType());
    if (!type || !dataType || !startsType || startsType.isDynamicDim(0))
      return rewriter.notifyMatchFailure(op, "unranked operands");
    if (succeeded(staticSlice(op, adaptor, type, dataType, rewriter)))
      return success();
    Location loc = op.getLoc();
    int64_t rank = dataType.getRank();
    int64_t count = startsType.getDimSize(0);
    Value data = adaptor.getData();
    auto c = [&](int64_t v) {
      return rewriter.create<arith::ConstantIntOp>(loc, v, 64).getResult();
    };
    auto at = [&](Value t, int64_t i) -> Value {
      Value v = rewriter.create<tensor::ExtractOp>(
          loc, t, ValueRange{rewriter.create<arith::ConstantIndexOp>(loc, i)});
      if (v.getType() != rewriter.getI64Type())
        v = rewriter.create<arith::ExtSIOp>(loc, rewriter.getI64Type(), v);
      return v;
    };
    SmallVector<Value> dims, starts, steps, sizes;
    for (int64_t d = 0; d < rank; ++d) {
      dims.push_back(rewriter.create<arith::IndexCastOp>(
          loc, rewriter.getI64Type(), getDimSize(rewriter, loc, data, d)));
      starts.push_back(c(0));
      steps.push_back(c(1));
      sizes.push_back(dims.back());
    }
    auto select = [&](Value cond, Value a, Value b) {
      return rewriter.create<arith::SelectOp>(loc, cond, a, b).getResult();
    };
    auto clamp = [&](Value v, Value lo, Value hi) {
      return rewriter
          .create<arith::MinSIOp>(
              loc, rewriter.create<arith::MaxSIOp>(loc, v, lo), hi)
          .getResult();
    };
    for (int64_t i = 0; i < count; ++i) {
      Value axis = isNoValue(op.getAxes()) ? c(i) : at(adaptor.getAxes(), i);
      axis = select(rewriter.create<arith::CmpIOp>(
                        loc, arith::CmpIPredicate::slt, axis, c(0)),
                    rewriter.create<arith::AddIOp>(loc, axis, c(rank)), axis);
      Value step = isNoValue(op.getSteps()) ? c(1) : at(adaptor.getSteps(), i);
      Value start = at(adaptor.getStarts(), i), end = at(adaptor.getEnds(), i);
      for (int64_t d = 0; d < rank; ++d) {
        Value dim = dims[d];
        auto wrap = [&](Value v) {
          return select(rewriter.create<arith::CmpIOp>(
                            loc, arith::CmpIPredicate::slt, v, c(0)),
                        rewriter.create<arith::AddIOp>(loc, v, dim), v);
        };
        Value positive = rewriter.create<arith::CmpIOp>(
            loc, arith::CmpIPredicate::sgt, step, c(0));
        Value dimMinus1 = rewriter.create<arith::SubIOp>(loc, dim, c(1));
        Value s = select(positive, clamp(wrap(start), c(0), dim),
                         clamp(wrap(start), c(0), dimMinus1));
        Value e = select(positive, clamp(wrap(end), c(0), dim),
                         clamp(wrap(end), c(-1), dimMinus1));
        // size = max(ceil((e - s) / step), 0)
        Value size = rewriter.create<arith::MaxSIOp>(
            loc,
            rewriter.create<arith::CeilDivSIOp>(
                loc, rewriter.create<arith::SubIOp>(loc, e, s), step),
            c(0));
        Value mine = rewriter.create<arith::CmpIOp>(
            loc, arith::CmpIPredicate::eq, axis, c(d));
        starts[d] = select(mine, s, starts[d]);
        steps[d] = select(mine, step, steps[d]);
        sizes[d] = select(mine, size, sizes[d]);
      }
    }
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < rank; ++d)
      if (type.isDynamicDim(d))
        dynamic.push_back(rewriter.create<arith::IndexCastOp>(
            loc, rewriter.getIndexType(), sizes[d]));
    auto toIndex = [&](Value v) {
      return rewriter
          .create<arith::IndexCastOp>(loc, rewriter.getIndexType(), v)
          .getResult();
    };
    SmallVector<Value> startIdx, stepIdx;
    for (int64_t d = 0; d < rank; ++d) {
      startIdx.push_back(toIndex(starts[d]));
      stepIdx.push_back(toIndex(steps[d]));
    }
    Value result = generateTensor(
        rewriter, loc, createEmpty(rewriter, loc, type, dynamic),
        [&](OpBuilder &b, Location l, ValueRange indices) -> Value {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d)
            coords.push_back(b.create<arith::AddIOp>(
                l, startIdx[d],
                b.create<arith::MulIOp>(l, indices[d], stepIdx[d])));
          return b.create<tensor::ExtractOp>(l, data, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  /// Constant parameters and positive steps: tensor.extract_slice. The
  /// sliced dimensions must be static; the others may be dynamic (a
  /// dynamic batch), taken whole.
  static LogicalResult staticSlice(SliceOp op, OpAdaptor adaptor,
                                   RankedTensorType type,
                                   RankedTensorType dataType,
                                   ConversionPatternRewriter &rewriter) {
    auto starts = getConstantInts(op.getStarts());
    std::optional<SmallVector<int64_t>> axes, steps;
    if (!isNoValue(op.getAxes()) && !(axes = getConstantInts(op.getAxes())))
      return failure();
    if (!isNoValue(op.getSteps()) && !(steps = getConstantInts(op.getSteps())))
      return failure();
    if (!starts || type.getRank() != dataType.getRank())
      return failure();
    int64_t rank = dataType.getRank();
    SmallVector<int64_t> offsets(rank, 0), strides(rank, 1);
    SmallVector<bool> sliced(rank, false);
    for (size_t i = 0; i < starts->size(); ++i) {
      int64_t a = axes ? (*axes)[i] : static_cast<int64_t>(i);
      if (a < 0)
        a += rank;
      int64_t step = steps ? (*steps)[i] : 1;
      if (a < 0 || a >= rank || step <= 0 || dataType.isDynamicDim(a) ||
          type.isDynamicDim(a))
        return failure();
      int64_t dim = dataType.getDimSize(a);
      int64_t start = (*starts)[i];
      if (start < 0)
        start += dim;
      offsets[a] = std::clamp<int64_t>(start, 0, dim);
      strides[a] = step;
      sliced[a] = true;
    }
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < rank; ++d) {
      if (sliced[d]) {
        sizes.push_back(rewriter.getIndexAttr(type.getDimSize(d)));
        continue;
      }
      // A dimension taken whole keeps its size.
      if (type.getDimSize(d) != dataType.getDimSize(d))
        return failure();
      sizes.push_back(
          dataType.isDynamicDim(d)
              ? OpFoldResult(rewriter.create<tensor::DimOp>(
                    op.getLoc(), adaptor.getData(), d))
              : OpFoldResult(rewriter.getIndexAttr(dataType.getDimSize(d))));
    }
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, type, adaptor.getData(),
        getAsIndexOpFoldResult(rewriter.getContext(), offsets), sizes,
        getAsIndexOpFoldResult(rewriter.getContext(), strides));
    return success();
  }
};

/// Split into static parts along an axis.
struct SplitLowering : public OpConversionPattern<SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto inType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!inType)
      return rewriter.notifyMatchFailure(op, "unranked input");
    int64_t rank = inType.getRank();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += rank;
    // Dimensions other than the split axis may be dynamic: the slices take
    // them whole.
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(
          inType.isDynamicDim(d)
              ? OpFoldResult(
                    getDimSize(rewriter, op.getLoc(), adaptor.getInput(), d))
              : OpFoldResult(rewriter.getIndexAttr(inType.getDimSize(d))));
    SmallVector<Value> results;
    int64_t offset = 0;
    for (unsigned i = 0; i < op->getNumResults(); ++i) {
      auto type = getRankedResultType(op, i, *getTypeConverter(), rewriter);
      if (!type || type.isDynamicDim(axis))
        return rewriter.notifyMatchFailure(op, "dynamic split size");
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0)),
          strides(rank, rewriter.getIndexAttr(1));
      offsets[axis] = rewriter.getIndexAttr(offset);
      sizes[axis] = rewriter.getIndexAttr(type.getDimSize(axis));
      results.push_back(rewriter.create<tensor::ExtractSliceOp>(
          op.getLoc(), type, adaptor.getInput(), offsets, sizes, strides));
      offset += type.getDimSize(axis);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// Pad with constant pads: constant mode is tensor.pad; edge and reflect
/// modes read data[clamp(i - low)] or data[reflect(i - low)] per dimension.
struct PadLowering : public OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto inType = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    StringRef mode = op.getMode();
    if (!type || !inType)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    int64_t rank = inType.getRank();
    Location loc = op.getLoc();
    // Pads: constants, or read at run time (non-negative).
    auto pads = getConstantInts(op.getPads());
    if (pads && (static_cast<int64_t>(pads->size()) != 2 * rank ||
                 llvm::any_of(*pads, [](int64_t p) { return p < 0; })))
      return rewriter.notifyMatchFailure(op, "negative pads");
    SmallVector<OpFoldResult> low, high;
    for (int64_t i = 0; i < 2 * rank; ++i) {
      OpFoldResult p;
      if (pads) {
        p = rewriter.getIndexAttr((*pads)[i]);
      } else {
        Value v = rewriter.create<tensor::ExtractOp>(
            loc, adaptor.getPads(),
            ValueRange{rewriter.create<arith::ConstantIndexOp>(loc, i)});
        p = rewriter.create<arith::IndexCastOp>(loc, rewriter.getIndexType(), v)
                .getResult();
      }
      (i < rank ? low : high).push_back(p);
    }
    if (mode == "constant") {
      Value value;
      if (isNoValue(op.getConstantValue()))
        value = createScalar(rewriter, loc, inType.getElementType(), 0);
      else
        value = readFirstElement(rewriter, loc, adaptor.getConstantValue());
      Value padded = rewriter.create<tensor::PadOp>(
          loc, RankedTensorType(), adaptor.getData(), low, high, value);
      if (padded.getType() != type)
        padded = rewriter.create<tensor::CastOp>(loc, type, padded);
      rewriter.replaceOp(op, padded);
      return success();
    }
    if ((mode != "edge" && mode != "reflect") || !inType.hasStaticShape() ||
        !type.hasStaticShape())
      return rewriter.notifyMatchFailure(op,
                                         "unsupported mode or dynamic shape");
    Value data = adaptor.getData();
    bool reflect = mode == "reflect";
    Value result = generateTensor(
        rewriter, loc, createEmpty(rewriter, loc, type, {}),
        [&](OpBuilder &b, Location l, ValueRange indices) -> Value {
          auto idx = [&](int64_t v) {
            return b.create<arith::ConstantIndexOp>(l, v).getResult();
          };
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d) {
            int64_t n = inType.getDimSize(d);
            Value i = b.create<arith::SubIOp>(
                l, indices[d], getValueOrCreateConstantIndexOp(b, l, low[d]));
            if (reflect && n > 1) {
              // Mirror without repeating the edge: |i| folded into [0, n-1].
              Value period = idx(2 * (n - 1));
              Value a = b.create<math::AbsIOp>(
                  l, b.create<arith::IndexCastOp>(l, b.getI64Type(), i));
              Value m = b.create<arith::RemUIOp>(
                  l, b.create<arith::IndexCastOp>(l, b.getIndexType(), a),
                  period);
              i = b.create<arith::SelectOp>(
                  l,
                  b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ult, m,
                                          idx(n)),
                  m, b.create<arith::SubIOp>(l, period, m));
            } else {
              i = b.create<arith::MinSIOp>(
                  l, b.create<arith::MaxSIOp>(l, i, idx(0)), idx(n - 1));
            }
            coords.push_back(i);
          }
          return b.create<tensor::ExtractOp>(l, data, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateSliceConcatPatterns(const TypeConverter &tc,
                                 RewritePatternSet &patterns) {
  patterns.add<ConcatLowering, SliceLowering, SplitLowering, PadLowering>(
      tc, patterns.getContext());
}

} // namespace fulcrum::lowering
