//===- RecognizeLayerNorm.cpp - fulcrum-recognize-layer-norm --------------===//
//
// Part of Fulcrum. Layer normalization spelled out as ReduceMean, Sub, Pow,
// ReduceMean, Add, Sqrt, Div, Mul and Add becomes fulcrum.layer_norm.
//
//===----------------------------------------------------------------------===//

#include "Matchers.h"

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.h"
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Support/PassStatistic.h"

namespace fulcrum::fused {
#define GEN_PASS_DEF_RECOGNIZELAYERNORM
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h.inc"
} // namespace fulcrum::fused

using namespace mlir;

static fulcrum::PassCounter counter("fulcrum-recognize-layer-norm",
                                    "Layer norms recognized");
using namespace fulcrum::fused;
namespace onnx = fulcrum::onnx;

namespace {

/// The first normalized axis of `mean` (a ReduceMean with keepdims over
/// the trailing axes [a, rank)), or nullopt.
std::optional<int64_t> getTrailingAxis(onnx::ReduceMeanOp mean) {
  auto type = dyn_cast<RankedTensorType>(mean.getData().getType());
  std::optional<ArrayRef<int64_t>> axes = mean.getAxes();
  if (!type || !axes || axes->empty() || mean.getKeepdims() != 1)
    return std::nullopt;
  int64_t rank = type.getRank();
  SmallVector<int64_t> sorted;
  for (int64_t a : *axes)
    sorted.push_back(a < 0 ? a + rank : a);
  llvm::sort(sorted);
  for (size_t i = 0; i < sorted.size(); ++i)
    if (sorted[i] != rank - static_cast<int64_t>(sorted.size() - i))
      return std::nullopt;
  return sorted.front();
}

/// Whether `v` broadcasts to the normalized dimensions [axis, rank) of `x`.
bool broadcastsToNormalized(Value v, RankedTensorType x, int64_t axis) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  if (!t || t.getElementType() != x.getElementType() ||
      t.getRank() > x.getRank() - axis)
    return false;
  int64_t offset = x.getRank() - t.getRank();
  for (int64_t d = 0; d < t.getRank(); ++d)
    if (t.getDimSize(d) != 1 && t.getDimSize(d) != x.getDimSize(d + offset))
      return false;
  return true;
}

struct RecognizeLayerNormPass
    : public fulcrum::fused::impl::RecognizeLayerNormBase<
          RecognizeLayerNormPass> {
  using RecognizeLayerNormBase::RecognizeLayerNormBase;

  void runOnOperation() override {
    SmallVector<onnx::DivOp> divs;
    getOperation().walk([&](onnx::DivOp op) { divs.push_back(op); });
    for (onnx::DivOp div : divs)
      if (succeeded(recognize(div)))
        ++numRecognized;
    ++counter;
  }

  /// Matches the pattern around its Div (d / sqrt(var + eps)).
  LogicalResult recognize(onnx::DivOp div) {
    SmallVector<Operation *> ops = {div};
    auto sub = div.getA().getDefiningOp<onnx::SubOp>();
    auto sqrt = getSingleUseProducer<onnx::SqrtOp>(div.getB());
    if (!sub || !sqrt)
      return failure();
    Value x = sub.getA();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    auto mean = getSingleUseProducer<onnx::ReduceMeanOp>(sub.getB());
    if (!xType || !isa<FloatType>(xType.getElementType()) || !mean ||
        mean.getData() != x || div.getType() != xType)
      return failure();
    std::optional<int64_t> axis = getTrailingAxis(mean);
    if (!axis)
      return failure();
    // var + eps, var = mean((x - mean)^2) over the same axes.
    auto addEps = getSingleUseProducer<onnx::AddOp>(sqrt.getX());
    if (!addEps)
      return failure();
    onnx::ReduceMeanOp var;
    std::optional<double> eps;
    for (unsigned i = 0; i < 2 && !var; ++i) {
      var = getSingleUseProducer<onnx::ReduceMeanOp>(addEps->getOperand(i));
      eps = getSplat(addEps->getOperand(1 - i));
    }
    if (!var || !eps || *eps <= 0.0 || getTrailingAxis(var) != axis)
      return failure();
    Operation *square = var.getData().getDefiningOp();
    if (!square || !var.getData().hasOneUse())
      return failure();
    if (auto pow = dyn_cast<onnx::PowOp>(square)) {
      if (pow.getX() != sub.getResult() || !isSplatNear(pow.getY(), 2.0))
        return failure();
    } else if (auto mul = dyn_cast<onnx::MulOp>(square)) {
      if (mul.getA() != sub.getResult() || mul.getB() != sub.getResult())
        return failure();
    } else {
      return failure();
    }
    // d feeds only the square and the Div.
    for (Operation *user : sub->getUsers())
      if (user != div && user != square)
        return failure();
    ops.append({sqrt, addEps, var, square, sub, mean});
    // Times scale, plus bias.
    auto scaleMul = dyn_cast_or_null<onnx::MulOp>(
        div.getResult().hasOneUse() ? *div.getResult().getUsers().begin()
                                    : nullptr);
    Value scale =
        scaleMul ? getOtherOperand(scaleMul, div.getResult()) : Value();
    if (!scale || !broadcastsToNormalized(scale, xType, *axis) ||
        scaleMul.getType() != xType)
      return failure();
    Operation *last = scaleMul;
    Value bias;
    if (scaleMul.getResult().hasOneUse()) {
      if (auto add =
              dyn_cast<onnx::AddOp>(*scaleMul.getResult().getUsers().begin())) {
        Value other = getOtherOperand(add, scaleMul.getResult());
        if (other && add.getType() == xType &&
            broadcastsToNormalized(other, xType, *axis)) {
          bias = other;
          last = add;
        }
      }
    }
    ops.push_back(scaleMul);
    if (last != scaleMul)
      ops.push_back(last);
    OpBuilder b(last);
    SmallVector<Value> operands = {x, scale};
    if (bias)
      operands.push_back(bias);
    SmallVector<NamedAttribute> attrs = {
        b.getNamedAttr("axis", b.getI64IntegerAttr(*axis)),
        b.getNamedAttr("epsilon", b.getF32FloatAttr(*eps))};
    auto ln = b.create<LayerNormOp>(last->getLoc(), TypeRange{xType}, operands,
                                    attrs);
    last->getResult(0).replaceAllUsesWith(ln.getResult());
    eraseDeadOps(ops);
    return success();
  }
};

} // namespace
