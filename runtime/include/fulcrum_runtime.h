/* Fulcrum's C runtime: what programs that link a compiled model may use.
 *
 * A model compiled by fulcrum-compile needs only libc and libm; this small
 * library adds conveniences around its ABI (see the generated header):
 * status codes, memref descriptors viewing plain row-major buffers, freeing
 * results, and a thread pool-free parallel loop to run the entry point on
 * slices of a batch from several threads (the entry point is re-entrant:
 * it keeps no global state). */
#ifndef FULCRUM_RUNTIME_H
#define FULCRUM_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Also defined by the headers fulcrum-compile generates.
 *   FULCRUM_OK (0): the call ran.
 *   FULCRUM_ERROR_INVALID_ARGUMENT (1): a NULL pointer or descriptor, a
 *     batch below 1 or too large (over 2^48 bytes in one tensor), a
 *     workspace too small or not 64-byte aligned; nothing ran.
 *   FULCRUM_ERROR_OUT_OF_MEMORY (2): a result could not be allocated.
 *   FULCRUM_ERROR_THREAD (3): a thread could not be started; the threads
 *     started were joined, none is left running.
 *   FULCRUM_ERROR_SHAPE_MISMATCH (4): an output's shape differs from the
 *     caller's buffer (`<name>_run`); the buffer is left unwritten.
 *   FULCRUM_ERROR_INPUT_SHAPE (5): an input descriptor's sizes differ from
 *     the model's static dimensions, inputs disagree on the batch, or its
 *     offset or strides are not those of a dense row-major tensor
 *     (`<name>_check`, `<name>_call`); nothing ran, and the message says
 *     which input and dimension.
 * A failed call leaves no thread running and nothing allocated. */
#ifndef FULCRUM_STATUS_DEFINED
#define FULCRUM_STATUS_DEFINED
typedef enum {
  FULCRUM_OK = 0,
  FULCRUM_ERROR_INVALID_ARGUMENT = 1,
  FULCRUM_ERROR_OUT_OF_MEMORY = 2,
  FULCRUM_ERROR_THREAD = 3,
  FULCRUM_ERROR_SHAPE_MISMATCH = 4,
  FULCRUM_ERROR_INPUT_SHAPE = 5,
} fulcrum_status;
#endif

/* A short English description of a status. */
const char *fulcrum_status_string(fulcrum_status status);

enum { FULCRUM_MAX_RANK = 8 };

/* A dense, row-major tensor owned by the application. `dtype` is an ONNX
 * TensorProto data type (1 = float32, 7 = int64, ...). */
typedef struct {
  void *data;
  int32_t dtype;
  int32_t rank;
  int64_t shape[FULCRUM_MAX_RANK];
} fulcrum_tensor;

/* Fills a memref descriptor of rank `tensor->rank` (any of the generated
 * `fulcrum_memref_<type>_<rank>d` structs) so that it views `tensor`:
 * allocated = aligned = data, offset 0, sizes = shape, row-major strides. */
fulcrum_status fulcrum_memref_view(const fulcrum_tensor *tensor,
                                   void *descriptor);

/* Frees a result buffer returned by an entry point (`rN.allocated`). */
void fulcrum_free_result(void *allocated);

/* Runs fn(i, context) for every i in [0, n) on up to `threads` threads
 * (0: one per processor). Returns when all calls have finished. */
typedef void (*fulcrum_task_fn)(int64_t index, void *context);
fulcrum_status fulcrum_parallel_for(int64_t n, int threads, fulcrum_task_fn fn,
                                    void *context);

#ifdef __cplusplus
}
#endif

#endif /* FULCRUM_RUNTIME_H */
