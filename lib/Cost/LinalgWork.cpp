//===- LinalgWork.cpp - Work of linalg and tensor ops ---------------------===//
//
// Part of Fulcrum. One external model of WorkOpInterface for every linalg
// structured op, named or generic: the iteration domain times the payload's
// operations, classified by the op's structure (contraction, convolution,
// depthwise convolution, pooling and other reductions, element-wise, pure
// data movement); and one model for the tensor ops that copy (pad, concat,
// insert_slice).
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/Work.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace fulcrum::cost {

namespace {

/// Operations per iteration of a payload, and transcendental calls.
std::pair<double, double> countPayload(Block &body) {
  double flops = 0, transcendentals = 0;
  for (Operation &op : body) {
    if (op.hasTrait<OpTrait::IsTerminator>() || isa<linalg::IndexOp>(op) ||
        op.getName().getStringRef().starts_with("arith.constant") ||
        op.getName().getStringRef().starts_with("arith.index_cast"))
      continue;
    if (isa<math::ExpOp, math::Exp2Op, math::ExpM1Op, math::LogOp,
            math::Log1pOp, math::Log2Op, math::TanhOp, math::ErfOp, math::SinOp,
            math::CosOp, math::PowFOp, math::AtanOp, math::Atan2Op>(op))
      transcendentals += 1;
    else if (isa<arith::DivFOp, math::SqrtOp, math::RsqrtOp, arith::RemFOp,
                 tensor::ExtractOp>(op))
      flops += 4;
    else
      flops += 1;
  }
  return {flops, transcendentals};
}

/// A convolution whose filter window is one element (1x1): a matrix
/// product of the image (channels-last) with the filter.
bool isPointwise(linalg::LinalgOp op) {
  auto dims = linalg::inferConvolutionDims(op);
  if (failed(dims))
    return false;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  return llvm::all_of(dims->filterLoop,
                      [&](unsigned loop) { return ranges[loop] == 1; });
}

/// The flops a CPU kernel skips when it runs `op`, an fp32 2-D
/// convolution (NCHW/FCHW or NHWC/FHWC), as Winograd F(2x2, 3x3).
void setWinogradSkipped(Work &work, Operation *op) {
  auto winograd = [&](auto conv, bool nhwc) {
    auto w = dyn_cast<ShapedType>(conv.getDpsInputs()[1].getType());
    auto y = dyn_cast<ShapedType>(conv.getDpsInits()[0].getType());
    if (!w || !y || !w.hasStaticShape() || y.getRank() != 4 ||
        !w.getElementType().isF32())
      return;
    int64_t f = w.getDimSize(0), c = w.getDimSize(nhwc ? 3 : 1);
    int64_t kh = w.getDimSize(nhwc ? 1 : 2), kw = w.getDimSize(nhwc ? 2 : 3);
    int64_t oh = y.getDimSize(nhwc ? 1 : 2), ow = y.getDimSize(nhwc ? 2 : 3);
    if (ShapedType::isDynamic(oh) || ShapedType::isDynamic(ow) ||
        !isWinogradConvolution(
            kh, kw,
            llvm::to_vector(conv.getStrides().template getValues<int64_t>()),
            llvm::to_vector(conv.getDilations().template getValues<int64_t>()),
            c, f))
      return;
    double images = y.isDynamicDim(0) ? 1 : double(y.getDimSize(0));
    work.skippedFlops =
        2 * std::max(0.0, work.macs - getWinogradMacs(images, oh, ow, c, f));
  };
  if (auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(op))
    winograd(conv, /*nhwc=*/false);
  else if (auto conv = dyn_cast<linalg::Conv2DNhwcFhwcOp>(op))
    winograd(conv, /*nhwc=*/true);
}

/// Sets `work.rows` and `work.cols` from a static result: the columns are
/// dimension `channelDim` (negative: from the end), the rows every other.
void setTiledShape(Work &work, linalg::LinalgOp op, int64_t channelDim) {
  if (op.getNumDpsInits() != 1)
    return;
  auto type = dyn_cast<ShapedType>(op.getDpsInits()[0].getType());
  if (!type || !type.hasStaticShape() || type.getRank() < 2)
    return;
  int64_t rank = type.getRank();
  int64_t channel = channelDim < 0 ? rank + channelDim : channelDim;
  double rows = 1;
  for (int64_t d = 0; d < rank; ++d)
    if (d != channel)
      rows *= double(type.getDimSize(d));
  work.rows = rows;
  work.cols = double(type.getDimSize(channel));
}

/// The tag of the integer contraction generics that a fulcrum.qconv or
/// fulcrum.qgemm lowers to (ONNXToLinalg/Quantized.cpp).
constexpr StringLiteral kQContractionAttr = "fulcrum.qcontraction";

/// An integer contraction (u8/s8 by s8, i32 sums) as the 8-bit kernels run
/// it: at the target's int8 peak, a matrix product, convolution or
/// depthwise convolution by the tag's kind. The kernel requantizes in
/// registers, so it neither reads the i32 fill nor stores i32 sums: it
/// stores what the requantization after it returns (bytes, or f32).
void setQuantizedContraction(Work &work, linalg::LinalgOp op,
                             DictionaryAttr tag, double iterations) {
  auto kind = tag.getAs<StringAttr>("kind");
  work.type = DataType::I8;
  work.macs = iterations;
  work.flops = 2 * iterations;
  if (kind && kind.getValue() == "dwconv") {
    work.kind = WorkClass::Depthwise;
    // The CPU kernel's integer form (Work::quadWindow): unit stride along
    // W, channels a multiple of 16, a requantization to bytes after it.
    auto strides = tag.getAs<DenseI64ArrayAttr>("strides");
    auto filter = dyn_cast<ShapedType>(op.getDpsInputs()[1].getType());
    bool bytes = false;
    if (op->getNumResults() == 1 && op->getResult(0).hasOneUse())
      if (auto rq = dyn_cast<linalg::LinalgOp>(*op->getUsers().begin()))
        if (rq.getNumDpsInits() == 1)
          bytes = getElementTypeOrSelf(rq.getDpsInits()[0].getType())
                      .isInteger(8);
    if (strides && strides.size() == 2 && strides[1] == 1 && filter &&
        filter.hasStaticShape() && filter.getRank() == 4 &&
        filter.getDimSize(0) % 16 == 0 && bytes)
      work.quadWindow = filter.getDimSize(3);
  } else if (kind && kind.getValue() == "conv" && !isPointwise(op)) {
    work.kind = WorkClass::Convolution;
  } else {
    work.kind = WorkClass::Gemm;
  }
  // The output channels: the output dimension a convolution's filter-count
  // loop indexes (1 for NCHW, the last for NHWC), the last for a matrix
  // product.
  int64_t channelDim = -1;
  if (kind && kind.getValue() == "conv") {
    auto dims = linalg::inferConvolutionDims(op);
    AffineMap out = op.getIndexingMapsArray().back();
    if (succeeded(dims) && dims->outputChannel.size() == 1)
      if (std::optional<unsigned> pos = out.getResultPosition(
              getAffineDimExpr(dims->outputChannel[0], op.getContext())))
        channelDim = *pos;
  }
  if (work.kind != WorkClass::Depthwise)
    setTiledShape(work, op, channelDim);
  Type sums = op.getDpsInits()[0].getType();
  work.bytesRead = std::max(0.0, work.bytesRead - getNumBytes(sums));
  work.bytesWritten = getNumElements(sums);
  if (op->getNumResults() == 1 && op->getResult(0).hasOneUse())
    if (auto rq = dyn_cast<linalg::LinalgOp>(*op->getUsers().begin()))
      if (rq.getNumDpsInits() == 1)
        work.bytesWritten = getNumBytes(rq.getDpsInits()[0].getType());
}

struct LinalgWork : public WorkOpInterface::FallbackModel<LinalgWork> {
  Work getWork(Operation *op) const {
    auto linalgOp = cast<linalg::LinalgOp>(op);
    Work work;
    double iterations = 1, parallel = 1;
    SmallVector<int64_t> ranges = linalgOp.getStaticLoopRanges();
    SmallVector<utils::IteratorType> iterators =
        linalgOp.getIteratorTypesArray();
    for (auto [range, iterator] : llvm::zip(ranges, iterators)) {
      double size = ShapedType::isDynamic(range) ? 1 : double(range);
      iterations *= size;
      if (iterator == utils::IteratorType::parallel)
        parallel *= size;
    }
    work.parallelism = parallel;
    bool constantInput = false;
    for (OpOperand *input : linalgOp.getDpsInputOperands()) {
      work.bytesRead += getNumBytes(input->get().getType());
      if (isConstant(input->get())) {
        work.constantBytes += getNumBytes(input->get().getType());
        constantInput = true;
      }
    }
    for (OpOperand &init : linalgOp.getDpsInitsMutable()) {
      work.bytesWritten += getNumBytes(init.get().getType());
      if (linalgOp.payloadUsesValueFromOperand(&init))
        work.bytesRead += getNumBytes(init.get().getType());
      work.type = getDataType(init.get().getType());
    }
    Block &payload = linalgOp->getRegion(0).front();
    auto [flops, transcendentals] = countPayload(payload);
    // Indexed loads (gathers) keep the loop scalar.
    work.scalar = llvm::any_of(
        payload, [](Operation &op) { return isa<tensor::ExtractOp>(op); });
    StringRef name = op->getName().getStringRef();
    if (auto tag = op->getAttrOfType<DictionaryAttr>(kQContractionAttr)) {
      setQuantizedContraction(work, linalgOp, tag, iterations);
    } else if (name.contains("pooling")) {
      work.kind = WorkClass::Reduction;
      work.flops = iterations;
    } else if (linalg::isaContractionOpInterface(linalgOp)) {
      // Without a constant operand nothing is packed at compile time.
      work.kind = constantInput ? WorkClass::Gemm : WorkClass::DynamicGemm;
      work.macs = iterations;
      work.flops = 2 * iterations;
      // [..., M, N]: the leading dimensions are rows too.
      setTiledShape(work, linalgOp, /*channelDim=*/-1);
    } else if (name.contains("conv") &&
               linalg::isaConvolutionOpInterface(linalgOp)) {
      // Named convolutions (upstream's convolution matcher also accepts
      // element-wise generics).
      work.kind = name.contains("depthwise") ? WorkClass::Depthwise
                  : isPointwise(linalgOp)    ? WorkClass::Gemm
                                             : WorkClass::Convolution;
      work.macs = iterations;
      work.flops = 2 * iterations;
      // Output pixels by output channels: NCHW's channels are dimension 1,
      // NHWC's the last.
      if (work.kind != WorkClass::Depthwise)
        setTiledShape(work, linalgOp, name.contains("nchw") ? 1 : -1);
      setWinogradSkipped(work, op);
    } else if (linalgOp.getNumReductionLoops() > 0) {
      work.kind = WorkClass::Reduction;
      work.flops = iterations * std::max(1.0, flops);
      work.transcendentals = iterations * transcendentals;
    } else if (flops == 0 && transcendentals == 0) {
      // A broadcast or fill reads little and writes everything; a
      // transpose reads with strides.
      bool permutes =
          llvm::any_of(linalgOp.getIndexingMapsArray(), [](AffineMap map) {
            return map.isPermutation() && !map.isIdentity();
          });
      work.kind = permutes ? WorkClass::Transpose : WorkClass::DataMovement;
    } else {
      work.kind = WorkClass::Elementwise;
      work.flops = iterations * flops;
      work.transcendentals = iterations * transcendentals;
    }
    return work;
  }
};

/// Tensor ops that copy: what they read and write.
struct TensorCopyWork : public WorkOpInterface::FallbackModel<TensorCopyWork> {
  Work getWork(Operation *op) const {
    Work work;
    work.kind = WorkClass::DataMovement;
    if (auto insert = dyn_cast<tensor::InsertSliceOp>(op)) {
      work.bytesRead = getNumBytes(insert.getSourceType());
      work.bytesWritten = work.bytesRead;
    } else {
      for (Value operand : op->getOperands())
        if (isa<ShapedType>(operand.getType()))
          work.bytesRead += getNumBytes(operand.getType());
      work.bytesWritten = getNumBytes(op->getResult(0).getType());
    }
    work.type = getDataType(op->getResult(0).getType());
    work.parallelism = getNumElements(op->getResult(0).getType());
    return work;
  }
};

} // namespace

void registerLinalgWorkModels(DialectRegistry &registry) {
  registry.addExtension(
      +[](MLIRContext *context, linalg::LinalgDialect *dialect) {
        for (RegisteredOperationName name : context->getRegisteredOperations())
          if (&name.getDialect() == dialect &&
              name.hasInterface<linalg::LinalgOp>())
            name.attachInterface<LinalgWork>();
      });
  registry.addExtension(+[](MLIRContext *context, tensor::TensorDialect *) {
    tensor::PadOp::attachInterface<TensorCopyWork>(*context);
    tensor::ConcatOp::attachInterface<TensorCopyWork>(*context);
    tensor::InsertSliceOp::attachInterface<TensorCopyWork>(*context);
  });
}

} // namespace fulcrum::cost
