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
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

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

std::optional<ArrayRef<float>> readConstantFloats(memref::GlobalOp global,
                                                  std::vector<float> &storage) {
  auto init = dyn_cast_or_null<ElementsAttr>(global.getInitialValueAttr());
  if (!global.getConstant() || !init || !init.getElementType().isF32())
    return std::nullopt;
  int64_t count = init.getNumElements();
  ArrayRef<char> bytes;
  if (auto dense = dyn_cast<DenseElementsAttr>(init)) {
    if (dense.isSplat()) {
      storage.assign(count, dense.getSplatValue<float>());
      return ArrayRef<float>(storage);
    }
    bytes = dense.getRawData();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(init)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    bytes = blob->getData();
  } else {
    return std::nullopt;
  }
  if (static_cast<int64_t>(bytes.size()) != count * 4)
    return std::nullopt;
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(float) == 0)
    return ArrayRef<float>(reinterpret_cast<const float *>(bytes.data()),
                           count);
  storage.resize(count);
  std::memcpy(storage.data(), bytes.data(), bytes.size());
  return ArrayRef<float>(storage);
}

memref::GlobalOp getConstantGlobal(Value value, SymbolTable &symbols) {
  auto get = value.getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return nullptr;
  auto global = symbols.lookup<memref::GlobalOp>(get.getName());
  return global && global.getConstant() ? global : nullptr;
}

AsmResourceBlob allocateFloatBlob(int64_t count) {
  AsmResourceBlob blob = HeapAsmResourceBlob::allocate(count * 4, 64);
  std::memset(blob.getMutableData().data(), 0, count * 4);
  return blob;
}

memref::GlobalOp createConstantGlobal(memref::GlobalOp near, StringRef name,
                                      AsmResourceBlob blob,
                                      ArrayRef<int64_t> shape,
                                      SymbolTable &symbols) {
  auto tensorType =
      RankedTensorType::get(shape, Float32Type::get(near.getContext()));
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

/// The buffer `value` is a view of (through subviews, casts, reshapes).
Value getRootBuffer(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>())
    value = view.getViewSource();
  return value;
}

/// Whether `op` may touch memory that `buffer` (a root buffer) holds: it has
/// write (and, with `reads`, read) effects on anything but (views of) other
/// allocations.
static bool mayTouch(Operation *op, Value buffer, bool reads) {
  if (isa<memref::AllocOp, memref::AllocaOp>(op) || isMemoryEffectFree(op))
    return false;
  // A fresh allocation aliases nothing else; other memory may alias any
  // memory that is not a fresh allocation.
  bool fresh = buffer.getDefiningOp<memref::AllocOp>() != nullptr;
  auto aliases = [&](Value root) {
    return root == buffer || (!fresh && !root.getDefiningOp<memref::AllocOp>());
  };
  // Kernel calls made earlier say what they write, not what they read.
  if (auto written = fulcrum::getKernelWrittenBuffers(op))
    return reads || llvm::any_of(*written, [&](Value target) {
             return aliases(getRootBuffer(target));
           });
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects)
    return true;
  SmallVector<MemoryEffects::EffectInstance> instances;
  effects.getEffects(instances);
  for (const MemoryEffects::EffectInstance &effect : instances) {
    if (!isa<MemoryEffects::Write, MemoryEffects::Free>(effect.getEffect()) &&
        !(reads && isa<MemoryEffects::Read>(effect.getEffect())))
      continue;
    Value target = effect.getValue();
    if (!target)
      return true;
    if (aliases(getRootBuffer(target)))
      return true;
  }
  return false;
}

bool mayWrite(Operation *op, Value buffer) {
  return mayTouch(op, buffer, /*reads=*/false);
}

bool mayAccess(Operation *op, Value buffer) {
  return mayTouch(op, buffer, /*reads=*/true);
}

void eraseIfOnlyDeallocated(Operation *alloc) {
  if (!llvm::all_of(alloc->getUsers(), [](Operation *user) {
        return isa<memref::DeallocOp>(user);
      }))
    return;
  for (Operation *user : llvm::to_vector(alloc->getUsers()))
    user->erase();
  alloc->erase();
}

bool isRowMajor(MemRefType type, bool dynamicBatch) {
  if (!type || !type.getLayout().isIdentity())
    return false;
  for (int64_t d = dynamicBatch ? 1 : 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      return false;
  return true;
}

bool isRowMajorF32(MemRefType type, bool dynamicBatch) {
  return isRowMajor(type, dynamicBatch) && type.getElementType().isF32();
}

bool isConstantFill(Operation *op, Value buffer,
                    function_ref<bool(Value)> isPadValue) {
  if (auto fill = dyn_cast<linalg::FillOp>(op))
    return fill.getDpsInits()[0] == buffer &&
           isPadValue(fill.getDpsInputs()[0]);
  if (auto map = dyn_cast<linalg::MapOp>(op)) {
    if (map.getInit() != buffer || !map.getInputs().empty())
      return false;
    auto yield = cast<linalg::YieldOp>(map.getMapper().front().getTerminator());
    return yield.getNumOperands() == 1 && isPadValue(yield.getOperand(0));
  }
  return false;
}

std::optional<Padding> matchPadding(Operation *conv, Value x, int64_t heightDim,
                                    function_ref<bool(Value)> isPadValue) {
  auto alloc = x.getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc->getBlock() != conv->getBlock())
    return std::nullopt;
  Operation *fill = nullptr;
  memref::SubViewOp subview;
  SmallVector<Operation *> deallocs;
  for (Operation *user : alloc->getUsers()) {
    if (user == conv)
      continue;
    if (isa<memref::DeallocOp>(user)) {
      deallocs.push_back(user);
    } else if (!fill && isConstantFill(user, x, isPadValue)) {
      fill = user;
    } else if (auto view = dyn_cast<memref::SubViewOp>(user);
               view && !subview && view.getSource() == x) {
      subview = view;
    } else {
      return std::nullopt;
    }
  }
  if (!fill || !subview || !subview->hasOneUse())
    return std::nullopt;
  auto copy = dyn_cast<memref::CopyOp>(*subview->getUsers().begin());
  if (!copy || copy.getTarget() != subview.getResult() ||
      fill->getBlock() != conv->getBlock() ||
      copy->getBlock() != conv->getBlock() || !fill->isBeforeInBlock(copy) ||
      !copy->isBeforeInBlock(conv))
    return std::nullopt;
  Padding padding;
  padding.source = copy.getSource();
  padding.sourceType = dyn_cast<MemRefType>(padding.source.getType());
  if (!padding.sourceType || padding.sourceType.getRank() != 4 ||
      !padding.sourceType.getLayout().isIdentity() ||
      llvm::any_of(padding.sourceType.getShape().drop_front(),
                   ShapedType::isDynamic))
    return std::nullopt;
  // Unit strides, offsets only in the spatial dimensions, and the whole
  // source copied.
  ArrayRef<int64_t> offsets = subview.getStaticOffsets();
  if (!llvm::all_of(subview.getStaticStrides(),
                    [](int64_t s) { return s == 1; }) ||
      offsets.size() != 4)
    return std::nullopt;
  for (int64_t d = 0; d < 4; ++d)
    if (d == heightDim || d == heightDim + 1 ? ShapedType::isDynamic(offsets[d])
                                             : offsets[d] != 0)
      return std::nullopt;
  auto paddedType = cast<MemRefType>(x.getType());
  for (int64_t d = 1; d < 4; ++d)
    if (subview.getStaticSizes()[d] != padding.sourceType.getDimSize(d) ||
        paddedType.getDimSize(d) < padding.sourceType.getDimSize(d) ||
        (d != heightDim && d != heightDim + 1 &&
         paddedType.getDimSize(d) != padding.sourceType.getDimSize(d)))
      return std::nullopt;
  // Nothing may change the source between the copy and the convolution.
  Value sourceRoot = getRootBuffer(padding.source);
  for (Operation *op = copy->getNextNode(); op != conv; op = op->getNextNode())
    if (mayWrite(op, sourceRoot))
      return std::nullopt;
  padding.top = offsets[heightDim];
  padding.left = offsets[heightDim + 1];
  padding.ops = {copy, subview, fill};
  llvm::append_range(padding.ops, deallocs);
  padding.ops.push_back(alloc);
  return padding;
}

} // namespace fulcrum
