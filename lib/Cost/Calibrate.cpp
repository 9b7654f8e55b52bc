//===- Calibrate.cpp - Measure the host into a target description ---------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/Calibrate.h"

#include "fulcrum/Cost/AttentionCost.h"
#include "fulcrum/Cost/CostModel.h"
#include "fulcrum/Cost/Profiler.h"
#include "fulcrum/Driver/Driver.h"
#include "fulcrum/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>

extern "C" {
double fulcrum_probe_fma(long iterations);
double fulcrum_probe_int8(long iterations);
const char *fulcrum_probe_int8_isa(void);
double fulcrum_probe_read(const float *data, size_t count, int passes);
}

using namespace mlir;

namespace fulcrum::cost {

namespace {
using Clock = std::chrono::steady_clock;

double elapsed(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// The best rate (operations per second) of `probe` run on `threads`
/// threads at once, over `reps` repetitions.
template <typename Probe>
double bestRate(unsigned threads, unsigned reps, Probe probe) {
  double best = 0;
  for (unsigned rep = 0; rep < reps; ++rep) {
    std::vector<double> ops(threads, 0);
    auto start = Clock::now();
    std::vector<std::thread> workers;
    for (unsigned t = 1; t < threads; ++t)
      workers.emplace_back([&, t] { ops[t] = probe(t); });
    ops[0] = probe(0);
    for (std::thread &worker : workers)
      worker.join();
    double seconds = elapsed(start);
    double total = 0;
    for (double n : ops)
      total += n;
    best = std::max(best, total / seconds);
  }
  return best;
}

/// `/sys/devices/system/cpu/cpu0/cache`: data and unified caches by level.
std::vector<CacheLevel> readCacheSizes() {
  std::vector<CacheLevel> caches;
  for (int index = 0; index < 8; ++index) {
    std::string dir =
        "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index);
    auto read = [&](StringRef file) -> std::string {
      // sysfs files claim a page of size: read them as streams.
      auto buffer = llvm::MemoryBuffer::getFileAsStream(dir + "/" + file.str());
      return buffer ? (*buffer)->getBuffer().trim().str() : std::string();
    };
    std::string type = read("type");
    if (type.empty())
      break;
    if (type == "Instruction")
      continue;
    CacheLevel cache;
    if (StringRef(read("level")).getAsInteger(10, cache.level))
      continue;
    std::string sizeText = read("size");
    StringRef size = sizeText;
    double scale = 1;
    if (size.consume_back("K"))
      scale = 1024;
    else if (size.consume_back("M"))
      scale = 1024 * 1024;
    unsigned long long value;
    if (size.getAsInteger(10, value))
      continue;
    cache.sizeBytes = value * scale;
    std::string shared = read("shared_cpu_list");
    cache.shared = cache.level >= 3 || StringRef(shared).contains(',') ||
                   StringRef(shared).contains('-');
    caches.push_back(cache);
  }
  if (caches.empty())
    caches = {
        {1, 32768, 0, false}, {2, 524288, 0, false}, {3, 8388608, 0, true}};
  return caches;
}

/// GB/s reading `bytes` (per thread) on `threads` threads.
double readBandwidth(double bytes, unsigned threads, double targetBytes) {
  size_t count = std::max<size_t>(64, static_cast<size_t>(bytes / 4) / 64 * 64);
  std::vector<float *> buffers;
  for (unsigned t = 0; t < threads; ++t) {
    auto *data = static_cast<float *>(std::aligned_alloc(64, count * 4));
    for (size_t i = 0; i < count; ++i)
      data[i] = 1.0f;
    buffers.push_back(data);
  }
  int passes = std::max(1, static_cast<int>(targetBytes / (count * 4.0)));
  double rate = bestRate(threads, 5, [&](unsigned t) {
    return fulcrum_probe_read(buffers[t], count, passes);
  });
  for (float *data : buffers)
    std::free(data);
  return rate / 1e9;
}

/// A random f32 constant as a module resource (`dense_resource<name>`).
struct Resources {
  /// Resource names are unique per context: number them.
  static unsigned next() {
    static unsigned counter = 0;
    return counter++;
  }
  std::string text;
  std::mt19937 rng{7};
  std::string add(StringRef name, size_t count) {
    std::uniform_real_distribution<float> uniform(-0.5f, 0.5f);
    std::string hex = "0x04000000";
    hex.reserve(hex.size() + count * 8);
    for (size_t i = 0; i < count; ++i) {
      float value = uniform(rng);
      uint32_t bits;
      std::memcpy(&bits, &value, 4);
      for (int b = 0; b < 4; ++b) {
        unsigned byte = (bits >> (8 * b)) & 0xff;
        hex += llvm::hexdigit(byte >> 4);
        hex += llvm::hexdigit(byte & 15);
      }
    }
    if (!text.empty())
      text += ",\n";
    std::string key = name.str() + std::to_string(next());
    text += "      " + key + ": \"" + hex + "\"";
    return key;
  }
  std::string section() const {
    if (text.empty())
      return "";
    return "{-#\n  dialect_resources: {\n    builtin: {\n" + text +
           "\n    }\n  }\n#-}\n";
  }
};

/// `text` with `$0`, `$1`, ... replaced by `args`.
std::string substitute(StringRef text, ArrayRef<std::string> args) {
  std::string result;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && llvm::isDigit(text[i + 1])) {
      result += args[text[i + 1] - '0'];
      ++i;
      continue;
    }
    result += text[i];
  }
  return result;
}

std::string tensor(ArrayRef<int64_t> shape) {
  std::string text = "tensor<";
  for (int64_t dim : shape)
    text += std::to_string(dim) + "x";
  return text + "f32>";
}

/// One measured kernel: its work and its best call time.
struct Measurement {
  Work work;
  double seconds = 0;
};

class KernelTimer {
public:
  explicit KernelTimer(MLIRContext &context) : context(context) {}

  /// Compiles `text` (linalg on tensors, @main_graph) and times its calls;
  /// fused attentions take key tiles of `attentionKeyTile` (0: priced).
  llvm::Expected<Measurement> measure(const std::string &text,
                                      int64_t attentionKeyTile = 0) {
    auto module = parseSourceString<ModuleOp>(text, &context);
    if (!module)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "cannot parse a calibration kernel");
    Measurement result;
    auto func = module->lookupSymbol<func::FuncOp>("main_graph");
    for (Operation &op : func.getBody().front())
      if (auto workOp = dyn_cast<WorkOpInterface>(&op)) {
        Work work = workOp.getWork();
        if (work.kind == WorkClass::None)
          continue;
        // The fill a product starts from is taken in by its kernel.
        if (result.work.kind == WorkClass::None ||
            result.work.kind == WorkClass::DataMovement)
          result.work = work;
      }
    CompileOptions options;
    options.applyPassManagerCLOptions = false;
    options.pipeline.attentionKeyTile = attentionKeyTile;
    CompileSession session(context, options);
    if (failed(session.setModule(std::move(module))))
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "cannot compile a calibration kernel");
    auto runner = session.createRunner();
    if (!runner)
      return runner.takeError();
    std::vector<HostTensor> inputs = makeRandomInputs(**runner);
    auto call = (*runner)->prepare(inputs);
    if (!call)
      return call.takeError();
    for (int i = 0; i < 3; ++i)
      call->invoke();
    std::vector<double> times;
    auto start = Clock::now();
    while (times.size() < 500 && (times.size() < 5 || elapsed(start) < 0.15)) {
      auto before = Clock::now();
      call->invoke();
      times.push_back(elapsed(before));
    }
    call->freeResults();
    std::sort(times.begin(), times.end());
    result.seconds = times.front();
    return result;
  }

private:
  MLIRContext &context;
};

std::string gemmModule(int64_t m, int64_t k, int64_t n) {
  Resources res;
  std::string key = res.add("w", k * n);
  std::string a = tensor({m, k}), w = tensor({k, n}), c = tensor({m, n});
  return substitute(R"(func.func @main_graph(%a: $0) -> $2 {
  %w = arith.constant dense_resource<$3> : $1
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : $2
  %f = linalg.fill ins(%z : f32) outs(%e : $2) -> $2
  %r = linalg.matmul ins(%a, %w : $0, $1) outs(%f : $2) -> $2
  return %r : $2
}
)",
                    {a, w, c, key}) +
         res.section();
}

/// `count` convolutions (c channels to c, k x k, zero-padded to keep the
/// size out x out) in a chain, as they follow each other in a network (the
/// layout changes at the model's boundary are then paid once).
std::string convModule(int64_t c, int64_t out, int64_t k, bool depthwise,
                       int count) {
  Resources res;
  int64_t pad = k / 2, in = out + 2 * pad;
  std::string x = tensor({1, c, out, out}), padded = tensor({1, c, in, in});
  std::string w = depthwise ? tensor({c, k, k}) : tensor({c, c, k, k});
  std::string op = depthwise ? "linalg.depthwise_conv_2d_nchw_chw"
                             : "linalg.conv_2d_nchw_fchw";
  std::string text = "func.func @main_graph(%x0: " + x + ") -> " + x +
                     " {\n  %z = arith.constant 0.0 : f32\n";
  for (int i = 0; i < count; ++i) {
    std::string key = res.add("w", depthwise ? c * k * k : c * c * k * k);
    std::string input = "%x" + std::to_string(i);
    if (pad)
      text += llvm::formatv("  %p{0} = tensor.pad {1} low[0, 0, {2}, {2}] "
                            "high[0, 0, {2}, {2}] {{\n  ^bb0(%i0: index, %i1: "
                            "index, %i2: index, %i3: index):\n    tensor.yield "
                            "%z : f32\n  } : {3} to {4}\n",
                            i, input, pad, x, padded)
                  .str();
    text += llvm::formatv(
                "  %w{0} = arith.constant dense_resource<{1}> : {2}\n"
                "  %e{0} = tensor.empty() : {3}\n"
                "  %f{0} = linalg.fill ins(%z : f32) outs(%e{0} : {3}) -> {3}\n"
                "  %x{5} = {4} {{dilations = dense<1> : tensor<2xi64>, strides "
                "= dense<1> : tensor<2xi64>} ins({6}, %w{0} : {7}, {2}) "
                "outs(%f{0} : {3}) -> {3}\n",
                i, key, w, x, op, i + 1, pad ? "%p" + std::to_string(i) : input,
                pad ? padded : x)
                .str();
  }
  text += "  return %x" + std::to_string(count) + " : " + x + "\n}\n";
  return text + res.section();
}

/// An element-wise generic over [n]: `body` combines %x (and %y).
std::string elementwiseModule(int64_t n, StringRef body, bool binary) {
  std::string t = tensor({n});
  std::string maps = binary ? "[#id, #id, #id]" : "[#id, #id]";
  std::string args = binary ? "%a, %b : " + t + ", " + t : "%a : " + t;
  std::string block = binary ? "%x: f32, %y: f32, %o: f32" : "%x: f32, %o: f32";
  return substitute(
      R"(#id = affine_map<(d0) -> (d0)>
func.func @main_graph(%a: $0$1) -> $0 {
  %e = tensor.empty() : $0
  %r = linalg.generic {indexing_maps = $2, iterator_types = ["parallel"]} ins($3) outs(%e : $0) {
  ^bb0($4):
    %v = $5
    linalg.yield %v : f32
  } -> $0
  return %r : $0
}
)",
      {t, binary ? ", %b: " + t : "", maps, args, block, body.str()});
}

/// A batched product of two run-time operands (attention's products).
std::string batchGemmModule(int64_t batch, int64_t m, int64_t k, int64_t n) {
  std::string a = tensor({batch, m, k}), b = tensor({batch, k, n}),
              c = tensor({batch, m, n});
  return substitute(R"(func.func @main_graph(%a: $0, %b: $1) -> $2 {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : $2
  %f = linalg.fill ins(%z : f32) outs(%e : $2) -> $2
  %r = linalg.batch_matmul ins(%a, %b : $0, $1) outs(%f : $2) -> $2
  return %r : $2
}
)",
                    {a, b, c});
}

/// One fused attention of `pairs` heads, `length` queries and keys and a
/// head dimension of `d`.
std::string attentionModule(int64_t pairs, int64_t length, int64_t d) {
  std::string x = tensor({pairs, length, d});
  return substitute(R"(func.func @main_graph(%q: $0, %k: $0, %v: $0) -> $0 {
  %y = fulcrum.attention %q, %k, %v {head_dim = $1 : i64, scale = 0.25 : f32} : ($0, $0, $0) -> $0
  return %y : $0
}
)",
                    {x, std::to_string(d)});
}

/// Zero padding of [1, c, hw, hw] by one on each side (a copy).
std::string padModule(int64_t c, int64_t hw) {
  std::string x = tensor({1, c, hw, hw}), y = tensor({1, c, hw + 2, hw + 2});
  return substitute(R"(func.func @main_graph(%x: $0) -> $1 {
  %z = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %z : f32
  } : $0 to $1
  return %p : $1
}
)",
                    {x, y});
}

/// A row broadcast to [rows, cols] (a bias before its add).
std::string broadcastModule(int64_t rows, int64_t cols) {
  std::string row = tensor({cols}), out = tensor({rows, cols});
  return substitute(R"(func.func @main_graph(%a: $0) -> $1 {
  %e = tensor.empty() : $1
  %r = linalg.broadcast ins(%a : $0) outs(%e : $1) dimensions = [0]
  return %r : $1
}
)",
                    {row, out});
}

std::string reductionModule(int64_t rows, int64_t cols) {
  std::string in = tensor({rows, cols}), out = tensor({rows});
  return substitute(R"(#rows = affine_map<(d0, d1) -> (d0, d1)>
#sums = affine_map<(d0, d1) -> (d0)>
func.func @main_graph(%a: $0) -> $1 {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : $1
  %f = linalg.fill ins(%z : f32) outs(%e : $1) -> $1
  %r = linalg.generic {indexing_maps = [#rows, #sums], iterator_types = ["parallel", "reduction"]} ins(%a : $0) outs(%f : $1) {
  ^bb0(%x: f32, %o: f32):
    %v = arith.addf %x, %o : f32
    linalg.yield %v : f32
  } -> $1
  return %r : $1
}
)",
                    {in, out});
}

/// `count` transposes of [c, h, w] to [h, w, c] and back.
std::string transposeModule(int64_t c, int64_t h, int64_t w, int count) {
  std::string chw = tensor({c, h, w}), hwc = tensor({h, w, c});
  std::string text = "func.func @main_graph(%a0: " + chw + ") -> " +
                     (count % 2 ? hwc : chw) + " {\n";
  for (int i = 0; i < count; ++i) {
    bool forward = i % 2 == 0;
    std::string from = forward ? chw : hwc, to = forward ? hwc : chw;
    text +=
        llvm::formatv("  %e{0} = tensor.empty() : {1}\n  %a{2} = "
                      "linalg.transpose ins(%a{0} : {3}) outs(%e{0} : {1}) "
                      "permutation = {4}\n",
                      i, to, i + 1, from, forward ? "[1, 2, 0]" : "[2, 0, 1]")
            .str();
  }
  text += "  return %a" + std::to_string(count) + " : " +
          (count % 2 ? hwc : chw) + "\n}\n";
  return text;
}

/// The roofline time of `work` on `target` with every efficiency 1 and no
/// overheads.
double rooflineSeconds(const Work &work, TargetDescription target) {
  target.gemmEfficiency.clear();
  target.dynamicGemmEfficiency.clear();
  target.convEfficiency.clear();
  target.depthwiseEfficiency.clear();
  target.elementwiseEfficiency = target.reductionEfficiency =
      target.dataMovementEfficiency = target.transposeEfficiency = 1;
  target.perKernelOverheadUs = 0;
  return estimate(work, target).seconds;
}

double geomean(ArrayRef<double> values) {
  double sum = 0;
  for (double v : values)
    sum += std::log(v);
  return values.empty() ? 1 : std::exp(sum / values.size());
}
} // namespace

llvm::Expected<TargetDescription> calibrateHost(MLIRContext &context,
                                                const CalibrateOptions &options,
                                                llvm::raw_ostream &log) {
  auto start = Clock::now();
  auto cpu = describeCPUTarget(TargetOptions{});
  if (!cpu)
    return cpu.takeError();
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  TargetDescription t = getDefaultCPUDescription(cpu->features, cores);
  t.name = options.name;
  t.description = "Measured by fulcrum-calibrate on this host (" + cpu->cpu +
                  ", " + std::to_string(cores) + " cores).";
  t.backend = "cpu";
  t.chip = cpu->cpu;
  t.vectorBits = cpu->vectorBits;
  t.features = cpu->features;

  // Peaks.
  t.peakF32 =
      bestRate(1, 5, [](unsigned) { return fulcrum_probe_fma(2e7); }) / 1e9;
  double allF32 =
      bestRate(cores, 3, [](unsigned) { return fulcrum_probe_fma(2e7); }) / 1e9;
  t.peakI8 =
      bestRate(1, 5, [](unsigned) { return fulcrum_probe_int8(1e7); }) / 1e9;
  t.peakBF16 = t.hasFeature("avx512bf16") ? 2 * t.peakF32 : t.peakF32;
  log << llvm::format("fp32 FMA peak: %.1f GFLOP/s per core, %.1f on %u "
                      "cores\n",
                      t.peakF32, allF32, cores);
  log << llvm::format("int8 dot-product peak (%s): %.1f GOP/s per core\n",
                      fulcrum_probe_int8_isa(), t.peakI8);

  // Bandwidths: half of each cache level, and 256 MiB for DRAM.
  t.caches = readCacheSizes();
  for (CacheLevel &cache : t.caches) {
    cache.bandwidthGBs = readBandwidth(cache.sizeBytes / 2, 1, 4e8);
    log << llvm::format("L%u (%.0f KiB%s): %.1f GB/s per core\n", cache.level,
                        cache.sizeBytes / 1024, cache.shared ? ", shared" : "",
                        cache.bandwidthGBs);
  }
  t.dramBandwidthGBs = readBandwidth(256.0 * 1024 * 1024, 1, 5e8);
  t.dramBandwidthAllGBs = readBandwidth(128.0 * 1024 * 1024, cores, 2.5e8);
  log << llvm::format("DRAM: %.1f GB/s on one core, %.1f on %u cores\n",
                      t.dramBandwidthGBs, t.dramBandwidthAllGBs, cores);
  if (options.peaksOnly)
    return t;

  // The code Fulcrum generates, on one thread.
  KernelTimer timer(context);
  auto time = [&](const std::string &text) -> llvm::Expected<Measurement> {
    return timer.measure(text);
  };
  // Overheads: one tiny kernel, and nine.
  auto one = time(transposeModule(4, 4, 4, 1));
  if (!one)
    return one.takeError();
  auto nine = time(transposeModule(4, 4, 4, 9));
  if (!nine)
    return nine.takeError();
  double perKernel = std::max(0.0, (nine->seconds - one->seconds) / 8);
  double perCall = std::max(0.0, one->seconds - perKernel);
  t.perKernelOverheadUs = perKernel * 1e6;
  t.perCallOverheadUs = perCall * 1e6;
  log << llvm::format("overheads: %.2f us per call, %.2f us per kernel\n",
                      t.perCallOverheadUs, t.perKernelOverheadUs);
  auto net = [&](const Measurement &m) {
    return std::max(1e-9, m.seconds - perCall - perKernel);
  };
  // Contractions: efficiency of the compute roofline. A probe is one
  // module, or two (one kernel, and two in a chain) whose difference is a
  // kernel's time without the model's boundary.
  using Probe = std::pair<std::string, std::string>;
  auto points = [&](StringRef what, ArrayRef<Probe> probes,
                    std::vector<EfficiencyPoint> &out) -> llvm::Error {
    for (const Probe &probe : probes) {
      auto m = time(probe.first);
      if (!m)
        return m.takeError();
      double seconds = net(*m);
      if (!probe.second.empty()) {
        auto twice = time(probe.second);
        if (!twice)
          return twice.takeError();
        seconds = std::max(1e-9, twice->seconds - m->seconds - perKernel);
      }
      double gflop = m->work.flops / 1e9;
      // Of the flops the kernels execute (3x3 convolutions run as Winograd
      // skip some; the estimate prices the same). Kept above 1 for now:
      // the peak may be measured again below.
      double executed = m->work.flops - m->work.skippedFlops;
      double efficiency = std::min(1.5, executed / (t.peakF32 * 1e9) / seconds);
      log << llvm::format("%s %.4f GFLOP: %.1f GFLOP/s, efficiency %.3f\n",
                          what.str().c_str(), gflop,
                          m->work.flops / seconds / 1e9, efficiency);
      auto same = llvm::find_if(out, [&](const EfficiencyPoint &p) {
        return std::abs(p.gflop - gflop) < 0.05 * gflop;
      });
      if (same != out.end())
        same->efficiency = (same->efficiency + efficiency) / 2;
      else
        out.push_back({gflop, efficiency});
    }
    llvm::sort(out, [](const EfficiencyPoint &a, const EfficiencyPoint &b) {
      return a.gflop < b.gflop;
    });
    return llvm::Error::success();
  };
  auto chain = [](int64_t c, int64_t out, int64_t k, bool depthwise) {
    return Probe{convModule(c, out, k, depthwise, 1),
                 convModule(c, out, k, depthwise, 2)};
  };
  t.gemmEfficiency.clear();
  t.convEfficiency.clear();
  t.depthwiseEfficiency.clear();
  // Matrix products, and 1x1 convolutions (matrix products channels-last).
  if (llvm::Error err =
          points("gemm",
                 {Probe{gemmModule(16, 128, 128), ""},
                  Probe{gemmModule(64, 256, 256), ""},
                  Probe{gemmModule(128, 512, 512), ""},
                  Probe{gemmModule(197, 768, 768), ""}, chain(32, 56, 1, false),
                  chain(96, 28, 1, false), chain(320, 7, 1, false),
                  chain(128, 28, 1, false)},
                 t.gemmEfficiency))
    return std::move(err);
  if (llvm::Error err = points("dynamic gemm",
                               {Probe{batchGemmModule(3, 65, 64, 65), ""},
                                Probe{batchGemmModule(4, 128, 64, 128), ""},
                                Probe{batchGemmModule(4, 128, 128, 64), ""},
                                Probe{batchGemmModule(12, 197, 64, 197), ""}},
                               t.dynamicGemmEfficiency))
    return std::move(err);
  if (llvm::Error err =
          points("convolution",
                 {chain(32, 14, 3, false), chain(64, 7, 3, false),
                  chain(32, 28, 3, false), chain(64, 14, 3, false),
                  chain(64, 56, 3, false), chain(128, 28, 3, false),
                  chain(256, 14, 3, false), chain(512, 7, 3, false)},
                 t.convEfficiency))
    return std::move(err);
  if (llvm::Error err =
          points("depthwise",
                 {chain(960, 7, 3, true), chain(384, 14, 3, true),
                  chain(32, 112, 3, true), chain(144, 56, 3, true)},
                 t.depthwiseEfficiency))
    return std::move(err);

  // The other classes: one factor on the roofline each.
  auto factor = [&](StringRef what, ArrayRef<std::string> modules,
                    double &out) -> llvm::Error {
    std::vector<double> values;
    for (const std::string &text : modules) {
      auto m = time(text);
      if (!m)
        return m.takeError();
      values.push_back(rooflineSeconds(m->work, t) / net(*m));
    }
    out = std::min(1.5, geomean(values));
    log << llvm::format("%s: efficiency %.3f\n", what.str().c_str(), out);
    return llvm::Error::success();
  };
  if (llvm::Error err =
          factor("elementwise",
                 {elementwiseModule(200704, "arith.addf %x, %y : f32", true),
                  elementwiseModule(802816, "arith.addf %x, %y : f32", true)},
                 t.elementwiseEfficiency))
    return std::move(err);
  // The fixed cost of a loop nest (the OpenMP region around it, its setup):
  // what small element-wise loops take beyond their roofline.
  {
    std::vector<double> overheads;
    for (int64_t n : {4096, 16384}) {
      auto m = time(elementwiseModule(n, "arith.addf %x, %y : f32", true));
      if (!m)
        return m.takeError();
      overheads.push_back(m->seconds - perCall -
                          rooflineSeconds(m->work, t) /
                              t.elementwiseEfficiency);
    }
    double overhead = std::max(0.0, (overheads[0] + overheads[1]) / 2);
    t.perKernelOverheadUs = std::max(t.perKernelOverheadUs, overhead * 1e6);
    perKernel = t.perKernelOverheadUs * 1e-6;
    log << llvm::format("overhead of a loop nest: %.2f us\n",
                        t.perKernelOverheadUs);
  }
  // Transcendental functions: what an exp costs beyond a plain loop.
  {
    auto m = time(elementwiseModule(200704, "math.exp %x : f32", false));
    if (!m)
      return m.takeError();
    double elements = m->work.transcendentals;
    double flops = net(*m) * t.elementwiseEfficiency * t.peakF32 * 1e9;
    t.transcendentalFlops =
        std::max(1.0, (flops - m->work.flops) / std::max(1.0, elements));
    log << llvm::format("exp: %.2f ns per element, %.1f flops\n",
                        m->seconds / elements * 1e9, t.transcendentalFlops);
  }
  // The fused attention's bookkeeping per query row and key tile: 4 heads
  // of 640 tokens, D = 16, in tiles of 32 keys (20 per row) against one
  // tile of all 640 (past the transposed form's 512 keys, so the same
  // row-wise softmax); no column is padded in either.
  {
    const int64_t pairs = 4, length = 640, d = 16;
    static_assert(length > kTransposedAttentionKeys);
    auto tiled = timer.measure(attentionModule(pairs, length, d), 32);
    if (!tiled)
      return tiled.takeError();
    auto direct = timer.measure(attentionModule(pairs, length, d), length);
    if (!direct)
      return direct.takeError();
    double rowTiles = pairs * length * (length / 32 - 1);
    t.attentionTileRowOverheadUs =
        std::max(0.0, tiled->seconds - direct->seconds) / rowTiles * 1e6;
    log << llvm::format("attention: %.1f ns per query row and key tile "
                        "(%.3f ms in tiles of 32, %.3f ms direct)\n",
                        t.attentionTileRowOverheadUs * 1e3,
                        tiled->seconds * 1e3, direct->seconds * 1e3);
  }
  if (llvm::Error err = factor(
          "reduction", {reductionModule(384, 1024), reductionModule(64, 3136)},
          t.reductionEfficiency))
    return std::move(err);
  if (llvm::Error err =
          factor("data movement",
                 {padModule(64, 56), padModule(256, 14),
                  broadcastModule(196, 256), broadcastModule(128, 1024)},
                 t.dataMovementEfficiency))
    return std::move(err);
  if (llvm::Error err = factor("transpose",
                               {transposeModule(64, 56, 56, 1),
                                transposeModule(384, 14, 14, 1),
                                transposeModule(12, 64, 64, 1)},
                               t.transposeEfficiency))
    return std::move(err);
  // Other processes may have held the FMA units during the first probe:
  // keep the better of two, and rescale the efficiencies measured against
  // the first.
  double firstPeak = t.peakF32;
  t.peakF32 = std::max(t.peakF32, bestRate(1, 15, [](unsigned) {
                                    return fulcrum_probe_fma(1e7);
                                  }) / 1e9);
  t.peakI8 = std::max(t.peakI8, bestRate(1, 5, [](unsigned) {
                                  return fulcrum_probe_int8(1e7);
                                }) / 1e9);
  t.peakBF16 = t.hasFeature("avx512bf16") ? 2 * t.peakF32 : t.peakF32;
  log << llvm::format("fp32 FMA peak (again): %.1f GFLOP/s per core; int8 "
                      "%.1f GOP/s\n",
                      t.peakF32, t.peakI8);
  for (auto *points : {&t.gemmEfficiency, &t.dynamicGemmEfficiency,
                       &t.convEfficiency, &t.depthwiseEfficiency})
    for (EfficiencyPoint &point : *points)
      point.efficiency =
          std::min(1.0, point.efficiency * firstPeak / t.peakF32);
  log << llvm::format("calibrated in %.1f s\n", elapsed(start));
  return t;
}

} // namespace fulcrum::cost
