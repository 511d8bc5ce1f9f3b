/* interlink-api/ilctl_util.c - see ilctl_util.h */
#include "ilctl_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "text.h"

int ilctl_random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;
	int fd, r = 0;

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (n > 0) {
		ssize_t got = read(fd, p, n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			r = got < 0 ? -errno : -EIO;
			break;
		}
		p += got;
		n -= (size_t)got;
	}
	(void)close(fd); /* read-only descriptor */
	return r;
}

int ilctl_random_below(uint32_t bound, uint32_t *ret)
{
	uint32_t limit, v;

	if (bound == 0)
		return -EINVAL;
	/* reject the top partial range so every value is equally likely */
	limit = UINT32_MAX - UINT32_MAX % bound;
	do {
		int r = ilctl_random_bytes(&v, sizeof(v));

		if (r < 0)
			return r;
	} while (v >= limit);
	*ret = v % bound;
	return 0;
}

int ilctl_uuid4(char out[ILCTL_UUID_SIZE])
{
	unsigned char b[16] = {0};
	size_t j = 0;
	int r;

	r = ilctl_random_bytes(b, sizeof(b));
	if (r < 0)
		return r;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	for (size_t i = 0; i < sizeof(b); i++) {
		static const char hex[] = "0123456789abcdef";

		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[j++] = '-';
		out[j++] = hex[b[i] >> 4];
		out[j++] = hex[b[i] & 0x0f];
	}
	out[j] = '\0';
	return 0;
}

int ilctl_read_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
	char chunk[65536];
	struct buf b;
	int r = 0;

	buf_init(&b, max);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		r = buf_append(&b, chunk, (size_t)n);
		if (r < 0)
			break;
	}
	if (r == 0) {
		if (ret_len)
			*ret_len = b.len;
		*ret = buf_steal(&b);
		if (!*ret)
			r = -ENOMEM;
	}
	buf_done(&b);
	return r;
}

int ilctl_read_file(const char *path, size_t max, char **ret,
		    size_t *ret_len)
{
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = ilctl_read_fd(fd, max, ret, ret_len);
	(void)close(fd); /* read-only descriptor */
	return r;
}

int ilctl_parse_duration(const char *s, int64_t *ret)
{
	int64_t total = 0;

	if (!s || !*s)
		return -EINVAL;
	while (*s) {
		int64_t v = 0, mult;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (v > (INT64_MAX - 9) / 10)
				return -EINVAL;
			v = v * 10 + (*s - '0');
		}
		switch (*s++) {
		case 's':
			mult = 1;
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 3600;
			break;
		default:
			return -EINVAL;
		}
		if (v > (INT64_MAX - total) / mult)
			return -EINVAL;
		total += v * mult;
	}
	*ret = total;
	return 0;
}

const char *ilctl_strerror(int e)
{
	static char buf[256];

	/* the GNU variant: returns the text, perhaps not in buf */
	return strerror_r(e, buf, sizeof(buf));
}

void ilctl_print_table(FILE *f, const char *const *cells, size_t nrows,
		       size_t ncols)
{
	size_t width[16] = {0};

	if (ncols > sizeof(width) / sizeof(width[0]))
		ncols = sizeof(width) / sizeof(width[0]);
	for (size_t r = 0; r < nrows; r++)
		for (size_t c = 0; c < ncols; c++) {
			size_t n = strlen(cells[r * ncols + c]);

			if (n > width[c])
				width[c] = n;
		}
	for (size_t r = 0; r < nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			const char *s = cells[r * ncols + c];

			if (c + 1 == ncols)
				(void)fprintf(f, "%s\n", s);
			else
				(void)fprintf(f, "%-*s  ", (int)width[c], s);
		}
	}
}

char *ilctl_printable(const char *s)
{
	size_t n = strlen(s) + 1;
	char *out = malloc(n);

	if (out)
		text_sanitize(s, out, n);
	return out;
}
