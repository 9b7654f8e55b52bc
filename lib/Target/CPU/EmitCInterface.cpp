//===- EmitCInterface.cpp - fulcrum-emit-c-interface ----------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/CPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"

namespace fulcrum {
#define GEN_PASS_DEF_EMITCINTERFACE
#include "fulcrum/Target/CPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

namespace {
struct EmitCInterfacePass
    : public fulcrum::impl::EmitCInterfaceBase<EmitCInterfacePass> {
  using EmitCInterfaceBase::EmitCInterfaceBase;

  void runOnOperation() override {
    auto func = getOperation().lookupSymbol<func::FuncOp>(entryPoint);
    if (!func) {
      getOperation().emitError("no entry point function @") << entryPoint;
      return signalPassFailure();
    }
    func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                  UnitAttr::get(&getContext()));
    // The names are in the signature the artifact embeds; the LLVM dialect
    // has no use for them on arguments.
    auto strip = [&](DictionaryAttr dict) -> DictionaryAttr {
      if (!dict || !dict.get("onnx.name"))
        return dict;
      NamedAttrList rest(dict);
      rest.erase("onnx.name");
      return rest.getDictionary(&getContext());
    };
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      if (DictionaryAttr dict = func.getArgAttrDict(i))
        func.setArgAttrs(i, strip(dict));
    for (unsigned i = 0; i < func.getNumResults(); ++i)
      if (DictionaryAttr dict = func.getResultAttrDict(i))
        func.setResultAttrs(i, strip(dict));
  }
};
} // namespace
