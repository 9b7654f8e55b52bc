//===- Kernels.cpp - The CPU target's micro-kernels -----------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/CPU/Kernels.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/Function.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Support/MemoryBuffer.h"

// Generated at build time from Kernels/*.c (KernelBitcode.cpp).
extern const unsigned char fulcrumKernelBitcode[];
extern const size_t fulcrumKernelBitcodeSize;

using namespace llvm;

namespace fulcrum {

namespace {
const GemmKernel kGemmKernels[] = {
    {"avx512", "fulcrum_sgemm_f32_avx512", 32, 8,
     "fulcrum_conv2d_nchw_f32_avx512", "fulcrum_dwconv2d_nchw_f32_avx512",
     "fulcrum_conv2d_nhwc_f32_avx512", "fulcrum_dwconv2d_nhwc_f32_avx512"},
    {"avx2", "fulcrum_sgemm_f32_avx2", 16, 6, "fulcrum_conv2d_nchw_f32_avx2",
     "fulcrum_dwconv2d_nchw_f32_avx2", "fulcrum_conv2d_nhwc_f32_avx2",
     "fulcrum_dwconv2d_nhwc_f32_avx2"},
    {"generic", "fulcrum_sgemm_f32_generic", 8, 4,
     "fulcrum_conv2d_nchw_f32_generic", "fulcrum_dwconv2d_nchw_f32_generic",
     "fulcrum_conv2d_nhwc_f32_generic", "fulcrum_dwconv2d_nhwc_f32_generic"},
};
} // namespace

std::optional<GemmKernel> getGemmKernel(StringRef isa) {
  for (const GemmKernel &kernel : kGemmKernels)
    if (kernel.isa == isa)
      return kernel;
  return std::nullopt;
}

StringRef selectKernelISA(const TargetDescription &target) {
  if (target.hasFeature("avx512f") && target.hasFeature("fma"))
    return "avx512";
  if (target.hasFeature("avx2") && target.hasFeature("fma"))
    return "avx2";
  return "generic";
}

std::vector<float> packGemmWeights(ArrayRef<float> b, int64_t k, int64_t n,
                                   bool transposed, int64_t nr) {
  int64_t panels = (n + nr - 1) / nr;
  std::vector<float> packed(panels * k * nr, 0.0f);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < nr && p * nr + j < n; ++j) {
        int64_t col = p * nr + j;
        packed[(p * k + kk) * nr + j] =
            transposed ? b[col * k + kk] : b[kk * n + col];
      }
  return packed;
}

namespace {
bool isKernel(const Function &f) {
  return f.getName().starts_with("fulcrum_sgemm_") ||
         f.getName().starts_with("fulcrum_conv2d_") ||
         f.getName().starts_with("fulcrum_dwconv2d_") ||
         f.getName().starts_with("fulcrum_softmax_") ||
         f.getName().starts_with("fulcrum_attention_") ||
         f.getName().starts_with("_mlir_memref_to_llvm_");
}
} // namespace

Error linkKernels(Module &module) {
  bool calls = false;
  for (Function &f : module)
    calls |= f.isDeclaration() && isKernel(f);
  if (!calls)
    return Error::success();
  auto buffer = MemoryBuffer::getMemBuffer(
      StringRef(reinterpret_cast<const char *>(fulcrumKernelBitcode),
                fulcrumKernelBitcodeSize),
      "fulcrum-kernels.bc", /*RequiresNullTerminator=*/false);
  auto kernels = parseBitcodeFile(*buffer, module.getContext());
  if (!kernels)
    return kernels.takeError();
  (*kernels)->setDataLayout(module.getDataLayout());
  (*kernels)->setTargetTriple(module.getTargetTriple());
  if (Linker::linkModules(module, std::move(*kernels),
                          Linker::Flags::LinkOnlyNeeded))
    return createStringError(inconvertibleErrorCode(),
                             "cannot link the CPU kernels");
  for (Function &f : module)
    if (!f.isDeclaration() && isKernel(f))
      f.setLinkage(GlobalValue::InternalLinkage);
  return Error::success();
}

} // namespace fulcrum
