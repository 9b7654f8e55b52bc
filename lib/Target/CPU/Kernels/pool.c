/*===- pool.c - Channels-last max pooling kernels ------------------------===*
 *
 * Part of Fulcrum. y = max over each window of x, for NHWC tensors, with
 * the window's parts outside the image skipped: an ONNX MaxPool pads with
 * -infinity, which never wins a maximum, so the loop lowering's padded
 * copy of the whole input (the size of ResNet-18's largest activation) is
 * not needed. Sixteen channels at a time (clang vector extensions: one
 * AVX-512 register, two AVX2 ones, four SSE ones); compiled once per ISA
 * like gemm.c.
 *
 * The maximum is arith.maximumf's, whatever the order of the window:
 * NaN when any element is NaN, and +0 above -0.
 *
 *===----------------------------------------------------------------------===*/

#include <stdint.h>

#if FULCRUM_KERNEL_ISA == 512
#define NAME(x) x##_avx512
#elif FULCRUM_KERNEL_ISA == 256
#define NAME(x) x##_avx2
#else
#define NAME(x) x##_generic
#endif

#include "tasks.h"
#include "vector.h"
#include "window.h"

/* Flags (Kernels.h): start from `init` instead of y's values. */
#define FULCRUM_POOL_INIT 1

/* Below this many window elements a pooling runs on the calling thread. */
#define PARALLEL_ELEMENTS (1 << 16)

static inline uint32_t bitsOf(float value) {
  union {
    float f;
    uint32_t u;
  } v;
  v.f = value;
  return v.u;
}

/* arith.maximumf of two floats. */
static inline float maximum(float a, float b) {
  if (a != a || b != b)
    return a + b;
  if (a == b)
    return bitsOf(a) == 0 ? a : b; /* +0 over -0 */
  return a > b ? a : b;
}

/* One output pixel: the channels of `at` (the window's rows [kh0, kh1),
 * columns [kw0, kw1), rowStep and columnStep floats apart) into y. */
static void poolPixel(const float *at, int64_t C, int64_t kh0, int64_t kh1,
                      int64_t kw0, int64_t kw1, int64_t rowStep,
                      int64_t columnStep, float *y, int fromInit, float init) {
  int64_t c = 0;
  for (; c + LANES <= C; c += LANES) {
    lanes m = fromInit ? (lanes){} + init : *(const lanes *)(y + c);
    /* maxnum drops NaN and orders the zeros either way: NaN and +0 are
     * counted apart. */
    ints bad = m != m, positiveZero = (ints)m == 0;
    for (int64_t kh = kh0; kh < kh1; ++kh)
      for (int64_t kw = kw0; kw < kw1; ++kw) {
        lanes v = *(const lanes *)(at + kh * rowStep + kw * columnStep + c);
        bad |= v != v;
        positiveZero |= (ints)v == 0;
        m = __builtin_elementwise_max(m, v);
      }
    /* A zero maximum is +0 when a +0 was seen, else -0; NaN wins. */
    ints zero = m == 0, bits = (ints)m & ~zero;
    bits |= zero & ~positiveZero & (int32_t)0x80000000;
    bits = (bits & ~bad) | (bad & 0x7fc00000);
    *(lanes *)(y + c) = (lanes)bits;
  }
  for (; c < C; ++c) {
    float m = fromInit ? init : y[c];
    for (int64_t kh = kh0; kh < kh1; ++kh)
      for (int64_t kw = kw0; kw < kw1; ++kw)
        m = maximum(m, at[kh * rowStep + kw * columnStep + c]);
    y[c] = m;
  }
}

/* The output rows of a pooling over elements of type T, spread over the
 * threads (one whose windows hold fewer bytes than PARALLEL_ELEMENTS
 * floats runs on the calling thread), each pixel through PIXEL (poolPixel
 * or poolPixelBytes) from START. */
#define POOL_ROWS(T, PIXEL, START)                                             \
  do {                                                                         \
    int fromInit = (flags & FULCRUM_POOL_INIT) != 0;                           \
    const T *in = (const T *)x;                                                \
    T *out = (T *)y;                                                           \
    int parallel = N * OH * OW * C * KH * KW * (int64_t)sizeof(T) >=          \
                   4 * PARALLEL_ELEMENTS;                                      \
    _Pragma("omp parallel if (parallel)")                                      \
    for (int64_t row = taskBegin(N * OH), rowStop = taskEnd(N * OH);           \
         row < rowStop; ++row) {                                               \
      int64_t n = row / OH, oh = row % OH;                                     \
      int64_t top = oh * sh - pt, kh0, kh1;                                    \
      insideWindow(top, H, KH, dh, &kh0, &kh1);                                \
      const T *image = in + n * H * W * C;                                     \
      for (int64_t ow = 0; ow < OW; ++ow) {                                    \
        int64_t left = ow * sw - pl, kw0, kw1;                                 \
        insideWindow(left, W, KW, dw, &kw0, &kw1);                             \
        PIXEL(image + (top * W + left) * C, C, kh0, kh1, kw0, kw1,             \
              dh * W * C, dw * C, out + (row * OW + ow) * C, fromInit,         \
              START);                                                          \
      }                                                                        \
    }                                                                          \
  } while (0)

/* y[N][OH][OW][C] = max(y or init, x[N][H][W][C] over each KH x KW window
 * with strides (sh, sw), dilations (dh, dw), pt rows above and pl columns
 * left of the image outside it, skipped). x, y and init (float bits in the
 * low half) arrive as integers; flags has FULCRUM_POOL_INIT to start from
 * init. */
void NAME(fulcrum_maxpool2d_nhwc_f32)(int64_t N, int64_t H, int64_t W,
                                      int64_t C, int64_t KH, int64_t KW,
                                      int64_t OH, int64_t OW, int64_t sh,
                                      int64_t sw, int64_t dh, int64_t dw,
                                      int64_t pt, int64_t pl, int64_t x,
                                      int64_t y, int64_t init, int64_t flags) {
  union {
    uint32_t u;
    float f;
  } start;
  start.u = (uint32_t)init;
  POOL_ROWS(float, poolPixel, start.f);
}

/* The 8-bit maximum: i8, where -128 (the padding an 8-bit model's pooling
 * carries) never changes a maximum, so the window's parts outside the
 * image are skipped as in the f32 kernel. A register of bytes at a time
 * (64 on AVX-512, 32 on AVX2, 16 in the portable variant). */
#if FULCRUM_KERNEL_ISA == 512
#define BYTE_LANES 64
#elif FULCRUM_KERNEL_ISA == 256
#define BYTE_LANES 32
#else
#define BYTE_LANES 16
#endif
typedef int8_t byteLanes __attribute__((vector_size(BYTE_LANES), aligned(1)));

/* One output pixel of bytes (see poolPixel). */
static void poolPixelBytes(const int8_t *at, int64_t C, int64_t kh0,
                           int64_t kh1, int64_t kw0, int64_t kw1,
                           int64_t rowStep, int64_t columnStep, int8_t *y,
                           int fromInit, int8_t init) {
  int64_t c = 0;
  for (; c + BYTE_LANES <= C; c += BYTE_LANES) {
    byteLanes m =
        fromInit ? (byteLanes){} + init : *(const byteLanes *)(y + c);
    for (int64_t kh = kh0; kh < kh1; ++kh)
      for (int64_t kw = kw0; kw < kw1; ++kw)
        m = __builtin_elementwise_max(
            m, *(const byteLanes *)(at + kh * rowStep + kw * columnStep + c));
    *(byteLanes *)(y + c) = m;
  }
  for (; c < C; ++c) {
    int8_t m = fromInit ? init : y[c];
    for (int64_t kh = kh0; kh < kh1; ++kh)
      for (int64_t kw = kw0; kw < kw1; ++kw) {
        int8_t v = at[kh * rowStep + kw * columnStep + c];
        m = v > m ? v : m;
      }
    y[c] = m;
  }
}

/* fulcrum_maxpool2d_nhwc_f32 on i8 tensors; init holds the starting byte's
 * value. */
void NAME(fulcrum_maxpool2d_nhwc_i8)(int64_t N, int64_t H, int64_t W,
                                     int64_t C, int64_t KH, int64_t KW,
                                     int64_t OH, int64_t OW, int64_t sh,
                                     int64_t sw, int64_t dh, int64_t dw,
                                     int64_t pt, int64_t pl, int64_t x,
                                     int64_t y, int64_t init, int64_t flags) {
  POOL_ROWS(int8_t, poolPixelBytes, (int8_t)init);
}
