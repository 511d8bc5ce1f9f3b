/*
 * backends/drmaa/drmaa_spawn.h - run a helper program as another user.
 *
 * fork, then in the child only async-signal-safe calls: setgroups to the
 * one group, setgid, setuid (checked: the child never runs the helper with
 * the parent's identity), its stdin/stdout/stderr one end of a socket pair,
 * every other descriptor closed by O_CLOEXEC, and execve of a fixed path
 * with a fixed argv and environment.  No shell, nothing from the request
 * on the command line.
 */
#ifndef ILK_DRMAA_SPAWN_H
#define ILK_DRMAA_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Run argv[0] as uid/gid with envp, send it in[0..inlen), collect up to
 * outlen-1 bytes of what it prints (NUL terminated) within timeout_ms
 * (then SIGKILL).  Returns its exit status (0..255), or -errno when it
 * could not be run or did not end in time (-ETIMEDOUT).
 */
int drmaa_spawn(char *const argv[], char *const envp[], uid_t uid, gid_t gid,
		const char *in, size_t inlen, int timeout_ms, char *out,
		size_t outlen);

/*
 * Start argv[0] (as this process's user) as a long-lived child whose
 * stdin/stdout are the returned socket; *ret_pid its pid.  -errno.  The
 * agent sets PR_SET_PDEATHSIG: it dies when the thread that started it
 * ends, and the next call starts another.
 */
int drmaa_agent_start(char *const argv[], char *const envp[],
		      pid_t *ret_pid);

/*
 * One request line to the agent, one answer line back (without its
 * newline) within timeout_ms.  -errno (-ETIMEDOUT, -EPIPE when it died).
 */
int drmaa_agent_call(int fd, const char *line, int timeout_ms, char *out,
		     size_t outlen);

/* Stop the agent: close fd, SIGKILL, reap. */
void drmaa_agent_stop(int fd, pid_t pid);

/*
 * Run argv[0] (as this process's user) with envp, without input,
 * collecting its output as above.  For qhost.
 */
int drmaa_run_tool(char *const argv[], char *const envp[], int timeout_ms,
		   char *out, size_t outlen);

#endif
