//===- LegacyVersions.cpp - Renames of superseded operator versions -------===//
//
// Part of Fulcrum. Patterns of fulcrum-onnx-decompose for superseded
// operator versions (onnx.<Name>V<version>, imported when the version
// converter cannot upgrade a model) whose meaning is the current version's:
// the newer versions only admit more element types, add attributes or
// optional operands whose defaults give the old behaviour, or accept more
// (negative axes and indices, broadcasting where the old version required
// equal shapes). Each is renamed to the current operator with its operands
// and attributes. The rename is checked: an attribute the current operator
// does not define, or operands and results it does not accept, leave the
// operator as it is (and the lowering refuses it by name), never
// reinterpreted.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/Transforms/Passes.h"

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
  X(PReluV9, PRelu) X(BatchNormalizationV14, BatchNormalization)
// clang-format on

namespace {

/// Replaces `op` by a `name` operation of `operands` and `attrs` (and op's
/// result types) when that verifies; fails (changing nothing) otherwise.
LogicalResult replaceVerified(PatternRewriter &rewriter, Operation *op,
                              StringRef name, ValueRange operands,
                              ArrayRef<NamedAttribute> attrs) {
  OperationState state(op->getLoc(), name);
  state.addOperands(operands);
  state.addTypes(op->getResultTypes());
  state.addAttributes(attrs);
  Operation *created = Operation::create(state);
  {
    // A replacement that does not verify is not this operator's meaning.
    ScopedDiagnosticHandler quiet(op->getContext(),
                                  [](Diagnostic &) { return success(); });
    if (failed(verify(created))) {
      created->destroy();
      return rewriter.notifyMatchFailure(op, "the upgrade does not verify");
    }
  }
  rewriter.insert(created);
  rewriter.replaceOp(op, created->getResults());
  return success();
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
template <typename LegacyOp, typename CurrentOp>
struct RenameLegacyVersion : public OpRewritePattern<LegacyOp> {
  using OpRewritePattern<LegacyOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(LegacyOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(checkAttributes(rewriter, op, CurrentOp::getAttributeNames())))
      return failure();
    return replaceVerified(rewriter, op, CurrentOp::getOperationName(),
                           op->getOperands(), op->getAttrs());
  }
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

/// BatchNormalization-9 (and -7 with spatial = 1) in inference: its
/// optional mean/variance outputs unused, the current operator.
template <typename LegacyOp>
struct UpgradeBatchNormInference : public OpRewritePattern<LegacyOp> {
  using OpRewritePattern<LegacyOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(LegacyOp op,
                                PatternRewriter &rewriter) const override {
    if constexpr (std::is_same_v<LegacyOp, BatchNormalizationV7Op>)
      if (op.getSpatial() != 1)
        return rewriter.notifyMatchFailure(op, "spatial = 0");
    for (Value r : op->getResults().drop_front())
      if (!r.use_empty() && !isa<NoneType>(r.getType()))
        return rewriter.notifyMatchFailure(op, "training outputs used");
    Location loc = op.getLoc();
    Value none = rewriter.create<NoValueOp>(loc, rewriter.getNoneType());
    auto bn = rewriter.create<BatchNormalizationOp>(
        loc,
        TypeRange{op->getResult(0).getType(), none.getType(), none.getType()},
        op.getX(), op.getScale(), op.getB(), op.getMean(), op.getVar(),
        op.getEpsilonAttr(), op.getMomentumAttr(),
        rewriter.getI64IntegerAttr(0));
    SmallVector<Value> results{bn.getY()};
    results.append(op->getNumResults() - 1, none);
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// Clip-6: min and max attributes (defaults the float range) become the
/// current Clip's scalar operands.
struct UpgradeClipV6 : public OpRewritePattern<ClipV6Op> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ClipV6Op op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!type || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "not a ranked float tensor");
    auto scalarType = RankedTensorType::get({}, type.getElementType());
    auto bound = [&](APFloat v) -> Value {
      bool lost;
      v.convert(cast<FloatType>(type.getElementType()).getFloatSemantics(),
                APFloat::rmNearestTiesToEven, &lost);
      return rewriter.create<ConstantOp>(
          op.getLoc(), TypeRange{scalarType}, ValueRange{},
          rewriter.getNamedAttr("value",
                                DenseElementsAttr::get(scalarType, v)));
    };
    rewriter.replaceOpWithNewOp<ClipOp>(op, op.getType(), op.getInput(),
                                        bound(op.getMin()), bound(op.getMax()));
    return success();
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
  patterns
      .add<UpgradeBatchNormInference<BatchNormalizationV9Op>,
           UpgradeBatchNormInference<BatchNormalizationV7Op>, UpgradeClipV6>(
          ctx);
}

bool fulcrum::onnx::isRenamedLegacyVersion(Operation *op) {
#define FULCRUM_IS(L, C) || isa<L##Op>(op)
  return isa<BatchNormalizationV9Op, BatchNormalizationV7Op, ClipV6Op,
             SqueezeV1Op, SqueezeV11Op, UnsqueezeV1Op, UnsqueezeV11Op,
             ReduceSumV1Op, ReduceSumV11Op, SplitV2Op, SplitV11Op, IfV11Op,
             IfV13Op, LoopV11Op, LoopV13Op, ScanV9Op, ScanV11Op>(op)
      FULCRUM_RENAMED_VERSIONS(FULCRUM_IS);
#undef FULCRUM_IS
}
