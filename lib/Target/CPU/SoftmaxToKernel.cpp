//===- SoftmaxToKernel.cpp - fulcrum-cpu-softmax-to-kernel ----------------===//
//
// Part of Fulcrum. The three loop nests of a decomposed softmax along the
// last dimension become one call of the row kernel in Kernels/softmax.c.
//
//===----------------------------------------------------------------------===//

#include "KernelCalls.h"

#include "fulcrum/Support/PassStatistic.h"
#include "fulcrum/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <limits>

namespace fulcrum {
#define GEN_PASS_DEF_CPUSOFTMAXTOKERNEL
#include "fulcrum/Target/CPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

static fulcrum::PassCounter softmaxCount("fulcrum-cpu-softmax-to-kernel",
                                         "Softmaxes run on the row kernel");

namespace {

/// The ops of one softmax over the last dimension of `x` into `y`:
///   fill(-inf, M); M = max_j x  (a reduction generic);
///   fill(0, S);    S = sum_j exp(x - M);
///   y = exp(x - M) / S          (a parallel generic).
struct Softmax {
  linalg::GenericOp max, sum, normalize;
  linalg::FillOp maxFill, sumFill;
  Value x, y, m, s;
};

/// The op of type `OpTy` defining `value` (null when `value` is).
template <typename OpTy> OpTy getDefining(Value value) {
  return value ? value.getDefiningOp<OpTy>() : OpTy();
}

bool isFloatConstant(Value value, double expected) {
  FloatAttr attr;
  return matchPattern(value, m_Constant(&attr)) &&
         attr.getValueAsDouble() == expected;
}

/// Whether `op` is `linalg.generic` with maps (identity, drop-last) from
/// rank `rank` with the last loop a reduction and the others parallel.
bool isRowReduction(linalg::GenericOp op, int64_t rank, unsigned inputs) {
  if (!op || !op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumDpsInputs() != inputs || rank < 1 || op.getNumLoops() != rank ||
      op.getNumReductionLoops() != 1 ||
      op.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return false;
  MLIRContext *ctx = op.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap row = identity.dropResult(rank - 1);
  auto maps = op.getIndexingMapsArray();
  return maps[0] == identity &&
         llvm::all_of(ArrayRef(maps).drop_front(),
                      [&](AffineMap map) { return map == row; });
}

/// The zero or -inf fill of `buffer` right before `op` in its block, with
/// only memory-effect-free ops (allocations too) between.
linalg::FillOp getFillBefore(Operation *op, Value buffer, double value) {
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    if (auto fill = dyn_cast<linalg::FillOp>(prev))
      if (fill.getOutputs()[0] == buffer)
        return isFloatConstant(fill.getInputs()[0], value) ? fill
                                                           : linalg::FillOp();
    if (!isMemoryEffectFree(prev) && !isa<memref::AllocOp>(prev))
      return {};
  }
  return {};
}

/// Whether `value` is `exp(subf(x, m))` of the body's first two arguments.
bool isExpOfDifference(Value value, Block &body) {
  auto exp = getDefining<math::ExpOp>(value);
  auto sub = getDefining<arith::SubFOp>(exp ? exp.getOperand() : Value());
  return sub && sub.getLhs() == body.getArgument(0) &&
         sub.getRhs() == body.getArgument(1);
}

/// The op before `op`, past allocations.
Operation *getPrevSkippingAllocs(Operation *op) {
  Operation *prev = op->getPrevNode();
  while (prev && isa<memref::AllocOp>(prev))
    prev = prev->getPrevNode();
  return prev;
}

/// Whether `type` is f32 with rows of its last dimension contiguous and
/// equally strided (the identity layout).
bool hasRows(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.getElementType().isF32() &&
         memref.getLayout().isIdentity() && memref.getRank() >= 1;
}

std::optional<Softmax> matchSoftmax(linalg::GenericOp normalize) {
  if (!normalize.hasPureBufferSemantics() || normalize.getNumDpsInputs() != 3 ||
      normalize.getNumDpsInits() != 1 ||
      normalize.getNumParallelLoops() != normalize.getNumLoops())
    return std::nullopt;
  int64_t rank = normalize.getNumLoops();
  if (rank < 1)
    return std::nullopt;
  MLIRContext *ctx = normalize.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap row = identity.dropResult(rank - 1);
  auto maps = normalize.getIndexingMapsArray();
  if (maps[0] != identity || maps[1] != row || maps[2] != row ||
      maps[3] != identity)
    return std::nullopt;
  // The body: divf(exp(subf(x, m)), s).
  Block &body = normalize.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto div = getDefining<arith::DivFOp>(yield.getOperand(0));
  if (!div || !isExpOfDifference(div.getLhs(), body) ||
      div.getRhs() != body.getArgument(2) || body.getOperations().size() != 4)
    return std::nullopt;
  Softmax softmax;
  softmax.normalize = normalize;
  softmax.x = normalize.getDpsInputs()[0];
  softmax.m = normalize.getDpsInputs()[1];
  softmax.s = normalize.getDpsInputs()[2];
  softmax.y = normalize.getDpsInits()[0];
  if (!hasRows(softmax.x.getType()) ||
      softmax.x.getType() != softmax.y.getType())
    return std::nullopt;

  // The sum right before (nothing that writes memory between), its fill
  // before it, and the maximum before that.
  softmax.sum =
      dyn_cast_or_null<linalg::GenericOp>(getPrevSkippingAllocs(normalize));
  if (!isRowReduction(softmax.sum, rank, 2) ||
      softmax.sum.getDpsInputs()[0] != softmax.x ||
      softmax.sum.getDpsInputs()[1] != softmax.m ||
      softmax.sum.getDpsInits()[0] != softmax.s)
    return std::nullopt;
  Block &sumBody = softmax.sum.getRegion().front();
  auto add = getDefining<arith::AddFOp>(
      cast<linalg::YieldOp>(sumBody.getTerminator()).getOperand(0));
  Value acc = sumBody.getArgument(2);
  if (!add || sumBody.getOperations().size() != 4 ||
      !((add.getRhs() == acc && isExpOfDifference(add.getLhs(), sumBody)) ||
        (add.getLhs() == acc && isExpOfDifference(add.getRhs(), sumBody))))
    return std::nullopt;
  softmax.sumFill = getFillBefore(softmax.sum, softmax.s, 0.0);
  if (!softmax.sumFill)
    return std::nullopt;
  softmax.max = dyn_cast_or_null<linalg::GenericOp>(
      getPrevSkippingAllocs(softmax.sumFill));
  if (!isRowReduction(softmax.max, rank, 1) ||
      softmax.max.getDpsInputs()[0] != softmax.x ||
      softmax.max.getDpsInits()[0] != softmax.m)
    return std::nullopt;
  Block &maxBody = softmax.max.getRegion().front();
  auto max = getDefining<arith::MaximumFOp>(
      cast<linalg::YieldOp>(maxBody.getTerminator()).getOperand(0));
  if (!max || maxBody.getOperations().size() != 2 ||
      !((max.getLhs() == maxBody.getArgument(0) &&
         max.getRhs() == maxBody.getArgument(1)) ||
        (max.getLhs() == maxBody.getArgument(1) &&
         max.getRhs() == maxBody.getArgument(0))))
    return std::nullopt;
  softmax.maxFill = getFillBefore(softmax.max, softmax.m,
                                  -std::numeric_limits<double>::infinity());
  if (!softmax.maxFill)
    return std::nullopt;
  // The statistics are read by these ops only, and the output is not the
  // input (the kernel reads a row after it starts writing it).
  for (Value stat : {softmax.m, softmax.s})
    for (Operation *user : stat.getUsers())
      if (user != softmax.max.getOperation() &&
          user != softmax.sum.getOperation() &&
          user != softmax.normalize.getOperation() &&
          user != softmax.maxFill.getOperation() &&
          user != softmax.sumFill.getOperation() &&
          !isa<memref::DeallocOp>(user))
        return std::nullopt;
  if (softmax.y == softmax.x)
    return std::nullopt;
  return softmax;
}

struct CPUSoftmaxToKernelPass
    : public fulcrum::impl::CPUSoftmaxToKernelBase<CPUSoftmaxToKernelPass> {
  using CPUSoftmaxToKernelBase::CPUSoftmaxToKernelBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto kernel = fulcrum::lookupKernel(module, kernelIsa);
    if (!kernel)
      return signalPassFailure();
    SymbolTable symbols(module);
    SmallVector<Softmax> found;
    module.walk([&](linalg::GenericOp op) {
      if (std::optional<Softmax> softmax = matchSoftmax(op))
        found.push_back(*softmax);
    });
    std::string symbol = ("fulcrum_softmax_f32_" + kernel->isa).str();
    for (Softmax &softmax : found) {
      OpBuilder b(softmax.normalize);
      Location loc = softmax.normalize.getLoc();
      fulcrum::KernelCallBuilder call(b, loc);
      auto type = cast<MemRefType>(softmax.x.getType());
      int64_t rank = type.getRank();
      // The rows: every dimension but the last.
      Value rows = call.constant(1);
      for (int64_t d = 0; d + 1 < rank; ++d)
        rows = b.create<arith::MulIOp>(loc, rows, call.dim(softmax.x, d));
      Value n = call.dim(softmax.x, rank - 1);
      auto x = call.address(softmax.x), y = call.address(softmax.y);
      func::FuncOp callee = fulcrum::declareKernel(module, symbols, symbol, 6);
      auto kernelCall = b.create<func::CallOp>(
          loc, callee,
          ValueRange{rows, n, x.at, rank > 1 ? x.strides[rank - 2] : n, y.at,
                     rank > 1 ? y.strides[rank - 2] : n});
      fulcrum::setKernelWrites(kernelCall, {4});
      for (Operation *op :
           {softmax.normalize.getOperation(), softmax.sum.getOperation(),
            softmax.sumFill.getOperation(), softmax.max.getOperation(),
            softmax.maxFill.getOperation()})
        op->erase();
      // The statistics' buffers are dead.
      for (Value stat : {softmax.m, softmax.s})
        if (auto alloc = stat.getDefiningOp<memref::AllocOp>())
          if (llvm::all_of(alloc->getUsers(), [](Operation *user) {
                return isa<memref::DeallocOp>(user);
              })) {
            for (Operation *user : llvm::to_vector(alloc->getUsers()))
              user->erase();
            alloc->erase();
          }
      ++numKernels;
      ++softmaxCount;
    }
  }
};

} // namespace
