// Allocator tuning that Swift cannot reach: mallopt() is declared in <malloc.h>.
#include "SystemShims.h"

// Any libc header defines __GLIBC__ with glibc; it must come before the test below.
#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void fm_reuse_large_buffers(void) {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);  // glibc's maximum
  mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
#endif
}
