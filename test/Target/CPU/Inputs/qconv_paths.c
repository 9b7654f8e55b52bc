/* Runs the AVX-512 VNNI variant of the 8-bit convolution kernels
 * (Kernels/qconv.c, included whole) on random shapes and compares every
 * result with a scalar reference: the channels-last convolution on its AMX
 * path (where the host has one) and on its `vpdpbusd` path (forced), and
 * the depthwise kernel. Prints one line per case and "amx: used" when the
 * AMX path ran; exits non-zero on any difference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qconv.c"

static unsigned seed = 1;
static int randomByte(void) {
  seed = seed * 1103515245u + 12345u;
  return (seed >> 16) & 0xff;
}

static int amxRan;

/* Sums of one convolution: i32 output (mode 4), bytes (0), f32 (2), f32
 * plus a bias and a residual (3) or f32 clamped to [-0.5, 0.75] (10). */
static int convCase(int64_t N, int64_t H, int64_t W, int64_t C, int64_t F,
                    int64_t KH, int64_t KW, int64_t s, int64_t d, int64_t pad,
                    int isSigned, int mode) {
  int64_t OH = (H + 2 * pad - (KH - 1) * d - 1) / s + 1;
  int64_t OW = (W + 2 * pad - (KW - 1) * d - 1) / s + 1;
  int64_t K = KH * KW * C, kp = (K + 3) / 4 * 4, Fp = (F + 15) / 16 * 16;
  uint8_t *x = malloc(N * H * W * C);
  int8_t *w = malloc(F * K), *packed = calloc(Fp * kp, 1);
  for (int64_t i = 0; i < N * H * W * C; ++i)
    x[i] = (uint8_t)randomByte();
  for (int64_t i = 0; i < F * K; ++i)
    w[i] = (int8_t)randomByte();
  /* Panels of 64 channels: [kq][width][4] (Kernels.h). */
  for (int64_t f = 0; f < F; ++f)
    for (int64_t k = 0; k < K; ++k) {
      int64_t p = f / 64, width = Fp - p * 64 < 64 ? Fp - p * 64 : 64;
      packed[p * 64 * kp + k / 4 * width * 4 + f % 64 * 4 + k % 4] =
          w[f * K + k];
    }
  int32_t *comp = calloc(Fp, 4);
  uint8_t *exact = calloc(F, 1);
  float *mult = malloc(F * 4);
  for (int64_t f = 0; f < F; ++f) {
    comp[f] = (int32_t)(f * 37) - 500;
    mult[f] = 0.00002f * (float)(f + 1);
  }
  int64_t outputs = N * OH * OW * F, bytes = mode == 0 ? 1 : 4;
  float *bias = malloc(F * 4), *residual = malloc(outputs * 4);
  for (int64_t f = 0; f < F; ++f)
    bias[f] = 0.25f * (float)(f % 7) - 0.6f;
  for (int64_t i = 0; i < outputs; ++i)
    residual[i] = 0.001f * (float)(i % 1001) - 0.3f;
  float loValue = -0.5f, hiValue = 0.75f;
  int64_t lo = 0, hi = 255;
  if (mode == 10) {
    uint32_t bits;
    __builtin_memcpy(&bits, &loValue, 4);
    lo = bits;
    __builtin_memcpy(&bits, &hiValue, 4);
    hi = bits;
  }
  uint8_t *vnni = malloc(outputs * 4), *fast = malloc(outputs * 4);
  uint8_t *workspace = aligned_alloc(64, 16 * 262144);
  uint8_t zeroPoint = 9;
  int64_t flags = (isSigned ? FULCRUM_Q_SIGNED_INPUT : 0) |
                  (mode == 3 ? FULCRUM_Q_OUTPUT_F32 : mode);
  /* The VNNI path, then the AMX one where the host allows it. */
  for (int run = 0; run < 2; ++run)
    fulcrum_qconv2d_nhwc_avx512vnni(
        N, H, W, C, F, KH, KW, OH, OW, s, s, d, d, pad, pad, (int64_t)x,
        (int64_t)packed, (int64_t)comp, (int64_t)exact, (int64_t)mult,
        (int64_t)(run ? fast : vnni), (int64_t)workspace, 3, lo, hi,
        flags | (run ? FULCRUM_Q_AMX : 0), zeroPoint,
        mode == 3 ? (int64_t)bias : 0, mode == 3 ? (int64_t)residual : 0);
  int used = amxState > 0 && amxFits(K, F);
  amxRan |= used;
  long wrong = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow)
        for (int64_t f = 0; f < F; ++f) {
          int32_t sum = comp[f];
          for (int64_t kh = 0; kh < KH; ++kh)
            for (int64_t kw = 0; kw < KW; ++kw)
              for (int64_t c = 0; c < C; ++c) {
                int64_t ih = oh * s - pad + kh * d, iw = ow * s - pad + kw * d;
                uint8_t v = ih >= 0 && ih < H && iw >= 0 && iw < W
                                ? x[((n * H + ih) * W + iw) * C + c]
                                : zeroPoint;
                if (isSigned)
                  v ^= 0x80;
                sum += (int32_t)v * w[f * K + (kh * KW + kw) * C + c];
              }
          int64_t o = ((n * OH + oh) * OW + ow) * F + f;
          if (mode == 4)
            wrong += ((int32_t *)fast)[o] != sum;
          else if (mode == 2)
            wrong += ((float *)fast)[o] != (float)sum * mult[f];
          else if (mode == 3) {
            /* The graph's order, no contraction: mult, then bias, then
             * the residual. */
            volatile float v = (float)sum * mult[f];
            v = bias[f] + v;
            v = residual[o] + v;
            wrong += ((float *)fast)[o] != v;
          } else if (mode == 10) {
            float v = (float)sum * mult[f];
            v = v < loValue ? loValue : v > hiValue ? hiValue : v;
            wrong += ((float *)fast)[o] != v;
          } else {
            /* Bytes: yzp 3, range [0, 255] (3 arguments of the call). */
            float v = (float)sum * mult[f];
            v = v < -3.0f ? -3.0f : v > 252.0f ? 252.0f : v;
            wrong += fast[o] != (uint8_t)((int)__builtin_rintf(v) + 3);
          }
        }
  wrong += memcmp(vnni, fast, outputs * bytes) != 0;
  printf("conv N%ld %ldx%ld C%ld F%ld %ldx%ld s%ld d%ld pad%ld %s mode%d "
         "amx%d: %s\n",
         (long)N, (long)H, (long)W, (long)C, (long)F, (long)KH, (long)KW,
         (long)s, (long)d, (long)pad, isSigned ? "s8" : "u8", mode, used,
         wrong ? "WRONG" : "ok");
  free(x), free(w), free(packed), free(comp), free(exact), free(mult);
  free(vnni), free(fast), free(workspace), free(bias), free(residual);
  return wrong != 0;
}

/* A 3x3 depthwise convolution with f32 output against the reference. */
static int depthwiseCase(int64_t H, int64_t C, int64_t s, int isSigned) {
  int64_t OH = (H + 2 - 3) / s + 1, OW = OH;
  uint8_t *x = malloc(H * H * C);
  float *w = malloc(9 * C * 4), *mult = malloc(C * 4),
        *y = malloc(OH * OW * C * 4);
  int32_t *bias = malloc(C * 4);
  for (int64_t i = 0; i < H * H * C; ++i)
    x[i] = (uint8_t)randomByte();
  for (int64_t i = 0; i < 9 * C; ++i)
    w[i] = (float)(int8_t)randomByte();
  for (int64_t c = 0; c < C; ++c) {
    bias[c] = (int32_t)c * 11 - 300;
    mult[c] = 0.001f;
  }
  uint8_t *workspace = aligned_alloc(64, 16 * 3 * (H + 2) * C * 4);
  uint8_t zeroPoint = 200;
  fulcrum_qdwconv2d_nhwc_avx512vnni(
      1, H, H, C, 3, 3, OH, OW, s, s, 1, 1, 1, 1, (int64_t)x, (int64_t)w,
      (int64_t)bias, (int64_t)mult, (int64_t)y, (int64_t)workspace, 0, 0, 0,
      FULCRUM_Q_OUTPUT_F32 | (isSigned ? FULCRUM_Q_SIGNED_INPUT : 0),
      zeroPoint);
  long wrong = 0;
  for (int64_t oh = 0; oh < OH; ++oh)
    for (int64_t ow = 0; ow < OW; ++ow)
      for (int64_t c = 0; c < C; ++c) {
        int32_t sum = bias[c];
        for (int64_t kh = 0; kh < 3; ++kh)
          for (int64_t kw = 0; kw < 3; ++kw) {
            int64_t ih = oh * s - 1 + kh, iw = ow * s - 1 + kw;
            uint8_t v = ih >= 0 && ih < H && iw >= 0 && iw < H
                            ? x[(ih * H + iw) * C + c]
                            : zeroPoint;
            int32_t value = isSigned ? (int32_t)(int8_t)v : (int32_t)v;
            sum += value * (int32_t)w[(kh * 3 + kw) * C + c];
          }
        wrong += y[(oh * OW + ow) * C + c] != (float)sum * mult[c];
      }
  printf("depthwise %ldx%ld C%ld s%ld %s: %s\n", (long)H, (long)H, (long)C,
         (long)s, isSigned ? "s8" : "u8", wrong ? "WRONG" : "ok");
  free(x), free(w), free(mult), free(y), free(bias), free(workspace);
  return wrong != 0;
}

int main(void) {
  int failed = 0;
  failed |= convCase(1, 8, 8, 64, 64, 3, 3, 1, 1, 1, 0, 4);
  failed |= convCase(2, 14, 14, 96, 136, 1, 1, 1, 1, 0, 1, 4);
  failed |= convCase(1, 7, 7, 512, 40, 3, 3, 1, 1, 1, 0, 4);
  failed |= convCase(1, 15, 13, 40, 8, 5, 5, 2, 2, 2, 1, 4);
  failed |= convCase(1, 28, 28, 128, 96, 3, 3, 2, 1, 1, 0, 0);
  failed |= convCase(1, 9, 11, 72, 24, 3, 3, 1, 1, 1, 1, 2);
  failed |= convCase(3, 5, 6, 1000, 33, 1, 1, 1, 1, 0, 0, 4);
  failed |= convCase(1, 9, 7, 3, 20, 3, 3, 2, 1, 1, 1, 4);
  /* 1x1 over u8 pixels: the AMX tiles read the image in place, the last
   * blocks from packed rows. */
  failed |= convCase(1, 10, 10, 96, 40, 1, 1, 1, 1, 0, 0, 0);
  failed |= convCase(2, 7, 9, 200, 70, 1, 1, 1, 1, 0, 0, 4);
  /* A transformer's matrix products (M = 50 rows as one row of pixels):
   * f32 plus bias and residual, and f32 clamped. */
  failed |= convCase(1, 1, 50, 64, 72, 1, 1, 1, 1, 0, 0, 3);
  failed |= convCase(1, 1, 50, 128, 40, 1, 1, 1, 1, 0, 0, 10);
  failed |= convCase(1, 6, 5, 24, 19, 3, 3, 1, 1, 1, 1, 3);
  failed |= depthwiseCase(17, 40, 1, 0);
  failed |= depthwiseCase(16, 24, 2, 1);
  printf("amx: %s\n", amxRan ? "used" : "not used");
  return failed;
}
