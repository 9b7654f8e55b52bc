//===- PassStatistic.cpp - Pass statistics that count in release LLVM -----===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Support/PassStatistic.h"

#include "llvm/ADT/Statistic.h"
#include "llvm/Support/Format.h"

#include <algorithm>
#include <mutex>
#include <vector>

namespace fulcrum {

namespace {
struct Registry {
  std::mutex mutex;
  std::vector<const PassCounter *> counters;
};
Registry &registry() {
  static Registry instance;
  return instance;
}
} // namespace

PassCounter::PassCounter(const char *pass, const char *description)
    : pass(pass), description(description) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.counters.push_back(this);
}

void printPassStatistics(llvm::raw_ostream &os) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<const PassCounter *> counters = r.counters;
  std::stable_sort(counters.begin(), counters.end(),
                   [](const PassCounter *a, const PassCounter *b) {
                     return llvm::StringRef(a->pass) < b->pass;
                   });
  os << "===--- Fulcrum pass statistics ---===\n";
  for (const PassCounter *c : counters)
    if (c->get())
      os << llvm::format("%6llu %s - %s\n", (unsigned long long)c->get(),
                         c->pass, c->description);
}

void printPassStatisticsIfEnabled() {
  if (llvm::AreStatisticsEnabled())
    printPassStatistics(llvm::errs());
}

} // namespace fulcrum
