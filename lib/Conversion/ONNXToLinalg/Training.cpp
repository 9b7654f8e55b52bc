//===- Training.cpp - Lowering of the training domain's optimizers --------===//
//
// Part of Fulcrum. Adagrad, Adam and Momentum (ai.onnx.preview.training):
// per optimized tensor, one element-wise generic reads the tensor, its
// gradient and its states and writes the new tensor and states; the scalar
// factors (learning rate, update count) are computed before it.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

/// The scalars an optimizer's element-wise body uses: the learning rate and
/// the update count, in the element type.
struct OptimizerScalars {
  Value rate, count, countIsPositive;
};

/// Per element: the values of (X, G, states...) in, (X_new, states_new...)
/// out.
using OptimizerBody = llvm::function_ref<SmallVector<Value>(
    OpBuilder &, Location, const OptimizerScalars &, ValueRange)>;

/// Lowers an optimizer whose variadic inputs are N tensors followed by
/// `groups - 1` companions each (gradients, states) and whose results are
/// the N new tensors followed by their `groups - 2` new states.
LogicalResult lowerOptimizer(Operation *op, ValueRange operands,
                             unsigned groups, const TypeConverter &tc,
                             ConversionPatternRewriter &rewriter,
                             OptimizerBody body) {
  Value rate = operands[0], count = operands[1];
  ValueRange inputs = operands.drop_front(2);
  unsigned n = inputs.size() / groups;
  if (n == 0 || inputs.size() % groups != 0 ||
      op->getNumResults() != n * (groups - 1))
    return rewriter.notifyMatchFailure(
        op, "the inputs are not N tensors with their gradients and states");
  auto rateType = dyn_cast<RankedTensorType>(rate.getType());
  auto countType = dyn_cast<RankedTensorType>(count.getType());
  if (!rateType || !countType || rateType.getNumElements() != 1 ||
      countType.getNumElements() != 1)
    return rewriter.notifyMatchFailure(op, "R and T must be scalars");
  SmallVector<RankedTensorType> types;
  for (unsigned i = 0; i < op->getNumResults(); ++i) {
    auto type = dyn_cast_or_null<RankedTensorType>(
        tc.convertType(op->getResult(i).getType()));
    if (!type || type != inputs[i % n].getType())
      return rewriter.notifyMatchFailure(
          op, "a new value's type differs from its tensor's");
    types.push_back(type);
  }
  Location loc = op->getLoc();
  SmallVector<Value> results(op->getNumResults());
  for (unsigned i = 0; i < n; ++i) {
    auto type = types[i];
    Type elt = type.getElementType();
    OptimizerScalars scalars;
    scalars.rate =
        castScalar(rewriter, loc, readFirstElement(rewriter, loc, rate),
                   rateType.getElementType(), elt);
    Value t = readFirstElement(rewriter, loc, count);
    scalars.count = rewriter.create<arith::SIToFPOp>(loc, elt, t);
    scalars.countIsPositive = rewriter.create<arith::CmpIOp>(
        loc, arith::CmpIPredicate::sgt, t,
        rewriter.create<arith::ConstantIntOp>(loc, 0, 64));
    SmallVector<Value> ins, outs;
    SmallVector<Type> outTypes;
    for (unsigned g = 0; g < groups; ++g) {
      if (inputs[g * n + i].getType() != type)
        return rewriter.notifyMatchFailure(
            op, "gradients and states must have their tensor's type");
      ins.push_back(inputs[g * n + i]);
    }
    for (unsigned g = 0; g + 1 < groups; ++g) {
      outs.push_back(createEmptyLike(rewriter, loc, type, {ins[0]}));
      outTypes.push_back(type);
    }
    int64_t rank = type.getRank();
    SmallVector<AffineMap> maps(ins.size() + outs.size(),
                                rewriter.getMultiDimIdentityMap(rank));
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, outTypes, ins, outs, maps,
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          b.create<linalg::YieldOp>(
              l, body(b, l, scalars, args.take_front(groups)));
        });
    for (unsigned g = 0; g + 1 < groups; ++g)
      results[g * n + i] = generic.getResult(g);
  }
  rewriter.replaceOp(op, results);
  return success();
}

/// A scalar of the type of `like`.
Value cst(OpBuilder &b, Location loc, Value like, double v) {
  return createScalar(b, loc, like.getType(), v);
}

/// norm_coefficient * X + G.
Value regularized(OpBuilder &b, Location loc, double norm, Value x, Value g) {
  return b.create<arith::AddFOp>(
      loc, b.create<arith::MulFOp>(loc, cst(b, loc, x, norm), x), g);
}

struct AdagradLowering : public OpConversionPattern<AdagradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AdagradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    double decay = op.getDecayFactor().convertToDouble();
    double eps = op.getEpsilon().convertToDouble();
    double norm = op.getNormCoefficient().convertToDouble();
    return lowerOptimizer(
        op, adaptor.getOperands(), 3, *getTypeConverter(), rewriter,
        [&](OpBuilder &b, Location l, const OptimizerScalars &s,
            ValueRange a) -> SmallVector<Value> {
          Value x = a[0], h = a[2];
          // r = R / (1 + T * decay_factor)
          Value r = b.create<arith::DivFOp>(
              l, s.rate,
              b.create<arith::AddFOp>(
                  l, cst(b, l, x, 1.0),
                  b.create<arith::MulFOp>(l, s.count, cst(b, l, x, decay))));
          Value g = regularized(b, l, norm, x, a[1]);
          Value hNew =
              b.create<arith::AddFOp>(l, h, b.create<arith::MulFOp>(l, g, g));
          Value adaptive = b.create<arith::AddFOp>(
              l, b.create<math::SqrtOp>(l, hNew), cst(b, l, x, eps));
          Value step = b.create<arith::DivFOp>(
              l, b.create<arith::MulFOp>(l, r, g), adaptive);
          return {b.create<arith::SubFOp>(l, x, step), hNew};
        });
  }
};

struct AdamLowering : public OpConversionPattern<AdamOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AdamOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    double alpha = op.getAlpha().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    double eps = op.getEpsilon().convertToDouble();
    double norm = op.getNormCoefficient().convertToDouble();
    double post = op.getNormCoefficientPost().convertToDouble();
    return lowerOptimizer(
        op, adaptor.getOperands(), 4, *getTypeConverter(), rewriter,
        [&](OpBuilder &b, Location l, const OptimizerScalars &s,
            ValueRange a) -> SmallVector<Value> {
          Value x = a[0], v = a[2], h = a[3];
          Value g = regularized(b, l, norm, x, a[1]);
          Value vNew = b.create<arith::AddFOp>(
              l, b.create<arith::MulFOp>(l, cst(b, l, x, alpha), v),
              b.create<arith::MulFOp>(l, cst(b, l, x, 1.0 - alpha), g));
          Value hNew = b.create<arith::AddFOp>(
              l, b.create<arith::MulFOp>(l, cst(b, l, x, beta), h),
              b.create<arith::MulFOp>(l, cst(b, l, x, 1.0 - beta),
                                      b.create<arith::MulFOp>(l, g, g)));
          Value hSqrt = b.create<arith::AddFOp>(
              l, b.create<math::SqrtOp>(l, hNew), cst(b, l, x, eps));
          // R * sqrt(1 - beta^T) / (1 - alpha^T) once T > 0.
          auto oneMinusPow = [&](double base) -> Value {
            return b.create<arith::SubFOp>(
                l, cst(b, l, x, 1.0),
                b.create<math::PowFOp>(l, cst(b, l, x, base), s.count));
          };
          Value adjusted = b.create<arith::DivFOp>(
              l,
              b.create<arith::MulFOp>(
                  l, s.rate, b.create<math::SqrtOp>(l, oneMinusPow(beta))),
              oneMinusPow(alpha));
          Value r =
              b.create<arith::SelectOp>(l, s.countIsPositive, adjusted, s.rate);
          Value xNew = b.create<arith::SubFOp>(
              l, x,
              b.create<arith::MulFOp>(l, r,
                                      b.create<arith::DivFOp>(l, vNew, hSqrt)));
          xNew = b.create<arith::MulFOp>(l, cst(b, l, x, 1.0 - post), xNew);
          return {xNew, vNew, hNew};
        });
  }
};

struct MomentumLowering : public OpConversionPattern<MomentumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MomentumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    bool nesterov = op.getMode() == "nesterov";
    if (!nesterov && op.getMode() != "standard")
      return rewriter.notifyMatchFailure(op, "unknown mode");
    double alpha = op.getAlpha().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    double norm = op.getNormCoefficient().convertToDouble();
    return lowerOptimizer(
        op, adaptor.getOperands(), 3, *getTypeConverter(), rewriter,
        [&](OpBuilder &b, Location l, const OptimizerScalars &s,
            ValueRange a) -> SmallVector<Value> {
          Value x = a[0], v = a[2];
          Value g = regularized(b, l, norm, x, a[1]);
          Value betaT = b.create<arith::SelectOp>(
              l, s.countIsPositive, cst(b, l, x, beta), cst(b, l, x, 1.0));
          Value vNew = b.create<arith::AddFOp>(
              l, b.create<arith::MulFOp>(l, cst(b, l, x, alpha), v),
              b.create<arith::MulFOp>(l, betaT, g));
          Value step =
              nesterov
                  ? b.create<arith::AddFOp>(
                        l, g,
                        b.create<arith::MulFOp>(l, cst(b, l, x, alpha), vNew))
                  : vNew;
          return {b.create<arith::SubFOp>(
                      l, x, b.create<arith::MulFOp>(l, s.rate, step)),
                  vNew};
        });
  }
};

} // namespace

void populateTrainingPatterns(const TypeConverter &tc,
                              RewritePatternSet &patterns) {
  patterns.add<AdagradLowering, AdamLowering, MomentumLowering>(
      tc, patterns.getContext());
}

} // namespace fulcrum::lowering
