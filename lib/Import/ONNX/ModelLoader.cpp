//===- ModelLoader.cpp - Parse, check, upgrade, infer an ONNX model -------===//
//
// Part of Fulcrum. Everything the importer does with libonnx before it
// builds MLIR. libonnx reports errors with exceptions; they are caught here
// and turned into located diagnostics.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

#include "onnx/checker.h"
#include "onnx/defs/parser.h"
#include "onnx/defs/schema.h"
#include "onnx/shape_inference/implementation.h"
#include "onnx/version_converter/convert.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>

#include <unistd.h>

#include <map>

using namespace mlir;

namespace fulcrum::detail {

namespace {

/// The default domain's opset version, or -1.
int64_t defaultOpset(const ::onnx::ModelProto &model) {
  for (const auto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      return o.version();
  return -1;
}

/// Checks that every node (including those of subgraphs) is an operator of
/// the default ONNX domain known at the model's opset; names the offending
/// node otherwise. This is the importer's clearest error for unknown ops, so
/// it runs before libonnx's checker.
LogicalResult checkOperators(const ImportContext &ctx,
                             const ::onnx::GraphProto &graph,
                             const std::map<std::string, int64_t> &opsets) {
  for (auto [index, node] : llvm::enumerate(graph.node())) {
    std::string name = nodeName(node, index);
    std::string domain = node.domain() == "ai.onnx" ? "" : node.domain();
    if (domain == kTrainingDomain && isImportedTrainingOp(node.op_type())) {
      auto version = opsets.find(domain);
      if (version == opsets.end() ||
          !::onnx::OpSchemaRegistry::Schema(
              node.op_type(), static_cast<int>(version->second), domain)) {
        ctx.emitError() << "node '" << name << "' (" << node.op_type()
                        << "): unknown operator '" << node.op_type()
                        << "' in domain '" << domain
                        << "' at the model's opsets";
        return failure();
      }
      continue;
    }
    if (!domain.empty()) {
      ctx.emitError() << "node '" << name << "' (" << node.op_type()
                      << "): operator domain '" << domain
                      << "' is not supported; Fulcrum imports the default "
                         "ONNX domain (and Adagrad, Adam and Momentum of '"
                      << kTrainingDomain << "')";
      return failure();
    }
    auto it = opsets.find("");
    if (it == opsets.end()) {
      ctx.emitError() << "node '" << name << "' (" << node.op_type()
                      << "): the model imports no opset of the default "
                         "ONNX domain";
      return failure();
    }
    const ::onnx::OpSchema *schema = ::onnx::OpSchemaRegistry::Schema(
        node.op_type(), static_cast<int>(it->second), "");
    if (!schema) {
      ctx.emitError() << "node '" << name << "' (" << node.op_type()
                      << "): unknown operator '" << node.op_type()
                      << "' in the default ONNX domain at opset " << it->second;
      return failure();
    }
    for (const ::onnx::AttributeProto &attr : node.attribute()) {
      if (attr.has_g() && failed(checkOperators(ctx, attr.g(), opsets)))
        return failure();
      for (const ::onnx::GraphProto &g : attr.graphs())
        if (failed(checkOperators(ctx, g, opsets)))
          return failure();
    }
  }
  return success();
}

/// Whether two graphs have the same inputs and outputs (names and types).
bool sameInterface(const ::onnx::GraphProto &a, const ::onnx::GraphProto &b) {
  auto same = [](const auto &x, const auto &y) {
    if (x.size() != y.size())
      return false;
    for (int i = 0; i < x.size(); ++i)
      if (x.Get(i).name() != y.Get(i).name() ||
          x.Get(i).type().SerializeAsString() !=
              y.Get(i).type().SerializeAsString())
        return false;
    return true;
  };
  return same(a.input(), b.input()) && same(a.output(), b.output());
}

/// Whether some node's schema at the model's opset differs from the one at
/// `target`, i.e. whether the model needs the version converter.
bool needsConversion(const ::onnx::GraphProto &graph, int64_t opset,
                     int64_t target) {
  for (const ::onnx::NodeProto &node : graph.node()) {
    if (node.domain() == kTrainingDomain)
      continue;
    const ::onnx::OpSchema *from = ::onnx::OpSchemaRegistry::Schema(
        node.op_type(), static_cast<int>(opset), "");
    const ::onnx::OpSchema *to = ::onnx::OpSchemaRegistry::Schema(
        node.op_type(), static_cast<int>(target), "");
    if (!from || !to || from->since_version() != to->since_version())
      return true;
    for (const ::onnx::AttributeProto &attr : node.attribute())
      if (attr.has_g() && needsConversion(attr.g(), opset, target))
        return true;
  }
  return false;
}

/// Runs libonnx's checker on the model (with the model directory for
/// external data).
LogicalResult checkModel(const ImportContext &ctx,
                         const ::onnx::ModelProto &model,
                         std::string &message) {
  try {
    ::onnx::checker::CheckerContext checker;
    if (!model.has_ir_version())
      throw ::onnx::checker::ValidationError(
          "the model does not set ir_version");
    checker.set_ir_version(static_cast<int>(model.ir_version()));
    std::unordered_map<std::string, int> opsets;
    for (const auto &o : model.opset_import())
      opsets[o.domain()] = static_cast<int>(o.version());
    checker.set_opset_imports(opsets);
    checker.set_model_dir(ctx.modelDir);
    checker.set_is_main_graph(true);
    checker.set_schema_registry(::onnx::OpSchemaRegistry::Instance());
    ::onnx::checker::LexicalScopeContext lex;
    ::onnx::checker::check_graph(model.graph(), checker, lex);
  } catch (const std::exception &e) {
    message = e.what();
    return failure();
  }
  return success();
}

/// Moves the raw bytes of large initializers out of `model`, so that the
/// version converter (which copies the whole model) does not copy weights.
std::map<std::string, std::string> detachWeights(::onnx::ModelProto &model) {
  std::map<std::string, std::string> weights;
  for (::onnx::TensorProto &t : *model.mutable_graph()->mutable_initializer())
    if (t.raw_data().size() > 4096 && !t.name().empty())
      weights[t.name()].swap(*t.mutable_raw_data());
  return weights;
}

/// Puts detached weights back into `model`; fails if one is missing.
bool attachWeights(::onnx::ModelProto &model,
                   std::map<std::string, std::string> &weights) {
  size_t attached = 0;
  for (::onnx::TensorProto &t : *model.mutable_graph()->mutable_initializer()) {
    auto it = weights.find(t.name());
    if (it == weights.end() || !t.raw_data().empty())
      continue;
    t.mutable_raw_data()->swap(it->second);
    ++attached;
  }
  return attached == weights.size();
}

/// Strips a libonnx message to its first line.
std::string firstLine(const std::string &s) {
  std::string line = s.substr(0, s.find('\n'));
  return llvm::StringRef(line).trim().str();
}

} // namespace

/// Parses the model from `source`: its buffer, or else its file, streamed so
/// that the file's bytes are never all in memory next to the parsed model.
static LogicalResult parseModel(const ImportContext &ctx,
                                const ModelSource &source,
                                ::onnx::ModelProto &model) {
  if (llvm::StringRef(ctx.path).ends_with(".onnxtxt")) {
    std::string text;
    if (source.buffer) {
      text = source.buffer->getBuffer().str();
    } else {
      auto file = llvm::MemoryBuffer::getFile(ctx.path);
      if (!file) {
        ctx.emitError() << "cannot read '" << ctx.path
                        << "': " << file.getError().message();
        return failure();
      }
      text = (*file)->getBuffer().str();
    }
    if (failed(checkTextNesting(ctx, text)))
      return failure();
    try {
      ::onnx::OnnxParser parser(text.c_str());
      auto status = parser.Parse(model);
      if (status.IsOK())
        return success();
      ctx.emitError() << "cannot parse the ONNX text: "
                      << firstLine(status.ErrorMessage());
    } catch (const std::exception &e) {
      ctx.emitError() << "cannot parse the ONNX text: " << firstLine(e.what());
    }
    return failure();
  }
  // Protobuf's default recursion limit (100 messages) stops subgraphs
  // about 33 levels deep with no reason given; a higher one lets the
  // limits check (checkModelLimits) name the reason, and still bounds the
  // parser's recursion.
  auto parse = [&](::google::protobuf::io::ZeroCopyInputStream &in) {
    ::google::protobuf::io::CodedInputStream coded(&in);
    coded.SetRecursionLimit(400);
    return model.ParseFromCodedStream(&coded) && coded.ConsumedEntireMessage();
  };
  bool parsed;
  uint64_t size;
  if (source.buffer) {
    size = source.buffer->getBufferSize();
    ::google::protobuf::io::ArrayInputStream in(source.buffer->getBufferStart(),
                                                static_cast<int>(size));
    parsed = size <= INT_MAX && parse(in);
  } else {
    int fd;
    if (std::error_code ec = llvm::sys::fs::openFileForRead(ctx.path, fd)) {
      ctx.emitError() << "cannot read '" << ctx.path << "': " << ec.message();
      return failure();
    }
    llvm::sys::fs::file_status status;
    size = llvm::sys::fs::status(fd, status) ? 0 : status.getSize();
    ::google::protobuf::io::FileInputStream in(fd);
    parsed = parse(in);
    ::close(fd);
  }
  if (!parsed) {
    ctx.emitError() << "not a valid ONNX model: the protobuf is truncated or "
                       "corrupted ("
                    << size << " bytes)";
    return failure();
  }
  return success();
}

LogicalResult loadModel(const ImportContext &ctx, const ModelSource &source,
                        const ONNXImportOptions &options, bool allowConversion,
                        ::onnx::ModelProto &model, int64_t &convertedFrom) {
  convertedFrom = -1;
  // 1. Parse.
  if (failed(parseModel(ctx, source, model)))
    return failure();
  if (!model.has_graph() || model.opset_import_size() == 0) {
    ctx.emitError() << "not a valid ONNX model: "
                    << (model.has_graph() ? "no opset_import"
                                          : "the model has no graph");
    return failure();
  }
  if (model.functions_size() != 0) {
    ctx.emitError() << "model-local functions are not supported (the model "
                       "defines '"
                    << model.functions(0).name() << "')";
    return failure();
  }

  // 2. Resource limits, operators and libonnx's checker.
  if (failed(checkModelLimits(ctx, model)))
    return failure();
  std::map<std::string, int64_t> opsets;
  for (const auto &o : model.opset_import())
    opsets[o.domain() == "ai.onnx" ? "" : o.domain()] = o.version();
  if (failed(checkOperators(ctx, model.graph(), opsets)))
    return failure();
  int64_t opset = defaultOpset(model);
  if (opset > kMaxOpset) {
    ctx.emitError() << "the model uses opset " << opset
                    << " of the default domain; Fulcrum supports opsets up to "
                    << kMaxOpset;
    return failure();
  }
  if (options.targetOpset > kMaxOpset) {
    ctx.emitError() << "the target opset " << options.targetOpset
                    << " is newer than the onnx dialect's opset " << kMaxOpset;
    return failure();
  }
  std::string message;
  if (failed(checkModel(ctx, model, message))) {
    ctx.emitError() << "invalid model: " << firstLine(message);
    return failure();
  }

  // 3. Upgrade to the target opset where some operator changed since, one
  // opset at a time with shape inference before each step (adapters such as
  // Softmax 12 -> 13 need ranks). A step that fails, or that is not
  // faithful, stops the upgrade there: the model keeps the opsets reached,
  // and operators that changed later are imported at their own versions.
  // (A model of the training domain alone has no default opset.)
  if (allowConversion && opset >= 0 && opset < options.targetOpset &&
      needsConversion(model.graph(), opset, options.targetOpset)) {
    auto weights = detachWeights(model);
    ::onnx::ModelProto current = model;
    int64_t reached = opset;
    for (int64_t step = opset + 1; step <= options.targetOpset; ++step) {
      // In a child process: the converter crashes on some malformed
      // models (Isolation.cpp).
      ::onnx::ModelProto next = current;
      if (failed(runIsolated(
              next,
              [&](::onnx::ModelProto &m) {
                try {
                  ::onnx::shape_inference::InferShapes(
                      m, ::onnx::OpSchemaRegistry::Instance());
                } catch (const std::exception &) {
                  // Shapes help some adapters; the step may still succeed.
                }
                m = ::onnx::version_conversion::ConvertVersion(
                    m, static_cast<int>(step));
              },
              message)))
        break;
      // The converter keeps the old IR version, which may be too old for
      // what it produced (initializers that are not graph inputs).
      next.set_ir_version(std::max<int64_t>(next.ir_version(), 8));
      // Some adapters change the model's interface (Scan-8 -> 9 drops the
      // batch axis of the graph's inputs): such an upgrade is not faithful.
      if (!sameInterface(model.graph(), next.graph())) {
        message = "the upgrade changes the graph's input or output types";
        break;
      }
      current.Swap(&next);
      reached = step;
    }
    if (reached > opset) {
      bool attached = attachWeights(current, weights);
      if (!attached)
        message = "initializers were renamed";
      if (attached && succeeded(checkModel(ctx, current, message))) {
        model.Swap(&current);
        convertedFrom = opset;
      } else {
        // Back to the model as it came.
        for (auto &[name, data] : detachWeights(current))
          weights[name].swap(data);
        reached = opset;
      }
    }
    if (reached == opset && !attachWeights(model, weights)) {
      ctx.emitError() << "internal error: lost initializer data while "
                         "upgrading the model";
      return failure();
    }
    if (reached < options.targetOpset)
      emitRemark(ctx.fileLoc)
          << "the ONNX version converter cannot upgrade opset " << reached
          << " to " << reached + 1 << " (" << firstLine(message)
          << "); operators that changed since opset " << reached
          << " are imported at their own versions";
  }

  // 4. Types and shapes of every value.
  // In a child process: libonnx's inference crashes on some malformed
  // models (Isolation.cpp); large weights stay here.
  if (options.shapeInference) {
    auto weights = detachWeights(model);
    LogicalResult inferred = runIsolated(
        model,
        [](::onnx::ModelProto &m) {
          ::onnx::ShapeInferenceOptions inferOptions(/*check_type=*/true,
                                                     /*strict_mode=*/1,
                                                     /*data_prop=*/true);
          ::onnx::shape_inference::InferShapes(
              m, ::onnx::OpSchemaRegistry::Instance(), inferOptions);
        },
        message);
    if (failed(inferred)) {
      ctx.emitError() << "shape inference failed: " << firstLine(message);
      return failure();
    }
    if (!attachWeights(model, weights)) {
      ctx.emitError() << "internal error: lost initializer data in shape "
                         "inference";
      return failure();
    }
  }
  return success();
}

} // namespace fulcrum::detail
