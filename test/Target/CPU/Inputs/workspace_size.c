/* Prints the arena size a compiled model reports through its header
 * (included with -include) at batch 1 and 8. */
#include <stdio.h>

int main(void) {
  int64_t one = fulcrum_workspace_size_tiny_cnn(1);
  int64_t eight = fulcrum_workspace_size_tiny_cnn(8);
  printf("batch 1: %lld bytes\n", (long long)one);
  printf("batch 8: %lld bytes\n", (long long)eight);
  printf("grows with the batch: %s\n", eight > one ? "yes" : "no");
  return 0;
}
