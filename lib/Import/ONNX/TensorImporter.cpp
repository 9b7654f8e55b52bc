//===- TensorImporter.cpp - ONNX tensors and types to MLIR ----------------===//
//
// Part of Fulcrum. Converts TensorProto/SparseTensorProto/TypeProto. Weights
// become `dense_resource` blobs that own the protobuf's bytes (moved, never
// copied) or the mapped external-data file, so that importing a large model
// costs little more than reading it.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"
#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace mlir;

namespace fulcrum::detail {

namespace {

/// Bytes per element of the blob storage of `elementType` (i1 uses a byte).
size_t storageBytes(Type elementType) {
  if (auto complex = dyn_cast<ComplexType>(elementType))
    return 2 * storageBytes(complex.getElementType());
  unsigned bits = elementType.getIntOrFloatBitWidth();
  return bits == 1 ? 1 : bits / 8;
}

/// Appends `values` converted to `T` to `out`.
template <typename T, typename Range>
void appendAs(std::string &out, const Range &values) {
  for (auto v : values) {
    T x = static_cast<T>(v);
    out.append(reinterpret_cast<const char *>(&x), sizeof(T));
  }
}

/// The little-endian element bytes of a tensor stored in its typed fields.
std::string packTypedData(const ::onnx::TensorProto &t, size_t elementBytes) {
  std::string out;
  using TP = ::onnx::TensorProto;
  switch (t.data_type()) {
  case TP::FLOAT:
  case TP::COMPLEX64:
    appendAs<float>(out, t.float_data());
    break;
  case TP::DOUBLE:
  case TP::COMPLEX128:
    appendAs<double>(out, t.double_data());
    break;
  case TP::INT64:
    appendAs<int64_t>(out, t.int64_data());
    break;
  case TP::UINT32:
    appendAs<uint32_t>(out, t.uint64_data());
    break;
  case TP::UINT64:
    appendAs<uint64_t>(out, t.uint64_data());
    break;
  default:
    // int32_data holds int32, int16, int8, uint16, uint8, bool, and the bits
    // of float16/bfloat16.
    switch (elementBytes) {
    case 1:
      appendAs<uint8_t>(out, t.int32_data());
      break;
    case 2:
      appendAs<uint16_t>(out, t.int32_data());
      break;
    default:
      appendAs<int32_t>(out, t.int32_data());
    }
  }
  return out;
}

/// A blob that owns a heap string.
AsmResourceBlob blobFromString(std::string &&bytes, size_t alignment) {
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignment != 0)
    return HeapAsmResourceBlob::allocateAndCopyWithAlign(
        ArrayRef<char>(bytes.data(), bytes.size()), alignment);
  auto *owned = new std::string(std::move(bytes));
  if (reinterpret_cast<uintptr_t>(owned->data()) % alignment != 0) {
    auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
        ArrayRef<char>(owned->data(), owned->size()), alignment);
    delete owned;
    return blob;
  }
  return AsmResourceBlob(
      ArrayRef<char>(owned->data(), owned->size()), alignment,
      [owned](void *, size_t, size_t) { delete owned; },
      /*dataIsMutable=*/true);
}

/// Reads the external data of `t` (location/offset/length next to the model).
FailureOr<AsmResourceBlob> readExternal(const ImportContext &ctx,
                                        const ::onnx::TensorProto &t,
                                        size_t expectedBytes, size_t alignment,
                                        StringRef what) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &kv : t.external_data()) {
    if (kv.key() == "location") {
      location = kv.value();
    } else if (kv.key() == "offset" || kv.key() == "length") {
      uint64_t v;
      if (StringRef(kv.value()).getAsInteger(10, v) ||
          v > uint64_t(INT64_MAX)) {
        ctx.emitError() << what << ": invalid external data " << kv.key()
                        << " '" << kv.value() << "'";
        return failure();
      }
      (kv.key() == "offset" ? offset : length) = static_cast<int64_t>(v);
    }
  }
  if (location.empty() || llvm::sys::path::is_absolute(location)) {
    ctx.emitError() << what << ": invalid external data location '" << location
                    << "'";
    return failure();
  }
  SmallString<256> file(ctx.modelDir);
  llvm::sys::path::append(file, location);
  if (length < 0)
    length = static_cast<int64_t>(expectedBytes);
  if (static_cast<size_t>(length) != expectedBytes) {
    ctx.emitError() << what << ": external data has " << length
                    << " bytes, the tensor needs " << expectedBytes;
    return failure();
  }
  // The slice must lie in the file (mapping past its end reads zeros, or
  // faults).
  uint64_t fileSize;
  if (std::error_code ec = llvm::sys::fs::file_size(file, fileSize)) {
    ctx.emitError() << what << ": cannot read external data file '" << file
                    << "': " << ec.message();
    return failure();
  }
  if (static_cast<uint64_t>(offset) > fileSize ||
      static_cast<uint64_t>(length) > fileSize - offset) {
    ctx.emitError() << what << ": external data at offset " << offset
                    << " with length " << length << " lies outside '"
                    << location << "' (" << fileSize << " bytes)";
    return failure();
  }
  auto buffer = llvm::MemoryBuffer::getFileSlice(file, length, offset,
                                                 /*IsVolatile=*/false);
  if (!buffer) {
    ctx.emitError() << what << ": cannot read external data file '" << file
                    << "': " << buffer.getError().message();
    return failure();
  }
  if (ctx.externalDataFiles &&
      !llvm::is_contained(*ctx.externalDataFiles, file.str()))
    ctx.externalDataFiles->push_back(file.str().str());
  llvm::MemoryBuffer *owned = buffer->release();
  const char *data = owned->getBufferStart();
  if (reinterpret_cast<uintptr_t>(data) % alignment != 0) {
    auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
        ArrayRef<char>(data, owned->getBufferSize()), alignment);
    delete owned;
    return blob;
  }
  return AsmResourceBlob(
      ArrayRef<char>(data, owned->getBufferSize()), alignment,
      [owned](void *, size_t, size_t) { delete owned; },
      /*dataIsMutable=*/false);
}

/// A resource name derived from a tensor name: an identifier, as the MLIR
/// parser requires of resource keys (PyTorch names tensors "1", "2", ...).
std::string resourceName(StringRef name) {
  std::string out;
  for (char c : name)
    out += (llvm::isAlnum(c) || c == '_' || c == '.') ? c : '_';
  if (out.empty() || !(llvm::isAlpha(out[0]) || out[0] == '_'))
    out.insert(0, "_");
  return out;
}

} // namespace

Type convertType(const ImportContext &ctx, const ::onnx::TypeProto &type,
                 StringRef what) {
  MLIRContext *mctx = ctx.context;
  switch (type.value_case()) {
  case ::onnx::TypeProto::kTensorType: {
    const auto &tt = type.tensor_type();
    Type elt = onnx::getElementTypeFromONNX(mctx, tt.elem_type());
    if (!elt) {
      ctx.emitError() << what << ": unsupported element type "
                      << tt.elem_type();
      return nullptr;
    }
    if (!tt.has_shape())
      return UnrankedTensorType::get(elt);
    SmallVector<int64_t> shape;
    for (const auto &d : tt.shape().dim())
      shape.push_back(d.has_dim_value() && d.dim_value() >= 0
                          ? d.dim_value()
                          : ShapedType::kDynamic);
    // Shape inference may have made a shape the model did not state.
    SmallVector<int64_t> limits(shape);
    for (int64_t &d : limits)
      if (ShapedType::isDynamic(d))
        d = -1;
    if (failed(checkShapeLimits(ctx, limits, what)))
      return nullptr;
    return RankedTensorType::get(shape, elt);
  }
  case ::onnx::TypeProto::kSequenceType: {
    if (!type.sequence_type().has_elem_type()) {
      ctx.emitError() << what << ": sequence type without element type";
      return nullptr;
    }
    Type elt = convertType(ctx, type.sequence_type().elem_type(), what);
    return elt ? onnx::SeqType::get(mctx, elt) : nullptr;
  }
  case ::onnx::TypeProto::kOptionalType: {
    if (!type.optional_type().has_elem_type()) {
      ctx.emitError() << what << ": optional type without element type";
      return nullptr;
    }
    Type elt = convertType(ctx, type.optional_type().elem_type(), what);
    return elt ? onnx::OptType::get(mctx, elt) : nullptr;
  }
  default:
    ctx.emitError() << what
                    << ": unsupported type (maps and sparse tensors "
                       "are not supported)";
    return nullptr;
  }
}

ElementsAttr convertTensor(const ImportContext &ctx, ::onnx::TensorProto &t,
                           bool forceResource, StringRef what) {
  MLIRContext *mctx = ctx.context;
  Type elt = onnx::getElementTypeFromONNX(mctx, t.data_type());
  if (!elt) {
    ctx.emitError() << what << ": unsupported tensor data type "
                    << t.data_type();
    return nullptr;
  }
  SmallVector<int64_t> shape(t.dims().begin(), t.dims().end());
  for (int64_t d : shape)
    if (d < 0) {
      ctx.emitError() << what << ": negative dimension " << d;
      return nullptr;
    }
  if (failed(checkShapeLimits(ctx, shape, what)))
    return nullptr;
  auto type = RankedTensorType::get(shape, elt);
  int64_t count = type.getNumElements();

  if (isa<onnx::StringType>(elt)) {
    if (t.string_data_size() != count) {
      ctx.emitError() << what << ": has " << t.string_data_size()
                      << " strings for " << count << " elements";
      return nullptr;
    }
    SmallVector<StringRef> strings(t.string_data().begin(),
                                   t.string_data().end());
    return DenseStringElementsAttr::get(type, strings);
  }

  size_t eltBytes = storageBytes(elt);
  size_t expected = static_cast<size_t>(count) * eltBytes;
  size_t alignment = std::min<size_t>(eltBytes, 8);
  bool external = t.data_location() == ::onnx::TensorProto::EXTERNAL;
  std::string bytes;
  if (!external)
    bytes = t.has_raw_data() ? std::move(*t.mutable_raw_data())
                             : packTypedData(t, eltBytes);
  if (!external && bytes.size() != expected) {
    ctx.emitError() << what << ": has " << bytes.size() << " bytes of data, "
                    << type << " needs " << expected;
    return nullptr;
  }

  // Small constants stay readable and foldable as dense attributes.
  if (!forceResource && !external && count <= 8) {
    if (elt.isInteger(1)) {
      SmallVector<bool> values;
      for (char c : bytes)
        values.push_back(c != 0);
      return DenseElementsAttr::get(type, values);
    }
    bool splat = false;
    if (DenseElementsAttr::isValidRawBuffer(
            type, ArrayRef<char>(bytes.data(), bytes.size()), splat))
      return DenseElementsAttr::getFromRawBuffer(
          type, ArrayRef<char>(bytes.data(), bytes.size()));
  }

  AsmResourceBlob blob;
  if (external) {
    auto ext = readExternal(ctx, t, expected, alignment, what);
    if (failed(ext))
      return nullptr;
    blob = std::move(*ext);
  } else {
    blob = blobFromString(std::move(bytes), alignment);
  }
  return DenseResourceElementsAttr::get(type, resourceName(t.name()),
                                        std::move(blob));
}

ElementsAttr convertSparseTensor(const ImportContext &ctx,
                                 ::onnx::SparseTensorProto &sparse,
                                 StringRef what) {
  SmallVector<int64_t> shape(sparse.dims().begin(), sparse.dims().end());
  for (int64_t d : shape)
    if (d <= 0) {
      ctx.emitError() << what << ": sparse tensor dimension " << d
                      << " is not positive";
      return nullptr;
    }
  if (failed(checkShapeLimits(ctx, shape, what)))
    return nullptr;
  ElementsAttr values = convertTensor(ctx, *sparse.mutable_values(),
                                      /*forceResource=*/false, what);
  if (!values)
    return nullptr;
  auto denseValues = dyn_cast<DenseElementsAttr>(values);
  ElementsAttr indicesAttr = convertTensor(ctx, *sparse.mutable_indices(),
                                           /*forceResource=*/false, what);
  if (!indicesAttr)
    return nullptr;
  // Read indices through the generic elements interface.
  SmallVector<int64_t> flat;
  auto indexType = cast<ShapedType>(indicesAttr.getType());
  if (auto dense = dyn_cast<DenseIntElementsAttr>(indicesAttr)) {
    for (const APInt &v : dense.getValues<APInt>())
      flat.push_back(v.getSExtValue());
  } else if (auto res = dyn_cast<DenseResourceElementsAttr>(indicesAttr)) {
    ArrayRef<char> raw = res.getRawHandle().getBlob()->getData();
    flat.resize(raw.size() / sizeof(int64_t));
    std::memcpy(flat.data(), raw.data(), flat.size() * sizeof(int64_t));
  }
  int64_t nnz = sparse.values().dims_size() ? sparse.values().dims(0) : 0;
  int64_t rank = shape.size();
  SmallVector<int64_t> coords;
  if (indexType.getRank() == 1) {
    // Linearized indices: convert to coordinates.
    for (int64_t linear : flat) {
      SmallVector<int64_t> c(rank);
      for (int64_t d = rank - 1; d >= 0; --d) {
        c[d] = linear % shape[d];
        linear /= shape[d];
      }
      coords.append(c);
    }
  } else {
    coords = flat;
  }
  if (!denseValues || !indexType.getElementType().isInteger(64) ||
      static_cast<int64_t>(coords.size()) != nnz * std::max<int64_t>(rank, 1)) {
    ctx.emitError() << what << ": malformed sparse tensor";
    return nullptr;
  }
  // Every coordinate lies in the shape (linearized indices too: a negative
  // or too large one gives a coordinate outside).
  for (size_t k = 0; rank && k < coords.size(); ++k)
    if (coords[k] < 0 || coords[k] >= shape[k % rank] ||
        (indexType.getRank() == 1 && flat[k / rank] < 0) ||
        (indexType.getRank() == 1 && static_cast<uint64_t>(flat[k / rank]) >=
                                         *checkedElementCount(shape))) {
      ctx.emitError() << what << ": sparse index out of range";
      return nullptr;
    }
  auto indexAttr = DenseIntElementsAttr::get(
      RankedTensorType::get({nnz, rank}, IntegerType::get(ctx.context, 64)),
      coords);
  auto type = RankedTensorType::get(
      shape, cast<ShapedType>(values.getType()).getElementType());
  return SparseElementsAttr::get(type, indexAttr, denseValues);
}

} // namespace fulcrum::detail
