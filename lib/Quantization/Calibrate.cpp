//===- Calibrate.cpp - Choosing activation ranges -------------------------===//
//
// Part of Fulcrum. The calibration methods of ONNX Runtime's quantization
// tool and TensorRT, over a histogram of |x|:
//
// - MinMax: the observed [min, max].
// - Percentile: the smallest threshold T covering `percentile` % of |x|.
// - Entropy: TensorRT's KL-divergence calibration. For each candidate
//   threshold (from `levels` bins up to all bins), the reference
//   distribution P is the histogram up to T with the outliers added to its
//   last bin, Q is P's bins merged into `levels` quantization bins and
//   spread back over the non-empty bins; T minimizes KL(P || Q). The bin
//   of zeros counts as its neighbour (pytorch-quantization does the same).
// - MSE: T minimizes the expected squared error of quantizing x, with
//   uniform rounding noise step^2 / 12 inside [-T, T] and (|x| - T)^2 when
//   clipped, over the bin centers.
//
// The range is then [max(min, -T), min(max, T)].
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Quantization/Quantize.h"

#include "llvm/ADT/StringSwitch.h"

#include <cmath>
#include <limits>
#include <numeric>

namespace fulcrum::quant {

std::optional<CalibrationMethod> parseCalibrationMethod(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<CalibrationMethod>>(name)
      .Case("minmax", CalibrationMethod::MinMax)
      .Case("percentile", CalibrationMethod::Percentile)
      .Case("entropy", CalibrationMethod::Entropy)
      .Case("mse", CalibrationMethod::MSE)
      .Default(std::nullopt);
}

llvm::StringRef stringifyCalibrationMethod(CalibrationMethod method) {
  switch (method) {
  case CalibrationMethod::MinMax:
    return "minmax";
  case CalibrationMethod::Percentile:
    return "percentile";
  case CalibrationMethod::Entropy:
    return "entropy";
  case CalibrationMethod::MSE:
    return "mse";
  }
  return "";
}

namespace {

/// Number of histogram bins from the start that Percentile keeps.
size_t percentileBins(const std::vector<double> &h, double percentile) {
  double total = std::accumulate(h.begin(), h.end(), 0.0);
  double target = total * percentile / 100.0, sum = 0;
  for (size_t i = 0; i < h.size(); ++i) {
    sum += h[i];
    if (sum >= target)
      return i + 1;
  }
  return h.size();
}

/// KL(P || Q) of two unnormalized distributions, where Q is nonzero
/// wherever P is.
double klDivergence(const std::vector<double> &p,
                    const std::vector<double> &q) {
  double pSum = std::accumulate(p.begin(), p.end(), 0.0);
  double qSum = std::accumulate(q.begin(), q.end(), 0.0);
  double kl = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] <= 0)
      continue;
    if (q[i] <= 0)
      return std::numeric_limits<double>::infinity();
    double pi = p[i] / pSum, qi = q[i] / qSum;
    kl += pi * std::log(pi / qi);
  }
  return kl;
}

/// TensorRT's entropy calibration: the number of bins whose upper edge is
/// the threshold. As in NVIDIA's pytorch-quantization, the first bin counts
/// as the second: the spike of exact zeros (ReLU outputs, image background)
/// would otherwise make every narrow range look faithful.
size_t entropyBins(std::vector<double> h, size_t levels) {
  size_t n = h.size();
  if (n > 1)
    h[0] = h[1];
  if (n <= levels)
    return n;
  size_t best = n;
  double bestKl = std::numeric_limits<double>::infinity();
  std::vector<double> p, q;
  for (size_t i = levels; i <= n; ++i) {
    p.assign(h.begin(), h.begin() + i);
    double outliers = std::accumulate(h.begin() + i, h.end(), 0.0);
    p[i - 1] += outliers;
    // Merge the first i bins into `levels` groups, then spread each
    // group's count evenly over its non-empty bins.
    q.assign(i, 0.0);
    for (size_t g = 0; g < levels; ++g) {
      size_t begin = g * i / levels, end = (g + 1) * i / levels;
      double sum = 0;
      size_t nonEmpty = 0;
      for (size_t j = begin; j < end; ++j) {
        sum += h[j];
        nonEmpty += h[j] > 0;
      }
      for (size_t j = begin; j < end && nonEmpty; ++j)
        if (h[j] > 0)
          q[j] = sum / nonEmpty;
    }
    double kl = klDivergence(p, q);
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  return best;
}

/// The threshold (in bins) of least expected squared quantization error.
size_t mseBins(const std::vector<double> &h, double binWidth, double levels) {
  size_t n = h.size(), best = n;
  double bestError = std::numeric_limits<double>::infinity();
  for (size_t i = 1; i <= n; ++i) {
    double t = i * binWidth, step = t / levels, error = 0;
    for (size_t j = 0; j < n; ++j) {
      double center = (j + 0.5) * binWidth;
      error += h[j] *
               (center <= t ? step * step / 12.0 : (center - t) * (center - t));
    }
    if (error < bestError) {
      bestError = error;
      best = i;
    }
  }
  return best;
}

} // namespace

std::pair<double, double> chooseRange(const ActivationStats &stats,
                                      const CalibrationOptions &options) {
  if (options.method == CalibrationMethod::MinMax || stats.histogram.empty())
    return {stats.min, stats.max};
  double absMax = std::max(std::fabs(stats.min), std::fabs(stats.max));
  if (absMax <= 0)
    return {stats.min, stats.max};
  const std::vector<double> &h = stats.histogram;
  double binWidth = absMax / h.size();
  // A non-negative activation quantized asymmetrically uses all 255 steps
  // over [0, T]; otherwise 127 steps cover each side.
  bool oneSided = options.asymmetric && stats.min >= 0;
  size_t bins = h.size();
  switch (options.method) {
  case CalibrationMethod::Percentile:
    bins = percentileBins(h, options.percentile);
    break;
  case CalibrationMethod::Entropy:
    bins = entropyBins(h, oneSided ? 256 : 128);
    break;
  case CalibrationMethod::MSE:
    bins = mseBins(h, binWidth, oneSided ? 255.0 : 127.0);
    break;
  case CalibrationMethod::MinMax:
    break;
  }
  double t = bins * binWidth;
  return {std::max(stats.min, -t), std::min(stats.max, t)};
}

} // namespace fulcrum::quant
