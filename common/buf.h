/*
 * common/buf.h - a bounded, growable byte buffer (curl's dynbuf idea).
 *
 * The buffer carries its own maximum: appending past it fails with -E2BIG
 * and leaves the content unchanged, so request-sized data can never grow
 * without limit.  The content is always NUL terminated.
 */
#ifndef COMMON_BUF_H
#define COMMON_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* NULL until the first append */
	size_t len;
	size_t cap;
	size_t max; /* most bytes of content allowed */
};

void buf_init(struct buf *b, size_t max);
/* Free the content; the buffer can be reused (empty, same max). */
void buf_done(struct buf *b);
void buf_reset(struct buf *b);
/* 0, -ENOMEM, or -E2BIG when the result would exceed max. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append s as one POSIX-shell word in single quotes: 'it'\''s'. */
int buf_append_shquoted(struct buf *b, const char *s, size_t n);
/* The content ("" when empty); borrowed until the next change. */
const char *buf_str(const struct buf *b);
/* Take the content (caller frees; never NULL unless OOM); b is emptied. */
char *buf_steal(struct buf *b);

#endif /* COMMON_BUF_H */
