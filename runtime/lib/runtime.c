/* Fulcrum's C runtime. See fulcrum_runtime.h. */
#include "fulcrum_runtime.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

const char *fulcrum_status_string(fulcrum_status status) {
  switch (status) {
  case FULCRUM_OK:
    return "ok";
  case FULCRUM_ERROR_INVALID_ARGUMENT:
    return "invalid argument";
  case FULCRUM_ERROR_OUT_OF_MEMORY:
    return "out of memory";
  case FULCRUM_ERROR_THREAD:
    return "cannot start a thread";
  case FULCRUM_ERROR_SHAPE_MISMATCH:
    return "an output's shape differs from the buffer's";
  case FULCRUM_ERROR_INPUT_SHAPE:
    return "an input's shape or layout differs from the model's";
  }
  return "unknown status";
}

fulcrum_status fulcrum_memref_view(const fulcrum_tensor *tensor,
                                   void *descriptor) {
  if (!tensor || !descriptor || tensor->rank < 0 ||
      tensor->rank > FULCRUM_MAX_RANK)
    return FULCRUM_ERROR_INVALID_ARGUMENT;
  /* {allocated, aligned, offset, sizes[rank], strides[rank]}: pointers and
   * 64-bit integers, all 8 bytes on the supported targets. */
  int64_t *words = (int64_t *)descriptor;
  words[0] = (int64_t)(intptr_t)tensor->data;
  words[1] = (int64_t)(intptr_t)tensor->data;
  words[2] = 0;
  int64_t stride = 1;
  for (int32_t d = tensor->rank - 1; d >= 0; --d) {
    if (tensor->shape[d] < 0)
      return FULCRUM_ERROR_INVALID_ARGUMENT;
    words[3 + d] = tensor->shape[d];
    words[3 + tensor->rank + d] = stride;
    stride *= tensor->shape[d];
  }
  return FULCRUM_OK;
}

void fulcrum_free_result(void *allocated) { free(allocated); }

typedef struct {
  atomic_long next;
  int64_t n;
  fulcrum_task_fn fn;
  void *context;
} loop_state;

static void *worker(void *arg) {
  loop_state *state = (loop_state *)arg;
  for (;;) {
    int64_t i = atomic_fetch_add(&state->next, 1);
    if (i >= state->n)
      return NULL;
    state->fn(i, state->context);
  }
}

fulcrum_status fulcrum_parallel_for(int64_t n, int threads, fulcrum_task_fn fn,
                                    void *context) {
  if (n < 0 || threads < 0 || !fn)
    return FULCRUM_ERROR_INVALID_ARGUMENT;
  if (threads == 0) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    threads = cpus > 0 ? (int)cpus : 1;
  }
  if (threads > n)
    threads = n > 0 ? (int)n : 1;
  loop_state state;
  atomic_init(&state.next, 0);
  state.n = n;
  state.fn = fn;
  state.context = context;
  pthread_t *ids = calloc((size_t)threads, sizeof(pthread_t));
  if (!ids)
    return FULCRUM_ERROR_OUT_OF_MEMORY;
  /* The calling thread is worker 0. */
  int started = 0;
  fulcrum_status status = FULCRUM_OK;
  for (int t = 1; t < threads; ++t) {
    if (pthread_create(&ids[t], NULL, worker, &state) != 0) {
      status = FULCRUM_ERROR_THREAD;
      break;
    }
    ++started;
  }
  worker(&state);
  for (int t = 1; t <= started; ++t)
    pthread_join(ids[t], NULL);
  free(ids);
  return status;
}
