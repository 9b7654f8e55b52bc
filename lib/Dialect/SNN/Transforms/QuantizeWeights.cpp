//===- QuantizeWeights.cpp - Weights at a chip's precision ----------------===//
//
// Part of Fulcrum. Rounds snn.affine and snn.conv2d weights to signed
// integers of a chip's bit width times one scale per layer.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/SNN/IR/SNNOps.h"
#include "fulcrum/Dialect/SNN/Transforms/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>

namespace fulcrum::snn {
#define GEN_PASS_DEF_SNNQUANTIZEWEIGHTS
#include "fulcrum/Dialect/SNN/Transforms/Passes.h.inc"
} // namespace fulcrum::snn

using namespace mlir;
using namespace fulcrum::snn;

namespace {
struct SNNQuantizeWeightsPass
    : public fulcrum::snn::impl::SNNQuantizeWeightsBase<
          SNNQuantizeWeightsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (bits == 0)
      return;
    if (bits > 24) {
      getOperation().emitError("weight bit width must be at most 24, got ")
          << bits;
      return signalPassFailure();
    }
    double levels = std::ldexp(1.0, bits - 1) - 1;
    getOperation().walk([&](Operation *op) {
      if (!isa<AffineOp, Conv2dOp>(op))
        return;
      auto weight = op->getAttrOfType<DenseElementsAttr>("weight");
      auto bias = op->getAttrOfType<DenseElementsAttr>("bias");
      std::vector<float> w(weight.getValues<float>().begin(),
                           weight.getValues<float>().end());
      double maxAbs = 0;
      for (float v : w)
        maxAbs = std::max(maxAbs, std::fabs(double(v)));
      if (maxAbs == 0)
        return;
      // With 1 bit there is one level each side: sign times the scale.
      double scale = maxAbs / std::max(levels, 1.0);
      double worst = 0;
      auto round = [&](std::vector<float> &values) {
        for (float &v : values) {
          double q = std::clamp(std::nearbyint(v / scale),
                                -std::max(levels, 1.0), std::max(levels, 1.0)) *
                     scale;
          worst = std::max(worst, std::fabs(q - v) / maxAbs);
          v = static_cast<float>(q);
        }
      };
      round(w);
      op->setAttr("weight",
                  DenseElementsAttr::get(weight.getType(), ArrayRef<float>(w)));
      if (bias) {
        // Biases enter the neuron as currents; Loihi stores them with more
        // bits, so they are rounded to the weight scale only when they fit.
        std::vector<float> bv(bias.getValues<float>().begin(),
                              bias.getValues<float>().end());
        for (float &v : bv)
          v = static_cast<float>(std::nearbyint(v / scale) * scale);
        op->setAttr("bias", DenseElementsAttr::get(bias.getType(),
                                                   ArrayRef<float>(bv)));
      }
      ++numLayers;
      if (remarks)
        op->emitRemark() << "weights rounded to " << bits.getValue()
                         << " bits: scale " << scale << ", largest error "
                         << worst * 100 << "% of the largest weight";
    });
  }
};
} // namespace
