/*===- vulkan.c - The Vulkan runtime of GPU artifacts ---------------------===*
 *
 * Part of Fulcrum. Runs the SPIR-V compute shaders of a `--target=vulkan`
 * model. libvulkan.so.1 is loaded with dlopen on the first launch, so
 * neither building nor loading an artifact needs Vulkan. The first device
 * is used, or the one FULCRUM_VULKAN_DEVICE names (its index in the
 * instance's list, or a part of its name, e.g. `llvmpipe`). Shader modules
 * and pipelines are made once per kernel (through one VkPipelineCache);
 * buffers are host-visible device memory mirroring the model's host
 * buffers (common.h). Launches are recorded into one command buffer, with a
 * barrier between consecutive dispatches, and submitted together when the
 * host needs a result: a launch that copies a buffer out, a copy in that
 * would change a buffer recorded dispatches read, or a full batch. Buffers
 * released meanwhile are destroyed after the batch ran.
 *
 *===----------------------------------------------------------------------===*/

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include "common.h"

#include <dlfcn.h>
#include <pthread.h>

#define FULCRUM_VK_FUNCTIONS(X)                                                \
  X(vkDestroyInstance)                                                         \
  X(vkEnumeratePhysicalDevices)                                                \
  X(vkGetPhysicalDeviceProperties)                                             \
  X(vkGetPhysicalDeviceFeatures2)                                              \
  X(vkGetPhysicalDeviceQueueFamilyProperties)                                  \
  X(vkGetPhysicalDeviceMemoryProperties)                                       \
  X(vkCreateDevice)                                                            \
  X(vkGetDeviceQueue)                                                          \
  X(vkCreateBuffer)                                                            \
  X(vkDestroyBuffer)                                                           \
  X(vkGetBufferMemoryRequirements)                                             \
  X(vkAllocateMemory)                                                          \
  X(vkFreeMemory)                                                              \
  X(vkBindBufferMemory)                                                        \
  X(vkMapMemory)                                                               \
  X(vkCreateShaderModule)                                                      \
  X(vkCreateDescriptorSetLayout)                                               \
  X(vkCreatePipelineLayout)                                                    \
  X(vkCreatePipelineCache)                                                     \
  X(vkCreateComputePipelines)                                                  \
  X(vkCreateDescriptorPool)                                                    \
  X(vkResetDescriptorPool)                                                     \
  X(vkAllocateDescriptorSets)                                                  \
  X(vkUpdateDescriptorSets)                                                    \
  X(vkCreateCommandPool)                                                       \
  X(vkAllocateCommandBuffers)                                                  \
  X(vkBeginCommandBuffer)                                                      \
  X(vkEndCommandBuffer)                                                        \
  X(vkResetCommandBuffer)                                                      \
  X(vkCmdBindPipeline)                                                         \
  X(vkCmdBindDescriptorSets)                                                   \
  X(vkCmdDispatch)                                                             \
  X(vkCmdPipelineBarrier)                                                      \
  X(vkCreateFence)                                                             \
  X(vkResetFences)                                                             \
  X(vkWaitForFences)                                                           \
  X(vkQueueSubmit)

#define DECLARE(name) static PFN_##name name;
FULCRUM_VK_FUNCTIONS(DECLARE)
#undef DECLARE

typedef struct {
  const void *binary;
  const char *name;
  VkDescriptorSetLayout setLayout;
  VkPipelineLayout layout;
  VkPipeline pipeline;
  int bindings;
} Kernel;

typedef struct {
  const void *binary;
  VkShaderModule module;
} Shader;

typedef struct {
  VkBuffer buffer;
  VkDeviceMemory memory;
  void *mapped;
  VkDeviceSize size;
  uint64_t batch; /* the last batch whose dispatches use it */
} Buffer;

enum {
  kMaxKernels = 1024,
  kMaxShaders = 16,
  kMaxBindings = 64,
  kScalarSlot = 256,
  /* A batch's room: dispatches (a descriptor set each), their storage
   * buffer descriptors, and scalar slots; a launch that does not fit
   * submits the batch first. */
  kBatchDispatches = 1024,
  kBatchDescriptors = 16384,
  kBatchScalars = 4096,
};

static struct {
  pthread_mutex_t lock;
  int initialized;
  FulcrumGPUError error;
  VkInstance instance;
  VkPhysicalDevice physical;
  VkPhysicalDeviceProperties properties;
  VkPhysicalDeviceMemoryProperties memory;
  VkDevice device;
  VkQueue queue;
  uint32_t queueFamily;
  VkPipelineCache pipelineCache;
  VkDescriptorPool descriptorPool;
  VkCommandPool commandPool;
  VkCommandBuffer commands;
  VkFence fence;
  Shader shaders[kMaxShaders];
  int shaderCount;
  Kernel kernels[kMaxKernels];
  int kernelCount;
  FulcrumGPUMirrors mirrors;
  FulcrumGPUPool pool;
  Buffer *scalars; /* the batch's scalar arguments, a slot each */
  /* The open batch: its number (buffers it uses carry it), and what it
   * holds so far. */
  uint64_t batch;
  int dispatches;
  int descriptors;
  int scalarSlots;
  /* Buffers released while the open batch may use them. */
  Buffer **graveyard;
  int graveyardCount;
  int graveyardCapacity;
  /* FULCRUM_GPU_PROFILE: launches, submissions (those a copy in forced),
   * seconds waiting for submitted batches. */
  int profile;
  long launches, submissions, contentionFlushes;
  long buffersMade, buffersReused;
  double waiting;
} vk = {PTHREAD_MUTEX_INITIALIZER, .batch = 1};

static void printProfile(void) {
  fprintf(stderr,
          "fulcrum: vulkan profile: %ld launches in %ld submissions (%ld "
          "before a copy in); waiting %.3f ms; buffers: %ld made, %ld "
          "reused\n",
          vk.launches, vk.submissions, vk.contentionFlushes, 1e3 * vk.waiting,
          vk.buffersMade, vk.buffersReused);
}

static int check(VkResult result, const char *what) {
  if (result == VK_SUCCESS)
    return FULCRUM_GPU_OK;
  return setError(&vk.error,
                  result == VK_ERROR_OUT_OF_HOST_MEMORY ||
                          result == VK_ERROR_OUT_OF_DEVICE_MEMORY
                      ? FULCRUM_GPU_OUT_OF_MEMORY
                      : FULCRUM_GPU_API_ERROR,
                  "%s failed (VkResult %d)", what, (int)result);
}

#define CHECK(call, what)                                                      \
  do {                                                                         \
    int status_ = check((call), what);                                         \
    if (status_)                                                               \
      return status_;                                                          \
  } while (0)

/* The device FULCRUM_VULKAN_DEVICE names, or the first. */
static int selectDevice(void) {
  uint32_t count = 0;
  CHECK(vkEnumeratePhysicalDevices(vk.instance, &count, 0),
        "vkEnumeratePhysicalDevices");
  if (count == 0)
    return setError(&vk.error, FULCRUM_GPU_NO_DEVICE,
                    "the Vulkan instance has no physical devices");
  VkPhysicalDevice devices[16];
  if (count > 16)
    count = 16;
  CHECK(vkEnumeratePhysicalDevices(vk.instance, &count, devices),
        "vkEnumeratePhysicalDevices");
  const char *wanted = getenv("FULCRUM_VULKAN_DEVICE");
  char names[400] = "";
  for (uint32_t i = 0; i < count; ++i) {
    VkPhysicalDeviceProperties properties;
    vkGetPhysicalDeviceProperties(devices[i], &properties);
    size_t used = strlen(names);
    snprintf(names + used, sizeof names - used, "%s%u: %s", i ? ", " : "", i,
             properties.deviceName);
    int match = !wanted || !*wanted;
    if (!match) {
      char *end;
      long index = strtol(wanted, &end, 10);
      match = *end == 0 ? index == (long)i
                        : strstr(properties.deviceName, wanted) != 0;
    }
    if (match && !vk.physical) {
      vk.physical = devices[i];
      vk.properties = properties;
    }
  }
  if (!vk.physical)
    return setError(&vk.error, FULCRUM_GPU_NO_DEVICE,
                    "FULCRUM_VULKAN_DEVICE=%s matches no device (%s)", wanted,
                    names);
  return FULCRUM_GPU_OK;
}

static int createDevice(void) {
  uint32_t families = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(vk.physical, &families, 0);
  VkQueueFamilyProperties properties[16];
  if (families > 16)
    families = 16;
  vkGetPhysicalDeviceQueueFamilyProperties(vk.physical, &families, properties);
  uint32_t family = families;
  for (uint32_t i = 0; i < families && family == families; ++i)
    if (properties[i].queueFlags & VK_QUEUE_COMPUTE_BIT)
      family = i;
  if (family == families)
    return setError(&vk.error, FULCRUM_GPU_NO_DEVICE, "%s has no compute queue",
                    vk.properties.deviceName);
  vk.queueFamily = family;

  /* Enable the optional features the kernels may use, where present. */
  VkPhysicalDeviceShaderFloat16Int8Features float16Int8 = {
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
  VkPhysicalDevice8BitStorageFeatures storage8 = {
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES, &float16Int8};
  VkPhysicalDevice16BitStorageFeatures storage16 = {
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES, &storage8};
  VkPhysicalDeviceFeatures2 features = {
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &storage16};
  vkGetPhysicalDeviceFeatures2(vk.physical, &features);
  VkPhysicalDeviceFeatures2 enabled = {
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &storage16};
  enabled.features.shaderInt64 = features.features.shaderInt64;
  enabled.features.shaderInt16 = features.features.shaderInt16;
  enabled.features.shaderFloat64 = features.features.shaderFloat64;
  storage16.uniformAndStorageBuffer16BitAccess = 0;
  storage16.storagePushConstant16 = 0;
  storage16.storageInputOutput16 = 0;
  storage8.uniformAndStorageBuffer8BitAccess = 0;
  storage8.storagePushConstant8 = 0;

  float priority = 1;
  VkDeviceQueueCreateInfo queue = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queue.queueFamilyIndex = family;
  queue.queueCount = 1;
  queue.pQueuePriorities = &priority;
  VkDeviceCreateInfo info = {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, &enabled};
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &queue;
  CHECK(vkCreateDevice(vk.physical, &info, 0, &vk.device), "vkCreateDevice");
  vkGetDeviceQueue(vk.device, family, 0, &vk.queue);
  vkGetPhysicalDeviceMemoryProperties(vk.physical, &vk.memory);
  return FULCRUM_GPU_OK;
}

static int createQueueObjects(void) {
  VkPipelineCacheCreateInfo cache = {
      VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  CHECK(vkCreatePipelineCache(vk.device, &cache, 0, &vk.pipelineCache),
        "vkCreatePipelineCache");
  VkDescriptorPoolSize size = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                               kBatchDescriptors};
  VkDescriptorPoolCreateInfo pool = {
      VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  pool.maxSets = kBatchDispatches;
  pool.poolSizeCount = 1;
  pool.pPoolSizes = &size;
  CHECK(vkCreateDescriptorPool(vk.device, &pool, 0, &vk.descriptorPool),
        "vkCreateDescriptorPool");
  VkCommandPoolCreateInfo commandPool = {
      VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  commandPool.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  commandPool.queueFamilyIndex = vk.queueFamily;
  CHECK(vkCreateCommandPool(vk.device, &commandPool, 0, &vk.commandPool),
        "vkCreateCommandPool");
  VkCommandBufferAllocateInfo commands = {
      VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  commands.commandPool = vk.commandPool;
  commands.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  commands.commandBufferCount = 1;
  CHECK(vkAllocateCommandBuffers(vk.device, &commands, &vk.commands),
        "vkAllocateCommandBuffers");
  VkFenceCreateInfo fence = {VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  CHECK(vkCreateFence(vk.device, &fence, 0, &vk.fence), "vkCreateFence");
  return FULCRUM_GPU_OK;
}

static int initialize(void) {
  if (vk.initialized)
    return vk.error.status;
  vk.initialized = 1;
  void *library = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return setError(&vk.error, FULCRUM_GPU_NO_DRIVER,
                    "cannot load libvulkan.so.1 (%s)", dlerror());
  PFN_vkGetInstanceProcAddr getInstanceProcAddr =
      (PFN_vkGetInstanceProcAddr)dlsym(library, "vkGetInstanceProcAddr");
  PFN_vkCreateInstance createInstance =
      getInstanceProcAddr
          ? (PFN_vkCreateInstance)getInstanceProcAddr(0, "vkCreateInstance")
          : 0;
  if (!createInstance)
    return setError(&vk.error, FULCRUM_GPU_NO_DRIVER,
                    "libvulkan.so.1 has no vkCreateInstance");
  VkApplicationInfo app = {VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "fulcrum";
  app.apiVersion = VK_API_VERSION_1_1;
  VkInstanceCreateInfo info = {VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  info.pApplicationInfo = &app;
  VkResult result = createInstance(&info, 0, &vk.instance);
  if (result != VK_SUCCESS)
    return setError(&vk.error, FULCRUM_GPU_NO_DEVICE,
                    "vkCreateInstance failed (VkResult %d): no Vulkan driver "
                    "(install one, e.g. Mesa's lavapipe)",
                    (int)result);
#define LOAD(name)                                                             \
  name = (PFN_##name)getInstanceProcAddr(vk.instance, #name);                  \
  if (!name)                                                                   \
    return setError(&vk.error, FULCRUM_GPU_NO_DRIVER,                          \
                    "the Vulkan loader has no " #name);
  FULCRUM_VK_FUNCTIONS(LOAD)
#undef LOAD
  int status = selectDevice();
  if (!status)
    status = createDevice();
  if (!status)
    status = createQueueObjects();
  if (!status && profileWanted()) {
    vk.profile = 1;
    atexit(printProfile);
  }
  return status;
}

static int createBuffer(VkDeviceSize size, Buffer *out) {
  if (size < 16)
    size = 16;
  VkBufferCreateInfo info = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = size;
  info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  CHECK(vkCreateBuffer(vk.device, &info, 0, &out->buffer), "vkCreateBuffer");
  VkMemoryRequirements requirements;
  vkGetBufferMemoryRequirements(vk.device, out->buffer, &requirements);
  /* Host-visible coherent memory (the host copies in and out through the
   * mapping); device-local such memory first (discrete GPUs with a large
   * BAR, integrated GPUs, lavapipe), then any, also when the device-local
   * heap is full. */
  VkMemoryPropertyFlags wanted = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                 VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  VkResult result = VK_ERROR_OUT_OF_DEVICE_MEMORY;
  int found = 0;
  for (int pass = 0; pass < 2 && result != VK_SUCCESS; ++pass) {
    VkMemoryPropertyFlags flags =
        wanted | (pass == 0 ? VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT : 0);
    uint32_t type = vk.memory.memoryTypeCount;
    for (uint32_t i = 0;
         i < vk.memory.memoryTypeCount && type == vk.memory.memoryTypeCount;
         ++i)
      if ((requirements.memoryTypeBits & (1u << i)) &&
          (vk.memory.memoryTypes[i].propertyFlags & flags) == flags)
        type = i;
    if (type == vk.memory.memoryTypeCount)
      continue;
    found = 1;
    VkMemoryAllocateInfo allocate = {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    allocate.allocationSize = requirements.size;
    allocate.memoryTypeIndex = type;
    result = vkAllocateMemory(vk.device, &allocate, 0, &out->memory);
  }
  if (!found) {
    vkDestroyBuffer(vk.device, out->buffer, 0);
    return setError(&vk.error, FULCRUM_GPU_OUT_OF_MEMORY,
                    "no host-visible coherent memory type for a buffer");
  }
  if (result != VK_SUCCESS) {
    vkDestroyBuffer(vk.device, out->buffer, 0);
    return check(result, "vkAllocateMemory");
  }
  CHECK(vkBindBufferMemory(vk.device, out->buffer, out->memory, 0),
        "vkBindBufferMemory");
  CHECK(vkMapMemory(vk.device, out->memory, 0, VK_WHOLE_SIZE, 0, &out->mapped),
        "vkMapMemory");
  out->size = size;
  return FULCRUM_GPU_OK;
}

static void destroyBuffer(Buffer *buffer) {
  vkDestroyBuffer(vk.device, buffer->buffer, 0);
  vkFreeMemory(vk.device, buffer->memory, 0);
  free(buffer);
}

/* A buffer no dispatch uses any more: into the pool, or destroyed when the
 * pool is full. */
static void retireBuffer(Buffer *buffer) {
  if (!keepPooled(&vk.pool, (int64_t)buffer->size, buffer))
    destroyBuffer(buffer);
}

/* The scalar slot size: at least kScalarSlot, and the device's storage
 * buffer offset alignment. */
static VkDeviceSize scalarSlot(void) {
  VkDeviceSize slot = kScalarSlot;
  if (vk.properties.limits.minStorageBufferOffsetAlignment > slot)
    slot = vk.properties.limits.minStorageBufferOffsetAlignment;
  return slot;
}

/* Submits the open batch and waits for it; then the host may read and write
 * every buffer, and the batch's resources are free again. */
static int flush(void) {
  if (vk.dispatches == 0)
    return FULCRUM_GPU_OK;
  /* The shaders' writes become visible to the host after the fence. */
  VkMemoryBarrier barrier = {VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(vk.commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                       VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0, 0, 0, 0);
  CHECK(vkEndCommandBuffer(vk.commands), "vkEndCommandBuffer");
  VkSubmitInfo submit = {VK_STRUCTURE_TYPE_SUBMIT_INFO};
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &vk.commands;
  CHECK(vkResetFences(vk.device, 1, &vk.fence), "vkResetFences");
  double start = vk.profile ? now() : 0;
  CHECK(vkQueueSubmit(vk.queue, 1, &submit, vk.fence), "vkQueueSubmit");
  CHECK(vkWaitForFences(vk.device, 1, &vk.fence, VK_TRUE, UINT64_MAX),
        "vkWaitForFences");
  ++vk.submissions;
  if (vk.profile)
    vk.waiting += now() - start;
  CHECK(vkResetCommandBuffer(vk.commands, 0), "vkResetCommandBuffer");
  CHECK(vkResetDescriptorPool(vk.device, vk.descriptorPool, 0),
        "vkResetDescriptorPool");
  for (int i = 0; i < vk.graveyardCount; ++i)
    retireBuffer(vk.graveyard[i]);
  vk.graveyardCount = 0;
  vk.dispatches = vk.descriptors = vk.scalarSlots = 0;
  ++vk.batch;
  return FULCRUM_GPU_OK;
}

/* Frees a mirror's buffer (the mirrors' release callback): now, or after
 * the open batch when its dispatches use the buffer. */
static void releaseBuffer(void *handle, int64_t bytes) {
  (void)bytes; /* the Buffer knows its size */
  Buffer *buffer = handle;
  if (buffer->batch != vk.batch || vk.dispatches == 0) {
    retireBuffer(buffer);
    return;
  }
  if (vk.graveyardCount == vk.graveyardCapacity) {
    int capacity = vk.graveyardCapacity ? 2 * vk.graveyardCapacity : 64;
    Buffer **grown = realloc(vk.graveyard, sizeof(Buffer *) * capacity);
    if (!grown) {
      /* No room to defer: run the batch, then free. */
      if (flush())
        failLaunch("vulkan", &vk.error);
      retireBuffer(buffer);
      return;
    }
    vk.graveyard = grown;
    vk.graveyardCapacity = capacity;
  }
  vk.graveyard[vk.graveyardCount++] = buffer;
}

static int getShader(const uint8_t *binary, int64_t bytes,
                     VkShaderModule *out) {
  for (int i = 0; i < vk.shaderCount; ++i)
    if (vk.shaders[i].binary == binary) {
      *out = vk.shaders[i].module;
      return FULCRUM_GPU_OK;
    }
  if (vk.shaderCount == kMaxShaders)
    return setError(&vk.error, FULCRUM_GPU_BAD_LAUNCH,
                    "more than %d shader modules", kMaxShaders);
  /* The global holds the words and a NUL. */
  VkShaderModuleCreateInfo info = {VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  info.codeSize = (size_t)(bytes - 1) / 4 * 4;
  info.pCode = (const uint32_t *)binary;
  CHECK(vkCreateShaderModule(vk.device, &info, 0, out), "vkCreateShaderModule");
  vk.shaders[vk.shaderCount].binary = binary;
  vk.shaders[vk.shaderCount++].module = *out;
  return FULCRUM_GPU_OK;
}

static int getKernel(const uint8_t *binary, int64_t bytes, const char *name,
                     int bindings, Kernel **out) {
  for (int i = 0; i < vk.kernelCount; ++i)
    if (vk.kernels[i].binary == binary && vk.kernels[i].name == name) {
      *out = &vk.kernels[i];
      return FULCRUM_GPU_OK;
    }
  if (vk.kernelCount == kMaxKernels)
    return setError(&vk.error, FULCRUM_GPU_BAD_LAUNCH, "more than %d kernels",
                    kMaxKernels);
  VkShaderModule module;
  int status = getShader(binary, bytes, &module);
  if (status)
    return status;
  Kernel *kernel = &vk.kernels[vk.kernelCount];
  VkDescriptorSetLayoutBinding layoutBindings[kMaxBindings];
  for (int i = 0; i < bindings; ++i) {
    VkDescriptorSetLayoutBinding b = {0};
    b.binding = (uint32_t)i;
    b.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    b.descriptorCount = 1;
    b.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    layoutBindings[i] = b;
  }
  VkDescriptorSetLayoutCreateInfo setLayout = {
      VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  setLayout.bindingCount = (uint32_t)bindings;
  setLayout.pBindings = layoutBindings;
  CHECK(
      vkCreateDescriptorSetLayout(vk.device, &setLayout, 0, &kernel->setLayout),
      "vkCreateDescriptorSetLayout");
  VkPipelineLayoutCreateInfo layout = {
      VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  layout.setLayoutCount = 1;
  layout.pSetLayouts = &kernel->setLayout;
  CHECK(vkCreatePipelineLayout(vk.device, &layout, 0, &kernel->layout),
        "vkCreatePipelineLayout");
  VkComputePipelineCreateInfo pipeline = {
      VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  pipeline.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  pipeline.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  pipeline.stage.module = module;
  pipeline.stage.pName = name;
  pipeline.layout = kernel->layout;
  VkResult result = vkCreateComputePipelines(vk.device, vk.pipelineCache, 1,
                                             &pipeline, 0, &kernel->pipeline);
  if (result != VK_SUCCESS)
    return setError(&vk.error, FULCRUM_GPU_API_ERROR,
                    "cannot create the pipeline of kernel %s (VkResult %d)",
                    name, (int)result);
  kernel->binary = binary;
  kernel->name = name;
  kernel->bindings = bindings;
  ++vk.kernelCount;
  *out = kernel;
  return FULCRUM_GPU_OK;
}

/* A mirror's device buffer (getMirror's allocator). */
static int allocateBuffer(int64_t bytes, void **device) {
  if ((*device = takePooled(&vk.pool, bytes))) {
    ++vk.buffersReused;
    return FULCRUM_GPU_OK;
  }
  ++vk.buffersMade;
  Buffer *buffer = calloc(1, sizeof(Buffer));
  if (!buffer)
    return setError(&vk.error, FULCRUM_GPU_OUT_OF_MEMORY, "out of memory");
  int status = createBuffer((VkDeviceSize)bytes, buffer);
  if (status) {
    free(buffer);
    return status;
  }
  *device = buffer;
  return FULCRUM_GPU_OK;
}

static int launch(const uint8_t *binary, int64_t binaryBytes, const char *name,
                  const int64_t grid[3], const FulcrumGPUArg *args,
                  int64_t count) {
  int status = initialize();
  if (status)
    return status;
  if (count > kMaxBindings ||
      count > (int64_t)vk.properties.limits.maxPerStageDescriptorStorageBuffers)
    return setError(&vk.error, FULCRUM_GPU_BAD_LAUNCH,
                    "kernel %s has %lld arguments; %s binds at most %u", name,
                    (long long)count, vk.properties.deviceName,
                    vk.properties.limits.maxPerStageDescriptorStorageBuffers);
  for (int d = 0; d < 3; ++d)
    if (grid[d] > (int64_t)vk.properties.limits.maxComputeWorkGroupCount[d])
      return setError(&vk.error, FULCRUM_GPU_BAD_LAUNCH,
                      "kernel %s needs %lld workgroups in dimension %d; %s "
                      "allows %u",
                      name, (long long)grid[d], d, vk.properties.deviceName,
                      vk.properties.limits.maxComputeWorkGroupCount[d]);
  if (grid[0] <= 0 || grid[1] <= 0 || grid[2] <= 0) {
    /* Nothing runs, but buffers handed to this launch go back now. */
    FulcrumGPUMirror *mirror;
    for (int64_t i = owedArg(args, count, 0, &vk.mirrors, &mirror); i < count;
         i = owedArg(args, count, i + 1, &vk.mirrors, &mirror)) {
      status = flush();
      if (status)
        return status;
      memcpy((void *)(intptr_t)args[i].value,
             ((Buffer *)mirror->device)->mapped, (size_t)args[i].bytes);
      mirror->newer = 0;
    }
    return FULCRUM_GPU_OK;
  }
  Kernel *kernel;
  status = getKernel(binary, binaryBytes, name, (int)count, &kernel);
  if (status)
    return status;

  /* Scalars go into slots of one buffer, a slot per scalar of the batch. */
  VkDeviceSize slot = scalarSlot();
  if (!vk.scalars) {
    Buffer *scalars = calloc(1, sizeof(Buffer));
    if (!scalars)
      return setError(&vk.error, FULCRUM_GPU_OUT_OF_MEMORY, "out of memory");
    status = createBuffer(slot * kBatchScalars, scalars);
    if (status) {
      free(scalars);
      return status;
    }
    vk.scalars = scalars;
  }
  Buffer *scalars = vk.scalars;
  if (vk.dispatches + 1 > kBatchDispatches ||
      vk.descriptors + count > kBatchDescriptors ||
      vk.scalarSlots + count > kBatchScalars) {
    status = flush();
    if (status)
      return status;
  }

  trimMirrors(&vk.mirrors, (int)count, releaseBuffer);
  /* Buffers first: their copies in may submit the open batch. */
  Buffer *buffers[kMaxBindings];
  int copyOut = 0;
  for (int64_t i = 0; i < count; ++i) {
    const FulcrumGPUArg *arg = &args[i];
    buffers[i] = 0;
    if (arg->kind == 1)
      continue;
    FulcrumGPUMirror *mirror = getMirror(&vk.mirrors, arg, allocateBuffer);
    if (!mirror)
      return vk.error.status;
    Buffer *buffer = mirror->device;
    if (copiesIn(arg, mirror)) {
      /* Recorded dispatches read this buffer (none writes it: a launch
       * that writes a copied buffer submits the batch); what the host
       * holds now is for this launch, so they run first. */
      if (buffer->batch == vk.batch && vk.dispatches > 0) {
        ++vk.contentionFlushes;
        status = flush();
        if (status)
          return status;
      }
      memcpy(buffer->mapped, (const void *)(intptr_t)arg->value,
             (size_t)arg->bytes);
      mirror->uploaded = 1;
    }
    noteLaunch(arg, mirror);
    copyOut |= copiesOut(arg);
    buffers[i] = buffer;
  }
  VkDescriptorBufferInfo infos[kMaxBindings];
  for (int64_t i = 0; i < count; ++i) {
    const FulcrumGPUArg *arg = &args[i];
    if (arg->kind == 1) {
      VkDeviceSize offset = slot * (VkDeviceSize)vk.scalarSlots++;
      uint8_t *at = (uint8_t *)scalars->mapped + offset;
      memset(at, 0, 16);
      memcpy(at, &arg->value, (size_t)arg->bytes);
      infos[i].buffer = scalars->buffer;
      infos[i].offset = offset;
      infos[i].range = 16;
      continue;
    }
    buffers[i]->batch = vk.batch;
    infos[i].buffer = buffers[i]->buffer;
    infos[i].offset = 0;
    infos[i].range = VK_WHOLE_SIZE;
  }

  VkDescriptorSet set = VK_NULL_HANDLE;
  if (count > 0) {
    VkDescriptorSetAllocateInfo allocate = {
        VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    allocate.descriptorPool = vk.descriptorPool;
    allocate.descriptorSetCount = 1;
    allocate.pSetLayouts = &kernel->setLayout;
    CHECK(vkAllocateDescriptorSets(vk.device, &allocate, &set),
          "vkAllocateDescriptorSets");
    vk.descriptors += (int)count;
    VkWriteDescriptorSet writes[kMaxBindings];
    for (int64_t i = 0; i < count; ++i) {
      VkWriteDescriptorSet w = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
      w.dstSet = set;
      w.dstBinding = (uint32_t)i;
      w.descriptorCount = 1;
      w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      w.pBufferInfo = &infos[i];
      writes[i] = w;
    }
    vkUpdateDescriptorSets(vk.device, (uint32_t)count, writes, 0, 0);
  }

  if (vk.dispatches == 0) {
    VkCommandBufferBeginInfo begin = {
        VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    CHECK(vkBeginCommandBuffer(vk.commands, &begin), "vkBeginCommandBuffer");
  } else {
    /* The dispatches before this one finish their writes first (kernels
     * read what earlier kernels wrote, and may overwrite what they read). */
    VkMemoryBarrier barrier = {VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    barrier.srcAccessMask =
        VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
    barrier.dstAccessMask =
        VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
    vkCmdPipelineBarrier(vk.commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &barrier,
                         0, 0, 0, 0);
  }
  vkCmdBindPipeline(vk.commands, VK_PIPELINE_BIND_POINT_COMPUTE,
                    kernel->pipeline);
  if (count > 0)
    vkCmdBindDescriptorSets(vk.commands, VK_PIPELINE_BIND_POINT_COMPUTE,
                            kernel->layout, 0, 1, &set, 0, 0);
  vkCmdDispatch(vk.commands, (uint32_t)grid[0], (uint32_t)grid[1],
                (uint32_t)grid[2]);
  ++vk.dispatches;
  ++vk.launches;
  if (!copyOut)
    return FULCRUM_GPU_OK;

  /* The host reads a result next: run the batch. */
  status = flush();
  if (status)
    return status;
  for (int64_t i = 0; i < count; ++i)
    if (buffers[i] && copiesOut(&args[i]))
      memcpy((void *)(intptr_t)args[i].value, buffers[i]->mapped,
             (size_t)args[i].bytes);
  return FULCRUM_GPU_OK;
}

/* Called by the model for each gpu.launch_func (the block size is the
 * shader's LocalSize). */
void fulcrum_vulkan_launch(FULCRUM_MEMREF1(binary), FULCRUM_MEMREF1(name),
                           int64_t gridX, int64_t gridY, int64_t gridZ,
                           int64_t blockX, int64_t blockY, int64_t blockZ,
                           void *argsAllocated, void *argsAligned,
                           int64_t argsOffset, int64_t argsRows,
                           int64_t argsColumns, int64_t argsStride0,
                           int64_t argsStride1) {
  (void)binaryAllocated, (void)binaryStride, (void)nameAllocated;
  (void)nameOffset, (void)nameSize, (void)nameStride, (void)argsAllocated;
  (void)argsColumns, (void)argsStride0, (void)argsStride1;
  (void)blockX, (void)blockY, (void)blockZ;
  const int64_t grid[3] = {gridX, gridY, gridZ};
  pthread_mutex_lock(&vk.lock);
  int status =
      launch((const uint8_t *)binaryAligned + binaryOffset, binarySize,
             (const char *)nameAligned, grid,
             (const FulcrumGPUArg *)((const int64_t *)argsAligned + argsOffset),
             argsRows);
  pthread_mutex_unlock(&vk.lock);
  if (status)
    failLaunch("vulkan", &vk.error);
}

/* The status of the runtime (initializing it): 0, or a FULCRUM_GPU_* code
 * with fulcrum_vulkan_error() saying why. */
int fulcrum_vulkan_status(void) {
  pthread_mutex_lock(&vk.lock);
  int status = initialize();
  pthread_mutex_unlock(&vk.lock);
  return status;
}

const char *fulcrum_vulkan_error(void) { return vk.error.message; }

/* Called by the model before it frees a resident buffer. */
void fulcrum_vulkan_release(int64_t host) {
  pthread_mutex_lock(&vk.lock);
  releaseResident(&vk.mirrors, (const void *)(intptr_t)host, releaseBuffer);
  pthread_mutex_unlock(&vk.lock);
}

/* The name of the device launches run on ("" before a successful start). */
const char *fulcrum_vulkan_device(void) { return vk.properties.deviceName; }
