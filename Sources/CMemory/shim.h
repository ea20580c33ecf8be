// Memory hints and malloc's own figures, which Swift has no spelling for. Static inline, so the
// module needs no compiled C target.
#ifndef APUS_CMEMORY_SHIM_H
#define APUS_CMEMORY_SHIM_H

#include <malloc.h>
#include <stdint.h>

/// Starts loading the cache line at `p` without waiting for it; never faults, even on a bad address.
static inline void apus_prefetch(const void *p) { __builtin_prefetch(p); }

/// malloc's bytes in use (mmapped chunks included) and what its heaps hold, free chunks
/// included: INFO's used_memory and allocator_active take them from here.
static inline void apus_malloc_figures(int64_t *allocated, int64_t *active) {
    struct mallinfo2 info = mallinfo2();
    *allocated = (int64_t)info.uordblks + (int64_t)info.hblkhd;
    *active = (int64_t)info.arena + (int64_t)info.hblkhd;
}

#endif
