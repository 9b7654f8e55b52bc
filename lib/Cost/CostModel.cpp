//===- CostModel.cpp - Work priced on a target ----------------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/CostModel.h"

#include "mlir/IR/Location.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>

using namespace mlir;

namespace fulcrum::cost {

double interpolateEfficiency(llvm::ArrayRef<EfficiencyPoint> points,
                             double gflop, double fallback) {
  if (points.empty())
    return fallback;
  if (gflop <= points.front().gflop)
    return points.front().efficiency;
  if (gflop >= points.back().gflop)
    return points.back().efficiency;
  for (size_t i = 1; i < points.size(); ++i) {
    const EfficiencyPoint &lo = points[i - 1], &hi = points[i];
    if (gflop > hi.gflop)
      continue;
    double span = std::log(hi.gflop) - std::log(lo.gflop);
    double t = span > 0 ? (std::log(gflop) - std::log(lo.gflop)) / span : 1;
    return lo.efficiency + t * (hi.efficiency - lo.efficiency);
  }
  return points.back().efficiency;
}

namespace {
/// The efficiency of `work`'s class on `target`.
double getEfficiency(const Work &work, const TargetDescription &target) {
  double gflop = work.flops / 1e9;
  switch (work.kind) {
  case WorkClass::Gemm:
    return interpolateEfficiency(target.gemmEfficiency, gflop, 1);
  case WorkClass::DynamicGemm:
    return interpolateEfficiency(
        target.dynamicGemmEfficiency, gflop,
        interpolateEfficiency(target.gemmEfficiency, gflop, 1));
  case WorkClass::Convolution:
    return interpolateEfficiency(
        target.convEfficiency, gflop,
        interpolateEfficiency(target.gemmEfficiency, gflop, 1));
  case WorkClass::Depthwise:
    return interpolateEfficiency(target.depthwiseEfficiency, gflop, 1);
  case WorkClass::Elementwise:
    return target.elementwiseEfficiency;
  case WorkClass::Reduction:
    return target.reductionEfficiency;
  case WorkClass::DataMovement:
    return target.dataMovementEfficiency;
  case WorkClass::Transpose:
    return target.transposeEfficiency;
  case WorkClass::None:
    return 1;
  }
  return 1;
}

/// The share of a CPU kernel's register tiles that holds results: the
/// kernels compute whole tiles of MR rows by NR columns (Kernels/gemm.c:
/// 8 x 32 with AVX-512, 6 x 16 with AVX2, 4 x 8 otherwise), so a 7x7
/// image's 49 pixels take 56 rows' time. Fewer rows than one tile (a
/// batch-1 matrix-vector product) run a narrower tile bound by the loads
/// of the weights, which the memory term prices.
double getRegisterTileUse(const Work &work, const TargetDescription &target) {
  if (target.kind != "cpu" || work.rows <= 0 || work.cols <= 0 ||
      work.kind == WorkClass::Depthwise)
    return 1;
  double mr = target.vectorBits >= 512 ? 8 : target.vectorBits >= 256 ? 6 : 4;
  double nr = target.vectorBits >= 512 ? 32 : target.vectorBits >= 256 ? 16 : 8;
  auto use = [](double n, double tile) {
    return n / (std::ceil(n / tile) * tile);
  };
  return (work.rows < mr ? 1 : use(work.rows, mr)) * use(work.cols, nr);
}

bool isContraction(WorkClass kind) {
  return kind == WorkClass::Gemm || kind == WorkClass::DynamicGemm ||
         kind == WorkClass::Convolution || kind == WorkClass::Depthwise;
}

/// Whether the CPU runs the 8-bit depthwise convolution `work` on
/// `vpdpbusd` (Work::quadWindow; the target has AVX-512 VNNI).
bool runsOnQuads(const Work &work, const TargetDescription &target) {
  return work.quadWindow > 0 && work.kind == WorkClass::Depthwise &&
         work.type == DataType::I8 && target.kind == "cpu" &&
         target.hasFeature("avx512vnni");
}

/// The data type whose peak `work` runs at. The reduced-precision peaks
/// are those of dot products: element-wise work and reductions on 8-bit or
/// bf16 data (quantization, requantization) compute in f32, and so does
/// the CPU's 8-bit depthwise kernel in its f32 form (Kernels/depthwise.inc:
/// one f32 multiply-add per tap, as the fp32 kernel) but not in its
/// `vpdpbusd` one (runsOnQuads).
DataType getPeakType(const Work &work, const TargetDescription &target) {
  if (work.type == DataType::F32)
    return work.type;
  bool dotProducts = isContraction(work.kind) &&
                     (!(work.kind == WorkClass::Depthwise &&
                        work.type == DataType::I8 && target.kind == "cpu") ||
                      runsOnQuads(work, target));
  return dotProducts ? work.type : DataType::F32;
}

/// Seconds to move `bytes` on `cores` cores, and the level that serves them.
std::pair<double, std::string> memoryTime(double bytes, unsigned cores,
                                          const TargetDescription &target) {
  if (bytes <= 0)
    return {0, "compute"};
  for (const CacheLevel &cache : target.caches) {
    double capacity = cache.shared ? cache.sizeBytes : cache.sizeBytes * cores;
    if (bytes <= capacity && cache.bandwidthGBs > 0)
      return {bytes / (cache.bandwidthGBs * 1e9 * cores),
              "L" + std::to_string(cache.level)};
  }
  double bandwidth = target.dramBandwidthGBs * cores;
  if (target.dramBandwidthAllGBs > 0)
    bandwidth = std::min(bandwidth, target.dramBandwidthAllGBs);
  if (bandwidth <= 0)
    return {0, "compute"};
  return {bytes / (bandwidth * 1e9), "DRAM"};
}

Estimate estimateNeuromorphic(const Work &work,
                              const TargetDescription &target) {
  const NeuromorphicFields &n = target.neuromorphic;
  Estimate result;
  result.bound = "synops";
  double synops = work.macs * n.spikeRate * n.timesteps;
  double rate = n.synopsPerSecondPerCore * target.cores;
  if (rate > 0)
    result.seconds = synops / rate;
  double spikes =
      work.macs > 0 ? work.parallelism * n.spikeRate * n.timesteps : 0;
  result.joules = synops * n.energyPerSynopPJ * 1e-12 +
                  spikes * n.energyPerSpikePJ * 1e-12 +
                  result.seconds * target.energy.staticWatts;
  return result;
}
} // namespace

double getKernelOverheadSeconds(const TargetDescription &target) {
  return (target.perKernelOverheadUs +
          (target.kind == "gpu" ? target.gpu.launchOverheadUs : 0)) *
         1e-6;
}

double getInsideKernelSeconds(const Work &work, const TargetDescription &target,
                              const CostOptions &options) {
  if (work.kind == WorkClass::None)
    return 0;
  return std::max(0.0, estimate(work, target, options).seconds -
                           getKernelOverheadSeconds(target));
}

Estimate estimate(const Work &work, const TargetDescription &target,
                  const CostOptions &options) {
  if (work.kind == WorkClass::None)
    return Estimate{0, 0, "none"};
  if (target.kind == "neuromorphic")
    return estimateNeuromorphic(work, target);
  bool gpu = target.kind == "gpu";
  double parallelism = std::max(1.0, work.parallelism);
  unsigned cores = gpu ? target.cores
                       : std::max(1u, std::min(options.threads, target.cores));
  cores = static_cast<unsigned>(std::min<double>(cores, parallelism));
  double peak = target.getPeak(getPeakType(work, target)) * 1e9 * cores;
  if (work.scalar && target.vectorBits >= 64)
    peak /= target.vectorBits / 32.0;
  if (gpu && target.gpu.threadsPerSM)
    peak *= std::min(1.0, parallelism /
                              (double(target.cores) * target.gpu.threadsPerSM));
  double flops = work.flops + work.transcendentals * target.transcendentalFlops;
  // Convolutions the CPU kernels run as Winograd F(2x2, 3x3).
  if (target.kind == "cpu" && options.winograd)
    flops = std::max(0.0, flops - work.skippedFlops);
  // A depthwise window on `vpdpbusd` executes its taps in groups of 4.
  if (runsOnQuads(work, target))
    flops *= double((work.quadWindow + 3) / 4 * 4) / double(work.quadWindow);
  double compute = peak > 0 ? flops / peak : 0;
  double streamed = options.weightsFromDram ? work.constantBytes : 0;
  auto [memory, level] = memoryTime(work.bytes() - streamed, cores, target);
  if (streamed > 0) {
    double bandwidth = target.dramBandwidthGBs * cores;
    if (target.dramBandwidthAllGBs > 0)
      bandwidth = std::min(bandwidth, target.dramBandwidthAllGBs);
    if (bandwidth > 0)
      memory += streamed / (bandwidth * 1e9);
    level = "DRAM";
  }
  double efficiency = getEfficiency(work, target);
  double seconds;
  Estimate result;
  if (isContraction(work.kind)) {
    compute /= efficiency * getRegisterTileUse(work, target);
    seconds = std::max(compute, memory);
  } else {
    seconds = std::max(compute, memory) / efficiency;
  }
  result.bound = compute >= memory ? "compute" : level;
  double overhead = getKernelOverheadSeconds(target);
  if (overhead > seconds)
    result.bound = "overhead";
  result.seconds = seconds + overhead;
  double pjPerByte = level == "DRAM" ? target.energy.pjPerByteDram
                                     : target.energy.pjPerByteCache;
  result.joules =
      (flops * target.energy.pjPerFlop + work.bytes() * pjPerByte) * 1e-12 +
      result.seconds * target.energy.staticWatts;
  return result;
}

namespace {
void collectNames(Location loc, llvm::SmallVectorImpl<std::string> &names) {
  if (auto name = dyn_cast<NameLoc>(loc)) {
    std::string text = name.getName().str();
    // Profiling tags (Profile.h) wrap the original location.
    if (StringRef(text).starts_with("fulcrum.layer."))
      return collectNames(name.getChildLoc(), names);
    if (!llvm::is_contained(names, text))
      names.push_back(text);
    return;
  }
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    for (Location inner : fused.getLocations())
      collectNames(inner, names);
    return;
  }
  if (auto site = dyn_cast<CallSiteLoc>(loc))
    collectNames(site.getCallee(), names);
}
} // namespace

std::string getLayerName(Location loc) {
  llvm::SmallVector<std::string> names;
  collectNames(loc, names);
  return llvm::join(names, "+");
}

namespace {
int64_t getNumDynamicDims(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  return shaped && shaped.hasRank() ? shaped.getNumDynamicDims() : 0;
}
} // namespace

double getScaledBytes(Type type, const CostOptions &options) {
  return getNumBytes(type) *
         std::pow(options.dynamicSize, double(getNumDynamicDims(type)));
}

Work getScaledWork(Operation *op, const CostOptions &options) {
  auto workOp = dyn_cast_or_null<WorkOpInterface>(op);
  if (!workOp)
    return Work{};
  Work work = workOp.getWork();
  if (options.dynamicSize == 1)
    return work;
  // Dynamic dimensions count as 1 in the work (getNumElements): everything
  // but the weights grows with each of the result's dynamic dimensions.
  int64_t dynamic = 0;
  for (Type type : op->getResultTypes())
    dynamic = std::max(dynamic, getNumDynamicDims(type));
  double scale = std::pow(options.dynamicSize, double(dynamic));
  work.flops *= scale;
  work.skippedFlops *= scale;
  work.macs *= scale;
  work.transcendentals *= scale;
  work.parallelism *= scale;
  work.bytesWritten *= scale;
  work.bytesRead = work.constantBytes +
                   std::max(0.0, work.bytesRead - work.constantBytes) * scale;
  return work;
}

std::vector<LayerCost> estimateRegion(Region &region,
                                      const TargetDescription &target,
                                      const CostOptions &givenOptions) {
  // Weights stream from DRAM on every call when together they exceed the
  // last-level cache.
  CostOptions options = givenOptions;
  double weights = 0;
  for (Block &block : region)
    for (Operation &op : block)
      if (op.getNumResults() == 1 && isConstant(op.getResult(0)))
        weights += getNumBytes(op.getResult(0).getType());
  if (!target.caches.empty()) {
    const CacheLevel &last = target.caches.back();
    options.weightsFromDram =
        weights > (last.shared
                       ? last.sizeBytes
                       : last.sizeBytes * std::max(1u, options.threads));
  }
  std::vector<LayerCost> layers;
  for (Block &block : region)
    for (Operation &op : block) {
      if (!isa<WorkOpInterface>(&op))
        continue;
      Work work = getScaledWork(&op, options);
      if (work.kind == WorkClass::None)
        continue;
      LayerCost layer;
      layer.op = &op;
      layer.name = getLayerName(op.getLoc());
      if (layer.name.empty())
        layer.name = op.getName().getStringRef().str();
      layer.opName = op.getName().getStringRef().str();
      layer.work = work;
      layer.estimate = estimate(work, target, options);
      layers.push_back(std::move(layer));
    }
  return layers;
}

double getTotalSeconds(llvm::ArrayRef<LayerCost> layers,
                       const TargetDescription &target) {
  double total = target.perCallOverheadUs * 1e-6;
  for (const LayerCost &layer : layers)
    total += layer.estimate.seconds;
  return total;
}

void printCostTable(llvm::raw_ostream &os, llvm::ArrayRef<LayerCost> layers,
                    const TargetDescription &target,
                    const CostOptions &options) {
  os << "on " << target.name << " (" << options.threads << " thread"
     << (options.threads == 1 ? "" : "s") << ")\n";
  os << llvm::formatv("{0,-36} {1,-28} {2,-13} {3,10} {4,9} {5,-8} {6,11} "
                      "{7,11}\n",
                      "layer", "op", "class", "MFLOP", "MB", "bound", "time_us",
                      "energy_uJ");
  double joules = 0;
  for (const LayerCost &layer : layers) {
    std::string name = layer.name;
    if (name.size() > 36)
      name = "..." + name.substr(name.size() - 33);
    os << llvm::format(
        "%-36s %-28s %-13s %10.3f %9.3f %-8s %11.2f %11.2f\n", name.c_str(),
        layer.opName.c_str(), stringifyWorkClass(layer.work.kind).str().c_str(),
        (layer.work.flops +
         layer.work.transcendentals * target.transcendentalFlops) /
            1e6,
        layer.work.bytes() / 1e6, layer.estimate.bound.c_str(),
        layer.estimate.seconds * 1e6, layer.estimate.joules * 1e6);
    joules += layer.estimate.joules;
  }
  os << llvm::format("total: %zu layers, %.2f us, %.2f uJ\n", layers.size(),
                     getTotalSeconds(layers, target) * 1e6, joules * 1e6);
}

} // namespace fulcrum::cost
