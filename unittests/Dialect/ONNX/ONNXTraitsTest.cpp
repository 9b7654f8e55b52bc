//===- ONNXTraitsTest.cpp - Tests of the per-operator facts ---------------===//

#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace fulcrum::onnx;

namespace {

// The generator attaches the facts of utils/onnx-dialect-gen/op-traits.txt.
TEST(ONNXTraits, FromTheGeneratorConfiguration) {
  EXPECT_TRUE(ReluOp::hasTrait<trait::ElementwiseUnary>());
  EXPECT_FALSE(ReluOp::hasTrait<trait::ElementwiseBroadcast>());
  EXPECT_TRUE(AbsV6Op::hasTrait<trait::ElementwiseUnary>());
  EXPECT_TRUE(AddOp::hasTrait<trait::ElementwiseBroadcast>());
  EXPECT_TRUE(WhereOp::hasTrait<trait::ElementwiseBroadcast>());
  EXPECT_TRUE(ReduceSumOp::hasTrait<trait::Reduction>());
  EXPECT_TRUE(ArgMaxOp::hasTrait<trait::Reduction>());
  EXPECT_TRUE(ConvOp::hasTrait<trait::Contraction>());
  EXPECT_TRUE(MatMulOp::hasTrait<trait::Contraction>());
  EXPECT_TRUE(ConvOp::hasTrait<trait::Weights>());
  EXPECT_TRUE(BatchNormalizationOp::hasTrait<trait::Weights>());
  EXPECT_FALSE(AddOp::hasTrait<trait::Weights>());
  // Operators without facts, and superseded versions not listed.
  EXPECT_FALSE(ReshapeOp::hasTrait<trait::ElementwiseUnary>());
  EXPECT_FALSE(ReshapeOp::hasTrait<trait::Reduction>());
  EXPECT_FALSE(ReduceSumV11Op::hasTrait<trait::Reduction>());
}

TEST(ONNXTraits, QueriedOnOperations) {
  MLIRContext context;
  context.loadDialect<ONNXDialect>();
  OpBuilder b(&context);
  Location loc = b.getUnknownLoc();
  auto module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module.getBody());
  auto type = RankedTensorType::get({2}, b.getF32Type());
  Value x = b.create<ConstantOp>(
                 loc, TypeRange{type}, ValueRange{},
                 b.getNamedAttr("value_floats", b.getDenseF32ArrayAttr({1, 2})))
                .getResult();
  Operation *relu = b.create<ReluOp>(loc, type, x);
  Operation *add = b.create<AddOp>(loc, type, x, x);
  EXPECT_TRUE(isElementwise(relu));
  EXPECT_TRUE(isElementwise(add));
  EXPECT_FALSE(isElementwise(x.getDefiningOp()));
  EXPECT_TRUE(add->hasTrait<trait::ElementwiseBroadcast>());
  Operation *matmul = b.create<MatMulOp>(loc, type, x, x);
  EXPECT_FALSE(isWeightOperand(matmul, 0));
  EXPECT_TRUE(isWeightOperand(matmul, 1));
  EXPECT_FALSE(isWeightOperand(add, 1));
  module->erase();
}

} // namespace
