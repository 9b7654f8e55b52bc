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
//           and are cut to the iteration count after the loop (elements
//           of run-time shape: the first one sizes the accumulator).
//   Scan -> scf.for over the scan axis of the first scan input: each
//           iteration reads a slice of every scan input (from the end for
//           backward directions) and inserts the scan output elements into
//           tensors of the full result shape along their axes (allocated
//           in the first iteration when sizes besides the axis are only
//           known from the elements). Scan-8 (models the version
//           converter cannot upgrade) has a batch axis: an scf.for over
//           the batch runs one such loop per entry.
//
// Values carried across iterations take the type of the body's block
// argument, which fulcrum-onnx-shape-inference generalizes (dynamic
// dimensions) where the body yields another shape than it receives.
// Refused: unranked carried values and scan elements, sequences and
// optionals (except lists appended to in a Loop, which
// fulcrum-onnx-resolve-sequences turns into scan outputs).
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
      return refuse(op, r,
                    what + " #" + Twine(index) +
                        " is not a ranked tensor (sequences, optionals and "
                        "unranked tensors are not supported there)");
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

/// Refuses `op` when its subgraphs do not match its operands and results.
LogicalResult checkSubgraphs(Operation *op, ConversionPatternRewriter &r) {
  std::string malformed = checkSubgraphArity(op);
  return malformed.empty() ? success() : refuse(op, r, malformed);
}

/// If -> scf.if.
struct IfLowering : public OpConversionPattern<IfOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(IfOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(checkSubgraphs(op, rewriter)))
      return failure();
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
    if (failed(checkSubgraphs(op, rewriter)))
      return failure();
    const TypeConverter &tc = *getTypeConverter();
    Block &body = op.getBody().front();
    Operation *yield = body.getTerminator();
    unsigned numCarried = op.getVInitial().size();
    unsigned numScan = op->getNumResults() - numCarried;
    // The first failure's reason is the one reported.
    auto carriedTypes =
        getRankedTypes(op, TypeRange(body.getArgumentTypes()).drop_front(2), tc,
                       rewriter, "loop-carried value");
    if (failed(carriedTypes))
      return failure();
    auto elementTypes = getRankedTypes(
        op, TypeRange(yield->getOperandTypes()).drop_front(1 + numCarried), tc,
        rewriter, "scan output element");
    if (failed(elementTypes))
      return failure();
    auto resultTypes =
        getRankedTypes(op, op->getResultTypes(), tc, rewriter, "result");
    if (failed(resultTypes))
      return failure();
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
      Value none = rewriter.create<arith::ConstantIndexOp>(loc, 0);
      for (RankedTensorType t : *elementTypes) {
        SmallVector<int64_t> shape = {ShapedType::kDynamic};
        llvm::append_range(shape, t.getShape());
        accTypes.push_back(t.clone(shape));
        // Elements of run-time shape: no rows until the first element gives
        // the sizes (the accumulator grows to them).
        SmallVector<Value> sizes = {t.hasStaticShape() ? capacity : none};
        sizes.append(t.getNumDynamicDims(), none);
        inits.push_back(createEmpty(rewriter, loc, accTypes.back(), sizes));
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
      Value element = yielded[1 + numCarried + j];
      acc = growIfFull(rewriter, loc, acc, element, index);
      next.push_back(insertAlongAxis(rewriter, loc, element, acc, 0, index));
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
  /// twice its size (at least 1), with the run-time sizes of `element`.
  static Value growIfFull(OpBuilder &b, Location loc, Value acc, Value element,
                          Value index) {
    auto type = cast<RankedTensorType>(acc.getType());
    Value capacity = getDimSize(b, loc, acc, 0);
    Value full = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::uge, index,
                                         capacity);
    auto ifOp = b.create<scf::IfOp>(
        loc, full,
        [&](OpBuilder &tb, Location l) {
          Value one = tb.create<arith::ConstantIndexOp>(l, 1);
          Value twice = tb.create<arith::ShLIOp>(l, capacity, one);
          SmallVector<Value> newSizes = {
              tb.create<arith::MaxUIOp>(l, twice, one)};
          auto elementType = cast<RankedTensorType>(element.getType());
          for (int64_t d = 0; d < elementType.getRank(); ++d)
            if (elementType.isDynamicDim(d))
              newSizes.push_back(getDimSize(tb, l, element, d));
          Value grown = createEmpty(tb, l, type, newSizes);
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

/// How a Scan iterates: the scan axis of each input and output and whether
/// it runs backwards there.
struct ScanLayout {
  SmallVector<int64_t> inAxes, inReverse, outAxes, outReverse;
};

/// The scf.for of a Scan (see the file comment): `body` (states, then scan
/// elements) is merged into it. `argTypes` are the body's argument types,
/// `resultTypes` the final states' and the scan outputs' types.
SmallVector<Value> buildScan(ConversionPatternRewriter &rewriter, Location loc,
                             Block &body, ValueRange states, ValueRange inputs,
                             const ScanLayout &layout,
                             ArrayRef<RankedTensorType> argTypes,
                             ArrayRef<RankedTensorType> resultTypes) {
  Operation *yield = body.getTerminator();
  int64_t numStates = states.size();
  int64_t numScanOut = resultTypes.size() - numStates;
  Value length = getDimSize(rewriter, loc, inputs[0], layout.inAxes[0]);
  Value lastIndex = rewriter.create<arith::SubIOp>(
      loc, length, rewriter.create<arith::ConstantIndexOp>(loc, 1));
  SmallVector<Value> inits;
  for (int64_t k = 0; k < numStates; ++k)
    inits.push_back(castTo(rewriter, loc, states[k], argTypes[k]));
  // Scan outputs of the full result shape; run-time sizes besides the
  // scan axis are known from the first element (until then 0).
  Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
  auto outputSizes = [&](OpBuilder &b, Location l, int64_t j, Value element) {
    RankedTensorType type = resultTypes[numStates + j];
    int64_t axis = layout.outAxes[j];
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        dynamic.push_back(d == axis ? length
                          : element
                              ? getDimSize(b, l, element, d < axis ? d : d - 1)
                              : zero);
    return dynamic;
  };
  auto sizedByElement = [&](int64_t j) {
    RankedTensorType type = resultTypes[numStates + j];
    return type.getNumDynamicDims() >
           (type.isDynamicDim(layout.outAxes[j]) ? 1 : 0);
  };
  for (int64_t j = 0; j < numScanOut; ++j)
    inits.push_back(createEmpty(rewriter, loc, resultTypes[numStates + j],
                                outputSizes(rewriter, loc, j, nullptr)));
  Value c0 = rewriter.create<arith::ConstantIndexOp>(loc, 0);
  Value c1 = rewriter.create<arith::ConstantIndexOp>(loc, 1);
  auto forOp = rewriter.create<scf::ForOp>(loc, c0, length, c1, inits);
  Block *loopBody = forOp.getBody();
  rewriter.setInsertionPointToStart(loopBody);
  Value iv = forOp.getInductionVar();
  Value reversed = rewriter.create<arith::SubIOp>(loc, lastIndex, iv);

  SmallVector<Value> bodyArgs(forOp.getRegionIterArgs().take_front(numStates));
  for (auto [i, input] : llvm::enumerate(inputs)) {
    Value pos = layout.inReverse[i] ? reversed : iv;
    Value slice = extractAlongAxis(rewriter, loc, input, layout.inAxes[i], pos);
    bodyArgs.push_back(castTo(rewriter, loc, slice, argTypes[numStates + i]));
  }
  rewriter.mergeBlocks(&body, loopBody, bodyArgs);

  rewriter.setInsertionPoint(yield);
  SmallVector<Value> yielded = getYielded(rewriter, yield);
  SmallVector<Value> next;
  for (int64_t k = 0; k < numStates; ++k)
    next.push_back(castTo(rewriter, loc, yielded[k], argTypes[k]));
  for (int64_t j = 0; j < numScanOut; ++j) {
    Value pos = layout.outReverse[j] ? reversed : iv;
    Value element = yielded[numStates + j];
    Value acc = forOp.getRegionIterArgs()[numStates + j];
    if (sizedByElement(j)) {
      Value first =
          rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, iv, c0);
      acc = rewriter
                .create<scf::IfOp>(
                    loc, first,
                    [&](OpBuilder &tb, Location l) {
                      tb.create<scf::YieldOp>(
                          l, createEmpty(tb, l, resultTypes[numStates + j],
                                         outputSizes(tb, l, j, element)));
                    },
                    [&](OpBuilder &eb, Location l) {
                      eb.create<scf::YieldOp>(l, acc);
                    })
                .getResult(0);
    }
    next.push_back(
        insertAlongAxis(rewriter, loc, element, acc, layout.outAxes[j], pos));
  }
  rewriter.create<scf::YieldOp>(loc, next);
  rewriter.eraseOp(yield);

  SmallVector<Value> results;
  rewriter.setInsertionPointAfter(forOp);
  for (auto [v, type] : llvm::zip(forOp.getResults(), resultTypes))
    results.push_back(castTo(rewriter, loc, v, type));
  return results;
}

/// Normalizes the scan output axes (fails when one is out of range).
LogicalResult checkScanOutputs(Operation *op,
                               ArrayRef<RankedTensorType> outputs,
                               SmallVectorImpl<int64_t> &axes,
                               ConversionPatternRewriter &rewriter) {
  for (auto [j, type] : llvm::enumerate(outputs)) {
    int64_t &axis = axes[j];
    if (axis < 0)
      axis += type.getRank();
    if (axis < 0 || axis >= type.getRank())
      return refuse(op, rewriter, "scan output axis out of range");
  }
  return success();
}

/// What both Scan lowerings start from: the operand counts and the body's
/// argument and the results' (ranked) types.
struct ScanParts {
  int64_t numScanIn, numStates, numScanOut;
  SmallVector<RankedTensorType> argTypes, resultTypes;
};

template <typename OpT>
FailureOr<ScanParts> getScanParts(OpT op, ValueRange operands,
                                  const TypeConverter &tc,
                                  ConversionPatternRewriter &rewriter) {
  if (failed(checkSubgraphs(op, rewriter)))
    return failure();
  ScanParts parts;
  parts.numScanIn = op.getNumScanInputs();
  parts.numStates = operands.size() - parts.numScanIn;
  parts.numScanOut = op->getNumResults() - parts.numStates;
  if (parts.numScanIn < 1 || parts.numStates < 0 || parts.numScanOut < 0)
    return refuse(op, rewriter, "no scan input");
  auto argTypes = getRankedTypes(op, op.getBody().front().getArgumentTypes(),
                                 tc, rewriter, "body argument");
  if (failed(argTypes))
    return failure();
  auto resultTypes =
      getRankedTypes(op, op->getResultTypes(), tc, rewriter, "result");
  if (failed(resultTypes))
    return failure();
  parts.argTypes = std::move(*argTypes);
  parts.resultTypes = std::move(*resultTypes);
  return parts;
}

/// Scan -> scf.for (see the file comment).
struct ScanLowering : public OpConversionPattern<ScanOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ValueRange operands = adaptor.getInitialStateAndScanInputs();
    auto parts = getScanParts(op, operands, *getTypeConverter(), rewriter);
    if (failed(parts))
      return failure();
    auto [numScanIn, numStates, numScanOut, argTypes, resultTypes] = *parts;
    Block &body = op.getBody().front();

    ScanLayout layout;
    for (int64_t i = 0; i < numScanIn; ++i) {
      int64_t rank =
          cast<RankedTensorType>(operands[numStates + i].getType()).getRank();
      int64_t axis = getAttrValue(op.getScanInputAxes(), i);
      if (axis < 0)
        axis += rank;
      if (axis < 0 || axis >= rank)
        return refuse(op, rewriter, "scan input axis out of range");
      layout.inAxes.push_back(axis);
      layout.inReverse.push_back(getAttrValue(op.getScanInputDirections(), i));
    }
    for (int64_t j = 0; j < numScanOut; ++j) {
      layout.outAxes.push_back(getAttrValue(op.getScanOutputAxes(), j));
      layout.outReverse.push_back(
          getAttrValue(op.getScanOutputDirections(), j));
    }
    if (failed(checkScanOutputs(op, ArrayRef(resultTypes).drop_front(numStates),
                                layout.outAxes, rewriter)))
      return failure();
    rewriter.replaceOp(op, buildScan(rewriter, op.getLoc(), body,
                                     operands.take_front(numStates),
                                     operands.drop_front(numStates), layout,
                                     argTypes, resultTypes));
    return success();
  }
};

/// Scan-8: states [B, ...] and scan inputs [B, T, ...] with a batch axis;
/// an scf.for over the batch runs the Scan of each entry (scan axis 0 of
/// its slices) and inserts its results at the entry. sequence_lens must be
/// absent.
struct ScanV8Lowering : public OpConversionPattern<ScanV8Op> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScanV8Op op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isNoValue(op.getSequenceLens()))
      return refuse(op, rewriter, "Scan-8 with sequence_lens is not supported");
    ValueRange operands = adaptor.getInitialStateAndScanInputs();
    auto parts = getScanParts(op, operands, *getTypeConverter(), rewriter);
    if (failed(parts))
      return failure();
    auto [numScanIn, numStates, numScanOut, argTypes, resultTypes] = *parts;
    Block &body = op.getBody().front();
    // Per batch entry: the results without their batch axis.
    SmallVector<RankedTensorType> entryTypes;
    for (RankedTensorType t : resultTypes) {
      if (t.getRank() < 1 || t.isDynamicDim(0))
        return refuse(op, rewriter, "Scan-8 needs a static batch size");
      entryTypes.push_back(
          RankedTensorType::get(t.getShape().drop_front(), t.getElementType()));
    }
    ScanLayout layout;
    layout.inAxes.assign(numScanIn, 0);
    for (int64_t i = 0; i < numScanIn; ++i)
      layout.inReverse.push_back(getAttrValue(op.getDirections(), i));
    layout.outAxes.assign(numScanOut, 0);
    layout.outReverse.assign(numScanOut, 0);
    if (failed(checkScanOutputs(op, ArrayRef(entryTypes).drop_front(numStates),
                                layout.outAxes, rewriter)))
      return failure();

    Location loc = op.getLoc();
    SmallVector<Value> inits;
    for (RankedTensorType t : resultTypes)
      inits.push_back(createEmpty(rewriter, loc, t, {}));
    Value c0 = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    Value c1 = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    Value batch = rewriter.create<arith::ConstantIndexOp>(
        loc, resultTypes[0].getDimSize(0));
    auto forOp = rewriter.create<scf::ForOp>(loc, c0, batch, c1, inits);
    rewriter.setInsertionPointToStart(forOp.getBody());
    Value b = forOp.getInductionVar();
    SmallVector<Value> entries;
    for (Value v : operands)
      entries.push_back(extractAlongAxis(rewriter, loc, v, 0, b));
    SmallVector<Value> results = buildScan(
        rewriter, loc, body, ValueRange(entries).take_front(numStates),
        ValueRange(entries).drop_front(numStates), layout, argTypes,
        entryTypes);
    SmallVector<Value> next;
    for (auto [r, acc] : llvm::zip(results, forOp.getRegionIterArgs()))
      next.push_back(insertAlongAxis(rewriter, loc, r, acc, 0, b));
    rewriter.create<scf::YieldOp>(loc, next);
    rewriter.replaceOp(op, forOp.getResults());
    return success();
  }
};

} // namespace

void populateControlFlowPatterns(const TypeConverter &tc,
                                 RewritePatternSet &patterns) {
  patterns.add<IfLowering, LoopLowering, ScanLowering, ScanV8Lowering>(
      tc, patterns.getContext());
}

} // namespace fulcrum::lowering
