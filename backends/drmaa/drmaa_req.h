/*
 * backends/drmaa/drmaa_req.h - what the DRMAA backend hands its submit
 * helper, and how a job spec becomes DRMAA attributes.
 *
 * The backend (in the sidecar, often root) never calls drmaa_run_job
 * itself: DRMAA submits as the calling uid, so for each job it forks, drops
 * to the tenant's uid/gid and executes ilk-drmaa-helper submit, which reads one
 * request from stdin and prints the job id.  A request is a sequence of
 * fields "K<len>:<bytes>\0" (K one letter, len decimal, no NUL inside the
 * bytes), bounded in size:
 *
 *   N job name      W work dir     O output path   S script
 *   P native specification (Grid Engine qsub options)   E one NAME=value
 */
#ifndef ILK_DRMAA_REQ_H
#define ILK_DRMAA_REQ_H

#include <stddef.h>

#include "ilk_plugin.h"

#define DRMAA_REQ_MAX (17u << 20) /* a 16 MiB script and the rest */
#define DRMAA_REQ_ENV_MAX 4096
#define DRMAA_NATIVE_MAX 1024

/* Site settings that shape the native specification. */
struct drmaa_site {
	const char *queue;       /* default queue (Partition), or NULL */
	const char *pe;          /* parallel environment for cpus > 1 */
	const char *mem_resource; /* e.g. "h_vmem"; NULL: memory not asked */
};

/*
 * Turn spec into Grid Engine native-specification text (qsub options,
 * e.g. "-b n -q all.q -l h_rt=600").  Features DRMAA 1.0 on Grid Engine
 * cannot express are refused: returns ILK_ERR_INVALID and names the
 * feature in err.  Names are checked against a safe alphabet, so nothing
 * from a pod can add an option of its own.
 */
int drmaa_native_spec(const struct ilk_job_spec *spec,
		      const struct drmaa_site *site, char *out, size_t outlen,
		      char *err, size_t errlen);

/* snprintf into err (errlen bytes) when err is not NULL */
void drmaa_set_err(char *err, size_t errlen, const char *fmt, ...)
	ILK_PRINTF(3, 4);

/* A Grid Engine job id: digits (and dots), shorter than ILK_JOB_ID_MAX */
int drmaa_valid_id(const char *id);

/* Append one field to buf (cap bytes, *len used); -1 when it does not fit. */
int drmaa_req_put(char *buf, size_t cap, size_t *len, char key,
		  const char *val);

/* A parsed request: pointers into the (NUL-separated) buffer. */
struct drmaa_req {
	const char *name, *wd, *out, *script, *native;
	const char *env[DRMAA_REQ_ENV_MAX + 1];
	size_t n_env;
};

/*
 * Parse buf[0..len): the values point into buf.  -1 and err on a
 * malformed or incomplete request, or one without S, W or O.
 */
int drmaa_req_parse(char *buf, size_t len, struct drmaa_req *ret, char *err,
		    size_t errlen);

#endif
