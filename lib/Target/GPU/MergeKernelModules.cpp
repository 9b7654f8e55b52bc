//===- MergeKernelModules.cpp - fulcrum-gpu-merge-kernel-modules ----------===//
//
// Part of Fulcrum. One gpu.module for all of a model's kernels.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/GPU/Passes.h"

#include "fulcrum/Target/GPU/GPUTarget.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace fulcrum {
#define GEN_PASS_DEF_GPUMERGEKERNELMODULES
#include "fulcrum/Target/GPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

namespace {
struct GPUMergeKernelModulesPass
    : public fulcrum::impl::GPUMergeKernelModulesBase<
          GPUMergeKernelModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> modules(module.getOps<gpu::GPUModuleOp>());
    if (modules.empty())
      return;
    StringRef mergedName = "fulcrum_kernels";
    if (modules.size() == 1 && modules.front().getName() == mergedName)
      return;
    OpBuilder builder(modules.front());
    auto merged = builder.create<gpu::GPUModuleOp>(modules.front().getLoc(),
                                                   "fulcrum_kernels_tmp");
    if (ArrayAttr targets = modules.front().getTargetsAttr())
      merged.setTargetsAttr(targets);
    Block *body = merged.getBody();
    llvm::StringMap<StringAttr> renamed; // old module -> new kernel name
    llvm::StringMap<SmallVector<int64_t>> written;
    for (gpu::GPUModuleOp old : modules) {
      for (Operation &op :
           llvm::make_early_inc_range(old.getBody()->without_terminator())) {
        auto func = dyn_cast<gpu::GPUFuncOp>(op);
        if (func) {
          if (old.getBody()->getOperations().size() > 2) {
            old.emitError("cannot merge a gpu.module with several kernels");
            return signalPassFailure();
          }
          func.setName(old.getName());
          // Arguments used other than by loads may be written.
          for (BlockArgument arg : func.getArguments())
            if (isa<MemRefType>(arg.getType()) &&
                llvm::any_of(arg.getUsers(), [](Operation *user) {
                  return !isa<memref::LoadOp>(user);
                }))
              written[old.getName()].push_back(arg.getArgNumber());
          renamed[old.getName()] =
              StringAttr::get(&getContext(), old.getName());
        }
        op.moveBefore(body, body->getTerminator()->getIterator());
      }
    }
    for (gpu::GPUModuleOp old : modules)
      old.erase();
    merged.setName(mergedName);
    module.walk([&](gpu::LaunchFuncOp launch) {
      auto it = renamed.find(launch.getKernelModuleName().getValue());
      if (it == renamed.end())
        return;
      launch.setKernelAttr(
          SymbolRefAttr::get(StringAttr::get(&getContext(), mergedName),
                             {FlatSymbolRefAttr::get(it->second)}));
      launch->setAttr(
          fulcrum::getWrittenArgsAttrName(),
          DenseI64ArrayAttr::get(&getContext(), written[it->first()]));
    });
  }
};
} // namespace
