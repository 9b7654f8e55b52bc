//===- FusionPolicyTest.cpp - Tests of the fusion policy hook -------------===//
//
// fulcrum-fuse-epilogue asks a FusionPolicy about every step; a policy
// plugged in through createFuseEpilogue(options, policy) (what the cost
// model will do) sees each candidate and its refusals stop the fusion.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumOps.h"
#include "fulcrum/Dialect/Fulcrum/Transforms/Passes.h"
#include "fulcrum/Dialect/ONNX/IR/ONNXDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace fulcrum::fused;

namespace {

constexpr const char *kModule = R"mlir(
func.func @f(%x: tensor<1x8x16x16xf32>, %w: tensor<8x8x1x1xf32>, %r: tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32> {
  %none = onnx.NoValue
  %0 = onnx.Conv(%x, %w, %none) : (tensor<1x8x16x16xf32>, tensor<8x8x1x1xf32>, none) -> tensor<1x8x16x16xf32>
  %1 = onnx.Add(%0, %r) : (tensor<1x8x16x16xf32>, tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  %2 = onnx.Relu(%1) : (tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  return %2 : tensor<1x8x16x16xf32>
}
)mlir";

/// Runs fulcrum-fuse-epilogue with `policy` on kModule; returns the fused
/// op's activation, or "" when nothing was fused.
std::string runWith(FusionPolicy policy) {
  MLIRContext context;
  context.loadDialect<func::FuncDialect, fulcrum::onnx::ONNXDialect,
                      FulcrumDialect>();
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(kModule, &context);
  EXPECT_TRUE(module);
  PassManager pm(&context);
  pm.addNestedPass<func::FuncOp>(
      createFuseEpilogue(FuseEpilogueOptions(), std::move(policy)));
  EXPECT_TRUE(succeeded(pm.run(*module)));
  std::string activation;
  module->walk([&](ConvOp op) { activation = op.getActivation().str(); });
  return activation;
}

TEST(FusionPolicyTest, PolicySeesEveryCandidate) {
  std::vector<std::string> kinds;
  std::vector<int64_t> bytes;
  std::string activation = runWith([&](const FusionCandidate &c) {
    kinds.push_back(c.kind.str());
    bytes.push_back(c.intermediateBytes);
    return FusionDecision{true, 1.0, "ms", "test"};
  });
  EXPECT_EQ(activation, "relu");
  EXPECT_EQ(kinds, (std::vector<std::string>{"residual", "activation"}));
  EXPECT_EQ(bytes, (std::vector<int64_t>{8192, 8192}));
}

TEST(FusionPolicyTest, RefusalStopsTheFusion) {
  // Refusing the activation keeps the Relu; the residual is still fused.
  std::string activation = runWith([](const FusionCandidate &c) {
    return FusionDecision{c.kind != "activation", 0.0, "ms", "test"};
  });
  EXPECT_EQ(activation, "none");
  // Refusing everything fuses nothing.
  EXPECT_EQ(runWith([](const FusionCandidate &) {
              return FusionDecision{false, 0.0, "ms", "test"};
            }),
            "");
}

TEST(FusionPolicyTest, DefaultPolicyComparesWithTheCache) {
  FusionPolicy policy = getDefaultFusionPolicy(4096);
  FusionDecision small = policy({nullptr, nullptr, "bias", 1024});
  FusionDecision large = policy({nullptr, nullptr, "bias", 8192});
  EXPECT_TRUE(small.fuse);
  EXPECT_TRUE(large.fuse);
  EXPECT_EQ(small.benefit, 0.0);
  EXPECT_EQ(large.benefit, 16384.0);
}

} // namespace
