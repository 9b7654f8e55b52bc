//===- SerializeSPIRV.cpp - fulcrum-gpu-serialize-spirv -------------------===//
//
// Part of Fulcrum. spirv.module -> gpu.binary with the SPIR-V words.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/GPU/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"
#include "mlir/IR/Builders.h"
#include "mlir/Target/SPIRV/Serialization.h"

namespace fulcrum {
#define GEN_PASS_DEF_GPUSERIALIZESPIRV
#include "fulcrum/Target/GPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

namespace {
struct GPUSerializeSPIRVPass
    : public fulcrum::impl::GPUSerializeSPIRVBase<GPUSerializeSPIRVPass> {
  void runOnOperation() override {
    ModuleOp top = getOperation();
    SmallVector<spirv::ModuleOp> modules(top.getOps<spirv::ModuleOp>());
    for (spirv::ModuleOp module : modules) {
      StringRef name = module.getName().value_or("");
      if (!name.consume_front("__spv__"))
        continue;
      SmallVector<uint32_t, 0> words;
      spirv::SerializationOptions options;
      if (failed(spirv::serialize(module, words, options))) {
        module.emitError("cannot serialize the SPIR-V module");
        return signalPassFailure();
      }
      auto gpuModule = top.lookupSymbol<gpu::GPUModuleOp>(name);
      Attribute env = gpuModule
                          ? gpuModule->getAttr(spirv::getTargetEnvAttrName())
                          : Attribute();
      if (!env)
        env = spirv::lookupTargetEnvOrDefault(module);
      OpBuilder builder(module);
      StringRef bytes(reinterpret_cast<const char *>(words.data()),
                      words.size() * sizeof(uint32_t));
      auto object = gpu::ObjectAttr::get(
          &getContext(), env, gpu::CompilationTarget::Binary,
          builder.getStringAttr(bytes), DictionaryAttr());
      builder.create<gpu::BinaryOp>(module.getLoc(), name, Attribute(),
                                    ArrayRef<Attribute>{object});
      if (gpuModule)
        gpuModule.erase();
      module.erase();
    }
  }
};
} // namespace
