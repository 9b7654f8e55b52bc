//===- Prune.h - Structured pruning of onnx graphs --------------*- C++ -*-===//
//
// Part of Fulcrum. Channel groups (fulcrum/Prune/Dependency.h) are ranked
// by an importance criterion and their least important units removed
// physically: weights and shapes shrink, and every op that reads the
// channels is rewritten. No masks.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_PRUNE_PRUNE_H
#define FULCRUM_PRUNE_PRUNE_H

#include "fulcrum/Prune/Dependency.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"

#include <optional>
#include <utility>

namespace fulcrum::prune {

enum class Criterion { L1, L2, BatchNormScale, Activation };

/// Parses `l1|l2|bn|activation`.
std::optional<Criterion> parseCriterion(llvm::StringRef name);

/// The importance of each unit of `group` from weights: the L1 or L2 norm
/// of the producers' output rows (Conv filters, Gemm/MatMul columns), or
/// the magnitude of the BatchNormalization scale (L2 where the group has no
/// BatchNormalization). Not for Criterion::Activation.
llvm::SmallVector<double> getWeightImportance(DependencyGraph &graph,
                                              const ChannelGroup &group,
                                              Criterion criterion);

/// The `count` units of `importance` with the smallest values (ties: the
/// later unit goes first), as indices into the group's units.
llvm::SmallVector<unsigned>
selectLeastImportant(llvm::ArrayRef<double> importance, unsigned count);

/// Removes the units (union-find roots) in `removed` from `func`: slices
/// the weights, biases, BatchNormalization parameters, broadcast
/// constants and shape constants, updates depthwise groups and the types
/// of every tensor that loses channels. Fails (with a diagnostic) when a
/// removed unit is not prunable.
mlir::LogicalResult removeChannels(mlir::func::FuncOp func,
                                   DependencyGraph &graph,
                                   const llvm::DenseSet<unsigned> &removed);

/// A slice of the constant tensor `c`: along each listed axis only the
/// given indices, in order.
using AxisSlice = std::pair<int64_t, llvm::ArrayRef<int64_t>>;
mlir::Value sliceConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::Value c,
                          llvm::ArrayRef<AxisSlice> slices);

/// Replaces `onnx.Identity` of constants (PyTorch's exporter shares equal
/// biases through them) by the constants, so that the analysis sees
/// constant weights.
void forwardConstantIdentities(mlir::func::FuncOp func);

/// An f32 `onnx.Constant` of `shape` holding `values`.
mlir::Value createConstant(mlir::OpBuilder &b, mlir::Location loc,
                           llvm::ArrayRef<int64_t> shape,
                           llvm::ArrayRef<float> values);

} // namespace fulcrum::prune

#endif // FULCRUM_PRUNE_PRUNE_H
