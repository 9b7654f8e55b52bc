//===- KernelCalls.h - Calling the CPU kernels from memref code -*- C++ -*-===//
//
// Part of Fulcrum. What the passes that replace linalg ops by kernel calls
// (fulcrum-cpu-matmul-to-kernel, fulcrum-cpu-conv-to-kernel) share: kernels
// take every argument as an i64 (sizes, strides in elements, pointers).
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_LIB_TARGET_CPU_KERNELCALLS_H
#define FULCRUM_LIB_TARGET_CPU_KERNELCALLS_H

#include "fulcrum/Target/CPU/Kernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"

#include <limits>
#include <optional>
#include <vector>

namespace fulcrum {

/// Builds the i64 arguments of a kernel call before an insertion point.
class KernelCallBuilder {
public:
  KernelCallBuilder(mlir::OpBuilder &builder, mlir::Location loc)
      : b(builder), loc(loc) {}

  /// An i64 constant (one op per value).
  mlir::Value constant(int64_t value);
  /// An index as i64.
  mlir::Value toI64(mlir::Value index);
  /// Dimension `d` of a memref as i64.
  mlir::Value dim(mlir::Value memref, int64_t d);

  /// The address of a memref's first element, and its strides (elements).
  struct Address {
    mlir::Value at;
    llvm::SmallVector<mlir::Value> strides;
  };
  Address address(mlir::Value memref);

  mlir::OpBuilder &builder() { return b; }
  mlir::Location location() const { return loc; }

private:
  mlir::OpBuilder &b;
  mlir::Location loc;
  llvm::SmallDenseMap<int64_t, mlir::Value> constants;
};

/// `func.func private @name(i64 x arity)` in `module`, declared once.
mlir::func::FuncOp declareKernel(mlir::ModuleOp module,
                                 mlir::SymbolTable &symbols,
                                 llvm::StringRef name, unsigned arity);

/// The kernels of `isa`, or an error on `module` naming the valid ones.
std::optional<GemmKernel> lookupKernel(mlir::ModuleOp module,
                                       llvm::StringRef isa);

/// The linalg.fill of zero into `out` right before `op`, if there is one
/// (a kernel that overwrites its output makes it unnecessary).
mlir::linalg::FillOp getZeroFillBefore(mlir::Operation *op, mlir::Value out);

/// Records on a kernel call which of its operands are addresses the kernel
/// writes through, so later passes can tell what it may change.
void setKernelWrites(mlir::func::CallOp call, llvm::ArrayRef<int64_t> operands);

/// The memrefs whose addresses feed the operands a kernel call writes
/// through (see setKernelWrites), or nothing when `op` is not such a call
/// or an address cannot be traced to a memref.
std::optional<llvm::SmallVector<mlir::Value>>
getKernelWrittenBuffers(mlir::Operation *op);

/// The f32 values of a constant global's initializer, or nothing: a view
/// of the attribute's own storage when it is suitably aligned (a model's
/// weights are not copied), else a copy made in `storage`.
std::optional<llvm::ArrayRef<float>>
readConstantFloats(mlir::memref::GlobalOp global, std::vector<float> &storage);

/// The global a memref value reads, when it is a whole constant global.
mlir::memref::GlobalOp getConstantGlobal(mlir::Value value,
                                         mlir::SymbolTable &symbols);

/// A 64-byte aligned, zeroed blob for `count` floats, which
/// createConstantGlobal takes once it is filled.
mlir::AsmResourceBlob allocateFloatBlob(int64_t count);

/// The floats of a blob from allocateFloatBlob.
inline llvm::MutableArrayRef<float> getFloats(mlir::AsmResourceBlob &blob) {
  llvm::MutableArrayRef<char> bytes = blob.getMutableData();
  return {reinterpret_cast<float *>(bytes.data()), bytes.size() / 4};
}

/// A private constant f32 global `name` of `shape` that owns `blob`
/// (64-byte aligned), next to `near`.
mlir::memref::GlobalOp createConstantGlobal(mlir::memref::GlobalOp near,
                                            llvm::StringRef name,
                                            mlir::AsmResourceBlob blob,
                                            llvm::ArrayRef<int64_t> shape,
                                            mlir::SymbolTable &symbols);

/// Whether `type` has rank `rank` and a unit innermost stride.
bool hasContiguousRows(mlir::MemRefType type, int64_t rank);

/// Whether `type` has the default row-major layout and is static except
/// (when `dynamicBatch`) its first dimension.
bool isRowMajor(mlir::MemRefType type, bool dynamicBatch);

/// isRowMajor, of f32.
bool isRowMajorF32(mlir::MemRefType type, bool dynamicBatch);

/// The clamp to [lo, hi] a kernel applies as it stores its output (an
/// absent bound is infinite).
struct Clamp {
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
  /// Whether a bound was given.
  bool any = false;
  /// The ops the clamp took: one per finite bound.
  unsigned ops() const {
    return (lo > -std::numeric_limits<float>::infinity()) +
           (hi < std::numeric_limits<float>::infinity());
  }
};

/// Peels a maximumf and/or minimumf by constants off `result` (the value
/// an element-wise body yields) into `clamp`; `result` becomes the value
/// clamped.
void peelClamp(mlir::Value &result, Clamp &clamp);

/// The i64 holding a float's bits in its low half, as the kernels take it.
int64_t floatBits(float value);

/// The buffer `value` is a view of (through subviews, casts, reshapes).
mlir::Value getRootBuffer(mlir::Value value);

/// Whether `op` may write memory that `buffer` (a root buffer) holds: it
/// has write effects on anything but (views of) other allocations.
bool mayWrite(mlir::Operation *op, mlir::Value buffer);

/// Whether `op` may read or write memory that `buffer` (a root buffer)
/// holds, with the same aliasing rules; a kernel call always may.
bool mayAccess(mlir::Operation *op, mlir::Value buffer);

/// Erases an allocation, and its deallocations, if nothing else uses it.
void eraseIfOnlyDeallocated(mlir::Operation *alloc);

/// Whether `op` (a linalg.fill, or a linalg.map without inputs) fills
/// `buffer` with a value `isPadValue` accepts.
bool isConstantFill(mlir::Operation *op, mlir::Value buffer,
                    llvm::function_ref<bool(mlir::Value)> isPadValue);

/// A padded copy of `source` that only a convolution reads:
///   %p = memref.alloc ; fill of %p with a constant (linalg.fill or
///   linalg.map) ; %s = memref.subview %p[.., top, left, ..] ;
///   memref.copy %source, %s
/// The kernel reads `source` and treats what lies outside it as the
/// padding value.
struct Padding {
  mlir::Value source;
  mlir::MemRefType sourceType; // rank 4, row-major, static but the batch
  int64_t top = 0, left = 0;
  llvm::SmallVector<mlir::Operation *> ops; // erased with the rewrite
};

/// The padding of `conv`'s input `x`, whose fill value `isPadValue`
/// accepts. `heightDim`: where the spatial dimensions start (2 for NCHW,
/// 1 for NHWC); the padding may only touch those two.
std::optional<Padding>
matchPadding(mlir::Operation *conv, mlir::Value x, int64_t heightDim,
             llvm::function_ref<bool(mlir::Value)> isPadValue);

} // namespace fulcrum

#endif // FULCRUM_LIB_TARGET_CPU_KERNELCALLS_H
