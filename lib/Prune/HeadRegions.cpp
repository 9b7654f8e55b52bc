//===- HeadRegions.cpp - Attention heads as channel groups ----------------===//
//
// Part of Fulcrum. Finds the attention blocks whose heads can be pruned: the
// ops between the Q/K/V projections and the output projection, with a
// Softmax among them, that keep the heads apart.
//
// How: every axis of every value in a block is a product of *atoms*
// (row-major), starting from one atom per axis of each projection output.
// Reshapes regroup the atoms, splitting one where a new axis boundary falls
// inside it (192 = 3 x 4 x 16); transposes permute axes; a Gather, Slice or
// Split that takes one part of an axis *selects* its leading atom (Q, K or V
// of a packed projection); a product of two activations unifies the atoms of
// its batch axes and of its contracted axes (Q's and K's head and head-dim
// atoms become one). At the end the atoms of the batch axes of the products
// are the batch and the heads, those of their matrix axes the tokens and the
// head dimension. The output projection reads `[.., H*D]`: its one batch
// atom is the head. The block is separable when the head atom appears only
// on batch axes of products, never on a softmax axis, every mask broadcasts
// along it, and every projection output holds it exactly once.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Prune/Dependency.h"

#include "fulcrum/Dialect/ONNX/IR/ConstantValues.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"

#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
namespace onnx = fulcrum::onnx;

namespace fulcrum::prune {

namespace {

constexpr int64_t kDynamic = ShapedType::kDynamic;

bool isConstant(Value v) { return v && v.getDefiningOp<onnx::ConstantOp>(); }

bool isFloatTensor(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && isa<FloatType>(t.getElementType());
}

/// Ops that act on each element alone.
bool isUnary(Operation *op) {
  static const llvm::StringSet<> ops = {
      "onnx.Relu", "onnx.Exp",  "onnx.Identity", "onnx.Neg",  "onnx.Sqrt",
      "onnx.Tanh", "onnx.Erf",  "onnx.Sigmoid",  "onnx.Cast", "onnx.Abs",
      "onnx.Gelu", "onnx.Clip", "onnx.Dropout"};
  return ops.contains(op->getName().getStringRef());
}

bool isBinary(Operation *op) {
  return isa<onnx::AddOp, onnx::SubOp, onnx::MulOp, onnx::DivOp, onnx::WhereOp>(
      op);
}

bool isView(Operation *op) {
  return isa<onnx::ReshapeOp, onnx::TransposeOp, onnx::GatherOp, onnx::SliceOp,
             onnx::SplitOp, onnx::SqueezeOp, onnx::UnsqueezeOp,
             onnx::FlattenOp>(op);
}

bool isAttentionOp(Operation *op) {
  return op->getName().getStringRef() == "fulcrum.attention";
}

bool isSoftmax(Operation *op) {
  return isa<onnx::SoftmaxOp>(op) || isAttentionOp(op);
}

/// A contraction with constant weights that reads `v` as its input rows:
/// a projection.
bool isProjectionOf(Operation *op, Value v) {
  if (auto matmul = dyn_cast<onnx::MatMulOp>(op)) {
    auto b = dyn_cast<RankedTensorType>(matmul.getB().getType());
    return matmul.getA() == v && isConstant(matmul.getB()) && b &&
           b.getRank() == 2;
  }
  if (auto gemm = dyn_cast<onnx::GemmOp>(op))
    return gemm.getA() == v && !gemm.getTransA() && isConstant(gemm.getB());
  return false;
}

/// A projection output (with its bias added) of rank 2 or 3.
bool isProjectionOutput(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  if (!t || !isa<FloatType>(t.getElementType()) || t.getRank() < 2 ||
      t.getRank() > 3 || t.isDynamicDim(t.getRank() - 1))
    return false;
  Operation *op = v.getDefiningOp();
  // A product whose bias is added next: the sum is the output.
  if (v.hasOneUse())
    if (auto add = dyn_cast<onnx::AddOp>(*v.getUsers().begin()))
      if (isConstant(add.getA()) || isConstant(add.getB()))
        return false;
  if (auto add = dyn_cast_or_null<onnx::AddOp>(op)) {
    Value other = isConstant(add.getA()) ? add.getB() : add.getA();
    if (!isConstant(add.getA()) && !isConstant(add.getB()))
      return false;
    op = other.getDefiningOp();
    if (!other.hasOneUse())
      return false;
  }
  return op && op->getNumOperands() > 0 &&
         isProjectionOf(op, op->getOperand(0));
}

enum Role : unsigned { Batch = 1, Matrix = 2, Select = 4, Normalized = 8 };

/// The atoms of one block and the layouts of its values.
class Layouts {
public:
  using Axis = SmallVector<unsigned, 2>;
  using Layout = SmallVector<Axis, 4>;

  std::string why;
  llvm::DenseMap<Value, Layout> layouts;

  unsigned newAtom(int64_t size) {
    atoms.push_back({size, {}, static_cast<unsigned>(atoms.size())});
    return atoms.size() - 1;
  }
  unsigned find(unsigned a) {
    while (atoms[a].parent != a)
      a = atoms[a].parent;
    return a;
  }
  int64_t size(unsigned a) { return atoms[find(a)].size; }

  /// The leaf atoms of `axis`, size-1 atoms left out.
  SmallVector<unsigned> leaves(ArrayRef<unsigned> axis) {
    SmallVector<unsigned> out;
    for (unsigned a : axis) {
      unsigned r = find(a);
      if (!atoms[r].children.empty()) {
        SmallVector<unsigned> children(atoms[r].children.begin(),
                                       atoms[r].children.end());
        out.append(leaves(children));
      } else if (atoms[r].size != 1) {
        out.push_back(r);
      }
    }
    return out;
  }

  /// Splits leaf `a` into (outer)(size / outer); returns the two.
  std::pair<unsigned, unsigned> split(unsigned a, int64_t outer) {
    a = find(a);
    int64_t s = atoms[a].size;
    unsigned x = newAtom(outer), y = newAtom(s / outer);
    atoms[a].children = {x, y};
    return {x, y};
  }

  bool fail(const Twine &reason) {
    if (why.empty())
      why = reason.str();
    return false;
  }

  /// Makes the atoms of `a` and `b` one (refining either where needed).
  bool unify(ArrayRef<unsigned> a, ArrayRef<unsigned> b) {
    SmallVector<unsigned> la = leaves(a), lb = leaves(b);
    size_t i = 0, j = 0;
    while (i < la.size() && j < lb.size()) {
      int64_t sx = size(la[i]), sy = size(lb[j]);
      if (sx == sy) {
        unsigned x = find(la[i++]), y = find(lb[j++]);
        if (x != y)
          atoms[y].parent = x;
      } else if (sx != kDynamic && sy != kDynamic && sx % sy == 0) {
        auto [p, q] = split(la[i], sy);
        la[i] = p;
        la.insert(la.begin() + i + 1, q);
      } else if (sx != kDynamic && sy != kDynamic && sy % sx == 0) {
        auto [p, q] = split(lb[j], sx);
        lb[j] = p;
        lb.insert(lb.begin() + j + 1, q);
      } else {
        return fail("two operands of a product do not share their heads");
      }
    }
    if (i != la.size() || j != lb.size())
      return fail("two operands of a product do not share their heads");
    return true;
  }

  /// The layout of a value of shape `shape` holding the atoms of `in` in
  /// row-major order: consecutive atoms grouped per dimension.
  std::optional<Layout> regroup(const Layout &in, ArrayRef<int64_t> shape) {
    SmallVector<unsigned> flat;
    for (const Axis &axis : in)
      flat.append(leaves(axis));
    int64_t n = shape.size(), dynamicDim = -1;
    for (int64_t d = 0; d < n; ++d)
      if (ShapedType::isDynamic(shape[d])) {
        if (dynamicDim >= 0) {
          fail("a reshape with two dynamic dimensions");
          return std::nullopt;
        }
        dynamicDim = d;
      }
    Layout out(n);
    size_t lo = 0, hi = flat.size(); // atoms left: [lo, hi)
    // Takes the atoms of a static dimension from the front or the back.
    auto take = [&](int64_t d, bool front) {
      int64_t want = shape[d], have = 1;
      while (have < want) {
        if (lo == hi)
          return false;
        unsigned a = front ? flat[lo] : flat[hi - 1];
        int64_t s = size(a);
        if (s == kDynamic)
          return false;
        if (want % have != 0)
          return false;
        int64_t need = want / have;
        if (s <= need) {
          if (need % s != 0)
            return false;
          out[d].push_back(a);
          have *= s;
          front ? ++lo : --hi;
        } else {
          if (s % need != 0)
            return false;
          // Split so that the part taken is `need`.
          auto [p, q] = split(a, front ? need : s / need);
          out[d].push_back(front ? p : q);
          (front ? flat[lo] : flat[hi - 1]) = front ? q : p;
          have = want;
        }
      }
      if (!front)
        std::reverse(out[d].begin(), out[d].end());
      return have == want;
    };
    int64_t left = dynamicDim >= 0 ? dynamicDim : n;
    for (int64_t d = 0; d < left; ++d)
      if (!take(d, true)) {
        fail("a reshape that does not regroup whole factors");
        return std::nullopt;
      }
    for (int64_t d = n - 1; d > left; --d)
      if (!take(d, false)) {
        fail("a reshape that does not regroup whole factors");
        return std::nullopt;
      }
    if (dynamicDim >= 0)
      out[dynamicDim].append(flat.begin() + lo, flat.begin() + hi);
    else if (lo != hi) {
      fail("a reshape that does not regroup whole factors");
      return std::nullopt;
    }
    return out;
  }

  /// Takes part `start / len` of axis `axis` of `l`: the axis becomes its
  /// trailing atoms of product `len`, the leading atom is selected.
  bool selectPart(Layout &l, int64_t axis, int64_t start, int64_t len) {
    SmallVector<unsigned> la = leaves(l[axis]);
    int64_t total = 1;
    for (unsigned a : la)
      total =
          size(a) == kDynamic || total == kDynamic ? kDynamic : total * size(a);
    if (total == kDynamic || len <= 0 || total % len != 0 || start % len != 0)
      return fail("a slice that is not one part of a packed projection");
    if (len == total)
      return true;
    Layout one;
    one.push_back(Axis(la.begin(), la.end()));
    std::optional<Layout> parts = regroup(one, {total / len, len});
    if (!parts)
      return false;
    SmallVector<unsigned> lead = leaves((*parts)[0]);
    if (lead.size() != 1)
      return fail("a slice that is not one part of a packed projection");
    record(lead, Select);
    l[axis] = (*parts)[1];
    return true;
  }

  void record(ArrayRef<unsigned> axis, unsigned role) {
    roles.push_back({Axis(axis.begin(), axis.end()), role});
  }

  /// The roles of every leaf, once the block is analyzed.
  llvm::DenseMap<unsigned, unsigned> resolveRoles() {
    llvm::DenseMap<unsigned, unsigned> out;
    for (auto &[axis, role] : roles)
      for (unsigned a : leaves(axis))
        out[find(a)] |= role;
    return out;
  }

private:
  struct Atom {
    int64_t size;
    SmallVector<unsigned, 2> children;
    unsigned parent;
  };
  std::vector<Atom> atoms;
  std::vector<std::pair<Axis, unsigned>> roles;
};

/// The ops reachable from `root` through ops that may sit inside an
/// attention block, up to the projections that read the block's result.
bool growClosure(Value root, llvm::SetVector<Operation *> &ops,
                 llvm::SetVector<Value> &ends, std::string &why) {
  SmallVector<Value> work = {root};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (isProjectionOf(user, v)) {
        ends.insert(v);
        continue;
      }
      if (!(isView(user) || isUnary(user) || isBinary(user) ||
            isa<onnx::SoftmaxOp, onnx::MatMulOp>(user) ||
            isAttentionOp(user))) {
        why = "read by " + describeOp(user) + " (" +
              user->getName().getStringRef().str() + ")";
        return false;
      }
      if (ops.size() > 256) {
        why = "too many ops between the projections";
        return false;
      }
      if (ops.insert(user))
        for (Value r : user->getResults())
          if (isFloatTensor(r))
            work.push_back(r);
    }
  }
  return true;
}

/// Whether `v` is an integer scalar constant (a Gather index).
std::optional<int64_t> getScalarIndex(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  auto values = onnx::getConstantInts(v);
  if (!t || t.getRank() != 0 || !values || values->size() != 1)
    return std::nullopt;
  return (*values)[0];
}

/// Analyzes one block: the layouts of its values, then its head atom.
class BlockAnalysis {
public:
  BlockAnalysis(HeadRegion &region, const llvm::SetVector<Operation *> &ops)
      : region(region), inBlock(ops.begin(), ops.end()) {}

  bool run();
  std::string why() const { return l.why; }

private:
  bool visit(Operation *op);
  bool inside(Value v) const {
    Operation *def = v.getDefiningOp();
    return (def && inBlock.count(def)) || llvm::is_contained(region.roots, v);
  }

  HeadRegion &region;
  llvm::DenseSet<Operation *> inBlock;
  Layouts l;
  /// Operands from outside (masks) and the results they broadcast to.
  SmallVector<std::pair<Value, Value>> broadcasts;
  /// Values whose axis is normalized by a Softmax.
  SmallVector<std::pair<Value, int64_t>> normalized;
  unsigned products = 0, softmaxes = 0;
};

bool BlockAnalysis::visit(Operation *op) {
  auto resultType = [&](unsigned i) {
    return dyn_cast<RankedTensorType>(op->getResult(i).getType());
  };
  auto layoutOf = [&](Value v) -> Layouts::Layout * {
    auto it = l.layouts.find(v);
    return it == l.layouts.end() ? nullptr : &it->second;
  };
  Value x = op->getOperand(0);
  Layouts::Layout *in = layoutOf(x);
  if (!resultType(0))
    return l.fail("a result of unknown rank");
  if (isa<onnx::ReshapeOp, onnx::SqueezeOp, onnx::UnsqueezeOp, onnx::FlattenOp>(
          op)) {
    if (!in)
      return l.fail("a reshape of a value from outside the block");
    auto out = l.regroup(*in, resultType(0).getShape());
    if (!out)
      return false;
    l.layouts[op->getResult(0)] = *out;
    return true;
  }
  if (auto transpose = dyn_cast<onnx::TransposeOp>(op)) {
    if (!in)
      return l.fail("a transpose of a value from outside the block");
    SmallVector<int64_t> perm;
    if (auto p = transpose.getPerm())
      perm.assign(p->begin(), p->end());
    else
      for (int64_t d = in->size() - 1; d >= 0; --d)
        perm.push_back(d);
    Layouts::Layout out;
    for (int64_t d : perm)
      out.push_back((*in)[d]);
    l.layouts[op->getResult(0)] = out;
    return true;
  }
  if (auto gather = dyn_cast<onnx::GatherOp>(op)) {
    std::optional<int64_t> index = getScalarIndex(gather.getIndices());
    if (!in || !index)
      return l.fail("a gather that is not one constant index");
    int64_t axis = gather.getAxis();
    if (axis < 0)
      axis += in->size();
    SmallVector<unsigned> lead = l.leaves((*in)[axis]);
    if (lead.size() != 1)
      return l.fail("a gather along an axis of several factors");
    l.record(lead, Select);
    Layouts::Layout out = *in;
    out.erase(out.begin() + axis);
    l.layouts[op->getResult(0)] = out;
    return true;
  }
  if (auto slice = dyn_cast<onnx::SliceOp>(op)) {
    auto inType = cast<RankedTensorType>(x.getType());
    auto starts = onnx::getConstantInts(slice.getStarts());
    auto ends = onnx::getConstantInts(slice.getEnds());
    std::optional<SmallVector<int64_t>> axes, steps;
    if (!isa<NoneType>(slice.getAxes().getType()))
      axes = onnx::getConstantInts(slice.getAxes());
    if (!isa<NoneType>(slice.getSteps().getType()))
      steps = onnx::getConstantInts(slice.getSteps());
    if (!in || !starts || !ends ||
        (!isa<NoneType>(slice.getAxes().getType()) && !axes) ||
        (!isa<NoneType>(slice.getSteps().getType()) && !steps))
      return l.fail("a slice with bounds that are not constants");
    Layouts::Layout out = *in;
    for (size_t i = 0; i < starts->size(); ++i) {
      int64_t axis = axes ? (*axes)[i] : static_cast<int64_t>(i);
      if (axis < 0)
        axis += inType.getRank();
      if (steps && (*steps)[i] != 1)
        return l.fail("a strided slice");
      int64_t dim = inType.getDimSize(axis);
      if (ShapedType::isDynamic(dim))
        return l.fail("a slice of a dynamic axis");
      int64_t s = (*starts)[i], e = (*ends)[i];
      s = std::clamp<int64_t>(s < 0 ? s + dim : s, 0, dim);
      e = std::clamp<int64_t>(e < 0 ? e + dim : e, 0, dim);
      if (!l.selectPart(out, axis, s, e - s))
        return false;
    }
    l.layouts[op->getResult(0)] = out;
    return true;
  }
  if (auto split = dyn_cast<onnx::SplitOp>(op)) {
    auto inType = cast<RankedTensorType>(x.getType());
    int64_t axis = split.getAxis();
    if (axis < 0)
      axis += inType.getRank();
    if (!in)
      return l.fail("a split of a value from outside the block");
    int64_t start = 0;
    for (unsigned i = 0; i < op->getNumResults(); ++i) {
      Layouts::Layout out = *in;
      int64_t len = resultType(i).getDimSize(axis);
      if (ShapedType::isDynamic(len) || !l.selectPart(out, axis, start, len))
        return l.fail("a split that is not into the parts of a packed "
                      "projection");
      start += len;
      l.layouts[op->getResult(i)] = out;
    }
    return true;
  }
  if (isa<onnx::SoftmaxOp>(op) || isUnary(op)) {
    if (!in)
      return l.fail("an element-wise op on a value from outside the block");
    if (auto softmax = dyn_cast<onnx::SoftmaxOp>(op)) {
      int64_t axis = static_cast<int64_t>(softmax.getAxis());
      if (axis < 0)
        axis += in->size();
      normalized.push_back({op->getResult(0), axis});
      ++softmaxes;
    }
    l.layouts[op->getResult(0)] = *in;
    return true;
  }
  if (isBinary(op)) {
    auto outType = resultType(0);
    Layouts::Layout *first = nullptr;
    for (Value v : op->getOperands()) {
      if (!inside(v)) {
        broadcasts.push_back({v, op->getResult(0)});
        continue;
      }
      Layouts::Layout *lv = layoutOf(v);
      if (!lv || v.getType() != outType)
        return l.fail("an element-wise op that broadcasts a value of the "
                      "block");
      if (first)
        for (size_t d = 0; d < lv->size(); ++d)
          if (!l.unify((*first)[d], (*lv)[d]))
            return false;
      first = first ? first : lv;
    }
    if (!first)
      return l.fail("an element-wise op without a value of the block");
    l.layouts[op->getResult(0)] = *first;
    return true;
  }
  // Products of two activations, alone or fused: the leading axes are
  // batch axes (heads among them), the last two the matrix.
  bool fused = isAttentionOp(op);
  if (fused || isa<onnx::MatMulOp>(op)) {
    Value a = op->getOperand(0), b = op->getOperand(1);
    Layouts::Layout *la = layoutOf(a), *lb = layoutOf(b);
    if (!la || !lb)
      return l.fail("a product with a value from outside the block");
    size_t rank = la->size();
    if (lb->size() != rank || rank < 3)
      return l.fail("a product of operands of different ranks");
    // Q K^T contracts a[-1] with b[-2]; the fused op takes K untransposed.
    size_t kb = fused ? rank - 1 : rank - 2;
    if (!l.unify((*la)[rank - 1], (*lb)[kb]))
      return false;
    for (size_t d = 0; d + 2 < rank; ++d) {
      if (!l.unify((*la)[d], (*lb)[d]))
        return false;
      l.record((*la)[d], Batch);
    }
    l.record((*la)[rank - 1], Matrix);
    l.record((*la)[rank - 2], Matrix);
    l.record((*lb)[rank - 1], Matrix);
    l.record((*lb)[rank - 2], Matrix);
    Layouts::Layout out(la->begin(), la->end() - 1);
    if (fused) {
      Layouts::Layout *lv = layoutOf(op->getOperand(2));
      if (!lv || lv->size() != rank)
        return l.fail("attention values from outside the block");
      for (size_t d = 0; d + 2 < rank; ++d)
        if (!l.unify((*la)[d], (*lv)[d]))
          return false;
      if (!l.unify((*lb)[rank - 2], (*lv)[rank - 2]))
        return false;
      l.record((*lv)[rank - 1], Matrix);
      out.push_back((*lv)[rank - 1]);
      if (op->getNumOperands() > 3)
        broadcasts.push_back({op->getOperand(3), op->getResult(0)});
      ++softmaxes;
    } else {
      out.push_back((*lb)[rank - 1]);
    }
    ++products;
    l.layouts[op->getResult(0)] = out;
    return true;
  }
  return l.fail("an unexpected " + op->getName().getStringRef().str());
}

bool BlockAnalysis::run() {
  for (Value root : region.roots) {
    Layouts::Layout layout;
    for (int64_t d : cast<RankedTensorType>(root.getType()).getShape())
      layout.push_back({l.newAtom(d)});
    l.layouts[root] = layout;
  }
  for (Operation *op : region.ops)
    if (!visit(op))
      return false;
  if (!softmaxes || products < 1)
    return l.fail("no softmax between products of activations");
  auto roles = l.resolveRoles();
  // The head: the batch atom of the output projection's input.
  std::optional<unsigned> head;
  for (Value end : region.ends) {
    auto it = l.layouts.find(end);
    if (it == l.layouts.end())
      return l.fail("the output projection reads a projection output");
    const Layouts::Layout &layout = it->second;
    SmallVector<unsigned> last = l.leaves(layout.back());
    if (last.empty() || roles.lookup(last.front()) != Batch)
      return l.fail("the output projection's input does not start with the "
                    "heads");
    if (head && *head != last.front())
      return l.fail("two output projections of different heads");
    head = last.front();
    for (unsigned a : ArrayRef(last).drop_front())
      if (roles.lookup(a) != Matrix)
        return l.fail("the output projection's input mixes heads and "
                      "other factors");
  }
  if (!head)
    return l.fail("no output projection");
  int64_t heads = l.size(*head);
  if (heads == kDynamic || heads < 2)
    return l.fail("fewer than two heads");
  // Per value: the axis that holds the head.
  for (auto &[v, layout] : l.layouts) {
    int64_t axis = -1;
    for (auto [d, a] : llvm::enumerate(layout))
      for (unsigned leaf : l.leaves(a))
        if (leaf == *head) {
          if (axis >= 0)
            return l.fail("a value holds the heads twice");
          axis = d;
        }
    region.headAxis[v] = axis;
  }
  for (auto [v, axis] : normalized)
    if (region.headAxis[v] == axis)
      return l.fail("a softmax across the heads");
  for (auto [operand, result] : broadcasts) {
    auto t = dyn_cast<RankedTensorType>(operand.getType());
    auto r = cast<RankedTensorType>(result.getType());
    int64_t axis = region.headAxis[result];
    if (!t)
      return l.fail("a mask of unknown rank");
    int64_t d = axis - (r.getRank() - t.getRank());
    if (axis >= 0 && d >= 0 && t.getDimSize(d) != 1) {
      return l.fail("a mask or constant that differs between heads");
    }
  }
  // Channel c of each projection output and input: its head.
  for (Value v : llvm::concat<Value>(region.roots, region.ends)) {
    const Layouts::Layout &layout = l.layouts[v];
    for (size_t d = 0; d + 1 < layout.size(); ++d)
      if (llvm::is_contained(l.leaves(layout[d]), *head))
        return l.fail("a projection holds the heads outside its channels");
    SmallVector<unsigned> last = l.leaves(layout.back());
    int64_t inner = 1;
    bool found = false;
    for (unsigned a : llvm::reverse(last)) {
      if (a == *head) {
        found = true;
        break;
      }
      if (!(roles.lookup(a) & (Matrix | Select)))
        return l.fail("a projection output with a part no head reads");
      inner *= l.size(a);
    }
    if (!found)
      return l.fail("a projection output without the heads");
    int64_t channels = cast<RankedTensorType>(v.getType()).getShape().back();
    SmallVector<int64_t> &headOf = region.headOf[v];
    for (int64_t c = 0; c < channels; ++c)
      headOf.push_back(c / inner % heads);
    if (llvm::is_contained(region.ends, v))
      region.headDim = inner;
  }
  region.numHeads = heads;
  return true;
}

} // namespace

std::vector<HeadRegion>
findHeadRegions(func::FuncOp func,
                std::vector<std::pair<Value, std::string>> *rejected) {
  // Each projection output and the ops up to the next projections.
  struct Candidate {
    Value root;
    llvm::SetVector<Operation *> ops;
    llvm::SetVector<Value> ends;
  };
  std::vector<Candidate> candidates;
  func.walk([&](Operation *op) {
    if (op->getNumResults() != 1 || !isProjectionOutput(op->getResult(0)))
      return;
    Candidate c;
    c.root = op->getResult(0);
    std::string why;
    bool ok = growClosure(c.root, c.ops, c.ends, why);
    if (!ok) {
      // Only what looks like attention gets a reason.
      if (rejected && llvm::any_of(c.ops, isSoftmax))
        rejected->push_back({c.root, why});
      return;
    }
    candidates.push_back(std::move(c));
  });
  // Candidates that share ops are one block.
  llvm::EquivalenceClasses<unsigned> classes;
  llvm::DenseMap<Operation *, unsigned> owner;
  for (auto [i, c] : llvm::enumerate(candidates)) {
    classes.insert(i);
    for (Operation *op : c.ops) {
      auto [it, inserted] = owner.insert({op, i});
      if (!inserted)
        classes.unionSets(it->second, i);
    }
  }
  std::vector<HeadRegion> regions;
  for (auto it = classes.begin(); it != classes.end(); ++it) {
    if (!it->isLeader())
      continue;
    HeadRegion region;
    llvm::SetVector<Operation *> ops;
    llvm::SetVector<Value> ends;
    for (auto m = classes.member_begin(it); m != classes.member_end(); ++m) {
      region.roots.push_back(candidates[*m].root);
      ops.insert(candidates[*m].ops.begin(), candidates[*m].ops.end());
      ends.insert(candidates[*m].ends.begin(), candidates[*m].ends.end());
    }
    // A block without a softmax (a transformer's MLP) is no attention.
    if (!llvm::any_of(ops, isSoftmax))
      continue;
    Block *body = &func.getBody().front();
    if (llvm::any_of(ops,
                     [&](Operation *op) { return op->getBlock() != body; })) {
      if (rejected)
        for (Value root : region.roots)
          rejected->push_back({root, "ops inside a nested region"});
      continue;
    }
    SmallVector<Operation *> sorted(ops.begin(), ops.end());
    llvm::sort(sorted, [](Operation *a, Operation *b) {
      return a->isBeforeInBlock(b);
    });
    region.ops.assign(sorted.begin(), sorted.end());
    region.ends.assign(ends.begin(), ends.end());
    for (Value end : region.ends) {
      auto t = cast<RankedTensorType>(end.getType());
      if (t.getRank() < 2 || t.getRank() > 3 ||
          t.isDynamicDim(t.getRank() - 1) || !end.getDefiningOp() ||
          !ops.contains(end.getDefiningOp())) {
        region.ends.clear();
        break;
      }
    }
    BlockAnalysis analysis(region, ops);
    if (region.ends.empty()) {
      if (rejected)
        for (Value root : region.roots)
          rejected->push_back(
              {root, "the block's output is not a projection's [.., H*D] "
                     "input"});
      continue;
    }
    if (!analysis.run()) {
      if (rejected)
        for (Value root : region.roots)
          rejected->push_back({root, analysis.why()});
      continue;
    }
    regions.push_back(std::move(region));
  }
  return regions;
}

LogicalResult shrinkHeadRegion(const HeadRegion &region, int64_t kept) {
  int64_t heads = region.numHeads;
  if (kept == heads)
    return success();
  auto scale = [&](int64_t d) -> std::optional<int64_t> {
    if (d % heads != 0)
      return std::nullopt;
    return d / heads * kept;
  };
  auto axisOf = [&](Value v) {
    auto it = region.headAxis.find(v);
    return it == region.headAxis.end() ? int64_t(-1) : it->second;
  };
  auto intConstant = [](OpBuilder &b, Location loc, ArrayRef<int64_t> values,
                        ArrayRef<int64_t> shape) {
    auto type = RankedTensorType::get(shape, b.getI64Type());
    return b
        .create<onnx::ConstantOp>(
            loc, TypeRange{type}, ValueRange{},
            b.getNamedAttr("value", DenseElementsAttr::get(type, values)))
        .getResult();
  };
  // The shape and bound constants replaced, erased when unused.
  llvm::SetVector<Operation *> old;
  auto setOperand = [&](Operation *op, unsigned i, Value v) {
    if (Operation *def = op->getOperand(i).getDefiningOp())
      old.insert(def);
    op->setOperand(i, v);
  };
  for (Operation *op : region.ops) {
    OpBuilder b(op);
    Location loc = op->getLoc();
    if (auto reshape = dyn_cast<onnx::ReshapeOp>(op)) {
      int64_t axis = axisOf(reshape.getResult());
      Value shape = reshape.getShape();
      auto shapeType = cast<RankedTensorType>(shape.getType());
      if (axis >= 0) {
        if (auto values = onnx::getConstantInts(shape)) {
          SmallVector<int64_t> v(*values);
          if (v[axis] > 0) {
            auto s = scale(v[axis]);
            if (!s)
              return op->emitError("cannot remove heads: the shape does "
                                   "not hold the head count");
            v[axis] = *s;
          }
          setOperand(op, 1, intConstant(b, loc, v, shapeType.getShape()));
        } else {
          // Computed shapes: entry `axis` times kept / heads.
          int64_t n = shapeType.getDimSize(0);
          SmallVector<int64_t> mul(n, 1), div(n, 1);
          mul[axis] = kept;
          div[axis] = heads;
          Value m = b.create<onnx::MulOp>(
              loc, TypeRange{shapeType},
              ValueRange{shape, intConstant(b, loc, mul, {n})});
          Value d = b.create<onnx::DivOp>(
              loc, TypeRange{shapeType},
              ValueRange{m, intConstant(b, loc, div, {n})});
          op->setOperand(1, d); // The old shape feeds the new one.
        }
      }
    } else if (auto slice = dyn_cast<onnx::SliceOp>(op)) {
      int64_t axis = axisOf(slice.getData());
      if (axis >= 0) {
        auto rank = cast<RankedTensorType>(slice.getData().getType()).getRank();
        SmallVector<int64_t> axes;
        if (!isa<NoneType>(slice.getAxes().getType()))
          axes = *onnx::getConstantInts(slice.getAxes());
        else
          for (int64_t i = 0; i < rank; ++i)
            axes.push_back(i);
        for (unsigned operand : {1u, 2u}) {
          SmallVector<int64_t> v =
              *onnx::getConstantInts(op->getOperand(operand));
          for (size_t i = 0; i < v.size(); ++i) {
            int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
            if (a != axis || std::abs(v[i]) >= (int64_t(1) << 40))
              continue;
            auto s = scale(v[i]);
            if (!s)
              return op->emitError("cannot remove heads: a slice bound is "
                                   "not a multiple of the head count");
            v[i] = *s;
          }
          auto t = cast<RankedTensorType>(op->getOperand(operand).getType());
          setOperand(op, operand, intConstant(b, loc, v, t.getShape()));
        }
      }
    } else if (auto split = dyn_cast<onnx::SplitOp>(op)) {
      int64_t axis = axisOf(split.getInput());
      auto rank = cast<RankedTensorType>(split.getInput().getType()).getRank();
      int64_t splitAxis =
          split.getAxis() < 0 ? split.getAxis() + rank : split.getAxis();
      if (axis >= 0 && axis == splitAxis &&
          !isa<NoneType>(split.getSplit().getType())) {
        SmallVector<int64_t> v = *onnx::getConstantInts(split.getSplit());
        for (int64_t &s : v) {
          auto n = scale(s);
          if (!n)
            return op->emitError("cannot remove heads: a split size is not "
                                 "a multiple of the head count");
          s = *n;
        }
        auto t = cast<RankedTensorType>(split.getSplit().getType());
        setOperand(op, 1, intConstant(b, loc, v, t.getShape()));
      }
    } else if (isAttentionOp(op)) {
      auto attr = op->getAttrOfType<IntegerAttr>("num_heads");
      if (attr && attr.getInt() == heads)
        op->setAttr("num_heads", b.getI64IntegerAttr(kept));
    }
    for (Value r : op->getResults()) {
      int64_t axis = axisOf(r);
      auto type = dyn_cast<RankedTensorType>(r.getType());
      if (axis < 0 || !type || type.isDynamicDim(axis))
        continue;
      SmallVector<int64_t> shape(type.getShape());
      auto s = scale(shape[axis]);
      if (!s)
        return op->emitError("cannot remove heads: a dimension is not a "
                             "multiple of the head count");
      shape[axis] = *s;
      r.setType(RankedTensorType::get(shape, type.getElementType()));
    }
  }
  for (Operation *op : old)
    if (isa<onnx::ConstantOp>(op) && op->use_empty())
      op->erase();
  return success();
}

} // namespace fulcrum::prune
