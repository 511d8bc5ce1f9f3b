/* sidecar-slurm/logs.c - see logs.h */
#include "logs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "safefs.h"

/*
 * A follow waits for the log to grow on inotify where the file system
 * tells of writes (local ones), and checks every FOLLOW_POLL_MS anyway:
 * on a shared file system (NFS, Lustre, GPFS, ...) the writer is on
 * another host, inotify hears nothing and the check is the only wake-up.
 */
#define FOLLOW_POLL_MS 200
/* at most this much is read back to find the last lines: a tail of a
 * huge (sparse) file with few newlines ends there, at a line start when
 * there is one in it */
#define TAIL_WINDOW (64u << 20)

#define LINE_MAX_BYTES (1u << 20) /* longer lines are passed on in pieces */

struct follow {
	int dirfd;          /* the pod's folder; -1 until it exists */
	int fd;             /* -1 until the log file exists */
	int ino_fd;         /* inotify on fd; -1 none (yet), -2 not usable */
	atomic_int *watches; /* inotify instances of all follows */
	char dir_path[PATH_MAX];
	char out_name[NAME_MAX + 1];
	char status_name[NAME_MAX + 1];
	off_t pos;          /* next byte to read */
	int64_t remaining;  /* Bytes limit left, -1 = none */
	bool final_read;    /* the container ended: drain, then stop */
	bool timestamps;    /* keep each line's time stamp */
	bool has_since;     /* drop lines stamped before since */
	int64_t since_sec;
	int32_t since_nsec;
	struct buf line;    /* the line being read */
	struct buf pending; /* processed output not yet handed out */
	size_t pending_off;
	logs_alive_fn alive;
	void *ctx;
	void (*free_ctx)(void *);
};

/* Offset where the last n lines of fd (size bytes long) start. */
static off_t tail_offset(int fd, off_t size, int64_t n)
{
	char buf[8192];
	off_t pos = size, stop = size > (off_t)TAIL_WINDOW ?
					  size - (off_t)TAIL_WINDOW : 0;
	off_t earliest = -1; /* just after the first newline seen */
	int64_t seen = 0;
	bool first = true;

	if (n <= 0)
		return size;
	while (pos > stop) {
		size_t chunk = pos - stop > (off_t)sizeof(buf) ?
				       sizeof(buf) : (size_t)(pos - stop);
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
			earliest = pos + i + 1;
			if (++seen == n)
				return pos + i + 1;
		}
		first = false;
	}
	if (stop > 0)
		return earliest >= 0 ? earliest : stop;
	return 0;
}

/*
 * The pod's folder, opened once (its last component O_NOFOLLOW; the
 * folders above are root's, podstore.c checks): every later open is
 * relative to it, so no path of the tenant's is resolved again.
 */
static int open_dir(struct follow *f)
{
	if (f->dirfd >= 0)
		return 0;
	f->dirfd = sfs_open_trusted_dir(f->dir_path);
	return f->dirfd < 0 ? f->dirfd : 0;
}

static int open_log(struct follow *f, int64_t tail)
{
	struct stat st, dst;
	int r = open_dir(f);

	if (r < 0)
		return r;
	/* the tenant's folder: never block on a FIFO, never read a device,
	 * never follow a symlink (safefs.c) */
	f->fd = sfs_openat(f->dirfd, f->out_name, O_RDONLY, 0);
	if (f->fd < 0)
		return f->fd;
	/* a hard link to someone else's file is not this pod's log */
	if (fstat(f->fd, &st) < 0 || fstat(f->dirfd, &dst) < 0 ||
	    (st.st_nlink > 1 && st.st_uid != dst.st_uid)) {
		close(f->fd);
		f->fd = -1;
		return -EPERM;
	}
	f->pos = tail > 0 ? tail_offset(f->fd, st.st_size, tail) : 0;
	return 0;
}

/* Has the container ended (its status file is there)? */
static bool status_there(struct follow *f)
{
	struct stat st;

	return open_dir(f) == 0 &&
	       fstatat(f->dirfd, f->status_name, &st,
		       AT_SYMLINK_NOFOLLOW) == 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Is fd on a file system whose writers may be other hosts? */
static bool on_shared_fs(int fd)
{
	static const unsigned long shared[] = {
		0x6969,     /* NFS */
		0x0bd00bd0, /* Lustre */
		0x47504653, /* GPFS */
		0x00c36400, /* Ceph */
		0x19830326, /* BeeGFS */
		0x65735546, /* FUSE */
		0xff534d42, /* CIFS */
		0xfe534d42, /* SMB2 */
		0x517b,     /* SMB */
		0x01021997, /* 9p */
		0x5346414f, /* AFS */
		0x73757245, /* Coda */
		0x013111a8, /* IBRIX */
		0xaad7aaea, /* Panasas */
	};
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return true;
	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		if ((unsigned long)sfs.f_type == shared[i])
			return true;
	return false;
}

/*
 * Watch the open log (its inode, through /proc/self/fd: no path of the
 * tenant's is resolved again) for writes; -2 when inotify cannot help.
 */
static void watch_log(struct follow *f)
{
	char path[64];

	if (f->fd < 0 || f->ino_fd != -1)
		return;
	f->ino_fd = -2;
	if (!f->watches || on_shared_fs(f->fd))
		return;
	/* inotify instances are per user (fs.inotify.max_user_instances,
	 * often 128, root's shared with every root process of the node):
	 * beyond LOGS_MAX_WATCHES follows the rest poll */
	if (atomic_fetch_add(f->watches, 1) >= LOGS_MAX_WATCHES) {
		atomic_fetch_sub(f->watches, 1);
		return;
	}
	f->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (f->ino_fd < 0) { /* e.g. max_user_instances reached */
		atomic_fetch_sub(f->watches, 1);
		f->ino_fd = -2;
		return;
	}
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", f->fd);
	if (inotify_add_watch(f->ino_fd, path,
			      IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB |
				      IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
		(void)close(f->ino_fd);
		atomic_fetch_sub(f->watches, 1);
		f->ino_fd = -2;
	}
}

/* Wait until the log is written to, or FOLLOW_POLL_MS. */
static void wait_for_more(struct follow *f)
{
	struct pollfd pfd;
	char ev[4096];

	watch_log(f);
	if (f->ino_fd < 0) {
		sleep_ms(FOLLOW_POLL_MS);
		return;
	}
	pfd.fd = f->ino_fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, FOLLOW_POLL_MS) > 0)
		while (read(f->ino_fd, ev, sizeof(ev)) > 0)
			; /* any event will do: drain them all */
}

/*
 * Split a stored line "2026-07-14T10:00:00.123456Z text" into its time and
 * text.  Lines without a stamp (written by something else) have none.
 */
static bool split_stamp(const char *line, size_t len, int64_t *sec,
			int32_t *nsec, size_t *text_off)
{
	char ts[48];
	const char *sp = memchr(line, ' ', len < 40 ? len : 40);

	if (!sp || sp - line < 20 || (size_t)(sp - line) >= sizeof(ts))
		return false;
	memcpy(ts, line, (size_t)(sp - line));
	ts[sp - line] = '\0';
	if (wire_time_parse(ts, sec, nsec) < 0)
		return false;
	*text_off = (size_t)(sp - line) + 1;
	return true;
}

/* Pass one complete line (with its newline, if any) through the options. */
static int emit_line(struct follow *f, const char *line, size_t len)
{
	int64_t sec;
	int32_t nsec;
	size_t off = 0;
	bool stamped = split_stamp(line, len, &sec, &nsec, &off);

	if (stamped && f->has_since &&
	    (sec < f->since_sec || (sec == f->since_sec &&
				    nsec < f->since_nsec)))
		return 0;
	if (stamped && !f->timestamps)
		return buf_append(&f->pending, line + off, len - off);
	return buf_append(&f->pending, line, len);
}

/* Read what the file has, turning complete lines into pending output. */
static int pump(struct follow *f)
{
	char chunk[16384];
	ssize_t n;

	if (f->fd < 0)
		return 0;
	n = pread(f->fd, chunk, sizeof(chunk), f->pos);
	if (n < 0)
		return -errno;
	f->pos += n;
	for (ssize_t i = 0; i < n; i++) {
		const char *nl = memchr(chunk + i, '\n', (size_t)(n - i));
		size_t take = nl ? (size_t)(nl - (chunk + i)) + 1 :
				   (size_t)(n - i);

		/* the line buffer holds LINE_MAX_BYTES plus one chunk */
		if (buf_append(&f->line, chunk + i, take) < 0)
			return -ENOMEM;
		if (nl) {
			int r = emit_line(f, f->line.data, f->line.len);

			buf_reset(&f->line);
			if (r < 0)
				return r;
		} else if (f->line.len >= LINE_MAX_BYTES) {
			/* an endless line: pass it on as it is */
			if (buf_append(&f->pending, f->line.data,
				       f->line.len) < 0)
				return -ENOMEM;
			buf_reset(&f->line);
		}
		i += (ssize_t)take - 1;
	}
	return (int)n;
}

static ssize_t follow_read(void *arg, char *out, size_t max)
{
	struct follow *f = arg;
	size_t avail;
	int n;

	if (f->remaining == 0)
		return -1;
	while (f->pending_off == f->pending.len) {
		buf_reset(&f->pending);
		f->pending_off = 0;
		n = pump(f);
		if (n < 0)
			return -2;
		if (f->pending.len)
			break;
		if (n > 0)
			continue; /* only part of a line so far */
		if (f->final_read) {
			/* the last line may lack its newline */
			if (f->line.len && emit_line(f, f->line.data,
						     f->line.len) == 0) {
				buf_reset(&f->line);
				if (f->pending.len)
					break;
			}
			return -1;
		}
		/* nothing new: has the container ended, or the pod gone? */
		if (status_there(f) ||
		    (f->alive && !f->alive(f->ctx)))
			f->final_read = true;
		else
			wait_for_more(f);
		if (f->fd < 0)
			(void)open_log(f, 0); /* not there yet: next time */
		if (!f->final_read)
			return 0;
	}
	avail = f->pending.len - f->pending_off;
	if (avail > max)
		avail = max;
	if (f->remaining > 0 && (int64_t)avail > f->remaining)
		avail = (size_t)f->remaining;
	memcpy(out, f->pending.data + f->pending_off, avail);
	f->pending_off += avail;
	if (f->remaining > 0)
		f->remaining -= (int64_t)avail;
	return (ssize_t)avail;
}

static void follow_free(void *arg)
{
	struct follow *f = arg;

	if (f->fd >= 0)
		close(f->fd);
	if (f->ino_fd >= 0) {
		close(f->ino_fd);
		atomic_fetch_sub(f->watches, 1);
	}
	if (f->dirfd >= 0)
		close(f->dirfd);
	buf_done(&f->line);
	buf_done(&f->pending);
	if (f->free_ctx)
		f->free_ctx(f->ctx);
	free(f);
}

/* Split path into its folder (dir, PATH_MAX) and last name (NAME_MAX). */
static int split_path(const char *path, char *dir, char *name)
{
	const char *sl = strrchr(path, '/');
	size_t n = sl ? (size_t)(sl - path) : 0;

	if (!sl || n == 0 || n >= PATH_MAX || !sl[1] ||
	    strlen(sl + 1) > NAME_MAX)
		return -EINVAL;
	memcpy(dir, path, n);
	dir[n] = '\0';
	memcpy(name, sl + 1, strlen(sl + 1) + 1);
	return 0;
}

int logs_reply(struct httpd_request *req, const char *out_path,
	       const char *status_path, const struct wire_log_opts *opts,
	       atomic_int *watches, logs_alive_fn alive, void *ctx,
	       void (*free_ctx)(void *))
{
	struct follow *f = calloc(1, sizeof(*f));
	char sdir[PATH_MAX];
	int r;

	if (!f) {
		if (free_ctx)
			free_ctx(ctx);
		return httpd_reply_text(req, 503, "out of memory");
	}
	f->dirfd = -1;
	f->fd = -1;
	f->ino_fd = -1;
	f->watches = watches;
	f->alive = alive;
	f->ctx = ctx;
	f->free_ctx = free_ctx;
	f->remaining = opts->bytes > 0 ? opts->bytes : -1;
	f->timestamps = opts->timestamps;
	buf_init(&f->line, LINE_MAX_BYTES + 16384);
	buf_init(&f->pending, 2 * LINE_MAX_BYTES + 16384);
	if (opts->has_since_time) {
		f->has_since = true;
		f->since_sec = opts->since_time;
		f->since_nsec = opts->since_time_nsec;
	} else if (opts->since_seconds > 0) {
		f->has_since = true;
		f->since_sec = (int64_t)time(NULL) - opts->since_seconds;
	}
	/* both in the pod's folder */
	if (split_path(out_path, f->dir_path, f->out_name) < 0 ||
	    split_path(status_path, sdir, f->status_name) < 0 ||
	    strcmp(sdir, f->dir_path) != 0) {
		follow_free(f);
		return httpd_reply_text(req, 500, "cannot read the log: %s",
					strerror(EINVAL));
	}
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
