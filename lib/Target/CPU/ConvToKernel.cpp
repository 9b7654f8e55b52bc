//===- ConvToKernel.cpp - fulcrum-cpu-conv-to-kernel ----------------------===//
//
// Part of Fulcrum. fp32 NCHW convolutions on memrefs become calls of the
// im2col + GEMM kernel in Kernels/gemm.c.
//
//===----------------------------------------------------------------------===//

#include "KernelCalls.h"

#include "fulcrum/Support/PassStatistic.h"
#include "fulcrum/Target/CPU/Kernels.h"
#include "fulcrum/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"

namespace fulcrum {
#define GEN_PASS_DEF_CPUCONVTOKERNEL
#include "fulcrum/Target/CPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

static fulcrum::PassCounter
    depthwiseCount("fulcrum-cpu-conv-to-kernel",
                   "Depthwise convolutions run on kernels");
static fulcrum::PassCounter convCount("fulcrum-cpu-conv-to-kernel",
                                      "Convolutions run on kernels");

namespace {

/// Whether `type` is f32 with the default row-major layout, and static
/// except (when `dynamicBatch`) its first dimension.
bool isRowMajorF32(MemRefType type, bool dynamicBatch) {
  if (!type || !type.getElementType().isF32() || !type.getLayout().isIdentity())
    return false;
  for (int64_t d = dynamicBatch ? 1 : 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      return false;
  return true;
}

/// A 2-D NCHW convolution's operands when the kernels can take them: f32,
/// row-major, static except the batch.
struct ConvOperands {
  Value x, w, y;
  MemRefType xType, wType, yType;
  SmallVector<int64_t> strides, dilations;
};

template <typename ConvOp>
std::optional<ConvOperands> matchConvOperands(ConvOp op) {
  if (!op.hasPureBufferSemantics())
    return std::nullopt;
  ConvOperands conv;
  conv.x = op.getDpsInputs()[0];
  conv.w = op.getDpsInputs()[1];
  conv.y = op.getDpsInits()[0];
  conv.xType = dyn_cast<MemRefType>(conv.x.getType());
  conv.wType = dyn_cast<MemRefType>(conv.w.getType());
  conv.yType = dyn_cast<MemRefType>(conv.y.getType());
  if (!isRowMajorF32(conv.xType, true) || !isRowMajorF32(conv.wType, false) ||
      !isRowMajorF32(conv.yType, true))
    return std::nullopt;
  conv.strides = llvm::to_vector(op.getStrides().template getValues<int64_t>());
  conv.dilations =
      llvm::to_vector(op.getDilations().template getValues<int64_t>());
  return conv;
}

struct CPUConvToKernelPass
    : public fulcrum::impl::CPUConvToKernelBase<CPUConvToKernelPass> {
  using CPUConvToKernelBase::CPUConvToKernelBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto kernel = fulcrum::lookupKernel(module, kernelIsa);
    if (!kernel)
      return signalPassFailure();
    SymbolTable symbols(module);
    SmallVector<Operation *> convs;
    module.walk([&](Operation *op) {
      if (isa<linalg::Conv2DNchwFchwOp, linalg::DepthwiseConv2DNchwChwOp>(op))
        convs.push_back(op);
    });
    for (Operation *op : convs) {
      if (auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(op))
        rewrite(conv, *kernel, symbols);
      else
        rewriteDepthwise(cast<linalg::DepthwiseConv2DNchwChwOp>(op), *kernel,
                         symbols);
    }
  }

  void rewriteDepthwise(linalg::DepthwiseConv2DNchwChwOp op,
                        const fulcrum::GemmKernel &kernel,
                        SymbolTable &symbols) {
    auto conv = matchConvOperands(op);
    if (!conv)
      return;
    auto [x, w, y, xType, wType, yType, strides, dilations] = *conv;
    int64_t c = xType.getDimSize(1);
    if (wType.getDimSize(0) != c || yType.getDimSize(1) != c)
      return;
    OpBuilder b(op);
    fulcrum::KernelCallBuilder call(b, op.getLoc());
    SmallVector<Value> args = {call.dim(x, 0)};
    for (int64_t v :
         {c, xType.getDimSize(2), xType.getDimSize(3), wType.getDimSize(1),
          wType.getDimSize(2), yType.getDimSize(2), yType.getDimSize(3),
          strides[0], strides[1], dilations[0], dilations[1]})
      args.push_back(call.constant(v));
    for (Value memref : {x, w, y})
      args.push_back(call.address(memref).at);
    func::FuncOp callee = fulcrum::declareKernel(
        getOperation(), symbols, kernel.depthwiseSymbol, args.size());
    b.create<func::CallOp>(op.getLoc(), callee, args);
    op->erase();
    ++numDepthwise;
    ++depthwiseCount;
  }

  void rewrite(linalg::Conv2DNchwFchwOp op, const fulcrum::GemmKernel &kernel,
               SymbolTable &symbols) {
    auto conv = matchConvOperands(op);
    if (!conv)
      return;
    auto [x, w, y, xType, wType, yType, strides, dilations] = *conv;
    int64_t c = xType.getDimSize(1), h = xType.getDimSize(2),
            wd = xType.getDimSize(3);
    int64_t f = wType.getDimSize(0), kh = wType.getDimSize(2),
            kw = wType.getDimSize(3);
    int64_t oh = yType.getDimSize(2), ow = yType.getDimSize(3);
    if (wType.getDimSize(1) != c || yType.getDimSize(1) != f ||
        c * kh * kw == 0)
      return;

    // A zero fill right before becomes the kernel's overwrite mode.
    linalg::FillOp fill = fulcrum::getZeroFillBefore(op, y);

    OpBuilder b(op);
    Location loc = op.getLoc();
    fulcrum::KernelCallBuilder call(b, loc);
    int64_t floats = kernel.convWorkspace(c, kh, kw, oh, ow);
    auto workspaceType = MemRefType::get({floats}, b.getF32Type());
    Value workspace =
        b.create<memref::AllocOp>(loc, workspaceType, b.getI64IntegerAttr(64));
    SmallVector<Value> args = {call.dim(x, 0)};
    for (int64_t v : {c, h, wd, f, kh, kw, oh, ow, strides[0], strides[1],
                      dilations[0], dilations[1]})
      args.push_back(call.constant(v));
    for (Value memref : {x, w, y, workspace})
      args.push_back(call.address(memref).at);
    args.push_back(call.constant(fill ? 0 : fulcrum::kGemmAccumulate));
    func::FuncOp callee = fulcrum::declareKernel(
        getOperation(), symbols, kernel.convSymbol, args.size());
    b.create<func::CallOp>(loc, callee, args);
    b.create<memref::DeallocOp>(loc, workspace);
    op->erase();
    if (fill)
      fill->erase();
    ++numKernels;
    ++convCount;
  }
};

} // namespace
