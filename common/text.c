/* common/text.c - see text.h */
#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool label_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63)
		return false;
	if (!is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

bool text_is_dns_label(const char *s)
{
	return s && label_ok(s, strlen(s));
}

bool text_is_dns_subdomain(const char *s)
{
	size_t n;
	const char *p;

	if (!s)
		return false;
	n = strlen(s);
	if (n == 0 || n > 253)
		return false;
	for (p = s;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		if (!label_ok(p, len))
			return false;
		if (!dot)
			return true;
		p = dot + 1;
	}
}

bool text_is_uid(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

bool text_is_uuid(const char *s)
{
	static const int dash[] = {8, 13, 18, 23};

	if (!s || strlen(s) != 36)
		return false;
	for (int i = 0, d = 0; i < 36; i++) {
		if (d < 4 && i == dash[d]) {
			if (s[i] != '-')
				return false;
			d++;
		} else if (!isxdigit((unsigned char)s[i]) ||
			   isupper((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

bool text_is_env_name(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n == 0 || n > 256)
		return false;
	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return false;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '_')
			return false;
	}
	return true;
}

bool text_is_file_name(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n == 0 || n > 255 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

bool text_is_rel_path(const char *s)
{
	char part[256];
	const char *p;

	if (!s || !*s || s[0] == '/' || strlen(s) > 1024)
		return false;
	for (p = s;;) {
		const char *sl = strchr(p, '/');
		size_t len = sl ? (size_t)(sl - p) : strlen(p);

		if (len == 0 || len >= sizeof(part))
			return false;
		memcpy(part, p, len);
		part[len] = '\0';
		if (!text_is_file_name(part))
			return false;
		if (!sl)
			return true;
		p = sl + 1;
	}
}

bool text_is_printable(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

bool text_is_loopback(const char *h)
{
	return h && (strcmp(h, "localhost") == 0 || strcmp(h, "::1") == 0 ||
		     strcmp(h, "[::1]") == 0 || strncmp(h, "127.", 4) == 0);
}

int text_parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int text_parse_i64(const char *s, int64_t min, int64_t max, int64_t *ret)
{
	long long v;
	char *end;

	if (!s || !*s || isspace((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int text_parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Split "1.5Gi" into a finite non-negative number and a suffix. */
static int split_quantity(const char *s, double *num, const char **suffix)
{
	char *end;
	double v;

	if (!s || !*s || !(isdigit((unsigned char)s[0]) || s[0] == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || !isfinite(v) || v < 0)
		return -EINVAL;
	*num = v;
	*suffix = end;
	return 0;
}

int text_parse_cpu_milli(const char *s, uint64_t *ret)
{
	const char *suf;
	double v;

	if (split_quantity(s, &v, &suf) < 0)
		return -EINVAL;
	if (strcmp(suf, "m") == 0)
		v = ceil(v);
	else if (*suf == '\0')
		v = ceil(v * 1000.0);
	else
		return -EINVAL;
	if (v > 1e15)
		return -EINVAL;
	*ret = (uint64_t)v;
	return 0;
}

int text_parse_mem_bytes(const char *s, uint64_t *ret)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
		{"", 1},
		{"k", 1e3},
		{"M", 1e6},
		{"G", 1e9},
		{"T", 1e12},
		{"P", 1e15},
		{"Ki", 1024.0},
		{"Mi", 1048576.0},
		{"Gi", 1073741824.0},
		{"Ti", 1099511627776.0},
		{"Pi", 1125899906842624.0},
		{"m", 1e-3},
	};
	const char *suf;
	double v;

	if (split_quantity(s, &v, &suf) < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(suf, units[i].suffix) != 0)
			continue;
		v = ceil(v * units[i].mult);
		if (v > 9.2e18)
			return -EINVAL;
		*ret = (uint64_t)v;
		return 0;
	}
	return -EINVAL;
}

void text_sanitize(const char *s, char *out, size_t n)
{
	size_t j = 0;

	if (n == 0)
		return;
	for (; s && *s && j + 1 < n; s++)
		out[j++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	out[j] = '\0';
}
