/* sidecar-slurm/sbatch_flags.c - see sbatch_flags.h */
#include "sbatch_flags.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"

#define MAX_WORDS 128

enum kind { K_TIME, K_STR, K_U32, K_MEM, K_FLAG };

struct option {
	const char *name;  /* long form without "--" */
	char short_name;   /* 0: none */
	enum kind kind;
	size_t offset;
};

#define OFF(f) offsetof(struct sbatch_flags, f)

static const struct option options[] = {
	{"time", 't', K_TIME, OFF(time_limit_min)},
	{"partition", 'p', K_STR, OFF(partition)},
	{"account", 'A', K_STR, OFF(account)},
	{"qos", 'q', K_STR, OFF(qos)},
	{"nodes", 'N', K_U32, OFF(nodes)},
	{"ntasks", 'n', K_U32, OFF(ntasks)},
	{"cpus-per-task", 'c', K_U32, OFF(cpus_per_task)},
	{"mem", 0, K_MEM, OFF(mem_mb)},
	{"mem-per-cpu", 0, K_MEM, OFF(mem_per_cpu_mb)},
	{"gres", 0, K_STR, OFF(gres)},
	{"gpus", 'G', K_U32, OFF(gpus)},
	{"constraint", 'C', K_STR, OFF(constraint)},
	{"reservation", 0, K_STR, OFF(reservation)},
	{"exclusive", 0, K_FLAG, OFF(exclusive)},
	{"job-name", 'J', K_STR, OFF(job_name)},
};

void sbatch_flags_done(struct sbatch_flags *f)
{
	free(f->partition);
	free(f->account);
	free(f->qos);
	free(f->gres);
	free(f->constraint);
	free(f->reservation);
	free(f->job_name);
	memset(f, 0, sizeof(*f));
}

int sbatch_parse_time(const char *s, uint32_t *ret_min)
{
	uint64_t part[4] = {0};
	uint64_t days = 0, secs;
	int n = 0;
	const char *p = s;
	char *end;

	if (!s || !*s)
		return -1;
	if (strchr(s, '-')) { /* D-H[:M[:S]] */
		if (!isdigit((unsigned char)*p))
			return -1;
		days = strtoull(p, &end, 10);
		if (*end != '-' || days > 365)
			return -1;
		p = end + 1;
	}
	for (;;) {
		if (!isdigit((unsigned char)*p) || n == 3)
			return -1;
		errno = 0;
		part[n++] = strtoull(p, &end, 10);
		if (errno || part[n - 1] > 1000000)
			return -1;
		if (*end == '\0')
			break;
		if (*end != ':')
			return -1;
		p = end + 1;
	}
	if (strchr(s, '-')) { /* hours[:min[:sec]] */
		secs = days * 86400 + part[0] * 3600 + part[1] * 60 + part[2];
	} else if (n == 1) { /* minutes */
		secs = part[0] * 60;
	} else if (n == 2) { /* min:sec */
		secs = part[0] * 60 + part[1];
	} else { /* h:min:sec */
		secs = part[0] * 3600 + part[1] * 60 + part[2];
	}
	if (secs == 0 || (secs + 59) / 60 > UINT32_MAX / 2)
		return -1;
	*ret_min = (uint32_t)((secs + 59) / 60);
	return 0;
}

int sbatch_parse_mem(const char *s, uint64_t *ret_mb)
{
	static const struct {
		char suffix;
		double mb;
	} units[] = {{'K', 1.0 / 1024}, {'M', 1}, {'G', 1024},
		     {'T', 1024.0 * 1024}};
	double mult = 1, v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || v <= 0 || v > 1e12)
		return -1;
	if (*end) {
		size_t i;

		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (toupper((unsigned char)*end) == units[i].suffix)
				break;
		if (i == sizeof(units) / sizeof(units[0]) ||
		    (end[1] && !(toupper((unsigned char)end[1]) == 'B' &&
				 !end[2])))
			return -1;
		mult = units[i].mb;
	}
	v *= mult;
	*ret_mb = (uint64_t)v + ((double)(uint64_t)v < v ? 1 : 0);
	return *ret_mb ? 0 : -1;
}

/* Split text into shell words ('' "" and \ quoting); no expansion. */
static int split_words(const char *text, char **words, size_t *ret_n,
		       char *err, size_t errlen)
{
	struct buf w;
	size_t n = 0;
	const char *p = text;
	int r = 0;

	buf_init(&w, SBATCH_FLAGS_MAX);
	for (;;) {
		bool in_word = false;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		buf_reset(&w);
		while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
			in_word = true;
			if (*p == '\'') {
				const char *q = strchr(p + 1, '\'');

				if (!q)
					goto unterminated;
				r = buf_append(&w, p + 1, (size_t)(q - p - 1));
				p = q + 1;
			} else if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && p[1])
						p++;
					r |= buf_append(&w, p, 1);
				}
				if (*p != '"')
					goto unterminated;
				p++;
			} else {
				if (*p == '\\' && p[1])
					p++;
				r = buf_append(&w, p, 1);
				p++;
			}
			if (r < 0)
				break;
		}
		if (r < 0 || n == MAX_WORDS) {
			snprintf(err, errlen, "too many or too long flags");
			goto fail;
		}
		if (in_word && !(words[n++] = strdup(buf_str(&w)))) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	buf_done(&w);
	*ret_n = n;
	return 0;
unterminated:
	snprintf(err, errlen, "unterminated quote");
fail:
	buf_done(&w);
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	return -1;
}

static int set_value(struct sbatch_flags *f, const struct option *o,
		     const char *v, char *err, size_t errlen)
{
	void *dst = (char *)f + o->offset;
	uint64_t u;

	switch (o->kind) {
	case K_TIME:
		if (sbatch_parse_time(v, dst) < 0)
			goto bad;
		return 0;
	case K_U32:
		if (text_parse_u64(v, 1000000, &u) < 0 || u == 0)
			goto bad;
		*(uint32_t *)dst = (uint32_t)u;
		return 0;
	case K_MEM:
		if (sbatch_parse_mem(v, dst) < 0)
			goto bad;
		return 0;
	case K_STR: {
		char **s = dst;

		if (!*v || strlen(v) > 256 || !text_is_printable(v))
			goto bad;
		free(*s);
		*s = strdup(v);
		if (!*s) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		return 0;
	}
	case K_FLAG:
		*(bool *)dst = true;
		return 0;
	}
bad: {
	char clean[64];

	text_sanitize(v, clean, sizeof(clean));
	snprintf(err, errlen, "slurm-job.vk.io/flags: bad value '%s' for --%s",
		 clean, o->name);
	return -1;
}
}

static const struct option *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (strlen(options[i].name) == len &&
		    strncmp(options[i].name, name, len) == 0)
			return &options[i];
	return NULL;
}

static const struct option *find_short(char c)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (options[i].short_name && options[i].short_name == c)
			return &options[i];
	return NULL;
}

int sbatch_flags_parse(const char *text, struct sbatch_flags *ret, char *err,
		       size_t errlen)
{
	char *words[MAX_WORDS];
	size_t n = 0, i;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (!text || !*text)
		return 0;
	if (strlen(text) > SBATCH_FLAGS_MAX) {
		snprintf(err, errlen, "slurm-job.vk.io/flags: longer than %d "
			 "bytes", SBATCH_FLAGS_MAX);
		return -1;
	}
	if (split_words(text, words, &n, err, errlen) < 0)
		return -1;
	for (i = 0; r == 0 && i < n; i++) {
		const char *w = words[i], *value = NULL;
		const struct option *o = NULL;
		char clean[64];

		if (strncmp(w, "--", 2) == 0) {
			const char *eq = strchr(w + 2, '=');

			o = find_long(w + 2, eq ? (size_t)(eq - w - 2) :
						  strlen(w + 2));
			if (eq)
				value = eq + 1;
		} else if (w[0] == '-' && w[1]) {
			o = find_short(w[1]);
			if (w[2])
				value = w + 2;
		}
		if (!o) {
			text_sanitize(w, clean, sizeof(clean));
			snprintf(err, errlen, "slurm-job.vk.io/flags: '%s' is "
				 "not a supported sbatch option", clean);
			r = -1;
			break;
		}
		if (o->kind == K_FLAG) {
			if (value) {
				snprintf(err, errlen, "slurm-job.vk.io/flags: "
					 "--%s takes no value", o->name);
				r = -1;
				break;
			}
			r = set_value(ret, o, "", err, errlen);
			continue;
		}
		if (!value) {
			if (i + 1 == n) {
				snprintf(err, errlen, "slurm-job.vk.io/flags: "
					 "--%s needs a value", o->name);
				r = -1;
				break;
			}
			value = words[++i];
		}
		r = set_value(ret, o, value, err, errlen);
	}
	for (i = 0; i < n; i++)
		free(words[i]);
	if (r == 0 && ret->mem_mb && ret->mem_per_cpu_mb) {
		snprintf(err, errlen, "slurm-job.vk.io/flags: --mem and "
			 "--mem-per-cpu cannot both be set");
		r = -1;
	}
	if (r < 0)
		sbatch_flags_done(ret);
	return r;
}

static void take_str(char **dst, char **src)
{
	if (!*src)
		return;
	free(*dst);
	*dst = *src;
	*src = NULL;
}

void sbatch_flags_overlay(struct sbatch_flags *base,
			  struct sbatch_flags *over)
{
	take_str(&base->partition, &over->partition);
	take_str(&base->account, &over->account);
	take_str(&base->qos, &over->qos);
	take_str(&base->gres, &over->gres);
	take_str(&base->constraint, &over->constraint);
	take_str(&base->reservation, &over->reservation);
	take_str(&base->job_name, &over->job_name);
	if (over->time_limit_min)
		base->time_limit_min = over->time_limit_min;
	if (over->nodes)
		base->nodes = over->nodes;
	if (over->ntasks)
		base->ntasks = over->ntasks;
	if (over->cpus_per_task)
		base->cpus_per_task = over->cpus_per_task;
	if (over->mem_mb || over->mem_per_cpu_mb) {
		base->mem_mb = over->mem_mb;
		base->mem_per_cpu_mb = over->mem_per_cpu_mb;
	}
	if (over->gpus)
		base->gpus = over->gpus;
	base->exclusive |= over->exclusive;
	sbatch_flags_done(over);
}
