/* Classifies Fashion-MNIST images (raw float32, N x 1 x 28 x 28) with the
 * CNN compiled by the Makefile; the threads of Fulcrum's runtime classify
 * one image each (fulcrum_parallel_for), and its status strings report
 * errors. Prints one line per image: its index and predicted class. */
#include "cnn.h"
#include "fulcrum_runtime.h"

#include <stdio.h>
#include <stdlib.h>

enum { PIXELS = 28 * 28, CLASSES = 10 };

typedef struct {
  const float *images;
  float *probs;
  int failed;
} job;

static void classify_one(int64_t i, void *context) {
  job *j = context;
  /* No workspace: each call allocates its own intermediates. */
  if (cnn_run(1, j->images + i * PIXELS, j->probs + i * CLASSES, NULL, 0))
    j->failed = 1;
}

int main(int argc, char **argv) {
  FILE *file = argc == 2 ? fopen(argv[1], "rb") : NULL;
  if (!file) {
    fprintf(stderr, "usage: %s images.f32\n", argv[0]);
    return 2;
  }
  fseek(file, 0, SEEK_END);
  long batch = ftell(file) / (long)(PIXELS * sizeof(float));
  fseek(file, 0, SEEK_SET);
  float *images = malloc((size_t)batch * PIXELS * sizeof(float));
  float *probs = malloc((size_t)batch * CLASSES * sizeof(float));
  if (batch < 1 || !images || !probs ||
      fread(images, sizeof(float) * PIXELS, (size_t)batch, file) !=
          (size_t)batch) {
    fprintf(stderr, "%s: cannot read the images\n", argv[1]);
    return 1;
  }
  fclose(file);
  job j = {images, probs, 0};
  fulcrum_status status = fulcrum_parallel_for(batch, 2, classify_one, &j);
  if (status != FULCRUM_OK || j.failed) {
    fprintf(stderr, "classify: %s\n",
            fulcrum_status_string(status ? status
                                         : FULCRUM_ERROR_INVALID_ARGUMENT));
    return 1;
  }
  for (long i = 0; i < batch; ++i) {
    int best = 0;
    for (int k = 1; k < CLASSES; ++k)
      if (probs[i * CLASSES + k] > probs[i * CLASSES + best])
        best = k;
    printf("image %ld: class %d\n", i, best);
  }
  free(probs);
  free(images);
  return 0;
}
