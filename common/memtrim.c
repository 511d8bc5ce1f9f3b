/* common/memtrim.c - see memtrim.h */
#include "memtrim.h"

#include <malloc.h>
#include <stdlib.h>

void memtrim_setup(void)
{
	/* main, before any thread: getenv is safe here */
	if (!getenv("MALLOC_ARENA_MAX")) /* NOLINT(concurrency-mt-unsafe) */
		(void)mallopt(M_ARENA_MAX, MEMTRIM_ARENA_MAX);
	if (!getenv("MALLOC_MMAP_THRESHOLD_")) /* NOLINT(concurrency-mt-unsafe) */
		(void)mallopt(M_MMAP_THRESHOLD, MEMTRIM_MMAP_THRESHOLD);
}

int memtrim_after_drop(size_t tracked, size_t *mark)
{
	if (tracked >= *mark) {
		*mark = tracked;
		return 0;
	}
	if (*mark - tracked < MEMTRIM_MIN_DROP || tracked >= *mark / 4 * 3)
		return 0;
	(void)malloc_trim(0);
	*mark = tracked;
	return 1;
}
