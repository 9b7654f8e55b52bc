//===- ONNXToLinalg.h - onnx to linalg-on-tensors lowering ------*- C++ -*-===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_CONVERSION_ONNXTOLINALG_ONNXTOLINALG_H
#define FULCRUM_CONVERSION_ONNXTOLINALG_ONNXTOLINALG_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace fulcrum {

/// The type converter of the lowering: tensor element types become
/// signless integers (what arith works on); everything else is unchanged.
/// The ONNX signedness stays available from the original operations.
class ONNXToLinalgTypeConverter : public mlir::TypeConverter {
public:
  ONNXToLinalgTypeConverter();
};

/// Adds the lowerings of onnx operations to linalg/tensor/arith/math on
/// tensors, one per operator (per-category files). `typeConverter` must
/// outlive the patterns.
void populateONNXToLinalgPatterns(const mlir::TypeConverter &typeConverter,
                                  mlir::RewritePatternSet &patterns);

/// Marks what the lowering produces legal. The onnx dialect is left
/// unknown, so that a partial conversion keeps the operators it cannot lower
/// (find them with findUnloweredONNXOp); mark it illegal for a full one.
void configureONNXToLinalgTarget(mlir::ConversionTarget &target);

/// The first onnx operation (in pre-order, absent values aside) under
/// `root`, or null: after a partial conversion, the first that could not be
/// lowered.
mlir::Operation *findUnloweredONNXOp(mlir::Operation *root);

} // namespace fulcrum

#endif // FULCRUM_CONVERSION_ONNXTOLINALG_ONNXTOLINALG_H
