/* backends/drmaa/drmaa_spawn.c - see drmaa_spawn.h */
#include "drmaa_spawn.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* child side: never returns */
static void child(int sock, const char *path, char *const argv[],
		  char *const envp[], int drop, uid_t uid, gid_t gid,
		  int stderr_too)
{
	if (drop) {
		if (setgroups(1, &gid) < 0 || setgid(gid) < 0 ||
		    setuid(uid) < 0 || getuid() != uid || geteuid() != uid ||
		    getgid() != gid || getegid() != gid)
			_exit(126);
	}
	if (dup2(sock, 0) < 0 || dup2(sock, 1) < 0 ||
	    (stderr_too && dup2(sock, 2) < 0))
		_exit(126);
	/* nothing of the sidecar's (keys, listeners, folders) reaches a
	 * program that runs as a tenant, whatever lacks O_CLOEXEC */
	if (close_range(3, ~0U, 0) < 0)
		_exit(126);
	execve(path, argv, envp);
	_exit(127);
}

/* fork the child on one end of a socket pair; the other end, or -errno */
static int start(char *const argv[], char *const envp[], int drop, uid_t uid,
		 gid_t gid, int stderr_too, pid_t *ret_pid)
{
	int sv[2], e;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	if (pid == 0) {
		close(sv[0]);
		/* sv[1] is close-on-exec; dup2 copies drop that flag */
		child(sv[1], argv[0], argv, envp, drop, uid, gid, stderr_too);
	}
	close(sv[1]);
	*ret_pid = pid;
	return sv[0];
}

static int run(char *const argv[], char *const envp[], int drop, uid_t uid,
	       gid_t gid, const char *in, size_t inlen, int timeout_ms,
	       char *out, size_t outlen)
{
	long deadline = now_ms() + timeout_ms;
	size_t sent = 0, got = 0;
	int fd, status, e = 0;
	pid_t pid;

	fd = start(argv, envp, drop, uid, gid, 1, &pid);
	if (fd < 0)
		return fd;
	if (!inlen)
		shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd pf = {fd, POLLIN, 0};
		long left = deadline - now_ms();
		ssize_t r;

		if (sent < inlen)
			pf.events |= POLLOUT;
		if (left <= 0) {
			e = ETIMEDOUT;
			break;
		}
		r = poll(&pf, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			break;
		}
		if (sent < inlen && (pf.revents & (POLLOUT | POLLERR))) {
			r = send(fd, in + sent, inlen - sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (r > 0)
				sent += (size_t)r;
			else if (r < 0 && errno != EAGAIN && errno != EINTR)
				sent = inlen; /* it stopped reading */
			if (sent == inlen)
				shutdown(fd, SHUT_WR);
		}
		if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
			char tmp[512];
			size_t room = got + 1 < outlen ? outlen - 1 - got : 0;

			r = recv(fd, room ? out + got : tmp,
				 room ? room : sizeof(tmp), MSG_DONTWAIT);
			if (r == 0)
				break;
			if (r > 0 && room)
				got += (size_t)r;
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				break;
		}
	}
	close(fd);
	if (outlen)
		out[got < outlen ? got : outlen - 1] = '\0';
	if (e)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (e)
		return -e;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int drmaa_spawn(char *const argv[], char *const envp[], uid_t uid, gid_t gid,
		const char *in, size_t inlen, int timeout_ms, char *out,
		size_t outlen)
{
	return run(argv, envp, 1, uid, gid, in, inlen, timeout_ms, out,
		   outlen);
}

int drmaa_run_tool(char *const argv[], char *const envp[], int timeout_ms,
		   char *out, size_t outlen)
{
	return run(argv, envp, 0, 0, 0, NULL, 0, timeout_ms, out, outlen);
}

int drmaa_agent_start(char *const argv[], char *const envp[],
		      pid_t *ret_pid)
{
	/* its stderr stays the sidecar's: DRMAA's messages reach the log */
	return start(argv, envp, 0, 0, 0, 0, ret_pid);
}

int drmaa_agent_call(int fd, const char *line, int timeout_ms, char *out,
		     size_t outlen)
{
	long deadline = now_ms() + timeout_ms;
	size_t len = strlen(line), sent = 0, got = 0;

	while (sent < len) {
		ssize_t r = send(fd, line + sent, len - sent, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		sent += (size_t)r;
	}
	for (;;) {
		struct pollfd pf = {fd, POLLIN, 0};
		long left = deadline - now_ms();
		char c;
		ssize_t r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pf, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue;
		r = recv(fd, &c, 1, 0); /* answers are short lines */
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EPIPE;
		if (c == '\n')
			break;
		if (got + 1 < outlen)
			out[got++] = c;
	}
	out[got] = '\0';
	return 0;
}

void drmaa_agent_stop(int fd, pid_t pid)
{
	int status;

	if (fd >= 0)
		close(fd);
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
}
