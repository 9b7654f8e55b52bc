//===- NIRFile.cpp - NIR (HDF5) export and import -------------------------===//
//
// Part of Fulcrum. See NIRFile.h. Uses the HDF5 C library (Debian's
// libhdf5-dev) with the in-memory "core" driver.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/NIR/NIRFile.h"

#include "fulcrum/Dialect/SNN/IR/SNNOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/SourceMgr.h"

#include <hdf5.h>

#include <cstring>
#include <set>

using namespace mlir;

namespace fulcrum::snn {
namespace {

llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The node type of `snn.spike_max_pool2d`, a Fulcrum extension of NIR.
constexpr const char *kSpikeMaxPoolType = "SpikeMaxPool2d";

/// Closes an HDF5 handle on scope exit.
struct Handle {
  hid_t id = -1;
  herr_t (*close)(hid_t) = nullptr;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id(id), close(close) {}
  Handle(const Handle &) = delete;
  ~Handle() {
    if (id >= 0 && close)
      close(id);
  }
  operator hid_t() const { return id; }
  bool ok() const { return id >= 0; }
};

void quietHDF5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

class Writer {
public:
  explicit Writer(hid_t file) : file(file) {
    ocpl = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_obj_track_times(ocpl, false);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(dcpl, false);
  }
  ~Writer() {
    H5Pclose(ocpl);
    H5Pclose(dcpl);
  }
  hid_t group(hid_t parent, const std::string &name) {
    return H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, ocpl, H5P_DEFAULT);
  }
  bool string(hid_t parent, const std::string &name, const std::string &v) {
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    Handle set(H5Dcreate2(parent, name.c_str(), type, space, H5P_DEFAULT, dcpl,
                          H5P_DEFAULT),
               H5Dclose);
    const char *p = v.c_str();
    return set.ok() &&
           H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p) >= 0;
  }
  bool floats(hid_t parent, const std::string &name, ArrayRef<float> v,
              ArrayRef<int64_t> shape) {
    std::vector<hsize_t> dims(shape.begin(), shape.end());
    Handle space(dims.empty()
                     ? H5Screate(H5S_SCALAR)
                     : H5Screate_simple(dims.size(), dims.data(), nullptr),
                 H5Sclose);
    Handle set(H5Dcreate2(parent, name.c_str(), H5T_IEEE_F32LE, space,
                          H5P_DEFAULT, dcpl, H5P_DEFAULT),
               H5Dclose);
    return set.ok() && H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL,
                                H5P_DEFAULT, v.data()) >= 0;
  }
  bool ints(hid_t parent, const std::string &name, ArrayRef<int64_t> v,
            bool scalar = false) {
    hsize_t n = v.size();
    Handle space(scalar ? H5Screate(H5S_SCALAR)
                        : H5Screate_simple(1, &n, nullptr),
                 H5Sclose);
    Handle set(H5Dcreate2(parent, name.c_str(), H5T_STD_I64LE, space,
                          H5P_DEFAULT, dcpl, H5P_DEFAULT),
               H5Dclose);
    return set.ok() && H5Dwrite(set, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL,
                                H5P_DEFAULT, v.data()) >= 0;
  }
  bool edges(hid_t parent,
             const std::vector<std::pair<std::string, std::string>> &e) {
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    hsize_t dims[2] = {e.size(), 2};
    Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
    Handle set(H5Dcreate2(parent, "edges", type, space, H5P_DEFAULT, dcpl,
                          H5P_DEFAULT),
               H5Dclose);
    std::vector<const char *> p;
    for (auto &[a, b] : e) {
      p.push_back(a.c_str());
      p.push_back(b.c_str());
    }
    return set.ok() && (e.empty() || H5Dwrite(set, type, H5S_ALL, H5S_ALL,
                                              H5P_DEFAULT, p.data()) >= 0);
  }

private:
  hid_t file;
  hid_t ocpl, dcpl;
};

std::vector<float> full(ElementsAttr attr, int64_t n) {
  std::vector<float> out;
  for (APFloat v : attr.getValues<APFloat>())
    out.push_back(v.convertToFloat());
  if (out.size() == 1 && n > 1)
    out.assign(n, out[0]);
  return out;
}

} // namespace

llvm::Expected<std::vector<char>> exportNIR(func::FuncOp func) {
  quietHDF5();
  // Names: the ops' `name`, made unique and free of '/'.
  llvm::DenseMap<Operation *, std::string> names;
  llvm::StringSet<> used;
  for (Operation &op : func.getBody().front().without_terminator()) {
    if (op.getDialect() == nullptr || op.getDialect()->getNamespace() != "snn")
      return error("'" + op.getName().getStringRef() +
                   "' has no NIR form (only snn ops are exported)");
    std::string name;
    if (auto n = op.getAttrOfType<StringAttr>("name"))
      name = n.str();
    if (name.empty())
      name = op.getName().stripDialect().str();
    std::replace(name.begin(), name.end(), '/', '_');
    if (name == "." || name == "..")
      name = "_" + name;
    std::string unique = name;
    for (int i = 1; used.contains(unique); ++i)
      unique = name + "_" + std::to_string(i);
    used.insert(unique);
    names[&op] = unique;
  }

  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_core(fapl, 1 << 20, /*backing_store=*/0);
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  Handle file(H5Fcreate("fulcrum-nir-export", H5F_ACC_TRUNC, fcpl, fapl),
              H5Fclose);
  if (!file.ok())
    return error("cannot create an HDF5 file in memory");
  Writer w(file);
  bool ok = w.string(file, "version", kNIRVersion);
  Handle node(w.group(file, "node"), H5Gclose);
  ok &= node.ok() && w.string(node, "type", "NIRGraph");
  Handle nodes(w.group(node, "nodes"), H5Gclose);
  ok &= nodes.ok();
  std::vector<std::pair<std::string, std::string>> edges;
  for (Operation &op : func.getBody().front().without_terminator()) {
    const std::string &name = names[&op];
    Handle g(w.group(nodes, name), H5Gclose);
    ok &= g.ok();
    for (Value v : op.getOperands())
      if (Operation *def = v.getDefiningOp())
        edges.push_back({names[def], name});
    auto type = cast<RankedTensorType>(op.getResult(0).getType());
    int64_t n = type.getNumElements();
    auto shape = type.getShape();
    // Fulcrum's neuron extensions (reset by subtraction, the initial
    // membrane potential) live in the node's metadata, which NIR keeps
    // and other tools ignore.
    auto neuronMeta = [&](StringRef reset, std::optional<ElementsAttr> init) {
      Handle meta(w.group(g, "metadata"), H5Gclose);
      ok &= meta.ok() && w.string(meta, "reset", reset.str());
      if (init)
        ok &= w.floats(meta, "v_init", full(*init, n), shape);
    };
    if (isa<InputOp>(op)) {
      ok &= w.string(g, "type", "Input") && w.ints(g, "shape", shape);
    } else if (isa<OutputOp>(op)) {
      ok &= w.string(g, "type", "Output") && w.ints(g, "shape", shape);
    } else if (auto a = dyn_cast<AffineOp>(op)) {
      auto wt = cast<ShapedType>(a.getWeight().getType());
      ok &= w.string(g, "type", a.getBias() ? "Affine" : "Linear") &&
            w.floats(g, "weight", full(a.getWeight(), wt.getNumElements()),
                     wt.getShape());
      if (a.getBias())
        ok &= w.floats(g, "bias", full(*a.getBias(), shape[0]), {shape[0]});
    } else if (auto c = dyn_cast<Conv2dOp>(op)) {
      auto wt = cast<ShapedType>(c.getWeight().getType());
      auto in = c.getInput().getType();
      std::vector<float> bias(shape[0], 0.0f);
      if (c.getBias())
        bias = full(*c.getBias(), shape[0]);
      ok &= w.string(g, "type", "Conv2d") &&
            w.floats(g, "weight", full(c.getWeight(), wt.getNumElements()),
                     wt.getShape()) &&
            w.floats(g, "bias", bias, {shape[0]}) &&
            w.ints(g, "stride", c.getStride()) &&
            w.ints(g, "padding", c.getPadding()) &&
            w.ints(g, "dilation", c.getDilation()) &&
            w.ints(g, "groups", {static_cast<int64_t>(c.getGroups())}, true) &&
            w.ints(g, "input_shape", in.getShape().drop_front());
    } else if (auto p = dyn_cast<SumPool2dOp>(op)) {
      ok &= w.string(g, "type", "SumPool2d") &&
            w.ints(g, "kernel_size", p.getKernelSize()) &&
            w.ints(g, "stride", p.getStride()) &&
            w.ints(g, "padding", p.getPadding());
    } else if (auto p = dyn_cast<AvgPool2dOp>(op)) {
      ok &= w.string(g, "type", "AvgPool2d") &&
            w.ints(g, "kernel_size", p.getKernelSize()) &&
            w.ints(g, "stride", p.getStride()) &&
            w.ints(g, "padding", p.getPadding());
    } else if (auto p = dyn_cast<SpikeMaxPool2dOp>(op)) {
      // A Fulcrum extension node: NIR has no max pooling.
      ok &= w.string(g, "type", kSpikeMaxPoolType) &&
            w.ints(g, "kernel_size", p.getKernelSize()) &&
            w.ints(g, "stride", p.getStride()) &&
            w.ints(g, "padding", p.getPadding());
    } else if (auto f = dyn_cast<FlattenOp>(op)) {
      ok &= w.string(g, "type", "Flatten") &&
            w.ints(g, "start_dim", {static_cast<int64_t>(f.getStartDim())},
                   true) &&
            w.ints(g, "end_dim", {static_cast<int64_t>(f.getEndDim())}, true) &&
            w.ints(g, "input_type", f.getInput().getType().getShape());
    } else if (auto s = dyn_cast<ScaleOp>(op)) {
      ok &= w.string(g, "type", "Scale") &&
            w.floats(g, "scale", full(s.getScale(), n), shape);
    } else if (auto d = dyn_cast<DelayOp>(op)) {
      ok &= w.string(g, "type", "Delay") &&
            w.floats(g, "delay", full(d.getDelay(), n), shape);
    } else if (auto i = dyn_cast<IFOp>(op)) {
      std::vector<float> reset(n, 0.0f);
      if (i.getVReset())
        reset = full(*i.getVReset(), n);
      ok &= w.string(g, "type", "IF") &&
            w.floats(g, "r", full(i.getR(), n), shape) &&
            w.floats(g, "v_threshold", full(i.getVThreshold(), n), shape) &&
            w.floats(g, "v_reset", reset, shape);
      neuronMeta(i.getReset(), i.getVInit());
    } else if (auto l = dyn_cast<LIFOp>(op)) {
      std::vector<float> reset(n, 0.0f);
      if (l.getVReset())
        reset = full(*l.getVReset(), n);
      ok &= w.string(g, "type", "LIF") &&
            w.floats(g, "tau", full(l.getTau(), n), shape) &&
            w.floats(g, "r", full(l.getR(), n), shape) &&
            w.floats(g, "v_leak", full(l.getVLeak(), n), shape) &&
            w.floats(g, "v_threshold", full(l.getVThreshold(), n), shape) &&
            w.floats(g, "v_reset", reset, shape);
      neuronMeta(l.getReset(), l.getVInit());
    }
  }
  ok &= w.edges(node, edges);
  if (!ok)
    return error("writing the NIR file failed");
  H5Fflush(file, H5F_SCOPE_GLOBAL);
  ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size <= 0)
    return error("cannot read back the NIR file image");
  std::vector<char> bytes(size);
  if (H5Fget_file_image(file, bytes.data(), size) != size)
    return error("cannot read back the NIR file image");
  return bytes;
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

namespace {

struct Array {
  std::vector<int64_t> shape;
  std::vector<float> floats;
  std::vector<int64_t> ints;
};

class Reader {
public:
  explicit Reader(std::string where) : where(std::move(where)) {}

  static bool exists(hid_t g, const std::string &name) {
    return H5Lexists(g, name.c_str(), H5P_DEFAULT) > 0;
  }

  llvm::Expected<std::vector<std::string>>
  strings(hid_t g, const std::string &name, std::vector<int64_t> *shape) {
    if (!exists(g, name))
      return error(where + ": missing dataset '" + name + "'");
    Handle set(H5Dopen2(g, name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!set.ok())
      return error(where + ": '" + name + "' is not a dataset");
    Handle type(H5Dget_type(set), H5Tclose);
    if (H5Tget_class(type) != H5T_STRING)
      return error(where + ": '" + name + "' is not a string dataset");
    Handle space(H5Dget_space(set), H5Sclose);
    int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 0 || rank > 2)
      return error(where + ": '" + name + "' has an unexpected rank");
    std::vector<hsize_t> dims(rank);
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    size_t count = 1;
    for (hsize_t d : dims)
      count *= d;
    if (shape)
      shape->assign(dims.begin(), dims.end());
    std::vector<std::string> out;
    if (count == 0)
      return out;
    if (H5Tis_variable_str(type) > 0) {
      Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(mem, H5T_VARIABLE);
      H5Tset_cset(mem, H5Tget_cset(type));
      std::vector<char *> p(count, nullptr);
      if (H5Dread(set, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()) < 0)
        return error(where + ": cannot read '" + name + "'");
      for (char *s : p)
        out.push_back(s ? s : "");
      H5Dvlen_reclaim(mem, space, H5P_DEFAULT, p.data());
      return out;
    }
    size_t size = H5Tget_size(type);
    if (size == 0 || size > (1 << 20))
      return error(where + ": '" + name + "' has a bad string size");
    std::vector<char> buf(size * count);
    if (H5Dread(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
      return error(where + ": cannot read '" + name + "'");
    for (size_t i = 0; i < count; ++i)
      out.push_back(std::string(buf.data() + i * size,
                                strnlen(buf.data() + i * size, size)));
    return out;
  }

  llvm::Expected<std::string> string(hid_t g, const std::string &name) {
    std::vector<int64_t> shape;
    auto s = strings(g, name, &shape);
    if (!s)
      return s.takeError();
    if (s->size() != 1)
      return error(where + ": '" + name + "' must hold one string");
    return s->front();
  }

  llvm::Expected<Array> numbers(hid_t g, const std::string &name) {
    if (!exists(g, name))
      return error(where + ": missing dataset '" + name + "'");
    Handle set(H5Dopen2(g, name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!set.ok())
      return error(where + ": '" + name + "' is not a dataset");
    Handle type(H5Dget_type(set), H5Tclose);
    H5T_class_t cls = H5Tget_class(type);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER)
      return error(where + ": '" + name + "' is not numeric");
    Handle space(H5Dget_space(set), H5Sclose);
    int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 0 || rank > 8)
      return error(where + ": '" + name + "' has an unexpected rank");
    std::vector<hsize_t> dims(rank);
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    Array a;
    size_t count = 1;
    for (hsize_t d : dims) {
      a.shape.push_back(d);
      count *= d;
    }
    if (count > (size_t(1) << 31))
      return error(where + ": '" + name + "' is too large");
    a.floats.resize(count);
    a.ints.resize(count);
    if (count && (H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                          a.floats.data()) < 0 ||
                  H5Dread(set, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                          a.ints.data()) < 0))
      return error(where + ": cannot read '" + name + "'");
    return a;
  }

  /// Two (or `n`) integers, e.g. a stride; a scalar is repeated.
  llvm::Expected<SmallVector<int64_t>> pair(hid_t g, const std::string &name,
                                            size_t n = 2) {
    auto a = numbers(g, name);
    if (!a)
      return a.takeError();
    if (a->ints.size() == 1)
      return SmallVector<int64_t>(n, a->ints[0]);
    if (a->ints.size() != n)
      return error(where + ": '" + name + "' needs " + std::to_string(n) +
                   " values");
    return SmallVector<int64_t>(a->ints.begin(), a->ints.end());
  }

  std::string where;
};

herr_t collectName(hid_t, const char *name, const H5L_info_t *, void *data) {
  static_cast<std::vector<std::string> *>(data)->push_back(name);
  return 0;
}

} // namespace

llvm::Expected<OwningOpRef<ModuleOp>>
importNIR(ArrayRef<char> bytes, MLIRContext *context, StringRef funcName) {
  quietHDF5();
  context->loadDialect<SNNDialect, func::FuncDialect>();
  if (bytes.size() < 8 || std::memcmp(bytes.data(), "\x89HDF\r\n\x1a\n", 8))
    return error("not an HDF5 file (NIR files are HDF5)");
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_core(fapl, 1 << 20, 0);
  if (H5Pset_file_image(fapl, const_cast<char *>(bytes.data()), bytes.size()) <
      0)
    return error("cannot open the HDF5 image");
  Handle file(H5Fopen("fulcrum-nir-import", H5F_ACC_RDONLY, fapl), H5Fclose);
  if (!file.ok())
    return error("not a readable HDF5 file");
  Reader root("NIR file");
  auto version = root.string(file, "version");
  if (!version)
    return version.takeError();
  if (!Reader::exists(file, "node"))
    return error("NIR file: missing group 'node'");
  Handle node(H5Gopen2(file, "node", H5P_DEFAULT), H5Gclose);
  if (!node.ok())
    return error("NIR file: 'node' is not a group");
  Reader graph("node");
  auto type = graph.string(node, "type");
  if (!type)
    return type.takeError();
  if (*type != "NIRGraph")
    return error("node: type is '" + *type + "', expected 'NIRGraph'");
  if (!Reader::exists(node, "nodes"))
    return error("node: missing group 'nodes'");
  Handle nodes(H5Gopen2(node, "nodes", H5P_DEFAULT), H5Gclose);
  if (!nodes.ok())
    return error("node: 'nodes' is not a group");
  std::vector<std::string> names;
  hsize_t idx = 0;
  if (H5Literate(nodes, H5_INDEX_NAME, H5_ITER_INC, &idx, collectName, &names) <
      0)
    return error("node/nodes: cannot list the nodes");
  std::vector<int64_t> edgeShape;
  auto edgeStrings = graph.strings(node, "edges", &edgeShape);
  if (!edgeStrings)
    return edgeStrings.takeError();
  if (!edgeStrings->empty() && (edgeShape.size() != 2 || edgeShape[1] != 2))
    return error("node: 'edges' must be an N x 2 dataset of strings");

  llvm::StringMap<int> index;
  for (auto [i, n] : llvm::enumerate(names))
    index[n] = i;
  std::vector<std::vector<int>> preds(names.size()), succs(names.size());
  for (size_t e = 0; e + 1 < edgeStrings->size(); e += 2) {
    const std::string &a = (*edgeStrings)[e], &b = (*edgeStrings)[e + 1];
    if (!index.count(a) || !index.count(b))
      return error("node: edge (" + a + ", " + b + ") names an unknown node");
    preds[index[b]].push_back(index[a]);
    succs[index[a]].push_back(index[b]);
  }
  // Kahn's algorithm, smallest name first among ready nodes.
  std::vector<int> order, pending(names.size());
  std::set<int> ready;
  for (size_t i = 0; i < names.size(); ++i)
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
  if (order.size() != names.size())
    return error("node: the graph has a cycle (recurrent NIR graphs are not "
                 "supported)");

  OpBuilder b(context);
  Location loc = b.getUnknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  std::vector<Value> values(names.size());
  std::vector<std::string> types(names.size());
  func::FuncOp func;
  Block *body = nullptr;
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
    const std::string &name = names[i];
    Reader r("node '" + name + "'");
    Handle g(H5Gopen2(nodes, name.c_str(), H5P_DEFAULT), H5Gclose);
    if (!g.ok())
      return error("node '" + name + "' is not a group");
    auto kind = r.string(g, "type");
    if (!kind)
      return kind.takeError();
    StringAttr nameAttr = b.getStringAttr(name);
    bool sums = *kind == "IF" || *kind == "LIF" || *kind == "Output";
    if (*kind == "Input") {
      if (!preds[i].empty())
        return error(r.where + ": an Input has no incoming edges");
      if (inputArg)
        return error(r.where + ": only one Input node is supported");
      auto shape = r.numbers(g, "shape");
      if (!shape)
        return shape.takeError();
      for (int64_t d : shape->ints)
        if (d <= 0)
          return error(r.where + ": 'shape' must be positive");
      inputType = RankedTensorType::get(shape->ints, f32);
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
      if (!Reader::exists(g, pname)) {
        if (required)
          return error(r.where + ": missing dataset '" + pname + "'");
        return llvm::Error::success();
      }
      auto a = r.numbers(g, pname);
      if (!a)
        return a.takeError();
      if (a->floats.size() == 1)
        out = dense({1}, a->floats);
      else if (static_cast<int64_t>(a->floats.size()) == n)
        out = dense(in.getShape(), a->floats);
      else
        return error(r.where + ": '" + pname + "' has " +
                     std::to_string(a->floats.size()) + " values for " +
                     std::to_string(n) + " neurons");
      return llvm::Error::success();
    };
    auto resetMode = [&]() -> std::string {
      if (Reader::exists(g, "metadata")) {
        Handle meta(H5Gopen2(g, "metadata", H5P_DEFAULT), H5Gclose);
        if (meta.ok() && Reader::exists(meta, "reset")) {
          auto s = r.string(meta, "reset");
          if (s)
            return *s;
          llvm::consumeError(s.takeError());
        }
      }
      return "zero"; // NIR's own neurons reset to v_reset.
    };
    Operation *op = nullptr;
    if (*kind == "Output") {
      outputType = in;
      op = b.create<OutputOp>(loc, in, ins, nameAttr);
      if (result)
        return error(r.where + ": only one Output node is supported");
      result = op->getResult(0);
    } else if (*kind == "Affine" || *kind == "Linear") {
      auto w = r.numbers(g, "weight");
      if (!w)
        return w.takeError();
      if (w->shape.size() != 2 || in.getRank() != 1 ||
          w->shape[1] != in.getDimSize(0))
        return error(r.where + ": weight [out, in] does not fit its input of " +
                     std::to_string(n) + " values");
      DenseElementsAttr bias;
      if (*kind == "Affine") {
        auto bv = r.numbers(g, "bias");
        if (!bv)
          return bv.takeError();
        if (static_cast<int64_t>(bv->floats.size()) != w->shape[0])
          return error(r.where + ": bias needs one value per output");
        bias = dense({w->shape[0]}, bv->floats);
      }
      op = b.create<AffineOp>(loc, RankedTensorType::get({w->shape[0]}, f32),
                              ins[0], dense(w->shape, w->floats), bias,
                              nameAttr);
    } else if (*kind == "Conv2d") {
      auto w = r.numbers(g, "weight");
      if (!w)
        return w.takeError();
      auto stride = r.pair(g, "stride");
      auto padding = r.pair(g, "padding");
      auto dilation = r.pair(g, "dilation");
      auto groups = r.pair(g, "groups", 1);
      if (!stride || !padding || !dilation || !groups) {
        llvm::Error err = llvm::joinErrors(
            llvm::joinErrors(stride.takeError(), padding.takeError()),
            llvm::joinErrors(dilation.takeError(), groups.takeError()));
        return std::move(err);
      }
      if (w->shape.size() != 4 || in.getRank() != 3 || (*groups)[0] < 1 ||
          w->shape[1] * (*groups)[0] != in.getDimSize(0))
        return error(r.where + ": weight does not fit its [C, H, W] input");
      SmallVector<int64_t> out = {w->shape[0]};
      for (int k = 0; k < 2; ++k) {
        int64_t kk = (*dilation)[k] * (w->shape[2 + k] - 1) + 1;
        if ((*stride)[k] < 1 || (*dilation)[k] < 1 || (*padding)[k] < 0)
          return error(r.where + ": stride, dilation and padding must be "
                                 "positive");
        int64_t size =
            (in.getDimSize(1 + k) + 2 * (*padding)[k] - kk) / (*stride)[k] + 1;
        if (size < 1)
          return error(r.where + ": the kernel is larger than its input");
        out.push_back(size);
      }
      DenseElementsAttr bias;
      if (Reader::exists(g, "bias")) {
        auto bv = r.numbers(g, "bias");
        if (!bv)
          return bv.takeError();
        if (static_cast<int64_t>(bv->floats.size()) != w->shape[0])
          return error(r.where + ": bias needs one value per output channel");
        bias = dense({w->shape[0]}, bv->floats);
      }
      op = b.create<Conv2dOp>(
          loc, RankedTensorType::get(out, f32), ins[0],
          dense(w->shape, w->floats), bias, b.getDenseI64ArrayAttr(*stride),
          b.getDenseI64ArrayAttr(*padding), b.getDenseI64ArrayAttr(*dilation),
          b.getI64IntegerAttr((*groups)[0]), nameAttr);
    } else if (*kind == "SumPool2d" || *kind == "AvgPool2d" ||
               *kind == kSpikeMaxPoolType) {
      auto kernel = r.pair(g, "kernel_size");
      auto stride = r.pair(g, "stride");
      auto padding = r.pair(g, "padding");
      if (!kernel || !stride || !padding) {
        llvm::Error err = llvm::joinErrors(
            kernel.takeError(),
            llvm::joinErrors(stride.takeError(), padding.takeError()));
        return std::move(err);
      }
      if (in.getRank() != 3)
        return error(r.where + ": pooling needs a [C, H, W] input");
      SmallVector<int64_t> out = {in.getDimSize(0)};
      for (int k = 0; k < 2; ++k) {
        if ((*kernel)[k] < 1 || (*stride)[k] < 1 || (*padding)[k] < 0)
          return error(r.where + ": kernel_size and stride must be positive");
        int64_t size =
            (in.getDimSize(1 + k) + 2 * (*padding)[k] - (*kernel)[k]) /
                (*stride)[k] +
            1;
        if (size < 1)
          return error(r.where + ": the kernel is larger than its input");
        out.push_back(size);
      }
      auto type = RankedTensorType::get(out, f32);
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
      auto start = r.pair(g, "start_dim", 1);
      auto end = r.pair(g, "end_dim", 1);
      if (!start || !end) {
        llvm::Error err = llvm::joinErrors(start.takeError(), end.takeError());
        return std::move(err);
      }
      int64_t rank = in.getRank(), s = (*start)[0], e = (*end)[0];
      s = s < 0 ? s + rank : s;
      e = e < 0 ? e + rank : e;
      if (s < 0 || e >= rank || s > e)
        return error(r.where + ": start_dim and end_dim do not fit a rank-" +
                     std::to_string(rank) + " input");
      SmallVector<int64_t> out(in.getShape().take_front(s));
      int64_t prod = 1;
      for (int64_t k = s; k <= e; ++k)
        prod *= in.getDimSize(k);
      out.push_back(prod);
      llvm::append_range(out, in.getShape().drop_front(e + 1));
      op = b.create<FlattenOp>(loc, RankedTensorType::get(out, f32), ins[0],
                               b.getI64IntegerAttr(s), b.getI64IntegerAttr(e),
                               nameAttr);
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
      DenseElementsAttr tau, rr, leak, threshold, reset;
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
      std::string mode = resetMode();
      DenseElementsAttr init;
      if (Reader::exists(g, "metadata")) {
        Handle meta(H5Gopen2(g, "metadata", H5P_DEFAULT), H5Gclose);
        if (meta.ok() && Reader::exists(meta, "v_init")) {
          auto a = r.numbers(meta, "v_init");
          if (!a)
            return a.takeError();
          if (static_cast<int64_t>(a->floats.size()) != n &&
              a->floats.size() != 1)
            return error(r.where + ": metadata/v_init needs one value per "
                                   "neuron");
          init = a->floats.size() == 1 ? dense({1}, a->floats)
                                       : dense(in.getShape(), a->floats);
        }
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
  func = func::FuncOp::create(loc, funcName,
                              b.getFunctionType({inputType}, {outputType}));
  module->push_back(func);
  body = func.addEntryBlock();
  inputArg.replaceAllUsesWith(body->getArgument(0));
  body->getOperations().splice(body->end(), holder.getOperations());
  OpBuilder end = OpBuilder::atBlockEnd(body);
  end.create<func::ReturnOp>(loc, result);
  if (failed(module->verify()))
    return error("the imported NIR graph does not verify");
  return module;
}

void registerNIRTranslations() {
  static TranslateToMLIRRegistration importReg(
      "import-nir", "NIR (HDF5) to the snn dialect",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buf =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        auto module = importNIR(
            ArrayRef<char>(buf->getBufferStart(), buf->getBufferSize()),
            context);
        if (!module) {
          emitError(
              FileLineColLoc::get(context, buf->getBufferIdentifier(), 0, 0))
              << llvm::toString(module.takeError());
          return nullptr;
        }
        return OwningOpRef<Operation *>(module->release());
      },
      [](DialectRegistry &registry) {
        registry.insert<SNNDialect, func::FuncDialect>();
      });
  static TranslateFromMLIRRegistration exportReg(
      "export-nir", "the snn dialect to NIR (HDF5)",
      [](Operation *op, llvm::raw_ostream &os) -> LogicalResult {
        func::FuncOp func;
        op->walk([&](func::FuncOp f) {
          if (!func)
            func = f;
        });
        if (!func)
          return op->emitError("no function to export");
        auto bytes = exportNIR(func);
        if (!bytes)
          return func.emitError() << llvm::toString(bytes.takeError());
        os.write(bytes->data(), bytes->size());
        return success();
      },
      [](DialectRegistry &registry) {
        registry.insert<SNNDialect, func::FuncDialect>();
      });
}

} // namespace fulcrum::snn
