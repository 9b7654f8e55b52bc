//===- Elementwise.cpp - Lowering of element-wise onnx ops ----------------===//
//
// Part of Fulcrum. Every element-wise operator (unary math and activations,
// broadcasting binary and variadic operators, comparisons, logic, Where,
// Clip, Cast) becomes one `linalg.generic` whose indexing maps implement
// numpy broadcasting. The operators are found by their element-wise traits
// (utils/onnx-dialect-gen/op-traits.txt); a table maps each operation class
// to the scalar code of its body.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "llvm/ADT/DenseMap.h"

#include <functional>

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

/// What a scalar builder sees: the block arguments (signless), the ONNX
/// element types of the operands (nullptr for absent optional inputs) and of
/// the result.
struct Scalar {
  OpBuilder &b;
  Location loc;
  Operation *op;
  SmallVector<Value> args; // one per onnx operand; null when absent
  SmallVector<Type> types; // ONNX element types, one per operand
  Type resultType;         // ONNX element type of result 0

  Value arg(unsigned i) const { return args[i]; }
  bool isFloat() const { return isa<FloatType>(types[0]); }
  bool isUnsigned() const {
    auto i = dyn_cast<IntegerType>(types[0]);
    return i && i.isUnsigned();
  }
  Value cst(double v) const {
    return createScalar(b, loc, args[0].getType(), v);
  }
  Value cst(double v, Type t) const { return createScalar(b, loc, t, v); }
  template <typename OpTy> OpTy get() const { return cast<OpTy>(op); }
  template <typename T, typename... Args> Value create(Args &&...a) const {
    return b.create<T>(loc, std::forward<Args>(a)...);
  }
};

using ScalarFn = std::function<Value(const Scalar &)>;

double attr(Attribute a, double dflt) {
  if (auto f = dyn_cast_or_null<FloatAttr>(a))
    return f.getValueAsDouble();
  return dflt;
}

/// max(a, b) / min(a, b) for the operand's type.
Value maxOf(const Scalar &s, Value a, Value b) {
  if (s.isFloat())
    return s.create<arith::MaximumFOp>(a, b);
  return s.isUnsigned() ? s.create<arith::MaxUIOp>(a, b)
                        : s.create<arith::MaxSIOp>(a, b);
}
Value minOf(const Scalar &s, Value a, Value b) {
  if (s.isFloat())
    return s.create<arith::MinimumFOp>(a, b);
  return s.isUnsigned() ? s.create<arith::MinUIOp>(a, b)
                        : s.create<arith::MinSIOp>(a, b);
}

Value sigmoid(const Scalar &s, Value x) {
  Value e = s.create<math::ExpOp>(s.create<arith::NegFOp>(x));
  return s.create<arith::DivFOp>(s.cst(1.0),
                                 s.create<arith::AddFOp>(s.cst(1.0), e));
}

/// Comparison: float ordered predicates, signed or unsigned integers.
ScalarFn compare(arith::CmpFPredicate f, arith::CmpIPredicate si,
                 arith::CmpIPredicate ui) {
  return [=](const Scalar &s) -> Value {
    if (s.isFloat())
      return s.create<arith::CmpFOp>(f, s.arg(0), s.arg(1));
    return s.create<arith::CmpIOp>(s.isUnsigned() ? ui : si, s.arg(0),
                                   s.arg(1));
  };
}

/// Folds a binary combiner over all operands (variadic Max, Min, Sum).
ScalarFn fold(std::function<Value(const Scalar &, Value, Value)> combine) {
  return [=](const Scalar &s) {
    Value acc = s.arg(0);
    for (unsigned i = 1; i < s.args.size(); ++i)
      acc = combine(s, acc, s.arg(i));
    return acc;
  };
}

Value add(const Scalar &s, Value a, Value b) {
  return s.isFloat() ? s.create<arith::AddFOp>(a, b)
                     : s.create<arith::AddIOp>(a, b);
}

template <typename OpTy> TypeID id() { return TypeID::get<OpTy>(); }

/// The scalar body of each element-wise operator, by operation class.
const llvm::DenseMap<TypeID, ScalarFn> &scalarTable() {
  static const llvm::DenseMap<TypeID, ScalarFn> table = [] {
    llvm::DenseMap<TypeID, ScalarFn> t;
    auto floatUnary = [&](TypeID op, auto fn) { t[op] = fn; };
    // Unary math.
    t[id<AbsOp>()] = [](const Scalar &s) -> Value {
      if (s.isFloat())
        return s.create<math::AbsFOp>(s.arg(0));
      return s.isUnsigned() ? s.arg(0) : s.create<math::AbsIOp>(s.arg(0));
    };
    t[id<NegOp>()] = [](const Scalar &s) -> Value {
      return s.isFloat() ? s.create<arith::NegFOp>(s.arg(0))
                         : s.create<arith::SubIOp>(s.cst(0), s.arg(0));
    };
    floatUnary(id<ExpOp>(),
               [](const Scalar &s) { return s.create<math::ExpOp>(s.arg(0)); });
    floatUnary(id<LogOp>(),
               [](const Scalar &s) { return s.create<math::LogOp>(s.arg(0)); });
    floatUnary(id<SqrtOp>(), [](const Scalar &s) {
      return s.create<math::SqrtOp>(s.arg(0));
    });
    floatUnary(id<SinOp>(),
               [](const Scalar &s) { return s.create<math::SinOp>(s.arg(0)); });
    floatUnary(id<CosOp>(),
               [](const Scalar &s) { return s.create<math::CosOp>(s.arg(0)); });
    floatUnary(id<TanOp>(),
               [](const Scalar &s) { return s.create<math::TanOp>(s.arg(0)); });
    floatUnary(id<TanhOp>(), [](const Scalar &s) {
      return s.create<math::TanhOp>(s.arg(0));
    });
    floatUnary(id<SinhOp>(), [](const Scalar &s) {
      return s.create<math::SinhOp>(s.arg(0));
    });
    floatUnary(id<CoshOp>(), [](const Scalar &s) {
      return s.create<math::CoshOp>(s.arg(0));
    });
    floatUnary(id<AsinOp>(), [](const Scalar &s) {
      return s.create<math::AsinOp>(s.arg(0));
    });
    floatUnary(id<AcosOp>(), [](const Scalar &s) {
      return s.create<math::AcosOp>(s.arg(0));
    });
    floatUnary(id<AtanOp>(), [](const Scalar &s) {
      return s.create<math::AtanOp>(s.arg(0));
    });
    floatUnary(id<AsinhOp>(), [](const Scalar &s) {
      return s.create<math::AsinhOp>(s.arg(0));
    });
    floatUnary(id<AcoshOp>(), [](const Scalar &s) {
      return s.create<math::AcoshOp>(s.arg(0));
    });
    floatUnary(id<AtanhOp>(), [](const Scalar &s) {
      return s.create<math::AtanhOp>(s.arg(0));
    });
    floatUnary(id<ErfOp>(),
               [](const Scalar &s) { return s.create<math::ErfOp>(s.arg(0)); });
    floatUnary(id<FloorOp>(), [](const Scalar &s) {
      return s.create<math::FloorOp>(s.arg(0));
    });
    floatUnary(id<CeilOp>(), [](const Scalar &s) {
      return s.create<math::CeilOp>(s.arg(0));
    });
    floatUnary(id<RoundOp>(), [](const Scalar &s) {
      return s.create<math::RoundEvenOp>(s.arg(0));
    });
    floatUnary(id<ReciprocalOp>(), [](const Scalar &s) {
      return s.create<arith::DivFOp>(s.cst(1.0), s.arg(0));
    });
    t[id<SignOp>()] = [](const Scalar &s) -> Value {
      Value zero = s.cst(0), x = s.arg(0);
      if (s.isFloat()) {
        Value pos = s.create<arith::CmpFOp>(arith::CmpFPredicate::OGT, x, zero);
        Value neg = s.create<arith::CmpFOp>(arith::CmpFPredicate::OLT, x, zero);
        Value r = s.create<arith::SelectOp>(pos, s.cst(1), zero);
        return s.create<arith::SelectOp>(neg, s.cst(-1), r);
      }
      Value pos =
          s.create<arith::CmpIOp>(s.isUnsigned() ? arith::CmpIPredicate::ugt
                                                 : arith::CmpIPredicate::sgt,
                                  x, zero);
      Value r = s.create<arith::SelectOp>(pos, s.cst(1), zero);
      if (s.isUnsigned())
        return r;
      Value neg = s.create<arith::CmpIOp>(arith::CmpIPredicate::slt, x, zero);
      return s.create<arith::SelectOp>(neg, s.cst(-1), r);
    };
    // Activations.
    t[id<ReluOp>()] = [](const Scalar &s) {
      return maxOf(s, s.arg(0), s.cst(0));
    };
    floatUnary(id<SigmoidOp>(),
               [](const Scalar &s) { return sigmoid(s, s.arg(0)); });
    floatUnary(id<LeakyReluOp>(), [](const Scalar &s) -> Value {
      double alpha = s.get<LeakyReluOp>().getAlpha().convertToDouble();
      Value x = s.arg(0);
      Value neg =
          s.create<arith::CmpFOp>(arith::CmpFPredicate::OLT, x, s.cst(0));
      return s.create<arith::SelectOp>(
          neg, s.create<arith::MulFOp>(x, s.cst(alpha)), x);
    });
    floatUnary(id<EluOp>(), [](const Scalar &s) -> Value {
      double alpha = s.get<EluOp>().getAlpha().convertToDouble();
      Value x = s.arg(0);
      Value neg =
          s.create<arith::CmpFOp>(arith::CmpFPredicate::OLT, x, s.cst(0));
      Value em1 = s.create<arith::SubFOp>(s.create<math::ExpOp>(x), s.cst(1));
      return s.create<arith::SelectOp>(
          neg, s.create<arith::MulFOp>(em1, s.cst(alpha)), x);
    });
    floatUnary(id<CeluOp>(), [](const Scalar &s) -> Value {
      double alpha = s.get<CeluOp>().getAlpha().convertToDouble();
      Value x = s.arg(0);
      Value e = s.create<arith::SubFOp>(
          s.create<math::ExpOp>(s.create<arith::DivFOp>(x, s.cst(alpha))),
          s.cst(1));
      Value neg = minOf(s, s.cst(0), s.create<arith::MulFOp>(e, s.cst(alpha)));
      return s.create<arith::AddFOp>(maxOf(s, s.cst(0), x), neg);
    });
    floatUnary(id<SeluOp>(), [](const Scalar &s) -> Value {
      auto op = s.get<SeluOp>();
      double alpha = op.getAlpha().convertToDouble(),
             gamma = op.getGamma().convertToDouble();
      Value x = s.arg(0);
      Value neg =
          s.create<arith::CmpFOp>(arith::CmpFPredicate::OLE, x, s.cst(0));
      Value em = s.create<arith::MulFOp>(
          s.create<arith::SubFOp>(s.create<math::ExpOp>(x), s.cst(1)),
          s.cst(alpha));
      return s.create<arith::MulFOp>(s.create<arith::SelectOp>(neg, em, x),
                                     s.cst(gamma));
    });
    floatUnary(id<ThresholdedReluOp>(), [](const Scalar &s) -> Value {
      double alpha = s.get<ThresholdedReluOp>().getAlpha().convertToDouble();
      Value x = s.arg(0);
      Value gt =
          s.create<arith::CmpFOp>(arith::CmpFPredicate::OGT, x, s.cst(alpha));
      return s.create<arith::SelectOp>(gt, x, s.cst(0));
    });
    floatUnary(id<HardSigmoidOp>(), [](const Scalar &s) -> Value {
      auto op = s.get<HardSigmoidOp>();
      Value y = s.create<arith::AddFOp>(
          s.create<arith::MulFOp>(s.arg(0),
                                  s.cst(op.getAlpha().convertToDouble())),
          s.cst(op.getBeta().convertToDouble()));
      return minOf(s, maxOf(s, y, s.cst(0)), s.cst(1));
    });
    floatUnary(id<HardSwishOp>(), [](const Scalar &s) -> Value {
      Value x = s.arg(0);
      Value y = s.create<arith::AddFOp>(
          s.create<arith::MulFOp>(x, s.cst(1.0 / 6)), s.cst(0.5));
      return s.create<arith::MulFOp>(x,
                                     minOf(s, maxOf(s, y, s.cst(0)), s.cst(1)));
    });
    floatUnary(id<SoftplusOp>(), [](const Scalar &s) -> Value {
      return s.create<math::Log1pOp>(s.create<math::ExpOp>(s.arg(0)));
    });
    floatUnary(id<SoftsignOp>(), [](const Scalar &s) -> Value {
      Value x = s.arg(0);
      return s.create<arith::DivFOp>(
          x, s.create<arith::AddFOp>(s.cst(1), s.create<math::AbsFOp>(x)));
    });
    t[id<PReluOp>()] = [](const Scalar &s) -> Value {
      Value x = s.arg(0), slope = s.arg(1);
      if (s.isFloat()) {
        Value neg =
            s.create<arith::CmpFOp>(arith::CmpFPredicate::OLT, x, s.cst(0));
        return s.create<arith::SelectOp>(neg, s.create<arith::MulFOp>(x, slope),
                                         x);
      }
      Value neg =
          s.create<arith::CmpIOp>(arith::CmpIPredicate::slt, x, s.cst(0));
      return s.create<arith::SelectOp>(neg, s.create<arith::MulIOp>(x, slope),
                                       x);
    };
    // Binary arithmetic.
    t[id<AddOp>()] = [](const Scalar &s) { return add(s, s.arg(0), s.arg(1)); };
    t[id<SubOp>()] = [](const Scalar &s) -> Value {
      return s.isFloat() ? s.create<arith::SubFOp>(s.arg(0), s.arg(1))
                         : s.create<arith::SubIOp>(s.arg(0), s.arg(1));
    };
    t[id<MulOp>()] = [](const Scalar &s) -> Value {
      return s.isFloat() ? s.create<arith::MulFOp>(s.arg(0), s.arg(1))
                         : s.create<arith::MulIOp>(s.arg(0), s.arg(1));
    };
    t[id<DivOp>()] = [](const Scalar &s) -> Value {
      if (s.isFloat())
        return s.create<arith::DivFOp>(s.arg(0), s.arg(1));
      return s.isUnsigned() ? s.create<arith::DivUIOp>(s.arg(0), s.arg(1))
                            : s.create<arith::DivSIOp>(s.arg(0), s.arg(1));
    };
    t[id<PowOp>()] = [](const Scalar &s) -> Value {
      Type xt = s.types[0], yt = s.types[1];
      Value x = s.arg(0), y = s.arg(1);
      if (isa<FloatType>(xt)) {
        Value yf = castScalar(s.b, s.loc, y, yt, xt);
        return s.create<math::PowFOp>(x, yf);
      }
      // Integer base: compute in f64 and convert back (ONNX's reference).
      Type f64 = s.b.getF64Type();
      Value xf = castScalar(s.b, s.loc, x, xt, f64);
      Value yf = castScalar(s.b, s.loc, y, yt, f64);
      return castScalar(s.b, s.loc, s.create<math::PowFOp>(xf, yf), f64, xt);
    };
    t[id<MaxOp>()] = fold(maxOf);
    t[id<MinOp>()] = fold(minOf);
    t[id<SumOp>()] = fold(add);
    t[id<MeanOp>()] = [](const Scalar &s) -> Value {
      Value sum = fold(add)(s);
      return s.create<arith::DivFOp>(sum,
                                     s.cst(static_cast<double>(s.args.size())));
    };
    // Comparisons and logic.
    t[id<EqualOp>()] =
        compare(arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq,
                arith::CmpIPredicate::eq);
    t[id<LessOp>()] =
        compare(arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt,
                arith::CmpIPredicate::ult);
    t[id<LessOrEqualOp>()] =
        compare(arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle,
                arith::CmpIPredicate::ule);
    t[id<GreaterOp>()] =
        compare(arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt,
                arith::CmpIPredicate::ugt);
    t[id<GreaterOrEqualOp>()] =
        compare(arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge,
                arith::CmpIPredicate::uge);
    t[id<AndOp>()] = [](const Scalar &s) {
      return s.create<arith::AndIOp>(s.arg(0), s.arg(1));
    };
    t[id<OrOp>()] = [](const Scalar &s) {
      return s.create<arith::OrIOp>(s.arg(0), s.arg(1));
    };
    t[id<XorOp>()] = [](const Scalar &s) {
      return s.create<arith::XOrIOp>(s.arg(0), s.arg(1));
    };
    t[id<NotOp>()] = [](const Scalar &s) {
      return s.create<arith::XOrIOp>(s.arg(0), s.cst(1));
    };
    t[id<IsNaNOp>()] = [](const Scalar &s) {
      return s.create<arith::CmpFOp>(arith::CmpFPredicate::UNO, s.arg(0),
                                     s.arg(0));
    };
    t[id<WhereOp>()] = [](const Scalar &s) {
      return s.create<arith::SelectOp>(s.arg(0), s.arg(1), s.arg(2));
    };
    t[id<ClipOp>()] = [](const Scalar &s) -> Value {
      Value x = s.arg(0);
      if (s.arg(1))
        x = maxOf(s, x, s.arg(1));
      if (s.arg(2))
        x = minOf(s, x, s.arg(2));
      return x;
    };
    t[id<CastOp>()] = [](const Scalar &s) {
      return castScalar(s.b, s.loc, s.arg(0), s.types[0], s.resultType);
    };
    t[id<CastLikeOp>()] = t.lookup(id<CastOp>());
    // Superseded versions with unchanged semantics.
    t[id<AbsV6Op>()] = t.lookup(id<AbsOp>());
    t[id<NegV6Op>()] = t.lookup(id<NegOp>());
    // Per-tensor or per-axis quantization (ElementwiseLowering maps 1-D
    // scales and zero points along the axis).
    t[id<QuantizeLinearOp>()] = [](const Scalar &s) -> Value {
      Type f32 = s.b.getF32Type();
      Value x = castScalar(s.b, s.loc, s.arg(0), s.types[0], f32);
      Value scale = castScalar(s.b, s.loc, s.arg(1), s.types[1], f32);
      Value q = s.create<math::RoundEvenOp>(s.create<arith::DivFOp>(x, scale));
      if (s.arg(2))
        q = s.create<arith::AddFOp>(
            q, castScalar(s.b, s.loc, s.arg(2), s.types[2], f32));
      bool isSigned =
          s.resultType.isSignedInteger() || s.resultType.isSignlessInteger();
      double lo = isSigned ? -128 : 0, hi = isSigned ? 127 : 255;
      // maxnumf/minnumf: a NaN saturates to the low bound (a defined byte)
      // and, with constant bounds, each is one vector max or min (the
      // NaN-propagating forms need a compare and a blend each).
      q = s.create<arith::MinNumFOp>(
          s.create<arith::MaxNumFOp>(q, s.cst(lo, f32)), s.cst(hi, f32));
      return castScalar(s.b, s.loc, q, f32, s.resultType);
    };
    t[id<DequantizeLinearOp>()] = [](const Scalar &s) -> Value {
      Type f32 = s.b.getF32Type();
      Value x = castScalar(s.b, s.loc, s.arg(0), s.types[0], f32);
      if (s.arg(2))
        x = s.create<arith::SubFOp>(
            x, castScalar(s.b, s.loc, s.arg(2), s.types[2], f32));
      return s.create<arith::MulFOp>(x, s.arg(1));
    };
    t[id<IsInfOp>()] = [](const Scalar &s) -> Value {
      auto op = s.get<IsInfOp>();
      Value x = s.arg(0);
      Value inf = s.create<arith::ConstantOp>(s.b.getFloatAttr(
          x.getType(),
          APFloat::getInf(cast<FloatType>(x.getType()).getFloatSemantics())));
      Value absX = s.create<math::AbsFOp>(x);
      Value isInf =
          s.create<arith::CmpFOp>(arith::CmpFPredicate::OEQ, absX, inf);
      Value pos =
          s.create<arith::CmpFOp>(arith::CmpFPredicate::OGT, x, s.cst(0));
      Value r = s.create<arith::ConstantIntOp>(0, 1);
      if (op.getDetectPositive())
        r = s.create<arith::OrIOp>(r, s.create<arith::AndIOp>(isInf, pos));
      if (op.getDetectNegative())
        r = s.create<arith::OrIOp>(
            r, s.create<arith::AndIOp>(
                   isInf, s.create<arith::XOrIOp>(
                              pos, s.create<arith::ConstantIntOp>(1, 1))));
      return r;
    };
    t[id<ShrinkOp>()] = [](const Scalar &s) -> Value {
      auto op = s.get<ShrinkOp>();
      double lambd = op.getLambd().convertToDouble(),
             bias = op.getBias().convertToDouble();
      Value x = s.arg(0);
      if (!s.isFloat())
        return nullptr;
      Value lt =
          s.create<arith::CmpFOp>(arith::CmpFPredicate::OLT, x, s.cst(-lambd));
      Value gt =
          s.create<arith::CmpFOp>(arith::CmpFPredicate::OGT, x, s.cst(lambd));
      Value r = s.create<arith::SelectOp>(
          gt, s.create<arith::SubFOp>(x, s.cst(bias)), s.cst(0));
      return s.create<arith::SelectOp>(
          lt, s.create<arith::AddFOp>(x, s.cst(bias)), r);
    };
    t[id<ModOp>()] = [](const Scalar &s) -> Value {
      Value a = s.arg(0), b = s.arg(1);
      if (s.isFloat()) // fmod must be 1 for floats: C fmod semantics.
        return s.create<arith::RemFOp>(a, b);
      if (s.get<ModOp>().getFmod() != 0 || s.isUnsigned())
        return s.isUnsigned() ? s.create<arith::RemUIOp>(a, b)
                              : s.create<arith::RemSIOp>(a, b);
      // Python semantics: the result has the sign of the divisor.
      Value r = s.create<arith::RemSIOp>(a, b);
      Value zero = s.cst(0);
      Value nonZero =
          s.create<arith::CmpIOp>(arith::CmpIPredicate::ne, r, zero);
      Value rNeg = s.create<arith::CmpIOp>(arith::CmpIPredicate::slt, r, zero);
      Value bNeg = s.create<arith::CmpIOp>(arith::CmpIPredicate::slt, b, zero);
      Value fix =
          s.create<arith::AndIOp>(nonZero, s.create<arith::XOrIOp>(rNeg, bNeg));
      return s.create<arith::SelectOp>(fix, s.create<arith::AddIOp>(r, b), r);
    };
    t[id<BitShiftOp>()] = [](const Scalar &s) -> Value {
      if (s.get<BitShiftOp>().getDirection() == "LEFT")
        return s.create<arith::ShLIOp>(s.arg(0), s.arg(1));
      return s.create<arith::ShRUIOp>(s.arg(0), s.arg(1));
    };
    t[id<TriluOp>()] = [](const Scalar &s) -> Value {
      auto rank =
          cast<RankedTensorType>(s.op->getResult(0).getType()).getRank();
      Value i = s.create<linalg::IndexOp>(rank - 2);
      Value j = s.create<linalg::IndexOp>(rank - 1);
      Value diff = s.create<arith::IndexCastOp>(s.b.getI64Type(),
                                                s.create<arith::SubIOp>(j, i));
      Value k = s.arg(1) ? s.arg(1) : s.cst(0, s.b.getI64Type());
      bool upper = s.get<TriluOp>().getUpper() != 0;
      Value keep = s.create<arith::CmpIOp>(upper ? arith::CmpIPredicate::sge
                                                 : arith::CmpIPredicate::sle,
                                           diff, k);
      Value zero = s.isFloat()
                       ? s.cst(0)
                       : createScalar(s.b, s.loc, s.arg(0).getType(), 0);
      return s.create<arith::SelectOp>(keep, s.arg(0), zero);
    };
    return t;
  }();
  return table;
}

/// The dimension that operand `i` (a 1-D scale or zero point of more than
/// one element) of a QuantizeLinear/DequantizeLinear follows: its `axis`
/// (default 1). Nothing for other operands and operators (numpy
/// broadcasting).
std::optional<int64_t> getQuantizationAxis(Operation *op, unsigned i,
                                           int64_t rank) {
  int64_t axis;
  if (auto q = dyn_cast<QuantizeLinearOp>(op))
    axis = q.getAxis();
  else if (auto dq = dyn_cast<DequantizeLinearOp>(op))
    axis = dq.getAxis();
  else
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(op->getOperand(i).getType());
  if (i == 0 || !type || type.getRank() != 1 || type.getDimSize(0) == 1)
    return std::nullopt;
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return std::nullopt;
  return axis;
}

/// Lowers an element-wise operator to one broadcasting generic whose body
/// is the operator's entry of `scalarTable()`. One instance matches the
/// operators with an element-wise trait (ElementwiseUnary,
/// ElementwiseBroadcast), others single operators whose body also reads
/// the element's position or a per-tensor operand (Trilu, CastLike,
/// QuantizeLinear, DequantizeLinear).
struct ElementwiseLowering : public ConversionPattern {
  /// Matches the operators with the trait `traitID`.
  ElementwiseLowering(const TypeConverter &tc, MLIRContext *ctx, TypeID traitID)
      : ConversionPattern(tc, MatchTraitOpTypeTag(), traitID, /*benefit=*/1,
                          ctx) {}
  /// Matches the operator named `opName`.
  ElementwiseLowering(const TypeConverter &tc, MLIRContext *ctx,
                      StringRef opName)
      : ConversionPattern(tc, opName, /*benefit=*/1, ctx) {}

  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    auto it = scalarTable().find(op->getName().getTypeID());
    if (it == scalarTable().end())
      return rewriter.notifyMatchFailure(op, "no scalar body");
    if (op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "not one result");
    RankedTensorType resultType =
        getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!resultType)
      return failure();
    Location loc = op->getLoc();
    int64_t rank = resultType.getRank();
    MLIRContext *ctx = op->getContext();

    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    SmallVector<int> argIndex; // operand -> block argument (or -1)
    SmallVector<Type> onnxTypes;
    for (auto [i, v] : llvm::enumerate(operands)) {
      Type onnxType = op->getOperand(i).getType();
      if (isa<NoneType>(onnxType)) {
        argIndex.push_back(-1);
        onnxTypes.push_back(nullptr);
        continue;
      }
      auto type = dyn_cast<RankedTensorType>(v.getType());
      if (!type || type.getRank() > rank)
        return rewriter.notifyMatchFailure(op, "operand is not a ranked "
                                               "tensor of at most the "
                                               "result's rank");
      argIndex.push_back(inputs.size());
      onnxTypes.push_back(cast<ShapedType>(onnxType).getElementType());
      inputs.push_back(v);
      if (std::optional<int64_t> axis = getQuantizationAxis(op, i, rank))
        maps.push_back(
            AffineMap::get(rank, 0, getAffineDimExpr(*axis, ctx), ctx));
      else
        maps.push_back(getBroadcastMap(ctx, rank, type, resultType));
    }
    maps.push_back(rewriter.getMultiDimIdentityMap(rank));
    // Scalars of other types (strings) have no arithmetic, and no zero to
    // stand in for a body that failed.
    auto isScalar = [](Type t) { return isa<IntegerType, FloatType>(t); };
    if (!isScalar(resultType.getElementType()) ||
        !llvm::all_of(inputs, [&](Value v) {
          return isScalar(cast<ShapedType>(v.getType()).getElementType());
        }))
      return rewriter.notifyMatchFailure(op, "unsupported element types");
    Value init = createEmptyLike(rewriter, loc, resultType, inputs);
    Type onnxResult =
        cast<ShapedType>(op->getResult(0).getType()).getElementType();
    bool failedBody = false;
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{resultType}, inputs, ValueRange{init}, maps,
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Scalar s{b, l, op, {}, onnxTypes, onnxResult};
          for (int idx : argIndex)
            s.args.push_back(idx < 0 ? Value() : args[idx]);
          Value result = it->second(s);
          if (!result) {
            failedBody = true;
            result = b.create<arith::ConstantOp>(
                l, b.getZeroAttr(resultType.getElementType()));
          }
          b.create<linalg::YieldOp>(l, result);
        });
    if (failedBody) {
      rewriter.eraseOp(generic);
      return rewriter.notifyMatchFailure(op, "unsupported element types");
    }
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// PRelu-6: a 1-D slope of C elements applies along the channel dimension
/// (dimension 1), not numpy-style from the right as in later versions.
struct PReluV6Lowering : public OpConversionPattern<PReluV6Op> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PReluV6Op op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto slopeType = dyn_cast<RankedTensorType>(adaptor.getSlope().getType());
    if (!type || !slopeType || type.getRank() < 2 || slopeType.getRank() != 1 ||
        !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "unsupported shapes");
    int64_t rank = type.getRank();
    MLIRContext *ctx = op.getContext();
    AffineMap slopeMap =
        slopeType.getDimSize(0) == 1
            ? AffineMap::get(rank, 0, {getAffineConstantExpr(0, ctx)}, ctx)
            : AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
    auto generic = rewriter.create<linalg::GenericOp>(
        op.getLoc(), TypeRange{type},
        ValueRange{adaptor.getX(), adaptor.getSlope()},
        ValueRange{
            createEmptyLike(rewriter, op.getLoc(), type, {adaptor.getX()})},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank), slopeMap,
                               rewriter.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = args[0];
          Value neg =
              b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT, x,
                                      createScalar(b, l, x.getType(), 0.0));
          b.create<linalg::YieldOp>(
              l, b.create<arith::SelectOp>(
                      l, neg, b.create<arith::MulFOp>(l, x, args[1]), x)
                     .getResult());
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

} // namespace

void populateElementwisePatterns(const TypeConverter &tc,
                                 RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ElementwiseLowering>(tc, ctx,
                                    TypeID::get<trait::ElementwiseUnary>());
  patterns.add<ElementwiseLowering>(tc, ctx,
                                    TypeID::get<trait::ElementwiseBroadcast>());
  for (StringRef name :
       {TriluOp::getOperationName(), CastLikeOp::getOperationName(),
        QuantizeLinearOp::getOperationName(),
        DequantizeLinearOp::getOperationName()})
    patterns.add<ElementwiseLowering>(tc, ctx, name);
  patterns.add<PReluV6Lowering>(tc, ctx);
}

} // namespace fulcrum::lowering
