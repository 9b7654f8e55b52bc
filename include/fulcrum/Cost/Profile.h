//===- Profile.h - Layer tags and the profiling runtime ---------*- C++ -*-===//
//
// Part of Fulcrum. A profiling build times every layer of a model: at the
// end of the linalg phase `tagLayers` gives each op with work a location
// tag `fulcrum.layer.<N>` (and prices it), the codegen pass
// `fulcrum-profile-layers` wraps the code of each tag in calls of
// `fulcrum_profile_begin/end(N)`, and the functions below (linked into the
// process that JIT-runs the model) accumulate each layer's time.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_COST_PROFILE_H
#define FULCRUM_COST_PROFILE_H

#include "fulcrum/Cost/CostModel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Location.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

extern "C" {
/// Starts timing layer `id` (called by profiling builds).
void fulcrum_profile_begin(int64_t id);
/// Stops timing layer `id` and adds the time to its counter.
void fulcrum_profile_end(int64_t id);
}

namespace fulcrum::cost {

inline constexpr llvm::StringLiteral kProfileBeginSymbol =
    "fulcrum_profile_begin";
inline constexpr llvm::StringLiteral kProfileEndSymbol = "fulcrum_profile_end";
inline constexpr llvm::StringLiteral kLayerTagPrefix = "fulcrum.layer.";

/// The layer tag in `loc` (the first, through fused locations).
std::optional<int64_t> getLayerTag(mlir::Location loc);

/// Tags every op with work directly in `func`'s body with its index in the
/// result (`fulcrum.layer.<index>`) and prices it on `target`.
std::vector<LayerCost> tagLayers(mlir::func::FuncOp func,
                                 const TargetDescription &target,
                                 const CostOptions &options);

/// Clears the counters of layers 0..layers-1.
void resetProfileCounters(size_t layers);
/// Seconds accumulated per layer since the last reset.
std::vector<double> getProfileSeconds();
/// Times each layer's region was entered since the last reset.
std::vector<uint64_t> getProfileHits();
/// Seconds per layer between the end of the region timed before it and
/// its own start (code no layer accounts for).
std::vector<double> getProfileGaps();
/// When the first region of the last call began and its last one ended.
std::pair<std::chrono::steady_clock::time_point,
          std::chrono::steady_clock::time_point>
getProfileSpan();

} // namespace fulcrum::cost

#endif // FULCRUM_COST_PROFILE_H
