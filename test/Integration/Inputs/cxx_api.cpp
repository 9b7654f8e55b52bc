// The C++20 wrapper of a generated header: the class owns its workspace and
// checks the sizes of the spans it is given.
#include "tiny_cnn.h"

#include <cstdio>
#include <vector>

int main() {
  fulcrum::models::tiny_cnn model(/*max_batch=*/4);
  std::vector<float> image(2 * 784, 0.25f), probs(2 * 10), plain(2 * 10);
  int status = model.run(2, image, probs);
  std::printf("run: %s\n", fulcrum::models::tiny_cnn::message(status));
  tiny_cnn_run(2, image.data(), plain.data(), nullptr, 0);
  std::printf("same as the C call: %s\n", probs == plain ? "yes" : "no");
  // Larger than max_batch: runs without the workspace.
  std::vector<float> big(8 * 784, 0.25f), bigProbs(8 * 10);
  std::printf("batch 8: %d\n", model.run(8, big, bigProbs));
  std::printf("wrong span: %d\n",
              model.run(2, std::span<const float>(image).first(783), probs));
  return 0;
}
