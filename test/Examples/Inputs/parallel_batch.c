/* Runs the compiled tiny CNN on a batch of 4 images in one call, then on
 * each image from a 2-thread fulcrum_parallel_for, and checks that the
 * results agree exactly (the entry point is re-entrant). */
#include "fulcrum_runtime.h"
#include "tiny_cnn.h"

#include <stdio.h>
#include <string.h>

enum { BATCH = 4, PIXELS = 28 * 28, CLASSES = 10 };
static float images[BATCH * PIXELS];
static float perImage[BATCH][CLASSES];

static void runOne(int64_t i, void *context) {
  (void)context;
  fulcrum_tensor t = {images + i * PIXELS, 1, 4, {1, 1, 28, 28}};
  fulcrum_memref_f32_4d input;
  if (fulcrum_memref_view(&t, &input) != FULCRUM_OK)
    return;
  tiny_cnn_results r;
  _mlir_ciface_tiny_cnn(&r, &input);
  memcpy(perImage[i], r.r0.aligned + r.r0.offset, sizeof(perImage[i]));
  fulcrum_free_result(r.r0.allocated);
}

int main(void) {
  for (int i = 0; i < BATCH * PIXELS; ++i)
    images[i] = (float)((i * 7919) % 256) / 255.0f;
  fulcrum_tensor all = {images, 1, 4, {BATCH, 1, 28, 28}};
  fulcrum_memref_f32_4d input;
  fulcrum_status s = fulcrum_memref_view(&all, &input);
  if (s != FULCRUM_OK) {
    printf("error: %s\n", fulcrum_status_string(s));
    return 1;
  }
  tiny_cnn_results batched;
  _mlir_ciface_tiny_cnn(&batched, &input);
  s = fulcrum_parallel_for(BATCH, 2, runOne, NULL);
  if (s != FULCRUM_OK) {
    printf("error: %s\n", fulcrum_status_string(s));
    return 1;
  }
  const float *b = batched.r0.aligned + batched.r0.offset;
  int same = 0;
  for (int i = 0; i < BATCH; ++i)
    for (int k = 0; k < CLASSES; ++k)
      same += b[i * CLASSES + k] == perImage[i][k];
  fulcrum_free_result(batched.r0.allocated);
  printf("parallel results equal the batched ones: %d of %d\n", same,
         BATCH * CLASSES);
  fulcrum_tensor bad = {images, 1, 9, {0}};
  printf("rank 9: %s\n", fulcrum_status_string(fulcrum_memref_view(&bad, &input)));
  return same == BATCH * CLASSES ? 0 : 1;
}
