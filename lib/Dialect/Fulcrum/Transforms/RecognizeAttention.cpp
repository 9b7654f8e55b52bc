//===- RecognizeAttention.cpp - fulcrum-recognize-attention ---------------===//
//
// Part of Fulcrum. MatMul(Q, K^T), its scale and mask, Softmax and
// MatMul(P, V) become one fulcrum.attention.
//
//===----------------------------------------------------------------------===//

#include "Matchers.h"

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.h"
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Support/PassStatistic.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace fulcrum::fused {
#define GEN_PASS_DEF_RECOGNIZEATTENTION
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h.inc"
} // namespace fulcrum::fused

using namespace mlir;

static fulcrum::PassCounter counter("fulcrum-recognize-attention",
                                    "Attention blocks recognized");
using namespace fulcrum::fused;
namespace onnx = fulcrum::onnx;

namespace {

/// A pattern that did not match, with the reason the remark gives.
struct Mismatch {
  std::string reason;
};

/// Peels multiplications and divisions by float splat constants (each
/// with one use) off `v`, multiplying `scale` by their factors; the ops
/// peeled go to `ops`.
Value peelScale(Value v, double &scale, bool &found,
                SmallVectorImpl<Operation *> &ops) {
  while (true) {
    Operation *op = v.getDefiningOp();
    if (!op || !isa<onnx::MulOp, onnx::DivOp>(op) || !v.hasOneUse())
      return v;
    std::optional<double> c = getSplat(op->getOperand(1));
    Value rest = op->getOperand(0);
    if (!c && isa<onnx::MulOp>(op)) {
      c = getSplat(op->getOperand(0));
      rest = op->getOperand(1);
    }
    if (!c || *c == 0.0 || rest.getType() != v.getType())
      return v;
    scale *= isa<onnx::DivOp>(op) ? 1.0 / *c : *c;
    found = true;
    ops.push_back(op);
    v = rest;
  }
  return v;
}

/// The value a chain of view-like ops (reshapes, transposes, slices,
/// gathers, splits, constant scales) starts from: Q, K and V of a packed
/// projection all start from its result.
Value getViewRoot(Value v) {
  while (Operation *op = v.getDefiningOp()) {
    if (!isa<onnx::ReshapeOp, onnx::TransposeOp, onnx::GatherOp, onnx::SliceOp,
             onnx::SplitOp, onnx::SqueezeOp, onnx::UnsqueezeOp, onnx::MulOp,
             onnx::DivOp>(op))
      return v;
    v = op->getOperand(0);
  }
  return v;
}

/// The number of heads of a block whose Q is `q` (`[B, H, L, D]`, or
/// `[B*H, L, D]` split off an `[..., H*D]` projection by a Reshape); 0
/// when it cannot be told.
int64_t getNumHeads(Value q, int64_t headDim) {
  auto type = cast<RankedTensorType>(q.getType());
  if (type.getRank() == 4 && !type.isDynamicDim(1))
    return type.getDimSize(1);
  while (Operation *op = q.getDefiningOp()) {
    if (auto reshape = dyn_cast<onnx::ReshapeOp>(op)) {
      auto in = dyn_cast<RankedTensorType>(reshape.getData().getType());
      if (!in || in.isDynamicDim(in.getRank() - 1) || headDim <= 0)
        return 0;
      int64_t e = in.getDimSize(in.getRank() - 1);
      return e % headDim == 0 && e > headDim ? e / headDim : 0;
    }
    if (!isa<onnx::TransposeOp, onnx::MulOp, onnx::DivOp>(op))
      return 0;
    q = op->getOperand(0);
  }
  return 0;
}

/// Whether `v` is a float splat at or below -1e4 (a masked score).
bool isMaskedFill(Value v) {
  std::optional<double> c = getSplat(v);
  return c && *c <= -1e4;
}

/// Whether the leading (batch, head) dimensions of `a` and `b` agree.
bool sameLeadingDims(RankedTensorType a, RankedTensorType b) {
  if (a.getRank() != b.getRank())
    return false;
  for (int64_t d = 0; d + 2 < a.getRank(); ++d)
    if (a.getDimSize(d) != b.getDimSize(d))
      return false;
  return true;
}

struct RecognizeAttentionPass
    : public fulcrum::fused::impl::RecognizeAttentionBase<
          RecognizeAttentionPass> {
  using RecognizeAttentionBase::RecognizeAttentionBase;

  void runOnOperation() override {
    SmallVector<onnx::SoftmaxOp> softmaxes;
    getOperation().walk([&](onnx::SoftmaxOp op) { softmaxes.push_back(op); });
    unsigned recognized = 0;
    for (onnx::SoftmaxOp softmax : softmaxes) {
      std::string name = describe(softmax);
      Mismatch why;
      if (succeeded(recognize(softmax, why))) {
        ++recognized;
        ++numRecognized;
        ++counter;
      } else if (remarks) {
        softmax->emitRemark() << "attention not recognized at Softmax " << name
                              << ": " << why.reason;
      }
    }
    if (remarks && !softmaxes.empty())
      mlir::emitRemark(getOperation().getLoc())
          << "recognized " << recognized << " attention block"
          << (recognized == 1 ? "" : "s") << "; left "
          << softmaxes.size() - recognized << " Softmax node"
          << (softmaxes.size() - recognized == 1 ? "" : "s") << " alone";
  }

  /// The ONNX node name of `op` (its name location), quoted, or its
  /// location.
  static std::string describe(Operation *op) {
    std::string s;
    llvm::raw_string_ostream os(s);
    Location loc = op->getLoc();
    if (auto fused = dyn_cast<FusedLoc>(loc))
      if (!fused.getLocations().empty())
        loc = fused.getLocations().front();
    if (auto named = dyn_cast<NameLoc>(loc))
      os << "'" << named.getName().strref() << "'";
    else
      os << loc;
    return s;
  }

  LogicalResult recognize(onnx::SoftmaxOp softmax, Mismatch &why) {
    auto fail = [&](const Twine &reason) {
      why.reason = reason.str();
      return failure();
    };
    Value logits = softmax.getInput();
    auto type = dyn_cast<RankedTensorType>(logits.getType());
    if (!type || !type.getElementType().isF32() || type.getRank() < 3)
      return fail("its input is not an f32 tensor of rank 3 or more");
    int64_t rank = type.getRank();
    int64_t axis = static_cast<int64_t>(softmax.getAxis());
    if (axis < 0)
      axis += rank;
    if (axis != rank - 1)
      return fail("it normalizes axis " + Twine(axis) +
                  ", not the last (the keys)");
    // softmax(...) @ V, the probabilities used by that product only.
    Value probs = softmax.getOutput();
    if (!probs.hasOneUse())
      return fail("its probabilities have other users than the product "
                  "with the values");
    auto pv = dyn_cast<onnx::MatMulOp>(*probs.getUsers().begin());
    if (!pv || pv.getA() != probs)
      return fail("its probabilities do not multiply the values");
    Value v = pv.getB();
    SmallVector<Operation *> ops = {pv, softmax};

    // The mask and the scale on the scores, in either order.
    double scale = 1.0;
    bool scaled = false;
    Value mask;
    std::string maskKind = "none";
    bool negateMask = false;
    Value scores = peelScale(logits, scale, scaled, ops);
    if (scores.hasOneUse()) {
      if (auto where = scores.getDefiningOp<onnx::WhereOp>()) {
        if (isMaskedFill(where.getY())) {
          mask = where.getCondition();
          scores = where.getX();
        } else if (isMaskedFill(where.getX())) {
          mask = where.getCondition();
          negateMask = true;
          scores = where.getY();
        } else {
          return fail("its scores pass through a Where that is not a mask");
        }
        maskKind = "boolean";
        ops.push_back(where);
      } else if (auto add = scores.getDefiningOp<onnx::AddOp>()) {
        // The mask is the operand that is not the scaled product.
        for (unsigned i = 0; i < 2 && !mask; ++i) {
          double s = 1.0;
          bool f = false;
          SmallVector<Operation *> sops;
          Value p = peelScale(add->getOperand(i), s, f, sops);
          if (p.getDefiningOp<onnx::MatMulOp>() &&
              add->getOperand(i).hasOneUse()) {
            mask = add->getOperand(1 - i);
            scores = add->getOperand(i);
          }
        }
        if (!mask)
          return fail("its scores pass through an Add that is not a mask");
        maskKind = "additive";
        ops.push_back(add);
      }
      if (mask)
        scores = peelScale(scores, scale, scaled, ops);
    }
    auto qk = scores.getDefiningOp<onnx::MatMulOp>();
    if (!qk)
      return fail("its scores are not a product Q K^T");
    if (!scores.hasOneUse())
      return fail("its scores have a second user");
    ops.push_back(qk);
    // Q (scaled perhaps) and K^T: a Transpose of K (scaled perhaps).
    Value q = peelScale(qk.getA(), scale, scaled, ops);
    Value kt = peelScale(qk.getB(), scale, scaled, ops);
    auto transpose = kt.getDefiningOp<onnx::TransposeOp>();
    SmallVector<int64_t> kPerm;
    Value kSource;
    if (transpose && transpose.getPerm()) {
      kPerm.assign(transpose.getPerm()->begin(), transpose.getPerm()->end());
      std::swap(kPerm[rank - 2], kPerm[rank - 1]);
      kSource = transpose.getData();
      if (kt.hasOneUse())
        ops.push_back(transpose);
      if (kPerm.size() == static_cast<size_t>(rank)) {
        // A scale on K before its transpose.
        SmallVector<Operation *> kops;
        Value peeled = peelScale(kSource, scale, scaled, kops);
        if (!kops.empty() && kt.hasOneUse()) {
          kSource = peeled;
          ops.append(kops);
        }
      }
    } else {
      kPerm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
      std::swap(kPerm[rank - 2], kPerm[rank - 1]);
      kSource = kt;
    }
    if (!scaled && requireScale)
      return fail("no scale on Q, K or the scores");
    auto qType = dyn_cast<RankedTensorType>(q.getType());
    auto ktType = dyn_cast<RankedTensorType>(kt.getType());
    auto vType = dyn_cast<RankedTensorType>(v.getType());
    auto outType = cast<RankedTensorType>(pv.getType());
    if (!qType || !ktType || !vType || qType.getRank() != rank ||
        ktType.getRank() != rank || vType.getRank() != rank ||
        outType.getRank() != rank)
      return fail("Q, K and V do not have the scores' rank (broadcast "
                  "products are not attention)");
    SmallVector<int64_t> kShape(ktType.getShape());
    std::swap(kShape[rank - 2], kShape[rank - 1]);
    auto kType = RankedTensorType::get(kShape, ktType.getElementType());
    if (!sameLeadingDims(qType, kType) || !sameLeadingDims(qType, vType) ||
        !sameLeadingDims(qType, outType))
      return fail("Q, K and V have different batch or head dimensions");
    int64_t headDim = qType.getDimSize(rank - 1);
    if (ShapedType::isDynamic(headDim))
      return fail("the head dimension is not static");
    if (mask) {
      auto maskType = dyn_cast<RankedTensorType>(mask.getType());
      if (!maskType || maskType.getRank() > rank)
        return fail("the mask has a higher rank than the scores");
      if (maskKind == "boolean" && !maskType.getElementType().isInteger(1))
        return fail("the Where condition is not boolean");
      if (maskKind == "additive" && !maskType.getElementType().isF32())
        return fail("the additive mask is not f32");
      for (int64_t d = 0, off = rank - maskType.getRank();
           d < maskType.getRank(); ++d) {
        int64_t m = maskType.getDimSize(d), s = type.getDimSize(d + off);
        if (m != 1 && m != s)
          return fail("the mask does not broadcast to the scores");
      }
    }

    auto sourceType = dyn_cast<RankedTensorType>(kSource.getType());
    if (!sourceType || sourceType.getRank() != rank)
      return fail("K^T is not a transpose of a tensor of the scores' rank");
    for (int64_t d = 0; d < rank; ++d)
      if (sourceType.getDimSize(kPerm[d]) != kShape[d])
        return fail("K does not have the shape K^T transposes from");

    // Build the op where the product with V was: every operand is defined
    // before it.
    OpBuilder b(pv);
    Location loc = pv.getLoc();
    Value k = kSource;
    if (!llvm::equal(kPerm, llvm::seq<int64_t>(0, rank)))
      k = b.create<onnx::TransposeOp>(
               loc, TypeRange{kType}, ValueRange{k},
               b.getNamedAttr("perm", b.getDenseI64ArrayAttr(kPerm)))
              .getResult();
    SmallVector<Value> operands = {q, k, v};
    if (mask) {
      auto maskType = cast<RankedTensorType>(mask.getType());
      if (maskType.getRank() < rank) {
        SmallVector<int64_t> shape(rank - maskType.getRank(), 1);
        llvm::append_range(shape, maskType.getShape());
        auto axesType =
            RankedTensorType::get({rank - maskType.getRank()}, b.getI64Type());
        SmallVector<int64_t> axes =
            llvm::to_vector(llvm::seq<int64_t>(0, rank - maskType.getRank()));
        Value axesValue =
            b.create<onnx::ConstantOp>(
                 loc, TypeRange{axesType}, ValueRange{},
                 b.getNamedAttr(
                     "value", DenseElementsAttr::get(axesType, ArrayRef(axes))))
                .getResult();
        mask =
            b.create<onnx::UnsqueezeOp>(loc,
                                        TypeRange{RankedTensorType::get(
                                            shape, maskType.getElementType())},
                                        ValueRange{mask, axesValue})
                .getResult();
      }
      if (negateMask)
        mask = b.create<onnx::NotOp>(loc, TypeRange{mask.getType()},
                                     ValueRange{mask})
                   .getResult();
      operands.push_back(mask);
    }
    Value root = getViewRoot(q);
    bool packed = root == getViewRoot(k) && root == getViewRoot(v) &&
                  root != q;
    SmallVector<NamedAttribute> attrs = {
        b.getNamedAttr("num_heads",
                       b.getI64IntegerAttr(getNumHeads(q, headDim))),
        b.getNamedAttr("head_dim", b.getI64IntegerAttr(headDim)),
        b.getNamedAttr("scale", b.getF32FloatAttr(scale)),
        b.getNamedAttr("mask_kind", b.getStringAttr(maskKind)),
        b.getNamedAttr("packed_qkv", b.getBoolAttr(packed))};
    auto attention =
        b.create<AttentionOp>(loc, TypeRange{outType}, operands, attrs);
    pv.getResult().replaceAllUsesWith(attention.getResult());
    eraseDeadOps(ops);
    return success();
  }
};

} // namespace
