/*
 * common/sdnotify.h - systemd's service notification protocol, spoken
 * directly (one datagram per message on the AF_UNIX socket named by
 * NOTIFY_SOCKET; no libsystemd).  Used by common/daemon.c: READY=1,
 * RELOADING=1, STOPPING=1, STATUS=..., WATCHDOG=1.
 *
 * Everything is a no-op when NOTIFY_SOCKET is unset, so a daemon started
 * by hand behaves as before.
 */
#ifndef COMMON_SDNOTIFY_H
#define COMMON_SDNOTIFY_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

struct sdnotify {
	int fd;                 /* -1: notifications are off */
	struct sockaddr_un addr;
	socklen_t addr_len;
	uint64_t watchdog_usec; /* 0: no watchdog */
};

/*
 * Read NOTIFY_SOCKET ("/path" or "@abstract") and WATCHDOG_USEC (honoured
 * only when WATCHDOG_PID is unset or names this process).  Returns 0, or
 * -errno when NOTIFY_SOCKET is set but unusable (notifications then stay
 * off).
 */
int sdnotify_open(struct sdnotify *n);
/* Send one message ("READY=1\nSTATUS=..."); 0 or -errno. */
int sdnotify_send(const struct sdnotify *n, const char *msg);
void sdnotify_close(struct sdnotify *n);

#endif /* COMMON_SDNOTIFY_H */
