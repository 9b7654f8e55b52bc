//===- Header.cpp - The C header of a compiled model ----------------------===//
//
// Part of Fulcrum. The generated library's ABI is MLIR's C interface: every
// tensor is a memref descriptor {allocated, aligned, offset, sizes[rank],
// strides[rank]}; results come back through a struct of descriptors whose
// buffers the caller frees with free(allocated). The header wraps it in the
// documented API: `<name>_run(...)` over plain row-major buffers the caller
// owns (when every dimension but the batch is static), status codes with
// messages, dtype names, and a C++20 class (RAII workspace, std::span).
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/CPU/Header.h"

#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"
#include "fulcrum/Execution/HostTensor.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringExtras.h"

#include <cstdio>
#include <set>

using namespace mlir;

namespace fulcrum {

namespace {
/// The C type of an element type, and a short tag for descriptor names.
std::pair<std::string, std::string> cType(Type t) {
  if (t.isF32())
    return {"float", "f32"};
  if (t.isF64())
    return {"double", "f64"};
  if (t.isF16())
    return {"uint16_t", "f16"};
  if (t.isBF16())
    return {"uint16_t", "bf16"};
  if (auto i = dyn_cast<IntegerType>(t)) {
    unsigned w = i.getWidth();
    if (w == 1)
      return {"bool", "i1"};
    bool u = i.isUnsigned();
    return {(u ? "uint" : "int") + std::to_string(w) + "_t",
            (u ? "u" : "i") + std::to_string(w)};
  }
  return {"", ""};
}

/// `s` inside a C string literal.
std::string stringLiteral(StringRef s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (c < 0x20 || c == 0x7f) {
      char octal[5];
      snprintf(octal, sizeof octal, "\\%03o", c);
      out += octal;
      continue;
    }
    out += static_cast<char>(c);
  }
  return out;
}

/// `s` inside a C comment (never ending it).
std::string commentText(StringRef s) {
  std::string out;
  for (char c : s) {
    if (c == '/' && !out.empty() && out.back() == '*')
      out += ' ';
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out;
}

/// Whether `s` is a keyword (or alternative token) of C or C++.
bool isKeyword(StringRef s) {
  static const std::set<StringRef> keywords = {"alignas",
                                               "alignof",
                                               "and",
                                               "and_eq",
                                               "asm",
                                               "auto",
                                               "bitand",
                                               "bitor",
                                               "bool",
                                               "break",
                                               "case",
                                               "catch",
                                               "char",
                                               "char8_t",
                                               "char16_t",
                                               "char32_t",
                                               "class",
                                               "compl",
                                               "concept",
                                               "const",
                                               "consteval",
                                               "constexpr",
                                               "constinit",
                                               "const_cast",
                                               "continue",
                                               "co_await",
                                               "co_return",
                                               "co_yield",
                                               "decltype",
                                               "default",
                                               "delete",
                                               "do",
                                               "double",
                                               "dynamic_cast",
                                               "else",
                                               "enum",
                                               "explicit",
                                               "export",
                                               "extern",
                                               "false",
                                               "float",
                                               "for",
                                               "friend",
                                               "goto",
                                               "if",
                                               "inline",
                                               "int",
                                               "long",
                                               "mutable",
                                               "namespace",
                                               "new",
                                               "noexcept",
                                               "not",
                                               "not_eq",
                                               "nullptr",
                                               "operator",
                                               "or",
                                               "or_eq",
                                               "private",
                                               "protected",
                                               "public",
                                               "register",
                                               "reinterpret_cast",
                                               "requires",
                                               "restrict",
                                               "return",
                                               "short",
                                               "signed",
                                               "sizeof",
                                               "static",
                                               "static_assert",
                                               "static_cast",
                                               "struct",
                                               "switch",
                                               "template",
                                               "this",
                                               "thread_local",
                                               "throw",
                                               "true",
                                               "try",
                                               "typedef",
                                               "typeid",
                                               "typename",
                                               "union",
                                               "unsigned",
                                               "using",
                                               "virtual",
                                               "void",
                                               "volatile",
                                               "wchar_t",
                                               "while",
                                               "xor",
                                               "xor_eq",
                                               "NULL"};
  return keywords.count(s);
}

std::string identifier(StringRef s) {
  std::string out;
  for (char c : s)
    out += llvm::isAlnum(c) ? c : '_';
  if (out.empty() || llvm::isDigit(out[0]))
    out = "_" + out;
  return out;
}
} // namespace

namespace {
/// The declarations every model header shares, guarded so that several
/// model headers (and fulcrum_runtime.h) can be included together.
constexpr const char *kCommonDecls = R"txt(#ifndef FULCRUM_STATUS_DEFINED
#define FULCRUM_STATUS_DEFINED
/* What the run functions return (shared with fulcrum_runtime.h). */
typedef enum {
  FULCRUM_OK = 0,
  FULCRUM_ERROR_INVALID_ARGUMENT = 1,
  FULCRUM_ERROR_OUT_OF_MEMORY = 2,
  FULCRUM_ERROR_THREAD = 3,
  FULCRUM_ERROR_SHAPE_MISMATCH = 4,
  FULCRUM_ERROR_INPUT_SHAPE = 5,
} fulcrum_status;
#endif

#ifndef FULCRUM_MODEL_COMMON_DEFINED
#define FULCRUM_MODEL_COMMON_DEFINED
/* A short English description of a status. */
static inline const char *fulcrum_status_message(int status) {
  switch (status) {
  case FULCRUM_OK:
    return "ok";
  case FULCRUM_ERROR_INVALID_ARGUMENT:
    return "invalid argument (a null pointer, a batch below 1, or a "
           "workspace too small or not 64-byte aligned)";
  case FULCRUM_ERROR_OUT_OF_MEMORY:
    return "out of memory";
  case FULCRUM_ERROR_THREAD:
    return "cannot start a thread";
  case FULCRUM_ERROR_SHAPE_MISMATCH:
    return "an output's shape differs from the buffer's";
  case FULCRUM_ERROR_INPUT_SHAPE:
    return "an input's shape or layout differs from the model's";
  }
  return "unknown status";
}

/* Internal: records why a check failed in `message` (may be NULL). */
static inline int fulcrum_model_fail_(int status, char *message,
                                      size_t message_size, const char *name,
                                      int index, const char *what, long long a,
                                      long long b) {
  if (message && message_size)
    snprintf(message, message_size, "input %d ('%s'): %s (%lld, %lld)",
             index, name, what, a, b);
  return status;
}

/* Internal: checks one input descriptor of `rank` against the model's
 * `shape` (-1: dynamic). With `batched`, the dynamic (leading) dimensions
 * of all inputs are one batch size, kept in *batch. */
static inline int fulcrum_model_check_input_(
    int present, const void *aligned, int64_t offset, const int64_t *sizes,
    const int64_t *strides, int rank, const int64_t *shape, int batched,
    int64_t *batch, const char *name, int index, char *message,
    size_t message_size) {
  int64_t count = 1, stride = 1;
  int d;
  if (!present)
    return fulcrum_model_fail_(FULCRUM_ERROR_INVALID_ARGUMENT, message,
                               message_size, name, index,
                               "the descriptor is NULL", 0, 0);
  if (offset < 0)
    return fulcrum_model_fail_(FULCRUM_ERROR_INPUT_SHAPE, message,
                               message_size, name, index,
                               "negative offset", offset, 0);
  for (d = 0; d < rank; ++d) {
    if (sizes[d] < 0 || (shape[d] >= 0 && sizes[d] != shape[d]))
      return fulcrum_model_fail_(
          FULCRUM_ERROR_INPUT_SHAPE, message, message_size, name, index,
          "dimension (size, expected) differs", sizes[d], shape[d]);
    if (shape[d] < 0 && batched) {
      if (*batch < 0)
        *batch = sizes[d];
      else if (sizes[d] != *batch)
        return fulcrum_model_fail_(
            FULCRUM_ERROR_INPUT_SHAPE, message, message_size, name, index,
            "batch (size, another input's) differs", sizes[d], *batch);
    }
    if (sizes[d] && count > (((int64_t)1) << 48) / sizes[d])
      return fulcrum_model_fail_(FULCRUM_ERROR_INPUT_SHAPE, message,
                                 message_size, name, index,
                                 "over 2^48 elements (dimension, size)", d,
                                 sizes[d]);
    count *= sizes[d];
  }
  for (d = rank - 1; d >= 0; --d) {
    if (sizes[d] > 1 && strides[d] != stride)
      return fulcrum_model_fail_(
          FULCRUM_ERROR_INPUT_SHAPE, message, message_size, name, index,
          "not dense row-major (stride, expected)", strides[d], stride);
    stride *= sizes[d];
  }
  if (count > 0 && !aligned)
    return fulcrum_model_fail_(FULCRUM_ERROR_INVALID_ARGUMENT, message,
                               message_size, name, index,
                               "the data pointer is NULL", 0, 0);
  if (message && message_size)
    message[0] = 0;
  return FULCRUM_OK;
}

/* Internal: copies a result the model allocated into the caller's buffer
 * (row-major) and frees it. */
static inline int fulcrum_model_take_result_(
    int status, void *out, void *allocated, const char *aligned, int64_t offset,
    const int64_t *sizes, const int64_t *strides, int rank,
    const int64_t *expected, size_t elementSize) {
  int64_t index[8] = {0};
  int64_t count = 1;
  int d;
  if (!allocated)
    return status ? status : FULCRUM_ERROR_OUT_OF_MEMORY;
  for (d = 0; d < rank; ++d) {
    if (sizes[d] != expected[d] && !status)
      status = FULCRUM_ERROR_SHAPE_MISMATCH;
    count *= sizes[d];
  }
  if (!status && rank <= 8) {
    int64_t flat;
    for (flat = 0; flat < count; ++flat) {
      int64_t at = offset;
      for (d = 0; d < rank; ++d)
        at += index[d] * strides[d];
      memcpy((char *)out + flat * (int64_t)elementSize,
             aligned + at * (int64_t)elementSize, elementSize);
      for (d = rank - 1; d >= 0; --d) {
        if (++index[d] < sizes[d])
          break;
        index[d] = 0;
      }
    }
  }
  free(allocated);
  return status;
}
#endif

)txt";
} // namespace

namespace {
/// `<name>_check` and `<name>_call`: the descriptor interface with its
/// inputs checked first (ranks are fixed by the descriptor types, dtypes by
/// their element types; sizes, the batch, offsets and strides at run time).
void writeCheckedCall(raw_ostream &os, func::FuncOp func, StringRef name,
                      ArrayRef<std::string> argTypes,
                      ArrayRef<std::string> inNames, bool batched) {
  SmallVector<std::string> params;
  for (auto [i, t] : llvm::enumerate(argTypes))
    params.push_back("const " + t + " *" + inNames[i]);
  params.push_back("char *message");
  params.push_back("size_t message_size");
  os << "/* Checks input descriptors before a descriptor call: not NULL,\n"
     << " * sizes equal to the static dimensions"
     << (batched ? ", the batch (the leading\n * dynamic dimension) the same "
                   "in every input"
                 : "")
     << ", a non-negative offset,\n"
     << " * dense row-major strides, at most 2^48 elements. Returns "
        "FULCRUM_OK, or\n"
     << " * FULCRUM_ERROR_INVALID_ARGUMENT / FULCRUM_ERROR_INPUT_SHAPE with "
        "the\n"
     << " * reason in `message` (when not NULL). */\n"
     << "static inline int " << name << "_check("
     << llvm::join(params, ",\n    ") << ") {\n"
     << "  int64_t batch = -1;\n  int status = FULCRUM_OK;\n  (void)batch;\n";
  for (auto [i, t] : llvm::enumerate(func.getArgumentTypes())) {
    int64_t rank = cast<RankedTensorType>(t).getRank();
    const std::string &n = inNames[i];
    std::string sizes = rank ? n + "->sizes" : "NULL";
    std::string strides = rank ? n + "->strides" : "NULL";
    os << "  if (!status)\n    status = fulcrum_model_check_input_(\n"
       << "        " << n << " != NULL, " << n << " ? (const void *)" << n
       << "->aligned : NULL,\n"
       << "        " << n << " ? " << n << "->offset : 0, " << n << " ? "
       << sizes << " : NULL, " << n << " ? " << strides << " : NULL,\n"
       << "        " << rank << ", " << name << "_input" << i << "_shape, "
       << (batched ? 1 : 0) << ", &batch, " << name << "_input" << i
       << "_name, " << i << ", message, message_size);\n";
  }
  os << "  return status;\n}\n\n";

  params.pop_back();
  params.pop_back();
  SmallVector<std::string> callParams = {name.str() + "_results *results"};
  callParams.append(params.begin(), params.end());
  callParams.push_back("char *message");
  callParams.push_back("size_t message_size");
  os << "/* The checked descriptor call: " << name
     << "_check, then the model (which\n"
     << " * allocates the results; free(results->rN.allocated)). Nothing is\n"
     << " * run, and `results` is zeroed, when a check fails. */\n"
     << "static inline int " << name << "_call("
     << llvm::join(callParams, ",\n    ") << ") {\n"
     << "  int status;\n"
     << "  if (!results)\n    return FULCRUM_ERROR_INVALID_ARGUMENT;\n"
     << "  memset(results, 0, sizeof *results);\n"
     << "  status = " << name << "_check(";
  SmallVector<std::string> args(inNames.begin(), inNames.end());
  args.push_back("message");
  args.push_back("message_size");
  os << llvm::join(args, ", ") << ");\n"
     << "  if (status)\n    return status;\n"
     << "  _mlir_ciface_" << name << "(results";
  for (auto [i, t] : llvm::enumerate(argTypes))
    os << ", (" << t << " *)" << inNames[i];
  os << ");\n  return FULCRUM_OK;\n}\n\n";
}
} // namespace

LogicalResult writeModelHeader(func::FuncOp func, raw_ostream &os) {
  std::string name = func.getName().str();
  std::string guard =
      "FULCRUM_MODEL_" + StringRef(identifier(name)).upper() + "_H";
  std::set<std::string> descriptors;
  std::string decls;
  llvm::raw_string_ostream d(decls);
  auto descriptor = [&](Type type) -> std::string {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor)
      return "";
    auto [c, tag] = cType(tensor.getElementType());
    if (c.empty())
      return "";
    int64_t rank = tensor.getRank();
    std::string n = "fulcrum_memref_" + tag + "_" + std::to_string(rank) + "d";
    if (descriptors.insert(n).second) {
      std::string defined = StringRef(n).upper() + "_DEFINED";
      d << "#ifndef " << defined << "\n#define " << defined << "\n";
      d << "typedef struct {\n  " << c << " *allocated;\n  " << c
        << " *aligned;\n  int64_t offset;\n";
      if (rank)
        d << "  int64_t sizes[" << rank << "];\n  int64_t strides[" << rank
          << "];\n";
      d << "} " << n << ";\n#endif\n\n";
    }
    return n;
  };
  SmallVector<std::string> argTypes, resultTypes;
  for (auto [i, t] : llvm::enumerate(func.getArgumentTypes())) {
    std::string n = descriptor(t);
    if (n.empty())
      return func.emitError("input #")
             << i << " of type " << t << " has no C representation";
    argTypes.push_back(n);
  }
  for (auto [i, t] : llvm::enumerate(func.getResultTypes())) {
    std::string n = descriptor(t);
    if (n.empty())
      return func.emitError("output #")
             << i << " of type " << t << " has no C representation";
    resultTypes.push_back(n);
  }
  auto nameOf = [&](DictionaryAttr dict, StringRef dflt) {
    auto n = dict ? dict.getAs<StringAttr>("onnx.name") : StringAttr();
    return n ? n.str() : dflt.str();
  };
  auto shapeText = [](Type t) {
    std::string s;
    for (int64_t dim : cast<RankedTensorType>(t).getShape())
      s += (s.empty() ? "" : ", ") + (ShapedType::isDynamic(dim)
                                          ? std::string("-1")
                                          : std::to_string(dim));
    return s.empty() ? std::string("0") : s;
  };
  auto dtypeName = [](Type t) {
    return onnxTypeName(static_cast<int32_t>(
        onnx::getONNXDataType(cast<RankedTensorType>(t).getElementType())));
  };

  // Parameter names of the run function: the ONNX names as C identifiers,
  // made unique.
  // Not the names of the run function's locals, nor C/C++ keywords.
  std::set<std::string> taken = {"batch",    "workspace", "workspace_size",
                                 "results",  "status",    "ws",
                                 "expected", "use"};
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    taken.insert("in" + std::to_string(i));
  auto paramName = [&](DictionaryAttr dict, StringRef dflt) {
    std::string base = identifier(nameOf(dict, dflt));
    if (isKeyword(base))
      base += "_";
    std::string n = base;
    for (int k = 2; !taken.insert(n).second; ++k)
      n = base + "_" + std::to_string(k);
    return n;
  };
  SmallVector<std::string> inNames, outNames;
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    inNames.push_back(
        paramName(func.getArgAttrDict(i), "input" + std::to_string(i)));
  for (unsigned i = 0; i < func.getNumResults(); ++i)
    outNames.push_back(
        paramName(func.getResultAttrDict(i), "output" + std::to_string(i)));

  // The plain-pointer call exists when every dimension is static except,
  // perhaps, the leading (batch) one.
  bool hasRun = true, batched = false;
  auto checkShape = [&](Type t) {
    auto shape = cast<RankedTensorType>(t).getShape();
    for (auto [k, dim] : llvm::enumerate(shape))
      if (ShapedType::isDynamic(dim)) {
        if (k == 0)
          batched = true;
        else
          hasRun = false;
      }
  };
  for (Type t : func.getArgumentTypes())
    checkShape(t);
  for (Type t : func.getResultTypes())
    checkShape(t);
  // Element counts and sizes in C: `batch * 784`.
  auto countText = [&](Type t) {
    auto shape = cast<RankedTensorType>(t).getShape();
    int64_t n = 1;
    bool perBatch = false;
    for (int64_t dim : shape) {
      if (ShapedType::isDynamic(dim))
        perBatch = true;
      else
        n *= dim;
    }
    return (perBatch ? "batch * " : "") + std::to_string(n);
  };
  auto shapeDoc = [&](Type t) {
    std::string s = dtypeName(t) + "[";
    for (auto [k, dim] : llvm::enumerate(cast<RankedTensorType>(t).getShape()))
      s +=
          (k ? " x " : "") + (ShapedType::isDynamic(dim) ? std::string("batch")
                                                         : std::to_string(dim));
    return s + "]";
  };
  auto cTypeOf = [](Type t) {
    return cType(cast<RankedTensorType>(t).getElementType()).first;
  };

  os << "/* Generated by fulcrum-compile. Do not edit.\n"
     << " *\n"
     << " * The model `" << name << "`";
  if (hasRun)
    os << ": call " << name << "_run() with plain row-major buffers\n"
       << " * (C), or the C++20 class fulcrum::models::" << name
       << " below. */\n";
  else
    os << ": it has dynamic dimensions besides the batch; call it\n"
       << " * through the descriptor interface at the end of this file. */\n";
  os << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n"
     << "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << kCommonDecls;

  // Inputs and outputs: names, dtypes, shapes.
  auto table = [&](StringRef what, TypeRange types, auto getDict) {
    os << "enum { " << name << "_num_" << what << "s = " << types.size()
       << " };\n";
    for (auto [i, t] : llvm::enumerate(types)) {
      auto tensor = cast<RankedTensorType>(t);
      std::string n = nameOf(getDict(i), (what + Twine(i)).str());
      os << "/* " << what << " " << i << ": \"" << commentText(n) << "\", "
         << dtypeName(t) << ", rank " << tensor.getRank() << " */\n";
      os << "static const int64_t " << name << "_" << what << i
         << "_shape[] = {" << shapeText(t) << "};\n";
      os << "static const char *const " << name << "_" << what << i
         << "_name = \"" << stringLiteral(n) << "\";\n";
      os << "static const char *const " << name << "_" << what << i
         << "_dtype = \"" << dtypeName(t) << "\";\n";
    }
  };
  os << "/* Inputs and outputs (-1: a dynamic dimension). */\n";
  table("input", func.getArgumentTypes(),
        [&](unsigned i) { return func.getArgAttrDict(i); });
  table("output", func.getResultTypes(),
        [&](unsigned i) { return func.getResultAttrDict(i); });
  os << "\n";

  // The descriptor interface (MLIR's C interface): internal when the model
  // has a plain-pointer call.
  os << "/* The descriptor interface: every tensor is a memref descriptor\n"
     << " * {allocated, aligned, offset, sizes[rank], strides[rank]} (in\n"
     << " * elements, row-major); the model allocates the results, whose\n"
     << " * buffers the caller frees with free(results.rN.allocated). */\n"
     << decls;
  os << "typedef struct {\n";
  for (auto [i, t] : llvm::enumerate(resultTypes))
    os << "  " << t << " r" << i << "; /* "
       << commentText(
              nameOf(func.getResultAttrDict(i), "output" + std::to_string(i)))
       << " */\n";
  if (resultTypes.empty())
    os << "  char unused;\n";
  os << "} " << name << "_results;\n\n";
  os << "void _mlir_ciface_" << name << "(" << name << "_results *results";
  for (auto [i, t] : llvm::enumerate(argTypes))
    os << ",\n    " << t << " *" << inNames[i];
  os << ");\n\n";
  os << "/* Bytes of the arena that holds the intermediate tensors of one "
        "call\n"
     << " * at this batch size (the first dimension of dynamic-batch inputs;\n"
     << " * any value for a static model). */\n"
     << "int64_t fulcrum_workspace_size_" << name << "(int64_t batch);\n\n";
  os << "/* The same call with the arena in memory the caller owns: "
        "`workspace`\n"
     << " * (64-byte aligned, at least fulcrum_workspace_size_" << name
     << "(batch)\n"
     << " * bytes; a smaller one is ignored) must not be in use by another\n"
     << " * call at the same time. */\n"
     << "#ifndef FULCRUM_WORKSPACE_DEFINED\n#define FULCRUM_WORKSPACE_DEFINED\n"
     << "typedef struct {\n  uint8_t *allocated;\n  uint8_t *aligned;\n"
     << "  int64_t offset;\n  int64_t sizes[1];\n  int64_t strides[1];\n"
     << "} fulcrum_workspace;\n#endif\n\n";
  os << "void _mlir_ciface_" << name << "_workspace(" << name
     << "_results *results";
  for (auto [i, t] : llvm::enumerate(argTypes))
    os << ",\n    " << t << " *" << inNames[i];
  os << ",\n    fulcrum_workspace *workspace);\n\n";

  writeCheckedCall(os, func, name, argTypes, inNames, hasRun && batched);

  // The plain-pointer API.
  std::string batchArg = batched ? "int64_t batch" : "";
  std::string batchValue = batched ? "batch" : "1";
  os << "/* Bytes of workspace " << name << "_run needs"
     << (batched ? " at this batch size" : "") << ". */\n"
     << "static inline size_t " << name << "_workspace_size("
     << (batched ? batchArg : "void") << ") {\n"
     << "  int64_t bytes = fulcrum_workspace_size_" << name << "(" << batchValue
     << ");\n"
     << "  return bytes > 0 ? (size_t)bytes : 0;\n}\n\n";
  if (hasRun) {
    os << "/* Runs the model" << (batched ? " on `batch` samples" : "")
       << ":\n";
    for (auto [i, t] : llvm::enumerate(func.getArgumentTypes()))
      os << " *   " << inNames[i] << ": " << shapeDoc(t) << ", read\n";
    for (auto [i, t] : llvm::enumerate(func.getResultTypes()))
      os << " *   " << outNames[i] << ": " << shapeDoc(t) << ", written\n";
    os << " * All buffers are dense and row-major; the caller owns them.\n"
       << " * `workspace` holds the intermediate tensors: NULL (the model\n"
       << " * allocates them), or at least " << name << "_workspace_size("
       << (batched ? "batch" : "") << ") bytes,\n"
       << " * 64-byte aligned, not in use by another call at the same time.\n"
       << " * Returns FULCRUM_OK (0) or a fulcrum_status, which\n"
       << " * fulcrum_status_message() describes. */\n";
    os << "static inline int " << name << "_run(";
    SmallVector<std::string> params;
    if (batched)
      params.push_back(batchArg);
    for (auto [i, t] : llvm::enumerate(func.getArgumentTypes()))
      params.push_back("const " + cTypeOf(t) + " *" + inNames[i]);
    for (auto [i, t] : llvm::enumerate(func.getResultTypes()))
      params.push_back(cTypeOf(t) + " *" + outNames[i]);
    params.push_back("void *workspace");
    params.push_back("size_t workspace_size");
    os << llvm::join(params, ",\n    ") << ") {\n";
    os << "  " << name << "_results results;\n  int status = FULCRUM_OK;\n";
    SmallVector<std::string> nullChecks;
    for (const std::string &n : inNames)
      nullChecks.push_back("!" + n);
    for (const std::string &n : outNames)
      nullChecks.push_back("!" + n);
    if (batched) {
      // A batch whose largest tensor exceeds 2^48 bytes cannot be real (and
      // its sizes could overflow in the model's arithmetic).
      int64_t perSample = 1;
      for (TypeRange types : {TypeRange(func.getArgumentTypes()),
                              TypeRange(func.getResultTypes())})
        for (Type t : types) {
          auto tensor = cast<RankedTensorType>(t);
          int64_t n = (tensor.getElementTypeBitWidth() + 7) / 8;
          for (int64_t dim : tensor.getShape())
            if (!ShapedType::isDynamic(dim))
              n = std::min<int64_t>(n * std::max<int64_t>(dim, 1), int64_t(1)
                                                                       << 48);
          perSample = std::max(perSample, n);
        }
      nullChecks.push_back("batch < 1");
      nullChecks.push_back("batch > " +
                           std::to_string((int64_t(1) << 48) / perSample));
    }
    if (!nullChecks.empty())
      os << "  if (" << llvm::join(nullChecks, " || ") << ")\n"
         << "    return FULCRUM_ERROR_INVALID_ARGUMENT;\n";
    os << "  if (workspace && (workspace_size < " << name << "_workspace_size("
       << (batched ? "batch" : "") << ") ||\n"
       << "                   (uintptr_t)workspace % 64 != 0))\n"
       << "    return FULCRUM_ERROR_INVALID_ARGUMENT;\n";
    auto dims = [&](Type t, bool withStrides) {
      auto shape = cast<RankedTensorType>(t).getShape();
      SmallVector<std::string> sizes, strides(shape.size());
      int64_t stride = 1;
      for (int64_t k = shape.size() - 1; k >= 0; --k) {
        strides[k] = std::to_string(stride);
        if (!ShapedType::isDynamic(shape[k]))
          stride *= shape[k];
      }
      for (int64_t dim : shape)
        sizes.push_back(ShapedType::isDynamic(dim) ? "batch"
                                                   : std::to_string(dim));
      std::string s = "{" + llvm::join(sizes, ", ") + "}";
      if (withStrides)
        s += ", {" + llvm::join(strides, ", ") + "}";
      return s;
    };
    for (auto [i, t] : llvm::enumerate(func.getArgumentTypes())) {
      std::string c = cTypeOf(t);
      os << "  " << argTypes[i] << " in" << i << " = {(" << c << " *)"
         << inNames[i] << ", (" << c << " *)" << inNames[i] << ", 0";
      if (cast<RankedTensorType>(t).getRank())
        os << ", " << dims(t, true);
      os << "};\n";
    }
    os << "  memset(&results, 0, sizeof results);\n";
    os << "  if (workspace) {\n"
       << "    fulcrum_workspace ws = {(uint8_t *)workspace, (uint8_t "
          "*)workspace, 0,\n"
       << "                            {(int64_t)workspace_size}, {1}};\n"
       << "    _mlir_ciface_" << name << "_workspace(&results";
    for (unsigned i = 0; i < argTypes.size(); ++i)
      os << ", &in" << i;
    os << ", &ws);\n  } else {\n    _mlir_ciface_" << name << "(&results";
    for (unsigned i = 0; i < argTypes.size(); ++i)
      os << ", &in" << i;
    os << ");\n  }\n";
    for (auto [i, t] : llvm::enumerate(func.getResultTypes())) {
      int64_t rank = cast<RankedTensorType>(t).getRank();
      os << "  {\n";
      if (rank)
        os << "    const int64_t expected[] = " << dims(t, false) << ";\n";
      os << "    status = fulcrum_model_take_result_(\n"
         << "        status, " << outNames[i] << ", results.r" << i
         << ".allocated,\n"
         << "        (const char *)results.r" << i << ".aligned, results.r" << i
         << ".offset, "
         << (rank ? "results.r" + std::to_string(i) + ".sizes" : "NULL")
         << ",\n        "
         << (rank ? "results.r" + std::to_string(i) + ".strides" : "NULL")
         << ", " << rank << ", " << (rank ? "expected" : "NULL") << ", sizeof("
         << cTypeOf(t) << "));\n  }\n";
    }
    os << "  return status;\n}\n";
  }
  os << "\n#ifdef __cplusplus\n}\n#endif\n";

  // The C++20 wrapper: owns the workspace, checks the spans' sizes.
  if (hasRun) {
    os << "\n#if defined(__cplusplus) && __cplusplus >= 202002L\n"
       << "#include <cstdlib>\n#include <memory>\n#include <span>\n\n"
       << "namespace fulcrum::models {\n"
       << (batched ? "/* Owns a workspace for batches of up to `max_batch` (a "
                     "larger\n * batch runs without it); one call at a time "
                     "per object. */\n"
                   : "/* Owns a workspace; one call at a time per object. */\n")
       << "class " << name << " {\npublic:\n"
       << (batched ? "  explicit " + name + "(int64_t max_batch = 1)\n" +
                         "      : max_batch_(max_batch < 1 ? 1 : max_batch),\n"
                   : "  " + name + "()\n      : ")
       << (batched ? "        " : "") << "size_((" << name << "_workspace_size("
       << (batched ? "max_batch_" : "") << ") + 63) / 64 * 64),\n"
       << "        workspace_(size_ ? std::aligned_alloc(64, size_) : "
          "nullptr) {}\n\n"
       << "  /* FULCRUM_OK, or FULCRUM_ERROR_INVALID_ARGUMENT when a span's "
          "size\n"
       << "   * is not the tensor's. */\n"
       << "  int run(";
    SmallVector<std::string> params, checks, args;
    if (batched) {
      params.push_back("int64_t batch");
      args.push_back("batch");
      checks.push_back("batch < 1");
    }
    for (auto [i, t] : llvm::enumerate(func.getArgumentTypes())) {
      params.push_back("std::span<const " + cTypeOf(t) + "> " + inNames[i]);
      checks.push_back(inNames[i] + ".size() != size_t(" + countText(t) + ")");
      args.push_back(inNames[i] + ".data()");
    }
    for (auto [i, t] : llvm::enumerate(func.getResultTypes())) {
      params.push_back("std::span<" + cTypeOf(t) + "> " + outNames[i]);
      checks.push_back(outNames[i] + ".size() != size_t(" + countText(t) + ")");
      args.push_back(outNames[i] + ".data()");
    }
    os << llvm::join(params, ", ") << ") {\n"
       << "    if (" << llvm::join(checks, " ||\n        ") << ")\n"
       << "      return FULCRUM_ERROR_INVALID_ARGUMENT;\n";
    std::string useWorkspace = batched ? "batch <= max_batch_" : "true";
    os << "    bool use = " << useWorkspace << " && workspace_;\n"
       << "    return " << name << "_run(" << llvm::join(args, ", ")
       << ", use ? workspace_.get() : nullptr,\n"
       << "        use ? size_ : 0);\n  }\n\n"
       << "  static const char *message(int status) {\n"
       << "    return fulcrum_status_message(status);\n  }\n\n"
       << "private:\n"
       << "  struct free_ {\n"
       << "    void operator()(void *p) const { std::free(p); }\n  };\n"
       << (batched ? "  int64_t max_batch_;\n" : "") << "  size_t size_;\n"
       << "  std::unique_ptr<void, free_> workspace_;\n};\n"
       << "} // namespace fulcrum::models\n#endif\n";
  }
  os << "\n#endif /* " << guard << " */\n";
  return success();
}

} // namespace fulcrum
