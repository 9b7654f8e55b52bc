//===- ConstantValuesTest.cpp - Tests of the ONNX constant readers --------===//

#include "fulcrum/Dialect/ONNX/IR/ConstantValues.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace fulcrum::onnx;

namespace {

class ConstantValuesTest : public ::testing::Test {
protected:
  ConstantValuesTest() : builder(&context) {
    context.loadDialect<ONNXDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module.getBody());
  }
  ~ConstantValuesTest() override { module->erase(); }

  /// An onnx.Constant of `type` with the attribute `name` = `value`.
  Value constant(Type type, StringRef name, Attribute value) {
    return builder
        .create<ConstantOp>(builder.getUnknownLoc(), TypeRange{type},
                            ValueRange{}, builder.getNamedAttr(name, value))
        .getResult();
  }

  /// A dense_resource attribute of `type` holding `data`'s bytes.
  template <typename T>
  ElementsAttr resource(ShapedType type, ArrayRef<T> data) {
    return DenseResourceElementsAttr::get(
        type, "blob", HeapAsmResourceBlob::allocateAndCopyInferAlign(data));
  }

  MLIRContext context;
  OpBuilder builder;
  ModuleOp module;
};

TEST_F(ConstantValuesTest, IntsInEveryForm) {
  auto type = RankedTensorType::get({3}, builder.getI64Type());
  EXPECT_EQ(*getConstantInts(constant(
                type, "value",
                DenseIntElementsAttr::get(type, ArrayRef<int64_t>{1, -2, 3}))),
            (SmallVector<int64_t>{1, -2, 3}));
  EXPECT_EQ(*getConstantInts(constant(
                type, "value", resource(type, ArrayRef<int64_t>{4, -5, 6}))),
            (SmallVector<int64_t>{4, -5, 6}));
  EXPECT_EQ(*getConstantInts(constant(type, "value_ints",
                                      builder.getDenseI64ArrayAttr({7, 8, 9}))),
            (SmallVector<int64_t>{7, 8, 9}));
  auto scalar = RankedTensorType::get({}, builder.getI64Type());
  EXPECT_EQ(*getConstantInts(
                constant(scalar, "value_int", builder.getI64IntegerAttr(-1))),
            (SmallVector<int64_t>{-1}));
}

TEST_F(ConstantValuesTest, IntSignedness) {
  auto u8 = RankedTensorType::get(
      {2}, IntegerType::get(&context, 8, IntegerType::Unsigned));
  EXPECT_EQ(*getConstantInts(
                constant(u8, "value", resource(u8, ArrayRef<uint8_t>{255, 1}))),
            (SmallVector<int64_t>{255, 1}));
  auto i8 = RankedTensorType::get({2}, builder.getI8Type());
  EXPECT_EQ(*getConstantInts(
                constant(i8, "value", resource(i8, ArrayRef<int8_t>{-1, 1}))),
            (SmallVector<int64_t>{-1, 1}));
  auto i1 = RankedTensorType::get({2}, builder.getI1Type());
  EXPECT_EQ(*getConstantInts(constant(
                i1, "value",
                DenseElementsAttr::get(i1, ArrayRef<bool>{true, false}))),
            (SmallVector<int64_t>{1, 0}));
}

TEST_F(ConstantValuesTest, FloatsInEveryForm) {
  auto type = RankedTensorType::get({2}, builder.getF32Type());
  EXPECT_EQ(*getConstantFloats(constant(
                type, "value",
                DenseFPElementsAttr::get(type, ArrayRef<float>{0.5f, -2.f}))),
            (SmallVector<double>{0.5, -2.0}));
  EXPECT_EQ(*getConstantFloats(constant(
                type, "value", resource(type, ArrayRef<float>{1.5f, 3.f}))),
            (SmallVector<double>{1.5, 3.0}));
  EXPECT_EQ(
      *getConstantFloats(constant(type, "value_floats",
                                  builder.getDenseF32ArrayAttr({4.f, 5.f}))),
      (SmallVector<double>{4.0, 5.0}));
  auto scalar = RankedTensorType::get({}, builder.getF32Type());
  EXPECT_EQ(*getConstantFloats(constant(scalar, "value_float",
                                        builder.getF32FloatAttr(0.25f))),
            (SmallVector<double>{0.25}));
  // Half-precision blobs are decoded by their semantics (0x3C00 is 1.0).
  auto f16 = RankedTensorType::get({2}, builder.getF16Type());
  EXPECT_EQ(
      *getConstantFloats(constant(
          f16, "value", resource(f16, ArrayRef<uint16_t>{0x3C00, 0xC000}))),
      (SmallVector<double>{1.0, -2.0}));
}

TEST_F(ConstantValuesTest, Splats) {
  auto type = RankedTensorType::get({1000}, builder.getF32Type());
  EXPECT_EQ(getConstantSplatFloat(
                constant(type, "value", DenseElementsAttr::get(type, 0.5f))),
            0.5);
  auto pair = RankedTensorType::get({2}, builder.getF32Type());
  EXPECT_EQ(getConstantSplatFloat(constant(
                pair, "value", resource(pair, ArrayRef<float>{2.f, 2.f}))),
            2.0);
  EXPECT_FALSE(getConstantSplatFloat(
      constant(pair, "value", resource(pair, ArrayRef<float>{2.f, 3.f}))));
  auto scalar = RankedTensorType::get({}, builder.getI64Type());
  EXPECT_EQ(getConstantSplatInt(
                constant(scalar, "value_int", builder.getI64IntegerAttr(3))),
            3);
}

TEST_F(ConstantValuesTest, RejectsWhatItCannotRead) {
  auto type = RankedTensorType::get({2}, builder.getF32Type());
  Value floats = constant(
      type, "value", DenseFPElementsAttr::get(type, ArrayRef<float>{1, 2}));
  // Wrong element kind, a non-constant, and a blob of the wrong size.
  EXPECT_FALSE(getConstantInts(floats));
  EXPECT_FALSE(getConstantInts(
      builder.create<NoValueOp>(builder.getUnknownLoc(), builder.getNoneType())
          .getResult()));
  EXPECT_FALSE(getConstantFloats(
      constant(type, "value", resource(type, ArrayRef<float>{1.f}))));
}

} // namespace
