// SystemShims: the few libc calls Swift cannot reach directly (declared in headers that Swift's Glibc
// module does not include, or behind macros).
#ifndef FEATUREMAPS_SYSTEM_SHIMS_H
#define FEATUREMAPS_SYSTEM_SHIMS_H

/// Asks the C allocator (glibc) to keep freed blocks of up to 32 MiB for reuse instead of returning them
/// to the system: maps and their encoding buffers come and go by the hundred, and fresh pages cost a
/// page fault and a clearing each. Does nothing with other C libraries.
void fm_reuse_large_buffers(void);

#endif
