//===- TargetDescription.cpp - Target descriptions as JSON ----------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/TargetDescription.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>

using namespace llvm;

// The presets, embedded from lib/Cost/Presets/*.json (see CMakeLists.txt).
#define FULCRUM_PRESET(symbol)                                                 \
  extern const unsigned char symbol[];                                         \
  extern const size_t symbol##Size;
FULCRUM_PRESET(fulcrumPresetX8664V3)
FULCRUM_PRESET(fulcrumPresetX8664V4)
FULCRUM_PRESET(fulcrumPresetSm80)
FULCRUM_PRESET(fulcrumPresetSm90)
FULCRUM_PRESET(fulcrumPresetVulkan)
FULCRUM_PRESET(fulcrumPresetLoihi2)
FULCRUM_PRESET(fulcrumPresetSpiNNaker2)
#undef FULCRUM_PRESET

namespace fulcrum::cost {

StringRef stringifyDataType(DataType type) {
  switch (type) {
  case DataType::F32:
    return "fp32";
  case DataType::BF16:
    return "bf16";
  case DataType::I8:
    return "int8";
  }
  return "";
}

StringRef stringifyWorkClass(WorkClass kind) {
  switch (kind) {
  case WorkClass::Elementwise:
    return "elementwise";
  case WorkClass::Gemm:
    return "gemm";
  case WorkClass::DynamicGemm:
    return "dynamic_gemm";
  case WorkClass::Convolution:
    return "convolution";
  case WorkClass::Depthwise:
    return "depthwise";
  case WorkClass::Reduction:
    return "reduction";
  case WorkClass::DataMovement:
    return "data_movement";
  case WorkClass::Transpose:
    return "transpose";
  case WorkClass::None:
    return "none";
  }
  return "";
}

double TargetDescription::getPeak(DataType type) const {
  switch (type) {
  case DataType::F32:
    return peakF32;
  case DataType::BF16:
    return peakBF16 > 0 ? peakBF16 : peakF32;
  case DataType::I8:
    return peakI8 > 0 ? peakI8 : peakF32;
  }
  return peakF32;
}

bool TargetDescription::hasFeature(StringRef feature) const {
  return llvm::is_contained(features, feature);
}

//===----------------------------------------------------------------------===//
// Parsing
//===----------------------------------------------------------------------===//

namespace {
Error fieldError(const Twine &path, const Twine &message) {
  return createStringError(inconvertibleErrorCode(),
                           "field '" + path + "': " + message);
}

/// Reads the fields of one JSON object; every key must be known.
class Reader {
public:
  Reader(const json::Object &object, std::string path)
      : object(object), path(std::move(path)) {}

  std::string at(StringRef key) const {
    return path.empty() ? key.str() : path + "." + key.str();
  }

  Error checkKeys(ArrayRef<StringRef> known) const {
    for (const auto &entry : object)
      if (!llvm::is_contained(known, StringRef(entry.first)))
        return fieldError(at(entry.first), "unknown field (known: " +
                                               llvm::join(known, ", ") + ")");
    return Error::success();
  }

  Error number(StringRef key, double &out, bool required = false) const {
    const json::Value *value = object.get(key);
    if (!value)
      return required ? fieldError(at(key), "missing") : Error::success();
    std::optional<double> number = value->getAsNumber();
    if (!number || *number < 0)
      return fieldError(at(key), "expected a non-negative number");
    out = *number;
    return Error::success();
  }

  Error count(StringRef key, unsigned &out, bool required = false) const {
    double value = out;
    if (Error err = number(key, value, required))
      return err;
    if (value != static_cast<unsigned>(value))
      return fieldError(at(key), "expected a whole number");
    out = static_cast<unsigned>(value);
    return Error::success();
  }

  Error string(StringRef key, std::string &out, bool required = false) const {
    const json::Value *value = object.get(key);
    if (!value)
      return required ? fieldError(at(key), "missing") : Error::success();
    std::optional<StringRef> text = value->getAsString();
    if (!text)
      return fieldError(at(key), "expected a string");
    out = text->str();
    return Error::success();
  }

  Error boolean(StringRef key, bool &out) const {
    const json::Value *value = object.get(key);
    if (!value)
      return Error::success();
    std::optional<bool> flag = value->getAsBoolean();
    if (!flag)
      return fieldError(at(key), "expected true or false");
    out = *flag;
    return Error::success();
  }

  /// The object under `key` (null when absent).
  Expected<const json::Object *> child(StringRef key) const {
    const json::Value *value = object.get(key);
    if (!value)
      return nullptr;
    const json::Object *child = value->getAsObject();
    if (!child)
      return fieldError(at(key), "expected an object");
    return child;
  }

  Expected<const json::Array *> array(StringRef key) const {
    const json::Value *value = object.get(key);
    if (!value)
      return nullptr;
    const json::Array *array = value->getAsArray();
    if (!array)
      return fieldError(at(key), "expected an array");
    return array;
  }

private:
  const json::Object &object;
  std::string path;
};

/// `[{"gflop": g, "efficiency": e}, ...]`, sorted by size.
Error readPoints(const Reader &parent, StringRef key,
                 std::vector<EfficiencyPoint> &points) {
  auto array = parent.array(key);
  if (!array)
    return array.takeError();
  if (!*array)
    return Error::success();
  points.clear();
  for (auto [i, value] : llvm::enumerate(**array)) {
    std::string path = parent.at(key) + "[" + std::to_string(i) + "]";
    const json::Object *object = value.getAsObject();
    if (!object)
      return fieldError(path, "expected an object");
    Reader reader(*object, path);
    EfficiencyPoint point;
    if (Error err = reader.checkKeys({"gflop", "efficiency"}))
      return err;
    if (Error err = reader.number("gflop", point.gflop, true))
      return err;
    if (Error err = reader.number("efficiency", point.efficiency, true))
      return err;
    if (point.efficiency <= 0 || point.efficiency > 1.5)
      return fieldError(reader.at("efficiency"),
                        "expected a value in (0, 1.5]");
    points.push_back(point);
  }
  llvm::sort(points, [](const EfficiencyPoint &a, const EfficiencyPoint &b) {
    return a.gflop < b.gflop;
  });
  return Error::success();
}

Error readEfficiency(const Reader &top, TargetDescription &t) {
  auto object = top.child("efficiency");
  if (!object)
    return object.takeError();
  if (!*object)
    return Error::success();
  Reader r(**object, "efficiency");
  if (Error err = r.checkKeys(
          {"gemm", "dynamic_gemm", "convolution", "depthwise", "elementwise",
           "reduction", "data_movement", "transpose", "transcendental_flops"}))
    return err;
  if (Error err = readPoints(r, "gemm", t.gemmEfficiency))
    return err;
  if (Error err = readPoints(r, "dynamic_gemm", t.dynamicGemmEfficiency))
    return err;
  if (Error err = readPoints(r, "convolution", t.convEfficiency))
    return err;
  if (Error err = readPoints(r, "depthwise", t.depthwiseEfficiency))
    return err;
  for (auto [key, field] :
       {std::pair<StringRef, double *>{"elementwise", &t.elementwiseEfficiency},
        {"reduction", &t.reductionEfficiency},
        {"data_movement", &t.dataMovementEfficiency},
        {"transpose", &t.transposeEfficiency},
        {"transcendental_flops", &t.transcendentalFlops}}) {
    if (Error err = r.number(key, *field))
      return err;
    if (*field <= 0)
      return fieldError(r.at(key), "expected a positive number");
  }
  return Error::success();
}

Error readCaches(const Reader &top, TargetDescription &t) {
  auto array = top.array("caches");
  if (!array)
    return array.takeError();
  if (!*array)
    return Error::success();
  for (auto [i, value] : llvm::enumerate(**array)) {
    std::string path = "caches[" + std::to_string(i) + "]";
    const json::Object *object = value.getAsObject();
    if (!object)
      return fieldError(path, "expected an object");
    Reader r(*object, path);
    CacheLevel cache;
    if (Error err =
            r.checkKeys({"level", "size_bytes", "bandwidth_gbs", "shared"}))
      return err;
    if (Error err = r.count("level", cache.level, true))
      return err;
    if (Error err = r.number("size_bytes", cache.sizeBytes, true))
      return err;
    if (Error err = r.number("bandwidth_gbs", cache.bandwidthGBs, true))
      return err;
    if (Error err = r.boolean("shared", cache.shared))
      return err;
    t.caches.push_back(cache);
  }
  llvm::sort(t.caches, [](const CacheLevel &a, const CacheLevel &b) {
    return a.level < b.level;
  });
  return Error::success();
}

Error readSections(const Reader &top, TargetDescription &t) {
  auto peaks = top.child("peak_gops_per_core");
  if (!peaks)
    return peaks.takeError();
  if (!*peaks)
    return fieldError("peak_gops_per_core", "missing");
  Reader p(**peaks, "peak_gops_per_core");
  if (Error err = p.checkKeys({"fp32", "bf16", "int8"}))
    return err;
  if (Error err = p.number("fp32", t.peakF32, true))
    return err;
  if (t.peakF32 <= 0)
    return fieldError("peak_gops_per_core.fp32", "expected a positive number");
  if (Error err = p.number("bf16", t.peakBF16))
    return err;
  if (Error err = p.number("int8", t.peakI8))
    return err;

  auto dram = top.child("dram_bandwidth_gbs");
  if (!dram)
    return dram.takeError();
  if (*dram) {
    Reader d(**dram, "dram_bandwidth_gbs");
    if (Error err = d.checkKeys({"per_core", "all_cores"}))
      return err;
    if (Error err = d.number("per_core", t.dramBandwidthGBs, true))
      return err;
    if (Error err = d.number("all_cores", t.dramBandwidthAllGBs))
      return err;
  }
  auto overheads = top.child("overheads_us");
  if (!overheads)
    return overheads.takeError();
  if (*overheads) {
    Reader o(**overheads, "overheads_us");
    if (Error err =
            o.checkKeys({"per_call", "per_kernel", "attention_tile_row"}))
      return err;
    if (Error err = o.number("per_call", t.perCallOverheadUs))
      return err;
    if (Error err = o.number("per_kernel", t.perKernelOverheadUs))
      return err;
    if (Error err =
            o.number("attention_tile_row", t.attentionTileRowOverheadUs))
      return err;
  }
  auto gpu = top.child("gpu");
  if (!gpu)
    return gpu.takeError();
  if (*gpu) {
    Reader g(**gpu, "gpu");
    if (Error err = g.checkKeys({"sm_count", "launch_overhead_us",
                                 "threads_per_sm", "contraction_tile"}))
      return err;
    if (Error err = g.count("sm_count", t.gpu.smCount, true))
      return err;
    if (Error err = g.number("launch_overhead_us", t.gpu.launchOverheadUs))
      return err;
    if (Error err = g.count("threads_per_sm", t.gpu.threadsPerSM))
      return err;
    auto tile = g.child("contraction_tile");
    if (!tile)
      return tile.takeError();
    if (*tile) {
      Reader c(**tile, "gpu.contraction_tile");
      if (Error err = c.checkKeys(
              {"rows", "cols", "depth", "thread_rows", "thread_cols"}))
        return err;
      GPUFields &f = t.gpu;
      for (auto [key, field] :
           {std::pair<StringRef, unsigned *>{"rows", &f.tileRows},
            {"cols", &f.tileCols},
            {"depth", &f.tileDepth},
            {"thread_rows", &f.threadRows},
            {"thread_cols", &f.threadCols}}) {
        if (Error err = c.count(key, *field, true))
          return err;
        if (*field == 0)
          return fieldError("gpu.contraction_tile." + key.str(),
                            "expected a positive count");
      }
      ContractionTileCheck check = checkContractionTile(
          f.tileRows, f.tileCols, f.tileDepth, f.threadRows, f.threadCols);
      if (check.result == ContractionTileCheck::NotMultiple)
        return fieldError("gpu.contraction_tile",
                          "rows and cols must be multiples of thread_rows "
                          "and thread_cols");
      if (check.result == ContractionTileCheck::Workgroup)
        return fieldError("gpu.contraction_tile",
                          "a workgroup of " + std::to_string(check.threads) +
                              " threads must be at most 1024 and divide "
                              "rows*depth and cols*depth");
    }
  }
  auto neuro = top.child("neuromorphic");
  if (!neuro)
    return neuro.takeError();
  if (*neuro) {
    Reader n(**neuro, "neuromorphic");
    NeuromorphicFields &f = t.neuromorphic;
    if (Error err = n.checkKeys(
            {"energy_per_synop_pj", "energy_per_spike_pj", "neurons_per_core",
             "synops_per_second_per_core", "spike_rate", "timesteps",
             "weight_bits", "max_fan_in", "max_fan_out"}))
      return err;
    if (Error err = n.number("energy_per_synop_pj", f.energyPerSynopPJ, true))
      return err;
    if (Error err = n.number("energy_per_spike_pj", f.energyPerSpikePJ, true))
      return err;
    if (Error err = n.count("neurons_per_core", f.neuronsPerCore, true))
      return err;
    if (Error err =
            n.number("synops_per_second_per_core", f.synopsPerSecondPerCore))
      return err;
    if (Error err = n.number("spike_rate", f.spikeRate))
      return err;
    if (Error err = n.count("timesteps", f.timesteps))
      return err;
    if (Error err = n.count("weight_bits", f.weightBits))
      return err;
    double fanIn = 0, fanOut = 0;
    if (Error err = n.number("max_fan_in", fanIn))
      return err;
    if (Error err = n.number("max_fan_out", fanOut))
      return err;
    f.maxFanIn = static_cast<int64_t>(fanIn);
    f.maxFanOut = static_cast<int64_t>(fanOut);
  }
  auto energy = top.child("energy");
  if (!energy)
    return energy.takeError();
  if (*energy) {
    Reader e(**energy, "energy");
    if (Error err = e.checkKeys({"pj_per_flop", "pj_per_byte_cache",
                                 "pj_per_byte_dram", "static_watts"}))
      return err;
    if (Error err = e.number("pj_per_flop", t.energy.pjPerFlop))
      return err;
    if (Error err = e.number("pj_per_byte_cache", t.energy.pjPerByteCache))
      return err;
    if (Error err = e.number("pj_per_byte_dram", t.energy.pjPerByteDram))
      return err;
    if (Error err = e.number("static_watts", t.energy.staticWatts))
      return err;
  }
  return Error::success();
}
} // namespace

Expected<TargetDescription> parseTargetDescription(StringRef text) {
  Expected<json::Value> value = json::parse(text);
  if (!value)
    return createStringError(inconvertibleErrorCode(),
                             "malformed JSON: " + toString(value.takeError()));
  const json::Object *object = value->getAsObject();
  if (!object)
    return createStringError(inconvertibleErrorCode(),
                             "a target description is a JSON object");
  Reader r(*object, "");
  TargetDescription t;
  if (Error err =
          r.checkKeys({"name", "kind", "description", "backend", "chip",
                       "cores", "vector_bits", "features", "peak_gops_per_core",
                       "caches", "dram_bandwidth_gbs", "overheads_us",
                       "efficiency", "gpu", "neuromorphic", "energy"}))
    return std::move(err);
  if (Error err = r.string("name", t.name, true))
    return std::move(err);
  if (Error err = r.string("kind", t.kind, true))
    return std::move(err);
  if (t.kind != "cpu" && t.kind != "gpu" && t.kind != "neuromorphic")
    return fieldError("kind", "expected cpu, gpu or neuromorphic");
  if (Error err = r.string("description", t.description))
    return std::move(err);
  if (Error err = r.string("backend", t.backend))
    return std::move(err);
  if (Error err = r.string("chip", t.chip))
    return std::move(err);
  if (Error err = r.count("cores", t.cores, true))
    return std::move(err);
  if (t.cores == 0)
    return fieldError("cores", "expected at least one");
  if (Error err = r.count("vector_bits", t.vectorBits))
    return std::move(err);
  auto features = r.array("features");
  if (!features)
    return features.takeError();
  if (*features)
    for (const json::Value &feature : **features) {
      std::optional<StringRef> name = feature.getAsString();
      if (!name)
        return fieldError("features", "expected an array of strings");
      t.features.push_back(name->str());
    }
  llvm::sort(t.features);
  if (Error err = readSections(r, t))
    return std::move(err);
  if (Error err = readCaches(r, t))
    return std::move(err);
  if (Error err = readEfficiency(r, t))
    return std::move(err);
  if (t.kind == "gpu" && t.gpu.smCount == 0)
    return fieldError("gpu", "a gpu target needs gpu.sm_count");
  if (t.kind == "neuromorphic" && t.neuromorphic.neuronsPerCore == 0)
    return fieldError(
        "neuromorphic",
        "a neuromorphic target needs neuromorphic.neurons_per_core");
  return t;
}

//===----------------------------------------------------------------------===//
// Printing
//===----------------------------------------------------------------------===//

namespace {
json::Array printPoints(ArrayRef<EfficiencyPoint> points) {
  json::Array array;
  for (const EfficiencyPoint &point : points)
    array.push_back(
        json::Object{{"gflop", point.gflop}, {"efficiency", point.efficiency}});
  return array;
}
} // namespace

std::string printTargetDescription(const TargetDescription &t) {
  json::Object object{
      {"name", t.name},
      {"kind", t.kind},
      {"cores", t.cores},
      {"peak_gops_per_core", json::Object{{"fp32", t.peakF32},
                                          {"bf16", t.peakBF16},
                                          {"int8", t.peakI8}}},
      {"dram_bandwidth_gbs",
       json::Object{{"per_core", t.dramBandwidthGBs},
                    {"all_cores", t.dramBandwidthAllGBs}}},
      {"overheads_us",
       json::Object{{"per_call", t.perCallOverheadUs},
                    {"per_kernel", t.perKernelOverheadUs},
                    {"attention_tile_row", t.attentionTileRowOverheadUs}}},
      {"efficiency",
       json::Object{{"gemm", printPoints(t.gemmEfficiency)},
                    {"dynamic_gemm", printPoints(t.dynamicGemmEfficiency)},
                    {"convolution", printPoints(t.convEfficiency)},
                    {"depthwise", printPoints(t.depthwiseEfficiency)},
                    {"elementwise", t.elementwiseEfficiency},
                    {"reduction", t.reductionEfficiency},
                    {"data_movement", t.dataMovementEfficiency},
                    {"transpose", t.transposeEfficiency},
                    {"transcendental_flops", t.transcendentalFlops}}},
      {"energy", json::Object{{"pj_per_flop", t.energy.pjPerFlop},
                              {"pj_per_byte_cache", t.energy.pjPerByteCache},
                              {"pj_per_byte_dram", t.energy.pjPerByteDram},
                              {"static_watts", t.energy.staticWatts}}},
  };
  if (!t.description.empty())
    object["description"] = t.description;
  if (!t.backend.empty())
    object["backend"] = t.backend;
  if (!t.chip.empty())
    object["chip"] = t.chip;
  if (t.vectorBits)
    object["vector_bits"] = t.vectorBits;
  object["features"] = json::Array(t.features);
  json::Array caches;
  for (const CacheLevel &cache : t.caches)
    caches.push_back(json::Object{{"level", cache.level},
                                  {"size_bytes", cache.sizeBytes},
                                  {"bandwidth_gbs", cache.bandwidthGBs},
                                  {"shared", cache.shared}});
  object["caches"] = std::move(caches);
  if (t.kind == "gpu")
    object["gpu"] = json::Object{
        {"sm_count", t.gpu.smCount},
        {"launch_overhead_us", t.gpu.launchOverheadUs},
        {"threads_per_sm", t.gpu.threadsPerSM},
        {"contraction_tile", json::Object{{"rows", t.gpu.tileRows},
                                          {"cols", t.gpu.tileCols},
                                          {"depth", t.gpu.tileDepth},
                                          {"thread_rows", t.gpu.threadRows},
                                          {"thread_cols", t.gpu.threadCols}}}};
  if (t.kind == "neuromorphic") {
    const NeuromorphicFields &n = t.neuromorphic;
    object["neuromorphic"] =
        json::Object{{"energy_per_synop_pj", n.energyPerSynopPJ},
                     {"energy_per_spike_pj", n.energyPerSpikePJ},
                     {"neurons_per_core", n.neuronsPerCore},
                     {"synops_per_second_per_core", n.synopsPerSecondPerCore},
                     {"spike_rate", n.spikeRate},
                     {"timesteps", n.timesteps},
                     {"weight_bits", n.weightBits},
                     {"max_fan_in", n.maxFanIn},
                     {"max_fan_out", n.maxFanOut}};
  }
  std::string text;
  raw_string_ostream os(text);
  os << formatv("{0:2}", json::Value(std::move(object))) << "\n";
  return text;
}

//===----------------------------------------------------------------------===//
// Presets and loading
//===----------------------------------------------------------------------===//

namespace {
struct Preset {
  StringRef name;
  const unsigned char *data;
  const size_t *size;
};
const Preset kPresets[] = {
    {"x86-64-v3", fulcrumPresetX8664V3, &fulcrumPresetX8664V3Size},
    {"x86-64-v4", fulcrumPresetX8664V4, &fulcrumPresetX8664V4Size},
    {"sm_80", fulcrumPresetSm80, &fulcrumPresetSm80Size},
    {"sm_90", fulcrumPresetSm90, &fulcrumPresetSm90Size},
    {"vulkan", fulcrumPresetVulkan, &fulcrumPresetVulkanSize},
    {"loihi2", fulcrumPresetLoihi2, &fulcrumPresetLoihi2Size},
    {"spinnaker2", fulcrumPresetSpiNNaker2, &fulcrumPresetSpiNNaker2Size},
};
} // namespace

std::vector<StringRef> getPresetNames() {
  std::vector<StringRef> names;
  for (const Preset &preset : kPresets)
    names.push_back(preset.name);
  return names;
}

ContractionTileCheck checkContractionTile(int64_t rows, int64_t cols,
                                          int64_t depth, int64_t threadRows,
                                          int64_t threadCols) {
  ContractionTileCheck check;
  if (rows % threadRows || cols % threadCols) {
    check.result = ContractionTileCheck::NotMultiple;
    return check;
  }
  check.threads = (rows / threadRows) * (cols / threadCols);
  if (check.threads > 1024 || (rows * depth) % check.threads ||
      (cols * depth) % check.threads)
    check.result = ContractionTileCheck::Workgroup;
  return check;
}

StringRef getPresetJSON(StringRef name) {
  for (const Preset &preset : kPresets)
    if (preset.name == name)
      return StringRef(reinterpret_cast<const char *>(preset.data),
                       *preset.size);
  return {};
}

Expected<TargetDescription> loadTargetDescription(StringRef spec) {
  if (!spec.contains('/') && !spec.ends_with(".json")) {
    StringRef text = getPresetJSON(spec);
    if (text.empty())
      return createStringError(
          inconvertibleErrorCode(),
          "unknown target description '" + spec + "' (presets: " +
              llvm::join(getPresetNames(), ", ") + "; or a .json file)");
    return parseTargetDescription(text);
  }
  auto buffer = MemoryBuffer::getFile(spec);
  if (!buffer)
    return createStringError(inconvertibleErrorCode(),
                             "cannot read the target description: " +
                                 buffer.getError().message());
  auto target = parseTargetDescription((*buffer)->getBuffer());
  if (!target)
    return createStringError(inconvertibleErrorCode(),
                             "invalid target description: " +
                                 toString(target.takeError()));
  return target;
}

TargetDescription getDefaultCPUDescription(ArrayRef<std::string> features,
                                           unsigned cores) {
  bool avx512 = llvm::is_contained(features, "avx512f");
  auto target = cantFail(parseTargetDescription(
      getPresetJSON(avx512 ? "x86-64-v4" : "x86-64-v3")));
  if (cores)
    target.cores = cores;
  return target;
}

} // namespace fulcrum::cost
