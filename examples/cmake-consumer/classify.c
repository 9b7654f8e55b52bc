/* Classifies Fashion-MNIST images with the CNN that fulcrum_add_model
 * compiled into the static library `cnn`:
 *
 *   classify images.f32
 *
 * images.f32 holds N 28x28 images as raw float32 (N x 1 x 28 x 28,
 * row-major). Prints one line per image: its index and predicted class. */
#include "cnn.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s images.f32\n", argv[0]);
    return 2;
  }
  FILE *file = fopen(argv[1], "rb");
  if (!file) {
    perror(argv[1]);
    return 1;
  }
  enum { PIXELS = 28 * 28, CLASSES = 10 };
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

  /* The caller owns the inputs, outputs and (optional) workspace. */
  size_t size = cnn_workspace_size(batch);
  void *workspace = size ? aligned_alloc(64, (size + 63) / 64 * 64) : NULL;
  int status = cnn_run(batch, images, probs, workspace, size);
  if (status != FULCRUM_OK) {
    fprintf(stderr, "cnn_run: %s\n", fulcrum_status_message(status));
    return 1;
  }
  for (long i = 0; i < batch; ++i) {
    int best = 0;
    for (int k = 1; k < CLASSES; ++k)
      if (probs[i * CLASSES + k] > probs[i * CLASSES + best])
        best = k;
    printf("image %ld: class %d\n", i, best);
  }
  free(workspace);
  free(probs);
  free(images);
  return 0;
}
