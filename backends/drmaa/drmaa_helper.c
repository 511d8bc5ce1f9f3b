/*
 * backends/drmaa/drmaa_helper.c - ilk-drmaa-helper, the one program of the
 * DRMAA backend that links libdrmaa.  The backend itself (a .so in the
 * sidecar) never loads libdrmaa: DRMAA submits as the calling uid, and
 * Grid Engine's libdrmaa brings its own allocator (libjemalloc, which
 * cannot be dlopen()ed: "cannot allocate memory in static TLS block") and
 * threads.  Two modes:
 *
 *   ilk-drmaa-helper submit   run by the backend already switched to the
 *       tenant's uid/gid (refuses root), fixed environment: reads one
 *       request (drmaa_req.h) from stdin, writes the job script to a
 *       private file in the job's work dir, submits it with drmaa_run_job
 *       (Grid Engine spools the script at submission, "-b n"), removes
 *       the file and prints the job id.  On failure: one line and exit
 *       status 2 (the scheduler refused the job), 3 (bad request) or 1
 *       (the scheduler could not be reached, or anything else).
 *
 *   ilk-drmaa-helper agent    long-lived, as the sidecar's user (root is
 *       a Grid Engine manager: it sees and controls every job): one DRMAA
 *       session; reads request lines on stdin, answers one line each:
 *         ps ID    -> "ok queued|held|running|suspended|done|failed|
 *                     undetermined", "gone" (unknown to the qmaster), or
 *                     "err TEXT"
 *         term ID  -> "ok", "gone" or "err TEXT"   (DRMAA_CONTROL_TERMINATE)
 *         ping     -> "ok DRM-SYSTEM" or "err TEXT"
 *       IDs are digits (and dots) only; anything else is "err".
 *
 * The submit mode runs with the tenant's uid, so the tenant could signal
 * it, and, were it dumpable, ptrace it and print another user's job id,
 * which the sidecar (a Grid Engine manager) would later cancel.  So the
 * binary is installed mode 0711 (execve of an unreadable file leaves the
 * process non-dumpable from its first instruction), and it makes itself
 * non-dumpable again before anything else.
 */
#include <drmaa.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drmaa_req.h"

static int die(int code, const char *what, const char *why)
{
	fprintf(stderr, "%s: %s\n", what, why);
	return code;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static char *read_request(size_t *len)
{
	size_t cap = 1u << 16, n = 0;
	char *buf = malloc(cap);

	while (buf) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			if (cap >= DRMAA_REQ_MAX) {
				free(buf);
				return NULL;
			}
			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		r = read(0, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return buf;
}

static int set(drmaa_job_template_t *jt, const char *name, const char *val,
	       char *e, size_t el)
{
	return drmaa_set_attribute(jt, name, val, e, el);
}

static const char *ps_word(int ps)
{
	switch (ps) {
	case DRMAA_PS_QUEUED_ACTIVE: return "queued";
	case DRMAA_PS_SYSTEM_ON_HOLD:
	case DRMAA_PS_USER_ON_HOLD:
	case DRMAA_PS_USER_SYSTEM_ON_HOLD: return "held";
	case DRMAA_PS_RUNNING: return "running";
	case DRMAA_PS_SYSTEM_SUSPENDED:
	case DRMAA_PS_USER_SUSPENDED:
	case DRMAA_PS_USER_SYSTEM_SUSPENDED: return "suspended";
	case DRMAA_PS_DONE: return "done";
	case DRMAA_PS_FAILED: return "failed";
	default: return "undetermined";
	}
}

/* one line, the text without newlines */
static void answer_err(const char *e)
{
	printf("err ");
	for (; *e; e++)
		putchar(*e == '\n' || *e == '\r' ? ' ' : *e);
	putchar('\n');
}

static int agent(void)
{
	char e[DRMAA_ERROR_STRING_BUFFER] = "", line[256];

	/* useless without the sidecar: die with it, even by SIGKILL (then
	 * the backend starts a new agent; see drmaa_spawn.h) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() == 1)
		return 1;

	if (drmaa_init(NULL, e, sizeof(e)) != DRMAA_ERRNO_SUCCESS) {
		fprintf(stderr, "ilk-drmaa-helper agent: drmaa_init: %s\n", e);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		char *id;
		int ps = 0, r;

		line[strcspn(line, "\n")] = '\0';
		e[0] = '\0';
		if (strcmp(line, "ping") == 0) {
			char sys[256] = "";

			r = drmaa_get_DRM_system(sys, sizeof(sys), e, sizeof(e));
			if (r)
				answer_err(e[0] ? e : drmaa_strerror(r));
			else
				printf("ok %s\n", sys);
			continue;
		}
		id = strchr(line, ' ');
		if (!id || !drmaa_valid_id(id + 1)) {
			answer_err("bad request");
			continue;
		}
		*id++ = '\0';
		if (strcmp(line, "ps") == 0) {
			r = drmaa_job_ps(id, &ps, e, sizeof(e));
			if (r == DRMAA_ERRNO_SUCCESS)
				printf("ok %s\n", ps_word(ps));
			else if (r == DRMAA_ERRNO_INVALID_JOB)
				printf("gone\n");
			else
				answer_err(e[0] ? e : drmaa_strerror(r));
		} else if (strcmp(line, "term") == 0) {
			r = drmaa_control(id, DRMAA_CONTROL_TERMINATE, e,
					  sizeof(e));
			if (r == DRMAA_ERRNO_SUCCESS)
				printf("ok\n");
			else if (r == DRMAA_ERRNO_INVALID_JOB)
				printf("gone\n");
			else
				answer_err(e[0] ? e : drmaa_strerror(r));
		} else
			answer_err("bad request");
	}
	drmaa_exit(NULL, 0);
	return 0;
}

static int submit(void)
{
	char e[DRMAA_ERROR_STRING_BUFFER] = "", jid[ILK_JOB_ID_MAX];
	char path[4096], outp[4200];
	drmaa_job_template_t *jt = NULL;
	struct drmaa_req rq;
	size_t len;
	char *buf;
	int fd, r, code = 1;

	if (getuid() == 0 || geteuid() == 0)
		return die(3, "ilk-drmaa-helper", "refusing to submit as root");
	buf = read_request(&len);
	if (!buf)
		return die(3, "ilk-drmaa-helper", "cannot read the request");
	if (drmaa_req_parse(buf, len, &rq, e, sizeof(e)) < 0)
		return die(3, "ilk-drmaa-helper", e);
	if (strncmp(rq.script, "#!", 2) != 0)
		return die(3, "ilk-drmaa-helper", "the script has no #! line");
	/* the job's own folder: this process is its owner, nobody else's
	 * files are at stake; O_EXCL + O_NOFOLLOW never reuse a name */
	if ((size_t)snprintf(path, sizeof(path), "%s/.drmaa-job.XXXXXX",
			     rq.wd) >= sizeof(path))
		return die(3, "ilk-drmaa-helper", "work dir too long");
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return die(1, "cannot create the job script",
			   strerror(errno));
	if (write_all(fd, rq.script, strlen(rq.script)) < 0 ||
	    fchmod(fd, 0700) < 0 || close(fd) < 0) {
		unlink(path);
		return die(1, "cannot write the job script", strerror(errno));
	}
	snprintf(outp, sizeof(outp), ":%s", rq.out);
	if (drmaa_init(NULL, e, sizeof(e)) != DRMAA_ERRNO_SUCCESS) {
		unlink(path);
		return die(1, "drmaa_init", e);
	}
	r = drmaa_allocate_job_template(&jt, e, sizeof(e));
	if (!r)
		r = set(jt, DRMAA_REMOTE_COMMAND, path, e, sizeof(e));
	if (!r)
		r = set(jt, DRMAA_WD, rq.wd, e, sizeof(e));
	if (!r)
		r = set(jt, DRMAA_OUTPUT_PATH, outp, e, sizeof(e));
	if (!r)
		r = set(jt, DRMAA_JOIN_FILES, "y", e, sizeof(e));
	if (!r && rq.name && *rq.name)
		r = set(jt, DRMAA_JOB_NAME, rq.name, e, sizeof(e));
	if (!r && rq.native && *rq.native)
		r = set(jt, DRMAA_NATIVE_SPECIFICATION, rq.native, e,
			sizeof(e));
	if (!r && rq.n_env)
		r = drmaa_set_vector_attribute(jt, DRMAA_V_ENV, rq.env, e,
					       sizeof(e));
	if (r) {
		code = 3;
		goto out;
	}
	r = drmaa_run_job(jid, sizeof(jid), jt, e, sizeof(e));
	if (r == DRMAA_ERRNO_SUCCESS) {
		printf("%s\n", jid);
		code = fflush(stdout) == 0 ? 0 : 1;
	} else {
		code = r == DRMAA_ERRNO_DENIED_BY_DRM ||
				       r == DRMAA_ERRNO_INVALID_ATTRIBUTE_VALUE ||
				       r == DRMAA_ERRNO_INVALID_ATTRIBUTE_FORMAT ?
			       2 :
			       1;
	}
out:
	unlink(path);
	if (code)
		fprintf(stderr, "%s\n", e[0] ? e : "submission failed");
	if (jt)
		drmaa_delete_job_template(jt, NULL, 0);
	drmaa_exit(NULL, 0);
	free(buf);
	return code;
}

int main(int argc, char **argv)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		perror("ilk-drmaa-helper: prctl");
		return 1;
	}
	if (argc == 2 && strcmp(argv[1], "submit") == 0)
		return submit();
	if (argc == 2 && strcmp(argv[1], "agent") == 0)
		return agent();
	fprintf(stderr, "usage: ilk-drmaa-helper submit|agent (run by "
		"backend-drmaa.so)\n");
	return 3;
}
