//===- KernelCalls.cpp - Calling the CPU kernels from memref code ---------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "KernelCalls.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include <cstring>

using namespace mlir;

namespace fulcrum {

Value KernelCallBuilder::constant(int64_t value) {
  Value &c = constants[value];
  if (!c)
    c = b.create<arith::ConstantIntOp>(loc, value, 64);
  return c;
}

Value KernelCallBuilder::toI64(Value index) {
  return b.create<arith::IndexCastOp>(loc, b.getI64Type(), index);
}

Value KernelCallBuilder::dim(Value memref, int64_t d) {
  return toI64(b.create<memref::DimOp>(loc, memref, d));
}

KernelCallBuilder::Address KernelCallBuilder::address(Value memref) {
  auto meta = b.create<memref::ExtractStridedMetadataOp>(loc, memref);
  Value base = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, memref);
  unsigned bytes =
      cast<MemRefType>(memref.getType()).getElementTypeBitWidth() / 8;
  Value offset = b.create<arith::MulIOp>(
      loc, meta.getOffset(), b.create<arith::ConstantIndexOp>(loc, bytes));
  Address result;
  result.at = toI64(b.create<arith::AddIOp>(loc, base, offset));
  for (Value stride : meta.getStrides())
    result.strides.push_back(toI64(stride));
  return result;
}

func::FuncOp declareKernel(ModuleOp module, SymbolTable &symbols,
                           StringRef name, unsigned arity) {
  if (auto existing = symbols.lookup<func::FuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto func = b.create<func::FuncOp>(
      module.getLoc(), name,
      b.getFunctionType(SmallVector<Type>(arity, b.getI64Type()), {}));
  func.setPrivate();
  symbols.insert(func);
  return func;
}

std::optional<GemmKernel> lookupKernel(ModuleOp module, StringRef isa) {
  auto kernel = getGemmKernel(isa);
  if (!kernel)
    module.emitError("unknown kernel ISA '")
        << isa << "' (avx512, avx2, generic)";
  return kernel;
}

linalg::FillOp getZeroFillBefore(Operation *op, Value out) {
  auto fill = dyn_cast_or_null<linalg::FillOp>(op->getPrevNode());
  if (fill && fill.getDpsInits()[0] == out &&
      matchPattern(fill.getDpsInputs()[0], m_AnyZeroFloat()))
    return fill;
  return nullptr;
}

static constexpr llvm::StringLiteral kWritesAttr = "fulcrum.writes";

void setKernelWrites(func::CallOp call, ArrayRef<int64_t> operands) {
  call->setAttr(kWritesAttr,
                DenseI64ArrayAttr::get(call.getContext(), operands));
}

std::optional<SmallVector<Value>> getKernelWrittenBuffers(Operation *op) {
  auto call = dyn_cast<func::CallOp>(op);
  auto writes =
      call ? call->getAttrOfType<DenseI64ArrayAttr>(kWritesAttr) : nullptr;
  if (!writes)
    return std::nullopt;
  SmallVector<Value> buffers;
  SmallVector<Value> worklist;
  for (int64_t index : writes.asArrayRef()) {
    if (index < 0 || index >= static_cast<int64_t>(call->getNumOperands()))
      return std::nullopt;
    worklist.push_back(call->getOperand(index));
  }
  // Addresses are integer arithmetic on a memref's aligned pointer and the
  // offset from its strided metadata.
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    Operation *def = value.getDefiningOp();
    if (!def)
      return std::nullopt;
    if (auto pointer = dyn_cast<memref::ExtractAlignedPointerAsIndexOp>(def))
      buffers.push_back(pointer.getSource());
    else if (isa<memref::ExtractStridedMetadataOp, arith::ConstantOp>(def))
      continue;
    else if (isa<arith::AddIOp, arith::MulIOp, arith::IndexCastOp>(def))
      llvm::append_range(worklist, def->getOperands());
    else
      return std::nullopt;
  }
  return buffers;
}

std::optional<std::vector<float>> readConstantFloats(memref::GlobalOp global) {
  auto init = dyn_cast_or_null<ElementsAttr>(global.getInitialValueAttr());
  if (!global.getConstant() || !init || !init.getElementType().isF32())
    return std::nullopt;
  int64_t count = init.getNumElements();
  if (auto dense = dyn_cast<DenseElementsAttr>(init)) {
    auto values = dense.getValues<float>();
    return std::vector<float>(values.begin(), values.end());
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(init)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    ArrayRef<char> bytes = blob->getData();
    if (static_cast<int64_t>(bytes.size()) != count * 4)
      return std::nullopt;
    std::vector<float> values(count);
    std::memcpy(values.data(), bytes.data(), bytes.size());
    return values;
  }
  return std::nullopt;
}

memref::GlobalOp getConstantGlobal(Value value, SymbolTable &symbols) {
  auto get = value.getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return nullptr;
  auto global = symbols.lookup<memref::GlobalOp>(get.getName());
  return global && global.getConstant() ? global : nullptr;
}

memref::GlobalOp createConstantGlobal(memref::GlobalOp near, StringRef name,
                                      ArrayRef<float> values,
                                      ArrayRef<int64_t> shape,
                                      SymbolTable &symbols) {
  auto tensorType =
      RankedTensorType::get(shape, Float32Type::get(near.getContext()));
  auto blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(values);
  auto attr = DenseResourceElementsAttr::get(tensorType, name, std::move(blob));
  OpBuilder b(near);
  auto global = b.create<memref::GlobalOp>(
      near.getLoc(), name, b.getStringAttr("private"),
      MemRefType::get(shape, tensorType.getElementType()), attr,
      /*constant=*/true, b.getI64IntegerAttr(64));
  symbols.insert(global);
  return global;
}

bool hasContiguousRows(MemRefType type, int64_t rank) {
  if (type.getRank() != rank)
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(getStridesAndOffset(type, strides, offset)))
    return false;
  return strides.back() == 1;
}

void peelClamp(Value &result, Clamp &clamp) {
  bool sawMax = false, sawMin = false;
  for (;;) {
    Operation *op = result.getDefiningOp();
    if (!op)
      return;
    bool isMax = isa<arith::MaximumFOp>(op), isMin = isa<arith::MinimumFOp>(op);
    if ((!isMax || sawMax) && (!isMin || sawMin))
      return;
    FloatAttr bound;
    Value inner = op->getOperand(0);
    if (!matchPattern(op->getOperand(1), m_Constant(&bound))) {
      inner = op->getOperand(1);
      if (!matchPattern(op->getOperand(0), m_Constant(&bound)))
        return;
    }
    (isMax ? clamp.lo : clamp.hi) =
        static_cast<float>(bound.getValueAsDouble());
    (isMax ? sawMax : sawMin) = true;
    clamp.any = true;
    result = inner;
  }
}

int64_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

} // namespace fulcrum
