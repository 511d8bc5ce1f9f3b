/* sidecar-slurm/journal.c - see journal.h */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOURNAL_READ_MAX (256u << 20) /* bigger: refused at replay */
#define ENTRY_MAX (4u << 20)

struct journal {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int fd;
	uint64_t size;
	/* group commit: appends numbered by seq; synced: all up to it */
	uint64_t seq, synced;
	bool syncing;
	int broken; /* a failed write or sync: every later append fails */
};

static uint32_t crc32_of(const char *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= (unsigned char)p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

int journal_open(int dirfd, const char *name, struct journal **ret)
{
	struct journal *j = calloc(1, sizeof(*j));
	struct stat st;

	if (!j)
		return -ENOMEM;
	j->fd = openat(dirfd, name, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW |
		       O_CLOEXEC | O_NONBLOCK, 0600);
	if (j->fd < 0 || fstat(j->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int r = j->fd < 0 ? -errno : -EINVAL;

		if (j->fd >= 0)
			close(j->fd);
		free(j);
		return r;
	}
	(void)fcntl(j->fd, F_SETFL, O_APPEND);
	j->size = (uint64_t)st.st_size;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cond, NULL);
	*ret = j;
	return 0;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	close(j->fd);
	pthread_cond_destroy(&j->cond);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

/* One entry at p (n bytes left): its text and the size of the whole. */
static bool parse_entry(const char *p, size_t n, const char **text,
			size_t *len, size_t *whole)
{
	unsigned long l, crc;
	char *end;
	const char *t;

	if (n < 4 || p[0] != 'J' || p[1] != ' ')
		return false;
	l = strtoul(p + 2, &end, 16);
	if (end == p + 2 || (size_t)(end - p) >= n || *end != ' ' ||
	    l > ENTRY_MAX)
		return false;
	crc = strtoul(end + 1, &end, 16);
	if ((size_t)(end - p) >= n || *end != ' ')
		return false;
	t = end + 1;
	if ((size_t)(t - p) + l + 1 > n || t[l] != '\n' ||
	    crc32_of(t, l) != (uint32_t)crc || memchr(t, '\n', l))
		return false;
	*text = t;
	*len = l;
	*whole = (size_t)(t - p) + l + 1;
	return true;
}

int journal_replay(struct journal *j,
		   void (*fn)(void *ctx, const char *text, size_t len),
		   void *ctx)
{
	struct stat st;
	size_t got = 0, off = 0;
	char *buf;
	int r = 0;

	pthread_mutex_lock(&j->mu);
	if (fstat(j->fd, &st) < 0) {
		r = -errno;
		goto out_unlock;
	}
	if ((uint64_t)st.st_size > JOURNAL_READ_MAX) {
		r = -EFBIG;
		goto out_unlock;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out_unlock;
	}
	while (got < (size_t)st.st_size) {
		ssize_t k = pread(j->fd, buf + got, (size_t)st.st_size - got,
				  (off_t)got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	while (off < got) {
		const char *text;
		size_t len, whole;
		char save;

		if (!parse_entry(buf + off, got - off, &text, &len, &whole))
			break;
		save = ((char *)text)[len];
		((char *)text)[len] = '\0';
		fn(ctx, text, len);
		((char *)text)[len] = save;
		off += whole;
	}
	/* a torn tail goes: later appends must follow whole entries */
	if (off < got && ftruncate(j->fd, (off_t)off) < 0)
		r = -errno;
	j->size = off < got ? off : got;
	free(buf);
out_unlock:
	pthread_mutex_unlock(&j->mu);
	return r;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int journal_append(struct journal *j, const char *text, size_t len,
		   bool sync)
{
	char head[48];
	char *line;
	int hl, r;
	uint64_t me;

	if (len > ENTRY_MAX || memchr(text, '\n', len))
		return -EINVAL;
	hl = snprintf(head, sizeof(head), "J %zx %08x ", len,
		      (unsigned)crc32_of(text, len));
	line = malloc((size_t)hl + len + 1);
	if (!line)
		return -ENOMEM;
	memcpy(line, head, (size_t)hl);
	memcpy(line + hl, text, len);
	line[(size_t)hl + len] = '\n';
	pthread_mutex_lock(&j->mu);
	r = j->broken;
	if (r == 0) {
		r = write_all(j->fd, line, (size_t)hl + len + 1);
		if (r < 0 && ftruncate(j->fd, (off_t)j->size) < 0)
			j->broken = r; /* a part of an entry stays */
	}
	free(line);
	if (r < 0) {
		pthread_mutex_unlock(&j->mu);
		return r;
	}
	j->size += (uint64_t)hl + len + 1;
	me = ++j->seq;
	while (sync && j->synced < me) {
		uint64_t upto;

		if (j->broken) {
			r = j->broken;
			break;
		}
		if (j->syncing) {
			pthread_cond_wait(&j->cond, &j->mu);
			continue;
		}
		upto = j->seq;
		j->syncing = true;
		pthread_mutex_unlock(&j->mu);
		r = fdatasync(j->fd) < 0 ? -errno : 0;
		pthread_mutex_lock(&j->mu);
		j->syncing = false;
		if (r == 0 && upto > j->synced)
			j->synced = upto;
		/* after a failed fdatasync the kernel may have dropped the
		 * pages: nothing written so far is known to be durable */
		if (r < 0)
			j->broken = r;
		pthread_cond_broadcast(&j->cond);
	}
	pthread_mutex_unlock(&j->mu);
	return r;
}

uint64_t journal_size(struct journal *j)
{
	uint64_t n;

	pthread_mutex_lock(&j->mu);
	n = j->size;
	pthread_mutex_unlock(&j->mu);
	return n;
}

int journal_truncate(struct journal *j)
{
	int r = 0;

	pthread_mutex_lock(&j->mu);
	while (j->syncing)
		pthread_cond_wait(&j->cond, &j->mu);
	if (ftruncate(j->fd, 0) < 0 || fdatasync(j->fd) < 0)
		r = -errno;
	else {
		j->size = 0;
		j->synced = j->seq;
	}
	pthread_mutex_unlock(&j->mu);
	return r;
}
