//===- Calibration.h - Activations and least squares for pruning -*- C++
//-*-===//
//
// Part of Fulcrum. Private to lib/Prune.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_LIB_PRUNE_CALIBRATION_H
#define FULCRUM_LIB_PRUNE_CALIBRATION_H

#include "fulcrum/Driver/Driver.h"
#include "fulcrum/Execution/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <vector>

namespace fulcrum::prune {

/// A float32 tensor captured on the calibration data.
struct Activation {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

/// The fp32 model of `session` (its entry `func`, as it is now) compiled
/// once for measuring: `values` become extra results, and each operand of
/// `params` (a constant, say) is read from an extra input after the model's
/// own, so the model runs with other values there without recompiling.
class ActivationProbe {
public:
  static mlir::FailureOr<std::unique_ptr<ActivationProbe>>
  create(CompileSession &session, mlir::func::FuncOp func,
         llvm::ArrayRef<mlir::Value> values,
         llvm::ArrayRef<mlir::OpOperand *> params = {});

  /// Runs the model on `samples` ([N, ...]) with `params` (one tensor per
  /// parameter operand, of its type) and returns the values concatenated
  /// over the batch.
  mlir::FailureOr<std::vector<Activation>>
  run(const HostTensor &samples, llvm::ArrayRef<HostTensor> params = {});

private:
  ActivationProbe() = default;
  mlir::func::FuncOp func;
  std::unique_ptr<ModelRunner> runner;
  /// The result each value is read from.
  llvm::SmallVector<unsigned> resultOf;
  size_t numParams = 0;
};

/// Runs the fp32 model of `session` (its entry `func`, as it is now) on
/// `samples` ([N, ...]) with `values` as extra results, JIT-compiled
/// through the driver, and returns them concatenated over the batch.
mlir::FailureOr<std::vector<Activation>>
captureActivations(CompileSession &session, mlir::func::FuncOp func,
                   llvm::ArrayRef<mlir::Value> values,
                   const HostTensor &samples);

/// A contraction (Conv with group 1, Gemm, MatMul with constant weights)
/// seen as y[o] = sum_f w[o][f] * x[f] over the features of one output
/// position: for Conv the input patch (channel-major: c * kh * kw + ky * kw
/// + kx), for Gemm/MatMul the input row; plus a last feature 1 whose
/// weight is the bias when the op can hold one (Conv, Gemm).
struct LinearLayer {
  mlir::Operation *op = nullptr;
  int64_t outs = 0, inChannels = 0, kernel = 1;
  bool hasBias = false;
  /// [outs][features], features = inChannels * kernel + hasBias.
  std::vector<double> w;
  int64_t features() const { return inChannels * kernel + (hasBias ? 1 : 0); }
};

/// The layer of `op` from its constant weights; failure for other ops
/// (grouped convolutions, auto_pad, transA).
mlir::FailureOr<LinearLayer> getLinearLayer(mlir::Operation *op);

/// Statistics of a layer's features on the calibration activations of its
/// input `x`: the Gram matrix sum x x^T (features^2) and the mean of each
/// feature, over at most `maxRows` sampled output positions.
struct FeatureStats {
  std::vector<double> gram, mean;
  int64_t rows = 0;
};
FeatureStats getFeatureStats(const LinearLayer &layer, const Activation &x,
                             int64_t maxRows);

/// Statistics for refitting a pruned layer on the pruned model's inputs:
/// gram = sum x' x'^T over the features x' of `pruned` on `xp`, and
/// cross = sum x' x^T with the original features x of `layer` on `x`, over
/// the same (at most `maxRows`) output positions.
struct CrossStats {
  std::vector<double> gram, cross;
};
CrossStats getCrossStats(const LinearLayer &pruned, const Activation &xp,
                         const LinearLayer &layer, const Activation &x,
                         int64_t maxRows);

/// The weights of the pruned layer that best reproduce the original
/// layer's outputs `outs` from the pruned inputs (He et al. 2017):
/// (gram + ridge I) W'^T = cross W^T. [outs.size()][pruned features].
std::vector<double> refitPruned(const LinearLayer &pruned,
                                const LinearLayer &layer,
                                const CrossStats &stats,
                                llvm::ArrayRef<int64_t> outs, double ridge);

/// The weights over the features `keep` (indices, the bias feature
/// included if kept) that best reproduce the layer's outputs `outs`
/// (indices) from the statistics: (G_kk + ridge I) W'^T = G_k,all W^T,
/// solved by Cholesky in double precision. [outs.size()][keep.size()].
std::vector<double> refit(const LinearLayer &layer, const FeatureStats &stats,
                          llvm::ArrayRef<int64_t> keep,
                          llvm::ArrayRef<int64_t> outs, double ridge);

} // namespace fulcrum::prune

#endif // FULCRUM_LIB_PRUNE_CALIBRATION_H
