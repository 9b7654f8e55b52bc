//===- Simulator.h - A rate-coded SNN simulator -----------------*- C++ -*-===//
//
// Part of Fulcrum. Simulates a network in the `snn` dialect timestep by
// timestep on a batch of inputs: event-driven synapses (only nonzero inputs
// do work, so the count of synaptic operations is exact), IF/LIF neurons,
// delays, and a readout that sums the output over timesteps. Images run in
// parallel on threads; each image's arithmetic is sequential and fixed, so
// results are bit-identical for any thread count and, with Poisson input
// encoding, for a given seed.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_TARGET_NIR_SIMULATOR_H
#define FULCRUM_TARGET_NIR_SIMULATOR_H

#include "fulcrum/Execution/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fulcrum::snn {

struct SimulationOptions {
  /// Timesteps per input.
  unsigned steps = 32;
  /// Timesteps after which accuracy is also measured (each <= steps).
  std::vector<unsigned> checkpoints;
  unsigned threads = 1;
  /// Input encoding: a constant current each timestep (false) or Poisson
  /// spikes with the input value as probability per timestep (true).
  bool poisson = false;
  uint64_t seed = 0;
};

/// Per layer (op with a `name`), per inference, summed over timesteps.
struct LayerStatistics {
  std::string name;
  std::string kind;
  int64_t neurons = 0;
  double spikes = 0;
  double synops = 0;
  /// The largest number of synapses into one neuron (synapse ops), and out
  /// of one input.
  int64_t fanIn = 0, fanOut = 0;
};

struct SimulationResult {
  int64_t count = 0;
  /// Predicted classes at each checkpoint (and at `steps`, last).
  std::vector<unsigned> checkpoints;
  std::vector<std::vector<int64_t>> predictions;
  /// Synaptic operations and spikes per inference up to each checkpoint.
  std::vector<double> checkpointSynops, checkpointSpikes;
  /// The readout summed over all timesteps, [count x outputs].
  std::vector<float> outputs;
  int64_t numOutputs = 0;
  std::vector<LayerStatistics> layers;
  double totalSpikes() const;
  double totalSynops() const;
};

/// Simulates the `snn` function `func` on `inputs` (batch first, the rest
/// the function's input shape).
llvm::Expected<SimulationResult> simulate(mlir::func::FuncOp func,
                                          const HostTensor &inputs,
                                          const SimulationOptions &options);

/// The layer statistics a network has before simulation (neurons, fan-in,
/// fan-out).
std::vector<LayerStatistics> describeLayers(mlir::func::FuncOp func);

} // namespace fulcrum::snn

#endif // FULCRUM_TARGET_NIR_SIMULATOR_H
