/*===- Probes.c - Micro-benchmarks of the host's peaks ----------------------===
 *
 * Part of Fulcrum. fulcrum-calibrate's probes: the fp32 FMA peak
 * (independent vector FMA chains, as bench/peak/fma_peak.c), the int8
 * dot-product peak (AVX-512 VNNI vpdpbusd, AVX-VNNI, else AVX2 vpmaddubsw +
 * vpmaddwd) and read bandwidth over a buffer. Each is compiled for its ISA
 * with a target attribute and chosen at run time, so one build serves every
 * x86-64 host. Each returns the operations it did (a multiply-add counts
 * two); the caller times it.
 *
 *===----------------------------------------------------------------------===*/

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define CHAINS 16

static volatile float floatSink;
static volatile unsigned intSink;

__attribute__((target("avx512f"))) static double fma512(long iterations) {
  __m512 acc[CHAINS];
  __m512 a = _mm512_set1_ps(1.0000001f), b = _mm512_set1_ps(0.9999999f);
  for (int i = 0; i < CHAINS; ++i)
    acc[i] = _mm512_set1_ps((float)i);
  for (long it = 0; it < iterations; ++it)
    for (int i = 0; i < CHAINS; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  float sink = 0;
  for (int i = 0; i < CHAINS; ++i)
    sink += _mm512_reduce_add_ps(acc[i]);
  floatSink = sink;
  return 2.0 * 16 * CHAINS * iterations;
}

__attribute__((target("avx2,fma"))) static double fma256(long iterations) {
  __m256 acc[CHAINS];
  __m256 a = _mm256_set1_ps(1.0000001f), b = _mm256_set1_ps(0.9999999f);
  for (int i = 0; i < CHAINS; ++i)
    acc[i] = _mm256_set1_ps((float)i);
  for (long it = 0; it < iterations; ++it)
    for (int i = 0; i < CHAINS; ++i)
      acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  float lanes[8], sink = 0;
  for (int i = 0; i < CHAINS; ++i) {
    _mm256_storeu_ps(lanes, acc[i]);
    sink += lanes[0];
  }
  floatSink = sink;
  return 2.0 * 8 * CHAINS * iterations;
}

static double fmaScalar(long iterations) {
  float acc[CHAINS];
  for (int i = 0; i < CHAINS; ++i)
    acc[i] = (float)i;
  for (long it = 0; it < iterations; ++it)
    for (int i = 0; i < CHAINS; ++i)
      acc[i] = acc[i] * 1.0000001f + 0.9999999f;
  floatSink = acc[0] + acc[CHAINS - 1];
  return 2.0 * CHAINS * iterations;
}

double fulcrum_probe_fma(long iterations) {
  if (__builtin_cpu_supports("avx512f"))
    return fma512(iterations);
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return fma256(iterations);
  return fmaScalar(iterations);
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) static double
vnni512(long iterations) {
  __m512i acc[CHAINS];
  __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
  for (int i = 0; i < CHAINS; ++i)
    acc[i] = _mm512_set1_epi32(i);
  for (long it = 0; it < iterations; ++it)
    for (int i = 0; i < CHAINS; ++i)
      acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
  unsigned sink = 0; // wraps: only the sum's existence matters
  for (int i = 0; i < CHAINS; ++i)
    sink += (unsigned)_mm512_reduce_add_epi32(acc[i]);
  intSink = sink;
  return 2.0 * 64 * CHAINS * iterations;
}

__attribute__((target("avx2,avxvnni"))) static double vnni256(long iterations) {
  __m256i acc[CHAINS];
  __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-2);
  for (int i = 0; i < CHAINS; ++i)
    acc[i] = _mm256_set1_epi32(i);
  for (long it = 0; it < iterations; ++it)
    for (int i = 0; i < CHAINS; ++i)
      acc[i] = _mm256_dpbusd_avx_epi32(acc[i], a, b);
  int lanes[8];
  unsigned sink = 0;
  for (int i = 0; i < CHAINS; ++i) {
    _mm256_storeu_si256((__m256i *)lanes, acc[i]);
    sink += (unsigned)lanes[0];
  }
  intSink = sink;
  return 2.0 * 32 * CHAINS * iterations;
}

/* u8 x s8 pairs summed to s16 (saturating), pairs of s16 summed to s32. */
__attribute__((target("avx2"))) static double maddubs256(long iterations) {
  __m256i acc[CHAINS];
  __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-2);
  __m256i ones = _mm256_set1_epi16(1);
  for (int i = 0; i < CHAINS; ++i)
    acc[i] = _mm256_set1_epi32(i);
  for (long it = 0; it < iterations; ++it)
    for (int i = 0; i < CHAINS; ++i) {
      __m256i pairs = _mm256_maddubs_epi16(a, b);
      acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(pairs, ones));
      a = _mm256_add_epi8(a, ones); /* keeps the products in the loop */
    }
  int lanes[8];
  unsigned sink = 0;
  for (int i = 0; i < CHAINS; ++i) {
    _mm256_storeu_si256((__m256i *)lanes, acc[i]);
    sink += (unsigned)lanes[0];
  }
  intSink = sink;
  return 2.0 * 32 * CHAINS * iterations;
}

double fulcrum_probe_int8(long iterations) {
  if (__builtin_cpu_supports("avx512vnni") &&
      __builtin_cpu_supports("avx512bw"))
    return vnni512(iterations);
  if (__builtin_cpu_supports("avxvnni"))
    return vnni256(iterations);
  if (__builtin_cpu_supports("avx2"))
    return maddubs256(iterations);
  return 0;
}

const char *fulcrum_probe_int8_isa(void) {
  if (__builtin_cpu_supports("avx512vnni") &&
      __builtin_cpu_supports("avx512bw"))
    return "avx512-vnni vpdpbusd";
  if (__builtin_cpu_supports("avxvnni"))
    return "avx-vnni vpdpbusd";
  if (__builtin_cpu_supports("avx2"))
    return "avx2 vpmaddubsw+vpmaddwd";
  return "none";
}

__attribute__((target("avx512f"))) static float
read512(const float *data, size_t count, int passes) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  for (int p = 0; p < passes; ++p)
    for (size_t i = 0; i + 64 <= count; i += 64) {
      acc0 = _mm512_add_ps(acc0, _mm512_load_ps(data + i));
      acc1 = _mm512_add_ps(acc1, _mm512_load_ps(data + i + 16));
      acc2 = _mm512_add_ps(acc2, _mm512_load_ps(data + i + 32));
      acc3 = _mm512_add_ps(acc3, _mm512_load_ps(data + i + 48));
    }
  return _mm512_reduce_add_ps(
      _mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

__attribute__((target("avx2"))) static float read256(const float *data,
                                                     size_t count, int passes) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  for (int p = 0; p < passes; ++p)
    for (size_t i = 0; i + 32 <= count; i += 32) {
      acc0 = _mm256_add_ps(acc0, _mm256_load_ps(data + i));
      acc1 = _mm256_add_ps(acc1, _mm256_load_ps(data + i + 8));
      acc2 = _mm256_add_ps(acc2, _mm256_load_ps(data + i + 16));
      acc3 = _mm256_add_ps(acc3, _mm256_load_ps(data + i + 24));
    }
  float lanes[8];
  _mm256_storeu_ps(lanes, _mm256_add_ps(_mm256_add_ps(acc0, acc1),
                                        _mm256_add_ps(acc2, acc3)));
  return lanes[0] + lanes[7];
}

/* Reads `count` floats (64-byte aligned, a multiple of 64) `passes` times;
 * returns the bytes read. */
double fulcrum_probe_read(const float *data, size_t count, int passes) {
  float sum;
  if (__builtin_cpu_supports("avx512f"))
    sum = read512(data, count, passes);
  else
    sum = read256(data, count, passes);
  floatSink = sum;
  return 4.0 * (double)count * passes;
}
