//===- Unique.cpp - Lowering of Unique ------------------------------------===//
//
// Part of Fulcrum. The positions along the axis (of the flattened input
// without one) are sorted by their slices, lexicographically, ties by
// position (heapSelect); equal neighbours form a group whose first
// position is the lowest. Unsorted output orders the groups by that first
// position with a scan over the positions.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

/// -1, 0 or 1 (i32) as x[ca] compares with x[cb].
Value compareElements(OpBuilder &b, Location loc, Value x, bool isUnsigned,
                      ValueRange ca, ValueRange cb) {
  Value va = b.create<tensor::ExtractOp>(loc, x, ca);
  Value vb = b.create<tensor::ExtractOp>(loc, x, cb);
  Value lt, gt;
  if (isa<FloatType>(va.getType())) {
    lt = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, va, vb);
    gt = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, va, vb);
  } else {
    lt = b.create<arith::CmpIOp>(
        loc, isUnsigned ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt,
        va, vb);
    gt = b.create<arith::CmpIOp>(
        loc, isUnsigned ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt,
        va, vb);
  }
  return b.create<arith::SelectOp>(
      loc, lt, b.create<arith::ConstantIntOp>(loc, -1, 32),
      b.create<arith::SelectOp>(loc, gt,
                                b.create<arith::ConstantIntOp>(loc, 1, 32),
                                b.create<arith::ConstantIntOp>(loc, 0, 32)));
}

/// -1, 0 or 1 (i32) as the slice of `x` at position `pa` along `axis`
/// compares with the one at `pb`, element by element in row-major order
/// (an scf.while that stops at the first difference; one comparison for
/// 1-D inputs).
Value compareSlices(OpBuilder &b, Location loc, Value x, int64_t axis,
                    bool isUnsigned, Value pa, Value pb) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  if (rank == 1)
    return compareElements(b, loc, x, isUnsigned, pa, pb);
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  Value same = b.create<arith::ConstantIntOp>(loc, 0, 32);
  Value total = one;
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < rank; ++d) {
    sizes.push_back(getDimSize(b, loc, x, d));
    if (d != axis)
      total = b.create<arith::MulIOp>(loc, total, sizes.back());
  }
  auto loop = b.create<scf::WhileOp>(
      loc, TypeRange{b.getIndexType(), b.getI32Type()}, ValueRange{zero, same},
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value more = nb.create<arith::AndIOp>(
            l,
            nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::ult, args[0],
                                     total),
            nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, args[1],
                                     same));
        nb.create<scf::ConditionOp>(l, more, args);
      },
      [&](OpBuilder &nb, Location l, ValueRange args) {
        // Row-major coordinates of element args[0] of the slice.
        SmallVector<Value> ca(rank), cb(rank);
        Value rest = args[0];
        for (int64_t d = rank - 1; d >= 0; --d) {
          if (d == axis) {
            ca[d] = pa;
            cb[d] = pb;
            continue;
          }
          ca[d] = cb[d] = nb.create<arith::RemUIOp>(l, rest, sizes[d]);
          rest = nb.create<arith::DivUIOp>(l, rest, sizes[d]);
        }
        Value r = compareElements(nb, l, x, isUnsigned, ca, cb);
        nb.create<scf::YieldOp>(
            l, ValueRange{nb.create<arith::AddIOp>(l, args[0], one), r});
      });
  return loop.getResult(1);
}

Value castToI64(OpBuilder &b, Location loc, Value v) {
  return b.create<arith::IndexCastOp>(loc, b.getI64Type(), v);
}

Value readIndex(OpBuilder &b, Location loc, Value t, Value at) {
  return b.create<arith::IndexCastOp>(loc, b.getIndexType(),
                                      b.create<tensor::ExtractOp>(loc, t, at));
}

/// The first `size` elements of the 1-D `t`, as `type`.
Value prefix(OpBuilder &b, Location loc, Value t, Value size, Type type) {
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  Value slice = b.create<tensor::ExtractSliceOp>(
      loc, t, ArrayRef<OpFoldResult>{zero}, ArrayRef<OpFoldResult>{size},
      ArrayRef<OpFoldResult>{one});
  if (slice.getType() != type)
    slice = b.create<tensor::CastOp>(loc, type, slice);
  return slice;
}

struct UniqueLowering : public OpConversionPattern<UniqueOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(UniqueOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto yType = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto xType = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    if (!yType || !xType || xType.getRank() == 0 ||
        !xType.getElementType().isIntOrFloat())
      return rewriter.notifyMatchFailure(
          op, "input must be a ranked, non-scalar tensor of numbers");
    SmallVector<RankedTensorType> extraTypes;
    for (unsigned i = 1; i < 4; ++i) {
      Type t = getTypeConverter()->convertType(op->getResult(i).getType());
      auto ranked = dyn_cast_or_null<RankedTensorType>(t);
      if (!isa<NoneType>(op->getResult(i).getType()) &&
          (!ranked || ranked.getRank() != 1))
        return rewriter.notifyMatchFailure(op, "index results must be 1-D");
      extraTypes.push_back(ranked);
    }
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    int64_t axis = flattenUnlessAxis(rewriter, loc, x, op.getAxis());
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    if (axis < 0 || axis >= rank || yType.getRank() != rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    bool isUnsigned = cast<ShapedType>(op.getX().getType())
                          .getElementType()
                          .isUnsignedInteger();
    Type i64 = rewriter.getI64Type();
    Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    Value n = getDimSize(rewriter, loc, x, axis);
    auto scratch = [&]() -> Value {
      return rewriter.create<tensor::EmptyOp>(
          loc, ArrayRef<int64_t>{ShapedType::kDynamic}, i64, ValueRange{n});
    };
    auto compare = [&](OpBuilder &b, Location l, Value pa, Value pb) {
      return compareSlices(b, l, x, axis, isUnsigned, pa, pb);
    };
    auto before = [&](OpBuilder &b, Location l, Value pa, Value pb) -> Value {
      Value c = compare(b, l, pa, pb);
      Value zero32 = b.create<arith::ConstantIntOp>(l, 0, 32);
      Value less =
          b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, c, zero32);
      Value tie = b.create<arith::AndIOp>(
          l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, c, zero32),
          b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ult, pa, pb));
      return b.create<arith::OrIOp>(l, less, tie);
    };
    // Groups in sorted order: count, first position, size; and the group
    // of every position.
    SmallVector<Value> groups;
    heapSelect(
        rewriter, loc, scratch(), n, n, before,
        [&](OpBuilder &b, Location l, Value j, Value p,
            ValueRange acc) -> SmallVector<Value> {
          Value count = acc[0], prev = acc[4];
          Value isFirst =
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, j, zero);
          auto differs = b.create<scf::IfOp>(
              l, isFirst,
              [&](OpBuilder &tb, Location tl) {
                tb.create<scf::YieldOp>(
                    tl, ValueRange{tb.create<arith::ConstantIntOp>(tl, 1, 1)});
              },
              [&](OpBuilder &eb, Location el) {
                Value c = compare(eb, el, prev, p);
                eb.create<scf::YieldOp>(
                    el, ValueRange{eb.create<arith::CmpIOp>(
                            el, arith::CmpIPredicate::ne, c,
                            eb.create<arith::ConstantIntOp>(el, 0, 32))});
              });
          Value fresh = differs.getResult(0);
          Value newCount = b.create<arith::SelectOp>(
              l, fresh, b.create<arith::AddIOp>(l, count, one), count);
          Value g = b.create<arith::SubIOp>(l, newCount, one);
          // The first position of a fresh group; others keep theirs.
          Value first = b.create<arith::SelectOp>(
              l, fresh, castToI64(b, l, p),
              b.create<tensor::ExtractOp>(l, acc[1], g));
          Value size = b.create<arith::SelectOp>(
              l, fresh, b.create<arith::ConstantIntOp>(l, 1, 64),
              b.create<arith::AddIOp>(
                  l, b.create<tensor::ExtractOp>(l, acc[2], g),
                  b.create<arith::ConstantIntOp>(l, 1, 64)));
          return SmallVector<Value>{
              newCount, b.create<tensor::InsertOp>(l, first, acc[1], g),
              b.create<tensor::InsertOp>(l, size, acc[2], g),
              b.create<tensor::InsertOp>(l, castToI64(b, l, g), acc[3], p), p};
        },
        ValueRange{zero, scratch(), scratch(), scratch(), zero}, groups);
    Value count = groups[0], firsts = groups[1], sizes = groups[2],
          inverse = groups[3];

    if (op.getSorted() == 0) {
      // Mark each group's first position, then number the groups as the
      // positions come.
      Value marks = createFilled(
          rewriter, loc, cast<RankedTensorType>(firsts.getType()), {n}, 0.0);
      marks = rewriter
                  .create<scf::ForOp>(
                      loc, zero, count, one, ValueRange{marks},
                      [&](OpBuilder &b, Location l, Value g, ValueRange acc) {
                        Value p = readIndex(b, l, firsts, g);
                        Value mark =
                            castToI64(b, l, b.create<arith::AddIOp>(l, g, one));
                        b.create<scf::YieldOp>(
                            l, ValueRange{b.create<tensor::InsertOp>(
                                   l, mark, acc[0], p)});
                      })
                  .getResult(0);
      auto renumber = rewriter.create<scf::ForOp>(
          loc, zero, n, one, ValueRange{scratch(), scratch(), scratch(), zero},
          [&](OpBuilder &b, Location l, Value p, ValueRange acc) {
            Value mark = readIndex(b, l, marks, p);
            Value isFirst = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne,
                                                    mark, zero);
            auto update = b.create<scf::IfOp>(
                l, isFirst,
                [&](OpBuilder &tb, Location tl) {
                  Value g = tb.create<arith::SubIOp>(tl, mark, one);
                  Value o = acc[3];
                  Value newFirsts = tb.create<tensor::InsertOp>(
                      tl, castToI64(tb, tl, p), acc[0], o);
                  Value newSizes = tb.create<tensor::InsertOp>(
                      tl, tb.create<tensor::ExtractOp>(tl, sizes, g), acc[1],
                      o);
                  Value newIds = tb.create<tensor::InsertOp>(
                      tl, castToI64(tb, tl, o), acc[2], g);
                  tb.create<scf::YieldOp>(
                      tl, ValueRange{newFirsts, newSizes, newIds,
                                     tb.create<arith::AddIOp>(tl, o, one)});
                },
                [&](OpBuilder &eb, Location el) {
                  eb.create<scf::YieldOp>(el, acc);
                });
            b.create<scf::YieldOp>(l, update.getResults());
          });
      firsts = renumber.getResult(0);
      sizes = renumber.getResult(1);
      Value ids = renumber.getResult(2);
      Value groupOf = inverse;
      auto dynType = cast<RankedTensorType>(inverse.getType());
      inverse = generateTensor(
          rewriter, loc,
          rewriter.create<tensor::EmptyOp>(loc, dynType.getShape(), i64,
                                           ValueRange{n}),
          [&](OpBuilder &b, Location l, ValueRange ivs) -> Value {
            return b.create<tensor::ExtractOp>(
                l, ids, readIndex(b, l, groupOf, ivs[0]));
          });
    }

    SmallVector<Value> ySizes;
    for (int64_t d = 0; d < rank; ++d)
      if (yType.isDynamicDim(d))
        ySizes.push_back(d == axis ? count : getDimSize(rewriter, loc, x, d));
    Value y =
        generateTensor(rewriter, loc, createEmpty(rewriter, loc, yType, ySizes),
                       [&](OpBuilder &b, Location l, ValueRange ivs) -> Value {
                         SmallVector<Value> coords(ivs);
                         coords[axis] = readIndex(b, l, firsts, ivs[axis]);
                         return b.create<tensor::ExtractOp>(l, x, coords);
                       });
    SmallVector<Value> results{y};
    Value outs[3] = {firsts, inverse, sizes};
    for (unsigned i = 0; i < 3; ++i) {
      if (!extraTypes[i]) {
        results.push_back(
            rewriter.create<NoValueOp>(loc, rewriter.getNoneType()));
        continue;
      }
      Value size = i == 1 ? n : count;
      results.push_back(prefix(rewriter, loc, outs[i], size, extraTypes[i]));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void populateUniquePatterns(const TypeConverter &tc,
                            RewritePatternSet &patterns) {
  patterns.add<UniqueLowering>(tc, patterns.getContext());
}

} // namespace fulcrum::lowering
