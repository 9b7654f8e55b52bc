//===- LegacyVersions.cpp - Upgrades of superseded operator versions ------===//
//
// Part of Fulcrum. Patterns of fulcrum-onnx-decompose for superseded
// operator versions (onnx.<Name>V<version>, imported when the version
// converter cannot upgrade a model). Versions whose meaning is the current
// version's (the newer versions only admit more element types, add
// attributes or optional operands whose defaults give the old behaviour,
// or accept more: negative axes and indices, broadcasting where the old
// version required equal shapes) are renamed to the current operator with
// their operands and attributes, or with an attribute that means nothing
// today dropped. Others are rewritten: attributes that became operands
// (Pad, Slice, TopK, Reshape, Clip, Tile, Split, Squeeze, ...), defaults
// that changed (Upsample and Resize-10's coordinates, RoiAlign-10's), type
// names that became numbers (Cast-1). Every upgrade is checked: operands,
// attributes and results the current operator does not accept leave the
// operator as it is (and the lowering refuses it by name), never
// reinterpreted.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ConstantValues.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h"

#include "llvm/ADT/StringSwitch.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;
using namespace fulcrum::onnx;

// (superseded version, current operator) pairs; see docs/Passes.
// clang-format off
#define FULCRUM_RENAMED_VERSIONS(X) \
  X(AddV7, Add) X(AddV13, Add) X(SubV7, Sub) X(SubV13, Sub) X(MulV7, Mul) \
  X(MulV13, Mul) X(DivV7, Div) X(DivV13, Div) X(PowV7, Pow) X(PowV12, Pow) \
  X(PowV13, Pow) X(EqualV7, Equal) X(EqualV11, Equal) X(GreaterV7, Greater) \
  X(GreaterV9, Greater) X(LessV7, Less) X(LessV9, Less) \
  X(GreaterOrEqualV12, GreaterOrEqual) X(LessOrEqualV12, LessOrEqual) \
  X(CeilV6, Ceil) X(FloorV6, Floor) X(ExpV6, Exp) X(LogV6, Log) \
  X(ReciprocalV6, Reciprocal) X(ReluV6, Relu) X(ReluV13, Relu) \
  X(SigmoidV6, Sigmoid) X(SqrtV6, Sqrt) X(TanhV6, Tanh) \
  X(LeakyReluV6, LeakyRelu) X(IdentityV1, Identity) \
  X(IdentityV13, Identity) X(IdentityV14, Identity) X(SumV6, Sum) \
  X(SumV8, Sum) X(MaxV6, Max) X(MaxV8, Max) X(MaxV12, Max) X(MinV6, Min) \
  X(MinV8, Min) X(MinV12, Min) X(MeanV6, Mean) X(MeanV8, Mean) \
  X(ErfV9, Erf) X(SignV9, Sign) X(IsNaNV9, IsNaN) X(WhereV9, Where) \
  X(ExpandV8, Expand) X(NonZeroV9, NonZero) X(ModV10, Mod) X(TileV6, Tile) \
  X(FlattenV9, Flatten) X(FlattenV11, Flatten) X(MatMulV1, MatMul) \
  X(MatMulV9, MatMul) X(TransposeV1, Transpose) X(ShapeV1, Shape) \
  X(ShapeV13, Shape) X(SizeV1, Size) X(SpaceToDepthV1, SpaceToDepth) \
  X(DepthToSpaceV1, DepthToSpace) X(DepthToSpaceV11, DepthToSpace) \
  X(GatherV1, Gather) X(GatherV11, Gather) \
  X(GatherElementsV11, GatherElements) X(GatherNDV11, GatherND) \
  X(GatherNDV12, GatherND) X(ConcatV4, Concat) X(ConcatV11, Concat) \
  X(CumSumV11, CumSum) X(GemmV7, Gemm) X(GemmV9, Gemm) X(GemmV11, Gemm) \
  X(ReshapeV5, Reshape) X(ReshapeV13, Reshape) \
  X(MeanVarianceNormalizationV9, MeanVarianceNormalization) \
  X(NegativeLogLikelihoodLossV12, NegativeLogLikelihoodLoss) \
  X(SoftmaxCrossEntropyLossV12, SoftmaxCrossEntropyLoss) \
  X(ReduceMaxV11, ReduceMax) X(ReduceMaxV12, ReduceMax) \
  X(ReduceMinV11, ReduceMin) X(ReduceMinV12, ReduceMin) \
  X(ReduceMeanV11, ReduceMean) X(ReduceProdV11, ReduceProd) \
  X(ReduceL1V11, ReduceL1) X(ReduceL2V11, ReduceL2) \
  X(ReduceLogSumV11, ReduceLogSum) X(ReduceLogSumExpV11, ReduceLogSumExp) \
  X(ReduceSumSquareV11, ReduceSumSquare) X(ClipV11, Clip) X(ClipV12, Clip) \
  X(PadV11, Pad) X(SliceV10, Slice) X(SliceV11, Slice) X(TopKV10, TopK) \
  X(CastV6, Cast) X(CastV9, Cast) X(DropoutV12, Dropout) \
  X(ConstantV9, Constant) X(ConstantV11, Constant) X(ConstantV12, Constant) \
  X(MaxPoolV8, MaxPool) X(MaxPoolV10, MaxPool) X(MaxPoolV11, MaxPool) \
  X(AveragePoolV7, AveragePool) X(AveragePoolV10, AveragePool) \
  X(ConvV1, Conv) X(LRNV1, LRN) X(LSTMV7, LSTM) X(GRUV7, GRU) X(RNNV7, RNN) \
  X(NonMaxSuppressionV10, NonMaxSuppression) \
  X(QuantizeLinearV10, QuantizeLinear) \
  X(DequantizeLinearV10, DequantizeLinear) X(OneHotV9, OneHot) \
  X(ScatterV9, ScatterElements) X(ScatterElementsV11, ScatterElements) \
  X(ScatterElementsV13, ScatterElements) X(ScatterNDV11, ScatterND) \
  X(ScatterNDV13, ScatterND) X(CompressV9, Compress) X(ArgMaxV1, ArgMax) \
  X(ArgMaxV11, ArgMax) X(ArgMaxV12, ArgMax) X(ArgMinV1, ArgMin) \
  X(ArgMinV11, ArgMin) X(ArgMinV12, ArgMin) X(PReluV7, PRelu) \
  X(PReluV9, PRelu) X(BatchNormalizationV14, BatchNormalization) \
  X(AbsV6, Abs) X(NegV6, Neg) X(FlattenV1, Flatten) \
  X(AveragePoolV1, AveragePool) X(MaxUnpoolV9, MaxUnpool) X(PReluV6, PRelu) \
  X(LpPoolV2, LpPool) X(ReduceMaxV1, ReduceMax) X(ReduceMinV1, ReduceMin) \
  X(ReduceMeanV1, ReduceMean) X(ReduceProdV1, ReduceProd) \
  X(ReduceL1V1, ReduceL1) X(ReduceL2V1, ReduceL2) \
  X(ReduceLogSumV1, ReduceLogSum) X(ReduceLogSumExpV1, ReduceLogSumExp) \
  X(ReduceSumSquareV1, ReduceSumSquare)

// Versions that differ from the current one only by an attribute without
// meaning today: `consumed_inputs` (in-place hints of opset 1), and the
// recurrent operators' `output_sequence` (whether Y is produced, which the
// current versions decide by whether Y is used). (superseded version,
// current operator, attribute dropped).
#define FULCRUM_DROPPED_ATTRIBUTE(X) \
  X(AbsV1, Abs, consumed_inputs) X(CeilV1, Ceil, consumed_inputs) \
  X(ExpV1, Exp, consumed_inputs) X(FloorV1, Floor, consumed_inputs) \
  X(LogV1, Log, consumed_inputs) X(NegV1, Neg, consumed_inputs) \
  X(ReciprocalV1, Reciprocal, consumed_inputs) \
  X(ReluV1, Relu, consumed_inputs) X(SigmoidV1, Sigmoid, consumed_inputs) \
  X(SqrtV1, Sqrt, consumed_inputs) X(TanhV1, Tanh, consumed_inputs) \
  X(LeakyReluV1, LeakyRelu, consumed_inputs) X(EluV1, Elu, consumed_inputs) \
  X(SeluV1, Selu, consumed_inputs) \
  X(HardSigmoidV1, HardSigmoid, consumed_inputs) \
  X(PReluV1, PRelu, consumed_inputs) X(MaxV1, Max, consumed_inputs) \
  X(MinV1, Min, consumed_inputs) X(MeanV1, Mean, consumed_inputs) \
  X(SumV1, Sum, consumed_inputs) \
  X(InstanceNormalizationV1, InstanceNormalization, consumed_inputs) \
  X(RNNV1, RNN, output_sequence) X(GRUV1, GRU, output_sequence) \
  X(GRUV3, GRU, output_sequence) X(LSTMV1, LSTM, output_sequence)
// clang-format on

namespace {

/// Replaces `op` by a `name` operation of `operands`, `attrs` and result
/// types `types` (op's without them; op's results are replaced by the first
/// ones) when that verifies. Otherwise changes nothing: the operations of
/// `fresh` (operands this pattern created) are erased again.
LogicalResult replaceVerified(PatternRewriter &rewriter, Operation *op,
                              StringRef name, ValueRange operands,
                              ArrayRef<NamedAttribute> attrs,
                              ArrayRef<Type> types = {},
                              ArrayRef<Value> fresh = {}) {
  OperationState state(op->getLoc(), name);
  state.addOperands(operands);
  if (types.empty())
    state.addTypes(op->getResultTypes());
  else
    state.addTypes(types);
  state.addAttributes(attrs);
  Operation *created = Operation::create(state);
  {
    // A replacement that does not verify is not this operator's meaning.
    ScopedDiagnosticHandler quiet(op->getContext(),
                                  [](Diagnostic &) { return success(); });
    if (failed(verify(created))) {
      created->destroy();
      for (Value v : llvm::reverse(fresh))
        if (Operation *def = v.getDefiningOp(); def && def->use_empty())
          rewriter.eraseOp(def);
      return rewriter.notifyMatchFailure(op, "the upgrade does not verify");
    }
  }
  rewriter.insert(created);
  rewriter.replaceOp(op, created->getResults().take_front(op->getNumResults()));
  return success();
}

/// A 1-D i64 constant of `values`.
Value i64Vector(PatternRewriter &r, Location loc, ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    r.getI64Type());
  return r.create<ConstantOp>(
      loc, TypeRange{type}, ValueRange{},
      r.getNamedAttr("value", DenseIntElementsAttr::get(type, values)));
}

/// A constant of `values` in the float type `element`, of `shape`.
Value floatConstant(PatternRewriter &r, Location loc, Type element,
                    ArrayRef<int64_t> shape, ArrayRef<double> values) {
  auto type = RankedTensorType::get(shape, element);
  const llvm::fltSemantics &semantics =
      cast<FloatType>(element).getFloatSemantics();
  SmallVector<APFloat> data;
  for (double v : values) {
    APFloat f(v);
    bool lost;
    f.convert(semantics, APFloat::rmNearestTiesToEven, &lost);
    data.push_back(f);
  }
  return r.create<ConstantOp>(
      loc, TypeRange{type}, ValueRange{},
      r.getNamedAttr("value", DenseElementsAttr::get(type, data)));
}

Value noValue(PatternRewriter &r, Location loc) {
  return r.create<NoValueOp>(loc, r.getNoneType());
}

/// op's attributes but `names`, followed by `added`.
SmallVector<NamedAttribute> attributesWithout(Operation *op,
                                              ArrayRef<StringRef> names,
                                              ArrayRef<NamedAttribute> added) {
  SmallVector<NamedAttribute> attrs;
  for (NamedAttribute a : op->getAttrs())
    if (!llvm::is_contained(names, a.getName().strref()))
      attrs.push_back(a);
  attrs.append(added.begin(), added.end());
  return attrs;
}

/// Fails unless every attribute of `op` is in `known` (the current
/// version's attribute names).
LogicalResult checkAttributes(PatternRewriter &rewriter, Operation *op,
                              ArrayRef<StringRef> known) {
  for (NamedAttribute a : op->getAttrs())
    if (!llvm::is_contained(known, a.getName().strref()))
      return rewriter.notifyMatchFailure(
          op, "an attribute the current version does not define");
  return success();
}

/// Renames LegacyOp to CurrentOp when CurrentOp defines all of its
/// attributes and verifies with its operands and results.
/// With `dropped`, that attribute of LegacyOp is left out first.
template <typename LegacyOp, typename CurrentOp>
struct RenameLegacyVersion : public OpRewritePattern<LegacyOp> {
  RenameLegacyVersion(MLIRContext *ctx, StringRef dropped = {})
      : OpRewritePattern<LegacyOp>(ctx), dropped(dropped) {}
  LogicalResult matchAndRewrite(LegacyOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<NamedAttribute> attrs;
    for (NamedAttribute a : op->getAttrs())
      if (a.getName() != dropped)
        attrs.push_back(a);
    for (NamedAttribute a : attrs)
      if (!llvm::is_contained(CurrentOp::getAttributeNames(),
                              a.getName().strref()))
        return rewriter.notifyMatchFailure(
            op, "an attribute the current version does not define");
    return replaceVerified(rewriter, op, CurrentOp::getOperationName(),
                           op->getOperands(), attrs);
  }
  std::string dropped;
};

/// If/Loop-11 and -13 and Scan-9/11: the current versions only admit more
/// types (sequences, optionals) and Scan negative axes. Renamed with their
/// regions moved over; operands and results are the same lists.
template <typename LegacyOp, typename CurrentOp>
struct RenameControlFlow : public OpRewritePattern<LegacyOp> {
  using OpRewritePattern<LegacyOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(LegacyOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(checkAttributes(rewriter, op, CurrentOp::getAttributeNames())))
      return failure();
    OperationState state(op.getLoc(), CurrentOp::getOperationName());
    state.addOperands(op->getOperands());
    state.addTypes(op->getResultTypes());
    state.addAttributes(op->getAttrs());
    for (unsigned i = 0; i < op->getNumRegions(); ++i)
      state.addRegion();
    Operation *renamed = rewriter.create(state);
    for (auto [from, to] : llvm::zip(op->getRegions(), renamed->getRegions()))
      rewriter.inlineRegionBefore(from, to, to.end());
    rewriter.replaceOp(op, renamed->getResults());
    return success();
  }
};

/// Squeeze/Unsqueeze-1/11, ReduceSum-1/11 and Split-2/11 take their axes
/// (split sizes) as the attribute `name`; the current versions as an
/// optional i64 operand after the data: a constant of the attribute's
/// values, or none without the attribute (all axes; equal parts).
template <typename LegacyOp, typename CurrentOp>
struct UpgradeListAttribute : public OpRewritePattern<LegacyOp> {
  UpgradeListAttribute(MLIRContext *ctx, StringRef name)
      : OpRewritePattern<LegacyOp>(ctx), name(name) {}
  LogicalResult matchAndRewrite(LegacyOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Attribute attr = op->getAttr(name);
    if (attr && !isa<DenseI64ArrayAttr>(attr))
      return rewriter.notifyMatchFailure(op, "not an i64 array attribute");
    Value list;
    if (auto values = op->template getAttrOfType<DenseI64ArrayAttr>(name)) {
      auto type = RankedTensorType::get({values.size()}, rewriter.getI64Type());
      list = rewriter.create<ConstantOp>(
          loc, TypeRange{type}, ValueRange{},
          rewriter.getNamedAttr(
              "value", DenseElementsAttr::get(type, values.asArrayRef())));
    } else {
      list = rewriter.create<NoValueOp>(loc, rewriter.getNoneType());
    }
    SmallVector<NamedAttribute> attrs;
    for (NamedAttribute a : op->getAttrs())
      if (a.getName() != name)
        attrs.push_back(a);
    SmallVector<Value> operands(op->getOperands());
    operands.push_back(list);
    if (succeeded(replaceVerified(rewriter, op, CurrentOp::getOperationName(),
                                  operands, attrs)))
      return success();
    rewriter.eraseOp(list.getDefiningOp());
    return failure();
  }
  std::string name;
};

/// BatchNormalization-9 (and -1, -6 and -7 with spatial = 1) with its
/// optional mean/variance outputs unused: the current operator, in
/// inference, or in training mode (batch statistics) where -1 and -6 say
/// is_test = 0.
template <typename LegacyOp>
struct UpgradeBatchNormInference : public OpRewritePattern<LegacyOp> {
  using OpRewritePattern<LegacyOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(LegacyOp op,
                                PatternRewriter &rewriter) const override {
    int64_t training = 0;
    if constexpr (std::is_same_v<LegacyOp, BatchNormalizationV1Op> ||
                  std::is_same_v<LegacyOp, BatchNormalizationV6Op>)
      training = op.getIsTest() == 0;
    for (Value r : op->getResults().drop_front())
      if (!r.use_empty() && !isa<NoneType>(r.getType()))
        return rewriter.notifyMatchFailure(op, "training outputs used");
    Location loc = op.getLoc();
    if constexpr (!std::is_same_v<LegacyOp, BatchNormalizationV9Op>) {
      if (op.getSpatial() != 1) {
        // Statistics per activation: scale, B, mean and var are [C, D1,
        // ...], which numpy broadcasting aligns with X's dimensions after
        // the batch. In inference that is element-wise arithmetic.
        if (training)
          return rewriter.notifyMatchFailure(op, "spatial = 0 in training");
        auto type = dyn_cast<RankedTensorType>(op.getX().getType());
        auto varType = dyn_cast<RankedTensorType>(op.getVar().getType());
        if (!type || !varType)
          return rewriter.notifyMatchFailure(op, "unranked operands");
        Value eps =
            floatConstant(rewriter, loc, type.getElementType(), {},
                          {op.getEpsilonAttr().getValue().convertToDouble()});
        Value centered =
            rewriter.create<SubOp>(loc, type, op.getX(), op.getMean());
        Value deviation = rewriter.create<SqrtOp>(
            loc, varType,
            rewriter.create<AddOp>(loc, varType, op.getVar(), eps));
        Value normalized =
            rewriter.create<DivOp>(loc, type, centered, deviation);
        Value scaled =
            rewriter.create<MulOp>(loc, type, normalized, op.getScale());
        SmallVector<Value> results{
            rewriter.create<AddOp>(loc, type, scaled, op.getB())};
        results.append(op->getNumResults() - 1, noValue(rewriter, loc));
        rewriter.replaceOp(op, results);
        return success();
      }
    }
    Value none = rewriter.create<NoValueOp>(loc, rewriter.getNoneType());
    auto bn = rewriter.create<BatchNormalizationOp>(
        loc,
        TypeRange{op->getResult(0).getType(), none.getType(), none.getType()},
        op.getX(), op.getScale(), op.getB(), op.getMean(), op.getVar(),
        op.getEpsilonAttr(), op.getMomentumAttr(),
        rewriter.getI64IntegerAttr(training));
    SmallVector<Value> results{bn.getY()};
    results.append(op->getNumResults() - 1, none);
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// Cast-1 names the target type as a string ("FLOAT"); the current Cast
/// takes its TensorProto data type number.
struct UpgradeCastV1 : public OpRewritePattern<CastV1Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CastV1Op op,
                                PatternRewriter &rewriter) const override {
    int64_t to = llvm::StringSwitch<int64_t>(op.getTo().upper())
                     .Case("FLOAT", 1)
                     .Case("UINT8", 2)
                     .Case("INT8", 3)
                     .Case("UINT16", 4)
                     .Case("INT16", 5)
                     .Case("INT32", 6)
                     .Case("INT64", 7)
                     .Case("BOOL", 9)
                     .Case("FLOAT16", 10)
                     .Case("DOUBLE", 11)
                     .Case("UINT32", 12)
                     .Case("UINT64", 13)
                     .Default(0);
    if (to == 0)
      return rewriter.notifyMatchFailure(op, "an unknown type name");
    return replaceVerified(
        rewriter, op, CastOp::getOperationName(), op->getOperands(),
        {rewriter.getNamedAttr("to", rewriter.getI64IntegerAttr(to))});
  }
};

/// Concat-1: `axis` is optional, 1 without it.
struct UpgradeConcatV1 : public OpRewritePattern<ConcatV1Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatV1Op op,
                                PatternRewriter &rewriter) const override {
    int64_t axis = op.getAxis().value_or(1);
    return replaceVerified(
        rewriter, op, ConcatOp::getOperationName(), op->getOperands(),
        {rewriter.getNamedAttr("axis", rewriter.getI64IntegerAttr(axis))});
  }
};

/// Reshape-1: the shape is an attribute (0 copies a dimension, -1 is
/// inferred: the current Reshape without allowzero).
struct UpgradeReshapeV1 : public OpRewritePattern<ReshapeV1Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeV1Op op,
                                PatternRewriter &rewriter) const override {
    std::optional<ArrayRef<int64_t>> shape = op.getShape();
    if (!shape)
      return rewriter.notifyMatchFailure(op, "no shape attribute");
    Value shapeValue = i64Vector(rewriter, op.getLoc(), *shape);
    return replaceVerified(rewriter, op, ReshapeOp::getOperationName(),
                           {op.getData(), shapeValue}, {}, {}, {shapeValue});
  }
};

/// Clip-1 and -6: the min and max attributes become the current Clip's
/// scalar operands. Clip-6's default to the float range; Clip-1 without
/// one has no bound (an absent operand).
template <typename LegacyOp>
struct UpgradeClipAttributes : public OpRewritePattern<LegacyOp> {
  using OpRewritePattern<LegacyOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(LegacyOp op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!type || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "not a ranked float tensor");
    Location loc = op.getLoc();
    auto bound = [&](std::optional<APFloat> v) {
      return v ? floatConstant(rewriter, loc, type.getElementType(), {},
                               {v->convertToDouble()})
               : noValue(rewriter, loc);
    };
    Value lo = bound(op.getMin()), hi = bound(op.getMax());
    return replaceVerified(rewriter, op, ClipOp::getOperationName(),
                           {op.getInput(), lo, hi}, {}, {}, {lo, hi});
  }
};

/// Pad-1 and -2: the pads (`paddings` in Pad-1, the same layout) and the
/// constant value are attributes; the current Pad takes them as operands.
template <typename LegacyOp>
struct UpgradePadAttributes : public OpRewritePattern<LegacyOp> {
  UpgradePadAttributes(MLIRContext *ctx, StringRef padsName)
      : OpRewritePattern<LegacyOp>(ctx), padsName(padsName) {}
  LogicalResult matchAndRewrite(LegacyOp op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getData().getType());
    auto pads = op->template getAttrOfType<DenseI64ArrayAttr>(padsName);
    if (!type || !pads)
      return rewriter.notifyMatchFailure(op, "unranked or without pads");
    Location loc = op.getLoc();
    Value padsValue = i64Vector(rewriter, loc, pads.asArrayRef());
    Value value = floatConstant(rewriter, loc, type.getElementType(), {},
                                {op.getValue().convertToDouble()});
    return replaceVerified(rewriter, op, PadOp::getOperationName(),
                           {op.getData(), padsValue, value},
                           {rewriter.getNamedAttr("mode", op.getModeAttr())},
                           {}, {padsValue, value});
  }
  std::string padsName;
};

/// Slice-1: starts, ends and the optional axes are attributes.
struct UpgradeSliceV1 : public OpRewritePattern<SliceV1Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SliceV1Op op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value starts = i64Vector(rewriter, loc, op.getStarts());
    Value ends = i64Vector(rewriter, loc, op.getEnds());
    Value axes = op.getAxes() ? i64Vector(rewriter, loc, *op.getAxes())
                              : noValue(rewriter, loc);
    Value steps = noValue(rewriter, loc);
    return replaceVerified(rewriter, op, SliceOp::getOperationName(),
                           {op.getData(), starts, ends, axes, steps}, {}, {},
                           {starts, ends, axes, steps});
  }
};

/// TopK-1: k is an attribute; the current TopK takes it as a 1-element
/// operand (and its largest and sorted defaults are TopK-1's behaviour).
struct UpgradeTopKV1 : public OpRewritePattern<TopKV1Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TopKV1Op op,
                                PatternRewriter &rewriter) const override {
    Value k =
        i64Vector(rewriter, op.getLoc(), {static_cast<int64_t>(op.getK())});
    return replaceVerified(
        rewriter, op, TopKOp::getOperationName(), {op.getX(), k},
        {rewriter.getNamedAttr("axis", op.getAxisAttr())}, {}, {k});
  }
};

/// Tile-1 repeats along one axis: `tiles` copies along `axis`, both scalar
/// operands. With both constant, the current Tile's repeats are 1 except
/// there.
struct UpgradeTileV1 : public OpRewritePattern<TileV1Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TileV1Op op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    std::optional<double> tiles = getConstantSplatFloat(op.getTiles());
    std::optional<double> axis = getConstantSplatFloat(op.getAxis());
    if (!type || !tiles || !axis)
      return rewriter.notifyMatchFailure(op, "tiles or axis not constant");
    int64_t a = static_cast<int64_t>(*axis);
    if (a != *axis || a < 0 || a >= type.getRank() || *tiles < 0 ||
        *tiles != static_cast<double>(static_cast<int64_t>(*tiles)))
      return rewriter.notifyMatchFailure(op, "axis or tiles out of range");
    SmallVector<int64_t> repeats(type.getRank(), 1);
    repeats[a] = static_cast<int64_t>(*tiles);
    Value repeatsValue = i64Vector(rewriter, op.getLoc(), repeats);
    return replaceVerified(rewriter, op, TileOp::getOperationName(),
                           {op.getInput(), repeatsValue}, {}, {},
                           {repeatsValue});
  }
};

/// Dropout-1, -6, -7 and -10: the ratio is an attribute, and -1 and -6
/// say with `is_test` whether they run in inference (the current
/// training_mode, false without it). The mask was of the data's type up to
/// -7: a used one is the current boolean mask cast to it.
template <typename LegacyOp>
struct UpgradeDropout : public OpRewritePattern<LegacyOp> {
  using OpRewritePattern<LegacyOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(LegacyOp op,
                                PatternRewriter &rewriter) const override {
    Value mask = op->getResult(1);
    bool maskUsed = !isa<NoneType>(mask.getType()) && !mask.use_empty();
    auto maskType = dyn_cast<RankedTensorType>(mask.getType());
    if (maskUsed && !maskType)
      return rewriter.notifyMatchFailure(op, "an unranked mask");
    bool training = false;
    if constexpr (std::is_same_v<LegacyOp, DropoutV1Op> ||
                  std::is_same_v<LegacyOp, DropoutV6Op>)
      training = op.getIsTest() == 0;
    Location loc = op.getLoc();
    Value ratio = floatConstant(rewriter, loc, rewriter.getF32Type(), {},
                                {op.getRatio().convertToDouble()});
    Value mode = noValue(rewriter, loc);
    if (training) {
      auto boolType = RankedTensorType::get({}, rewriter.getI1Type());
      mode = rewriter.create<ConstantOp>(
          loc, TypeRange{boolType}, ValueRange{},
          rewriter.getNamedAttr("value",
                                DenseElementsAttr::get(boolType, true)));
    }
    Type newMaskType = rewriter.getNoneType();
    if (maskUsed)
      newMaskType = maskType.clone(rewriter.getI1Type());
    auto dropout = rewriter.create<DropoutOp>(
        loc, TypeRange{op->getResult(0).getType(), newMaskType},
        ValueRange{op->getOperand(0), ratio, mode}, ArrayRef<NamedAttribute>{});
    Value newMask = dropout->getResult(1);
    if (maskUsed && !maskType.getElementType().isInteger(1)) {
      Type element = maskType.getElementType();
      int64_t to = element.isF16() ? 10 : element.isF64() ? 11 : 1;
      newMask = rewriter.create<CastOp>(
          loc, TypeRange{maskType}, ValueRange{newMask},
          rewriter.getNamedAttr("to", rewriter.getI64IntegerAttr(to)));
    }
    rewriter.replaceOp(op, {dropout->getResult(0), newMask});
    return success();
  }
};

/// MaxPool-1 has no Indices result; the current MaxPool's is absent.
struct UpgradeMaxPoolV1 : public OpRewritePattern<MaxPoolV1Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MaxPoolV1Op op,
                                PatternRewriter &rewriter) const override {
    return replaceVerified(rewriter, op, MaxPoolOp::getOperationName(),
                           op->getOperands(), op->getAttrs(),
                           {op.getType(), rewriter.getNoneType()});
  }
};

/// Upsample-1, -7 and -9 and Resize-10 are the current Resize with
/// asymmetric coordinates (input x = output x / scale) and, nearest,
/// rounding down; their scales are attributes up to Upsample-7
/// (height_scale and width_scale of a 4-D input in Upsample-1).
template <typename LegacyOp>
struct UpgradeUpsample : public OpRewritePattern<LegacyOp> {
  using OpRewritePattern<LegacyOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(LegacyOp op,
                                PatternRewriter &rewriter) const override {
    std::string mode = op.getMode().lower();
    if (mode == "bilinear")
      mode = "linear";
    if (mode != "nearest" && mode != "linear")
      return rewriter.notifyMatchFailure(op, "an unknown mode");
    Location loc = op.getLoc();
    Value scales;
    SmallVector<Value> fresh;
    if constexpr (std::is_same_v<LegacyOp, UpsampleV1Op>) {
      scales = floatConstant(rewriter, loc, rewriter.getF32Type(), {4},
                             {1.0, 1.0, op.getHeightScale().convertToDouble(),
                              op.getWidthScale().convertToDouble()});
      fresh.push_back(scales);
    } else if constexpr (std::is_same_v<LegacyOp, UpsampleV7Op>) {
      ArrayRef<float> values = op.getScales();
      scales = floatConstant(rewriter, loc, rewriter.getF32Type(),
                             {static_cast<int64_t>(values.size())},
                             SmallVector<double>(values.begin(), values.end()));
      fresh.push_back(scales);
    } else {
      scales = op.getScales();
    }
    Value roi = noValue(rewriter, loc), sizes = noValue(rewriter, loc);
    fresh.append({roi, sizes});
    return replaceVerified(
        rewriter, op, ResizeOp::getOperationName(),
        {op.getX(), roi, scales, sizes},
        {rewriter.getNamedAttr("mode", rewriter.getStringAttr(mode)),
         rewriter.getNamedAttr("coordinate_transformation_mode",
                               rewriter.getStringAttr("asymmetric")),
         rewriter.getNamedAttr("nearest_mode",
                               rewriter.getStringAttr("floor"))},
        {}, fresh);
  }
};

/// Resize-11 is the current Resize but for its tf_half_pixel_for_nn mode;
/// its roi and scales are required, empty constants when unused (the
/// current Resize's absent operands).
struct UpgradeResizeV11 : public OpRewritePattern<ResizeV11Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ResizeV11Op op,
                                PatternRewriter &rewriter) const override {
    if (op.getCoordinateTransformationMode() == "tf_half_pixel_for_nn")
      return rewriter.notifyMatchFailure(op, "tf_half_pixel_for_nn");
    SmallVector<Value> operands(op->getOperands()), fresh;
    for (unsigned i : {1u, 2u}) {
      std::optional<SmallVector<double>> values =
          getConstantFloats(operands[i]);
      if (values && values->empty()) {
        operands[i] = noValue(rewriter, op.getLoc());
        fresh.push_back(operands[i]);
      }
    }
    return replaceVerified(rewriter, op, ResizeOp::getOperationName(), operands,
                           op->getAttrs(), {}, fresh);
  }
};

/// RoiAlign-10 samples at output_half_pixel coordinates, the current
/// RoiAlign's non-default mode.
struct UpgradeRoiAlignV10 : public OpRewritePattern<RoiAlignV10Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RoiAlignV10Op op,
                                PatternRewriter &rewriter) const override {
    return replaceVerified(
        rewriter, op, RoiAlignOp::getOperationName(), op->getOperands(),
        attributesWithout(op, {},
                          {rewriter.getNamedAttr(
                              "coordinate_transformation_mode",
                              rewriter.getStringAttr("output_half_pixel"))}));
  }
};

/// ConvTranspose-1 splits SAME paddings the other way round from the
/// current version; without auto_pad (or VALID) they are the same.
struct UpgradeConvTransposeV1 : public OpRewritePattern<ConvTransposeV1Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvTransposeV1Op op,
                                PatternRewriter &rewriter) const override {
    if (op.getAutoPad() != "NOTSET" && op.getAutoPad() != "VALID")
      return rewriter.notifyMatchFailure(op, "SAME auto_pad");
    return replaceVerified(rewriter, op, ConvTransposeOp::getOperationName(),
                           op->getOperands(), op->getAttrs());
  }
};

/// LpPool-1 and GlobalLpPool-1: p is a float attribute; the current
/// versions take an integer p.
template <typename LegacyOp, typename CurrentOp>
struct UpgradeFloatP : public OpRewritePattern<LegacyOp> {
  using OpRewritePattern<LegacyOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(LegacyOp op,
                                PatternRewriter &rewriter) const override {
    double p = op.getP().convertToDouble();
    if (p != static_cast<double>(static_cast<int64_t>(p)) || p < 1)
      return rewriter.notifyMatchFailure(op, "p is not a positive integer");
    return replaceVerified(
        rewriter, op, CurrentOp::getOperationName(), op->getOperands(),
        attributesWithout(
            op, {"p"},
            {rewriter.getNamedAttr(
                "p", rewriter.getI64IntegerAttr(static_cast<int64_t>(p)))}));
  }
};

/// Split-1: the sizes are an optional second operand or the `split`
/// attribute; the axis is 0 without one.
struct UpgradeSplitV1 : public OpRewritePattern<SplitV1Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SplitV1Op op,
                                PatternRewriter &rewriter) const override {
    Value sizes = op.getSplitIn();
    SmallVector<Value> fresh;
    if (isa<NoneType>(sizes.getType()) && op.getSplit()) {
      sizes = i64Vector(rewriter, op.getLoc(), *op.getSplit());
      fresh.push_back(sizes);
    }
    return replaceVerified(
        rewriter, op, SplitOp::getOperationName(), {op.getInput(), sizes},
        {rewriter.getNamedAttr(
            "axis", rewriter.getI64IntegerAttr(op.getAxis().value_or(0)))},
        {}, fresh);
  }
};

} // namespace

void fulcrum::onnx::populateLegacyVersionPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
#define FULCRUM_ADD(L, C) patterns.add<RenameLegacyVersion<L##Op, C##Op>>(ctx);
  FULCRUM_RENAMED_VERSIONS(FULCRUM_ADD)
#undef FULCRUM_ADD
  patterns.add<UpgradeListAttribute<SqueezeV1Op, SqueezeOp>,
               UpgradeListAttribute<SqueezeV11Op, SqueezeOp>,
               UpgradeListAttribute<UnsqueezeV1Op, UnsqueezeOp>,
               UpgradeListAttribute<UnsqueezeV11Op, UnsqueezeOp>,
               UpgradeListAttribute<ReduceSumV1Op, ReduceSumOp>,
               UpgradeListAttribute<ReduceSumV11Op, ReduceSumOp>>(ctx, "axes");
  patterns.add<UpgradeListAttribute<SplitV2Op, SplitOp>,
               UpgradeListAttribute<SplitV11Op, SplitOp>>(ctx, "split");
  patterns.add<
      RenameControlFlow<IfV11Op, IfOp>, RenameControlFlow<IfV13Op, IfOp>,
      RenameControlFlow<LoopV11Op, LoopOp>,
      RenameControlFlow<LoopV13Op, LoopOp>, RenameControlFlow<ScanV9Op, ScanOp>,
      RenameControlFlow<ScanV11Op, ScanOp>>(ctx);
  patterns.add<UpgradeBatchNormInference<BatchNormalizationV9Op>,
               UpgradeBatchNormInference<BatchNormalizationV7Op>,
               UpgradeBatchNormInference<BatchNormalizationV6Op>,
               UpgradeBatchNormInference<BatchNormalizationV1Op>,
               UpgradeClipAttributes<ClipV6Op>, UpgradeClipAttributes<ClipV1Op>,
               UpgradeCastV1, UpgradeConcatV1, UpgradeReshapeV1, UpgradeSliceV1,
               UpgradeTopKV1, UpgradeTileV1, UpgradeDropout<DropoutV1Op>,
               UpgradeDropout<DropoutV6Op>, UpgradeDropout<DropoutV7Op>,
               UpgradeDropout<DropoutV10Op>, UpgradeMaxPoolV1,
               UpgradeUpsample<UpsampleV1Op>, UpgradeUpsample<UpsampleV7Op>,
               UpgradeUpsample<UpsampleV9Op>, UpgradeUpsample<ResizeV10Op>,
               UpgradeResizeV11, UpgradeRoiAlignV10, UpgradeConvTransposeV1,
               UpgradeFloatP<LpPoolV1Op, LpPoolOp>,
               UpgradeFloatP<GlobalLpPoolV1Op, GlobalLpPoolOp>, UpgradeSplitV1,
               RenameControlFlow<IfV1Op, IfOp>,
               RenameControlFlow<LoopV1Op, LoopOp>>(ctx);
  patterns.add<UpgradePadAttributes<PadV1Op>>(ctx, "paddings");
  patterns.add<UpgradePadAttributes<PadV2Op>>(ctx, "pads");
#define FULCRUM_ADD(L, C, A)                                                   \
  patterns.add<RenameLegacyVersion<L##Op, C##Op>>(ctx, #A);
  FULCRUM_DROPPED_ATTRIBUTE(FULCRUM_ADD)
#undef FULCRUM_ADD
}

bool fulcrum::onnx::isLegacyVersion(Operation *op) {
  // Superseded versions are the onnx operators named <Name>V<version>.
  StringRef name = op->getName().getStringRef();
  if (!name.consume_front("onnx."))
    return false;
  StringRef digits =
      name.take_back(name.size() - name.find_last_not_of("0123456789") - 1);
  name = name.drop_back(digits.size());
  return !digits.empty() && name.size() > 1 && name.back() == 'V';
}
