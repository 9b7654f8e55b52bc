/* Measures the host's fp32 FMA peak: independent vector FMA chains (enough
 * to cover the FMA latency on every x86 core seen so far), the widest
 * vectors the CPU has (AVX-512, else AVX2), on 1..N OpenMP threads. Prints
 * `fma peak: T threads: X GFLOP/s` per thread count. Built by
 * bench/gemm.py with clang -O2 -march=native -fopenmp. */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#define CHAINS 16

static double run(long iterations) {
  double flops = 0;
#pragma omp parallel reduction(+ : flops)
  {
#if defined(__AVX512F__)
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
    flops = 2.0 * 16 * CHAINS * iterations + (sink == 12345.0f);
#else
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
    flops = 2.0 * 8 * CHAINS * iterations + (sink == 12345.0f);
#endif
  }
  return flops;
}

int main(int argc, char **argv) {
  int maxThreads = argc > 1 ? atoi(argv[1]) : omp_get_num_procs();
  for (int threads = 1; threads <= maxThreads; ++threads) {
    omp_set_num_threads(threads);
    double best = 0;
    for (int rep = 0; rep < 5; ++rep) {
      double start = omp_get_wtime();
      double flops = run(20000000);
      double rate = flops / (omp_get_wtime() - start) / 1e9;
      if (rate > best)
        best = rate;
    }
    printf("fma peak: %d thread%s: %.1f GFLOP/s\n", threads,
           threads == 1 ? "" : "s", best);
  }
  return 0;
}
