/*===- quantized.h - What the 8-bit kernels share -------------------------===*
 *
 * Part of Fulcrum. Included by qgemm.c and qconv.c (each compiled to LLVM
 * bitcode once per ISA; everything here is static): the flags of their
 * calls, the epilogue that turns i32 sums into bytes, f32 or i32 results,
 * and small helpers. Nothing here may call the C library.
 *
 *===----------------------------------------------------------------------===*/

#ifndef FULCRUM_KERNELS_QUANTIZED_H
#define FULCRUM_KERNELS_QUANTIZED_H

#include <stdint.h>

/* Flags (Kernels.h). */
#define FULCRUM_Q_SIGNED_INPUT 1 /* activations are s8 */
#define FULCRUM_Q_OUTPUT_F32 2   /* y = acc * mult (f32) */
#define FULCRUM_Q_OUTPUT_I32 4   /* y = acc (i32) */
#define FULCRUM_Q_CLAMP_F32 8    /* f32 output clamped to [lo, hi] (bits) */
#define FULCRUM_Q_AMX 16         /* qconv2d_nhwc may use AMX (amx.inc) */

static inline int32_t load32(const void *p) {
  int32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

static inline int64_t roundUp(int64_t v, int64_t m) {
  return (v + m - 1) / m * m;
}

/* What a call's epilogue needs. */
typedef struct {
  const int32_t *comp;
  const float *mult;
  int mode;     /* 0 bytes, FULCRUM_Q_OUTPUT_F32, FULCRUM_Q_OUTPUT_I32 */
  float lo, hi; /* bytes: clamp bounds of roundeven(acc * mult), i.e. the
                 * output bounds minus yzp; f32 with clampF32: the bounds */
  int32_t yzp;
  int clampF32; /* f32 output clamped to [lo, hi] */
  /* f32 output plus a bias per channel, then plus a residual of the
   * output's layout (each may be 0): bias[c] + v, residual + (bias[c] + v),
   * in the order of the graph's adds. */
  const float *bias, *residual;
  const float *yBase; /* the output the residual's layout follows */
  /* bytes: the bounds are the whole byte range and no scaled sum reaches
   * 2^30, so the saturation of packing i32 to bytes is the clamp (a kernel
   * that checks it sets it; packsClamp in qconv.c) */
  int packs;
} Epilogue;

/* The epilogue of a call: its output mode, the byte range relative to the
 * zero point, or the f32 clamp's bounds (their bits in lo and hi). */
static inline Epilogue makeEpilogue(int64_t comp, int64_t mult, int64_t flags,
                                    int64_t yzp, int64_t lo, int64_t hi) {
  Epilogue e;
  e.comp = (const int32_t *)comp;
  e.mult = (const float *)mult;
  e.mode = (int)(flags & (FULCRUM_Q_OUTPUT_F32 | FULCRUM_Q_OUTPUT_I32));
  e.yzp = (int32_t)yzp;
  e.lo = (float)(lo - yzp);
  e.hi = (float)(hi - yzp);
  e.clampF32 = (flags & FULCRUM_Q_CLAMP_F32) != 0;
  e.bias = e.residual = e.yBase = 0;
  e.packs = 0;
  if (e.clampF32) {
    uint32_t loBits = (uint32_t)lo, hiBits = (uint32_t)hi;
    __builtin_memcpy(&e.lo, &loBits, 4);
    __builtin_memcpy(&e.hi, &hiBits, 4);
  }
  return e;
}

#endif /* FULCRUM_KERNELS_QUANTIZED_H */
