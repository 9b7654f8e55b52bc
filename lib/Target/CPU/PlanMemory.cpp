//===- PlanMemory.cpp - fulcrum-cpu-plan-memory ---------------------------===//
//
// Part of Fulcrum. The intermediate buffers of a function share one arena,
// placed at compile time by their lifetimes.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Support/PassStatistic.h"
#include "fulcrum/Target/CPU/Passes.h"

#include "LinearSize.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace fulcrum {
#define GEN_PASS_DEF_CPUPLANMEMORY
#include "fulcrum/Target/CPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

static fulcrum::PassCounter plannedCount("fulcrum-cpu-plan-memory",
                                         "Buffers placed in an arena");

namespace {

constexpr int64_t kAlignment = 64;

int64_t alignUp(int64_t bytes) {
  return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}

/// A buffer of the function's top-level block that lives from its
/// allocation to its last use there.
struct Buffer {
  memref::AllocOp alloc;
  SmallVector<Operation *> deallocs;
  int64_t start = 0, end = 0; // positions in the block
  int64_t bytes = 0;          // static bytes, or bytes per batch row
  bool scaled = false;        // bytes * the batch size
  int64_t offset = 0;         // in the static part or per batch row
};

/// Places `buffers` first-fit, largest first, so that buffers that are
/// live at the same time do not overlap; returns the bytes used.
int64_t place(MutableArrayRef<Buffer *> buffers) {
  // Largest first; allocation order (positions are unique) breaks ties.
  llvm::sort(buffers, [](const Buffer *a, const Buffer *b) {
    return a->bytes != b->bytes ? a->bytes > b->bytes : a->start < b->start;
  });
  int64_t total = 0;
  SmallVector<Buffer *> placed;
  for (Buffer *buffer : buffers) {
    SmallVector<Buffer *> live;
    for (Buffer *other : placed)
      if (other->start <= buffer->end && buffer->start <= other->end)
        live.push_back(other);
    llvm::sort(live, [](const Buffer *a, const Buffer *b) {
      return a->offset < b->offset;
    });
    int64_t offset = 0, size = alignUp(buffer->bytes);
    for (Buffer *other : live) {
      if (offset + size <= other->offset)
        break;
      offset = std::max(offset, other->offset + alignUp(other->bytes));
    }
    buffer->offset = offset;
    total = std::max(total, offset + size);
    placed.push_back(buffer);
  }
  return total;
}

/// The position in `block` of the last op that uses `buffer` or a value
/// derived from it that may point into it: any memref an op makes from it
/// (views, the base buffer of its strided metadata, loop and branch
/// results), its address and integer arithmetic on that; uses in nested
/// regions count at their ancestor in `block`. Nothing when such a value
/// leaves the function.
std::optional<int64_t>
getLastUse(Value buffer, Block &block,
           const DenseMap<Operation *, int64_t> &position, bool &looped) {
  int64_t last = -1;
  SmallVector<Value> worklist = {buffer};
  DenseSet<Value> seen = {buffer};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (isa<memref::DeallocOp>(user))
        continue;
      if (isa<func::ReturnOp>(user))
        return std::nullopt;
      Operation *ancestor = block.findAncestorOpInBlock(*user);
      if (!ancestor)
        return std::nullopt;
      last = std::max(last, position.lookup(ancestor));
      looped |= isa<memref::LoadOp, memref::StoreOp>(user);
      // Any memref an op makes from the buffer may alias it (views, loop
      // and branch results, calls); addresses are integers.
      bool address = isa<memref::ExtractAlignedPointerAsIndexOp>(user) ||
                     user->getDialect()->getNamespace() == "arith";
      for (Value result : user->getResults())
        if ((address || isa<BaseMemRefType>(result.getType())) &&
            seen.insert(result).second)
          worklist.push_back(result);
    }
  }
  return last;
}

/// A size as `scale * batch + offset`, where the batch is one dimension of
/// one argument of the function (sizes are never negative).
using Linear = fulcrum::LinearSize;

/// The dimension `value` reads when it is a constant dimension of an
/// argument of `block`: the batch candidates.
std::optional<std::pair<BlockArgument, int64_t>> getArgumentDim(Value value,
                                                                Block &block) {
  auto dim = value.getDefiningOp<memref::DimOp>();
  if (!dim)
    return std::nullopt;
  auto source = dyn_cast<BlockArgument>(dim.getSource());
  std::optional<int64_t> index = dim.getConstantIndex();
  if (!source || source.getOwner() != &block || !index)
    return std::nullopt;
  return std::make_pair(source, *index);
}

/// `value` as a linear function of the batch `batch` (a dimension of an
/// argument; set from the first one met).
std::optional<Linear>
getLinear(Value value, Block &block,
          std::optional<std::pair<BlockArgument, int64_t>> &batch) {
  bool mismatch = false;
  std::optional<Linear> size =
      fulcrum::getLinearSize(value, [&](Value v) -> std::optional<Linear> {
        auto dim = getArgumentDim(v, block);
        if (!dim)
          return std::nullopt;
        if (!batch)
          batch = dim;
        mismatch |= *batch != *dim;
        return Linear{1, 0};
      });
  if (mismatch)
    return std::nullopt;
  return size;
}

/// A batch tile's arena and its workspace variant.
struct Tile {
  func::FuncOp variant;
  int64_t staticBytes = 0, scaledBytes = 0;
};

/// `staticBytes + rows * scaledBytes` (index).
Value sizeAt(OpBuilder &b, Location loc, Value rows, int64_t staticBytes,
             int64_t scaledBytes) {
  Value base = b.create<arith::ConstantIndexOp>(loc, staticBytes);
  Value perRow = b.create<arith::ConstantIndexOp>(loc, scaledBytes);
  return b.create<arith::AddIOp>(loc, base,
                                 b.create<arith::MulIOp>(loc, rows, perRow));
}

/// `bytes` rounded up to the arena's alignment (index).
Value alignUp(OpBuilder &b, Location loc, Value bytes) {
  Value align = b.create<arith::ConstantIndexOp>(loc, kAlignment);
  Value up = b.create<arith::AddIOp>(
      loc, bytes, b.create<arith::ConstantIndexOp>(loc, kAlignment - 1));
  return b.create<arith::MulIOp>(loc, b.create<arith::DivUIOp>(loc, up, align),
                                 align);
}

struct CPUPlanMemoryPass
    : public fulcrum::impl::CPUPlanMemoryBase<CPUPlanMemoryPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
    // Batch tiles (fulcrum-cpu-tile-batch) first: the entry point's
    // workspace variant calls theirs.
    DenseMap<Operation *, Tile> tiles;
    for (func::FuncOp function : functions) {
      if (function.isDeclaration() ||
          !function->removeAttr("fulcrum.batch_tile"))
        continue;
      Tile tile;
      memref::AllocOp arena =
          planFunction(function, tile.staticBytes, tile.scaledBytes);
      tile.variant = emitWorkspaceVariant(module, function, arena, tiles,
                                          /*slotted=*/true, tile.staticBytes,
                                          tile.scaledBytes);
      tiles[function] = tile;
    }
    for (func::FuncOp function : functions) {
      if (function.isDeclaration() || tiles.count(function))
        continue;
      int64_t staticBytes = 0, scaledBytes = 0;
      memref::AllocOp arena = planFunction(function, staticBytes, scaledBytes);
      auto reserve =
          function->getAttrOfType<FlatSymbolRefAttr>("fulcrum.tile_reserve");
      function->removeAttr("fulcrum.tile_reserve");
      if (function->hasAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName())) {
        emitSizeFunction(module, function, staticBytes, scaledBytes, reserve,
                         tiles);
        emitWorkspaceVariant(module, function, arena, tiles,
                             /*slotted=*/false);
      }
    }
  }

  /// Frees `buffer` right after its last use instead of where the
  /// deallocation pipeline put it.
  void freeEarly(Buffer &buffer, ArrayRef<Operation *> order) {
    Operation *last = order[buffer.end];
    if (last->hasTrait<OpTrait::IsTerminator>())
      return;
    OpBuilder b(last->getContext());
    b.setInsertionPointAfter(last);
    b.create<memref::DeallocOp>(buffer.alloc.getLoc(), buffer.alloc);
    for (Operation *dealloc : buffer.deallocs)
      dealloc->erase();
    ++numFreedEarly;
  }

  /// Collects the buffers of `function` that can share the arena.
  SmallVector<Buffer> collect(Block &block, Value &batch) {
    std::optional<std::pair<BlockArgument, int64_t>> batchDim;
    DenseMap<Operation *, int64_t> position;
    SmallVector<Operation *> order;
    for (Operation &op : block) {
      position[&op] = order.size();
      order.push_back(&op);
    }
    SmallVector<Buffer> buffers;
    for (auto alloc : block.getOps<memref::AllocOp>()) {
      MemRefType type = alloc.getType();
      Type element = type.getElementType();
      if (!type.getLayout().isIdentity() || type.getMemorySpace() ||
          !element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8 ||
          alloc.getSymbolOperands().size() ||
          alloc.getDynamicSizes().size() > 1)
        continue;
      Buffer buffer;
      buffer.alloc = alloc;
      buffer.start = position[alloc];
      buffer.bytes = element.getIntOrFloatBitWidth() / 8;
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (!type.isDynamicDim(d))
          buffer.bytes *= type.getDimSize(d);
      if (!alloc.getDynamicSizes().empty()) {
        // A run-time size proved to be a multiple of the batch, or a
        // constant.
        Value size = alloc.getDynamicSizes()[0];
        std::optional<Linear> linear = getLinear(size, block, batchDim);
        if (!linear || linear->scale < 0 || linear->offset < 0 ||
            (linear->scale && linear->offset))
          continue;
        if (linear->scale) {
          buffer.scaled = true;
          buffer.bytes *= linear->scale;
          if (!batch) {
            // The batch as a value, at the start of the block where the
            // arena will be allocated.
            OpBuilder b = OpBuilder::atBlockBegin(&block);
            batch = b.create<memref::DimOp>(alloc.getLoc(), batchDim->first,
                                            batchDim->second);
          }
        } else {
          buffer.bytes *= linear->offset;
        }
      }
      // Freed in this block (not conditionally, in a region), and not
      // handed to the caller (those are never freed here).
      bool ok = true;
      for (Operation *user : alloc->getUsers())
        if (isa<memref::DeallocOp>(user)) {
          if (user->getBlock() != &block)
            ok = false;
          else
            buffer.deallocs.push_back(user);
        }
      if (!ok || buffer.deallocs.empty())
        continue;
      // The deallocation may come long after the last use.
      bool looped = false;
      std::optional<int64_t> last = getLastUse(alloc, block, position, looped);
      if (!last)
        continue;
      buffer.end = std::max(buffer.start, *last);
      // Loops over views of one arena lose LLVM's proof that their
      // operands do not overlap, and with it vectorization: a buffer that
      // loops read or write keeps its own allocation, freed right after
      // its last use so the allocator's cache can hand it on.
      if (looped) {
        freeEarly(buffer, order);
        continue;
      }
      buffers.push_back(buffer);
    }
    return buffers;
  }

  /// Plans `function`'s buffers; returns the arena, if it has one.
  memref::AllocOp planFunction(func::FuncOp function, int64_t &staticBytes,
                               int64_t &scaledBytes) {
    Block &block = function.getBody().front();
    if (!isa<func::ReturnOp>(block.getTerminator()))
      return nullptr;
    Value batch;
    SmallVector<Buffer> buffers = collect(block, batch);
    SmallVector<Buffer *> fixed, scaled;
    for (Buffer &buffer : buffers)
      (buffer.scaled ? scaled : fixed).push_back(&buffer);
    if (fixed.size() + scaled.size() < 2)
      return nullptr;
    staticBytes = place(fixed);
    scaledBytes = place(scaled);

    // The arena, right after the batch size is known: static part first,
    // then the part that grows with the batch.
    OpBuilder b(function.getContext());
    if (batch)
      b.setInsertionPointAfter(batch.getDefiningOp());
    else
      b.setInsertionPointToStart(&block);
    Location loc = function.getLoc();
    Value total = scaled.empty()
                      ? b.create<arith::ConstantIndexOp>(loc, staticBytes)
                      : sizeAt(b, loc, batch, staticBytes, scaledBytes);
    auto arenaType =
        MemRefType::get({ShapedType::kDynamic}, b.getIntegerType(8));
    auto arena = b.create<memref::AllocOp>(loc, arenaType, ValueRange{total},
                                           b.getI64IntegerAttr(kAlignment));
    for (Buffer *buffer : llvm::concat<Buffer *>(fixed, scaled)) {
      OpBuilder at(buffer->alloc);
      Location allocLoc = buffer->alloc.getLoc();
      // Scaled buffers lie at staticBytes + batch * offset.
      Value shift =
          buffer->scaled
              ? sizeAt(at, allocLoc, batch, staticBytes, buffer->offset)
              : at.create<arith::ConstantIndexOp>(allocLoc, buffer->offset);
      Value view =
          at.create<memref::ViewOp>(allocLoc, buffer->alloc.getType(), arena,
                                    shift, buffer->alloc.getDynamicSizes());
      for (Operation *dealloc : buffer->deallocs)
        dealloc->erase();
      buffer->alloc.replaceAllUsesWith(view);
      buffer->alloc->erase();
      ++numPlanned;
      ++plannedCount;
    }
    OpBuilder end(block.getTerminator());
    end.create<memref::DeallocOp>(loc, arena);
    return arena;
  }

  /// `<name>_workspace(args..., memref<?xi8> workspace) -> results`: the
  /// function's body, taking its arena from the caller's workspace when
  /// that is large enough (else allocating it as usual); its calls of batch
  /// tiles pass the workspace on. The function itself becomes a call of it
  /// with an empty workspace. A `slotted` function (a batch tile) takes
  /// slot `slot` of the workspace, slots being the arena's bytes at `rows`
  /// (its last two arguments), so that the threads' calls do not overlap.
  func::FuncOp emitWorkspaceVariant(ModuleOp module, func::FuncOp function,
                                    memref::AllocOp arena,
                                    const DenseMap<Operation *, Tile> &tiles,
                                    bool slotted, int64_t staticBytes = 0,
                                    int64_t scaledBytes = 0) {
    MLIRContext *context = function.getContext();
    Location loc = function.getLoc();
    auto bytesType =
        MemRefType::get({ShapedType::kDynamic}, IntegerType::get(context, 8));
    if (arena)
      arena->setAttr("fulcrum.arena", UnitAttr::get(context));
    func::FuncOp variant = function.clone();
    variant.setName((function.getSymName() + "_workspace").str());
    unsigned count = variant.getNumArguments();
    variant.insertArgument(count, bytesType, {}, loc);
    Value workspace = variant.getArgument(count);
    Value tileWorkspace = workspace;
    module.getBody()->push_back(variant);
    SymbolTable(module).insert(variant);
    if (arena) {
      arena->removeAttr("fulcrum.arena");
      memref::AllocOp copy;
      variant.walk([&](memref::AllocOp alloc) {
        if (alloc->hasAttr("fulcrum.arena"))
          copy = alloc;
      });
      OpBuilder b(copy);
      Value needed = copy.getDynamicSizes()[0];
      // A workspace too small for the arena is not used; a slotted call's
      // arena is its slot: `slotBytes` bytes at `offset`.
      Value have = b.create<memref::DimOp>(loc, workspace, 0);
      Value offset, small;
      if (slotted) {
        Value slot = variant.getArgument(count - 2);
        Value rows = variant.getArgument(count - 1);
        Value slotBytes =
            alignUp(b, loc, sizeAt(b, loc, rows, staticBytes, scaledBytes));
        offset = b.create<arith::MulIOp>(loc, slot, slotBytes);
        small = b.create<arith::OrIOp>(
            loc,
            b.create<arith::CmpIOp>(
                loc, arith::CmpIPredicate::ult, have,
                b.create<arith::AddIOp>(loc, offset, slotBytes)),
            b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ugt, needed,
                                    slotBytes));
      } else {
        small = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, have,
                                        needed);
      }
      auto choice = b.create<scf::IfOp>(
          loc, small,
          [&](OpBuilder &then, Location at) {
            Value own = then.create<memref::AllocOp>(
                at, bytesType, ValueRange{needed},
                then.getI64IntegerAttr(kAlignment));
            then.create<scf::YieldOp>(at, own);
          },
          [&](OpBuilder &otherwise, Location at) {
            Value mine = workspace;
            if (slotted)
              mine = otherwise.create<memref::ViewOp>(
                  at, bytesType, workspace, offset, ValueRange{needed});
            otherwise.create<scf::YieldOp>(at, mine);
          });
      Value chosen = choice.getResult(0);
      for (Operation *user : llvm::make_early_inc_range(copy->getUsers()))
        if (auto dealloc = dyn_cast<memref::DeallocOp>(user)) {
          OpBuilder at(dealloc);
          at.create<scf::IfOp>(loc, small, [&](OpBuilder &then, Location l) {
            then.create<memref::DeallocOp>(l, chosen);
            then.create<scf::YieldOp>(l);
          });
          dealloc->erase();
        }
      copy.getResult().replaceAllUsesWith(chosen);
      copy->erase();
      if (!slotted) {
        // The tiles' slots follow this arena in the workspace.
        OpBuilder after(choice);
        after.setInsertionPointAfter(choice);
        Value shift = alignUp(after, loc, needed);
        Value rest = after.create<arith::SubIOp>(
            loc, after.create<arith::MaxUIOp>(loc, have, shift), shift);
        tileWorkspace = after.create<memref::ViewOp>(loc, bytesType, workspace,
                                                     shift, ValueRange{rest});
      }
    }
    // Batch tiles get the workspace too.
    variant.walk([&](func::CallOp call) {
      auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
      auto it = callee ? tiles.find(callee) : tiles.end();
      if (it == tiles.end())
        return;
      OpBuilder b(call);
      SmallVector<Value> operands(call.getOperands());
      operands.push_back(tileWorkspace);
      auto replacement =
          b.create<func::CallOp>(call.getLoc(), it->second.variant, operands);
      call.replaceAllUsesWith(replacement.getResults());
      call->erase();
    });
    // The function: the variant with an empty workspace.
    function.getBody().dropAllReferences();
    function.getBody().getBlocks().clear();
    Block *body = function.addEntryBlock();
    OpBuilder b = OpBuilder::atBlockBegin(body);
    Value none = b.create<memref::AllocaOp>(
        loc, MemRefType::get({0}, IntegerType::get(context, 8)));
    SmallVector<Value> args(body->getArguments());
    args.push_back(b.create<memref::CastOp>(loc, bytesType, none));
    auto call = b.create<func::CallOp>(loc, variant, args);
    b.create<func::ReturnOp>(loc, call.getResults());
    return variant;
  }

  /// `i64 fulcrum_workspace_size_<name>(i64 batch)`: the arena's bytes,
  /// and for a batch-tiled entry point those of the most slots its tile's
  /// calls take at any batch up to that one with the threads OpenMP will
  /// use (`reserve`), so that a workspace sized for a batch serves every
  /// smaller one.
  void emitSizeFunction(ModuleOp module, func::FuncOp function,
                        int64_t staticBytes, int64_t scaledBytes,
                        FlatSymbolRefAttr reserve,
                        const DenseMap<Operation *, Tile> &tiles) {
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    Location loc = function.getLoc();
    auto i64 = b.getI64Type();
    auto size = b.create<func::FuncOp>(
        loc, ("fulcrum_workspace_size_" + function.getSymName()).str(),
        b.getFunctionType({i64}, {i64}));
    Block *body = size.addEntryBlock();
    b.setInsertionPointToStart(body);
    Value bytes = b.create<arith::AddIOp>(
        loc, b.create<arith::ConstantIntOp>(loc, staticBytes, 64),
        b.create<arith::MulIOp>(
            loc, body->getArgument(0),
            b.create<arith::ConstantIntOp>(loc, scaledBytes, 64)));
    // The tile the entry point calls.
    const Tile *tile = nullptr;
    function.walk([&](func::CallOp call) {
      auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
      if (auto it = tiles.find(callee); callee && it != tiles.end())
        tile = &it->second;
    });
    auto reserveFn =
        reserve ? module.lookupSymbol<func::FuncOp>(reserve) : func::FuncOp();
    if (tile && reserveFn) {
      Value batch = b.create<arith::IndexCastOp>(loc, b.getIndexType(),
                                                 body->getArgument(0));
      auto plan = b.create<func::CallOp>(loc, reserveFn, ValueRange{batch});
      auto slot = [&](Value rows) {
        return alignUp(
            b, loc, sizeAt(b, loc, rows, tile->staticBytes, tile->scaledBytes));
      };
      Value shared = b.create<arith::MulIOp>(loc, plan.getResult(0),
                                             slot(plan.getResult(1)));
      Value total = b.create<arith::AddIOp>(
          loc,
          alignUp(b, loc,
                  b.create<arith::IndexCastOp>(loc, b.getIndexType(), bytes)),
          b.create<arith::MaxUIOp>(loc, shared, slot(plan.getResult(2))));
      bytes = b.create<arith::IndexCastOp>(loc, i64, total);
    }
    b.create<func::ReturnOp>(loc, bytes);
  }
};

} // namespace
