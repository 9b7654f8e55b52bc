//===- ResolveSequences.cpp - fulcrum-onnx-resolve-sequences --------------===//
//
// Part of Fulcrum. Follows sequences whose elements are known at compile
// time (built by SequenceEmpty, SequenceConstruct, SequenceInsert,
// SequenceErase and SplitToSequence with constant positions and split
// sizes) and replaces what reads them (SequenceAt, SequenceLength,
// ConcatFromSequence) by the tensors themselves, Split, Squeeze, Unsqueeze,
// Concat and constants. Sequence operations left without users are erased.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ConstantValues.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h"
#include "fulcrum/Support/PassStatistic.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace fulcrum::onnx {
#define GEN_PASS_DEF_ONNXRESOLVESEQUENCES
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h.inc"
} // namespace fulcrum::onnx

using namespace mlir;

static fulcrum::PassCounter resolvedCount("fulcrum-onnx-resolve-sequences",
                                          "Sequence reads resolved");
using namespace fulcrum::onnx;

namespace {

/// A constant scalar position, normalized against `size` (`insert`: one
/// past the end is valid); nullopt when absent (`fallback` then) or
/// unknown.
std::optional<int64_t> getPosition(Value pos, int64_t size, bool insert,
                                   int64_t fallback) {
  if (isNoValue(pos))
    return fallback;
  auto values = getConstantInts(pos);
  if (!values || values->size() != 1)
    return std::nullopt;
  int64_t p = (*values)[0];
  if (p < 0)
    p += size;
  if (p < 0 || p > size || (!insert && p == size))
    return std::nullopt;
  return p;
}

Value createI64Constant(OpBuilder &b, Location loc, ArrayRef<int64_t> values,
                        bool scalar) {
  auto type = RankedTensorType::get(
      scalar ? ArrayRef<int64_t>{} : ArrayRef<int64_t>{(int64_t)values.size()},
      b.getI64Type());
  return b.create<ConstantOp>(
      loc, TypeRange{type}, ValueRange{},
      b.getNamedAttr("value", DenseIntElementsAttr::get(type, values)));
}

/// `v` as the declared type of the value it replaces: a tensor.cast
/// between ranked tensors (unranked declared types take `v` as it is).
Value castTo(OpBuilder &b, Location loc, Value v, Type declared) {
  if (v.getType() == declared || !isa<RankedTensorType>(declared) ||
      !isa<RankedTensorType>(v.getType()))
    return v;
  return b.create<tensor::CastOp>(loc, declared, v);
}

struct ONNXResolveSequencesPass
    : public fulcrum::onnx::impl::ONNXResolveSequencesBase<
          ONNXResolveSequencesPass> {
  /// The elements of each known sequence (null where only the count is
  /// known).
  DenseMap<Value, SmallVector<Value>> known;

  /// The tensors of SplitToSequence, or nullopt when the sizes along the
  /// axis are not known.
  std::optional<SmallVector<Value>> split(SplitToSequenceOp op) {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!type)
      return std::nullopt;
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += type.getRank();
    if (axis < 0 || axis >= type.getRank() || type.isDynamicDim(axis))
      return std::nullopt;
    int64_t length = type.getDimSize(axis);
    SmallVector<int64_t> sizes;
    bool squeeze = false;
    if (isNoValue(op.getSplit())) {
      sizes.assign(length, 1);
      squeeze = op.getKeepdims() == 0;
    } else {
      auto values = getConstantInts(op.getSplit());
      auto splitType = dyn_cast<RankedTensorType>(op.getSplit().getType());
      if (!values || !splitType)
        return std::nullopt;
      if (splitType.getRank() == 0) {
        int64_t chunk = (*values)[0];
        if (chunk <= 0)
          return std::nullopt;
        for (int64_t done = 0; done < length; done += chunk)
          sizes.push_back(std::min(chunk, length - done));
      } else {
        sizes = *values;
      }
    }
    if (sizes.empty())
      return SmallVector<Value>{};
    OpBuilder b(op);
    Location loc = op.getLoc();
    SmallVector<Type> types;
    for (int64_t s : sizes) {
      SmallVector<int64_t> shape(type.getShape());
      shape[axis] = s;
      types.push_back(type.clone(shape));
    }
    Value splitSizes = createI64Constant(b, loc, sizes, false);
    auto parts =
        b.create<SplitOp>(loc, types, ValueRange{op.getInput(), splitSizes},
                          b.getNamedAttr("axis", b.getI64IntegerAttr(axis)));
    SmallVector<Value> tensors(parts.getResults());
    if (squeeze) {
      Value axes = createI64Constant(b, loc, {axis}, false);
      for (Value &t : tensors) {
        SmallVector<int64_t> shape(type.getShape());
        shape.erase(shape.begin() + axis);
        t = b.create<SqueezeOp>(loc, TypeRange{type.clone(shape)},
                                ValueRange{t, axes});
      }
    }
    return tensors;
  }

  /// The number of parts of a SplitToSequence whose split sizes are a 1-D
  /// tensor of static length, known only at run time.
  std::optional<int64_t> countSplits(SplitToSequenceOp op) {
    auto type = dyn_cast<RankedTensorType>(op.getSplit().getType());
    if (isNoValue(op.getSplit()) || !type || type.getRank() != 1 ||
        type.isDynamicDim(0))
      return std::nullopt;
    return type.getDimSize(0);
  }

  /// Follows the sequence op `op` (records its elements) or resolves a
  /// read of a known sequence (replaces its uses).
  void visit(Operation *op) {
    auto elements = [&](Value seq) -> SmallVector<Value> * {
      auto it = known.find(seq);
      return it == known.end() ? nullptr : &it->second;
    };
    if (isa<SequenceEmptyOp>(op)) {
      known[op->getResult(0)] = {};
    } else if (auto construct = dyn_cast<SequenceConstructOp>(op)) {
      known[op->getResult(0)] = llvm::to_vector(construct.getInputs());
    } else if (auto insert = dyn_cast<SequenceInsertOp>(op)) {
      SmallVector<Value> *seq = elements(insert.getInputSequence());
      if (!seq)
        return;
      auto pos =
          getPosition(insert.getPosition(), seq->size(), true, seq->size());
      if (!pos)
        return;
      SmallVector<Value> result(*seq);
      result.insert(result.begin() + *pos, insert.getTensor());
      known[op->getResult(0)] = result;
    } else if (auto erase = dyn_cast<SequenceEraseOp>(op)) {
      SmallVector<Value> *seq = elements(erase.getInputSequence());
      if (!seq || seq->empty())
        return;
      auto pos =
          getPosition(erase.getPosition(), seq->size(), false, seq->size() - 1);
      if (!pos)
        return;
      SmallVector<Value> result(*seq);
      result.erase(result.begin() + *pos);
      known[op->getResult(0)] = result;
    } else if (auto splitOp = dyn_cast<SplitToSequenceOp>(op)) {
      if (auto tensors = split(splitOp))
        known[op->getResult(0)] = *tensors;
      else if (auto n = countSplits(splitOp))
        known[op->getResult(0)] = SmallVector<Value>(*n, Value());
    } else if (auto at = dyn_cast<SequenceAtOp>(op)) {
      SmallVector<Value> *seq = elements(at.getInputSequence());
      if (!seq)
        return;
      auto pos = getPosition(at.getPosition(), seq->size(), false, 0);
      if (!pos)
        return;
      Value v = (*seq)[*pos];
      if (!v)
        return;
      OpBuilder b(op);
      v = castTo(b, op->getLoc(), v, at.getTensor().getType());
      resolve(op, v);
    } else if (auto length = dyn_cast<SequenceLengthOp>(op)) {
      SmallVector<Value> *seq = elements(length.getInputSequence());
      if (!seq)
        return;
      OpBuilder b(op);
      resolve(op,
              createI64Constant(b, op->getLoc(), {(int64_t)seq->size()}, true));
    } else if (auto concat = dyn_cast<ConcatFromSequenceOp>(op)) {
      SmallVector<Value> *seq = elements(concat.getInputSequence());
      if (!seq || seq->empty())
        return;
      OpBuilder b(op);
      Location loc = op->getLoc();
      int64_t axis = concat.getAxis();
      SmallVector<Value> inputs(*seq);
      if (llvm::is_contained(inputs, Value()))
        return;
      if (concat.getNewAxis()) {
        auto first = dyn_cast<RankedTensorType>(inputs[0].getType());
        if (!first)
          return;
        if (axis < 0)
          axis += first.getRank() + 1;
        Value axes = createI64Constant(b, loc, {axis}, false);
        for (Value &v : inputs) {
          auto t = dyn_cast<RankedTensorType>(v.getType());
          if (!t)
            return;
          SmallVector<int64_t> shape(t.getShape());
          shape.insert(shape.begin() + axis, 1);
          v = b.create<UnsqueezeOp>(loc, TypeRange{t.clone(shape)},
                                    ValueRange{v, axes});
        }
      }
      resolve(op, b.create<ConcatOp>(
                       loc, TypeRange{concat.getType()}, inputs,
                       b.getNamedAttr("axis", b.getI64IntegerAttr(axis)))
                      .getResult());
    }
  }

  void resolve(Operation *op, Value v) {
    op->getResult(0).replaceAllUsesWith(v);
    ++numResolved;
    ++resolvedCount;
  }

  /// A Loop-carried sequence that starts empty and to which the body only
  /// appends one tensor per iteration is a scan output: the Loop is rebuilt
  /// with the tensor as a new scan output S, and the readers of the final
  /// sequence read S (ConcatFromSequence along a new axis: S, transposed
  /// when the axis is not 0; along axis 0 without new axis: S reshaped;
  /// SequenceAt: a Gather; SequenceLength: S's first dimension). Returns
  /// the rebuilt Loop, or null.
  LoopOp appendsToScan(LoopOp loop, unsigned k) {
    if (!checkSubgraphArity(loop).empty())
      return nullptr; // Malformed: shape inference reports it.
    Value init = loop.getVInitial()[k];
    auto empty = init.getDefiningOp<SequenceEmptyOp>();
    Block &body = loop.getBody().front();
    BlockArgument arg = body.getArgument(2 + k);
    Operation *yield = body.getTerminator();
    if (!empty || !arg.hasOneUse())
      return nullptr;
    auto insert = dyn_cast<SequenceInsertOp>(*arg.getUsers().begin());
    if (!insert || insert->getBlock() != &body ||
        !isNoValue(insert.getPosition()) || !insert->hasOneUse() ||
        *insert->getUsers().begin() != yield ||
        yield->getOperand(1 + k) != insert.getResult())
      return nullptr;
    // Every reader of the final sequence must have a tensor equivalent.
    Value final = loop->getResult(k);
    auto element = dyn_cast<RankedTensorType>(insert.getTensor().getType());
    for (Operation *user : final.getUsers()) {
      if (isa<SequenceAtOp, SequenceLengthOp>(user))
        continue;
      auto concat = dyn_cast<ConcatFromSequenceOp>(user);
      if (!concat || !element)
        return nullptr;
      if (!concat.getNewAxis() &&
          (concat.getAxis() != 0 && concat.getAxis() != -element.getRank()))
        return nullptr;
      if (!concat.getNewAxis() && (element.getRank() == 0 ||
                                   llvm::any_of(element.getShape().drop_front(),
                                                ShapedType::isDynamic)))
        return nullptr;
    }

    // The new Loop: carried value k removed, scan output S appended.
    OpBuilder b(loop);
    Location loc = loop.getLoc();
    SmallVector<Value> operands(loop->getOperands());
    operands.erase(operands.begin() + 2 + k);
    SmallVector<Type> types(loop->getResultTypes());
    types.erase(types.begin() + k);
    Type scanType =
        element ? Type(RankedTensorType::get(
                      [&] {
                        SmallVector<int64_t> shape = {ShapedType::kDynamic};
                        llvm::append_range(shape, element.getShape());
                        return shape;
                      }(),
                      element.getElementType()))
                : Type(UnrankedTensorType::get(
                      cast<TensorType>(insert.getTensor().getType())
                          .getElementType()));
    types.push_back(scanType);
    auto newLoop = b.create<LoopOp>(loc, types, operands, loop->getAttrs());
    newLoop.getBody().takeBody(loop.getBody());
    yield->eraseOperand(1 + k);
    yield->insertOperands(yield->getNumOperands(), insert.getTensor());
    insert->erase();
    body.eraseArgument(2 + k);
    unsigned numResults = loop->getNumResults();
    for (unsigned i = 0; i < numResults; ++i)
      if (i != k)
        loop->getResult(i).replaceAllUsesWith(
            newLoop->getResult(i < k ? i : i - 1));
    Value scan = newLoop->getResults().back();

    // The readers of the final sequence.
    for (Operation *user : llvm::make_early_inc_range(final.getUsers())) {
      OpBuilder ub(user);
      Location l = user->getLoc();
      Value replacement;
      if (auto at = dyn_cast<SequenceAtOp>(user)) {
        replacement = ub.create<GatherOp>(
            l, TypeRange{at.getType()}, ValueRange{scan, at.getPosition()},
            ub.getNamedAttr("axis", ub.getI64IntegerAttr(0)));
      } else if (isa<SequenceLengthOp>(user)) {
        Value shape = ub.create<ShapeOp>(
            l, TypeRange{RankedTensorType::get({1}, ub.getI64Type())},
            ValueRange{scan},
            ArrayRef<NamedAttribute>{
                ub.getNamedAttr("start", ub.getI64IntegerAttr(0)),
                ub.getNamedAttr("end", ub.getI64IntegerAttr(1))});
        replacement = ub.create<SqueezeOp>(
            l, TypeRange{user->getResult(0).getType()},
            ValueRange{shape, createI64Constant(ub, l, {0}, false)});
      } else {
        auto concat = cast<ConcatFromSequenceOp>(user);
        int64_t rank = element.getRank();
        int64_t axis = concat.getAxis();
        if (concat.getNewAxis()) {
          if (axis < 0)
            axis += rank + 1;
          replacement = scan;
          if (axis != 0) {
            SmallVector<int64_t> perm;
            for (int64_t d = 1; d <= rank; ++d) {
              if (d == axis + 1)
                perm.push_back(0);
              perm.push_back(d);
            }
            if ((int64_t)perm.size() == rank)
              perm.push_back(0);
            replacement = ub.create<TransposeOp>(
                l, TypeRange{concat.getType()}, ValueRange{scan},
                ub.getNamedAttr("perm", ub.getDenseI64ArrayAttr(perm)));
          }
        } else {
          SmallVector<int64_t> shape = {-1};
          llvm::append_range(shape, element.getShape().drop_front());
          replacement = ub.create<ReshapeOp>(
              l, TypeRange{concat.getType()},
              ValueRange{scan, createI64Constant(ub, l, shape, false)});
        }
      }
      Type declared = user->getResult(0).getType();
      if (replacement.getType() != declared)
        replacement = castTo(ub, l, replacement, declared);
      user->getResult(0).replaceAllUsesWith(replacement);
      user->erase();
    }
    loop->erase();
    if (empty->use_empty())
      empty->erase();
    ++numResolved;
    ++resolvedCount;
    return newLoop;
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    known.clear();
    // Loops that append to carried sequences first (they are rebuilt).
    SmallVector<LoopOp> loops;
    func.walk([&](LoopOp loop) { loops.push_back(loop); });
    for (LoopOp loop : loops)
      for (unsigned k = 0; k < loop.getVInitial().size();) {
        if (LoopOp rebuilt = appendsToScan(loop, k))
          loop = rebuilt; // Carried value k is now the next one.
        else
          ++k;
      }
    // In order, subgraphs (If/Loop/Scan bodies) included: definitions come
    // before their uses.
    SmallVector<Operation *> ops;
    func.walk<WalkOrder::PreOrder>([&](Operation *op) { ops.push_back(op); });
    for (Operation *op : ops)
      visit(op);
    // Sequence operations nobody reads any more, last first.
    for (Operation *op : llvm::reverse(ops))
      if (isa<SequenceEmptyOp, SequenceConstructOp, SequenceInsertOp,
              SequenceEraseOp, SplitToSequenceOp, SequenceAtOp,
              SequenceLengthOp, ConcatFromSequenceOp>(op) &&
          op->use_empty())
        op->erase();
  }
};

} // namespace
