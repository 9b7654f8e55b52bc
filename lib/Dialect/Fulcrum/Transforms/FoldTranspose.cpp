//===- FoldTranspose.cpp - fulcrum-fold-transpose -------------------------===//
//
// Part of Fulcrum. Matrix transposes that feed Gemm or MatMul become Gemm's
// transA/transB.
//
//===----------------------------------------------------------------------===//

#include "Matchers.h"

#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Support/PassStatistic.h"

namespace fulcrum::fused {
#define GEN_PASS_DEF_FOLDTRANSPOSE
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h.inc"
} // namespace fulcrum::fused

using namespace mlir;

static fulcrum::PassCounter counter("fulcrum-fold-transpose",
                                    "Transposes folded");
using namespace fulcrum::fused;
namespace onnx = fulcrum::onnx;

namespace {

/// The input of `v` when `v` is a 2-D transpose whose only user is the
/// product that reads it.
Value getTransposedMatrix(Value v) {
  auto t = getSingleUseProducer<onnx::TransposeOp>(v);
  if (!t)
    return {};
  auto type = dyn_cast<RankedTensorType>(t.getData().getType());
  if (!type || type.getRank() != 2)
    return {};
  if (std::optional<ArrayRef<int64_t>> perm = t.getPerm())
    if (*perm != ArrayRef<int64_t>{1, 0})
      return {};
  return t.getData();
}

struct FoldTransposePass
    : public fulcrum::fused::impl::FoldTransposeBase<FoldTransposePass> {
  using FoldTransposeBase::FoldTransposeBase;

  void runOnOperation() override {
    SmallVector<Operation *> products;
    getOperation().walk([&](Operation *op) {
      if (isa<onnx::GemmOp, onnx::MatMulOp>(op))
        products.push_back(op);
    });
    for (Operation *op : products) {
      if (auto gemm = dyn_cast<onnx::GemmOp>(op))
        foldIntoGemm(gemm);
      else
        foldIntoMatMul(cast<onnx::MatMulOp>(op));
    }
  }

  void foldIntoGemm(onnx::GemmOp gemm) {
    for (unsigned i = 0; i < 2; ++i) {
      Operation *transpose = gemm->getOperand(i).getDefiningOp();
      Value input = getTransposedMatrix(gemm->getOperand(i));
      if (!input)
        continue;
      gemm->setOperand(i, input);
      OpBuilder b(gemm);
      if (i == 0)
        gemm.setTransAAttr(b.getI64IntegerAttr(!gemm.getTransA()));
      else
        gemm.setTransBAttr(b.getI64IntegerAttr(!gemm.getTransB()));
      transpose->erase();
      ++numFolded;
      ++counter;
    }
  }

  void foldIntoMatMul(onnx::MatMulOp matmul) {
    Value a = matmul.getA();
    auto aType = dyn_cast<RankedTensorType>(a.getType());
    Operation *transpose = matmul.getB().getDefiningOp();
    Value b = getTransposedMatrix(matmul.getB());
    if (!b || !aType || aType.getRank() != 2)
      return;
    OpBuilder builder(matmul);
    Location loc = matmul.getLoc();
    Value none = builder.create<onnx::NoValueOp>(loc, builder.getNoneType());
    auto gemm = builder.create<onnx::GemmOp>(
        loc, TypeRange{matmul.getType()}, ValueRange{a, b, none},
        builder.getNamedAttr("transB", builder.getI64IntegerAttr(1)));
    matmul.replaceAllUsesWith(gemm.getResult());
    matmul.erase();
    transpose->erase();
    ++numFolded;
    ++counter;
  }
};

} // namespace
