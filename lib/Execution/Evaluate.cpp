//===- Evaluate.cpp - Batched and multithreaded runs, accuracy ------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Execution/Evaluate.h"

#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace fulcrum {

namespace {
llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

int64_t rowBytes(const HostTensor &t) {
  int64_t n = static_cast<int64_t>(t.elementSize());
  for (size_t d = 1; d < t.shape.size(); ++d)
    n *= t.shape[d];
  return n;
}

/// Calls `work(i)` for i in [0, count) from `threads` threads; returns the
/// first error.
llvm::Error parallelFor(int64_t count, unsigned threads,
                        const std::function<llvm::Error(int64_t)> &work) {
  std::atomic<int64_t> next{0};
  std::mutex mutex;
  std::string failure;
  auto worker = [&] {
    for (int64_t i; (i = next++) < count;) {
      if (llvm::Error err = work(i)) {
        std::lock_guard<std::mutex> lock(mutex);
        if (failure.empty())
          failure = llvm::toString(std::move(err));
        else
          llvm::consumeError(std::move(err));
        next = count;
      }
    }
  };
  std::vector<std::thread> pool;
  unsigned n = std::max(1u, std::min<unsigned>(threads, count));
  for (unsigned t = 1; t < n; ++t)
    pool.emplace_back(worker);
  worker();
  for (std::thread &t : pool)
    t.join();
  return failure.empty() ? llvm::Error::success() : error(failure);
}
} // namespace

HostTensor sliceRows(const HostTensor &t, int64_t begin, int64_t end) {
  HostTensor out;
  out.dataType = t.dataType;
  out.name = t.name;
  out.shape = t.shape;
  out.shape[0] = end - begin;
  int64_t row = rowBytes(t);
  out.data.assign(t.data.begin() + begin * row, t.data.begin() + end * row);
  return out;
}

HostTensor concatRows(const std::vector<HostTensor> &parts) {
  HostTensor out = parts.front();
  for (size_t i = 1; i < parts.size(); ++i) {
    out.shape[0] += parts[i].shape[0];
    out.data.insert(out.data.end(), parts[i].data.begin(), parts[i].data.end());
  }
  return out;
}

namespace {
/// Part `p` of `parts` contiguous slices of every input's `rows` rows.
std::vector<HostTensor> slicePart(const std::vector<HostTensor> &inputs,
                                  int64_t rows, int64_t p, int64_t parts) {
  int64_t begin = rows * p / parts, end = rows * (p + 1) / parts;
  std::vector<HostTensor> slice;
  for (const HostTensor &in : inputs)
    slice.push_back(sliceRows(in, begin, end));
  return slice;
}

/// Whether `inputs` can be split along a dynamic first dimension.
bool isSplittable(const ModelRunner &runner,
                  const std::vector<HostTensor> &inputs, int64_t rows) {
  if (inputs.empty() || inputs.size() != runner.inputs().size())
    return false;
  bool splittable = true;
  for (auto [i, in] : llvm::enumerate(inputs))
    splittable &= !in.shape.empty() && in.shape[0] == rows &&
                  !runner.inputs()[i].shape.empty() &&
                  runner.inputs()[i].shape[0] < 0;
  for (const TensorSignature &sig : runner.outputs())
    splittable &= !sig.shape.empty() && sig.shape[0] < 0;
  return splittable;
}

} // namespace

llvm::Expected<std::vector<HostTensor>>
runSplit(ModelRunner &runner, const std::vector<HostTensor> &inputs,
         unsigned threads) {
  // A wrong input count is reported by run().
  if (inputs.empty() || inputs.size() != runner.inputs().size())
    return runner.run(inputs);
  int64_t rows = inputs[0].shape.empty() ? 1 : inputs[0].shape[0];
  if (threads <= 1 || rows <= 1 || !isSplittable(runner, inputs, rows))
    return runner.run(inputs);

  unsigned parts = std::min<int64_t>(threads, rows);
  std::vector<std::vector<HostTensor>> results(parts);
  llvm::Error err = parallelFor(parts, parts, [&](int64_t p) -> llvm::Error {
    auto out = runner.run(slicePart(inputs, rows, p, parts));
    if (!out)
      return out.takeError();
    results[p] = std::move(*out);
    return llvm::Error::success();
  });
  if (err)
    return std::move(err);
  std::vector<HostTensor> outputs;
  for (size_t o = 0; o < results[0].size(); ++o) {
    std::vector<HostTensor> column;
    for (auto &r : results)
      column.push_back(std::move(r[o]));
    outputs.push_back(concatRows(column));
  }
  return outputs;
}

namespace {
/// Threads started once that each invoke their own prepared call when told
/// to; `runAll` returns when every call has returned.
class CallTeam {
public:
  explicit CallTeam(std::vector<PreparedCall> &calls) : calls(calls) {
    for (size_t t = 1; t < calls.size(); ++t)
      workers.emplace_back([this, t] { work(t); });
  }
  ~CallTeam() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    wake.notify_all();
    for (std::thread &w : workers)
      w.join();
  }
  void runAll() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      pending = workers.size();
      ++generation;
    }
    wake.notify_all();
    calls[0].invoke();
    std::unique_lock<std::mutex> lock(mutex);
    done.wait(lock, [&] { return pending == 0; });
  }

private:
  void work(size_t t) {
    uint64_t seen = 0;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return stop || generation != seen; });
        if (stop)
          return;
        seen = generation;
      }
      calls[t].invoke();
      std::lock_guard<std::mutex> lock(mutex);
      if (--pending == 0)
        done.notify_one();
    }
  }
  std::vector<PreparedCall> &calls;
  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable wake, done;
  uint64_t generation = 0;
  size_t pending = 0;
  bool stop = false;
};
} // namespace

llvm::Expected<std::vector<double>>
benchmarkCalls(ModelRunner &runner, const std::vector<HostTensor> &inputs,
               unsigned threads, unsigned warmup, unsigned runs) {
  int64_t rows =
      inputs.empty() || inputs[0].shape.empty() ? 1 : inputs[0].shape[0];
  unsigned parts = 1;
  if (threads > 1 && rows > 1 && isSplittable(runner, inputs, rows))
    parts = std::min<int64_t>(threads, rows);
  // The slices must outlive the prepared calls that point into them.
  std::vector<std::vector<HostTensor>> slices;
  std::vector<PreparedCall> calls;
  for (unsigned p = 0; p < parts; ++p) {
    if (parts > 1)
      slices.push_back(slicePart(inputs, rows, p, parts));
  }
  for (unsigned p = 0; p < parts; ++p) {
    auto call = runner.prepare(parts > 1 ? slices[p] : inputs);
    if (!call)
      return call.takeError();
    calls.push_back(std::move(*call));
  }
  CallTeam team(calls);
  std::vector<double> ms;
  for (unsigned i = 0; i < warmup + runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    team.runAll();
    auto stop = std::chrono::steady_clock::now();
    for (PreparedCall &call : calls)
      call.freeResults();
    if (i >= warmup)
      ms.push_back(
          std::chrono::duration<double, std::milli>(stop - start).count());
  }
  return ms;
}

LatencySummary summarizeLatencies(std::vector<double> ms) {
  LatencySummary summary;
  if (ms.empty())
    return summary;
  std::sort(ms.begin(), ms.end());
  summary.min = ms.front();
  summary.median = ms.size() % 2
                       ? ms[ms.size() / 2]
                       : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
  size_t rank = static_cast<size_t>(std::ceil(0.9 * ms.size()));
  summary.p90 = ms[std::max<size_t>(rank, 1) - 1];
  return summary;
}

llvm::Expected<std::vector<int64_t>> predictClasses(ModelRunner &runner,
                                                    const HostTensor &images,
                                                    int64_t batch,
                                                    unsigned threads) {
  if (runner.inputs().size() != 1 || runner.outputs().empty())
    return error("--eval-data needs a model with one input, it has " +
                 llvm::Twine(runner.inputs().size()));
  const TensorSignature &in = runner.inputs()[0];
  if (in.shape.size() != images.shape.size() || in.shape.empty())
    return error("the images have rank " + llvm::Twine(images.shape.size()) +
                 ", the model's input '" + in.name + "' has rank " +
                 llvm::Twine(in.shape.size()));
  bool staticBatch = in.shape[0] >= 0;
  if (staticBatch)
    batch = in.shape[0];
  if (batch <= 0)
    return error("the batch size must be positive");
  const TensorSignature &out = runner.outputs()[0];
  if (out.dataType != 1 && out.dataType != 11 && out.dataType != 10)
    return error("the model's first output '" + out.name +
                 "' is not floating point, so it has no class scores");

  int64_t count = images.shape[0];
  int64_t batches = (count + batch - 1) / batch;
  std::vector<int64_t> predictions(count);
  llvm::Error err =
      parallelFor(batches, threads, [&](int64_t b) -> llvm::Error {
        int64_t begin = b * batch, end = std::min(count, begin + batch);
        HostTensor x = sliceRows(images, begin, end);
        if (staticBatch && end - begin < batch) { // Zero-pad the last batch.
          x.shape[0] = batch;
          x.data.resize(batch * rowBytes(images), 0);
        }
        auto outputs = runner.run({x});
        if (!outputs)
          return outputs.takeError();
        const HostTensor &scores = (*outputs)[0];
        if (scores.shape.empty() || scores.shape[0] != x.shape[0])
          return error("the output '" + out.name + "' has shape " +
                       scores.describe() + ", not one row of scores per image");
        int64_t classes = scores.numElements() / scores.shape[0];
        for (int64_t i = 0; i < end - begin; ++i) {
          int64_t best = 0;
          double bestScore = 0;
          for (int64_t c = 0; c < classes; ++c) {
            double s = valueAt(scores, i * classes + c);
            if (c == 0 || s > bestScore) {
              best = c;
              bestScore = s;
            }
          }
          predictions[begin + i] = best;
        }
        return llvm::Error::success();
      });
  if (err)
    return std::move(err);
  return predictions;
}

llvm::Expected<std::vector<int64_t>> readLabels(const HostTensor &labels,
                                                int64_t count) {
  if (labels.numElements() != count)
    return error("there are " + llvm::Twine(labels.numElements()) +
                 " labels for " + llvm::Twine(count) + " images");
  if (labels.dataType != 7 && labels.dataType != 6 && labels.dataType != 2)
    return error("labels must be int64, int32 or uint8, not " +
                 onnxTypeName(labels.dataType));
  std::vector<int64_t> out(count);
  for (int64_t i = 0; i < count; ++i)
    out[i] = static_cast<int64_t>(valueAt(labels, i));
  return out;
}

} // namespace fulcrum
