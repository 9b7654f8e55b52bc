//===- FuseEpilogue.cpp - fulcrum-fuse-epilogue ---------------------------===//
//
// Part of Fulcrum. Conv/MatMul/Gemm with the bias, residual add and
// activation that follow them become fulcrum.conv/matmul/gemm; each step
// is a decision of a FusionPolicy.
//
//===----------------------------------------------------------------------===//

#include "Matchers.h"

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.h"
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Support/PassStatistic.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

namespace fulcrum::fused {
#define GEN_PASS_DEF_FUSEEPILOGUE
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h.inc"
} // namespace fulcrum::fused

using namespace mlir;

static fulcrum::PassCounter counter("fulcrum-fuse-epilogue",
                                    "Epilogue operators fused");
using namespace fulcrum::fused;
namespace onnx = fulcrum::onnx;

namespace {

/// What follows a contraction and joins it.
struct Epilogue {
  Value bias, residual;
  Activation activation = Activation::None;
  std::optional<double> clipMin, clipMax;
  /// The absorbed operators, in order; the last one's result is replaced.
  SmallVector<Operation *> ops;
};

/// Whether `c` (a constant) broadcasts along the last dimension of `result`
/// without changing its shape: `[N]`, or `[1, ..., 1, N]`.
bool isColumnBias(Value c, RankedTensorType result) {
  auto t = dyn_cast<RankedTensorType>(c.getType());
  if (!t || !t.hasStaticShape() || t.getRank() < 1 ||
      t.getRank() > result.getRank() ||
      t.getDimSize(t.getRank() - 1) != result.getDimSize(result.getRank() - 1))
    return false;
  for (int64_t d = 0; d + 1 < t.getRank(); ++d)
    if (t.getDimSize(d) != 1)
      return false;
  return c.getDefiningOp<onnx::ConstantOp>() != nullptr;
}

/// The single user of `v`, if it has exactly one.
Operation *getSingleUser(Value v) {
  return v.hasOneUse() ? *v.getUsers().begin() : nullptr;
}

struct FuseEpiloguePass
    : public fulcrum::fused::impl::FuseEpilogueBase<FuseEpiloguePass> {
  using FuseEpilogueBase::FuseEpilogueBase;
  FuseEpiloguePass(const FuseEpilogueOptions &options, FusionPolicy policy)
      : FuseEpilogueBase(options), policy(std::move(policy)) {}

  void runOnOperation() override {
    FusionPolicy decide = policy ? policy : getDefaultFusionPolicy(cacheBytes);
    SmallVector<Operation *> contractions;
    getOperation().walk([&](Operation *op) {
      if (isa<onnx::ConvOp, onnx::MatMulOp, onnx::GemmOp>(op) &&
          isF32Tensor(op->getResult(0)) &&
          llvm::all_of(op->getOperands(), [](Value v) {
            return isF32Tensor(v) || isa<NoneType>(v.getType());
          }))
        contractions.push_back(op);
    });
    for (Operation *op : contractions) {
      Epilogue e = matchEpilogue(op, decide);
      if (e.ops.empty())
        continue;
      rewrite(op, e);
      numFused += e.ops.size();
      counter += e.ops.size();
    }
  }

  /// Asks the policy about `consumer` joining `producer` and reports it.
  bool ask(const FusionPolicy &decide, Operation *producer, Operation *consumer,
           StringRef kind, Value intermediate) {
    FusionDecision d = decide(
        {producer, consumer, kind, getStaticBytes(intermediate.getType())});
    if (remarks)
      producer->emitRemark()
          << (d.fuse ? "fused " : "not fused ") << kind << " '"
          << consumer->getName() << "': " << d.reason << "; predicted benefit "
          << llvm::formatv("{0}", llvm::format("%g", d.benefit)).str() << " "
          << d.unit;
    return d.fuse;
  }

  Epilogue matchEpilogue(Operation *op, const FusionPolicy &decide) {
    Epilogue e;
    Value cur = op->getResult(0);
    auto type = cast<RankedTensorType>(cur.getType());
    auto absorb = [&](Operation *user, Value result) {
      e.ops.push_back(user);
      cur = result;
    };
    // 1. A MatMul's bias.
    if (isa<onnx::MatMulOp>(op)) {
      if (auto add = dyn_cast_or_null<onnx::AddOp>(getSingleUser(cur))) {
        Value other = getOtherOperand(add, cur);
        if (other && add.getType() == type && isColumnBias(other, type) &&
            ask(decide, op, add, "bias", cur)) {
          e.bias = other;
          absorb(add, add.getResult());
        }
      }
    }
    // 2. A residual of the result's type.
    if (auto add = dyn_cast_or_null<onnx::AddOp>(getSingleUser(cur))) {
      Value other = getOtherOperand(add, cur);
      if (other && other.getType() == type && add.getType() == type &&
          ask(decide, op, add, "residual", cur)) {
        e.residual = other;
        absorb(add, add.getResult());
      }
    }
    // 3. An activation.
    if (Operation *user = getSingleUser(cur)) {
      std::optional<Activation> act;
      if (isa<onnx::ReluOp>(user))
        act = Activation::Relu;
      else if (isa<onnx::SigmoidOp>(user))
        act = Activation::Sigmoid;
      else if (isa<onnx::HardSwishOp>(user))
        act = Activation::HardSwish;
      else if (auto gelu = dyn_cast<GeluOp>(user))
        act = gelu.getApproximate() == "tanh" ? Activation::GeluTanh
                                              : Activation::Gelu;
      else if (auto clip = dyn_cast<onnx::ClipOp>(user)) {
        std::optional<double> lo = getSplat(clip.getMin());
        std::optional<double> hi = getSplat(clip.getMax());
        if (lo && hi && *lo <= *hi) {
          act = Activation::Clip;
          e.clipMin = lo;
          e.clipMax = hi;
        }
      }
      if (act && user->getResult(0).getType() == type &&
          ask(decide, op, user, "activation", cur)) {
        e.activation = *act;
        absorb(user, user->getResult(0));
      } else if (act == Activation::Clip) {
        e.clipMin = e.clipMax = std::nullopt;
      }
    } else if (std::optional<Operation *> silu = matchSilu(cur)) {
      Operation *mul = *silu;
      if (mul->getResult(0).getType() == type &&
          ask(decide, op, mul, "activation", cur)) {
        e.activation = Activation::Silu;
        e.ops.push_back(getOtherOperand(mul, cur).getDefiningOp());
        absorb(mul, mul->getResult(0));
      }
    }
    return e;
  }

  /// `Mul(v, Sigmoid(v))` where `v` has exactly these two users: the Mul.
  static std::optional<Operation *> matchSilu(Value v) {
    if (!llvm::hasNItems(v.getUses(), 2))
      return std::nullopt;
    for (Operation *user : v.getUsers()) {
      auto sigmoid = dyn_cast<onnx::SigmoidOp>(user);
      if (!sigmoid)
        continue;
      auto mul =
          dyn_cast_or_null<onnx::MulOp>(getSingleUser(sigmoid.getResult()));
      if (mul && getOtherOperand(mul, sigmoid.getResult()) == v)
        return mul.getOperation();
    }
    return std::nullopt;
  }

  void rewrite(Operation *op, const Epilogue &e) {
    Operation *last = e.ops.back();
    OpBuilder b(last);
    auto present = [](Value v) { return v && !isa<NoneType>(v.getType()); };
    // The attributes of the contraction the fused op keeps.
    SmallVector<NamedAttribute> attrs;
    auto keep = [&](ArrayRef<StringRef> names) {
      for (StringRef name : names)
        if (Attribute a = op->getAttr(name))
          attrs.push_back(b.getNamedAttr(name, a));
    };
    attrs.push_back(b.getNamedAttr(
        "activation", b.getStringAttr(stringifyActivation(e.activation))));
    if (e.clipMin) {
      attrs.push_back(
          b.getNamedAttr("clip_min", b.getF32FloatAttr(*e.clipMin)));
      attrs.push_back(
          b.getNamedAttr("clip_max", b.getF32FloatAttr(*e.clipMax)));
    }
    SmallVector<Value> operands = {op->getOperand(0), op->getOperand(1)};
    Value bias = isa<onnx::MatMulOp>(op) ? e.bias : op->getOperand(2);
    int32_t hasBias = present(bias), hasResidual = present(e.residual);
    if (hasBias)
      operands.push_back(bias);
    if (hasResidual)
      operands.push_back(e.residual);
    attrs.push_back(
        b.getNamedAttr("operandSegmentSizes",
                       b.getDenseI32ArrayAttr({1, 1, hasBias, hasResidual})));
    Type type = op->getResult(0).getType();
    Location loc = op->getLoc();
    Operation *fusedOp;
    if (isa<onnx::ConvOp>(op)) {
      keep({"auto_pad", "dilations", "group", "kernel_shape", "pads",
            "strides"});
      fusedOp = b.create<ConvOp>(loc, TypeRange{type}, operands, attrs);
    } else if (isa<onnx::GemmOp>(op)) {
      keep({"alpha", "beta", "transA", "transB"});
      fusedOp = b.create<GemmOp>(loc, TypeRange{type}, operands, attrs);
    } else {
      fusedOp = b.create<MatMulOp>(loc, TypeRange{type}, operands, attrs);
    }
    last->getResult(0).replaceAllUsesWith(fusedOp->getResult(0));
    for (Operation *dead : llvm::reverse(e.ops))
      dead->erase();
    op->erase();
  }

  FusionPolicy policy;
};

} // namespace

std::unique_ptr<Pass>
fulcrum::fused::createFuseEpilogue(const FuseEpilogueOptions &options,
                                   FusionPolicy policy) {
  return std::make_unique<FuseEpiloguePass>(options, std::move(policy));
}
