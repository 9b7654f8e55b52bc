//===- Dependency.h - Channel dependencies of an onnx graph -----*- C++ -*-===//
//
// Part of Fulcrum. Structured pruning removes whole channels: a channel of
// a convolution's or matrix product's output and the matching input column
// of every consumer. Which channels must go together follows from the
// graph: a residual Add ties the channels of its two operands, a
// BatchNormalization or an activation carries them through, a depthwise
// convolution ties its input channel to its output channel, a Concat maps
// each input's channels to a range of the output's, a Flatten maps channel
// c of [N, C, H, W] to columns c*H*W .. (c+1)*H*W-1 of [N, C*H*W], and a
// constant that broadcasts along the channel axis must be sliced with it.
//
// The analysis is a union-find over individual channels of the tensors it
// tracks (one node per channel of each value). A *unit* is a class of
// channels that must be removed together; a *group* gathers the units that
// touch the same tensors (the 32 output channels of one convolution and
// everything downstream that reads them). A unit is prunable when no
// channel of it reaches an operator the rewrite does not understand (a
// graph input or output, a Reshape it cannot follow, a LayerNorm over the
// channels...) and some convolution or matrix product produces it.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_PRUNE_DEPENDENCY_H
#define FULCRUM_PRUNE_DEPENDENCY_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace fulcrum::prune {

/// Why channels are tied together (bits; a group prints all it has).
enum DependencyKind : unsigned {
  Residual = 1 << 0,    ///< Add/Sub/Mul/... of two activations
  ConcatKind = 1 << 1,  ///< a range of a Concat's output
  BatchNorm = 1 << 2,   ///< BatchNormalization parameters sliced
  Depthwise = 1 << 3,   ///< a depthwise convolution's input and output
  FlattenKind = 1 << 4, ///< Flatten/Reshape to a matrix: channel -> columns
  Broadcast = 1 << 5,   ///< a constant broadcast along the channels sliced
  Heads = 1 << 6,       ///< one attention head's Q/K/V and output columns
};

/// One attention block whose heads can be removed: the values between its
/// Q/K/V projections (`roots`, channels last) and the input of its output
/// projection (`ends`). Every op in between keeps the heads apart (views,
/// products batched over the heads, scales, masks broadcast along the
/// heads, softmax over the keys), so channel c of a root or end belongs to
/// head `headOf[value][c]`, and removing a head removes its Q, K and V
/// columns and its rows of the output projection (HeadRegions.cpp).
struct HeadRegion {
  int64_t numHeads = 0, headDim = 0;
  llvm::SmallVector<mlir::Value> roots, ends;
  /// The ops between the projections, in block order.
  llvm::SmallVector<mlir::Operation *> ops;
  /// Per root and end: the head of each channel of its last axis.
  llvm::DenseMap<mlir::Value, llvm::SmallVector<int64_t>> headOf;
  /// Per result of `ops`: the axis whose size holds the head count as a
  /// factor (-1 when none does).
  llvm::DenseMap<mlir::Value, int64_t> headAxis;
};

/// The attention blocks of `func` whose heads are separable. A block that
/// looks like attention (a Softmax between projections) but is not gets a
/// reason in `rejected` (root value, why).
std::vector<HeadRegion>
findHeadRegions(mlir::func::FuncOp func,
                std::vector<std::pair<mlir::Value, std::string>> *rejected);

/// Rewrites the ops of `region` for `kept` of its heads: result types,
/// Reshape shapes, Slice bounds and Split sizes along the head axes, and
/// the `num_heads` of a fused `fulcrum.attention`.
mlir::LogicalResult shrinkHeadRegion(const HeadRegion &region, int64_t kept);

/// A tensor whose channels the analysis tracks.
struct ChannelSpace {
  mlir::Value value;
  /// The channel axis: 1 for [N, C, ...] and [N, C], the last for rank 3.
  int64_t axis = 1;
  int64_t size = 0;
  /// Its first node.
  unsigned base = 0;
};

/// The channels of one tensor that belong to a group, in the group's unit
/// order (one list of channel indices per unit).
struct GroupMember {
  unsigned space = 0;
  llvm::SmallVector<llvm::SmallVector<int64_t, 1>> channels;
};

struct ChannelGroup {
  /// The union-find roots of its units.
  llvm::SmallVector<unsigned> units;
  llvm::SmallVector<GroupMember> members;
  /// Ops whose output rows are the group's channels (Conv, Gemm, MatMul).
  llvm::SmallVector<mlir::Operation *> producers;
  /// Contractions that read the group's channels as input columns.
  llvm::SmallVector<mlir::Operation *> consumers;
  unsigned kinds = 0;
  bool prunable = false;
  /// Why not, when it is not.
  std::string reason;
};

class DependencyGraph {
public:
  explicit DependencyGraph(mlir::func::FuncOp func);

  const std::vector<ChannelSpace> &getSpaces() const { return spaces; }
  const std::vector<ChannelGroup> &getGroups() const { return groups; }
  /// The tracked space of `v`, or -1.
  int getSpace(mlir::Value v) const {
    auto it = spaceOf.find(v);
    return it == spaceOf.end() ? -1 : static_cast<int>(it->second);
  }
  /// The unit root of channel `c` of space `s`.
  unsigned find(unsigned s, int64_t c) { return findRoot(spaces[s].base + c); }
  unsigned findRoot(unsigned node);

  /// The channels of space `s` that survive when the units in `removed`
  /// (roots) go.
  llvm::SmallVector<int64_t> getKept(unsigned s,
                                     const llvm::DenseSet<unsigned> &removed);

  /// The attention blocks whose heads are groups, and the block of an op.
  const std::vector<HeadRegion> &getHeadRegions() const { return regions; }
  int getHeadRegion(mlir::Operation *op) const {
    auto it = regionOf.find(op);
    return it == regionOf.end() ? -1 : static_cast<int>(it->second);
  }

  /// Prints the groups, one line each (the fulcrum-print-prune-groups
  /// format).
  void print(llvm::raw_ostream &os);

private:
  int track(mlir::Value v);
  void unite(unsigned a, unsigned b, unsigned kind = 0);
  void block(mlir::Value v, llvm::StringRef reason);
  void blockNode(unsigned n, llvm::StringRef reason);
  void mark(mlir::Value v, unsigned kind);
  void visit(mlir::Operation *op);
  void buildGroups();
  void uniteHeads();

  std::vector<ChannelSpace> spaces;
  llvm::DenseMap<mlir::Value, unsigned> spaceOf;
  std::vector<unsigned> parent;
  std::vector<unsigned> kindOf;
  std::vector<std::string> blocked;
  std::vector<bool> produced;
  /// Per node: producing / consuming contractions (collected per root
  /// when the groups are built).
  std::vector<std::pair<unsigned, mlir::Operation *>> producerOf, consumerOf;
  std::vector<ChannelGroup> groups;
  std::vector<HeadRegion> regions;
  llvm::DenseMap<mlir::Operation *, unsigned> regionOf;
  std::vector<std::pair<mlir::Value, std::string>> rejectedHeads;
};

/// A readable name of `v`: its op's location name and result number.
std::string describeValue(mlir::Value v);
/// The name of `op`'s location (the ONNX node name), or its op name.
std::string describeOp(mlir::Operation *op);

} // namespace fulcrum::prune

#endif // FULCRUM_PRUNE_DEPENDENCY_H
