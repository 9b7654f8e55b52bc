//===- ONNXDialect.cpp - onnx dialect, types and shared op code -----------===//
//
// Part of Fulcrum. Registers the dialect's types and generated operations,
// and implements what all operations share: the verifier hook of the
// shape-inference interface and the hand-written ops' folders.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace fulcrum::onnx;

#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "fulcrum/Dialect/ONNX/IR/ONNXTypes.cpp.inc"

#include "fulcrum/Dialect/ONNX/IR/ONNXInterfaces.cpp.inc"

void ONNXDialect::initialize() {
  registerTypes();
  registerONNXDialectOperations(this);
}

void ONNXDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "fulcrum/Dialect/ONNX/IR/ONNXTypes.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Shape-inference verification
//===----------------------------------------------------------------------===//

/// Whether a declared type `declared` is compatible with an inferred type.
static bool isCompatible(Type declared, Type inferred) {
  if (declared == inferred)
    return true;
  auto d = dyn_cast<ShapedType>(declared);
  auto i = dyn_cast<ShapedType>(inferred);
  if (!d || !i)
    return false;
  if (d.getElementType() != i.getElementType())
    return false;
  return succeeded(verifyCompatibleShape(d, i));
}

LogicalResult fulcrum::onnx::verifyInferredResultTypes(Operation *op) {
  auto iface = cast<ShapeInferenceOpInterface>(op);
  SmallVector<Type> inferred;
  if (failed(iface.inferResultTypes(inferred)))
    return failure();
  if (inferred.size() != op->getNumResults())
    return op->emitOpError("infers ")
           << inferred.size() << " result types for " << op->getNumResults()
           << " results";
  for (auto [index, pair] :
       llvm::enumerate(llvm::zip(op->getResultTypes(), inferred))) {
    auto [declared, expected] = pair;
    if (!isCompatible(declared, expected))
      return op->emitOpError("result #")
             << index << " has type " << declared
             << ", which is incompatible with the inferred type " << expected;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Hand-written operations
//===----------------------------------------------------------------------===//

OpFoldResult NoValueOp::fold(FoldAdaptor) { return UnitAttr::get(getContext()); }

Operation *ONNXDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  if (isa<NoneType>(type) && isa<UnitAttr>(value))
    return builder.create<NoValueOp>(loc, builder.getNoneType());
  return nullptr;
}
