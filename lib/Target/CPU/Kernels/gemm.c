/*===- gemm.c - fp32 GEMM and convolution kernels for the CPU target -------===*
 *
 * Part of Fulcrum. Compiled to LLVM bitcode at build time, once per ISA
 * (FULCRUM_KERNEL_ISA = 512 for AVX-512, 256 for AVX2+FMA, 0 for portable
 * C), and linked into every model that calls it (see Kernels.h). Nothing
 * here may call the C library: the kernels run inside compiled models.
 *
 *   C[M,N] (+)= A[M,K] * B[K,N]
 *
 * B is read in panels of NR columns: panel p starts at B + p*panelStride and
 * its row k at + k*ldb. A weight packed at compile time into zero-padded
 * [N/NR][K][NR] panels has ldb = NR, panelStride = K*NR; a plain row-major
 * B has ldb = N, panelStride = NR (its last panel is then read with a mask).
 * A is read in place (row stride lda), C written in place (row stride ldc).
 *
 * The register tile is MR x NR (AVX-512: 8 x 32, 16 accumulators; AVX2:
 * 6 x 16, 12 accumulators) with k innermost and the C tile in registers
 * for a whole K block; leftover rows use the same code with fewer rows,
 * leftover columns masked loads and stores, so no case falls back to
 * scalar loops.
 *
 * Convolutions (NCHW input, FCHW weights, zero padding applied by the
 * kernel) run as one GEMM per image: Y[f, p] = W[f, (c,kh,kw)] *
 * X'[(c,kh,kw), p], where X' (im2col) is written straight into packed
 * panels in a workspace.
 *
 * Every kernel ends in the same epilogue, applied while the last K block
 * is stored: + a bias per column, + a bias per row, + a residual with C's
 * strides, then a clamp to [lo, hi]; each part optional.
 *
 *===----------------------------------------------------------------------===*/

#include <stdint.h>

#include "tasks.h"
#include "window.h"

/* The OpenMP runtime's (omp.h is not available freestanding). */
int omp_get_thread_num(void);
int omp_get_max_threads(void);
int omp_get_num_threads(void);

#if FULCRUM_KERNEL_ISA == 512
#include <immintrin.h>
#define NAME(x) x##_avx512
#define NR 32
#define MR 8
#elif FULCRUM_KERNEL_ISA == 256
#include <immintrin.h>
#define NAME(x) x##_avx2
#define NR 16
#define MR 6
#else
#define NAME(x) x##_generic
#define NR 8
#define MR 4
#endif

/* Flags (Kernels.h): accumulate into C instead of overwriting it; add a
 * bias per column (GEMM kernel); clamp the result to [lo, hi]. */
#define FULCRUM_GEMM_ACCUMULATE 1
#define FULCRUM_GEMM_BIAS 2
#define FULCRUM_GEMM_CLAMP 8

/* What happens to a tile of C as it is stored for the last time. The
 * pointers are those of the tile's first row and column (null: absent);
 * the residual has row stride ldr. */
typedef struct {
  const float *colBias, *rowBias, *residual;
  int64_t ldr;
  float lo, hi;
  int clamp;
} Epilogue;

/* The epilogue of the tile at row i, column j of `e` (which describes C's
 * origin), or null. */
static inline Epilogue offsetEpilogue(const Epilogue *e, int64_t i, int64_t j) {
  Epilogue r = *e;
  if (r.colBias)
    r.colBias += j;
  if (r.rowBias)
    r.rowBias += i;
  if (r.residual)
    r.residual += i * r.ldr + j;
  return r;
}

/* Reads a float passed as the low 32 bits of an i64 argument. */
static inline float floatBits(int64_t bits) {
  union {
    uint32_t u;
    float f;
  } v;
  v.u = (uint32_t)bits;
  return v.f;
}

/* K is processed in blocks so that a B micro-panel (KC x NR) stays in the
 * first-level cache while the M loop runs over it. */
#define KC 384

/* Where A's and B's columns lie. A plain A has column k at A + k (size 0)
 * and B row k at B + k*ldb. The implicit im2col matrix of a convolution is
 * read from the (padded) image itself: its K columns, from column `first`
 * on, are runs of `size` consecutive floats (a window row, or the part of
 * one inside the image), run s starting at A + s*stride; B's rows for run s
 * start bPitch rows after those of run s - 1 (bPitch = size when the runs
 * are whole window rows, more when a run skips columns in the padding). B
 * points at the row of column `first`. */
typedef struct {
  int64_t first, size, stride, bPitch;
} Pieces;

static const Pieces plainA = {0, 0, 0, 0};

/* Runs BODY for k in [0, kc) with Ak pointing at A's column k (of row 0)
 * and Bk at B's row k, run by run of `pieces`. */
#define FOR_PIECES(pieces, kc, A, B, ldb, ...)                                 \
  for (int64_t k = 0; k < (kc);) {                                             \
    const float *Ak = (A) + k;                                                 \
    const float *Bk = (B) + k * (ldb);                                         \
    int64_t run = (kc)-k;                                                      \
    if ((pieces).size) {                                                       \
      int64_t column = (pieces).first + k;                                     \
      int64_t within = column % (pieces).size;                                 \
      Ak = (A) + column / (pieces).size * (pieces).stride + within;            \
      if (skipB)                                                               \
        Bk += (column / (pieces).size - (pieces).first / (pieces).size) *      \
              ((pieces).bPitch - (pieces).size) * (ldb);                       \
      if ((pieces).size - within < run)                                        \
        run = (pieces).size - within;                                          \
    }                                                                          \
    for (int64_t step = 0; step < run; ++step, ++Ak, Bk += (ldb))              \
      __VA_ARGS__                                                              \
    k += run;                                                                  \
  }

#if FULCRUM_KERNEL_ISA == 512

typedef __m512 vec;
#define VW 16
static inline __mmask16 maskFor(int64_t n) {
  if (n <= 0)
    return 0;
  return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u);
}

/* One MR' x NR tile (MR' = rows <= MR, a compile-time constant after
 * inlining), columns [0, cols) valid. */
static inline __attribute__((always_inline)) void
tile(int rows, int64_t kc, const float *A, int64_t lda, const float *B,
     int64_t ldb, float *C, int64_t ldc, int64_t cols, int load, int maskedB,
     const Epilogue *e, Pieces pieces, int half, int skipB) {
  __m512 acc[MR][2];
  __mmask16 m0 = maskFor(cols), m1 = maskFor(cols - 16);
  /* The residual's rows (often in the last-level cache or memory) arrive
   * while the tile multiplies: loaded only at the end, they stalled the
   * epilogue (3-5 % of a residual convolution of ResNet-18). */
  if (e && e->residual)
    for (int r = 0; r < rows; ++r) {
      __builtin_prefetch(e->residual + r * e->ldr, 0, 3);
      if (!half)
        __builtin_prefetch(e->residual + r * e->ldr + 16, 0, 3);
    }
  for (int r = 0; r < rows; ++r) {
    if (load) {
      acc[r][0] = _mm512_maskz_loadu_ps(m0, C + r * ldc);
      acc[r][1] = half ? _mm512_setzero_ps()
                       : _mm512_maskz_loadu_ps(m1, C + r * ldc + 16);
    } else {
      acc[r][0] = _mm512_setzero_ps();
      acc[r][1] = _mm512_setzero_ps();
    }
  }
  FOR_PIECES(pieces, kc, A, B, ldb, {
    __m512 b0, b1;
    if (maskedB) {
      b0 = _mm512_maskz_loadu_ps(m0, Bk);
      b1 = half ? b0 : _mm512_maskz_loadu_ps(m1, Bk + 16);
    } else {
      b0 = _mm512_loadu_ps(Bk);
      b1 = half ? b0 : _mm512_loadu_ps(Bk + 16);
    }
    for (int r = 0; r < rows; ++r) {
      __m512 a = _mm512_set1_ps(Ak[r * lda]);
      acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
      if (!half)
        acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
    }
  })
  if (e) {
    __m512 bias0 = _mm512_setzero_ps(), bias1 = _mm512_setzero_ps();
    if (e->colBias) {
      bias0 = _mm512_maskz_loadu_ps(m0, e->colBias);
      bias1 = _mm512_maskz_loadu_ps(m1, e->colBias + 16);
    }
    __m512 lo = _mm512_set1_ps(e->lo), hi = _mm512_set1_ps(e->hi);
    for (int r = 0; r < rows; ++r) {
      __m512 c0 = _mm512_add_ps(acc[r][0], bias0);
      __m512 c1 = _mm512_add_ps(acc[r][1], bias1);
      if (e->rowBias) {
        __m512 rb = _mm512_set1_ps(e->rowBias[r]);
        c0 = _mm512_add_ps(c0, rb);
        c1 = _mm512_add_ps(c1, rb);
      }
      if (e->residual) {
        const float *res = e->residual + r * e->ldr;
        c0 = _mm512_add_ps(c0, _mm512_maskz_loadu_ps(m0, res));
        c1 = _mm512_add_ps(c1, _mm512_maskz_loadu_ps(m1, res + 16));
      }
      if (e->clamp) {
        c0 = _mm512_min_ps(_mm512_max_ps(c0, lo), hi);
        c1 = _mm512_min_ps(_mm512_max_ps(c1, lo), hi);
      }
      acc[r][0] = c0;
      acc[r][1] = c1;
    }
  }
  for (int r = 0; r < rows; ++r) {
    _mm512_mask_storeu_ps(C + r * ldc, m0, acc[r][0]);
    if (!half)
      _mm512_mask_storeu_ps(C + r * ldc + 16, m1, acc[r][1]);
  }
}

#elif FULCRUM_KERNEL_ISA == 256

static inline __m256i maskFor(int64_t n) {
  const int32_t lanes[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  __m256i index = _mm256_loadu_si256((const __m256i *)lanes);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int32_t)(n < 0   ? 0
                                                        : n > 8 ? 8
                                                                : n)),
                            index);
}

static inline __attribute__((always_inline)) void
tile(int rows, int64_t kc, const float *A, int64_t lda, const float *B,
     int64_t ldb, float *C, int64_t ldc, int64_t cols, int load, int maskedB,
     const Epilogue *e, Pieces pieces, int half, int skipB) {
  __m256 acc[MR][2];
  __m256i m0 = maskFor(cols), m1 = maskFor(cols - 8);
  /* As in the AVX-512 tile: the residual arrives while the tile runs. */
  if (e && e->residual)
    for (int r = 0; r < rows; ++r) {
      __builtin_prefetch(e->residual + r * e->ldr, 0, 3);
      if (!half)
        __builtin_prefetch(e->residual + r * e->ldr + 8, 0, 3);
    }
  for (int r = 0; r < rows; ++r) {
    if (load) {
      acc[r][0] = _mm256_maskload_ps(C + r * ldc, m0);
      acc[r][1] =
          half ? _mm256_setzero_ps() : _mm256_maskload_ps(C + r * ldc + 8, m1);
    } else {
      acc[r][0] = _mm256_setzero_ps();
      acc[r][1] = _mm256_setzero_ps();
    }
  }
  FOR_PIECES(pieces, kc, A, B, ldb, {
    __m256 b0, b1;
    if (maskedB) {
      b0 = _mm256_maskload_ps(Bk, m0);
      b1 = half ? b0 : _mm256_maskload_ps(Bk + 8, m1);
    } else {
      b0 = _mm256_loadu_ps(Bk);
      b1 = half ? b0 : _mm256_loadu_ps(Bk + 8);
    }
    for (int r = 0; r < rows; ++r) {
      __m256 a = _mm256_broadcast_ss(Ak + r * lda);
      acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
      if (!half)
        acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
    }
  })
  if (e) {
    __m256 bias0 = _mm256_setzero_ps(), bias1 = _mm256_setzero_ps();
    if (e->colBias) {
      bias0 = _mm256_maskload_ps(e->colBias, m0);
      bias1 = _mm256_maskload_ps(e->colBias + 8, m1);
    }
    __m256 lo = _mm256_set1_ps(e->lo), hi = _mm256_set1_ps(e->hi);
    for (int r = 0; r < rows; ++r) {
      __m256 c0 = _mm256_add_ps(acc[r][0], bias0);
      __m256 c1 = _mm256_add_ps(acc[r][1], bias1);
      if (e->rowBias) {
        __m256 rb = _mm256_set1_ps(e->rowBias[r]);
        c0 = _mm256_add_ps(c0, rb);
        c1 = _mm256_add_ps(c1, rb);
      }
      if (e->residual) {
        const float *res = e->residual + r * e->ldr;
        c0 = _mm256_add_ps(c0, _mm256_maskload_ps(res, m0));
        c1 = _mm256_add_ps(c1, _mm256_maskload_ps(res + 8, m1));
      }
      if (e->clamp) {
        c0 = _mm256_min_ps(_mm256_max_ps(c0, lo), hi);
        c1 = _mm256_min_ps(_mm256_max_ps(c1, lo), hi);
      }
      acc[r][0] = c0;
      acc[r][1] = c1;
    }
  }
  for (int r = 0; r < rows; ++r) {
    _mm256_maskstore_ps(C + r * ldc, m0, acc[r][0]);
    if (!half)
      _mm256_maskstore_ps(C + r * ldc + 8, m1, acc[r][1]);
  }
}

#else

static inline __attribute__((always_inline)) void
tile(int rows, int64_t kc, const float *A, int64_t lda, const float *B,
     int64_t ldb, float *C, int64_t ldc, int64_t cols, int load, int maskedB,
     const Epilogue *e, Pieces pieces, int half, int skipB) {
  (void)maskedB;
  (void)half;
  for (int r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) {
      float sum = load ? C[r * ldc + j] : 0.0f;
      FOR_PIECES(pieces, kc, A, B, ldb, { sum += Ak[r * lda] * Bk[j]; })
      if (e) {
        if (e->colBias)
          sum += e->colBias[j];
        if (e->rowBias)
          sum += e->rowBias[r];
        if (e->residual)
          sum += e->residual[r * e->ldr + j];
        if (e->clamp) {
          sum = sum < e->lo ? e->lo : sum;
          sum = sum > e->hi ? e->hi : sum;
        }
      }
      C[r * ldc + j] = sum;
    }
}

#endif

/* Dispatches a tile with a run-time row count to code specialized for it
 * (A's columns as `pieces` describe them, and `half`: at most NR / 2 valid
 * columns, the tile's second vector skipped). */
#define DISPATCH_ROWS(pieces)                                                  \
  switch (rows) {                                                              \
  case 1:                                                                      \
    tile(1, kc, A, lda, B, ldb, C, ldc, cols, load, maskedB, e, pieces, half,  \
         skipB);                                                               \
    return;                                                                    \
  case 2:                                                                      \
    tile(2, kc, A, lda, B, ldb, C, ldc, cols, load, maskedB, e, pieces, half,  \
         skipB);                                                               \
    return;                                                                    \
  case 3:                                                                      \
    tile(3, kc, A, lda, B, ldb, C, ldc, cols, load, maskedB, e, pieces, half,  \
         skipB);                                                               \
    return;                                                                    \
  case 4:                                                                      \
    tile(4, kc, A, lda, B, ldb, C, ldc, cols, load, maskedB, e, pieces, half,  \
         skipB);                                                               \
    return;                                                                    \
    DISPATCH_ROWS_WIDE(pieces)                                                 \
  default:                                                                     \
    return;                                                                    \
  }
#if MR > 6
#define DISPATCH_ROWS_WIDE(pieces)                                             \
  DISPATCH_ROW(5, pieces)                                                      \
  DISPATCH_ROW(6, pieces) DISPATCH_ROW(7, pieces) DISPATCH_ROW(8, pieces)
#elif MR > 4
#define DISPATCH_ROWS_WIDE(pieces)                                             \
  DISPATCH_ROW(5, pieces) DISPATCH_ROW(6, pieces)
#else
#define DISPATCH_ROWS_WIDE(pieces)
#endif
#define DISPATCH_ROW(R, pieces)                                                \
  case R:                                                                      \
    tile(R, kc, A, lda, B, ldb, C, ldc, cols, load, maskedB, e, pieces, half,  \
         skipB);                                                               \
    return;

static void tileRows(int rows, int64_t kc, const float *A, int64_t lda,
                     const float *B, int64_t ldb, float *C, int64_t ldc,
                     int64_t cols, int load, int maskedB, const Epilogue *e) {
  const int skipB = 0;
  if (cols <= NR / 2) {
    const int half = 1;
    DISPATCH_ROWS(plainA)
  } else {
    const int half = 0;
    DISPATCH_ROWS(plainA)
  }
}

/* The same for an A whose columns lie in runs (an implicit im2col). */
static void tileRowsInRuns(int rows, int64_t kc, const float *A, int64_t lda,
                           const float *B, int64_t ldb, float *C, int64_t ldc,
                           int64_t cols, int load, const Epilogue *e,
                           Pieces pieces) {
  const int maskedB = 0;
#define DISPATCH_HALF                                                          \
  if (cols <= NR / 2) {                                                        \
    const int half = 1;                                                        \
    DISPATCH_ROWS(pieces)                                                      \
  } else {                                                                     \
    const int half = 0;                                                        \
    DISPATCH_ROWS(pieces)                                                      \
  }
  if (pieces.bPitch != pieces.size) {
    const int skipB = 1;
    DISPATCH_HALF
  } else {
    const int skipB = 0;
    DISPATCH_HALF
  }
#undef DISPATCH_HALF
}

/* Copies rows [0, kc) of columns [j, j + cols) of a plain B (row stride
 * ldb) into a [kc][NR] panel, zero past `cols`. */
static void packPanel(const float *B, int64_t ldb, int64_t kc, int64_t cols,
                      float *panel) {
  for (int64_t k = 0; k < kc; ++k) {
    const float *row = B + k * ldb;
    float *dst = panel + k * NR;
    int64_t j = 0;
    for (; j < cols; ++j)
      dst[j] = row[j];
    for (; j < NR; ++j)
      dst[j] = 0.0f;
  }
}

/* Rows [m0, m1) and panels [p0, p1) of C; `e` (null: none) describes the
 * epilogue at C's origin. */
static void gemmBlock(int64_t m0, int64_t m1, int64_t p0, int64_t p1, int64_t N,
                      int64_t K, const float *A, int64_t lda, const float *B,
                      int64_t ldb, int64_t panelStride, float *C, int64_t ldc,
                      const Epilogue *e, int accumulate) {
  /* A plain B (panels NR columns apart) is copied block by block into a
   * contiguous panel when more than one row tile reuses it: rows of a wide
   * B are far apart (often a power of two), which costs cache sets and TLB
   * entries on every k step. */
  int plain = panelStride == NR;
  int pack = plain && m1 - m0 > MR;
  float local[KC * NR] __attribute__((aligned(64)));
  /* Equal blocks of at most KC: no short last block that reloads C for a
   * few steps of k. */
  int64_t blocksK = (K + KC - 1) / KC;
  int64_t step = blocksK > 1 ? (K + blocksK - 1) / blocksK : KC;
  for (int64_t p = p0; p < p1; ++p) {
    int64_t j = p * NR;
    const float *panel = B + p * panelStride;
    int64_t cols = N - j < NR ? N - j : NR;
    /* A plain B's last panel ends before NR columns. */
    int maskedB = plain && !pack && cols < NR;
    /* K = 0 still stores the epilogue of an empty sum. */
    for (int64_t k = 0; k < K || k == 0; k += step) {
      int64_t kc = K - k < step ? K - k : step;
      int first = k == 0, last = k + kc >= K;
      int load = !first || accumulate;
      const float *bk = panel + k * ldb;
      int64_t bStride = ldb;
      if (pack) {
        packPanel(bk, ldb, kc, cols, local);
        bk = local;
        bStride = NR;
      }
      for (int64_t i = m0; i < m1; i += MR) {
        int rows = m1 - i < MR ? (int)(m1 - i) : MR;
        Epilogue tileEpilogue;
        if (e && last)
          tileEpilogue = offsetEpilogue(e, i, j);
        tileRows(rows, kc, A + i * lda + k, lda, bk, bStride, C + i * ldc + j,
                 ldc, cols, load, maskedB, e && last ? &tileEpilogue : 0);
      }
      if (K == 0)
        break;
    }
  }
}

/* Below this many multiply-adds (about 2 microseconds on one core) a
 * product runs on the calling thread: waking the team costs about a
 * microsecond while its threads still spin from the last region. Measured
 * on the CNN, MobileNetV2 and the ViT at 2 threads: 2^22 left their
 * mid-size layers on one thread. */
#define PARALLEL_WORK (1 << 18)

/* The same for depthwise convolutions, which do a multiply-add per load
 * (about 10x fewer per second than a GEMM): from about 5 microseconds. */
#define DEPTHWISE_PARALLEL_WORK (1 << 16)

/* The part of C (M x N) that thread t of a team of T computes: rows
 * [*m0, *m1) and column panels [*p0, *p1), one contiguous range per
 * thread. Rows go in whole tiles (multiples of MR), each thread taking an
 * equal number of tiles; panels the same way. Rows are split unless
 * splitting panels keeps the busiest thread at least 10% less busy:
 * neighbouring layers split their pixels the same way, so a thread mostly
 * reads what it wrote. (Fixed blocks handed out in turn left the team
 * unbalanced: 196 pixels in blocks of 64 gave one thread 128 rows and the
 * other 68.) */
static void teamShare(int64_t M, int64_t N, int64_t t, int64_t T, int64_t *m0,
                      int64_t *m1, int64_t *p0, int64_t *p1) {
  int64_t panels = (N + NR - 1) / NR, tiles = (M + MR - 1) / MR;
  int64_t rowCost = (tiles + T - 1) / T * panels;
  int64_t panelCost = (panels + T - 1) / T * tiles;
  *m0 = 0;
  *m1 = M;
  *p0 = 0;
  *p1 = panels;
  if (rowCost * 10 <= panelCost * 11) {
    *m0 = t * tiles / T * MR;
    *m1 = (t + 1) * tiles / T * MR;
    if (*m1 > M)
      *m1 = M;
  } else {
    *p0 = t * panels / T;
    *p1 = (t + 1) * panels / T;
  }
}

/* C = A * B (+ C) with the epilogue `e`, split across the OpenMP threads by
 * teamShare; each thread runs its rows in blocks of at most `rowBlock`
 * (0: all at once) over all its panels. Every element of C is computed by
 * one thread in the same order, so results do not depend on the thread
 * count or the blocks. */
static void gemmTeam(int64_t M, int64_t N, int64_t K, const float *A,
                     int64_t lda, const float *B, int64_t ldb,
                     int64_t panelStride, float *C, int64_t ldc,
                     const Epilogue *e, int accumulate, int64_t rowBlock) {
#pragma omp parallel if (M * N * K >= PARALLEL_WORK)
  {
    int64_t m0, m1, p0, p1;
    teamShare(M, N, omp_get_thread_num(), omp_get_num_threads(), &m0, &m1, &p0,
              &p1);
    int64_t block = rowBlock > 0 ? rowBlock : (m1 > m0 ? m1 - m0 : 1);
    for (int64_t i = m0; i < m1 && p0 < p1; i += block)
      gemmBlock(i, m1 - i < block ? m1 : i + block, p0, p1, N, K, A, lda, B,
                ldb, panelStride, C, ldc, e, accumulate);
  }
}

/* C = A * B (+ C) with the epilogue `e`, on the team (small products on
 * the calling thread). */
static void gemm(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda,
                 const float *B, int64_t ldb, int64_t panelStride, float *C,
                 int64_t ldc, const Epilogue *e, int accumulate) {
  gemmTeam(M, N, K, A, lda, B, ldb, panelStride, C, ldc, e, accumulate, 0);
}

/* The valid part [*t0, *t1) of a run of `length` input columns that starts
 * at column `iw` (possibly negative) and steps by `sw`, for a row of W. */
static inline void validRun(int64_t iw, int64_t sw, int64_t length, int64_t W,
                            int64_t *t0, int64_t *t1) {
  int64_t lo = iw >= 0 ? 0 : (-iw + sw - 1) / sw;
  int64_t hi = iw >= W ? 0 : (W - 1 - iw) / sw + 1;
  if (hi > length)
    hi = length;
  if (lo > hi)
    lo = hi;
  *t0 = lo;
  *t1 = hi;
}

/* Writes panel `p` of the im2col matrix of one image x[C][H][W] with zero
 * padding pt rows above and pl columns left: the C*KH*KW rows of NR pixels
 * [p*NR, p*NR + NR), zero past the last pixel, as [C*KH*KW][NR] at `out`. */
static void im2colPanel(const float *x, int64_t C, int64_t H, int64_t W,
                        int64_t KH, int64_t KW, int64_t OH, int64_t OW,
                        int64_t sh, int64_t sw, int64_t dh, int64_t dw,
                        int64_t pt, int64_t pl, int64_t p, float *out) {
  int64_t pixels = OH * OW, p0 = p * NR;
  int64_t count = pixels - p0 < NR ? pixels - p0 : NR;
  /* The panel's pixels as runs within one output row: a run reads inputs
   * sw apart (consecutive at stride 1), so it copies as a vector loop. */
  int64_t runStart[NR], runRow[NR], runColumn[NR], runLength[NR];
  int runs = 0;
  for (int64_t j = 0; j < count;) {
    int64_t q = p0 + j, oh = q / OW, ow = q % OW;
    int64_t length = OW - ow < count - j ? OW - ow : count - j;
    runStart[runs] = j;
    runRow[runs] = oh * sh - pt;
    runColumn[runs] = ow * sw - pl;
    runLength[runs] = length;
    ++runs;
    j += length;
  }
  /* Which part of each run lies inside the image depends on the kernel
   * position only, not on the channel: it is worked out once per position
   * and reused for all channels. */
  for (int64_t kh = 0; kh < KH; ++kh)
    for (int64_t kw = 0; kw < KW; ++kw) {
      int64_t offset[NR], t0[NR], t1[NR];
      for (int r = 0; r < runs; ++r) {
        int64_t ih = runRow[r] + kh * dh, iw = runColumn[r] + kw * dw;
        t0[r] = t1[r] = 0;
        if (ih >= 0 && ih < H)
          validRun(iw, sw, runLength[r], W, &t0[r], &t1[r]);
        offset[r] = ih * W + iw;
      }
      for (int64_t c = 0; c < C; ++c) {
        float *dst = out + ((c * KH + kh) * KW + kw) * NR;
        const float *image = x + c * H * W;
        for (int r = 0; r < runs; ++r) {
          float *to = dst + runStart[r];
          const float *from = image + offset[r];
          int64_t lo = t0[r], hi = t1[r], length = runLength[r];
          for (int64_t t = 0; t < lo; ++t)
            to[t] = 0.0f;
          if (sw == 1)
            for (int64_t t = lo; t < hi; ++t)
              to[t] = from[t];
          else
            for (int64_t t = lo; t < hi; ++t)
              to[t] = from[t * sw];
          for (int64_t t = hi; t < length; ++t)
            to[t] = 0.0f;
        }
        for (int64_t j = count; j < NR; ++j)
          dst[j] = 0.0f;
      }
    }
}

/* The epilogue of a kernel's arguments (null: none): the bias is per row
 * of the product (NCHW: output channels are rows) or per column (NHWC and
 * matrix products: they are columns). */
static const Epilogue *makeEpilogue(Epilogue *e, int64_t bias,
                                    int biasPerColumn, int64_t residual,
                                    int64_t ldr, int64_t lo, int64_t hi,
                                    int64_t flags) {
  e->colBias = biasPerColumn ? (const float *)bias : 0;
  e->rowBias = biasPerColumn ? 0 : (const float *)bias;
  e->residual = (const float *)residual;
  e->ldr = ldr;
  e->clamp = (flags & FULCRUM_GEMM_CLAMP) != 0;
  e->lo = floatBits(lo);
  e->hi = floatBits(hi);
  return e->colBias || e->rowBias || e->residual || e->clamp ? e : 0;
}

/* The entry point the compiler calls for matrix products; pointers arrive
 * as integers. C = A * B (+ C when flags has FULCRUM_GEMM_ACCUMULATE), then
 * + bias[N] (when flags has FULCRUM_GEMM_BIAS), + residual (row stride ldr,
 * when not 0), clamped to [lo, hi] (float bits, when flags has
 * FULCRUM_GEMM_CLAMP). */
void NAME(fulcrum_sgemm_f32)(int64_t M, int64_t N, int64_t K, int64_t a,
                             int64_t lda, int64_t b, int64_t ldb,
                             int64_t panelStride, int64_t c, int64_t ldc,
                             int64_t bias, int64_t residual, int64_t ldr,
                             int64_t lo, int64_t hi, int64_t flags) {
  Epilogue e;
  const Epilogue *ep = makeEpilogue(&e, flags & FULCRUM_GEMM_BIAS ? bias : 0, 1,
                                    residual, ldr, lo, hi, flags);
  gemm(M, N, K, (const float *)a, lda, (const float *)b, ldb, panelStride,
       (float *)c, ldc, ep, (flags & FULCRUM_GEMM_ACCUMULATE) != 0);
}

/* y[N][F][OH][OW] = conv(x[N][C][H][W], w[F][C][KH][KW]) with zero padding
 * pt above and pl left (the far sides follow from OH and OW), (+ y when
 * flags has FULCRUM_GEMM_ACCUMULATE), then the epilogue: + bias[F] (when
 * not 0), + residual[N][F][OH][OW] (when not 0), clamp to [lo, hi] (float
 * bits, when flags has FULCRUM_GEMM_CLAMP). `workspace` holds
 * ceil(OH*OW / NR) * C*KH*KW * NR floats. */
void NAME(fulcrum_conv2d_nchw_f32)(int64_t N, int64_t C, int64_t H, int64_t W,
                                   int64_t F, int64_t KH, int64_t KW,
                                   int64_t OH, int64_t OW, int64_t sh,
                                   int64_t sw, int64_t dh, int64_t dw,
                                   int64_t pt, int64_t pl, int64_t x, int64_t w,
                                   int64_t y, int64_t workspace, int64_t bias,
                                   int64_t residual, int64_t lo, int64_t hi,
                                   int64_t flags) {
  int64_t K = C * KH * KW, pixels = OH * OW;
  int64_t panels = (pixels + NR - 1) / NR;
  int accumulate = (flags & FULCRUM_GEMM_ACCUMULATE) != 0;
  float *packed = (float *)workspace;
  for (int64_t n = 0; n < N; ++n) {
    const float *image = (const float *)x + n * C * H * W;
    float *out = (float *)y + n * F * pixels;
    Epilogue storage;
    const Epilogue *e = makeEpilogue(
        &storage, bias, /*biasPerColumn=*/0,
        residual ? residual + n * F * pixels * 4 : 0, pixels, lo, hi, flags);
    /* A 1x1 convolution at stride 1 without padding is a product with the
     * image itself. */
    if (KH == 1 && KW == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 &&
        OH == H && OW == W) {
      gemm(F, pixels, C, (const float *)w, C, image, pixels, NR, out, pixels, e,
           accumulate);
      continue;
    }
    /* Each panel of pixels is packed and multiplied by the same thread
     * while it is in cache; panels are spread over the threads. */
#pragma omp parallel if (F * K * pixels >= PARALLEL_WORK)
    for (int64_t p = taskBegin(panels), pStop = taskEnd(panels); p < pStop;
         ++p) {
      float *panel = packed + p * K * NR;
      im2colPanel(image, C, H, W, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, p,
                  panel);
      gemmBlock(0, F, p, p + 1, pixels, K, (const float *)w, K, packed, NR,
                K * NR, out, pixels, e, accumulate);
    }
  }
}

/* What the depthwise kernels' flags and bounds ask for. */
typedef struct {
  int accumulate, clamp;
  float lo, hi;
} DepthwiseMode;

static inline DepthwiseMode depthwiseMode(int64_t flags, int64_t lo,
                                          int64_t hi) {
  DepthwiseMode mode = {(flags & FULCRUM_GEMM_ACCUMULATE) != 0,
                        (flags & FULCRUM_GEMM_CLAMP) != 0, floatBits(lo),
                        floatBits(hi)};
  return mode;
}

/* One output plane of a depthwise convolution with zero padding pt above
 * and pl left, the horizontal stride a compile-time constant after
 * inlining so the row loops vectorize. Each output row starts from
 * `init` (the bias), plus y when `accumulate`, and is clamped to
 * [lo, hi] when `clamp`. */
static inline __attribute__((always_inline)) void
depthwisePlane(const float *x, const float *w, float *y, int64_t H, int64_t W,
               int64_t KH, int64_t KW, int64_t OH, int64_t OW, int64_t sh,
               int64_t sw, int64_t dh, int64_t dw, int64_t pt, int64_t pl,
               float init, int accumulate, int clamp, float lo, float hi) {
  for (int64_t oh = 0; oh < OH; ++oh) {
    float *out = y + oh * OW;
    if (!accumulate)
      for (int64_t ow = 0; ow < OW; ++ow)
        out[ow] = init;
    else if (init != 0.0f)
      for (int64_t ow = 0; ow < OW; ++ow)
        out[ow] += init;
    for (int64_t kh = 0; kh < KH; ++kh) {
      int64_t ih = oh * sh + kh * dh - pt;
      if (ih < 0 || ih >= H)
        continue;
      const float *row = x + ih * W;
      for (int64_t kw = 0; kw < KW; ++kw) {
        float weight = w[kh * KW + kw];
        int64_t iw = kw * dw - pl, t0, t1;
        validRun(iw, sw, OW, W, &t0, &t1);
        const float *in = row + iw;
        for (int64_t ow = t0; ow < t1; ++ow)
          out[ow] += weight * in[ow * sw];
      }
    }
    if (clamp)
      for (int64_t ow = 0; ow < OW; ++ow) {
        float v = out[ow] < lo ? lo : out[ow];
        out[ow] = v > hi ? hi : v;
      }
  }
}

/* y[N][C][OH][OW] = depthwise conv(x[N][C][H][W], w[C][KH][KW]) (channel
 * multiplier 1) with zero padding pt above and pl left, + bias[C] (when not
 * 0), + y (flags has FULCRUM_GEMM_ACCUMULATE), clamped to [lo, hi] (float
 * bits) when flags has FULCRUM_GEMM_CLAMP; planes are spread over the
 * threads. */
void NAME(fulcrum_dwconv2d_nchw_f32)(int64_t N, int64_t C, int64_t H, int64_t W,
                                     int64_t KH, int64_t KW, int64_t OH,
                                     int64_t OW, int64_t sh, int64_t sw,
                                     int64_t dh, int64_t dw, int64_t pt,
                                     int64_t pl, int64_t x, int64_t w,
                                     int64_t y, int64_t bias, int64_t lo,
                                     int64_t hi, int64_t flags) {
  const float *X = (const float *)x, *Wt = (const float *)w;
  const float *Bias = (const float *)bias;
  float *Y = (float *)y;
  DepthwiseMode mode = depthwiseMode(flags, lo, hi);
  int accumulate = mode.accumulate, clamp = mode.clamp;
  float low = mode.lo, high = mode.hi;
#pragma omp parallel if (N * C * OH * OW * KH * KW >= DEPTHWISE_PARALLEL_WORK)
  for (int64_t plane = taskBegin(N * C), planeStop = taskEnd(N * C);
       plane < planeStop; ++plane) {
    int64_t c = plane % C;
    const float *xp = X + plane * H * W, *wp = Wt + c * KH * KW;
    float *yp = Y + plane * OH * OW;
    float init = Bias ? Bias[c] : 0.0f;
    if (sw == 1)
      depthwisePlane(xp, wp, yp, H, W, KH, KW, OH, OW, sh, 1, dh, dw, pt, pl,
                     init, accumulate, clamp, low, high);
    else if (sw == 2)
      depthwisePlane(xp, wp, yp, H, W, KH, KW, OH, OW, sh, 2, dh, dw, pt, pl,
                     init, accumulate, clamp, low, high);
    else
      depthwisePlane(xp, wp, yp, H, W, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl,
                     init, accumulate, clamp, low, high);
  }
}

/*===- Channels-last (NHWC) convolutions ----------------------------------===*
 *
 * Y[pixel, f] = X'[pixel, (kh, kw, c)] * W[(kh, kw, c), f], the filter
 * packed at compile time into the GEMM's B panels (FHWC order along K). A
 * 1x1 convolution at stride 1 multiplies the image in place. Others read
 * X' in place too (an implicit im2col): a band of output rows copies the
 * input rows it needs, zero-padded, into a workspace slot, where the X'
 * row of a pixel is KH runs of KW*C floats and the next pixel's starts
 * sw*C floats further, which the register tile reads directly. Only a
 * dilated window row (or a band too wide for a slot) falls back to copying
 * X' rows (blocks of NHWC_ROWS pixels; threads take (block, panel range)
 * pairs). Both forms sum in the same order, bit for bit.
 *
 *===----------------------------------------------------------------------===*/

#define NHWC_ROWS 64

/* Workspace slots of NHWC_ROWS im2col rows at least (Kernels.h sizes the
 * workspace the same way): one per thread when tasks are split by block. */
#define NHWC_SLOTS 8

/* Writes the im2col rows of pixels [p0, p0 + rows) of one NHWC image with
 * zero padding (pt above, pl left) as [rows][KH*KW*C] at `out`. */
static void im2colRowsNHWC(const float *x, int64_t H, int64_t W, int64_t C,
                           int64_t KH, int64_t KW, int64_t OW, int64_t sh,
                           int64_t sw, int64_t dh, int64_t dw, int64_t pt,
                           int64_t pl, int64_t p0, int64_t rows, float *out) {
  for (int64_t r = 0; r < rows; ++r) {
    int64_t q = p0 + r, oh = q / OW, ow = q % OW;
    float *dst = out + r * KH * KW * C;
    for (int64_t kh = 0; kh < KH; ++kh) {
      int64_t ih = oh * sh + kh * dh - pt, iw0 = ow * sw - pl;
      /* A window row inside the image is one run of KW*C floats. */
      if (dw == 1 && ih >= 0 && ih < H && iw0 >= 0 && iw0 + KW <= W) {
        const float *src = x + (ih * W + iw0) * C;
        for (int64_t i = 0; i < KW * C; ++i)
          dst[i] = src[i];
        dst += KW * C;
        continue;
      }
      for (int64_t kw = 0; kw < KW; ++kw, dst += C) {
        int64_t iw = ow * sw + kw * dw - pl;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
          for (int64_t c = 0; c < C; ++c)
            dst[c] = 0.0f;
          continue;
        }
        const float *src = x + (ih * W + iw) * C;
        for (int64_t c = 0; c < C; ++c)
          dst[c] = src[c];
      }
    }
  }
}

/* Copies rows [ih0, ih0 + rows) and columns [iw0, iw0 + width) of one NHWC
 * image as [rows][width][C] at `out`, zero outside the image. */
static void copyPaddedNHWC(const float *image, int64_t H, int64_t W, int64_t C,
                           int64_t ih0, int64_t rows, int64_t iw0,
                           int64_t width, float *out) {
  for (int64_t r = 0; r < rows; ++r) {
    float *dst = out + r * width * C;
    int64_t ih = ih0 + r, lo = 0, hi = 0;
    if (ih >= 0 && ih < H) {
      lo = iw0 < 0 ? (-iw0 < width ? -iw0 : width) : 0;
      hi = W - iw0 < width ? W - iw0 : width;
      if (hi < lo)
        hi = lo;
    }
    for (int64_t i = 0; i < lo * C; ++i)
      dst[i] = 0.0f;
    if (hi > lo) {
      const float *src = image + (ih * W + iw0) * C;
      for (int64_t i = lo * C; i < hi * C; ++i)
        dst[i] = src[i];
    }
    for (int64_t i = hi * C; i < width * C; ++i)
      dst[i] = 0.0f;
  }
}

/* The outputs [*ow0, *ow1) of a row whose windows (KW columns, undilated)
 * lie inside the image's columns (the others read padding). */
static inline void innerColumns(int64_t W, int64_t KW, int64_t OW, int64_t sw,
                                int64_t pl, int64_t *ow0, int64_t *ow1) {
  int64_t lo = (pl + sw - 1) / sw, span = W - 1 + pl - (KW - 1);
  int64_t hi = span < 0 ? 0 : span / sw + 1;
  if (lo > OW)
    lo = OW;
  if (hi > OW)
    hi = OW;
  if (hi < lo)
    hi = lo;
  *ow0 = lo;
  *ow1 = hi;
}

/* The first output column at or after `ow` outside [ow0, ow1) (an edge
 * column, whose windows reach into the padding). */
static inline int64_t edgeFrom(int64_t ow, int64_t ow0, int64_t ow1) {
  return ow >= ow0 && ow < ow1 ? ow1 : ow;
}

/* The output columns [*ow0, *ow1) whose register tiles run along rows: those
 * with windows inside the image's columns, or all when the windows are read
 * from a zero-padded copy and skipping the padding of the others saves less
 * than 2 % of the work. Column tiles are slower than row tiles: from a
 * 56-wide map of ResNet-18 on, they cost more than the 1.2 % they saved. */
static void rowTileColumns(int64_t W, int64_t KW, int64_t OW, int64_t sw,
                           int64_t pl, int copy, int64_t *ow0, int64_t *ow1) {
  innerColumns(W, KW, OW, sw, pl, ow0, ow1);
  if (!copy)
    return;
  int64_t skipped = 0;
  for (int64_t ow = edgeFrom(0, *ow0, *ow1); ow < OW;
       ow = edgeFrom(ow + 1, *ow0, *ow1)) {
    int64_t kw0, kw1;
    insideWindow(ow * sw - pl, W, KW, 1, &kw0, &kw1);
    skipped += KW - (kw1 - kw0);
  }
  if (skipped * 50 < KW * OW) {
    *ow0 = 0;
    *ow1 = OW;
  }
}

/* The window rows [*kh0, *kh1) of output row oh inside the image (empty
 * when none is). */
static inline void insideRows(int64_t oh, int64_t H, int64_t KH, int64_t sh,
                              int64_t dh, int64_t pt, int64_t *kh0,
                              int64_t *kh1) {
  insideWindow(oh * sh - pt, H, KH, dh, kh0, kh1);
}

/* What the tiles of a convolution band whose windows have rows [kh0, kh1)
 * and columns [kw0, kw1) inside the image multiply in K block [k, k + kc)
 * of the full K = KH*KW*C: only the columns inside (the others would add
 * zeros, so the sums are those of the whole window, bit for bit), as
 * `pieces` over A from `offset` floats after a window's origin and B from
 * row `row`. `skip`: nothing to do; `load`: C holds a partial sum. */
typedef struct {
  Pieces pieces;
  int64_t kc, offset, row;
  int skip, load;
} Inside;

static Inside insideBlock(int64_t pitch, int64_t KW, int64_t C, int64_t dh,
                          int64_t kh0, int64_t kh1, int64_t kw0, int64_t kw1,
                          int64_t k, int64_t kc, int last, int accumulate) {
  int64_t row = KW * C, size = (kw1 - kw0) * C;
  int64_t bounds[2] = {k, k + kc}, inside[2] = {0, 0};
  for (int i = 0; i < 2 && size; ++i) {
    int64_t r = bounds[i] / row, c = bounds[i] % row - kw0 * C;
    inside[i] = r < kh0    ? 0
                : r >= kh1 ? (kh1 - kh0) * size
                           : (r - kh0) * size + (c < 0      ? 0
                                                 : c > size ? size
                                                            : c);
  }
  Inside in;
  int64_t from = inside[0];
  in.kc = inside[1] - from;
  /* A block with nothing inside still stores the epilogue when it is the
   * last; C holds a partial sum when an earlier block had columns inside. */
  in.skip = in.kc == 0 && !last;
  in.load = accumulate || from > 0;
  in.pieces = (Pieces){from, size ? size : 1, dh * pitch, row};
  in.offset = kh0 * dh * pitch + kw0 * C;
  in.row = size ? (kh0 + from / size) * row + kw0 * C + from % size : 0;
  return in;
}

/* Output rows [oh0, oh0 + rows) of one image and column panels [p0, p1) of
 * a channels-last convolution without an im2col copy. Each register tile
 * reads its im2col rows in place: the pixels of one output row are sw*C
 * floats apart, and a window row is one run of KW*C floats, the next one
 * dh rows further. The parts of windows in the padding are skipped: rows
 * above or below the image (a third of the first and last rows' work in a
 * 3x3 convolution), and the columns left or right of it (a third of the
 * first and last columns'), which run as tiles down a column of outputs:
 * those outside [ow0, ow1) (rowTileColumns). The input is read from a
 * zero-padded copy of the band's input rows in `band` ([rowsIn][width][C]) when
 * `copy` is set, else from the image. K is blocked as in gemmBlock, so the sums
 * are those of the im2col path, bit for bit. `e` (null: none) is the epilogue
 * at the image's origin. */
static void convBandNHWC(const float *image, int64_t H, int64_t W, int64_t C,
                         int64_t F, int64_t KH, int64_t KW, int64_t OW,
                         int64_t sh, int64_t sw, int64_t dh, int64_t pt,
                         int64_t pl, int64_t oh0, int64_t rows, int64_t p0,
                         int64_t p1, const float *B, float *out,
                         const Epilogue *e, int accumulate, int copy,
                         int64_t ow0, int64_t ow1, float *band) {
  int64_t K = KH * KW * C;
  /* Where window row 0, column 0 of output (oh0, 0) lies; row pitch. */
  const float *origin;
  int64_t pitch;
  if (copy) {
    int64_t width = (OW - 1) * sw + KW;
    copyPaddedNHWC(image, H, W, C, oh0 * sh - pt,
                   (rows - 1) * sh + (KH - 1) * dh + 1, -pl, width, band);
    pitch = width * C;
    origin = band;
  } else {
    pitch = W * C;
    origin = image + ((oh0 * sh - pt) * W - pl) * C;
  }
  int64_t innerTiles = (ow1 - ow0 + MR - 1) / MR;
  int64_t blocksK = (K + KC - 1) / KC;
  int64_t step = blocksK > 1 ? (K + blocksK - 1) / blocksK : KC;
  for (int64_t p = p0; p < p1; ++p) {
    int64_t j = p * NR, cols = F - j < NR ? F - j : NR;
    const float *panel = B + p * K * NR;
    for (int64_t k = 0; k < K; k += step) {
      int64_t kc = K - k < step ? K - k : step;
      int last = k + kc >= K;
      /* The edge columns, down the band in runs of rows whose windows
       * have the same rows inside. */
      for (int64_t ow = edgeFrom(0, ow0, ow1); ow < OW;
           ow = edgeFrom(ow + 1, ow0, ow1)) {
        int64_t kw0, kw1;
        insideWindow(ow * sw - pl, W, KW, 1, &kw0, &kw1);
        int64_t chunks = (rows + MR - 1) / MR, chunk = 0;
        for (int64_t r = 0; r < rows;) {
          int64_t kh0 = 0, kh1 = KH, count;
          if (copy) {
            /* The copy holds the zero rows: whole columns of the band in
             * even chunks. */
            count = (chunk + 1) * rows / chunks - r;
            ++chunk;
          } else {
            insideRows(oh0 + r, H, KH, sh, dh, pt, &kh0, &kh1);
            count = 1;
            while (r + count < rows && count < MR) {
              int64_t a, b;
              insideRows(oh0 + r + count, H, KH, sh, dh, pt, &a, &b);
              if (a != kh0 || b != kh1)
                break;
              ++count;
            }
          }
          int64_t q = (oh0 + r) * OW + ow;
          Epilogue tileEpilogue;
          if (e && last) {
            tileEpilogue = offsetEpilogue(e, q, j);
            tileEpilogue.ldr = OW * F;
          }
          Inside in = insideBlock(pitch, KW, C, dh, kh0, kh1, kw0, kw1, k, kc,
                                  last, accumulate);
          if (!in.skip)
            tileRowsInRuns((int)count, in.kc,
                           origin + r * sh * pitch + ow * sw * C + in.offset,
                           sh * pitch, panel + in.row * NR, NR, out + q * F + j,
                           OW * F, cols, in.load, e && last ? &tileEpilogue : 0,
                           in.pieces);
          r += count;
        }
      }
      for (int64_t oh = oh0; oh < oh0 + rows; ++oh) {
        int64_t kh0, kh1;
        insideRows(oh, H, KH, sh, dh, pt, &kh0, &kh1);
        Inside in = insideBlock(pitch, KW, C, dh, kh0, kh1, 0, KW, k, kc, last,
                                accumulate);
        if (in.skip)
          continue;
        const float *at = origin + (oh - oh0) * sh * pitch + in.offset;
        for (int64_t t = 0; t < innerTiles; ++t) {
          int64_t a = ow0 + t * (ow1 - ow0) / innerTiles;
          int64_t b = ow0 + (t + 1) * (ow1 - ow0) / innerTiles;
          int64_t q = oh * OW + a;
          Epilogue tileEpilogue;
          if (e && last)
            tileEpilogue = offsetEpilogue(e, q, j);
          tileRowsInRuns((int)(b - a), in.kc, at + a * sw * C, sw * C,
                         panel + in.row * NR, NR, out + q * F + j, F, cols,
                         in.load, e && last ? &tileEpilogue : 0, in.pieces);
        }
      }
    }
  }
}

/* y[N][OH][OW][F] = conv(x[N][H][W][C], packed filter) with zero padding pt
 * above and pl left, (+ y when flags has FULCRUM_GEMM_ACCUMULATE), then
 * + bias[F] (when not 0), + residual[N][OH][OW][F] (when not 0), clamped
 * to [lo, hi] (float bits) when flags has FULCRUM_GEMM_CLAMP. The filter
 * `w` is packed as [ceil(F/NR)][KH*KW*C][NR] (packGemmWeights of FHWC
 * transposed); `workspace` holds max(ceil(OH*OW / NHWC_ROWS), NHWC_SLOTS)
 * * NHWC_ROWS * KH*KW*C floats, unless the convolution is 1x1 at stride 1
 * without padding (then it may be 0). */
void NAME(fulcrum_conv2d_nhwc_f32)(int64_t N, int64_t H, int64_t W, int64_t C,
                                   int64_t F, int64_t KH, int64_t KW,
                                   int64_t OH, int64_t OW, int64_t sh,
                                   int64_t sw, int64_t dh, int64_t dw,
                                   int64_t pt, int64_t pl, int64_t x, int64_t w,
                                   int64_t y, int64_t workspace, int64_t bias,
                                   int64_t residual, int64_t lo, int64_t hi,
                                   int64_t flags) {
  int64_t K = KH * KW * C, pixels = OH * OW;
  int64_t panels = (F + NR - 1) / NR;
  int64_t blocks = (pixels + NHWC_ROWS - 1) / NHWC_ROWS;
  /* Enough (block, panel range) tasks for the threads when the image has
   * few pixel blocks. */
  int64_t chunks = blocks >= 4 ? 1 : (4 + blocks - 1) / blocks;
  if (chunks > panels)
    chunks = panels;
  int64_t perChunk = (panels + chunks - 1) / chunks;
  int accumulate = (flags & FULCRUM_GEMM_ACCUMULATE) != 0;
  int direct = KH == 1 && KW == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 &&
               OH == H && OW == W;
  const float *B = (const float *)w;
  float *packed = (float *)workspace;
  int parallel = N * pixels * F * K >= PARALLEL_WORK;
  int64_t slots = blocks > NHWC_SLOTS ? blocks : NHWC_SLOTS;
  if (direct) {
    /* A 1x1 convolution at stride 1 is one product over all the images'
     * pixels, [N*H*W][C] x [C][F], in blocks of NHWC_ROWS rows that stay
     * in cache while every panel of the thread's share passes over them. */
    Epilogue storage;
    const Epilogue *e = makeEpilogue(&storage, bias, /*biasPerColumn=*/1,
                                     residual, F, lo, hi, flags);
    gemmTeam(N * pixels, F, K, (const float *)x, K, B, NR, K * NR, (float *)y,
             F, e, accumulate, NHWC_ROWS);
    return;
  }
  /* The implicit im2col, read in place, in bands of output rows: from a
   * padded copy of each band's input rows, which must fit a workspace slot
   * (NHWC_ROWS * K floats, one per thread), or from the image. */
  int64_t width = (OW - 1) * sw + (KW - 1) * dw + 1;
  int64_t firstRow = ((KH - 1) * dh + 1) * width * C,
          slotFloats = NHWC_ROWS * K;
  /* Windows that overlap (KH > sh or KW > sw) read each input row several
   * times, and a hot padded copy beats the image in every ResNet-18 layer
   * (by 1-3 %, measured on Zen 4); a strided 1x1 convolution reads each
   * pixel once, and copying rows and columns it skips cost 5 %. */
  int copy = (KH > sh || KW > sw) && firstRow <= slotFloats;
  if (dw == 1 && (!parallel || omp_get_max_threads() <= slots)) {
    int64_t ow0, ow1;
    rowTileColumns(W, KW, OW, sw, pl, copy, &ow0, &ow1);
    int64_t most = firstRow <= slotFloats
                       ? 1 + (slotFloats - firstRow) / (sh * width * C)
                       : 1;
    int64_t bands = (OH + most - 1) / most;
    int64_t rowsPerBand = (OH + bands - 1) / bands;
    bands = (OH + rowsPerBand - 1) / rowsPerBand;
    /* Enough tasks for the threads, at least 4: ranges of column panels
     * first, which split evenly and share one band copy each; bands of
     * fewer rows when there are too few panels. */
    int64_t ranges = 1;
    if (parallel && N * bands < 4) {
      ranges = (4 + N * bands - 1) / (N * bands);
      if (ranges > panels)
        ranges = panels;
      if (N * bands * ranges < 4) {
        int64_t wanted = (4 + N * ranges - 1) / (N * ranges);
        rowsPerBand = (OH + wanted - 1) / wanted;
        bands = (OH + rowsPerBand - 1) / rowsPerBand;
      }
    }
    int64_t perRange = (panels + ranges - 1) / ranges;
#pragma omp parallel if (parallel)
    for (int64_t t = taskBegin(N * bands * ranges),
                 tStop = taskEnd(N * bands * ranges);
         t < tStop; ++t) {
      int64_t n = t / (bands * ranges), band = t / ranges % bands,
              range = t % ranges;
      int64_t oh0 = band * rowsPerBand;
      int64_t rows = OH - oh0 < rowsPerBand ? OH - oh0 : rowsPerBand;
      int64_t first = range * perRange;
      int64_t last = first + perRange < panels ? first + perRange : panels;
      if (first >= last)
        continue;
      Epilogue storage;
      const Epilogue *e = makeEpilogue(
          &storage, bias, /*biasPerColumn=*/1,
          residual ? residual + n * pixels * F * 4 : 0, F, lo, hi, flags);
      convBandNHWC((const float *)x + n * H * W * C, H, W, C, F, KH, KW, OW, sh,
                   sw, dh, pt, pl, oh0, rows, first, last, B,
                   (float *)y + n * pixels * F, e, accumulate, copy, ow0, ow1,
                   packed + (int64_t)omp_get_thread_num() * slotFloats);
    }
    return;
  }
  if (N * blocks >= 4 && (!parallel || omp_get_max_threads() <= slots)) {
    /* Every (image, block) pair is one task: its thread copies the block's
     * im2col rows into its own slot of the workspace (slot = thread) and
     * multiplies them while they are in cache. No barrier between phases
     * or images; a batch of small images is split by images. */
#pragma omp parallel if (parallel)
    for (int64_t t = taskBegin(N * blocks), tStop = taskEnd(N * blocks);
         t < tStop; ++t) {
      int64_t n = t / blocks, p0 = t % blocks * NHWC_ROWS;
      int64_t rows = pixels - p0 < NHWC_ROWS ? pixels - p0 : NHWC_ROWS;
      const float *image = (const float *)x + n * H * W * C;
      float *slot = packed + (int64_t)omp_get_thread_num() * NHWC_ROWS * K;
      im2colRowsNHWC(image, H, W, C, KH, KW, OW, sh, sw, dh, dw, pt, pl, p0,
                     rows, slot);
      Epilogue storage, shifted;
      const Epilogue *e = makeEpilogue(
          &storage, bias, /*biasPerColumn=*/1,
          residual ? residual + n * pixels * F * 4 : 0, F, lo, hi, flags);
      if (e)
        shifted = offsetEpilogue(e, p0, 0);
      gemmBlock(0, rows, 0, panels, F, K, slot, K, B, NR, K * NR,
                (float *)y + (n * pixels + p0) * F, F, e ? &shifted : 0,
                accumulate);
    }
    return;
  }
  /* Few blocks: one team of threads for the whole batch, the images one
   * after the other, each phase split over the team with a barrier after
   * it, the GEMM by (block, panel range) tasks. */
#pragma omp parallel if (parallel)
  for (int64_t n = 0; n < N; ++n) {
    const float *image = (const float *)x + n * H * W * C;
    float *out = (float *)y + n * pixels * F;
    Epilogue storage;
    const Epilogue *e = makeEpilogue(
        &storage, bias, /*biasPerColumn=*/1,
        residual ? residual + n * pixels * F * 4 : 0, F, lo, hi, flags);
    for (int64_t b = taskBegin(blocks), bStop = taskEnd(blocks); b < bStop;
         ++b) {
      int64_t p0 = b * NHWC_ROWS;
      int64_t rows = pixels - p0 < NHWC_ROWS ? pixels - p0 : NHWC_ROWS;
      im2colRowsNHWC(image, H, W, C, KH, KW, OW, sh, sw, dh, dw, pt, pl, p0,
                     rows, packed + p0 * K);
    }
#pragma omp barrier
    for (int64_t t = taskBegin(blocks * chunks),
                 tStop = taskEnd(blocks * chunks);
         t < tStop; ++t) {
      int64_t b = t / chunks, chunk = t % chunks;
      int64_t p0 = b * NHWC_ROWS;
      int64_t rows = pixels - p0 < NHWC_ROWS ? pixels - p0 : NHWC_ROWS;
      int64_t first = chunk * perChunk;
      int64_t last = first + perChunk < panels ? first + perChunk : panels;
      if (first >= last)
        continue;
      Epilogue shifted;
      if (e)
        shifted = offsetEpilogue(e, p0, 0);
      gemmBlock(0, rows, first, last, F, K, packed + p0 * K, K, B, NR, K * NR,
                out + p0 * F, F, e ? &shifted : 0, accumulate);
    }
    /* The next image's rows overwrite `packed`. */
#pragma omp barrier
  }
}

/* Sixteen channels as one value (clang vector extension: one AVX-512
 * register, two AVX2 ones, four SSE ones); may be unaligned. */
typedef float lanes16 __attribute__((vector_size(64), aligned(4)));

/* The start of 16 channels' sum at `out` (channel c0) into *acc: the bias,
 * plus what `out` holds when accumulating. (Vectors go by pointer: by
 * value they would depend on the ISA's calling convention.) */
static inline __attribute__((always_inline)) void
depthwiseStart(lanes16 *acc, const float *Bias, const float *out, int64_t c0,
               DepthwiseMode mode) {
  *acc = (lanes16){0};
  if (Bias)
    *acc = *(const lanes16 *)(Bias + c0);
  if (mode.accumulate)
    *acc += *(const lanes16 *)(out + c0);
}

/* Stores the 16 channels' sum *acc at `out` (channel c0), clamped when
 * asked. */
static inline __attribute__((always_inline)) void
depthwiseFinish(lanes16 *acc, float *out, int64_t c0, DepthwiseMode mode) {
  if (mode.clamp) {
    lanes16 lo = (lanes16){0} + mode.lo, hi = (lanes16){0} + mode.hi;
    *acc = __builtin_elementwise_min(__builtin_elementwise_max(*acc, lo), hi);
  }
  *(lanes16 *)(out + c0) = *acc;
}

/* Channels [c0, c0 + 16 * V) of one output pixel of a channels-last
 * depthwise convolution (V a constant after inlining), accumulated in
 * registers over the window. */
static inline __attribute__((always_inline)) void
depthwiseLanesNHWC(const float *image, const float *Wt, const float *Bias,
                   float *out, int64_t H, int64_t W, int64_t C, int64_t KH,
                   int64_t KW, int64_t oh, int64_t ow, int64_t sh, int64_t sw,
                   int64_t dh, int64_t dw, int64_t pt, int64_t pl, int64_t c0,
                   int V, DepthwiseMode mode) {
  lanes16 acc[4];
  for (int v = 0; v < V; ++v)
    depthwiseStart(&acc[v], Bias, out, c0 + 16 * v, mode);
  for (int64_t kh = 0; kh < KH; ++kh) {
    int64_t ih = oh * sh + kh * dh - pt;
    if (ih < 0 || ih >= H)
      continue;
    for (int64_t kw = 0; kw < KW; ++kw) {
      int64_t iw = ow * sw + kw * dw - pl;
      if (iw < 0 || iw >= W)
        continue;
      const float *in = image + (ih * W + iw) * C + c0;
      const float *wv = Wt + (kh * KW + kw) * C + c0;
      for (int v = 0; v < V; ++v)
        acc[v] +=
            *(const lanes16 *)(wv + 16 * v) * *(const lanes16 *)(in + 16 * v);
    }
  }
  for (int v = 0; v < V; ++v)
    depthwiseFinish(&acc[v], out, c0 + 16 * v, mode);
}

/* Output pixels per strip of the channels-last depthwise kernel: each
 * filter tap is loaded once for them (AVX-512 holds 8 accumulators of 16
 * channels in as many registers; AVX2 needs two registers each). */
#if FULCRUM_KERNEL_ISA == 512
#define DEPTHWISE_STRIP 8
#else
#define DEPTHWISE_STRIP 4
#endif

/* Channels [c0, c0 + 16) of output pixels [ow0, ow0 + P) of one row (P a
 * constant after inlining), whose windows lie inside the image's columns;
 * window rows [kh0, kh1) lie inside its rows, the first at ih0 + kh0 * dh.
 * The sums are those of depthwiseLanesNHWC, in the same order. */
static inline __attribute__((always_inline)) void
depthwiseStripNHWC(const float *image, const float *Wt, const float *Bias,
                   float *out, int64_t W, int64_t C, int64_t KW, int64_t ih0,
                   int64_t kh0, int64_t kh1, int64_t ow0, int64_t sw,
                   int64_t dh, int64_t dw, int64_t pl, int64_t c0, int P,
                   DepthwiseMode mode) {
  lanes16 acc[DEPTHWISE_STRIP];
  for (int p = 0; p < P; ++p)
    depthwiseStart(&acc[p], Bias, out + p * C, c0, mode);
  for (int64_t kh = kh0; kh < kh1; ++kh) {
    const float *row = image + (ih0 + kh * dh) * W * C + c0;
    for (int64_t kw = 0; kw < KW; ++kw) {
      lanes16 tap = *(const lanes16 *)(Wt + (kh * KW + kw) * C + c0);
      const float *in = row + (ow0 * sw + kw * dw - pl) * C;
      for (int p = 0; p < P; ++p)
        acc[p] += tap * *(const lanes16 *)(in + p * sw * C);
    }
  }
  for (int p = 0; p < P; ++p)
    depthwiseFinish(&acc[p], out + p * C, c0, mode);
}

/* The same for a run-time count of pixels below DEPTHWISE_STRIP. */
static void depthwiseShortStripNHWC(const float *image, const float *Wt,
                                    const float *Bias, float *out, int64_t W,
                                    int64_t C, int64_t KW, int64_t ih0,
                                    int64_t kh0, int64_t kh1, int64_t ow0,
                                    int64_t sw, int64_t dh, int64_t dw,
                                    int64_t pl, int64_t c0, int pixels,
                                    DepthwiseMode mode) {
  switch (pixels) {
#define STRIP_CASE(P)                                                          \
  case P:                                                                      \
    depthwiseStripNHWC(image, Wt, Bias, out, W, C, KW, ih0, kh0, kh1, ow0, sw, \
                       dh, dw, pl, c0, P, mode);                               \
    return;
    STRIP_CASE(1)
    STRIP_CASE(2)
    STRIP_CASE(3)
#if DEPTHWISE_STRIP > 4
    STRIP_CASE(4)
    STRIP_CASE(5)
    STRIP_CASE(6)
    STRIP_CASE(7)
#endif
#undef STRIP_CASE
  default:
    return;
  }
}

/* The last C % 16 channels of one output pixel, one at a time. */
static void depthwiseTailNHWC(const float *image, const float *Wt,
                              const float *Bias, float *out, int64_t H,
                              int64_t W, int64_t C, int64_t KH, int64_t KW,
                              int64_t oh, int64_t ow, int64_t sh, int64_t sw,
                              int64_t dh, int64_t dw, int64_t pt, int64_t pl,
                              int64_t c0, DepthwiseMode mode) {
  for (int64_t c = c0; c < C; ++c) {
    float acc = (Bias ? Bias[c] : 0.0f) + (mode.accumulate ? out[c] : 0.0f);
    for (int64_t kh = 0; kh < KH; ++kh) {
      int64_t ih = oh * sh + kh * dh - pt;
      for (int64_t kw = 0; kw < KW; ++kw) {
        int64_t iw = ow * sw + kw * dw - pl;
        if (ih >= 0 && ih < H && iw >= 0 && iw < W)
          acc += Wt[(kh * KW + kw) * C + c] * image[(ih * W + iw) * C + c];
      }
    }
    if (mode.clamp) {
      acc = acc < mode.lo ? mode.lo : acc;
      acc = acc > mode.hi ? mode.hi : acc;
    }
    out[c] = acc;
  }
}

/* Output row `row` (n * OH + oh) of a channels-last depthwise convolution,
 * channels [cb, ce) only: cb is a multiple of 16, ce one too or C. */
static void depthwiseRowNHWC(const float *X, const float *Wt, const float *Bias,
                             float *Y, int64_t H, int64_t W, int64_t C,
                             int64_t KH, int64_t KW, int64_t OH, int64_t OW,
                             int64_t sh, int64_t sw, int64_t dh, int64_t dw,
                             int64_t pt, int64_t pl, int64_t row, int64_t cb,
                             int64_t ce, DepthwiseMode mode) {
  int64_t n = row / OH, oh = row % OH;
  const float *image = X + n * H * W * C;
  /* The columns [inner0, inner1) whose windows lie inside the image go in
   * strips of pixels, 16 channels at a time; the others (and channels
   * past the last 16) one pixel at a time. */
  int64_t ih0 = oh * sh - pt, kh0 = 0, kh1 = KH;
  while (kh0 < KH && ih0 + kh0 * dh < 0)
    ++kh0;
  while (kh1 > kh0 && ih0 + (kh1 - 1) * dh >= H)
    --kh1;
  int64_t inner0 = (pl + sw - 1) / sw;
  int64_t inner1 = W - 1 + pl - (KW - 1) * dw < 0
                       ? 0
                       : (W - 1 + pl - (KW - 1) * dw) / sw + 1;
  if (inner1 > OW)
    inner1 = OW;
  if (inner0 > inner1)
    inner0 = inner1;
  int64_t vectorEnd = ce / 16 * 16;
  for (int64_t ow = inner0; ow < inner1; ow += DEPTHWISE_STRIP) {
    int pixels =
        inner1 - ow < DEPTHWISE_STRIP ? (int)(inner1 - ow) : DEPTHWISE_STRIP;
    float *out = Y + (row * OW + ow) * C;
    for (int64_t c0 = cb; c0 < vectorEnd; c0 += 16) {
      if (pixels == DEPTHWISE_STRIP)
        depthwiseStripNHWC(image, Wt, Bias, out, W, C, KW, ih0, kh0, kh1, ow,
                           sw, dh, dw, pl, c0, DEPTHWISE_STRIP, mode);
      else
        depthwiseShortStripNHWC(image, Wt, Bias, out, W, C, KW, ih0, kh0, kh1,
                                ow, sw, dh, dw, pl, c0, pixels, mode);
    }
    if (vectorEnd < ce)
      for (int p = 0; p < pixels; ++p)
        depthwiseTailNHWC(image, Wt, Bias, out + p * C, H, W, C, KH, KW, oh,
                          ow + p, sh, sw, dh, dw, pt, pl, vectorEnd, mode);
  }
  for (int64_t ow = 0; ow < OW; ++ow) {
    if (ow == inner0 && inner1 > inner0)
      ow = inner1;
    if (ow >= OW)
      break;
    float *out = Y + (row * OW + ow) * C;
    int64_t c0 = cb;
    for (; c0 + 64 <= ce; c0 += 64)
      depthwiseLanesNHWC(image, Wt, Bias, out, H, W, C, KH, KW, oh, ow, sh, sw,
                         dh, dw, pt, pl, c0, 4, mode);
    for (; c0 + 16 <= ce; c0 += 16)
      depthwiseLanesNHWC(image, Wt, Bias, out, H, W, C, KH, KW, oh, ow, sh, sw,
                         dh, dw, pt, pl, c0, 1, mode);
    if (c0 < ce)
      depthwiseTailNHWC(image, Wt, Bias, out, H, W, C, KH, KW, oh, ow, sh, sw,
                        dh, dw, pt, pl, c0, mode);
  }
}

/* y[N][OH][OW][C] = depthwise conv(x[N][H][W][C], w[KH][KW][C]) (channel
 * multiplier 1) with zero padding pt above and pl left, + bias[C] (when not
 * 0), + y (flags has FULCRUM_GEMM_ACCUMULATE), clamped to [lo, hi] (float
 * bits) when flags has FULCRUM_GEMM_CLAMP. The work is (output row, group
 * of 16 channels) units, and each thread takes an equal contiguous range
 * of them: whole rows when there are many, rows split by channels when
 * there are few (a 7x7 output on two threads ran 4 rows against 3). */
void NAME(fulcrum_dwconv2d_nhwc_f32)(int64_t N, int64_t H, int64_t W, int64_t C,
                                     int64_t KH, int64_t KW, int64_t OH,
                                     int64_t OW, int64_t sh, int64_t sw,
                                     int64_t dh, int64_t dw, int64_t pt,
                                     int64_t pl, int64_t x, int64_t w,
                                     int64_t y, int64_t bias, int64_t lo,
                                     int64_t hi, int64_t flags) {
  const float *X = (const float *)x, *Wt = (const float *)w;
  const float *Bias = (const float *)bias;
  float *Y = (float *)y;
  DepthwiseMode mode = depthwiseMode(flags, lo, hi);
  int64_t groups = (C + 15) / 16, units = N * OH * groups;
#pragma omp parallel if (N * OH * OW * C * KH * KW >= DEPTHWISE_PARALLEL_WORK)
  {
    int64_t t = omp_get_thread_num(), T = omp_get_num_threads();
    int64_t u0 = t * units / T, u1 = (t + 1) * units / T;
    while (u0 < u1) {
      int64_t row = u0 / groups, g0 = u0 % groups;
      int64_t g1 = u1 - row * groups < groups ? u1 - row * groups : groups;
      int64_t ce = g1 * 16 < C ? g1 * 16 : C;
      depthwiseRowNHWC(X, Wt, Bias, Y, H, W, C, KH, KW, OH, OW, sh, sw, dh, dw,
                       pt, pl, row, g0 * 16, ce, mode);
      u0 = row * groups + g1;
    }
  }
}

/* 3x3 convolutions at stride 1 as Winograd F(2x2, 3x3) on the same tiles. */
#include "winograd.inc"
