/*===- qgemm.c - 8-bit integer GEMM and convolution kernels ---------------===*
 *
 * Part of Fulcrum. Compiled to LLVM bitcode at build time once per ISA
 * (FULCRUM_KERNEL_ISA = 1512: AVX-512 VNNI `vpdpbusd` on zmm; 1256:
 * AVX-VNNI `vpdpbusd` on ymm; 256: AVX2 `vpmaddubsw` + `vpmaddwd`; 0:
 * portable C) and linked into the models that call them (Kernels.h).
 * Nothing here may call the C library.
 *
 * Every kernel computes, for rows r (output channels: s8 weights) and
 * columns c (pixels or rows of a matrix product: u8 activations),
 *
 *   acc[r][c] = sum_k W[r][k] * X[k][c] + comp[r]
 *   comp[r]   = bias[r] - xzp * sum_k W[r][k]        (exact in int32)
 *
 * which is sum_k W[r][k] * (X[k][c] - xzp) + bias[r]. Signed (s8)
 * activations are flipped to u8 (x ^ 0x80, xzp + 128) as they are packed.
 * The epilogue then writes, per the flags,
 *
 *   bytes: y = clamp(roundeven(acc * mult[r]) + yzp, lo, hi)   (u8 or s8)
 *   f32:   y = acc * mult[r]
 *   i32:   y = acc
 *
 * The weights are read in place, row-major [R][K] (FCHW is that already):
 * the kernel reads 4 consecutive k bytes of a row as one 32-bit lane and
 * broadcasts it; when K is not a multiple of 4 the rows are copied once
 * per call into zero-padded [R][Kp] rows in the workspace. Activations are
 * packed per call into panels [Kp/4][NR][4] (NR columns, 4 k bytes per
 * 32-bit lane), so one vector load feeds a `vpdpbusd` with NR/16 (zmm)
 * columns of 4 products each.
 *
 * AVX2 has no `vpdpbusd`: `vpmaddubsw` multiplies u8 x s8 pairs into
 * saturating s16 sums, and `vpmaddwd` by ones adds the pairs into s32.
 * A pair can only saturate when 255 * (|w0| + |w1|) of same-signed weights
 * passes 32767 (or 32768 for negative sums). The kernel checks each row's
 * weight pairs once per call: a tile whose rows cannot saturate (7-bit,
 * "reduced range" weights always qualify) takes the fast path; otherwise
 * the activations are split into their low 7 bits and their top bit,
 * each product computed without saturation, and the results combined
 * exactly (twice the work). Results are therefore bit-exact on every ISA.
 *
 *===----------------------------------------------------------------------===*/

#include "quantized.h"
#include "tasks.h"

int omp_get_thread_num(void);
int omp_get_max_threads(void);

#if FULCRUM_KERNEL_ISA == 1512
#include <immintrin.h>
#define NAME(x) x##_avx512vnni
#define NR 32
#define MR 8
#elif FULCRUM_KERNEL_ISA == 1256
#include <immintrin.h>
#define NAME(x) x##_avxvnni
#define NR 16
#define MR 6
#elif FULCRUM_KERNEL_ISA == 256
#include <immintrin.h>
#define NAME(x) x##_avx2
#define NR 16
#define MR 4
#else
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#define NAME(x) x##_generic
#define NR 16
#define MR 4
#endif

/* The raw sums of one MR' x NR tile: rows of `w` (ldw bytes apart), kq
 * groups of 4 k, panel [kq][NR][4]. `exact` (AVX2 only): a row may
 * saturate vpmaddubsw. */
#if FULCRUM_KERNEL_ISA == 1512
static inline __attribute__((always_inline)) void
tile(int rows, int64_t kq, const int8_t *w, int64_t ldw, const uint8_t *panel,
     int32_t out[MR][NR], int exact) {
  (void)exact;
  __m512i acc[MR][2];
  for (int r = 0; r < rows; ++r)
    acc[r][0] = acc[r][1] = _mm512_setzero_si512();
  for (int64_t g = 0; g < kq; ++g) {
    __m512i b0 = _mm512_loadu_si512(panel + g * NR * 4);
    __m512i b1 = _mm512_loadu_si512(panel + g * NR * 4 + 64);
    for (int r = 0; r < rows; ++r) {
      __m512i a = _mm512_set1_epi32(load32(w + r * ldw + g * 4));
      acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], b0, a);
      acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], b1, a);
    }
  }
  for (int r = 0; r < rows; ++r) {
    _mm512_storeu_si512(out[r], acc[r][0]);
    _mm512_storeu_si512(out[r] + 16, acc[r][1]);
  }
}
#elif FULCRUM_KERNEL_ISA == 1256
static inline __attribute__((always_inline)) void
tile(int rows, int64_t kq, const int8_t *w, int64_t ldw, const uint8_t *panel,
     int32_t out[MR][NR], int exact) {
  (void)exact;
  __m256i acc[MR][2];
  for (int r = 0; r < rows; ++r)
    acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  for (int64_t g = 0; g < kq; ++g) {
    __m256i b0 = _mm256_loadu_si256((const __m256i *)(panel + g * NR * 4));
    __m256i b1 = _mm256_loadu_si256((const __m256i *)(panel + g * NR * 4 + 32));
    for (int r = 0; r < rows; ++r) {
      __m256i a = _mm256_set1_epi32(load32(w + r * ldw + g * 4));
      acc[r][0] = _mm256_dpbusd_avx_epi32(acc[r][0], b0, a);
      acc[r][1] = _mm256_dpbusd_avx_epi32(acc[r][1], b1, a);
    }
  }
  for (int r = 0; r < rows; ++r) {
    _mm256_storeu_si256((__m256i *)out[r], acc[r][0]);
    _mm256_storeu_si256((__m256i *)(out[r] + 8), acc[r][1]);
  }
}
#elif FULCRUM_KERNEL_ISA == 256
static inline __attribute__((always_inline)) void
tile(int rows, int64_t kq, const int8_t *w, int64_t ldw, const uint8_t *panel,
     int32_t out[MR][NR], int exact) {
  __m256i acc[MR][2];
  const __m256i ones = _mm256_set1_epi16(1);
  for (int r = 0; r < rows; ++r)
    acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  if (!exact) {
    for (int64_t g = 0; g < kq; ++g) {
      __m256i b0 = _mm256_loadu_si256((const __m256i *)(panel + g * NR * 4));
      __m256i b1 =
          _mm256_loadu_si256((const __m256i *)(panel + g * NR * 4 + 32));
      for (int r = 0; r < rows; ++r) {
        __m256i a = _mm256_set1_epi32(load32(w + r * ldw + g * 4));
        acc[r][0] = _mm256_add_epi32(
            acc[r][0], _mm256_madd_epi16(_mm256_maddubs_epi16(b0, a), ones));
        acc[r][1] = _mm256_add_epi32(
            acc[r][1], _mm256_madd_epi16(_mm256_maddubs_epi16(b1, a), ones));
      }
    }
  } else {
    /* x = lo + 128 * hi with lo < 128, hi in {0, 1}: neither product
     * saturates (127 * 128 * 2 < 32767). */
    const __m256i low7 = _mm256_set1_epi8(0x7f), bit = _mm256_set1_epi8(1);
    for (int64_t g = 0; g < kq; ++g) {
      __m256i b0 = _mm256_loadu_si256((const __m256i *)(panel + g * NR * 4));
      __m256i b1 =
          _mm256_loadu_si256((const __m256i *)(panel + g * NR * 4 + 32));
      __m256i l0 = _mm256_and_si256(b0, low7), l1 = _mm256_and_si256(b1, low7);
      __m256i h0 = _mm256_and_si256(_mm256_srli_epi16(b0, 7), bit);
      __m256i h1 = _mm256_and_si256(_mm256_srli_epi16(b1, 7), bit);
      for (int r = 0; r < rows; ++r) {
        __m256i a = _mm256_set1_epi32(load32(w + r * ldw + g * 4));
        __m256i s0 = _mm256_add_epi32(
            _mm256_madd_epi16(_mm256_maddubs_epi16(l0, a), ones),
            _mm256_slli_epi32(
                _mm256_madd_epi16(_mm256_maddubs_epi16(h0, a), ones), 7));
        __m256i s1 = _mm256_add_epi32(
            _mm256_madd_epi16(_mm256_maddubs_epi16(l1, a), ones),
            _mm256_slli_epi32(
                _mm256_madd_epi16(_mm256_maddubs_epi16(h1, a), ones), 7));
        acc[r][0] = _mm256_add_epi32(acc[r][0], s0);
        acc[r][1] = _mm256_add_epi32(acc[r][1], s1);
      }
    }
  }
  for (int r = 0; r < rows; ++r) {
    _mm256_storeu_si256((__m256i *)out[r], acc[r][0]);
    _mm256_storeu_si256((__m256i *)(out[r] + 8), acc[r][1]);
  }
}
#else
static inline __attribute__((always_inline)) void
tile(int rows, int64_t kq, const int8_t *w, int64_t ldw, const uint8_t *panel,
     int32_t out[MR][NR], int exact) {
  (void)exact;
  for (int r = 0; r < rows; ++r) {
    int32_t acc[NR] = {0};
    for (int64_t g = 0; g < kq; ++g)
      for (int j = 0; j < NR; ++j)
        for (int t = 0; t < 4; ++t)
          acc[j] += (int32_t)w[r * ldw + g * 4 + t] *
                    (int32_t)panel[(g * NR + j) * 4 + t];
    for (int j = 0; j < NR; ++j)
      out[r][j] = acc[j];
  }
}
#endif

/* Dispatches a run-time row count to a tile specialized for it. */
static void tileRows(int rows, int64_t kq, const int8_t *w, int64_t ldw,
                     const uint8_t *panel, int32_t out[MR][NR], int exact) {
#define CASE(R)                                                                \
  case R:                                                                      \
    tile(R, kq, w, ldw, panel, out, exact);                                    \
    return;
  switch (rows) {
    CASE(1)
    CASE(2)
    CASE(3)
    CASE(4)
#if MR > 4
    CASE(5)
    CASE(6)
#endif
#if MR > 6
    CASE(7)
    CASE(8)
#endif
  default:
    return;
  }
#undef CASE
}

/* Rounds to the nearest integer, ties to even, for |v| < 2^22 (the
 * default rounding mode of the additions does it). */
static inline float roundEven(float v) {
  const float magic = 12582912.0f; /* 1.5 * 2^23 */
  return (v + magic) - magic;
}

/* Stores rows x cols of a tile's raw sums: element (r, c) goes to
 * y + (r * rowStride + c * colStride) elements of the output type. */
static void storeTile(const int32_t in[MR][NR], int rows, int cols, int64_t r0,
                      const Epilogue *e, void *y, int64_t rowStride,
                      int64_t colStride) {
  for (int r = 0; r < rows; ++r) {
    int32_t comp = e->comp[r0 + r];
    float mult = e->mult ? e->mult[r0 + r] : 1.0f;
    int64_t base = (r0 + r) * rowStride;
    if (e->mode == FULCRUM_Q_OUTPUT_I32) {
      int32_t *out = (int32_t *)y + base;
      for (int c = 0; c < cols; ++c)
        out[c * colStride] = in[r][c] + comp;
    } else if (e->mode == FULCRUM_Q_OUTPUT_F32) {
      float *out = (float *)y + base;
      for (int c = 0; c < cols; ++c)
        out[c * colStride] = (float)(in[r][c] + comp) * mult;
    } else if (colStride == 1) {
      uint8_t *out = (uint8_t *)y + base;
      float vals[NR];
      for (int c = 0; c < NR; ++c) {
        float v = (float)(in[r][c] + comp) * mult;
        v = v < e->lo ? e->lo : v;
        v = v > e->hi ? e->hi : v;
        vals[c] = v + 12582912.0f;
      }
      for (int c = 0; c < cols; ++c)
        out[c] = (uint8_t)((int32_t)(vals[c] - 12582912.0f) + e->yzp);
    } else {
      uint8_t *out = (uint8_t *)y + base;
      for (int c = 0; c < cols; ++c) {
        float v = (float)(in[r][c] + comp) * mult;
        v = v < e->lo ? e->lo : v;
        v = v > e->hi ? e->hi : v;
        out[c * colStride] = (uint8_t)((int32_t)roundEven(v) + e->yzp);
      }
    }
  }
}

/* All R rows against one packed panel of `cols` columns. */
static void panelProduct(int64_t R, int64_t kq, const int8_t *w, int64_t ldw,
                         const uint8_t *panel, int cols, const uint8_t *exact,
                         const Epilogue *e, void *y, int64_t rowStride,
                         int64_t colStride) {
  int32_t sums[MR][NR] __attribute__((aligned(64)));
  for (int64_t r0 = 0; r0 < R; r0 += MR) {
    int rows = R - r0 < MR ? (int)(R - r0) : MR;
    int anyExact = 0;
    for (int r = 0; r < rows; ++r)
      anyExact |= exact[r0 + r];
    tileRows(rows, kq, w + r0 * ldw, ldw, panel, sums, anyExact);
    storeTile(sums, rows, cols, r0, e, y, rowStride, colStride);
  }
}

/* Interleaves 4 rows of NR bytes (r[t][j]) into [NR][4] at `out`; `flip`
 * xors every byte (s8 -> u8). */
static inline void interleave4(const uint8_t *r0, const uint8_t *r1,
                               const uint8_t *r2, const uint8_t *r3,
                               uint8_t *out, uint8_t flip) {
#ifdef __SSE2__
  const __m128i f = _mm_set1_epi8((char)flip);
  for (int j = 0; j < NR; j += 16) {
    __m128i a = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(r0 + j)), f);
    __m128i b = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(r1 + j)), f);
    __m128i c = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(r2 + j)), f);
    __m128i d = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(r3 + j)), f);
    __m128i abLo = _mm_unpacklo_epi8(a, b), abHi = _mm_unpackhi_epi8(a, b);
    __m128i cdLo = _mm_unpacklo_epi8(c, d), cdHi = _mm_unpackhi_epi8(c, d);
    uint8_t *o = out + j * 4;
    _mm_storeu_si128((__m128i *)o, _mm_unpacklo_epi16(abLo, cdLo));
    _mm_storeu_si128((__m128i *)(o + 16), _mm_unpackhi_epi16(abLo, cdLo));
    _mm_storeu_si128((__m128i *)(o + 32), _mm_unpacklo_epi16(abHi, cdHi));
    _mm_storeu_si128((__m128i *)(o + 48), _mm_unpackhi_epi16(abHi, cdHi));
  }
#else
  for (int j = 0; j < NR; ++j) {
    out[j * 4 + 0] = r0[j] ^ flip;
    out[j * 4 + 1] = r1[j] ^ flip;
    out[j * 4 + 2] = r2[j] ^ flip;
    out[j * 4 + 3] = r3[j] ^ flip;
  }
#endif
}

/* Walks the rows k = (c, kh, kw) of a window in FCHW order, giving the
 * offset of each in the image. */
typedef struct {
  int64_t c, kh, kw, offset;
} WindowRow;

static inline void nextRow(WindowRow *r, int64_t H, int64_t W, int64_t KH,
                           int64_t KW, int64_t dh, int64_t dw) {
  if (++r->kw < KW) {
    r->offset += dw;
    return;
  }
  r->kw = 0;
  if (++r->kh < KH) {
    r->offset += dh * W - (KW - 1) * dw;
    return;
  }
  r->kh = 0;
  ++r->c;
  r->offset = r->c * H * W;
}

/* The panel of NR pixels [p0, p0 + NR) (zero past `pixels`) of a
 * (pre-padded) NCHW image x[C][H][W] for a KH x KW window, as [kp/4][NR][4]
 * at `panel`. Rows k >= K are zero (the weights there are zero too). When
 * the panel is one run of NR pixels of an output row at unit stride, every
 * row k is NR consecutive bytes of the image and is interleaved from
 * there; otherwise the plain im2col rows [kp][NR] go to `rows` first. */
static void packConvPanel(const uint8_t *x, int64_t C, int64_t H, int64_t W,
                          int64_t KH, int64_t KW, int64_t OW, int64_t sh,
                          int64_t sw, int64_t dh, int64_t dw, int64_t p0,
                          int64_t pixels, int64_t kp, uint8_t flip,
                          uint8_t *rows, uint8_t *panel) {
  int64_t count = pixels - p0 < NR ? pixels - p0 : NR;
  int64_t runStart[NR], runOffset[NR], runLength[NR];
  int runs = 0;
  for (int64_t j = 0; j < count;) {
    int64_t q = p0 + j, oh = q / OW, ow = q % OW;
    int64_t length = OW - ow < count - j ? OW - ow : count - j;
    runStart[runs] = j;
    runOffset[runs] = oh * sh * W + ow * sw;
    runLength[runs] = length;
    ++runs;
    j += length;
  }
  int64_t K = C * KH * KW;
  WindowRow row = {0, 0, 0, 0};
  if (runs == 1 && count == NR && sw == 1) {
    const uint8_t *base = x + runOffset[0];
    int64_t g = 0;
    for (; 4 * g + 4 <= K; ++g) {
      const uint8_t *src[4];
      for (int t = 0; t < 4; ++t) {
        src[t] = base + row.offset;
        nextRow(&row, H, W, KH, KW, dh, dw);
      }
      interleave4(src[0], src[1], src[2], src[3], panel + g * NR * 4, flip);
    }
    if (4 * g < K) {
      /* The last, partial group through `rows`. */
      for (int t = 0; t < 4; ++t) {
        for (int j = 0; j < NR; ++j)
          rows[t * NR + j] = 4 * g + t < K ? base[row.offset + j] : flip;
        if (4 * g + t < K)
          nextRow(&row, H, W, KH, KW, dh, dw);
      }
      interleave4(rows, rows + NR, rows + 2 * NR, rows + 3 * NR,
                  panel + g * NR * 4, flip);
    }
    return;
  }
  for (int64_t k = 0; k < K; ++k) {
    const uint8_t *src = x + row.offset;
    uint8_t *dst = rows + k * NR;
    for (int r = 0; r < runs; ++r) {
      const uint8_t *from = src + runOffset[r];
      uint8_t *to = dst + runStart[r];
      int64_t length = runLength[r];
      if (sw == 1)
        for (int64_t t = 0; t < length; ++t)
          to[t] = from[t];
      else
        for (int64_t t = 0; t < length; ++t)
          to[t] = from[t * sw];
    }
    for (int64_t j = count; j < NR; ++j)
      dst[j] = flip;
    nextRow(&row, H, W, KH, KW, dh, dw);
  }
  for (int64_t k = K; k < kp; ++k)
    for (int64_t j = 0; j < NR; ++j)
      rows[k * NR + j] = flip;
  for (int64_t g = 0; g < kp / 4; ++g)
    interleave4(rows + (4 * g) * NR, rows + (4 * g + 1) * NR,
                rows + (4 * g + 2) * NR, rows + (4 * g + 3) * NR,
                panel + g * NR * 4, flip);
}

/* Below this many multiply-adds a call runs on the calling thread. */
#define PARALLEL_WORK (1 << 20)

/* Workspace slots (one per thread): at most this many threads run a call. */
#define SLOTS 16

static inline int threadCount(void) {
  int threads = omp_get_max_threads();
  return threads < SLOTS ? threads : SLOTS;
}

/* y[N][F][OH][OW] = conv(x[N][C][H][W], w) over an input already padded
 * (with its zero point), through the epilogue above. The weights come as
 * the compiler prepares them (Kernels.h: prepareQuantizedWeights): rows
 * w[F][kp] (K = C*KH*KW in FCHW order, zero-padded to kp, a multiple of
 * 4), comp[F] (i32), exact[F] (u8), mult[F] (f32, may be 0 for i32
 * output). Output bytes are clamped to [lo, hi] with zero point yzp.
 * The workspace holds SLOTS * 2 * kp * 32 bytes. Tasks are (image, panel
 * of NR pixels) pairs; each thread packs its panel into its own slot. */
void NAME(fulcrum_qconv2d_nchw)(int64_t N, int64_t C, int64_t H, int64_t W,
                                int64_t F, int64_t KH, int64_t KW, int64_t OH,
                                int64_t OW, int64_t sh, int64_t sw, int64_t dh,
                                int64_t dw, int64_t x, int64_t w, int64_t comp,
                                int64_t exact, int64_t mult, int64_t y,
                                int64_t workspace, int64_t yzp, int64_t lo,
                                int64_t hi, int64_t flags) {
  int64_t K = C * KH * KW, kp = roundUp(K, 4), pixels = OH * OW;
  int64_t panels = (pixels + NR - 1) / NR;
  uint8_t flip = flags & FULCRUM_Q_SIGNED_INPUT ? 0x80 : 0;
  Epilogue e = makeEpilogue(comp, mult, flags, yzp, lo, hi);
  int64_t elementBytes = e.mode ? 4 : 1, slotBytes = 2 * kp * NR;
  int64_t tasks = N * panels;
  int parallel = N * pixels * F * K >= PARALLEL_WORK, threads = threadCount();
#pragma omp parallel if (parallel) num_threads(threads)
  for (int64_t t = taskBegin(tasks), tStop = taskEnd(tasks); t < tStop; ++t) {
    int64_t n = t / panels, p = t % panels;
    uint8_t *slot =
        (uint8_t *)workspace + (int64_t)omp_get_thread_num() * slotBytes;
    const uint8_t *image = (const uint8_t *)x + n * C * H * W;
    packConvPanel(image, C, H, W, KH, KW, OW, sh, sw, dh, dw, p * NR, pixels,
                  kp, flip, slot, slot + kp * NR);
    int cols = pixels - p * NR < NR ? (int)(pixels - p * NR) : NR;
    uint8_t *out = (uint8_t *)y + (n * F * pixels + p * NR) * elementBytes;
    panelProduct(F, kp / 4, (const int8_t *)w, kp, slot + kp * NR, cols,
                 (const uint8_t *)exact, &e, out, pixels, 1);
  }
}

/* y[M][N] (row stride ldy) = A[M][K] (u8/s8, row stride lda) * W^T with
 * the weights prepared as for the convolution (rows w[N][kp]; comp, exact
 * and mult per row of w, i.e. per column of y). */
void NAME(fulcrum_qgemm)(int64_t M, int64_t N, int64_t K, int64_t a,
                         int64_t lda, int64_t w, int64_t comp, int64_t exact,
                         int64_t mult, int64_t y, int64_t ldy,
                         int64_t workspace, int64_t yzp, int64_t lo, int64_t hi,
                         int64_t flags) {
  int64_t kp = roundUp(K, 4), panels = (M + NR - 1) / NR;
  uint8_t flip = flags & FULCRUM_Q_SIGNED_INPUT ? 0x80 : 0;
  Epilogue e = makeEpilogue(comp, mult, flags, yzp, lo, hi);
  int64_t elementBytes = e.mode ? 4 : 1, slotBytes = 2 * kp * NR;
  int parallel = M * N * K >= PARALLEL_WORK, threads = threadCount();
#pragma omp parallel if (parallel) num_threads(threads)
  for (int64_t p = taskBegin(panels), pStop = taskEnd(panels); p < pStop; ++p) {
    uint8_t *panel =
        (uint8_t *)workspace + (int64_t)omp_get_thread_num() * slotBytes;
    int cols = M - p * NR < NR ? (int)(M - p * NR) : NR;
    const uint8_t *A = (const uint8_t *)a;
    for (int64_t g = 0; g < kp / 4; ++g)
      for (int j = 0; j < NR; ++j)
        for (int t = 0; t < 4; ++t) {
          int64_t k = g * 4 + t;
          panel[(g * NR + j) * 4 + t] =
              j < cols && k < K ? (uint8_t)(A[(p * NR + j) * lda + k] ^ flip)
                                : flip;
        }
    panelProduct(N, kp / 4, (const int8_t *)w, kp, panel, cols,
                 (const uint8_t *)exact, &e,
                 (uint8_t *)y + p * NR * ldy * elementBytes, 1, ldy);
  }
}
