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
      SmallVector<Value> buffers = {alloc.getResult()};
      bool launched = false;
      for (unsigned i = 0; i < buffers.size(); ++i)
        for (OpOperand &use : buffers[i].getUses()) {
          Operation *user = use.getOwner();
          if (isa<memref::DeallocOp>(user) && i == 0)
            continue;
          if (isa<memref::ReshapeOp, memref::ExpandShapeOp,
                  memref::CollapseShapeOp, memref::CastOp>(user) &&
              use.getOperandNumber() == 0) {
            buffers.push_back(user->getResult(0));
            continue;
          }
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
      llvm::SmallDenseSet<int64_t> written;
      if (auto attr = launch->getAttrOfType<DenseI64ArrayAttr>(
              fulcrum::getWrittenArgsAttrName()))
        written.insert(attr.asArrayRef().begin(), attr.asArrayRef().end());

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
            Value rows = b.create<memref::DimOp>(at, operand, 0);
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
