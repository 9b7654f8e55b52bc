//===- RecognizeGelu.cpp - fulcrum-recognize-gelu -------------------------===//
//
// Part of Fulcrum. The erf and tanh forms of GELU, spelled out by exports
// below opset 20, become fulcrum.gelu.
//
//===----------------------------------------------------------------------===//

#include "Matchers.h"

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.h"
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Support/PassStatistic.h"

namespace fulcrum::fused {
#define GEN_PASS_DEF_RECOGNIZEGELU
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h.inc"
} // namespace fulcrum::fused

using namespace mlir;

static fulcrum::PassCounter counter("fulcrum-recognize-gelu",
                                    "GELUs recognized");
using namespace fulcrum::fused;
namespace onnx = fulcrum::onnx;

namespace {

/// The factors of the product `v`: the operands of nested Muls whose
/// results have one use (the root `v` may have any), in order. The Muls
/// are appended to `ops`.
void collectFactors(Value v, bool root, SmallVectorImpl<Value> &factors,
                    SmallVectorImpl<Operation *> &ops) {
  auto mul = v.getDefiningOp<onnx::MulOp>();
  if (!mul || (!root && !v.hasOneUse())) {
    factors.push_back(v);
    return;
  }
  ops.push_back(mul);
  collectFactors(mul.getA(), false, factors, ops);
  collectFactors(mul.getB(), false, factors, ops);
}

/// Removes from `factors` the first one satisfying `pred`; false if none.
bool take(SmallVectorImpl<Value> &factors,
          llvm::function_ref<bool(Value)> pred) {
  for (auto *it = factors.begin(); it != factors.end(); ++it) {
    if (pred(*it)) {
      factors.erase(it);
      return true;
    }
  }
  return false;
}

/// `(1 + f(...))` where f is `OpT`: returns f's input, appending the ops.
template <typename OpT>
Value matchOnePlus(Value v, SmallVectorImpl<Operation *> &ops) {
  auto add = getSingleUseProducer<onnx::AddOp>(v);
  if (!add)
    return {};
  for (unsigned i = 0; i < 2; ++i) {
    auto f = getSingleUseProducer<OpT>(add->getOperand(i));
    if (f && isSplatNear(add->getOperand(1 - i), 1.0)) {
      ops.append({add, f});
      return f->getOperand(0);
    }
  }
  return {};
}

/// `x / sqrt(2)` or `x * (1 / sqrt(2))`.
bool isScaledForErf(Value v, Value x, SmallVectorImpl<Operation *> &ops) {
  if (auto div = getSingleUseProducer<onnx::DivOp>(v)) {
    if (div.getA() == x && isSplatNear(div.getB(), 1.4142135623730951)) {
      ops.push_back(div);
      return true;
    }
    return false;
  }
  auto mul = getSingleUseProducer<onnx::MulOp>(v);
  if (mul && getOtherOperand(mul, x) &&
      isSplatNear(getOtherOperand(mul, x), 0.7071067811865476)) {
    ops.push_back(mul);
    return true;
  }
  return false;
}

/// `sqrt(2/pi) * (x + 0.044715 * x^3)`, x^3 as Pow(x, 3) or x * x * x.
bool isScaledForTanh(Value v, Value x, SmallVectorImpl<Operation *> &ops) {
  SmallVector<Value> outer;
  if (!getSingleUseProducer<onnx::MulOp>(v))
    return false;
  collectFactors(v, true, outer, ops);
  if (outer.size() != 2 ||
      !take(outer, [](Value f) { return isSplatNear(f, 0.7978845608028654); }))
    return false;
  auto sum = getSingleUseProducer<onnx::AddOp>(outer[0]);
  if (!sum)
    return false;
  Value cubic = getOtherOperand(sum, x);
  if (!cubic || !getSingleUseProducer<onnx::MulOp>(cubic))
    return false;
  ops.push_back(sum);
  SmallVector<Value> terms;
  collectFactors(cubic, true, terms, ops);
  if (!take(terms, [](Value f) { return isSplatNear(f, 0.044715); }))
    return false;
  if (terms.size() == 3)
    return llvm::all_of(terms, [&](Value f) { return f == x; });
  if (terms.size() != 1)
    return false;
  auto pow = getSingleUseProducer<onnx::PowOp>(terms[0]);
  if (!pow || pow.getX() != x || !isSplatNear(pow.getY(), 3.0))
    return false;
  ops.push_back(pow);
  return true;
}

struct RecognizeGeluPass
    : public fulcrum::fused::impl::RecognizeGeluBase<RecognizeGeluPass> {
  using RecognizeGeluBase::RecognizeGeluBase;

  void runOnOperation() override {
    SmallVector<onnx::MulOp> roots;
    getOperation().walk([&](onnx::MulOp op) { roots.push_back(op); });
    // Outer products first: a root absorbed by an earlier match is gone.
    llvm::SmallPtrSet<Operation *, 16> erased;
    for (onnx::MulOp root : llvm::reverse(roots)) {
      if (erased.contains(root))
        continue;
      SmallVector<Operation *> ops;
      std::optional<StringRef> form = match(root, ops);
      if (!form)
        continue;
      OpBuilder b(root);
      Value x = xOf;
      auto gelu = b.create<GeluOp>(
          root.getLoc(), TypeRange{x.getType()}, ValueRange{x},
          b.getNamedAttr("approximate", b.getStringAttr(*form)));
      root.replaceAllUsesWith(gelu.getResult());
      erased.insert(ops.begin(), ops.end());
      eraseDeadOps(ops);
      ++numRecognized;
      ++counter;
    }
  }

  /// Matches GELU rooted at `root`; sets xOf, returns the form.
  std::optional<StringRef> match(onnx::MulOp root,
                                 SmallVectorImpl<Operation *> &ops) {
    if (!isa<FloatType>(getElementTypeOrSelf(root.getType())))
      return std::nullopt;
    SmallVector<Value> factors;
    collectFactors(root, true, factors, ops);
    if (factors.size() != 3 ||
        !take(factors, [](Value f) { return isSplatNear(f, 0.5); }))
      return std::nullopt;
    // The remaining two: x and (1 + erf(...)) or (1 + tanh(...)).
    for (unsigned i = 0; i < 2; ++i) {
      Value x = factors[i], inner = factors[1 - i];
      if (x.getType() != root.getType())
        continue;
      SmallVector<Operation *> more;
      if (Value arg = matchOnePlus<onnx::ErfOp>(inner, more)) {
        if (isScaledForErf(arg, x, more)) {
          ops.append(more.begin(), more.end());
          xOf = x;
          return StringRef("none");
        }
        continue;
      }
      if (Value arg = matchOnePlus<onnx::TanhOp>(inner, more)) {
        if (isScaledForTanh(arg, x, more)) {
          ops.append(more.begin(), more.end());
          xOf = x;
          return StringRef("tanh");
        }
      }
    }
    return std::nullopt;
  }

  Value xOf;
};

} // namespace
