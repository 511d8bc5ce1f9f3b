/* sidecar-slurm/logs.c - see logs.h */
#include "logs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"

#define FOLLOW_POLL_MS 200
#define TAIL_WINDOW (1u << 20) /* bytes read back per step to find lines */

struct follow {
	int fd;             /* -1 until the log file exists */
	char out_path[PATH_MAX];
	char status_path[PATH_MAX];
	off_t pos;          /* next byte to send */
	int64_t remaining;  /* Bytes limit left, -1 = none */
	bool final_read;    /* the container ended: drain, then stop */
	logs_alive_fn alive;
	void *ctx;
	void (*free_ctx)(void *);
};

/* Offset where the last n lines of fd (size bytes long) start. */
static off_t tail_offset(int fd, off_t size, int64_t n)
{
	char buf[8192];
	off_t pos = size;
	int64_t seen = 0;
	bool first = true;

	if (n <= 0)
		return size;
	while (pos > 0) {
		size_t chunk = pos > (off_t)sizeof(buf) ? sizeof(buf)
							: (size_t)pos;
		ssize_t got;

		pos -= (off_t)chunk;
		got = pread(fd, buf, chunk, pos);
		if (got != (ssize_t)chunk)
			return 0;
		for (ssize_t i = got - 1; i >= 0; i--) {
			if (buf[i] != '\n')
				continue;
			/* a trailing newline ends the last line */
			if (first && pos + i == size - 1) {
				first = false;
				continue;
			}
			first = false;
			if (++seen == n)
				return pos + i + 1;
		}
		first = false;
	}
	return 0;
}

static int open_log(struct follow *f, int64_t tail)
{
	struct stat st;

	f->fd = open(f->out_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (f->fd < 0)
		return -errno;
	if (fstat(f->fd, &st) < 0)
		return -errno;
	f->pos = tail > 0 ? tail_offset(f->fd, st.st_size, tail) : 0;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static ssize_t follow_read(void *arg, char *out, size_t max)
{
	struct follow *f = arg;
	ssize_t n;

	if (f->remaining == 0)
		return -1;
	if (f->remaining > 0 && (int64_t)max > f->remaining)
		max = (size_t)f->remaining;
	if (f->fd >= 0) {
		n = pread(f->fd, out, max, f->pos);
		if (n < 0)
			return -2;
		if (n > 0) {
			f->pos += n;
			if (f->remaining > 0)
				f->remaining -= n;
			return n;
		}
	}
	if (f->final_read)
		return -1;
	/* nothing new: has the container ended, or the pod gone? */
	if (fs_exists(f->status_path) == 1 || (f->alive && !f->alive(f->ctx)))
		f->final_read = true;
	else
		sleep_ms(FOLLOW_POLL_MS);
	if (f->fd < 0 && open_log(f, 0) < 0 && f->final_read)
		return -1;
	return 0;
}

static void follow_free(void *arg)
{
	struct follow *f = arg;

	if (f->fd >= 0)
		close(f->fd);
	if (f->free_ctx)
		f->free_ctx(f->ctx);
	free(f);
}

int logs_reply(struct httpd_request *req, const char *out_path,
	       const char *status_path, const struct wire_log_opts *opts,
	       logs_alive_fn alive, void *ctx, void (*free_ctx)(void *))
{
	struct follow *f = calloc(1, sizeof(*f));
	int r;

	if (!f) {
		if (free_ctx)
			free_ctx(ctx);
		return httpd_reply_text(req, 503, "out of memory");
	}
	f->fd = -1;
	f->alive = alive;
	f->ctx = ctx;
	f->free_ctx = free_ctx;
	f->remaining = opts->bytes > 0 ? opts->bytes : -1;
	snprintf(f->out_path, sizeof(f->out_path), "%s", out_path);
	snprintf(f->status_path, sizeof(f->status_path), "%s", status_path);
	r = open_log(f, opts->tail);
	if (r < 0 && r != -ENOENT) {
		follow_free(f);
		return httpd_reply_text(req, 500, "cannot read the log: %s",
					strerror(-r));
	}
	if (!opts->follow)
		f->final_read = true; /* send what there is, then end */
	return httpd_reply_stream(req, 200, "text/plain; charset=utf-8",
				  follow_read, f, follow_free);
}
