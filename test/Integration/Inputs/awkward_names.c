/* A model whose tensor names are C/C++ keywords, the run function's own
 * locals and text that would end a comment or a string, with two inputs and
 * three outputs of two dtypes: the header compiles and cnn_run-style calls
 * compute what the model says. */
#include "awkward.h"

#include <stdio.h>

int main(void) {
  float x[2 * 3] = {1, 2, 3, 4, 5, 6};
  int64_t r[2 * 3] = {1, 2, 3, 4, 5, 6};
  float doubled[2 * 3], sum[1];
  int64_t twice[2 * 3];
  int status = awkward_run(2, x, r, doubled, twice, sum, NULL, 0);
  printf("%s: %g %g %lld %lld %g\n", fulcrum_status_message(status), doubled[0],
         doubled[5], (long long)twice[0], (long long)twice[5], sum[0]);
  printf("names: %s %s %s %s\n", awkward_input0_name, awkward_output0_name,
         awkward_output2_name, awkward_input1_dtype);
  return 0;
}
