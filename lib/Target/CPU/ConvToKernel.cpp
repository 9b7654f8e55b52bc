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

struct CPUConvToKernelPass
    : public fulcrum::impl::CPUConvToKernelBase<CPUConvToKernelPass> {
  using CPUConvToKernelBase::CPUConvToKernelBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto kernel = fulcrum::lookupKernel(module, kernelIsa);
    if (!kernel)
      return signalPassFailure();
    SymbolTable symbols(module);
    SmallVector<linalg::Conv2DNchwFchwOp> convs;
    module.walk([&](linalg::Conv2DNchwFchwOp op) { convs.push_back(op); });
    for (linalg::Conv2DNchwFchwOp op : convs)
      rewrite(op, *kernel, symbols);
    SmallVector<linalg::DepthwiseConv2DNchwChwOp> depthwise;
    module.walk(
        [&](linalg::DepthwiseConv2DNchwChwOp op) { depthwise.push_back(op); });
    for (linalg::DepthwiseConv2DNchwChwOp op : depthwise)
      rewriteDepthwise(op, *kernel, symbols);
  }

  void rewriteDepthwise(linalg::DepthwiseConv2DNchwChwOp op,
                        const fulcrum::GemmKernel &kernel,
                        SymbolTable &symbols) {
    if (!op.hasPureBufferSemantics())
      return;
    Value x = op.getDpsInputs()[0], w = op.getDpsInputs()[1];
    Value y = op.getDpsInits()[0];
    auto xType = dyn_cast<MemRefType>(x.getType());
    auto wType = dyn_cast<MemRefType>(w.getType());
    auto yType = dyn_cast<MemRefType>(y.getType());
    if (!isRowMajorF32(xType, true) || !isRowMajorF32(wType, false) ||
        !isRowMajorF32(yType, true))
      return;
    auto strides = llvm::to_vector(op.getStrides().getValues<int64_t>());
    auto dilations = llvm::to_vector(op.getDilations().getValues<int64_t>());
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
    if (!op.hasPureBufferSemantics())
      return;
    Value x = op.getDpsInputs()[0], w = op.getDpsInputs()[1];
    Value y = op.getDpsInits()[0];
    auto xType = dyn_cast<MemRefType>(x.getType());
    auto wType = dyn_cast<MemRefType>(w.getType());
    auto yType = dyn_cast<MemRefType>(y.getType());
    if (!isRowMajorF32(xType, true) || !isRowMajorF32(wType, false) ||
        !isRowMajorF32(yType, true))
      return;
    auto strides = llvm::to_vector(op.getStrides().getValues<int64_t>());
    auto dilations = llvm::to_vector(op.getDilations().getValues<int64_t>());
    int64_t c = xType.getDimSize(1), h = xType.getDimSize(2),
            wd = xType.getDimSize(3);
    int64_t f = wType.getDimSize(0), kh = wType.getDimSize(2),
            kw = wType.getDimSize(3);
    int64_t oh = yType.getDimSize(2), ow = yType.getDimSize(3);
    if (wType.getDimSize(1) != c || yType.getDimSize(1) != f ||
        c * kh * kw == 0)
      return;

    // A zero fill right before becomes the kernel's overwrite mode.
    linalg::FillOp fill;
    if (auto prev = dyn_cast_or_null<linalg::FillOp>(op->getPrevNode()))
      if (prev.getDpsInits()[0] == y &&
          matchPattern(prev.getDpsInputs()[0], m_AnyZeroFloat()))
        fill = prev;

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
