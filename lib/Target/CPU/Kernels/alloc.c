/*===- alloc.c - Buffer allocation for compiled models --------------------===*
 *
 * Part of Fulcrum. A compiled model allocates its intermediate buffers
 * through these functions (the LLVM lowering's "generic" allocation
 * functions). Large buffers freed at the end of one inference are kept in a
 * small cache and handed out again in the next, instead of going back to
 * the C library, which returns large blocks to the system and takes page
 * faults to get them back on every call. Every block comes from malloc or
 * aligned_alloc, so buffers handed to the caller as results may be freed
 * with free(). Linked into each model from bitcode (ISA-independent).
 *
 *===----------------------------------------------------------------------===*/

#include <stddef.h>
#include <stdint.h>

void *malloc(size_t size);
void *aligned_alloc(size_t alignment, size_t size);
void free(void *pointer);
size_t malloc_usable_size(void *pointer);

enum { kSlots = 48, kMinCached = 64 * 1024 };

static void *cached[kSlots];
static size_t cachedSize[kSlots];
static int lock;

static void acquire(void) {
  while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
    while (__atomic_load_n(&lock, __ATOMIC_RELAXED))
      ;
}

static void release(void) { __atomic_store_n(&lock, 0, __ATOMIC_RELEASE); }

/* The smallest cached block of at least `size` bytes (and at most twice
 * that, so small requests do not pin large blocks) aligned to `alignment`. */
static void *take(size_t size, size_t alignment) {
  if (size < kMinCached)
    return 0;
  void *found = 0;
  acquire();
  int best = -1;
  for (int i = 0; i < kSlots; ++i)
    if (cached[i] && cachedSize[i] >= size && cachedSize[i] <= 2 * size &&
        (uintptr_t)cached[i] % alignment == 0 &&
        (best < 0 || cachedSize[i] < cachedSize[best]))
      best = i;
  if (best >= 0) {
    found = cached[best];
    cached[best] = 0;
  }
  release();
  return found;
}

void *_mlir_memref_to_llvm_alloc(size_t size) {
  void *p = take(size, 16);
  return p ? p : malloc(size);
}

void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size) {
  void *p = take(size, alignment);
  if (p)
    return p;
  /* aligned_alloc wants a multiple of the alignment. */
  size_t rounded = (size + alignment - 1) / alignment * alignment;
  return aligned_alloc(alignment, rounded ? rounded : alignment);
}

void _mlir_memref_to_llvm_free(void *p) {
  if (!p)
    return;
  size_t size = malloc_usable_size(p);
  if (size < kMinCached) {
    free(p);
    return;
  }
  void *evicted = p;
  acquire();
  int slot = -1;
  for (int i = 0; i < kSlots && slot < 0; ++i)
    if (!cached[i])
      slot = i;
  if (slot < 0) {
    /* Full: replace the smallest block if this one is larger. */
    slot = 0;
    for (int i = 1; i < kSlots; ++i)
      if (cachedSize[i] < cachedSize[slot])
        slot = i;
    if (cachedSize[slot] >= size)
      slot = -1;
  }
  if (slot >= 0) {
    evicted = cached[slot];
    cached[slot] = p;
    cachedSize[slot] = size;
  }
  release();
  if (evicted)
    free(evicted);
}
