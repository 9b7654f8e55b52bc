//===- FulcrumOps.cpp - fulcrum dialect and operation verifiers -----------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace fulcrum::fused;

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumDialect.cpp.inc"

#define GET_OP_CLASSES
#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.cpp.inc"

void FulcrumDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.cpp.inc"
      >();
}

std::optional<Activation> fulcrum::fused::parseActivation(StringRef name) {
  return llvm::StringSwitch<std::optional<Activation>>(name)
      .Case("none", Activation::None)
      .Case("relu", Activation::Relu)
      .Case("clip", Activation::Clip)
      .Case("sigmoid", Activation::Sigmoid)
      .Case("hardswish", Activation::HardSwish)
      .Case("gelu", Activation::Gelu)
      .Case("gelu_tanh", Activation::GeluTanh)
      .Case("silu", Activation::Silu)
      .Default(std::nullopt);
}

StringRef fulcrum::fused::stringifyActivation(Activation activation) {
  switch (activation) {
  case Activation::None:
    return "none";
  case Activation::Relu:
    return "relu";
  case Activation::Clip:
    return "clip";
  case Activation::Sigmoid:
    return "sigmoid";
  case Activation::HardSwish:
    return "hardswish";
  case Activation::Gelu:
    return "gelu";
  case Activation::GeluTanh:
    return "gelu_tanh";
  case Activation::Silu:
    return "silu";
  }
  return "none";
}

//===----------------------------------------------------------------------===//
// Annotations
//===----------------------------------------------------------------------===//

LogicalResult FulcrumDialect::verifyOperationAttribute(Operation *op,
                                                       NamedAttribute attr) {
  StringRef name = attr.getName().strref();
  if (name == kPrecisionAttr) {
    auto s = dyn_cast<StringAttr>(attr.getValue());
    if (!s || !llvm::is_contained(
                  ArrayRef<StringRef>{"fp32", "bf16", "int8", "int8-weights"},
                  s.getValue()))
      return op->emitError() << "'" << name
                             << "' must be one of \"fp32\", \"bf16\", "
                                "\"int8\", \"int8-weights\"";
    return success();
  }
  if (name == kPruningRatioAttr) {
    auto f = dyn_cast<FloatAttr>(attr.getValue());
    if (!f || f.getValueAsDouble() < 0.0 || f.getValueAsDouble() >= 1.0)
      return op->emitError() << "'" << name << "' must be a float in [0, 1)";
    return success();
  }
  // Other `fulcrum.` attributes belong to code generation (the CPU
  // target's `fulcrum.writes` and `fulcrum.arena`).
  return success();
}

//===----------------------------------------------------------------------===//
// Verifiers
//===----------------------------------------------------------------------===//

namespace {

/// The activation attributes are consistent: a known name, and clip bounds
/// exactly when the activation is `clip`, with min <= max.
LogicalResult verifyActivation(Operation *op, StringRef name,
                               std::optional<APFloat> min,
                               std::optional<APFloat> max) {
  std::optional<Activation> act = parseActivation(name);
  if (!act)
    return op->emitOpError() << "unknown activation '" << name << "'";
  if (*act == Activation::Clip) {
    if (!min || !max)
      return op->emitOpError("activation 'clip' needs clip_min and clip_max");
    if (min->convertToDouble() > max->convertToDouble())
      return op->emitOpError("clip_min is greater than clip_max");
  } else if (min || max) {
    return op->emitOpError()
           << "clip_min/clip_max given with activation '" << name << "'";
  }
  return success();
}

/// Every operand and the result have the same float element type.
LogicalResult verifyElementTypes(Operation *op) {
  Type elt = cast<ShapedType>(op->getResult(0).getType()).getElementType();
  if (!isa<FloatType>(elt))
    return op->emitOpError("needs a floating-point result");
  for (Value v : op->getOperands())
    if (cast<ShapedType>(v.getType()).getElementType() != elt)
      return op->emitOpError("operand element types differ from the result's");
  return success();
}

/// `residual` (when present) has the result's type.
LogicalResult verifyResidual(Operation *op, Value residual) {
  if (residual && residual.getType() != op->getResult(0).getType())
    return op->emitOpError("residual must have the result's type");
  return success();
}

/// `operand` broadcasts (numpy-style, right-aligned) to `result` without
/// changing its shape.
LogicalResult verifyBroadcastsTo(Operation *op, StringRef what, Value operand,
                                 RankedTensorType result) {
  auto t = cast<RankedTensorType>(operand.getType());
  if (t.getRank() > result.getRank())
    return op->emitOpError() << what << " has a higher rank than the result";
  int64_t offset = result.getRank() - t.getRank();
  for (int64_t d = 0; d < t.getRank(); ++d) {
    int64_t s = t.getDimSize(d), r = result.getDimSize(d + offset);
    if (s != 1 && !ShapedType::isDynamic(s) && !ShapedType::isDynamic(r) &&
        s != r)
      return op->emitOpError()
             << what << " does not broadcast to the result (dimension " << d
             << " is " << s << ", the result's is " << r << ")";
  }
  return success();
}

} // namespace

LogicalResult ConvOp::verify() {
  if (failed(verifyElementTypes(*this)) ||
      failed(verifyActivation(*this, getActivation(), getClipMin(),
                              getClipMax())) ||
      failed(verifyResidual(*this, getResidual())))
    return failure();
  auto x = getX().getType(), w = getW().getType();
  auto y = getY().getType();
  if (x.getRank() < 3 || w.getRank() != x.getRank() ||
      y.getRank() != x.getRank())
    return emitOpError("input, filter and result must have the same rank (3 "
                       "or more)");
  if (getGroup() < 1)
    return emitOpError("group must be positive");
  if (Value b = getB()) {
    auto bt = cast<RankedTensorType>(b.getType());
    if (bt.getRank() != 1)
      return emitOpError("bias must be a vector");
    if (!bt.isDynamicDim(0) && !w.isDynamicDim(0) &&
        bt.getDimSize(0) != w.getDimSize(0))
      return emitOpError() << "bias has " << bt.getDimSize(0)
                           << " elements for " << w.getDimSize(0)
                           << " output channels";
  }
  return success();
}

LogicalResult MatMulOp::verify() {
  if (failed(verifyElementTypes(*this)) ||
      failed(verifyActivation(*this, getActivation(), getClipMin(),
                              getClipMax())) ||
      failed(verifyResidual(*this, getResidual())))
    return failure();
  if (getA().getType().getRank() < 1 || getB().getType().getRank() < 1)
    return emitOpError("operands must have rank 1 or more");
  if (Value b = getBias())
    return verifyBroadcastsTo(*this, "bias", b, getY().getType());
  return success();
}

LogicalResult GemmOp::verify() {
  if (failed(verifyElementTypes(*this)) ||
      failed(verifyActivation(*this, getActivation(), getClipMin(),
                              getClipMax())) ||
      failed(verifyResidual(*this, getResidual())))
    return failure();
  if (getA().getType().getRank() != 2 || getB().getType().getRank() != 2 ||
      getY().getType().getRank() != 2)
    return emitOpError("operands and result must be matrices");
  if (Value c = getC())
    return verifyBroadcastsTo(*this, "bias", c, getY().getType());
  return success();
}

LogicalResult LayerNormOp::verify() {
  if (failed(verifyElementTypes(*this)))
    return failure();
  auto x = getX().getType();
  int64_t rank = x.getRank(), axis = getAxis();
  if (axis < -rank || axis >= rank)
    return emitOpError() << "axis " << axis << " is out of range for rank "
                         << rank;
  if (axis < 0)
    axis += rank;
  if (getY().getType() != x)
    return emitOpError("result must have the input's type");
  if (getEpsilon().convertToDouble() <= 0.0)
    return emitOpError("epsilon must be positive");
  auto normalized =
      RankedTensorType::get(x.getShape().drop_front(axis), x.getElementType());
  if (failed(verifyBroadcastsTo(*this, "scale", getScale(), normalized)))
    return failure();
  if (Value b = getBias())
    return verifyBroadcastsTo(*this, "bias", b, normalized);
  return success();
}

LogicalResult GeluOp::verify() {
  if (getApproximate() != "none" && getApproximate() != "tanh")
    return emitOpError() << "approximate must be \"none\" or \"tanh\", not \""
                         << getApproximate() << "\"";
  if (!isa<FloatType>(getX().getType().getElementType()))
    return emitOpError("needs a floating-point operand");
  return success();
}

LogicalResult AttentionOp::verify() {
  auto q = getQ().getType(), k = getK().getType(), v = getV().getType();
  auto y = getY().getType();
  Type elt = q.getElementType();
  if (!isa<FloatType>(elt) || k.getElementType() != elt ||
      v.getElementType() != elt || y.getElementType() != elt)
    return emitOpError("Q, K, V and the result must have one float type");
  int64_t rank = q.getRank();
  if (rank < 3 || k.getRank() != rank || v.getRank() != rank ||
      y.getRank() != rank)
    return emitOpError("Q, K, V and the result must have one rank (3 or "
                       "more)");
  auto same = [](int64_t a, int64_t b) {
    return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
  };
  for (int64_t d = 0; d + 2 < rank; ++d)
    if (!same(q.getDimSize(d), k.getDimSize(d)) ||
        !same(q.getDimSize(d), v.getDimSize(d)) ||
        !same(q.getDimSize(d), y.getDimSize(d)))
      return emitOpError() << "leading dimension " << d << " differs";
  if (!same(q.getDimSize(rank - 1), k.getDimSize(rank - 1)))
    return emitOpError("Q and K must have one head dimension");
  if (!same(k.getDimSize(rank - 2), v.getDimSize(rank - 2)))
    return emitOpError("K and V must have one key count");
  if (!same(y.getDimSize(rank - 2), q.getDimSize(rank - 2)) ||
      !same(y.getDimSize(rank - 1), v.getDimSize(rank - 1)))
    return emitOpError("result must be [..., queries, value dimension]");
  if (!same(getHeadDim(), q.getDimSize(rank - 1)))
    return emitOpError() << "head_dim " << getHeadDim()
                         << " differs from Q's last dimension";
  if (getNumHeads() < 0 || getWindow() < 0 || getGlobalTokens() < 0)
    return emitOpError("num_heads, window and global_tokens must not be "
                       "negative");
  StringRef kind = getMaskKind();
  if (kind != "none" && kind != "additive" && kind != "boolean")
    return emitOpError() << "mask_kind must be \"none\", \"additive\" or "
                            "\"boolean\", not \""
                         << kind << "\"";
  Value mask = getMask();
  if ((kind == "none") != !mask)
    return emitOpError("a mask operand needs mask_kind \"additive\" or "
                       "\"boolean\", and they need one");
  if (!mask)
    return success();
  auto m = cast<RankedTensorType>(mask.getType());
  Type want = kind == "boolean" ? Type(IntegerType::get(getContext(), 1)) : elt;
  if (m.getElementType() != want)
    return emitOpError() << "a " << kind << " mask must have element type "
                         << want;
  SmallVector<int64_t> scores(q.getShape());
  scores.back() = k.getDimSize(rank - 2);
  if (m.getRank() != rank)
    return emitOpError("mask must have the scores' rank");
  return verifyBroadcastsTo(*this, "mask", mask,
                            RankedTensorType::get(scores, elt));
}
