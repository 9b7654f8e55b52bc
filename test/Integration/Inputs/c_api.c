/* Checks the plain-pointer API of a generated header (tiny_cnn_run) against
 * the descriptor interface it wraps: the same probabilities with and without
 * a caller's workspace, and status codes for bad arguments. */
#include "tiny_cnn.h"

#include <stdio.h>

enum { BATCH = 3 };

int main(void) {
  static float image[BATCH * 784];
  for (int i = 0; i < BATCH * 784; ++i)
    image[i] = (float)((i * 7919) % 255) / 255.0f;

  /* The descriptor interface: the model allocates the result. */
  fulcrum_memref_f32_4d in = {
      image, image, 0, {BATCH, 1, 28, 28}, {784, 784, 28, 1}};
  tiny_cnn_results results;
  _mlir_ciface_tiny_cnn(&results, &in);
  const float *ref = results.r0.aligned + results.r0.offset;

  float probs[BATCH * 10], probs2[BATCH * 10];
  int status = tiny_cnn_run(BATCH, image, probs, NULL, 0);
  printf("run: %s\n", fulcrum_status_message(status));
  size_t size = tiny_cnn_workspace_size(BATCH);
  void *workspace = aligned_alloc(64, (size + 63) / 64 * 64);
  status = tiny_cnn_run(BATCH, image, probs2, workspace, size);
  printf("run with workspace: %s\n", fulcrum_status_message(status));
  int same = 0;
  for (int i = 0; i < BATCH * 10; ++i)
    same += probs[i] == ref[i] && probs2[i] == ref[i];
  printf("equal to the descriptor call: %d of %d\n", same, BATCH * 10);
  free(results.r0.allocated);

  printf("null input: %d %s\n", tiny_cnn_run(1, NULL, probs, NULL, 0),
         fulcrum_status_message(tiny_cnn_run(1, NULL, probs, NULL, 0)));
  printf("batch 0: %d\n", tiny_cnn_run(0, image, probs, NULL, 0));
  printf("small workspace: %d\n",
         size > 0 ? tiny_cnn_run(BATCH, image, probs, workspace, size - 1) : 1);
  printf("unaligned workspace: %d\n",
         tiny_cnn_run(BATCH, image, probs, (char *)workspace + 1, size));
  printf("%s = %s[%lld x %lld], %s = %s\n", tiny_cnn_input0_name,
         tiny_cnn_input0_dtype, (long long)tiny_cnn_input0_shape[2],
         (long long)tiny_cnn_input0_shape[3], tiny_cnn_output0_name,
         tiny_cnn_output0_dtype);
  free(workspace);
  return 0;
}
