//===- KernelsToSPIRV.cpp - fulcrum-gpu-kernels-to-spirv ------------------===//
//
// Part of Fulcrum. gpu.module kernels -> Vulkan-flavoured spirv.module.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/GPU/GPUTarget.h"
#include "fulcrum/Target/GPU/Passes.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Conversion/ArithToSPIRV/ArithToSPIRV.h"
#include "mlir/Conversion/ControlFlowToSPIRV/ControlFlowToSPIRV.h"
#include "mlir/Conversion/FuncToSPIRV/FuncToSPIRV.h"
#include "mlir/Conversion/GPUToSPIRV/GPUToSPIRV.h"
#include "mlir/Conversion/IndexToSPIRV/IndexToSPIRV.h"
#include "mlir/Conversion/MathToSPIRV/MathToSPIRV.h"
#include "mlir/Conversion/MemRefToSPIRV/MemRefToSPIRV.h"
#include "mlir/Conversion/SCFToSPIRV/SCFToSPIRV.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVAttributes.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"
#include "mlir/Dialect/SPIRV/Transforms/Passes.h"
#include "mlir/Dialect/SPIRV/Transforms/SPIRVConversion.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace fulcrum {
#define GEN_PASS_DEF_GPUKERNELSTOSPIRV
#include "fulcrum/Target/GPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

namespace fulcrum {
llvm::StringRef getDefaultVulkanTargetEnv() {
  return "#spirv.target_env<#spirv.vce<v1.3, [Shader, Int64, Int16, Int8, "
         "Float64, Float16, StorageBuffer16BitAccess, "
         "StorageBuffer8BitAccess, GroupNonUniform, "
         "GroupNonUniformArithmetic], [SPV_KHR_storage_buffer_storage_class, "
         "SPV_KHR_8bit_storage, SPV_KHR_16bit_storage]>, "
         "#spirv.resource_limits<max_compute_workgroup_invocations = 1024, "
         "max_compute_workgroup_size = [1024, 1024, 64]>>";
}
} // namespace fulcrum

namespace {
/// A math op with a GLSL.std.450 instruction MathToSPIRV does not use.
template <typename MathOp, typename GLOp>
struct MathToGLPattern : public OpConversionPattern<MathOp> {
  using OpConversionPattern<MathOp>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MathOp op, typename MathOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type type = this->getTypeConverter()->convertType(op.getType());
    if (!type)
      return failure();
    rewriter.replaceOpWithNewOp<GLOp>(op, type, adaptor.getOperands());
    return success();
  }
};

/// gpu.lane_id: the SubgroupLocalInvocationId builtin (GPUToSPIRV maps the
/// subgroup's id, count and size, not the lane).
struct LaneIdPattern : public OpConversionPattern<gpu::LaneIdOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(gpu::LaneIdOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type index = getTypeConverter()->convertType(op.getType());
    if (!index)
      return failure();
    // (MLIR 19's spirv::getBuiltinVariableValue does not make this one.)
    Location loc = op.getLoc();
    Operation *table = op->getParentWithTrait<OpTrait::SymbolTable>();
    StringRef name = "__builtin__SubgroupLocalInvocationId__";
    auto global = dyn_cast_or_null<spirv::GlobalVariableOp>(
        SymbolTable::lookupSymbolIn(table, name));
    if (!global) {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(&table->getRegion(0).front());
      auto pointer = spirv::PointerType::get(rewriter.getI32Type(),
                                             spirv::StorageClass::Input);
      global = rewriter.create<spirv::GlobalVariableOp>(
          loc, pointer, name, spirv::BuiltIn::SubgroupLocalInvocationId);
    }
    Value lane = rewriter.create<spirv::LoadOp>(
        loc, rewriter.create<spirv::AddressOfOp>(loc, global));
    if (index != lane.getType())
      lane = rewriter.create<spirv::UConvertOp>(loc, index, lane);
    rewriter.replaceOp(op, lane);
    return success();
  }
};

/// f32 gpu.subgroup_reduce with add, max or min: GroupNonUniformFAdd/FMax/
/// FMin over the subgroup. GPUToSPIRV maps add and mul only, and a uniform
/// one to GroupFAdd, which needs the Groups capability Vulkan lacks; this
/// pattern takes precedence.
struct SubgroupReducePattern
    : public OpConversionPattern<gpu::SubgroupReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(gpu::SubgroupReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!op.getType().isF32())
      return failure();
    auto scope =
        spirv::ScopeAttr::get(rewriter.getContext(), spirv::Scope::Subgroup);
    auto reduce = spirv::GroupOperationAttr::get(rewriter.getContext(),
                                                 spirv::GroupOperation::Reduce);
    Type type = op.getType();
    Value value = adaptor.getValue();
    switch (op.getOp()) {
    case gpu::AllReduceOperation::ADD:
      rewriter.replaceOpWithNewOp<spirv::GroupNonUniformFAddOp>(
          op, type, scope, reduce, value, Value());
      return success();
    case gpu::AllReduceOperation::MAXNUMF:
    case gpu::AllReduceOperation::MAXIMUMF:
      rewriter.replaceOpWithNewOp<spirv::GroupNonUniformFMaxOp>(
          op, type, scope, reduce, value, Value());
      return success();
    case gpu::AllReduceOperation::MINNUMF:
    case gpu::AllReduceOperation::MINIMUMF:
      rewriter.replaceOpWithNewOp<spirv::GroupNonUniformFMinOp>(
          op, type, scope, reduce, value, Value());
      return success();
    default:
      return failure();
    }
  }
};

/// Kernels that stage tiles in workgroup memory each get their own
/// Workgroup variables from the conversion. Only one kernel runs in a
/// workgroup, so the i-th variable of each type is shared by every
/// function: the module then declares the workgroup memory of one kernel,
/// not of all of them (drivers may size it over the whole module).
void shareWorkgroupVariables(spirv::ModuleOp module) {
  llvm::DenseMap<std::pair<Type, unsigned>, spirv::GlobalVariableOp> shared;
  llvm::SmallPtrSet<Operation *, 8> used;
  for (auto func : module.getOps<spirv::FuncOp>()) {
    llvm::DenseMap<StringRef, spirv::GlobalVariableOp> renamed;
    llvm::DenseMap<Type, unsigned> seen;
    func.walk([&](spirv::AddressOfOp address) {
      auto var =
          module.lookupSymbol<spirv::GlobalVariableOp>(address.getVariable());
      auto pointer = var ? dyn_cast<spirv::PointerType>(var.getType())
                         : spirv::PointerType();
      if (!pointer ||
          pointer.getStorageClass() != spirv::StorageClass::Workgroup)
        return;
      spirv::GlobalVariableOp &target = renamed[var.getSymName()];
      if (!target) {
        unsigned index = seen[var.getType()]++;
        auto [it, inserted] = shared.try_emplace({var.getType(), index}, var);
        target = it->second;
      }
      used.insert(target);
      address.setVariableAttr(FlatSymbolRefAttr::get(target.getSymNameAttr()));
    });
  }
  for (auto var :
       llvm::make_early_inc_range(module.getOps<spirv::GlobalVariableOp>())) {
    auto pointer = dyn_cast<spirv::PointerType>(var.getType());
    if (pointer &&
        pointer.getStorageClass() == spirv::StorageClass::Workgroup &&
        !used.contains(var))
      var.erase();
  }
}

struct GPUKernelsToSPIRVPass
    : public fulcrum::impl::GPUKernelsToSPIRVBase<GPUKernelsToSPIRVPass> {
  LogicalResult prepare(gpu::GPUModuleOp module) {
    MLIRContext *ctx = &getContext();
    if (!module->hasAttr(spirv::getTargetEnvAttrName())) {
      Attribute env = parseAttribute(fulcrum::getDefaultVulkanTargetEnv(), ctx);
      module->setAttr(spirv::getTargetEnvAttrName(), env);
    }
    for (auto func : module.getOps<gpu::GPUFuncOp>()) {
      if (!func.isKernel() || func->hasAttr(spirv::getEntryPointABIAttrName()))
        continue;
      SmallVector<int32_t, 3> size = {1, 1, 1};
      if (std::optional<ArrayRef<int32_t>> known = func.getKnownBlockSize())
        for (auto [i, v] : llvm::enumerate(*known))
          size[i] = v;
      func->setAttr(spirv::getEntryPointABIAttrName(),
                    spirv::getEntryPointABIAttr(ctx, size));
    }
    // No GLSL instruction computes erf and the inverse hyperbolic
    // functions; GLSL's pow is undefined for negative bases.
    SmallVector<Operation *> erfs;
    module.walk([&](Operation *op) {
      if (isa<math::ErfOp, math::AsinhOp, math::AcoshOp, math::AtanhOp,
              math::PowFOp>(op))
        erfs.push_back(op);
    });
    if (!erfs.empty()) {
      RewritePatternSet patterns(ctx);
      populatePolynomialApproximateErfPattern(patterns);
      populateExpandAsinhPattern(patterns);
      populateExpandAcoshPattern(patterns);
      populateExpandAtanhPattern(patterns);
      populateExpandPowFPattern(patterns);
      GreedyRewriteConfig config;
      config.strictMode = GreedyRewriteStrictness::ExistingAndNewOps;
      (void)applyOpPatternsAndFold(erfs, std::move(patterns), config);
    }
    return success();
  }

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ModuleOp top = getOperation();
    SmallVector<gpu::GPUModuleOp> modules(top.getOps<gpu::GPUModuleOp>());
    for (gpu::GPUModuleOp module : modules) {
      if (failed(prepare(module)))
        return signalPassFailure();
      OpBuilder builder(module);
      auto copy = cast<gpu::GPUModuleOp>(builder.clone(*module));
      spirv::TargetEnvAttr env = spirv::lookupTargetEnvOrDefault(copy);

      // Default memory space -> StorageBuffer; the GPU dialect's workgroup
      // and private spaces (tiles staged by fulcrum-gpu-tile-contractions)
      // -> Workgroup and Private.
      {
        spirv::MemorySpaceToStorageClassConverter converter(
            [](Attribute space) -> std::optional<spirv::StorageClass> {
              if (auto gpuSpace =
                      dyn_cast_or_null<gpu::AddressSpaceAttr>(space)) {
                switch (gpuSpace.getValue()) {
                case gpu::AddressSpace::Workgroup:
                  return spirv::StorageClass::Workgroup;
                case gpu::AddressSpace::Private:
                  return spirv::StorageClass::Private;
                case gpu::AddressSpace::Global:
                  return spirv::StorageClass::StorageBuffer;
                }
              }
              return spirv::mapMemorySpaceToVulkanStorageClass(space);
            });
        spirv::convertMemRefTypesAndAttrs(copy, converter);
      }
      std::unique_ptr<ConversionTarget> target =
          SPIRVConversionTarget::get(env);
      SPIRVConversionOptions options;
      SPIRVTypeConverter typeConverter(env, options);
      RewritePatternSet patterns(ctx);
      populateGPUToSPIRVPatterns(typeConverter, patterns);
      ScfToSPIRVContext scfContext;
      populateSCFToSPIRVPatterns(typeConverter, scfContext, patterns);
      arith::populateArithToSPIRVPatterns(typeConverter, patterns);
      populateMathToSPIRVPatterns(typeConverter, patterns);
      patterns.add<MathToGLPattern<math::AcosOp, spirv::GLAcosOp>,
                   MathToGLPattern<math::AsinOp, spirv::GLAsinOp>,
                   MathToGLPattern<math::AtanOp, spirv::GLAtanOp>,
                   MathToGLPattern<math::CoshOp, spirv::GLCoshOp>,
                   MathToGLPattern<math::SinhOp, spirv::GLSinhOp>,
                   MathToGLPattern<math::TanOp, spirv::GLTanOp>, LaneIdPattern>(
          typeConverter, ctx);
      patterns.add<SubgroupReducePattern>(typeConverter, ctx,
                                          /*benefit=*/2);
      populateMemRefToSPIRVPatterns(typeConverter, patterns);
      populateFuncToSPIRVPatterns(typeConverter, patterns);
      index::populateIndexToSPIRVPatterns(typeConverter, patterns);
      cf::populateControlFlowToSPIRVPatterns(typeConverter, patterns);
      if (failed(applyFullConversion(copy, *target, std::move(patterns)))) {
        // The partial result is not valid IR; drop it (the error names the
        // op that failed).
        Block *block = copy->getBlock();
        for (Operation &op : llvm::make_early_inc_range(*block))
          if (isa<spirv::ModuleOp>(op) &&
              cast<spirv::ModuleOp>(op).getName() ==
                  ("__spv__" + module.getName()).str())
            op.erase();
        if (copy->getBlock())
          copy.erase();
        return signalPassFailure();
      }
      // The conversion replaced the copy by `spirv.module @__spv__<name>`.
      spirv::ModuleOp spirvModule;
      for (auto candidate : top.getOps<spirv::ModuleOp>())
        if (candidate.getName() == ("__spv__" + module.getName()).str())
          spirvModule = candidate;
      if (!spirvModule) {
        module.emitError("the SPIR-V conversion made no spirv.module");
        return signalPassFailure();
      }
      shareWorkgroupVariables(spirvModule);
      OpPassManager pm(spirv::ModuleOp::getOperationName());
      pm.addPass(spirv::createSPIRVLowerABIAttributesPass());
      pm.addPass(spirv::createSPIRVUpdateVCEPass());
      if (failed(runPipeline(pm, spirvModule)))
        return signalPassFailure();
    }
  }
};
} // namespace
