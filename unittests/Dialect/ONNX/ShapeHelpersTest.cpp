//===- ShapeHelpersTest.cpp - Tests of the ONNX shape helpers -------------===//

#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"
#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace fulcrum::onnx;

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

class ShapeHelpersTest : public ::testing::Test {
protected:
  ShapeHelpersTest() : builder(&context) {
    module = ModuleOp::create(builder.getUnknownLoc());
  }
  ~ShapeHelpersTest() override { module->erase(); }

  MLIRContext context;
  OpBuilder builder;
  ModuleOp module;
};

TEST_F(ShapeHelpersTest, BroadcastStatic) {
  auto shape = broadcastShapes(module, {{2, 1, 4}, {3, 1}});
  ASSERT_TRUE(succeeded(shape));
  EXPECT_EQ(*shape, (SmallVector<int64_t>{2, 3, 4}));
}

TEST_F(ShapeHelpersTest, BroadcastDynamic) {
  auto shape = broadcastShapes(module, {{kDyn, 4}, {1, 4}, {5, 1}});
  ASSERT_TRUE(succeeded(shape));
  EXPECT_EQ(*shape, (SmallVector<int64_t>{5, 4}));
  shape = broadcastShapes(module, {{kDyn, 4}, {1, 4}});
  ASSERT_TRUE(succeeded(shape));
  EXPECT_EQ(*shape, (SmallVector<int64_t>{kDyn, 4}));
}

TEST_F(ShapeHelpersTest, BroadcastIncompatible) {
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    message = d.str();
    return success();
  });
  EXPECT_TRUE(failed(broadcastShapes(module, {{2, 3}, {4, 3}})));
  EXPECT_NE(message.find("not broadcast-compatible"), std::string::npos);
}

TEST(WindowOutputSize, MatchesOnnxFormulas) {
  // Explicit padding: floor((in + pads - ((k-1)*d+1)) / s) + 1.
  EXPECT_EQ(windowOutputSize(7, 3, 2, 1, 1, 1, "NOTSET", false), 4);
  EXPECT_EQ(windowOutputSize(5, 3, 1, 2, 0, 0, "NOTSET", false), 1);
  // ceil_mode rounds up, but the last window must start inside the input.
  EXPECT_EQ(windowOutputSize(5, 2, 2, 1, 0, 0, "NOTSET", true), 3);
  EXPECT_EQ(windowOutputSize(4, 2, 2, 1, 0, 0, "NOTSET", true), 2);
  // SAME_* keep ceil(in / stride); VALID drops partial windows.
  EXPECT_EQ(windowOutputSize(7, 3, 2, 1, 0, 0, "SAME_UPPER", false), 4);
  EXPECT_EQ(windowOutputSize(7, 3, 2, 1, 0, 0, "VALID", false), 3);
  EXPECT_EQ(windowOutputSize(kDyn, 3, 2, 1, 0, 0, "VALID", false), kDyn);
}

TEST_F(ShapeHelpersTest, ElementTypesFromONNX) {
  EXPECT_TRUE(getElementTypeFromONNX(&context, 1).isF32());
  EXPECT_TRUE(getElementTypeFromONNX(&context, 7).isSignlessInteger(64));
  EXPECT_TRUE(getElementTypeFromONNX(&context, 2).isUnsignedInteger(8));
  EXPECT_TRUE(getElementTypeFromONNX(&context, 9).isInteger(1));
  EXPECT_TRUE(getElementTypeFromONNX(&context, 16).isBF16());
  EXPECT_FALSE(getElementTypeFromONNX(&context, 0));
  EXPECT_FALSE(getElementTypeFromONNX(&context, 99));
}

} // namespace
