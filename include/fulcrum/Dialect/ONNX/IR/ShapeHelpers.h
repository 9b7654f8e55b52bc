//===- ShapeHelpers.h - Shape logic shared by ONNX ops ----------*- C++ -*-===//
//
// Part of Fulcrum. Shape computations that ONNX operators share (broadcast,
// axis normalization, convolution/pooling windows, constant operands). Used
// by the operators' type inference and, later, by their lowerings, so that
// each rule exists once.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_ONNX_IR_SHAPEHELPERS_H
#define FULCRUM_DIALECT_ONNX_IR_SHAPEHELPERS_H

#include "fulcrum/Dialect/ONNX/IR/ConstantValues.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"

#include <optional>
#include <string>
#include <utility>

namespace fulcrum::onnx {

class ShapeOp;

/// A tensor type with `shape` (unranked when there is none).
mlir::Type makeTensorType(std::optional<llvm::ArrayRef<int64_t>> shape,
                          mlir::Type elementType);

/// The shape of `type` if it is a ranked tensor.
std::optional<llvm::SmallVector<int64_t>> getTensorShape(mlir::Type type);

/// The MLIR element type of an ONNX `TensorProto::DataType` value (1 =
/// float, 7 = int64, ...), or null for types Fulcrum does not represent.
mlir::Type getElementTypeFromONNX(mlir::MLIRContext *context, int64_t dataType);

/// The ONNX `TensorProto::DataType` of an MLIR element type, or 0.
int64_t getONNXDataType(mlir::Type elementType);

/// Whether `v` is an absent optional input (a value of type `none`).
bool isNoValue(mlir::Value v);

/// ONNX Slice along one dimension of size `dim` with a non-zero `step`:
/// makes `start` and `end` non-negative and clamps them (to [0, dim] for a
/// positive step; to [0, dim-1] and [-1, dim-1] for a negative one), and
/// returns how many elements the slice takes.
int64_t normalizeSliceBounds(int64_t &start, int64_t &end, int64_t step,
                             int64_t dim);

/// The dimensions [start, end) that `onnx.Shape` returns of an input of rank
/// `rank`: its start/end attributes made non-negative and clamped.
std::pair<int64_t, int64_t> getShapeOpBounds(ShapeOp op, int64_t rank);

/// Whether the subgraphs of an If, Loop or Scan (any version) have as many
/// arguments and yielded values as the operator's operands and results
/// call for; an empty string, or what is wrong. Other operators pass.
std::string checkSubgraphArity(mlir::Operation *op);

/// The elements of a small integer (or bool) tensor as far as they are known
/// at compile time: constants, and shape computations whose inputs have
/// static dimensions (Shape, Size, Gather, Concat, Slice, Unsqueeze,
/// Squeeze, Reshape, Identity, Cast, ConstantOfShape, Add, Sub, Mul, Div,
/// Equal, Where). Elements that depend on a dynamic dimension are
/// ShapedType::kDynamic. std::nullopt when the element count itself is not
/// known or exceeds `maxElements`.
std::optional<llvm::SmallVector<int64_t>>
getKnownInts(mlir::Value v, int64_t maxElements = 64);

/// Normalizes an ONNX axis in [-rank, rank) to [0, rank). Emits an error on
/// `op` and returns std::nullopt when it is out of range.
std::optional<int64_t> normalizeAxis(mlir::Operation *op, int64_t axis,
                                     int64_t rank, llvm::StringRef what);

/// Numpy-style multidirectional broadcast of `shapes`; dynamic dimensions
/// broadcast with 1 or an equal size and otherwise stay dynamic. Emits an
/// error on `op` for incompatible static dimensions.
mlir::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(mlir::Operation *op,
                llvm::ArrayRef<llvm::SmallVector<int64_t>> shapes);

/// Element-wise op result: the broadcast of the ranked operand shapes with
/// `elementType`, or an unranked tensor when an operand is unranked.
mlir::FailureOr<mlir::Type> inferBroadcastType(mlir::Operation *op,
                                               mlir::ValueRange operands,
                                               mlir::Type elementType);

/// Window parameters of a convolution or pooling over `spatialRank` dims.
struct WindowParams {
  llvm::SmallVector<int64_t> kernel, strides, dilations, pads;
  llvm::StringRef autoPad;
  bool ceilMode = false;
};

/// Fills defaults (strides/dilations 1, pads 0) and checks attribute sizes
/// and values against `spatialRank`; on a mismatch, sets `reason` and
/// fails (for patterns, which report it with notifyMatchFailure).
mlir::LogicalResult completeWindowParams(int64_t spatialRank,
                                         WindowParams &params,
                                         std::string &reason);

/// The same, emitting the reason as an error on `op` (for verifiers).
mlir::LogicalResult completeWindowParams(mlir::Operation *op,
                                         int64_t spatialRank,
                                         WindowParams &params);

/// Output size of one spatial dimension of a convolution/pooling window
/// (dynamic in, dynamic out).
int64_t windowOutputSize(int64_t inputSize, int64_t kernel, int64_t stride,
                         int64_t dilation, int64_t padBegin, int64_t padEnd,
                         llvm::StringRef autoPad, bool ceilMode);

} // namespace fulcrum::onnx

#endif // FULCRUM_DIALECT_ONNX_IR_SHAPEHELPERS_H
