/*
 * sidecar-slurm/journal.h - a write-ahead log with group commit, for the
 * pod store (podstore.c).
 *
 * One file of entries, each a line "J <len> <crc32> <text>\n" (len and
 * crc32 in hex, of text; text has no newline).  An append is durable when
 * journal_append returns with sync: concurrent appenders share one
 * fdatasync (the first to find none running syncs everything written so
 * far; the others wait for it, and try themselves when it failed).
 * Replay stops at the first entry that is torn or does not match its
 * crc32 (a crash in the middle of a write); everything before it is whole.
 *
 * Thread-safe.  Functions return 0 or a negative errno value.
 */
#ifndef SIDECAR_JOURNAL_H
#define SIDECAR_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct journal;

/* Open (or create, 0600) the journal name in the folder dirfd. */
int journal_open(int dirfd, const char *name, struct journal **ret);
void journal_close(struct journal *j);

/* Call fn with each whole entry's text (NUL-terminated), oldest first. */
int journal_replay(struct journal *j,
		   void (*fn)(void *ctx, const char *text, size_t len),
		   void *ctx);

/* Append text (no '\n' in it); with sync, durable on return. */
int journal_append(struct journal *j, const char *text, size_t len,
		   bool sync);

/* Bytes in the journal. */
uint64_t journal_size(struct journal *j);

/* Empty it, durably (the caller made what it says durable elsewhere). */
int journal_truncate(struct journal *j);

#endif /* SIDECAR_JOURNAL_H */
