//===- Sort.cpp - Heap selection and TopK ---------------------------------===//
//
// Part of Fulcrum. A heap over a permutation of positions, built and sifted
// with scf loops on tensors, selects the first k positions of an order in
// O(n + k log n); TopK runs it once per row.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {

namespace {

Value cst(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIndexOp>(loc, v);
}

Value readPosition(OpBuilder &b, Location loc, Value perm, Value at) {
  Value p = b.create<tensor::ExtractOp>(loc, perm, at);
  return b.create<arith::IndexCastOp>(loc, b.getIndexType(), p);
}

Value writePosition(OpBuilder &b, Location loc, Value perm, Value at, Value p) {
  auto elt = cast<RankedTensorType>(perm.getType()).getElementType();
  p = b.create<arith::IndexCastOp>(loc, elt, p);
  return b.create<tensor::InsertOp>(loc, p, perm, at);
}

/// Sifts the position at `root` down the heap perm[0, end) whose root is
/// the first position in the order `before`.
Value siftDown(OpBuilder &b, Location loc, Value perm, Value root, Value end,
               PositionOrder before) {
  Type idx = b.getIndexType();
  Value yes = b.create<arith::ConstantIntOp>(loc, 1, 1);
  auto loop = b.create<scf::WhileOp>(
      loc, TypeRange{perm.getType(), idx}, ValueRange{perm, root, yes},
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value child = nb.create<arith::AddIOp>(
            l, nb.create<arith::MulIOp>(l, args[1], cst(nb, l, 2)),
            cst(nb, l, 1));
        Value more = nb.create<arith::AndIOp>(
            l, args[2],
            nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::ult, child, end));
        nb.create<scf::ConditionOp>(l, more, args.take_front(2));
      },
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value heap = args[0], at = args[1];
        Value c = nb.create<arith::AddIOp>(
            l, nb.create<arith::MulIOp>(l, at, cst(nb, l, 2)), cst(nb, l, 1));
        Value c1 = nb.create<arith::AddIOp>(l, c, cst(nb, l, 1));
        Value has1 =
            nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::ult, c1, end);
        Value pc = readPosition(nb, l, heap, c);
        // Reads the second child only where it exists.
        Value pc1 = readPosition(nb, l, heap,
                                 nb.create<arith::SelectOp>(l, has1, c1, c));
        Value second =
            nb.create<arith::AndIOp>(l, has1, before(nb, l, pc1, pc));
        Value best = nb.create<arith::SelectOp>(l, second, c1, c);
        Value pb = nb.create<arith::SelectOp>(l, second, pc1, pc);
        Value pr = readPosition(nb, l, heap, at);
        Value swap = before(nb, l, pb, pr);
        heap = writePosition(nb, l, heap, at,
                             nb.create<arith::SelectOp>(l, swap, pb, pr));
        heap = writePosition(nb, l, heap, best,
                             nb.create<arith::SelectOp>(l, swap, pr, pb));
        nb.create<scf::YieldOp>(l, ValueRange{heap, best, swap});
      });
  return loop.getResult(0);
}

} // namespace

Value heapSelect(OpBuilder &b, Location loc, Value perm, Value n, Value k,
                 PositionOrder before,
                 function_ref<SmallVector<Value>(OpBuilder &, Location, Value,
                                                 Value, ValueRange)>
                     emit,
                 ValueRange iterArgs, SmallVectorImpl<Value> &results) {
  Value zero = cst(b, loc, 0), one = cst(b, loc, 1);
  // perm[i] = i.
  perm = b.create<scf::ForOp>(
              loc, zero, n, one, ValueRange{perm},
              [&](OpBuilder &nb, Location l, Value i, ValueRange args) {
                nb.create<scf::YieldOp>(l, writePosition(nb, l, args[0], i, i));
              })
             .getResult(0);
  // Heapify: sift down every inner node, the last first.
  Value half = b.create<arith::DivUIOp>(loc, n, cst(b, loc, 2));
  perm =
      b.create<scf::ForOp>(
           loc, zero, half, one, ValueRange{perm},
           [&](OpBuilder &nb, Location l, Value t, ValueRange args) {
             Value s = nb.create<arith::SubIOp>(
                 l, nb.create<arith::SubIOp>(l, half, t), cst(nb, l, 1));
             nb.create<scf::YieldOp>(l, siftDown(nb, l, args[0], s, n, before));
           })
          .getResult(0);
  // Take the root k times: it moves to the end of the shrinking heap.
  SmallVector<Value> inits{perm};
  llvm::append_range(inits, iterArgs);
  auto take = b.create<scf::ForOp>(
      loc, zero, k, one, inits,
      [&](OpBuilder &nb, Location l, Value j, ValueRange args) {
        Value last =
            nb.create<arith::SubIOp>(l, nb.create<arith::SubIOp>(l, n, j), one);
        Value top = readPosition(nb, l, args[0], zero);
        Value moved = readPosition(nb, l, args[0], last);
        Value heap = writePosition(nb, l, args[0], zero, moved);
        heap = writePosition(nb, l, heap, last, top);
        heap = siftDown(nb, l, heap, zero, last, before);
        SmallVector<Value> yields{heap};
        llvm::append_range(yields, emit(nb, l, j, top, args.drop_front()));
        nb.create<scf::YieldOp>(l, yields);
      });
  results.assign(take.getResults().begin() + 1, take.getResults().end());
  return take.getResult(0);
}

namespace {

/// TopK: per row along the axis, the k largest (or smallest) values in
/// order, ties by the lower index, and their indices.
struct TopKLowering : public OpConversionPattern<TopKOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TopKOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto valuesType = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto indicesType =
        getRankedResultType(op, 1, *getTypeConverter(), rewriter);
    auto kType = dyn_cast<RankedTensorType>(adaptor.getK().getType());
    if (!valuesType || !indicesType || !kType)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    if (kType.getNumElements() != 1)
      return rewriter.notifyMatchFailure(op, "K must hold one element");
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    int64_t rank = valuesType.getRank();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis >= rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Type elt = valuesType.getElementType();
    bool isFloat = isa<FloatType>(elt);
    bool isUnsigned = cast<ShapedType>(op.getX().getType())
                          .getElementType()
                          .isUnsignedInteger();
    bool largest = op.getLargest() != 0;

    Value k = rewriter.create<arith::IndexCastOp>(
        loc, rewriter.getIndexType(),
        readFirstElement(rewriter, loc, adaptor.getK()));
    SmallVector<Value> dynamic, outer;
    for (int64_t d = 0; d < rank; ++d) {
      Value size = d == axis ? k : getDimSize(rewriter, loc, x, d);
      if (valuesType.isDynamicDim(d))
        dynamic.push_back(size);
      if (d != axis)
        outer.push_back(size);
    }
    Value n = getDimSize(rewriter, loc, x, axis);
    Value values = createEmpty(rewriter, loc, valuesType, dynamic);
    Value indices = createEmpty(rewriter, loc, indicesType, dynamic);
    Value perm = rewriter.create<tensor::EmptyOp>(
        loc, ArrayRef<int64_t>{ShapedType::kDynamic}, rewriter.getI64Type(),
        ValueRange{n});

    SmallVector<Value> results = buildLoopNestOver(
        rewriter, loc, outer, ValueRange{values, indices, perm},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange args) {
          auto at = [&](Value p) {
            SmallVector<Value> coords(ivs);
            coords.insert(coords.begin() + axis, p);
            return coords;
          };
          // a before b: a greater (smaller) value, or an equal one at a
          // lower index.
          auto before = [&](OpBuilder &nb, Location nl, Value pa,
                            Value pb) -> Value {
            Value va = nb.create<tensor::ExtractOp>(nl, x, at(pa));
            Value vb = nb.create<tensor::ExtractOp>(nl, x, at(pb));
            Value wins, equal;
            if (isFloat) {
              wins =
                  nb.create<arith::CmpFOp>(nl,
                                           largest ? arith::CmpFPredicate::OGT
                                                   : arith::CmpFPredicate::OLT,
                                           va, vb);
              equal = nb.create<arith::CmpFOp>(nl, arith::CmpFPredicate::OEQ,
                                               va, vb);
            } else {
              arith::CmpIPredicate pred =
                  largest ? (isUnsigned ? arith::CmpIPredicate::ugt
                                        : arith::CmpIPredicate::sgt)
                          : (isUnsigned ? arith::CmpIPredicate::ult
                                        : arith::CmpIPredicate::slt);
              wins = nb.create<arith::CmpIOp>(nl, pred, va, vb);
              equal = nb.create<arith::CmpIOp>(nl, arith::CmpIPredicate::eq, va,
                                               vb);
            }
            Value lower =
                nb.create<arith::CmpIOp>(nl, arith::CmpIPredicate::ult, pa, pb);
            return nb.create<arith::OrIOp>(
                nl, wins, nb.create<arith::AndIOp>(nl, equal, lower));
          };
          SmallVector<Value> outs;
          Value heap = heapSelect(
              b, l, args[2], n, k, before,
              [&](OpBuilder &nb, Location nl, Value j, Value p,
                  ValueRange acc) {
                Value v = nb.create<tensor::ExtractOp>(nl, x, at(p));
                Value i = nb.create<arith::IndexCastOp>(
                    nl, indicesType.getElementType(), p);
                return SmallVector<Value>{
                    nb.create<tensor::InsertOp>(nl, v, acc[0], at(j)),
                    nb.create<tensor::InsertOp>(nl, i, acc[1], at(j))};
              },
              args.take_front(2), outs);
          return SmallVector<Value>{outs[0], outs[1], heap};
        });
    rewriter.replaceOp(op, {results[0], results[1]});
    return success();
  }
};

} // namespace

void populateSortPatterns(const TypeConverter &tc,
                          RewritePatternSet &patterns) {
  patterns.add<TopKLowering>(tc, patterns.getContext());
}

} // namespace fulcrum::lowering
