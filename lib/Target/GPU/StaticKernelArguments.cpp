//===- StaticKernelArguments.cpp - fulcrum-gpu-static-kernel-arguments ----===//
//
// Part of Fulcrum. Kernel memref arguments with a dynamic first dimension
// become static ones plus an index argument, so that NVVM's bare-pointer
// calling convention can pass them (see the pass description in
// Passes.td).
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/GPU/GPUTarget.h"
#include "fulcrum/Target/GPU/Passes.h"

#include "fulcrum/Support/PassStatistic.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace fulcrum {
#define GEN_PASS_DEF_GPUSTATICKERNELARGUMENTS
#include "fulcrum/Target/GPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

static fulcrum::PassCounter
    argumentCount("fulcrum-gpu-static-kernel-arguments",
                  "Kernel arguments given a static type");

namespace {

/// Whether `type` is a memref the pass rewrites: the identity layout (so
/// offset 0 and, with only the first dimension dynamic, static strides)
/// and a dynamic first dimension.
bool isDynamicLeading(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.getRank() > 0 && memref.getLayout().isIdentity() &&
         ShapedType::isDynamic(memref.getDimSize(0)) &&
         llvm::none_of(memref.getShape().drop_front(), ShapedType::isDynamic);
}

/// `type` with its first dimension 1.
MemRefType staticType(MemRefType type) {
  SmallVector<int64_t> shape(type.getShape());
  shape[0] = 1;
  return MemRefType::get(shape, type.getElementType(), type.getLayout(),
                         type.getMemorySpace());
}

/// The row-major strides of `type` (its dimensions but the first static).
SmallVector<int64_t> strides(MemRefType type) {
  SmallVector<int64_t> result(type.getRank(), 1);
  for (int64_t d = type.getRank() - 2; d >= 0; --d)
    result[d] = result[d + 1] * type.getDimSize(d + 1);
  return result;
}

/// Where a value's companions go: right after its definition, or at the
/// start of its block for a block argument.
void setInsertionAfterDefinition(OpBuilder &builder, Value value) {
  if (Operation *def = value.getDefiningOp())
    builder.setInsertionPointAfter(def);
  else
    builder.setInsertionPointToStart(cast<BlockArgument>(value).getOwner());
}

struct GPUStaticKernelArgumentsPass
    : public fulcrum::impl::GPUStaticKernelArgumentsBase<
          GPUStaticKernelArgumentsPass> {
  /// The host-side static view and size of `value`, made once.
  llvm::DenseMap<Value, std::pair<Value, Value>> hostViews;

  std::pair<Value, Value> hostView(Value value) {
    auto it = hostViews.find(value);
    if (it != hostViews.end())
      return it->second;
    OpBuilder builder(value.getContext());
    setInsertionAfterDefinition(builder, value);
    Location loc = value.getLoc();
    auto type = cast<MemRefType>(value.getType());
    MemRefType target = staticType(type);
    auto view = builder.create<memref::ReinterpretCastOp>(
        loc, target, value, /*offset=*/0, target.getShape(), strides(type));
    view->setAttr(fulcrum::getKernelArgumentCastAttrName(),
                  builder.getUnitAttr());
    Value size = builder.create<memref::DimOp>(loc, value, 0);
    return hostViews[value] = {view.getResult(), size};
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTableCollection symbols;
    // The launches of each kernel.
    llvm::DenseMap<Operation *, SmallVector<gpu::LaunchFuncOp>> launches;
    module.walk([&](gpu::LaunchFuncOp launch) {
      if (auto kernel = symbols.lookupNearestSymbolFrom<gpu::GPUFuncOp>(
              launch, launch.getKernel()))
        launches[kernel].push_back(launch);
    });

    for (auto gpuModule : module.getOps<gpu::GPUModuleOp>()) {
      for (auto kernel : gpuModule.getOps<gpu::GPUFuncOp>()) {
        if (!kernel.isKernel())
          continue;
        SmallVector<unsigned> changed;
        for (auto [i, type] : llvm::enumerate(kernel.getArgumentTypes()))
          if (isDynamicLeading(type))
            changed.push_back(i);
        if (changed.empty())
          continue;

        // The kernel: static arguments, sizes appended, the original
        // types rebuilt at the entry.
        Block &entry = kernel.getBody().front();
        SmallVector<Type> inputs(kernel.getArgumentTypes());
        SmallVector<MemRefType> originals;
        for (unsigned i : changed)
          originals.push_back(cast<MemRefType>(inputs[i]));
        for (unsigned i : changed)
          inputs[i] = staticType(cast<MemRefType>(inputs[i]));
        for (unsigned i : changed)
          entry.getArgument(i).setType(inputs[i]);
        kernel.setFunctionType(FunctionType::get(
            &getContext(), inputs, kernel.getFunctionType().getResults()));
        unsigned first = kernel.getNumArguments();
        for (unsigned i : changed)
          kernel.insertArgument(kernel.getNumArguments(),
                                IndexType::get(&getContext()), {},
                                entry.getArgument(i).getLoc());
        OpBuilder builder = OpBuilder::atBlockBegin(&entry);
        for (auto [n, i] : llvm::enumerate(changed)) {
          BlockArgument arg = entry.getArgument(i);
          MemRefType original = originals[n];
          SmallVector<OpFoldResult> sizes;
          sizes.push_back(entry.getArgument(first + n));
          for (int64_t d : original.getShape().drop_front())
            sizes.push_back(builder.getIndexAttr(d));
          SmallVector<OpFoldResult> strideValues;
          for (int64_t s : strides(original))
            strideValues.push_back(builder.getIndexAttr(s));
          auto view = builder.create<memref::ReinterpretCastOp>(
              arg.getLoc(), original, arg, builder.getIndexAttr(0), sizes,
              strideValues);
          arg.replaceAllUsesExcept(view.getResult(), view);
          ++numArguments;
          ++argumentCount;
        }

        // Each launch: the static views, then the sizes.
        for (gpu::LaunchFuncOp launch : launches.lookup(kernel)) {
          SmallVector<Value> operands(launch.getKernelOperands());
          SmallVector<Value> sizes;
          for (unsigned i : changed) {
            auto [view, size] = hostView(operands[i]);
            operands[i] = view;
            sizes.push_back(size);
          }
          operands.append(sizes);
          launch.getKernelOperandsMutable().assign(operands);
        }
      }
    }
  }
};

} // namespace
