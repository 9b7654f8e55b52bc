/* Calls a batch-tiled tiny CNN through its header with and without a
 * workspace of the size it asks for, at batches 1, 5 and 8. */
#include "tiny_cnn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  size_t previous = 0;
  int grows = 1;
  for (int64_t b = 1; b <= 8; ++b) {
    size_t bytes = tiny_cnn_workspace_size(b);
    grows &= bytes >= previous;
    previous = bytes;
  }
  const int64_t batches[] = {1, 5, 8};
  for (int i = 0; i < 3; ++i) {
    int64_t batch = batches[i];
    size_t in = (size_t)batch * 28 * 28, out = (size_t)batch * 10;
    float *x = malloc(in * sizeof(float));
    float *plain = malloc(out * sizeof(float));
    float *with = malloc(out * sizeof(float));
    for (size_t j = 0; j < in; ++j)
      x[j] = (float)((j * 7919) % 255) / 255.0f - 0.5f;
    size_t bytes = (tiny_cnn_workspace_size(batch) + 63) / 64 * 64;
    void *workspace = bytes ? aligned_alloc(64, bytes) : NULL;
    int a = tiny_cnn_run(batch, x, plain, NULL, 0);
    int b = tiny_cnn_run(batch, x, with, workspace, bytes);
    printf("batch %lld: workspace %zu bytes, %s\n", (long long)batch, bytes,
           a == 0 && b == 0 && !memcmp(plain, with, out * sizeof(float))
               ? "ok"
               : "MISMATCH");
    free(x);
    free(plain);
    free(with);
    free(workspace);
  }
  printf("sizes %s as the batch grows\n", grows ? "never shrink" : "SHRINK");
  return 0;
}
