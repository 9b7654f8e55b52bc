//===- TileBatch.cpp - fulcrum-cpu-tile-batch -----------------------------===//
//
// Part of Fulcrum. A batch-separable entry point runs in chunks of images
// that fit the cache, spread over the threads.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Support/PassStatistic.h"
#include "fulcrum/Target/CPU/Passes.h"

#include "LinearSize.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/EquivalenceClasses.h"

#include <cmath>

namespace fulcrum {
#define GEN_PASS_DEF_CPUTILEBATCH
#include "fulcrum/Target/CPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

static fulcrum::PassCounter tiledCount("fulcrum-cpu-tile-batch",
                                       "Entry points run in batch chunks");

namespace {

/// The flops (2^18 multiply-adds, gemm.c's PARALLEL_WORK) below which the
/// kernels keep a product on one thread.
constexpr double kParallelWork = 1 << 19;

using Linear = fulcrum::LinearSize;

/// The proof that a function is batch-separable, and what it learned on
/// the way.
class Separability {
public:
  /// Whether `function`'s body is batch-separable (see the pass
  /// description); fills the facts below. Ops with at least `balance`
  /// flops per byte they move are bound by compute, not by the cache.
  bool analyze(func::FuncOp function, double balance);

  /// The arguments that carry the batch.
  SmallVector<bool> carriedArguments;
  /// The largest bytes per image one op reads and writes; 0: unknown.
  int64_t footprint = 0;
  /// The arithmetic of one image (iterations times body ops); 0: unknown.
  double work = 0;

private:
  bool visit(Operation *op);
  bool visitLinalg(linalg::LinalgOp op);
  bool carry(Value value, int64_t rows, unsigned origin);
  /// `value` as a linear function of the batch (a dimension 0 of a value
  /// that carries it counts its rows per image).
  /// With `origin`, the batches the proof reads are merged into it.
  std::optional<Linear> linear(Value value,
                               std::optional<unsigned> *origin = nullptr);
  bool tainted(Value value) const { return derived.contains(value); }
  std::optional<int64_t> bytesPerImage(Value value) const;
  std::optional<double> flopsPerImage(Operation *op) const;

  /// Values whose dimension 0 holds the batch: rows per image, and the
  /// argument they derive from (merged when ops combine arguments).
  DenseMap<Value, std::pair<int64_t, unsigned>> carried;
  /// Integers and shapes computed from the batch size.
  DenseSet<Value> derived;
  llvm::EquivalenceClasses<unsigned> origins;
  bool unknownFootprint = false, unknownWork = false;
};

/// The product of `type`'s sizes in `dims`; nothing when one is dynamic.
template <typename Dims>
static std::optional<int64_t> staticProduct(RankedTensorType type,
                                            Dims &&dims) {
  int64_t product = 1;
  for (int64_t d : dims) {
    if (type.isDynamicDim(d))
      return std::nullopt;
    product *= type.getDimSize(d);
  }
  return product;
}

/// The sizes of `type` after dimension 0; nothing when one is dynamic.
static std::optional<int64_t> rowSize(RankedTensorType type) {
  return staticProduct(type, llvm::seq<int64_t>(1, type.getRank()));
}

bool Separability::carry(Value value, int64_t rows, unsigned origin) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() == 0 || !type.isDynamicDim(0) || rows < 1)
    return false;
  carried[value] = {rows, origin};
  return true;
}

std::optional<int64_t> Separability::bytesPerImage(Value value) const {
  auto it = carried.find(value);
  auto type = cast<RankedTensorType>(value.getType());
  if (it == carried.end() || !type.getElementType().isIntOrFloat())
    return std::nullopt;
  std::optional<int64_t> row = rowSize(type);
  if (!row)
    return std::nullopt;
  return std::max<int64_t>(1, type.getElementTypeBitWidth() / 8) *
         it->second.first * *row;
}

/// The arithmetic of one image's share of `op`: its iterations times the
/// ops of its body (pads and copies have none).
std::optional<double> Separability::flopsPerImage(Operation *op) const {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp)
    return 0.0;
  double iterations = 1;
  for (int64_t range : linalgOp.getStaticLoopRanges())
    if (!ShapedType::isDynamic(range))
      iterations *= static_cast<double>(range);
  // The batch loop's range is dynamic; one image is `rows` iterations of it.
  int64_t rows = 1;
  for (Value result : op->getResults())
    if (auto it = carried.find(result); it != carried.end())
      rows = it->second.first;
  int64_t dynamicLoops =
      llvm::count_if(linalgOp.getStaticLoopRanges(), ShapedType::isDynamic);
  if (dynamicLoops > 1)
    return std::nullopt;
  int64_t bodyOps = 0;
  for (Operation &inner : linalgOp.getBlock()->without_terminator())
    bodyOps += !isa<linalg::IndexOp>(inner);
  return iterations * static_cast<double>(rows) *
         static_cast<double>(std::max<int64_t>(1, bodyOps));
}

std::optional<Linear> Separability::linear(Value value,
                                           std::optional<unsigned> *origin) {
  return fulcrum::getLinearSize(value, [&](Value v) -> std::optional<Linear> {
    auto dim = v.getDefiningOp<tensor::DimOp>();
    if (!dim)
      return std::nullopt;
    auto it = carried.find(dim.getSource());
    if (it == carried.end() || dim.getConstantIndex() != 0)
      return std::nullopt;
    if (origin) {
      if (*origin)
        origins.unionSets(**origin, it->second.second);
      *origin = it->second.second;
    }
    return Linear{it->second.first, 0};
  });
}

bool Separability::visitLinalg(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics())
    return false;
  std::optional<unsigned> loop;
  int64_t rows = 0;
  std::optional<unsigned> origin;
  for (OpOperand &operand : op->getOpOperands()) {
    auto it = carried.find(operand.get());
    if (it == carried.end())
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (map.getNumResults() == 0)
      return false;
    auto dim = dyn_cast<AffineDimExpr>(map.getResult(0));
    if (!dim || (loop && *loop != dim.getPosition()) ||
        (rows && rows != it->second.first))
      return false;
    loop = dim.getPosition();
    rows = it->second.first;
    if (origin)
      origins.unionSets(*origin, it->second.second);
    origin = it->second.second;
  }
  if (!loop)
    return true; // no batch: the results are batch-free
  if (op.getIteratorTypesArray()[*loop] != utils::IteratorType::parallel)
    return false;
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    bool isCarried = carried.contains(operand.get());
    // Inits must carry the batch: a batch-free one would be written by
    // every image.
    if (!isCarried && op.isDpsInit(&operand))
      return false;
    for (unsigned i = isCarried ? 1 : 0; i < map.getNumResults(); ++i)
      if (map.getResult(i).isFunctionOfDim(*loop))
        return false;
  }
  bool indexed = false;
  op->walk([&](linalg::IndexOp index) { indexed |= index.getDim() == *loop; });
  if (indexed)
    return false;
  for (Value result : op->getResults())
    if (!carry(result, rows, *origin))
      return false;
  return true;
}

bool Separability::visit(Operation *op) {
  bool anyCarried = llvm::any_of(op->getOperands(),
                                 [&](Value v) { return carried.contains(v); });
  bool anyTainted =
      llvm::any_of(op->getOperands(), [&](Value v) { return tainted(v); });
  // Regions may not reach batch values from above.
  if (op->getNumRegions()) {
    SetVector<Value> above;
    for (Region &region : op->getRegions())
      getUsedValuesDefinedAbove(region, above);
    for (Value value : above)
      if (carried.contains(value) || tainted(value))
        return false;
  }
  if (!anyCarried && !anyTainted)
    return true;

  // The batch size and integers computed from it.
  if (auto dim = dyn_cast<tensor::DimOp>(op)) {
    std::optional<int64_t> index = dim.getConstantIndex();
    if (!index || tainted(dim.getIndex()))
      return false;
    if (*index == 0)
      derived.insert(dim.getResult());
    return true;
  }
  if (auto empty = dyn_cast<tensor::EmptyOp>(op)) {
    RankedTensorType type = empty.getType();
    if (!type.isDynamicDim(0))
      return false;
    for (int64_t d = 1; d < type.getRank(); ++d)
      if (type.isDynamicDim(d) && tainted(empty.getDynamicSize(d)))
        return false;
    // The argument: the one the size was read from.
    std::optional<unsigned> origin;
    std::optional<Linear> size = linear(empty.getDynamicSize(0), &origin);
    if (!size || size->offset || size->scale < 1)
      return false;
    return origin && carry(empty.getResult(), size->scale, *origin);
  }

  // Shapes and other integers computed from the batch size alone (their
  // uses are checked in turn: linalg ops take none).
  if (!anyCarried && op->getNumRegions() == 0 && isMemoryEffectFree(op)) {
    for (Value result : op->getResults())
      derived.insert(result);
    return true;
  }
  // Tensors that carry the batch.
  auto source = [&]() { return carried.lookup(op->getOperand(0)); };
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    // Integer shape arithmetic on tensors (a Reshape's -1) may take the
    // batch size; data may not.
    if (anyTainted && !anyCarried) {
      for (Value result : op->getResults()) {
        auto type = dyn_cast<RankedTensorType>(result.getType());
        if (!type || !type.getElementType().isSignlessInteger() ||
            !type.hasStaticShape())
          return false;
        derived.insert(result);
      }
      return true;
    }
    return !anyTainted && visitLinalg(linalgOp);
  }
  if (auto cast = dyn_cast<tensor::CastOp>(op)) {
    if (!carried.contains(cast.getSource()))
      return false;
    auto [rows, origin] = source();
    return carry(cast.getResult(), rows, origin);
  }
  if (auto pad = dyn_cast<tensor::PadOp>(op)) {
    if (!carried.contains(pad.getSource()) || anyTainted)
      return false;
    SmallVector<OpFoldResult> low = pad.getMixedLowPad(),
                              high = pad.getMixedHighPad();
    if (!isConstantIntValue(low[0], 0) || !isConstantIntValue(high[0], 0))
      return false;
    auto [rows, origin] = source();
    return carry(pad.getResult(), rows, origin);
  }
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
    auto it = carried.find(slice.getSource());
    if (it == carried.end())
      return false;
    SmallVector<OpFoldResult> offsets = slice.getMixedOffsets(),
                              sizes = slice.getMixedSizes(),
                              strides = slice.getMixedStrides();
    for (unsigned d = 1; d < offsets.size(); ++d)
      for (OpFoldResult value : {offsets[d], sizes[d], strides[d]})
        if (auto v = dyn_cast<Value>(value); v && tainted(v))
          return false;
    auto size = dyn_cast<Value>(sizes[0]);
    if (!isConstantIntValue(offsets[0], 0) ||
        !isConstantIntValue(strides[0], 1) || !size ||
        !(linear(size) == std::optional<Linear>(Linear{it->second.first, 0})) ||
        slice.getDroppedDims().test(0))
      return false;
    return carry(slice.getResult(), it->second.first, it->second.second);
  }
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
    auto it = carried.find(collapse.getSrc());
    if (it == carried.end())
      return false;
    // Group 0 starts with dimension 0; its other sizes join each image.
    std::optional<int64_t> joined = staticProduct(
        collapse.getSrcType(),
        ArrayRef<int64_t>(collapse.getReassociationIndices()[0]).drop_front());
    if (!joined)
      return false;
    return carry(collapse.getResult(), it->second.first * *joined,
                 it->second.second);
  }
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
    auto it = carried.find(expand.getSrc());
    if (it == carried.end())
      return false;
    RankedTensorType type = expand.getResultType();
    std::optional<int64_t> split = staticProduct(
        type,
        ArrayRef<int64_t>(expand.getReassociationIndices()[0]).drop_front());
    if (!split)
      return false;
    // Output sizes of the other groups must not come from the batch.
    // (Dimension 0's size is the only one that may.)
    unsigned dynamicIndex = 0;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d))
        continue;
      Value size = expand.getOutputShape()[dynamicIndex++];
      if (d && tainted(size))
        return false;
    }
    if (it->second.first % *split)
      return false;
    return carry(expand.getResult(), it->second.first / *split,
                 it->second.second);
  }
  if (auto reshape = dyn_cast<tensor::ReshapeOp>(op)) {
    auto it = carried.find(reshape.getSource());
    if (it == carried.end())
      return false;
    auto from = cast<RankedTensorType>(reshape.getSource().getType());
    auto to = dyn_cast<RankedTensorType>(reshape.getResult().getType());
    if (!to || to.getRank() == 0)
      return false;
    std::optional<int64_t> image = rowSize(from), row = rowSize(to);
    if (!image || !row)
      return false;
    // Whole images map to whole rows.
    int64_t elements = it->second.first * *image;
    if (*row == 0 || elements % *row)
      return false;
    return carry(reshape.getResult(), elements / *row, it->second.second);
  }
  if (auto ret = dyn_cast<func::ReturnOp>(op)) {
    for (Value value : ret.getOperands()) {
      auto it = carried.find(value);
      if (it == carried.end() || it->second.first != 1)
        return false;
    }
    return true;
  }
  return false;
}

bool Separability::analyze(func::FuncOp function, double balance) {
  if (function.isDeclaration() || !function.getBody().hasOneBlock())
    return false;
  Block &block = function.getBody().front();
  for (BlockArgument arg : block.getArguments()) {
    unsigned index = arg.getArgNumber();
    bool isCarried = carry(arg, 1, index);
    carriedArguments.push_back(isCarried);
    if (isCarried)
      origins.insert(index);
  }
  if (!llvm::is_contained(carriedArguments, true))
    return false;
  // The results need static trailing sizes for the full outputs.
  for (Type type : function.getResultTypes()) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || tensor.getRank() == 0)
      return false;
    for (int64_t d = 1; d < tensor.getRank(); ++d)
      if (tensor.isDynamicDim(d))
        return false;
  }
  for (Operation &op : block) {
    if (!visit(&op))
      return false;
    // The working set of this op per image (an init is the buffer its
    // result takes), when the op is bound by memory traffic.
    if (isa<tensor::CastOp, tensor::CollapseShapeOp, tensor::ExpandShapeOp,
            tensor::ReshapeOp, tensor::DimOp, tensor::EmptyOp>(op))
      continue;
    DenseSet<Value> values;
    auto dps = dyn_cast<DestinationStyleOpInterface>(&op);
    for (OpOperand &operand : op.getOpOperands())
      if (carried.contains(operand.get()) && !(dps && dps.isDpsInit(&operand)))
        values.insert(operand.get());
    for (Value value : op.getResults())
      if (carried.contains(value))
        values.insert(value);
    int64_t bytes = 0;
    for (Value value : values) {
      std::optional<int64_t> b = bytesPerImage(value);
      if (!b)
        unknownFootprint = true;
      else
        bytes += *b;
    }
    std::optional<double> flops = flopsPerImage(&op);
    if (!flops) {
      unknownFootprint = unknownWork = true;
      continue;
    }
    work += *flops;
    if (!bytes || *flops / bytes < balance)
      footprint = std::max(footprint, bytes);
  }
  // Every argument that carries a batch must share it with the others.
  std::optional<unsigned> first;
  for (auto [index, isCarried] : llvm::enumerate(carriedArguments)) {
    if (!isCarried)
      continue;
    if (!first)
      first = index;
    else if (!origins.isEquivalent(*first, index))
      return false;
  }
  if (unknownFootprint)
    footprint = 0;
  if (unknownWork)
    work = 0;
  return true;
}

struct CPUTileBatchPass
    : public fulcrum::impl::CPUTileBatchBase<CPUTileBatchPass> {
  using CPUTileBatchBase::CPUTileBatchBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto entry = module.lookupSymbol<func::FuncOp>(entryPoint);
    if (!entry)
      return;
    Separability proof;
    if (!proof.analyze(entry, balance))
      return;
    // Images per chunk: half the last-level cache over the working set.
    int64_t budget = std::numeric_limits<int32_t>::max();
    if (proof.footprint > 0)
      budget = std::max<int64_t>(1, cacheBytes / 2 / proof.footprint);
    chunkImages = budget;
    // Threads share the batch when each gets at least as much work as the
    // kernels split between threads.
    int64_t minImages = 1;
    if (proof.work > 0)
      minImages = std::max<int64_t>(
          1, static_cast<int64_t>(std::ceil(kParallelWork / proof.work)));
    ++numTiled;
    ++tiledCount;
    rewrite(module, entry, proof.carriedArguments, budget, minImages);
  }

  /// `@<entry>_tile_slots(n) -> (slots, rows)`: how a batch of `n` runs
  /// with the threads OpenMP will use: `slots` calls at a time (one per
  /// thread when they share the batch evenly, else 1) of at most `rows`
  /// images each. The entry point and its workspace size both ask it.
  /// With `reserve`, `@<entry>_tile_reserve(n) -> (slots, rows, rows1)`
  /// instead: the most any batch up to `n` needs, `slots` slots of `rows`
  /// rows when the threads share it (0 slots when they never do) or one
  /// of `rows1` (the workspace size, which must not shrink as the batch
  /// grows).
  func::FuncOp buildSlots(ModuleOp module, func::FuncOp entry, int64_t budget,
                          int64_t minImages, bool reserve) {
    MLIRContext *context = module.getContext();
    Location loc = entry.getLoc();
    OpBuilder top = OpBuilder::atBlockEnd(module.getBody());
    auto threadsFn = module.lookupSymbol<func::FuncOp>("omp_get_max_threads");
    if (!threadsFn) {
      threadsFn = top.create<func::FuncOp>(
          loc, "omp_get_max_threads",
          FunctionType::get(context, {}, {top.getI32Type()}));
      threadsFn.setPrivate();
    }
    Type indexType = top.getIndexType();
    SmallVector<Type> results(reserve ? 3 : 2, indexType);
    auto slots = top.create<func::FuncOp>(
        loc,
        (entry.getSymName() + (reserve ? "_tile_reserve" : "_tile_slots"))
            .str(),
        FunctionType::get(context, {indexType}, results));
    slots.setPrivate();
    SymbolTable(module).insert(slots);
    Block *body = slots.addEntryBlock();
    OpBuilder b = OpBuilder::atBlockBegin(body);
    Value n = body->getArgument(0);
    Value one = b.create<arith::ConstantIndexOp>(loc, 1);
    Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
    Value chunk = b.create<arith::ConstantIndexOp>(loc, budget);
    Value threads = b.create<arith::IndexCastOp>(
        loc, indexType,
        b.create<func::CallOp>(loc, threadsFn, ValueRange{}).getResult(0));
    threads = b.create<arith::MaxSIOp>(loc, threads, one);
    // Threads share the batch when each gets enough work, and (below) when
    // they can do so evenly.
    Value per = b.create<arith::DivUIOp>(loc, n, threads);
    Value least = b.create<arith::ConstantIndexOp>(loc, minImages);
    Value enough = b.create<arith::AndIOp>(
        loc,
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ugt, threads, one),
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::uge, per, least));
    // A thread's chunks share the cache with the other threads'.
    Value share = b.create<arith::MaxUIOp>(
        loc, one,
        b.create<arith::MinUIOp>(
            loc, per, b.create<arith::DivUIOp>(loc, chunk, threads)));
    Value alone = b.create<arith::MinUIOp>(loc, n, chunk);
    if (reserve) {
      // Some batch up to n is shared by the threads once n gives each
      // enough work.
      Value count = b.create<arith::SelectOp>(loc, enough, threads, zero);
      b.create<func::ReturnOp>(loc, ValueRange{count, share, alone});
      return slots;
    }
    Value parallel = b.create<arith::AndIOp>(
        loc, enough,
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq,
                                b.create<arith::RemUIOp>(loc, n, threads),
                                zero));
    Value count = b.create<arith::SelectOp>(loc, parallel, threads, one);
    Value rows = b.create<arith::SelectOp>(loc, parallel, share, alone);
    b.create<func::ReturnOp>(loc, ValueRange{count, rows});
    return slots;
  }

  /// Moves `entry`'s body to `@<entry>_tile` and makes `entry` call it on
  /// chunks of the batch. The tile takes two more arguments, unused until
  /// fulcrum-cpu-plan-memory gives each call its part of the workspace:
  /// the call's slot (its thread) and the rows a slot holds at most.
  void rewrite(ModuleOp module, func::FuncOp entry, ArrayRef<bool> carried,
               int64_t budget, int64_t minImages) {
    MLIRContext *context = module.getContext();
    Location loc = entry.getLoc();
    Type indexType = IndexType::get(context);
    // The body as it was, without the entry point's attributes.
    auto tile =
        OpBuilder::atBlockEnd(module.getBody())
            .create<func::FuncOp>(loc, (entry.getSymName() + "_tile").str(),
                                  entry.getFunctionType());
    tile.setPrivate();
    tile.getBody().takeBody(entry.getBody());
    unsigned count = tile.getNumArguments();
    tile.insertArgument(count, indexType, {}, loc);
    tile.insertArgument(count + 1, indexType, {}, loc);
    tile->setAttr("fulcrum.batch_tile", UnitAttr::get(context));
    SymbolTable(module).insert(tile);
    func::FuncOp slotsFn = buildSlots(module, entry, budget, minImages, false);
    func::FuncOp reserveFn = buildSlots(module, entry, budget, minImages, true);
    entry->setAttr("fulcrum.tile_reserve",
                   FlatSymbolRefAttr::get(reserveFn.getSymNameAttr()));

    Block *body = entry.addEntryBlock();
    OpBuilder b = OpBuilder::atBlockBegin(body);
    SmallVector<Value> args(body->getArguments());
    unsigned first = llvm::find(carried, true) - carried.begin();
    Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
    Value one = b.create<arith::ConstantIndexOp>(loc, 1);
    Value n = b.create<tensor::DimOp>(loc, args[first], 0);
    auto plan = b.create<func::CallOp>(loc, slotsFn, ValueRange{n});
    Value slots = plan.getResult(0), rows = plan.getResult(1);
    TypeRange resultTypes = entry.getResultTypes();

    // Offsets, sizes and strides of rows [start, start + size) of `type`.
    auto rowsOf = [&](OpBuilder &at, Value of, Value start, Value size) {
      auto type = cast<RankedTensorType>(of.getType());
      SmallVector<OpFoldResult> offsets(type.getRank(), at.getIndexAttr(0)),
          sizes, strides(type.getRank(), at.getIndexAttr(1));
      offsets[0] = start;
      sizes.push_back(size);
      for (int64_t d = 1; d < type.getRank(); ++d)
        sizes.push_back(tensor::getMixedSize(at, loc, of, d));
      return std::make_tuple(offsets, sizes, strides);
    };
    auto empties = [&](OpBuilder &at, Value size) {
      SmallVector<Value> outs;
      for (Type type : resultTypes)
        outs.push_back(at.create<tensor::EmptyOp>(
            loc, cast<RankedTensorType>(type), ValueRange{size}));
      return outs;
    };
    // The tile on rows [start, start + size) of every batch argument.
    auto callOn = [&](OpBuilder &at, Value start, Value size, Value slot) {
      SmallVector<Value> operands;
      for (auto [i, arg] : llvm::enumerate(args)) {
        if (!carried[i]) {
          operands.push_back(arg);
          continue;
        }
        auto [offsets, sizes, strides] = rowsOf(at, arg, start, size);
        Value slice = at.create<tensor::ExtractSliceOp>(
            loc, cast<RankedTensorType>(arg.getType()), arg, offsets, sizes,
            strides);
        // A buffer of its own: the tile's arguments have identity layouts
        // (offset 0), which a view into the batch would not honour.
        operands.push_back(at.create<bufferization::AllocTensorOp>(
            loc, cast<RankedTensorType>(arg.getType()), ValueRange{}, slice));
      }
      operands.append({slot, rows});
      return at.create<func::CallOp>(loc, tile, operands).getResults();
    };
    // Rows [begin, end) in chunks of `step` into `outs`, whose row 0 is
    // row `base` of the batch.
    auto chunks = [&](OpBuilder &at, Value begin, Value end, Value step,
                      ValueRange outs, Value base, Value slot) {
      auto loop = at.create<scf::ForOp>(
          loc, begin, end, step, outs,
          [&](OpBuilder &in, Location, Value i, ValueRange acc) {
            Value left = in.create<arith::SubIOp>(loc, end, i);
            Value size = in.create<arith::MinUIOp>(loc, step, left);
            ValueRange parts = callOn(in, i, size, slot);
            Value row = in.create<arith::SubIOp>(loc, i, base);
            SmallVector<Value> updated;
            for (auto [part, out] : llvm::zip(parts, acc)) {
              auto [offsets, sizes, strides] = rowsOf(in, out, row, size);
              updated.push_back(in.create<tensor::InsertSliceOp>(
                  loc, part, out, offsets, sizes, strides));
            }
            in.create<scf::YieldOp>(loc, updated);
          });
      return loop.getResults();
    };

    Value parallel =
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ugt, slots, one);
    auto ifParallel = b.create<scf::IfOp>(
        loc, parallel,
        [&](OpBuilder &at, Location) {
          // Each thread runs its share of the images alone, no barrier
          // between layers; the kernels inside run single-threaded.
          Value per = at.create<arith::DivUIOp>(loc, n, slots);
          auto forall = at.create<scf::ForallOp>(
              loc, ArrayRef<OpFoldResult>{slots}, empties(at, n), std::nullopt);
          scf::InParallelOp terminator = forall.getTerminator();
          OpBuilder in(terminator);
          Value slot = forall.getInductionVar(0);
          Value start = in.create<arith::MulIOp>(loc, slot, per);
          Value end = in.create<arith::AddIOp>(loc, start, per);
          SmallVector<Value> mine;
          for (Value out : forall.getRegionIterArgs()) {
            auto [offsets, sizes, strides] = rowsOf(in, out, start, per);
            mine.push_back(in.create<tensor::ExtractSliceOp>(loc, out, offsets,
                                                             sizes, strides));
          }
          ValueRange parts = chunks(in, start, end, rows, mine, start, slot);
          OpBuilder inParallel = OpBuilder::atBlockEnd(terminator.getBody());
          for (auto [part, out] :
               llvm::zip(parts, forall.getRegionIterArgs())) {
            auto [offsets, sizes, strides] = rowsOf(in, out, start, per);
            inParallel.create<tensor::ParallelInsertSliceOp>(
                loc, part, out, offsets, sizes, strides);
          }
          at.create<scf::YieldOp>(loc, forall.getResults());
        },
        [&](OpBuilder &at, Location) {
          // A batch that fits one chunk is one call on the inputs as they
          // are; a larger one runs chunk after chunk, each layer spread
          // over the threads.
          Value fits =
              at.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ule, n, rows);
          auto ifFits = at.create<scf::IfOp>(
              loc, fits,
              [&](OpBuilder &in, Location) {
                SmallVector<Value> operands(args);
                operands.append({zero, rows});
                in.create<scf::YieldOp>(
                    loc,
                    in.create<func::CallOp>(loc, tile, operands).getResults());
              },
              [&](OpBuilder &in, Location) {
                in.create<scf::YieldOp>(
                    loc, chunks(in, zero, n, rows, empties(in, n), zero, zero));
              });
          at.create<scf::YieldOp>(loc, ifFits.getResults());
        });
    b.create<func::ReturnOp>(loc, ifParallel.getResults());
  }
};

} // namespace
