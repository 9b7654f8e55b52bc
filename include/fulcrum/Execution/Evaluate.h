//===- Evaluate.h - Batched and multithreaded runs, accuracy ----*- C++ -*-===//
//
// Part of Fulcrum. Runs a JIT-compiled model over many samples: splits a
// batch across threads, and evaluates a classifier's top-1 accuracy over a
// labelled image array (`fulcrum-run --eval-data`).
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_EXECUTION_EVALUATE_H
#define FULCRUM_EXECUTION_EVALUATE_H

#include "fulcrum/Execution/ModelRunner.h"

namespace fulcrum {

/// Rows [begin, end) of `t` along its first dimension.
HostTensor sliceRows(const HostTensor &t, int64_t begin, int64_t end);

/// Concatenates tensors of equal type and trailing shape along dimension 0.
HostTensor concatRows(const std::vector<HostTensor> &parts);

/// Runs `inputs` on `threads` threads by splitting dimension 0 of every
/// input into contiguous slices (the entry point is re-entrant), and
/// concatenates the outputs. Needs a dynamic first dimension on every input
/// and output; with one thread (or a batch of one) it is a plain run.
llvm::Expected<std::vector<HostTensor>>
runSplit(ModelRunner &runner, const std::vector<HostTensor> &inputs,
         unsigned threads);

/// The class predicted for each image (argmax over the last dimension of the
/// first output), running `images` ([N, ...]) through the single-input model
/// in batches of `batch` images (the model's static batch size if it has
/// one: then the last batch is padded with zeros), batches spread over
/// `threads` threads.
llvm::Expected<std::vector<int64_t>> predictClasses(ModelRunner &runner,
                                                    const HostTensor &images,
                                                    int64_t batch,
                                                    unsigned threads);

/// Times `runs` calls of the model on `inputs` after `warmup` untimed ones
/// and returns each call's latency in milliseconds. Only the call is timed:
/// memref descriptors are set up before, and result buffers are freed after
/// each call, outside the timed region. With `threads` > 1 and a dynamic
/// first dimension everywhere, the batch is split into one slice per thread
/// (as runSplit does) and the threads are started once, before timing.
llvm::Expected<std::vector<double>>
benchmarkCalls(ModelRunner &runner, const std::vector<HostTensor> &inputs,
               unsigned threads, unsigned warmup, unsigned runs);

struct LatencySummary {
  double median = 0, min = 0, p90 = 0;
};
/// Median, minimum and 90th percentile (nearest rank) of `ms`.
LatencySummary summarizeLatencies(std::vector<double> ms);

/// Labels as int64 from an int64, int32 or uint8 tensor of N elements.
llvm::Expected<std::vector<int64_t>> readLabels(const HostTensor &labels,
                                                int64_t count);

} // namespace fulcrum

#endif // FULCRUM_EXECUTION_EVALUATE_H
