//===- ControlFlow.cpp - Lowering of If, Loop and Scan --------------------===//
//
// Part of Fulcrum. The subgraph regions move into scf ops and their onnx ops
// are lowered in place by the other patterns:
//
//   If   -> scf.if on the extracted condition; both branches yield values
//           cast to the If's result types.
//   Loop -> scf.while over (iteration, condition, carried values, scan
//           accumulators): it runs while iteration < M (when M is given) and
//           the condition holds (when cond is given); scan outputs are
//           written into accumulators along a new first axis that grow by
//           doubling (pre-sized to M up to kLoopPreallocation iterations),
//           and are cut to the iteration count after the loop.
//   Scan -> scf.for over the scan axis of the first scan input: each
//           iteration reads a slice of every scan input (from the end for
//           backward directions) and inserts the scan output elements into
//           tensors of the full result shape along their axes.
//
// Values carried across iterations take the type of the body's block
// argument, which fulcrum-onnx-shape-inference generalizes (dynamic
// dimensions) where the body yields another shape than it receives.
// Refused: unranked carried values, sequences and optionals, and scan
// output elements of dynamic shape.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

/// A Loop with a trip count pre-sizes its scan accumulators for up to this
/// many iterations; beyond it they grow by doubling.
constexpr int64_t kLoopPreallocation = 1024;

/// The converted types of `values` when all are ranked tensors; empty
/// after a match failure naming `what` otherwise.
FailureOr<SmallVector<RankedTensorType>>
getRankedTypes(Operation *op, TypeRange types, const TypeConverter &tc,
               ConversionPatternRewriter &r, StringRef what) {
  SmallVector<RankedTensorType> result;
  for (auto [i, type] : llvm::enumerate(types)) {
    auto ranked = dyn_cast_or_null<RankedTensorType>(tc.convertType(type));
    size_t index = i;
    if (!ranked)
      return r.notifyMatchFailure(op, [&](Diagnostic &d) {
        d << what << " #" << index << " is not a ranked tensor";
      });
    result.push_back(ranked);
  }
  return result;
}

/// The converted operands of the onnx.Yield `yield` (before it is erased).
SmallVector<Value> getYielded(ConversionPatternRewriter &r, Operation *yield) {
  SmallVector<Value> values;
  for (Value v : yield->getOperands())
    values.push_back(r.getRemappedValue(v));
  return values;
}

/// If -> scf.if.
struct IfLowering : public OpConversionPattern<IfOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(IfOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultTypes = getRankedTypes(op, op->getResultTypes(),
                                      *getTypeConverter(), rewriter, "result");
    if (failed(resultTypes))
      return failure();
    Location loc = op.getLoc();
    Value cond = rewriter.create<tensor::ExtractOp>(loc, adaptor.getCond(),
                                                    ValueRange{});
    SmallVector<Type> types(resultTypes->begin(), resultTypes->end());
    auto ifOp = rewriter.create<scf::IfOp>(loc, types, cond, true);
    for (auto [from, to] :
         {std::pair{&op.getThenBranch(), &ifOp.getThenRegion()},
          std::pair{&op.getElseBranch(), &ifOp.getElseRegion()}}) {
      Block *dest = &to->front();
      rewriter.mergeBlocks(&from->front(), dest);
      Operation *yield = dest->getTerminator();
      rewriter.setInsertionPoint(yield);
      SmallVector<Value> values = getYielded(rewriter, yield);
      for (auto [v, type] : llvm::zip(values, types))
        v = castTo(rewriter, loc, v, type);
      rewriter.create<scf::YieldOp>(loc, values);
      rewriter.eraseOp(yield);
    }
    rewriter.replaceOp(op, ifOp.getResults());
    return success();
  }
};

/// Loop -> scf.while (see the file comment).
struct LoopLowering : public OpConversionPattern<LoopOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LoopOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    const TypeConverter &tc = *getTypeConverter();
    Block &body = op.getBody().front();
    Operation *yield = body.getTerminator();
    unsigned numCarried = op.getVInitial().size();
    unsigned numScan = op->getNumResults() - numCarried;
    auto carriedTypes =
        getRankedTypes(op, TypeRange(body.getArgumentTypes()).drop_front(2), tc,
                       rewriter, "loop-carried value");
    auto resultTypes =
        getRankedTypes(op, op->getResultTypes(), tc, rewriter, "result");
    auto elementTypes = getRankedTypes(
        op, TypeRange(yield->getOperandTypes()).drop_front(1 + numCarried), tc,
        rewriter, "scan output element");
    if (failed(carriedTypes) || failed(resultTypes) || failed(elementTypes))
      return failure();
    for (RankedTensorType t : *elementTypes)
      if (!t.hasStaticShape())
        return rewriter.notifyMatchFailure(
            op, "a scan output element has a dynamic shape");

    Location loc = op.getLoc();
    Type i64 = rewriter.getI64Type();
    Type i1 = rewriter.getI1Type();
    Value zero = rewriter.create<arith::ConstantIntOp>(loc, 0, i64);
    bool hasTripCount = !isNoValue(op.getM());
    bool hasCond = !isNoValue(op.getCond());
    Value tripCount =
        hasTripCount
            ? rewriter
                  .create<tensor::ExtractOp>(loc, adaptor.getM(), ValueRange{})
                  .getResult()
            : Value();
    Value cond = hasCond ? rewriter
                               .create<tensor::ExtractOp>(
                                   loc, adaptor.getCond(), ValueRange{})
                               .getResult()
                         : rewriter.create<arith::ConstantIntOp>(loc, 1, i1);

    SmallVector<Value> inits = {zero, cond};
    for (auto [v, type] : llvm::zip(adaptor.getVInitial(), *carriedTypes))
      inits.push_back(castTo(rewriter, loc, v, type));
    // Scan accumulators: [capacity, element shape...].
    SmallVector<RankedTensorType> accTypes;
    if (numScan) {
      Value capacity = rewriter.create<arith::ConstantIndexOp>(loc, 0);
      if (hasTripCount) {
        Value limit =
            rewriter.create<arith::ConstantIntOp>(loc, kLoopPreallocation, i64);
        Value clamped = rewriter.create<arith::MaxSIOp>(
            loc, rewriter.create<arith::MinSIOp>(loc, tripCount, limit), zero);
        capacity = rewriter.create<arith::IndexCastOp>(
            loc, rewriter.getIndexType(), clamped);
      }
      for (RankedTensorType t : *elementTypes) {
        SmallVector<int64_t> shape = {ShapedType::kDynamic};
        llvm::append_range(shape, t.getShape());
        accTypes.push_back(t.clone(shape));
        inits.push_back(createEmpty(rewriter, loc, accTypes.back(), capacity));
      }
    }

    SmallVector<Type> types = llvm::to_vector(ValueRange(inits).getTypes());
    auto whileOp = rewriter.create<scf::WhileOp>(
        loc, types, inits,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value go = args[1];
          if (hasTripCount) {
            Value inRange = b.create<arith::CmpIOp>(
                l, arith::CmpIPredicate::slt, args[0], tripCount);
            go = hasCond ? b.create<arith::AndIOp>(l, inRange, go).getResult()
                         : inRange;
          }
          b.create<scf::ConditionOp>(l, go, args);
        },
        nullptr);

    Block *after = whileOp.getAfterBody();
    rewriter.setInsertionPointToStart(after);
    Value iteration = after->getArgument(0);
    SmallVector<Value> bodyArgs = {
        rewriter.create<tensor::FromElementsOp>(
            loc, RankedTensorType::get({}, i64), iteration),
        rewriter.create<tensor::FromElementsOp>(
            loc, RankedTensorType::get({}, i1), after->getArgument(1))};
    llvm::append_range(bodyArgs, after->getArguments().slice(2, numCarried));
    rewriter.mergeBlocks(&body, after, bodyArgs);

    rewriter.setInsertionPoint(yield);
    SmallVector<Value> yielded = getYielded(rewriter, yield);
    SmallVector<Value> next = {
        rewriter.create<arith::AddIOp>(
            loc, iteration, rewriter.create<arith::ConstantIntOp>(loc, 1, i64)),
        // Without a cond input the body's condition is ignored.
        hasCond
            ? rewriter.create<tensor::ExtractOp>(loc, yielded[0], ValueRange{})
                  .getResult()
            : after->getArgument(1)};
    for (unsigned k = 0; k < numCarried; ++k)
      next.push_back(castTo(rewriter, loc, yielded[1 + k], (*carriedTypes)[k]));
    Value index = rewriter.create<arith::IndexCastOp>(
        loc, rewriter.getIndexType(), iteration);
    for (unsigned j = 0; j < numScan; ++j) {
      Value acc = after->getArgument(2 + numCarried + j);
      acc = growIfFull(rewriter, loc, acc, index);
      next.push_back(insertAlongAxis(rewriter, loc, yielded[1 + numCarried + j],
                                     acc, 0, index));
    }
    rewriter.create<scf::YieldOp>(loc, next);
    rewriter.eraseOp(yield);

    rewriter.setInsertionPointAfter(whileOp);
    SmallVector<Value> results;
    for (unsigned k = 0; k < numCarried; ++k)
      results.push_back(
          castTo(rewriter, loc, whileOp.getResult(2 + k), (*resultTypes)[k]));
    Value count = rewriter.create<arith::IndexCastOp>(
        loc, rewriter.getIndexType(), whileOp.getResult(0));
    for (unsigned j = 0; j < numScan; ++j) {
      Value acc = whileOp.getResult(2 + numCarried + j);
      SmallVector<OpFoldResult> offsets, sizes, strides;
      getAxisSlice(rewriter, loc, acc, 0, rewriter.getIndexAttr(0), offsets,
                   sizes, strides);
      sizes[0] = count;
      Value scan = rewriter.create<tensor::ExtractSliceOp>(loc, acc, offsets,
                                                           sizes, strides);
      results.push_back(
          castTo(rewriter, loc, scan, (*resultTypes)[numCarried + j]));
    }
    rewriter.replaceOp(op, results);
    return success();
  }

  /// `acc` when `index` < its first dimension, else a copy into a tensor of
  /// twice its size (at least 1).
  static Value growIfFull(OpBuilder &b, Location loc, Value acc, Value index) {
    auto type = cast<RankedTensorType>(acc.getType());
    Value capacity = getDimSize(b, loc, acc, 0);
    Value full = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::uge, index,
                                         capacity);
    auto ifOp = b.create<scf::IfOp>(
        loc, full,
        [&](OpBuilder &tb, Location l) {
          Value one = tb.create<arith::ConstantIndexOp>(l, 1);
          Value twice = tb.create<arith::ShLIOp>(l, capacity, one);
          Value size = tb.create<arith::MaxUIOp>(l, twice, one);
          Value grown = createEmpty(tb, l, type, size);
          SmallVector<OpFoldResult> offsets, sizes, strides;
          getAxisSlice(tb, l, acc, 0, tb.getIndexAttr(0), offsets, sizes,
                       strides);
          sizes[0] = capacity;
          Value copy = tb.create<tensor::InsertSliceOp>(l, acc, grown, offsets,
                                                        sizes, strides);
          tb.create<scf::YieldOp>(l, copy);
        },
        [&](OpBuilder &eb, Location l) { eb.create<scf::YieldOp>(l, acc); });
    return ifOp.getResult(0);
  }
};

/// The attribute's value for scan input/output `i`, or 0.
int64_t getAttrValue(std::optional<ArrayRef<int64_t>> attr, int64_t i) {
  return attr && i < (int64_t)attr->size() ? (*attr)[i] : 0;
}

/// Scan -> scf.for (see the file comment).
struct ScanLowering : public OpConversionPattern<ScanOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    const TypeConverter &tc = *getTypeConverter();
    Block &body = op.getBody().front();
    Operation *yield = body.getTerminator();
    ValueRange operands = adaptor.getInitialStateAndScanInputs();
    int64_t numScanIn = op.getNumScanInputs();
    int64_t numStates = operands.size() - numScanIn;
    int64_t numScanOut = op->getNumResults() - numStates;
    if (numScanIn < 1 || numStates < 0 || numScanOut < 0)
      return rewriter.notifyMatchFailure(op, "no scan input");
    auto argTypes = getRankedTypes(op, body.getArgumentTypes(), tc, rewriter,
                                   "body argument");
    auto resultTypes =
        getRankedTypes(op, op->getResultTypes(), tc, rewriter, "result");
    auto operandTypes =
        getRankedTypes(op, operands.getTypes(), tc, rewriter, "operand");
    if (failed(argTypes) || failed(resultTypes) || failed(operandTypes))
      return failure();

    Location loc = op.getLoc();
    SmallVector<int64_t> inAxes, outAxes;
    for (int64_t i = 0; i < numScanIn; ++i) {
      int64_t rank = (*operandTypes)[numStates + i].getRank();
      int64_t axis = getAttrValue(op.getScanInputAxes(), i);
      if (axis < 0)
        axis += rank;
      if (axis < 0 || axis >= rank)
        return rewriter.notifyMatchFailure(op, "scan input axis out of range");
      inAxes.push_back(axis);
    }
    for (int64_t j = 0; j < numScanOut; ++j) {
      RankedTensorType type = (*resultTypes)[numStates + j];
      int64_t axis = getAttrValue(op.getScanOutputAxes(), j);
      if (axis < 0)
        axis += type.getRank();
      if (axis < 0 || axis >= type.getRank())
        return rewriter.notifyMatchFailure(op, "scan output axis out of range");
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (d != axis && type.isDynamicDim(d))
          return rewriter.notifyMatchFailure(
              op, "a scan output has a dynamic dimension besides its axis");
      outAxes.push_back(axis);
    }

    Value length = getDimSize(rewriter, loc, operands[numStates], inAxes[0]);
    Value lastIndex = rewriter.create<arith::SubIOp>(
        loc, length, rewriter.create<arith::ConstantIndexOp>(loc, 1));
    SmallVector<Value> inits;
    for (int64_t k = 0; k < numStates; ++k)
      inits.push_back(castTo(rewriter, loc, operands[k], (*argTypes)[k]));
    for (int64_t j = 0; j < numScanOut; ++j) {
      RankedTensorType type = (*resultTypes)[numStates + j];
      SmallVector<Value> dynamic;
      if (type.isDynamicDim(outAxes[j]))
        dynamic.push_back(length);
      inits.push_back(createEmpty(rewriter, loc, type, dynamic));
    }
    Value c0 = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    Value c1 = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    auto forOp = rewriter.create<scf::ForOp>(loc, c0, length, c1, inits);
    Block *loopBody = forOp.getBody();
    rewriter.setInsertionPointToStart(loopBody);
    Value iv = forOp.getInductionVar();
    Value reversed = rewriter.create<arith::SubIOp>(loc, lastIndex, iv);

    SmallVector<Value> bodyArgs(
        forOp.getRegionIterArgs().take_front(numStates));
    for (int64_t i = 0; i < numScanIn; ++i) {
      Value input = operands[numStates + i];
      Value pos = getAttrValue(op.getScanInputDirections(), i) ? reversed : iv;
      RankedTensorType argType = (*argTypes)[numStates + i];
      Value slice = extractAlongAxis(rewriter, loc, input, inAxes[i], pos);
      bodyArgs.push_back(castTo(rewriter, loc, slice, argType));
    }
    rewriter.mergeBlocks(&body, loopBody, bodyArgs);

    rewriter.setInsertionPoint(yield);
    SmallVector<Value> yielded = getYielded(rewriter, yield);
    SmallVector<Value> next;
    for (int64_t k = 0; k < numStates; ++k)
      next.push_back(castTo(rewriter, loc, yielded[k], (*argTypes)[k]));
    for (int64_t j = 0; j < numScanOut; ++j) {
      Value pos = getAttrValue(op.getScanOutputDirections(), j) ? reversed : iv;
      next.push_back(insertAlongAxis(rewriter, loc, yielded[numStates + j],
                                     forOp.getRegionIterArgs()[numStates + j],
                                     outAxes[j], pos));
    }
    rewriter.create<scf::YieldOp>(loc, next);
    rewriter.eraseOp(yield);

    SmallVector<Value> results;
    rewriter.setInsertionPointAfter(forOp);
    for (auto [v, type] : llvm::zip(forOp.getResults(), *resultTypes))
      results.push_back(castTo(rewriter, loc, v, type));
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void populateControlFlowPatterns(const TypeConverter &tc,
                                 RewritePatternSet &patterns) {
  patterns.add<IfLowering, LoopLowering, ScanLowering>(tc,
                                                       patterns.getContext());
}

} // namespace fulcrum::lowering
