//===- ConvToKernel.cpp - fulcrum-cpu-conv-to-kernel ----------------------===//
//
// Part of Fulcrum. fp32 NCHW convolutions on memrefs become calls of the
// im2col + GEMM and depthwise kernels in Kernels/gemm.c, which also take
// over the zero padding of their input, the per-channel bias their output
// starts from, and the element-wise epilogue that follows (a residual add
// and a clamp: ReLU, ReLU6, Clip).
//
//===----------------------------------------------------------------------===//

#include "KernelCalls.h"

#include "fulcrum/Cost/Work.h"
#include "fulcrum/Support/PassStatistic.h"
#include "fulcrum/Target/CPU/Kernels.h"
#include "fulcrum/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace fulcrum {
#define GEN_PASS_DEF_CPUCONVTOKERNEL
#include "fulcrum/Target/CPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

static fulcrum::PassCounter
    depthwiseCount("fulcrum-cpu-conv-to-kernel",
                   "Depthwise convolutions run on kernels");
static fulcrum::PassCounter convCount("fulcrum-cpu-conv-to-kernel",
                                      "Convolutions run on kernels");
static fulcrum::PassCounter
    winogradCount("fulcrum-cpu-conv-to-kernel",
                  "Convolutions run as Winograd F(2x2, 3x3)");
static fulcrum::PassCounter paddingCount("fulcrum-cpu-conv-to-kernel",
                                         "Zero paddings applied by kernels");
static fulcrum::PassCounter biasCount("fulcrum-cpu-conv-to-kernel",
                                      "Bias broadcasts applied by kernels");
static fulcrum::PassCounter
    epilogueCount("fulcrum-cpu-conv-to-kernel",
                  "Element-wise epilogues applied by kernels");

namespace {

/// A 2-D NCHW convolution's operands when the kernels can take them: f32,
/// row-major, static except the batch.
struct ConvOperands {
  Value x, w, y;
  MemRefType xType, wType, yType;
  SmallVector<int64_t> strides, dilations;
};

template <typename ConvOp>
std::optional<ConvOperands> matchConvOperands(ConvOp op) {
  if (!op.hasPureBufferSemantics())
    return std::nullopt;
  ConvOperands conv;
  conv.x = op.getDpsInputs()[0];
  conv.w = op.getDpsInputs()[1];
  conv.y = op.getDpsInits()[0];
  conv.xType = dyn_cast<MemRefType>(conv.x.getType());
  conv.wType = dyn_cast<MemRefType>(conv.w.getType());
  conv.yType = dyn_cast<MemRefType>(conv.y.getType());
  if (!fulcrum::isRowMajorF32(conv.xType, true) ||
      !fulcrum::isRowMajorF32(conv.wType, false) ||
      !fulcrum::isRowMajorF32(conv.yType, true))
    return std::nullopt;
  conv.strides = llvm::to_vector(op.getStrides().template getValues<int64_t>());
  conv.dilations =
      llvm::to_vector(op.getDilations().template getValues<int64_t>());
  return conv;
}

/// What the output starts from: the bias broadcast per channel into it, or
/// zeros, right before the convolution with nothing reading it between.
/// Otherwise the kernel accumulates into the output. When the broadcast
/// result is shared (bufferization then copies it into the output), the
/// copy is the initial op and the broadcast stays for its other readers.
struct Initial {
  Operation *op = nullptr;          // the broadcast, fill or copy
  Value bias;                       // null: zeros
  SmallVector<Operation *> readers; // read what `op` wrote before the conv
  bool keep = false;                // because of them, `op` stays
};

/// The per-channel bias `broadcast` spreads, when it is one; the channels
/// are dimension 1 (NCHW) or 3 (NHWC).
Value getChannelBias(linalg::BroadcastOp broadcast, int64_t f, bool nhwc) {
  if (broadcast.getDimensions() !=
      (nhwc ? ArrayRef<int64_t>{0, 1, 2} : ArrayRef<int64_t>{0, 2, 3}))
    return nullptr;
  Value bias = broadcast.getInput();
  auto type = dyn_cast<MemRefType>(bias.getType());
  if (!type || type.getRank() != 1 || !fulcrum::isRowMajorF32(type, false) ||
      type.getDimSize(0) != f)
    return nullptr;
  return bias;
}

/// Whether `op` writes `buffer` itself.
bool writesTo(Operation *op, Value buffer) {
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects)
    return true;
  SmallVector<MemoryEffects::EffectInstance> instances;
  effects.getEffects(instances);
  return llvm::any_of(instances, [&](const MemoryEffects::EffectInstance &e) {
    return isa<MemoryEffects::Write>(e.getEffect()) && e.getValue() == buffer;
  });
}

/// The last op before `op` in its block that writes `buffer`, when nothing
/// between may write it through another value; `readers` gets the ops
/// between that read it.
Operation *getLastWriter(Operation *op, Value buffer,
                         SmallVectorImpl<Operation *> &readers) {
  Value root = fulcrum::getRootBuffer(buffer);
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    if (llvm::is_contained(prev->getOperands(), buffer)) {
      if (writesTo(prev, buffer))
        return prev;
      if (isa<ViewLikeOpInterface>(prev))
        return nullptr; // a view may be written later
      readers.push_back(prev);
      continue;
    }
    if (fulcrum::mayWrite(prev, root))
      return nullptr;
  }
  return nullptr;
}

std::optional<Initial> matchInitial(Operation *conv, Value y, int64_t f,
                                    bool nhwc) {
  SmallVector<Operation *> readers;
  Operation *op = getLastWriter(conv, y, readers);
  if (!op)
    return std::nullopt;
  Initial initial{op, Value(), readers, !readers.empty()};
  if (auto fill = dyn_cast<linalg::FillOp>(op)) {
    if (!fulcrum::isConstantFill(
            op, y, [](Value v) { return matchPattern(v, m_AnyZeroFloat()); }))
      return std::nullopt;
  } else if (auto broadcast = dyn_cast<linalg::BroadcastOp>(op)) {
    if (broadcast.getInit() != y ||
        !(initial.bias = getChannelBias(broadcast, f, nhwc)))
      return std::nullopt;
  } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
    // The copied buffer must hold the broadcast still.
    SmallVector<Operation *> sourceReaders;
    auto shared = dyn_cast_or_null<linalg::BroadcastOp>(
        getLastWriter(copy, copy.getSource(), sourceReaders));
    if (copy.getTarget() != y || !shared ||
        shared.getInit() != copy.getSource() ||
        !(initial.bias = getChannelBias(shared, f, nhwc)))
      return std::nullopt;
  } else {
    return std::nullopt;
  }
  return initial;
}

/// The element-wise op that reads the convolution's output next and that
/// the kernel applies while storing it: `out = clamp(y [+ residual], lo,
/// hi)` with identity maps, the clamp a maximumf and/or minimumf by
/// constants.
struct Epilogue {
  linalg::GenericOp op;
  Value output, residual; // residual: null when none
  /// The residual is the output buffer: the kernel accumulates into it.
  bool inPlace = false;
  fulcrum::Clamp clamp;
};

/// `reads` are the root buffers the convolution reads: the call moves to
/// the epilogue's place, so nothing between may write them.
std::optional<Epilogue> matchEpilogue(Operation *conv, Value y,
                                      bool allowResidual,
                                      const Initial &initial,
                                      ArrayRef<Value> reads) {
  // The call replaces the epilogue where it is, so what it writes (the
  // epilogue's output) sees the same order of accesses as before.
  Operation *user = nullptr;
  for (Operation *op = conv->getNextNode(); op; op = op->getNextNode()) {
    if (llvm::is_contained(op->getOperands(), y)) {
      user = op;
      break;
    }
    if (op->hasTrait<OpTrait::IsTerminator>() ||
        llvm::any_of(reads,
                     [&](Value root) { return fulcrum::mayWrite(op, root); }))
      return std::nullopt;
  }
  auto generic = dyn_cast_or_null<linalg::GenericOp>(user);
  if (!generic || !generic.hasPureBufferSemantics() ||
      generic.getNumDpsInits() != 1 || generic.getNumDpsInputs() < 1 ||
      generic.getNumDpsInputs() > (allowResidual ? 2 : 1) ||
      generic.getNumLoops() != 4 || generic.getNumParallelLoops() != 4 ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }))
    return std::nullopt;
  auto inputs = generic.getDpsInputs();
  int64_t yIndex = inputs[0] == y ? 0 : 1;
  if (inputs[yIndex] != y)
    return std::nullopt;
  Epilogue epilogue;
  epilogue.op = generic;
  epilogue.output = generic.getDpsInits()[0];
  if (inputs.size() == 2) {
    epilogue.residual = inputs[1 - yIndex];
    epilogue.inPlace = epilogue.residual == epilogue.output;
    if (epilogue.residual == y || epilogue.residual.getType() != y.getType())
      return std::nullopt;
  }
  if (epilogue.output.getType() != y.getType() ||
      (epilogue.output != y &&
       !epilogue.output.getDefiningOp<memref::AllocOp>()))
    return std::nullopt;
  // The body: [addf(y, residual)] then the clamp, nothing else.
  Block &body = generic.getRegion().front();
  Value result = cast<linalg::YieldOp>(body.getTerminator()).getOperand(0);
  fulcrum::peelClamp(result, epilogue.clamp);
  Value yArg = body.getArgument(yIndex);
  size_t expected = 1 + epilogue.clamp.ops();
  if (epilogue.residual) {
    auto add = result.getDefiningOp<arith::AddFOp>();
    Value rArg = body.getArgument(1 - yIndex);
    if (!add || !((add.getLhs() == yArg && add.getRhs() == rArg) ||
                  (add.getLhs() == rArg && add.getRhs() == yArg)))
      return std::nullopt;
    ++expected;
  } else if (result != yArg) {
    return std::nullopt;
  }
  if (body.getOperations().size() != expected ||
      epilogue.clamp.lo > epilogue.clamp.hi ||
      (!epilogue.clamp.any && !epilogue.residual))
    return std::nullopt;
  // Nothing else reads the convolution's output: its other users are the
  // initial op, free it, or (when the epilogue writes in place) read the
  // epilogue's result after it.
  for (Operation *other : y.getUsers()) {
    if (other == conv || other == generic || other == initial.op ||
        llvm::is_contained(initial.readers, other) ||
        isa<memref::DeallocOp>(other))
      continue;
    if (epilogue.output == y && other->getBlock() == generic->getBlock() &&
        generic->isBeforeInBlock(other))
      continue;
    return std::nullopt;
  }
  return epilogue;
}

struct CPUConvToKernelPass
    : public fulcrum::impl::CPUConvToKernelBase<CPUConvToKernelPass> {
  using CPUConvToKernelBase::CPUConvToKernelBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto kernel = fulcrum::lookupKernel(module, kernelIsa);
    if (!kernel)
      return signalPassFailure();
    SymbolTable symbols(module);
    SmallVector<Operation *> convs;
    module.walk([&](Operation *op) {
      if (isa<linalg::Conv2DNchwFchwOp, linalg::DepthwiseConv2DNchwChwOp,
              linalg::Conv2DNhwcFhwcOp, linalg::DepthwiseConv2DNhwcHwcOp>(op))
        convs.push_back(op);
    });
    for (Operation *op : convs)
      rewrite(op, *kernel, symbols);
    for (memref::AllocOp alloc : deadFilters)
      if (alloc->use_empty())
        alloc->erase();
    eraseUnreadBuffers(module);
    eraseUnusedGlobals(module, symbols);
  }

  /// Filters packed into new globals leave their originals unread.
  static void eraseUnusedGlobals(ModuleOp module, SymbolTable &symbols) {
    module.walk([](memref::GetGlobalOp get) {
      if (get->use_empty())
        get->erase();
    });
    for (auto global :
         llvm::make_early_inc_range(module.getOps<memref::GlobalOp>()))
      if (global.isPrivate() &&
          SymbolTable::symbolKnownUseEmpty(global, module))
        symbols.erase(global);
  }

  SmallVector<memref::AllocOp> deadFilters;

  /// Buffers left with nothing but writers that only fill them
  /// (broadcasts whose copies the kernels replaced) and deallocs.
  static void eraseUnreadBuffers(ModuleOp module) {
    SmallVector<memref::AllocOp> allocs;
    module.walk([&](memref::AllocOp alloc) { allocs.push_back(alloc); });
    for (memref::AllocOp alloc : allocs) {
      bool unread = llvm::all_of(alloc->getUsers(), [&](Operation *user) {
        if (isa<memref::DeallocOp>(user))
          return true;
        auto broadcast = dyn_cast<linalg::BroadcastOp>(user);
        return broadcast && broadcast.getInit() == alloc.getResult();
      });
      if (!unread || alloc->use_empty())
        continue;
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
        user->erase();
      alloc->erase();
    }
  }

  /// A channels-last filter: FHWC written by a transpose of a constant
  /// FCHW global right before, packed here into the GEMM's B panels. The
  /// transpose (and its buffer, when nothing else reads it) goes.
  memref::GlobalOp packNHWCFilter(Operation *conv, Value w,
                                  const fulcrum::GemmKernel &kernel,
                                  bool winograd, SymbolTable &symbols) {
    SmallVector<Operation *> readers;
    auto transpose =
        dyn_cast_or_null<linalg::TransposeOp>(getLastWriter(conv, w, readers));
    if (!transpose || !readers.empty() || transpose.getInit() != w ||
        transpose.getPermutation() != ArrayRef<int64_t>{0, 2, 3, 1})
      return nullptr;
    memref::GlobalOp source =
        fulcrum::getConstantGlobal(transpose.getInput(), symbols);
    if (!source)
      return nullptr;
    auto type = cast<MemRefType>(source.getType());
    int64_t f = type.getDimSize(0), c = type.getDimSize(1),
            kh = type.getDimSize(2), kw = type.getDimSize(3), k = kh * kw * c;
    std::string name = (source.getSymName() +
                        (winograd ? "_winograd_packed" : "_nhwc_packed") +
                        std::to_string(kernel.nr))
                           .str();
    memref::GlobalOp packed = symbols.lookup<memref::GlobalOp>(name);
    if (!packed) {
      std::vector<float> storage;
      auto values = fulcrum::readConstantFloats(source, storage);
      if (!values)
        return nullptr;
      int64_t panels = (f + kernel.nr - 1) / kernel.nr;
      AsmResourceBlob blob;
      SmallVector<int64_t> shape;
      if (winograd) {
        // One C x F matrix of panels per position of the 4x4 block.
        blob = fulcrum::allocateFloatBlob(
            fulcrum::getWinogradPackedSize(f, c, kernel.nr));
        fulcrum::packWinogradWeights(*values, f, c, kernel.nr,
                                     fulcrum::getFloats(blob));
        shape = {16 * panels, c, kernel.nr};
      } else {
        // FCHW -> FHWC, rows of K = (kh, kw, c), then panels.
        std::vector<float> fhwc(values->size());
        for (int64_t o = 0; o < f; ++o)
          for (int64_t i = 0; i < c; ++i)
            for (int64_t y = 0; y < kh; ++y)
              for (int64_t x = 0; x < kw; ++x)
                fhwc[o * k + (y * kw + x) * c + i] =
                    (*values)[((o * c + i) * kh + y) * kw + x];
        blob = fulcrum::allocateFloatBlob(
            fulcrum::getPackedGemmSize(k, f, kernel.nr));
        fulcrum::packGemmWeights(fhwc, k, f, /*transposed=*/true, kernel.nr,
                                 fulcrum::getFloats(blob));
        shape = {panels, k, kernel.nr};
      }
      packed = fulcrum::createConstantGlobal(source, name, std::move(blob),
                                             shape, symbols);
      ++numPacked;
    }
    dropFilterTranspose(conv, w, transpose);
    return packed;
  }

  /// The transpose that wrote `w` and its buffer go with the convolution
  /// when nothing else reads the buffer (a filter shared by several
  /// convolutions keeps them for the others).
  void dropFilterTranspose(Operation *conv, Value w,
                           linalg::TransposeOp transpose) {
    if (auto alloc = w.getDefiningOp<memref::AllocOp>();
        alloc && llvm::all_of(alloc->getUsers(), [&](Operation *user) {
          return user == conv || user == transpose.getOperation() ||
                 isa<memref::DeallocOp>(user);
        })) {
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
        if (user != conv)
          user->erase();
      deadFilters.push_back(alloc);
    }
  }

  /// A channels-last depthwise filter: HWC written by a transpose of a
  /// constant CHW filter (a global, or a reshaped view of one such as
  /// C1HW) right before, transposed here at compile time instead. Left to
  /// run, that transpose allocated a buffer in every call and LLVM unrolled
  /// it into thousands of gathers. Null when the filter is not of that
  /// form (it is then read as it is).
  memref::GlobalOp transposeDepthwiseFilter(Operation *conv, Value w,
                                            SymbolTable &symbols) {
    SmallVector<Operation *> readers;
    auto transpose =
        dyn_cast_or_null<linalg::TransposeOp>(getLastWriter(conv, w, readers));
    if (!transpose || !readers.empty() || transpose.getInit() != w ||
        transpose.getPermutation() != ArrayRef<int64_t>{1, 2, 0})
      return nullptr;
    // Reshapes of an identity-layout global keep its elements' order.
    Value source = transpose.getInput();
    while (Operation *view = source.getDefiningOp()) {
      if (!isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(view))
        break;
      source = view->getOperand(0);
    }
    memref::GlobalOp global = fulcrum::getConstantGlobal(source, symbols);
    auto chwType = cast<MemRefType>(transpose.getInput().getType());
    if (!global || !chwType.hasStaticShape() ||
        !cast<MemRefType>(global.getType()).getLayout().isIdentity())
      return nullptr;
    int64_t c = chwType.getDimSize(0), kh = chwType.getDimSize(1),
            kw = chwType.getDimSize(2);
    std::string name = (global.getSymName() + "_hwc").str();
    memref::GlobalOp hwc = symbols.lookup<memref::GlobalOp>(name);
    if (!hwc) {
      std::vector<float> storage;
      auto values = fulcrum::readConstantFloats(global, storage);
      if (!values || static_cast<int64_t>(values->size()) != c * kh * kw)
        return nullptr;
      AsmResourceBlob blob = fulcrum::allocateFloatBlob(c * kh * kw);
      MutableArrayRef<float> out = fulcrum::getFloats(blob);
      for (int64_t i = 0; i < c; ++i)
        for (int64_t y = 0; y < kh; ++y)
          for (int64_t x = 0; x < kw; ++x)
            out[(y * kw + x) * c + i] = (*values)[(i * kh + y) * kw + x];
      hwc = fulcrum::createConstantGlobal(global, name, std::move(blob),
                                          {kh, kw, c}, symbols);
      ++numPacked;
    }
    Value input = transpose.getInput();
    dropFilterTranspose(conv, w, transpose);
    // The views of the original global that only the transpose read.
    while (Operation *view = input.getDefiningOp()) {
      if (!isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(view) ||
          !view->use_empty())
        break;
      input = view->getOperand(0);
      view->erase();
    }
    return hwc;
  }

  void rewrite(Operation *op, const fulcrum::GemmKernel &kernel,
               SymbolTable &symbols) {
    bool depthwise =
        isa<linalg::DepthwiseConv2DNchwChwOp, linalg::DepthwiseConv2DNhwcHwcOp>(
            op);
    bool nhwc =
        isa<linalg::Conv2DNhwcFhwcOp, linalg::DepthwiseConv2DNhwcHwcOp>(op);
    std::optional<ConvOperands> conv;
    if (auto named = dyn_cast<linalg::Conv2DNchwFchwOp>(op))
      conv = matchConvOperands(named);
    else if (auto named = dyn_cast<linalg::DepthwiseConv2DNchwChwOp>(op))
      conv = matchConvOperands(named);
    else if (auto named = dyn_cast<linalg::Conv2DNhwcFhwcOp>(op))
      conv = matchConvOperands(named);
    else
      conv = matchConvOperands(cast<linalg::DepthwiseConv2DNhwcHwcOp>(op));
    if (!conv)
      return;
    auto [x, w, y, xType, wType, yType, strides, dilations] = *conv;
    // Dimensions by layout: channels, the first spatial one, and the
    // filter's channels and kernel height (width follows).
    int64_t channelDim = nhwc ? 3 : 1, heightDim = nhwc ? 1 : 2;
    int64_t filterChannel = depthwise ? (nhwc ? 2 : 0) : (nhwc ? 3 : 1);
    int64_t filterHeight = depthwise ? (nhwc ? 0 : 1) : (nhwc ? 1 : 2);
    int64_t c = xType.getDimSize(channelDim), f = yType.getDimSize(channelDim);
    int64_t kh = wType.getDimSize(filterHeight),
            kw = wType.getDimSize(filterHeight + 1);
    int64_t oh = yType.getDimSize(heightDim),
            ow = yType.getDimSize(heightDim + 1);
    if (wType.getDimSize(filterChannel) != c || c * kh * kw == 0 ||
        (depthwise ? f != c : wType.getDimSize(0) != f))
      return;
    // Channels-last 3x3 convolutions at stride 1 without dilation, with
    // enough channels for products of K = C to run near the register
    // tile's peak, run as Winograd F(2x2, 3x3). The rule is the cost
    // model's (isWinogradConvolution), so that it prices what runs. From
    // 16 channels in and out, measured on Zen 4 (one 3x3 convolution and
    // ReLU at batch 1 and 8), Winograd ties or beats the direct kernel
    // (16 x 16 on 28x28: 0.057 against 0.055 ms at batch 1, 0.351 against
    // 0.382 at batch 8; 16 x 32: 0.069 against 0.087 ms).
    bool winograd =
        useWinograd && nhwc && !depthwise &&
        fulcrum::cost::isWinogradConvolution(kh, kw, strides, dilations, c, f);
    // Channels-last convolutions need their filter packed at compile time.
    memref::GlobalOp packedFilter;
    if (nhwc && !depthwise &&
        !(packedFilter = packNHWCFilter(op, w, kernel, winograd, symbols)))
      return;
    if (nhwc && depthwise)
      packedFilter = transposeDepthwiseFilter(op, w, symbols);

    std::optional<fulcrum::Padding> padding =
        fulcrum::matchPadding(op, x, heightDim, [](Value v) {
          return matchPattern(v, m_AnyZeroFloat());
        });
    if (padding && !fulcrum::isRowMajorF32(padding->sourceType, true))
      padding.reset();
    std::optional<Initial> initial = matchInitial(op, y, f, nhwc);
    std::optional<Epilogue> epilogue;
    // Without an initial value the kernel accumulates into the output, so
    // the epilogue cannot write elsewhere.
    if (initial && epilogues) {
      SmallVector<Value> reads = {
          fulcrum::getRootBuffer(padding ? padding->source : x),
          fulcrum::getRootBuffer(w)};
      if (initial->bias)
        reads.push_back(fulcrum::getRootBuffer(initial->bias));
      epilogue =
          matchEpilogue(op, y, /*allowResidual=*/!depthwise, *initial, reads);
    }

    Value input = padding ? padding->source : x;
    auto inputType = padding ? padding->sourceType : xType;
    Value output = epilogue ? epilogue->output : y;
    OpBuilder b(epilogue ? epilogue->op.getOperation() : op);
    Location loc = op->getLoc();
    fulcrum::KernelCallBuilder call(b, loc);
    SmallVector<Value> args = {call.dim(input, 0)};
    int64_t h = inputType.getDimSize(heightDim),
            wd = inputType.getDimSize(heightDim + 1);
    SmallVector<int64_t> sizes =
        nhwc ? SmallVector<int64_t>{h, wd, c} : SmallVector<int64_t>{c, h, wd};
    if (!depthwise)
      sizes.push_back(f);
    int64_t top = padding ? padding->top : 0,
            left = padding ? padding->left : 0;
    llvm::append_range(sizes, ArrayRef<int64_t>{kh, kw, oh, ow, strides[0],
                                                strides[1], dilations[0],
                                                dilations[1], top, left});
    for (int64_t v : sizes)
      args.push_back(call.constant(v));
    Value filter = w;
    if (packedFilter)
      filter = b.create<memref::GetGlobalOp>(
          loc, cast<MemRefType>(packedFilter.getType()),
          packedFilter.getSymName());
    for (Value memref : {input, filter, output})
      args.push_back(call.address(memref).at);
    Value workspace;
    if (!depthwise) {
      bool direct = kh == 1 && kw == 1 && strides[0] == 1 && strides[1] == 1 &&
                    top == 0 && left == 0 && oh == h && ow == wd;
      int64_t floats = winograd ? fulcrum::GemmKernel::winogradWorkspace(c, f)
                       : nhwc   ? fulcrum::GemmKernel::nhwcConvWorkspace(
                                      c, kh, kw, oh, ow, direct)
                              : kernel.convWorkspace(c, kh, kw, oh, ow);
      if (floats) {
        workspace = b.create<memref::AllocOp>(
            loc, MemRefType::get({floats}, b.getF32Type()),
            b.getI64IntegerAttr(64));
        args.push_back(call.address(workspace).at);
      } else {
        args.push_back(call.constant(0));
      }
    }
    Value zero = call.constant(0);
    args.push_back(initial && initial->bias ? call.address(initial->bias).at
                                            : zero);
    // A residual in the output buffer is accumulated into.
    bool inPlace = epilogue && epilogue->inPlace;
    if (!depthwise)
      args.push_back(epilogue && epilogue->residual && !inPlace
                         ? call.address(epilogue->residual).at
                         : zero);
    bool clamp = epilogue && epilogue->clamp.any;
    args.push_back(
        call.constant(clamp ? fulcrum::floatBits(epilogue->clamp.lo) : 0));
    args.push_back(
        call.constant(clamp ? fulcrum::floatBits(epilogue->clamp.hi) : 0));
    args.push_back(
        call.constant((initial && !inPlace ? 0 : fulcrum::kGemmAccumulate) |
                      (clamp ? fulcrum::kGemmClamp : 0)));
    StringRef symbol =
        depthwise ? (nhwc ? kernel.nhwcDepthwiseSymbol : kernel.depthwiseSymbol)
        : winograd ? kernel.winogradSymbol
                   : (nhwc ? kernel.nhwcConvSymbol : kernel.convSymbol);
    func::FuncOp callee =
        fulcrum::declareKernel(getOperation(), symbols, symbol, args.size());
    auto kernelCall = b.create<func::CallOp>(loc, callee, args);
    // y, and the workspace after it.
    fulcrum::setKernelWrites(kernelCall, depthwise   ? ArrayRef<int64_t>{16}
                                         : workspace ? ArrayRef<int64_t>{17, 18}
                                                     : ArrayRef<int64_t>{17});
    if (workspace)
      b.create<memref::DeallocOp>(loc, workspace);

    if (epilogue) {
      epilogue->op->erase();
      ++numEpilogues;
      ++epilogueCount;
    }
    op->erase();
    // An output the epilogue made dead is only freed now (an epilogue
    // implies an initial value).
    if (auto alloc = y.getDefiningOp<memref::AllocOp>();
        alloc && epilogue && epilogue->output != y && !initial->keep &&
        llvm::all_of(alloc->getUsers(), [&](Operation *user) {
          return isa<memref::DeallocOp>(user) || user == initial->op;
        })) {
      initial->op->erase();
      initial->op = nullptr;
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
        user->erase();
      alloc->erase();
    }
    if (initial) {
      if (initial->bias) {
        ++numBiases;
        ++biasCount;
      }
      if (initial->op && !initial->keep)
        initial->op->erase();
    }
    if (padding) {
      for (Operation *dead : padding->ops)
        dead->erase();
      ++numPaddings;
      ++paddingCount;
    }
    if (depthwise) {
      ++numDepthwise;
      ++depthwiseCount;
    } else {
      ++numKernels;
      ++convCount;
    }
    if (winograd) {
      ++numWinograd;
      ++winogradCount;
    }
  }
};

} // namespace
