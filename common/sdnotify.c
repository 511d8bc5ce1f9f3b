/* common/sdnotify.c - see sdnotify.h */
#include "sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "text.h"

int sdnotify_open(struct sdnotify *n)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *wd = getenv("WATCHDOG_USEC");
	const char *wpid = getenv("WATCHDOG_PID");
	uint64_t v;
	size_t len;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (wd && text_parse_u64(wd, UINT64_MAX, &v) == 0 && v > 0) {
		uint64_t pid;

		if (!wpid || (text_parse_u64(wpid, UINT64_MAX, &pid) == 0 &&
			      pid == (uint64_t)getpid()))
			n->watchdog_usec = v;
	}
	if (!path || !*path)
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') ||
	    len >= sizeof(n->addr.sun_path)) {
		n->watchdog_usec = 0;
		return -EINVAL;
	}
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, path, len);
	if (path[0] == '@')
		n->addr.sun_path[0] = '\0'; /* abstract namespace */
	n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
				  (path[0] == '/' ? 1 : 0));
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0) {
		n->watchdog_usec = 0;
		return -errno;
	}
	return 0;
}

int sdnotify_send(const struct sdnotify *n, const char *msg)
{
	ssize_t r;

	if (n->fd < 0)
		return 0;
	do
		r = sendto(n->fd, msg, strlen(msg), MSG_NOSIGNAL,
			   (const struct sockaddr *)&n->addr, n->addr_len);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

void sdnotify_close(struct sdnotify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
