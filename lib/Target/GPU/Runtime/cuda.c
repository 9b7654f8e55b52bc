/*===- cuda.c - The CUDA runtime of GPU artifacts -------------------------===*
 *
 * Part of Fulcrum. Runs the PTX (or cubin) kernels of a `--target=nvptx`
 * model through the CUDA driver API, loaded with dlopen (libcuda.so.1) on
 * the first launch: building and loading an artifact need no CUDA. Device
 * FULCRUM_CUDA_DEVICE (an ordinal, default 0) and its primary context are
 * used; modules and functions are loaded once; device buffers (cuMemAlloc,
 * no managed memory) mirror the model's host buffers (common.h). Launches
 * are queued on the default stream; the host waits for one only when it
 * copies a buffer out. Buffers only kernels use are resident (never
 * copied). FULCRUM_GPU_PROFILE=1 times every launch (synchronized) and
 * prints, at exit, the time in copies in, kernels and copies out.
 *
 *===----------------------------------------------------------------------===*/

#include "common.h"

#include <dlfcn.h>
#include <pthread.h>
#include <time.h>

/* The few driver API types and entry points used (cuda.h's ABI). */
typedef int CUresult;
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef unsigned long long CUdeviceptr;

#define FULCRUM_CU_FUNCTIONS(X)                                                \
  X(cuInit, CUresult, (unsigned))                                              \
  X(cuDeviceGet, CUresult, (CUdevice *, int))                                  \
  X(cuDeviceGetName, CUresult, (char *, int, CUdevice))                        \
  X(cuDevicePrimaryCtxRetain, CUresult, (CUcontext *, CUdevice))               \
  X(cuCtxSetCurrent, CUresult, (CUcontext))                                    \
  X(cuCtxSynchronize, CUresult, (void))                                        \
  X(cuModuleLoadData, CUresult, (CUmodule *, const void *))                    \
  X(cuModuleGetFunction, CUresult, (CUfunction *, CUmodule, const char *))     \
  X(cuMemAlloc_v2, CUresult, (CUdeviceptr *, size_t))                          \
  X(cuMemFree_v2, CUresult, (CUdeviceptr))                                     \
  X(cuMemcpyHtoD_v2, CUresult, (CUdeviceptr, const void *, size_t))            \
  X(cuMemcpyDtoH_v2, CUresult, (void *, CUdeviceptr, size_t))                  \
  X(cuLaunchKernel, CUresult,                                                  \
    (CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,   \
     unsigned, CUstream, void **, void **))                                    \
  X(cuGetErrorString, CUresult, (CUresult, const char **))

#define DECLARE(name, result, params) static result(*p_##name) params;
FULCRUM_CU_FUNCTIONS(DECLARE)
#undef DECLARE

typedef struct {
  const void *binary;
  const char *name;
  CUfunction function;
} Kernel;

typedef struct {
  const void *binary;
  CUmodule module;
} Module;

enum { kMaxKernels = 1024, kMaxModules = 16, kMaxArgs = 256 };

static struct {
  pthread_mutex_t lock;
  int initialized;
  FulcrumGPUError error;
  CUdevice device;
  CUcontext context;
  char deviceName[256];
  Module modules[kMaxModules];
  int moduleCount;
  Kernel kernels[kMaxKernels];
  int kernelCount;
  FulcrumGPUMirrors mirrors;
  FulcrumGPUPool pool;
  /* FULCRUM_GPU_PROFILE: seconds in copies in, kernels, copies out. */
  int profile;
  long launches;
  long buffersMade, buffersReused;
  double copyIn, running, copyOut;
} cu = {PTHREAD_MUTEX_INITIALIZER};

static void printProfile(void) {
  fprintf(stderr,
          "fulcrum: cuda profile: %ld launches; copies in %.3f ms, kernels "
          "%.3f ms, copies out %.3f ms; buffers: %ld made, %ld reused\n",
          cu.launches, 1e3 * cu.copyIn, 1e3 * cu.running, 1e3 * cu.copyOut,
          cu.buffersMade, cu.buffersReused);
}

static int check(CUresult result, const char *what) {
  if (result == 0)
    return FULCRUM_GPU_OK;
  const char *text = "unknown error";
  if (p_cuGetErrorString)
    p_cuGetErrorString(result, &text);
  return setError(&cu.error,
                  result == 2 ? FULCRUM_GPU_OUT_OF_MEMORY
                              : FULCRUM_GPU_API_ERROR,
                  "%s failed: %s (CUresult %d)", what, text, result);
}

#define CHECK(call, what)                                                      \
  do {                                                                         \
    int status_ = check((call), what);                                         \
    if (status_)                                                               \
      return status_;                                                          \
  } while (0)

static int initialize(void) {
  if (cu.initialized)
    return cu.error.status;
  cu.initialized = 1;
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return setError(&cu.error, FULCRUM_GPU_NO_DRIVER,
                    "cannot load libcuda.so.1 (no NVIDIA driver): %s",
                    dlerror());
#define LOAD(name, result, params)                                             \
  p_##name = (result(*) params)dlsym(library, #name);                          \
  if (!p_##name)                                                               \
    return setError(&cu.error, FULCRUM_GPU_NO_DRIVER,                          \
                    "libcuda.so.1 has no " #name);
  FULCRUM_CU_FUNCTIONS(LOAD)
#undef LOAD
  CHECK(p_cuInit(0), "cuInit");
  int ordinal = 0;
  if (getenv("FULCRUM_CUDA_DEVICE"))
    ordinal = atoi(getenv("FULCRUM_CUDA_DEVICE"));
  CUresult result = p_cuDeviceGet(&cu.device, ordinal);
  if (result)
    return setError(&cu.error, FULCRUM_GPU_NO_DEVICE,
                    "no CUDA device %d (CUresult %d)", ordinal, result);
  CHECK(p_cuDeviceGetName(cu.deviceName, sizeof cu.deviceName, cu.device),
        "cuDeviceGetName");
  CHECK(p_cuDevicePrimaryCtxRetain(&cu.context, cu.device),
        "cuDevicePrimaryCtxRetain");
  if (profileWanted()) {
    cu.profile = 1;
    atexit(printProfile);
  }
  return FULCRUM_GPU_OK;
}

/* Frees a mirror's device buffer into the pool (launches queued on the
 * default stream that still use it run before any later use), or to the
 * driver when the pool is full. */
static void releaseBuffer(void *handle, int64_t bytes) {
  if (!keepPooled(&cu.pool, bytes, handle))
    p_cuMemFree_v2((CUdeviceptr)(uintptr_t)handle);
}

/* A mirror's device buffer (getMirror's allocator): a pooled one of the
 * same size, else a new one. */
static int allocateBuffer(int64_t bytes, void **device) {
  if ((*device = takePooled(&cu.pool, bytes))) {
    ++cu.buffersReused;
    return FULCRUM_GPU_OK;
  }
  ++cu.buffersMade;
  CUdeviceptr pointer;
  CHECK(p_cuMemAlloc_v2(&pointer, (size_t)pooledSize(bytes)), "cuMemAlloc");
  *device = (void *)(uintptr_t)pointer;
  return FULCRUM_GPU_OK;
}

static int getFunction(const uint8_t *binary, const char *name,
                       CUfunction *out) {
  for (int i = 0; i < cu.kernelCount; ++i)
    if (cu.kernels[i].binary == binary && cu.kernels[i].name == name) {
      *out = cu.kernels[i].function;
      return FULCRUM_GPU_OK;
    }
  if (cu.kernelCount == kMaxKernels)
    return setError(&cu.error, FULCRUM_GPU_BAD_LAUNCH, "more than %d kernels",
                    kMaxKernels);
  CUmodule module = 0;
  for (int i = 0; i < cu.moduleCount; ++i)
    if (cu.modules[i].binary == binary)
      module = cu.modules[i].module;
  if (!module) {
    if (cu.moduleCount == kMaxModules)
      return setError(&cu.error, FULCRUM_GPU_BAD_LAUNCH, "more than %d modules",
                      kMaxModules);
    /* PTX text is NUL-terminated in the artifact; cubins are ELF. */
    CHECK(p_cuModuleLoadData(&module, binary), "cuModuleLoadData");
    cu.modules[cu.moduleCount].binary = binary;
    cu.modules[cu.moduleCount++].module = module;
  }
  CUfunction function;
  CUresult result = p_cuModuleGetFunction(&function, module, name);
  if (result)
    return check(result, name);
  cu.kernels[cu.kernelCount].binary = binary;
  cu.kernels[cu.kernelCount].name = name;
  cu.kernels[cu.kernelCount++].function = function;
  *out = function;
  return FULCRUM_GPU_OK;
}

static int launch(const uint8_t *binary, const char *name,
                  const int64_t grid[3], const int64_t block[3],
                  const FulcrumGPUArg *args, int64_t count) {
  int status = initialize();
  if (status)
    return status;
  CHECK(p_cuCtxSetCurrent(cu.context), "cuCtxSetCurrent");
  if (count > kMaxArgs)
    return setError(&cu.error, FULCRUM_GPU_BAD_LAUNCH,
                    "kernel %s has %lld arguments", name, (long long)count);
  if (grid[0] <= 0 || grid[1] <= 0 || grid[2] <= 0) {
    /* Nothing runs, but buffers handed to this launch go back now. */
    FulcrumGPUMirror *mirror;
    for (int64_t i = owedArg(args, count, 0, &cu.mirrors, &mirror); i < count;
         i = owedArg(args, count, i + 1, &cu.mirrors, &mirror)) {
      CHECK(p_cuMemcpyDtoH_v2((void *)(intptr_t)args[i].value,
                              (CUdeviceptr)(uintptr_t)mirror->device,
                              (size_t)args[i].bytes),
            "cuMemcpyDtoH");
      mirror->newer = 0;
    }
    return FULCRUM_GPU_OK;
  }
  CUfunction function;
  status = getFunction(binary, name, &function);
  if (status)
    return status;
  trimMirrors(&cu.mirrors, (int)count, releaseBuffer);
  double start = cu.profile ? now() : 0;
  int64_t values[kMaxArgs];
  void *params[kMaxArgs];
  CUdeviceptr pointers[kMaxArgs];
  int waits = cu.profile;
  for (int64_t i = 0; i < count; ++i) {
    const FulcrumGPUArg *arg = &args[i];
    pointers[i] = 0;
    if (arg->kind == 1) {
      values[i] = arg->value;
      params[i] = &values[i];
      continue;
    }
    FulcrumGPUMirror *mirror = getMirror(&cu.mirrors, arg, allocateBuffer);
    if (!mirror)
      return cu.error.status;
    pointers[i] = (CUdeviceptr)(uintptr_t)mirror->device;
    if (copiesIn(arg, mirror)) {
      CHECK(p_cuMemcpyHtoD_v2(pointers[i], (const void *)(intptr_t)arg->value,
                              (size_t)arg->bytes),
            "cuMemcpyHtoD");
      mirror->uploaded = 1;
    }
    noteLaunch(arg, mirror);
    waits |= copiesOut(arg);
    params[i] = &pointers[i];
  }
  double launched = cu.profile ? now() : 0;
  CHECK(p_cuLaunchKernel(function, (unsigned)grid[0], (unsigned)grid[1],
                         (unsigned)grid[2], (unsigned)block[0],
                         (unsigned)block[1], (unsigned)block[2], 0, 0, params,
                         0),
        name);
  /* The default stream orders later launches and copies after this one;
   * the host waits only to read results. */
  if (waits)
    CHECK(p_cuCtxSynchronize(), name);
  double ran = cu.profile ? now() : 0;
  for (int64_t i = 0; i < count; ++i)
    if (pointers[i] && copiesOut(&args[i]))
      CHECK(p_cuMemcpyDtoH_v2((void *)(intptr_t)args[i].value, pointers[i],
                              (size_t)args[i].bytes),
            "cuMemcpyDtoH");
  if (cu.profile) {
    double done = now();
    ++cu.launches;
    cu.copyIn += launched - start;
    cu.running += ran - launched;
    cu.copyOut += done - ran;
  }
  return FULCRUM_GPU_OK;
}

/* Called by the model for each gpu.launch_func. */
void fulcrum_cuda_launch(FULCRUM_MEMREF1(binary), FULCRUM_MEMREF1(name),
                         int64_t gridX, int64_t gridY, int64_t gridZ,
                         int64_t blockX, int64_t blockY, int64_t blockZ,
                         void *argsAllocated, void *argsAligned,
                         int64_t argsOffset, int64_t argsRows,
                         int64_t argsColumns, int64_t argsStride0,
                         int64_t argsStride1) {
  (void)binaryAllocated, (void)binarySize, (void)binaryStride;
  (void)nameAllocated, (void)nameOffset, (void)nameSize, (void)nameStride;
  (void)argsAllocated, (void)argsColumns, (void)argsStride0, (void)argsStride1;
  const int64_t grid[3] = {gridX, gridY, gridZ};
  const int64_t block[3] = {blockX, blockY, blockZ};
  pthread_mutex_lock(&cu.lock);
  int status =
      launch((const uint8_t *)binaryAligned + binaryOffset,
             (const char *)nameAligned, grid, block,
             (const FulcrumGPUArg *)((const int64_t *)argsAligned + argsOffset),
             argsRows);
  pthread_mutex_unlock(&cu.lock);
  if (status)
    failLaunch("cuda", &cu.error);
}

/* The status of the runtime (initializing it): 0, or a FULCRUM_GPU_* code
 * with fulcrum_cuda_error() saying why (e.g. no driver). */
int fulcrum_cuda_status(void) {
  pthread_mutex_lock(&cu.lock);
  int status = initialize();
  pthread_mutex_unlock(&cu.lock);
  return status;
}

const char *fulcrum_cuda_error(void) { return cu.error.message; }

/* Called by the model before it frees a resident buffer. */
void fulcrum_cuda_release(int64_t host) {
  pthread_mutex_lock(&cu.lock);
  if (cu.initialized && !cu.error.status)
    releaseResident(&cu.mirrors, (const void *)(intptr_t)host, releaseBuffer);
  pthread_mutex_unlock(&cu.lock);
}

const char *fulcrum_cuda_device(void) { return cu.deviceName; }
