//===- CalibrateTest.cpp - Calibration range methods ----------------------===//
//
// Part of Fulcrum. chooseRange on histograms whose answers are known.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Quantization/Quantize.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace fulcrum::quant;

namespace {

/// Stats of |x|: about 5e7 values below 0.1 (a decaying bulk) and one far
/// outlier at 1, so that its clipping error is small against the rounding
/// noise a range up to 1 would add to the bulk.
ActivationStats bulkWithOutlier(bool withNegatives) {
  ActivationStats s;
  s.min = withNegatives ? -1.0 : 0.0;
  s.max = 1.0;
  s.histogram.assign(2048, 0.0);
  for (int i = 0; i < 205; ++i) // [0, 0.1): a decaying bulk
    s.histogram[i] = 1e6 * std::exp(-i / 50.0) + 1000;
  s.histogram[2047] = 1; // the one value at |x| = 1
  return s;
}

CalibrationOptions method(CalibrationMethod m) {
  CalibrationOptions o;
  o.method = m;
  return o;
}

TEST(Calibrate, MinMaxIsTheObservedRange) {
  auto [lo, hi] =
      chooseRange(bulkWithOutlier(true), method(CalibrationMethod::MinMax));
  EXPECT_EQ(lo, -1.0);
  EXPECT_EQ(hi, 1.0);
}

TEST(Calibrate, PercentileCoversTheShare) {
  ActivationStats s;
  s.min = 0;
  s.max = 1;
  s.histogram.assign(100, 1.0); // uniform on [0, 1)
  CalibrationOptions o = method(CalibrationMethod::Percentile);
  o.percentile = 50;
  EXPECT_DOUBLE_EQ(chooseRange(s, o).second, 0.5);
  o.percentile = 100;
  EXPECT_DOUBLE_EQ(chooseRange(s, o).second, 1.0);
}

TEST(Calibrate, EntropyAndMseClipTheOutlier) {
  // Entropy over 128 levels a side (signed data) clips; over 256 levels
  // (non-negative data) this smooth bulk is already faithful unclipped.
  for (auto [m, negatives] : {std::pair(CalibrationMethod::Entropy, true),
                              std::pair(CalibrationMethod::MSE, false),
                              std::pair(CalibrationMethod::MSE, true)}) {
    {
      auto [lo, hi] = chooseRange(bulkWithOutlier(negatives), method(m));
      // The threshold sits between the bulk and the outlier, and the range
      // is symmetric where the data is.
      EXPECT_GT(hi, 0.05) << stringifyCalibrationMethod(m).str();
      EXPECT_LT(hi, 0.5) << stringifyCalibrationMethod(m).str();
      EXPECT_EQ(lo, negatives ? -hi : 0.0);
    }
  }
}

TEST(Calibrate, UniformDataKeepsItsRange) {
  // Nothing to clip: every method keeps (nearly) the whole range.
  ActivationStats s;
  s.min = -2;
  s.max = 2;
  s.histogram.assign(2048, 10.0);
  for (CalibrationMethod m :
       {CalibrationMethod::Percentile, CalibrationMethod::Entropy,
        CalibrationMethod::MSE})
    EXPECT_GT(chooseRange(s, method(m)).second, 1.9)
        << stringifyCalibrationMethod(m).str();
}

TEST(Calibrate, ParsesMethods) {
  EXPECT_EQ(parseCalibrationMethod("entropy"), CalibrationMethod::Entropy);
  EXPECT_EQ(parseCalibrationMethod("kl"), std::nullopt);
}

} // namespace
