//===- Limits.cpp - Resource limits the importer enforces -----------------===//
//
// Part of Fulcrum. A model is checked against these limits right after it
// is parsed, before the importer (or libonnx) allocates anything sized by
// the model's numbers: absurd ranks, dimensions and element counts, and
// subgraphs nested deeper than recursion can safely follow. External data
// offsets and lengths are checked against the file in TensorImporter.cpp.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace fulcrum::detail {

std::optional<uint64_t> checkedElementCount(llvm::ArrayRef<int64_t> shape) {
  uint64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0)
      return std::nullopt;
    if (__builtin_mul_overflow(count, static_cast<uint64_t>(d), &count))
      return std::nullopt;
  }
  return count;
}

LogicalResult checkShapeLimits(const ImportContext &ctx,
                               llvm::ArrayRef<int64_t> shape,
                               llvm::StringRef what) {
  if (shape.size() > kMaxRank) {
    ctx.emitError() << what << ": rank " << shape.size()
                    << " exceeds the limit of " << kMaxRank;
    return failure();
  }
  for (int64_t d : shape)
    if (d > kMaxElements) {
      ctx.emitError() << what << ": dimension " << d << " exceeds the limit of "
                      << kMaxElements << " elements";
      return failure();
    }
  SmallVector<int64_t> known;
  for (int64_t d : shape)
    if (d >= 0)
      known.push_back(d);
  std::optional<uint64_t> count = checkedElementCount(known);
  if (!count || *count > static_cast<uint64_t>(kMaxElements)) {
    auto diag = ctx.emitError();
    diag << what << ": shape [";
    llvm::interleave(
        shape, [&](int64_t d) { diag << d; }, [&] { diag << "x"; });
    diag << "] has more than " << kMaxElements
         << " elements, the limit of a tensor";
    return failure();
  }
  return success();
}

namespace {
LogicalResult checkTensor(const ImportContext &ctx,
                          const ::onnx::TensorProto &t, StringRef what) {
  SmallVector<int64_t> dims(t.dims().begin(), t.dims().end());
  for (int64_t d : dims)
    if (d < 0) {
      ctx.emitError() << what << ": negative dimension " << d;
      return failure();
    }
  return checkShapeLimits(ctx, dims, what);
}

LogicalResult checkType(const ImportContext &ctx, const ::onnx::TypeProto &type,
                        StringRef what, int depth = 0) {
  // Sequence and optional types nest; a deep nest is no real model.
  if (depth > kMaxSubgraphDepth) {
    ctx.emitError() << what << ": the type nests more than "
                    << kMaxSubgraphDepth << " levels deep";
    return failure();
  }
  if (type.has_sequence_type() && type.sequence_type().has_elem_type())
    return checkType(ctx, type.sequence_type().elem_type(), what, depth + 1);
  if (type.has_optional_type() && type.optional_type().has_elem_type())
    return checkType(ctx, type.optional_type().elem_type(), what, depth + 1);
  if (!type.has_tensor_type() || !type.tensor_type().has_shape())
    return success();
  SmallVector<int64_t> shape;
  for (const auto &d : type.tensor_type().shape().dim())
    shape.push_back(d.has_dim_value() ? d.dim_value() : -1);
  return checkShapeLimits(ctx, shape, what);
}

/// Names visible in a graph: its own, then its enclosing graphs'.
using Scopes = SmallVector<llvm::StringSet<>, 4>;

LogicalResult checkGraph(const ImportContext &ctx,
                         const ::onnx::GraphProto &graph, int depth,
                         StringRef where, Scopes &scopes) {
  if (depth > kMaxSubgraphDepth) {
    ctx.emitError() << where << ": subgraphs are nested more than "
                    << kMaxSubgraphDepth << " levels deep";
    return failure();
  }
  for (const ::onnx::TensorProto &t : graph.initializer())
    if (failed(checkTensor(ctx, t, "initializer '" + t.name() + "'")))
      return failure();
  for (const ::onnx::SparseTensorProto &t : graph.sparse_initializer()) {
    std::string what = "sparse initializer '" + t.values().name() + "'";
    SmallVector<int64_t> dims(t.dims().begin(), t.dims().end());
    for (int64_t d : dims)
      if (d <= 0) {
        ctx.emitError() << what << ": dimension " << d << " is not positive";
        return failure();
      }
    if (failed(checkShapeLimits(ctx, dims, what)) ||
        failed(checkTensor(ctx, t.values(), what)) ||
        failed(checkTensor(ctx, t.indices(), what)))
      return failure();
  }
  for (const auto *values :
       {&graph.input(), &graph.output(), &graph.value_info()})
    for (const ::onnx::ValueInfoProto &v : *values)
      if (failed(checkType(ctx, v.type(), "value '" + v.name() + "'")))
        return failure();
  // Every graph output is defined (libonnx's checker does not check; its
  // version converter crashes on such a graph).
  scopes.emplace_back();
  for (const auto &v : graph.input())
    scopes.back().insert(v.name());
  for (const auto &t : graph.initializer())
    scopes.back().insert(t.name());
  for (const auto &t : graph.sparse_initializer())
    scopes.back().insert(t.values().name());
  for (const auto &node : graph.node())
    for (const std::string &out : node.output())
      scopes.back().insert(out);
  for (const auto &v : graph.output())
    if (llvm::none_of(scopes, [&](const llvm::StringSet<> &scope) {
          return scope.contains(v.name());
        })) {
      ctx.emitError() << where << ": graph output '" << v.name()
                      << "' is not produced by any node, input or initializer";
      return failure();
    }
  auto popScope = llvm::make_scope_exit([&] { scopes.pop_back(); });
  for (auto [index, node] : llvm::enumerate(graph.node())) {
    std::string name =
        "node '" + nodeName(node, index) + "' (" + node.op_type() + ")";
    for (const ::onnx::AttributeProto &attr : node.attribute()) {
      std::string what = name + " attribute '" + attr.name() + "'";
      if (attr.has_t() && failed(checkTensor(ctx, attr.t(), what)))
        return failure();
      for (const ::onnx::TensorProto &t : attr.tensors())
        if (failed(checkTensor(ctx, t, what)))
          return failure();
      if (attr.has_tp() && failed(checkType(ctx, attr.tp(), what)))
        return failure();
      if (attr.has_sparse_tensor()) {
        const auto &s = attr.sparse_tensor();
        SmallVector<int64_t> dims(s.dims().begin(), s.dims().end());
        for (int64_t d : dims)
          if (d <= 0) {
            ctx.emitError()
                << what << ": dimension " << d << " is not positive";
            return failure();
          }
        if (failed(checkShapeLimits(ctx, dims, what)) ||
            failed(checkTensor(ctx, s.values(), what)) ||
            failed(checkTensor(ctx, s.indices(), what)))
          return failure();
      }
      if (attr.has_g() &&
          failed(checkGraph(ctx, attr.g(), depth + 1, what, scopes)))
        return failure();
      for (const ::onnx::GraphProto &g : attr.graphs())
        if (failed(checkGraph(ctx, g, depth + 1, what, scopes)))
          return failure();
    }
  }
  return success();
}
} // namespace

LogicalResult checkModelLimits(const ImportContext &ctx,
                               const ::onnx::ModelProto &model) {
  Scopes scopes;
  return checkGraph(ctx, model.graph(), 0, "the main graph", scopes);
}

LogicalResult checkTextNesting(const ImportContext &ctx, StringRef text) {
  // Each subgraph of ONNX's textual syntax is a braced block; the parser
  // descends recursively, so the nesting is bounded before it runs.
  int depth = 0;
  for (char c : text) {
    if (c == '{' && ++depth > kMaxSubgraphDepth + 1) {
      ctx.emitError() << "cannot parse the ONNX text: subgraphs are nested "
                         "more than "
                      << kMaxSubgraphDepth << " levels deep";
      return failure();
    }
    if (c == '}')
      --depth;
  }
  return success();
}

} // namespace fulcrum::detail
