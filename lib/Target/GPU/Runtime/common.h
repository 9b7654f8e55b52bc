/*===- common.h - What the GPU runtimes share -----------------------------===*
 *
 * Part of Fulcrum. The launch ABI of fulcrum-gpu-lower-launches, status
 * codes, and the cache of device buffers that mirror host buffers. Included
 * by vulkan.c and cuda.c (each compiled to bitcode and linked into GPU
 * artifacts, so everything here is static).
 *
 *===----------------------------------------------------------------------===*/

#ifndef FULCRUM_GPU_RUNTIME_COMMON_H
#define FULCRUM_GPU_RUNTIME_COMMON_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Status codes of the runtimes' functions. */
enum {
  FULCRUM_GPU_OK = 0,
  FULCRUM_GPU_NO_DRIVER = 1,  /* the driver library cannot be loaded */
  FULCRUM_GPU_NO_DEVICE = 2,  /* no (matching) device */
  FULCRUM_GPU_API_ERROR = 3,  /* a driver call failed */
  FULCRUM_GPU_BAD_LAUNCH = 4, /* a launch the device cannot run */
  FULCRUM_GPU_OUT_OF_MEMORY = 5,
};

/* Seconds on a monotonic clock (FULCRUM_GPU_PROFILE's timings). */
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* Whether FULCRUM_GPU_PROFILE asks for a profile at exit. */
static int profileWanted(void) {
  const char *profile = getenv("FULCRUM_GPU_PROFILE");
  return profile && *profile && *profile != '0';
}

/* One row of a launch's argument table (fulcrum-gpu-lower-launches). */
typedef struct {
  int64_t kind;  /* 0: buffer, 1: scalar */
  int64_t value; /* buffer: host address; scalar: its bits */
  int64_t bytes; /* buffer: extent; scalar: width */
  int64_t flags; /* 1: written by the kernel, 2: a constant global,
                    4: resident (only kernels use it: never copied),
                    8: written, and the next launch that uses it writes it
                    too (no copy back), 16: the launch before used it and
                    the host did not (no copy in while the mirror lives) */
} FulcrumGPUArg;

enum {
  kArgWritten = 1,
  kArgConstant = 2,
  kArgResident = 4,
  kArgKeepOnDevice = 8,
  kArgOnDevice = 16
};

/* A 1-D memref descriptor as the LLVM lowering passes it. */
#define FULCRUM_MEMREF1(name)                                                  \
  void *name##Allocated, void *name##Aligned, int64_t name##Offset,            \
      int64_t name##Size, int64_t name##Stride

/* The last error of this runtime instance: a status code and a message. */
typedef struct {
  int status;
  char message[512];
} FulcrumGPUError;

static int setError(FulcrumGPUError *error, int status, const char *format,
                    ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(error->message, sizeof error->message, format, args);
  va_end(args);
  error->status = status;
  return status;
}

/* A launch that failed leaves the model's results undefined: report and
 * stop the process rather than return garbage. */
static void failLaunch(const char *runtime, const FulcrumGPUError *error) {
  fprintf(stderr, "fulcrum: %s runtime error %d: %s\n", runtime, error->status,
          error->message);
  fflush(stderr);
  abort();
}

/* Device buffers mirroring host buffers, looked up by (address, size).
 * Buffers of constant globals are uploaded once; resident buffers (which
 * only kernels read and write) are never copied, and live until the model
 * releases them (fulcrum_<runtime>_release, where it frees the host
 * buffer); others are copied in before each launch and, when written, out
 * after it. */
typedef struct {
  const void *host;
  int64_t bytes;
  int constant;
  int resident;
  int uploaded;
  int current;  /* a launch used the device copy since it was made */
  int newer;    /* the device copy is newer than the host's (kept on it) */
  void *device; /* the runtime's handle */
} FulcrumGPUMirror;

enum { kMaxMirrors = 1024, kMaxTransientMirrors = 256 };

typedef struct {
  FulcrumGPUMirror entries[kMaxMirrors];
  int count;
  int transient;
} FulcrumGPUMirrors;

static FulcrumGPUMirror *findMirror(FulcrumGPUMirrors *mirrors,
                                    const void *host, int64_t bytes) {
  for (int i = 0; i < mirrors->count; ++i)
    if (mirrors->entries[i].host == host && mirrors->entries[i].bytes == bytes)
      return &mirrors->entries[i];
  return 0;
}

/* Drops the mirrors of copied buffers when there are too many (freed host
 * buffers leave theirs behind); `release` frees a handle. Constant,
 * resident and newer mirrors stay: they hold data that is not on the
 * host. */
static void trimMirrors(FulcrumGPUMirrors *mirrors, int needed,
                        void (*release)(void *device, int64_t bytes)) {
  if (mirrors->transient + needed <= kMaxTransientMirrors &&
      mirrors->count + needed <= kMaxMirrors)
    return;
  int kept = 0;
  for (int i = 0; i < mirrors->count; ++i) {
    if (mirrors->entries[i].constant || mirrors->entries[i].resident ||
        mirrors->entries[i].newer) {
      mirrors->entries[kept++] = mirrors->entries[i];
      continue;
    }
    release(mirrors->entries[i].device, mirrors->entries[i].bytes);
  }
  mirrors->count = kept;
  mirrors->transient = 0;
}

/* Frees the resident mirrors of the host buffer at `host` (the model frees
 * that buffer next). */
static void releaseResident(FulcrumGPUMirrors *mirrors, const void *host,
                            void (*release)(void *device, int64_t bytes)) {
  int kept = 0;
  for (int i = 0; i < mirrors->count; ++i) {
    if (mirrors->entries[i].host == host && mirrors->entries[i].resident) {
      release(mirrors->entries[i].device, mirrors->entries[i].bytes);
      continue;
    }
    mirrors->entries[kept++] = mirrors->entries[i];
  }
  mirrors->count = kept;
}

/* Device buffers the model freed, kept for the next allocation of the
 * same size: a model allocates the same intermediate buffers on every
 * call, and creating device memory costs a driver tens of microseconds
 * (on an H200, Vulkan spent about 80 us per launch on it). Sizes below
 * 16 bytes count as 16 (what the runtimes allocate). */
enum { kMaxPooled = 1024 };
static const int64_t kMaxPooledBytes = (int64_t)1 << 31;

typedef struct {
  struct {
    int64_t bytes;
    void *device;
  } entries[kMaxPooled];
  int count;
  int64_t bytes; /* held in all */
} FulcrumGPUPool;

static int64_t pooledSize(int64_t bytes) { return bytes < 16 ? 16 : bytes; }

/* A pooled buffer of `bytes`, taken out of the pool; 0 when there is none. */
static void *takePooled(FulcrumGPUPool *pool, int64_t bytes) {
  bytes = pooledSize(bytes);
  for (int i = pool->count - 1; i >= 0; --i)
    if (pool->entries[i].bytes == bytes) {
      void *device = pool->entries[i].device;
      pool->entries[i] = pool->entries[--pool->count];
      pool->bytes -= bytes;
      return device;
    }
  return 0;
}

/* Keeps a freed buffer of `bytes` for reuse; 0 when the pool is full (the
 * caller frees it). */
static int keepPooled(FulcrumGPUPool *pool, int64_t bytes, void *device) {
  bytes = pooledSize(bytes);
  if (pool->count == kMaxPooled || pool->bytes + bytes > kMaxPooledBytes)
    return 0;
  pool->entries[pool->count].bytes = bytes;
  pool->entries[pool->count++].device = device;
  pool->bytes += bytes;
  return 1;
}

/* The mirror of a buffer argument, made (with `allocate`) when there is
 * none; 0 when allocating fails (the runtime's error is set). A resident
 * use makes the mirror resident. */
static FulcrumGPUMirror *
getMirror(FulcrumGPUMirrors *mirrors, const FulcrumGPUArg *arg,
          int (*allocate)(int64_t bytes, void **device)) {
  const void *host = (const void *)(intptr_t)arg->value;
  FulcrumGPUMirror *mirror = findMirror(mirrors, host, arg->bytes);
  if (!mirror) {
    void *device;
    if (allocate(arg->bytes > 0 ? arg->bytes : 16, &device))
      return 0;
    mirror = &mirrors->entries[mirrors->count++];
    mirror->host = host;
    mirror->bytes = arg->bytes;
    mirror->constant = (arg->flags & kArgConstant) != 0;
    mirror->resident = 0;
    mirror->uploaded = 0;
    mirror->current = 0;
    mirror->newer = 0;
    mirror->device = device;
    if (!mirror->constant)
      ++mirrors->transient;
  }
  if (arg->flags & kArgResident)
    mirror->resident = 1;
  return mirror;
}

/* Whether a launch copies the buffer argument in before it runs. */
static int copiesIn(const FulcrumGPUArg *arg, const FulcrumGPUMirror *mirror) {
  if (arg->bytes <= 0 || (arg->flags & kArgResident))
    return 0;
  if ((arg->flags & kArgOnDevice) && mirror->current)
    return 0;
  return !mirror->constant || !mirror->uploaded;
}

/* Whether a launch copies the buffer argument out after it ran. */
static int copiesOut(const FulcrumGPUArg *arg) {
  return arg->kind == 0 && arg->bytes > 0 && (arg->flags & kArgWritten) &&
         !(arg->flags & (kArgResident | kArgKeepOnDevice));
}

/* Records what a launch leaves in a buffer argument's mirror: it is
 * current, and newer than the host's when the launch writes it and keeps
 * it on the device. */
static void noteLaunch(const FulcrumGPUArg *arg, FulcrumGPUMirror *mirror) {
  mirror->current = 1;
  mirror->newer = (arg->flags & kArgWritten) && (arg->flags & kArgKeepOnDevice);
}

/* A launch that does not run (an empty grid) still owes the host the
 * buffers an earlier launch handed to it: the mirrors of its kArgOnDevice
 * arguments that are newer and that it would not hand on. Returns the
 * first such argument from `from`, or `count` when there is none. */
static int64_t owedArg(const FulcrumGPUArg *args, int64_t count, int64_t from,
                       FulcrumGPUMirrors *mirrors, FulcrumGPUMirror **out) {
  for (int64_t i = from; i < count; ++i) {
    const FulcrumGPUArg *arg = &args[i];
    if (arg->kind != 0 || !(arg->flags & kArgOnDevice) ||
        (arg->flags & kArgKeepOnDevice))
      continue;
    FulcrumGPUMirror *mirror =
        findMirror(mirrors, (const void *)(intptr_t)arg->value, arg->bytes);
    if (mirror && mirror->newer) {
      *out = mirror;
      return i;
    }
  }
  return count;
}

#endif /* FULCRUM_GPU_RUNTIME_COMMON_H */
