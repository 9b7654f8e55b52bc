//===- SNNRun.cpp - fulcrum-run for NIR files -----------------------------===//
//
// Part of Fulcrum. Imports a NIR file, checks it against a neuromorphic
// target description (weight precision, neurons per core, fan-in and
// fan-out), simulates it and prints accuracy, spikes, synaptic operations
// and the energy estimate per inference.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/NIR/NIRTarget.h"

#include "fulcrum/Cost/TargetDescription.h"
#include "fulcrum/Dialect/SNN/Transforms/Passes.h"
#include "fulcrum/Execution/Evaluate.h"
#include "fulcrum/Execution/HostTensor.h"
#include "fulcrum/Target/NIR/NIRFile.h"
#include "fulcrum/Target/NIR/Simulator.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/WithColor.h"

#include <chrono>

using namespace mlir;

namespace fulcrum::snn {
namespace {

int fail(llvm::StringRef path, const llvm::Twine &message) {
  llvm::errs() << path << ": ";
  llvm::WithColor::error(llvm::errs(), "", true) << message << "\n";
  return 1;
}

struct Accuracy {
  std::vector<int64_t> correct;
};

} // namespace

int runSNN(MLIRContext &context, const SNNRunOptions &options,
           llvm::raw_ostream &os) {
  const std::string &path = options.modelPath;
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer)
    return fail(path, buffer.getError().message());
  auto module = importNIR(llvm::ArrayRef<char>((*buffer)->getBufferStart(),
                                               (*buffer)->getBufferSize()),
                          &context);
  if (!module)
    return fail(path, llvm::toString(module.takeError()));
  auto func = *(*module)->getOps<func::FuncOp>().begin();

  auto target = cost::loadTargetDescription(options.targetDescription);
  if (!target)
    return fail(options.targetDescription, llvm::toString(target.takeError()));
  if (target->kind != "neuromorphic")
    return fail(options.targetDescription,
                "'" + target->name +
                    "' is not a neuromorphic target "
                    "description (try loihi2 or spinnaker2)");
  const cost::NeuromorphicFields &chip = target->neuromorphic;

  // Hardware checks: fan-in, fan-out, neurons per core.
  std::vector<LayerStatistics> layers = describeLayers(func);
  int64_t coresNeeded = 0, neurons = 0;
  for (const LayerStatistics &l : layers) {
    if (chip.maxFanIn && l.fanIn > chip.maxFanIn)
      return fail(path, "layer '" + l.name + "' has a fan-in of " +
                            std::to_string(l.fanIn) + " synapses, above " +
                            target->name + "'s limit of " +
                            std::to_string(chip.maxFanIn));
    if (chip.maxFanOut && l.fanOut > chip.maxFanOut)
      return fail(path, "layer '" + l.name + "' has a fan-out of " +
                            std::to_string(l.fanOut) + ", above " +
                            target->name + "'s limit of " +
                            std::to_string(chip.maxFanOut));
    if (l.neurons) {
      neurons += l.neurons;
      coresNeeded +=
          (l.neurons + chip.neuronsPerCore - 1) / chip.neuronsPerCore;
    }
  }
  if (coresNeeded > target->cores)
    return fail(path, llvm::formatv("the network needs {0} cores of {1} "
                                    "neurons ({2} neurons), {3} has {4}",
                                    coresNeeded, chip.neuronsPerCore, neurons,
                                    target->name, target->cores)
                          .str());

  if (options.evalData.empty())
    return fail(path, "--eval-data is needed to simulate a NIR model");
  auto images = readTensorFile(options.evalData);
  if (!images)
    return fail(options.evalData, llvm::toString(images.takeError()));
  std::vector<int64_t> labels;
  if (!options.labels.empty()) {
    auto t = readTensorFile(options.labels);
    if (!t)
      return fail(options.labels, llvm::toString(t.takeError()));
    auto l = readLabels(*t, images->shape.empty() ? 0 : images->shape[0]);
    if (!l)
      return fail(options.labels, llvm::toString(l.takeError()));
    labels = std::move(*l);
  }

  SimulationOptions sim;
  sim.steps = options.steps;
  sim.checkpoints = options.checkpoints;
  sim.threads = options.threads;
  sim.poisson = options.poisson;
  sim.seed = options.seed;

  auto report = [&](func::FuncOp f,
                    llvm::StringRef what) -> std::optional<SimulationResult> {
    auto start = std::chrono::steady_clock::now();
    auto result = simulate(f, *images, sim);
    if (!result) {
      fail(path, llvm::toString(result.takeError()));
      return std::nullopt;
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    os << "snn" << what << ": " << result->count << " inputs, " << options.steps
       << " timesteps, " << (options.poisson ? "Poisson" : "constant-current")
       << " input encoding, simulated in " << llvm::formatv("{0:f2}", seconds)
       << " s\n";
    for (size_t c = 0; c < result->checkpoints.size(); ++c) {
      bool last = c + 1 == result->checkpoints.size();
      std::string at =
          last ? ""
               : llvm::formatv(" @{0} steps", result->checkpoints[c]).str();
      if (!labels.empty()) {
        int64_t correct = 0;
        for (int64_t i = 0; i < result->count; ++i)
          correct += result->predictions[c][i] == labels[i];
        os << llvm::formatv("top-1{0}: {1:f2}% ({2}/{3})\n", at,
                            100.0 * correct / result->count, correct,
                            result->count);
      }
      if (!last) {
        double e = result->checkpointSynops[c] * chip.energyPerSynopPJ +
                   result->checkpointSpikes[c] * chip.energyPerSpikePJ;
        os << llvm::formatv("  @{0} steps: synaptic ops {1:f0}, spikes {2:f0}, "
                            "energy {3:f3} uJ per inference\n",
                            result->checkpoints[c], result->checkpointSynops[c],
                            result->checkpointSpikes[c], e * 1e-6);
      }
    }
    return std::move(*result);
  };

  if (options.quantize && chip.weightBits) {
    auto floatResult = report(func, " (f32 weights)");
    if (!floatResult)
      return 1;
    PassManager pm(&context);
    SNNQuantizeWeightsOptions q;
    q.bits = chip.weightBits;
    pm.addPass(createSNNQuantizeWeights(q));
    if (failed(pm.run(**module)))
      return 1;
    os << "weights rounded to " << chip.weightBits << " bits (" << target->name
       << "'s weight precision)\n";
  }
  auto result = report(
      func, options.quantize && chip.weightBits
                ? llvm::formatv(" ({0}-bit weights)", chip.weightBits).str()
                : std::string());
  if (!result)
    return 1;

  double synops = result->totalSynops(), spikes = result->totalSpikes();
  double energyPJ =
      synops * chip.energyPerSynopPJ + spikes * chip.energyPerSpikePJ;
  os << llvm::formatv("synaptic ops per inference: {0:f0}\n", synops);
  os << llvm::formatv("spikes per inference: {0:f0}\n", spikes);
  os << llvm::formatv("energy per inference ({0}): {1:f3} uJ ({2} pJ/synop, "
                      "{3} pJ/spike)\n",
                      target->name, energyPJ * 1e-6, chip.energyPerSynopPJ,
                      chip.energyPerSpikePJ);
  os << llvm::formatv("cores: {0} of {1} ({2} neurons, {3} per core)\n",
                      coresNeeded, target->cores, neurons, chip.neuronsPerCore);
  if (options.perLayer) {
    os << llvm::formatv("{0,-28} {1,-16} {2,8} {3,12} {4,14} {5,7} {6,7}\n",
                        "layer", "kind", "neurons", "spikes", "synops",
                        "fan-in", "fan-out");
    for (const LayerStatistics &l : result->layers)
      if (l.synops || l.spikes || l.neurons)
        os << llvm::formatv(
            "{0,-28} {1,-16} {2,8} {3,12:f0} {4,14:f0} {5,7} {6,7}\n", l.name,
            l.kind, l.neurons, l.spikes, l.synops, l.fanIn, l.fanOut);
  }
  if (!options.outputPath.empty()) {
    HostTensor out;
    out.dataType = 1;
    out.shape = {result->count, result->numOutputs};
    out.data.resize(result->outputs.size() * sizeof(float));
    std::memcpy(out.data.data(), result->outputs.data(), out.data.size());
    if (llvm::Error err = writeNpyFile(out, options.outputPath))
      return fail(options.outputPath, llvm::toString(std::move(err)));
  }
  return 0;
}

} // namespace fulcrum::snn
