// Bytes handed out by malloc, counted as Redis's zmalloc counts them (malloc_usable_size of
// each live allocation), so maxmemory can be checked before every command: mallinfo2 walks
// every free chunk and costs milliseconds on a fragmented heap.
#ifndef APUS_MALLOC_COUNT_H
#define APUS_MALLOC_COUNT_H

#include <stdint.h>

/// The usable bytes of every live malloc allocation of the process.
int64_t apus_malloc_used_bytes(void);
/// 1 when this process's malloc goes through the counter (it is linked in and not replaced by
/// a sanitizer's allocator), 0 otherwise: callers then fall back to mallinfo2.
int apus_malloc_counting(void);

#endif
