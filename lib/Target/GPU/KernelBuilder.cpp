//===- KernelBuilder.cpp - Building GPU kernels from linalg ops -----------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace fulcrum::gpu_kernels {

Value rootBuffer(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (!isa<memref::SubViewOp, memref::ExpandShapeOp, memref::CollapseShapeOp,
             memref::CastOp>(def))
      break;
    value = def->getOperand(0);
  }
  return value;
}

/// Whether `type` has a static shape, or one static but for its first
/// dimension when `allowDynamicLeading`.
static bool hasKernelShape(MemRefType type, bool allowDynamicLeading) {
  if (type.hasStaticShape())
    return true;
  return allowDynamicLeading && type.getRank() > 0 &&
         llvm::none_of(type.getShape().drop_front(), ShapedType::isDynamic);
}

bool isKernelBuffer(Value value, bool allowDynamicLeading) {
  auto type = dyn_cast<MemRefType>(rootBuffer(value).getType());
  return type && hasKernelShape(type, allowDynamicLeading) &&
         type.getLayout().isIdentity() && !type.getMemorySpace() &&
         type.getElementType().isF32();
}

std::optional<SmallVector<int64_t>>
getKernelLoopRanges(linalg::LinalgOp op, bool allowDynamicLeading) {
  if (!op.hasPureBufferSemantics() || op.hasIndexSemantics())
    return std::nullopt;
  for (OpOperand &operand : op->getOpOperands())
    if (!isKernelBuffer(operand.get(), allowDynamicLeading))
      return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t dynamic = 0;
  for (auto [d, r] : llvm::enumerate(ranges)) {
    if (!ShapedType::isDynamic(r)) {
      if (r <= 0)
        return std::nullopt;
      continue;
    }
    if (!allowDynamicLeading || ++dynamic > 1)
      return std::nullopt;
    // Read as a plain first index only, never inside an expression.
    for (AffineMap map : op.getIndexingMapsArray())
      for (auto [i, expr] : llvm::enumerate(map.getResults()))
        if (expr.isFunctionOfDim(d) && (i != 0 || !isa<AffineDimExpr>(expr)))
          return std::nullopt;
  }
  return ranges;
}

gpu::LaunchOp createLaunch(OpBuilder &b, Location loc, ArrayRef<int64_t> grid,
                           int64_t threads, TypeRange workgroup) {
  SmallVector<Value> sizes;
  for (int64_t g : grid)
    sizes.push_back(b.create<arith::ConstantIndexOp>(loc, g));
  return createLaunch(b, loc, ValueRange(sizes), threads, workgroup);
}

gpu::LaunchOp createLaunch(OpBuilder &b, Location loc, ValueRange grid,
                           int64_t threads, TypeRange workgroup) {
  auto cst = [&](int64_t v) -> Value {
    return b.create<arith::ConstantIndexOp>(loc, v);
  };
  Value one = cst(1);
  Value sizes[3] = {one, one, one};
  for (auto [i, g] : llvm::enumerate(grid))
    sizes[i] = g;
  auto launch = b.create<gpu::LaunchOp>(
      loc, sizes[0], sizes[1], sizes[2], cst(threads), one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      ValueRange{}, workgroup);
  Block &body = launch.getBody().front();
  if (body.empty() || !body.back().hasTrait<OpTrait::IsTerminator>()) {
    b.setInsertionPointToEnd(&body);
    b.create<gpu::TerminatorOp>(loc);
  }
  b.setInsertionPoint(&body.back());
  return launch;
}

void delinearize(OpBuilder &b, Location loc, Value linear,
                 ArrayRef<unsigned> dims, ArrayRef<int64_t> ranges,
                 SmallVectorImpl<Value> &values) {
  for (unsigned i = dims.size(); i-- > 0;) {
    unsigned d = dims[i];
    if (i == 0) {
      values[d] = linear;
      break;
    }
    Value range = b.create<arith::ConstantIndexOp>(loc, ranges[d]);
    values[d] = b.create<arith::RemUIOp>(loc, linear, range);
    linear = b.create<arith::DivUIOp>(loc, linear, range);
  }
}

SmallVector<Value> indicesAt(OpBuilder &b, Location loc, AffineMap map,
                             ArrayRef<Value> dims) {
  SmallVector<Value> indices;
  for (AffineExpr expr : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
      indices.push_back(dims[dim.getPosition()]);
      continue;
    }
    AffineMap one = AffineMap::get(map.getNumDims(), 0, expr);
    indices.push_back(b.create<affine::AffineApplyOp>(loc, one, dims));
  }
  return indices;
}

} // namespace fulcrum::gpu_kernels
