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

#include <algorithm>

namespace fulcrum {
#define GEN_PASS_DEF_CPUMATMULTOKERNEL
#include "fulcrum/Target/CPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

static fulcrum::PassCounter packedCount("fulcrum-cpu-matmul-to-kernel",
                                        "Weights packed at compile time");
static fulcrum::PassCounter
    epilogueCount("fulcrum-cpu-matmul-to-kernel",
                  "Bias, residual and clamp epilogues applied by the kernel");
static fulcrum::PassCounter productCount("fulcrum-cpu-matmul-to-kernel",
                                         "Matrix products run on kernels");
using fulcrum::hasContiguousRows;

namespace {

/// The element-wise op the kernel applies while it stores the product for
/// the last time: `out = clamp((C + bias[j]) + residual, lo, hi)`, each
/// part optional, by the linalg.generic that next reads C. The generic may
/// read C through a memref.expand_shape that splits its rows only, as the
/// bias add after a sequence model's projection does (?x128x768 from
/// ?x768). Nothing that writes memory may lie between the product and it.
struct Epilogue {
  linalg::GenericOp op;
  /// The view of C the generic reads (C or its expand_shape).
  Value product;
  Value bias, residual, output; // bias, residual: null when absent
  /// The residual is the output buffer: the kernel accumulates into it.
  bool inPlace = false;
  fulcrum::Clamp clamp;
};

/// The first op after `op` in its block that uses `value`, when every op
/// between is free of memory effects (allocations aside).
Operation *getNextUser(Operation *op, Value value) {
  for (Operation *next = op->getNextNode(); next; next = next->getNextNode()) {
    if (llvm::is_contained(next->getOperands(), value))
      return next;
    if (!isMemoryEffectFree(next) && !isa<memref::AllocOp>(next))
      return nullptr;
  }
  return nullptr;
}

/// Whether `type` is f32 and, flattened to rows of its last dimension,
/// has contiguous rows of equal stride.
bool hasFlatRows(MemRefType type) {
  return type.getElementType().isF32() &&
         (type.getRank() == 2
              ? hasContiguousRows(type, 2)
              : type.getRank() > 2 && type.getLayout().isIdentity());
}

/// Splits the add tree `value` in `body` into its block-argument leaves;
/// fails on anything but single-use addf ops and arguments.
bool getAddLeaves(Value value, Block &body, SmallVectorImpl<Value> &leaves) {
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    if (arg.getOwner() != &body)
      return false;
    leaves.push_back(arg);
    return true;
  }
  auto add = value.getDefiningOp<arith::AddFOp>();
  if (!add || add->getBlock() != &body || !add->hasOneUse())
    return false;
  return getAddLeaves(add.getLhs(), body, leaves) &&
         getAddLeaves(add.getRhs(), body, leaves);
}

std::optional<Epilogue> matchEpilogue(linalg::LinalgOp product, Value c) {
  Epilogue epilogue;
  epilogue.product = c;
  Operation *user = getNextUser(product, c);
  // Through a view that splits C's rows: [[0, .., r-2], [r-1]].
  auto expand = dyn_cast_or_null<memref::ExpandShapeOp>(user);
  if (expand) {
    auto groups = expand.getReassociationIndices();
    if (expand.getSrc() != c || groups.size() != 2 || groups[1].size() != 1)
      return std::nullopt;
    epilogue.product = expand.getResult();
    user = getNextUser(expand, epilogue.product);
  }
  auto generic = dyn_cast_or_null<linalg::GenericOp>(user);
  Value y = epilogue.product;
  auto yType = cast<MemRefType>(y.getType());
  int64_t rank = yType.getRank();
  if (!generic || !generic.hasPureBufferSemantics() ||
      generic.getNumDpsInits() != 1 || generic.getNumDpsInputs() > 3 ||
      generic.getNumLoops() != rank || generic.getNumParallelLoops() != rank ||
      !hasFlatRows(yType))
    return std::nullopt;
  MLIRContext *ctx = product->getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap column =
      AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx), ctx);
  Block &body = generic.getRegion().front();
  Value yArg, biasArg, residualArg;
  for (OpOperand *input : generic.getDpsInputOperands()) {
    Value value = input->get();
    AffineMap map = generic.getMatchingIndexingMap(input);
    Value arg = body.getArgument(input->getOperandNumber());
    auto type = dyn_cast<MemRefType>(value.getType());
    if (!type || !type.getElementType().isF32())
      return std::nullopt;
    if (value == y && map == identity && !yArg) {
      yArg = arg;
    } else if (map == column && type.getRank() == 1 && !biasArg &&
               type.getLayout().isIdentity() &&
               type.getDimSize(0) == yType.getDimSize(rank - 1)) {
      epilogue.bias = value;
      biasArg = arg;
    } else if (map == identity && !residualArg &&
               type.getShape() == yType.getShape() && hasFlatRows(type)) {
      epilogue.residual = value;
      residualArg = arg;
    } else {
      return std::nullopt;
    }
  }
  epilogue.op = generic;
  epilogue.output = generic.getDpsInits()[0];
  auto outType = cast<MemRefType>(epilogue.output.getType());
  if (!yArg ||
      generic.getMatchingIndexingMap(generic.getDpsInitOperand(0)) !=
          identity ||
      outType.getShape() != yType.getShape() || !hasFlatRows(outType) ||
      (epilogue.output != y && epilogue.output != epilogue.residual &&
       !epilogue.output.getDefiningOp<memref::AllocOp>()))
    return std::nullopt;
  epilogue.inPlace = epilogue.residual && epilogue.residual == epilogue.output;
  // The body: the clamp of ((y + bias) + residual), in the kernel's order
  // of additions (either operand order of each addition).
  Value result = cast<linalg::YieldOp>(body.getTerminator()).getOperand(0);
  fulcrum::peelClamp(result, epilogue.clamp);
  if (epilogue.clamp.lo > epilogue.clamp.hi)
    return std::nullopt;
  unsigned adds = 0;
  if (residualArg && biasArg) {
    auto outer = result.getDefiningOp<arith::AddFOp>();
    if (!outer)
      return std::nullopt;
    Value inner =
        outer.getLhs() == residualArg ? outer.getRhs() : outer.getLhs();
    if (outer.getLhs() != residualArg && outer.getRhs() != residualArg)
      return std::nullopt;
    result = inner;
    ++adds;
  }
  SmallVector<Value> leaves;
  if (!getAddLeaves(result, body, leaves))
    return std::nullopt;
  SmallVector<Value> expected{yArg};
  if (biasArg)
    expected.push_back(biasArg);
  else if (residualArg)
    expected.push_back(residualArg);
  if (leaves.size() != expected.size() ||
      !std::is_permutation(leaves.begin(), leaves.end(), expected.begin()))
    return std::nullopt;
  adds += leaves.size() - 1;
  if (body.getOperations().size() != 1 + adds + epilogue.clamp.ops() ||
      (!biasArg && !residualArg && !epilogue.clamp.any))
    return std::nullopt;
  // Nothing else reads the product: C's other users are its fill, the view
  // and deallocs, or, when the epilogue writes in place (bufferization
  // reuses C), readers of the epilogue's result after it.
  bool writesC = epilogue.output == y;
  for (Value view : {c, y}) {
    for (Operation *other : view.getUsers()) {
      if (other == product || other == generic || other == expand ||
          isa<linalg::FillOp, memref::DeallocOp>(other))
        continue;
      if (writesC && other->getBlock() == generic->getBlock() &&
          generic->isBeforeInBlock(other))
        continue;
      return std::nullopt;
    }
  }
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
    std::vector<float> storage;
    auto values = fulcrum::readConstantFloats(source, storage);
    if (!values)
      return nullptr;
    AsmResourceBlob packed =
        fulcrum::allocateFloatBlob(fulcrum::getPackedGemmSize(k, n, kernel.nr));
    fulcrum::packGemmWeights(*values, k, n, transposed, kernel.nr,
                             fulcrum::getFloats(packed));
    int64_t panels = (n + kernel.nr - 1) / kernel.nr;
    ++numPacked;
    ++packedCount;
    return fulcrum::createConstantGlobal(source, name, std::move(packed),
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
    if (!batched && epilogues)
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
      // (A 1-D bias has no row stride.)
      Address result{a.at,
                     a.strides.size() >= 2 ? a.strides[a.strides.size() - 2]
                                           : Value(),
                     Value()};
      // (An epilogue's 3-D output is a row-split view, not a batch.)
      if (batched)
        result.batchBytes =
            b.create<arith::MulIOp>(loc, a.strides[0], constant(4));
      return result;
    };
    Value out = epilogue ? epilogue->output : c;
    Value m = dim(a, rank - 2), k = dim(a, rank - 1), n = dim(c, rank - 1);
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

    // A residual in the output buffer is accumulated into.
    bool inPlace = epilogue && epilogue->inPlace;
    int64_t flags = fill && !inPlace ? 0 : fulcrum::kGemmAccumulate;
    Value zero = constant(0);
    Value biasPtr = zero, residualPtr = zero, ldr = zero, lo = zero, hi = zero;
    if (epilogue) {
      if (epilogue->bias) {
        biasPtr = address(epilogue->bias).at;
        flags |= fulcrum::kGemmBias;
      }
      if (epilogue->residual && !inPlace) {
        Address residual = address(epilogue->residual);
        residualPtr = residual.at;
        ldr = residual.rowStride;
      }
      if (epilogue->clamp.any) {
        lo = constant(fulcrum::floatBits(epilogue->clamp.lo));
        hi = constant(fulcrum::floatBits(epilogue->clamp.hi));
        flags |= fulcrum::kGemmClamp;
      }
    }

    func::FuncOp callee =
        fulcrum::declareKernel(getOperation(), symbols, kernel.symbol, 16);
    Value flagsValue = constant(flags);
    auto emitCall = [&](OpBuilder &at, Value aPtr, Value bPtr, Value cPtr) {
      auto kernelCall = at.create<func::CallOp>(
          loc, callee,
          ValueRange{m, n, k, aPtr, aAt.rowStride, bPtr, ldb, panelStride, cPtr,
                     cAt.rowStride, biasPtr, residualPtr, ldr, lo, hi,
                     flagsValue});
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
      if (auto expand =
              epilogue->product.getDefiningOp<memref::ExpandShapeOp>())
        if (expand->use_empty())
          expand->erase();
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
