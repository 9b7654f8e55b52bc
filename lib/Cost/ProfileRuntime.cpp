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
  /// Time from the end of the region before to the start of this one.
  std::vector<double> gaps;
  std::chrono::steady_clock::time_point start, lastEnd, firstBegin;
  bool ended = false;
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
  if (!c.ended && c.open == id && c.firstBegin.time_since_epoch().count() == 0)
    c.firstBegin = c.start;
  if (c.ended && id >= 0 && static_cast<size_t>(id) < c.gaps.size())
    c.gaps[id] += std::chrono::duration<double>(c.start - c.lastEnd).count();
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
  c.lastEnd = now;
  c.ended = true;
}

namespace fulcrum::cost {

void resetProfileCounters(size_t layers) {
  Counters &c = counters();
  c.seconds.assign(layers, 0);
  c.hits.assign(layers, 0);
  c.gaps.assign(layers, 0);
  c.open = -1;
  c.ended = false;
  c.firstBegin = {};
}

std::vector<double> getProfileSeconds() { return counters().seconds; }
std::vector<uint64_t> getProfileHits() { return counters().hits; }
std::vector<double> getProfileGaps() { return counters().gaps; }
std::pair<std::chrono::steady_clock::time_point,
          std::chrono::steady_clock::time_point>
getProfileSpan() {
  return {counters().firstBegin, counters().lastEnd};
}

} // namespace fulcrum::cost
