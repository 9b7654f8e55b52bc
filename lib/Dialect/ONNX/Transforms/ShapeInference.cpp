//===- ShapeInference.cpp - fulcrum-onnx-shape-inference ------------------===//
//
// Part of Fulcrum. Refines ONNX result types with ShapeInferenceOpInterface.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h"
#include "fulcrum/Support/PassStatistic.h"

#include "mlir/IR/TypeUtilities.h"

namespace fulcrum::onnx {
#define GEN_PASS_DEF_ONNXSHAPEINFERENCE
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h.inc"
} // namespace fulcrum::onnx

using namespace mlir;

static fulcrum::PassCounter refinedCount("fulcrum-onnx-shape-inference",
                                         "Number of result types refined");
using namespace fulcrum::onnx;

namespace {

/// The most specific type compatible with both `a` and `b`, or null if they
/// conflict.
Type meetTypes(Type a, Type b) {
  if (a == b)
    return a;
  auto sa = dyn_cast<TensorType>(a);
  auto sb = dyn_cast<TensorType>(b);
  if (!sa || !sb || sa.getElementType() != sb.getElementType())
    return nullptr;
  if (!sa.hasRank())
    return b;
  if (!sb.hasRank())
    return a;
  if (sa.getRank() != sb.getRank())
    return nullptr;
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(sa.getShape(), sb.getShape())) {
    if (ShapedType::isDynamic(x))
      shape.push_back(y);
    else if (ShapedType::isDynamic(y) || x == y)
      shape.push_back(x);
    else
      return nullptr;
  }
  return RankedTensorType::get(shape, sa.getElementType());
}

/// The most general of `a` and `b`: dimensions on which they differ become
/// dynamic, and a rank mismatch makes it unranked. A loop-carried value
/// takes this type when its body yields another shape than it receives.
Type joinTypes(Type a, Type b) {
  if (a == b)
    return a;
  auto sa = dyn_cast<TensorType>(a);
  auto sb = dyn_cast<TensorType>(b);
  if (!sa || !sb || sa.getElementType() != sb.getElementType())
    return a; // Sequences, optionals: left as they are.
  if (!sa.hasRank() || !sb.hasRank() || sa.getRank() != sb.getRank())
    return UnrankedTensorType::get(sa.getElementType());
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(sa.getShape(), sb.getShape()))
    shape.push_back(x == y ? x : ShapedType::kDynamic);
  return RankedTensorType::get(shape, sa.getElementType());
}

/// `type` (a ranked tensor) without dimension `axis`, or with a new one of
/// size `size` inserted there; other types are returned unchanged.
Type dropDim(Type type, int64_t axis) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t || axis < 0 || axis >= t.getRank())
    return type;
  SmallVector<int64_t> shape(t.getShape());
  shape.erase(shape.begin() + axis);
  return t.clone(shape);
}
Type insertDim(Type type, int64_t axis, int64_t size) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t || axis < 0 || axis > t.getRank())
    return type;
  SmallVector<int64_t> shape(t.getShape());
  shape.insert(shape.begin() + axis, size);
  return t.clone(shape);
}

/// A non-negative axis for a rank, or -1.
int64_t normalizeAxis(int64_t axis, Type type, int64_t extra = 0) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t)
    return -1;
  int64_t rank = t.getRank() + extra;
  if (axis < 0)
    axis += rank;
  return axis >= 0 && axis < rank ? axis : -1;
}

/// The result type of a superseded reduction, whose axes are an attribute
/// (Reduce* before opset 18, ReduceSum before 13), which has no
/// ShapeInferenceOpInterface: the input without the reduced dimensions
/// (keepdims = 0) or with them as 1 (keepdims = 1, the default); no axes
/// reduce every dimension. Null when the op is not of that form.
Type inferLegacyReduction(Operation *op) {
  if (!op->hasTrait<trait::Reduction>() || op->getNumOperands() != 1 ||
      op->getNumResults() != 1 || op->hasAttr("axis"))
    return {};
  auto in = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
  auto out = dyn_cast<TensorType>(op->getResult(0).getType());
  if (!in || !out)
    return {};
  SmallVector<bool> reduced(in.getRank(), true);
  if (Attribute attr = op->getAttr("axes")) {
    auto axes = dyn_cast<DenseI64ArrayAttr>(attr);
    if (!axes)
      return {};
    reduced.assign(in.getRank(), false);
    for (int64_t axis : axes.asArrayRef()) {
      axis = normalizeAxis(axis, in);
      if (axis < 0)
        return {};
      reduced[axis] = true;
    }
  }
  bool keep = true;
  if (auto keepdims = op->getAttrOfType<IntegerAttr>("keepdims"))
    keep = keepdims.getInt() != 0;
  SmallVector<int64_t> shape;
  for (auto [d, size] : llvm::enumerate(in.getShape()))
    if (!reduced[d])
      shape.push_back(size);
    else if (keep)
      shape.push_back(1);
  return RankedTensorType::get(shape, out.getElementType());
}

struct ONNXShapeInferencePass
    : public fulcrum::onnx::impl::ONNXShapeInferenceBase<
          ONNXShapeInferencePass> {
  /// Refines `value` to the meet of its type and `type`; fails (after an
  /// error on `op`) when they conflict.
  LogicalResult refine(Operation *op, Value value, Type type) {
    // Sequences and optionals (of subgraphs) are left as declared.
    if (!isa<TensorType>(value.getType()) || !isa<TensorType>(type))
      return success();
    Type refined = meetTypes(value.getType(), type);
    if (!refined)
      return op->emitOpError("result type ")
             << value.getType() << " conflicts with the inferred type " << type;
    if (refined != value.getType()) {
      value.setType(refined);
      ++numRefined;
      ++refinedCount;
    }
    return success();
  }

  LogicalResult inferRegion(Region &region) {
    for (Block &block : region)
      for (Operation &op : block)
        if (failed(inferOp(&op)))
          return failure();
    return success();
  }

  /// Infers a loop body whose first block arguments from `firstCarried` on
  /// carry `carried` (the loop's initial values) and receive the yielded
  /// values from `firstYielded` on. A carried value whose yielded type
  /// differs from the one it enters with is generalized (joinTypes) and the
  /// body inferred again from its declared types.
  LogicalResult inferLoopBody(Region &body, unsigned firstCarried,
                              ValueRange carried, unsigned firstYielded) {
    Block &block = body.front();
    SmallVector<std::pair<Value, Type>> declared;
    body.walk([&](Operation *op) {
      for (Value r : op->getResults())
        declared.push_back({r, r.getType()});
      for (Region &nested : op->getRegions())
        for (Block &b : nested)
          for (Value a : b.getArguments())
            declared.push_back({a, a.getType()});
    });
    SmallVector<Type> types;
    for (auto [i, init] : llvm::enumerate(carried)) {
      Type arg = block.getArgument(firstCarried + i).getType();
      Type t = meetTypes(arg, init.getType());
      types.push_back(t ? t : arg);
    }
    for (int attempt = 0;; ++attempt) {
      for (auto [i, t] : llvm::enumerate(types))
        block.getArgument(firstCarried + i).setType(t);
      if (failed(inferRegion(body)))
        return failure();
      Operation *yield = block.getTerminator();
      bool stable = true;
      for (auto [i, t] : llvm::enumerate(types)) {
        unsigned y = firstYielded + i;
        if (y >= yield->getNumOperands())
          break;
        Type joined = joinTypes(t, yield->getOperand(y).getType());
        stable &= joined == t;
        t = joined;
      }
      // Each attempt makes some dimension dynamic or some type unranked,
      // so this converges within the carried types' total rank.
      if (stable)
        return success();
      if (attempt == 64)
        return body.getParentOp()->emitOpError(
            "loop-carried types do not converge");
      for (auto [v, t] : declared)
        v.setType(t);
    }
  }

  LogicalResult inferIf(IfOp op) {
    if (failed(inferRegion(op.getThenBranch())) ||
        failed(inferRegion(op.getElseBranch())))
      return failure();
    Operation *thenYield = op.getThenBranch().front().getTerminator();
    Operation *elseYield = op.getElseBranch().front().getTerminator();
    for (auto [i, result] : llvm::enumerate(op->getResults()))
      if (failed(refine(op, result,
                        joinTypes(thenYield->getOperand(i).getType(),
                                  elseYield->getOperand(i).getType()))))
        return failure();
    return success();
  }

  /// Loop: body(iteration, cond, carried...) -> (cond, carried...,
  /// scan elements...); results: carried..., scan outputs (elements stacked
  /// along a new first axis of run-time length).
  LogicalResult inferLoop(LoopOp op) {
    ValueRange carried = op.getVInitial();
    if (failed(inferLoopBody(op.getBody(), 2, carried, 1)))
      return failure();
    Block &block = op.getBody().front();
    Operation *yield = block.getTerminator();
    for (auto [i, result] : llvm::enumerate(op->getResults())) {
      Type t = i < carried.size()
                   ? block.getArgument(2 + i).getType()
                   : insertDim(yield->getOperand(1 + i).getType(), 0,
                               ShapedType::kDynamic);
      if (isa<RankedTensorType>(t) || i < carried.size())
        if (failed(refine(op, result, t)))
          return failure();
    }
    return success();
  }

  /// Scan: body(states..., scan elements...) -> (states..., scan output
  /// elements...); scan inputs lose their scan axis, scan outputs gain one
  /// of the sequence length.
  LogicalResult inferScan(ScanOp op) {
    ValueRange operands = op.getInitialStateAndScanInputs();
    int64_t numScan = op.getNumScanInputs();
    int64_t numStates = operands.size() - numScan;
    Block &block = op.getBody().front();
    int64_t length = ShapedType::kDynamic;
    for (int64_t i = 0; i < numScan; ++i) {
      Value input = operands[numStates + i];
      int64_t axis = 0;
      if (auto axes = op.getScanInputAxes())
        axis = (*axes)[i];
      axis = normalizeAxis(axis, input.getType());
      if (axis < 0)
        continue;
      auto t = cast<RankedTensorType>(input.getType());
      if (!t.isDynamicDim(axis))
        length = t.getDimSize(axis);
      BlockArgument arg = block.getArgument(numStates + i);
      if (Type m = meetTypes(arg.getType(), dropDim(t, axis)))
        arg.setType(m);
    }
    if (failed(
            inferLoopBody(op.getBody(), 0, operands.take_front(numStates), 0)))
      return failure();
    Operation *yield = block.getTerminator();
    for (auto [i, result] : llvm::enumerate(op->getResults())) {
      if ((int64_t)i < numStates) {
        if (failed(refine(op, result, block.getArgument(i).getType())))
          return failure();
        continue;
      }
      Type element = yield->getOperand(i).getType();
      int64_t axis = 0;
      if (auto axes = op.getScanOutputAxes())
        axis = (*axes)[i - numStates];
      axis = normalizeAxis(axis, element, 1);
      if (axis >= 0 &&
          failed(refine(op, result, insertDim(element, axis, length))))
        return failure();
    }
    return success();
  }

  LogicalResult inferOp(Operation *op) {
    std::string malformed = checkSubgraphArity(op);
    if (!malformed.empty())
      return op->emitOpError(malformed);
    if (auto ifOp = dyn_cast<IfOp>(op))
      return inferIf(ifOp);
    if (auto loop = dyn_cast<LoopOp>(op))
      return inferLoop(loop);
    if (auto scan = dyn_cast<ScanOp>(op))
      return inferScan(scan);
    for (Region &region : op->getRegions())
      if (failed(inferRegion(region)))
        return failure();
    auto iface = dyn_cast<ShapeInferenceOpInterface>(op);
    if (!iface) {
      if (Type type = inferLegacyReduction(op))
        return refine(op, op->getResult(0), type);
      return success();
    }
    SmallVector<Type> inferred;
    if (failed(iface.inferResultTypes(inferred)))
      return failure();
    for (auto [result, type] : llvm::zip(op->getResults(), inferred))
      if (failed(refine(op, result, type)))
        return failure();
    return success();
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (failed(inferRegion(func.getBody())))
      return signalPassFailure();

    // Keep the signature in step with what the function returns.
    if (func.isExternal())
      return;
    Operation *terminator = func.getBody().back().getTerminator();
    if (!isa<func::ReturnOp>(terminator))
      return;
    auto type = FunctionType::get(&getContext(), func.getArgumentTypes(),
                                  terminator->getOperandTypes());
    if (type != func.getFunctionType())
      func.setFunctionType(type);
  }
};

} // namespace
