/*===- tasks.h - Static task ranges for the kernels' parallel regions ----===*
 *
 * Part of Fulcrum. A kernel's parallel region gives each thread a
 * contiguous, nearly equal range of its independent tasks, as
 * `schedule(static)` would, but computed here rather than by an `omp for`:
 * the libomp of Debian 12 (LLVM 19's) formats a debug message (vsnprintf,
 * malloc, free) on every worksharing loop it starts, team of one or not,
 * which cost about 5 % of a small transformer's time at one thread. A
 * region that needs the loop's closing barrier says `#pragma omp barrier`.
 *
 *   #pragma omp parallel if (parallel) num_threads(threads)
 *   for (int64_t t = taskBegin(n), end = taskEnd(n); t < end; ++t)
 *     ...
 *
 *===----------------------------------------------------------------------===*/

#ifndef FULCRUM_KERNELS_TASKS_H
#define FULCRUM_KERNELS_TASKS_H

#include <stdint.h>

int omp_get_thread_num(void);
int omp_get_num_threads(void);

/* The first of `n` tasks that the calling thread of its team runs. */
static inline int64_t taskBegin(int64_t n) {
  int64_t threads = omp_get_num_threads();
  return threads <= 1 ? 0 : n * omp_get_thread_num() / threads;
}

/* One past the last of `n` tasks that the calling thread runs. */
static inline int64_t taskEnd(int64_t n) {
  int64_t threads = omp_get_num_threads();
  return threads <= 1 ? n : n * (omp_get_thread_num() + 1) / threads;
}

#endif
