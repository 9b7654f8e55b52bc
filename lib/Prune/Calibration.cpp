//===- Calibration.cpp - Activations and least squares for pruning --------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "Calibration.h"

#include "fulcrum/Dialect/ONNX/IR/ConstantValues.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/IRMapping.h"

#include <cmath>
#include <cstring>

using namespace mlir;
namespace onnx = fulcrum::onnx;

namespace fulcrum::prune {

FailureOr<std::unique_ptr<ActivationProbe>>
ActivationProbe::create(CompileSession &session, func::FuncOp func,
                        ArrayRef<Value> values, ArrayRef<OpOperand *> params) {
  MLIRContext *ctx = func.getContext();
  IRMapping map;
  OwningOpRef<ModuleOp> clone(cast<ModuleOp>(session.getModule()->clone(map)));
  auto f = clone->lookupSymbol<func::FuncOp>(func.getName());
  auto ret = cast<func::ReturnOp>(f.getBody().front().getTerminator());
  unsigned numOld = ret.getNumOperands();
  SmallVector<Value> results(ret.getOperands());
  SmallVector<DictionaryAttr> attrs;
  for (unsigned i = 0; i < numOld; ++i)
    attrs.push_back(f.getResultAttrDict(i) ? f.getResultAttrDict(i)
                                           : DictionaryAttr::get(ctx, {}));
  // Each value's result: an output already returned is read from there
  // (returning one buffer twice is not allowed).
  auto probe = std::unique_ptr<ActivationProbe>(new ActivationProbe());
  probe->func = func;
  probe->numParams = params.size();
  for (auto [i, v] : llvm::enumerate(values)) {
    Value mapped = map.lookupOrDefault(v);
    auto *it = llvm::find(ArrayRef(results).take_front(numOld), mapped);
    if (it != results.begin() + numOld) {
      probe->resultOf.push_back(it - results.begin());
      continue;
    }
    probe->resultOf.push_back(results.size());
    results.push_back(mapped);
    attrs.push_back(DictionaryAttr::get(
        ctx, {NamedAttribute(
                 StringAttr::get(ctx, "onnx.name"),
                 StringAttr::get(ctx, "fulcrum_prune_" + std::to_string(i)))}));
  }
  ret->setOperands(results);
  // Each parameter operand reads a new argument after the model's inputs.
  for (auto [i, operand] : llvm::enumerate(params)) {
    Operation *owner = map.lookup(operand->getOwner());
    Value old = operand->get();
    unsigned index = f.getNumArguments();
    f.insertArgument(
        index, old.getType(),
        DictionaryAttr::get(
            ctx, {NamedAttribute(StringAttr::get(ctx, "onnx.name"),
                                 StringAttr::get(ctx, "fulcrum_param_" +
                                                          std::to_string(i)))}),
        old.getLoc());
    owner->setOperand(operand->getOperandNumber(), f.getArgument(index));
  }
  f.setType(FunctionType::get(ctx, f.getArgumentTypes(),
                              ValueRange(results).getTypes()));
  f.setAllResultAttrs(attrs);

  CompileOptions options = session.getOptions().forHostExecution();
  options.pipeline.profileLayers = false;
  options.applyPassManagerCLOptions = false;
  CompileSession sub(*ctx, options);
  if (failed(sub.setModule(std::move(clone), CompilePhase::Import)))
    return failure();
  auto runner = sub.createRunner();
  if (!runner) {
    func.emitError("cannot run the model on the calibration data: ")
        << llvm::toString(runner.takeError());
    return failure();
  }
  probe->runner = std::move(*runner);
  if (probe->runner->inputs().size() != 1 + params.size()) {
    func.emitError("calibration data needs a model of one input, not ")
        << probe->runner->inputs().size() - params.size();
    return failure();
  }
  return probe;
}

FailureOr<std::vector<Activation>>
ActivationProbe::run(const HostTensor &samples, ArrayRef<HostTensor> params) {
  const TensorSignature &in = runner->inputs()[0];
  if (samples.dataType != in.dataType ||
      samples.shape.size() != in.shape.size()) {
    func.emitError("calibration data ")
        << samples.describe() << " does not match the input '" << in.name
        << "' (rank " << in.shape.size() << ", a batch of samples)";
    return failure();
  }
  for (size_t d = 1; d < in.shape.size(); ++d)
    if (in.shape[d] >= 0 && in.shape[d] != samples.shape[d]) {
      func.emitError("calibration data ")
          << samples.describe() << " does not match the input '" << in.name
          << "' (dimension " << d << " is " << in.shape[d] << ")";
      return failure();
    }
  assert(params.size() == numParams && "one tensor per parameter operand");
  int64_t n = samples.shape[0];
  int64_t batch = in.shape[0] < 0 ? 32 : in.shape[0];
  size_t sampleBytes = n ? samples.data.size() / n : 0;
  std::vector<Activation> acts(resultOf.size());
  for (int64_t start = 0; start + batch <= n || (in.shape[0] < 0 && start < n);
       start += batch) {
    int64_t b = std::min(batch, n - start);
    std::vector<HostTensor> inputs(1);
    HostTensor &t = inputs[0];
    t.dataType = samples.dataType;
    t.name = in.name;
    t.shape = samples.shape;
    t.shape[0] = b;
    t.data.assign(samples.data.begin() + start * sampleBytes,
                  samples.data.begin() + (start + b) * sampleBytes);
    inputs.insert(inputs.end(), params.begin(), params.end());
    auto out = runner->run(inputs);
    if (!out) {
      func.emitError("running the model on calibration data failed: ")
          << llvm::toString(out.takeError());
      return failure();
    }
    for (size_t i = 0; i < resultOf.size(); ++i) {
      const HostTensor &r = (*out)[resultOf[i]];
      Activation &a = acts[i];
      if (a.shape.empty()) {
        a.shape = r.shape;
        a.shape[0] = 0;
      }
      a.shape[0] += r.shape[0];
      size_t count = r.data.size() / sizeof(float);
      size_t old = a.data.size();
      a.data.resize(old + count);
      std::memcpy(a.data.data() + old, r.data.data(), r.data.size());
    }
  }
  return acts;
}

FailureOr<std::vector<Activation>>
captureActivations(CompileSession &session, func::FuncOp func,
                   ArrayRef<Value> values, const HostTensor &samples) {
  auto probe = ActivationProbe::create(session, func, values);
  if (failed(probe))
    return failure();
  return (*probe)->run(samples);
}

FailureOr<LinearLayer> getLinearLayer(Operation *op) {
  LinearLayer layer;
  layer.op = op;
  auto w = onnx::getConstantFloats(op->getOperand(1));
  auto wType = dyn_cast<RankedTensorType>(op->getOperand(1).getType());
  if (!w || !wType)
    return failure();
  if (auto conv = dyn_cast<onnx::ConvOp>(op)) {
    if (conv.getGroup() != 1 || conv.getAutoPad() != "NOTSET" ||
        wType.getRank() != 4)
      return failure();
    layer.outs = wType.getDimSize(0);
    layer.inChannels = wType.getDimSize(1);
    layer.kernel = wType.getDimSize(2) * wType.getDimSize(3);
    layer.hasBias = true;
    std::optional<SmallVector<double>> b;
    if (!isa<NoneType>(conv.getB().getType()))
      if (!(b = onnx::getConstantFloats(conv.getB())))
        return failure();
    int64_t f = layer.features(), k = f - 1;
    layer.w.assign(layer.outs * f, 0.0);
    for (int64_t o = 0; o < layer.outs; ++o) {
      for (int64_t i = 0; i < k; ++i)
        layer.w[o * f + i] = (*w)[o * k + i];
      layer.w[o * f + k] = b ? (*b)[o] : 0.0;
    }
    return layer;
  }
  if (auto gemm = dyn_cast<onnx::GemmOp>(op)) {
    if (gemm.getTransA() || wType.getRank() != 2)
      return failure();
    bool t = gemm.getTransB();
    int64_t k = wType.getDimSize(t ? 1 : 0), n = wType.getDimSize(t ? 0 : 1);
    double alpha = gemm.getAlpha().convertToDouble();
    double beta = gemm.getBeta().convertToDouble();
    std::optional<SmallVector<double>> c;
    if (!isa<NoneType>(gemm.getC().getType())) {
      c = onnx::getConstantFloats(gemm.getC());
      if (!c || (c->size() != 1 && static_cast<int64_t>(c->size()) != n))
        return failure();
    }
    layer.outs = n;
    layer.inChannels = k;
    layer.hasBias = true;
    int64_t f = k + 1;
    layer.w.assign(n * f, 0.0);
    for (int64_t o = 0; o < n; ++o) {
      for (int64_t i = 0; i < k; ++i)
        layer.w[o * f + i] = alpha * (t ? (*w)[o * k + i] : (*w)[i * n + o]);
      layer.w[o * f + k] = c ? beta * (*c)[c->size() == 1 ? 0 : o] : 0.0;
    }
    return layer;
  }
  if (isa<onnx::MatMulOp>(op) && wType.getRank() == 2) {
    int64_t k = wType.getDimSize(0), n = wType.getDimSize(1);
    layer.outs = n;
    layer.inChannels = k;
    layer.w.assign(n * k, 0.0);
    for (int64_t o = 0; o < n; ++o)
      for (int64_t i = 0; i < k; ++i)
        layer.w[o * k + i] = (*w)[i * n + o];
    return layer;
  }
  return failure();
}

namespace {
/// Fills `x` with the features of row `row` of `layer` on activation `a`.
class FeatureReader {
public:
  FeatureReader(const LinearLayer &layer, const Activation &a)
      : layer(layer), a(a) {
    if (auto conv = dyn_cast<onnx::ConvOp>(layer.op)) {
      isConv = true;
      auto w = cast<RankedTensorType>(conv.getW().getType());
      kh = w.getDimSize(2);
      kw = w.getDimSize(3);
      auto y = cast<RankedTensorType>(conv.getY().getType());
      oh = y.getDimSize(2);
      ow = y.getDimSize(3);
      if (auto s = conv.getStrides())
        sy = (*s)[0], sx = (*s)[1];
      if (auto d = conv.getDilations())
        dy = (*d)[0], dx = (*d)[1];
      if (auto p = conv.getPads())
        py = (*p)[0], px = (*p)[1];
      rows = a.shape[0] * oh * ow;
    } else {
      rows = 1;
      for (size_t d = 0; d + 1 < a.shape.size(); ++d)
        rows *= a.shape[d];
    }
  }

  int64_t getRows() const { return rows; }

  void read(int64_t row, std::vector<double> &x) const {
    int64_t k = layer.inChannels;
    if (!isConv) {
      const float *src = a.data.data() + row * k;
      for (int64_t i = 0; i < k; ++i)
        x[i] = src[i];
    } else {
      int64_t n = row / (oh * ow), oy = row / ow % oh, ox = row % ow;
      int64_t h = a.shape[2], w = a.shape[3];
      for (int64_t c = 0; c < k; ++c) {
        const float *plane = a.data.data() + (n * k + c) * h * w;
        for (int64_t ky = 0; ky < kh; ++ky)
          for (int64_t kx = 0; kx < kw; ++kx) {
            int64_t iy = oy * sy - py + ky * dy, ix = ox * sx - px + kx * dx;
            x[(c * kh + ky) * kw + kx] = iy >= 0 && iy < h && ix >= 0 && ix < w
                                             ? plane[iy * w + ix]
                                             : 0.0;
          }
      }
    }
    if (layer.hasBias)
      x[layer.features() - 1] = 1.0;
  }

private:
  const LinearLayer &layer;
  const Activation &a;
  bool isConv = false;
  int64_t kh = 1, kw = 1, oh = 1, ow = 1, sy = 1, sx = 1, dy = 1, dx = 1,
          py = 0, px = 0, rows = 0;
};
} // namespace

FeatureStats getFeatureStats(const LinearLayer &layer, const Activation &a,
                             int64_t maxRows) {
  FeatureReader reader(layer, a);
  int64_t f = layer.features(), total = reader.getRows();
  int64_t rows = std::min(total, maxRows);
  FeatureStats stats;
  stats.gram.assign(f * f, 0.0);
  stats.mean.assign(f, 0.0);
  stats.rows = rows;
  std::vector<double> x(f);
  std::vector<int64_t> nonzero;
  for (int64_t r = 0; r < rows; ++r) {
    // Evenly spread over all positions of all samples.
    reader.read(r * total / rows, x);
    nonzero.clear();
    for (int64_t i = 0; i < f; ++i)
      if (x[i] != 0.0)
        nonzero.push_back(i);
    for (size_t a = 0; a < nonzero.size(); ++a) {
      int64_t i = nonzero[a];
      double xi = x[i];
      stats.mean[i] += xi;
      double *g = stats.gram.data() + i * f;
      for (size_t b = a; b < nonzero.size(); ++b)
        g[nonzero[b]] += xi * x[nonzero[b]];
    }
  }
  for (int64_t i = 0; i < f; ++i) {
    stats.mean[i] /= std::max<int64_t>(rows, 1);
    for (int64_t j = 0; j < i; ++j)
      stats.gram[i * f + j] = stats.gram[j * f + i];
  }
  return stats;
}

namespace {
/// Solves (a) X = r for symmetric positive definite `a` [m][m] and `n`
/// right-hand sides `r` [m][n] by Cholesky; returns X^T [n][m].
std::vector<double> solveCholesky(std::vector<double> a, std::vector<double> r,
                                  int64_t m, int64_t n, double lambda) {
  // Cholesky: A = L L^T (L in the lower triangle of a).
  for (int64_t j = 0; j < m; ++j) {
    double d = a[j * m + j];
    for (int64_t k = 0; k < j; ++k)
      d -= a[j * m + k] * a[j * m + k];
    d = std::sqrt(std::max(d, lambda > 0 ? lambda * 1e-6 : 1e-30));
    a[j * m + j] = d;
    for (int64_t i = j + 1; i < m; ++i) {
      double s = a[i * m + j];
      for (int64_t k = 0; k < j; ++k)
        s -= a[i * m + k] * a[j * m + k];
      a[i * m + j] = s / d;
    }
  }
  // Forward and back substitution, all right-hand sides at once.
  for (int64_t i = 0; i < m; ++i)
    for (int64_t o = 0; o < n; ++o) {
      double s = r[i * n + o];
      for (int64_t k = 0; k < i; ++k)
        s -= a[i * m + k] * r[k * n + o];
      r[i * n + o] = s / a[i * m + i];
    }
  for (int64_t i = m - 1; i >= 0; --i)
    for (int64_t o = 0; o < n; ++o) {
      double s = r[i * n + o];
      for (int64_t k = i + 1; k < m; ++k)
        s -= a[k * m + i] * r[k * n + o];
      r[i * n + o] = s / a[i * m + i];
    }
  // [n][m].
  std::vector<double> result(n * m);
  for (int64_t o = 0; o < n; ++o)
    for (int64_t i = 0; i < m; ++i)
      result[o * m + i] = r[i * n + o];
  return result;
}
} // namespace

std::vector<double> refit(const LinearLayer &layer, const FeatureStats &stats,
                          ArrayRef<int64_t> keep, ArrayRef<int64_t> outs,
                          double ridge) {
  int64_t f = layer.features(), m = keep.size(), n = outs.size();
  // A = G_kk + ridge * mean(diag) * I.
  std::vector<double> a(m * m);
  double diag = 0;
  for (int64_t i = 0; i < m; ++i)
    diag += stats.gram[keep[i] * f + keep[i]];
  double lambda = ridge * std::max(diag / std::max<int64_t>(m, 1), 1e-12);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < m; ++j)
      a[i * m + j] =
          stats.gram[keep[i] * f + keep[j]] + (i == j ? lambda : 0.0);
  // R = G_k,all W^T: [m][n].
  std::vector<double> r(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i) {
    const double *g = stats.gram.data() + keep[i] * f;
    for (int64_t o = 0; o < n; ++o) {
      const double *w = layer.w.data() + outs[o] * f;
      double sum = 0;
      for (int64_t j = 0; j < f; ++j)
        sum += g[j] * w[j];
      r[i * n + o] = sum;
    }
  }
  return solveCholesky(std::move(a), std::move(r), m, n, lambda);
}

CrossStats getCrossStats(const LinearLayer &pruned, const Activation &xp,
                         const LinearLayer &layer, const Activation &x,
                         int64_t maxRows) {
  FeatureReader readerP(pruned, xp), reader(layer, x);
  int64_t m = pruned.features(), f = layer.features();
  int64_t total = reader.getRows(), rows = std::min(total, maxRows);
  CrossStats stats;
  stats.gram.assign(m * m, 0.0);
  stats.cross.assign(m * f, 0.0);
  std::vector<double> a(m), b(f);
  std::vector<int64_t> nonzero;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t row = r * total / rows;
    readerP.read(row, a);
    reader.read(row, b);
    nonzero.clear();
    for (int64_t i = 0; i < m; ++i)
      if (a[i] != 0.0)
        nonzero.push_back(i);
    for (size_t p = 0; p < nonzero.size(); ++p) {
      int64_t i = nonzero[p];
      double ai = a[i];
      double *g = stats.gram.data() + i * m;
      for (size_t q = p; q < nonzero.size(); ++q)
        g[nonzero[q]] += ai * a[nonzero[q]];
      double *c = stats.cross.data() + i * f;
      for (int64_t j = 0; j < f; ++j)
        c[j] += ai * b[j];
    }
  }
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < i; ++j)
      stats.gram[i * m + j] = stats.gram[j * m + i];
  return stats;
}

std::vector<double> refitPruned(const LinearLayer &pruned,
                                const LinearLayer &layer,
                                const CrossStats &stats, ArrayRef<int64_t> outs,
                                double ridge) {
  int64_t m = pruned.features(), f = layer.features(), n = outs.size();
  std::vector<double> a = stats.gram;
  double diag = 0;
  for (int64_t i = 0; i < m; ++i)
    diag += a[i * m + i];
  double lambda = ridge * std::max(diag / std::max<int64_t>(m, 1), 1e-12);
  for (int64_t i = 0; i < m; ++i)
    a[i * m + i] += lambda;
  std::vector<double> r(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i) {
    const double *c = stats.cross.data() + i * f;
    for (int64_t o = 0; o < n; ++o) {
      const double *w = layer.w.data() + outs[o] * f;
      double sum = 0;
      for (int64_t j = 0; j < f; ++j)
        sum += c[j] * w[j];
      r[i * n + o] = sum;
    }
  }
  return solveCholesky(std::move(a), std::move(r), m, n, lambda);
}

} // namespace fulcrum::prune
