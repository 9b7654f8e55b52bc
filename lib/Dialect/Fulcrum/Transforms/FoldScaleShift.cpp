//===- FoldScaleShift.cpp - fulcrum-fold-scale-shift ----------------------===//
//
// Part of Fulcrum. BatchNormalization and constant Mul/Add after Conv or
// Gemm are folded into the contraction's constant weights and bias.
//
//===----------------------------------------------------------------------===//

#include "Matchers.h"

#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h"
#include "fulcrum/Dialect/ONNX/IR/ConstantValues.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Support/PassStatistic.h"

#include <cmath>

namespace fulcrum::fused {
#define GEN_PASS_DEF_FOLDSCALESHIFT
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h.inc"
} // namespace fulcrum::fused

using namespace mlir;

static fulcrum::PassCounter counter("fulcrum-fold-scale-shift",
                                    "Operators folded into weights");
using namespace fulcrum::fused;
namespace onnx = fulcrum::onnx;

namespace {

/// y' = scale * y + shift per output channel (Conv) or column (Gemm).
struct ScaleShift {
  SmallVector<double> scale, shift;
};

/// The per-channel values of constant `c` that broadcasts to `result`
/// along dimension `channel` only (`channels` values), or a scalar.
std::optional<SmallVector<double>> getPerChannel(Value c,
                                                 RankedTensorType result,
                                                 int64_t channel,
                                                 int64_t channels) {
  auto t = dyn_cast<RankedTensorType>(c.getType());
  if (!t || !t.hasStaticShape() || t.getRank() > result.getRank())
    return std::nullopt;
  std::optional<SmallVector<double>> values = onnx::getConstantFloats(c);
  if (!values)
    return std::nullopt;
  if (values->size() == 1)
    return SmallVector<double>(channels, (*values)[0]);
  int64_t offset = result.getRank() - t.getRank();
  for (int64_t d = 0; d < t.getRank(); ++d)
    if (t.getDimSize(d) != 1 &&
        (d + offset != channel || t.getDimSize(d) != channels))
      return std::nullopt;
  if (static_cast<int64_t>(values->size()) != channels)
    return std::nullopt;
  return values;
}

struct FoldScaleShiftPass
    : public fulcrum::fused::impl::FoldScaleShiftBase<FoldScaleShiftPass> {
  using FoldScaleShiftBase::FoldScaleShiftBase;

  void runOnOperation() override {
    SmallVector<Operation *> candidates;
    getOperation().walk([&](Operation *op) {
      if (isa<onnx::BatchNormalizationOp, onnx::MulOp, onnx::AddOp>(op))
        candidates.push_back(op);
    });
    for (Operation *op : candidates)
      if (succeeded(fold(op)))
        ++numFolded;
    ++counter;
  }

  /// The Conv or Gemm (f32, constant weights, one use) `op` applies to, with
  /// the channel dimension and count of its result.
  static Operation *getContraction(Value v, int64_t &channel,
                                   int64_t &channels) {
    Operation *p = v.getDefiningOp();
    if (!p || !v.hasOneUse() || !isa<onnx::ConvOp, onnx::GemmOp>(p) ||
        !isF32Tensor(v) || !p->getOperand(1).getDefiningOp<onnx::ConstantOp>())
      return nullptr;
    Value bias = p->getOperand(2);
    if (!isa<NoneType>(bias.getType()) &&
        (!isF32Tensor(bias) || !bias.getDefiningOp<onnx::ConstantOp>()))
      return nullptr;
    auto type = cast<RankedTensorType>(v.getType());
    // Conv: [N, C, ...]; Gemm: [M, N].
    channel = 1;
    if (type.getRank() < 2 || type.isDynamicDim(channel))
      return nullptr;
    channels = type.getDimSize(channel);
    return p;
  }

  LogicalResult fold(Operation *op) {
    int64_t channel = 0, channels = 0;
    Operation *p = nullptr;
    ScaleShift ss;
    if (auto bn = dyn_cast<onnx::BatchNormalizationOp>(op)) {
      p = getContraction(bn.getX(), channel, channels);
      if (!p || !isa<onnx::ConvOp>(p) || bn.getTrainingMode() != 0 ||
          !op->getResult(1).use_empty() || !op->getResult(2).use_empty())
        return failure();
      auto scale = onnx::getConstantFloats(bn.getScale());
      auto beta = onnx::getConstantFloats(bn.getB());
      auto mean = onnx::getConstantFloats(bn.getInputMean());
      auto var = onnx::getConstantFloats(bn.getInputVar());
      size_t n = channels;
      if (!scale || !beta || !mean || !var || scale->size() != n ||
          beta->size() != n || mean->size() != n || var->size() != n)
        return failure();
      double eps = bn.getEpsilon().convertToDouble();
      for (size_t i = 0; i < n; ++i) {
        double s = (*scale)[i] / std::sqrt((*var)[i] + eps);
        ss.scale.push_back(s);
        ss.shift.push_back((*beta)[i] - (*mean)[i] * s);
      }
    } else {
      // Mul or Add with a constant on either side.
      for (unsigned i = 0; i < 2 && !p; ++i) {
        p = getContraction(op->getOperand(i), channel, channels);
        if (!p)
          continue;
        Value c = op->getOperand(1 - i);
        auto values =
            getPerChannel(c, cast<RankedTensorType>(p->getResult(0).getType()),
                          channel, channels);
        if (!values || op->getResult(0).getType() != p->getResult(0).getType())
          return failure();
        bool mul = isa<onnx::MulOp>(op);
        for (double v : *values) {
          ss.scale.push_back(mul ? v : 1.0);
          ss.shift.push_back(mul ? 0.0 : v);
        }
      }
      if (!p)
        return failure();
    }
    if (failed(apply(p, ss)))
      return failure();
    op->getResult(0).replaceAllUsesWith(p->getResult(0));
    op->erase();
    return success();
  }

  /// Rewrites the weights and bias of `p` so that its result becomes
  /// `scale * y + shift`.
  static LogicalResult apply(Operation *p, const ScaleShift &ss) {
    Value wv = p->getOperand(1), bv = p->getOperand(2);
    auto wType = cast<RankedTensorType>(wv.getType());
    auto w = onnx::getConstantFloats(wv);
    if (!w || !wType.hasStaticShape())
      return failure();
    int64_t n = ss.scale.size();
    // The channel of each weight element.
    auto gemm = dyn_cast<onnx::GemmOp>(p);
    bool transB = gemm && gemm.getTransB();
    SmallVector<float> newW(w->size());
    int64_t rows = wType.getDimSize(0);
    int64_t inner = static_cast<int64_t>(w->size()) / rows;
    for (int64_t i = 0, e = w->size(); i < e; ++i) {
      // Conv: [O, ...] and transposed Gemm: [N, K]; Gemm: [K, N].
      int64_t ch = (!gemm || transB) ? i / inner : i % inner;
      if (ch >= n)
        return failure();
      newW[i] = (*w)[i] * ss.scale[ch];
    }
    // The bias as one value per channel (times beta for Gemm).
    SmallVector<double> bias(n, 0.0);
    if (!isa<NoneType>(bv.getType())) {
      auto b = onnx::getConstantFloats(bv);
      auto bType = cast<RankedTensorType>(bv.getType());
      if (!b)
        return failure();
      if (b->size() == 1)
        bias.assign(n, (*b)[0]);
      else if (static_cast<int64_t>(b->size()) == n &&
               bType.getDimSize(bType.getRank() - 1) == n)
        bias.assign(b->begin(), b->end());
      else
        return failure();
      if (gemm)
        for (double &x : bias)
          x *= gemm.getBeta().convertToDouble();
    }
    SmallVector<float> newB;
    for (int64_t c = 0; c < n; ++c)
      newB.push_back(bias[c] * ss.scale[c] + ss.shift[c]);
    OpBuilder b(p);
    Location loc = p->getLoc();
    // A pure shift leaves the weights as they are.
    if (llvm::any_of(ss.scale, [](double s) { return s != 1.0; }))
      p->setOperand(1, createF32Constant(b, loc, wType, newW));
    p->setOperand(
        2, createF32Constant(b, loc, RankedTensorType::get({n}, b.getF32Type()),
                             newB));
    if (gemm)
      gemm.setBetaAttr(b.getF32FloatAttr(1.0));
    // The old weights and bias, unless shared.
    SmallVector<Operation *> old;
    for (Value v : {wv, bv})
      if (Operation *def = v.getDefiningOp())
        old.push_back(def);
    eraseDeadOps(old);
    return success();
  }
};

} // namespace
