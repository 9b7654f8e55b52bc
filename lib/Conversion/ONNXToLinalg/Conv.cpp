//===- Conv.cpp - Lowering of convolutions and pooling --------------------===//
//
// Part of Fulcrum. Conv (any spatial rank, any group count) is one
// `linalg.generic` reduction over the padded input, with groups made
// explicit by expanding N x C x ... to N x G x C/G x ...; the bias, when
// present, initializes the accumulator. MaxPool/AveragePool are window
// reductions of the same shape (a kernel-shaped operand gives the window
// loops their bounds); GlobalAveragePool/GlobalMaxPool reduce all spatial
// dimensions.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <limits>

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

template <typename T> SmallVector<int64_t> vec(std::optional<ArrayRef<T>> a) {
  return a ? SmallVector<int64_t>(a->begin(), a->end())
           : SmallVector<int64_t>();
}

/// Completes the window parameters `p` of an N x C x D... input and
/// resolves its explicit begin/end pads (`low`/`high`, N and C included),
/// from `pads` or computed for SAME_UPPER/SAME_LOWER; extra end padding
/// covers the windows a ceil_mode output adds. Fails with a `reason` for
/// invalid attributes and for SAME_* with dynamic input sizes.
LogicalResult resolveWindow(WindowParams &p, RankedTensorType xType,
                            RankedTensorType resultType,
                            SmallVectorImpl<int64_t> &low,
                            SmallVectorImpl<int64_t> &high,
                            std::string &reason) {
  int64_t s = xType.getRank() - 2;
  if (failed(completeWindowParams(s, p, reason)))
    return failure();
  low.assign(2 + s, 0);
  high.assign(2 + s, 0);
  for (int64_t i = 0; i < s; ++i) {
    int64_t in = xType.getDimSize(2 + i);
    int64_t effective = (p.kernel[i] - 1) * p.dilations[i] + 1;
    if (p.autoPad == "SAME_UPPER" || p.autoPad == "SAME_LOWER") {
      if (ShapedType::isDynamic(in)) {
        reason = "SAME padding of a dynamic size";
        return failure();
      }
      int64_t out = (in + p.strides[i] - 1) / p.strides[i];
      int64_t total =
          std::max<int64_t>(0, (out - 1) * p.strides[i] + effective - in);
      low[2 + i] = p.autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
      high[2 + i] = total - low[2 + i];
    } else if (p.autoPad == "NOTSET") {
      low[2 + i] = p.pads[i];
      high[2 + i] = p.pads[i + s];
    }
    // ceil_mode windows that run past the padded input.
    int64_t out = resultType.getDimSize(2 + i);
    if (!ShapedType::isDynamic(in) && !ShapedType::isDynamic(out)) {
      int64_t needed = (out - 1) * p.strides[i] + effective;
      int64_t have = in + low[2 + i] + high[2 + i];
      if (needed > have)
        high[2 + i] += needed - have;
    }
  }
  return success();
}

/// The input index expression of a window: out * stride + k * dilation.
AffineExpr windowExpr(MLIRContext *ctx, unsigned outDim, unsigned kDim,
                      int64_t stride, int64_t dilation) {
  return getAffineDimExpr(outDim, ctx) * stride +
         getAffineDimExpr(kDim, ctx) * dilation;
}

/// The dynamic sizes of a window op's result of `type` (N x C x O...) over
/// the padded input `x`: N from `x`, each dynamic spatial size from the
/// window formula (in - (k - 1) * dilation - 1) / stride + 1.
SmallVector<Value> windowResultSizes(OpBuilder &b, Location loc, Value x,
                                     RankedTensorType type,
                                     const WindowParams &p) {
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d))
      continue;
    if (d < 2) {
      sizes.push_back(getDimSize(b, loc, x, d));
      continue;
    }
    int64_t i = d - 2;
    auto idx = [&](int64_t v) {
      return b.create<arith::ConstantIndexOp>(loc, v).getResult();
    };
    Value span =
        b.create<arith::SubIOp>(loc, getDimSize(b, loc, x, d),
                                idx((p.kernel[i] - 1) * p.dilations[i] + 1));
    sizes.push_back(b.create<arith::AddIOp>(
        loc, b.create<arith::DivSIOp>(loc, span, idx(p.strides[i])), idx(1)));
  }
  return sizes;
}

/// A named linalg convolution or pooling `NamedOp` of `input` (padded) and
/// `kernel` into `acc`, with the strides and dilations of `p`.
template <typename NamedOp>
Value createWindowOp(OpBuilder &b, Location loc, const WindowParams &p,
                     Value input, Value kernel, Value acc) {
  return b
      .create<NamedOp>(loc, TypeRange{acc.getType()}, ValueRange{input, kernel},
                       ValueRange{acc}, b.getI64TensorAttr(p.strides),
                       b.getI64TensorAttr(p.dilations))
      .getResult(0);
}

/// Conv as a named linalg convolution where one fits: group 1
/// (`conv_{1d_ncw_fcw,2d_nchw_fchw,3d_ncdhw_fcdhw}`), depthwise with
/// multiplier 1 (`depthwise_conv_{1d_ncw_cw,2d_nchw_chw,3d_ncdhw_cdhw}`) or
/// any other group count in 2-D (`conv_2d_ngchw_gfchw`). `x` is the padded
/// input, `init` the accumulator (bias or zeros) of the result's shape.
/// Returns null when no named op fits.
Value createNamedConv(OpBuilder &b, Location loc, Value x, Value w, Value init,
                      const WindowParams &p, int64_t group) {
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  auto initType = cast<RankedTensorType>(init.getType());
  Type elt = initType.getElementType();
  int64_t s = p.kernel.size(), c = xType.getDimSize(1), m = wType.getDimSize(0);
  if (group == 1) {
    switch (s) {
    case 1:
      return createWindowOp<linalg::Conv1DNcwFcwOp>(b, loc, p, x, w, init);
    case 2:
      return createWindowOp<linalg::Conv2DNchwFchwOp>(b, loc, p, x, w, init);
    case 3:
      return createWindowOp<linalg::Conv3DNcdhwFcdhwOp>(b, loc, p, x, w, init);
    default:
      return {};
    }
  }
  // Depthwise: W is C x 1 x K..., the named ops take C x K...
  SmallVector<ReassociationIndices> dropOne = {{0, 1}};
  for (int64_t i = 0; i < s; ++i)
    dropOne.push_back({i + 2});
  if (group == c && m == c && s >= 1 && s <= 3) {
    Value kernel = b.create<tensor::CollapseShapeOp>(loc, w, dropOne);
    if (s == 1)
      return createWindowOp<linalg::DepthwiseConv1DNcwCwOp>(b, loc, p, x,
                                                            kernel, init);
    if (s == 2)
      return createWindowOp<linalg::DepthwiseConv2DNchwChwOp>(b, loc, p, x,
                                                              kernel, init);
    return createWindowOp<linalg::DepthwiseConv3DNcdhwCdhwOp>(b, loc, p, x,
                                                              kernel, init);
  }
  if (s != 2)
    return {};
  // Grouped 2-D: X: N x G x C/G x H x W, W: G x M/G x C/G x KH x KW, the
  // accumulator N x G x M/G x OH x OW.
  SmallVector<ReassociationIndices> split = {{0}, {1, 2}, {3}, {4}};
  SmallVector<ReassociationIndices> splitFirst = {{0, 1}, {2}, {3}, {4}};
  auto expand = [&](Value v, ArrayRef<int64_t> shape,
                    ArrayRef<ReassociationIndices> reassoc) -> Value {
    return b.create<tensor::ExpandShapeOp>(
        loc, RankedTensorType::get(shape, elt), v, reassoc);
  };
  ArrayRef<int64_t> xs = xType.getShape(), ws = wType.getShape(),
                    ys = initType.getShape();
  Value xg = expand(x, {xs[0], group, c / group, xs[2], xs[3]}, split);
  Value wg = expand(w, {group, m / group, ws[1], ws[2], ws[3]}, splitFirst);
  Value accg = expand(init, {ys[0], group, m / group, ys[2], ys[3]}, split);
  Value yg =
      createWindowOp<linalg::Conv2DNgchwGfchwOp>(b, loc, p, xg, wg, accg);
  return b.create<tensor::CollapseShapeOp>(loc, initType, yg, split);
}

struct ConvLowering : public OpConversionPattern<ConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto xType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto wType = dyn_cast<RankedTensorType>(adaptor.getW().getType());
    if (!resultType || !xType || !wType)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    int64_t s = xType.getRank() - 2;
    int64_t group = op.getGroup();
    if (wType.isDynamicDim(0) || xType.isDynamicDim(1))
      return rewriter.notifyMatchFailure(op, "dynamic channel counts");
    for (int64_t i = 2; i < wType.getRank(); ++i)
      if (wType.isDynamicDim(i))
        return rewriter.notifyMatchFailure(op, "dynamic kernel size");
    int64_t m = wType.getDimSize(0), c = xType.getDimSize(1);
    int64_t mg = m / group, cg = c / group;

    WindowParams p;
    p.kernel = vec(op.getKernelShape());
    if (p.kernel.empty())
      p.kernel.assign(wType.getShape().begin() + 2, wType.getShape().end());
    p.strides = vec(op.getStrides());
    p.dilations = vec(op.getDilations());
    p.pads = vec(op.getPads());
    p.autoPad = op.getAutoPad();
    SmallVector<int64_t> low, high;
    std::string reason;
    if (failed(resolveWindow(p, xType, resultType, low, high, reason)))
      return rewriter.notifyMatchFailure(op, reason);
    Type elt = resultType.getElementType();
    Value x = padTensor(rewriter, loc, adaptor.getX(), low, high,
                        createScalar(rewriter, loc, elt, 0.0));

    // The accumulator starts at the bias (or zero).
    Value init =
        createEmpty(rewriter, loc, resultType,
                    windowResultSizes(rewriter, loc, x, resultType, p));
    if (isNoValue(op.getB())) {
      init = rewriter
                 .create<linalg::FillOp>(
                     loc, createScalar(rewriter, loc, elt, 0.0), init)
                 .getResult(0);
    } else {
      SmallVector<int64_t> dims = {0};
      for (int64_t i = 0; i < s; ++i)
        dims.push_back(2 + i);
      init =
          rewriter.create<linalg::BroadcastOp>(loc, adaptor.getB(), init, dims)
              .getResult()[0];
    }
    if (Value named =
            createNamedConv(rewriter, loc, x, adaptor.getW(), init, p, group)) {
      rewriter.replaceOp(op, named);
      return success();
    }

    // Otherwise one generic with explicit groups: X: N x G x C/G x D...,
    // W: G x M/G x C/G x K..., Y: N x G x M/G x O...
    auto padded = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> xShape = {padded.getDimSize(0), group, cg};
    xShape.append(padded.getShape().begin() + 2, padded.getShape().end());
    SmallVector<ReassociationIndices> xReassoc = {{0}, {1, 2}};
    for (int64_t i = 0; i < s; ++i)
      xReassoc.push_back({i + 3});
    Value xg = rewriter.create<tensor::ExpandShapeOp>(
        loc, RankedTensorType::get(xShape, elt), x, xReassoc);
    SmallVector<int64_t> wShape = {group, mg, cg};
    wShape.append(p.kernel.begin(), p.kernel.end());
    SmallVector<ReassociationIndices> wReassoc = {{0, 1}, {2}};
    for (int64_t i = 0; i < s; ++i)
      wReassoc.push_back({i + 3});
    Value wg = rewriter.create<tensor::ExpandShapeOp>(
        loc, RankedTensorType::get(wShape, elt), adaptor.getW(), wReassoc);
    SmallVector<int64_t> yShape = {resultType.getDimSize(0), group, mg};
    yShape.append(resultType.getShape().begin() + 2,
                  resultType.getShape().end());
    auto ygType = RankedTensorType::get(yShape, elt);
    SmallVector<ReassociationIndices> yReassoc = {{0}, {1, 2}};
    for (int64_t i = 0; i < s; ++i)
      yReassoc.push_back({i + 3});
    init = rewriter.create<tensor::ExpandShapeOp>(loc, ygType, init, yReassoc);

    // Loops: n, g, mg, o_1..o_s (parallel), c, k_1..k_s (reduction).
    int64_t loops = 3 + s + 1 + s;
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> xExprs = {d(0), d(1), d(3 + s)};
    SmallVector<AffineExpr> wExprs = {d(1), d(2), d(3 + s)};
    SmallVector<AffineExpr> yExprs = {d(0), d(1), d(2)};
    for (int64_t i = 0; i < s; ++i) {
      xExprs.push_back(
          windowExpr(ctx, 3 + i, 4 + s + i, p.strides[i], p.dilations[i]));
      wExprs.push_back(d(4 + s + i));
      yExprs.push_back(d(3 + i));
    }
    SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, xExprs, ctx),
                                   AffineMap::get(loops, 0, wExprs, ctx),
                                   AffineMap::get(loops, 0, yExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(3 + s,
                                               utils::IteratorType::parallel);
    iterators.append(1 + s, utils::IteratorType::reduction);
    bool isFloat = isa<FloatType>(elt);
    Value yg = rewriter
                   .create<linalg::GenericOp>(
                       loc, TypeRange{ygType}, ValueRange{xg, wg},
                       ValueRange{init}, maps, iterators,
                       [&](OpBuilder &b, Location l, ValueRange args) {
                         Value prod =
                             isFloat
                                 ? b.create<arith::MulFOp>(l, args[0], args[1])
                                       .getResult()
                                 : b.create<arith::MulIOp>(l, args[0], args[1])
                                       .getResult();
                         Value sum =
                             isFloat ? b.create<arith::AddFOp>(l, args[2], prod)
                                           .getResult()
                                     : b.create<arith::AddIOp>(l, args[2], prod)
                                           .getResult();
                         b.create<linalg::YieldOp>(l, sum);
                       })
                   .getResult(0);
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, resultType, yg,
                                                         yReassoc);
    return success();
  }
};

/// MaxPool and AveragePool.
template <typename PoolOp>
struct PoolLowering : public OpConversionPattern<PoolOp> {
  using OpConversionPattern<PoolOp>::OpConversionPattern;
  using OpAdaptor = typename PoolOp::Adaptor;
  static constexpr bool isMax = std::is_same_v<PoolOp, MaxPoolOp>;

  LogicalResult
  matchAndRewrite(PoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType =
        getRankedResultType(op, 0, *this->getTypeConverter(), rewriter);
    auto xType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    if (!resultType || !xType)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Type elt = resultType.getElementType();
    auto floatType = dyn_cast<FloatType>(elt);
    bool isUnsigned = cast<ShapedType>(op.getX().getType())
                          .getElementType()
                          .isUnsignedInteger();
    // Integers: MaxPool only (AveragePool's division is on floats).
    if (!floatType && !isMax)
      return rewriter.notifyMatchFailure(op, "integer average pooling");
    bool withIndices = false;
    if constexpr (isMax)
      withIndices = !isa<NoneType>(op.getIndices().getType());
    if (withIndices && (!xType.hasStaticShape() || !floatType))
      return rewriter.notifyMatchFailure(
          op, "Indices of a dynamic or integer input");
    int64_t s = xType.getRank() - 2;
    WindowParams p;
    p.kernel.assign(op.getKernelShape().begin(), op.getKernelShape().end());
    p.strides = vec(op.getStrides());
    if constexpr (isMax)
      p.dilations = vec(op.getDilations());
    p.pads = vec(op.getPads());
    p.autoPad = op.getAutoPad();
    p.ceilMode = op.getCeilMode() != 0;
    SmallVector<int64_t> low, high;
    std::string reason;
    if (failed(resolveWindow(p, xType, resultType, low, high, reason)))
      return rewriter.notifyMatchFailure(op, reason);
    double padValue = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
    // The identity of the window reduction (and the padding value).
    auto identity = [&](OpBuilder &b) -> Value {
      if (!isMax)
        return createScalar(b, loc, elt, 0.0);
      return b.create<arith::ConstantOp>(
          loc, getExtremeValue(b, elt, isUnsigned, /*lowest=*/true));
    };
    auto combine = [&](OpBuilder &b, Location l, Value v, Value acc) -> Value {
      if (!isMax)
        return b.create<arith::AddFOp>(l, v, acc);
      if (floatType)
        return b.create<arith::MaximumFOp>(l, v, acc);
      return isUnsigned ? b.create<arith::MaxUIOp>(l, v, acc).getResult()
                        : b.create<arith::MaxSIOp>(l, v, acc).getResult();
    };
    // Unsigned integers flip their top bit, which maps them in order onto
    // signed ones: the named (signed) pooling ops then take them, and the
    // channels-last rewrite with them (8-bit max pooling after quantized
    // convolutions); the result flips back.
    bool flipSign =
        isMax && !floatType && isUnsigned && !withIndices && (s == 1 || s == 2);
    auto flip = [&](Value v) -> Value {
      auto type = cast<RankedTensorType>(v.getType());
      SmallVector<Value> sizes;
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (type.isDynamicDim(d))
          sizes.push_back(rewriter.create<tensor::DimOp>(loc, v, d));
      Value init = rewriter.create<tensor::EmptyOp>(loc, type, sizes);
      AffineMap id = rewriter.getMultiDimIdentityMap(type.getRank());
      unsigned width = type.getElementTypeBitWidth();
      return rewriter
          .create<linalg::GenericOp>(
              loc, TypeRange{type}, ValueRange{v}, ValueRange{init},
              SmallVector<AffineMap>{id, id},
              SmallVector<utils::IteratorType>(type.getRank(),
                                               utils::IteratorType::parallel),
              [&](OpBuilder &b, Location l, ValueRange args) {
                Value bit = b.create<arith::ConstantOp>(
                    l, b.getIntegerAttr(type.getElementType(),
                                        APInt::getSignMask(width)));
                b.create<linalg::YieldOp>(
                    l, b.create<arith::XOrIOp>(l, args[0], bit).getResult());
              })
          .getResult(0);
    };
    Value input = adaptor.getX();
    if (flipSign) {
      input = flip(input);
      isUnsigned = false;
    }
    Value x = padTensor(rewriter, loc, input, low, high, identity(rewriter));

    // Loops: n, c, o_1..o_s (parallel), k_1..k_s (reduction).
    int64_t loops = 2 + 2 * s;
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> xExprs = {d(0), d(1)}, kExprs,
                            yExprs = {d(0), d(1)};
    for (int64_t i = 0; i < s; ++i) {
      xExprs.push_back(
          windowExpr(ctx, 2 + i, 2 + s + i, p.strides[i], p.dilations[i]));
      kExprs.push_back(d(2 + s + i));
      yExprs.push_back(d(2 + i));
    }
    Value window = rewriter.create<tensor::EmptyOp>(loc, p.kernel, elt);
    // Dynamic spatial sizes by the window formula (which floors: ceil_mode
    // needs the size known).
    for (int64_t i = 2; i < resultType.getRank(); ++i)
      if (resultType.isDynamicDim(i) && p.ceilMode)
        return refuse(op, rewriter, "ceil_mode with a dynamic spatial size");
    SmallVector<Value> dynamic =
        windowResultSizes(rewriter, loc, x, resultType, p);
    Value init =
        createFilled(rewriter, loc, resultType, dynamic, identity(rewriter));
    SmallVector<utils::IteratorType> iterators(2 + s,
                                               utils::IteratorType::parallel);
    iterators.append(s, utils::IteratorType::reduction);
    // A named pooling op where one fits (1-D and 2-D, without indices; max
    // of floats or signed integers), otherwise a window generic (MaxPool's
    // Indices have their own below).
    Value pooled;
    if (!withIndices && (s == 1 || s == 2) && (floatType || !isUnsigned)) {
      if (isMax)
        pooled = s == 1 ? createWindowOp<linalg::PoolingNcwMaxOp>(
                              rewriter, loc, p, x, window, init)
                        : createWindowOp<linalg::PoolingNchwMaxOp>(
                              rewriter, loc, p, x, window, init);
      else
        pooled = s == 1 ? createWindowOp<linalg::PoolingNcwSumOp>(
                              rewriter, loc, p, x, window, init)
                        : createWindowOp<linalg::PoolingNchwSumOp>(
                              rewriter, loc, p, x, window, init);
    } else if (!withIndices) {
      pooled =
          rewriter
              .create<linalg::GenericOp>(
                  loc, TypeRange{resultType}, ValueRange{x, window},
                  ValueRange{init},
                  SmallVector<AffineMap>{AffineMap::get(loops, 0, xExprs, ctx),
                                         AffineMap::get(loops, 0, kExprs, ctx),
                                         AffineMap::get(loops, 0, yExprs, ctx)},
                  iterators,
                  [&](OpBuilder &b, Location l, ValueRange args) {
                    b.create<linalg::YieldOp>(l,
                                              combine(b, l, args[0], args[2]));
                  })
              .getResult(0);
    }
    if (flipSign)
      pooled = flip(pooled);
    if constexpr (isMax) {
      SmallVector<Value> results = {pooled};
      if (isa<NoneType>(op.getIndices().getType())) {
        results.push_back(
            rewriter.create<onnx::NoValueOp>(loc, rewriter.getNoneType()));
      } else {
        // Indices: the flat position of each maximum in the unpadded input
        // (row-major, or column-major spatial dims with storage_order 1).
        auto indexType =
            RankedTensorType::get(resultType.getShape(), rewriter.getI64Type());
        Value values =
            createFilled(rewriter, loc, resultType, dynamic, padValue);
        Value indices = createFilled(rewriter, loc, indexType, dynamic, 0.0);
        bool columnMajor = op.getStorageOrder() != 0;
        ArrayRef<int64_t> inShape = xType.getShape();
        AffineMap yMap = AffineMap::get(loops, 0, yExprs, ctx);
        auto withIndex = rewriter.create<linalg::GenericOp>(
            loc, TypeRange{resultType, indexType}, ValueRange{x, window},
            ValueRange{values, indices},
            SmallVector<AffineMap>{AffineMap::get(loops, 0, xExprs, ctx),
                                   AffineMap::get(loops, 0, kExprs, ctx), yMap,
                                   yMap},
            iterators, [&](OpBuilder &b, Location l, ValueRange args) {
              auto idx64 = [&](Value v) {
                return b.create<arith::IndexCastOp>(l, b.getI64Type(), v)
                    .getResult();
              };
              auto c64 = [&](int64_t v) {
                return b.create<arith::ConstantIntOp>(l, v, 64).getResult();
              };
              // Unpadded input coordinates of this window element.
              SmallVector<Value> pos = {idx64(b.create<linalg::IndexOp>(l, 0)),
                                        idx64(b.create<linalg::IndexOp>(l, 1))};
              for (int64_t i = 0; i < s; ++i) {
                Value o = idx64(b.create<linalg::IndexOp>(l, 2 + i));
                Value k = idx64(b.create<linalg::IndexOp>(l, 2 + s + i));
                pos.push_back(b.create<arith::SubIOp>(
                    l,
                    b.create<arith::AddIOp>(
                        l, b.create<arith::MulIOp>(l, o, c64(p.strides[i])),
                        b.create<arith::MulIOp>(l, k, c64(p.dilations[i]))),
                    c64(low[2 + i])));
              }
              SmallVector<int64_t> order;
              for (int64_t d = 0; d < 2; ++d)
                order.push_back(d);
              for (int64_t i = 0; i < s; ++i)
                order.push_back(columnMajor ? 2 + s - 1 - i : 2 + i);
              Value flat = c64(0);
              for (int64_t d : order)
                flat = b.create<arith::AddIOp>(
                    l, b.create<arith::MulIOp>(l, flat, c64(inShape[d])),
                    pos[d]);
              Value better = b.create<arith::CmpFOp>(
                  l, arith::CmpFPredicate::OGT, args[0], args[2]);
              b.create<linalg::YieldOp>(
                  l, ValueRange{
                         b.create<arith::SelectOp>(l, better, args[0], args[2]),
                         b.create<arith::SelectOp>(l, better, flat, args[3])});
            });
        results = {withIndex.getResult(0), withIndex.getResult(1)};
      }
      rewriter.replaceOp(op, results);
      return success();
    } else {
      // Divide by the window size, or by the number of input (not padding)
      // elements in the window when count_include_pad is 0.
      bool countPad = op.getCountIncludePad() != 0;
      int64_t kernelSize = 1;
      for (int64_t k : p.kernel)
        kernelSize *= k;
      SmallVector<Value> inputSizes;
      for (int64_t i = 0; i < s; ++i)
        inputSizes.push_back(getDimSize(rewriter, loc, adaptor.getX(), i + 2));
      int64_t r = resultType.getRank();
      Value out = createEmptyLike(rewriter, loc, resultType, {pooled});
      auto divided = rewriter.create<linalg::GenericOp>(
          loc, TypeRange{resultType}, ValueRange{pooled}, ValueRange{out},
          SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(r),
                                 rewriter.getMultiDimIdentityMap(r)},
          SmallVector<utils::IteratorType>(r, utils::IteratorType::parallel),
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value count;
            if (countPad) {
              count = createScalar(b, l, elt, static_cast<double>(kernelSize));
            } else {
              Value n = b.create<arith::ConstantIndexOp>(l, 1);
              for (int64_t i = 0; i < s; ++i) {
                // [start, start + k) clipped to [0, size).
                Value o = b.create<linalg::IndexOp>(l, 2 + i);
                Value start = b.create<arith::SubIOp>(
                    l,
                    b.create<arith::MulIOp>(
                        l, o,
                        b.create<arith::ConstantIndexOp>(l, p.strides[i])),
                    b.create<arith::ConstantIndexOp>(l, low[2 + i]));
                Value end = b.create<arith::AddIOp>(
                    l, start, b.create<arith::ConstantIndexOp>(l, p.kernel[i]));
                Value lo = b.create<arith::MaxSIOp>(
                    l, start, b.create<arith::ConstantIndexOp>(l, 0));
                Value hi = b.create<arith::MinSIOp>(l, end, inputSizes[i]);
                n = b.create<arith::MulIOp>(l, n,
                                            b.create<arith::SubIOp>(l, hi, lo));
              }
              count = b.create<arith::SIToFPOp>(
                  l, elt, b.create<arith::IndexCastOp>(l, b.getI64Type(), n));
            }
            b.create<linalg::YieldOp>(
                l, b.create<arith::DivFOp>(l, args[0], count).getResult());
          });
      rewriter.replaceOp(op, divided.getResults());
      return success();
    }
  }
};

/// GlobalAveragePool / GlobalMaxPool: reduce N x C x D... to N x C, then
/// expand to N x C x 1 x ... x 1.
template <typename PoolOp>
struct GlobalPoolLowering : public OpConversionPattern<PoolOp> {
  using OpConversionPattern<PoolOp>::OpConversionPattern;
  using OpAdaptor = typename PoolOp::Adaptor;
  static constexpr bool isMax = std::is_same_v<PoolOp, GlobalMaxPoolOp>;

  LogicalResult
  matchAndRewrite(PoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType =
        getRankedResultType(op, 0, *this->getTypeConverter(), rewriter);
    Value x = adaptor.getX();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    if (!resultType || !xType || !isa<FloatType>(xType.getElementType()))
      return rewriter.notifyMatchFailure(op, "unranked or integer operand");
    Location loc = op.getLoc();
    Type elt = xType.getElementType();
    int64_t r = xType.getRank();
    SmallVector<bool> spatial(r, true);
    spatial[0] = spatial[1] = false;
    ReductionLoops loops = getReductionLoops(rewriter, loc, x, spatial);
    auto reducedType = loops.getType(elt);
    double initValue = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
    Value init =
        createFilled(rewriter, loc, reducedType, loops.dynamicSizes, initValue);
    Value reduced =
        rewriter
            .create<linalg::GenericOp>(
                loc, TypeRange{reducedType}, ValueRange{x}, ValueRange{init},
                SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(r),
                                       loops.resultMap},
                loops.iterators,
                [&](OpBuilder &b, Location l, ValueRange args) {
                  Value v =
                      isMax ? b.create<arith::MaximumFOp>(l, args[0], args[1])
                                  .getResult()
                            : b.create<arith::AddFOp>(l, args[0], args[1])
                                  .getResult();
                  b.create<linalg::YieldOp>(l, v);
                })
            .getResult(0);
    if (!isMax) {
      // Divide by the number of spatial elements.
      Value countF = countElements(
          rewriter, loc, x, llvm::to_vector(llvm::seq<int64_t>(2, r)), elt);
      Value out = createEmptyLike(rewriter, loc, reducedType, {reduced});
      reduced =
          rewriter
              .create<linalg::GenericOp>(
                  loc, TypeRange{reducedType}, ValueRange{reduced},
                  ValueRange{out},
                  SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(2),
                                         rewriter.getMultiDimIdentityMap(2)},
                  SmallVector<utils::IteratorType>(
                      2, utils::IteratorType::parallel),
                  [&](OpBuilder &b, Location l, ValueRange args) {
                    b.create<linalg::YieldOp>(
                        l, b.create<arith::DivFOp>(l, args[0], countF)
                               .getResult());
                  })
              .getResult(0);
    }
    SmallVector<ReassociationIndices> reassoc = {{0}, {1}};
    for (int64_t i = 2; i < r; ++i)
      reassoc.back().push_back(i);
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, resultType, reduced,
                                                       reassoc);
    return success();
  }
};

/// ConvTranspose: out[n, g*M/G + m, o] = sum_{c,k} x[n, g*C/G + c, i] *
/// w[g*C/G + c, m, k] where o + padBegin = i * stride + k * dilation. The
/// division makes the input read non-affine, so it is a guarded
/// tensor.extract inside a generic whose loops W and Y bound.
struct ConvTransposeLowering : public OpConversionPattern<ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConvTransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto xType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    auto wType = dyn_cast<RankedTensorType>(adaptor.getW().getType());
    if (!resultType || !xType || !wType || !wType.hasStaticShape() ||
        !xType.hasStaticShape() || !resultType.hasStaticShape() ||
        !isa<FloatType>(xType.getElementType()))
      return rewriter.notifyMatchFailure(op, "dynamic or integer operands");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Type elt = xType.getElementType();
    int64_t s = xType.getRank() - 2;
    int64_t group = op.getGroup();
    int64_t c = xType.getDimSize(1), cg = c / group;
    int64_t mg = wType.getDimSize(1);
    SmallVector<int64_t> kernel(wType.getShape().begin() + 2,
                                wType.getShape().end());
    SmallVector<int64_t> strides = vec(op.getStrides()),
                         dilations = vec(op.getDilations()),
                         pads = vec(op.getPads()),
                         outPad = vec(op.getOutputPadding());
    if (strides.empty())
      strides.assign(s, 1);
    if (dilations.empty())
      dilations.assign(s, 1);
    if (outPad.empty())
      outPad.assign(s, 0);
    SmallVector<int64_t> padBegin(s, 0);
    StringRef autoPad = op.getAutoPad();
    bool computed = op.getOutputShape().has_value() ||
                    autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
    for (int64_t i = 0; i < s; ++i) {
      if (computed) {
        int64_t total = strides[i] * (xType.getDimSize(i + 2) - 1) + outPad[i] +
                        (kernel[i] - 1) * dilations[i] + 1 -
                        resultType.getDimSize(i + 2);
        padBegin[i] = autoPad == "SAME_LOWER" ? total - total / 2 : total / 2;
      } else if (!pads.empty()) {
        padBegin[i] = pads[i];
      }
    }
    // W: C x M/G x K... -> G x C/G x M/G x K...
    SmallVector<int64_t> wShape = {group, cg, mg};
    wShape.append(kernel);
    SmallVector<ReassociationIndices> wReassoc = {{0, 1}, {2}};
    for (int64_t i = 0; i < s; ++i)
      wReassoc.push_back({i + 3});
    Value wg = rewriter.create<tensor::ExpandShapeOp>(
        loc, RankedTensorType::get(wShape, elt), adaptor.getW(), wReassoc);
    SmallVector<int64_t> yShape = {resultType.getDimSize(0), group, mg};
    yShape.append(resultType.getShape().begin() + 2,
                  resultType.getShape().end());
    auto ygType = RankedTensorType::get(yShape, elt);
    Value init = createFilled(rewriter, loc, ygType, {}, 0.0);
    // Loops: n, g, mg, o... (parallel), c, k... (reduction).
    int64_t loops = 3 + s + 1 + s;
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> wExprs = {d(1), d(3 + s), d(2)},
                            yExprs = {d(0), d(1), d(2)};
    for (int64_t i = 0; i < s; ++i) {
      wExprs.push_back(d(4 + s + i));
      yExprs.push_back(d(3 + i));
    }
    SmallVector<utils::IteratorType> iterators(3 + s,
                                               utils::IteratorType::parallel);
    iterators.append(1 + s, utils::IteratorType::reduction);
    Value x = adaptor.getX();
    SmallVector<int64_t> inSizes(xType.getShape().begin() + 2,
                                 xType.getShape().end());
    Value yg =
        rewriter
            .create<linalg::GenericOp>(
                loc, TypeRange{ygType}, ValueRange{wg}, ValueRange{init},
                SmallVector<AffineMap>{AffineMap::get(loops, 0, wExprs, ctx),
                                       AffineMap::get(loops, 0, yExprs, ctx)},
                iterators,
                [&](OpBuilder &b, Location l, ValueRange args) {
                  auto idx = [&](int64_t v) {
                    return b.create<arith::ConstantIndexOp>(l, v).getResult();
                  };
                  Value valid = b.create<arith::ConstantIntOp>(l, 1, 1);
                  Value g = b.create<linalg::IndexOp>(l, 1);
                  Value ci = b.create<linalg::IndexOp>(l, 3 + s);
                  SmallVector<Value> coords = {
                      b.create<linalg::IndexOp>(l, 0),
                      b.create<arith::AddIOp>(
                          l, b.create<arith::MulIOp>(l, g, idx(cg)), ci)};
                  for (int64_t i = 0; i < s; ++i) {
                    Value o = b.create<linalg::IndexOp>(l, 3 + i);
                    Value k = b.create<linalg::IndexOp>(l, 4 + s + i);
                    // t = o + padBegin - k * dilation; input index t / stride.
                    Value t = b.create<arith::SubIOp>(
                        l, b.create<arith::AddIOp>(l, o, idx(padBegin[i])),
                        b.create<arith::MulIOp>(l, k, idx(dilations[i])));
                    Value q = b.create<arith::DivSIOp>(l, t, idx(strides[i]));
                    Value exact = b.create<arith::CmpIOp>(
                        l, arith::CmpIPredicate::eq,
                        b.create<arith::RemSIOp>(l, t, idx(strides[i])),
                        idx(0));
                    Value inRange = b.create<arith::AndIOp>(
                        l,
                        b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, t,
                                                idx(0)),
                        b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, q,
                                                idx(inSizes[i])));
                    valid = b.create<arith::AndIOp>(
                        l, valid, b.create<arith::AndIOp>(l, exact, inRange));
                    coords.push_back(q);
                  }
                  // Read a safe element when invalid, then discard it.
                  for (int64_t i = 0; i < s; ++i)
                    coords[2 + i] = b.create<arith::SelectOp>(
                        l, valid, coords[2 + i], idx(0));
                  Value xv = b.create<tensor::ExtractOp>(l, x, coords);
                  Value prod = b.create<arith::MulFOp>(l, xv, args[0]);
                  prod = b.create<arith::SelectOp>(
                      l, valid, prod, createScalar(b, l, elt, 0.0));
                  b.create<linalg::YieldOp>(
                      l, b.create<arith::AddFOp>(l, args[1], prod).getResult());
                })
            .getResult(0);
    SmallVector<ReassociationIndices> yReassoc = {{0}, {1, 2}};
    for (int64_t i = 0; i < s; ++i)
      yReassoc.push_back({i + 3});
    Value y =
        rewriter.create<tensor::CollapseShapeOp>(loc, resultType, yg, yReassoc);
    if (!isNoValue(op.getB())) {
      int64_t r = resultType.getRank();
      y = rewriter
              .create<linalg::GenericOp>(
                  loc, TypeRange{resultType}, ValueRange{y, adaptor.getB()},
                  ValueRange{createEmpty(rewriter, loc, resultType, {})},
                  SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(r),
                                         AffineMap::get(r, 0, {d(1)}, ctx),
                                         rewriter.getMultiDimIdentityMap(r)},
                  SmallVector<utils::IteratorType>(
                      r, utils::IteratorType::parallel),
                  [](OpBuilder &b, Location l, ValueRange args) {
                    b.create<linalg::YieldOp>(
                        l, b.create<arith::AddFOp>(l, args[0], args[1])
                               .getResult());
                  })
              .getResult(0);
    }
    rewriter.replaceOp(op, y);
    return success();
  }
};

} // namespace

void populateConvPatterns(const TypeConverter &tc,
                          RewritePatternSet &patterns) {
  patterns
      .add<ConvLowering, PoolLowering<MaxPoolOp>, PoolLowering<AveragePoolOp>,
           GlobalPoolLowering<GlobalAveragePoolOp>,
           GlobalPoolLowering<GlobalMaxPoolOp>, ConvTransposeLowering>(
          tc, patterns.getContext());
}

} // namespace fulcrum::lowering
