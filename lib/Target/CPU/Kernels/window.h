/*===- window.h - Where a kernel window lies inside an image ------------===*
 *
 * Part of Fulcrum. The part of a convolution's or pooling's window that
 * lies inside the image, along one dimension. Included by gemm.c and
 * pool.c.
 *
 *===----------------------------------------------------------------------===*/

#ifndef FULCRUM_KERNELS_WINDOW_H
#define FULCRUM_KERNELS_WINDOW_H

#include <stdint.h>

/* The window's positions [*lo, *hi) inside [0, size) for an output whose
 * window starts at `start` (possibly negative, in the padding), `window`
 * positions `dilation` apart; empty (lo == hi) when none is inside. */
static inline void insideWindow(int64_t start, int64_t size, int64_t window,
                                int64_t dilation, int64_t *lo, int64_t *hi) {
  int64_t first = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
  int64_t last = size - 1 - start < 0 ? 0 : (size - 1 - start) / dilation + 1;
  if (last > window)
    last = window;
  if (first > last)
    first = last;
  *lo = first;
  *hi = last;
}

#endif /* FULCRUM_KERNELS_WINDOW_H */
