//===- LinearSize.cpp - Sizes as linear functions of the batch ------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "LinearSize.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"

#include <functional>

using namespace mlir;

namespace fulcrum {

static LinearSize add(LinearSize a, LinearSize b) {
  return {a.scale + b.scale, a.offset + b.offset};
}

static LinearSize subtract(LinearSize a, LinearSize b) {
  return {a.scale - b.scale, a.offset - b.offset};
}

/// A product is linear when one factor is a constant.
static std::optional<LinearSize> multiply(LinearSize a, LinearSize b) {
  if (a.scale && b.scale)
    return std::nullopt;
  int64_t k = a.scale ? b.offset : a.offset;
  LinearSize x = a.scale ? a : b;
  return LinearSize{x.scale * k, x.offset * k};
}

/// Exact when the divisor is a positive constant dividing both terms (the
/// scaled term is never negative).
static std::optional<LinearSize> divide(LinearSize x, LinearSize d) {
  if (d.scale || d.offset <= 0 || x.scale < 0 || x.offset < 0 ||
      x.scale % d.offset || x.offset % d.offset)
    return std::nullopt;
  return LinearSize{x.scale / d.offset, x.offset / d.offset};
}

static std::optional<LinearSize>
getLinearSize(Value value,
              llvm::function_ref<std::optional<LinearSize>(Value)> leaf,
              int depth) {
  if (depth > 32)
    return std::nullopt;
  if (std::optional<LinearSize> batch = leaf(value))
    return batch;
  Operation *def = value.getDefiningOp();
  if (!def)
    return std::nullopt;
  auto operand = [&](unsigned i) {
    return getLinearSize(def->getOperand(i), leaf, depth + 1);
  };
  if (auto constant = dyn_cast<arith::ConstantOp>(def)) {
    auto attr = dyn_cast<IntegerAttr>(constant.getValue());
    if (!attr)
      return std::nullopt;
    return LinearSize{0, attr.getValue().getSExtValue()};
  }
  if (isa<arith::IndexCastOp, arith::IndexCastUIOp>(def))
    return operand(0);
  if (isa<arith::AddIOp, arith::SubIOp, arith::MulIOp, arith::DivSIOp,
          arith::DivUIOp, arith::FloorDivSIOp, arith::CeilDivSIOp>(def)) {
    auto lhs = operand(0), rhs = operand(1);
    if (!lhs || !rhs)
      return std::nullopt;
    if (isa<arith::AddIOp>(def))
      return add(*lhs, *rhs);
    if (isa<arith::SubIOp>(def))
      return subtract(*lhs, *rhs);
    if (isa<arith::MulIOp>(def))
      return multiply(*lhs, *rhs);
    return divide(*lhs, *rhs);
  }
  if (auto cmp = dyn_cast<arith::CmpIOp>(def)) {
    // A sign test of a size: x < 0 is false, x >= 0 true.
    auto x = operand(0), zero = operand(1);
    if (!x || !zero || zero->scale || zero->offset != 0 || x->scale < 0 ||
        x->offset < 0)
      return std::nullopt;
    if (cmp.getPredicate() == arith::CmpIPredicate::slt)
      return LinearSize{0, 0};
    if (cmp.getPredicate() == arith::CmpIPredicate::sge)
      return LinearSize{0, 1};
    return std::nullopt;
  }
  if (auto select = dyn_cast<arith::SelectOp>(def)) {
    auto condition = operand(0);
    if (!condition || condition->scale)
      return std::nullopt;
    return operand(condition->offset ? 1 : 2);
  }
  if (auto apply = dyn_cast<affine::AffineApplyOp>(def)) {
    AffineMap map = apply.getAffineMap();
    if (map.getNumResults() != 1)
      return std::nullopt;
    unsigned dims = map.getNumDims();
    std::function<std::optional<LinearSize>(AffineExpr)> eval =
        [&](AffineExpr expr) -> std::optional<LinearSize> {
      if (auto c = dyn_cast<AffineConstantExpr>(expr))
        return LinearSize{0, c.getValue()};
      if (auto d = dyn_cast<AffineDimExpr>(expr))
        return operand(d.getPosition());
      if (auto s = dyn_cast<AffineSymbolExpr>(expr))
        return operand(dims + s.getPosition());
      auto bin = dyn_cast<AffineBinaryOpExpr>(expr);
      if (!bin)
        return std::nullopt;
      auto lhs = eval(bin.getLHS()), rhs = eval(bin.getRHS());
      if (!lhs || !rhs)
        return std::nullopt;
      switch (expr.getKind()) {
      case AffineExprKind::Add:
        return add(*lhs, *rhs);
      case AffineExprKind::Mul:
        return multiply(*lhs, *rhs);
      case AffineExprKind::FloorDiv:
      case AffineExprKind::CeilDiv:
        return divide(*lhs, *rhs);
      default:
        return std::nullopt;
      }
    };
    return eval(map.getResult(0));
  }
  return std::nullopt;
}

std::optional<LinearSize>
getLinearSize(Value value,
              llvm::function_ref<std::optional<LinearSize>(Value)> leaf) {
  return getLinearSize(value, leaf, 0);
}

} // namespace fulcrum
