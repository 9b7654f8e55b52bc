//===- QuantizedToKernel.cpp - fulcrum-cpu-quantized-to-kernel ------------===//
//
// Part of Fulcrum. The integer contraction and requantization generics a
// fulcrum.qconv or fulcrum.qgemm lowers to (tagged fulcrum.qcontraction
// and fulcrum.requantize) become one call of the 8-bit kernels in
// Kernels/qgemm.c, with the weights, the zero-point compensation and the
// saturation flags of the AVX2 path prepared at compile time.
//
//===----------------------------------------------------------------------===//

#include "KernelCalls.h"

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.h"
#include "fulcrum/Dialect/ONNX/IR/ConstantValues.h"
#include "fulcrum/Support/PassStatistic.h"
#include "fulcrum/Target/CPU/Kernels.h"
#include "fulcrum/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace fulcrum {
#define GEN_PASS_DEF_CPUQUANTIZEDTOKERNEL
#include "fulcrum/Target/CPU/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

static fulcrum::PassCounter convCount("fulcrum-cpu-quantized-to-kernel",
                                      "Quantized convolutions run on kernels");
static fulcrum::PassCounter
    gemmCount("fulcrum-cpu-quantized-to-kernel",
              "Quantized matrix products run on kernels");
static fulcrum::PassCounter
    winogradCount("fulcrum-cpu-quantized-to-kernel",
                  "Quantized 3x3 convolutions run on the integer Winograd "
                  "kernel");

namespace {

/// A private constant global `name` of `shape` and element type `elt`
/// holding `values`, next to `near`.
template <typename T>
memref::GlobalOp createGlobal(memref::GlobalOp near, StringRef name, Type elt,
                              ArrayRef<int64_t> shape, ArrayRef<T> values,
                              SymbolTable &symbols) {
  auto tensorType = RankedTensorType::get(shape, elt);
  auto blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(values);
  auto attr = DenseResourceElementsAttr::get(tensorType, name, std::move(blob));
  OpBuilder b(near);
  auto global = b.create<memref::GlobalOp>(
      near.getLoc(), name, b.getStringAttr("private"),
      MemRefType::get(shape, elt), attr, /*constant=*/true,
      b.getI64IntegerAttr(64));
  symbols.insert(global);
  return global;
}

/// Whether `fill` writes integer zeros.
bool isZero(linalg::FillOp fill) {
  return matchPattern(fill.getDpsInputs()[0], m_Zero());
}

/// Whether `buffer` is a fresh allocation that holds zeros when `reader`
/// runs: filled with zeros before it in its block, and otherwise only
/// copied from, freed, or used after `reader` there (as the accumulator
/// of a later contraction that took the fill over).
bool isZeroFilledBefore(Value buffer, Operation *reader) {
  auto alloc = buffer.getDefiningOp<memref::AllocOp>();
  if (!alloc)
    return false;
  bool filled = false;
  for (Operation *user : alloc->getUsers()) {
    if (auto fill = dyn_cast<linalg::FillOp>(user);
        fill && !filled && fill.getDpsInits()[0] == buffer && isZero(fill) &&
        fill->getBlock() == reader->getBlock() &&
        fill->isBeforeInBlock(reader)) {
      filled = true;
    } else if (auto copy = dyn_cast<memref::CopyOp>(user);
               !(copy && copy.getSource() == buffer) &&
               !isa<memref::DeallocOp>(user) &&
               !(user->getBlock() == reader->getBlock() &&
                 reader->isBeforeInBlock(user))) {
      return false;
    }
  }
  return filled;
}

/// Erases a zero-filled buffer (isZeroFilledBefore) that nothing but its
/// fill and deallocations uses any more.
void eraseIfOnlyFilled(Value buffer) {
  Operation *alloc = buffer.getDefiningOp();
  if (!alloc || llvm::any_of(alloc->getUsers(), [](Operation *user) {
        return !isa<linalg::FillOp, memref::DeallocOp>(user);
      }))
    return;
  for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
    user->erase();
  alloc->erase();
}

/// The clamp `rq` (an f32 requantization writing `y`) is followed by: a
/// generic right after it (allocations aside) that reads `y` element by
/// element and yields it through maximumf/minimumf by constants, into
/// another buffer; `y` a fresh allocation nothing else uses but
/// deallocations.
linalg::GenericOp matchClamp(linalg::GenericOp rq, Value y,
                             fulcrum::Clamp &clamp) {
  auto alloc = y.getDefiningOp<memref::AllocOp>();
  Operation *next = rq->getNextNode();
  while (next && isa<memref::AllocOp>(next))
    next = next->getNextNode();
  auto op = dyn_cast_or_null<linalg::GenericOp>(next);
  if (!alloc || !op || op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getDpsInputs()[0] != y ||
      op.getNumLoops() != op.getNumParallelLoops() ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }) ||
      op.getDpsInits()[0].getType() != y.getType())
    return nullptr;
  for (Operation *user : alloc->getUsers())
    if (user != rq && user != op && !isa<memref::DeallocOp>(user))
      return nullptr;
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Value result = yield.getOperand(0);
  fulcrum::Clamp found;
  fulcrum::peelClamp(result, found);
  if (!found.any || result != body.getArgument(0) ||
      found.ops() + 1 != body.getOperations().size())
    return nullptr;
  clamp = found;
  return op;
}

/// Whether what `reader` reads of buffer `y` (in y's block) is read by
/// nothing after it: the next use of `y` is its deallocation or a generic
/// that overwrites all of it, or there is none. (Bufferization may reuse
/// one buffer for the same intermediate of several blocks of a model.)
bool deadAfter(Value y, Operation *reader) {
  Operation *next = nullptr;
  for (Operation *user : y.getUsers())
    if (user->getBlock() == reader->getBlock() &&
        reader->isBeforeInBlock(user) && (!next || user->isBeforeInBlock(next)))
      next = user;
  if (!next || isa<memref::DeallocOp>(next))
    return true;
  auto overwrite = dyn_cast<linalg::GenericOp>(next);
  return overwrite && overwrite.getNumDpsInits() == 1 &&
         overwrite.getDpsInits()[0] == y &&
         !llvm::is_contained(overwrite.getDpsInputs(), y) &&
         overwrite.getNumLoops() == overwrite.getNumParallelLoops() &&
         overwrite.getMatchingIndexingMap(overwrite.getDpsInitOperand(0))
             .isIdentity();
}

/// The bias and residual adds after `rq` (an f32 requantization writing
/// `y`): a generic right after it (allocations aside) that reads `y`
/// element by element, a per-channel vector (read along the last
/// dimension) and perhaps a residual of y's type (element by element), and
/// yields `bias + y`, or `residual + (bias + y)` (each add's operands in
/// either order), into another buffer of y's type; `y` an allocation whose
/// value nothing reads after the adds (deadAfter).
struct AddEpilogue {
  linalg::GenericOp op;
  Value bias, residual;
};
std::optional<AddEpilogue> matchAdds(linalg::GenericOp rq, Value y) {
  auto alloc = y.getDefiningOp<memref::AllocOp>();
  Operation *next = rq->getNextNode();
  while (next && isa<memref::AllocOp>(next))
    next = next->getNextNode();
  auto op = dyn_cast_or_null<linalg::GenericOp>(next);
  auto yType = dyn_cast<MemRefType>(y.getType());
  if (!alloc || !op || !yType || op.getNumDpsInits() != 1 ||
      op.getNumLoops() != op.getNumParallelLoops() ||
      op.getNumLoops() != static_cast<unsigned>(yType.getRank()) ||
      op.getDpsInits()[0].getType() != y.getType() ||
      !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity())
    return std::nullopt;
  if (!deadAfter(y, op))
    return std::nullopt;
  Block &body = op.getRegion().front();
  AffineExpr lastDim = getAffineDimExpr(yType.getRank() - 1, op.getContext());
  Value yArg, biasArg, residualArg;
  AddEpilogue found;
  found.op = op;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    Value arg = body.getArgument(in->getOperandNumber());
    auto type = dyn_cast<MemRefType>(in->get().getType());
    if (in->get() == y && map.isIdentity() && !yArg) {
      yArg = arg;
    } else if (map.isIdentity() && type == yType && !residualArg &&
               fulcrum::isRowMajor(type, /*dynamicBatch=*/true)) {
      residualArg = arg;
      found.residual = in->get();
    } else if (map.getNumResults() == 1 && map.getResult(0) == lastDim &&
               type && type.getRank() == 1 && type.getElementType().isF32() &&
               !biasArg) {
      biasArg = arg;
      found.bias = in->get();
    } else {
      return std::nullopt;
    }
  }
  if (!yArg || !biasArg)
    return std::nullopt;
  auto isAddOf = [](Value v, Value a, Value b) {
    auto add = v.getDefiningOp<arith::AddFOp>();
    return add && ((add.getLhs() == a && add.getRhs() == b) ||
                   (add.getLhs() == b && add.getRhs() == a));
  };
  Value result = cast<linalg::YieldOp>(body.getTerminator()).getOperand(0);
  size_t ops = 2;
  if (residualArg) {
    auto outer = result.getDefiningOp<arith::AddFOp>();
    if (!outer)
      return std::nullopt;
    result = outer.getLhs() == residualArg   ? outer.getRhs()
             : outer.getRhs() == residualArg ? outer.getLhs()
                                             : Value();
    ops = 3;
  }
  if (!result || !isAddOf(result, biasArg, yArg) ||
      body.getOperations().size() != ops)
    return std::nullopt;
  return found;
}

/// The address of constant global `g`, as a kernel argument.
Value globalAddress(OpBuilder &b, Location loc,
                    fulcrum::KernelCallBuilder &call, memref::GlobalOp g) {
  Value v = b.create<memref::GetGlobalOp>(loc, cast<MemRefType>(g.getType()),
                                          g.getSymName());
  return call.address(v).at;
}

/// The 8-bit kernels' output arguments from a requantization tag: the zero
/// point and the byte bounds, or an f32 result's clamp bounds (their bits).
void appendOutputBounds(fulcrum::KernelCallBuilder &call,
                        SmallVectorImpl<Value> &args, DictionaryAttr rqTag,
                        const fulcrum::Clamp *clamp) {
  auto intAttr = [&](StringRef name) {
    auto a = rqTag.getAs<IntegerAttr>(name);
    return a ? a.getInt() : 0;
  };
  args.push_back(call.constant(intAttr("y_zero_point")));
  args.push_back(
      call.constant(clamp ? fulcrum::floatBits(clamp->lo) : intAttr("lo")));
  args.push_back(
      call.constant(clamp ? fulcrum::floatBits(clamp->hi) : intAttr("hi")));
}

/// The padding of the image `x` of `contraction` with the byte of its zero
/// point (alloc, fill, subview, copy), which the channels-last kernels apply
/// themselves.
std::optional<fulcrum::Padding>
matchZeroPointPadding(linalg::GenericOp contraction, Value x,
                      int64_t zeroPoint) {
  int64_t padByte = zeroPoint & 0xff;
  return fulcrum::matchPadding(contraction, x, 1, [&](Value v) {
    APInt value;
    return matchPattern(v, m_ConstantInt(&value)) && value.getBitWidth() == 8 &&
           (value.getSExtValue() & 0xff) == padByte;
  });
}

/// A tagged integer contraction and its requantization, as rewrite()
/// matched them, with the constant weights (and bias) read; the builders
/// record what else their call absorbs (a clamp after it, an image
/// padding) and may move `x` to the unpadded image.
struct QuantizedPair {
  linalg::GenericOp contraction, rq;
  DictionaryAttr tag, rqTag;
  StringRef mode;
  bool conv, signedInput;
  int64_t xZeroPoint; // as the tag gives it
  Value x, w, y, mult;
  memref::GlobalOp wGlobal;
  SmallVector<int64_t> wValues;
  std::optional<SmallVector<int64_t>> biasValues;
  linalg::GenericOp clampOp = nullptr;
  /// The bias (and residual) adds the call takes in (matchAdds), the bias
  /// as its constant global.
  linalg::GenericOp addOp = nullptr;
  memref::GlobalOp addBias = nullptr;
  Value residual;
  std::optional<fulcrum::Padding> padding = std::nullopt;

  /// The call's location: the contraction's first, so that a profiling
  /// build times the call as the contraction's layer (the requantization
  /// and the epilogue are taken in), then the requantization's.
  Location location(OpBuilder &b) {
    return b.getFusedLoc({contraction.getLoc(), rq.getLoc()});
  }

  /// The op after the requantization that the call takes in (the clamp or
  /// the adds), if any.
  Operation *epilogue() {
    if (clampOp)
      return clampOp;
    return addOp ? addOp.getOperation() : nullptr;
  }
};

struct CPUQuantizedToKernelPass
    : public fulcrum::impl::CPUQuantizedToKernelBase<CPUQuantizedToKernelPass> {
  using CPUQuantizedToKernelBase::CPUQuantizedToKernelBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (!fulcrum::isQuantizedKernelISA(kernelIsa)) {
      module.emitError("unknown quantized kernel ISA '")
          << kernelIsa << "' (amx, avx512vnni, avxvnni, avx2, generic)";
      return signalPassFailure();
    }
    SymbolTable symbols(module);
    SmallVector<linalg::GenericOp> requantizations;
    module.walk([&](linalg::GenericOp op) {
      if (op->hasAttr(fulcrum::fused::kRequantizeAttr))
        requantizations.push_back(op);
    });
    for (linalg::GenericOp op : requantizations)
      rewrite(op, symbols);
  }

  /// A channels-last depthwise pair (kind "dwconv") becomes a call of
  /// fulcrum_qdwconv2d_nhwc_<isa> before the requantization (or the clamp
  /// after it): the int8 C1HW weights as f32 [KH*KW][C], the bias as i32
  /// [C]. False (nothing changed) when the pair does not fit the kernel.
  bool buildDepthwiseCall(QuantizedPair &q, SymbolTable &symbols) {
    auto layout = q.tag.getAs<StringAttr>("layout");
    auto strides = q.tag.getAs<DenseI64ArrayAttr>("strides");
    auto dilations = q.tag.getAs<DenseI64ArrayAttr>("dilations");
    auto xType = cast<MemRefType>(q.x.getType());
    auto wType = cast<MemRefType>(q.w.getType());
    auto yType = cast<MemRefType>(q.y.getType());
    if (!layout || layout.getValue() != "nhwc" || !strides || !dilations ||
        q.mode == "i32" || !q.mult || xType.getRank() != 4 ||
        wType.getRank() != 4 || yType.getRank() != 4 ||
        wType.getDimSize(1) != 1)
      return false;
    int64_t c = wType.getDimSize(0), kh = wType.getDimSize(2),
            kw = wType.getDimSize(3);
    // The f32 sums are exact for up to 512 taps (the kernel's comment);
    // the kernel keeps up to 64 tap rows and a ring of up to 512 rows.
    if (kh * kw > 512 || kh > 64 || (kh - 1) * dilations[0] + 1 > 512 ||
        xType.getDimSize(3) != c || yType.getDimSize(3) != c)
      return false;
    SmallVector<float> weights(kh * kw * c);
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t t = 0; t < kh * kw; ++t)
        weights[t * c + ci] = static_cast<float>(q.wValues[ci * kh * kw + t]);
    // The kernel sums x * w with padded taps reading the zero point: the
    // bias takes -x_zero_point * sum(w) over.
    SmallVector<int32_t> biasWords(c, 0);
    for (int64_t ci = 0; ci < c; ++ci) {
      int64_t sum = 0;
      for (int64_t t = 0; t < kh * kw; ++t)
        sum += q.wValues[ci * kh * kw + t];
      int64_t word =
          (q.biasValues ? (*q.biasValues)[ci] : 0) - q.xZeroPoint * sum;
      if (word < INT32_MIN || word > INT32_MAX)
        return false;
      biasWords[ci] = static_cast<int32_t>(word);
    }
    MLIRContext *ctx = &getContext();
    std::string base = (q.wGlobal.getSymName() + "_dw").str();
    memref::GlobalOp wf =
        createGlobal<float>(q.wGlobal, base + "w", Float32Type::get(ctx),
                            {kh * kw, c}, ArrayRef<float>(weights), symbols);
    memref::GlobalOp bw = createGlobal<int32_t>(
        q.wGlobal, base + "bias", IntegerType::get(ctx, 32), {c},
        ArrayRef<int32_t>(biasWords), symbols);

    fulcrum::Clamp clamp;
    if (q.mode == "f32")
      q.clampOp = matchClamp(q.rq, q.y, clamp);
    Value output = q.clampOp ? q.clampOp.getDpsInits()[0] : q.y;
    q.padding = matchZeroPointPadding(q.contraction, q.x, q.xZeroPoint);
    if (q.padding) {
      q.x = q.padding->source;
      xType = q.padding->sourceType;
    }
    OpBuilder b(q.clampOp ? q.clampOp.getOperation() : q.rq.getOperation());
    Location loc = q.location(b);
    fulcrum::KernelCallBuilder call(b, loc);
    auto global = [&](memref::GlobalOp g) {
      return globalAddress(b, loc, call, g);
    };
    SmallVector<Value> args = {call.dim(q.x, 0)};
    for (int64_t v :
         {xType.getDimSize(1), xType.getDimSize(2), c, kh, kw,
          yType.getDimSize(1), yType.getDimSize(2), strides[0], strides[1],
          dilations[0], dilations[1], q.padding ? q.padding->top : 0,
          q.padding ? q.padding->left : 0})
      args.push_back(call.constant(v));
    args.push_back(call.address(q.x).at);
    args.push_back(global(wf));
    args.push_back(global(bw));
    args.push_back(call.address(q.mult).at);
    int64_t yIndex = args.size();
    args.push_back(call.address(output).at);
    Value workspace = b.create<memref::AllocOp>(
        loc,
        MemRefType::get({fulcrum::quantizedDepthwiseWorkspace(
                            kh, kw, yType.getDimSize(2), c, strides[1],
                            dilations[0], dilations[1])},
                        b.getI8Type()),
        b.getI64IntegerAttr(64));
    args.push_back(call.address(workspace).at);
    appendOutputBounds(call, args, q.rqTag, q.clampOp ? &clamp : nullptr);
    args.push_back(
        call.constant((q.signedInput ? fulcrum::kQuantizedSignedInput : 0) |
                      (q.mode == "f32" ? fulcrum::kQuantizedOutputF32 : 0) |
                      (q.clampOp ? fulcrum::kQuantizedClampF32 : 0)));
    args.push_back(call.constant(q.xZeroPoint));
    StringRef symbol =
        b.getStringAttr("fulcrum_qdwconv2d_nhwc_" +
                        fulcrum::quantizedKernelSuffix(kernelIsa))
            .getValue();
    func::FuncOp callee =
        fulcrum::declareKernel(getOperation(), symbols, symbol, args.size());
    auto kernelCall = b.create<func::CallOp>(loc, callee, args);
    fulcrum::setKernelWrites(kernelCall, {yIndex, yIndex + 1});
    b.create<memref::DeallocOp>(loc, workspace);
    ++numDepthwise;
    return true;
  }

  /// The other pairs (convolutions, matrix products) become a call of the
  /// packed 8-bit kernels: fulcrum_qconv2d_nhwc_<isa> (channels-last
  /// convolutions, and matrix products as 1x1 convolutions) or
  /// fulcrum_qconv2d_nchw_<isa>, with the weights packed and the
  /// zero-point compensation prepared at compile time. False (nothing
  /// changed) when the pair does not fit.
  bool buildPanelCall(QuantizedPair &q, SymbolTable &symbols) {
    auto xType = cast<MemRefType>(q.x.getType());
    auto wType = cast<MemRefType>(q.w.getType());
    auto yType = cast<MemRefType>(q.y.getType());
    // The kernels flip s8 activations to u8: their zero point moves too.
    int64_t zeroPoint = q.xZeroPoint + (q.signedInput ? 128 : 0);
    auto strides = q.tag.getAs<DenseI64ArrayAttr>("strides");
    auto dilations = q.tag.getAs<DenseI64ArrayAttr>("dilations");
    if (q.conv && (!strides || !dilations || xType.getRank() != 4 ||
                   wType.getRank() != 4))
      return false;
    int64_t rows = wType.getDimSize(0);
    int64_t k = wType.getNumElements() / rows;
    // A channels-last convolution (fulcrum-channels-last) reduces over
    // (kh, kw, c): its FCHW weights become FHWC rows.
    auto layout = q.tag.getAs<StringAttr>("layout");
    bool nhwc = q.conv && layout && layout.getValue() == "nhwc";
    if (nhwc) {
      int64_t c = wType.getDimSize(1), kh = wType.getDimSize(2),
              kw = wType.getDimSize(3);
      SmallVector<int64_t> fhwc(q.wValues.size());
      for (int64_t f = 0; f < rows; ++f)
        for (int64_t ci = 0; ci < c; ++ci)
          for (int64_t i = 0; i < kh * kw; ++i)
            fhwc[f * k + i * c + ci] = q.wValues[f * k + ci * kh * kw + i];
      q.wValues = std::move(fhwc);
    }
    fulcrum::QuantizedWeights prepared = fulcrum::prepareQuantizedWeights(
        q.wValues, rows, k,
        q.biasValues ? ArrayRef<int64_t>(*q.biasValues) : ArrayRef<int64_t>(),
        zeroPoint);

    // AVX2's integer Winograd kernel takes the 3x3 channels-last
    // convolutions at unit stride and dilation (not grouped: the weights'
    // channels are the image's), where 4x their sums fit 32 bits.
    bool winograd = false;
    int64_t channels = nhwc ? wType.getDimSize(1) : 0;
    int64_t winogradBytes = 0;
    if (nhwc && useWinograd && kernelIsa == "avx2" && !yType.isDynamicDim(1) &&
        !yType.isDynamicDim(2)) {
      winogradBytes = fulcrum::quantizedWinogradWorkspace(
          yType.getDimSize(1), yType.getDimSize(2), channels);
      winograd = wType.getDimSize(2) == 3 && wType.getDimSize(3) == 3 &&
                 strides[0] == 1 && strides[1] == 1 && dilations[0] == 1 &&
                 dilations[1] == 1 && xType.getDimSize(3) == channels &&
                 channels <= fulcrum::kQuantizedWinogradMaxChannels &&
                 winogradBytes <= (64 << 20);
    }

    std::string base = (q.wGlobal.getSymName() + "_q").str();
    MLIRContext *ctx = &getContext();
    // Matrix products run on the channels-last kernel too, as a 1x1
    // convolution over one row of M pixels of K channels: its register
    // tiles take 6 rows of A (the NCHW-style qgemm kernel takes 32, most
    // of them padding for a batch-1 classifier).
    bool panelKernel = nhwc || !q.conv;
    memref::GlobalOp wPacked;
    if (winograd) {
      std::vector<int16_t> transformed = fulcrum::packQuantizedWinogradWeights(
          prepared.weights, rows, prepared.kp, channels);
      wPacked = createGlobal<int16_t>(
          q.wGlobal, base + "w", IntegerType::get(ctx, 16),
          {16, (rows + 15) / 16 * 16, (channels + 1) / 2 * 2},
          ArrayRef<int16_t>(transformed), symbols);
    } else if (panelKernel) {
      std::vector<int8_t> panels = fulcrum::packQuantizedConvWeights(
          prepared.weights, rows, prepared.kp);
      wPacked =
          createGlobal<int8_t>(q.wGlobal, base + "w", IntegerType::get(ctx, 8),
                               {(rows + 15) / 16 * 16, prepared.kp},
                               ArrayRef<int8_t>(panels), symbols);
    } else {
      wPacked =
          createGlobal<int8_t>(q.wGlobal, base + "w", IntegerType::get(ctx, 8),
                               {rows, prepared.kp}, prepared.weights, symbols);
    }
    memref::GlobalOp comp = createGlobal<int32_t>(
        q.wGlobal, base + "comp", IntegerType::get(ctx, 32), {rows},
        prepared.compensation, symbols);
    // The Winograd kernel's products are all exact: it reads no flags.
    memref::GlobalOp exact =
        winograd ? nullptr
                 : createGlobal<uint8_t>(q.wGlobal, base + "exact",
                                         IntegerType::get(ctx, 8), {rows},
                                         prepared.exact, symbols);

    // A clamp of the f32 result (e.g. the ReLU6 before a float depthwise
    // convolution) goes into the channels-last kernel's epilogue: the
    // call writes the clamp's output, where the clamp was.
    // A bias and a residual added to it (a matrix product's Add nodes
    // after a QDQ MatMul) go into the epilogue the same way.
    fulcrum::Clamp clamp;
    if (nhwc && q.mode == "f32")
      q.clampOp = matchClamp(q.rq, q.y, clamp);
    if (panelKernel && q.mode == "f32" && !q.clampOp)
      if (std::optional<AddEpilogue> adds = matchAdds(q.rq, q.y))
        if (memref::GlobalOp g =
                fulcrum::getConstantGlobal(adds->bias, symbols)) {
          q.addOp = adds->op;
          q.addBias = g;
          q.residual = adds->residual;
        }
    Operation *epilogue = q.epilogue();
    Value output =
        epilogue ? cast<linalg::GenericOp>(epilogue).getDpsInits()[0] : q.y;
    OpBuilder b(epilogue ? epilogue : q.rq.getOperation());
    Location loc = q.location(b);
    fulcrum::KernelCallBuilder call(b, loc);
    auto global = [&](memref::GlobalOp g) {
      return globalAddress(b, loc, call, g);
    };
    SmallVector<Value> args;
    if (q.conv) {
      // The NHWC kernel takes the padding with the zero point over: it
      // reads the unpadded image.
      if (nhwc) {
        q.padding = matchZeroPointPadding(q.contraction, q.x, q.xZeroPoint);
        if (q.padding) {
          q.x = q.padding->source;
          xType = q.padding->sourceType;
        }
      }
      args.push_back(call.dim(q.x, 0));
      // NCHW: C, H, W; NHWC: H, W, C. Then F, KH, KW, OH, OW.
      int64_t oh = yType.getDimSize(nhwc ? 1 : 2),
              ow = yType.getDimSize(nhwc ? 2 : 3);
      for (int64_t v :
           {xType.getDimSize(1), xType.getDimSize(2), xType.getDimSize(3), rows,
            wType.getDimSize(2), wType.getDimSize(3), oh, ow, strides[0],
            strides[1], dilations[0], dilations[1]})
        args.push_back(call.constant(v));
      if (nhwc) {
        args.push_back(call.constant(q.padding ? q.padding->top : 0));
        args.push_back(call.constant(q.padding ? q.padding->left : 0));
      }
      args.push_back(call.address(q.x).at);
    } else {
      // Rows of A: every dimension but the last.
      Value m = call.constant(1);
      if (xType.isDynamicDim(0))
        m = call.dim(q.x, 0);
      int64_t staticRows = 1;
      for (int64_t d = xType.isDynamicDim(0) ? 1 : 0; d + 1 < xType.getRank();
           ++d)
        staticRows *= xType.getDimSize(d);
      m = b.create<arith::MulIOp>(loc, m, call.constant(staticRows));
      // N = 1, H = 1, W = M, C = K, F = rows, KH = KW = OH = 1, OW = M,
      // unit strides and dilations, no padding.
      Value one = call.constant(1);
      args = {one,
              one,
              m,
              call.constant(k),
              call.constant(rows),
              one,
              one,
              one,
              m,
              one,
              one,
              one,
              one,
              call.constant(0),
              call.constant(0),
              call.address(q.x).at};
    }
    args.push_back(global(wPacked));
    args.push_back(global(comp));
    args.push_back(exact ? global(exact) : call.constant(0));
    args.push_back(q.mult ? call.address(q.mult).at : call.constant(0));
    int64_t yIndex = args.size();
    args.push_back(call.address(output).at);

    int64_t bytes = winograd ? winogradBytes
                    : panelKernel
                        ? fulcrum::quantizedConvWorkspace()
                        : fulcrum::quantizedKernelWorkspace(prepared.kp);
    Value workspace = b.create<memref::AllocOp>(
        loc, MemRefType::get({bytes}, b.getI8Type()), b.getI64IntegerAttr(64));
    args.push_back(call.address(workspace).at);
    appendOutputBounds(call, args, q.rqTag, q.clampOp ? &clamp : nullptr);
    args.push_back(call.constant(
        (q.signedInput ? fulcrum::kQuantizedSignedInput : 0) |
        (q.mode == "f32"   ? fulcrum::kQuantizedOutputF32
         : q.mode == "i32" ? fulcrum::kQuantizedOutputI32
                           : 0) |
        (q.clampOp ? fulcrum::kQuantizedClampF32 : 0) |
        (panelKernel && !winograd && kernelIsa == "amx" ? fulcrum::kQuantizedAMX
                                                        : 0)));
    if (panelKernel) {
      // The padding byte (the activations' zero point), the bias and the
      // residual of the epilogue's adds.
      args.push_back(call.constant(q.xZeroPoint & 0xff));
      args.push_back(q.addBias ? global(q.addBias) : call.constant(0));
      args.push_back(q.residual ? call.address(q.residual).at
                                : call.constant(0));
    }
    StringRef symbol =
        b.getStringAttr((winograd      ? "fulcrum_qconv2d_winograd_nhwc_"
                         : panelKernel ? "fulcrum_qconv2d_nhwc_"
                                       : "fulcrum_qconv2d_nchw_") +
                        fulcrum::quantizedKernelSuffix(kernelIsa))
            .getValue();
    if (winograd) {
      ++numWinograd;
      ++winogradCount;
    }
    func::FuncOp callee =
        fulcrum::declareKernel(getOperation(), symbols, symbol, args.size());
    auto kernelCall = b.create<func::CallOp>(loc, callee, args);
    fulcrum::setKernelWrites(kernelCall, {yIndex, yIndex + 1});
    b.create<memref::DeallocOp>(loc, workspace);
    return true;
  }

  void rewrite(linalg::GenericOp rq, SymbolTable &symbols) {
    if (!rq.hasPureBufferSemantics())
      return;
    auto rqTag =
        rq->getAttrOfType<DictionaryAttr>(fulcrum::fused::kRequantizeAttr);
    auto modeAttr = rqTag.getAs<StringAttr>("mode");
    if (!modeAttr)
      return;
    StringRef mode = modeAttr.getValue();
    Value acc = rq.getDpsInputs()[0];
    auto alloc = acc.getDefiningOp<memref::AllocOp>();
    if (!alloc)
      return;
    // The accumulator: filled with zeros (or a copy of a zero-filled
    // buffer, where CSE merged the fills of several accumulators and
    // bufferization copied the shared one), written by the tagged
    // contraction, read by the requantization, freed.
    linalg::GenericOp contraction;
    Operation *fill = nullptr;
    SmallVector<Operation *> deallocs;
    for (Operation *user : alloc->getUsers()) {
      if (user == rq)
        continue;
      if (auto g = dyn_cast<linalg::GenericOp>(user);
          g && !contraction && g->hasAttr(fulcrum::fused::kQContractionAttr) &&
          g.getDpsInits()[0] == acc) {
        contraction = g;
      } else if (auto f = dyn_cast<linalg::FillOp>(user);
                 f && !fill && f.getDpsInits()[0] == acc && isZero(f)) {
        fill = f;
      } else if (auto copy = dyn_cast<memref::CopyOp>(user);
                 copy && !fill && copy.getTarget() == acc &&
                 isZeroFilledBefore(copy.getSource(), copy)) {
        fill = copy;
      } else if (isa<memref::DeallocOp>(user)) {
        deallocs.push_back(user);
      } else {
        return;
      }
    }
    if (!contraction || !fill || fill->getBlock() != rq->getBlock() ||
        contraction->getBlock() != rq->getBlock() ||
        !fill->isBeforeInBlock(contraction) ||
        !contraction->isBeforeInBlock(rq))
      return;
    // The call takes the requantization's place: nothing between may
    // write memory.
    for (Operation *op = contraction->getNextNode(); op != rq;
         op = op->getNextNode())
      if (!isa<memref::AllocOp, memref::DeallocOp>(op) &&
          !isMemoryEffectFree(op))
        return;
    auto tag = contraction->getAttrOfType<DictionaryAttr>(
        fulcrum::fused::kQContractionAttr);
    auto kind = tag.getAs<StringAttr>("kind");
    auto signedAttr = tag.getAs<BoolAttr>("x_signed");
    auto zpAttr = tag.getAs<IntegerAttr>("x_zero_point");
    if (!kind || !signedAttr || !zpAttr)
      return;
    bool conv = kind.getValue() == "conv" || kind.getValue() == "dwconv";
    Value x = contraction.getDpsInputs()[0], w = contraction.getDpsInputs()[1];
    Value y = rq.getDpsInits()[0];
    size_t expected = mode == "i32" ? 1 : 2;
    bool hasBias = rq.getDpsInputs().size() == expected + 1;
    Value bias = hasBias ? rq.getDpsInputs()[1] : Value();
    Value mult = mode == "i32" ? Value() : rq.getDpsInputs().back();
    auto xType = dyn_cast<MemRefType>(x.getType());
    auto wType = dyn_cast<MemRefType>(w.getType());
    auto yType = dyn_cast<MemRefType>(y.getType());
    if (!fulcrum::isRowMajor(xType, /*dynamicBatch=*/true) ||
        !fulcrum::isRowMajor(yType, /*dynamicBatch=*/true) || !wType ||
        !wType.hasStaticShape() ||
        (mult && !fulcrum::isRowMajor(cast<MemRefType>(mult.getType()),
                                      /*dynamicBatch=*/true)))
      return;
    memref::GlobalOp wGlobal = fulcrum::getConstantGlobal(w, symbols);
    if (!wGlobal)
      return;
    auto wValues = fulcrum::onnx::getIntElements(
        cast<ElementsAttr>(wGlobal.getInitialValueAttr()));
    std::optional<SmallVector<int64_t>> biasValues;
    if (bias) {
      memref::GlobalOp bGlobal = fulcrum::getConstantGlobal(bias, symbols);
      if (!bGlobal)
        return;
      biasValues = fulcrum::onnx::getIntElements(
          cast<ElementsAttr>(bGlobal.getInitialValueAttr()));
      if (!biasValues)
        return;
    }
    if (!wValues)
      return;
    QuantizedPair q{contraction,
                    rq,
                    tag,
                    rqTag,
                    mode,
                    conv,
                    signedAttr.getValue(),
                    zpAttr.getInt(),
                    x,
                    w,
                    y,
                    mult,
                    wGlobal,
                    std::move(*wValues),
                    std::move(biasValues)};
    if (!(kind.getValue() == "dwconv" ? buildDepthwiseCall(q, symbols)
                                      : buildPanelCall(q, symbols)))
      return;
    Operation *epilogue = q.epilogue();
    std::optional<fulcrum::Padding> padding = q.padding;

    Value copySource;
    if (auto copy = dyn_cast<memref::CopyOp>(fill))
      copySource = copy.getSource();
    if (epilogue) {
      // The f32 buffer between the requantization and the clamp or adds
      // goes (unless it holds another block's intermediate too).
      Operation *yAlloc = y.getDefiningOp();
      epilogue->erase();
      rq->erase();
      fulcrum::eraseIfOnlyDeallocated(yAlloc);
      ++(q.clampOp ? numClamps : numAdds);
      rq = nullptr;
    }
    if (rq)
      rq->erase();
    contraction->erase();
    fill->erase();
    if (copySource)
      eraseIfOnlyFilled(copySource);
    for (Operation *dealloc : deallocs)
      dealloc->erase();
    alloc->erase();
    if (padding) {
      for (Operation *dead : padding->ops)
        dead->erase();
      ++numPaddings;
    }
    if (conv) {
      ++numConvs;
      ++convCount;
    } else {
      ++numGemms;
      ++gemmCount;
    }
  }
};

} // namespace
