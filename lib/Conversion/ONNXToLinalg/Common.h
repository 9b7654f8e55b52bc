//===- Common.h - Helpers shared by the onnx lowerings ----------*- C++ -*-===//
//
// Part of Fulcrum. Private to lib/Conversion/ONNXToLinalg.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_LIB_CONVERSION_ONNXTOLINALG_COMMON_H
#define FULCRUM_LIB_CONVERSION_ONNXTOLINALG_COMMON_H

#include "fulcrum/Conversion/ONNXToLinalg/ONNXToLinalg.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace fulcrum::lowering {

/// Declines to lower `op` for `reason`, which the pass then reports in its
/// error for the operator (when no other pattern lowers it): a match
/// failure whose reason survives release builds, where MLIR drops
/// notifyMatchFailure messages.
mlir::LogicalResult refuse(mlir::Operation *op,
                           mlir::ConversionPatternRewriter &rewriter,
                           const llvm::Twine &reason);

/// The reason recorded by `refuse` for `op` in this thread's conversion, or
/// an empty string; `clearRefusals` forgets them all.
std::string getRefusal(mlir::Operation *op);
void clearRefusals();

/// The converted, ranked tensor type of `op`'s result `i`, or null (after a
/// match failure naming the reason) when it is not ranked.
mlir::RankedTensorType getRankedResultType(mlir::Operation *op, unsigned i,
                                           const mlir::TypeConverter &tc,
                                           mlir::ConversionPatternRewriter &r);

/// A `tensor.empty` of `type` whose dynamic sizes are read from `sources`:
/// for result dim d, the first source value that has a dynamic-or-equal
/// size at the same (right-aligned) position and is not broadcast there.
mlir::Value createEmptyLike(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::RankedTensorType type,
                            mlir::ValueRange sources);

/// A `tensor.empty` of `type` with the given dynamic sizes (one per
/// dynamic dimension, in order).
mlir::Value createEmpty(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type,
                        mlir::ValueRange dynamicSizes);

/// Inside a linalg.generic whose loops run over the dimensions of `shaped`
/// (of rank `rank`): the row-major position of the current element, i64.
mlir::Value linearPosition(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value shaped, int64_t rank);

/// A float of `type` in [0, 1) from a counter-based hash (splitmix64) of
/// `seed` and the i64 `counter`, with 24 random bits: the same seed and
/// counter always give the same value, on every target and thread count.
mlir::Value hashUniform(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value counter, uint64_t seed, mlir::Type type);

/// `tensor.dim` of `v` at `dim` (an arith.constant for static sizes).
mlir::Value getDimSize(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                       int64_t dim);

/// A scalar constant of element type `type` (float or integer).
mlir::Value createScalar(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Type type, double value);

/// The indexing map that reads `operandType` (right-aligned, numpy
/// broadcast: static size-1 dimensions read index 0) inside a loop nest of
/// `rank` parallel dimensions producing `resultType`.
mlir::AffineMap getBroadcastMap(mlir::MLIRContext *ctx, int64_t rank,
                                mlir::RankedTensorType operandType,
                                mlir::RankedTensorType resultType);

/// Pads `input` (rank r) with `value` by `low`/`high` (size r each).
mlir::Value padTensor(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                      llvm::ArrayRef<int64_t> low, llvm::ArrayRef<int64_t> high,
                      mlir::Value value);

/// Converts a (signless) scalar from ONNX element type `from` to `to` with
/// ONNX Cast semantics; returns null for unsupported pairs.
mlir::Value castScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                       mlir::Type from, mlir::Type to);

/// The signless counterpart of an element type.
mlir::Type toSignless(mlir::Type type);

/// The number of elements in dimensions `dims` of `x` (run-time sizes for
/// dynamic ones) as a scalar of float type `elt`: the divisor of means.
mlir::Value countElements(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                          llvm::ArrayRef<int64_t> dims, mlir::Type elt);

/// A tensor of `type` (with `dynamicSizes`, one per dynamic dimension, in
/// order) filled with `value`: tensor.empty and linalg.fill, the
/// accumulator of reductions.
mlir::Value createFilled(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType type,
                         mlir::ValueRange dynamicSizes, mlir::Value value);

/// The same, filled with the scalar `value` of the element type (see
/// createScalar).
mlir::Value createFilled(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType type,
                         mlir::ValueRange dynamicSizes, double value);

/// The initial value of a max reduction (`lowest`: -inf, or the smallest
/// integer of the signedness) or of a min reduction (+inf, the largest
/// integer). `elt` is the signless element type the lowering works on.
mlir::TypedAttr getExtremeValue(mlir::Builder &b, mlir::Type elt,
                                bool isUnsigned, bool lowest);

/// The loop structure of a reduction of a tensor over the dimensions marked
/// in `reduced`, into a tensor without them.
struct ReductionLoops {
  /// The result shape and its dynamic sizes (read from the input).
  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<mlir::Value> dynamicSizes;
  /// One per input dimension: reduction where reduced, parallel elsewhere.
  llvm::SmallVector<mlir::utils::IteratorType> iterators;
  /// The map from the loops (the input's dimensions) to the result.
  mlir::AffineMap resultMap;

  /// The result type with element type `elt`.
  mlir::RankedTensorType getType(mlir::Type elt) const {
    return mlir::RankedTensorType::get(shape, elt);
  }
};

/// The reduction loops of `x` over the dimensions marked in `reduced`.
ReductionLoops getReductionLoops(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::Value x, llvm::ArrayRef<bool> reduced);

/// Fills `init` (a tensor.empty of the result type) element by element: a
/// linalg.generic without inputs over the output's index space, whose body
/// returns the element at `indices` (one linalg.index per dimension). The
/// skeleton of gathers, index arithmetic and generated tensors.
mlir::Value
generateTensor(mlir::OpBuilder &b, mlir::Location loc, mlir::Value init,
               llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                              mlir::ValueRange indices)>
                   element);

/// The first element of the ranked tensor `t` (of a scalar operand given
/// as a 0-d or one-element tensor).
mlir::Value readFirstElement(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value t);

/// `i + size` when `i` is negative (ONNX's indexing from the end).
mlir::Value wrapNegativeIndex(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value i, mlir::Value size);

/// A nest of `scf.for` loops over [0, sizes[d]) carrying `iterArgs`; `body`
/// gets the induction variables and the carried values and returns the
/// values to carry on. Returns the nest's results (the body runs once,
/// inline, when `sizes` is empty). The loops of the irregular operators
/// (scatters, sorts, data-dependent sizes).
llvm::SmallVector<mlir::Value>
buildLoopNestOver(mlir::OpBuilder &b, mlir::Location loc,
                  mlir::ValueRange sizes, mlir::ValueRange iterArgs,
                  llvm::function_ref<llvm::SmallVector<mlir::Value>(
                      mlir::OpBuilder &, mlir::Location, mlir::ValueRange ivs,
                      mlir::ValueRange args)>
                      body);

/// The axis of an operator that works on the flattened input without one
/// (Compress, Unique): the normalized `axis`, or 0 after `x` (of rank >= 1)
/// has been collapsed to 1-D.
int64_t flattenUnlessAxis(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value &x, std::optional<int64_t> axis);

/// A strict total order over positions (index values): whether position
/// `a` comes before `b`, as an i1.
using PositionOrder = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::Value a, mlir::Value b)>;

/// Selects the first `k` of the positions [0, n) in the order `before` with
/// a heap over `perm` (a 1-D integer tensor of at least n elements, used as
/// scratch and returned): O(n + k log n). For j = 0..k-1 in order, `emit`
/// gets j, the j-th position and the carried values (initially `iterArgs`)
/// and returns them updated; their final values go to `results`.
mlir::Value heapSelect(mlir::OpBuilder &b, mlir::Location loc, mlir::Value perm,
                       mlir::Value n, mlir::Value k, PositionOrder before,
                       llvm::function_ref<llvm::SmallVector<mlir::Value>(
                           mlir::OpBuilder &, mlir::Location, mlir::Value j,
                           mlir::Value position, mlir::ValueRange carried)>
                           emit,
                       mlir::ValueRange iterArgs,
                       llvm::SmallVectorImpl<mlir::Value> &results);
/// Offsets, sizes and strides of the slice at `pos` along `axis` of `t`
/// (size 1 there, full elsewhere).
void getAxisSlice(mlir::OpBuilder &b, mlir::Location loc, mlir::Value t,
                  int64_t axis, mlir::OpFoldResult pos,
                  llvm::SmallVectorImpl<mlir::OpFoldResult> &offsets,
                  llvm::SmallVectorImpl<mlir::OpFoldResult> &sizes,
                  llvm::SmallVectorImpl<mlir::OpFoldResult> &strides);

/// `element` (rank r) inserted into `dest` (rank r + 1) at `pos` along
/// `axis`.
mlir::Value insertAlongAxis(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value element, mlir::Value dest, int64_t axis,
                            mlir::OpFoldResult pos);

/// The slice of `t` (rank r + 1) at `pos` along `axis`, without that axis.
mlir::Value extractAlongAxis(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value t, int64_t axis,
                             mlir::OpFoldResult pos);

/// `v` as `type`: itself, or a tensor.cast between ranked tensors of the
/// same element type.
mlir::Value castTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                   mlir::Type type);

/// tensor.expand_shape of `src` into `type` (sizes: the result's), or a
/// tensor.reshape to the same sizes when a group expands into more than one
/// dynamic dimension (LLVM 19's bufferization of expand_shape infers the
/// output shape, which such a group does not determine).
mlir::Value expandShape(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type, mlir::Value src,
                        llvm::ArrayRef<mlir::ReassociationIndices> reassoc,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes);

void populateElementwisePatterns(const mlir::TypeConverter &tc,
                                 mlir::RewritePatternSet &patterns);
void populateAttentionPatterns(const mlir::TypeConverter &tc,
                               mlir::RewritePatternSet &patterns);
void populateQuantizedPatterns(const mlir::TypeConverter &tc,
                               mlir::RewritePatternSet &patterns);
void populateFusedPatterns(const mlir::TypeConverter &tc,
                           mlir::RewritePatternSet &patterns);
void populateMatMulPatterns(const mlir::TypeConverter &tc,
                            mlir::RewritePatternSet &patterns);
void populateConvPatterns(const mlir::TypeConverter &tc,
                          mlir::RewritePatternSet &patterns);
void populateNormalizationPatterns(const mlir::TypeConverter &tc,
                                   mlir::RewritePatternSet &patterns);
void populateLossPatterns(const mlir::TypeConverter &tc,
                          mlir::RewritePatternSet &patterns);
void populateResizePatterns(const mlir::TypeConverter &tc,
                            mlir::RewritePatternSet &patterns);
void populateReductionPatterns(const mlir::TypeConverter &tc,
                               mlir::RewritePatternSet &patterns);
void populateShapePatterns(const mlir::TypeConverter &tc,
                           mlir::RewritePatternSet &patterns);
void populateIndexingPatterns(const mlir::TypeConverter &tc,
                              mlir::RewritePatternSet &patterns);
void populateSliceConcatPatterns(const mlir::TypeConverter &tc,
                                 mlir::RewritePatternSet &patterns);
void populateConstantPatterns(const mlir::TypeConverter &tc,
                              mlir::RewritePatternSet &patterns);
void populateScatterPatterns(const mlir::TypeConverter &tc,
                             mlir::RewritePatternSet &patterns);
void populateSortPatterns(const mlir::TypeConverter &tc,
                          mlir::RewritePatternSet &patterns);
void populateSelectionPatterns(const mlir::TypeConverter &tc,
                               mlir::RewritePatternSet &patterns);
void populateNonMaxSuppressionPatterns(const mlir::TypeConverter &tc,
                                       mlir::RewritePatternSet &patterns);
void populateUniquePatterns(const mlir::TypeConverter &tc,
                            mlir::RewritePatternSet &patterns);
void populateTrainingPatterns(const mlir::TypeConverter &tc,
                              mlir::RewritePatternSet &patterns);
void populateDetPatterns(const mlir::TypeConverter &tc,
                         mlir::RewritePatternSet &patterns);
void populateRoiAlignPatterns(const mlir::TypeConverter &tc,
                              mlir::RewritePatternSet &patterns);
void populateControlFlowPatterns(const mlir::TypeConverter &tc,
                                 mlir::RewritePatternSet &patterns);
void populateRecurrentPatterns(const mlir::TypeConverter &tc,
                               mlir::RewritePatternSet &patterns);
void populateGridSamplePatterns(const mlir::TypeConverter &tc,
                                mlir::RewritePatternSet &patterns);
void populateSpectralPatterns(const mlir::TypeConverter &tc,
                              mlir::RewritePatternSet &patterns);
void populateRandomPatterns(const mlir::TypeConverter &tc,
                            mlir::RewritePatternSet &patterns);

} // namespace fulcrum::lowering

#endif // FULCRUM_LIB_CONVERSION_ONNXTOLINALG_COMMON_H
