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
#include <stdlib.h>

int main(void) {
  /* A bright vertical bar on a dark background, batch of one. */
  static float image[1 * 1 * 28 * 28];
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x)
      image[y * 28 + x] = (x >= 12 && x < 16) ? 1.0f : 0.1f * (float)((x + y) % 3);

  fulcrum_memref_f32_4d input = {image, image, 0, {1, 1, 28, 28},
                                 {784, 784, 28, 1}};
  tiny_cnn_results results;
  _mlir_ciface_tiny_cnn(&results, &input);

  const float *probs = results.r0.aligned + results.r0.offset;
  int best = 0;
  printf("probabilities:");
  for (int k = 0; k < 10; ++k) {
    printf(" %.6f", probs[k]);
    if (probs[k] > probs[best])
      best = k;
  }
  printf("\npredicted class: %d\n", best);
  free(results.r0.allocated);
  return 0;
}
