//===- ProfileRuntime.cpp - Layer timers of profiling builds --------------===//
//
// Part of Fulcrum. Profiling builds call these around each layer; a model
// runs its top-level code on one thread (kernels fork and join OpenMP
// threads inside a layer), so plain counters suffice.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/Profile.h"

#include <chrono>

namespace {
struct Counters {
  std::vector<double> seconds;
  std::vector<uint64_t> hits;
  std::chrono::steady_clock::time_point start;
  int64_t open = -1;
};
Counters &counters() {
  static Counters instance;
  return instance;
}
} // namespace

extern "C" void fulcrum_profile_begin(int64_t id) {
  Counters &c = counters();
  c.open = id;
  c.start = std::chrono::steady_clock::now();
}

extern "C" void fulcrum_profile_end(int64_t id) {
  auto now = std::chrono::steady_clock::now();
  Counters &c = counters();
  if (id != c.open || id < 0)
    return;
  if (static_cast<size_t>(id) >= c.seconds.size()) {
    c.seconds.resize(id + 1, 0);
    c.hits.resize(id + 1, 0);
  }
  c.seconds[id] += std::chrono::duration<double>(now - c.start).count();
  ++c.hits[id];
  c.open = -1;
}

namespace fulcrum::cost {

void resetProfileCounters(size_t layers) {
  Counters &c = counters();
  c.seconds.assign(layers, 0);
  c.hits.assign(layers, 0);
  c.open = -1;
}

std::vector<double> getProfileSeconds() { return counters().seconds; }
std::vector<uint64_t> getProfileHits() { return counters().hits; }

} // namespace fulcrum::cost
