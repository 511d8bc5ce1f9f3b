/*
 * tests/unit/test_logs_tail.c - sidecar-slurm/logs.c through logs_reply:
 * Tail (last N lines, including the static tail_offset's chunked scan),
 * Bytes (LimitBytes), Follow's end conditions, and the error replies.
 *
 * The test links logs.c without common/httpd.c: httpd_reply_stream and
 * httpd_reply_text below stand in for it, keep the stream producer, and
 * the test drains it like the server would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"
#include "httpd.h"
#include "logs.h"

/* ---- the httpd stand-in ----------------------------------------------- */

static struct {
	int replies;
	unsigned code;
	char content_type[64];
	char text[512];
	httpd_stream_fn fn;
	void *ctx;
	httpd_stream_free_fn free_fn;
} last;

int httpd_reply_stream(struct httpd_request *req, unsigned code,
		       const char *content_type, httpd_stream_fn fn,
		       void *ctx, httpd_stream_free_fn free_fn)
{
	last.replies++;
	last.code = code;
	snprintf(last.content_type, sizeof(last.content_type), "%s",
		 content_type);
	last.fn = fn;
	last.ctx = ctx;
	last.free_fn = free_fn;
	return 0;
}

int httpd_reply_text(struct httpd_request *req, unsigned code,
		     const char *fmt, ...)
{
	va_list ap;

	last.replies++;
	last.code = code;
	va_start(ap, fmt);
	vsnprintf(last.text, sizeof(last.text), fmt, ap);
	va_end(ap);
	return 0;
}

/* ---- helpers ---------------------------------------------------------- */

struct fixture {
	char *dir;
	char *out;    /* <dir>/run-main.out */
	char *status; /* <dir>/run-main.status */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || !(f->dir = strdup("/tmp/test_logs_tail.XXXXXX")) ||
	    !mkdtemp(f->dir) ||
	    asprintf(&f->out, "%s/run-main.out", f->dir) < 0 ||
	    asprintf(&f->status, "%s/run-main.status", f->dir) < 0)
		return -1;
	memset(&last, 0, sizeof(last));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int r = fs_rm_rf(f->dir);

	free(f->dir);
	free(f->out);
	free(f->status);
	free(f);
	return r;
}

static void write_log(const struct fixture *f, const char *data, size_t len)
{
	assert_int_equal(fs_write_atomic(f->out, data, len, 0644), 0);
}

static void append_log(const struct fixture *f, const char *data)
{
	FILE *fp = fopen(f->out, "a");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, strlen(data), fp), strlen(data));
	assert_int_equal(fclose(fp), 0);
}

static int freed;
static void *freed_ctx;
static atomic_int watches; /* the follows' inotify instances */

static void free_ctx(void *ctx)
{
	freed++;
	freed_ctx = ctx;
}

static bool alive_answer;
static int alive_calls;

static bool alive(void *ctx)
{
	alive_calls++;
	return alive_answer;
}

/* logs_reply, expecting a 200 stream */
static void start(const struct fixture *f, int64_t tail, int64_t bytes,
		  bool follow)
{
	struct httpd_request req;
	struct wire_log_opts o;

	memset(&req, 0, sizeof(req));
	memset(&o, 0, sizeof(o));
	o.tail = tail;
	o.bytes = bytes;
	o.follow = follow;
	memset(&last, 0, sizeof(last));
	freed = 0;
	assert_int_equal(logs_reply(&req, f->out, f->status, &o, &watches,
				    alive, &freed, free_ctx),
			 0);
	assert_int_equal(last.replies, 1);
	assert_int_equal(last.code, 200);
	assert_string_equal(last.content_type, "text/plain; charset=utf-8");
	assert_non_null(last.fn);
	assert_non_null(last.free_fn);
	assert_int_equal(freed, 0);
}

/*
 * Call the producer until it ends, max bytes at a time; at most
 * max_waits "nothing yet" answers.  Returns its last answer (-1 or -2).
 */
static ssize_t drain(struct buf *out, size_t max, int max_waits)
{
	char chunk[65536];
	ssize_t n;

	assert_true(max <= sizeof(chunk));
	for (;;) {
		memset(chunk, 0xAA, sizeof(chunk));
		n = last.fn(last.ctx, chunk, max);
		if (n < 0)
			return n;
		assert_true((size_t)n <= max);
		/* nothing written past what it said */
		if ((size_t)n < max)
			assert_int_equal((unsigned char)chunk[n], 0xAA);
		if (n == 0) {
			if (max_waits-- <= 0)
				fail_msg("the stream did not end");
			continue;
		}
		assert_int_equal(buf_append(out, chunk, (size_t)n), 0);
	}
}

static void finish(void)
{
	last.free_fn(last.ctx);
	assert_int_equal(freed, 1);
	assert_ptr_equal(freed_ctx, &freed);
}

/* The whole reply for these options, read max bytes at a time. */
static void reply_is(const struct fixture *f, int64_t tail, int64_t bytes,
		     size_t max, const char *want, size_t want_len)
{
	struct buf b;

	buf_init(&b, 16 << 20);
	start(f, tail, bytes, false);
	assert_int_equal(drain(&b, max, 0), -1);
	/* and it stays ended */
	{
		char c;

		assert_int_equal(last.fn(last.ctx, &c, 1), -1);
	}
	finish();
	if (b.len != want_len || memcmp(buf_str(&b), want, want_len) != 0)
		fail_msg("tail %lld bytes %lld max %zu: got %zu bytes '%.80s', "
			 "want %zu bytes '%.80s'",
			 (long long)tail, (long long)bytes, max, b.len,
			 buf_str(&b), want_len, want);
	buf_done(&b);
}

#define REPLY_IS(f, tail, bytes, want)                                     \
	do {                                                               \
		reply_is((f), (tail), (bytes), 65536, (want),              \
			 sizeof(want) - 1);                                \
		reply_is((f), (tail), (bytes), 1, (want),                  \
			 sizeof(want) - 1);                                \
		reply_is((f), (tail), (bytes), 3, (want),                  \
			 sizeof(want) - 1);                                \
	} while (0)

/* Reference: where the last n lines of s start ("a\n" is one line). */
static size_t ref_tail(const char *s, size_t len, int64_t n)
{
	size_t pos = len;
	int64_t seen = 0;

	if (n <= 0)
		return len; /* not used for n <= 0 */
	if (pos > 0 && s[pos - 1] == '\n')
		pos--; /* the last line's own newline */
	while (pos > 0) {
		if (s[pos - 1] == '\n' && ++seen == n)
			return pos;
		pos--;
	}
	return 0;
}

/* ---- tests ------------------------------------------------------------ */

static void test_no_tail(void **state)
{
	struct fixture *f = *state;

	write_log(f, "a\nb\nc\n", 6);
	REPLY_IS(f, 0, 0, "a\nb\nc\n");
	REPLY_IS(f, -1, 0, "a\nb\nc\n");
	REPLY_IS(f, -100, -5, "a\nb\nc\n");
}

static void test_tail_lines(void **state)
{
	struct fixture *f = *state;

	write_log(f, "a\nb\nc\n", 6);
	REPLY_IS(f, 1, 0, "c\n");
	REPLY_IS(f, 2, 0, "b\nc\n");
	REPLY_IS(f, 3, 0, "a\nb\nc\n");
	REPLY_IS(f, 4, 0, "a\nb\nc\n");
	REPLY_IS(f, INT64_MAX, 0, "a\nb\nc\n");

	/* the last line without a newline is a line */
	write_log(f, "a\nb\nc", 5);
	REPLY_IS(f, 1, 0, "c");
	REPLY_IS(f, 2, 0, "b\nc");
	REPLY_IS(f, 3, 0, "a\nb\nc");
	REPLY_IS(f, 9, 0, "a\nb\nc");

	/* empty lines count */
	write_log(f, "\n\n\n", 3);
	REPLY_IS(f, 1, 0, "\n");
	REPLY_IS(f, 2, 0, "\n\n");
	REPLY_IS(f, 3, 0, "\n\n\n");
	REPLY_IS(f, 4, 0, "\n\n\n");
	write_log(f, "x\n\n", 3);
	REPLY_IS(f, 1, 0, "\n");
	REPLY_IS(f, 2, 0, "x\n\n");

	/* one line */
	write_log(f, "only", 4);
	REPLY_IS(f, 1, 0, "only");
	write_log(f, "only\n", 5);
	REPLY_IS(f, 1, 0, "only\n");
	write_log(f, "\n", 1);
	REPLY_IS(f, 1, 0, "\n");

	/* empty */
	write_log(f, "", 0);
	REPLY_IS(f, 1, 0, "");
	REPLY_IS(f, 0, 0, "");

	/* \r is not a line end */
	write_log(f, "a\r\nb\rc\r\n", 8);
	REPLY_IS(f, 1, 0, "b\rc\r\n");
}

/* Files larger than tail_offset's 8 KiB read-back buffer. */
static void test_tail_large(void **state)
{
	struct fixture *f = *state;
	size_t cap = 200000, len = 0, lines = 0;
	char *s = malloc(cap);
	uint32_t x = 12345;

	assert_non_null(s);
	/* deterministic lines of 0..3000 bytes, some much longer, one
	 * newline exactly at each 8 KiB boundary from the end */
	while (len < 150000) {
		size_t l;

		x = x * 1103515245u + 12345u;
		l = (x >> 8) % 3000;
		if (lines % 17 == 5)
			l = 20000;
		if (len + l + 1 > 150000)
			break;
		for (size_t i = 0; i < l; i++)
			s[len + i] = (char)('a' + (i + lines) % 26);
		len += l;
		s[len++] = '\n';
		lines++;
	}
	for (size_t k = 1; k * 8192 < len; k++)
		s[len - k * 8192] = '\n';
	s[len - 8192 - 1] = '\n';
	/* count the lines now */
	lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += s[i] == '\n';

	for (int trailing = 1; trailing >= 0; trailing--) {
		size_t flen = trailing ? len : len - 1;

		write_log(f, s, flen);
		for (int64_t n = 1; n <= (int64_t)lines + 2; n++) {
			size_t off = ref_tail(s, flen, n);

			reply_is(f, n, 0, 65536, s + off, flen - off);
		}
		/* with Bytes too */
		for (int64_t n = 1; n <= (int64_t)lines; n += 7) {
			size_t off = ref_tail(s, flen, n);
			size_t lim = (flen - off) / 2 + 1;

			if (lim > flen - off)
				lim = flen - off;
			reply_is(f, n, (int64_t)lim, 4096, s + off, lim);
		}
	}
	free(s);
}

static void test_bytes(void **state)
{
	struct fixture *f = *state;

	write_log(f, "0123456789\nabcdef\n", 18);
	REPLY_IS(f, 0, 1, "0");
	REPLY_IS(f, 0, 5, "01234");
	REPLY_IS(f, 0, 11, "0123456789\n");
	REPLY_IS(f, 0, 18, "0123456789\nabcdef\n");
	REPLY_IS(f, 0, 1000, "0123456789\nabcdef\n");
	/* Bytes applies to what Tail selected */
	REPLY_IS(f, 1, 3, "abc");
	REPLY_IS(f, 1, 100, "abcdef\n");
	REPLY_IS(f, 2, 12, "0123456789\na");
}

static void test_missing_log(void **state)
{
	struct fixture *f = *state;

	/* not started yet, not following: an empty log */
	REPLY_IS(f, 0, 0, "");
	REPLY_IS(f, 5, 10, "");
}

static void test_follow_ended(void **state)
{
	struct fixture *f = *state;
	struct buf b;

	/* the container has ended: send the rest, then end */
	write_log(f, "one\ntwo\n", 8);
	assert_int_equal(fs_write_atomic(f->status, "0\n", 2, 0644), 0);
	buf_init(&b, 1 << 20);
	start(f, 1, 0, true);
	assert_int_equal(drain(&b, 4096, 1), -1);
	finish();
	assert_string_equal(buf_str(&b), "two\n");
	buf_done(&b);

	/* never started and ended (status there, no log): end */
	assert_int_equal(unlink(f->out), 0);
	buf_init(&b, 1 << 20);
	start(f, 0, 0, true);
	assert_int_equal(drain(&b, 4096, 1), -1);
	finish();
	assert_int_equal(b.len, 0);
	buf_done(&b);

	/* the Bytes limit ends a follow at once */
	assert_int_equal(unlink(f->status), 0);
	write_log(f, "abcdef", 6);
	buf_init(&b, 1 << 20);
	start(f, 0, 4, true);
	assert_int_equal(drain(&b, 4096, 0), -1);
	finish();
	assert_string_equal(buf_str(&b), "abcd");
	buf_done(&b);
}

static void test_follow_pod_gone(void **state)
{
	struct fixture *f = *state;
	struct buf b;

	write_log(f, "x\n", 2);
	alive_answer = false;
	alive_calls = 0;
	buf_init(&b, 1 << 20);
	start(f, 0, 0, true);
	assert_int_equal(drain(&b, 4096, 1), -1);
	finish();
	assert_string_equal(buf_str(&b), "x\n");
	assert_true(alive_calls >= 1);
	buf_done(&b);
}

/* New bytes arrive while following; the stream ends after the status. */
static void test_follow_new_data(void **state)
{
	struct fixture *f = *state;
	char out[256];
	ssize_t n;

	write_log(f, "l1\nl2\n", 6);
	alive_answer = true;
	start(f, 1, 0, true);
	n = last.fn(last.ctx, out, sizeof(out));
	assert_int_equal(n, 3);
	assert_memory_equal(out, "l2\n", 3);
	/* nothing new: waits (about 200 ms) and says so */
	assert_int_equal(last.fn(last.ctx, out, sizeof(out)), 0);
	append_log(f, "l3\n");
	n = last.fn(last.ctx, out, sizeof(out));
	assert_int_equal(n, 3);
	assert_memory_equal(out, "l3\n", 3);
	/* the container ends with a last line */
	append_log(f, "bye\n");
	assert_int_equal(fs_write_atomic(f->status, "0\n", 2, 0644), 0);
	n = last.fn(last.ctx, out, sizeof(out));
	assert_int_equal(n, 4);
	assert_memory_equal(out, "bye\n", 4);
	for (int i = 0; i < 2 && (n = last.fn(last.ctx, out, 1)) == 0; i++)
		;
	assert_int_equal(n, -1);
	finish();
}

/* The log appears only after the stream started. */
static void test_follow_log_appears(void **state)
{
	struct fixture *f = *state;
	struct buf b;

	alive_answer = true;
	start(f, 0, 0, true);
	write_log(f, "late\n", 5);
	assert_int_equal(fs_write_atomic(f->status, "0\n", 2, 0644), 0);
	buf_init(&b, 1 << 20);
	assert_int_equal(drain(&b, 4096, 2), -1);
	finish();
	assert_string_equal(buf_str(&b), "late\n");
	buf_done(&b);
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	struct httpd_request req;
	struct wire_log_opts o;
	char *target = NULL;

	memset(&req, 0, sizeof(req));
	memset(&o, 0, sizeof(o));
	/* a symlink is never followed */
	assert_true(asprintf(&target, "%s/elsewhere", f->dir) > 0);
	assert_int_equal(fs_write_atomic(target, "secret\n", 7, 0644), 0);
	assert_int_equal(symlink(target, f->out), 0);
	memset(&last, 0, sizeof(last));
	freed = 0;
	assert_int_equal(logs_reply(&req, f->out, f->status, &o, &watches, NULL,
				    &freed, free_ctx),
			 0);
	assert_int_equal(last.replies, 1);
	assert_int_equal(last.code, 500);
	assert_null(last.fn);
	assert_non_null(strstr(last.text, "cannot read the log: "));
	assert_int_equal(freed, 1); /* ctx released on the error path */
	assert_int_equal(unlink(f->out), 0);
	free(target);

	/* a directory (or a FIFO) where the log should be: refused at
	 * once, never opened for reading */
	assert_int_equal(mkdir(f->out, 0755), 0);
	memset(&last, 0, sizeof(last));
	freed = 0;
	assert_int_equal(logs_reply(&req, f->out, f->status, &o, &watches, NULL,
				    &freed, free_ctx),
			 0);
	assert_int_equal(last.code, 500);
	assert_int_equal(rmdir(f->out), 0);
	assert_int_equal(mkfifo(f->out, 0600), 0);
	memset(&last, 0, sizeof(last));
	freed = 0;
	assert_int_equal(logs_reply(&req, f->out, f->status, &o, &watches, NULL,
				    &freed, free_ctx),
			 0);
	assert_int_equal(last.code, 500);
	assert_int_equal(unlink(f->out), 0);
	assert_int_equal(mkdir(f->out, 0755), 0);

	/* no free_ctx is fine */
	assert_int_equal(rmdir(f->out), 0);
	write_log(f, "x", 1);
	memset(&last, 0, sizeof(last));
	assert_int_equal(logs_reply(&req, f->out, f->status, &o, &watches, NULL, NULL,
				    NULL),
			 0);
	assert_int_equal(last.code, 200);
	last.free_fn(last.ctx);
}

/*
 * Follows beyond LOGS_MAX_WATCHES get no inotify instance (they poll):
 * one tenant's many follows cannot use up the node's root instances.
 */
static void test_follow_watch_cap(void **state)
{
	struct fixture *f = *state;
	char out[256];
	ssize_t n;

	write_log(f, "l1\n", 3);
	alive_answer = true;
	atomic_store(&watches, 0);
	start(f, 0, 0, true);
	n = last.fn(last.ctx, out, sizeof(out));
	assert_int_equal(n, 3);
	assert_int_equal(last.fn(last.ctx, out, sizeof(out)), 0);
	assert_int_equal(atomic_load(&watches), 1); /* /tmp: a local fs */
	finish();
	assert_int_equal(atomic_load(&watches), 0);
	/* at the cap: still followed (polled), no instance taken */
	atomic_store(&watches, LOGS_MAX_WATCHES);
	start(f, 0, 0, true);
	assert_int_equal(last.fn(last.ctx, out, sizeof(out)), 3);
	assert_int_equal(last.fn(last.ctx, out, sizeof(out)), 0);
	assert_int_equal(atomic_load(&watches), LOGS_MAX_WATCHES);
	append_log(f, "l2\n");
	n = last.fn(last.ctx, out, sizeof(out));
	assert_int_equal(n, 3);
	assert_memory_equal(out, "l2\n", 3);
	finish();
	assert_int_equal(atomic_load(&watches), LOGS_MAX_WATCHES);
	atomic_store(&watches, 0);
}

/*
 * A Tail of a huge sparse file with no newline near its end reads back a
 * bounded window, not the whole file (1 TiB here: unbounded, this never
 * ends).
 */
static void test_tail_bounded(void **state)
{
	struct fixture *f = *state;
	char want[16] = {0};
	int fd;

	fd = open(f->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	if (ftruncate(fd, (off_t)1 << 40) < 0) {
		close(fd);
		skip(); /* a file system without such large files */
	}
	assert_int_equal(pwrite(fd, "end\n", 4, ((off_t)1 << 40) - 4), 4);
	/* one line of 1 TiB: it starts where the window starts */
	reply_is(f, 2, 16, 16, want, 16);
	/* "end" and a line longer than the window before it: the window's
	 * whole lines only */
	assert_int_equal(pwrite(fd, "\n", 1, ((off_t)1 << 40) - 5), 1);
	assert_int_equal(close(fd), 0);
	reply_is(f, 2, 0, 4096, "end\n", 4);
	reply_is(f, 1, 0, 4096, "end\n", 4);
}

/* A log that is a hard link to another user's file is not served. */
static void test_hard_link_refused(void **state)
{
	struct fixture *f = *state;
	struct httpd_request req;
	struct wire_log_opts o;
	char *target = NULL;

	if (geteuid() != 0)
		skip();
	memset(&req, 0, sizeof(req));
	memset(&o, 0, sizeof(o));
	assert_true(asprintf(&target, "%s/../test_logs_tail_secret.%d",
			     f->dir, (int)getpid()) > 0);
	assert_int_equal(fs_write_atomic(target, "secret\n", 7, 0600), 0);
	assert_int_equal(link(target, f->out), 0);
	/* the pod folder is the tenant's (65534), the file root's */
	assert_int_equal(chown(f->dir, 65534, 65534), 0);
	memset(&last, 0, sizeof(last));
	freed = 0;
	assert_int_equal(logs_reply(&req, f->out, f->status, &o, &watches,
				    NULL, &freed, free_ctx),
			 0);
	assert_int_equal(last.code, 500);
	assert_null(last.fn);
	/* its own file with two links is fine */
	assert_int_equal(chown(target, 65534, 65534), 0);
	start(f, 0, 0, false);
	last.free_fn(last.ctx);
	assert_int_equal(unlink(target), 0);
	assert_int_equal(chown(f->dir, 0, 0), 0);
	free(target);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_no_tail),
		T(test_tail_lines),
		T(test_tail_large),
		T(test_bytes),
		T(test_missing_log),
		T(test_follow_ended),
		T(test_follow_pod_gone),
		T(test_follow_new_data),
		T(test_follow_log_appears),
		T(test_errors),
		T(test_follow_watch_cap),
		T(test_tail_bounded),
		T(test_hard_link_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
