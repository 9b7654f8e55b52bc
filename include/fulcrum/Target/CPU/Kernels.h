//===- Kernels.h - The CPU target's micro-kernels ---------------*- C++ -*-===//
//
// Part of Fulcrum. Hand-written kernels (lib/Target/CPU/Kernels/*.c) that
// generated code calls for the work where code generation alone falls short
// of the hardware's peak, as IREE's micro-kernels do. They are compiled to
// LLVM bitcode at build time, once per ISA, embedded in the compiler, and
// linked into each model that calls them (internalized, so a model needs
// nothing at run time and several models can share a process).
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_TARGET_CPU_KERNELS_H
#define FULCRUM_TARGET_CPU_KERNELS_H

#include "fulcrum/Cost/AttentionCost.h"
#include "fulcrum/Target/TargetBackend.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace fulcrum {

/// Flags of the GEMM kernels (Kernels/gemm.c).
enum GemmFlags : int64_t {
  kGemmAccumulate = 1, ///< C += A*B (otherwise C = A*B)
  kGemmBias = 2,       ///< add a bias per column (GEMM kernel)
  kGemmClamp = 8,      ///< clamp to [lo, hi]
};

/// Threads one Winograd convolution runs on (WINOGRAD_SLOTS in
/// Kernels/winograd.inc).
constexpr int64_t kWinogradSlots = 4;

/// One ISA's variant of the fp32 GEMM kernel:
/// `void <symbol>(i64 M, i64 N, i64 K, i64 A, i64 lda, i64 B, i64 ldb,
/// i64 panelStride, i64 C, i64 ldc, i64 bias, i64 residual, i64 ldr, i64 lo,
/// i64 hi, i64 flags)` (pointers as integers): C = A*B (+ C with
/// kGemmAccumulate), + bias[N] with kGemmBias, + residual (row stride ldr)
/// when not 0, clamped to [lo, hi] (float bits in the low half) with
/// kGemmClamp.
struct GemmKernel {
  llvm::StringRef isa;
  llvm::StringRef symbol;
  /// Columns per B panel (the register tile's width).
  int64_t nr;
  /// Rows of the register tile.
  int64_t mr;
  /// The convolution kernel on the same tile:
  /// `void <convSymbol>(i64 N, C, H, W, F, KH, KW, OH, OW, strideH, strideW,
  /// dilationH, dilationW, padTop, padLeft, x, w, y, workspace, bias,
  /// residual, lo, hi, flags)`, NCHW input (zero padding outside it), FCHW
  /// weights, a workspace of convWorkspace() floats; then + bias[F] and +
  /// residual (like y) when not 0, clamped to [lo, hi] (float bits in the
  /// low half) with kGemmClamp; y accumulated into with kGemmAccumulate.
  llvm::StringRef convSymbol;
  /// The depthwise convolution kernel (channel multiplier 1):
  /// `void <depthwiseSymbol>(i64 N, C, H, W, KH, KW, OH, OW, strideH,
  /// strideW, dilationH, dilationW, padTop, padLeft, x, w, y, bias, lo, hi,
  /// flags)`, the same conventions without a residual.
  llvm::StringRef depthwiseSymbol;
  /// The channels-last convolution kernel: `void <nhwcConvSymbol>(i64 N, H,
  /// W, C, F, KH, KW, OH, OW, strideH, strideW, dilationH, dilationW,
  /// padTop, padLeft, x, w, y, workspace, bias, residual, lo, hi, flags)`,
  /// NHWC input, the filter packed by packGemmWeights from FHWC (K =
  /// KH*KW*C, transposed), bias per output channel, a workspace of
  /// nhwcConvWorkspace() floats.
  llvm::StringRef nhwcConvSymbol;
  /// The channels-last depthwise kernel: `void <nhwcDepthwiseSymbol>(i64 N,
  /// H, W, C, KH, KW, OH, OW, strideH, strideW, dilationH, dilationW,
  /// padTop, padLeft, x, w, y, bias, lo, hi, flags)`, HWC filter.
  llvm::StringRef nhwcDepthwiseSymbol;
  /// The channels-last 3x3 convolution at stride 1 without dilation as
  /// Winograd F(2x2, 3x3): the arguments of nhwcConvSymbol, with the
  /// filter transformed and packed by packWinogradWeights and a workspace
  /// of winogradWorkspace() floats.
  llvm::StringRef winogradSymbol;

  /// Floats of workspace the convolution kernel needs (packed im2col
  /// panels of one image).
  int64_t convWorkspace(int64_t c, int64_t kh, int64_t kw, int64_t oh,
                        int64_t ow) const {
    return (oh * ow + nr - 1) / nr * c * kh * kw * nr;
  }

  /// Floats of workspace the channels-last kernel needs: slots of 64
  /// im2col rows, one per 64-pixel block of an image and at least 8 (a
  /// slot per thread when a batch's images are split over threads); 0 when
  /// it reads the image in place.
  static int64_t nhwcConvWorkspace(int64_t c, int64_t kh, int64_t kw,
                                   int64_t oh, int64_t ow, bool direct) {
    int64_t slots = std::max<int64_t>((oh * ow + 63) / 64, 8);
    return direct ? 0 : slots * 64 * c * kh * kw;
  }

  /// Tiles of 2x2 output pixels the Winograd kernel transforms at a time
  /// (Kernels/winograd.inc's winogradTiles): a block's transformed input
  /// for one of the 16 positions within 128 KiB.
  static int64_t winogradTiles(int64_t c, int64_t f) {
    int64_t most = std::max<int64_t>(std::max(c, f), 1);
    return std::clamp<int64_t>(32768 / most / 8 * 8, 16, 256);
  }

  /// Floats of workspace the Winograd kernel needs: a slot per thread
  /// (at most kWinogradSlots of them) holding a block's transformed input
  /// and products.
  static int64_t winogradWorkspace(int64_t c, int64_t f) {
    return kWinogradSlots * 16 * winogradTiles(c, f) * (c + f);
  }
};

/// Transforms a 3x3 filter `fchw` (F x C x 3 x 3) for Winograd F(2x2, 3x3),
/// U[xi] = (G g G^T)[xi] for each of the 16 positions xi, and packs each
/// U[xi] (a C x F matrix) into GEMM panels of `nr` columns:
/// `packed[xi][ceil(F/nr)][C][nr]`, getWinogradPackedSize() floats.
void packWinogradWeights(llvm::ArrayRef<float> fchw, int64_t f, int64_t c,
                         int64_t nr, llvm::MutableArrayRef<float> packed);
inline int64_t getWinogradPackedSize(int64_t f, int64_t c, int64_t nr) {
  return 16 * ((f + nr - 1) / nr) * c * nr;
}

/// Workspace slots the attention kernel's threads work in (threads past
/// them allocate their own scratch).
constexpr int64_t kAttentionSlots = 8;

/// Floats of one thread's slot of the attention kernel's workspace: K
/// packed per tile of keys, a register tile of scores and a block of
/// accumulators, for any ISA (Kernels/attention.c: at most 8 rows per
/// register tile, 16 per block), and 64 bytes for alignment. In bf16, K
/// and V packed in pairs per tile, and a block's query pairs. `tile` is
/// the key tile the call passes (0 or more than `lk`: one tile of `lk`).
inline int64_t attentionSlotFloats(int64_t lk, int64_t tile, int64_t d,
                                   int64_t dv, bool bf16 = false) {
  int64_t t = tile <= 0 || tile > lk ? lk : tile;
  int64_t tp = (t + 15) / 16 * 16, tiles = (lk + t - 1) / t;
  int64_t dvp = (dv + 15) / 16 * 16, dp = (d + 1) / 2;
  if (bf16)
    return tiles * dp * tp + tiles * ((t + 1) / 2) * dvp + 8 * tp + 16 * dvp +
           16 * dp + 16;
  int64_t floats = tiles * d * tp + 8 * tp + 16 * dvp;
  // The transposed direct form (fp32, unmasked, at most
  // kTransposedAttentionKeys keys; the slot does not know the mask):
  // scores [lk][16] and queries [d][16].
  if (t >= lk && lk <= cost::kTransposedAttentionKeys)
    floats = std::max(floats, (lk + d) * 16 + 16);
  return floats + 16;
}

/// The kernel of `isa` (`avx512`, `avx2`, `generic`).
std::optional<GemmKernel> getGemmKernel(llvm::StringRef isa);

/// The best kernel ISA for a target: avx512 with AVX-512F, avx2 with AVX2
/// and FMA, generic otherwise.
llvm::StringRef selectKernelISA(const TargetDescription &target);

/// The number of floats packGemmWeights writes.
inline int64_t getPackedGemmSize(int64_t k, int64_t n, int64_t nr) {
  return (n + nr - 1) / nr * k * nr;
}

/// Writes `b` ([k][n] row-major, or [n][k] when `transposed`) to `packed`
/// (getPackedGemmSize floats, zeroed) as zero-padded panels
/// [ceil(n/nr)][k][nr].
void packGemmWeights(llvm::ArrayRef<float> b, int64_t k, int64_t n,
                     bool transposed, int64_t nr,
                     llvm::MutableArrayRef<float> packed);

/// Flags of the 8-bit kernels (Kernels/qgemm.c).
enum QuantizedFlags : int64_t {
  kQuantizedSignedInput = 1, ///< activations are i8 (otherwise u8)
  kQuantizedOutputF32 = 2,   ///< y = acc * mult in f32 (otherwise bytes)
  kQuantizedOutputI32 = 4,   ///< y = acc in i32
  kQuantizedClampF32 = 8,    ///< f32 output clamped to [lo, hi] (float bits;
                             ///< channels-last kernel)
  kQuantizedAMX = 16,        ///< the channels-last kernel may take its AMX
                             ///< path where the CPU and OS allow it
};

/// Whether `isa` names a variant of the 8-bit kernels: `amx` (the
/// `avx512vnni` kernels with their AMX tiles allowed: tdpbusd), `avx512vnni`
/// (vpdpbusd on zmm), `avxvnni` (vpdpbusd on ymm), `avx2` (vpmaddubsw +
/// vpmaddwd), `generic` (portable C).
bool isQuantizedKernelISA(llvm::StringRef isa);

/// The suffix of the 8-bit kernels' symbols for `isa` (`amx` runs the
/// `avx512vnni` ones, with kQuantizedAMX).
llvm::StringRef quantizedKernelSuffix(llvm::StringRef isa);

/// The best 8-bit kernel variant for a target's features.
llvm::StringRef selectQuantizedKernelISA(const TargetDescription &target);

/// The attention kernel's variant: `avx512bf16` where AVX-512 comes with
/// AVX512-BF16 (vdpbf16ps for bf16 attention), else selectKernelISA's.
llvm::StringRef selectAttentionKernelISA(const TargetDescription &target);

/// Weights of an 8-bit kernel as the compiler prepares them: rows of
/// `kp` (k rounded up to 4) bytes, zero-padded; per row the compensation
/// `bias - zeroPoint * sum(row)` (zeroPoint: the activations' after their
/// shift to u8) and whether a pair of its weights could saturate AVX2's
/// vpmaddubsw (255 * (|w0| + |w1|) of same-signed weights above 32767).
struct QuantizedWeights {
  int64_t kp = 0;
  std::vector<int8_t> weights;
  std::vector<int32_t> compensation;
  std::vector<uint8_t> exact;
};

/// Prepares `rows` x `k` weights (row-major) with `bias` (empty: none).
QuantizedWeights prepareQuantizedWeights(llvm::ArrayRef<int64_t> weights,
                                         int64_t rows, int64_t k,
                                         llvm::ArrayRef<int64_t> bias,
                                         int64_t zeroPoint);

/// Bytes of workspace an 8-bit kernel call needs for rows of `kp` bytes:
/// 16 thread slots of a plain and a packed panel of 32 columns.
inline int64_t quantizedKernelWorkspace(int64_t kp) { return 16 * 2 * kp * 32; }

/// The rows of prepared weights (`rows` x `kp`, FHWC order for a
/// convolution) as the channels-last kernels of Kernels/qconv.c read them:
/// panels of 64 rows (the last one narrower, rows padded with zeros to a
/// multiple of 16), [ceil(rows16/64)][kp/4][width][4].
std::vector<int8_t> packQuantizedConvWeights(llvm::ArrayRef<int8_t> weights,
                                             int64_t rows, int64_t kp);

/// Bytes of workspace a channels-last 8-bit convolution needs: 16 thread
/// slots of 256 KiB of packed pixel rows.
inline int64_t quantizedConvWorkspace() { return 16 * 262144; }

/// The largest number of input channels of an 8-bit 3x3 convolution the
/// integer Winograd kernel takes: 4 x the window's sum over C channels of
/// 255 x 128 products must fit 32 bits.
constexpr int64_t kQuantizedWinogradMaxChannels = 1536;

/// The prepared weights of a 3x3 convolution (`rows` x `kp`, FHWC order,
/// `c` input channels) as AVX2's integer Winograd F(2x2, 3x3) kernel
/// (Kernels/qconv.c: fulcrum_qconv2d_winograd_nhwc) reads them: U = G2 g
/// G2^T per channel pair, G2 = [2 0 0; 1 1 1; 1 -1 1; 0 0 2] (4 G g G^T,
/// integral, |U| <= 1152), as i16 [ceil(rows/16)][16][cp/2][16][2] with cp
/// = c rounded up to 2 (padding zeros): each panel of 16 output channels
/// is one run of memory, its 16 positions one after another.
std::vector<int16_t>
packQuantizedWinogradWeights(llvm::ArrayRef<int8_t> weights, int64_t rows,
                             int64_t kp, int64_t c);

/// Bytes of workspace the integer Winograd kernel needs: one image's
/// transformed activations, 16 x tiles x cp i16 (2x2 output tiles).
inline int64_t quantizedWinogradWorkspace(int64_t oh, int64_t ow, int64_t c) {
  return 16 * ((oh + 1) / 2) * ((ow + 1) / 2) * ((c + 1) / 2 * 2) * 2;
}

/// Bytes of workspace the depthwise 8-bit kernel needs (qconv.c): per
/// thread slot (16), the larger of its two forms' needs. The f32 form keeps
/// a ring of R = (KH - 1) * dh + 1 input rows padded to the windows' width,
/// (OW - 1) * sw + (KW - 1) * dw + 1 pixels of C f32. The AVX-512 VNNI
/// integer form (depthwise.inc: quadSlotBytes) keeps a ring of R rows of
/// WQ = (OW - 1) * sw + 4 * (G - 1) * dw + 1 columns of C quads of 4 bytes
/// (G = ceil(KW / 4) groups of 4 taps), one padded byte row of WQ + 3 * dw
/// columns, the weights as [KH][G][C][4] bytes and C i32 starts, each from
/// a multiple of 64 bytes.
inline int64_t quantizedDepthwiseWorkspace(int64_t kh, int64_t kw, int64_t ow,
                                           int64_t c, int64_t sw, int64_t dh,
                                           int64_t dw) {
  auto round64 = [](int64_t v) { return (v + 63) / 64 * 64; };
  int64_t r = (kh - 1) * dh + 1, g = (kw + 3) / 4;
  int64_t f32Form = r * ((ow - 1) * sw + (kw - 1) * dw + 1) * c * 4;
  int64_t wq = (ow - 1) * sw + 4 * (g - 1) * dw + 1;
  // (The integer form only runs over channels in 16s.)
  int64_t quadForm = c % 16 != 0 ? 0
                                 : round64(r * wq * c * 4) +
                                       round64((wq + 3 * dw) * c) +
                                       round64(kh * g * c * 4) +
                                       round64(c * 4);
  return 16 * std::max(f32Form, quadForm);
}

/// Links the kernels `module` calls into it from the embedded bitcode and
/// makes them internal.
llvm::Error linkKernels(llvm::Module &module);

} // namespace fulcrum

#endif // FULCRUM_TARGET_CPU_KERNELS_H
