/*===- softmax.c - Row softmax kernels ----------------------------------===*
 *
 * Part of Fulcrum. y = softmax(x) along the last dimension, one row at a
 * time in three passes over the row while it sits in the first-level
 * cache: its maximum; e = exp(x - max) into y with their sum; y /= sum.
 * The loop lowering needs three loop nests, exp twice and a horizontal
 * reduction with NaN handling per row; this is a few vector operations per
 * sixteen elements. Compiled once per ISA like gemm.c (clang vector
 * extensions: one AVX-512 register, two AVX2 ones, four SSE ones).
 *
 * A row holding a NaN or an infinity, or made of -infinity only, becomes
 * NaN, as the decomposed softmax computes it (x - max is NaN somewhere, so
 * the sum is NaN).
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

/* Below this many elements a softmax runs on the calling thread. */
#define PARALLEL_ELEMENTS (1 << 15)

/* The last n % 16 elements of a row go through the same vector code: read
 * into a vector padded with `pad`, written back element by element. */
static inline void loadTail(lanes *v, const float *x, int64_t count,
                            float pad) {
  *v = (lanes){} + pad;
  for (int64_t i = 0; i < count; ++i)
    (*v)[i] = x[i];
}

static void softmaxRow(const float *x, float *y, int64_t n) {
  int64_t full = n / LANES * LANES, rest = n - full;
  const float inf = __builtin_inff();
  lanes m = (lanes){} - inf;
  /* Ordered comparisons drop a NaN: count them apart. */
  ints bad = {};
  for (int64_t i = 0; i < full; i += LANES) {
    lanes v = *(const lanes *)(x + i);
    bad |= v != v;
    m = __builtin_elementwise_max(m, v);
  }
  if (rest) {
    lanes v;
    loadTail(&v, x + full, rest, -inf);
    bad |= v != v;
    m = __builtin_elementwise_max(m, v);
  }
  float max = maxLanes(&m);
  int nan = 0;
  for (int l = 0; l < LANES; ++l)
    nan |= bad[l];
  if (nan || max == inf || max == -inf) {
    for (int64_t i = 0; i < n; ++i)
      y[i] = __builtin_nanf("");
    return;
  }
  lanes s = {};
  for (int64_t i = 0; i < full; i += LANES) {
    lanes e = *(const lanes *)(x + i) - max;
    expNonPositive(&e);
    *(lanes *)(y + i) = e;
    s += e;
  }
  if (rest) {
    lanes e;
    loadTail(&e, x + full, rest, 0.0f);
    e -= max;
    expNonPositive(&e);
    ints lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    /* Padding lanes add nothing. */
    e = (lanes)((ints)e & (lane < (int32_t)rest));
    for (int64_t i = 0; i < rest; ++i)
      y[full + i] = e[i];
    s += e;
  }
  float sum = sumLanes(&s);
  for (int64_t i = 0; i < full; i += LANES)
    *(lanes *)(y + i) = *(const lanes *)(y + i) / sum;
  for (int64_t i = full; i < n; ++i)
    y[i] /= sum;
}

/* y[r][0, n) = softmax(x[r][0, n)) for r in [0, rows); rows are ldx and ldy
 * floats apart; pointers arrive as integers. Rows are spread over the
 * OpenMP threads; each is computed by one thread, so results do not depend
 * on the thread count. */
void NAME(fulcrum_softmax_f32)(int64_t rows, int64_t n, int64_t x, int64_t ldx,
                               int64_t y, int64_t ldy) {
  const float *X = (const float *)x;
  float *Y = (float *)y;
#pragma omp parallel if (rows * n >= PARALLEL_ELEMENTS)
  for (int64_t r = taskBegin(rows), rStop = taskEnd(rows); r < rStop; ++r)
    softmaxRow(X + r * ldx, Y + r * ldy, n);
}
