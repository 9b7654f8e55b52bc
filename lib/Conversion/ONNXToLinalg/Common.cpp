//===- Common.cpp - Helpers shared by the onnx lowerings ------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"

using namespace mlir;

namespace fulcrum::lowering {

Type toSignless(Type type) {
  if (auto i = dyn_cast<IntegerType>(type))
    if (!i.isSignless())
      return IntegerType::get(type.getContext(), i.getWidth());
  return type;
}

} // namespace fulcrum::lowering

fulcrum::ONNXToLinalgTypeConverter::ONNXToLinalgTypeConverter() {
  using fulcrum::lowering::toSignless;
  addConversion([](Type t) { return t; });
  addConversion([](RankedTensorType t) -> Type {
    return t.clone(toSignless(t.getElementType()));
  });
  addConversion([](UnrankedTensorType t) -> Type {
    return UnrankedTensorType::get(toSignless(t.getElementType()));
  });
  auto materialize = [](OpBuilder &b, Type type, ValueRange inputs,
                        Location loc) -> Value {
    return b.create<UnrealizedConversionCastOp>(loc, type, inputs).getResult(0);
  };
  addSourceMaterialization(materialize);
  addTargetMaterialization(materialize);
}

namespace fulcrum::lowering {

/// Each pass instance converts one function on one thread at a time.
static thread_local llvm::DenseMap<Operation *, std::string> refusals;

LogicalResult refuse(Operation *op, ConversionPatternRewriter &rewriter,
                     const Twine &reason) {
  refusals[op] = reason.str();
  return rewriter.notifyMatchFailure(op, reason);
}

std::string getRefusal(Operation *op) { return refusals.lookup(op); }

void clearRefusals() { refusals.clear(); }

RankedTensorType getRankedResultType(Operation *op, unsigned i,
                                     const TypeConverter &tc,
                                     ConversionPatternRewriter &r) {
  auto type = dyn_cast_or_null<RankedTensorType>(
      tc.convertType(op->getResult(i).getType()));
  if (!type)
    (void)r.notifyMatchFailure(op, "result type is not a ranked tensor");
  return type;
}

Value getDimSize(OpBuilder &b, Location loc, Value v, int64_t dim) {
  return b.createOrFold<tensor::DimOp>(loc, v, dim);
}

Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type,
                  ValueRange dynamicSizes) {
  return b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType(),
                                   dynamicSizes);
}

Value createEmptyLike(OpBuilder &b, Location loc, RankedTensorType type,
                      ValueRange sources) {
  SmallVector<Value> dynamic;
  int64_t rank = type.getRank();
  for (int64_t d = 0; d < rank; ++d) {
    if (!type.isDynamicDim(d))
      continue;
    Value size;
    for (Value s : sources) {
      auto st = dyn_cast<RankedTensorType>(s.getType());
      if (!st)
        continue;
      int64_t sd = d - (rank - st.getRank());
      if (sd < 0 || (!st.isDynamicDim(sd) && st.getDimSize(sd) == 1))
        continue;
      size = getDimSize(b, loc, s, sd);
      break;
    }
    if (!size) // Every source is broadcast here: the size is 1.
      size = b.create<arith::ConstantIndexOp>(loc, 1);
    dynamic.push_back(size);
  }
  return createEmpty(b, loc, type, dynamic);
}

Value linearPosition(OpBuilder &b, Location loc, Value shaped, int64_t rank) {
  Type i64 = b.getI64Type();
  Value pos = b.create<arith::ConstantIntOp>(loc, 0, 64);
  for (int64_t d = 0; d < rank; ++d) {
    Value size =
        b.create<arith::IndexCastOp>(loc, i64, getDimSize(b, loc, shaped, d));
    pos = b.create<arith::AddIOp>(
        loc, b.create<arith::MulIOp>(loc, pos, size),
        b.create<arith::IndexCastOp>(loc, i64,
                                     b.create<linalg::IndexOp>(loc, d)));
  }
  return pos;
}

Value hashUniform(OpBuilder &b, Location loc, Value counter, uint64_t seed,
                  Type type) {
  auto c64 = [&](uint64_t v) -> Value {
    return b.create<arith::ConstantIntOp>(loc, static_cast<int64_t>(v), 64);
  };
  // splitmix64 of seed * golden + counter.
  Value z = b.create<arith::AddIOp>(
      loc, counter, c64(seed * 0x9E3779B97F4A7C15ull + 0x9E3779B97F4A7C15ull));
  auto mix = [&](Value v, int64_t shift, uint64_t mul) -> Value {
    Value x = b.create<arith::XOrIOp>(
        loc, v, b.create<arith::ShRUIOp>(loc, v, c64(shift)));
    return b.create<arith::MulIOp>(loc, x, c64(mul));
  };
  z = mix(z, 30, 0xBF58476D1CE4E5B9ull);
  z = mix(z, 27, 0x94D049BB133111EBull);
  z = b.create<arith::XOrIOp>(loc, z,
                              b.create<arith::ShRUIOp>(loc, z, c64(31)));
  // The top 24 bits as a float in [0, 1).
  return b.create<arith::MulFOp>(
      loc,
      b.create<arith::UIToFPOp>(loc, type,
                                b.create<arith::ShRUIOp>(loc, z, c64(40))),
      createScalar(b, loc, type, 1.0 / (1 << 24)));
}

Value createScalar(OpBuilder &b, Location loc, Type type, double value) {
  if (auto f = dyn_cast<FloatType>(type))
    return b.create<arith::ConstantOp>(loc, b.getFloatAttr(f, value));
  if (auto i = dyn_cast<IntegerType>(type)) {
    // Arithmetic is on signless integers (see the element-wise lowering).
    auto signless = IntegerType::get(b.getContext(), i.getWidth());
    return b.create<arith::ConstantOp>(
        loc, b.getIntegerAttr(signless, static_cast<int64_t>(value)));
  }
  return b.create<arith::ConstantIndexOp>(loc, static_cast<int64_t>(value));
}

AffineMap getBroadcastMap(MLIRContext *ctx, int64_t rank,
                          RankedTensorType operandType,
                          RankedTensorType resultType) {
  SmallVector<AffineExpr> exprs;
  int64_t offset = rank - operandType.getRank();
  for (int64_t d = 0; d < operandType.getRank(); ++d) {
    bool broadcast = !operandType.isDynamicDim(d) &&
                     operandType.getDimSize(d) == 1 &&
                     resultType.getDimSize(d + offset) != 1;
    exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                              : getAffineDimExpr(d + offset, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value padTensor(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> low,
                ArrayRef<int64_t> high, Value value) {
  if (llvm::all_of(low, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(high, [](int64_t p) { return p == 0; }))
    return input;
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < type.getRank(); ++d)
    shape.push_back(type.isDynamicDim(d)
                        ? ShapedType::kDynamic
                        : type.getDimSize(d) + low[d] + high[d]);
  auto padded = RankedTensorType::get(shape, type.getElementType());
  SmallVector<OpFoldResult> lo, hi;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    lo.push_back(b.getIndexAttr(low[d]));
    hi.push_back(b.getIndexAttr(high[d]));
  }
  return b.create<tensor::PadOp>(loc, padded, input, lo, hi, value);
}

Value castScalar(OpBuilder &b, Location loc, Value v, Type from, Type to) {
  if (from == to)
    return v;
  Type target = toSignless(to);
  auto fromInt = dyn_cast<IntegerType>(from);
  auto toInt = dyn_cast<IntegerType>(to);
  auto fromFloat = dyn_cast<FloatType>(from);
  auto toFloat = dyn_cast<FloatType>(to);
  bool fromUnsigned =
      fromInt && (fromInt.isUnsigned() || fromInt.getWidth() == 1);
  if (fromFloat && toFloat)
    return fromFloat.getWidth() < toFloat.getWidth()
               ? b.create<arith::ExtFOp>(loc, to, v).getResult()
               : b.create<arith::TruncFOp>(loc, to, v).getResult();
  if (fromFloat && toInt) {
    if (toInt.getWidth() == 1)
      return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, v,
                                     createScalar(b, loc, from, 0.0));
    if (toInt.isUnsigned())
      return b.create<arith::FPToUIOp>(loc, target, v);
    return b.create<arith::FPToSIOp>(loc, target, v);
  }
  if (fromInt && toFloat)
    return fromUnsigned ? b.create<arith::UIToFPOp>(loc, to, v).getResult()
                        : b.create<arith::SIToFPOp>(loc, to, v).getResult();
  if (fromInt && toInt) {
    if (toInt.getWidth() == 1)
      return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, v,
                                     createScalar(b, loc, from, 0));
    if (fromInt.getWidth() == toInt.getWidth())
      return v;
    if (fromInt.getWidth() > toInt.getWidth())
      return b.create<arith::TruncIOp>(loc, target, v);
    return fromUnsigned ? b.create<arith::ExtUIOp>(loc, target, v).getResult()
                        : b.create<arith::ExtSIOp>(loc, target, v).getResult();
  }
  return nullptr;
}

Value countElements(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> dims,
                    Type elt) {
  Value count = b.create<arith::ConstantIndexOp>(loc, 1);
  for (int64_t d : dims)
    count = b.create<arith::MulIOp>(loc, count, getDimSize(b, loc, x, d));
  return b.create<arith::SIToFPOp>(
      loc, elt, b.create<arith::IndexCastOp>(loc, b.getI64Type(), count));
}

Value createFilled(OpBuilder &b, Location loc, RankedTensorType type,
                   ValueRange dynamicSizes, Value value) {
  return b
      .create<linalg::FillOp>(loc, value,
                              createEmpty(b, loc, type, dynamicSizes))
      .getResult(0);
}

Value createFilled(OpBuilder &b, Location loc, RankedTensorType type,
                   ValueRange dynamicSizes, double value) {
  return createFilled(b, loc, type, dynamicSizes,
                      createScalar(b, loc, type.getElementType(), value));
}

TypedAttr getExtremeValue(Builder &b, Type elt, bool isUnsigned, bool lowest) {
  if (auto f = dyn_cast<FloatType>(elt))
    return b.getFloatAttr(f, APFloat::getInf(f.getFloatSemantics(),
                                             /*Negative=*/lowest));
  unsigned w = elt.getIntOrFloatBitWidth();
  APInt v = isUnsigned
                ? (lowest ? APInt::getMinValue(w) : APInt::getMaxValue(w))
                : (lowest ? APInt::getSignedMinValue(w)
                          : APInt::getSignedMaxValue(w));
  return b.getIntegerAttr(elt, v);
}

ReductionLoops getReductionLoops(OpBuilder &b, Location loc, Value x,
                                 ArrayRef<bool> reduced) {
  auto type = cast<RankedTensorType>(x.getType());
  ReductionLoops loops;
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    loops.iterators.push_back(reduced[d] ? utils::IteratorType::reduction
                                         : utils::IteratorType::parallel);
    if (reduced[d])
      continue;
    loops.shape.push_back(type.getDimSize(d));
    if (type.isDynamicDim(d))
      loops.dynamicSizes.push_back(getDimSize(b, loc, x, d));
    exprs.push_back(b.getAffineDimExpr(d));
  }
  loops.resultMap = AffineMap::get(type.getRank(), 0, exprs, b.getContext());
  return loops;
}

Value generateTensor(
    OpBuilder &b, Location loc, Value init,
    function_ref<Value(OpBuilder &, Location, ValueRange)> element) {
  auto type = cast<RankedTensorType>(init.getType());
  int64_t rank = type.getRank();
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{type}, ValueRange{}, ValueRange{init},
      SmallVector<AffineMap>{b.getMultiDimIdentityMap(rank)},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange) {
        SmallVector<Value> indices;
        for (int64_t d = 0; d < rank; ++d)
          indices.push_back(nb.create<linalg::IndexOp>(l, d));
        nb.create<linalg::YieldOp>(l, element(nb, l, indices));
      });
  return generic.getResult(0);
}

Value wrapNegativeIndex(OpBuilder &b, Location loc, Value i, Value size) {
  Value zero = b.create<arith::ConstantOp>(loc, b.getZeroAttr(i.getType()));
  Value neg = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, i, zero);
  return b.create<arith::SelectOp>(loc, neg,
                                   b.create<arith::AddIOp>(loc, i, size), i);
}

SmallVector<Value>
buildLoopNestOver(OpBuilder &b, Location loc, ValueRange sizes,
                  ValueRange iterArgs,
                  function_ref<SmallVector<Value>(OpBuilder &, Location,
                                                  ValueRange, ValueRange)>
                      body) {
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  SmallVector<Value> lbs(sizes.size(), zero), steps(sizes.size(), one);
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, sizes, steps, iterArgs,
      [&](OpBuilder &nb, Location l, ValueRange ivs, ValueRange args) {
        return scf::ValueVector(body(nb, l, ivs, args));
      });
  return nest.results;
}

int64_t flattenUnlessAxis(OpBuilder &b, Location loc, Value &x,
                          std::optional<int64_t> axis) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  if (axis)
    return *axis < 0 ? *axis + rank : *axis;
  if (rank != 1) {
    ReassociationIndices all = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    x = b.create<tensor::CollapseShapeOp>(loc, x,
                                          ArrayRef<ReassociationIndices>{all});
  }
  return 0;
}

Value readFirstElement(OpBuilder &b, Location loc, Value t) {
  auto type = cast<RankedTensorType>(t.getType());
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  return b.create<tensor::ExtractOp>(loc, t,
                                     SmallVector<Value>(type.getRank(), zero));
}

void getAxisSlice(OpBuilder &b, Location loc, Value t, int64_t axis,
                  OpFoldResult pos, SmallVectorImpl<OpFoldResult> &offsets,
                  SmallVectorImpl<OpFoldResult> &sizes,
                  SmallVectorImpl<OpFoldResult> &strides) {
  auto type = cast<RankedTensorType>(t.getType());
  for (int64_t d = 0; d < type.getRank(); ++d) {
    offsets.push_back(d == axis ? pos : b.getIndexAttr(0));
    if (d == axis)
      sizes.push_back(b.getIndexAttr(1));
    else if (type.isDynamicDim(d))
      sizes.push_back(getDimSize(b, loc, t, d));
    else
      sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
    strides.push_back(b.getIndexAttr(1));
  }
}

Value insertAlongAxis(OpBuilder &b, Location loc, Value element, Value dest,
                      int64_t axis, OpFoldResult pos) {
  SmallVector<OpFoldResult> offsets, sizes, strides;
  getAxisSlice(b, loc, dest, axis, pos, offsets, sizes, strides);
  auto elementType = cast<RankedTensorType>(element.getType());
  int64_t k = 0;
  for (int64_t d = 0; d < (int64_t)sizes.size(); ++d)
    if (d != axis)
      sizes[d] =
          elementType.isDynamicDim(k)
              ? OpFoldResult(getDimSize(b, loc, element, k++))
              : OpFoldResult(b.getIndexAttr(elementType.getDimSize(k++)));
  return b.create<tensor::InsertSliceOp>(loc, element, dest, offsets, sizes,
                                         strides);
}

Value extractAlongAxis(OpBuilder &b, Location loc, Value t, int64_t axis,
                       OpFoldResult pos) {
  SmallVector<OpFoldResult> offsets, sizes, strides;
  getAxisSlice(b, loc, t, axis, pos, offsets, sizes, strides);
  auto type = cast<RankedTensorType>(t.getType());
  auto sliceType = tensor::ExtractSliceOp::inferCanonicalRankReducedResultType(
      type.getRank() - 1, type, offsets, sizes, strides);
  return b.create<tensor::ExtractSliceOp>(loc, sliceType, t, offsets, sizes,
                                          strides);
}

Value castTo(OpBuilder &b, Location loc, Value v, Type type) {
  if (v.getType() == type)
    return v;
  return b.create<tensor::CastOp>(loc, type, v);
}

Value expandShape(OpBuilder &b, Location loc, RankedTensorType type, Value src,
                  ArrayRef<ReassociationIndices> reassoc,
                  ArrayRef<OpFoldResult> sizes) {
  bool ambiguous = llvm::any_of(reassoc, [&](const ReassociationIndices &g) {
    return llvm::count_if(g, [&](int64_t d) { return type.isDynamicDim(d); }) >
           1;
  });
  if (!ambiguous)
    return b.create<tensor::ExpandShapeOp>(loc, type, src, reassoc, sizes);
  SmallVector<Value> dims;
  for (OpFoldResult s : sizes)
    dims.push_back(b.create<arith::IndexCastOp>(
        loc, b.getI64Type(), getValueOrCreateConstantIndexOp(b, loc, s)));
  Value shape = b.create<tensor::FromElementsOp>(
      loc, RankedTensorType::get({type.getRank()}, b.getI64Type()), dims);
  return b.create<tensor::ReshapeOp>(loc, type, src, shape);
}

} // namespace fulcrum::lowering
