//===- ChannelsLast.cpp - fulcrum-channels-last ---------------------------===//
//
// Part of Fulcrum. Convolutions, pooling and the element-wise ops and
// paddings between them run on NHWC tensors; layout changes stay at the
// edges of such regions.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

namespace fulcrum {
#define GEN_PASS_DEF_CHANNELSLAST
#include "fulcrum/Transforms/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

namespace {

/// linalg.transpose permutations: result dimension i is input dimension
/// permutation[i].
constexpr int64_t kToNHWC[] = {0, 2, 3, 1};
constexpr int64_t kToNCHW[] = {0, 3, 1, 2};
/// Where NCHW dimension d sits in NHWC.
constexpr int64_t kNHWCPosition[] = {0, 3, 1, 2};
/// The tag of quantized contractions (fulcrum-recognize-quantized).
constexpr llvm::StringLiteral kQContraction = "fulcrum.qcontraction";

bool isRank4Tensor(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getRank() == 4;
}

/// `value` with its dimensions permuted.
Value transpose(OpBuilder &b, Location loc, Value value,
                ArrayRef<int64_t> permutation) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, value);
  SmallVector<OpFoldResult> permuted;
  for (int64_t d : permutation)
    permuted.push_back(sizes[d]);
  Value init = b.create<tensor::EmptyOp>(
      loc, permuted, cast<RankedTensorType>(value.getType()).getElementType());
  return b.create<linalg::TransposeOp>(loc, value, init, permutation)
      ->getResult(0);
}

/// The NHWC tensor `value` was made from by the transpose a converted op
/// leaves for its NCHW users.
Value getNHWCSource(Value value) {
  auto op = value.getDefiningOp<linalg::TransposeOp>();
  if (op && op.getPermutation() == ArrayRef<int64_t>(kToNCHW))
    return op.getInput();
  return nullptr;
}

/// The broadcast dimensions of `broadcast` (into a rank-4 NCHW init) in
/// NHWC, when the input's dimensions keep their order there.
std::optional<SmallVector<int64_t>>
getNHWCBroadcastDims(linalg::BroadcastOp broadcast) {
  SmallVector<int64_t> kept, dims;
  for (int64_t d = 0; d < 4; ++d) {
    if (llvm::is_contained(broadcast.getDimensions(), d))
      dims.push_back(kNHWCPosition[d]);
    else
      kept.push_back(kNHWCPosition[d]);
  }
  if (!llvm::is_sorted(kept))
    return std::nullopt;
  llvm::sort(dims);
  return dims;
}

/// `pad` applied to `source`, the NHWC form of its input: a constant
/// padding with static amounts, permuted; or nothing.
Value padNHWC(OpBuilder &b, tensor::PadOp pad, Value source) {
  Value value = pad.getConstantPaddingValue();
  if (!value || !pad.getLow().empty() || !pad.getHigh().empty())
    return nullptr;
  SmallVector<OpFoldResult> low, high;
  SmallVector<int64_t> shape;
  for (int64_t d : kToNHWC) {
    low.push_back(b.getIndexAttr(pad.getStaticLow()[d]));
    high.push_back(b.getIndexAttr(pad.getStaticHigh()[d]));
    shape.push_back(pad.getResultType().getDimSize(d));
  }
  auto type = RankedTensorType::get(
      shape, cast<RankedTensorType>(source.getType()).getElementType());
  return b.create<tensor::PadOp>(pad.getLoc(), type, source, low, high, value,
                                 pad.getNofold());
}

/// `value` (NCHW) as NHWC: the source of a converted op's result, a fresh
/// empty tensor, fill or bias broadcast made in NHWC directly, a constant
/// padding applied after the transpose of its input (so that the kernels
/// can take the padding over), or a transpose.
Value toNHWC(OpBuilder &b, Location loc, Value value) {
  if (Value source = getNHWCSource(value))
    return source;
  Operation *def = value.getDefiningOp();
  if (auto empty = dyn_cast_or_null<tensor::EmptyOp>(def)) {
    SmallVector<OpFoldResult> sizes = empty.getMixedSizes(), permuted;
    for (int64_t d : kToNHWC)
      permuted.push_back(sizes[d]);
    return b.create<tensor::EmptyOp>(loc, permuted,
                                     empty.getType().getElementType());
  }
  if (auto fill = dyn_cast_or_null<linalg::FillOp>(def))
    return b
        .create<linalg::FillOp>(loc, fill.getDpsInputs()[0],
                                toNHWC(b, loc, fill.getDpsInits()[0]))
        .getResult(0);
  if (auto broadcast = dyn_cast_or_null<linalg::BroadcastOp>(def))
    if (auto dims = getNHWCBroadcastDims(broadcast))
      return b
          .create<linalg::BroadcastOp>(loc, broadcast.getInput(),
                                       toNHWC(b, loc, broadcast.getInit()),
                                       *dims)
          ->getResult(0);
  if (auto pad = dyn_cast_or_null<tensor::PadOp>(def);
      pad && isRank4Tensor(pad.getSource()) && pad.getConstantPaddingValue() &&
      pad.getLow().empty() && pad.getHigh().empty())
    return padNHWC(b, pad, toNHWC(b, loc, pad.getSource()));
  return transpose(b, loc, value, kToNHWC);
}

/// Replaces `op`'s one result by the NCHW view of `nhwc`, for its users to
/// convert or read through a transpose.
void replaceWithNHWC(OpBuilder &b, Operation *op, Value nhwc) {
  Value back = transpose(b, op->getLoc(), nhwc, kToNCHW);
  op->getResult(0).replaceAllUsesWith(back);
  op->erase();
}

struct ChannelsLastPass
    : public fulcrum::impl::ChannelsLastBase<ChannelsLastPass> {
  void runOnOperation() override {
    for (Operation *op : collect()) {
      OpBuilder b(op);
      Location loc = op->getLoc();
      if (auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(op)) {
        // FCHW filters become FHWC (a constant transposed once at compile
        // time by the code generator, or at run time otherwise).
        convertConv<linalg::Conv2DNhwcFhwcOp>(b, conv, kToNHWC);
      } else if (auto conv = dyn_cast<linalg::DepthwiseConv2DNchwChwOp>(op)) {
        // CHW filters become HWC.
        convertConv<linalg::DepthwiseConv2DNhwcHwcOp>(b, conv, {1, 2, 0});
      } else if (isa<linalg::PoolingNchwMaxOp, linalg::PoolingNchwSumOp>(op)) {
        convertPooling(b, cast<linalg::LinalgOp>(op));
      } else if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
        if (generic->hasAttr(kQContraction))
          convertQuantizedConv(b, generic);
        else if (!convertElementwise(b, generic))
          readNHWCInReduction(generic);
      } else if (auto pad = dyn_cast<tensor::PadOp>(op)) {
        convertPad(b, pad);
      }
    }
    // The transposes back that nothing reads, what only they read, and
    // the NCHW paddings and inits replaced by NHWC ones.
    forwardDims();
    SmallVector<Operation *> remaining = collect();
    for (Operation *op : llvm::reverse(remaining))
      if (isa<linalg::TransposeOp, tensor::EmptyOp, linalg::FillOp,
              linalg::BroadcastOp, tensor::PadOp>(op) &&
          isOpTriviallyDead(op))
        op->erase();
  }

  /// The ops of the function in order, not those inside linalg ops and
  /// paddings (which the rewrites erase with their parents).
  SmallVector<Operation *> collect() {
    SmallVector<Operation *> ops;
    getOperation().walk<WalkOrder::PreOrder>([&](Operation *op) {
      ops.push_back(op);
      return isa<linalg::LinalgOp, tensor::PadOp>(op) ? WalkResult::skip()
                                                      : WalkResult::advance();
    });
    return ops;
  }

  /// `conv` as a `NHWCOp` with its filter permuted by `filterPermutation`.
  template <typename NHWCOp, typename ConvOp>
  void convertConv(OpBuilder &b, ConvOp conv,
                   ArrayRef<int64_t> filterPermutation) {
    if (!conv.hasPureTensorSemantics())
      return;
    Location loc = conv.getLoc();
    Value filter = transpose(b, loc, conv.getDpsInputs()[1], filterPermutation);
    Value x = toNHWC(b, loc, conv.getDpsInputs()[0]);
    Value init = toNHWC(b, loc, conv.getDpsInits()[0]);
    auto nhwc = b.create<NHWCOp>(loc, init.getType(), ValueRange{x, filter},
                                 init, conv.getStrides(), conv.getDilations());
    replaceWithNHWC(b, conv, nhwc.getResult(0));
    ++numConverted;
  }

  void convertPooling(OpBuilder &b, linalg::LinalgOp op) {
    if (!op.hasPureTensorSemantics())
      return;
    Location loc = op.getLoc();
    Value x = toNHWC(b, loc, op.getDpsInputs()[0]);
    Value window = op.getDpsInputs()[1];
    Value init = toNHWC(b, loc, op.getDpsInits()[0]);
    Operation *nhwc;
    if (auto max = dyn_cast<linalg::PoolingNchwMaxOp>(op.getOperation()))
      nhwc = b.create<linalg::PoolingNhwcMaxOp>(
          loc, init.getType(), ValueRange{x, window}, init, max.getStrides(),
          max.getDilations());
    else {
      auto sum = cast<linalg::PoolingNchwSumOp>(op.getOperation());
      nhwc = b.create<linalg::PoolingNhwcSumOp>(
          loc, init.getType(), ValueRange{x, window}, init, sum.getStrides(),
          sum.getDilations());
    }
    replaceWithNHWC(b, op, nhwc->getResult(0));
    ++numConverted;
  }

  /// A quantized convolution (a generic tagged `fulcrum.qcontraction`
  /// with kind "conv" or "dwconv", reading x[n][c][ih][iw] and writing
  /// y[n][f][oh][ow]) reads and writes NHWC instead: the same loops and
  /// body, the image's and the result's indexing maps permuted, the filter
  /// kept FCHW (C1HW for "dwconv"). The tag gains `layout = "nhwc"` for the
  /// kernel pass.
  void convertQuantizedConv(OpBuilder &b, linalg::GenericOp generic) {
    auto tag = generic->getAttrOfType<DictionaryAttr>(kQContraction);
    auto kind = tag ? tag.getAs<StringAttr>("kind") : StringAttr();
    if (!kind || (kind.getValue() != "conv" && kind.getValue() != "dwconv") ||
        tag.contains("layout") || !generic.hasPureTensorSemantics() ||
        generic.getNumDpsInputs() != 2 || generic.getNumResults() != 1 ||
        !isRank4Tensor(generic.getDpsInputs()[0]) ||
        !isRank4Tensor(generic.getResult(0)))
      return;
    auto permute = [](AffineMap map) {
      SmallVector<AffineExpr> results;
      for (int64_t d : kToNHWC)
        results.push_back(map.getResult(d));
      return AffineMap::get(map.getNumDims(), map.getNumSymbols(), results,
                            map.getContext());
    };
    SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
    if (maps[0].getNumResults() != 4 || maps[2].getNumResults() != 4)
      return;
    Location loc = generic.getLoc();
    Value x = toNHWC(b, loc, generic.getDpsInputs()[0]);
    Value init = toNHWC(b, loc, generic.getDpsInits()[0]);
    maps[0] = permute(maps[0]);
    maps[2] = permute(maps[2]);
    auto nhwc = b.create<linalg::GenericOp>(
        loc, TypeRange{init.getType()},
        ValueRange{x, generic.getDpsInputs()[1]}, ValueRange{init}, maps,
        generic.getIteratorTypesArray());
    IRMapping mapping;
    generic.getRegion().cloneInto(&nhwc.getRegion(), mapping);
    NamedAttrList entries(tag);
    entries.set("layout", b.getStringAttr("nhwc"));
    nhwc->setAttr(kQContraction, entries.getDictionary(b.getContext()));
    replaceWithNHWC(b, generic, nhwc.getResult(0));
    ++numConverted;
  }

  /// An all-parallel rank-4 generic with an identity output map that reads
  /// a converted result runs on NHWC loops: inputs coming from converted
  /// ops are read in NHWC, others keep their layout and get their indexing
  /// maps' dimensions renamed.
  bool convertElementwise(OpBuilder &b, linalg::GenericOp generic) {
    if (!generic.hasPureTensorSemantics() || generic.getNumResults() != 1 ||
        generic.getNumLoops() != 4 || generic.getNumParallelLoops() != 4 ||
        !generic.getIndexingMapsArray().back().isIdentity() ||
        !generic.getBody()->getOps<linalg::IndexOp>().empty())
      return false;
    MLIRContext *context = generic.getContext();
    SmallVector<AffineExpr> rename;
    for (int64_t d = 0; d < 4; ++d)
      rename.push_back(getAffineDimExpr(kNHWCPosition[d], context));
    bool benefits = false;
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    Location loc = generic.getLoc();
    for (OpOperand *input : generic.getDpsInputOperands()) {
      AffineMap map = generic.getMatchingIndexingMap(input);
      Value source = getNHWCSource(input->get());
      if (source && map.isIdentity()) {
        inputs.push_back(source);
        maps.push_back(map);
        benefits = true;
        continue;
      }
      inputs.push_back(input->get());
      maps.push_back(map.replaceDimsAndSymbols(rename, {}, 4, 0));
    }
    if (!benefits)
      return false;
    Value init = toNHWC(b, loc, generic.getDpsInits()[0]);
    maps.push_back(AffineMap::getMultiDimIdentityMap(4, context));
    auto nhwc = b.create<linalg::GenericOp>(loc, TypeRange{init.getType()},
                                            inputs, ValueRange{init}, maps,
                                            generic.getIteratorTypesArray());
    IRMapping mapping;
    generic.getRegion().cloneInto(&nhwc.getRegion(), mapping);
    // Tags (fulcrum.requantize and the like) stay with the op.
    for (NamedAttribute attr : generic->getDiscardableAttrs())
      nhwc->setAttr(attr.getName(), attr.getValue());
    replaceWithNHWC(b, generic, nhwc.getResult(0));
    ++numConverted;
    return true;
  }

  /// A reduction over four NCHW loops (a global average pooling, with the
  /// element-wise ops fused into it) reads converted results in NHWC
  /// through permuted indexing maps instead of through transposes; its
  /// loops, body and result stay as they are.
  void readNHWCInReduction(linalg::GenericOp generic) {
    if (!generic.hasPureTensorSemantics() || generic.getNumLoops() != 4 ||
        generic.getNumReductionLoops() == 0 ||
        !generic.getBody()->getOps<linalg::IndexOp>().empty())
      return;
    MLIRContext *context = generic.getContext();
    AffineMap nhwc = AffineMap::getPermutationMap(kToNHWC, context);
    bool changed = false;
    SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
    for (OpOperand *input : generic.getDpsInputOperands()) {
      Value source = getNHWCSource(input->get());
      if (!source || !generic.getMatchingIndexingMap(input).isIdentity())
        continue;
      input->set(source);
      maps[input->getOperandNumber()] = nhwc;
      changed = true;
    }
    if (!changed)
      return;
    generic.setIndexingMapsAttr(Builder(context).getAffineMapArrayAttr(maps));
    ++numConverted;
  }

  /// A constant padding of a converted result pads its NHWC source.
  void convertPad(OpBuilder &b, tensor::PadOp pad) {
    Value source = getNHWCSource(pad.getSource());
    if (!source)
      return;
    if (Value nhwc = padNHWC(b, pad, source)) {
      replaceWithNHWC(b, pad, nhwc);
      ++numConverted;
    }
  }

  /// Sizes read from a transpose's result read its input instead, so that
  /// transposes only kept alive by them go.
  void forwardDims() {
    getOperation().walk([](tensor::DimOp dim) {
      auto transpose = dim.getSource().getDefiningOp<linalg::TransposeOp>();
      std::optional<int64_t> index = dim.getConstantIndex();
      if (!transpose || !index)
        return;
      OpBuilder b(dim);
      Value size = b.create<tensor::DimOp>(dim.getLoc(), transpose.getInput(),
                                           transpose.getPermutation()[*index]);
      dim.replaceAllUsesWith(size);
      dim->erase();
    });
  }
};

} // namespace
