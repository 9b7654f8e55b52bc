//===- ONNXToLinalgPass.cpp - fulcrum-convert-onnx-to-linalg --------------===//
//
// Part of Fulcrum. The pass around populateONNXToLinalgPatterns.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "fulcrum/Conversion/Passes.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
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
  lowering::populateConvPatterns(tc, patterns);
  lowering::populateNormalizationPatterns(tc, patterns);
  lowering::populateLossPatterns(tc, patterns);
  lowering::populateReductionPatterns(tc, patterns);
  lowering::populateResizePatterns(tc, patterns);
  lowering::populateTensorPatterns(tc, patterns);
}

void fulcrum::configureONNXToLinalgTarget(ConversionTarget &target) {
  target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                         math::MathDialect, tensor::TensorDialect>();
  target.addIllegalDialect<onnx::ONNXDialect>();
  // Absent optional values die with their users (see the pass).
  target.addLegalOp<onnx::NoValueOp>();
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

    // A failure reports the first operator that could not be lowered, with
    // the name of its ONNX node (the importer makes it the location).
    LogicalResult converted = failure();
    {
      ScopedDiagnosticHandler rename(&getContext(), [](Diagnostic &diag) {
        StringRef prefix = "failed to legalize operation '";
        std::string message = diag.str();
        if (diag.getSeverity() != DiagnosticSeverity::Error ||
            !StringRef(message).starts_with(prefix))
          return failure(); // Not ours: let it through.
        StringRef opName = StringRef(message).drop_front(prefix.size()).split('\'').first;
        auto error = emitError(diag.getLocation());
        error << "cannot lower '" << opName << "'";
        if (auto name = dyn_cast<NameLoc>(diag.getLocation()))
          error << " (node '" << name.getName().strref() << "')";
        error << ": no lowering for this operator, or for its attributes or "
                 "types";
        return success();
      });
      converted = applyPartialConversion(func, target, std::move(patterns));
    }
    if (failed(converted))
      return signalPassFailure();

    func.walk([](fulcrum::onnx::NoValueOp op) {
      if (op->use_empty())
        op->erase();
    });
  }
};

} // namespace
