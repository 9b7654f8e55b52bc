/* The AVX2 8-bit register tiles of Kernels/qconv.c, alone, on one core:
 * how many u8 x s8 multiply-adds per second each way of summing reaches
 * with its operands in L1 (k = 576, a 3x3 window over 64 channels).
 *
 *   clang-19 -O3 -mavx2 -mfma bench/peak/avx2_int8_tiles.c -o /tmp/tiles
 *   /tmp/tiles [reps]
 *
 * - maddubs: vpmaddubsw + vpmaddwd + vpaddd, 3 pixels x 32 channels, what
 *   the kernel runs when no weight pair can saturate vpmaddubsw (7-bit
 *   weights);
 * - split: the same with each activation split into its low 7 bits and
 *   its top bit (exact for any weights, twice the products);
 * - widened: vpmaddwd of u16 activations (broadcast 4 k at a time) by
 *   sign-extended weights (vpmovsxbw), 6 pixels x 8 channels, the
 *   kernel's exact path (tileWide).
 * Each result is checked against a scalar sum, so the three agree where
 * nothing saturates (the weights here are 7-bit for that reason). */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define K 576
static uint8_t act[64][K];
static uint16_t wide[64][K];
static int8_t w8[K / 4][32][4];
int32_t out[64][32];

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static inline int32_t load32(const void *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

static inline int64_t load64(const void *p) {
  int64_t v;
  memcpy(&v, p, 8);
  return v;
}

__attribute__((noinline)) void maddubs(int p0, int exact) {
  __m256i acc[3][4];
  const __m256i ones = _mm256_set1_epi16(1);
  for (int r = 0; r < 3; ++r)
    for (int v = 0; v < 4; ++v)
      acc[r][v] = _mm256_setzero_si256();
  for (int g = 0; g < K / 4; ++g)
    for (int r = 0; r < 3; ++r) {
      int32_t word = load32(&act[p0 + r][g * 4]);
      for (int v = 0; v < 4; ++v) {
        __m256i b = _mm256_loadu_si256((const __m256i *)&w8[g][v * 8][0]);
        if (!exact) {
          __m256i x = _mm256_set1_epi32(word);
          acc[r][v] = _mm256_add_epi32(
              acc[r][v], _mm256_madd_epi16(_mm256_maddubs_epi16(x, b), ones));
        } else {
          __m256i lo = _mm256_set1_epi32(word & 0x7f7f7f7f);
          __m256i hi = _mm256_set1_epi32(((uint32_t)word >> 7) & 0x01010101);
          acc[r][v] = _mm256_add_epi32(
              acc[r][v],
              _mm256_add_epi32(
                  _mm256_madd_epi16(_mm256_maddubs_epi16(lo, b), ones),
                  _mm256_slli_epi32(
                      _mm256_madd_epi16(_mm256_maddubs_epi16(hi, b), ones),
                      7)));
        }
      }
    }
  for (int r = 0; r < 3; ++r)
    for (int v = 0; v < 4; ++v)
      _mm256_storeu_si256((__m256i *)&out[p0 + r][v * 8], acc[r][v]);
}

__attribute__((noinline)) void widened(int p0, int c0) {
  __m256i acc[6][2];
  for (int r = 0; r < 6; ++r)
    acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  for (int g = 0; g < K / 4; ++g) {
    const int8_t *w = &w8[g][c0][0];
    __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)w));
    __m256i b1 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + 16)));
    for (int r = 0; r < 6; ++r) {
      __m256i x = _mm256_set1_epi64x(load64(&wide[p0 + r][g * 4]));
      acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(x, b0));
      acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(x, b1));
    }
  }
  for (int r = 0; r < 6; ++r)
    _mm256_storeu_si256(
        (__m256i *)&out[p0 + r][c0],
        _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[r][0], acc[r][1]),
                                 0xD8));
}

static int check(int rows, int p0, int c0, int cols) {
  for (int r = 0; r < rows; ++r)
    for (int c = c0; c < c0 + cols; ++c) {
      int32_t sum = 0;
      for (int k = 0; k < K; ++k)
        sum += act[p0 + r][k] * w8[k / 4][c][k % 4];
      if (sum != out[p0 + r][c])
        return 0;
    }
  return 1;
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 200000;
  for (int i = 0; i < 64; ++i)
    for (int k = 0; k < K; ++k)
      wide[i][k] = act[i][k] = (uint8_t)(i * 7 + k * 13);
  for (int g = 0; g < K / 4; ++g)
    for (int c = 0; c < 32; ++c)
      for (int t = 0; t < 4; ++t)
        w8[g][c][t] = (int8_t)((g * 5 + c * 3 + t) % 127 - 63);
  void (*volatile run2)(int, int) = maddubs;
  void (*volatile runWide)(int, int) = widened;
  const char *names[] = {"maddubs", "split"};
  for (int exact = 0; exact < 2; ++exact) {
    double t0 = now();
    for (int i = 0; i < reps; ++i)
      run2((i & 15) * 3, exact);
    double t = now() - t0;
    printf("%-8s 3 x 32: %6.1f GMAC/s %s\n", names[exact],
           reps * 3.0 * 32 * K / t / 1e9, check(3, 45, 0, 32) ? "ok" : "WRONG");
  }
  double t0 = now();
  for (int i = 0; i < reps; ++i)
    runWide((i & 7) * 6, (i & 3) * 8);
  double t = now() - t0;
  printf("%-8s 6 x 8:  %6.1f GMAC/s %s\n", "widened",
         reps * 6.0 * 8 * K / t / 1e9, check(6, 42, 24, 8) ? "ok" : "WRONG");
  return 0;
}
