//===- PoolToKernel.cpp - fulcrum-cpu-pool-to-kernel ----------------------===//
//
// Part of Fulcrum. fp32 and int8 channels-last max poolings on memrefs
// become calls of the pooling kernels in Kernels/pool.c, which also take
// over their padding with the type's least value (-infinity, -128) and the
// fill their output starts from.
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

#include <limits>

namespace fulcrum {
#define GEN_PASS_DEF_CPUPOOLTOKERNEL
#include "fulcrum/Target/CPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

static fulcrum::PassCounter poolCount("fulcrum-cpu-pool-to-kernel",
                                      "Max poolings run on the kernel");
static fulcrum::PassCounter
    paddingCount("fulcrum-cpu-pool-to-kernel",
                 "-infinity and -128 paddings skipped by the pooling kernel");

namespace {

/// Matches Kernels/pool.c: start from the `init` argument, not the output.
constexpr int64_t kPoolInit = 1;

/// Whether `type` is a rank-4 row-major memref of f32 or i8, static but its
/// batch.
bool isRowMajorImage(MemRefType type) {
  return type && type.getRank() == 4 &&
         (type.getElementType().isF32() ||
          type.getElementType().isInteger(8)) &&
         fulcrum::isRowMajor(type, /*dynamicBatch=*/true);
}

/// The f32 constant `value` holds, if it is one.
std::optional<float> getFloatConstant(Value value) {
  FloatAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || !attr.getType().isF32())
    return std::nullopt;
  return attr.getValue().convertToFloat();
}

/// The i8 constant `value` holds, if it is one.
std::optional<int64_t> getByteConstant(Value value) {
  IntegerAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) ||
      !attr.getType().isInteger(8))
    return std::nullopt;
  return attr.getValue().getSExtValue();
}

/// Whether `value` is the least value of the element type `type` (f32:
/// -infinity; i8: -128), which never wins a maximum.
bool isLeast(Value value, Type type) {
  if (type.isF32()) {
    std::optional<float> v = getFloatConstant(value);
    return v && *v == -std::numeric_limits<float>::infinity();
  }
  std::optional<int64_t> v = getByteConstant(value);
  return v && *v == -128;
}

/// The fill of `out` with a constant that the pooling starts from: before
/// `pool` in its block, with nothing that reads or writes `out` between.
/// `bits` is the constant as the kernel takes it (the float's bits, or the
/// byte's value).
Operation *getInitialFill(Operation *pool, Value out, int64_t &bits) {
  Value root = fulcrum::getRootBuffer(out);
  for (Operation *prev = pool->getPrevNode(); prev;
       prev = prev->getPrevNode()) {
    if (fulcrum::isConstantFill(prev, out, [&](Value v) {
          if (std::optional<float> c = getFloatConstant(v)) {
            bits = fulcrum::floatBits(*c);
            return true;
          }
          if (std::optional<int64_t> c = getByteConstant(v)) {
            bits = *c;
            return true;
          }
          return false;
        }))
      return prev;
    if (fulcrum::mayAccess(prev, root))
      return nullptr;
  }
  return nullptr;
}

struct CPUPoolToKernelPass
    : public fulcrum::impl::CPUPoolToKernelBase<CPUPoolToKernelPass> {
  using CPUPoolToKernelBase::CPUPoolToKernelBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto kernel = fulcrum::lookupKernel(module, kernelIsa);
    if (!kernel)
      return signalPassFailure();
    SymbolTable symbols(module);
    SmallVector<linalg::PoolingNhwcMaxOp> pools;
    module.walk([&](linalg::PoolingNhwcMaxOp op) { pools.push_back(op); });
    for (linalg::PoolingNhwcMaxOp op : pools)
      rewrite(op, kernel->isa, symbols);
  }

  void rewrite(linalg::PoolingNhwcMaxOp op, StringRef variant,
               SymbolTable &symbols) {
    if (!op.hasPureBufferSemantics())
      return;
    Value x = op.getDpsInputs()[0], window = op.getDpsInputs()[1],
          y = op.getDpsInits()[0];
    auto xType = dyn_cast<MemRefType>(x.getType());
    auto yType = dyn_cast<MemRefType>(y.getType());
    auto windowType = dyn_cast<MemRefType>(window.getType());
    if (!isRowMajorImage(xType) || !isRowMajorImage(yType) || !windowType ||
        !windowType.hasStaticShape() || windowType.getRank() != 2 ||
        xType.getDimSize(3) != yType.getDimSize(3) ||
        xType.getElementType() != yType.getElementType())
      return;
    Type element = xType.getElementType();
    std::string symbol = ("fulcrum_maxpool2d_nhwc_" +
                          StringRef(element.isF32() ? "f32_" : "i8_") + variant)
                             .str();
    SmallVector<int64_t> strides(op.getStrides().getValues<int64_t>());
    SmallVector<int64_t> dilations(op.getDilations().getValues<int64_t>());
    if (strides.size() != 2 || dilations.size() != 2)
      return;
    // A padding with -infinity (-128) never wins: the kernel skips it.
    std::optional<fulcrum::Padding> padding = fulcrum::matchPadding(
        op, x, /*heightDim=*/1, [&](Value v) { return isLeast(v, element); });
    if (padding && !isRowMajorImage(padding->sourceType))
      padding.reset();
    int64_t init = 0;
    Operation *fill = getInitialFill(op, y, init);

    OpBuilder b(op);
    fulcrum::KernelCallBuilder call(b, op.getLoc());
    Value input = padding ? padding->source : x;
    auto inputType = padding ? padding->sourceType : xType;
    SmallVector<Value> args = {call.dim(input, 0)};
    for (int64_t v : {inputType.getDimSize(1), inputType.getDimSize(2),
                      inputType.getDimSize(3), windowType.getDimSize(0),
                      windowType.getDimSize(1), yType.getDimSize(1),
                      yType.getDimSize(2), strides[0], strides[1], dilations[0],
                      dilations[1], padding ? padding->top : int64_t(0),
                      padding ? padding->left : int64_t(0)})
      args.push_back(call.constant(v));
    args.push_back(call.address(input).at);
    args.push_back(call.address(y).at);
    args.push_back(call.constant(fill ? init : 0));
    args.push_back(call.constant(fill ? kPoolInit : 0));
    func::FuncOp callee =
        fulcrum::declareKernel(getOperation(), symbols, symbol, args.size());
    auto kernelCall = b.create<func::CallOp>(op.getLoc(), callee, args);
    fulcrum::setKernelWrites(kernelCall, {15});
    op->erase();
    // The window's shape operand is a buffer nothing reads.
    if (auto alloc = window.getDefiningOp<memref::AllocOp>();
        alloc && llvm::all_of(alloc->getUsers(), [](Operation *user) {
          return isa<memref::DeallocOp>(user);
        })) {
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
        user->erase();
      alloc->erase();
    }
    if (fill) {
      fill->erase();
      ++numInits;
    }
    if (padding) {
      for (Operation *dead : padding->ops)
        dead->erase();
      ++numPaddings;
      ++paddingCount;
    }
    ++numKernels;
    ++poolCount;
  }
};

} // namespace
