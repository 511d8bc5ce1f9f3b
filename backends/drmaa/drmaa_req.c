/* backends/drmaa/drmaa_req.c - see drmaa_req.h */
#include "drmaa_req.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void drmaa_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* queue, PE and resource names: letters, digits, _ . - @ (and * for a
 * queue list is not allowed either): nothing that starts an option */
static int safe_name(const char *s)
{
	size_t n = 0;

	if (!s || !*s || *s == '-')
		return 0;
	for (; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' ||
		      *s == '-' || *s == '@'))
			return 0;
	return n <= 128;
}

static int add(char *out, size_t outlen, size_t *len, const char *fmt, ...)
	ILK_PRINTF(4, 5);
static int add(char *out, size_t outlen, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out + *len, outlen - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outlen - *len)
		return -1;
	*len += (size_t)n;
	return 0;
}

#define UNSUPPORTED(what)                                                     \
	do {                                                                  \
		drmaa_set_err(err, errlen, "%s is not supported by the DRMAA "      \
			"backend (Grid Engine)", what);                       \
		return ILK_ERR_INVALID;                                       \
	} while (0)

int drmaa_native_spec(const struct ilk_job_spec *spec,
		      const struct drmaa_site *site, char *out, size_t outlen,
		      char *err, size_t errlen)
{
	const char *queue = spec->partition ? spec->partition : site->queue;
	size_t len = 0;
	int r = 0;

	/* the ABI 1.1 placement fields, when the caller's struct has them */
#define HAS(f) (spec->struct_size >= offsetof(struct ilk_job_spec, f) +      \
				      sizeof(spec->f))
	if (HAS(gres) && spec->gres && *spec->gres)
		UNSUPPORTED("a generic resource request (GPUs, gres)");
	if (HAS(gpus) && spec->gpus)
		UNSUPPORTED("a GPU request");
	if (HAS(qos) && spec->qos && *spec->qos)
		UNSUPPORTED("a QOS (--qos)");
	if (HAS(reservation) && spec->reservation && *spec->reservation)
		UNSUPPORTED("a reservation (--reservation)");
	if (HAS(constraint) && spec->constraint && *spec->constraint)
		UNSUPPORTED("a node feature constraint (--constraint)");
	if (HAS(nodes) && spec->nodes > 1)
		UNSUPPORTED("more than one node (--nodes)");
	if (HAS(ntasks) && spec->ntasks > 1)
		UNSUPPORTED("more than one task (--ntasks)");
	if (HAS(exclusive) && spec->exclusive)
		UNSUPPORTED("exclusive nodes (--exclusive)");
	if (HAS(mem_per_cpu_mb) && spec->mem_per_cpu_mb)
		UNSUPPORTED("memory per CPU (--mem-per-cpu)");
	if (spec->cpus > 1 && !site->pe) {
		drmaa_set_err(err, errlen, "%u CPUs: the DRMAA backend reserves more "
			"than one slot only through a parallel environment, and "
			"this site sets no DrmaaParallelEnvironment",
			spec->cpus);
		return ILK_ERR_INVALID;
	}
	/* the job script is spooled at submit (-b n), like sbatch's */
	r |= add(out, outlen, &len, "-b n");
	if (queue) {
		if (!safe_name(queue)) {
			drmaa_set_err(err, errlen, "queue name '%.64s' is not valid",
				queue);
			return ILK_ERR_INVALID;
		}
		r |= add(out, outlen, &len, " -q %s", queue);
	}
	if (HAS(account) && spec->account && *spec->account) {
		if (!safe_name(spec->account)) {
			drmaa_set_err(err, errlen, "account '%.64s' is not valid",
				spec->account);
			return ILK_ERR_INVALID;
		}
		r |= add(out, outlen, &len, " -A %s", spec->account);
	}
	if (spec->cpus > 1) {
		if (!safe_name(site->pe)) {
			drmaa_set_err(err, errlen, "DrmaaParallelEnvironment '%.64s' "
				"is not valid", site->pe);
			return ILK_ERR_INVALID;
		}
		r |= add(out, outlen, &len, " -pe %s %u", site->pe,
			 spec->cpus);
	}
	if (spec->time_limit_min)
		r |= add(out, outlen, &len, " -l h_rt=%llu",
			 (unsigned long long)spec->time_limit_min * 60);
	if (spec->mem_mb && site->mem_resource) {
		if (!safe_name(site->mem_resource)) {
			drmaa_set_err(err, errlen, "DrmaaMemoryResource '%.64s' is "
				"not valid", site->mem_resource);
			return ILK_ERR_INVALID;
		}
		r |= add(out, outlen, &len, " -l %s=%lluM", site->mem_resource,
			 (unsigned long long)spec->mem_mb);
	}
#undef HAS
	if (r) {
		drmaa_set_err(err, errlen, "native specification too long");
		return ILK_ERR_INVALID;
	}
	return ILK_OK;
}

int drmaa_valid_id(const char *id)
{
	size_t n = 0;

	if (!id || !*id)
		return 0;
	for (; id[n]; n++)
		if ((id[n] < '0' || id[n] > '9') && id[n] != '.')
			return 0;
	return n < ILK_JOB_ID_MAX;
}

int drmaa_req_put(char *buf, size_t cap, size_t *len, char key,
		  const char *val)
{
	size_t vl = strlen(val);
	int n;

	n = snprintf(buf + *len, cap - *len, "%c%zu:", key, vl);
	if (n < 0 || (size_t)n >= cap - *len || vl + 1 > cap - *len - (size_t)n)
		return -1;
	memcpy(buf + *len + n, val, vl + 1);
	*len += (size_t)n + vl + 1;
	return 0;
}

int drmaa_req_parse(char *buf, size_t len, struct drmaa_req *ret, char *err,
		    size_t errlen)
{
	size_t i = 0;

	memset(ret, 0, sizeof(*ret));
	while (i < len) {
		char key = buf[i++], *end;
		unsigned long long vl;
		const char *val;

		errno = 0;
		if (i >= len || buf[i] < '0' || buf[i] > '9')
			goto bad;
		vl = strtoull(buf + i, &end, 10);
		if (errno || end >= buf + len || *end != ':' ||
		    vl > len - (size_t)(end + 1 - buf) - 1)
			goto bad;
		val = end + 1;
		if (val[vl] != '\0' || strlen(val) != vl)
			goto bad;
		i = (size_t)(val - buf) + vl + 1;
		switch (key) {
		case 'N': ret->name = val; break;
		case 'W': ret->wd = val; break;
		case 'O': ret->out = val; break;
		case 'S': ret->script = val; break;
		case 'P': ret->native = val; break;
		case 'E':
			if (ret->n_env >= DRMAA_REQ_ENV_MAX) {
				drmaa_set_err(err, errlen, "too many variables");
				return -1;
			}
			ret->env[ret->n_env++] = val;
			break;
		default:
			goto bad;
		}
	}
	ret->env[ret->n_env] = NULL;
	if (!ret->script || !ret->wd || !ret->out) {
		drmaa_set_err(err, errlen, "incomplete request");
		return -1;
	}
	return 0;
bad:
	drmaa_set_err(err, errlen, "malformed request at byte %zu", i);
	return -1;
}
