//===- ONNXDialectGen.cpp - Generate the onnx dialect's ODS from libonnx --===//
//
// Reads every operator schema of the default ONNX domain from libonnx's
// schema registry and prints the ODS (TableGen) definitions of the `onnx`
// dialect's operations:
//
//   * the latest version of each operator up to --max-opset is `onnx.<Name>`;
//   * every older version is `onnx.<Name>V<since-version>`, so that a model
//     that the version converter cannot upgrade is still imported faithfully.
//
// Operand and result conventions (see docs/Dialects/ONNX.md):
//   * operand/result i of an op is formal input/output i of the schema;
//   * an absent optional input/output is a value of type `none`;
//   * only the last formal input/output may be variadic (an ONNX rule that
//     the generator checks), so no segment sizes are needed;
//   * attributes keep their ONNX names; GRAPH attributes become regions, in
//     alphabetical order of their names.
//
// The output is committed (include/fulcrum/Dialect/ONNX/IR/ONNXOps.gen.td);
// the test suite regenerates it and fails when it drifts from the installed
// libonnx.
//
//===----------------------------------------------------------------------===//

#include "onnx/common/version.h"
#include "onnx/defs/schema.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Schema = ONNX_NAMESPACE::OpSchema;
using AttrType = ONNX_NAMESPACE::AttributeProto::AttributeType;
using ONNX_NAMESPACE::AttributeProto;

[[noreturn]] void fatal(const std::string &msg) {
  std::cerr << "fulcrum-onnx-dialect-gen: error: " << msg << "\n";
  std::exit(1);
}

/// Maps an ONNX element type name ("float", "int64", ...) to an ODS type.
std::string odsElementType(const std::string &name) {
  static const std::map<std::string, std::string> table = {
      {"float", "F32"},
      {"double", "F64"},
      {"float16", "F16"},
      {"bfloat16", "BF16"},
      {"int8", "I8"},
      {"int16", "I16"},
      {"int32", "I32"},
      {"int64", "I64"},
      {"uint8", "UI8"},
      {"uint16", "UI16"},
      {"uint32", "UI32"},
      {"uint64", "UI64"},
      {"bool", "I1"},
      {"string", "ONNX_String"},
      {"complex64", "Complex<F32>"},
      {"complex128", "Complex<F64>"}};
  auto it = table.find(name);
  if (it == table.end())
    fatal("unknown ONNX element type '" + name + "'");
  return it->second;
}

/// Splits "outer(inner)" into {outer, inner}; returns false if `s` has no
/// parenthesis.
bool splitType(const std::string &s, std::string &outer, std::string &inner) {
  size_t open = s.find('(');
  if (open == std::string::npos || s.back() != ')')
    return false;
  outer = s.substr(0, open);
  inner = s.substr(open + 1, s.size() - open - 2);
  return true;
}

/// Groups a list of ONNX type strings ("tensor(float)", "seq(tensor(int8))",
/// "optional(seq(tensor(bool)))") into one ODS type constraint.
std::string odsTypeConstraint(const std::vector<std::string> &types) {
  // Tensor element types, sequence element types, and optional payloads are
  // grouped so that the constraint stays compact: TensorOf<[F32, F64]>.
  std::vector<std::string> tensorElts;
  std::vector<std::string> seqTypes;
  std::vector<std::string> optTypes;
  for (const std::string &t : types) {
    std::string outer, inner;
    if (!splitType(t, outer, inner))
      fatal("cannot parse ONNX type '" + t + "'");
    if (outer == "tensor")
      tensorElts.push_back(odsElementType(inner));
    else if (outer == "seq")
      seqTypes.push_back(inner);
    else if (outer == "optional")
      optTypes.push_back(inner);
    else
      fatal("unsupported ONNX type '" + t + "'");
  }
  auto join = [](const std::vector<std::string> &v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i)
      s += (i ? ", " : "") + v[i];
    return s;
  };
  std::vector<std::string> alternatives;
  if (!tensorElts.empty())
    alternatives.push_back("TensorOf<[" + join(tensorElts) + "]>");
  if (!seqTypes.empty())
    alternatives.push_back("ONNX_SeqOf<[" + odsTypeConstraint(seqTypes) + "]>");
  if (!optTypes.empty())
    alternatives.push_back("ONNX_OptOf<[" + odsTypeConstraint(optTypes) + "]>");
  if (alternatives.size() == 1)
    return alternatives.front();
  return "AnyTypeOf<[" + join(alternatives) + "]>";
}

/// The allowed type strings of a formal parameter, in schema order.
std::vector<std::string> allowedTypes(const Schema &schema,
                                      const Schema::FormalParameter &param) {
  for (const auto &tc : schema.typeConstraintParams())
    if (tc.type_param_str == param.GetTypeStr())
      return tc.allowed_type_strs;
  return {param.GetTypeStr()};
}

/// Escapes a documentation string for a TableGen code block.
std::string escapeDoc(std::string doc) {
  size_t pos = 0;
  while ((pos = doc.find("}]", pos)) != std::string::npos) {
    doc.replace(pos, 2, "} ]");
    pos += 3;
  }
  // Trim surrounding blank lines so that the output is stable.
  size_t b = doc.find_first_not_of("\n ");
  size_t e = doc.find_last_not_of("\n ");
  if (b == std::string::npos)
    return "";
  return doc.substr(b, e - b + 1);
}

std::string quoteCpp(const std::string &s) {
  std::string out = "\\\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += "\\\\\\";
    out += c;
  }
  return out + "\\\"";
}

/// Shortest decimal text that reads back as the same float.
std::string floatText(float f) {
  if (std::isinf(f))
    return f > 0 ? "INFINITY" : "-INFINITY";
  char buf[64];
  for (int prec = 1; prec <= 9; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*g", prec, f);
    if (std::strtof(buf, nullptr) == f)
      break;
  }
  std::string s = buf;
  if (s.find_first_of(".eEn") == std::string::npos)
    s += ".0";
  return s;
}

/// The ODS attribute constraint of an ONNX attribute, with its default value
/// when the schema has one. Returns the empty string for GRAPH attributes
/// (those become regions).
std::string odsAttr(const Schema::Attribute &attr) {
  const AttributeProto &def = attr.default_value;
  bool hasDefault = !attr.required && def.type() != AttributeProto::UNDEFINED;
  std::string base;
  std::string defaultText;
  switch (attr.type) {
  case AttributeProto::INT:
    base = "I64Attr";
    if (hasDefault)
      defaultText = std::to_string(def.i());
    break;
  case AttributeProto::FLOAT:
    base = "F32Attr";
    if (hasDefault)
      defaultText = floatText(def.f());
    break;
  case AttributeProto::STRING:
    base = "StrAttr";
    if (hasDefault)
      defaultText = quoteCpp(def.s());
    break;
  case AttributeProto::INTS: {
    base = "DenseI64ArrayAttr";
    if (hasDefault) {
      defaultText = "{";
      for (int i = 0; i < def.ints_size(); ++i)
        defaultText += (i ? ", " : "") + std::to_string(def.ints(i));
      defaultText += "}";
    }
    break;
  }
  case AttributeProto::FLOATS: {
    base = "DenseF32ArrayAttr";
    if (hasDefault) {
      defaultText = "{";
      for (int i = 0; i < def.floats_size(); ++i)
        defaultText += (i ? ", " : "") + floatText(def.floats(i)) + "f";
      defaultText += "}";
    }
    break;
  }
  case AttributeProto::STRINGS: {
    base = "StrArrayAttr";
    if (hasDefault) {
      defaultText = "{";
      for (int i = 0; i < def.strings_size(); ++i)
        defaultText += (i ? ", " : "") + quoteCpp(def.strings(i));
      defaultText += "}";
    }
    break;
  }
  case AttributeProto::TENSOR:
  case AttributeProto::SPARSE_TENSOR:
    base = "ElementsAttr";
    hasDefault = false;
    break;
  case AttributeProto::TYPE_PROTO:
    base = "TypeAttr";
    hasDefault = false;
    break;
  case AttributeProto::TENSORS:
  case AttributeProto::SPARSE_TENSORS:
    base = "TypedArrayAttrBase<ElementsAttr, \"array of tensors\">";
    hasDefault = false;
    break;
  case AttributeProto::TYPE_PROTOS:
    base = "TypeArrayAttr";
    hasDefault = false;
    break;
  case AttributeProto::GRAPH:
    return "";
  default:
    fatal("attribute '" + attr.name + "' has an unsupported type");
  }
  if (attr.required)
    return base;
  if (hasDefault)
    return "DefaultValuedAttr<" + base + ", \"" + defaultText + "\">";
  return "OptionalAttr<" + base + ">";
}

/// Operators whose results are not a pure function of their operands.
bool hasSideEffects(const std::string &name) {
  static const std::set<std::string> impure = {
      "Bernoulli",        "Dropout",       "Multinomial",      "RandomNormal",
      "RandomNormalLike", "RandomUniform", "RandomUniformLike"};
  return impure.count(name) != 0;
}

struct GeneratedOp {
  std::string defName;  // ODS record name: ONNX_ConvOp, ONNX_PadV2Op
  std::string mnemonic; // Conv, PadV2
  const Schema *schema;
  bool latest;
};

/// Latest-version operators with hand-written shape inference and
/// verification (read from --shape-inference-ops).
std::set<std::string> shapeInferenceOps;

/// Per-operator facts (read from --op-traits): mnemonic -> ONNX_Fact trait
/// names, attached as `ONNX_<name>`.
std::map<std::string, std::vector<std::string>> opTraits;

void emitOp(std::ostream &os, const GeneratedOp &op) {
  const Schema &s = *op.schema;
  auto checkVariadic = [&](const std::vector<Schema::FormalParameter> &ps,
                           const char *kind) {
    for (size_t i = 0; i + 1 < ps.size(); ++i)
      if (ps[i].GetOption() == Schema::Variadic)
        fatal(s.Name() + ": variadic " + kind + " is not the last one");
  };
  checkVariadic(s.inputs(), "input");
  checkVariadic(s.outputs(), "output");

  // Attribute and region names are the ONNX attribute names, which the
  // importer relies on; operand and result names only name accessors, so
  // they are renamed when they collide (BatchNormalization-9 has an input and
  // an output called `mean`).
  std::set<std::string> usedNames;
  for (const auto &kv : s.attributes())
    usedNames.insert(kv.first);
  auto declare = [&](const std::string &name, const char *suffix) {
    // Scan's "outputs..." style names are not identifiers.
    std::string unique;
    for (char c : name)
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_')
        unique += c;
    if (unique.empty() || std::isdigit(static_cast<unsigned char>(unique[0])))
      unique = "arg" + unique;
    while (!usedNames.insert(unique).second)
      unique += suffix;
    return unique;
  };

  std::vector<std::string> regions;
  for (const auto &kv : s.attributes())
    if (kv.second.type == AttributeProto::GRAPH)
      regions.push_back(kv.first);
  if (s.attributes().size() != 0)
    for (const auto &kv : s.attributes())
      if (kv.second.type == AttributeProto::GRAPHS)
        fatal(s.Name() + ": GRAPHS attributes are not supported");

  std::string traits;
  if (!regions.empty())
    traits = "RecursiveMemoryEffects";
  else if (!hasSideEffects(s.Name()))
    traits = "Pure";
  if (op.latest && shapeInferenceOps.count(s.Name()))
    traits += std::string(traits.empty() ? "" : ", ") +
              "DeclareOpInterfaceMethods<ONNX_ShapeInferenceOpInterface>";
  auto facts = opTraits.find(op.mnemonic);
  if (facts != opTraits.end())
    for (const std::string &fact : facts->second)
      traits += std::string(traits.empty() ? "" : ", ") + "ONNX_" + fact;

  os << "def " << op.defName << " : ONNX_Op<\"" << op.mnemonic << "\", "
     << s.since_version() << ", [" << traits << "]> {\n";
  os << "  let summary = \"ONNX " << s.Name() << " operation, version "
     << s.since_version() << (op.latest ? "" : " (superseded)") << "\";\n";
  os << "  let description = [{\n"
     << escapeDoc(s.doc() ? s.doc() : "") << "\n  }];\n";

  auto param = [&](const Schema::FormalParameter &p) {
    std::string c = odsTypeConstraint(allowedTypes(s, p));
    switch (p.GetOption()) {
    case Schema::Single:
      return c;
    case Schema::Optional:
      return "ONNX_OrNone<" + c + ">";
    case Schema::Variadic:
      return "Variadic<" + c + ">";
    }
    return c;
  };

  os << "  let arguments = (ins";
  bool first = true;
  for (const auto &p : s.inputs()) {
    os << (first ? "\n    " : ",\n    ") << param(p) << ":$"
       << declare(p.GetName(), "_in");
    first = false;
  }
  for (const auto &kv : s.attributes()) {
    std::string a = odsAttr(kv.second);
    if (a.empty())
      continue;
    os << (first ? "\n    " : ",\n    ") << a << ":$" << kv.first;
    first = false;
  }
  os << ");\n";

  os << "  let results = (outs";
  first = true;
  for (const auto &p : s.outputs()) {
    os << (first ? "\n    " : ",\n    ") << param(p) << ":$"
       << declare(p.GetName(), "_out");
    first = false;
  }
  os << ");\n";

  if (!regions.empty()) {
    os << "  let regions = (region";
    std::string format = "`(` operands `)`";
    for (size_t i = 0; i < regions.size(); ++i) {
      os << (i ? ", " : " ") << "SizedRegion<1>:$" << regions[i];
      format += " `" + regions[i] + "` $" + regions[i];
    }
    os << ");\n";
    os << "  let assemblyFormat = \"" << format
       << " attr-dict `:` functional-type(operands, results)\";\n";
  }
  os << "}\n\n";
}

} // namespace

int main(int argc, char **argv) {
  int maxOpset = 17;
  std::string outPath;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--max-opset=", 0) == 0)
      maxOpset = std::atoi(arg.c_str() + std::strlen("--max-opset="));
    else if (arg.rfind("--shape-inference-ops=", 0) == 0) {
      std::ifstream list(arg.substr(std::strlen("--shape-inference-ops=")));
      if (!list)
        fatal("cannot read " + arg);
      std::string line;
      while (std::getline(list, line))
        if (!line.empty() && line[0] != '#')
          shapeInferenceOps.insert(line);
    } else if (arg.rfind("--op-traits=", 0) == 0) {
      std::ifstream list(arg.substr(std::strlen("--op-traits=")));
      if (!list)
        fatal("cannot read " + arg);
      std::string line;
      while (std::getline(list, line)) {
        if (line.empty() || line[0] == '#')
          continue;
        std::istringstream words(line);
        std::string name, fact;
        words >> name;
        while (words >> fact)
          opTraits[name].push_back(fact);
        if (!opTraits.count(name))
          fatal("--op-traits: no trait for '" + name + "'");
      }
    } else if (arg == "-o" && i + 1 < argc)
      outPath = argv[++i];
    else {
      std::cerr << "usage: fulcrum-onnx-dialect-gen [--max-opset=N] "
                   "[--shape-inference-ops=FILE] [--op-traits=FILE] "
                   "[-o FILE]\n";
      return 1;
    }
  }

  // Collect the default-domain schemas, grouped by name, newest first.
  std::map<std::string, std::vector<const Schema *>> byName;
  static const std::vector<Schema> all =
      ONNX_NAMESPACE::OpSchemaRegistry::get_all_schemas_with_history();
  for (const Schema &s : all)
    if (s.domain() == ONNX_NAMESPACE::ONNX_DOMAIN &&
        s.since_version() <= maxOpset)
      byName[s.Name()].push_back(&s);

  std::vector<GeneratedOp> ops;
  for (auto &kv : byName) {
    auto &versions = kv.second;
    std::sort(versions.begin(), versions.end(),
              [](const Schema *a, const Schema *b) {
                return a->since_version() > b->since_version();
              });
    for (size_t i = 0; i < versions.size(); ++i) {
      GeneratedOp op;
      op.schema = versions[i];
      op.latest = i == 0;
      op.mnemonic = kv.first;
      if (!op.latest)
        op.mnemonic += "V" + std::to_string(versions[i]->since_version());
      op.defName = "ONNX_" + op.mnemonic + "Op";
      ops.push_back(op);
    }
  }

  for (const std::string &name : shapeInferenceOps)
    if (!byName.count(name))
      fatal("--shape-inference-ops names unknown operator '" + name + "'");
  std::set<std::string> mnemonics;
  for (const GeneratedOp &op : ops)
    mnemonics.insert(op.mnemonic);
  for (const auto &kv : opTraits)
    if (!mnemonics.count(kv.first))
      fatal("--op-traits names unknown operator '" + kv.first + "'");

  std::ostringstream os;
  os << "//===- ONNXOps.gen.td - generated ONNX operations ------*- "
        "tablegen -*-===//\n"
     << "//\n"
     << "// DO NOT EDIT. Generated by fulcrum-onnx-dialect-gen from libonnx "
     << ONNX_NAMESPACE::LAST_RELEASE_VERSION << " (default domain, opsets 1-"
     << maxOpset << ").\n"
     << "// " << byName.size() << " operators, " << ops.size()
     << " operator versions. Regenerate with `ninja "
        "fulcrum-update-onnx-ops`.\n"
     << "//\n"
     << "//===-----------------------------------------------------------"
        "-----------===//\n\n"
     << "#ifndef FULCRUM_DIALECT_ONNX_IR_ONNXOPS_GEN_TD\n"
     << "#define FULCRUM_DIALECT_ONNX_IR_ONNXOPS_GEN_TD\n\n";
  for (const GeneratedOp &op : ops)
    emitOp(os, op);
  os << "#endif // FULCRUM_DIALECT_ONNX_IR_ONNXOPS_GEN_TD\n";

  if (outPath.empty()) {
    std::cout << os.str();
    return 0;
  }
  std::ofstream out(outPath, std::ios::binary);
  out << os.str();
  if (!out)
    fatal("cannot write '" + outPath + "'");
  return 0;
}
