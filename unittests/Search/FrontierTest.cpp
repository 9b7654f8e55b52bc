//===- FrontierTest.cpp - Latency ties, the frontier and the choice -------===//
//
// Part of Fulcrum. compareLatency and markFrontier on points whose answers
// are known: measured latencies within the tolerance go by the prediction,
// so timing noise inside the band changes neither.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Search/Search.h"

#include <gtest/gtest.h>

using namespace fulcrum::search;

namespace {

Point point(int id, double measured, double predicted, double top1) {
  Point p;
  p.id = id;
  p.measuredMs = measured;
  p.predictedMs = predicted;
  p.heldOut.top1 = top1;
  return p;
}

std::vector<bool> frontier(std::vector<Point> points, double tolerance) {
  markFrontier(points, Metric::Top1, /*labelled=*/true, tolerance);
  std::vector<bool> flags;
  for (const Point &p : points)
    flags.push_back(p.onFrontier);
  return flags;
}

TEST(CompareLatency, MeasuredDecidesOutsideTheBand) {
  // 10% apart: the measurement wins against the prediction.
  Point a = point(0, 0.090, 0.2, 90), b = point(1, 0.100, 0.1, 90);
  EXPECT_EQ(compareLatency(a, b, 0.05), -1);
  EXPECT_EQ(compareLatency(b, a, 0.05), 1);
}

TEST(CompareLatency, PredictionDecidesInsideTheBand) {
  Point a = point(0, 0.098, 0.2, 90), b = point(1, 0.100, 0.1, 90);
  EXPECT_EQ(compareLatency(a, b, 0.05), 1);
  EXPECT_EQ(compareLatency(b, a, 0.05), -1);
  // Without a band, the measurement decides again.
  EXPECT_EQ(compareLatency(a, b, 0.0), -1);
  // Equal predictions inside the band: a tie.
  Point c = point(2, 0.099, 0.2, 90);
  EXPECT_EQ(compareLatency(a, c, 0.05), 0);
}

TEST(MarkFrontier, NoiseInsideTheBandKeepsTheFrontier) {
  // Two equally accurate points 3% apart, and a slower, more accurate one.
  // Whichever of the first two measures faster, the one the cost model
  // prices lower stays on the frontier.
  std::vector<Point> run1 = {point(0, 0.064, 0.050, 93.0),
                             point(1, 0.066, 0.055, 93.0),
                             point(2, 0.100, 0.090, 94.0)};
  std::vector<Point> run2 = {point(0, 0.066, 0.050, 93.0),
                             point(1, 0.064, 0.055, 93.0),
                             point(2, 0.101, 0.090, 94.0)};
  std::vector<bool> expected = {true, false, true};
  EXPECT_EQ(frontier(run1, 0.05), expected);
  EXPECT_EQ(frontier(run2, 0.05), expected);
  // Without the band the two runs disagree.
  EXPECT_NE(frontier(run1, 0.0), frontier(run2, 0.0));
}

TEST(MarkFrontier, NegativeMoreAccurateAndClearlySlowerStays) {
  // 20% slower but more accurate: not dominated.
  std::vector<Point> points = {point(0, 0.080, 0.05, 90.0),
                               point(1, 0.100, 0.04, 91.0)};
  EXPECT_EQ(frontier(points, 0.05), (std::vector<bool>{true, true}));
  // Within the band and predicted faster, the more accurate one dominates.
  points[1].measuredMs = 0.082;
  EXPECT_EQ(frontier(points, 0.05), (std::vector<bool>{false, true}));
}

} // namespace
