//===- MatmulToKernel.cpp - fulcrum-cpu-matmul-to-kernel ------------------===//
//
// Part of Fulcrum. fp32 matrix products on memrefs become calls of the GEMM
// micro-kernels in Kernels/gemm.c; constant right-hand sides are packed
// into panels at compile time.
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
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace fulcrum {
#define GEN_PASS_DEF_CPUMATMULTOKERNEL
#include "fulcrum/Target/CPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

static fulcrum::PassCounter packedCount("fulcrum-cpu-matmul-to-kernel",
                                        "Weights packed at compile time");
static fulcrum::PassCounter
    epilogueCount("fulcrum-cpu-matmul-to-kernel",
                  "Bias (and ReLU) epilogues applied by the kernel");
static fulcrum::PassCounter productCount("fulcrum-cpu-matmul-to-kernel",
                                         "Matrix products run on kernels");
using fulcrum::hasContiguousRows;

namespace {

/// A bias (and ReLU) epilogue the kernel can apply while it stores the
/// product: `D[i, j] = max?(C[i, j] + bias[j], 0)` by a linalg.generic that
/// is the only reader of C, with nothing that writes memory between the
/// product and it.
struct Epilogue {
  linalg::GenericOp op;
  Value bias, output;
  bool relu = false;
};

std::optional<Epilogue> matchEpilogue(linalg::LinalgOp product, Value c) {
  // The first later user of C in the block.
  Operation *user = nullptr;
  for (Operation *op = product->getNextNode(); op; op = op->getNextNode()) {
    if (llvm::is_contained(op->getOperands(), c)) {
      user = op;
      break;
    }
    if (!isMemoryEffectFree(op) && !isa<memref::AllocOp>(op))
      return std::nullopt;
  }
  auto generic = dyn_cast_or_null<linalg::GenericOp>(user);
  if (!generic || !generic.hasPureBufferSemantics() ||
      generic.getNumDpsInputs() != 2 || generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != 2 || generic.getNumLoops() != 2 ||
      generic.getDpsInputs()[0] != c)
    return std::nullopt;
  MLIRContext *ctx = product->getContext();
  AffineExpr d0, d1;
  bindDims(ctx, d0, d1);
  auto maps = generic.getIndexingMapsArray();
  if (maps[0] != AffineMap::get(2, 0, {d0, d1}, ctx) ||
      maps[1] != AffineMap::get(2, 0, {d1}, ctx) ||
      maps[2] != AffineMap::get(2, 0, {d0, d1}, ctx))
    return std::nullopt;
  Value bias = generic.getDpsInputs()[1];
  Value output = generic.getDpsInits()[0];
  auto biasType = dyn_cast<MemRefType>(bias.getType());
  auto outType = dyn_cast<MemRefType>(output.getType());
  if (!biasType || !biasType.getElementType().isF32() || !outType ||
      !outType.getElementType().isF32() || !hasContiguousRows(outType, 2) ||
      !biasType.getLayout().isIdentity() ||
      (output != c && !output.getDefiningOp<memref::AllocOp>()))
    return std::nullopt;
  // Nothing else reads the product: C's other users are its fill and
  // deallocs, or, when the epilogue writes in place (bufferization reuses
  // C), readers of the epilogue's result after it.
  for (Operation *other : c.getUsers()) {
    if (other == product || other == generic ||
        isa<linalg::FillOp, memref::DeallocOp>(other))
      continue;
    if (output == c && other->getBlock() == generic->getBlock() &&
        generic->isBeforeInBlock(other))
      continue;
    return std::nullopt;
  }
  // The body: add(c, bias), optionally followed by maximumf(_, 0).
  Block &body = generic.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Value result = yield.getOperand(0);
  Epilogue epilogue{generic, bias, output, false};
  if (auto max = result.getDefiningOp<arith::MaximumFOp>()) {
    Value other = max.getLhs();
    if (!matchPattern(max.getRhs(), m_AnyZeroFloat()))
      return std::nullopt;
    epilogue.relu = true;
    result = other;
  }
  auto add = result.getDefiningOp<arith::AddFOp>();
  if (!add || &body.front() != add.getOperation() ||
      body.getOperations().size() != (epilogue.relu ? 3u : 2u))
    return std::nullopt;
  Value in0 = body.getArgument(0), in1 = body.getArgument(1);
  if (!((add.getLhs() == in0 && add.getRhs() == in1) ||
        (add.getLhs() == in1 && add.getRhs() == in0)))
    return std::nullopt;
  return epilogue;
}

struct CPUMatmulToKernelPass
    : public fulcrum::impl::CPUMatmulToKernelBase<CPUMatmulToKernelPass> {
  using CPUMatmulToKernelBase::CPUMatmulToKernelBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto kernel = fulcrum::lookupKernel(module, kernelIsa);
    if (!kernel)
      return signalPassFailure();
    SymbolTable symbols(module);
    SmallVector<linalg::LinalgOp> products;
    module.walk([&](linalg::LinalgOp op) {
      if (isa<linalg::MatmulOp, linalg::MatmulTransposeBOp,
              linalg::BatchMatmulOp>(op))
        products.push_back(op);
    });
    for (linalg::LinalgOp op : products)
      rewrite(op, *kernel, symbols);
  }

  /// The packed global for `source` (K x N, or N x K when `transposed`).
  memref::GlobalOp pack(memref::GlobalOp source, bool transposed,
                        const fulcrum::GemmKernel &kernel,
                        SymbolTable &symbols) {
    auto type = cast<MemRefType>(source.getType());
    int64_t k = type.getDimSize(transposed ? 1 : 0);
    int64_t n = type.getDimSize(transposed ? 0 : 1);
    std::string name = (source.getSymName() + "_packed" +
                        std::to_string(kernel.nr) + (transposed ? "t" : ""))
                           .str();
    if (auto existing = symbols.lookup<memref::GlobalOp>(name))
      return existing;
    auto values = fulcrum::readConstantFloats(source);
    if (!values)
      return nullptr;
    std::vector<float> packed =
        fulcrum::packGemmWeights(*values, k, n, transposed, kernel.nr);
    int64_t panels = (n + kernel.nr - 1) / kernel.nr;
    ++numPacked;
    ++packedCount;
    return fulcrum::createConstantGlobal(source, name, packed,
                                         {panels, k, kernel.nr}, symbols);
  }

  void rewrite(linalg::LinalgOp op, const fulcrum::GemmKernel &kernel,
               SymbolTable &symbols) {
    if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
        op.getNumDpsInits() != 1)
      return;
    bool transposed = isa<linalg::MatmulTransposeBOp>(op);
    // batch_matmul: one call per batch, the pointers advanced by the batch
    // strides.
    bool batched = isa<linalg::BatchMatmulOp>(op);
    int64_t rank = batched ? 3 : 2;
    Value a = op.getDpsInputs()[0], bValue = op.getDpsInputs()[1];
    Value c = op.getDpsInits()[0];
    auto aType = dyn_cast<MemRefType>(a.getType());
    auto bType = dyn_cast<MemRefType>(bValue.getType());
    auto cType = dyn_cast<MemRefType>(c.getType());
    if (!aType || !bType || !cType || !aType.getElementType().isF32() ||
        !bType.getElementType().isF32() || !cType.getElementType().isF32() ||
        !hasContiguousRows(aType, rank) || !hasContiguousRows(bType, rank) ||
        !hasContiguousRows(cType, rank))
      return;

    memref::GlobalOp packed;
    if (memref::GlobalOp weight = fulcrum::getConstantGlobal(bValue, symbols))
      if (bType.hasStaticShape() && !batched)
        packed = pack(weight, transposed, kernel, symbols);
    // A transposed run-time operand has no contiguous panels.
    if (transposed && !packed)
      return;

    // A zero fill right before the product becomes the kernel's overwrite
    // mode (it writes every element when K > 0).
    linalg::FillOp fill;
    if (!ShapedType::isDynamic(aType.getDimSize(rank - 1)) &&
        aType.getDimSize(rank - 1) > 0)
      fill = fulcrum::getZeroFillBefore(op, c);

    // With an epilogue the call replaces it, writing its output directly;
    // the product's own buffer is then dead.
    std::optional<Epilogue> epilogue;
    if (!batched)
      epilogue = matchEpilogue(op, c);
    if (epilogue && !fill)
      epilogue.reset(); // C's previous contents would be lost.

    OpBuilder b(epilogue ? epilogue->op.getOperation() : op.getOperation());
    Location loc = op.getLoc();
    fulcrum::KernelCallBuilder call(b, loc);
    auto constant = [&](int64_t v) { return call.constant(v); };
    auto dim = [&](Value memref, int64_t d) { return call.dim(memref, d); };
    // The first element's address, the row stride and (batched) the batch
    // stride in bytes.
    struct Address {
      Value at, rowStride, batchBytes;
    };
    auto address = [&](Value memref) -> Address {
      fulcrum::KernelCallBuilder::Address a = call.address(memref);
      Address result{a.at, a.strides[a.strides.size() - 2], Value()};
      if (a.strides.size() == 3)
        result.batchBytes =
            b.create<arith::MulIOp>(loc, a.strides[0], constant(4));
      return result;
    };
    Value out = epilogue ? epilogue->output : c;
    Value m = dim(a, rank - 2), k = dim(a, rank - 1), n = dim(out, rank - 1);
    Address aAt = address(a), cAt = address(out), bAt;
    Value ldb, panelStride;
    if (packed) {
      Value get = b.create<memref::GetGlobalOp>(
          loc, cast<MemRefType>(packed.getType()), packed.getSymName());
      bAt = address(get);
      ldb = constant(kernel.nr);
      panelStride = constant(kernel.nr *
                             cast<MemRefType>(packed.getType()).getDimSize(1));
    } else {
      bAt = address(bValue);
      ldb = bAt.rowStride;
      panelStride = constant(kernel.nr);
    }

    int64_t flags = fill ? 0 : fulcrum::kGemmAccumulate;
    Value biasPtr = constant(0);
    if (epilogue) {
      biasPtr = address(epilogue->bias).at;
      flags |= fulcrum::kGemmBias | (epilogue->relu ? fulcrum::kGemmRelu : 0);
    }

    func::FuncOp callee =
        fulcrum::declareKernel(getOperation(), symbols, kernel.symbol, 12);
    Value flagsValue = constant(flags);
    auto emitCall = [&](OpBuilder &at, Value aPtr, Value bPtr, Value cPtr) {
      auto kernelCall = at.create<func::CallOp>(
          loc, callee,
          ValueRange{m, n, k, aPtr, aAt.rowStride, bPtr, ldb, panelStride, cPtr,
                     cAt.rowStride, biasPtr, flagsValue});
      fulcrum::setKernelWrites(kernelCall, {8}); // C
    };
    if (!batched) {
      emitCall(b, aAt.at, bAt.at, cAt.at);
    } else {
      Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
      Value one = b.create<arith::ConstantIndexOp>(loc, 1);
      Value count = b.create<memref::DimOp>(loc, out, 0);
      auto loop = b.create<scf::ForOp>(loc, zero, count, one);
      OpBuilder body = OpBuilder::atBlockBegin(loop.getBody());
      Value i = body.create<arith::IndexCastOp>(loc, b.getI64Type(),
                                                loop.getInductionVar());
      auto advance = [&](const Address &at) {
        return body.create<arith::AddIOp>(
            loc, at.at, body.create<arith::MulIOp>(loc, i, at.batchBytes));
      };
      emitCall(body, advance(aAt), advance(bAt), advance(cAt));
    }
    if (epilogue) {
      epilogue->op->erase();
      ++numEpilogues;
      ++epilogueCount;
    }
    op->erase();
    if (fill)
      fill->erase();
    // The unpacked weight is dead once nothing reads it.
    if (auto get = bValue.getDefiningOp<memref::GetGlobalOp>())
      if (get->use_empty()) {
        auto global = symbols.lookup<memref::GlobalOp>(get.getName());
        get->erase();
        if (global && global.isPrivate() &&
            SymbolTable::symbolKnownUseEmpty(global, getOperation())) {
          symbols.erase(global);
        }
      }
    ++numKernels;
    ++productCount;
  }
};

} // namespace
