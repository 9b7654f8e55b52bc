//===- Cache.h - The search's result cache and plan -------------*- C++ -*-===//
//
// Part of Fulcrum. Internal to lib/Search. Every measured configuration is
// stored under REPORT_DIR/cache/<key>, the key a SHA-256 of everything the
// measurement depends on: the model, calibration and eval files' contents,
// the options that change code or timing, and the configuration's knobs. A
// repeated or widened search measures nothing twice, and `--emit-plan`
// workers fill the same cache that `--collect` reads.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_LIB_SEARCH_CACHE_H
#define FULCRUM_LIB_SEARCH_CACHE_H

#include "fulcrum/Search/Search.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace fulcrum::search {

/// What measuring one configuration gives, before any metric.
struct Measurement {
  /// The first output on every eval sample, [samples, classes] row-major.
  std::vector<float> outputs;
  int64_t classes = 0;
  double predictedMs = 0, measuredMs = 0, minMs = 0, sizeMB = 0;
  /// The graph has attention blocks (a window is then a knob).
  bool attention = false;
};

class ResultCache {
public:
  /// `dir` is created on the first write.
  explicit ResultCache(std::string dir) : dir(std::move(dir)) {}

  /// Adds a file's contents (or its absence) and a text to the key base.
  void addFile(llvm::StringRef path);
  void addText(llvm::StringRef text);

  /// The key of `config` on the base.
  std::string key(const Config &config) const;

  /// The stored measurement of `key`, if any (and if it has `samples`
  /// rows).
  std::optional<Measurement> read(const std::string &key,
                                  int64_t samples) const;
  llvm::Error write(const std::string &key, const Config &config,
                    const Measurement &m) const;

  /// The interleaved re-timing of a list of points, keyed by their keys in
  /// order (timesKey): per point, the measured and the fastest call's ms.
  std::string timesKey(llvm::ArrayRef<std::string> keys) const;
  std::optional<std::vector<std::pair<double, double>>>
  readTimes(const std::string &key, size_t points) const;
  llvm::Error writeTimes(const std::string &key,
                         llvm::ArrayRef<std::pair<double, double>> times) const;

  /// Where a plan step leaves the artifact of `key` for the re-timing.
  std::string artifactPath(const std::string &key) const;

private:
  std::string dir;
  std::string base;
};

/// Writes a Ninja file with one build step per configuration: step `i` runs
/// `command` with `--search-point=i` and writes `REPORT_DIR/points/i.done`.
llvm::Error writePlan(llvm::StringRef path, llvm::ArrayRef<std::string> command,
                      llvm::ArrayRef<Config> configs,
                      llvm::StringRef reportDir);

} // namespace fulcrum::search

#endif // FULCRUM_LIB_SEARCH_CACHE_H
