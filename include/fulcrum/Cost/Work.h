//===- Work.h - The work of an op -------------------------------*- C++ -*-===//
//
// Part of Fulcrum. `Work` and the `WorkOpInterface` that gives each op's
// (WorkInterface.td), and the registration of its external models.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_COST_WORK_H
#define FULCRUM_COST_WORK_H

#include "fulcrum/Cost/TargetDescription.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/OpDefinition.h"

namespace fulcrum::cost {

/// What an op does, independent of the machine.
struct Work {
  WorkClass kind = WorkClass::None;
  DataType type = DataType::F32;
  /// Floating-point (or integer) operations; a multiply-add counts two.
  double flops = 0;
  /// Multiply-accumulates of a contraction (flops = 2 * macs + epilogue).
  double macs = 0;
  /// Calls of transcendental functions (exp, erf, tanh, log...).
  double transcendentals = 0;
  double bytesRead = 0, bytesWritten = 0;
  /// Independent iterations (output elements a thread can own).
  double parallelism = 1;
  /// Bytes read from constants (weights): they stream from DRAM when the
  /// model's weights do not fit in the last-level cache.
  double constantBytes = 0;
  /// The arithmetic cannot be vectorized (gathers: indexed loads).
  bool scalar = false;
  /// A matrix product's or convolution's result as the kernels tile it:
  /// rows (M, or the output pixels) by columns (N, or the output
  /// channels); 0 when not known (dynamic dimensions, other classes).
  double rows = 0, cols = 0;
  /// Flops of `flops` that the CPU code generator does not execute: a
  /// convolution it runs as Winograd F(2x2, 3x3) (isWinogradConvolution)
  /// does getWinogradMacs multiply-adds instead of `macs`. Other targets
  /// run them all.
  double skippedFlops = 0;
  /// An 8-bit depthwise convolution that the CPU kernels run on `vpdpbusd`
  /// where the target has AVX-512 VNNI (unit stride along W, channels a
  /// multiple of 16, byte output: Kernels/depthwise.inc): its window width
  /// KW, which it reads in groups of 4 taps, the last padded with zero
  /// weights. 0 otherwise (the f32-FMA form).
  int64_t quadWindow = 0;

  double bytes() const { return bytesRead + bytesWritten; }
  Work &operator+=(const Work &other);
};

/// The fewest input and output channels of a convolution that the CPU
/// code generator runs as Winograd F(2x2, 3x3).
constexpr int64_t kWinogradMinChannels = 16;

/// Whether the CPU code generator (fulcrum-cpu-conv-to-kernel, channels
/// last) runs a convolution as Winograd F(2x2, 3x3): an ungrouped 3x3
/// window at stride 1 without dilation, with at least kWinogradMinChannels
/// input (c) and output (f) channels.
bool isWinogradConvolution(int64_t kh, int64_t kw,
                           llvm::ArrayRef<int64_t> strides,
                           llvm::ArrayRef<int64_t> dilations, int64_t c,
                           int64_t f);

/// The multiply-adds of Winograd F(2x2, 3x3) on `images` images of oh x
/// ow outputs: 16 c f per 2x2 tile, the last tiles of odd sizes whole.
double getWinogradMacs(double images, int64_t oh, int64_t ow, int64_t c,
                       int64_t f);

/// Elements of a shaped type (dynamic dimensions count as 1), 1 for
/// scalars, 0 for anything unranked.
double getNumElements(mlir::Type type);
/// Bytes of a shaped type's data (elements times the element size).
double getNumBytes(mlir::Type type);
/// Whether `value` is a constant (a weight).
bool isConstant(mlir::Value value);
/// The data type a work item is priced in from an element type.
DataType getDataType(mlir::Type elementType);

/// Attaches the external models of the onnx dialect, the linalg dialect's
/// structured ops and tensor data movement ops.
void registerWorkModels(mlir::DialectRegistry &registry);

} // namespace fulcrum::cost

#include "fulcrum/Cost/WorkInterface.h.inc"

#endif // FULCRUM_COST_WORK_H
