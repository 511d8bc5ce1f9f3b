/*
 * common/memtrim.h - memory that goes back to the system when it is freed.
 *
 * glibc's defaults suit short programs: 8 malloc arenas per core (a thread
 * per connection spreads pod records over a dozen heaps that never
 * shrink), and an mmap threshold that rises after the first large free
 * (later large tables, such as a 10,000-job poll, then live in the heap
 * and pin it).  Both daemons bound them at start and trim after a large
 * drop in what they hold.
 */
#ifndef COMMON_MEMTRIM_H
#define COMMON_MEMTRIM_H

#include <stddef.h>

#define MEMTRIM_ARENA_MAX 2
#define MEMTRIM_MMAP_THRESHOLD (256 * 1024)
#define MEMTRIM_MIN_DROP 256

/*
 * First thing in main, before any thread: at most MEMTRIM_ARENA_MAX
 * arenas unless MALLOC_ARENA_MAX is set, and blocks of
 * MEMTRIM_MMAP_THRESHOLD bytes or more always mmapped unless
 * MALLOC_MMAP_THRESHOLD_ is set.
 */
void memtrim_setup(void);

/*
 * tracked: how many items (pods) the caller holds now; *mark: the
 * caller's high-water mark since the last trim, kept here.  When tracked
 * fell below 3/4 of the mark and by MEMTRIM_MIN_DROP items or more, the
 * freed heap pages go back (malloc_trim: a walk of the heaps, so for
 * drops, not periodically).  Returns 1 when it trimmed, else 0.
 */
int memtrim_after_drop(size_t tracked, size_t *mark);

#endif /* COMMON_MEMTRIM_H */
