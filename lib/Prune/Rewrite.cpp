//===- Rewrite.cpp - Physical removal of channel groups -------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Prune/Prune.h"

#include "fulcrum/Dialect/ONNX/IR/ConstantValues.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSwitch.h"

#include <cmath>

using namespace mlir;
namespace onnx = fulcrum::onnx;

namespace fulcrum::prune {

std::optional<Criterion> parseCriterion(StringRef name) {
  return llvm::StringSwitch<std::optional<Criterion>>(name)
      .Case("l1", Criterion::L1)
      .Case("l2", Criterion::L2)
      .Case("bn", Criterion::BatchNormScale)
      .Case("activation", Criterion::Activation)
      .Default(std::nullopt);
}

Value createConstant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                     ArrayRef<float> values) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  return b
      .create<onnx::ConstantOp>(
          loc, TypeRange{type}, ValueRange{},
          b.getNamedAttr("value", DenseElementsAttr::get(type, values)))
      .getResult();
}

Value sliceConstant(OpBuilder &b, Location loc, Value c,
                    ArrayRef<AxisSlice> slices) {
  auto type = cast<RankedTensorType>(c.getType());
  auto values = onnx::getConstantFloats(c);
  if (!values)
    return nullptr;
  int64_t rank = type.getRank();
  // The source index along each axis of each output position.
  SmallVector<SmallVector<int64_t>> index(rank);
  for (int64_t d = 0; d < rank; ++d)
    for (int64_t i = 0; i < type.getDimSize(d); ++i)
      index[d].push_back(i);
  for (auto [axis, keep] : slices)
    index[axis].assign(keep.begin(), keep.end());
  SmallVector<int64_t> shape, strides(rank, 1);
  int64_t total = 1;
  for (int64_t d = 0; d < rank; ++d) {
    shape.push_back(index[d].size());
    total *= index[d].size();
  }
  for (int64_t d = rank - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * type.getDimSize(d + 1);
  SmallVector<float> out;
  out.reserve(total);
  SmallVector<int64_t> pos(rank, 0);
  for (int64_t n = 0; n < total; ++n) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d)
      src += index[d][pos[d]] * strides[d];
    out.push_back((*values)[src]);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++pos[d] < shape[d])
        break;
      pos[d] = 0;
    }
  }
  return createConstant(b, loc, shape, out);
}

void forwardConstantIdentities(func::FuncOp func) {
  SmallVector<Operation *> identities;
  func.walk([&](onnx::IdentityOp op) {
    if (op->getOperand(0).getDefiningOp<onnx::ConstantOp>())
      identities.push_back(op);
  });
  for (Operation *op : identities) {
    op->getResult(0).replaceAllUsesWith(op->getOperand(0));
    op->erase();
  }
}

SmallVector<unsigned> selectLeastImportant(ArrayRef<double> importance,
                                           unsigned count) {
  SmallVector<unsigned> order;
  for (unsigned i = 0; i < importance.size(); ++i)
    order.push_back(i);
  llvm::stable_sort(order, [&](unsigned a, unsigned b) {
    if (importance[a] != importance[b])
      return importance[a] < importance[b];
    return a > b;
  });
  order.resize(std::min<size_t>(count, order.size()));
  return order;
}

SmallVector<double> getWeightImportance(DependencyGraph &graph,
                                        const ChannelGroup &group,
                                        Criterion criterion) {
  SmallVector<double> score(group.units.size(), 0.0);
  if (criterion == Criterion::BatchNormScale) {
    bool found = false;
    for (const GroupMember &m : group.members)
      for (Operation *user : graph.getSpaces()[m.space].value.getUsers())
        if (auto bn = dyn_cast<onnx::BatchNormalizationOp>(user)) {
          if (bn.getX() != graph.getSpaces()[m.space].value)
            continue;
          auto scale = onnx::getConstantFloats(bn.getScale());
          auto var = onnx::getConstantFloats(bn.getInputVar());
          if (!scale || !var)
            continue;
          found = true;
          double eps = bn.getEpsilon().convertToDouble();
          for (auto [u, channels] : llvm::enumerate(m.channels))
            for (int64_t c : channels)
              score[u] += std::abs((*scale)[c]) / std::sqrt((*var)[c] + eps);
        }
    if (found)
      return score;
    criterion = Criterion::L2;
  }
  bool l1 = criterion == Criterion::L1;
  for (const GroupMember &m : group.members) {
    Value v = graph.getSpaces()[m.space].value;
    Operation *op = v.getDefiningOp();
    if (!op || !llvm::is_contained(group.producers, op))
      continue;
    Value w = op->getOperand(1);
    auto wType = cast<RankedTensorType>(w.getType());
    auto values = onnx::getConstantFloats(w);
    if (!values)
      continue;
    // Output channel o's weights: rows of Conv [O, ...] and transposed
    // Gemm [N, K]; columns of Gemm and MatMul [K, N].
    bool rows = isa<onnx::ConvOp>(op) ||
                (isa<onnx::GemmOp>(op) && cast<onnx::GemmOp>(op).getTransB());
    int64_t outer = wType.getDimSize(0);
    int64_t inner = values->size() / outer;
    for (auto [u, channels] : llvm::enumerate(m.channels)) {
      double sum = 0;
      for (int64_t c : channels) {
        int64_t count = rows ? inner : outer;
        for (int64_t k = 0; k < count; ++k) {
          double x = (*values)[rows ? c * inner + k : k * inner + c];
          sum += l1 ? std::abs(x) : x * x;
        }
      }
      score[u] += sum;
    }
  }
  if (!l1)
    for (double &s : score)
      s = std::sqrt(s);
  return score;
}

LogicalResult removeChannels(func::FuncOp func, DependencyGraph &graph,
                             const llvm::DenseSet<unsigned> &removed) {
  for (const ChannelGroup &g : graph.getGroups())
    if (!g.prunable)
      for (unsigned u : g.units)
        if (removed.count(u))
          return func.emitError("cannot remove channels of a fixed group: ")
                 << g.reason;
  // The kept channels of every space that loses some.
  const auto &spaces = graph.getSpaces();
  llvm::DenseMap<Value, SmallVector<int64_t>> kept;
  for (auto [s, space] : llvm::enumerate(spaces)) {
    SmallVector<int64_t> k = graph.getKept(s, removed);
    if (static_cast<int64_t>(k.size()) != space.size)
      kept[space.value] = std::move(k);
  }
  auto keptOf = [&](Value v) -> const SmallVector<int64_t> * {
    auto it = kept.find(v);
    return it == kept.end() ? nullptr : &it->second;
  };
  // Attention blocks: the head count of every view between the projections.
  for (const HeadRegion &r : graph.getHeadRegions()) {
    auto it = kept.find(r.ends.front());
    if (it != kept.end() &&
        failed(shrinkHeadRegion(r, static_cast<int64_t>(it->second.size()) /
                                       r.headDim)))
      return failure();
  }
  llvm::SmallSetVector<Operation *, 16> old;
  for (Operation &opRef : func.getBody().front()) {
    Operation *op = &opRef;
    if (graph.getHeadRegion(op) >= 0)
      continue;
    OpBuilder b(op);
    Location loc = op->getLoc();
    auto replace = [&](unsigned operand, ArrayRef<AxisSlice> slices) {
      Value c = op->getOperand(operand);
      if (slices.empty() || isa<NoneType>(c.getType()))
        return true;
      Value s = sliceConstant(b, loc, c, slices);
      if (!s)
        return false;
      old.insert(c.getDefiningOp());
      op->setOperand(operand, s);
      return true;
    };
    bool ok = true;
    if (auto conv = dyn_cast<onnx::ConvOp>(op)) {
      auto *in = keptOf(conv.getX());
      auto *out = keptOf(conv.getY());
      SmallVector<AxisSlice> w;
      if (out)
        w.push_back({0, *out});
      if (conv.getGroup() == 1) {
        if (in)
          w.push_back({1, *in});
      } else if (out || in) {
        // Depthwise: the group count is the channel count.
        auto xType = cast<RankedTensorType>(conv.getX().getType());
        conv.setGroup(in ? in->size() : xType.getDimSize(1));
      }
      ok = replace(1, w) && (!out || replace(2, {{0, *out}}));
    } else if (auto gemm = dyn_cast<onnx::GemmOp>(op)) {
      auto *in = keptOf(gemm.getA());
      auto *out = keptOf(gemm.getY());
      bool t = gemm.getTransB();
      SmallVector<AxisSlice> w;
      if (in)
        w.push_back({t ? 1 : 0, *in});
      if (out)
        w.push_back({t ? 0 : 1, *out});
      ok = replace(1, w);
      auto cType = dyn_cast<RankedTensorType>(gemm.getC().getType());
      if (ok && out && cType && cType.getRank() >= 1 &&
          cType.getDimSize(cType.getRank() - 1) != 1)
        ok = replace(2, {{cType.getRank() - 1, *out}});
    } else if (auto matmul = dyn_cast<onnx::MatMulOp>(op)) {
      auto *in = keptOf(matmul.getA());
      auto *out = keptOf(matmul.getY());
      SmallVector<AxisSlice> w;
      if (in)
        w.push_back({0, *in});
      if (out)
        w.push_back({1, *out});
      ok = replace(1, w);
    } else if (auto bn = dyn_cast<onnx::BatchNormalizationOp>(op)) {
      if (auto *in = keptOf(bn.getX()))
        for (unsigned i = 1; i < 5 && ok; ++i)
          ok = replace(i, {{0, *in}});
    } else if (isa<onnx::ReshapeOp>(op) && keptOf(op->getResult(0))) {
      auto shape = onnx::getConstantInts(op->getOperand(1));
      auto outType = cast<RankedTensorType>(op->getResult(0).getType());
      ok = shape && shape->size() == 2;
      if (ok && (*shape)[1] == outType.getDimSize(1)) {
        SmallVector<int64_t> newShape(*shape);
        newShape[1] = keptOf(op->getResult(0))->size();
        auto type = RankedTensorType::get({2}, b.getI64Type());
        Value c = b.create<onnx::ConstantOp>(
                       loc, TypeRange{type}, ValueRange{},
                       b.getNamedAttr("value", DenseElementsAttr::get(
                                                   type, ArrayRef(newShape))))
                      .getResult();
        old.insert(op->getOperand(1).getDefiningOp());
        op->setOperand(1, c);
      }
    } else if (op->getNumResults() == 1 && keptOf(op->getResult(0)) &&
               !isa<onnx::ConcatOp, onnx::FlattenOp>(op)) {
      // Element-wise: slice constants that broadcast along the channels.
      Value out = op->getResult(0);
      int s = graph.getSpace(out);
      auto outType = cast<RankedTensorType>(out.getType());
      for (unsigned i = 0; i < op->getNumOperands() && ok; ++i) {
        Value c = op->getOperand(i);
        auto t = dyn_cast<RankedTensorType>(c.getType());
        if (!c.getDefiningOp<onnx::ConstantOp>() || !t)
          continue;
        int64_t d = spaces[s].axis - (outType.getRank() - t.getRank());
        if (d >= 0 && t.getDimSize(d) == spaces[s].size && spaces[s].size > 1)
          ok = replace(i, {{d, *keptOf(out)}});
      }
    }
    if (!ok)
      return op->emitError("cannot prune the constants of this operator");
    for (Value r : op->getResults())
      if (auto *k = keptOf(r)) {
        auto type = cast<RankedTensorType>(r.getType());
        SmallVector<int64_t> shape(type.getShape());
        shape[spaces[graph.getSpace(r)].axis] = k->size();
        r.setType(RankedTensorType::get(shape, type.getElementType()));
      }
  }
  // The old constants, unless shared.
  for (Operation *op : old)
    if (op && op->use_empty())
      op->erase();
  return success();
}

} // namespace fulcrum::prune
