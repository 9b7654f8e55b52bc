//===- Dependency.cpp - Channel dependencies of an onnx graph -------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Prune/Dependency.h"

#include "fulcrum/Cost/CostModel.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

#include <map>

using namespace mlir;
namespace onnx = fulcrum::onnx;

namespace fulcrum::prune {

std::string describeOp(Operation *op) {
  std::string name = cost::getLayerName(op->getLoc());
  if (name.empty())
    name = op->getName().getStringRef().str();
  return name;
}

std::string describeValue(Value v) {
  if (auto arg = dyn_cast<BlockArgument>(v))
    return "arg" + std::to_string(arg.getArgNumber());
  Operation *op = v.getDefiningOp();
  std::string name = describeOp(op);
  if (op->getNumResults() > 1)
    name += ":" + std::to_string(cast<OpResult>(v).getResultNumber());
  return name;
}

namespace {

/// Operators that act on each channel alone and keep the layout.
bool isChannelwise(StringRef name) {
  static const llvm::StringSet<> ops = {
      "onnx.Relu",          "onnx.LeakyRelu",
      "onnx.Sigmoid",       "onnx.Tanh",
      "onnx.Clip",          "onnx.Erf",
      "onnx.Identity",      "onnx.Elu",
      "onnx.Selu",          "onnx.HardSigmoid",
      "onnx.HardSwish",     "onnx.Softplus",
      "onnx.Abs",           "onnx.Neg",
      "onnx.Sqrt",          "onnx.Exp",
      "onnx.Dropout",       "onnx.MaxPool",
      "onnx.AveragePool",   "onnx.GlobalAveragePool",
      "onnx.GlobalMaxPool", "onnx.Celu",
      "onnx.Mish",          "onnx.ThresholdedRelu",
      "onnx.Softsign",      "onnx.Gelu"};
  return ops.contains(name);
}

bool isBinaryElementwise(StringRef name) {
  static const llvm::StringSet<> ops = {"onnx.Add", "onnx.Sub",  "onnx.Mul",
                                        "onnx.Div", "onnx.Max",  "onnx.Min",
                                        "onnx.Pow", "onnx.PRelu"};
  return ops.contains(name);
}

bool isConstant(Value v) { return v && v.getDefiningOp<onnx::ConstantOp>(); }

} // namespace

DependencyGraph::DependencyGraph(func::FuncOp func) {
  regions = findHeadRegions(func, &rejectedHeads);
  for (auto [i, r] : llvm::enumerate(regions))
    for (Operation *op : r.ops)
      regionOf[op] = i;
  for (BlockArgument arg : func.getArguments())
    block(arg, "a graph input");
  // The ops inside attention blocks are the heads' (uniteHeads).
  for (Operation &op : func.getBody().front())
    if (!regionOf.count(&op))
      visit(&op);
  uniteHeads();
  buildGroups();
}

void DependencyGraph::uniteHeads() {
  for (const HeadRegion &r : regions) {
    SmallVector<int64_t> first(r.numHeads, -1);
    for (Value v : llvm::concat<const Value>(r.roots, r.ends)) {
      int s = track(v);
      if (s < 0)
        continue;
      const SmallVector<int64_t> &heads = r.headOf.find(v)->second;
      for (int64_t c = 0; c < spaces[s].size; ++c) {
        unsigned n = spaces[s].base + c;
        int64_t &f = first[heads[c]];
        if (f < 0)
          f = n;
        unite(f, n, Heads);
      }
    }
  }
  // Blocks that look like attention but whose heads are not separable.
  for (auto &[v, why] : rejectedHeads) {
    int s = track(v);
    if (s < 0)
      continue;
    for (int64_t c = 0; c < spaces[s].size; ++c)
      blocked[findRoot(spaces[s].base + c)] =
          "attention heads not separable: " + why;
  }
}

unsigned DependencyGraph::findRoot(unsigned n) {
  while (parent[n] != n) {
    parent[n] = parent[parent[n]];
    n = parent[n];
  }
  return n;
}

int DependencyGraph::track(Value v) {
  auto it = spaceOf.find(v);
  if (it != spaceOf.end())
    return it->second;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !isa<FloatType>(type.getElementType()) || type.getRank() < 2 ||
      type.getRank() > 4)
    return -1;
  ChannelSpace space;
  space.value = v;
  space.axis = type.getRank() == 3 ? 2 : 1;
  space.size = type.getDimSize(space.axis);
  if (ShapedType::isDynamic(space.size) || space.size <= 0)
    return -1;
  space.base = parent.size();
  for (int64_t i = 0; i < space.size; ++i) {
    parent.push_back(space.base + i);
    kindOf.push_back(0);
    blocked.emplace_back();
    produced.push_back(false);
  }
  spaces.push_back(space);
  spaceOf[v] = spaces.size() - 1;
  return spaces.size() - 1;
}

void DependencyGraph::unite(unsigned a, unsigned b, unsigned kind) {
  a = findRoot(a);
  b = findRoot(b);
  if (a != b) {
    // The smaller index stays the root: groups print in graph order.
    if (b < a)
      std::swap(a, b);
    parent[b] = a;
    kindOf[a] |= kindOf[b];
    if (blocked[a].empty())
      blocked[a] = blocked[b];
    produced[a] = produced[a] || produced[b];
  }
  kindOf[a] |= kind;
}

void DependencyGraph::blockNode(unsigned n, StringRef reason) {
  n = findRoot(n);
  if (blocked[n].empty())
    blocked[n] = reason.str();
}

void DependencyGraph::block(Value v, StringRef reason) {
  if (isConstant(v))
    return;
  int s = track(v);
  if (s < 0)
    return;
  for (int64_t i = 0; i < spaces[s].size; ++i)
    blockNode(spaces[s].base + i, reason);
}

void DependencyGraph::mark(Value v, unsigned kind) {
  int s = track(v);
  if (s < 0)
    return;
  for (int64_t i = 0; i < spaces[s].size; ++i)
    kindOf[findRoot(spaces[s].base + i)] |= kind;
}

void DependencyGraph::visit(Operation *op) {
  StringRef name = op->getName().getStringRef();
  auto blockAll = [&](StringRef reason) {
    for (Value v : op->getOperands())
      block(v, reason);
    for (Value v : op->getResults())
      block(v, reason);
    // Values a region reads from outside.
    op->walk([&](Operation *inner) {
      if (inner != op)
        for (Value v : inner->getOperands())
          if (spaceOf.count(v))
            block(v, reason);
    });
  };
  if (isa<onnx::ConstantOp>(op))
    return;
  if (isa<func::ReturnOp>(op)) {
    for (Value v : op->getOperands())
      block(v, "a graph output");
    return;
  }
  std::string consumed = "read by " + describeOp(op) + " (" + name.str() + ")";
  // Most cases need the first operand and result tracked.
  auto sameSpaces = [&](Value in, Value out, unsigned kind) {
    int si = track(in), so = track(out);
    if (si < 0 || so < 0 || spaces[si].size != spaces[so].size)
      return false;
    for (int64_t c = 0; c < spaces[si].size; ++c)
      unite(spaces[si].base + c, spaces[so].base + c, kind);
    return true;
  };
  auto producer = [&](Value out) {
    int so = track(out);
    if (so < 0)
      return false;
    producerOf.push_back({static_cast<unsigned>(so), op});
    for (int64_t c = 0; c < spaces[so].size; ++c)
      produced[spaces[so].base + c] = true;
    return true;
  };
  auto consumer = [&](Value in) {
    int si = track(in);
    if (si < 0)
      return false;
    consumerOf.push_back({static_cast<unsigned>(si), op});
    return true;
  };

  if (auto conv = dyn_cast<onnx::ConvOp>(op)) {
    auto x = dyn_cast<RankedTensorType>(conv.getX().getType());
    auto w = dyn_cast<RankedTensorType>(conv.getW().getType());
    if (!x || !w || x.getRank() != 4 || !w.hasStaticShape() ||
        !isConstant(conv.getW()) ||
        (!isa<NoneType>(conv.getB().getType()) && !isConstant(conv.getB())) ||
        track(conv.getX()) < 0 || track(conv.getY()) < 0)
      return blockAll(consumed + ": not a 2-D convolution with constant "
                                 "weights");
    int64_t group = conv.getGroup();
    int64_t cin = x.getDimSize(1), cout = w.getDimSize(0);
    if (group == 1) {
      producer(conv.getY());
      consumer(conv.getX());
      return;
    }
    if (group == cin && w.getDimSize(1) == 1 && cout % cin == 0) {
      int si = track(conv.getX()), so = track(conv.getY());
      int64_t m = cout / cin;
      for (int64_t c = 0; c < cin; ++c)
        for (int64_t j = 0; j < m; ++j)
          unite(spaces[si].base + c, spaces[so].base + c * m + j, Depthwise);
      return;
    }
    return blockAll(consumed + ": a grouped convolution");
  }
  if (auto gemm = dyn_cast<onnx::GemmOp>(op)) {
    Value c = gemm.getC();
    if (gemm.getTransA() || !isConstant(gemm.getB()) ||
        (!isa<NoneType>(c.getType()) && !isConstant(c)) ||
        track(gemm.getA()) < 0 || track(gemm.getY()) < 0)
      return blockAll(consumed + ": not a product with constant weights");
    producer(gemm.getY());
    consumer(gemm.getA());
    return;
  }
  if (auto matmul = dyn_cast<onnx::MatMulOp>(op)) {
    auto b = dyn_cast<RankedTensorType>(matmul.getB().getType());
    if (!isConstant(matmul.getB()) || !b || b.getRank() != 2 ||
        track(matmul.getA()) < 0 || track(matmul.getY()) < 0 ||
        spaces[track(matmul.getA())].axis + 1 !=
            cast<RankedTensorType>(matmul.getA().getType()).getRank())
      return blockAll(consumed + ": not a product with constant weights");
    producer(matmul.getY());
    consumer(matmul.getA());
    return;
  }
  if (auto bn = dyn_cast<onnx::BatchNormalizationOp>(op)) {
    bool constants = llvm::all_of(op->getOperands().drop_front(), isConstant);
    if (!constants || bn.getTrainingMode() != 0 ||
        !op->getResult(1).use_empty() || !op->getResult(2).use_empty() ||
        !sameSpaces(bn.getX(), op->getResult(0), BatchNorm))
      return blockAll(consumed + ": not an inference BatchNormalization");
    return;
  }
  if (isChannelwise(name)) {
    bool scalars = llvm::all_of(op->getOperands().drop_front(), [](Value v) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      return isa<NoneType>(v.getType()) || (t && t.getNumElements() == 1);
    });
    bool extraResults = llvm::any_of(op->getResults().drop_front(),
                                     [](Value r) { return !r.use_empty(); });
    if (!scalars || extraResults ||
        !sameSpaces(op->getOperand(0), op->getResult(0), 0))
      return blockAll(consumed);
    return;
  }
  if (isBinaryElementwise(name)) {
    Value out = op->getResult(0);
    int so = track(out);
    if (so < 0)
      return blockAll(consumed);
    auto outType = cast<RankedTensorType>(out.getType());
    int64_t axis = spaces[so].axis, size = spaces[so].size;
    unsigned activations = 0;
    for (Value v : op->getOperands())
      activations += !isConstant(v);
    for (Value v : op->getOperands()) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!t)
        return blockAll(consumed);
      int64_t d = axis - (outType.getRank() - t.getRank());
      int64_t dim = d >= 0 ? t.getDimSize(d) : 1;
      if (isConstant(v)) {
        if (dim == size && size != 1)
          mark(out, Broadcast);
        else if (dim != 1)
          return blockAll(consumed + ": a constant of unknown layout");
        continue;
      }
      if (dim == 1)
        continue; // Broadcast along the channels: carries none.
      int si = track(v);
      if (si < 0 || dim != size || spaces[si].axis != d)
        return blockAll(consumed + ": operands of different layouts");
      for (int64_t c = 0; c < size; ++c)
        unite(spaces[si].base + c, spaces[so].base + c,
              activations == 2 ? Residual : 0);
    }
    return;
  }
  if (auto concat = dyn_cast<onnx::ConcatOp>(op)) {
    int so = track(concat.getResult());
    if (so < 0)
      return blockAll(consumed);
    int64_t rank =
        cast<RankedTensorType>(concat.getResult().getType()).getRank();
    int64_t axis =
        concat.getAxis() < 0 ? concat.getAxis() + rank : concat.getAxis();
    int64_t offset = 0;
    for (Value in : concat.getInputs()) {
      int si = track(in);
      if (si < 0 || isConstant(in))
        return blockAll(consumed + ": an input without channels");
      if (axis == spaces[so].axis) {
        for (int64_t c = 0; c < spaces[si].size; ++c)
          unite(spaces[si].base + c, spaces[so].base + offset + c, ConcatKind);
        offset += spaces[si].size;
      } else if (!sameSpaces(in, concat.getResult(), 0)) {
        return blockAll(consumed);
      }
    }
    return;
  }
  if (isa<onnx::FlattenOp, onnx::ReshapeOp>(op)) {
    // [N, C, H, W] -> [N, C*H*W]: channel c owns columns c*H*W...
    Value in = op->getOperand(0), out = op->getResult(0);
    auto it = dyn_cast<RankedTensorType>(in.getType());
    auto ot = dyn_cast<RankedTensorType>(out.getType());
    bool ok = it && ot && it.getRank() == 4 && ot.getRank() == 2 &&
              it.getDimSize(0) == ot.getDimSize(0);
    if (auto flatten = dyn_cast<onnx::FlattenOp>(op))
      ok = ok && flatten.getAxis() == 1;
    else
      ok = ok && isConstant(op->getOperand(1));
    int si = ok ? track(in) : -1, so = ok ? track(out) : -1;
    if (si < 0 || so < 0 || it.isDynamicDim(2) || it.isDynamicDim(3))
      return blockAll(consumed + ": not a flattening of [N, C, H, W]");
    int64_t hw = it.getDimSize(2) * it.getDimSize(3);
    if (spaces[so].size != spaces[si].size * hw)
      return blockAll(consumed);
    for (int64_t c = 0; c < spaces[si].size; ++c)
      for (int64_t j = 0; j < hw; ++j)
        unite(spaces[si].base + c, spaces[so].base + c * hw + j, FlattenKind);
    return;
  }
  blockAll(consumed);
}

SmallVector<int64_t>
DependencyGraph::getKept(unsigned s, const llvm::DenseSet<unsigned> &removed) {
  SmallVector<int64_t> kept;
  for (int64_t c = 0; c < spaces[s].size; ++c)
    if (!removed.count(findRoot(spaces[s].base + c)))
      kept.push_back(c);
  return kept;
}

void DependencyGraph::buildGroups() {
  // The channels of each unit, per space, in graph order.
  std::map<unsigned, std::vector<std::pair<unsigned, int64_t>>> unitChannels;
  for (auto [s, space] : llvm::enumerate(spaces))
    for (int64_t c = 0; c < space.size; ++c)
      unitChannels[findRoot(space.base + c)].push_back({s, c});
  // Units touching the same spaces form a group.
  std::map<std::vector<unsigned>, unsigned> groupOf;
  std::vector<std::pair<unsigned, unsigned>> order; // (first node, root)
  for (auto &[root, channels] : unitChannels)
    order.push_back({spaces[channels.front().first].base +
                         static_cast<unsigned>(channels.front().second),
                     root});
  llvm::sort(order);
  for (auto [first, root] : order) {
    auto &channels = unitChannels[root];
    std::vector<unsigned> key;
    for (auto [s, c] : channels)
      if (key.empty() || key.back() != s)
        key.push_back(s);
    llvm::sort(key);
    key.erase(std::unique(key.begin(), key.end()), key.end());
    auto [it, inserted] = groupOf.insert({key, groups.size()});
    if (inserted) {
      ChannelGroup g;
      g.prunable = true;
      for (unsigned s : key) {
        GroupMember m;
        m.space = s;
        g.members.push_back(m);
      }
      groups.push_back(g);
    }
    ChannelGroup &g = groups[it->second];
    g.units.push_back(root);
    for (GroupMember &m : g.members)
      m.channels.emplace_back();
    for (auto [s, c] : channels)
      for (GroupMember &m : g.members)
        if (m.space == s)
          m.channels.back().push_back(c);
    g.kinds |= kindOf[root];
    if (!blocked[root].empty() && g.prunable) {
      g.prunable = false;
      g.reason = blocked[root];
    }
    if (!produced[root] && g.prunable) {
      g.prunable = false;
      g.reason = "no convolution or matrix product produces it";
    }
  }
  for (ChannelGroup &g : groups)
    for (GroupMember &m : g.members) {
      for (auto [s, op] : producerOf)
        if (s == m.space)
          g.producers.push_back(op);
      for (auto [s, op] : consumerOf)
        if (s == m.space)
          g.consumers.push_back(op);
    }
}

namespace {
/// `name[lo..hi]` for the channels of a member (all units), or a list.
std::string describeChannels(const GroupMember &m) {
  SmallVector<int64_t> all;
  for (auto &u : m.channels)
    all.append(u.begin(), u.end());
  bool contiguous = true;
  for (size_t i = 1; i < all.size(); ++i)
    contiguous = contiguous && all[i] == all[i - 1] + 1;
  std::string s;
  if (contiguous)
    s = std::to_string(all.front()) + ".." + std::to_string(all.back());
  else
    for (size_t i = 0; i < all.size() && i < 8; ++i)
      s += (i ? "," : "") + std::to_string(all[i]) +
           (i == 7 && all.size() > 8 ? ",..." : "");
  return s;
}
} // namespace

void DependencyGraph::print(raw_ostream &os) {
  static const std::pair<unsigned, const char *> kindNames[] = {
      {Residual, "residual"},   {ConcatKind, "concat"},
      {BatchNorm, "batchnorm"}, {Depthwise, "depthwise"},
      {FlattenKind, "flatten"}, {Broadcast, "broadcast"},
      {Heads, "heads"}};
  for (auto [i, g] : llvm::enumerate(groups)) {
    os << "group " << i << ": " << g.units.size() << " units";
    std::string kinds;
    for (auto [bit, kname] : kindNames)
      if (g.kinds & bit)
        kinds += std::string(kinds.empty() ? "" : ",") + kname;
    os << " [" << kinds << "] ";
    if (g.prunable)
      os << "prunable";
    else
      os << "fixed (" << g.reason << ")";
    os << "; tensors:";
    for (const GroupMember &m : g.members) {
      os << " " << describeValue(spaces[m.space].value) << "["
         << describeChannels(m) << "]";
      size_t per = m.channels.front().size();
      if (per > 1)
        os << "x" << per;
    }
    os << "; producers:";
    for (Operation *op : g.producers)
      os << " " << describeOp(op);
    os << "; consumers:";
    for (Operation *op : g.consumers)
      os << " " << describeOp(op);
    os << "\n";
  }
}

} // namespace fulcrum::prune
