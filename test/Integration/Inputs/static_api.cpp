// A model with static shapes (the MLP at batch 1): mlp_run takes no batch,
// and the C++ wrapper's default constructor owns the workspace.
#include "mlp.h"

#include <cstdio>
#include <vector>

int main() {
  std::vector<float> image(784);
  for (size_t i = 0; i < image.size(); ++i)
    image[i] = float(i % 17) / 17.0f;
  fulcrum_memref_f32_4d in = {
      image.data(), image.data(), 0, {1, 1, 28, 28}, {784, 784, 28, 1}};
  mlp_results results;
  _mlir_ciface_mlp(&results, &in);
  std::vector<float> ref(results.r0.aligned, results.r0.aligned + 10);
  std::free(results.r0.allocated);

  std::vector<float> out(10), viaClass(10);
  int status = mlp_run(image.data(), out.data(), nullptr, 0);
  fulcrum::models::mlp model;
  int status2 = model.run(image, viaClass);
  std::printf("static: %s %s, equal: %s\n", fulcrum_status_message(status),
              fulcrum_status_message(status2),
              out == ref && viaClass == ref ? "yes" : "no");
  return 0;
}
