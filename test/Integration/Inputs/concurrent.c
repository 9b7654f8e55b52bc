/* Many threads call one compiled model at once, each on its own inputs
 * (batch 1, with and without a workspace of its own); every result must
 * equal, bit for bit, the result of the same input computed serially
 * before. Usage: concurrent THREADS ROUNDS [pool]; with `pool`, the
 * threads are fulcrum_parallel_for's (the C runtime), one task per thread. */
#include "fulcrum_runtime.h"
#include "tiny_cnn.h"

#include <pthread.h>
#include <stdio.h>

enum { IMAGES = 64, PIXELS = 784, CLASSES = 10 };

static float images[IMAGES][PIXELS];
static float serial[IMAGES][CLASSES];
static int threads, rounds;
static int mismatches, failures;
static void *work(void *arg);
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void task(int64_t index, void *context) {
  (void)context;
  work((void *)(intptr_t)index);
}

static void *work(void *arg) {
  int id = (int)(intptr_t)arg, bad = 0, failed = 0;
  size_t size = tiny_cnn_workspace_size(1);
  void *workspace = aligned_alloc(64, (size + 63) / 64 * 64 + 64);
  for (int r = 0; r < rounds; ++r) {
    /* Threads walk the images from different starts. */
    int i = (id * 7 + r) % IMAGES;
    float probs[CLASSES];
    int use = (r + id) % 2;
    if (tiny_cnn_run(1, images[i], probs, use ? workspace : NULL,
                     use ? size : 0) != FULCRUM_OK)
      ++failed;
    else if (memcmp(probs, serial[i], sizeof probs) != 0)
      ++bad;
  }
  free(workspace);
  pthread_mutex_lock(&lock);
  mismatches += bad;
  failures += failed;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(int argc, char **argv) {
  threads = argc > 1 ? atoi(argv[1]) : 16;
  rounds = argc > 2 ? atoi(argv[2]) : 50;
  unsigned seed = 12345;
  for (int i = 0; i < IMAGES; ++i)
    for (int p = 0; p < PIXELS; ++p) {
      seed = seed * 1103515245u + 12345u;
      images[i][p] = (float)((seed >> 16) & 255) / 255.0f;
    }
  for (int i = 0; i < IMAGES; ++i)
    if (tiny_cnn_run(1, images[i], serial[i], NULL, 0) != FULCRUM_OK)
      return 1;
  if (argc > 3 && strcmp(argv[3], "pool") == 0) {
    fulcrum_status s = fulcrum_parallel_for(threads, threads, task, NULL);
    printf("pool of %d threads x %d calls: %d differ from the serial "
           "results, %d failed, status %s\n",
           threads, rounds, mismatches, failures, fulcrum_status_string(s));
    return mismatches || failures || s;
  }
  pthread_t ids[256];
  if (threads > 256)
    threads = 256;
  for (int t = 0; t < threads; ++t)
    if (pthread_create(&ids[t], NULL, work, (void *)(intptr_t)t) != 0)
      return 1;
  for (int t = 0; t < threads; ++t)
    pthread_join(ids[t], NULL);
  printf("%d threads x %d calls: %d differ from the serial results, %d "
         "failed\n",
         threads, rounds, mismatches, failures);
  return mismatches || failures;
}
