//===- Simulator.cpp - A rate-coded SNN simulator -------------------------===//
//
// Part of Fulcrum. See Simulator.h.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/NIR/Simulator.h"

#include "fulcrum/Dialect/SNN/IR/SNNOps.h"

#include "llvm/ADT/DenseMap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

using namespace mlir;

namespace fulcrum::snn {
namespace {

std::vector<float> values(ElementsAttr attr, int64_t n) {
  std::vector<float> out;
  for (APFloat v : attr.getValues<APFloat>())
    out.push_back(v.convertToFloat());
  if (out.size() == 1 && n > 1)
    out.assign(n, out[0]);
  return out;
}

enum class Kind {
  Input,
  Output,
  Affine,
  Conv,
  SumPool,
  AvgPool,
  SpikeMaxPool,
  Flatten,
  Scale,
  Delay,
  IF,
  LIF
};

/// One op of the network, flattened for the inner loops.
struct Node {
  Kind kind;
  std::string name;
  std::vector<int> inputs;
  std::vector<int64_t> inShape, outShape;
  int64_t size = 0;
  /// Affine: [in][out]; conv: [cin][kh][kw][out/groups] (transposed so a
  /// nonzero input adds one contiguous row).
  std::vector<float> weight, bias;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  int64_t groups = 1;
  std::vector<float> scale, r, threshold, reset, tau, leak, init;
  std::vector<int> delay;
  int maxDelay = 0;
  bool subtract = true;
  /// Depends only on a constant-current input through linear ops: computed
  /// once per image.
  bool isStatic = false;
  int64_t fanIn = 0, fanOut = 0;
  /// Conv: for each input row (column), the (kernel row, output row) pairs
  /// it reaches: rowTaps[rowStart[y] .. rowStart[y + 1]).
  std::vector<std::pair<int64_t, int64_t>> rowTaps, colTaps;
  std::vector<int64_t> rowStart, colStart;
};

/// The (kernel index, output index) pairs input index `i` reaches along one
/// axis of a convolution.
void buildTaps(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p,
               int64_t d, std::vector<std::pair<int64_t, int64_t>> &taps,
               std::vector<int64_t> &start) {
  for (int64_t i = 0; i < in; ++i) {
    start.push_back(taps.size());
    for (int64_t kk = 0; kk < k; ++kk) {
      int64_t t = i + p - kk * d;
      if (t >= 0 && t % s == 0 && t / s < out)
        taps.push_back({kk, t / s});
    }
  }
  start.push_back(taps.size());
}

int64_t product(ArrayRef<int64_t> s) {
  int64_t n = 1;
  for (int64_t d : s)
    n *= d;
  return n;
}

llvm::Expected<std::vector<Node>> build(func::FuncOp func) {
  std::vector<Node> nodes;
  llvm::DenseMap<Value, int> index;
  auto fail = [&](Operation *op, const Twine &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "'" + op->getName().getStringRef() +
                                       "': " + why);
  };
  for (Operation &op : func.getBody().front()) {
    if (isa<func::ReturnOp>(op))
      break;
    if (op.getNumResults() != 1)
      return fail(&op, "not an snn op");
    Node n;
    auto outType = dyn_cast<RankedTensorType>(op.getResult(0).getType());
    if (!outType || !outType.hasStaticShape())
      return fail(&op, "needs a static result type");
    n.outShape.assign(outType.getShape().begin(), outType.getShape().end());
    n.size = product(n.outShape);
    if (auto name = op.getAttrOfType<StringAttr>("name"))
      n.name = name.str();
    for (Value v : op.getOperands()) {
      if (isa<InputOp>(op))
        break;
      auto it = index.find(v);
      if (it == index.end())
        return fail(&op, "operand not produced by an snn op");
      n.inputs.push_back(it->second);
    }
    if (!op.getOperands().empty())
      n.inShape.assign(
          cast<RankedTensorType>(op.getOperand(0).getType()).getShape().begin(),
          cast<RankedTensorType>(op.getOperand(0).getType()).getShape().end());
    if (isa<InputOp>(op)) {
      n.kind = Kind::Input;
    } else if (isa<OutputOp>(op)) {
      n.kind = Kind::Output;
    } else if (auto a = dyn_cast<AffineOp>(op)) {
      n.kind = Kind::Affine;
      int64_t out = n.size, in = product(n.inShape);
      std::vector<float> w = values(a.getWeight(), out * in);
      n.weight.resize(out * in);
      for (int64_t o = 0; o < out; ++o)
        for (int64_t i = 0; i < in; ++i)
          n.weight[i * out + o] = w[o * in + i];
      n.bias =
          a.getBias() ? values(*a.getBias(), out) : std::vector<float>(out, 0);
      n.fanIn = in;
      n.fanOut = out;
    } else if (auto c = dyn_cast<Conv2dOp>(op)) {
      n.kind = Kind::Conv;
      auto wt = cast<ShapedType>(c.getWeight().getType());
      int64_t f = wt.getDimSize(0), cg = wt.getDimSize(1);
      n.kh = wt.getDimSize(2);
      n.kw = wt.getDimSize(3);
      n.groups = c.getGroups();
      n.sh = c.getStride()[0];
      n.sw = c.getStride()[1];
      n.ph = c.getPadding()[0];
      n.pw = c.getPadding()[1];
      n.dh = c.getDilation()[0];
      n.dw = c.getDilation()[1];
      int64_t fg = f / n.groups, cin = n.inShape[0];
      std::vector<float> w = values(c.getWeight(), product(wt.getShape()));
      n.weight.assign(cin * n.kh * n.kw * fg, 0);
      for (int64_t o = 0; o < f; ++o)
        for (int64_t ci = 0; ci < cg; ++ci)
          for (int64_t y = 0; y < n.kh; ++y)
            for (int64_t x = 0; x < n.kw; ++x) {
              int64_t g = o / fg, cAbs = g * cg + ci;
              n.weight[((cAbs * n.kh + y) * n.kw + x) * fg + o % fg] =
                  w[((o * cg + ci) * n.kh + y) * n.kw + x];
            }
      n.bias = c.getBias() ? values(*c.getBias(), f) : std::vector<float>(f, 0);
      buildTaps(n.inShape[1], n.outShape[1], n.kh, n.sh, n.ph, n.dh, n.rowTaps,
                n.rowStart);
      buildTaps(n.inShape[2], n.outShape[2], n.kw, n.sw, n.pw, n.dw, n.colTaps,
                n.colStart);
      n.fanIn = cg * n.kh * n.kw;
      n.fanOut = fg * ((n.kh + n.sh - 1) / n.sh) * ((n.kw + n.sw - 1) / n.sw);
    } else if (isa<SumPool2dOp, AvgPool2dOp>(op)) {
      bool avg = isa<AvgPool2dOp>(op);
      n.kind = avg ? Kind::AvgPool : Kind::SumPool;
      ArrayRef<int64_t> k = avg ? cast<AvgPool2dOp>(op).getKernelSize()
                                : cast<SumPool2dOp>(op).getKernelSize();
      ArrayRef<int64_t> s = avg ? cast<AvgPool2dOp>(op).getStride()
                                : cast<SumPool2dOp>(op).getStride();
      ArrayRef<int64_t> p = avg ? cast<AvgPool2dOp>(op).getPadding()
                                : cast<SumPool2dOp>(op).getPadding();
      n.kh = k[0], n.kw = k[1], n.sh = s[0], n.sw = s[1], n.ph = p[0],
      n.pw = p[1];
      n.fanIn = n.kh * n.kw;
      n.fanOut = ((n.kh + n.sh - 1) / n.sh) * ((n.kw + n.sw - 1) / n.sw);
    } else if (auto p = dyn_cast<SpikeMaxPool2dOp>(op)) {
      n.kind = Kind::SpikeMaxPool;
      n.kh = p.getKernelSize()[0], n.kw = p.getKernelSize()[1];
      n.sh = p.getStride()[0], n.sw = p.getStride()[1];
      n.ph = p.getPadding()[0], n.pw = p.getPadding()[1];
      n.fanIn = n.kh * n.kw;
      n.fanOut = ((n.kh + n.sh - 1) / n.sh) * ((n.kw + n.sw - 1) / n.sw);
    } else if (isa<FlattenOp>(op)) {
      n.kind = Kind::Flatten;
    } else if (auto s = dyn_cast<ScaleOp>(op)) {
      n.kind = Kind::Scale;
      n.scale = values(s.getScale(), n.size);
      n.fanIn = n.fanOut = 1;
    } else if (auto d = dyn_cast<DelayOp>(op)) {
      n.kind = Kind::Delay;
      for (float v : values(d.getDelay(), n.size)) {
        n.delay.push_back(static_cast<int>(std::lround(v)));
        n.maxDelay = std::max(n.maxDelay, n.delay.back());
      }
    } else if (auto i = dyn_cast<IFOp>(op)) {
      n.kind = Kind::IF;
      n.r = values(i.getR(), n.size);
      n.threshold = values(i.getVThreshold(), n.size);
      n.reset = i.getVReset() ? values(*i.getVReset(), n.size)
                              : std::vector<float>(n.size, 0);
      n.subtract = i.getReset() == "subtract";
      n.init = i.getVInit() ? values(*i.getVInit(), n.size)
                            : std::vector<float>(n.size, 0);
    } else if (auto l = dyn_cast<LIFOp>(op)) {
      n.kind = Kind::LIF;
      n.r = values(l.getR(), n.size);
      n.tau = values(l.getTau(), n.size);
      n.leak = values(l.getVLeak(), n.size);
      n.threshold = values(l.getVThreshold(), n.size);
      n.reset = l.getVReset() ? values(*l.getVReset(), n.size)
                              : std::vector<float>(n.size, 0);
      n.subtract = l.getReset() == "subtract";
      n.init = l.getVInit() ? values(*l.getVInit(), n.size)
                            : std::vector<float>(n.size, 0);
    } else {
      return fail(&op, "not an snn op");
    }
    if (n.name.empty())
      n.name = op.getName().stripDialect().str() + "_" +
               std::to_string(nodes.size());
    index[op.getResult(0)] = nodes.size();
    nodes.push_back(std::move(n));
  }
  int outputs = 0;
  for (const Node &n : nodes)
    outputs += n.kind == Kind::Output;
  int inputs = 0;
  for (const Node &n : nodes)
    inputs += n.kind == Kind::Input;
  if (outputs != 1 || inputs != 1)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "the simulator needs exactly one snn.input and one snn.output");
  return nodes;
}

/// Per-thread state of one image.
struct Run {
  std::vector<std::vector<float>> out, v, history;
  std::vector<double> spikes, synops;
};

void step(const std::vector<Node> &nodes, Run &run, const float *image,
          bool poisson, uint64_t &rng, unsigned t) {
  for (size_t k = 0; k < nodes.size(); ++k) {
    const Node &n = nodes[k];
    std::vector<float> &out = run.out[k];
    if (n.isStatic && t > 0)
      continue; // Same output every step (counted by the caller).
    auto in = [&](int i) -> const std::vector<float> & {
      return run.out[n.inputs[i]];
    };
    double syn = 0;
    switch (n.kind) {
    case Kind::Input:
      for (int64_t i = 0; i < n.size; ++i) {
        if (!poisson) {
          out[i] = image[i];
          continue;
        }
        rng += 0x9e3779b97f4a7c15ull;
        uint64_t z = rng;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        double u = (z >> 11) * 0x1.0p-53;
        out[i] = u < image[i] ? 1.0f : 0.0f;
      }
      break;
    case Kind::Output:
    case Kind::IF:
    case Kind::LIF: {
      std::vector<float> &cur = run.history[k];
      std::copy(in(0).begin(), in(0).end(), cur.begin());
      for (size_t i = 1; i < n.inputs.size(); ++i) {
        const std::vector<float> &x = in(i);
        for (int64_t j = 0; j < n.size; ++j)
          cur[j] += x[j];
      }
      if (n.kind == Kind::Output) {
        for (int64_t j = 0; j < n.size; ++j)
          out[j] += cur[j];
        break;
      }
      std::vector<float> &v = run.v[k];
      double s = 0;
      for (int64_t j = 0; j < n.size; ++j) {
        float vj = n.kind == Kind::IF
                       ? v[j] + n.r[j] * cur[j]
                       : v[j] + (n.leak[j] - v[j] + n.r[j] * cur[j]) / n.tau[j];
        bool fire = vj >= n.threshold[j];
        out[j] = fire ? 1.0f : 0.0f;
        s += fire;
        if (fire)
          vj = n.subtract ? vj - n.threshold[j] : n.reset[j];
        v[j] = vj;
      }
      run.spikes[k] += s;
      break;
    }
    case Kind::Affine: {
      const std::vector<float> &x = in(0);
      std::copy(n.bias.begin(), n.bias.end(), out.begin());
      int64_t o = n.size;
      for (size_t i = 0; i < x.size(); ++i) {
        float a = x[i];
        if (a == 0)
          continue;
        const float *w = n.weight.data() + i * o;
        for (int64_t j = 0; j < o; ++j)
          out[j] += a * w[j];
        syn += o;
      }
      break;
    }
    case Kind::Conv: {
      const std::vector<float> &x = in(0);
      int64_t cin = n.inShape[0], ih = n.inShape[1], iw = n.inShape[2];
      int64_t f = n.outShape[0], oh = n.outShape[1], ow = n.outShape[2];
      int64_t fg = f / n.groups, cg = cin / n.groups;
      // Accumulate channels-last, then transpose to [F, H, W].
      std::vector<float> &acc = run.history[k];
      for (int64_t p = 0; p < oh * ow; ++p)
        for (int64_t g = 0; g < f; ++g)
          acc[p * f + g] = n.bias[g];
      for (int64_t c = 0; c < cin; ++c) {
        int64_t g0 = (c / cg) * fg;
        for (int64_t y = 0; y < ih; ++y)
          for (int64_t xx = 0; xx < iw; ++xx) {
            float a = x[(c * ih + y) * iw + xx];
            if (a == 0)
              continue;
            for (int64_t r = n.rowStart[y]; r < n.rowStart[y + 1]; ++r) {
              auto [ky, oy] = n.rowTaps[r];
              for (int64_t q = n.colStart[xx]; q < n.colStart[xx + 1]; ++q) {
                auto [kx, ox] = n.colTaps[q];
                const float *w =
                    n.weight.data() + ((c * n.kh + ky) * n.kw + kx) * fg;
                float *o = acc.data() + (oy * ow + ox) * f + g0;
                for (int64_t j = 0; j < fg; ++j)
                  o[j] += a * w[j];
                syn += fg;
              }
            }
          }
      }
      for (int64_t g = 0; g < f; ++g)
        for (int64_t p = 0; p < oh * ow; ++p)
          out[g * oh * ow + p] = acc[p * f + g];
      break;
    }
    case Kind::SumPool:
    case Kind::AvgPool: {
      const std::vector<float> &x = in(0);
      int64_t c = n.inShape[0], ih = n.inShape[1], iw = n.inShape[2];
      int64_t oh = n.outShape[1], ow = n.outShape[2];
      float norm = n.kind == Kind::AvgPool ? 1.0f / (n.kh * n.kw) : 1.0f;
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t oy = 0; oy < oh; ++oy)
          for (int64_t ox = 0; ox < ow; ++ox) {
            float s = 0;
            for (int64_t ky = 0; ky < n.kh; ++ky)
              for (int64_t kx = 0; kx < n.kw; ++kx) {
                int64_t y = oy * n.sh - n.ph + ky, xx = ox * n.sw - n.pw + kx;
                if (y < 0 || y >= ih || xx < 0 || xx >= iw)
                  continue;
                float a = x[(ch * ih + y) * iw + xx];
                s += a;
                syn += a != 0;
              }
            out[(ch * oh + oy) * ow + ox] = s * norm;
          }
      break;
    }
    case Kind::SpikeMaxPool: {
      // v: each input's sum over the timesteps so far; history: each
      // window's largest sum after the previous step.
      const std::vector<float> &x = in(0);
      std::vector<float> &sum = run.v[k], &prev = run.history[k];
      int64_t c = n.inShape[0], ih = n.inShape[1], iw = n.inShape[2];
      int64_t oh = n.outShape[1], ow = n.outShape[2];
      for (size_t j = 0; j < x.size(); ++j)
        sum[j] += x[j];
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t oy = 0; oy < oh; ++oy)
          for (int64_t ox = 0; ox < ow; ++ox) {
            float m = -std::numeric_limits<float>::infinity();
            for (int64_t ky = 0; ky < n.kh; ++ky)
              for (int64_t kx = 0; kx < n.kw; ++kx) {
                int64_t y = oy * n.sh - n.ph + ky, xx = ox * n.sw - n.pw + kx;
                if (y < 0 || y >= ih || xx < 0 || xx >= iw)
                  continue;
                int64_t j = (ch * ih + y) * iw + xx;
                m = std::max(m, sum[j]);
                syn += x[j] != 0;
              }
            int64_t o = (ch * oh + oy) * ow + ox;
            out[o] = m - prev[o];
            prev[o] = m;
          }
      break;
    }
    case Kind::Flatten:
      std::copy(in(0).begin(), in(0).end(), out.begin());
      break;
    case Kind::Scale: {
      const std::vector<float> &x = in(0);
      for (int64_t j = 0; j < n.size; ++j) {
        out[j] = x[j] * n.scale[j];
        syn += x[j] != 0;
      }
      break;
    }
    case Kind::Delay: {
      // history holds (maxDelay + 1) slots of the input, slot t % (d+1).
      const std::vector<float> &x = in(0);
      std::vector<float> &h = run.history[k];
      int64_t slots = n.maxDelay + 1;
      for (int64_t j = 0; j < n.size; ++j) {
        h[(t % slots) * n.size + j] = x[j];
        int d = n.delay[j];
        out[j] = t >= static_cast<unsigned>(d)
                     ? h[((t - d) % slots) * n.size + j]
                     : 0.0f;
      }
      break;
    }
    }
    run.synops[k] += syn;
  }
}

} // namespace

double SimulationResult::totalSpikes() const {
  double s = 0;
  for (const LayerStatistics &l : layers)
    s += l.spikes;
  return s;
}

double SimulationResult::totalSynops() const {
  double s = 0;
  for (const LayerStatistics &l : layers)
    s += l.synops;
  return s;
}

static const char *kindName(Kind k) {
  switch (k) {
  case Kind::Input:
    return "input";
  case Kind::Output:
    return "output";
  case Kind::Affine:
    return "affine";
  case Kind::Conv:
    return "conv2d";
  case Kind::SumPool:
    return "sum_pool2d";
  case Kind::AvgPool:
    return "avg_pool2d";
  case Kind::SpikeMaxPool:
    return "spike_max_pool2d";
  case Kind::Flatten:
    return "flatten";
  case Kind::Scale:
    return "scale";
  case Kind::Delay:
    return "delay";
  case Kind::IF:
    return "if";
  case Kind::LIF:
    return "lif";
  }
  return "";
}

std::vector<LayerStatistics> describeLayers(func::FuncOp func) {
  std::vector<LayerStatistics> out;
  auto nodes = build(func);
  if (!nodes) {
    llvm::consumeError(nodes.takeError());
    return out;
  }
  for (const Node &n : *nodes) {
    LayerStatistics l;
    l.name = n.name;
    l.kind = kindName(n.kind);
    l.neurons = (n.kind == Kind::IF || n.kind == Kind::LIF) ? n.size : 0;
    l.fanIn = n.fanIn;
    l.fanOut = n.fanOut;
    out.push_back(l);
  }
  return out;
}

llvm::Expected<SimulationResult> simulate(func::FuncOp func,
                                          const HostTensor &inputs,
                                          const SimulationOptions &options) {
  auto built = build(func);
  if (!built)
    return built.takeError();
  std::vector<Node> &nodes = *built;
  int64_t inSize = 0, outSize = 0;
  int outIndex = 0;
  for (auto [k, n] : llvm::enumerate(nodes)) {
    if (n.kind == Kind::Input)
      inSize = n.size;
    if (n.kind == Kind::Output) {
      outSize = n.size;
      outIndex = k;
    }
    // Linear ops fed only by a constant input are computed once.
    bool linear = n.kind == Kind::Affine || n.kind == Kind::Conv ||
                  n.kind == Kind::SumPool || n.kind == Kind::AvgPool ||
                  n.kind == Kind::Flatten || n.kind == Kind::Scale;
    n.isStatic = (n.kind == Kind::Input && !options.poisson) ||
                 (linear && llvm::all_of(n.inputs, [&](int i) {
                    return nodes[i].isStatic;
                  }));
  }
  if (inputs.dataType != 1)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the simulator's inputs must be float32");
  if (inputs.shape.empty() ||
      product(ArrayRef<int64_t>(inputs.shape).drop_front()) != inSize)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "inputs " + inputs.describe() + " do not match the network's input (" +
            std::to_string(inSize) + " values per sample)");
  if (options.steps == 0)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the simulation needs at least 1 timestep");
  SimulationResult result;
  result.count = inputs.shape[0];
  result.numOutputs = outSize;
  result.checkpoints = options.checkpoints;
  llvm::erase_if(result.checkpoints,
                 [&](unsigned c) { return c == 0 || c >= options.steps; });
  result.checkpoints.push_back(options.steps);
  result.predictions.assign(result.checkpoints.size(),
                            std::vector<int64_t>(result.count, 0));
  result.outputs.assign(result.count * outSize, 0);
  unsigned threads = std::max(1u, options.threads);
  std::vector<std::vector<double>> spikes(threads), synops(threads);
  size_t numCheckpoints = result.checkpoints.size();
  std::vector<std::vector<double>> cpSynops(
      threads, std::vector<double>(numCheckpoints, 0)),
      cpSpikes(threads, std::vector<double>(numCheckpoints, 0));
  const float *data = reinterpret_cast<const float *>(inputs.data.data());

  auto worker = [&](unsigned tid) {
    Run run;
    run.out.resize(nodes.size());
    run.v.resize(nodes.size());
    run.history.resize(nodes.size());
    spikes[tid].assign(nodes.size(), 0);
    synops[tid].assign(nodes.size(), 0);
    for (int64_t img = tid; img < result.count; img += threads) {
      run.spikes.assign(nodes.size(), 0);
      run.synops.assign(nodes.size(), 0);
      for (size_t k = 0; k < nodes.size(); ++k) {
        const Node &n = nodes[k];
        run.out[k].assign(n.size, 0);
        run.v[k] = n.init;
        if (n.kind == Kind::SpikeMaxPool)
          run.v[k].assign(product(n.inShape), 0);
        int64_t h = n.kind == Kind::Delay  ? (n.maxDelay + 1) * n.size
                    : n.kind == Kind::Conv ? n.size
                                           : n.size;
        run.history[k].assign(h, 0);
      }
      uint64_t rng = options.seed * 0x2545f4914f6cdd1dull + img;
      std::vector<double> staticSynops;
      size_t next = 0;
      for (unsigned t = 0; t < options.steps; ++t) {
        std::vector<double> before = run.synops;
        step(nodes, run, data + img * inSize, options.poisson, rng, t);
        // Static layers do their work once but a chip repeats it each step.
        if (t == 0)
          for (size_t k = 0; k < nodes.size(); ++k)
            staticSynops.push_back(nodes[k].isStatic ? run.synops[k] - before[k]
                                                     : 0);
        else
          for (size_t k = 0; k < nodes.size(); ++k)
            run.synops[k] += staticSynops[k];
        while (next < result.checkpoints.size() &&
               result.checkpoints[next] == t + 1) {
          const std::vector<float> &o = run.out[outIndex];
          result.predictions[next][img] =
              std::max_element(o.begin(), o.end()) - o.begin();
          for (size_t k = 0; k < nodes.size(); ++k) {
            cpSynops[tid][next] += run.synops[k];
            cpSpikes[tid][next] += run.spikes[k];
          }
          ++next;
        }
      }
      std::copy(run.out[outIndex].begin(), run.out[outIndex].end(),
                result.outputs.begin() + img * outSize);
      for (size_t k = 0; k < nodes.size(); ++k) {
        spikes[tid][k] += run.spikes[k];
        synops[tid][k] += run.synops[k];
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(worker, t);
  worker(0);
  for (std::thread &t : pool)
    t.join();

  double perInference = 1.0 / std::max<int64_t>(1, result.count);
  result.checkpointSynops.assign(numCheckpoints, 0);
  result.checkpointSpikes.assign(numCheckpoints, 0);
  for (size_t c = 0; c < numCheckpoints; ++c) {
    for (unsigned t = 0; t < threads; ++t) {
      result.checkpointSynops[c] += cpSynops[t][c];
      result.checkpointSpikes[c] += cpSpikes[t][c];
    }
    result.checkpointSynops[c] *= perInference;
    result.checkpointSpikes[c] *= perInference;
  }
  for (auto [k, n] : llvm::enumerate(nodes)) {
    LayerStatistics l;
    l.name = n.name;
    l.kind = kindName(n.kind);
    l.neurons = (n.kind == Kind::IF || n.kind == Kind::LIF) ? n.size : 0;
    l.fanIn = n.fanIn;
    l.fanOut = n.fanOut;
    for (unsigned t = 0; t < threads; ++t) {
      l.spikes += spikes[t][k];
      l.synops += synops[t][k];
    }
    l.spikes /= std::max<int64_t>(1, result.count);
    l.synops /= std::max<int64_t>(1, result.count);
    result.layers.push_back(l);
  }
  return result;
}

} // namespace fulcrum::snn
