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
    Builder b(&getContext());
    auto collect = [&](unsigned count, auto getDict, auto setDict,
                       StringRef attrName) {
      SmallVector<Attribute> names;
      for (unsigned i = 0; i < count; ++i) {
        DictionaryAttr dict = getDict(i);
        auto name = dict ? dict.getAs<StringAttr>("onnx.name") : StringAttr();
        names.push_back(name ? name : b.getStringAttr(""));
        if (dict) {
          NamedAttrList rest(dict);
          rest.erase("onnx.name");
          setDict(i, rest.getDictionary(&getContext()));
        }
      }
      func->setAttr(attrName, b.getArrayAttr(names));
    };
    collect(
        func.getNumArguments(), [&](unsigned i) { return func.getArgAttrDict(i); },
        [&](unsigned i, DictionaryAttr d) { func.setArgAttrs(i, d); },
        "fulcrum.input_names");
    collect(
        func.getNumResults(), [&](unsigned i) { return func.getResultAttrDict(i); },
        [&](unsigned i, DictionaryAttr d) { func.setResultAttrs(i, d); },
        "fulcrum.output_names");
  }
};
} // namespace
