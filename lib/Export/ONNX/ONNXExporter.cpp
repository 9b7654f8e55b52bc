//===- ONNXExporter.cpp - onnx-dialect MLIR to an ONNX model --------------===//
//
// Part of Fulcrum. The inverse of lib/Import/ONNX: `onnx.<Name>` operations
// become nodes of the operator version they implement (`onnx.<Name>V<n>`:
// version n), their attributes are converted by the kind the operator's
// schema declares, `onnx.Constant` values of the main graph become
// initializers, regions become graph attributes (in the alphabetical order
// of their names, as the importer made them), and `onnx.NoValue` operands
// become empty input names. Value names are made unique over the whole
// model; graph inputs and outputs keep their `onnx.name`s.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Export/ONNX/ONNXExporter.h"

#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"
#include "fulcrum/Import/ONNX/ONNXImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/ToolOutputFile.h"

#include "onnx/checker.h"
#include "onnx/defs/schema.h"
#include "onnx/onnx_pb.h"

using namespace mlir;

namespace fulcrum {
namespace {

constexpr const char *kTrainingDomain = "ai.onnx.preview.training";

/// What an `onnx.*` operation is in ONNX terms.
struct OpKind {
  std::string type;
  std::string domain;
  int version = 0;
  const ::onnx::OpSchema *schema = nullptr;
};

/// The operator, version and schema of `op`, or nothing when `op` has no
/// ONNX form.
std::optional<OpKind> classify(Operation *op) {
  if (op->getName().getDialectNamespace() != "onnx")
    return std::nullopt;
  StringRef mnemonic = op->getName().stripDialect();
  OpKind kind;
  if (mnemonic == "Adagrad" || mnemonic == "Adam" || mnemonic == "Momentum") {
    kind.type = mnemonic.str();
    kind.domain = kTrainingDomain;
    kind.version = 1;
    kind.schema =
        ::onnx::OpSchemaRegistry::Schema(kind.type, 1, kTrainingDomain);
    return kind.schema ? std::optional(kind) : std::nullopt;
  }
  // `onnx.<Name>V<n>`: the superseded version n.
  size_t v = mnemonic.rfind('V');
  unsigned version = 0;
  if (v != StringRef::npos && v > 0 &&
      !mnemonic.drop_front(v + 1).getAsInteger(10, version)) {
    std::string type = mnemonic.take_front(v).str();
    const auto *schema =
        ::onnx::OpSchemaRegistry::Schema(type, static_cast<int>(version), "");
    if (schema && schema->since_version() == static_cast<int>(version)) {
      kind.type = type;
      kind.version = static_cast<int>(version);
      kind.schema = schema;
      return kind;
    }
  }
  kind.type = mnemonic.str();
  kind.schema = ::onnx::OpSchemaRegistry::Schema(
      kind.type, static_cast<int>(kMaxOpset), "");
  if (!kind.schema)
    return std::nullopt;
  kind.version = kind.schema->since_version();
  return kind;
}

/// The Identity operator, which renames graph outputs.
OpKind identityKind() {
  OpKind kind;
  kind.type = "Identity";
  kind.schema = ::onnx::OpSchemaRegistry::Schema(
      "Identity", static_cast<int>(kMaxOpset), "");
  kind.version = kind.schema->since_version();
  return kind;
}

/// Bytes per element as the importer stores blobs (i1 in a byte).
size_t storageBytes(Type elementType) {
  if (auto complex = dyn_cast<ComplexType>(elementType))
    return 2 * storageBytes(complex.getElementType());
  unsigned bits = elementType.getIntOrFloatBitWidth();
  return bits == 1 ? 1 : bits / 8;
}

class Exporter {
public:
  Exporter(ModuleOp module, const ONNXExportOptions &options)
      : module(module), options(options) {}

  LogicalResult run(::onnx::ModelProto &model);

private:
  InFlightDiagnostic error(Operation *op) { return op->emitError(); }

  /// `base`, or `base_<n>` when that is taken; reserves the result.
  std::string uniqueName(StringRef base, llvm::StringSet<> &taken);
  std::string valueName(StringRef base) { return uniqueName(base, values); }
  std::string nodeName(Operation *op, StringRef type);

  LogicalResult convertType(Type type, ::onnx::TypeProto &out, Operation *at,
                            StringRef dimPrefix);
  LogicalResult convertTensor(ElementsAttr attr, ::onnx::TensorProto &out,
                              Operation *at);
  LogicalResult convertSparse(SparseElementsAttr attr,
                              ::onnx::SparseTensorProto &out, Operation *at);
  LogicalResult convertAttribute(Operation *op, StringRef name, Attribute attr,
                                 ::onnx::AttributeProto_AttributeType type,
                                 ::onnx::AttributeProto &out);
  LogicalResult exportNode(Operation *op, const OpKind &kind,
                           ::onnx::GraphProto &graph);
  /// Exports the operations of `block` (all but its terminator) into
  /// `graph`; `initializers` makes `value` constants initializers.
  LogicalResult exportOps(Block &block, ::onnx::GraphProto &graph,
                          bool initializers);
  /// Names `results` as the outputs `names` of `graph`, with an Identity
  /// where a value cannot carry the name itself.
  LogicalResult exportOutputs(ValueRange results, ArrayRef<std::string> names,
                              ::onnx::GraphProto &graph, Operation *at);
  LogicalResult exportSubgraph(Region &region, StringRef prefix,
                               ::onnx::GraphProto &graph);
  void addValueInfo(Value v, ::onnx::GraphProto &graph, Operation *at);
  /// Narrows the opsets every operator so far is valid in by `kind`'s.
  LogicalResult noteVersion(Operation *op, const OpKind &kind);

  ModuleOp module;
  const ONNXExportOptions &options;
  DenseMap<Value, std::string> names;
  llvm::StringSet<> values, nodes;
  unsigned anonymousNodes = 0;
  int64_t opsetLo = 1, opsetHi = kMaxOpset;
  bool usesTraining = false;
  /// Values named ahead (main graph outputs).
  DenseMap<Value, std::string> reserved;
};

std::string Exporter::uniqueName(StringRef base, llvm::StringSet<> &taken) {
  std::string name = base.empty() ? std::string("v") : base.str();
  if (taken.insert(name).second)
    return name;
  for (unsigned i = 1;; ++i) {
    std::string candidate = name + "_" + std::to_string(i);
    if (taken.insert(candidate).second)
      return candidate;
  }
}

std::string Exporter::nodeName(Operation *op, StringRef type) {
  if (auto name = getNodeName(op->getLoc()))
    return uniqueName(*name, nodes);
  return uniqueName((type + "_" + Twine(anonymousNodes++)).str(), nodes);
}

LogicalResult Exporter::convertType(Type type, ::onnx::TypeProto &out,
                                    Operation *at, StringRef dimPrefix) {
  if (auto seq = dyn_cast<onnx::SeqType>(type))
    return convertType(seq.getElementType(),
                       *out.mutable_sequence_type()->mutable_elem_type(), at,
                       dimPrefix);
  if (auto opt = dyn_cast<onnx::OptType>(type))
    return convertType(opt.getElementType(),
                       *out.mutable_optional_type()->mutable_elem_type(), at,
                       dimPrefix);
  auto tensor = dyn_cast<TensorType>(type);
  int64_t code = tensor ? onnx::getONNXDataType(tensor.getElementType()) : 0;
  if (!code)
    return error(at) << "type " << type << " has no ONNX form";
  auto *tt = out.mutable_tensor_type();
  tt->set_elem_type(static_cast<int32_t>(code));
  auto ranked = dyn_cast<RankedTensorType>(tensor);
  if (!ranked)
    return success();
  auto *shape = tt->mutable_shape();
  for (auto [i, d] : llvm::enumerate(ranked.getShape())) {
    auto *dim = shape->add_dim();
    if (!ShapedType::isDynamic(d))
      dim->set_dim_value(d);
    else if (!dimPrefix.empty())
      dim->set_dim_param((dimPrefix + "_d" + Twine(i)).str());
  }
  return success();
}

LogicalResult Exporter::convertTensor(ElementsAttr attr,
                                      ::onnx::TensorProto &out, Operation *at) {
  auto type = cast<ShapedType>(attr.getType());
  Type elt = type.getElementType();
  int64_t code = onnx::getONNXDataType(elt);
  if (!code || !type.hasStaticShape())
    return error(at) << "constant of type " << type << " has no ONNX form";
  out.set_data_type(static_cast<int32_t>(code));
  for (int64_t d : type.getShape())
    out.add_dims(d);
  int64_t count = type.getNumElements();
  if (auto strings = dyn_cast<DenseStringElementsAttr>(attr)) {
    for (StringRef s : strings.getRawStringData())
      out.add_string_data(s.str());
    if (strings.isSplat())
      for (int64_t i = 1; i < count; ++i)
        out.add_string_data(out.string_data(0));
    return success();
  }
  size_t bytes = storageBytes(elt);
  std::string *raw = out.mutable_raw_data();
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return error(at) << "the data of resource '"
                       << resource.getRawHandle().getKey() << "' is missing";
    ArrayRef<char> data = blob->getData();
    if (data.size() != bytes * count)
      return error(at) << "resource '" << resource.getRawHandle().getKey()
                       << "' holds " << data.size() << " bytes, " << type
                       << " needs " << bytes * count;
    raw->assign(data.data(), data.size());
    return success();
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return error(at) << "constant attribute " << attr << " has no ONNX form";
  if (elt.isInteger(1)) {
    for (bool b : dense.getValues<bool>())
      raw->push_back(b ? 1 : 0);
    return success();
  }
  ArrayRef<char> data = dense.getRawData();
  if (dense.isSplat()) {
    raw->reserve(bytes * count);
    for (int64_t i = 0; i < count; ++i)
      raw->append(data.data(), bytes);
  } else {
    raw->assign(data.data(), data.size());
  }
  return success();
}

LogicalResult Exporter::convertSparse(SparseElementsAttr attr,
                                      ::onnx::SparseTensorProto &out,
                                      Operation *at) {
  for (int64_t d : attr.getType().getShape())
    out.add_dims(d);
  if (failed(convertTensor(attr.getValues(), *out.mutable_values(), at)))
    return failure();
  return convertTensor(attr.getIndices(), *out.mutable_indices(), at);
}

LogicalResult
Exporter::convertAttribute(Operation *op, StringRef name, Attribute attr,
                           ::onnx::AttributeProto_AttributeType type,
                           ::onnx::AttributeProto &out) {
  using AP = ::onnx::AttributeProto;
  out.set_name(name.str());
  out.set_type(type);
  auto mismatch = [&]() {
    return error(op) << "attribute '" << name << "' (" << attr
                     << ") does not have the form of an ONNX "
                     << AP::AttributeType_Name(type);
  };
  switch (type) {
  case AP::FLOAT:
    if (auto f = dyn_cast<FloatAttr>(attr))
      return out.set_f(static_cast<float>(f.getValueAsDouble())), success();
    return mismatch();
  case AP::INT:
    if (auto i = dyn_cast<IntegerAttr>(attr))
      return out.set_i(i.getValue().getSExtValue()), success();
    return mismatch();
  case AP::STRING:
    if (auto s = dyn_cast<StringAttr>(attr))
      return out.set_s(s.str()), success();
    return mismatch();
  case AP::FLOATS:
    if (auto fs = dyn_cast<DenseF32ArrayAttr>(attr)) {
      for (float f : fs.asArrayRef())
        out.add_floats(f);
      return success();
    }
    return mismatch();
  case AP::INTS:
    if (auto is = dyn_cast<DenseI64ArrayAttr>(attr)) {
      for (int64_t i : is.asArrayRef())
        out.add_ints(i);
      return success();
    }
    return mismatch();
  case AP::STRINGS:
    if (auto array = dyn_cast<ArrayAttr>(attr)) {
      for (Attribute a : array) {
        auto s = dyn_cast<StringAttr>(a);
        if (!s)
          return mismatch();
        out.add_strings(s.str());
      }
      return success();
    }
    return mismatch();
  case AP::TENSOR:
    if (auto e = dyn_cast<ElementsAttr>(attr))
      return convertTensor(e, *out.mutable_t(), op);
    return mismatch();
  case AP::SPARSE_TENSOR:
    if (auto s = dyn_cast<SparseElementsAttr>(attr))
      return convertSparse(s, *out.mutable_sparse_tensor(), op);
    return mismatch();
  case AP::TENSORS:
    if (auto array = dyn_cast<ArrayAttr>(attr)) {
      for (Attribute a : array) {
        auto e = dyn_cast<ElementsAttr>(a);
        if (!e || failed(convertTensor(e, *out.add_tensors(), op)))
          return e ? failure() : mismatch();
      }
      return success();
    }
    return mismatch();
  case AP::TYPE_PROTO:
    if (auto t = dyn_cast<TypeAttr>(attr))
      return convertType(t.getValue(), *out.mutable_tp(), op, "");
    return mismatch();
  default:
    return error(op) << "attribute '" << name << "' of ONNX type "
                     << AP::AttributeType_Name(type) << " cannot be exported";
  }
}

LogicalResult Exporter::noteVersion(Operation *op, const OpKind &kind) {
  if (!kind.domain.empty()) {
    usesTraining = true;
    return success();
  }
  // The opsets in which `kind.version` is the operator's current version.
  int64_t hi = kMaxOpset;
  for (int64_t o = kind.version + 1; o <= kMaxOpset; ++o) {
    const auto *s =
        ::onnx::OpSchemaRegistry::Schema(kind.type, static_cast<int>(o), "");
    if (!s || s->since_version() != kind.version) {
      hi = o - 1;
      break;
    }
  }
  int64_t lo = std::max<int64_t>(opsetLo, kind.version);
  hi = std::min(opsetHi, hi);
  if (lo > hi)
    return error(op) << "'" << op->getName() << "' (" << kind.type
                     << " version " << kind.version
                     << ") cannot share an opset with the other operators "
                        "(they need opset "
                     << opsetLo << "-" << opsetHi << ")";
  opsetLo = lo;
  opsetHi = hi;
  return success();
}

void Exporter::addValueInfo(Value v, ::onnx::GraphProto &graph, Operation *at) {
  if (!isa<TensorType, onnx::SeqType, onnx::OptType>(v.getType()))
    return;
  ::onnx::ValueInfoProto info;
  info.set_name(names.lookup(v));
  // Intermediate types are hints; one that has no ONNX form is left out.
  ScopedDiagnosticHandler quiet(module.getContext(),
                                [](Diagnostic &) { return success(); });
  if (succeeded(convertType(v.getType(), *info.mutable_type(), at, "")))
    *graph.add_value_info() = std::move(info);
}

LogicalResult Exporter::exportNode(Operation *op, const OpKind &kind,
                                   ::onnx::GraphProto &graph) {
  if (failed(noteVersion(op, kind)))
    return failure();
  ::onnx::NodeProto node;
  node.set_op_type(kind.type);
  if (!kind.domain.empty())
    node.set_domain(kind.domain);
  std::string name = nodeName(op, kind.type);
  node.set_name(name);

  // Inputs: absent optional inputs are empty names, trailing ones dropped.
  SmallVector<std::string> inputs;
  for (Value operand : op->getOperands()) {
    if (isa<NoneType>(operand.getType())) {
      inputs.push_back("");
      continue;
    }
    auto it = names.find(operand);
    if (it == names.end())
      return error(op) << "an operand of '" << op->getName()
                       << "' is not defined in the exported graph";
    inputs.push_back(it->second);
  }
  while (!inputs.empty() && inputs.back().empty())
    inputs.pop_back();
  for (const std::string &in : inputs)
    node.add_input(in);

  // Outputs.
  SmallVector<std::string> outputs;
  for (OpResult result : op->getResults()) {
    if (isa<NoneType>(result.getType())) {
      outputs.push_back("");
      continue;
    }
    std::string resultName;
    auto reservedIt = reserved.find(result);
    if (reservedIt != reserved.end())
      resultName = reservedIt->second;
    else
      resultName = valueName(
          op->getNumResults() == 1
              ? name
              : name + "_" + std::to_string(result.getResultNumber()));
    names[result] = resultName;
    outputs.push_back(resultName);
    if (reservedIt == reserved.end())
      addValueInfo(result, graph, op);
  }
  while (!outputs.empty() && outputs.back().empty())
    outputs.pop_back();
  for (const std::string &out : outputs)
    node.add_output(out);

  // Attributes of the schema, in its (alphabetical) order; graphs are the
  // regions in that order.
  unsigned regionIndex = 0;
  for (const auto &[attrName, def] : kind.schema->attributes()) {
    if (def.type == ::onnx::AttributeProto::GRAPH) {
      if (regionIndex >= op->getNumRegions())
        return error(op) << "has fewer regions than " << kind.type
                         << " has graph attributes";
      Region &region = op->getRegion(regionIndex++);
      if (region.empty())
        continue;
      ::onnx::AttributeProto *attr = node.add_attribute();
      attr->set_name(attrName);
      attr->set_type(::onnx::AttributeProto::GRAPH);
      if (failed(exportSubgraph(region, name + "_" + attrName,
                                *attr->mutable_g())))
        return failure();
      continue;
    }
    Attribute value = op->getAttr(attrName);
    if (!value)
      continue;
    if (failed(convertAttribute(op, attrName, value, def.type,
                                *node.add_attribute())))
      return failure();
  }
  *graph.add_node() = std::move(node);
  return success();
}

LogicalResult Exporter::exportOps(Block &block, ::onnx::GraphProto &graph,
                                  bool initializers) {
  for (Operation &op : block.without_terminator()) {
    if (isa<onnx::NoValueOp>(op))
      continue;
    if (auto constant = dyn_cast<onnx::ConstantOp>(op);
        constant && initializers) {
      auto value = dyn_cast_or_null<ElementsAttr>(op.getAttr("value"));
      if (value && !isa<SparseElementsAttr>(value)) {
        Value result = constant->getResult(0);
        std::string name = reserved.lookup(result);
        if (name.empty())
          name = valueName(getNodeName(op.getLoc()).value_or("const"));
        names[result] = name;
        ::onnx::TensorProto *tensor = graph.add_initializer();
        tensor->set_name(name);
        if (failed(convertTensor(value, *tensor, &op)))
          return failure();
        continue;
      }
    }
    std::optional<OpKind> kind = classify(&op);
    if (!kind)
      return error(&op) << "'" << op.getName()
                        << "' has no ONNX form and cannot be exported"
                        << (op.getName().getDialectNamespace() == "fulcrum"
                                ? " (export before graph-level fusion, or "
                                  "with --fuse=false)"
                                : "");
    if (failed(exportNode(&op, *kind, graph)))
      return failure();
  }
  return success();
}

LogicalResult Exporter::exportOutputs(ValueRange results,
                                      ArrayRef<std::string> outputNames,
                                      ::onnx::GraphProto &graph,
                                      Operation *at) {
  for (auto [v, outName] : llvm::zip(results, outputNames)) {
    auto it = names.find(v);
    if (it == names.end())
      return error(at) << "a result is not defined in the exported graph";
    if (it->second != outName) {
      ::onnx::NodeProto *identity = graph.add_node();
      identity->set_op_type("Identity");
      identity->set_name(uniqueName(outName + "_identity", nodes));
      identity->add_input(it->second);
      identity->add_output(outName);
      if (failed(noteVersion(at, identityKind())))
        return failure();
    }
    ::onnx::ValueInfoProto *info = graph.add_output();
    info->set_name(outName);
    if (failed(convertType(v.getType(), *info->mutable_type(), at, outName)))
      return failure();
  }
  return success();
}

LogicalResult Exporter::exportSubgraph(Region &region, StringRef prefix,
                                       ::onnx::GraphProto &graph) {
  Block &block = region.front();
  graph.set_name(prefix.str());
  Operation *terminator = block.getTerminator();
  for (BlockArgument arg : block.getArguments()) {
    std::string name =
        valueName((prefix + "_in" + Twine(arg.getArgNumber())).str());
    names[arg] = name;
    ::onnx::ValueInfoProto *info = graph.add_input();
    info->set_name(name);
    if (failed(convertType(arg.getType(), *info->mutable_type(),
                           region.getParentOp(), "")))
      return failure();
  }
  if (failed(exportOps(block, graph, /*initializers=*/false)))
    return failure();
  // Subgraph outputs keep their values' names where a value is produced in
  // this graph and named once; others get a fresh name through Identity.
  SmallVector<std::string> outputNames;
  llvm::StringSet<> seen;
  for (Value v : terminator->getOperands()) {
    auto it = names.find(v);
    bool own = v.getDefiningOp() && v.getDefiningOp()->getBlock() == &block &&
               it != names.end() && !it->second.empty();
    if (own && seen.insert(it->second).second)
      outputNames.push_back(it->second);
    else
      outputNames.push_back(valueName((prefix + "_out").str()));
  }
  return exportOutputs(terminator->getOperands(), outputNames, graph,
                       terminator);
}

LogicalResult Exporter::run(::onnx::ModelProto &model) {
  func::FuncOp func;
  if (!options.functionName.empty()) {
    func = module.lookupSymbol<func::FuncOp>(options.functionName);
  } else if (!(func = module.lookupSymbol<func::FuncOp>("main_graph"))) {
    auto funcs = module.getOps<func::FuncOp>();
    if (!funcs.empty() && std::next(funcs.begin()) == funcs.end())
      func = *funcs.begin();
  }
  if (!func || func.isExternal())
    return emitError(module.getLoc())
           << "no function to export"
           << (options.functionName.empty()
                   ? std::string(" (no @main_graph, and not exactly one "
                                 "function)")
                   : " named @" + options.functionName);
  Block &body = func.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());

  ::onnx::GraphProto &graph = *model.mutable_graph();
  auto graphName = module->getAttrOfType<StringAttr>("onnx.graph_name");
  graph.set_name(graphName ? graphName.str() : func.getName().str());

  auto nameOf = [](DictionaryAttr attrs, StringRef fallback) {
    if (attrs)
      if (auto name = attrs.getAs<StringAttr>("onnx.name"))
        return name.str();
    return fallback.str();
  };
  // Graph inputs and outputs keep their names; outputs that an operation of
  // the graph produces are named by it directly.
  SmallVector<std::string> outputNames;
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    std::string name = valueName(
        nameOf(func.getResultAttrDict(i), "output_" + Twine(i).str()));
    outputNames.push_back(name);
    Operation *def = v.getDefiningOp();
    if (def && def->getBlock() == &body && !isa<onnx::NoValueOp>(def) &&
        !reserved.count(v))
      reserved[v] = name;
  }
  for (BlockArgument arg : body.getArguments()) {
    std::string name =
        valueName(nameOf(func.getArgAttrDict(arg.getArgNumber()),
                         "input_" + Twine(arg.getArgNumber()).str()));
    names[arg] = name;
    ::onnx::ValueInfoProto *info = graph.add_input();
    info->set_name(name);
    if (failed(convertType(arg.getType(), *info->mutable_type(), func, name)))
      return failure();
  }
  if (failed(exportOps(body, graph, /*initializers=*/true)) ||
      failed(exportOutputs(ret.getOperands(), outputNames, graph, ret)))
    return failure();

  // The default domain's opset: the module's own where every operator is
  // valid in it, else the newest that all are valid in.
  int64_t opset = opsetHi;
  if (auto opsets = module->getAttrOfType<DictionaryAttr>("onnx.opset_import"))
    if (auto own = opsets.getAs<IntegerAttr>("ai.onnx"))
      if (own.getInt() >= opsetLo && own.getInt() <= opsetHi)
        opset = own.getInt();
  model.set_ir_version(::onnx::IR_VERSION);
  model.set_producer_name("fulcrum");
  auto *defaultDomain = model.add_opset_import();
  defaultDomain->set_domain("");
  defaultDomain->set_version(opset);
  if (usesTraining) {
    auto *training = model.add_opset_import();
    training->set_domain(kTrainingDomain);
    training->set_version(1);
  }
  return success();
}

} // namespace

std::optional<StringRef> getNodeName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().strref();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (auto name = getNodeName(inner))
        return name;
  if (auto callSite = dyn_cast<CallSiteLoc>(loc))
    return getNodeName(callSite.getCallee());
  return std::nullopt;
}

LogicalResult exportONNX(ModuleOp module, llvm::raw_ostream &os,
                         const ONNXExportOptions &options) {
  ::onnx::ModelProto model;
  if (failed(Exporter(module, options).run(model)))
    return failure();
  if (options.check) {
    try {
      ::onnx::checker::check_model(model);
    } catch (const std::exception &e) {
      return emitError(module.getLoc())
             << "the exported model does not pass the ONNX checker: "
             << e.what();
    }
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    return emitError(module.getLoc()) << "cannot serialize the ONNX model";
  os << bytes;
  return success();
}

LogicalResult exportONNXFile(ModuleOp module, StringRef path,
                             const ONNXExportOptions &options) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (failed(exportONNX(module, os, options)))
    return failure();
  std::string message;
  auto out = openOutputFile(path, &message);
  if (!out)
    return emitError(module.getLoc())
           << "cannot write '" << path << "': " << message;
  out->os() << text;
  out->keep();
  return success();
}

void registerExportONNXTranslation(
    std::function<void(DialectRegistry &)> registerDialects) {
  TranslateFromMLIRRegistration registration(
      "export-onnx",
      "Export an onnx-dialect module (import or graph phase) as a binary "
      "ONNX model",
      [](Operation *op, llvm::raw_ostream &os) -> LogicalResult {
        auto module = dyn_cast<ModuleOp>(op);
        if (!module)
          return op->emitError("expected a module");
        return exportONNX(module, os);
      },
      [registerDialects](DialectRegistry &registry) {
        registry.insert<onnx::ONNXDialect, func::FuncDialect>();
        if (registerDialects)
          registerDialects(registry);
      });
}

} // namespace fulcrum
