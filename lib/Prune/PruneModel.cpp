//===- PruneModel.cpp - Structured pruning of a model to a budget ---------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Prune/PruneModel.h"

#include "Calibration.h"

#include "fulcrum/Cost/CostModel.h"
#include "fulcrum/Dialect/ONNX/IR/ConstantValues.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Pipelines/Pipelines.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/Format.h"

#include <cmath>
#include <cstring>
#include <map>

using namespace mlir;
namespace onnx = fulcrum::onnx;

namespace fulcrum::prune {

std::string validatePruneOptions(const PruneOptions &options) {
  if (options.headsKeep != 0 &&
      !(options.headsKeep > 0 && options.headsKeep <= 1))
    return "--attention-heads-keep must be a fraction of the heads in (0, 1], "
           "e.g. --attention-heads-keep=0.75";
  bool target = options.latencyMs != 0 || options.macReduction != 0;
  if (options.latencyMs < 0 ||
      ((target || options.headsKeep == 0) && options.latencyMs == 0 &&
       !(options.macReduction > 0 && options.macReduction < 1)))
    return "--prune must be a fraction of the MACs between 0 and 1 "
           "(exclusive), e.g. --prune=0.4";
  if (options.calibrationData.empty() &&
      (options.criterion == Criterion::Activation ||
       options.headCriterion == Criterion::Activation))
    return "--prune-criterion=activation needs --calibration-data";
  if (options.calibrationData.empty() && options.reconstruct)
    return "pruning with reconstruction needs --calibration-data (or "
           "--no-reconstruct)";
  return "";
}

namespace {

/// A contraction whose cost depends on the channels it keeps.
struct Layer {
  Operation *op = nullptr;
  int in = -1, out = -1;
  bool depthwise = false;
  double macs = 0, seconds = 0;
};

/// The channels of space `s` one unit of a group owns (0: not a member).
int64_t perUnit(const ChannelGroup &g, unsigned s) {
  for (const GroupMember &m : g.members)
    if (m.space == s)
      return m.channels.front().size();
  return 0;
}

class Pruner {
public:
  Pruner(CompileSession &session, func::FuncOp func,
         const cost::TargetDescription &target, const PruneOptions &options)
      : session(session), func(func), target(target), options(options),
        graph(func) {}

  LogicalResult run(raw_ostream &os);

private:
  void collectLayers();
  /// Kept channels of every space when group g loses removedUnits[g].
  std::vector<int64_t> keptCounts(ArrayRef<unsigned> removedUnits) const;
  /// Predicted MACs and seconds of the contractions for those counts.
  std::pair<double, double> price(ArrayRef<unsigned> removedUnits) const;
  SmallVector<unsigned> allocate();
  /// The criterion of the head groups.
  Criterion headCriterion() const {
    return options.headCriterion.value_or(options.criterion);
  }
  /// How many heads each head group loses for --attention-heads-keep.
  void allocateHeads(SmallVectorImpl<unsigned> &counts) const;
  LogicalResult calibrate();
  LogicalResult recover(const llvm::DenseSet<unsigned> &removed);
  /// Compiles headProbe and measures the reference with it.
  LogicalResult createHeadProbe();
  FailureOr<SmallVector<double>> getHeadSensitivity(const ChannelGroup &group);

  CompileSession &session;
  func::FuncOp func;
  const cost::TargetDescription &target;
  const PruneOptions &options;
  DependencyGraph graph;
  std::vector<Layer> layers;
  double fixedMacs = 0, fixedSeconds = 0;
  /// Prunable groups (indices into graph.getGroups()) and the importance
  /// of their units.
  std::vector<unsigned> prunable;
  std::vector<SmallVector<double>> importance;
  /// Captured inputs of the consumers, by value.
  llvm::DenseMap<Value, Activation> activations;
  HostTensor samples;
  /// The model's outputs on the calibration data (for head sensitivity).
  std::vector<Activation> reference;
  /// The model with every head group's output projections reading their
  /// weights and an added shift from inputs (headParams: their values in
  /// the model); headParam: each projection's weights' index there (the
  /// shift's is next).
  std::unique_ptr<ActivationProbe> headProbe;
  SmallVector<HostTensor> headParams;
  llvm::DenseMap<Operation *, unsigned> headParam;
};

void Pruner::collectLayers() {
  cost::CostOptions costOptions;
  costOptions.threads = options.threads;
  for (const cost::LayerCost &l :
       cost::estimateRegion(func.getBody(), target, costOptions)) {
    Layer layer;
    layer.op = l.op;
    layer.macs = l.work.macs;
    layer.seconds = l.estimate.seconds;
    if (isa<onnx::ConvOp, onnx::GemmOp, onnx::MatMulOp>(l.op)) {
      layer.in = graph.getSpace(l.op->getOperand(0));
      layer.out = graph.getSpace(l.op->getResult(0));
      if (auto conv = dyn_cast<onnx::ConvOp>(l.op))
        layer.depthwise = conv.getGroup() != 1;
      layers.push_back(layer);
    } else {
      fixedMacs += layer.macs;
      fixedSeconds += layer.seconds;
    }
  }
}

std::vector<int64_t> Pruner::keptCounts(ArrayRef<unsigned> removedUnits) const {
  std::vector<int64_t> kept;
  for (const ChannelSpace &s : graph.getSpaces())
    kept.push_back(s.size);
  for (auto [i, g] : llvm::enumerate(prunable))
    for (const GroupMember &m : graph.getGroups()[g].members)
      kept[m.space] -= removedUnits[i] * m.channels.front().size();
  return kept;
}

std::pair<double, double> Pruner::price(ArrayRef<unsigned> removedUnits) const {
  std::vector<int64_t> kept = keptCounts(removedUnits);
  const auto &spaces = graph.getSpaces();
  double macs = fixedMacs, seconds = fixedSeconds;
  for (const Layer &l : layers) {
    double f = 1;
    if (l.in >= 0 && !l.depthwise)
      f *= double(kept[l.in]) / spaces[l.in].size;
    if (l.out >= 0)
      f *= double(kept[l.out]) / spaces[l.out].size;
    macs += l.macs * f;
    seconds += l.seconds * f;
  }
  return {macs, seconds};
}

/// How many units each prunable group loses: greedily the chunk with the
/// least (relative) importance per predicted second saved, in chunks that
/// keep channel counts multiples of the vector width where the group is
/// large enough, each group keeping at least a quarter of its units.
SmallVector<unsigned> Pruner::allocate() {
  size_t n = prunable.size();
  SmallVector<unsigned> removed(n, 0), limit(n), step(n);
  // Units sorted by importance, normalized by the group's mean.
  std::vector<SmallVector<double>> sorted(n);
  unsigned lanes = std::max(1u, target.vectorBits / 32);
  for (size_t i = 0; i < n; ++i) {
    unsigned units = graph.getGroups()[prunable[i]].units.size();
    sorted[i] = importance[i];
    llvm::sort(sorted[i]);
    double mean = 0;
    for (double v : sorted[i])
      mean += v / units;
    for (double &v : sorted[i])
      v = mean > 0 ? v / mean : 1.0;
    // Channel counts in multiples of the vector width (in floats) where
    // the group has two vectors at least, so that no kernel is left with a
    // partial vector; a head is a unit of its own.
    // (Smaller groups: multiples of half a vector, a quarter, ... with at
    // least four of them.)
    unsigned q = lanes;
    if (units < 2 * lanes)
      while (q > 1 && units < 4 * q)
        q /= 2;
    if (graph.getGroups()[prunable[i]].kinds & Heads)
      q = 1;
    step[i] = q;
    // Each group keeps at least a quarter of its units, and for a MAC
    // target r loses at most 1.25 r of them: the importance scores compare
    // units within a group better than across groups.
    double cap = options.latencyMs > 0
                     ? 0.75
                     : std::min(0.75, 1.25 * options.macReduction);
    if (options.uniform)
      cap = 0.75;
    unsigned keepMin = std::max<unsigned>(1, (units + 3) / 4);
    // --attention-heads-keep decides the head groups alone.
    if (options.headsKeep > 0 && (graph.getGroups()[prunable[i]].kinds & Heads))
      keepMin = units;
    limit[i] = std::min<unsigned>(
        units - keepMin,
        std::max<unsigned>(static_cast<unsigned>(cap * units), step[i]));
  }
  double macs0 = price(removed).first;
  auto done = [&](double macs, double seconds) {
    if (options.latencyMs > 0)
      return seconds * 1e3 <= options.latencyMs;
    return macs <= macs0 * (1 - options.macReduction);
  };
  if (options.uniform) {
    // The smallest uniform ratio (in steps of 1%) that meets the target.
    for (int pct = 1; pct <= 75; ++pct) {
      for (size_t i = 0; i < n; ++i) {
        unsigned units = graph.getGroups()[prunable[i]].units.size();
        unsigned r = std::lround(pct / 100.0 * units / step[i]) * step[i];
        removed[i] = std::min(r, limit[i]);
      }
      auto [macs, seconds] = price(removed);
      if (done(macs, seconds))
        break;
    }
    return removed;
  }
  auto [macs, seconds] = price(removed);
  while (!done(macs, seconds)) {
    int best = -1;
    double bestScore = 0, bestMacs = 0, bestSeconds = 0;
    unsigned bestCount = 0;
    bool bestOver = false;
    for (size_t i = 0; i < n; ++i) {
      unsigned units = graph.getGroups()[prunable[i]].units.size();
      // The first chunk rounds the kept count to a multiple of the step.
      unsigned count = (units - removed[i]) % step[i];
      if (count == 0)
        count = step[i];
      if (removed[i] + count > limit[i])
        continue;
      double loss = 0;
      for (unsigned u = removed[i]; u < removed[i] + count; ++u)
        loss += sorted[i][u];
      removed[i] += count;
      auto [m, s] = price(removed);
      removed[i] -= count;
      double saved = seconds - s;
      if (saved <= 0)
        continue;
      double score = loss / saved;
      // Chunks that overshoot a MAC target by more than 2% of the model
      // rank after those that do not.
      bool over = options.latencyMs == 0 &&
                  m < macs0 * (1 - options.macReduction - 0.02);
      if (best < 0 || over < bestOver ||
          (over == bestOver && score < bestScore)) {
        best = i;
        bestOver = over;
        bestScore = score;
        bestMacs = m;
        bestSeconds = s;
        bestCount = count;
      }
    }
    if (best < 0)
      break;
    // When every chunk left overshoots a MAC target by more than 2% of the
    // model, the closer of stopping short and overshooting wins: a 10%
    // target whose only chunk left halves the CNN's 32-channel stem group
    // stops at 9.7% rather than removing 46%.
    if (bestOver && step[best] >= lanes &&
        macs0 * (1 - options.macReduction) - bestMacs >
            macs - macs0 * (1 - options.macReduction))
      break;
    // A chunk of a group smaller than two vectors that overshoots a MAC
    // target by more than 2% of the model gives way to the smallest count
    // that meets it, in the coarsest multiple (half the step, a quarter,
    // ...) that does; when none does, to the largest that does not, and
    // the search goes on. Not below a whole vector in larger groups: a
    // partial vector costs a whole one.
    if (options.latencyMs == 0 && step[best] < lanes &&
        bestMacs < macs0 * (1 - options.macReduction - 0.02)) {
      bool found = false;
      unsigned below = 0;
      double belowMacs = 0, belowSeconds = 0;
      for (unsigned q = step[best] / 2; q >= 1 && !found; q /= 2)
        for (unsigned c = q; c < bestCount && !found; c += q) {
          removed[best] += c;
          auto [m, s] = price(removed);
          removed[best] -= c;
          if (done(m, s)) {
            found = true;
            bestCount = c;
            bestMacs = m;
            bestSeconds = s;
          } else if (q == step[best] / 2 && c > below) {
            below = c;
            belowMacs = m;
            belowSeconds = s;
          }
        }
      if (!found && below > 0) {
        bestCount = below;
        bestMacs = belowMacs;
        bestSeconds = belowSeconds;
      }
    }
    removed[best] += bestCount;
    macs = bestMacs;
    seconds = bestSeconds;
  }
  return removed;
}

LogicalResult Pruner::calibrate() {
  auto samples = readTensorFile(options.calibrationData);
  if (!samples) {
    func.emitError("cannot read the calibration data '")
        << options.calibrationData
        << "': " << llvm::toString(samples.takeError());
    return failure();
  }
  if (samples->dataType != 1 || samples->shape.empty() ||
      samples->shape[0] == 0) {
    func.emitError("calibration data '")
        << options.calibrationData << "' is " << samples->describe()
        << ", not a float32 batch [N, ...]";
    return failure();
  }
  if (samples->shape[0] > options.maxSamples) {
    samples->data.resize(samples->data.size() / samples->shape[0] *
                         options.maxSamples);
    samples->shape[0] = options.maxSamples;
  }
  this->samples = *samples;
  SmallVector<Value> values;
  for (unsigned g : prunable)
    for (Operation *op : graph.getGroups()[g].consumers)
      if (!llvm::is_contained(values, op->getOperand(0)))
        values.push_back(op->getOperand(0));
  auto acts = captureActivations(session, func, values, *samples);
  if (failed(acts))
    return failure();
  for (auto [v, a] : llvm::zip(values, *acts))
    activations[v] = std::move(a);
  return success();
}

/// A float32 host tensor of `shape` holding `values`.
static HostTensor floatTensor(ArrayRef<int64_t> shape, ArrayRef<float> values) {
  HostTensor t;
  t.dataType = 1; // float32
  t.shape.assign(shape.begin(), shape.end());
  t.data.resize(values.size() * sizeof(float));
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

/// The f32 constant `v` as a host tensor (float32, its shape).
static HostTensor toHostTensor(Value v) {
  auto values = onnx::getConstantFloats(v);
  return floatTensor(cast<RankedTensorType>(v.getType()).getShape(),
                     SmallVector<float>(values->begin(), values->end()));
}

LogicalResult Pruner::recover(const llvm::DenseSet<unsigned> &removed) {
  // The consumers of pruned groups, in graph order, before the rewrite.
  struct Job {
    Operation *op;
    LinearLayer layer;
    FeatureStats stats;
    SmallVector<int64_t> keep, outs;
  };
  std::vector<Job> jobs;
  llvm::SmallPtrSet<Operation *, 16> consumers;
  for (unsigned g : prunable)
    consumers.insert(graph.getGroups()[g].consumers.begin(),
                     graph.getGroups()[g].consumers.end());
  const auto &spaces = graph.getSpaces();
  for (Operation &opRef : func.getBody().front()) {
    Operation *op = &opRef;
    if (!consumers.count(op) || !activations.count(op->getOperand(0)))
      continue;
    int in = graph.getSpace(op->getOperand(0));
    int out = graph.getSpace(op->getResult(0));
    SmallVector<int64_t> keptIn = graph.getKept(in, removed);
    // Without reconstruction only the consumers that lose inputs change.
    if (!options.reconstruct &&
        static_cast<int64_t>(keptIn.size()) == spaces[in].size)
      continue;
    auto layer = getLinearLayer(op);
    if (failed(layer))
      continue;
    Job job{op, std::move(*layer), {}, {}, {}};
    int64_t features = job.layer.features();
    if (!options.reconstruct)
      job.stats = getFeatureStats(job.layer, activations[op->getOperand(0)],
                                  std::max<int64_t>(8192, 8 * features));
    for (int64_t c : keptIn)
      for (int64_t k = 0; k < job.layer.kernel; ++k)
        job.keep.push_back(c * job.layer.kernel + k);
    if (job.layer.hasBias)
      job.keep.push_back(features - 1);
    if (out >= 0)
      job.outs = graph.getKept(out, removed);
    else
      for (int64_t o = 0; o < job.layer.outs; ++o)
        job.outs.push_back(o);
    jobs.push_back(std::move(job));
  }
  if (failed(removeChannels(func, graph, removed)))
    return failure();
  // Each refit reads the inputs of the pruned model as the earlier refits
  // left it. Where every job's weights (and bias) are constants that a
  // refit replaces by constants of the same type, one probe compiled with
  // them as inputs serves all jobs, one run each; otherwise each job
  // compiles the model as it is then.
  std::unique_ptr<ActivationProbe> probe;
  SmallVector<OpOperand *> params;
  if (options.reconstruct) {
    SmallVector<Value> inputs;
    bool constant = true;
    auto isF32Constant = [](Value v) {
      auto type = dyn_cast<RankedTensorType>(v.getType());
      return type && type.getElementType().isF32() &&
             onnx::getConstantFloats(v).has_value();
    };
    for (Job &job : jobs) {
      inputs.push_back(job.op->getOperand(0));
      params.push_back(&job.op->getOpOperand(1));
      if (job.layer.hasBias)
        params.push_back(&job.op->getOpOperand(2));
      auto gemm = dyn_cast<onnx::GemmOp>(job.op);
      if (gemm && (gemm.getAlpha().convertToFloat() != 1.0f ||
                   gemm.getBeta().convertToFloat() != 1.0f))
        constant = false;
    }
    constant &= llvm::all_of(params, [&](OpOperand *operand) {
      return isF32Constant(operand->get());
    });
    if (constant && !jobs.empty()) {
      auto created = ActivationProbe::create(session, func, inputs, params);
      if (failed(created))
        return failure();
      probe = std::move(*created);
    }
  }
  for (auto [index, job] : llvm::enumerate(jobs)) {
    const LinearLayer &l = job.layer;
    int64_t f = l.features(), m = job.keep.size(), n = job.outs.size();
    std::vector<double> w;
    if (options.reconstruct) {
      // Refit on the inputs of the pruned model as it is now (earlier
      // consumers refit), to reproduce the original layer's outputs.
      Value input = job.op->getOperand(0);
      FailureOr<std::vector<Activation>> now = failure();
      if (probe) {
        SmallVector<HostTensor> values;
        for (OpOperand *operand : params)
          values.push_back(toHostTensor(operand->get()));
        now = probe->run(samples, values);
        if (succeeded(now))
          *now = {std::move((*now)[index])};
      } else {
        now = captureActivations(session, func, {input}, samples);
      }
      auto pruned = getLinearLayer(job.op);
      if (failed(now) || failed(pruned))
        return failure();
      m = pruned->features();
      CrossStats stats =
          getCrossStats(*pruned, (*now)[0], l, activations[input],
                        std::max<int64_t>(4096, 4 * f));
      w = refitPruned(*pruned, l, stats, job.outs, 1e-4);
    } else {
      // Bias compensation: the removed features' mean contribution.
      w.assign(n * m, 0.0);
      llvm::DenseSet<int64_t> kept(job.keep.begin(), job.keep.end());
      for (int64_t o = 0; o < n; ++o) {
        const double *row = l.w.data() + job.outs[o] * f;
        for (int64_t i = 0; i < m; ++i)
          w[o * m + i] = row[job.keep[i]];
        if (!l.hasBias)
          continue;
        for (int64_t j = 0; j < f; ++j)
          if (!kept.count(j))
            w[o * m + m - 1] += row[j] * job.stats.mean[j];
      }
    }
    // Back to the op's layout.
    OpBuilder b(job.op);
    Location loc = job.op->getLoc();
    Type weightType = job.op->getOperand(1).getType();
    Type biasType = l.hasBias ? job.op->getOperand(2).getType() : Type();
    int64_t k = l.hasBias ? m - 1 : m, kept = k / l.kernel;
    SmallVector<float> weights, bias;
    for (int64_t o = 0; o < n; ++o)
      if (l.hasBias)
        bias.push_back(w[o * m + m - 1]);
    if (auto conv = dyn_cast<onnx::ConvOp>(job.op)) {
      auto wType = cast<RankedTensorType>(conv.getW().getType());
      for (int64_t o = 0; o < n; ++o)
        for (int64_t i = 0; i < k; ++i)
          weights.push_back(w[o * m + i]);
      job.op->setOperand(
          1, createConstant(b, loc,
                            {n, kept, wType.getDimSize(2), wType.getDimSize(3)},
                            weights));
      job.op->setOperand(2, createConstant(b, loc, {n}, bias));
    } else if (auto gemm = dyn_cast<onnx::GemmOp>(job.op)) {
      bool t = gemm.getTransB();
      if (t) {
        for (int64_t o = 0; o < n; ++o)
          for (int64_t i = 0; i < k; ++i)
            weights.push_back(w[o * m + i]);
      } else {
        for (int64_t i = 0; i < k; ++i)
          for (int64_t o = 0; o < n; ++o)
            weights.push_back(w[o * m + i]);
      }
      job.op->setOperand(1, createConstant(b, loc,
                                           t ? SmallVector<int64_t>{n, k}
                                             : SmallVector<int64_t>{k, n},
                                           weights));
      job.op->setOperand(2, createConstant(b, loc, {n}, bias));
      gemm.setAlphaAttr(b.getF32FloatAttr(1.0f));
      gemm.setBetaAttr(b.getF32FloatAttr(1.0f));
    } else {
      for (int64_t i = 0; i < k; ++i)
        for (int64_t o = 0; o < n; ++o)
          weights.push_back(w[o * m + i]);
      job.op->setOperand(1, createConstant(b, loc, {k, n}, weights));
    }
    // A refit that changed its weights' or bias's type leaves the probe to
    // the jobs after it.
    if (job.op->getOperand(1).getType() != weightType ||
        (l.hasBias && job.op->getOperand(2).getType() != biasType))
      probe.reset();
  }
  // Constants the refits replaced.
  SmallVector<Operation *> dead;
  for (Operation &op : func.getBody().front())
    if (isa<onnx::ConstantOp>(op) && op.use_empty())
      dead.push_back(&op);
  for (Operation *op : dead)
    op->erase();
  return success();
}

/// How far `out` moved from `ref` (one output of the model, same shape):
/// the mean over rows of KL(softmax(ref) || softmax(out)) along the last
/// axis, or the mean squared difference. KL weighs a change by what it
/// does to the class probabilities: a head that moves every logit alike,
/// or only logits of unlikely classes, costs little, where the squared
/// difference counts those moves in full.
static double outputChange(const Activation &out, const Activation &ref,
                           OutputChange metric) {
  size_t size = out.data.size();
  int64_t last = out.shape.empty() ? 1 : out.shape.back();
  if (size == 0)
    return 0.0;
  if (metric == OutputChange::MSE || last < 2) {
    double sum = 0;
    for (size_t i = 0; i < size; ++i) {
      double d = double(out.data[i]) - ref.data[i];
      sum += d * d;
    }
    return sum / size;
  }
  // log-softmax of one row of `n` values, in double.
  auto logSoftmax = [](const float *x, int64_t n, double *y) {
    double most = x[0];
    for (int64_t i = 1; i < n; ++i)
      most = std::max(most, double(x[i]));
    double sum = 0;
    for (int64_t i = 0; i < n; ++i)
      sum += std::exp(double(x[i]) - most);
    double log = most + std::log(sum);
    for (int64_t i = 0; i < n; ++i)
      y[i] = double(x[i]) - log;
  };
  int64_t rows = size / last;
  std::vector<double> p(last), q(last);
  double sum = 0;
  for (int64_t r = 0; r < rows; ++r) {
    logSoftmax(ref.data.data() + r * last, last, p.data());
    logSoftmax(out.data.data() + r * last, last, q.data());
    for (int64_t i = 0; i < last; ++i)
      sum += std::exp(p[i]) * (p[i] - q[i]);
  }
  return sum / rows;
}

namespace {
/// An output projection that reads a head group's heads: a (member,
/// consumer) pair with its weights as a matrix.
struct Projection {
  Operation *consumer;
  Value heads; // the consumer's input, the heads side by side
  bool columns; // input channel c is column c (a transposed Gemm's B)
  int64_t inner, outs;
};
} // namespace

/// The projections of `group` (each consumer reading one of its members'
/// values); an error for weights that are not a constant matrix.
static FailureOr<SmallVector<std::pair<unsigned, Projection>>>
getProjections(const DependencyGraph &graph, const ChannelGroup &group) {
  SmallVector<std::pair<unsigned, Projection>> projections;
  for (auto [index, m] : llvm::enumerate(group.members)) {
    Value v = graph.getSpaces()[m.space].value;
    for (Operation *consumer : group.consumers) {
      if (consumer->getOperand(0) != v)
        continue;
      auto type = cast<RankedTensorType>(consumer->getOperand(1).getType());
      if (!onnx::getConstantFloats(consumer->getOperand(1)) ||
          type.getRank() != 2 || !type.getElementType().isF32())
        return consumer->emitError("cannot measure the heads: weights that "
                                   "are not a constant matrix");
      auto gemm = dyn_cast<onnx::GemmOp>(consumer);
      bool columns = gemm && gemm.getTransB();
      int64_t inner = type.getDimSize(1);
      projections.push_back(
          {static_cast<unsigned>(index),
           {consumer, v, columns, inner, columns ? type.getDimSize(0) : inner}});
    }
  }
  return projections;
}

LogicalResult Pruner::createHeadProbe() {
  // Every head group's projections read their weights, and add a shift to
  // their outputs, from inputs of one probe: compiled once, it measures
  // the model as it is (the reference) and without each head.
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  SmallVector<Value> outputs(ret.getOperands());
  SmallVector<OpOperand *> params;
  SmallVector<Operation *> added;
  LogicalResult result = success();
  for (unsigned g : prunable) {
    const ChannelGroup &group = graph.getGroups()[g];
    if (!(group.kinds & Heads))
      continue;
    auto projections = getProjections(graph, group);
    if (failed(projections)) {
      result = failure();
      break;
    }
    for (auto &[member, p] : *projections) {
      Value w = p.consumer->getOperand(1);
      Value y = p.consumer->getResult(0);
      OpBuilder b(p.consumer);
      b.setInsertionPointAfter(p.consumer);
      Location loc = p.consumer->getLoc();
      Value zero = createConstant(b, loc, {p.outs}, SmallVector<float>(p.outs));
      auto shifted = b.create<onnx::AddOp>(loc, TypeRange{y.getType()},
                                           ValueRange{y, zero});
      y.replaceAllUsesExcept(shifted, shifted);
      added.push_back(shifted);
      headParam[p.consumer] = params.size();
      params.push_back(&p.consumer->getOpOperand(1));
      params.push_back(&shifted->getOpOperand(1));
      headParams.push_back(toHostTensor(w));
      headParams.push_back(floatTensor({p.outs}, SmallVector<float>(p.outs)));
    }
  }
  if (succeeded(result)) {
    auto probe = ActivationProbe::create(session, func, outputs, params);
    if (failed(probe))
      result = failure();
    else
      headProbe = std::move(*probe);
  }
  for (Operation *shifted : added) {
    Value zero = shifted->getOperand(1);
    shifted->getResult(0).replaceAllUsesWith(shifted->getOperand(0));
    shifted->erase();
    zero.getDefiningOp()->erase();
  }
  if (failed(result))
    return failure();
  auto ref = headProbe->run(samples, headParams);
  if (failed(ref))
    return failure();
  reference = std::move(*ref);
  return success();
}

FailureOr<SmallVector<double>>
Pruner::getHeadSensitivity(const ChannelGroup &group) {
  // How much the model's outputs change on the calibration data when the
  // output projection no longer reads one head: its rows zeroed and their
  // mean contribution added to the projection's output, one run of the
  // head probe per head (outputChange: KL divergence by default).
  // Comparable across blocks.
  if (!headProbe && failed(createHeadProbe()))
    return failure();
  SmallVector<double> score(group.units.size(), 0.0);
  auto projections = getProjections(graph, group);
  if (failed(projections))
    return failure();
  for (auto &[member, p] : *projections) {
    const GroupMember &m = group.members[member];
    unsigned param = headParam.lookup(p.consumer);
    // The projection's weights as the probe reads them in the model.
    const HostTensor &weights = headParams[param];
    // The mean of each input channel on the calibration data: a removed
    // head's mean contribution is what bias compensation or the refit
    // keeps, so the sensitivity adds it back.
    std::vector<double> mean(graph.getSpaces()[m.space].size, 0.0);
    auto act = activations.find(p.heads);
    if (act != activations.end()) {
      int64_t k = mean.size(), rows = act->second.data.size() / k;
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < k; ++c)
          mean[c] += act->second.data[r * k + c] / rows;
    }
    for (auto [u, channels] : llvm::enumerate(m.channels)) {
      SmallVector<HostTensor> params(headParams);
      float *zeroed = reinterpret_cast<float *>(params[param].data.data());
      SmallVector<float> shift(p.outs, 0.0f);
      for (int64_t c : channels)
        for (int64_t i = 0; i < p.outs; ++i) {
          float &x = zeroed[p.columns ? i * p.inner + c : c * p.inner + i];
          shift[i] += mean[c] * x;
          x = 0.0f;
        }
      params[param + 1] = floatTensor({p.outs}, shift);
      auto out = headProbe->run(samples, params);
      if (failed(out))
        return failure();
      for (auto [o, r] : llvm::zip(*out, reference))
        score[u] += outputChange(o, r, options.headMetric);
    }
  }
  return score;
}

void Pruner::allocateHeads(SmallVectorImpl<unsigned> &counts) const {
  const auto &groups = graph.getGroups();
  SmallVector<unsigned> heads;
  unsigned total = 0;
  for (auto [i, g] : llvm::enumerate(prunable))
    if (groups[g].kinds & Heads) {
      heads.push_back(i);
      total += groups[g].units.size();
    }
  auto keepOf = [&](unsigned units) {
    return std::min<unsigned>(
        units, std::max<long>(1, std::lround(options.headsKeep * units)));
  };
  if (headCriterion() != Criterion::Activation) {
    // Weight norms compare heads within a block: each keeps its share.
    for (unsigned i : heads)
      counts[i] = groups[prunable[i]].units.size() -
                  keepOf(groups[prunable[i]].units.size());
    return;
  }
  // Output sensitivities compare heads across blocks: the least sensitive
  // heads of the whole model go, each block keeping one at least and
  // losing at most twice its share (heads measured one at a time
  // underestimate what several from one block cost together).
  unsigned remove = total - keepOf(total);
  std::vector<std::tuple<double, unsigned, unsigned>> order;
  for (unsigned i : heads)
    for (auto [u, score] : llvm::enumerate(importance[i]))
      order.push_back({score, i, static_cast<unsigned>(u)});
  llvm::sort(order);
  for (auto [score, i, u] : order) {
    if (remove == 0)
      break;
    unsigned units = groups[prunable[i]].units.size();
    unsigned most = std::max<long>(
        1, std::lround(2 * (1 - options.headsKeep) * units));
    if (counts[i] + 1 >= units || counts[i] + 1 > most)
      continue;
    ++counts[i];
    --remove;
  }
}

LogicalResult Pruner::run(raw_ostream &os) {
  const auto &groups = graph.getGroups();
  for (auto [i, g] : llvm::enumerate(groups))
    if (g.prunable)
      prunable.push_back(i);
  collectLayers();
  if (!options.calibrationData.empty() && failed(calibrate()))
    return failure();
  for (unsigned g : prunable) {
    const ChannelGroup &group = groups[g];
    Criterion criterion =
        group.kinds & Heads ? headCriterion() : options.criterion;
    if (criterion != Criterion::Activation) {
      importance.push_back(getWeightImportance(graph, group, criterion));
      continue;
    }
    if (group.kinds & Heads) {
      auto score = getHeadSensitivity(group);
      if (failed(score))
        return failure();
      importance.push_back(*score);
      continue;
    }
    // Mean |activation| of each unit's channels in the consumers' inputs.
    SmallVector<double> score(group.units.size(), 0.0);
    for (const GroupMember &m : group.members) {
      auto it = activations.find(graph.getSpaces()[m.space].value);
      if (it == activations.end())
        continue;
      const Activation &a = it->second;
      const ChannelSpace &s = graph.getSpaces()[m.space];
      int64_t inner = 1, outer = 1;
      for (size_t d = 0; d < a.shape.size(); ++d)
        if (static_cast<int64_t>(d) > s.axis)
          inner *= a.shape[d];
        else if (static_cast<int64_t>(d) < s.axis)
          outer *= a.shape[d];
      std::vector<double> channel(s.size, 0.0);
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t c = 0; c < s.size; ++c) {
          const float *p = a.data.data() + (o * s.size + c) * inner;
          for (int64_t i = 0; i < inner; ++i)
            channel[c] += std::abs(p[i]);
        }
      for (auto [u, channels] : llvm::enumerate(m.channels))
        for (int64_t c : channels)
          score[u] += channel[c] / (outer * inner);
    }
    importance.push_back(score);
  }
  auto [macsBefore, secondsBefore] =
      price(SmallVector<unsigned>(prunable.size(), 0));
  SmallVector<unsigned> counts(prunable.size(), 0);
  if (options.macReduction > 0 || options.latencyMs > 0)
    counts = allocate();
  if (options.headsKeep > 0)
    allocateHeads(counts);
  // Each group's units that go, by their index in the group.
  SmallVector<SmallVector<unsigned>> gone;
  for (auto [i, g] : llvm::enumerate(prunable))
    gone.push_back(selectLeastImportant(importance[i], counts[i]));
  if (options.report)
    for (auto [i, g] : llvm::enumerate(prunable)) {
      const ChannelGroup &group = groups[g];
      os << "group " << g << " ("
         << describeValue(graph.getSpaces()[group.members.front().space].value)
         << "): " << group.units.size() << " -> "
         << group.units.size() - counts[i] << " units";
      // Which heads go (channel groups would be long lists).
      if ((group.kinds & Heads) && !gone[i].empty()) {
        SmallVector<unsigned> heads = gone[i];
        llvm::sort(heads);
        os << "; heads removed:";
        for (unsigned u : heads)
          os << " " << u;
      }
      os << "\n";
    }
  llvm::DenseSet<unsigned> removed;
  for (auto [i, g] : llvm::enumerate(prunable))
    for (unsigned u : gone[i])
      removed.insert(groups[g].units[u]);
  if (failed(recover(removed)) || failed(mlir::verify(func)))
    return failure();
  // Price the pruned graph afresh.
  cost::CostOptions costOptions;
  costOptions.threads = options.threads;
  double macsAfter = 0, secondsAfter = 0;
  for (const cost::LayerCost &l :
       cost::estimateRegion(func.getBody(), target, costOptions)) {
    macsAfter += l.work.macs;
    secondsAfter += l.estimate.seconds;
  }
  os << "MACs: " << llvm::format("%.0f", macsBefore) << " -> "
     << llvm::format("%.0f", macsAfter) << " ("
     << llvm::format("-%.1f%%", 100.0 * (1 - macsAfter / macsBefore))
     << "), predicted latency " << llvm::format("%.3f", secondsBefore * 1e3)
     << " -> " << llvm::format("%.3f", secondsAfter * 1e3) << " ms\n";
  return success();
}

} // namespace

LogicalResult pruneModel(CompileSession &session,
                         const cost::TargetDescription &target,
                         const PruneOptions &options, raw_ostream &os) {
  if (session.getPhase() != CompilePhase::Import)
    return emitError(session.getModule().getLoc())
           << "pruning needs an imported model, not one past the "
           << stringifyCompilePhase(session.getPhase()) << " phase";
  // The graph phase without fusion: canonical, shape-inferred onnx ops.
  PipelineOptions pipeline = session.getOptions().pipeline;
  pipeline.fuse = false;
  PassManager pm(session.getModule()->getContext());
  buildGraphPipeline(pm, pipeline);
  if (failed(pm.run(session.getModule())))
    return failure();
  auto func = session.getModule().lookupSymbol<func::FuncOp>(
      session.getOptions().pipeline.entryPoint);
  if (!func || func.isExternal())
    return emitError(session.getModule().getLoc())
           << "no entry point @" << session.getOptions().pipeline.entryPoint
           << " to prune";
  forwardConstantIdentities(func);
  Pruner pruner(session, func, target, options);
  return pruner.run(os);
}

} // namespace fulcrum::prune
