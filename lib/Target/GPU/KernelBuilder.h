//===- KernelBuilder.h - Building GPU kernels from linalg ops ---*- C++ -*-===//
//
// Part of Fulcrum. What the passes that write their own kernels for linalg
// ops on memrefs (fulcrum-gpu-tile-contractions, -subgroup-reductions)
// share: which buffers a kernel can read, the launch, and index
// arithmetic from a flat index and an op's indexing maps.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_LIB_TARGET_GPU_KERNELBUILDER_H
#define FULCRUM_LIB_TARGET_GPU_KERNELBUILDER_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"

namespace fulcrum::gpu_kernels {

/// Workgroups per grid dimension that every Vulkan device allows (and
/// CUDA in y and z).
constexpr int64_t kMaxGridDim = 65535;

/// a / b rounded up, for positive `b`.
constexpr int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// The buffer a chain of views (subview, expand/collapse_shape, cast)
/// starts from: what a kernel reads once loads through views are folded.
mlir::Value rootBuffer(mlir::Value value);

/// Whether `value` is (a view of) an identity-layout f32 memref in the
/// default memory space with a static shape (or, with
/// `allowDynamicLeading`, static but for its first dimension: a dynamic
/// batch).
bool isKernelBuffer(mlir::Value value, bool allowDynamicLeading = false);

/// The loop ranges of `op` when a kernel of the passes can run it: an op
/// on buffers (no tensors), every operand a kernel buffer
/// (isKernelBuffer), no `linalg.index`, every range static and positive;
/// with `allowDynamicLeading`, one range may be dynamic
/// (ShapedType::kDynamic) when it is only read through the first
/// dimension of buffers whose other dimensions are static.
std::optional<llvm::SmallVector<int64_t>>
getKernelLoopRanges(mlir::linalg::LinalgOp op,
                    bool allowDynamicLeading = false);

/// A gpu.launch of `grid` x 1 x 1 ... (x, y, z given) workgroups of
/// `threads` threads with `workgroup` attributions; `b` is left before its
/// terminator.
mlir::gpu::LaunchOp createLaunch(mlir::OpBuilder &b, mlir::Location loc,
                                 llvm::ArrayRef<int64_t> grid, int64_t threads,
                                 mlir::TypeRange workgroup = {});

/// The same with grid sizes computed at run time.
mlir::gpu::LaunchOp createLaunch(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::ValueRange grid, int64_t threads,
                                 mlir::TypeRange workgroup = {});

/// Splits `linear` into the indices of the loop dimensions `dims`
/// (outermost first) of extents `ranges`, into `values[dim]`.
void delinearize(mlir::OpBuilder &b, mlir::Location loc, mlir::Value linear,
                 llvm::ArrayRef<unsigned> dims, llvm::ArrayRef<int64_t> ranges,
                 llvm::SmallVectorImpl<mlir::Value> &values);

/// The indices `map` gives for the loop indices `dims`.
llvm::SmallVector<mlir::Value> indicesAt(mlir::OpBuilder &b, mlir::Location loc,
                                         mlir::AffineMap map,
                                         llvm::ArrayRef<mlir::Value> dims);

} // namespace fulcrum::gpu_kernels

#endif // FULCRUM_LIB_TARGET_GPU_KERNELBUILDER_H
