//===- ONNXWork.cpp - Work of onnx ops, per op class ----------------------===//
//
// Part of Fulcrum. One external model of WorkOpInterface per op class of
// the onnx dialect, attached to every op of the class: element-wise (the
// ElementwiseUnary/ElementwiseBroadcast traits), contractions (the
// Contraction trait: Conv, ConvTranspose, MatMul, Gemm and their integer
// forms), reductions (the Reduction trait, and the windowed and
// normalizing ops that reduce: pooling, softmax, normalizations) and data
// movement (everything else; views and constants have no work).
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/Work.h"

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumDialect.h"
#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXTraits.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace fulcrum::cost {

namespace {

double resultElements(Operation *op) {
  return op->getNumResults() ? getNumElements(op->getResult(0).getType()) : 0;
}

/// Bytes of every operand read and every result written.
void addOperandBytes(Operation *op, Work &work) {
  for (Value operand : op->getOperands()) {
    work.bytesRead += getNumBytes(operand.getType());
    if (isConstant(operand))
      work.constantBytes += getNumBytes(operand.getType());
  }
  for (Value result : op->getResults())
    work.bytesWritten += getNumBytes(result.getType());
  if (op->getNumResults())
    work.type = getDataType(op->getResult(0).getType());
}

int64_t getIntAttr(Operation *op, StringRef name, int64_t fallback) {
  if (auto attr = op->getAttrOfType<IntegerAttr>(name))
    return attr.getInt();
  return fallback;
}

/// An integer list attribute (`onnx` and `fulcrum` ops hold them as
/// DenseI64ArrayAttr; absent: `size` copies of `fallback`).
SmallVector<int64_t> getIntsAttr(Operation *op, StringRef name, size_t size,
                                 int64_t fallback) {
  if (auto attr = op->getAttrOfType<DenseI64ArrayAttr>(name))
    return llvm::to_vector(attr.asArrayRef());
  return SmallVector<int64_t>(size, fallback);
}

ArrayRef<int64_t> getShape(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type ? type.getShape() : ArrayRef<int64_t>();
}

double dim(ArrayRef<int64_t> shape, int64_t index) {
  if (index < 0)
    index += shape.size();
  if (index < 0 || index >= static_cast<int64_t>(shape.size()) ||
      ShapedType::isDynamic(shape[index]))
    return 1;
  return static_cast<double>(shape[index]);
}

/// Element-wise ops: a few operations per output element; transcendental
/// functions counted apart.
/// The ONNX operator a `fulcrum` fused op stands for (its work is that
/// operator's, plus the epilogue's few operations per output), or `name`.
StringRef getONNXName(StringRef name) {
  return llvm::StringSwitch<StringRef>(name)
      .Case("fulcrum.conv", "onnx.Conv")
      .Case("fulcrum.matmul", "onnx.MatMul")
      .Case("fulcrum.gemm", "onnx.Gemm")
      .Case("fulcrum.qconv", "onnx.ConvInteger")
      .Case("fulcrum.qgemm", "fulcrum.qgemm")
      .Case("fulcrum.gelu", "onnx.Gelu")
      .Case("fulcrum.layer_norm", "onnx.LayerNormalization")
      .Default(name);
}

struct ElementwiseWork
    : public WorkOpInterface::FallbackModel<ElementwiseWork> {
  Work getWork(Operation *op) const {
    static const llvm::StringSet<> transcendental = {
        "onnx.Exp",      "onnx.Log",   "onnx.Tanh",     "onnx.Sigmoid",
        "onnx.Erf",      "onnx.Gelu",  "onnx.Softplus", "onnx.Sin",
        "onnx.Cos",      "onnx.Tan",   "onnx.Asin",     "onnx.Acos",
        "onnx.Atan",     "onnx.Sinh",  "onnx.Cosh",     "onnx.Asinh",
        "onnx.Acosh",    "onnx.Atanh", "onnx.Pow",      "onnx.Mish",
        "onnx.Softsign", "onnx.Selu",  "onnx.Elu",      "onnx.Celu"};
    static const llvm::StringSet<> slow = {"onnx.Div", "onnx.Sqrt",
                                           "onnx.Reciprocal", "onnx.Mod"};
    Work work;
    work.kind = WorkClass::Elementwise;
    double elements = resultElements(op);
    StringRef name = getONNXName(op->getName().getStringRef());
    work.flops = elements * (slow.contains(name) ? 4 : 1);
    if (transcendental.contains(name))
      work.transcendentals = elements;
    work.parallelism = elements;
    addOperandBytes(op, work);
    return work;
  }
};

/// Conv, ConvTranspose, MatMul, Gemm and their integer forms:
/// multiply-accumulates from the shapes.
struct ContractionWork
    : public WorkOpInterface::FallbackModel<ContractionWork> {
  Work getWork(Operation *op) const {
    Work work;
    work.kind = WorkClass::Gemm;
    addOperandBytes(op, work);
    double outputs = resultElements(op);
    work.parallelism = outputs;
    StringRef name = getONNXName(op->getName().getStringRef());
    if (op->getNumOperands() < 2)
      return work;
    // Integer contractions run at the 8-bit peak, whatever they return.
    if (getDataType(op->getOperand(0).getType()) == DataType::I8)
      work.type = DataType::I8;
    if (name == "fulcrum.qgemm") {
      // W is [N, K] (Gemm's transB form).
      work.macs = outputs * dim(getShape(op->getOperand(1)), 1);
    } else if (name == "onnx.Conv" || name == "onnx.ConvInteger" ||
               name == "onnx.QLinearConv") {
      Value x = op->getOperand(0);
      Value w = op->getOperand(name == "onnx.QLinearConv" ? 3 : 1);
      ArrayRef<int64_t> wShape = getShape(w);
      int64_t group = getIntAttr(op, "group", 1);
      double filters = dim(wShape, 0);
      work.macs = outputs * getNumElements(w.getType()) / filters;
      bool depthwise = group > 1 && dim(wShape, 1) == 1 &&
                       dim(getShape(x), 1) == static_cast<double>(group);
      // A 1x1 filter makes a matrix product of the (channels-last) image.
      bool pointwise =
          getNumElements(w.getType()) == dim(wShape, 0) * dim(wShape, 1);
      work.kind = depthwise   ? WorkClass::Depthwise
                  : pointwise ? WorkClass::Gemm
                              : WorkClass::Convolution;
      // An 8-bit depthwise convolution with byte output at unit stride
      // along W over channels in 16s may run on `vpdpbusd`
      // (Work::quadWindow).
      if (depthwise && work.type == DataType::I8 && wShape.size() == 4 &&
          group % 16 == 0 && getIntsAttr(op, "strides", 2, 1)[1] == 1 &&
          mlir::getElementTypeOrSelf(op->getResult(0).getType()).isInteger(8))
        work.quadWindow = wShape[3];
      // The CPU kernels run eligible fp32 3x3 convolutions as Winograd.
      ArrayRef<int64_t> y = getShape(op->getResult(0));
      if (work.type == DataType::F32 && group == 1 && wShape.size() == 4 &&
          y.size() == 4 && !ShapedType::isDynamic(y[2]) &&
          !ShapedType::isDynamic(y[3]) &&
          isWinogradConvolution(
              wShape[2], wShape[3], getIntsAttr(op, "strides", 2, 1),
              getIntsAttr(op, "dilations", 2, 1), wShape[1], wShape[0]))
        work.skippedFlops =
            2 *
            std::max(0.0, work.macs - getWinogradMacs(dim(y, 0), y[2], y[3],
                                                      wShape[1], wShape[0]));
    } else if (name == "onnx.ConvTranspose") {
      Value x = op->getOperand(0), w = op->getOperand(1);
      double channels = dim(getShape(w), 0);
      work.macs = getNumElements(x.getType()) * getNumElements(w.getType()) /
                  (channels * std::max<double>(1, dim(getShape(x), 0)));
      work.kind = WorkClass::Convolution;
    } else if (name == "onnx.Gemm") {
      ArrayRef<int64_t> a = getShape(op->getOperand(0));
      double k = getIntAttr(op, "transA", 0) ? dim(a, 0) : dim(a, 1);
      work.macs = outputs * k;
    } else {
      // MatMul forms: A [..., M, K] (or [K]); with two run-time operands
      // (attention) nothing is packed at compile time.
      work.macs = outputs * dim(getShape(op->getOperand(0)), -1);
      if (!isConstant(op->getOperand(0)) && !isConstant(op->getOperand(1)))
        work.kind = WorkClass::DynamicGemm;
    }
    work.flops = 2 * work.macs;
    // A bias (Gemm's C, Conv's B; a fused op's bias and residual) is one add
    // per output.
    if ((name == "onnx.Gemm" || name == "onnx.Conv" ||
         op->getName().getDialectNamespace() == "fulcrum") &&
        op->getNumOperands() > 2)
      work.flops += outputs * (op->getNumOperands() - 2);
    return work;
  }
};

/// Reductions and the ops that reduce windows or rows: a few operations per
/// element read.
struct ReductionWork : public WorkOpInterface::FallbackModel<ReductionWork> {
  Work getWork(Operation *op) const {
    Work work;
    work.kind = WorkClass::Reduction;
    addOperandBytes(op, work);
    StringRef name = getONNXName(op->getName().getStringRef());
    double inputs =
        op->getNumOperands() ? getNumElements(op->getOperand(0).getType()) : 0;
    double outputs = resultElements(op);
    work.parallelism = outputs;
    if (name == "onnx.MaxPool" || name == "onnx.AveragePool" ||
        name == "onnx.LpPool") {
      double window = 1;
      if (auto kernel = op->getAttrOfType<ArrayAttr>("kernel_shape"))
        for (Attribute size : kernel)
          if (auto value = dyn_cast<IntegerAttr>(size))
            window *= value.getInt();
      work.flops = outputs * window;
      return work;
    }
    if (name == "onnx.Softmax" || name == "onnx.LogSoftmax") {
      work.flops = 4 * inputs;
      work.transcendentals = inputs;
      return work;
    }
    if (name.contains("Normalization")) {
      work.flops = (name == "onnx.BatchNormalization" ? 2 : 6) * inputs;
      return work;
    }
    work.flops = inputs;
    if (name == "onnx.ReduceLogSumExp")
      work.transcendentals = inputs;
    return work;
  }
};

/// Copies: every output byte is read and written once. Views and
/// constants do nothing at run time.
struct DataMovementWork
    : public WorkOpInterface::FallbackModel<DataMovementWork> {
  Work getWork(Operation *op) const {
    static const llvm::StringSet<> free = {
        "onnx.Constant",  "onnx.Reshape",  "onnx.Flatten", "onnx.Squeeze",
        "onnx.Unsqueeze", "onnx.Identity", "onnx.Shape",   "onnx.Size",
        "onnx.Dropout",   "onnx.Yield",    "onnx.NoValue", "onnx.Return"};
    Work work;
    if (free.contains(op->getName().getStringRef()))
      return work;
    work.kind = op->getName().getStringRef() == "onnx.Transpose"
                    ? WorkClass::Transpose
                    : WorkClass::DataMovement;
    for (Value result : op->getResults()) {
      work.bytesRead += getNumBytes(result.getType());
      work.bytesWritten += getNumBytes(result.getType());
    }
    if (op->getNumResults())
      work.type = getDataType(op->getResult(0).getType());
    work.parallelism = resultElements(op);
    return work;
  }
};

bool isReductionLike(StringRef name) {
  static const llvm::StringSet<> names = {"onnx.Softmax",
                                          "onnx.LogSoftmax",
                                          "onnx.Hardmax",
                                          "onnx.LayerNormalization",
                                          "onnx.BatchNormalization",
                                          "onnx.InstanceNormalization",
                                          "onnx.GroupNormalization",
                                          "onnx.LpNormalization",
                                          "onnx.MeanVarianceNormalization",
                                          "onnx.LRN",
                                          "onnx.MaxPool",
                                          "onnx.AveragePool",
                                          "onnx.LpPool",
                                          "onnx.GlobalAveragePool",
                                          "onnx.GlobalMaxPool",
                                          "onnx.GlobalLpPool",
                                          "onnx.CumSum",
                                          "onnx.TopK"};
  return names.contains(name);
}

} // namespace

void registerFusedWorkModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, fused::FulcrumDialect *) {
    fused::ConvOp::attachInterface<ContractionWork>(*context);
    fused::MatMulOp::attachInterface<ContractionWork>(*context);
    fused::GemmOp::attachInterface<ContractionWork>(*context);
    fused::QConvOp::attachInterface<ContractionWork>(*context);
    fused::QGemmOp::attachInterface<ContractionWork>(*context);
    fused::GeluOp::attachInterface<ElementwiseWork>(*context);
    fused::LayerNormOp::attachInterface<ReductionWork>(*context);
  });
}

void registerONNXWorkModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, onnx::ONNXDialect *dialect) {
    for (RegisteredOperationName name : context->getRegisteredOperations()) {
      if (&name.getDialect() != dialect)
        continue;
      if (name.hasTrait<onnx::trait::ElementwiseUnary>() ||
          name.hasTrait<onnx::trait::ElementwiseBroadcast>())
        name.attachInterface<ElementwiseWork>();
      else if (name.hasTrait<onnx::trait::Contraction>())
        name.attachInterface<ContractionWork>();
      else if (name.hasTrait<onnx::trait::Reduction>() ||
               isReductionLike(name.getStringRef()))
        name.attachInterface<ReductionWork>();
      else
        name.attachInterface<DataMovementWork>();
    }
  });
}

} // namespace fulcrum::cost
