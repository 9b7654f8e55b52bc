//===- DriverTest.cpp - Tests of the driver and the target interface ------===//
//
// Part of Fulcrum. Also the worked example of docs/HowTo.md ("Add a target
// backend"): ToyTarget stops after the graph phase, as a neuromorphic
// exporter would, and the driver refuses what it cannot do.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Driver/Driver.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace fulcrum;

namespace {

// [toy-target]
/// A target whose compile ends after `graph`: it writes the graph-phase
/// module and nothing else, and cannot run what it produced.
class ToyTarget : public TargetBackend {
public:
  llvm::StringRef getName() const override { return "toy"; }
  std::string getDescription() const override {
    return "a test target that stops after the graph phase";
  }
  llvm::ArrayRef<CompilePhase> getPhases() const override {
    static const CompilePhase phases[] = {CompilePhase::Import,
                                          CompilePhase::Graph};
    return phases;
  }
  void buildCodegenPipeline(OpPassManager &, const PipelineOptions &,
                            const TargetOptions &) const override {}
  llvm::ArrayRef<ArtifactKind> getArtifactKinds() const override { return {}; }
  llvm::Error serialize(ModuleOp, ArtifactKind, const EntryPointInfo &,
                        const TargetOptions &, llvm::StringRef) const override {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the toy target writes MLIR only");
  }
  llvm::Expected<std::unique_ptr<ModelRunner>>
  createRunner(ModuleOp, const EntryPointInfo &,
               const TargetOptions &) const override {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the toy target cannot run models");
  }
  llvm::Expected<TargetDescription>
  describe(const TargetOptions &) const override {
    TargetDescription description;
    description.target = "toy";
    description.cpu = "none";
    return description;
  }
};
// [toy-target]

/// A two-input model in the onnx dialect: y = relu(a + b).
constexpr const char *kAddRelu = R"mlir(
func.func @main_graph(%a: tensor<2x3xf32> {onnx.name = "a"},
                      %b: tensor<3xf32> {onnx.name = "b"})
    -> (tensor<2x3xf32> {onnx.name = "y"}) {
  %0 = onnx.Add(%a, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = onnx.Relu(%0) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}
)mlir";

class DriverTest : public ::testing::Test {
protected:
  DriverTest() {
    registerDriverDialects(registry);
    context = std::make_unique<MLIRContext>(registry);
  }
  OwningOpRef<ModuleOp> parse(llvm::StringRef text) {
    return parseSourceString<ModuleOp>(text, context.get());
  }
  HostTensor floats(std::vector<int64_t> shape, std::vector<float> values) {
    HostTensor t;
    t.dataType = 1;
    t.shape = std::move(shape);
    t.data.resize(values.size() * sizeof(float));
    std::memcpy(t.data.data(), values.data(), t.data.size());
    return t;
  }
  DialectRegistry registry;
  std::unique_ptr<MLIRContext> context;
};

TEST_F(DriverTest, RegistersTheCPUTarget) {
  const TargetBackend *cpu = lookupTargetBackend("cpu");
  ASSERT_NE(cpu, nullptr);
  EXPECT_EQ(lookupTargetBackend("x86-64"), cpu);
  EXPECT_TRUE(cpu->hasPhase(CompilePhase::Codegen));
  auto description = cpu->describe(TargetOptions{"", "x86-64-v3", 3});
  ASSERT_TRUE(bool(description)) << llvm::toString(description.takeError());
  EXPECT_EQ(description->cpu, "x86-64-v3");
  EXPECT_EQ(description->vectorBits, 256u);
  EXPECT_TRUE(description->hasFeature("fma"));
  EXPECT_FALSE(description->hasFeature("avx512f"));
}

TEST_F(DriverTest, CompilesAndRunsInProcess) {
  CompileOptions options;
  CompileSession session(*context, options);
  ASSERT_FALSE(bool(session.validate()));
  ASSERT_TRUE(succeeded(session.setModule(parse(kAddRelu))));
  ASSERT_TRUE(session.getSignature().has_value());
  EXPECT_EQ(session.getSignature()->inputs[1].name, "b");
  auto runner = session.createRunner();
  ASSERT_TRUE(bool(runner)) << llvm::toString(runner.takeError());
  EXPECT_EQ(session.getPhase(), CompilePhase::Codegen);
  auto outputs = (*runner)->run(
      {floats({2, 3}, {1, -2, 3, -4, 5, -6}), floats({3}, {0.5f, 0.5f, 0.5f})});
  ASSERT_TRUE(bool(outputs)) << llvm::toString(outputs.takeError());
  ASSERT_EQ(outputs->size(), 1u);
  const auto *y = reinterpret_cast<const float *>((*outputs)[0].data.data());
  std::vector<float> got(y, y + 6);
  EXPECT_EQ(got, (std::vector<float>{1.5f, 0, 3.5f, 0, 5.5f, 0}));
}

TEST_F(DriverTest, RenamesTheEntryPoint) {
  CompileOptions options;
  options.pipeline.entryPoint = "classify";
  CompileSession session(*context, options);
  ASSERT_TRUE(succeeded(session.setModule(parse(kAddRelu))));
  EXPECT_TRUE(session.getModule().lookupSymbol("classify"));
  EXPECT_FALSE(session.getModule().lookupSymbol("main_graph"));
}

TEST_F(DriverTest, RejectsAnUnknownTargetAndCPU) {
  CompileOptions options;
  options.target = "riscv";
  CompileSession unknown(*context, options);
  EXPECT_EQ(
      llvm::toString(unknown.validate()).rfind("unknown target 'riscv'", 0),
      0u);
  options.target = "cpu";
  options.targetOptions.cpu = "pentium9000";
  CompileSession badCpu(*context, options);
  EXPECT_NE(llvm::toString(badCpu.validate()).find("unknown CPU"),
            std::string::npos);
}

TEST_F(DriverTest, ATargetStopsAfterItsLastPhase) {
  registerTargetBackend(std::make_unique<ToyTarget>());
  CompileOptions options;
  options.target = "toy";
  // Diagnostics are collected here instead of printed.
  std::string diagnostics;
  ScopedDiagnosticHandler handler(context.get(), [&](Diagnostic &d) {
    diagnostics += d.str() + "\n";
    return success();
  });
  CompileSession session(*context, options, /*printDiagnostics=*/false);
  ASSERT_FALSE(bool(session.validate()));
  ASSERT_TRUE(succeeded(session.setModule(parse(kAddRelu))));
  EXPECT_TRUE(succeeded(session.runTo(CompilePhase::Graph)));
  EXPECT_TRUE(failed(session.runTo(CompilePhase::Linalg)));
  EXPECT_NE(diagnostics.find("the toy target has no linalg phase"),
            std::string::npos);
  llvm::Error so = session.writeArtifact("model.so");
  EXPECT_EQ(llvm::toString(std::move(so)),
            "the toy target cannot write .so files");
  auto runner = session.createRunner();
  ASSERT_FALSE(bool(runner));
  llvm::consumeError(runner.takeError());
}

TEST_F(DriverTest, WritesADepFileOfTheInputs) {
  llvm::SmallString<128> dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("fulcrum-dep", dir));
  llvm::SmallString<128> model(dir), depfile(dir);
  llvm::sys::path::append(model, "a $model #1.mlir");
  llvm::sys::path::append(depfile, "out.d");
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(model, ec);
    ASSERT_FALSE(ec);
    os << kAddRelu;
  }
  CompileSession session(*context, CompileOptions{});
  ASSERT_TRUE(succeeded(session.loadFile(model)));
  EXPECT_EQ(session.getInputFiles(),
            std::vector<std::string>{model.str().str()});
  ASSERT_FALSE(
      bool(session.writeDepFile(depfile, "out dir/m.o", {"calib.npy"})));
  auto text = llvm::MemoryBuffer::getFile(depfile);
  ASSERT_TRUE(bool(text));
  std::string escaped = (dir + "/a\\ $$model\\ \\#1.mlir").str();
  EXPECT_EQ((*text)->getBuffer().str(),
            "out\\ dir/m.o: \\\n  " + escaped + " \\\n  calib.npy\n");
  llvm::sys::fs::remove_directories(dir);
}

} // namespace
