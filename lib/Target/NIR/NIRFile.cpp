//===- NIRFile.cpp - NIR (HDF5) export and the translations --------------===//
//
// Part of Fulcrum. See NIRFile.h; the reader is NIRImport.cpp. Uses the
// HDF5 C library (Debian's libhdf5-dev) with the in-memory "core" driver.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/NIR/NIRFile.h"

#include "HDF5Handle.h"

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
using namespace detail;
namespace {

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
