//===- MatMul.cpp - Lowering of MatMul and Gemm ---------------------------===//
//
// Part of Fulcrum. Both become named linalg contractions (`linalg.matmul`,
// its transposed variants and `linalg.batch_matmul`, which upstream tiling
// and vectorization recognise) into a zero-filled accumulator; batch
// dimensions are collapsed, broadcast ones expanded first. MatMul with a
// 1-D operand stays a `linalg.generic` reduction. Gemm's alpha/beta/C
// epilogue is a second, element-wise generic.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include <map>

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

/// acc + a * b for the element type.
Value multiplyAccumulate(OpBuilder &b, Location loc, Value a, Value x,
                         Value acc) {
  if (isa<FloatType>(a.getType()))
    return b.create<arith::AddFOp>(loc, acc,
                                   b.create<arith::MulFOp>(loc, a, x));
  return b.create<arith::AddIOp>(loc, acc, b.create<arith::MulIOp>(loc, a, x));
}

/// Dynamic output sizes: for each dynamic result dim, a (value, dim) source.
SmallVector<Value> dynamicSizes(OpBuilder &b, Location loc,
                                RankedTensorType type,
                                ArrayRef<std::pair<Value, int64_t>> sources) {
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(
          sources[d].first
              ? getDimSize(b, loc, sources[d].first, sources[d].second)
              : b.create<arith::ConstantIndexOp>(loc, 1));
  return sizes;
}

/// The result sizes of a contraction as fold results: static sizes as
/// attributes, dynamic ones read from their (value, dim) source.
SmallVector<OpFoldResult>
mixedSizes(OpBuilder &b, Location loc, RankedTensorType type,
           ArrayRef<std::pair<Value, int64_t>> sources) {
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d))
      sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
    else if (sources[d].first)
      sizes.push_back(getDimSize(b, loc, sources[d].first, sources[d].second));
    else
      sizes.push_back(b.getIndexAttr(1));
  }
  return sizes;
}

/// Groups `keep` dimensions of a rank-`rank` value so that every other
/// dimension (a static 1) joins the next kept one, or the last one.
SmallVector<ReassociationIndices> groupUnitDims(int64_t rank,
                                                ArrayRef<bool> keep) {
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending;
  for (int64_t d = 0; d < rank; ++d) {
    pending.push_back(d);
    if (keep[d]) {
      groups.push_back(pending);
      pending.clear();
    }
  }
  if (!pending.empty())
    groups.back().append(pending.begin(), pending.end());
  return groups;
}

/// MatMul as `linalg.matmul` or `linalg.batch_matmul` for operands of rank
/// 2 or more: batch dimensions are collapsed into one (or, when only A has
/// them, into A's rows), and an operand that broadcasts along batch
/// dimensions is first expanded with `linalg.broadcast`. `sources` gives
/// the run-time size of each result dimension. Returns null for 1-D
/// operands (the generic lowering handles them).
Value createNamedMatMul(OpBuilder &b, Location loc, Value lhs, Value rhs,
                        RankedTensorType resultType,
                        ArrayRef<std::pair<Value, int64_t>> sources) {
  auto aType = cast<RankedTensorType>(lhs.getType());
  auto bType = cast<RankedTensorType>(rhs.getType());
  if (aType.getRank() < 2 || bType.getRank() < 2)
    return {};
  Type elt = resultType.getElementType();
  int64_t rank = resultType.getRank(), batch = rank - 2;
  SmallVector<OpFoldResult> resultSizes =
      mixedSizes(b, loc, resultType, sources);
  // keep[d]: operand dimension d is not broadcast (batch dims that are a
  // static 1 where the result is not are broadcast).
  auto kept = [&](RankedTensorType t) {
    int64_t offset = rank - t.getRank();
    SmallVector<bool> keep;
    for (int64_t d = 0; d < t.getRank(); ++d)
      keep.push_back(d >= t.getRank() - 2 || t.isDynamicDim(d) ||
                     t.getDimSize(d) != 1 ||
                     resultType.getDimSize(d + offset) == 1);
    return keep;
  };
  SmallVector<bool> aKeep = kept(aType), bKeep = kept(bType);
  bool aFull =
      aType.getRank() == rank && llvm::all_of(aKeep, [](bool k) { return k; });
  auto zerosSized = [&](ArrayRef<OpFoldResult> sizes) {
    Value empty = b.create<tensor::EmptyOp>(loc, sizes, elt);
    return b.create<linalg::FillOp>(loc, createScalar(b, loc, elt, 0.0), empty)
        .getResult(0);
  };
  auto dropUnitDims = [&](Value v, ArrayRef<bool> keep) -> Value {
    auto t = cast<RankedTensorType>(v.getType());
    if (llvm::all_of(keep, [](bool k) { return k; }))
      return v;
    SmallVector<int64_t> shape;
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (keep[d])
        shape.push_back(t.getDimSize(d));
    return b.create<tensor::CollapseShapeOp>(
        loc, RankedTensorType::get(shape, elt), v,
        groupUnitDims(t.getRank(), keep));
  };
  // The product of `sizes` as a fold result.
  auto product = [&](ArrayRef<OpFoldResult> sizes) -> OpFoldResult {
    int64_t known = 1;
    Value dynamic;
    for (OpFoldResult s : sizes) {
      if (auto c = getConstantIntValue(s)) {
        known *= *c;
        continue;
      }
      Value v = s.get<Value>();
      dynamic = dynamic ? b.create<arith::MulIOp>(loc, dynamic, v) : v;
    }
    if (!dynamic)
      return b.getIndexAttr(known);
    if (known != 1)
      dynamic = b.create<arith::MulIOp>(
          loc, dynamic, b.create<arith::ConstantIndexOp>(loc, known));
    return dynamic;
  };

  // B without (non-unit) batch dimensions: one matmul over A's rows.
  bool bPlain = llvm::count(bKeep, true) == 2;
  if (batch == 0 || (bPlain && aFull)) {
    Value a2 = lhs, b2 = dropUnitDims(rhs, bKeep);
    SmallVector<ReassociationIndices> rows;
    if (batch > 0) {
      rows = {llvm::to_vector(llvm::seq<int64_t>(0, rank - 1)), {rank - 1}};
      a2 = b.create<tensor::CollapseShapeOp>(loc, a2, rows);
    }
    Value init =
        zerosSized({batch > 0 ? product(ArrayRef(resultSizes).drop_back())
                              : resultSizes[0],
                    resultSizes[rank - 1]});
    Value mm = b.create<linalg::MatmulOp>(loc, TypeRange{init.getType()},
                                          ValueRange{a2, b2}, ValueRange{init})
                   .getResult(0);
    if (batch == 0)
      return mm;
    return expandShape(b, loc, resultType, mm, rows, resultSizes);
  }

  // Otherwise both operands get the full batch shape, collapsed into one
  // batch dimension.
  auto full = [&](Value v, ArrayRef<bool> keep, int64_t ownBatch) -> Value {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() == rank && llvm::all_of(keep, [](bool k) { return k; }))
      return v;
    Value reduced = dropUnitDims(v, keep);
    SmallVector<int64_t> dims;
    SmallVector<OpFoldResult> sizes(resultSizes.begin(),
                                    resultSizes.begin() + batch);
    int64_t offset = batch - ownBatch;
    for (int64_t d = 0; d < batch; ++d)
      if (d < offset || !keep[d - offset])
        dims.push_back(d);
    for (int64_t d = t.getRank() - 2; d < t.getRank(); ++d) {
      sizes.push_back(t.isDynamicDim(d) ? OpFoldResult(getDimSize(b, loc, v, d))
                                        : b.getIndexAttr(t.getDimSize(d)));
    }
    Value init = b.create<tensor::EmptyOp>(loc, sizes, elt);
    return b.create<linalg::BroadcastOp>(loc, reduced, init, dims)
        .getResult()[0];
  };
  Value a3 = full(lhs, aKeep, aType.getRank() - 2);
  Value b3 = full(rhs, bKeep, bType.getRank() - 2);
  SmallVector<ReassociationIndices> batches = {
      llvm::to_vector(llvm::seq<int64_t>(0, batch)), {batch}, {batch + 1}};
  if (batch > 1) {
    a3 = b.create<tensor::CollapseShapeOp>(loc, a3, batches);
    b3 = b.create<tensor::CollapseShapeOp>(loc, b3, batches);
  }
  OpFoldResult batchSize = product(ArrayRef(resultSizes).take_front(batch));
  Value init =
      zerosSized({batchSize, resultSizes[rank - 2], resultSizes[rank - 1]});
  Value bmm =
      b.create<linalg::BatchMatmulOp>(loc, TypeRange{init.getType()},
                                      ValueRange{a3, b3}, ValueRange{init})
          .getResult(0);
  if (batch == 1)
    return bmm;
  return expandShape(b, loc, resultType, bmm, batches, resultSizes);
}

struct MatMulLowering : public OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    auto aType = dyn_cast<RankedTensorType>(adaptor.getA().getType());
    auto bType = dyn_cast<RankedTensorType>(adaptor.getB().getType());
    if (!resultType || !aType || !bType)
      return rewriter.notifyMatchFailure(op, "unranked operands");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    bool aVec = aType.getRank() == 1, bVec = bType.getRank() == 1;
    int64_t rank = resultType.getRank();
    int64_t batch = rank - (aVec ? 0 : 1) - (bVec ? 0 : 1);
    int64_t loops = rank + 1;
    AffineExpr k = getAffineDimExpr(rank, ctx);
    auto batchExprs = [&](RankedTensorType t, int64_t own) {
      SmallVector<AffineExpr> exprs;
      int64_t offset = batch - own;
      for (int64_t d = 0; d < own; ++d) {
        bool broadcast = !t.isDynamicDim(d) && t.getDimSize(d) == 1 &&
                         resultType.getDimSize(d + offset) != 1;
        exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                                  : getAffineDimExpr(d + offset, ctx));
      }
      return exprs;
    };
    // Output sizes: batch dims from a non-broadcast operand, M from A, N
    // from B.
    SmallVector<std::pair<Value, int64_t>> sources(rank, {Value(), 0});
    struct Operand {
      Value value;
      RankedTensorType type;
      int64_t batchRank;
    };
    Operand ops[] = {{adaptor.getA(), aType, aType.getRank() - (aVec ? 1 : 2)},
                     {adaptor.getB(), bType, bType.getRank() - (bVec ? 1 : 2)}};
    for (int64_t d = 0; d < batch; ++d) {
      for (const Operand &o : ops) {
        auto [v, t, own] = o;
        int64_t sd = d - (batch - own);
        if (sd >= 0 && (t.isDynamicDim(sd) || t.getDimSize(sd) != 1)) {
          sources[d] = {v, sd};
          break;
        }
      }
    }
    int64_t m = batch, n = batch + (aVec ? 0 : 1);
    if (!aVec)
      sources[m] = {adaptor.getA(), aType.getRank() - 2};
    if (!bVec)
      sources[n] = {adaptor.getB(), bType.getRank() - 1};
    if (Value named = createNamedMatMul(rewriter, loc, adaptor.getA(),
                                        adaptor.getB(), resultType, sources)) {
      if (named.getType() != resultType)
        named = rewriter.create<tensor::CastOp>(loc, resultType, named);
      rewriter.replaceOp(op, named);
      return success();
    }

    // 1-D operands: one generic (k is the last loop).
    SmallVector<AffineExpr> aExprs =
        batchExprs(aType, aType.getRank() - (aVec ? 1 : 2));
    if (!aVec)
      aExprs.push_back(getAffineDimExpr(m, ctx));
    aExprs.push_back(k);
    SmallVector<AffineExpr> bExprs =
        batchExprs(bType, bType.getRank() - (bVec ? 1 : 2));
    bExprs.push_back(k);
    if (!bVec)
      bExprs.push_back(getAffineDimExpr(n, ctx));
    SmallVector<AffineMap> maps = {
        AffineMap::get(loops, 0, aExprs, ctx),
        AffineMap::get(loops, 0, bExprs, ctx),
        AffineMap::getMultiDimIdentityMap(loops, ctx).getMajorSubMap(rank)};

    Value init =
        createFilled(rewriter, loc, resultType,
                     dynamicSizes(rewriter, loc, resultType, sources), 0.0);
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{resultType}, ValueRange{adaptor.getA(), adaptor.getB()},
        ValueRange{init}, maps, iterators,
        [](OpBuilder &b, Location l, ValueRange args) {
          b.create<linalg::YieldOp>(
              l, multiplyAccumulate(b, l, args[0], args[1], args[2]));
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

struct GemmLowering : public OpConversionPattern<GemmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GemmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!resultType)
      return failure();
    auto aType = dyn_cast<RankedTensorType>(adaptor.getA().getType());
    auto bType = dyn_cast<RankedTensorType>(adaptor.getB().getType());
    if (!aType || !bType || aType.getRank() != 2 || bType.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "operands are not matrices");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    bool transA = op.getTransA(), transB = op.getTransB();
    SmallVector<std::pair<Value, int64_t>> sources = {
        {adaptor.getA(), transA ? 1 : 0}, {adaptor.getB(), transB ? 0 : 1}};
    Value init =
        createFilled(rewriter, loc, resultType,
                     dynamicSizes(rewriter, loc, resultType, sources), 0.0);
    // The named matmul for each transposition; with both, B is transposed
    // first.
    Value a = adaptor.getA(), b = adaptor.getB();
    if (transA && transB) {
      SmallVector<Value> sizes;
      for (int64_t d : {1, 0})
        if (bType.isDynamicDim(d))
          sizes.push_back(getDimSize(rewriter, loc, b, d));
      auto btType = RankedTensorType::get(
          {bType.getDimSize(1), bType.getDimSize(0)}, bType.getElementType());
      b = rewriter
              .create<linalg::TransposeOp>(
                  loc, b, createEmpty(rewriter, loc, btType, sizes),
                  ArrayRef<int64_t>{1, 0})
              .getResult()[0];
      transB = false;
    }
    Type types[] = {resultType};
    Value operands[] = {a, b};
    Value product;
    if (transA)
      product =
          rewriter
              .create<linalg::MatmulTransposeAOp>(loc, types, operands, init)
              .getResult(0);
    else if (transB)
      product =
          rewriter
              .create<linalg::MatmulTransposeBOp>(loc, types, operands, init)
              .getResult(0);
    else
      product = rewriter.create<linalg::MatmulOp>(loc, types, operands, init)
                    .getResult(0);

    double alpha = op.getAlpha().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    bool hasC = !isNoValue(op.getC()) && beta != 0.0;
    if (alpha == 1.0 && !hasC) {
      rewriter.replaceOp(op, product);
      return success();
    }
    // Y = alpha * AB + beta * C (C broadcast to M x N).
    SmallVector<Value> inputs = {product};
    SmallVector<AffineMap> epilogueMaps = {rewriter.getMultiDimIdentityMap(2)};
    if (hasC) {
      auto cType = cast<RankedTensorType>(adaptor.getC().getType());
      inputs.push_back(adaptor.getC());
      epilogueMaps.push_back(getBroadcastMap(ctx, 2, cType, resultType));
    }
    epilogueMaps.push_back(rewriter.getMultiDimIdentityMap(2));
    Value out = createEmptyLike(rewriter, loc, resultType, {product});
    bool isFloat = isa<FloatType>(resultType.getElementType());
    auto epilogue = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{resultType}, inputs, ValueRange{out}, epilogueMaps,
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                      utils::IteratorType::parallel},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Type t = args[0].getType();
          auto mul = [&](Value x, double f) -> Value {
            if (f == 1.0)
              return x;
            Value c = createScalar(b, l, t, f);
            return isFloat ? b.create<arith::MulFOp>(l, x, c).getResult()
                           : b.create<arith::MulIOp>(l, x, c).getResult();
          };
          Value y = mul(args[0], alpha);
          if (hasC) {
            Value c = mul(args[1], beta);
            y = isFloat ? b.create<arith::AddFOp>(l, y, c).getResult()
                        : b.create<arith::AddIOp>(l, y, c).getResult();
          }
          b.create<linalg::YieldOp>(l, y);
        });
    rewriter.replaceOp(op, epilogue.getResults());
    return success();
  }
};

/// Einsum: one generic whose loops are the equation's letters (output
/// letters parallel, the others reductions); an ellipsis stands for the
/// leading dimensions an operand has beyond its letters.
struct EinsumLowering : public OpConversionPattern<EinsumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(EinsumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = getRankedResultType(op, 0, *getTypeConverter(), rewriter);
    if (!resultType || !resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic result");
    std::string eq;
    for (char c : op.getEquation())
      if (c != ' ')
        eq += c;
    size_t arrow = eq.find("->");
    std::string lhs = eq.substr(0, arrow);
    SmallVector<std::string> terms;
    for (StringRef t : llvm::split(StringRef(lhs), ','))
      terms.push_back(t.str());
    if (terms.size() != adaptor.getInputs().size())
      return rewriter.notifyMatchFailure(op, "operand count");
    // Expand ellipses into placeholder letters ('A', 'B', ... from the end).
    int64_t ellipsisRank = 0;
    for (auto [term, v] : llvm::zip(terms, adaptor.getInputs())) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!t)
        return rewriter.notifyMatchFailure(op, "unranked operand");
      size_t pos = term.find("...");
      int64_t letters = term.size() - (pos == std::string::npos ? 0 : 3);
      if (pos != std::string::npos)
        ellipsisRank = std::max<int64_t>(ellipsisRank, t.getRank() - letters);
    }
    auto expand = [&](std::string term, int64_t rank) {
      size_t pos = term.find("...");
      if (pos == std::string::npos)
        return term;
      int64_t n = rank < 0 ? ellipsisRank : rank - (int64_t(term.size()) - 3);
      std::string fill;
      for (int64_t i = ellipsisRank - n; i < ellipsisRank; ++i)
        fill += char('A' + i);
      return term.substr(0, pos) + fill + term.substr(pos + 3);
    };
    for (auto [term, v] : llvm::zip(terms, adaptor.getInputs()))
      term = expand(term, cast<RankedTensorType>(v.getType()).getRank());
    std::string out;
    if (arrow != std::string::npos) {
      out = expand(eq.substr(arrow + 2), -1);
    } else {
      // Implicit output: the ellipsis, then letters used once, sorted.
      std::map<char, int> count;
      for (const std::string &t : terms)
        for (char c : t)
          count[c]++;
      for (int64_t i = 0; i < ellipsisRank; ++i)
        out += char('A' + i);
      for (auto [c, n] : count)
        if (n == 1 && !(c >= 'A' && c < 'A' + ellipsisRank))
          out += c;
    }
    if (static_cast<int64_t>(out.size()) != resultType.getRank())
      return rewriter.notifyMatchFailure(op, "output letters do not match");
    // Loop dimensions: output letters, then the rest.
    std::string loops = out;
    for (const std::string &t : terms)
      for (char c : t)
        if (loops.find(c) == std::string::npos)
          loops += c;
    MLIRContext *ctx = op.getContext();
    auto mapOf = [&](const std::string &t) {
      SmallVector<AffineExpr> exprs;
      for (char c : t)
        exprs.push_back(getAffineDimExpr(loops.find(c), ctx));
      return AffineMap::get(loops.size(), 0, exprs, ctx);
    };
    SmallVector<AffineMap> maps;
    for (const std::string &t : terms)
      maps.push_back(mapOf(t));
    maps.push_back(mapOf(out));
    SmallVector<utils::IteratorType> iterators;
    for (size_t i = 0; i < loops.size(); ++i)
      iterators.push_back(i < out.size() ? utils::IteratorType::parallel
                                         : utils::IteratorType::reduction);
    Location loc = op.getLoc();
    Type elt = resultType.getElementType();
    Value init = createFilled(rewriter, loc, resultType, {}, 0.0);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{resultType}, adaptor.getInputs(), ValueRange{init}, maps,
        iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          bool isFloat = isa<FloatType>(elt);
          Value prod = args[0];
          for (size_t i = 1; i + 1 < args.size(); ++i)
            prod = isFloat
                       ? b.create<arith::MulFOp>(l, prod, args[i]).getResult()
                       : b.create<arith::MulIOp>(l, prod, args[i]).getResult();
          Value sum =
              isFloat
                  ? b.create<arith::AddFOp>(l, args.back(), prod).getResult()
                  : b.create<arith::AddIOp>(l, args.back(), prod).getResult();
          b.create<linalg::YieldOp>(l, sum);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

} // namespace

void populateMatMulPatterns(const TypeConverter &tc,
                            RewritePatternSet &patterns) {
  patterns.add<MatMulLowering, GemmLowering, EinsumLowering>(
      tc, patterns.getContext());
}

} // namespace fulcrum::lowering
