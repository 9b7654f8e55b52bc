/* Uses a compiled model's workspace interface (its header is included with
 * -include): prints the arena size at batch 1 and 8, and checks that calls
 * with a large enough caller-owned workspace, with one too small, and
 * without one give bit-identical outputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kBatch = 3, kPixels = 28 * 28 };

static void run(float *image, fulcrum_workspace *workspace, float *out) {
  fulcrum_memref_f32_4d input = {image, image, 0, {kBatch, 1, 28, 28},
                                 {kPixels, kPixels, 28, 1}};
  tiny_cnn_results results;
  if (workspace)
    _mlir_ciface_tiny_cnn_workspace(&results, &input, workspace);
  else
    _mlir_ciface_tiny_cnn(&results, &input);
  memcpy(out, results.r0.aligned + results.r0.offset,
         sizeof(float) * kBatch * 10);
  free(results.r0.allocated);
}

int main(void) {
  int64_t one = fulcrum_workspace_size_tiny_cnn(1);
  int64_t eight = fulcrum_workspace_size_tiny_cnn(8);
  printf("batch 1: %lld bytes\n", (long long)one);
  printf("batch 8: %lld bytes\n", (long long)eight);
  printf("shrinks with the batch: %s\n", eight < one ? "yes" : "no");

  static float image[kBatch * kPixels];
  for (int i = 0; i < kBatch * kPixels; ++i)
    image[i] = (float)((i * 37) % 101) / 101.0f;
  int64_t bytes = fulcrum_workspace_size_tiny_cnn(kBatch);
  uint8_t *memory = aligned_alloc(64, (size_t)(bytes + 63) / 64 * 64);
  /* Garbage in the workspace must not matter. */
  memset(memory, 0xA5, (size_t)bytes);
  fulcrum_workspace enough = {memory, memory, 0, {bytes}, {1}};
  fulcrum_workspace small = {memory, memory, 0, {bytes / 2}, {1}};
  float plain[kBatch * 10], owned[kBatch * 10], fallback[kBatch * 10];
  run(image, 0, plain);
  run(image, &enough, owned);
  int64_t touched = 0;
  for (int64_t i = 0; i < bytes; ++i)
    touched += memory[i] != 0xA5;
  printf("workspace holds the intermediates: %s\n", touched ? "yes" : "no");
  run(image, &small, fallback);
  printf("caller's workspace: %s\n",
         memcmp(plain, owned, sizeof plain) ? "differs" : "identical");
  printf("too small a workspace: %s\n",
         memcmp(plain, fallback, sizeof plain) ? "differs" : "identical");
  free(memory);
  return 0;
}
