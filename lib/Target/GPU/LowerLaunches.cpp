//===- LowerLaunches.cpp - fulcrum-gpu-lower-launches ---------------------===//
//
// Part of Fulcrum. gpu.binary + gpu.launch_func -> globals and calls of the
// GPU runtime linked into the artifact (Runtime/{vulkan,cuda}.c).
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/GPU/GPUTarget.h"
#include "fulcrum/Target/GPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"

namespace fulcrum {
#define GEN_PASS_DEF_GPULOWERLAUNCHES
#include "fulcrum/Target/GPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

namespace {

/// Bytes per element of a memref as the host lays it out (i1: a byte).
int64_t elementBytes(Type type) {
  if (type.isIndex())
    return 8;
  return std::max<int64_t>(1, type.getIntOrFloatBitWidth() / 8);
}

/// Whether `use` makes a full view of its operand: a reshape, expand or
/// collapse_shape, or cast (same address and size, so the runtime finds the
/// same device copy through it).
bool isFullView(OpOperand &use) {
  Operation *owner = use.getOwner();
  bool kernelArgument =
      isa<memref::ReinterpretCastOp>(owner) &&
      owner->hasAttr(fulcrum::getKernelArgumentCastAttrName());
  return (kernelArgument ||
          isa<memref::ReshapeOp, memref::ExpandShapeOp, memref::CollapseShapeOp,
              memref::CastOp>(owner)) &&
         use.getOperandNumber() == 0;
}

/// `buffer` and its full views, transitively.
SmallVector<Value> fullViews(Value buffer) {
  SmallVector<Value> views = {buffer};
  for (unsigned i = 0; i < views.size(); ++i)
    for (OpOperand &use : views[i].getUses())
      if (isFullView(use))
        views.push_back(use.getOwner()->getResult(0));
  return views;
}

/// The buffer a full view is of (the value itself when it is none).
Value viewedBuffer(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (def->getNumOperands() == 0 || !isFullView(def->getOpOperand(0)))
      break;
    value = def->getOperand(0);
  }
  return value;
}

/// The kernel operands a launch writes (fulcrum.written_args).
llvm::SmallDenseSet<int64_t> writtenOperands(gpu::LaunchFuncOp launch) {
  llvm::SmallDenseSet<int64_t> written;
  if (auto attr = launch->getAttrOfType<DenseI64ArrayAttr>(
          fulcrum::getWrittenArgsAttrName()))
    written.insert(attr.asArrayRef().begin(), attr.asArrayRef().end());
  return written;
}

/// What may reach the memory of a buffer: the values derived from it (any
/// op that takes one and returns memrefs: views, subviews, casts), and
/// whether that set is complete (the buffer is an allocation, a global or
/// an argument, and no derived value leaves through a region terminator
/// other than the function's return).
struct Aliases {
  llvm::SmallDenseSet<Value> values;
  bool complete = true;
};
Aliases aliasesOf(Value buffer) {
  Aliases result;
  Operation *def = buffer.getDefiningOp();
  result.complete =
      !def || isa<memref::AllocOp, memref::AllocaOp, memref::GetGlobalOp>(def);
  SmallVector<Value> work = {buffer};
  result.values.insert(buffer);
  while (!work.empty()) {
    Value value = work.pop_back_val();
    for (Operation *user : value.getUsers()) {
      // (A function's return hands it to the caller, after every launch;
      // other terminators make aliases of their parents' results.)
      if (user->hasTrait<OpTrait::IsTerminator>() && !isa<func::ReturnOp>(user))
        result.complete = false;
      for (Value derived : user->getResults())
        if (isa<BaseMemRefType>(derived.getType()) &&
            result.values.insert(derived).second)
          work.push_back(derived);
    }
  }
  return result;
}

/// The nearest operation after (`forward`) or before `launch` in its block
/// that uses one of `aliases` (or holds such a use) or, looking back,
/// defines one (the allocation: nothing before it touches the buffer);
/// null if none.
Operation *nearestToucher(gpu::LaunchFuncOp launch, const Aliases &aliases,
                          bool forward) {
  for (Operation *op = forward ? launch->getNextNode() : launch->getPrevNode();
       op; op = forward ? op->getNextNode() : op->getPrevNode()) {
    if (!forward && llvm::any_of(op->getResults(), [&](Value v) {
          return aliases.values.contains(v);
        }))
      return op;
    bool touches = false;
    op->walk([&](Operation *inner) {
      touches |= llvm::any_of(inner->getOperands(), [&](Value v) {
        return aliases.values.contains(v);
      });
    });
    if (touches)
      return op;
  }
  return nullptr;
}

/// Whether `op` is a launch whose operands among `aliases` are all full
/// views of `buffer` (the runtime's same device copy), and, with
/// `mustWrite`, all written by it.
bool launchesWhole(Operation *op, Value buffer, const Aliases &aliases,
                   bool mustWrite) {
  auto launch = dyn_cast_or_null<gpu::LaunchFuncOp>(op);
  if (!launch)
    return false;
  llvm::SmallDenseSet<int64_t> written = writtenOperands(launch);
  for (auto [i, operand] : llvm::enumerate(launch.getKernelOperands())) {
    if (!aliases.values.contains(operand))
      continue;
    if (viewedBuffer(operand) != buffer || (mustWrite && !written.count(i)))
      return false;
  }
  return true;
}

/// Flags 8 and 16 of a launch's buffer operand (see the pass description):
/// 16 when the operation before it in its block that touches the buffer is
/// a launch of the same device copy (which is then as new as the host's,
/// or newer); 8 when it writes the buffer and the next operation that
/// touches it is a launch that writes all its operands of the buffer, each
/// the same device copy. Buffers whose aliases are not all known get none.
int64_t handOffFlags(gpu::LaunchFuncOp launch, unsigned index) {
  Value buffer = viewedBuffer(launch.getKernelOperands()[index]);
  Aliases aliases = aliasesOf(buffer);
  if (!aliases.complete || !launchesWhole(launch, buffer, aliases, false))
    return 0;
  int64_t flags = 0;
  if (launchesWhole(nearestToucher(launch, aliases, /*forward=*/false), buffer,
                    aliases, /*mustWrite=*/false))
    flags |= 16;
  if (writtenOperands(launch).count(index) &&
      launchesWhole(nearestToucher(launch, aliases, /*forward=*/true), buffer,
                    aliases, /*mustWrite=*/true))
    flags |= 8;
  return flags;
}

struct GPULowerLaunchesPass
    : public fulcrum::impl::GPULowerLaunchesBase<GPULowerLaunchesPass> {
  using GPULowerLaunchesBase::GPULowerLaunchesBase;

  /// A private constant i8 global holding `bytes` and a NUL.
  memref::GlobalOp makeBytesGlobal(OpBuilder &builder, Location loc,
                                   SymbolTable &symbols, StringRef name,
                                   StringRef bytes) {
    std::vector<char> data(bytes.begin(), bytes.end());
    data.push_back(0);
    auto type = MemRefType::get({static_cast<int64_t>(data.size())},
                                builder.getI8Type());
    auto tensorType =
        RankedTensorType::get(type.getShape(), builder.getI8Type());
    auto value = DenseElementsAttr::getFromRawBuffer(
        tensorType, ArrayRef<char>(data.data(), data.size()));
    auto global = builder.create<memref::GlobalOp>(
        loc, name, builder.getStringAttr("private"), type, value,
        /*constant=*/true, /*alignment=*/builder.getI64IntegerAttr(16));
    symbols.insert(global);
    return global;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    if (runtime != "vulkan" && runtime != "cuda") {
      module.emitError("unknown GPU runtime '") << runtime << "'";
      return signalPassFailure();
    }
    SymbolTable symbols(module);
    OpBuilder builder(ctx);
    builder.setInsertionPointToStart(module.getBody());
    Location loc = module.getLoc();
    Type i8 = builder.getI8Type(), i64 = builder.getI64Type();
    Type index = builder.getIndexType();
    auto bytesType = MemRefType::get({ShapedType::kDynamic}, i8);
    auto argsType = MemRefType::get({ShapedType::kDynamic, 4}, i64);
    std::string calleeName = "fulcrum_" + runtime + "_launch";
    auto callee = symbols.lookup<func::FuncOp>(calleeName);
    if (!callee) {
      SmallVector<Type> inputs = {bytesType, bytesType};
      inputs.append(6, index);
      inputs.push_back(argsType);
      callee = builder.create<func::FuncOp>(
          loc, calleeName, builder.getFunctionType(inputs, {}));
      callee.setPrivate();
      symbols.insert(callee);
    }

    // Binaries and kernel names become globals.
    llvm::StringMap<memref::GlobalOp> binaries, names;
    for (auto binary :
         llvm::make_early_inc_range(module.getOps<gpu::BinaryOp>())) {
      ArrayAttr objects = binary.getObjectsAttr();
      if (objects.size() != 1) {
        binary.emitError("expected one object in the gpu.binary");
        return signalPassFailure();
      }
      auto object = cast<gpu::ObjectAttr>(objects[0]);
      binaries[binary.getName()] =
          makeBytesGlobal(builder, binary.getLoc(), symbols,
                          ("__fulcrum_gpu_binary_" + binary.getName()).str(),
                          object.getObject().getValue());
      binary.erase();
    }

    // Buffers only kernels use (allocated, launched with, freed) stay on
    // the device: the runtime never copies them, and frees its copy when
    // the model frees the host buffer.
    llvm::DenseSet<Value> resident;
    std::string releaseName = "fulcrum_" + runtime + "_release";
    auto release = symbols.lookup<func::FuncOp>(releaseName);
    module.walk([&](memref::AllocOp alloc) {
      // The buffer and the views of all of it (reshapes, which keep its
      // address and size, so the runtime finds the same device copy) that
      // only launches use.
      SmallVector<Value> buffers = fullViews(alloc.getResult());
      bool launched = false;
      for (auto [i, buffer] : llvm::enumerate(buffers))
        for (OpOperand &use : buffer.getUses()) {
          Operation *user = use.getOwner();
          // (memref.dim reads no element.)
          if ((isa<memref::DeallocOp>(user) && i == 0) || isFullView(use) ||
              isa<memref::DimOp>(user))
            continue;
          // (A memref can only be a kernel operand of a launch.)
          if (!isa<gpu::LaunchFuncOp>(user))
            return;
          launched = true;
        }
      if (!launched)
        return;
      resident.insert(buffers.begin(), buffers.end());
      if (!release) {
        OpBuilder::InsertionGuard guard(builder);
        builder.setInsertionPointToStart(module.getBody());
        release = builder.create<func::FuncOp>(
            loc, releaseName, builder.getFunctionType({i64}, {}));
        release.setPrivate();
        symbols.insert(release);
      }
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
        if (auto dealloc = dyn_cast<memref::DeallocOp>(user)) {
          OpBuilder b(dealloc);
          Value pointer = b.create<memref::ExtractAlignedPointerAsIndexOp>(
              dealloc.getLoc(), alloc.getResult());
          b.create<func::CallOp>(dealloc.getLoc(), release,
                                 ValueRange{b.create<arith::IndexCastOp>(
                                     dealloc.getLoc(), i64, pointer)});
        }
    });

    SmallVector<gpu::LaunchFuncOp> launches;
    module.walk([&](gpu::LaunchFuncOp launch) { launches.push_back(launch); });

    // Buffers handed from launch to launch on the device (found before any
    // launch is lowered: the lowering adds host uses of its operands).
    llvm::DenseMap<std::pair<Operation *, unsigned>, int64_t> handOffs;
    for (gpu::LaunchFuncOp launch : launches)
      for (auto [i, operand] : llvm::enumerate(launch.getKernelOperands()))
        if (isa<MemRefType>(operand.getType()) && !resident.contains(operand))
          handOffs[{launch, unsigned(i)}] = handOffFlags(launch, i);

    for (gpu::LaunchFuncOp launch : launches) {
      StringRef moduleName = launch.getKernelModuleName().getValue();
      StringRef kernelName = launch.getKernelName().getValue();
      auto binary = binaries.find(moduleName);
      if (binary == binaries.end()) {
        launch.emitError("no gpu.binary @") << moduleName << " to launch from";
        return signalPassFailure();
      }
      if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty() ||
          launch.getDynamicSharedMemorySize() || launch.hasClusterSize()) {
        launch.emitError("asynchronous launches, clusters and dynamic "
                         "shared memory are not supported");
        return signalPassFailure();
      }
      std::string nameKey = (moduleName + "::" + kernelName).str();
      if (!names.count(nameKey)) {
        OpBuilder::InsertionGuard guard(builder);
        builder.setInsertionPointToStart(module.getBody());
        names[nameKey] = makeBytesGlobal(
            builder, launch.getLoc(), symbols,
            ("__fulcrum_gpu_kernel_" + moduleName + "_" + kernelName).str(),
            kernelName);
      }
      llvm::SmallDenseSet<int64_t> written = writtenOperands(launch);

      OpBuilder b(launch);
      Location at = launch.getLoc();
      auto bytesOf = [&](memref::GlobalOp global) -> Value {
        Value value = b.create<memref::GetGlobalOp>(at, global.getType(),
                                                    global.getSymName());
        return b.create<memref::CastOp>(at, bytesType, value);
      };
      Value binaryBytes = bytesOf(binary->second);
      Value nameBytes = bytesOf(names[nameKey]);
      ValueRange operands = launch.getKernelOperands();
      int64_t rows = operands.size();
      Value args =
          b.create<memref::AllocaOp>(at, MemRefType::get({rows, 4}, i64));
      auto constI64 = [&](int64_t v) -> Value {
        return b.create<arith::ConstantIntOp>(at, v, 64);
      };
      auto constIndex = [&](int64_t v) -> Value {
        return b.create<arith::ConstantIndexOp>(at, v);
      };
      auto store = [&](int64_t row, int64_t col, Value v) {
        b.create<memref::StoreOp>(at, v, args,
                                  ValueRange{constIndex(row), constIndex(col)});
      };
      for (auto [i, operand] : llvm::enumerate(operands)) {
        Type type = operand.getType();
        // A kernel argument's static view (its type has a first dimension
        // of 1) stands for its source: the extent is the source's.
        Value whole = operand;
        if (auto view = operand.getDefiningOp<memref::ReinterpretCastOp>())
          if (view->hasAttr(fulcrum::getKernelArgumentCastAttrName())) {
            whole = view.getSource();
            type = whole.getType();
          }
        if (auto memref = dyn_cast<MemRefType>(type)) {
          bool staticStrides = memref.getRank() == 0 ||
                               llvm::none_of(memref.getShape().drop_front(),
                                             ShapedType::isDynamic);
          if (!staticStrides || !memref.getLayout().isIdentity()) {
            launch.emitError("kernel argument ")
                << i
                << " is not a memref with the identity layout and static "
                   "strides";
            return signalPassFailure();
          }
          Value pointer =
              b.create<memref::ExtractAlignedPointerAsIndexOp>(at, operand);
          int64_t flags = written.count(i) ? 1 : 0;
          if (resident.contains(operand))
            flags |= 4;
          flags |= handOffs.lookup({launch, unsigned(i)});
          if (auto get = operand.getDefiningOp<memref::GetGlobalOp>())
            if (auto global = symbols.lookup<memref::GlobalOp>(get.getName()))
              if (global.getConstant())
                flags |= 2;
          store(i, 0, constI64(0));
          store(i, 1, b.create<arith::IndexCastOp>(at, i64, pointer));
          int64_t rowBytes = elementBytes(memref.getElementType());
          for (int64_t d :
               memref.getShape().drop_front(memref.getRank() > 0 ? 1 : 0))
            rowBytes *= d;
          Value extent;
          if (memref.hasStaticShape()) {
            extent = constI64(memref.getNumElements() *
                              elementBytes(memref.getElementType()));
          } else {
            Value rows = b.create<memref::DimOp>(at, whole, 0);
            extent = b.create<arith::MulIOp>(
                at, b.create<arith::IndexCastOp>(at, i64, rows),
                constI64(rowBytes));
          }
          store(i, 2, extent);
          store(i, 3, constI64(flags));
          continue;
        }
        Value bits;
        int64_t width;
        if (type.isIndex()) {
          bits = b.create<arith::IndexCastOp>(at, i64, operand);
          width = indexBytes;
        } else if (auto intType = dyn_cast<IntegerType>(type)) {
          width = std::max<int64_t>(1, intType.getWidth() / 8);
          bits = intType.getWidth() == 64
                     ? operand
                     : b.create<arith::ExtUIOp>(at, i64, operand).getResult();
        } else if (auto floatType = dyn_cast<FloatType>(type)) {
          width = floatType.getWidth() / 8;
          Value asInt = b.create<arith::BitcastOp>(
              at, b.getIntegerType(floatType.getWidth()), operand);
          bits = floatType.getWidth() == 64
                     ? asInt
                     : b.create<arith::ExtUIOp>(at, i64, asInt).getResult();
        } else {
          launch.emitError("kernel argument ")
              << i << " of type " << type << " cannot be passed";
          return signalPassFailure();
        }
        store(i, 0, constI64(1));
        store(i, 1, bits);
        store(i, 2, constI64(width));
        store(i, 3, constI64(0));
      }
      gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
      gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
      SmallVector<Value> callArgs = {
          binaryBytes, nameBytes, grid.x,
          grid.y,      grid.z,    block.x,
          block.y,     block.z,   b.create<memref::CastOp>(at, argsType, args)};
      b.create<func::CallOp>(at, callee, callArgs);
      launch.erase();
    }
    for (auto gpuModule :
         llvm::make_early_inc_range(module.getOps<gpu::GPUModuleOp>()))
      gpuModule.erase();
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  }
};
} // namespace
