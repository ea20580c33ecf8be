// Interposes the malloc family for the whole process (the executable's definitions win over
// libc's for every library, the Swift runtime included) and forwards to glibc's own allocator,
// keeping one relaxed atomic counter of live usable bytes. Every entry point that returns or
// takes a chunk is wrapped, so a chunk is counted once on the way out and once on the way in.
// Sanitizer builds (the fuzz targets) bring their own allocator: nothing is interposed there.
#include "malloc_count.h"

#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
#define APUS_NO_INTERPOSE 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define APUS_NO_INTERPOSE 1
#endif

#ifndef APUS_NO_INTERPOSE

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

static int64_t used_bytes;
static int counting;

static inline void count_in(void *p) {
    if (p) __atomic_fetch_add(&used_bytes, (int64_t)malloc_usable_size(p), __ATOMIC_RELAXED);
}

static inline void count_out(void *p) {
    if (p) __atomic_fetch_sub(&used_bytes, (int64_t)malloc_usable_size(p), __ATOMIC_RELAXED);
}

void *malloc(size_t size) {
    void *p = __libc_malloc(size);
    count_in(p);
    if (!counting) counting = 1;
    return p;
}

void free(void *p) {
    count_out(p);
    __libc_free(p);
}

void *calloc(size_t count, size_t size) {
    void *p = __libc_calloc(count, size);
    count_in(p);
    return p;
}

void *realloc(void *old, size_t size) {
    int64_t before = old ? (int64_t)malloc_usable_size(old) : 0;
    void *p = __libc_realloc(old, size);
    if (p) {
        __atomic_fetch_add(&used_bytes, (int64_t)malloc_usable_size(p) - before, __ATOMIC_RELAXED);
    } else if (old && size == 0) {
        // realloc(p, 0) frees p.
        __atomic_fetch_sub(&used_bytes, before, __ATOMIC_RELAXED);
    }
    return p;
}

void *reallocarray(void *old, size_t count, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(old, total);
}

void *memalign(size_t alignment, size_t size) {
    void *p = __libc_memalign(alignment, size);
    count_in(p);
    return p;
}

void *aligned_alloc(size_t alignment, size_t size) {
    return memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0 || alignment == 0) return EINVAL;
    void *p = __libc_memalign(alignment, size);
    if (!p) return ENOMEM;
    count_in(p);
    *out = p;
    return 0;
}

void *valloc(size_t size) {
    void *p = __libc_valloc(size);
    count_in(p);
    return p;
}

void *pvalloc(size_t size) {
    void *p = __libc_pvalloc(size);
    count_in(p);
    return p;
}

int64_t apus_malloc_used_bytes(void) {
    int64_t bytes = __atomic_load_n(&used_bytes, __ATOMIC_RELAXED);
    return bytes > 0 ? bytes : 0;
}

int apus_malloc_counting(void) { return counting; }

#else

int64_t apus_malloc_used_bytes(void) { return 0; }
int apus_malloc_counting(void) { return 0; }

#endif
