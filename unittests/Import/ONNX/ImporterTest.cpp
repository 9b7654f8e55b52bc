//===- ImporterTest.cpp - Tests of the ONNX importer's library API --------===//

#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Import/ONNX/ONNXImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "onnx/defs/parser.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace mlir;

namespace {

/// A Gemm model whose weight initializer holds `weights` (4x3, raw data).
std::string gemmModel(const std::vector<float> &weights) {
  onnx::ModelProto model;
  auto status = onnx::OnnxParser::Parse(model, R"(
    <ir_version: 8, opset_import: ["" : 17]>
    g (float[2, 4] x) => (float[2, 3] y) {
      y = Gemm(x, w)
    })");
  EXPECT_TRUE(status.IsOK()) << status.ErrorMessage();
  onnx::TensorProto *w = model.mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(4);
  w->add_dims(3);
  w->set_raw_data(std::string(reinterpret_cast<const char *>(weights.data()),
                              weights.size() * sizeof(float)));
  return model.SerializeAsString();
}

TEST(ImporterTest, ImportsWeightsAsResourceBlobs) {
  std::vector<float> weights(12);
  for (size_t i = 0; i < weights.size(); ++i)
    weights[i] = 0.25f * static_cast<float>(i) - 1.0f;
  std::string bytes = gemmModel(weights);
  MLIRContext context;
  auto module = fulcrum::importONNXModel(
      llvm::MemoryBufferRef(bytes, "gemm.onnx"), &context);
  ASSERT_TRUE(module);

  auto func = module->lookupSymbol<func::FuncOp>("main_graph");
  ASSERT_TRUE(func);
  EXPECT_EQ(func.getNumArguments(), 1u);
  auto gemm = *func.getOps<fulcrum::onnx::GemmOp>().begin();
  EXPECT_EQ(cast<RankedTensorType>(gemm.getY().getType()).getShape(),
            ArrayRef<int64_t>({2, 3}));
  // Defaults are filled in.
  EXPECT_EQ(gemm->getAttrOfType<FloatAttr>("alpha").getValueAsDouble(), 1.0);

  auto weight = gemm.getB().getDefiningOp<fulcrum::onnx::ConstantOp>();
  ASSERT_TRUE(weight);
  auto resource = dyn_cast<DenseResourceElementsAttr>(weight.getValueAttr());
  ASSERT_TRUE(resource);
  ArrayRef<char> data = resource.getRawHandle().getBlob()->getData();
  ASSERT_EQ(data.size(), weights.size() * sizeof(float));
  EXPECT_EQ(std::memcmp(data.data(), weights.data(), data.size()), 0);
}

TEST(ImporterTest, ReportsMissingFile) {
  MLIRContext context;
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    message = d.str();
    return success();
  });
  auto module = fulcrum::importONNXFile("/nonexistent/model.onnx", &context);
  EXPECT_FALSE(module);
  EXPECT_NE(message.find("cannot read '/nonexistent/model.onnx'"),
            std::string::npos);
}

TEST(ImporterTest, ReportsTruncatedModel) {
  std::string bytes = gemmModel(std::vector<float>(12, 1.0f));
  bytes.resize(bytes.size() - 7);
  MLIRContext context;
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    message = d.str();
    return success();
  });
  auto module = fulcrum::importONNXModel(
      llvm::MemoryBufferRef(bytes, "cut.onnx"), &context);
  EXPECT_FALSE(module);
  EXPECT_NE(message.find("truncated or corrupted"), std::string::npos);
}

} // namespace
