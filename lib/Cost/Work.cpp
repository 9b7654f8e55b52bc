//===- Work.cpp - The work of an op ---------------------------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/Work.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;

#include "fulcrum/Cost/WorkInterface.cpp.inc"

namespace fulcrum::cost {

Work &Work::operator+=(const Work &other) {
  flops += other.flops;
  macs += other.macs;
  transcendentals += other.transcendentals;
  bytesRead += other.bytesRead;
  bytesWritten += other.bytesWritten;
  parallelism = std::max(parallelism, other.parallelism);
  constantBytes += other.constantBytes;
  skippedFlops += other.skippedFlops;
  return *this;
}

bool isWinogradConvolution(int64_t kh, int64_t kw, ArrayRef<int64_t> strides,
                           ArrayRef<int64_t> dilations, int64_t c, int64_t f) {
  return kh == 3 && kw == 3 &&
         llvm::all_of(strides, [](int64_t s) { return s == 1; }) &&
         llvm::all_of(dilations, [](int64_t d) { return d == 1; }) &&
         c >= kWinogradMinChannels && f >= kWinogradMinChannels;
}

double getWinogradMacs(double images, int64_t oh, int64_t ow, int64_t c,
                       int64_t f) {
  return images * double((oh + 1) / 2) * double((ow + 1) / 2) * 16 * double(c) *
         double(f);
}

double getNumElements(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped)
    return type.isIntOrIndexOrFloat() ? 1 : 0;
  if (!shaped.hasRank())
    return 0;
  double count = 1;
  for (int64_t dim : shaped.getShape())
    if (!ShapedType::isDynamic(dim))
      count *= static_cast<double>(dim);
  return count;
}

double getNumBytes(Type type) {
  Type element = type;
  if (auto shaped = dyn_cast<ShapedType>(type))
    element = shaped.getElementType();
  double bits =
      element.isIntOrIndexOrFloat() ? element.getIntOrFloatBitWidth() : 32;
  if (element.isIndex())
    bits = 64;
  return getNumElements(type) * std::max(8.0, bits) / 8;
}

bool isConstant(Value value) {
  Operation *def = value.getDefiningOp();
  return def && (def->hasTrait<OpTrait::ConstantLike>() ||
                 def->getName().getStringRef() == "onnx.Constant");
}

DataType getDataType(Type elementType) {
  if (auto shaped = dyn_cast<ShapedType>(elementType))
    elementType = shaped.getElementType();
  if (elementType.isBF16() || elementType.isF16())
    return DataType::BF16;
  if (elementType.isInteger(8))
    return DataType::I8;
  return DataType::F32;
}

void registerONNXWorkModels(DialectRegistry &registry);
void registerLinalgWorkModels(DialectRegistry &registry);
void registerFusedWorkModels(DialectRegistry &registry);

void registerWorkModels(DialectRegistry &registry) {
  registerONNXWorkModels(registry);
  registerLinalgWorkModels(registry);
  registerFusedWorkModels(registry);
}

} // namespace fulcrum::cost
