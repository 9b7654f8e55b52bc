//===- PassStatistic.h - Pass statistics that count in release LLVM -*- C++
//-*-===//
//
// Part of Fulcrum. Debian's LLVM 19 is built with NDEBUG and without
// LLVM_FORCE_ENABLE_STATS, so mlir::Pass::Statistic (and llvm::Statistic)
// count nothing there: every pass, upstream ones included, shows an empty
// `--mlir-pass-statistics` report. Fulcrum's passes keep their
// TableGen-declared statistics (for the docs, and for LLVM builds with
// statistics) and also count through a PassCounter, which the tools print
// with LLVM's `-stats` option:
//
//   $ fulcrum-opt -stats --fulcrum-onnx-fold-shape-computations in.mlir
//   ===--- Fulcrum pass statistics ---===
//     1 fulcrum-onnx-fold-shape-computations - Number of values made constant
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_SUPPORT_PASSSTATISTIC_H
#define FULCRUM_SUPPORT_PASSSTATISTIC_H

#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <cstdint>

namespace fulcrum {

/// A process-wide counter of one pass (thread-safe), registered when it is
/// constructed; declare them as statics next to the pass.
class PassCounter {
public:
  PassCounter(const char *pass, const char *description);
  PassCounter &operator++() {
    value.fetch_add(1, std::memory_order_relaxed);
    return *this;
  }
  PassCounter &operator+=(uint64_t n) {
    value.fetch_add(n, std::memory_order_relaxed);
    return *this;
  }
  uint64_t get() const { return value.load(std::memory_order_relaxed); }
  const char *pass;
  const char *description;

private:
  std::atomic<uint64_t> value{0};
};

/// Prints every non-zero counter, one line each: `<count> <pass> -
/// <description>`.
void printPassStatistics(llvm::raw_ostream &os);

/// What tools call before they exit: prints the counters to stderr when
/// LLVM's `-stats` option is given.
void printPassStatisticsIfEnabled();

} // namespace fulcrum

#endif // FULCRUM_SUPPORT_PASSSTATISTIC_H
