/*===- attention.c - Fused scaled dot-product attention kernel ----------===*
 *
 * Part of Fulcrum. O = softmax(scale * Q K^T + mask) V for every (batch,
 * head), without the [Lq, Lk] score matrix: keys are taken a tile of `tile`
 * at a time, with an online softmax (FlashAttention's running maximum m and
 * sum l per query row: when a tile raises the maximum, the sum and the
 * output accumulated so far are scaled by exp(m_old - m_new)). With `tile`
 * at least Lk there is one tile: the direct form, an exact two-pass softmax
 * over whole rows (the code generator chooses; see
 * fulcrum-cpu-attention-to-kernel).
 *
 * Per task (batch, head, block of BR query rows) the tile of K is packed
 * transposed ([D][tile], zero-padded to whole vectors), so each score
 * vector is D broadcast-multiply-adds with no horizontal sum; P V
 * broadcasts each probability against rows of V. Tasks are spread over the
 * OpenMP threads; each output row is computed by one thread in one order,
 * so results do not depend on the thread count.
 *
 * A row whose every score is masked becomes NaN (0 / 0), as the unfused
 * softmax computes it.
 *
 * With flag 8 (bf16) both products take their operands rounded to bf16
 * (to nearest, ties to even) and accumulate in f32: Q, K and V as they
 * are packed, the probabilities after the softmax. Operands go in pairs
 * (two bf16 in one 32-bit word: K's along D, V's along the keys), which is
 * the layout of AVX512-BF16's `vdpbf16ps` (acc += a0 b0 + a1 b1 per lane):
 * the ISA 2512 build (`_avx512bf16`) runs on it, the others unpack each
 * pair into two f32 multiply-adds (the same rounding of the operands; a
 * product of two bf16 is exact in f32).
 *
 *===----------------------------------------------------------------------===*/

#include <stdint.h>

#if FULCRUM_KERNEL_ISA == 2512
#define NAME(x) x##_avx512bf16
#include <immintrin.h>
#elif FULCRUM_KERNEL_ISA == 512
#define NAME(x) x##_avx512
#elif FULCRUM_KERNEL_ISA == 256
#define NAME(x) x##_avx2
#else
#define NAME(x) x##_generic
#endif

#include "tasks.h"
#include "vector.h"

void *malloc(unsigned long size);
int omp_get_max_threads(void);
int omp_get_thread_num(void);
void free(void *pointer);

/* Query rows per block: the packed K tile is reused this many times. */
#define BR 16
/* Query rows per register tile: each K and V vector loaded feeds RT rows'
 * multiply-adds (the accumulators fit the ISA's registers). */
#if FULCRUM_KERNEL_ISA == 512 || FULCRUM_KERNEL_ISA == 2512
#define RT 8
#elif FULCRUM_KERNEL_ISA == 256
#define RT 2
#else
#define RT 1
#endif

enum {
  kMaskNone = 0,
  kMaskAdditive = 1,
  kMaskBoolean = 2,
  kCausal = 4,
  kBf16 = 8
};

typedef struct {
  int64_t lq, lk, d, dv, flags, window, global, tile;
  float scale;
  const float *q, *k, *v;
  float *o;
  const char *mask;
  int64_t qs[3], ks[3], vs[3], os[3], ms[4];
} Problem;

/* x rounded to bf16 (to nearest, ties to even; NaN stays NaN): the high
 * half of the float it stands for. */
static inline uint32_t bf16Bits(float x) {
  uint32_t u;
  __builtin_memcpy(&u, &x, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u)
    return (u | 0x00400000u) >> 16;
  return (u + 0x7fffu + ((u >> 16) & 1)) >> 16;
}

/* (a, b) rounded to bf16, a in the low half of the word (the even
 * element of a vdpbf16ps pair). */
static inline uint32_t bf16Pair(float a, float b) {
  return bf16Bits(a) | bf16Bits(b) << 16;
}

/* 16 words of bf16 pairs. The helpers that pass them are static, so the
 * ABI note clang makes for the variants without AVX-512 does not apply. */
#pragma clang diagnostic ignored "-Wpsabi"
typedef uint32_t words __attribute__((vector_size(64), aligned(4)));

/* The lanes of x rounded to bf16 (to nearest, ties to even) in their high
 * halves, the low halves still to drop (for finite values; the pairs of
 * scalars, bf16Pair, also keep NaN). */
static inline words roundBf16(const lanes *x) {
  words u = (words)*x;
  return u + 0x7fffu + ((u >> 16) & 1u);
}

/* Pairs of rounded lanes (roundBf16): `even` in the low halves, `odd` in
 * the high ones. */
static inline words joinPairs(words even, words odd) {
  return (even >> 16) | (odd & 0xffff0000u);
}

/* 2 * LANES floats (two vectors) as LANES pairs in order: word t holds
 * floats 2t (low half) and 2t + 1, rounded to bf16. */
static inline words pairVectors(const lanes *lo, const lanes *hi) {
  words a = roundBf16(lo), b = roundBf16(hi);
  return joinPairs(__builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16,
                                           18, 20, 22, 24, 26, 28, 30),
                   __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17,
                                           19, 21, 23, 25, 27, 29, 31));
}

/* The (d + 1) / 2 pairs of a row of d floats (the last one padded with 0)
 * to out[0], out[stride], ... With stride 1 `out` may be the row itself:
 * each word is written after the floats it covers are read. */
static void pairRow(const float *row, int64_t d, uint32_t *out,
                    int64_t stride) {
  int64_t pi = 0;
  for (; 2 * pi + 2 * LANES <= d; pi += LANES) {
    words w = pairVectors((const lanes *)(row + 2 * pi),
                          (const lanes *)(row + 2 * pi + LANES));
    if (stride == 1) {
      *(words *)(out + pi) = w;
      continue;
    }
    for (int64_t i = 0; i < LANES; ++i)
      out[(pi + i) * stride] = w[i];
  }
  if (2 * pi + LANES <= d) {
    // One vector of 16 floats: 8 pairs (a head dimension of 16).
    words w = pairVectors((const lanes *)(row + 2 * pi),
                          (const lanes *)(row + 2 * pi));
    for (int64_t i = 0; i < LANES / 2; ++i)
      out[(pi + i) * stride] = w[i];
    pi += LANES / 2;
  }
  for (; pi < (d + 1) / 2; ++pi)
    out[pi * stride] =
        bf16Pair(row[2 * pi], 2 * pi + 1 < d ? row[2 * pi + 1] : 0.0f);
}

/* *acc += a0 * b0 + a1 * b1 per lane, for a pair `a` (one word, the same
 * in every lane) and a vector of pairs `*b`. In place, as vector.h's
 * helpers (vector arguments by value depend on the ISA's calling
 * convention). */
static inline void dotPairs(lanes *acc, uint32_t a, const ints *b) {
#if FULCRUM_KERNEL_ISA == 2512
  ints broadcast = (ints){} + (int32_t)a;
  *acc =
      (lanes)_mm512_dpbf16_ps((__m512)*acc, (__m512bh)broadcast, (__m512bh)*b);
#else
  uint32_t lo = a << 16, hi = a & 0xffff0000u;
  float a0, a1;
  __builtin_memcpy(&a0, &lo, 4);
  __builtin_memcpy(&a1, &hi, 4);
  lanes b0 = (lanes)(*b << 16), b1 = (lanes)(*b & (int32_t)0xffff0000u);
  *acc += a1 * b1 + a0 * b0;
#endif
}

/* Scaled scores of RT query rows (rows past `rows` repeat the last one)
 * against the tp packed keys of `kt`, into s[rr * tp + jj]. */
static void scoresTile(const Problem *p, const float *q, int64_t rows,
                       const float *kt, int64_t tp, float *s) {
  const float *qr[RT];
  for (int64_t rr = 0; rr < RT; ++rr)
    qr[rr] = q + (rr < rows ? rr : rows - 1) * p->qs[2];
  for (int64_t c = 0; c < tp; c += 2 * LANES) {
    int two = tp - c > LANES;
    lanes a[RT][2] = {};
    for (int64_t d = 0; d < p->d; ++d) {
      const float *row = kt + d * tp + c;
      lanes k0 = *(const lanes *)row;
      lanes k1 = two ? *(const lanes *)(row + LANES) : (lanes){};
#pragma unroll
      for (int64_t rr = 0; rr < RT; ++rr) {
        float x = qr[rr][d];
        a[rr][0] += x * k0;
        a[rr][1] += x * k1;
      }
    }
    for (int64_t rr = 0; rr < RT; ++rr) {
      *(lanes *)(s + rr * tp + c) = a[rr][0] * p->scale;
      if (two)
        *(lanes *)(s + rr * tp + c + LANES) = a[rr][1] * p->scale;
    }
  }
}

/* Row i's scores against keys [j0, j0 + n) in s (padded to tp with
 * -inf) masked; returns their maximum. */
static float maskRow(const Problem *p, const char *mrow, int64_t i, int64_t j0,
                     int64_t n, int64_t tp, float *s) {
  const float inf = __builtin_inff();
  for (int64_t jj = n; jj < tp; ++jj)
    s[jj] = -inf;
  int64_t kind = p->flags & 3;
  if (kind == kMaskAdditive) {
    const float *m = (const float *)mrow;
    for (int64_t jj = 0; jj < n; ++jj)
      s[jj] += m[(j0 + jj) * p->ms[3]];
  } else if (kind == kMaskBoolean) {
    for (int64_t jj = 0; jj < n; ++jj)
      if (!mrow[(j0 + jj) * p->ms[3]])
        s[jj] = -inf;
  }
  if (p->flags & kCausal)
    for (int64_t jj = i - j0 + 1 < 0 ? 0 : i - j0 + 1; jj < n; ++jj)
      s[jj] = -inf;
  if (p->window > 0 && i >= p->global)
    for (int64_t jj = 0; jj < n; ++jj) {
      int64_t j = j0 + jj, gap = i > j ? i - j : j - i;
      if (gap > p->window && j >= p->global)
        s[jj] = -inf;
    }
  lanes mx = (lanes){} - inf;
  for (int64_t c = 0; c < tp; c += LANES)
    mx = __builtin_elementwise_max(mx, *(const lanes *)(s + c));
  return maxLanes(&mx);
}

/* acc[rr][0, dv) += sum_jj s[rr * tp + jj] * V[jj][0, dv) for the RT
 * rows of a register tile (rows ahead of dvp floats apart). */
static void accumulateTile(const Problem *p, const float *v, const float *s,
                           int64_t tp, int64_t n, float *acc, int64_t dvp) {
  int64_t dv = p->dv, vj = p->vs[2], e = 0;
  for (; e + 2 * LANES <= dv; e += 2 * LANES) {
    lanes a[RT][2];
    for (int64_t rr = 0; rr < RT; ++rr) {
      a[rr][0] = *(lanes *)(acc + rr * dvp + e);
      a[rr][1] = *(lanes *)(acc + rr * dvp + e + LANES);
    }
    for (int64_t jj = 0; jj < n; ++jj) {
      const float *row = v + jj * vj + e;
      lanes v0 = *(const lanes *)row, v1 = *(const lanes *)(row + LANES);
#pragma unroll
      for (int64_t rr = 0; rr < RT; ++rr) {
        float x = s[rr * tp + jj];
        a[rr][0] += x * v0;
        a[rr][1] += x * v1;
      }
    }
    for (int64_t rr = 0; rr < RT; ++rr) {
      *(lanes *)(acc + rr * dvp + e) = a[rr][0];
      *(lanes *)(acc + rr * dvp + e + LANES) = a[rr][1];
    }
  }
  /* One vector of values (a head dimension of 16): two partial sums over
   * the keys per row, so that the multiply-adds do not wait on each other. */
  for (; e + LANES <= dv; e += LANES) {
    lanes a[RT][2] = {};
    int64_t jj = 0;
    for (; jj + 2 <= n; jj += 2) {
      lanes v0 = *(const lanes *)(v + jj * vj + e);
      lanes v1 = *(const lanes *)(v + (jj + 1) * vj + e);
#pragma unroll
      for (int64_t rr = 0; rr < RT; ++rr) {
        a[rr][0] += s[rr * tp + jj] * v0;
        a[rr][1] += s[rr * tp + jj + 1] * v1;
      }
    }
    for (; jj < n; ++jj) {
      lanes v0 = *(const lanes *)(v + jj * vj + e);
      for (int64_t rr = 0; rr < RT; ++rr)
        a[rr][0] += s[rr * tp + jj] * v0;
    }
    for (int64_t rr = 0; rr < RT; ++rr)
      *(lanes *)(acc + rr * dvp + e) += a[rr][0] + a[rr][1];
  }
  for (; e < dv; ++e)
    for (int64_t rr = 0; rr < RT; ++rr) {
      float a = acc[rr * dvp + e];
      for (int64_t jj = 0; jj < n; ++jj)
        a += s[rr * tp + jj] * v[jj * vj + e];
      acc[rr * dvp + e] = a;
    }
}

/* scoresTile in bf16: the RT rows' query pairs are qp[rr * dp + pi] (rows
 * past `rows` repeat the last), K's pairs kt[pi * tp + jj]. */
static void scoresTileBf16(const Problem *p, const uint32_t *qp, int64_t dp,
                           int64_t rows, const uint32_t *kt, int64_t tp,
                           float *s) {
  const uint32_t *qr[RT];
  for (int64_t rr = 0; rr < RT; ++rr)
    qr[rr] = qp + (rr < rows ? rr : rows - 1) * dp;
  for (int64_t c = 0; c < tp; c += 2 * LANES) {
    int two = tp - c > LANES;
    lanes a[RT][2] = {};
    for (int64_t pi = 0; pi < dp; ++pi) {
      const uint32_t *row = kt + pi * tp + c;
      ints k0 = *(const ints *)row;
      ints k1 = two ? *(const ints *)(row + LANES) : (ints){};
#pragma unroll
      for (int64_t rr = 0; rr < RT; ++rr) {
        dotPairs(&a[rr][0], qr[rr][pi], &k0);
        dotPairs(&a[rr][1], qr[rr][pi], &k1);
      }
    }
    for (int64_t rr = 0; rr < RT; ++rr) {
      *(lanes *)(s + rr * tp + c) = a[rr][0] * p->scale;
      if (two)
        *(lanes *)(s + rr * tp + c + LANES) = a[rr][1] * p->scale;
    }
  }
}

/* accumulateTile in bf16: each of the RT probability rows of s (tp floats
 * apart) holds its pairs in its first tp / 2 words; vt holds the tile's V
 * pairs, [np][dvp] words. */
static void accumulateTileBf16(const uint32_t *vt, const float *s, int64_t tp,
                               int64_t n, float *acc, int64_t dvp) {
  int64_t np = (n + 1) / 2;
  const uint32_t *sp = (const uint32_t *)s;
  for (int64_t e = 0; e < dvp; e += LANES) {
    lanes a[RT][2];
    for (int64_t rr = 0; rr < RT; ++rr) {
      a[rr][0] = *(lanes *)(acc + rr * dvp + e);
      a[rr][1] = (lanes){};
    }
    int64_t t = 0;
    for (; t + 2 <= np; t += 2) {
      ints v0 = *(const ints *)(vt + t * dvp + e);
      ints v1 = *(const ints *)(vt + (t + 1) * dvp + e);
#pragma unroll
      for (int64_t rr = 0; rr < RT; ++rr) {
        dotPairs(&a[rr][0], sp[rr * tp + t], &v0);
        dotPairs(&a[rr][1], sp[rr * tp + t + 1], &v1);
      }
    }
    for (; t < np; ++t) {
      ints v0 = *(const ints *)(vt + t * dvp + e);
      for (int64_t rr = 0; rr < RT; ++rr)
        dotPairs(&a[rr][0], sp[rr * tp + t], &v0);
    }
    for (int64_t rr = 0; rr < RT; ++rr)
      *(lanes *)(acc + rr * dvp + e) = a[rr][0] + a[rr][1];
  }
}

/* The packed width of the key tile that starts at j0: its keys in whole
 * vectors. Every tile but a short last one has `tile` keys; the last is
 * padded only to its own keys (Lk = 197 in tiles of 128 computes 128 + 80
 * columns, not 256), its block starting where a full one would. */
static inline int64_t tileWidth(const Problem *p, int64_t j0) {
  int64_t n = p->lk - j0 < p->tile ? p->lk - j0 : p->tile;
  return (n + LANES - 1) / LANES * LANES;
}

/* K and V of head (b, h) in bf16 pairs: per key tile, K's [dp][w] words
 * (pairs along D, w = tileWidth) and V's [(tile + 1) / 2][dvp] words (pairs
 * along the keys), zero-padded. */
static void packBf16(const Problem *p, int64_t b, int64_t h, uint32_t *kt,
                     uint32_t *vt) {
  int64_t tile = p->tile, tp = (tile + LANES - 1) / LANES * LANES;
  int64_t dp = (p->d + 1) / 2, dvp = (p->dv + LANES - 1) / LANES * LANES;
  const float *k = p->k + b * p->ks[0] + h * p->ks[1];
  const float *v = p->v + b * p->vs[0] + h * p->vs[1];
  for (int64_t j0 = 0; j0 < p->lk;
       j0 += tile, kt += dp * tp, vt += (tile + 1) / 2 * dvp) {
    int64_t n = p->lk - j0 < tile ? p->lk - j0 : tile, w = tileWidth(p, j0);
    for (int64_t jj = 0; jj < w; ++jj) {
      if (jj >= n) {
        for (int64_t pi = 0; pi < dp; ++pi)
          kt[pi * w + jj] = 0;
        continue;
      }
      pairRow(k + (j0 + jj) * p->ks[2], p->d, kt + jj, w);
    }
    for (int64_t t = 0; t < (n + 1) / 2; ++t) {
      const float *r0 = v + (j0 + 2 * t) * p->vs[2];
      const float *r1 = 2 * t + 1 < n ? r0 + p->vs[2] : 0;
      int64_t e = 0;
      if (r1)
        for (; e + LANES <= p->dv; e += LANES) {
          *(words *)(vt + t * dvp + e) =
              joinPairs(roundBf16((const lanes *)(r0 + e)),
                        roundBf16((const lanes *)(r1 + e)));
        }
      for (; e < dvp; ++e)
        vt[t * dvp + e] = e >= p->dv ? 0 : bf16Pair(r0[e], r1 ? r1[e] : 0.0f);
    }
  }
}

/* K[0, Lk) of head (b, h) packed transposed, one [D][w] block per key
 * tile, each zero-padded to its w = tileWidth columns. */
static void packKeys(const Problem *p, int64_t b, int64_t h, float *kt) {
  int64_t tile = p->tile, tp = (tile + LANES - 1) / LANES * LANES;
  const float *k = p->k + b * p->ks[0] + h * p->ks[1];
  for (int64_t j0 = 0; j0 < p->lk; j0 += tile, kt += p->d * tp) {
    int64_t n = p->lk - j0 < tile ? p->lk - j0 : tile, w = tileWidth(p, j0);
    for (int64_t jj = 0; jj < n; ++jj) {
      const float *row = k + (j0 + jj) * p->ks[2];
      for (int64_t d = 0; d < p->d; ++d)
        kt[d * w + jj] = row[d];
    }
    for (int64_t d = 0; d < p->d; ++d)
      for (int64_t jj = n; jj < w; ++jj)
        kt[d * w + jj] = 0;
  }
}

/* Rows [i0, i0 + rows) (rows <= BR) of head (b, h), its keys packed in
 * `packed` (and, in bf16, its values in `values`); `scratch` holds a
 * register tile of score rows, the accumulators and (in bf16) the block's
 * query pairs. */
static void attendBlock(const Problem *p, int64_t b, int64_t h, int64_t i0,
                        int64_t rows, const float *packed,
                        const uint32_t *values, float *scratch) {
  const float inf = __builtin_inff();
  int64_t tile = p->tile, tp = (tile + LANES - 1) / LANES * LANES;
  int64_t dvp = (p->dv + LANES - 1) / LANES * LANES;
  int bf16 = (p->flags & kBf16) != 0;
  int64_t dp = (p->d + 1) / 2;
  float *s = scratch, *acc = s + RT * tp;
  uint32_t *qp = (uint32_t *)(acc + BR * dvp);
  float m[BR], l[BR];
  const float *q = p->q + b * p->qs[0] + h * p->qs[1];
  const float *v = p->v + b * p->vs[0] + h * p->vs[1];
  const char *mask =
      p->mask ? p->mask + (b * p->ms[0] + h * p->ms[1]) *
                              ((p->flags & 3) == kMaskAdditive ? 4 : 1)
              : 0;
  int64_t esize = (p->flags & 3) == kMaskAdditive ? 4 : 1;
  for (int64_t r = 0; r < rows; ++r) {
    m[r] = -inf;
    l[r] = 0;
    for (int64_t e = 0; e < dvp; ++e)
      acc[r * dvp + e] = 0;
    if (bf16)
      pairRow(q + (i0 + r) * p->qs[2], p->d, qp + r * dp, 1);
  }
  for (int64_t j0 = 0; j0 < p->lk; j0 += tile) {
    int64_t n = p->lk - j0 < tile ? p->lk - j0 : tile, w = tileWidth(p, j0);
    if ((p->flags & kCausal) && j0 > i0 + rows - 1)
      break;
    const float *kt = packed + j0 / tile * (bf16 ? dp : p->d) * tp;
    for (int64_t r0 = 0; r0 < rows; r0 += RT) {
      int64_t nr = rows - r0 < RT ? rows - r0 : RT;
      if (bf16)
        scoresTileBf16(p, qp + r0 * dp, dp, nr, (const uint32_t *)kt, w, s);
      else
        scoresTile(p, q + (i0 + r0) * p->qs[2], nr, kt, w, s);
      for (int64_t rr = 0; rr < RT; ++rr) {
        int64_t r = r0 + (rr < nr ? rr : nr - 1), i = i0 + r;
        float *sr = s + rr * w;
        const char *mrow = mask ? mask + i * p->ms[2] * esize : 0;
        float mt = maskRow(p, mrow, i, j0, n, w, sr);
        float mn = mt > m[r] ? mt : m[r];
        if (mn == -inf || rr >= nr) {
          // Every score so far masked, or a repeated row: adds nothing.
          for (int64_t c = 0; c < w; c += LANES)
            *(lanes *)(sr + c) = (lanes){};
          continue;
        }
        float alpha = 0;
        if (m[r] != -inf) {
          lanes a = (lanes){} + (m[r] - mn);
          expNonPositive(&a);
          alpha = a[0];
        }
        lanes sum = {};
        for (int64_t c = 0; c < w; c += LANES) {
          lanes e = *(lanes *)(sr + c) - mn;
          expNonPositive(&e);
          // Masked scores (and the padding) are -inf: exp gives 0 exactly.
          e = (lanes)((ints)e & (*(lanes *)(sr + c) != -inf));
          *(lanes *)(sr + c) = e;
          sum += e;
        }
        float *a = acc + r * dvp;
        if (alpha != 1) {
          for (int64_t e = 0; e < dvp; e += LANES)
            *(lanes *)(a + e) *= alpha;
        }
        l[r] = l[r] * alpha + sumLanes(&sum);
        m[r] = mn;
      }
      if (bf16) {
        // Each row's probabilities become pairs in its first w / 2 words.
        for (int64_t rr = 0; rr < RT; ++rr)
          pairRow(s + rr * w, w, (uint32_t *)(s + rr * w), 1);
        accumulateTileBf16(values + j0 / tile * ((tile + 1) / 2) * dvp, s, w, n,
                           acc + r0 * dvp, dvp);
      } else {
        accumulateTile(p, v + j0 * p->vs[2], s, w, n, acc + r0 * dvp, dvp);
      }
    }
  }
  for (int64_t r = 0; r < rows; ++r) {
    float *out = p->o + b * p->os[0] + h * p->os[1] + (i0 + r) * p->os[2];
    float inv = 1.0f / l[r];
    if (l[r] == 0)
      inv = __builtin_nanf("");
    for (int64_t e = 0; e < p->dv; ++e)
      out[e] = acc[r * dvp + e] * inv;
  }
}

/* The transposed direct form: one tile of at most TRANSPOSED_KEYS keys, no
 * mask, no window, fp32. A block of BR (= LANES) query rows keeps its scores
 * transposed, [Lk][BR]: one vector per key holds the block's rows, so the
 * softmax's maximum and sum over the keys are element-wise operations
 * across vectors (no horizontal reduction per row), and no key is padded
 * (Lk = 50 computes 50 score vectors, not 4 x 16 = 64 columns per row). K
 * and V are read in place: each score vector is D multiply-adds of a
 * column of the block's transposed queries by a broadcast element of K. */
/* kTransposedAttentionKeys in fulcrum/Cost/AttentionCost.h. */
#define TRANSPOSED_KEYS 512
/* Keys per group of independent score accumulators (with the block's
 * query column they fit the ISA's registers). */
#if FULCRUM_KERNEL_ISA == 512 || FULCRUM_KERNEL_ISA == 2512
#define KG 8
#else
#define KG 4
#endif

/* x[r][c] = x[c][r]: four stages, each swapping the off-diagonal blocks of
 * b x b (b = 8, 4, 2, 1) between rows r and r + b. */
#define SWAP_BLOCKS(b, ...)                                                    \
  for (int64_t r = 0; r < LANES; ++r) {                                        \
    if (r & (b))                                                               \
      continue;                                                                \
    lanes lo = x[r], hi = x[r + (b)];                                          \
    x[r] = __builtin_shufflevector(lo, hi, __VA_ARGS__);                       \
    x[r + (b)] = __builtin_shufflevector(lo, hi, NEXT_##b);                    \
  }
#define NEXT_8 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31
#define NEXT_4 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31
#define NEXT_2 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31
#define NEXT_1 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31
static inline void transpose16(lanes *x) {
  SWAP_BLOCKS(8, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23)
  SWAP_BLOCKS(4, 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27)
  SWAP_BLOCKS(2, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29)
  SWAP_BLOCKS(1, 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30)
}

static inline int useTransposed(const Problem *p) {
  return p->flags == 0 && p->window <= 0 && p->tile >= p->lk &&
         p->lk <= TRANSPOSED_KEYS;
}

/* The floats attendTransposed works in: the scores [Lk][BR], the block's
 * queries transposed [D][BR] and 16 floats of alignment slack. */
static inline int64_t transposedFloats(int64_t lk, int64_t d) {
  return (lk + d) * BR + 16;
}

/* O rows [r0, r0 + R) of a transposed block: P V, each row r scaled by
 * inv[r]; st holds the block's probabilities, [Lk][sw] (row r in column
 * r), o the block's first output row. R is a constant where inlined. */
static inline __attribute__((always_inline)) void
valueRows(const Problem *p, const int R, const float *st, int64_t sw,
          int64_t r0, const float *v, const float *inv, float *o) {
  int64_t lk = p->lk, dv = p->dv, vj = p->vs[2], e = 0;
  for (; e + 2 * LANES <= dv; e += 2 * LANES) {
    lanes a[RT][2] = {};
    for (int64_t jj = 0; jj < lk; ++jj) {
      const float *row = v + jj * vj + e;
      lanes v0 = *(const lanes *)row, v1 = *(const lanes *)(row + LANES);
#pragma unroll
      for (int rr = 0; rr < R; ++rr) {
        float x = st[jj * sw + r0 + rr];
        a[rr][0] += x * v0;
        a[rr][1] += x * v1;
      }
    }
    for (int rr = 0; rr < R; ++rr) {
      float s = inv[r0 + rr];
      *(lanes *)(o + (r0 + rr) * p->os[2] + e) = a[rr][0] * s;
      *(lanes *)(o + (r0 + rr) * p->os[2] + e + LANES) = a[rr][1] * s;
    }
  }
  /* One vector of values (a head dimension of 16): two partial sums over
   * the keys per row. */
  for (; e + LANES <= dv; e += LANES) {
    lanes a[RT][2] = {};
    int64_t jj = 0;
    for (; jj + 2 <= lk; jj += 2) {
      lanes v0 = *(const lanes *)(v + jj * vj + e);
      lanes v1 = *(const lanes *)(v + (jj + 1) * vj + e);
#pragma unroll
      for (int rr = 0; rr < R; ++rr) {
        a[rr][0] += st[jj * sw + r0 + rr] * v0;
        a[rr][1] += st[(jj + 1) * sw + r0 + rr] * v1;
      }
    }
    for (; jj < lk; ++jj) {
      lanes v0 = *(const lanes *)(v + jj * vj + e);
      for (int rr = 0; rr < R; ++rr)
        a[rr][0] += st[jj * sw + r0 + rr] * v0;
    }
    for (int rr = 0; rr < R; ++rr)
      *(lanes *)(o + (r0 + rr) * p->os[2] + e) =
          (a[rr][0] + a[rr][1]) * inv[r0 + rr];
  }
  for (; e < dv; ++e)
    for (int rr = 0; rr < R; ++rr) {
      float a = 0;
      for (int64_t jj = 0; jj < lk; ++jj)
        a += st[jj * sw + r0 + rr] * v[jj * vj + e];
      o[(r0 + rr) * p->os[2] + e] = a * inv[r0 + rr];
    }
}

/* O = P V / sum for the `rows` rows of a transposed block: RT rows at a
 * time, the last few as a group of exactly their number. */
static void blockValues(const Problem *p, const float *st, int64_t sw,
                        int64_t rows, const float *v, const float *inv,
                        float *o) {
  int64_t r0 = 0;
  for (; r0 + RT <= rows; r0 += RT)
    valueRows(p, RT, st, sw, r0, v, inv, o);
  switch (rows - r0) {
#define VALUE_ROWS(n)                                                          \
  case n:                                                                      \
    valueRows(p, n, st, sw, r0, v, inv, o);                                    \
    break;
#if RT > 1
    VALUE_ROWS(1)
#endif
#if RT > 2
    VALUE_ROWS(2)
    VALUE_ROWS(3)
#endif
#if RT > 4
    VALUE_ROWS(4)
    VALUE_ROWS(5)
    VALUE_ROWS(6)
    VALUE_ROWS(7)
#endif
#undef VALUE_ROWS
  default:
    break;
  }
}

/* attendTransposed: blocks of 16 rows in `lanes`; attendTransposedHalf:
 * blocks of at most 8 rows (a short last block) in `halves`, whose
 * operations cost half as much on AVX2 and on AVX-512 hosts that split
 * 512-bit operations in two. */
#define TNAME attendTransposed
#define TV lanes
#define TW 16
#define TEXP expNonPositive
#include "attention_transposed.inc"
#define TNAME attendTransposedHalf
#define TV halves
#define TW 8
#define TEXP expNonPositiveHalf
#include "attention_transposed.inc"

/* The attention of `heads` x `batch` (b, h) pairs; every argument is an
 * i64 (pointers as integers, strides in elements, the scale's bits in the
 * low half). Q [Lq, D], K [Lk, D], V [Lk, Dv] and O [Lq, Dv] per pair have
 * a unit innermost stride; the mask (f32 additive or i8/i1 boolean, true
 * keeps) has strides for (b, h, i, j), 0 where it broadcasts. Thread t
 * works in floats [t * slotFloats, (t + 1) * slotFloats) of `workspace`
 * (attentionSlotFloats() each, `slots` of them); without a workspace, or
 * past its slots, it allocates its own. */
void NAME(fulcrum_attention_f32)(
    int64_t batch, int64_t heads, int64_t lq, int64_t lk, int64_t d, int64_t dv,
    int64_t q, int64_t qsb, int64_t qsh, int64_t qsi, int64_t k, int64_t ksb,
    int64_t ksh, int64_t ksj, int64_t v, int64_t vsb, int64_t vsh, int64_t vsj,
    int64_t o, int64_t osb, int64_t osh, int64_t osi, int64_t mask, int64_t msb,
    int64_t msh, int64_t msi, int64_t msj, int64_t flags, int64_t scaleBits,
    int64_t window, int64_t global, int64_t tile, int64_t workspace,
    int64_t slotFloats, int64_t slots) {
  Problem p;
  p.lq = lq;
  p.lk = lk;
  p.d = d;
  p.dv = dv;
  p.flags = flags;
  p.window = window;
  p.global = global;
  p.tile = tile <= 0 || tile > lk ? lk : tile;
  uint32_t bits = (uint32_t)scaleBits;
  __builtin_memcpy(&p.scale, &bits, 4);
  p.q = (const float *)q;
  p.k = (const float *)k;
  p.v = (const float *)v;
  p.o = (float *)o;
  p.mask = (const char *)mask;
  p.qs[0] = qsb, p.qs[1] = qsh, p.qs[2] = qsi;
  p.ks[0] = ksb, p.ks[1] = ksh, p.ks[2] = ksj;
  p.vs[0] = vsb, p.vs[1] = vsh, p.vs[2] = vsj;
  p.os[0] = osb, p.os[1] = osh, p.os[2] = osi;
  p.ms[0] = msb, p.ms[1] = msh, p.ms[2] = msi, p.ms[3] = msj;
  if (lq <= 0 || lk <= 0 || batch <= 0 || heads <= 0)
    return;
  /* Tasks: (batch, head, chunk of query rows), at least two per thread
   * where the rows allow; each packs its head's keys once. */
  int64_t pairs = batch * heads, blocks = (lq + BR - 1) / BR;
  int64_t threads = omp_get_max_threads();
  int64_t chunks = (2 * threads + pairs - 1) / pairs;
  chunks = chunks < 1 ? 1 : chunks > blocks ? blocks : chunks;
  int64_t chunkRows = (blocks + chunks - 1) / chunks * BR;
  chunks = (lq + chunkRows - 1) / chunkRows;
  int64_t tasks = pairs * chunks;
  int64_t tp = (p.tile + LANES - 1) / LANES * LANES;
  int64_t tiles = (lk + p.tile - 1) / p.tile;
  int64_t dvp = (dv + LANES - 1) / LANES * LANES;
  int bf16 = (flags & kBf16) != 0;
  /* fp32: K per tile. bf16: K's and V's pairs per tile, and a block's
   * query pairs. attentionSlotFloats (Kernels.h) computes the same. */
  int64_t keyFloats = tiles * (bf16 ? (d + 1) / 2 : d) * tp;
  int64_t valueFloats = bf16 ? tiles * ((p.tile + 1) / 2) * dvp : 0;
  int64_t floats = keyFloats + valueFloats + RT * tp + BR * dvp +
                   (bf16 ? BR * ((d + 1) / 2) : 0);
  int transposed = useTransposed(&p);
  if (transposed && transposedFloats(lk, d) > floats)
    floats = transposedFloats(lk, d);
#pragma omp parallel if (tasks > 1 && pairs * lq * lk * (d + dv) >= (1 << 16))
  {
    /* The thread's slot of the workspace the compiler planned; a thread
     * past the slots, or a slot too small, allocates its own. */
    int thread = omp_get_thread_num();
    int own = !workspace || thread >= slots || slotFloats < floats + 16;
    float *scratch = own ? (float *)malloc(floats * sizeof(float) + 64)
                         : (float *)workspace + thread * slotFloats;
    float *packed = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    uint32_t *values = (uint32_t *)(packed + keyFloats);
    float *rest = packed + keyFloats + valueFloats;
    for (int64_t t = taskBegin(tasks), tStop = taskEnd(tasks); t < tStop; ++t) {
      int64_t chunk = t % chunks, bh = t / chunks;
      int64_t b = bh / heads, h = bh % heads;
      int64_t end = (chunk + 1) * chunkRows < lq ? (chunk + 1) * chunkRows : lq;
      if (transposed) {
        for (int64_t i0 = chunk * chunkRows; i0 < end; i0 += BR) {
          int64_t rows = end - i0 < BR ? end - i0 : BR;
          if (rows <= 8)
            attendTransposedHalf(&p, b, h, i0, rows, packed);
          else
            attendTransposed(&p, b, h, i0, rows, packed);
        }
        continue;
      }
      if (bf16)
        packBf16(&p, b, h, (uint32_t *)packed, values);
      else
        packKeys(&p, b, h, packed);
      for (int64_t i0 = chunk * chunkRows; i0 < end; i0 += BR)
        attendBlock(&p, b, h, i0, end - i0 < BR ? end - i0 : BR, packed, values,
                    rest);
    }
    if (own)
      free(scratch);
  }
}
