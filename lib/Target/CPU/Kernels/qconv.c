/*===- qconv.c - 8-bit channels-last convolution kernels ------------------===*
 *
 * Part of Fulcrum. Compiled to LLVM bitcode once per ISA like qgemm.c
 * (FULCRUM_KERNEL_ISA = 1512: AVX-512 VNNI `vpdpbusd` on zmm; 1256:
 * AVX-VNNI `vpdpbusd` on ymm; 256: AVX2 `vpmaddubsw` + `vpmaddwd`; 0:
 * portable C). Nothing here may call the C library.
 *
 * A convolution over NHWC u8 (or s8) activations and FHWC s8 weights is a
 * matrix product: rows are output pixels, columns output channels, and
 * the reduction runs over k = (kh, kw, c), which is C contiguous bytes of
 * the image per (kh, kw) (KW * C when the window is dense along W). It
 * computes, as qgemm.c does,
 *
 *   acc[p][f] = sum_k X[p][k] * W[f][k] + comp[f]
 *
 * and writes y[p][f] (NHWC) through the same epilogue (bytes, f32, i32).
 *
 * The weights come packed at compile time (Kernels.h:
 * packQuantizedConvWeights) in panels of up to 64 output channels,
 * [Fp/64][kq][64][4] (the last panel narrower, channels padded to 16,
 * kq = kp / 4 groups of 4 k bytes), so that one vector load gives 16 (zmm)
 * or 8 (ymm) channels of 4 weights each. The activations of a pixel are
 * read 4 bytes at a time and broadcast: `vpdpbusd` takes u8 activations
 * against s8 weights, and a register tile is MR pixels x NV vectors of
 * channels (6 x 4 zmm: 24 accumulators; 12 x 2 when all the channels fit
 * two vectors). s8 activations are flipped to u8 as they are broadcast.
 * When C is a multiple of 4, each pixel's window is read in place, one run
 * of C bytes per (kh, kw): from the image itself, or from a copy padded
 * with the zero point in the workspace when the windows reach past it.
 * Other windows (C = 1 or 3 stems) pack their pixels' im2col rows per
 * chunk into a per-thread workspace slot (kp bytes each).
 *
 * AVX2 has no `vpdpbusd`; pairs of `vpmaddubsw` can saturate, so a layer
 * with a channel whose weights could (Kernels.h) multiplies 16-bit
 * activations by 16-bit weights with `vpmaddwd` instead (tileWide, below),
 * and only where the u16 copy of its images cannot be made does a panel
 * split each broadcast activation word into its low 7 bits and its top bit
 * (see qgemm.c).
 *
 *===----------------------------------------------------------------------===*/

#include "quantized.h"
#include "tasks.h"

int omp_get_thread_num(void);
int omp_get_num_threads(void);
int omp_get_max_threads(void);

#if FULCRUM_KERNEL_ISA == 1512
#include <immintrin.h>
#define NAME(x) x##_avx512vnni
#define VW 16 /* channels per vector */
#define MR 6  /* pixels per register tile */
#define TR 12 /* pixels per tile of at most 2 vectors of channels */
#elif FULCRUM_KERNEL_ISA == 1256 || FULCRUM_KERNEL_ISA == 256
#include <immintrin.h>
#if FULCRUM_KERNEL_ISA == 1256
#define NAME(x) x##_avxvnni
#else
#define NAME(x) x##_avx2
#endif
#define VW 8
#if FULCRUM_KERNEL_ISA == 256
/* 2 x 4 vectors: 8 accumulators, the 4 weight vectors and the broadcast
 * fit AVX2's 16 registers (3 x 4 spilled three accumulators a group:
 * ResNet-18 and MobileNetV2 with 7-bit weights took 5 % and 1 % longer). */
#define MR 2
#define TR 2
#else
#define MR 3
#define TR 3
#endif
#else
#define NAME(x) x##_generic
#define VW 8
#define MR 3
#define TR 3
#endif
#define MAX_WR 6     /* pixels per tile of AVX2's widened path (WR) */
#define NV 4         /* vectors of channels per register tile */
#define PANEL 64     /* channels per packed weight panel */
#define CHUNK 262144 /* bytes of packed pixel rows per thread slot */
#define SLOTS 16

/* Where a register tile reads its pixels' k bytes: `segments` runs of
 * `groups` words each, run s starting `offset[s]` bytes after each pixel's
 * pointer. An im2col row is one run of kq words; a window read in place
 * from a (padded) NHWC image is one run of C / 4 words per (kh, kw). */
typedef struct {
  int64_t segments, groups;
  const int64_t *offset;
} Window;

/* Runs the body once per group of 4 k bytes, in k order: `g` indexes the
 * words of the current run, `ap[r]` points at pixel r's run, and `w` (the
 * panel's weights, ldw channels of 4 bytes per group) steps a group at
 * the end of each pass. */
#define FOR_EACH_GROUP(win, a, w, ldw)                                         \
  for (int64_t s = 0; s < (win)->segments; ++s) {                              \
    const uint8_t *ap[TR];                                                     \
    for (int r = 0; r < TR; ++r)                                               \
      ap[r] = r < rows ? (a)[r] + (win)->offset[s] : 0;                        \
    for (int64_t g = 0; g < (win)->groups; ++g, (w) += (ldw)*4)
#define END_FOR_EACH_GROUP }

/* The raw sums of `rows` pixels (k bytes read through `win` from a[r])
 * against `nv` vectors of channels of one panel (w: [kq][ldw][4] bytes),
 * into out[rows][NV * VW]. `flip` is xored into every activation word. */
#if FULCRUM_KERNEL_ISA == 1512
/* The sums into registers, from init[c] (i32, nv * VW of them) or 0. */
static inline __attribute__((always_inline)) void
accumulate(int rows, int nv, const Window *win, const uint8_t *const *a,
           const int8_t *w, int64_t ldw, int32_t flip, const int32_t *init,
           __m512i acc[TR][NV]) {
  for (int v = 0; v < nv; ++v) {
    __m512i start =
        init ? _mm512_loadu_si512(init + v * VW) : _mm512_setzero_si512();
    for (int r = 0; r < rows; ++r)
      acc[r][v] = start;
  }
  FOR_EACH_GROUP(win, a, w, ldw) {
    __m512i b[NV];
    for (int v = 0; v < nv; ++v)
      b[v] = _mm512_loadu_si512(w + v * VW * 4);
    for (int r = 0; r < rows; ++r) {
      __m512i x = _mm512_set1_epi32(load32(ap[r] + g * 4) ^ flip);
      for (int v = 0; v < nv; ++v)
        acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], x, b[v]);
    }
  }
  END_FOR_EACH_GROUP
}

static inline __attribute__((always_inline)) void
tile(int rows, int nv, const Window *win, const uint8_t *const *a,
     const int8_t *w, int64_t ldw, int32_t flip, int exact,
     int32_t out[TR][NV * VW]) {
  (void)exact;
  __m512i acc[TR][NV];
  accumulate(rows, nv, win, a, w, ldw, flip, 0, acc);
  for (int r = 0; r < rows; ++r)
    for (int v = 0; v < nv; ++v)
      _mm512_storeu_si512(out[r] + v * VW, acc[r][v]);
}
#elif FULCRUM_KERNEL_ISA == 1256
/* The sums into registers, from init[c] (i32, nv * VW of them) or 0. */
static inline __attribute__((always_inline)) void
accumulate(int rows, int nv, const Window *win, const uint8_t *const *a,
           const int8_t *w, int64_t ldw, int32_t flip, int exact,
           const int32_t *init, __m256i acc[TR][NV]) {
  (void)exact;
  for (int v = 0; v < nv; ++v) {
    __m256i start = init ? _mm256_loadu_si256((const __m256i *)(init + v * VW))
                         : _mm256_setzero_si256();
    for (int r = 0; r < rows; ++r)
      acc[r][v] = start;
  }
  FOR_EACH_GROUP(win, a, w, ldw) {
    __m256i b[NV];
    for (int v = 0; v < nv; ++v)
      b[v] = _mm256_loadu_si256((const __m256i *)(w + v * VW * 4));
    for (int r = 0; r < rows; ++r) {
      __m256i x = _mm256_set1_epi32(load32(ap[r] + g * 4) ^ flip);
      for (int v = 0; v < nv; ++v)
        acc[r][v] = _mm256_dpbusd_avx_epi32(acc[r][v], x, b[v]);
    }
  }
  END_FOR_EACH_GROUP
}
#elif FULCRUM_KERNEL_ISA == 256
/* The sums into registers, from init[c] (i32, nv * VW of them) or 0. */
static inline __attribute__((always_inline)) void
accumulate(int rows, int nv, const Window *win, const uint8_t *const *a,
           const int8_t *w, int64_t ldw, int32_t flip, int exact,
           const int32_t *init, __m256i acc[TR][NV]) {
  const __m256i ones = _mm256_set1_epi16(1);
  for (int v = 0; v < nv; ++v) {
    __m256i start = init ? _mm256_loadu_si256((const __m256i *)(init + v * VW))
                         : _mm256_setzero_si256();
    for (int r = 0; r < rows; ++r)
      acc[r][v] = start;
  }
  FOR_EACH_GROUP(win, a, w, ldw) {
    __m256i b[NV];
    for (int v = 0; v < nv; ++v)
      b[v] = _mm256_loadu_si256((const __m256i *)(w + v * VW * 4));
    for (int r = 0; r < rows; ++r) {
      int32_t word = load32(ap[r] + g * 4) ^ flip;
      if (!exact) {
        __m256i x = _mm256_set1_epi32(word);
        for (int v = 0; v < nv; ++v)
          acc[r][v] = _mm256_add_epi32(
              acc[r][v],
              _mm256_madd_epi16(_mm256_maddubs_epi16(x, b[v]), ones));
      } else {
        /* x = lo + 128 * hi, lo < 128, hi in {0, 1}: no saturation. */
        __m256i lo = _mm256_set1_epi32(word & 0x7f7f7f7f);
        __m256i hi = _mm256_set1_epi32(((uint32_t)word >> 7) & 0x01010101);
        for (int v = 0; v < nv; ++v)
          acc[r][v] = _mm256_add_epi32(
              acc[r][v],
              _mm256_add_epi32(
                  _mm256_madd_epi16(_mm256_maddubs_epi16(lo, b[v]), ones),
                  _mm256_slli_epi32(
                      _mm256_madd_epi16(_mm256_maddubs_epi16(hi, b[v]), ones),
                      7)));
      }
    }
  }
  END_FOR_EACH_GROUP
}
#endif

#if FULCRUM_KERNEL_ISA == 256 || FULCRUM_KERNEL_ISA == 1256
static inline __attribute__((always_inline)) void
tile(int rows, int nv, const Window *win, const uint8_t *const *a,
     const int8_t *w, int64_t ldw, int32_t flip, int exact,
     int32_t out[TR][NV * VW]) {
  __m256i acc[TR][NV];
  accumulate(rows, nv, win, a, w, ldw, flip, exact, 0, acc);
  for (int r = 0; r < rows; ++r)
    for (int v = 0; v < nv; ++v)
      _mm256_storeu_si256((__m256i *)(out[r] + v * VW), acc[r][v]);
}
#elif FULCRUM_KERNEL_ISA != 1512
static inline __attribute__((always_inline)) void
tile(int rows, int nv, const Window *win, const uint8_t *const *a,
     const int8_t *w, int64_t ldw, int32_t flip, int exact,
     int32_t out[TR][NV * VW]) {
  (void)exact;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < nv * VW; ++c)
      out[r][c] = 0;
  FOR_EACH_GROUP(win, a, w, ldw) {
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < nv * VW; ++c)
        for (int t = 0; t < 4; ++t)
          out[r][c] += (int32_t)(uint8_t)(ap[r][g * 4 + t] ^ (uint8_t)flip) *
                       (int32_t)w[c * 4 + t];
  }
  END_FOR_EACH_GROUP
}
#endif

/* Dispatches run-time tile sizes to tiles specialized for them. */
static inline __attribute__((always_inline)) void
tileSizes(int rows, int nv, const Window *win, const uint8_t *const *a,
          const int8_t *w, int64_t ldw, int32_t flip, int exact,
          int32_t out[TR][NV * VW]) {
/* u8 activations (flip 0) are broadcast straight from memory. */
#define CASE(R, V)                                                             \
  case (R)*8 + (V):                                                            \
    if (flip)                                                                  \
      tile(R, V, win, a, w, ldw, flip, exact, out);                            \
    else                                                                       \
      tile(R, V, win, a, w, ldw, 0, exact, out);                               \
    return;
#define ROW(R) CASE(R, 1) CASE(R, 2) CASE(R, 3) CASE(R, 4)
  switch (rows * 8 + nv) {
    ROW(1)
    ROW(2)
#if MR > 2
    ROW(3)
#endif
#if MR > 3
    ROW(4)
    ROW(5)
    ROW(6)
#endif
#if TR > MR
    /* Narrow tiles (one or two vectors) take up to TR pixels. */
#define NARROW(R) CASE(R, 1) CASE(R, 2)
    NARROW(7)
    NARROW(8)
    NARROW(9)
    NARROW(10)
    NARROW(11)
    NARROW(12)
#undef NARROW
#endif
  default:
    return;
  }
#undef ROW
#undef CASE
}

#if FULCRUM_KERNEL_ISA == 256
/* The exact AVX2 path for layers whose weights could saturate
 * `vpmaddubsw`: 16-bit products with `vpmaddwd`, which cannot saturate
 * (255 * 128 * 2 < 2^31) and, on Zen 3, multiply-add at about the rate of
 * the saturating 8-bit pair (the 7 + 1 bit split costs twice that). The
 * activations are widened to u16 once per layer (already flipped to u8),
 * so a group of 4 k is 8 bytes, broadcast to every 64-bit lane; the s8
 * weights keep their packed panels and are sign-extended as they are
 * loaded, 16 bytes (4 channels x 4 k) per vector, so that each 32-bit lane
 * holds one channel's sum over k0, k1 or over k2, k3. A register tile is WR
 * pixels x 8 channels (two such vectors); the halves are added at the
 * end. */
#define WR MAX_WR

static inline int64_t load64(const void *p) {
  int64_t v;
  __builtin_memcpy(&v, p, 8);
  return v;
}

static inline __attribute__((always_inline)) void
tileWide(int rows, const Window *win, const uint8_t *const *a, const int8_t *w,
         int64_t ldw, int32_t out[WR][8]) {
  __m256i acc[WR][2];
  for (int r = 0; r < rows; ++r)
    acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  for (int64_t s = 0; s < win->segments; ++s) {
    const uint8_t *ap[WR];
    for (int r = 0; r < rows; ++r)
      ap[r] = a[r] + win->offset[s];
    for (int64_t g = 0; g < win->groups; ++g, w += ldw * 4) {
      __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)w));
      __m256i b1 =
          _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + 16)));
      for (int r = 0; r < rows; ++r) {
        __m256i x = _mm256_set1_epi64x(load64(ap[r] + g * 8));
        acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(x, b0));
        acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(x, b1));
      }
    }
  }
  /* Lanes (c0 c1 c4 c5 | c2 c3 c6 c7) after the pairwise add. */
  for (int r = 0; r < rows; ++r)
    _mm256_storeu_si256((__m256i *)out[r],
                        _mm256_permute4x64_epi64(
                            _mm256_hadd_epi32(acc[r][0], acc[r][1]), 0xD8));
}

static inline __attribute__((always_inline)) void
tileWideRows(int rows, const Window *win, const uint8_t *const *a,
             const int8_t *w, int64_t ldw, int32_t out[WR][8]) {
  /* Each row count gets its own unrolled tile. */
#define CASE(R)                                                                \
  case R:                                                                      \
    tileWide(R, win, a, w, ldw, out);                                          \
    return;
  switch (rows) { CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) }
#undef CASE
}

/* n bytes xor `flip` as u16. */
static inline void widenBytes(uint16_t *__restrict dst,
                              const uint8_t *__restrict src, uint8_t flip,
                              int64_t n) {
  for (int64_t k = 0; k < n; ++k)
    dst[k] = (uint16_t)(uint8_t)(src[k] ^ flip);
}

static inline void fillWide(uint16_t *dst, uint16_t value, int64_t n) {
  for (int64_t k = 0; k < n; ++k)
    dst[k] = value;
}
#endif

#if FULCRUM_KERNEL_ISA == 1512
/* 16 scaled sums as output bytes in 32-bit lanes: clamped to the epilogue's
 * [lo, hi] with plain min and max (the sums are finite), rounded by one
 * conversion with embedded round-to-nearest-even (no add-and-subtract of
 * 1.5 * 2^23), plus the zero point. */
static inline __attribute__((always_inline)) __m512i
requantizeVector(__m512 v, __m512 lo, __m512 hi, __m512i yzp) {
  v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
  return _mm512_add_epi32(_mm512_cvt_roundps_epi32(
                              v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC),
                          yzp);
}

/* requantizeVector with the epilogue's bounds and zero point. */
static inline __attribute__((always_inline)) __m512i
requantizeLanes(__m512 v, const Epilogue *e) {
  return requantizeVector(v, _mm512_set1_ps(e->lo), _mm512_set1_ps(e->hi),
                          _mm512_set1_epi32(e->yzp));
}

/* The lanes of the first n (at most 16 taken) of 16 channels. */
static inline __mmask16 channelMask(int n) {
  return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u);
}
#endif

/* Whether a byte epilogue writes u8 (its bounds lie in [0, 255]) rather
 * than s8 (in [-128, 127]). */
static inline int unsignedBytes(const Epilogue *e) {
  return e->lo + (float)e->yzp >= 0.0f;
}

/* Whether a byte epilogue may leave the clamp to the saturation of packing
 * i32 to bytes: the bounds are the whole byte range and no scaled sum
 * reaches 2^30 (|acc| <= |comp| + kp * 255 * 128), so the conversion to
 * i32 cannot overflow. */
static inline int packsClamp(const Epilogue *e, int64_t F, int64_t kp,
                             int isUnsigned) {
  float low = isUnsigned ? 0.0f : -128.0f, high = isUnsigned ? 255.0f : 127.0f;
  if (e->lo + (float)e->yzp > low || e->hi + (float)e->yzp < high)
    return 0;
  double most = 0.0;
  for (int64_t f = 0; f < F; ++f) {
    double c = e->comp[f] < 0 ? -(double)e->comp[f] : (double)e->comp[f];
    double m = e->mult[f] < 0 ? -(double)e->mult[f] : (double)e->mult[f];
    double v = (c + (double)kp * 255.0 * 128.0) * m;
    most = v > most ? v : most;
  }
  return most < 1073741824.0;
}

/* Writes `cols` sums (acc + comp) through the epilogue: i32, f32 times mult
 * (clamped when e->clampF32, or plus `bias` and e->residual's elements),
 * or bytes. */
static inline __attribute__((always_inline)) void
storeRow(const int32_t *acc, const int32_t *comp, const float *mult,
         const float *bias, int cols, const Epilogue *e, void *y) {
  if (e->mode == FULCRUM_Q_OUTPUT_I32) {
    int32_t *out = (int32_t *)y;
    for (int c = 0; c < cols; ++c)
      out[c] = acc[c] + comp[c];
  } else if (e->mode == FULCRUM_Q_OUTPUT_F32) {
    float *out = (float *)y;
    const float *res = e->residual ? e->residual + (out - e->yBase) : 0;
    if (e->clampF32) {
      float lo = e->lo, hi = e->hi;
      for (int c = 0; c < cols; ++c) {
        float v = (float)(acc[c] + comp[c]) * mult[c];
        v = v < lo ? lo : v;
        out[c] = v > hi ? hi : v;
      }
    } else if (bias && res) {
      /* Separate statements: no multiply-add contraction, the graph's
       * roundings. */
      for (int c = 0; c < cols; ++c) {
        float v = (float)(acc[c] + comp[c]) * mult[c];
        v = bias[c] + v;
        out[c] = res[c] + v;
      }
    } else if (bias) {
      for (int c = 0; c < cols; ++c) {
        float v = (float)(acc[c] + comp[c]) * mult[c];
        out[c] = bias[c] + v;
      }
    } else {
      for (int c = 0; c < cols; ++c)
        out[c] = (float)(acc[c] + comp[c]) * mult[c];
    }
  } else {
    uint8_t *out = (uint8_t *)y;
#if FULCRUM_KERNEL_ISA == 1512
    /* 16 channels at a time, the last ones masked. */
    for (int c = 0; c < cols; c += 16) {
      __mmask16 m = channelMask(cols - c);
      __m512i sum = _mm512_add_epi32(_mm512_maskz_loadu_epi32(m, acc + c),
                                     _mm512_maskz_loadu_epi32(m, comp + c));
      __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(sum),
                               _mm512_maskz_loadu_ps(m, mult + c));
      _mm512_mask_cvtepi32_storeu_epi8(out + c, m, requantizeLanes(v, e));
    }
#else
    float lo = e->lo, hi = e->hi;
    int32_t yzp = e->yzp;
    for (int c = 0; c < cols; ++c) {
      float v = (float)(acc[c] + comp[c]) * mult[c];
      v = v < lo ? lo : v;
      v = v > hi ? hi : v;
      /* Ties to even for |v| < 2^22 (1.5 * 2^23). */
      v = (v + 12582912.0f) - 12582912.0f;
      out[c] = (uint8_t)((int32_t)v + yzp);
    }
#endif
  }
}

/* Writes rows x cols sums of a tile (channels f0...) to y, pixel rows
 * ldy elements apart. */
static void storeTile(const int32_t *in, int64_t ldin, int rows, int cols,
                      int64_t f0, const Epilogue *e, void *y, int64_t ldy) {
  const int32_t *comp = e->comp + f0;
  const float *mult = e->mult ? e->mult + f0 : 0;
  const float *bias = e->bias ? e->bias + f0 : 0;
  for (int r = 0; r < rows; ++r) {
    if (e->mode == FULCRUM_Q_OUTPUT_I32)
      storeRow(in + r * ldin, comp, mult, 0, cols, e,
               (int32_t *)y + r * ldy + f0);
    else if (e->mode == FULCRUM_Q_OUTPUT_F32)
      storeRow(in + r * ldin, comp, mult, bias, cols, e,
               (float *)y + r * ldy + f0);
    else
      storeRow(in + r * ldin, comp, mult, 0, cols, e,
               (uint8_t *)y + r * ldy + f0);
  }
}

#if FULCRUM_KERNEL_ISA == 256 || FULCRUM_KERNEL_ISA == 1256
/* Four vectors of 8 i32 lanes, each a byte of the output's signedness (so
 * the packs are exact), as 32 bytes in lane order: q[0]'s 8, then q[1]'s,
 * q[2]'s and q[3]'s. */
static inline __attribute__((always_inline)) __m256i
packBytes(const __m256i q[4], int isUnsigned) {
  __m256i p01 = _mm256_packs_epi32(q[0], q[1]);
  __m256i p23 = _mm256_packs_epi32(q[2], q[3]);
  __m256i bytes =
      isUnsigned ? _mm256_packus_epi16(p01, p23) : _mm256_packs_epi16(p01, p23);
  /* The packs leave q[0-3]'s lanes 0-3 in the low half, 4-7 in the high. */
  return _mm256_permutevar8x32_epi32(bytes,
                                     _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/* storeTile with a vector per 8 channels of a pixel (the same roundings:
 * clamped, then rounded to nearest even like storeRow's 1.5 * 2^23
 * trick); the last cols % 8 channels and i32 results go through
 * storeTile. */
static void storeTile8(const int32_t *in, int64_t ldin, int rows, int cols,
                       int64_t f0, const Epilogue *e, void *y, int64_t ldy) {
  int vectorCols = e->mode == FULCRUM_Q_OUTPUT_I32 ? 0 : cols / 8 * 8;
  if (vectorCols < cols)
    storeTile(in + vectorCols, ldin, rows, cols - vectorCols, f0 + vectorCols,
              e, y, ldy);
  /* The low byte of each 32-bit lane, lanes 0-3 then 4-7. */
  const __m256i low = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1,
                                       -1, -1, -1, -1, -1, 0, 4, 8, 12, -1, -1,
                                       -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  /* Where MXCSR rounds to nearest even (as it does unless the caller
   * changed it), one conversion rounds like vroundps + vcvttps2dq, and 32
   * channels of a pixel are packed to bytes together: about 8 operations
   * a vector instead of 13, which small reductions (MobileNetV2's 1x1
   * layers over 16-32 channels) feel as much as their products. */
  int nearest = (_mm_getcsr() & 0x6000) == 0, c = 0;
  if (e->mode == 0 && nearest) {
    const __m256 lo = _mm256_set1_ps(e->lo), hi = _mm256_set1_ps(e->hi);
    const __m256i yzp = _mm256_set1_epi32(e->yzp);
    int isUnsigned = unsignedBytes(e);
    for (; c + 32 <= vectorCols; c += 32) {
      int64_t f = f0 + c;
      __m256i comp[4];
      __m256 mult[4];
      for (int v = 0; v < 4; ++v) {
        comp[v] = _mm256_loadu_si256((const __m256i *)(e->comp + f + 8 * v));
        mult[v] = _mm256_loadu_ps(e->mult + f + 8 * v);
      }
      for (int r = 0; r < rows; ++r) {
        __m256i q[4];
        for (int v = 0; v < 4; ++v) {
          __m256 x = _mm256_mul_ps(
              _mm256_cvtepi32_ps(_mm256_add_epi32(
                  _mm256_loadu_si256((const __m256i *)(in + r * ldin + c +
                                                       8 * v)),
                  comp[v])),
              mult[v]);
          x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
          q[v] = _mm256_add_epi32(_mm256_cvtps_epi32(x), yzp);
        }
        _mm256_storeu_si256((__m256i *)((uint8_t *)y + r * ldy + f),
                            packBytes(q, isUnsigned));
      }
    }
  }
  for (; c < vectorCols; c += 8) {
    int64_t f = f0 + c;
    __m256i comp = _mm256_loadu_si256((const __m256i *)(e->comp + f));
    __m256 mult = _mm256_loadu_ps(e->mult + f);
    for (int r = 0; r < rows; ++r) {
      __m256 v = _mm256_mul_ps(
          _mm256_cvtepi32_ps(_mm256_add_epi32(
              _mm256_loadu_si256((const __m256i *)(in + r * ldin + c)), comp)),
          mult);
      if (e->mode == FULCRUM_Q_OUTPUT_F32) {
        float *out = (float *)y + r * ldy + f;
        if (e->clampF32) {
          v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(e->lo)),
                            _mm256_set1_ps(e->hi));
        } else if (e->bias) {
          v = _mm256_add_ps(_mm256_loadu_ps(e->bias + f), v);
          if (e->residual)
            v = _mm256_add_ps(_mm256_loadu_ps(e->residual + (out - e->yBase)),
                              v);
        }
        _mm256_storeu_ps(out, v);
        continue;
      }
      v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(e->lo)),
                        _mm256_set1_ps(e->hi));
      /* Ties to even whatever the caller's MXCSR says. */
      __m256i q = _mm256_add_epi32(
          nearest ? _mm256_cvtps_epi32(v)
                  : _mm256_cvttps_epi32(_mm256_round_ps(
                        v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)),
          _mm256_set1_epi32(e->yzp));
      q = _mm256_permutevar8x32_epi32(
          _mm256_shuffle_epi8(q, low),
          _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1));
      _mm_storel_epi64((__m128i *)((uint8_t *)y + r * ldy + f),
                       _mm256_castsi256_si128(q));
    }
  }
}
#define STORE_TILE storeTile8
#elif FULCRUM_KERNEL_ISA == 1512
/* storeTile's f32 results, 16 channels a vector: acc * mult, then
 * clamped, or plus the bias and then the residual, each a statement of its
 * own as in storeRow (no multiply-add contraction: the graph's roundings).
 * A small transformer's f32 matrix products spent most of their time in
 * the compiler's vectorization of storeRow (one pixel at a time). */
static void storeTile16F32(const int32_t *in, int64_t ldin, int rows, int cols,
                           int64_t f0, const Epilogue *e, void *y,
                           int64_t ldy) {
  const __m512 lo = _mm512_set1_ps(e->lo), hi = _mm512_set1_ps(e->hi);
  float *out = (float *)y + f0;
  /* What the stores could alias, read once; a loop per kind. */
  int kind = e->clampF32 ? 1 : !e->bias ? 0 : e->residual ? 3 : 2;
  const float *residual =
      e->residual ? e->residual + (out - e->yBase) : (const float *)0;
  for (int c = 0; c < cols; c += 16) {
    __mmask16 m = channelMask(cols - c);
    __m512i comp = _mm512_loadu_si512(e->comp + f0 + c);
    __m512 mult = _mm512_maskz_loadu_ps(m, e->mult + f0 + c);
    __m512 bias = kind >= 2 ? _mm512_maskz_loadu_ps(m, e->bias + f0 + c)
                            : _mm512_setzero_ps();
#define ROWS(BODY)                                                             \
  for (int r = 0; r < rows; ++r) {                                             \
    __m512i sum =                                                              \
        _mm512_add_epi32(_mm512_loadu_si512(in + r * ldin + c), comp);         \
    __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(sum), mult);                   \
    BODY;                                                                      \
    _mm512_mask_storeu_ps(out + r * ldy + c, m, v);                            \
  }
    if (kind == 0) {
      ROWS((void)0)
    } else if (kind == 1) {
      ROWS(v = _mm512_min_ps(_mm512_max_ps(v, lo), hi))
    } else if (kind == 2) {
      ROWS(v = _mm512_add_ps(bias, v))
    } else {
      ROWS(v = _mm512_add_ps(bias, v);
           v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, residual + r * ldy + c),
                             v))
    }
#undef ROWS
  }
}

/* Four vectors of 16 i32 lanes as 64 bytes, q0's 16 first, then q1's, q2's
 * and q3's, saturated to u8 or s8: where e->packs holds, that is the
 * epilogue's clamp. The packs work within 128-bit lanes, leaving q0-3's
 * lanes 4L-4L+3 in dword 4L+j of lane L; one permutation sorts them. */
static inline __attribute__((always_inline)) __m512i
packBytes16(__m512i q0, __m512i q1, __m512i q2, __m512i q3, int isUnsigned) {
  __m512i p01 = _mm512_packs_epi32(q0, q1), p23 = _mm512_packs_epi32(q2, q3);
  __m512i bytes =
      isUnsigned ? _mm512_packus_epi16(p01, p23) : _mm512_packs_epi16(p01, p23);
  return _mm512_permutexvar_epi32(
      _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15),
      bytes);
}

/* One vector of sums (comp included) as output bytes in 32-bit lanes,
 * unclamped (where e->packs holds, packing's saturation clamps): rounded
 * to nearest even, plus the zero point. */
static inline __attribute__((always_inline)) __m512i
scaledSums(__m512i sums, __m512 mult, __m512i yzp) {
  __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(sums), mult);
  return _mm512_add_epi32(
      _mm512_cvt_roundps_epi32(v, _MM_FROUND_TO_NEAREST_INT |
                                      _MM_FROUND_NO_EXC),
      yzp);
}

/* Four vectors of sums (comp included) of a tile with nv vectors of
 * channels a pixel, in row order (vector j is pixel j / nv's channels
 * (j % nv) * 16...), requantized with the multipliers m[j % nv] and packed:
 * one pixel's 64 channels, two pixels' 32 or four pixels' 16, their rows
 * ldy bytes apart from `out`. */
static inline __attribute__((always_inline)) void
storePackedGroup(int nv, const __m512i s[4], const __m512 m[NV], __m512i yzp,
                 int isUnsigned, uint8_t *out, int64_t ldy) {
  __m512i bytes = packBytes16(
      scaledSums(s[0], m[0], yzp), scaledSums(s[1], m[1 % nv], yzp),
      scaledSums(s[2], m[2 % nv], yzp), scaledSums(s[3], m[3 % nv], yzp),
      isUnsigned);
  if (nv == 4) {
    _mm512_storeu_si512(out, bytes);
  } else if (nv == 2) {
    _mm256_storeu_si256((__m256i *)out, _mm512_castsi512_si256(bytes));
    _mm256_storeu_si256((__m256i *)(out + ldy),
                        _mm512_extracti64x4_epi64(bytes, 1));
  } else {
    _mm_storeu_si128((__m128i *)out, _mm512_castsi512_si128(bytes));
    _mm_storeu_si128((__m128i *)(out + ldy),
                     _mm512_extracti32x4_epi32(bytes, 1));
    _mm_storeu_si128((__m128i *)(out + 2 * ldy),
                     _mm512_extracti32x4_epi32(bytes, 2));
    _mm_storeu_si128((__m128i *)(out + 3 * ldy),
                     _mm512_extracti32x4_epi32(bytes, 3));
  }
}

/* storeTile16's bytes where e->packs holds, four vectors packed at once
 * (about 5 operations a vector instead of about 10: no float clamp, one
 * permutation and one store per 64 bytes instead of a masked narrowing
 * store each), for nv = 1, 2 or 4 vectors of whole channels; it returns
 * the rows it wrote (all, or all but an odd one or up to three), the rest
 * go through the general loop. MobileNetV2's 1x1 layers over 16-32
 * channels spent twice as long in the epilogue as in their products. */
static inline __attribute__((always_inline)) int
storeRowsPacked(int nv, const int32_t *in, int64_t ldin, int rows, int64_t f0,
                const Epilogue *e, uint8_t *y, int64_t ldy) {
  const __m512i yzp = _mm512_set1_epi32(e->yzp);
  int isUnsigned = unsignedBytes(e);
  __m512i comp[NV];
  __m512 m[NV];
  for (int v = 0; v < nv; ++v) {
    comp[v] = _mm512_loadu_si512(e->comp + f0 + v * VW);
    m[v] = _mm512_loadu_ps(e->mult + f0 + v * VW);
  }
  int step = 4 / nv, r = 0;
  for (; r + step <= rows; r += step) {
    __m512i s[4];
    for (int j = 0; j < 4; ++j)
      s[j] = _mm512_add_epi32(
          _mm512_loadu_si512(in + (r + j / nv) * ldin + j % nv * VW),
          comp[j % nv]);
    storePackedGroup(nv, s, m, yzp, isUnsigned, y + r * ldy + f0, ldy);
  }
  return r;
}

/* storeRowsPacked for `cols` channels: 0 (none written) unless they are
 * 16, 32 or 64. */
static inline __attribute__((always_inline)) int
storeTilePacked(const int32_t *in, int64_t ldin, int rows, int cols,
                int64_t f0, const Epilogue *e, void *y, int64_t ldy) {
  if (cols == 64)
    return storeRowsPacked(4, in, ldin, rows, f0, e, (uint8_t *)y, ldy);
  if (cols == 32)
    return storeRowsPacked(2, in, ldin, rows, f0, e, (uint8_t *)y, ldy);
  if (cols == 16)
    return storeRowsPacked(1, in, ldin, rows, f0, e, (uint8_t *)y, ldy);
  return 0;
}

/* storeTile for bytes with the channels' vectors outside the rows: each
 * vector of 16 channels loads its comp and mult (and mask) once per tile
 * rather than once per pixel (a quarter of MobileNetV2's time went to
 * this epilogue); the sums rows hold at least 16 * ceil(cols / 16)
 * columns, comp Fp channels. f32 results go through storeTile16F32, i32
 * ones through storeTile. */
static inline __attribute__((always_inline)) void
storeTile16(const int32_t *in, int64_t ldin, int rows, int cols, int64_t f0,
            const Epilogue *e, void *y, int64_t ldy) {
  if (e->mode == FULCRUM_Q_OUTPUT_F32) {
    storeTile16F32(in, ldin, rows, cols, f0, e, y, ldy);
    return;
  }
  if (e->mode != 0) {
    storeTile(in, ldin, rows, cols, f0, e, y, ldy);
    return;
  }
  const __m512 lo = _mm512_set1_ps(e->lo), hi = _mm512_set1_ps(e->hi);
  const __m512i yzp = _mm512_set1_epi32(e->yzp);
  uint8_t *out = (uint8_t *)y + f0;
  int done =
      e->packs ? storeTilePacked(in, ldin, rows, cols, f0, e, y, ldy) : 0;
  if (done == rows)
    return;
  in += done * ldin;
  out += done * ldy;
  rows -= done;
  for (int c = 0; c < cols; c += 16) {
    __mmask16 m = channelMask(cols - c);
    __m512i comp = _mm512_loadu_si512(e->comp + f0 + c);
    __m512 mult = _mm512_maskz_loadu_ps(m, e->mult + f0 + c);
    for (int r = 0; r < rows; ++r) {
      __m512i sum =
          _mm512_add_epi32(_mm512_loadu_si512(in + r * ldin + c), comp);
      __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(sum), mult);
      _mm512_mask_cvtepi32_storeu_epi8(out + r * ldy + c, m,
                                       requantizeVector(v, lo, hi, yzp));
    }
  }
}
#define STORE_TILE storeTile16

/* tile and storeTilePacked in one for a full tile where e->packs holds
 * (`rows` pixels, `nv` whole vectors of channels from f0, rows * nv a
 * multiple of 4): the sums start from comp and go to bytes from the
 * registers, never stored as i32 (the same values as storeTilePacked's). */
static inline __attribute__((always_inline)) void
tileBytes(int rows, int nv, const Window *win, const uint8_t *const *a,
          const int8_t *w, int64_t ldw, int32_t flip, int64_t f0,
          const Epilogue *e, int isUnsigned, uint8_t *y, int64_t ldy) {
  __m512i acc[TR][NV];
  accumulate(rows, nv, win, a, w, ldw, flip, e->comp + f0, acc);
  const __m512i yzp = _mm512_set1_epi32(e->yzp);
  __m512 m[NV];
  for (int v = 0; v < nv; ++v)
    m[v] = _mm512_loadu_ps(e->mult + f0 + v * VW);
  int step = 4 / nv;
  for (int r = 0; r + step <= rows; r += step) {
    __m512i s[4];
    for (int j = 0; j < 4; ++j)
      s[j] = acc[r + j / nv][j % nv];
    storePackedGroup(nv, s, m, yzp, isUnsigned, y + r * ldy + f0, ldy);
  }
}

/* tileBytes for the full tiles of the conv loop: MR pixels by 1, 2 or 4
 * vectors, or TR pixels by 1 or 2 (channels that fit two vectors), with
 * u8 activations specialized. False (nothing done) for other shapes. */
static int tileBytesFull(int rows, int nv, const Window *win,
                         const uint8_t *const *a, const int8_t *w, int64_t ldw,
                         int32_t flip, int64_t f0, const Epilogue *e,
                         int isUnsigned, uint8_t *y, int64_t ldy) {
#define CASE(R, V)                                                               if (rows == (R) && nv == (V)) {                                                  if (flip)                                                                        tileBytes(R, V, win, a, w, ldw, flip, f0, e, isUnsigned, y, ldy);            else                                                                             tileBytes(R, V, win, a, w, ldw, 0, f0, e, isUnsigned, y, ldy);               return 1;                                                                    }
  CASE(MR, 4)
  CASE(MR, 2)
  CASE(TR, 2)
  CASE(TR, 1)
#undef CASE
  return 0;
}
#else
#define STORE_TILE storeTile
#endif

#if FULCRUM_KERNEL_ISA == 256 || FULCRUM_KERNEL_ISA == 1256
/* tile and storeTile8 in one for bytes out of a full tile (NV vectors of
 * channels from f0; rounding to nearest even by MXCSR): the sums start
 * from comp and go to bytes from the registers, the same values as
 * storeTile8's. Where `clamp` is 0 the caller has checked that the bounds
 * are the whole byte range and that |acc * mult| stays below 2^30, so
 * the packs' saturation clamps: four operations a vector instead of
 * about nine. MobileNetV2's expansions reduce over 16-32 channels, where
 * the epilogue costs about as much as the products. */
static inline __attribute__((always_inline)) void
tileBytes(int rows, const Window *win, const uint8_t *const *a, const int8_t *w,
          int64_t ldw, int32_t flip, int64_t f0, const Epilogue *e, int clamp,
          int isUnsigned, uint8_t *y, int64_t ldy) {
  __m256i acc[TR][NV];
  accumulate(rows, NV, win, a, w, ldw, flip, 0, e->comp + f0, acc);
  const __m256 lo = _mm256_set1_ps(e->lo), hi = _mm256_set1_ps(e->hi);
  const __m256i yzp = _mm256_set1_epi32(e->yzp);
  for (int r = 0; r < rows; ++r) {
    __m256i q[NV];
    for (int v = 0; v < NV; ++v) {
      __m256 x = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[r][v]),
                               _mm256_loadu_ps(e->mult + f0 + v * VW));
      if (clamp)
        x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
      q[v] = _mm256_add_epi32(_mm256_cvtps_epi32(x), yzp);
    }
    _mm256_storeu_si256((__m256i *)(y + r * ldy + f0),
                        packBytes(q, isUnsigned));
  }
}

/* tileBytes specialized for each row count and for u8 activations. */
static void tileBytesRows(int rows, const Window *win, const uint8_t *const *a,
                          const int8_t *w, int64_t ldw, int32_t flip,
                          int64_t f0, const Epilogue *e, int clamp,
                          int isUnsigned, uint8_t *y, int64_t ldy) {
#define CASE(R, C)                                                             \
  if (rows == (R) && clamp == (C)) {                                           \
    if (flip)                                                                  \
      tileBytes(R, win, a, w, ldw, flip, f0, e, C, isUnsigned, y, ldy);        \
    else                                                                       \
      tileBytes(R, win, a, w, ldw, 0, f0, e, C, isUnsigned, y, ldy);           \
    return;                                                                    \
  }
  CASE(1, 0)
  CASE(2, 0)
  CASE(1, 1)
  CASE(2, 1)
#if MR > 2
  CASE(3, 0)
  CASE(3, 1)
#endif
#undef CASE
}

#endif

/* Byte loops the compiler vectorizes (no C library here). */
static inline void copyBytes(uint8_t *__restrict dst,
                             const uint8_t *__restrict src, int64_t n) {
  for (int64_t k = 0; k < n; ++k)
    dst[k] = src[k];
}

static inline void fillBytes(uint8_t *__restrict dst, uint8_t value,
                             int64_t n) {
  for (int64_t k = 0; k < n; ++k)
    dst[k] = value;
}

/* Copies n bytes, or writes the padding byte when `inside` is false.
 * Runs of 8 bytes or more move in 16- or 8-byte pieces, the last one
 * overlapping the one before (windows of 3 channels are 21-byte runs). */
static inline void copyOrPad(uint8_t *dst, const uint8_t *src, int64_t n,
                             int inside, uint8_t pad) {
  if (!inside) {
    for (int64_t t = 0; t < n; ++t)
      dst[t] = pad;
    return;
  }
  if (n >= 16) {
    int64_t t = 0;
    for (; t + 16 <= n; t += 16)
      __builtin_memcpy(dst + t, src + t, 16);
    if (t < n)
      __builtin_memcpy(dst + n - 16, src + n - 16, 16);
  } else if (n >= 8) {
    __builtin_memcpy(dst, src, 8);
    __builtin_memcpy(dst + n - 8, src + n - 8, 8);
  } else {
    for (int64_t t = 0; t < n; ++t)
      dst[t] = src[t];
  }
}

/* n bytes (8 <= n <= 32) with two moves that overlap where n is not 8, 16
 * or 32. */
static inline void copyRun(uint8_t *dst, const uint8_t *src, int64_t n) {
  if (n <= 16) {
    __builtin_memcpy(dst, src, 8);
    __builtin_memcpy(dst + n - 8, src + n - 8, 8);
  } else {
    __builtin_memcpy(dst, src, 16);
    __builtin_memcpy(dst + n - 16, src + n - 16, 16);
  }
}

/* Packs the im2col rows of output pixels [p0, p0 + count) of one image
 * (NHWC x[H][W][C], padded by `top` rows and `left` columns of the byte
 * `pad`) into rows of kp bytes at `rows`. Pixels whose windows lie inside
 * the image and are dense along W with runs of 8 to 32 bytes (the 3- and
 * 7-wide windows of 3-channel stems) take a short path: KH runs of two
 * moves each, the row's checks hoisted. (MobileNetV2's 8-bit stem spent
 * 70 % of its time packing, one pixel at a time through copyOrPad.) */
static void packRows(const uint8_t *x, int64_t H, int64_t W, int64_t C,
                     int64_t KH, int64_t KW, int64_t OW, int64_t sh, int64_t sw,
                     int64_t dh, int64_t dw, int64_t top, int64_t left,
                     uint8_t pad, int64_t p0, int64_t count, int64_t kp,
                     uint8_t *rows) {
  int64_t K = KH * KW * C, run = KW * C;
  int64_t oh = p0 / OW, ow = p0 % OW;
  uint8_t *dst = rows;
  for (int64_t i = 0; i < count; ++oh, ow = 0) {
    int64_t n = OW - ow < count - i ? OW - ow : count - i;
    int64_t ih0 = oh * sh - top;
    int shortRuns = dw == 1 && run >= 8 && run <= 32 && ih0 >= 0 &&
                    ih0 + (KH - 1) * dh < H;
    for (int64_t c = ow; c < ow + n; ++c, dst += kp) {
      int64_t iw0 = c * sw - left;
      if (shortRuns && iw0 >= 0 && iw0 + KW <= W) {
        const uint8_t *src = x + (ih0 * W + iw0) * C;
        for (int64_t kh = 0; kh < KH; ++kh)
          copyRun(dst + kh * run, src + kh * dh * W * C, run);
      } else {
        /* Dense along W: per kh, the columns inside the image are one run
         * and the rest padding. */
        int64_t kwLo = iw0 < 0 ? -iw0 : 0, kwHi = W - iw0;
        kwLo = kwLo < KW ? kwLo : KW;
        kwHi = kwHi < KW ? kwHi : KW;
        kwHi = kwHi > kwLo ? kwHi : kwLo;
        uint8_t *at = dst;
        for (int64_t kh = 0; kh < KH; ++kh) {
          int64_t ih = ih0 + kh * dh;
          int rowInside = ih >= 0 && ih < H;
          const uint8_t *src = x + (ih * W + iw0) * C;
          if (dw == 1) {
            if (!rowInside) {
              fillBytes(at, pad, run);
            } else {
              fillBytes(at, pad, kwLo * C);
              copyOrPad(at + kwLo * C, src + kwLo * C, (kwHi - kwLo) * C, 1,
                        pad);
              fillBytes(at + kwHi * C, pad, (KW - kwHi) * C);
            }
            at += run;
            continue;
          }
          for (int64_t kw = 0; kw < KW; ++kw) {
            int64_t iw = iw0 + kw * dw;
            copyOrPad(at, src + kw * dw * C, C,
                      rowInside && iw >= 0 && iw < W, pad);
            at += C;
          }
        }
      }
      for (int64_t k = K; k < kp; ++k)
        dst[k] = 0;
    }
    i += n;
  }
}

#if FULCRUM_KERNEL_ISA == 1512
#include "amx.inc"
#endif

/* y[N][OH][OW][F] = conv(x[N][H][W][C], w) over the input padded by `top`
 * rows and `left` columns (and as many more as the window needs) of the
 * byte `pad` (its zero point), through the epilogue of qgemm.c. The
 * weights:
 * packed panels (above) of kp = roundUp(KH * KW * C, 4) bytes per
 * channel, in FHWC order; comp[Fp] (i32, channels padded to 16), exact[F]
 * (u8), mult[F] (f32, may be 0 for i32 output). An f32 output adds
 * bias[F] (f32) and then residual (f32, the output's layout) when they are
 * not 0. The workspace holds SLOTS * CHUNK bytes (Kernels.h:
 * quantizedConvWorkspace); chunks of pixels are the tasks. */
void NAME(fulcrum_qconv2d_nhwc)(int64_t N, int64_t H, int64_t W, int64_t C,
                                int64_t F, int64_t KH, int64_t KW, int64_t OH,
                                int64_t OW, int64_t sh, int64_t sw, int64_t dh,
                                int64_t dw, int64_t top, int64_t left,
                                int64_t x, int64_t w, int64_t comp,
                                int64_t exact, int64_t mult, int64_t y,
                                int64_t workspace, int64_t yzp, int64_t lo,
                                int64_t hi, int64_t flags, int64_t pad,
                                int64_t bias, int64_t residual) {
  int64_t K = KH * KW * C, kp = roundUp(K, 4), pixels = OH * OW;
  int64_t Fp = roundUp(F, 16);
  int32_t flip = flags & FULCRUM_Q_SIGNED_INPUT ? (int32_t)0x80808080 : 0;
  Epilogue e = makeEpilogue(comp, mult, flags, yzp, lo, hi);
  e.bias = (const float *)bias;
  e.residual = (const float *)residual;
  e.yBase = (const float *)y;
#if FULCRUM_KERNEL_ISA == 1512
  int isUnsigned = unsignedBytes(&e);
  e.packs = e.mode == 0 && packsClamp(&e, F, kp, isUnsigned);
  if ((flags & FULCRUM_Q_AMX) && amxFits(K, F) && amxUsable()) {
    amxConv(N, H, W, C, F, KH, KW, OH, OW, sh, sw, dh, dw, top, left,
            (const uint8_t *)x, (const int8_t *)w, &e, (uint8_t *)y,
            (uint8_t *)workspace, flip != 0, (uint8_t)pad);
    return;
  }
#endif
  int64_t elementBytes = e.mode ? 4 : 1;
  /* 1x1 windows at unit stride over whole words read the image itself. */
  int direct = KH == 1 && KW == 1 && sh == 1 && sw == 1 && C % 4 == 0 &&
               H == OH && W == OW && top == 0 && left == 0;
  /* Other windows over whole words read it in place too, one run of C
   * bytes per (kh, kw), from the image or, when the window reaches past
   * it, from a copy padded with the pad byte in the workspace (when all
   * the images fit there). The rest pack im2col rows per chunk. */
  int64_t Hp = (OH - 1) * sh + (KH - 1) * dh + 1;
  int64_t Wp = (OW - 1) * sw + (KW - 1) * dw + 1;
  int padded = top > 0 || left > 0 || Hp > H || Wp > W;
  Hp = Hp > H + top ? Hp : H + top;
  Wp = Wp > W + left ? Wp : W + left;
  /* Per panel: whether one of its channels needs the exact AVX2 path. */
  int64_t panels = (Fp + PANEL - 1) / PANEL;
  int exactPanel[64], anyExact = 0;
  for (int64_t p = 0; p < panels && p < 64; ++p) {
    exactPanel[p] = 0;
    for (int64_t f = p * PANEL; f < F && f < (p + 1) * PANEL; ++f)
      exactPanel[p] |= ((const uint8_t *)exact)[f];
    anyExact |= exactPanel[p];
  }
  /* Bytes per activation element as the tiles read them: 2 on AVX2's
   * exact path (u16, widened in the workspace), else 1. */
  int64_t elem = 1;
#if FULCRUM_KERNEL_ISA == 256
  if (anyExact || panels > 64)
    elem = 2;
#endif
  /* The widened path reads a u16 copy of the images (padded or not) in
   * the workspace, or packs im2col rows per chunk when they do not fit
   * (a quarter of the slot for the bytes, half for their u16 copy, so the
   * two never overlap); rows too long for a tile's worth of them there
   * keep the 8-bit tiles. */
  int64_t copyElements = N * (padded ? Hp * Wp : H * W) * C;
  int fits = copyElements * elem <= SLOTS * CHUNK;
  int windowsInPlace = C % 4 == 0 && KH * KW <= 64;
  if (elem == 2 && (!fits || (!direct && !windowsInPlace)) &&
      4 * MAX_WR * kp > CHUNK) {
    elem = 1;
    fits = copyElements <= SLOTS * CHUNK;
  }
  if (elem == 2 && !fits)
    direct = 0;
  int inPlace = !direct && windowsInPlace && ((!padded && elem == 1) || fits);
  int copied = (inPlace && padded) || (elem == 2 && (inPlace || direct));
  int64_t rowBytes = (inPlace && padded ? Wp * C : W * C) * elem;
  const uint8_t *source = (const uint8_t *)x;
  int64_t imageBytes = H * W * C;
  if (copied) {
    int64_t Hc = padded ? Hp : H, Wc = padded ? Wp : W;
    int64_t t0 = padded ? top : 0, l0 = padded ? left : 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t h = 0; h < Hc; ++h) {
        int64_t ih = h - t0;
        int64_t inside = W < Wc - l0 ? W : Wc - l0;
        const uint8_t *src = (const uint8_t *)x + (n * H + ih) * W * C;
        int rowInside = ih >= 0 && ih < H;
#if FULCRUM_KERNEL_ISA == 256
        if (elem == 2) {
          uint16_t *dst = (uint16_t *)workspace + (n * Hc + h) * Wc * C;
          uint16_t fill = (uint8_t)(pad ^ flip);
          if (!rowInside) {
            fillWide(dst, fill, Wc * C);
            continue;
          }
          fillWide(dst, fill, l0 * C);
          widenBytes(dst + l0 * C, src, (uint8_t)flip, inside * C);
          fillWide(dst + (l0 + inside) * C, fill, (Wc - l0 - inside) * C);
          continue;
        }
#endif
        uint8_t *dst = (uint8_t *)workspace + (n * Hc + h) * Wc * C;
        if (!rowInside) {
          fillBytes(dst, (uint8_t)pad, Wc * C);
          continue;
        }
        fillBytes(dst, (uint8_t)pad, l0 * C);
        copyBytes(dst + l0 * C, src, inside * C);
        fillBytes(dst + (l0 + inside) * C, (uint8_t)pad,
                  (Wc - l0 - inside) * C);
      }
    source = (const uint8_t *)workspace;
    imageBytes = Hc * Wc * C * elem;
  }
  int64_t offsets[64] = {0};
  Window win = {1, kp / 4, offsets};
  if (inPlace) {
    win.segments = KH * KW;
    win.groups = C / 4;
    for (int64_t kh = 0; kh < KH; ++kh)
      for (int64_t kw = 0; kw < KW; ++kw)
        offsets[kh * KW + kw] = kh * dh * rowBytes + kw * dw * C * elem;
  }
#if FULCRUM_KERNEL_ISA == 256 || FULCRUM_KERNEL_ISA == 1256
  /* Byte outputs of full tiles take tileBytes where MXCSR rounds to
   * nearest even (as it does unless the caller changed it). */
  int fused = e.mode == 0 && (_mm_getcsr() & 0x6000) == 0;
  int isUnsigned = unsignedBytes(&e);
  int clamp = fused ? !packsClamp(&e, F, kp, isUnsigned) : 1;
#endif
  int64_t threads = omp_get_max_threads();
  threads = threads < SLOTS ? threads : SLOTS;
  int parallel = N * pixels * F * K >= (1 << 20);
  /* Packed im2col rows: kp bytes each, and on the widened path their u16
   * copy in the first half of the slot, the bytes in the second. */
  int64_t chunk = direct || inPlace ? pixels : CHUNK / (elem == 2 ? 4 : 1) / kp;
  /* Pixels per register tile: up to TR when the channels fit two vectors. */
  int64_t mr = Fp <= 2 * VW ? TR : MR;
#if FULCRUM_KERNEL_ISA == 256
  if (elem == 2)
    mr = WR;
#endif
  chunk = chunk < mr ? mr : chunk / mr * mr;
  /* With fewer images than twice the threads, each image splits into
   * nearly equal chunks of whole register tiles, two per thread when there
   * are enough tiles, else one, so that the threads share the work (the
   * pixels' results do not depend on the chunks). */
  if (parallel && threads > 1 && N < 2 * threads) {
    int64_t tiles = (pixels + mr - 1) / mr;
    int64_t perImage = (tiles >= 8 * threads ? 2 * threads : threads) / N;
    perImage = perImage < 1 ? 1 : perImage;
    int64_t even = (tiles + perImage - 1) / perImage * mr;
    chunk = even < chunk ? even : chunk;
  }
  if (chunk > pixels)
    chunk = pixels;
  int64_t chunks = (pixels + chunk - 1) / chunk, tasks = N * chunks;
  parallel = parallel && tasks > 1;
#pragma omp parallel if (parallel) num_threads(threads)
  for (int64_t t = taskBegin(tasks), tStop = taskEnd(tasks); t < tStop; ++t) {
    int64_t n = t / chunks, p0 = (t % chunks) * chunk;
    int64_t count = pixels - p0 < chunk ? pixels - p0 : chunk;
    const uint8_t *image = source + n * imageBytes;
    const uint8_t *a;
    int64_t lda = kp;
    if (direct || inPlace) {
      a = image + p0 * C * elem;
      lda = C;
    } else {
      uint8_t *slot =
          (uint8_t *)workspace + (int64_t)omp_get_thread_num() * CHUNK;
      if (elem == 2) {
#if FULCRUM_KERNEL_ISA == 256
        uint8_t *bytes = slot + CHUNK / 2;
        packRows(image, H, W, C, KH, KW, OW, sh, sw, dh, dw, top, left,
                 (uint8_t)pad, p0, count, kp, bytes);
        widenBytes((uint16_t *)slot, bytes, (uint8_t)flip, count * kp);
#endif
      } else {
        packRows(image, H, W, C, KH, KW, OW, sh, sw, dh, dw, top, left,
                 (uint8_t)pad, p0, count, kp, slot);
      }
      a = slot;
    }
    uint8_t *out = (uint8_t *)y + (n * pixels + p0) * F * elementBytes;
#if FULCRUM_KERNEL_ISA == 256
    if (elem == 2) {
      int32_t sums[WR][8] __attribute__((aligned(32)));
      for (int64_t i = 0; i < count; i += WR) {
        int rows = count - i < WR ? (int)(count - i) : WR;
        const uint8_t *rowPtr[WR];
        for (int r = 0; r < rows; ++r) {
          int64_t q = p0 + i + r;
          rowPtr[r] =
              inPlace ? image + (q / OW * sh * rowBytes + q % OW * sw * C * 2)
                      : a + (i + r) * lda * 2;
        }
        for (int64_t p = 0; p < panels; ++p) {
          int64_t width = Fp - p * PANEL < PANEL ? Fp - p * PANEL : PANEL;
          const int8_t *panel = (const int8_t *)w + p * PANEL * kp;
          for (int64_t v0 = 0; v0 < width && p * PANEL + v0 < F; v0 += 8) {
            int64_t f0 = p * PANEL + v0;
            tileWideRows(rows, &win, rowPtr, panel + v0 * 4, width, sums);
            int cols = F - f0 < 8 ? (int)(F - f0) : 8;
            storeTile8(sums[0], 8, rows, cols, f0, &e,
                       out + i * F * elementBytes, F);
          }
        }
      }
      continue;
    }
#endif
    int32_t sums[TR][NV * VW] __attribute__((aligned(64)));
    for (int64_t i = 0; i < count; i += mr) {
      int rows = count - i < mr ? (int)(count - i) : (int)mr;
      /* Each pixel's first k byte: its window's top left corner. */
      const uint8_t *rowPtr[TR];
      for (int r = 0; r < rows; ++r) {
        int64_t q = p0 + i + r;
        rowPtr[r] = inPlace ? image + (q / OW * sh * rowBytes + q % OW * sw * C)
                            : a + (i + r) * lda;
      }
      for (int64_t p = 0; p < panels; ++p) {
        int64_t width = Fp - p * PANEL < PANEL ? Fp - p * PANEL : PANEL;
        const int8_t *panel = (const int8_t *)w + p * PANEL * kp;
        int ex = p < 64 ? exactPanel[p] : 1;
        for (int64_t v0 = 0; v0 < width; v0 += NV * VW) {
          int64_t cw = width - v0 < NV * VW ? width - v0 : NV * VW;
          int64_t f0 = p * PANEL + v0;
#if FULCRUM_KERNEL_ISA == 256 || FULCRUM_KERNEL_ISA == 1256
          if (fused && !ex && cw == NV * VW && F - f0 >= cw) {
            tileBytesRows(rows, &win, rowPtr, panel + v0 * 4, width, flip, f0,
                          &e, clamp, isUnsigned, out + i * F, F);
            continue;
          }
#elif FULCRUM_KERNEL_ISA == 1512
          if (e.packs && F - f0 >= cw &&
              tileBytesFull(rows, (int)(cw / VW), &win, rowPtr, panel + v0 * 4,
                            width, flip, f0, &e, isUnsigned, out + i * F, F))
            continue;
#endif
          tileSizes(rows, (int)(cw / VW), &win, rowPtr, panel + v0 * 4, width,
                    flip, ex, sums);
          int cols = F - f0 < cw ? (int)(F - f0) : (int)cw;
          if (cols > 0)
            STORE_TILE(sums[0], NV * VW, rows, cols, f0, &e,
                       out + i * F * elementBytes, F);
        }
      }
    }
  }
}

#if FULCRUM_KERNEL_ISA == 256
/*===- Winograd F(2x2, 3x3) on 16-bit integers (AVX2) ---------------------===*
 *
 * A 3x3 convolution at unit stride and dilation computes each 2x2 block of
 * output pixels (a tile) from the 4x4 input pixels under it as
 *
 *   4 y = A^T [ U (.) (B^T d B) ] A,   U = G2 g G2^T,
 *
 * with B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], A^T = [1 1 1 0;
 * 0 1 -1 -1] and G2 = [2 0 0; 1 1 1; 1 -1 1; 0 0 2] (twice the usual G,
 * so that U is integral: 4 G g G^T). Everything is integer arithmetic:
 * with u8 activations (s8 flipped to u8, padding with the pad byte, as
 * above) |B^T d B| <= 1020 and with s8 weights |U| <= 1152, so both are
 * 16-bit and `vpmaddwd` multiplies them exactly; the sums over channels
 * and the output transform wrap modulo 2^32 at worst, and their result,
 * 4 x the window's sum, fits 32 bits when C * 9 * 255 * 128 * 4 < 2^31
 * (C <= 1536; the pass checks), so the quarter of it is exact: the same
 * sums as the direct kernel, through the same epilogue. The 16 products
 * per tile replace 36 per 2x2 pixels (2.25x fewer multiply-adds).
 *
 * Per image: the transformed activations of every tile go to the
 * workspace, V[16][tiles][Cp] (i16, Cp = C rounded up to 2; Kernels.h:
 * quantizedWinogradWorkspace), one task per tile. Then each task takes a
 * panel of 16 output channels over a block of tiles: for 6 tiles at a
 * time, 16 small products (one per transform position xi) of 6 tiles x
 * Cp against the panel's U[xi] ([Cp/2][16][2] i16: one vector load is 8
 * channels' pairs, against a broadcast pair of a tile's channels), then
 * the output transform, the quarter and the epilogue. The weights come
 * packed at compile time (Kernels.h: packQuantizedWinogradWeights) as
 * [Fp/16][16][Cp/2][16][2]: a panel's U is one run of memory. A task runs
 * xi outermost over a block of at most WG_GROUPS register tiles, so each
 * U[xi] (at most 16 KiB) is read from memory once per block and then from
 * the first-level cache; the first register tile prefetches the next
 * U[xi] as it goes (with 7x7 images, ResNet's last stage, a block is the
 * whole image and the 8 MiB of U stream from memory once). */
#define WG_ROWS 6   /* tiles per register tile */
#define WG_GROUPS 4 /* register tiles per block */
#define WG_BLOCK (WG_ROWS * WG_GROUPS)

/* The sums of `rows` tiles (v: their channel pairs, ldv shorts apart)
 * against a panel's U[xi] (pairs x 16 channels' pairs) into out[r][16]. */
static inline __attribute__((always_inline)) void
winogradTile(int rows, const int16_t *v, int64_t ldv, const int16_t *u,
             int64_t pairs, int prefetch, int32_t (*out)[16]) {
  __m256i acc[WG_ROWS][2];
  for (int r = 0; r < rows; ++r)
    acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  for (int64_t q = 0; q < pairs; ++q, u += 32) {
    /* The next position's U, 64 bytes (one pair of 16 channels) ahead. */
    if (prefetch)
      _mm_prefetch((const char *)(u + pairs * 32), _MM_HINT_T0);
    __m256i b0 = _mm256_loadu_si256((const __m256i *)u);
    __m256i b1 = _mm256_loadu_si256((const __m256i *)(u + 16));
    for (int r = 0; r < rows; ++r) {
      __m256i x = _mm256_set1_epi32(load32(v + r * ldv + 2 * q));
      acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(x, b0));
      acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(x, b1));
    }
  }
  for (int r = 0; r < rows; ++r) {
    _mm256_storeu_si256((__m256i *)out[r], acc[r][0]);
    _mm256_storeu_si256((__m256i *)(out[r] + 8), acc[r][1]);
  }
}

static inline __attribute__((always_inline)) void
winogradTileRows(int rows, const int16_t *v, int64_t ldv, const int16_t *u,
                 int64_t pairs, int prefetch, int32_t (*out)[16]) {
#define CASE(R)                                                                \
  case R:                                                                      \
    if (prefetch)                                                              \
      winogradTile(R, v, ldv, u, pairs, 1, out);                               \
    else                                                                       \
      winogradTile(R, v, ldv, u, pairs, 0, out);                               \
    return;
  switch (rows) { CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) }
#undef CASE
}

typedef int16_t WShort __attribute__((ext_vector_type(16)));
typedef uint8_t WByte __attribute__((ext_vector_type(16)));
typedef int32_t WInt __attribute__((ext_vector_type(16)));
typedef uint32_t WUInt __attribute__((ext_vector_type(16)));

/* B^T d B of one tile's 4x4 pixels (d[i][j], 16 channels or scalars). */
#define WINOGRAD_INPUT(T, d, V)                                                \
  do {                                                                         \
    T t_[4][4];                                                                \
    for (int j_ = 0; j_ < 4; ++j_) {                                           \
      t_[0][j_] = d[0][j_] - d[2][j_];                                         \
      t_[1][j_] = d[1][j_] + d[2][j_];                                         \
      t_[2][j_] = d[2][j_] - d[1][j_];                                         \
      t_[3][j_] = d[1][j_] - d[3][j_];                                         \
    }                                                                          \
    for (int i_ = 0; i_ < 4; ++i_) {                                           \
      V[i_ * 4 + 0] = t_[i_][0] - t_[i_][2];                                   \
      V[i_ * 4 + 1] = t_[i_][1] + t_[i_][2];                                   \
      V[i_ * 4 + 2] = t_[i_][2] - t_[i_][1];                                   \
      V[i_ * 4 + 3] = t_[i_][1] - t_[i_][3];                                   \
    }                                                                          \
  } while (0)

/* The transformed activations of the tile whose 4x4 pixels start at (ih0,
 * iw0) of image[H][W][C] (outside it: the pad byte) into v[xi * ldxi + c]. */
static void winogradInput(const uint8_t *image, int64_t H, int64_t W, int64_t C,
                          int64_t Cp, int64_t ih0, int64_t iw0, uint8_t flip,
                          uint8_t pad, int16_t *v, int64_t ldxi) {
  const uint8_t *src[4][4];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      int64_t ih = ih0 + i, iw = iw0 + j;
      src[i][j] = ih >= 0 && ih < H && iw >= 0 && iw < W
                      ? image + (ih * W + iw) * C
                      : 0;
    }
  int16_t padValue = (int16_t)(uint8_t)(pad ^ flip);
  int64_t c = 0;
  for (; c + 16 <= C; c += 16) {
    WShort d[4][4], out[16];
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) {
        if (!src[i][j]) {
          d[i][j] = (WShort)padValue;
          continue;
        }
        WByte b;
        __builtin_memcpy(&b, src[i][j] + c, 16);
        d[i][j] = __builtin_convertvector(b ^ (WByte)flip, WShort);
      }
    WINOGRAD_INPUT(WShort, d, out);
    for (int x = 0; x < 16; ++x)
      __builtin_memcpy(v + x * ldxi + c, &out[x], 32);
  }
  for (; c < C; ++c) {
    int16_t d[4][4], out[16];
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j)
        d[i][j] =
            src[i][j] ? (int16_t)(uint8_t)(src[i][j][c] ^ flip) : padValue;
    WINOGRAD_INPUT(int16_t, d, out);
    for (int x = 0; x < 16; ++x)
      v[x * ldxi + c] = out[x];
  }
  for (; c < Cp; ++c)
    for (int x = 0; x < 16; ++x)
      v[x * ldxi + c] = 0;
}

/* y = conv(x, w) for a 3x3 window at unit stride and dilation, with the
 * arguments of fulcrum_qconv2d_nhwc (KH = KW = 3, sh = sw = dh = dw = 1;
 * `exact` is not read, and the pass passes 0: every product is exact
 * here) but `w`, the
 * transformed weights above. The workspace holds one image's V. */
void NAME(fulcrum_qconv2d_winograd_nhwc)(
    int64_t N, int64_t H, int64_t W, int64_t C, int64_t F, int64_t KH,
    int64_t KW, int64_t OH, int64_t OW, int64_t sh, int64_t sw, int64_t dh,
    int64_t dw, int64_t top, int64_t left, int64_t x, int64_t w, int64_t comp,
    int64_t exact, int64_t mult, int64_t y, int64_t workspace, int64_t yzp,
    int64_t lo, int64_t hi, int64_t flags, int64_t pad, int64_t bias,
    int64_t residual) {
  (void)KH, (void)KW, (void)sh, (void)sw, (void)dh, (void)dw, (void)exact;
  int64_t TH = (OH + 1) / 2, TW = (OW + 1) / 2, tiles = TH * TW;
  int64_t Cp = roundUp(C, 2), pairs = Cp / 2, panels = roundUp(F, 16) / 16;
  int64_t ldxi = tiles * Cp;
  uint8_t flip = flags & FULCRUM_Q_SIGNED_INPUT ? 0x80 : 0;
  Epilogue e = makeEpilogue(comp, mult, flags, yzp, lo, hi);
  e.bias = (const float *)bias;
  e.residual = (const float *)residual;
  e.yBase = (const float *)y;
  int64_t elementBytes = e.mode ? 4 : 1;
  int16_t *V = (int16_t *)workspace;
  const int16_t *U = (const int16_t *)w;
  int64_t threads = omp_get_max_threads();
  threads = threads < SLOTS ? threads : SLOTS;
  int parallel = OH * OW * F * C * 9 >= (1 << 20) && threads > 1;
  /* Blocks of whole register tiles: two tasks per thread at least where
   * the panels alone are fewer. */
  int64_t groups = (tiles + WG_ROWS - 1) / WG_ROWS;
  int64_t blocks = parallel ? (2 * threads + panels - 1) / panels : 1;
  int64_t fewest = (groups + WG_GROUPS - 1) / WG_GROUPS;
  blocks = blocks < fewest ? fewest : blocks;
  blocks = blocks > groups ? groups : blocks;
  int64_t perBlock = (groups + blocks - 1) / blocks;
  blocks = (groups + perBlock - 1) / perBlock;
  int64_t tasks = panels * blocks;
  for (int64_t n = 0; n < N; ++n) {
    const uint8_t *image = (const uint8_t *)x + n * H * W * C;
    uint8_t *outImage = (uint8_t *)y + n * OH * OW * F * elementBytes;
#pragma omp parallel if (parallel) num_threads(threads)
    for (int64_t t = taskBegin(tiles), tStop = taskEnd(tiles); t < tStop; ++t)
      winogradInput(image, H, W, C, Cp, t / TW * 2 - top, t % TW * 2 - left,
                    flip, (uint8_t)pad, V + t * Cp, ldxi);
#pragma omp parallel if (parallel) num_threads(threads)
    for (int64_t task = taskBegin(tasks), taskStop = taskEnd(tasks);
         task < taskStop; ++task) {
      int64_t p = task / blocks, b = task % blocks;
      int64_t f0 = p * 16;
      int cols = F - f0 < 16 ? (int)(F - f0) : 16;
      int64_t t0 = b * perBlock * WG_ROWS;
      int64_t t1 =
          t0 + perBlock * WG_ROWS < tiles ? t0 + perBlock * WG_ROWS : tiles;
      int32_t M[16][WG_BLOCK][16] __attribute__((aligned(32)));
      int32_t res[2][16] __attribute__((aligned(32)));
      for (int xi = 0; xi < 16; ++xi) {
        const int16_t *u = U + (p * 16 + xi) * pairs * 32;
        for (int64_t tg = t0; tg < t1; tg += WG_ROWS) {
          int rows = t1 - tg < WG_ROWS ? (int)(t1 - tg) : WG_ROWS;
          winogradTileRows(rows, V + xi * ldxi + tg * Cp, Cp, u, pairs,
                           tg == t0 && xi < 15, M[xi] + (tg - t0));
        }
      }
      for (int64_t tile = t0; tile < t1; ++tile) {
        /* Unsigned: the partial sums may wrap. */
        WUInt m[16];
        for (int xi = 0; xi < 16; ++xi)
          __builtin_memcpy(&m[xi], M[xi][tile - t0], 64);
        WUInt s0[4], s1[4];
        for (int j = 0; j < 4; ++j) {
          s0[j] = m[j] + m[4 + j] + m[8 + j];
          s1[j] = m[4 + j] - m[8 + j] - m[12 + j];
        }
        WInt y00 = (WInt)(s0[0] + s0[1] + s0[2]) >> 2;
        WInt y01 = (WInt)(s0[1] - s0[2] - s0[3]) >> 2;
        WInt y10 = (WInt)(s1[0] + s1[1] + s1[2]) >> 2;
        WInt y11 = (WInt)(s1[1] - s1[2] - s1[3]) >> 2;
        int64_t oh = tile / TW * 2, ow = tile % TW * 2;
        int across = OW - ow < 2 ? 1 : 2;
        for (int i = 0; i < 2 && oh + i < OH; ++i) {
          __builtin_memcpy(res[0], i ? &y10 : &y00, 64);
          __builtin_memcpy(res[1], i ? &y11 : &y01, 64);
          STORE_TILE(res[0], 16, across, cols, f0, &e,
                     outImage + ((oh + i) * OW + ow) * F * elementBytes, F);
        }
      }
    }
  }
}
#endif

#include "depthwise.inc"
