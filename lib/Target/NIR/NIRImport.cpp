//===- NIRImport.cpp - NIR (HDF5) to the snn dialect ----------------------===//
//
// Part of Fulcrum. See NIRFile.h. Importing runs in two halves:
//
//  1. readNIRGraph: libhdf5 opens the file image and every dataset of the
//     graph is read into plain vectors (NIRGraph), which are serialized.
//     libhdf5 crashes or loops on some malformed files instead of reporting
//     an error, so importNIR runs this half in a forked child process
//     (runInChild) with a time limit (5 s, 1 s more per 32 MiB); a crash
//     or a loop there is an error here.
//  2. importNIRGraph: the serialized graph is parsed back (every count is
//     checked against the bytes left) and checked node by node while the
//     snn ops are built. No libhdf5 here; this half is fuzzed directly
//     (fulcrum-fuzz-nir-graph).
//
// Sizes are bounded before anything is allocated: a dataset may hold no
// more elements than 1032 times the file's size (deflate's largest ratio)
// plus 2^20, tensors at most 2^31 elements, and stride, padding, dilation
// and kernel sizes at most 2^20.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/NIR/NIRFile.h"

#include "HDF5Handle.h"

#include "fulcrum/Dialect/SNN/IR/SNNOps.h"
#include "fulcrum/Support/ChildProcess.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"

#include <cstring>
#include <map>
#include <set>

using namespace mlir;

namespace fulcrum::snn {
using namespace detail;

namespace {

/// Largest number of elements of a tensor the importer builds.
constexpr int64_t kMaxElements = int64_t(1) << 31;
/// Largest stride, padding, dilation or kernel size.
constexpr int64_t kMaxWindow = int64_t(1) << 20;
/// How long libhdf5 may take to read a file of `bytes` (it loops forever
/// on some malformed ones): 5 s, and 1 s more per 32 MiB.
unsigned getReadTimeoutSeconds(size_t bytes) {
  return 5 + static_cast<unsigned>(bytes >> 25);
}

/// One dataset of a node, read whole.
struct Dataset {
  enum Kind : uint8_t { Numeric, Strings, Other };
  Kind kind = Other;
  std::vector<int64_t> shape;
  std::vector<float> floats; // Numeric: the values as floats,
  std::vector<int64_t> ints; // and the same values as integers.
  std::vector<std::string> strings;
};

/// A node group: its datasets by name; those of its `metadata` subgroup
/// are named `metadata/<name>`.
struct NodeData {
  std::string name;
  std::map<std::string, Dataset> datasets;
};

/// What half 1 reads of a NIR file.
struct NIRGraph {
  std::string version;
  std::string type; // the `node` group's type, "NIRGraph"
  Dataset edges;    // an N x 2 string dataset
  std::vector<NodeData> nodes;
};

/// The product of `shape`, or -1 when a dimension is negative or the
/// product exceeds `limit`.
int64_t boundedProduct(llvm::ArrayRef<int64_t> shape, int64_t limit) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      return -1;
    if (d != 0 && n > limit / d)
      return -1;
    n *= d;
  }
  return n;
}

//===----------------------------------------------------------------------===//
// Half 1: libhdf5 (in the child process)
//===----------------------------------------------------------------------===//

class HDF5Reader {
public:
  explicit HDF5Reader(uint64_t fileSize)
      : budget(fileSize * 1032 + (uint64_t(1) << 20)) {}

  static bool exists(hid_t g, const std::string &name) {
    return H5Lexists(g, name.c_str(), H5P_DEFAULT) > 0;
  }

  /// Reads dataset `name` of `g`; `where` names it in errors.
  llvm::Expected<Dataset> read(hid_t g, const std::string &name,
                               const std::string &where) {
    Handle set(H5Dopen2(g, name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!set.ok())
      return error(where + ": '" + name + "' is not a dataset");
    Handle type(H5Dget_type(set), H5Tclose);
    Handle space(H5Dget_space(set), H5Sclose);
    int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 0 || rank > 8)
      return error(where + ": '" + name + "' has an unexpected rank");
    std::vector<hsize_t> dims(rank);
    if (rank && H5Sget_simple_extent_dims(space, dims.data(), nullptr) < 0)
      return error(where + ": cannot read the shape of '" + name + "'");
    Dataset d;
    for (hsize_t n : dims) {
      if (n > static_cast<hsize_t>(kMaxElements))
        return error(where + ": '" + name + "' is too large");
      d.shape.push_back(static_cast<int64_t>(n));
    }
    int64_t count = boundedProduct(d.shape, kMaxElements);
    if (count < 0 || static_cast<uint64_t>(count) > budget)
      return error(where + ": '" + name +
                   "' holds more values than the file "
                   "can hold");
    budget -= count;
    H5T_class_t cls = H5Tget_class(type);
    if (cls == H5T_STRING) {
      d.kind = Dataset::Strings;
      if (count == 0)
        return d;
      if (H5Tis_variable_str(type) > 0) {
        Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mem, H5T_VARIABLE);
        H5Tset_cset(mem, H5Tget_cset(type));
        std::vector<char *> p(count, nullptr);
        if (H5Dread(set, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()) < 0)
          return error(where + ": cannot read '" + name + "'");
        for (char *s : p)
          d.strings.push_back(s ? s : "");
        H5Dvlen_reclaim(mem, space, H5P_DEFAULT, p.data());
        return d;
      }
      size_t size = H5Tget_size(type);
      if (size == 0 || size > (1 << 20) ||
          static_cast<uint64_t>(count) * size > budget)
        return error(where + ": '" + name + "' has a bad string size");
      std::vector<char> buf(size * count);
      if (H5Dread(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
        return error(where + ": cannot read '" + name + "'");
      for (int64_t i = 0; i < count; ++i)
        d.strings.push_back(std::string(buf.data() + i * size,
                                        strnlen(buf.data() + i * size, size)));
      return d;
    }
    if (cls != H5T_FLOAT && cls != H5T_INTEGER)
      return d; // Other: an error if the importer needs it
    d.kind = Dataset::Numeric;
    d.floats.resize(count);
    d.ints.resize(count);
    if (count && (H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                          d.floats.data()) < 0 ||
                  H5Dread(set, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                          d.ints.data()) < 0))
      return error(where + ": cannot read '" + name + "'");
    return d;
  }

  /// The names of the links in group `g`.
  static llvm::Expected<std::vector<std::string>>
  list(hid_t g, const std::string &where) {
    std::vector<std::string> names;
    hsize_t idx = 0;
    auto collect = [](hid_t, const char *name, const H5L_info_t *,
                      void *data) -> herr_t {
      auto *out = static_cast<std::vector<std::string> *>(data);
      if (out->size() >= 100000)
        return -1;
      out->push_back(name);
      return 0;
    };
    if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, collect, &names) < 0)
      return error(where + ": cannot list its members");
    return names;
  }

  /// Reads the datasets of group `g` into `node`, each named `prefix` +
  /// its name; a `metadata` subgroup's datasets too.
  llvm::Error readGroup(hid_t g, const std::string &prefix,
                        const std::string &where, NodeData &node) {
    auto names = list(g, where);
    if (!names)
      return names.takeError();
    for (const std::string &name : *names) {
      H5O_info_t info;
      if (H5Oget_info_by_name2(g, name.c_str(), &info, H5O_INFO_BASIC,
                               H5P_DEFAULT) < 0)
        return error(where + ": cannot inspect '" + name + "'");
      if (info.type == H5O_TYPE_DATASET) {
        auto d = read(g, name, where);
        if (!d)
          return d.takeError();
        node.datasets[prefix + name] = std::move(*d);
      } else if (info.type == H5O_TYPE_GROUP && prefix.empty() &&
                 name == "metadata") {
        Handle meta(H5Gopen2(g, name.c_str(), H5P_DEFAULT), H5Gclose);
        if (!meta.ok())
          return error(where + ": 'metadata' is not a group");
        if (llvm::Error err = readGroup(meta, "metadata/", where, node))
          return err;
      }
    }
    return llvm::Error::success();
  }

private:
  uint64_t budget; // elements left to read
};

llvm::Expected<NIRGraph> readHDF5(llvm::ArrayRef<char> bytes) {
  quietHDF5();
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_core(fapl, 1 << 20, 0);
  if (H5Pset_file_image(fapl, const_cast<char *>(bytes.data()), bytes.size()) <
      0)
    return error("cannot open the HDF5 image");
  Handle file(H5Fopen("fulcrum-nir-import", H5F_ACC_RDONLY, fapl), H5Fclose);
  if (!file.ok())
    return error("not a readable HDF5 file");
  HDF5Reader r(bytes.size());
  NIRGraph graph;
  auto string = [&](hid_t g, const char *name,
                    const std::string &where) -> llvm::Expected<std::string> {
    if (!HDF5Reader::exists(g, name))
      return error(where + ": missing dataset '" + name + "'");
    auto d = r.read(g, name, where);
    if (!d)
      return d.takeError();
    if (d->kind != Dataset::Strings || d->strings.size() != 1)
      return error(where + ": '" + name + "' must hold one string");
    return d->strings.front();
  };
  auto version = string(file, "version", "NIR file");
  if (!version)
    return version.takeError();
  graph.version = *version;
  if (!HDF5Reader::exists(file, "node"))
    return error("NIR file: missing group 'node'");
  Handle node(H5Gopen2(file, "node", H5P_DEFAULT), H5Gclose);
  if (!node.ok())
    return error("NIR file: 'node' is not a group");
  auto type = string(node, "type", "node");
  if (!type)
    return type.takeError();
  graph.type = *type;
  if (graph.type != "NIRGraph")
    return error("node: type is '" + graph.type + "', expected 'NIRGraph'");
  if (!HDF5Reader::exists(node, "nodes"))
    return error("node: missing group 'nodes'");
  Handle nodes(H5Gopen2(node, "nodes", H5P_DEFAULT), H5Gclose);
  if (!nodes.ok())
    return error("node: 'nodes' is not a group");
  if (!HDF5Reader::exists(node, "edges"))
    return error("node: missing dataset 'edges'");
  auto edges = r.read(node, "edges", "node");
  if (!edges)
    return edges.takeError();
  graph.edges = std::move(*edges);
  auto names = HDF5Reader::list(nodes, "node/nodes");
  if (!names)
    return names.takeError();
  for (const std::string &name : *names) {
    NodeData data;
    data.name = name;
    std::string where = "node '" + name + "'";
    Handle g(H5Gopen2(nodes, name.c_str(), H5P_DEFAULT), H5Gclose);
    if (!g.ok())
      return error(where + " is not a group");
    if (llvm::Error err = r.readGroup(g, "", where, data))
      return err;
    graph.nodes.push_back(std::move(data));
  }
  return graph;
}

//===----------------------------------------------------------------------===//
// The graph's serialized form (child to parent, and the graph fuzzer)
//===----------------------------------------------------------------------===//

class Encoder {
public:
  void u64(uint64_t v) { raw(&v, sizeof v); }
  void str(const std::string &s) {
    u64(s.size());
    out += s;
  }
  void dataset(const Dataset &d) {
    u64(d.kind);
    u64(d.shape.size());
    raw(d.shape.data(), d.shape.size() * sizeof(int64_t));
    if (d.kind == Dataset::Numeric) {
      u64(d.floats.size());
      raw(d.floats.data(), d.floats.size() * sizeof(float));
      raw(d.ints.data(), d.ints.size() * sizeof(int64_t));
    } else if (d.kind == Dataset::Strings) {
      u64(d.strings.size());
      for (const std::string &s : d.strings)
        str(s);
    }
  }
  std::string encode(const NIRGraph &g) {
    str(g.version);
    str(g.type);
    dataset(g.edges);
    u64(g.nodes.size());
    for (const NodeData &n : g.nodes) {
      str(n.name);
      u64(n.datasets.size());
      for (const auto &[key, d] : n.datasets) {
        str(key);
        dataset(d);
      }
    }
    return std::move(out);
  }

private:
  void raw(const void *p, size_t n) {
    out.append(static_cast<const char *>(p), n);
  }
  std::string out;
};

/// Parses the encoder's bytes; every count is checked against the bytes
/// left before anything is allocated.
class Decoder {
public:
  explicit Decoder(llvm::ArrayRef<char> bytes) : bytes(bytes) {}

  llvm::Expected<NIRGraph> decode() {
    NIRGraph g;
    uint64_t n = 0;
    if (!str(g.version) || !str(g.type) || !dataset(g.edges) || !u64(n) ||
        n > left())
      return bad();
    for (uint64_t i = 0; i < n; ++i) {
      NodeData node;
      uint64_t count = 0;
      if (!str(node.name) || !u64(count) || count > left())
        return bad();
      for (uint64_t k = 0; k < count; ++k) {
        std::string key;
        Dataset d;
        if (!str(key) || !dataset(d))
          return bad();
        node.datasets[key] = std::move(d);
      }
      g.nodes.push_back(std::move(node));
    }
    if (left())
      return bad();
    return g;
  }

private:
  uint64_t left() const { return bytes.size() - pos; }
  llvm::Error bad() const {
    return error("the NIR reader's answer is malformed (at byte " +
                 llvm::Twine(pos) + ")");
  }
  bool raw(void *p, uint64_t n) {
    if (n > left())
      return false;
    if (n)
      std::memcpy(p, bytes.data() + pos, n);
    pos += n;
    return true;
  }
  bool u64(uint64_t &v) { return raw(&v, sizeof v); }
  bool str(std::string &s) {
    uint64_t n;
    if (!u64(n) || n > left())
      return false;
    s.assign(bytes.data() + pos, n);
    pos += n;
    return true;
  }
  bool dataset(Dataset &d) {
    uint64_t kind, rank, count;
    if (!u64(kind) || kind > Dataset::Other || !u64(rank) || rank > 8)
      return false;
    d.kind = static_cast<Dataset::Kind>(kind);
    d.shape.resize(rank);
    if (!raw(d.shape.data(), rank * sizeof(int64_t)))
      return false;
    if (d.kind == Dataset::Other)
      return true;
    int64_t elements = boundedProduct(d.shape, kMaxElements);
    if (!u64(count) || elements < 0 || count != static_cast<uint64_t>(elements))
      return false;
    if (d.kind == Dataset::Strings) {
      if (count > left() / sizeof(uint64_t))
        return false;
      d.strings.resize(count);
      for (std::string &s : d.strings)
        if (!str(s))
          return false;
      return true;
    }
    if (count > left() / (sizeof(float) + sizeof(int64_t)))
      return false;
    d.floats.resize(count);
    d.ints.resize(count);
    return raw(d.floats.data(), count * sizeof(float)) &&
           raw(d.ints.data(), count * sizeof(int64_t));
  }

  llvm::ArrayRef<char> bytes;
  uint64_t pos = 0;
};

//===----------------------------------------------------------------------===//
// Half 2: the snn ops
//===----------------------------------------------------------------------===//

/// One node's datasets, with errors that name the node.
class NodeView {
public:
  NodeView(const NodeData &node)
      : node(node), where("node '" + node.name + "'") {}

  bool has(const std::string &name) const {
    return node.datasets.count(name) != 0;
  }

  llvm::Expected<const Dataset *> numbers(const std::string &name) const {
    auto it = node.datasets.find(name);
    if (it == node.datasets.end())
      return error(where + ": missing dataset '" + name + "'");
    if (it->second.kind != Dataset::Numeric)
      return error(where + ": '" + name + "' is not numeric");
    return &it->second;
  }

  llvm::Expected<std::string> string(const std::string &name) const {
    auto it = node.datasets.find(name);
    if (it == node.datasets.end())
      return error(where + ": missing dataset '" + name + "'");
    if (it->second.kind != Dataset::Strings)
      return error(where + ": '" + name + "' is not a string dataset");
    if (it->second.strings.size() != 1)
      return error(where + ": '" + name + "' must hold one string");
    return it->second.strings.front();
  }

  /// Two (or `n`) integers in [lo, kMaxWindow], e.g. a stride; a scalar
  /// is repeated.
  llvm::Expected<SmallVector<int64_t>> window(const std::string &name,
                                              int64_t lo, size_t n = 2) const {
    auto a = numbers(name);
    if (!a)
      return a.takeError();
    const std::vector<int64_t> &v = (*a)->ints;
    SmallVector<int64_t> out;
    if (v.size() == 1)
      out.assign(n, v[0]);
    else if (v.size() == n)
      out.assign(v.begin(), v.end());
    else
      return error(where + ": '" + name + "' needs " + std::to_string(n) +
                   " values");
    for (int64_t x : out)
      if (x < lo || x > kMaxWindow)
        return error(where + ": '" + name + "' must lie in [" +
                     std::to_string(lo) + ", " + std::to_string(kMaxWindow) +
                     "]");
    return out;
  }

  const NodeData &node;
  std::string where;
};

/// A shape of at most kMaxElements elements, every dimension positive.
bool isSaneShape(llvm::ArrayRef<int64_t> shape) {
  for (int64_t d : shape)
    if (d <= 0)
      return false;
  return boundedProduct(shape, kMaxElements) > 0;
}

llvm::Expected<OwningOpRef<ModuleOp>>
buildModule(const NIRGraph &graph, MLIRContext *context, StringRef funcName) {
  context->loadDialect<SNNDialect, func::FuncDialect>();
  if (graph.type != "NIRGraph")
    return error("node: type is '" + graph.type + "', expected 'NIRGraph'");
  const Dataset &edges = graph.edges;
  if (edges.kind != Dataset::Strings)
    return error("node: 'edges' must be an N x 2 dataset of strings");
  if (!edges.strings.empty() &&
      (edges.shape.size() != 2 || edges.shape[1] != 2))
    return error("node: 'edges' must be an N x 2 dataset of strings");

  // Nodes in name order, as HDF5 lists them.
  std::vector<const NodeData *> byName;
  for (const NodeData &n : graph.nodes)
    byName.push_back(&n);
  llvm::sort(byName, [](const NodeData *a, const NodeData *b) {
    return a->name < b->name;
  });
  llvm::StringMap<int> index;
  for (auto [i, n] : llvm::enumerate(byName))
    if (!index.try_emplace(n->name, i).second)
      return error("node '" + n->name + "' appears twice");
  size_t count = byName.size();
  std::vector<std::vector<int>> preds(count), succs(count);
  for (size_t e = 0; e + 1 < edges.strings.size(); e += 2) {
    const std::string &a = edges.strings[e], &b = edges.strings[e + 1];
    if (!index.count(a) || !index.count(b))
      return error("node: edge (" + a + ", " + b + ") names an unknown node");
    preds[index[b]].push_back(index[a]);
    succs[index[a]].push_back(index[b]);
  }
  // Kahn's algorithm, smallest name first among ready nodes.
  std::vector<int> order, pending(count);
  std::set<int> ready;
  for (size_t i = 0; i < count; ++i)
    if (!(pending[i] = preds[i].size()))
      ready.insert(i);
  while (!ready.empty()) {
    int i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(i);
    for (int s : succs[i])
      if (--pending[s] == 0)
        ready.insert(s);
  }
  if (order.size() != count)
    return error("node: the graph has a cycle (recurrent NIR graphs are not "
                 "supported)");

  OpBuilder b(context);
  Location loc = b.getUnknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  std::vector<Value> values(count);
  Value result;
  auto f32 = b.getF32Type();
  auto dense = [&](ArrayRef<int64_t> shape, ArrayRef<float> v) {
    return DenseElementsAttr::get(RankedTensorType::get(shape, f32), v);
  };
  // Ops are built before the function exists; a holder block keeps them.
  Block holder;
  b.setInsertionPointToEnd(&holder);
  Value inputArg;
  RankedTensorType inputType, outputType;
  for (int i : order) {
    NodeView r(*byName[i]);
    const std::string &name = r.node.name;
    auto kind = r.string("type");
    if (!kind)
      return kind.takeError();
    StringAttr nameAttr = b.getStringAttr(name);
    bool sums = *kind == "IF" || *kind == "LIF" || *kind == "Output";
    if (*kind == "Input") {
      if (!preds[i].empty())
        return error(r.where + ": an Input has no incoming edges");
      if (inputArg)
        return error(r.where + ": only one Input node is supported");
      auto shape = r.numbers("shape");
      if (!shape)
        return shape.takeError();
      if (!isSaneShape((*shape)->ints))
        return error(r.where + ": 'shape' must be positive, with at most " +
                     llvm::Twine(kMaxElements) + " elements");
      inputType = RankedTensorType::get((*shape)->ints, f32);
      // The function argument is added when the function is made.
      inputArg = holder.addArgument(inputType, loc);
      values[i] = b.create<InputOp>(loc, inputType, inputArg, nameAttr);
      continue;
    }
    if (preds[i].empty())
      return error(r.where + ": has no incoming edge");
    if (!sums && preds[i].size() != 1)
      return error(r.where + ": a " + *kind +
                   " node takes one input (only neurons and outputs sum "
                   "several)");
    SmallVector<Value> ins;
    for (int p : preds[i])
      ins.push_back(values[p]);
    auto in = cast<RankedTensorType>(ins[0].getType());
    for (Value v : ins)
      if (v.getType() != in)
        return error(r.where + ": its inputs have different shapes");
    int64_t n = in.getNumElements();
    auto param = [&](const char *pname, bool required,
                     DenseElementsAttr &out) -> llvm::Error {
      if (!r.has(pname)) {
        if (required)
          return error(r.where + ": missing dataset '" + pname + "'");
        return llvm::Error::success();
      }
      auto a = r.numbers(pname);
      if (!a)
        return a.takeError();
      const std::vector<float> &v = (*a)->floats;
      if (v.size() == 1)
        out = dense({1}, v);
      else if (static_cast<int64_t>(v.size()) == n)
        out = dense(in.getShape(), v);
      else
        return error(r.where + ": '" + pname + "' has " +
                     std::to_string(v.size()) + " values for " +
                     std::to_string(n) + " neurons");
      return llvm::Error::success();
    };
    // The output shape [channels, H', W'] of a window sliding over the
    // input's two spatial dimensions.
    auto windowShape = [&](int64_t channels, ArrayRef<int64_t> kernel,
                           ArrayRef<int64_t> stride, ArrayRef<int64_t> padding,
                           ArrayRef<int64_t> dilation)
        -> llvm::Expected<SmallVector<int64_t>> {
      SmallVector<int64_t> out = {channels};
      for (int k = 0; k < 2; ++k) {
        int64_t extent = dilation[k] * (kernel[k] - 1) + 1;
        int64_t size =
            (in.getDimSize(1 + k) + 2 * padding[k] - extent) / stride[k] + 1;
        if (size < 1)
          return error(r.where + ": the kernel is larger than its input");
        out.push_back(size);
      }
      if (!isSaneShape(out))
        return error(r.where + ": the output has more than " +
                     llvm::Twine(kMaxElements) + " elements");
      return out;
    };
    // A bias of `count` values, or an error that names what each is for.
    auto bias = [&](int64_t count,
                    const char *each) -> llvm::Expected<DenseElementsAttr> {
      auto bv = r.numbers("bias");
      if (!bv)
        return bv.takeError();
      if (static_cast<int64_t>((*bv)->floats.size()) != count)
        return error(r.where + ": bias needs one value per " + each);
      return dense({count}, (*bv)->floats);
    };
    Operation *op = nullptr;
    if (*kind == "Output") {
      outputType = in;
      op = b.create<OutputOp>(loc, in, ins, nameAttr);
      if (result)
        return error(r.where + ": only one Output node is supported");
      result = op->getResult(0);
    } else if (*kind == "Affine" || *kind == "Linear") {
      auto w = r.numbers("weight");
      if (!w)
        return w.takeError();
      const Dataset &wd = **w;
      if (wd.shape.size() != 2 || in.getRank() != 1 ||
          wd.shape[1] != in.getDimSize(0) || !isSaneShape(wd.shape))
        return error(r.where + ": weight [out, in] does not fit its input of " +
                     std::to_string(n) + " values");
      DenseElementsAttr biasAttr;
      if (*kind == "Affine") {
        auto read = bias(wd.shape[0], "output");
        if (!read)
          return read.takeError();
        biasAttr = *read;
      }
      op = b.create<AffineOp>(loc, RankedTensorType::get({wd.shape[0]}, f32),
                              ins[0], dense(wd.shape, wd.floats), biasAttr,
                              nameAttr);
    } else if (*kind == "Conv2d") {
      auto w = r.numbers("weight");
      if (!w)
        return w.takeError();
      const Dataset &wd = **w;
      auto stride = r.window("stride", 1);
      auto padding = r.window("padding", 0);
      auto dilation = r.window("dilation", 1);
      auto groups = r.window("groups", 1, 1);
      if (!stride || !padding || !dilation || !groups) {
        llvm::Error err = llvm::joinErrors(
            llvm::joinErrors(stride.takeError(), padding.takeError()),
            llvm::joinErrors(dilation.takeError(), groups.takeError()));
        return std::move(err);
      }
      if (wd.shape.size() != 4 || in.getRank() != 3 || !isSaneShape(wd.shape) ||
          (*groups)[0] > in.getDimSize(0) ||
          wd.shape[1] * (*groups)[0] != in.getDimSize(0) ||
          wd.shape[0] % (*groups)[0] != 0)
        return error(r.where + ": weight does not fit its [C, H, W] input");
      if (wd.shape[2] > kMaxWindow || wd.shape[3] > kMaxWindow)
        return error(r.where + ": the kernel is larger than " +
                     llvm::Twine(kMaxWindow));
      auto out = windowShape(wd.shape[0], ArrayRef(wd.shape).drop_front(2),
                             *stride, *padding, *dilation);
      if (!out)
        return out.takeError();
      DenseElementsAttr biasAttr;
      if (r.has("bias")) {
        auto read = bias(wd.shape[0], "output channel");
        if (!read)
          return read.takeError();
        biasAttr = *read;
      }
      op = b.create<Conv2dOp>(
          loc, RankedTensorType::get(*out, f32), ins[0],
          dense(wd.shape, wd.floats), biasAttr, b.getDenseI64ArrayAttr(*stride),
          b.getDenseI64ArrayAttr(*padding), b.getDenseI64ArrayAttr(*dilation),
          b.getI64IntegerAttr((*groups)[0]), nameAttr);
    } else if (*kind == "SumPool2d" || *kind == "AvgPool2d" ||
               *kind == kSpikeMaxPoolType) {
      auto kernel = r.window("kernel_size", 1);
      auto stride = r.window("stride", 1);
      auto padding = r.window("padding", 0);
      if (!kernel || !stride || !padding) {
        llvm::Error err = llvm::joinErrors(
            kernel.takeError(),
            llvm::joinErrors(stride.takeError(), padding.takeError()));
        return std::move(err);
      }
      if (in.getRank() != 3)
        return error(r.where + ": pooling needs a [C, H, W] input");
      auto out =
          windowShape(in.getDimSize(0), *kernel, *stride, *padding, {1, 1});
      if (!out)
        return out.takeError();
      auto type = RankedTensorType::get(*out, f32);
      if (*kind == kSpikeMaxPoolType &&
          ((*padding)[0] >= (*kernel)[0] || (*padding)[1] >= (*kernel)[1]))
        return error(r.where + ": padding must be smaller than kernel_size");
      if (*kind == "SumPool2d")
        op = b.create<SumPool2dOp>(loc, type, ins[0],
                                   b.getDenseI64ArrayAttr(*kernel),
                                   b.getDenseI64ArrayAttr(*stride),
                                   b.getDenseI64ArrayAttr(*padding), nameAttr);
      else if (*kind == kSpikeMaxPoolType)
        op = b.create<SpikeMaxPool2dOp>(
            loc, type, ins[0], b.getDenseI64ArrayAttr(*kernel),
            b.getDenseI64ArrayAttr(*stride), b.getDenseI64ArrayAttr(*padding),
            nameAttr);
      else
        op = b.create<AvgPool2dOp>(loc, type, ins[0],
                                   b.getDenseI64ArrayAttr(*kernel),
                                   b.getDenseI64ArrayAttr(*stride),
                                   b.getDenseI64ArrayAttr(*padding), nameAttr);
    } else if (*kind == "Flatten") {
      auto start = r.numbers("start_dim");
      auto end = r.numbers("end_dim");
      if (!start || !end) {
        llvm::Error err = llvm::joinErrors(start.takeError(), end.takeError());
        return std::move(err);
      }
      if ((*start)->ints.size() != 1 || (*end)->ints.size() != 1)
        return error(r.where + ": start_dim and end_dim need one value each");
      int64_t rank = in.getRank(), s = (*start)->ints[0], e = (*end)->ints[0];
      if (s < -rank || s >= rank || e < -rank || e >= rank)
        return error(r.where + ": start_dim and end_dim do not fit a rank-" +
                     std::to_string(rank) + " input");
      s = s < 0 ? s + rank : s;
      e = e < 0 ? e + rank : e;
      if (s > e)
        return error(r.where + ": start_dim and end_dim do not fit a rank-" +
                     std::to_string(rank) + " input");
      op = b.create<FlattenOp>(
          loc,
          RankedTensorType::get(getFlattenedShape(in.getShape(), s, e), f32),
          ins[0], b.getI64IntegerAttr(s), b.getI64IntegerAttr(e), nameAttr);
    } else if (*kind == "Scale" || *kind == "Delay") {
      DenseElementsAttr v;
      if (llvm::Error err =
              param(*kind == "Scale" ? "scale" : "delay", true, v))
        return std::move(err);
      if (*kind == "Scale")
        op = b.create<ScaleOp>(loc, in, ins[0], v, nameAttr);
      else
        op = b.create<DelayOp>(loc, in, ins[0], v, nameAttr);
    } else if (*kind == "IF" || *kind == "LIF") {
      DenseElementsAttr tau, rr, leak, threshold, reset, init;
      bool lif = *kind == "LIF";
      if (llvm::Error err = param("r", true, rr))
        return std::move(err);
      if (llvm::Error err = param("v_threshold", true, threshold))
        return std::move(err);
      if (llvm::Error err = param("v_reset", false, reset))
        return std::move(err);
      if (lif) {
        if (llvm::Error err = param("tau", true, tau))
          return std::move(err);
        if (llvm::Error err = param("v_leak", true, leak))
          return std::move(err);
      }
      // Fulcrum's neuron extensions live in the node's metadata; NIR's own
      // neurons reset to v_reset.
      std::string mode = "zero";
      if (r.has("metadata/reset")) {
        auto s = r.string("metadata/reset");
        if (s)
          mode = *s;
        else
          llvm::consumeError(s.takeError());
      }
      if (r.has("metadata/v_init")) {
        auto a = r.numbers("metadata/v_init");
        if (!a)
          return a.takeError();
        const std::vector<float> &v = (*a)->floats;
        if (static_cast<int64_t>(v.size()) != n && v.size() != 1)
          return error(r.where + ": metadata/v_init needs one value per "
                                 "neuron");
        init = v.size() == 1 ? dense({1}, v) : dense(in.getShape(), v);
      }
      if (mode != "subtract" && mode != "zero")
        return error(r.where + ": metadata/reset must be 'subtract' or "
                               "'zero'");
      for (float t : threshold.getValues<float>())
        if (!(t > 0))
          return error(r.where + ": v_threshold must be positive");
      if (lif)
        for (float t : tau.getValues<float>())
          if (!(t > 0))
            return error(r.where + ": tau must be positive");
      if (lif)
        op = b.create<LIFOp>(loc, in, ins, tau, rr, leak, threshold, reset,
                             init, b.getStringAttr(mode), nameAttr);
      else
        op = b.create<IFOp>(loc, in, ins, rr, threshold, reset, init,
                            b.getStringAttr(mode), nameAttr);
    } else {
      return error(r.where + ": NIR node type '" + *kind +
                   "' is not supported (supported: Input, Output, Affine, "
                   "Linear, Conv2d, SumPool2d, AvgPool2d, Flatten, Scale, "
                   "Delay, IF, LIF, and Fulcrum's SpikeMaxPool2d)");
    }
    values[i] = op->getResult(0);
  }
  if (!inputArg || !result)
    return error("node: the graph needs one Input and one Output node");
  auto func = func::FuncOp::create(
      loc, funcName, b.getFunctionType({inputType}, {outputType}));
  module->push_back(func);
  Block *body = func.addEntryBlock();
  inputArg.replaceAllUsesWith(body->getArgument(0));
  body->getOperations().splice(body->end(), holder.getOperations());
  OpBuilder end = OpBuilder::atBlockEnd(body);
  end.create<func::ReturnOp>(loc, result);
  if (failed(module->verify()))
    return error("the imported NIR graph does not verify");
  return module;
}

} // namespace

llvm::Expected<std::string> readNIRGraph(llvm::ArrayRef<char> bytes) {
  if (bytes.size() < 8 || std::memcmp(bytes.data(), "\x89HDF\r\n\x1a\n", 8))
    return error("not an HDF5 file (NIR files are HDF5)");
  auto graph = readHDF5(bytes);
  if (!graph)
    return graph.takeError();
  return Encoder().encode(*graph);
}

llvm::Expected<OwningOpRef<ModuleOp>> importNIRGraph(llvm::ArrayRef<char> graph,
                                                     MLIRContext *context,
                                                     StringRef funcName) {
  auto decoded = Decoder(graph).decode();
  if (!decoded)
    return decoded.takeError();
  return buildModule(*decoded, context, funcName);
}

llvm::Expected<OwningOpRef<ModuleOp>> importNIR(llvm::ArrayRef<char> bytes,
                                                MLIRContext *context,
                                                StringRef funcName) {
  if (bytes.size() < 8 || std::memcmp(bytes.data(), "\x89HDF\r\n\x1a\n", 8))
    return error("not an HDF5 file (NIR files are HDF5)");
  // An address space of 4 GiB plus 8 times the file: the file's image, the
  // datasets read (floats and integers) and their serialized form.
  auto graph =
      runInChild([&] { return readNIRGraph(bytes); }, "libhdf5", "file",
                 getReadTimeoutSeconds(bytes.size()),
                 (uint64_t(4) << 30) + 8 * static_cast<uint64_t>(bytes.size()));
  if (!graph)
    return graph.takeError();
  return importNIRGraph(llvm::ArrayRef<char>(graph->data(), graph->size()),
                        context, funcName);
}

} // namespace fulcrum::snn
