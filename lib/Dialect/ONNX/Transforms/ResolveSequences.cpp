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
      Type declared = at.getTensor().getType();
      if (v.getType() != declared && isa<RankedTensorType>(declared) &&
          isa<RankedTensorType>(v.getType()))
        v = OpBuilder(op).create<tensor::CastOp>(op->getLoc(), declared, v);
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

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    known.clear();
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
