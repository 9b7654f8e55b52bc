// The entry point renamed by ENTRY_POINT: tiny_cnn.h, through the C++20 class.
#include "tiny_cnn.h"

#include <cstdio>
#include <vector>

int main() {
  fulcrum::models::tiny_cnn model;
  std::vector<float> image(784, 0.5f), probs(10);
  int status = model.run(1, image, probs);
  float sum = 0;
  for (float p : probs)
    sum += p;
  std::printf("%s, probabilities sum to %.3f\n", model.message(status), sum);
  return status;
}
