//===- AttentionToKernel.cpp - fulcrum-cpu-attention-to-kernel ------------===//
//
// Part of Fulcrum. The linalg ops of a lowered fulcrum.attention (tagged
// fulcrum.attention_id/_part by the ONNX-to-linalg lowering) become one
// call of the fused kernel in Kernels/attention.c, and their score,
// probability and statistics buffers disappear.
//
//===----------------------------------------------------------------------===//

#include "KernelCalls.h"

#include "fulcrum/Cost/AttentionCost.h"
#include "fulcrum/Support/PassStatistic.h"
#include "fulcrum/Target/CPU/Kernels.h"
#include "fulcrum/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

namespace fulcrum {
#define GEN_PASS_DEF_CPUATTENTIONTOKERNEL
#include "fulcrum/Target/CPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

static fulcrum::PassCounter
    attentionCount("fulcrum-cpu-attention-to-kernel",
                   "Attentions run on the fused kernel");

namespace {

constexpr llvm::StringLiteral kIdAttr = "fulcrum.attention_id";
constexpr llvm::StringLiteral kPartAttr = "fulcrum.attention_part";
constexpr llvm::StringLiteral kConfigAttr = "fulcrum.attention";

/// The ops of one lowered attention, in block order, by role.
struct Group {
  SmallVector<Operation *> ops;
  llvm::StringMap<Operation *> parts;
};

/// Whether `type` is an f32 (or, for a mask, any) memref of rank `rank`
/// whose innermost stride is 1.
bool hasUnitInnerStride(Value value, int64_t rank) {
  auto type = dyn_cast<MemRefType>(value.getType());
  return type && fulcrum::hasContiguousRows(type, rank);
}

using fulcrum::getRootBuffer;

/// The permutation of a linalg.transpose as an affine map, inverted if
/// asked: memref.transpose's result dimension i is its source's dimension
/// map(i), as linalg.transpose's init dimension i is its input's perm[i].
AffineMapAttr permutationMap(linalg::TransposeOp transpose, bool inverse) {
  SmallVector<unsigned> perm;
  for (int64_t p : transpose.getPermutation())
    perm.push_back(static_cast<unsigned>(p));
  if (inverse) {
    SmallVector<unsigned> inv(perm.size());
    for (auto [i, p] : llvm::enumerate(perm))
      inv[p] = static_cast<unsigned>(i);
    perm = inv;
  }
  MLIRContext *context = transpose.getContext();
  return AffineMapAttr::get(AffineMap::getPermutationMap(perm, context));
}

/// Whether a linalg.transpose keeps the innermost dimension innermost.
bool keepsInnerDim(linalg::TransposeOp transpose) {
  ArrayRef<int64_t> perm = transpose.getPermutation();
  return !perm.empty() && perm.back() == static_cast<int64_t>(perm.size()) - 1;
}

/// An operand the kernel reads (Q, K or V) as a view of what a
/// linalg.transpose copied into its buffer, so that the kernel reads it in
/// place through its strides: `value` is a buffer (or a subview of one)
/// whose last write before the attention's first op `first` is a
/// linalg.transpose that keeps the innermost dimension, and the
/// transpose's input is not written between the transpose and `at` (the
/// kernel call's place) nor one of the attention's own buffers
/// (`written`: bufferization may reuse a dead input's buffer). The
/// deallocations of that input in between are added to `deallocs`, to move
/// after the call, and the transpose to `copies` (eraseDeadCopies erases it if
/// nothing else reads it). Returns a null value when the operand is not such a
/// copy.
Value readThroughTranspose(Value value, Operation *first, Operation *at,
                           const llvm::SmallPtrSetImpl<Operation *> &members,
                           const llvm::SmallPtrSetImpl<Value> &written,
                           SmallVectorImpl<Operation *> &deallocs,
                           llvm::SetVector<Operation *> &copies) {
  auto sub = value.getDefiningOp<memref::SubViewOp>();
  Value buffer = sub ? sub.getSource() : value;
  auto alloc = buffer.getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc->getBlock() != at->getBlock())
    return {};
  linalg::TransposeOp transpose;
  for (Operation *op = first->getPrevNode(); op; op = op->getPrevNode()) {
    if (op == alloc.getOperation())
      return {};
    if (!fulcrum::mayWrite(op, buffer))
      continue;
    transpose = dyn_cast<linalg::TransposeOp>(op);
    if (!transpose || transpose.getInit() != buffer)
      return {};
    break;
  }
  if (!transpose || !keepsInnerDim(transpose) ||
      !transpose.hasPureBufferSemantics())
    return {};
  Value source = transpose.getInput();
  Value root = getRootBuffer(source);
  if (written.contains(root))
    return {};
  SmallVector<Operation *> found;
  for (Operation *op = transpose->getNextNode(); op != at;
       op = op->getNextNode()) {
    if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
      if (getRootBuffer(dealloc.getMemref()) == root)
        found.push_back(op);
      continue;
    }
    if (!members.contains(op) && fulcrum::mayWrite(op, root))
      return {};
  }
  OpBuilder b(transpose);
  b.setInsertionPointAfter(transpose);
  Value view = b.create<memref::TransposeOp>(transpose.getLoc(), source,
                                             permutationMap(transpose, false));
  if (sub) {
    auto type = cast<MemRefType>(memref::SubViewOp::inferRankReducedResultType(
        sub.getType().getShape(), cast<MemRefType>(view.getType()),
        sub.getMixedOffsets(), sub.getMixedSizes(), sub.getMixedStrides()));
    view = b.create<memref::SubViewOp>(
        sub.getLoc(), type, view, sub.getMixedOffsets(), sub.getMixedSizes(),
        sub.getMixedStrides());
  }
  llvm::append_range(deallocs, found);
  copies.insert(transpose);
  return view;
}

/// Erases the transposes of `copies` whose result nothing reads: every
/// later use of the buffer, in block order, is a view, a deallocation or
/// another transpose overwriting the whole buffer. A buffer left with
/// deallocations and views alone goes too.
void eraseDeadCopies(llvm::SetVector<Operation *> &copies) {
  llvm::SetVector<memref::AllocOp> buffers;
  for (Operation *op : copies) {
    auto copy = cast<linalg::TransposeOp>(op);
    Value buffer = copy.getInit();
    bool read = false;
    for (Operation *next = copy->getNextNode(); next && !read;
         next = next->getNextNode()) {
      if (isa<ViewLikeOpInterface, memref::DeallocOp>(next))
        continue;
      bool uses = llvm::any_of(next->getOperands(), [&](Value operand) {
        return isa<MemRefType>(operand.getType()) &&
               getRootBuffer(operand) == buffer;
      });
      if (!uses)
        continue;
      auto overwrite = dyn_cast<linalg::TransposeOp>(next);
      if (overwrite && overwrite.getInit() == buffer &&
          getRootBuffer(overwrite.getInput()) != buffer)
        break;
      read = true;
    }
    if (read)
      continue;
    if (auto alloc = buffer.getDefiningOp<memref::AllocOp>())
      buffers.insert(alloc);
    copy->erase();
  }
  copies.clear();
  for (memref::AllocOp alloc : buffers) {
    for (Operation *user : llvm::to_vector(alloc->getUsers()))
      if (isa<ViewLikeOpInterface>(user) && user->use_empty())
        user->erase();
    fulcrum::eraseIfOnlyDeallocated(alloc);
  }
}

/// The kernel's output written in place of the linalg.transpose that
/// copies it on: `o` is a buffer the attention's ops and one later
/// linalg.transpose (keeping the innermost dimension) read, into a
/// statically shaped buffer of the same block. That buffer's allocation
/// moves before `at`, and the transpose is returned, to erase once the
/// kernel writes `*view` (its inverse, a view of that buffer). That buffer
/// may not be one the kernel reads (`reads`), nor be used between `at`
/// and the transpose.
linalg::TransposeOp
writeThroughTranspose(Value o, Operation *at,
                      const llvm::SmallPtrSetImpl<Operation *> &members,
                      ArrayRef<Value> reads, Value &view) {
  auto alloc = o.getDefiningOp<memref::AllocOp>();
  if (!alloc)
    return {};
  linalg::TransposeOp transpose;
  for (Operation *user : alloc->getUsers()) {
    if (auto t = dyn_cast<linalg::TransposeOp>(user)) {
      if (transpose || t.getInput() != o)
        return {};
      transpose = t;
    } else if (!isa<memref::DeallocOp>(user) && !members.contains(user)) {
      return {};
    }
  }
  if (!transpose || !keepsInnerDim(transpose) ||
      transpose->getBlock() != at->getBlock() ||
      !at->isBeforeInBlock(transpose))
    return {};
  auto target = transpose.getInit().getDefiningOp<memref::AllocOp>();
  if (!target || target->getNumOperands() != 0 ||
      target->getBlock() != at->getBlock())
    return {};
  // Not a buffer the kernel reads (bufferization reuses buffers).
  for (Value read : reads)
    if (read && getRootBuffer(read) == target.getResult())
      return {};
  // The kernel writes the buffer at `at`, earlier than the copy did:
  // nothing between may use it (bufferization may have given one buffer
  // to several blocks' copies).
  for (Operation *op = at->getNextNode(); op != transpose.getOperation();
       op = op->getNextNode())
    if (fulcrum::mayAccess(op, target.getResult()))
      return {};
  if (!target->isBeforeInBlock(at))
    target->moveBefore(at);
  OpBuilder b(at);
  view = b.create<memref::TransposeOp>(transpose.getLoc(), target.getResult(),
                                       permutationMap(transpose, true));
  return transpose;
}

/// The key tile of one attention: the cost model's cheapest
/// (fulcrum::cost::chooseAttentionKeyTile) on `target`. A dynamic key count
/// is priced at kDynamicKeys keys: the tile suits long rows, and rows of no
/// more keys than the tile run in the direct form anyway.
constexpr int64_t kDynamicKeys = 4096;

struct CPUAttentionToKernelPass
    : public fulcrum::impl::CPUAttentionToKernelBase<CPUAttentionToKernelPass> {
  using CPUAttentionToKernelBase::CPUAttentionToKernelBase;

  /// The description the key tiles are priced on (the `target` option).
  fulcrum::cost::TargetDescription target;
  /// The transposes of the current block the kernels read through.
  llvm::SetVector<Operation *> copies;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // avx512bf16 is AVX-512 with vdpbf16ps: the attention kernel only.
    StringRef variant = kernelIsa;
    auto kernel = fulcrum::lookupKernel(
        module, variant == "avx512bf16" ? StringRef("avx512") : variant);
    if (!kernel)
      return signalPassFailure();
    auto description = fulcrum::cost::loadTargetDescription(targetName);
    if (!description) {
      module.emitError("fulcrum-cpu-attention-to-kernel: target '")
          << targetName << "': " << llvm::toString(description.takeError());
      return signalPassFailure();
    }
    target = std::move(*description);
    SymbolTable symbols(module);
    std::string symbol = ("fulcrum_attention_f32_" + variant).str();
    module.walk([&](Block *block) {
      llvm::MapVector<int64_t, Group> groups;
      for (Operation &op : *block) {
        if (op.getNumRegions() == 0 && op.getNumResults() == 1 &&
            isa<TensorType>(op.getResult(0).getType()))
          continue; // a tagged tensor.empty (not bufferized)
        auto id = op.getAttrOfType<IntegerAttr>(kIdAttr);
        auto part = op.getAttrOfType<StringAttr>(kPartAttr);
        if (!id || !part)
          continue;
        Group &group = groups[id.getInt()];
        group.ops.push_back(&op);
        group.parts[part.getValue()] = &op;
      }
      for (auto &entry : groups)
        if (succeeded(replace(entry.second, module, symbols, symbol)))
          ++numKernels, ++attentionCount;
      eraseDeadCopies(copies);
    });
  }

  LogicalResult replace(Group &group, ModuleOp module, SymbolTable &symbols,
                        StringRef symbol) {
    for (StringRef part : {"scores-init", "scores", "logits", "max-init", "max",
                           "sum-init", "sum", "probs", "output-init", "output"})
      if (!group.parts.count(part))
        return failure();
    auto scores = dyn_cast<linalg::GenericOp>(group.parts["scores"]);
    auto logits = dyn_cast<linalg::GenericOp>(group.parts["logits"]);
    auto output = dyn_cast<linalg::GenericOp>(group.parts["output"]);
    auto config =
        output ? output->getAttrOfType<DictionaryAttr>(kConfigAttr) : nullptr;
    if (!scores || !logits || !output || !config ||
        !output.hasPureBufferSemantics() || !scores.hasPureBufferSemantics())
      return failure();
    Value q = scores.getDpsInputs()[0], k = scores.getDpsInputs()[1];
    Value v = output.getDpsInputs()[1], o = output.getDpsInits()[0];
    Value mask =
        logits.getNumDpsInputs() == 2 ? logits.getDpsInputs()[1] : Value();
    auto oType = dyn_cast<MemRefType>(o.getType());
    if (!oType || !oType.getElementType().isF32())
      return failure();
    int64_t rank = oType.getRank();
    if (rank != 3 && rank != 4)
      return failure();
    for (Value x : {q, k, v, o})
      if (!hasUnitInnerStride(x, rank) ||
          !cast<MemRefType>(x.getType()).getElementType().isF32())
        return failure();
    auto qType = cast<MemRefType>(q.getType());
    int64_t headDim = qType.getDimSize(rank - 1);
    int64_t valueDim = oType.getDimSize(rank - 1);
    if (ShapedType::isDynamic(headDim) || ShapedType::isDynamic(valueDim))
      return failure();
    StringRef kind = cast<StringAttr>(config.get("mask_kind")).getValue();
    if (mask) {
      auto mType = cast<MemRefType>(mask.getType());
      int64_t offset;
      SmallVector<int64_t> strides;
      if (mType.getRank() != rank ||
          failed(getStridesAndOffset(mType, strides, offset)) ||
          (kind == "boolean" && offset != 0))
        return failure();
    }
    // Nothing between the group's first and last op may write memory the
    // kernel reads.
    Operation *first = group.ops.front(), *last = group.ops.back();
    if (last != output.getOperation())
      return failure();
    llvm::SmallPtrSet<Operation *, 16> members(group.ops.begin(),
                                               group.ops.end());
    for (Operation *op = first; op != last; op = op->getNextNode())
      if (!members.contains(op) && !isMemoryEffectFree(op) &&
          !isa<memref::AllocOp, memref::DeallocOp>(op))
        return failure();

    // The kernel reads Q, K, V and the mask where the output op was: no op
    // of the group may have reused their buffers for its results.
    llvm::SmallPtrSet<Value, 8> written;
    for (Operation *op : group.ops)
      if (auto dps = dyn_cast<DestinationStyleOpInterface>(op))
        for (Value init : dps.getDpsInits())
          written.insert(getRootBuffer(init));
    for (Value x : {q, k, v, mask})
      if (x && written.contains(getRootBuffer(x)))
        return failure();

    // Q, K and V read, and O written, in place of the transposes that copy
    // them from and to the heads' layout.
    SmallVector<Operation *> deallocs;
    for (Value *x : {&q, &k, &v})
      if (Value view = readThroughTranspose(*x, first, output, members, written,
                                            deallocs, copies))
        *x = view;
    Value oView;
    linalg::TransposeOp outputTranspose =
        writeThroughTranspose(o, output, members, {q, k, v, mask}, oView);
    if (outputTranspose)
      o = oView;

    OpBuilder b(output);
    Location loc = output.getLoc();
    fulcrum::KernelCallBuilder call(b, loc);
    auto qa = call.address(q), ka = call.address(k), va = call.address(v),
         oa = call.address(o);
    Value zero = call.constant(0);
    // (batch, heads) strides: rank 3 is one batch of `dim 0` heads.
    auto lead = [&](fulcrum::KernelCallBuilder::Address &a) {
      return rank == 4
                 ? SmallVector<Value>{a.strides[0], a.strides[1], a.strides[2]}
                 : SmallVector<Value>{zero, a.strides[0], a.strides[1]};
    };
    // (batch, heads, Lq, Lk, D, Dv); heads are dim 1 of rank 4, dim 0 of
    // rank 3.
    SmallVector<Value> args = {rank == 4 ? call.dim(q, 0) : call.constant(1),
                               call.dim(q, rank == 4 ? 1 : 0),
                               call.dim(q, rank - 2),
                               call.dim(k, rank - 2),
                               call.constant(headDim),
                               call.constant(valueDim)};
    for (auto *a : {&qa, &ka, &va, &oa}) {
      args.push_back(a->at);
      llvm::append_range(args, lead(*a));
    }
    int64_t flags = 0;
    if (mask) {
      auto mType = cast<MemRefType>(mask.getType());
      auto ma = call.address(mask);
      args.push_back(ma.at);
      SmallVector<Value> strides(ma.strides);
      for (int64_t d = 0; d < rank; ++d)
        if (mType.getDimSize(d) == 1)
          strides[d] = zero;
      if (rank == 3)
        strides.insert(strides.begin(), zero);
      llvm::append_range(args, strides);
      flags = kind == "additive" ? 1 : 2;
    } else {
      args.append({zero, zero, zero, zero, zero});
    }
    if (cast<BoolAttr>(config.get("causal")).getValue())
      flags |= 4;
    auto precision = config.getAs<StringAttr>("precision");
    bool bf16 = precision && precision.getValue() == "bf16";
    if (bf16)
      flags |= 8;
    float scale = static_cast<float>(
        cast<FloatAttr>(config.get("scale")).getValueAsDouble());
    int64_t window = cast<IntegerAttr>(config.get("window")).getInt();
    int64_t global = cast<IntegerAttr>(config.get("global_tokens")).getInt();
    int64_t keys = cast<MemRefType>(k.getType()).getDimSize(rank - 2);
    int64_t keyTile = tile;
    if (keyTile <= 0) {
      fulcrum::cost::AttentionShape shape;
      shape.keys = ShapedType::isDynamic(keys) ? kDynamicKeys : keys;
      int64_t queries = qType.getDimSize(rank - 2);
      shape.queries = ShapedType::isDynamic(queries) ? shape.keys : queries;
      shape.pairs = 1;
      for (int64_t d = 0; d + 2 < rank; ++d)
        if (!ShapedType::isDynamic(qType.getDimSize(d)))
          shape.pairs *= qType.getDimSize(d);
      shape.headDim = headDim;
      shape.valueDim = valueDim;
      shape.bf16 = bf16;
      shape.masked = mask || (flags & 4) || window > 0;
      keyTile = fulcrum::cost::chooseAttentionKeyTile(target, shape);
    }
    if (!ShapedType::isDynamic(keys) && keyTile >= keys)
      ++numDirect;
    else
      ++numTiled;
    args.append({call.constant(flags), call.constant(fulcrum::floatBits(scale)),
                 call.constant(window), call.constant(global),
                 call.constant(keyTile)});
    // The threads' scratch (packed keys, scores, accumulators), planned
    // with the other buffers when the key count is static; the kernel
    // allocates its own otherwise.
    Value workspace;
    if (!ShapedType::isDynamic(keys)) {
      int64_t slotFloats =
          fulcrum::attentionSlotFloats(keys, keyTile, headDim, valueDim, bf16);
      workspace = b.create<memref::AllocOp>(
          loc,
          MemRefType::get({slotFloats * fulcrum::kAttentionSlots},
                          b.getF32Type()),
          b.getI64IntegerAttr(64));
      args.append({call.address(workspace).at, call.constant(slotFloats),
                   call.constant(fulcrum::kAttentionSlots)});
    } else {
      args.append({zero, zero, zero});
    }
    func::FuncOp callee =
        fulcrum::declareKernel(module, symbols, symbol, args.size());
    auto kernelCall = b.create<func::CallOp>(loc, callee, args);
    // O's address is operand 18, the workspace's 32.
    fulcrum::setKernelWrites(kernelCall, workspace ? ArrayRef<int64_t>{18, 32}
                                                   : ArrayRef<int64_t>{18});
    if (workspace) {
      b.setInsertionPointAfter(kernelCall);
      b.create<memref::DeallocOp>(loc, workspace);
    }
    for (Operation *dealloc : llvm::reverse(deallocs))
      dealloc->moveAfter(kernelCall);
    if (outputTranspose)
      outputTranspose->erase();

    // The group's ops go; the buffers only they used go with them.
    llvm::SetVector<Operation *> allocs;
    for (Operation *op : group.ops)
      if (op != output.getOperation())
        if (auto dps = dyn_cast<DestinationStyleOpInterface>(op))
          for (Value init : dps.getDpsInits())
            if (auto alloc = init.getDefiningOp<memref::AllocOp>())
              allocs.insert(alloc);
    for (Operation *op : llvm::reverse(group.ops))
      op->erase();
    for (Operation *alloc : allocs)
      fulcrum::eraseIfOnlyDeallocated(alloc);
    return success();
  }
};

} // namespace
