/*===- vector.h - Vector helpers the row kernels share ------------------===*
 *
 * Part of Fulcrum. Sixteen-float vectors (clang vector extensions: one
 * AVX-512 register, two AVX2 ones, four SSE ones) and eight-float ones,
 * exp for non-positive arguments, and fixed-order horizontal sums and
 * maxima. Included by
 * softmax.c and attention.c.
 *
 *===----------------------------------------------------------------------===*/

#ifndef FULCRUM_KERNELS_VECTOR_H
#define FULCRUM_KERNELS_VECTOR_H

#include <stdint.h>
#if FULCRUM_KERNEL_ISA == 512 || FULCRUM_KERNEL_ISA == 2512
#include <immintrin.h>
#endif

typedef float lanes __attribute__((vector_size(64), aligned(4)));
typedef int32_t ints __attribute__((vector_size(64), aligned(4)));
#define LANES 16

/* exp(x) for x <= 0: x = k ln 2 + r with k = roundeven(x / ln 2) (ln 2 in
 * two parts, so r is exact to |r| <= ln 2 / 2), exp(r) by a degree-6
 * polynomial fitted to the relative error (1 + r + ... with minimax
 * coefficients, 2e-9 in exact arithmetic; within 1.4 ulp of exp in f32 on
 * [-87, 0]), times 2^k: one vscalefps on AVX-512, the exponent bits
 * elsewhere. Below -87.3 it returns 2^-126, which no softmax can tell from
 * 0 next to the row's exp(0) = 1. In place (vector arguments by value would
 * depend on the ISA's calling convention). */
#define EXP_NON_POSITIVE_POLYNOMIAL(T, x, k, p)                                \
  x = __builtin_elementwise_max(x, (T){} - 87.33654f);                         \
  T k = __builtin_elementwise_roundeven(x * 1.44269504088896341f);             \
  T r = x - k * 0.693359375f + k * 2.12194440e-4f;                             \
  T p = (T){} + 1.3843652559444308e-3f;                                        \
  p = p * r + 8.37415549904108e-3f;                                            \
  p = p * r + 4.166800156235695e-2f;                                           \
  p = p * r + 1.6666431725025177e-1f;                                          \
  p = p * r + 4.999999403953552e-1f;                                           \
  p = p * r + 1.0f;                                                            \
  p = p * r + 1.0f;

static inline void expNonPositive(lanes *value) {
  lanes x = *value;
  EXP_NON_POSITIVE_POLYNOMIAL(lanes, x, k, p)
#if FULCRUM_KERNEL_ISA == 512 || FULCRUM_KERNEL_ISA == 2512
  *value = (lanes)_mm512_scalef_ps((__m512)p, (__m512)k);
#else
  ints bits = (__builtin_convertvector(k, ints) + 127) << 23;
  *value = p * (lanes)bits;
#endif
}

/* Eight floats (one AVX2 register, half an AVX-512 one), and exp on them
 * as expNonPositive computes it. */
typedef float halves __attribute__((vector_size(32), aligned(4)));
typedef int32_t halfints __attribute__((vector_size(32), aligned(4)));

static inline void expNonPositiveHalf(halves *value) {
  halves x = *value;
  EXP_NON_POSITIVE_POLYNOMIAL(halves, x, k, p)
  halfints bits = (__builtin_convertvector(k, halfints) + 127) << 23;
  *value = p * (halves)bits;
}

typedef float half __attribute__((vector_size(32)));
typedef float quarter __attribute__((vector_size(16)));

/* The lanes' sum or maximum by a fixed tree (the same order every time). */
static inline float sumLanes(const lanes *v) {
  half h = __builtin_shufflevector(*v, *v, 0, 1, 2, 3, 4, 5, 6, 7) +
           __builtin_shufflevector(*v, *v, 8, 9, 10, 11, 12, 13, 14, 15);
  quarter q = __builtin_shufflevector(h, h, 0, 1, 2, 3) +
              __builtin_shufflevector(h, h, 4, 5, 6, 7);
  return (q[0] + q[2]) + (q[1] + q[3]);
}

static inline float maxLanes(const lanes *v) {
  half h = __builtin_elementwise_max(
      __builtin_shufflevector(*v, *v, 0, 1, 2, 3, 4, 5, 6, 7),
      __builtin_shufflevector(*v, *v, 8, 9, 10, 11, 12, 13, 14, 15));
  quarter q =
      __builtin_elementwise_max(__builtin_shufflevector(h, h, 0, 1, 2, 3),
                                __builtin_shufflevector(h, h, 4, 5, 6, 7));
  float a = q[0] > q[2] ? q[0] : q[2], b = q[1] > q[3] ? q[1] : q[3];
  return a > b ? a : b;
}

#endif /* FULCRUM_KERNELS_VECTOR_H */
