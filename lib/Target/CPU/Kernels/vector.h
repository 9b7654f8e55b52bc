/*===- vector.h - Vector helpers the row kernels share ------------------===*
 *
 * Part of Fulcrum. Sixteen-float vectors (clang vector extensions: one
 * AVX-512 register, two AVX2 ones, four SSE ones), exp for non-positive
 * arguments, and fixed-order horizontal sums and maxima. Included by
 * softmax.c and attention.c.
 *
 *===----------------------------------------------------------------------===*/

#ifndef FULCRUM_KERNELS_VECTOR_H
#define FULCRUM_KERNELS_VECTOR_H

#include <stdint.h>

typedef float lanes __attribute__((vector_size(64), aligned(4)));
typedef int32_t ints __attribute__((vector_size(64), aligned(4)));
#define LANES 16

/* exp(x) for x <= 0 (Cephes' expf: range reduction by ln 2 in two parts and
 * a degree-6 polynomial, within 2 ulp); below -87.3 it returns 2^-126,
 * which no softmax can tell from 0 next to the row's exp(0) = 1. In place
 * (vector arguments by value would depend on the ISA's calling
 * convention). */
static inline void expNonPositive(lanes *value) {
  lanes x = *value;
  x = __builtin_elementwise_max(x, (lanes){} - 87.33654f);
  lanes k = __builtin_elementwise_floor(x * 1.44269504088896341f + 0.5f);
  lanes r = x - k * 0.693359375f + k * 2.12194440e-4f;
  lanes p = (lanes){} + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  lanes e = p * r * r + r + 1.0f;
  ints bits = (__builtin_convertvector(k, ints) + 127) << 23;
  *value = e * (lanes)bits;
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
