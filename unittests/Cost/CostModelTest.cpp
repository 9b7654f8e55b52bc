//===- CostModelTest.cpp - Cost model unit tests --------------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/CostModel.h"
#include "fulcrum/Cost/Profiler.h"

#include "gtest/gtest.h"

using namespace fulcrum::cost;

namespace {

TargetDescription cantFailDescription() {
  auto target = parseTargetDescription(R"({
    "name": "t", "kind": "cpu", "cores": 1,
    "peak_gops_per_core": {"fp32": 100},
    "caches": [{"level": 1, "size_bytes": 1000, "bandwidth_gbs": 100}],
    "dram_bandwidth_gbs": {"per_core": 10},
    "overheads_us": {"per_kernel": 1},
    "efficiency": {"gemm": [{"gflop": 1, "efficiency": 0.5}],
                   "data_movement": 0.5}
  })");
  EXPECT_TRUE(static_cast<bool>(target));
  return *target;
}

TEST(CostModel, DescriptionRoundTrips) {
  TargetDescription target = cantFailDescription();
  auto again = parseTargetDescription(printTargetDescription(target));
  ASSERT_TRUE(static_cast<bool>(again));
  EXPECT_EQ(again->name, "t");
  EXPECT_EQ(again->peakF32, 100);
  ASSERT_EQ(again->gemmEfficiency.size(), 1u);
  EXPECT_EQ(again->gemmEfficiency[0].efficiency, 0.5);
  for (llvm::StringRef preset : getPresetNames())
    EXPECT_TRUE(static_cast<bool>(loadTargetDescription(preset)))
        << preset.str();
}

TEST(CostModel, SpearmanOfMonotoneAndReversed) {
  EXPECT_DOUBLE_EQ(spearmanCorrelation({1, 2, 3, 4}, {10, 20, 30, 400}), 1.0);
  EXPECT_DOUBLE_EQ(spearmanCorrelation({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0);
  // Ties get their average rank: ranks (1.5, 1.5, 3) against (1, 2, 3).
  EXPECT_NEAR(spearmanCorrelation({5, 5, 7}, {1, 2, 3}), 0.8660254, 1e-6);
  EXPECT_EQ(spearmanCorrelation({1}, {1}), 0.0);
}

TEST(CostModel, EfficiencyInterpolatesInLogSize) {
  std::vector<EfficiencyPoint> points = {{0.001, 0.2}, {0.1, 0.8}};
  EXPECT_DOUBLE_EQ(interpolateEfficiency(points, 0.0001, 1), 0.2);
  EXPECT_DOUBLE_EQ(interpolateEfficiency(points, 1, 1), 0.8);
  EXPECT_NEAR(interpolateEfficiency(points, 0.01, 1), 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(interpolateEfficiency({}, 0.01, 0.7), 0.7);
}

TEST(CostModel, RooflineBounds) {
  TargetDescription target = cantFailDescription();
  Work gemm;
  gemm.kind = WorkClass::Gemm;
  gemm.flops = 2e9;
  gemm.bytesRead = 1e3;
  // 2 GFLOP at 100 GFLOP/s and efficiency 0.5: 40 ms, compute-bound.
  Estimate e = estimate(gemm, target);
  EXPECT_NEAR(e.seconds, 0.04 + 1e-6, 1e-9);
  EXPECT_EQ(e.bound, "compute");
  Work copy;
  copy.kind = WorkClass::DataMovement;
  copy.bytesRead = copy.bytesWritten = 5e8;
  // 1 GB from DRAM at 10 GB/s with efficiency 0.5: 200 ms.
  e = estimate(copy, target);
  EXPECT_NEAR(e.seconds, 0.2 + 1e-6, 1e-9);
  EXPECT_EQ(e.bound, "DRAM");
}

} // namespace
