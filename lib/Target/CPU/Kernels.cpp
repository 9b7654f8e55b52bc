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

#include <array>

// Generated at build time from Kernels/*.c (KernelBitcode.cpp).
extern const unsigned char fulcrumKernelBitcode[];
extern const size_t fulcrumKernelBitcodeSize;

using namespace llvm;

namespace fulcrum {

namespace {
const GemmKernel kGemmKernels[] = {
    {"avx512", "fulcrum_sgemm_f32_avx512", 32, 8,
     "fulcrum_conv2d_nchw_f32_avx512", "fulcrum_dwconv2d_nchw_f32_avx512",
     "fulcrum_conv2d_nhwc_f32_avx512", "fulcrum_dwconv2d_nhwc_f32_avx512",
     "fulcrum_conv2d_winograd_nhwc_f32_avx512"},
    {"avx2", "fulcrum_sgemm_f32_avx2", 16, 6, "fulcrum_conv2d_nchw_f32_avx2",
     "fulcrum_dwconv2d_nchw_f32_avx2", "fulcrum_conv2d_nhwc_f32_avx2",
     "fulcrum_dwconv2d_nhwc_f32_avx2", "fulcrum_conv2d_winograd_nhwc_f32_avx2"},
    {"generic", "fulcrum_sgemm_f32_generic", 8, 4,
     "fulcrum_conv2d_nchw_f32_generic", "fulcrum_dwconv2d_nchw_f32_generic",
     "fulcrum_conv2d_nhwc_f32_generic", "fulcrum_dwconv2d_nhwc_f32_generic",
     "fulcrum_conv2d_winograd_nhwc_f32_generic"},
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

void packGemmWeights(ArrayRef<float> b, int64_t k, int64_t n, bool transposed,
                     int64_t nr, MutableArrayRef<float> packed) {
  int64_t panels = (n + nr - 1) / nr;
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < nr && p * nr + j < n; ++j) {
        int64_t col = p * nr + j;
        packed[(p * k + kk) * nr + j] =
            transposed ? b[col * k + kk] : b[kk * n + col];
      }
}

void packWinogradWeights(ArrayRef<float> fchw, int64_t f, int64_t c, int64_t nr,
                         MutableArrayRef<float> packed) {
  // U = G g G^T with G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2],
  // [0, 0, 1]], in double and rounded once.
  auto transform = [](const double g[3]) {
    return std::array<double, 4>{g[0], (g[0] + g[1] + g[2]) / 2,
                                 (g[0] - g[1] + g[2]) / 2, g[2]};
  };
  int64_t panels = (f + nr - 1) / nr;
  std::fill(packed.begin(), packed.end(), 0.0f);
  for (int64_t o = 0; o < f; ++o)
    for (int64_t i = 0; i < c; ++i) {
      const float *g = fchw.data() + (o * c + i) * 9;
      // Columns of g first (G g), then the rows of that ((G g) G^T).
      double gg[4][3];
      for (int64_t x = 0; x < 3; ++x) {
        double column[3] = {g[x], g[3 + x], g[6 + x]};
        std::array<double, 4> t = transform(column);
        for (int64_t r = 0; r < 4; ++r)
          gg[r][x] = t[r];
      }
      for (int64_t r = 0; r < 4; ++r) {
        std::array<double, 4> u = transform(gg[r]);
        for (int64_t s = 0; s < 4; ++s) {
          int64_t xi = r * 4 + s;
          packed[((xi * panels + o / nr) * c + i) * nr + o % nr] =
              static_cast<float>(u[s]);
        }
      }
    }
}

bool isQuantizedKernelISA(StringRef isa) {
  return isa == "amx" || isa == "avx512vnni" || isa == "avxvnni" ||
         isa == "avx2" || isa == "generic";
}

StringRef quantizedKernelSuffix(StringRef isa) {
  return isa == "amx" ? "avx512vnni" : isa;
}

StringRef selectQuantizedKernelISA(const TargetDescription &target) {
  if (target.hasFeature("avx512vnni") && target.hasFeature("avx512bw") &&
      target.hasFeature("avx512vl"))
    return target.hasFeature("amx-int8") && target.hasFeature("amx-tile")
               ? "amx"
               : "avx512vnni";
  if (target.hasFeature("avxvnni") && target.hasFeature("avx2"))
    return "avxvnni";
  if (target.hasFeature("avx2"))
    return "avx2";
  return "generic";
}

StringRef selectAttentionKernelISA(const TargetDescription &target) {
  StringRef isa = selectKernelISA(target);
  if (isa == "avx512" && target.hasFeature("avx512bf16"))
    return "avx512bf16";
  return isa;
}

QuantizedWeights prepareQuantizedWeights(ArrayRef<int64_t> weights,
                                         int64_t rows, int64_t k,
                                         ArrayRef<int64_t> bias,
                                         int64_t zeroPoint) {
  QuantizedWeights q;
  q.kp = (k + 3) / 4 * 4;
  q.weights.assign(rows * q.kp, 0);
  for (int64_t r = 0; r < rows; ++r) {
    int64_t sum = 0;
    bool saturates = false;
    for (int64_t i = 0; i < k; ++i) {
      int64_t v = weights[r * k + i];
      q.weights[r * q.kp + i] = static_cast<int8_t>(v);
      sum += v;
    }
    for (int64_t i = 0; i < k; i += 2) {
      int64_t a = weights[r * k + i],
              b = i + 1 < k ? weights[r * k + i + 1] : 0;
      int64_t pos = std::max<int64_t>(a, 0) + std::max<int64_t>(b, 0);
      int64_t neg = std::max<int64_t>(-a, 0) + std::max<int64_t>(-b, 0);
      saturates |= 255 * pos > 32767 || 255 * neg > 32768;
    }
    q.compensation.push_back(static_cast<int32_t>(
        static_cast<uint32_t>((bias.empty() ? 0 : bias[r]) - zeroPoint * sum)));
    q.exact.push_back(saturates ? 1 : 0);
  }
  return q;
}

std::vector<int8_t> packQuantizedConvWeights(ArrayRef<int8_t> weights,
                                             int64_t rows, int64_t kp) {
  int64_t padded = (rows + 15) / 16 * 16;
  std::vector<int8_t> packed(padded * kp, 0);
  for (int64_t r = 0; r < rows; ++r) {
    int64_t panel = r / 64, width = std::min<int64_t>(64, padded - panel * 64);
    int8_t *out = packed.data() + panel * 64 * kp + (r % 64) * 4;
    for (int64_t g = 0; g < kp / 4; ++g)
      for (int64_t t = 0; t < 4; ++t)
        out[g * width * 4 + t] = weights[r * kp + g * 4 + t];
  }
  return packed;
}

std::vector<int16_t> packQuantizedWinogradWeights(ArrayRef<int8_t> weights,
                                                  int64_t rows, int64_t kp,
                                                  int64_t c) {
  int64_t panels = (rows + 15) / 16, cp = (c + 1) / 2 * 2;
  std::vector<int16_t> packed(16 * panels * 16 * cp, 0);
  static const int64_t g2[4][3] = {{2, 0, 0}, {1, 1, 1}, {1, -1, 1}, {0, 0, 2}};
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t ci = 0; ci < c; ++ci) {
      // g[kh][kw] of channel ci: FHWC rows, k = (kh * 3 + kw) * c + ci.
      int64_t g[3][3];
      for (int64_t i = 0; i < 3; ++i)
        for (int64_t j = 0; j < 3; ++j)
          g[i][j] = weights[r * kp + (i * 3 + j) * c + ci];
      for (int64_t i = 0; i < 4; ++i)
        for (int64_t j = 0; j < 4; ++j) {
          int64_t u = 0;
          for (int64_t a = 0; a < 3; ++a)
            for (int64_t b = 0; b < 3; ++b)
              u += g2[i][a] * g[a][b] * g2[j][b];
          int64_t xi = i * 4 + j;
          packed[((((r / 16) * 16 + xi) * (cp / 2) + ci / 2) * 16 + r % 16) *
                     2 +
                 ci % 2] = static_cast<int16_t>(u);
        }
    }
  return packed;
}

namespace {
bool isKernel(const Function &f) {
  return f.getName().starts_with("fulcrum_sgemm_") ||
         f.getName().starts_with("fulcrum_conv2d_") ||
         f.getName().starts_with("fulcrum_dwconv2d_") ||
         f.getName().starts_with("fulcrum_softmax_") ||
         f.getName().starts_with("fulcrum_maxpool2d_") ||
         f.getName().starts_with("fulcrum_attention_") ||
         f.getName().starts_with("fulcrum_qconv2d_") ||
         f.getName().starts_with("fulcrum_qgemm_") ||
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
