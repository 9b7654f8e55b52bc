/* The checked descriptor call of a generated header (add_batch_call) and
 * the plain-pointer call: bad input descriptors get a status and a message,
 * and nothing runs; good ones give a + b. Built with AddressSanitizer, so a
 * check that let the model read past a buffer would be reported. */
#include "add_batch.h"

#include <stdio.h>

/* Threads of this process (/proc/self/status): failed calls start none. */
static int threads(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  int n = -1;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "Threads: %d", &n) == 1)
      break;
  if (f)
    fclose(f);
  return n;
}

static void report(const char *what, int status, const char *message) {
  printf("%s: %d %s: %s\n", what, status, fulcrum_status_message(status),
         message);
}

int main(void) {
  enum { N = 3 };
  float *a = malloc(N * 4 * sizeof(float)), *b = malloc(N * 4 * sizeof(float));
  for (int i = 0; i < N * 4; ++i) {
    a[i] = (float)i;
    b[i] = (float)(100 * i);
  }
  char message[256];
  add_batch_results results;
  fulcrum_memref_f32_2d da = {a, a, 0, {N, 4}, {4, 1}};
  fulcrum_memref_f32_2d db = {b, b, 0, {N, 4}, {4, 1}};
  int status = add_batch_call(&results, &da, &db, message, sizeof message);
  int same = 0;
  if (status == FULCRUM_OK) {
    const float *y = results.r0.aligned + results.r0.offset;
    for (int i = 0; i < N * 4; ++i)
      same += y[i] == a[i] + b[i];
    free(results.r0.allocated);
  }
  printf("good: %d, equal to a + b: %d of %d\n", status, same, N * 4);

  /* Each case breaks one thing of a good call. */
  fulcrum_memref_f32_2d x = db;
  x.sizes[1] = 5;
  report("static dimension",
         add_batch_call(&results, &da, &x, message, sizeof message), message);
  x = db;
  x.sizes[0] = N - 1;
  report("batch", add_batch_call(&results, &da, &x, message, sizeof message),
         message);
  x = db;
  x.sizes[0] = -1;
  report("negative", add_batch_call(&results, &da, &x, message, sizeof message),
         message);
  x = db;
  x.strides[0] = 1;
  x.strides[1] = N;
  report("strides", add_batch_call(&results, &da, &x, message, sizeof message),
         message);
  x = db;
  x.offset = -4;
  report("offset", add_batch_call(&results, &da, &x, message, sizeof message),
         message);
  report("null descriptor",
         add_batch_call(&results, &da, NULL, message, sizeof message), message);
  x = db;
  x.aligned = NULL;
  report("null data",
         add_batch_call(&results, &da, &x, message, sizeof message), message);
  fulcrum_memref_f32_2d ha = da, hb = db;
  ha.sizes[0] = hb.sizes[0] = (int64_t)1 << 47;
  report("huge", add_batch_call(&results, &ha, &hb, message, sizeof message),
         message);
  /* An empty batch is fine (no data is read). */
  fulcrum_memref_f32_2d ea = {NULL, NULL, 0, {0, 4}, {4, 1}}, eb = ea;
  status = add_batch_call(&results, &ea, &eb, message, sizeof message);
  printf("empty batch: %d\n", status);
  if (status == FULCRUM_OK)
    free(results.r0.allocated);
  /* No message buffer is needed. */
  printf("no message: %d\n", add_batch_call(&results, &da, &x, NULL, 0));

  /* The plain-pointer call: a batch whose tensors would exceed 2^48 bytes. */
  float y[N * 4];
  printf("run: %d, huge batch: %d\n", add_batch_run(N, a, b, y, NULL, 0),
         add_batch_run((int64_t)1 << 46, a, b, y, NULL, 0));
  printf("threads: %d\n", threads());
  free(a);
  free(b);
  return 0;
}
