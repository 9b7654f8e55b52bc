//===- GraphImporter.cpp - ONNX graphs to onnx-dialect MLIR ---------------===//
//
// Part of Fulcrum. Builds the module: the main graph becomes a `func.func`,
// every node its `onnx.*` operation (at the operator's latest version, or
// `onnx.<Name>V<version>` when the model could not be upgraded), initializers
// `onnx.Constant`s holding `dense_resource` blobs, and subgraphs regions.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include "onnx/defs/schema.h"

#include <unordered_map>

using namespace mlir;

namespace fulcrum {
namespace {

using detail::ImportContext;

class GraphImporter {
public:
  GraphImporter(const ImportContext &ctx, ::onnx::ModelProto &model,
                const ONNXImportOptions &options)
      : ctx(ctx), model(model), options(options), builder(ctx.context) {
    for (const auto &o : model.opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx")
        opset = o.version();
  }

  OwningOpRef<ModuleOp> importModel();

private:
  /// Values visible in the current (sub)graph, innermost scope last.
  using Scope = std::unordered_map<std::string, Value>;

  Value lookup(const std::string &name) const {
    for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
      auto found = it->find(name);
      if (found != it->end())
        return found->second;
    }
    return nullptr;
  }

  /// Records the type of every named value the graph describes.
  void collectValueInfos(const ::onnx::GraphProto &graph);
  LogicalResult importInitializers(::onnx::GraphProto &graph);
  LogicalResult importNodes(::onnx::GraphProto &graph);
  LogicalResult importNode(::onnx::NodeProto &node, size_t index);
  LogicalResult importSubgraph(::onnx::GraphProto &graph, Region &region,
                               const std::string &where);
  FailureOr<Attribute> convertAttribute(::onnx::AttributeProto &attr,
                                        const std::string &where);
  Value noValue(Location loc);

  Location nodeLoc(const std::string &name) {
    return NameLoc::get(StringAttr::get(ctx.context, name), ctx.fileLoc);
  }

  const ImportContext &ctx;
  ::onnx::ModelProto &model;
  const ONNXImportOptions &options;
  OpBuilder builder;
  int64_t opset = 0;
  std::vector<Scope> scopes;
  /// Types from value_info, graph inputs and outputs, by value name.
  std::vector<std::unordered_map<std::string, const ::onnx::TypeProto *>>
      typeScopes;
};

void GraphImporter::collectValueInfos(const ::onnx::GraphProto &graph) {
  auto &types = typeScopes.back();
  for (const auto *list :
       {&graph.input(), &graph.output(), &graph.value_info()})
    for (const ::onnx::ValueInfoProto &vi : *list)
      if (vi.has_type() &&
          vi.type().value_case() != ::onnx::TypeProto::VALUE_NOT_SET)
        types[vi.name()] = &vi.type();
}

Value GraphImporter::noValue(Location loc) {
  return builder.create<onnx::NoValueOp>(loc, builder.getNoneType());
}

LogicalResult GraphImporter::importInitializers(::onnx::GraphProto &graph) {
  for (::onnx::TensorProto &init : *graph.mutable_initializer()) {
    std::string what = "initializer '" + init.name() + "'";
    ElementsAttr value =
        detail::convertTensor(ctx, init, /*forceResource=*/true, what);
    if (!value)
      return failure();
    Location loc = nodeLoc(init.name());
    OperationState state(loc, onnx::ConstantOp::getOperationName());
    state.addTypes(value.getType());
    state.addAttribute("value", value);
    scopes.back()[init.name()] = builder.create(state)->getResult(0);
  }
  for (::onnx::SparseTensorProto &init : *graph.mutable_sparse_initializer()) {
    std::string what = "sparse initializer '" + init.values().name() + "'";
    ElementsAttr value = detail::convertSparseTensor(ctx, init, what);
    if (!value)
      return failure();
    OperationState state(nodeLoc(init.values().name()),
                         onnx::ConstantOp::getOperationName());
    state.addTypes(value.getType());
    state.addAttribute("sparse_value", value);
    scopes.back()[init.values().name()] = builder.create(state)->getResult(0);
  }
  return success();
}

FailureOr<Attribute>
GraphImporter::convertAttribute(::onnx::AttributeProto &attr,
                                const std::string &where) {
  MLIRContext *mctx = ctx.context;
  std::string what = where + ": attribute '" + attr.name() + "'";
  switch (attr.type()) {
  case ::onnx::AttributeProto::FLOAT:
    return Attribute(builder.getF32FloatAttr(attr.f()));
  case ::onnx::AttributeProto::INT:
    return Attribute(builder.getI64IntegerAttr(attr.i()));
  case ::onnx::AttributeProto::STRING:
    return Attribute(builder.getStringAttr(attr.s()));
  case ::onnx::AttributeProto::FLOATS:
    return Attribute(DenseF32ArrayAttr::get(
        mctx, SmallVector<float>(attr.floats().begin(), attr.floats().end())));
  case ::onnx::AttributeProto::INTS:
    return Attribute(DenseI64ArrayAttr::get(
        mctx, SmallVector<int64_t>(attr.ints().begin(), attr.ints().end())));
  case ::onnx::AttributeProto::STRINGS: {
    SmallVector<StringRef> strings(attr.strings().begin(),
                                   attr.strings().end());
    return Attribute(builder.getStrArrayAttr(strings));
  }
  case ::onnx::AttributeProto::TENSOR: {
    ElementsAttr t = detail::convertTensor(ctx, *attr.mutable_t(),
                                           /*forceResource=*/false, what);
    if (!t)
      return failure();
    return Attribute(t);
  }
  case ::onnx::AttributeProto::SPARSE_TENSOR: {
    ElementsAttr t =
        detail::convertSparseTensor(ctx, *attr.mutable_sparse_tensor(), what);
    if (!t)
      return failure();
    return Attribute(t);
  }
  case ::onnx::AttributeProto::TENSORS: {
    SmallVector<Attribute> tensors;
    for (::onnx::TensorProto &tp : *attr.mutable_tensors()) {
      ElementsAttr t =
          detail::convertTensor(ctx, tp, /*forceResource=*/false, what);
      if (!t)
        return failure();
      tensors.push_back(t);
    }
    return Attribute(builder.getArrayAttr(tensors));
  }
  case ::onnx::AttributeProto::TYPE_PROTO: {
    Type t = detail::convertType(ctx, attr.tp(), what);
    if (!t)
      return failure();
    return Attribute(TypeAttr::get(t));
  }
  default:
    ctx.emitError() << what << ": unsupported attribute type "
                    << ::onnx::AttributeProto::AttributeType_Name(attr.type());
    return failure();
  }
}

LogicalResult GraphImporter::importSubgraph(::onnx::GraphProto &graph,
                                            Region &region,
                                            const std::string &where) {
  scopes.emplace_back();
  typeScopes.emplace_back();
  collectValueInfos(graph);
  Block *block = new Block();
  region.push_back(block);
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(block);
  auto fail = [&]() {
    scopes.pop_back();
    typeScopes.pop_back();
    return failure();
  };
  for (const ::onnx::ValueInfoProto &in : graph.input()) {
    Type t = detail::convertType(
        ctx, in.type(), where + ": subgraph input '" + in.name() + "'");
    if (!t)
      return fail();
    scopes.back()[in.name()] = block->addArgument(t, nodeLoc(in.name()));
  }
  if (failed(importInitializers(graph)) || failed(importNodes(graph)))
    return fail();
  SmallVector<Value> results;
  for (const ::onnx::ValueInfoProto &out : graph.output()) {
    Value v = lookup(out.name());
    if (!v) {
      ctx.emitError() << where << ": subgraph output '" << out.name()
                      << "' is not defined";
      return fail();
    }
    results.push_back(v);
  }
  builder.create<onnx::YieldOp>(ctx.fileLoc, results);
  scopes.pop_back();
  typeScopes.pop_back();
  return success();
}

LogicalResult GraphImporter::importNodes(::onnx::GraphProto &graph) {
  for (auto [index, node] : llvm::enumerate(*graph.mutable_node()))
    if (failed(importNode(node, index)))
      return failure();
  return success();
}

LogicalResult GraphImporter::importNode(::onnx::NodeProto &node, size_t index) {
  std::string name = detail::nodeName(node, index);
  std::string where = "node '" + name + "' (" + node.op_type() + ")";
  // The training domain's optimizers have one version (1), `onnx.<Name>`.
  bool training = node.domain() == detail::kTrainingDomain;
  const ::onnx::OpSchema *schema =
      training ? ::onnx::OpSchemaRegistry::Schema(node.op_type(), 1,
                                                  detail::kTrainingDomain)
               : ::onnx::OpSchemaRegistry::Schema(node.op_type(), opset, "");
  // `onnx.<Name>` is the version current at the dialect's opset.
  const ::onnx::OpSchema *latest =
      training ? schema
               : ::onnx::OpSchemaRegistry::Schema(
                     node.op_type(), static_cast<int>(kMaxOpset), "");
  if (!schema || !latest) {
    ctx.emitError() << where << ": unknown operator at opset " << opset;
    return failure();
  }
  std::string mnemonic = node.op_type();
  if (schema->since_version() != latest->since_version())
    mnemonic += "V" + std::to_string(schema->since_version());
  std::string opName = "onnx." + mnemonic;
  if (!OperationName(opName, ctx.context).isRegistered()) {
    ctx.emitError() << where << ": operator version " << schema->since_version()
                    << " is not in the onnx dialect";
    return failure();
  }
  Location loc = nodeLoc(name);
  OperationState state(loc, opName);

  // Operands: formal input i is operand i; absent optional inputs are none.
  const auto &formals = schema->inputs();
  bool variadicLast = !formals.empty() &&
                      formals.back().GetOption() == ::onnx::OpSchema::Variadic;
  size_t fixed = variadicLast ? formals.size() - 1 : formals.size();
  size_t provided = node.input_size();
  if (!variadicLast && provided > formals.size()) {
    ctx.emitError() << where << ": has " << provided << " inputs, at most "
                    << formals.size() << " allowed";
    return failure();
  }
  for (size_t i = 0; i < std::max(fixed, provided); ++i) {
    if (i >= provided || node.input(i).empty()) {
      state.addOperands(noValue(loc));
      continue;
    }
    Value v = lookup(node.input(i));
    if (!v) {
      ctx.emitError() << where << ": input '" << node.input(i)
                      << "' is not defined before the node";
      return failure();
    }
    state.addOperands(v);
  }

  // Results: one per formal output (or per provided output of a variadic).
  const auto &outs = schema->outputs();
  bool variadicOut =
      !outs.empty() && outs.back().GetOption() == ::onnx::OpSchema::Variadic;
  size_t fixedOut = variadicOut ? outs.size() - 1 : outs.size();
  size_t numResults = std::max<size_t>(fixedOut, node.output_size());
  for (size_t i = 0; i < numResults; ++i) {
    if (i >= static_cast<size_t>(node.output_size()) ||
        node.output(i).empty()) {
      state.addTypes(builder.getNoneType());
      continue;
    }
    const ::onnx::TypeProto *tp = nullptr;
    for (auto it = typeScopes.rbegin(); it != typeScopes.rend() && !tp; ++it) {
      auto found = it->find(node.output(i));
      if (found != it->end())
        tp = found->second;
    }
    if (!tp) {
      ctx.emitError() << where << ": the type of output '" << node.output(i)
                      << "' is unknown (shape inference could not tell)";
      return failure();
    }
    Type t = detail::convertType(ctx, *tp,
                                 where + ": output '" + node.output(i) + "'");
    if (!t)
      return failure();
    state.addTypes(t);
  }

  // Attributes, with the schema's defaults filled in; graphs become regions
  // in the alphabetical order of their names (as the generator declares
  // them).
  std::map<std::string, ::onnx::AttributeProto *> graphs;
  llvm::StringSet<> present;
  for (::onnx::AttributeProto &attr : *node.mutable_attribute()) {
    present.insert(attr.name());
    if (!attr.ref_attr_name().empty()) {
      ctx.emitError() << where << ": attribute '" << attr.name()
                      << "' refers to a function attribute";
      return failure();
    }
    if (attr.type() == ::onnx::AttributeProto::GRAPH) {
      graphs[attr.name()] = &attr;
      continue;
    }
    auto value = convertAttribute(attr, where);
    if (failed(value))
      return failure();
    state.addAttribute(attr.name(), *value);
  }
  for (const auto &[attrName, def] : schema->attributes()) {
    if (present.contains(attrName) || def.required ||
        def.default_value.type() == ::onnx::AttributeProto::UNDEFINED)
      continue;
    ::onnx::AttributeProto copy = def.default_value;
    auto value = convertAttribute(copy, where);
    if (failed(value))
      return failure();
    state.addAttribute(attrName, *value);
  }
  for (const auto &[attrName, def] : schema->attributes()) {
    if (def.type != ::onnx::AttributeProto::GRAPH)
      continue;
    Region *region = state.addRegion();
    auto it = graphs.find(attrName);
    if (it == graphs.end())
      continue; // An optional graph attribute stays an empty region.
    if (failed(importSubgraph(*it->second->mutable_g(), *region,
                              where + ": attribute '" + attrName + "'")))
      return failure();
  }

  Operation *op = builder.create(state);
  for (size_t i = 0; i < static_cast<size_t>(node.output_size()); ++i)
    if (!node.output(i).empty())
      scopes.back()[node.output(i)] = op->getResult(i);
  return success();
}

OwningOpRef<ModuleOp> GraphImporter::importModel() {
  OwningOpRef<ModuleOp> module = ModuleOp::create(ctx.fileLoc);
  ::onnx::GraphProto &graph = *model.mutable_graph();

  // Module metadata.
  SmallVector<NamedAttribute> opsets;
  for (const auto &o : model.opset_import())
    opsets.push_back(
        builder.getNamedAttr(o.domain().empty() ? "ai.onnx" : o.domain(),
                             builder.getI64IntegerAttr(o.version())));
  llvm::sort(opsets, [](const NamedAttribute &a, const NamedAttribute &b) {
    return a.getName().strref() < b.getName().strref();
  });
  (*module)->setAttr("onnx.opset_import", builder.getDictionaryAttr(opsets));
  (*module)->setAttr("onnx.ir_version",
                     builder.getI64IntegerAttr(model.ir_version()));
  if (!model.producer_name().empty())
    (*module)->setAttr("onnx.producer_name",
                       builder.getStringAttr(model.producer_name()));
  if (!graph.name().empty())
    (*module)->setAttr("onnx.graph_name", builder.getStringAttr(graph.name()));

  scopes.emplace_back();
  typeScopes.emplace_back();
  collectValueInfos(graph);

  // Inputs that have an initializer (models before IR version 4) are
  // constants, not arguments.
  llvm::StringSet<> initialized;
  for (const auto &init : graph.initializer())
    initialized.insert(init.name());
  SmallVector<Type> argTypes;
  SmallVector<Attribute> argAttrs;
  SmallVector<std::string> argNames;
  for (const ::onnx::ValueInfoProto &in : graph.input()) {
    if (initialized.contains(in.name()))
      continue;
    Type t =
        detail::convertType(ctx, in.type(), "graph input '" + in.name() + "'");
    if (!t)
      return nullptr;
    argTypes.push_back(t);
    argNames.push_back(in.name());
    argAttrs.push_back(builder.getDictionaryAttr(
        builder.getNamedAttr("onnx.name", builder.getStringAttr(in.name()))));
  }

  builder.setInsertionPointToEnd(module->getBody());
  auto func = builder.create<func::FuncOp>(
      ctx.fileLoc, options.functionName, builder.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(argNames))
    scopes.back()[name] = entry->getArgument(i);
  builder.setInsertionPointToStart(entry);

  if (failed(importInitializers(graph)) || failed(importNodes(graph)))
    return nullptr;

  SmallVector<Value> results;
  SmallVector<Attribute> resultAttrs;
  for (const ::onnx::ValueInfoProto &out : graph.output()) {
    Value v = lookup(out.name());
    if (!v) {
      ctx.emitError() << "graph output '" << out.name() << "' is not defined";
      return nullptr;
    }
    results.push_back(v);
    resultAttrs.push_back(builder.getDictionaryAttr(
        builder.getNamedAttr("onnx.name", builder.getStringAttr(out.name()))));
  }
  builder.create<func::ReturnOp>(ctx.fileLoc, results);
  func.setFunctionType(
      builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  func.setAllArgAttrs(argAttrs);
  func.setAllResultAttrs(resultAttrs);

  if (failed(verify(*module))) {
    ctx.emitError() << "the imported module does not verify";
    return nullptr;
  }
  return module;
}

} // namespace

/// Imports the model of `source`, named `path`.
static OwningOpRef<ModuleOp> importModel(const detail::ModelSource &source,
                                         StringRef pathRef,
                                         MLIRContext *context,
                                         const ONNXImportOptions &options) {
  context->loadDialect<onnx::ONNXDialect, func::FuncDialect>();
  std::string path = pathRef.str();
  detail::ImportContext ctx{
      context, path, llvm::sys::path::parent_path(path).str(),
      FileLineColLoc::get(context, path, 0, 0), options.externalDataFiles};
  // The version converter does not always preserve meaning (it upgrades
  // PRelu-6's legacy slope broadcast unchanged, for example). An upgraded
  // model that fails to import is imported again at its own versions; its
  // diagnostics are held back until that is decided.
  std::vector<Diagnostic> held;
  int64_t convertedFrom = -1;
  OwningOpRef<ModuleOp> module;
  {
    ScopedDiagnosticHandler hold(context, [&](Diagnostic &diag) {
      held.push_back(std::move(diag));
      return success();
    });
    ::onnx::ModelProto model;
    if (succeeded(detail::loadModel(ctx, source, options,
                                    /*allowConversion=*/true, model,
                                    convertedFrom)))
      module = GraphImporter(ctx, model, options).importModel();
  }
  if (!module && convertedFrom >= 0) {
    auto firstError = llvm::find_if(held, [](const Diagnostic &d) {
      return d.getSeverity() == DiagnosticSeverity::Error;
    });
    emitRemark(ctx.fileLoc)
        << "the model upgraded from opset " << convertedFrom
        << " does not import ("
        << (firstError == held.end() ? std::string("no diagnostic")
                                     : firstError->str())
        << "); operators are imported at their own versions";
    convertedFrom = -1;
    ::onnx::ModelProto model;
    if (failed(detail::loadModel(ctx, source, options,
                                 /*allowConversion=*/false, model,
                                 convertedFrom)))
      return nullptr;
    return GraphImporter(ctx, model, options).importModel();
  }
  for (Diagnostic &diag : held)
    context->getDiagEngine().emit(std::move(diag));
  if (module && convertedFrom >= 0)
    (*module)->setAttr(
        "onnx.converted_from_opset",
        IntegerAttr::get(IntegerType::get(context, 64), convertedFrom));
  return module;
}

OwningOpRef<ModuleOp> importONNXModel(llvm::MemoryBufferRef buffer,
                                      MLIRContext *context,
                                      const ONNXImportOptions &options) {
  return importModel(detail::ModelSource{buffer}, buffer.getBufferIdentifier(),
                     context, options);
}

OwningOpRef<ModuleOp> importONNXFile(StringRef path, MLIRContext *context,
                                     const ONNXImportOptions &options) {
  return importModel(detail::ModelSource{}, path, context, options);
}

void registerImportONNXTranslation(
    std::function<ONNXImportOptions()> getOptions) {
  TranslateToMLIRRegistration registration(
      "import-onnx", "Import an ONNX model (.onnx, or .onnxtxt text)",
      [getOptions](llvm::SourceMgr &sourceMgr,
                   MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        ONNXImportOptions options =
            getOptions ? getOptions() : ONNXImportOptions();
        // mlirTranslateMain has mapped the file; reading it again as a
        // stream leaves the mapping untouched (not resident), which keeps
        // the peak memory of large imports near the model's size.
        StringRef name = buffer->getBufferIdentifier();
        if (name != "<stdin>" && llvm::sys::fs::is_regular_file(name))
          return importONNXFile(name, context, options);
        return importONNXModel(buffer->getMemBufferRef(), context, options);
      },
      [](DialectRegistry &registry) {
        registry.insert<onnx::ONNXDialect, func::FuncDialect>();
      });
}

} // namespace fulcrum
