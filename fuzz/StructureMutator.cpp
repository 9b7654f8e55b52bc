//===- StructureMutator.cpp - Structure-aware mutations of ONNX models ----===//
//
// Part of Fulcrum. A libFuzzer custom mutator: parses the input as a
// ModelProto and changes one thing a model can get wrong while staying a
// well-formed protobuf: a dimension (to 0, -1, a huge value), an attribute
// value, an operator type, a node's inputs or outputs (swapped, renamed,
// dropped), a node (duplicated, removed, moved: cycles and use before
// definition), an element type, an opset, a tensor's data (truncated), a
// subgraph (nested into itself). Inputs that do not parse get libFuzzer's
// byte mutations.
//
//===----------------------------------------------------------------------===//

#include "onnx/onnx_pb.h"

#include <cstdint>
#include <cstring>
#include <random>
#include <string>

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

namespace {
using Rng = std::minstd_rand;

template <typename T> T pick(Rng &rng, std::initializer_list<T> values) {
  return *(values.begin() + rng() % values.size());
}

int64_t oddDimension(Rng &rng) {
  return pick<int64_t>(rng, {0, 1, -1, 2, 3, 7, 1 << 16, int64_t(1) << 31,
                             int64_t(1) << 40, INT64_MAX, INT64_MIN});
}

onnx::GraphProto *someGraph(onnx::GraphProto *graph, Rng &rng) {
  // Descend into a random subgraph now and then.
  for (int depth = 0; depth < 4 && graph->node_size() && rng() % 3 == 0;
       ++depth) {
    onnx::NodeProto *node = graph->mutable_node(rng() % graph->node_size());
    onnx::GraphProto *sub = nullptr;
    for (auto &attr : *node->mutable_attribute())
      if (attr.has_g())
        sub = attr.mutable_g();
    if (!sub)
      break;
    graph = sub;
  }
  return graph;
}

void mutateShape(onnx::TypeProto *type, Rng &rng) {
  if (!type->has_tensor_type())
    return;
  auto *shape = type->mutable_tensor_type()->mutable_shape();
  switch (rng() % 4) {
  case 0:
    if (shape->dim_size())
      shape->mutable_dim(rng() % shape->dim_size())
          ->set_dim_value(oddDimension(rng));
    break;
  case 1:
    shape->add_dim()->set_dim_value(oddDimension(rng));
    break;
  case 2:
    if (shape->dim_size())
      shape->mutable_dim()->RemoveLast();
    break;
  default:
    type->mutable_tensor_type()->set_elem_type(rng() % 24);
  }
}

void mutateTensor(onnx::TensorProto *t, Rng &rng) {
  switch (rng() % 4) {
  case 0:
    if (t->dims_size())
      t->set_dims(rng() % t->dims_size(), oddDimension(rng));
    break;
  case 1:
    if (!t->raw_data().empty())
      t->mutable_raw_data()->resize(rng() % t->raw_data().size());
    break;
  case 2:
    t->set_data_type(rng() % 24);
    break;
  default:
    t->add_dims(oddDimension(rng));
  }
}

void mutateNode(onnx::GraphProto *graph, Rng &rng) {
  if (!graph->node_size())
    return;
  onnx::NodeProto *node = graph->mutable_node(rng() % graph->node_size());
  switch (rng() % 9) {
  case 0: {
    static const char *ops[] = {"Add",     "Relu",   "Conv",     "Gemm",
                                "Reshape", "Concat", "If",       "Loop",
                                "Scan",    "Gather", "Identity", "Expand",
                                "Slice",   "Resize", "NoSuchOp", ""};
    node->set_op_type(ops[rng() % (sizeof ops / sizeof *ops)]);
    break;
  }
  case 1:
    if (node->input_size()) {
      // An input from another node's first output (use before definition,
      // cycles, type mismatches).
      const onnx::NodeProto &other = graph->node(rng() % graph->node_size());
      node->set_input(rng() % node->input_size(),
                      other.output_size() ? other.output(0) : "");
    }
    break;
  case 2:
    if (node->input_size())
      node->mutable_input()->RemoveLast();
    else
      node->add_input("x");
    break;
  case 3:
    if (node->output_size())
      node->set_output(0, node->input_size() ? node->input(0) : "");
    break;
  case 4:
    if (node->attribute_size()) {
      auto *attr = node->mutable_attribute(rng() % node->attribute_size());
      if (attr->ints_size())
        attr->set_ints(rng() % attr->ints_size(), oddDimension(rng));
      else
        attr->set_i(oddDimension(rng));
    }
    break;
  case 5:
    *graph->add_node() = *node; // duplicated outputs
    break;
  case 6: // move a node to the front: uses before definitions, or a cycle
    if (graph->node_size() > 1)
      graph->mutable_node()->SwapElements(0, rng() % graph->node_size());
    break;
  case 7:
    graph->mutable_node()->DeleteSubrange(rng() % graph->node_size(), 1);
    break;
  default:
    for (auto &attr : *node->mutable_attribute())
      if (attr.has_g()) { // a subgraph nested into itself
        onnx::GraphProto copy = attr.g();
        *attr.mutable_g() = copy;
        if (copy.node_size())
          for (auto &inner :
               *attr.mutable_g()->mutable_node(0)->mutable_attribute())
            if (inner.has_g())
              *inner.mutable_g() = copy;
      }
  }
}

void mutateModel(onnx::ModelProto &model, Rng &rng) {
  onnx::GraphProto *graph = someGraph(model.mutable_graph(), rng);
  switch (rng() % 6) {
  case 0:
  case 1:
    mutateNode(graph, rng);
    break;
  case 2: {
    int n =
        graph->input_size() + graph->output_size() + graph->value_info_size();
    if (!n)
      break;
    int k = rng() % n;
    onnx::ValueInfoProto *v =
        k < graph->input_size() ? graph->mutable_input(k)
        : (k -= graph->input_size()) < graph->output_size()
            ? graph->mutable_output(k)
            : graph->mutable_value_info(k - graph->output_size());
    mutateShape(v->mutable_type(), rng);
    break;
  }
  case 3:
    if (graph->initializer_size())
      mutateTensor(
          graph->mutable_initializer(rng() % graph->initializer_size()), rng);
    break;
  case 4:
    if (model.opset_import_size())
      model.mutable_opset_import(0)->set_version(
          pick<int64_t>(rng, {1, 6, 7, 9, 11, 13, 16, 17, 18, 1000, -1}));
    break;
  default:
    if (graph->node_size()) {
      onnx::NodeProto *node = graph->mutable_node(rng() % graph->node_size());
      for (auto &attr : *node->mutable_attribute())
        if (attr.has_t())
          mutateTensor(attr.mutable_t(), rng);
    }
  }
}
} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned int seed) {
  onnx::ModelProto model;
  Rng rng(seed);
  if (size == 0 || rng() % 8 == 0 ||
      !model.ParseFromArray(data, static_cast<int>(size)))
    return LLVMFuzzerMutate(data, size, maxSize);
  for (unsigned n = 1 + rng() % 3; n; --n)
    mutateModel(model, rng);
  std::string out = model.SerializeAsString();
  if (out.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}
