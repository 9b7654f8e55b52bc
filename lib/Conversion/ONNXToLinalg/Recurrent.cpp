//===- Recurrent.cpp - Lowering of RNN, GRU and LSTM ----------------------===//
//
// Part of Fulcrum. Per direction:
//
//   1. the input projection of all time steps at once: one linalg.matmul
//      [T*B, I] x W^T [I, G*H] accumulating onto the broadcast biases
//      (Wb + Rb, except GRU's Rbh with linear_before_reset);
//   2. an scf.for over the time steps (from the end for the reverse
//      direction) carrying H (and C) and the [T, B, H] outputs: one
//      linalg.matmul H x R^T [H, G*H] and one linalg.generic over [B, H]
//      that reads the gates at column offsets g*H and computes the cell
//      (GRU without linear_before_reset: a first generic for z and r*H, a
//      second matmul (r*H) x Rh^T, then the new H);
//   3. the outputs of both directions inserted into Y [T, D, B, H] and
//      Y_h/Y_c [D, B, H] (layout 1: [B, T, D, H] and [B, D, H]).
//
// Constant W and R are sliced per direction (and gate group) at compile
// time and multiplied with linalg.matmul_transpose_b, whose constant
// operand the CPU target packs once; run-time weights are transposed
// before the loop.
//
// Supported: every direction, the activations attribute (Relu, Tanh,
// Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid,
// Elu, Softsign, Softplus, with activation_alpha/beta), clip, initial
// states, peepholes, input_forget, linear_before_reset, layout, and
// sequence_lens (steps past a batch entry's length keep its state and
// output zeros; the reverse direction reverses each sequence within its
// length). Refused: unranked or dynamic weight shapes, non-float types.
//
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace fulcrum::onnx;

namespace fulcrum::lowering {
namespace {

enum class Cell { RNN, GRU, LSTM };

struct Activation {
  std::string name; // lower case
  float alpha = 0, beta = 0;
};

/// Default alpha and beta of the activations that take them, in ONNX's
/// order of consumption (alpha first).
bool takesAlpha(StringRef n) {
  return n == "affine" || n == "leakyrelu" || n == "thresholdedrelu" ||
         n == "scaledtanh" || n == "hardsigmoid" || n == "elu";
}
bool takesBeta(StringRef n) {
  return n == "affine" || n == "scaledtanh" || n == "hardsigmoid";
}
float defaultAlpha(StringRef n) {
  if (n == "leakyrelu")
    return 0.01f;
  if (n == "hardsigmoid")
    return 0.2f;
  return 1.0f;
}
float defaultBeta(StringRef n) {
  if (n == "hardsigmoid")
    return 0.5f;
  return n == "scaledtanh" ? 1.0f : 0.0f;
}
bool isKnownActivation(StringRef n) {
  return takesAlpha(n) || n == "relu" || n == "tanh" || n == "sigmoid" ||
         n == "softsign" || n == "softplus";
}

/// The activation applied to the scalar `x`.
Value activate(OpBuilder &b, Location loc, const Activation &a, Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return createScalar(b, loc, t, v); };
  auto mul = [&](Value p, Value q) {
    return b.create<arith::MulFOp>(loc, p, q).getResult();
  };
  auto add = [&](Value p, Value q) {
    return b.create<arith::AddFOp>(loc, p, q).getResult();
  };
  auto negative = [&]() {
    return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, x, c(0));
  };
  StringRef n = a.name;
  if (n == "tanh")
    return b.create<math::TanhOp>(loc, x);
  if (n == "sigmoid") {
    Value e = b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, x));
    return b.create<arith::DivFOp>(loc, c(1), add(c(1), e));
  }
  if (n == "relu")
    return b.create<arith::MaximumFOp>(loc, x, c(0));
  if (n == "affine")
    return add(mul(c(a.alpha), x), c(a.beta));
  if (n == "leakyrelu")
    return b.create<arith::SelectOp>(loc, negative(), mul(c(a.alpha), x), x);
  if (n == "thresholdedrelu") {
    Value above =
        b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, x, c(a.alpha));
    return b.create<arith::SelectOp>(loc, above, x, c(0));
  }
  if (n == "scaledtanh")
    return mul(c(a.alpha), b.create<math::TanhOp>(loc, mul(c(a.beta), x)));
  if (n == "hardsigmoid") {
    Value y = add(mul(c(a.alpha), x), c(a.beta));
    return b.create<arith::MaximumFOp>(
        loc, c(0), b.create<arith::MinimumFOp>(loc, c(1), y));
  }
  if (n == "elu") {
    Value e = b.create<arith::SubFOp>(loc, b.create<math::ExpOp>(loc, x), c(1));
    return b.create<arith::SelectOp>(loc, negative(), mul(c(a.alpha), e), x);
  }
  if (n == "softsign")
    return b.create<arith::DivFOp>(loc, x,
                                   add(c(1), b.create<math::AbsFOp>(loc, x)));
  // softplus
  return b.create<math::Log1pOp>(loc, b.create<math::ExpOp>(loc, x));
}

/// What a recurrent node computes: cell kind, sizes and attributes.
struct Spec {
  Cell cell;
  int64_t gates = 1, hidden = 0, directions = 1, layout = 0;
  bool reverseOnly = false, linearBeforeReset = false, inputForget = false;
  std::optional<double> clip;
  /// Per direction, the cell's activations (RNN 1, GRU 2, LSTM 3).
  SmallVector<SmallVector<Activation>> activations;
};

/// The operands (null where absent).
struct Operands {
  Value x, w, r, b, lens, h0, c0, p;
};

/// Reads the attributes shared by the three operators; fails with a reason.
template <typename OpT>
LogicalResult getSpec(OpT op, Cell cell, Spec &spec,
                      ConversionPatternRewriter &r) {
  spec.cell = cell;
  spec.gates = cell == Cell::RNN ? 1 : cell == Cell::GRU ? 3 : 4;
  StringRef direction = op.getDirection();
  if (direction == "bidirectional")
    spec.directions = 2;
  else if (direction == "reverse")
    spec.reverseOnly = true;
  else if (direction != "forward")
    return refuse(op, r, "unknown direction");
  spec.layout = op.getLayout();
  if (spec.layout != 0 && spec.layout != 1)
    return refuse(op, r, "layout must be 0 or 1");
  if (auto clip = op.getClip())
    spec.clip = clip->convertToDouble();
  auto wType = dyn_cast<RankedTensorType>(op.getW().getType());
  auto rType = dyn_cast<RankedTensorType>(op.getR().getType());
  if (!wType || !rType || wType.getRank() != 3 || rType.getRank() != 3 ||
      !wType.hasStaticShape() || !rType.hasStaticShape())
    return refuse(
        op, r,
        "W and R need static shapes (the hidden size and gate offsets "
        "must be known)");
  spec.hidden = rType.getDimSize(2);
  if (wType.getDimSize(0) != spec.directions ||
      rType.getDimSize(0) != spec.directions ||
      wType.getDimSize(1) != spec.gates * spec.hidden ||
      rType.getDimSize(1) != spec.gates * spec.hidden)
    return refuse(op, r,
                  "the shapes of W and R do not match the number of gates and "
                  "directions");

  SmallVector<StringRef> defaults =
      cell == Cell::RNN   ? SmallVector<StringRef>{"tanh"}
      : cell == Cell::GRU ? SmallVector<StringRef>{"sigmoid", "tanh"}
                          : SmallVector<StringRef>{"sigmoid", "tanh", "tanh"};
  size_t perDirection = defaults.size();
  SmallVector<std::string> names;
  if (auto attr = op.getActivationsAttr())
    for (Attribute a : attr)
      names.push_back(llvm::StringRef(cast<StringAttr>(a).getValue()).lower());
  if (names.empty())
    for (int64_t d = 0; d < spec.directions; ++d)
      for (StringRef n : defaults)
        names.push_back(n.str());
  if (names.size() == perDirection && spec.directions == 2)
    names.append(SmallVector<std::string>(names)); // Same for both.
  // RNN's default lists Tanh for both directions, also when there is one.
  if (names.size() < perDirection * spec.directions)
    return refuse(op, r, "too few activations for the directions");
  names.resize(perDirection * spec.directions);
  SmallVector<float> alphas, betas;
  if (auto a = op.getActivationAlpha())
    alphas.assign(a->begin(), a->end());
  if (auto b = op.getActivationBeta())
    betas.assign(b->begin(), b->end());
  size_t nextAlpha = 0, nextBeta = 0;
  spec.activations.resize(spec.directions);
  for (auto [i, name] : llvm::enumerate(names)) {
    if (!isKnownActivation(name))
      return refuse(op, r, "unknown activation '" + name + "'");
    Activation a{name, defaultAlpha(name), defaultBeta(name)};
    if (takesAlpha(name) && nextAlpha < alphas.size())
      a.alpha = alphas[nextAlpha++];
    if (takesBeta(name) && nextBeta < betas.size())
      a.beta = betas[nextBeta++];
    spec.activations[i / perDirection].push_back(a);
  }
  return success();
}

/// linalg.transpose of a 2-D or 3-D tensor by `perm`.
Value transpose(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamic;
  for (int64_t p : perm) {
    shape.push_back(type.getDimSize(p));
    if (type.isDynamicDim(p))
      dynamic.push_back(getDimSize(b, loc, v, p));
  }
  Value init = createEmpty(b, loc, type.clone(shape), dynamic);
  return b.create<linalg::TransposeOp>(loc, v, init, perm).getResult()[0];
}

/// Rows [begin, begin + count) of the 2-D `m`, transposed: the right-hand
/// side [K, count] of a product with the rows of `m` as columns.
Value transposedRows(OpBuilder &b, Location loc, Value m, int64_t begin,
                     int64_t count) {
  auto type = cast<RankedTensorType>(m.getType());
  Value rows = b.create<tensor::ExtractSliceOp>(
      loc, m, ArrayRef<OpFoldResult>{b.getIndexAttr(begin), b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(count),
                             b.getIndexAttr(type.getDimSize(1))},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  return transpose(b, loc, rows, {1, 0});
}

/// `a` [M, K] x `bt` [K, N] accumulated onto `init` [M, N].
Value matmul(OpBuilder &b, Location loc, Value a, Value bt, Value init) {
  return b
      .create<linalg::MatmulOp>(loc, init.getType(), ValueRange{a, bt},
                                ValueRange{init})
      .getResult(0);
}

/// The right-hand side of a product with the rows of a weight matrix as
/// columns: either a constant holding the rows (for
/// linalg.matmul_transpose_b, whose constant operand the CPU target packs
/// at compile time) or their run-time transpose (for linalg.matmul).
struct WeightRows {
  Value value;
  bool transposed = false;
};

/// `a` [M, K] times the weight rows, accumulated onto `init` [M, N].
Value product(OpBuilder &b, Location loc, Value a, const WeightRows &rows,
              Value init) {
  if (!rows.transposed)
    return matmul(b, loc, a, rows.value, init);
  return b
      .create<linalg::MatmulTransposeBOp>(
          loc, init.getType(), ValueRange{a, rows.value}, ValueRange{init})
      .getResult(0);
}

/// Rows [begin, begin + count) of direction `d` of the onnx.Constant 3-D
/// float weight `weight`, as an arith.constant [count, columns] (sharing
/// the blob when it is the whole weight); null when `weight` is not such a
/// constant.
Value constantRows(OpBuilder &b, Location loc, Value weight, int64_t d,
                   int64_t begin, int64_t count) {
  auto cst = weight.getDefiningOp<ConstantOp>();
  ElementsAttr value = cst ? cst.getValueAttr() : nullptr;
  auto type = value ? dyn_cast<RankedTensorType>(value.getType()) : nullptr;
  if (!type || type.getRank() != 3 || !type.getElementType().isF32())
    return nullptr;
  int64_t rows = type.getDimSize(1), columns = type.getDimSize(2);
  auto sliceType = RankedTensorType::get({count, columns}, b.getF32Type());
  ArrayRef<char> data;
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    if (type.getDimSize(0) == 1 && begin == 0 && count == rows)
      return b.create<arith::ConstantOp>(
          loc,
          DenseResourceElementsAttr::get(sliceType, resource.getRawHandle()));
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
      data = blob->getData();
  } else if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (!dense.isSplat())
      data = dense.getRawData();
  }
  int64_t bytes = count * columns * sizeof(float);
  int64_t offset = (d * rows + begin) * columns * sizeof(float);
  if ((int64_t)data.size() != type.getNumElements() * (int64_t)sizeof(float))
    return nullptr;
  ArrayRef<char> slice = data.slice(offset, bytes);
  if (count * columns <= 64) // Small constants stay dense (see Constants.cpp).
    return b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::getFromRawBuffer(sliceType, slice));
  auto blob =
      HeapAsmResourceBlob::allocateAndCopyWithAlign(slice, alignof(float));
  return b.create<arith::ConstantOp>(
      loc, DenseResourceElementsAttr::get(sliceType, "recurrent_weight",
                                          std::move(blob)));
}

/// A [rows, n] tensor whose every row is the 1-D `v` [n], with as many
/// rows as the 2-D `like`.
Value broadcastRows(OpBuilder &b, Location loc, Value v, Value like) {
  auto vType = cast<RankedTensorType>(v.getType());
  int64_t rows = cast<RankedTensorType>(like.getType()).getDimSize(0);
  auto type = RankedTensorType::get({rows, vType.getDimSize(0)},
                                    vType.getElementType());
  Value init = createEmptyLike(b, loc, type, like);
  MLIRContext *ctx = b.getContext();
  return b
      .create<linalg::GenericOp>(
          loc, TypeRange{type}, ValueRange{v}, ValueRange{init},
          SmallVector<AffineMap>{
              AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx),
              b.getMultiDimIdentityMap(2)},
          SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
          [](OpBuilder &nb, Location l, ValueRange args) {
            nb.create<linalg::YieldOp>(l, args[0]);
          })
      .getResult(0);
}

/// `t` [T, B, K] with each batch entry's first lens[b] steps reversed and
/// zeros past them: ReverseSequence, for the reverse direction with
/// sequence_lens.
Value reverseWithinLengths(OpBuilder &b, Location loc, Value t, Value lens) {
  auto type = cast<RankedTensorType>(t.getType());
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d < 3; ++d)
    if (type.isDynamicDim(d))
      dynamic.push_back(getDimSize(b, loc, t, d));
  Value init = createEmpty(b, loc, type, dynamic);
  return generateTensor(
      b, loc, init, [&](OpBuilder &nb, Location l, ValueRange idx) {
        Value len = nb.create<arith::IndexCastOp>(
            l, nb.getIndexType(),
            nb.create<tensor::ExtractOp>(l, lens, ValueRange{idx[1]}));
        Value valid =
            nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, idx[0], len);
        Value one = nb.create<arith::ConstantIndexOp>(l, 1);
        Value src = nb.create<arith::SubIOp>(
            l, nb.create<arith::SubIOp>(l, len, one), idx[0]);
        src = nb.create<arith::SelectOp>(
            l, valid, src, nb.create<arith::ConstantIndexOp>(l, 0));
        Value v =
            nb.create<tensor::ExtractOp>(l, t, ValueRange{src, idx[1], idx[2]});
        return nb
            .create<arith::SelectOp>(
                l, valid, v, createScalar(nb, l, type.getElementType(), 0))
            .getResult();
      });
}

/// Builds one direction's recurrence (see run).
struct DirectionBuilder {
  OpBuilder &b;
  Location loc;
  const Spec &spec;
  const SmallVector<Activation> &acts;
  Type elt;
  Value lens; // [B] i32, or null
  Value batch, steps;
  /// The direction, and the operator's W and R (onnx.Constant or not).
  int64_t direction;
  std::pair<Value, Value> weights;
  /// Whether Y is wanted (else the steps' outputs are not kept).
  bool needY;

  int64_t H() const { return spec.hidden; }
  MLIRContext *ctx() const { return b.getContext(); }

  /// Columns [g*H, (g+1)*H) of a [B, G*H] tensor: gate g.
  Value gate(Value v, int64_t g) {
    auto type = cast<RankedTensorType>(v.getType());
    OpFoldResult rows = getAsOpFoldResult(getDimSize(b, loc, v, 0));
    return b.create<tensor::ExtractSliceOp>(
        loc, RankedTensorType::get({type.getDimSize(0), H()}, elt), v,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(g * H())},
        ArrayRef<OpFoldResult>{rows, b.getIndexAttr(H())},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  }
  /// Elements [k*H, (k+1)*H) of a 1-D tensor.
  Value part(Value v, int64_t k) {
    return b.create<tensor::ExtractSliceOp>(
        loc, v, ArrayRef<OpFoldResult>{b.getIndexAttr(k * H())},
        ArrayRef<OpFoldResult>{b.getIndexAttr(H())},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  }
  /// (b, h) -> (h): a per-gate vector.
  AffineMap vectorMap() const {
    return AffineMap::get(2, 0, {getAffineDimExpr(1, ctx())}, ctx());
  }
  AffineMap identity() const { return b.getMultiDimIdentityMap(2); }
  AffineMap batchMap() const {
    return AffineMap::get(2, 0, {getAffineDimExpr(0, ctx())}, ctx());
  }

  /// Static sizes of the batch and of the steps (or kDynamic), and the
  /// tensor.empty sizes for them.
  int64_t staticBatch() const { return staticSize(batch); }
  int64_t staticSteps() const { return staticSize(steps); }
  static int64_t staticSize(Value v) {
    return getConstantIntValue(v).value_or(ShapedType::kDynamic);
  }
  SmallVector<Value> dynamicSizes(ValueRange sizes) const {
    SmallVector<Value> dynamic;
    for (Value v : sizes)
      if (ShapedType::isDynamic(staticSize(v)))
        dynamic.push_back(v);
    return dynamic;
  }

  RankedTensorType stateType() const {
    return RankedTensorType::get({staticBatch(), H()}, elt);
  }
  Value zeros(int64_t columns) {
    return createFilled(b, loc,
                        RankedTensorType::get({staticBatch(), columns}, elt),
                        dynamicSizes(batch), 0.0);
  }

  Value clip(OpBuilder &nb, Location l, Value x) const {
    if (!spec.clip)
      return x;
    Value hi = createScalar(nb, l, elt, *spec.clip);
    Value lo = createScalar(nb, l, elt, -*spec.clip);
    return nb.create<arith::MinimumFOp>(
        l, nb.create<arith::MaximumFOp>(l, x, lo), hi);
  }
  Value act(OpBuilder &nb, Location l, unsigned i, Value x) const {
    return activate(nb, l, acts[i], clip(nb, l, x));
  }

  /// A generic over [B, H] with `numOutputs` [B, H] results; when lengths
  /// are given, their entry for the batch row is the body's last argument
  /// before the outputs.
  SmallVector<Value>
  cell(SmallVector<Value> inputs, SmallVector<AffineMap> maps,
       unsigned numOutputs,
       function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>
           body) {
    if (lens) {
      inputs.push_back(lens);
      maps.push_back(batchMap());
    }
    SmallVector<Value> inits;
    for (unsigned i = 0; i < numOutputs; ++i) {
      inits.push_back(createEmpty(b, loc, stateType(), dynamicSizes(batch)));
      maps.push_back(identity());
    }
    auto generic = b.create<linalg::GenericOp>(
        loc, SmallVector<Type>(numOutputs, stateType()), inputs, inits, maps,
        SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
        [&](OpBuilder &nb, Location l, ValueRange args) {
          nb.create<linalg::YieldOp>(l, body(nb, l, args));
        });
    return generic.getResults();
  }

  /// With lengths, `fresh` where step < lens[b] and `old` elsewhere.
  Value masked(OpBuilder &nb, Location l, Value len, Value step, Value fresh,
               Value old) const {
    if (!lens)
      return fresh;
    Value t = nb.create<arith::IndexCastOp>(l, len.getType(), step);
    Value valid =
        nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, t, len);
    return nb.create<arith::SelectOp>(l, valid, fresh, old);
  }

  /// The new (H, C, Y row) of one step from the step's input projection
  /// `xw` [B, G*H] and the states.
  SmallVector<Value> step(Value xw, Value h, Value c, const WeightRows &rt,
                          const WeightRows &rtZR, const WeightRows &rtH,
                          Value p, Value rbh, Value t) {
    int64_t G = spec.gates;
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    auto addGates = [&](Value v, int64_t count) {
      for (int64_t g = 0; g < count; ++g) {
        inputs.push_back(gate(v, g));
        maps.push_back(identity());
      }
    };
    auto zero = [&](OpBuilder &nb, Location l) {
      return createScalar(nb, l, elt, 0);
    };
    unsigned numInputs;
    if (spec.cell == Cell::GRU && !spec.linearBeforeReset) {
      // z, r and r*H first; then h~ from (r*H) x Rh^T.
      Value hzr = product(b, loc, h, rtZR, zeros(2 * H()));
      SmallVector<Value> zr = cell(
          {gate(xw, 0), gate(xw, 1), gate(hzr, 0), gate(hzr, 1), h},
          SmallVector<AffineMap>(5, identity()), 2,
          [&](OpBuilder &nb, Location l, ValueRange a) -> SmallVector<Value> {
            Value z = act(nb, l, 0, nb.create<arith::AddFOp>(l, a[0], a[2]));
            Value r = act(nb, l, 0, nb.create<arith::AddFOp>(l, a[1], a[3]));
            return {z, nb.create<arith::MulFOp>(l, r, a[4])};
          });
      Value hh = product(b, loc, zr[1], rtH, zeros(H()));
      numInputs = 4;
      return cell(
          {gate(xw, 2), hh, zr[0], h}, SmallVector<AffineMap>(4, identity()), 2,
          [&](OpBuilder &nb, Location l, ValueRange a) -> SmallVector<Value> {
            Value ht = act(nb, l, 1, nb.create<arith::AddFOp>(l, a[0], a[1]));
            Value hNew = update(nb, l, a[2], ht, a[3]);
            Value len = lens ? a[numInputs] : Value();
            return {masked(nb, l, len, t, hNew, a[3]),
                    masked(nb, l, len, t, hNew, zero(nb, l))};
          });
    }
    Value hr = product(b, loc, h, rt, zeros(G * H()));
    addGates(xw, G);
    addGates(hr, G);
    inputs.push_back(h);
    maps.push_back(identity());
    if (spec.cell == Cell::RNN) {
      numInputs = inputs.size();
      return cell(
          inputs, maps, 2,
          [&](OpBuilder &nb, Location l, ValueRange a) -> SmallVector<Value> {
            Value hNew = act(nb, l, 0, nb.create<arith::AddFOp>(l, a[0], a[1]));
            Value len = lens ? a[numInputs] : Value();
            return {masked(nb, l, len, t, hNew, a[2]),
                    masked(nb, l, len, t, hNew, zero(nb, l))};
          });
    }
    if (spec.cell == Cell::GRU) { // linear_before_reset
      inputs.push_back(rbh);
      maps.push_back(vectorMap());
      numInputs = inputs.size();
      return cell(
          inputs, maps, 2,
          [&](OpBuilder &nb, Location l, ValueRange a) -> SmallVector<Value> {
            Value z = act(nb, l, 0, nb.create<arith::AddFOp>(l, a[0], a[3]));
            Value r = act(nb, l, 0, nb.create<arith::AddFOp>(l, a[1], a[4]));
            Value rh = nb.create<arith::MulFOp>(
                l, r, nb.create<arith::AddFOp>(l, a[5], a[7]));
            Value ht = act(nb, l, 1, nb.create<arith::AddFOp>(l, a[2], rh));
            Value hNew = update(nb, l, z, ht, a[6]);
            Value len = lens ? a[numInputs] : Value();
            return {masked(nb, l, len, t, hNew, a[6]),
                    masked(nb, l, len, t, hNew, zero(nb, l))};
          });
    }
    // LSTM: gates i, o, f, c; peepholes i, o, f.
    inputs.push_back(c);
    maps.push_back(identity());
    bool peep = static_cast<bool>(p);
    if (peep)
      for (int64_t k = 0; k < 3; ++k) {
        inputs.push_back(part(p, k));
        maps.push_back(vectorMap());
      }
    numInputs = inputs.size();
    return cell(
        inputs, maps, 3,
        [&](OpBuilder &nb, Location l, ValueRange a) -> SmallVector<Value> {
          auto add = [&](Value x, Value y) {
            return nb.create<arith::AddFOp>(l, x, y).getResult();
          };
          auto mul = [&](Value x, Value y) {
            return nb.create<arith::MulFOp>(l, x, y).getResult();
          };
          Value cPrev = a[9];
          Value pi = add(a[0], a[4]), po = add(a[1], a[5]),
                pf = add(a[2], a[6]), pc = add(a[3], a[7]);
          if (peep) {
            pi = add(pi, mul(a[10], cPrev));
            pf = add(pf, mul(a[12], cPrev));
          }
          Value ig = act(nb, l, 0, pi);
          Value fg =
              spec.inputForget
                  ? nb.create<arith::SubFOp>(l, createScalar(nb, l, elt, 1), ig)
                        .getResult()
                  : act(nb, l, 0, pf);
          Value cNew = add(mul(fg, cPrev), mul(ig, act(nb, l, 1, pc)));
          if (peep)
            po = add(po, mul(a[11], cNew));
          Value og = act(nb, l, 0, po);
          Value hNew = mul(og, act(nb, l, 2, cNew));
          Value len = lens ? a[numInputs] : Value();
          return {masked(nb, l, len, t, hNew, a[8]),
                  masked(nb, l, len, t, cNew, cPrev),
                  masked(nb, l, len, t, hNew, zero(nb, l))};
        });
  }

  /// GRU's H = (1 - z) * h~ + z * H.
  static Value update(OpBuilder &nb, Location l, Value z, Value ht, Value h) {
    Value one = createScalar(nb, l, z.getType(), 1);
    Value keep = nb.create<arith::MulFOp>(l, z, h);
    Value fresh =
        nb.create<arith::MulFOp>(l, nb.create<arith::SubFOp>(l, one, z), ht);
    return nb.create<arith::AddFOp>(l, fresh, keep);
  }

  /// Runs direction `d`: x [T, B, I]; w [G*H, I], r [G*H, H], bias [2*G*H]
  /// or null, h0/c0 [B, H] or null, p [3H] or null. Returns H_T (, C_T)
  /// (, Y_d [T, B, H] when Y is wanted).
  /// Rows [begin, begin + count) of this direction's slice `sliced` of a
  /// weight: constant when `weight` (the operator's W or R) is.
  WeightRows rowsOf(Value sliced, Value weight, int64_t begin, int64_t count) {
    if (Value rows = constantRows(b, loc, weight, direction, begin, count))
      return {rows, true};
    return {transposedRows(b, loc, sliced, begin, count), false};
  }

  SmallVector<Value> run(bool reverse, Value x, Value w, Value r, Value bias,
                         Value h0, Value c0, Value p) {
    int64_t G = spec.gates;
    auto xType = cast<RankedTensorType>(x.getType());
    // 1. Input projection of all steps, onto the biases.
    Value biasX, rbh;
    if (bias) {
      auto slice = [&](int64_t begin, int64_t size) -> Value {
        return b.create<tensor::ExtractSliceOp>(
            loc, bias, ArrayRef<OpFoldResult>{b.getIndexAttr(begin)},
            ArrayRef<OpFoldResult>{b.getIndexAttr(size)},
            ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
      };
      Value wb = slice(0, G * H()), rb = slice(G * H(), G * H());
      // GRU with linear_before_reset keeps Rbh for the reset product.
      int64_t merged =
          spec.cell == Cell::GRU && spec.linearBeforeReset ? 2 * H() : G * H();
      auto type = RankedTensorType::get({G * H()}, elt);
      Value init = createEmpty(b, loc, type, {});
      biasX =
          b.create<linalg::GenericOp>(
               loc, TypeRange{type}, ValueRange{wb, rb}, ValueRange{init},
               SmallVector<AffineMap>(3, b.getMultiDimIdentityMap(1)),
               SmallVector<utils::IteratorType>{utils::IteratorType::parallel},
               [&](OpBuilder &nb, Location l, ValueRange a) {
                 Value j = nb.create<linalg::IndexOp>(l, 0);
                 Value in = nb.create<arith::CmpIOp>(
                     l, arith::CmpIPredicate::slt, j,
                     nb.create<arith::ConstantIndexOp>(l, merged));
                 Value sum = nb.create<arith::AddFOp>(l, a[0], a[1]);
                 nb.create<linalg::YieldOp>(
                     l,
                     nb.create<arith::SelectOp>(l, in, sum, a[0]).getResult());
               })
              .getResult(0);
      if (spec.cell == Cell::GRU && spec.linearBeforeReset)
        rbh = slice(2 * G * H() - H(), H());
    } else {
      biasX =
          createFilled(b, loc, RankedTensorType::get({G * H()}, elt), {}, 0.0);
      if (spec.cell == Cell::GRU && spec.linearBeforeReset)
        rbh = createFilled(b, loc, RankedTensorType::get({H()}, elt), {}, 0.0);
    }
    // The reverse direction with lengths reads each sequence reversed
    // within its length, forwards. The projection stays [T*B, G*H] (a
    // tensor.expand_shape of two dynamic sizes does not bufferize).
    if (reverse && lens)
      x = reverseWithinLengths(b, loc, x, lens);
    SmallVector<ReassociationIndices> collapse = {{0, 1}, {2}};
    Value x2 = b.create<tensor::CollapseShapeOp>(loc, x, collapse);
    Value xw = product(b, loc, x2, rowsOf(w, weights.first, 0, G * H()),
                       broadcastRows(b, loc, biasX, x2));

    // Right-hand sides of the recurrent products.
    WeightRows rt, rtZR, rtH;
    if (spec.cell == Cell::GRU && !spec.linearBeforeReset) {
      rtZR = rowsOf(r, weights.second, 0, 2 * H());
      rtH = rowsOf(r, weights.second, 2 * H(), H());
    } else {
      rt = rowsOf(r, weights.second, 0, G * H());
    }

    // 2. The steps.
    bool lstm = spec.cell == Cell::LSTM;
    SmallVector<Value> inits = {h0 ? castTo(b, loc, h0, stateType())
                                   : zeros(H())};
    if (lstm)
      inits.push_back(c0 ? castTo(b, loc, c0, stateType()) : zeros(H()));
    auto yType =
        RankedTensorType::get({staticSteps(), staticBatch(), H()}, elt);
    if (needY)
      inits.push_back(createEmpty(b, loc, yType, dynamicSizes({steps, batch})));
    Value c0i = b.create<arith::ConstantIndexOp>(loc, 0);
    Value c1i = b.create<arith::ConstantIndexOp>(loc, 1);
    Value last = b.create<arith::SubIOp>(loc, steps, c1i);
    auto loop = b.create<scf::ForOp>(
        loc, c0i, steps, c1i, inits,
        [&](OpBuilder &, Location, Value iv, ValueRange args) {
          OpBuilder::InsertionGuard guard(b);
          Value t = iv;
          Value pos = reverse && !lens
                          ? b.create<arith::SubIOp>(loc, last, iv).getResult()
                          : iv;
          Value row = b.create<arith::MulIOp>(loc, pos, batch);
          Value xwT = b.create<tensor::ExtractSliceOp>(
              loc, RankedTensorType::get({xType.getDimSize(1), G * H()}, elt),
              xw, ArrayRef<OpFoldResult>{row, b.getIndexAttr(0)},
              ArrayRef<OpFoldResult>{getAsOpFoldResult(batch),
                                     b.getIndexAttr(G * H())},
              ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
          SmallVector<Value> out = step(xwT, args[0], lstm ? args[1] : Value(),
                                        rt, rtZR, rtH, p, rbh, t);
          SmallVector<Value> next = {out[0]};
          if (lstm)
            next.push_back(out[1]);
          if (needY)
            next.push_back(
                insertAlongAxis(b, loc, out.back(), args.back(), 0, pos));
          b.create<scf::YieldOp>(loc, next);
        });
    SmallVector<Value> results(loop.getResults());
    if (needY && reverse && lens)
      results.back() = reverseWithinLengths(b, loc, results.back(), lens);
    return results;
  }
};

/// Lowers a recurrent operator (see the file comment).
template <typename OpT>
LogicalResult lowerRecurrent(OpT op, Cell cell, const Operands &in,
                             ConversionPatternRewriter &rewriter,
                             const TypeConverter &tc) {
  Spec spec;
  if (failed(getSpec(op, cell, spec, rewriter)))
    return failure();
  if constexpr (std::is_same_v<OpT, GRUOp>)
    spec.linearBeforeReset = op.getLinearBeforeReset() != 0;
  if constexpr (std::is_same_v<OpT, LSTMOp>)
    spec.inputForget = op.getInputForget() != 0;
  auto xType = dyn_cast<RankedTensorType>(in.x.getType());
  if (!xType || xType.getRank() != 3 || !isa<FloatType>(xType.getElementType()))
    return refuse(op, rewriter, "X must be a ranked 3-D float tensor");
  SmallVector<RankedTensorType> resultTypes;
  for (unsigned i = 0; i < op->getNumResults(); ++i) {
    if (isa<NoneType>(op->getResult(i).getType())) {
      resultTypes.push_back(nullptr);
      continue;
    }
    auto type = getRankedResultType(op, i, tc, rewriter);
    if (!type)
      return failure();
    resultTypes.push_back(type);
  }

  Location loc = op.getLoc();
  Type elt = xType.getElementType();
  Value x = spec.layout ? transpose(rewriter, loc, in.x, {1, 0, 2}) : in.x;
  Value steps = getDimSize(rewriter, loc, x, 0);
  Value batch = getDimSize(rewriter, loc, x, 1);
  // Direction slices: weights [D, ...] along 0, states along 0 (layout 0)
  // or 1 (layout 1).
  int64_t stateAxis = spec.layout ? 1 : 0;
  auto dir = [&](Value v, int64_t axis, int64_t d) -> Value {
    return v ? extractAlongAxis(rewriter, loc, v, axis,
                                rewriter.getIndexAttr(d))
             : Value();
  };
  SmallVector<SmallVector<Value>> perDirection;
  for (int64_t d = 0; d < spec.directions; ++d) {
    DirectionBuilder builder{rewriter,
                             loc,
                             spec,
                             spec.activations[d],
                             elt,
                             in.lens,
                             batch,
                             steps,
                             d,
                             {op.getW(), op.getR()},
                             static_cast<bool>(resultTypes[0])};
    bool reverse = spec.reverseOnly || d == 1;
    perDirection.push_back(builder.run(
        reverse, x, dir(in.w, 0, d), dir(in.r, 0, d), dir(in.b, 0, d),
        dir(in.h0, stateAxis, d), dir(in.c0, stateAxis, d), dir(in.p, 0, d)));
  }

  // 3. Outputs: Y, Y_h (and Y_c) of every direction.
  SmallVector<Value> results;
  auto assemble = [&](RankedTensorType type, unsigned which,
                      bool sequence) -> Value {
    SmallVector<Value> dynamic;
    for (int64_t k = 0; k < type.getRank(); ++k) {
      if (!type.isDynamicDim(k))
        continue;
      // Y: [T, D, B, H] or [B, T, D, H]; states: [D, B, H] or [B, D, H].
      bool isBatch =
          sequence ? k == (spec.layout ? 0 : 2) : k == (spec.layout ? 0 : 1);
      dynamic.push_back(isBatch ? batch : steps);
    }
    Value result = createEmpty(rewriter, loc, type, dynamic);
    int64_t axis = sequence ? 2 - (spec.layout ? 0 : 1) : stateAxis;
    for (int64_t d = 0; d < spec.directions; ++d) {
      Value v = perDirection[d][which];
      if (sequence && spec.layout)
        v = transpose(rewriter, loc, v, {1, 0, 2});
      result = insertAlongAxis(rewriter, loc, v, result, axis,
                               rewriter.getIndexAttr(d));
    }
    return castTo(rewriter, loc, result, type);
  };
  bool lstm = cell == Cell::LSTM;
  for (auto [i, type] : llvm::enumerate(resultTypes)) {
    if (!type) {
      results.push_back(
          rewriter.create<NoValueOp>(loc, rewriter.getNoneType()));
      continue;
    }
    unsigned which = i == 0 ? (lstm ? 2 : 1) : i - 1;
    results.push_back(assemble(type, which, i == 0));
  }
  rewriter.replaceOp(op, results);
  return success();
}

template <typename OpT, Cell kind>
struct RecurrentLowering : public OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  using OpAdaptor = typename OpConversionPattern<OpT>::OpAdaptor;
  LogicalResult
  matchAndRewrite(OpT op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto value = [](Value original, Value converted) {
      return isNoValue(original) ? Value() : converted;
    };
    Operands in;
    in.x = adaptor.getX();
    in.w = adaptor.getW();
    in.r = adaptor.getR();
    in.b = value(op.getB(), adaptor.getB());
    in.lens = value(op.getSequenceLens(), adaptor.getSequenceLens());
    in.h0 = value(op.getInitialH(), adaptor.getInitialH());
    if constexpr (kind == Cell::LSTM) {
      in.c0 = value(op.getInitialC(), adaptor.getInitialC());
      in.p = value(op.getP(), adaptor.getP());
    }
    return lowerRecurrent(op, kind, in, rewriter, *this->getTypeConverter());
  }
};

} // namespace

void populateRecurrentPatterns(const TypeConverter &tc,
                               RewritePatternSet &patterns) {
  patterns.add<RecurrentLowering<RNNOp, Cell::RNN>,
               RecurrentLowering<GRUOp, Cell::GRU>,
               RecurrentLowering<LSTMOp, Cell::LSTM>>(tc,
                                                      patterns.getContext());
}

} // namespace fulcrum::lowering
