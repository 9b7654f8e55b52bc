//===- LinearSize.h - Sizes as linear functions of the batch ----*- C++ -*-===//
//
// Part of Fulcrum. Shared by fulcrum-cpu-plan-memory (buffer sizes) and
// fulcrum-cpu-tile-batch (the sizes of tensors that carry the batch).
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_LIB_TARGET_CPU_LINEARSIZE_H
#define FULCRUM_LIB_TARGET_CPU_LINEARSIZE_H

#include "mlir/IR/Value.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>

namespace fulcrum {

/// A size as `scale * batch + offset`.
struct LinearSize {
  int64_t scale = 0, offset = 0;
  bool operator==(const LinearSize &other) const {
    return scale == other.scale && offset == other.offset;
  }
};

/// `value` as a linear function of the batch, proved from the integer
/// arithmetic that computes it: constants, index casts, sums, differences,
/// products with a constant, exact divisions by a positive constant, the
/// sign tests and selects of floor divisions (a Reshape's `-1` computes
/// `(n * 98304) floordiv 98304` through them) and single-result
/// `affine.apply`. `leaf` names the values that read the batch itself (a
/// dimension of an argument, for instance); it is asked first about every
/// value and returns nothing for the others.
std::optional<LinearSize>
getLinearSize(mlir::Value value,
              llvm::function_ref<std::optional<LinearSize>(mlir::Value)> leaf);

} // namespace fulcrum

#endif // FULCRUM_LIB_TARGET_CPU_LINEARSIZE_H
