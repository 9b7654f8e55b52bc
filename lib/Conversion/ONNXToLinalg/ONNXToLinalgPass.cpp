//===- ONNXToLinalgPass.cpp - fulcrum-convert-onnx-to-linalg --------------===//
//
// Part of Fulcrum. The pass around populateONNXToLinalgPatterns.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "fulcrum/Conversion/Passes.h"
#include "fulcrum/Dialect/Fulcrum/IR/FulcrumDialect.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

namespace fulcrum {
#define GEN_PASS_DEF_CONVERTONNXTOLINALG
#include "fulcrum/Conversion/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

void fulcrum::populateONNXToLinalgPatterns(const TypeConverter &tc,
                                           RewritePatternSet &patterns) {
  lowering::populateElementwisePatterns(tc, patterns);
  lowering::populateMatMulPatterns(tc, patterns);
  lowering::populateFusedPatterns(tc, patterns);
  lowering::populateAttentionPatterns(tc, patterns);
  lowering::populateQuantizedPatterns(tc, patterns);
  lowering::populateConvPatterns(tc, patterns);
  lowering::populateNormalizationPatterns(tc, patterns);
  lowering::populateLossPatterns(tc, patterns);
  lowering::populateReductionPatterns(tc, patterns);
  lowering::populateResizePatterns(tc, patterns);
  lowering::populateShapePatterns(tc, patterns);
  lowering::populateIndexingPatterns(tc, patterns);
  lowering::populateSliceConcatPatterns(tc, patterns);
  lowering::populateConstantPatterns(tc, patterns);
  lowering::populateScatterPatterns(tc, patterns);
  lowering::populateSortPatterns(tc, patterns);
  lowering::populateSelectionPatterns(tc, patterns);
  lowering::populateNonMaxSuppressionPatterns(tc, patterns);
  lowering::populateUniquePatterns(tc, patterns);
  lowering::populateTrainingPatterns(tc, patterns);
  lowering::populateDetPatterns(tc, patterns);
  lowering::populateRoiAlignPatterns(tc, patterns);
  lowering::populateControlFlowPatterns(tc, patterns);
  lowering::populateRecurrentPatterns(tc, patterns);
  lowering::populateGridSamplePatterns(tc, patterns);
  lowering::populateSpectralPatterns(tc, patterns);
  lowering::populateRandomPatterns(tc, patterns);
}

void fulcrum::configureONNXToLinalgTarget(ConversionTarget &target) {
  target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                         math::MathDialect, scf::SCFDialect,
                         tensor::TensorDialect>();
  // Absent optional values die with their users (see the pass).
  target.addLegalOp<onnx::NoValueOp>();
}

Operation *fulcrum::findUnloweredONNXOp(Operation *root) {
  Operation *found = nullptr;
  root->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (!isa<onnx::ONNXDialect, fulcrum::fused::FulcrumDialect>(
            op->getDialect()) ||
        isa<onnx::NoValueOp>(op))
      return WalkResult::advance();
    found = op;
    return WalkResult::interrupt();
  });
  return found;
}

namespace {

struct ConvertONNXToLinalgPass
    : public fulcrum::impl::ConvertONNXToLinalgBase<ConvertONNXToLinalgPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    fulcrum::ONNXToLinalgTypeConverter typeConverter;
    ConversionTarget target(*ctx);
    fulcrum::configureONNXToLinalgTarget(target);
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp f) {
      return typeConverter.isSignatureLegal(f.getFunctionType()) &&
             typeConverter.isLegal(&f.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp>(
        [&](func::ReturnOp r) { return typeConverter.isLegal(r); });
    target.addLegalOp<UnrealizedConversionCastOp>();

    RewritePatternSet patterns(ctx);
    fulcrum::populateONNXToLinalgPatterns(typeConverter, patterns);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(
        patterns, typeConverter);
    populateReturnOpTypeConversionPattern(patterns, typeConverter);

    // The onnx dialect's legality is left unknown, so the conversion keeps
    // what no pattern lowers; the first operator left is reported, with the
    // name of its ONNX node (the importer makes it the location).
    fulcrum::lowering::clearRefusals();
    if (failed(applyPartialConversion(func, target, std::move(patterns))))
      return signalPassFailure();
    if (Operation *op = fulcrum::findUnloweredONNXOp(func)) {
      auto error = op->emitError() << "cannot lower '" << op->getName() << "'";
      if (auto name = dyn_cast<NameLoc>(op->getLoc()))
        error << " (node '" << name.getName().strref() << "')";
      std::string reason = fulcrum::lowering::getRefusal(op);
      if (!reason.empty())
        error << ": " << reason;
      else
        error << ": no lowering for this operator, or for its attributes or "
                 "types";
      fulcrum::lowering::clearRefusals();
      return signalPassFailure();
    }
    fulcrum::lowering::clearRefusals();

    func.walk([](fulcrum::onnx::NoValueOp op) {
      if (op->use_empty())
        op->erase();
    });
  }
};

} // namespace
