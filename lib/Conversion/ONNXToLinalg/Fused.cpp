//===- Fused.cpp - Lowering of the fulcrum dialect's ops ------------------===//
//
// Part of Fulcrum. A fused contraction is rewritten into the ONNX operators
// it stands for (Conv/MatMul/Gemm, Add, the activation), which the
// conversion lowers next with their own patterns: one lowering per
// operator, and linalg exactly like the unfused chain's, so the CPU code
// generator's kernel patterns (bias, residual add and clamp epilogues of
// convolutions and matrix products) match fused models as they match
// unfused ones. `fulcrum.gelu` becomes one element-wise generic.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.h"

using namespace mlir;
using namespace fulcrum::onnx;
namespace fused = fulcrum::fused;

namespace fulcrum::lowering {
namespace {

/// `v`, or `onnx.NoValue` when the optional operand is absent.
Value orNone(OpBuilder &b, Location loc, Value v) {
  return v ? v : b.create<NoValueOp>(loc, b.getNoneType()).getResult();
}

/// A 0-d `onnx.Constant` of element type `elt`.
Value scalarConstant(OpBuilder &b, Location loc, Type elt, double value) {
  auto type = RankedTensorType::get({}, elt);
  return b
      .create<onnx::ConstantOp>(
          loc, TypeRange{type}, ValueRange{},
          b.getNamedAttr("value", DenseElementsAttr::get(
                                      type, b.getFloatAttr(elt, value))))
      .getResult();
}

/// The epilogue of a fused contraction after its bias: the residual add,
/// then the activation, as ONNX operators (or `fulcrum.gelu`).
Value applyEpilogue(OpBuilder &b, Location loc, Value y, Value residual,
                    StringRef activation, std::optional<APFloat> clipMin,
                    std::optional<APFloat> clipMax) {
  Type t = y.getType();
  auto one = [&](auto tag, ValueRange operands) -> Value {
    using OpT = decltype(tag);
    return b.create<OpT>(loc, TypeRange{t}, operands).getResult();
  };
  if (residual)
    y = one(AddOp(), {y, residual});
  switch (*fused::parseActivation(activation)) {
  case fused::Activation::None:
    return y;
  case fused::Activation::Relu:
    return one(ReluOp(), {y});
  case fused::Activation::Clip: {
    Type elt = cast<ShapedType>(t).getElementType();
    Value lo = scalarConstant(b, loc, elt, clipMin->convertToDouble());
    Value hi = scalarConstant(b, loc, elt, clipMax->convertToDouble());
    return one(ClipOp(), {y, lo, hi});
  }
  case fused::Activation::Sigmoid:
    return one(SigmoidOp(), {y});
  case fused::Activation::HardSwish:
    return one(HardSwishOp(), {y});
  case fused::Activation::Gelu:
  case fused::Activation::GeluTanh:
    return b
        .create<fused::GeluOp>(
            loc, TypeRange{t}, ValueRange{y},
            b.getNamedAttr(
                "approximate",
                b.getStringAttr(activation == "gelu_tanh" ? "tanh" : "none")))
        .getResult();
  case fused::Activation::Silu:
    return one(MulOp(), {y, one(SigmoidOp(), {y})});
  }
  return y;
}

/// The attributes of `op` named in `names`, where present.
SmallVector<NamedAttribute> copyAttrs(Operation *op,
                                      ArrayRef<StringRef> names) {
  SmallVector<NamedAttribute> attrs;
  for (StringRef name : names)
    if (Attribute a = op->getAttr(name))
      attrs.push_back(
          NamedAttribute(StringAttr::get(op->getContext(), name), a));
  return attrs;
}

struct FusedConvLowering : public OpConversionPattern<fused::ConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(fused::ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value conv = rewriter
                     .create<onnx::ConvOp>(
                         loc, TypeRange{op.getType()},
                         ValueRange{adaptor.getX(), adaptor.getW(),
                                    orNone(rewriter, loc, adaptor.getB())},
                         copyAttrs(op, {"auto_pad", "dilations", "group",
                                        "kernel_shape", "pads", "strides"}))
                     .getResult();
    rewriter.replaceOp(op,
                       applyEpilogue(rewriter, loc, conv, adaptor.getResidual(),
                                     op.getActivation(), op.getClipMin(),
                                     op.getClipMax()));
    return success();
  }
};

struct FusedMatMulLowering : public OpConversionPattern<fused::MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(fused::MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type t = op.getType();
    Value y =
        rewriter
            .create<onnx::MatMulOp>(loc, TypeRange{t},
                                    ValueRange{adaptor.getA(), adaptor.getB()})
            .getResult();
    if (Value bias = adaptor.getBias())
      y = rewriter.create<AddOp>(loc, TypeRange{t}, ValueRange{y, bias})
              .getResult();
    rewriter.replaceOp(op,
                       applyEpilogue(rewriter, loc, y, adaptor.getResidual(),
                                     op.getActivation(), op.getClipMin(),
                                     op.getClipMax()));
    return success();
  }
};

struct FusedGemmLowering : public OpConversionPattern<fused::GemmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(fused::GemmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value y = rewriter
                  .create<onnx::GemmOp>(
                      loc, TypeRange{op.getType()},
                      ValueRange{adaptor.getA(), adaptor.getB(),
                                 orNone(rewriter, loc, adaptor.getC())},
                      copyAttrs(op, {"alpha", "beta", "transA", "transB"}))
                  .getResult();
    rewriter.replaceOp(op,
                       applyEpilogue(rewriter, loc, y, adaptor.getResidual(),
                                     op.getActivation(), op.getClipMin(),
                                     op.getClipMax()));
    return success();
  }
};

struct FusedLayerNormLowering : public OpConversionPattern<fused::LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(fused::LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type none = rewriter.getNoneType();
    auto ln = rewriter.create<LayerNormalizationOp>(
        loc, TypeRange{op.getType(), none, none},
        ValueRange{adaptor.getX(), adaptor.getScale(),
                   orNone(rewriter, loc, adaptor.getBias())},
        copyAttrs(op, {"axis", "epsilon"}));
    rewriter.replaceOp(op, ln->getResult(0));
    return success();
  }
};

struct GeluLowering : public OpConversionPattern<fused::GeluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(fused::GeluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(adaptor.getX().getType());
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    bool tanh = op.getApproximate() == "tanh";
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    Value init = createEmptyLike(rewriter, loc, type, {adaptor.getX()});
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{adaptor.getX()}, ValueRange{init},
        ArrayRef<AffineMap>{id, id},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = args[0];
          Type t = x.getType();
          auto c = [&](double v) { return createScalar(b, l, t, v); };
          Value inner;
          if (tanh) {
            // sqrt(2/pi) * (x + 0.044715 x^3)
            Value x3 =
                b.create<arith::MulFOp>(l, x, b.create<arith::MulFOp>(l, x, x));
            Value s = b.create<arith::AddFOp>(
                l, x, b.create<arith::MulFOp>(l, x3, c(0.044715)));
            inner = b.create<math::TanhOp>(
                l, b.create<arith::MulFOp>(l, s, c(0.7978845608028654)));
          } else {
            inner = b.create<math::ErfOp>(
                l, b.create<arith::MulFOp>(l, x, c(0.7071067811865476)));
          }
          Value half = b.create<arith::MulFOp>(l, x, c(0.5));
          Value y = b.create<arith::MulFOp>(
              l, half, b.create<arith::AddFOp>(l, inner, c(1.0)));
          b.create<linalg::YieldOp>(l, y);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

} // namespace

void populateFusedPatterns(const TypeConverter &tc,
                           RewritePatternSet &patterns) {
  patterns.add<FusedConvLowering, FusedMatMulLowering, FusedGemmLowering,
               FusedLayerNormLowering, GeluLowering>(tc, patterns.getContext());
}

} // namespace fulcrum::lowering
