/* Classifies a synthetic 28x28 image with the tiny CNN compiled ahead of
 * time by Fulcrum, without any MLIR at run time:
 *
 *   fulcrum-compile models/tiny-cnn.onnx --entry-point=tiny_cnn \
 *       -o tiny_cnn.a --header tiny_cnn.h
 *   cc -I. classify.c tiny_cnn.a -L/usr/lib/llvm-19/lib \
 *      -Wl,-rpath,/usr/lib/llvm-19/lib -lomp -lm -o classify && ./classify
 *
 * Prints the ten class probabilities and the predicted class. */
#include "tiny_cnn.h"

#include <stdio.h>

int main(void) {
  /* A bright vertical bar on a dark background, batch of one. */
  static float image[1 * 1 * 28 * 28];
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x)
      image[y * 28 + x] =
          (x >= 12 && x < 16) ? 1.0f : 0.1f * (float)((x + y) % 3);

  /* The caller owns every buffer; NULL workspace: the model allocates its
   * intermediates. */
  float probs[1 * 10];
  int status = tiny_cnn_run(/*batch=*/1, image, probs, NULL, 0);
  if (status != FULCRUM_OK) {
    fprintf(stderr, "tiny_cnn_run: %s\n", fulcrum_status_message(status));
    return 1;
  }

  int best = 0;
  printf("probabilities:");
  for (int k = 0; k < 10; ++k) {
    printf(" %.6f", probs[k]);
    if (probs[k] > probs[best])
      best = k;
  }
  printf("\npredicted class: %d\n", best);
  return 0;
}
