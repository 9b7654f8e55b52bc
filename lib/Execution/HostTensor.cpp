//===- HostTensor.cpp - Tensors on the host: files and comparison ---------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Execution/HostTensor.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include "onnx/onnx_pb.h"

#include <zlib.h>

#include <climits>
#include <cmath>
#include <cstring>

namespace fulcrum {

namespace {
llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The byte size of a tensor of `shape` and `elementSize`-byte elements,
/// or an error naming `what` when a dimension is negative, the rank over
/// kMaxFileRank, or the count over kMaxFileElements (checked before
/// anything of that size is allocated).
constexpr size_t kMaxFileRank = 32;
constexpr uint64_t kMaxFileElements = uint64_t(1) << 40;
llvm::Expected<uint64_t> checkedBytes(llvm::ArrayRef<int64_t> shape,
                                      size_t elementSize,
                                      const std::string &what) {
  if (shape.size() > kMaxFileRank)
    return error("'" + what + "': rank " + llvm::Twine(shape.size()) +
                 " exceeds the limit of " + llvm::Twine(kMaxFileRank));
  uint64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0)
      return error("'" + what + "': negative dimension " + llvm::Twine(d));
    if (__builtin_mul_overflow(count, static_cast<uint64_t>(d), &count) ||
        count > kMaxFileElements)
      return error("'" + what + "': more than " +
                   llvm::Twine(kMaxFileElements) +
                   " elements, the limit of a tensor");
  }
  return count * elementSize;
}

template <typename T, typename Range>
void append(std::vector<char> &out, const Range &values) {
  for (auto v : values) {
    T x = static_cast<T>(v);
    const char *p = reinterpret_cast<const char *>(&x);
    out.insert(out.end(), p, p + sizeof(T));
  }
}
} // namespace

size_t onnxElementSize(int32_t t) {
  switch (t) {
  case 1: case 6: case 12: return 4;
  case 2: case 3: case 9: return 1;
  case 4: case 5: case 10: case 16: return 2;
  case 7: case 11: case 13: case 14: return 8;
  case 15: return 16;
  default: return 0;
  }
}

std::string onnxTypeName(int32_t t) {
  static const char *names[] = {"undefined", "float32", "uint8",   "int8",
                                "uint16",    "int16",   "int32",   "int64",
                                "string",    "bool",    "float16", "float64",
                                "uint32",    "uint64",  "complex64",
                                "complex128", "bfloat16"};
  return t >= 0 && t <= 16 ? names[t] : "type" + std::to_string(t);
}

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

size_t HostTensor::elementSize() const { return onnxElementSize(dataType); }

std::string HostTensor::describe() const {
  std::string s = onnxTypeName(dataType) + "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "x" : "") + std::to_string(shape[i]);
  return s + "]";
}

llvm::Expected<HostTensor> readTensorProtoFile(const std::string &path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return error("cannot read '" + path + "': " + buffer.getError().message());
  return parseTensorProto((*buffer)->getBuffer(), path);
}

llvm::Expected<HostTensor> parseTensorProto(llvm::StringRef buffer,
                                            const std::string &path) {
  onnx::TensorProto proto;
  if (buffer.size() > INT_MAX ||
      !proto.ParseFromArray(buffer.data(), static_cast<int>(buffer.size())))
    return error("'" + path + "' is not a TensorProto");
  HostTensor t;
  t.name = proto.name();
  t.dataType = proto.data_type();
  t.shape.assign(proto.dims().begin(), proto.dims().end());
  size_t size = onnxElementSize(t.dataType);
  if (size == 0)
    return error("'" + path + "': unsupported data type " +
                 onnxTypeName(t.dataType));
  auto bytes = checkedBytes(t.shape, size, path);
  if (!bytes)
    return bytes.takeError();
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    return error("'" + path + "': external data is not supported here");
  if (proto.has_raw_data()) {
    t.data.assign(proto.raw_data().begin(), proto.raw_data().end());
  } else {
    switch (t.dataType) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::COMPLEX64:
      append<float>(t.data, proto.float_data());
      break;
    case onnx::TensorProto::DOUBLE:
    case onnx::TensorProto::COMPLEX128:
      append<double>(t.data, proto.double_data());
      break;
    case onnx::TensorProto::INT64:
      append<int64_t>(t.data, proto.int64_data());
      break;
    case onnx::TensorProto::UINT32:
      append<uint32_t>(t.data, proto.uint64_data());
      break;
    case onnx::TensorProto::UINT64:
      append<uint64_t>(t.data, proto.uint64_data());
      break;
    default:
      if (size == 1)
        append<uint8_t>(t.data, proto.int32_data());
      else if (size == 2)
        append<uint16_t>(t.data, proto.int32_data());
      else
        append<int32_t>(t.data, proto.int32_data());
    }
  }
  if (t.data.size() != *bytes)
    return error("'" + path + "': " + std::to_string(t.data.size()) +
                 " bytes of data for " + t.describe());
  return t;
}

/// Parses the contents of a .npy file; `path` names it in errors (for an
/// array inside an .npz archive, "archive.npz:name").
llvm::Expected<HostTensor> parseNpy(llvm::StringRef bytes,
                                    const std::string &path) {
  if (!bytes.starts_with("\x93NUMPY") || bytes.size() < 10)
    return error("'" + path + "' is not a .npy file");
  uint8_t major = bytes[6];
  size_t headerLen, offset;
  if (major == 1) {
    headerLen = static_cast<uint8_t>(bytes[8]) |
                (static_cast<uint8_t>(bytes[9]) << 8);
    offset = 10;
  } else {
    if (bytes.size() < 12)
      return error("'" + path + "': truncated header");
    headerLen = static_cast<uint8_t>(bytes[8]) |
                (static_cast<uint8_t>(bytes[9]) << 8) |
                (static_cast<uint8_t>(bytes[10]) << 16) |
                (static_cast<uint32_t>(static_cast<uint8_t>(bytes[11])) << 24);
    offset = 12;
  }
  if (offset + headerLen > bytes.size())
    return error("'" + path + "': truncated header");
  llvm::StringRef header = bytes.substr(offset, headerLen);
  auto field = [&](llvm::StringRef key) -> llvm::StringRef {
    size_t k = header.find(key);
    if (k == llvm::StringRef::npos)
      return "";
    return header.substr(k + key.size()).ltrim(" :");
  };
  llvm::StringRef descr = field("'descr'");
  if (descr.size() < 2)
    return error("'" + path + "': no dtype");
  descr = descr.drop_front().take_until([](char c) { return c == '\''; });
  if (field("'fortran_order'").starts_with("True"))
    return error("'" + path + "': Fortran order is not supported");
  static const std::pair<const char *, int32_t> dtypes[] = {
      {"<f4", 1}, {"|u1", 2}, {"|i1", 3}, {"<u2", 4}, {"<i2", 5},
      {"<i4", 6}, {"<i8", 7}, {"|b1", 9}, {"<f2", 10}, {"<f8", 11},
      {"<u4", 12}, {"<u8", 13}, {"<c8", 14}, {"<c16", 15}};
  HostTensor t;
  for (auto [d, code] : dtypes)
    if (descr == d)
      t.dataType = code;
  if (!t.dataType)
    return error("'" + path + "': unsupported dtype '" + descr + "'");
  llvm::StringRef shape = field("'shape'");
  shape = shape.drop_front().take_until([](char c) { return c == ')'; });
  llvm::SmallVector<llvm::StringRef> dims;
  shape.split(dims, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef d : dims) {
    int64_t v;
    if (d.trim().getAsInteger(10, v))
      return error("'" + path + "': bad shape");
    t.shape.push_back(v);
  }
  auto checked = checkedBytes(t.shape, t.elementSize(), path);
  if (!checked)
    return checked.takeError();
  size_t data = offset + headerLen;
  uint64_t expected = *checked;
  if (bytes.size() - data != expected)
    return error("'" + path + "': " + std::to_string(bytes.size() - data) +
                 " bytes of data for " + t.describe());
  t.data.assign(bytes.begin() + data, bytes.end());
  t.name = path;
  return t;
}

namespace {
uint64_t readLE(llvm::StringRef bytes, size_t at, unsigned size) {
  uint64_t v = 0;
  for (unsigned i = 0; i < size; ++i)
    v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[at + i])) << (8 * i);
  return v;
}

/// Inflates a raw deflate stream (zip method 8) of known output size.
llvm::Expected<std::string> inflateRaw(llvm::StringRef in, uint64_t size,
                                       const std::string &what) {
  // Deflate expands at most 1032:1; a larger stated size is a lie, checked
  // before the output is allocated (as are sizes zlib's 32-bit counters
  // cannot take in one call).
  if (size / 1032 > in.size() || size > UINT32_MAX || in.size() > UINT32_MAX)
    return error("'" + what + "': corrupt compressed data (" +
                 llvm::Twine(in.size()) + " bytes cannot inflate to " +
                 llvm::Twine(size) + ")");
  std::string out(size, '\0');
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
    return error("'" + what + "': cannot start zlib");
  zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef *>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&zs, Z_FINISH);
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || zs.total_out != size)
    return error("'" + what + "': corrupt compressed data");
  return out;
}
} // namespace

llvm::Expected<HostTensor> readNpyFile(const std::string &path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return error("cannot read '" + path + "': " + buffer.getError().message());
  return parseNpy((*buffer)->getBuffer(), path);
}

llvm::Expected<std::vector<HostTensor>>
readNpzFile(const std::string &path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return error("cannot read '" + path + "': " + buffer.getError().message());
  return parseNpz((*buffer)->getBuffer(), path);
}

llvm::Expected<std::vector<HostTensor>> parseNpz(llvm::StringRef bytes,
                                                 const std::string &path) {
  auto bad = [&](const llvm::Twine &why) {
    return error("'" + path + "' is not a valid .npz archive: " + why);
  };
  // The end-of-central-directory record: the last "PK\5\6" within the
  // final 64 KiB + 22 bytes.
  if (bytes.size() < 22)
    return bad("too short");
  size_t eocd = llvm::StringRef::npos;
  size_t lowest = bytes.size() > 65557 ? bytes.size() - 65557 : 0;
  for (size_t at = bytes.size() - 22 + 1; at-- > lowest;)
    if (readLE(bytes, at, 4) == 0x06054b50) {
      eocd = at;
      break;
    }
  if (eocd == llvm::StringRef::npos)
    return bad("no end-of-central-directory record");
  uint64_t entries = readLE(bytes, eocd + 10, 2);
  uint64_t dir = readLE(bytes, eocd + 16, 4);
  if (dir == 0xFFFFFFFF || entries == 0xFFFF) { // ZIP64
    if (eocd < 20 || readLE(bytes, eocd - 20, 4) != 0x07064b50)
      return bad("no ZIP64 locator");
    uint64_t rec = readLE(bytes, eocd - 20 + 8, 8);
    if (rec > bytes.size() || bytes.size() - rec < 56 ||
        readLE(bytes, rec, 4) != 0x06064b50)
      return bad("bad ZIP64 record");
    entries = readLE(bytes, rec + 32, 8);
    dir = readLE(bytes, rec + 48, 8);
  }
  std::vector<HostTensor> tensors;
  uint64_t at = dir;
  for (uint64_t e = 0; e < entries; ++e) {
    // Every offset below comes from the file: compare by subtraction so
    // that none overflows.
    auto fits = [&](uint64_t from, uint64_t length) {
      return from <= bytes.size() && length <= bytes.size() - from;
    };
    if (!fits(at, 46) || readLE(bytes, at, 4) != 0x02014b50)
      return bad("bad central directory");
    unsigned method = readLE(bytes, at + 10, 2);
    uint64_t crc = readLE(bytes, at + 16, 4);
    uint64_t packed = readLE(bytes, at + 20, 4);
    uint64_t size = readLE(bytes, at + 24, 4);
    uint64_t nameLen = readLE(bytes, at + 28, 2);
    uint64_t extraLen = readLE(bytes, at + 30, 2);
    uint64_t commentLen = readLE(bytes, at + 32, 2);
    uint64_t local = readLE(bytes, at + 42, 4);
    if (!fits(at, 46 + nameLen + extraLen))
      return bad("bad central directory");
    std::string name = bytes.substr(at + 46, nameLen).str();
    // ZIP64 sizes and offset, for the fields saturated above.
    for (uint64_t x = at + 46 + nameLen; x + 4 <= at + 46 + nameLen + extraLen;) {
      uint64_t id = readLE(bytes, x, 2), len = readLE(bytes, x + 2, 2);
      uint64_t f = x + 4;
      if (id == 1) {
        for (uint64_t *v : {&size, &packed, &local})
          if (*v == 0xFFFFFFFF && f + 8 <= x + 4 + len) {
            *v = readLE(bytes, f, 8);
            f += 8;
          }
      }
      x += 4 + len;
    }
    at += 46 + nameLen + extraLen + commentLen;
    if (!fits(local, 30) || readLE(bytes, local, 4) != 0x04034b50)
      return bad("bad local header for '" + name + "'");
    uint64_t data = local + 30 + readLE(bytes, local + 26, 2) +
                    readLE(bytes, local + 28, 2);
    if (!fits(data, packed))
      return bad("'" + name + "' is truncated");
    std::string member = path + ":" + name;
    llvm::StringRef contents = bytes.substr(data, packed);
    std::string inflated;
    if (method == 8) {
      auto out = inflateRaw(contents, size, member);
      if (!out)
        return out.takeError();
      inflated = std::move(*out);
      contents = inflated;
    } else if (method != 0) {
      return bad("'" + name + "' uses compression method " +
                 llvm::Twine(method) + " (only stored and deflate are read)");
    }
    if (contents.size() > UINT32_MAX ||
        crc32(0, reinterpret_cast<const Bytef *>(contents.data()),
              static_cast<uInt>(contents.size())) != crc)
      return bad("'" + name + "' fails its CRC-32 check");
    auto t = parseNpy(contents, member);
    if (!t)
      return t.takeError();
    llvm::StringRef key(name);
    key.consume_back(".npy");
    t->name = key.str();
    tensors.push_back(std::move(*t));
  }
  return tensors;
}

llvm::Error writeNpyFile(const HostTensor &t, const std::string &path) {
  static const char *descrs[] = {"",    "<f4", "|u1", "|i1",  "<u2", "<i2",
                                 "<i4", "<i8", "",    "|b1",  "<f2", "<f8",
                                 "<u4", "<u8", "<c8", "<c16", "<u2"};
  if (t.dataType <= 0 || t.dataType > 16 || !*descrs[t.dataType])
    return error("cannot write " + onnxTypeName(t.dataType) + " as .npy");
  std::string shape;
  for (int64_t d : t.shape)
    shape += std::to_string(d) + ", ";
  if (t.shape.size() > 1)
    shape.resize(shape.size() - 2);
  std::string header = std::string("{'descr': '") + descrs[t.dataType] +
                       "', 'fortran_order': False, 'shape': (" + shape + "), }";
  // Pad so that the data starts on a multiple of 64 bytes.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return error("cannot write '" + path + "': " + ec.message());
  os << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 0xff)
     << char(header.size() >> 8) << header;
  os.write(t.data.data(), t.data.size());
  return llvm::Error::success();
}

llvm::Expected<HostTensor> readTensorFile(const std::string &path) {
  if (llvm::StringRef(path).ends_with(".npy"))
    return readNpyFile(path);
  return readTensorProtoFile(path);
}

double valueAt(const HostTensor &t, int64_t i) {
  const char *p = t.data.data() + i * t.elementSize();
  auto get = [&](auto x) {
    std::memcpy(&x, p, sizeof(x));
    return static_cast<double>(x);
  };
  switch (t.dataType) {
  case 1: return get(float());
  case 11: return get(double());
  case 2: case 9: return get(uint8_t());
  case 3: return get(int8_t());
  case 4: return get(uint16_t());
  case 5: return get(int16_t());
  case 6: return get(int32_t());
  case 7: return get(int64_t());
  case 12: return get(uint32_t());
  case 13: return get(uint64_t());
  case 10: { // float16
    uint16_t h;
    std::memcpy(&h, p, 2);
    int e = (h >> 10) & 31, m = h & 1023;
    double v = e == 0 ? std::ldexp(m, -24)
               : e == 31 ? (m ? NAN : INFINITY)
                         : std::ldexp(m + 1024, e - 25);
    return (h & 0x8000) ? -v : v;
  }
  case 16: { // bfloat16
    uint16_t h;
    std::memcpy(&h, p, 2);
    uint32_t f = static_cast<uint32_t>(h) << 16;
    float v;
    std::memcpy(&v, &f, 4);
    return v;
  }
  default: return 0;
  }
}

std::string compareTensors(const HostTensor &expected, const HostTensor &actual,
                           double rtol, double atol) {
  std::string report;
  llvm::raw_string_ostream os(report);
  // NumPy has no bfloat16: expected bfloat16 values come as uint16 bits.
  if (expected.dataType == 4 && actual.dataType == 16) {
    HostTensor asBF16 = expected;
    asBF16.dataType = 16;
    return compareTensors(asBF16, actual, rtol, atol);
  }
  if (expected.dataType != actual.dataType || expected.shape != actual.shape) {
    os << "expected " << expected.describe() << ", got " << actual.describe();
    return os.str();
  }
  bool isFloat = expected.dataType == 1 || expected.dataType == 10 ||
                 expected.dataType == 11 || expected.dataType == 16;
  int64_t n = expected.numElements(), mismatches = 0;
  double worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    double e = valueAt(expected, i), a = valueAt(actual, i);
    bool ok;
    if (isFloat) {
      ok = (std::isnan(e) && std::isnan(a)) || e == a ||
           std::fabs(a - e) <= atol + rtol * std::fabs(e);
    } else {
      ok = std::memcmp(expected.data.data() + i * expected.elementSize(),
                       actual.data.data() + i * actual.elementSize(),
                       expected.elementSize()) == 0;
    }
    if (ok)
      continue;
    worst = std::max(worst, std::fabs(a - e));
    if (mismatches++ < 5)
      os << "\n    at flat index " << i << ": expected " << e << ", got " << a;
  }
  if (mismatches == 0)
    return "";
  std::string head;
  llvm::raw_string_ostream hs(head);
  hs << mismatches << " of " << n << " elements differ (largest difference "
     << worst << ", rtol " << rtol << ", atol " << atol << ")";
  return hs.str() + os.str();
}

} // namespace fulcrum
